//! From a source's index page to the article links on it.
//!
//! With a `links` selector the choice is the user's. Without one, links are judged as
//! groups: the items of a news list repeat one structure (`ul.list > li > h3 > a`), so
//! links are grouped by the shape of their ancestors, groups inside menus, sidebars,
//! tickers, pagers and "most read" boxes are left out, and the group whose links read
//! most like article titles is the list. Links elsewhere in that list's container (a
//! featured first item, say) are added back.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ego_tree::NodeRef;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use crate::config::SourceConfig;
use crate::extract::rules;
use crate::text::{self, normalize, word_count};

/// An article link found on an index page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The link resolved against the page and put in identity form.
    pub url: Url,
    /// The anchor text, normalised.
    pub title: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("invalid links selector {0:?}")]
    Selector(String),
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
) -> Result<Vec<Link>, DiscoverError> {
    let doc = Html::parse_document(html);
    let anchors: Vec<ElementRef<'_>> = match &source.links {
        Some(sel) => {
            let sel = Selector::parse(sel).map_err(|_| DiscoverError::Selector(sel.clone()))?;
            let a = Selector::parse("a[href]")
                .map_err(|_| DiscoverError::Selector("a[href]".into()))?;
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
        None => auto_anchors(&doc, page_url, &source.allow_hosts),
    };
    let mut seen = HashSet::new();
    let mut links = Vec::new();
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
        if seen.insert(url.clone()) {
            links.push(Link {
                url,
                title: normalize(&a.text().collect::<String>()),
            });
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

fn auto_anchors<'a>(doc: &'a Html, page_url: &Url, allow_hosts: &[String]) -> Vec<ElementRef<'a>> {
    let Ok(sel) = Selector::parse("a[href]") else {
        return Vec::new();
    };
    let candidates: Vec<ElementRef<'a>> = doc
        .select(&sel)
        .filter(|a| {
            resolve(*a, page_url).is_some_and(|u| {
                on_site(&u, page_url, allow_hosts) && looks_like_article(&u, page_url)
            })
        })
        .filter(|a| !in_chrome(**a))
        .collect();
    let mut groups: HashMap<String, Vec<ElementRef<'a>>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for a in &candidates {
        let sig = signature(**a);
        if !groups.contains_key(&sig) {
            order.push(sig.clone());
        }
        groups.entry(sig).or_default().push(*a);
    }
    // A group's weight is the text of its items (title, date, summary), not just of its
    // anchors: a news list carries summaries and dates, a "latest news" sidebar only titles.
    let score = |links: &Vec<ElementRef<'a>>| -> usize {
        let lca = common_ancestor(links);
        let mut seen = HashSet::new();
        links
            .iter()
            .filter(|a| seen.insert(resolve(**a, page_url)))
            .filter(|a| word_count(&a.text().collect::<String>()) >= 3)
            .map(|a| {
                let item = lca.and_then(|l| item_of(**a, l)).unwrap_or(**a);
                let text: String = ElementRef::wrap(item)
                    .map(|e| e.text().collect())
                    .unwrap_or_default();
                word_count(&text).clamp(3, 80)
            })
            .sum()
    };
    let Some(best) = order.iter().max_by_key(|sig| score(&groups[*sig])) else {
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
    for _ in 0..3 {
        let Some(parent) = container.parent() else {
            break;
        };
        let inside: HashSet<_> = container.descendants().map(|n| n.id()).collect();
        let extra: Vec<&ElementRef<'a>> = candidates
            .iter()
            .filter(|a| !inside.contains(&a.id()) && parent.descendants().any(|n| n.id() == a.id()))
            .filter(|a| !best_urls.contains(&resolve(**a, page_url)))
            .collect();
        let extra_urls: HashSet<_> = extra.iter().map(|a| resolve(**a, page_url)).collect();
        let before = |a: &ElementRef<'a>| {
            let first = container.id();
            parent.descendants().position(|n| n.id() == a.id())
                < parent.descendants().position(|n| n.id() == first)
        };
        if extra.is_empty() || extra_urls.len() > 2 || !extra.iter().all(|a| before(a)) {
            break;
        }
        container = parent;
    }
    let container_ids: HashSet<_> = container.descendants().map(|n| n.id()).collect();
    candidates
        .into_iter()
        .filter(|a| container_ids.contains(&a.id()))
        .filter(|a| {
            word_count(&a.text().collect::<String>()) >= 3
                || best_links.iter().any(|b| b.id() == a.id())
        })
        .collect()
}

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
    let doc = Html::parse_document(html);
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
    doc.select(&anchors)
        .filter(|a| {
            let t = crate::text::fold_search(&normalize(&a.text().collect::<String>()));
            NEXT.contains(&t.trim())
        })
        .find_map(|a| resolve(a, page_url))
        .filter(|u| u != &text::canonical_url(page_url) && text::same_site(u, page_url))
}

/// The article links of an RSS or Atom feed, in feed order. Feeds give only the URLs:
/// their summaries are partial and some platforms (NukeViet 4.5) write wrong times, so
/// the article and its date come from the article page.
pub fn feed_links(body: &[u8], feed_url: &Url) -> Result<Vec<Link>, String> {
    let feed =
        feed_rs::parser::parse(body).map_err(|e| format!("not a readable RSS/Atom feed: {e}"))?;
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
pub fn parse_sitemap(body: &[u8], sitemap_url: &Url) -> Result<Sitemap, String> {
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
            Err(e) => return Err(format!("not a readable sitemap: {e}")),
            _ => {}
        }
        buf.clear();
    }
    let Some(is_index) = is_index else {
        return Err("not a sitemap: no <urlset> or <sitemapindex>".into());
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
