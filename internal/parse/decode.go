package parse

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Decode turns a document's bytes into clean UTF-8 text: BOMs honoured
// (UTF-8, UTF-16), Windows-1252 assumed when the bytes are not valid UTF-8
// or the content type says so, HTML entities resolved, odd spaces made
// plain, line endings made "\n" and control characters dropped.
//
// HTML formats parse Body themselves; Decode's text is what they sniff.
func Decode(body []byte, contentType string) string {
	var s string
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		s = string(body[3:])
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}), bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		dec := xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM).NewDecoder()
		out, _, err := transform.Bytes(dec, body)
		if err != nil {
			out = body
		}
		s = string(out)
	case strings.Contains(strings.ToLower(contentType), "1252"),
		strings.Contains(strings.ToLower(contentType), "8859-1"),
		!utf8.Valid(body):
		out, _, err := transform.Bytes(charmap.Windows1252.NewDecoder(), body)
		if err != nil {
			out = bytes.ToValidUTF8(body, []byte("\uFFFD"))
		}
		s = string(out)
	default:
		s = string(body)
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if strings.Contains(s, "&") && entity.MatchString(s) {
		s = html.UnescapeString(s)
	}
	return strings.Map(cleanRune, s)
}

var entity = regexp.MustCompile(`&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});`)

func cleanRune(r rune) rune {
	switch {
	case r == '\n' || r == '\t':
		return r
	case r == '\u00A0' || r == '\u2007' || r == '\u202F' || r == '\u2009' || r == '\u200A' || r == '\u3000':
		return ' '
	case r == '\u200B' || r == '\uFEFF' || r == '\u00AD' || r == '\u200E' || r == '\u200F':
		return -1 // zero-width, BOM, soft hyphen, direction marks
	case r == utf8.RuneError:
		return -1
	case unicode.IsControl(r):
		return -1
	case unicode.IsSpace(r):
		return ' '
	}
	return r
}

// IsBinary reports whether body looks like a binary (non-text) file.
func IsBinary(body []byte) bool {
	if IsPDF(body) {
		return false // PDFs are binary, but a format we read
	}
	n := len(body)
	if n > 4096 {
		n = 4096
	}
	if n == 0 {
		return false
	}
	if bytes.HasPrefix(body, []byte{0xFF, 0xFE}) || bytes.HasPrefix(body, []byte{0xFE, 0xFF}) {
		return false // UTF-16 text has NULs
	}
	ctl := 0
	for _, b := range body[:n] {
		if b == 0 {
			return true
		}
		if b < 0x09 || (b > 0x0D && b < 0x20) {
			ctl++
		}
	}
	return ctl*20 > n
}
