package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minutebook/minutebook/internal/moderngov/moderngovtest"
	"github.com/minutebook/minutebook/internal/store"
)

// The crawling commands end to end against the fake ModernGov site.
func TestCrawlCommands(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed: the fixture site has a PDF")
	}
	srv := moderngovtest.New(t)
	data := t.TempDir()
	mb := func(wantCode int, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args = append([]string{args[0], "--data", data}, args[1:]...)
		if code := run(context.Background(), args, &stdout, &stderr); code != wantCode {
			t.Fatalf("minutebook %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, wantCode, stdout.String(), stderr.String())
		}
		return stdout.String()
	}
	out := mb(0, "crawl", "--rate", "1000", "--from", "2018-01-01", "--to", "2022-12-31", srv.URL)
	if !strings.Contains(out, "3 meetings in range: 2 done, 1 pending") {
		t.Errorf("crawl said %q", out)
	}
	// Again: the finished meetings are not fetched.
	srv.Reset()
	out = mb(0, "crawl", "--rate", "1000", "--from", "2018-01-01", "--to", "2022-12-31", "--revisit", "0d", srv.URL)
	if !strings.Contains(out, "3 skipped") || srv.Fetched("/ieListDocuments.aspx?CId=101&MId=1001") != 0 {
		t.Errorf("second crawl said %q", out)
	}
	mb(2, "crawl", "--from", "yesterday", srv.URL)
	mb(2, "crawl", "file:///etc/passwd")

	mb(0, "sources", "add", srv.URL, "--every", "7d")
	mb(1, "sources", "add", srv.URL)
	mb(2, "sources", "add", "no-such-council")
	// A worker holds the site: a crawl by hand must not run alongside.
	key := strings.TrimPrefix(srv.URL, "http://")
	st, err := store.Open(context.Background(), filepath.Join(data, "minutebook.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if ok, _ := st.ClaimSite(context.Background(), key, "another-worker", now, now.Add(time.Hour)); !ok {
		t.Fatal("could not claim the site")
	}
	mb(1, "crawl", "--rate", "1000", srv.URL)
	st.ReleaseSite(context.Background(), key, "another-worker")
	st.Close()

	mb(0, "worker", "--once", "--rate", "1000", "--history", "3650d")
	list := mb(0, "sources", "list")
	if !strings.Contains(list, "127.0.0.1") || !strings.Contains(list, "7d") || !strings.Contains(list, "idle") {
		t.Errorf("sources list:\n%s", list)
	}
	if out := mb(0, "reparse"); !strings.HasPrefix(out, "5 documents reparsed") {
		t.Errorf("reparse said %q", out)
	}
	mb(0, "sources", "remove", key)
	if list := mb(0, "sources", "list"); !strings.Contains(list, "no sites followed") {
		t.Errorf("after remove:\n%s", list)
	}
}

// SIGTERM (here: the context main cancels on it) stops the worker
// cleanly: exit 0, the site's lease given back for the next worker.
func TestWorkerStopsOnSignal(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed: the fixture site has a PDF")
	}
	srv := moderngovtest.New(t)
	data := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"sources", "--data", data, "add", srv.URL}, &stdout, &stderr); code != 0 {
		t.Fatal(stderr.String())
	}
	ctx, stop := context.WithCancel(context.Background())
	srv.OnRequest(func(n int) {
		if n == 6 {
			stop()
		}
	})
	code := run(ctx, []string{"worker", "--data", data, "--rate", "1000", "--history", "3650d"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("worker exit %d:\n%s", code, stderr.String())
	}
	for _, want := range []string{"worker started", "crawl started", "crawl abandoned", "worker stopped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, stderr.String())
		}
	}
	st, err := store.Open(context.Background(), filepath.Join(data, "minutebook.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	site, err := st.GetSite(context.Background(), strings.TrimPrefix(srv.URL, "http://"))
	if err != nil || site.LeaseOwner != "" || site.Attempts != 0 {
		t.Errorf("after stop: %+v %v; want the lease released, no failure counted", site, err)
	}
}
