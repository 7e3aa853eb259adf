// Package sampletest builds, for tests, a real archive (SQLite in a temp
// folder, or a fresh PostgreSQL database) and search index from the
// embedded sample minutes.
package sampletest

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/minutebook/minutebook"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/internal/store"
	"github.com/minutebook/minutebook/internal/storetest"
)

// Quiet is a logger that drops everything, for tests.
var Quiet = slog.New(slog.DiscardHandler)

// Archive returns the sample archive and its caught-up index, closed when
// the test ends.
func Archive(t testing.TB) (*store.Store, *search.Index) {
	t.Helper()
	return ArchiveOn(t, storetest.SQLite)
}

// ArchiveOn is Archive on the given backend.
func ArchiveOn(t testing.TB, backend storetest.Backend) (*store.Store, *search.Index) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st := storetest.Open(t, backend)
	if _, err := ingest.LoadSample(ctx, st, minutebook.Sample()); err != nil {
		t.Fatal(err)
	}
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), search.Options{Logger: Quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.CatchUp(ctx, st); err != nil {
		t.Fatal(err)
	}
	return st, ix
}
