// Package loadtest drives a running Minutebook server the way a busy
// public archive is used: many concurrent clients mixing searches, item,
// meeting and topic pages (URLs found through the server's own sitemap
// and API), optionally while an ingest runs. It reports requests per
// second, p50/p99 latency per kind of page, 5xx answers and connection
// errors, then checks that exceeding the rate limit gives 429, not 5xx.
package loadtest

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options shape a run.
type Options struct {
	BaseURL  string        // the server, e.g. http://127.0.0.1:8080
	Clients  int           // concurrent clients (default 64)
	Duration time.Duration // how long the mixed load runs (default 60s)
	// Spread gives each request a random X-Forwarded-For address, so the
	// mixed load measures serving rather than the per-client rate limit.
	// The server believes it only with --trusted-proxy set to this host.
	Spread bool
	// BurstCheck, after the mixed load, sends one client's requests past
	// the rate limit and expects 429 with Retry-After, never 5xx.
	BurstCheck bool
	// Ingest, if set, is a command run during the mixed load (e.g.
	// "minutebook import --data DIR --jsonl FILE").
	Ingest []string
	Log    io.Writer // progress lines (nil: none)
	Seed   uint64
}

// Kinds of request in the mix, with their weights.
var mix = []struct {
	kind   string
	weight int
}{{"search", 30}, {"api", 10}, {"item", 25}, {"meeting", 20}, {"topic", 15}}

// queries are typical searches: words, phrases, prefixes, acronyms,
// negation and filters.
var queries = []string{
	"school", "budget", "housing", "planning application", `"adult social care"`, "SEND", "EHE", "highways",
	"libraries", "council tax", "educat*", "transport -bus", "climate emergency", "waste collection",
	"title:budget", "children OR families", "recycling", "pothole*", `"it was resolved"`, "safeguarding",
}

// KindReport is the latency and answers of one kind of request.
type KindReport struct {
	Requests      int
	P50, P99, Max time.Duration
	Status        map[int]int
}

// Report is the outcome of a run.
type Report struct {
	Elapsed      time.Duration
	Requests     int
	PerSecond    float64
	Kinds        map[string]*KindReport
	ServerErrors int // 5xx answers
	ConnErrors   int // requests that got no answer at all
	Limited      int // 429 answers during the mixed load
	IngestResult string

	Burst *BurstReport
}

// BurstReport is the rate-limit check.
type BurstReport struct {
	Limit        int // the server's X-RateLimit-Limit (0: no limit announced)
	Sent         int
	Limited      int // 429 answers
	RetryAfter   string
	ServerErrors int
	Other        map[int]int
}

// Run discovers URLs, runs the mixed load and the burst check.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Clients <= 0 {
		opts.Clients = 64
	}
	if opts.Duration <= 0 {
		opts.Duration = 60 * time.Second
	}
	base := strings.TrimRight(opts.BaseURL, "/")
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: opts.Clients * 2, MaxIdleConnsPerHost: opts.Clients * 2, IdleConnTimeout: 90 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	targets, err := discover(ctx, client, base)
	if err != nil {
		return nil, err
	}
	logf(opts.Log, "loadtest: %d meetings, %d items, %d topics found; %d clients for %s", len(targets["meeting"]), len(targets["item"]), len(targets["topic"]), opts.Clients, opts.Duration)

	var ingest *exec.Cmd
	ingestDone := make(chan error, 1)
	if len(opts.Ingest) > 0 {
		ingest = exec.CommandContext(ctx, opts.Ingest[0], opts.Ingest[1:]...)
		var out strings.Builder
		ingest.Stdout, ingest.Stderr = &out, &out
		start := time.Now()
		if err := ingest.Start(); err != nil {
			return nil, fmt.Errorf("loadtest: starting the ingest: %w", err)
		}
		go func() {
			err := ingest.Wait()
			if err != nil {
				err = fmt.Errorf("%w: %s", err, lastLine(out.String()))
			} else {
				err = fmt.Errorf("finished in %s: %s", time.Since(start).Round(time.Millisecond), lastLine(out.String()))
			}
			ingestDone <- err
		}()
	}

	rep := &Report{Kinds: map[string]*KindReport{}}
	samples := map[string][]time.Duration{}
	var mu sync.Mutex
	record := func(kind string, d time.Duration, status int, connErr bool) {
		mu.Lock()
		defer mu.Unlock()
		rep.Requests++
		k := rep.Kinds[kind]
		if k == nil {
			k = &KindReport{Status: map[int]int{}}
			rep.Kinds[kind] = k
		}
		k.Requests++
		switch {
		case connErr:
			rep.ConnErrors++
			return
		case status >= 500:
			rep.ServerErrors++
		case status == http.StatusTooManyRequests:
			rep.Limited++
		}
		k.Status[status]++
		if status < 400 {
			samples[kind] = append(samples[kind], d) // latency of real answers only
		}
	}

	loadCtx, cancel := context.WithTimeout(ctx, opts.Duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < opts.Clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(opts.Seed, uint64(c)))
			for loadCtx.Err() == nil {
				kind, u := pick(rng, targets, base)
				req, _ := http.NewRequestWithContext(loadCtx, http.MethodGet, u, nil)
				if opts.Spread {
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), 1+rng.IntN(254)))
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if loadCtx.Err() != nil {
						return // the run ended mid-request: not an error
					}
					logf(opts.Log, "loadtest: %s: %v", u, err)
					record(kind, 0, 0, true)
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil && loadCtx.Err() != nil {
					return
				}
				if resp.StatusCode >= 500 {
					logf(opts.Log, "loadtest: %s: %d", u, resp.StatusCode)
				}
				record(kind, time.Since(t0), resp.StatusCode, err != nil)
			}
		}(c)
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	rep.PerSecond = float64(rep.Requests) / rep.Elapsed.Seconds()
	for kind, k := range rep.Kinds {
		ds := samples[kind]
		slices.Sort(ds)
		k.P50, k.P99 = quantile(ds, 0.50), quantile(ds, 0.99)
		if len(ds) > 0 {
			k.Max = ds[len(ds)-1]
		}
	}
	if ingest != nil {
		select {
		case err := <-ingestDone:
			rep.IngestResult = err.Error()
		default:
			logf(opts.Log, "loadtest: the load is over; waiting for the ingest to finish")
			rep.IngestResult = (<-ingestDone).Error() + " (after the load ended)"
		}
	}
	if opts.BurstCheck {
		b, err := burst(ctx, client, base)
		if err != nil {
			return rep, err
		}
		rep.Burst = b
	}
	return rep, nil
}

// burst sends requests from one client address past the rate limit the
// server announces.
func burst(ctx context.Context, client *http.Client, base string) (*BurstReport, error) {
	const addr = "192.0.2.77" // TEST-NET-1: a client of its own when the proxy is trusted
	u := base + "/api/search?q=" + url.QueryEscape("school")
	b := &BurstReport{Other: map[int]int{}}
	send := func() (int, http.Header, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		req.Header.Set("X-Forwarded-For", addr)
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header, nil
	}
	status, h, err := send()
	if err != nil {
		return nil, fmt.Errorf("loadtest: burst: %w", err)
	}
	b.Sent++
	b.Limit, _ = strconv.Atoi(h.Get("X-RateLimit-Limit"))
	count := func(status int, h http.Header) {
		switch {
		case status == http.StatusTooManyRequests:
			b.Limited++
			if b.RetryAfter == "" {
				b.RetryAfter = h.Get("Retry-After")
			}
		case status >= 500:
			b.ServerErrors++
		default:
			b.Other[status]++
		}
	}
	count(status, h)
	if b.Limit == 0 {
		return b, nil // the server limits nothing
	}
	// The limit plus a margin, from 8 connections at once.
	n := b.Limit + 20
	var mu sync.Mutex
	var wg sync.WaitGroup
	jobs := make(chan struct{})
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				status, h, err := send()
				mu.Lock()
				b.Sent++
				if err != nil {
					b.Other[0]++
				} else {
					count(status, h)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	return b, nil
}

// Check is the pass mark: no 5xx, no connection error, and (when checked)
// the rate limit answered 429 with Retry-After and no 5xx.
func (r *Report) Check() error {
	var errs []error
	if r.ServerErrors > 0 {
		errs = append(errs, fmt.Errorf("%d answers were 5xx", r.ServerErrors))
	}
	if r.ConnErrors > 0 {
		errs = append(errs, fmt.Errorf("%d requests got no answer (connection errors)", r.ConnErrors))
	}
	if r.Requests == 0 {
		errs = append(errs, errors.New("no request was made"))
	}
	if b := r.Burst; b != nil {
		switch {
		case b.Limit == 0:
			errs = append(errs, errors.New("rate limit check: the server announces no limit (serve with --rate-limit > 0)"))
		case b.ServerErrors > 0:
			errs = append(errs, fmt.Errorf("rate limit check: %d answers were 5xx", b.ServerErrors))
		case b.Limited == 0:
			errs = append(errs, fmt.Errorf("rate limit check: %d requests past a limit of %d, none answered 429", b.Sent, b.Limit))
		case b.RetryAfter == "":
			errs = append(errs, errors.New("rate limit check: 429 without Retry-After"))
		}
	}
	return errors.Join(errs...)
}

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%d requests in %s: %.0f requests/s; 5xx %d, connection errors %d, 429 %d\n",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.PerSecond, r.ServerErrors, r.ConnErrors, r.Limited)
	fmt.Fprintf(w, "%-8s %9s %9s %9s %9s  %s\n", "kind", "requests", "p50", "p99", "max", "answers")
	kinds := make([]string, 0, len(r.Kinds))
	for k := range r.Kinds {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, kind := range kinds {
		k := r.Kinds[kind]
		var codes []string
		for code, n := range k.Status {
			codes = append(codes, fmt.Sprintf("%d×%d", code, n))
		}
		slices.Sort(codes)
		fmt.Fprintf(w, "%-8s %9d %9s %9s %9s  %s\n", kind, k.Requests, ms(k.P50), ms(k.P99), ms(k.Max), strings.Join(codes, " "))
	}
	if r.IngestResult != "" {
		fmt.Fprintf(w, "ingest during the load: %s\n", r.IngestResult)
	}
	if b := r.Burst; b != nil {
		if b.Limit == 0 {
			fmt.Fprintln(w, "rate limit check: the server announces no limit")
		} else {
			fmt.Fprintf(w, "rate limit check: limit %d/min, %d requests from one client: %d answered 429 (Retry-After %ss), %d 5xx, others %v\n",
				b.Limit, b.Sent, b.Limited, b.RetryAfter, b.ServerErrors, b.Other)
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(int(q*float64(len(sorted))), len(sorted)-1)]
}

func pick(rng *rand.Rand, targets map[string][]string, base string) (string, string) {
	n := rng.IntN(100)
	for _, m := range mix {
		if n -= m.weight; n < 0 {
			switch m.kind {
			case "search":
				return m.kind, base + "/search?q=" + url.QueryEscape(queries[rng.IntN(len(queries))])
			case "api":
				return m.kind, base + "/api/search?q=" + url.QueryEscape(queries[rng.IntN(len(queries))])
			default:
				list := targets[m.kind]
				return m.kind, base + list[rng.IntN(len(list))]
			}
		}
	}
	panic("loadtest: weights do not add up to 100")
}

// discover finds meeting and topic pages in the sitemap and item pages
// through the search API (paths only: the sitemap may name another host).
func discover(ctx context.Context, client *http.Client, base string) (map[string][]string, error) {
	out := map[string][]string{}
	var set struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := getInto(ctx, client, base+"/sitemap.xml", func(r io.Reader) error { return xml.NewDecoder(r).Decode(&set) }); err != nil {
		return nil, err
	}
	for _, u := range set.URLs {
		p, err := url.Parse(u.Loc)
		if err != nil {
			continue
		}
		segs := strings.Split(strings.Trim(p.Path, "/"), "/")
		switch {
		case len(segs) == 2 && segs[0] == "topics":
			out["topic"] = append(out["topic"], p.Path)
		case len(segs) == 3:
			out["meeting"] = append(out["meeting"], p.Path)
		}
	}
	seen := map[string]bool{}
	for _, q := range []string{"council", "report", "resolved", "school", "budget"} {
		var res struct {
			Hits []struct {
				URL string `json:"url"`
			} `json:"hits"`
		}
		err := getInto(ctx, client, base+"/api/search?per_page=100&q="+q, func(r io.Reader) error { return json.NewDecoder(r).Decode(&res) })
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			if p, err := url.Parse(h.URL); err == nil && !seen[p.Path] {
				seen[p.Path] = true
				out["item"] = append(out["item"], p.Path)
			}
		}
	}
	for _, kind := range []string{"meeting", "item", "topic"} {
		if len(out[kind]) == 0 {
			return nil, fmt.Errorf("loadtest: found no %s pages on %s (is the archive empty?)", kind, base)
		}
	}
	return out, nil
}

func getInto(ctx context.Context, client *http.Client, u string, decode func(io.Reader) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("loadtest: GET %s: %s", u, resp.Status)
	}
	if err := decode(resp.Body); err != nil {
		return fmt.Errorf("loadtest: GET %s: %w", u, err)
	}
	return nil
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
