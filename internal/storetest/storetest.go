// Package storetest gives tests a fresh archive database on every backend
// the store supports: a SQLite file in t.TempDir(), and a new PostgreSQL
// database per call on the server named by MINUTEBOOK_TEST_POSTGRES
// (default postgres://postgres@127.0.0.1:5432/postgres), dropped when the
// test ends.
//
// Without a reachable PostgreSQL the postgres subtests skip, except in CI
// (CI set), where they fail: CI must test both backends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/minutebook/minutebook/internal/store"
)

// Backend is a database engine the store runs on.
type Backend string

// The backends.
const (
	SQLite   Backend = "sqlite"
	Postgres Backend = "postgres"
)

// Backends lists every backend, SQLite first.
var Backends = []Backend{SQLite, Postgres}

// DefaultPostgres is the server tests use when MINUTEBOOK_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres"

// Run runs fn as one subtest per backend, named after it. The test runs
// in parallel with the package's other Run tests (each has databases and
// folders of its own): creating and dropping a PostgreSQL database is
// mostly waiting for the disk, and that waiting overlaps.
func Run(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Helper()
	t.Parallel()
	for _, b := range Backends {
		t.Run(string(b), func(t *testing.T) { fn(t, b) })
	}
}

// Open opens a store on a new, empty database of backend b, closed when
// the test ends.
func Open(t testing.TB, b Backend) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), Target(t, b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Every test that saved anything checks the kept item counts.
		if err := st.CheckItemCounts(context.Background()); err != nil {
			t.Error(err)
		}
		st.Close()
	})
	return st
}

// Target returns what store.Open takes for a new, empty database of
// backend b: a SQLite path, or the URL of a PostgreSQL database created
// for this test and dropped when it ends. Several stores (nodes) may open
// the same target.
func Target(t testing.TB, b Backend) string {
	t.Helper()
	if b == SQLite {
		return filepath.Join(t.TempDir(), "data", "minutebook.db")
	}
	admin := RequirePostgres(t)
	// The creation time in the name lets a later run drop what a killed
	// run left behind (sweep).
	name := fmt.Sprintf("%s%d_%s", dbPrefix, time.Now().Unix(), randomHex(4))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("storetest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE: a follower's listener may still be connected.
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
		}
	})
	u, _ := url.Parse(serverURL())
	u.Path = "/" + name
	return u.String()
}

var (
	adminOnce sync.Once
	adminDB   *sql.DB
	adminErr  error
)

func serverURL() string {
	if u := os.Getenv("MINUTEBOOK_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgres
}

// RequirePostgres returns a connection to the test PostgreSQL server, or
// skips the test when there is none (fails it in CI).
func RequirePostgres(t testing.TB) *sql.DB {
	t.Helper()
	adminOnce.Do(func() {
		if _, err := url.Parse(serverURL()); err != nil {
			adminErr = fmt.Errorf("MINUTEBOOK_TEST_POSTGRES: %w", err)
			return
		}
		db, err := sql.Open("pgx", serverURL())
		if err != nil {
			adminErr = err
			return
		}
		db.SetMaxOpenConns(2)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			adminErr = err
			return
		}
		adminDB = db
		sweep(db)
	})
	if adminErr != nil {
		msg := fmt.Sprintf("PostgreSQL at %s is not reachable (set MINUTEBOOK_TEST_POSTGRES): %v", redacted(serverURL()), adminErr)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return adminDB
}

const dbPrefix = "mb_test_"

// sweep drops test databases more than an hour old: left by a run that
// was killed before its cleanup. Best effort.
func sweep(db *sql.DB) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'mb\_test\_%'`)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		var created int64
		if rows.Scan(&name) == nil {
			if _, err := fmt.Sscanf(strings.TrimPrefix(name, dbPrefix), "%d_", &created); err == nil &&
				time.Since(time.Unix(created, 0)) > time.Hour {
				stale = append(stale, name)
			}
		}
	}
	rows.Close()
	for _, name := range stale {
		db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	}
}

func redacted(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
