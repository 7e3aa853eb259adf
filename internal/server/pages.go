package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/normalise"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/internal/store"
	"github.com/minutebook/minutebook/web"
)

// humanDate writes 2022-09-06 as "6 September 2022".
func humanDate(d string) string {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return "undated"
	}
	return t.Format("2 January 2006")
}

func span(first, last string) string {
	switch {
	case first == "" && last == "":
		return "undated"
	case first == last || first == "":
		return humanDate(last)
	}
	return humanDate(first) + " – " + humanDate(last)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 January 2006, 15:04 UTC")
}

func councilURL(slug string) string                 { return "/" + slug }
func committeeURL(council, committee string) string { return "/" + council + "/" + committee }

func (s *Server) topicLinks(slugs []string) []web.Link {
	var out []web.Link
	for _, slug := range slugs {
		if t, ok := s.topics.Topic(slug); ok {
			out = append(out, web.Link{Label: t.Name, URL: "/topics/" + slug})
		}
	}
	return out
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st, err := s.archive.Stats(ctx)
	if err != nil {
		return err
	}
	cs, err := s.councilSummaries(ctx)
	if err != nil {
		return err
	}
	latest, err := s.archive.LatestMeetings(ctx, 8)
	if err != nil {
		return err
	}
	v := web.Home{
		Page: web.Page{Canonical: s.abs(r, "/"), Description: "Search what UK council committees discussed and decided, across councils: SEND, elective home education, social worker recruitment and more.",
			Feeds: []web.Link{{Label: "Minutebook: latest items", URL: "/search.atom?sort=newest"}}},
		Totals:   web.Totals{Councils: st.Councils, Committees: st.Committees, Meetings: st.Meetings, Items: st.Items, LastIngested: stamp(st.LastIngested)},
		Councils: councilRows(cs),
		Latest:   meetingRows(latest),
	}
	v.Topics, err = s.topicCards(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, web.HomePage(v))
}

func (s *Server) topicCards(r *http.Request) ([]web.TopicCard, error) {
	ctx, cancel := s.searchCtx(r)
	defer cancel()
	res, err := s.index.Search(ctx, search.Request{Facets: true, PerPage: 1})
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, f := range res.Facets["topic"] {
		counts[f.Value] = f.Count
	}
	var out []web.TopicCard
	for _, t := range s.topics.Topics() {
		out = append(out, web.TopicCard{Name: t.Name, Description: t.Description, URL: "/topics/" + t.Slug, Items: counts[t.Slug]})
	}
	return out, nil
}

func councilRows(cs []store.CouncilSummary) []web.CouncilRow {
	out := make([]web.CouncilRow, 0, len(cs))
	for _, c := range cs {
		out = append(out, web.CouncilRow{Name: c.Name, URL: councilURL(c.Slug), Committees: c.Committees, Meetings: c.Meetings,
			Items: c.Items, Span: span(c.FirstDate, c.LastDate), LastIngested: stamp(c.LastIngested)})
	}
	return out
}

func meetingRows(ms []store.MeetingSummary) []web.MeetingRow {
	out := make([]web.MeetingRow, 0, len(ms))
	for _, m := range ms {
		out = append(out, web.MeetingRow{Committee: m.CommitteeName, URL: m.Path, Council: m.CouncilName, CouncilURL: councilURL(m.CouncilSlug),
			Date: humanDate(m.Date), Time: m.Time, Venue: m.Venue, Items: m.Items})
	}
	return out
}

func (s *Server) councilsPage(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.councilSummaries(r.Context())
	if err != nil {
		return err
	}
	p := web.Page{Title: "Councils", Canonical: s.abs(r, "/councils"), Nav: "councils", Description: "The councils whose committee minutes Minutebook holds."}
	return s.render(w, r, http.StatusOK, web.CouncilsPage(p, councilRows(cs)))
}

func (s *Server) councilPage(w http.ResponseWriter, r *http.Request) error {
	slug := chi.URLParam(r, "council")
	c, err := s.archive.Council(r.Context(), slug)
	if err != nil {
		return err
	}
	cms, err := s.archive.Committees(r.Context(), slug)
	if err != nil {
		return err
	}
	feed := "/feeds/" + slug + ".atom"
	v := web.CouncilPage{
		Page: web.Page{Title: c.Name, Canonical: s.abs(r, councilURL(slug)), Nav: "councils",
			Description: fmt.Sprintf("Committee minutes of %s: %d meetings, %d agenda items.", c.Name, c.Meetings, c.Items),
			Feeds:       []web.Link{{Label: c.Name + " — latest items", URL: feed}}},
		Council: councilRows([]store.CouncilSummary{c})[0], FeedURL: feed,
	}
	for _, cm := range cms {
		v.Committees = append(v.Committees, web.CommitteeRow{Name: cm.Name, URL: committeeURL(slug, cm.Slug), Meetings: cm.Meetings, Items: cm.Items, Span: span(cm.FirstDate, cm.LastDate)})
	}
	return s.render(w, r, http.StatusOK, web.CouncilView(v))
}

func (s *Server) committeePage(w http.ResponseWriter, r *http.Request) error {
	council, committee := chi.URLParam(r, "council"), chi.URLParam(r, "committee")
	cm, err := s.archive.Committee(r.Context(), council, committee)
	if err != nil {
		return err
	}
	ms, err := s.archive.Meetings(r.Context(), council, committee)
	if err != nil {
		return err
	}
	feed := "/feeds/" + council + "/" + committee + ".atom"
	v := web.CommitteePage{
		Page: web.Page{Title: cm.Name + ", " + cm.CouncilName, Canonical: s.abs(r, committeeURL(council, committee)), Nav: "councils",
			Description: fmt.Sprintf("Minutes of %s (%s): %d meetings.", cm.Name, cm.CouncilName, cm.Meetings),
			Feeds:       []web.Link{{Label: cm.Name + " — latest items", URL: feed}}},
		Council:   web.Link{Label: cm.CouncilName, URL: councilURL(council)},
		Committee: web.CommitteeRow{Name: cm.Name, URL: committeeURL(council, committee), Meetings: cm.Meetings, Items: cm.Items, Span: span(cm.FirstDate, cm.LastDate)},
		FeedURL:   feed,
	}
	for _, m := range meetingRows(ms) {
		year := "Undated"
		if d, err := time.Parse("2 January 2006", m.Date); err == nil {
			year = fmt.Sprint(d.Year())
		}
		if n := len(v.Years); n == 0 || v.Years[n-1].Year != year {
			v.Years = append(v.Years, web.YearGroup{Year: year})
		}
		v.Years[len(v.Years)-1].Meetings = append(v.Years[len(v.Years)-1].Meetings, m)
	}
	return s.render(w, r, http.StatusOK, web.CommitteeView(v))
}

func (s *Server) meetingPage(w http.ResponseWriter, r *http.Request) error {
	m, err := s.archive.MeetingByPath(r.Context(), r.URL.Path)
	if err != nil {
		return err
	}
	v := web.MeetingPage{
		Page: web.Page{Title: m.CommitteeName + ", " + humanDate(m.Date), Canonical: s.abs(r, m.Path), Nav: "councils",
			Description: fmt.Sprintf("Minutes of %s, %s, %s: %d agenda items.", m.CommitteeName, m.CouncilName, humanDate(m.Date), len(m.Items))},
		Council:   web.Link{Label: m.CouncilName, URL: councilURL(m.CouncilSlug)},
		Committee: web.Link{Label: m.CommitteeName, URL: committeeURL(m.CouncilSlug, m.CommitteeSlug)},
		Heading:   m.CommitteeName, Date: humanDate(m.Date), Time: m.Time, Venue: m.Venue,
	}
	for _, a := range m.Attendees {
		v.Attendees = append(v.Attendees, web.Attendee{Name: a.Name, Role: a.Role})
	}
	for _, it := range m.Items {
		v.Items = append(v.Items, web.ItemRow{Number: it.Number, Title: it.Title, URL: it.Path, Anchor: "item-" + fmt.Sprint(it.Position),
			Preview: preview(it.Text, 160), Truncated: it.Truncated})
	}
	v.Sources = sourceLinks(m.SourceURL, m.Sources)
	return s.render(w, r, http.StatusOK, web.MeetingView(v))
}

// preview is the first words of a text, cut at a word.
func preview(text string, n int) string {
	text = normalise.Line(text)
	if len(text) <= n {
		return text
	}
	cut := strings.LastIndexByte(text[:n], ' ')
	if cut < n/2 {
		cut = n
	}
	return strings.TrimRight(text[:cut], " ,.;:") + "…"
}

func sourceLinks(primary string, srcs []store.Source) []web.Link {
	seen := map[string]bool{}
	var out []web.Link
	add := func(label, url string) {
		key := label + url
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, web.Link{Label: label, URL: url})
	}
	if isHTTP(primary) {
		add("The council's published minutes", primary)
	}
	for _, src := range srcs {
		switch {
		case isHTTP(src.SourceURL):
			add(src.SourceURL, src.SourceURL)
		case isHTTP(src.Location):
			add(src.Location, src.Location)
		default:
			add("Archived document: "+src.Location, "")
		}
	}
	return out
}

func sourceStrings(srcs []string) []web.Link {
	var out []web.Link
	for _, s := range srcs {
		if isHTTP(s) {
			out = append(out, web.Link{Label: s, URL: s})
		} else {
			out = append(out, web.Link{Label: "Archived document: " + s})
		}
	}
	return out
}

func isHTTP(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")
}

func (s *Server) itemPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	it, err := s.archive.ItemByPath(ctx, r.URL.Path)
	if err != nil {
		return err
	}
	m, err := s.archive.Meeting(ctx, it.MeetingKey)
	if err != nil {
		return err
	}
	title := it.Title
	if title == "" {
		title = "Untitled item"
	}
	date := humanDate(it.Date)
	permalink := s.abs(r, it.Path)
	v := web.ItemPage{
		Page: web.Page{Title: title + " — " + it.CommitteeName + ", " + date, Canonical: permalink, OGType: "article", Nav: "search",
			Description: preview(it.Text, 200)},
		Council:   web.Link{Label: it.CouncilName, URL: councilURL(it.CouncilSlug)},
		Committee: web.Link{Label: it.CommitteeName, URL: committeeURL(it.CouncilSlug, it.CommitteeSlug)},
		Meeting:   web.Link{Label: date, URL: it.MeetingPath},
		Number:    it.Number, Title: it.Title, Date: date,
		Agenda: paragraphs(it.AgendaText), Minutes: paragraphs(it.Text), Resolutions: it.Resolutions,
		Truncated: it.Truncated, Topics: s.topicLinks(it.Topics), Sources: sourceStrings(it.Sources),
		Permalink: permalink, ShortLink: s.abs(r, "/i/"+it.Key),
	}
	if isHTTP(it.SourceURL) {
		v.Sources = append([]web.Link{{Label: "The council's published minutes", URL: it.SourceURL}}, v.Sources...)
	}
	num := ""
	if it.Number != "" {
		num = "item " + it.Number + ", "
	}
	v.Citation = fmt.Sprintf("%s, %s: minutes of the meeting of %s, %s“%s”. Minutebook, %s (accessed %s).",
		it.CouncilName, it.CommitteeName, date, num, title, permalink, time.Now().UTC().Format("2 January 2006"))
	for i, other := range m.Items {
		if other.Key != it.Key {
			continue
		}
		if i > 0 {
			v.Prev = &web.Link{Label: itemLabel(m.Items[i-1]), URL: m.Items[i-1].Path}
		}
		if i+1 < len(m.Items) {
			v.Next = &web.Link{Label: itemLabel(m.Items[i+1]), URL: m.Items[i+1].Path}
		}
	}
	sctx, cancel := s.searchCtx(r)
	defer cancel()
	switch related, err := s.index.Related(sctx, it.Key, 5); {
	case err == nil:
		v.Related = s.hitRows(related)
	case errors.Is(err, errBusy):
		// Expected under load: the page is served without them (counted in
		// the search metrics), not worth a log line per page.
		s.log.Debug("related items skipped: every search slot busy", "key", it.Key)
		w.Header().Set(partialHeader, "related")
	default:
		s.log.Warn("related items", "key", it.Key, "err", err)
	}
	ld, _ := json.Marshal(map[string]any{
		"@context": "https://schema.org", "@type": "Article", "headline": title, "datePublished": it.Date,
		"url": permalink, "isPartOf": map[string]any{"@type": "Event", "name": it.CommitteeName + ", " + date, "startDate": it.Date,
			"organizer": map[string]any{"@type": "GovernmentOrganization", "name": it.CouncilName}},
		"publisher": map[string]any{"@type": "Organization", "name": "Minutebook"},
		"keywords":  it.Topics,
	})
	v.JSONLD = string(ld)
	return s.render(w, r, http.StatusOK, web.ItemView(v))
}

func itemLabel(it store.ItemView) string {
	t := it.Title
	if t == "" {
		t = "Untitled item"
	}
	if it.Number != "" {
		return it.Number + " " + t
	}
	return t
}

// paragraphs splits minutes text into paragraphs, marking list items.
func paragraphs(text string) []web.Para {
	var out []web.Para
	for _, p := range strings.Split(text, "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		out = append(out, web.Para{Text: p, List: normalise.IsListItem(p)})
	}
	return out
}

func (s *Server) hitRows(hits []search.Hit) []web.HitRow {
	out := make([]web.HitRow, 0, len(hits))
	for _, h := range hits {
		out = append(out, web.HitRow{
			Title: h.Title, URL: h.Path, Number: h.Number, Date: humanDate(h.Date),
			Council: h.CouncilName, CouncilURL: councilURL(h.Council),
			Committee: h.CommitteeName, CommitteeURL: committeeURL(h.Council, h.Committee),
			MeetingURL: h.MeetingPath, SnippetHTML: s.snippetHTML(h.SnippetHTML), Topics: s.topicLinks(h.Topics),
		})
	}
	return out
}

// shortLink redirects /i/{key} to the item's permalink, following aliases.
func (s *Server) shortLink(w http.ResponseWriter, r *http.Request) error {
	key := chi.URLParam(r, "key")
	it, err := s.archive.Item(r.Context(), key)
	if err == nil {
		http.Redirect(w, r, it.Path, http.StatusMovedPermanently)
		return nil
	}
	to, aerr := s.archive.ResolveAlias(r.Context(), key)
	if aerr != nil {
		return err
	}
	http.Redirect(w, r, to, http.StatusMovedPermanently)
	return nil
}

func (s *Server) topicsPage(w http.ResponseWriter, r *http.Request) error {
	cards, err := s.topicCards(r)
	if err != nil {
		return err
	}
	v := web.TopicsPage{Page: web.Page{Title: "Topics", Canonical: s.abs(r, "/topics"), Nav: "topics",
		Description: "Topics followed across councils: SEND, elective home education, social worker recruitment and more."}, Topics: cards}
	return s.render(w, r, http.StatusOK, web.TopicsView(v))
}

func (s *Server) topicPage(w http.ResponseWriter, r *http.Request) error {
	slug := chi.URLParam(r, "slug")
	t, ok := s.topics.Topic(slug)
	if !ok {
		return fmt.Errorf("topic %s: %w", slug, archive.ErrNotFound)
	}
	q := r.URL.Query()
	req := search.Request{Topics: []string{slug}, From: q.Get("from"), To: q.Get("to"), Sort: "newest", PerPage: 30, Facets: true, Quarters: true}
	if c := q.Get("council"); c != "" {
		req.Councils = []string{c}
	}
	ctx, cancel := s.searchCtx(r)
	defer cancel()
	res, err := s.index.Search(ctx, req)
	if err != nil {
		return badRequestOr(err)
	}
	points := chartPoints(res.Quarters)
	feed := "/topics/" + slug + ".atom"
	cs, err := s.councilSummaries(r.Context())
	if err != nil {
		return err
	}
	v := web.TopicPage{
		Page: web.Page{Title: t.Name, Canonical: s.abs(r, "/topics/"+slug), Nav: "topics", Description: t.Description,
			Feeds: []web.Link{{Label: "Minutebook: " + t.Name, URL: feed}}},
		Topic:    web.TopicCard{Name: t.Name, Description: t.Description, URL: "/topics/" + slug, Items: int(res.Total)},
		ChartSVG: quarterChart(t.Name, points), From: req.From, To: req.To, Total: res.Total,
		Timeline: s.hitRows(res.Hits), FeedURL: feed, Action: "/topics/" + slug,
	}
	for _, c := range cs {
		v.Councils = append(v.Councils, web.Option{Value: c.Slug, Label: c.Name, Selected: c.Slug == q.Get("council")})
	}
	return s.render(w, r, http.StatusOK, web.TopicView(v))
}

// chartPoints are a topic's items per quarter and council, for the chart:
// every match, counted by the index as it finds them.
func chartPoints(qs []search.QuarterCount) []chartPoint {
	out := make([]chartPoint, 0, len(qs))
	for _, q := range qs {
		out = append(out, chartPoint{Quarter: q.Quarter, Council: q.CouncilName, Count: q.Count})
	}
	return out
}
