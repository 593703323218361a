//! The schema, as numbered migrations tracked in `PRAGMA user_version`.
//!
//! A migration is appended, never edited: a database from any older version upgrades in
//! place, step by step, each step in its own transaction.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// Each entry moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: sources, items and their copies, link bookkeeping, revisions, run history.
    "CREATE TABLE sources (
        id   TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        url  TEXT NOT NULL
     );
     CREATE TABLE source_tags (
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        tag       TEXT NOT NULL,
        PRIMARY KEY (source_id, tag)
     );
     CREATE TABLE items (
        id           INTEGER PRIMARY KEY,
        guid         TEXT NOT NULL UNIQUE,
        url          TEXT NOT NULL,
        source_id    TEXT NOT NULL,
        title        TEXT NOT NULL,
        author       TEXT,
        credit       TEXT,
        published    TEXT,
        sort_ts      INTEGER NOT NULL,
        content_html TEXT NOT NULL,
        text         TEXT NOT NULL,
        images       TEXT NOT NULL DEFAULT '[]',
        content_key  TEXT NOT NULL,
        simhash      INTEGER NOT NULL,
        b0 INTEGER NOT NULL, b1 INTEGER NOT NULL, b2 INTEGER NOT NULL, b3 INTEGER NOT NULL,
        first_seen   INTEGER NOT NULL,
        updated      INTEGER NOT NULL
     );
     CREATE INDEX items_sort ON items(sort_ts DESC, id DESC);
     CREATE INDEX items_key ON items(content_key);
     CREATE INDEX items_b0 ON items(b0);
     CREATE INDEX items_b1 ON items(b1);
     CREATE INDEX items_b2 ON items(b2);
     CREATE INDEX items_b3 ON items(b3);
     CREATE TABLE copies (
        url         TEXT NOT NULL,
        source_id   TEXT NOT NULL,
        item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        content_key TEXT NOT NULL,
        first_seen  INTEGER NOT NULL,
        PRIMARY KEY (url, source_id)
     );
     CREATE INDEX copies_item ON copies(item_id);
     CREATE INDEX copies_source ON copies(source_id, item_id);
     CREATE TABLE links (
        source_id     TEXT NOT NULL,
        url           TEXT NOT NULL,
        canonical_url TEXT NOT NULL,
        first_seen    INTEGER NOT NULL,
        last_checked  INTEGER NOT NULL,
        PRIMARY KEY (source_id, url)
     );
     CREATE TABLE revisions (
        id           INTEGER PRIMARY KEY,
        item_id      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        replaced_at  INTEGER NOT NULL,
        title        TEXT NOT NULL,
        content_key  TEXT NOT NULL,
        content_html TEXT NOT NULL,
        text         TEXT NOT NULL
     );
     CREATE INDEX revisions_item ON revisions(item_id);
     CREATE TABLE runs (
        id        INTEGER PRIMARY KEY,
        source_id TEXT NOT NULL,
        started   INTEGER NOT NULL,
        finished  INTEGER NOT NULL,
        ok        INTEGER NOT NULL,
        status    INTEGER,
        error     TEXT,
        found     INTEGER NOT NULL DEFAULT 0,
        new       INTEGER NOT NULL DEFAULT 0,
        updated   INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        merged    INTEGER NOT NULL DEFAULT 0,
        failed    INTEGER NOT NULL DEFAULT 0
     );
     CREATE INDEX runs_source ON runs(source_id, id DESC);",
    // 2: validators for conditional GET; run notes (links refused, disallowed) and the
    // next planned run, for source health.
    "CREATE TABLE http_cache (
        url           TEXT PRIMARY KEY,
        etag          TEXT,
        last_modified TEXT,
        stored        INTEGER NOT NULL
     );
     ALTER TABLE runs ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE runs ADD COLUMN notes TEXT;
     ALTER TABLE runs ADD COLUMN next_run INTEGER;",
];

/// Connection settings: WAL (readers never block the writer), a busy timeout instead of
/// immediate `SQLITE_BUSY`, enforced foreign keys.
pub fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

pub fn migrate(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let supported = MIGRATIONS.len() as i64;
    if version > supported {
        return Err(StoreError::TooNew {
            path: path.display().to_string(),
            found: version,
            supported,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {sql}; PRAGMA user_version = {}; COMMIT;",
            i + 1
        ))?;
    }
    Ok(())
}
