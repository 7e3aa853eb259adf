package search

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"unicode"
)

//go:embed thesaurus.txt
var thesaurusFile string

// concept is one acronym and the phrases it stands for.
type concept struct {
	acronym   string     // "EHE"
	wordLike  bool       // "SEND": expand only when typed in capitals
	phrases   [][]string // lower-case words of each long form
	phraseSet map[string]bool
}

// thesaurus maps acronyms and long forms to concepts.
type thesaurus struct {
	byAcronym   map[string]*concept   // upper-case acronym
	byFirstWord map[string][]*concept // concepts with a long form starting with the word
	concepts    []*concept
}

func loadThesaurus(src string) (*thesaurus, error) {
	th := &thesaurus{byAcronym: map[string]*concept{}, byFirstWord: map[string][]*concept{}}
	sc := bufio.NewScanner(strings.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		left, right, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("thesaurus line %d: want ACRONYM = phrase | phrase", n)
		}
		c := &concept{acronym: strings.TrimSpace(left), phraseSet: map[string]bool{}}
		if strings.HasPrefix(c.acronym, "!") {
			c.acronym, c.wordLike = strings.TrimPrefix(c.acronym, "!"), true
		}
		if c.acronym == "" || strings.ToUpper(c.acronym) != c.acronym {
			return nil, fmt.Errorf("thesaurus line %d: acronym %q must be capitals", n, c.acronym)
		}
		for _, p := range strings.Split(right, "|") {
			words := phraseWords(p)
			if len(words) == 0 {
				return nil, fmt.Errorf("thesaurus line %d: empty phrase", n)
			}
			c.phrases = append(c.phrases, words)
			if first := th.byFirstWord[words[0]]; len(first) == 0 || first[len(first)-1] != c {
				th.byFirstWord[words[0]] = append(first, c)
			}
			c.phraseSet[strings.Join(words, " ")] = true
		}
		th.byAcronym[c.acronym] = c
		th.concepts = append(th.concepts, c)
	}
	return th, nil
}

// phraseWords splits a phrase into lower-case words as the exact analyzer
// sees them ("education, health and care" → education health and care).
func phraseWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’'
	})
}

// acronym finds the concept for a typed word: acronyms that are also
// ordinary words only when typed in capitals.
func (th *thesaurus) acronym(typed string) *concept {
	c := th.byAcronym[strings.ToUpper(typed)]
	if c == nil {
		return nil
	}
	if c.wordLike && typed != c.acronym {
		return nil
	}
	return c
}

// longForm finds a concept whose long form is exactly words.
func (th *thesaurus) longForm(words []string) *concept {
	key := strings.Join(words, " ")
	for _, c := range th.concepts {
		if c.phraseSet[key] {
			return c
		}
	}
	return nil
}

// longest long form, in words, for scanning word runs.
func (th *thesaurus) maxWords() int {
	n := 0
	for _, c := range th.concepts {
		for _, p := range c.phrases {
			n = max(n, len(p))
		}
	}
	return n
}
