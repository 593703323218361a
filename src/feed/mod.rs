//! RSS 2.0, Atom 1.0, JSON Feed 1.1 and OPML rendering, and the catalogue of every feed
//! the configuration defines.
//!
//! Items carry a GUID that never changes, the publication date with the Vietnam offset
//! (Atom wants whole seconds), the author, the clean HTML and a plain summary. The
//! `rss` and `atom_syndication` crates do the XML; this module only decides what goes in.

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

pub use crate::model::Format;
use crate::store::FeedItem;

/// The feed's own description.
#[derive(Debug, Clone)]
pub struct FeedInfo {
    pub title: String,
    pub description: String,
    /// The URL this feed is served at.
    pub self_url: String,
    /// The page the feed is about (the portal, or the daemon's status page).
    pub site_url: String,
    /// The WebSub hub that pushes this feed (`rel="hub"`).
    pub hub: Option<String>,
}

impl FeedInfo {
    /// A catalogue feed's description; `path` is where it is served (with any query),
    /// relative to `public_url`.
    pub fn of(config: &crate::config::Config, entry: &FeedEntry, path: &str) -> FeedInfo {
        let self_url = config
            .daemon
            .public_url
            .join(path)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| path.to_string());
        FeedInfo {
            description: format!("{} (portalfeed)", entry.title),
            title: entry.title.clone(),
            self_url,
            site_url: entry.site_url.clone(),
            hub: Some(hub_url(config)),
        }
    }
}

/// The WebSub hub feeds advertise: the outside hub when `[websub] hub` names one, else
/// portalfeed's own `/websub`.
pub fn hub_url(config: &crate::config::Config) -> String {
    match &config.websub.hub {
        Some(hub) => hub.to_string(),
        None => config
            .daemon
            .public_url
            .join("websub")
            .map(|u| u.to_string())
            .unwrap_or_default(),
    }
}

/// A catalogue feed's URL in one format: its WebSub topic.
pub fn topic_url(config: &crate::config::Config, key: &str, format: Format) -> String {
    config
        .daemon
        .public_url
        .join(&format!("feeds/{key}.{}", format.extension()))
        .map(|u| u.to_string())
        .unwrap_or_default()
}

/// The catalogue feed and format a topic URL names, if it is one of ours.
pub fn feed_of_topic<'a>(
    config: &crate::config::Config,
    catalog: &'a [FeedEntry],
    topic: &str,
) -> Option<(&'a FeedEntry, Format)> {
    let base = config.daemon.public_url.join("feeds/").ok()?;
    let rest = topic.strip_prefix(base.as_str())?;
    let (key, ext) = rest.rsplit_once('.')?;
    let format = Format::from_extension(ext)?;
    catalog.iter().find(|e| e.key == key).map(|e| (e, format))
}

/// One feed the daemon serves: its path without extension (`all`, `<source>`,
/// `tag/<tag>`, `<custom feed>`), title, the page it is about, and what it holds.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub key: String,
    pub title: String,
    pub site_url: String,
    pub scope: crate::model::FeedScope,
    pub limit: usize,
}

/// Every feed of a configuration, in a stable order: all, sources, tags, custom feeds.
pub fn catalog(config: &crate::config::Config) -> Vec<FeedEntry> {
    use crate::model::FeedScope;
    let limit = config.daemon.feed_items;
    let home = config.daemon.public_url.to_string();
    let mut out = vec![FeedEntry {
        key: "all".into(),
        title: "portalfeed — tất cả nguồn".into(),
        site_url: home.clone(),
        scope: FeedScope::All,
        limit,
    }];
    for s in &config.sources {
        out.push(FeedEntry {
            key: s.id.clone(),
            title: s.name.clone(),
            site_url: s.url.to_string(),
            scope: FeedScope::Source(s.id.clone()),
            limit,
        });
    }
    for t in config.tags() {
        out.push(FeedEntry {
            key: format!("tag/{t}"),
            title: format!("portalfeed — {t}"),
            site_url: home.clone(),
            scope: FeedScope::Tag(t),
            limit,
        });
    }
    for f in &config.feeds {
        out.push(FeedEntry {
            key: f.id.clone(),
            title: f.title.clone(),
            site_url: home.clone(),
            scope: FeedScope::Custom(f.filter.clone()),
            limit: f.limit,
        });
    }
    out
}

/// An OPML 2.0 subscription list of the catalogue's feeds (Atom links).
pub fn opml(entries: &[FeedEntry], public_url: &url::Url) -> String {
    let esc = |s: &str| quick_xml::escape::escape(xml_safe(s)).into_owned();
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head><title>portalfeed</title></head>\n<body>\n",
    );
    for e in entries {
        let xml_url = public_url
            .join(&format!("feeds/{}.atom", e.key))
            .map(|u| u.to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "<outline type=\"rss\" text=\"{t}\" title=\"{t}\" xmlUrl=\"{x}\" htmlUrl=\"{h}\"/>\n",
            t = esc(&e.title),
            x = esc(&xml_url),
            h = esc(&e.site_url)
        ));
    }
    out.push_str("</body>\n</opml>\n");
    out
}

/// The media type of an image URL, from its extension.
fn image_type(url: &str) -> &'static str {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if path.ends_with(".png") {
        "image/png"
    } else if path.ends_with(".gif") {
        "image/gif"
    } else if path.ends_with(".webp") {
        "image/webp"
    } else if path.ends_with(".svg") {
        "image/svg+xml"
    } else {
        "image/jpeg"
    }
}

/// Renders a feed in the given format. `tz` sets the offset of every timestamp.
pub fn render(format: Format, info: &FeedInfo, items: &[FeedItem], tz: Tz) -> String {
    match format {
        Format::Atom => render_atom(info, items, tz),
        Format::Rss => render_rss(info, items, tz),
        Format::Json => render_json(info, items, tz),
    }
}

/// Strips characters that XML 1.0 forbids (C0 controls other than tab, LF and CR, and
/// the non-characters U+FFFE/U+FFFF), which a broken portal can put in any field.
pub fn xml_safe(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

/// A plain-text lead: at most `max` characters, cut at a word boundary.
pub fn summary(text: &str, max: usize) -> String {
    let first = text.split("\n\n").next().unwrap_or("").trim();
    if first.chars().count() <= max {
        return first.to_string();
    }
    let cut: String = first.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

/// The item's HTML, with the other copies of a re-posted article listed after it.
fn content_with_copies(item: &FeedItem) -> String {
    let mut html = item.content_html.clone();
    if !item.other_copies.is_empty() {
        html.push_str("<p>Cũng đăng tại / Also published at:</p><ul>");
        for u in &item.other_copies {
            let u = u
                .replace('&', "&amp;")
                .replace('"', "&quot;")
                .replace('<', "&lt;");
            html.push_str(&format!("<li><a href=\"{u}\">{u}</a></li>"));
        }
        html.push_str("</ul>");
    }
    xml_safe(&html)
}

/// The item's files listed after its HTML, for RSS, whose one enclosure carries only
/// the first.
fn attachment_list(item: &FeedItem) -> String {
    if item.attachments.is_empty() {
        return String::new();
    }
    let esc = |s: &str| quick_xml::escape::escape(s).into_owned();
    let mut html = String::from("<p>Tệp đính kèm / Attachments:</p><ul>");
    for a in &item.attachments {
        html.push_str(&format!(
            "<li><a href=\"{}\">{}</a></li>",
            esc(&a.url),
            esc(&a.title)
        ));
    }
    html.push_str("</ul>");
    xml_safe(&html)
}

/// An enclosure's media type: the file's, else a generic binary (RSS and Atom readers
/// want one).
fn attachment_type(a: &crate::model::Attachment) -> String {
    a.media_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".to_string())
}

fn local(t: DateTime<Utc>, tz: Tz) -> DateTime<FixedOffset> {
    // Whole seconds: some readers reject fractional Atom timestamps.
    let t = DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t);
    t.with_timezone(&tz).fixed_offset()
}

/// The feed's own date: its newest item's. An empty feed is dated when this process
/// started (not 1970-01-01, which readers show as "56 years ago"); the date stays the same
/// for the process's life, so its ETag does too.
fn newest(items: &[FeedItem]) -> DateTime<Utc> {
    static STARTED: std::sync::LazyLock<DateTime<Utc>> = std::sync::LazyLock::new(|| {
        let now = Utc::now();
        DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
    });
    items.iter().map(|i| i.updated).max().unwrap_or(*STARTED)
}

fn render_atom(info: &FeedInfo, items: &[FeedItem], tz: Tz) -> String {
    use atom_syndication::{Category, Content, Entry, Feed, Link, Person, Source, Text};
    let link = |href: &str, rel: &str, mime: Option<&str>| {
        let mut l = Link::default();
        l.set_href(xml_safe(href));
        l.set_rel(rel);
        l.set_mime_type(mime.map(str::to_string));
        l
    };
    let entries: Vec<Entry> = items
        .iter()
        .map(|item| {
            let mut e = Entry::default();
            e.set_id(xml_safe(&item.guid));
            e.set_title(Text::plain(xml_safe(&item.title)));
            e.set_updated(local(item.updated, tz));
            e.set_published(item.published.map(|p| local(p.with_timezone(&Utc), tz)));
            if let Some(a) = &item.author {
                let mut p = Person::default();
                p.set_name(xml_safe(a));
                e.set_authors(vec![p]);
            }
            e.set_links(vec![link(&item.link, "alternate", Some("text/html"))]);
            let mut c = Content::default();
            c.set_content_type(Some("html".to_string()));
            c.set_value(Some(content_with_copies(item)));
            e.set_content(Some(c));
            e.set_summary(Some(Text::plain(xml_safe(&summary(&item.text, 300)))));
            e.set_categories(
                std::iter::once(&item.source_name)
                    .chain(item.tags.iter())
                    .chain(item.categories.iter())
                    .map(|t| {
                        let mut cat = Category::default();
                        cat.set_term(xml_safe(t));
                        cat
                    })
                    .collect::<Vec<_>>(),
            );
            if let Some(img) = item.images.first() {
                let mut l = link(img, "enclosure", Some(image_type(img)));
                l.set_length(Some("0".to_string()));
                e.links.push(l);
            }
            // One enclosure per file (RFC 4287 4.2.7.2).
            for a in &item.attachments {
                let mut l = link(&a.url, "enclosure", Some(&attachment_type(a)));
                l.set_title(Some(xml_safe(&a.title)));
                l.set_length(a.length.map(|n| n.to_string()));
                e.links.push(l);
            }
            let mut src = Source::default();
            src.set_title(Text::plain(xml_safe(&item.source_name)));
            src.set_id(xml_safe(&item.source_url));
            src.set_links(vec![link(&item.source_url, "alternate", Some("text/html"))]);
            src.set_updated(local(item.updated, tz));
            e.set_source(Some(src));
            e
        })
        .collect();
    let mut feed = Feed::default();
    // RFC 4287 4.1.1: a feed needs an author unless every entry has one.
    if items.iter().any(|i| i.author.is_none()) {
        let mut p = Person::default();
        p.set_name(xml_safe(&info.title));
        p.set_uri(Some(xml_safe(&info.site_url)));
        feed.set_authors(vec![p]);
    }
    feed.set_id(xml_safe(&info.self_url));
    feed.set_title(Text::plain(xml_safe(&info.title)));
    feed.set_subtitle(Some(Text::plain(xml_safe(&info.description))));
    feed.set_updated(local(newest(items), tz));
    let mut links = vec![
        link(&info.self_url, "self", Some("application/atom+xml")),
        link(&info.site_url, "alternate", Some("text/html")),
    ];
    if let Some(hub) = &info.hub {
        links.push(link(hub, "hub", None));
    }
    feed.set_links(links);
    let mut generator = atom_syndication::Generator::default();
    generator.set_value("portalfeed");
    generator.set_version(Some(env!("CARGO_PKG_VERSION").to_string()));
    feed.set_generator(Some(generator));
    feed.set_entries(entries);
    feed.to_string()
}

fn render_rss(info: &FeedInfo, items: &[FeedItem], tz: Tz) -> String {
    use rss::extension::atom::{AtomExtension, Link as AtomLink};
    use rss::extension::dublincore::DublinCoreExtension;
    use rss::{Category, Channel, Guid, Item};
    let rss_items: Vec<Item> = items
        .iter()
        .map(|item| {
            let mut i = Item::default();
            i.set_title(Some(xml_safe(&item.title)));
            i.set_link(Some(xml_safe(&item.link)));
            let mut g = Guid::default();
            g.set_value(xml_safe(&item.guid));
            g.set_permalink(false);
            i.set_guid(Some(g));
            let date = item
                .published
                .map(|p| p.with_timezone(&Utc))
                .unwrap_or(item.updated);
            i.set_pub_date(Some(local(date, tz).to_rfc2822()));
            i.set_description(Some(xml_safe(&summary(&item.text, 300))));
            i.set_content(Some(content_with_copies(item) + &attachment_list(item)));
            if let Some(a) = &item.author {
                let mut dc = DublinCoreExtension::default();
                dc.set_creators(vec![xml_safe(a)]);
                i.set_dublin_core_ext(Some(dc));
            }
            i.set_categories(
                std::iter::once(&item.source_name)
                    .chain(item.tags.iter())
                    .chain(item.categories.iter())
                    .map(|t| {
                        let mut cat = Category::default();
                        cat.set_name(xml_safe(t));
                        cat
                    })
                    .collect::<Vec<_>>(),
            );
            // RSS has one enclosure: the first file, else the first image. It requires a
            // length; 0 says it is unknown, as readers expect.
            if let Some(a) = item.attachments.first() {
                let mut enc = rss::Enclosure::default();
                enc.set_url(xml_safe(&a.url));
                enc.set_mime_type(attachment_type(a));
                enc.set_length(a.length.unwrap_or(0).to_string());
                i.set_enclosure(Some(enc));
            } else if let Some(img) = item.images.first() {
                let mut enc = rss::Enclosure::default();
                enc.set_url(xml_safe(img));
                enc.set_mime_type(image_type(img));
                enc.set_length("0");
                i.set_enclosure(Some(enc));
            }
            i
        })
        .collect();
    let mut channel = Channel::default();
    channel.set_title(xml_safe(&info.title));
    channel.set_link(xml_safe(&info.site_url));
    channel.set_description(xml_safe(&info.description));
    channel.set_language(Some("vi".to_string()));
    channel.set_generator(Some(format!("portalfeed {}", env!("CARGO_PKG_VERSION"))));
    channel.set_last_build_date(Some(local(newest(items), tz).to_rfc2822()));
    let mut self_link = AtomLink::default();
    self_link.set_href(xml_safe(&info.self_url));
    self_link.set_rel("self");
    self_link.set_mime_type(Some("application/rss+xml".to_string()));
    let mut atom_links = vec![self_link];
    if let Some(hub) = &info.hub {
        let mut l = AtomLink::default();
        l.set_href(xml_safe(hub));
        l.set_rel("hub");
        atom_links.push(l);
    }
    let mut atom = AtomExtension::default();
    atom.set_links(atom_links);
    channel.set_atom_ext(Some(atom));
    channel.set_items(rss_items);
    channel.to_string()
}

/// JSON Feed 1.1.
fn render_json(info: &FeedInfo, items: &[FeedItem], tz: Tz) -> String {
    serde_json::to_string_pretty(&json_document(info, items, tz)).unwrap_or_else(|_| "{}".into())
}

/// A JSON Feed 1.1 document as a value, for a webhook to add its own extension to.
pub fn json_document(info: &FeedInfo, items: &[FeedItem], tz: Tz) -> serde_json::Value {
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|item| {
            // The same characters as in the XML formats: a reader must see one item,
            // whichever format it asks for.
            let mut v = serde_json::json!({
                "id": xml_safe(&item.guid),
                "url": item.link,
                "title": xml_safe(&item.title),
                "content_html": content_with_copies(item),
                "summary": xml_safe(&summary(&item.text, 300)),
                "date_modified": local(item.updated, tz).to_rfc3339(),
                "tags": std::iter::once(&item.source_name).chain(item.tags.iter()).chain(item.categories.iter()).map(|t| xml_safe(t)).collect::<Vec<_>>(),
                "_portalfeed": { "source": item.source_id, "source_name": xml_safe(&item.source_name), "other_copies": item.other_copies },
            });
            if let Some(p) = item.published {
                v["date_published"] = local(p.with_timezone(&Utc), tz).to_rfc3339().into();
            }
            if let Some(a) = &item.author {
                v["authors"] = serde_json::json!([{ "name": xml_safe(a) }]);
            }
            if let Some(img) = item.images.first() {
                v["image"] = img.clone().into();
            }
            if !item.attachments.is_empty() {
                v["attachments"] = item
                    .attachments
                    .iter()
                    .map(|a| {
                        let mut j = serde_json::json!({
                            "url": a.url,
                            "mime_type": attachment_type(a),
                            "title": xml_safe(&a.title),
                        });
                        if let Some(n) = a.length {
                            j["size_in_bytes"] = n.into();
                        }
                        j
                    })
                    .collect::<Vec<_>>()
                    .into();
            }
            v
        })
        .collect();
    let mut feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": info.title,
        "home_page_url": info.site_url,
        "feed_url": info.self_url,
        "description": info.description,
        "language": "vi",
        "items": items,
    });
    if let Some(hub) = &info.hub {
        feed["hubs"] = serde_json::json!([{ "type": "WebSub", "url": hub }]);
    }
    feed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_cuts_at_a_word() {
        let text = "Một hai ba bốn năm sáu bảy tám chín mười. ".repeat(20);
        let s = summary(&text, 50);
        assert!(s.chars().count() <= 51);
        assert!(s.ends_with('…'));
        assert!(!s.trim_end_matches('…').ends_with(' '));
        assert_eq!(summary("Ngắn.\n\nĐoạn hai.", 300), "Ngắn.");
    }

    #[test]
    fn control_characters_are_removed() {
        assert_eq!(xml_safe("a\u{0}b\u{1F}c\td\n"), "abc\td\n");
    }
}
