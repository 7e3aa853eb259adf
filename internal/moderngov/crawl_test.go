package moderngov_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minutebook/minutebook/internal/fetch"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/moderngov"
	"github.com/minutebook/minutebook/internal/moderngov/moderngovtest"
	"github.com/minutebook/minutebook/internal/store"
)

// The fixture site's documents, by request URI.
const (
	uriCommittees = "/mgWebService.asmx/GetCommittees"
	uriPage1001   = "/ieListDocuments.aspx?CId=101&MId=1001"
	uriPage1002   = "/ieListDocuments.aspx?CId=102&MId=1002"
	uriPage1003   = "/ieListDocuments.aspx?CId=101&MId=1003"
	uriItem20005  = "/mgAi.aspx?ID=20005"
	uriItem20007  = "/mgAi.aspx?ID=20007"
	uriMeeting02  = "/mgWebService.asmx/GetMeeting?lMeetingId=1002"
	uriPDF1002    = "/documents/g1002/Printed%20minutes%2016th-May-2018%2010.00%20Children%20and%20Families%20Overview%20and%20Scrutiny%20Panel.pdf?T=1"
)

func requirePDFToText(t *testing.T) {
	t.Helper()
	if _, err := exec_LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed: the fixture site has a PDF")
	}
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "minutebook.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// fastClient keeps every politeness rule but waits milliseconds, not
// seconds, so tests run quickly.
func fastClient(rate float64) *fetch.Client {
	return fetch.New(fetch.Options{Rate: rate, Timeout: 300 * time.Millisecond, BackoffBase: 5 * time.Millisecond,
		BackoffMax: 50 * time.Millisecond, Retries: 4})
}

func crawlOpts(srv *moderngovtest.Server) moderngov.Options { return crawlOptsURL(srv.URL) }

func crawlOptsURL(base string) moderngov.Options {
	return moderngov.Options{
		Site: "fixture", BaseURL: base,
		From: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2022, 12, 31, 0, 0, 0, 0, time.UTC),
		Now: func() time.Time { return time.Date(2023, 1, 10, 12, 0, 0, 0, time.UTC) },
	}
}

// export is the archive as JSON lines, with the server's address made
// neutral so archives crawled from different servers compare equal.
func export(t *testing.T, st *store.Store, srv *moderngovtest.Server) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := ingest.Export(context.Background(), st, &buf); err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(buf.String(), srv.URL, "http://moderngov.test")
}

func crawl(t *testing.T, ctx context.Context, st *store.Store, fc *fetch.Client, opts moderngov.Options) (moderngov.Stats, error) {
	t.Helper()
	c := &moderngov.Crawler{Store: st, Fetch: fc}
	return c.Crawl(ctx, opts)
}

// reference crawls the fixture site without faults.
func reference(t *testing.T) string {
	t.Helper()
	srv := moderngovtest.New(t)
	st := openStore(t)
	stats, err := crawl(t, context.Background(), st, fastClient(1000), crawlOpts(srv))
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.Failures) > 0 {
		t.Fatalf("fault-free crawl failed: %v", stats.Failures)
	}
	return export(t, st, srv)
}

func TestCrawlFixtureSite(t *testing.T) {
	requirePDFToText(t)
	srv := moderngovtest.New(t)
	st := openStore(t)
	stats, err := crawl(t, context.Background(), st, fastClient(1000), crawlOpts(srv))
	if err != nil {
		t.Fatal(err)
	}
	// 1001: HTML minutes with two items cut short; 1002: HTML refused
	// (403), printed minutes from the service; 1003: agenda only.
	if stats.Committees != 3 || stats.Meetings != 3 || stats.MeetingsDone != 2 || stats.MeetingsPending != 1 || len(stats.Failures) != 0 {
		t.Fatalf("stats: %s %v", stats, stats.Failures)
	}
	for _, uri := range []string{uriPage1001, uriItem20005, uriItem20007, uriPDF1002} {
		if srv.Fetched(uri) != 1 {
			t.Errorf("%s fetched %d times, want once", uri, srv.Fetched(uri))
		}
	}
	for _, r := range srv.Requests() {
		if r.UserAgent != fetch.UserAgent {
			t.Errorf("%s: User-Agent %q", r.URI, r.UserAgent)
		}
	}
	if first := srv.Requests()[0].URI; first != "/robots.txt" {
		t.Errorf("first request %s, want /robots.txt", first)
	}

	out := export(t, st, srv)
	for _, want := range []string{
		// the cut-short items carry their full text
		`AGREED that the information provided be noted and a further update be provided in six months.`,
		`Members discussed how the Council-wide approach would be monitored`,
		// the printed minutes, with the committee and date the service gives
		`"committee":"Children and Families Overview and Scrutiny Panel","committee_slug":"children-and-families-overview-and-scrutiny-panel","date":"2018-05-16"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("archive lacks %q", want)
		}
	}
	if strings.Contains(out, `"truncated":true`) {
		t.Error("an item is still cut short")
	}
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("%d meetings in the archive, want 2", n)
	}
}

// Transient faults on every kind of document end with the same archive.
func TestFaultsGiveSameArchive(t *testing.T) {
	requirePDFToText(t)
	want := reference(t)

	srv := moderngovtest.New(t)
	srv.Inject(uriCommittees, moderngovtest.ServerErr, moderngovtest.TooMany)
	srv.Inject(uriPage1001, moderngovtest.Hang, moderngovtest.Truncated)
	srv.Inject(uriItem20005, moderngovtest.TooMany)
	srv.Inject(uriItem20007, moderngovtest.Truncated, moderngovtest.ServerErr)
	srv.Inject(uriMeeting02, moderngovtest.ServerErr)
	srv.Inject(uriPDF1002, moderngovtest.Truncated, moderngovtest.Hang)
	st := openStore(t)
	stats, err := crawl(t, context.Background(), st, fastClient(1000), crawlOpts(srv))
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.Failures) > 0 {
		t.Fatalf("failures: %v", stats.Failures)
	}
	faults := map[moderngovtest.Fault]int{}
	for _, r := range srv.Requests() {
		faults[r.Fault]++
	}
	for _, f := range []moderngovtest.Fault{moderngovtest.TooMany, moderngovtest.ServerErr, moderngovtest.Hang, moderngovtest.Truncated} {
		if faults[f] == 0 {
			t.Errorf("fault %s was never served", f)
		}
	}
	// Retry-After: 1 was honoured: the retry came a second later.
	var asked time.Time
	for _, r := range srv.Requests() {
		if r.URI == uriItem20005 && r.Fault == moderngovtest.TooMany {
			asked = r.At
		} else if r.URI == uriItem20005 && !asked.IsZero() {
			if gap := r.At.Sub(asked); gap < 900*time.Millisecond {
				t.Errorf("retried %s after %s, before Retry-After", uriItem20005, gap)
			}
			break
		}
	}
	if got := export(t, st, srv); got != want {
		t.Errorf("archive after faults differs from a fault-free crawl: %s", firstDiff(got, want))
	}
}

// A realistic limit, measured at the server: no one-second window holds
// more requests than the limit allows.
func TestRateLimitMeasured(t *testing.T) {
	requirePDFToText(t)
	const perSecond = 20
	srv := moderngovtest.New(t)
	st := openStore(t)
	fc := fastClient(perSecond)
	opts := crawlOpts(srv)
	if _, err := crawl(t, context.Background(), st, fc, opts); err != nil {
		t.Fatal(err)
	}
	opts.Revisit = 100 * 365 * 24 * time.Hour // revisit everything: more requests to measure
	if _, err := crawl(t, context.Background(), st, fc, opts); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) <= perSecond {
		t.Fatalf("only %d requests: too few to measure a rate of %d/s", len(reqs), perSecond)
	}
	// Between any two requests i < j, the j-i requests after i took at
	// least (j-i)/perSecond: no stretch of the crawl went faster than the
	// limit. Arrival times at the server jitter with scheduling; jitter
	// allows for that much.
	const jitter = 100 * time.Millisecond
	for i := range reqs {
		for j := i + 1; j < len(reqs); j++ {
			span := reqs[j].At.Sub(reqs[i].At) + jitter
			if float64(j-i) > perSecond*span.Seconds() {
				t.Fatalf("requests %d to %d (%d) came within %s: faster than %d/s", i, j, j-i, span-jitter, perSecond)
			}
		}
	}
	span := reqs[len(reqs)-1].At.Sub(reqs[0].At).Seconds()
	if rate := float64(len(reqs)-1) / span; rate > perSecond*1.05 {
		t.Errorf("average rate %.1f/s over %d requests exceeds %d/s", rate, len(reqs), perSecond)
	}
	t.Logf("%d requests in %.2fs", len(reqs), span)
}

func TestRobotsForbiddenPathNeverFetched(t *testing.T) {
	requirePDFToText(t)
	srv := moderngovtest.New(t)
	srv.SetRobots("User-agent: *\nDisallow: /mgAi.aspx?ID=20007\nDisallow: /mgIssueHistoryHome.aspx\n")
	st := openStore(t)
	stats, err := crawl(t, context.Background(), st, fastClient(1000), crawlOpts(srv))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests() {
		if r.URI == uriItem20007 || strings.HasPrefix(r.URI, "/mgIssueHistoryHome.aspx") {
			t.Errorf("fetched %s, which robots.txt forbids", r.URI)
		}
	}
	if stats.MeetingsDone != 2 {
		t.Errorf("stats %s: the meeting should still be done", stats)
	}
	out := export(t, st, srv)
	if strings.Count(out, `"truncated":true`) != 1 {
		t.Error("want exactly the forbidden item left cut short")
	}
}

// A crawl stopped after n requests, then run again, ends with the same
// archive, and fetches no finished meeting's documents twice.
func TestCancelledCrawlResumes(t *testing.T) {
	requirePDFToText(t)
	want := reference(t)
	for _, stopAt := range []int{3, 6, 8, 10, 12} {
		t.Run(fmt.Sprintf("stop-at-%d", stopAt), func(t *testing.T) {
			srv := moderngovtest.New(t)
			st := openStore(t)
			ctx, cancel := context.WithCancel(context.Background())
			srv.OnRequest(func(n int) {
				if n == stopAt {
					cancel()
				}
			})
			_, err := crawl(t, ctx, st, fastClient(1000), crawlOpts(srv))
			if err == nil {
				for _, r := range srv.Requests() {
					t.Log(r.URI, r.Status)
				}
				t.Fatalf("stop at request %d: the crawl was not interrupted", stopAt)
			}
			first := len(srv.Requests())
			inFlight := srv.Requests()[stopAt-1].URI // abandoned mid-answer: may be fetched again
			srv.OnRequest(nil)
			done := map[string]bool{}
			for _, id := range []string{"1001", "1002"} {
				if cm, ok, _ := st.GetCrawlMeeting(context.Background(), "fixture", id); ok && cm.State == store.CrawlDone {
					done[id] = true
				}
			}
			if _, err := crawl(t, context.Background(), st, fastClient(1000), crawlOpts(srv)); err != nil {
				t.Fatal(err)
			}
			if got := export(t, st, srv); got != want {
				t.Errorf("stop at request %d: archive differs from an uninterrupted crawl: %s", stopAt, firstDiff(got, want))
			}
			resumed := srv.Requests()[first:]
			for _, r := range resumed {
				if done["1001"] && (r.URI == uriPage1001 || r.URI == uriItem20005 || r.URI == uriItem20007) ||
					done["1002"] && (r.URI == uriPage1002 || r.URI == uriPDF1002) {
					t.Errorf("stop at request %d: resumed crawl fetched %s of a finished meeting", stopAt, r.URI)
				}
			}
			// Nothing received whole was downloaded twice: kept copies are
			// asked for conditionally.
			for _, uri := range []string{uriPage1001, uriItem20005, uriItem20007, uriPDF1002} {
				if n := srv.Fetched(uri); n != 1 && !(n == 2 && uri == inFlight) {
					t.Errorf("stop at request %d: %s downloaded %d times", stopAt, uri, n)
				}
			}
		})
	}
}

// A second crawl of an unchanged site asks only conditionally, gets 304s
// and changes nothing.
func TestUnchangedSiteRecrawl(t *testing.T) {
	requirePDFToText(t)
	srv := moderngovtest.New(t)
	st := openStore(t)
	opts := crawlOpts(srv)
	if _, err := crawl(t, context.Background(), st, fastClient(1000), opts); err != nil {
		t.Fatal(err)
	}
	before := export(t, st, srv)
	seq, _ := st.LastSeq(context.Background())
	srv.Reset()

	opts.Revisit = 100 * 365 * 24 * time.Hour // look at every meeting again
	stats, err := crawl(t, context.Background(), st, fastClient(1000), opts)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) < 10 {
		t.Fatalf("only %d requests on the second crawl", len(reqs))
	}
	for _, r := range reqs {
		if r.URI == "/robots.txt" || r.Status == http.StatusForbidden {
			continue // robots.txt is read afresh by a new client; a 403 has no validators
		}
		if !r.Conditional || r.Status != http.StatusNotModified {
			t.Errorf("%s: conditional %v, status %d; want a conditional request answered 304", r.URI, r.Conditional, r.Status)
		}
	}
	if stats.Fetched != 0 {
		t.Errorf("%d documents downloaded again", stats.Fetched)
	}
	if after, _ := st.LastSeq(context.Background()); after != seq {
		t.Errorf("change sequence moved from %d to %d", seq, after)
	}
	if after := export(t, st, srv); after != before {
		t.Error("the archive changed")
	}
}

// Minutes published after the first crawl are picked up by a revisit.
func TestRevisitFindsNewMinutes(t *testing.T) {
	srv := moderngovtest.New(t)
	st := openStore(t)
	opts := crawlOpts(srv)
	opts.Committee = 101
	opts.Revisit = 60 * 24 * time.Hour
	opts.Now = func() time.Time { return time.Date(2022, 5, 1, 0, 0, 0, 0, time.UTC) }
	stats, err := crawl(t, context.Background(), st, fastClient(1000), opts)
	if err != nil {
		t.Fatal(err)
	}
	if stats.MeetingsPending != 1 {
		t.Fatalf("stats %s: want meeting 1003 pending", stats)
	}
	// The minutes of 1003 appear: its page now holds them.
	page := strings.Replace(pageOf(t, "ieListDocuments-1001.html"), "MId=1001", "MId=1003", -1)
	page = strings.ReplaceAll(page, "21st March, 2022", "26th April, 2022")
	srv.Modify("ieListDocuments-1003.html", []byte(page))
	srv.Reset()
	stats, err = crawl(t, context.Background(), st, fastClient(1000), opts)
	if err != nil {
		t.Fatal(err)
	}
	if stats.MeetingsPending != 0 || stats.MeetingsDone != 2 {
		t.Fatalf("stats %s: want 1003 done", stats)
	}
	if srv.Fetched(uriPage1003) != 1 {
		t.Error("the changed page was not downloaded")
	}
	if strings.Count(export(t, st, srv), "\n") != 2 {
		t.Error("want two meetings of committee 101")
	}
}

// Reparse reads every kept document again without a request; with the
// parser unchanged the archive stays exactly as it was.
func TestReparseKeptDocuments(t *testing.T) {
	requirePDFToText(t)
	ctx := context.Background()
	srv := moderngovtest.New(t)
	st := openStore(t)
	if _, err := crawl(t, ctx, st, fastClient(1000), crawlOpts(srv)); err != nil {
		t.Fatal(err)
	}
	before := export(t, st, srv)
	seq, _ := st.LastSeq(ctx)
	srv.Reset()
	stats, err := moderngov.Reparse(ctx, st, nil, nil)
	if err != nil || len(stats.Failures) > 0 {
		t.Fatalf("reparse: %v %v", err, stats.Failures)
	}
	if stats.Documents != 5 { // two meeting pages (one agenda only), two item pages, one PDF
		t.Errorf("reparsed %d documents, want 5", stats.Documents)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("reparse made %d requests", n)
	}
	if after := export(t, st, srv); after != before {
		t.Errorf("reparse changed the archive: %s", firstDiff(after, before))
	}
	if after, _ := st.LastSeq(ctx); after != seq {
		t.Errorf("change sequence moved from %d to %d", seq, after)
	}
}

// An item page refused for good leaves its item cut short but finishes the
// meeting; a meeting without minutes is not looked at again once out of
// the revisit window.
func TestRefusedItemPageAndNoMinutes(t *testing.T) {
	requirePDFToText(t)
	srv := moderngovtest.New(t)
	srv.Inject(uriItem20005, moderngovtest.Forbidden)
	st := openStore(t)
	stats, err := crawl(t, context.Background(), st, fastClient(1000), crawlOpts(srv))
	if err != nil {
		t.Fatal(err)
	}
	if stats.MeetingsDone != 2 || len(stats.Failures) != 0 {
		t.Fatalf("stats %s %v", stats, stats.Failures)
	}
	if n := strings.Count(export(t, st, srv), `"truncated":true`); n != 1 {
		t.Errorf("%d items cut short, want the refused one", n)
	}
	srv.Reset()
	stats, err = crawl(t, context.Background(), st, fastClient(1000), crawlOpts(srv))
	if err != nil {
		t.Fatal(err)
	}
	if stats.MeetingsSkipped != 3 {
		t.Errorf("second crawl: %s; want all three meetings skipped", stats)
	}
	for _, r := range srv.Requests() {
		if !strings.HasPrefix(r.URI, "/mgWebService.asmx/GetMeetings") && r.URI != uriCommittees && r.URI != "/robots.txt" {
			t.Errorf("second crawl fetched %s", r.URI)
		}
	}
}

// A meeting page robots.txt forbids is read from the printed minutes the
// service links, like a refused one.
func TestRobotsForbiddenMeetingPage(t *testing.T) {
	requirePDFToText(t)
	srv := moderngovtest.New(t)
	srv.SetRobots("User-agent: *\nDisallow: /ieListDocuments.aspx\n")
	st := openStore(t)
	stats, err := crawl(t, context.Background(), st, fastClient(1000), crawlOpts(srv))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.URI, "/ieListDocuments.aspx") {
			t.Errorf("fetched %s, which robots.txt forbids", r.URI)
		}
	}
	// 1002 from its printed minutes; 1001 and 1003 link none.
	if stats.MeetingsDone != 1 || stats.MeetingsPending != 2 || len(stats.Failures) != 0 {
		t.Errorf("stats %s %v", stats, stats.Failures)
	}
}
