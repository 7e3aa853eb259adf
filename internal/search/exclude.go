package search

import "github.com/RoaringBitmap/roaring/v2"

// A must-not clause only says which documents are out: its scores and
// locations are never used. When it is made of terms (`-budget`, or
// `-(agency OR interim)`), its documents are the union and intersection
// of the terms' posting bitmaps, which zap holds ready; stepping the
// terms' postings instead decoded a frequency and a norm for each of the
// must clause's matches, and `budget` is in four items of ten.

// docSet is a set of one shard's documents: a bitmap of local numbers
// per segment. Lookups go in document order.
type docSet struct {
	ends []uint64          // each segment's end, in the shard's numbering
	bms  []*roaring.Bitmap // nil: no document of the segment
	seg  int               // the segment of the last lookup
}

// has reports whether doc is in the set; doc never goes back.
func (s *docSet) has(doc uint64) bool {
	for s.seg < len(s.ends) && doc >= s.ends[s.seg] {
		s.seg++
	}
	if s.seg == len(s.ends) || s.bms[s.seg] == nil {
		return false
	}
	var start uint64
	if s.seg > 0 {
		start = s.ends[s.seg-1]
	}
	return s.bms[s.seg].Contains(uint32(doc - start))
}

// docSetOf is the documents n matches, when n is terms combined by
// disjunctions and conjunctions (ok false otherwise).
func docSetOf(n node) (*docSet, bool) {
	switch n := n.(type) {
	case *termNode:
		s := &docSet{ends: make([]uint64, len(n.segs)), bms: make([]*roaring.Bitmap, len(n.segs))}
		for i, sg := range n.segs {
			s.ends[i] = sg.end
			if sg.list == nil { // a segment the search does not look at
				continue
			}
			bl, ok := sg.list.(bitmapList)
			if !ok {
				return nil, false
			}
			s.bms[i] = roaring.New()
			bl.OrInto(s.bms[i])
		}
		return s, true
	case *orNode:
		return combine(n.kids, (*roaring.Bitmap).Or)
	case *andNode:
		return combine(n.kids, (*roaring.Bitmap).And)
	}
	return nil, false
}

// combine folds the kids' sets, segment by segment, with op.
func combine(kids []node, op func(a, b *roaring.Bitmap)) (*docSet, bool) {
	var out *docSet
	for _, k := range kids {
		s, ok := docSetOf(k)
		if !ok {
			return nil, false
		}
		if out == nil {
			out = s
			continue
		}
		for i, bm := range s.bms {
			switch {
			case out.bms[i] == nil || bm == nil:
				// A segment the search does not look at, in every kid.
				out.bms[i] = nil
			default:
				op(out.bms[i], bm)
			}
		}
	}
	return out, out != nil
}
