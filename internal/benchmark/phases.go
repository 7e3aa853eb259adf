package benchmark

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/minutebook/minutebook/internal/corpus"
	"github.com/minutebook/minutebook/internal/fts"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/queryset"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/internal/store"
)

// The phases a run is made of. Each runs in its own process (see
// RunPhase), so each reports its own peak memory.
const (
	PhaseCorpus     = "corpus"
	PhaseImport     = "import"
	PhaseBleveBuild = "bleve-build"
	PhaseFTSBuild   = "fts-build"
	PhaseBleveQuery = "bleve-query"
	PhaseFTSQuery   = "fts-query"
)

// Phases lists every phase in run order.
var Phases = []string{PhaseCorpus, PhaseImport, PhaseBleveBuild, PhaseFTSBuild, PhaseBleveQuery, PhaseFTSQuery}

// CorpusInfo describes the generated corpus.
type CorpusInfo struct {
	Items     int     `json:"items"`
	Meetings  int     `json:"meetings"`
	TextBytes int64   `json:"text_bytes"` // titles, agenda text and minutes
	FileBytes int64   `json:"file_bytes"` // the JSONL file
	Seconds   float64 `json:"seconds"`
	Cached    bool    `json:"cached"`
}

// Build is one build step: the import, or an engine's index.
type Build struct {
	Items        int     `json:"items"`
	Seconds      float64 `json:"seconds"`
	ItemsPerSec  float64 `json:"items_per_sec"`
	SizeBytes    int64   `json:"size_bytes"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	BuiltAt      string  `json:"built_at"`
	Cached       bool    `json:"cached"` // measured by an earlier run over the same work folder
	// SettleSeconds is how long the index, opened again after the build,
	// took to finish its background merges (settleIndex).
	SettleSeconds float64 `json:"settle_seconds,omitempty"`
	// CompactSeconds is how long merging the segments of an index built
	// before builds did so took (search.Index.Compact); a build now
	// merges them itself, inside Seconds.
	CompactSeconds float64 `json:"compact_seconds,omitempty"`
	Compacted      bool    `json:"compacted,omitempty"`
}

// QueryRun is one engine answering the query set.
type QueryRun struct {
	Engine       string         `json:"engine"`
	Runs         int            `json:"runs,omitempty"` // separate runs merged by medianOfRuns
	OpenSeconds  float64        `json:"open_seconds"`
	Classes      []ClassLatency `json:"classes"`
	PeakRSSBytes int64          `json:"peak_rss_bytes"`
}

// ClassLatency is the latency of one query class.
type ClassLatency struct {
	Class string `json:"class"`
	Latency
	RunsP99 []float64   `json:"runs_p99_ms,omitempty"` // each run's p99, when several ran
	Queries []QueryHits `json:"queries"`
}

// medianOfRuns merges separate runs of one engine's query phase: each
// class's percentiles are the median over the runs of that percentile
// (a p99 is one slow sample in sixty; one run's can be an outlier), its
// samples their sum. The index opening time is the median too, the peak
// memory the largest.
func medianOfRuns(runs []QueryRun) QueryRun {
	med := func(get func(QueryRun) float64) float64 { return median(runs, get) }
	out := runs[0]
	out.Runs = len(runs)
	out.Classes = slices.Clone(runs[0].Classes)
	out.OpenSeconds = med(func(r QueryRun) float64 { return r.OpenSeconds })
	for _, r := range runs {
		out.PeakRSSBytes = max(out.PeakRSSBytes, r.PeakRSSBytes)
	}
	for i := range out.Classes {
		c := &out.Classes[i]
		at := func(r QueryRun) Latency {
			if i < len(r.Classes) {
				return r.Classes[i].Latency
			}
			return Latency{}
		}
		c.P50 = med(func(r QueryRun) float64 { return at(r).P50 })
		c.P95 = med(func(r QueryRun) float64 { return at(r).P95 })
		c.P99 = med(func(r QueryRun) float64 { return at(r).P99 })
		c.Mean = med(func(r QueryRun) float64 { return at(r).Mean })
		c.Samples, c.Max, c.RunsP99 = 0, 0, nil
		for _, r := range runs {
			l := at(r)
			c.Samples += l.Samples
			c.Max = max(c.Max, l.Max)
			c.RunsP99 = append(c.RunsP99, l.P99)
		}
	}
	return out
}

// QueryHits records how many items a query found, so a reader can see
// whether two engines answered the same question.
type QueryHits struct {
	Query string `json:"query"`
	Hits  uint64 `json:"hits"`
	Error string `json:"error,omitempty"`
}

// layout is where a run keeps its files under the work folder. data/ is
// laid out as `serve --data` expects it.
type layout struct {
	dir, corpus, corpusInfo, data, db, index, fts string
}

func (c Config) layout() layout {
	dir := filepath.Join(c.Work, fmt.Sprintf("items-%d-seed-%d", c.Items, c.Seed))
	data := filepath.Join(dir, "data")
	return layout{
		dir: dir, corpus: filepath.Join(dir, "corpus.jsonl"), corpusInfo: filepath.Join(dir, "corpus.json"),
		data: data, db: filepath.Join(data, "minutebook.db"), index: filepath.Join(data, "index"),
		fts: filepath.Join(dir, "fts.db"),
	}
}

// record is where a build phase keeps its measurement for later runs. The
// Bleve record is per mapping version: another mapping is another build.
func (l layout) record(phase string) string {
	if phase == PhaseBleveBuild {
		return filepath.Join(l.dir, phase+"-m"+search.MappingVersion+".json")
	}
	return filepath.Join(l.dir, phase+".json")
}

// RunPhase runs one phase in this process and returns its result, for
// the child process to print as JSON.
func RunPhase(ctx context.Context, phase string, c Config) (any, error) {
	c = c.withDefaults()
	l := c.layout()
	if err := os.MkdirAll(l.data, 0o755); err != nil {
		return nil, err
	}
	switch phase {
	case PhaseCorpus:
		return genCorpus(l, c)
	case PhaseImport:
		return importCorpus(ctx, l, c)
	case PhaseBleveBuild:
		return buildBleve(ctx, l, c)
	case PhaseFTSBuild:
		return buildFTS(ctx, l, c)
	case PhaseBleveQuery:
		return queryBleve(ctx, l, c)
	case PhaseFTSQuery:
		return queryFTS(ctx, l, c)
	}
	return nil, fmt.Errorf("unknown phase %q (want one of %s)", phase, strings.Join(Phases, ", "))
}

func genCorpus(l layout, c Config) (CorpusInfo, error) {
	var info CorpusInfo
	if readJSON(l.corpusInfo, &info) == nil && !c.Rebuild {
		info.Cached = true
		return info, nil
	}
	start := time.Now()
	// Written aside and renamed: a reader never sees half a corpus.
	f, err := os.CreateTemp(l.dir, "corpus-*.tmp")
	if err != nil {
		return info, err
	}
	defer os.Remove(f.Name())
	st, err := corpus.Generate(f, corpus.Options{Items: c.Items, Seed: c.Seed})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), l.corpus)
	}
	if err != nil {
		return info, fmt.Errorf("generating %s: %w", l.corpus, err)
	}
	info = CorpusInfo{Items: st.Items, Meetings: st.Meetings, TextBytes: st.TextBytes, FileBytes: fileSize(l.corpus), Seconds: time.Since(start).Seconds()}
	return info, writeJSON(l.corpusInfo, info)
}

func importCorpus(ctx context.Context, l layout, c Config) (Build, error) {
	var b Build
	if readJSON(l.record(PhaseImport), &b) == nil && !c.Rebuild {
		b.Cached = true
		return b, nil
	}
	// Whatever is there is from an interrupted or older run: start clean,
	// indexes included (they follow the archive).
	for _, p := range []string{l.db, l.db + "-wal", l.db + "-shm", l.fts} {
		os.Remove(p)
	}
	os.RemoveAll(l.index)
	for _, phase := range []string{PhaseBleveBuild, PhaseFTSBuild} {
		os.Remove(l.record(phase))
	}
	st, err := store.Open(ctx, l.db)
	if err != nil {
		return b, err
	}
	defer st.Close()
	in, err := os.Open(l.corpus)
	if err != nil {
		return b, err
	}
	defer in.Close()
	sum, err := ingest.Import(ctx, st, in, l.corpus, nil)
	if err != nil {
		return b, err
	}
	if len(sum.Failures) > 0 {
		return b, fmt.Errorf("import: %d documents failed, first: %s: %s", len(sum.Failures), sum.Failures[0].Path, sum.Failures[0].Reason)
	}
	b = Build{Items: sum.ItemsNew, Seconds: sum.Elapsed.Seconds(), ItemsPerSec: float64(sum.ItemsNew) / sum.Elapsed.Seconds(),
		SizeBytes: fileSize(l.db) + fileSize(l.db+"-wal"), PeakRSSBytes: PeakRSS(), BuiltAt: now()}
	return b, writeJSON(l.record(PhaseImport), b)
}

var quiet = slog.New(slog.DiscardHandler)

func buildBleve(ctx context.Context, l layout, c Config) (Build, error) {
	var b Build
	if c.Rebuild {
		os.RemoveAll(l.index)
		os.Remove(l.record(PhaseBleveBuild))
	}
	st, err := store.Open(ctx, l.db)
	if err != nil {
		return b, err
	}
	defer st.Close()
	start := time.Now()
	ix, err := search.Open(ctx, l.index, search.Options{Logger: quiet, BatchSize: 2000})
	if err != nil {
		return b, err
	}
	n, err := ix.DocCount()
	if err != nil {
		ix.Close()
		return b, err
	}
	// An index that opened with documents in it was built by an earlier
	// run (an index of another mapping version opens empty and rebuilds).
	fresh := n == 0
	if err := ix.CatchUp(ctx, st); err != nil {
		ix.Close()
		return b, err
	}
	took := time.Since(start)
	n, err = ix.DocCount()
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return b, err
	}
	if !fresh && readJSON(l.record(PhaseBleveBuild), &b) == nil {
		if !b.Compacted {
			compacted, err := compactIndex(ctx, l.index)
			if err != nil {
				return b, err
			}
			b.CompactSeconds, b.Compacted = compacted.Seconds(), true
			if err := writeJSON(l.record(PhaseBleveBuild), b); err != nil {
				return b, err
			}
		}
		b.Cached, b.SizeBytes = true, dirSize(l.index)
		return b, nil
	}
	settled, err := settleIndex(ctx, l.index)
	if err != nil {
		return b, err
	}
	b = Build{Items: int(n), Seconds: took.Seconds(), ItemsPerSec: float64(n) / took.Seconds(),
		SizeBytes: dirSize(l.index), PeakRSSBytes: PeakRSS(), BuiltAt: now(), SettleSeconds: settled.Seconds(), Compacted: fresh}
	if !fresh {
		// Caught up an index of unknown origin: not a build time.
		b.Seconds, b.ItemsPerSec = 0, 0
	}
	return b, writeJSON(l.record(PhaseBleveBuild), b)
}

// settleIndex opens the index and waits for its background merges, so its
// size is the settled index's and the query phases do not compete with
// the merges. They run when an index is opened: the last batches of a
// build leave a tail of small segments that the build's own merger does
// not take up.
func settleIndex(ctx context.Context, dir string) (time.Duration, error) {
	start := time.Now()
	ix, err := search.Open(ctx, dir, search.Options{Logger: quiet})
	if err != nil {
		return 0, err
	}
	err = ix.Settle(ctx, 10*time.Second)
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	return time.Since(start), err
}

// compactIndex merges the segments of an index built before builds did,
// then waits for the merges that follow.
func compactIndex(ctx context.Context, dir string) (time.Duration, error) {
	start := time.Now()
	ix, err := search.Open(ctx, dir, search.Options{Logger: quiet})
	if err != nil {
		return 0, err
	}
	err = ix.Compact(ctx)
	if err == nil {
		err = ix.Settle(ctx, 10*time.Second)
	}
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	took := time.Since(start)
	// The merged-away segments' files may still be on disk: opening the
	// index removes them, so the size measured is the index's.
	ix, err = search.Open(ctx, dir, search.Options{Logger: quiet})
	if err != nil {
		return 0, err
	}
	return took, ix.Close()
}

func buildFTS(ctx context.Context, l layout, c Config) (Build, error) {
	var b Build
	if _, err := os.Stat(l.fts); err == nil && !c.Rebuild && readJSON(l.record(PhaseFTSBuild), &b) == nil {
		b.Cached, b.SizeBytes = true, fileSize(l.fts)
		return b, nil
	}
	st, err := store.Open(ctx, l.db)
	if err != nil {
		return b, err
	}
	defer st.Close()
	stats, err := fts.Build(ctx, l.fts, st, 5000)
	if err != nil {
		return b, err
	}
	b = Build{Items: stats.Items, Seconds: stats.Took.Seconds(), ItemsPerSec: float64(stats.Items) / stats.Took.Seconds(),
		SizeBytes: fileSize(l.fts), PeakRSSBytes: PeakRSS(), BuiltAt: now()}
	return b, writeJSON(l.record(PhaseFTSBuild), b)
}

// searcher is what both engines offer the query phase.
type searcher func(ctx context.Context, req search.Request) (*search.Result, error)

func queryBleve(ctx context.Context, l layout, c Config) (QueryRun, error) {
	start := time.Now()
	// No result cache: the timed rounds repeat each query, and every one
	// must do the full work.
	ix, err := search.Open(ctx, l.index, search.Options{Logger: quiet, CacheSize: -1})
	if err != nil {
		return QueryRun{}, err
	}
	defer ix.Close()
	if n, err := ix.DocCount(); err != nil || n == 0 {
		return QueryRun{}, fmt.Errorf("the Bleve index in %s is empty or unreadable (%v): run the %s phase first", l.index, err, PhaseBleveBuild)
	}
	return runQueries(ctx, "minutebook", ix.Search, time.Since(start), c.Repeat, c.ClassBudget)
}

func queryFTS(ctx context.Context, l layout, c Config) (QueryRun, error) {
	start := time.Now()
	ix, err := fts.Open(ctx, l.fts)
	if err != nil {
		return QueryRun{}, err
	}
	defer ix.Close()
	return runQueries(ctx, "fts5", ix.Search, time.Since(start), c.Repeat, c.ClassBudget)
}

// runQueries runs the fixed query set: one untimed pass (warm caches, and
// the hit counts), then repeat timed rounds through each class's queries,
// fewer (but at least 3) when a class runs past budget: at a million items
// a slow engine would otherwise take hours.
func runQueries(ctx context.Context, engine string, s searcher, open time.Duration, repeat int, budget time.Duration) (QueryRun, error) {
	run := QueryRun{Engine: engine, OpenSeconds: open.Seconds()}
	for _, class := range queryset.Classes {
		cl := ClassLatency{Class: class.Name}
		var lat []time.Duration
		ok := make([]bool, len(class.Requests))
		for i, req := range class.Requests {
			req.PerPage = 20
			q := QueryHits{Query: Describe(req)}
			res, err := s(ctx, req)
			if err != nil {
				if ctx.Err() != nil {
					return run, ctx.Err()
				}
				q.Error = err.Error()
			} else {
				q.Hits, ok[i] = res.Total, true
			}
			cl.Queries = append(cl.Queries, q)
		}
		classStart := time.Now()
		for r := 0; r < repeat && (r < 3 || time.Since(classStart) < budget); r++ {
			for i, req := range class.Requests {
				if !ok[i] {
					continue
				}
				req.PerPage = 20
				start := time.Now()
				if _, err := s(ctx, req); err != nil {
					return run, fmt.Errorf("%s %s %q: %w", engine, class.Name, req.Query, err)
				}
				lat = append(lat, time.Since(start))
			}
		}
		cl.Latency = summarise(lat)
		run.Classes = append(run.Classes, cl)
	}
	run.PeakRSSBytes = PeakRSS()
	return run, nil
}

// Describe renders a request on one line: the query and its filters.
func Describe(r search.Request) string {
	parts := []string{r.Query}
	if len(r.Councils) > 0 {
		parts = append(parts, "council="+strings.Join(r.Councils, ","))
	}
	if r.From != "" || r.To != "" {
		parts = append(parts, "date="+r.From+".."+r.To)
	}
	if r.Facets {
		parts = append(parts, "+facets")
	}
	if r.Highlight {
		parts = append(parts, "+snippets")
	}
	return strings.Join(parts, " ")
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
