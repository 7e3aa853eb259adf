// Copyright (c) 2026 Minutebook. Licensed under the Apache License,
// Version 2.0, as the rest of this package.

package zap

import "fmt"

// Minutebook's patch (see PATCHED.md): a phrase needs only its terms'
// positions, but an iterator that reads locations decodes every one in
// full (field, position, start, end, array positions) into Location
// structs, for every posting it stops at, phrase match or not.

// PositionsOnly makes an iterator that reads locations keep each
// posting's encoded locations as they are: Posting.Positions decodes
// their positions when asked, and Locations is empty. It must be called
// before the first Next or Advance.
func (i *PostingsIterator) PositionsOnly() {
	i.positionsOnly = i.includeLocs
}

// rawLocations is the encoded locations of the posting just read: a
// uvarint length, then that many bytes.
func (i *PostingsIterator) rawLocations() ([]byte, error) {
	n, err := i.locReader.readUvarint()
	if err != nil {
		return nil, fmt.Errorf("error reading location numLocsBytes: %v", err)
	}
	r := i.locReader.r
	if n > uint64(r.Len()) {
		return nil, fmt.Errorf("location bytes %d beyond the chunk's %d", n, r.Len())
	}
	raw := r.S[r.C : r.C+int(n)]
	r.C += int(n)
	return raw, nil
}

// Positions appends the posting's term positions to dst, in the order
// stored (as Locations gives them).
func (p *Posting) Positions(dst []uint64) []uint64 {
	if p.rawLocs == nil {
		for _, l := range p.locs {
			dst = append(dst, l.Pos())
		}
		return dst
	}
	// Each location is uvarints: field, position, start, end, the number
	// of array positions, then those.
	s, c := p.rawLocs, 0
	for c < len(s) {
		c = skipUvarint(s, c) // field
		var pos, n uint64
		pos, c = uvarint(s, c)
		dst = append(dst, pos)
		c = skipUvarint(s, skipUvarint(s, c)) // start, end
		for n, c = uvarint(s, c); n > 0; n-- {
			c = skipUvarint(s, c)
		}
	}
	return dst
}

// uvarint decodes the uvarint at s[c:], returning it and the offset past
// it.
func uvarint(s []byte, c int) (uint64, int) {
	var x uint64
	for shift := uint(0); c < len(s); shift += 7 {
		b := s[c]
		c++
		x |= uint64(b&0x7f) << shift
		if b < 0x80 {
			break
		}
	}
	return x, c
}

// skipUvarint is the offset past the uvarint at s[c:].
func skipUvarint(s []byte, c int) int {
	for c < len(s) && s[c] >= 0x80 {
		c++
	}
	return c + 1
}
