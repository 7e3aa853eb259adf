package search

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/numeric"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// columns keeps, for every segment of the index, each document's facet
// values and date as plain arrays, read once from the segment's doc values
// and kept while the segment is in use. Bleve reads doc values hit by hit
// (finding and decoding the document's chunk each time), which for a
// query matching 400,000 items was most of a faceted search; an array
// lookup costs nanoseconds. Segments never change once written, so a
// column never goes stale: a merge makes a new segment, read afresh.
type columns struct {
	mu   sync.Mutex
	segs map[segment.Segment]*segColumn
	// reading is closed when the segment's columns, being read, are in
	// segs (or the read failed).
	reading map[segment.Segment]chan struct{}
	reads   int               // segments read, for tests
	terms   map[string]uint32 // facet value → number, shared by all segments
	names   []string          // number → facet value
}

// segColumn is one segment's columns, by local document number.
//
// Documents share their facet values in few combinations: a meeting's
// items have one council, committee and year, and topics vary little (at
// 100,000 items, a segment holds about one combination per four items).
// A search counts a match with one increment, by combination, and adds up
// each combination's values once at the end, where counting every value
// of every match was most of a broad faceted search. A combination is
// added up by its two parts, its place (council, committee and year,
// shared by a meeting's items) and its set of topics: a segment has few
// of those, where a million items made a hundred thousand combinations
// of four or five values each.
type segColumn struct {
	combo    []uint32  // document d's facet values are combination combo[d]'s
	combos   valueSets // the combinations
	place    []uint32  // combination k's place, as a part
	topics   []uint32  // combination k's topics, as an index into topicSet
	topicSet []uint32  // the segment's distinct lists of topics, as parts
	partSets valueSets // the parts
	date     []int64   // Unix nanoseconds; noDate when the item has none
	sorted   []int64   // date, sorted: how many items a date range holds
	used     time.Time
}

const noDate = math.MinInt64

// columnIdle is how long a segment nobody searches keeps its columns: a
// merged-away segment is dropped after this, while a search still running
// on an older snapshot keeps what it uses.
const columnIdle = 2 * time.Minute

func newColumns() *columns {
	return &columns{segs: map[segment.Segment]*segColumn{}, reading: map[segment.Segment]chan struct{}{}, terms: map[string]uint32{}}
}

// colView is the columns of one index snapshot (one shard's reader), for
// one search.
type colView struct {
	offsets []uint64 // global document number of each segment's first
	cols    []*segColumn
	deleted []*roaring.Bitmap // each segment's deleted documents, or nil
	nterms  int               // facet values known when the view was made
	names   []string
	seg     int // the segment of the last lookup: hits come in order
}

// view returns the columns of reader r, reading any segment not yet read.
// A reader that is not a scorch snapshot has no columns (ok false).
func (c *columns) view(r index.IndexReader) (*colView, bool, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok || snap == nil { // nil: the index has been closed
		return nil, false, nil
	}
	segs := snap.Segments()
	v := &colView{offsets: make([]uint64, len(segs)), cols: make([]*segColumn, len(segs)), deleted: make([]*roaring.Bitmap, len(segs))}
	var running uint64
	now := time.Now()
	for i, ss := range segs {
		// The same sum scorch uses for its own offsets: every document a
		// segment holds, deleted ones included.
		v.offsets[i] = running
		v.deleted[i] = deletedIn(ss)
		seg := ss.Segment()
		running += seg.Count()
		col, err := c.of(seg, now)
		if err != nil {
			return nil, false, err
		}
		v.cols[i] = col
	}
	c.mu.Lock()
	v.nterms, v.names = len(c.names), c.names
	c.mu.Unlock()
	return v, true, nil
}

// of returns a segment's columns, reading them unless another search is
// reading them already: then it waits for that read. After a start, the
// first searches and warmColumns each read every segment at once, five
// reads of each at a million items, and the first pages took seconds.
func (c *columns) of(seg segment.Segment, now time.Time) (*segColumn, error) {
	for {
		c.mu.Lock()
		if col := c.segs[seg]; col != nil {
			col.used = now
			c.mu.Unlock()
			return col, nil
		}
		if done, ok := c.reading[seg]; ok {
			c.mu.Unlock()
			<-done // then look again: a failed read is tried again
			continue
		}
		done := make(chan struct{})
		c.reading[seg] = done
		c.mu.Unlock()
		col, err := c.read(seg)
		c.mu.Lock()
		delete(c.reading, seg)
		c.mu.Unlock()
		close(done)
		return col, err
	}
}

// read builds one segment's columns. It runs outside the lock (two shards
// read their segments at once); only numbering new values takes it.
func (c *columns) read(seg segment.Segment) (*segColumn, error) {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, fmt.Errorf("search: segment %T has no doc values", seg)
	}
	n := seg.Count()
	col := &segColumn{combo: make([]uint32, n), date: make([]int64, n)}
	local := map[string]uint32{}
	var localNames []string
	var vals, place, topics []uint32 // the current document's values, all and by part
	combos, parts := newNumberer(&col.combos), newNumberer(&col.partSets)
	topicIndex := map[uint32]uint32{} // a list of topics as a part → its index in col.topicSet
	fields := []string{fFacets, fDate}
	var (
		state segment.DocVisitState
		err   error
		date  int64
	)
	visit := func(field string, term []byte) {
		if field == fDate {
			// Numbers are indexed at several precisions; shift 0 is the value.
			pc := numeric.PrefixCoded(term)
			if shift, err := pc.Shift(); err == nil && shift == 0 {
				if d, err := pc.Int64(); err == nil {
					date = d
				}
			}
			return
		}
		id, ok := local[string(term)]
		if !ok {
			id = uint32(len(localNames))
			local[string(term)] = id
			localNames = append(localNames, string(term))
		}
		vals = append(vals, id)
		if bytes.HasPrefix(term, topicPrefix) {
			topics = append(topics, id)
		} else {
			place = append(place, id)
		}
	}
	for d := uint64(0); d < n; d++ {
		date, vals, place, topics = noDate, vals[:0], place[:0], topics[:0]
		if state, err = dv.VisitDocValues(d, fields, visit, state); err != nil {
			return nil, fmt.Errorf("search: reading doc values of document %d: %w", d, err)
		}
		col.date[d] = date
		k, added := combos.number(vals)
		if added {
			p, _ := parts.number(place)
			t, _ := parts.number(topics)
			i, ok := topicIndex[t]
			if !ok {
				i = uint32(len(col.topicSet))
				topicIndex[t] = i
				col.topicSet = append(col.topicSet, t)
			}
			col.place = append(col.place, p)
			col.topics = append(col.topics, i)
		}
		col.combo[d] = k
	}
	col.sorted = slices.Clone(col.date)
	slices.Sort(col.sorted)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	global := make([]uint32, len(localNames))
	for i, name := range localNames {
		id, ok := c.terms[name]
		if !ok {
			id = uint32(len(c.names))
			c.terms[name] = id
			c.names = append(c.names, name)
		}
		global[i] = id
	}
	for _, vals := range [][]uint32{col.combos.vals, col.partSets.vals} {
		for i, l := range vals {
			vals[i] = global[l]
		}
	}
	col.used = time.Now()
	for s, old := range c.segs {
		if time.Since(old.used) > columnIdle {
			delete(c.segs, s)
		}
	}
	c.segs[seg] = col
	return col, nil
}

// segmentOf finds the segment (its index) and local number of a document
// number.
func (v *colView) segmentOf(doc uint64) (int, uint64) {
	i := v.seg
	if doc < v.offsets[i] || (i+1 < len(v.offsets) && doc >= v.offsets[i+1]) {
		i = sort.Search(len(v.offsets), func(x int) bool { return v.offsets[x] > doc }) - 1
		v.seg = i
	}
	return i, doc - v.offsets[i]
}

// values are combination k's numbered facet values.
func (c *segColumn) values(k uint32) []uint32 { return c.combos.values(k) }

// partValues are part p's numbered facet values.
func (c *segColumn) partValues(p uint32) []uint32 { return c.partSets.values(p) }

// valueSets are lists of numbered facet values: list k is
// vals[start[k]:start[k+1]].
type valueSets struct {
	start []uint32
	vals  []uint32
}

func (s *valueSets) values(k uint32) []uint32 { return s.vals[s.start[k]:s.start[k+1]] }
func (s *valueSets) len() int                 { return max(len(s.start)-1, 0) }

// numberer adds each distinct list of values to sets once, while a
// segment is read.
type numberer struct {
	sets *valueSets
	ids  map[string]uint32 // a list's values, as bytes → its number
	key  []byte
}

func newNumberer(sets *valueSets) *numberer {
	sets.start = []uint32{0}
	return &numberer{sets: sets, ids: map[string]uint32{}}
}

// number is vals' number in the sets, and whether vals was added now.
func (n *numberer) number(vals []uint32) (k uint32, added bool) {
	n.key = n.key[:0]
	for _, v := range vals {
		n.key = binary.LittleEndian.AppendUint32(n.key, v)
	}
	if k, ok := n.ids[string(n.key)]; ok {
		return k, false
	}
	k = uint32(n.sets.len())
	n.ids[string(n.key)] = k
	n.sets.vals = append(n.sets.vals, vals...)
	n.sets.start = append(n.sets.start, uint32(len(n.sets.vals)))
	return k, true
}

// topicPrefix begins the facet terms of topics.
var topicPrefix = []byte("topic" + groupSep)

// numCombos is how many combinations of facet values the segment holds.
func (c *segColumn) numCombos() int { return c.combos.len() }

// date is a document's date in Unix nanoseconds, or noDate.
func (v *colView) date(id index.IndexInternalID) int64 {
	i, d := v.segmentOf(id.Value())
	return v.cols[i].date[d]
}
