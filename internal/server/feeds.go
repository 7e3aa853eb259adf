package server

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/search"
)

// Atom feeds, so anyone can follow a search, topic, council or committee
// in a feed reader.

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title     string     `xml:"title"`
	ID        string     `xml:"id"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published,omitempty"`
	Links     []atomLink `xml:"link"`
	Summary   atomText   `xml:"summary"`
	Category  []atomCat  `xml:"category"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCat struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

func (s *Server) feed(w http.ResponseWriter, r *http.Request, title, selfPath, htmlPath string, req search.Request) error {
	req.Sort, req.PerPage, req.Highlight = "newest", 30, req.Query != ""
	ctx, cancel := s.searchCtx(r)
	defer cancel()
	res, err := s.index.Search(ctx, req)
	if err != nil {
		return badRequestOr(err)
	}
	f := atomFeed{
		Title: title, ID: s.abs(r, selfPath), Updated: time.Now().UTC().Format(time.RFC3339),
		Links:  []atomLink{{Rel: "self", Href: s.abs(r, selfPath), Type: "application/atom+xml"}, {Rel: "alternate", Href: s.abs(r, htmlPath), Type: "text/html"}},
		Author: atomAuthor{Name: "Minutebook"},
	}
	for _, h := range res.Hits {
		date := h.Date
		if date == "" {
			date = "1970-01-01"
		}
		t := h.Title
		if t == "" {
			t = "Untitled item"
		}
		e := atomEntry{
			Title: fmt.Sprintf("%s — %s, %s", t, h.CommitteeName, h.CouncilName), ID: s.abs(r, "/i/"+h.Key),
			Updated: date + "T00:00:00Z", Published: date + "T00:00:00Z",
			Links:   []atomLink{{Rel: "alternate", Href: s.abs(r, h.Path), Type: "text/html"}},
			Summary: atomText{Type: "html", Body: s.snippetHTML(h.SnippetHTML)},
		}
		if e.Summary.Body == "" {
			e.Summary = atomText{Type: "text", Body: fmt.Sprintf("%s, %s, %s", h.CommitteeName, h.CouncilName, humanDate(h.Date))}
		}
		for _, tp := range h.Topics {
			e.Category = append(e.Category, atomCat{Term: tp})
		}
		f.Entries = append(f.Entries, e)
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	return xml.NewEncoder(w).Encode(f)
}

func (s *Server) searchFeed(w http.ResponseWriter, r *http.Request) error {
	req := requestFrom(r.URL.Query())
	title := "Minutebook: latest items"
	if req.Query != "" {
		title = "Minutebook search: " + req.Query
	}
	return s.feed(w, r, title, "/search.atom?"+r.URL.RawQuery, "/search?"+r.URL.RawQuery, req)
}

func (s *Server) topicFeed(w http.ResponseWriter, r *http.Request) error {
	slug := strings.TrimSuffix(chi.URLParam(r, "slug"), ".atom")
	t, ok := s.topics.Topic(slug)
	if !ok {
		return fmt.Errorf("topic %s: %w", slug, archive.ErrNotFound)
	}
	return s.feed(w, r, "Minutebook: "+t.Name, "/topics/"+slug+".atom", "/topics/"+slug, search.Request{Topics: []string{slug}})
}

func (s *Server) councilFeed(w http.ResponseWriter, r *http.Request) error {
	slug := chi.URLParam(r, "council")
	c, err := s.archive.Council(r.Context(), slug)
	if err != nil {
		return err
	}
	return s.feed(w, r, "Minutebook: "+c.Name, "/feeds/"+slug+".atom", councilURL(slug), search.Request{Councils: []string{slug}})
}

func (s *Server) committeeFeed(w http.ResponseWriter, r *http.Request) error {
	council, committee := chi.URLParam(r, "council"), chi.URLParam(r, "committee")
	cm, err := s.archive.Committee(r.Context(), council, committee)
	if err != nil {
		return err
	}
	return s.feed(w, r, "Minutebook: "+cm.Name+", "+cm.CouncilName, "/feeds/"+council+"/"+committee+".atom",
		committeeURL(council, committee), search.Request{Committees: []string{council + "/" + committee}})
}

type urlset struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapURL
}

type sitemapURL struct {
	XMLName xml.Name `xml:"url"`
	Loc     string   `xml:"loc"`
	LastMod string   `xml:"lastmod,omitempty"`
}

// sitemap lists the browsable pages: councils, committees, meetings and
// topics (items are linked from their meetings).
func (s *Server) sitemap(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	set := urlset{URLs: []sitemapURL{{Loc: s.abs(r, "/")}, {Loc: s.abs(r, "/councils")}, {Loc: s.abs(r, "/topics")}}}
	for _, t := range s.topics.Topics() {
		set.URLs = append(set.URLs, sitemapURL{Loc: s.abs(r, "/topics/"+t.Slug)})
	}
	cs, err := s.councilSummaries(ctx)
	if err != nil {
		return err
	}
	for _, c := range cs {
		set.URLs = append(set.URLs, sitemapURL{Loc: s.abs(r, councilURL(c.Slug))})
		cms, err := s.archive.Committees(ctx, c.Slug)
		if err != nil {
			return err
		}
		for _, cm := range cms {
			set.URLs = append(set.URLs, sitemapURL{Loc: s.abs(r, committeeURL(c.Slug, cm.Slug))})
			ms, err := s.archive.Meetings(ctx, c.Slug, cm.Slug)
			if err != nil {
				return err
			}
			for _, m := range ms {
				set.URLs = append(set.URLs, sitemapURL{Loc: s.abs(r, m.Path), LastMod: m.Date})
			}
		}
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	return xml.NewEncoder(w).Encode(set)
}
