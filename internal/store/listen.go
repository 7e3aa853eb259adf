package store

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChangeNotifications wakes a follower as soon as another process commits
// changes: on PostgreSQL it LISTENs on ChangesChannel over a connection of
// its own (outside the pool) and sends on the returned channel for each
// notification, coalescing bursts. After a lost connection it reconnects
// (backing off up to 30 s) and sends once, since notifications sent while
// it was away are gone. The channel is closed when ctx ends.
//
// On SQLite it returns nil: a nil channel never fires, and the follower
// keeps polling.
func (s *Store) ChangeNotifications(ctx context.Context, log *slog.Logger) <-chan struct{} {
	if s.db.d != postgresDialect {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default: // one pending wake-up is enough
		}
	}
	go func() {
		defer close(wake)
		backoff := time.Second
		for ctx.Err() == nil {
			err := s.listen(ctx, signal)
			if ctx.Err() != nil {
				return
			}
			log.Warn("listening for archive changes failed; polling until it reconnects", "err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 30*time.Second)
		}
	}()
	return wake
}

// listen holds one LISTEN connection until it fails or ctx ends.
func (s *Store) listen(ctx context.Context, signal func()) error {
	conn, err := pgx.Connect(ctx, s.target)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+ChangesChannel); err != nil {
		return err
	}
	signal() // catch up on whatever was committed before we listened
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		signal()
	}
}
