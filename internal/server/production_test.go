package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/minutebook/minutebook/internal/metrics"
	"github.com/minutebook/minutebook/internal/sampletest"
	"github.com/minutebook/minutebook/internal/server"
	"github.com/minutebook/minutebook/internal/store"
)

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newProductionServer serves the sample archive with the given options,
// a JSON log captured in the returned buffer, and a /boom route that
// panics.
func newProductionServer(t *testing.T, opts server.Options) (*httptest.Server, *server.Server, *syncBuffer) {
	t.Helper()
	st, ix := sampletest.Archive(t)
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	srv := server.New(st, ix, opts)
	ts := httptest.NewServer(srv.HandlerWith(func(r chi.Router) {
		r.Get("/boom", func(http.ResponseWriter, *http.Request) { panic("test panic") })
	}))
	t.Cleanup(ts.Close)
	return ts, srv, logs
}

func fetch(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPanicBecomesErrorPageWithRequestID(t *testing.T) {
	ts, _, logs := newProductionServer(t, server.Options{})
	resp, body := fetch(t, ts.URL+"/boom")
	if resp.StatusCode != 500 || !strings.Contains(body, "Something went wrong") || strings.Contains(body, "test panic") {
		t.Fatalf("panic answered %d: %.300s", resp.StatusCode, body)
	}
	id := resp.Header.Get("X-Request-Id")
	if id == "" {
		t.Fatal("no X-Request-Id header")
	}
	if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("error page lacks security headers: %v", resp.Header)
	}
	// The panic and the request are both logged under the echoed ID.
	var panicked, logged bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["request_id"] != id {
			continue
		}
		switch rec["msg"] {
		case "panic serving request":
			panicked = rec["panic"] == "test panic"
		case "request":
			logged = rec["status"] == float64(500) && rec["path"] == "/boom"
		}
	}
	if !panicked || !logged {
		t.Errorf("logs under request ID %s: panic %v, request %v\n%s", id, panicked, logged, logs)
	}
	// The server keeps serving after a panic.
	if resp, _ := fetch(t, ts.URL+"/healthz"); resp.StatusCode != 200 {
		t.Errorf("after a panic /healthz answered %d", resp.StatusCode)
	}
}

func TestClientRequestID(t *testing.T) {
	ts, _, _ := newProductionServer(t, server.Options{})
	for _, tc := range []struct{ sent, keep string }{
		{"abc-123/x.y_z", "abc-123/x.y_z"},
		{"bad id\twith <markup>", ""},
		{strings.Repeat("a", 65), ""},
	} {
		resp, _ := fetch(t, ts.URL+"/healthz", "X-Request-Id", tc.sent)
		got := resp.Header.Get("X-Request-Id")
		if tc.keep != "" && got != tc.keep || tc.keep == "" && (got == "" || got == tc.sent) {
			t.Errorf("sent %q, echoed %q", tc.sent, got)
		}
	}
}

func TestRateLimitPerClient(t *testing.T) {
	ts, _, _ := newProductionServer(t, server.Options{RateLimit: 3, TrustedProxies: []string{"127.0.0.1/32", "::1/128"}})
	from := func(ip, path string) (*http.Response, string) {
		return fetch(t, ts.URL+path, "X-Forwarded-For", ip)
	}
	for i := 0; i < 3; i++ {
		if resp, body := from("203.0.113.1", "/api/search?q=SEND"); resp.StatusCode != 200 {
			t.Fatalf("request %d within the limit: %d %.200s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := from("203.0.113.1", "/api/search?q=SEND")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		t.Fatalf("over the limit, API: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	var e struct{ Error string }
	if json.Unmarshal([]byte(body), &e); !strings.Contains(e.Error, "Too many requests") {
		t.Errorf("429 JSON: %s", body)
	}
	resp, body = from("203.0.113.1", "/search?q=SEND")
	if resp.StatusCode != 429 || !strings.Contains(body, "Too many requests") || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("over the limit, page: %d %.300s", resp.StatusCode, body)
	}
	// Browsing is not limited; another client has its own allowance.
	if resp, _ := from("203.0.113.1", "/councils"); resp.StatusCode != 200 {
		t.Errorf("browsing while limited: %d", resp.StatusCode)
	}
	if resp, _ := from("203.0.113.2", "/api/search?q=SEND"); resp.StatusCode != 200 {
		t.Errorf("another client: %d", resp.StatusCode)
	}
}

func TestForwardedForIgnoredUnlessTrusted(t *testing.T) {
	ts, _, _ := newProductionServer(t, server.Options{RateLimit: 2})
	codes := []int{}
	for i := 0; i < 3; i++ {
		// A client rotating X-Forwarded-For still shares its own bucket.
		resp, _ := fetch(t, ts.URL+"/api/search?q=SEND", "X-Forwarded-For", "198.51.100."+string(rune('1'+i)))
		codes = append(codes, resp.StatusCode)
	}
	if codes[2] != 429 {
		t.Errorf("spoofed X-Forwarded-For escaped the limit: %v", codes)
	}
}

func TestBusySearchesAnswer503WithRetryAfter(t *testing.T) {
	ts, srv, _ := newProductionServer(t, server.Options{MaxSearches: 1, SearchQueue: 10 * time.Millisecond})
	srv.TakeSearchSlots()
	for _, tc := range []struct{ path, ctype, want string }{
		{"/api/search?q=SEND", "application/json", "busy"},
		{"/search?q=SEND", "text/html", "The archive is busy"},
	} {
		resp, body := fetch(t, ts.URL+tc.path)
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(resp.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d Retry-After %q %.200s", tc.path, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}
	// Pages that need no search still answer.
	if resp, _ := fetch(t, ts.URL+"/councils"); resp.StatusCode != 200 {
		t.Errorf("/councils while searches are busy: %d", resp.StatusCode)
	}
}

func TestPageSizeCaps(t *testing.T) {
	ts, _, _ := newProductionServer(t, server.Options{})
	resp, body := fetch(t, ts.URL+"/api/search?q=council&per_page=100000")
	var r struct{ Hits []json.RawMessage }
	if err := json.Unmarshal([]byte(body), &r); resp.StatusCode != 200 || err != nil || len(r.Hits) > 100 {
		t.Errorf("per_page=100000: %d, %d hits", resp.StatusCode, len(r.Hits))
	}
	resp, body = fetch(t, ts.URL+"/api/search?q=council&page=100000")
	if resp.StatusCode != 400 || !strings.Contains(body, "first 10000 results") {
		t.Errorf("page=100000: %d %s", resp.StatusCode, body)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	m := metrics.New()
	ts, _, _ := newProductionServer(t, server.Options{Metrics: m})
	for _, p := range []string{"/search?q=SEND", "/search?q=%22unclosed", "/councils", "/nowhere/at/all/really/deep", "/boom"} {
		fetch(t, ts.URL+p)
	}
	resp, body := fetch(t, ts.URL+"/metrics")
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`minutebook_http_request_duration_seconds_count{code="2xx",route="/search"} 2`,
		`minutebook_http_request_duration_seconds_count{code="2xx",route="/councils"} 1`,
		`minutebook_http_request_duration_seconds_count{code="4xx",route="unmatched"} 1`,
		`minutebook_http_request_duration_seconds_count{code="5xx",route="/boom"} 1`,
		`minutebook_search_duration_seconds_count{outcome="ok"} 1`,
		`minutebook_search_duration_seconds_count{outcome="refused"} 1`,
		"minutebook_index_lag_changes 0",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestStatsMatchIndex(t *testing.T) {
	ts, _, _ := newProductionServer(t, server.Options{})
	resp, body := fetch(t, ts.URL+"/api/stats")
	var s map[string]int64
	if err := json.Unmarshal([]byte(body), &s); resp.StatusCode != 200 || err != nil {
		t.Fatalf("/api/stats: %d %v %s", resp.StatusCode, err, body)
	}
	if s["items"] != 38 || s["indexed_items"] != s["items"] || s["applied_seq"] != s["last_seq"] || s["meetings"] == 0 {
		t.Errorf("stats %s", body)
	}
}

// TestBadSearchParametersAre400: a parameter the user can fix is a 400
// saying what to fix, on every page that searches (it used to be a 500 on
// topic pages and feeds).
func TestBadSearchParametersAre400(t *testing.T) {
	ts, _, _ := newProductionServer(t, server.Options{})
	for _, path := range []string{"/search.atom?q=a%2A", "/topics/send?from=yesterday", "/search.atom?q=%22unclosed"} {
		resp, body := fetch(t, ts.URL+path)
		if resp.StatusCode != 400 || !strings.Contains(body, "We could not read that request") {
			t.Errorf("%s: %d %.200s", path, resp.StatusCode, body)
		}
	}
}

// searchesDone reads how many searches the server has run from /metrics.
func searchesDone(t *testing.T, base string) string {
	t.Helper()
	_, body := fetch(t, base+"/metrics")
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, `minutebook_search_duration_seconds_count{outcome="ok"}`) {
			return line
		}
	}
	return "none"
}

// TestTopicPagesCachedUntilIndexChanges: a topic page (a score of
// searches) is built once and served from memory until the index applies
// a change; other parameters are other pages.
func TestTopicPagesCachedUntilIndexChanges(t *testing.T) {
	st, ix := sampletest.Archive(t)
	srv := server.New(st, ix, server.Options{Logger: sampletest.Quiet, Metrics: metrics.New()})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	_, first := fetch(t, ts.URL+"/topics/send")
	before := searchesDone(t, ts.URL)
	resp, again := fetch(t, ts.URL+"/topics/send")
	if resp.StatusCode != 200 || again != first || searchesDone(t, ts.URL) != before {
		t.Fatalf("second visit: %d, same page %v, searches %s → %s", resp.StatusCode, again == first, before, searchesDone(t, ts.URL))
	}
	if resp.Header.Get("Content-Security-Policy") == "" || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("cached page headers %v", resp.Header)
	}
	fetch(t, ts.URL+"/topics/send?council=leicestershire")
	if searchesDone(t, ts.URL) == before {
		t.Error("a page with other parameters came from the cache")
	}
	// A change to the archive, once indexed, is on the page once the page
	// is 30 s old (at once here).
	ctx := context.Background()
	var key string
	if err := st.ForEachItem(ctx, func(v store.ItemView) error {
		if key == "" && !slices.Contains(v.Topics, "send") {
			key = v.Key
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetTopics(ctx, key, []string{"send"}); err != nil {
		t.Fatal(err)
	}
	if err := ix.CatchUp(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, fresh := fetch(t, ts.URL+"/topics/send"); fresh != first {
		t.Error("a page younger than 30 s was rebuilt")
	}
	srv.RebuildCachedPagesAtOnce()
	if _, after := fetch(t, ts.URL+"/topics/send"); after == first {
		t.Error("the topic page did not change after the index did")
	}
}
