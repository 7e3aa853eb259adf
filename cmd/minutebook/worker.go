package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/minutebook/minutebook/internal/config"
	"github.com/minutebook/minutebook/internal/moderngov"
	"github.com/minutebook/minutebook/internal/store"
)

func init() {
	register(command{name: "worker", summary: "crawl the followed sites as they fall due, until stopped", run: runWorker})
}

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("worker", stderr)
	cfg := config.Register(fs)
	polite := addPoliteFlags(fs)
	idle := fs.Duration("idle", time.Minute, "when no site is due, look again after this long")
	lease := fs.Duration("lease", 10*time.Minute, "a claim on a site lasts this long unless renewed (a killed worker's claim runs out)")
	history := daysFlag(fs, "history", 365*24*time.Hour, "crawl meetings this far back (e.g. 365d)")
	revisit := daysFlag(fs, "revisit", 60*24*time.Hour, "fetch finished meetings this recent again, for late minutes")
	once := fs.Bool("once", false, "crawl the sites due now, then exit")
	host, _ := os.Hostname()
	owner := fs.String("owner", fmt.Sprintf("%s:%d", host, os.Getpid()), "this worker's name in leases")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: minutebook worker [flags]")
		return errUsage
	}
	for _, err := range []error{cfg.Validate(), polite.validate()} {
		if err != nil {
			fmt.Fprintln(stderr, "minutebook worker:", err)
			return errUsage
		}
	}
	if *idle <= 0 || *lease <= 0 || *owner == "" {
		fmt.Fprintln(stderr, "minutebook worker: --idle and --lease must be positive, --owner not empty")
		return errUsage
	}
	st, err := store.Open(ctx, cfg.Database())
	if err != nil {
		return err
	}
	defer st.Close()
	log := newLogger(stderr, cfg)
	w := &moderngov.Worker{Store: st, Fetch: polite.client(log), Owner: *owner, Lease: *lease,
		History: *history, Revisit: *revisit, Logger: log}
	if !*once {
		// SIGTERM or ^C cancels ctx: the document in flight is abandoned,
		// nothing of it half-stored, and the site's lease is released.
		return w.Run(ctx, *idle)
	}
	for {
		worked, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !worked {
			return err // a store error; a crawl's own failure was logged and scheduled
		}
	}
}
