package search_test

import (
	"context"
	"testing"

	"github.com/minutebook/minutebook/internal/search"
)

// TestRanking checks searches ranked by score (engine.go, blockmax.go,
// treeblocks.go, exclude.go) against Bleve's own search, on an index
// with several segments and deleted documents, and on one without
// deleted documents, where terms jump to a block's first posting:
// words common and rare, deep pages and small ones, disjunctions, phrases,
// negations and filters; pages with snippets too (page.go).
func TestRanking(t *testing.T) {
	ix := churnedIndex(t)
	first, err := ix.Search(context.Background(), search.Request{Query: "council"})
	if err != nil || first.Total < 1000 {
		t.Fatalf("council matched %v items (%v): too few to page through", first.Total, err)
	}
	council := first.Hits[0].Council
	var reqs []search.Request
	for _, q := range []string{"council", "budget", "children", "apprenticeships", "housing OR transport",
		"budget OR housing OR zzzunknown", `"the council"`, `"the council" OR budget`, `title:report`,
		"school transport", "recruitment retention -agency", "(SEND OR EHCP) -budget", "elective home education", `"special educational needs"`, `"it was noted that" budget`, "zzzunknown",
		"(housing OR transport) children -budget", "council budget -(school OR agency)", "title:report budget",
		`"report of the"`} {
		for _, page := range []struct{ page, per int }{{1, 1}, {1, 5}, {1, 20}, {4, 20}, {2, 100}} {
			reqs = append(reqs, search.Request{Query: q, Page: page.page, PerPage: page.per})
		}
		reqs = append(reqs, search.Request{Query: q, Facets: true, Quarters: true, Highlight: true},
			search.Request{Query: q, Facets: true, Highlight: true}, // the search page's shape
			search.Request{Query: q, Councils: []string{council}, From: "2017-01-01", Facets: true},
			search.Request{Query: q, Sort: "newest", Highlight: true})
	}
	// Phrases joined with keyword filters, in councils that hold them: a
	// phrase reads positions only where the filters allow (restrict.go).
	for _, q := range []string{`"special educational needs"`, `"elective home education"`, `"education health and care"`} {
		res, err := ix.Search(context.Background(), search.Request{Query: q, PerPage: 100})
		if err != nil || res.Total == 0 {
			t.Fatalf("%s: %v matches (%v)", q, res.Total, err)
		}
		last := res.Hits[len(res.Hits)-1]
		filtered := search.Request{Query: q, Councils: []string{last.Council}, Facets: true}
		if got, err := ix.Search(context.Background(), filtered); err != nil || got.Total == 0 {
			t.Fatalf("%+v: no match (%v): the filtered phrase would go unchecked", filtered, err)
		}
		reqs = append(reqs, filtered,
			search.Request{Query: q, Councils: []string{last.Council, council}, PerPage: 100},
			search.Request{Query: q + " -budget", Councils: []string{last.Council}},
			search.Request{Query: q, Councils: []string{last.Council}, Topics: last.Topics, From: "2015-01-01"})
	}
	t.Run("long lists bounded", func(t *testing.T) { searchesAgreeWithBleve(t, ix, reqs) })
	// The test index's lists are short: bound them all, so that blocks
	// are skipped (blockmax.go).
	t.Run("every list bounded", func(t *testing.T) {
		defer search.BoundEveryList()()
		searchesAgreeWithBleve(t, ix, reqs)
	})
	// A cache small enough to be forgotten every few terms: searches
	// still agree, and it stays within its bound (blockmax.go).
	t.Run("impact cache at its cap", func(t *testing.T) {
		defer search.BoundEveryList()()
		const limit = 16 << 10
		defer search.CapImpacts(ix, limit)()
		_, before := search.ImpactCacheUse(ix)
		searchesAgreeWithBleve(t, ix, reqs)
		bytes, after := search.ImpactCacheUse(ix)
		if after == before {
			t.Errorf("the cache was never forgotten under a %d-byte cap", limit)
		}
		if bytes > limit {
			t.Errorf("the cache holds %d bytes under a %d-byte cap", bytes, limit)
		}
	})
	t.Run("clean segments, every list bounded", func(t *testing.T) {
		defer search.BoundEveryList()()
		clean := rebuiltIndex(t, 3000, 7, 200)
		// Only there do terms jump by entry offsets (zap's clean path).
		if n, err := search.DeletedDocs(clean); err != nil || n != 0 {
			t.Fatalf("the rebuilt index holds %d deleted documents (%v): its terms would not jump", n, err)
		}
		searchesAgreeWithBleve(t, clean, reqs)
	})
}
