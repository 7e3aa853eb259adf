package benchmark

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/minutebook/minutebook/internal/queryset"
	"github.com/minutebook/minutebook/internal/search"
)

// Serve is what the running server was measured doing.
type Serve struct {
	ColdStartMS       []float64 `json:"cold_start_ms"`
	ColdStartMedianMS float64   `json:"cold_start_median_ms"`
	PeakRSSBytes      int64     `json:"peak_rss_bytes"` // of the serve process, after the load
	SearchPage        HTTPLoad  `json:"search_page"`
	ItemPage          HTTPLoad  `json:"item_page"`
	// SearchPageCached is the search page again on a server with the
	// result cache on, as served by default: the same few URLs, so after
	// the first round it measures the cache, not the search.
	SearchPageCached *HTTPLoad `json:"search_page_cached,omitempty"`
}

// HTTPLoad is a fixed-duration load of concurrent clients on one page kind.
type HTTPLoad struct {
	URLs     int     `json:"urls"`
	Clients  int     `json:"clients"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	PerSec   float64 `json:"per_sec"`
	Latency
	// Each run's rate and p99, when several ran (medianOfLoads).
	RunsPerSec []float64 `json:"runs_per_sec,omitempty"`
	RunsP99    []float64 `json:"runs_p99_ms,omitempty"`
}

// medianOfLoads merges separate loads of one page kind as medianOfRuns
// merges query runs: the rate and each percentile are the median over the
// runs (a p99 of ten seconds is a few dozen slow requests, and one run's
// can be an outlier), the requests, errors and seconds their sum.
func medianOfLoads(runs []HTTPLoad) HTTPLoad {
	med := func(get func(HTTPLoad) float64) float64 { return median(runs, get) }
	out := runs[0]
	out.PerSec = med(func(l HTTPLoad) float64 { return l.PerSec })
	out.P50 = med(func(l HTTPLoad) float64 { return l.P50 })
	out.P95 = med(func(l HTTPLoad) float64 { return l.P95 })
	out.P99 = med(func(l HTTPLoad) float64 { return l.P99 })
	out.Mean = med(func(l HTTPLoad) float64 { return l.Mean })
	out.Requests, out.Errors, out.Seconds, out.Samples, out.Max = 0, 0, 0, 0, 0
	out.RunsPerSec, out.RunsP99 = nil, nil
	for _, l := range runs {
		out.Requests += l.Requests
		out.Errors += l.Errors
		out.Seconds += l.Seconds
		out.Samples += l.Samples
		out.Max = max(out.Max, l.Max)
		if len(runs) > 1 {
			out.RunsPerSec = append(out.RunsPerSec, l.PerSec)
			out.RunsP99 = append(out.RunsP99, l.P99)
		}
	}
	return out
}

// serveProcess is a `minutebook serve` child process.
type serveProcess struct {
	cmd     *exec.Cmd
	base    string
	done    chan error
	stopped sync.Once
}

// startServer starts `BINARY serve` over the data folder on a free
// loopback port and waits until /readyz answers 200, returning how long
// that took from the exec.
func startServer(ctx context.Context, binary, data string, cache bool, stderr io.Writer) (*serveProcess, time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, err
	}
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	// No per-client rate limit (every client is this process) and no
	// result cache (the query set is small: cached, it would measure the
	// cache, not the search).
	args := []string{"serve", "--data", data, "--addr", addr, "--sample=false", "--log-level", "warn", "--rate-limit", "0"}
	if !cache {
		args = append(args, "--search-cache", "0")
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("starting %s serve: %w", binary, err)
	}
	s := &serveProcess{cmd: cmd, base: "http://" + addr, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(5 * time.Minute) // a large index may be caught up first
	for {
		resp, err := client.Get(s.base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, time.Since(start), nil
			}
		}
		select {
		case err := <-s.done:
			return nil, 0, fmt.Errorf("serve exited before it was ready: %v", err)
		case <-ctx.Done():
			s.stop()
			return nil, 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, 0, fmt.Errorf("serve not ready at %s/readyz after 5 minutes", s.base)
		}
	}
}

// stop asks the server to shut down and waits for it; stopping it again
// does nothing.
func (s *serveProcess) stop() {
	s.stopped.Do(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	})
}

// searchPageURLs are the search pages of the whole query set (the page
// always asks for facets and snippets).
func searchPageURLs() []string {
	var out []string
	for _, class := range queryset.Classes {
		for _, r := range class.Requests {
			out = append(out, "/search?"+searchParams(r).Encode())
		}
	}
	return out
}

func searchParams(r search.Request) url.Values {
	v := url.Values{"q": {r.Query}}
	for _, c := range r.Councils {
		v.Add("council", c)
	}
	if r.From != "" {
		v.Set("from", r.From)
	}
	if r.To != "" {
		v.Set("to", r.To)
	}
	return v
}

// itemPageURLs are the item pages the query set finds, asked of the
// server's own JSON API.
func itemPageURLs(ctx context.Context, base string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, class := range queryset.Classes {
		for _, r := range class.Requests {
			v := searchParams(r)
			v.Set("per_page", "50")
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/search?"+v.Encode(), nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return nil, err
			}
			var res struct {
				Hits []struct {
					URL string `json:"url"`
				} `json:"hits"`
			}
			err = json.NewDecoder(resp.Body).Decode(&res)
			resp.Body.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", req.URL, err)
			}
			for _, h := range res.Hits {
				if u, err := url.Parse(h.URL); err == nil && !seen[u.Path] {
					seen[u.Path] = true
					out = append(out, u.Path)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the query set found no items at %s", base)
	}
	return out, nil
}

// load runs clients concurrent clients, each fetching the paths in turn
// (each from its own starting point) for d, and times every request. A
// status other than 200 counts as an error.
func load(ctx context.Context, base string, paths []string, clients int, d time.Duration) HTTPLoad {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for i := c * len(paths) / clients; ctx.Err() == nil; i++ {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+paths[i%len(paths)], nil)
				// As a browser asks. Set here, the transport leaves the
				// body compressed: inflating it would take CPU from the
				// server on the same machine, where a browser spends its
				// own.
				req.Header.Set("Accept-Encoding", "gzip")
				t := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if ctx.Err() != nil {
					break // cut off by the end of the run: not a sample
				}
				if err != nil || resp.StatusCode != http.StatusOK {
					bad++
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	return HTTPLoad{URLs: len(paths), Clients: clients, Requests: len(lat), Errors: errs, Seconds: elapsed.Seconds(),
		PerSec: float64(len(lat)) / elapsed.Seconds(), Latency: summarise(lat)}
}

// measureServe starts the server coldStarts times (the last one stays up
// for the load), then loads the search page and the item page, in turn,
// c.Runs times each.
func measureServe(ctx context.Context, c Config, data string) (Serve, error) {
	var out Serve
	var s *serveProcess
	for i := 0; i < c.ColdStarts; i++ {
		srv, took, err := startServer(ctx, c.Binary, data, false, c.Log)
		if err != nil {
			return out, err
		}
		out.ColdStartMS = append(out.ColdStartMS, float64(took.Microseconds())/1000)
		if i < c.ColdStarts-1 {
			srv.stop()
		} else {
			s = srv
		}
	}
	defer s.stop()
	sorted := slices.Clone(out.ColdStartMS)
	slices.Sort(sorted)
	out.ColdStartMedianMS = sorted[len(sorted)/2]

	items, err := itemPageURLs(ctx, s.base)
	if err != nil {
		return out, err
	}
	var searches, itemPages []HTTPLoad
	for i := range c.Runs {
		fmt.Fprintf(c.Log, "bench: search page, %d clients for %s (run %d of %d)\n", c.Clients, c.HTTPDuration, i+1, c.Runs)
		searches = append(searches, load(ctx, s.base, searchPageURLs(), c.Clients, c.HTTPDuration))
		fmt.Fprintf(c.Log, "bench: item page (%d items), %d clients for %s (run %d of %d)\n", len(items), c.Clients, c.HTTPDuration, i+1, c.Runs)
		itemPages = append(itemPages, load(ctx, s.base, items, c.Clients, c.HTTPDuration))
	}
	out.SearchPage, out.ItemPage = medianOfLoads(searches), medianOfLoads(itemPages)
	out.PeakRSSBytes = peakRSSOf(s.cmd.Process.Pid)
	if err := ctx.Err(); err != nil {
		return out, err
	}
	s.stop()
	cached, _, err := startServer(ctx, c.Binary, data, true, c.Log)
	if err != nil {
		return out, err
	}
	defer cached.stop()
	fmt.Fprintf(c.Log, "bench: search page with the result cache on, %d clients for %s\n", c.Clients, c.HTTPDuration)
	l := load(ctx, cached.base, searchPageURLs(), c.Clients, c.HTTPDuration)
	out.SearchPageCached = &l
	return out, ctx.Err()
}
