package search

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"golang.org/x/sync/errgroup"
)

// The index is split into shards, one per core by default: a search runs
// on every shard at once (a Bleve index alias) and the results merge, so
// a query's work is spread over the cores. An item lives in the shard its
// key hashes to. Index-wide facts (mapping version, applied sequence) are
// kept in shard 0.

type shards struct {
	parts []bleve.Index
	alias bleve.IndexAlias
}

func shardDir(dir string, i int) string { return filepath.Join(dir, "shard-"+strconv.Itoa(i)) }

// openShards opens n shards under dir; any missing or unreadable shard is
// an error (the caller then recreates them all).
func openShards(dir string, n int) (*shards, error) {
	s := &shards{}
	for i := 0; i < n; i++ {
		idx, err := bleve.Open(shardDir(dir, i))
		if err != nil {
			s.close()
			return nil, err
		}
		s.parts = append(s.parts, idx)
	}
	if _, err := os.Stat(shardDir(dir, n)); err == nil {
		s.close()
		return nil, fmt.Errorf("index has more than %d shards", n)
	}
	s.alias = bleve.NewIndexAlias(s.parts...)
	return s, nil
}

func createShards(dir string, n int) (*shards, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("search: removing old index %s: %w", dir, err)
	}
	s := &shards{}
	for i := 0; i < n; i++ {
		idx, err := bleve.New(shardDir(dir, i), newMapping())
		if err != nil {
			s.close()
			return nil, fmt.Errorf("search: creating index %s: %w", dir, err)
		}
		s.parts = append(s.parts, idx)
	}
	s.alias = bleve.NewIndexAlias(s.parts...)
	return s, nil
}

func (s *shards) close() error {
	var first error
	for _, p := range s.parts {
		if err := p.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *shards) of(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(len(s.parts)))
}

func (s *shards) getInternal(k []byte) ([]byte, error) { return s.parts[0].GetInternal(k) }
func (s *shards) setInternal(k, v []byte) error        { return s.parts[0].SetInternal(k, v) }
func (s *shards) docCount() (uint64, error)            { return s.alias.DocCount() }

// search runs r on every shard at once. Results ranked by score alone are
// merged here, in an order fixed by the index's segments: the alias sorts
// the shards' hits together in the order they arrive, so items of equal
// score could swap across a page boundary from one search to the next,
// and paging would show one twice and another never.
func (s *shards) search(ctx context.Context, r *bleve.SearchRequest) (*bleve.SearchResult, error) {
	if len(s.parts) == 1 || !byScoreAlone(r) {
		return s.alias.SearchInContext(ctx, r)
	}
	start := time.Now()
	results := make([]*bleve.SearchResult, len(s.parts))
	g, gctx := errgroup.WithContext(ctx)
	for i, p := range s.parts {
		part := *r // each shard's best From+Size, as the alias asks
		part.From, part.Size = 0, r.From+r.Size
		g.Go(func() (err error) {
			results[i], err = p.SearchInContext(gctx, &part)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := &bleve.SearchResult{Request: r, Status: &bleve.SearchStatus{Total: len(s.parts), Successful: len(s.parts)}}
	for _, res := range results {
		out.Total += res.Total
		out.MaxScore = max(out.MaxScore, res.MaxScore)
		out.Hits = append(out.Hits, res.Hits...)
	}
	// By score, then document number, then shard (the sort is stable): a
	// shard's hits are its first From+Size in that order, so every item
	// in the first From+Size overall is among them.
	sort.SliceStable(out.Hits, func(i, j int) bool {
		a, b := out.Hits[i], out.Hits[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return bytes.Compare(a.IndexInternalID, b.IndexInternalID) < 0
	})
	out.Hits = out.Hits[:min(len(out.Hits), r.From+r.Size)]
	out.Hits = out.Hits[min(r.From, len(out.Hits)):]
	out.Took = time.Since(start)
	return out, nil
}

// byScoreAlone reports whether r ranks by score alone and asks for
// nothing the alias would merge besides hits (facets, a search after).
func byScoreAlone(r *bleve.SearchRequest) bool {
	if len(r.Facets) > 0 || r.SearchAfter != nil || r.SearchBefore != nil || len(r.Sort) != 1 {
		return false
	}
	sc, ok := r.Sort[0].(*bsearch.SortScore)
	return ok && sc.Desc
}

// compact merges each shard's segments, the shards in parallel. A search
// opens each of its terms in every segment, and a build leaves many: at a
// million items, 18 per shard, merged as far as Bleve's merge policy goes
// while documents arrive. Merged, the search pages took 8.5 ms each in
// process, against 10.1 (BenchmarkSearchPages). Bleve's single-segment
// plan merges ten segments at a time, so two or three may remain.
func (s *shards) compact(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, p := range s.parts {
		g.Go(func() error {
			adv, err := p.Advanced()
			if err != nil {
				return err
			}
			sc, ok := adv.(*scorch.Scorch)
			if !ok {
				return nil
			}
			return sc.ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions)
		})
	}
	return g.Wait()
}

// shardBatch is one batch per shard, applied together.
type shardBatch struct {
	s     *shards
	parts []*bleve.Batch
	n     int
}

func (s *shards) newBatch() *shardBatch {
	b := &shardBatch{s: s}
	for _, p := range s.parts {
		b.parts = append(b.parts, p.NewBatch())
	}
	return b
}

func (b *shardBatch) index(key string, doc any) error {
	b.n++
	return b.parts[b.s.of(key)].Index(key, doc)
}
func (b *shardBatch) delete(key string) { b.n++; b.parts[b.s.of(key)].Delete(key) }
func (b *shardBatch) size() int         { return b.n }

// apply writes every shard's batch (in parallel), then records the
// sequence in shard 0. A crash in between leaves the sequence behind the
// documents, and re-applying changes is harmless.
func (b *shardBatch) apply(seq []byte) error {
	var g errgroup.Group
	for i, p := range b.s.parts {
		if b.parts[i].Size() == 0 {
			continue
		}
		g.Go(func() error { return p.Batch(b.parts[i]) })
	}
	err := g.Wait()
	writes.Add(1) // after the write, so no search caches the old state as new
	if err != nil {
		return err
	}
	for _, pb := range b.parts {
		pb.Reset()
	}
	b.n = 0
	if seq != nil {
		return b.s.setInternal(keyAppliedSeq, seq)
	}
	return nil
}

// prefixTerms counts the distinct words starting with prefix in field, up
// to limit+1 (enough to tell that a limit is passed).
func (s *shards) prefixTerms(field, prefix string, limit int) (int, error) {
	seen := map[string]bool{}
	for _, p := range s.parts {
		d, err := p.FieldDictPrefix(field, []byte(prefix))
		if err != nil {
			return 0, err
		}
		for {
			e, err := d.Next()
			if err != nil || e == nil {
				d.Close()
				if err != nil {
					return 0, err
				}
				break
			}
			seen[e.Term] = true
			if len(seen) > limit {
				d.Close()
				return len(seen), nil
			}
		}
	}
	return len(seen), nil
}
