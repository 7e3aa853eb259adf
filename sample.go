// Package minutebook embeds the sample minutes (the seed files and their
// sidecars) that `minutebook serve` loads into an empty archive, so a
// newcomer sees a working archive at once.
package minutebook

import (
	"embed"
	"io/fs"
)

//go:embed testdata/seeds/*.txt testdata/seeds/*.meta.json
var sample embed.FS

// Sample returns the sample minutes as a file system of documents with
// their FILE.meta.json sidecars.
func Sample() fs.FS {
	sub, err := fs.Sub(sample, "testdata/seeds")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	return sub
}
