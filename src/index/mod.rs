//! From a source's index page to the article links on it.
//!
//! With a `links` selector the choice is the user's. Without one, links are judged as
//! groups: the items of a news list repeat one structure (`ul.list > li > h3 > a`), so
//! links are grouped by the shape of their ancestors, groups inside menus, sidebars,
//! tickers, pagers and "most read" boxes are left out, and the group whose links read
//! most like article titles is the list. Links elsewhere in that list's container (a
//! featured first item, say) are added back.
//!
//! A run also learns: a link that led to a page which was not an article (a menu page, a
//! section index: see `extract::extract_judged`) is remembered, and a group of links most
//! of whose known pages were not articles is not the list on later runs, whatever its
//! shape. A wrong choice costs one run's fetches of those pages, never a feed item.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ego_tree::NodeRef;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use crate::config::SourceConfig;
use crate::extract::rules;
use crate::text::{self, normalize, word_count};

pub mod register;

/// An article link found on an index page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The link resolved against the page and put in identity form.
    pub url: Url,
    /// The anchor text, normalised.
    pub title: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("invalid links selector {0:?}")]
    Selector(String),
    #[error(
        "the list page nests elements more than {} levels deep (refused before parsing)",
        crate::extract::PARSE_DEPTH
    )]
    TooDeep,
    #[error("not a readable RSS/Atom feed: {0}")]
    Feed(#[source] feed_rs::parser::ParseFeedError),
    #[error("not a readable sitemap: {0}")]
    Sitemap(#[source] quick_xml::Error),
    #[error("not a sitemap: no <urlset> or <sitemapindex>")]
    NotASitemap,
}

static LIST_CHROME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(mostview|most-view|most_view|mostread|most-read|tophit|top-hit|block_tophits|xemnhieu|xem-nhieu|docnhieu|doc-nhieu|ticker|marquee|hotnews|hot-news|tinhot|video|gallery|slide|carousel)")
        .expect("static regex")
});

static PAGINATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)([?&](page|p|trang|pageindex|pagenum|paged)=\d+|/page[-/]?\d+/?$|/trang[-/]?\d+/?$)",
    )
    .expect("static regex")
});

/// Finds the article links of an index page, in page order, without duplicates.
pub fn find_links(
    html: &str,
    page_url: &Url,
    source: &SourceConfig,
) -> Result<Vec<Link>, IndexError> {
    links_in(&parse_list(html)?, page_url, source, &Evidence::default())
}

/// What a run knows of a site's links besides the list page itself.
#[derive(Debug, Default, Clone)]
pub struct Evidence {
    /// Links earlier runs found to lead to pages that are not articles: a group mostly
    /// made of them is not the list.
    pub not_articles: HashSet<Url>,
    /// Links the site's own feeds list: articles, whatever their URLs look like (a short
    /// slug, no id), so a list of them is not passed over for its URLs' shape.
    pub listed: HashSet<Url>,
}

/// An index page's article links and its next page, from one parse: what a run reads on
/// every list page it follows.
pub fn read_list(
    html: &str,
    page_url: &Url,
    source: &SourceConfig,
    evidence: &Evidence,
) -> Result<(Vec<Link>, Option<Url>), IndexError> {
    let doc = parse_list(html)?;
    Ok((
        links_in(&doc, page_url, source, evidence)?,
        next_in(&doc, page_url),
    ))
}

/// The feeds a page advertises in its head (`<link rel="alternate">` of an RSS, Atom
/// or JSON Feed type), on its own site, in page order. Only the head is parsed, at most
/// its first 256 KiB: this runs before the page's list is read.
pub fn advertised_feeds(html: &str, page_url: &Url) -> Vec<Url> {
    const MAX_HEAD: usize = 256 * 1024;
    let b = html.as_bytes();
    let end = memchr::memmem::find_iter(b, b"</")
        .find(|&i| {
            b.get(i + 2..i + 6)
                .is_some_and(|n| n.eq_ignore_ascii_case(b"head"))
        })
        .unwrap_or(b.len())
        .min(MAX_HEAD);
    let mut end = end;
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    let head = &html[..end];
    match crate::extract::depth::prepare(head, crate::extract::PARSE_DEPTH) {
        Some(head) => feeds_in(&Html::parse_document(&head), page_url),
        None => Vec::new(),
    }
}

/// The feeds a parsed page advertises on its own site (see [`advertised_feeds`]).
pub fn feeds_in(doc: &Html, page_url: &Url) -> Vec<Url> {
    let Ok(sel) = Selector::parse("link[rel~=alternate][href]") else {
        return Vec::new();
    };
    let mut feeds: Vec<Url> = Vec::new();
    for e in doc.select(&sel) {
        let ty = e.value().attr("type").unwrap_or("").to_ascii_lowercase();
        if (ty.contains("rss") || ty.contains("atom") || ty.contains("feed+json"))
            && let Some(u) = e
                .value()
                .attr("href")
                .and_then(|h| page_url.join(h.trim()).ok())
            && matches!(u.scheme(), "http" | "https")
            && text::same_site(&u, page_url)
            && !feeds.contains(&u)
        {
            feeds.push(u);
        }
    }
    feeds
}

/// The parsed list page, without its scripts' and style sheets' text; one nested past
/// what any page needs is refused before the parser, whose cost grows with the depth,
/// sees it.
fn parse_list(html: &str) -> Result<Html, IndexError> {
    match crate::extract::depth::prepare(html, crate::extract::PARSE_DEPTH) {
        Some(html) => Ok(Html::parse_document(&html)),
        None => Err(IndexError::TooDeep),
    }
}

fn links_in(
    doc: &Html,
    page_url: &Url,
    source: &SourceConfig,
    evidence: &Evidence,
) -> Result<Vec<Link>, IndexError> {
    let anchors: Vec<ElementRef<'_>> = match &source.links {
        Some(sel) => {
            let sel = Selector::parse(sel).map_err(|_| IndexError::Selector(sel.clone()))?;
            let a =
                Selector::parse("a[href]").map_err(|_| IndexError::Selector("a[href]".into()))?;
            doc.select(&sel)
                .flat_map(|e| {
                    if e.value().name() == "a" {
                        vec![e]
                    } else {
                        e.select(&a).collect()
                    }
                })
                .collect()
        }
        None => auto_anchors(doc, page_url, &source.allow_hosts, evidence),
    };
    let mut seen: HashMap<Url, usize> = HashMap::new();
    let mut links: Vec<Link> = Vec::new();
    for a in anchors {
        let Some(url) = resolve(a, page_url) else {
            continue;
        };
        if !on_site(&url, page_url, &source.allow_hosts) || url == text::canonical_url(page_url) {
            continue;
        }
        if let Some(re) = &source.link_pattern
            && !re.is_match(url.as_str())
        {
            continue;
        }
        let title = normalize(&a.text().collect::<String>());
        match seen.get(&url) {
            // A row links its story from a picture, the headline and "Chi tiết": the
            // link keeps its first place and the headline's words.
            Some(&i) => {
                if word_count(&links[i].title) < 3
                    && word_count(&title) > word_count(&links[i].title)
                {
                    links[i].title = title;
                }
            }
            None => {
                seen.insert(url.clone(), links.len());
                links.push(Link { url, title });
            }
        }
    }
    Ok(links)
}

/// The index's own site, or a host the source allows.
fn on_site(url: &Url, index: &Url, allow_hosts: &[String]) -> bool {
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    text::same_site(url, index)
        || allow_hosts
            .iter()
            .any(|h| host == *h || host.ends_with(&format!(".{h}")))
}

fn resolve(a: ElementRef<'_>, base: &Url) -> Option<Url> {
    let href = a.value().attr("href")?.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let url = base.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| text::canonical_url(&url))
}

/// Whether a URL has the shape of an article rather than a section, a paging link or a
/// utility page: a long slug, a numeric id, or an id in the query.
pub fn looks_like_article(url: &Url, index: &Url) -> bool {
    if PAGINATION.is_match(url.as_str()) {
        return false;
    }
    let path = url.path();
    if index.path().starts_with(path) && url.query().is_none() {
        return false;
    }
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let stem = last.split('.').next().unwrap_or("");
    let slug_words = stem.split(['-', '_']).filter(|w| !w.is_empty()).count();
    let has_id = stem.chars().filter(char::is_ascii_digit).count() >= 3;
    let query_id = url.query_pairs().any(|(k, v)| {
        k.to_ascii_lowercase().contains("id") && v.chars().any(|c| c.is_ascii_digit())
    });
    slug_words >= 4 || has_id || query_id
}

fn in_chrome(node: NodeRef<'_, Node>) -> bool {
    let mut n = node.parent();
    while let Some(x) = n {
        if let Some(el) = x.value().as_element() {
            if rules::is_never_content(el) && el.name() != "form" {
                return true;
            }
            if matches!(el.name(), "nav" | "header" | "footer" | "aside" | "marquee") {
                return true;
            }
            let class = el.attr("class").unwrap_or("");
            let id = el.attr("id").unwrap_or("");
            if el.name() != "form" && el.name() != "body" && rules::is_chrome(el) {
                return true;
            }
            if LIST_CHROME.is_match(class) || LIST_CHROME.is_match(id) {
                return true;
            }
        }
        n = x.parent();
    }
    false
}

/// The shape of an anchor's position: its ancestors' tags and first classes.
fn signature(node: NodeRef<'_, Node>) -> String {
    let mut parts = Vec::new();
    let mut n = Some(node);
    for _ in 0..5 {
        let Some(x) = n else { break };
        if let Some(el) = x.value().as_element() {
            let class = el.classes().next().unwrap_or("");
            parts.push(format!("{}.{}", el.name(), class));
        }
        n = x.parent();
    }
    parts.join("<")
}

fn auto_anchors<'a>(
    doc: &'a Html,
    page_url: &Url,
    allow_hosts: &[String],
    evidence: &Evidence,
) -> Vec<ElementRef<'a>> {
    let not_articles = &evidence.not_articles;
    // An article by its URL's shape, or because the site's feed lists it.
    let article_url = |u: &Url| looks_like_article(u, page_url) || evidence.listed.contains(u);
    let Ok(sel) = Selector::parse("a[href]") else {
        return Vec::new();
    };
    let candidates: Vec<ElementRef<'a>> = doc
        .select(&sel)
        .filter(|a| {
            resolve(*a, page_url)
                .is_some_and(|u| on_site(&u, page_url, allow_hosts) && article_url(&u))
        })
        .filter(|a| !in_chrome(**a))
        .collect();
    let groups_by_shape = group_by_shape(&candidates);
    let (groups, order) = split_by_list(groups_by_shape, page_url);
    // A group's weight is the text of its items (title, date, summary), not just of its
    // anchors: a news list carries summaries and dates, a "latest news" sidebar only titles.
    let score = |links: &Vec<ElementRef<'a>>| -> usize {
        let lca = common_ancestor(links);
        let mut seen = HashSet::new();
        links
            .iter()
            // A picture link to the same story comes first in many rows: it adds nothing,
            // and must not take the headline link's place.
            .filter(|a| word_count(&a.text().collect::<String>()) >= 3)
            .filter(|a| seen.insert(resolve(**a, page_url)))
            .map(|a| {
                let item = lca.and_then(|l| item_of(**a, l)).unwrap_or(**a);
                let text: String = ElementRef::wrap(item)
                    .map(|e| e.text().collect())
                    .unwrap_or_default();
                word_count(&text).clamp(3, 80)
            })
            .sum()
    };
    // On equal weight the first list wins: a theme's "Continue reading …" links carry
    // the same items as the headlines above them.
    // A group at least half of whose pages were found not to be articles is a menu or a
    // box of section links, whatever its shape says.
    let learned_wrong = |links: &Vec<ElementRef<'a>>| -> bool {
        if not_articles.is_empty() {
            return false;
        }
        let urls: HashSet<Url> = links.iter().filter_map(|a| resolve(*a, page_url)).collect();
        let known = urls.iter().filter(|u| not_articles.contains(*u)).count();
        known > 0 && known * 2 >= urls.len()
    };
    let mut best: Option<(&ListKey, usize)> = None;
    for key in &order {
        if learned_wrong(&groups[key]) {
            continue;
        }
        let w = score(&groups[key]);
        if best.is_none_or(|(_, b)| w > b) {
            best = Some((key, w));
        }
    }
    let Some((best, _)) = best else {
        return Vec::new();
    };
    let best_links = &groups[best];
    if score(best_links) == 0 {
        return Vec::new();
    }
    let Some(mut container) = common_ancestor(best_links) else {
        return best_links.clone();
    };
    // A featured first story often sits just above the list, in its own block: take the
    // parent in while all it adds is one or two headline links before the list.
    let best_urls: HashSet<Option<Url>> =
        best_links.iter().map(|a| resolve(*a, page_url)).collect();
    let position: HashMap<ego_tree::NodeId, usize> = doc
        .tree
        .root()
        .descendants()
        .enumerate()
        .map(|(i, n)| (n.id(), i))
        .collect();
    for _ in 0..3 {
        let Some(parent) = container.parent() else {
            break;
        };
        // Membership and order by ancestry and document position, never by walking a
        // subtree per link: a page of 80,000 links costs one pass.
        let within =
            |a: &ElementRef<'a>, n: NodeRef<'a, Node>| a.ancestors().any(|x| x.id() == n.id());
        let extra: Vec<&ElementRef<'a>> = candidates
            .iter()
            .filter(|a| !within(a, container) && within(a, parent))
            .filter(|a| !best_urls.contains(&resolve(**a, page_url)))
            .collect();
        let extra_urls: HashSet<_> = extra.iter().map(|a| resolve(**a, page_url)).collect();
        let before = |a: &ElementRef<'a>| position.get(&a.id()) < position.get(&container.id());
        if extra.is_empty() || extra_urls.len() > 2 || !extra.iter().all(|a| before(a)) {
            break;
        }
        container = parent;
    }
    let best_ids: HashSet<_> = best_links.iter().map(|a| a.id()).collect();
    let candidate_ids: HashSet<_> = candidates.iter().map(|a| a.id()).collect();
    let Some(container_el) = ElementRef::wrap(container) else {
        return Vec::new();
    };
    // Inside the list, an item's own "related" sub-list holds more of the section's
    // stories (NukeViet prints a sub-section's newest story, then the next few in
    // `ul.related`): taken, though a related box elsewhere is chrome.
    let related_in_list = |a: &ElementRef<'a>| -> bool {
        let mut related = false;
        for n in a.ancestors().take_while(|n| n.id() != container.id()) {
            let Some(el) = n.value().as_element() else {
                continue;
            };
            if rules::is_chrome(el) || rules::is_never_content(el) {
                if !el
                    .classes()
                    .any(|c| c.to_ascii_lowercase().starts_with("related"))
                {
                    return false;
                }
                related = true;
            }
        }
        related
    };
    let mut picked: Vec<ElementRef<'a>> = container_el
        .select(&sel)
        .filter(|a| {
            if candidate_ids.contains(&a.id()) {
                return true;
            }
            related_in_list(a)
                && resolve(*a, page_url)
                    .is_some_and(|u| on_site(&u, page_url, allow_hosts) && article_url(&u))
        })
        .filter(|a| best_ids.contains(&a.id()) || word_count(&a.text().collect::<String>()) >= 3)
        .collect();
    // A link to a folder that holds other links of the list is a section's index (a
    // sub-section's heading), not a story. Sorted, a folder's contents follow it.
    let paths: std::collections::BTreeSet<String> = picked
        .iter()
        .filter_map(|a| resolve(*a, page_url))
        .map(|u| u.path().to_string())
        .collect();
    picked.retain(|a| {
        let Some(u) = resolve(*a, page_url) else {
            return false;
        };
        let p = u.path();
        let holds_others = || {
            use std::ops::Bound::{Excluded, Unbounded};
            paths
                .range::<str, _>((Excluded(p), Unbounded))
                .next()
                .is_some_and(|q| q.starts_with(p))
        };
        // The site's feed listing it says it is a story, whatever its path holds.
        evidence.listed.contains(&u) || !(p.ends_with('/') && holds_others())
    });
    picked
}

/// Links grouped by the shape of their position, in page order of first appearance.
fn group_by_shape<'a>(candidates: &[ElementRef<'a>]) -> Vec<Vec<ElementRef<'a>>> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<Vec<ElementRef<'a>>> = Vec::new();
    for a in candidates {
        let sig = signature(**a);
        let i = *index.entry(sig).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(*a);
    }
    groups
}

/// Splits each shape group into the lists it is made of. Links of one shape can stand in
/// several lists: in a layout of tables without classes, the left menu, the news list and
/// the "Tin mới" box are all `td > a` in a `tr`. A link's list is its nearest ancestor that
/// holds two of the group's URLs (a row's picture, headline and "Chi tiết" links are one
/// URL); lists of one shape side by side under one parent (a grid printed as rows of
/// three) are one list. Returns the groups and their keys in page order.
fn split_by_list<'a>(
    shape_groups: Vec<Vec<ElementRef<'a>>>,
    page_url: &Url,
) -> (HashMap<ListKey, Vec<ElementRef<'a>>>, Vec<ListKey>) {
    use std::hash::{Hash, Hasher};
    let mut groups: HashMap<ListKey, Vec<ElementRef<'a>>> = HashMap::new();
    let mut order = Vec::new();
    for (g, links) in shape_groups.into_iter().enumerate() {
        // Each ancestor's first URL of the group, and whether it holds a second one.
        let mut first_url: HashMap<ego_tree::NodeId, (u64, bool)> = HashMap::new();
        for a in &links {
            let mut h = rustc_hash::FxHasher::default();
            resolve(*a, page_url).hash(&mut h);
            let url = h.finish();
            for n in a.ancestors() {
                let seen = first_url.entry(n.id()).or_insert((url, false));
                if seen.0 != url {
                    if seen.1 {
                        // Every ancestor above already holds two URLs too.
                        break;
                    }
                    seen.1 = true;
                }
            }
        }
        let mut lists: Vec<Option<NodeRef<'a, Node>>> = links
            .iter()
            .map(|a| {
                a.ancestors()
                    .find(|n| first_url.get(&n.id()).is_some_and(|s| s.1))
            })
            .collect();
        // Sibling lists of one shape are one list: climb to their shared parent, as many
        // times as the layout nests (rows in a column in a grid).
        for _ in 0..32 {
            let mut distinct: HashMap<ego_tree::NodeId, NodeRef<'a, Node>> = HashMap::new();
            for l in lists.iter().flatten() {
                distinct.insert(l.id(), *l);
            }
            let mut siblings: HashMap<(ego_tree::NodeId, String), usize> = HashMap::new();
            for l in distinct.values() {
                if let (Some(p), Some(el)) = (l.parent(), l.value().as_element()) {
                    let class = el.attr("class").unwrap_or("");
                    *siblings
                        .entry((p.id(), format!("{}.{class}", el.name())))
                        .or_default() += 1;
                }
            }
            let twinned = |l: &NodeRef<'a, Node>| -> Option<NodeRef<'a, Node>> {
                let p = l.parent()?;
                let el = l.value().as_element()?;
                let class = el.attr("class").unwrap_or("");
                (siblings.get(&(p.id(), format!("{}.{class}", el.name()))) >= Some(&2)).then_some(p)
            };
            let mut merged = false;
            for x in lists.iter_mut() {
                if let Some(p) = x.as_ref().and_then(twinned) {
                    *x = Some(p);
                    merged = true;
                }
            }
            if !merged {
                break;
            }
        }
        for (a, l) in links.into_iter().zip(lists) {
            // A link alone in its shape is a group of its own.
            let key = ListKey(g, l.map_or(a.id(), |l| l.id()));
            if !groups.contains_key(&key) {
                order.push(key);
            }
            groups.entry(key).or_default().push(a);
        }
    }
    (groups, order)
}

/// A list on the page: the shape of its links and the element that holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ListKey(usize, ego_tree::NodeId);

/// The deepest element holding all the links (the parent of a lone link).
fn common_ancestor<'a>(links: &[ElementRef<'a>]) -> Option<NodeRef<'a, Node>> {
    let first = links.first()?;
    let chains: Vec<Vec<ego_tree::NodeId>> = links.iter().map(|a| ancestors(**a)).collect();
    first
        .ancestors()
        .find(|n| chains.iter().all(|c| c.contains(&n.id())))
}

/// The child of `list` that holds `anchor`: the list item.
fn item_of<'a>(anchor: NodeRef<'a, Node>, list: NodeRef<'a, Node>) -> Option<NodeRef<'a, Node>> {
    let mut n = anchor;
    loop {
        let p = n.parent()?;
        if p.id() == list.id() {
            return Some(n);
        }
        n = p;
    }
}

/// The ids of a node's ancestors, nearest first.
fn ancestors(node: NodeRef<'_, Node>) -> Vec<ego_tree::NodeId> {
    let mut out = Vec::new();
    let mut n = node.parent();
    while let Some(x) = n {
        out.push(x.id());
        n = x.parent();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    fn source(extra: &str) -> SourceConfig {
        let cfg = format!("[[source]]\nid = \"s\"\nurl = \"http://p.test/tin-tuc/\"\n{extra}");
        Config::from_str(&cfg, Path::new("t.toml"))
            .unwrap()
            .sources
            .remove(0)
    }

    const PAGE: &str = r#"<html><body>
        <nav><ul><li><a href="/gioi-thieu/tong-quan-ve-huyen-dakrong.html">Tổng quan về huyện Đakrông ở đây</a></li></ul></nav>
        <div class="news-list">
          <div class="item"><h3><a href="/tin-tuc/huyen-to-chuc-hoi-nghi-tong-ket-1944.html">Huyện tổ chức hội nghị tổng kết</a></h3></div>
          <div class="item"><h3><a href="/tin-tuc/xa-ta-long-ra-mat-mo-hinh-1937.html?utm_source=x">Xã Tà Long ra mắt mô hình mới</a></h3></div>
          <div class="item"><h3><a href="/tin-tuc/tap-huan-nghiep-vu-dan-van-1940.html">Tập huấn nghiệp vụ công tác dân vận</a></h3></div>
        </div>
        <ul class="pagination"><li><a href="/tin-tuc/page-2/">2</a></li></ul>
        <div class="block_tophits"><ul><li><a href="/tin-tuc/thong-bao-lich-tiep-cong-dan-1870.html">Thông báo lịch tiếp công dân tháng 10</a></li></ul></div>
        </body></html>"#;

    #[test]
    fn advertised_feeds_are_the_heads_feed_links_on_the_site() {
        let page = Url::parse("http://p.test/tin-tuc/").unwrap();
        let html = r#"<html><head>
            <link rel="alternate" type="application/rss+xml" href="/rss/tin-tuc.rss">
            <link rel="alternate" type="application/atom+xml" href="http://www.p.test/atom">
            <link rel="alternate" type="application/rss+xml" href="http://other.test/rss">
            <link rel="alternate" hreflang="en" href="/en/">
            <link rel="stylesheet" type="text/css" href="/a.css">
            <link rel="alternate" type="application/rss+xml" href="/rss/tin-tuc.rss">
            </head><body>
            <link rel="alternate" type="application/rss+xml" href="/in-body.rss">
            </body></html>"#;
        let feeds: Vec<String> = advertised_feeds(html, &page)
            .iter()
            .map(|u| u.to_string())
            .collect();
        // Another site's feed, a language version, a stylesheet, a repeat and a link past
        // the head are not the page's feeds.
        assert_eq!(
            feeds,
            vec!["http://p.test/rss/tin-tuc.rss", "http://www.p.test/atom"]
        );
        // No head at all: the start of the page is read, and nothing breaks.
        assert!(advertised_feeds("<p>x", &page).is_empty());
        assert!(advertised_feeds("", &page).is_empty());
    }

    #[test]
    fn finds_the_main_list_only() {
        let url = Url::parse("http://p.test/tin-tuc/").unwrap();
        let links = find_links(PAGE, &url, &source("")).unwrap();
        let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(
            urls,
            vec![
                "http://p.test/tin-tuc/huyen-to-chuc-hoi-nghi-tong-ket-1944.html",
                "http://p.test/tin-tuc/xa-ta-long-ra-mat-mo-hinh-1937.html",
                "http://p.test/tin-tuc/tap-huan-nghiep-vu-dan-van-1940.html",
            ]
        );
        assert_eq!(links[0].title, "Huyện tổ chức hội nghị tổng kết");
    }

    /// A 2010-era layout of tables without a class: the left menu, the news list and the
    /// "Tin mới nhất" box all put `td > a` in a `tr`.
    #[test]
    fn a_layout_table_list_is_told_from_the_menu_and_sidebar_of_the_same_shape() {
        let row = |id: u32, title: &str| {
            format!(
                r#"<tr><td><a href="index.php?module=tintuc&act=detail&id={id}"><img src="t/{id}.jpg"></a></td>
                <td><a href="index.php?module=tintuc&act=detail&id={id}"><b>{title}</b></a> (20/08/2019)
                <font size="2">Tóm tắt bài viết với vài câu giới thiệu nội dung chính của tin.</font>
                <a href="index.php?module=tintuc&act=detail&id={id}">Chi tiết</a></td></tr>"#
            )
        };
        let side = |id: u32, title: &str| {
            format!(
                r#"<tr><td><a href="index.php?module=tintuc&act=detail&id={id}">{title}</a></td></tr>"#
            )
        };
        let menu = |id: u32, title: &str| {
            format!(r#"<tr><td><a href="index.php?module=gioithieu&id={id}">{title}</a></td></tr>"#)
        };
        let html = format!(
            r#"<html><body><table><tr>
            <td><table>{}{}{}</table></td>
            <td><table>{}{}{}</table></td>
            <td><table>{}{}</table></td>
            </tr></table></body></html>"#,
            menu(1, "Giới thiệu chung về huyện"),
            menu(2, "Lịch sử - Truyền thống huyện"),
            menu(3, "Tiềm năng du lịch của huyện"),
            row(2298, "Đối thoại với hộ dân bị ảnh hưởng bởi dự án"),
            row(2291, "Huyện triển khai kế hoạch phòng chống sạt lở"),
            row(2284, "Khai giảng lớp trung cấp lý luận chính trị"),
            side(2305, "Chuẩn bị các điều kiện cho năm học mới"),
            side(2303, "Xã Long Hòa ra mắt Tổ hòa giải ở cơ sở"),
        );
        let url = Url::parse("http://p.test/index.php?module=tintuc&cat=4").unwrap();
        let links = find_links(&html, &url, &source("")).unwrap();
        let got: Vec<(&str, &str)> = links
            .iter()
            .map(|l| (l.url.as_str(), l.title.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "http://p.test/index.php?module=tintuc&act=detail&id=2298",
                    "Đối thoại với hộ dân bị ảnh hưởng bởi dự án"
                ),
                (
                    "http://p.test/index.php?module=tintuc&act=detail&id=2291",
                    "Huyện triển khai kế hoạch phòng chống sạt lở"
                ),
                (
                    "http://p.test/index.php?module=tintuc&act=detail&id=2284",
                    "Khai giảng lớp trung cấp lý luận chính trị"
                ),
            ]
        );
    }

    /// NukeViet 4's section page with sub-sections (`viewcat_main_bottom`): a panel per
    /// sub-section, headed by a link to the sub-section's own index, with its newest
    /// story and a few more. The stories of every panel are the list; the sub-section
    /// indexes are not stories.
    #[test]
    fn a_nukeviet_section_with_sub_sections_gives_their_stories_not_their_indexes() {
        let panel = |sub: &str, name: &str, ids: [u32; 3]| {
            let more: String = ids[1..]
                .iter()
                .map(|id| {
                    format!(
                        r#"<li><a href="/Tin-tuc/{sub}/hoi-nghi-so-{id}-cua-{sub}-{id}.html" title="Hội nghị số {id}">Hội nghị số {id} của chuyên mục {name}</a></li>"#
                    )
                })
                .collect();
            format!(
                r#"<div class="news_column panel panel-default"><div class="panel-heading"><h4><a href="/Tin-tuc/{sub}/" title="{name}">{name}</a></h4></div>
                <div class="panel-body"><div class="clearfix"><h3><a href="/Tin-tuc/{sub}/hoi-nghi-so-{id}-cua-{sub}-{id}.html">Hội nghị số {id} của chuyên mục {name}</a></h3>
                <p>Tóm tắt của bài viết số {id}, với một câu giới thiệu nội dung chính.</p></div><ul class="related">{more}</ul></div></div>"#,
                id = ids[0]
            )
        };
        let html = format!(
            r#"<html><body><div class="col-md-18">{}{}</div></body></html>"#,
            panel("thong-cao-bao-chi", "Thông cáo báo chí", [101, 100, 99]),
            panel(
                "Ban-tin-noi-bo",
                "Bản tin nội bộ tháng này",
                [201, 200, 199]
            ),
        );
        let url = Url::parse("http://p.test/Tin-tuc/").unwrap();
        let links = find_links(&html, &url, &source("")).unwrap();
        let paths: Vec<&str> = links.iter().map(|l| l.url.path()).collect();
        assert!(
            !paths.iter().any(|p| p.ends_with('/')),
            "a sub-section index taken for a story: {paths:#?}"
        );
        for id in [101, 100, 99, 201, 200, 199] {
            assert!(
                paths.iter().any(|p| p.ends_with(&format!("-{id}.html"))),
                "story {id} missed: {paths:#?}"
            );
        }
    }

    /// A grid printed as rows of three cards is one list, not one list per row.
    #[test]
    fn a_grid_in_rows_is_one_list() {
        let card = |n: u32| {
            format!(
                r#"<div class="col"><article><h3><a href="/tin-tuc/bai-viet-so-{n}-ve-hoat-dong-cua-xa-{n}00.html">Bài viết số {n} về hoạt động của xã</a></h3><p>Tóm tắt bài viết số {n} với vài câu giới thiệu nội dung.</p></article></div>"#
            )
        };
        let rows: String = (0..3)
            .map(|r| {
                format!(
                    r#"<div class="row">{}{}{}</div>"#,
                    card(r * 3 + 1),
                    card(r * 3 + 2),
                    card(r * 3 + 3)
                )
            })
            .collect();
        let html = format!(
            r#"<html><body><main><div class="posts">{rows}</div></main>
            <div class="box"><div class="row"><div class="col"><article><h3><a href="/tin-tuc/thong-bao-lich-tiep-cong-dan-thang-10-9900.html">Thông báo lịch tiếp công dân tháng 10</a></h3></article></div></div></div></body></html>"#
        );
        let url = Url::parse("http://p.test/tin-tuc/").unwrap();
        let links = find_links(&html, &url, &source("")).unwrap();
        assert_eq!(links.len(), 9, "{links:#?}");
        assert!(links.iter().all(|l| !l.url.as_str().contains("9900")));
    }

    /// A section page whose "about the district" block, of long linked titles with a
    /// summary each, outweighs its short news list: by shape alone the block is taken.
    /// Once a run has found its pages not to be articles, the next run takes the news.
    #[test]
    fn a_group_whose_pages_were_not_articles_is_not_the_list_on_the_next_run() {
        let about = |slug: &str, title: &str| {
            format!(
                r#"<div class="intro-item"><h4><a href="/gioi-thieu/{slug}.html">{title}</a></h4><p>Giới thiệu khái quát về điều kiện tự nhiên, lịch sử hình thành, truyền thống văn hóa và tiềm năng phát triển kinh tế xã hội của huyện qua các thời kỳ.</p></div>"#
            )
        };
        let news = |id: u32, title: &str| {
            format!(
                r#"<li><a href="/tin-tuc/{id}.html">{title}</a> <span>(20/08/2024)</span></li>"#
            )
        };
        let html = format!(
            r#"<html><body><div class="intro">{}{}{}</div><ul class="news">{}{}{}</ul></body></html>"#,
            about(
                "tong-quan-ve-dieu-kien-tu-nhien",
                "Tổng quan về điều kiện tự nhiên của huyện"
            ),
            about(
                "lich-su-hinh-thanh-va-phat-trien",
                "Lịch sử hình thành và phát triển của huyện"
            ),
            about(
                "tiem-nang-va-loi-the-dau-tu",
                "Tiềm năng và lợi thế đầu tư của huyện"
            ),
            news(2298, "Đối thoại với hộ dân bị ảnh hưởng bởi dự án"),
            news(2291, "Huyện triển khai kế hoạch phòng chống sạt lở"),
            news(2284, "Khai giảng lớp trung cấp lý luận chính trị"),
        );
        let url = Url::parse("http://p.test/tin-tuc/").unwrap();
        let src = source("");
        let paths = |learned: &HashSet<Url>| -> Vec<String> {
            let evidence = Evidence {
                not_articles: learned.clone(),
                ..Default::default()
            };
            read_list(&html, &url, &src, &evidence)
                .unwrap()
                .0
                .iter()
                .map(|l| l.url.path().to_string())
                .collect()
        };
        let first = paths(&HashSet::new());
        assert!(
            first.iter().all(|p| p.starts_with("/gioi-thieu/")),
            "the page no longer tests what it should: {first:?}"
        );
        // Two of the three pages were fetched and found not to be articles.
        let learned: HashSet<Url> = first[..2].iter().map(|p| url.join(p).unwrap()).collect();
        assert_eq!(
            paths(&learned),
            vec![
                "/tin-tuc/2298.html",
                "/tin-tuc/2291.html",
                "/tin-tuc/2284.html"
            ]
        );
        // One wrong link in a list of three does not cost the list.
        let mut more = learned.clone();
        more.insert(url.join("/tin-tuc/2291.html").unwrap());
        assert_eq!(
            paths(&more),
            vec![
                "/tin-tuc/2298.html",
                "/tin-tuc/2291.html",
                "/tin-tuc/2284.html"
            ]
        );
    }

    #[test]
    fn selector_and_pattern_from_config() {
        let url = Url::parse("http://p.test/tin-tuc/").unwrap();
        let links = find_links(PAGE, &url, &source("links = \".block_tophits a\"")).unwrap();
        assert_eq!(links.len(), 1);
        let links = find_links(PAGE, &url, &source("link_pattern = '-194\\d\\.html$'")).unwrap();
        assert_eq!(links.len(), 2);
    }

    #[test]
    fn article_shapes() {
        let idx = Url::parse("http://p.test/tin-tuc/Pages/Tin-hoat-dong.aspx").unwrap();
        let yes = |s: &str| looks_like_article(&Url::parse(s).unwrap(), &idx);
        assert!(yes(
            "http://p.test/tin-tuc/Pages/2019-4-19/Co-dan-van-la-co-tat-ca.aspx"
        ));
        assert!(yes("http://p.test/Lists/Posts/Post.aspx?List=abc&ID=4571"));
        assert!(!yes(
            "http://p.test/tin-tuc/Pages/Tin-hoat-dong.aspx?Page=2"
        ));
        assert!(!yes("http://p.test/tin-tuc/Pages/Kinh-te.aspx"));
        assert!(!yes("http://p.test/tin-tuc/"));
    }
}

/// The next page of an HTML index: `<link rel=next>` or `<a rel=next>`, else a pager link
/// reading "Trang sau", "Tiếp", "›", "»", "Next" or the number after the current page.
pub fn next_page(html: &str, page_url: &Url) -> Option<Url> {
    next_in(&parse_list(html).ok()?, page_url)
}

fn next_in(doc: &Html, page_url: &Url) -> Option<Url> {
    let rel = Selector::parse("link[rel~=next][href], a[rel~=next][href]").ok()?;
    if let Some(u) = doc.select(&rel).find_map(|e| resolve(e, page_url)) {
        return Some(u);
    }
    let anchors = Selector::parse("a[href]").ok()?;
    const NEXT: &[&str] = &[
        "trang sau",
        "trang tiep",
        "tiep",
        "tiep theo",
        "sau",
        "next",
        "›",
        "»",
        ">",
        ">>",
        "next »",
        "trang sau ›",
    ];
    let worded = doc
        .select(&anchors)
        .filter(|a| {
            let t = crate::text::fold_search(&normalize(&a.text().collect::<String>()));
            NEXT.contains(&t.trim())
        })
        .find_map(|a| resolve(a, page_url));
    worded
        .or_else(|| numbered_next(doc, page_url))
        .filter(|u| u != &text::canonical_url(page_url) && text::same_site(u, page_url))
}

/// A pager's next number: the current page marked (a class `active`, `current` or
/// `selected` on an element whose text is its number n), and a link reading n + 1 in the
/// same pager (within two levels above the mark).
fn numbered_next(doc: &Html, page_url: &Url) -> Option<Url> {
    let marked = Selector::parse("[class]").ok()?;
    let number = |e: ElementRef<'_>| -> Option<u32> {
        e.text().collect::<String>().trim().parse::<u32>().ok()
    };
    for cur in doc.select(&marked) {
        let is_mark = cur.value().classes().any(|c| {
            let c = c.to_ascii_lowercase();
            c == "active" || c == "current" || c == "selected" || c.ends_with("-current")
        });
        let Some(n) = is_mark.then(|| number(cur)).flatten() else {
            continue;
        };
        for pager in cur.ancestors().take(2).filter_map(ElementRef::wrap) {
            let next = pager
                .descendants()
                .filter_map(ElementRef::wrap)
                .filter(|a| a.value().name() == "a" && a.value().attr("href").is_some())
                .find(|a| number(*a) == Some(n + 1));
            if let Some(u) = next.and_then(|a| resolve(a, page_url)) {
                return Some(u);
            }
        }
    }
    None
}

/// The article links of an RSS or Atom feed, in feed order. Feeds give only the URLs:
/// their summaries are partial and some platforms (NukeViet 4.5) write wrong times, so
/// the article and its date come from the article page.
pub fn feed_links(body: &[u8], feed_url: &Url) -> Result<Vec<Link>, IndexError> {
    let feed = feed_rs::parser::parse(body).map_err(IndexError::Feed)?;
    let mut seen = HashSet::new();
    Ok(feed
        .entries
        .iter()
        .filter_map(|e| {
            let href = e
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .map(|l| l.href.clone())
                .or_else(|| url::Url::parse(&e.id).ok().map(|u| u.to_string()))?;
            let url = text::canonical_url(&feed_url.join(href.trim()).ok()?);
            seen.insert(url.clone()).then(|| Link {
                url,
                title: e
                    .title
                    .as_ref()
                    .map(|t| normalize(&t.content))
                    .unwrap_or_default(),
            })
        })
        .collect())
}

/// What a sitemap lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sitemap {
    /// A sitemap index: more sitemaps, newest first.
    Index(Vec<Url>),
    /// Page URLs, newest first.
    Urls(Vec<Link>),
}

/// Parses a sitemap or sitemap index (including Google News sitemaps), newest first by
/// `news:publication_date` or `lastmod`; entries without a date keep their order after
/// the dated ones.
pub fn parse_sitemap(body: &[u8], sitemap_url: &Url) -> Result<Sitemap, IndexError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    reader.config_mut().trim_text(true);
    let mut is_index = None;
    let mut entries: Vec<(Option<String>, String, String)> = Vec::new(); // (date, loc, title)
    let mut cur: Option<(Option<String>, String, String)> = None;
    let mut field = String::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_string();
                match name.as_str() {
                    "sitemapindex" => is_index = Some(true),
                    "urlset" => is_index = Some(false),
                    "url" | "sitemap" => cur = Some((None, String::new(), String::new())),
                    _ => {}
                }
                field = name;
            }
            Ok(Event::Text(t)) => {
                let text = t.decode().map(|c| c.into_owned()).unwrap_or_default();
                let text = quick_xml::escape::unescape(&text)
                    .map(|c| c.into_owned())
                    .unwrap_or(text);
                if let Some(c) = cur.as_mut() {
                    match field.as_str() {
                        "loc" => c.1.push_str(text.trim()),
                        "publication_date" => c.0 = Some(text.trim().to_string()),
                        "lastmod" if c.0.is_none() => c.0 = Some(text.trim().to_string()),
                        "title" => c.2.push_str(text.trim()),
                        _ => {}
                    }
                }
            }
            Ok(Event::CData(t)) => {
                if let (Some(c), "loc") = (cur.as_mut(), field.as_str()) {
                    c.1.push_str(String::from_utf8_lossy(&t).trim());
                }
            }
            Ok(Event::End(e)) => {
                let name = e.local_name();
                if matches!(name.as_ref(), b"url" | b"sitemap")
                    && let Some(c) = cur.take()
                    && !c.1.is_empty()
                {
                    entries.push(c);
                }
                field.clear();
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(IndexError::Sitemap(e)),
            _ => {}
        }
        buf.clear();
    }
    let Some(is_index) = is_index else {
        return Err(IndexError::NotASitemap);
    };
    // Newest first; undated entries after dated ones, in their order.
    let mut indexed: Vec<(usize, Option<i64>, String, String)> = entries
        .into_iter()
        .enumerate()
        .map(|(i, (date, loc, title))| (i, date.as_deref().and_then(sitemap_date), loc, title))
        .collect();
    indexed.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => y.cmp(&x).then(a.0.cmp(&b.0)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.0.cmp(&b.0),
    });
    let urls = indexed.into_iter().filter_map(|(_, _, loc, title)| {
        let u = sitemap_url.join(&loc).ok()?;
        matches!(u.scheme(), "http" | "https").then(|| (text::canonical_url(&u), normalize(&title)))
    });
    Ok(if is_index {
        Sitemap::Index(urls.map(|(u, _)| u).collect())
    } else {
        Sitemap::Urls(urls.map(|(url, title)| Link { url, title }).collect())
    })
}

/// A sitemap date (`2024-03-12`, or W3C date-time) as a timestamp for ordering.
fn sitemap_date(s: &str) -> Option<i64> {
    crate::extract::dates::parse_iso(s)
        .or_else(|| crate::extract::dates::parse_text(s))
        .map(|d| d.timestamp())
}

#[cfg(test)]
mod index_tests {
    use super::*;

    #[test]
    fn next_page_links() {
        let u = Url::parse("http://p.test/tin-tuc/").unwrap();
        let rel = r#"<link rel="next" href="/tin-tuc/page-2/">"#;
        assert_eq!(
            next_page(rel, &u).unwrap().as_str(),
            "http://p.test/tin-tuc/page-2/"
        );
        let pager = r#"<div class="pager"><a href="/tin-tuc/">1</a> <a href="/tin-tuc/?Page=2">Trang sau ›</a></div>"#;
        assert_eq!(
            next_page(pager, &u).unwrap().as_str(),
            "http://p.test/tin-tuc/?Page=2"
        );
        assert_eq!(next_page("<p>no pager</p>", &u), None);
        // Numbers only: the current page marked, the next number linked.
        let numbered = r##"<ul class="pagination"><li><a href="/tin-tuc/page-1/">1</a></li><li class="active"><a href="#">2</a></li><li><a href="/tin-tuc/page-3/">3</a></li></ul>"##;
        assert_eq!(
            next_page(numbered, &u).unwrap().as_str(),
            "http://p.test/tin-tuc/page-3/"
        );
        let wp = r#"<nav><span class="page-numbers current">1</span> <a class="page-numbers" href="/tin-tuc/page/2/">2</a></nav>"#;
        assert_eq!(
            next_page(wp, &u).unwrap().as_str(),
            "http://p.test/tin-tuc/page/2/"
        );
        // The last page: no number after the current one.
        let last = r#"<ul><li><a href="/tin-tuc/page-1/">1</a></li><li class="active"><span>2</span></li></ul>"#;
        assert_eq!(next_page(last, &u), None);
    }

    #[test]
    fn feed_entries_give_article_urls() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <item><title>Bài một</title><link>/tin-tuc/bai-mot-1.html?utm_source=rss</link></item>
            <item><title>Bài hai</title><link>http://p.test/tin-tuc/bai-hai-2.html</link></item>
            </channel></rss>"#;
        let links = feed_links(rss.as_bytes(), &Url::parse("http://p.test/rss/").unwrap()).unwrap();
        let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(
            urls,
            vec![
                "http://p.test/tin-tuc/bai-mot-1.html",
                "http://p.test/tin-tuc/bai-hai-2.html"
            ]
        );
        assert!(feed_links(b"<html></html>", &Url::parse("http://p.test/").unwrap()).is_err());
    }

    #[test]
    fn sitemaps_newest_first() {
        let xml = r#"<?xml version="1.0"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
            <url><loc>http://p.test/a-1.html</loc><lastmod>2024-01-02</lastmod></url>
            <url><loc>http://p.test/c-3.html</loc></url>
            <url><loc>http://p.test/b-2.html</loc><news:news><news:publication_date>2024-03-01T08:00:00+07:00</news:publication_date><news:title>Bài B</news:title></news:news></url>
            </urlset>"#;
        let Sitemap::Urls(links) = parse_sitemap(
            xml.as_bytes(),
            &Url::parse("http://p.test/sitemap.xml").unwrap(),
        )
        .unwrap() else {
            panic!("expected a urlset")
        };
        let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(
            urls,
            vec![
                "http://p.test/b-2.html",
                "http://p.test/a-1.html",
                "http://p.test/c-3.html"
            ]
        );
        assert_eq!(links[0].title, "Bài B");
        let index = br#"<sitemapindex><sitemap><loc>http://p.test/s1.xml</loc><lastmod>2023-01-01</lastmod></sitemap><sitemap><loc>http://p.test/s2.xml</loc><lastmod>2024-01-01</lastmod></sitemap></sitemapindex>"#;
        assert_eq!(
            parse_sitemap(index, &Url::parse("http://p.test/sitemap.xml").unwrap()).unwrap(),
            Sitemap::Index(vec![
                Url::parse("http://p.test/s2.xml").unwrap(),
                Url::parse("http://p.test/s1.xml").unwrap()
            ])
        );
        assert!(parse_sitemap(b"<html/>", &Url::parse("http://p.test/").unwrap()).is_err());
    }
}
