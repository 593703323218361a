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
