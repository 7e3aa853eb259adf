package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/minutebook/minutebook"
	"github.com/minutebook/minutebook/internal/config"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/metrics"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/internal/server"
	"github.com/minutebook/minutebook/internal/store"
)

func init() {
	register(command{name: "serve", summary: "serve the web archive (loads the sample minutes into an empty archive)", run: runServe})
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	cfg := config.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	log := newLogger(stderr, cfg)
	met := metrics.New()
	log.Info("starting minutebook", "config", cfg)

	st, err := store.Open(ctx, cfg.Database())
	if err != nil {
		return err
	}
	defer st.Close()
	if empty, err := st.Empty(ctx); err != nil {
		return err
	} else if empty && cfg.LoadSample {
		sum, err := ingest.LoadSample(ctx, st, minutebook.Sample())
		if err != nil {
			return fmt.Errorf("loading the sample minutes: %w", err)
		}
		met.CountIngest("serve-sample", sum.Documents-len(sum.Failures), len(sum.Failures))
		log.Info("archive was empty: loaded the sample minutes (turn off with --sample=false)", "summary", sum.String())
	}
	cache := cfg.SearchCache
	if cache <= 0 {
		cache = -1 // none
	}
	ix, err := search.Open(ctx, cfg.IndexDir(), search.Options{Logger: log, CacheSize: cache})
	if err != nil {
		return err
	}
	defer ix.Close()
	// The index catches up (a new node builds it whole from the database)
	// while the node already answers: /readyz says not ready until the
	// index holds every change, so a load balancer sends it no searches.
	// It then follows the change sequence: woken by the database on
	// PostgreSQL, polling every --poll as well.
	followCtx, stopFollow := context.WithCancel(ctx)
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		ix.Follow(followCtx, st, cfg.PollEvery)
	}()
	// Runs before the deferred ix.Close: the index closes only after the
	// follower's last batch.
	defer func() {
		stopFollow()
		<-followed
	}()

	met.WatchSources(func() (map[string]int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return st.SourceCounts(ctx)
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	base := cfg.BaseURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	pages := server.New(st, ix, server.Options{BaseURL: cfg.BaseURL, SearchTimeout: cfg.SearchLimit, Logger: log, Metrics: met,
		RateLimit: cfg.RateLimit, TrustedProxies: cfg.TrustedProxies(), MaxSearches: cfg.MaxSearches, SearchQueue: cfg.SearchQueue})
	go pages.Warm(ctx)
	srv := &http.Server{
		Handler:           pages.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving the archive", "url", base, "database", st.Dialect())
	fmt.Fprintf(stdout, "Minutebook is ready: open %s\n", base)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, let in-flight requests finish, then close the index.
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
