package parse

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/normalise"
)

// moderngov-text: a ModernGov meeting page ("Agenda and minutes", "Agenda,
// decisions and minutes", "Agenda and draft minutes", "Agenda and
// decisions") saved as text, one block per blank-line paragraph. Items may
// be numbered (a number alone in a block) or not, and may or may not carry
// "Minutes:" / "Decision:" labels.

func init() {
	Register(Format{Name: "moderngov-text", Sniff: sniffModernGovText, Parse: parseModernGovText})
}

var mgPageTitle = regexp.MustCompile(`(?im)^(?:Agenda(?:,)? (?:and |decisions and )?(?:draft )?(?:minutes|decisions))\s*$`)

func sniffModernGovText(in Input, text string) int {
	if looksLikeMarkup(text) {
		return 0
	}
	head := text
	if len(head) > 3000 {
		head = head[:3000]
	}
	score := 0
	if mgPageTitle.MatchString(head) {
		score += 4
	}
	for _, l := range strings.Split(head, "\n") {
		l = strings.TrimSpace(l)
		if headingLine.MatchString(l) {
			score += 3
		}
		if venueLine.MatchString(l) {
			score++
		}
		if itemsHeader.MatchString(l) {
			score += 2
		}
	}
	if regexp.MustCompile(`(?m)^(?:Minutes|Decision)\s*:\s*$`).MatchString(text) {
		score += 2
	}
	if strings.Contains(head, "| Item |") {
		score -= 5 // the pipe-table variant
	}
	return max(score, 0)
}

// looksLikeMarkup is true for HTML documents, which have parsers of their own.
func looksLikeMarkup(text string) bool {
	head := strings.ToLower(strings.TrimSpace(text))
	if len(head) > 1000 {
		head = head[:1000]
	}
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") ||
		strings.Contains(head, "<head") || strings.HasPrefix(head, "%pdf-")
}

// block kinds while walking a page.
type mgBlock struct {
	text   string
	number bool // an item number alone
	label  bool // starts with Minutes:/Decision:
}

func parseModernGovText(in Input, text string) (*archive.Meeting, error) {
	lines := strings.Split(text, "\n")
	h, start := readHeader(lines)
	m := &archive.Meeting{Committee: h.committee, Date: h.date, Time: h.time, Venue: h.venue}

	var blocks []mgBlock
	for _, b := range splitBlocks(strings.Join(lines[start:], "\n")) {
		if itemsHeader.MatchString(b) || IsWebcastNotice(b) {
			continue
		}
		blocks = append(blocks, mgBlock{text: b, number: numberOnly.MatchString(b), label: minutesLabel.MatchString(b)})
	}
	numbered, labelled := false, false
	for _, b := range blocks {
		numbered = numbered || b.number
		labelled = labelled || b.label
	}
	switch {
	case numbered:
		m.Items = numberedItems(blocks)
	case labelled:
		m.Items = labelledItems(blocks)
	default:
		m.Items = unlabelledItems(blocks)
	}
	if len(m.Items) == 0 {
		return nil, fmt.Errorf("%w: no agenda items found", archive.ErrNoMeeting)
	}
	return m, nil
}

// IsWebcastNotice reports whether a block is a webcast notice.
func IsWebcastNotice(b string) bool { return normalise.IsWebcastNotice(normalise.Line(b)) }

// numberedItems reads pages where every item starts with its number alone
// in a block: number, title, [agenda text…], [Minutes:], text….
func numberedItems(blocks []mgBlock) []archive.Item {
	var items []archive.Item
	var cur *archive.Item
	inMinutes, wantTitle := false, false
	var agenda, minutes []string
	flush := func() {
		if cur == nil {
			return
		}
		if !inMinutes && len(minutes) == 0 {
			// No label: what followed the title is the minutes.
			minutes, agenda = agenda, nil
		}
		cur.AgendaText = strings.Join(agenda, "\n\n")
		cur.Text = strings.Join(minutes, "\n\n")
		items = append(items, *cur)
		cur, agenda, minutes, inMinutes = nil, nil, nil, false
	}
	for _, b := range blocks {
		switch {
		case b.number:
			flush()
			cur = &archive.Item{Number: b.text}
			wantTitle = true
		case cur == nil:
			// Text before the first number: page notes, not an item.
		case wantTitle && !b.label:
			cur.Title = b.text
			wantTitle = false
		case b.label:
			wantTitle = false
			inMinutes = true
			if rest, _ := splitLabel(b.text); rest != "" {
				minutes = append(minutes, rest)
			}
		case moreDocs.MatchString(b.text):
		case inMinutes:
			minutes = append(minutes, b.text)
		default:
			agenda = append(agenda, b.text)
		}
	}
	flush()
	return items
}

// labelledItems reads unnumbered pages with "Minutes:" labels. Between two
// labels stand the previous item's minutes, then the next item's title and
// agenda text; the title is the first block there that reads like one.
func labelledItems(blocks []mgBlock) []archive.Item {
	var labels []int
	for i, b := range blocks {
		if b.label {
			labels = append(labels, i)
		}
	}
	var items []archive.Item
	prevEnd := 0 // first block not yet assigned
	for k, L := range labels {
		// Find the title in [prevEnd, L).
		titleAt := -1
		if k == 0 {
			if L > 0 {
				titleAt = prevEnd
			}
		} else {
			for j := prevEnd + 1; j < L; j++ { // the previous item keeps at least one block
				if titleScore(blocks[j].text, next(blocks, j)) >= 2 {
					titleAt = j
					break
				}
			}
			if titleAt < 0 && L-1 > prevEnd {
				titleAt = L - 1
			}
		}
		if k > 0 {
			end := L
			if titleAt >= 0 {
				end = titleAt
			}
			items[k-1].Text = joinBlocks(items[k-1].Text, blocks[prevEnd:end])
		}
		it := archive.Item{}
		if titleAt >= 0 {
			it.Title = blocks[titleAt].text
			it.AgendaText = joinBlocks("", skipDocs(blocks[titleAt+1:L]))
		}
		it.Text, _ = splitLabel(blocks[L].text)
		items = append(items, it)
		prevEnd = L + 1
	}
	if len(items) > 0 {
		items[len(items)-1].Text = joinBlocks(items[len(items)-1].Text, blocks[prevEnd:])
	}
	return items
}

// unlabelledItems reads pages with neither numbers nor labels: every block
// that reads like a title opens an item, the rest is its minutes.
func unlabelledItems(blocks []mgBlock) []archive.Item {
	var items []archive.Item
	for i, b := range blocks {
		if moreDocs.MatchString(b.text) {
			continue
		}
		isTitle := titleScore(b.text, next(blocks, i)) >= 1
		// A title needs something after it, and the previous item needs text.
		if isTitle && len(items) > 0 && items[len(items)-1].Text == "" {
			isTitle = furnitureHit.MatchString(b.text)
		}
		if isTitle || len(items) == 0 {
			items = append(items, archive.Item{Title: b.text})
			continue
		}
		items[len(items)-1].Text = joinBlocks(items[len(items)-1].Text, []mgBlock{b})
	}
	return items
}

func next(blocks []mgBlock, i int) string {
	if i+1 < len(blocks) {
		return blocks[i+1].text
	}
	return ""
}

func skipDocs(bs []mgBlock) []mgBlock {
	var out []mgBlock
	for _, b := range bs {
		if !moreDocs.MatchString(b.text) {
			out = append(out, b)
		}
	}
	return out
}

func joinBlocks(head string, bs []mgBlock) string {
	parts := []string{}
	if head != "" {
		parts = append(parts, head)
	}
	for _, b := range bs {
		if !moreDocs.MatchString(b.text) {
			parts = append(parts, b.text)
		}
	}
	return strings.Join(parts, "\n\n")
}
