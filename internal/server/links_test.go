package server

import (
	"net/url"
	"testing"
)

// withEach builds the links url.Values.Encode would, for every key and
// value, whatever the other parameters are.
func TestWithEachEncodesAsValues(t *testing.T) {
	reference := func(params url.Values, key, value string) string {
		p := url.Values{}
		for k, v := range params {
			p[k] = append([]string(nil), v...)
		}
		if key != "page" {
			p.Del("page")
		}
		if value == "" {
			p.Del(key)
		} else {
			p.Set(key, value)
		}
		return p.Encode()
	}
	for _, raw := range []string{
		"", "q=housing", "q=housing&page=3", "council=leeds&q=school+transport&page=2",
		"committee=leeds%2Fcabinet&council=leeds&from=2020-01-01&q=%22home+education%22&sort=newest&to=2020-12-31&topic=send",
		"topic=send&topic=ehcp&q=a%26b%3Dc", "zeta=1&alpha=2&council=x",
	} {
		params, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"council", "committee", "topic", "page", "q", "aaa", "zzz"} {
			link := withEach(params, key)
			for _, value := range []string{"", "leeds", "leeds/cabinet", "a b&c=d", "ünï"} {
				if got, want := link(value), reference(params, key, value); got != want {
					t.Errorf("%q, %s=%q: got %q, want %q", raw, key, value, got, want)
				}
			}
		}
	}
}
