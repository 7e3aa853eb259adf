package ingest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/store"
)

// Export writes every meeting with its items as JSON lines: the parse
// output format plus keys, paths and provenance.
func Export(ctx context.Context, st *store.Store, w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	n := 0
	err := st.ForEachMeeting(ctx, func(m *archive.Meeting) error {
		n++
		return enc.Encode(m)
	})
	if err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	return n, bw.Flush()
}

// ImportBatch is how many meetings go into one transaction on import.
const ImportBatch = 200

// Import loads JSON lines written by Export (or the corpus generator) in
// batches, with the same idempotence rules as ingest. name is used in
// errors ("FILE line N: …").
func Import(ctx context.Context, st *store.Store, r io.Reader, name string, p Progress) (Summary, error) {
	start := time.Now()
	var sum Summary
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var (
		batch []*archive.Meeting
		srcs  []store.Source
		line  int
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := st.SaveBatch(ctx, batch, srcs)
		if err != nil {
			return err
		}
		for _, r := range res {
			sum.Documents++
			sum.add(r)
		}
		if p != nil {
			p.Done(fmt.Sprintf("%s line %d", name, line), res[len(res)-1], nil)
		}
		batch, srcs = batch[:0], srcs[:0]
		return nil
	}
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if len(raw) == 0 {
			continue
		}
		m := new(archive.Meeting)
		if err := json.Unmarshal(raw, m); err != nil {
			return sum, fmt.Errorf("%s line %d: %w", name, line, err)
		}
		if len(m.Items) == 0 {
			return sum, fmt.Errorf("%s line %d: meeting has no items", name, line)
		}
		digest := sha256.Sum256(raw)
		loc := m.Source
		if loc == "" {
			loc = fmt.Sprintf("%s#%d", name, line)
		}
		batch = append(batch, m)
		srcs = append(srcs, store.Source{Location: loc, SourceURL: m.SourceURL, SHA256: hex.EncodeToString(digest[:]), Imported: true})
		if len(batch) == ImportBatch {
			if err := flush(); err != nil {
				return Summary{}, fmt.Errorf("%s line %d: %w", name, line, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return sum, fmt.Errorf("%s line %d: %w", name, line, err)
	}
	if err := flush(); err != nil {
		return sum, fmt.Errorf("%s line %d: %w", name, line, err)
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}
