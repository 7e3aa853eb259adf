package search

import (
	"container/heap"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// These queries wrap another and look at every document it matches, on
// every shard, through the columns (columns.go) rather than through
// Bleve's per-hit doc-value reads.

// countingQuery counts the facet values of every match of q while the
// matches go on to be scored and ranked as usual.
type countingQuery struct {
	q                bq.Query
	cols             *columns
	facets, quarters bool // what to count

	mu        sync.Mutex
	counts    map[string]int
	byQuarter map[quarterKey]int
}

// quarterKey is a quarter (year*4 + quarter-1) and a council's facet value.
type quarterKey struct {
	quarter int
	council string
}

func newCountingQuery(q bq.Query, cols *columns) *countingQuery {
	return &countingQuery{q: q, cols: cols, facets: true, counts: map[string]int{}, byQuarter: map[quarterKey]int{}}
}

func (cq *countingQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	s, err := cq.q.Searcher(ctx, r, m, opts)
	if err != nil {
		return nil, err
	}
	v, ok, err := cq.cols.view(r)
	if err != nil || !ok {
		s.Close()
		if err == nil {
			err = errNoColumns
		}
		return nil, err
	}
	counts := make([]uint32, v.nterms)
	var isCouncil []bool
	quarters := map[[2]uint32]int{} // quarter, council term → matches
	if cq.quarters {
		isCouncil = make([]bool, v.nterms)
		for t := range isCouncil {
			isCouncil[t] = strings.HasPrefix(v.names[t], "council"+groupSep)
		}
	}
	fs := searcher.NewFilteringSearcher(ctx, s, func(_ *search.SearchContext, d *search.DocumentMatch) bool {
		vals := v.facetValues(d.IndexInternalID)
		if cq.facets {
			for _, t := range vals {
				counts[t]++
			}
		}
		if cq.quarters {
			if date := v.date(d.IndexInternalID); date != noDate {
				y, m, _ := time.Unix(0, date).UTC().Date()
				for _, t := range vals {
					if isCouncil[t] {
						quarters[[2]uint32{uint32(y*4 + (int(m)-1)/3), t}]++
					}
				}
			}
		}
		return true
	})
	// The index closes each shard's searcher once its hits are collected,
	// before the search returns: the counts are complete by then.
	return &onClose{Searcher: fs, done: func() {
		cq.mu.Lock()
		defer cq.mu.Unlock()
		for t, n := range counts {
			if n > 0 {
				cq.counts[v.names[t]] += int(n)
			}
		}
		for k, n := range quarters {
			cq.byQuarter[quarterKey{int(k[0]), v.names[k[1]]}] += n
		}
	}}, nil
}

// quarterCounts is the matches by quarter and council, every shard's
// summed, oldest quarter first (then council).
func (cq *countingQuery) quarterCounts() []QuarterCount {
	cq.mu.Lock()
	defer cq.mu.Unlock()
	out := make([]QuarterCount, 0, len(cq.byQuarter))
	for k, n := range cq.byQuarter {
		_, val, _ := strings.Cut(k.council, groupSep)
		slug, name := splitLabel(val)
		out = append(out, QuarterCount{Quarter: fmt.Sprintf("%d Q%d", k.quarter/4, k.quarter%4+1), Council: slug, CouncilName: name, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Quarter != out[j].Quarter {
			return out[i].Quarter < out[j].Quarter
		}
		return out[i].Council < out[j].Council
	})
	return out
}

// result is the facet counts, every shard's summed.
func (cq *countingQuery) result() map[string]int {
	cq.mu.Lock()
	defer cq.mu.Unlock()
	return cq.counts
}

// newestQuery finds the n newest matches of q (ties by key), reading dates
// from the columns. It passes no match on: nothing is scored or sorted by
// Bleve, whose date sort reads every match's doc values.
type newestQuery struct {
	q    bq.Query
	cols *columns
	n    int

	mu   sync.Mutex
	best []dated
}

type dated struct {
	date int64
	key  string
}

// after reports whether a sorts after b: older, or as old with a later key.
func (a dated) after(b dated) bool {
	return a.date < b.date || (a.date == b.date && a.key > b.key)
}

func (nq *newestQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	s, err := nq.q.Searcher(ctx, r, m, opts)
	if err != nil {
		return nil, err
	}
	v, ok, err := nq.cols.view(r)
	if err != nil || !ok {
		s.Close()
		if err == nil {
			err = errNoColumns
		}
		return nil, err
	}
	top := &oldestFirst{}
	var ferr error
	fs := searcher.NewFilteringSearcher(ctx, s, func(_ *search.SearchContext, d *search.DocumentMatch) bool {
		date := v.date(d.IndexInternalID)
		if top.Len() == nq.n && date < (*top)[0].date {
			return false // older than all n kept: the common case, no key read
		}
		key, err := r.ExternalID(d.IndexInternalID)
		if err != nil {
			ferr = err
			return false
		}
		c := dated{date, key}
		switch {
		case top.Len() < nq.n:
			heap.Push(top, c)
		case (*top)[0].after(c):
			(*top)[0] = c
			heap.Fix(top, 0)
		}
		return false
	})
	return &onClose{Searcher: fs, done: func() {
		if ferr != nil {
			return
		}
		nq.mu.Lock()
		defer nq.mu.Unlock()
		nq.best = append(nq.best, *top...)
	}}, nil
}

// result is the n newest over all shards, newest first.
func (nq *newestQuery) result() []dated {
	nq.mu.Lock()
	defer nq.mu.Unlock()
	out := append([]dated(nil), nq.best...)
	// Few candidates (n per shard): a simple sort.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j-1].after(out[j]); j-- {
			out[j-1], out[j] = out[j], out[j-1]
		}
	}
	if len(out) > nq.n {
		out = out[:nq.n]
	}
	return out
}

// oldestFirst is a min-heap of the kept matches, the one to drop on top.
type oldestFirst []dated

func (h oldestFirst) Len() int           { return len(h) }
func (h oldestFirst) Less(i, j int) bool { return h[i].after(h[j]) }
func (h oldestFirst) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *oldestFirst) Push(x any)        { *h = append(*h, x.(dated)) }
func (h *oldestFirst) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// onClose runs done when the searcher is closed.
type onClose struct {
	search.Searcher
	done func()
	once sync.Once
}

func (o *onClose) Close() error {
	err := o.Searcher.Close()
	o.once.Do(o.done)
	return err
}

type columnsError string

func (e columnsError) Error() string { return string(e) }

const errNoColumns = columnsError("search: the index reader is not a scorch snapshot")
