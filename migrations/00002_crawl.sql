-- Crawl state: the sites Minutebook follows, every document it fetched
-- (kept compressed so parsing can be re-run without fetching), and which
-- meetings of a site a crawl has finished, so a killed crawl resumes.
--
-- Text keys, no AUTOINCREMENT; times are RFC 3339 UTC text, which sorts as
-- time does. migrations/postgres/00002_crawl.sql is the PostgreSQL copy.

-- +goose Up
CREATE TABLE sites (
    slug          TEXT PRIMARY KEY,
    base_url      TEXT NOT NULL UNIQUE,
    council_slug  TEXT NOT NULL DEFAULT '',
    added_at      TEXT NOT NULL,
    every_seconds INTEGER NOT NULL DEFAULT 86400,
    next_crawl_at TEXT NOT NULL DEFAULT '',
    -- A worker crawling the site holds a lease until lease_until; a lease
    -- that ran out (a killed worker) may be taken by another.
    lease_owner   TEXT NOT NULL DEFAULT '',
    lease_until   TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    last_crawl_at TEXT NOT NULL DEFAULT '',
    last_ok_at    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sites_due ON sites (next_crawl_at);

CREATE TABLE fetched (
    url           TEXT PRIMARY KEY,
    site          TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL DEFAULT '',
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    sha256        TEXT NOT NULL DEFAULT '',
    status        INTEGER NOT NULL DEFAULT 0,
    content_type  TEXT NOT NULL DEFAULT '',
    fetched_at    TEXT NOT NULL DEFAULT '',
    checked_at    TEXT NOT NULL DEFAULT '',
    -- what the site's listings say about the document (extract.Meta JSON),
    -- for documents such as PDFs whose text may not say it
    meta          TEXT NOT NULL DEFAULT '',
    -- gzip-compressed body (BYTEA in the PostgreSQL copy)
    body          BLOB
);
CREATE INDEX fetched_site ON fetched (site, kind);

CREATE TABLE crawl_meetings (
    site           TEXT NOT NULL,
    meeting_id     TEXT NOT NULL,
    meeting_date   TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL,
    url            TEXT NOT NULL DEFAULT '',
    minutes_sha256 TEXT NOT NULL DEFAULT '',
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (site, meeting_id)
);

-- +goose Down
DROP TABLE crawl_meetings;
DROP TABLE fetched;
DROP TABLE sites;
