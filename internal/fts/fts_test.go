package fts_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/minutebook/minutebook/internal/fts"
	"github.com/minutebook/minutebook/internal/query"
	"github.com/minutebook/minutebook/internal/sampletest"
	"github.com/minutebook/minutebook/internal/search"
)

func TestTranslate(t *testing.T) {
	tests := []struct {
		in, match string
		filters   []string
		err       bool
	}{
		{in: "budget", match: `"budget"`},
		{in: "school transport", match: `"school" AND "transport"`},
		{in: `"mental health" review`, match: `"mental health" AND "review"`},
		{in: "housing OR transport", match: `("housing" OR "transport")`},
		{in: "(SEND OR EHCP) -budget", match: `(("SEND" OR "EHCP")) NOT ("budget")`},
		{in: "recruitment retention -agency -pay", match: `("recruitment" AND "retention") NOT ("agency" OR "pay")`},
		{in: "title:budget educat*", match: `title : "budget" AND "educat" *`},
		{in: `title:"school places"`, match: `title : "school places"`},
		{in: `say "hello""`, err: true}, // a syntax error from the parser
		{in: "council:leicestershire topic:send -committee:cabinet budget", match: `"budget"`,
			filters: []string{"d.council = ?", "d.id IN (SELECT doc FROM doc_topics WHERE topic = ?)", "NOT d.committee = ?"}},
		{in: "council:leicestershire", match: "", filters: []string{"d.council = ?"}},
		{in: "budget OR council:leicestershire", err: true},
		{in: "council:leicestershire -budget", err: true},
		{in: `a"b`, err: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			n, err := query.Parse(tc.in, query.DefaultLimits)
			var tr fts.Translation
			if err == nil {
				tr, err = fts.Translate(n)
			}
			if tc.err {
				if err == nil {
					t.Fatalf("got %q, want an error", tr.Match)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tr.Match != tc.match || !slices.Equal(tr.Filters, tc.filters) {
				t.Errorf("got %q %q, want %q %q", tr.Match, tr.Filters, tc.match, tc.filters)
			}
		})
	}
}

func TestTranslateRefusesWhatFTS5CannotSay(t *testing.T) {
	n, err := query.Parse("budget OR council:leicestershire", query.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fts.Translate(n); !errors.Is(err, fts.ErrUnsupported) {
		t.Errorf("got %v, want ErrUnsupported", err)
	}
}

// sample builds the sample archive's FTS5 database next to its Bleve index.
func sample(t *testing.T) (*search.Index, *fts.Index) {
	t.Helper()
	ctx := context.Background()
	st, bleve := sampletest.Archive(t)
	path := filepath.Join(t.TempDir(), "fts.db")
	stats, err := fts.Build(ctx, path, st, 7) // a small batch: several commits
	if err != nil {
		t.Fatal(err)
	}
	ix, err := fts.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if n, err := ix.DocCount(ctx); err != nil || n != stats.Items || n == 0 {
		t.Fatalf("DocCount %d, %v; built %d", n, err, stats.Items)
	}
	if n, _ := bleve.DocCount(); int(n) != stats.Items {
		t.Fatalf("FTS5 holds %d items, Bleve %d", stats.Items, n)
	}
	return bleve, ix
}

func keys(res *search.Result) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Key)
	}
	slices.Sort(out)
	return out
}

// The two engines find the same items for queries whose meaning they
// share. Where they differ by design: FTS5 phrases are stemmed ("home
// education" also finds "home educated"; Bleve matches phrases exactly),
// FTS5 keeps stop words (Bleve drops "the" from unquoted words), a prefix
// such as educat* misses porter-stemmed words in FTS5, and FTS5 knows no
// acronyms (SEND is also the verb send; the sample has only the acronym).
func TestSameItemsAsMinutebook(t *testing.T) {
	bleve, ix := sample(t)
	ctx := context.Background()
	tests := []search.Request{
		{Query: "transport"},
		{Query: "school transport"},
		{Query: "budget -transport"},
		{Query: "transport OR recruitment"},
		{Query: `"social care"`},
		{Query: `"children's services"`, From: "2021-01-01"},
		{Query: "title:children"},
		{Query: "SEND", Committees: []string{"leicestershire/children-and-families-overview-and-scrutiny-committee"}},
		{Query: "report committee:children-and-families-overview-and-scrutiny-panel"},
		{Query: "placements", Councils: []string{"worcestershire"}},
		{Query: "budget", From: "2021-01-01", To: "2022-12-31"},
		{Query: "budget topic:send"},
	}
	for _, req := range tests {
		t.Run(req.Query, func(t *testing.T) {
			req.PerPage = search.MaxPerPage
			want, err := bleve.Search(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ix.Search(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Hits) == 0 {
				t.Fatalf("Minutebook finds nothing for %q: not a useful comparison", req.Query)
			}
			if g, w := keys(got), keys(want); !slices.Equal(g, w) {
				t.Errorf("FTS5 found %d items %v,\nMinutebook %d %v", len(g), g, len(w), w)
			}
			if got.Total != want.Total {
				t.Errorf("total %d, Minutebook %d", got.Total, want.Total)
			}
		})
	}
}

func TestFacetsAndSnippets(t *testing.T) {
	bleve, ix := sample(t)
	ctx := context.Background()
	req := search.Request{Query: "budget", Facets: true, Highlight: true, PerPage: 5}
	want, err := bleve.Search(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ix.Search(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"council", "committee", "topic", "year"} {
		if !slices.Equal(got.Facets[name], want.Facets[name]) {
			t.Errorf("facet %s: FTS5 %v, Minutebook %v", name, got.Facets[name], want.Facets[name])
		}
	}
	for _, h := range got.Hits {
		if !strings.Contains(strings.ToLower(h.SnippetHTML), "<mark>budget") {
			t.Errorf("%s: snippet %q marks no budget", h.Key, h.SnippetHTML)
		}
	}
	if got.Hits[0].Score <= 0 || got.Hits[0].Score < got.Hits[len(got.Hits)-1].Score {
		t.Errorf("scores not ranked best first: %v … %v", got.Hits[0].Score, got.Hits[len(got.Hits)-1].Score)
	}
}
