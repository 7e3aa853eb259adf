package metrics_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/minutebook/minutebook/internal/metrics"
)

func TestStatusClass(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   string
	}{{0, "2xx"}, {200, "2xx"}, {301, "3xx"}, {404, "4xx"}, {429, "4xx"}, {503, "5xx"}} {
		if got := metrics.StatusClass(tc.status); got != tc.want {
			t.Errorf("StatusClass(%d) = %s, want %s", tc.status, got, tc.want)
		}
	}
}

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// TestLabels: requests are labelled by route pattern (never the raw
// path), and the watched values are read at each scrape.
func TestLabels(t *testing.T) {
	m := metrics.New()
	r := chi.NewRouter()
	r.Use(m.Middleware)
	r.Get("/items/{key}", func(w http.ResponseWriter, r *http.Request) {})
	r.Get("/gone", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	for _, p := range []string{"/items/a", "/items/b", "/gone", "/made/up/by/a/crawler"} {
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, nil))
	}
	lag := int64(7)
	m.WatchIndexLag(func() (int64, error) { return lag, nil })
	failing := false
	m.WatchSources(func() (map[string]int, error) {
		if failing {
			return nil, errors.New("database locked")
		}
		return map[string]int{"ok": 5, "failed": 1}, nil
	})
	m.ObserveSearch(20*time.Millisecond, metrics.SearchOK)
	m.CountIngest("serve-sample", 5, 1)
	body := scrape(t, m)
	for _, want := range []string{
		`minutebook_http_request_duration_seconds_count{code="2xx",route="/items/{key}"} 2`,
		`minutebook_http_request_duration_seconds_count{code="4xx",route="/gone"} 1`,
		`minutebook_http_request_duration_seconds_count{code="4xx",route="unmatched"} 1`,
		"minutebook_index_lag_changes 7",
		`minutebook_archive_sources{status="failed"} 1`,
		`minutebook_search_duration_seconds_count{outcome="ok"} 1`,
		`minutebook_ingest_documents_total{command="serve-sample"} 5`,
		`minutebook_ingest_failures_total{command="serve-sample"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if strings.Contains(body, "crawler") {
		t.Error("a raw path became a label")
	}
	lag = 0
	if body := scrape(t, m); !strings.Contains(body, "minutebook_index_lag_changes 0") {
		t.Error("lag not read again at the next scrape")
	}
	// A failing collector costs its own samples, not the scrape.
	failing = true
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if body := rec.Body.String(); rec.Code != http.StatusOK || !strings.Contains(body, "minutebook_index_lag_changes 0") || strings.Contains(body, "minutebook_archive_sources{") {
		t.Errorf("scrape with a failing collector: %d\n%.500s", rec.Code, body)
	}
}
