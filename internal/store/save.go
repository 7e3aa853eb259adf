package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/normalise"
)

// Source describes the document a meeting was read from.
type Source struct {
	Location  string // file path or URL: identifies the source
	SourceURL string
	SHA256    string
	FetchedAt time.Time
	// Imported marks a meeting read back from an export: its items carry
	// their own provenance (Item.Sources), which is restored as it was.
	Imported bool
}

// SaveResult says what SaveMeeting changed.
type SaveResult struct {
	MeetingKey     string
	MeetingStatus  string // "new", "updated", "unchanged" or "merged"
	ItemsNew       int
	ItemsUpdated   int
	ItemsMerged    int
	ItemsUnchanged int
	ItemsDeleted   int
}

// Meeting statuses.
const (
	StatusNew       = "new"
	StatusUpdated   = "updated"
	StatusUnchanged = "unchanged"
	StatusMerged    = "merged" // an item page whose text went into an existing item
)

// minMergePrefix is how much text (letters and digits) a cut-short item
// must share with a full text before the two are taken to be one item.
const minMergePrefix = 120

// itemPageFormats are formats holding one agenda item's full text.
var itemPageFormats = map[string]bool{"moderngov-item": true, "moderngov-item-html": true}

// SaveMeeting stores one parsed document in one transaction: it upserts
// the council, committee and meeting by stable key, updates items in place
// (keeping every permalink, aliasing keys that had to change), merges
// cut-short items with their full text, records provenance and appends to
// the change sequence. Re-saving an unchanged source changes nothing.
func (s *Store) SaveMeeting(ctx context.Context, m *archive.Meeting, src Source) (SaveResult, error) {
	var res SaveResult
	if src.Location == "" {
		return res, errors.New("store.SaveMeeting: source location is empty")
	}
	if len(m.Items) == 0 {
		return res, fmt.Errorf("store.SaveMeeting %s: meeting has no items", src.Location)
	}
	err := s.inTx(ctx, func(tx *txn) error {
		w := &writer{tx: tx, ctx: ctx, res: &res, now: now()}
		if err := w.save(m, src); err != nil {
			return err
		}
		return w.recount()
	})
	if err != nil {
		return SaveResult{}, fmt.Errorf("store.SaveMeeting %s: %w", src.Location, err)
	}
	return res, nil
}

// SaveBatch stores several meetings in one transaction (bulk import):
// all of them or none.
func (s *Store) SaveBatch(ctx context.Context, ms []*archive.Meeting, srcs []Source) ([]SaveResult, error) {
	out := make([]SaveResult, len(ms))
	err := s.inTx(ctx, func(tx *txn) error {
		stamp := now()
		for i, m := range ms {
			if srcs[i].Location == "" || len(m.Items) == 0 {
				return fmt.Errorf("meeting %d (%s): no source location or no items", i+1, srcs[i].Location)
			}
			w := &writer{tx: tx, ctx: ctx, res: &out[i], now: stamp}
			if err := w.save(m, srcs[i]); err != nil {
				return fmt.Errorf("%s: %w", srcs[i].Location, err)
			}
			if err := w.recount(); err != nil {
				return fmt.Errorf("%s: %w", srcs[i].Location, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store.SaveBatch: %w", err)
	}
	return out, nil
}

// writer carries one SaveMeeting transaction.
type writer struct {
	tx       *txn
	ctx      context.Context
	res      *SaveResult
	now      string
	sourceID int64
	touched  []int64 // meetings whose items were added, moved or deleted
}

// touch notes a meeting whose item count must be recounted.
func (w *writer) touch(meetingID int64) {
	if !slices.Contains(w.touched, meetingID) {
		w.touched = append(w.touched, meetingID)
	}
}

// recount sets meetings.item_count of every touched meeting, once per
// meeting saved rather than once per item. A meeting deleted meanwhile
// matches no row.
func (w *writer) recount() error {
	for _, id := range w.touched {
		if _, err := w.exec(`UPDATE meetings SET item_count = (SELECT count(*) FROM items WHERE meeting_id = ?) WHERE id = ?`, id, id); err != nil {
			return fmt.Errorf("counting the items of meeting %d: %w", id, err)
		}
	}
	w.touched = w.touched[:0]
	return nil
}

func (w *writer) exec(q string, args ...any) (sql.Result, error) {
	return w.tx.ExecContext(w.ctx, q, args...)
}

func (w *writer) queryRow(q string, args ...any) *sql.Row {
	return w.tx.QueryRowContext(w.ctx, q, args...)
}

func (w *writer) save(m *archive.Meeting, src Source) error {
	var prevSHA, prevStatus, prevMeeting string
	err := w.queryRow(`SELECT sha256, status, meeting_key FROM sources WHERE location = ?`, src.Location).
		Scan(&prevSHA, &prevStatus, &prevMeeting)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err == nil && prevSHA == src.SHA256 && prevStatus == "ok" {
		w.res.MeetingKey, w.res.MeetingStatus, w.res.ItemsUnchanged = prevMeeting, StatusUnchanged, len(m.Items)
		return nil
	}

	councilSlug, councilName := m.CouncilSlug, m.Council
	if councilSlug == "" {
		councilSlug, councilName = UnknownCouncil, "Unknown council"
	}
	committeeSlug, committeeName := m.CommitteeSlug, m.Committee
	if committeeSlug == "" && committeeName != "" {
		committeeSlug = normalise.Slug(committeeName)
	}
	if committeeSlug == "" {
		committeeSlug, committeeName = UnknownCommittee, "Unknown committee"
	}
	committeeID, err := w.upsertCommittee(councilSlug, councilName, committeeSlug, committeeName)
	if err != nil {
		return err
	}
	if err := w.upsertSource(src); err != nil {
		return err
	}

	// An item page holding one full text: merge it into the item it
	// completes when that is already stored.
	if itemPageFormats[m.Format] && len(m.Items) == 1 && !m.Items[0].Truncated {
		merged, err := w.mergeItemPage(committeeID, m)
		if err != nil || merged {
			return err
		}
	}

	id := meetingIdentity{council: councilSlug, committee: committeeSlug, date: m.Date, undatedSource: undatedSource(m, src)}
	if m.Date != "" && m.Time != "" {
		// A second meeting the same day gets the time in its key.
		var other string
		err := w.queryRow(`SELECT time FROM meetings WHERE committee_id = ? AND date = ? AND key = ?`,
			committeeID, m.Date, id.key()).Scan(&other)
		if err == nil && other != "" && other != m.Time {
			id.time = m.Time
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	meetingID, status, err := w.upsertMeeting(committeeID, id, m)
	if err != nil {
		return err
	}
	w.res.MeetingKey, w.res.MeetingStatus = id.key(), status

	// Items this source produced before under another meeting key (a
	// corrected date) or that are no longer in the document.
	stale, err := w.loadStale(meetingID, prevMeeting, id.key())
	if err != nil {
		return err
	}
	touched := map[string]bool{}
	var kept []storedItem
	used := map[string]bool{}
	for i, it := range m.Items {
		pos := i + 1
		ident := itemIdent(it, pos)
		if used[ident] { // the same number printed twice: keep both items
			ident += "@" + fmt.Sprint(pos)
		}
		used[ident] = true
		key := itemKey(id, ident)
		it.Position, it.Key = pos, key
		it.Path = itemPath(id.path(), it, pos)
		si, err := w.upsertItem(meetingID, committeeID, it)
		if err != nil {
			return err
		}
		if src.Imported {
			if err := w.restoreProvenance(si.id, it.Sources); err != nil {
				return err
			}
		}
		touched[key] = true
		kept = append(kept, si)
	}
	if err := w.retire(stale, touched, kept); err != nil {
		return err
	}
	if _, err := w.exec(`UPDATE sources SET status = 'ok', error = '', meeting_key = ? WHERE id = ?`, id.key(), w.sourceID); err != nil {
		return err
	}
	if w.res.MeetingStatus == StatusUnchanged && (w.res.ItemsNew+w.res.ItemsUpdated+w.res.ItemsMerged+w.res.ItemsDeleted) > 0 {
		w.res.MeetingStatus = StatusUpdated
	}
	return nil
}

// undatedSource identifies an undated meeting by where it was published,
// or the file's name (not its directory: the same file ingested from
// another folder is the same meeting).
func undatedSource(m *archive.Meeting, src Source) string {
	if m.SourceURL != "" {
		return m.SourceURL
	}
	if src.SourceURL != "" {
		return src.SourceURL
	}
	loc := src.Location
	if i := strings.LastIndexAny(loc, `/\`); i >= 0 {
		loc = loc[i+1:]
	}
	return loc
}

func (w *writer) upsertCommittee(councilSlug, councilName, slug, name string) (int64, error) {
	if _, err := w.exec(`INSERT INTO councils (slug, name) VALUES (?, ?) ON CONFLICT (slug) DO NOTHING`, councilSlug, councilName); err != nil {
		return 0, err
	}
	var councilID int64
	if err := w.queryRow(`SELECT id FROM councils WHERE slug = ?`, councilSlug).Scan(&councilID); err != nil {
		return 0, err
	}
	if _, err := w.exec(`INSERT INTO committees (council_id, slug, name) VALUES (?, ?, ?) ON CONFLICT (council_id, slug) DO NOTHING`,
		councilID, slug, name); err != nil {
		return 0, err
	}
	var id int64
	err := w.queryRow(`SELECT id FROM committees WHERE council_id = ? AND slug = ?`, councilID, slug).Scan(&id)
	return id, err
}

func (w *writer) upsertSource(src Source) error {
	fetched := ""
	if !src.FetchedAt.IsZero() {
		fetched = src.FetchedAt.UTC().Format(time.RFC3339)
	}
	_, err := w.exec(`INSERT INTO sources (location, source_url, sha256, fetched_at, ingested_at, status)
		VALUES (?, ?, ?, ?, ?, 'ok')
		ON CONFLICT (location) DO UPDATE SET source_url = excluded.source_url, sha256 = excluded.sha256,
			fetched_at = excluded.fetched_at, ingested_at = excluded.ingested_at, status = 'ok', error = ''`,
		src.Location, src.SourceURL, src.SHA256, fetched, w.now)
	if err != nil {
		return err
	}
	return w.queryRow(`SELECT id FROM sources WHERE location = ?`, src.Location).Scan(&w.sourceID)
}

func (w *writer) upsertMeeting(committeeID int64, id meetingIdentity, m *archive.Meeting) (int64, string, error) {
	var (
		mid                          int64
		venue, tm, sourceURL, format string
	)
	err := w.queryRow(`SELECT id, venue, time, source_url, format FROM meetings WHERE key = ?`, id.key()).
		Scan(&mid, &venue, &tm, &sourceURL, &format)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err := w.queryRow(`INSERT INTO meetings (key, path, committee_id, date, time, venue, source_url, format, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			id.key(), id.path(), committeeID, m.Date, m.Time, m.Venue, m.SourceURL, m.Format, w.now).Scan(&mid)
		if err != nil {
			return 0, "", err
		}
		if err := w.replaceAttendees(mid, m.Attendees); err != nil {
			return 0, "", err
		}
		// A meeting path that was once an alias is a meeting again.
		if _, err := w.exec(`DELETE FROM aliases WHERE old = ?`, id.path()); err != nil {
			return 0, "", err
		}
		return mid, StatusNew, nil
	case err != nil:
		return 0, "", err
	}
	status := StatusUnchanged
	// An item page adds no meeting details: it must not blank them.
	if itemPageFormats[m.Format] && !itemPageFormats[format] {
		return mid, status, nil
	}
	if venue != m.Venue || tm != m.Time || sourceURL != m.SourceURL || format != m.Format {
		status = StatusUpdated
		if _, err := w.exec(`UPDATE meetings SET time = ?, venue = ?, source_url = ?, format = ?, updated_at = ? WHERE id = ?`,
			m.Time, m.Venue, m.SourceURL, m.Format, w.now, mid); err != nil {
			return 0, "", err
		}
	}
	changed, err := w.attendeesDiffer(mid, m.Attendees)
	if err != nil {
		return 0, "", err
	}
	if changed {
		status = StatusUpdated
		if err := w.replaceAttendees(mid, m.Attendees); err != nil {
			return 0, "", err
		}
	}
	return mid, status, nil
}

func (w *writer) replaceAttendees(mid int64, as []archive.Attendee) error {
	if _, err := w.exec(`DELETE FROM attendees WHERE meeting_id = ?`, mid); err != nil {
		return err
	}
	for i, a := range as {
		if _, err := w.exec(`INSERT INTO attendees (meeting_id, position, name, role) VALUES (?, ?, ?, ?)`, mid, i+1, a.Name, a.Role); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) attendeesDiffer(mid int64, as []archive.Attendee) (bool, error) {
	rows, err := w.tx.QueryContext(w.ctx, `SELECT name, role FROM attendees WHERE meeting_id = ? ORDER BY position`, mid)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	var got []archive.Attendee
	for rows.Next() {
		var a archive.Attendee
		if err := rows.Scan(&a.Name, &a.Role); err != nil {
			return false, err
		}
		got = append(got, a)
	}
	if len(got) != len(as) {
		return true, rows.Err()
	}
	for i := range got {
		if got[i] != as[i] {
			return true, rows.Err()
		}
	}
	return false, rows.Err()
}

// storedItem is an item row as the writer needs it.
type storedItem struct {
	id         int64
	meetingID  int64
	item       archive.Item
	onlySource bool // every source of this item is the one being saved
}

const itemCols = `id, meeting_id, key, path, position, number, title, agenda_text, text, resolutions, truncated, topics`

func scanItem(sc interface{ Scan(...any) error }) (storedItem, error) {
	var (
		si          storedItem
		res, topics string
		trunc       int
	)
	err := sc.Scan(&si.id, &si.meetingID, &si.item.Key, &si.item.Path, &si.item.Position, &si.item.Number, &si.item.Title,
		&si.item.AgendaText, &si.item.Text, &res, &trunc, &topics)
	if err != nil {
		return si, err
	}
	si.item.Truncated = trunc != 0
	json.Unmarshal([]byte(res), &si.item.Resolutions)
	json.Unmarshal([]byte(topics), &si.item.Topics)
	return si, nil
}

func jsonList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// upsertItem inserts or updates one item of the meeting being saved.
func (w *writer) upsertItem(meetingID, committeeID int64, it archive.Item) (storedItem, error) {
	row := w.queryRow(`SELECT `+itemCols+` FROM items WHERE key = ?`, it.Key)
	old, err := scanItem(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if it.Truncated {
			// The full text may already be here from the item's own page.
			orphan, ok, err := w.findFullText(committeeID, meetingID, it)
			if err != nil {
				return storedItem{}, err
			}
			if ok {
				it = mergeTexts(it, orphan.item)
				it.Path = itemPath(pathDir(it.Path), it, it.Position)
				w.res.ItemsMerged++
				if err := w.insertItem(meetingID, it); err != nil {
					return storedItem{}, err
				}
				if err := w.absorb(orphan, it.Key); err != nil {
					return storedItem{}, err
				}
				return w.itemByKey(it.Key)
			}
		}
		w.res.ItemsNew++
		if err := w.insertItem(meetingID, it); err != nil {
			return storedItem{}, err
		}
		return w.itemByKey(it.Key)
	case err != nil:
		return storedItem{}, err
	}
	// A cut-short text never replaces the full text merged in earlier.
	if it.Truncated && !old.item.Truncated && strings.HasPrefix(textKey(old.item.Text), textKey(it.Text)) {
		it = mergeTexts(it, old.item)
		it.Path = itemPath(pathDir(it.Path), it, it.Position)
	}
	if sameItem(old.item, it) && old.meetingID == meetingID {
		w.res.ItemsUnchanged++
		return old, w.linkSource(old.id)
	}
	w.res.ItemsUpdated++
	if err := w.updateItem(old, meetingID, it); err != nil {
		return storedItem{}, err
	}
	return w.itemByKey(it.Key)
}

func pathDir(p string) string { return p[:strings.LastIndexByte(p, '/')] }

func sameItem(a, b archive.Item) bool {
	return a.Path == b.Path && a.Position == b.Position && a.Number == b.Number && a.Title == b.Title &&
		a.AgendaText == b.AgendaText && a.Text == b.Text && a.Truncated == b.Truncated &&
		jsonList(a.Resolutions) == jsonList(b.Resolutions) && jsonList(a.Topics) == jsonList(b.Topics)
}

func (w *writer) insertItem(meetingID int64, it archive.Item) error {
	// A path that was an alias becomes a real item again.
	if _, err := w.exec(`DELETE FROM aliases WHERE old = ? OR old = ?`, it.Path, it.Key); err != nil {
		return err
	}
	var id int64
	err := w.queryRow(`INSERT INTO items (key, path, meeting_id, position, number, title, agenda_text, text, resolutions, truncated, topics, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		it.Key, it.Path, meetingID, it.Position, it.Number, it.Title, it.AgendaText, it.Text,
		jsonList(it.Resolutions), boolInt(it.Truncated), jsonList(it.Topics), w.now).Scan(&id)
	if err != nil {
		return fmt.Errorf("item %s (%s): %w", it.Key, it.Path, err)
	}
	w.touch(meetingID)
	if err := w.linkSource(id); err != nil {
		return err
	}
	return w.change(it.Key, false)
}

func (w *writer) updateItem(old storedItem, meetingID int64, it archive.Item) error {
	if old.item.Path != it.Path {
		if err := w.alias(old.item.Path, it.Key, "item"); err != nil {
			return err
		}
	}
	if _, err := w.exec(`DELETE FROM aliases WHERE old = ?`, it.Path); err != nil {
		return err
	}
	_, err := w.exec(`UPDATE items SET path = ?, meeting_id = ?, position = ?, number = ?, title = ?, agenda_text = ?, text = ?,
		resolutions = ?, truncated = ?, topics = ?, updated_at = ? WHERE id = ?`,
		it.Path, meetingID, it.Position, it.Number, it.Title, it.AgendaText, it.Text,
		jsonList(it.Resolutions), boolInt(it.Truncated), jsonList(it.Topics), w.now, old.id)
	if err != nil {
		return fmt.Errorf("item %s: %w", it.Key, err)
	}
	if old.meetingID != meetingID {
		w.touch(old.meetingID)
		w.touch(meetingID)
	}
	if err := w.linkSource(old.id); err != nil {
		return err
	}
	return w.change(it.Key, false)
}

func (w *writer) itemByKey(key string) (storedItem, error) {
	return scanItem(w.queryRow(`SELECT `+itemCols+` FROM items WHERE key = ?`, key))
}

func (w *writer) linkSource(itemID int64) error {
	_, err := w.exec(`INSERT INTO item_sources (item_id, source_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, itemID, w.sourceID)
	return err
}

func (w *writer) change(key string, deleted bool) error {
	return w.tx.appendChange(w.ctx, key, deleted)
}

// alias makes old (a key or path) redirect to targetKey, and re-points
// aliases that led to old's item so chains never form.
func (w *writer) alias(old, targetKey, kind string) error {
	if old == "" || old == targetKey {
		return nil
	}
	if _, err := w.exec(`INSERT INTO aliases (old, target_key, kind) VALUES (?, ?, ?)
		ON CONFLICT (old) DO UPDATE SET target_key = excluded.target_key, kind = excluded.kind`, old, targetKey, kind); err != nil {
		return err
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// mergeTexts combines a cut-short item with the full text of the same
// item. The result is the same whichever arrived first.
func mergeTexts(cut, full archive.Item) archive.Item {
	out := cut
	out.Text, out.Truncated = full.Text, false
	if out.Title == "" {
		out.Title = full.Title
	}
	if out.Number == "" {
		out.Number = full.Number
	}
	if out.AgendaText == "" {
		out.AgendaText = full.AgendaText
	}
	out.Resolutions = full.Resolutions
	out.Topics = union(cut.Topics, full.Topics)
	return out
}

func union(a, b []string) []string {
	set := map[string]bool{}
	for _, x := range append(append([]string{}, a...), b...) {
		set[x] = true
	}
	out := make([]string, 0, len(set))
	for x := range set {
		out = append(out, x)
	}
	sort.Strings(out)
	return out
}

// mergeItemPage merges an item page's full text into the stored item it
// completes: by date and number when the page states them, else by the
// stored cut-short text being a prefix of the full text, within the same
// committee. It reports whether it found one.
func (w *writer) mergeItemPage(committeeID int64, m *archive.Meeting) (bool, error) {
	full := m.Items[0]
	var target storedItem
	found := false
	if m.Date != "" && full.Number != "" {
		row := w.queryRow(`SELECT `+prefixCols("i")+` FROM items i JOIN meetings m ON m.id = i.meeting_id
			WHERE m.committee_id = ? AND m.date = ? AND i.number = ? ORDER BY i.id LIMIT 1`, committeeID, m.Date, full.Number)
		si, err := scanItem(row)
		if err == nil {
			target, found = si, true
		} else if !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
	}
	if !found {
		// The item whose text the full text starts with: a cut-short item,
		// or one that already holds this text from another copy of the page.
		fk := textKey(full.Text)
		rows, err := w.tx.QueryContext(w.ctx, `SELECT `+prefixCols("i")+` FROM items i JOIN meetings m ON m.id = i.meeting_id
			WHERE m.committee_id = ? ORDER BY i.truncated DESC, i.id`, committeeID)
		if err != nil {
			return false, err
		}
		for rows.Next() {
			si, err := scanItem(rows)
			if err != nil {
				rows.Close()
				return false, err
			}
			if ck := textKey(si.item.Text); len(ck) >= minMergePrefix && strings.HasPrefix(fk, ck) {
				target, found = si, true
				break
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return false, err
		}
	}
	if !found {
		return false, nil
	}
	merged := mergeTexts(target.item, full)
	merged.Path = itemPath(pathDir(target.item.Path), merged, target.item.Position)
	if sameItem(target.item, merged) {
		w.res.ItemsUnchanged++
	} else {
		w.res.ItemsMerged++
		if err := w.updateItem(target, target.meetingID, merged); err != nil {
			return false, err
		}
	}
	if err := w.linkSource(target.id); err != nil {
		return false, err
	}
	var mkey string
	if err := w.queryRow(`SELECT key FROM meetings WHERE id = ?`, target.meetingID).Scan(&mkey); err != nil {
		return false, err
	}
	w.res.MeetingKey, w.res.MeetingStatus = mkey, StatusMerged
	_, err := w.exec(`UPDATE sources SET status = 'ok', meeting_key = ? WHERE id = ?`, mkey, w.sourceID)
	return true, err
}

func prefixCols(alias string) string {
	cols := strings.Split(itemCols, ", ")
	for i, c := range cols {
		cols[i] = alias + "." + c
	}
	return strings.Join(cols, ", ")
}

// findFullText looks for a stored item page's item in the same committee
// (filed under its own meeting, or under this meeting when the page named
// it) whose full text starts with the cut-short text of it.
func (w *writer) findFullText(committeeID, meetingID int64, it archive.Item) (storedItem, bool, error) {
	ck := textKey(it.Text)
	if len(ck) < minMergePrefix {
		return storedItem{}, false, nil
	}
	rows, err := w.tx.QueryContext(w.ctx, `SELECT `+prefixCols("i")+` FROM items i JOIN meetings m ON m.id = i.meeting_id
		WHERE m.committee_id = ? AND i.truncated = 0 AND i.key <> ?
			AND (m.format IN ('moderngov-item', 'moderngov-item-html') OR m.id = ?)
		ORDER BY i.id`, committeeID, it.Key, meetingID)
	if err != nil {
		return storedItem{}, false, err
	}
	defer rows.Close()
	for rows.Next() {
		si, err := scanItem(rows)
		if err != nil {
			return storedItem{}, false, err
		}
		if strings.HasPrefix(textKey(si.item.Text), ck) {
			return si, true, nil
		}
	}
	return storedItem{}, false, rows.Err()
}

// absorb moves an item page's stored item into the item that now holds its
// text: its sources follow, its key and path redirect, and its meeting
// goes if nothing else is left in it.
func (w *writer) absorb(orphan storedItem, intoKey string) error {
	if _, err := w.exec(`INSERT INTO item_sources (item_id, source_id)
		SELECT (SELECT id FROM items WHERE key = ?), source_id FROM item_sources WHERE item_id = ? ON CONFLICT DO NOTHING`,
		intoKey, orphan.id); err != nil {
		return err
	}
	return w.deleteItem(orphan, intoKey)
}

// deleteItem removes an item, leaving its key and path as aliases of
// intoKey when it has a successor, and its meeting if it is left empty.
func (w *writer) deleteItem(si storedItem, intoKey string) error {
	if intoKey != "" {
		if err := w.alias(si.item.Key, intoKey, "item"); err != nil {
			return err
		}
		if err := w.alias(si.item.Path, intoKey, "item"); err != nil {
			return err
		}
		if _, err := w.exec(`UPDATE aliases SET target_key = ? WHERE target_key = ?`, intoKey, si.item.Key); err != nil {
			return err
		}
	}
	if _, err := w.exec(`DELETE FROM items WHERE id = ?`, si.id); err != nil {
		return err
	}
	w.touch(si.meetingID)
	w.res.ItemsDeleted++
	if err := w.change(si.item.Key, true); err != nil {
		return err
	}
	var left int
	if err := w.queryRow(`SELECT count(*) FROM items WHERE meeting_id = ?`, si.meetingID).Scan(&left); err != nil {
		return err
	}
	if left == 0 {
		var mpath, mkey string
		if err := w.queryRow(`SELECT path, key FROM meetings WHERE id = ?`, si.meetingID).Scan(&mpath, &mkey); err != nil {
			return err
		}
		if intoKey != "" {
			var target string
			if err := w.queryRow(`SELECT m.key FROM items i JOIN meetings m ON m.id = i.meeting_id WHERE i.key = ?`, intoKey).Scan(&target); err == nil {
				if err := w.alias(mpath, target, "meeting"); err != nil {
					return err
				}
			}
		}
		if _, err := w.exec(`DELETE FROM meetings WHERE id = ?`, si.meetingID); err != nil {
			return err
		}
		_ = mkey
	}
	return nil
}

// loadStale returns the items that may have to go: items of the meeting
// being saved, and items of the meeting this source produced before under
// another key (a corrected date).
func (w *writer) loadStale(meetingID int64, prevMeetingKey, newMeetingKey string) ([]storedItem, error) {
	q := `SELECT ` + prefixCols("i") + `,
		NOT EXISTS (SELECT 1 FROM item_sources x WHERE x.item_id = i.id AND x.source_id <> ?)
		FROM items i JOIN meetings m ON m.id = i.meeting_id WHERE m.id = ?`
	args := []any{w.sourceID, meetingID}
	if prevMeetingKey != "" && prevMeetingKey != newMeetingKey {
		q += ` OR m.key = ?`
		args = append(args, prevMeetingKey)
	}
	rows, err := w.tx.QueryContext(w.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedItem
	for rows.Next() {
		var (
			si          storedItem
			res, topics string
			trunc       int
		)
		if err := rows.Scan(&si.id, &si.meetingID, &si.item.Key, &si.item.Path, &si.item.Position, &si.item.Number, &si.item.Title,
			&si.item.AgendaText, &si.item.Text, &res, &trunc, &topics, &si.onlySource); err != nil {
			return nil, err
		}
		out = append(out, si)
	}
	return out, rows.Err()
}

// retire deletes stale items this source alone produced and that the new
// version no longer has; when one of the new items is the same item under a
// new number or date (same title, or same text), its old key and path
// redirect there.
func (w *writer) retire(stale []storedItem, touched map[string]bool, kept []storedItem) error {
	for _, si := range stale {
		if touched[si.item.Key] || !si.onlySource {
			continue
		}
		successor := ""
		for _, k := range kept {
			if (si.item.Title != "" && normalise.Slug(si.item.Title) == normalise.Slug(k.item.Title)) ||
				(len(si.item.Text) > 40 && si.item.Text == k.item.Text) {
				successor = k.item.Key
				break
			}
		}
		if err := w.deleteItem(si, successor); err != nil {
			return err
		}
	}
	return nil
}

// RecordFailure notes a source that could not be ingested, without
// touching anything stored from it before.
func (s *Store) RecordFailure(ctx context.Context, src Source, reason string) error {
	return s.inTx(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sources (location, source_url, sha256, ingested_at, status, error)
			VALUES (?, ?, ?, ?, 'failed', ?)
			ON CONFLICT (location) DO UPDATE SET ingested_at = excluded.ingested_at, error = excluded.error,
				status = CASE WHEN sources.sha256 = excluded.sha256 AND sources.status = 'ok' THEN 'ok' ELSE 'failed' END`,
			src.Location, src.SourceURL, src.SHA256, now(), reason)
		return err
	})
}

// restoreProvenance links an imported item to the sources its export
// listed.
func (w *writer) restoreProvenance(itemID int64, sources []string) error {
	for _, loc := range sources {
		if _, err := w.exec(`INSERT INTO sources (location, sha256, ingested_at, status) VALUES (?, '', ?, 'ok')
			ON CONFLICT (location) DO NOTHING`, loc, w.now); err != nil {
			return err
		}
		if _, err := w.exec(`INSERT INTO item_sources (item_id, source_id) SELECT CAST(? AS BIGINT), id FROM sources WHERE location = ?
			ON CONFLICT DO NOTHING`, itemID, loc); err != nil {
			return err
		}
	}
	return nil
}
