package benchmark

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// Machine describes where a run was measured.
type Machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	RAMBytes  int64  `json:"ram_bytes"`
	Go        string `json:"go"`
	OS        string `json:"os"`
	Kernel    string `json:"kernel,omitempty"`
	Commit    string `json:"commit,omitempty"`
	LoadStart string `json:"load_average_start,omitempty"`
	LoadEnd   string `json:"load_average_end,omitempty"`
}

// binaryCommit is the commit this binary was built from, as go build
// stamps it, or "": the code measured, wherever the bench is run from.
// (go run and go test binaries carry no stamp; then the working folder's
// git says.)
func binaryCommit() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if len(rev) > 7 {
		rev = rev[:7]
	}
	if rev != "" && modified == "true" {
		rev += " (with uncommitted changes)"
	}
	return rev
}

// checkoutCommit is the commit of the git checkout bench runs in, or "".
func checkoutCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	c := strings.TrimSpace(string(out))
	// Earlier reports under docs/bench do not change what is measured.
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/bench").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		c += " (with uncommitted changes)"
	}
	return c
}

func describeMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, CPU: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	m.RAMBytes = procField("/proc/meminfo", "MemTotal")
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	m.Commit = binaryCommit()
	if m.Commit == "" {
		m.Commit = checkoutCommit()
	}
	m.LoadStart = loadAverage()
	return m
}

// loadAverage is the 1, 5 and 15 minute load average: on a shared machine
// it says how much else was running.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// PeakRSS is this process's peak resident memory (VmHWM), 0 where
// /proc is missing.
func PeakRSS() int64 { return procField("/proc/self/status", "VmHWM") }

// peakRSSOf is another process's peak resident memory.
func peakRSSOf(pid int) int64 { return procField(fmt.Sprintf("/proc/%d/status", pid), "VmHWM") }

// procField reads a "Name:   123 kB" line of a /proc file, in bytes.
func procField(path, name string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != name {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			return 0
		}
		n, _ := strconv.ParseInt(fields[0], 10, 64)
		if len(fields) > 1 && fields[1] == "kB" {
			n *= 1024
		}
		return n
	}
	return 0
}
