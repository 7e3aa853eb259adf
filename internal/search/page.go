package search

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A ranked page's items are read from the snapshot its ranking ran on:
// each item's stored fields straight from its segment and, for snippets,
// its term locations from the query's nodes stepped to the page's items
// alone. The page used to be a second Bleve search, for the page's keys
// and the query, with locations: it looked every key up in every segment,
// opened every term's postings in every segment (an acronym's long forms
// are a dozen phrases' terms) and stepped them through Bleve's searchers,
// all for twenty items. At 100,000 items that was a third of a search
// page.

// locating is what a node tells the page about the current item: the
// field and byte range of each term occurrence the item matched on.
type locating func(field string, start, end uint64)

// errLocateOnly is a phrase node asked to step matches: it is built only
// to check and locate the page's items.
var errLocateOnly = errors.New("search: a phrase node only locates")

// pageOf reads the hits of docs (the shard's document numbers, in order)
// from the ranking's snapshot, with snippets when snip is set.
func (r *ranked) pageOf(ctx context.Context, q bq.Query, docs []uint64, snip *snippets) (map[uint64]Hit, error) {
	segs := r.b.snap.Segments()
	var root node
	if snip != nil {
		// The nodes look only at the segments holding the page's items.
		b := *r.b
		b.locs = true
		b.only = make([]bool, len(segs))
		for _, d := range docs {
			s, _ := r.v.segmentOf(d)
			b.only[s] = true
		}
		b.ctx = withOnlyDocs(withScoringModel(ctx, b.m), b.snap, docs)
		var err error
		if root, err = b.node(q); err != nil {
			return nil, err
		}
		defer root.close()
	}
	out := make(map[uint64]Hit, len(docs))
	for _, d := range docs {
		s, local := r.v.segmentOf(d)
		h, body, err := storedHit(segs[s].Segment(), local, snip != nil)
		if err != nil {
			return nil, fmt.Errorf("search: reading item %d: %w", d, err)
		}
		if snip != nil {
			var spans []textSpan
			matched, err := root.at(d)
			if err != nil {
				return nil, err
			}
			if matched {
				root.locate(func(field string, start, end uint64) {
					if len(spans) < maxSnippetSpans && snippetField(field) {
						spans = append(spans, textSpan{int(start), int(end)})
					}
				})
			}
			h.SnippetHTML = snippet(body, spans, snip.acronyms, snippetWidth)
		}
		out[d] = h
	}
	return out, nil
}

// storedHit is the hit made of a document's stored fields, and its body
// when asked for.
func storedHit(seg segment.Segment, local uint64, withBody bool) (Hit, string, error) {
	dm := &search.DocumentMatch{Fields: map[string]interface{}{}}
	var body string
	err := seg.VisitStoredFields(local, func(field string, typ byte, value []byte, _ []uint64) bool {
		switch {
		case field == "_id":
			dm.ID = string(value)
		case field == fBody && withBody:
			body = string(value)
		case typ == 't' && slices.Contains(storedFields, field):
			// As Bleve loads stored fields: a second value makes a list.
			dm.AddFieldValue(field, string(value))
		}
		return true
	})
	if err != nil {
		return Hit{}, "", err
	}
	return hitFrom(dm), body, nil
}

// snippets is what a page's snippets need besides the locations.
type snippets struct{ acronyms []string }

// snippetField reports whether a field's locations are marked in a
// snippet: the body's words, exact words and word pairs.
func snippetField(field string) bool { return slices.Contains(snippetFields, field) }

// snippetFields are the fields whose term locations a snippet marks: the
// body's words, exact words, word pairs and concept mentions.
var snippetFields = []string{fBody, fBodyExact, fBodyPairs, fConceptBody}

// at and locate, node by node. at moves a node to doc and reports whether
// doc matches; locate then reports the occurrences it matched on. The
// page's documents come in order, so, as with next, targets never go
// backwards.

func (t *termNode) at(doc uint64) (bool, error) {
	d, err := t.next(doc)
	return d == doc, err
}

func (t *termNode) locate(add locating) {
	if !t.locs {
		return
	}
	for _, l := range t.p.Locations() {
		add(t.field, l.Start(), l.End())
	}
}

func (o *orNode) at(doc uint64) (bool, error) {
	if o.matched == nil {
		o.matched = make([]bool, len(o.kids))
	}
	any := false
	for i, k := range o.kids {
		ok, err := k.at(doc)
		if err != nil {
			return false, err
		}
		o.matched[i] = ok
		any = any || ok
	}
	return any, nil
}

func (o *orNode) locate(add locating) {
	for i, k := range o.kids {
		if o.matched[i] {
			k.locate(add)
		}
	}
}

func (a *andNode) at(doc uint64) (bool, error) {
	for _, k := range a.kids {
		if ok, err := k.at(doc); err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (a *andNode) locate(add locating) {
	for _, k := range a.kids {
		k.locate(add)
	}
}

func (b *notNode) at(doc uint64) (bool, error) {
	ok, err := b.must.at(doc)
	if err != nil || !ok {
		return false, err
	}
	if b.out != nil {
		return !b.out.has(doc), nil
	}
	excluded, err := b.not.at(doc)
	return !excluded, err
}

func (b *notNode) locate(add locating) { b.must.locate(add) }

func (noneNode) at(uint64) (bool, error) { return false, nil }
func (noneNode) locate(locating)         {}

// A searcher node that locates keeps its current match, with the
// locations Bleve's searcher gathered.
func (w *searcherNode) at(doc uint64) (bool, error) {
	if w.doc == unstarted || w.doc < doc {
		if w.dm != nil {
			w.sctx.DocumentMatchPool.Put(w.dm)
			w.dm = nil
		}
		w.idBuf = index.NewIndexInternalID(w.idBuf, doc)
		dm, err := w.s.Advance(w.sctx, w.idBuf)
		if err != nil {
			return false, err
		}
		if dm == nil {
			w.doc = noDoc
			return false, nil
		}
		w.doc, w.dm = dm.IndexInternalID.Value(), dm
	}
	return w.doc == doc, nil
}

func (w *searcherNode) locate(add locating) {
	for _, ftl := range w.dm.FieldTermLocations {
		add(ftl.Field, ftl.Location.Start, ftl.Location.End)
	}
}

// phraseNode checks a phrase in the page's documents: every term there,
// at the phrase's positions. Only the occurrences that make up a whole
// phrase are located, as Bleve's phrase filter keeps them.
type phraseNode struct {
	m     *phraseMatcher
	terms []*termNode // by m.uniq
}

func (p *phraseNode) at(doc uint64) (bool, error) {
	for _, t := range p.terms {
		if ok, err := t.at(doc); err != nil || !ok {
			return false, err
		}
	}
	for j, t := range p.terms {
		p.m.pos[j] = p.m.pos[j][:0]
		for _, l := range t.p.Locations() {
			p.m.pos[j] = append(p.m.pos[j], l.Pos())
		}
	}
	return p.m.match(), nil
}

func (p *phraseNode) locate(add locating) {
	for j, t := range p.terms {
		for _, l := range t.p.Locations() {
			if p.m.inMatch(p.m.uniq[j], l.Pos()) {
				add(p.m.field, l.Start(), l.End())
			}
		}
	}
}

func (p *phraseNode) next(uint64) (uint64, error) { return 0, errLocateOnly }
func (p *phraseNode) score() float64              { return 0 }
func (p *phraseNode) weight() float64             { return 0 }
func (p *phraseNode) setNorm(float64)             {}
func (p *phraseNode) count() uint64 {
	n := uint64(noDoc)
	for _, t := range p.terms {
		n = min(n, t.count())
	}
	return n
}
func (p *phraseNode) close() {}

// phrase is a phrase's node for a page: its terms' postings, read with
// their positions.
func (b *planner) phrase(m *phraseMatcher) (node, error) {
	p := &phraseNode{m: m}
	for _, term := range m.uniq {
		n, err := b.term(m.field, term, 1)
		if err != nil {
			return nil, err
		}
		t := n.(*termNode)
		t.locs = true
		p.terms = append(p.terms, t)
	}
	return p, nil
}
