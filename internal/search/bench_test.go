package search_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/minutebook/minutebook/internal/corpus"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/queryset"
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
// mapping version) an archive and index of a generated corpus. With
// MINUTEBOOK_BENCH_INDEX set it opens that index instead, such as the one
// `minutebook bench` built (its work directory's data/index).
func benchIndex(b *testing.B, items int) *search.Index {
	b.Helper()
	ctx := context.Background()
	if dir := os.Getenv("MINUTEBOOK_BENCH_INDEX"); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			b.Fatalf("MINUTEBOOK_BENCH_INDEX: %v", err)
		}
		ix, err := search.Open(ctx, dir, search.Options{Logger: quiet, CacheSize: -1})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { ix.Close() })
		return ix
	}
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

// BenchmarkSearch reports p50 and p99 latency per query class over a
// generated corpus (100,000 items by default):
//
//	go test ./internal/search -run '^$' -bench Search -benchtime 200x
func BenchmarkSearch(b *testing.B) {
	ix := benchIndex(b, benchItems())
	ctx := context.Background()
	for _, class := range queryset.Classes {
		b.Run(class.Name, func(b *testing.B) {
			var lat []time.Duration
			i := 0
			for b.Loop() {
				req := class.Requests[i%len(class.Requests)]
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

// BenchmarkPhrase compares the postings phrase searcher with the filtered
// conjunction of Bleve's term searchers it replaced, on phrases of very
// common words too long to be one gram (grams.go):
//
//	go test ./internal/search -run '^$' -bench Phrase
func BenchmarkPhrase(b *testing.B) {
	ix := benchIndex(b, benchItems())
	ctx := context.Background()
	for _, words := range [][]string{{"it", "was", "noted", "that", "the", "council"}, {"the", "report", "of", "the", "council"}} {
		for _, way := range []string{"postings", "conjunction"} {
			b.Run(strings.Join(words, "_")+"/"+way, func(b *testing.B) {
				for b.Loop() {
					if _, err := (search.PhraseSearch{Words: words, Size: 20, Conjunction: way == "conjunction"}).Run(ctx, ix); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkSearchPages runs the requests of the query set as the web
// search page asks for them (20 hits, facets, snippets): "all" runs them
// in turn, so its ns/op is the CPU a search page costs on average, the
// figure the HTTP search-page throughput of `minutebook bench` depends on;
// one sub-benchmark per request shows where that goes.
//
//	go test ./internal/search -run '^$' -bench SearchPages -cpuprofile cpu.out
func BenchmarkSearchPages(b *testing.B) {
	ix := benchIndex(b, benchItems())
	ctx := context.Background()
	var reqs []search.Request
	var names []string
	for _, class := range queryset.Classes {
		for i, r := range class.Requests {
			r.PerPage, r.Facets, r.Highlight = 20, true, true
			reqs = append(reqs, r)
			names = append(names, fmt.Sprintf("%s-%d", class.Name, i+1))
		}
	}
	// Whatever merges opening the index starts, then each request once:
	// the columns are read, as on a server that has been up a while.
	if err := search.Settle(ix); err != nil {
		b.Fatal(err)
	}
	for _, r := range reqs {
		if _, err := ix.Search(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	run := func(b *testing.B, reqs []search.Request) {
		i := 0
		for b.Loop() {
			if _, err := ix.Search(ctx, reqs[i%len(reqs)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	}
	b.Run("all", func(b *testing.B) { run(b, reqs) })
	for i, r := range reqs {
		b.Run(names[i], func(b *testing.B) { run(b, []search.Request{r}) })
	}
}
