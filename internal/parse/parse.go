// Package parse turns one minutes document (text, HTML or PDF, in any of the
// formats councils publish) into an archive.Meeting with its agenda items.
//
// Each format lives in its own file and registers itself with Register.
// Parse sniffs the format unless one is forced. Parsers return raw items;
// normalising (furniture stripping, cut-short markers, resolutions, dates)
// is shared and applied by Parse after the format parser has run.
package parse

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/minutebook/minutebook/internal/archive"
)

// Input is one document to parse.
type Input struct {
	Name        string // file path or URL, used in error messages
	Body        []byte // raw bytes, in whatever encoding the council used
	ContentType string // optional hint, e.g. "text/html; charset=windows-1252"
}

// Format parses one kind of minutes document.
type Format struct {
	Name string
	// Sniff scores how likely in is this format: 0 means "not mine"; the
	// highest score wins. text is the body decoded to clean UTF-8.
	Sniff func(in Input, text string) int
	// Parse extracts the meeting. It returns archive.ErrNoMeeting (wrapped)
	// when the document holds nothing it recognises.
	Parse func(in Input, text string) (*archive.Meeting, error)
	// ParseAll, when set, reads documents that hold several meetings (an
	// issue page lists one agenda item at each meeting that took it).
	ParseAll func(in Input, text string) ([]*archive.Meeting, error)
}

var formats = map[string]Format{}

// Register adds a format. It is called from init functions only.
func Register(f Format) {
	if _, dup := formats[f.Name]; dup {
		panic("parse: format registered twice: " + f.Name)
	}
	formats[f.Name] = f
}

// Formats lists the registered format names, sorted.
func Formats() []string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ErrUnknownFormat is returned when a forced format name is not registered.
var ErrUnknownFormat = errors.New("unknown format")

// Parse reads in with the named format, or the best-sniffing one when
// format is "". A document holding several meetings is an error here: use
// ParseAll.
func Parse(in Input, format string) (*archive.Meeting, error) {
	ms, err := ParseAll(in, format)
	if err != nil {
		return nil, err
	}
	if len(ms) != 1 {
		return nil, fmt.Errorf("the document holds %d meetings; read it with ParseAll", len(ms))
	}
	return ms[0], nil
}

// ParseAll reads every meeting in a document: one for most formats.
func ParseAll(in Input, format string) ([]*archive.Meeting, error) {
	text := Decode(in.Body, in.ContentType)
	var f Format
	if format != "" {
		var ok bool
		if f, ok = formats[format]; !ok {
			return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownFormat, format, strings.Join(Formats(), ", "))
		}
	} else {
		best := 0
		for _, name := range Formats() { // sorted: ties break deterministically
			if s := formats[name].Sniff(in, text); s > best {
				best, f = s, formats[name]
			}
		}
		if best == 0 {
			return nil, archive.ErrNoMeeting
		}
	}
	var ms []*archive.Meeting
	if f.ParseAll != nil {
		var err error
		if ms, err = f.ParseAll(in, text); err != nil {
			return nil, err
		}
	} else {
		m, err := f.Parse(in, text)
		if err != nil {
			return nil, err
		}
		ms = []*archive.Meeting{m}
	}
	for _, m := range ms {
		m.Format = f.Name
		m.Source = in.Name
		if m.Council == "" {
			m.Council = statedCouncil(text)
		}
		finish(m)
	}
	return ms, nil
}

// councilLine is a line that is nothing but a council's name, as printed
// at the head of minutes ("Leicestershire County Council").
var councilLine = regexp.MustCompile(`^(?:The )?[A-Z][\pL'’&.-]*(?:\s+(?:[A-Z][\pL'’&.-]*|of|and|upon|on|the))*\s+Council$`)

// statedCouncil returns a council name the document states on a line of its
// own near the top; the caller checks it against the registry. A council
// merely mentioned in a sentence is not a statement.
func statedCouncil(text string) string {
	for i, l := range strings.SplitN(text, "\n", 40) {
		if i == 39 {
			break
		}
		if l = strings.TrimSpace(l); councilLine.MatchString(l) {
			return l
		}
	}
	return ""
}
