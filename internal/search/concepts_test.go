package search_test

import (
	"context"
	"slices"
	"testing"

	"github.com/minutebook/minutebook/internal/search"
)

func TestMentions(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"The SEND team reported.", []string{"SEND"}},
		{"please send the letter", nil},
		{"Special Educational Needs and Disabilities", []string{"SEND", "SEN"}},
		{"special educational needs and/or disabilities", []string{"SEND", "SEN"}},
		{"EHCPs issued; the EHCP's review", []string{"EHCP", "EHCP"}},
		{"education, health and care plan", []string{"EHCP", "EHC"}},
		{"elective home\n\neducation and electively home educated children", []string{"EHE", "EHE"}},
		{"special educational needs co-ordinator", []string{"SEN", "SEND", "SENCO"}},
		{"elective home", nil},
		{"home education", nil},
		{"educational needs", nil},
		{"CAMHS and child and adolescent mental health services", []string{"CAMHS", "CAMHS"}},
	} {
		got, err := search.Mentions(tc.text)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("Mentions(%q) = %v, want %v", tc.text, got, want)
		}
	}
}

// TestConceptFieldsMatchPhrases checks, concept by concept, that the
// concept fields find exactly the items the acronym and long forms find
// as phrases, over the sample minutes.
func TestConceptFieldsMatchPhrases(t *testing.T) {
	_, ix := sampleIndex(t)
	found := 0
	for _, acr := range search.Acronyms(ix) {
		fields, phrases, both, err := search.ConceptAgainstPhrases(context.Background(), ix, acr)
		if err != nil {
			t.Fatal(err)
		}
		if fields != phrases || both != fields {
			t.Errorf("%s: concept fields match %d items, phrases %d, both %d", acr, fields, phrases, both)
		}
		if fields > 0 {
			found++
		}
	}
	if found < 3 {
		t.Errorf("only %d concepts are mentioned in the sample minutes: the test shows little", found)
	}
}
