package crashtest

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

var (
	rounds    = flag.Int("crash.rounds", 20, "kill rounds")
	itemCount = flag.Int("crash.items", 6000, "agenda items in the generated corpus (about 10 per meeting)")
	minRun    = flag.Duration("crash.minrun", 50*time.Millisecond, "shortest a round runs before its kill")
	maxRun    = flag.Duration("crash.maxrun", 1200*time.Millisecond, "longest a round runs before its kill")
	seed      = flag.Uint64("crash.seed", 0, "random seed of the kill schedule (0: from the clock; the log says which)")
)

// TestKillDuringIngest: the import worker and the server run on one data
// folder and are killed (SIGKILL) at random points, repeatedly. After each
// kill the archive holds whole meetings only, no duplicates, and once the
// server is ready again its index holds exactly the database's items.
func TestKillDuringIngest(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL")
	}
	n := *rounds
	if testing.Short() && n > 5 {
		n = 5 // a quick look; CI runs all 20
	}
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	corpusFile := filepath.Join(dir, "corpus.jsonl")
	run(t, bin, "gen", "--items", fmt.Sprint(*itemCount), "--seed", "7", "--out", corpusFile)
	want, lines := readCorpus(t, corpusFile)
	data := filepath.Join(dir, "data")

	s := *seed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("kill schedule seed %d (rerun with -crash.seed=%d); corpus %d meetings", s, s, len(want))
	rng := rand.New(rand.NewPCG(s, 1))

	var srv *proc
	defer func() {
		if srv != nil {
			srv.kill()
		}
	}()
	kills := map[string]int{}
	for round := 1; round <= n; round++ {
		if srv == nil {
			srv = startServe(t, bin, data)
		}
		// Each round imports a longer prefix of the corpus, so every round
		// has new meetings to store (after skipping those already in).
		upTo := len(lines) * round / n
		imp := start(t, bin, "import", "--data", data, "--jsonl", "-")
		imp.cmd.Stdin = strings.NewReader(strings.Join(lines[:upTo], ""))
		imp.begin(t)
		time.Sleep(*minRun + time.Duration(rng.Int64N(int64(*maxRun-*minRun))))
		var victim string
		switch rng.IntN(3) {
		case 0: // the worker dies; the server lives on and must catch up
			victim = "import"
			imp.kill()
		case 1: // the server dies mid-indexing; the worker goes on a little
			victim = "serve"
			srv.kill()
			srv = nil
			time.Sleep(time.Duration(rng.Int64N(int64(*maxRun / 2))))
			imp.kill()
		default:
			victim = "both"
			srv.kill()
			srv = nil
			imp.kill()
		}
		kills[victim]++
		got := checkArchive(t, filepath.Join(data, "minutebook.db"), want)
		if srv == nil {
			srv = startServe(t, bin, data)
		}
		stats := waitReady(t, srv)
		if stats["indexed_items"] != int64(got) || stats["items"] != int64(got) || stats["applied_seq"] != stats["last_seq"] {
			t.Fatalf("round %d (killed %s): database %d items, server stats %v", round, victim, got, stats)
		}
		t.Logf("round %d: importing %d meetings, killed %s; %d meetings whole, %d items, index agrees", round, upTo, victim, countMeetings(t, filepath.Join(data, "minutebook.db")), got)
	}
	// Finally the import runs to the end: everything lands exactly once.
	run(t, bin, "import", "--data", data, "--jsonl", corpusFile)
	got := checkArchive(t, filepath.Join(data, "minutebook.db"), want)
	total := 0
	for _, items := range want {
		total += len(items)
	}
	if got != total {
		t.Fatalf("after a full import: %d items, corpus has %d", got, total)
	}
	if stats := waitReady(t, srv); stats["indexed_items"] != int64(total) {
		t.Fatalf("after a full import the index holds %d items, want %d", stats["indexed_items"], total)
	}
	t.Logf("kills: %v", kills)
}

// buildBinary builds cmd/minutebook into dir.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	// go test caches a passing result by the files the test itself read:
	// opening every Go source of the module makes a change to any of them
	// run the test again.
	err := filepath.WalkDir("../..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == ".cache") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".sql") || d.Name() == "go.mod" {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			f.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "minutebook")
	cmd := exec.Command(goTool(), "build", "-o", bin, "github.com/minutebook/minutebook/cmd/minutebook")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func run(t *testing.T, bin string, args ...string) {
	t.Helper()
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("minutebook %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// proc is a running minutebook command.
type proc struct {
	cmd    *exec.Cmd
	name   string
	url    string // serve: where it listens
	stderr *lockedBuffer
	done   chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start prepares a command; begin starts it.
func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), name: args[0], stderr: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Stderr = p.stderr
	return p
}

func (p *proc) begin(t *testing.T) {
	t.Helper()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
}

// kill sends SIGKILL (no chance to clean up) and waits for the process
// to be gone; a process that already finished is left as it is.
func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// startServe starts the server on a free port and reads its address from
// the line it prints once it listens.
func startServe(t *testing.T, bin, data string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, "serve", "--data", data, "--addr", "127.0.0.1:0", "--sample=false",
		"--poll", "100ms", "--log-level", "warn", "--rate-limit", "0"), name: "serve", stderr: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, u, ok := strings.Cut(sc.Text(), "open "); ok {
				urls <- u
			}
		}
		io.Copy(io.Discard, out)
	}()
	go func() { p.cmd.Wait(); close(p.done) }()
	select {
	case p.url = <-urls:
		return p
	case <-p.done:
		t.Fatalf("serve exited before listening:\n%s", p.stderr)
	case <-time.After(90 * time.Second):
		p.kill()
		t.Fatalf("serve did not listen within 90s:\n%s", p.stderr)
	}
	return nil
}

// waitReady waits for /readyz to answer 200 (the index has every change)
// and returns /api/stats.
func waitReady(t *testing.T, p *proc) map[string]int64 {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready within 90s (last error %v):\n%s", err, p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get(p.url + "/api/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats map[string]int64
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/api/stats: %d %v", resp.StatusCode, err)
	}
	return stats
}

// readCorpus maps each meeting's source to its items ("number|title", in
// order), and returns its lines.
func readCorpus(t *testing.T, path string) (map[string][]string, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var m struct {
			Source string `json:"source"`
			Items  []struct {
				Number string `json:"number"`
				Title  string `json:"title"`
			} `json:"items"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, sc.Text()+"\n")
		for _, it := range m.Items {
			out[m.Source] = append(out[m.Source], it.Number+"|"+it.Title)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out, lines
}

// checkArchive reads the database as the processes left it: every
// meeting must come from one corpus meeting and hold exactly its items,
// each once. It returns the number of items.
func checkArchive(t *testing.T, dbPath string, want map[string][]string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var orphans int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM meetings WHERE key NOT IN (SELECT meeting_key FROM sources WHERE status = 'ok')`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans > 0 {
		t.Fatalf("%d meetings have no source", orphans)
	}
	rows, err := db.QueryContext(ctx, `SELECT s.location, i.number, i.title FROM sources s
		JOIN meetings m ON m.key = s.meeting_key JOIN items i ON i.meeting_id = m.id
		WHERE s.status = 'ok' ORDER BY s.location, i.position`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string][]string{}
	n := 0
	for rows.Next() {
		var loc, number, title string
		if err := rows.Scan(&loc, &number, &title); err != nil {
			t.Fatal(err)
		}
		got[loc] = append(got[loc], number+"|"+title)
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var total int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != n {
		t.Fatalf("%d items in the database, %d reached from their meeting's source", total, n)
	}
	for loc, items := range got {
		w, ok := want[loc]
		if !ok {
			t.Fatalf("meeting from %s is not in the corpus", loc)
		}
		if !slices.Equal(items, w) {
			t.Fatalf("meeting %s is partial or duplicated: %d items stored, corpus has %d\nstored %q\ncorpus %q", loc, len(items), len(w), items, w)
		}
	}
	return n
}

func countMeetings(t *testing.T, dbPath string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM meetings`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
