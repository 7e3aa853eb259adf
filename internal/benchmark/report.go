package benchmark

import (
	"fmt"
	"strings"
)

// classTargets are the p99 targets (ms, at 1,000,000 items).
var classTargets = map[string]float64{"phrase": 50, "phrase-common-words": 50, "phrase-council-date": 50}

const defaultTarget = 100

// Markdown renders the report as the tables committed under docs/bench.
func (r *Report) Markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Minutebook vs SQLite FTS5: %s items\n\n", thousands(int64(r.Items)))
	m := r.Machine
	p("Measured %s on %s, %d cores, %s RAM, %s %s", r.Started, m.CPU, m.Cores, bytesIEC(m.RAMBytes), m.Go, m.OS)
	if m.Commit != "" {
		p(", commit %s", m.Commit)
	}
	p(". Load average (1/5/15 min) %s at the start, %s at the end.", m.LoadStart, m.LoadEnd)
	if r.Note != "" {
		p(" %s", r.Note)
	}
	p("\n\nReproduce:\n\n```sh\n%s\n```\n\n", r.Command)
	p("Corpus: %s items in %s meetings (seed %d), %s of text (titles, agenda text, minutes), %s as JSON lines.",
		thousands(int64(r.Corpus.Items)), thousands(int64(r.Corpus.Meetings)), r.Seed, bytesIEC(r.Corpus.TextBytes), bytesIEC(r.Corpus.FileBytes))
	p(" Whole run took %s.\n\n", seconds(r.Seconds))

	p("## Build\n\n")
	p("| | Minutebook (Bleve) | SQLite FTS5 | FTS5 / Minutebook |\n|---|---:|---:|---:|\n")
	p("| Import into the archive | %s (%s items/s) | same archive | |\n", seconds(r.Import.Seconds), thousands(int64(r.Import.ItemsPerSec)))
	p("| Index build | %s | %s | %s |\n", seconds(r.Bleve.Seconds), seconds(r.FTS.Seconds), ratio(r.FTS.Seconds, r.Bleve.Seconds))
	if r.Bleve.SettleSeconds > 0 {
		p("| Background merges after the build (waited for) | %s | | |\n", seconds(r.Bleve.SettleSeconds))
	}
	if r.Bleve.CompactSeconds > 0 {
		p("| Merging each shard's segments, run on the index after it was built | %s | | |\n", seconds(r.Bleve.CompactSeconds))
	}
	p("| Items/s | %s | %s | %s |\n", thousands(int64(r.Bleve.ItemsPerSec)), thousands(int64(r.FTS.ItemsPerSec)), ratio(r.FTS.ItemsPerSec, r.Bleve.ItemsPerSec))
	p("| Index size on disk | %s | %s | %s |\n", bytesIEC(r.Bleve.SizeBytes), bytesIEC(r.FTS.SizeBytes), ratio(float64(r.FTS.SizeBytes), float64(r.Bleve.SizeBytes)))
	p("| Index size / raw text | %s | %s | |\n", ratio(float64(r.Bleve.SizeBytes), float64(r.Corpus.TextBytes)), ratio(float64(r.FTS.SizeBytes), float64(r.Corpus.TextBytes)))
	p("| Peak memory, build | %s | %s | |\n", bytesIEC(r.Bleve.PeakRSSBytes), bytesIEC(r.FTS.PeakRSSBytes))
	p("| Peak memory, query run | %s | %s | |\n\n", bytesIEC(r.BleveQueries.PeakRSSBytes), bytesIEC(r.FTSQueries.PeakRSSBytes))
	p("Import peak memory %s; archive database %s. The FTS5 size is its whole database: the text (external content) plus the full-text index and filter columns. ",
		bytesIEC(r.Import.PeakRSSBytes), bytesIEC(r.Import.SizeBytes))
	var cached []string
	for _, c := range []struct {
		name string
		b    Build
	}{{"import", r.Import}, {"Minutebook index", r.Bleve}, {"FTS5 index", r.FTS}} {
		if c.b.Cached {
			cached = append(cached, fmt.Sprintf("%s (built %s)", c.name, c.b.BuiltAt))
		}
	}
	if len(cached) > 0 {
		p("Reused from an earlier run over the same work folder, with the times measured then: %s.", strings.Join(cached, ", "))
	}
	p("\n\n")

	p("## Query latency (in-process, ms)\n\n")
	p("Each class's queries run once untimed, then %d timed rounds (fewer, at least 3, for a class past %s: n says how many samples); 20 results per page. Ratio is FTS5 / Minutebook: above 1, Minutebook is faster. \"Same hits\" counts the class's queries for which both engines found the same number of items (see below): where they differ, the ratio compares different work.\n\n", r.Repeat, r.ClassBudget)
	p("| Class | n | Minutebook p50 | p95 | p99 | FTS5 p50 | p95 | p99 | ratio p50 | ratio p99 | same hits | p99 target |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	fts := map[string]ClassLatency{}
	for _, c := range r.FTSQueries.Classes {
		fts[c.Class] = c
	}
	for _, c := range r.BleveQueries.Classes {
		f := fts[c.Class]
		target := defaultTarget
		if t, ok := classTargets[c.Class]; ok {
			target = int(t)
		}
		mark := "✓"
		if c.P99 > float64(target) {
			mark = "✗"
		}
		same := 0
		for i, q := range c.Queries {
			if i < len(f.Queries) && q.Hits == f.Queries[i].Hits && q.Error == "" && f.Queries[i].Error == "" {
				same++
			}
		}
		p("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %d/%d | ≤ %d %s |\n", c.Class, c.Samples, ms(c.P50), ms(c.P95), ms(c.P99),
			ms(f.P50), ms(f.P95), ms(f.P99), ratio(f.P50, c.P50), ratio(f.P99, c.P99), same, len(c.Queries), target, mark)
	}
	p("\nOpening the index: Minutebook %s, FTS5 %s.\n\n", seconds(r.BleveQueries.OpenSeconds), seconds(r.FTSQueries.OpenSeconds))
	if n := r.BleveQueries.Runs; n > 1 {
		p("Minutebook's query phase ran %d times, each in a new process; its figures above are the median over the runs of each percentile (n counts every run's samples). FTS5's ran once: it takes minutes, and its ratios are far from 1. Each run's Minutebook p99 (ms):\n\n", n)
		p("| Class |")
		for i := 0; i < n; i++ {
			p(" run %d |", i+1)
		}
		p("\n|---|%s\n", strings.Repeat("---:|", n))
		for _, c := range r.BleveQueries.Classes {
			p("| %s |", c.Class)
			for _, v := range c.RunsP99 {
				p(" %s |", ms(v))
			}
			p("\n")
		}
		p("\n")
	}

	p("### Hits per query\n\n")
	p("The engines differ by design in places: Minutebook expands acronyms (SEND, EHCP) and long forms, matches quoted phrases unstemmed and drops stop words from unquoted words; FTS5 (porter) stems phrases and keeps stop words. Rows marked ≠ are not the same question for both.\n\n")
	p("| Class | Query | Minutebook | FTS5 | |\n|---|---|---:|---:|---|\n")
	for _, c := range r.BleveQueries.Classes {
		f := fts[c.Class]
		for i, q := range c.Queries {
			var fq QueryHits
			if i < len(f.Queries) {
				fq = f.Queries[i]
			}
			same := ""
			if q.Hits != fq.Hits || q.Error != "" || fq.Error != "" {
				same = "≠"
			}
			p("| %s | `%s` | %s | %s | %s |\n", c.Class, q.Query, hits(q), hits(fq), same)
		}
	}

	s := r.Serve
	p("\n## Serving (Minutebook)\n\n")
	p("`serve` ready (`/readyz` 200) with an existing index: median %s over %d starts (%s); target ≤ 2 s. Peak memory of the serving process after the load: %s (target ≤ 2 GiB).\n\n",
		msText(s.ColdStartMedianMS), len(s.ColdStartMS), joinMS(s.ColdStartMS), bytesIEC(s.PeakRSSBytes))
	p("HTTP over loopback against the real server, %d concurrent clients, the load generator on the same machine", s.SearchPage.Clients)
	if n := len(s.SearchPage.RunsP99); n > 1 {
		p("; each page kind loaded %d times, in turn with the other, and each figure the median over the runs (each run's below the table)", n)
	}
	p(":\n\n")
	p("| Page | URLs | s | requests | errors | pages/s | p50 ms | p95 ms | p99 ms | target |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	p("| Search (faceted, highlighted) | %d | %.0f | %d | %d | %.0f | %s | %s | %s | ≥ 300/s, p99 ≤ 150 ms |\n", s.SearchPage.URLs, s.SearchPage.Seconds,
		s.SearchPage.Requests, s.SearchPage.Errors, s.SearchPage.PerSec, ms(s.SearchPage.P50), ms(s.SearchPage.P95), ms(s.SearchPage.P99))
	p("| Item | %d | %.0f | %d | %d | %.0f | %s | %s | %s | ≥ 3,000/s |\n", s.ItemPage.URLs, s.ItemPage.Seconds,
		s.ItemPage.Requests, s.ItemPage.Errors, s.ItemPage.PerSec, ms(s.ItemPage.P50), ms(s.ItemPage.P95), ms(s.ItemPage.P99))
	if c := s.SearchPageCached; c != nil {
		p("| Search, result cache on (not the target's measure) | %d | %.0f | %d | %d | %.0f | %s | %s | %s | |\n", c.URLs, c.Seconds,
			c.Requests, c.Errors, c.PerSec, ms(c.P50), ms(c.P95), ms(c.P99))
		p("\nThe first two rows run with the result cache off, so every search page is searched in full. The last row is the same search pages on a server as it runs by default, with the result cache on: these few URLs are then answered from the cache after their first request, which is what repeated popular searches cost, not what a new search costs.\n")
	}
	for _, l := range []struct {
		name string
		load HTTPLoad
	}{{"search", s.SearchPage}, {"item", s.ItemPage}} {
		if len(l.load.RunsP99) > 1 {
			var runs []string
			for i := range l.load.RunsP99 {
				runs = append(runs, fmt.Sprintf("%.0f/s, p99 %s ms", l.load.RunsPerSec[i], ms(l.load.RunsP99[i])))
			}
			p("\nRuns of the %s page: %s.\n", l.name, strings.Join(runs, "; "))
		}
	}
	return b.String()
}

func hits(q QueryHits) string {
	if q.Error != "" {
		return "error: " + q.Error
	}
	return thousands(int64(q.Hits))
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func ms(v float64) string {
	switch {
	case v == 0:
		return "–"
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func msText(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2f s", v/1000)
	}
	return fmt.Sprintf("%.0f ms", v)
}

func joinMS(vs []float64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = msText(v)
	}
	return strings.Join(parts, ", ")
}

func seconds(s float64) string {
	switch {
	case s == 0:
		return "–"
	case s < 1:
		return fmt.Sprintf("%.0f ms", s*1000)
	case s < 120:
		return fmt.Sprintf("%.1f s", s)
	}
	return fmt.Sprintf("%.1f min", s/60)
}

func bytesIEC(n int64) string {
	switch {
	case n == 0:
		return "–"
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
}

// thousands writes 1234567 as 1,234,567.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
