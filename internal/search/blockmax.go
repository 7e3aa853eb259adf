package search

import (
	"cmp"
	"context"
	"math"
	"math/bits"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/search"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A one-word search is the word in the title or the text, and a common
// word's text postings hold half the archive: scoring every one of them
// was most of such a search page. Block-max top-k (Ding and Suel 2011)
// skips blocks of documents that cannot make the page: for each block of
// 64 documents of a segment, the highest score of the term's postings in
// it bounds what any document there can score, and once the page's worst
// hit scores at least that, the block is passed over unscored. In a block
// that is not, a clause whose bound is too low to make the page on its
// own (a common word in the text, next to the same word in titles) is
// only looked up for the documents the other clauses bring. A list too
// short to be worth scoring ahead is bounded by BM25's saturation, idf·k1,
// in the blocks it has postings in.
//
// Zap stores no such bounds, so they are computed the first time a term
// is searched in a segment, by one pass over its postings scoring each,
// and kept while the segment and the term's scoring statistics (its idf,
// the field's average length) last: segments never change, and the
// statistics change only as items are added or removed. The bounds were
// first the block's highest frequency and shortest field, scored
// together; those often come from two documents, and at a million items
// nine blocks in ten then stayed above the page's worst hit. Totals and
// facets still count every match: they come from the union of the terms'
// posting bitmaps, which needs no frequencies decoded.

// impactBlock is how many documents of a segment share one bound.
const impactBlock = 64

// minImpactPostings is the shortest postings list worth scoring ahead: a
// shorter one is bounded by its saturation where it has postings. (A
// variable: tests score every list ahead.)
var minImpactPostings uint64 = 4096

// impacts are one term's bounds in one segment, by block of impactBlock
// local document numbers: the highest score at weight 1 of any posting in
// the block (0: no posting). For a list scored ahead, they also note, for
// every hintBlock documents, where the frequency entry of the first
// posting at or after them begins in its zap chunk, so that stepping the
// term there decodes no entries before it (see termNode.next).
type impacts struct {
	best []float64
	sub  []float32 // the same by hint block, rounded up; nil for a short list
	off  []uint32  // by hint block; noEntry: no posting from there on
}

// bound is the most any document of block b can score at weight w, as
// termScorer.bm25 weights a score.
func (imp *impacts) bound(b uint64, w float64) float64 {
	s := imp.best[b]
	if w != 1 {
		s *= w
	}
	return s
}

// boundAt is the most document local of the segment can score at weight
// w: its hint block's bound where the list was scored ahead, else its
// block's.
func (imp *impacts) boundAt(local uint64, w float64) float64 {
	if imp.sub == nil {
		return imp.bound(local/impactBlock, w)
	}
	s := float64(imp.sub[local/hintBlock])
	if w != 1 {
		s *= w
	}
	return s
}

// hintBlock is how many documents share one entry offset and one finer
// bound: a lookup steps through at most this many documents' postings
// from the offset. (A quarter of a bound's block: a long list's offsets
// and finer bounds take half a byte a document, four times its block
// bounds' room.)
const hintBlock = 16

// noEntry marks a hint block with no posting at or after its start.
const noEntry = math.MaxUint32

// entryHinter is a zap postings iterator that can report where a
// posting's frequency entry begins and jump to it (third_party/zapx).
type entryHinter interface {
	LastEntry() (offset int, ok bool)
	AdvanceFrom(atOrAfter, start uint64, offset int) (segment.Posting, error)
}

type impactKey struct {
	seg         segment.Segment
	field, term string
	idf, avg    float64 // the scorer's statistics, which the scores depend on
}

// impactCache keeps impacts for the segments in use; it forgets them all
// when they pass maxImpactBytes, as merged-away segments, once-searched
// words and outdated statistics leave theirs behind.
type impactCache struct {
	mu     sync.Mutex
	m      map[impactKey]*impacts
	bytes  int
	max    int // maxImpactBytes; smaller in tests
	clears int // times it forgot everything
}

// maxImpactBytes bounds the cache's memory: a word common in a
// 500,000-document segment takes about 305 KiB there (bounds by 64 and by
// 16 documents, and jump offsets). The million-item benchmark's 26 search
// pages hold 172 entries, 23 MB.
const maxImpactBytes = 64 << 20

func newImpactCache() *impactCache {
	return &impactCache{m: map[impactKey]*impacts{}, max: maxImpactBytes}
}

// of returns the impacts of term in field of seg, whose postings (without
// deleted documents) are pl, scored by ts, computing them if need be.
func (c *impactCache) of(seg segment.Segment, field, term string, pl segment.PostingsList, ts termScorer) (*impacts, error) {
	key := impactKey{seg, field, term, ts.idf, ts.avgDocLength}
	c.mu.Lock()
	imp := c.m[key]
	c.mu.Unlock()
	if imp != nil {
		return imp, nil
	}
	imp = &impacts{best: make([]float64, seg.Count()/impactBlock+1)}
	short := pl.Count() < minImpactPostings
	sat := ts.idf * search.BM25_k1 // as bm25 weights it, ts.idf·k1·weight
	unit := termScorer{boost: ts.boost, idf: ts.idf, weight: 1, avgDocLength: ts.avgDocLength}
	it := pl.Iterator(!short, !short, false, nil)
	hinter, _ := it.(entryHinter)
	if !short {
		imp.sub = make([]float32, seg.Count()/hintBlock+1)
	}
	if !short && hinter != nil {
		imp.off = make([]uint32, seg.Count()/hintBlock+1)
		for h := range imp.off {
			imp.off[h] = noEntry
		}
	}
	for {
		p, err := it.Next()
		if err != nil {
			return nil, err
		}
		if p == nil {
			break
		}
		b := p.Number() / impactBlock
		if short {
			imp.best[b] = sat
			continue
		}
		score := unit.ofPosting(p)
		imp.best[b] = max(imp.best[b], score)
		h := p.Number() / hintBlock
		imp.sub[h] = max(imp.sub[h], roundUp32(score))
		if imp.off != nil && imp.off[h] == noEntry {
			off, ok := hinter.LastEntry()
			if !ok { // deleted documents: no jumps
				imp.off = nil
				continue
			}
			imp.off[h] = uint32(off)
		}
	}
	// A hint block without postings jumps to the next one's first.
	for h := len(imp.off) - 2; h >= 0; h-- {
		if imp.off[h] == noEntry {
			imp.off[h] = imp.off[h+1]
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	size := len(imp.best)*8 + len(imp.sub)*4 + len(imp.off)*4
	if c.bytes+size > c.max {
		clear(c.m)
		c.bytes = 0
		c.clears++
	}
	if c.m[key] == nil {
		c.m[key] = imp
		c.bytes += size
	}
	return imp, nil
}

// roundUp32 is the least float32 no less than x.
func roundUp32(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// blockMaxable reports whether rankByBlocks can rank o's matches: its
// clauses are BM25 terms (bounded by blocks) or Bleve's searchers (walked
// wherever they match), with at least one term.
func blockMaxable(o *orNode) bool {
	terms := 0
	for _, k := range o.kids {
		switch k := k.(type) {
		case *termNode:
			if k.ts.avgDocLength <= 0 {
				return false
			}
			for _, s := range k.segs {
				if _, ok := s.list.(bitmapList); !ok {
					return false
				}
			}
			terms++
		case *searcherNode:
		default:
			return false
		}
	}
	return terms > 0
}

// bitmapList is a zap postings list, which can add its documents to a
// bitmap without decoding anything else.
type bitmapList interface{ OrInto(*roaring.Bitmap) }

// rankByBlocks keeps o's best n matches in h, counting every match with
// tally, and returns how many matched. Scores are o.score's; a block is
// skipped only when no document in it can score above the worst kept
// hit, and a later document never displaces an equal earlier one, so the
// hits are those rankAll would keep.
func rankByBlocks(ctx context.Context, o *orNode, n int, h *docHeap, tally *shardTally, cache *impactCache) (uint64, error) {
	var (
		terms      = make([]*termNode, len(o.kids)) // nil: a Bleve searcher
		imps       = make([]*impacts, len(o.kids))
		first      *termNode
		walked     []int // the clauses that are Bleve's searchers: their matches are added as found
		total      uint64
		theta      = math.Inf(-1) // the worst kept hit's score, once n are kept
		clauses    = float64(len(o.kids))
		segStart   uint64
		bounds     = make([]float64, len(o.kids))
		order      = make([]int, len(o.kids))
		lookupOnly = make([]bool, len(o.kids))
	)
	for i, k := range o.kids {
		if t, ok := k.(*termNode); ok {
			terms[i] = t
			if first == nil {
				first = t
			}
		} else {
			walked = append(walked, i)
		}
	}
	for i := range o.docs {
		o.docs[i] = unstarted
	}
	for si, sg := range first.segs {
		segEnd := sg.end
		if segEnd == segStart {
			continue
		}
		matched := roaring.New() // local numbers
		for i, t := range terms {
			imps[i] = nil
			if t == nil {
				continue
			}
			ts := &t.segs[si]
			ts.list.(bitmapList).OrInto(matched)
			var err error
			if imps[i], err = cache.of(ts.seg, t.field, t.term, ts.list, t.ts); err != nil {
				return 0, err
			}
			ts.imp = imps[i]
		}
		if d := sg.deleted; d != nil {
			matched.AndNot(d)
		}
		// The searchers' matches, as a dense bitset: added to the bitmap
		// one by one, a common phrase's were an eighth of its search.
		var walkedBits []uint64
		if len(walked) > 0 {
			walkedBits = make([]uint64, (segEnd-segStart)/64+1)
		}
		for b := segStart; b < segEnd; b += impactBlock {
			if (b-segStart)%(impactBlock<<12) == 0 && ctx.Err() != nil {
				return 0, ctx.Err()
			}
			bEnd := min(b+impactBlock, segEnd)
			// Each clause's bound in this block: from its impacts, or
			// none for a Bleve searcher, which is walked wherever it
			// matches.
			var all, allCan float64
			for i := range o.kids {
				bounds[i] = math.Inf(1)
				if imps[i] != nil {
					bounds[i] = imps[i].bound((b-segStart)/impactBlock, terms[i].ts.weight)
				}
				if bounds[i] > 0 {
					all += bounds[i]
					allCan++
				}
			}
			// Most blocks of a long list are skipped: that is decided here,
			// before the clauses are sorted. (The margin: the loop below
			// sums in another order.)
			if all*(allCan/clauses)*(1+1e-9) <= theta {
				continue
			}
			// The clauses with the lowest bounds, as long as a document
			// holding only those cannot beat the worst kept hit, are only
			// looked up for documents the others bring (MaxScore within
			// the block, Turtle and Flood 1995). When that is every
			// clause, the block is skipped.
			for i := range order {
				order[i] = i
			}
			slices.SortFunc(order, func(a, b int) int { return cmp.Compare(bounds[a], bounds[b]) })
			clear(lookupOnly)
			var sum, can float64
			skip := true
			for _, i := range order {
				sum += bounds[i]
				// As o.score: the sum times the share of clauses matching,
				// of which those without postings in the block are none.
				if bounds[i] > 0 {
					can++
				}
				if sum*(can/clauses) > theta {
					skip = false
					break
				}
				lookupOnly[i] = true
			}
			lookups := slices.Contains(lookupOnly, true)
			if skip {
				continue
			}
			for d := b; ; {
				cand := uint64(noDoc)
				for i, k := range o.kids {
					if lookupOnly[i] {
						continue
					}
					if o.docs[i] == unstarted || o.docs[i] < d {
						var err error
						if o.docs[i], err = k.next(d); err != nil {
							return 0, err
						}
					}
					cand = min(cand, o.docs[i])
				}
				if cand >= bEnd {
					break
				}
				d = cand + 1
				// The terms' matches are in already; a searcher's are not.
				for _, i := range walked {
					if o.docs[i] == cand {
						l := cand - segStart
						walkedBits[l/64] |= 1 << (l % 64)
						break
					}
				}
				if lookups && !mayBeat(o, cand, cand-segStart, imps, lookupOnly, theta) {
					continue // its lookups could not lift it onto the page
				}
				for i, k := range o.kids {
					if lookupOnly[i] && (o.docs[i] == unstarted || o.docs[i] < cand) {
						var err error
						if o.docs[i], err = k.next(cand); err != nil {
							return 0, err
						}
					}
				}
				o.cur = cand
				h.keep(n, scoredDoc{o.score(), cand})
				if len(*h) == n {
					theta = (*h)[0].score
				}
			}
		}
		if walkedBits != nil {
			matched.Or(roaring.FromDense(walkedBits, false))
		}
		total += matched.GetCardinality()
		tallyMatches(tally, si, matched)
		segStart = segEnd
	}
	return total, nil
}

// mayBeat reports whether cand (local in its segment), on which o's
// clauses that are not only looked up sit where they match, could score
// above theta: what those clauses score there, plus the bounds of the
// ones only looked up on cand's hint block (as o.score, times the share
// of clauses that could match). The margin keeps a sum in another order
// than o.score's from dropping an equal.
func mayBeat(o *orNode, cand, local uint64, imps []*impacts, lookupOnly []bool, theta float64) bool {
	var sum, can float64
	for i, k := range o.kids {
		switch {
		case lookupOnly[i]:
			if x := imps[i].boundAt(local, k.(*termNode).ts.weight); x > 0 {
				sum += x
				can++
			}
		case o.docs[i] == cand:
			sum += k.score()
			can++
		}
	}
	return sum*(can/float64(len(o.kids)))*(1+1e-9) > theta
}

// tallyMatches counts a segment's matches, local numbers in a bitmap.
func tallyMatches(tally *shardTally, si int, matched *roaring.Bitmap) {
	if tally == nil {
		return
	}
	if tally.cq.facets && !tally.cq.quarters {
		// The usual case, a search page's facets, in the tightest loop:
		// a common word's page counts half a million matches. They are
		// read word by word from a dense copy: the bitmap's iterator
		// copied each out to a buffer first, which cost as much as the
		// counting.
		combo, cc := tally.v.cols[si].combo, tally.combos(si)
		for w, word := range matched.ToDense() {
			base := uint32(w) * 64
			for ; word != 0; word &= word - 1 {
				cc[combo[base+uint32(bits.TrailingZeros64(word))]]++
			}
		}
		return
	}
	it := matched.ManyIterator()
	buf := make([]uint32, 1024)
	for got := it.NextMany(buf); got > 0; got = it.NextMany(buf) {
		for _, d := range buf[:got] {
			tally.local(si, uint64(d))
		}
	}
}
