package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestBenchFlags: bad flags are usage errors (exit 2) naming the fault.
func TestBenchFlags(t *testing.T) {
	for _, args := range [][]string{{"--items", "0"}, {"--repeat", "-1"}, {"--clients", "x"}, {"extra"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), append([]string{"bench"}, args...), &stdout, &stderr); code != 2 {
			t.Errorf("bench %v: exit %d, want 2 (stderr %q)", args, code, stderr.String())
		}
	}
}

// TestBenchPhase: a child phase prints its result as JSON, and an unknown
// phase is an error naming the phases there are.
func TestBenchPhase(t *testing.T) {
	work := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"bench", "--phase", "corpus", "--items", "50", "--work", work}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var info struct{ Items int }
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil || info.Items != 50 {
		t.Errorf("phase output %q: %v", stdout.String(), err)
	}
	stderr.Reset()
	if code := run(context.Background(), []string{"bench", "--phase", "nope", "--work", work}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "fts-query") {
		t.Errorf("unknown phase: exit %d, stderr %q", code, stderr.String())
	}
}
