package server

import (
	"context"
	"errors"
	"net/http"
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
		return httprate.CanonicalizeIP(middleware.GetClientIP(r.Context())), nil
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

// limitedSearcher lets at most cap(slots) searches run at once; the rest
// wait up to queue for a slot, then get errBusy. Each search is timed.
type limitedSearcher struct {
	Searcher
	slots   chan struct{}
	queue   time.Duration
	metrics *metrics.Metrics
}

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
		return nil
	case <-t.C:
		return errBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *limitedSearcher) Search(ctx context.Context, req search.Request) (*search.Result, error) {
	if err := l.acquire(ctx); err != nil {
		l.observe(0, err)
		return nil, err
	}
	defer func() { <-l.slots }()
	start := time.Now()
	res, err := l.Searcher.Search(ctx, req)
	l.observe(time.Since(start), err)
	return res, err
}

func (l *limitedSearcher) Related(ctx context.Context, key string, n int) ([]search.Hit, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer func() { <-l.slots }()
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
	default:
		outcome = metrics.SearchError
	}
	l.metrics.ObserveSearch(d, outcome)
}

func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int(d.Round(time.Second).Seconds()))
}
