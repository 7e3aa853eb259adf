package server

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

// HandlerWith is Handler plus extra routes, for tests (a route that
// panics, say).
func (s *Server) HandlerWith(extra func(chi.Router)) http.Handler { return s.handler(extra) }

// TakeSearchSlots occupies every search slot, as a flood of slow searches
// would.
func (s *Server) TakeSearchSlots() {
	l := s.index.(*limitedSearcher)
	for i := 0; i < cap(l.slots); i++ {
		l.slots <- struct{}{}
	}
}

// RebuildCachedPagesAtOnce makes cached pages follow every index change
// at once (the server keeps them at least 30 s).
func (s *Server) RebuildCachedPagesAtOnce() { s.cache.fresh = 0 }

// HoldCouncilCount marks the kept list of councils out of date and holds
// the right to count it again, as a request counting would, until release
// is called.
func (s *Server) HoldCouncilCount() (release func()) {
	c := &s.councilMemo
	c.counting.Lock()
	c.mu.Lock()
	c.at = time.Time{}
	c.mu.Unlock()
	return c.counting.Unlock
}
