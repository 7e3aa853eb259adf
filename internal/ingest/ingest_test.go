package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minutebook/minutebook"
	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/store"
	"github.com/minutebook/minutebook/internal/storetest"
)

const seedDir = "../../testdata/seeds"

// openStore opens an empty archive on backend; every test that stores
// runs once per backend (storetest.Run).
func openStore(t testing.TB, backend storetest.Backend) *store.Store {
	t.Helper()
	return storetest.Open(t, backend)
}

func ingestPaths(t testing.TB, st *store.Store, paths ...string) ingest.Summary {
	t.Helper()
	sum, err := ingest.Files(context.Background(), st, paths, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failures) > 0 {
		t.Fatalf("failures: %v", sum.Failures)
	}
	return sum
}

func export(t testing.TB, st *store.Store) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := ingest.Export(context.Background(), st, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// copySeeds copies seed files (with sidecars) into a fresh folder, so tests
// can change them and the source locations are the same in every run.
func copySeeds(t testing.TB, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		for _, f := range []string{n, n + ".meta.json"} {
			b, err := os.ReadFile(filepath.Join(seedDir, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

const (
	seed000 = "000_65df80eea297e0f5.txt"
	seed001 = "001_e207b07a5e064857.txt"
	seed002 = "002_f2d29427e0756c68.txt"
	seed003 = "003_defd383d8f0b697f.txt"
	seed004 = "004_bc8dacd3c0e61452.txt"
)

func TestIngestSeeds(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx := context.Background()
		st := openStore(t, backend)
		ingestPaths(t, st, seedDir)

		stats, err := st.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Councils != 3 || stats.Meetings != 4 || stats.Items != 38 {
			t.Errorf("stats %+v, want 3 councils, 4 meetings, 38 items", stats)
		}
		councils, err := st.Councils(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"leicestershire": 26, "worcestershire": 6, "middlesbrough": 6}
		for _, c := range councils {
			if want[c.Slug] != c.Items {
				t.Errorf("council %s has %d items, want %d", c.Slug, c.Items, want[c.Slug])
			}
			delete(want, c.Slug)
		}
		if len(want) > 0 {
			t.Errorf("councils missing: %v", want)
		}
		// The Leicestershire 2022 meeting: 12 items, the question item merged
		// with its full text from seed 004.
		ms, err := st.Meetings(ctx, "leicestershire", "children-and-families-overview-and-scrutiny-committee")
		if err != nil || len(ms) != 2 || ms[0].Date != "2022-09-06" || ms[0].Items != 12 || ms[1].Items != 14 {
			t.Fatalf("meetings %+v, %v", ms, err)
		}
		m, err := st.Meeting(ctx, ms[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		q := m.Items[1]
		if q.Truncated || q.Title != "Question Time." || !strings.Contains(q.Text, "Audits would also be used") || len(q.Sources) != 2 {
			t.Errorf("question item not merged: truncated=%v title=%q sources=%v", q.Truncated, q.Title, q.Sources)
		}
		if q.Path != "/leicestershire/children-and-families-overview-and-scrutiny-committee/2022-09-06/2-question-time" {
			t.Errorf("path %s", q.Path)
		}
		send := m.Items[7]
		if send.Path != "/leicestershire/children-and-families-overview-and-scrutiny-committee/2022-09-06/8-send-and-inclusion" {
			t.Errorf("SEND item path %s", send.Path)
		}
		got, err := st.ItemByPath(ctx, send.Path)
		if err != nil || got.Key != send.Key || got.CouncilName != "Leicestershire County Council" {
			t.Errorf("ItemByPath: %+v, %v", got.Key, err)
		}
		if _, err := st.Item(ctx, "nope"); !errors.Is(err, archive.ErrNotFound) {
			t.Errorf("missing item error %v", err)
		}
	})
}

func TestReingestChangesNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx := context.Background()
		st := openStore(t, backend)
		ingestPaths(t, st, seedDir)
		before, _ := st.LastSeq(ctx)
		exp := export(t, st)
		sum := ingestPaths(t, st, seedDir)
		after, _ := st.LastSeq(ctx)
		if before != after || sum.MeetingsNew+sum.MeetingsUpdated+sum.ItemsNew+sum.ItemsUpdated+sum.ItemsMerged != 0 {
			t.Errorf("re-ingest changed things: seq %d→%d, %s", before, after, sum)
		}
		if export(t, st) != exp {
			t.Error("export differs after re-ingest")
		}
	})
}

// TestMergeOrder: the cut-short meeting page and the item's own page give
// the same archive whichever is ingested first.
func TestMergeOrder(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		dir := copySeeds(t, seed000, seed004)
		a := openStore(t, backend)
		ingestPaths(t, a, filepath.Join(dir, seed000))
		ingestPaths(t, a, filepath.Join(dir, seed004))
		b := openStore(t, backend)
		ingestPaths(t, b, filepath.Join(dir, seed004))
		ingestPaths(t, b, filepath.Join(dir, seed000))
		ea, eb := export(t, a), export(t, b)
		if ea != eb {
			t.Errorf("archives differ by ingest order:\n%s\n---\n%s", ea, eb)
		}
		st, _ := b.Stats(context.Background())
		if st.Meetings != 1 || st.Items != 12 {
			t.Errorf("stats %+v: want one meeting of 12 items, no duplicate", st)
		}
		// The item page's own undated key now redirects to the merged item.
		sum, _ := ingest.Files(context.Background(), b, []string{filepath.Join(dir, seed004)}, ingest.Options{})
		if sum.MeetingsNew != 0 {
			t.Errorf("re-ingesting the item page created a meeting: %s", sum)
		}
	})
}

func rewrite(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestChangedTitleKeepsPermalink(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx := context.Background()
		dir := copySeeds(t, seed003)
		st := openStore(t, backend)
		ingestPaths(t, st, dir)
		old, err := st.ItemByPath(ctx, "/middlesbrough/children-and-young-peoples-social-care-and-services-scrutiny-panel/2022-03-21/21-51-overview-and-scrutiny-board-update")
		if err != nil {
			t.Fatal(err)
		}
		rewrite(t, filepath.Join(dir, seed003), "Overview and Scrutiny Board Update", "Overview and Scrutiny Board - Chair's Update")
		sum := ingestPaths(t, st, dir)
		if sum.ItemsUpdated != 1 || sum.ItemsNew != 0 {
			t.Errorf("summary %s", sum)
		}
		now, err := st.Item(ctx, old.Key)
		if err != nil {
			t.Fatalf("key changed with the title: %v", err)
		}
		if now.Path == old.Path || now.Title != "Overview and Scrutiny Board - Chair's Update" {
			t.Errorf("path %s title %q", now.Path, now.Title)
		}
		if p, err := st.ResolveAlias(ctx, old.Path); err != nil || p != now.Path {
			t.Errorf("old path resolves to %q, %v; want %s", p, err, now.Path)
		}
	})
}

func TestRenumberedItemRedirects(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx := context.Background()
		dir := copySeeds(t, seed003)
		st := openStore(t, backend)
		ingestPaths(t, st, dir)
		old, err := st.ItemByPath(ctx, "/middlesbrough/children-and-young-peoples-social-care-and-services-scrutiny-panel/2022-03-21/21-51-overview-and-scrutiny-board-update")
		if err != nil {
			t.Fatal(err)
		}
		rewrite(t, filepath.Join(dir, seed003), "\n21/51\n", "\n21/51A\n")
		ingestPaths(t, st, dir)
		if _, err := st.Item(ctx, old.Key); !errors.Is(err, archive.ErrNotFound) {
			t.Fatalf("old key still an item: %v", err)
		}
		for _, k := range []string{old.Key, old.Path} {
			p, err := st.ResolveAlias(ctx, k)
			if err != nil || !strings.HasSuffix(p, "/21-51a-overview-and-scrutiny-board-update") {
				t.Errorf("alias %s → %q, %v", k, p, err)
			}
		}
		stats, _ := st.Stats(ctx)
		if stats.Items != 6 {
			t.Errorf("%d items after renumbering, want 6", stats.Items)
		}
	})
}

func TestCorrectedDateKeepsOldPermalinks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx := context.Background()
		dir := copySeeds(t, seed003)
		st := openStore(t, backend)
		ingestPaths(t, st, dir)
		ms, _ := st.Meetings(ctx, "middlesbrough", "children-and-young-peoples-social-care-and-services-scrutiny-panel")
		oldMeeting, _ := st.Meeting(ctx, ms[0].Key)
		rewrite(t, filepath.Join(dir, seed003), "Monday 21st March, 2022", "Tuesday 22nd March, 2022")
		ingestPaths(t, st, dir)
		stats, _ := st.Stats(ctx)
		if stats.Meetings != 1 || stats.Items != 6 {
			t.Errorf("stats %+v", stats)
		}
		for _, it := range oldMeeting.Items {
			p, err := st.ResolveAlias(ctx, it.Path)
			if err != nil || !strings.Contains(p, "/2022-03-22/") {
				t.Errorf("old %s → %q, %v", it.Path, p, err)
			}
		}
	})
}

func TestBadFileSkipped(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		dir := copySeeds(t, seed002, seed003)
		os.WriteFile(filepath.Join(dir, "empty.txt"), nil, 0o644)
		st := openStore(t, backend)
		sum, err := ingest.Files(context.Background(), st, []string{dir, filepath.Join(dir, "missing.txt")}, ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Failures) != 2 || sum.MeetingsNew != 2 {
			t.Errorf("summary %s, failures %v", sum, sum.Failures)
		}
		for _, f := range sum.Failures {
			if !strings.Contains(f.Path+f.Reason, "empty.txt") && !strings.Contains(f.Path, "missing.txt") {
				t.Errorf("failure does not name its file: %+v", f)
			}
		}
	})
}

func TestCancelledIngestLeavesNoPartialMeeting(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx, cancel := context.WithCancel(context.Background())
		st := openStore(t, backend)
		prog := &cancelAfter{n: 2, cancel: cancel}
		_, err := ingest.Files(ctx, st, []string{seedDir}, ingest.Options{Progress: prog})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		assertWholeMeetings(t, st)
		stats, _ := st.Stats(context.Background())
		if stats.Meetings != 2 {
			t.Errorf("%d meetings after cancelling at the third document, want 2", stats.Meetings)
		}
		ingestPaths(t, st, seedDir) // a re-run completes it
		stats, _ = st.Stats(context.Background())
		if stats.Meetings != 4 || stats.Items != 38 {
			t.Errorf("after re-run: %+v", stats)
		}
	})
}

type cancelAfter struct {
	n      int
	cancel func()
}

func (c *cancelAfter) Start(int) {}
func (c *cancelAfter) Done(string, store.SaveResult, error) {
	if c.n--; c.n == 0 {
		c.cancel()
	}
}
func (c *cancelAfter) Finish(ingest.Summary) {}

// assertWholeMeetings checks every stored meeting has exactly the items its
// source document has: nothing half-written.
func assertWholeMeetings(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	want := map[string]int{"2022-09-06": 12, "2019-09-03": 14, "2018-05-16": 6, "2022-03-21": 6}
	cs, _ := st.Councils(ctx)
	for _, c := range cs {
		cms, _ := st.Committees(ctx, c.Slug)
		for _, cm := range cms {
			ms, _ := st.Meetings(ctx, c.Slug, cm.Slug)
			for _, m := range ms {
				if m.Items != want[m.Date] {
					t.Errorf("meeting %s has %d items, want %d", m.Path, m.Items, want[m.Date])
				}
			}
		}
	}
}

// TestKilledIngest kills an ingest process mid-run (SIGKILL, no chance to
// clean up) and checks the archive holds only whole meetings and that a
// re-run completes it.
func TestKilledIngest(t *testing.T) {
	if os.Getenv("MINUTEBOOK_CHILD_DB") != "" {
		// Child: ingest two versions of the seeds in turn until killed, so
		// every pass rewrites items.
		st, err := store.Open(context.Background(), os.Getenv("MINUTEBOOK_CHILD_DB"))
		if err != nil {
			os.Exit(3)
		}
		dirs := strings.Split(os.Getenv("MINUTEBOOK_CHILD_DIRS"), string(os.PathListSeparator))
		for i := 0; ; i++ {
			ingest.Files(context.Background(), st, []string{dirs[i%2]}, ingest.Options{})
		}
	}
	if testing.Short() {
		t.Skip("kills a child process")
	}
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		all := []string{seed000, seed001, seed002, seed003, seed004}
		a, b := copySeeds(t, all...), copySeeds(t, all...)
		rewrite(t, filepath.Join(b, seed000), "There were no urgent items for consideration.", "There were no urgent items.")
		rewrite(t, filepath.Join(b, seed001), "There were no urgent items for consideration.", "There were no urgent items.")
		rewrite(t, filepath.Join(b, seed002), "No apologies were received.", "No apologies had been received.")
		rewrite(t, filepath.Join(b, seed003), "There were no Declarations of Interest made", "No Declarations of Interest were made")
		db := storetest.Target(t, backend)
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		for round := 0; round < 5; round++ {
			cmd := exec.Command(exe, "-test.run=^TestKilledIngest$")
			cmd.Env = append(os.Environ(), "MINUTEBOOK_CHILD_DB="+db, "MINUTEBOOK_CHILD_DIRS="+a+string(os.PathListSeparator)+b)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(300+round*170) * time.Millisecond)
			cmd.Process.Kill()
			cmd.Wait()
			st, err := store.Open(context.Background(), db)
			if err != nil {
				t.Fatalf("round %d: archive does not open after kill: %v", round, err)
			}
			assertWholeMeetings(t, st)
			st.Close()
		}
		st, err := store.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ingestPaths(t, st, a)
		stats, _ := st.Stats(context.Background())
		if stats.Meetings != 4 || stats.Items != 38 {
			t.Errorf("after re-run: %+v", stats)
		}
		m, _ := st.Meetings(context.Background(), "worcestershire", "children-and-families-overview-and-scrutiny-panel")
		full, _ := st.Meeting(context.Background(), m[0].Key)
		// Two sources disagree; the one ingested last stands.
		if txt := full.Items[0].Text; txt != "No apologies were received." && txt != "No apologies had been received." {
			t.Errorf("item text %q is neither version", txt)
		}
	})
}

func TestExportImportRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx := context.Background()
		a := openStore(t, backend)
		ingestPaths(t, a, seedDir)
		first := export(t, a)
		b := openStore(t, backend)
		if _, err := ingest.Import(ctx, b, strings.NewReader(first), "export.jsonl", nil); err != nil {
			t.Fatal(err)
		}
		if second := export(t, b); second != first {
			t.Errorf("round trip differs:\n%s\n---\n%s", first, second)
		}
		// Importing again changes nothing.
		seq, _ := b.LastSeq(ctx)
		if _, err := ingest.Import(ctx, b, strings.NewReader(first), "export.jsonl", nil); err != nil {
			t.Fatal(err)
		}
		if again, _ := b.LastSeq(ctx); again != seq {
			t.Errorf("re-import changed the archive: seq %d → %d", seq, again)
		}
	})
}

func TestImportErrorsNameTheLine(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		st := openStore(t, backend)
		_, err := ingest.Import(context.Background(), st, strings.NewReader("{\"items\":[{\"title\":\"x\"}],\"council_slug\":\"a\"}\n{not json\n"), "bad.jsonl", nil)
		if err == nil || !strings.Contains(err.Error(), "bad.jsonl line 2") {
			t.Errorf("error %v", err)
		}
	})
}

func TestLoadSample(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		st := openStore(t, backend)
		sum, err := ingest.LoadSample(context.Background(), st, minutebook.Sample())
		if err != nil || len(sum.Failures) > 0 {
			t.Fatalf("%v %v", err, sum.Failures)
		}
		stats, _ := st.Stats(context.Background())
		if stats.Meetings != 4 || stats.Items != 38 || stats.Councils != 3 {
			t.Errorf("sample stats %+v", stats)
		}
	})
}

func TestChangeSequence(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx := context.Background()
		st := openStore(t, backend)
		ingestPaths(t, st, seedDir)
		seq, _ := st.LastSeq(ctx)
		changes, err := st.Changes(ctx, 0, 1000)
		if err != nil || len(changes) == 0 || changes[len(changes)-1].Seq != seq {
			t.Fatalf("changes %d, last %d, %v", len(changes), seq, err)
		}
		for i := 1; i < len(changes); i++ {
			if changes[i].Seq <= changes[i-1].Seq {
				t.Fatal("change sequence not increasing")
			}
		}
		page, _ := st.Changes(ctx, changes[5].Seq, 3)
		if len(page) != 3 || page[0].Seq != changes[6].Seq {
			t.Errorf("paging after %d: %+v", changes[5].Seq, page)
		}
	})
}

// TestIssuePageGivesAMeetingPerListing: an issue page lists its item at
// two meetings; both are stored, and re-ingesting changes nothing.
func TestIssuePageGivesAMeetingPerListing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx := context.Background()
		dir := t.TempDir()
		page := filepath.Join(dir, "issue.txt")
		b, err := os.ReadFile("../../testdata/parse/issue-history.txt")
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(page, b, 0o644)
		os.WriteFile(page+".meta.json", []byte(`{"council": "Worcestershire County Council"}`), 0o644)
		st := openStore(t, backend)
		sum := ingestPaths(t, st, page)
		if sum.MeetingsNew != 2 || sum.ItemsNew != 2 {
			t.Errorf("summary %s", sum)
		}
		seq, _ := st.LastSeq(ctx)
		again := ingestPaths(t, st, page)
		if now, _ := st.LastSeq(ctx); now != seq || again.MeetingsNew+again.MeetingsUpdated != 0 {
			t.Errorf("re-ingest changed things: %s", again)
		}
		cms, _ := st.Committees(ctx, "worcestershire")
		if len(cms) != 2 {
			t.Errorf("committees %+v", cms)
		}
	})
}

// Item counts follow items that are dropped or moved: the council list
// and the totals read the counts the store keeps per meeting (checked
// against the items themselves when every test's store closes).
func TestItemCountsFollowChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		ctx := context.Background()
		st := openStore(t, backend)
		ingestPaths(t, st, seedDir)
		lines := strings.Split(strings.TrimSpace(export(t, st)), "\n")
		var m archive.Meeting
		if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
			t.Fatal(err)
		}
		if len(m.Items) < 3 || m.Date == "" {
			t.Fatalf("first exported meeting: %d items, date %q", len(m.Items), m.Date)
		}
		check := func(step string, wantDelta int) {
			t.Helper()
			before, _ := st.Stats(ctx)
			m.Key = ""
			b, _ := json.Marshal(m)
			if _, err := ingest.Import(ctx, st, bytes.NewReader(append(b, '\n')), "changed.jsonl", nil); err != nil {
				t.Fatal(err)
			}
			after, _ := st.Stats(ctx)
			if after.Items != before.Items+wantDelta || after.Meetings != before.Meetings {
				t.Errorf("%s: stats before %+v, after %+v: want %+d items, as many meetings", step, before, after, wantDelta)
			}
			if err := st.CheckItemCounts(ctx); err != nil {
				t.Errorf("%s: %v", step, err)
			}
			sum := 0
			councils, _ := st.Councils(ctx)
			for _, c := range councils {
				sum += c.Items
			}
			if sum != after.Items {
				t.Errorf("%s: councils hold %d items, the archive %d", step, sum, after.Items)
			}
		}
		// The same meeting from its source, one item fewer.
		m.Items = m.Items[:len(m.Items)-1]
		check("an item dropped", -1)
		// Then a day later: its items move to a new meeting.
		day, _ := time.Parse("2006-01-02", m.Date)
		m.Date = day.AddDate(0, 0, 1).Format("2006-01-02")
		check("the date corrected", 0)
		// Then an item back.
		var first archive.Meeting
		json.Unmarshal([]byte(lines[0]), &first)
		m.Items = append(m.Items, first.Items[len(first.Items)-1])
		check("an item added", 1)
	})
}
