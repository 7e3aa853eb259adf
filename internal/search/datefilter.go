package search

import (
	"context"
	"math"
	"sort"
	"time"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
)

// dateRangeQuery matches the items dated from from to to (Unix
// nanoseconds, inclusive) by reading the dates column (columns.go).
//
// Bleve's date range is a numeric range: a disjunction of the
// prefix-coded terms that cover it, merged hit by hit. A filter of a few
// years is a third of the archive merged from dozens of posting lists,
// and cost more than the phrase it narrowed. The column answers a
// document with two comparisons and jumps straight to any document a
// conjunction asks about.
//
// It scores 0 and weighs nothing: a date filter narrows the matches and
// leaves their ranking alone. (Bleve's range added each match's date
// terms' BM25 scores, so rarer dates ranked higher.)
type dateRangeQuery struct {
	cols     *columns
	from, to int64
}

// newDateRangeQuery covers from..to; a zero time leaves that end open.
func newDateRangeQuery(cols *columns, from, to time.Time) *dateRangeQuery {
	q := &dateRangeQuery{cols: cols, from: noDate + 1, to: math.MaxInt64} // items without a date stay out
	if !from.IsZero() {
		q.from = from.UnixNano()
	}
	if !to.IsZero() {
		q.to = to.UnixNano()
	}
	return q
}

func (q *dateRangeQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	v, ok, err := q.cols.view(r)
	if err == nil && !ok {
		err = errNoColumns
	}
	if err != nil {
		return nil, err
	}
	s := &dateRangeSearcher{v: v, from: q.from, to: q.to}
	for _, col := range v.cols {
		// Deleted documents are counted too: Count is the conjunction's
		// estimate of the work, not the total.
		lo := sort.Search(len(col.sorted), func(i int) bool { return col.sorted[i] >= q.from })
		hi := sort.Search(len(col.sorted), func(i int) bool { return col.sorted[i] > q.to })
		s.count += uint64(hi - lo)
	}
	return s, nil
}

// dateRangeSearcher walks the dates column segment by segment.
type dateRangeSearcher struct {
	v        *colView
	from, to int64
	count    uint64
	seg      int    // current segment
	next     uint64 // local document to look at next
}

func (s *dateRangeSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	for ; s.seg < len(s.v.cols); s.seg, s.next = s.seg+1, 0 {
		dates, deleted := s.v.cols[s.seg].date, s.v.deleted[s.seg]
		for d := s.next; d < uint64(len(dates)); d++ {
			if t := dates[d]; t >= s.from && t <= s.to && (deleted == nil || !deleted.Contains(uint32(d))) {
				s.next = d + 1
				dm := ctx.DocumentMatchPool.Get()
				dm.IndexInternalID = index.NewIndexInternalID(dm.IndexInternalID, s.v.offsets[s.seg]+d)
				return dm, nil
			}
		}
	}
	return nil, nil
}

// Advance returns the first match at or after id (backwards too, as
// Bleve's own readers allow).
func (s *dateRangeSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	doc := id.Value()
	s.seg = max(0, sort.Search(len(s.v.offsets), func(i int) bool { return s.v.offsets[i] > doc })-1)
	s.next = 0
	if len(s.v.offsets) > 0 {
		s.next = doc - s.v.offsets[s.seg]
	}
	return s.Next(ctx)
}

func (s *dateRangeSearcher) Close() error               { return nil }
func (s *dateRangeSearcher) Weight() float64            { return 0 }
func (s *dateRangeSearcher) SetQueryNorm(float64)       {}
func (s *dateRangeSearcher) Count() uint64              { return s.count }
func (s *dateRangeSearcher) Min() int                   { return 0 }
func (s *dateRangeSearcher) Size() int                  { return 128 }
func (s *dateRangeSearcher) DocumentMatchPoolSize() int { return 1 }
