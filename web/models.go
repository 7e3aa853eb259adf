// Package web holds Minutebook's templ pages and the view models they
// render. Views are plain data prepared by the server: no SQL, no HTTP
// clients, no search engine types.
package web

import "strconv"

var itoa = strconv.Itoa

// Page is what every page's layout needs.
type Page struct {
	Title       string // <title>, without the site name
	Description string
	Canonical   string // absolute URL
	OGType      string // "website", "article"
	Feeds       []Link // rel=alternate Atom feeds
	JSONLD      string // schema.org JSON-LD, already encoded
	Query       string // the header search box
	Nav         string // "search", "councils", "topics": marks the current section
	NoIndex     bool
}

// Link is a labelled URL.
type Link struct {
	Label, URL string
}

// Totals are archive totals for the home page.
type Totals struct {
	Councils, Committees, Meetings, Items int
	LastIngested                          string
}

// TopicCard introduces a topic.
type TopicCard struct {
	Name, Description, URL string
	Items                  int
}

// CouncilRow is a council with its coverage.
type CouncilRow struct {
	Name, URL                   string
	Committees, Meetings, Items int
	Span, LastIngested          string
}

// CommitteeRow is a committee with its coverage.
type CommitteeRow struct {
	Name, URL       string
	Meetings, Items int
	Span            string
}

// MeetingRow is a meeting in a list.
type MeetingRow struct {
	Committee, URL, Council, CouncilURL, Date, Time, Venue string
	Items                                                  int
}

// Home is the front page.
type Home struct {
	Page
	Totals   Totals
	Topics   []TopicCard
	Councils []CouncilRow
	Latest   []MeetingRow
}

// HitRow is one search result.
type HitRow struct {
	Title, URL, Number, Date string
	Council, CouncilURL      string
	Committee, CommitteeURL  string
	MeetingURL               string
	SnippetHTML              string // escaped text with <mark>; sanitised by the server
	Topics                   []Link
}

// FacetRow is one facet value, with the URL that applies or removes it.
type FacetRow struct {
	Label, URL string
	Count      int
	Active     bool
}

// FacetGroup is one facet.
type FacetGroup struct {
	Label string
	Rows  []FacetRow
}

// Option is a choice in a select.
type Option struct {
	Value, Label string
	Selected     bool
}

// Search is the search page.
type Search struct {
	Page
	Q, From, To       string
	Councils, Topics  []Option
	Sorts             []Option
	Committee         string // active committee filter
	CommitteeLabel    string
	Searched          bool
	Total             uint64
	Took              string
	Hits              []HitRow
	Facets            []FacetGroup
	Error             string
	Suggestions       []Link
	Prev, Next        string // page URLs
	PageNum, Pages    int
	FeedURL, APIURL   string
	ActiveFilterLinks []Link // "remove this filter"
}

// CouncilPage lists a council's committees.
type CouncilPage struct {
	Page
	Council    CouncilRow
	Committees []CommitteeRow
	FeedURL    string
}

// YearGroup is meetings of one year.
type YearGroup struct {
	Year     string
	Meetings []MeetingRow
}

// CommitteePage lists a committee's meetings by year.
type CommitteePage struct {
	Page
	Council   Link
	Committee CommitteeRow
	Years     []YearGroup
	FeedURL   string
}

// Attendee is a person at a meeting.
type Attendee struct{ Name, Role string }

// ItemRow is an item in a meeting's list.
type ItemRow struct {
	Number, Title, URL, Anchor, Preview string
	Truncated                           bool
}

// MeetingPage shows one meeting.
type MeetingPage struct {
	Page
	Council, Committee Link
	Heading, Date      string
	Time, Venue        string
	Attendees          []Attendee
	Items              []ItemRow
	Sources            []Link
}

// Para is a paragraph of minutes; List marks a list item.
type Para struct {
	Text string
	List bool
}

// ItemPage is an agenda item's permalink.
type ItemPage struct {
	Page
	Council, Committee, Meeting Link
	Number, Title, Date         string
	Agenda, Minutes             []Para
	Resolutions                 []string
	Truncated                   bool
	Topics                      []Link
	Sources                     []Link
	Prev, Next                  *Link
	Related                     []HitRow
	Permalink, ShortLink        string
	Citation                    string
}

// TopicsPage lists the topics.
type TopicsPage struct {
	Page
	Topics []TopicCard
}

// TopicPage follows one topic across councils.
type TopicPage struct {
	Page
	Topic    TopicCard
	ChartSVG string // server-rendered SVG, built from escaped values
	Councils []Option
	From, To string
	Total    uint64
	Timeline []HitRow
	FeedURL  string
	Action   string
}

// ErrorPage is a 404 or 500.
type ErrorPage struct {
	Page
	Status  int
	Heading string
	Message string
}

// count writes "1 item", "3 items".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}
