package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/sampletest"
	"github.com/minutebook/minutebook/internal/server"
	"github.com/minutebook/minutebook/internal/store"
	"github.com/minutebook/minutebook/internal/storetest"
)

// newTestServer serves a real archive and index built from the sample
// minutes.
func newTestServer(t testing.TB) (*httptest.Server, *store.Store) {
	t.Helper()
	return newTestServerOn(t, storetest.SQLite)
}

// newTestServerOn is newTestServer with the archive on backend.
func newTestServerOn(t testing.TB, backend storetest.Backend) (*httptest.Server, *store.Store) {
	t.Helper()
	st, ix := sampletest.ArchiveOn(t, backend)
	ts := httptest.NewServer(server.New(st, ix, server.Options{Logger: sampletest.Quiet}).Handler())
	t.Cleanup(ts.Close)
	return ts, st
}

// TestCouncilListServedWhileCounted: while one request counts the
// councils again (half a second at a million items), the others are given
// the list they had rather than wait for the count, whether a page or
// Warm (at the start of serve) counted it first. While the first count
// since the start is under way, a search page does not wait for it
// either: it offers the councils asked for.
func TestCouncilListServedWhileCounted(t *testing.T) {
	for _, first := range []string{"page", "warm", "none yet"} {
		t.Run(first, func(t *testing.T) {
			st, ix := sampletest.ArchiveOn(t, storetest.SQLite)
			srv := server.New(st, ix, server.Options{Logger: sampletest.Quiet})
			ts := httptest.NewServer(srv.Handler())
			t.Cleanup(ts.Close)
			want := "Worcestershire County Council"
			switch first {
			case "warm":
				srv.Warm(context.Background())
			case "page":
				if _, body := get(t, ts, "/search?q=SEND"); !strings.Contains(body, want) {
					t.Fatal("the search page lists no councils")
				}
			case "none yet":
				want = `<option value="worcestershire" selected>`
			}
			release := srv.HoldCouncilCount()
			defer release()
			done := make(chan string)
			go func() {
				resp, err := http.Get(ts.URL + "/search?q=EHE&council=worcestershire")
				if err != nil {
					done <- err.Error()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				done <- string(b)
			}()
			select {
			case body := <-done:
				if !strings.Contains(body, want) {
					t.Errorf("a search page during the count lacks %s:\n%s", want, body)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("a search page waited for another request's count of the councils")
			}
		})
	}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, ts *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

const (
	meeting2022 = "/leicestershire/children-and-families-overview-and-scrutiny-committee/2022-09-06"
	sendItem    = meeting2022 + "/8-send-and-inclusion"
)

// TestRoutes runs on both backends: every page reads the archive.
func TestRoutes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ts, _ := newTestServerOn(t, backend)
		for _, tc := range []struct {
			path     string
			status   int
			ctype    string
			contains []string
		}{
			{"/", 200, "text/html", []string{"What have councils said about it?", "Leicestershire County Council", `href="/topics/send"`, "38</strong> agenda items"}},
			{"/search?q=EHE", 200, "text/html", []string{"Performance Report", "<mark>", "Refine by Council"}},
			{"/search?q=EHE&council=worcestershire", 200, "text/html", []string{"No results", "without filters"}},
			{`/search?q=%22unclosed`, 200, "text/html", []string{"We could not read that search", "not closed"}},
			{"/search", 200, "text/html", []string{"Search council minutes"}},
			{"/search.atom?q=SEND", 200, "application/atom+xml", []string{"<feed", "SEND and Inclusion"}},
			{"/councils", 200, "text/html", []string{"Worcestershire County Council", "Middlesbrough Borough Council"}},
			{"/leicestershire", 200, "text/html", []string{"Children and Families Overview and Scrutiny Committee", `type="application/atom+xml"`}},
			{"/leicestershire/children-and-families-overview-and-scrutiny-committee", 200, "text/html", []string{"2022", "2019", "6 September 2022"}},
			{meeting2022, 200, "text/html", []string{"Agenda items", "SEND and Inclusion.", "Sparkenhoe Committee Room"}},
			{sendItem, 200, "text/html", []string{`rel="canonical"`, `og:title`, `twitter:card`, `application/ld+json`, "SEND and Inclusion.", "Copy link", "The same topic in other councils"}},
			{meeting2022 + "/2-question-time", 200, "text/html", []string{"Question Time.", "Audits would also be used"}},
			{meeting2022 + "/10-quarter-1-2022-23-performance-report", 200, "text/html", []string{"Only part of these minutes is known"}},
			{"/topics", 200, "text/html", []string{"SEND", "Elective home education"}},
			{"/topics/send", 200, "text/html", []string{"<svg", "Items per quarter, by council", "Special Education Needs/Disabilities Strategy"}},
			{"/topics/send.atom", 200, "application/atom+xml", []string{"<feed"}},
			{"/topics/nope", 404, "text/html", []string{"We could not find that page", `name="q"`}},
			{"/feeds/worcestershire.atom", 200, "application/atom+xml", []string{"Worcestershire"}},
			{"/feeds/leicestershire/children-and-families-overview-and-scrutiny-committee.atom", 200, "application/atom+xml", []string{"<entry>"}},
			{"/sitemap.xml", 200, "application/xml", []string{"<urlset", meeting2022}},
			{"/robots.txt", 200, "text/plain", []string{"Sitemap:"}},
			{"/healthz", 200, "text/plain", []string{"ok"}},
			{"/readyz", 200, "text/plain", []string{"ready"}},
			{"/nowhere", 404, "text/html", []string{"We could not find that page"}},
			{"/leicestershire/no-such-committee", 404, "text/html", nil},
			{meeting2022 + "/99-nothing", 404, "text/html", nil},
			{"/api/search?q=nope%20%22", 400, "application/json", []string{`"error"`}},
			{"/api/items/nope", 404, "application/json", []string{"no item"}},
		} {
			t.Run(tc.path, func(t *testing.T) {
				resp, body := get(t, ts, tc.path)
				if resp.StatusCode != tc.status {
					t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
					t.Errorf("content type %q, want %s", ct, tc.ctype)
				}
				for _, s := range tc.contains {
					if !strings.Contains(body, s) {
						t.Errorf("body lacks %q", s)
					}
				}
				if strings.HasPrefix(tc.ctype, "text/html") {
					if _, err := html.Parse(strings.NewReader(body)); err != nil {
						t.Errorf("HTML does not parse: %v", err)
					}
					if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
						t.Errorf("CSP %q", csp)
					}
				}
			})
		}
	})
}

func TestRedirects(t *testing.T) {
	ctx := context.Background()
	ts, st := newTestServer(t)
	it, err := st.ItemByPath(ctx, sendItem)
	if err != nil {
		t.Fatal(err)
	}
	// Short links.
	resp, _ := get(t, ts, "/i/"+it.Key)
	if resp.StatusCode != 301 || resp.Header.Get("Location") != sendItem {
		t.Errorf("/i/%s: %d → %s", it.Key, resp.StatusCode, resp.Header.Get("Location"))
	}
	// The item page's own undated key (seed 004, merged into the meeting)
	// redirects to the merged item.
	q, _ := st.ItemByPath(ctx, meeting2022+"/2-question-time")
	if len(q.Sources) != 2 {
		t.Fatalf("question item sources %v", q.Sources)
	}
	// Trailing slashes and double slashes are cleaned.
	resp, _ = get(t, ts, "/leicestershire//")
	if resp.StatusCode != 301 && resp.StatusCode != 200 {
		t.Errorf("cleaned path status %d", resp.StatusCode)
	}
	// Writing over HTTP is refused.
	r, err := http.Post(ts.URL+"/search", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST status %d", r.StatusCode)
	}
}

func TestAliasRedirect(t *testing.T) {
	ctx := context.Background()
	ts, st := newTestServer(t)
	// Retitle an item: its old path must answer 301 with the new one.
	res, err := st.MeetingByPath(ctx, meeting2022)
	if err != nil {
		t.Fatal(err)
	}
	am := toArchive(res)
	am.Items[7].Title = "SEND, Inclusion and Outcomes."
	if _, err := st.SaveMeeting(ctx, am, store.Source{Location: "sample/000_65df80eea297e0f5.txt", SHA256: "changed"}); err != nil {
		t.Fatal(err)
	}
	resp, _ := get(t, ts, sendItem)
	if resp.StatusCode != 301 || !strings.HasSuffix(resp.Header.Get("Location"), "/8-send-inclusion-and-outcomes") {
		t.Errorf("old path: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestAPI(t *testing.T) {
	ts, _ := newTestServer(t)
	resp, body := get(t, ts, "/api/search?q=EHE&sort=newest&per_page=5")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var r struct {
		Query  string  `json:"query"`
		Total  int     `json:"total"`
		TookMS float64 `json:"took_ms"`
		Hits   []struct {
			Key, URL, Council, CouncilName, Committee, SnippetHTML string
			Date, Number, Title                                    *string
			Score                                                  float64
			Topics                                                 []string
		} `json:"hits"`
		Facets map[string][]struct {
			Value, Label string
			Count        int
		} `json:"facets"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	if r.Query != "EHE" || r.Total < 2 || len(r.Hits) == 0 || r.Hits[0].Key == "" || r.Hits[0].Council != "leicestershire" {
		t.Errorf("result %+v", r)
	}
	for _, f := range []string{"council", "committee", "topic", "year"} {
		if _, ok := r.Facets[f]; !ok {
			t.Errorf("facet %s missing", f)
		}
	}
	for _, key := range []string{`"key"`, `"url"`, `"council_name"`, `"snippet_html"`, `"took_ms"`} {
		if !strings.Contains(body, key) {
			t.Errorf("API field %s missing", key)
		}
	}
	resp, body = get(t, ts, "/api/items/"+r.Hits[0].Key)
	if resp.StatusCode != 200 || !strings.Contains(body, `"meeting"`) || !strings.Contains(body, `"minutes`) && !strings.Contains(body, `"text"`) {
		t.Errorf("item API %d: %.300s", resp.StatusCode, body)
	}
}

func TestFeedsAreValidAtom(t *testing.T) {
	ts, _ := newTestServer(t)
	_, body := get(t, ts, "/topics/send.atom")
	var f struct {
		Title   string `xml:"title"`
		Entries []struct {
			Title string `xml:"title"`
			ID    string `xml:"id"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(body), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) == 0 || !strings.Contains(f.Entries[0].ID, "/i/") {
		t.Errorf("feed %+v", f)
	}
}

func TestStaticAssets(t *testing.T) {
	ts, _ := newTestServer(t)
	_, home := get(t, ts, "/")
	i := strings.Index(home, `href="/static/style.`)
	if i < 0 {
		t.Fatal("no hashed stylesheet link")
	}
	path := home[i+6 : i+6+strings.Index(home[i+6:], `"`)]
	resp, _ := get(t, ts, path)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("%s: %d %q", path, resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if resp, _ := get(t, ts, "/static/style.css"); resp.StatusCode != 404 {
		t.Errorf("unhashed asset served: %d", resp.StatusCode)
	}
}

func toArchive(v store.MeetingView) *archive.Meeting {
	m := &archive.Meeting{Format: v.Format, SourceURL: v.SourceURL, Council: v.CouncilName, CouncilSlug: v.CouncilSlug,
		Committee: v.CommitteeName, CommitteeSlug: v.CommitteeSlug, Date: v.Date, Time: v.Time, Venue: v.Venue, Attendees: v.Attendees}
	for _, it := range v.Items {
		m.Items = append(m.Items, it.Item)
	}
	return m
}

// Item pages are kept until the index applies another change: a change
// to the item shows as soon as it is indexed, not before.
func TestItemPageCachedUntilIndexChanges(t *testing.T) {
	ctx := context.Background()
	st, ix := sampletest.Archive(t)
	ts := httptest.NewServer(server.New(st, ix, server.Options{Logger: sampletest.Quiet}).Handler())
	t.Cleanup(ts.Close)
	_, before := get(t, ts, sendItem)
	if !strings.Contains(before, `href="/topics/send"`) {
		t.Fatal("the SEND item page shows no SEND topic")
	}
	it, err := st.ItemByPath(ctx, sendItem)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetTopics(ctx, it.Key, nil); err != nil {
		t.Fatal(err)
	}
	if _, page := get(t, ts, sendItem); page != before {
		t.Error("the page changed before the index applied the change: it was not cached")
	}
	if err := ix.CatchUp(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, after := get(t, ts, sendItem); strings.Contains(after, `href="/topics/send"`) {
		t.Error("the item page still shows its old topic after the index applied the change")
	}
}

// Pages are gzipped for a client that accepts it, readable by any gzip
// reader (the standard library's here), and sent plain to one that does
// not.
func TestGzip(t *testing.T) {
	ts, _ := newTestServer(t)
	fetch := func(path, encoding string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		req.Header.Set("Accept-Encoding", encoding) // set: the transport then leaves the body as sent
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	for _, path := range []string{"/search?q=education", sendItem, meeting2022} {
		plainResp, plain := fetch(path, "identity")
		if plainResp.StatusCode != http.StatusOK || plainResp.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s, identity: status %d, Content-Encoding %q", path, plainResp.StatusCode, plainResp.Header.Get("Content-Encoding"))
		}
		resp, body := fetch(path, "gzip, deflate, br")
		if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
			t.Fatalf("%s: Content-Encoding %q, want gzip", path, got)
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(body) >= len(plain) {
			t.Errorf("%s: gzipped %d bytes, plain %d", path, len(body), len(plain))
		}
		// Search pages say how long the search took: compare the rest.
		took := regexp.MustCompile(`[0-9.]+[µm]?s\b`)
		if a, b := took.ReplaceAll(unzipped, nil), took.ReplaceAll(plain, nil); !bytes.Equal(a, b) {
			t.Errorf("%s: gzipped body differs from the plain one", path)
		}
	}
}
