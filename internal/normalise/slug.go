package normalise

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Slug turns a name into a lower-case, hyphenated ASCII slug
// ("Children & Young People's Panel" → "children-and-young-peoples-panel").
// Slugs are part of permalinks, so this function must never change output
// for existing input.
func Slug(s string) string {
	s = strings.ReplaceAll(s, "&", " and ")
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // accents dropped after NFKD
		case r == '\'' || r == '’' || r == '‘':
			// "People's" → "peoples", not "people-s"
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToLower(r))
		default:
			dash = true
		}
	}
	return b.String()
}
