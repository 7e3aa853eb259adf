package parse

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/normalise"
)

// moderngov-table: the same meeting page flattened into a pipe table
// ("No. | Item |" then one row per item, rows separated by "|" lines). A
// row runs title, agenda text, "Minutes:" and the minutes together, with
// the page's hard line wraps inside sentences.

func init() {
	Register(Format{Name: "moderngov-table", Sniff: sniffModernGovTable, Parse: parseModernGovTable})
}

var (
	tableHeader = regexp.MustCompile(`(?m)^\s*No\.?\s*\|\s*Item\s*\|?\s*$`)
	rowRule     = regexp.MustCompile(`(?m)^\s*-{2,}\s*\|\s*-{2,}\s*\|?\s*$`)
	rowSep      = regexp.MustCompile(`(?m)^\s*\|\s*$`)
	rowNumber   = regexp.MustCompile(`^(\d{1,3}[a-z]?|\d{1,3}/\d{1,4}[a-z]?)\.?\s+`)
	// First sentence end: ". " followed by a capital, or end of string.
	sentenceEnd = regexp.MustCompile(`[.?!](?:["'’”)]*)\s+[A-Z"“‘(]`)
	// Inline list markers and decision markers that lost their line break.
	inlineBreak = regexp.MustCompile(`\s+((?:\(?(?:i{1,3}|iv|vi{0,3}|ix|x|[a-h])[.)])\s+[A-Z(]|RESOLVED\b|AGREED\b)`)
)

func sniffModernGovTable(in Input, text string) int {
	if looksLikeMarkup(text) {
		return 0
	}
	score := 0
	if tableHeader.MatchString(text) {
		score += 6
	}
	if rowRule.MatchString(text) {
		score += 2
	}
	if n := len(rowSep.FindAllStringIndex(text, 50)); n >= 2 {
		score += 2
	}
	return score
}

func parseModernGovTable(in Input, text string) (*archive.Meeting, error) {
	h, start := readHeader(strings.Split(text, "\n"))
	m := &archive.Meeting{Committee: h.committee, Date: h.date, Time: h.time, Venue: h.venue}
	body := strings.Join(strings.Split(text, "\n")[start:], "\n")
	if loc := rowRule.FindStringIndex(body); loc != nil {
		body = body[loc[1]:]
	}
	for _, row := range rowSep.Split(body, -1) {
		row = strings.TrimSpace(row)
		row = strings.TrimSpace(strings.TrimSuffix(row, "|"))
		if row == "" {
			continue
		}
		m.Items = append(m.Items, tableRow(row))
	}
	if len(m.Items) == 0 {
		return nil, fmt.Errorf("%w: no table rows found", archive.ErrNoMeeting)
	}
	return m, nil
}

// tableRow splits one row into number, title, agenda text and minutes.
func tableRow(row string) archive.Item {
	var it archive.Item
	line := normalise.Line(row)
	if m := rowNumber.FindStringSubmatch(line); m != nil {
		it.Number = m[1]
		line = line[len(m[0]):]
	}
	before, after := line, ""
	if loc := regexp.MustCompile(`(?:^|\s)(?:Minutes|Decision)\s*:\s*`).FindStringIndex(line); loc != nil {
		before, after = strings.TrimSpace(line[:loc[0]]), line[loc[1]:]
		it.Text = restoreBreaks(after)
	} else {
		// No label: the first sentence is the title, the rest the minutes.
		title, rest := splitTitle(line)
		it.Title, it.Text = title, restoreBreaks(rest)
		return it
	}
	it.Title, it.AgendaText = splitTitle(before)
	return it
}

// splitTitle takes the title off the front of s: up to the page's document
// link ("PDF 163 KB") when there is one, else the first sentence.
func splitTitle(s string) (title, rest string) {
	if s == "" {
		return "", ""
	}
	if loc := furnitureHit.FindStringIndex(s); loc != nil {
		return strings.TrimSpace(s[:loc[0]]), strings.TrimSpace(s[loc[1]:])
	}
	if loc := sentenceEnd.FindStringIndex(s); loc != nil {
		cut := loc[1] - 1 // keep the capital that opens the next sentence
		return strings.TrimSpace(s[:cut]), strings.TrimSpace(s[cut:])
	}
	return strings.TrimSpace(s), ""
}

// restoreBreaks puts paragraph breaks back before list markers and
// decision markers that the flattening ran into the text.
func restoreBreaks(s string) string {
	return strings.TrimSpace(inlineBreak.ReplaceAllString(s, "\n\n$1"))
}
