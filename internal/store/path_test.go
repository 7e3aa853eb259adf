package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/minutebook/minutebook/internal/store"
)

// A database path may hold any character a folder name can, including
// those that mean something in a URI ('#', '?', '%').
func TestPathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c%d")
	os.MkdirAll(dir, 0o755)
	p := filepath.Join(dir, "x.db")
	st, err := store.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the database is not where it was asked to be: %v", err)
	}
}
