package moderngov_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/minutebook/minutebook/internal/moderngov/moderngovtest"
	"github.com/minutebook/minutebook/internal/store"
	"github.com/minutebook/minutebook/internal/storetest"
)

// TestWorkerChildProcess is the worker that TestKilledWorkerJobCompletesOnce
// runs in a child process and kills; on its own it does nothing.
func TestWorkerChildProcess(t *testing.T) {
	target := os.Getenv("MINUTEBOOK_TEST_WORKER_DB")
	if target == "" {
		t.Skip("run by TestKilledWorkerJobCompletesOnce")
	}
	nanos, _ := strconv.ParseInt(os.Getenv("MINUTEBOOK_TEST_WORKER_NOW"), 10, 64)
	st, err := store.Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	w := worker(st, "worker-a", time.Unix(0, nanos))
	w.Lease = time.Minute
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Workers share crawl jobs through the archive, on SQLite and on
// PostgreSQL alike: a worker killed mid-crawl keeps its job (the site)
// leased, so no other worker runs it at the same time; when the lease runs
// out another worker takes the job over and completes it exactly once —
// the archive equals an uninterrupted crawl's and no whole document is
// fetched twice.
func TestKilledWorkerJobCompletesOnce(t *testing.T) {
	requirePDFToText(t)
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()

		// The archive an uninterrupted worker makes.
		clean := moderngovtest.New(t)
		ref := storetest.Open(t, b)
		if _, err := ref.AddSite(ctx, store.Site{Slug: "fixture", BaseURL: clean.URL}); err != nil {
			t.Fatal(err)
		}
		if worked, err := worker(ref, "worker-ref", time.Now().Add(time.Second)).RunOnce(ctx); !worked || err != nil {
			t.Fatalf("reference worker: worked %v err %v", worked, err)
		}
		want := export(t, ref, clean)

		srv := moderngovtest.New(t)
		target := storetest.Target(t, b)
		st, err := store.Open(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.AddSite(ctx, store.Site{Slug: "fixture", BaseURL: srv.URL}); err != nil {
			t.Fatal(err)
		}
		now := time.Now().Add(time.Second) // the site is due
		const killAt = 7
		child := exec.Command(os.Args[0], "-test.run=^TestWorkerChildProcess$")
		child.Env = append(os.Environ(), "MINUTEBOOK_TEST_WORKER_DB="+target,
			"MINUTEBOOK_TEST_WORKER_NOW="+strconv.FormatInt(now.UnixNano(), 10))
		killChildAt(t, srv, child, killAt)
		inFlight := srv.Requests()[killAt-1].URI

		// The dead worker's lease still holds: nobody else runs the job.
		if worked, err := worker(st, "worker-b", now).RunOnce(ctx); worked || err != nil {
			t.Fatalf("a second worker ran the leased job at once: worked %v err %v", worked, err)
		}
		if site, _ := st.GetSite(ctx, "fixture"); site.LeaseOwner != "worker-a" {
			t.Fatalf("lease held by %q, want the killed worker-a", site.LeaseOwner)
		}
		// Once the lease has run out, another worker completes the job.
		later := now.Add(2 * time.Minute)
		if worked, err := worker(st, "worker-b", later).RunOnce(ctx); !worked || err != nil {
			t.Fatalf("worker-b after the lease ran out: worked %v err %v", worked, err)
		}
		site, _ := st.GetSite(ctx, "fixture")
		if site.LastOKAt.IsZero() || site.LeaseOwner != "" || site.Attempts != 0 {
			t.Errorf("after the take-over: %+v", site)
		}
		if got := export(t, st, srv); got != want {
			t.Errorf("archive differs from an uninterrupted worker's: %s", firstDiff(got, want))
		}
		for _, uri := range []string{uriPage1001, uriItem20005, uriItem20007, uriPDF1002} {
			if n := srv.Fetched(uri); n != 1 && !(n == 2 && uri == inFlight) {
				t.Errorf("%s downloaded %d times", uri, n)
			}
		}
		// Done: not run again until it falls due.
		if worked, _ := worker(st, "worker-c", later).RunOnce(ctx); worked {
			t.Error("the finished job ran again at once")
		}
	})
}
