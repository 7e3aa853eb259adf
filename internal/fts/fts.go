// Package fts holds the archive in SQLite FTS5, through the same pure-Go
// driver as the archive (modernc.org/sqlite), as the yardstick Minutebook's
// Bleve search is measured against. It answers the same search.Request with
// the same result types: bm25 ranking with the title weighted like Bleve's
// title boost, filters, facets by GROUP BY, and snippets from snippet().
//
// It is a benchmark baseline, not a second search engine for the site.
package fts

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/minutebook/minutebook/internal/store"
)

// Source is what a build reads (satisfied by *store.Store).
type Source interface {
	ForEachItem(ctx context.Context, fn func(store.ItemView) error) error
}

// titleWeight is the bm25 weight of the title column against the body's
// 1.0: the same factor as search's title boost.
const titleWeight = 3.0

// The documents live in an ordinary table (docs) that the FTS5 table
// indexes as external content, so the text is stored once and snippet()
// reads it from there. Filters and facets use docs' columns and
// doc_topics. Title and body are stemmed (porter), as Bleve stems them.
const schema = `
CREATE TABLE docs(
	id INTEGER PRIMARY KEY,
	key TEXT NOT NULL, path TEXT NOT NULL,
	meeting_key TEXT NOT NULL, meeting_path TEXT NOT NULL,
	council TEXT NOT NULL, council_name TEXT NOT NULL,
	committee TEXT NOT NULL, committee_name TEXT NOT NULL,
	date TEXT NOT NULL, number TEXT NOT NULL,
	title TEXT NOT NULL, body TEXT NOT NULL, topics TEXT NOT NULL
);
CREATE TABLE doc_topics(doc INTEGER NOT NULL, topic TEXT NOT NULL, PRIMARY KEY(doc, topic)) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(title, body, content='docs', content_rowid='id',
	tokenize='porter unicode61 remove_diacritics 2');
`

// Indexes are made after the bulk load: cheaper than keeping them up to
// date row by row.
const indexes = `
CREATE INDEX docs_council_date ON docs(council, date);
CREATE INDEX docs_committee ON docs(committee);
CREATE INDEX docs_date ON docs(date);
CREATE INDEX doc_topics_topic ON doc_topics(topic, doc);
INSERT INTO fts(fts) VALUES('optimize');
ANALYZE;
`

// BuildStats describe a build.
type BuildStats struct {
	Items int
	Took  time.Duration
}

// Build writes a fresh FTS5 database at path (replacing any) holding every
// item of src, committing every batch items so memory stays flat.
func Build(ctx context.Context, path string, src Source, batch int) (BuildStats, error) {
	start := time.Now()
	if batch <= 0 {
		batch = 5000
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return BuildStats{}, fmt.Errorf("fts.Build %s: %w", path, err)
		}
	}
	// A bulk load into a file nobody reads yet: no journal, no fsync.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)")
	if err != nil {
		return BuildStats{}, fmt.Errorf("fts.Build %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return BuildStats{}, fmt.Errorf("fts.Build %s: schema: %w", path, err)
	}
	b := &builder{db: db}
	defer b.rollback()
	n := 0
	err = src.ForEachItem(ctx, func(v store.ItemView) error {
		if b.tx == nil {
			if err := b.begin(ctx); err != nil {
				return err
			}
		}
		n++
		if err := b.add(ctx, int64(n), v); err != nil {
			return fmt.Errorf("item %s: %w", v.Key, err)
		}
		if n%batch == 0 {
			return b.commit()
		}
		return nil
	})
	if err == nil {
		err = b.commit()
	}
	if err != nil {
		return BuildStats{}, fmt.Errorf("fts.Build %s: %w", path, err)
	}
	if _, err := db.ExecContext(ctx, indexes); err != nil {
		return BuildStats{}, fmt.Errorf("fts.Build %s: indexes: %w", path, err)
	}
	return BuildStats{Items: n, Took: time.Since(start)}, nil
}

type builder struct {
	db                   *sql.DB
	tx                   *sql.Tx
	doc, text, topicStmt *sql.Stmt
}

func (b *builder) begin(ctx context.Context) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	b.tx = tx
	if b.doc, err = tx.PrepareContext(ctx, `INSERT INTO docs(id, key, path, meeting_key, meeting_path, council, council_name,
		committee, committee_name, date, number, title, body, topics) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`); err != nil {
		return err
	}
	if b.text, err = tx.PrepareContext(ctx, `INSERT INTO fts(rowid, title, body) VALUES(?,?,?)`); err != nil {
		return err
	}
	b.topicStmt, err = tx.PrepareContext(ctx, `INSERT OR IGNORE INTO doc_topics(doc, topic) VALUES(?,?)`)
	return err
}

func (b *builder) add(ctx context.Context, id int64, v store.ItemView) error {
	body := Body(v)
	if _, err := b.doc.ExecContext(ctx, id, v.Key, v.Path, v.MeetingKey, v.MeetingPath, v.CouncilSlug, v.CouncilName,
		v.CommitteeSlug, v.CommitteeName, v.Date, v.Number, v.Title, body, strings.Join(v.Topics, " ")); err != nil {
		return err
	}
	if _, err := b.text.ExecContext(ctx, id, v.Title, body); err != nil {
		return err
	}
	for _, t := range v.Topics {
		if _, err := b.topicStmt.ExecContext(ctx, id, t); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) commit() error {
	if b.tx == nil {
		return nil
	}
	err := b.tx.Commit()
	b.tx = nil
	return err
}

func (b *builder) rollback() {
	if b.tx != nil {
		b.tx.Rollback()
	}
}

// Body is the searchable text of an item: agenda text, minutes and
// resolutions, as the Bleve index joins them.
func Body(v store.ItemView) string {
	return strings.Join(append([]string{v.AgendaText, v.Text}, v.Resolutions...), "\n\n")
}

// Index is an FTS5 database opened for searching.
type Index struct {
	db *sql.DB
}

// Open opens a database written by Build, read-only.
func Open(ctx context.Context, path string) (*Index, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("fts.Open: %w", err)
	}
	// Tuned as one would serve FTS5: the file memory-mapped (as Bleve maps
	// its segments), a 64 MiB page cache, sorts and materialised matches
	// in memory.
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)&_pragma=mmap_size(4294967296)"+
		"&_pragma=cache_size(-65536)&_pragma=temp_store(2)")
	if err != nil {
		return nil, fmt.Errorf("fts.Open %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("fts.Open %s: %w", path, err)
	}
	return &Index{db: db}, nil
}

// Close closes the database.
func (ix *Index) Close() error { return ix.db.Close() }

// DocCount is the number of items held.
func (ix *Index) DocCount(ctx context.Context) (int, error) {
	var n int
	err := ix.db.QueryRowContext(ctx, `SELECT count(*) FROM docs`).Scan(&n)
	return n, err
}
