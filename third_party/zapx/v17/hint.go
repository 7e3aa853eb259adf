// Copyright (c) 2026 Minutebook. Licensed under the Apache License,
// Version 2.0, as the rest of this package.

package zap

import (
	"errors"

	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Minutebook's patch (see PATCHED.md): the freq-norm entries of a chunk
// are varints read in order, so Advance to a posting deep in a chunk
// decodes, or at best skips byte by byte, every entry before it. A caller
// that has passed over the list once (Minutebook's block bounds do) can
// note where some postings' entries begin, and jump straight there later.

// LastEntry reports where the freq-norm entry of the posting last
// returned by Next or Advance began: its byte offset in the posting's
// chunk. ok is false for an iterator that does not read frequencies, has
// deleted documents, reads locations, or holds a single posting, for
// which AdvanceFrom would not use the offset.
func (i *PostingsIterator) LastEntry() (offset int, ok bool) {
	if !i.hintable() {
		return 0, false
	}
	return i.lastEntry, true
}

// AdvanceFrom is Advance(atOrAfter) for a caller that knows where the
// freq-norm entry of the first posting at or after start (start no later
// than atOrAfter) begins: at byte offset of that posting's chunk, as
// LastEntry reported it on an iterator over the same list. When start is
// ahead of the iterator, the iterator moves to that posting without
// reading the entries in between; otherwise this is Advance.
func (i *PostingsIterator) AdvanceFrom(atOrAfter, start uint64, offset int) (segment.Posting, error) {
	if !i.hintable() || i.Actual == nil || !i.Actual.HasNext() ||
		start <= uint64(i.Actual.PeekNext()) || i.postings.chunkSize == 0 {
		return i.Advance(atOrAfter)
	}
	i.Actual.AdvanceIfNeeded(uint32(start))
	if !i.Actual.HasNext() {
		return nil, nil
	}
	chunk := uint32(uint64(i.Actual.PeekNext()) / i.postings.chunkSize)
	if i.currChunk != chunk || i.freqNormReader.isNil() {
		if err := i.loadChunk(int(chunk)); err != nil {
			return nil, err
		}
	}
	if offset < 0 || offset > len(i.freqNormReader.r.S) {
		return nil, errBadHint
	}
	i.freqNormReader.r.C = offset
	return i.Advance(atOrAfter)
}

// hintable reports whether LastEntry's offsets mean something to
// AdvanceFrom on this iterator.
func (i *PostingsIterator) hintable() bool {
	return i.includeFreqNorm && !i.includeLocs && i.normBits1Hit == 0 &&
		i.postings != nil && i.postings != emptyPostingsList &&
		i.postings.postings == i.ActualBM && i.freqNormReader != nil
}

// errBadHint is an offset outside its chunk: the caller's bookkeeping is
// wrong, and its result would be too.
var errBadHint = errors.New("zap: AdvanceFrom: the offset is outside its chunk")
