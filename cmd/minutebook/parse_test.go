package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseBadInput: each bad file gives one line on stderr naming it, the
// good files on the same command line still print, and the exit status is 1.
func TestParseBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := write("empty.txt", nil)
	binary := write("binary.bin", []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0})
	nothing := write("nothing.txt", []byte("Dear resident,\nyour bins are collected on Tuesday.\n"))
	missing := filepath.Join(dir, "missing.txt")
	good := "../../testdata/seeds/003_defd383d8f0b697f.txt"

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"parse", empty, good, binary, nothing, missing}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("stderr has %d lines, want 4:\n%s", len(lines), stderr.String())
	}
	for i, p := range []string{empty, binary, nothing, missing} {
		if !strings.Contains(lines[i], p) {
			t.Errorf("stderr line %q does not name %s", lines[i], p)
		}
	}
	var m struct {
		Format string `json:"format"`
		Items  []any  `json:"items"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &m); err != nil || len(m.Items) != 6 {
		t.Errorf("good file output %q: %v, %d items", stdout.String(), err, len(m.Items))
	}
}

func TestParseOutputContract(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"parse", "--source-url", "https://democracy.leics.gov.uk/ieListDocuments.aspx?MId=1", "../../testdata/seeds/004_bc8dacd3c0e61452.txt"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var m map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"source", "format", "council", "council_slug", "committee", "date", "time", "venue", "attendees", "items"} {
		if _, ok := m[k]; !ok {
			t.Errorf("field %q missing", k)
		}
	}
	if m["date"] != nil || m["council_slug"] != "leicestershire" {
		t.Errorf("date %v (want null), council_slug %v", m["date"], m["council_slug"])
	}
	it := m["items"].([]any)[0].(map[string]any)
	for _, k := range []string{"number", "title", "agenda_text", "text", "truncated", "resolutions", "topics"} {
		if _, ok := it[k]; !ok {
			t.Errorf("item field %q missing", k)
		}
	}
}

func TestUnknownFormatIsUsageError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"parse", "--format", "nope", "x"}, &stdout, &stderr); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}

func TestParseIssuePagePrintsEachMeeting(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"parse", "../../testdata/parse/issue-history.txt"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if n := strings.Count(strings.TrimSpace(stdout.String()), "\n") + 1; n != 2 {
		t.Errorf("%d JSON lines, want one per meeting (2)", n)
	}
}
