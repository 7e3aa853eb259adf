package search_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/corpus"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/internal/store"
)

// churnedIndex indexes a generated corpus in several parts, then changes
// and drops items of some meetings: the index then has several segments
// and deleted documents, which the columns must number exactly as Bleve
// does.
func churnedIndex(t *testing.T) *search.Index {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	var src bytes.Buffer
	if _, err := corpus.Generate(&src, corpus.Options{Items: 3000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	for sc := bufio.NewScanner(&src); sc.Scan(); {
		lines = append(lines, slices.Clone(sc.Bytes()))
	}
	st, err := store.Open(ctx, filepath.Join(dir, "minutebook.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), search.Options{Logger: quiet, CacheSize: -1, BatchSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	load := func(part [][]byte, name string) {
		t.Helper()
		if _, err := ingest.Import(ctx, st, bytes.NewReader(append(bytes.Join(part, []byte("\n")), '\n')), name, nil); err != nil {
			t.Fatal(err)
		}
		if err := ix.CatchUp(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	third := len(lines) / 3
	load(lines[:third], "part1")
	load(lines[third:2*third], "part2")
	load(lines[2*third:], "part3")
	// Every fifth meeting again, retitled and one item shorter.
	var changed [][]byte
	for i := 0; i < len(lines); i += 5 {
		var m archive.Meeting
		if err := json.Unmarshal(lines[i], &m); err != nil {
			t.Fatal(err)
		}
		m.Items[0].Title += " (revised)"
		if len(m.Items) > 1 {
			m.Items = m.Items[:len(m.Items)-1]
		}
		b, _ := json.Marshal(m)
		changed = append(changed, b)
	}
	load(changed, "changed")
	// The tests compare two searches score for score: both must see the
	// same segments.
	if err := search.Settle(ix); err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestColumns checks what is read from the columns against Bleve's own
// answers, on one churned index.
func TestColumns(t *testing.T) {
	ix := churnedIndex(t)
	t.Run("facets", func(t *testing.T) { facetsAgreeWithBleve(t, ix) })
	t.Run("related", func(t *testing.T) { relatedAgreesWithBleveSort(t, ix) })
	t.Run("quarters", func(t *testing.T) { quartersCoverEveryMatch(t, ix) })
	t.Run("date order", func(t *testing.T) { dateOrderAgreesWithBleveSort(t, ix) })
	t.Run("date filter", func(t *testing.T) { dateFilterAgreesWithBleveRange(t, ix) })
}

// The dates column filters as Bleve's date range does: the same totals,
// hits, scores and facets, alone (browsing) and joined with text, other
// filters and negations, at the ends of the range and across segments.
func dateFilterAgreesWithBleveRange(t *testing.T, ix *search.Index) {
	ctx := context.Background()
	first, err := ix.Search(ctx, search.Request{Query: "budget", Sort: "oldest"})
	if err != nil || len(first.Hits) == 0 {
		t.Fatalf("no budget items: %v", err)
	}
	day, council := first.Hits[0].Date, first.Hits[0].Council // the first budget item's day
	// Alone, the column must also leave out deleted documents (in a
	// search, the query it is joined with does). Whether the settled
	// index still holds any depends on its merges: this checks the ends
	// of the range for certain, the deleted documents only when some
	// remain.
	for _, r := range [][2]string{{"2018-03-01", "2018-03-31"}, {"", "2016-12-31"}, {"2019-01-01", ""}, {"2030-01-01", ""}} {
		var from, to time.Time
		if r[0] != "" {
			from, _ = time.Parse("2006-01-02", r[0])
		}
		if r[1] != "" {
			to, _ = time.Parse("2006-01-02", r[1])
		}
		ours, bleves, err := search.DateRangeAgainstBleve(ctx, ix, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if ours != bleves || ours == 0 && r[0] != "2030-01-01" {
			t.Errorf("items dated %s to %s: column %d, Bleve's range %d", r[0], r[1], ours, bleves)
		}
	}
	for _, req := range []search.Request{
		{Query: "budget", From: day, To: day},
		{Query: "budget", To: day},
		{Query: "council", From: "2019-01-01", To: "2020-12-31", Facets: true, Quarters: true},
		{Query: "council", From: "2019-01-01", Page: 4},
		{Query: `"it was noted that" -budget`, To: "2017-06-30"},
		{Query: "budget OR housing", Councils: []string{council}, From: "2016-01-01", Facets: true},
		{From: "2018-03-01", To: "2018-03-31", Facets: true},
		{Sort: "oldest", From: day, PerPage: 50},
		{Query: "council", From: "2030-01-01"},
	} {
		got, want := oursAndOracle(t, ix, req)
		if got.Total != want.Total || len(got.Hits) != len(want.Hits) {
			t.Errorf("%+v: %d matches, %d hits; Bleve's range %d, %d", req, got.Total, len(got.Hits), want.Total, len(want.Hits))
			continue
		}
		if want.Total == 0 && req.From != "2030-01-01" {
			t.Errorf("%+v: Bleve found nothing: the test checks nothing", req)
		}
		for i := range got.Hits {
			g, w := got.Hits[i], want.Hits[i]
			// Browsing ranks by date alone: its scores mean nothing.
			if g.Key != w.Key || req.Query != "" && math.Abs(g.Score-w.Score) > 1e-9*math.Abs(w.Score) {
				t.Errorf("%+v: hit %d is %s (%v); Bleve's range %s (%v)", req, i, g.Key, g.Score, w.Key, w.Score)
			}
		}
		if !reflect.DeepEqual(got.Facets, want.Facets) || !reflect.DeepEqual(got.Quarters, want.Quarters) {
			t.Errorf("%+v: facets or quarters differ from Bleve's range", req)
		}
	}
}

// Date order from the columns is Bleve's sort, ties, filters, pages and
// facets included.
func dateOrderAgreesWithBleveSort(t *testing.T, ix *search.Index) {
	ctx := context.Background()
	first, err := ix.Search(ctx, search.Request{Query: "budget"})
	if err != nil || len(first.Hits) == 0 {
		t.Fatalf("no budget items: %v", err)
	}
	council := first.Hits[0].Council
	for _, req := range []search.Request{
		{Sort: "newest"}, {Sort: "oldest"}, {}, {Page: 3, PerPage: 50}, {Councils: []string{council}},
		{Topics: []string{"send"}, Facets: true}, {Query: "council", Sort: "newest", PerPage: 100},
		{Query: "council", Sort: "oldest", Page: 7}, {Query: `"it was noted that"`, Sort: "newest", From: "2019-01-01", Facets: true},
		{Query: "budget -children", Sort: "oldest", Councils: []string{council}}, {Query: "zzzunknown", Sort: "newest"},
	} {
		got, want := oursAndOracle(t, ix, req)
		if got.Total != want.Total {
			t.Errorf("%+v: total %d, Bleve %d", req, got.Total, want.Total)
		}
		if req.Query != "zzzunknown" && len(want.Hits) == 0 {
			t.Errorf("%+v: Bleve found nothing", req)
		}
		var g, w []string
		for _, h := range got.Hits {
			g = append(g, h.Key+" "+h.Date+" "+h.Title)
		}
		for _, h := range want.Hits {
			w = append(w, h.Key+" "+h.Date+" "+h.Title)
		}
		if !slices.Equal(g, w) {
			t.Errorf("%+v: order differs:\n got %v\nwant %v", req, g, w)
		}
		if req.Facets && !reflect.DeepEqual(got.Facets, want.Facets) {
			t.Errorf("%+v: facets differ", req)
		}
	}
}

// The facet counts read from the columns are Bleve's own, on an index
// with several segments and deleted documents.
func facetsAgreeWithBleve(t *testing.T, ix *search.Index) {
	ctx := context.Background()
	for _, q := range []string{"", "council", "budget -children", `"it was noted that"`, "SEND", "housing OR transport", "revised", "zzzunknown"} {
		ours, bleves, err := search.FacetsAgainstBleve(ctx, ix, q)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if q != "zzzunknown" && len(bleves) == 0 {
			t.Errorf("%q: Bleve counted no facet values", q)
		}
		if !maps.Equal(ours, bleves) {
			for k, n := range bleves {
				if ours[k] != n {
					t.Errorf("%q: %s: columns %d, Bleve %d", q, k, ours[k], n)
				}
			}
			for k, n := range ours {
				if _, ok := bleves[k]; !ok {
					t.Errorf("%q: %s: columns %d, Bleve none", q, k, n)
				}
			}
		}
	}
}

// Related items picked by date from the columns are the ones Bleve's date
// sort picks, ties by key included (a meeting's items share a date).
func relatedAgreesWithBleveSort(t *testing.T, ix *search.Index) {
	ctx := context.Background()
	var hits []search.Hit
	for page := 1; page <= 5; page++ {
		res, err := ix.Search(ctx, search.Request{Query: "", PerPage: 100, Page: page})
		if err != nil {
			t.Fatal(err)
		}
		hits = append(hits, res.Hits...)
	}
	checked := 0
	for _, h := range hits {
		for _, n := range []int{1, 5, 12} {
			want, err := search.RelatedByBleveSort(ctx, ix, h.Key, n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ix.Related(ctx, h.Key, n)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, g := range got {
				keys = append(keys, g.Key)
			}
			if !slices.Equal(keys, want) {
				t.Errorf("related to %s (n=%d):\n got %v\nwant %v", h.Key, n, keys, want)
			}
			if len(want) > 0 {
				checked++
			}
		}
	}
	if checked < 60 {
		t.Errorf("only %d lists of related items compared", checked)
	}
}

// Quarter counts cover every match: the same as counting every page of
// hits by hand.
func quartersCoverEveryMatch(t *testing.T, ix *search.Index) {
	ctx := context.Background()
	first, err := ix.Search(ctx, search.Request{Query: "budget"})
	if err != nil || len(first.Hits) == 0 {
		t.Fatalf("no budget items: %v", err)
	}
	for _, req := range []search.Request{{Query: "council"}, {Query: "budget", Councils: []string{first.Hits[0].Council}}, {Query: `"it was noted that"`, From: "2018-01-01"}} {
		want := map[[2]string]int{}
		for _, h := range everyHit(t, ix, req) {
			m := int(h.Date[5]-'0')*10 + int(h.Date[6]-'0')
			want[[2]string{h.Date[:4] + " Q" + string(rune('1'+(m-1)/3)), h.Council}]++
		}
		r := req
		r.Quarters = true
		res, err := ix.Search(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		got := map[[2]string]int{}
		total := 0
		for i, q := range res.Quarters {
			got[[2]string{q.Quarter, q.Council}] = q.Count
			total += q.Count
			if q.CouncilName == "" {
				t.Errorf("%+v: quarter %s has no council name", req, q.Quarter)
			}
			if i > 0 && res.Quarters[i-1].Quarter > q.Quarter {
				t.Errorf("%+v: quarters out of order: %s before %s", req, res.Quarters[i-1].Quarter, q.Quarter)
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%+v: quarter counts differ from the hits:\n got %v\nwant %v", req, got, want)
		}
		if total == 0 || uint64(total) != res.Total {
			t.Errorf("%+v: quarters sum to %d, total %d", req, total, res.Total)
		}
	}
}

// everyHit pages through every hit of req. A background merge between two
// pages changes BM25's statistics, and so the order: one item can then be
// on two pages and another on none. Such a pass is made again.
func everyHit(t *testing.T, ix *search.Index, req search.Request) []search.Hit {
	t.Helper()
	for try := 1; ; try++ {
		var hits []search.Hit
		seen := map[string]bool{}
		again := false
		for page := 1; ; page++ {
			r := req
			r.Page, r.PerPage = page, 100
			res, err := ix.Search(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Hits {
				again = again || seen[h.Key]
				seen[h.Key] = true
				hits = append(hits, h)
			}
			if len(res.Hits) < 100 {
				break
			}
		}
		if !again {
			return hits
		}
		if try == 5 {
			t.Fatalf("%+v: the order changed while paging, %d times", req, try)
		}
		if err := search.Settle(ix); err != nil {
			t.Fatal(err)
		}
	}
}

// A follower may still be warming the columns when the index is closed
// under it (a server shutting down): that must not panic.
func TestWarmColumnsAfterClose(t *testing.T) {
	ctx := context.Background()
	ix, err := search.Open(ctx, filepath.Join(t.TempDir(), "index"), search.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	search.WarmColumns(ix)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	search.WarmColumns(ix)
}

// TestColumnsReadOnceAtOnce: searches that need a segment's columns while
// another is reading them wait for that read rather than read it again,
// as the first searches after a start do.
func TestColumnsReadOnceAtOnce(t *testing.T) {
	ix := churnedIndex(t)
	if err := search.Settle(ix); err != nil {
		t.Fatal(err)
	}
	reads, segments, err := search.ColumnReadsAtOnce(ix, 8)
	if err != nil {
		t.Fatal(err)
	}
	if segments < 2 || reads != segments {
		t.Errorf("8 searches at once read %d segments' columns for %d segments, want each read once", reads, segments)
	}
}

// oursAndOracle runs req as searches do and as Bleve would on its own, on
// one snapshot (see onOneSnapshot).
func oursAndOracle(t *testing.T, ix *search.Index, req search.Request) (ours, oracle *search.Result) {
	t.Helper()
	run := func(way func(context.Context, search.Request) (*search.Result, error)) func() (*search.Result, error) {
		return func() (*search.Result, error) {
			r, err := way(context.Background(), req)
			if err != nil {
				return nil, fmt.Errorf("%+v: %w", req, err)
			}
			r.Took, r.Cached = 0, false // the same answer, whenever and however found
			return r, nil
		}
	}
	return onOneSnapshot(t, run(ix.Search), run(func(ctx context.Context, req search.Request) (*search.Result, error) {
		return search.SearchByOracle(ctx, ix, req)
	}))
}

// onOneSnapshot runs ours, theirs, then ours again, until both runs of
// ours agree, and returns ours and theirs. Scores depend on BM25
// statistics that background merges change (Settle waits for the merges
// to stop, but a busy machine can still merge later): a comparison score
// for score only means something on one set of segments.
func onOneSnapshot[T any](t *testing.T, ours, theirs func() (T, error)) (T, T) {
	t.Helper()
	for try := 1; ; try++ {
		a, err := ours()
		if err != nil {
			t.Fatal(err)
		}
		b, err := theirs()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ours()
		if err != nil {
			t.Fatal(err)
		}
		if reflect.DeepEqual(a, again) || try == 20 {
			return a, b
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestPhrases checks the postings phrase searcher against Bleve's own
// way, the filtered conjunction of its term searchers, on one index with
// several segments and deleted documents.
func TestPhrases(t *testing.T) {
	ix := churnedIndex(t)
	first, err := ix.Search(context.Background(), search.Request{Query: "council"})
	if err != nil || len(first.Hits) == 0 {
		t.Fatalf("no items to take a council from: %v", err)
	}
	council := first.Hits[0].Council
	t.Run("postings", func(t *testing.T) { phrasesAgreeWithConjunction(t, ix, council) })
	t.Run("whole searches", func(t *testing.T) { phraseSearchesAgreeWithBleve(t, ix, council) })
}

// Whole searches with phrases (alone, in booleans, negated, filtered,
// faceted, by date, paged): the same totals, pages, scores and facets.
func phraseSearchesAgreeWithBleve(t *testing.T, ix *search.Index, council string) {
	reqs := []search.Request{
		{Query: `"it was noted that"`},
		{Query: `"it was noted that" -budget`},
		{Query: `budget -"it was noted that"`},
		{Query: `"social workers" OR "mental health"`, Page: 2},
		{Query: `budget "the council"`, Facets: true},
		{Query: `"report of the"`, Councils: []string{council}, From: "2016-01-01"},
		{Query: `"the council"`, Sort: "newest", Page: 3},
		{Query: `title:"annual report"`},
		{Query: `"special educational needs" OR SEND`, Facets: true, Quarters: true},
	}
	searchesAgreeWithBleve(t, ix, reqs)
	if got, _ := oursAndOracle(t, ix, reqs[0]); got.Total == 0 {
		t.Errorf("%+v found nothing: the test checks nothing", reqs[0])
	}
}

// searchesAgreeWithBleve runs each request as searches do and Bleve's own
// way: the same totals, pages, scores, facets and quarters.
func searchesAgreeWithBleve(t *testing.T, ix *search.Index, reqs []search.Request) {
	t.Helper()
	for _, req := range reqs {
		got, want := oursAndOracle(t, ix, req)
		if got.Total != want.Total || len(got.Hits) != len(want.Hits) {
			t.Errorf("%+v: %d matches, %d hits; Bleve's way %d, %d", req, got.Total, len(got.Hits), want.Total, len(want.Hits))
			continue
		}
		for i := range got.Hits {
			g, w := got.Hits[i], want.Hits[i]
			if g.Key != w.Key || math.Abs(g.Score-w.Score) > 1e-9*math.Abs(w.Score) {
				t.Errorf("%+v: hit %d is %s (%v); Bleve's way %s (%v)", req, i, g.Key, g.Score, w.Key, w.Score)
			}
			g.Score, w.Score = 0, 0
			if g.Key == w.Key && !reflect.DeepEqual(g, w) {
				t.Errorf("%+v: hit %d differs from Bleve's way:\n got %+v\nwant %+v", req, i, g, w)
			}
		}
		if !reflect.DeepEqual(got.Facets, want.Facets) || !reflect.DeepEqual(got.Quarters, want.Quarters) {
			t.Errorf("%+v: facets or quarters differ from Bleve's way", req)
		}
	}
}

// The body phrase alone and inside a conjunction (which advances it):
// the same total, hits and scores.
func phrasesAgreeWithConjunction(t *testing.T, ix *search.Index, council string) {
	ctx := context.Background()
	phrases := [][]string{
		{"it", "was", "noted", "that"}, {"the", "council"}, {"report", "of", "the"},
		{"social", "workers"}, {"of", "the", "of", "the"}, {"the", "the"}, {"zzz", "council"},
		// Several grams each, overlapping or not.
		{"it", "was", "noted", "that", "the", "council"}, {"noted", "that", "the", "council"},
		{"the", "report", "of", "the", "council"},
	}
	for _, words := range phrases {
		for _, in := range []string{"", council} {
			for _, from := range []int{0, 40} {
				ps := search.PhraseSearch{Words: words, Council: in, From: from, Size: 30, TiesByKey: true}
				conjunction := ps
				conjunction.Conjunction = true
				fast, conj := onOneSnapshot(t, func() (search.PhraseRun, error) { return ps.Run(ctx, ix) },
					func() (search.PhraseRun, error) { return conjunction.Run(ctx, ix) })
				name := fmt.Sprintf("%q in %q from %d", words, in, from)
				if fast.Total != conj.Total || !slices.Equal(fast.Keys, conj.Keys) {
					t.Errorf("%s: postings found %d %v, the conjunction %d %v", name, fast.Total, fast.Keys, conj.Total, conj.Keys)
					continue
				}
				for i := range fast.Scores {
					if d := math.Abs(fast.Scores[i] - conj.Scores[i]); d > 1e-9*math.Abs(conj.Scores[i]) {
						t.Errorf("%s: hit %s scored %v, the conjunction %v", name, fast.Keys[i], fast.Scores[i], conj.Scores[i])
					}
				}
			}
		}
		if fast, _ := (search.PhraseSearch{Words: words, Size: 1}).Run(ctx, ix); words[0] == "it" && fast.Total == 0 {
			t.Errorf("%q found nothing: the test checks nothing", words)
		}
	}
}
