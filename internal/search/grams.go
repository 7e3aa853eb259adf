package search

import (
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

// The gram field holds every run of three or four words with at most one
// word outside the English stop list ("report of the", "it was noted
// that"), as one term, without positions. A quoted phrase that is such a
// run is a term lookup there (pairPhraseQuery.gram): "it was noted that", in 44% of
// a generated corpus, was the slowest phrase at a million items, reading
// and comparing the positions of "it was" and "noted that" in every one of
// its matches. Other phrases go through the word pairs, with positions.
//
// Only runs of mostly stop words are kept (like Lucene's common grams): a
// run of content words is rare, so its pairs are short lists already, and
// keeping every run would multiply the index's distinct terms. The field
// keeps no term vectors (positions and offsets): with them, the whole
// index had doubled. A snippet marks the phrase from the pairs instead.

const gramFilterName = "minutebook_grams"

// A gram is minGram to maxGram words long.
const (
	minGram = 3
	maxGram = 4
)

func init() {
	registry.RegisterTokenFilter(gramFilterName, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return gramFilter{}, nil
	})
}

// gramFilter turns a lower-cased word stream into the grams above, each
// at its first word's position and spanning its words.
type gramFilter struct{}

func (gramFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, len(in))
	for i, first := range in {
		others := 0 // words outside the stop list so far
		if !englishStop[string(first.Term)] {
			others++
		}
		size := len(first.Term)
		for k := 2; k <= maxGram && i+k <= len(in); k++ {
			last := in[i+k-1]
			if last.Position != first.Position+k-1 {
				break // a gap: not consecutive words
			}
			if !englishStop[string(last.Term)] {
				others++
			}
			size += 1 + len(last.Term)
			if others > 1 {
				break // only more content words from here on
			}
			if k < minGram {
				continue
			}
			term := make([]byte, 0, size)
			for j, t := range in[i : i+k] {
				if j > 0 {
					term = append(term, ' ')
				}
				term = append(term, t.Term...)
			}
			out = append(out, &analysis.Token{Term: term, Position: first.Position, Start: first.Start, End: last.End, Type: analysis.Shingle})
		}
	}
	return out
}

// gramOf returns the gram the index holds for a whole phrase
// (lower-cased words), or "" when it holds none.
func gramOf(words []string) string {
	if len(words) < minGram || len(words) > maxGram {
		return ""
	}
	others := 0
	for _, w := range words {
		if !englishStop[w] {
			others++
		}
	}
	if others > 1 {
		return ""
	}
	return strings.Join(words, " ")
}
