// Package migrations embeds the numbered SQL migrations applied by the store.
package migrations

import "embed"

// FS holds the *.sql migration files.
//
//go:embed *.sql
var FS embed.FS
