package corpus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/minutebook/minutebook/internal/archive"
)

func TestDeterministic(t *testing.T) {
	var a, b, c bytes.Buffer
	if _, err := Generate(&a, Options{Items: 500, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	Generate(&b, Options{Items: 500, Seed: 7})
	Generate(&c, Options{Items: 500, Seed: 8})
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same seed, different corpus")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("different seeds, same corpus")
	}
}

func TestShape(t *testing.T) {
	var buf bytes.Buffer
	st, err := Generate(&buf, Options{Items: 3000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if st.Items != 3000 {
		t.Errorf("%d items, want exactly 3000", st.Items)
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<24)
	councils, topics, items := map[string]bool{}, map[string]int{}, 0
	for sc.Scan() {
		var m archive.Meeting
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m.CouncilSlug == "" || m.Date == "" || len(m.Items) == 0 {
			t.Fatalf("incomplete meeting %+v", m)
		}
		councils[m.CouncilSlug] = true
		for _, it := range m.Items {
			items++
			for _, tp := range it.Topics {
				topics[tp]++
			}
		}
	}
	if items != 3000 || len(councils) < 50 {
		t.Errorf("%d items over %d councils", items, len(councils))
	}
	// Topics are present but rare, as in real minutes.
	for _, tp := range []string{"send", "ehe", "social-worker-recruitment"} {
		if n := topics[tp]; n == 0 || n > items/5 {
			t.Errorf("topic %s on %d of %d items", tp, n, items)
		}
	}
}

func TestBadOptions(t *testing.T) {
	if _, err := Generate(io.Discard, Options{}); err == nil || !strings.Contains(err.Error(), "items") {
		t.Errorf("error %v", err)
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		st, err := Generate(io.Discard, Options{Items: 10000, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(st.TextBytes)
	}
}
