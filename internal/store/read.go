package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/minutebook/minutebook/internal/archive"
)

var errNotFound = archive.ErrNotFound

// ItemView is an item with its meeting context, as pages and the index
// need it.
type ItemView struct {
	archive.Item                 // Key, Path, Position and Sources set
	MeetingKey, MeetingPath      string
	CouncilSlug, CouncilName     string
	CommitteeSlug, CommitteeName string
	Date, Time                   string // "" when undated
	SourceURL                    string
	UpdatedAt                    time.Time
}

const itemViewSelect = `SELECT i.id, i.key, i.path, i.position, i.number, i.title, i.agenda_text, i.text, i.resolutions,
	i.truncated, i.topics, i.updated_at, m.key, m.path, m.date, m.time, m.source_url,
	c.slug, c.name, co.slug, co.name
	FROM items i
	JOIN meetings m ON m.id = i.meeting_id
	JOIN committees c ON c.id = m.committee_id
	JOIN councils co ON co.id = c.council_id`

type rowScanner interface{ Scan(...any) error }

func scanItemView(sc rowScanner) (ItemView, int64, error) {
	var (
		v              ItemView
		id             int64
		res, topics, u string
		trunc          int
	)
	err := sc.Scan(&id, &v.Key, &v.Path, &v.Position, &v.Number, &v.Title, &v.AgendaText, &v.Text, &res, &trunc, &topics, &u,
		&v.MeetingKey, &v.MeetingPath, &v.Date, &v.Time, &v.SourceURL,
		&v.CommitteeSlug, &v.CommitteeName, &v.CouncilSlug, &v.CouncilName)
	if err != nil {
		return v, 0, err
	}
	v.Truncated = trunc != 0
	v.UpdatedAt = parseTime(u)
	if err := json.Unmarshal([]byte(res), &v.Resolutions); err != nil {
		return v, 0, fmt.Errorf("item %s resolutions: %w", v.Key, err)
	}
	if err := json.Unmarshal([]byte(topics), &v.Topics); err != nil {
		return v, 0, fmt.Errorf("item %s topics: %w", v.Key, err)
	}
	return v, id, nil
}

// Item returns the item with key.
func (s *Store) Item(ctx context.Context, key string) (ItemView, error) {
	return s.oneItem(ctx, "i.key = ?", key)
}

// ItemByPath returns the item whose current permalink path is path.
func (s *Store) ItemByPath(ctx context.Context, path string) (ItemView, error) {
	return s.oneItem(ctx, "i.path = ?", path)
}

func (s *Store) oneItem(ctx context.Context, where string, arg string) (ItemView, error) {
	v, id, err := scanItemView(s.db.QueryRowContext(ctx, itemViewSelect+" WHERE "+where, arg))
	if err != nil {
		return ItemView{}, notFound("item "+arg, err)
	}
	if v.Sources, err = s.itemSources(ctx, id); err != nil {
		return ItemView{}, err
	}
	return v, nil
}

func (s *Store) itemSources(ctx context.Context, itemID int64) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT CASE WHEN s.source_url <> '' THEN s.source_url ELSE s.location END
		FROM item_sources x JOIN sources s ON s.id = x.source_id WHERE x.item_id = ? ORDER BY 1`, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Items returns the items with the given keys, in that order; keys not in
// the archive are skipped.
func (s *Store) Items(ctx context.Context, keys []string) ([]ItemView, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	byKey := make(map[string]ItemView, len(keys))
	const chunk = 500 // stay well under SQLite's variable limit
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		q := itemViewSelect + " WHERE i.key IN (?" + strings.Repeat(",?", len(part)-1) + ")"
		args := make([]any, len(part))
		for i, k := range part {
			args[i] = k
		}
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("store.Items: %w", err)
		}
		for rows.Next() {
			v, _, err := scanItemView(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			byKey[v.Key] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]ItemView, 0, len(byKey))
	for _, k := range keys {
		if v, ok := byKey[k]; ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// ForEachItem calls fn for every item, in key order (for index rebuilds).
func (s *Store) ForEachItem(ctx context.Context, fn func(ItemView) error) error {
	rows, err := s.db.QueryContext(ctx, itemViewSelect+" ORDER BY i.id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		v, _, err := scanItemView(rows)
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ResolveAlias maps an old item key or path, or an old meeting path, to
// the current path it redirects to.
func (s *Store) ResolveAlias(ctx context.Context, keyOrPath string) (string, error) {
	var target, kind string
	err := s.db.QueryRowContext(ctx, `SELECT target_key, kind FROM aliases WHERE old = ?`, keyOrPath).Scan(&target, &kind)
	if err != nil {
		return "", notFound("alias "+keyOrPath, err)
	}
	table := "items"
	if kind == "meeting" {
		table = "meetings"
	}
	var path string
	if err := s.db.QueryRowContext(ctx, `SELECT path FROM `+table+` WHERE key = ?`, target).Scan(&path); err != nil {
		return "", notFound("alias target "+target, err)
	}
	return path, nil
}

// Change is one entry of the change sequence.
type Change struct {
	Seq     int64
	ItemKey string
	Deleted bool
}

// Changes returns changes after seq, oldest first, at most limit.
func (s *Store) Changes(ctx context.Context, after int64, limit int) ([]Change, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, item_key, deleted FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store.Changes: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var del int
		if err := rows.Scan(&c.Seq, &c.ItemKey, &del); err != nil {
			return nil, err
		}
		c.Deleted = del != 0
		out = append(out, c)
	}
	return out, rows.Err()
}

// LastSeq is the newest change sequence number (0 for an empty archive).
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(seq) FROM changes`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("store.LastSeq: %w", err)
	}
	return seq.Int64, nil
}

// SetTopics replaces an item's topic tags (used by retag); it records a
// change only when the tags differ.
func (s *Store) SetTopics(ctx context.Context, key string, topics []string) (bool, error) {
	sort.Strings(topics)
	changed := false
	err := s.inTx(ctx, func(tx *txn) error {
		var cur string
		if err := tx.QueryRowContext(ctx, `SELECT topics FROM items WHERE key = ?`, key).Scan(&cur); err != nil {
			return notFound("item "+key, err)
		}
		if cur == jsonList(topics) {
			return nil
		}
		changed = true
		if _, err := tx.ExecContext(ctx, `UPDATE items SET topics = ?, updated_at = ? WHERE key = ?`, jsonList(topics), now(), key); err != nil {
			return err
		}
		return tx.appendChange(ctx, key, false)
	})
	return changed, err
}
