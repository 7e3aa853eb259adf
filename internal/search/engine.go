package search

import (
	"container/heap"
	"context"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	"golang.org/x/sync/errgroup"
)

// The ranked search of a search page runs here rather than through
// Bleve's collector. Profiles of the search pages at 100,000 and 1,000,000
// items put most of their time in walking the matches: Bleve turns every
// posting into a TermFieldDoc and then a DocumentMatch, which each term,
// disjunction, conjunction, filter and the collector pass on in turn. Here
// terms, disjunctions, conjunctions and booleans are plain structs that
// step the segments' postings themselves and hand on a document number and
// a score; facets are counted and the best hits kept in the same loop.
// Any other query (phrases, prefixes, date filters, ...) is Bleve's own
// searcher, stepped the same way.
//
// Scores are Bleve's to the bit for the same tree: the same BM25 formula,
// query norm, coordination factor, order of summing and tie rule (the
// earlier document first). TestRanking and the other whole-search
// comparisons with Bleve's way check it.

// noDoc is a node's position once it has no more matches.
const noDoc = math.MaxUint64

// node is one query of the tree, stepping through its matches in order of
// document number (the shard's numbering, across its segments).
type node interface {
	// next moves to the first match at or after target, if the node is not
	// already there, and returns it (noDoc when there is none). Targets
	// never go backwards.
	next(target uint64) (uint64, error)
	score() float64 // the current match's score
	weight() float64
	setNorm(float64)
	count() uint64 // Bleve's Count: a conjunction steps the rarest first
	close()
	// at and locate serve a page's snippets (page.go).
	at(doc uint64) (bool, error)
	locate(add locating)
}

// ranked is one shard's part of a ranked search.
type ranked struct {
	best  []scoredDoc // by score, then document number
	total uint64
	r     index.IndexReader // the snapshot ranked, open until the page is read
	b     *planner
	v     *colView // its columns: which segment holds a document
}

type scoredDoc struct {
	score float64
	doc   uint64
}

// byScore finds matches from..from+size of q by score, over every shard,
// counting facets as it goes when counting is set, and reads the page's
// items from the snapshots ranked, with snippets when snip is set.
func (ix *Index) byScore(ctx context.Context, q bq.Query, counting *countingQuery, snip *snippets, text string, from, size int) (*Result, error) {
	start := time.Now()
	n := from + size
	parts := ix.idx.parts
	results := make([]*ranked, len(parts))
	defer func() {
		for _, r := range results {
			if r != nil {
				r.r.Close()
			}
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	for i, p := range parts {
		g.Go(func() (err error) {
			results[i], err = rankShard(gctx, p, q, n, ix.cols, ix.impacts, counting)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	type fromShard struct {
		scoredDoc
		shard int
	}
	out := &Result{Query: text}
	var all []fromShard
	for i, r := range results {
		out.Total += r.total
		for _, d := range r.best {
			all = append(all, fromShard{d, i})
		}
	}
	// By score, then document number, then shard (the sort is stable), as
	// shards.search merges Bleve's results: each shard's are its first n
	// in that order, so the first n overall are among them.
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].score != all[j].score {
			return all[i].score > all[j].score
		}
		return all[i].doc < all[j].doc
	})
	all = all[:min(len(all), n)]
	all = all[min(from, len(all)):]
	docs := make([][]uint64, len(parts)) // each shard's items on the page
	for _, d := range all {
		docs[d.shard] = append(docs[d.shard], d.doc)
	}
	hits := make([]map[uint64]Hit, len(parts))
	g, _ = errgroup.WithContext(ctx)
	for i, ds := range docs {
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		g.Go(func() (err error) {
			hits[i], err = results[i].pageOf(ctx, q, ds, snip)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out.Hits = make([]Hit, len(all))
	for i, d := range all {
		out.Hits[i] = hits[d.shard][d.doc]
		out.Hits[i].Score = d.score
	}
	out.Took = time.Since(start)
	return out, nil
}

// rankShard is one shard's ranked search on a snapshot of it.
func rankShard(ctx context.Context, p bleve.Index, q bq.Query, n int, cols *columns, impacts *impactCache, counting *countingQuery) (*ranked, error) {
	adv, err := p.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	kept := false
	defer func() {
		if !kept {
			r.Close()
		}
	}()
	snap, isSnap := r.(*scorch.IndexSnapshot)
	if !isSnap || snap == nil {
		return nil, errNoColumns
	}
	v, ok, err := cols.view(r)
	if err == nil && !ok {
		err = errNoColumns
	}
	if err != nil {
		return nil, err
	}
	b := &planner{ctx: withScoringModel(ctx, p.Mapping()), snap: snap, m: p.Mapping()}
	root, err := b.node(q)
	if err != nil {
		return nil, err
	}
	defer root.close()
	if _, leaf := root.(*termNode); !leaf {
		if _, wrapped := root.(*searcherNode); !wrapped {
			// Bleve's composite searchers normalise the whole tree by the
			// root's weight; a lone term is not normalised.
			root.setNorm(1 / math.Sqrt(root.weight()))
		}
	}

	var (
		res   = &ranked{r: r, b: b, v: v}
		h     = &docHeap{}
		tally *shardTally
	)
	if counting != nil {
		tally = counting.tally(v)
	}
	if o, ok := root.(*orNode); ok && blockMaxable(o) {
		res.total, err = rankByBlocks(ctx, o, n, h, tally, impacts)
	} else if treeBoundable(root) {
		res.total, err = rankTreeByBlocks(ctx, root, snap, n, h, tally, impacts)
	} else {
		res.total, err = rankAll(ctx, root, n, h, tally)
	}
	if err != nil {
		return nil, err
	}
	res.best = make([]scoredDoc, len(*h))
	for i := len(res.best) - 1; i >= 0; i-- {
		res.best[i] = heap.Pop(h).(scoredDoc)
	}
	if tally != nil {
		tally.add()
	}
	kept = true
	return res, nil
}

// withScoringModel tells searchers the index's scoring model, as Bleve's
// own search does.
func withScoringModel(ctx context.Context, m mapping.IndexMapping) context.Context {
	model := index.DefaultScoringModel
	if im, ok := m.(*mapping.IndexMappingImpl); ok && im.ScoringModel == index.BM25Scoring {
		model = index.BM25Scoring
	}
	return context.WithValue(ctx, search.GetScoringModelCallbackKey, search.GetScoringModelCallbackFn(func() string { return model }))
}

// rankAll keeps root's best n matches in h, scoring and counting every
// match, and returns how many matched.
func rankAll(ctx context.Context, root node, n int, h *docHeap, tally *shardTally) (total uint64, err error) {
	for d := uint64(0); ; d++ {
		if d, err = root.next(d); err != nil {
			return 0, err
		}
		if d == noDoc {
			return total, nil
		}
		total++
		if total%4096 == 0 && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if tally != nil {
			tally.doc(d)
		}
		h.keep(n, scoredDoc{root.score(), d})
	}
}

// keep adds m if it is among the best n so far. Matches come in document
// order, so a tie keeps the earlier document.
func (h *docHeap) keep(n int, m scoredDoc) {
	if len(*h) < n {
		heap.Push(h, m)
	} else if m.score > (*h)[0].score {
		(*h)[0] = m
		heap.Fix(h, 0)
	}
}

// docHeap holds the best matches with the worst on top: lowest score,
// then highest document number.
type docHeap []scoredDoc

func (h docHeap) Len() int { return len(h) }
func (h docHeap) Less(i, j int) bool {
	if h[i].score != h[j].score {
		return h[i].score < h[j].score
	}
	return h[i].doc > h[j].doc
}
func (h docHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *docHeap) Push(x any)   { *h = append(*h, x.(scoredDoc)) }
func (h *docHeap) Pop() any {
	x := (*h)[len(*h)-1]
	*h = (*h)[:len(*h)-1]
	return x
}

// planner turns a query into nodes over one shard snapshot, mirroring
// what each query's Bleve Searcher would build.
type planner struct {
	ctx  context.Context
	snap *scorch.IndexSnapshot
	m    mapping.IndexMapping
	// For a page's snippets (page.go): the nodes read term locations, and
	// only the segments marked in only.
	locs bool
	only []bool
}

func (b *planner) node(q bq.Query) (node, error) {
	switch q := q.(type) {
	case *bq.TermQuery:
		return b.term(q.Field(), q.Term, q.Boost())
	case *bq.MatchNoneQuery:
		return noneNode{}, nil
	case *bq.DisjunctionQuery:
		// Bleve's heap disjunction (over 10 clauses) sums in another order.
		if q.Min > 0 || len(q.Disjuncts) > 10 {
			return b.wrap(q)
		}
		return b.composite(q.Disjuncts, func(kids []node) node { return newOrNode(kids) })
	case *bq.ConjunctionQuery:
		if allowed := allowedBy(b.snap, q.Conjuncts); allowed != nil {
			outer := b.ctx
			b.ctx = context.WithValue(b.ctx, allowedKey{}, allowed)
			defer func() { b.ctx = outer }()
		}
		return b.composite(q.Conjuncts, func(kids []node) node { return newAndNode(kids) })
	case *bq.BooleanQuery:
		return b.boolean(q)
	case *pairPhraseQuery:
		boost := q.boost
		if boost == 0 {
			boost = 1
		}
		if q.gram != "" && !b.locs { // the gram field has no locations
			return b.term(fBodyGrams, q.gram, boost)
		}
		m := newPhraseMatcher(q.field, q.terms)
		if len(m.uniq) == 1 && len(m.slots) == 1 {
			return b.term(q.field, m.uniq[0], boost)
		}
		if b.locs {
			return b.phrase(m)
		}
	}
	return b.wrap(q)
}

// composite is build's node of the clauses qs; none, as Bleve, matches
// nothing.
func (b *planner) composite(qs []bq.Query, build func([]node) node) (node, error) {
	if len(qs) == 0 {
		return noneNode{}, nil
	}
	kids, err := b.nodes(qs)
	if err != nil {
		return nil, err
	}
	return build(kids), nil
}

func (b *planner) nodes(qs []bq.Query) ([]node, error) {
	out := make([]node, 0, len(qs))
	for _, q := range qs {
		n, err := b.node(q)
		if err != nil {
			for _, k := range out {
				k.close()
			}
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// boolean mirrors BooleanQuery.Searcher for must and must-not clauses;
// anything else is Bleve's.
func (b *planner) boolean(q *bq.BooleanQuery) (node, error) {
	if q.Should != nil || q.Filter != nil {
		return b.wrap(q)
	}
	var must, not node
	var err error
	if q.MustNot != nil {
		if not, err = b.node(q.MustNot); err != nil {
			return nil, err
		}
		if _, none := not.(noneNode); none {
			not = nil
		}
	}
	if q.Must != nil {
		if must, err = b.node(q.Must); err != nil {
			if not != nil {
				not.close()
			}
			return nil, err
		}
		if _, none := must.(noneNode); none {
			must = nil
		}
	}
	switch {
	case must == nil && not == nil:
		return noneNode{}, nil
	case not == nil:
		return must, nil
	case must == nil:
		// Everything but: Bleve starts from all documents.
		not.close()
		return b.wrap(q)
	}
	if out, ok := docSetOf(not); ok {
		not.close()
		return &notNode{must: must, out: out, cur: unstarted}, nil
	}
	return newNotNode(must, not), nil
}

// wrap is Bleve's own searcher for q.
func (b *planner) wrap(q bq.Query) (node, error) {
	s, err := q.Searcher(b.ctx, b.snap, b.m, search.SearcherOptions{IncludeTermVectors: b.locs})
	if err != nil {
		return nil, err
	}
	return &searcherNode{s: s, sctx: &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}, doc: unstarted}, nil
}

// deletedIn is a segment's deleted documents, or nil when it has none.
// Scorch gives a merged segment an empty bitmap rather than none, and
// zap treats any bitmap as deletions: it copies every postings list
// without them and reads them on its slow path, where frequency entries
// cannot be jumped to (third_party/zapx).
func deletedIn(ss *scorch.SegmentSnapshot) *roaring.Bitmap {
	if d := ss.Deleted(); d != nil && !d.IsEmpty() {
		return d
	}
	return nil
}

// unstarted is a node's position before its first step.
const unstarted = noDoc - 1

// term is a term's node, scored as Bleve's TermQueryScorer scores it.
func (b *planner) term(field, term string, boost float64) (node, error) {
	if field == "" {
		field = b.m.DefaultSearchField()
	}
	t := &termNode{field: field, term: term, doc: unstarted, locs: b.locs && snippetField(field)}
	var offset uint64
	for i, ss := range b.snap.Segments() {
		seg := ss.Segment()
		if b.only != nil && !b.only[i] {
			offset += seg.Count()
			t.segs = append(t.segs, termSeg{end: offset})
			continue
		}
		dict, err := seg.Dictionary(field)
		if err != nil {
			return nil, err
		}
		pl, err := dict.PostingsList([]byte(term), deletedIn(ss), nil)
		if err != nil {
			return nil, err
		}
		t.n += pl.Count()
		offset += seg.Count() // scorch numbers deleted documents too
		t.segs = append(t.segs, termSeg{end: offset, list: pl, seg: seg, deleted: deletedIn(ss)})
	}
	if b.locs {
		return t, nil // not scored
	}
	docTotal, avg, err := scoreStats(b.ctx, b.snap, field)
	if err != nil {
		return nil, err
	}
	t.ts = termScorer{boost: boost, idf: idf(docTotal, t.n, avg), weight: 1, avgDocLength: avg}
	return t, nil
}

// termNode steps one term's postings, segment after segment.
type termNode struct {
	field, term string
	ts          termScorer
	n           uint64 // documents holding the term
	segs        []termSeg
	seg         int
	it          segment.PostingsIterator
	hinter      entryHinter     // it, when it can jump to a block's first posting
	doc         uint64          // current match
	p           segment.Posting // its posting (the iterator's, until it moves)
	locs        bool            // the postings are read with their locations
}

type termSeg struct {
	end     uint64 // the shard's number of the segment's last document, plus one
	list    segment.PostingsList
	seg     segment.Segment
	deleted *roaring.Bitmap // the segment's deleted documents, or nil
	imp     *impacts        // the term's bounds here, once a ranking asked for them
	holds   []uint64        // the documents with a posting, as a dense bitset, once rankTreeByBlocks asked
}

func (t *termNode) next(target uint64) (uint64, error) {
	if t.doc != unstarted && t.doc >= target {
		return t.doc, nil
	}
	for t.seg < len(t.segs) {
		s := t.segs[t.seg]
		if target < s.end && s.list != nil {
			var start uint64
			if t.seg > 0 {
				start = t.segs[t.seg-1].end
			}
			if t.it == nil {
				t.it = s.list.Iterator(true, true, t.locs, nil)
				t.hinter, _ = t.it.(entryHinter)
			}
			local := max(target, start) - start
			var p segment.Posting
			var err error
			if s.imp != nil && s.imp.off != nil && t.hinter != nil {
				// Straight to the first posting of the target's hint
				// block: the entries before it are never read.
				h := local / hintBlock
				p, err = t.hinter.AdvanceFrom(local, h*hintBlock, int(s.imp.off[h]))
			} else {
				p, err = t.it.Advance(local)
			}
			if err != nil {
				return 0, err
			}
			if p != nil {
				t.doc, t.p = start+p.Number(), p
				return t.doc, nil
			}
		}
		t.seg++
		t.it = nil
	}
	t.doc = noDoc
	return noDoc, nil
}

func (t *termNode) score() float64 { return t.ts.ofPosting(t.p) }
func (t *termNode) weight() float64 {
	w := t.ts.boost * t.ts.idf
	return w * w
}
func (t *termNode) setNorm(qn float64) { t.ts.weight = t.ts.boost * t.ts.idf * qn }
func (t *termNode) count() uint64      { return t.n }
func (t *termNode) close()             {}

// clauses are a composite's nodes: its weight and count are their sums
// (as Bleve's composites report them), and the norm goes to each.
type clauses struct{ kids []node }

func (c clauses) weight() float64 {
	var w float64
	for _, k := range c.kids {
		w += k.weight()
	}
	return w
}

func (c clauses) setNorm(qn float64) {
	for _, k := range c.kids {
		k.setNorm(qn)
	}
}

func (c clauses) count() uint64 {
	var n uint64
	for _, k := range c.kids {
		n += k.count()
	}
	return n
}

func (c clauses) close() {
	for _, k := range c.kids {
		k.close()
	}
}

// orNode is a disjunction: the sum of its matching clauses' scores times
// the share of clauses that match, as Bleve's DisjunctionQueryScorer.
type orNode struct {
	clauses
	docs    []uint64
	cur     uint64
	matched []bool // by clause, at the page's current item (page.go)
}

func newOrNode(kids []node) *orNode {
	o := &orNode{clauses: clauses{kids}, docs: make([]uint64, len(kids)), cur: unstarted}
	for i := range o.docs {
		o.docs[i] = unstarted
	}
	return o
}

func (o *orNode) next(target uint64) (uint64, error) {
	if o.cur != unstarted && o.cur >= target {
		return o.cur, nil
	}
	o.cur = noDoc
	for i, k := range o.kids {
		if d := o.docs[i]; d == unstarted || d < target {
			var err error
			if o.docs[i], err = k.next(target); err != nil {
				return 0, err
			}
		}
		o.cur = min(o.cur, o.docs[i])
	}
	return o.cur, nil
}

func (o *orNode) score() float64 {
	var sum float64
	matched := 0
	for i, k := range o.kids {
		if o.docs[i] == o.cur {
			sum += k.score()
			matched++
		}
	}
	return sum * (float64(matched) / float64(len(o.kids)))
}

// andNode is a conjunction: every clause matches, the scores summed. The
// clauses go rarest first, in the order Bleve's conjunction sorts them
// (which is also the order it sums in).
type andNode struct {
	clauses
	cur uint64
}

func newAndNode(kids []node) *andNode {
	sort.Sort(byCount(kids))
	return &andNode{clauses: clauses{kids}, cur: unstarted}
}

// byCount sorts as Bleve's OrderedSearcherList does.
type byCount []node

func (s byCount) Len() int           { return len(s) }
func (s byCount) Less(i, j int) bool { return s[i].count() < s[j].count() }
func (s byCount) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }

func (a *andNode) next(target uint64) (uint64, error) {
	if a.cur != unstarted && a.cur >= target {
		return a.cur, nil
	}
	for {
		agreed := true
		for _, k := range a.kids {
			d, err := k.next(target)
			if err != nil {
				return 0, err
			}
			if d == noDoc {
				a.cur = noDoc
				return noDoc, nil
			}
			if d > target {
				target, agreed = d, false
				break
			}
		}
		if agreed {
			a.cur = target
			return target, nil
		}
	}
}

func (a *andNode) score() float64 {
	var sum float64
	for _, k := range a.kids {
		sum += k.score()
	}
	return sum
}

// notNode is a boolean of must and must-not clauses: must's matches that
// not does not match, scored as must.
type notNode struct {
	must, not node
	out       *docSet // instead of not, the documents it matches (exclude.go)
	cur       uint64
}

func newNotNode(must, not node) *notNode { return &notNode{must: must, not: not, cur: unstarted} }

func (b *notNode) next(target uint64) (uint64, error) {
	if b.cur != unstarted && b.cur >= target {
		return b.cur, nil
	}
	for {
		d, err := b.must.next(target)
		if err != nil || d == noDoc {
			b.cur = noDoc
			return noDoc, err
		}
		if b.out != nil {
			if !b.out.has(d) {
				b.cur = d
				return d, nil
			}
		} else {
			x, err := b.not.next(d)
			if err != nil {
				return 0, err
			}
			if x != d {
				b.cur = d
				return d, nil
			}
		}
		target = d + 1
	}
}

func (b *notNode) score() float64     { return b.must.score() }
func (b *notNode) weight() float64    { return b.must.weight() }
func (b *notNode) setNorm(qn float64) { b.must.setNorm(qn) }
func (b *notNode) count() uint64      { return b.must.count() }
func (b *notNode) close() {
	b.must.close()
	if b.not != nil {
		b.not.close()
	}
}

// noneNode matches nothing.
type noneNode struct{}

func (noneNode) next(uint64) (uint64, error) { return noDoc, nil }
func (noneNode) score() float64              { return 0 }
func (noneNode) weight() float64             { return 0 }
func (noneNode) setNorm(float64)             {}
func (noneNode) count() uint64               { return 0 }
func (noneNode) close()                      {}

// searcherNode steps a Bleve searcher.
type searcherNode struct {
	s     search.Searcher
	sctx  *search.SearchContext
	doc   uint64
	sc    float64
	idBuf []byte
	dm    *search.DocumentMatch // the current match, kept by at (page.go)
}

func (w *searcherNode) next(target uint64) (uint64, error) {
	if w.doc != unstarted && w.doc >= target {
		return w.doc, nil
	}
	w.idBuf = index.NewIndexInternalID(w.idBuf, target)
	dm, err := w.s.Advance(w.sctx, w.idBuf)
	if err != nil {
		return 0, err
	}
	if dm == nil {
		w.doc = noDoc
		return noDoc, nil
	}
	w.doc, w.sc = dm.IndexInternalID.Value(), dm.Score
	w.sctx.DocumentMatchPool.Put(dm)
	return w.doc, nil
}

func (w *searcherNode) score() float64     { return w.sc }
func (w *searcherNode) weight() float64    { return w.s.Weight() }
func (w *searcherNode) setNorm(qn float64) { w.s.SetQueryNorm(qn) }
func (w *searcherNode) count() uint64      { return w.s.Count() }
func (w *searcherNode) close()             { w.s.Close() }
