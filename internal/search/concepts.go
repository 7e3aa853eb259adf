package search

import (
	"cmp"
	"hash/crc32"
	"slices"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
	bq "github.com/blevesearch/bleve/v2/search/query"
)

// A search for a thesaurus concept (SEND, EHE, ...) finds the acronym or
// any of its long forms. Matching the long forms as phrases at search time
// walked the postings of every word pair of every long form: the concept
// searches were a third of the CPU of the benchmark's search pages at a
// million items. Instead the concept fields' analyser finds each mention
// of a concept, written either way, when an item is indexed, and emits
// the concept's acronym for it, at the mention's place in the text: a
// concept search is one term in the title and one in the text, like a
// one-word search, with the phrases' matches, and its snippets mark the
// mentions from the term's locations.
//
// The thesaurus is part of the mapping: an index built with another
// thesaurus is rebuilt (MappingVersion).

// MappingVersion changes whenever the mapping, the document built for an
// item, or the thesaurus changes; an index of another version is rebuilt
// from the database.
var MappingVersion = mappingVersion + "." + strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(thesaurusFile))), 16)

// conceptTokenizer is the registered name of the concept fields'
// tokenizer.
const conceptTokenizer = "minutebook_concepts"

// indexThesaurus is the thesaurus the index is built with.
var indexThesaurus = func() *thesaurus {
	th, err := loadThesaurus(thesaurusFile)
	if err != nil {
		panic(err)
	}
	return th
}()

func init() {
	err := registry.RegisterTokenizer(conceptTokenizer, func(map[string]interface{}, *registry.Cache) (analysis.Tokenizer, error) {
		return mentionTokenizer{th: indexThesaurus, words: unicode.NewUnicodeTokenizer(), lower: lowercase.NewLowerCaseFilter()}, nil
	})
	if err != nil {
		panic(err)
	}
}

// mentionTokenizer emits a concept's acronym for each mention of it: an
// acronym as written (capitals, as the acronyms field keeps it) or a long
// form as the exact analyser reads the words, as a quoted phrase would
// match it. A run that spells several long forms of one concept ("special
// educational needs and disabilities" is also "special educational needs")
// is one mention, spanning the longest.
type mentionTokenizer struct {
	th    *thesaurus
	words analysis.Tokenizer
	lower analysis.TokenFilter
}

func (m mentionTokenizer) Tokenize(input []byte) analysis.TokenStream {
	var out analysis.TokenStream
	mention := func(c *concept, start, end int) {
		out = append(out, &analysis.Token{Term: []byte(c.acronym), Start: start, End: end, Type: analysis.AlphaNumeric})
	}
	for _, at := range acronymWord.FindAllSubmatchIndex(input, -1) {
		if c := m.th.byAcronym[string(input[at[2]:at[3]])]; c != nil {
			mention(c, at[2], at[3])
		}
	}
	toks := m.lower.Filter(m.words.Tokenize(input))
	for i, t := range toks {
		for _, c := range m.th.byFirstWord[string(t.Term)] {
			end := -1
			for _, p := range c.phrases {
				if spells(toks[i:], p) {
					end = max(end, toks[i+len(p)-1].End)
				}
			}
			if end >= 0 {
				mention(c, t.Start, end)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *analysis.Token) int { return cmp.Compare(a.Start, b.Start) })
	for i, t := range out {
		t.Position = i + 1
	}
	return out
}

// spells reports whether toks start with the words of p at consecutive
// positions.
func spells(toks analysis.TokenStream, p []string) bool {
	if len(toks) < len(p) {
		return false
	}
	for j, w := range p {
		if string(toks[j].Term) != w || toks[j].Position != toks[0].Position+j {
			return false
		}
	}
	return true
}

// concept finds a concept's mentions: its acronym in the title (boosted,
// as title words are) or in the text.
func (ix *Index) concept(c *concept) bq.Query {
	title := bleve.NewTermQuery(c.acronym)
	title.SetField(fConceptTitle)
	title.SetBoost(titleBoost)
	body := bleve.NewTermQuery(c.acronym)
	body.SetField(fConceptBody)
	return bleve.NewDisjunctionQuery(title, body)
}
