package moderngov

import (
	"html"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "moderngov", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCommittees(t *testing.T) {
	cs, err := ParseCommittees(fixture(t, "GetCommittees.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Committee{
		{ID: 101, Title: "Children and Young People's Social Care and Services Scrutiny Panel"}, // encoded twice
		{ID: 102, Title: "Children and Families Overview and Scrutiny Panel"},
		{ID: 103, Title: "Health & Wellbeing Working Group (old)", Expired: true},
	}
	if len(cs) != len(want) {
		t.Fatalf("got %d committees, want %d", len(cs), len(want))
	}
	for i := range want {
		if cs[i] != want[i] {
			t.Errorf("committee %d: got %+v, want %+v", i, cs[i], want[i])
		}
	}
}

// Some installs answer the document escaped inside a <string> element.
func TestParseWrappedInString(t *testing.T) {
	inner := string(fixture(t, "GetCommittees.xml"))
	inner = inner[strings.Index(inner, "<committees>"):]
	wrapped := `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<string xmlns="http://moderngov.co.uk/namespaces">` + html.EscapeString(inner) + `</string>`
	cs, err := ParseCommittees([]byte(wrapped))
	if err != nil || len(cs) != 3 || cs[0].Title != "Children and Young People's Social Care and Services Scrutiny Panel" {
		t.Fatalf("got %+v, %v", cs, err)
	}
}

func TestParseMeetings(t *testing.T) {
	ms, err := ParseMeetings(fixture(t, "GetMeetings-101.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0] != (MeetingRef{ID: 1001, Date: "2022-03-21", Time: "16:00", Status: "Minutes published",
		Link: "{{BASE}}/ieListDocuments.aspx?CId=101&MId=1001"}) {
		t.Fatalf("got %+v", ms)
	}
	if ms, err := ParseMeetings(fixture(t, "GetMeetings-103.xml")); err != nil || len(ms) != 0 {
		t.Fatalf("empty committee: %+v %v", ms, err)
	}
}

func TestParseMeetingQuirks(t *testing.T) {
	m, err := ParseMeeting(fixture(t, "GetMeeting-1001.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if m.CommitteeTitle != "Children and Young People's Social Care and Services Scrutiny Panel" || m.Location != "Virtual" {
		t.Errorf("meeting %+v", m)
	}
	// Items numbered 0 are headings, not items.
	if len(m.Items) != 7 {
		t.Fatalf("%d items, want 7 (headings are not items)", len(m.Items))
	}
	first, last := m.Items[0], m.Items[6]
	if first.Number != "21/47" || first.Section != "Part A - Public" || first.Restricted {
		t.Errorf("first item %+v", first)
	}
	if last.Number != "21/53" || last.Section != "Part B - Exempt" || !last.Restricted {
		t.Errorf("restricted item %+v", last)
	}
	if got := m.Items[1].Title; got != "Minutes of the Previous Meeting of the Children & Young People's Social Care & Services Scrutiny Panel held on 21 February 2022" {
		t.Errorf("title decoded to %q", got)
	}
	if _, ok := m.PrintedMinutes(); ok {
		t.Error("1001 links no printed minutes")
	}
	m2, err := ParseMeeting(fixture(t, "GetMeeting-1002.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := m2.PrintedMinutes(); !ok || !strings.Contains(d.URL, "Printed%20minutes") {
		t.Errorf("printed minutes %+v %v", d, ok)
	}
}

func TestBadServiceAnswers(t *testing.T) {
	for name, body := range map[string]string{
		"html error page": "<html><body>Runtime Error</body></html",
		"bad id":          "<committees><committee><committeeid>x</committeeid></committee></committees>",
		"bad date":        "<meetings><meeting><meetingid>1</meetingid><meetingdate>2022-03-21</meetingdate></meeting></meetings>",
	} {
		_, err1 := ParseCommittees([]byte(body))
		_, err2 := ParseMeetings([]byte(body))
		if err1 == nil && err2 == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := ParseMeeting([]byte("<committees/>")); err == nil {
		t.Error("GetMeeting without a meeting: no error")
	}
}

func TestServiceDates(t *testing.T) {
	for in, want := range map[string]string{"21/03/2022": "2022-03-21", "1/4/2022 16:00:00": "2022-04-01", " 06/09/2022": "2022-09-06"} {
		if got, err := ServiceDate(in); err != nil || got != want {
			t.Errorf("ServiceDate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "2022-03-21", "31/02/2022", "21/13/2022"} {
		if _, err := ServiceDate(bad); err == nil {
			t.Errorf("ServiceDate(%q): no error", bad)
		}
	}
	if got := FormatServiceDate(time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)); got != "01/03/2022" {
		t.Errorf("FormatServiceDate = %q", got)
	}
}

func TestEndpoints(t *testing.T) {
	base, _ := url.Parse("https://democracy.example.gov.uk/mgov/")
	e := Endpoints{Base: base}
	from, to := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2022, 12, 31, 0, 0, 0, 0, time.UTC)
	for got, want := range map[string]string{
		e.Committees():          "https://democracy.example.gov.uk/mgov/mgWebService.asmx/GetCommittees",
		e.Meetings(7, from, to): "https://democracy.example.gov.uk/mgov/mgWebService.asmx/GetMeetings?lCommitteeId=7&sFromDate=01%2F01%2F2022&sToDate=31%2F12%2F2022",
		e.Meeting(9):            "https://democracy.example.gov.uk/mgov/mgWebService.asmx/GetMeeting?lMeetingId=9",
		e.MinutesPage(7, 9):     "https://democracy.example.gov.uk/mgov/ieListDocuments.aspx?CId=7&MId=9",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	if got, _ := Resolve(e.MinutesPage(7, 9), "mgAi.aspx?ID=5#mgMinutes"); got != "https://democracy.example.gov.uk/mgov/mgAi.aspx?ID=5" {
		t.Errorf("Resolve = %s", got)
	}
}

// The web service parsers take any bytes without panicking: a broken or
// hostile answer is an error, never a crash.
func FuzzParseService(f *testing.F) {
	for _, name := range []string{"GetCommittees.xml", "GetMeetings-101.xml", "GetMeeting-1001.xml", "GetMeeting-1002.xml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "moderngov", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("<committees><committee><committeeid>x</committeeid></committee>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		ParseCommittees(body)
		ParseMeetings(body)
		if m, err := ParseMeeting(body); err == nil && m != nil {
			m.PrintedMinutes()
		}
	})
}
