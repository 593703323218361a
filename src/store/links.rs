//! Links and the HTTP cache: which URLs a source has seen and when, which were not
//! articles, and the validators of a conditional GET.

use super::*;

/// Bookkeeping for a link found on an index.
#[derive(Debug, Clone)]
pub struct LinkState {
    pub first_seen: DateTime<Utc>,
    pub last_checked: DateTime<Utc>,
}

/// A link that is its own canonical URL, seen now: recorded, or its check time moved.
pub(super) fn upsert_link(
    conn: &Connection,
    source_id: &str,
    url: &str,
    ts: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO links (source_id, url, canonical_url, first_seen, last_checked) VALUES (?1, ?2, ?2, ?3, ?3)
         ON CONFLICT(source_id, url) DO UPDATE SET last_checked = excluded.last_checked",
        params![source_id, url, ts],
    )?;
    Ok(())
}

impl Store {
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
}
