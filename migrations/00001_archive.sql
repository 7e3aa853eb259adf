-- The archive: councils → committees → meetings → agenda items, with the
-- sources each came from, aliases for keys and paths that changed, and the
-- change sequence the search index follows.
--
-- Dates are ISO text (YYYY-MM-DD, '' when the minutes do not state one);
-- lists (resolutions, topics) are JSON arrays in text columns. Kept to SQL
-- that SQLite and PostgreSQL both read, but for the integer keys below.

-- +goose Up
CREATE TABLE councils (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE committees (
    id         INTEGER PRIMARY KEY,
    council_id INTEGER NOT NULL REFERENCES councils (id),
    slug       TEXT NOT NULL,
    name       TEXT NOT NULL,
    UNIQUE (council_id, slug)
);

CREATE TABLE meetings (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    path         TEXT NOT NULL UNIQUE,
    committee_id INTEGER NOT NULL REFERENCES committees (id),
    date         TEXT NOT NULL DEFAULT '',
    time         TEXT NOT NULL DEFAULT '',
    venue        TEXT NOT NULL DEFAULT '',
    source_url   TEXT NOT NULL DEFAULT '',
    format       TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL
);
CREATE INDEX meetings_committee_date ON meetings (committee_id, date);
CREATE INDEX meetings_date ON meetings (date);

CREATE TABLE attendees (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (meeting_id, position)
);

CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    path        TEXT NOT NULL UNIQUE,
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    number      TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    agenda_text TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT '',
    resolutions TEXT NOT NULL DEFAULT '[]',
    truncated   INTEGER NOT NULL DEFAULT 0,
    topics      TEXT NOT NULL DEFAULT '[]',
    updated_at  TEXT NOT NULL
);
CREATE INDEX items_meeting ON items (meeting_id, position);

CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    location    TEXT NOT NULL UNIQUE,
    source_url  TEXT NOT NULL DEFAULT '',
    sha256      TEXT NOT NULL,
    fetched_at  TEXT NOT NULL DEFAULT '',
    ingested_at TEXT NOT NULL,
    status      TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    meeting_key TEXT NOT NULL DEFAULT ''
);

CREATE TABLE item_sources (
    item_id   INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    source_id INTEGER NOT NULL REFERENCES sources (id),
    PRIMARY KEY (item_id, source_id)
);

-- An old item key or path, or an old meeting path, that now redirects.
CREATE TABLE aliases (
    old        TEXT PRIMARY KEY,
    target_key TEXT NOT NULL,
    kind       TEXT NOT NULL
);

-- Every change to an item appends a row; the index applies rows after the
-- last sequence number it has seen.
CREATE TABLE changes (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    item_key TEXT NOT NULL,
    deleted  INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE changes;
DROP TABLE aliases;
DROP TABLE item_sources;
DROP TABLE sources;
DROP TABLE items;
DROP TABLE attendees;
DROP TABLE meetings;
DROP TABLE committees;
DROP TABLE councils;
