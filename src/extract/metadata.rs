//! Metadata read around the article: the publication date, the byline outside the
//! body, JSON-LD values and the canonical URL.

use chrono::{DateTime, FixedOffset, Timelike};
use ego_tree::NodeId;
use url::Url;

use super::rules::{self, BlockStyle};
use super::{Page, Piece, PieceKind, dates};
use crate::text;

/// Text blocks around the body with the element each came from, nearest the headline first.
pub(super) type Around = Vec<(String, NodeId)>;

/// Whether an element is marked up as a byline: `[class*=author], [class*=Author],
/// [class*=byline], [id*=author], [itemprop=author], [rel=author], [class*=tacgia],
/// [class*=tac-gia]`, matched by hand because the selector engine's eight substring
/// tests cost more than the rest of the metadata stage on long pages.
fn is_byline_like(el: &scraper::node::Element) -> bool {
    el.attrs().any(|(name, value)| match name {
        "class" => ["author", "Author", "byline", "tacgia", "tac-gia"]
            .iter()
            .any(|w| value.contains(w)),
        "id" => value.contains("author"),
        // Microdata properties are a list of tokens ("author creator").
        "itemprop" => value.split_ascii_whitespace().any(|t| t == "author"),
        "rel" => is_rel_author(value),
        _ => false,
    })
}

/// Whether a link goes to a writer's page: `rel=author`, or a path under `/author(s)/`,
/// `/tac-gia/`, `/by/`, `/people/` or `/profile(s)/`.
fn links_to_a_writer(a: &scraper::node::Element) -> bool {
    a.attr("rel").is_some_and(is_rel_author)
        || a.attr("href").is_some_and(|h| {
            let h = h.to_ascii_lowercase();
            [
                "/author/",
                "/authors/",
                "/tac-gia/",
                "/tacgia/",
                "/by/",
                "/people/",
                "/profile/",
                "/profiles/",
            ]
            .iter()
            .any(|p| h.contains(p))
        })
}

/// The date lines printed inside the body (the template's own, dropped from the text),
/// with the node each stands in.
fn date_lines_in(blocks: &[Piece]) -> impl Iterator<Item = (&str, NodeId)> {
    blocks
        .iter()
        .filter(|b| b.dropped)
        .filter_map(|b| b.text().map(|t| (t, b.owner)))
        .filter(|(t, _)| rules::is_date_line(t))
}

/// Whether a `rel` value names the author: a list of tokens ("author noopener"), which
/// match without regard to ASCII case in HTML documents.
fn is_rel_author(rel: &str) -> bool {
    rel.split_ascii_whitespace()
        .any(|t| t.eq_ignore_ascii_case("author"))
}

/// A script's JSON without the CDATA section XHTML-era templates wrap it in
/// (`<![CDATA[ {…} ]]>`, or `//<![CDATA[` … `//]]>` to hide it from old parsers).
fn without_cdata(text: &str) -> &str {
    let t = text.trim();
    let t = t
        .strip_prefix("//<![CDATA[")
        .or_else(|| t.strip_prefix("<![CDATA["))
        .unwrap_or(t)
        .trim();
    t.strip_suffix("//]]>")
        .or_else(|| t.strip_suffix("]]>"))
        .unwrap_or(t)
        .trim()
}

impl<'a> Page<'a> {
    /// Where the article's metadata lives: the smallest element holding both the headline
    /// and the body; without a headline on the page, the body's parent.
    pub(super) fn metadata_scope(&self, title: Option<NodeId>, body: NodeId) -> NodeId {
        let body_node = self.node(body);
        let fallback = body_node
            .and_then(|b| b.parent())
            .map(|p| p.id())
            .unwrap_or(body);
        let Some(t) = title else { return fallback };
        let mut n = self.node(t);
        while let Some(x) = n {
            if self.is_within(body, x.id()) {
                if x.value()
                    .as_element()
                    .is_some_and(|e| matches!(e.name(), "body" | "html"))
                {
                    return fallback;
                }
                return x.id();
            }
            n = x.parent();
        }
        fallback
    }

    /// The parent of a metadata scope, unless that is the whole page.
    pub(super) fn widen(&self, scope: NodeId) -> NodeId {
        self.node(scope)
            .and_then(|n| n.parent())
            .filter(|p| {
                p.value()
                    .as_element()
                    .is_some_and(|e| !matches!(e.name(), "body" | "html"))
            })
            .map_or(scope, |p| p.id())
    }

    /// The text blocks of `scope` outside the body and outside chrome such as related
    /// lists, nearest the headline first; and the same of `wider` (an ancestor of the
    /// scope) when it is not the scope itself. One walk serves both when the scope's
    /// blocks read the same from its ancestor.
    pub(super) fn scope_blocks(
        &self,
        scope: NodeId,
        wider: NodeId,
        title: Option<NodeId>,
        body: NodeId,
    ) -> (Around, Option<Around>) {
        let near_first = |pieces: Vec<Piece>| {
            let anchor = title.map(|t| self.pos(t)).unwrap_or_else(|| self.pos(body));
            let mut out: Vec<(usize, String, NodeId)> = pieces
                .into_iter()
                .filter_map(|p| match p.kind {
                    PieceKind::Text { text, .. } if !text.is_empty() => {
                        Some((self.pos(p.owner).abs_diff(anchor), text, p.owner))
                    }
                    _ => None,
                })
                .collect();
            out.sort_by_key(|(d, _, _)| *d);
            out.into_iter()
                .map(|(_, t, id)| (t, id))
                .collect::<Vec<_>>()
        };
        if wider == scope {
            return (near_first(self.outside_body(scope, body)), None);
        }
        let shared = self.same_blocks(scope)
            && self
                .element(scope)
                .is_some_and(|e| !self.never_content(e.value(), scope));
        if !shared {
            return (
                near_first(self.outside_body(scope, body)),
                Some(near_first(self.outside_body(wider, body))),
            );
        }
        let pieces = self.outside_body(wider, body);
        let inner: Vec<Piece> = pieces
            .iter()
            .filter(|p| self.is_within(p.owner, scope))
            .cloned()
            .collect();
        (near_first(inner), Some(near_first(pieces)))
    }

    /// The pieces of `scope` outside `body`, leaving out chrome but for the article's
    /// `<header>`, which holds its date line and byline, not the site's menus.
    fn outside_body(&self, scope: NodeId, body: NodeId) -> Vec<Piece> {
        self.walk(scope, true, &|n, el| {
            n.id() == body
                || self.never_content(el, n.id())
                || (el.name() != "header" && rules::is_chrome(el) && !self.is_within(body, n.id()))
        })
        .into_iter()
        .filter(|p| !self.is_within(p.owner, body))
        .collect()
    }

    /// The publication date: the source's selector, the visible date line nearest the
    /// headline, then machine-readable dates, then a date in the URL path. The visible line
    /// wins because NukeViet's hidden `datePublished` carries the last edit time.
    pub(super) fn published(
        &self,
        around: &[(String, NodeId)],
        blocks: &[Piece],
        anchor: usize,
    ) -> Option<DateTime<FixedOffset>> {
        if let Some(sel) = &self.rules.date
            && let Some(d) = self.doc.select(sel).find_map(|e| {
                e.value()
                    .attr("datetime")
                    .and_then(dates::parse_iso)
                    .or_else(|| dates::parse_text(&self.text_of(e.id())))
            })
        {
            return Some(d);
        }
        let machine = self.machine_date();
        // A machine-readable date that one of the date lines near the headline shows is
        // the publication date, even when a nearer line is a re-posting or "today" date.
        // Such a line may print it month first ("9/11/13 10:00AM" for 11 September).
        let printed_in_body = date_lines_in(blocks).map(|(t, _)| t);
        let visible = machine
            .and_then(|m| {
                around
                    .iter()
                    .map(|(t, _)| t.as_str())
                    .filter(|t| t.chars().count() <= 200)
                    .filter(|t| t.contains(|c: char| c.is_ascii_digit()))
                    .take(12)
                    .chain(printed_in_body)
                    .flat_map(|t| {
                        [
                            dates::parse_text_detailed(t),
                            dates::parse_text_month_first(t),
                        ]
                    })
                    .flatten()
                    .find(|(v, _)| v.date_naive() == m.date_naive())
            })
            .or_else(|| self.visible_date(around, blocks, anchor));
        // The wall-clock minute a date line prints (it prints no seconds).
        let minute = |d: DateTime<FixedOffset>| {
            let local = d.naive_local();
            (local.date(), local.hour(), local.minute())
        };
        match (visible, machine) {
            // The visible line agrees with a timestamp: the timestamp is the more precise
            // of the two. A line that prints the day alone, or the timestamp's own time
            // of day, gains its time, seconds and zone (a line printed without a zone
            // reads as Vietnam's, which an American or Indian page's is not).
            (Some((v, has_time)), Some(m))
                if v.date_naive() == m.date_naive() && (!has_time || minute(v) == minute(m)) =>
            {
                Some(m)
            }
            // The line prints the timestamp's instant in its own zone: the timestamp's
            // seconds, the line's zone (a portal prints Vietnam time, its feed says UTC).
            (Some((v, true)), Some(m)) if minute(v) == minute(m.with_timezone(v.offset())) => {
                Some(m.with_timezone(v.offset()))
            }
            // They disagree: the visible line is the publication date (NukeViet's hidden
            // `datePublished` carries the time of the last edit).
            (Some((v, _)), _) => Some(v),
            (None, Some(m)) => Some(m),
            (None, None) => dates::from_url_path(self.url.path()),
        }
    }

    /// The date line shown nearest the headline (at `anchor`), and whether it prints a
    /// time: the nearest dated block around the body, or a date line the template
    /// printed inside the article container, whichever stands nearer. Around the body
    /// there may be a list of other stories with their dates, which a template's class
    /// names do not always mark as chrome.
    pub(super) fn visible_date(
        &self,
        around: &[(String, NodeId)],
        blocks: &[Piece],
        anchor: usize,
    ) -> Option<(DateTime<FixedOffset>, bool)> {
        let outside = around
            .iter()
            .filter(|(text, _)| text.chars().count() <= 200)
            .find_map(|(text, id)| {
                dates::parse_text_detailed(text).map(|d| (self.pos(*id).abs_diff(anchor), d))
            });
        let inside = date_lines_in(blocks)
            .filter_map(|(t, owner)| {
                dates::parse_text_detailed(t).map(|d| (self.pos(owner).abs_diff(anchor), d))
            })
            .min_by_key(|(distance, _)| *distance);
        // The first of equals is the one around the body.
        [outside, inside]
            .into_iter()
            .flatten()
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, d)| d)
    }

    /// A well-formed machine-readable publication timestamp: microdata, meta tags,
    /// JSON-LD, `<time datetime>`.
    pub(super) fn machine_date(&self) -> Option<DateTime<FixedOffset>> {
        // Microdata, also on visible or hidden elements, then meta tags.
        for e in self.date_props.iter().filter_map(|id| self.element(*id)) {
            let v = e.value();
            let raw = v
                .attr("content")
                .or_else(|| v.attr("datetime"))
                .map(str::to_string)
                .unwrap_or_else(|| self.text_of(e.id()));
            if let Some(d) = dates::parse_iso(&raw) {
                return Some(d);
            }
        }
        for key in [
            "article:published_time",
            "pubdate",
            "publishdate",
            "date",
            "dc.date.issued",
            "dcterms.created",
            "parsely-pub-date",
        ] {
            if let Some(d) = self.head.meta.get(key).and_then(|v| dates::parse_iso(v)) {
                return Some(d);
            }
        }
        if let Some(d) = self
            .json_ld("datePublished")
            .and_then(|v| v.as_str().and_then(dates::parse_iso))
        {
            return Some(d);
        }
        self.times
            .iter()
            .filter_map(|id| self.element(*id))
            .find_map(|e| e.value().attr("datetime").and_then(dates::parse_iso))
    }

    /// The first value of `key` in the page's JSON-LD blocks (searching `@graph` and
    /// nested objects).
    pub(super) fn json_ld(&self, key: &str) -> Option<serde_json::Value> {
        fn find(v: &serde_json::Value, key: &str) -> Option<serde_json::Value> {
            match v {
                serde_json::Value::Object(m) => m
                    .get(key)
                    .cloned()
                    .or_else(|| m.values().find_map(|x| find(x, key))),
                serde_json::Value::Array(a) => a.iter().find_map(|x| find(x, key)),
                _ => None,
            }
        }
        self.head.json_ld.iter().find_map(|text| {
            serde_json::from_str::<serde_json::Value>(without_cdata(text))
                .ok()
                .and_then(|v| find(&v, key))
        })
    }

    /// A byline element near the article, or the page's `author` meta when it names a person.
    pub(super) fn author_outside_body(&self, scope: &NodeId) -> Option<String> {
        if let Some(sel) = &self.rules.author
            && let Some(e) = self.doc.select(sel).next()
        {
            let t = self.text_of(e.id());
            let emphasised = BlockStyle {
                emphasised: true,
                ..Default::default()
            };
            return rules::parse_byline(&t, emphasised)
                .or(Some(t))
                .filter(|t| !t.is_empty());
        }
        let set_apart = BlockStyle {
            emphasised: true,
            ..Default::default()
        };
        if let Some(scope_node) = self.node(*scope) {
            // The name a byline links to its writer's page: "By <a>Alissa Wilkinson</a>
            // @alissamarie Updated …" reads as no name as a whole.
            let linked_name = |e: ego_tree::NodeRef<'_, scraper::Node>| {
                e.descendants()
                    .filter_map(scraper::ElementRef::wrap)
                    .find(|a| a.value().name() == "a" && links_to_a_writer(a.value()))
                    .and_then(|a| rules::parse_byline(&self.text_of(a.id()), set_apart))
            };
            for e in scope_node.descendants().skip(1) {
                if !e.value().as_element().is_some_and(is_byline_like) {
                    continue;
                }
                // A byline, not a panel holding one ("Tech Industry", then the writer's
                // card; a "Most Popular" box named `author-contact`).
                let short = self
                    .text_within(e.id(), 160)
                    .is_some_and(|t| t.chars().count() <= 120);
                if short
                    && let Some(name) =
                        rules::parse_byline_lines(&self.text_lines(e.id()), set_apart)
                            .or_else(|| linked_name(e))
                {
                    return Some(name);
                }
            }
        }
        if let Some(name) = self
            .head
            .meta(&[
                "dc.creator",
                "dc:creator",
                "dcterms.creator",
                "author",
                "article:author",
                "parsely-author",
            ])
            .and_then(|m| rules::parse_byline(&m, set_apart))
        {
            return Some(name);
        }
        let names: Vec<String> = match self.json_ld("author")? {
            serde_json::Value::String(s) => vec![s],
            serde_json::Value::Object(o) => o
                .get("name")
                .and_then(|n| n.as_str())
                .map(str::to_string)
                .into_iter()
                .collect(),
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|x| {
                    x.get("name")
                        .and_then(|n| n.as_str())
                        .or_else(|| x.as_str())
                })
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        };
        let names: Vec<String> = names
            .iter()
            .filter_map(|n| rules::parse_byline(n, set_apart))
            .collect();
        (!names.is_empty()).then(|| names.join(", "))
    }

    /// The page's canonical URL: its `<link rel=canonical>` (or `og:url`) when that is on
    /// the same site, else the URL it was fetched from; then the identity rules.
    pub(super) fn canonical_url(&self) -> Url {
        let declared = self
            .head
            .canonical
            .clone()
            .or_else(|| self.head.meta.get("og:url").cloned())
            .and_then(|h| self.url.join(h.trim()).ok())
            .filter(|u| text::same_site(u, &self.url));
        text::canonical_url(declared.as_ref().unwrap_or(&self.url))
    }
}
