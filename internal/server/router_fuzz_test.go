package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/minutebook/minutebook/internal/sampletest"
	"github.com/minutebook/minutebook/internal/server"
)

// FuzzRouter: no path or query string makes the server answer 5xx or
// panic; every request gets a page, a redirect or a clear 4xx.
func FuzzRouter(f *testing.F) {
	st, ix := sampletest.Archive(f)
	h := server.New(st, ix, server.Options{Logger: sampletest.Quiet}).Handler()
	for _, seed := range [][2]string{
		{"/", ""},
		{"/search", "q=EHE&council=leicestershire&sort=newest&page=2"},
		{"/search", "q=%22unclosed&from=2020-01-01&to=bad"},
		{"/api/search", "q=a*+b*&per_page=1000&page=-1"},
		{"/api/items/nope", ""},
		{"/topics/send", "council=worcestershire&from=2019-01-01"},
		{"/topics/send.atom", "from=yesterday"},
		{"/topics/send", "from=bad&to=worse&council=%00"},
		{"/search.atom", "q=a*&sort=sideways"},
		{"/feeds/leicestershire.atom", ""},
		{"/leicestershire/children-and-families-overview-and-scrutiny-committee/2022-09-06/8-send-and-inclusion", ""},
		{"/i/abc", ""},
		{"/../../etc/passwd", ""},
		{"/static/../go.mod", ""},
		{"//x//y///z", "q=%ff"},
		{"/sitemap.xml", "page=999"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, path, rawQuery string) {
		u := &url.URL{Path: path, RawQuery: rawQuery}
		req, err := http.NewRequest(http.MethodGet, "http://archive.test"+u.RequestURI(), nil)
		if err != nil {
			return // not a request a client could send
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("GET %s answered %d: %.300s", req.URL.RequestURI(), rec.Code, rec.Body.String())
		}
	})
}
