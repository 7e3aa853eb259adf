// Package server is Minutebook's HTTP front end: a chi router, middleware,
// one handler per page or feed, and an error adapter that turns errors
// into status pages without leaking internals. It reads the archive and
// the search index through small interfaces and renders templ views.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/klauspost/compress/gzip"
	"github.com/microcosm-cc/bluemonday"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/metrics"
	"github.com/minutebook/minutebook/internal/query"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/internal/store"
	"github.com/minutebook/minutebook/internal/topic"
	"github.com/minutebook/minutebook/static"
	"github.com/minutebook/minutebook/web"
)

// Archive is what the server reads from the archive (*store.Store).
type Archive interface {
	Stats(ctx context.Context) (store.Stats, error)
	Councils(ctx context.Context) ([]store.CouncilSummary, error)
	Council(ctx context.Context, slug string) (store.CouncilSummary, error)
	Committees(ctx context.Context, councilSlug string) ([]store.CommitteeSummary, error)
	Committee(ctx context.Context, councilSlug, committeeSlug string) (store.CommitteeSummary, error)
	Meetings(ctx context.Context, councilSlug, committeeSlug string) ([]store.MeetingSummary, error)
	LatestMeetings(ctx context.Context, limit int) ([]store.MeetingSummary, error)
	Meeting(ctx context.Context, key string) (store.MeetingView, error)
	MeetingByPath(ctx context.Context, path string) (store.MeetingView, error)
	Item(ctx context.Context, key string) (store.ItemView, error)
	ItemByPath(ctx context.Context, path string) (store.ItemView, error)
	ResolveAlias(ctx context.Context, keyOrPath string) (string, error)
	LastSeq(ctx context.Context) (int64, error)
	Ping(ctx context.Context) error
}

// Searcher is what the server needs from the index (*search.Index).
type Searcher interface {
	Search(ctx context.Context, req search.Request) (*search.Result, error)
	Related(ctx context.Context, key string, n int) ([]search.Hit, error)
	AppliedSeq() int64
	DocCount() (uint64, error)
}

// Options configure a server.
type Options struct {
	BaseURL       string        // public URL, e.g. https://minutebook.org (no trailing slash)
	SearchTimeout time.Duration // deadline of one search
	Logger        *slog.Logger
	Topics        *topic.Tagger
	// Metrics, when set, times requests and searches and serves /metrics.
	Metrics *metrics.Metrics
	// RateLimit is how many /search and /api/ requests one client may make
	// per minute (0: no limit).
	RateLimit int
	// TrustedProxies are the address prefixes (CIDR) of reverse proxies
	// whose X-Forwarded-For names the client; empty: the TCP peer is the
	// client.
	TrustedProxies []string
	// MaxSearches caps searching requests running at once (default 2 per
	// CPU); SearchQueue is how long one waits for a slot before it is
	// answered 503 (default 3s).
	MaxSearches int
	SearchQueue time.Duration
}

// Server serves the web archive.
type Server struct {
	archive     Archive
	index       Searcher
	base        string
	timeout     time.Duration
	log         *slog.Logger
	topics      *topic.Tagger
	sanitise    *bluemonday.Policy
	opts        Options
	cache       *pageCache
	pages       *pageCache // council, committee, meeting and item pages
	councilMemo councilList
}

// New returns a server over an archive and its index.
func New(a Archive, ix Searcher, opts Options) *Server {
	s := &Server{archive: a, index: ix, base: strings.TrimRight(opts.BaseURL, "/"), timeout: opts.SearchTimeout,
		log: opts.Logger, topics: opts.Topics, opts: opts}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.topics == nil {
		s.topics = topic.Default()
	}
	if s.timeout <= 0 {
		s.timeout = 5 * time.Second
	}
	s.sanitise = snippetPolicy()
	if opts.MaxSearches <= 0 {
		opts.MaxSearches = 2 * runtime.GOMAXPROCS(0)
	}
	if opts.SearchQueue <= 0 {
		opts.SearchQueue = 3 * time.Second
	}
	s.cache = newPageCache(ix.AppliedSeq)
	s.pages = newArchivePageCache(ix.AppliedSeq)
	s.index = &limitedSearcher{Searcher: ix, slots: make(chan struct{}, opts.MaxSearches), queue: opts.SearchQueue, metrics: opts.Metrics}
	if opts.Metrics != nil {
		opts.Metrics.WatchIndexLag(func() (int64, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			seq, err := a.LastSeq(ctx)
			return max(seq-ix.AppliedSeq(), 0), err
		})
	}
	return s
}

// Handler is the server's routes with their middleware.
func (s *Server) Handler() http.Handler { return s.handler(nil) }

// handler builds the router; extra adds routes (tests only).
func (s *Server) handler(extra func(chi.Router)) http.Handler {
	r := chi.NewRouter()
	r.Use(cleanRequestID)
	r.Use(middleware.RequestID)
	r.Use(requestIDHeader)
	r.Use(clientIP(s.opts.TrustedProxies))
	if s.opts.Metrics != nil {
		r.Use(s.opts.Metrics.Middleware)
	}
	// Logged outside the recoverer, so a panic is logged as the 500 it became.
	r.Use(s.logRequests)
	r.Use(s.recoverer)
	r.Use(securityHeaders)
	r.Use(compressor().Handler)
	r.Use(middleware.CleanPath)

	r.Handle("/static/*", static.Handler())
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	if s.opts.Metrics != nil {
		r.Handle("/metrics", s.opts.Metrics.Handler())
	}
	r.Get("/robots.txt", s.robots)
	r.Get("/sitemap.xml", s.wrap(s.sitemap))

	// Pages that aggregate many searches and are the same for everyone
	// are kept until the index changes.
	r.With(s.cache.middleware).Get("/", s.wrap(s.home))
	r.Group(func(r chi.Router) {
		// Searching and the API cost the most: limited per client.
		r.Use(s.rateLimit(s.opts.RateLimit))
		r.With(s.searchSlot).Get("/search", s.wrap(s.searchPage))
		r.With(s.searchSlot).Get("/search.atom", s.wrap(s.searchFeed))
		r.With(s.searchSlot).Get("/api/search", s.wrap(s.apiSearch))
		r.Get("/api/items/{key}", s.wrap(s.apiItem))
		r.Get("/api/stats", s.wrap(s.apiStats))
	})
	r.Get("/councils", s.wrap(s.councilsPage))
	r.With(s.cache.middleware).Get("/topics", s.wrap(s.topicsPage))
	// Topic pages and feeds are searches too (a score of them for the chart).
	r.With(s.cache.middleware, s.searchSlot).Get("/topics/{slug}", s.wrap(s.topicPage))
	r.With(s.cache.middleware, s.searchSlot).Get("/topics/{slug}.atom", s.wrap(s.topicFeed))
	r.Get("/feeds/{council}.atom", s.wrap(s.councilFeed))
	r.Get("/feeds/{council}/{committee}.atom", s.wrap(s.committeeFeed))
	r.Get("/i/{key}", s.wrap(s.shortLink))
	if extra != nil {
		extra(r)
	}

	r.With(s.pages.middleware).Get("/{council}", s.wrap(s.councilPage))
	r.With(s.pages.middleware).Get("/{council}/{committee}", s.wrap(s.committeePage))
	r.With(s.pages.middleware).Get("/{council}/{committee}/{meeting}", s.wrap(s.meetingPage))
	r.With(s.pages.middleware).Get("/{council}/{committee}/{meeting}/{item}", s.wrap(s.itemPage))
	r.NotFound(s.wrap(s.notFound))
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method not allowed: this archive is read-only over HTTP.", http.StatusMethodNotAllowed)
	})
	return r
}

// handlerFunc is a handler that returns its error to the adapter.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap maps errors to status pages: not found → 404 (after checking
// whether the path is an old permalink), anything else → 500, logged with
// the request ID and never shown.
func (s *Server) wrap(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		if errors.Is(err, archive.ErrNotFound) {
			if to, aerr := s.archive.ResolveAlias(r.Context(), r.URL.Path); aerr == nil {
				http.Redirect(w, r, to, http.StatusMovedPermanently)
				return
			}
			s.renderError(w, r, http.StatusNotFound)
			return
		}
		if errors.Is(err, context.Canceled) {
			return // the client went away
		}
		var se *query.SyntaxError
		if errors.As(err, &se) {
			// A search parameter the user can fix (topic pages, feeds).
			s.badRequest(w, r, se.Msg)
			return
		}
		if errors.Is(err, errBusy) || errors.Is(err, context.DeadlineExceeded) {
			// Overload, not a fault: say so and when to come back.
			s.log.Warn("search refused: busy or too slow", "path", r.URL.Path, "request_id", middleware.GetReqID(r.Context()), "err", err)
			s.refuse(w, r, http.StatusServiceUnavailable, retryAfterSeconds(busyRetryAfter))
			return
		}
		s.log.Error("request failed", "path", r.URL.Path, "request_id", middleware.GetReqID(r.Context()), "err", err)
		s.renderError(w, r, http.StatusInternalServerError)
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	return fmt.Errorf("no route for %s: %w", r.URL.Path, archive.ErrNotFound)
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int) {
	v := web.ErrorPage{Page: web.Page{Title: http.StatusText(status), NoIndex: true}, Status: status}
	switch status {
	case http.StatusNotFound:
		v.Heading = "We could not find that page"
		v.Message = "The address may be mistyped, or the page may have moved. Permalinks to agenda items never break: if you followed one, please tell us."
	case http.StatusTooManyRequests:
		v.Heading = "Too many requests"
		v.Message = "You have searched a lot in the last minute. Please wait a moment and try again; browsing the archive is not limited."
	case http.StatusServiceUnavailable:
		v.Heading = "The archive is busy"
		v.Message = "Many people are searching right now, or this search takes too long. Please try again in a few seconds, or narrow the search with filters."
	default:
		v.Heading = "Something went wrong"
		v.Message = "The archive could not answer this request. It has been logged; please try again shortly."
	}
	s.render(w, r, status, web.ErrorView(v))
}

// compressor gzips text responses at the fastest level, with
// klauspost/compress: a 36 KB search page takes about 0.07 ms to
// compress against the standard library's 0.13 ms, and comes out the
// same size (8.5 KB). CPU is what a busy server runs short of: the
// standard library's gzip was a sixth of serving search pages.
func compressor() *middleware.Compressor {
	c := middleware.NewCompressor(gzip.BestSpeed, "text/html", "text/css", "application/javascript", "application/json", "application/atom+xml", "application/xml", "image/svg+xml", "text/plain")
	c.SetEncoder("gzip", func(w io.Writer, level int) io.Writer {
		gz, err := gzip.NewWriterLevel(w, level)
		if err != nil {
			// Only for a bad level; SetEncoder calls this at once, so it
			// would fail at startup, never on a request.
			panic(err)
		}
		return gz
	})
	return c
}

// snippetPolicy sanitises snippets, which are escaped text with <mark>:
// nothing else may pass.
func snippetPolicy() *bluemonday.Policy { return bluemonday.NewPolicy().AllowElements("mark") }

// snippetHTML is a search snippet safe to show. The index escapes the
// text and adds only <mark> tags; a snippet that holds nothing else is
// shown as it is, and any other goes through the sanitiser, which parses
// it as HTML: doing that to every snippet was a twentieth of a search
// page.
func (s *Server) snippetHTML(h string) string {
	if onlyMarks(h) {
		return h
	}
	return s.sanitise.Sanitize(h)
}

// onlyMarks reports whether h's only markup is <mark> and </mark>: every
// '<' opens one of them and every '>' closes one.
func onlyMarks(h string) bool {
	for i := 0; i < len(h); i++ {
		switch h[i] {
		case '<':
			switch rest := h[i:]; {
			case strings.HasPrefix(rest, "<mark>"):
				i += len("<mark>") - 1
			case strings.HasPrefix(rest, "</mark>"):
				i += len("</mark>") - 1
			default:
				return false
			}
		case '>':
			return false
		}
	}
	return true
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return nil
	}
	return c.Render(r.Context(), w)
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "path", r.URL.Path, "request_id", middleware.GetReqID(r.Context()), "panic", v, "stack", string(debug.Stack()))
				s.renderError(w, r, http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww, ok := w.(middleware.WrapResponseWriter)
		if !ok {
			ww = middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		}
		next.ServeHTTP(ww, r)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		level := slog.LevelInfo
		switch {
		case status == http.StatusServiceUnavailable:
			level = slog.LevelWarn // overload, already explained in its own line
		case status >= 500:
			level = slog.LevelError
		}
		s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "status", status, "bytes", ww.BytesWritten(),
			"took", time.Since(start), "client", middleware.GetClientIP(r.Context()), "request_id", middleware.GetReqID(r.Context()))
	})
}

// securityHeaders: no inline script, no framing, no sniffing, no referrer
// leaks to other sites.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// readyz: the database answers and the index holds every change.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.archive.Ping(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "database unreachable")
		return
	}
	seq, err := s.archive.LastSeq(r.Context())
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "database unreachable")
		return
	}
	if applied := s.index.AppliedSeq(); applied < seq {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "index catching up: %d of %d changes\n", applied, seq)
		return
	}
	fmt.Fprintln(w, "ready")
}

func (s *Server) robots(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "User-agent: *\nDisallow: /api/\nDisallow: /search\nAllow: /\n\nSitemap: %s/sitemap.xml\n", s.baseURL(r))
}

// baseURL is the configured public URL, else the request's own host.
func (s *Server) baseURL(r *http.Request) string {
	if s.base != "" {
		return s.base
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) abs(r *http.Request, path string) string { return s.baseURL(r) + path }

// searchCtx bounds one search.
func (s *Server) searchCtx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.timeout)
}

// apiStats: the archive's and the index's totals, for monitoring and for
// checking the index holds exactly the database's items.
func (s *Server) apiStats(w http.ResponseWriter, r *http.Request) error {
	st, err := s.archive.Stats(r.Context())
	if err != nil {
		return err
	}
	seq, err := s.archive.LastSeq(r.Context())
	if err != nil {
		return err
	}
	docs, err := s.index.DocCount()
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"councils": st.Councils, "committees": st.Committees, "meetings": st.Meetings, "items": st.Items,
		"indexed_items": docs, "last_seq": seq, "applied_seq": s.index.AppliedSeq(),
	})
}
