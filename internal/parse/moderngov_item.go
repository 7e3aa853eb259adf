package parse

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/normalise"
)

// moderngov-item: a single "Agenda item" page (mgAi.aspx) as text: the
// title, optionally the meeting line ("Meeting: 06/09/2022 - Cabinet
// (Item 15)"), the agenda text, then "Minutes:"/"Decision:" and the full
// minutes. Also ModernGov "Decision details" pages, whose single item is a
// decision (ieDecisionDetails.aspx).

func init() {
	Register(Format{Name: "moderngov-item", Sniff: sniffModernGovItem, Parse: parseModernGovItem, ParseAll: parseModernGovItems})
}

var (
	itemPageTitle = regexp.MustCompile(`(?i)^(?:Agenda item|Decision details|Issue details|Issue - items at meetings)(?:\s*[-–]\s*(.*))?$`)
	// "Meeting: 06/09/2022 - Children and Families Overview and Scrutiny Committee (Item 15)"
	meetingLine = regexp.MustCompile(`(?i)^Meeting:\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*[-–]\s*(.+?)(?:\s*\(Item\s+([^)]+)\))?\s*$`)
	// Decision details pages.
	decisionMaker = regexp.MustCompile(`(?i)^Decision Maker:\s*(.+)$`)
	decisionDate  = regexp.MustCompile(`(?i)^(?:Date of decision|Decision date|Made at meeting|Decision published):\s*(.+)$`)
	// Decision-details metadata: facts about the decision, not its text.
	decisionMeta = regexp.MustCompile(`(?i)^(?:Decision status|Is Key decision\?|Is subject to call in\?|Report author|Publication date|Wards affected|Lead member|Contact|Call-in deadline|Effective from)\s*:|^Purpose:?$`)
	itemNumTitle = regexp.MustCompile(`^(\d{1,3}[a-z]?|\d{1,3}/\d{1,4})\.?\s+(\S.*)$`)
)

func sniffModernGovItem(in Input, text string) int {
	if looksLikeMarkup(text) {
		return 0
	}
	first := strings.TrimSpace(strings.SplitN(strings.TrimSpace(text), "\n", 2)[0])
	if itemPageTitle.MatchString(first) {
		return 8
	}
	return 0
}

func parseModernGovItem(in Input, text string) (*archive.Meeting, error) {
	return itemFromBlocks(splitBlocks(text))
}

// parseModernGovItems reads an issue page ("Issue - items at meetings"),
// which lists the same issue at several meetings: one meeting, with this
// item, per "Meeting:" line. The page's title is every item's title.
func parseModernGovItems(in Input, text string) ([]*archive.Meeting, error) {
	blocks := splitBlocks(text)
	var starts []int
	for i, b := range blocks {
		if meetingLine.MatchString(normalise.Line(b)) {
			starts = append(starts, i)
		}
	}
	if len(starts) <= 1 {
		m, err := itemFromBlocks(blocks)
		if err != nil {
			return nil, err
		}
		return []*archive.Meeting{m}, nil
	}
	head := blocks[:starts[0]]
	var out []*archive.Meeting
	for k, s := range starts {
		end := len(blocks)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		seg := append(append([]string{}, head...), blocks[s:end]...)
		m, err := itemFromBlocks(seg)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func itemFromBlocks(blocks []string) (*archive.Meeting, error) {
	if len(blocks) < 2 {
		return nil, fmt.Errorf("%w: item page has no title", archive.ErrNoMeeting)
	}
	m := &archive.Meeting{}
	it := archive.Item{}
	isDecision := strings.HasPrefix(strings.ToLower(blocks[0]), "decision")
	if sub := itemPageTitle.FindStringSubmatch(firstLine(blocks[0])); sub != nil && sub[1] != "" {
		it.Title = sub[1]
	}
	var agenda, minutes []string
	inMinutes := false
	for _, b := range blocks[1:] {
		line := normalise.Line(b)
		switch {
		case meetingLine.MatchString(line):
			mm := meetingLine.FindStringSubmatch(line)
			if d, ok := dateFromDMY(mm[1], mm[2], mm[3]); ok {
				m.Date = d
			}
			m.Committee = mm[4]
			if mm[5] != "" && it.Number == "" {
				it.Number = mm[5]
			}
		case decisionMaker.MatchString(line):
			m.Committee = decisionMaker.FindStringSubmatch(line)[1]
		case decisionDate.MatchString(line):
			if d, ok := normalise.Date(line); ok {
				m.Date = d
			} else if dm := regexp.MustCompile(`(\d{1,2})/(\d{1,2})/(\d{4})`).FindStringSubmatch(line); dm != nil {
				m.Date, _ = dateFromDMY(dm[1], dm[2], dm[3])
			}
		case it.Title == "" && !minutesLabel.MatchString(b):
			it.Title = b
			if mm := itemNumTitle.FindStringSubmatch(line); mm != nil {
				it.Number, it.Title = mm[1], mm[2]
			}
		case minutesLabel.MatchString(b):
			inMinutes = true
			// What follows "Decision:" is the decision itself.
			isDecision = isDecision || strings.HasPrefix(strings.ToLower(b), "decision") || strings.HasPrefix(strings.ToLower(b), "record of decision")
			if rest, _ := splitLabel(b); rest != "" {
				minutes = append(minutes, rest)
			}
		case moreDocs.MatchString(b):
		case isDecision && decisionMeta.MatchString(line):
		case inMinutes:
			minutes = append(minutes, b)
		default:
			agenda = append(agenda, b)
		}
	}
	if !inMinutes {
		minutes, agenda = agenda, nil
	}
	it.AgendaText = strings.Join(agenda, "\n\n")
	it.Text = strings.Join(minutes, "\n\n")
	if isDecision && it.Text != "" {
		if it.Resolutions = normalise.Resolutions(it.Text); it.Resolutions == nil {
			it.Resolutions = []string{normalise.Paragraphs(it.Text)}
		}
	}
	if it.Title == "" && it.Text == "" {
		return nil, fmt.Errorf("%w: item page has neither title nor minutes", archive.ErrNoMeeting)
	}
	m.Items = []archive.Item{it}
	return m, nil
}

func firstLine(s string) string {
	return strings.TrimSpace(strings.SplitN(s, "\n", 2)[0])
}

// dateFromDMY reads ModernGov's dd/mm/yyyy dates.
func dateFromDMY(d, mo, y string) (string, bool) {
	months := []string{"", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	n := 0
	fmt.Sscanf(mo, "%d", &n)
	if n < 1 || n > 12 {
		return "", false
	}
	return normalise.Date(d + " " + months[n] + " " + y)
}
