//! One source run: index → links → articles → identity → store.
//!
//! A failure of the index fails the run; a failure of one article is counted, noted and
//! the others go on. Known articles are skipped, except while they are young enough to be
//! corrected: those are re-checked (with a conditional GET) at intervals that grow with
//! their age, a quarter of it, so a fresh article is re-read on every run and a
//! three-day-old one about daily. When the index answers 304, the young articles are
//! re-checked from the database instead.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use tracing::{debug, info, warn};
use url::Url;

use crate::config::{IndexKind, SourceConfig};
use crate::extract;
use crate::fetch::{FetchError, Fetcher, SourcePolicy};
use crate::index::{self, Link, Sitemap};
use crate::model::{RunRecord, SaveOutcome};
use crate::store::{LinkState, Store, StoreError};
use crate::text;

/// At most this many notes are kept per run.
const MAX_NOTES: usize = 5;
/// Child sitemaps read from a sitemap index, newest first.
const MAX_CHILD_SITEMAPS: usize = 3;
/// Counts what storing one item did.
fn tally(run: &mut RunRecord, outcome: SaveOutcome) {
    match outcome {
        SaveOutcome::New => run.new += 1,
        SaveOutcome::Updated => run.updated += 1,
        SaveOutcome::Unchanged => run.unchanged += 1,
        SaveOutcome::Merged => run.merged += 1,
    }
}

/// A run in which items failed and none was stored fails, with the first reason.
fn all_failed(run: &RunRecord) -> Result<(), RunError> {
    if run.failed > 0 && run.new + run.updated + run.unchanged + run.merged == 0 {
        return Err(RunError::AllArticlesFailed {
            failed: run.failed,
            first: run.notes.first().cloned().unwrap_or_default(),
        });
    }
    Ok(())
}

/// `HEAD` requests per article for its files' sizes and types.
const MAX_HEADS: usize = 5;

/// What a file's answer to `HEAD` says of it: its media type (without parameters) and
/// size. `None` when the answer is a web page (a handler that shows a form or a login
/// instead of the file): its type and length are the page's, not the file's.
fn file_facts(
    content_type: Option<&str>,
    length: Option<u64>,
) -> Option<(Option<String>, Option<u64>)> {
    let ty = content_type
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|t| !t.is_empty());
    if matches!(ty.as_deref(), Some("text/html" | "application/xhtml+xml")) {
        return None;
    }
    Some((ty, length))
}

/// Feeds read per list page for evidence of its articles (a page advertises its
/// section's feed and often the site's).
const MAX_ADVERTISED_FEEDS: usize = 2;

/// What a run needs besides the source itself.
#[derive(Clone)]
pub struct Crawler {
    pub fetcher: Fetcher,
    pub store: Arc<Store>,
    pub recheck_for: Duration,
    /// Set when the daemon is stopping: the run finishes the page in hand and stops.
    pub stop: Arc<AtomicBool>,
    /// Runs allowed at the same time (`[daemon] max_running`); a run waits for a slot.
    pub running: Arc<tokio::sync::Semaphore>,
    /// Extractions and saves at the same time: one per core. They run on blocking
    /// threads, so a burst of pages never holds up the async workers serving feeds, and
    /// no more are in hand than the cores can work on (each holds a page's DOM).
    pub work: Arc<tokio::sync::Semaphore>,
    /// Who watches the runs as they go (`crawl` on a terminal); nobody in the daemon.
    pub progress: Option<Arc<dyn Progress>>,
}

/// What a run reports while it goes, for a person watching.
pub trait Progress: Send + Sync {
    /// The index was read: this many article links, of which at most `to_fetch` are
    /// fetched this run.
    fn links(&self, source: &str, found: usize, to_fetch: usize);
    /// One more article handled: `done` so far, `new` of them stored as new.
    fn article(&self, source: &str, done: usize, new: usize);
    /// The run is over.
    fn finished(&self, run: &RunRecord);
}

/// Why the index could not be read: the HTTP status when there was one, and the reason.
/// Why a source's run failed as a whole, with its cause.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTML list page could not be read (too deep, a bad selector).
    #[error(transparent)]
    List(#[from] index::IndexError),
    /// A feed or sitemap index that is not one.
    #[error("{url}: {source}")]
    Index {
        url: String,
        #[source]
        source: index::IndexError,
    },
    /// Reading a list page panicked or was cancelled.
    #[error("reading the list page stopped: {0}")]
    Stopped(#[from] tokio::task::JoinError),
    #[error("all {failed} articles failed; first: {first}")]
    AllArticlesFailed { failed: usize, first: String },
    /// The index was read and holds no article link: an empty run is a failure with its
    /// reason, never a quiet success.
    #[error(
        "{url}: no article links found (an empty feed or sitemap, or a list page none of whose links read as stories: set `links` to the list's CSS selector; `portalfeed discover` shows what it finds)"
    )]
    NoLinks { url: String },
    /// A register page with no document row: the markup is not one the reader knows.
    #[error(
        "{url}: no documents found in the register (no table with a \"Số/Ký hiệu\" column and no cards labelled \"Số hiệu:\"; set [source.documents] rows and its fields)"
    )]
    NoDocuments { url: String },
}

impl RunError {
    /// The HTTP status that failed the run, when one did.
    pub fn status(&self) -> Option<u16> {
        match self {
            RunError::Fetch(e) => e.status(),
            _ => None,
        }
    }
}

/// Why one article was not stored: skipped on purpose, or failed, with the cause.
#[derive(Debug, thiserror::Error)]
pub enum ArticleError {
    /// Not fetched on purpose: robots.txt or the address policy.
    #[error(transparent)]
    NotFetched(FetchError),
    /// Fetched and judged not an article: a list, a menu or a contact page.
    #[error("{url}: {why}")]
    NotAnArticle { url: String, why: String },
    #[error(transparent)]
    Fetch(FetchError),
    #[error("{url}: {source}")]
    Extract {
        url: String,
        #[source]
        source: extract::ExtractError,
    },
    #[error("{url}: no article text found")]
    NoText { url: String },
    /// A conditional GET said 304 where a page was needed.
    #[error("{url}: not modified")]
    NotModified { url: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Extraction panicked or was cancelled: this article fails, not the run.
    #[error("extraction stopped: {0}")]
    Stopped(#[from] tokio::task::JoinError),
}

impl ArticleError {
    /// Skipped on purpose rather than failed: counted apart, and not a reason to retry.
    pub fn is_skipped(&self) -> bool {
        matches!(
            self,
            ArticleError::NotFetched(_) | ArticleError::NotAnArticle { .. }
        )
    }
}

impl From<FetchError> for ArticleError {
    fn from(e: FetchError) -> Self {
        match e {
            FetchError::Robots { .. } | FetchError::Refused(_) => ArticleError::NotFetched(e),
            e => ArticleError::Fetch(e),
        }
    }
}

fn note(run: &mut RunRecord, line: String) {
    if run.notes.len() < MAX_NOTES && !run.notes.contains(&line) {
        run.notes.push(line);
    }
}

impl Crawler {
    /// Permits for `work`: the cores this process may use.
    pub fn work_slots() -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    }

    /// Runs a source once. The caller records the result (it knows the next run time).
    pub async fn run(&self, source: &SourceConfig) -> RunRecord {
        // A closed semaphore cannot happen (it is never closed); run anyway if it does.
        let _slot = self.running.acquire().await.ok();
        let started = Utc::now();
        let mut run = RunRecord {
            source_id: source.id.clone(),
            started,
            finished: started,
            ..Default::default()
        };
        match self.run_inner(source, &mut run).await {
            Ok(()) => run.ok = true,
            Err(e) => {
                let message = e.to_string();
                warn!(source = %source.id, url = %source.url, error = %message, "source run failed");
                run.ok = false;
                run.status = e.status().or(run.status);
                run.error = Some(message);
            }
        }
        if run.ok && run.error.is_none() {
            run.error = run.notes.first().cloned();
        }
        run.finished = Utc::now();
        let m = &crate::metrics::METRICS;
        use std::sync::atomic::Ordering::Relaxed;
        m.items_new.fetch_add(run.new as u64, Relaxed);
        m.items_updated.fetch_add(run.updated as u64, Relaxed);
        m.items_merged.fetch_add(run.merged as u64, Relaxed);
        m.run_finished(
            run.ok,
            (run.finished - run.started).num_milliseconds().max(0) as f64 / 1000.0,
        );
        info!(
            source = %source.id,
            found = run.found, new = run.new, updated = run.updated, unchanged = run.unchanged,
            merged = run.merged, failed = run.failed, skipped = run.skipped, ok = run.ok,
            "source run finished"
        );
        if let Some(p) = &self.progress {
            p.finished(&run);
        }
        run
    }

    async fn run_inner(&self, source: &SourceConfig, run: &mut RunRecord) -> Result<(), RunError> {
        let policy = SourcePolicy::from(source);
        if source.kind == IndexKind::Documents {
            return self.register_run(source, &policy, run).await;
        }
        let links = match self.index_links(source, &policy, run).await? {
            Some(links) => links,
            None => {
                debug!(source = %source.id, "index not modified; re-checking young articles");
                let since =
                    Utc::now() - chrono::Duration::from_std(self.recheck_for).unwrap_or_default();
                self.store
                    .recent_links(&source.id, since)?
                    .into_iter()
                    .filter_map(|u| Url::parse(&u).ok())
                    .map(|url| Link {
                        url,
                        title: String::new(),
                    })
                    .collect()
            }
        };
        run.found = links.len();
        if let Some(p) = &self.progress {
            p.links(&source.id, links.len(), links.len().min(source.max_items));
        }
        let mut fetched = 0usize;
        for link in links {
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            if let Err(reason) = policy.check(&link.url) {
                run.skipped += 1;
                note(run, format!("link not followed: {reason}"));
                continue;
            }
            let state = self.store.link_state(&source.id, link.url.as_str())?;
            if let Some(state) = &state
                && !self.due_for_recheck(state)
            {
                run.unchanged += 1;
                continue;
            }
            if fetched >= source.max_items {
                continue;
            }
            fetched += 1;
            match self.article(source, &policy, &link, state.is_some()).await {
                Ok(outcome) => tally(run, outcome),
                Err(e) if e.is_skipped() => {
                    run.skipped += 1;
                    note(run, e.to_string());
                }
                Err(e) => {
                    let reason = e.to_string();
                    warn!(source = %source.id, url = %link.url, error = %reason, "article failed");
                    run.failed += 1;
                    note(run, reason);
                }
            }
            if let Some(p) = &self.progress {
                p.article(&source.id, fetched, run.new);
            }
        }
        all_failed(run)
    }

    /// The article links of the source's index, or `None` when the index has not changed
    /// since the last run (a 304).
    async fn index_links(
        &self,
        source: &SourceConfig,
        policy: &SourcePolicy,
        run: &mut RunRecord,
    ) -> Result<Option<Vec<Link>>, RunError> {
        let Some(resp) = self.fetch_index(source, policy, run).await? else {
            return Ok(None);
        };
        self.store
            .set_validators(source.url.as_str(), &resp.validators, Utc::now())?;
        let not_articles: HashSet<Url> = self
            .store
            .not_articles(&source.id)?
            .iter()
            .filter_map(|u| Url::parse(u).ok())
            .collect();
        let mut notes = Vec::new();
        let links = follow_index(
            &self.fetcher,
            source,
            policy,
            resp,
            &Arc::new(not_articles),
            &mut notes,
        )
        .await?;
        for n in notes {
            note(run, n);
        }
        if links.is_empty() {
            return Err(RunError::NoLinks {
                url: source.url.to_string(),
            });
        }
        Ok(Some(links))
    }

    /// The source's index page, asked for conditionally; `None` when it has not changed
    /// since the last run (a 304).
    async fn fetch_index(
        &self,
        source: &SourceConfig,
        policy: &SourcePolicy,
        run: &mut RunRecord,
    ) -> Result<Option<crate::fetch::Response>, RunError> {
        let validators = self.store.validators(source.url.as_str())?;
        let resp = self
            .fetcher
            .get(&source.url, policy, validators.as_ref())
            .await?;
        run.status = Some(resp.status);
        Ok((!resp.not_modified).then_some(resp))
    }

    /// A register's run: its pages read as rows, each row stored as an item under its
    /// document's identity (issuer and number), so a re-run adds nothing, a corrected
    /// summary updates the item in place, and the same document on another register
    /// merges into it. No document page is fetched; each file gets one `HEAD`.
    async fn register_run(
        &self,
        source: &SourceConfig,
        policy: &SourcePolicy,
        run: &mut RunRecord,
    ) -> Result<(), RunError> {
        let Some(resp) = self.fetch_index(source, policy, run).await? else {
            return Ok(());
        };
        let first_validators = resp.validators.clone();
        let mut notes = Vec::new();
        let rows = read_register(&self.fetcher, source, policy, resp, &mut notes).await?;
        for n in notes {
            note(run, n);
        }
        if rows.is_empty() {
            return Err(RunError::NoDocuments {
                url: source.url.to_string(),
            });
        }
        run.found = rows.len();
        for row in rows.into_iter().take(source.max_items) {
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            let mut article = row.to_article(&source.url);
            self.describe_attachments(&mut article, policy).await;
            let store = self.store.clone();
            let source_id = source.id.clone();
            let saved: Result<SaveOutcome, ArticleError> = tokio::task::spawn_blocking(move || {
                let identity = text::Identity::of(&article.paragraphs);
                Ok(store.save(&source_id, &article.url, &article, &identity, Utc::now())?)
            })
            .await
            .unwrap_or_else(|e| Err(e.into()));
            match saved {
                Ok(outcome) => tally(run, outcome),
                Err(e) => {
                    run.failed += 1;
                    note(run, format!("{}: {e}", row.number));
                }
            }
        }
        all_failed(run)?;
        // Only once every row is stored: a run cut short reads the page again.
        self.store
            .set_validators(source.url.as_str(), &first_validators, Utc::now())?;
        Ok(())
    }

    /// Sizes and types for the article's files: what earlier runs found, else what the
    /// file's server answers to a `HEAD` (at most [`MAX_HEADS`] per article, under the
    /// source's policy). A file is never fetched; one whose server does not answer goes
    /// out without them, and is asked again on the next fetch of its article.
    async fn describe_attachments(&self, article: &mut extract::Article, policy: &SourcePolicy) {
        if article.attachments.is_empty() {
            return;
        }
        let known = self.store.attachments_of(&article.url).unwrap_or_default();
        let mut asked = 0;
        for a in &mut article.attachments {
            if let Some(k) = known.iter().find(|k| k.url == a.url && k.length.is_some()) {
                a.length = k.length;
                a.media_type = k.media_type.clone().or(a.media_type.take());
                continue;
            }
            if asked >= MAX_HEADS {
                continue;
            }
            asked += 1;
            let Ok(file_url) = Url::parse(&a.url) else {
                continue;
            };
            match self.fetcher.head(&file_url, policy).await {
                Ok(resp) => {
                    if let Some((ty, length)) =
                        file_facts(resp.content_type.as_deref(), resp.declared_length)
                    {
                        a.media_type = ty.or(a.media_type.take());
                        a.length = length;
                    }
                }
                Err(e) => debug!(url = %a.url, "no HEAD for the attachment: {e}"),
            }
        }
    }

    fn due_for_recheck(&self, state: &LinkState) -> bool {
        let now = Utc::now();
        let age = (now - state.first_seen).to_std().unwrap_or_default();
        let since = (now - state.last_checked).to_std().unwrap_or_default();
        age < self.recheck_for && since >= age / 4
    }

    async fn article(
        &self,
        source: &SourceConfig,
        policy: &SourcePolicy,
        link: &Link,
        known: bool,
    ) -> Result<SaveOutcome, ArticleError> {
        let url = &link.url;
        // Re-checks are conditional: an unchanged page costs the portal a 304.
        let validators = if known {
            self.store.validators(url.as_str())?
        } else {
            None
        };
        let page = match self
            .fetcher
            .get_html(url, policy, validators.as_ref())
            .await
        {
            Ok(Some(p)) => p,
            Ok(None) => {
                self.store
                    .touch_link(&source.id, url.as_str(), Utc::now())?;
                return Ok(SaveOutcome::Unchanged);
            }
            Err(e) => return Err(e.into()),
        };
        // Parsing, extraction and the write are CPU and SQLite work: off the async
        // workers (see `work`). A panic there fails this article, not the run.
        let _slot = self.work.acquire().await.ok();
        let store = self.store.clone();
        let rules = source.article.clone();
        let (source_id, url) = (source.id.clone(), url.to_string());
        let hint = link.title.clone();
        let (page, mut article) = tokio::task::spawn_blocking({
            let (store, source_id, url) = (store.clone(), source_id.clone(), url.clone());
            move || match article_of(&page, &rules, &hint) {
                Ok(a) => Ok((page, a)),
                Err(e) if e.is_skipped() => {
                    // Remembered, so that later runs re-check it as cheaply as a known
                    // article (a conditional GET while young) instead of fetching it anew.
                    store.remember_link(&source_id, &url, Utc::now())?;
                    store.set_validators(&url, &page.validators, Utc::now())?;
                    Err(e)
                }
                Err(e) => Err(e),
            }
        })
        .await
        .unwrap_or_else(|e| Err(e.into()))?;
        self.describe_attachments(&mut article, policy).await;
        tokio::task::spawn_blocking(move || {
            let identity = text::Identity::of(&article.paragraphs);
            let outcome = store.save(&source_id, &url, &article, &identity, Utc::now())?;
            store.set_validators(&url, &page.validators, Utc::now())?;
            Ok(outcome)
        })
        .await
        .unwrap_or_else(|e| Err(e.into()))
    }
}

/// A list page's article links and its next page, from one parse. Parsing is CPU work
/// whose cost grows with the page: it runs off the async workers, so that a huge or
/// deeply nested index never stalls the daemon's other sources or its HTTP server.
async fn list_page(
    html: String,
    url: Url,
    source: &SourceConfig,
    evidence: &Arc<index::Evidence>,
) -> Result<(Vec<Link>, Option<Url>), RunError> {
    let source = source.clone();
    let evidence = evidence.clone();
    tokio::task::spawn_blocking(move || {
        index::read_list(&html, &url, &source, &evidence).map_err(RunError::from)
    })
    .await
    .unwrap_or_else(|e| Err(e.into()))
}

/// The links the feeds a list page advertises carry: the site's own word on which of
/// the page's links are articles. At most [`MAX_ADVERTISED_FEEDS`] are read. One that
/// cannot be read is logged at debug, not noted: many portals advertise a feed that is
/// long gone, and the list is then judged on its own, as without one.
async fn listed_by_feeds(
    fetcher: &Fetcher,
    policy: &SourcePolicy,
    html: &str,
    page_url: &Url,
) -> HashSet<Url> {
    let mut listed = HashSet::new();
    for feed in index::advertised_feeds(html, page_url)
        .into_iter()
        .take(MAX_ADVERTISED_FEEDS)
    {
        let read = match fetcher.get(&feed, policy, None).await {
            Ok(resp) => index::feed_links(&resp.body, &resp.url).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match read {
            Ok(links) => listed.extend(links.into_iter().map(|l| l.url)),
            Err(e) => debug!(%feed, "the feed the list page advertises is not read: {e}"),
        }
    }
    listed
}

/// The pages the sitemaps a site's robots.txt names list: its own word on which URLs
/// are articles, for a list page whose links have no article's shape. The first
/// sitemap on the site is read, and for a sitemap index its newest child; nothing is
/// read when the source does not follow robots.txt. What cannot be read is logged at
/// debug: the run then fails as it would have, with its reason.
async fn listed_by_sitemaps(
    fetcher: &Fetcher,
    policy: &SourcePolicy,
    page_url: &Url,
) -> HashSet<Url> {
    let mut listed = HashSet::new();
    if !policy.robots {
        return listed;
    }
    let sitemaps = match fetcher.robots_sitemaps(page_url, policy).await {
        Ok(s) => s,
        Err(e) => {
            debug!(%page_url, "robots.txt names no readable sitemap: {e}");
            return listed;
        }
    };
    let Some(mut sitemap) = sitemaps.into_iter().find(|u| text::same_site(u, page_url)) else {
        return listed;
    };
    // A sitemap index leads one level down, to its newest sitemap.
    for _ in 0..2 {
        let read = match fetcher.get(&sitemap, policy, None).await {
            Ok(resp) => index::parse_sitemap(&resp.body, &resp.url).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match read {
            Ok(Sitemap::Urls(links)) => {
                listed.extend(links.into_iter().map(|l| l.url));
                break;
            }
            Ok(Sitemap::Index(children)) => match children.into_iter().next() {
                Some(child) => sitemap = child,
                None => break,
            },
            Err(e) => {
                debug!(%sitemap, "the site's sitemap is not read: {e}");
                break;
            }
        }
    }
    listed
}

/// Page `n` (2, 3, …) of a paged index or register: the source's `page_url` with `{n}`,
/// else the next link the page before gave. `None` at the end, or when the page cannot be
/// read (noted as "`what` page n: why": the pages read so far stand).
async fn following_page(
    fetcher: &Fetcher,
    source: &SourceConfig,
    policy: &SourcePolicy,
    n: usize,
    next_link: Option<Url>,
    what: &str,
    notes: &mut Vec<String>,
) -> Option<crate::fetch::Page> {
    let next = match &source.page_url {
        Some(t) => Url::parse(&t.replace("{n}", &n.to_string())).ok(),
        None => next_link,
    }?;
    match fetcher.get_html(&next, policy, None).await {
        Ok(page) => page,
        Err(e) => {
            notes.push(format!("{what} page {n}: {e}"));
            None
        }
    }
}

/// The documents of a register whose first page is `first`, and of its following pages
/// up to `max_pages` (the next-page link, or `page_url`), each document once.
pub async fn read_register(
    fetcher: &Fetcher,
    source: &SourceConfig,
    policy: &SourcePolicy,
    first: crate::fetch::Response,
    notes: &mut Vec<String>,
) -> Result<Vec<index::register::Row>, RunError> {
    let parse = |html: String, url: Url, rules: crate::model::RegisterRules| async move {
        tokio::task::spawn_blocking(move || {
            index::register::read_register(&html, &url, &rules).map_err(RunError::from)
        })
        .await
        .unwrap_or_else(|e| Err(e.into()))
    };
    let html = decode(&first)?;
    let (mut rows, mut next_link) =
        parse(html, first.url.clone(), source.documents.clone()).await?;
    for n in 2..=source.max_pages {
        let Some(page) = following_page(
            fetcher,
            source,
            policy,
            n,
            next_link.take(),
            "register",
            notes,
        )
        .await
        else {
            break;
        };
        let (more, after) = parse(page.html, page.url, source.documents.clone()).await?;
        let known: HashSet<String> = rows.iter().map(|r| r.key()).collect();
        rows.extend(more.into_iter().filter(|r| !known.contains(&r.key())));
        next_link = after;
    }
    Ok(rows)
}

/// The article links of an index whose first page is `first`: for an HTML list, its
/// further pages up to `max_pages`; for a sitemap index, its newest child sitemaps. What
/// goes wrong after the first page is added to `notes` and the links found so far stand.
/// `not_articles` are the links earlier runs found not to be articles (see
/// [`index::read_list`]). `portalfeed discover` calls this too, so the sample it shows
/// is what runs will take.
pub async fn follow_index(
    fetcher: &Fetcher,
    source: &SourceConfig,
    policy: &SourcePolicy,
    first: crate::fetch::Response,
    not_articles: &Arc<HashSet<Url>>,
    notes: &mut Vec<String>,
) -> Result<Vec<Link>, RunError> {
    let resp = first;
    let mut links = match source.kind {
        // A register's rows, as the links to their documents (what `discover` samples).
        IndexKind::Documents => {
            let rows = read_register(fetcher, source, policy, resp, notes).await?;
            rows.iter().map(|r| r.link(&source.url)).collect()
        }
        IndexKind::Html => {
            let html = decode(&resp)?;
            // With no `links` selector the list is found by its shape; the feeds the page
            // advertises say which links are articles.
            let listed = match &source.links {
                None => listed_by_feeds(fetcher, policy, &html, &resp.url).await,
                Some(_) => HashSet::new(),
            };
            let mut evidence = Arc::new(index::Evidence {
                not_articles: not_articles.as_ref().clone(),
                listed,
            });
            let (mut links, mut next_link) =
                list_page(html, resp.url.clone(), source, &evidence).await?;
            // A list none of whose links reads as a story may still be one: the site's
            // sitemaps (named in its robots.txt) are asked, only then, which of the page's
            // links are articles.
            if links.is_empty() && source.links.is_none() {
                let by_sitemap = listed_by_sitemaps(fetcher, policy, &resp.url).await;
                if !by_sitemap.is_empty() {
                    let mut more = evidence.as_ref().clone();
                    more.listed.extend(by_sitemap);
                    evidence = Arc::new(more);
                    // Decoded again: only this rare path needs the page twice.
                    (links, next_link) =
                        list_page(decode(&resp)?, resp.url.clone(), source, &evidence).await?;
                    if !links.is_empty() {
                        notes.push(format!(
                            "{} links of the list were recognised by the site's sitemap",
                            links.len()
                        ));
                    }
                }
            }
            for n in 2..=source.max_pages {
                let Some(page) =
                    following_page(fetcher, source, policy, n, next_link.take(), "index", notes)
                        .await
                else {
                    break;
                };
                let (more, after) = list_page(page.html, page.url, source, &evidence).await?;
                let known: HashSet<Url> = links.iter().map(|l| l.url.clone()).collect();
                links.extend(more.into_iter().filter(|l| !known.contains(&l.url)));
                next_link = after;
            }
            links
        }
        IndexKind::Feed => {
            index::feed_links(&resp.body, &resp.url).map_err(|source| RunError::Index {
                url: resp.url.to_string(),
                source,
            })?
        }
        IndexKind::Sitemap => {
            match index::parse_sitemap(&resp.body, &resp.url).map_err(|source| RunError::Index {
                url: resp.url.to_string(),
                source,
            })? {
                Sitemap::Urls(links) => links,
                Sitemap::Index(children) => {
                    let mut links = Vec::new();
                    for child in children.into_iter().take(MAX_CHILD_SITEMAPS) {
                        match fetcher.get(&child, policy, None).await {
                            Ok(r) => match index::parse_sitemap(&r.body, &r.url) {
                                Ok(Sitemap::Urls(more)) => links.extend(more),
                                Ok(Sitemap::Index(_)) => {
                                    notes.push(format!("{child}: nested sitemap index ignored"))
                                }
                                Err(e) => notes.push(format!("{child}: {e}")),
                            },
                            Err(e) => notes.push(format!("{child}: {e}")),
                        }
                    }
                    links
                }
            }
        }
    };
    if let Some(re) = &source.link_pattern
        && source.kind != IndexKind::Html
    {
        links.retain(|l| re.is_match(l.url.as_str()));
    }
    Ok(links)
}

/// What a run would store for one article URL, without storing it: `portalfeed preview`
/// and `discover`'s sample.
pub async fn read_article(
    fetcher: &Fetcher,
    source: &SourceConfig,
    url: &Url,
) -> Result<(crate::fetch::Page, extract::Article), ArticleError> {
    let policy = SourcePolicy::from(source);
    let page =
        fetcher
            .get_html(url, &policy, None)
            .await?
            .ok_or_else(|| ArticleError::NotModified {
                url: url.to_string(),
            })?;
    let article = article_of(&page, &source.article, "")?;
    Ok((page, article))
}

/// The article of a fetched page under the source's rules, with the text of the list's
/// link to it (empty when none is known) as the headline's hint. A page without body text
/// fails; a page that is not an article (a list, a menu or contact page: see
/// [`extract::extract_judged`]) is skipped. Neither becomes an item.
fn article_of(
    page: &crate::fetch::Page,
    rules: &extract::ArticleRules,
    link_text: &str,
) -> Result<extract::Article, ArticleError> {
    let hint = Some(link_text).filter(|t| !t.trim().is_empty());
    let (article, not_an_article) = extract::extract_judged(&page.html, &page.url, rules, hint)
        .map_err(|source| ArticleError::Extract {
            url: page.url.to_string(),
            source,
        })?;
    if article.paragraphs.is_empty() {
        return Err(ArticleError::NoText {
            url: page.url.to_string(),
        });
    }
    if let Some(why) = not_an_article {
        return Err(ArticleError::NotAnArticle {
            url: page.url.to_string(),
            why,
        });
    }
    Ok(article)
}

fn decode(resp: &crate::fetch::Response) -> Result<String, FetchError> {
    crate::fetch::decode::decode_html(&resp.body, resp.content_type.as_deref())
        .map(|d| d.text)
        .map_err(|source| FetchError::Decode {
            url: resp.url.to_string(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_that_answers_with_a_page_says_nothing_of_the_file() {
        assert_eq!(
            file_facts(Some("application/PDF; name=qd.pdf"), Some(48_213)),
            Some((Some("application/pdf".to_string()), Some(48_213)))
        );
        assert_eq!(file_facts(None, Some(10)), Some((None, Some(10))));
        // A download handler that shows a login or a form instead of the file.
        assert_eq!(
            file_facts(Some("text/html; charset=utf-8"), Some(5_120)),
            None
        );
    }

    #[test]
    fn a_menu_page_reached_by_a_wrong_link_is_skipped_with_a_reason_not_stored() {
        let menu = r#"<ul><li><a href="/gioi-thieu/tong-quan.html">Tổng quan</a></li><li><a href="/gioi-thieu/lich-su.html">Lịch sử</a></li><li><a href="/lien-he.html">Liên hệ</a></li></ul>"#;
        let page = crate::fetch::Page {
            url: Url::parse("http://portal.test/gioi-thieu/tong-quan.html").unwrap(),
            status: 200,
            html: format!(
                "<html><body>{menu}<h1>Tổng quan</h1><div class=\"content\"><p>Huyện nằm ở phía tây của tỉnh, có diện tích tự nhiên hơn 1.200 km² và dân số khoảng 40 nghìn người, gồm nhiều dân tộc anh em cùng sinh sống.</p></div></body></html>"
            ),
            validators: Default::default(),
        };
        match article_of(&page, &extract::ArticleRules::default(), "Tổng quan") {
            Err(e) if e.is_skipped() => {
                let why = e.to_string();
                assert!(
                    why.starts_with("http://portal.test/gioi-thieu/tong-quan.html: "),
                    "{why}"
                );
                assert!(why.contains("menu"), "{why}");
            }
            other => panic!("a menu page must be skipped, got {other:?}"),
        }
    }

    #[test]
    fn the_lists_link_text_reaches_the_headline() {
        let body = "<p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm với sự tham dự của nhiều đại biểu và lãnh đạo các xã.</p>";
        let page = crate::fetch::Page {
            url: Url::parse("http://portal.test/tin-tuc/bai-1.html").unwrap(),
            status: 200,
            html: format!(
                "<html><head><title>Chi tiết tin tức</title></head><body><h3>Huyện tổng kết công tác năm 2023</h3>\
                 <h1>Tin hoạt động ngành</h1><div class=\"content\">{body}</div></body></html>"
            ),
            validators: Default::default(),
        };
        let rules = extract::ArticleRules::default();
        let with = article_of(&page, &rules, "Huyện tổng kết công tác năm 2023").unwrap();
        assert_eq!(with.title, "Huyện tổng kết công tác năm 2023");
        let without = article_of(&page, &rules, "").unwrap();
        assert_eq!(without.title, "Tin hoạt động ngành");
    }
}
