package server

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/minutebook/minutebook/internal/store"
)

// pageCache keeps the rendered bytes of pages that aggregate many
// searches (a topic page makes a score of them for its chart) and are the
// same for everyone. An entry lives until the index applies another
// change, but at least fresh (during a long ingest the index changes
// every few seconds, and rebuilding every topic page each time would take
// all the search capacity), and at most ttl. Concurrent requests for a
// page being built wait for that one build instead of starting their own.
type pageCache struct {
	seq     func() int64 // the index's applied change
	fresh   time.Duration
	ttl     time.Duration
	max     int
	mu      sync.Mutex
	entries map[string]*cachedPage
	builds  singleflight.Group
}

type cachedPage struct {
	status int
	header http.Header
	body   []byte
	seq    int64
	at     time.Time
}

func newPageCache(seq func() int64) *pageCache {
	return &pageCache{seq: seq, fresh: 30 * time.Second, ttl: 5 * time.Minute, max: 512, entries: map[string]*cachedPage{}}
}

func (c *pageCache) get(key string, seq int64) *cachedPage {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[key]
	if e == nil {
		return nil
	}
	age := time.Since(e.at)
	if age > c.ttl || e.seq != seq && age >= c.fresh {
		return nil
	}
	return e
}

func (c *pageCache) put(key string, e *cachedPage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		// Keys come from URLs anyone can make up: bound the memory by
		// starting again rather than tracking recency.
		c.entries = map[string]*cachedPage{}
	}
	c.entries[key] = e
}

// middleware serves GETs from the cache; only 200s are kept.
func (c *pageCache) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		// Pages hold absolute URLs built from the Host when no base URL
		// is set: the host is part of the key.
		key := r.Host + " " + r.URL.RequestURI()
		seq := c.seq()
		e := c.get(key, seq)
		if e == nil {
			v, _, _ := c.builds.Do(key, func() (any, error) {
				rec := &recorder{header: http.Header{}}
				next.ServeHTTP(rec, r)
				e := &cachedPage{status: rec.code(), header: rec.header, body: rec.body.Bytes(), seq: seq, at: time.Now()}
				if rec.status == 0 && rec.body.Len() == 0 {
					// Nothing written (the building request went away):
					// the waiters get a retry, and nothing is kept.
					e.status = http.StatusServiceUnavailable
					e.header = http.Header{"Retry-After": {"1"}}
				}
				if e.status == http.StatusOK && rec.header.Get(partialHeader) == "" {
					c.put(key, e)
				}
				rec.header.Del(partialHeader)
				return e, nil
			})
			e = v.(*cachedPage)
		}
		for k, vs := range e.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(e.status)
		w.Write(e.body)
	})
}

// partialHeader, set by a handler, marks a page rendered without some of
// its parts (related items skipped under load): served, never kept.
const partialHeader = "X-Minutebook-Partial"

// newArchivePageCache keeps the archive's browse pages (council,
// committee, meeting, item) until the index applies another change, with
// no grace period: a corrected item shows as soon as it is indexed. The
// most visited permalinks are then answered without the database.
func newArchivePageCache(seq func() int64) *pageCache {
	return &pageCache{seq: seq, fresh: 0, ttl: 10 * time.Minute, max: 2048, entries: map[string]*cachedPage{}}
}

// recorder captures a response to be cached.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// councilList is the councils with their coverage, counted over every
// item: worth keeping, since every search page lists them in its filter.
// Kept on the same terms as cached pages. Counting takes half a second
// at a million items, so when the list is out of date one request counts
// again while the others are given the list they had: they used to wait
// in line behind the count, every search page at once.
type councilList struct {
	mu   sync.Mutex
	list []store.CouncilSummary
	seq  int64
	at   time.Time
	// counting is held by the request counting; a request that finds it
	// held takes the list as it is, unless there is none yet and it
	// shows the list itself (councilSummaries).
	counting sync.Mutex
}

// Warm counts the councils at the start of serve, so that the search
// page's filter lists them soon and the pages that show the list do not
// wait for the count. Errors are the first page's to report.
func (s *Server) Warm(ctx context.Context) { s.councilSummaries(ctx) }

// councilSummaries is the list of councils, waiting for the first count
// if need be: for the pages that show the list itself.
func (s *Server) councilSummaries(ctx context.Context) ([]store.CouncilSummary, error) {
	return s.councils(ctx, true)
}

// councilFilter is the list of councils for the search page's filter, or
// nil while the first count since the start is under way: the page then
// offers the councils asked for alone. Waiting, the first search pages
// after a start held their search slots for the count (seconds, under
// load, at a million items), and the requests queued behind them were
// answered 503.
func (s *Server) councilFilter(ctx context.Context) ([]store.CouncilSummary, error) {
	return s.councils(ctx, false)
}

func (s *Server) councils(ctx context.Context, wait bool) ([]store.CouncilSummary, error) {
	c := &s.councilMemo
	seq := s.index.AppliedSeq()
	current := func() ([]store.CouncilSummary, bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		age := time.Since(c.at)
		return c.list, c.list != nil && age <= s.cache.ttl && (c.seq == seq || age < s.cache.fresh)
	}
	list, ok := current()
	if ok {
		return list, nil
	}
	switch {
	case list != nil || !wait:
		if !c.counting.TryLock() {
			return list, nil // another request is counting
		}
	default:
		c.counting.Lock() // none yet: wait for it
	}
	defer c.counting.Unlock()
	if list, ok := current(); ok {
		return list, nil // counted while this one waited
	}
	list, err := s.archive.Councils(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.list, c.seq, c.at = list, seq, time.Now()
	c.mu.Unlock()
	return list, nil
}
