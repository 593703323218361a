//! Items and identity: storing an article as new, unchanged, corrected in place or merged
//! into a known story, which copy a story shows, and the flapping rule for revisions.

use super::links::upsert_link;
use super::outbox::record_event;
use super::*;
use crate::model::Event;

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
pub(super) const FLAP_REPEATS: i64 = 3;

/// Where a new text differs from the stored one: how many paragraphs stay the same at the
/// start and at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Region {
    same_before: usize,
    same_after: usize,
}

impl Region {
    pub(super) fn between(old: &str, new: &str) -> Region {
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

    pub(super) fn key(self) -> String {
        format!("{}/{}", self.same_before, self.same_after)
    }
}

/// An item's record of re-fetches and changes.
pub(super) struct Flap {
    text: String,
    refetches: i64,
    changes: i64,
    region: Option<String>,
    repeats: i64,
    flapping: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FlapStep {
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
    pub(super) fn read(
        tx: &rusqlite::Transaction<'_>,
        item_id: i64,
        url: &str,
    ) -> Result<Flap, StoreError> {
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
    pub(super) fn repeats_with(&self, region: &str) -> i64 {
        if self.region.as_deref() == Some(region) {
            self.repeats + 1
        } else {
            1
        }
    }

    /// What a change in `region` is for this item.
    pub(super) fn next(&self, region: &str) -> FlapStep {
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
    pub(super) fn region_after(&self, region: &str) -> (String, i64) {
        if self.flapping {
            return (self.region.clone().unwrap_or_default(), self.repeats);
        }
        (region.to_string(), self.repeats_with(region))
    }
}

/// A corrected copy: every source's row for its URL takes the new text. A correction
/// that lost its date keeps the old one.
pub(super) fn update_copy(
    tx: &rusqlite::Transaction<'_>,
    a: &Article,
    key: &str,
    ts: i64,
) -> Result<(), StoreError> {
    let images = serde_json::to_string(&a.images).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "UPDATE copies SET title = ?2, author = ?3, credit = ?4, published = coalesce(?5, published),
            sort_ts = coalesce(?6, sort_ts), content_html = ?7, text = ?8, images = ?9,
            content_key = ?10, updated = ?11, attachments = ?12, categories = ?13, doc_key = ?14
         WHERE url = ?1",
        params![
            a.url,
            a.title,
            a.author,
            a.credit,
            a.published.map(|d| d.to_rfc3339()),
            a.published.map(|d| d.timestamp()),
            a.content_html,
            a.text(),
            images,
            key,
            ts,
            attachments_json(a),
            categories_json(a),
            a.document
        ],
    )?;
    Ok(())
}

/// An article's attachments as the store keeps them.
pub(super) fn attachments_json(a: &Article) -> String {
    serde_json::to_string(&a.attachments).unwrap_or_else(|_| "[]".into())
}

/// An article's categories as the store keeps them.
pub(super) fn categories_json(a: &Article) -> String {
    serde_json::to_string(&a.categories).unwrap_or_else(|_| "[]".into())
}

/// Puts the copy `all` shows into the item: the earliest published, a dated copy before
/// an undated one, then the first seen. The item's text, and so its band keys and its
/// search entry, are that copy's. Nothing is written when it is already shown.
pub(super) fn show_copy(
    tx: &rusqlite::Transaction<'_>,
    item_id: i64,
    ts: i64,
) -> Result<(), StoreError> {
    let (url, source_id): (String, String) = tx.query_row(
        "SELECT url, source_id FROM copies WHERE item_id = ?1
         ORDER BY published IS NULL, sort_ts, first_seen, url, source_id LIMIT 1",
        params![item_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (shown, same_text): (bool, bool) = tx.query_row(
        "SELECT i.url = c.url AND i.source_id = c.source_id AND i.content_key = c.content_key
                AND i.title = c.title AND i.published IS c.published AND i.author IS c.author
                AND i.credit IS c.credit AND i.images = c.images AND i.content_html = c.content_html
                AND i.attachments = c.attachments AND i.categories = c.categories,
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
                text, images, content_key, attachments, categories, doc_key) =
            (SELECT url, source_id, title, author, credit, published, sort_ts, content_html,
                text, images, content_key, attachments, categories, doc_key FROM copies WHERE url = ?2 AND source_id = ?3),
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
pub(super) fn set_bands(
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

pub(super) fn insert_copy(
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
            title, author, credit, published, sort_ts, content_html, text, images, updated,
            attachments, categories, doc_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?5, ?14, ?15, ?16)",
        params![
            a.url,
            item_id,
            source_id,
            key,
            ts,
            a.title,
            a.author,
            a.credit,
            a.published.map(|d| d.to_rfc3339()),
            a.published.map(|d| d.timestamp()).unwrap_or(ts),
            a.content_html,
            a.text(),
            images,
            attachments_json(a),
            categories_json(a),
            a.document
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
pub(super) fn find_near_duplicate(
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

impl Store {
    /// The attachments stored for an article URL (its first copy's), with the sizes and
    /// types earlier `HEAD` requests found: a crawl asks again only of new files.
    pub fn attachments_of(&self, url: &str) -> Result<Vec<crate::model::Attachment>, StoreError> {
        let conn = self.reader();
        let json: Option<String> = conn
            .query_row(
                "SELECT attachments FROM copies WHERE url = ?1 ORDER BY first_seen LIMIT 1",
                params![url],
                |r| r.get(0),
            )
            .optional()?;
        Ok(json
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    /// Stores one fetched article in one transaction and says what that did. `identity`
    /// is `text::Identity::of(&article.paragraphs)`, worked out by the caller.
    pub fn save(
        &self,
        source_id: &str,
        linked_url: &str,
        article: &Article,
        identity: &text::Identity,
        now: DateTime<Utc>,
    ) -> Result<SaveOutcome, StoreError> {
        let result = self.save_article(source_id, linked_url, article, identity, now);
        self.note_write(&result);
        result
    }

    pub(super) fn save_article(
        &self,
        source_id: &str,
        linked_url: &str,
        article: &Article,
        identity: &text::Identity,
        now: DateTime<Utc>,
    ) -> Result<SaveOutcome, StoreError> {
        let text::Identity {
            key,
            shingles,
            bands,
        } = identity;
        let body = article.text();
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
                    title, author, credit, published, sort_ts, content_html, text, images, updated,
                    attachments, categories, doc_key)
                 SELECT url, ?2, item_id, content_key, ?3,
                    title, author, credit, published, sort_ts, content_html, text, images, updated,
                    attachments, categories, doc_key
                 FROM copies WHERE url = ?1 AND item_id = ?4 LIMIT 1",
                params![article.url, source_id, ts, item_id],
            )? > 0;
        }
        let (outcome, item_id) = match existing {
            Some((item_id, old_key)) if old_key == *key => {
                tx.execute(
                    "UPDATE items SET refetches = refetches + 1 WHERE id = ?1",
                    params![item_id],
                )?;
                // The same text with other files (a decision attached late, a link
                // fixed): the copies take them in place, without a revision.
                let files = tx.execute(
                    "UPDATE copies SET attachments = ?2, updated = ?3
                     WHERE url = ?1 AND attachments IS NOT ?2",
                    params![article.url, attachments_json(article), ts],
                )?;
                if files > 0 {
                    show_copy(&tx, item_id, ts)?;
                    (SaveOutcome::Updated, item_id)
                } else {
                    (SaveOutcome::Unchanged, item_id)
                }
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
                        (SaveOutcome::Unchanged, item_id)
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
                        update_copy(&tx, article, key, ts)?;
                        show_copy(&tx, item_id, ts)?;
                        let (region, repeats) = flap.region_after(&region);
                        tx.execute(
                            "UPDATE items SET refetches = refetches + 1, changes = changes + 1,
                                change_region = ?2, region_repeats = ?3, flapping = ?4 WHERE id = ?1",
                            params![item_id, region, repeats, step == FlapStep::StartsFlapping || flap.flapping],
                        )?;
                        (SaveOutcome::Updated, item_id)
                    }
                }
            }
            None => {
                // A register's document is the same item on every register that lists
                // it, by its issuer and number; its text never merges it with another.
                let same: Option<i64> = match &article.document {
                    Some(doc) => tx
                        .query_row(
                            "SELECT item_id FROM copies WHERE doc_key = ?1 LIMIT 1",
                            params![doc],
                            |r| r.get(0),
                        )
                        .optional()?,
                    None => tx
                        .query_row(
                            "SELECT item_id FROM copies WHERE content_key = ?1 AND doc_key IS NULL LIMIT 1",
                            params![key],
                            |r| r.get(0),
                        )
                        .optional()?,
                };
                let near = match same {
                    Some(id) => Some(id),
                    None if article.document.is_some() => None,
                    None => find_near_duplicate(&tx, shingles, bands, &body, self.near_duplicate)?,
                };
                match near {
                    Some(item_id) => {
                        insert_copy(&tx, article, item_id, source_id, key, ts)?;
                        // The original, published first, is what `all` shows, whichever
                        // copy was crawled first.
                        show_copy(&tx, item_id, ts)?;
                        (SaveOutcome::Merged, item_id)
                    }
                    None => {
                        let guid = guid_for(&article.url);
                        let published = article.published.map(|d| d.to_rfc3339());
                        let sort_ts = article.published.map(|d| d.timestamp()).unwrap_or(ts);
                        let images =
                            serde_json::to_string(&article.images).unwrap_or_else(|_| "[]".into());
                        tx.execute(
                            "INSERT INTO items (guid, url, source_id, title, author, credit, published, sort_ts,
                                content_html, text, images, content_key, first_seen, updated, attachments,
                                categories, doc_key)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16)",
                            params![
                                guid,
                                article.url,
                                source_id,
                                article.title,
                                article.author,
                                article.credit,
                                published,
                                sort_ts,
                                article.content_html,
                                article.text(),
                                images,
                                key,
                                ts,
                                attachments_json(article),
                                categories_json(article),
                                article.document
                            ],
                        )?;
                        let item_id = tx.last_insert_rowid();
                        set_bands(&tx, item_id, bands)?;
                        insert_copy(&tx, article, item_id, source_id, key, ts)?;
                        (SaveOutcome::New, item_id)
                    }
                }
            }
        };
        // What the change announces, in this transaction (see `outbox`).
        if outcome == SaveOutcome::Updated {
            tx.execute(
                "UPDATE items SET revision = revision + 1 WHERE id = ?1",
                params![item_id],
            )?;
        }
        let event = match outcome {
            SaveOutcome::New => Some(Event::New),
            SaveOutcome::Updated => Some(Event::Updated),
            SaveOutcome::Merged => Some(Event::Copy),
            SaveOutcome::Unchanged => None,
        };
        // A URL new to this source (another source listed it first) is news to its feed.
        for event in event.into_iter().chain(new_here.then_some(Event::Copy)) {
            record_event(&tx, item_id, source_id, event, ts)?;
        }
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
}
