package store

import (
	"context"
	"database/sql"
)

// HoldChangeForTest appends a change for key in a write transaction, closes
// appended, and commits only once release is closed: a slow writer.
func (s *Store) HoldChangeForTest(ctx context.Context, key string, appended chan<- struct{}, release <-chan struct{}) error {
	return s.inTx(ctx, func(tx *txn) error {
		if err := tx.appendChange(ctx, key, false); err != nil {
			return err
		}
		close(appended)
		<-release
		return nil
	})
}

// DBForTest is the store's pool, for schema checks.
func (s *Store) DBForTest() *sql.DB { return s.db.sql }

// JobTxChangeForTest tries to append a change in a job transaction.
func (s *Store) JobTxChangeForTest(ctx context.Context, key string) error {
	return s.inJobTx(ctx, func(tx *txn) error { return tx.appendChange(ctx, key, false) })
}
