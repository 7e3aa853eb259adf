// Package extract reads one minutes document from disk or memory and turns
// it into a complete archive.Meeting: format parsing, the FILE.meta.json
// sidecar, the council from the registry, slugs and topic tags. It is the
// shared front half of `minutebook parse`, ingest and the crawler.
package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/councils"
	"github.com/minutebook/minutebook/internal/normalise"
	"github.com/minutebook/minutebook/internal/parse"
	"github.com/minutebook/minutebook/internal/topic"
)

// MaxFileSize bounds what is read into memory: minutes are kilobytes to a
// few megabytes; anything larger is not a minutes document.
const MaxFileSize = 64 << 20

// Options control extraction. Zero values mean the defaults.
type Options struct {
	Format      string // force a parser; "" sniffs
	SourceURL   string // where the document was published
	ContentType string
	Registry    *councils.Registry
	Tagger      *topic.Tagger
}

// Meta is the FILE.meta.json sidecar: what the council's own listings say
// about a document whose text lacks it. Its values win over the text's.
type Meta struct {
	Council   string `json:"council"`
	Committee string `json:"committee"`
	Date      string `json:"date"`
	SourceURL string `json:"source_url"`
	Note      string `json:"note"`
}

// SidecarPath is where the sidecar of path lives.
func SidecarPath(path string) string { return path + ".meta.json" }

// IsSidecar reports whether path is itself a sidecar.
func IsSidecar(path string) bool { return strings.HasSuffix(path, ".meta.json") }

var isoDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// ReadMeta reads and validates a sidecar; a missing sidecar is (nil, nil).
func ReadMeta(path string) (*Meta, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return DecodeMeta(path, b)
}

// DecodeMeta parses sidecar bytes; errors name the sidecar and the field.
func DecodeMeta(name string, b []byte) (*Meta, error) {
	var m Meta
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: not a valid sidecar: %w", name, err)
	}
	if m.Date != "" {
		if _, ok := normalise.Date(isoToWords(m.Date)); !ok || !isoDate.MatchString(m.Date) {
			return nil, fmt.Errorf("%s: field \"date\": %q is not a YYYY-MM-DD date", name, m.Date)
		}
	}
	if m.SourceURL != "" && !strings.HasPrefix(m.SourceURL, "http://") && !strings.HasPrefix(m.SourceURL, "https://") {
		return nil, fmt.Errorf("%s: field \"source_url\": %q is not an http(s) URL", name, m.SourceURL)
	}
	return &m, nil
}

func isoToWords(d string) string {
	var y, mo, day int
	if _, err := fmt.Sscanf(d, "%4d-%2d-%2d", &y, &mo, &day); err != nil || mo < 1 || mo > 12 {
		return ""
	}
	months := []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	return fmt.Sprintf("%d %s %d", day, months[mo-1], y)
}

// File reads path (and its sidecar) and extracts its meeting.
func File(ctx context.Context, path string, opts Options) (*archive.Meeting, error) {
	ms, err := FileAll(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	return one(path, ms)
}

func one(name string, ms []*archive.Meeting) (*archive.Meeting, error) {
	if len(ms) != 1 {
		return nil, fmt.Errorf("%s: holds %d meetings (an issue page); read it with FileAll", name, len(ms))
	}
	return ms[0], nil
}

// FileAll reads path (and its sidecar) and extracts every meeting in it:
// one, except for issue pages that list an item at several meetings.
func FileAll(ctx context.Context, path string, opts Options) ([]*archive.Meeting, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read: %w", path, unwrapPathErr(err))
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s: %d bytes is larger than the %d MiB limit for a minutes document", path, st.Size(), MaxFileSize>>20)
	}
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read: %w", path, unwrapPathErr(err))
	}
	meta, err := ReadMeta(SidecarPath(path))
	if err != nil {
		return nil, err
	}
	return BytesAll(ctx, path, body, meta, opts)
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Bytes extracts the meeting in body; name is used as its source and in
// errors.
func Bytes(ctx context.Context, name string, body []byte, meta *Meta, opts Options) (*archive.Meeting, error) {
	ms, err := BytesAll(ctx, name, body, meta, opts)
	if err != nil {
		return nil, err
	}
	return one(name, ms)
}

// BytesAll extracts every meeting in body.
func BytesAll(ctx context.Context, name string, body []byte, meta *Meta, opts Options) ([]*archive.Meeting, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(body) > MaxFileSize {
		return nil, fmt.Errorf("%s: %d bytes is larger than the %d MiB limit for a minutes document", name, len(body), MaxFileSize>>20)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	if parse.IsBinary(body) {
		return nil, fmt.Errorf("%s: binary file, not minutes text, HTML or PDF", name)
	}
	ms, err := parse.ParseAll(parse.Input{Name: name, Body: body, ContentType: opts.ContentType}, opts.Format)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	reg := opts.Registry
	if reg == nil {
		reg = councils.Default()
	}
	tagger := opts.Tagger
	if tagger == nil {
		tagger = topic.Default()
	}
	for _, m := range ms {
		complete(m, meta, opts.SourceURL, reg, tagger)
	}
	return ms, nil
}

// complete applies the sidecar, resolves the council and committee slugs
// and tags topics.
func complete(m *archive.Meeting, meta *Meta, sourceURL string, reg *councils.Registry, tagger *topic.Tagger) {
	m.SourceURL = sourceURL
	if meta != nil {
		if meta.SourceURL != "" {
			m.SourceURL = meta.SourceURL
		}
		if meta.Committee != "" {
			m.Committee = meta.Committee
		}
		if meta.Date != "" {
			m.Date = meta.Date
		}
	}
	// The council: the sidecar, else the publishing site, else what the
	// parser read as an explicit statement. Never a place merely mentioned.
	switch {
	case meta != nil && meta.Council != "":
		m.Council = meta.Council
		if c, ok := reg.ByName(meta.Council); ok {
			m.Council, m.CouncilSlug = c.Name, c.Slug
		} else {
			m.CouncilSlug = normalise.Slug(meta.Council)
		}
	case m.SourceURL != "":
		if c, ok := reg.ByURL(m.SourceURL); ok {
			m.Council, m.CouncilSlug = c.Name, c.Slug
		}
	}
	if m.CouncilSlug == "" && m.Council != "" {
		if c, ok := reg.ByName(m.Council); ok {
			m.Council, m.CouncilSlug = c.Name, c.Slug
		} else {
			m.Council = "" // a name we cannot confirm is not a statement we trust
		}
	}
	if m.Committee != "" {
		m.CommitteeSlug = normalise.Slug(m.Committee)
	}
	for i := range m.Items {
		m.Items[i].Topics = tagger.Tag(m.Items[i])
	}
}
