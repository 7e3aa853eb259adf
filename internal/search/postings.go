package search

import (
	"context"
	"math"
	"sort"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/scorer"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// postingsPhraseSearcher finds a phrase by walking each segment's postings
// of the phrase's terms itself: it steps the lists together, checks
// positions straight from the postings and scores a match as Bleve's
// conjunction of term searchers would (the sum of each term's BM25 score).
//
// Bleve's term searchers turn every posting into a TermFieldDoc, then a
// DocumentMatch carrying every location, and the conjunction merges those
// lists before the phrase matcher reads them: for "it was noted that", in
// 44% of the items, that was most of the search. Here a candidate costs
// the postings' decoding and a few comparisons, and only a match becomes a
// DocumentMatch, with no locations.
//
// It serves searches that need no term locations and no explanation;
// those (highlighting, explain) take the filtered conjunction, which
// carries them.
type postingsPhraseSearcher struct {
	m     *phraseMatcher
	segs  []phraseSegment
	terms []termScorer
	count uint64 // documents holding the rarest term: a bound on matches
	score bool

	seg     int                        // current segment
	its     []segment.PostingsIterator // its postings iterators, by term
	cur     []segment.Posting          // each iterator's current posting
	target  uint64                     // local document to look from
	atMatch bool                       // cur all sit on the last match returned
	allowed [][]uint64                 // by segment, the only documents to check (restrict.go); nil: all
	holdAll []uint64                   // the current segment's allowed documents holding every term, dense; nil: not known
}

// phraseSegment is one segment's postings lists of the phrase's terms; nil
// lists when some term is missing there.
type phraseSegment struct {
	offset uint64 // global number of the segment's first document
	lists  []segment.PostingsList
}

// termScorer is one term's share of a match's score, as Bleve's
// TermQueryScorer computes it.
type termScorer struct {
	boost, idf, weight float64
	avgDocLength       float64 // 0 is tf-idf
	// saturation holds BM25's length part, k1·(1−b+b·length/avg), by
	// field length, computed once per length exactly as Bleve computes it
	// from the posting's norm (0: not yet). A zap posting stores the
	// length; its norm is 1/√length, which Bleve turns back into a length
	// for every posting: that and the division were a fifth of a search.
	saturation []float64
}

// lengthPosting is a zap posting, which holds the field's length.
type lengthPosting interface{ NormUint64() uint64 }

// maxSaturation bounds the lengths whose saturation is kept.
const maxSaturation = 1 << 14

// ofPosting is the term's score in the posting's document.
func (t *termScorer) ofPosting(p segment.Posting) float64 {
	lp, ok := p.(lengthPosting)
	if !ok || t.avgDocLength <= 0 {
		return t.of(p.Frequency(), p.Norm())
	}
	length := lp.NormUint64()
	if length >= maxSaturation {
		return t.of(p.Frequency(), p.Norm())
	}
	if t.saturation == nil {
		t.saturation = make([]float64, 256)
	}
	if int(length) >= len(t.saturation) {
		t.saturation = append(t.saturation, make([]float64, int(length)+1-len(t.saturation)+len(t.saturation)/2)...)
	}
	x := t.saturation[length]
	if x == 0 {
		x = t.lengthPart(p.Norm())
		t.saturation[length] = x
	}
	return t.bm25(p.Frequency(), x)
}

// lengthPart is BM25's k1·(1−b+b·length/avg) for a field of norm
// 1/√length, as Bleve's TermQueryScorer computes it.
func (t *termScorer) lengthPart(norm float64) float64 {
	length := 1 / (norm * norm)
	return search.BM25_k1 * (1 - search.BM25_b + search.BM25_b*length/t.avgDocLength)
}

// bm25 is the term's BM25 score, weighted, for freq occurrences in a
// field whose length part is x.
func (t *termScorer) bm25(freq uint64, x float64) float64 {
	var tf float64
	if freq < scorer.MaxSqrtCache {
		tf = scorer.SqrtCache[freq]
	} else {
		tf = math.Sqrt(float64(freq))
	}
	s := t.idf * (tf * search.BM25_k1) / (tf + x)
	if t.weight != 1 {
		s *= t.weight
	}
	return s
}

// newPostingsPhraseSearcher returns the searcher, or ok false when r is not
// a scorch snapshot.
func newPostingsPhraseSearcher(ctx context.Context, r index.IndexReader, m *phraseMatcher, boost float64, opts search.SearcherOptions) (s search.Searcher, ok bool, err error) {
	snap, isSnap := r.(*scorch.IndexSnapshot)
	if !isSnap || snap == nil {
		return nil, false, nil
	}
	ps := &postingsPhraseSearcher{m: m, score: opts.Score != "none", terms: make([]termScorer, len(m.uniq))}
	if a, ok := ctx.Value(allowedKey{}).(*allowedDocs); ok && a.snap == snap {
		if ps.allowed, err = a.docs(); err != nil {
			return nil, true, err
		}
	}
	docTerm := make([]uint64, len(m.uniq))
	var offset uint64
	for _, ss := range snap.Segments() {
		seg := ss.Segment()
		dict, err := seg.Dictionary(m.field)
		if err != nil {
			return nil, true, err
		}
		lists := make([]segment.PostingsList, len(m.uniq))
		for i, t := range m.uniq {
			pl, err := dict.PostingsList([]byte(t), deletedIn(ss), nil)
			if err != nil {
				return nil, true, err
			}
			n := pl.Count()
			docTerm[i] += n
			if n == 0 {
				lists = nil
			}
			if lists != nil {
				lists[i] = pl
			}
		}
		ps.segs = append(ps.segs, phraseSegment{offset: offset, lists: lists})
		offset += seg.Count() // scorch's own offsets count deleted documents too
	}
	for range m.uniq {
		if err := search.RecordTermSearcher(ctx); err != nil {
			return nil, true, err
		}
	}
	docTotal, avg, err := scoreStats(ctx, r, m.field)
	if err != nil {
		return nil, true, err
	}
	ps.count = math.MaxUint64
	for i := range m.uniq {
		ps.terms[i] = termScorer{boost: boost, idf: idf(docTotal, docTerm[i], avg), weight: 1, avgDocLength: avg}
		ps.count = min(ps.count, docTerm[i])
	}
	// As the conjunction it stands for normalises its term searchers when
	// it is made (an enclosing query may normalise again).
	ps.SetQueryNorm(1 / math.Sqrt(ps.Weight()))
	ps.its = make([]segment.PostingsIterator, len(m.uniq))
	ps.cur = make([]segment.Posting, len(m.uniq))
	ps.open(0)
	return ps, true, nil
}

// scoreStats are the document count and (for BM25) average field length a
// Bleve term searcher would score with.
func scoreStats(ctx context.Context, r index.IndexReader, field string) (docTotal uint64, avg float64, err error) {
	model := ""
	if f, ok := ctx.Value(search.GetScoringModelCallbackKey).(search.GetScoringModelCallbackFn); ok {
		model = f()
	}
	if model != index.BM25Scoring {
		docTotal, err = r.DocCount()
		return docTotal, 0, err
	}
	var card int
	if st, ok := ctx.Value(search.BM25StatsKey).(*search.BM25Stats); ok {
		docTotal, card = uint64(st.DocCount), st.FieldCardinality[field]
	} else {
		if docTotal, err = r.DocCount(); err != nil {
			return 0, 0, err
		}
		if br, ok := r.(index.BM25Reader); ok {
			if card, err = br.FieldCardinality(field); err != nil {
				return 0, 0, err
			}
		}
	}
	if docTotal == 0 {
		return 0, 0, nil
	}
	return docTotal, math.Ceil(float64(card) / float64(docTotal)), nil
}

func idf(docTotal, docTerm uint64, avg float64) float64 {
	if avg > 0 {
		return math.Log(1 + (float64(docTotal)-float64(docTerm)+0.5)/(float64(docTerm)+0.5))
	}
	return 1 + math.Log(float64(docTotal)/float64(docTerm+1))
}

// of is the term's score in a document where it occurs freq times in a
// field of norm 1/sqrt(length).
func (t *termScorer) of(freq uint64, norm float64) float64 {
	if t.avgDocLength > 0 {
		return t.bm25(freq, t.lengthPart(norm))
	}
	s := math.Sqrt(float64(freq)) * norm * t.idf
	if t.weight != 1 {
		s *= t.weight
	}
	return s
}

// open starts segment i's iterators (none when it lacks a term).
func (s *postingsPhraseSearcher) open(i int) {
	s.seg, s.target, s.atMatch = i, 0, false
	for j := range s.its {
		s.its[j], s.cur[j] = nil, nil
	}
	s.holdAll = nil
	if i < len(s.segs) && s.segs[i].lists != nil {
		for j, pl := range s.segs[i].lists {
			s.its[j] = pl.Iterator(s.score, s.score, true, nil)
			if po, ok := s.its[j].(positionsOnly); ok {
				po.PositionsOnly()
			}
		}
		// Under filters, the terms step only to the allowed documents that
		// hold them all. Stepped to every allowed document in turn, they
		// read the locations of each posting passed: "special educational
		// needs" in a council since 2018 advanced them 22,343 times for
		// 267 matches, now 910. Unfiltered, the terms' own steps already
		// find the documents holding them all (56,296 checked for 55,727
		// matches of "elective home education"), so none is made.
		if s.allowed != nil {
			groups := make([][]segment.PostingsList, len(s.segs[i].lists))
			for j, pl := range s.segs[i].lists {
				groups[j] = []segment.PostingsList{pl}
			}
			if all, ok := inEveryGroup(groups); ok {
				n := min(len(all), len(s.allowed[i]))
				for w, a := range s.allowed[i][:n] {
					all[w] &= a
				}
				s.holdAll = all[:n]
			}
		}
	}
}

func (s *postingsPhraseSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	return s.find(ctx)
}

// Advance returns the first match at or after id.
func (s *postingsPhraseSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	doc := id.Value()
	i := sort.Search(len(s.segs), func(x int) bool { return s.segs[x].offset > doc }) - 1
	if i < 0 {
		i = 0
	}
	local := doc - s.segs[i].offset
	switch {
	case i > s.seg:
		s.open(i)
		s.target = local
	case i == s.seg && local >= s.target:
		s.target = local
	case i == s.seg && s.atMatch && local == s.target-1:
		// The last match again: the iterators still sit on it.
		return s.matchHere(ctx), nil
	default:
		// Backwards, which Bleve's own readers allow: start the segment
		// over.
		s.open(i)
		s.target = local
	}
	return s.find(ctx)
}

// find returns the first match at or after the target, moving on through
// the segments; nil when there is none.
func (s *postingsPhraseSearcher) find(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	for s.seg < len(s.segs) {
		if s.its[0] != nil {
			found, err := s.align()
			if err != nil {
				return nil, err
			}
			if found {
				return s.matchHere(ctx), nil
			}
		}
		s.open(s.seg + 1)
	}
	return nil, nil
}

// align moves the iterators to the first document at or after the target
// holding every term at the phrase's positions, and reports whether there
// is one in this segment.
func (s *postingsPhraseSearcher) align() (bool, error) {
	s.atMatch = false
	for {
		set := s.holdAll
		if set == nil && s.allowed != nil {
			set = s.allowed[s.seg]
		}
		if set != nil {
			next, ok := nextAllowed(set, s.target)
			if !ok {
				return false, nil
			}
			s.target = next
		}
		agreed := true
		for j, it := range s.its {
			if p := s.cur[j]; p == nil || p.Number() < s.target {
				np, err := it.Advance(s.target)
				if err != nil || np == nil {
					return false, err
				}
				s.cur[j] = np
			}
			if n := s.cur[j].Number(); n > s.target {
				s.target, agreed = n, false
			}
		}
		if !agreed {
			continue
		}
		s.target++ // past this document, match or not
		if s.positionsMatch() {
			s.atMatch = true
			return true, nil
		}
	}
}

// positionsMatch checks the phrase against the current postings'
// positions.
func (s *postingsPhraseSearcher) positionsMatch() bool {
	m := s.m
	for j, p := range s.cur {
		m.pos[j] = m.pos[j][:0]
		if pp, ok := p.(positionsPosting); ok {
			m.pos[j] = pp.Positions(m.pos[j])
			continue
		}
		for _, l := range p.Locations() {
			m.pos[j] = append(m.pos[j], l.Pos())
		}
	}
	return m.match()
}

// positionsOnly is the patched zap's iterator that reads a posting's
// locations only as positions, and only when asked (third_party/zapx):
// decoding every location in full, for every candidate, was a sixth of
// the page for "elective home education" in quotes.
type positionsOnly interface{ PositionsOnly() }

// positionsPosting is such an iterator's posting.
type positionsPosting interface {
	Positions(dst []uint64) []uint64
}

// matchHere is the match the iterators sit on, scored.
func (s *postingsPhraseSearcher) matchHere(ctx *search.SearchContext) *search.DocumentMatch {
	d := ctx.DocumentMatchPool.Get()
	d.IndexInternalID = index.NewIndexInternalID(d.IndexInternalID, s.segs[s.seg].offset+s.cur[0].Number())
	if s.score {
		var sum float64
		for j, p := range s.cur {
			sum += s.terms[j].ofPosting(p)
		}
		d.Score = sum
	}
	return d
}

func (s *postingsPhraseSearcher) Weight() float64 {
	var w float64
	for _, t := range s.terms {
		w += (t.boost * t.idf) * (t.boost * t.idf)
	}
	return w
}

func (s *postingsPhraseSearcher) SetQueryNorm(qnorm float64) {
	for i := range s.terms {
		s.terms[i].weight = s.terms[i].boost * s.terms[i].idf * qnorm
	}
}

func (s *postingsPhraseSearcher) Count() uint64              { return s.count }
func (s *postingsPhraseSearcher) Min() int                   { return 0 }
func (s *postingsPhraseSearcher) Size() int                  { return 256 + 64*len(s.segs)*len(s.terms) }
func (s *postingsPhraseSearcher) DocumentMatchPoolSize() int { return 1 }
func (s *postingsPhraseSearcher) Close() error               { return nil }
