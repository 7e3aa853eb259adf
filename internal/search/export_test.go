package search

import (
	"context"

	"github.com/blevesearch/bleve/v2"
	bq "github.com/blevesearch/bleve/v2/search/query"
)

// PairPhraseAgainstBleve counts the documents whose body has the phrase,
// by our pair-phrase query and by Bleve's own phrase query on the same
// pairs, so tests can check the two agree.
func PairPhraseAgainstBleve(ctx context.Context, ix *Index, words []string) (ours, bleves uint64, err error) {
	count := func(q bq.Query) (uint64, error) {
		res, err := ix.idx.search(ctx, bleve.NewSearchRequestOptions(q, 0, 0, false))
		if err != nil {
			return 0, err
		}
		return res.Total, nil
	}
	terms := pairTerms(words)
	if ours, err = count(&pairPhraseQuery{field: fBodyPairs, terms: terms}); err != nil {
		return
	}
	bleves, err = count(bleve.NewPhraseQuery(terms, fBodyPairs))
	return
}
