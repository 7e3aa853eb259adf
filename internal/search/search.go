package search

import (
	"cmp"
	"context"
	"fmt"
	"html"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"github.com/minutebook/minutebook/internal/query"
)

// Request is one search.
type Request struct {
	Query                        string   // the user's query language
	Councils, Committees, Topics []string // slugs (committee: "council/committee" or a committee slug)
	From, To                     string   // YYYY-MM-DD, inclusive, optional
	Sort                         string   // "relevance" (default), "newest", "oldest"
	Page, PerPage                int      // 1-based; PerPage capped at MaxPerPage
	Facets                       bool
	Quarters                     bool // count every match by quarter and council (for charts)
	Highlight                    bool
	GroupByMeeting               bool
}

// MaxPerPage caps a page of results.
const MaxPerPage = 100

// MaxResultWindow caps how deep results can be paged: the index holds
// every hit before the requested page in memory.
const MaxResultWindow = 10000

// Hit is one matching item.
type Hit struct {
	Key, Path, MeetingKey, MeetingPath string
	Council, CouncilName               string
	Committee, CommitteeName           string // Committee: the committee slug
	Date, Number, Title                string
	Topics                             []string
	Score                              float64
	SnippetHTML                        string // escaped text with <mark> around matches
}

// FacetValue is one value of a facet with its count.
type FacetValue struct {
	Value, Label string
	Count        int
}

// Group is the hits of one meeting, when results are grouped.
type Group struct {
	MeetingKey, MeetingPath, Council, CouncilName, Committee, CommitteeName, Date string
	Hits                                                                          []Hit
}

// Result is a page of results.
type Result struct {
	Query  string
	Total  uint64
	Took   time.Duration
	Cached bool // answered from the result cache (the index has not changed since)
	Hits   []Hit
	Facets map[string][]FacetValue // "council", "committee", "topic", "year"
	// Quarters counts every match (not just this page) by quarter and
	// council, oldest quarter first, when the request asks for it.
	Quarters []QuarterCount
	Groups   []Group
}

// QuarterCount is how many matches one council has in one quarter.
type QuarterCount struct {
	Quarter              string // "2019 Q3"
	Council, CouncilName string
	Count                int
}

var storedFields = []string{fCouncilL, fCommitteeL, fTopics, fMeeting, fPath, fMeetingPath, fNumber, fDateText, fTitleText}

// Search runs a request. A query the parser cannot read gives a
// *query.SyntaxError whose message says what to fix.
func (ix *Index) Search(ctx context.Context, req Request) (*Result, error) {
	start := time.Now()
	key := ix.cache.key("search", req)
	if r, ok := ix.cache.get(key, start); ok {
		return r, nil
	}
	r, err := ix.search(ctx, req)
	if err == nil {
		ix.cache.add(key, r)
	}
	return r, err
}

func (ix *Index) search(ctx context.Context, req Request) (*Result, error) {
	node, err := query.Parse(req.Query, query.DefaultLimits)
	if err != nil {
		return nil, err
	}
	var q bq.Query = bleve.NewMatchAllQuery()
	if node != nil {
		if err := ix.checkPrefixes(node); err != nil {
			return nil, err
		}
		if words := onlyStopWords(node); len(words) > 0 {
			return nil, &query.SyntaxError{Msg: fmt.Sprintf("“%s” is too common to search for on its own: add a more telling word, or quote an exact phrase such as \"%s\".", strings.Join(words, " "), "it was noted that")}
		}
		q = ix.build(node)
	}
	q, err = ix.withFilters(q, req)
	if err != nil {
		return nil, err
	}
	per := req.PerPage
	if per <= 0 {
		per = 20
	}
	per = min(per, MaxPerPage)
	page := max(req.Page, 1)
	if page > MaxResultWindow/per {
		return nil, &query.SyntaxError{Msg: fmt.Sprintf("Only the first %d results can be paged through: add words or filters to narrow the search.", MaxResultWindow)}
	}
	text := q // what the hits must match, without the facet counting
	var counting *countingQuery
	if req.Facets || req.Quarters {
		// Every value of every facet, counted from the columns as the
		// hits go by; facets() splits them up and keeps each facet's top.
		counting = newCountingQuery(q, ix.cols, req.Facets, req.Quarters)
		q = counting
	}
	var sortBy []string
	switch req.Sort {
	case "newest":
		sortBy = []string{"-" + fDate, "-_score", "_id"}
	case "oldest":
		sortBy = []string{fDate, "-_score", "_id"}
	case "", "relevance":
		if node == nil {
			sortBy = []string{"-" + fDate, "_id"} // browsing: newest first
		}
	default:
		return nil, &query.SyntaxError{Msg: fmt.Sprintf("Unknown sort %q: use relevance, newest or oldest.", req.Sort)}
	}
	var out *Result
	highlighted := false // snippets made with the page's hits
	switch {
	case ix.oracle:
		out, err = ix.bleveSearch(ctx, q, sortBy, req.Query, page, per)
	case sortBy != nil:
		out, err = ix.byDate(ctx, q, req, node == nil, page, per)
	default:
		var snip *snippets
		if req.Highlight {
			snip = &snippets{acronyms: ix.acronymsIn(node)}
		}
		out, err = ix.byScore(ctx, text, counting, snip, req.Query, (page-1)*per, per)
		highlighted = req.Highlight
	}
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", req.Query, err)
	}
	if req.Highlight && !highlighted && node != nil && len(out.Hits) > 0 {
		if err := ix.highlight(ctx, text, ix.acronymsIn(node), out.Hits); err != nil {
			return nil, fmt.Errorf("search %q: highlighting: %w", req.Query, err)
		}
	}
	if byScore := req.Sort == "" || req.Sort == "relevance"; byScore && node != nil {
		// Equal scores on a page in key order: which items make the page
		// is fixed by document numbers (byScore), but those differ from
		// one index to the next, so without this the same archive could
		// list equal hits differently on two nodes. (Sorting by _id in
		// Bleve does the same across pages but costs 2–3 times the CPU on
		// broad queries.)
		sort.SliceStable(out.Hits, func(i, j int) bool {
			a, b := out.Hits[i], out.Hits[j]
			return a.Score > b.Score || (a.Score == b.Score && a.Key < b.Key)
		})
	}
	if req.Facets {
		out.Facets = facets(counting.result())
	}
	if req.Quarters {
		out.Quarters = counting.quarterCounts()
	}
	if req.GroupByMeeting {
		out.Groups = group(out.Hits)
	}
	return out, nil
}

// bleveSearch is a page of q's matches as Bleve finds them: in sortBy's
// order, or by score.
func (ix *Index) bleveSearch(ctx context.Context, q bq.Query, sortBy []string, text string, page, per int) (*Result, error) {
	sr := bleve.NewSearchRequestOptions(q, per, (page-1)*per, false)
	sr.Fields = storedFields
	if sortBy != nil {
		sr.SortBy(sortBy)
	}
	res, err := ix.idx.search(ctx, sr)
	if err != nil {
		return nil, err
	}
	out := &Result{Query: text, Total: res.Total, Took: res.Took}
	for _, dm := range res.Hits {
		out.Hits = append(out.Hits, hitFrom(dm))
	}
	return out, nil
}

// withFilters narrows q to the request's councils, committees, topics and
// dates. Filters are keyword queries and the dates column: cheap, and they
// bound the work of the text query they are joined with.
func (ix *Index) withFilters(q bq.Query, req Request) (bq.Query, error) {
	var must []bq.Query
	anyOf := func(field string, values []string, norm func(string) string) {
		var qs []bq.Query
		for _, v := range values {
			if v = strings.TrimSpace(v); v != "" {
				qs = append(qs, keywordQuery(field, norm(v)))
			}
		}
		if len(qs) > 0 {
			must = append(must, bleve.NewDisjunctionQuery(qs...))
		}
	}
	lower := strings.ToLower
	anyOf(fCouncil, req.Councils, lower)
	var qualified, bare []string
	for _, c := range req.Committees {
		if strings.Contains(c, "/") {
			qualified = append(qualified, c)
		} else {
			bare = append(bare, c)
		}
	}
	anyOf(fCommittee, qualified, lower)
	anyOf(fCommitteeSlug, bare, lower)
	anyOf(fTopics, req.Topics, lower)
	if req.From != "" || req.To != "" {
		from, to, err := dateRange(req.From, req.To)
		if err != nil {
			return nil, err
		}
		if ix.oracle {
			// Bleve's own range, weighing nothing as the column's does.
			t := true
			dr := bleve.NewDateRangeInclusiveQuery(from, to, &t, &t)
			dr.SetField(fDate)
			dr.SetBoost(0)
			must = append(must, dr)
		} else {
			must = append(must, newDateRangeQuery(ix.cols, from, to))
		}
	}
	if len(must) == 0 {
		return q, nil
	}
	return bleve.NewConjunctionQuery(append(must, q)...), nil
}

func dateRange(from, to string) (time.Time, time.Time, error) {
	var f, t time.Time
	var err error
	if from != "" {
		if f, err = time.Parse("2006-01-02", from); err != nil {
			return f, t, &query.SyntaxError{Msg: fmt.Sprintf("The “from” date %q is not a date like 2019-01-31.", from)}
		}
	}
	if to != "" {
		if t, err = time.Parse("2006-01-02", to); err != nil {
			return f, t, &query.SyntaxError{Msg: fmt.Sprintf("The “to” date %q is not a date like 2019-12-31.", to)}
		}
		t = t.Add(24*time.Hour - time.Nanosecond) // the whole last day
	}
	if !f.IsZero() && !t.IsZero() && t.Before(f) {
		return f, t, &query.SyntaxError{Msg: "The “from” date is after the “to” date."}
	}
	return f, t, nil
}

func str(v interface{}) string {
	s, _ := v.(string)
	return s
}

func strs(v interface{}) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []interface{}:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		sort.Strings(out)
		return out
	}
	return nil
}

// splitFacetTerm splits a term of the facets field ("council" groupSep
// slug labelSep name) into the facet's name, the value and its label
// ("" when it has none, or name "" when the term is not a facet term).
func splitFacetTerm(term string) (name, value, label string) {
	name, rest, ok := strings.Cut(term, groupSep)
	if !ok {
		return "", "", ""
	}
	value, label = splitLabel(rest)
	return name, value, label
}

func splitLabel(s string) (value, label string) {
	value, label, _ = strings.Cut(s, labelSep)
	return value, label
}

func hitFrom(dm *bsearch.DocumentMatch) Hit {
	council, councilName := splitLabel(str(dm.Fields[fCouncilL]))
	committee, committeeName := splitLabel(str(dm.Fields[fCommitteeL]))
	if _, c, ok := strings.Cut(committee, "/"); ok {
		committee = c
	}
	return Hit{
		Key: dm.ID, Path: str(dm.Fields[fPath]), MeetingKey: str(dm.Fields[fMeeting]), MeetingPath: str(dm.Fields[fMeetingPath]),
		Council: council, CouncilName: councilName, Committee: committee, CommitteeName: committeeName,
		Date: str(dm.Fields[fDateText]), Number: str(dm.Fields[fNumber]), Title: str(dm.Fields[fTitleText]),
		Topics: strs(dm.Fields[fTopics]), Score: dm.Score,
	}
}

// facetSizes is how many values of each facet a result shows.
var facetSizes = map[string]int{"council": 30, "committee": 30, "topic": 30, "year": 40}

// facets splits the one counted facets field into the four facets, each
// by count (then value), cut to its size; years then read best in order.
func facets(counts []termCount) map[string][]FacetValue {
	out := map[string][]FacetValue{}
	for name := range facetSizes {
		out[name] = []FacetValue{}
	}
	for _, tc := range counts {
		name, v, label := splitFacetTerm(tc.term)
		size, known := facetSizes[name]
		if !known {
			continue
		}
		if label == "" {
			label = v
		}
		out[name] = keepBest(out[name], size, FacetValue{Value: v, Label: label, Count: tc.n})
	}
	if years := out["year"]; len(years) > 0 {
		slices.SortFunc(years, func(a, b FacetValue) int { return strings.Compare(b.Value, a.Value) })
	}
	return out
}

// facetBefore orders a facet's values: most matches first, then by value.
func facetBefore(a, b FacetValue) int {
	if c := cmp.Compare(b.Count, a.Count); c != 0 {
		return c
	}
	return strings.Compare(a.Value, b.Value)
}

// keepBest adds v to best, which holds at most size values in
// facetBefore's order. Most values of a broad search fall short of the
// last kept and cost one comparison: sorting every committee's count
// was a tenth of a search page.
func keepBest(best []FacetValue, size int, v FacetValue) []FacetValue {
	if len(best) == size && facetBefore(v, best[size-1]) >= 0 {
		return best
	}
	i, _ := slices.BinarySearchFunc(best, v, facetBefore)
	if len(best) == size {
		best = best[:size-1]
	}
	return slices.Insert(best, i, v)
}

func group(hits []Hit) []Group {
	var out []Group
	at := map[string]int{}
	for _, h := range hits {
		i, ok := at[h.MeetingKey]
		if !ok {
			i = len(out)
			at[h.MeetingKey] = i
			out = append(out, Group{MeetingKey: h.MeetingKey, MeetingPath: h.MeetingPath, Council: h.Council,
				CouncilName: h.CouncilName, Committee: h.Committee, CommitteeName: h.CommitteeName, Date: h.Date})
		}
		out[i].Hits = append(out[i].Hits, h)
	}
	return out
}

// Related finds items on the same topics in other councils, newest first.
func (ix *Index) Related(ctx context.Context, key string, n int) ([]Hit, error) {
	b, ckey, err := ix.relatedQuery(ctx, key, n)
	if err != nil || b == nil {
		return nil, err
	}
	if hits, ok := ix.cache.related(ckey); ok {
		return hits, nil
	}
	// The newest n are picked by date from the columns; a Bleve sort by
	// date would read the doc values of every match, and a topic can
	// cover a tenth of the archive.
	dq := &dateOrderQuery{q: b, cols: ix.cols, n: n}
	rr := bleve.NewSearchRequestOptions(dq, 0, 0, false)
	rr.Score = "none"
	if _, err := ix.idx.search(ctx, rr); err != nil {
		return nil, err
	}
	best, _, err := dq.result()
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, d := range best {
		keys = append(keys, d.key)
	}
	hits, err := ix.byKeys(ctx, keys)
	if err != nil {
		return nil, err
	}
	ix.cache.add(ckey, hits)
	return hits, nil
}

// relatedQuery is what Related searches for: items sharing a topic with
// the item, from other councils. Items with the same topics in the same
// council share their related items, and so their cache key. It is nil
// for an item with no topics.
func (ix *Index) relatedQuery(ctx context.Context, key string, n int) (bq.Query, string, error) {
	sr := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery([]string{key}), 1, 0, false)
	sr.Fields = []string{fTopics, fCouncilL}
	res, err := ix.idx.search(ctx, sr)
	if err != nil || len(res.Hits) == 0 {
		return nil, "", err
	}
	topics := strs(res.Hits[0].Fields[fTopics])
	council, _ := splitLabel(str(res.Hits[0].Fields[fCouncilL]))
	if len(topics) == 0 {
		return nil, "", nil
	}
	var tq []bq.Query
	for _, t := range topics {
		tq = append(tq, keywordQuery(fTopics, t))
	}
	b := bleve.NewBooleanQuery()
	b.AddMust(bleve.NewDisjunctionQuery(tq...))
	b.AddMustNot(keywordQuery(fCouncil, council))
	return b, ix.cache.key("related", []any{topics, council, n}), nil
}

// byDate finds a page of q's matches in date order (req.Sort; newest
// first when browsing, where scores are not compared) with the columns,
// then loads that page's items.
func (ix *Index) byDate(ctx context.Context, q bq.Query, req Request, browsing bool, page, per int) (*Result, error) {
	start := time.Now()
	dq := &dateOrderQuery{q: q, cols: ix.cols, n: page * per, oldest: req.Sort == "oldest"}
	sr := bleve.NewSearchRequestOptions(dq, 0, 0, false)
	if browsing {
		sr.Score = "none" // every score 0: ties go by key
	}
	if _, err := ix.idx.search(ctx, sr); err != nil {
		return nil, err
	}
	best, total, err := dq.result()
	if err != nil {
		return nil, err
	}
	out := &Result{Query: req.Query, Total: total}
	if from := (page - 1) * per; from < len(best) {
		best = best[from:]
		keys := make([]string, len(best))
		scores := make([]float64, len(best))
		for i, d := range best {
			keys[i], scores[i] = d.key, d.score
		}
		if out.Hits, err = ix.scoredHits(ctx, keys, scores); err != nil {
			return nil, err
		}
	}
	out.Took = time.Since(start)
	return out, nil
}

// byKeys loads the hits for keys, in that order; a key it does not find
// (an item deleted meanwhile) is left out.
func (ix *Index) byKeys(ctx context.Context, keys []string) ([]Hit, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	sr := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(keys), len(keys), 0, false)
	sr.Fields = storedFields
	res, err := ix.idx.search(ctx, sr)
	if err != nil {
		return nil, err
	}
	at := byID(res)
	var hits []Hit
	for _, k := range keys {
		if dm := at[k]; dm != nil {
			hits = append(hits, hitFrom(dm))
		}
	}
	return hits, nil
}

// scoredHits loads the hits for keys, in that order, each with its score.
func (ix *Index) scoredHits(ctx context.Context, keys []string, scores []float64) ([]Hit, error) {
	score := make(map[string]float64, len(keys))
	for i, k := range keys {
		score[k] = scores[i]
	}
	hits, err := ix.byKeys(ctx, keys)
	if err != nil {
		return nil, err
	}
	for i := range hits {
		hits[i].Score = score[hits[i].Key]
	}
	return hits, nil
}

// byID indexes a result's hits by key.
func byID(res *bleve.SearchResult) map[string]*bsearch.DocumentMatch {
	at := make(map[string]*bsearch.DocumentMatch, len(res.Hits))
	for _, dm := range res.Hits {
		at[dm.ID] = dm
	}
	return at
}

// highlight adds a snippet to each hit. It is a second search, for just
// these items, with term locations: asking for locations in the first
// search would gather them for every match, hundreds of thousands on a
// broad query, to use twenty.
func (ix *Index) highlight(ctx context.Context, q bq.Query, acronyms []string, hits []Hit) error {
	keys := make([]string, len(hits))
	for i, h := range hits {
		keys[i] = h.Key
	}
	sr := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(keys), q), len(keys), 0, false)
	sr.Fields = []string{fBody}
	sr.IncludeLocations = true
	if !ix.oracle {
		ctx = withOnlyKeys(ctx, keys)
	}
	res, err := ix.idx.search(ctx, sr)
	if err != nil {
		return err
	}
	at := byID(res)
	for i := range hits {
		if dm := at[hits[i].Key]; dm != nil {
			hits[i].SnippetHTML = snippet(str(dm.Fields[fBody]), locationSpans(dm.Locations), acronyms, snippetWidth)
		}
	}
	return nil
}

// snippetWidth is a snippet's length in bytes, before widening to words.
const snippetWidth = 260

// maxSnippetSpans bounds the match locations a snippet looks at.
const maxSnippetSpans = 256

// textSpan is the byte range of a match in a text.
type textSpan struct{ start, end int }

// locationSpans are the spans of a Bleve match's locations that a
// snippet marks (snippetField), at most maxSnippetSpans.
func locationSpans(locs bsearch.FieldTermLocationMap) []textSpan {
	var spans []textSpan
	for _, field := range snippetFields {
		for _, ls := range locs[field] {
			for _, l := range ls {
				if len(spans) == maxSnippetSpans {
					return spans
				}
				spans = append(spans, textSpan{int(l.Start), int(l.End)})
			}
		}
	}
	return spans
}

// snippet cuts the passage of text around the densest cluster of matches
// (the spans, and the acronyms found in the text), widened to sentence
// boundaries, escaped, with each run of adjacent matched words (a phrase)
// marked once.
func snippet(text string, located []textSpan, acronyms []string, width int) string {
	type span = textSpan
	var spans []span
	// Acronyms match a keyword field, which has no locations: find them
	// in the text, whole words, case kept.
	for _, a := range acronyms {
		for from, n := 0, 0; n < 64; n++ {
			i := strings.Index(text[from:], a)
			if i < 0 {
				break
			}
			start, end := from+i, from+i+len(a)
			if (start == 0 || !isWordByte(text[start-1])) && (end == len(text) || !isWordByte(text[end]) || text[end] == 's') {
				spans = append(spans, span{start, end})
			}
			from = end
		}
	}
	for _, l := range located {
		if l.end <= len(text) && l.start < l.end {
			spans = append(spans, l)
		}
	}
	if text == "" {
		return ""
	}
	if len(spans) == 0 {
		return html.EscapeString(cutAt(text, 0, width))
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	// Merge overlaps and matches separated only by spaces: one phrase, one mark.
	merged := spans[:1]
	for _, s := range spans[1:] {
		last := &merged[len(merged)-1]
		if s.start <= last.end || strings.TrimSpace(text[last.end:s.start]) == "" {
			last.end = max(last.end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	// The window holding the most marks.
	best, bestCount := 0, 0
	for i := range merged {
		c := 0
		for j := i; j < len(merged) && merged[j].end-merged[i].start <= width; j++ {
			c++
		}
		if c > bestCount {
			best, bestCount = i, c
		}
	}
	start := sentenceStart(text, merged[best].start, width/3)
	end := min(len(text), start+width)
	end = wordEnd(text, end)
	var b strings.Builder
	if start > 0 {
		b.WriteString("… ")
	}
	pos := start
	for _, s := range merged[best:] {
		if s.start >= end {
			break
		}
		b.WriteString(html.EscapeString(text[pos:s.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[s.start:min(s.end, end)]))
		b.WriteString("</mark>")
		pos = min(s.end, end)
	}
	b.WriteString(html.EscapeString(text[pos:end]))
	if end < len(text) {
		b.WriteString(" …")
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// sentenceStart backs up from pos to the start of its sentence, at most
// limit bytes.
func sentenceStart(text string, pos, limit int) int {
	lo := max(0, pos-limit)
	for i := pos - 1; i > lo; i-- {
		if (text[i] == '.' || text[i] == '\n' || text[i] == ':') && i+1 < len(text) && (text[i+1] == ' ' || text[i+1] == '\n') {
			return i + 2
		}
	}
	if lo == 0 {
		return 0
	}
	return wordStart(text, lo)
}

func wordStart(text string, i int) int {
	for i < len(text) && text[i] != ' ' && text[i] != '\n' {
		i++
	}
	return min(i+1, len(text))
}

func wordEnd(text string, i int) int {
	for i < len(text) && text[i] != ' ' && text[i] != '\n' {
		i++
	}
	return i
}

func cutAt(text string, start, width int) string {
	return text[start:wordEnd(text, min(len(text), start+width))]
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// checkPrefixes refuses prefixes that would expand to too many words.
func (ix *Index) checkPrefixes(n query.Node) error {
	switch n := n.(type) {
	case query.Term:
		if !n.Prefix {
			return nil
		}
		field := fBodyExact
		if n.Field == "title" {
			field = fTitleExact
		}
		count, err := ix.idx.prefixTerms(field, strings.ToLower(n.Text), ix.maxPre)
		if err != nil {
			return err
		}
		if count > ix.maxPre {
			return &query.SyntaxError{Msg: fmt.Sprintf("“%s*” matches more than %d different words: type more of the word.", n.Text, ix.maxPre)}
		}
	case query.And:
		for _, c := range n.Children {
			if err := ix.checkPrefixes(c); err != nil {
				return err
			}
		}
	case query.Or:
		for _, c := range n.Children {
			if err := ix.checkPrefixes(c); err != nil {
				return err
			}
		}
	case query.Not:
		return ix.checkPrefixes(n.Child)
	}
	return nil
}
