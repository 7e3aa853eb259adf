package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/minutebook/minutebook/migrations"
)

// Everything that differs between SQLite and PostgreSQL lives in this
// file. The rest of the store writes one SQL text with ? placeholders,
// RETURNING for new ids and ON CONFLICT upserts, which both engines read;
// the db and txn helpers below rebind ? to $n for PostgreSQL. Schema
// differences live in migrations/postgres/ (see migrations.For).
//
// Writing SQL that both engines read:
//   - ids: INSERT … RETURNING id (pgx has no LastInsertId);
//   - upserts: ON CONFLICT (…) DO NOTHING / DO UPDATE SET x = excluded.x,
//     never INSERT OR IGNORE / OR REPLACE;
//   - times: pass RFC 3339 text from Go, never datetime('now') or now();
//   - booleans: INTEGER 0/1 columns, as the archive tables do;
//   - case-insensitive match: lower(col) = lower(?) (LIKE ignores ASCII
//     case on SQLite only);
//   - a bare ? in a SELECT list needs CAST(? AS BIGINT) (or TEXT) for
//     PostgreSQL to know its type;
//   - in migrations, AUTOINCREMENT / INTEGER PRIMARY KEY, BLOB and
//     SQLite-only functions go in a migrations/postgres/ copy (BIGINT
//     GENERATED … AS IDENTITY, BYTEA, TEXT COLLATE "C").

// dialect is one database engine's way of doing what the store needs.
type dialect struct {
	name        string // "sqlite" or "postgres"
	driver      string // database/sql driver name
	goose       goose.Dialect
	migrations  string // migrations' dialect folder ("" for the shared files)
	dollarBinds bool   // placeholders are $1, $2… rather than ?
	// beginWrite runs first in every write transaction. On PostgreSQL it
	// serialises archive writers (see writeLockID); SQLite's immediate
	// transactions already take the one write lock up front, and there it
	// gives the writing connection a page cache big enough for the
	// archive's indexes (see writeCache).
	beginWrite string
	// notify, run last in a write transaction that appended changes, tells
	// followers (serve nodes) to catch up; the argument is the newest seq.
	notify string
}

// sqlitePathEscaper percent-encodes what a SQLite URI file name cannot
// hold literally.
var sqlitePathEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// writeLockID is the PostgreSQL advisory lock every archive write
// transaction holds until it commits. Why: followers read the change
// sequence as "every seq after the last one I applied". With concurrent
// writers an identity column hands out seq 11 to one transaction and 12 to
// another; if 12 commits first a follower applies it, remembers 12, and
// never sees 11 when it commits later. Holding one lock from before the
// first seq is taken until commit makes seq order equal commit order, so
// no follower can skip a change. It also keeps the writer's
// select-then-insert upserts of meetings and items as safe as on SQLite.
// Writes serialise (as they did on SQLite); reads never wait for it.
const writeLockID = 0x6d62_7772 // "mbwr"

// writeCache sizes a writing SQLite connection's page cache (64 MiB,
// filled only as used; a connection that has only read keeps the default
// 2 MiB, the file being in the OS cache anyway). Item keys and paths are random, so every insert lands on a
// random page of their unique indexes; at a million items those indexes
// far outgrow 2 MiB, and a transaction kept spilling dirty pages to the
// WAL and reading them back. A million-item import: 2,872 → 5,599
// items/s; 100,000 items: 5,903 → 6,953.
const writeCache = `PRAGMA cache_size = -65536`

// ChangesChannel is the PostgreSQL LISTEN/NOTIFY channel a write
// transaction notifies, with its newest change seq as payload.
const ChangesChannel = "minutebook_changes"

var (
	sqliteDialect = &dialect{
		name: "sqlite", driver: "sqlite", goose: goose.DialectSQLite3,
		beginWrite: writeCache,
	}
	postgresDialect = &dialect{
		name: "postgres", driver: "pgx", goose: goose.DialectPostgres, migrations: "postgres",
		dollarBinds: true,
		beginWrite:  `SELECT pg_advisory_xact_lock(` + strconv.Itoa(writeLockID) + `)`,
		notify:      `SELECT pg_notify('` + ChangesChannel + `', ?)`,
	}
)

// IsPostgres reports whether target names a PostgreSQL database rather
// than a SQLite file.
func IsPostgres(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// openDB opens target with its dialect's driver and settings.
func openDB(target string) (*sql.DB, *dialect, error) {
	if IsPostgres(target) {
		db, err := sql.Open(postgresDialect.driver, target)
		if err != nil {
			return nil, nil, err
		}
		// Each node is one client of a shared server: a modest pool.
		db.SetMaxOpenConns(10)
		db.SetMaxIdleConns(4)
		db.SetConnMaxIdleTime(5 * time.Minute)
		return db, postgresDialect, nil
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return nil, nil, err
	}
	// WAL lets readers run while one writer commits; immediate transactions
	// take the write lock up front, so two writers queue on busy_timeout
	// instead of failing mid-transaction.
	// The path is percent-encoded: a '#' or '?' in it (Go subtest folders
	// have '#') would otherwise cut the file name short.
	dsn := "file:" + sqlitePathEscaper.Replace(target) + "?_txlock=immediate" +
		"&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
		"&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open(sqliteDialect.driver, dsn)
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, sqliteDialect, nil
}

// migrate applies pending migrations. On PostgreSQL several nodes may
// start at once: goose's session lock lets one migrate while the others
// wait.
func (d *dialect) migrate(ctx context.Context, db *sql.DB) error {
	var opts []goose.ProviderOption
	if d == postgresDialect {
		l, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(l))
	}
	p, err := goose.NewProvider(d.goose, db, migrations.For(d.migrations), opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}

// rebind turns ? placeholders into $1, $2… for PostgreSQL. A ? inside a
// quoted string or identifier is left alone.
func (d *dialect) rebind(q string) string {
	if !d.dollarBinds || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// backup writes a consistent copy of the database to path.
func (d *dialect) backup(ctx context.Context, db *db, target, path string) error {
	if d == sqliteDialect {
		_, err := db.ExecContext(ctx, `VACUUM INTO ?`, path)
		return err
	}
	// A PostgreSQL archive is backed up by PostgreSQL's own tool: pg_dump
	// takes a consistent snapshot without stopping writers.
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		return fmt.Errorf("a PostgreSQL archive is backed up with pg_dump, which is not installed here: "+
			"run `pg_dump --format=custom --file=%s '%s'` where it is (restore with pg_restore)", path, redact(target))
	}
	cmd := exec.CommandContext(ctx, pgDump, "--format=custom", "--file="+path, "--dbname="+target)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_dump: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// redact hides a password in a database URL, for messages and logs.
func redact(target string) string {
	if !IsPostgres(target) {
		return target
	}
	u, err := url.Parse(target)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// db is the store's connection pool; its query methods take ? placeholders.
type db struct {
	sql *sql.DB
	d   *dialect
}

func (x *db) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return x.sql.ExecContext(ctx, x.d.rebind(q), args...)
}

func (x *db) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return x.sql.QueryContext(ctx, x.d.rebind(q), args...)
}

func (x *db) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return x.sql.QueryRowContext(ctx, x.d.rebind(q), args...)
}

// txn is one write transaction; its query methods take ? placeholders.
type txn struct {
	tx      *sql.Tx
	d       *dialect
	ordered bool  // holds the archive write lock (inTx), so may append changes
	lastSeq int64 // newest change appended in this transaction
	// stmts are the transaction's statements, each prepared once: a batch
	// import runs the same few statements thousands of times, and
	// preparing each anew was a third of its CPU. Closed with the
	// transaction.
	stmts map[string]*sql.Stmt
}

// stmt returns q prepared in the transaction (nil if it cannot be: the
// caller then runs q directly and gets the error from there).
func (t *txn) stmt(ctx context.Context, q string) *sql.Stmt {
	if st, ok := t.stmts[q]; ok {
		return st
	}
	st, err := t.tx.PrepareContext(ctx, t.d.rebind(q))
	if err != nil {
		return nil
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[q] = st
	return st
}

func (t *txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.d.rebind(q), args...)
}

func (t *txn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, t.d.rebind(q), args...)
}

func (t *txn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, t.d.rebind(q), args...)
}

// appendChange adds an item's change to the change sequence.
func (t *txn) appendChange(ctx context.Context, key string, deleted bool) error {
	if !t.ordered {
		return errors.New("store: a change appended outside an archive write transaction (use inTx, not inJobTx)")
	}
	var seq int64
	err := t.QueryRowContext(ctx, `INSERT INTO changes (item_key, deleted) VALUES (?, ?) RETURNING seq`, key, boolInt(deleted)).Scan(&seq)
	if err != nil {
		return err
	}
	t.lastSeq = max(t.lastSeq, seq)
	return nil
}
