package store_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/minutebook/minutebook"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/store"
	"github.com/minutebook/minutebook/internal/storetest"
)

func loadSample(t *testing.T, st *store.Store) {
	t.Helper()
	if _, err := ingest.LoadSample(context.Background(), st, minutebook.Sample()); err != nil {
		t.Fatal(err)
	}
}

// TestSameSchemaOnEveryBackend: the PostgreSQL copies of migrations
// (migrations/postgres/) define the same tables and columns as the shared
// files SQLite runs.
func TestSameSchemaOnEveryBackend(t *testing.T) {
	ctx := context.Background()
	schema := map[storetest.Backend][]string{}
	for _, b := range storetest.Backends {
		st := storetest.Open(t, b)
		q := `SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%' AND m.name NOT LIKE 'goose%'`
		if b == storetest.Postgres {
			q = `SELECT table_name || '.' || column_name FROM information_schema.columns
				WHERE table_schema = 'public' AND table_name NOT LIKE 'goose%'`
		}
		rows, err := st.DBForTest().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c string
			rows.Scan(&c)
			schema[b] = append(schema[b], c)
		}
		rows.Close()
		sort.Strings(schema[b])
	}
	got, want := strings.Join(schema[storetest.Postgres], "\n"), strings.Join(schema[storetest.SQLite], "\n")
	if got != want || len(schema[storetest.SQLite]) < 40 {
		t.Errorf("PostgreSQL columns:\n%s\nSQLite columns:\n%s", got, want)
	}
}

// TestEmpty: a new archive is empty, and one meeting makes it not, on
// every backend (serve loads the sample minutes only into an empty one).
func TestEmpty(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b)
		if empty, err := st.Empty(context.Background()); err != nil || !empty {
			t.Fatalf("a new archive: Empty = %v, %v; want true", empty, err)
		}
		loadSample(t, st)
		if empty, err := st.Empty(context.Background()); err != nil || empty {
			t.Fatalf("after the sample: Empty = %v, %v; want false", empty, err)
		}
	})
}

// TestConcurrentWritersNeverSkipAChange: a writer that took a change seq
// but has not committed holds back every later writer, so a follower
// reading "changes after the last seq I applied" can never pass over it.
// (SQLite has one writer by construction; this is PostgreSQL's hazard.)
func TestConcurrentWritersNeverSkipAChange(t *testing.T) {
	ctx := context.Background()
	target := storetest.Target(t, storetest.Postgres)
	slow, fast, follower := openOn(t, target), openOn(t, target), openOn(t, target)

	appended, release := make(chan struct{}), make(chan struct{})
	slowDone := make(chan error, 1)
	go func() { slowDone <- slow.HoldChangeForTest(ctx, "slow", appended, release) }()
	<-appended // the slow writer holds seq n, uncommitted

	fastDone := make(chan error, 1)
	go func() { fastDone <- fast.HoldChangeForTest(ctx, "fast", make(chan struct{}), closed()) }()
	// The fast writer must be waiting for the write lock, not committing
	// seq n+1 ahead of n.
	admin := storetest.RequirePostgres(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
			WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = $1`, dbName(target)).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-fastDone:
			t.Fatalf("a second writer committed (err %v) while the first held an earlier seq", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the second writer never waited for the write lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if cs, err := follower.Changes(ctx, 0, 10); err != nil || len(cs) != 0 {
		t.Fatalf("follower sees %+v (%v) before the first writer commits", cs, err)
	}
	close(release)
	if err := <-slowDone; err != nil {
		t.Fatal(err)
	}
	if err := <-fastDone; err != nil {
		t.Fatal(err)
	}
	cs, err := follower.Changes(ctx, 0, 10)
	if err != nil || len(cs) != 2 || cs[0].ItemKey != "slow" || cs[1].ItemKey != "fast" || cs[0].Seq >= cs[1].Seq {
		t.Errorf("changes %+v (%v), want slow then fast", cs, err)
	}
}

func openOn(t *testing.T, target string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func dbName(target string) string { return target[strings.LastIndexByte(target, '/')+1:] }

func closed() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// TestChangeNotifications: on PostgreSQL another process's commit wakes a
// follower; on SQLite there is no channel and followers poll.
func TestChangeNotifications(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		target := storetest.Target(t, backend)
		node, writer := openOn(t, target), openOn(t, target)
		wake := node.ChangeNotifications(ctx, nil)
		if backend == storetest.SQLite {
			if wake != nil {
				t.Fatal("SQLite store gave a notification channel")
			}
			return
		}
		<-wake // sent once listening: catch up on what came before
		if err := writer.HoldChangeForTest(ctx, "k", make(chan struct{}), closed()); err != nil {
			t.Fatal(err)
		}
		select {
		case <-wake:
		case <-time.After(5 * time.Second):
			t.Fatal("no notification within 5 s of a committed change")
		}
		cancel()
		for range wake { // closed when ctx ends
		}
	})
}

func TestBackup(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		loadSample(t, st)
		out := filepath.Join(t.TempDir(), "backup")
		_, pgDumpErr := exec.LookPath("pg_dump")
		err := st.Backup(ctx, out)
		switch {
		case backend == storetest.Postgres && pgDumpErr != nil:
			if err == nil || !strings.Contains(err.Error(), "pg_dump") {
				t.Fatalf("backup without pg_dump: %v, want an error naming pg_dump", err)
			}
			return
		case err != nil:
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if backend == storetest.Postgres {
			if !strings.HasPrefix(string(b), "PGDMP") {
				t.Errorf("backup is not a pg_dump archive: %q", b[:min(len(b), 16)])
			}
		} else {
			copy, err := store.Open(ctx, out)
			if err != nil {
				t.Fatal(err)
			}
			defer copy.Close()
			if stats, _ := copy.Stats(ctx); stats.Items != 38 {
				t.Errorf("backup holds %+v", stats)
			}
		}
		if err := st.Backup(ctx, out); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("second backup to the same file: %v", err)
		}
	})
}

func TestOpenErrorsNameTheDatabase(t *testing.T) {
	ctx := context.Background()
	// Port 1 on loopback: nothing listens, and the password must not leak.
	_, err := store.Open(ctx, "postgres://mb:secret@127.0.0.1:1/minutebook?connect_timeout=2")
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1/minutebook") || strings.Contains(err.Error(), "secret") {
		t.Errorf("error %v: want the URL without its password", err)
	}
}

// TestSameBrowsingOnEveryBackend: the sample archive reads back the same
// through every listing and lookup on SQLite and PostgreSQL (ordering,
// counts, undated-last sorting, aliases, the change sequence).
func TestSameBrowsingOnEveryBackend(t *testing.T) {
	ctx := context.Background()
	views := map[storetest.Backend]string{}
	for _, b := range storetest.Backends {
		st := storetest.Open(t, b)
		loadSample(t, st)
		var out []any
		add := func(v any, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			out = append(out, v)
		}
		councils, err := st.Councils(ctx)
		for i := range councils {
			councils[i].LastIngested = time.Time{} // when this test ran
		}
		add(councils, err)
		for _, c := range councils {
			cms, err := st.Committees(ctx, c.Slug)
			add(cms, err)
			for _, cm := range cms {
				add(st.Meetings(ctx, c.Slug, cm.Slug))
			}
		}
		latest, err := st.LatestMeetings(ctx, 10)
		add(latest, err)
		for _, m := range latest {
			v, err := st.MeetingByPath(ctx, m.Path)
			for i := range v.Items {
				v.Items[i].UpdatedAt = time.Time{}
			}
			add(v, err)
		}
		stats, err := st.Stats(ctx)
		stats.LastIngested = time.Time{}
		add(stats, err)
		add(st.Changes(ctx, 0, 1000))
		add(st.LastSeq(ctx))
		_, err = st.Item(ctx, "no-such-key")
		add(err.Error(), nil)
		js, _ := json.MarshalIndent(out, "", " ")
		views[b] = string(js)
	}
	if n := len(views[storetest.SQLite]); n < 20000 {
		t.Fatalf("only %d bytes read back: the sample did not load", n)
	}
	if views[storetest.SQLite] != views[storetest.Postgres] {
		t.Errorf("SQLite and PostgreSQL read back differently:\n%s\n---\n%s", views[storetest.SQLite], views[storetest.Postgres])
	}
}

// TestNodesStartingTogether: several processes opening a new PostgreSQL
// archive at once all succeed; one of them applies the migrations.
func TestNodesStartingTogether(t *testing.T) {
	target := storetest.Target(t, storetest.Postgres)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			st, err := store.Open(context.Background(), target)
			if err == nil {
				st.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestJobTransactionsAppendNoChanges: a job transaction does not take the
// archive write lock, so it must not write to the change sequence either.
func TestJobTransactionsAppendNoChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		if err := st.JobTxChangeForTest(ctx, "k"); err == nil || !strings.Contains(err.Error(), "inJobTx") {
			t.Errorf("change in a job transaction: %v", err)
		}
		if seq, _ := st.LastSeq(ctx); seq != 0 {
			t.Errorf("seq %d after a refused change", seq)
		}
	})
}
