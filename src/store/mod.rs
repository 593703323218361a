//! SQLite storage: schema and migrations, the dedup/merge/update rules, feed queries and
//! source health.
//!
//! Identity rules (DESIGN.md, corpus README):
//! - same canonical URL, same content key → unchanged, nothing is written to the item;
//! - same canonical URL, new key → corrected: that copy is updated in place, same id and
//!   GUID, new `updated`, the old text kept in `revisions`;
//! - new URL, known key → a re-post: the URL is attached to the existing item as a copy;
//! - new URL, text near-identical to a stored item (MinHash LSH over word shingles finds
//!   candidates; at least `near_duplicate` of the shorter text's shingles in the longer,
//!   and the same figures) → a re-post with small edits: merged the same way;
//! - otherwise a new item, whose GUID is derived once from its canonical URL and never
//!   changes.
//!
//! Every copy keeps what its own page said: title, text, images, byline, date. A source's
//! feed shows that source's copy, whatever merged into its item, so one portal can never
//! rewrite another's feed. The item holds the copy `all` (and tag, search and custom
//! feeds) shows: the earliest published, a dated copy before an undated one, then the
//! first seen (see `show_copy`). A re-post dated later never replaces the original's text.
//!
//! Every article is written in one transaction, so a crash never leaves half an article.

mod schema;

pub use crate::model::{CustomFeed, DEFAULT_NEAR_DUPLICATE, FeedScope, SaveOutcome, SourceEntry};

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::extract::Article;
use crate::text;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the last write to the database failed ({at}): {message}")]
    WriteFailed { at: DateTime<Utc>, message: String },
    #[error("cannot open the database {path}: {message}")]
    Open { path: String, message: String },
    #[error(
        "the database {path} has schema version {found}, newer than this portalfeed ({supported}); upgrade portalfeed"
    )]
    TooNew {
        path: String,
        found: i64,
        supported: i64,
    },
}

/// Bookkeeping for a link found on an index.
#[derive(Debug, Clone)]
pub struct LinkState {
    pub first_seen: DateTime<Utc>,
    pub last_checked: DateTime<Utc>,
}

/// One row of a feed.
#[derive(Debug, Clone)]
pub struct FeedItem {
    pub guid: String,
    pub title: String,
    /// The link this feed shows (see [`FeedScope`]).
    pub link: String,
    pub published: Option<DateTime<FixedOffset>>,
    pub updated: DateTime<Utc>,
    pub author: Option<String>,
    pub credit: Option<String>,
    pub content_html: String,
    pub text: String,
    pub source_id: String,
    pub source_name: String,
    /// The source's index page.
    pub source_url: String,
    /// The source's tags.
    pub tags: Vec<String>,
    pub images: Vec<String>,
    /// Other URLs carrying the same article.
    pub other_copies: Vec<String>,
}

/// Phrases as an FTS5 expression matching any of them: `("dan van kheo") OR ("dang uy")`.
fn fts_any(phrases: &[String]) -> Option<String> {
    let parts: Vec<String> = phrases
        .iter()
        .filter_map(|p| {
            let words: Vec<String> = text::fold_search(p)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            (!words.is_empty()).then(|| format!("\"{}\"", words.join(" ")))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" OR "))
}

/// A user's query as an FTS5 expression: folded like the index, every word a quoted
/// term that must occur (implicit AND). Quoting keeps FTS5 syntax out of user input;
/// `None` when the query has no word.
pub fn fts_query(query: &str) -> Option<String> {
    let folded = text::fold_search(query);
    let terms: Vec<String> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\""))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// The outcome of one source run, for health records.
#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    pub source_id: String,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    pub ok: bool,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub found: usize,
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub merged: usize,
    pub failed: usize,
    /// Links not followed: off-site, internal addresses, robots.txt.
    pub skipped: usize,
    /// Why articles failed or links were skipped, one line each (a few at most).
    pub notes: Vec<String>,
    /// When the daemon plans the next run.
    pub next_run: Option<DateTime<Utc>>,
}

/// A source's health: its last run and how many runs in a row failed.
#[derive(Debug, Clone)]
pub struct SourceHealth {
    pub source_id: String,
    pub last: Option<RunRecord>,
    pub consecutive_failures: u32,
    pub items: usize,
    /// Items whose text changes on most fetches in one place: their revisions are no
    /// longer recorded (see `Store::save`).
    pub flapping: usize,
}

/// One source's row on the status page (see `Store::overview`).
#[derive(Debug, Clone, Default)]
pub struct SourceOverview {
    pub last: Option<RunRecord>,
    pub items: usize,
    /// As in [`SourceHealth::flapping`].
    pub flapping: usize,
    /// New items per day, oldest first.
    pub per_day: Vec<u32>,
}

/// The database. Writes go through one connection (one writer); reads for feeds use a
/// second one, which WAL lets run alongside a write.
pub struct Store {
    write: Mutex<Connection>,
    read: Mutex<Connection>,
    /// Bumped on every change a feed could show; feed caches compare against it.
    generation: std::sync::atomic::AtomicU64,
    /// Feed queries run, so that tests can show a cached feed costs none.
    feed_queries: std::sync::atomic::AtomicU64,
    /// The read connection's last `PRAGMA data_version`, to notice other processes' writes.
    data_version: std::sync::atomic::AtomicI64,
    near_duplicate: f64,
    /// The last write that failed on the storage itself (a full disk, an I/O error, a
    /// read-only file), until a write succeeds: `/healthz` reports it. A probe cannot
    /// find a full disk, since taking the write lock writes nothing.
    write_failure: Mutex<Option<(DateTime<Utc>, String)>>,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open = |p: &Path| {
            Connection::open(p).map_err(|e| StoreError::Open {
                path: p.display().to_string(),
                message: e.to_string(),
            })
        };
        // "file is not a database" and the like name the file.
        let named = |e: StoreError| match e {
            StoreError::Sqlite(e) => StoreError::Open {
                path: path.display().to_string(),
                message: e.to_string(),
            },
            other => other,
        };
        let write = open(path)?;
        schema::configure(&write).map_err(named)?;
        schema::migrate(&write, path).map_err(named)?;
        let read = open(path)?;
        schema::configure(&read).map_err(named)?;
        Ok(Store {
            write: Mutex::new(write),
            read: Mutex::new(read),
            near_duplicate: DEFAULT_NEAR_DUPLICATE,
            generation: std::sync::atomic::AtomicU64::new(1),
            feed_queries: std::sync::atomic::AtomicU64::new(0),
            data_version: std::sync::atomic::AtomicI64::new(0),
            write_failure: Mutex::new(None),
        })
    }

    /// The resemblance from which a new URL's text is a re-post of a stored item (0 turns
    /// near-duplicate merging off; exact re-posts still merge by content key).
    pub fn set_near_duplicate(&mut self, threshold: f64) {
        self.near_duplicate = threshold.clamp(0.0, 1.0);
    }

    /// Retention: deletes items first seen more than `keep_days` ago and, per source,
    /// items beyond the newest `max_per_source`, then returns their pages to the file
    /// system. Links are kept, so a deleted article is not fetched again. Returns the
    /// number of items deleted.
    pub fn apply_retention(
        &self,
        keep_days: Option<u32>,
        max_per_source: Option<usize>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let mut deleted = 0;
        if let Some(days) = keep_days {
            let cutoff = now.timestamp() - i64::from(days) * 24 * 3600;
            deleted += tx.execute("DELETE FROM items WHERE first_seen < ?1", params![cutoff])?;
        }
        if let Some(max) = max_per_source {
            deleted += tx.execute(
                "DELETE FROM items WHERE id IN (
                    SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY source_id ORDER BY sort_ts DESC, id DESC) AS n FROM items)
                    WHERE n > ?1)",
                params![max as i64],
            )?;
        }
        tx.commit()?;
        if deleted > 0 {
            self.changed();
            conn.execute_batch("PRAGMA incremental_vacuum")?;
        }
        Ok(deleted)
    }

    /// A number that changes whenever a feed's content may have: compare it to decide
    /// whether a rendered feed is still current, without touching the database.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// How many feed queries this store has run.
    pub fn feed_queries(&self) -> u64 {
        self.feed_queries.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn changed(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// Notices writes by other processes (a `portalfeed crawl` next to the daemon):
    /// SQLite's `data_version` moves when another connection commits. Called from a
    /// timer, never on the serving path.
    pub fn poll_external_changes(&self) -> Result<(), StoreError> {
        let v: i64 = self
            .reader()
            .query_row("PRAGMA data_version", [], |r| r.get(0))?;
        let before = self
            .data_version
            .swap(v, std::sync::atomic::Ordering::AcqRel);
        if before != 0 && before != v {
            self.changed();
        }
        Ok(())
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.write.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.read.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the configured sources (names and tags change with the config).
    pub fn sync_sources<'a, S: Into<SourceEntry<'a>>>(
        &self,
        sources: impl IntoIterator<Item = S>,
    ) -> Result<(), StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        for s in sources {
            let s: SourceEntry<'a> = s.into();
            tx.execute(
                "INSERT INTO sources (id, name, url) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, url = excluded.url",
                params![s.id, s.name, s.url],
            )?;
            tx.execute(
                "DELETE FROM source_tags WHERE source_id = ?1",
                params![s.id],
            )?;
            for t in s.tags {
                tx.execute(
                    "INSERT OR IGNORE INTO source_tags (source_id, tag) VALUES (?1, ?2)",
                    params![s.id, t],
                )?;
            }
        }
        tx.commit()?;
        self.changed();
        Ok(())
    }

    pub fn link_state(&self, source_id: &str, url: &str) -> Result<Option<LinkState>, StoreError> {
        let conn = self.writer();
        let row = conn
            .query_row(
                "SELECT first_seen, last_checked FROM links WHERE source_id = ?1 AND url = ?2",
                params![source_id, url],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
            )
            .optional()?;
        Ok(row.map(|(f, l)| LinkState {
            first_seen: from_ts(f),
            last_checked: from_ts(l),
        }))
    }

    /// Stores one fetched article in one transaction and says what that did.
    pub fn save(
        &self,
        source_id: &str,
        linked_url: &str,
        article: &Article,
        now: DateTime<Utc>,
    ) -> Result<SaveOutcome, StoreError> {
        let result = self.save_article(source_id, linked_url, article, now);
        self.note_write(&result);
        result
    }

    /// Keeps or clears the storage failure `/healthz` reports, after a write.
    fn note_write<T>(&self, result: &Result<T, StoreError>) {
        use rusqlite::ErrorCode::*;
        let failure = match result {
            Ok(_) => None,
            Err(StoreError::Sqlite(e)) => match e.sqlite_error_code() {
                Some(
                    DiskFull | SystemIoFailure | ReadOnly | CannotOpen | DatabaseCorrupt
                    | NotADatabase,
                ) => Some((Utc::now(), e.to_string())),
                // A constraint or a busy lock says nothing about the storage.
                _ => return,
            },
            Err(_) => return,
        };
        *self.write_failure.lock().unwrap_or_else(|e| e.into_inner()) = failure;
    }

    fn save_article(
        &self,
        source_id: &str,
        linked_url: &str,
        article: &Article,
        now: DateTime<Utc>,
    ) -> Result<SaveOutcome, StoreError> {
        let key = text::content_key(&article.paragraphs);
        let body = article.text();
        let shingles = text::shingles(&body);
        let bands = text::minhash_bands(&shingles);
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let ts = now.timestamp();

        // A URL can be a copy for several sources (one article listed in two sections).
        let existing: Option<(i64, String)> = tx
            .query_row(
                "SELECT item_id, content_key FROM copies WHERE url = ?1 ORDER BY first_seen LIMIT 1",
                params![article.url],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        // Whether this source already had this URL: a URL another source stored first is
        // still new to this source's feed, and counting it so keeps a run's figures
        // independent of which source happened to fetch the page first.
        let mut new_here = false;
        if let Some((item_id, _)) = &existing {
            new_here = tx.execute(
                "INSERT OR IGNORE INTO copies (url, source_id, item_id, content_key, first_seen,
                    title, author, credit, published, sort_ts, content_html, text, images, updated)
                 SELECT url, ?2, item_id, content_key, ?3,
                    title, author, credit, published, sort_ts, content_html, text, images, updated
                 FROM copies WHERE url = ?1 AND item_id = ?4 LIMIT 1",
                params![article.url, source_id, ts, item_id],
            )? > 0;
        }
        let outcome = match existing {
            Some((item_id, old_key)) if old_key == key => {
                tx.execute(
                    "UPDATE items SET refetches = refetches + 1 WHERE id = ?1",
                    params![item_id],
                )?;
                SaveOutcome::Unchanged
            }
            Some((item_id, _)) => {
                let flap = Flap::read(&tx, item_id, &article.url)?;
                let region = Region::between(&flap.text, &body).key();
                match flap.next(&region) {
                    FlapStep::Chrome => {
                        // The page's rotating block again: the stored story stands.
                        tx.execute(
                            "UPDATE items SET refetches = refetches + 1, changes = changes + 1 WHERE id = ?1",
                            params![item_id],
                        )?;
                        SaveOutcome::Unchanged
                    }
                    step => {
                        if matches!(step, FlapStep::Correction | FlapStep::Elsewhere) {
                            tx.execute(
                                "INSERT INTO revisions (item_id, replaced_at, title, content_key, content_html, text, url)
                                 SELECT item_id, ?2, title, content_key, content_html, text, url
                                 FROM copies WHERE url = ?1 AND item_id = ?3 LIMIT 1",
                                params![article.url, ts, item_id],
                            )?;
                        }
                        update_copy(&tx, article, &key, ts)?;
                        show_copy(&tx, item_id, ts)?;
                        let (region, repeats) = flap.region_after(&region);
                        tx.execute(
                            "UPDATE items SET refetches = refetches + 1, changes = changes + 1,
                                change_region = ?2, region_repeats = ?3, flapping = ?4 WHERE id = ?1",
                            params![item_id, region, repeats, step == FlapStep::StartsFlapping || flap.flapping],
                        )?;
                        SaveOutcome::Updated
                    }
                }
            }
            None => {
                let same: Option<i64> = tx
                    .query_row(
                        "SELECT item_id FROM copies WHERE content_key = ?1 LIMIT 1",
                        params![key],
                        |r| r.get(0),
                    )
                    .optional()?;
                let near = match same {
                    Some(id) => Some(id),
                    None => {
                        find_near_duplicate(&tx, &shingles, &bands, &body, self.near_duplicate)?
                    }
                };
                match near {
                    Some(item_id) => {
                        insert_copy(&tx, article, item_id, source_id, &key, ts)?;
                        // The original, published first, is what `all` shows, whichever
                        // copy was crawled first.
                        show_copy(&tx, item_id, ts)?;
                        SaveOutcome::Merged
                    }
                    None => {
                        let guid = guid_for(&article.url);
                        let published = article.published.map(|d| d.to_rfc3339());
                        let sort_ts = article.published.map(|d| d.timestamp()).unwrap_or(ts);
                        let images =
                            serde_json::to_string(&article.images).unwrap_or_else(|_| "[]".into());
                        tx.execute(
                            "INSERT INTO items (guid, url, source_id, title, author, credit, published, sort_ts,
                                content_html, text, images, content_key, first_seen, updated)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
                            params![
                                guid,
                                article.url,
                                source_id,
                                article.title,
                                article.author,
                                article.source,
                                published,
                                sort_ts,
                                article.content_html,
                                article.text(),
                                images,
                                key,
                                ts
                            ],
                        )?;
                        let item_id = tx.last_insert_rowid();
                        set_bands(&tx, item_id, &bands)?;
                        insert_copy(&tx, article, item_id, source_id, &key, ts)?;
                        SaveOutcome::New
                    }
                }
            }
        };
        let outcome = if new_here { SaveOutcome::New } else { outcome };
        tx.execute(
            "INSERT INTO links (source_id, url, canonical_url, first_seen, last_checked) VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT(source_id, url) DO UPDATE SET last_checked = excluded.last_checked, canonical_url = excluded.canonical_url, not_article = 0",
            params![source_id, linked_url, article.url, ts],
        )?;
        if linked_url != article.url {
            upsert_link(&tx, source_id, &article.url, ts)?;
            tx.execute(
                "UPDATE links SET not_article = 0 WHERE source_id = ?1 AND url = ?2",
                params![source_id, article.url],
            )?;
        }
        tx.commit()?;
        if outcome != SaveOutcome::Unchanged {
            self.changed();
        }
        Ok(outcome)
    }

    pub fn record_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        let result = self.insert_run(run);
        self.note_write(&result);
        result
    }

    fn insert_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        let conn = self.writer();
        conn.execute(
            "INSERT INTO runs (source_id, started, finished, ok, status, error, found, new, updated, unchanged, merged, failed,
                               skipped, notes, next_run)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                run.source_id,
                run.started.timestamp(),
                run.finished.timestamp(),
                run.ok,
                run.status,
                run.error,
                run.found as i64,
                run.new as i64,
                run.updated as i64,
                run.unchanged as i64,
                run.merged as i64,
                run.failed as i64,
                run.skipped as i64,
                (!run.notes.is_empty()).then(|| run.notes.join("\n")),
                run.next_run.map(|t| t.timestamp())
            ],
        )?;
        // Health history is for people: the last 100 runs of a source (two days at the
        // default half-hour schedule), and never more than a month. Unbounded, 5,000
        // sources on that schedule would add 240,000 rows a day.
        conn.execute(
            "DELETE FROM runs WHERE source_id = ?1 AND (started < ?2 OR id <= (
                 SELECT id FROM runs WHERE source_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?3))",
            params![
                run.source_id,
                run.started.timestamp() - 31 * 24 * 3600,
                RUNS_KEPT
            ],
        )?;
        Ok(())
    }

    /// A source's last run and its current streak of failures: what scheduling needs,
    /// without counting the source's items.
    pub fn run_streak(&self, source_id: &str) -> Result<(Option<RunRecord>, u32), StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE source_id = ?1 ORDER BY id DESC LIMIT 50"
        ))?;
        let runs: Vec<RunRecord> = stmt
            .query_map(params![source_id], run_from_row)?
            .collect::<Result<_, _>>()?;
        let failures = runs.iter().take_while(|r| !r.ok).count() as u32;
        Ok((runs.into_iter().next(), failures))
    }

    /// Every source's status-page row at once: its last run, its items, and its new
    /// items per day over the last `days` days (oldest first) in a zone `tz_offset_secs`
    /// from UTC. Three queries in all, where a query per source would hold the read
    /// connection (and the feeds waiting on it) for seconds with thousands of sources.
    pub fn overview(
        &self,
        days: u32,
        now: DateTime<Utc>,
        tz_offset_secs: i32,
    ) -> Result<std::collections::HashMap<String, SourceOverview>, StoreError> {
        let conn = self.reader();
        let mut out = std::collections::HashMap::<String, SourceOverview>::new();
        let blank = || SourceOverview {
            last: None,
            items: 0,
            flapping: 0,
            per_day: vec![0; days as usize],
        };
        for run in last_runs(&conn)? {
            let id = run.source_id.clone();
            out.entry(id).or_insert_with(blank).last = Some(run);
        }
        let mut stmt = conn
            .prepare("SELECT source_id, count(DISTINCT item_id) FROM copies GROUP BY source_id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (id, n) = row?;
            out.entry(id).or_insert_with(blank).items = n as usize;
        }
        let mut stmt = conn.prepare(
            "SELECT c.source_id, count(DISTINCT c.item_id) FROM copies c JOIN items i ON i.id = c.item_id
             WHERE i.flapping = 1 GROUP BY c.source_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (id, n) = row?;
            out.entry(id).or_insert_with(blank).flapping = n as usize;
        }
        let off = i64::from(tz_offset_secs);
        let today = (now.timestamp() + off).div_euclid(86400);
        let first = today - i64::from(days) + 1;
        let mut stmt = conn.prepare(
            "SELECT source_id, (first_seen + ?1) / 86400 AS day, count(DISTINCT item_id) FROM copies
             WHERE first_seen >= ?2 GROUP BY source_id, day",
        )?;
        let rows = stmt.query_map(params![off, first * 86400 - off], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (id, day, n) = row?;
            if let Ok(i) = usize::try_from(day - first)
                && i < days as usize
            {
                out.entry(id).or_insert_with(blank).per_day[i] = n as u32;
            }
        }
        Ok(out)
    }

    /// Every source's newest run (sources that never ran have none).
    pub fn last_runs(&self) -> Result<Vec<RunRecord>, StoreError> {
        last_runs(&self.reader())
    }

    /// The newest run of any source.
    pub fn latest_run(&self) -> Result<Option<RunRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT 1"
        ))?;
        Ok(stmt.query_map([], run_from_row)?.next().transpose()?)
    }

    /// Health of a source: its last run, its current streak of failures, its items.
    pub fn health(&self, source_id: &str) -> Result<SourceHealth, StoreError> {
        let (last, consecutive_failures) = self.run_streak(source_id)?;
        let items: i64 = self.reader().query_row(
            "SELECT count(DISTINCT item_id) FROM copies WHERE source_id = ?1",
            params![source_id],
            |r| r.get(0),
        )?;
        let flapping: i64 = self.reader().query_row(
            "SELECT count(DISTINCT c.item_id) FROM copies c JOIN items i ON i.id = c.item_id
             WHERE c.source_id = ?1 AND i.flapping = 1",
            params![source_id],
            |r| r.get(0),
        )?;
        Ok(SourceHealth {
            source_id: source_id.to_string(),
            last,
            consecutive_failures,
            items: items as usize,
            flapping: flapping as usize,
        })
    }

    /// The newest items of a feed, by publication date.
    pub fn feed_items(&self, scope: &FeedScope, limit: usize) -> Result<Vec<FeedItem>, StoreError> {
        use rusqlite::types::Value;
        self.feed_queries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Which copy an item shows (`t`: the item's shown copy, or the source's own),
        // where the items come from, and the condition, per scope; the rest of the query
        // is shared.
        let (t, from, mut cond, mut args): (&str, &str, String, Vec<Value>) = match scope {
            FeedScope::All => ("i", "items i", "1".into(), vec![]),
            FeedScope::Source(id) => (
                "c",
                "copies c JOIN items i ON i.id = c.item_id",
                "c.source_id = ?".into(),
                vec![Value::Text(id.clone())],
            ),
            FeedScope::Tag(tag) => (
                "i",
                "items i",
                "EXISTS (SELECT 1 FROM copies c JOIN source_tags t ON t.source_id = c.source_id WHERE c.item_id = i.id AND t.tag = ?)".into(),
                vec![Value::Text(tag.clone())],
            ),
            FeedScope::Search(q) => {
                let Some(expr) = fts_query(q) else { return Ok(Vec::new()) };
                (
                    "i",
                    "items i",
                    "i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid DESC LIMIT 2000)".into(),
                    vec![Value::Text(expr)],
                )
            }
            FeedScope::Custom(f) => {
                let mut cond = String::from("1");
                let mut args = Vec::new();
                if !f.sources.is_empty() || !f.tags.is_empty() {
                    let marks = |n: usize| vec!["?"; n].join(", ");
                    cond = format!(
                        "EXISTS (SELECT 1 FROM copies c WHERE c.item_id = i.id AND (c.source_id IN ({}) OR c.source_id IN (SELECT source_id FROM source_tags WHERE tag IN ({}))))",
                        marks(f.sources.len()),
                        marks(f.tags.len())
                    );
                    args.extend(f.sources.iter().chain(f.tags.iter()).map(|s| Value::Text(s.clone())));
                }
                if let Some(expr) = fts_any(&f.include) {
                    cond.push_str(" AND i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)");
                    args.push(Value::Text(expr));
                }
                if let Some(expr) = fts_any(&f.exclude) {
                    cond.push_str(" AND i.id NOT IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)");
                    args.push(Value::Text(expr));
                }
                ("i", "items i", cond, args)
            }
        };
        // A source with two URLs of one story (listed in two sections) shows the first.
        let first = if matches!(scope, FeedScope::Source(_)) {
            cond.push_str(" GROUP BY i.id");
            ", min(c.first_seen)"
        } else {
            ""
        };
        args.push(Value::Integer(limit as i64));
        let sql = format!(
            "SELECT i.id, i.guid, {t}.title, {t}.url, {t}.published, {t}.updated, {t}.author, {t}.credit,
                    {t}.content_html, {t}.text, {t}.source_id, s.name, {t}.images, s.url,
                    (SELECT group_concat(tag, ',') FROM source_tags WHERE source_id = {t}.source_id){first}
             FROM {from} JOIN sources s ON s.id = {t}.source_id
             WHERE {cond}
             ORDER BY {t}.sort_ts DESC, i.id DESC LIMIT ?"
        );
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows: Vec<(i64, FeedItem)> = stmt
            .query_map(rusqlite::params_from_iter(args), |r| {
                let images: String = r.get(12)?;
                Ok((
                    r.get(0)?,
                    FeedItem {
                        guid: r.get(1)?,
                        title: r.get(2)?,
                        link: r.get(3)?,
                        published: r
                            .get::<_, Option<String>>(4)?
                            .and_then(|s| DateTime::parse_from_rfc3339(&s).ok()),
                        updated: from_ts(r.get(5)?),
                        author: r.get(6)?,
                        credit: r.get(7)?,
                        content_html: r.get(8)?,
                        text: r.get(9)?,
                        source_id: r.get(10)?,
                        source_name: r.get(11)?,
                        source_url: r.get(13)?,
                        tags: r
                            .get::<_, Option<String>>(14)?
                            .map(|t| t.split(',').map(str::to_string).collect())
                            .unwrap_or_default(),
                        images: serde_json::from_str(&images).unwrap_or_default(),
                        other_copies: Vec::new(),
                    },
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut copies = conn.prepare_cached(
            "SELECT url FROM copies WHERE item_id = ?1 GROUP BY url ORDER BY min(first_seen), url",
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, mut item) in rows {
            item.other_copies = copies
                .query_map(params![id], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .filter(|u| *u != item.link)
                .collect();
            out.push(item);
        }
        Ok(out)
    }

    /// The validators of the last response for a URL, for a conditional GET.
    pub fn validators(&self, url: &str) -> Result<Option<crate::model::Validators>, StoreError> {
        let conn = self.writer();
        Ok(conn
            .query_row(
                "SELECT etag, last_modified FROM http_cache WHERE url = ?1",
                params![url],
                |r| {
                    Ok(crate::model::Validators {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn set_validators(
        &self,
        url: &str,
        v: &crate::model::Validators,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conn = self.writer();
        if v.is_empty() {
            conn.execute("DELETE FROM http_cache WHERE url = ?1", params![url])?;
        } else {
            conn.execute(
                "INSERT INTO http_cache (url, etag, last_modified, stored) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, stored = excluded.stored",
                params![url, v.etag, v.last_modified, now.timestamp()],
            )?;
        }
        Ok(())
    }

    /// Links of a source stored since `since`, newest first: the articles young enough
    /// to be re-checked when the index itself has not changed (a 304).
    pub fn recent_links(
        &self,
        source_id: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let conn = self.writer();
        let mut stmt = conn.prepare_cached(
            "SELECT url FROM links WHERE source_id = ?1 AND first_seen >= ?2 AND url = canonical_url ORDER BY first_seen DESC",
        )?;
        let rows = stmt.query_map(params![source_id, since.timestamp()], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a link that led to a page which is not an article, so that later runs
    /// treat it as seen and leave out the list it came from (see [`Store::not_articles`]).
    pub fn remember_link(
        &self,
        source_id: &str,
        url: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conn = self.writer();
        upsert_link(&conn, source_id, url, now.timestamp())?;
        conn.execute(
            "UPDATE links SET not_article = 1 WHERE source_id = ?1 AND url = ?2",
            params![source_id, url],
        )?;
        Ok(())
    }

    /// The links of a source that led to pages which were not articles, as last fetched.
    pub fn not_articles(&self, source_id: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.writer();
        let mut stmt =
            conn.prepare_cached("SELECT url FROM links WHERE source_id = ?1 AND not_article = 1")?;
        let rows = stmt.query_map(params![source_id], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Marks a link checked without a change (a 304 on the article).
    pub fn touch_link(
        &self,
        source_id: &str,
        url: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.writer().execute(
            "UPDATE links SET last_checked = ?3 WHERE source_id = ?1 AND url = ?2",
            params![source_id, url, now.timestamp()],
        )?;
        Ok(())
    }

    /// Counts items (all, or one source's).
    pub fn item_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .reader()
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Whether the database takes writes (for `/healthz`): the write lock can be taken,
    /// and the last article or run written did not fail on the storage.
    pub fn check_writable(&self) -> Result<(), StoreError> {
        if let Some((at, message)) = self
            .write_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            return Err(StoreError::WriteFailed { at, message });
        }
        self.writer().execute_batch("BEGIN IMMEDIATE; ROLLBACK;")?;
        Ok(())
    }
}

/// What `sources` and the status page say about a source's flapping items.
pub fn flapping_note(n: usize) -> Option<String> {
    (n > 0).then(|| {
        format!(
            "{n} item{} change in one place on most fetches (a rotating block, not corrections): their revisions are no longer recorded",
            if n == 1 { "" } else { "s" }
        )
    })
}

/// Changes in one place this many times in a row, on most fetches, are the page's chrome
/// (a rotating "most read" block taken for the body, a counter), not corrections.
const FLAP_REPEATS: i64 = 3;

/// Where a new text differs from the stored one: how many paragraphs stay the same at the
/// start and at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Region {
    same_before: usize,
    same_after: usize,
}

impl Region {
    fn between(old: &str, new: &str) -> Region {
        let a: Vec<&str> = old.split("\n\n").collect();
        let b: Vec<&str> = new.split("\n\n").collect();
        let same_before = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        let room = a.len().min(b.len()) - same_before;
        let same_after = a
            .iter()
            .rev()
            .zip(b.iter().rev())
            .take(room)
            .take_while(|(x, y)| x == y)
            .count();
        Region {
            same_before,
            same_after,
        }
    }

    fn key(self) -> String {
        format!("{}/{}", self.same_before, self.same_after)
    }
}

/// An item's record of re-fetches and changes.
struct Flap {
    text: String,
    refetches: i64,
    changes: i64,
    region: Option<String>,
    repeats: i64,
    flapping: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FlapStep {
    /// A change to keep, with the old text as a revision.
    Correction,
    /// This change makes most fetches change the text in one place: applied, without a
    /// revision, and from now on such changes are ignored.
    StartsFlapping,
    /// A change in the region that flaps: ignored.
    Chrome,
    /// A change elsewhere in an item that flaps: kept, with a revision.
    Elsewhere,
}

impl Flap {
    /// The item's counters and the stored text of its copy at `url`.
    fn read(tx: &rusqlite::Transaction<'_>, item_id: i64, url: &str) -> Result<Flap, StoreError> {
        Ok(tx.query_row(
            "SELECT (SELECT text FROM copies WHERE url = ?2 AND item_id = ?1 LIMIT 1),
                refetches, changes, change_region, region_repeats, flapping FROM items WHERE id = ?1",
            params![item_id, url],
            |r| {
                Ok(Flap {
                    text: r.get(0)?,
                    refetches: r.get(1)?,
                    changes: r.get(2)?,
                    region: r.get(3)?,
                    repeats: r.get(4)?,
                    flapping: r.get(5)?,
                })
            },
        )?)
    }

    /// Changes in a row in one place, this one in `region` counted.
    fn repeats_with(&self, region: &str) -> i64 {
        if self.region.as_deref() == Some(region) {
            self.repeats + 1
        } else {
            1
        }
    }

    /// What a change in `region` is for this item.
    fn next(&self, region: &str) -> FlapStep {
        if self.flapping {
            return if self.region.as_deref() == Some(region) {
                FlapStep::Chrome
            } else {
                FlapStep::Elsewhere
            };
        }
        let repeats = self.repeats_with(region);
        // This fetch and this change counted.
        let (fetches, changes) = (self.refetches + 1, self.changes + 1);
        if repeats >= FLAP_REPEATS && changes * 2 > fetches {
            FlapStep::StartsFlapping
        } else {
            FlapStep::Correction
        }
    }

    /// The region to remember after a kept change, and its count of changes in a row.
    /// Once an item flaps, its flapping region is kept.
    fn region_after(&self, region: &str) -> (String, i64) {
        if self.flapping {
            return (self.region.clone().unwrap_or_default(), self.repeats);
        }
        (region.to_string(), self.repeats_with(region))
    }
}

/// Every source's newest run.
fn last_runs(conn: &Connection) -> Result<Vec<RunRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE id IN (SELECT max(id) FROM runs GROUP BY source_id)"
    ))?;
    let runs = stmt.query_map([], run_from_row)?;
    Ok(runs.collect::<Result<_, _>>()?)
}

/// A link that is its own canonical URL, seen now: recorded, or its check time moved.
fn upsert_link(conn: &Connection, source_id: &str, url: &str, ts: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO links (source_id, url, canonical_url, first_seen, last_checked) VALUES (?1, ?2, ?2, ?3, ?3)
         ON CONFLICT(source_id, url) DO UPDATE SET last_checked = excluded.last_checked",
        params![source_id, url, ts],
    )?;
    Ok(())
}

/// A corrected copy: every source's row for its URL takes the new text. A correction
/// that lost its date keeps the old one.
fn update_copy(
    tx: &rusqlite::Transaction<'_>,
    a: &Article,
    key: &str,
    ts: i64,
) -> Result<(), StoreError> {
    let images = serde_json::to_string(&a.images).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "UPDATE copies SET title = ?2, author = ?3, credit = ?4, published = coalesce(?5, published),
            sort_ts = coalesce(?6, sort_ts), content_html = ?7, text = ?8, images = ?9,
            content_key = ?10, updated = ?11
         WHERE url = ?1",
        params![
            a.url,
            a.title,
            a.author,
            a.source,
            a.published.map(|d| d.to_rfc3339()),
            a.published.map(|d| d.timestamp()),
            a.content_html,
            a.text(),
            images,
            key,
            ts
        ],
    )?;
    Ok(())
}

/// Puts the copy `all` shows into the item: the earliest published, a dated copy before
/// an undated one, then the first seen. The item's text, and so its band keys and its
/// search entry, are that copy's. Nothing is written when it is already shown.
fn show_copy(tx: &rusqlite::Transaction<'_>, item_id: i64, ts: i64) -> Result<(), StoreError> {
    let (url, source_id): (String, String) = tx.query_row(
        "SELECT url, source_id FROM copies WHERE item_id = ?1
         ORDER BY published IS NULL, sort_ts, first_seen, url, source_id LIMIT 1",
        params![item_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (shown, same_text): (bool, bool) = tx.query_row(
        "SELECT i.url = c.url AND i.source_id = c.source_id AND i.content_key = c.content_key
                AND i.title = c.title AND i.published IS c.published AND i.author IS c.author
                AND i.credit IS c.credit AND i.images = c.images AND i.content_html = c.content_html,
            i.content_key = c.content_key
         FROM items i JOIN copies c ON c.url = ?2 AND c.source_id = ?3 WHERE i.id = ?1",
        params![item_id, url, source_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if shown {
        return Ok(());
    }
    tx.execute(
        "UPDATE items SET (url, source_id, title, author, credit, published, sort_ts, content_html,
                text, images, content_key) =
            (SELECT url, source_id, title, author, credit, published, sort_ts, content_html,
                text, images, content_key FROM copies WHERE url = ?2 AND source_id = ?3),
            updated = ?4
         WHERE id = ?1",
        params![item_id, url, source_id, ts],
    )?;
    if !same_text {
        let text: String = tx.query_row(
            "SELECT text FROM items WHERE id = ?1",
            params![item_id],
            |r| r.get(0),
        )?;
        set_bands(tx, item_id, &text::minhash_bands(&text::shingles(&text)))?;
    }
    Ok(())
}

/// Replaces an item's LSH band keys.
fn set_bands(
    tx: &rusqlite::Transaction<'_>,
    item_id: i64,
    bands: &[i64],
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM item_bands WHERE item_id = ?1",
        params![item_id],
    )?;
    let mut insert =
        tx.prepare_cached("INSERT OR IGNORE INTO item_bands (band_key, item_id) VALUES (?1, ?2)")?;
    for key in bands {
        insert.execute(params![key, item_id])?;
    }
    Ok(())
}

fn insert_copy(
    tx: &rusqlite::Transaction<'_>,
    a: &Article,
    item_id: i64,
    source_id: &str,
    key: &str,
    ts: i64,
) -> Result<(), StoreError> {
    let images = serde_json::to_string(&a.images).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT OR IGNORE INTO copies (url, item_id, source_id, content_key, first_seen,
            title, author, credit, published, sort_ts, content_html, text, images, updated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?5)",
        params![
            a.url,
            item_id,
            source_id,
            key,
            ts,
            a.title,
            a.author,
            a.source,
            a.published.map(|d| d.to_rfc3339()),
            a.published.map(|d| d.timestamp()).unwrap_or(ts),
            a.content_html,
            a.text(),
            images
        ],
    )?;
    Ok(())
}

/// A stored item whose text is a near-duplicate of `body`: a candidate sharing an LSH
/// band, whose shingles contain (or are contained in) `body`'s to at least `threshold`,
/// and which states the same figures. Resemblance alone would merge two reports from one
/// template that differ only in their figures ("120 hộ" against "98 hộ"); so every
/// number of the shorter text must also be in the longer one (a trimmed sentence may drop
/// numbers, a changed figure may not).
fn find_near_duplicate(
    tx: &rusqlite::Transaction<'_>,
    shingles: &text::Shingles,
    bands: &[i64],
    body: &str,
    threshold: f64,
) -> Result<Option<i64>, StoreError> {
    if threshold <= 0.0 || bands.is_empty() {
        return Ok(None);
    }
    let mut candidates: Vec<i64> = Vec::new();
    {
        let mut stmt = tx.prepare_cached("SELECT item_id FROM item_bands WHERE band_key = ?1")?;
        for key in bands {
            for id in stmt.query_map(params![key], |r| r.get::<_, i64>(0))? {
                let id = id?;
                if !candidates.contains(&id) {
                    candidates.push(id);
                }
            }
        }
    }
    let mut text_of = tx.prepare_cached("SELECT text FROM items WHERE id = ?1")?;
    let mut best: Option<(f64, i64)> = None;
    for id in candidates {
        let other: String = text_of.query_row(params![id], |r| r.get(0))?;
        let r = text::resemblance(shingles, &text::shingles(&other));
        if r >= threshold && best.is_none_or(|(b, _)| r > b) && text::same_figures(body, &other) {
            best = Some((r, id));
        }
    }
    Ok(best.map(|(_, id)| id))
}

/// The GUID of a new item: a name-based UUID of its canonical URL, assigned once.
pub fn guid_for(canonical_url: &str) -> String {
    format!(
        "urn:uuid:{}",
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, canonical_url.as_bytes())
    )
}

fn from_ts(ts: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(ts, 0).unwrap_or_default()
}

/// Runs kept per source (see `record_run`).
const RUNS_KEPT: i64 = 100;

/// The columns `run_from_row` reads, in its order.
const RUN_COLUMNS: &str = "source_id, started, finished, ok, status, error, found, new, updated, unchanged, \
                           merged, failed, skipped, notes, next_run";

fn run_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    let count = |i: usize| r.get::<_, i64>(i).map(|n| n as usize);
    Ok(RunRecord {
        source_id: r.get(0)?,
        started: from_ts(r.get(1)?),
        finished: from_ts(r.get(2)?),
        ok: r.get(3)?,
        status: r.get(4)?,
        error: r.get(5)?,
        found: count(6)?,
        new: count(7)?,
        updated: count(8)?,
        unchanged: count(9)?,
        merged: count(10)?,
        failed: count(11)?,
        skipped: count(12)?,
        notes: r
            .get::<_, Option<String>>(13)?
            .map(|n| n.lines().map(str::to_string).collect())
            .unwrap_or_default(),
        next_run: r.get::<_, Option<i64>>(14)?.map(from_ts),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(n: usize) -> Article {
        let paragraphs: Vec<String> = (0..40)
            .map(|i| format!("Đoạn {i} của bài {n}: ủy ban nhân dân huyện tổ chức hội nghị tổng kết công tác năm với sự tham dự của đại biểu các xã số {n}{i}."))
            .collect();
        Article {
            url: format!("http://a.test/tin-tuc/bai-{n}.html"),
            title: format!("Bài số {n}"),
            content_html: paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect(),
            paragraphs,
            published: None,
            author: None,
            source: None,
            images: vec![],
            profile: None,
            container: Default::default(),
        }
    }

    /// `/healthz` answered 200 while every article write failed with "database or disk
    /// is full": its probe takes the write lock, which writes nothing.
    #[test]
    fn a_full_disk_makes_the_database_unwritable_until_a_write_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        store
            .save("a", "http://a.test/1", &article(1), Utc::now())
            .unwrap();
        assert!(store.check_writable().is_ok());
        // The file may grow no further: SQLite's own "database or disk is full".
        let pages: i64 = store
            .writer()
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        store
            .writer()
            .pragma_update(None, "max_page_count", pages)
            .unwrap();
        let mut failed = None;
        for n in 2..200 {
            if let Err(e) = store.save("a", &format!("http://a.test/{n}"), &article(n), Utc::now())
            {
                failed = Some(e);
                break;
            }
        }
        let failed = failed.expect("the database never filled up");
        assert!(failed.to_string().contains("full"), "{failed}");
        let err = store.check_writable().unwrap_err().to_string();
        assert!(err.contains("database or disk is full"), "{err}");
        // Space again: the next write clears it.
        store
            .writer()
            .pragma_update(None, "max_page_count", 1_000_000)
            .unwrap();
        store
            .save("a", "http://a.test/999", &article(999), Utc::now())
            .unwrap();
        assert!(store.check_writable().is_ok());
    }
}
