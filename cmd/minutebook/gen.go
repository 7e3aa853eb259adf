package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/minutebook/minutebook/internal/corpus"
)

func init() {
	register(command{name: "gen", summary: "generate a synthetic corpus of minutes (JSON lines) for benchmarks", run: runGen})
}

func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gen", stderr)
	items := fs.Int("items", 100000, "number of agenda items")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same corpus")
	out := fs.String("out", "-", "output `file` (- for standard output)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	w := stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	st, err := corpus.Generate(w, corpus.Options{Items: *items, Seed: *seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "generated %d items in %d meetings (%.1f MB of text)\n", st.Items, st.Meetings, float64(st.TextBytes)/1e6)
	return nil
}
