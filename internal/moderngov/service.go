// Package moderngov crawls ModernGov committee-papers sites: it lists
// committees and meetings through the site's web service
// (mgWebService.asmx), fetches each meeting's minutes page
// (ieListDocuments.aspx), the item pages (mgAi.aspx) the meeting page cuts
// short, and the printed-minutes PDF when there are no HTML minutes, and
// stores them through extract and the store.
package moderngov

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The web service speaks XML with lower-case element names. Its HTTP GET
// binding answers either the document itself or, on some installs, the
// document escaped inside a <string> element; both are read.

// Committee is one entry of GetCommittees.
type Committee struct {
	ID      int
	Title   string
	Deleted bool
	Expired bool
}

// MeetingRef is one entry of GetMeetings.
type MeetingRef struct {
	ID          int
	CommitteeID int
	Date        string // YYYY-MM-DD
	Time        string // HH:MM
	Status      string
	Link        string // linktomeeting, when given
}

// Meeting is GetMeeting's answer.
type Meeting struct {
	ID             int
	CommitteeID    int
	CommitteeTitle string
	Date           string
	Time           string
	Location       string
	Documents      []Document
	Items          []AgendaItem
}

// Document is a linked document (agenda, printed minutes, report).
type Document struct {
	ID    int
	Title string
	URL   string
}

// AgendaItem is one agenda item of GetMeeting.
type AgendaItem struct {
	ID         int
	Number     string
	Title      string
	Section    string // the heading (item numbered 0) the item sits under
	Restricted bool   // exempt (Part II) item: no public text
	Documents  []Document
}

type xmlCommittee struct {
	ID      string `xml:"committeeid"`
	Title   string `xml:"committeetitle"`
	Deleted string `xml:"committeedeleted"`
	Expired string `xml:"committeeexpired"`
}

type xmlMeetingRef struct {
	ID          string `xml:"meetingid"`
	CommitteeID string `xml:"committeeid"`
	Date        string `xml:"meetingdate"`
	Time        string `xml:"meetingtime"`
	Status      string `xml:"meetingstatus"`
	Link        string `xml:"linktomeeting"`
}

type xmlDocument struct {
	ID    string `xml:"documentid"`
	Title string `xml:"title"`
	URL   string `xml:"url"`
}

type xmlMeeting struct {
	ID             string        `xml:"meetingid"`
	CommitteeID    string        `xml:"committeeid"`
	CommitteeTitle string        `xml:"committeetitle"`
	Date           string        `xml:"meetingdate"`
	Time           string        `xml:"meetingtime"`
	Location       string        `xml:"meetinglocation"`
	Documents      []xmlDocument `xml:"linkeddocuments>linkeddocument"`
	Items          []struct {
		ID         string        `xml:"agendaitemid"`
		Number     string        `xml:"agendaitemnumber"`
		Title      string        `xml:"agendaitemtitle"`
		Restricted string        `xml:"isrestricted"`
		Documents  []xmlDocument `xml:"linkeddocuments>linkeddocument"`
	} `xml:"agendaitems>agendaitem"`
}

// unwrap returns the service document, unescaping a <string> wrapper.
func unwrap(body []byte) ([]byte, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not XML: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "string" {
				return body, nil
			}
			var inner string
			if err := dec.DecodeElement(&inner, &se); err != nil {
				return nil, fmt.Errorf("not XML: %w", err)
			}
			return []byte(inner), nil
		}
	}
}

// each decodes every element named name, at any depth, into a new T.
func each[T any](body []byte, name string, fn func(*T) error) error {
	body, err := unwrap(body)
	if err != nil {
		return err
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not XML: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == name {
			v := new(T)
			if err := dec.DecodeElement(v, &se); err != nil {
				return fmt.Errorf("<%s>: %w", name, err)
			}
			if err := fn(v); err != nil {
				return err
			}
		}
	}
}

// text cleans a service string: titles come HTML-encoded a second time
// inside the XML ("Children &amp;amp; Young People"), so one more round of
// entity decoding is needed; whitespace is collapsed.
func text(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

func atoi(field, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("<%s>: %q is not a number", field, s)
	}
	return n, nil
}

func truthy(s string) bool {
	b, _ := strconv.ParseBool(strings.TrimSpace(s))
	return b
}

// ParseCommittees reads GetCommittees.
func ParseCommittees(body []byte) ([]Committee, error) {
	var out []Committee
	err := each(body, "committee", func(c *xmlCommittee) error {
		id, err := atoi("committeeid", c.ID)
		if err != nil {
			return err
		}
		out = append(out, Committee{ID: id, Title: text(c.Title), Deleted: truthy(c.Deleted), Expired: truthy(c.Expired)})
		return nil
	})
	return out, err
}

// ParseMeetings reads GetMeetings or GetAllMeetingsByDate.
func ParseMeetings(body []byte) ([]MeetingRef, error) {
	var out []MeetingRef
	err := each(body, "meeting", func(m *xmlMeetingRef) error {
		id, err := atoi("meetingid", m.ID)
		if err != nil {
			return err
		}
		date, err := ServiceDate(m.Date)
		if err != nil {
			return fmt.Errorf("meeting %d: %w", id, err)
		}
		cid, _ := strconv.Atoi(strings.TrimSpace(m.CommitteeID))
		out = append(out, MeetingRef{ID: id, CommitteeID: cid, Date: date, Time: serviceTime(m.Time),
			Status: text(m.Status), Link: strings.TrimSpace(m.Link)})
		return nil
	})
	return out, err
}

// ParseMeeting reads GetMeeting. Items numbered 0 are section headings,
// not items: they name the section of the items after them.
func ParseMeeting(body []byte) (*Meeting, error) {
	var out *Meeting
	err := each(body, "meeting", func(x *xmlMeeting) error {
		if out != nil {
			return nil
		}
		id, err := atoi("meetingid", x.ID)
		if err != nil {
			return err
		}
		date, err := ServiceDate(x.Date)
		if err != nil {
			return fmt.Errorf("meeting %d: %w", id, err)
		}
		cid, _ := strconv.Atoi(strings.TrimSpace(x.CommitteeID))
		m := &Meeting{ID: id, CommitteeID: cid, CommitteeTitle: text(x.CommitteeTitle), Date: date,
			Time: serviceTime(x.Time), Location: text(x.Location), Documents: documents(x.Documents)}
		section := ""
		for _, it := range x.Items {
			num := strings.TrimSpace(it.Number)
			if num == "0" {
				section = text(it.Title)
				continue
			}
			iid, _ := strconv.Atoi(strings.TrimSpace(it.ID))
			m.Items = append(m.Items, AgendaItem{ID: iid, Number: num, Title: text(it.Title), Section: section,
				Restricted: truthy(it.Restricted), Documents: documents(it.Documents)})
		}
		out = m
		return nil
	})
	if err == nil && out == nil {
		err = errors.New("no <meeting> element")
	}
	return out, err
}

func documents(xs []xmlDocument) []Document {
	var out []Document
	for _, d := range xs {
		id, _ := strconv.Atoi(strings.TrimSpace(d.ID))
		out = append(out, Document{ID: id, Title: text(d.Title), URL: strings.TrimSpace(d.URL)})
	}
	return out
}

var printedMinutes = regexp.MustCompile(`(?i)^printed minutes\b`)

// PrintedMinutes is the meeting's printed-minutes document, if linked.
func (m *Meeting) PrintedMinutes() (Document, bool) {
	for _, d := range m.Documents {
		if printedMinutes.MatchString(d.Title) && d.URL != "" {
			return d, true
		}
	}
	return Document{}, false
}

var dmy = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})`)

// ServiceDate reads the service's dd/mm/yyyy dates (sometimes followed by
// a time) as YYYY-MM-DD.
func ServiceDate(s string) (string, error) {
	m := dmy.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", fmt.Errorf("date %q is not dd/mm/yyyy", s)
	}
	t, err := time.Parse("2/1/2006", m[1]+"/"+m[2]+"/"+m[3])
	if err != nil {
		return "", fmt.Errorf("date %q: %w", s, err)
	}
	return t.Format("2006-01-02"), nil
}

// FormatServiceDate writes a date the way the service wants it.
func FormatServiceDate(t time.Time) string { return t.Format("02/01/2006") }

var hm = regexp.MustCompile(`(\d{1,2})[:.](\d{2})`)

func serviceTime(s string) string {
	m := hm.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	h, _ := strconv.Atoi(m[1])
	return fmt.Sprintf("%02d:%s", h, m[2])
}

// Endpoints of a site at base (the folder holding mgWebService.asmx).
type Endpoints struct{ Base *url.URL }

func (e Endpoints) ref(path string, q url.Values) string {
	u := e.Base.ResolveReference(&url.URL{Path: path})
	if q != nil {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Committees is the GetCommittees URL.
func (e Endpoints) Committees() string {
	return e.ref("mgWebService.asmx/GetCommittees", nil)
}

// Meetings is the GetMeetings URL for one committee between two dates.
func (e Endpoints) Meetings(committeeID int, from, to time.Time) string {
	return e.ref("mgWebService.asmx/GetMeetings", url.Values{
		"lCommitteeId": {strconv.Itoa(committeeID)},
		"sFromDate":    {FormatServiceDate(from)},
		"sToDate":      {FormatServiceDate(to)},
	})
}

// Meeting is the GetMeeting URL.
func (e Endpoints) Meeting(meetingID int) string {
	return e.ref("mgWebService.asmx/GetMeeting", url.Values{"lMeetingId": {strconv.Itoa(meetingID)}})
}

// MinutesPage is the meeting's ieListDocuments.aspx page.
func (e Endpoints) MinutesPage(committeeID, meetingID int) string {
	// ModernGov's own links put CId before MId; keep that order so URLs
	// match the site's (and its robots.txt rules).
	u := e.Base.ResolveReference(&url.URL{Path: "ieListDocuments.aspx"})
	u.RawQuery = fmt.Sprintf("CId=%d&MId=%d", committeeID, meetingID)
	return u.String()
}

// Resolve makes a link found on a page at pageURL absolute.
func Resolve(pageURL, href string) (string, error) {
	p, err := url.Parse(pageURL)
	if err != nil {
		return "", err
	}
	h, err := url.Parse(strings.TrimSpace(html.UnescapeString(href)))
	if err != nil {
		return "", fmt.Errorf("link %q on %s: %w", href, pageURL, err)
	}
	u := p.ResolveReference(h)
	u.Fragment = ""
	return u.String(), nil
}
