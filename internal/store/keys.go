package store

import (
	"crypto/sha256"
	"encoding/base32"
	"path"
	"strconv"
	"strings"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/normalise"
)

// Keys and paths are derived deterministically from what identifies a
// meeting and an item, so the same minutes always get the same permalink,
// on any machine and in any ingest order. They never change for existing
// input: when the identity itself changes (a renumbered item, a corrected
// date) the old key and path are kept as aliases.

// UnknownCouncil is the slug under which meetings whose council is not
// known are kept, so that nothing ingested is lost; they are listed as
// such and move (with aliases) once the council is known.
const UnknownCouncil = "unknown-council"

// UnknownCommittee is the committee slug for minutes that do not name one.
const UnknownCommittee = "unknown-committee"

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// hashKey returns a short, URL-safe key for an identity string: ten base32
// characters (50 bits) is ample for a national archive.
func hashKey(identity string) string {
	sum := sha256.Sum256([]byte(identity))
	return strings.ToLower(b32.EncodeToString(sum[:])[:10])
}

// meetingIdentity names a meeting: council, committee and date, plus the
// time when the committee met more than once that day. Undated meetings
// are identified by their source.
type meetingIdentity struct {
	council, committee, date, time, undatedSource string
}

func (id meetingIdentity) String() string {
	s := id.council + "/" + id.committee + "/"
	if id.date == "" {
		return s + "undated/" + id.undatedSource
	}
	s += id.date
	if id.time != "" {
		s += "T" + id.time
	}
	return s
}

func (id meetingIdentity) key() string { return hashKey(id.String()) }

func (id meetingIdentity) path() string {
	day := id.date
	switch {
	case day == "":
		day = "undated-" + hashKey(id.undatedSource)[:8]
	case id.time != "":
		day += "-" + strings.ReplaceAll(id.time, ":", "")
	}
	return "/" + path.Join(id.council, id.committee, day)
}

// itemIdent is the part of an item's identity within its meeting: its
// printed number, or its position when the minutes print none.
func itemIdent(it archive.Item, position int) string {
	if it.Number != "" {
		return "n" + it.Number
	}
	return "p" + strconv.Itoa(position)
}

func itemKey(m meetingIdentity, ident string) string {
	return hashKey(m.String() + "#" + ident)
}

// itemPath is the readable permalink of an item:
// /leicestershire/children-and-families-…/2022-09-06/8-send-and-inclusion.
func itemPath(meetingPath string, it archive.Item, position int) string {
	lead := normalise.Slug(it.Number)
	if lead == "" {
		lead = strconv.Itoa(position)
	}
	if t := titleSlug(it.Title); t != "" {
		lead += "-" + t
	}
	return meetingPath + "/" + lead
}

// titleSlug shortens long titles at a word boundary so paths stay readable.
func titleSlug(title string) string {
	s := normalise.Slug(title)
	const max = 60
	if len(s) <= max {
		return s
	}
	s = s[:max]
	if i := strings.LastIndexByte(s, '-'); i > 20 {
		s = s[:i]
	}
	return s
}

// textKey reduces text to lower-case letters and digits, so that a
// cut-short text can be matched as a prefix of the full text whatever the
// spacing, quote styles, bullets or line wrapping of either page.
func textKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r > 0x7f && isLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isLetter(r rune) bool {
	return strings.ContainsRune("àáâäãåæçèéêëìíîïñòóôöõøœùúûüýÿ", r)
}
