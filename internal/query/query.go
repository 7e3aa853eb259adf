// Package query parses Minutebook's search language into a tree:
//
//	words                 all must match
//	"an exact phrase"     the words in order, unstemmed
//	a OR b                either
//	-word, NOT word       must not match
//	( … )                 grouping
//	council:slug committee:slug topic:slug title:word   field prefixes
//	educat*               a word prefix (at least three letters)
//
// No search engine's syntax passes through: the tree is all the engine
// sees. Bad input gives a *SyntaxError saying what to fix.
package query

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Node is a parsed query.
type Node interface{ node() }

// Term is one word, optionally limited to a field. Exact reports the word
// was typed in capitals (an acronym such as SEND).
type Term struct {
	Field  string // "", "title", "council", "committee", "topic"
	Text   string // as typed
	Prefix bool   // "educat*"
}

// Phrase is a quoted phrase.
type Phrase struct {
	Field string
	Words []string
}

// And matches when every child matches.
type And struct{ Children []Node }

// Or matches when any child matches.
type Or struct{ Children []Node }

// Not excludes what its child matches.
type Not struct{ Child Node }

func (Term) node()   {}
func (Phrase) node() {}
func (And) node()    {}
func (Or) node()     {}
func (Not) node()    {}

// Limits bound the work one query may ask for.
type Limits struct {
	MaxLength    int // characters
	MaxTerms     int // words and phrases
	MinPrefixLen int // letters before a "*"
	MaxDepth     int // nested parentheses
}

// DefaultLimits are the limits the web and API use.
var DefaultLimits = Limits{MaxLength: 500, MaxTerms: 24, MinPrefixLen: 3, MaxDepth: 8}

// SyntaxError is a query the parser could not read, with a sentence
// saying what to fix.
type SyntaxError struct {
	Msg string
	Pos int // byte offset in the query
}

func (e *SyntaxError) Error() string { return e.Msg }

// Fields are the field prefixes the language knows.
var Fields = map[string]bool{"council": true, "committee": true, "topic": true, "title": true}

// Parse reads a query. An empty query (only spaces) gives a nil Node.
func Parse(s string, lim Limits) (Node, error) {
	if !utf8.ValidString(s) {
		return nil, &SyntaxError{Msg: "The search contains characters that are not text; retype it."}
	}
	if lim.MaxLength > 0 && utf8.RuneCountInString(s) > lim.MaxLength {
		return nil, &SyntaxError{Msg: fmt.Sprintf("The search is too long: keep it under %d characters.", lim.MaxLength), Pos: lim.MaxLength}
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, lim: lim}
	if len(toks) == 0 {
		return nil, nil
	}
	n, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		t := p.toks[p.pos]
		if t.kind == tRParen {
			return nil, &SyntaxError{Msg: "There is a closing bracket “)” without an opening one; remove it or add “(”.", Pos: t.at}
		}
		return nil, &SyntaxError{Msg: fmt.Sprintf("Unexpected %q.", t.text), Pos: t.at}
	}
	if lim.MaxTerms > 0 && p.terms > lim.MaxTerms {
		return nil, &SyntaxError{Msg: fmt.Sprintf("The search has %d words; use at most %d.", p.terms, lim.MaxTerms)}
	}
	if onlyNegative(n) {
		return nil, &SyntaxError{Msg: "A search needs at least one word to look for, not only words to leave out (-word)."}
	}
	return n, nil
}

func onlyNegative(n Node) bool {
	switch n := n.(type) {
	case Not:
		return true
	case And:
		for _, c := range n.Children {
			if !onlyNegative(c) {
				return false
			}
		}
		return true
	}
	return false
}

type tokKind int

const (
	tWord tokKind = iota
	tPhrase
	tLParen
	tRParen
	tOr
	tNot
	tMinus
)

type token struct {
	kind  tokKind
	text  string
	field string
	at    int
}

func lex(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			i += w
		case r == '(':
			toks = append(toks, token{kind: tLParen, text: "(", at: i})
			i++
		case r == ')':
			toks = append(toks, token{kind: tRParen, text: ")", at: i})
			i++
		case r == '-' && startsToken(s[:i]):
			toks = append(toks, token{kind: tMinus, text: "-", at: i})
			i++
		case r == '"' || r == '“' || r == '”':
			t, n, err := lexPhrase(s, i, "")
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = n
		default:
			start := i
			for i < len(s) {
				r, w := utf8.DecodeRuneInString(s[i:])
				if unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' || r == '“' || r == '”' {
					break
				}
				i += w
			}
			word := s[start:i]
			if f, v, ok := strings.Cut(word, ":"); ok && Fields[strings.ToLower(f)] {
				f = strings.ToLower(f)
				if v == "" && i < len(s) && (s[i] == '"' || strings.HasPrefix(s[i:], "“")) {
					t, n, err := lexPhrase(s, i, f)
					if err != nil {
						return nil, err
					}
					t.at = start
					toks = append(toks, t)
					i = n
					continue
				}
				if v == "" {
					return nil, &SyntaxError{Msg: fmt.Sprintf("“%s:” needs a value after it, e.g. %s:%s.", f, f, fieldExample[f]), Pos: start}
				}
				toks = append(toks, token{kind: tWord, text: v, field: f, at: start})
				continue
			}
			switch word {
			case "OR", "|":
				toks = append(toks, token{kind: tOr, text: word, at: start})
			case "NOT":
				toks = append(toks, token{kind: tNot, text: word, at: start})
			case "AND", "&":
				// "a AND b" is what "a b" means already.
			default:
				toks = append(toks, token{kind: tWord, text: word, at: start})
			}
		}
	}
	return toks, nil
}

var fieldExample = map[string]string{"council": "leicestershire", "committee": "cabinet", "topic": "send", "title": "budget"}

// startsToken reports whether what follows before begins a new token: it
// is empty or ends in a space, a bracket, a quotation mark or a NOT's "-".
// A "-" there is NOT, so no word starts with "-" (a query renders back as
// it parses).
func startsToken(before string) bool {
	r, _ := utf8.DecodeLastRuneInString(before)
	return before == "" || unicode.IsSpace(r) || strings.ContainsRune("()\"“”-", r)
}

func lexPhrase(s string, i int, field string) (token, int, error) {
	start := i
	_, w := utf8.DecodeRuneInString(s[i:])
	i += w
	end := -1
	for j := i; j < len(s); {
		r, w := utf8.DecodeRuneInString(s[j:])
		if r == '"' || r == '”' || r == '“' {
			end = j
			break
		}
		j += w
	}
	if end < 0 {
		return token{}, 0, &SyntaxError{Msg: "A quotation mark is not closed: add a closing \" after the phrase.", Pos: start}
	}
	text := s[i:end]
	_, w = utf8.DecodeRuneInString(s[end:])
	return token{kind: tPhrase, text: text, field: field, at: start}, end + w, nil
}

type parser struct {
	toks  []token
	pos   int
	lim   Limits
	terms int
}

func (p *parser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

func (p *parser) or(depth int) (Node, error) {
	first, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	children := []Node{first}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tOr {
			break
		}
		p.pos++
		next, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		children = append(children, next)
	}
	if len(children) == 1 {
		return first, nil
	}
	return Or{Children: children}, nil
}

func (p *parser) and(depth int) (Node, error) {
	var children []Node
	for {
		t, ok := p.peek()
		if !ok || t.kind == tOr || t.kind == tRParen {
			break
		}
		n, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		children = append(children, n)
	}
	if len(children) == 0 {
		t, ok := p.peek()
		if !ok {
			return nil, &SyntaxError{Msg: "The search ends where a word was expected (after OR or NOT, or inside brackets).", Pos: lastPos(p)}
		}
		if t.kind == tOr {
			return nil, &SyntaxError{Msg: "OR needs a word on each side, e.g. SEND OR EHCP.", Pos: t.at}
		}
		return nil, &SyntaxError{Msg: "Empty brackets: put words inside “( )” or remove them.", Pos: t.at}
	}
	if len(children) == 1 {
		return children[0], nil
	}
	return And{Children: children}, nil
}

func lastPos(p *parser) int {
	if len(p.toks) == 0 {
		return 0
	}
	return p.toks[len(p.toks)-1].at
}

func (p *parser) unary(depth int) (Node, error) {
	t, _ := p.peek()
	switch t.kind {
	case tMinus, tNot:
		p.pos++
		if _, ok := p.peek(); !ok {
			return nil, &SyntaxError{Msg: fmt.Sprintf("%q needs a word after it, e.g. -budget.", t.text), Pos: t.at}
		}
		child, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		return Not{Child: child}, nil
	case tLParen:
		if p.lim.MaxDepth > 0 && depth >= p.lim.MaxDepth {
			return nil, &SyntaxError{Msg: fmt.Sprintf("Too many nested brackets: use at most %d levels.", p.lim.MaxDepth), Pos: t.at}
		}
		p.pos++
		n, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c, ok := p.peek(); !ok || c.kind != tRParen {
			return nil, &SyntaxError{Msg: "A bracket “(” is not closed: add “)”.", Pos: t.at}
		}
		p.pos++
		return n, nil
	case tRParen:
		return nil, &SyntaxError{Msg: "There is a closing bracket “)” without an opening one; remove it or add “(”.", Pos: t.at}
	case tPhrase:
		p.pos++
		words := strings.Fields(t.text)
		p.terms++
		if len(words) == 0 {
			return nil, &SyntaxError{Msg: "Empty quotation marks: put a phrase between them.", Pos: t.at}
		}
		if isKeywordField(t.field) {
			return Term{Field: t.field, Text: strings.Join(words, " ")}, nil
		}
		if len(words) == 1 {
			w := strings.TrimRight(words[0], ".,;:!?")
			if w == "" || strings.ContainsAny(w, "*?") {
				return nil, &SyntaxError{Msg: fmt.Sprintf("%q is not a word to search for.", words[0]), Pos: t.at}
			}
			return Term{Field: t.field, Text: w}, nil
		}
		return Phrase{Field: t.field, Words: words}, nil
	case tWord:
		p.pos++
		p.terms++
		text := strings.TrimRight(t.text, ".,;:!?")
		if text == "" {
			return nil, &SyntaxError{Msg: fmt.Sprintf("%q is not a word to search for.", t.text), Pos: t.at}
		}
		term := Term{Field: t.field, Text: text}
		if strings.HasSuffix(text, "*") {
			stem := strings.TrimRight(text, "*")
			if strings.ContainsAny(stem, "*?") || utf8.RuneCountInString(stem) < p.lim.MinPrefixLen {
				return nil, &SyntaxError{Msg: fmt.Sprintf("Put at least %d letters before “*” (e.g. educat*).", max(p.lim.MinPrefixLen, 1)), Pos: t.at}
			}
			term.Text, term.Prefix = stem, true
		} else if strings.ContainsAny(text, "*?") {
			return nil, &SyntaxError{Msg: "“*” may only end a word (e.g. educat*); “?” is not supported.", Pos: t.at}
		}
		return term, nil
	}
	return nil, &SyntaxError{Msg: fmt.Sprintf("Unexpected %q.", t.text), Pos: t.at}
}

func isKeywordField(f string) bool { return f == "council" || f == "committee" || f == "topic" }

// String renders a tree in the query language (for logs and tests).
func String(n Node) string {
	switch n := n.(type) {
	case nil:
		return ""
	case Term:
		s := n.Text
		special := " \t()\"“”:"
		if n.Prefix {
			// A prefix cannot be quoted ("00:"* is a phrase and a lone *);
			// a colon in one reads back as part of the word.
			special = " \t()\"“”"
		}
		// An operator word is quoted to read back as a word; with its "*"
		// it is a word already ("NOT*").
		operator := !n.Prefix && (s == "OR" || s == "NOT" || s == "AND" || s == "|" || s == "&")
		// A keyword value ("council:\".\"", "council:\"a*\"") keeps what a
		// bare word would lose to trimming or read as a prefix.
		literal := !n.Prefix && (strings.ContainsAny(s, "*?") || strings.TrimRight(s, ".,;:!?") != s)
		if strings.ContainsAny(s, special) || strings.HasPrefix(s, "-") || operator || literal {
			s = `"` + s + `"`
		}
		if n.Prefix {
			s += "*"
		}
		if n.Field != "" {
			s = n.Field + ":" + s
		}
		return s
	case Phrase:
		s := `"` + strings.Join(n.Words, " ") + `"`
		if n.Field != "" {
			s = n.Field + ":" + s
		}
		return s
	case And:
		return "(" + join(n.Children, " ") + ")"
	case Or:
		return "(" + join(n.Children, " OR ") + ")"
	case Not:
		if _, double := n.Child.(Not); double {
			// "--x" would read back as NOT the word "-x".
			return "-(" + String(n.Child) + ")"
		}
		return "-" + String(n.Child)
	}
	return "?"
}

func join(ns []Node, sep string) string {
	parts := make([]string, len(ns))
	for i, c := range ns {
		parts[i] = String(c)
	}
	return strings.Join(parts, sep)
}
