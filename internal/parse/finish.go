package parse

import (
	"regexp"
	"strings"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/normalise"
)

// finish applies the normalising rules every format shares, so that all
// formats produce the same shape of item.
func finish(m *archive.Meeting) {
	m.Committee = normalise.Line(m.Committee)
	m.Venue = strings.TrimRight(normalise.Line(normalise.StripFurniture(m.Venue)), " .,")
	for i := range m.Items {
		it := &m.Items[i]
		it.Number = strings.TrimRight(normalise.Line(it.Number), ".")
		it.Title = normalise.Title(it.Title)
		it.AgendaText = cleanText(it.AgendaText)
		text, cut := normalise.CutShort(cleanText(it.Text))
		it.Text = text
		it.Truncated = it.Truncated || cut
		if it.Resolutions == nil {
			it.Resolutions = normalise.Resolutions(it.Text)
		}
	}
}

var (
	htmlBreak = regexp.MustCompile(`(?i)</?(?:p|div|ul|ol|table|tr|h\d)\b[^>]*>|<br\s*/?>|<li\b[^>]*>`)
	htmlTag   = regexp.MustCompile(`</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>`)
	mdBold    = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
	// Inline list markers that lost their line break in extraction.
	inlineBullet = regexp.MustCompile(`\s+([•·▪])\s+`)
)

// cleanText strips furniture and stray markup from minutes text and makes
// paragraphs regular.
func cleanText(s string) string {
	s = htmlBreak.ReplaceAllString(s, "\n\n")
	s = htmlTag.ReplaceAllString(s, "")
	s = mdBold.ReplaceAllString(s, "$1")
	s = inlineBullet.ReplaceAllString(s, "\n\n$1 ")
	s = normalise.StripFurniture(s)
	return normalise.Paragraphs(s)
}
