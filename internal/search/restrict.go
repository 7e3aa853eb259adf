package search

import (
	"context"
	"slices"
	"sync"

	"github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
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
