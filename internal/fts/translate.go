package fts

import (
	"errors"
	"fmt"
	"strings"

	"github.com/minutebook/minutebook/internal/normalise"
	"github.com/minutebook/minutebook/internal/query"
)

// ErrUnsupported is a query the FTS5 translation cannot express, such as
// a council: prefix inside OR, or a NOT with nothing to subtract from.
var ErrUnsupported = errors.New("fts: query not expressible in FTS5")

// Translation is a query in FTS5 terms: a MATCH expression (empty when the
// query only filters) and SQL conditions on docs d for the keyword
// prefixes (council:, committee:, topic:).
type Translation struct {
	Match   string
	Filters []string
	Args    []any
}

// Translate turns a parsed query into FTS5 MATCH syntax: words are ANDed,
// phrases quoted, OR and NOT kept, title: becomes a column filter, and the
// keyword prefixes become SQL filters. Every word is quoted, so no FTS5
// syntax typed by a user passes through.
func Translate(n query.Node) (Translation, error) {
	var t Translation
	if n == nil {
		return t, nil
	}
	var pos, neg []string
	children := []query.Node{n}
	if a, ok := n.(query.And); ok {
		children = a.Children
	}
	for _, c := range children {
		not, negated := c.(query.Not)
		if negated {
			c = not.Child
		}
		if term, ok := c.(query.Term); ok && isKeyword(term.Field) {
			cond, arg := keywordFilter(term)
			if negated {
				cond = "NOT " + cond
			}
			t.Filters = append(t.Filters, cond)
			t.Args = append(t.Args, arg)
			continue
		}
		expr, err := match(c)
		if err != nil {
			return t, err
		}
		if negated {
			neg = append(neg, expr)
		} else {
			pos = append(pos, expr)
		}
	}
	switch {
	case len(pos) == 0 && len(neg) > 0:
		return t, fmt.Errorf("%w: %q leaves words out without a word to look for", ErrUnsupported, query.String(n))
	case len(pos) == 0:
		return t, nil
	}
	t.Match = strings.Join(pos, " AND ")
	if len(neg) > 0 {
		t.Match = "(" + t.Match + ") NOT (" + strings.Join(neg, " OR ") + ")"
	}
	return t, nil
}

// match renders one node as an FTS5 expression.
func match(n query.Node) (string, error) {
	switch n := n.(type) {
	case query.Term:
		if isKeyword(n.Field) {
			return "", fmt.Errorf("%w: %s:%s inside OR or brackets", ErrUnsupported, n.Field, n.Text)
		}
		s := quote(n.Text)
		if n.Prefix {
			s += " *"
		}
		if n.Field == "title" {
			s = "title : " + s
		}
		return s, nil
	case query.Phrase:
		s := quote(strings.Join(n.Words, " "))
		if n.Field == "title" {
			s = "title : " + s
		}
		return s, nil
	case query.And:
		var pos, neg []string
		for _, c := range n.Children {
			if not, ok := c.(query.Not); ok {
				e, err := match(not.Child)
				if err != nil {
					return "", err
				}
				neg = append(neg, e)
				continue
			}
			e, err := match(c)
			if err != nil {
				return "", err
			}
			pos = append(pos, e)
		}
		if len(pos) == 0 {
			return "", fmt.Errorf("%w: %q has only words to leave out", ErrUnsupported, query.String(n))
		}
		s := "(" + strings.Join(pos, " AND ") + ")"
		if len(neg) > 0 {
			s = "(" + s + " NOT (" + strings.Join(neg, " OR ") + "))"
		}
		return s, nil
	case query.Or:
		parts := make([]string, 0, len(n.Children))
		for _, c := range n.Children {
			e, err := match(c)
			if err != nil {
				return "", err
			}
			parts = append(parts, e)
		}
		return "(" + strings.Join(parts, " OR ") + ")", nil
	case query.Not:
		return "", fmt.Errorf("%w: %q: NOT needs words to subtract from", ErrUnsupported, query.String(n))
	}
	return "", fmt.Errorf("%w: %T", ErrUnsupported, n)
}

// quote makes an FTS5 string: the tokenizer splits it into words, and a
// string of several words is a phrase.
func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func isKeyword(field string) bool {
	return field == "council" || field == "committee" || field == "topic"
}

func keywordFilter(t query.Term) (string, any) {
	switch t.Field {
	case "council":
		return "d.council = ?", strings.ToLower(t.Text)
	case "committee":
		return "d.committee = ?", normalise.Slug(t.Text)
	}
	return "d.id IN (SELECT doc FROM doc_topics WHERE topic = ?)", strings.ToLower(t.Text)
}
