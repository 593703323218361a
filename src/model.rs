//! Values that cross stages: what the fetcher, the store, the feeds and the configuration
//! hand each other. This module imports nothing of ours, so that every stage can depend on
//! it and no stage has to depend on another to name a value (no import cycle; see
//! ARCHITECTURE.md). Behaviour lives in the stages; here are only the shapes and their
//! plain accessors.

/// The feed formats the daemon serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Atom,
    Rss,
    Json,
}

impl Format {
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext {
            "atom" => Some(Format::Atom),
            "rss" | "xml" => Some(Format::Rss),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Json => "application/feed+json",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Atom => "atom",
            Format::Rss => "rss",
            Format::Json => "json",
        }
    }
}

/// Validators from an earlier response, for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// What storing a fetched article did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// New to this source: a new story, or a URL only other sources had stored.
    New,
    Updated,
    Unchanged,
    /// A re-post of a known item (same or near-identical text) under a new URL.
    Merged,
}

/// Which items a feed holds, and which link it shows for each.
#[derive(Debug, Clone)]
pub enum FeedScope {
    /// Every item, as its shown copy (the earliest published) has it.
    All,
    /// Items that have a copy on this source, as that copy has it: its own title, text,
    /// images and date, whatever merged into the item.
    Source(String),
    /// Items with a copy on a source carrying this tag, as the shown copy has it.
    Tag(String),
    /// Items matching a full-text query (diacritic- and case-insensitive, `đ` as `d`),
    /// as the shown copy has it.
    Search(String),
    /// A feed defined in the configuration, as the shown copy has it.
    Custom(CustomFeed),
}

/// A `[[feed]]` of the configuration: items from some sources and tags (all when both are
/// empty), with keyword filters folded like search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomFeed {
    pub sources: Vec<String>,
    pub tags: Vec<String>,
    /// An item must contain one of these phrases (when any are given)...
    pub include: Vec<String>,
    /// ...and none of these.
    pub exclude: Vec<String>,
    /// Only items of these kinds (both when empty).
    pub kinds: Vec<ItemKind>,
}

/// What an item is: a news article, or a document read from a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    News,
    Documents,
}

/// How much of the shorter text the longer must contain, by word 3-shingles, for a new
/// URL to be a re-post of a stored item (`text::resemblance`). Measured: a trimmed
/// sentence, an added "Theo …" credit or a changed caption keep 0.95–1.0; another report
/// from the same template with its own date and figures falls near 0.87; unrelated
/// articles near 0.
pub const DEFAULT_NEAR_DUPLICATE: f64 = 0.9;

/// What the store records of a configured source: the feeds name it, group it by tag and
/// link to it. A configured source (`config::SourceConfig`) converts into one.
#[derive(Debug, Clone, Copy)]
pub struct SourceEntry<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub url: &'a str,
    pub tags: &'a [String],
}

/// `[source.documents]`: selectors for a document register whose markup detection
/// misreads (see `index::register`): `rows` picks one element
/// per document; the others are read inside each row (the first match's text, or for
/// `file` and `link` its `href`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRules {
    pub rows: Option<String>,
    pub number: Option<String>,
    pub date: Option<String>,
    pub summary: Option<String>,
    pub issuer: Option<String>,
    pub signer: Option<String>,
    pub field: Option<String>,
    pub file: Option<String>,
    pub link: Option<String>,
}

/// One extracted article.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Article {
    /// The canonical URL: the page's own `<link rel=canonical>` when it is on the same site.
    pub url: String,
    pub title: String,
    pub published: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub author: Option<String>,
    /// The origin named in a "Nguồn: …" or closing "Theo …" credit. Not a configured
    /// source: that word names a portal everywhere else. Its JSON key stays `source`, the
    /// corpus interface.
    #[serde(rename = "source")]
    pub credit: Option<String>,
    /// The clean body, one entry per block-level paragraph, normalised.
    pub paragraphs: Vec<String>,
    /// The clean body as sanitised HTML with absolute URLs.
    pub content_html: String,
    /// Absolute URLs of the images in the body, in order.
    pub images: Vec<String>,
    /// The documents the article carries: files linked in its body or in its attachment
    /// block ("File đính kèm", "Tải về"), in order, each once.
    pub attachments: Vec<Attachment>,
    /// What the item is about besides its source and tags: a register's issuer and
    /// field (empty for news).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// For a register's document, its identity (`text::document_key`: issuer and number,
    /// folded): the same document on another register is the same item, whatever its
    /// summary says there. `None` for news, whose identity is its text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The platform profile that applied, if any.
    pub profile: Option<String>,
    /// What the body container held before it was cleaned: its words, and its distinct
    /// links whose text reads as a headline. Cleaning drops link-only lines, so only
    /// these tell a list of other stories from an article (see `extract::verdict`).
    #[serde(skip)]
    pub container: Container,
}

/// A document an article carries (a decision, a plan, a notice as PDF or Word), or a
/// register's file. Feeds carry it as an enclosure. `length` and a better `media_type`
/// come from a `HEAD` request when the crawl could make one; the file itself is never
/// fetched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    /// Absolute URL of the file or of the handler that serves it.
    pub url: String,
    /// The link's text, or the file's name when the link says only "Tải về".
    pub title: String,
    /// From the file name's extension, or from the server's answer to `HEAD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Bytes, when the server said (`Content-Length` of a `HEAD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
}

/// The body container's words and headline links, before cleaning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Container {
    /// Counted only when there are headline links enough for a list (0 otherwise).
    pub words: usize,
    pub headline_links: usize,
}

impl Article {
    /// The body as plain text, paragraphs separated by a blank line.
    pub fn text(&self) -> String {
        self.paragraphs.join("\n\n")
    }

    /// The JSON object `portalfeed extract` and `portalfeed preview --json` print (the
    /// interface the corpus scorer drives): `url`, `title`, `published` (RFC 3339 or
    /// null), `author`, `source`, `text`, `content_html`, `images`, `attachments`,
    /// `profile`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "url": self.url,
            "title": self.title,
            "published": self.published.map(|d| d.to_rfc3339()),
            "author": self.author,
            "source": self.credit,
            "text": self.text(),
            "content_html": self.content_html,
            "images": self.images,
            "attachments": self.attachments,
            "profile": self.profile,
        })
    }
}

/// One row of a feed.
#[derive(Debug, Clone)]
pub struct FeedItem {
    pub guid: String,
    pub title: String,
    /// The link this feed shows (see [`FeedScope`]).
    pub link: String,
    pub published: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub updated: chrono::DateTime<chrono::Utc>,
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
    /// The documents the item carries (see [`Attachment`]).
    pub attachments: Vec<Attachment>,
    /// See [`Article::categories`].
    pub categories: Vec<String>,
    /// Other URLs carrying the same article.
    pub other_copies: Vec<String>,
}

/// The outcome of one source run, for health records.
#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    pub source_id: String,
    pub started: chrono::DateTime<chrono::Utc>,
    pub finished: chrono::DateTime<chrono::Utc>,
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
    pub next_run: Option<chrono::DateTime<chrono::Utc>>,
}

/// A source's health: its last run and how many runs in a row failed.
#[derive(Debug, Clone)]
pub struct SourceHealth {
    pub source_id: String,
    pub last: Option<RunRecord>,
    pub consecutive_failures: u32,
    pub items: usize,
    /// Items whose text changes on most fetches in one place: their revisions are no
    /// longer recorded (see `store::Store::save`).
    pub flapping: usize,
}

/// One source's row on the status page (see `store::Store::overview`).
#[derive(Debug, Clone, Default)]
pub struct SourceOverview {
    pub last: Option<RunRecord>,
    pub items: usize,
    /// As in [`SourceHealth::flapping`].
    pub flapping: usize,
    /// New items per day, oldest first.
    pub per_day: Vec<u32>,
}

/// What a stored change announces to webhooks and WebSub subscribers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// A story not stored before.
    New,
    /// A stored story whose text, title or files changed (a correction).
    Updated,
    /// A re-post (or the same page listed by another source): new to that source's
    /// feed only; `all`, tag and custom feeds already hold the story.
    Copy,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::New => "new",
            Event::Updated => "updated",
            Event::Copy => "copy",
        }
    }

    pub fn parse(s: &str) -> Option<Event> {
        match s {
            "new" => Some(Event::New),
            "updated" => Some(Event::Updated),
            "copy" => Some(Event::Copy),
            _ => None,
        }
    }
}

/// How a delivery reaches its receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryKind {
    /// A `[[notify]]` webhook: one request per event, its body made when the event was
    /// dispatched.
    Webhook,
    /// WebSub content distribution to a subscriber: the feed as it is when sent.
    WebSub,
    /// A publish ping to an outside WebSub hub (`[websub] hub`).
    Ping,
}

impl DeliveryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::Webhook => "webhook",
            DeliveryKind::WebSub => "websub",
            DeliveryKind::Ping => "ping",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryKind> {
        match s {
            "webhook" => Some(DeliveryKind::Webhook),
            "websub" => Some(DeliveryKind::WebSub),
            "ping" => Some(DeliveryKind::Ping),
            _ => None,
        }
    }
}

/// Deliveries by state, for one receiver or all: what the status page, `sources` and
/// `/metrics` show. `delivered` and `failed` count the last week.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub pending: usize,
    pub failed: usize,
    pub delivered: usize,
}

/// One receiver's deliveries (a webhook URL, a WebSub callback, an outside hub).
#[derive(Debug, Clone)]
pub struct DeliveryTarget {
    pub kind: DeliveryKind,
    pub url: String,
    pub counts: DeliveryCounts,
    /// The last failure's reason while deliveries are pending or failed.
    pub last_error: Option<String>,
}
