// Package static embeds Minutebook's CSS, script and icons and serves them
// under content-hashed URLs, so they can be cached for a year and a new
// release is fetched at once.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed *.css *.js *.svg
var files embed.FS

type asset struct {
	body  []byte
	ctype string
}

var (
	byHashed = map[string]asset{}  // "style.3f2a9c1b.css" → asset
	urls     = map[string]string{} // "style.css" → "/static/style.3f2a9c1b.css"
)

func init() {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".go") {
			continue
		}
		b, err := files.ReadFile(name)
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		byHashed[hashed] = asset{body: b, ctype: mime.TypeByExtension(ext)}
		urls[name] = "/static/" + hashed
	}
}

// URL returns the content-hashed URL of an asset ("style.css").
func URL(name string) string {
	if u, ok := urls[name]; ok {
		return u
	}
	panic("static: no asset " + name)
}

// Handler serves /static/{hashed name} with year-long caching.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := byHashed[path.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", a.ctype)
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(a.body)
	})
}
