package moderngov

import (
	"context"
	"fmt"

	"github.com/minutebook/minutebook/internal/councils"
	"github.com/minutebook/minutebook/internal/store"
)

// ReparseStats count what a reparse did.
type ReparseStats struct {
	Documents int
	Meetings  int
	Failures  []string
}

// Reparse runs every kept document through the parser and the store again,
// without fetching: meeting pages and printed minutes first, then the item
// pages that complete them. Documents whose parse is unchanged change
// nothing. progress, if set, is called after each document.
func Reparse(ctx context.Context, st *store.Store, reg *councils.Registry, progress func(url string, err error)) (ReparseStats, error) {
	var stats ReparseStats
	for _, kinds := range [][]string{{KindMeeting, KindPDF}, {KindItem}} {
		urls, err := st.FetchedURLs(ctx, kinds...)
		if err != nil {
			return stats, err
		}
		for _, u := range urls {
			if err := ctx.Err(); err != nil {
				return stats, err
			}
			n, err := reparseOne(ctx, st, reg, u)
			if ctx.Err() != nil {
				return stats, ctx.Err()
			}
			stats.Documents++
			stats.Meetings += n
			if err != nil {
				stats.Failures = append(stats.Failures, fmt.Sprintf("%s: %v", u, err))
			}
			if progress != nil {
				progress(u, err)
			}
		}
	}
	return stats, nil
}

func reparseOne(ctx context.Context, st *store.Store, reg *councils.Registry, u string) (int, error) {
	f, ok, err := st.GetFetched(ctx, u)
	if err != nil || !ok {
		return 0, err
	}
	if f.Kind == KindMeeting && !hasMinutes.Match(f.Body) {
		return 0, nil // an agenda kept while waiting for the minutes
	}
	if err := st.ForgetSourceHash(ctx, u); err != nil {
		return 0, err
	}
	return Ingest(ctx, st, f, reg)
}
