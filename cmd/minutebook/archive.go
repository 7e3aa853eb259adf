package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/minutebook/minutebook/internal/config"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/store"
	"github.com/minutebook/minutebook/internal/topic"
)

// The commands that write the archive. Nothing that writes is reachable
// over HTTP: these are the only ways in.

func init() {
	register(command{name: "ingest", summary: "read minutes files and folders into the archive", run: runIngest})
	register(command{name: "import", summary: "load meetings from a JSON-lines file (--jsonl FILE)", run: runImport})
	register(command{name: "export", summary: "write every meeting as JSON lines (--jsonl FILE)", run: runExport})
	register(command{name: "retag", summary: "re-apply the topic rules to every item", run: runRetag})
	register(command{name: "backup", summary: "write a consistent copy of the archive database to FILE (PostgreSQL: pg_dump's custom format)", run: runBackup})
}

// openArchive parses the shared flags and opens the store.
func openArchive(ctx context.Context, name string, args []string, stderr io.Writer, extra func(fs interface {
	String(string, string, string) *string
}) *string) (*store.Store, *config.Config, []string, *string, error) {
	fs := newFlagSet(name, stderr)
	cfg := config.Register(fs)
	var ex *string
	if extra != nil {
		ex = extra(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, nil, nil, errUsage
	}
	st, err := store.Open(ctx, cfg.Database())
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return st, cfg, fs.Args(), ex, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	st, _, paths, _, err := openArchive(ctx, "ingest", args, stderr, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "usage: minutebook ingest [--data DIR] PATH|DIR...")
		return errUsage
	}
	sum, err := ingest.Files(ctx, st, paths, ingest.Options{Progress: &ingest.LineProgress{W: stderr, Terminal: isTerminal(stderr)}})
	fmt.Fprintln(stdout, sum)
	for _, f := range sum.Failures {
		fmt.Fprintf(stderr, "failed: %s: %s\n", f.Path, f.Reason)
	}
	if err != nil {
		return err // interrupted: the document in flight was rolled back
	}
	if len(sum.Failures) > 0 {
		return errSilent
	}
	return nil
}

func jsonlFlag(fs interface {
	String(string, string, string) *string
}) *string {
	return fs.String("jsonl", "", "JSON-lines `file` (- for standard input/output)")
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	st, _, _, file, err := openArchive(ctx, "import", args, stderr, jsonlFlag)
	if err != nil {
		return err
	}
	defer st.Close()
	if *file == "" {
		fmt.Fprintln(stderr, "usage: minutebook import --jsonl FILE")
		return errUsage
	}
	r := io.Reader(os.Stdin)
	if *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	sum, err := ingest.Import(ctx, st, r, *file, nil)
	if err != nil {
		return err
	}
	items := sum.ItemsNew + sum.ItemsUpdated + sum.ItemsMerged + sum.ItemsUnchanged
	fmt.Fprintf(stdout, "%s (%.0f items/s)\n", sum, float64(items)/max(sum.Elapsed.Seconds(), 1e-9))
	return nil
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	st, _, _, file, err := openArchive(ctx, "export", args, stderr, jsonlFlag)
	if err != nil {
		return err
	}
	defer st.Close()
	if *file == "" {
		fmt.Fprintln(stderr, "usage: minutebook export --jsonl FILE")
		return errUsage
	}
	if *file == "-" {
		_, err := ingest.Export(ctx, st, stdout)
		return err
	}
	// Write beside the target and rename, so a failed export never leaves
	// a half-written file where a good one was.
	tmp := *file + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	n, err := ingest.Export(ctx, st, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, *file); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %d meetings to %s\n", n, *file)
	return nil
}

func runRetag(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var rules *string
	st, _, _, rules, err := openArchive(ctx, "retag", args, stderr, func(fs interface {
		String(string, string, string) *string
	}) *string {
		return fs.String("rules", "", "topic rules `file` (default: the built-in rules)")
	})
	if err != nil {
		return err
	}
	defer st.Close()
	tagger := topic.Default()
	if *rules != "" {
		if tagger, err = topic.LoadFile(*rules); err != nil {
			return err
		}
	}
	var keys []string
	var tags [][]string
	err = st.ForEachItem(ctx, func(v store.ItemView) error {
		keys = append(keys, v.Key)
		tags = append(tags, tagger.Tag(v.Item))
		return nil
	})
	if err != nil {
		return err
	}
	changed := 0
	for i, k := range keys {
		c, err := st.SetTopics(ctx, k, tags[i])
		if err != nil {
			return err
		}
		if c {
			changed++
		}
	}
	fmt.Fprintf(stdout, "retagged %d items with rules %s: %d changed\n", len(keys), tagger.Version(), changed)
	return nil
}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	st, _, rest, _, err := openArchive(ctx, "backup", args, stderr, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "usage: minutebook backup [--data DIR | --database-url URL] FILE\n"+
			"  SQLite: a copy of the database file (VACUUM INTO).\n"+
			"  PostgreSQL: runs pg_dump --format=custom (restore with pg_restore); pg_dump must be installed.")
		return errUsage
	}
	if err := st.Backup(ctx, rest[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", st.Path(), rest[0])
	return nil
}
