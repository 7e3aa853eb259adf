package normalise

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Page furniture: links and labels a council's web page prints around the
// minutes that are not part of what the committee discussed. Each pattern
// has a lower-case hint that must occur for it to be tried: regular
// expressions over whole minutes texts are the parser's main cost.
var furniture = []struct {
	hint string
	re   *regexp.Regexp
}{
	{"pdf icon", regexp.MustCompile(`(?i)\bpdf icon\b`)},
	{"b", regexp.MustCompile(`\b(?i:PDF|DOC|DOCX|XLS|XLSX|PPT|PPTX|RTF|MP3|MP4)\s+\d+(?:[.,]\d+)?\s*[KMG]B\b`)},
	{"documents:", regexp.MustCompile(`(?i)\b(?:Additional|Supporting|Background) documents:`)},
	{"view directions", regexp.MustCompile(`(?i)\bView directions\b\.?`)},
	{"to item", regexp.MustCompile(`(?i)\bView the (?:reasons|background) to item \S+\b`)},
	{"decision for item", regexp.MustCompile(`(?i)\bView the decision for item \S+\b`)},
}

// webcast notices are whole sentences about the broadcast, not minutes.
var webcast = regexp.MustCompile(`(?i)^(?:a )?(?:webcast|recording|live stream|livestream)[^.]*?\b(?:can be|may be|will be|is available|was)\b[^\n]*$|^(?:view|watch) (?:the )?(?:webcast|recording)[^\n]*$|^webcast\.?$`)

// StripFurniture removes page furniture from s and tidies the spaces left.
func StripFurniture(s string) string {
	lower := strings.ToLower(s)
	for _, f := range furniture {
		if f.hint == "b" {
			// Sizes are "KB"/"MB"/"GB": look for the unit before the regexp.
			if !strings.Contains(s, "KB") && !strings.Contains(s, "MB") && !strings.Contains(s, "GB") {
				continue
			}
		} else if !strings.Contains(lower, f.hint) {
			continue
		}
		s = f.re.ReplaceAllString(s, " ")
		lower = strings.ToLower(s)
	}
	return s
}

// IsWebcastNotice reports whether a paragraph is a webcast/recording notice.
func IsWebcastNotice(p string) bool {
	if len(p) > 300 {
		return false // notices are one short sentence
	}
	l := strings.ToLower(p)
	if !strings.Contains(l, "webcast") && !strings.Contains(l, "recording") && !strings.Contains(l, "stream") {
		return false
	}
	return webcast.MatchString(strings.TrimSpace(p))
}

// cutShort matches ModernGov's marker for a minutes text it cut short.
var cutShort = regexp.MustCompile(`(?is)\s*(?:\.\.\.|…)?\s*view the full (?:minutes|decision) text for item\s+[^\s.]+(?:\.\s*)?$`)

// CutShort removes a trailing "... view the full minutes text for item 15."
// marker and reports whether it was there.
func CutShort(s string) (string, bool) {
	// The marker is at the very end: only the tail needs the regexp.
	tail := len(s) - 200
	if tail < 0 {
		tail = 0
	}
	for tail > 0 && !utf8.RuneStart(s[tail]) {
		tail--
	}
	if !strings.Contains(strings.ToLower(s[tail:]), "view the full") {
		return s, false
	}
	loc := cutShort.FindStringIndex(s[tail:])
	if loc != nil {
		loc[0] += tail
	}
	if loc == nil {
		return s, false
	}
	return strings.TrimRight(s[:loc[0]], " \t\n"), true
}

var (
	blankLines = regexp.MustCompile(`\n{3,}`)
	// A list marker at the start of a paragraph: i), ii., a), (b), 1., •, -, ·.
	listMarker = regexp.MustCompile(`^(?:\(?(?:[ivxlc]{1,6}|[a-z]|\d{1,3})[.)]|[•·▪◦‣∙*-])\s`)
)

// IsListItem reports whether a paragraph starts with a list marker.
func IsListItem(p string) bool { return listMarker.MatchString(p) }

// Paragraphs tidies minutes text: paragraphs are separated by one blank
// line, whitespace inside a paragraph collapses to single spaces, list
// markers are kept at the start of their paragraph, and empty or
// furniture-only paragraphs are dropped.
func Paragraphs(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	var out []string
	for _, p := range strings.Split(s, "\n\n") {
		p = Line(p)
		if p == "" || IsWebcastNotice(p) {
			continue
		}
		out = append(out, p)
	}
	return blankLines.ReplaceAllString(strings.Join(out, "\n\n"), "\n\n")
}

// Line collapses all whitespace in s to single spaces and trims it.
func Line(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Title cleans an item title: furniture removed, whitespace collapsed, the
// council's own trailing full stop kept.
func Title(s string) string {
	t := Line(StripFurniture(s))
	t = strings.TrimRight(t, " :-–|")
	return t
}

// resolutionStart finds the decision markers councils print. Upper-case
// RESOLVED/AGREED/DECISION are markers wherever they stand; mixed-case
// "Resolved"/"Agreed" only at the start of a paragraph followed by ":" or
// "that". Narrative ("it was agreed that", "agreed as a correct record")
// is not a recorded decision, and "NOTED" is not a decision marker.
var resolutionStart = regexp.MustCompile(`(?m)(?:\b(?:RESOLVED|AGREED|DECISION|DECIDED)\b[:\s–-]*|^(?:Resolved|Agreed|Decision|Decided)(?:\s*[:–-]\s*|,?\s+that\b\s*))`)

// Resolutions extracts the decisions recorded in minutes text: the text
// after each marker up to the next paragraph that is neither a list item
// nor a continuation ("That …", "(a) …").
func Resolutions(text string) []string {
	var out []string
	paras := strings.Split(text, "\n\n")
	for i := 0; i < len(paras); i++ {
		p := paras[i]
		loc := resolutionStart.FindStringIndex(p)
		if loc == nil {
			continue
		}
		// "It was resolved that" keeps the "that" clause as the decision.
		body := strings.TrimSpace(p[loc[1]:])
		if body == "" || isContinuation(body) && len(body) < 4 {
			body = ""
		}
		parts := []string{}
		if body != "" {
			parts = append(parts, body)
		}
		for i+1 < len(paras) && isContinuation(paras[i+1]) && resolutionStart.FindStringIndex(paras[i+1]) == nil {
			i++
			parts = append(parts, strings.TrimSpace(paras[i]))
		}
		if r := strings.TrimSpace(strings.Join(parts, "\n")); r != "" {
			out = append(out, r)
		}
	}
	return out
}

var continuation = regexp.MustCompile(`^(?:That\b|that\b|\(?(?:[ivx]{1,5}|[a-h]|\d{1,2})[.)]\s|[•·-]\s)`)

func isContinuation(p string) bool { return continuation.MatchString(strings.TrimSpace(p)) }
