package loadtest_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/minutebook/minutebook/internal/corpus"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/loadtest"
	"github.com/minutebook/minutebook/internal/sampletest"
	"github.com/minutebook/minutebook/internal/server"
)

// TestLoadWhileIngesting runs the load test briefly against a real server
// (sample archive, real index following the database) while a generated
// corpus is imported into the same archive: no 5xx, no connection error,
// and the burst past the rate limit is answered 429.
func TestLoadWhileIngesting(t *testing.T) {
	st, ix := sampletest.Archive(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ix.Follow(ctx, st, 100*time.Millisecond)
	srv := server.New(st, ix, server.Options{Logger: sampletest.Quiet, RateLimit: 60, TrustedProxies: []string{"127.0.0.1/32", "::1/128"}})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	var jsonl bytes.Buffer
	if _, err := corpus.Generate(&jsonl, corpus.Options{Items: 1500, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	imported := make(chan error, 1)
	go func() {
		_, err := ingest.Import(ctx, st, &jsonl, "corpus.jsonl", nil)
		imported <- err
	}()

	rep, err := loadtest.Run(ctx, loadtest.Options{BaseURL: ts.URL, Clients: 8, Duration: 3 * time.Second, Spread: true, BurstCheck: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	rep.Print(&out)
	t.Log("\n" + out.String())
	if err := rep.Check(); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"search", "api", "item", "meeting", "topic"} {
		if k := rep.Kinds[kind]; k == nil || k.Requests == 0 || k.P99 == 0 {
			t.Errorf("no measured %s requests: %+v", kind, k)
		}
	}
	if rep.Limited > 0 {
		t.Errorf("spread clients were rate limited %d times", rep.Limited)
	}
	if b := rep.Burst; b.Limit != 60 || b.Limited < 20 {
		t.Errorf("burst %+v", b)
	}
	if err := <-imported; err != nil {
		t.Fatalf("import during the load: %v", err)
	}
}

// TestCheckFails: the pass mark notices 5xx, connection errors and a rate
// limit that never answers 429.
func TestCheckFails(t *testing.T) {
	for _, tc := range []struct {
		rep  loadtest.Report
		want string
	}{
		{loadtest.Report{Requests: 10, ServerErrors: 2}, "2 answers were 5xx"},
		{loadtest.Report{Requests: 10, ConnErrors: 1}, "connection errors"},
		{loadtest.Report{Requests: 10, Burst: &loadtest.BurstReport{Limit: 5, Sent: 30}}, "none answered 429"},
		{loadtest.Report{Requests: 10, Burst: &loadtest.BurstReport{Limit: 5, Sent: 30, Limited: 3, ServerErrors: 1}}, "rate limit check: 1 answers were 5xx"},
		{loadtest.Report{}, "no request"},
	} {
		if err := tc.rep.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check() = %v, want %q", err, tc.want)
		}
	}
	ok := loadtest.Report{Requests: 10, Burst: &loadtest.BurstReport{Limit: 5, Sent: 30, Limited: 20, RetryAfter: "60"}}
	if err := ok.Check(); err != nil {
		t.Errorf("Check() = %v on a good run", err)
	}
}
