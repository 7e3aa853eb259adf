package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/minutebook/minutebook/internal/benchmark"
)

func init() {
	register(command{name: "bench", summary: "measure search against SQLite FTS5 on a generated corpus and write the report", run: runBench})
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	var c benchmark.Config
	fs.IntVar(&c.Items, "items", 100000, "agenda items in the generated corpus")
	fs.Int64Var(&c.Seed, "seed", 1, "corpus seed")
	fs.StringVar(&c.Work, "work", filepath.Join(os.TempDir(), "minutebook-bench"), "`dir`ectory for the corpus, archive and indexes, reused by later runs")
	fs.StringVar(&c.Out, "out", filepath.Join("docs", "bench"), "`dir`ectory for bench-ITEMS.md and bench-ITEMS.json")
	fs.IntVar(&c.Repeat, "repeat", 20, "timed rounds through each query class")
	fs.IntVar(&c.Runs, "runs", 3, "separate runs of Minutebook's query phase and of each HTTP load, reported as their median")
	fs.DurationVar(&c.ClassBudget, "class-budget", time.Minute, "stop a query class's timed rounds after this long (at least 3 rounds)")
	fs.IntVar(&c.Clients, "clients", 16, "concurrent HTTP clients")
	fs.DurationVar(&c.HTTPDuration, "http-duration", 0, "load duration per page kind (default 10s)")
	fs.IntVar(&c.ColdStarts, "cold-starts", 3, "times serve is started and timed until ready")
	fs.BoolVar(&c.Rebuild, "rebuild", false, "regenerate and rebuild everything instead of reusing the work directory")
	fs.StringVar(&c.Note, "note", "", "a sentence for the report, e.g. about other load on the machine")
	phase := fs.String("phase", "", "internal: run one phase ("+strings.Join(benchmark.Phases, ", ")+", or serve: the serving measurements alone over an earlier run's work folder) and print its result as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "minutebook bench: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if c.Items <= 0 || c.Repeat <= 0 || c.Runs <= 0 || c.Clients <= 0 || c.ColdStarts <= 0 {
		fmt.Fprintln(stderr, "minutebook bench: --items, --repeat, --runs, --clients and --cold-starts must be positive")
		return errUsage
	}
	if *phase == "serve" {
		// Serving only, over what an earlier run built.
		bin, err := os.Executable()
		if err != nil {
			return err
		}
		c.Binary = bin
		c.Log = stderr
		res, err := benchmark.MeasureServe(ctx, c)
		if err != nil {
			return err
		}
		return json.NewEncoder(stdout).Encode(res)
	}
	if *phase != "" {
		res, err := benchmark.RunPhase(ctx, *phase, c)
		if err != nil {
			return err
		}
		return json.NewEncoder(stdout).Encode(res)
	}
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this binary to run phases: %w", err)
	}
	c.Binary, c.Log = bin, stderr
	quoted := []string{"bench"}
	for _, a := range args {
		if strings.ContainsAny(a, " \t'\"$`\\;&|()<>*?") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted = append(quoted, a)
	}
	c.Command = "go build -o minutebook ./cmd/minutebook && ./minutebook " + strings.Join(quoted, " ")
	r, err := benchmark.Run(ctx, c)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, r.Markdown())
	fmt.Fprintf(stderr, "bench: wrote %s\n", filepath.Join(c.Out, fmt.Sprintf("bench-%d.md", c.Items)))
	return nil
}
