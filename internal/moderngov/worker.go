package moderngov

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/minutebook/minutebook/internal/councils"
	"github.com/minutebook/minutebook/internal/fetch"
	"github.com/minutebook/minutebook/internal/store"
)

// Worker crawls the followed sites as they fall due, one at a time. Any
// number of workers may share an archive: a site is crawled under a lease
// taken atomically, so two workers never crawl one site at once, and the
// lease of a killed worker runs out for another to take over.
type Worker struct {
	Store *store.Store
	Fetch *fetch.Client
	Owner string // unique per worker process, e.g. host:pid

	Lease     time.Duration // how long a claim lasts without renewal (default 10m)
	History   time.Duration // how far back a crawl looks (default 1 year)
	Revisit   time.Duration // finished meetings this recent are fetched again (default 60 days)
	RetryBase time.Duration // first delay after a failed crawl, doubling (default 15m)
	Registry  *councils.Registry
	Logger    *slog.Logger
	Now       func() time.Time
}

func (w *Worker) defaults() {
	if w.Lease <= 0 {
		w.Lease = 10 * time.Minute
	}
	if w.History <= 0 {
		w.History = 365 * 24 * time.Hour
	}
	if w.Revisit <= 0 {
		w.Revisit = 60 * 24 * time.Hour
	}
	if w.RetryBase <= 0 {
		w.RetryBase = 15 * time.Minute
	}
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
	if w.Now == nil {
		w.Now = time.Now
	}
}

// Run crawls due sites until ctx ends, looking for work every idle.
func (w *Worker) Run(ctx context.Context, idle time.Duration) error {
	w.defaults()
	w.Logger.Info("worker started", "owner", w.Owner)
	for {
		worked, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			w.Logger.Info("worker stopped", "owner", w.Owner)
			return nil
		}
		if err != nil && !worked {
			w.Logger.Error("worker", "error", err) // a crawl's own failure is logged with its site
		}
		if worked {
			continue
		}
		t := time.NewTimer(idle)
		select {
		case <-ctx.Done():
			t.Stop()
			w.Logger.Info("worker stopped", "owner", w.Owner)
			return nil
		case <-t.C:
		}
	}
}

// RunOnce claims the most overdue site, crawls it and records the outcome.
// It reports whether there was a site to crawl. If ctx ends mid-crawl the
// document in flight is abandoned (nothing of it is stored) and the lease
// is released so the next worker resumes at once.
func (w *Worker) RunOnce(ctx context.Context) (bool, error) {
	w.defaults()
	now := w.Now()
	site, ok, err := w.Store.ClaimDueSite(ctx, w.Owner, now, now.Add(w.Lease))
	if err != nil || !ok {
		return false, err
	}
	log := w.Logger.With("site", site.Slug)
	log.Info("crawl started", "base_url", site.BaseURL, "attempt", site.Attempts+1)

	crawlCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errLeaseLost := errors.New("lease lost to another worker")
	opts := Options{
		Site: site.Slug, BaseURL: site.BaseURL, From: now.Add(-w.History), To: now.AddDate(0, 0, 1),
		Revisit: w.Revisit, Registry: w.Registry, Logger: w.Logger, Now: w.Now, // the crawl adds site= itself
		Progress: func(done, total int) {
			log.Info("crawl progress", "meetings_done", done, "meetings_total", total)
			kept, err := w.Store.ExtendLease(crawlCtx, site.Slug, w.Owner, w.Now().Add(w.Lease))
			if err == nil && !kept {
				cancel(errLeaseLost)
			}
		},
	}
	c := &Crawler{Store: w.Store, Fetch: w.Fetch}
	stats, err := c.Crawl(crawlCtx, opts)

	// Record the outcome even though ctx may be over.
	bg, stop := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer stop()
	if ctx.Err() != nil || errors.Is(context.Cause(crawlCtx), errLeaseLost) {
		log.Info("crawl abandoned", "reason", context.Cause(crawlCtx), "stats", stats.String())
		if rerr := w.Store.ReleaseSite(bg, site.Slug, w.Owner); rerr != nil {
			return true, rerr
		}
		return true, context.Cause(crawlCtx)
	}
	if err == nil && len(stats.Failures) > 0 {
		err = fmt.Errorf("%d documents failed; first: %s", len(stats.Failures), stats.Failures[0])
	}
	end := w.Now()
	next := end.Add(site.Every)
	if err != nil {
		next = end.Add(min(site.Every, w.RetryBase<<min(site.Attempts, 16)))
		log.Warn("crawl failed", "error", err, "next", next, "stats", stats.String())
	} else {
		log.Info("crawl done", "next", next, "stats", stats.String())
	}
	if ferr := w.Store.FinishSite(bg, site.Slug, w.Owner, end, next, err); ferr != nil {
		return true, ferr
	}
	return true, err
}
