package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"

	"github.com/minutebook/minutebook/internal/metrics"
	"github.com/minutebook/minutebook/internal/query"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/web"
)

// errBusy: every search slot stayed taken for the whole queueing time.
var errBusy = errors.New("server: too many searches at once")

// busyRetryAfter is what a busy or slow answer asks clients to wait.
const busyRetryAfter = 2 * time.Second

// clientIP resolves the client address once per request: the TCP peer,
// or, when it is a trusted proxy, the address that proxy forwarded.
// X-Forwarded-For from anyone else is ignored, so it cannot dodge the
// rate limit or pin another client's bucket.
func clientIP(trusted []string) func(http.Handler) http.Handler {
	if len(trusted) == 0 {
		return middleware.ClientIPFromRemoteAddr
	}
	return middleware.ClientIPFromXFF(trusted...)
}

// rateLimit allows perMinute requests per client (a sliding window) and
// answers the rest 429 with Retry-After, as a page or as JSON under /api/.
func (s *Server) rateLimit(perMinute int) func(http.Handler) http.Handler {
	if perMinute <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	return httprate.LimitBy(perMinute, time.Minute, func(r *http.Request) (string, error) {
		ip := middleware.GetClientIP(r.Context())
		if ip == "" {
			// A trusted proxy that named no client: its own bucket.
			ip, _, _ = net.SplitHostPort(r.RemoteAddr)
		}
		return httprate.CanonicalizeIP(ip), nil
	}, httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
		// httprate has set Retry-After to the window length.
		s.refuse(w, r, http.StatusTooManyRequests, "")
	}))
}

// refuse answers a request the server will not serve now (429, 503) with
// a friendly page, or JSON under /api/. retryAfter "" keeps a header
// already set.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		msg := "Too many requests: please wait " + w.Header().Get("Retry-After") + " seconds and try again."
		if status != http.StatusTooManyRequests {
			msg = "The archive is busy: please try again in a few seconds."
		}
		_ = writeJSON(w, status, apiError{Error: msg})
		return
	}
	s.renderError(w, r, status)
}

// cleanRequestID drops a client's X-Request-Id unless it is a short token
// (letters, digits, . _ / -), so logs and the echo carry nothing odd; chi
// then makes one up.
func cleanRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get(middleware.RequestIDHeader); id != "" && !isToken(id) {
			r.Header.Del(middleware.RequestIDHeader)
		}
		next.ServeHTTP(w, r)
	})
}

func isToken(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._/-", c)
		if !ok {
			return false
		}
	}
	return true
}

// badRequest answers 400 with a message the user can act on.
func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		_ = writeJSON(w, http.StatusBadRequest, apiError{Error: msg})
		return
	}
	v := web.ErrorPage{Page: web.Page{Title: "Bad request", NoIndex: true}, Status: http.StatusBadRequest,
		Heading: "We could not read that request", Message: msg}
	s.render(w, r, http.StatusBadRequest, web.ErrorView(v))
}

// requestIDHeader echoes the request ID, so a user's report can be found
// in the logs.
func requestIDHeader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(middleware.RequestIDHeader, middleware.GetReqID(r.Context()))
		next.ServeHTTP(w, r)
	})
}

// limitedSearcher lets at most cap(slots) searching requests run at
// once; the rest wait up to queue for a slot, then get errBusy. A request
// holds one slot for all its searches (a topic page makes a score of them:
// queueing for each would let it starve), taken by the searchSlot
// middleware or, on pages that search on the side, by its first search.
// Each search is timed.
type limitedSearcher struct {
	Searcher
	slots   chan struct{}
	queue   time.Duration
	metrics *metrics.Metrics
}

// slotKey marks a request context that holds a search slot.
type slotKey struct{}

func (l *limitedSearcher) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(l.queue)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		// A finishing request handed this one its slot, and the
		// runtime runs the goroutine so woken next on its core, ahead
		// of the requests the network poller has found meanwhile: with
		// both cores busy those wait on the global run queue, unread,
		// while the woken ones keep the cores, and then join the queue
		// here in a burst. Yielding once puts this request behind
		// them, so requests are read as they come and wait here in
		// order. Under the bench's 16 clients at a million items, the
		// search page's p99 went from 125 to 77 ms at the same rate; in
		// the slowest 1% of requests, the time from request sent to
		// handler went from 96 to 12 ms on average.
		runtime.Gosched()
		return nil
	case <-t.C:
		return errBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hold takes a slot unless ctx already holds one; release gives it back.
func (l *limitedSearcher) hold(ctx context.Context) (release func(), err error) {
	if ctx.Value(slotKey{}) != nil {
		return func() {}, nil
	}
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	return func() { <-l.slots }, nil
}

// searchSlot holds one search slot for the whole request, queueing before
// the search deadline starts; a request that finds none in time is
// answered 503 with Retry-After.
func (s *Server) searchSlot(next http.Handler) http.Handler {
	l := s.index.(*limitedSearcher)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release, err := l.hold(r.Context())
		if err != nil {
			l.observe(0, err)
			if errors.Is(err, errBusy) {
				s.log.Warn("request refused: every search slot busy", "path", r.URL.Path, "request_id", middleware.GetReqID(r.Context()))
				s.refuse(w, r, http.StatusServiceUnavailable, retryAfterSeconds(busyRetryAfter))
			}
			return
		}
		defer release()
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), slotKey{}, true)))
	})
}

func (l *limitedSearcher) Search(ctx context.Context, req search.Request) (*search.Result, error) {
	release, err := l.hold(ctx)
	if err != nil {
		l.observe(0, err)
		return nil, err
	}
	defer release()
	start := time.Now()
	res, err := l.Searcher.Search(ctx, req)
	l.observe(time.Since(start), err)
	return res, err
}

// Related items are an extra on an item page: when every slot is busy the
// page is served without them rather than made to queue.
func (l *limitedSearcher) Related(ctx context.Context, key string, n int) ([]search.Hit, error) {
	if ctx.Value(slotKey{}) == nil {
		select {
		case l.slots <- struct{}{}:
			defer func() { <-l.slots }()
		default:
			return nil, errBusy
		}
	}
	return l.Searcher.Related(ctx, key, n)
}

func (l *limitedSearcher) observe(d time.Duration, err error) {
	if l.metrics == nil {
		return
	}
	var se *query.SyntaxError
	outcome := metrics.SearchOK
	switch {
	case err == nil:
	case errors.As(err, &se):
		outcome = metrics.SearchRefused
	case errors.Is(err, errBusy):
		outcome = metrics.SearchBusy
	case errors.Is(err, context.DeadlineExceeded):
		outcome = metrics.SearchTimeout
	case errors.Is(err, context.Canceled):
		outcome = metrics.SearchCanceled
	default:
		outcome = metrics.SearchError
	}
	l.metrics.ObserveSearch(d, outcome)
}

func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int(d.Round(time.Second).Seconds()))
}
