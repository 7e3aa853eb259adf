package extract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/extract"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func seeds(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("../../testdata/seeds/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed files: %v", err)
	}
	return files
}

// TestGolden parses every seed (with its sidecar) and compares the JSON
// with the reviewed golden file. Run with -update to rewrite them, then
// review the diff.
func TestGolden(t *testing.T) {
	for _, path := range seeds(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			m, err := extract.File(context.Background(), path, extract.Options{})
			if err != nil {
				t.Fatal(err)
			}
			m.Source = name // golden files must not depend on the checkout path
			got, err := json.MarshalIndent(m, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("../../testdata/golden", strings.TrimSuffix(name, ".txt")+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from its golden file %s; run go test ./internal/extract -update and review the diff", name, golden)
			}
		})
	}
}

// gold is the hand reading of a seed in testdata/seeds-gold.
type gold struct {
	Council   *string `json:"council"`
	Committee *string `json:"committee"`
	Date      *string `json:"date"`
	Items     []struct {
		Number     *string `json:"number"`
		Title      *string `json:"title"`
		HasMinutes bool    `json:"has_minutes"`
		Resolved   bool    `json:"resolved"`
	} `json:"items"`
	Topics []string `json:"topics"`
}

// Where Minutebook reads a seed differently from the hand reading, on
// purpose. Each entry says why.
var disagreements = map[string]map[string]string{
	"001_e207b07a5e064857.txt": {
		// The gold takes the council from "Leicestershire County Council had
		// fulfilled its responsibilities" in an item's text. A council named
		// in narrative may be a neighbour or partner, so from text alone we
		// only accept a council printed as a heading; the sidecar supplies it.
		"council": "gold reads the council from narrative; we require a heading",
	},
	"000_65df80eea297e0f5.txt": {
		// The committee is stated only inside a question ("put to the
		// Chairman of the … Committee"), not as the page's heading; we do
		// not read committees from narrative. The sidecar supplies it.
		"committee": "gold reads the committee from narrative",
	},
	"004_bc8dacd3c0e61452.txt": {
		"committee": "gold reads the committee from narrative",
	},
}

// TestAgainstHandReading parses each seed from its text alone (no sidecar,
// as the hand reading was made) and compares council, committee, date,
// items, titles, minutes presence, decisions and topics with the gold.
func TestAgainstHandReading(t *testing.T) {
	for _, path := range seeds(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("../../testdata/seeds-gold", name+".gold.json"))
			if err != nil {
				t.Fatal(err)
			}
			var g gold
			if err := json.Unmarshal(raw, &g); err != nil {
				t.Fatal(err)
			}
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := extract.Bytes(context.Background(), name, body, nil, extract.Options{})
			if err != nil {
				t.Fatal(err)
			}
			skip := disagreements[name]
			check := func(field, got string, want *string) {
				if _, ok := skip[field]; ok {
					return
				}
				if got != deref(want) {
					t.Errorf("%s = %q, gold %q", field, got, deref(want))
				}
			}
			check("council", m.Council, g.Council)
			check("committee", m.Committee, g.Committee)
			check("date", m.Date, g.Date)
			if len(m.Items) != len(g.Items) {
				t.Fatalf("%d items, gold %d", len(m.Items), len(g.Items))
			}
			for i, gi := range g.Items {
				it := m.Items[i]
				if it.Number != deref(gi.Number) {
					t.Errorf("item %d number %q, gold %q", i+1, it.Number, deref(gi.Number))
				}
				if it.Title != deref(gi.Title) {
					t.Errorf("item %d title %q, gold %q", i+1, it.Title, deref(gi.Title))
				}
				if (it.Text != "") != gi.HasMinutes {
					t.Errorf("item %d has minutes %v, gold %v", i+1, it.Text != "", gi.HasMinutes)
				}
				if (len(it.Resolutions) > 0) != gi.Resolved {
					t.Errorf("item %d resolved %v (%q), gold %v", i+1, len(it.Resolutions) > 0, it.Resolutions, gi.Resolved)
				}
			}
			if got, want := meetingTopics(m), goldTopics(g.Topics); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("topics %v, gold %v", got, want)
			}
		})
	}
}

// The topics the gold names (send, ehe, social-worker-recruitment) are the
// ones it judged; other topics we tag are not compared.
var judgedTopics = map[string]bool{"send": true, "ehe": true, "social-worker-recruitment": true}

func meetingTopics(m *archive.Meeting) []string {
	seen := map[string]bool{}
	for _, it := range m.Items {
		for _, tp := range it.Topics {
			if judgedTopics[tp] {
				seen[tp] = true
			}
		}
	}
	var out []string
	for tp := range seen {
		out = append(out, tp)
	}
	sort.Strings(out)
	return out
}

func goldTopics(ts []string) []string {
	var out []string
	for _, t := range ts {
		out = append(out, strings.ToLower(t))
	}
	sort.Strings(out)
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestSeedFacts(t *testing.T) {
	ctx := context.Background()
	m, err := extract.File(ctx, "../../testdata/seeds/000_65df80eea297e0f5.txt", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Cut-short items are flagged and the marker removed.
	for _, i := range []int{1, 9} {
		it := m.Items[i]
		if !it.Truncated || strings.Contains(it.Text, "view the full minutes") {
			t.Errorf("item %d: truncated=%v, marker left: %v", i+1, it.Truncated, strings.Contains(it.Text, "view the full minutes"))
		}
	}
	// Furniture never reaches titles.
	for _, it := range m.Items {
		if strings.Contains(it.Title, "PDF") || strings.Contains(it.AgendaText, "Additional documents") {
			t.Errorf("furniture left in %q / %q", it.Title, it.AgendaText)
		}
	}
	// The bullet list in the question response keeps its markers.
	if !strings.Contains(m.Items[1].Text, "\n\n• Under developed joint commissioning arrangements.") {
		t.Errorf("list marker lost in %q", m.Items[1].Text[:400])
	}
	// The date of this meeting comes from the sidecar; the text only names
	// other meetings (7 June 2022, 8 November 2022).
	if m.Date != "2022-09-06" {
		t.Errorf("date %q", m.Date)
	}
	// Worcestershire: time, venue and attendees from the printed header.
	w, err := extract.File(ctx, "../../testdata/seeds/002_f2d29427e0756c68.txt", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w.Time != "10:00" || w.Venue != "County Hall, Worcester" {
		t.Errorf("time %q venue %q", w.Time, w.Venue)
	}
	if len(w.Attendees) < 9 || w.Attendees[0] != (archive.Attendee{Name: "Mrs F M Oborski", Role: "Chairman"}) {
		t.Errorf("attendees %v", w.Attendees)
	}
}

func TestSourceURLNamesCouncil(t *testing.T) {
	body, err := os.ReadFile("../../testdata/seeds/003_defd383d8f0b697f.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ url, slug string }{
		{"https://moderngov.middlesbrough.gov.uk/ieListDocuments.aspx?CId=1&MId=2", "middlesbrough"},
		{"http://WWW.moderngov.middlesbrough.gov.uk:443/x", "middlesbrough"},
		{"https://example.org/minutes", ""},
	} {
		m, err := extract.Bytes(context.Background(), "003", body, nil, extract.Options{SourceURL: tc.url})
		if err != nil {
			t.Fatal(err)
		}
		if m.CouncilSlug != tc.slug {
			t.Errorf("%s: council %q, want %q", tc.url, m.CouncilSlug, tc.slug)
		}
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.txt", mustRead(t, "../../testdata/seeds/003_defd383d8f0b697f.txt"))
	write("good.txt.meta.json", []byte(`{"date": "21/03/2022"}`))
	for _, tc := range []struct {
		path, want string
	}{
		{write("empty.txt", nil), "empty file"},
		{write("binary.dat", []byte{0x7f, 'E', 'L', 'F', 0, 0, 1, 2, 3}), "binary file"},
		{write("none.txt", []byte("Dear resident,\nthe bins will be collected on Tuesday.\n")), "no recognisable meeting"},
		{filepath.Join(dir, "missing.txt"), "cannot read"},
		{good, `field "date"`},
	} {
		_, err := extract.File(context.Background(), tc.path, extract.Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), filepath.Base(tc.path)) {
			t.Errorf("%s: error %v, want one naming the file and %q", tc.path, err, tc.want)
		}
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
