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
    // 3: full-text search over folded title and text (see `text::fold_search`), kept in
    // step with `items` by triggers. Contentless: the index holds no second copy of the
    // text. `pf_fold` is registered on every connection by `configure`.
    "CREATE VIRTUAL TABLE items_fts USING fts5(title, body, content = '', contentless_delete = 1, tokenize = 'unicode61');
     INSERT INTO items_fts (rowid, title, body) SELECT id, pf_fold(title), pf_fold(text) FROM items;
     CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
        INSERT INTO items_fts (rowid, title, body) VALUES (new.id, pf_fold(new.title), pf_fold(new.text));
     END;
     CREATE TRIGGER items_fts_update AFTER UPDATE OF title, text ON items BEGIN
        DELETE FROM items_fts WHERE rowid = old.id;
        INSERT INTO items_fts (rowid, title, body) VALUES (new.id, pf_fold(new.title), pf_fold(new.text));
     END;
     CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
        DELETE FROM items_fts WHERE rowid = old.id;
     END;",
    // 4: near-duplicates by MinHash LSH over word shingles instead of SimHash, which
    // cannot tell a trimmed sentence from a different report of the same template. The
    // band keys are filled in by `backfill_bands`.
    "DROP INDEX items_b0; DROP INDEX items_b1; DROP INDEX items_b2; DROP INDEX items_b3;
     ALTER TABLE items DROP COLUMN b0; ALTER TABLE items DROP COLUMN b1;
     ALTER TABLE items DROP COLUMN b2; ALTER TABLE items DROP COLUMN b3;
     ALTER TABLE items DROP COLUMN simhash;
     CREATE TABLE item_bands (
        band_key INTEGER NOT NULL,
        item_id  INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        PRIMARY KEY (band_key, item_id)
     ) WITHOUT ROWID;
     CREATE INDEX item_bands_item ON item_bands(item_id);",
    // 5: shingles hashed with XXH3 per word instead of SHA-256 per shingle (a sixth of
    // the pipeline's CPU went there); the band keys change, so they are worked out again.
    "DELETE FROM item_bands;",
    // 6: revisions that flap. Re-fetches with a 200, text changes, where the last change
    // was (`Region::key`) and how many changes in a row were there; `flapping` once most
    // fetches change the text in one place (see `Store::save`).
    "ALTER TABLE items ADD COLUMN refetches INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE items ADD COLUMN changes INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE items ADD COLUMN change_region TEXT;
     ALTER TABLE items ADD COLUMN region_repeats INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE items ADD COLUMN flapping INTEGER NOT NULL DEFAULT 0;",
    // 7: links that led to a page which is not an article (a menu page, a list), so the
    // list choice of later runs can leave out the group they came from.
    "ALTER TABLE links ADD COLUMN not_article INTEGER NOT NULL DEFAULT 0;",
    // 8: each copy keeps its own title, text, images and date, so that a re-post merged
    // into another portal's item never changes what the re-posting source's feed shows;
    // the item holds the copy `all` shows (see `Store::save`). Existing copies start
    // from their item's text, the only one stored, until they are next fetched.
    "ALTER TABLE copies ADD COLUMN title TEXT;
     ALTER TABLE copies ADD COLUMN author TEXT;
     ALTER TABLE copies ADD COLUMN credit TEXT;
     ALTER TABLE copies ADD COLUMN published TEXT;
     ALTER TABLE copies ADD COLUMN sort_ts INTEGER;
     ALTER TABLE copies ADD COLUMN content_html TEXT;
     ALTER TABLE copies ADD COLUMN text TEXT;
     ALTER TABLE copies ADD COLUMN images TEXT;
     ALTER TABLE copies ADD COLUMN updated INTEGER;
     UPDATE copies SET (title, author, credit, published, sort_ts, content_html, text, images, updated) =
        (SELECT title, author, credit, published, sort_ts, content_html, text, images, updated
         FROM items WHERE items.id = copies.item_id);
     CREATE INDEX copies_key ON copies(content_key);
     ALTER TABLE revisions ADD COLUMN url TEXT;",
    // 9: the documents an article carries (`model::Attachment`, as JSON), per copy and
    // for the shown copy, like images.
    "ALTER TABLE items ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
     ALTER TABLE copies ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';",
    // 10: documents of registers: their identity (issuer and number, folded) so that the
    // same document on two registers is one item, and their categories (issuer, field).
    "ALTER TABLE items ADD COLUMN categories TEXT NOT NULL DEFAULT '[]';
     ALTER TABLE copies ADD COLUMN categories TEXT NOT NULL DEFAULT '[]';
     ALTER TABLE items ADD COLUMN doc_key TEXT;
     ALTER TABLE copies ADD COLUMN doc_key TEXT;
     CREATE INDEX copies_doc ON copies(doc_key) WHERE doc_key IS NOT NULL;",
    // 11: push. `outbox` holds one event per stored change (a new item, a corrected
    // one, a re-post new to a source), written in the transaction that stores the item;
    // the worker turns each into `deliveries` (one per webhook and WebSub subscriber,
    // or hub ping) in the transaction that marks it dispatched, and sends those until
    // they succeed or grow too old. `revision` counts an item's changes: with its GUID,
    // the idempotency key receivers drop repeats by. `subscriptions` are WebSub
    // subscribers whose intent was verified.
    "ALTER TABLE items ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
     CREATE TABLE outbox (
        id         INTEGER PRIMARY KEY,
        item_id    INTEGER NOT NULL,
        source_id  TEXT NOT NULL,
        event      TEXT NOT NULL,
        revision   INTEGER NOT NULL,
        created    INTEGER NOT NULL,
        dispatched INTEGER
     );
     CREATE INDEX outbox_waiting ON outbox(id) WHERE dispatched IS NULL;
     CREATE TABLE deliveries (
        id           INTEGER PRIMARY KEY,
        event_id     INTEGER,
        kind         TEXT NOT NULL,
        target       TEXT NOT NULL,
        topic        TEXT NOT NULL,
        url          TEXT NOT NULL,
        key          TEXT,
        content_type TEXT,
        body         BLOB,
        headers      TEXT NOT NULL DEFAULT '[]',
        created      INTEGER NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        next_attempt INTEGER NOT NULL,
        state        TEXT NOT NULL DEFAULT 'pending',
        status       INTEGER,
        error        TEXT,
        finished     INTEGER
     );
     CREATE INDEX deliveries_due ON deliveries(next_attempt) WHERE state = 'pending';
     CREATE INDEX deliveries_target ON deliveries(target, state);
     CREATE INDEX deliveries_event ON deliveries(event_id);
     CREATE TABLE subscriptions (
        id          INTEGER PRIMARY KEY,
        callback    TEXT NOT NULL,
        host        TEXT NOT NULL,
        topic       TEXT NOT NULL,
        feed        TEXT NOT NULL,
        format      TEXT NOT NULL,
        secret      TEXT,
        lease_until INTEGER NOT NULL,
        created     INTEGER NOT NULL,
        UNIQUE (callback, topic)
     );
     CREATE INDEX subscriptions_feed ON subscriptions(feed);
     CREATE INDEX subscriptions_host ON subscriptions(host);",
];

/// Rust steps that follow a migration's SQL, by the version the migration reaches.
/// Band keys are worked out at 5 only: 4 creates their table and 5 always follows it
/// (a database left at 4 by a crash gets them when 5 runs).
fn after(version: usize, conn: &Connection) -> rusqlite::Result<()> {
    if version == 5 {
        backfill_bands(conn)?;
    }
    Ok(())
}

/// Computes the LSH band keys of every stored item.
fn backfill_bands(conn: &Connection) -> rusqlite::Result<()> {
    let mut select = conn.prepare("SELECT id, text FROM items")?;
    let rows: Vec<(i64, String)> = select
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut insert =
        conn.prepare("INSERT OR IGNORE INTO item_bands (band_key, item_id) VALUES (?1, ?2)")?;
    for (id, text) in rows {
        for key in crate::text::minhash_bands(&crate::text::shingles(&text)) {
            insert.execute(rusqlite::params![key, id])?;
        }
    }
    Ok(())
}

/// Connection settings: WAL (readers never block the writer), a busy timeout instead of
/// immediate `SQLITE_BUSY`, enforced foreign keys.
pub fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // Search folding in SQL, for the full-text index and its triggers.
    conn.create_scalar_function(
        "pf_fold",
        1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8
            | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(crate::text::fold_search(
                &ctx.get::<Option<String>>(0)?.unwrap_or_default(),
            ))
        },
    )?;
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
    // Deleted items give their pages back little by little (`incremental_vacuum`). The
    // mode must be set before the first table exists; an older database is converted
    // once, with a full VACUUM, when it first meets this version.
    let auto_vacuum: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    if auto_vacuum != 2 {
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        if version > 0 {
            conn.execute_batch("VACUUM")?;
        }
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let step = conn
            .execute_batch(sql)
            .and_then(|()| after(i + 1, conn))
            .and_then(|()| conn.execute_batch(&format!("PRAGMA user_version = {}", i + 1)));
        match step {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e.into());
            }
        }
    }
    Ok(())
}
