package moderngov_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/minutebook/minutebook/internal/moderngov/moderngovtest"
	"github.com/minutebook/minutebook/internal/store"
)

// TestCrawlChildProcess is the crawl that TestKilledCrawlResumes runs in a
// child process and kills; on its own it does nothing.
func TestCrawlChildProcess(t *testing.T) {
	db, base := os.Getenv("MINUTEBOOK_TEST_CHILD_DB"), os.Getenv("MINUTEBOOK_TEST_CHILD_URL")
	if db == "" {
		t.Skip("run by TestKilledCrawlResumes")
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crawl(t, context.Background(), st, fastClient(1000), crawlOptsURL(base)); err != nil {
		t.Fatal(err)
	}
}

// A crawl killed outright (SIGKILL: no chance to clean up) and run again
// gives the same archive as one uninterrupted crawl, and downloads no
// document it had received whole.
func TestKilledCrawlResumes(t *testing.T) {
	requirePDFToText(t)
	want := reference(t)
	for _, killAt := range []int{4, 7, 9, 11} {
		t.Run(fmt.Sprintf("kill-at-%d", killAt), func(t *testing.T) {
			srv := moderngovtest.New(t)
			db := filepath.Join(t.TempDir(), "minutebook.db")
			child := exec.Command(os.Args[0], "-test.run=^TestCrawlChildProcess$")
			child.Env = append(os.Environ(), "MINUTEBOOK_TEST_CHILD_DB="+db, "MINUTEBOOK_TEST_CHILD_URL="+srv.URL)
			killChildAt(t, srv, child, killAt)
			inFlight := srv.Requests()[killAt-1].URI
			first := len(srv.Requests())

			st, err := store.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := crawl(t, context.Background(), st, fastClient(1000), crawlOpts(srv)); err != nil {
				t.Fatal(err)
			}
			if got := export(t, st, srv); got != want {
				t.Errorf("archive differs from an uninterrupted crawl: %s", firstDiff(got, want))
			}
			if first == len(srv.Requests()) {
				t.Error("the resumed crawl made no requests")
			}
			for _, uri := range []string{uriPage1001, uriItem20005, uriItem20007, uriPDF1002} {
				if n := srv.Fetched(uri); n != 1 && !(n == 2 && uri == inFlight) {
					t.Errorf("%s downloaded %d times", uri, n)
				}
			}
		})
	}
}

// killChildAt runs child (a test binary crawling srv) and SIGKILLs it
// while srv holds its killAt-th request, so the kill lands mid-crawl at a
// known point; it fails the test if the child was not killed.
func killChildAt(t *testing.T, srv *moderngovtest.Server, child *exec.Cmd, killAt int) {
	t.Helper()
	var out bytes.Buffer
	child.Stdout, child.Stderr = &out, &out
	killNow, dead := make(chan struct{}), make(chan struct{})
	var killed atomic.Bool
	srv.OnRequest(func(n int) {
		if n == killAt {
			close(killNow)
			<-dead // hold the request until the child is gone
		}
	})
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		select {
		case <-killNow:
			killed.Store(true)
			child.Process.Kill()
		case <-t.Context().Done():
		}
		close(dead)
	}()
	if err := child.Wait(); !killed.Load() || err == nil {
		t.Fatalf("the child was not killed mid-crawl (err %v):\n%s", err, out.String())
	}
	srv.OnRequest(nil)
}
