package fetch

import (
	"testing"
	"time"
)

func TestRobotsAllowed(t *testing.T) {
	const txt = `# a comment
User-agent: Googlebot
Disallow: /

User-agent: *
Disallow: /private/
Disallow: /*.pdf$
Allow: /private/open
Crawl-delay: 2

User-agent: OtherBot
User-agent: minutebook
Disallow: /mgIssueHistoryHome.aspx
Disallow: /documents/s*/secret
Allow: /documents/s1/secret-but-allowed
Crawl-delay: 3
`
	tests := []struct {
		agent, path string
		want        bool
	}{
		{"minutebook", "/ieListDocuments.aspx?CId=1&MId=2", true},
		{"minutebook", "/mgIssueHistoryHome.aspx?IId=3", false},
		{"minutebook", "/private/x", true}, // our group replaces "*"
		{"minutebook", "/documents/s22/secret.pdf", false},
		{"minutebook", "/documents/s1/secret-but-allowed.pdf", true},
		{"someone", "/private/x", false},
		{"someone", "/private/open/x", true},
		{"someone", "/a/b.pdf", false},
		{"someone", "/a/b.pdf?x=1", true}, // "$" anchors at the end
		{"googlebot", "/anything", false},
		{"someone", "", true},
	}
	for _, tt := range tests {
		r := ParseRobots([]byte(txt), tt.agent)
		if got := r.Allowed(tt.path); got != tt.want {
			t.Errorf("agent %q path %q: allowed = %v, want %v", tt.agent, tt.path, got, tt.want)
		}
	}
	if d := ParseRobots([]byte(txt), "minutebook").CrawlDelay(); d != 3*time.Second {
		t.Errorf("crawl delay = %s, want 3s", d)
	}
}

func TestRobotsEmptyAndOdd(t *testing.T) {
	for _, txt := range []string{"", "garbage\n\n", "User-agent: *\nDisallow:\n", "Disallow: /x\n"} {
		if !ParseRobots([]byte(txt), "minutebook").Allowed("/x") {
			t.Errorf("%q: /x should be allowed", txt)
		}
	}
}

// Any robots.txt, however broken, parses without panicking, and a path
// explicitly disallowed for every agent stays disallowed.
func FuzzParseRobots(f *testing.F) {
	f.Add([]byte("User-agent: *\nDisallow: /private/\nAllow: /private/open\nCrawl-delay: 2\n"), "/private/x")
	f.Add([]byte("User-agent: minutebook\nDisallow: /*.pdf$\n"), "/a.pdf")
	f.Add([]byte("\xff\xfe\x00garbage\nDisallow"), "/")
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		r := ParseRobots(body, "minutebook")
		r.Allowed(path)
		r.CrawlDelay()
		if ParseRobots([]byte("User-agent: *\nDisallow: /\n"), "minutebook").Allowed("/" + path) {
			t.Fatal("Disallow: / allowed a path")
		}
	})
}
