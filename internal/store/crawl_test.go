package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/minutebook/minutebook/internal/store"
	"github.com/minutebook/minutebook/internal/storetest"
)

func TestSiteLease(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b)
		added, err := st.AddSite(ctx, store.Site{Slug: "leicestershire", BaseURL: "https://democracy.leics.gov.uk"})
		if err != nil || !added {
			t.Fatalf("AddSite: %v %v", added, err)
		}
		if again, _ := st.AddSite(ctx, store.Site{Slug: "leicestershire", BaseURL: "https://x"}); again {
			t.Fatal("the same slug was added twice")
		}
		now := time.Now()

		// Eight workers race for one due site: exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		winners := 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, ok, err := st.ClaimDueSite(ctx, "w"+string(rune('a'+i)), now, now.Add(time.Minute))
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					winners++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if winners != 1 {
			t.Fatalf("%d workers claimed the site, want 1", winners)
		}
		site, _ := st.GetSite(ctx, "leicestershire")
		holder := site.LeaseOwner

		// The holder is killed: after its lease runs out another takes over.
		later := now.Add(2 * time.Minute)
		if ok, _ := st.ClaimSite(ctx, "leicestershire", "rescuer", now.Add(30*time.Second), later); ok {
			t.Fatal("claimed a site under a live lease")
		}
		if ok, _ := st.ClaimSite(ctx, "leicestershire", "rescuer", later, later.Add(time.Minute)); !ok {
			t.Fatal("an expired lease was not taken over")
		}
		// The old holder can no longer finish or extend.
		if ok, _ := st.ExtendLease(ctx, "leicestershire", holder, later.Add(time.Hour)); ok {
			t.Fatal("a lost lease was extended")
		}

		// A failed crawl backs off and shows its error.
		if err := st.FinishSite(ctx, "leicestershire", "rescuer", later, later.Add(time.Hour), errors.New("HTTP 503")); err != nil {
			t.Fatal(err)
		}
		site, _ = st.GetSite(ctx, "leicestershire")
		if site.Attempts != 1 || site.LastError != "HTTP 503" || site.LeaseOwner != "" || !site.LeaseUntil.IsZero() {
			t.Fatalf("after a failure: %+v", site)
		}
		if _, ok, _ := st.ClaimDueSite(ctx, "w", later, later.Add(time.Minute)); ok {
			t.Fatal("claimed a site not yet due")
		}
		if removed, _ := st.RemoveSite(ctx, "leicestershire"); !removed {
			t.Fatal("not removed")
		}
		if sites, _ := st.Sites(ctx); len(sites) != 0 {
			t.Fatalf("sites after remove: %v", sites)
		}
	})
}

func TestFetchedRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b)
		body := []byte("<html>minutes</html>")
		f := store.Fetched{URL: "https://x/ieListDocuments.aspx?CId=1&MId=2", Site: "x", Kind: "meeting", ETag: `"a"`,
			SHA256: "abc", Status: 200, ContentType: "text/html", FetchedAt: time.Now(), Body: body}
		if err := st.PutFetched(ctx, f); err != nil {
			t.Fatal(err)
		}
		got, ok, err := st.GetFetched(ctx, f.URL)
		if err != nil || !ok || string(got.Body) != string(body) || got.ETag != `"a"` || got.Kind != "meeting" {
			t.Fatalf("GetFetched = %+v %v %v", got, ok, err)
		}
		if _, ok, _ := st.GetFetched(ctx, "https://x/other"); ok {
			t.Fatal("found a document never fetched")
		}
		urls, _ := st.FetchedURLs(ctx, "meeting")
		if len(urls) != 1 {
			t.Fatalf("FetchedURLs = %v", urls)
		}
		cm := store.CrawlMeeting{Site: "x", MeetingID: "2", Date: "2022-03-21", State: store.CrawlDone, MinutesSHA256: "abc"}
		if err := st.PutCrawlMeeting(ctx, cm); err != nil {
			t.Fatal(err)
		}
		if got, ok, _ := st.GetCrawlMeeting(ctx, "x", "2"); !ok || got.State != store.CrawlDone {
			t.Fatalf("GetCrawlMeeting = %+v %v", got, ok)
		}
	})
}
