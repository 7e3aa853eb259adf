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
	t.Cleanup(func() { st.Close() })
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
	name := "mb_test_" + randomHex(6)
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
