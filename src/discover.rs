//! What a site offers as a source: `portalfeed discover URL`.
//!
//! A newcomer's first hour goes into writing `[[source]]` blocks; this does that hour's
//! work. From one page of a portal it finds, with the daemon's own polite client:
//!
//! - the platform (the extraction profile the pages would get);
//! - the feeds it advertises (`<link rel="alternate">`) or keeps at its platform's usual
//!   place (NukeViet `/rss/`, WordPress `/feed/`), each read to check it is a feed;
//! - the sitemaps its robots.txt lists;
//! - the article list: the page itself when it is one, or else — for a home page or an
//!   article — the section pages its menus and breadcrumbs link to, each read and judged
//!   by the articles the crawler would take from it.
//!
//! Every candidate list is judged by [`crate::crawl::follow_index`] under the very
//! [`SourceConfig`] the printed block parses to, so the sample shown is what runs take.
//! The first sample article is then read as a run would read it, and what it lacks (a
//! date, body text) becomes a warning in the block.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

use crate::config::{Config, IndexKind, SourceConfig};
use crate::fetch::{FetchError, Fetcher, Response, SourcePolicy};
use crate::index::{self, Link, Sitemap};
use crate::text::{self, fold_search, normalize, word_count};

/// At most this many section pages are read when looking for the article list.
const MAX_SECTIONS: usize = 5;
/// At most this many feeds are read; the others found are listed unread.
const MAX_FEEDS: usize = 12;
/// Sample titles shown.
const SAMPLE: usize = 5;
/// A list with fewer article links than this is not trusted on its own.
const MIN_LINKS: usize = 3;

/// What to survey and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The id for the block; by default one is made from the host name.
    pub id: Option<String>,
    /// Ids already in use (the configuration the block goes into): the made-up id avoids
    /// them.
    pub taken_ids: Vec<String>,
    /// Let the portal's own address be private or loopback (an intranet portal).
    pub allow_private: bool,
}

/// A feed found on the site: advertised, linked from the platform's feed page, or at the
/// platform's usual place.
#[derive(Debug, Clone)]
pub struct FoundFeed {
    pub url: Url,
    pub title: String,
    /// Why it was not read (at most [`MAX_FEEDS`] are; some fail), when it was not; the
    /// figures below are zero then.
    pub unread: Option<String>,
    pub items: usize,
    /// Items whose link is on the site.
    pub on_site: usize,
    /// The article links it gives.
    pub links: Vec<Url>,
}

/// An index the crawler could use, with what it would take from it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub url: Url,
    pub kind: IndexKind,
    /// Why it was looked at: "the given page", a menu label, "feed", "sitemap".
    pub label: String,
    pub links: Vec<Link>,
    /// The next page of an HTML list, when it has one.
    pub next_page: Option<Url>,
}

/// The first sample article, read as a run would read it.
#[derive(Debug, Clone)]
pub struct SampleArticle {
    pub url: Url,
    pub title: String,
    pub published: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub author: Option<String>,
    pub paragraphs: usize,
}

/// The survey of a site and the source it suggests.
#[derive(Debug, Clone)]
pub struct Report {
    /// The URL asked about, and where it led.
    pub asked: Url,
    pub page_url: Url,
    pub site_name: String,
    /// The profile pages of this site get (`None`: the generic extractor), and the page's
    /// generator meta.
    pub platform: Option<String>,
    pub generator: String,
    pub feeds: Vec<FoundFeed>,
    pub sitemaps: Vec<Url>,
    /// The index the block uses.
    pub choice: Option<Candidate>,
    /// Other usable indexes, best first.
    pub alternatives: Vec<Candidate>,
    pub sample: Option<SampleArticle>,
    pub warnings: Vec<String>,
    /// The block's source id.
    pub id: String,
}

/// Surveys the site behind `url` and suggests a source for it.
pub async fn survey(fetcher: &Fetcher, url: &Url, opts: &Options) -> Result<Report, FetchError> {
    let policy = SourcePolicy {
        allow_private: opts.allow_private,
        ..SourcePolicy::for_url(url)
    };
    let first = fetcher.get(url, &policy, None).await?;
    let page_url = first.url.clone();
    let mut report = Report {
        asked: url.clone(),
        page_url: page_url.clone(),
        site_name: page_url.host_str().unwrap_or_default().to_string(),
        platform: None,
        generator: String::new(),
        feeds: Vec::new(),
        sitemaps: Vec::new(),
        choice: None,
        alternatives: Vec::new(),
        sample: None,
        warnings: Vec::new(),
        id: String::new(),
    };
    report.id = match &opts.id {
        Some(id) => id.clone(),
        None => unique_id(&id_for(&page_url), &opts.taken_ids),
    };

    // A feed or a sitemap given directly is the index itself.
    if !looks_like_html(&first) {
        if let Some(c) = xml_index(&first, "the given feed") {
            report.choice = Some(c);
        } else {
            report.warnings.push(format!(
                "{page_url} is neither an HTML page, a feed nor a sitemap"
            ));
        }
        sample_article(fetcher, &mut report, opts).await;
        return Ok(report);
    }

    let html = crate::fetch::decode::decode_html(&first.body, first.content_type.as_deref())
        .map_err(|source| FetchError::Decode {
            url: page_url.to_string(),
            source,
        })?
        .text;
    let facts = PageFacts::read(&html, &page_url);
    let (profile, generator) = crate::extract::detect_profile(&html, &page_url);
    report.platform = profile.map(|p| p.name.clone());
    report.generator = generator;
    report.site_name = facts.site_name.clone();

    report.feeds = read_feeds(
        fetcher,
        &policy,
        facts.feed_links.clone(),
        &page_url,
        report.platform.as_deref(),
    )
    .await;
    match fetcher.robots_sitemaps(&page_url, &policy).await {
        Ok(s) => report.sitemaps = s,
        Err(e) => report
            .warnings
            .push(format!("robots.txt could not be read: {e}")),
    }

    // A document register is its own kind of source, its rows the items: it is chosen
    // when no news list is found, or when the list found is the register's own rows; a
    // "Văn bản mới" box beside a news list is only an alternative.
    let register = register_index(&html, &page_url);
    choose_list(fetcher, &policy, first, &facts, &mut report).await;
    if let Some(reg) = register {
        let own: HashSet<&Url> = reg.links.iter().map(|l| &l.url).collect();
        let same_rows = report.choice.as_ref().is_none_or(|c| {
            let shared = c.links.iter().filter(|l| own.contains(&l.url)).count();
            shared * 2 >= c.links.len()
        });
        if same_rows {
            report.choice = Some(reg);
            return Ok(report);
        }
        report.alternatives.push(reg);
    }
    if report.choice.is_none() {
        fall_back_to_xml(fetcher, &policy, &mut report).await;
    }
    sample_article(fetcher, &mut report, opts).await;
    Ok(report)
}

/// The feeds a site offers: those the page advertises, then the platform's usual place
/// (NukeViet `/rss/`, a page of per-section feeds, is followed). Every advertised feed is
/// listed, read or not; a guessed place that does not answer with a feed is left out.
async fn read_feeds(
    fetcher: &Fetcher,
    policy: &SourcePolicy,
    advertised: Vec<Url>,
    page_url: &Url,
    platform: Option<&str>,
) -> Vec<FoundFeed> {
    let mut feeds = Vec::new();
    let mut feed_urls = advertised;
    let origin = page_url.join("/").unwrap_or_else(|_| page_url.clone());
    let probes: &[&str] = match platform {
        Some("nukeviet") => &["rss/"],
        Some("wordpress") => &["feed/"],
        None => &["rss/", "feed/"],
        Some(_) => &[],
    };
    for p in probes {
        if let Ok(u) = origin.join(p)
            && !feed_urls.contains(&u)
        {
            feed_urls.push(u);
        }
    }
    let mut read = 0;
    let mut queue = feed_urls;
    let mut seen_feeds = HashSet::new();
    while let Some(u) = (!queue.is_empty()).then(|| queue.remove(0)) {
        if !seen_feeds.insert(u.clone()) {
            continue;
        }
        // Every feed the site offers is listed, read or not; a guessed location that does
        // not answer with a feed is not one.
        let guessed = probes
            .iter()
            .any(|p| origin.join(p).ok().as_ref() == Some(&u));
        let unread = |u: Url, why: String| FoundFeed {
            url: u,
            title: String::new(),
            unread: Some(why),
            items: 0,
            on_site: 0,
            links: Vec::new(),
        };
        if read >= MAX_FEEDS {
            if !guessed {
                feeds.push(unread(
                    u,
                    format!("not read: at most {MAX_FEEDS} feeds are read"),
                ));
            }
            continue;
        }
        read += 1;
        let resp = match fetcher.get(&u, policy, None).await {
            Ok(r) => r,
            Err(e) => {
                if !guessed {
                    feeds.push(unread(u, format!("could not be read: {e}")));
                }
                continue;
            }
        };
        if let Ok(feed) = feed_rs::parser::parse(resp.body.as_slice()) {
            let links = index::feed_links(&resp.body, &resp.url).unwrap_or_default();
            let on_site = links
                .iter()
                .filter(|l| text::same_site(&l.url, page_url))
                .count();
            feeds.push(FoundFeed {
                url: resp.url.clone(),
                title: feed
                    .title
                    .map(|t| normalize(&t.content))
                    .unwrap_or_default(),
                unread: None,
                items: feed.entries.len(),
                on_site,
                links: links.into_iter().map(|l| l.url).collect(),
            });
        } else if looks_like_html(&resp) {
            // NukeViet's /rss/ is a page listing a feed per section.
            let body = String::from_utf8_lossy(&resp.body);
            for f in feed_anchors(&body, &resp.url) {
                if !seen_feeds.contains(&f) {
                    queue.push(f);
                }
            }
        }
    }

    feeds
}

/// The article list: the given page when it is one, else the section pages its menus
/// and breadcrumbs link to, each judged by the articles a run would take from it.
async fn choose_list(
    fetcher: &Fetcher,
    policy: &SourcePolicy,
    first: Response,
    facts: &PageFacts,
    report: &mut Report,
) {
    let mut candidates: Vec<Candidate> = Vec::new();
    let this_page = evaluate(fetcher, policy, first, "the given page", &report.id).await;
    let is_list = this_page
        .as_ref()
        .is_some_and(|c| c.links.len() >= MIN_LINKS)
        && !facts.is_home
        && !facts.is_article;
    if facts.is_article {
        report.warnings.push(format!(
            "{} looks like an article; its section pages were tried instead",
            report.page_url
        ));
    }
    if let Some(c) = this_page {
        candidates.push(c);
    }
    if !is_list {
        for (label, u) in facts.sections.iter().take(MAX_SECTIONS) {
            let Ok(resp) = fetcher.get(u, policy, None).await else {
                continue;
            };
            if let Some(c) = evaluate(fetcher, policy, resp, label, &report.id).await {
                candidates.push(c);
            }
        }
    }
    // Best: the given page when it is a list; else the section with the most articles
    // (the given page only when nothing better turns up).
    let strength = |c: &Candidate| c.links.iter().filter(|l| word_count(&l.title) >= 3).count();
    candidates.retain(|c| strength(c) > 0);
    if !is_list {
        // A real section beats the home page, whose list mixes every section (and links
        // the sections themselves); among sections, the one with the most articles.
        let home = facts.is_home;
        candidates.sort_by_key(|c| {
            let given = c.label == "the given page";
            (home && given, std::cmp::Reverse(strength(c)), given)
        });
    }
    let mut usable = candidates
        .into_iter()
        .filter(|c| strength(c) >= MIN_LINKS)
        .collect::<Vec<_>>();
    if !usable.is_empty() {
        report.choice = Some(usable.remove(0));
        report.alternatives = usable;
    }
    if report
        .choice
        .as_ref()
        .is_some_and(|c| c.label == "the given page" && (facts.is_home || facts.is_article))
    {
        report.warnings.push(
            "no section page did better than the given page; check that its list is the news"
                .into(),
        );
    }
}

/// With no article list: a feed with enough of the site's articles, then the first
/// sitemap robots.txt names.
async fn fall_back_to_xml(fetcher: &Fetcher, policy: &SourcePolicy, report: &mut Report) {
    if let Some(url) = report
        .feeds
        .iter()
        .find(|f| f.on_site >= MIN_LINKS)
        .map(|f| f.url.clone())
        && let Ok(resp) = fetcher.get(&url, policy, None).await
    {
        report.choice = xml_index(&resp, "feed");
    }
    if report.choice.is_none()
        && let Some(sm) = report.sitemaps.first().cloned()
        && let Ok(resp) = fetcher.get(&sm, policy, None).await
    {
        report.choice = xml_index(&resp, "sitemap");
        if report.choice.is_some() {
            report.warnings.push(
                "no article list or feed was found; a sitemap lists every page, so check the sample"
                    .into(),
            );
        }
    }
    if report.choice.is_none() {
        report.warnings.push(format!(
            "no article list, feed or sitemap found on {}; give the URL of a news section page",
            report.page_url
        ));
    }
}

/// What the crawler would take from an index page, judged under the source the block
/// would define.
async fn evaluate(
    fetcher: &Fetcher,
    policy: &SourcePolicy,
    resp: Response,
    label: &str,
    id: &str,
) -> Option<Candidate> {
    if !looks_like_html(&resp) {
        return xml_index(&resp, label);
    }
    let url = resp.url.clone();
    let source = provisional_source(id, &url, IndexKind::Html)?;
    let html = crate::fetch::decode::decode_html(&resp.body, resp.content_type.as_deref())
        .ok()?
        .text;
    let next_page = index::next_page(&html, &url);
    let mut notes = Vec::new();
    let links = crate::crawl::follow_index(
        fetcher,
        &source,
        policy,
        resp,
        &Default::default(),
        &mut notes,
    )
    .await
    .ok()?;
    Some(Candidate {
        url,
        kind: IndexKind::Html,
        label: label.to_string(),
        links,
        next_page,
    })
}

/// The page as a document register, when it reads as one (two rows or more): a
/// `kind = "documents"` source whose sample titles are its documents'.
fn register_index(html: &str, page_url: &Url) -> Option<Candidate> {
    let (rows, next_page) =
        index::register::read_register(html, page_url, &Default::default()).ok()?;
    if rows.len() < 2 {
        return None;
    }
    let links = rows.iter().map(|r| r.link(page_url)).collect();
    Some(Candidate {
        url: page_url.clone(),
        kind: IndexKind::Documents,
        label: "a document register".to_string(),
        links,
        next_page,
    })
}

/// A feed or a sitemap as a candidate index.
fn xml_index(resp: &Response, label: &str) -> Option<Candidate> {
    if let Ok(links) = index::feed_links(&resp.body, &resp.url) {
        return Some(Candidate {
            url: resp.url.clone(),
            kind: IndexKind::Feed,
            label: label.to_string(),
            links,
            next_page: None,
        });
    }
    let links = match index::parse_sitemap(&resp.body, &resp.url).ok()? {
        Sitemap::Urls(links) => links,
        Sitemap::Index(children) => children
            .into_iter()
            .map(|url| Link {
                url,
                title: String::new(),
            })
            .collect(),
    };
    Some(Candidate {
        url: resp.url.clone(),
        kind: IndexKind::Sitemap,
        label: label.to_string(),
        links,
        next_page: None,
    })
}

/// Reads the first sample article as a run would and turns what it lacks into warnings.
async fn sample_article(fetcher: &Fetcher, report: &mut Report, opts: &Options) {
    let Some(choice) = &report.choice else { return };
    if choice.links.is_empty() {
        let warning = format!("{} lists no article", choice.url);
        report.warnings.push(warning);
        return;
    }
    let Some(mut source) = provisional_source(&report.id, &choice.url, choice.kind) else {
        return;
    };
    source.allow_private = opts.allow_private;
    let links: Vec<Url> = choice.links.iter().take(3).map(|l| l.url.clone()).collect();
    // The first article that reads: a list can link a page that is gone.
    let mut failures = Vec::new();
    let mut read = None;
    for url in links {
        match crate::crawl::read_article(fetcher, &source, &url).await {
            Ok((_, a)) => {
                read = Some((url, a));
                break;
            }
            Err(e) => failures.push(e),
        }
    }
    if let Some(first) = failures.first() {
        report.warnings.push(format!(
            "{} of the first {} articles could not be read; first: {first}",
            failures.len(),
            failures.len() + usize::from(read.is_some()),
        ));
    }
    let Some((url, a)) = read else { return };
    if a.published.is_none() {
        report.warnings.push(format!(
            "no publication date found on {url}; its items will be dated when first seen"
        ));
    }
    if a.paragraphs.len() < 2 {
        report.warnings.push(format!(
            "only {} paragraph(s) of text on {url}; check it with `portalfeed preview`",
            a.paragraphs.len()
        ));
    }
    report.sample = Some(SampleArticle {
        url,
        title: a.title,
        published: a.published,
        author: a.author,
        paragraphs: a.paragraphs.len(),
    });
}

/// The source a block with these values parses to, defaults and all: what `discover`
/// judges candidates under, and what `preview` reads a page with when no source is named.
pub fn provisional_source(id: &str, url: &Url, kind: IndexKind) -> Option<SourceConfig> {
    let block = Block {
        id: id.to_string(),
        name: String::new(),
        url: url.clone(),
        kind,
        max_pages: None,
    };
    Config::from_str(&block.toml(), std::path::Path::new("discover.toml"))
        .ok()?
        .sources
        .pop()
}

/// The values of a `[[source]]` block.
struct Block {
    id: String,
    name: String,
    url: Url,
    kind: IndexKind,
    max_pages: Option<usize>,
}

impl Block {
    fn table(&self) -> toml_edit::Table {
        let mut t = toml_edit::Table::new();
        t.insert("id", toml_edit::value(self.id.as_str()));
        if !self.name.is_empty() {
            t.insert("name", toml_edit::value(self.name.as_str()));
        }
        t.insert("url", toml_edit::value(self.url.as_str()));
        if self.kind != IndexKind::Html {
            t.insert("kind", toml_edit::value(self.kind.as_str()));
        }
        if let Some(n) = self.max_pages {
            t.insert("max_pages", toml_edit::value(n as i64));
        }
        t
    }

    fn toml(&self) -> String {
        let mut doc = toml_edit::DocumentMut::new();
        let mut aot = toml_edit::ArrayOfTables::new();
        aot.push(self.table());
        doc.insert("source", toml_edit::Item::ArrayOfTables(aot));
        doc.to_string()
    }
}

impl Report {
    fn block(&self) -> Option<Block> {
        let c = self.choice.as_ref()?;
        Some(Block {
            id: self.id.clone(),
            name: self.site_name.clone(),
            url: c.url.clone(),
            kind: c.kind,
            // One page more than the first catches bursts between two runs.
            max_pages: c.next_page.as_ref().map(|_| 2),
        })
    }

    /// When a feed carries the same articles as the chosen HTML list, which one the block
    /// uses and why.
    fn list_over_feed(&self, c: &Candidate) -> Option<String> {
        if c.kind != IndexKind::Html {
            return None;
        }
        let (feed, shared) = self
            .feeds
            .iter()
            .map(|f| {
                let shared = c.links.iter().filter(|l| f.links.contains(&l.url)).count();
                (f, shared)
            })
            .max_by_key(|(_, n)| *n)?;
        (shared >= MIN_LINKS).then(|| {
            format!(
                "the list and the feed {} carry the same articles ({shared} in both); the list is used: it pages back ({}), and the article pages, read either way, give the text and dates (feeds are often partial, and some write wrong times). Set kind = \"feed\" and url = \"{}\" to use the feed",
                feed.url,
                if c.next_page.is_some() { "it has a next page" } else { "when the site adds pages" },
                feed.url
            )
        })
    }

    /// The comment lines above the block: platform, feeds, sitemaps, other lists, the
    /// sample and the warnings.
    fn comments(&self) -> Vec<String> {
        let mut out = vec![format!("portalfeed discover {}", self.asked)];
        out.push(match &self.platform {
            Some(p) if !self.generator.is_empty() => {
                format!("platform: {p} (generator \"{}\")", self.generator)
            }
            Some(p) => format!("platform: {p}"),
            None => "platform: unknown (the generic extractor applies)".into(),
        });
        for f in &self.feeds {
            if let Some(why) = &f.unread {
                out.push(format!("feed: {} ({why})", f.url));
                continue;
            }
            out.push(format!(
                "feed: {} ({}{} items, {} on this site)",
                f.url,
                if f.title.is_empty() {
                    String::new()
                } else {
                    format!("\"{}\", ", f.title)
                },
                f.items,
                f.on_site
            ));
        }
        for s in &self.sitemaps {
            out.push(format!("sitemap (robots.txt): {s}"));
        }
        let what = |c: &Candidate| {
            if c.kind == IndexKind::Documents {
                "documents"
            } else {
                "articles"
            }
        };
        for a in &self.alternatives {
            out.push(format!(
                "also a list: {} ({}, {} {}{})",
                a.url,
                a.label,
                a.links.len(),
                what(a),
                if a.kind == IndexKind::Documents {
                    "; kind = \"documents\" takes it"
                } else {
                    ""
                }
            ));
        }
        if let Some(c) = &self.choice {
            out.push(format!(
                "{} {} found on {} ({}); a sample:",
                c.links.len(),
                what(c),
                c.url,
                c.label
            ));
            for l in c.links.iter().take(SAMPLE) {
                let title = if l.title.is_empty() {
                    l.url.to_string()
                } else {
                    l.title.clone()
                };
                out.push(format!("  - {title}"));
            }
            if let Some(next) = &c.next_page {
                out.push(format!("next page: {next}"));
            }
            if let Some(why) = self.list_over_feed(c) {
                out.push(why);
            }
        }
        if let Some(s) = &self.sample {
            out.push(format!(
                "first article read: \"{}\", {}{}, {} paragraphs",
                s.title,
                s.published
                    .map(|d| d.format("%Y-%m-%d %H:%M %:z").to_string())
                    .unwrap_or_else(|| "no date".into()),
                s.author
                    .as_ref()
                    .map(|a| format!(", by {a}"))
                    .unwrap_or_default(),
                s.paragraphs
            ));
        }
        for w in &self.warnings {
            out.push(format!("warning: {w}"));
        }
        out
    }

    /// The `[[source]]` block with its comments, ready to paste into a configuration.
    /// Without an index, only the comments (what was found, and why nothing fits).
    pub fn toml(&self) -> String {
        let comments: String = self.comments().iter().map(|c| format!("# {c}\n")).collect();
        match self.block() {
            Some(b) => format!("{comments}{}", b.toml()),
            None => comments,
        }
    }

    /// Appends the block to the configuration file at `path`, keeping everything already
    /// in it (comments, order, formatting); the file is replaced atomically and only when
    /// the result is a valid configuration.
    pub fn append_to(&self, path: &std::path::Path) -> Result<(), WriteError> {
        let shown = || path.display().to_string();
        let block = self.block().ok_or(WriteError::NothingFound)?;
        let text = std::fs::read_to_string(path).map_err(|source| WriteError::Read {
            path: shown(),
            source,
        })?;
        let mut doc: toml_edit::DocumentMut = text.parse().map_err(|source| WriteError::Toml {
            path: shown(),
            source,
        })?;
        let mut table = block.table();
        let prefix: String = self.comments().iter().map(|c| format!("# {c}\n")).collect();
        table.decor_mut().set_prefix(format!("\n{prefix}"));
        match doc.get_mut("source") {
            None => {
                let mut aot = toml_edit::ArrayOfTables::new();
                aot.push(table);
                doc.insert("source", toml_edit::Item::ArrayOfTables(aot));
            }
            Some(item) => item
                .as_array_of_tables_mut()
                .ok_or_else(|| WriteError::NotSourceTables(shown()))?
                .push(table),
        }
        let out = doc.to_string();
        Config::from_str(&out, path).map_err(WriteError::Invalid)?;
        let tmp = path.with_extension("toml.portalfeed-tmp");
        std::fs::write(&tmp, &out).map_err(|source| WriteError::Write {
            path: tmp.display().to_string(),
            source,
        })?;
        std::fs::rename(&tmp, path).map_err(|source| WriteError::Replace {
            path: shown(),
            source,
        })
    }
}

/// Why `discover --write` left the configuration as it was.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("nothing to write: no index was found")]
    NothingFound,
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Toml {
        path: String,
        #[source]
        source: toml_edit::TomlError,
    },
    #[error("{0}: `source` is not a list of [[source]] tables")]
    NotSourceTables(String),
    #[error("the configuration would not be valid with the new block: {0}")]
    Invalid(#[source] crate::config::ConfigError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot replace {path}: {source}")]
    Replace {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What one read of the page tells, before anything else is fetched.
struct PageFacts {
    site_name: String,
    feed_links: Vec<Url>,
    /// Section pages the menus and breadcrumbs link to, best first, with their labels.
    sections: Vec<(String, Url)>,
    is_home: bool,
    is_article: bool,
}

/// Words of news sections, folded (no diacritics, lower case).
const SECTION_WORDS: &[&str] = &[
    "tin tuc",
    "tin tuc su kien",
    "tin tuc - su kien",
    "tin hoat dong",
    "hoat dong",
    "tin moi",
    "tin moi nhat",
    "thoi su",
    "su kien",
    "tin tong hop",
    "tin dia phuong",
    "tin trong tinh",
    "tin trong huyen",
    "tin trong xa",
    "tin trong nuoc",
    "tin chinh tri",
    "chinh tri",
    "kinh te",
    "van hoa - xa hoi",
    "xa hoi",
    "tin",
    "news",
    "latest news",
];

/// URL pieces of news sections.
static SECTION_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(tin-?tuc|/tin-|news|thoi-?su|su-?kien|hoat-?dong|chuyen-?muc|danh-?muc|category|categories|/lists/|/pages/tin)")
        .expect("static regex")
});

/// A home page by its path.
static HOME_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^/((index|default|home|trang-?chu)(\.[a-z]+)?|pages/(default|home|trang-?chu)\.aspx|web/guest(/home|/trang-?chu)?|portal/?)?/?$")
        .expect("static regex")
});

impl PageFacts {
    fn read(html: &str, page_url: &Url) -> PageFacts {
        // A page nested past any real page's depth is read as empty (see extract::depth).
        let parsed =
            crate::extract::depth::prepare(html, crate::extract::PARSE_DEPTH).unwrap_or_default();
        let doc = Html::parse_document(&parsed);
        let sel = |s: &str| Selector::parse(s).ok();
        let meta = |name: &str| -> Option<String> {
            let s = sel(&format!("meta[property=\"{name}\"], meta[name=\"{name}\"]"))?;
            doc.select(&s)
                .find_map(|e| e.value().attr("content"))
                .map(normalize)
                .filter(|v| !v.is_empty())
        };
        let title = sel("title")
            .and_then(|s| doc.select(&s).next())
            .map(|t| normalize(&t.text().collect::<String>()))
            .unwrap_or_default();
        let site_name = meta("og:site_name")
            .or_else(|| site_part(&title))
            .unwrap_or_else(|| page_url.host_str().unwrap_or_default().to_string());

        let feed_links = index::feeds_in(&doc, page_url);

        // Section pages: breadcrumb links first (an article's own section), then menu
        // and other links whose label or path reads like a news section.
        let mut scored: Vec<(i32, usize, String, Url)> = Vec::new();
        let page = text::canonical_url(page_url);
        if let Some(a) = sel("a[href]") {
            for (i, e) in doc.select(&a).enumerate() {
                let Some(u) = e
                    .value()
                    .attr("href")
                    .and_then(|h| page_url.join(h.trim()).ok())
                else {
                    continue;
                };
                if !matches!(u.scheme(), "http" | "https") || !text::same_site(&u, page_url) {
                    continue;
                }
                let u = text::canonical_url(&u);
                if u == page || HOME_PATH.is_match(u.path()) {
                    continue;
                }
                let label = normalize(&e.text().collect::<String>());
                let folded = fold_search(&label);
                let folded = folded.trim_matches(|c: char| !c.is_alphanumeric());
                let in_breadcrumb = e.ancestors().any(|n| {
                    n.value().as_element().is_some_and(|el| {
                        let c = el.attr("class").unwrap_or("").to_ascii_lowercase();
                        let id = el.attr("id").unwrap_or("").to_ascii_lowercase();
                        c.contains("breadcrumb") || id.contains("breadcrumb")
                    })
                });
                let mut score = 0;
                if SECTION_WORDS.contains(&folded) {
                    score += 3;
                } else if SECTION_WORDS
                    .iter()
                    .any(|w| w.len() > 4 && folded.starts_with(w))
                {
                    score += 2;
                }
                if SECTION_URL.is_match(u.as_str()) {
                    score += 2;
                }
                if in_breadcrumb {
                    score += 3;
                }
                // Articles are not sections; nor are long labels (headlines).
                if index::looks_like_article(&u, page_url) && !in_breadcrumb {
                    score -= 4;
                }
                if word_count(&label) > 6 || label.is_empty() {
                    score -= 3;
                }
                if score >= 3 && !scored.iter().any(|(_, _, _, x)| *x == u) {
                    scored.push((score, i, label, u));
                }
            }
        }
        scored.sort_by_key(|(score, i, _, _)| (std::cmp::Reverse(*score), *i));
        let sections = scored.into_iter().map(|(_, _, l, u)| (l, u)).collect();

        let is_home = HOME_PATH.is_match(page_url.path()) && page_url.query().is_none();
        let is_article = !is_home && looks_like_an_article(html, page_url);
        PageFacts {
            site_name,
            feed_links,
            sections,
            is_home,
            is_article,
        }
    }
}

/// An article page: shaped like one by its URL, and holding a long body of real
/// paragraphs (a list page's extraction is a few short items).
fn looks_like_an_article(html: &str, page_url: &Url) -> bool {
    let origin = page_url.join("/").unwrap_or_else(|_| page_url.clone());
    if !index::looks_like_article(page_url, &origin) {
        return false;
    }
    let Ok(a) = crate::extract::extract(html, page_url, &Default::default()) else {
        return false;
    };
    let long = a
        .paragraphs
        .iter()
        .filter(|p| p.chars().count() >= 150)
        .count();
    a.text().chars().count() >= 1200 && long >= 3
}

/// The part of a page title that names the site: "Tin hoạt động - Cổng thông tin điện tử
/// tỉnh Long An" → the part naming a portal, a paper or an office, else the last part.
fn site_part(title: &str) -> Option<String> {
    let title = normalize(title);
    let parts: Vec<&str> = title
        .split(" - ")
        .flat_map(|p| p.split(" | "))
        .flat_map(|p| p.split(" – "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    const SITE_WORDS: &[&str] = &[
        "cong thong tin",
        "trang thong tin",
        "bao ",
        "ban dan van",
        "tinh uy",
        "huyen uy",
        "uy ban",
        "ubnd",
        "portal",
        "dien tu",
    ];
    parts
        .iter()
        .find(|p| {
            let f = fold_search(p);
            SITE_WORDS.iter().any(|w| f.contains(w))
        })
        .or(parts.last())
        .map(|p| p.to_string())
}

/// Feed links on a page that lists feeds (NukeViet's /rss/).
fn feed_anchors(html: &str, page_url: &Url) -> Vec<Url> {
    let Some(html) = crate::extract::depth::prepare(html, crate::extract::PARSE_DEPTH) else {
        return Vec::new();
    };
    let doc = Html::parse_document(&html);
    let Ok(a) = Selector::parse("a[href]") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in doc.select(&a) {
        let Some(u) = e
            .value()
            .attr("href")
            .and_then(|h| page_url.join(h.trim()).ok())
        else {
            continue;
        };
        let path = u.path().to_ascii_lowercase();
        if text::same_site(&u, page_url)
            && u != *page_url
            && (path.ends_with(".rss") || path.contains("/rss/") || path.ends_with(".xml"))
            && !out.contains(&u)
        {
            out.push(u);
        }
    }
    out
}

fn looks_like_html(resp: &Response) -> bool {
    let ct = resp
        .content_type
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.contains("html") {
        return true;
    }
    if ct.contains("xml") || ct.contains("rss") || ct.contains("atom") || ct.contains("json") {
        return false;
    }
    let head: String = String::from_utf8_lossy(&resp.body[..resp.body.len().min(512)])
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_ascii_lowercase();
    !(head.starts_with("<?xml") || head.starts_with("<rss") || head.starts_with("<feed"))
}

/// A source id from a host name: `www.dakrong.quangtri.gov.vn` → `dakrong-quangtri`. An
/// address keeps all its parts and a port is added (`127.0.0.1:8080` → `127-0-0-1-8080`):
/// two portals on one machine must not get the same id.
pub fn id_for(url: &Url) -> String {
    let port = url.port().map(|p| format!("-{p}")).unwrap_or_default();
    if let Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) = url.host() {
        let ip: String = url
            .host_str()
            .unwrap_or("")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let v6 = if matches!(url.host(), Some(url::Host::Ipv6(_))) {
            "ipv6-"
        } else {
            ""
        };
        return format!("{v6}{}{port}", ip.trim_matches('-'));
    }
    let host = url.host_str().unwrap_or("source").to_ascii_lowercase();
    let mut labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    if labels.first() == Some(&"www") {
        labels.remove(0);
    }
    if labels.len() > 1 {
        labels.pop(); // the top-level domain
    }
    while labels.len() > 1
        && matches!(
            labels.last(),
            Some(&("gov" | "org" | "com" | "edu" | "net" | "ac" | "info" | "vn"))
        )
    {
        labels.pop();
    }
    let id: String = labels
        .join("-")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let id = format!("{}{port}", id.trim_matches('-'));
    if id.is_empty() || matches!(id.as_str(), "all" | "tag" | "search") {
        format!("source-{id}").trim_end_matches('-').to_string()
    } else {
        id
    }
}

/// `base`, or `base-2`, `base-3`… whichever is free.
fn unique_id(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|c| !taken.contains(c))
        .unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_hosts() {
        let id = |s: &str| id_for(&Url::parse(s).unwrap());
        assert_eq!(id("https://www.longan.gov.vn/tin-tuc/"), "longan");
        assert_eq!(id("http://dakrong.quangtri.gov.vn/"), "dakrong-quangtri");
        assert_eq!(id("https://baolongan.vn/"), "baolongan");
        assert_eq!(id("http://dakrong.portal.test/tin-tuc/"), "dakrong-portal");
        assert_eq!(id("http://127.0.0.1:8080/"), "127-0-0-1-8080");
        assert_ne!(id("http://127.0.0.1:8080/"), id("http://127.0.0.1:8081/"));
        assert_eq!(id("http://[::1]:9000/tin-tuc/"), "ipv6-1-9000");
        assert_eq!(id("http://localhost:8081/"), "localhost-8081");
        assert_eq!(unique_id("longan", &["longan".into()]), "longan-2");
        assert_eq!(
            unique_id("longan", &["longan".into(), "longan-2".into()]),
            "longan-3"
        );
    }

    #[test]
    fn site_names_from_titles() {
        assert_eq!(
            site_part("Tin hoạt động - Cổng thông tin điện tử tỉnh Long An").as_deref(),
            Some("Cổng thông tin điện tử tỉnh Long An")
        );
        assert_eq!(
            site_part("Báo Phù Sa điện tử | Chính trị").as_deref(),
            Some("Báo Phù Sa điện tử")
        );
        assert_eq!(site_part("Trang chủ").as_deref(), Some("Trang chủ"));
    }

    #[test]
    fn sections_from_a_home_page() {
        let home = Url::parse("http://xa.test/").unwrap();
        let html = r#"<html><head><title>Trang thông tin điện tử xã Tân Lập</title>
            <link rel="alternate" type="application/rss+xml" href="/feed/"></head><body>
            <ul class="menu"><li><a href="/">Trang chủ</a></li>
            <li><a href="/gioi-thieu/">Giới thiệu</a></li>
            <li><a href="/tin-tuc/">Tin tức</a></li>
            <li><a href="/van-ban/">Văn bản</a></li>
            <li><a href="/lien-he/">Liên hệ</a></li></ul>
            <div class="hot"><a href="/tin-tuc/xa-to-chuc-hoi-nghi-tong-ket-cong-tac-nam-2024-123.html">Xã tổ chức hội nghị tổng kết công tác năm 2024</a></div>
            </body></html>"#;
        let f = PageFacts::read(html, &home);
        assert!(f.is_home);
        assert!(!f.is_article);
        assert_eq!(f.site_name, "Trang thông tin điện tử xã Tân Lập");
        assert_eq!(
            f.feed_links,
            vec![Url::parse("http://xa.test/feed/").unwrap()]
        );
        assert_eq!(
            f.sections.first().map(|(l, u)| (l.as_str(), u.as_str())),
            Some(("Tin tức", "http://xa.test/tin-tuc/"))
        );
        assert!(
            !f.sections
                .iter()
                .any(|(l, _)| l == "Liên hệ" || l == "Văn bản")
        );
    }

    #[test]
    fn blocks_parse_to_sources() {
        let url = Url::parse("http://p.test/tin-tuc/").unwrap();
        let s = provisional_source("p", &url, IndexKind::Feed).unwrap();
        assert_eq!(s.id, "p");
        assert_eq!(s.kind, IndexKind::Feed);
        assert_eq!(s.url, url);
    }
}
