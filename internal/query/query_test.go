package query

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"budget", "budget"},
		{"elective home education", "(elective home education)"},
		{`"elective home education"`, `"elective home education"`},
		{`“elective home education”`, `"elective home education"`},
		{"SEND OR EHCP", "(SEND OR EHCP)"},
		{"a b OR c", "((a b) OR c)"},
		{"budget -housing", "(budget -housing)"},
		{"budget NOT housing", "(budget -housing)"},
		{"(SEND OR EHCP) council:leicestershire", "((SEND OR EHCP) council:leicestershire)"},
		{`committee:"children and families"`, `committee:"children and families"`},
		{"title:budget", "title:budget"},
		{`title:"home education"`, `title:"home education"`},
		{"educat*", "educat*"},
		{"co-operation", "co-operation"},
		{"a AND b", "(a b)"},
		{"  ", ""},
		{"SEND, EHCP.", "(SEND EHCP)"},
	} {
		n, err := Parse(tc.in, DefaultLimits)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := String(n); got != tc.want {
			t.Errorf("Parse(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"elective home`, "not closed"},
		{"(SEND OR EHCP", "not closed"},
		{"SEND)", "without an opening"},
		{"SEND OR", "ends where a word"},
		{"OR SEND", "OR needs a word"},
		{"-housing", "not only words to leave out"},
		{"council:", "needs a value"},
		{"Council: budget", "needs a value"},
		{"ed*", "at least 3 letters"},
		{"e*d", "may only end"},
		{`""`, "Empty quotation"},
		{"()", "Empty brackets"},
		{strings.Repeat("a", 501), "too long"},
		{strings.Repeat("w ", 30), "at most 24"},
		{strings.Repeat("(", 9) + "a" + strings.Repeat(")", 9), "nested"},
		{"bad \xff", "not text"},
	} {
		_, err := Parse(tc.in, DefaultLimits)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Error(), tc.want) {
			t.Errorf("Parse(%.40q) error %v, want SyntaxError containing %q", tc.in, err, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`"elective home education" council:leicestershire -budget`, "(a OR b) NOT c*", `title:"x y"`, "((((", `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s, DefaultLimits)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Msg == "" {
				t.Fatalf("non-syntax error %v", err)
			}
			return
		}
		// What parses renders back to something that parses the same.
		again, err := Parse(String(n), Limits{MinPrefixLen: 1})
		if err != nil || String(again) != String(n) {
			t.Fatalf("%q → %q → %v %v", s, String(n), String(again), err)
		}
	})
}
