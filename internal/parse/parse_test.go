package parse

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minutebook/minutebook/internal/archive"
)

func read(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDetect(t *testing.T) {
	for file, want := range map[string]string{
		"../../testdata/seeds/000_65df80eea297e0f5.txt":   "moderngov-table",
		"../../testdata/seeds/001_e207b07a5e064857.txt":   "moderngov-text",
		"../../testdata/seeds/002_f2d29427e0756c68.txt":   "printed-minutes",
		"../../testdata/seeds/003_defd383d8f0b697f.txt":   "moderngov-text",
		"../../testdata/seeds/004_bc8dacd3c0e61452.txt":   "moderngov-item",
		"../../testdata/parse/decisions-page.txt":         "moderngov-text",
		"../../testdata/parse/draft-minutes-labelled.txt": "moderngov-text",
		"../../testdata/parse/windows-1252.txt":           "moderngov-text",
	} {
		m, err := Parse(Input{Name: file, Body: read(t, file)}, "")
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if m.Format != want {
			t.Errorf("%s: format %s, want %s", filepath.Base(file), m.Format, want)
		}
	}
}

// item is the part of an archive.Item a variant test pins down.
type item struct {
	number, title, agenda, textPrefix string
	resolutions                       int
}

func TestVariants(t *testing.T) {
	for _, tc := range []struct {
		file                         string
		committee, date, time, venue string
		items                        []item
	}{
		{
			file: "decisions-page.txt", committee: "Cabinet", date: "2023-03-14", time: "10:00", venue: "Council Chamber, Town Hall",
			items: []item{
				{"1", "Apologies for Absence", "", "Apologies were received", 0},
				{"2", "Special Educational Needs and Disabilities (SEND) Sufficiency Strategy", "To consider the draft SEND sufficiency strategy for 2023-2028.", "RESOLVED:", 1},
				{"3", "Date of Next Meeting", "", "The next meeting will be held", 0},
			},
		},
		{
			file: "draft-minutes-labelled.txt", committee: "Health Scrutiny Panel", date: "2023-02-01", time: "18:30", venue: "Committee Room 1, Civic Centre",
			items: []item{
				{"", "Declarations of interest.", "", "None were declared.", 0},
				{"", "Minutes of the previous meeting.", "", "RESOLVED: That the minutes", 1},
				{"", "Child and Adolescent Mental Health Services.", "To receive an update on waiting times for CAMHS.", "The Panel received an update", 1},
			},
		},
		{
			file: "decision-details.txt", committee: "Cabinet", date: "2023-03-14",
			items: []item{{"", "Special Educational Needs and Disabilities Sufficiency Strategy",
				"To approve the draft SEND sufficiency strategy for 2023-2028 and consultation on new special school places.",
				"That the SEND Sufficiency Strategy 2023-2028 be approved.", 1}},
		},
		{
			file: "windows-1252.txt", committee: "Schools Forum", date: "2022-06-09", time: "09:30", venue: "Café Room, County Hall",
			items: []item{{"1", "High Needs Block – update", "", "The Forum noted the “high needs” deficit.", 0}},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m, err := Parse(Input{Name: tc.file, Body: read(t, "../../testdata/parse/"+tc.file)}, "")
			if err != nil {
				t.Fatal(err)
			}
			if m.Committee != tc.committee || m.Date != tc.date || m.Time != tc.time || m.Venue != tc.venue {
				t.Errorf("meeting %q %q %q %q, want %q %q %q %q", m.Committee, m.Date, m.Time, m.Venue, tc.committee, tc.date, tc.time, tc.venue)
			}
			if len(m.Items) != len(tc.items) {
				t.Fatalf("%d items, want %d", len(m.Items), len(tc.items))
			}
			for i, want := range tc.items {
				got := m.Items[i]
				if got.Number != want.number || got.Title != want.title || got.AgendaText != want.agenda ||
					!strings.HasPrefix(got.Text, want.textPrefix) || len(got.Resolutions) != want.resolutions {
					t.Errorf("item %d = {%q %q %q %q… %d}, want %+v", i+1, got.Number, got.Title, got.AgendaText, trim(got.Text, 40), len(got.Resolutions), want)
				}
			}
		})
	}
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func TestNoMeeting(t *testing.T) {
	for _, body := range []string{"", "hello", "Dear resident,\n\nYour bins are collected on Tuesday.\n", "Agenda item\n"} {
		_, err := Parse(Input{Name: "x", Body: []byte(body)}, "")
		if !errors.Is(err, archive.ErrNoMeeting) {
			t.Errorf("Parse(%q) error %v, want ErrNoMeeting", body, err)
		}
	}
	if _, err := Parse(Input{Body: []byte("x")}, "nope"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown format: %v", err)
	}
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, in, ctype, want string
	}{
		{"utf8", "Caf\u00e9 \u2013 item", "", "Café – item"},
		{"bom", "\xef\xbb\xbfMinutes", "", "Minutes"},
		{"windows-1252 bytes", "Caf\xe9 \x93quoted\x94 \x96 dash", "", "Café “quoted” – dash"},
		{"declared latin-1", "Caf\xe9", "text/html; charset=ISO-8859-1", "Café"},
		{"utf-16 le", "\xff\xfeM\x00i\x00n\x00", "", "Min"},
		{"entities", "Children &amp; Young People&#8217;s Panel&nbsp;", "", "Children & Young People’s Panel "},
		{"nbsp and crlf", "a\u00a0b\r\nc\rd", "", "a b\nc\nd"},
		{"controls and zero width", "a\x00b\u200bc\x07", "", "abc"},
	} {
		if got := Decode([]byte(tc.in), tc.ctype); got != tc.want {
			t.Errorf("%s: Decode = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func seedCorpus(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/seeds/*.txt")
	more, _ := filepath.Glob("../../testdata/parse/*.txt")
	for _, p := range append(files, more...) {
		f.Add(read(f, p))
	}
}

// fuzzFormat checks a parser never panics and that what it returns is
// well formed.
func fuzzFormat(f *testing.F, format string) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := Parse(Input{Name: "fuzz", Body: body}, format)
		if err != nil {
			return
		}
		if len(m.Items) == 0 {
			t.Fatal("meeting without items returned without error")
		}
	})
}

func FuzzModernGovText(f *testing.F)  { fuzzFormat(f, "moderngov-text") }
func FuzzModernGovTable(f *testing.F) { fuzzFormat(f, "moderngov-table") }
func FuzzModernGovItem(f *testing.F)  { fuzzFormat(f, "moderngov-item") }
func FuzzPrinted(f *testing.F)        { fuzzFormat(f, "printed-minutes") }
func FuzzSniff(f *testing.F)          { fuzzFormat(f, "") }

func FuzzDecode(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		s := Decode(body, "")
		if strings.ContainsRune(s, '\r') || strings.ContainsRune(s, 0) {
			t.Fatalf("Decode left CR or NUL in %q", s)
		}
	})
}

// BenchmarkParseSeeds measures parse throughput over the seed files (MB/s).
func BenchmarkParseSeeds(b *testing.B) {
	files, _ := filepath.Glob("../../testdata/seeds/*.txt")
	var bodies [][]byte
	size := 0
	for _, p := range files {
		body := read(b, p)
		bodies = append(bodies, body)
		size += len(body)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for i, body := range bodies {
			if _, err := Parse(Input{Name: files[i], Body: body}, ""); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestIssuePage: an issue page lists one item at each meeting that took
// it; each becomes a meeting of its own.
func TestIssuePage(t *testing.T) {
	in := Input{Name: "issue", Body: read(t, "../../testdata/parse/issue-history.txt")}
	ms, err := ParseAll(in, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("%d meetings, want 2", len(ms))
	}
	for i, want := range []struct{ committee, date, number, text string }{
		{"Children and Young People Scrutiny Committee", "2023-01-10", "7", "The Committee considered the draft"},
		{"Cabinet", "2023-03-14", "5", "That the Home to School Transport Policy"},
	} {
		m := ms[i]
		it := m.Items[0]
		if m.Committee != want.committee || m.Date != want.date || it.Number != want.number ||
			it.Title != "Home to School Transport Policy 2023/24" || !strings.HasPrefix(it.Text, want.text) || len(it.Resolutions) != 1 {
			t.Errorf("meeting %d: %q %q item %q %q %.40q %v", i+1, m.Committee, m.Date, it.Number, it.Title, it.Text, it.Resolutions)
		}
	}
	if _, err := Parse(in, ""); err == nil || !strings.Contains(err.Error(), "2 meetings") {
		t.Errorf("Parse of a two-meeting page: %v", err)
	}
}
