package search_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/minutebook/minutebook/internal/search"
)

func TestMentions(t *testing.T) {
	for _, tc := range []struct {
		text  string
		terms []string
		spans []string // each mention's text
	}{
		{"The SEND team reported.", []string{"SEND"}, []string{"SEND"}},
		{"please send the letter", nil, nil},
		{"Special Educational Needs and Disabilities", []string{"SEND", "SEN"},
			[]string{"Special Educational Needs and Disabilities", "Special Educational Needs"}},
		{"special educational needs and/or disabilities (SEND)", []string{"SEND", "SEN", "SEND"},
			[]string{"special educational needs and/or disabilities", "special educational needs", "SEND"}},
		{"EHCPs issued; the EHCP's review", []string{"EHCP", "EHCP"}, []string{"EHCP", "EHCP"}},
		{"education, health and care plan", []string{"EHCP", "EHC"}, []string{"education, health and care plan", "education, health and care"}},
		{"elective home\n\neducation and electively home educated children", []string{"EHE", "EHE"},
			[]string{"elective home\n\neducation", "electively home educated"}},
		{"special educational needs co-ordinator", []string{"SEND", "SEN", "SENCO"},
			[]string{"special educational needs", "special educational needs", "special educational needs co-ordinator"}},
		{"elective home", nil, nil},
		{"home education", nil, nil},
		{"educational needs", nil, nil},
		{"CAMHS and Child and Adolescent Mental Health Services", []string{"CAMHS", "CAMHS"},
			[]string{"CAMHS", "Child and Adolescent Mental Health Services"}},
	} {
		terms, spans := search.Mentions(tc.text)
		if !slices.Equal(terms, tc.terms) || !slices.Equal(spans, tc.spans) {
			t.Errorf("Mentions(%q) = %q %q, want %q %q", tc.text, terms, spans, tc.terms, tc.spans)
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

// A concept search marks the long forms it found, not only the acronym.
func TestConceptSnippetsMarkLongForms(t *testing.T) {
	_, ix := sampleIndex(t)
	for q, want := range map[string]string{
		"EHE":   "<mark>electively home educated</mark>",
		"SEN":   "<mark>Special Educational Needs</mark>",
		"CAMHS": "<mark>Child and Adolescent Mental Health Service</mark>",
	} {
		res := search1(t, ix, search.Request{Query: q, Highlight: true})
		marked := false
		for _, h := range res.Hits {
			marked = marked || strings.Contains(h.SnippetHTML, want)
		}
		if !marked {
			t.Errorf("%s: no snippet has %s", q, want)
		}
	}
}
