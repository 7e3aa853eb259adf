package search

import (
	"container/heap"
	"context"
	"errors"
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
	counts    []int    // by facet value number (columns.names)
	names     []string // value number → facet value, the longest list seen
	byQuarter map[quarterKey]int
}

// quarterKey is a quarter (year*4 + quarter-1) and a council's facet value.
type quarterKey struct {
	quarter int
	council string
}

func newCountingQuery(q bq.Query, cols *columns, facets, quarters bool) *countingQuery {
	return &countingQuery{q: q, cols: cols, facets: facets, quarters: quarters, byQuarter: map[quarterKey]int{}}
}

func (cq *countingQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	s, v, err := withColumns(ctx, cq.q, cq.cols, r, m, opts)
	if err != nil {
		return nil, err
	}
	t := cq.tally(v)
	fs := searcher.NewFilteringSearcher(ctx, s, func(_ *search.SearchContext, d *search.DocumentMatch) bool {
		t.doc(d.IndexInternalID.Value())
		return true
	})
	// The index closes each shard's searcher once its hits are collected,
	// before the search returns: the counts are complete by then.
	return &onClose{Searcher: fs, done: t.add}, nil
}

// shardTally counts one shard's matches; add then adds them to the
// search's counts.
type shardTally struct {
	cq        *countingQuery
	v         *colView
	byCombo   [][]uint32        // by segment, then combination; nil until a match there
	quarters  map[[2]uint32]int // quarter, council value → matches
	isCouncil []bool            // by value
}

func (cq *countingQuery) tally(v *colView) *shardTally {
	t := &shardTally{cq: cq, v: v, byCombo: make([][]uint32, len(v.cols)), quarters: map[[2]uint32]int{}}
	if cq.quarters {
		t.isCouncil = make([]bool, v.nterms)
		for i := range t.isCouncil {
			t.isCouncil[i] = strings.HasPrefix(v.names[i], "council"+groupSep)
		}
	}
	return t
}

// doc counts a match by its shard document number.
func (t *shardTally) doc(doc uint64) {
	seg, d := t.v.segmentOf(doc)
	t.local(seg, d)
}

// local counts a match by its segment and local number.
func (t *shardTally) local(seg int, d uint64) {
	col := t.v.cols[seg]
	if t.cq.facets {
		t.combos(seg)[col.combo[d]]++
	}
	if t.cq.quarters {
		if date := col.date[d]; date != noDate {
			y, m, _ := time.Unix(0, date).UTC().Date()
			for _, v := range col.values(col.combo[d]) {
				if t.isCouncil[v] {
					t.quarters[[2]uint32{uint32(y*4 + (int(m)-1)/3), v}]++
				}
			}
		}
	}
}

// combos is segment seg's matches by combination of facet values.
func (t *shardTally) combos(seg int) []uint32 {
	cc := t.byCombo[seg]
	if cc == nil {
		cc = make([]uint32, t.v.cols[seg].numCombos())
		t.byCombo[seg] = cc
	}
	return cc
}

// add adds the shard's counts to the search's.
func (t *shardTally) add() {
	counts := make([]uint32, t.v.nterms)
	for seg, cc := range t.byCombo {
		if cc == nil {
			continue // no match in the segment
		}
		col := t.v.cols[seg]
		byPart := make([]uint32, col.partSets.len())
		// A segment has a few lists of topics, and most combinations
		// share one (most items have none), so adding each combination's
		// count to its list's made one long chain of additions to the same
		// counter. Four counters per list, taken in turn, let the
		// additions overlap. (No test for zero counts: mispredicting it
		// cost more than adding the zeros.)
		nt := len(col.topicSet)
		byTopics := make([]uint32, 4*nt)
		place, topics := col.place[:len(cc)], col.topics[:len(cc)]
		k := 0
		for ; k+4 <= len(cc); k += 4 {
			n0, n1, n2, n3 := cc[k], cc[k+1], cc[k+2], cc[k+3]
			byPart[place[k]] += n0
			byPart[place[k+1]] += n1
			byPart[place[k+2]] += n2
			byPart[place[k+3]] += n3
			byTopics[topics[k]] += n0
			byTopics[nt+int(topics[k+1])] += n1
			byTopics[2*nt+int(topics[k+2])] += n2
			byTopics[3*nt+int(topics[k+3])] += n3
		}
		for ; k < len(cc); k++ {
			byPart[place[k]] += cc[k]
			byTopics[topics[k]] += cc[k]
		}
		for i, p := range col.topicSet {
			byPart[p] += byTopics[i] + byTopics[nt+i] + byTopics[2*nt+i] + byTopics[3*nt+i]
		}
		for p, n := range byPart {
			for _, v := range col.partValues(uint32(p)) {
				counts[v] += n
			}
		}
	}
	cq := t.cq
	cq.mu.Lock()
	defer cq.mu.Unlock()
	// By number, not by name: a map of names, grown afresh for every
	// search, cost a twentieth of a search page. Numbers are the same in
	// every shard's view (columns.names only grows).
	if len(t.v.names) > len(cq.names) {
		cq.names = t.v.names
	}
	if len(counts) > len(cq.counts) {
		cq.counts = append(cq.counts, make([]int, len(counts)-len(cq.counts))...)
	}
	for v, n := range counts {
		cq.counts[v] += int(n)
	}
	for k, n := range t.quarters {
		cq.byQuarter[quarterKey{int(k[0]), t.v.names[k[1]]}] += n
	}
}

// quarterCounts is the matches by quarter and council, every shard's
// summed, oldest quarter first (then council).
func (cq *countingQuery) quarterCounts() []QuarterCount {
	cq.mu.Lock()
	defer cq.mu.Unlock()
	out := make([]QuarterCount, 0, len(cq.byQuarter))
	for k, n := range cq.byQuarter {
		_, slug, name := splitFacetTerm(k.council)
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

// result is the facet values counted, every shard's summed, in no
// particular order.
func (cq *countingQuery) result() []termCount {
	cq.mu.Lock()
	defer cq.mu.Unlock()
	var out []termCount
	for v, n := range cq.counts {
		if n > 0 {
			out = append(out, termCount{cq.names[v], n})
		}
	}
	return out
}

// termCount is a term of the facets field and how many matches hold it.
type termCount struct {
	term string
	n    int
}

// dateOrderQuery keeps the first n matches of q in date order, newest
// (or oldest) first, then by score, then by key, as Bleve's sort by
// ["-date", "-_score", "_id"] would, with items that have no date last.
// Dates come from the columns; Bleve's sort reads the doc values of every
// match, and browsing or a topic can match a large part of the archive.
// It passes no match on (nothing is collected by Bleve): total counts
// them instead.
type dateOrderQuery struct {
	q      bq.Query
	cols   *columns
	n      int
	oldest bool

	mu    sync.Mutex
	best  []dated
	total uint64
	err   error // a key that could not be read, on any shard
}

// dated is a kept match. key is read from the index only when a tie on
// date and score needs it, or at the end.
type dated struct {
	date  int64
	score float64
	doc   uint64
	key   string
}

// before reports whether a comes before b in the order; keyOf reads a
// key not yet read.
func (dq *dateOrderQuery) before(a, b *dated, keyOf func(*dated) string) bool {
	if (a.date == noDate) != (b.date == noDate) {
		return b.date == noDate
	}
	if a.date != b.date {
		return (a.date > b.date) != dq.oldest
	}
	if a.score != b.score {
		return a.score > b.score
	}
	return keyOf(a) < keyOf(b)
}

func (dq *dateOrderQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	s, v, err := withColumns(ctx, dq.q, dq.cols, r, m, opts)
	if err != nil {
		return nil, err
	}
	var (
		ferr  error
		total uint64
		buf   = make([]byte, 8)
	)
	keyOf := func(d *dated) string {
		if d.key == "" && ferr == nil {
			d.key, ferr = r.ExternalID(index.NewIndexInternalID(buf, d.doc))
		}
		return d.key
	}
	h := &keptHeap{dq: dq, keyOf: keyOf}
	fs := searcher.NewFilteringSearcher(ctx, s, func(_ *search.SearchContext, d *search.DocumentMatch) bool {
		total++
		c := dated{date: v.date(d.IndexInternalID), score: d.Score, doc: d.IndexInternalID.Value()}
		switch {
		case len(h.kept) < dq.n:
			heap.Push(h, c)
		case dq.before(&c, &h.kept[0], keyOf):
			h.kept[0] = c
			heap.Fix(h, 0)
		}
		return false
	})
	return &onClose{Searcher: fs, done: func() {
		for i := range h.kept {
			keyOf(&h.kept[i])
		}
		dq.mu.Lock()
		defer dq.mu.Unlock()
		if ferr != nil {
			dq.err = ferr
			return
		}
		dq.total += total
		dq.best = append(dq.best, h.kept...)
	}}, nil
}

// result is the first n over all shards, in order, and how many matched.
func (dq *dateOrderQuery) result() ([]dated, uint64, error) {
	dq.mu.Lock()
	defer dq.mu.Unlock()
	if dq.err != nil {
		return nil, 0, fmt.Errorf("search: reading a matching item's key: %w", dq.err)
	}
	out := append([]dated(nil), dq.best...)
	keyOf := func(d *dated) string { return d.key }
	sort.Slice(out, func(i, j int) bool { return dq.before(&out[i], &out[j], keyOf) })
	if len(out) > dq.n {
		out = out[:dq.n]
	}
	return out, dq.total, nil
}

// keptHeap holds the kept matches with the last in order on top, the one
// a better match replaces.
type keptHeap struct {
	dq    *dateOrderQuery
	keyOf func(*dated) string
	kept  []dated
}

func (h *keptHeap) Len() int           { return len(h.kept) }
func (h *keptHeap) Less(i, j int) bool { return h.dq.before(&h.kept[j], &h.kept[i], h.keyOf) }
func (h *keptHeap) Swap(i, j int)      { h.kept[i], h.kept[j] = h.kept[j], h.kept[i] }
func (h *keptHeap) Push(x any)         { h.kept = append(h.kept, x.(dated)) }
func (h *keptHeap) Pop() any {
	x := h.kept[len(h.kept)-1]
	h.kept = h.kept[:len(h.kept)-1]
	return x
}

// withColumns is q's searcher on reader r, with r's columns.
func withColumns(ctx context.Context, q bq.Query, cols *columns, r index.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, *colView, error) {
	s, err := q.Searcher(ctx, r, m, opts)
	if err != nil {
		return nil, nil, err
	}
	v, ok, err := cols.view(r)
	if err == nil && !ok {
		err = errNoColumns
	}
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, v, nil
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

var errNoColumns = errors.New("search: the index reader is not a scorch snapshot")
