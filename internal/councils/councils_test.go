package councils

import (
	"strings"
	"testing"
)

func TestLookups(t *testing.T) {
	r := Default()
	if n := len(r.All()); n < 380 {
		t.Fatalf("registry has %d councils", n)
	}
	for _, tc := range []struct {
		how, in, want string
		got           func(string) (Council, bool)
	}{
		{"url", "https://democracy.leics.gov.uk/ieListDocuments.aspx?CId=1", "leicestershire", r.ByURL},
		{"url old host", "http://politics.leics.gov.uk/mgAi.aspx?ID=1", "leicestershire", r.ByURL},
		{"url www and port", "https://WWW.moderngov.middlesbrough.gov.uk:443/", "middlesbrough", r.ByURL},
		{"url unknown", "https://example.org/", "", r.ByURL},
		{"url garbage", "::not a url", "", r.ByURL},
		{"host", "worcestershire.moderngov.co.uk", "worcestershire", r.ByHost},
		{"slug", "Leicestershire", "leicestershire", r.BySlug},
		{"name", "Worcestershire County Council", "worcestershire", r.ByName},
		{"name case and spaces", "  leicestershire   county council", "leicestershire", r.ByName},
		{"name without kind", "Middlesbrough Council", "middlesbrough", r.ByName},
		{"a place is not a council", "Leicestershire and Rutland", "", r.ByName},
		{"partial name", "Leicestershire", "", r.ByName},
	} {
		c, ok := tc.got(tc.in)
		if c.Slug != tc.want || ok != (tc.want != "") {
			t.Errorf("%s %q = %q, %v; want %q", tc.how, tc.in, c.Slug, ok, tc.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct{ csv, want string }{
		{"", "header"},
		{"slug,name\n", "wrong number of fields"},
		{"slug,name,nation,gss,cms,base_url,hostz\n", `want "hosts"`},
		{"slug,name,nation,gss,cms,base_url,hosts\n,x,E,1,moderngov,,\n", "line 2: empty slug"},
		{"slug,name,nation,gss,cms,base_url,hosts\na,A,E,1,m,,\na,B,E,1,m,,\n", `line 3: slug "a" listed twice`},
	} {
		_, err := Load(strings.NewReader(tc.csv))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%q) = %v, want %q", tc.csv, err, tc.want)
		}
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(embedded[:2000])
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := Load(strings.NewReader(s)); err == nil {
			for _, c := range r.All() {
				r.BySlug(c.Slug)
				r.ByName(c.Name)
			}
		}
	})
}
