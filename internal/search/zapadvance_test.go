package search_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// posting is what a zap posting says of one document.
type posting struct {
	num, freq uint64
	norm      float64
	locs      string
}

func read(p segment.Posting) posting {
	var locs []string
	for _, l := range p.Locations() {
		locs = append(locs, fmt.Sprintf("%d:%d-%d", l.Pos(), l.Start(), l.End()))
	}
	return posting{p.Number(), p.Frequency(), p.Norm(), strings.Join(locs, " ")}
}

// positioned is the patched zap's iterator that decodes positions alone,
// on demand (positions.go).
type positioned interface{ PositionsOnly() }

// readPositions is what a posting says with its locations' positions
// alone: through Positions on a positions-only iterator's posting, else
// from its locations.
func readPositions(t *testing.T, p segment.Posting, positionsOnly bool) posting {
	var pos []uint64
	if positionsOnly {
		if len(p.Locations()) > 0 {
			t.Fatalf("document %d: a positions-only posting decoded its locations", p.Number())
		}
		pos = p.(interface{ Positions([]uint64) []uint64 }).Positions(nil)
	} else {
		for _, l := range p.Locations() {
			pos = append(pos, l.Pos())
		}
	}
	return posting{p.Number(), p.Frequency(), p.Norm(), fmt.Sprint(pos)}
}

// hinter is the patched zap's jump to a noted posting (hint.go).
type hinter interface {
	LastEntry() (int, bool)
	AdvanceFrom(atOrAfter, start uint64, offset int) (segment.Posting, error)
}

// TestAdvanceAgreesWithNext checks the patched zap (third_party/zapx):
// advancing a postings iterator to any target, near or many chunks away,
// with or without locations, and without them also by AdvanceFrom from a
// posting noted on the way, finds the posting that stepping through
// every posting finds, with the same frequency, norm and locations, and
// stepping on from there goes on as it would have. An iterator that
// reads positions only (PositionsOnly) must give the positions of the
// locations a plain one decodes.
func TestAdvanceAgreesWithNext(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	m := bleve.NewIndexMapping()
	ix, err := bleve.New(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	// One batch, one segment: "common" in six documents of seven, many
	// chunks of postings; "sparse" in one of forty.
	b := ix.NewBatch()
	for i := range 9000 {
		var words []string
		for j := range i%5 + 3 {
			words = append(words, fmt.Sprintf("w%d", (i*7+j)%13))
		}
		if i%7 != 0 {
			for range i%3 + 1 {
				words = append(words, "common")
			}
		}
		if i%40 == 3 {
			words = append(words, "sparse")
		}
		if err := b.Index(fmt.Sprintf("d%05d", i), map[string]any{"body": strings.Join(words, " ")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Batch(b); err != nil {
		t.Fatal(err)
	}
	adv, err := ix.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	snap := r.(*scorch.IndexSnapshot)
	rng := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for _, ss := range snap.Segments() {
		seg := ss.Segment()
		dict, err := seg.Dictionary("body")
		if err != nil {
			t.Fatal(err)
		}
		for _, term := range []string{"common", "sparse"} {
			pl, err := dict.PostingsList([]byte(term), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, mode := range []struct{ locs, hinted, positions bool }{{false, false, false}, {true, false, false}, {false, true, false}, {true, false, true}} {
				locs := mode.locs
				// A positions-only iterator is checked against the
				// positions of a plain one's locations.
				readAs := read
				if mode.positions {
					readAs = func(p segment.Posting) posting { return readPositions(t, p, true) }
				}
				var all []posting
				var offsets []int // where each posting's entry begins, for AdvanceFrom
				it := pl.Iterator(true, true, locs, nil)
				for p, err := it.Next(); p != nil || err != nil; p, err = it.Next() {
					if err != nil {
						t.Fatal(err)
					}
					if mode.positions {
						all = append(all, readPositions(t, p, false))
						continue
					}
					all = append(all, read(p))
					if mode.hinted {
						off, ok := it.(hinter).LastEntry()
						if !ok && len(all) > 1 {
							t.Fatalf("%s: no entry offsets on a clean list of %d", term, len(all))
						}
						offsets = append(offsets, off)
					}
				}
				if term == "common" && len(all) < 5000 {
					t.Fatalf("%q has %d postings in a segment: too few for several chunks", term, len(all))
				}
				for round := range 200 {
					it := pl.Iterator(true, true, locs, nil)
					if mode.positions {
						it.(positioned).PositionsOnly()
					}
					target := uint64(0)
					for {
						// Steps short and long, and now and then a plain Next.
						if rng.IntN(4) == 0 {
							target += uint64(rng.IntN(3000))
						} else {
							target += uint64(rng.IntN(20))
						}
						want := slices.IndexFunc(all, func(p posting) bool { return p.num >= target })
						var p segment.Posting
						var err error
						if mode.hinted {
							// From the first posting at or after a document
							// up to 64 before the target.
							start := target - min(target, uint64(rng.IntN(64)))
							off := 1 << 30 // none: AdvanceFrom must not read it
							if f := slices.IndexFunc(all, func(p posting) bool { return p.num >= start }); f >= 0 {
								off = offsets[f]
							}
							p, err = it.(hinter).AdvanceFrom(target, start, off)
						} else {
							p, err = it.Advance(target)
						}
						if err != nil {
							t.Fatal(err)
						}
						if want < 0 {
							if p != nil {
								t.Fatalf("%s %+v round %d: Advance(%d) = %d, want none", term, mode, round, target, p.Number())
							}
							break
						}
						if got := readAs(p); got != all[want] {
							t.Fatalf("%s %+v round %d: Advance(%d) = %+v, want %+v", term, mode, round, target, got, all[want])
						}
						checked++
						if rng.IntN(3) == 0 && want+1 < len(all) {
							p, err := it.Next()
							if err != nil || p == nil {
								t.Fatalf("Next after %d: %v, %v", all[want].num, p, err)
							}
							if got := readAs(p); got != all[want+1] {
								t.Fatalf("%s %+v: Next after %d = %+v, want %+v", term, mode, all[want].num, got, all[want+1])
							}
							want++
						}
						target = all[want].num + 1
					}
				}
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d postings checked", checked)
	}
}
