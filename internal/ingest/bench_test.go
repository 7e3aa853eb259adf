package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/minutebook/minutebook/internal/corpus"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/store"
)

// BenchmarkImport imports a generated corpus of 100,000 items into a fresh
// SQLite archive and reports items/s. Run with:
//
//	go test ./internal/ingest -run '^$' -bench Import -benchtime 1x
func BenchmarkImport(b *testing.B) {
	const items = 100_000
	dir := b.TempDir()
	src := filepath.Join(dir, "corpus.jsonl")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := corpus.Generate(f, corpus.Options{Items: items, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		st, err := store.Open(context.Background(), filepath.Join(dir, "run", "db"+string(rune('a'+i%26))+".db"))
		if err != nil {
			b.Fatal(err)
		}
		in, _ := os.Open(src)
		sum, err := ingest.Import(context.Background(), st, in, src, nil)
		in.Close()
		st.Close()
		if err != nil {
			b.Fatal(err)
		}
		if sum.ItemsNew != items {
			b.Fatalf("imported %d new items, want %d", sum.ItemsNew, items)
		}
		b.ReportMetric(float64(items)/sum.Elapsed.Seconds(), "items/s")
	}
}
