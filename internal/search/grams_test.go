package search

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
)

// tokens is words as the unicode tokenizer gives them, one space apart;
// "·" leaves a gap in the positions.
func tokens(text string) analysis.TokenStream {
	var in analysis.TokenStream
	pos, start := 1, 0
	for _, w := range strings.Fields(text) {
		if w == "·" {
			pos++
			continue
		}
		in = append(in, &analysis.Token{Term: []byte(w), Position: pos, Start: start, End: start + len(w)})
		pos++
		start += len(w) + 1
	}
	return in
}

func TestGramFilter(t *testing.T) {
	tests := []struct {
		text string
		want []string // term@position
	}{
		{"it was noted that", []string{"it was noted@1", "it was noted that@1", "was noted that@2"}},
		{"elective home education", nil},
		{"report of the council", []string{"report of the@1", "of the council@2"}},
		{"the report of the council", []string{"the report of@1", "the report of the@1", "report of the@2", "of the council@3"}},
		{"council", nil},
		{"of the · of the council", []string{"of the council@4"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tok := range (gramFilter{}).Filter(tokens(tt.text)) {
			got = append(got, string(tok.Term)+"@"+strconv.Itoa(tok.Position))
			if !strings.Contains(tt.text, "·") && tt.text[tok.Start:tok.End] != string(tok.Term) {
				t.Errorf("%q: gram %q spans %q", tt.text, tok.Term, tt.text[tok.Start:tok.End])
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q:\n got %q\nwant %q", tt.text, got, tt.want)
		}
	}
}

func TestGramOf(t *testing.T) {
	tests := []struct{ phrase, want string }{
		{"the council", ""}, // a pair
		{"report of the", "report of the"},
		{"it was noted that", "it was noted that"},
		{"elective home education", ""},
		{"the report of the council", ""}, // too long
		{"noted that the council", ""},    // two content words
	}
	for _, tt := range tests {
		if got := gramOf(strings.Fields(tt.phrase)); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.phrase, got, tt.want)
		}
	}
}

// FuzzGrams checks that the index holds a gram for exactly the runs of
// words gramOf says it does, so a phrase looked up as a gram finds every
// item that has it.
func FuzzGrams(f *testing.F) {
	for _, s := range []string{"it was noted that the council", "the report of the council", "a b c d e f g", "of of of of of"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words := strings.Fields(strings.ToLower(s))
		if len(words) > 64 || strings.Contains(s, "·") {
			return
		}
		want := map[string]bool{}
		for i := range words {
			for k := minGram; k <= maxGram && i+k <= len(words); k++ {
				if g := gramOf(words[i : i+k]); g != "" {
					want[strconv.Itoa(i+1)+"@"+g] = true
				}
			}
		}
		got := map[string]bool{}
		for _, tok := range (gramFilter{}).Filter(tokens(strings.Join(words, " "))) {
			got[strconv.Itoa(tok.Position)+"@"+string(tok.Term)] = true
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: indexed %v, want %v", s, got, want)
		}
	})
}
