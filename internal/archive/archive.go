// Package archive holds Minutebook's domain types: councils, committees,
// meetings and agenda items. It imports nothing of ours, so every other
// package can depend on it.
//
// Empty strings mean "unknown": the JSON form (see json.go) writes them as
// null, which is the contract of `minutebook parse` and of the JSONL export.
package archive

import "errors"

// Sentinel errors shared by the store, search and HTTP layers.
var (
	ErrNotFound = errors.New("not found")
	// ErrNoMeeting means a document held no recognisable meeting.
	ErrNoMeeting = errors.New("no recognisable meeting")
)

// Council is a local authority.
type Council struct {
	Slug string // "leicestershire"
	Name string // "Leicestershire County Council"
}

// Committee is a committee, panel or board of a council.
type Committee struct {
	CouncilSlug string
	Slug        string // "children-and-families-overview-and-scrutiny-committee"
	Name        string
}

// Attendee is a person recorded as present at a meeting.
type Attendee struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// Meeting is one meeting of a committee with its agenda items, as parsed
// from one source document (or, in the archive, merged from several).
type Meeting struct {
	Source    string // file path or URL the meeting was read from
	SourceURL string // public URL of the source, when known
	Format    string // parser that read it, e.g. "moderngov-text"

	Council       string // official name; "" when unknown
	CouncilSlug   string
	Committee     string
	CommitteeSlug string
	Date          string // YYYY-MM-DD; "" when the text does not state it
	Time          string // HH:MM (24h); "" when unknown
	Venue         string
	Attendees     []Attendee
	Items         []Item

	// Set by the store.
	Key string // stable meeting key
}

// Item is one agenda item of a meeting.
type Item struct {
	Number      string   // printed item number ("21/47", "320"); "" when none
	Title       string   // "" when the source lost it
	AgendaText  string   // agenda description printed before "Minutes:"
	Text        string   // minutes text, paragraphs separated by blank lines
	Truncated   bool     // the source cut the minutes short
	Resolutions []string // decisions recorded with RESOLVED / AGREED markers
	Topics      []string // topic slugs

	// Set by the store.
	Position int      // 1-based order within the meeting
	Key      string   // stable item key
	Path     string   // readable permalink path
	Sources  []string // every source that contributed to this item
}
