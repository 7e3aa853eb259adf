package normalise

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const weekday = `(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?`

const month = `(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)`

// DatePattern matches a written date such as "Tuesday, 3 September 2019",
// "Monday 21st March, 2022" or "16 May 2018"; groups: day, month, year.
var DatePattern = regexp.MustCompile(`(?i)(?:\b` + weekday + `,?\s+)?\b(\d{1,2})(?:st|nd|rd|th)?\s+(` + month + `)\.?,?\s+(\d{4})\b`)

// TimePattern matches "2.00 pm", "4.00pm", "10.00 am", "14:00", "2pm";
// groups: hour, minute, am/pm.
var TimePattern = regexp.MustCompile(`(?i)\b(\d{1,2})(?:[.:](\d{2}))?\s*([ap]\.?m\.?)(?:\W|$)|\b(\d{2}):(\d{2})\b`)

// Date converts the first written date in s to YYYY-MM-DD.
func Date(s string) (string, bool) {
	m := DatePattern.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return dateFromParts(m[1], m[2], m[3])
}

func dateFromParts(day, mon, year string) (string, bool) {
	d, _ := strconv.Atoi(day)
	y, _ := strconv.Atoi(year)
	mo := monthNumber(mon)
	if mo == 0 || y < 1900 || y > 2100 {
		return "", false
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 31 June and the like
		return "", false
	}
	return t.Format("2006-01-02"), true
}

func monthNumber(s string) int {
	s = strings.ToLower(s)
	for i, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		if strings.HasPrefix(s, m) {
			return i + 1
		}
	}
	return 0
}

// Clock converts the first time of day in s to 24-hour "HH:MM".
func Clock(s string) (string, bool) {
	m := TimePattern.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	if m[4] != "" {
		h, _ := strconv.Atoi(m[4])
		mi, _ := strconv.Atoi(m[5])
		if h > 23 || mi > 59 {
			return "", false
		}
		return fmt.Sprintf("%02d:%02d", h, mi), true
	}
	h, _ := strconv.Atoi(m[1])
	mi := 0
	if m[2] != "" {
		mi, _ = strconv.Atoi(m[2])
	}
	if h < 1 || h > 12 || mi > 59 {
		return "", false
	}
	pm := strings.HasPrefix(strings.ToLower(m[3]), "p")
	switch {
	case pm && h != 12:
		h += 12
	case !pm && h == 12:
		h = 0
	}
	return fmt.Sprintf("%02d:%02d", h, mi), true
}

// otherMeeting matches the context words that mark a date as belonging to a
// different meeting ("minutes of the meeting held on …", "next meeting …").
var otherMeeting = regexp.MustCompile(`(?i)(?:held on|previous|last|next|future|adjourned|minutes of|meeting of|scheduled|deferred|until|since|dated?)\W+(?:\w+\W+){0,6}$`)

// IsOtherMeetingDate reports whether the words before a date (prefix) say
// the date belongs to another meeting than the one being minuted.
func IsOtherMeetingDate(prefix string) bool {
	if len(prefix) > 120 {
		prefix = prefix[len(prefix)-120:]
	}
	return otherMeeting.MatchString(prefix)
}
