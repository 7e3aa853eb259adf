package search

import (
	"context"
	"slices"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// pairPhraseQuery matches word pairs at consecutive positions of the pair
// field: slot i of terms is the pair starting at the phrase's i-th word,
// "" where the pair is implied by its neighbours (see pairTerms).
//
// It does what Bleve's phrase searcher does, but checks positions straight
// from the flat list of term locations. Bleve's searcher first builds a map
// of maps per candidate document, which cost more than reading the
// postings: for "it was noted that", in 44% of a generated corpus, that
// was most of a 55 ms search. Most searches go further and read the
// postings themselves (postingsPhraseSearcher); those that need term
// locations (snippets) take the conjunction of Bleve's term searchers,
// filtered by the same matcher.
//
// The matcher only needs each slot's term at consecutive positions, so it
// serves single-word fields too: there slot i is the phrase's i-th word
// (see titlePhrase).
type pairPhraseQuery struct {
	field string
	terms []string
	// gram is the whole phrase as a term of the gram field, when the index
	// holds it there (grams.go): a search that needs no term locations
	// looks it up instead of matching pairs.
	gram  string
	boost float64 // 0 is 1
	// viaConjunction always takes the filtered conjunction of term
	// searchers: tests check the postings searcher against it.
	viaConjunction bool
}

func (q *pairPhraseQuery) Searcher(ctx context.Context, r index.IndexReader, _ mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	boost := q.boost
	if boost == 0 {
		boost = 1
	}
	if q.gram != "" && !opts.IncludeTermVectors && !opts.Explain {
		return searcher.NewTermSearcher(ctx, r, q.gram, fBodyGrams, boost, opts)
	}
	m := newPhraseMatcher(q.field, q.terms)
	if len(m.uniq) == 1 && len(m.slots) == 1 {
		// One pair: any occurrence is the phrase.
		return searcher.NewTermSearcher(ctx, r, m.uniq[0], q.field, boost, opts)
	}
	if !opts.IncludeTermVectors && !opts.Explain && !q.viaConjunction {
		if s, ok, err := newPostingsPhraseSearcher(ctx, r, m, boost, opts); ok || err != nil {
			return s, err
		}
	}
	opts.IncludeTermVectors = true
	only, restricted, err := onlyDocs(ctx, r)
	if err != nil {
		return nil, err
	}
	var ss []search.Searcher
	for _, t := range m.uniq {
		s, err := searcher.NewTermSearcher(ctx, r, t, q.field, boost, opts)
		if err != nil {
			for _, s := range ss {
				s.Close()
			}
			return nil, err
		}
		if restricted {
			s = &restrictedSearcher{Searcher: s, docs: only}
		}
		ss = append(ss, s)
	}
	conj, err := searcher.NewConjunctionSearcher(ctx, r, ss, opts)
	if err != nil {
		for _, s := range ss {
			s.Close()
		}
		return nil, err
	}
	return searcher.NewFilteringSearcher(ctx, conj, m.accept), nil
}

// phraseMatcher checks one candidate document at a time; each search
// builds its own (one per shard), so its buffers need no locking.
type phraseMatcher struct {
	field  string
	uniq   []string // distinct terms
	slots  []slot   // the phrase's non-empty slots, in order
	pos    [][]uint64
	starts []uint64
}

type slot struct {
	term   int    // index into uniq
	offset uint64 // position relative to the phrase's first word
}

func newPhraseMatcher(field string, terms []string) *phraseMatcher {
	m := &phraseMatcher{field: field}
	for i, t := range terms {
		if t == "" {
			continue
		}
		j := slices.Index(m.uniq, t)
		if j < 0 {
			j = len(m.uniq)
			m.uniq = append(m.uniq, t)
		}
		m.slots = append(m.slots, slot{term: j, offset: uint64(i)})
	}
	m.pos = make([][]uint64, len(m.uniq))
	return m
}

// accept reports whether the document has every slot's term at the
// phrase's positions, and keeps only the locations of whole matches (the
// snippet marks those).
func (m *phraseMatcher) accept(_ *search.SearchContext, d *search.DocumentMatch) bool {
	for j := range m.pos {
		m.pos[j] = m.pos[j][:0]
	}
	for _, ftl := range d.FieldTermLocations {
		if ftl.Field != m.field {
			continue
		}
		if j := slices.Index(m.uniq, ftl.Term); j >= 0 {
			m.pos[j] = append(m.pos[j], ftl.Location.Pos)
		}
	}
	if !m.match() {
		return false
	}
	kept := d.FieldTermLocations[:0]
	for _, ftl := range d.FieldTermLocations {
		if ftl.Field == m.field && m.inMatch(ftl.Term, ftl.Location.Pos) {
			kept = append(kept, ftl)
		}
	}
	d.FieldTermLocations = kept
	return true
}

// match reports whether the positions gathered in m.pos (by term) hold the
// phrase, keeping its start positions in m.starts.
func (m *phraseMatcher) match() bool {
	for j := range m.pos {
		if !slices.IsSorted(m.pos[j]) {
			slices.Sort(m.pos[j])
		}
	}
	// Candidate phrase starts come from the first slot; every other slot
	// must have its term at start+offset.
	m.starts = m.starts[:0]
	first := m.slots[0]
	for _, p := range m.pos[first.term] {
		if p < first.offset {
			continue
		}
		start := p - first.offset
		ok := true
		for _, s := range m.slots[1:] {
			if _, found := slices.BinarySearch(m.pos[s.term], start+s.offset); !found {
				ok = false
				break
			}
		}
		if ok && (len(m.starts) == 0 || m.starts[len(m.starts)-1] != start) {
			m.starts = append(m.starts, start)
		}
	}
	return len(m.starts) > 0
}

// inMatch reports whether term at pos fills a slot of a matched phrase.
func (m *phraseMatcher) inMatch(term string, pos uint64) bool {
	for _, s := range m.slots {
		if m.uniq[s.term] != term || pos < s.offset {
			continue
		}
		if _, found := slices.BinarySearch(m.starts, pos-s.offset); found {
			return true
		}
	}
	return false
}
