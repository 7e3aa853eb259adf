package search

import (
	"context"
	"hash/crc32"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// A search for a thesaurus concept (SEND, EHE, ...) finds the acronym or
// any of its long forms. Matching the long forms as phrases at search time
// walked the postings of every word pair of every long form: the concept
// searches were a third of the CPU of the benchmark's search pages at a
// million items. Instead each item's mentions of a concept, written
// either way, are found once when it is indexed and kept as the concept's
// acronym in the concept fields, one token per mention: the search is one
// term in the title and one in the text, like a one-word search, with the
// same matches as the phrases. The phrases are still matched for a page's
// snippets, which need their locations.
//
// The thesaurus is part of the mapping: an index built with another
// thesaurus is rebuilt (MappingVersion).

// MappingVersion changes whenever the mapping, the document built for an
// item, or the thesaurus changes; an index of another version is rebuilt
// from the database.
var MappingVersion = mappingVersion + "." + strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(thesaurusFile))), 16)

// mentions lists the concepts text mentions, by acronym, once per mention:
// an acronym as written (capitals, as the acronyms field keeps it) or a
// long form as the exact analyser reads the words, as a quoted phrase would
// match it. A run that spells several long forms of one concept ("special
// educational needs and disabilities" is also "special educational needs")
// is one mention of it.
func (th *thesaurus) mentions(text string, exact analysis.Analyzer) []string {
	var out []string
	for _, sub := range acronymWord.FindAllStringSubmatch(text, -1) {
		if c := th.byAcronym[sub[1]]; c != nil {
			out = append(out, c.acronym)
		}
	}
	toks := exact.Analyze([]byte(text))
	for i, t := range toks {
		for _, c := range th.byFirstWord[string(t.Term)] {
			for _, p := range c.phrases {
				if spells(toks[i:], p) {
					out = append(out, c.acronym)
					break
				}
			}
		}
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

// conceptQuery finds a concept's mentions: its acronym in the title
// (boosted, as title words are) or in the text.
type conceptQuery struct {
	acronym string
	// locate is the acronym and the long forms as phrases, for a search
	// that needs the locations of the words matched (snippets).
	locate bq.Query
}

func (ix *Index) concept(c *concept) *conceptQuery {
	return &conceptQuery{acronym: c.acronym, locate: bleve.NewDisjunctionQuery(ix.conceptQueries(c)...)}
}

// ranked is the query that finds and scores the mentions.
func (q *conceptQuery) ranked() bq.Query {
	title := bleve.NewTermQuery(q.acronym)
	title.SetField(fConceptTitle)
	title.SetBoost(titleBoost)
	body := bleve.NewTermQuery(q.acronym)
	body.SetField(fConceptBody)
	return bleve.NewDisjunctionQuery(title, body)
}

func (q *conceptQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	if opts.IncludeTermVectors || opts.Explain {
		return q.locate.Searcher(ctx, r, m, opts)
	}
	return q.ranked().Searcher(ctx, r, m, opts)
}
