package moderngov_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/minutebook/minutebook/internal/moderngov/moderngovtest"
)

var exec_LookPath = exec.LookPath

func pageOf(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moderngovtest.Dir(), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// firstDiff shows where two exports part.
func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-200)
	return "\n got …" + got[from:min(len(got), i+300)] + "\nwant …" + want[from:min(len(want), i+300)]
}
