package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// server is a small site whose handler the test sets, counting requests.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
	ua   []string
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	s := &server{hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.ua = append(s.ua, r.UserAgent())
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// fastClient has a high rate and records backoff delays instead of sleeping.
func fastClient(waits *[]time.Duration) *Client {
	c := New(Options{Rate: 1000, Timeout: 2 * time.Second, BackoffBase: time.Second, Retries: 3, MaxBody: 1000})
	c.sleepFn = func(ctx context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		return ctx.Err()
	}
	return c
}

func TestRetriesAndRetryAfter(t *testing.T) {
	var n int
	var mu sync.Mutex
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		switch k {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusBadGateway)
		default:
			fmt.Fprint(w, "ok")
		}
	})
	var waits []time.Duration
	c := fastClient(&waits)
	resp, err := c.Get(context.Background(), s.URL+"/page", Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "ok" || resp.Attempts != 3 {
		t.Fatalf("body %q attempts %d, want ok after 3", resp.Body, resp.Attempts)
	}
	if len(waits) != 2 || waits[0] < 7*time.Second {
		t.Fatalf("waits %v: want 2, the first honouring Retry-After 7s", waits)
	}
	if waits[1] < time.Second || waits[1] > 2*time.Second {
		t.Errorf("second wait %s: want exponential backoff with jitter in [1s, 2s]", waits[1])
	}
	for _, ua := range s.ua {
		if ua != UserAgent {
			t.Errorf("User-Agent %q, want %q", ua, UserAgent)
		}
	}
}

func TestGivesUpAfterRetries(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	})
	var waits []time.Duration
	_, err := fastClient(&waits).Get(context.Background(), s.URL+"/x", Validators{})
	if !IsStatus(err, 500) {
		t.Fatalf("err = %v, want HTTP 500", err)
	}
	if got := s.count("/x"); got != 4 {
		t.Errorf("%d attempts, want 4 (1 + 3 retries)", got)
	}
	// Backoff grows: each base doubles.
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1]/2 {
			t.Errorf("waits %v do not grow", waits)
		}
	}
}

func TestNoRetryOn404(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	var waits []time.Duration
	_, err := fastClient(&waits).Get(context.Background(), s.URL+"/gone", Validators{})
	if !IsStatus(err, 404) || s.count("/gone") != 1 {
		t.Fatalf("err %v after %d requests; want one 404", err, s.count("/gone"))
	}
}

func TestMaxBody(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		if r.URL.Path == "/chunked" {
			w.(http.Flusher).Flush() // no Content-Length: the limit is met while reading
		}
		fmt.Fprint(w, strings.Repeat("x", 1001))
	})
	var waits []time.Duration
	c := fastClient(&waits)
	for _, p := range []string{"/big", "/chunked"} {
		_, err := c.Get(context.Background(), s.URL+p, Validators{})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err = %v, want ErrTooLarge", p, err)
		}
	}
}

func TestConditional(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, "doc")
	})
	var waits []time.Duration
	c := fastClient(&waits)
	first, err := c.Get(context.Background(), s.URL+"/doc", Validators{})
	if err != nil || first.NotModified || string(first.Body) != "doc" {
		t.Fatalf("first fetch: %+v %v", first, err)
	}
	second, err := c.Get(context.Background(), s.URL+"/doc", first.Validators)
	if err != nil || !second.NotModified || len(second.Body) != 0 {
		t.Fatalf("second fetch: %+v %v, want 304", second, err)
	}
}

func TestRobotsAndSchemes(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, "User-agent: *\nDisallow: /secret\n")
			return
		}
		fmt.Fprint(w, "ok")
	})
	var waits []time.Duration
	c := fastClient(&waits)
	if _, err := c.Get(context.Background(), s.URL+"/secret/page", Validators{}); !errors.Is(err, ErrDisallowed) {
		t.Errorf("err = %v, want ErrDisallowed", err)
	}
	if s.count("/secret/page") != 0 {
		t.Error("a disallowed path was fetched")
	}
	if _, err := c.Get(context.Background(), s.URL+"/open", Validators{}); err != nil {
		t.Error(err)
	}
	if s.count("/robots.txt") != 1 {
		t.Errorf("robots.txt fetched %d times, want once", s.count("/robots.txt"))
	}
	for _, u := range []string{"file:///etc/passwd", "ftp://example.org/x", "/relative", "javascript:alert(1)"} {
		if _, err := c.Get(context.Background(), u, Validators{}); err == nil {
			t.Errorf("%s: fetched, want refused", u)
		}
	}
}

func TestTimeoutRetried(t *testing.T) {
	var mu sync.Mutex
	slow := true
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		wasSlow := slow
		slow = false
		mu.Unlock()
		if wasSlow {
			<-r.Context().Done() // hang until the client gives up
			return
		}
		fmt.Fprint(w, "ok")
	})
	var waits []time.Duration
	c := fastClient(&waits)
	c.opts.Timeout = 100 * time.Millisecond
	resp, err := c.Get(context.Background(), s.URL+"/slow", Validators{})
	if err != nil || string(resp.Body) != "ok" || resp.Attempts != 2 {
		t.Fatalf("resp %+v err %v: want ok on the second attempt", resp, err)
	}
}

// A Crawl-delay longer than our own interval slows us to it.
func TestCrawlDelayLowersRate(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, "User-agent: *\nCrawl-delay: 4\n")
			return
		}
		fmt.Fprint(w, "ok")
	})
	var waits []time.Duration
	c := fastClient(&waits)
	if ok, err := c.Allowed(context.Background(), s.URL+"/x"); !ok || err != nil {
		t.Fatal(ok, err)
	}
	u, _ := CheckURL(s.URL)
	if got := c.host(u).limiter.Limit(); got != 0.25 {
		t.Errorf("rate %v/s, want 0.25/s from Crawl-delay: 4", got)
	}
}

func TestRedirectsAndLongRetryAfter(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/to-file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusMovedPermanently)
		case "/here":
			fmt.Fprint(w, "here")
		case "/busy":
			w.Header().Set("Retry-After", "86400")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	var waits []time.Duration
	c := fastClient(&waits)
	if _, err := c.Get(context.Background(), s.URL+"/to-file", Validators{}); !errors.Is(err, ErrScheme) {
		t.Errorf("redirect to file: err = %v, want ErrScheme", err)
	}
	if resp, err := c.Get(context.Background(), s.URL+"/moved", Validators{}); err != nil || string(resp.Body) != "here" {
		t.Errorf("redirect: %v %v", resp, err)
	}
	// A server asking for a day's pause is not waited for: the crawl
	// gives up on it and tries another time.
	if _, err := c.Get(context.Background(), s.URL+"/busy", Validators{}); !IsStatus(err, 503) || len(waits) != 0 {
		t.Errorf("Retry-After a day: err %v after waits %v; want to give up at once", err, waits)
	}
}
