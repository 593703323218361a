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

mod feeds;
mod items;
mod links;
mod outbox;
mod runs;
mod schema;

pub use feeds::fts_query;
pub use items::{flapping_note, guid_for};
pub use links::LinkState;
pub use outbox::{Delivery, NewDelivery, OutboxEvent, SubscribeRefusal, Subscription};

pub use crate::model::{
    CustomFeed, DEFAULT_NEAR_DUPLICATE, FeedItem, FeedScope, RunRecord, SaveOutcome, SourceEntry,
    SourceHealth, SourceOverview,
};

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::model::Article;
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
        let mut write = open(path)?;
        schema::configure(&write).map_err(named)?;
        // Every write transaction takes the write lock when it begins, waiting for it
        // under the busy timeout. A deferred one reads first and asks for the lock when
        // it first writes; if another connection (a `portalfeed crawl` or `sources` next
        // to the daemon) wrote in between, SQLite cannot wait and fails the transaction
        // at once with "database is locked".
        write.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
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

fn from_ts(ts: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(ts, 0).unwrap_or_default()
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
            credit: None,
            images: vec![],
            attachments: vec![],
            categories: vec![],
            document: None,
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
        let save = |n: usize| {
            let a = article(n);
            let url = format!("http://a.test/{n}");
            store.save(
                "a",
                &url,
                &a,
                &text::Identity::of(&a.paragraphs),
                Utc::now(),
            )
        };
        save(1).unwrap();
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
            if let Err(e) = save(n) {
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
        save(999).unwrap();
        assert!(store.check_writable().is_ok());
    }
}
