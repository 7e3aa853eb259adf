package parse

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/minutebook/minutebook/internal/normalise"
)

// Shared pieces of the ModernGov text formats: header lines, block
// splitting, labels and the title heuristics used where a page prints no
// item numbers.

var (
	// "Children and Families Overview and Scrutiny Committee - Tuesday, 3 September 2019 2.00 pm"
	headingLine = regexp.MustCompile(`^(.{3,200}?)\s+[-–—]\s+(` + normalise.DatePattern.String() + `.*)$`)
	venueLine   = regexp.MustCompile(`(?i)^(?:Venue|Location|Place)\s*:\s*(.+)$`)
	contactLine = regexp.MustCompile(`(?i)^(?:Contact|Contact officer)\s*:`)
	pageKind    = regexp.MustCompile(`(?i)^(?:Agenda(?:,)? (?:and |decisions and )?(?:draft )?(?:minutes|decisions)|Agenda|Minutes|Decisions|Agenda and minutes)\.?$`)
	itemsHeader = regexp.MustCompile(`(?i)^(?:Items|No\.?\s*\|?\s*Item\s*\|?|No\.?\s+Item|Item\s+No\.?|Agenda items?)$`)
	// A block holding only an item number: "21/47", "8", "8.", "8a", "A1", "15(a)".
	numberOnly = regexp.MustCompile(`^(?:\d{1,4}[a-zA-Z]?(?:\([a-z0-9]\))?|\d{1,3}/\d{1,4}[a-zA-Z]?|[A-Z]\d{1,3}|\d{1,3}\.\d{1,2}|[IVX]{1,5})\.?$`)
	// Labels that open an item's minutes or decision.
	minutesLabel = regexp.MustCompile(`^(?i:Minutes?|Decisions?|Record of decision|Outcome)\s*:\s*`)
	listStart    = regexp.MustCompile(`^(?:\(?(?:[ivxlc]{1,6}|[a-z]|\d{1,3})[.)]|[•·▪◦‣∙*-])(?:\s|$)`)
	auxVerb      = regexp.MustCompile(`(?i)\b(?:was|were|is|are|be|been|being|had|has|have|would|will|could|should|did|does)\b`)
	minuteVerb   = regexp.MustCompile(`(?i)\b(?:reported|considered|noted|advised|welcomed|explained|presented|confirmed|invited|provided|requested|highlighted|outlined|informed|thanked|declared|received|agreed|resolved)\b`)
	sentenceOpen = regexp.MustCompile(`^(?:That|It|There|This|These|Members|Councillor|Cllr|In response|Arising|Following|During|Further|RESOLVED|AGREED|Resolved|Agreed)\b`)
	decisionWord = regexp.MustCompile(`(?i)^(?:noted|agreed|resolved|approved|received|none|no|nil|deferred|withdrawn)\.?$`)
	furnitureHit = regexp.MustCompile(`(?i)\bpdf icon\b|\b(?:PDF|DOC|DOCX)\s+\d+(?:[.,]\d+)?\s*[KM]B\b`)
	moreDocs     = regexp.MustCompile(`(?i)^(?:Additional|Supporting|Background) documents:?$`)
)

// splitBlocks splits text into blank-line separated blocks, each trimmed;
// lines inside a block keep their line breaks.
func splitBlocks(text string) []string {
	var out []string
	for _, b := range regexp.MustCompile(`\n[ \t]*\n`).Split(text, -1) {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// titleScore rates how much a block looks like an agenda item title rather
// than a paragraph of minutes. next is the following block ("" at the end).
func titleScore(b, next string) int {
	line := normalise.Line(b)
	score := 0
	if furnitureHit.MatchString(line) {
		score += 4
	}
	if moreDocs.MatchString(next) || minutesLabel.MatchString(next) {
		score += 4
	}
	bare := normalise.Title(line)
	switch {
	case bare == "":
		return -10
	case listStart.MatchString(bare), decisionWord.MatchString(bare), IsLabelOnly(bare):
		return -10
	}
	if sentenceOpen.MatchString(bare) {
		score -= 4
	}
	if auxVerb.MatchString(bare) {
		score -= 3
	}
	if minuteVerb.MatchString(bare) {
		score -= 2
	}
	if strings.HasSuffix(bare, ":") {
		score -= 2
	}
	if strings.Contains(b, "\n") {
		score -= 1 // titles are one line on a page
	}
	words := strings.Fields(bare)
	switch {
	case len(words) > 20:
		score -= 3
	case len(words) > 12:
		score--
	}
	if len(bare) < 90 {
		score++
	}
	if r := capitalRatio(words); r >= 0.6 {
		score += 2
	} else if r >= 0.5 {
		score++
	}
	return score
}

// capitalRatio is the share of words longer than three letters that start
// with a capital: titles are in title case far more often than minutes.
func capitalRatio(words []string) float64 {
	n, caps := 0, 0
	for _, w := range words {
		w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if len([]rune(w)) <= 3 {
			continue
		}
		n++
		if r := []rune(w)[0]; unicode.IsUpper(r) || unicode.IsDigit(r) {
			caps++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(caps) / float64(n)
}

// IsLabelOnly reports whether b is just a minutes/decision label.
func IsLabelOnly(b string) bool {
	loc := minutesLabel.FindStringIndex(b)
	return loc != nil && strings.TrimSpace(b[loc[1]:]) == ""
}

// splitLabel splits "Minutes: The minutes of …" into the text after the
// label; ok is false when b does not start with a label.
func splitLabel(b string) (rest string, ok bool) {
	loc := minutesLabel.FindStringIndex(b)
	if loc == nil {
		return "", false
	}
	return strings.TrimSpace(b[loc[1]:]), true
}

// header is what a ModernGov page prints above its items.
type header struct {
	committee, date, time, venue string
}

// readHeader reads heading, venue and contact lines from the top of a page
// and returns the index of the first line after the header.
func readHeader(lines []string) (header, int) {
	var h header
	for i, raw := range lines {
		l := strings.TrimSpace(raw)
		switch {
		case l == "" || pageKind.MatchString(l) || contactLine.MatchString(l):
		case itemsHeader.MatchString(strings.Trim(l, "| -")):
			return h, i + 1
		case strings.Trim(l, "|- ") == "":
		case venueLine.MatchString(l):
			h.venue = venueLine.FindStringSubmatch(l)[1]
		case h.date == "" && headingLine.MatchString(l):
			m := headingLine.FindStringSubmatch(l)
			h.committee = m[1]
			h.date, _ = normalise.Date(m[2])
			if t, ok := normalise.Clock(m[2][len(normalise.DatePattern.FindString(m[2])):]); ok {
				h.time = t
			}
		default:
			if i > 0 {
				return h, i
			}
			return h, 0
		}
	}
	return h, len(lines)
}
