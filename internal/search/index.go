// Package search is Minutebook's full-text search: a Bleve index holding
// one document per agenda item, built from the archive and kept up to date
// by following the archive's change sequence. The index is a projection:
// it can always be rebuilt from the database.
package search

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/minutebook/minutebook/internal/store"
)

// Source is what the index needs from the archive (satisfied by
// *store.Store).
type Source interface {
	Changes(ctx context.Context, after int64, limit int) ([]store.Change, error)
	LastSeq(ctx context.Context) (int64, error)
	Items(ctx context.Context, keys []string) ([]store.ItemView, error)
	ForEachItem(ctx context.Context, fn func(store.ItemView) error) error
}

// Options configure an index.
type Options struct {
	Logger    *slog.Logger // nil: slog.Default()
	BatchSize int          // documents per batch (default 500)
	Shards    int          // index shards searched in parallel (default: one per core, at most 8)
	// MaxPrefixTerms caps how many words one prefix ("educat*") may expand
	// to (default 256): a wildcard storm is refused with a friendly message.
	MaxPrefixTerms int
	// CacheSize is how many recent results are kept until the index
	// changes (default 1024; negative: no cache, as the latency
	// benchmarks run).
	CacheSize int
}

// Index is the search index of one node.
type Index struct {
	idx     *shards
	shards  int
	dir     string
	log     *slog.Logger
	batch   int
	applied atomic.Int64
	th      *thesaurus
	mu      sync.Mutex // one writer: CatchUp and Rebuild
	maxPre  int
	fresh   bool // created empty: needs a full build
	cache   *resultCache
	cols    *columns          // facet values and dates by document, for facets and date order
	impacts *impactCache      // score bounds by block of documents (blockmax.go)
	exact   analysis.Analyzer // the exact fields' analyser, for phrases
	english analysis.Analyzer // title and body's analyser
	// oracle has searches take Bleve's own way where Minutebook has a
	// faster one of its own (sorting by date, phrases, one-word and date
	// queries): tests compare the two.
	oracle bool
}

var (
	keyMappingVersion = []byte("minutebook_mapping_version")
	keyAppliedSeq     = []byte("minutebook_applied_seq")
)

// Open opens the index in dir, creating it when missing. An index of
// another mapping version, or one that cannot be opened (corrupt,
// half-written), is moved aside and created anew; the caller's CatchUp
// then rebuilds it from the database.
func Open(ctx context.Context, dir string, opts Options) (*Index, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	ix := &Index{dir: dir, log: log, batch: opts.BatchSize, th: indexThesaurus, shards: opts.Shards, maxPre: opts.MaxPrefixTerms, cols: newColumns(), impacts: newImpactCache()}
	switch {
	case opts.CacheSize == 0:
		ix.cache = newResultCache(1024)
	case opts.CacheSize > 0:
		ix.cache = newResultCache(opts.CacheSize)
	}
	if ix.maxPre <= 0 {
		ix.maxPre = 256
	}
	if ix.batch <= 0 {
		ix.batch = 500
	}
	if ix.shards <= 0 {
		ix.shards = min(max(runtime.NumCPU(), 1), 8)
	}
	idx, err := openShards(dir, ix.shards)
	switch {
	case err == nil:
		v, _ := idx.getInternal(keyMappingVersion)
		if string(v) != MappingVersion {
			log.Warn("search index has another mapping version; rebuilding from the database", "dir", dir, "found", string(v), "want", MappingVersion)
			idx.close()
			if idx, err = ix.create(); err != nil {
				return nil, err
			}
		}
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist):
		if idx, err = ix.create(); err != nil {
			return nil, err
		}
	default:
		log.Warn("search index cannot be opened; rebuilding from the database", "dir", dir, "err", err)
		if idx, err = ix.create(); err != nil {
			return nil, err
		}
	}
	ix.idx = idx
	for _, a := range []struct {
		to   *analysis.Analyzer
		name string
	}{{&ix.exact, exactAnalyzer}, {&ix.english, en.AnalyzerName}} {
		if *a.to = idx.parts[0].Mapping().AnalyzerNamed(a.name); *a.to == nil {
			idx.close()
			return nil, fmt.Errorf("search: index %s has no %s analyser", dir, a.name)
		}
	}
	if raw, _ := idx.getInternal(keyAppliedSeq); raw != nil {
		n, _ := strconv.ParseInt(string(raw), 10, 64)
		ix.applied.Store(n)
	}
	return ix, nil
}

func (ix *Index) create() (*shards, error) {
	idx, err := createShards(ix.dir, ix.shards)
	if err != nil {
		return nil, err
	}
	if err := idx.setInternal(keyMappingVersion, []byte(MappingVersion)); err != nil {
		idx.close()
		return nil, err
	}
	ix.fresh = true
	return idx, nil
}

// Close closes the index.
func (ix *Index) Close() error { return ix.idx.close() }

// AppliedSeq is the last archive change the index holds.
func (ix *Index) AppliedSeq() int64 { return ix.applied.Load() }

// DocCount is the number of items in the index.
func (ix *Index) DocCount() (uint64, error) { return ix.idx.docCount() }

// CatchUp applies every archive change after AppliedSeq, in batches. A
// fresh index is built whole instead.
func (ix *Index) CatchUp(ctx context.Context, src Source) error {
	return ix.catchUp(ctx, src, false)
}

// catchUp applies changes in batches. Following (yield), it rests after
// each batch as long as the batch took: a long ingest then takes at most
// about half the CPU from the searches being served meanwhile, instead of
// every core until it is done.
func (ix *Index) catchUp(ctx context.Context, src Source, yield bool) error {
	ix.mu.Lock()
	fresh := ix.fresh
	ix.mu.Unlock()
	if fresh {
		return ix.Rebuild(ctx, src)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for {
		start := time.Now()
		limit := 2000
		if yield {
			limit = 250 // short batches: a search waits at most one for the CPU
		}
		changes, err := src.Changes(ctx, ix.applied.Load(), limit)
		if err != nil {
			return fmt.Errorf("search.CatchUp: %w", err)
		}
		if len(changes) == 0 {
			return nil
		}
		// Only the latest change of each item matters.
		latest := map[string]bool{}
		var keys []string
		for _, c := range changes {
			if _, seen := latest[c.ItemKey]; !seen {
				keys = append(keys, c.ItemKey)
			}
			latest[c.ItemKey] = c.Deleted
		}
		var live []string
		for _, k := range keys {
			if !latest[k] {
				live = append(live, k)
			}
		}
		items, err := src.Items(ctx, live)
		if err != nil {
			return fmt.Errorf("search.CatchUp: %w", err)
		}
		b := ix.idx.newBatch()
		found := map[string]bool{}
		for _, v := range items {
			found[v.Key] = true
			if err := b.index(v.Key, document(v)); err != nil {
				return fmt.Errorf("search.CatchUp %s: %w", v.Key, err)
			}
		}
		for _, k := range keys {
			if !found[k] { // deleted, or gone since the change was written
				b.delete(k)
			}
		}
		last := changes[len(changes)-1].Seq
		if err := b.apply([]byte(strconv.FormatInt(last, 10))); err != nil {
			return fmt.Errorf("search.CatchUp: %w", err)
		}
		ix.applied.Store(last)
		if yield && len(changes) == limit { // more to come
			select {
			case <-time.After(time.Since(start)):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// Rebuild indexes every item of the archive from scratch.
func (ix *Index) Rebuild(ctx context.Context, src Source) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	start := time.Now()
	// Changes made while rebuilding are applied by the next CatchUp.
	seq, err := src.LastSeq(ctx)
	if err != nil {
		return err
	}
	if !ix.fresh {
		ix.idx.close()
		idx, err := ix.create()
		if err != nil {
			return err
		}
		ix.idx = idx
		writes.Add(1) // the empty index is a new state
	}
	b := ix.idx.newBatch()
	n := 0
	err = src.ForEachItem(ctx, func(v store.ItemView) error {
		if err := b.index(v.Key, document(v)); err != nil {
			return fmt.Errorf("%s: %w", v.Key, err)
		}
		n++
		if b.size() >= ix.batch*ix.shards {
			if err := b.apply(nil); err != nil {
				return err
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("search.Rebuild: %w", err)
	}
	if err := b.apply([]byte(strconv.FormatInt(seq, 10))); err != nil {
		return fmt.Errorf("search.Rebuild: %w", err)
	}
	ix.applied.Store(seq)
	ix.fresh = false
	built := time.Since(start)
	if err := ix.idx.compact(ctx); err != nil {
		return fmt.Errorf("search.Rebuild: merging segments: %w", err)
	}
	ix.log.Info("search index built from the database", "items", n, "seq", seq, "took", built.Round(time.Millisecond),
		"merged", (time.Since(start) - built).Round(time.Millisecond))
	return nil
}

// Compact merges each shard's segments into one or a few. Rebuild does it;
// it is for an index built before it did.
func (ix *Index) Compact(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.idx.compact(ctx)
}

// Notifier is a Source that can tell when other processes commit changes
// (*store.Store on PostgreSQL, through LISTEN/NOTIFY). Its channel may be
// nil (never fires) and is closed when ctx ends.
type Notifier interface {
	ChangeNotifications(ctx context.Context, log *slog.Logger) <-chan struct{}
}

// Follow keeps the index caught up until ctx ends: at once when the source
// notifies a change (see Notifier), and every period regardless, so a lost
// notification or listener costs at most one period.
func (ix *Index) Follow(ctx context.Context, src Source, every time.Duration) error {
	var wake <-chan struct{}
	if n, ok := src.(Notifier); ok {
		wake = n.ChangeNotifications(ctx, ix.log)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := ix.catchUp(ctx, src, true); err != nil && ctx.Err() == nil {
			ix.log.Error("search index catch-up failed; will retry", "err", err)
		}
		if ctx.Err() == nil {
			ix.warmColumns()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case _, ok := <-wake:
			if !ok {
				wake = nil
			}
		}
	}
}

// warmColumns reads the columns (columns.go) of every segment not yet
// read, so that the first faceted or date-ordered search after a start or
// a batch does not wait for them.
func (ix *Index) warmColumns() {
	ix.eachShardSnapshot(func(i int, snap *scorch.IndexSnapshot) {
		if _, _, err := ix.cols.view(snap); err != nil {
			ix.log.Warn("reading search columns", "shard", i, "err", err)
		}
	})
}

// eachShardSnapshot calls fn with each shard's current snapshot, closed
// after. It stops at a closed index (nil snapshot); a shard whose reader
// cannot be opened is skipped, and the first such error returned.
func (ix *Index) eachShardSnapshot(fn func(shard int, snap *scorch.IndexSnapshot)) error {
	var first error
	for i, p := range ix.idx.parts {
		adv, err := p.Advanced()
		if err != nil {
			first = cmp.Or(first, err)
			continue
		}
		r, err := adv.Reader()
		if err != nil {
			first = cmp.Or(first, err)
			continue
		}
		snap, ok := r.(*scorch.IndexSnapshot)
		if ok && snap == nil {
			return nil // the index has been closed
		}
		if ok {
			fn(i, snap)
		}
		r.Close()
	}
	return first
}

// Settle waits until no shard's segments have changed for quiet: the
// background persisting and merging that follow a build are done. Until
// then, searches compete with the merges for the CPU.
func (ix *Index) Settle(ctx context.Context, quiet time.Duration) error {
	segments := func() (string, error) {
		var b strings.Builder
		err := ix.eachShardSnapshot(func(_ int, snap *scorch.IndexSnapshot) {
			for _, ss := range snap.Segments() {
				fmt.Fprintf(&b, "%p/%d ", ss.Segment(), ss.Count())
			}
			b.WriteString("| ")
		})
		return b.String(), err
	}
	last, err := segments()
	if err != nil {
		return err
	}
	stable := time.Now()
	tick := time.NewTicker(max(min(quiet/10, time.Second), 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("search: waiting for merges: %w", context.Cause(ctx))
		case <-tick.C:
		}
		now, err := segments()
		if err != nil {
			return err
		}
		if now != last {
			last, stable = now, time.Now()
		} else if time.Since(stable) >= quiet {
			return nil
		}
	}
}
