-- PostgreSQL's copy of ../00002_crawl.sql: the same tables, with BYTEA for
-- the kept document bodies (SQLite's BLOB) and byte-order ("C") collation
-- on text, as in 00001. Keep the two files in step.

-- +goose Up
CREATE TABLE sites (
    slug          TEXT COLLATE "C" PRIMARY KEY,
    base_url      TEXT COLLATE "C" NOT NULL UNIQUE,
    council_slug  TEXT COLLATE "C" NOT NULL DEFAULT '',
    added_at      TEXT COLLATE "C" NOT NULL,
    every_seconds BIGINT NOT NULL DEFAULT 86400,
    next_crawl_at TEXT COLLATE "C" NOT NULL DEFAULT '',
    -- A worker crawling the site holds a lease until lease_until; a lease
    -- that ran out (a killed worker) may be taken by another.
    lease_owner   TEXT COLLATE "C" NOT NULL DEFAULT '',
    lease_until   TEXT COLLATE "C",
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT COLLATE "C" NOT NULL DEFAULT '',
    last_crawl_at TEXT COLLATE "C" NOT NULL DEFAULT '',
    last_ok_at    TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX sites_due ON sites (next_crawl_at);

CREATE TABLE fetched (
    url           TEXT COLLATE "C" PRIMARY KEY,
    site          TEXT COLLATE "C" NOT NULL DEFAULT '',
    kind          TEXT COLLATE "C" NOT NULL DEFAULT '',
    etag          TEXT COLLATE "C" NOT NULL DEFAULT '',
    last_modified TEXT COLLATE "C" NOT NULL DEFAULT '',
    sha256        TEXT COLLATE "C" NOT NULL DEFAULT '',
    status        INTEGER NOT NULL DEFAULT 0,
    content_type  TEXT COLLATE "C" NOT NULL DEFAULT '',
    fetched_at    TEXT COLLATE "C" NOT NULL DEFAULT '',
    checked_at    TEXT COLLATE "C" NOT NULL DEFAULT '',
    -- what the site's listings say about the document (extract.Meta JSON),
    -- for documents such as PDFs whose text may not say it
    meta          TEXT COLLATE "C" NOT NULL DEFAULT '',
    -- gzip-compressed body
    body          BYTEA
);
CREATE INDEX fetched_site ON fetched (site, kind);

CREATE TABLE crawl_meetings (
    site           TEXT COLLATE "C" NOT NULL,
    meeting_id     TEXT COLLATE "C" NOT NULL,
    meeting_date   TEXT COLLATE "C" NOT NULL DEFAULT '',
    state          TEXT COLLATE "C" NOT NULL,
    url            TEXT COLLATE "C" NOT NULL DEFAULT '',
    minutes_sha256 TEXT COLLATE "C" NOT NULL DEFAULT '',
    updated_at     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (site, meeting_id)
);

-- +goose Down
DROP TABLE crawl_meetings;
DROP TABLE fetched;
DROP TABLE sites;
