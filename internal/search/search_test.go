package search_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/minutebook/minutebook"
	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/corpus"
	"github.com/minutebook/minutebook/internal/ingest"
	"github.com/minutebook/minutebook/internal/query"
	"github.com/minutebook/minutebook/internal/sampletest"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/internal/store"
	"github.com/minutebook/minutebook/internal/storetest"
)

var quiet = sampletest.Quiet

// sampleIndex builds a real archive and index from the sample minutes.
func sampleIndex(t testing.TB) (*store.Store, *search.Index) { return sampletest.Archive(t) }

func titles(res *search.Result) []string {
	var out []string
	for _, h := range res.Hits {
		if h.Title == "" {
			out = append(out, "(untitled)")
		} else {
			out = append(out, h.Title)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type relevanceCase struct {
	line           int
	query, council string
	first          string
	find, exclude  []string
	total          int
}

func readRelevance(t *testing.T, path string) []relevanceCase {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []relevanceCase
	cur := relevanceCase{total: -1}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		if line == "" {
			if cur.query != "" {
				out = append(out, cur)
			}
			cur = relevanceCase{total: -1}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s:%d: want key: value", path, n)
		}
		v = strings.TrimSpace(v)
		switch k {
		case "query":
			cur.query, cur.line = v, n
		case "council":
			cur.council = v
		case "first":
			cur.first = v
		case "find":
			cur.find = append(cur.find, v)
		case "exclude":
			cur.exclude = append(cur.exclude, v)
		case "total":
			cur.total, _ = strconv.Atoi(v)
		default:
			t.Fatalf("%s:%d: unknown key %q", path, n, k)
		}
	}
	if cur.query != "" {
		out = append(out, cur)
	}
	return out
}

// TestRelevance runs the query tables in testdata/relevance.
func TestRelevance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, backend storetest.Backend) {
		_, ix := sampletest.ArchiveOn(t, backend)
		relevance(t, ix)
	})
}

func relevance(t *testing.T, ix *search.Index) {
	files, _ := filepath.Glob("../../testdata/relevance/*.txt")
	for _, file := range files {
		for _, tc := range readRelevance(t, file) {
			t.Run(filepath.Base(file)+":"+strconv.Itoa(tc.line), func(t *testing.T) {
				req := search.Request{Query: tc.query, PerPage: 50}
				if tc.council != "" {
					req.Councils = []string{tc.council}
				}
				res, err := ix.Search(context.Background(), req)
				if err != nil {
					t.Fatalf("%q: %v", tc.query, err)
				}
				got := titles(res)
				if tc.first != "" && (len(got) == 0 || got[0] != tc.first) {
					t.Errorf("%q: first %v, want %q", tc.query, got, tc.first)
				}
				for _, f := range tc.find {
					if !contains(got, f) {
						t.Errorf("%q: %q not found in %v", tc.query, f, got)
					}
				}
				for _, x := range tc.exclude {
					if contains(got, x) {
						t.Errorf("%q: %q found, should not be", tc.query, x)
					}
				}
				if tc.total >= 0 && int(res.Total) != tc.total {
					t.Errorf("%q: %d results %v, want %d", tc.query, res.Total, got, tc.total)
				}
			})
		}
	}
}

func search1(t *testing.T, ix *search.Index, req search.Request) *search.Result {
	t.Helper()
	if req.PerPage == 0 {
		req.PerPage = 50
	}
	res, err := ix.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("%+v: %v", req, err)
	}
	return res
}

func TestPhraseExactness(t *testing.T) {
	_, ix := sampleIndex(t)
	// Unquoted words are stemmed; a quoted phrase is exact.
	loose := search1(t, ix, search.Request{Query: "elective home educated"})
	exact := search1(t, ix, search.Request{Query: `"electively home educated"`})
	if loose.Total == 0 || exact.Total == 0 {
		t.Fatalf("loose %d exact %d", loose.Total, exact.Total)
	}
	none := search1(t, ix, search.Request{Query: `"electively home education"`})
	if none.Total != 0 {
		t.Errorf(`"electively home education" found %v`, titles(none))
	}
	// "reports" (stemmed) matches report; quoted "reports" only the exact word.
	if r := search1(t, ix, search.Request{Query: `"reportz"`}); r.Total != 0 {
		t.Errorf("nonsense word matched %v", titles(r))
	}
}

func TestFiltersFacetsSorts(t *testing.T) {
	_, ix := sampleIndex(t)
	all := search1(t, ix, search.Request{Query: "", Facets: true})
	if all.Total != 38 {
		t.Fatalf("browsing everything: %d", all.Total)
	}
	facetCount := func(res *search.Result, facet, value string) int {
		for _, f := range res.Facets[facet] {
			if f.Value == value {
				return f.Count
			}
		}
		return 0
	}
	if facetCount(all, "council", "leicestershire") != 26 || facetCount(all, "council", "worcestershire") != 6 {
		t.Errorf("council facet %+v", all.Facets["council"])
	}
	for _, f := range all.Facets["council"] {
		if f.Value == "leicestershire" && f.Label != "Leicestershire County Council" {
			t.Errorf("label %q", f.Label)
		}
	}
	if facetCount(all, "year", "2019") != 14 || facetCount(all, "year", "2022") != 18 {
		t.Errorf("year facet %+v", all.Facets["year"])
	}
	if facetCount(all, "committee", "middlesbrough/children-and-young-peoples-social-care-and-services-scrutiny-panel") != 6 {
		t.Errorf("committee facet %+v", all.Facets["committee"])
	}
	if facetCount(all, "topic", "send") == 0 || facetCount(all, "topic", "ehe") == 0 {
		t.Errorf("topic facet %+v", all.Facets["topic"])
	}
	// Date range, inclusive.
	r := search1(t, ix, search.Request{From: "2019-09-03", To: "2019-09-03"})
	if r.Total != 14 {
		t.Errorf("one day: %d", r.Total)
	}
	r = search1(t, ix, search.Request{From: "2020-01-01"})
	if r.Total != 18 {
		t.Errorf("since 2020: %d", r.Total)
	}
	// Topic and committee filters, as parameters and as field prefixes.
	a := search1(t, ix, search.Request{Topics: []string{"ehe"}})
	b := search1(t, ix, search.Request{Query: "topic:ehe"})
	if a.Total == 0 || a.Total != b.Total {
		t.Errorf("topic filter %d vs prefix %d", a.Total, b.Total)
	}
	c := search1(t, ix, search.Request{Query: "committee:children-and-families-overview-and-scrutiny-panel"})
	if c.Total != 6 {
		t.Errorf("committee prefix: %d", c.Total)
	}
	// Sort orders.
	newest := search1(t, ix, search.Request{Query: "report", Sort: "newest"})
	oldest := search1(t, ix, search.Request{Query: "report", Sort: "oldest"})
	if newest.Hits[0].Date < newest.Hits[len(newest.Hits)-1].Date || oldest.Hits[0].Date != "2018-05-16" {
		t.Errorf("sorts: newest starts %s, oldest starts %s", newest.Hits[0].Date, oldest.Hits[0].Date)
	}
	// Pagination.
	p1 := search1(t, ix, search.Request{PerPage: 10, Page: 1})
	p4 := search1(t, ix, search.Request{PerPage: 10, Page: 4})
	if len(p1.Hits) != 10 || len(p4.Hits) != 8 || p1.Total != 38 {
		t.Errorf("pages: %d %d", len(p1.Hits), len(p4.Hits))
	}
	// Grouping by meeting keeps result order.
	g := search1(t, ix, search.Request{Query: "SEND", GroupByMeeting: true})
	n := 0
	for _, gr := range g.Groups {
		n += len(gr.Hits)
	}
	if n != len(g.Hits) || len(g.Groups) < 2 {
		t.Errorf("groups %d for %d hits", len(g.Groups), len(g.Hits))
	}
}

func TestAcronymExpansion(t *testing.T) {
	st, ix := sampleIndex(t)
	// Both directions: the acronym finds the long form, the long form the acronym.
	acr := titles(search1(t, ix, search.Request{Query: "CSE"}))
	long := titles(search1(t, ix, search.Request{Query: "child sexual exploitation"}))
	want := "Leicestershire's Response to Tackling Child Sexual Exploitation (Six Month Update)."
	if !contains(acr, want) || !contains(long, want) {
		t.Errorf("CSE %v / long form %v", acr, long)
	}
	// SEND in capitals is the acronym, never the verb; send in lower case
	// is the word, whatever its case in the text.
	ctx := context.Background()
	verb := &archive.Meeting{Council: "Worcestershire County Council", CouncilSlug: "worcestershire", Committee: "Cabinet",
		CommitteeSlug: "cabinet", Date: "2021-01-05", Format: "moderngov-text", Items: []archive.Item{{
			Number: "1", Title: "Correspondence", Text: "Officers would send a letter to every school. The Chairman agreed to send his thanks."}}}
	if _, err := st.SaveMeeting(ctx, verb, store.Source{Location: "test/verb", SHA256: "1"}); err != nil {
		t.Fatal(err)
	}
	if err := ix.CatchUp(ctx, st); err != nil {
		t.Fatal(err)
	}
	upper := titles(search1(t, ix, search.Request{Query: "SEND"}))
	lower := titles(search1(t, ix, search.Request{Query: "send"}))
	if contains(upper, "Correspondence") || !contains(lower, "Correspondence") {
		t.Errorf("SEND %v; send %v", upper, lower)
	}
	if !contains(upper, "SEND and Inclusion.") || !contains(upper, "Special Education Needs/Disabilities Strategy") {
		t.Errorf("SEND %v", upper)
	}
}

func TestHighlightShape(t *testing.T) {
	_, ix := sampleIndex(t)
	res := search1(t, ix, search.Request{Query: `"electively home educated"`, Highlight: true})
	if len(res.Hits) == 0 {
		t.Fatal("no hits")
	}
	for _, h := range res.Hits {
		s := h.SnippetHTML
		if !strings.Contains(s, "<mark>electively home educated</mark>") {
			t.Errorf("phrase not marked as one: %s", s)
		}
		if strings.Count(s, "<mark>") > 3 {
			t.Errorf("too many marks: %s", s)
		}
		if len(s) > 600 {
			t.Errorf("snippet too long (%d)", len(s))
		}
	}
	// A phrase found as one word gram is marked whole too, from the pairs.
	res = search1(t, ix, search.Request{Query: `"it was noted that"`, Highlight: true})
	if len(res.Hits) == 0 {
		t.Fatal(`"it was noted that": no hits`)
	}
	for _, h := range res.Hits {
		if !strings.Contains(strings.ToLower(h.SnippetHTML), "<mark>it was noted that</mark>") {
			t.Errorf("gram phrase not marked as one: %s", h.SnippetHTML)
		}
	}
	// Common words of a phrase are not marked on their own elsewhere.
	res = search1(t, ix, search.Request{Query: `"children and young people"`, Highlight: true})
	for _, h := range res.Hits {
		if strings.Contains(h.SnippetHTML, "<mark>and</mark>") {
			t.Errorf("lone 'and' marked: %s", h.SnippetHTML)
		}
	}
	// Acronyms are marked too.
	res = search1(t, ix, search.Request{Query: "EHE", Highlight: true})
	marked := false
	for _, h := range res.Hits {
		marked = marked || strings.Contains(h.SnippetHTML, "<mark>EHE</mark>")
	}
	if !marked {
		t.Errorf("EHE not marked in any snippet")
	}
	// Source text is escaped.
	res = search1(t, ix, search.Request{Query: "Ofsted", Highlight: true})
	for _, h := range res.Hits {
		if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(h.SnippetHTML, "<mark>", ""), "</mark>", ""), "<") {
			t.Errorf("unescaped markup in %s", h.SnippetHTML)
		}
	}
}

func TestSyntaxErrorsAreFriendly(t *testing.T) {
	_, ix := sampleIndex(t)
	for _, q := range []string{`"unclosed`, "(SEND", "OR", strings.Repeat("x ", 40)} {
		_, err := ix.Search(context.Background(), search.Request{Query: q})
		var se *query.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: %v, want a SyntaxError", q, err)
		}
	}
	for _, req := range []search.Request{{From: "last week"}, {Sort: "random"}, {From: "2020-01-01", To: "2019-01-01"}} {
		_, err := ix.Search(context.Background(), req)
		var se *query.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%+v: %v, want a SyntaxError", req, err)
		}
	}
}

func TestFollowsChanges(t *testing.T) {
	ctx := context.Background()
	st, ix := sampleIndex(t)
	n, _ := ix.DocCount()
	if seq, _ := st.LastSeq(ctx); ix.AppliedSeq() != seq || n != 38 {
		t.Fatalf("applied %d docs %d", ix.AppliedSeq(), n)
	}
	// A retag changes topics; the index follows the change sequence.
	res := search1(t, ix, search.Request{Topics: []string{"send"}})
	key := res.Hits[0].Key
	// Asked again before anything changes, the result comes from the cache.
	if again := search1(t, ix, search.Request{Topics: []string{"send"}}); !again.Cached || again.Total != res.Total {
		t.Errorf("repeated search: cached %v, total %d", again.Cached, again.Total)
	}
	if _, err := st.SetTopics(ctx, key, nil); err != nil {
		t.Fatal(err)
	}
	if err := ix.CatchUp(ctx, st); err != nil {
		t.Fatal(err)
	}
	after := search1(t, ix, search.Request{Topics: []string{"send"}})
	if after.Cached || after.Total != res.Total-1 {
		t.Errorf("after untagging (cached %v): %d, want %d", after.Cached, after.Total, res.Total-1)
	}
}

func TestReopenAndRebuild(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ingest.LoadSample(ctx, st, minutebook.Sample())
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), search.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ix.CatchUp(ctx, st)
	applied := ix.AppliedSeq()
	ix.Close()
	// Reopened: the applied sequence survives.
	ix, err = search.Open(ctx, filepath.Join(dir, "index"), search.Options{Logger: quiet})
	if err != nil || ix.AppliedSeq() != applied {
		t.Fatalf("reopen: %v, applied %d want %d", err, ix.AppliedSeq(), applied)
	}
	ix.Close()
	// A corrupt index is rebuilt from the database.
	corrupted := 0
	filepath.WalkDir(filepath.Join(dir, "index"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			corrupted++
			return os.WriteFile(p, []byte("garbage"), 0o644)
		}
		return nil
	})
	if corrupted == 0 {
		t.Fatal("no index files to corrupt")
	}
	ix, err = search.Open(ctx, filepath.Join(dir, "index"), search.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.CatchUp(ctx, st); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.DocCount(); n != 38 {
		t.Errorf("rebuilt index has %d docs", n)
	}
}

func TestRelated(t *testing.T) {
	_, ix := sampleIndex(t)
	res := search1(t, ix, search.Request{Query: `title:"SEND and Inclusion"`})
	if len(res.Hits) == 0 {
		t.Fatal("no SEND item")
	}
	rel, err := ix.Related(context.Background(), res.Hits[0].Key, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(rel) == 0 {
		t.Fatal("no related items")
	}
	for _, h := range rel {
		if h.Council == "leicestershire" {
			t.Errorf("related item from the same council: %s", h.Title)
		}
	}
}

func TestPrefixExpansionIsCapped(t *testing.T) {
	ctx := context.Background()
	st, _ := sampleIndex(t)
	ix, err := search.Open(ctx, filepath.Join(t.TempDir(), "index"), search.Options{Logger: quiet, MaxPrefixTerms: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.CatchUp(ctx, st); err != nil {
		t.Fatal(err)
	}
	if res, err := ix.Search(ctx, search.Request{Query: "safeguard*"}); err != nil || res.Total == 0 {
		t.Errorf("narrow prefix: %v", err)
	}
	_, err = ix.Search(ctx, search.Request{Query: "con*"})
	var se *query.SyntaxError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "more than 3") {
		t.Errorf("wide prefix: %v", err)
	}
}

// A query of only stop words gets a hint rather than nothing or the whole
// archive; in a query with other words they are dropped as usual.
func TestStopWordsOnly(t *testing.T) {
	_, ix := sampleIndex(t)
	for _, q := range []string{"the", "it was", "THE OR of"} {
		_, err := ix.Search(context.Background(), search.Request{Query: q})
		var se *query.SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, "too common") {
			t.Errorf("%q: error %v, want a hint that it is too common", q, err)
		}
	}
	council := search1(t, ix, search.Request{Query: "council"})
	theCouncil := search1(t, ix, search.Request{Query: "the council"})
	if council.Total == 0 || council.Total != theCouncil.Total {
		t.Errorf(`"the council" found %d, "council" %d`, theCouncil.Total, council.Total)
	}
	if r := search1(t, ix, search.Request{Query: `"it was noted"`}); r.Total == 0 {
		t.Error(`the quoted phrase "it was noted" found nothing`)
	}
}

// Phrase search (pairs, or a gram) agrees with Bleve's own phrase search
// of the single words on every phrase of two to seven words cut from the
// sample minutes, on phrases whose words are all present but apart, and
// on repeated pairs.
func TestPhraseAgreesWithBleve(t *testing.T) {
	ctx := context.Background()
	st, ix := sampleIndex(t)
	phrases := append(textPhrases(t, st),
		[]string{"it", "was", "noted", "that"},
		[]string{"the", "council", "the"},
		[]string{"of", "the", "report", "of", "the"},
		[]string{"children", "the", "of"},
		[]string{"noted", "the", "the", "noted"},
	)
	var texts []string
	for _, p := range phrases {
		texts = append(texts, strings.Join(p, " "))
	}
	found := countsAgree(t, "phrase", texts, func(text string) (uint64, uint64, error) {
		return search.PhraseAgainstBleve(ctx, ix, strings.Fields(text))
	})
	if len(phrases) < 100 || found < len(phrases)*3/4 {
		t.Errorf("only %d of %d phrases found anything: the test is not testing", found, len(phrases))
	}
}

// textPhrases are runs of two to seven words from the minutes' texts.
func textPhrases(t *testing.T, st *store.Store) [][]string {
	t.Helper()
	var phrases [][]string
	n := 0
	err := st.ForEachItem(context.Background(), func(v store.ItemView) error {
		words := strings.FieldsFunc(strings.ToLower(v.Text), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		})
		for i := 0; i+7 <= len(words); i += 37 {
			n++
			phrases = append(phrases, words[i:i+2+n%6])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return phrases
}

// Snippets of real minutes, where a phrase's words also stand apart from
// it and several phrases and words share an item, mark what Bleve's own
// search locates: only whole phrases, and only the clauses an item
// matched.
func TestSnippetsAgreeWithBleve(t *testing.T) {
	st, ix := sampleIndex(t)
	phrases := textPhrases(t, st)
	var reqs []search.Request
	for i, p := range phrases[:min(len(phrases), 60)] {
		q := `"` + strings.Join(p, " ") + `"`
		switch i % 4 {
		case 1:
			if slices.ContainsFunc(p, func(w string) bool { return len(w) > 5 }) {
				q = strings.Join(p, " ") // the words, anywhere
			}
		case 2:
			q += " OR " + slices.MaxFunc(p, func(a, b string) int { return len(a) - len(b) }) // or its longest word alone
		case 3:
			q += ` -"zzz unknown"`
		}
		reqs = append(reqs, search.Request{Query: q, Highlight: true}, search.Request{Query: q, Highlight: true, PerPage: 3, Page: 2})
	}
	// Acronyms and their long forms (an acronym alone, whose long forms
	// are located in the text, not by the words of a conjunction); a prefix and a disjunction of over
	// ten words, which are Bleve's own searchers.
	for _, q := range []string{"SEND OR EHCP", "elective home education", "EHE", "SEN", "CAMHS", "educat*", "school OR pupils OR children OR parents OR teachers OR families OR carers OR support OR services OR plans OR report",
		`"social care" OR (budget -school)`} {
		reqs = append(reqs, search.Request{Query: q, Highlight: true})
	}
	searchesAgreeWithBleve(t, ix, reqs)
}

// countsAgree checks that ours and Bleve's counts agree for every phrase,
// and returns how many phrases found something.
func countsAgree(t *testing.T, what string, phrases []string, count func(string) (ours, bleves uint64, err error)) int {
	t.Helper()
	found := 0
	for _, p := range phrases {
		ours, bleves, err := count(p)
		if err != nil {
			t.Fatal(err)
		}
		if ours != bleves {
			t.Errorf("%q: %s found %d, Bleve %d", p, what, ours, bleves)
		}
		if ours > 0 {
			found++
		}
	}
	t.Logf("%d of %d phrases found (%s)", found, len(phrases), what)
	return found
}

// Title phrases go through the same phrase matcher as the pair field
// (titlePhrase); they must find what Bleve's phrase query finds.
func TestTitlePhraseAgreesWithBleve(t *testing.T) {
	ctx := context.Background()
	st, ix := sampleIndex(t)
	var phrases []string
	err := st.ForEachItem(ctx, func(v store.ItemView) error {
		words := strings.Fields(v.Title)
		for i := 0; i+2 <= len(words); i += 3 {
			phrases = append(phrases, strings.Join(words[i:min(len(words), i+2+i%3)], " "))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	phrases = append(phrases, "education, health and care plan", "special educational needs", "SEND and Inclusion", "of the", "the the", "Children's Services", "2023/24", "no such title words")
	found := countsAgree(t, "title phrase", phrases, func(text string) (uint64, uint64, error) {
		return search.TitlePhraseAgainstBleve(ctx, ix, text)
	})
	if len(phrases) < 50 || found < len(phrases)/2 {
		t.Errorf("only %d of %d title phrases found anything: the test is not testing", found, len(phrases))
	}
}

// Items of equal score page the same way on every search: each one once,
// in one order, though two shards answer at once and either may finish
// first.
func TestPagingThroughTies(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "minutebook.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var jsonl strings.Builder
	for m := range 12 {
		meeting := archive.Meeting{Council: "Tiedshire County Council", CouncilSlug: "tiedshire", Committee: "Cabinet",
			CommitteeSlug: "cabinet", Date: "2020-01-" + strconv.Itoa(10+m), Source: "ties-" + strconv.Itoa(m) + ".html"}
		for i := range 10 {
			meeting.Items = append(meeting.Items, archive.Item{Number: strconv.Itoa(i + 1), Title: "Parking charges",
				Text: "The committee considered parking charges in the town centre."})
		}
		b, _ := json.Marshal(meeting)
		jsonl.Write(append(b, '\n'))
	}
	if _, err := ingest.Import(ctx, st, strings.NewReader(jsonl.String()), "ties.jsonl", nil); err != nil {
		t.Fatal(err)
	}
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), search.Options{Logger: quiet, CacheSize: -1, Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.CatchUp(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := search.Settle(ix); err != nil {
		t.Fatal(err)
	}
	var first []string
	for try := range 30 {
		var order []string
		seen := map[string]bool{}
		for page := 1; ; page++ {
			res := search1(t, ix, search.Request{Query: "parking", Page: page, PerPage: 7})
			for _, h := range res.Hits {
				if seen[h.Key] {
					t.Fatalf("search %d: %s on two pages", try, h.Key)
				}
				seen[h.Key] = true
				order = append(order, h.Key)
			}
			if len(res.Hits) < 7 {
				break
			}
		}
		if len(order) != 120 {
			t.Fatalf("search %d: paged through %d items of 120", try, len(order))
		}
		if first == nil {
			first = order
		} else if !slices.Equal(order, first) {
			t.Fatalf("search %d: another order than the first search's", try)
		}
	}
}

// TestRebuildMergesSegments: a build in many small batches leaves many
// segments per shard; Rebuild merges them, for every search opens each
// term in every segment.
func TestRebuildMergesSegments(t *testing.T) {
	ix := rebuiltIndex(t, 2000, 3, 20)
	counts, err := search.SegmentCounts(ix)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range counts {
		if n > 3 {
			t.Errorf("shard %d has %d segments after Rebuild, want at most 3", i, n)
		}
	}
}

// rebuiltIndex is an index of a generated corpus of items, built by
// Rebuild in batches of batch: its segments hold no deleted documents.
func rebuiltIndex(t *testing.T, items int, seed int64, batch int) *search.Index {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	var src bytes.Buffer
	if _, err := corpus.Generate(&src, corpus.Options{Items: items, Seed: seed}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := ingest.Import(ctx, st, &src, "corpus", nil); err != nil {
		t.Fatal(err)
	}
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), search.Options{Logger: quiet, CacheSize: -1, BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.Rebuild(ctx, st); err != nil {
		t.Fatal(err)
	}
	return ix
}
