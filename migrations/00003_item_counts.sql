-- Each meeting's number of items, kept by the store as it saves, so the
-- council list and the archive totals add up a hundred thousand meetings
-- instead of counting a million items (about a second in SQLite).
-- The same SQL serves SQLite and PostgreSQL.

-- +goose Up
ALTER TABLE meetings ADD COLUMN item_count INTEGER NOT NULL DEFAULT 0;
UPDATE meetings SET item_count = (SELECT count(*) FROM items WHERE items.meeting_id = meetings.id);

-- +goose Down
ALTER TABLE meetings DROP COLUMN item_count;
