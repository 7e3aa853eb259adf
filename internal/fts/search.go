package fts

import (
	"context"
	"fmt"
	"html"
	"sort"
	"strings"
	"time"

	"github.com/minutebook/minutebook/internal/query"
	"github.com/minutebook/minutebook/internal/search"
)

// Snippet marks: control characters no minutes contain, swapped for
// <mark> after the text is escaped.
const markOpen, markClose = "\x02", "\x03"

// Search answers a request as the Bleve index does: a page of hits ranked
// by bm25 (or date), the total, and, when asked, facets and snippets.
func (ix *Index) Search(ctx context.Context, req search.Request) (*search.Result, error) {
	start := time.Now()
	node, err := query.Parse(req.Query, query.DefaultLimits)
	if err != nil {
		return nil, err
	}
	tr, err := Translate(node)
	if err != nil {
		return nil, err
	}
	where, args, err := conditions(tr, req)
	if err != nil {
		return nil, err
	}
	from := "docs d"
	if tr.Match != "" {
		from = "fts JOIN docs d ON d.id = fts.rowid"
	}
	whereSQL := ""
	if len(where) > 0 {
		whereSQL = " WHERE " + strings.Join(where, " AND ")
	}

	per := req.PerPage
	if per <= 0 {
		per = 20
	}
	per = min(per, search.MaxPerPage)
	page := max(req.Page, 1)
	score, snip := "0", "''"
	if tr.Match != "" {
		score = fmt.Sprintf("bm25(fts, %g, 1.0)", titleWeight)
		if req.Highlight {
			snip = "snippet(fts, 1, '" + markOpen + "', '" + markClose + "', '…', 40)"
		}
	}
	var order func(prefix string) string
	switch req.Sort {
	case "newest":
		order = func(p string) string { return p + "date DESC, " + p + "score, " + p + "id" }
	case "oldest":
		order = func(p string) string { return p + "date, " + p + "score, " + p + "id" }
	case "", "relevance":
		order = func(p string) string { return p + "score, " + p + "id" }
		if tr.Match == "" {
			order = func(p string) string { return p + "date DESC, " + p + "id" }
		}
	default:
		return nil, &query.SyntaxError{Msg: fmt.Sprintf("Unknown sort %q: use relevance, newest or oldest.", req.Sort)}
	}
	// The page is ranked on rowids and scores alone, the docs table joined
	// only when a filter or the sort needs it; stored columns and snippets
	// are then read for the page's rows only. (Asked in one statement,
	// SQLite computes snippet() for every match before sorting.)
	rankFrom, id, date := "fts", "fts.rowid", "''"
	if tr.Match == "" || len(where) > 1 || (req.Sort != "" && req.Sort != "relevance") {
		rankFrom, id, date = from, "d.id", "d.date"
	}
	// bm25() cannot sit in a window query itself: it is computed a level down.
	rank := `SELECT id, score, date, count(*) OVER () AS total FROM (SELECT ` + id + ` AS id, ` + score + ` AS score, ` +
		date + ` AS date FROM ` + rankFrom + whereSQL + `) ORDER BY ` + order("") + ` LIMIT ? OFFSET ?`
	hitsArgs := append(append([]any{}, args...), per, (page-1)*per)
	pageFrom := `(` + rank + `) p JOIN docs d ON d.id = p.id`
	if snip != "''" {
		pageFrom += ` JOIN fts ON fts.rowid = p.id WHERE fts MATCH ?`
		hitsArgs = append(hitsArgs, tr.Match)
	}
	hitsSQL := `SELECT d.key, d.path, d.meeting_key, d.meeting_path, d.council, d.council_name, d.committee, d.committee_name,
		d.date, d.number, d.title, d.topics, p.score, p.total, ` + snip + ` FROM ` + pageFrom + ` ORDER BY ` + order("p.")
	rows, err := ix.db.QueryContext(ctx, hitsSQL, hitsArgs...)
	if err != nil {
		return nil, fmt.Errorf("fts search %q: %w", req.Query, err)
	}
	out := &search.Result{Query: req.Query}
	for rows.Next() {
		var h search.Hit
		var topics, snippet string
		if err := rows.Scan(&h.Key, &h.Path, &h.MeetingKey, &h.MeetingPath, &h.Council, &h.CouncilName, &h.Committee,
			&h.CommitteeName, &h.Date, &h.Number, &h.Title, &topics, &h.Score, &out.Total, &snippet); err != nil {
			rows.Close()
			return nil, fmt.Errorf("fts search %q: %w", req.Query, err)
		}
		h.Score = -h.Score // bm25() is lower-is-better
		h.Topics = strings.Fields(topics)
		if req.Highlight {
			h.SnippetHTML = markup(snippet)
		}
		out.Hits = append(out.Hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("fts search %q: %w", req.Query, err)
	}

	// The ranking counted every match (count(*) OVER ()) while it sorted
	// them; only a page past the end needs counting again.
	switch {
	case req.Facets:
		err = ix.facets(ctx, out, from+whereSQL, args)
	case len(out.Hits) == 0:
		err = ix.db.QueryRowContext(ctx, `SELECT count(*) FROM `+from+whereSQL, args...).Scan(&out.Total)
	}
	if err != nil {
		return nil, fmt.Errorf("fts search %q: %w", req.Query, err)
	}
	out.Took = time.Since(start)
	return out, nil
}

// conditions are the WHERE terms of a request: the MATCH, the query's
// keyword prefixes and the request's filters.
func conditions(tr Translation, req search.Request) ([]string, []any, error) {
	var where []string
	var args []any
	if tr.Match != "" {
		where = append(where, "fts MATCH ?")
		args = append(args, tr.Match)
	}
	where = append(where, tr.Filters...)
	args = append(args, tr.Args...)
	anyOf := func(values []string, one func(v string) (string, []any)) {
		var ors []string
		for _, v := range values {
			if v = strings.TrimSpace(v); v != "" {
				cond, a := one(strings.ToLower(v))
				ors = append(ors, cond)
				args = append(args, a...)
			}
		}
		if len(ors) > 0 {
			where = append(where, "("+strings.Join(ors, " OR ")+")")
		}
	}
	anyOf(req.Councils, func(v string) (string, []any) { return "d.council = ?", []any{v} })
	anyOf(req.Committees, func(v string) (string, []any) {
		if council, committee, ok := strings.Cut(v, "/"); ok {
			return "(d.council = ? AND d.committee = ?)", []any{council, committee}
		}
		return "d.committee = ?", []any{v}
	})
	anyOf(req.Topics, func(v string) (string, []any) {
		return "d.id IN (SELECT doc FROM doc_topics WHERE topic = ?)", []any{v}
	})
	for _, d := range []struct{ value, op, name string }{{req.From, ">=", "from"}, {req.To, "<=", "to"}} {
		if d.value == "" {
			continue
		}
		if _, err := time.Parse("2006-01-02", d.value); err != nil {
			return nil, nil, &query.SyntaxError{Msg: fmt.Sprintf("The “%s” date %q is not a date like 2019-01-31.", d.name, d.value)}
		}
		where = append(where, "d.date <> '' AND d.date "+d.op+" ?")
		args = append(args, d.value)
	}
	return where, args, nil
}

// facetLimits match the Bleve facet requests.
var facetLimits = map[string]int{"council": 30, "committee": 30, "topic": 30, "year": 40}

// facets counts the matching items by council, committee, topic and year,
// and the total, in one statement over the matching rowids, found once.
func (ix *Index) facets(ctx context.Context, out *search.Result, fromWhere string, args []any) error {
	q := `WITH m(id) AS MATERIALIZED (SELECT d.id FROM ` + fromWhere + `)
	SELECT 'total', '', '', count(*) FROM m
	UNION ALL SELECT 'council', d.council, d.council_name, count(*) FROM m JOIN docs d ON d.id = m.id GROUP BY d.council
	UNION ALL SELECT 'committee', d.council || '/' || d.committee, d.committee_name, count(*) FROM m JOIN docs d ON d.id = m.id GROUP BY 2
	UNION ALL SELECT 'topic', t.topic, t.topic, count(*) FROM m JOIN doc_topics t ON t.doc = m.id GROUP BY t.topic
	UNION ALL SELECT 'year', substr(d.date, 1, 4), substr(d.date, 1, 4), count(*) FROM m JOIN docs d ON d.id = m.id WHERE d.date <> '' GROUP BY 2`
	rows, err := ix.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	out.Facets = map[string][]search.FacetValue{}
	for name := range facetLimits {
		out.Facets[name] = []search.FacetValue{}
	}
	for rows.Next() {
		var name string
		var v search.FacetValue
		if err := rows.Scan(&name, &v.Value, &v.Label, &v.Count); err != nil {
			return err
		}
		if name == "total" {
			out.Total = uint64(v.Count)
			continue
		}
		out.Facets[name] = append(out.Facets[name], v)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for name, vals := range out.Facets {
		sort.Slice(vals, func(i, j int) bool {
			if vals[i].Count != vals[j].Count {
				return vals[i].Count > vals[j].Count
			}
			return vals[i].Value < vals[j].Value
		})
		vals = vals[:min(len(vals), facetLimits[name])]
		if name == "year" {
			sort.Slice(vals, func(i, j int) bool { return vals[i].Value > vals[j].Value })
		}
		out.Facets[name] = vals
	}
	return nil
}

// markup escapes a snippet and turns its marks into <mark> elements.
func markup(s string) string {
	s = html.EscapeString(s)
	s = strings.ReplaceAll(s, markOpen, "<mark>")
	return strings.Join(strings.Fields(strings.ReplaceAll(s, markClose, "</mark>")), " ")
}
