// Command loadtest drives a running Minutebook server with concurrent
// clients mixing search, item, meeting and topic pages, optionally while
// an ingest runs, and reports requests/s, p50/p99 per kind, 5xx and
// connection errors, then checks the rate limit answers 429 (not 5xx).
// It exits 1 when the check fails.
//
//	go run ./cmd/loadtest --url http://127.0.0.1:8080 --clients 64 --duration 60s --spread
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/minutebook/minutebook/internal/loadtest"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "the server's base `URL`")
	clients := flag.Int("clients", 64, "concurrent `clients`")
	duration := flag.Duration("duration", 60*time.Second, "how long the mixed load runs")
	spread := flag.Bool("spread", false, "give each request its own X-Forwarded-For address (serve with --trusted-proxy 127.0.0.1/32), so the load measures serving, not the per-client limit")
	burstCheck := flag.Bool("burst", true, "after the load, exceed one client's rate limit and expect 429, not 5xx")
	ingest := flag.String("ingest", "", "`command` to run during the load, e.g. \"minutebook import --data DIR --jsonl FILE\"")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := loadtest.Run(ctx, loadtest.Options{BaseURL: *base, Clients: *clients, Duration: *duration, Spread: *spread,
		BurstCheck: *burstCheck, Ingest: strings.Fields(*ingest), Log: os.Stderr, Seed: uint64(time.Now().UnixNano())})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rep.Print(os.Stdout)
	if err := rep.Check(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest FAILED:", err)
		os.Exit(1)
	}
	fmt.Println("loadtest passed: no 5xx, no connection errors")
}
