package main

import (
	"context"
	"fmt"
	"io"

	"github.com/minutebook/minutebook/internal/config"
	"github.com/minutebook/minutebook/internal/moderngov"
	"github.com/minutebook/minutebook/internal/store"
)

func init() {
	register(command{name: "reparse", summary: "parse every fetched document again, without fetching", run: runReparse})
}

func runReparse(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reparse", stderr)
	cfg := config.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: minutebook reparse [--data DIR]")
		return errUsage
	}
	st, err := store.Open(ctx, cfg.Database())
	if err != nil {
		return err
	}
	defer st.Close()
	log := newLogger(stderr, cfg)
	stats, err := moderngov.Reparse(ctx, st, nil, func(url string, err error) {
		if err != nil {
			log.Warn("reparse failed", "url", url, "error", err)
		} else {
			log.Debug("reparsed", "url", url)
		}
	})
	fmt.Fprintf(stdout, "%d documents reparsed, %d meetings saved, %d failures\n", stats.Documents, stats.Meetings, len(stats.Failures))
	if err != nil {
		return err
	}
	if len(stats.Failures) > 0 {
		return errSilent
	}
	return nil
}
