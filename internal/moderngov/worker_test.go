package moderngov_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/minutebook/minutebook/internal/moderngov"
	"github.com/minutebook/minutebook/internal/moderngov/moderngovtest"
	"github.com/minutebook/minutebook/internal/store"
)

func worker(st *store.Store, owner string, now time.Time) *moderngov.Worker {
	return &moderngov.Worker{Store: st, Fetch: fastClient(1000), Owner: owner, History: 10 * 365 * 24 * time.Hour,
		RetryBase: time.Minute, Now: func() time.Time { return now }}
}

func TestWorkerCrawlsDueSites(t *testing.T) {
	requirePDFToText(t)
	ctx := context.Background()
	srv := moderngovtest.New(t)
	st := openStore(t)
	if _, err := st.AddSite(ctx, store.Site{Slug: "fixture", BaseURL: srv.URL, Every: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	// A site that cannot be reached: its failure backs off and shows.
	if _, err := st.AddSite(ctx, store.Site{Slug: "down", BaseURL: "http://127.0.0.1:1/", Every: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(time.Second)
	w := worker(st, "worker-1", now)
	for range 2 {
		if worked, _ := w.RunOnce(ctx); !worked {
			t.Fatal("a due site was not crawled")
		}
	}
	if worked, err := w.RunOnce(ctx); worked || err != nil {
		t.Fatalf("RunOnce with nothing due: worked %v err %v", worked, err)
	}
	ok, _ := st.GetSite(ctx, "fixture")
	if ok.LastError != "" || ok.Attempts != 0 || ok.LastOKAt.IsZero() || ok.NextCrawlAt.Before(now.Add(23*time.Hour)) || ok.LeaseOwner != "" {
		t.Errorf("crawled site: %+v", ok)
	}
	down, _ := st.GetSite(ctx, "down")
	if down.Attempts != 1 || down.LastError == "" || down.LeaseOwner != "" {
		t.Errorf("failed site: %+v", down)
	}
	if got := down.NextCrawlAt.Sub(now); got < time.Minute-2*time.Second || got > 2*time.Minute {
		t.Errorf("failed site retried after %s, want about a minute", got)
	}
	// The second failure waits twice as long.
	later := down.NextCrawlAt.Add(time.Second)
	if worked, _ := worker(st, "worker-1", later).RunOnce(ctx); !worked {
		t.Fatal("the failed site was not retried")
	}
	down, _ = st.GetSite(ctx, "down")
	if got := down.NextCrawlAt.Sub(later); down.Attempts != 2 || got < 2*time.Minute-2*time.Second {
		t.Errorf("second failure: attempts %d, next in %s", down.Attempts, got)
	}
}

// Stopping a worker mid-crawl abandons the document in flight and frees
// the site for the next worker, which finishes the crawl.
func TestWorkerStopReleasesLease(t *testing.T) {
	requirePDFToText(t)
	ctx := context.Background()
	srv := moderngovtest.New(t)
	st := openStore(t)
	if _, err := st.AddSite(ctx, store.Site{Slug: "fixture", BaseURL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(time.Second)
	stopCtx, stop := context.WithCancel(ctx)
	srv.OnRequest(func(n int) {
		if n == 7 {
			stop() // SIGTERM
		}
	})
	worked, err := worker(st, "worker-1", now).RunOnce(stopCtx)
	if !worked || !errors.Is(err, context.Canceled) {
		t.Fatalf("worked %v err %v; want an abandoned crawl", worked, err)
	}
	site, _ := st.GetSite(ctx, "fixture")
	if site.LeaseOwner != "" || !site.LeaseUntil.IsZero() || site.Attempts != 0 {
		t.Fatalf("after stop: %+v; want the lease released and no failure counted", site)
	}
	srv.OnRequest(nil)
	if worked, err := worker(st, "worker-2", now).RunOnce(ctx); !worked || err != nil {
		t.Fatalf("the next worker: worked %v err %v", worked, err)
	}
	site, _ = st.GetSite(ctx, "fixture")
	if site.LastOKAt.IsZero() {
		t.Errorf("the next worker did not finish the crawl: %+v", site)
	}
}
