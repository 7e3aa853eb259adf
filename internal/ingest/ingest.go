// Package ingest is the worker that turns documents into archive records:
// it reads files and folders (or an embedded sample), extracts each
// meeting, and stores it in one transaction per document, reporting
// progress and a summary. A bad document is reported and skipped; the rest
// still land.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/minutebook/minutebook/internal/extract"
	"github.com/minutebook/minutebook/internal/store"
)

// Summary counts what an ingest did.
type Summary struct {
	Documents                                  int
	MeetingsNew, MeetingsUpdated, MeetingsSame int
	ItemsNew, ItemsUpdated, ItemsMerged        int
	ItemsUnchanged, ItemsDeleted               int
	Failures                                   []Failure
	Elapsed                                    time.Duration
}

// Failure is a document that could not be ingested.
type Failure struct {
	Path   string
	Reason string
}

func (s Summary) String() string {
	return fmt.Sprintf("%d documents in %s: meetings %d new, %d updated, %d unchanged; items %d new, %d updated, %d merged, %d unchanged, %d removed; %d failed",
		s.Documents, s.Elapsed.Round(time.Millisecond), s.MeetingsNew, s.MeetingsUpdated, s.MeetingsSame,
		s.ItemsNew, s.ItemsUpdated, s.ItemsMerged, s.ItemsUnchanged, s.ItemsDeleted, len(s.Failures))
}

func (s *Summary) add(r store.SaveResult) {
	switch r.MeetingStatus {
	case store.StatusNew:
		s.MeetingsNew++
	case store.StatusUpdated, store.StatusMerged:
		s.MeetingsUpdated++
	default:
		s.MeetingsSame++
	}
	s.ItemsNew += r.ItemsNew
	s.ItemsUpdated += r.ItemsUpdated
	s.ItemsMerged += r.ItemsMerged
	s.ItemsUnchanged += r.ItemsUnchanged
	s.ItemsDeleted += r.ItemsDeleted
}

// Options control an ingest.
type Options struct {
	Extract  extract.Options
	Progress Progress // nil: silent
}

// Progress is told about each document as it is done.
type Progress interface {
	Start(total int)
	Done(path string, res store.SaveResult, err error)
	Finish(Summary)
}

// Files ingests files and folders (recursively). Sidecars are read with
// their documents, never as documents. Cancelling ctx stops between
// documents; the document in flight is rolled back whole.
func Files(ctx context.Context, st *store.Store, paths []string, opts Options) (Summary, error) {
	start := time.Now()
	var docs []string
	var sum Summary
	for _, p := range paths {
		found, err := walk(p)
		if err != nil {
			sum.Failures = append(sum.Failures, Failure{Path: p, Reason: err.Error()})
			continue
		}
		docs = append(docs, found...)
	}
	if opts.Progress != nil {
		opts.Progress.Start(len(docs))
	}
	for _, path := range docs {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		res, err := one(ctx, st, path, opts.Extract, func() ([]byte, error) { return readDocument(path) },
			func() ([]byte, error) { return readIfExists(extract.SidecarPath(path)) })
		if err := record(ctx, &sum, st, path, res, err, opts.Progress); err != nil {
			return sum, err
		}
	}
	sum.Elapsed = time.Since(start)
	if opts.Progress != nil {
		opts.Progress.Finish(sum)
	}
	return sum, nil
}

// FS ingests every document in fsys (used for the embedded sample).
func FS(ctx context.Context, st *store.Store, fsys fs.FS, prefix string, opts Options) (Summary, error) {
	start := time.Now()
	var docs []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isDocument(p) {
			docs = append(docs, p)
		}
		return nil
	})
	if err != nil {
		return Summary{}, err
	}
	var sum Summary
	for _, p := range docs {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		loc := prefix + p
		res, err := one(ctx, st, loc, opts.Extract, func() ([]byte, error) { return fs.ReadFile(fsys, p) },
			func() ([]byte, error) {
				b, err := fs.ReadFile(fsys, extract.SidecarPath(p))
				if errors.Is(err, fs.ErrNotExist) {
					return nil, nil
				}
				return b, err
			})
		if err := record(ctx, &sum, st, loc, res, err, opts.Progress); err != nil {
			return sum, err
		}
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

func record(ctx context.Context, sum *Summary, st *store.Store, path string, results []store.SaveResult, err error, p Progress) error {
	sum.Documents++
	var res store.SaveResult
	if len(results) > 0 {
		res = results[len(results)-1]
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		sum.Failures = append(sum.Failures, Failure{Path: path, Reason: err.Error()})
		// Note the failure; what this source stored before stays as it was.
		_ = st.RecordFailure(ctx, store.Source{Location: path}, err.Error())
	} else {
		for _, r := range results {
			sum.add(r)
		}
	}
	if p != nil {
		p.Done(path, res, err)
	}
	return nil
}

// one extracts and stores one document: usually one meeting; an issue
// page gives one per meeting it lists, each stored as its own source
// ("page#2") so each is idempotent on its own.
func one(ctx context.Context, st *store.Store, loc string, opts extract.Options, body, sidecar func() ([]byte, error)) ([]store.SaveResult, error) {
	b, err := body()
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read: %w", loc, err)
	}
	sb, err := sidecar()
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read sidecar: %w", loc, err)
	}
	var meta *extract.Meta
	if sb != nil {
		if meta, err = extract.DecodeMeta(extract.SidecarPath(loc), sb); err != nil {
			return nil, err
		}
	}
	ms, err := extract.BytesAll(ctx, loc, b, meta, opts)
	if err != nil {
		return nil, err
	}
	// The sidecar is part of the source: changing it must re-ingest.
	h := sha256.New()
	h.Write(b)
	h.Write(sb)
	sum := hex.EncodeToString(h.Sum(nil))
	var out []store.SaveResult
	for i, m := range ms {
		src := store.Source{Location: loc, SourceURL: m.SourceURL, SHA256: sum}
		if len(ms) > 1 {
			src.Location = fmt.Sprintf("%s#%d", loc, i+1)
		}
		res, err := st.SaveMeeting(ctx, m, src)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

// readDocument reads a document, refusing one over the size limit before
// reading it: a 100 MB upload costs a stat, not 100 MB of memory.
func readDocument(p string) ([]byte, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if info.Size() > extract.MaxFileSize {
		return nil, fmt.Errorf("%d bytes is larger than the %d MiB limit for a minutes document", info.Size(), extract.MaxFileSize>>20)
	}
	return os.ReadFile(p)
}

func readIfExists(p string) ([]byte, error) {
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// isDocument skips sidecars and hidden files.
func isDocument(p string) bool {
	base := filepath.Base(p)
	return !extract.IsSidecar(p) && !strings.HasPrefix(base, ".")
}

func walk(root string) ([]string, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", errors.Unwrap(err))
	}
	if !info.IsDir() {
		return []string{root}, nil
	}
	var out []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if isDocument(p) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// SampleLocation prefixes the embedded sample's documents, so they are
// told apart from files of the same name.
const SampleLocation = "sample/"

// LoadSample ingests the embedded sample minutes.
func LoadSample(ctx context.Context, st *store.Store, sample fs.FS) (Summary, error) {
	return FS(ctx, st, sample, SampleLocation, Options{})
}

// LineProgress writes one line per document (for logs and pipes) and, on
// a terminal, a single updating progress line.
type LineProgress struct {
	W        io.Writer
	Terminal bool
	total    int
	done     int
}

func (p *LineProgress) Start(total int) { p.total = total }

func (p *LineProgress) Done(path string, res store.SaveResult, err error) {
	p.done++
	switch {
	case err != nil:
		if p.Terminal {
			fmt.Fprint(p.W, "\r\033[K")
		}
		fmt.Fprintf(p.W, "FAILED %v\n", err)
	case p.Terminal:
		width := 30
		filled := width * p.done / max(p.total, 1)
		fmt.Fprintf(p.W, "\r\033[K[%s%s] %d/%d %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.done, p.total, filepath.Base(path))
	default:
		fmt.Fprintf(p.W, "%s: meeting %s %s (items %d new, %d updated, %d merged)\n", path, res.MeetingKey, res.MeetingStatus, res.ItemsNew, res.ItemsUpdated, res.ItemsMerged)
	}
}

func (p *LineProgress) Finish(Summary) {
	if p.Terminal {
		fmt.Fprint(p.W, "\r\033[K")
	}
}
