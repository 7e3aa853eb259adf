package fetch

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"time"
)

// Robots is a parsed robots.txt (RFC 9309): the rules of the group that
// applies to our user agent.
type Robots struct {
	rules      []robotsRule
	crawlDelay time.Duration
}

type robotsRule struct {
	allow   bool
	pattern string
}

// AllowAll is the policy of a site without a robots.txt.
var AllowAll = &Robots{}

// ParseRobots reads robots.txt body for the product token agent (matched
// case-insensitively against each User-agent line; "*" is the fallback).
// Unknown lines are ignored, as the RFC asks.
func ParseRobots(body []byte, agent string) *Robots {
	agent = strings.ToLower(agent)
	type group struct {
		agents []string
		rules  []robotsRule
		delay  time.Duration
	}
	var groups []*group
	var cur *group
	lastWasAgent := false
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(val)
		switch key {
		case "user-agent":
			if cur == nil || !lastWasAgent {
				cur = &group{}
				groups = append(groups, cur)
			}
			cur.agents = append(cur.agents, strings.ToLower(val))
			lastWasAgent = true
			continue
		case "allow", "disallow":
			if cur != nil {
				cur.rules = append(cur.rules, robotsRule{allow: key == "allow", pattern: val})
			}
		case "crawl-delay":
			if cur != nil {
				if f, err := strconv.ParseFloat(val, 64); err == nil && f > 0 {
					cur.delay = time.Duration(f * float64(time.Second))
				}
			}
		}
		lastWasAgent = false
	}
	// Every group naming our token applies, merged; else every "*" group.
	var mine, star []*group
	for _, g := range groups {
		for _, a := range g.agents {
			if a == "*" {
				star = append(star, g)
			} else if a != "" && strings.Contains(agent, a) {
				mine = append(mine, g)
			}
		}
	}
	use := mine
	if len(use) == 0 {
		use = star
	}
	r := &Robots{}
	for _, g := range use {
		r.rules = append(r.rules, g.rules...)
		r.crawlDelay = max(r.crawlDelay, g.delay)
	}
	return r
}

// Allowed reports whether path (with its query) may be fetched: the
// longest matching rule wins, Allow on a tie; no match allows.
func (r *Robots) Allowed(pathQuery string) bool {
	if pathQuery == "" {
		pathQuery = "/"
	}
	best, allow := -1, true
	for _, rule := range r.rules {
		if rule.pattern == "" { // "Disallow:" with no path allows everything
			continue
		}
		if !robotsMatch(rule.pattern, pathQuery) {
			continue
		}
		n := len(rule.pattern)
		if n > best || (n == best && rule.allow) {
			best, allow = n, rule.allow
		}
	}
	return allow
}

// CrawlDelay is the delay the site asks for between requests, if any.
func (r *Robots) CrawlDelay() time.Duration { return r.crawlDelay }

// robotsMatch matches a rule pattern ('*' any run, trailing '$' end) as a
// prefix of path. Matching is case-sensitive, per the RFC.
func robotsMatch(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	if anchored {
		pattern = pattern[:len(pattern)-1]
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(path, parts[0]) {
		return false
	}
	pos := len(parts[0])
	for i, p := range parts[1:] {
		last := i == len(parts)-2
		if last && anchored {
			return strings.HasSuffix(path[pos:], p)
		}
		j := strings.Index(path[pos:], p)
		if j < 0 {
			return false
		}
		pos += j + len(p)
	}
	return !anchored || pos == len(path)
}
