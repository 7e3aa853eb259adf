package benchmark

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minutebook/minutebook/internal/queryset"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/internal/server"
	"github.com/minutebook/minutebook/internal/store"
)

func TestSummarise(t *testing.T) {
	ms := func(vs ...int) []time.Duration {
		var out []time.Duration
		for _, v := range vs {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100 … 1, unsorted on purpose
	}
	tests := []struct {
		name          string
		in            []time.Duration
		p50, p95, p99 float64
	}{
		{"none", nil, 0, 0, 0},
		{"one", ms(7), 7, 7, 7},
		{"four", ms(4, 1, 3, 2), 2, 4, 4},
		{"hundred", ms(hundred...), 50, 95, 99},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := summarise(tc.in)
			if l.P50 != tc.p50 || l.P95 != tc.p95 || l.P99 != tc.p99 || l.Samples != len(tc.in) {
				t.Errorf("got %+v, want p50 %v p95 %v p99 %v", l, tc.p50, tc.p95, tc.p99)
			}
		})
	}
}

// TestPhases runs every phase in-process on a small corpus, checks that a
// second run reuses the work folder, loads a real server over the result,
// and renders the report.
func TestPhases(t *testing.T) {
	ctx := context.Background()
	c := Config{Items: 300, Seed: 3, Work: t.TempDir(), Repeat: 1}
	r := &Report{Items: c.Items, Seed: c.Seed, Repeat: c.Repeat, Command: "minutebook bench --items 300", Machine: describeMachine()}
	into := map[string]any{PhaseCorpus: &r.Corpus, PhaseImport: &r.Import, PhaseBleveBuild: &r.Bleve, PhaseFTSBuild: &r.FTS,
		PhaseBleveQuery: &r.BleveQueries, PhaseFTSQuery: &r.FTSQueries}
	for _, phase := range Phases {
		res, err := RunPhase(ctx, phase, c)
		if err != nil {
			t.Fatalf("%s: %v", phase, err)
		}
		switch v := into[phase].(type) {
		case *CorpusInfo:
			*v = res.(CorpusInfo)
		case *Build:
			*v = res.(Build)
		case *QueryRun:
			*v = res.(QueryRun)
		}
	}
	if r.Corpus.Items != 300 || r.Import.Items != 300 || r.Bleve.Items != 300 || r.FTS.Items != 300 {
		t.Fatalf("items: corpus %d, import %d, Bleve %d, FTS5 %d", r.Corpus.Items, r.Import.Items, r.Bleve.Items, r.FTS.Items)
	}
	if r.Bleve.SizeBytes == 0 || r.FTS.SizeBytes == 0 || r.Corpus.TextBytes == 0 {
		t.Errorf("sizes: Bleve %d, FTS5 %d, text %d", r.Bleve.SizeBytes, r.FTS.SizeBytes, r.Corpus.TextBytes)
	}
	for _, q := range []QueryRun{r.BleveQueries, r.FTSQueries} {
		if len(q.Classes) != len(queryset.Classes) {
			t.Fatalf("%s: %d classes, want %d", q.Engine, len(q.Classes), len(queryset.Classes))
		}
		for _, cl := range q.Classes {
			if cl.Samples != len(cl.Queries) || cl.P99 <= 0 {
				t.Errorf("%s %s: %d samples for %d queries, p99 %v", q.Engine, cl.Class, cl.Samples, len(cl.Queries), cl.P99)
			}
		}
	}
	for _, phase := range []string{PhaseCorpus, PhaseImport, PhaseBleveBuild, PhaseFTSBuild} {
		res, err := RunPhase(ctx, phase, c)
		if err != nil {
			t.Fatalf("%s again: %v", phase, err)
		}
		cached := false
		switch v := res.(type) {
		case CorpusInfo:
			cached = v.Cached
		case Build:
			cached = v.Cached && v.Seconds > 0
		}
		if !cached {
			t.Errorf("%s: a second run did not reuse the first: %+v", phase, res)
		}
	}

	// The HTTP load, against the real server over the built archive.
	l := c.withDefaults().layout()
	st, err := store.Open(ctx, l.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ix, err := search.Open(ctx, l.index, search.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ts := httptest.NewServer(server.New(st, ix, server.Options{Logger: quiet}).Handler())
	defer ts.Close()
	items, err := itemPageURLs(ctx, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	r.Serve.SearchPage = load(ctx, ts.URL, searchPageURLs(), 4, 200*time.Millisecond)
	r.Serve.ItemPage = load(ctx, ts.URL, items, 4, 200*time.Millisecond)
	for name, res := range map[string]HTTPLoad{"search": r.Serve.SearchPage, "item": r.Serve.ItemPage} {
		if res.Requests == 0 || res.Errors > 0 {
			t.Errorf("%s page load: %d requests, %d errors", name, res.Requests, res.Errors)
		}
	}

	md := r.Markdown()
	for _, want := range []string{"# Minutebook vs SQLite FTS5: 300 items", "minutebook bench --items 300", "| phrase-common-words |", "`\"the council\" +facets`", "| Search (faceted, highlighted) |"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%d) = %q, want %q", in, got, want)
		}
	}
}

// Separate runs merge into the median of each percentile, class by class.
func TestMedianOfRuns(t *testing.T) {
	run := func(p99s ...float64) QueryRun {
		r := QueryRun{Engine: "minutebook", OpenSeconds: p99s[0] / 1000, PeakRSSBytes: int64(p99s[0])}
		for i, v := range p99s {
			r.Classes = append(r.Classes, ClassLatency{Class: string(rune('a' + i)), Latency: Latency{Samples: 60, P50: v / 2, P95: v - 1, P99: v, Mean: v / 2, Max: v}})
		}
		return r
	}
	got := medianOfRuns([]QueryRun{run(300, 10), run(90, 30), run(100, 20)})
	if got.Runs != 3 || len(got.Classes) != 2 {
		t.Fatalf("runs %d, classes %d", got.Runs, len(got.Classes))
	}
	a, b := got.Classes[0], got.Classes[1]
	if a.P99 != 100 || a.P50 != 50 || a.P95 != 99 || a.Max != 300 || a.Samples != 180 {
		t.Errorf("class a: %+v", a.Latency)
	}
	if b.P99 != 20 || !slices.Equal(a.RunsP99, []float64{300, 90, 100}) {
		t.Errorf("class b p99 %v, runs of a %v", b.P99, a.RunsP99)
	}
	if got.PeakRSSBytes != 300 || got.OpenSeconds != 0.1 {
		t.Errorf("peak %d, open %v", got.PeakRSSBytes, got.OpenSeconds)
	}
}

// Separate HTTP loads merge into the median rate and percentiles, each
// taken on its own, with every run's rate and p99 kept.
func TestMedianOfLoads(t *testing.T) {
	run := func(rate, p99 float64) HTTPLoad {
		return HTTPLoad{URLs: 26, Clients: 16, Requests: int(rate) * 10, Errors: 1, Seconds: 10, PerSec: rate,
			Latency: Latency{Samples: int(rate) * 10, P50: p99 / 4, P95: p99 / 2, P99: p99, Mean: p99 / 3, Max: p99 * 2}}
	}
	got := medianOfLoads([]HTTPLoad{run(300, 180), run(350, 120), run(320, 140)})
	if got.PerSec != 320 || got.P99 != 140 || got.P50 != 35 || got.P95 != 70 {
		t.Errorf("rate %v, p50/p95/p99 %v/%v/%v; want 320, 35/70/140", got.PerSec, got.P50, got.P95, got.P99)
	}
	if got.Requests != 9700 || got.Errors != 3 || got.Seconds != 30 || got.Max != 360 || got.URLs != 26 || got.Clients != 16 {
		t.Errorf("sums: %+v", got)
	}
	if !slices.Equal(got.RunsPerSec, []float64{300, 350, 320}) || !slices.Equal(got.RunsP99, []float64{180, 120, 140}) {
		t.Errorf("runs %v, %v", got.RunsPerSec, got.RunsP99)
	}
	if one := medianOfLoads([]HTTPLoad{run(300, 180)}); one.RunsP99 != nil || one.P99 != 180 {
		t.Errorf("one run: %+v", one)
	}
}
