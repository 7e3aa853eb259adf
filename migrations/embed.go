// Package migrations embeds the numbered SQL migrations applied by the store.
//
// One set of files serves every database: a file in a dialect's folder
// (postgres/) replaces the file of the same name for that dialect only,
// where the SQL must differ (identity columns, BYTEA, collation). A
// migration whose SQL both SQLite and PostgreSQL read needs no copy.
package migrations

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

// FS holds the *.sql migration files, with the dialect folders.
//
//go:embed *.sql postgres/*.sql
var FS embed.FS

// For returns the migrations as a dialect sees them: the shared files,
// each replaced by dialect/NAME when that exists. dialect "" (SQLite)
// gets the shared files unchanged.
func For(dialect string) fs.FS {
	if dialect == "" {
		return FS
	}
	return overlay{base: FS, dir: dialect}
}

// overlay opens dir/NAME instead of NAME for top-level files; listings
// come from the shared folder, so a dialect cannot add a migration the
// other lacks.
type overlay struct {
	base fs.FS
	dir  string
}

func (o overlay) Open(name string) (fs.File, error) {
	if name != "." && !strings.Contains(name, "/") {
		if f, err := o.base.Open(path.Join(o.dir, name)); err == nil {
			return f, nil
		}
	}
	return o.base.Open(name)
}
