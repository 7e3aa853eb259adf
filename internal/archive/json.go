package archive

import "encoding/json"

// The JSON form of a meeting is a public contract (the output of
// `minutebook parse` and the JSONL export/import format): field names must
// not change, and unknown values are null rather than "".

type meetingJSON struct {
	Source        string     `json:"source"`
	SourceURL     *string    `json:"source_url,omitempty"`
	Format        string     `json:"format"`
	Council       *string    `json:"council"`
	CouncilSlug   *string    `json:"council_slug"`
	Committee     *string    `json:"committee"`
	CommitteeSlug *string    `json:"committee_slug,omitempty"`
	Date          *string    `json:"date"`
	Time          *string    `json:"time"`
	Venue         *string    `json:"venue"`
	Attendees     []Attendee `json:"attendees"`
	Items         []Item     `json:"items"`
	Key           *string    `json:"key,omitempty"`
}

type itemJSON struct {
	Number      *string  `json:"number"`
	Title       *string  `json:"title"`
	AgendaText  string   `json:"agenda_text"`
	Text        string   `json:"text"`
	Truncated   bool     `json:"truncated"`
	Resolutions []string `json:"resolutions"`
	Topics      []string `json:"topics"`
	Position    int      `json:"position,omitempty"`
	Key         *string  `json:"key,omitempty"`
	Path        *string  `json:"path,omitempty"`
	Sources     []string `json:"sources,omitempty"`
}

func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func val(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// MarshalJSON writes the contract form of a meeting.
func (m Meeting) MarshalJSON() ([]byte, error) {
	return json.Marshal(meetingJSON{
		Source: m.Source, SourceURL: ptr(m.SourceURL), Format: m.Format,
		Council: ptr(m.Council), CouncilSlug: ptr(m.CouncilSlug),
		Committee: ptr(m.Committee), CommitteeSlug: ptr(m.CommitteeSlug),
		Date: ptr(m.Date), Time: ptr(m.Time), Venue: ptr(m.Venue),
		Attendees: nonNil(m.Attendees), Items: nonNil(m.Items), Key: ptr(m.Key),
	})
}

// UnmarshalJSON reads the contract form of a meeting.
func (m *Meeting) UnmarshalJSON(b []byte) error {
	var j meetingJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*m = Meeting{
		Source: j.Source, SourceURL: val(j.SourceURL), Format: j.Format,
		Council: val(j.Council), CouncilSlug: val(j.CouncilSlug),
		Committee: val(j.Committee), CommitteeSlug: val(j.CommitteeSlug),
		Date: val(j.Date), Time: val(j.Time), Venue: val(j.Venue),
		Attendees: j.Attendees, Items: j.Items, Key: val(j.Key),
	}
	return nil
}

// MarshalJSON writes the contract form of an item.
func (it Item) MarshalJSON() ([]byte, error) {
	return json.Marshal(itemJSON{
		Number: ptr(it.Number), Title: ptr(it.Title), AgendaText: it.AgendaText,
		Text: it.Text, Truncated: it.Truncated,
		Resolutions: nonNil(it.Resolutions), Topics: nonNil(it.Topics),
		Position: it.Position, Key: ptr(it.Key), Path: ptr(it.Path), Sources: it.Sources,
	})
}

// UnmarshalJSON reads the contract form of an item.
func (it *Item) UnmarshalJSON(b []byte) error {
	var j itemJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*it = Item{
		Number: val(j.Number), Title: val(j.Title), AgendaText: j.AgendaText,
		Text: j.Text, Truncated: j.Truncated, Resolutions: j.Resolutions, Topics: j.Topics,
		Position: j.Position, Key: val(j.Key), Path: val(j.Path), Sources: j.Sources,
	}
	return nil
}
