package hostile

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/sampletest"
	"github.com/minutebook/minutebook/internal/server"
	"github.com/minutebook/minutebook/internal/store"
)

const seed = "../../testdata/seeds/002_f2d29427e0756c68.txt"

// TestHostileDocuments ingests each hostile document on its own into a
// real archive: it is refused with a reason naming the file, or stored as
// valid text; the ingest never crashes and never stops the other files.
func TestHostileDocuments(t *testing.T) {
	minutes, err := os.ReadFile(seed)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := os.ReadFile(seed + ".meta.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		write  func(path string) error
		refuse string // the reason must contain this; "" means stored
		stored string // stored text must contain this
	}{
		{name: "empty.txt", write: bytesFile(nil), refuse: "empty file"},
		{name: "blank.txt", write: bytesFile([]byte("\n\n   \t\r\n")), refuse: "empty file"},
		{name: "binary.txt", write: bytesFile(binary()), refuse: "binary file"},
		{name: "huge.txt", write: func(p string) error {
			// 100 MB of minutes-looking text: refused by its size, unread.
			f, err := os.Create(p)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := f.Write(minutes); err != nil {
				return err
			}
			return f.Truncate(100 << 20)
		}, refuse: "larger than the 64 MiB limit"},
		{name: "invalid-utf8.txt", write: bytesFile(bytes.ReplaceAll(minutes, []byte("Ofsted"), []byte("Of\xff\xfested"))), stored: "Children"},
		{name: "windows-1252.txt", write: bytesFile(bytes.ReplaceAll(minutes, []byte("Children's Social Care Service"), []byte("Children\x92s Social Care Service \x96 \xa35"))), stored: "Children\u2019s Social Care Service \u2013 \u00a35"},
		{name: "nested.html", write: bytesFile([]byte("<html><body>" + strings.Repeat("<div>", 100_000) + "Minutes" + strings.Repeat("</div>", 100_000) + "</body></html>")), refuse: "nested.html"},
		{name: "one-line.txt", write: bytesFile(bytes.Repeat([]byte("resolved that the committee note the report "), 200_000)), refuse: "one-line.txt"},
		{name: "fake.pdf", write: bytesFile([]byte("%PDF-1.7\n%garbage that is no PDF at all\n")), refuse: "fake.pdf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tc.name)
			if err := tc.write(path); err != nil {
				t.Fatal(err)
			}
			if tc.refuse == "" {
				if err := os.WriteFile(path+".meta.json", meta, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "minutebook.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			sum, err := ingest.Files(context.Background(), st, []string{dir}, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.refuse != "" {
				if len(sum.Failures) != 1 || !strings.Contains(sum.Failures[0].Reason, tc.refuse) || !strings.Contains(sum.Failures[0].Reason, tc.name) {
					t.Fatalf("want a failure naming %s and saying %q; got %s %+v", tc.name, tc.refuse, sum, sum.Failures)
				}
				t.Logf("refused: %s", sum.Failures[0].Reason)
				if len(sum.Failures[0].Reason) > 500 {
					t.Errorf("reason is not a clear one-liner (%d bytes): %.200s…", len(sum.Failures[0].Reason), sum.Failures[0].Reason)
				}
				return
			}
			if len(sum.Failures) > 0 || sum.ItemsNew == 0 {
				t.Fatalf("want stored; got %s %+v", sum, sum.Failures)
			}
			var all strings.Builder
			err = st.ForEachItem(context.Background(), func(v store.ItemView) error {
				for _, s := range []string{v.Title, v.AgendaText, v.Text} {
					if !utf8.ValidString(s) {
						t.Errorf("item %s holds invalid UTF-8", v.Key)
					}
					all.WriteString(s)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(all.String(), tc.stored) {
				t.Errorf("stored text lacks %q", tc.stored)
			}
		})
	}
}

func bytesFile(b []byte) func(string) error {
	return func(p string) error { return os.WriteFile(p, b, 0o644) }
}

// binary is bytes no text format has: NULs and control bytes.
func binary() []byte {
	b := make([]byte, 4096)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// TestHostileQueries: each hostile query is answered with a clear message
// (400 JSON from the API, the search page with the message), never a 5xx.
func TestHostileQueries(t *testing.T) {
	st, ix := sampletest.Archive(t)
	ts := httptest.NewServer(server.New(st, ix, server.Options{Logger: sampletest.Quiet}).Handler())
	defer ts.Close()
	letters := strings.Split("abcdefghijklmnopqrstuvwxyz", "")
	var storm, prefixStorm []string
	for _, l := range letters {
		storm = append(storm, l+"*")
		prefixStorm = append(prefixStorm, "co"+l+"*")
	}
	for _, tc := range []struct {
		name, raw string // raw: the encoded query string after "q="
		message   string // "" means answered normally (200)
	}{
		{"10,000 characters", url.QueryEscape(strings.Repeat("education ", 1000)), "too long"},
		{"wildcard storm", url.QueryEscape(strings.Join(storm, " ")), "at least 3 letters"},
		{"prefix storm", url.QueryEscape(strings.Join(prefixStorm, " OR ")), "use at most 24"},
		{"one prefix matching everything", url.QueryEscape("the*"), ""},
		{"nested brackets", url.QueryEscape(strings.Repeat("(", 100) + "school" + strings.Repeat(")", 100)), "brackets"},
		{"a thousand brackets", url.QueryEscape(strings.Repeat("(", 1000) + "school" + strings.Repeat(")", 1000)), "too long"},
		{"invalid UTF-8", "%ff%fe%fd", ""},
		{"NUL and controls", "school%00%01%1b", ""},
		{"unclosed quote", url.QueryEscape(`"special educational`), "not closed"},
		{"only operators", url.QueryEscape("OR AND NOT - -- ()"), ""},
		{"bad page numbers", url.QueryEscape("school") + "&page=-3&per_page=abc", ""},
		{"deep page", url.QueryEscape("school") + "&page=99999999", "first 10000 results"},
		{"bad dates", url.QueryEscape("school") + "&from=yesterday&to=9999-99-99", ""},
		{"unknown sort", url.QueryEscape("school") + "&sort=%3Cscript%3E", "Unknown sort"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, ts.URL+"/api/search?q="+tc.raw)
			if resp.StatusCode >= 500 {
				t.Fatalf("API answered %d: %.300s", resp.StatusCode, body)
			}
			if tc.message != "" {
				var e struct{ Error string }
				json.Unmarshal([]byte(body), &e)
				if resp.StatusCode != 400 || !strings.Contains(strings.ToLower(e.Error), strings.ToLower(tc.message)) {
					t.Errorf("API: want 400 saying %q, got %d %.300s", tc.message, resp.StatusCode, body)
				}
			} else if resp.StatusCode != 200 && resp.StatusCode != 400 {
				t.Errorf("API answered %d: %.300s", resp.StatusCode, body)
			}
			resp, body = get(t, ts.URL+"/search?q="+tc.raw)
			if resp.StatusCode != 200 {
				t.Fatalf("search page answered %d: %.300s", resp.StatusCode, body)
			}
			if tc.message != "" && !strings.Contains(strings.ToLower(body), strings.ToLower(tc.message)) {
				t.Errorf("search page does not say %q", tc.message)
			}
			if strings.Contains(body, "<script>") {
				t.Error("search page echoes markup unescaped")
			}
		})
	}
}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
