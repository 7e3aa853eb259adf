package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// facets keeps each facet's best values as sorting them all and cutting
// the list would: by count, ties by value, at most the facet's size.
func TestFacetsKeepTheBest(t *testing.T) {
	for _, tc := range []struct{ values, maxCount int }{
		{0, 1}, {3, 5}, {30, 3}, {31, 3}, {500, 2}, {500, 40}, {2000, 10000},
	} {
		r := rand.New(rand.NewPCG(uint64(tc.values), uint64(tc.maxCount)))
		var counts []termCount
		var all []FacetValue
		for i := range tc.values {
			v := fmt.Sprintf("c%d/committee-%d", i%97, i)
			n := 1 + r.IntN(tc.maxCount)
			counts = append(counts, termCount{"committee" + groupSep + v + labelSep + "Committee " + v, n})
			all = append(all, FacetValue{Value: v, Label: "Committee " + v, Count: n})
		}
		r.Shuffle(len(counts), func(i, j int) { counts[i], counts[j] = counts[j], counts[i] })
		slices.SortFunc(all, facetBefore)
		want := all[:min(len(all), facetSizes["committee"])]
		got := facets(counts)["committee"]
		if !slices.Equal(got, want) {
			t.Errorf("%d values, counts up to %d:\n got %v\nwant %v", tc.values, tc.maxCount, got, want)
		}
	}
}
