package search

import (
	"context"
	"fmt"
	"math"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// rankByBlocks (blockmax.go) takes a disjunction of terms. Any other tree
// of terms, disjunctions, conjunctions and must-not clauses (`school
// transport`, `elective home education`, `housing OR transport`, `(SEND
// OR EHCP) -budget`) was scored match by match, though a page keeps 20
// of tens of thousands. Here such a tree is bounded by block the way a
// term is: a disjunction's bound is the sum of its clauses' bounds times
// the share of them that can match in the block, a conjunction's the sum
// when every clause can match there (else 0), and a must-not clause's
// its must clause's. The sums run in the order the scores sum, and
// rounding is monotone, so no match scores above its block's bound. A
// second bound leaves out the sparse terms (treeBlocks), as MaxScore
// leaves out a disjunction's weak clauses in rankByBlocks. The matches
// themselves, for the total and the facets, are the terms' posting
// bitmaps combined, as exclude.go combines a must-not clause's.

// treeBoundable reports whether rankTreeByBlocks can rank n: every leaf
// is a BM25 term whose postings are zap bitmaps, and every must-not
// clause is a set of documents.
func treeBoundable(n node) bool {
	switch n := n.(type) {
	case *termNode:
		if n.ts.avgDocLength <= 0 {
			return false
		}
		for _, s := range n.segs {
			if _, ok := s.list.(bitmapList); s.list != nil && !ok {
				return false
			}
		}
		return true
	case *orNode:
		return allBoundable(n.kids)
	case *andNode:
		return allBoundable(n.kids)
	case *notNode:
		return n.out != nil && treeBoundable(n.must)
	case noneNode:
		return true
	}
	return false
}

func allBoundable(kids []node) bool {
	for _, k := range kids {
		if !treeBoundable(k) {
			return false
		}
	}
	return true
}

// treeBlocks is a node's bounds on each block of one segment and its
// matches there (local numbers, deleted documents included).
//
// A word's title postings are few but score high (titles are short and
// boosted), so nearly every block of a common word holds one and keeps
// its bound above the page's worst hit. rest is the bound for the
// documents holding none of the sparse terms (each in at most one
// document of sparseShare of its segment), which are in sparse: in a
// block whose rest is too low to make the page, only those are scored.
type treeBlocks struct {
	bound  []float64
	rest   []float64
	bits   *roaring.Bitmap
	sparse *roaring.Bitmap
}

// sparseShare: a term in at most one document of this many of its
// segment is sparse.
const sparseShare = 16

// boundsIn computes n's treeBlocks in segment si, which has docs
// documents; n is treeBoundable.
func boundsIn(n node, si int, docs uint64, cache *impactCache) (treeBlocks, error) {
	blocks := int(docs/impactBlock) + 1
	out := treeBlocks{bound: make([]float64, blocks), rest: make([]float64, blocks), bits: roaring.New(), sparse: roaring.New()}
	switch n := n.(type) {
	case *termNode:
		sg := &n.segs[si]
		if sg.list == nil {
			return out, nil
		}
		sg.list.(bitmapList).OrInto(out.bits)
		if out.bits.IsEmpty() {
			return out, nil
		}
		imp, err := cache.of(sg.seg, n.field, n.term, sg.list, n.ts)
		if err != nil {
			return out, err
		}
		sg.imp, sg.holds = imp, out.bits.ToDense()
		for b := range out.bound {
			out.bound[b] = imp.bound(uint64(b), n.ts.weight)
		}
		if out.bits.GetCardinality()*sparseShare <= docs {
			out.sparse.Or(out.bits) // rest stays 0: no such document holds it
		} else {
			copy(out.rest, out.bound)
		}
	case *orNode:
		can := make([]uint16, blocks)     // clauses that can match, by block
		canRest := make([]uint16, blocks) // and without a sparse term
		for _, k := range n.kids {
			kb, err := boundsIn(k, si, docs, cache)
			if err != nil {
				return out, err
			}
			out.bits.Or(kb.bits)
			out.sparse.Or(kb.sparse)
			sumIfAny(out.bound, can, kb.bound)
			sumIfAny(out.rest, canRest, kb.rest)
		}
		scaleByShare(out.bound, can, len(n.kids))
		scaleByShare(out.rest, canRest, len(n.kids))
	case *andNode:
		for i, k := range n.kids {
			kb, err := boundsIn(k, si, docs, cache)
			if err != nil {
				return out, err
			}
			if i == 0 {
				out.bits = kb.bits
			} else {
				out.bits.And(kb.bits)
			}
			out.sparse.Or(kb.sparse)
			sumIfAll(out.bound, kb.bound, i == 0)
			sumIfAll(out.rest, kb.rest, i == 0)
		}
	case *notNode:
		mb, err := boundsIn(n.must, si, docs, cache)
		if err != nil {
			return out, err
		}
		out = mb
		if bm := n.out.bms[si]; bm != nil {
			out.bits.AndNot(bm)
		}
	case noneNode:
	default:
		return out, fmt.Errorf("search: %T has no block bounds", n)
	}
	return out, nil
}

// sumIfAny adds a disjunction's next clause's bounds to acc, block by
// block, counting in can the clauses that can match there.
func sumIfAny(acc []float64, can []uint16, clause []float64) {
	for b, x := range clause {
		if x > 0 {
			acc[b] += x
			can[b]++
		}
	}
}

// scaleByShare multiplies a disjunction's summed bounds by the share of
// its clauses that can match in each block, as orNode.score scales a
// score by the share that match.
func scaleByShare(acc []float64, can []uint16, clauses int) {
	for b, c := range can {
		acc[b] *= float64(c) / float64(clauses)
	}
}

// sumIfAll adds a conjunction's next clause's bounds to acc, block by
// block; a block where any clause has none (0) has none.
func sumIfAll(acc, clause []float64, first bool) {
	for b, x := range clause {
		if x == 0 || (!first && acc[b] == 0) {
			acc[b] = 0
		} else {
			acc[b] += x
		}
	}
}

// holdsBound is the most a document of segment si (local there) can
// score under n, checked before the tree is stepped to it: boundsIn's
// bound on the document's hint block, counting only the terms with a
// posting in the document, so that a disjunction's bound is the sum of
// the clauses that match it times their share, as its score is. (A bound
// by hint block alone also counted a title in the block holding another
// word: housing OR transport scored ten times the documents.) The sums
// restate boundsIn's for one document: a change to one belongs in the
// other.
func holdsBound(n node, si int, local uint64) float64 {
	switch n := n.(type) {
	case *termNode:
		sg := &n.segs[si]
		if sg.imp == nil || local/64 >= uint64(len(sg.holds)) || sg.holds[local/64]&(1<<(local%64)) == 0 {
			return 0
		}
		return sg.imp.boundAt(local, n.ts.weight)
	case *orNode:
		var sum float64
		can := 0
		for _, k := range n.kids {
			if x := holdsBound(k, si, local); x > 0 {
				sum += x
				can++
			}
		}
		return sum * (float64(can) / float64(len(n.kids)))
	case *andNode:
		var sum float64
		for _, k := range n.kids {
			x := holdsBound(k, si, local)
			if x == 0 {
				return 0
			}
			sum += x
		}
		return sum
	case *notNode:
		return holdsBound(n.must, si, local)
	case noneNode:
		return 0
	}
	return math.Inf(1)
}

// rankTreeByBlocks keeps root's best n matches in h, counting every match
// with tally, and returns how many matched; root is treeBoundable. Blocks
// go in document order and one is skipped only when its bound is no more
// than the worst kept hit's score, so ties keep the earlier document and
// the hits are those rankAll would keep.
func rankTreeByBlocks(ctx context.Context, root node, snap *scorch.IndexSnapshot, n int, h *docHeap, tally *shardTally, cache *impactCache) (uint64, error) {
	var total, segStart uint64
	theta := -1.0 // no score is negative: nothing is skipped until n are kept
	score := func(si int, local uint32) error {
		if theta >= 0 && holdsBound(root, si, uint64(local))*(1+1e-9) <= theta {
			return nil // not even the bound of the terms it holds makes the page
		}
		doc := segStart + uint64(local)
		got, err := root.next(doc)
		if err != nil {
			return err
		}
		if got != doc {
			return fmt.Errorf("search: a match of the bitmaps, %d, is not one of the query's (%d)", doc, got)
		}
		h.keep(n, scoredDoc{root.score(), doc})
		if len(*h) == n {
			theta = (*h)[0].score
		}
		return nil
	}
	for si, ss := range snap.Segments() {
		count := ss.Segment().Count()
		tb, err := boundsIn(root, si, count, cache)
		if err != nil {
			return 0, err
		}
		if d := deletedIn(ss); d != nil {
			tb.bits.AndNot(d)
		}
		total += tb.bits.GetCardinality()
		tallyMatches(tally, si, tb.bits)
		few := roaring.And(tb.bits, tb.sparse).Iterator() // the matches holding a sparse term
		it := tb.bits.Iterator()
		for steps := 0; it.HasNext(); steps++ {
			if steps%4096 == 0 && ctx.Err() != nil {
				return 0, ctx.Err()
			}
			local := it.PeekNext()
			block := local / impactBlock
			blockEnd := (block + 1) * impactBlock
			switch {
			case tb.bound[block] <= theta:
			case tb.rest[block] <= theta:
				few.AdvanceIfNeeded(local)
				for few.HasNext() && few.PeekNext() < blockEnd {
					if err := score(si, few.Next()); err != nil {
						return 0, err
					}
				}
			default:
				for it.HasNext() && it.PeekNext() < blockEnd {
					if err := score(si, it.Next()); err != nil {
						return 0, err
					}
				}
			}
			it.AdvanceIfNeeded(blockEnd)
		}
		segStart += count
	}
	return total, nil
}
