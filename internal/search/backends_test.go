package search_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/minutebook/minutebook"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/sampletest"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/internal/store"
	"github.com/minutebook/minutebook/internal/storetest"
)

// TestSameResultsOnEveryBackend builds the sample archive on SQLite and on
// PostgreSQL and checks they export the same JSON lines and answer every
// relevance query, filter, sort and facet with the same hits in the same
// order.
func TestSameResultsOnEveryBackend(t *testing.T) {
	ctx := context.Background()
	stS, ixS := sampletest.ArchiveOn(t, storetest.SQLite)
	stP, ixP := sampletest.ArchiveOn(t, storetest.Postgres)

	var expS, expP bytes.Buffer
	if _, err := ingest.Export(ctx, stS, &expS); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Export(ctx, stP, &expP); err != nil {
		t.Fatal(err)
	}
	if expS.Len() == 0 || expS.String() != expP.String() {
		t.Fatalf("exports differ (%d and %d bytes):\n%s\n---\n%s", expS.Len(), expP.Len(), expS.String(), expP.String())
	}

	var reqs []search.Request
	files, _ := filepath.Glob("../../testdata/relevance/*.txt")
	for _, file := range files {
		for _, tc := range readRelevance(t, file) {
			req := search.Request{Query: tc.query, PerPage: 50, Facets: true, Highlight: true}
			if tc.council != "" {
				req.Councils = []string{tc.council}
			}
			reqs = append(reqs, req)
		}
	}
	reqs = append(reqs,
		search.Request{PerPage: 100, Sort: "newest", Facets: true},
		search.Request{PerPage: 100, Sort: "oldest"},
		search.Request{Query: "school", From: "2019-01-01", To: "2022-12-31", GroupByMeeting: true},
		search.Request{Topics: []string{"send"}, PerPage: 100},
	)
	if len(reqs) < 10 {
		t.Fatalf("only %d requests: relevance tables not found", len(reqs))
	}
	for _, req := range reqs {
		a, err := ixS.Search(ctx, req)
		if err != nil {
			t.Fatalf("sqlite %+v: %v", req, err)
		}
		b, err := ixP.Search(ctx, req)
		if err != nil {
			t.Fatalf("postgres %+v: %v", req, err)
		}
		a.Took, b.Took = 0, 0
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%+v: results differ\nsqlite:   %s\npostgres: %s", req, ja, jb)
		}
	}
}

// TestFollowOnEveryBackend: a following index applies a change written
// through another store (another process's pool): on PostgreSQL within
// 5 s though it polls only hourly (LISTEN/NOTIFY wakes it), on SQLite by
// polling.
func TestFollowOnEveryBackend(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		target := storetest.Target(t, backend)
		writer, err := store.Open(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		defer writer.Close()
		if _, err := ingest.LoadSample(ctx, writer, minutebook.Sample()); err != nil {
			t.Fatal(err)
		}
		reader, err := store.Open(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		defer reader.Close()
		ix, err := search.Open(ctx, filepath.Join(t.TempDir(), "index"), search.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		every := time.Hour
		if backend == storetest.SQLite {
			every = 20 * time.Millisecond
		}
		followed := make(chan struct{})
		go func() {
			defer close(followed)
			ix.Follow(ctx, reader, every)
		}()
		defer func() { cancel(); <-followed }()
		waitSeq := func(what string) {
			t.Helper()
			want, _ := writer.LastSeq(ctx)
			deadline := time.Now().Add(5 * time.Second)
			for ix.AppliedSeq() < want {
				if time.Now().After(deadline) {
					t.Fatalf("%s: index at seq %d, archive at %d after 5 s", what, ix.AppliedSeq(), want)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		waitSeq("initial build")
		res := search1(t, ix, search.Request{Topics: []string{"send"}})
		if _, err := writer.SetTopics(ctx, res.Hits[0].Key, nil); err != nil {
			t.Fatal(err)
		}
		waitSeq("after a retag")
		if after := search1(t, ix, search.Request{Topics: []string{"send"}}); after.Total != res.Total-1 {
			t.Errorf("after untagging: %d, want %d", after.Total, res.Total-1)
		}
	})
}
