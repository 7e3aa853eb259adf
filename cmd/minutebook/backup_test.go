package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveInBackground runs `minutebook serve` on a free port until the test
// ends and returns its URL.
func serveInBackground(t *testing.T, data string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--log-level", "error"}, pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d", code)
		}
	})
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if _, u, ok := strings.Cut(sc.Text(), "open "); ok {
			go io.Copy(io.Discard, pr)
			return u
		}
	}
	t.Fatal("serve stopped before listening")
	return ""
}

func stats(t *testing.T, base string) map[string]int64 {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("not ready in 30s")
		}
	}
	resp, err := http.Get(base + "/api/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s map[string]int64
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func export(t *testing.T, data string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"export", "--data", data, "--jsonl", "-"}, &out, &errb); code != 0 {
		t.Fatalf("export exited %d: %s", code, errb.String())
	}
	return out.String()
}

// TestBackupWhileServingRestores: a backup taken while the server answers
// requests, copied into a new data folder, starts and serves the same
// archive (the index is rebuilt from it) and exports identically.
func TestBackupWhileServingRestores(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	corpusFile := filepath.Join(dir, "corpus.jsonl")
	var errb bytes.Buffer
	if code := run(context.Background(), []string{"gen", "--items", "800", "--seed", "5", "--out", corpusFile}, io.Discard, &errb); code != 0 {
		t.Fatalf("gen: %s", errb.String())
	}
	if code := run(context.Background(), []string{"import", "--data", data, "--jsonl", corpusFile}, io.Discard, &errb); code != 0 {
		t.Fatalf("import: %s", errb.String())
	}
	base := serveInBackground(t, data)
	before := stats(t, base)

	// Readers keep the server busy while the backup is written.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if resp, err := http.Get(base + "/search?q=council"); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	backup := filepath.Join(dir, "backup.db")
	var out bytes.Buffer
	code := run(context.Background(), []string{"backup", "--data", data, backup}, &out, &errb)
	close(stop)
	wg.Wait()
	if code != 0 {
		t.Fatalf("backup exited %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "backed up") {
		t.Errorf("backup said %q", out.String())
	}
	// A second backup never overwrites the first.
	errb.Reset()
	if code := run(context.Background(), []string{"backup", "--data", data, backup}, io.Discard, &errb); code != 1 || !strings.Contains(errb.String(), "already exists") {
		t.Errorf("backup over an existing file: exit %d, %q", code, errb.String())
	}

	// Restore: the file is the whole archive; the index is rebuilt.
	restored := filepath.Join(dir, "restored")
	if err := os.MkdirAll(restored, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, "minutebook.db"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	after := stats(t, serveInBackground(t, restored))
	for _, k := range []string{"meetings", "items", "indexed_items", "councils"} {
		if after[k] != before[k] || after[k] == 0 {
			t.Errorf("%s: %d served from the original, %d from the restored backup", k, before[k], after[k])
		}
	}
	if a, b := export(t, data), export(t, restored); a != b {
		t.Errorf("exports differ: original %d bytes, restored %d bytes", len(a), len(b))
	}
}
