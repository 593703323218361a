//! Feed queries: the items of a feed scope, in order, and full-text search expressions.

use super::*;

/// Phrases as an FTS5 expression matching any of them: `("dan van kheo") OR ("dang uy")`.
pub(super) fn fts_any(phrases: &[String]) -> Option<String> {
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

impl Store {
    /// The newest items of a feed, by publication date.
    pub fn feed_items(&self, scope: &FeedScope, limit: usize) -> Result<Vec<FeedItem>, StoreError> {
        self.feed_queries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.query_items(scope, None, limit)
    }

    /// One item as a feed shows it (a source's feed shows that source's copy), or `None`
    /// when the feed does not hold it: what a webhook announces, and whether it should.
    pub fn feed_item(
        &self,
        scope: &FeedScope,
        item_id: i64,
    ) -> Result<Option<FeedItem>, StoreError> {
        Ok(self.query_items(scope, Some(item_id), 1)?.pop())
    }

    fn query_items(
        &self,
        scope: &FeedScope,
        only: Option<i64>,
        limit: usize,
    ) -> Result<Vec<FeedItem>, StoreError> {
        use rusqlite::types::Value;
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
                let news = f.kinds.contains(&crate::model::ItemKind::News);
                let documents = f.kinds.contains(&crate::model::ItemKind::Documents);
                if news != documents {
                    cond.push_str(if documents {
                        " AND i.doc_key IS NOT NULL"
                    } else {
                        " AND i.doc_key IS NULL"
                    });
                }
                ("i", "items i", cond, args)
            }
        };
        if let Some(id) = only {
            cond.push_str(" AND i.id = ?");
            args.push(Value::Integer(id));
        }
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
                    {t}.content_html, {t}.text, {t}.source_id, s.name, {t}.images, s.url, {t}.attachments, {t}.categories,
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
                            .get::<_, Option<String>>(16)?
                            .map(|t| t.split(',').map(str::to_string).collect())
                            .unwrap_or_default(),
                        images: serde_json::from_str(&images).unwrap_or_default(),
                        attachments: serde_json::from_str(&r.get::<_, String>(14)?)
                            .unwrap_or_default(),
                        categories: serde_json::from_str(&r.get::<_, String>(15)?)
                            .unwrap_or_default(),
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

    /// Counts items (all, or one source's).
    pub fn item_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .reader()
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))?;
        Ok(n as usize)
    }
}
