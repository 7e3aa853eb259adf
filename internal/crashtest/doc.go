// Package crashtest holds the crash test: the import worker and the web
// server, built as the real binary, are SIGKILLed at random points while
// they share one archive, and the archive is checked after every kill.
// It has no code of its own beyond the test.
package crashtest
