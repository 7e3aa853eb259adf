// Package topic tags agenda items with the topics people follow across
// councils (SEND, elective home education, social worker recruitment, …).
// The rules are a small declarative file (topics.yaml, embedded); the same
// rules serve ingest, search and the web pages.
package topic

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/minutebook/minutebook/internal/archive"
)

//go:embed topics.yaml
var embedded []byte

// Topic is one followed subject.
type Topic struct {
	Slug        string
	Name        string
	Description string

	threshold int
	rules     []rule
	exclude   []*regexp.Regexp
}

type rule struct {
	weight   int
	any      []*regexp.Regexp   // phrases and acronyms
	together [][]*regexp.Regexp // all groups within one paragraph
}

// Tagger applies a set of topic rules.
type Tagger struct {
	topics  []Topic
	version string
}

type fileRule struct {
	Weight   int        `yaml:"weight"`
	Phrases  []string   `yaml:"phrases"`
	Acronyms []string   `yaml:"acronyms"`
	Together [][]string `yaml:"together"`
}

type fileTopic struct {
	Slug        string     `yaml:"slug"`
	Name        string     `yaml:"name"`
	Description string     `yaml:"description"`
	Threshold   int        `yaml:"threshold"`
	Rules       []fileRule `yaml:"rules"`
	Exclude     []string   `yaml:"exclude"`
}

type file struct {
	Topics []fileTopic `yaml:"topics"`
}

var (
	defaultOnce sync.Once
	defaultTag  *Tagger
)

// Default returns the tagger for the embedded rules.
func Default() *Tagger {
	defaultOnce.Do(func() {
		t, err := Load(bytes.NewReader(embedded))
		if err != nil {
			panic("topic: embedded rules: " + err.Error())
		}
		defaultTag = t
	})
	return defaultTag
}

// LoadFile reads rules from a YAML file.
func LoadFile(path string) (*Tagger, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// Load reads rules in the topics.yaml format.
func Load(r io.Reader) (*Tagger, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("topic rules: %w", err)
	}
	if len(f.Topics) == 0 {
		return nil, fmt.Errorf("topic rules: no topics")
	}
	sum := sha256.Sum256(raw)
	t := &Tagger{version: hex.EncodeToString(sum[:8])}
	seen := map[string]bool{}
	for i, ft := range f.Topics {
		where := fmt.Sprintf("topic rules: topics[%d] (%s)", i, ft.Slug)
		switch {
		case !slugRE.MatchString(ft.Slug):
			return nil, fmt.Errorf("%s: slug must be lower-case words joined by hyphens", where)
		case seen[ft.Slug]:
			return nil, fmt.Errorf("%s: slug listed twice", where)
		case ft.Name == "":
			return nil, fmt.Errorf("%s: name is empty", where)
		case len(ft.Rules) == 0:
			return nil, fmt.Errorf("%s: no rules", where)
		}
		seen[ft.Slug] = true
		tp := Topic{Slug: ft.Slug, Name: ft.Name, Description: ft.Description, threshold: ft.Threshold}
		if tp.threshold <= 0 {
			tp.threshold = 4
		}
		for j, fr := range ft.Rules {
			if fr.Weight <= 0 {
				return nil, fmt.Errorf("%s: rules[%d]: weight must be positive", where, j)
			}
			ru := rule{weight: fr.Weight}
			for _, p := range fr.Phrases {
				ru.any = append(ru.any, phraseRE(p))
			}
			for _, a := range fr.Acronyms {
				ru.any = append(ru.any, acronymRE(a))
			}
			for _, group := range fr.Together {
				var g []*regexp.Regexp
				for _, p := range group {
					g = append(g, phraseRE(p))
				}
				ru.together = append(ru.together, g)
			}
			if len(ru.any) == 0 && len(ru.together) < 2 {
				return nil, fmt.Errorf("%s: rules[%d]: needs phrases, acronyms or two together groups", where, j)
			}
			tp.rules = append(tp.rules, ru)
		}
		for _, e := range ft.Exclude {
			tp.exclude = append(tp.exclude, phraseRE(e))
		}
		t.topics = append(t.topics, tp)
	}
	return t, nil
}

// phraseRE matches a phrase case-insensitively on word boundaries, with
// flexible spacing and an optional "*" for any word ending.
func phraseRE(p string) *regexp.Regexp {
	p = strings.TrimSpace(p)
	open := strings.HasSuffix(p, "*")
	p = strings.TrimSuffix(p, "*")
	words := strings.Fields(p)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	expr := `(?i)\b` + strings.Join(words, `[\s-]+`)
	if open {
		expr += `\w*`
	} else {
		expr += `(?:s|es)?\b`
	}
	return regexp.MustCompile(expr)
}

// acronymRE matches an acronym case-sensitively, with plural/possessive.
func acronymRE(a string) *regexp.Regexp {
	return regexp.MustCompile(`\b` + regexp.QuoteMeta(a) + `(?:s|'s|’s|s'|s’)?\b`)
}

// Version identifies the rules, so a store can tell when to retag.
func (t *Tagger) Version() string { return t.version }

// Topics lists the topics in file order.
func (t *Tagger) Topics() []Topic { return append([]Topic(nil), t.topics...) }

// Topic finds a topic by slug.
func (t *Tagger) Topic(slug string) (Topic, bool) {
	for _, tp := range t.topics {
		if tp.Slug == slug {
			return tp, true
		}
	}
	return Topic{}, false
}

// Tag returns the slugs of the topics an item substantively discusses,
// sorted.
func (t *Tagger) Tag(it archive.Item) []string {
	body := strings.Join(append([]string{it.AgendaText, it.Text}, it.Resolutions...), "\n\n")
	if isShouting(body) {
		body = strings.ToLower(body) // all-caps text makes every "SEND" an acronym
	}
	var out []string
	for _, tp := range t.topics {
		if tp.Score(it.Title, body) >= tp.threshold {
			out = append(out, tp.Slug)
		}
	}
	sort.Strings(out)
	return out
}

// Score rates how much title and body discuss the topic.
func (tp Topic) Score(title, body string) int {
	title, body = tp.strip(title), tp.strip(body)
	score := 0
	for _, ru := range tp.rules {
		hits := 0
		for _, re := range ru.any {
			hits += 2 * len(re.FindAllStringIndex(title, -1))
			hits += len(re.FindAllStringIndex(body, 3))
		}
		if len(ru.together) > 0 {
			for _, para := range strings.Split(title+"\n\n"+body, "\n\n") {
				if allGroups(ru.together, para) {
					hits++
				}
			}
		}
		score += ru.weight * min(hits, 3)
	}
	return score
}

func (tp Topic) strip(s string) string {
	for _, re := range tp.exclude {
		s = re.ReplaceAllString(s, " ")
	}
	return s
}

func allGroups(groups [][]*regexp.Regexp, para string) bool {
	for _, g := range groups {
		found := false
		for _, re := range g {
			if re.MatchString(para) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// isShouting reports whether most letters of s are capitals.
func isShouting(s string) bool {
	up, low := 0, 0
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			up++
		case r >= 'a' && r <= 'z':
			low++
		}
	}
	return up > 200 && up > 3*low
}
