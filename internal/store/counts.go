package store

import (
	"context"
	"fmt"
)

// SourceCounts counts ingested sources by status ("ok", "failed"): what
// every ingest and import so far stored or could not, whichever process
// ran it (for monitoring).
func (s *Store) SourceCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT status, count(*) FROM sources GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("store.SourceCounts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{"ok": 0, "failed": 0}
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("store.SourceCounts: %w", err)
		}
		out[status] = n
	}
	return out, rows.Err()
}
