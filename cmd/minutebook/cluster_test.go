package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minutebook/minutebook/internal/moderngov/moderngovtest"
	"github.com/minutebook/minutebook/internal/sampletest"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/internal/server"
	"github.com/minutebook/minutebook/internal/storetest"
)

// TestMain lets a test start this test binary as a real `minutebook`
// process (MINUTEBOOK_TEST_RUN holds its arguments, one per line), which
// can then be killed like any node.
func TestMain(m *testing.M) {
	if args := os.Getenv("MINUTEBOOK_TEST_RUN"); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, strings.Split(args, "\n"), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// node is one `minutebook serve` run in this process, with its own data
// directory (so its own Bleve index) and its own database pool.
type node struct {
	url  string
	stop func() // cancels serve and waits for it to return
}

func serveArgs(database, dataDir string) []string {
	return []string{"serve", "--database-url", database, "--data", dataDir,
		"--addr", "127.0.0.1:0", "--sample=false", "--poll", "1m", "--log-level", "warn"}
}

// startNode runs `minutebook serve` against the shared database and
// returns once it listens. --poll is a minute, so a node that finds new
// items within seconds was woken by LISTEN/NOTIFY, not by polling.
func startNode(t *testing.T, database, dataDir string) *node {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &urlWriter{found: make(chan string, 1)}
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, serveArgs(database, dataDir), out, &stderr)
	}()
	n := &node{}
	n.stop = func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve %s exited %d: %s", dataDir, code, stderr.String())
		}
	}
	select {
	case n.url = <-out.found:
	case code := <-done:
		t.Fatalf("serve exited %d before listening: %s", code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start listening within 30 s")
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			n.stop()
		}
	})
	return n
}

// startProcessNode runs `minutebook serve` as a process of its own;
// kill ends it with SIGKILL, leaving no chance to clean up.
func startProcessNode(t *testing.T, database, dataDir string) (n *node, kill func()) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "MINUTEBOOK_TEST_RUN="+strings.Join(serveArgs(database, dataDir), "\n"))
	out := &urlWriter{found: make(chan string, 1)}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	kill = func() {
		cmd.Process.Kill()
		<-exited
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			kill()
		}
	})
	n = &node{stop: kill}
	select {
	case n.url = <-out.found:
	case err := <-exited:
		t.Fatalf("serve process exited before listening: %v: %s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve process did not start listening within 30 s")
	}
	return n, kill
}

// urlWriter picks the URL out of serve's "Minutebook is ready: open URL".
type urlWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	found chan string
	sent  bool
}

var openURL = regexp.MustCompile(`open (http://\S+)`)

func (w *urlWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if m := openURL.FindStringSubmatch(w.buf.String()); m != nil && !w.sent {
		w.sent = true
		w.found <- m[1]
	}
	return len(p), nil
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// total is how many items the node's search API finds for q.
func (n *node) total(t *testing.T, q string) int {
	t.Helper()
	code, body := get(t, n.url+"/api/search?q="+url.QueryEscape(q))
	if code != http.StatusOK {
		t.Fatalf("search %q: %d %s", q, code, body)
	}
	var res struct{ Total int }
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	return res.Total
}

// waitFor polls cond every 50 ms until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (n *node) ready(t *testing.T) bool {
	code, _ := get(t, n.url+"/readyz")
	return code == http.StatusOK
}

// TestSeveralNodesOnePostgres: two web nodes follow one PostgreSQL
// archive, one of them a process of its own. Minutes ingested by a
// separate `ingest` run are found on that node within 5 s; the node is
// killed (SIGKILL) and a fresh one with an empty index dir catches up from
// the database and becomes ready, as does the killed node restarted on
// its old index.
func TestSeveralNodesOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several serve nodes")
	}
	database := storetest.Target(t, storetest.Postgres)
	root := t.TempDir()
	a := startNode(t, database, filepath.Join(root, "a"))
	b, killB := startProcessNode(t, database, filepath.Join(root, "b"))
	waitFor(t, 30*time.Second, "both nodes ready", func() bool { return a.ready(t) && b.ready(t) })
	if n := b.total(t, "apologies"); n != 0 {
		t.Fatalf("empty archive: node b finds %d", n)
	}

	// A worker crawls a (fake) council site into the archive; the other
	// node finds the crawled minutes within 5 s.
	if _, err := exec.LookPath("pdftotext"); err == nil {
		site := moderngovtest.New(t)
		mb := func(args ...string) {
			t.Helper()
			var out, errOut bytes.Buffer
			args = append([]string{args[0], "--database-url", database, "--data", filepath.Join(root, "w")}, args[1:]...)
			if code := run(context.Background(), args, &out, &errOut); code != 0 {
				t.Fatalf("minutebook %s exited %d: %s %s", strings.Join(args, " "), code, out.String(), errOut.String())
			}
		}
		mb("sources", "add", site.URL)
		mb("worker", "--once", "--rate", "1000", "--history", "3650d")
		crawled := time.Now()
		waitFor(t, 5*time.Second, "node b finds the crawled minutes", func() bool { return b.total(t, "") > 0 })
		t.Logf("node b found the crawled items %s after the worker returned", time.Since(crawled).Round(time.Millisecond))
	} else {
		t.Log("pdftotext (poppler-utils) not installed: worker step skipped")
	}
	before := b.total(t, "")

	// Ingest through its own run (own pool), not through a node.
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"ingest", "--database-url", database, "--data", filepath.Join(root, "w"),
		"../../testdata/seeds"}, &out, &errOut); code != 0 {
		t.Fatalf("ingest exited %d: %s %s", code, out.String(), errOut.String())
	}
	ingested := time.Now()
	waitFor(t, 5*time.Second, "node b finds the ingested minutes", func() bool { return b.total(t, "") > before })
	t.Logf("node b found the new items %s after the ingest returned", time.Since(ingested).Round(time.Millisecond))
	waitFor(t, 5*time.Second, "node a finds them too", func() bool { return a.total(t, "") == b.total(t, "") })

	want := a.total(t, "")

	// Kill a web node; a fresh one (empty index dir) builds its index
	// from the database and says it is ready only then.
	killB()
	c := startNode(t, database, filepath.Join(root, "c"))
	waitFor(t, 30*time.Second, "fresh node c ready", func() bool { return c.ready(t) })
	if got := c.total(t, ""); got != want || got < 38 {
		t.Errorf("fresh node finds %d items, node a %d, want the same and at least the 38 sample items", got, want)
	}
	if ga, gc := a.total(t, "school OR children"), c.total(t, "school OR children"); ga != gc {
		t.Errorf("nodes disagree: a %d, c %d", ga, gc)
	}
	// The killed node, restarted on the index it left behind.
	b2 := startNode(t, database, filepath.Join(root, "b"))
	waitFor(t, 30*time.Second, "restarted node b ready", func() bool { return b2.ready(t) })
	if got := b2.total(t, ""); got != want {
		t.Errorf("restarted node finds %d items, want %d", got, want)
	}
}

// TestNotReadyUntilCaughtUp: a node whose index does not yet hold every
// change of the archive answers /readyz with 503, and 200 once caught up.
func TestNotReadyUntilCaughtUp(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx := context.Background()
		st, _ := sampletest.ArchiveOn(t, backend) // an archive with changes
		ix, err := search.Open(ctx, filepath.Join(t.TempDir(), "fresh"), search.Options{Logger: sampletest.Quiet})
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		h := server.New(st, ix, server.Options{Logger: sampletest.Quiet}).Handler()
		readyz := func() (int, string) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			return rec.Code, rec.Body.String()
		}
		if code, body := readyz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "catching up") {
			t.Errorf("before catch-up: %d %q, want 503 catching up", code, body)
		}
		if err := ix.CatchUp(ctx, st); err != nil {
			t.Fatal(err)
		}
		if code, body := readyz(); code != http.StatusOK {
			t.Errorf("after catch-up: %d %q", code, body)
		}
	})
}
