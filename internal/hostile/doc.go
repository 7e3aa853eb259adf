// Package hostile holds the table of hostile inputs: documents (empty,
// binary, 100 MB, invalid UTF-8, Windows-1252, deeply nested HTML, one
// enormous line) and queries (10,000 characters, wildcard storms, …),
// each of which must give a clear error or a clean result, never a crash.
// It has no code of its own beyond the tests.
package hostile
