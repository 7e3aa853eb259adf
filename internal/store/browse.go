package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/minutebook/minutebook/internal/archive"
)

// CouncilSummary is a council with its coverage.
type CouncilSummary struct {
	Slug, Name                  string
	Committees, Meetings, Items int
	FirstDate, LastDate         string
	LastIngested                time.Time
}

// CommitteeSummary is a committee with its coverage.
type CommitteeSummary struct {
	CouncilSlug, CouncilName, Slug, Name string
	Meetings, Items                      int
	FirstDate, LastDate                  string
}

// MeetingSummary is a meeting as listed on council and committee pages.
type MeetingSummary struct {
	Key, Path, CouncilSlug, CouncilName, CommitteeSlug, CommitteeName, Date, Time, Venue string
	Items                                                                                int
}

// MeetingView is a meeting with everything its page shows.
type MeetingView struct {
	MeetingSummary
	SourceURL string
	Format    string
	Attendees []archive.Attendee
	Items     []ItemView
	Sources   []Source
}

// Items are counted from meetings.item_count, which the writer keeps
// (save.go): counting a million item rows took about a second.

// CheckItemCounts reports the first meeting whose kept item count is not
// its number of items (nil when every count is right).
func (s *Store) CheckItemCounts(ctx context.Context) error {
	var key string
	var kept, real int
	err := s.db.QueryRowContext(ctx, `SELECT m.key, m.item_count, (SELECT count(*) FROM items i WHERE i.meeting_id = m.id) AS n
		FROM meetings m WHERE m.item_count <> (SELECT count(*) FROM items i WHERE i.meeting_id = m.id) LIMIT 1`).Scan(&key, &kept, &real)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("store.CheckItemCounts: %w", err)
	}
	return fmt.Errorf("store: meeting %s keeps an item count of %d but has %d items", key, kept, real)
}

// Stats are the archive's totals.
type Stats struct {
	Councils, Committees, Meetings, Items int
	LastIngested                          time.Time
}

// Councils lists councils with their coverage, by name.
func (s *Store) Councils(ctx context.Context) ([]CouncilSummary, error) {
	return s.councils(ctx, "")
}

// Council returns one council's coverage.
func (s *Store) Council(ctx context.Context, slug string) (CouncilSummary, error) {
	cs, err := s.councils(ctx, slug)
	if err != nil {
		return CouncilSummary{}, err
	}
	if len(cs) == 0 {
		return CouncilSummary{}, fmt.Errorf("council %s: %w", slug, errNotFound)
	}
	return cs[0], nil
}

func (s *Store) councils(ctx context.Context, slug string) ([]CouncilSummary, error) {
	// One pass over the meetings, grouped by council. (A subquery per
	// council and figure walked the meetings five times: 0.85 s for the
	// list at a million items.)
	q := `SELECT co.slug, co.name,
		(SELECT count(*) FROM committees c WHERE c.council_id = co.id),
		coalesce(a.meetings, 0), coalesce(a.items, 0), coalesce(a.first, ''), coalesce(a.last, ''), coalesce(a.updated, '')
		FROM councils co LEFT JOIN (
			SELECT c.council_id AS council_id, count(*) AS meetings, sum(m.item_count) AS items,
				min(NULLIF(m.date, '')) AS first, max(m.date) AS last, max(m.updated_at) AS updated
			FROM meetings m JOIN committees c ON c.id = m.committee_id
			WHERE c.council_id IN (SELECT id FROM councils WHERE ? = '' OR slug = ?)
			GROUP BY c.council_id) a ON a.council_id = co.id`
	args := []any{slug, slug}
	if slug != "" {
		q += ` WHERE co.slug = ?`
		args = append(args, slug)
	}
	q += ` ORDER BY co.name`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store.Councils: %w", err)
	}
	defer rows.Close()
	var out []CouncilSummary
	for rows.Next() {
		var c CouncilSummary
		var last string
		if err := rows.Scan(&c.Slug, &c.Name, &c.Committees, &c.Meetings, &c.Items, &c.FirstDate, &c.LastDate, &last); err != nil {
			return nil, err
		}
		c.LastIngested = parseTime(last)
		if c.Meetings > 0 {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

// Committees lists a council's committees with their coverage.
func (s *Store) Committees(ctx context.Context, councilSlug string) ([]CommitteeSummary, error) {
	return s.committees(ctx, councilSlug, "")
}

// Committee returns one committee's coverage.
func (s *Store) Committee(ctx context.Context, councilSlug, committeeSlug string) (CommitteeSummary, error) {
	cs, err := s.committees(ctx, councilSlug, committeeSlug)
	if err != nil {
		return CommitteeSummary{}, err
	}
	if len(cs) == 0 {
		return CommitteeSummary{}, fmt.Errorf("committee %s/%s: %w", councilSlug, committeeSlug, errNotFound)
	}
	return cs[0], nil
}

func (s *Store) committees(ctx context.Context, councilSlug, slug string) ([]CommitteeSummary, error) {
	q := `SELECT co.slug, co.name, c.slug, c.name,
		(SELECT count(*) FROM meetings m WHERE m.committee_id = c.id),
		(SELECT coalesce(sum(m.item_count), 0) FROM meetings m WHERE m.committee_id = c.id),
		(SELECT coalesce(min(NULLIF(m.date, '')), '') FROM meetings m WHERE m.committee_id = c.id),
		(SELECT coalesce(max(m.date), '') FROM meetings m WHERE m.committee_id = c.id)
		FROM committees c JOIN councils co ON co.id = c.council_id WHERE co.slug = ?`
	args := []any{councilSlug}
	if slug != "" {
		q += ` AND c.slug = ?`
		args = append(args, slug)
	}
	q += ` ORDER BY c.name`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store.Committees: %w", err)
	}
	defer rows.Close()
	var out []CommitteeSummary
	for rows.Next() {
		var c CommitteeSummary
		if err := rows.Scan(&c.CouncilSlug, &c.CouncilName, &c.Slug, &c.Name, &c.Meetings, &c.Items, &c.FirstDate, &c.LastDate); err != nil {
			return nil, err
		}
		if c.Meetings > 0 {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

const meetingSelect = `SELECT m.key, m.path, co.slug, co.name, c.slug, c.name, m.date, m.time, m.venue,
	m.item_count
	FROM meetings m JOIN committees c ON c.id = m.committee_id JOIN councils co ON co.id = c.council_id`

// newest first; undated meetings (” sorts first ascending) last.
const meetingOrder = ` ORDER BY m.date = '', m.date DESC, m.time DESC, m.key`

func (s *Store) meetingSummaries(ctx context.Context, q string, args ...any) ([]MeetingSummary, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store meetings: %w", err)
	}
	defer rows.Close()
	var out []MeetingSummary
	for rows.Next() {
		var m MeetingSummary
		if err := rows.Scan(&m.Key, &m.Path, &m.CouncilSlug, &m.CouncilName, &m.CommitteeSlug, &m.CommitteeName, &m.Date, &m.Time, &m.Venue, &m.Items); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Meetings lists a committee's meetings, newest first, undated last.
func (s *Store) Meetings(ctx context.Context, councilSlug, committeeSlug string) ([]MeetingSummary, error) {
	return s.meetingSummaries(ctx, meetingSelect+` WHERE co.slug = ? AND c.slug = ?`+meetingOrder, councilSlug, committeeSlug)
}

// LatestMeetings lists the most recent dated meetings across councils.
func (s *Store) LatestMeetings(ctx context.Context, limit int) ([]MeetingSummary, error) {
	// The newest first by the date index, then only their summaries: with
	// the item count in the same select, every meeting's items were
	// counted before sorting (0.4 s at a million items).
	return s.meetingSummaries(ctx, meetingSelect+` WHERE m.id IN (SELECT id FROM meetings WHERE date <> ''
		ORDER BY date DESC, time DESC, key LIMIT ?)`+meetingOrder, limit)
}

// Meeting returns a meeting with its attendees, items and sources.
func (s *Store) Meeting(ctx context.Context, key string) (MeetingView, error) {
	return s.meeting(ctx, "m.key = ?", key)
}

// MeetingByPath returns the meeting at a meeting path.
func (s *Store) MeetingByPath(ctx context.Context, path string) (MeetingView, error) {
	return s.meeting(ctx, "m.path = ?", path)
}

func (s *Store) meeting(ctx context.Context, where, arg string) (MeetingView, error) {
	var v MeetingView
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT m.id, m.key, m.path, co.slug, co.name, c.slug, c.name, m.date, m.time, m.venue,
		m.source_url, m.format FROM meetings m JOIN committees c ON c.id = m.committee_id JOIN councils co ON co.id = c.council_id
		WHERE `+where, arg).
		Scan(&id, &v.Key, &v.Path, &v.CouncilSlug, &v.CouncilName, &v.CommitteeSlug, &v.CommitteeName, &v.Date, &v.Time, &v.Venue, &v.SourceURL, &v.Format)
	if err != nil {
		return v, notFound("meeting "+arg, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name, role FROM attendees WHERE meeting_id = ? ORDER BY position`, id)
	if err != nil {
		return v, err
	}
	for rows.Next() {
		var a archive.Attendee
		if err := rows.Scan(&a.Name, &a.Role); err != nil {
			rows.Close()
			return v, err
		}
		v.Attendees = append(v.Attendees, a)
	}
	rows.Close()
	irows, err := s.db.QueryContext(ctx, itemViewSelect+` WHERE i.meeting_id = ? ORDER BY i.position`, id)
	if err != nil {
		return v, err
	}
	var ids []int64
	for irows.Next() {
		iv, iid, err := scanItemView(irows)
		if err != nil {
			irows.Close()
			return v, err
		}
		v.Items = append(v.Items, iv)
		ids = append(ids, iid)
	}
	irows.Close()
	for i, iid := range ids {
		if v.Items[i].Sources, err = s.itemSources(ctx, iid); err != nil {
			return v, err
		}
	}
	v.MeetingSummary.Items = len(v.Items)
	v.Sources, err = s.meetingSources(ctx, id)
	return v, err
}

func (s *Store) meetingSources(ctx context.Context, meetingID int64) ([]Source, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT s.location, s.source_url, s.sha256, s.fetched_at
		FROM sources s JOIN item_sources x ON x.source_id = s.id JOIN items i ON i.id = x.item_id
		WHERE i.meeting_id = ? ORDER BY s.location`, meetingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Source
	for rows.Next() {
		var src Source
		var fetched string
		if err := rows.Scan(&src.Location, &src.SourceURL, &src.SHA256, &fetched); err != nil {
			return nil, err
		}
		src.FetchedAt = parseTime(fetched)
		out = append(out, src)
	}
	return out, rows.Err()
}

// Stats returns the archive's totals.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	var last sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(DISTINCT c.council_id) FROM committees c JOIN meetings m ON m.committee_id = c.id),
		(SELECT count(DISTINCT committee_id) FROM meetings),
		(SELECT count(*) FROM meetings), (SELECT coalesce(sum(item_count), 0) FROM meetings),
		(SELECT max(ingested_at) FROM sources)`).Scan(&st.Councils, &st.Committees, &st.Meetings, &st.Items, &last)
	if err != nil {
		return st, fmt.Errorf("store.Stats: %w", err)
	}
	st.LastIngested = parseTime(last.String)
	return st, nil
}

// Empty reports whether the archive holds no meeting. It reads one row at
// most: serve asks at every start, and Stats, which counts the whole
// archive, took a second of a start from a cold disk cache at a million
// items.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var found bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM meetings)`).Scan(&found); err != nil {
		return false, fmt.Errorf("store.Empty: %w", err)
	}
	return !found, nil
}

// ForEachMeeting calls fn with every meeting as an archive.Meeting (keys,
// paths and sources set), in key order: the export format.
func (s *Store) ForEachMeeting(ctx context.Context, fn func(*archive.Meeting) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT key FROM meetings ORDER BY key`)
	if err != nil {
		return err
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range keys {
		v, err := s.Meeting(ctx, k)
		if err != nil {
			return err
		}
		m := &archive.Meeting{
			Format: v.Format, SourceURL: v.SourceURL, Council: v.CouncilName, CouncilSlug: v.CouncilSlug,
			Committee: v.CommitteeName, CommitteeSlug: v.CommitteeSlug, Date: v.Date, Time: v.Time, Venue: v.Venue,
			Attendees: v.Attendees, Key: v.Key,
		}
		var srcs []string
		for _, src := range v.Sources {
			srcs = append(srcs, src.Location)
		}
		sort.Strings(srcs)
		if len(srcs) > 0 {
			m.Source = srcs[0]
		}
		for _, it := range v.Items {
			m.Items = append(m.Items, it.Item)
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}
