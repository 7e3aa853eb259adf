package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/minutebook/minutebook/internal/extract"
	"github.com/minutebook/minutebook/internal/parse"
)

func init() {
	register(command{
		name:    "parse",
		summary: "print the meeting found in each minutes file as one JSON line",
		run:     runParse,
	})
}

func runParse(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("parse", stderr)
	sourceURL := fs.String("source-url", "", "public URL the files were published at (names the council)")
	format := fs.String("format", "", "force a format: "+strings.Join(parse.Formats(), ", "))
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: minutebook parse [--source-url URL] [--format NAME] FILE...")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	if *format != "" && !contains(parse.Formats(), *format) {
		fmt.Fprintf(stderr, "minutebook parse: unknown --format %q (known: %s)\n", *format, strings.Join(parse.Formats(), ", "))
		return errUsage
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	failed := 0
	for _, path := range fs.Args() {
		ms, err := extract.FileAll(ctx, path, extract.Options{Format: *format, SourceURL: *sourceURL})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(stderr, "minutebook parse: %v\n", err)
			failed++
			continue
		}
		for _, m := range ms { // an issue page lists its item at several meetings
			if err := enc.Encode(m); err != nil {
				return err
			}
		}
	}
	if failed > 0 {
		return errSilent
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
