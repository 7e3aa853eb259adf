package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"
)

// The crawler's state: followed sites with their schedule and lease,
// fetched documents with validators, and per-meeting progress. Queries use
// only SQL that SQLite and PostgreSQL share.

// Site is a committee-papers site Minutebook follows.
type Site struct {
	Slug        string
	BaseURL     string
	CouncilSlug string
	AddedAt     time.Time
	Every       time.Duration // how often to crawl
	NextCrawlAt time.Time
	LeaseOwner  string
	LeaseUntil  time.Time // zero when free
	Attempts    int       // failed crawls in a row
	LastError   string
	LastCrawlAt time.Time
	LastOKAt    time.Time
}

// stamp formats t as fixed-width RFC 3339 UTC, so text order is time order.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// AddSite starts following a site, due at once. It reports false when the
// slug or base URL is already followed.
func (s *Store) AddSite(ctx context.Context, site Site) (bool, error) {
	if site.Every <= 0 {
		site.Every = 24 * time.Hour
	}
	t := time.Now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO sites (slug, base_url, council_slug, added_at, every_seconds, next_crawl_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		site.Slug, site.BaseURL, site.CouncilSlug, stamp(t), int64(site.Every/time.Second), stamp(t))
	if err != nil {
		return false, fmt.Errorf("store.AddSite %s: %w", site.Slug, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RemoveSite stops following a site and forgets its crawl progress; the
// documents fetched from it and the meetings read stay in the archive.
func (s *Store) RemoveSite(ctx context.Context, slug string) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sites WHERE slug = ?`, slug)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM crawl_meetings WHERE site = ?`, slug)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store.RemoveSite %s: %w", slug, err)
	}
	return n == 1, nil
}

const siteColumns = `slug, base_url, council_slug, added_at, every_seconds, next_crawl_at, lease_owner,
	COALESCE(lease_until, ''), attempts, last_error, last_crawl_at, last_ok_at`

func scanSite(sc rowScanner) (Site, error) {
	var st Site
	var added, next, until, last, ok string
	var every int64
	err := sc.Scan(&st.Slug, &st.BaseURL, &st.CouncilSlug, &added, &every, &next, &st.LeaseOwner,
		&until, &st.Attempts, &st.LastError, &last, &ok)
	st.AddedAt, st.NextCrawlAt, st.LeaseUntil = parseTime(added), parseTime(next), parseTime(until)
	st.LastCrawlAt, st.LastOKAt = parseTime(last), parseTime(ok)
	st.Every = time.Duration(every) * time.Second
	return st, err
}

// Sites lists every followed site by slug.
func (s *Store) Sites(ctx context.Context) ([]Site, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+siteColumns+` FROM sites ORDER BY slug`)
	if err != nil {
		return nil, fmt.Errorf("store.Sites: %w", err)
	}
	defer rows.Close()
	var out []Site
	for rows.Next() {
		st, err := scanSite(rows)
		if err != nil {
			return nil, fmt.Errorf("store.Sites: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// GetSite reads one site.
func (s *Store) GetSite(ctx context.Context, slug string) (Site, error) {
	st, err := scanSite(s.db.QueryRowContext(ctx, `SELECT `+siteColumns+` FROM sites WHERE slug = ?`, slug))
	if err != nil {
		return Site{}, notFound("site "+slug, err)
	}
	return st, nil
}

// ClaimSite takes the site's lease for owner until until, if nobody holds
// a live lease at now. The compare-and-set in one UPDATE makes it atomic:
// of several workers, exactly one gets the site.
func (s *Store) ClaimSite(ctx context.Context, slug, owner string, now, until time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE sites SET lease_owner = ?, lease_until = ?
		WHERE slug = ? AND (lease_until IS NULL OR lease_until < ?)`,
		owner, stamp(until), slug, stamp(now))
	if err != nil {
		return false, fmt.Errorf("store.ClaimSite %s: %w", slug, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClaimDueSite claims the site most overdue at now, if any.
func (s *Store) ClaimDueSite(ctx context.Context, owner string, now, until time.Time) (Site, bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT slug FROM sites
		WHERE next_crawl_at <= ? AND (lease_until IS NULL OR lease_until < ?)
		ORDER BY next_crawl_at, slug LIMIT 20`, stamp(now), stamp(now))
	if err != nil {
		return Site{}, false, fmt.Errorf("store.ClaimDueSite: %w", err)
	}
	var slugs []string
	for rows.Next() {
		var slug string
		if err := rows.Scan(&slug); err != nil {
			rows.Close()
			return Site{}, false, err
		}
		slugs = append(slugs, slug)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Site{}, false, err
	}
	for _, slug := range slugs {
		ok, err := s.ClaimSite(ctx, slug, owner, now, until)
		if err != nil {
			return Site{}, false, err
		}
		if ok { // another worker may have taken the earlier ones
			st, err := s.GetSite(ctx, slug)
			return st, err == nil, err
		}
	}
	return Site{}, false, nil
}

// ExtendLease keeps owner's lease alive during a long crawl; false means
// the lease was lost (expired and taken by another worker).
func (s *Store) ExtendLease(ctx context.Context, slug, owner string, until time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE sites SET lease_until = ? WHERE slug = ? AND lease_owner = ?`,
		stamp(until), slug, owner)
	if err != nil {
		return false, fmt.Errorf("store.ExtendLease %s: %w", slug, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishSite records the end of owner's crawl, sets when the site is next
// due and releases the lease. crawlErr nil is success (attempts reset).
func (s *Store) FinishSite(ctx context.Context, slug, owner string, at, next time.Time, crawlErr error) error {
	q := `UPDATE sites SET lease_owner = '', lease_until = NULL, last_crawl_at = ?, next_crawl_at = ?,
		attempts = 0, last_error = '', last_ok_at = ? WHERE slug = ? AND lease_owner = ?`
	args := []any{stamp(at), stamp(next), stamp(at), slug, owner}
	if crawlErr != nil {
		q = `UPDATE sites SET lease_owner = '', lease_until = NULL, last_crawl_at = ?, next_crawl_at = ?,
			attempts = attempts + 1, last_error = ? WHERE slug = ? AND lease_owner = ?`
		args = []any{stamp(at), stamp(next), crawlErr.Error(), slug, owner}
	}
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store.FinishSite %s: %w", slug, err)
	}
	return nil
}

// ReleaseSite gives the lease back without changing the schedule (a
// stopped worker), so another worker may resume the crawl at once.
func (s *Store) ReleaseSite(ctx context.Context, slug, owner string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sites SET lease_owner = '', lease_until = NULL WHERE slug = ? AND lease_owner = ?`, slug, owner)
	if err != nil {
		return fmt.Errorf("store.ReleaseSite %s: %w", slug, err)
	}
	return nil
}

// Fetched is a document as last fetched, with its validators.
type Fetched struct {
	URL          string
	Site         string
	Kind         string // "service", "meeting", "item", "pdf"
	ETag         string
	LastModified string
	SHA256       string
	Status       int
	ContentType  string
	FetchedAt    time.Time // when the body was last downloaded
	CheckedAt    time.Time // when it was last confirmed current
	Meta         string    // extract.Meta as JSON, when the listings said more than the text
	Body         []byte    // uncompressed
}

// GetFetched reads the stored copy of url; ok is false when there is none.
func (s *Store) GetFetched(ctx context.Context, url string) (Fetched, bool, error) {
	var f Fetched
	var fetched, checked string
	var body []byte
	err := s.db.QueryRowContext(ctx, `SELECT url, site, kind, etag, last_modified, sha256, status, content_type,
		fetched_at, checked_at, meta, body FROM fetched WHERE url = ?`, url).
		Scan(&f.URL, &f.Site, &f.Kind, &f.ETag, &f.LastModified, &f.SHA256, &f.Status, &f.ContentType, &fetched, &checked, &f.Meta, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return Fetched{}, false, nil
	}
	if err != nil {
		return Fetched{}, false, fmt.Errorf("store.GetFetched %s: %w", url, err)
	}
	f.FetchedAt, f.CheckedAt = parseTime(fetched), parseTime(checked)
	if len(body) > 0 {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return Fetched{}, false, fmt.Errorf("store.GetFetched %s: stored body: %w", url, err)
		}
		if f.Body, err = io.ReadAll(zr); err != nil {
			return Fetched{}, false, fmt.Errorf("store.GetFetched %s: stored body: %w", url, err)
		}
	}
	return f, true, nil
}

// PutFetched keeps a downloaded document, compressed, replacing the last copy.
func (s *Store) PutFetched(ctx context.Context, f Fetched) error {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(f.Body)
	if err := zw.Close(); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO fetched (url, site, kind, etag, last_modified, sha256, status,
		content_type, fetched_at, checked_at, meta, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (url) DO UPDATE SET site = excluded.site, kind = excluded.kind, etag = excluded.etag,
			last_modified = excluded.last_modified, sha256 = excluded.sha256, status = excluded.status,
			content_type = excluded.content_type, fetched_at = excluded.fetched_at,
			checked_at = excluded.checked_at, meta = excluded.meta, body = excluded.body`,
		f.URL, f.Site, f.Kind, f.ETag, f.LastModified, f.SHA256, f.Status, f.ContentType,
		stamp(f.FetchedAt), stamp(f.FetchedAt), f.Meta, buf.Bytes())
	if err != nil {
		return fmt.Errorf("store.PutFetched %s: %w", f.URL, err)
	}
	return nil
}

// TouchFetched notes that url was confirmed unchanged (a 304) at t.
func (s *Store) TouchFetched(ctx context.Context, url string, t time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE fetched SET checked_at = ? WHERE url = ?`, stamp(t), url)
	if err != nil {
		return fmt.Errorf("store.TouchFetched %s: %w", url, err)
	}
	return nil
}

// SetFetchedMeta records what the listings say about a kept document.
func (s *Store) SetFetchedMeta(ctx context.Context, url, meta string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE fetched SET meta = ? WHERE url = ?`, meta, url)
	if err != nil {
		return fmt.Errorf("store.SetFetchedMeta %s: %w", url, err)
	}
	return nil
}

// FetchedURLs lists the kept documents of the given kinds, by URL.
func (s *Store) FetchedURLs(ctx context.Context, kinds ...string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT url, kind FROM fetched ORDER BY url`)
	if err != nil {
		return nil, fmt.Errorf("store.FetchedURLs: %w", err)
	}
	defer rows.Close()
	want := map[string]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	var out []string
	for rows.Next() {
		var u, k string
		if err := rows.Scan(&u, &k); err != nil {
			return nil, err
		}
		if len(want) == 0 || want[k] {
			out = append(out, u)
		}
	}
	return out, rows.Err()
}

// Crawl meeting states.
const (
	CrawlPending   = "pending"   // started, or failed: try again next crawl
	CrawlNoMinutes = "nominutes" // looked, none published yet
	CrawlDone      = "done"
)

// CrawlMeeting is a crawl's progress on one meeting of a site.
type CrawlMeeting struct {
	Site          string
	MeetingID     string
	Date          string // YYYY-MM-DD
	State         string
	URL           string
	MinutesSHA256 string
	UpdatedAt     time.Time
}

// GetCrawlMeeting reads a meeting's progress; ok is false when unseen.
func (s *Store) GetCrawlMeeting(ctx context.Context, site, meetingID string) (CrawlMeeting, bool, error) {
	var cm CrawlMeeting
	var updated string
	err := s.db.QueryRowContext(ctx, `SELECT site, meeting_id, meeting_date, state, url, minutes_sha256, updated_at
		FROM crawl_meetings WHERE site = ? AND meeting_id = ?`, site, meetingID).
		Scan(&cm.Site, &cm.MeetingID, &cm.Date, &cm.State, &cm.URL, &cm.MinutesSHA256, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return CrawlMeeting{}, false, nil
	}
	if err != nil {
		return CrawlMeeting{}, false, fmt.Errorf("store.GetCrawlMeeting %s/%s: %w", site, meetingID, err)
	}
	cm.UpdatedAt = parseTime(updated)
	return cm, true, nil
}

// PutCrawlMeeting records a meeting's progress.
func (s *Store) PutCrawlMeeting(ctx context.Context, cm CrawlMeeting) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO crawl_meetings (site, meeting_id, meeting_date, state, url, minutes_sha256, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (site, meeting_id) DO UPDATE SET meeting_date = excluded.meeting_date, state = excluded.state,
			url = excluded.url, minutes_sha256 = excluded.minutes_sha256, updated_at = excluded.updated_at`,
		cm.Site, cm.MeetingID, cm.Date, cm.State, cm.URL, cm.MinutesSHA256, stamp(time.Now()))
	if err != nil {
		return fmt.Errorf("store.PutCrawlMeeting %s/%s: %w", cm.Site, cm.MeetingID, err)
	}
	return nil
}

// ForgetSourceHash makes the next SaveMeeting of location (and of the
// meetings "location#N" of a document holding several) re-read it even
// though its bytes are unchanged: reparse uses it after a parser change.
// Items that come out the same are still left untouched.
func (s *Store) ForgetSourceHash(ctx context.Context, location string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sources SET sha256 = ''
		WHERE location = ? OR substr(location, 1, ?) = ?`, location, len(location)+1, location+"#")
	if err != nil {
		return fmt.Errorf("store.ForgetSourceHash %s: %w", location, err)
	}
	return nil
}
