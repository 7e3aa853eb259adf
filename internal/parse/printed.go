package parse

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/normalise"
)

// printed-minutes: minutes as the council prints them (and as pdftotext
// extracts them): committee and date at the top, "Present:" and "Also
// attended:" lists, then minute numbers at the start of lines ("320
// Apologies and Welcome<tab>No apologies were received."), ending with
// "The meeting ended at 12.15 pm".

func init() {
	Register(Format{Name: "printed-minutes", Sniff: sniffPrinted, Parse: parsePrinted})
}

var (
	presentLine  = regexp.MustCompile(`(?i)^\s*(Present|Members present|Councillors present|Also (?:attended|present|in attendance)|In attendance|Officers(?: present| in attendance)?|Apologies(?: for absence)?)\s*[:\t]\s*(.*)$`)
	minuteLine   = regexp.MustCompile(`^\s*(?:Minute\s+)?(\d{1,4}(?:/\d{1,4})?[a-z]?|[A-Z]{1,4}\s?\d{1,4}(?:/\d{1,4})?)\.?(?:\t+|\s{1,8})([A-Z(“"'‘].*)$`)
	meetingEnded = regexp.MustCompile(`(?i)^\s*(?:The meeting (?:ended|closed|finished|concluded|rose)|Meeting (?:ended|closed)|The meeting terminated)\b`)
	availPapers  = regexp.MustCompile(`(?i)^\s*(?:Available Papers|Papers available)\b`)
	minutesWord  = regexp.MustCompile(`(?im)^\s*Minutes\s*$|^\s*MINUTES\b|^Minutes of (?:a|the) meeting`)
)

func sniffPrinted(in Input, text string) int {
	if looksLikeMarkup(text) {
		return 0
	}
	score := 0
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if i > 60 {
			break
		}
		if presentLine.MatchString(l) {
			score += 3
		}
		if normalise.DatePattern.MatchString(l) {
			score++
		}
	}
	if minutesWord.MatchString(text) {
		score += 2
	}
	for _, l := range lines {
		if meetingEnded.MatchString(l) {
			score += 3
			break
		}
	}
	if score < 3 {
		return 0
	}
	return score
}

func parsePrinted(in Input, text string) (*archive.Meeting, error) {
	lines := strings.Split(text, "\n")
	m := &archive.Meeting{}

	// Header: committee, date/time/venue, attendance, until the first minute.
	i := 0
	for ; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		if minuteLine.MatchString(lines[i]) && !presentLine.MatchString(l) && m.Date != "" {
			break
		}
		switch {
		case presentLine.MatchString(l):
			sub := presentLine.FindStringSubmatch(l)
			list := sub[2]
			// Lists wrap onto following lines in printed (PDF) minutes.
			for i+1 < len(lines) && continuesList(lines[i], lines[i+1]) {
				i++
				list += " " + strings.TrimSpace(lines[i])
			}
			if role := strings.ToLower(sub[1]); !strings.HasPrefix(role, "apolog") {
				m.Attendees = append(m.Attendees, attendees(list, role)...)
			}
		case availPapers.MatchString(l), strings.EqualFold(l, "Minutes"), strings.EqualFold(l, "Chairman"):
		case m.Date == "" && normalise.DatePattern.MatchString(l) && !normalise.IsOtherMeetingDate(l[:normalise.DatePattern.FindStringIndex(l)[0]]):
			m.Date, _ = normalise.Date(l)
			rest := l[normalise.DatePattern.FindStringIndex(l)[1]:]
			if t, ok := normalise.Clock(rest); ok {
				m.Time = t
			}
			m.Venue = venueFromDateLine(rest)
		case m.Committee == "" && m.Date == "" && looksLikeCommittee(l):
			m.Committee = l
		}
	}

	// Minutes: a line opening with the next minute number starts an item.
	// Printed minute numbers run on by one, which tells them from numbers
	// that merely start a line of text (a table row, a year).
	var items []archive.Item
	var body []string
	prev := -1
	flush := func() {
		if len(items) > 0 {
			items[len(items)-1].Text = strings.TrimSpace(strings.Join(body, "\n"))
		}
		body = nil
	}
	for ; i < len(lines); i++ {
		l := lines[i]
		if meetingEnded.MatchString(l) {
			break
		}
		if sub := minuteLine.FindStringSubmatch(l); sub != nil {
			n, numeric := minuteNumber(sub[1])
			if prev < 0 || !numeric || n == prev+1 {
				flush()
				title, rest := splitTab(sub[2])
				items = append(items, archive.Item{Number: strings.TrimSpace(sub[1]), Title: title})
				if rest != "" {
					body = append(body, rest)
				}
				if numeric {
					prev = n
				}
				continue
			}
		}
		body = append(body, l)
	}
	flush()
	if len(items) == 0 {
		return nil, fmt.Errorf("%w: no numbered minutes found", archive.ErrNoMeeting)
	}
	m.Items = items
	return m, nil
}

// minuteNumber reads the running part of a minute number ("320", "21/47" → 47).
func minuteNumber(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimRight(s, "abcdefghijklmnopqrstuvwxyz")
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// splitTab splits "Title<tab>text" (or two or more spaces, as pdftotext
// lays columns out) into title and text.
func splitTab(s string) (string, string) {
	if loc := regexp.MustCompile(`\t+|\s{3,}`).FindStringIndex(s); loc != nil {
		return strings.TrimSpace(s[:loc[0]]), strings.TrimSpace(s[loc[1]:])
	}
	return strings.TrimSpace(s), ""
}

var committeeWord = regexp.MustCompile(`(?i)\b(?:Committee|Panel|Board|Cabinet|Council|Forum|Sub-Committee|Commission|Group|Partnership)\b`)

func looksLikeCommittee(l string) bool {
	return len(l) < 150 && committeeWord.MatchString(l) && !auxVerb.MatchString(l)
}

// venueFromDateLine reads the venue printed after the date:
// ", County Hall, Worcester - 10.00 am" → "County Hall, Worcester".
func venueFromDateLine(rest string) string {
	rest = normalise.TimePattern.ReplaceAllString(rest, "")
	rest = strings.Trim(strings.TrimSpace(rest), ",-–— ")
	return strings.TrimSpace(strings.TrimSuffix(rest, " at"))
}

var (
	honorific = regexp.MustCompile(`\b(?:Mr|Mrs|Ms|Miss|Dr|Cllr|Councillor|Prof|Sir|Dame|Lord|Lady|Rev)\.?\s`)
	// "Tina Russell (Assistant Director …)": a name followed by its role.
	namedRole = regexp.MustCompile(`(?:^|,\s*|\s+and\s+)([A-Z][\pL'’-]+(?:\s[A-Z][\pL'’.-]*){1,3})\s\(`)
	listSep   = regexp.MustCompile(`,\s*|\s+and\s+`)
)

// attendees splits an attendance list such as "Mrs F M Oborski (Chairman),
// Ms P Agar and Mr S Mackay", or "Mr M J Hart, Cabinet Member with … Tina
// Russell (Assistant Director …)" where entries run on without commas.
func attendees(list, kind string) []archive.Attendee {
	defaultRole := "member"
	if strings.Contains(kind, "also") || strings.Contains(kind, "attendance") || strings.Contains(kind, "officer") {
		defaultRole = "in attendance"
	}
	var out []archive.Attendee
	add := func(name, role string) {
		name = strings.Trim(strings.TrimSpace(name), ".,;")
		name = strings.TrimSpace(strings.TrimSuffix(name, " and"))
		role = strings.Trim(strings.TrimSpace(role), ".,;")
		if name == "" || len(name) > 60 || len(strings.Fields(name)) > 6 {
			return // a description, not a name
		}
		if role == "" {
			role = defaultRole
		}
		out = append(out, archive.Attendee{Name: name, Role: role})
	}
	for _, chunk := range splitOutside(list, honorific) {
		chunk = strings.TrimSpace(chunk)
		if chunk == "" {
			continue
		}
		// Named entries with roles in brackets inside the chunk.
		locs := namedRole.FindAllStringSubmatchIndex(chunk, -1)
		head := chunk
		if len(locs) > 0 && locs[0][2] > 0 {
			head = chunk[:locs[0][0]]
		} else if len(locs) > 0 {
			head = ""
		}
		if head != "" {
			if honorific.MatchString(head + " ") {
				// "Mr X, role words" or "Mr X (role)" or "Mr X and"
				name, role := head, ""
				if n, r, ok := cutParen(head); ok {
					name, role = n, r
				} else if n, r, ok := strings.Cut(head, ","); ok {
					name, role = n, r
				}
				add(name, role)
			} else {
				for _, p := range listSep.Split(head, -1) {
					if n, r, ok := cutParen(p); ok {
						add(n, r)
					} else {
						add(p, "")
					}
				}
			}
		}
		for k, loc := range locs {
			end := len(chunk)
			if k+1 < len(locs) {
				end = locs[k+1][0]
			}
			entry := chunk[loc[2]:end]
			if n, r, ok := cutParen(entry); ok {
				add(n, r)
			}
		}
	}
	return out
}

// cutParen splits "Name (Role (with brackets))" at its outermost brackets.
func cutParen(s string) (name, role string, ok bool) {
	s = strings.Trim(strings.TrimSpace(s), ",;")
	s = strings.TrimSpace(strings.TrimSuffix(s, " and"))
	open := strings.Index(s, "(")
	if open < 0 {
		return "", "", false
	}
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return strings.TrimSpace(s[:open]), strings.TrimSpace(s[open+1 : i]), true
			}
		}
	}
	return strings.TrimSpace(s[:open]), strings.TrimSpace(s[open+1:]), true
}

// splitOutside splits s before every match of re that is not inside
// brackets.
func splitOutside(s string, re *regexp.Regexp) []string {
	var parts []string
	last, depth := 0, 0
	locs := re.FindAllStringIndex(s, -1)
	li := 0
	for i := 0; i < len(s) && li < len(locs); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		}
		if i == locs[li][0] {
			if depth <= 0 && i > last {
				parts = append(parts, s[last:i])
				last = i
			}
			li++
		}
	}
	return append(parts, s[last:])
}

// continuesList reports whether line l carries on the attendance list of
// the line before it. A line opening with a number ("2017 Group …") is a
// minute only if the line before it finished.
func continuesList(prev, l string) bool {
	t := strings.TrimSpace(l)
	if t == "" || presentLine.MatchString(t) || availPapers.MatchString(t) || meetingEnded.MatchString(t) || strings.EqualFold(t, "Minutes") {
		return false
	}
	if minuteLine.MatchString(l) {
		p := strings.TrimSpace(prev)
		return p != "" && !strings.ContainsAny(p[len(p)-1:], ".)")
	}
	return true
}
