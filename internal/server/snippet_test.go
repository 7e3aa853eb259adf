package server

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// A snippet passed without sanitising holds no markup but <mark> and
// </mark>, as an HTML tokenizer reads it.
func FuzzOnlyMarks(f *testing.F) {
	for _, s := range []string{
		"plain text", "the <mark>SEND</mark> review &amp; plan", "<mark>a</mark><mark>b</mark>",
		"<script>alert(1)</script>", "<mark onclick=x>a</mark>", "a > b", "a < b", "<!-- c -->",
		"<mark >", "</mark foo>", "<MARK>", "&lt;script&gt;", "<mark", "x</mark",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !onlyMarks(s) {
			return
		}
		z := html.NewTokenizer(strings.NewReader(s))
		for {
			switch tt := z.Next(); tt {
			case html.ErrorToken:
				return
			case html.TextToken:
			case html.StartTagToken, html.EndTagToken:
				name, hasAttr := z.TagName()
				if string(name) != "mark" || hasAttr {
					t.Fatalf("%q passed unsanitised, but holds %s", s, z.Token())
				}
			default:
				t.Fatalf("%q passed unsanitised, but holds a %v token", s, tt)
			}
		}
	})
}

func TestSnippetHTML(t *testing.T) {
	s := &Server{sanitise: snippetPolicy()}
	for in, want := range map[string]string{
		"the <mark>SEND</mark> review &amp; plan": "the <mark>SEND</mark> review &amp; plan",
		"a <b>bold</b> <mark>word</mark>":         "a bold <mark>word</mark>",
		`<mark class="x">a</mark>`:                "<mark>a</mark>",
		"<script>alert(1)</script>tail":           "tail",
	} {
		if got := s.snippetHTML(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
