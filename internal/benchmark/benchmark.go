// Package benchmark measures Minutebook's search side by side with SQLite
// FTS5 over the same generated corpus: import, index builds (time, items/s,
// size against the raw text), per-class query latency of one fixed query
// set (internal/queryset) on both engines with their ratio, peak memory,
// cold start of `serve`, and HTTP throughput of the search and item pages
// under concurrent clients. It writes the result as Markdown and JSON.
//
// Each phase runs in a child process of the minutebook binary (`bench
// --phase NAME`), so the engines' peak memory is measured apart and one
// engine's caches do not help the other. Generated files live under a
// work folder and are reused by later runs with the same size and seed.
package benchmark

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Config is one benchmark run.
type Config struct {
	Items        int
	Seed         int64
	Work         string        // cache folder for corpus, archive and indexes
	Out          string        // folder for bench-ITEMS.md and .json ("" writes nothing)
	Repeat       int           // timed rounds through each class's queries
	Runs         int           // separate runs of Minutebook's query phase and of each HTTP load; the report gives their median
	ClassBudget  time.Duration // stop a class's rounds after this long (at least 3 rounds)
	Clients      int           // concurrent HTTP clients
	HTTPDuration time.Duration // per page kind
	ColdStarts   int           // serve starts timed
	Rebuild      bool          // ignore cached corpus, archive and indexes
	Note         string        // free text for the report (e.g. "machine shared with 4 builds")
	Binary       string        // the minutebook binary: phases and serve run as its children
	Command      string        // the command line that reproduces the run, for the report
	Log          io.Writer     // progress; nil discards
}

func (c Config) withDefaults() Config {
	if c.Items <= 0 {
		c.Items = 100_000
	}
	if c.Work == "" {
		c.Work = filepath.Join(os.TempDir(), "minutebook-bench")
	}
	if c.Repeat <= 0 {
		c.Repeat = 20
	}
	if c.Runs <= 0 {
		c.Runs = 3
	}
	if c.ClassBudget <= 0 {
		c.ClassBudget = time.Minute
	}
	if c.Clients <= 0 {
		c.Clients = 16
	}
	if c.HTTPDuration <= 0 {
		c.HTTPDuration = 10 * time.Second
	}
	if c.ColdStarts <= 0 {
		c.ColdStarts = 3
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	return c
}

// ChildArgs are the arguments with which the binary runs one phase and
// prints its result as JSON on standard output (`minutebook bench
// --phase`).
func (c Config) ChildArgs(phase string) []string {
	args := []string{"bench", "--phase", phase, "--items", strconv.Itoa(c.Items), "--seed", strconv.FormatInt(c.Seed, 10),
		"--work", c.Work, "--repeat", strconv.Itoa(c.Repeat),
		"--class-budget", c.ClassBudget.String()}
	if c.Rebuild {
		args = append(args, "--rebuild")
	}
	return args
}

// Report is the outcome of a run.
type Report struct {
	Items        int        `json:"items"`
	Seed         int64      `json:"seed"`
	Repeat       int        `json:"repeat"`
	ClassBudget  string     `json:"class_budget"`
	Started      string     `json:"started"`
	Seconds      float64    `json:"seconds"`
	Command      string     `json:"command"`
	Note         string     `json:"note,omitempty"`
	Machine      Machine    `json:"machine"`
	Corpus       CorpusInfo `json:"corpus"`
	Import       Build      `json:"import"`
	Bleve        Build      `json:"minutebook_index"`
	FTS          Build      `json:"fts5_index"`
	BleveQueries QueryRun   `json:"minutebook_queries"`
	FTSQueries   QueryRun   `json:"fts5_queries"`
	Serve        Serve      `json:"serve"`
}

// MeasureServe runs only the serving measurements (cold starts, HTTP
// load) over the work folder's built archive and index: for checking a
// change to serving without the hour of a whole run.
func MeasureServe(ctx context.Context, c Config) (Serve, error) {
	c = c.withDefaults()
	return measureServe(ctx, c, c.layout().data)
}

// Run measures everything, each phase in a child process, and writes the
// report files.
func Run(ctx context.Context, c Config) (*Report, error) {
	c = c.withDefaults()
	if c.Binary == "" {
		return nil, fmt.Errorf("benchmark: no binary to run phases and serve with")
	}
	start := time.Now()
	r := &Report{Items: c.Items, Seed: c.Seed, Repeat: c.Repeat, ClassBudget: c.ClassBudget.String(), Started: now(), Command: c.Command, Note: c.Note, Machine: describeMachine()}
	steps := []struct {
		phase string
		into  any
	}{
		{PhaseCorpus, &r.Corpus}, {PhaseImport, &r.Import}, {PhaseBleveBuild, &r.Bleve}, {PhaseFTSBuild, &r.FTS},
		{PhaseBleveQuery, &r.BleveQueries}, {PhaseFTSQuery, &r.FTSQueries},
	}
	for _, s := range steps {
		runs := 1
		if s.phase == PhaseBleveQuery {
			runs = c.Runs
		}
		if runs == 1 {
			if err := runPhase(ctx, c, s.phase, s.into); err != nil {
				return nil, err
			}
			continue
		}
		each := make([]QueryRun, runs)
		for i := range each {
			if err := runPhase(ctx, c, s.phase, &each[i]); err != nil {
				return nil, err
			}
		}
		*s.into.(*QueryRun) = medianOfRuns(each)
	}
	fmt.Fprintf(c.Log, "bench: serve cold start ×%d\n", c.ColdStarts)
	sv, err := measureServe(ctx, c, c.layout().data)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	r.Serve = sv
	r.Machine.LoadEnd = loadAverage()
	r.Seconds = time.Since(start).Seconds()
	if c.Out != "" {
		if err := r.Write(c.Out); err != nil {
			return r, err
		}
	}
	return r, nil
}

// runPhase runs one phase in a child process, logging how long it took.
func runPhase(ctx context.Context, c Config, phase string, into any) error {
	fmt.Fprintf(c.Log, "bench: %s (%d items)\n", phase, c.Items)
	t := time.Now()
	if err := runChild(ctx, c, phase, into); err != nil {
		return err
	}
	fmt.Fprintf(c.Log, "bench: %s done in %s\n", phase, time.Since(t).Round(time.Millisecond))
	return nil
}

// runChild runs one phase in a child process and decodes its JSON result.
func runChild(ctx context.Context, c Config, phase string, into any) error {
	cmd := exec.CommandContext(ctx, c.Binary, c.ChildArgs(phase)...)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, c.Log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("phase %s: %w", phase, err)
	}
	if err := json.Unmarshal(stdout.Bytes(), into); err != nil {
		return fmt.Errorf("phase %s: reading its result: %w", phase, err)
	}
	return nil
}

// Write writes the report as bench-ITEMS.md and bench-ITEMS.json in dir.
func (r *Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	base := filepath.Join(dir, fmt.Sprintf("bench-%d", r.Items))
	if err := writeJSON(base+".json", r); err != nil {
		return err
	}
	return os.WriteFile(base+".md", []byte(r.Markdown()), 0o644)
}
