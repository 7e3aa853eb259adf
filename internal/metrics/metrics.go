// Package metrics is Minutebook's Prometheus instrumentation: one registry
// of its own (so tests and several servers in one process never collide),
// HTTP latency by route pattern and status class, search latency, the
// index's lag behind the database, and ingest counts.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// latencyBuckets run from a millisecond (cached pages) to ten seconds
// (past the search deadline), in seconds.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Metrics holds every collector on a private registry.
type Metrics struct {
	reg      *prometheus.Registry
	http     *prometheus.HistogramVec
	search   *prometheus.HistogramVec
	ingested *prometheus.CounterVec
	failed   *prometheus.CounterVec
}

// New returns the collectors, registered with Go runtime and process
// collectors on a new registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		http: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "minutebook_http_request_duration_seconds", Help: "Time to answer an HTTP request, by chi route pattern and status class.",
			Buckets: latencyBuckets,
		}, []string{"route", "code"}),
		search: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "minutebook_search_duration_seconds", Help: "Time one search took in the index, by outcome (ok, refused, timeout, busy, canceled, error).",
			Buckets: latencyBuckets,
		}, []string{"outcome"}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minutebook_ingest_documents_total", Help: "Documents (or imported meetings) stored by this process, by command.",
		}, []string{"command"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minutebook_ingest_failures_total", Help: "Documents this process could not ingest, by command.",
		}, []string{"command"}),
	}
	m.reg.MustRegister(m.http, m.search, m.ingested, m.failed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry the collectors are on (for tests and for
// registering more collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format. A collector
// that fails (the database busy, say) loses its own samples, not the
// whole scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorHandling: promhttp.ContinueOnError})
}

// Middleware times each request. The route label is chi's route pattern
// (known only after routing, so read after the handler ran): a bounded set,
// never the raw path a crawler made up.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww, ok := w.(middleware.WrapResponseWriter)
		if !ok {
			ww = middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		}
		defer func() {
			// Observed even when a handler panics and the panic goes on up.
			route := "unmatched"
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			m.http.WithLabelValues(route, StatusClass(ww.Status())).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(ww, r)
	})
}

// StatusClass is "2xx", "4xx", …; a handler that wrote nothing answered 200.
func StatusClass(status int) string {
	if status == 0 {
		status = http.StatusOK
	}
	return strconv.Itoa(status/100) + "xx"
}

// Search outcomes.
const (
	SearchOK       = "ok"
	SearchRefused  = "refused"  // the query was refused with a message (syntax, limits)
	SearchTimeout  = "timeout"  // the per-request deadline passed
	SearchBusy     = "busy"     // no search slot came free in time
	SearchCanceled = "canceled" // the client went away
	SearchError    = "error"
)

// ObserveSearch records one search.
func (m *Metrics) ObserveSearch(d time.Duration, outcome string) {
	m.search.WithLabelValues(outcome).Observe(d.Seconds())
}

// WatchIndexLag exports lag() as minutebook_index_lag_changes: how many
// database changes the search index has not applied yet. lag is called
// at each scrape; an error reports -1.
func (m *Metrics) WatchIndexLag(lag func() (int64, error)) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "minutebook_index_lag_changes", Help: "Database changes the search index has not applied yet (-1: database unreachable).",
	}, func() float64 {
		n, err := lag()
		if err != nil {
			return -1
		}
		return float64(n)
	}))
}

// CountIngest adds one ingest run's documents stored and failed.
func (m *Metrics) CountIngest(command string, stored, failed int) {
	m.ingested.WithLabelValues(command).Add(float64(stored))
	m.failed.WithLabelValues(command).Add(float64(failed))
}

// WatchSources exports counts() as minutebook_archive_sources{status}: the
// sources every ingest so far stored ("ok") or could not ("failed"), read
// from the database at each scrape, so runs of the separate ingest and
// import commands are counted too.
func (m *Metrics) WatchSources(counts func() (map[string]int, error)) {
	m.reg.MustRegister(&sourcesCollector{counts: counts, desc: prometheus.NewDesc("minutebook_archive_sources",
		"Sources in the archive by ingest status (ok, failed), whichever process ingested them.", []string{"status"}, nil)})
}

type sourcesCollector struct {
	counts func() (map[string]int, error)
	desc   *prometheus.Desc
}

func (c *sourcesCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *sourcesCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.counts()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), status)
	}
}
