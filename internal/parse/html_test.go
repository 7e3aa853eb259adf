package parse

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// sameItems checks that two readings of one meeting have the same items:
// numbers, titles, truncation, decisions and text. Text is compared without
// whitespace and bullet characters: each medium spaces and bullets lists
// its own way (a PDF lays the tab-separated cells "8<tab>4" of a table out
// as "84").
func sameItems(t *testing.T, got, want []itemLike) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d items, want %d", len(got), len(want))
	}
	norm := func(s string) string {
		s = strings.NewReplacer("•", "", "·", "").Replace(s)
		return strings.Join(strings.Fields(s), "")
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Number != w.Number || g.Title != w.Title || g.Truncated != w.Truncated || len(g.Resolutions) != len(w.Resolutions) {
			t.Errorf("item %d = %q %q truncated=%v res=%d, want %q %q %v %d", i+1, g.Number, g.Title, g.Truncated, len(g.Resolutions), w.Number, w.Title, w.Truncated, len(w.Resolutions))
		}
		if norm(g.Text) != norm(w.Text) {
			t.Errorf("item %d text differs:\n got %.200q\nwant %.200q", i+1, norm(g.Text), norm(w.Text))
		}
		if norm(g.AgendaText) != norm(w.AgendaText) {
			t.Errorf("item %d agenda text %q, want %q", i+1, g.AgendaText, w.AgendaText)
		}
	}
}

type itemLike = struct {
	Number, Title, AgendaText, Text string
	Truncated                       bool
	Resolutions                     []string
}

func items(t *testing.T, path, format string) ([]itemLike, string) {
	t.Helper()
	m, err := Parse(Input{Name: path, Body: read(t, path)}, "")
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if m.Format != format {
		t.Errorf("%s detected as %s, want %s", path, m.Format, format)
	}
	var out []itemLike
	for _, it := range m.Items {
		out = append(out, itemLike{it.Number, it.Title, it.AgendaText, it.Text, it.Truncated, it.Resolutions})
	}
	return out, m.Committee + "|" + m.Date + "|" + m.Time + "|" + m.Venue + "|" + m.Council
}

func TestMeetingHTMLMatchesText(t *testing.T) {
	html, hmeta := items(t, "../../testdata/html/ieListDocuments-003.html", "moderngov-html")
	text, tmeta := items(t, "../../testdata/seeds/003_defd383d8f0b697f.txt", "moderngov-text")
	sameItems(t, html, text)
	// The HTML also names the council in its title; the text does not.
	if want := tmeta + "Middlesbrough Borough Council"; hmeta != want {
		t.Errorf("meeting %q, want %q", hmeta, want)
	}
}

func TestItemHTMLMatchesText(t *testing.T) {
	html, hmeta := items(t, "../../testdata/html/mgAi-004.html", "moderngov-item-html")
	text, _ := items(t, "../../testdata/seeds/004_bc8dacd3c0e61452.txt", "moderngov-item")
	// The page's "Meeting:" line gives what the saved text lost: the
	// meeting date, the committee and the item number.
	text[0].Number = "15"
	sameItems(t, html, text)
	if hmeta != "Children and Families Overview and Scrutiny Committee|2022-09-06|||Leicestershire County Council" {
		t.Errorf("meeting %q", hmeta)
	}
}

func TestHostileHTML(t *testing.T) {
	deep := strings.Repeat("<div>", 100000) + "x" + strings.Repeat("</div>", 100000)
	for name, body := range map[string]string{
		"deeply nested": `<html><body><div id="modgov"><h1 class="mgMainTitleTxt">Agenda and minutes</h1>` + deep + `</div></body></html>`,
		"enormous line": `<html><body><h1 class="mgMainTitleTxt">Agenda and minutes</h1><p class="mgAiTitleTxt">` + strings.Repeat("word ", 500000) + `</p></body></html>`,
		"invalid utf-8": "<html><body><h1 class=\"mgMainTitleTxt\">Agenda item</h1><h2 class=\"mgSubTitleTxt\">T\xff\xfe</h2><p class=\"mgSubItemTitleTxt\">Minutes:</p><div class=\"mgWordPara\">Text \xc3\x28 here.</div></body></html>",
		"no items":      `<html><body><h1 class="mgMainTitleTxt">Agenda and minutes</h1></body></html>`,
		"unclosed tags": `<html><body><h1 class="mgMainTitleTxt">Agenda and minutes<table class="mgItemTable"><tr><td class="mgItemNumberCell">1.<td><p class="mgAiTitleTxt">Title<p class="mgSubItemTitleTxt">Minutes:<div class="mgWordPara">Noted`,
	} {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(Input{Name: name, Body: []byte(body)}, "")
			if err == nil && len(m.Items) == 0 {
				t.Error("no error and no items")
			}
		})
	}
}

func FuzzModernGovHTML(f *testing.F) {
	for _, p := range []string{"../../testdata/html/ieListDocuments-003.html", "../../testdata/html/mgAi-004.html"} {
		f.Add(read(f, p))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, format := range []string{"moderngov-html", "moderngov-item-html"} {
			if m, err := Parse(Input{Name: "fuzz", Body: body}, format); err == nil && len(m.Items) == 0 {
				t.Fatal("no error and no items")
			}
		}
	})
}

// requirePDFToText skips without pdftotext locally, but fails in CI, which
// must install it.
func requirePDFToText(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath(PDFToText); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must install poppler-utils: %v", err)
		}
		t.Skip("pdftotext (poppler-utils) not installed: skipping PDF tests")
	}
}

func TestPDFMatchesText(t *testing.T) {
	requirePDFToText(t)
	pdf, pmeta := items(t, "../../testdata/pdf/worcestershire-2018-05-16.pdf", "pdf")
	text, tmeta := items(t, "../../testdata/seeds/002_f2d29427e0756c68.txt", "printed-minutes")
	sameItems(t, pdf, text)
	if pmeta != tmeta {
		t.Errorf("meeting %q, want %q", pmeta, tmeta)
	}
}

func TestPDFWithoutExtractor(t *testing.T) {
	old := PDFToText
	PDFToText = "pdftotext-not-installed-here"
	defer func() { PDFToText = old }()
	_, err := Parse(Input{Name: "x.pdf", Body: read(t, "../../testdata/pdf/worcestershire-2018-05-16.pdf")}, "")
	if err == nil || !strings.Contains(err.Error(), "poppler-utils") {
		t.Errorf("error %v, want one naming the missing program", err)
	}
}

func TestBrokenPDF(t *testing.T) {
	requirePDFToText(t)
	body := read(t, "../../testdata/pdf/worcestershire-2018-05-16.pdf")
	if _, err := Parse(Input{Name: "cut.pdf", Body: body[:len(body)/3]}, ""); err == nil {
		t.Log("pdftotext recovered text from a truncated PDF") // acceptable, as long as nothing panics
	}
	if _, err := Parse(Input{Name: "junk.pdf", Body: append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0xde, 0xad}, 1000)...)}, ""); err == nil {
		t.Error("junk PDF parsed without error")
	}
}

func FuzzPDF(f *testing.F) {
	if _, err := exec.LookPath(PDFToText); err != nil {
		f.Skip("pdftotext not installed")
	}
	f.Add(read(f, "../../testdata/pdf/worcestershire-2018-05-16.pdf"))
	f.Fuzz(func(t *testing.T, body []byte) {
		Parse(Input{Name: "fuzz.pdf", Body: body}, "pdf")
	})
}
