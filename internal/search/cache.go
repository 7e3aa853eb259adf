package search

import (
	"encoding/json"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// writes counts index writes. A cached result is keyed by the count at
// the time its search began, so any write makes every earlier result
// unreachable: nothing stale is ever served, and nothing has to be purged.
var writes atomic.Int64

// resultCache keeps recent results: popular searches (a topic page, a
// shared link) are answered without searching again until the index
// changes.
type resultCache struct {
	lru *lru.Cache[string, any]
}

func newResultCache(size int) *resultCache {
	if size <= 0 {
		return nil
	}
	c, err := lru.New[string, any](size)
	if err != nil {
		panic(err) // only for a non-positive size, excluded above
	}
	return &resultCache{lru: c}
}

// key identifies a request (any JSON-encodable value) at the current
// index version.
func (c *resultCache) key(kind string, req any) string {
	if c == nil {
		return "" // no cache: nothing to look up
	}
	b, _ := json.Marshal(struct {
		V int64
		K string
		R any
	}{writes.Load(), kind, req})
	return string(b)
}

// get returns a cached result for key, marked as cached and with its own
// (tiny) lookup time. Results are shared: callers must not modify them.
func (c *resultCache) get(key string, start time.Time) (*Result, bool) {
	if c == nil {
		return nil, false
	}
	v, ok := c.lru.Get(key)
	if !ok {
		return nil, false
	}
	out := *v.(*Result)
	out.Cached = true
	out.Took = time.Since(start)
	return &out, true
}

// related returns cached related hits for key.
func (c *resultCache) related(key string) ([]Hit, bool) {
	if c == nil {
		return nil, false
	}
	v, ok := c.lru.Get(key)
	if !ok {
		return nil, false
	}
	return v.([]Hit), true
}

func (c *resultCache) add(key string, r any) {
	if c != nil {
		c.lru.Add(key, r)
	}
}
