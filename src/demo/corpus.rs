//! The corpus folder format: a `site.toml` per folder, naming its portal and each saved
//! page with the path it was served at.
//!
//! `tests/fixtures/corpus` and `tests/fixtures/platforms` are written in it. The demo
//! reads the corpus from the bundle; the tests read both from disk. One definition, so
//! that a field added to the format reaches both.

use serde::Deserialize;

/// A folder's `site.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct SiteToml {
    pub name: String,
    /// Scheme and host the pages are served under (`http://longan.portal.test`).
    pub base_url: String,
    /// The platform the portal runs (`sharepoint`, `nukeviet`, …), as the corpus names it.
    pub platform: String,
    /// The folder's news list; folders without one are special cases (a re-post, an
    /// encoding) for which a list is made up.
    pub list_url: Option<String>,
    #[serde(default)]
    pub page: Vec<PageToml>,
}

/// One saved page.
#[derive(Debug, Clone, Deserialize)]
pub struct PageToml {
    /// Path and query it is served at under `base_url`.
    pub path: String,
    /// The saved file, beside `site.toml`.
    pub file: String,
    /// The Content-Type header it is served with.
    pub content_type: String,
    /// `list`, `article` or another role the README names.
    pub role: String,
    /// For pages that change between crawls: the crawl (1, 2, …) from which this
    /// version is served.
    pub step: Option<usize>,
}
