// Package normalise cleans what parsers extract: slugs, dates, item numbers,
// page furniture, cut-short markers and resolutions. It is shared by every
// format parser so that all formats produce the same shape of item.
package normalise
