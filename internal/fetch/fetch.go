// Package fetch is Minutebook's polite HTTP client: it names itself,
// obeys robots.txt, keeps to a request rate per host, retries transient
// failures with exponential backoff and jitter (honouring Retry-After),
// bounds each request's time and body size, and makes conditional requests
// from the validators of the last fetch.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// UserAgent names Minutebook and where to reach its makers.
const UserAgent = "Minutebook/1.0 (+https://github.com/minutebook/minutebook)"

// robotsToken is the product token robots.txt groups are matched against.
const robotsToken = "minutebook"

// Options tune a Client. Zero values mean the defaults.
type Options struct {
	UserAgent     string
	Rate          float64       // requests per second per host (default 1)
	Timeout       time.Duration // one attempt, headers and body (default 30s)
	MaxBody       int64         // larger bodies are an error (default 32 MiB)
	Retries       int           // further attempts after the first (default 4; <0 none)
	BackoffBase   time.Duration // first retry delay before jitter (default 2s)
	BackoffMax    time.Duration // cap on one delay (default 2m)
	MaxRetryAfter time.Duration // a longer Retry-After gives up instead (default 10m)
	HTTPClient    *http.Client
	Logger        *slog.Logger
}

func (o *Options) defaults() {
	if o.UserAgent == "" {
		o.UserAgent = UserAgent
	}
	if o.Rate <= 0 {
		o.Rate = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 32 << 20
	}
	if o.Retries == 0 {
		o.Retries = 4
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 2 * time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 2 * time.Minute
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = 10 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validators are what a server gave to recognise an unchanged document.
type Validators struct {
	ETag         string
	LastModified string
}

// Response is a fetched document, or the news that it has not changed.
type Response struct {
	URL          string
	Status       int
	NotModified  bool // 304: the caller's copy is current; Body is empty
	Body         []byte
	ContentType  string
	Validators   Validators
	FetchedAt    time.Time
	Attempts     int
	RetryWaiting time.Duration
}

// Errors a caller may act on.
var (
	ErrDisallowed = errors.New("disallowed by robots.txt")
	ErrTooLarge   = errors.New("body larger than the limit")
	ErrScheme     = errors.New("only http and https URLs are fetched")
)

// StatusError is a final HTTP status other than 200 or 304.
type StatusError struct {
	URL  string
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: HTTP %d %s", e.URL, e.Code, http.StatusText(e.Code))
}

// IsStatus reports whether err is a StatusError with code.
func IsStatus(err error, code int) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Code == code
}

// Client fetches politely. It is safe for concurrent use; requests to one
// host share one rate limit.
type Client struct {
	opts Options
	hc   *http.Client

	mu      sync.Mutex
	hosts   map[string]*host
	sleepFn func(ctx context.Context, d time.Duration) error
}

type host struct {
	limiter *rate.Limiter
	once    sync.Once
	robots  *Robots
	err     error
}

// New returns a Client.
func New(opts Options) *Client {
	opts.defaults()
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	c := *hc
	c.Timeout = 0 // each attempt has its own context deadline
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to %s: %w", req.URL, ErrScheme)
		}
		return nil
	}
	return &Client{opts: opts, hc: &c, hosts: map[string]*host{}, sleepFn: sleep}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) host(u *url.URL) *host {
	key := u.Scheme + "://" + u.Host
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.hosts[key]
	if h == nil {
		h = &host{limiter: rate.NewLimiter(rate.Limit(c.opts.Rate), 1)}
		c.hosts[key] = h
	}
	return h
}

// CheckURL parses rawURL and refuses anything but absolute http(s) URLs.
func CheckURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: %w", rawURL, ErrScheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q: no host", rawURL)
	}
	return u, nil
}

// Get fetches rawURL. With validators from an earlier fetch it asks only
// for a changed document (a 304 comes back as NotModified).
func (c *Client) Get(ctx context.Context, rawURL string, prev Validators) (*Response, error) {
	u, err := CheckURL(rawURL)
	if err != nil {
		return nil, err
	}
	h := c.host(u)
	robots, err := c.robots(ctx, u, h)
	if err != nil {
		return nil, err
	}
	if !robots.Allowed(u.EscapedPath() + queryPart(u)) {
		return nil, fmt.Errorf("GET %s: %w", rawURL, ErrDisallowed)
	}
	return c.do(ctx, u, h, prev)
}

// Allowed reports whether robots.txt lets us fetch rawURL (fetching
// robots.txt first if needed).
func (c *Client) Allowed(ctx context.Context, rawURL string) (bool, error) {
	u, err := CheckURL(rawURL)
	if err != nil {
		return false, err
	}
	r, err := c.robots(ctx, u, c.host(u))
	if err != nil {
		return false, err
	}
	return r.Allowed(u.EscapedPath() + queryPart(u)), nil
}

func queryPart(u *url.URL) string {
	if u.RawQuery == "" {
		return ""
	}
	return "?" + u.RawQuery
}

// robots fetches and parses the host's robots.txt once per Client. A
// missing robots.txt (4xx) allows everything; one that cannot be read
// (5xx or network failure after retries) stops the crawl of that host, as
// RFC 9309 asks.
func (c *Client) robots(ctx context.Context, u *url.URL, h *host) (*Robots, error) {
	h.once.Do(func() {
		ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
		resp, err := c.do(ctx, ru, h, Validators{})
		switch {
		case err == nil:
			h.robots = ParseRobots(resp.Body, robotsToken)
			if d := h.robots.CrawlDelay(); d > 0 && rate.Every(d) < h.limiter.Limit() {
				h.limiter.SetLimit(rate.Every(d))
			}
		case isClientError(err):
			h.robots = AllowAll
		default:
			h.err = fmt.Errorf("robots.txt of %s: %w", u.Host, err)
		}
	})
	if h.err != nil {
		// Let a later call try again rather than poisoning the host.
		c.mu.Lock()
		delete(c.hosts, u.Scheme+"://"+u.Host)
		c.mu.Unlock()
		return nil, h.err
	}
	return h.robots, nil
}

func isClientError(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Code >= 400 && se.Code < 500
}

// do runs the attempts of one request.
func (c *Client) do(ctx context.Context, u *url.URL, h *host, prev Validators) (*Response, error) {
	var waited time.Duration
	for attempt := 0; ; attempt++ {
		if err := h.limiter.Wait(ctx); err != nil {
			return nil, err
		}
		resp, retryAfter, err := c.attempt(ctx, u, prev)
		if err == nil {
			resp.Attempts, resp.RetryWaiting = attempt+1, waited
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !retryable(err) || attempt >= c.opts.Retries {
			if attempt > 0 {
				return nil, fmt.Errorf("%w (after %d attempts)", err, attempt+1)
			}
			return nil, err
		}
		d := c.backoff(attempt)
		if retryAfter > 0 {
			if retryAfter > c.opts.MaxRetryAfter {
				return nil, fmt.Errorf("%w: server asks to wait %s", err, retryAfter)
			}
			d = max(d, retryAfter)
		}
		c.opts.Logger.Debug("fetch retry", "url", u.String(), "attempt", attempt+1, "wait", d, "err", err)
		waited += d
		if err := c.sleepFn(ctx, d); err != nil {
			return nil, err
		}
	}
}

// backoff is the delay before retry attempt+1: exponential, capped, with
// "equal jitter" (half fixed, half random) so many clients spread out.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.BackoffBase << min(attempt, 20)
	if d <= 0 || d > c.opts.BackoffMax {
		d = c.opts.BackoffMax
	}
	half := d / 2
	return half + rand.N(half+1)
}

// transientError is a failure worth trying again.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

func retryable(err error) bool {
	var te *transientError
	return errors.As(err, &te)
}

func (c *Client) attempt(ctx context.Context, u *url.URL, prev Validators) (*Response, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml,application/pdf;q=0.9,*/*;q=0.8")
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if errors.Is(err, ErrScheme) || ctx.Err() != nil {
			return nil, 0, err
		}
		return nil, 0, &transientError{fmt.Errorf("GET %s: %w", u, err)}
	}
	defer resp.Body.Close()
	out := &Response{
		URL: u.String(), Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"),
		Validators: Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")},
		FetchedAt:  time.Now().UTC(),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		if out.Validators == (Validators{}) {
			out.Validators = prev
		}
		return out, 0, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, retryAfter(resp.Header.Get("Retry-After")), &transientError{&StatusError{URL: u.String(), Code: resp.StatusCode}}
	case resp.StatusCode != http.StatusOK:
		return nil, 0, &StatusError{URL: u.String(), Code: resp.StatusCode}
	}
	if resp.ContentLength > c.opts.MaxBody {
		return nil, 0, fmt.Errorf("GET %s: %d bytes: %w of %d", u, resp.ContentLength, ErrTooLarge, c.opts.MaxBody)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		// A connection cut mid-body (a truncated response) is transient.
		return nil, 0, &transientError{fmt.Errorf("GET %s: reading body: %w", u, err)}
	}
	if int64(len(body)) > c.opts.MaxBody {
		return nil, 0, fmt.Errorf("GET %s: %w of %d bytes", u, ErrTooLarge, c.opts.MaxBody)
	}
	out.Body = body
	return out, 0, nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
