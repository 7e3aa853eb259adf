package search

import (
	"context"
	"math/bits"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Snippets of a page sorted by date come from a second search for the
// page's items alone, with term locations (highlight); a ranked page
// locates its items' terms itself (page.go), and its Bleve searchers
// (prefixes, wide disjunctions) step only the page's items too. Its phrase matchers are conjunctions filtered
// by positions, and a filter asked for an item goes on to the next item
// that matches: for a phrase in a fifth of the archive, that walk was a
// fifth of a search page. The search tells the phrase queries which items
// it wants, and their terms step through those items only.

type onlyKeysKey struct{}

// onlyKeys is the items a search wants, and their document numbers on
// each shard's reader, looked up once per reader: a query can hold many
// phrases (an acronym's long forms), and each lookup searches every
// segment's keys.
type onlyKeys struct {
	keys     []string
	mu       sync.Mutex
	byReader map[index.IndexReader][]uint64
}

// withOnlyKeys marks a search as wanting only the items with these keys.
func withOnlyKeys(ctx context.Context, keys []string) context.Context {
	return context.WithValue(ctx, onlyKeysKey{}, &onlyKeys{keys: keys, byReader: map[index.IndexReader][]uint64{}})
}

// withOnlyDocs marks a search on r as wanting only these documents (in
// order).
func withOnlyDocs(ctx context.Context, r index.IndexReader, docs []uint64) context.Context {
	return context.WithValue(ctx, onlyKeysKey{}, &onlyKeys{byReader: map[index.IndexReader][]uint64{r: docs}})
}

// onlyDocs returns the documents of r the search wants, in order, or
// ok false when it wants any.
func onlyDocs(ctx context.Context, r index.IndexReader) (docs []uint64, ok bool, err error) {
	only, ok := ctx.Value(onlyKeysKey{}).(*onlyKeys)
	if !ok {
		return nil, false, nil
	}
	only.mu.Lock()
	defer only.mu.Unlock()
	if docs, seen := only.byReader[r]; seen {
		return docs, true, nil
	}
	for _, k := range only.keys {
		id, err := r.InternalID(k)
		if err != nil {
			return nil, true, err
		}
		if id != nil {
			docs = append(docs, id.Value())
		}
	}
	slices.Sort(docs)
	only.byReader[r] = docs
	return docs, true, nil
}

// restrictedSearcher is s's matches among docs alone.
type restrictedSearcher struct {
	search.Searcher
	docs []uint64 // sorted
	i    int      // the first doc not yet returned or passed
	id   []byte
}

func (s *restrictedSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if s.i >= len(s.docs) {
		return nil, nil
	}
	return s.at(ctx, s.docs[s.i])
}

func (s *restrictedSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	target := id.Value()
	s.i, _ = slices.BinarySearch(s.docs, target)
	if s.i >= len(s.docs) {
		return nil, nil
	}
	return s.at(ctx, s.docs[s.i])
}

// at returns the first match at or after doc among the docs.
func (s *restrictedSearcher) at(ctx *search.SearchContext, doc uint64) (*search.DocumentMatch, error) {
	for {
		s.id = index.NewIndexInternalID(s.id, doc)
		dm, err := s.Searcher.Advance(ctx, s.id)
		if err != nil || dm == nil {
			s.i = len(s.docs)
			return nil, err
		}
		got := dm.IndexInternalID.Value()
		s.i, _ = slices.BinarySearch(s.docs, got)
		if s.i < len(s.docs) && s.docs[s.i] == got {
			s.i++
			return dm, nil
		}
		ctx.DocumentMatchPool.Put(dm)
		if s.i >= len(s.docs) {
			return nil, nil
		}
		doc = s.docs[s.i]
	}
}

// Optimize passes on Bleve's conjunction optimization, which intersects
// the terms' postings before they are stepped: without it, stepping from
// one wanted item to the next walks every posting of a common pair.
func (s *restrictedSearcher) Optimize(kind string, octx index.OptimizableContext) (index.OptimizableContext, error) {
	if o, ok := s.Searcher.(index.Optimizable); ok {
		return o.Optimize(kind, octx)
	}
	return nil, nil
}

// A phrase joined with cheap filters (`"special educational needs"` in
// one council) was checked wherever its words met: the conjunction
// advanced it to each of the council's items, and it read the positions
// of every candidate on the way to its next match. Under a conjunction
// with filters, a phrase searcher reads positions only in the documents
// the filters allow; elsewhere the conjunction drops its matches anyway.
// Restricting a clause under a must-not is as safe: it changes what the
// clause matches only outside the allowed documents.

type allowedKey struct{}

// allowedDocs are the documents of one snapshot that a conjunction's
// keyword filters allow (deleted ones may be among them), by segment, as
// dense bitsets of local numbers. They are read when a phrase first asks
// (docs): most filtered searches hold no phrase.
type allowedDocs struct {
	snap *scorch.IndexSnapshot
	docs func() ([][]uint64, error)
}

// filterFields are the keyword fields of the request's filters (withFilters).
var filterFields = []string{fCouncil, fCommittee, fCommitteeSlug, fTopics}

// allowedBy returns the documents of snap that every keyword filter among
// a conjunction's clauses allows (a filter is a disjunction of terms of
// filterFields), or nil when the clauses hold no filter or nothing else.
func allowedBy(snap *scorch.IndexSnapshot, clauses []bq.Query) *allowedDocs {
	var filters [][]*bq.TermQuery
	for _, q := range clauses {
		if terms, ok := filterTerms(q); ok {
			filters = append(filters, terms)
		}
	}
	if len(filters) == 0 || len(filters) == len(clauses) {
		return nil
	}
	return &allowedDocs{snap: snap, docs: sync.OnceValues(func() ([][]uint64, error) { return filterDocs(snap, filters) })}
}

// filterDocs reads what allowedBy's filters allow, segment by segment; nil
// when a segment is not zap's (no restriction).
func filterDocs(snap *scorch.IndexSnapshot, filters [][]*bq.TermQuery) ([][]uint64, error) {
	var out [][]uint64
	for _, ss := range snap.Segments() {
		seg := ss.Segment()
		groups := make([][]segment.PostingsList, len(filters))
		for i, terms := range filters {
			for _, t := range terms {
				dict, err := seg.Dictionary(t.Field())
				if err != nil {
					return nil, err
				}
				pl, err := dict.PostingsList([]byte(t.Term), nil, nil)
				if err != nil {
					return nil, err
				}
				groups[i] = append(groups[i], pl)
			}
		}
		docs, ok := inEveryGroup(groups)
		if !ok {
			return nil, nil
		}
		out = append(out, docs)
	}
	return out, nil
}

// inEveryGroup is the documents in some list of every group (deleted ones
// included), as a dense bitset as long as its last document needs, or ok
// false when a list cannot say (not zap's) or there is no group.
func inEveryGroup(groups [][]segment.PostingsList) ([]uint64, bool) {
	var all *roaring.Bitmap
	for _, lists := range groups {
		inGroup := roaring.New()
		for _, pl := range lists {
			bl, ok := pl.(bitmapList)
			if !ok {
				return nil, false
			}
			bl.OrInto(inGroup)
		}
		if all == nil {
			all = inGroup
		} else {
			all.And(inGroup)
		}
	}
	if all == nil {
		return nil, false
	}
	return all.ToDense(), true
}

// filterTerms are the terms of a keyword filter, or ok false when q is
// not one.
func filterTerms(q bq.Query) ([]*bq.TermQuery, bool) {
	d, ok := q.(*bq.DisjunctionQuery)
	if !ok || len(d.Disjuncts) == 0 || d.Min > 0 {
		return nil, false
	}
	var out []*bq.TermQuery
	for _, x := range d.Disjuncts {
		t, ok := x.(*bq.TermQuery)
		if !ok || !slices.Contains(filterFields, t.Field()) {
			return nil, false
		}
		out = append(out, t)
	}
	return out, true
}

// nextAllowed is the first local number at or after from that bits
// holds, or ok false when there is none.
func nextAllowed(set []uint64, from uint64) (uint64, bool) {
	w := from / 64
	if w >= uint64(len(set)) {
		return 0, false
	}
	if word := set[w] >> (from % 64); word != 0 {
		return from + uint64(bits.TrailingZeros64(word)), true
	}
	for w++; w < uint64(len(set)); w++ {
		if set[w] != 0 {
			return w*64 + uint64(bits.TrailingZeros64(set[w])), true
		}
	}
	return 0, false
}
