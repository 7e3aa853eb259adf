// Package councils is the registry of UK councils and their committee-papers
// sites (a copy of shared/councils/councils.csv, embedded so the binary needs
// nothing at run time). It answers "which council publishes at this URL?"
// and "which council is this name?".
package councils

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
)

//go:embed councils.csv
var embedded string

// Council is one local authority.
type Council struct {
	Slug    string // "leicestershire"
	Name    string // "Leicestershire County Council"
	Nation  string
	CMS     string // "moderngov", "cmis" or "unknown"
	BaseURL string // committee-papers site root, "" when unknown
	Hosts   []string
}

// Registry looks councils up by slug, host and name.
type Registry struct {
	all    []Council
	bySlug map[string]int
	byHost map[string]int
	byName map[string]int
	// byShort maps names without the kind of authority; -1 marks a short
	// name shared by two councils.
	byShort map[string]int
}

var (
	defaultOnce sync.Once
	defaultReg  *Registry
)

// Default returns the embedded registry.
func Default() *Registry {
	defaultOnce.Do(func() {
		r, err := Load(strings.NewReader(embedded))
		if err != nil {
			panic("councils: embedded registry: " + err.Error())
		}
		defaultReg = r
	})
	return defaultReg
}

var wantHeader = []string{"slug", "name", "nation", "gss", "cms", "base_url", "hosts"}

// Load reads a registry in the councils.csv format.
func Load(r io.Reader) (*Registry, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(wantHeader)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("councils: header: %w", err)
	}
	for i, h := range wantHeader {
		if strings.TrimSpace(head[i]) != h {
			return nil, fmt.Errorf("councils: header column %d is %q, want %q", i+1, head[i], h)
		}
	}
	reg := &Registry{bySlug: map[string]int{}, byHost: map[string]int{}, byName: map[string]int{}, byShort: map[string]int{}}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("councils: %w", err)
		}
		line, _ := cr.FieldPos(0)
		c := Council{Slug: rec[0], Name: rec[1], Nation: rec[2], CMS: rec[4], BaseURL: rec[5]}
		if c.Slug == "" || c.Name == "" {
			return nil, fmt.Errorf("councils: line %d: empty slug or name", line)
		}
		if nameKeys(c.Name) == nil {
			return nil, fmt.Errorf("councils: line %d: name %q has no words to match on", line, c.Name)
		}
		if _, dup := reg.bySlug[c.Slug]; dup {
			return nil, fmt.Errorf("councils: line %d: slug %q listed twice", line, c.Slug)
		}
		for _, h := range strings.Split(rec[6], ";") {
			if h = normHost(h); h != "" {
				c.Hosts = append(c.Hosts, h)
			}
		}
		i := len(reg.all)
		reg.all = append(reg.all, c)
		reg.bySlug[c.Slug] = i
		for _, h := range c.Hosts {
			if _, taken := reg.byHost[h]; !taken { // shared sites: first council wins
				reg.byHost[h] = i
			}
		}
		keys := nameKeys(c.Name)
		reg.byName[keys[0]] = i
		if prev, taken := reg.byShort[keys[1]]; taken && prev != i {
			reg.byShort[keys[1]] = -1 // ambiguous: never answer from it
		} else {
			reg.byShort[keys[1]] = i
		}
	}
	return reg, nil
}

// All lists every council, sorted by slug.
func (r *Registry) All() []Council { return append([]Council(nil), r.all...) }

// BySlug finds a council by its slug.
func (r *Registry) BySlug(slug string) (Council, bool) {
	return r.at(r.bySlug, strings.ToLower(strings.TrimSpace(slug)))
}

// ByHost finds the council whose committee-papers site is host.
func (r *Registry) ByHost(host string) (Council, bool) { return r.at(r.byHost, normHost(host)) }

// ByURL finds the council publishing at rawURL.
func (r *Registry) ByURL(rawURL string) (Council, bool) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || u.Host == "" {
		return Council{}, false
	}
	return r.ByHost(u.Host)
}

// ByName finds a council by its official name, ignoring case, spacing and a
// leading "The"; "Borough", "County", "City", "District" may be omitted
// ("Middlesbrough Council" is Middlesbrough Borough Council). Anything
// looser would risk naming the wrong council, which is worse than none.
func (r *Registry) ByName(name string) (Council, bool) {
	keys := nameKeys(name)
	if len(keys) == 0 {
		return Council{}, false
	}
	if c, ok := r.at(r.byName, keys[0]); ok {
		return c, true
	}
	return r.at(r.byShort, keys[1])
}

func (r *Registry) at(m map[string]int, k string) (Council, bool) {
	if i, ok := m[k]; ok && i >= 0 {
		return r.all[i], true
	}
	return Council{}, false
}

func normHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if i := strings.LastIndex(h, ":"); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return strings.TrimPrefix(h, "www.")
}

// nameKeys returns the exact key of a name, then its key without the kind
// of authority.
func nameKeys(name string) []string {
	f := strings.Fields(strings.ToLower(strings.ReplaceAll(name, "’", "'")))
	if len(f) > 0 && f[0] == "the" {
		f = f[1:]
	}
	if len(f) == 0 {
		return nil
	}
	exact := strings.Join(f, " ")
	var short []string
	for _, w := range f {
		switch w {
		case "borough", "county", "city", "district", "metropolitan", "royal":
			continue
		}
		short = append(short, w)
	}
	return []string{exact, strings.Join(short, " ")}
}
