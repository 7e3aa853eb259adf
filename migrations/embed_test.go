package migrations

import (
	"io/fs"
	"strings"
	"testing"
)

// TestDialectOverlay: a dialect sees its own copy of a migration where
// there is one, the shared file elsewhere, and the same list of files.
func TestDialectOverlay(t *testing.T) {
	shared, err := fs.Glob(For(""), "*.sql")
	if err != nil || len(shared) == 0 {
		t.Fatalf("shared migrations %v %v", shared, err)
	}
	pg, err := fs.Glob(For("postgres"), "*.sql")
	if err != nil || strings.Join(pg, ",") != strings.Join(shared, ",") {
		t.Fatalf("postgres sees %v, want %v (%v)", pg, shared, err)
	}
	for _, name := range shared {
		base, _ := fs.ReadFile(FS, name)
		own, ownErr := fs.ReadFile(FS, "postgres/"+name)
		got, err := fs.ReadFile(For("postgres"), name)
		if err != nil {
			t.Fatal(err)
		}
		want := base
		if ownErr == nil {
			want = own
		}
		if string(got) != string(want) {
			t.Errorf("postgres %s: not the dialect's own copy where it has one", name)
		}
	}
	// Every dialect copy overrides a shared migration: none is extra.
	extra, _ := fs.Glob(FS, "postgres/*.sql")
	for _, p := range extra {
		if _, err := fs.Stat(FS, strings.TrimPrefix(p, "postgres/")); err != nil {
			t.Errorf("%s has no shared migration of the same name", p)
		}
	}
	if got, _ := fs.ReadFile(For("postgres"), "00001_archive.sql"); !strings.Contains(string(got), "GENERATED") {
		t.Error("postgres 00001_archive.sql is not the identity-column copy")
	}
}
