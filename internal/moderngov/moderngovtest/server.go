// Package moderngovtest is a fake ModernGov site for tests: an httptest
// server answering the fixture files in testdata/moderngov (web service
// XML, meeting and item pages, a printed-minutes PDF, robots.txt) with
// ETag and Last-Modified validators, injecting faults on request, and
// recording every request so tests can measure the rate and check what
// was fetched.
package moderngovtest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is something that goes wrong on one request.
type Fault int

// Faults the server can inject.
const (
	None      Fault = iota
	TooMany         // 429 with Retry-After: 1
	ServerErr       // 500
	Hang            // no answer until the client gives up
	Truncated       // Content-Length promises more than is sent
	Forbidden       // 403, as some councils answer scrapers of their HTML
)

func (f Fault) String() string {
	return [...]string{"none", "429", "500", "hang", "truncated", "403"}[f]
}

// Request is one request the server saw.
type Request struct {
	At          time.Time
	URI         string
	UserAgent   string
	Conditional bool // carried If-None-Match or If-Modified-Since
	Status      int
	Fault       Fault
}

type route struct {
	status      int
	contentType string
	file        string
}

// Server is the fake site.
type Server struct {
	*httptest.Server
	dir    string
	routes map[string]route

	mu       sync.Mutex
	requests []*Request
	seen     int
	faults   map[string][]Fault // by request URI: served in order, one per request
	robots   string             // replaces robots.txt when set
	lastMod  time.Time
	modified map[string][]byte // replaces a file's content

	onRequest func(n int)
}

// OnRequest sets fn (nil clears it) to be called with the count of
// requests so far before each is answered: a test may stop a crawl there.
func (s *Server) OnRequest(fn func(n int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onRequest = fn
}

// Dir is the fixture folder.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "moderngov")
}

// New starts the fake site; it stops when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{dir: Dir(), routes: map[string]route{}, faults: map[string][]Fault{}, modified: map[string][]byte{},
		lastMod: time.Date(2022, 4, 1, 9, 0, 0, 0, time.UTC)}
	if err := s.loadRoutes(); err != nil {
		t.Fatal(err)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *Server) loadRoutes() error {
	f, err := os.Open(filepath.Join(s.dir, "routes.tsv"))
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		if len(p) != 4 {
			return fmt.Errorf("routes.tsv line %d: want 4 tab-separated fields", n)
		}
		code, err := strconv.Atoi(p[1])
		if err != nil {
			return fmt.Errorf("routes.tsv line %d: status %q", n, p[1])
		}
		s.routes[p[0]] = route{status: code, contentType: p[2], file: p[3]}
	}
	return sc.Err()
}

// Inject makes the next requests of uri fail with faults, in order.
func (s *Server) Inject(uri string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[uri] = append(s.faults[uri], faults...)
}

// SetRobots replaces robots.txt.
func (s *Server) SetRobots(txt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.robots = txt
}

// Modify replaces the content of a fixture file (a page that changed).
func (s *Server) Modify(file string, content []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.modified[file] = content
	s.lastMod = s.lastMod.Add(time.Hour)
}

// Requests returns what the server has seen so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// Reset forgets the recorded requests.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Fetched reports how many requests for uri were answered with 200.
func (s *Server) Fetched(uri string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.URI == uri && r.Status == http.StatusOK {
			n++
		}
	}
	return n
}

// routeKey drops the date range of GetMeetings: the fixtures hold every
// meeting and the client filters, as it must for sites that ignore it.
func routeKey(r *http.Request) string {
	if strings.HasSuffix(r.URL.Path, "/GetMeetings") {
		return r.URL.Path + "?lCommitteeId=" + r.URL.Query().Get("lCommitteeId")
	}
	if r.URL.RawQuery == "" {
		return r.URL.Path
	}
	return r.URL.Path + "?" + r.URL.RawQuery
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	uri := r.URL.RequestURI()
	rec := &Request{At: time.Now(), URI: uri, UserAgent: r.UserAgent(),
		Conditional: r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != ""}
	s.mu.Lock()
	// Recorded on arrival, so a request whose answer was cut off counts.
	s.requests = append(s.requests, rec)
	fault := None
	if q := s.faults[uri]; len(q) > 0 {
		fault, s.faults[uri] = q[0], q[1:]
	}
	s.seen++
	n, hook := s.seen, s.onRequest
	robots := s.robots
	lastMod := s.lastMod
	rt, ok := s.routes[routeKey(r)]
	var body []byte
	if ok {
		body = s.modified[rt.file]
	}
	rec.Fault = fault
	s.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	status := s.answer(w, r, fault, rt, ok, body, robots, lastMod)
	s.mu.Lock()
	rec.Status = status
	s.mu.Unlock()
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, fault Fault, rt route, ok bool, body []byte, robots string, lastMod time.Time) int {
	switch fault {
	case TooMany:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "Too many requests", http.StatusTooManyRequests)
		return http.StatusTooManyRequests
	case ServerErr:
		http.Error(w, "Runtime Error", http.StatusInternalServerError)
		return http.StatusInternalServerError
	case Hang:
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return 0
	case Forbidden:
		http.Error(w, "403 - Forbidden: Access is denied.", http.StatusForbidden)
		return http.StatusForbidden
	}
	if r.URL.Path == "/robots.txt" && robots != "" {
		body, ok, rt = []byte(robots), true, route{status: 200, contentType: "text/plain"}
	}
	if !ok {
		http.NotFound(w, r)
		return http.StatusNotFound
	}
	if body == nil && rt.file != "" {
		b, err := os.ReadFile(filepath.Join(s.dir, rt.file))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return http.StatusInternalServerError
		}
		body = b
	}
	base := "http://" + r.Host
	body = bytes.ReplaceAll(body, []byte("{{BASE}}"), []byte(base))
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("Content-Type", rt.contentType)
	if rt.status == http.StatusOK {
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod.Format(http.TimeFormat))
		if inm := r.Header.Get("If-None-Match"); inm != "" && inm == etag {
			w.WriteHeader(http.StatusNotModified)
			return http.StatusNotModified
		}
	}
	if fault == Truncated {
		// Promise the whole body, send half, and drop the connection.
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rt.status)
		w.Write(body[:len(body)/2])
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		return rt.status
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rt.status)
	w.Write(body)
	return rt.status
}
