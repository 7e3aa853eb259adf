package search

import (
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"github.com/minutebook/minutebook/internal/normalise"
	"github.com/minutebook/minutebook/internal/query"
)

// Title matches count more than matches in the minutes text.
const titleBoost = 3.0

// build turns a parsed query into a Bleve query. Acronyms and their long
// forms are expanded here, from the thesaurus.
func (ix *Index) build(n query.Node) bq.Query {
	switch n := n.(type) {
	case query.Term:
		return ix.term(n)
	case query.Phrase:
		return ix.phrase(n)
	case query.Or:
		var qs []bq.Query
		for _, c := range n.Children {
			qs = append(qs, ix.build(c))
		}
		return bleve.NewDisjunctionQuery(qs...)
	case query.Not:
		b := bleve.NewBooleanQuery()
		b.AddMust(bleve.NewMatchAllQuery())
		b.AddMustNot(ix.build(n.Child))
		return b
	case query.And:
		return ix.and(n.Children)
	}
	return bleve.NewMatchNoneQuery()
}

// and requires every positive child and excludes every negated one. Runs
// of plain words that spell a thesaurus long form ("elective home
// education") also find the acronym ("EHE").
func (ix *Index) and(children []query.Node) bq.Query {
	var must, mustNot []bq.Query
	for i := 0; i < len(children); i++ {
		if run := ix.longFormRun(children[i:]); run > 0 {
			terms := children[i : i+run]
			words := make([]string, run)
			var all []bq.Query
			for j, t := range terms {
				words[j] = strings.ToLower(t.(query.Term).Text)
				all = append(all, ix.build(t))
			}
			c := ix.th.longForm(words)
			must = append(must, bleve.NewDisjunctionQuery(ix.concept(c), bleve.NewConjunctionQuery(all...)))
			i += run - 1
			continue
		}
		if t, ok := children[i].(query.Term); ok && isStopTerm(t) {
			continue // the analyser drops it: requiring it would match nothing
		}
		if not, ok := children[i].(query.Not); ok {
			mustNot = append(mustNot, ix.build(not.Child))
			continue
		}
		must = append(must, ix.build(children[i]))
	}
	b := bleve.NewBooleanQuery()
	if len(must) > 0 {
		b.AddMust(must...)
	} else {
		b.AddMust(bleve.NewMatchAllQuery())
	}
	if len(mustNot) > 0 {
		b.AddMustNot(mustNot...)
	}
	return b
}

// longFormRun returns how many leading plain words of ns spell a thesaurus
// long form (the longest that does), or 0.
func (ix *Index) longFormRun(ns []query.Node) int {
	var words []string
	best := 0
	for i := 0; i < len(ns) && i < ix.th.maxWords(); i++ {
		t, ok := ns[i].(query.Term)
		if !ok || t.Field != "" || t.Prefix {
			break
		}
		words = append(words, phraseWords(t.Text)...)
		if len(words) > 1 && ix.th.longForm(words) != nil {
			best = i + 1
		}
	}
	return best
}

func (ix *Index) term(t query.Term) bq.Query {
	switch t.Field {
	case "council":
		return keywordQuery(fCouncil, strings.ToLower(t.Text))
	case "committee":
		return keywordQuery(fCommitteeSlug, normalise.Slug(t.Text))
	case "topic":
		return keywordQuery(fTopics, strings.ToLower(t.Text))
	case "title":
		if t.Prefix {
			return prefixQuery(fTitleExact, t.Text)
		}
		m := bleve.NewMatchQuery(t.Text)
		m.SetField(fTitle)
		return m
	}
	if t.Prefix {
		return bleve.NewDisjunctionQuery(prefixQuery(fTitleExact, t.Text), prefixQuery(fBodyExact, t.Text))
	}
	if c := ix.th.acronym(t.Text); c != nil && (isCapitals(t.Text) || !c.wordLike) {
		return ix.concept(c)
	}
	if isCapitals(t.Text) && len(t.Text) > 1 {
		// An acronym we have no long form for: the acronym itself, not the
		// same letters in lower case ("CAN", "AIM").
		return keywordQuery(fAcronyms, t.Text)
	}
	return ix.words(t.Text)
}

// words matches analysed text in title (boosted) or body.
func (ix *Index) words(text string) bq.Query {
	if toks := ix.english.Analyze([]byte(text)); len(toks) == 1 && !ix.oracle {
		// One word: its two term queries. A match query would wrap each
		// in a conjunction of one, a layer every hit passes through, for
		// the same score (about 30% of a one-word search's time at 100,000
		// items).
		word := string(toks[0].Term)
		title := bleve.NewTermQuery(word)
		title.SetField(fTitle)
		title.SetBoost(titleBoost)
		body := bleve.NewTermQuery(word)
		body.SetField(fBody)
		return bleve.NewDisjunctionQuery(title, body)
	}
	title := bleve.NewMatchQuery(text)
	title.SetField(fTitle)
	title.SetBoost(titleBoost)
	title.SetOperator(bq.MatchQueryOperatorAnd)
	body := bleve.NewMatchQuery(text)
	body.SetField(fBody)
	body.SetOperator(bq.MatchQueryOperatorAnd)
	return bleve.NewDisjunctionQuery(title, body)
}

func (ix *Index) phrase(p query.Phrase) bq.Query {
	words := make([]string, 0, len(p.Words))
	for _, w := range p.Words {
		words = append(words, phraseWords(w)...)
	}
	if p.Field == "title" {
		return ix.titlePhrase(strings.Join(words, " "), 1)
	}
	// Quoted means exactly these words: no acronym, no other wording.
	return ix.exactPhrase(words)
}

// exactPhrase matches the words in order, unstemmed, in title or body.
// In the body a phrase of two or more words is matched on word pairs:
// consecutive pairs at consecutive positions are exactly the phrase. A
// phrase of three or four mostly common words is one term of the gram
// field instead (grams.go), unless the search needs its locations.
func (ix *Index) exactPhrase(words []string) bq.Query {
	text := strings.Join(words, " ")
	title := ix.titlePhrase(text, titleBoost)
	if len(words) == 1 {
		body := bleve.NewMatchPhraseQuery(text)
		body.SetField(fBodyExact)
		return bleve.NewDisjunctionQuery(title, body)
	}
	return bleve.NewDisjunctionQuery(title, &pairPhraseQuery{field: fBodyPairs, terms: pairTerms(words), gram: gramOf(words), viaConjunction: ix.oracle})
}

// titlePhrase matches text as a phrase in the title's word pairs, as the
// body's are matched (phrase.go), or as a word of the exact title field.
// Matching the exact title's words walked every title holding "of" and
// "the" for "report of the" (half of that search page), and a two-word
// phrase is now one pair's postings, which block-max ranking can bound
// (blockmax.go). Bleve's own phrase searcher builds maps for every
// candidate: a long form such as "education, health and care plan" has
// tens of thousands of candidate titles at a million items. The text is
// analysed as the field is; should that ever leave gaps between words,
// Bleve's phrase query handles it.
func (ix *Index) titlePhrase(text string, boost float64) bq.Query {
	var terms []string
	for i, tok := range ix.exact.Analyze([]byte(text)) {
		if tok.Position != i+1 {
			m := bleve.NewMatchPhraseQuery(text)
			m.SetField(fTitleExact)
			m.SetBoost(boost)
			return m
		}
		terms = append(terms, string(tok.Term))
	}
	switch len(terms) {
	case 0:
		return bleve.NewMatchNoneQuery()
	case 1:
		return &pairPhraseQuery{field: fTitleExact, terms: terms, boost: boost, viaConjunction: ix.oracle}
	}
	return &pairPhraseQuery{field: fTitlePairs, terms: pairTerms(terms), boost: boost, viaConjunction: ix.oracle}
}

// pairTerms are the word pairs of a phrase at their positions, with every
// other pair left open ("") where its two words are already covered by its
// neighbours: "it was noted that" is "it was", _, "noted that". Fewer
// posting lists to walk, the same exact match.
func pairTerms(words []string) []string {
	n := len(words) - 1 // pairs
	terms := make([]string, n)
	for i := 0; i < n; i++ {
		if i%2 == 0 || i == n-1 {
			terms[i] = words[i] + " " + words[i+1]
		}
	}
	return terms
}

// englishStop is the stop list of the English analyser of the prose fields.
var englishStop = func() analysis.TokenMap {
	m := analysis.NewTokenMap()
	if err := m.LoadBytes(en.EnglishStopWords); err != nil {
		panic(err)
	}
	return m
}()

// isStopTerm reports whether t is a plain word the English analyser drops.
func isStopTerm(t query.Term) bool {
	if t.Field != "" || t.Prefix {
		return false
	}
	words := phraseWords(t.Text)
	for _, w := range words {
		if !englishStop[w] {
			return false
		}
	}
	return len(words) > 0
}

// onlyStopWords returns the words of a query whose plain words are all
// stop words ("the", "it was"), or nil. Such a query would match almost
// every item (or, analysed, nothing at all), so it gets a hint instead.
func onlyStopWords(n query.Node) []string {
	var words []string
	allStop := true
	var walk func(query.Node)
	walk = func(n query.Node) {
		switch n := n.(type) {
		case query.Term:
			if n.Field == "" && !n.Prefix {
				words = append(words, n.Text)
				allStop = allStop && isStopTerm(n)
			}
		case query.And:
			for _, c := range n.Children {
				walk(c)
			}
		case query.Or:
			for _, c := range n.Children {
				walk(c)
			}
		}
	}
	walk(n)
	if !allStop {
		return nil
	}
	return words
}

func keywordQuery(field, value string) bq.Query {
	q := bleve.NewTermQuery(value)
	q.SetField(field)
	return q
}

func prefixQuery(field, prefix string) bq.Query {
	q := bleve.NewPrefixQuery(strings.ToLower(prefix))
	q.SetField(field)
	return q
}

func isCapitals(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if !unicode.IsUpper(r) {
				return false
			}
		}
	}
	return letters > 0
}

// acronymsIn lists the acronyms a query searches for, typed or expanded
// from a long form, so snippets can mark them.
func (ix *Index) acronymsIn(n query.Node) []string {
	var out []string
	var walk func(query.Node)
	walk = func(n query.Node) {
		switch n := n.(type) {
		case query.Term:
			if n.Field == "" {
				if c := ix.th.acronym(n.Text); c != nil && (isCapitals(n.Text) || !c.wordLike) {
					out = append(out, c.acronym)
				} else if isCapitals(n.Text) && len(n.Text) > 1 {
					out = append(out, n.Text)
				}
			}
		case query.And:
			for i := 0; i < len(n.Children); i++ {
				if run := ix.longFormRun(n.Children[i:]); run > 0 {
					words := make([]string, 0, run)
					for _, t := range n.Children[i : i+run] {
						words = append(words, phraseWords(t.(query.Term).Text)...)
					}
					out = append(out, ix.th.longForm(words).acronym)
					i += run - 1
					continue
				}
				walk(n.Children[i])
			}
		case query.Or:
			for _, c := range n.Children {
				walk(c)
			}
		}
	}
	walk(n)
	return out
}
