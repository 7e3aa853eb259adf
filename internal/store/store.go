// Package store is the archive's source of truth: councils, committees,
// meetings and agenda items in SQL — SQLite through the pure-Go
// modernc.org/sqlite driver on one machine, or PostgreSQL through pgx when
// several nodes share the archive (dialect.go holds every difference) —
// with stable keys and permalinks, aliases for keys that changed,
// provenance, and a change sequence that the search indexes follow.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"
)

// Store is the archive database: a SQLite file (the default, one machine)
// or a PostgreSQL database shared by several nodes.
type Store struct {
	db     *db
	target string
}

// Open opens the archive at target, a SQLite file path (created if
// needed) or a postgres:// URL, and applies any pending migrations.
func Open(ctx context.Context, target string) (*Store, error) {
	fail := func(err error) (*Store, error) {
		return nil, fmt.Errorf("store.Open %s: %w", redact(target), err)
	}
	sqlDB, d, err := openDB(target)
	if err != nil {
		return fail(err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return fail(err)
	}
	if err := d.migrate(ctx, sqlDB); err != nil {
		sqlDB.Close()
		return fail(err)
	}
	return &Store{db: &db{sql: sqlDB, d: d}, target: target}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.sql.Close() }

// Path is the database file, or the PostgreSQL URL without its password.
func (s *Store) Path() string { return redact(s.target) }

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.db.d.name }

// Ping checks the database answers (for readiness probes).
func (s *Store) Ping(ctx context.Context) error { return s.db.sql.PingContext(ctx) }

// inTx runs fn in one write transaction, committed only if fn succeeds and
// ctx is still live: an interrupted document leaves nothing half-written.
// Write transactions are serialised (dialect.beginWrite), and one that
// appended changes wakes the followers when it commits (dialect.notify).
func (s *Store) inTx(ctx context.Context, fn func(*txn) error) error {
	return s.runTx(ctx, true, fn)
}

// inJobTx runs fn in a transaction that does not wait for the archive
// write lock and may not append changes: for bookkeeping that many
// workers do at once beside archive writes (claiming and renewing job or
// site leases with SELECT … FOR UPDATE SKIP LOCKED). Archive rows are
// written only through inTx.
func (s *Store) inJobTx(ctx context.Context, fn func(*txn) error) error {
	return s.runTx(ctx, false, fn)
}

func (s *Store) runTx(ctx context.Context, ordered bool, fn func(*txn) error) error {
	sqlTx, err := s.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &txn{tx: sqlTx, d: s.db.d, ordered: ordered}
	if ordered && tx.d.beginWrite != "" {
		if _, err := tx.ExecContext(ctx, tx.d.beginWrite); err != nil {
			sqlTx.Rollback()
			return err
		}
	}
	if err := fn(tx); err != nil {
		sqlTx.Rollback()
		return err
	}
	if tx.d.notify != "" && tx.lastSeq > 0 {
		// Delivered on commit, and only if it commits.
		if _, err := tx.ExecContext(ctx, tx.d.notify, fmt.Sprint(tx.lastSeq)); err != nil {
			sqlTx.Rollback()
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		sqlTx.Rollback()
		return err
	}
	return sqlTx.Commit()
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// notFound maps sql.ErrNoRows to archive.ErrNotFound with context.
func notFound(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, errNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Backup writes a consistent copy of the database to path while it stays
// in use: VACUUM INTO for SQLite, pg_dump for PostgreSQL.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store.Backup: %s already exists", path)
	}
	if err := s.db.d.backup(ctx, s.db, s.target, path); err != nil {
		return fmt.Errorf("store.Backup %s: %w", path, err)
	}
	return nil
}
