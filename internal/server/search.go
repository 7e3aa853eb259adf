package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/query"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/web"
)

// requestFrom reads a search from URL parameters; every search is a
// shareable URL.
func requestFrom(q url.Values) search.Request {
	page, _ := strconv.Atoi(q.Get("page"))
	per, _ := strconv.Atoi(q.Get("per_page"))
	return search.Request{
		Query: q.Get("q"), Councils: nonEmpty(q["council"]), Committees: nonEmpty(q["committee"]), Topics: nonEmpty(q["topic"]),
		From: q.Get("from"), To: q.Get("to"), Sort: q.Get("sort"), Page: max(page, 1), PerPage: per,
	}
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// badRequestOr lets syntax errors through as themselves and wraps the rest.
func badRequestOr(err error) error {
	var se *query.SyntaxError
	if errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("search: %w", err)
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	params := r.URL.Query()
	req := requestFrom(params)
	req.PerPage, req.Facets, req.Highlight = 20, true, true
	searched := params.Has("q") || len(req.Councils)+len(req.Committees)+len(req.Topics) > 0 || req.From != "" || req.To != ""
	v := web.Search{
		Page: web.Page{Title: "Search", Query: req.Query, Nav: "search", NoIndex: true, Canonical: s.abs(r, "/search?"+params.Encode())},
		Q:    req.Query, From: req.From, To: req.To, Searched: searched,
		FeedURL: "/search.atom?" + params.Encode(), APIURL: "/api/search?" + params.Encode(),
	}
	if req.Query != "" {
		v.Title = "Search: " + req.Query
	}
	v.Feeds = []web.Link{{Label: "Minutebook search: " + req.Query, URL: v.FeedURL}}
	for _, o := range []web.Option{{Value: "relevance", Label: "Most relevant"}, {Value: "newest", Label: "Newest first"}, {Value: "oldest", Label: "Oldest first"}} {
		o.Selected = o.Value == req.Sort || (req.Sort == "" && o.Value == "relevance")
		v.Sorts = append(v.Sorts, o)
	}
	cs, err := s.councilFilter(r.Context())
	if err != nil {
		return err
	}
	for _, c := range cs {
		v.Councils = append(v.Councils, web.Option{Value: c.Slug, Label: c.Name, Selected: contains(req.Councils, c.Slug)})
	}
	if cs == nil { // not counted yet: keep the filter asked for
		for _, c := range req.Councils {
			v.Councils = append(v.Councils, web.Option{Value: c, Label: c, Selected: true})
		}
	}
	for _, t := range s.topics.Topics() {
		v.Topics = append(v.Topics, web.Option{Value: t.Slug, Label: t.Name, Selected: contains(req.Topics, t.Slug)})
	}
	if len(req.Committees) > 0 {
		v.Committee = req.Committees[0]
	}
	if searched {
		ctx, cancel := s.searchCtx(r)
		defer cancel()
		res, err := s.index.Search(ctx, req)
		var se *query.SyntaxError
		switch {
		case errors.As(err, &se):
			v.Error = se.Msg
		case err != nil:
			return err
		default:
			v.Total, v.Took = res.Total, res.Took.Round(100_000).String()
			v.Hits = s.hitRows(res.Hits)
			v.Facets = facetGroups(params, res.Facets, s)
			pages := int((res.Total + 19) / 20)
			v.PageNum, v.Pages = req.Page, max(pages, 1)
			if req.Page > 1 {
				v.Prev = "/search?" + with(params, "page", strconv.Itoa(req.Page-1))
			}
			if req.Page < pages {
				v.Next = "/search?" + with(params, "page", strconv.Itoa(req.Page+1))
			}
			v.ActiveFilterLinks = activeFilters(params, s)
			if res.Total == 0 {
				v.Suggestions = s.suggestions(req)
			}
		}
	}
	return s.render(w, r, http.StatusOK, web.SearchPage(v))
}

// suggestions offer ways out of an empty result.
func (s *Server) suggestions(req search.Request) []web.Link {
	var out []web.Link
	if len(req.Councils)+len(req.Committees)+len(req.Topics) > 0 || req.From != "" || req.To != "" {
		out = append(out, web.Link{Label: "the same words without filters", URL: "/search?" + url.Values{"q": {req.Query}}.Encode()})
	}
	if strings.Contains(req.Query, `"`) {
		out = append(out, web.Link{Label: "without quotation marks", URL: "/search?" + url.Values{"q": {strings.ReplaceAll(req.Query, `"`, "")}}.Encode()})
	}
	for _, t := range s.topics.Topics()[:min(3, len(s.topics.Topics()))] {
		out = append(out, web.Link{Label: "everything on " + t.Name, URL: "/topics/" + t.Slug})
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

// with returns params with key set to value (page reset unless it is the key).
func with(params url.Values, key, value string) string { return withEach(params, key)(value) }

// withEach is with(params, key, ·) for many values at the cost of one: the
// other parameters are encoded once, where a search page's hundred facet
// links each copied and encoded them all. Encode sorts by key, so the
// link is the keys before key, then key, then the keys after it.
func withEach(params url.Values, key string) func(value string) string {
	before, after := url.Values{}, url.Values{}
	for k, v := range params {
		switch {
		case k == key || (k == "page" && key != "page"):
		case k < key:
			before[k] = v
		default:
			after[k] = v
		}
	}
	b, a := before.Encode(), after.Encode()
	return func(value string) string {
		parts := make([]string, 0, 3)
		if b != "" {
			parts = append(parts, b)
		}
		if value != "" {
			parts = append(parts, url.QueryEscape(key)+"="+url.QueryEscape(value))
		}
		if a != "" {
			parts = append(parts, a)
		}
		return strings.Join(parts, "&")
	}
}

var facetParam = map[string]string{"council": "council", "committee": "committee", "topic": "topic"}

func facetGroups(params url.Values, facets map[string][]search.FacetValue, s *Server) []web.FacetGroup {
	var out []web.FacetGroup
	for _, f := range []struct{ name, label string }{{"council", "Council"}, {"committee", "Committee"}, {"topic", "Topic"}, {"year", "Year"}} {
		g := web.FacetGroup{Label: f.label}
		param, byParam := facetParam[f.name]
		var link func(string) string
		if byParam {
			link = withEach(params, param)
		}
		for _, fv := range facets[f.name] {
			label := fv.Label
			if f.name == "topic" {
				if t, ok := s.topics.Topic(fv.Value); ok {
					label = t.Name
				}
			}
			row := web.FacetRow{Label: label, Count: fv.Count}
			if !byParam { // a year: a date range
				row.Active = params.Get("from") == fv.Value+"-01-01" && params.Get("to") == fv.Value+"-12-31"
				p := url.Values{}
				for k, v := range params {
					p[k] = v
				}
				p.Del("page")
				if row.Active {
					p.Del("from")
					p.Del("to")
				} else {
					p.Set("from", fv.Value+"-01-01")
					p.Set("to", fv.Value+"-12-31")
				}
				row.URL = "/search?" + p.Encode()
			} else {
				row.Active = params.Get(param) == fv.Value
				if row.Active {
					row.URL = "/search?" + link("")
				} else {
					row.URL = "/search?" + link(fv.Value)
				}
			}
			g.Rows = append(g.Rows, row)
		}
		out = append(out, g)
	}
	return out
}

func activeFilters(params url.Values, s *Server) []web.Link {
	var out []web.Link
	for _, k := range []string{"council", "committee", "topic", "from", "to"} {
		if v := params.Get(k); v != "" {
			label := k + ": " + v
			if k == "topic" {
				if t, ok := s.topics.Topic(v); ok {
					label = "topic: " + t.Name
				}
			}
			out = append(out, web.Link{Label: label, URL: "/search?" + with(params, k, "")})
		}
	}
	return out
}

// The JSON API: GET /api/search and GET /api/items/{key}.

type apiHit struct {
	Key         string   `json:"key"`
	URL         string   `json:"url"`
	Council     string   `json:"council"`
	CouncilName string   `json:"council_name"`
	Committee   string   `json:"committee"`
	Date        *string  `json:"date"`
	Number      *string  `json:"number"`
	Title       *string  `json:"title"`
	SnippetHTML string   `json:"snippet_html"`
	Score       float64  `json:"score"`
	Topics      []string `json:"topics"`
}

type apiFacet struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

type apiResult struct {
	Query  string                `json:"query"`
	Total  uint64                `json:"total"`
	TookMS float64               `json:"took_ms"`
	Hits   []apiHit              `json:"hits"`
	Facets map[string][]apiFacet `json:"facets"`
}

type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) error {
	req := requestFrom(r.URL.Query())
	req.Facets, req.Highlight = true, true
	if req.PerPage == 0 {
		req.PerPage = 20
	}
	ctx, cancel := s.searchCtx(r)
	defer cancel()
	res, err := s.index.Search(ctx, req)
	var se *query.SyntaxError
	if errors.As(err, &se) {
		return writeJSON(w, http.StatusBadRequest, apiError{Error: se.Msg})
	}
	if err != nil {
		return err
	}
	out := apiResult{Query: req.Query, Total: res.Total, TookMS: float64(res.Took.Microseconds()) / 1000, Hits: []apiHit{}, Facets: map[string][]apiFacet{}}
	for _, h := range res.Hits {
		topics := h.Topics
		if topics == nil {
			topics = []string{}
		}
		out.Hits = append(out.Hits, apiHit{Key: h.Key, URL: s.abs(r, h.Path), Council: h.Council, CouncilName: h.CouncilName,
			Committee: h.CommitteeName, Date: nullable(h.Date), Number: nullable(h.Number), Title: nullable(h.Title),
			SnippetHTML: s.snippetHTML(h.SnippetHTML), Score: h.Score, Topics: topics})
	}
	for name, vals := range res.Facets {
		fs := []apiFacet{}
		for _, v := range vals {
			fs = append(fs, apiFacet{Value: v.Value, Label: v.Label, Count: v.Count})
		}
		out.Facets[name] = fs
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiItem(w http.ResponseWriter, r *http.Request) error {
	key := chi.URLParam(r, "key")
	it, err := s.archive.Item(r.Context(), key)
	if errors.Is(err, archive.ErrNotFound) {
		return writeJSON(w, http.StatusNotFound, apiError{Error: "no item with key " + key})
	}
	if err != nil {
		return err
	}
	m, err := s.archive.Meeting(r.Context(), it.MeetingKey)
	if err != nil {
		return err
	}
	meeting := archive.Meeting{SourceURL: m.SourceURL, Format: m.Format, Council: m.CouncilName, CouncilSlug: m.CouncilSlug,
		Committee: m.CommitteeName, CommitteeSlug: m.CommitteeSlug, Date: m.Date, Time: m.Time, Venue: m.Venue,
		Attendees: m.Attendees, Key: m.Key}
	return writeJSON(w, http.StatusOK, map[string]any{"url": s.abs(r, it.Path), "item": it.Item, "meeting": meeting, "meeting_url": s.abs(r, m.Path)})
}
