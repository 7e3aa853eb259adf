package search_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/minutebook/minutebook/internal/corpus"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/internal/store"
)

// benchItems is the corpus size of BenchmarkSearch; MINUTEBOOK_BENCH_ITEMS
// overrides it.
func benchItems() int {
	n := 100_000
	fmt.Sscanf(os.Getenv("MINUTEBOOK_BENCH_ITEMS"), "%d", &n)
	return n
}

// benchIndex builds (once, cached under the temp dir by size, seed and
// mapping version) an archive and index of a generated corpus.
func benchIndex(b *testing.B, items int) *search.Index {
	b.Helper()
	ctx := context.Background()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("minutebook-bench-%d-s1-m%s", items, search.MappingVersion))
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err != nil {
		os.RemoveAll(dir)
		os.MkdirAll(dir, 0o755)
		src := filepath.Join(dir, "corpus.jsonl")
		f, _ := os.Create(src)
		if _, err := corpus.Generate(f, corpus.Options{Items: items, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		f.Close()
		st, err := store.Open(ctx, filepath.Join(dir, "minutebook.db"))
		if err != nil {
			b.Fatal(err)
		}
		in, _ := os.Open(src)
		if _, err := ingest.Import(ctx, st, in, src, nil); err != nil {
			b.Fatal(err)
		}
		in.Close()
		ix, err := search.Open(ctx, filepath.Join(dir, "index"), search.Options{Logger: quiet, BatchSize: 2000})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := ix.CatchUp(ctx, st); err != nil {
			b.Fatal(err)
		}
		b.Logf("indexed %d items in %s", items, time.Since(start))
		ix.Close()
		st.Close()
		os.WriteFile(done, nil, 0o644)
	}
	// No result cache: every search in the benchmark does the full work.
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), search.Options{Logger: quiet, CacheSize: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	return ix
}

// The query classes of the benchmark: each runs a fixed set of queries.
var benchClasses = []struct {
	name string
	reqs []search.Request
}{
	{"common-term", []search.Request{{Query: "council"}, {Query: "report"}, {Query: "children"}}},
	{"rare-term", []search.Request{{Query: "apprenticeships"}, {Query: "biodiversity"}, {Query: "CAMHS"}}},
	{"phrase", []search.Request{{Query: `"elective home education"`}, {Query: `"social workers"`}, {Query: `"mental health"`}}},
	{"phrase-common-words", []search.Request{{Query: `"the council"`}, {Query: `"report of the"`}, {Query: `"it was noted that"`}}},
	{"boolean", []search.Request{{Query: "(SEND OR EHCP) -budget"}, {Query: "housing OR transport"}, {Query: "recruitment retention -agency"}}},
	{"phrase-council-date", []search.Request{
		{Query: `"the council"`, Councils: []string{"leicestershire"}, From: "2019-01-01", To: "2022-12-31"},
		{Query: `"social workers"`, Councils: []string{"worcestershire"}, From: "2015-01-01"},
		{Query: `"special educational needs"`, Councils: []string{"middlesbrough"}, From: "2018-01-01"},
	}},
	{"faceted", []search.Request{{Query: "budget", Facets: true}, {Query: "SEND", Facets: true}, {Query: `"the council"`, Facets: true}}},
	{"highlighted", []search.Request{{Query: "budget", Highlight: true}, {Query: `"it was noted that"`, Highlight: true}, {Query: "children", Highlight: true}}},
	{"search-page", []search.Request{{Query: "elective home education", Facets: true, Highlight: true}, {Query: "the", Facets: true, Highlight: true}}},
}

// BenchmarkSearch reports p50 and p99 latency per query class over a
// generated corpus (100,000 items by default):
//
//	go test ./internal/search -run '^$' -bench Search -benchtime 200x
func BenchmarkSearch(b *testing.B) {
	ix := benchIndex(b, benchItems())
	ctx := context.Background()
	for _, class := range benchClasses {
		b.Run(class.name, func(b *testing.B) {
			var lat []time.Duration
			i := 0
			for b.Loop() {
				req := class.reqs[i%len(class.reqs)]
				i++
				req.PerPage = 20
				start := time.Now()
				if _, err := ix.Search(ctx, req); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			pct := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}
