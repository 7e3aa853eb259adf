package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bq "github.com/blevesearch/bleve/v2/search/query"
	"github.com/minutebook/minutebook/internal/query"
)

// PhraseAgainstBleve counts the documents whose body has the phrase, by
// our phrase query (pairs, or a gram) and by Bleve's own phrase query on
// the body's single words, so tests can check the two agree.
func PhraseAgainstBleve(ctx context.Context, ix *Index, words []string) (ours, bleves uint64, err error) {
	return ix.countBoth(ctx, &pairPhraseQuery{field: fBodyPairs, terms: pairTerms(words), gram: gramOf(words)}, bleve.NewPhraseQuery(words, fBodyExact))
}

// countBoth counts the matches of two queries.
func (ix *Index) countBoth(ctx context.Context, a, b bq.Query) (na, nb uint64, err error) {
	count := func(q bq.Query) (uint64, error) {
		res, err := ix.idx.search(ctx, bleve.NewSearchRequestOptions(q, 0, 0, false))
		if err != nil {
			return 0, err
		}
		return res.Total, nil
	}
	if na, err = count(a); err != nil {
		return 0, 0, err
	}
	nb, err = count(b)
	return na, nb, err
}

// PhraseRun is one way's answer to a phrase search: the total and the
// ranked hits.
type PhraseRun struct {
	Total  uint64
	Keys   []string
	Scores []float64
}

// PhraseSearch is a quoted phrase searched as a search does (title or
// body), within Council when it is not "".
type PhraseSearch struct {
	Words       []string
	Council     string
	From, Size  int
	TiesByKey   bool // order equal scores by key, so two ways compare
	Conjunction bool // by the filtered conjunction of Bleve's term searchers, not the postings searcher
}

// Run runs the phrase search on ix.
func (p PhraseSearch) Run(ctx context.Context, ix *Index) (PhraseRun, error) {
	var q bq.Query = bleve.NewDisjunctionQuery(ix.titlePhrase(strings.Join(p.Words, " "), titleBoost),
		&pairPhraseQuery{field: fBodyPairs, terms: pairTerms(p.Words), gram: gramOf(p.Words), viaConjunction: p.Conjunction})
	if p.Council != "" {
		q = bleve.NewConjunctionQuery(keywordQuery(fCouncil, p.Council), q)
	}
	req := bleve.NewSearchRequestOptions(q, p.Size, p.From, false)
	if p.TiesByKey {
		req.SortBy([]string{"-_score", "_id"})
	}
	res, err := ix.idx.search(ctx, req)
	if err != nil {
		return PhraseRun{}, err
	}
	r := PhraseRun{Total: res.Total}
	for _, h := range res.Hits {
		r.Keys = append(r.Keys, h.ID)
		r.Scores = append(r.Scores, h.Score)
	}
	return r, nil
}

// FacetsAgainstBleve counts the facet values of the matches of q (query
// syntax), from the columns as searches do and by Bleve's own facet
// request, so tests can check the two agree.
func FacetsAgainstBleve(ctx context.Context, ix *Index, q string) (ours, bleves map[string]int, err error) {
	node, err := query.Parse(q, query.DefaultLimits)
	if err != nil {
		return nil, nil, err
	}
	var text bq.Query = bleve.NewMatchAllQuery()
	if node != nil {
		text = ix.build(node)
	}
	cq := newCountingQuery(text, ix.cols, true, false)
	if _, err = ix.idx.search(ctx, bleve.NewSearchRequestOptions(cq, 0, 0, false)); err != nil {
		return nil, nil, err
	}
	sr := bleve.NewSearchRequestOptions(text, 0, 0, false)
	sr.AddFacet("all", bleve.NewFacetRequest(fFacets, 1<<20))
	res, err := ix.idx.search(ctx, sr)
	if err != nil {
		return nil, nil, err
	}
	bleves = map[string]int{}
	if f := res.Facets["all"]; f != nil && f.Terms != nil {
		for _, t := range f.Terms.Terms() {
			bleves[t.Term] = t.Count
		}
	}
	ours = map[string]int{}
	for _, tc := range cq.result() {
		ours[tc.term] = tc.n
	}
	return ours, bleves, nil
}

// RelatedByBleveSort is Related done by Bleve's date sort, as it was
// before the columns: the keys of the n newest related items.
func RelatedByBleveSort(ctx context.Context, ix *Index, key string, n int) ([]string, error) {
	b, _, err := ix.relatedQuery(ctx, key, n)
	if err != nil || b == nil {
		return nil, err
	}
	sr := bleve.NewSearchRequestOptions(b, n, 0, false)
	sr.SortBy([]string{"-" + fDate, "_id"})
	res, err := ix.idx.search(ctx, sr)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, dm := range res.Hits {
		keys = append(keys, dm.ID)
	}
	return keys, nil
}

// SearchByOracle runs req the way Bleve would on its own: its date sort
// (as searches did before the columns) and its term searchers for phrases.
func SearchByOracle(ctx context.Context, ix *Index, req Request) (*Result, error) {
	ix.oracle = true
	defer func() { ix.oracle = false }()
	return ix.search(ctx, req)
}

// TitlePhraseAgainstBleve counts the items whose title has the phrase, by
// titlePhrase and by Bleve's own phrase query.
func TitlePhraseAgainstBleve(ctx context.Context, ix *Index, text string) (ours, bleves uint64, err error) {
	m := bleve.NewMatchPhraseQuery(text)
	m.SetField(fTitleExact)
	return ix.countBoth(ctx, ix.titlePhrase(text, 1), m)
}

// WarmColumns is warmColumns, for tests.
func WarmColumns(ix *Index) { ix.warmColumns() }

// Settle waits, up to a minute, until no shard's segments have changed for
// half a second. Two searches compared score for score must see the same
// segments: merging changes BM25's average field length (deleted
// documents count until merged away).
func Settle(ix *Index) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return ix.Settle(ctx, 500*time.Millisecond)
}

// DateRangeAgainstBleve counts the items dated from..to by the dates
// column alone and by Bleve's date range query.
func DateRangeAgainstBleve(ctx context.Context, ix *Index, from, to time.Time) (ours, bleves uint64, err error) {
	t := true
	dr := bleve.NewDateRangeInclusiveQuery(from, to, &t, &t)
	dr.SetField(fDate)
	return ix.countBoth(ctx, newDateRangeQuery(ix.cols, from, to), dr)
}

// BoundEveryList has searches bound every term's postings by block, not
// only long lists, until the returned function is called.
func BoundEveryList() (restore func()) {
	old := minImpactPostings
	minImpactPostings = 1
	return func() { minImpactPostings = old }
}

// CapImpacts empties ix's impact cache and has it forget everything past
// maxBytes instead of maxImpactBytes, until the returned function is
// called.
func CapImpacts(ix *Index, maxBytes int) (restore func()) {
	c := ix.impacts
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.bytes = 0
	old := c.max
	c.max = maxBytes
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.max = old
	}
}

// ImpactCacheUse is what ix's impact cache holds now, in bytes, and how
// many times it has forgotten everything.
func ImpactCacheUse(ix *Index) (bytes, clears int) {
	c := ix.impacts
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes, c.clears
}

// ConceptAgainstPhrases counts the documents that mention a thesaurus
// concept by its concept fields, by the acronym and long forms matched as
// phrases, and by both at once, so tests can check the fields hold the
// phrases' matches.
func ConceptAgainstPhrases(ctx context.Context, ix *Index, acronym string) (fields, phrases, both uint64, err error) {
	c := ix.th.byAcronym[acronym]
	if c == nil {
		return 0, 0, 0, fmt.Errorf("no concept %s", acronym)
	}
	q, p := ix.concept(c), ix.conceptPhrases(c)
	if fields, phrases, err = ix.countBoth(ctx, q, p); err != nil {
		return 0, 0, 0, err
	}
	both, _, err = ix.countBoth(ctx, bleve.NewConjunctionQuery(q, p), q)
	return fields, phrases, both, err
}

// Acronyms lists the thesaurus's acronyms.
func Acronyms(ix *Index) []string {
	var out []string
	for _, c := range ix.th.concepts {
		out = append(out, c.acronym)
	}
	return out
}

// Mentions is the concept fields' terms for text, and each one's text.
func Mentions(text string) (terms, spans []string) {
	for _, t := range newMapping().AnalyzerNamed(conceptAnalyzer).Analyze([]byte(text)) {
		terms = append(terms, string(t.Term))
		spans = append(spans, text[t.Start:t.End])
	}
	return terms, spans
}

// conceptPhrases finds a concept as searches did before the concept
// fields: by the acronym or any long form as a phrase.
func (ix *Index) conceptPhrases(c *concept) bq.Query {
	acr := bleve.NewTermQuery(c.acronym)
	acr.SetField(fAcronyms)
	qs := []bq.Query{acr}
	for _, p := range c.phrases {
		qs = append(qs, ix.exactPhrase(p))
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// SegmentCounts is how many segments each shard has.
func SegmentCounts(ix *Index) ([]int, error) {
	counts := make([]int, ix.shards)
	err := ix.eachShardSnapshot(func(i int, snap *scorch.IndexSnapshot) { counts[i] = len(snap.Segments()) })
	return counts, err
}

// DeletedDocs counts the deleted documents the index's segments still
// hold, as searches see them (deletedIn).
func DeletedDocs(ix *Index) (uint64, error) {
	var n uint64
	err := ix.eachShardSnapshot(func(_ int, snap *scorch.IndexSnapshot) {
		for _, ss := range snap.Segments() {
			if d := deletedIn(ss); d != nil {
				n += d.GetCardinality()
			}
		}
	})
	return n, err
}

// ColumnReadsAtOnce forgets ix's columns, then views every shard's
// snapshot from n goroutines at once, and returns how many segments were
// read and how many there are.
func ColumnReadsAtOnce(ix *Index, n int) (reads, segments int, err error) {
	ix.cols = newColumns()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[g] = ix.eachShardSnapshot(func(_ int, snap *scorch.IndexSnapshot) {
				if _, _, err := ix.cols.view(snap); err != nil && errs[g] == nil {
					errs[g] = err
				}
			})
		}()
	}
	wg.Wait()
	ix.cols.mu.Lock()
	defer ix.cols.mu.Unlock()
	return ix.cols.reads, len(ix.cols.segs), errors.Join(errs...)
}
