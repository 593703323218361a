//! The feeds against their specifications, with the corpus as content. tests/readers.sh
//! validates the served Atom feeds with jing against RFC 4287's RELAX NG grammar; this
//! test also covers RSS, JSON Feed and OPML, which have no such grammar, and what a
//! schema cannot say — RFC 4287 4.1.1 (a feed author unless every entry has one), unique entry ids,
//! RFC 3339 timestamps with the +07:00 offset and whole seconds, RFC 822 dates in RSS,
//! XML 1.0 characters, and that every document is well-formed XML.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use portalfeed::feed::{self, Format};
use portalfeed::serve::AppState;
use portalfeed::store::Store;
use portalfeed::text::Identity;
use quick_xml::events::Event;

/// A parsed XML element: name, attributes, text, children.
#[derive(Debug, Default, Clone)]
struct El {
    name: String,
    attrs: HashMap<String, String>,
    text: String,
    children: Vec<El>,
}

impl El {
    fn all(&self, name: &str) -> Vec<&El> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
    fn one(&self, name: &str) -> &El {
        let v = self.all(name);
        assert_eq!(
            v.len(),
            1,
            "<{}> needs exactly one <{name}>, has {}",
            self.name,
            v.len()
        );
        v[0]
    }
}

/// Parses strictly: mismatched tags, bad entities and invalid XML 1.0 characters fail.
fn parse(xml: &str) -> El {
    for c in xml.chars() {
        assert!(
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}'),
            "character U+{:04X} is not allowed in XML 1.0",
            c as u32
        );
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<El> = vec![El::default()];
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed XML: {e}"))
        {
            Event::Start(e) => {
                let mut el = El {
                    name: String::from_utf8_lossy(e.name().as_ref()).to_string(),
                    ..Default::default()
                };
                for a in e.attributes() {
                    let a = a.unwrap();
                    el.attrs.insert(
                        String::from_utf8_lossy(a.key.as_ref()).to_string(),
                        a.unescape_value().unwrap().to_string(),
                    );
                }
                stack.push(el);
            }
            Event::Empty(e) => {
                let mut el = El {
                    name: String::from_utf8_lossy(e.name().as_ref()).to_string(),
                    ..Default::default()
                };
                for a in e.attributes() {
                    let a = a.unwrap();
                    el.attrs.insert(
                        String::from_utf8_lossy(a.key.as_ref()).to_string(),
                        a.unescape_value().unwrap().to_string(),
                    );
                }
                stack.last_mut().unwrap().children.push(el);
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).to_string();
                let ch = match name.as_str() {
                    "amp" => "&".to_string(),
                    "lt" => "<".to_string(),
                    "gt" => ">".to_string(),
                    "quot" => "\"".to_string(),
                    "apos" => "'".to_string(),
                    n if n.starts_with('#') => {
                        let code = if let Some(hex) = n.strip_prefix("#x") {
                            u32::from_str_radix(hex, 16).unwrap()
                        } else {
                            n[1..].parse().unwrap()
                        };
                        char::from_u32(code).unwrap().to_string()
                    }
                    other => panic!("undefined entity &{other};"),
                };
                stack.last_mut().unwrap().text.push_str(&ch);
            }
            Event::CData(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                let el = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(el);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "one root element");
    root.children.pop().unwrap()
}

fn rfc3339_vietnam(s: &str, what: &str) {
    let d = DateTime::parse_from_rfc3339(s.trim())
        .unwrap_or_else(|e| panic!("{what}: {s:?} is not RFC 3339: {e}"));
    assert_eq!(
        d.offset().local_minus_utc(),
        7 * 3600,
        "{what}: {s} not in +07:00"
    );
    assert!(!s.contains('.'), "{what}: {s} has fractional seconds");
}

fn check_atom(xml: &str) {
    let feed = parse(xml);
    assert_eq!(feed.name, "feed");
    assert_eq!(
        feed.attrs.get("xmlns").map(String::as_str),
        Some("http://www.w3.org/2005/Atom")
    );
    assert!(!feed.one("id").text.trim().is_empty());
    feed.one("title");
    rfc3339_vietnam(&feed.one("updated").text, "feed updated");
    let links = feed.all("link");
    assert!(
        links
            .iter()
            .any(|l| l.attrs.get("rel").map(String::as_str) == Some("self")),
        "a self link"
    );
    for l in &links {
        assert!(l.attrs.contains_key("href"));
    }
    let entries = feed.all("entry");
    let all_have_authors = entries.iter().all(|e| !e.all("author").is_empty());
    assert!(
        all_have_authors || !feed.all("author").is_empty(),
        "RFC 4287 4.1.1: a feed author unless every entry has one"
    );
    let mut ids = HashSet::new();
    for e in &entries {
        let id = e.one("id").text.trim().to_string();
        assert!(id.starts_with("urn:uuid:"), "{id}");
        assert!(ids.insert(id.clone()), "duplicate entry id {id}");
        assert_eq!(
            e.one("title")
                .attrs
                .get("type")
                .map(String::as_str)
                .unwrap_or("text"),
            "text"
        );
        rfc3339_vietnam(&e.one("updated").text, "entry updated");
        for p in e.all("published") {
            rfc3339_vietnam(&p.text, "published");
        }
        for a in e.all("author") {
            assert!(!a.one("name").text.trim().is_empty());
        }
        let content = e.one("content");
        assert_eq!(content.attrs.get("type").map(String::as_str), Some("html"));
        assert!(!content.text.is_empty());
        assert!(e.all("summary").len() <= 1);
        let alternate: Vec<_> = e
            .all("link")
            .into_iter()
            .filter(|l| l.attrs.get("rel").map(String::as_str) == Some("alternate"))
            .collect();
        assert_eq!(
            alternate.len(),
            1,
            "one alternate link per entry (RFC 4287 4.1.2)"
        );
        for c in e.all("category") {
            assert!(c.attrs.contains_key("term"));
        }
        if let Some(src) = e.all("source").first() {
            src.one("title");
            src.one("id");
        }
    }
}

fn check_rss(xml: &str) {
    let rss = parse(xml);
    assert_eq!(rss.name, "rss");
    assert_eq!(rss.attrs.get("version").map(String::as_str), Some("2.0"));
    let ch = rss.one("channel");
    for required in ["title", "link", "description"] {
        ch.one(required);
    }
    assert!(
        ch.all("atom:link")
            .iter()
            .any(|l| l.attrs.get("rel").map(String::as_str) == Some("self"))
    );
    let mut guids = HashSet::new();
    for item in ch.all("item") {
        item.one("title");
        item.one("link");
        let guid = item.one("guid");
        assert_eq!(
            guid.attrs.get("isPermaLink").map(String::as_str),
            Some("false")
        );
        assert!(guids.insert(guid.text.clone()), "duplicate guid");
        let date = &item.one("pubDate").text;
        let d = DateTime::parse_from_rfc2822(date)
            .unwrap_or_else(|e| panic!("pubDate {date:?} is not RFC 822: {e}"));
        assert_eq!(d.offset().local_minus_utc(), 7 * 3600, "{date}");
        assert!(item.one("description").text.chars().count() <= 301);
        item.one("content:encoded");
        for e in item.all("enclosure") {
            for a in ["url", "type", "length"] {
                assert!(e.attrs.contains_key(a), "enclosure needs {a}");
            }
        }
    }
    assert!(rss.attrs.contains_key("xmlns:content") && rss.attrs.contains_key("xmlns:atom"));
}

#[test]
fn every_feed_conforms() {
    // Fill a store with the corpus, as a crawl would.
    let dir = tempfile::tempdir().unwrap();
    let mut toml = String::from("[daemon]\npublic_url = \"http://127.0.0.1:8787/\"\n");
    for site in common::sites() {
        toml.push_str(&format!(
            "[[source]]\nid = \"{}\"\nname = \"{}\"\nurl = \"{}\"\ntags = [\"t\"]\n",
            common::source_id(&site.folder),
            site.toml.name,
            site.index_url()
        ));
    }
    toml.push_str("[[feed]]\nid = \"custom\"\ninclude = [\"dân vận\"]\n");
    let config =
        Arc::new(portalfeed::config::Config::from_str(&toml, &dir.path().join("c.toml")).unwrap());
    let store = Arc::new(Store::open(&dir.path().join("t.db")).unwrap());
    store.sync_sources(&config.sources).unwrap();
    for site in common::sites() {
        for p in site.toml.page.iter().filter(|p| p.role == "article") {
            let bytes = std::fs::read(site.dir.join(&p.file)).unwrap();
            let html = portalfeed::fetch::decode::decode_html(&bytes, Some(&p.content_type))
                .unwrap()
                .text;
            let url = url::Url::parse(&format!("{}{}", site.toml.base_url, p.path)).unwrap();
            let a = portalfeed::extract::extract(&html, &url, &Default::default()).unwrap();
            store
                .save(
                    &common::source_id(&site.folder),
                    url.as_str(),
                    &a,
                    &Identity::of(&a.paragraphs),
                    Utc::now(),
                )
                .unwrap();
        }
    }
    assert!(store.item_count().unwrap() >= 18);
    let state = AppState::new(store, config.clone());
    let catalog = feed::catalog(&config);
    assert!(catalog.len() >= 12);
    for entry in &catalog {
        let atom = state
            .render(
                entry,
                Format::Atom,
                &format!("feeds/{}.atom", entry.key),
                false,
            )
            .unwrap();
        check_atom(std::str::from_utf8(&atom.body).unwrap());
        let rss = state
            .render(
                entry,
                Format::Rss,
                &format!("feeds/{}.rss", entry.key),
                false,
            )
            .unwrap();
        check_rss(std::str::from_utf8(&rss.body).unwrap());
        let json = state
            .render(
                entry,
                Format::Json,
                &format!("feeds/{}.json", entry.key),
                false,
            )
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
        assert_eq!(v["version"], "https://jsonfeed.org/version/1.1");
        for item in v["items"].as_array().unwrap() {
            assert!(
                item["id"].is_string()
                    && item["url"].is_string()
                    && item["content_html"].is_string()
            );
        }
    }
    let opml = parse(&feed::opml(&catalog, &config.daemon.public_url));
    assert_eq!(opml.name, "opml");
    assert_eq!(opml.one("body").all("outline").len(), catalog.len());
}
