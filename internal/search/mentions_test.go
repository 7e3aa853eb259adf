package search

import (
	"strings"
	"testing"
)

// FuzzMentions checks the concept fields' tokenizer on any text: every
// token is a concept's acronym, in order, inside the text, and the text it
// spans is that acronym or, read by the exact analyser, one of the
// concept's long forms.
func FuzzMentions(f *testing.F) {
	for _, s := range []string{
		"Special Educational Needs and Disabilities (SEND)", "EHCPs: education, health and care plans",
		"elective home\n\neducation", "CAMHS’s child and adolescent mental health services", "please send it",
	} {
		f.Add(s)
	}
	m := newMapping()
	mentions, exact := m.AnalyzerNamed(conceptAnalyzer), m.AnalyzerNamed(exactAnalyzer)
	f.Fuzz(func(t *testing.T, s string) {
		toks := mentions.Analyze([]byte(s))
		for i, tok := range toks {
			c := indexThesaurus.byAcronym[string(tok.Term)]
			if c == nil {
				t.Fatalf("%q: %q is no concept's acronym", s, tok.Term)
			}
			if tok.Start < 0 || tok.End > len(s) || tok.Start >= tok.End {
				t.Fatalf("%q: %s at %d–%d, outside the text", s, tok.Term, tok.Start, tok.End)
			}
			if i > 0 && (tok.Start < toks[i-1].Start || tok.Position != toks[i-1].Position+1) {
				t.Fatalf("%q: %s at %d (position %d) after %d (position %d)", s, tok.Term, tok.Start, tok.Position, toks[i-1].Start, toks[i-1].Position)
			}
			span := s[tok.Start:tok.End]
			var words []string
			for _, w := range exact.Analyze([]byte(span)) {
				words = append(words, string(w.Term))
			}
			if span != c.acronym && !c.phraseSet[strings.Join(words, " ")] {
				t.Fatalf("%q: %s spans %q, neither the acronym nor a long form", s, tok.Term, span)
			}
		}
	})
}
