//! From an article page to an [`Article`].
//!
//! The order follows DESIGN.md: parse → find the body (source selector, else the generic
//! main-content scorer) → remove boilerplate (markup rules, then Vietnamese text rules) →
//! metadata (title, date, author, "Nguồn:" credit, images) → clean HTML → normalised text.
//!
//! The generic scorer treats a page as blocks of text. A block of prose (40+ characters
//! outside links) counts for every element that contains it; a short block or link text
//! counts against it. The element with the highest total is the article: going up adds
//! menus and related lists (negative), going down loses paragraphs. Among equal totals the
//! deepest element wins, so wrappers that add nothing are shed. This needs no knowledge of
//! the platform, which is why it also works on portals nobody wrote a rule for.

mod chrome;
pub mod dates;
pub mod profile;
pub mod rules;

use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};

use chrono::{DateTime, FixedOffset};
use ego_tree::{NodeId, NodeRef};
use scraper::node::Element;
use scraper::{ElementRef, Html, Node, Selector};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::text::{self, collapse_space, word_count};
use rules::{BlockStyle, BlockText};

/// Selector overrides for one source (or one platform profile). Each one, when given,
/// wins over detection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleRules {
    /// A platform profile to use instead of detection (`"generic"` for none). Set from
    /// `[source] profile`; profiles themselves leave it empty.
    #[serde(default)]
    pub profile: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    /// A lead (sapo) printed outside the body, prepended to it.
    pub lead: Option<String>,
    pub date: Option<String>,
    pub author: Option<String>,
    #[serde(default)]
    pub strip: Vec<String>,
}

/// One extracted article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Article {
    /// The canonical URL: the page's own `<link rel=canonical>` when it is on the same site.
    pub url: String,
    pub title: String,
    pub published: Option<DateTime<FixedOffset>>,
    pub author: Option<String>,
    /// The origin named in a "Nguồn: …" credit.
    pub source: Option<String>,
    /// The clean body, one entry per block-level paragraph, normalised.
    pub paragraphs: Vec<String>,
    /// The clean body as sanitised HTML with absolute URLs.
    pub content_html: String,
    /// Absolute URLs of the images in the body, in order.
    pub images: Vec<String>,
    /// The platform profile that applied, if any.
    pub profile: Option<String>,
}

impl Article {
    /// The body as plain text, paragraphs separated by a blank line.
    pub fn text(&self) -> String {
        self.paragraphs.join("\n\n")
    }

    /// The JSON object `portalfeed extract` and `portalfeed preview --json` print (the
    /// interface the corpus scorer drives): `url`, `title`, `published` (RFC 3339 or
    /// null), `author`, `source`, `text`, `content_html`, `images`, `profile`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "url": self.url,
            "title": self.title,
            "published": self.published.map(|d| d.to_rfc3339()),
            "author": self.author,
            "source": self.source,
            "text": self.text(),
            "content_html": self.content_html,
            "images": self.images,
            "profile": self.profile,
        })
    }
}

/// The platform profile a page would get, with the generator meta that named it (if any):
/// what `portalfeed discover` reports.
pub fn detect_profile(html: &str, page_url: &Url) -> (Option<&'static profile::Profile>, String) {
    let doc = Html::parse_document(html);
    let head = Head::read(&doc);
    let generator = head.meta.get("generator").cloned().unwrap_or_default();
    (profile::detect(html, &doc, page_url, &generator), generator)
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("no article found on the page: {0}")]
    NoArticle(String),
    #[error("invalid selector {selector:?}: {message}")]
    Selector { selector: String, message: String },
}

/// A body shorter than this many characters, taken by a selector, is checked against the
/// generic scorer: a selector that now matches a wrapper, a caption or a toolbar must not
/// turn an article into a line.
const SHORT_BODY: usize = 200;

/// Extracts the article from a decoded HTML page fetched from `page_url`.
///
/// A page without body text is an error that says why, never an empty article. When a
/// profile's or a source's body selector yields next to nothing, the generic scorer is
/// tried, and its article is taken when it finds clearly more text.
pub fn extract(html: &str, page_url: &Url, rules: &ArticleRules) -> Result<Article, ExtractError> {
    let (first, by_selector) = extract_once(html, page_url, rules)?;
    let chars: usize = first.paragraphs.iter().map(|p| p.chars().count()).sum();
    if by_selector && chars < SHORT_BODY {
        let generic = ArticleRules {
            profile: Some(profile::GENERIC.to_string()),
            body: None,
            lead: None,
            ..rules.clone()
        };
        if let Ok((other, _)) = extract_once(html, page_url, &generic) {
            let other_chars: usize = other.paragraphs.iter().map(|p| p.chars().count()).sum();
            if other_chars >= SHORT_BODY && other_chars > chars * 2 {
                return Ok(other);
            }
        }
    }
    if first.paragraphs.is_empty() && first.images.is_empty() {
        return Err(ExtractError::NoArticle(if by_selector {
            "the body selector matched an element without text, and no block of prose was found elsewhere".into()
        } else {
            format!("the headline {:?} has no body text under it", first.title)
        }));
    }
    Ok(first)
}

/// One extraction under `rules`, and whether the body came from a selector.
fn extract_once(
    html: &str,
    page_url: &Url,
    rules: &ArticleRules,
) -> Result<(Article, bool), ExtractError> {
    // Compose the page once, so that every later step can treat its text as NFC.
    let html: std::borrow::Cow<'_, str> = if text::is_nfc(html) {
        std::borrow::Cow::Borrowed(html)
    } else {
        std::borrow::Cow::Owned(unicode_normalization::UnicodeNormalization::nfc(html).collect())
    };
    let doc = Html::parse_document(&html);
    let head = Head::read(&doc);
    let chosen = match rules.profile.as_deref() {
        Some(profile::GENERIC) => None,
        Some(name) => profile::by_name(name),
        None => profile::detect(
            &html,
            &doc,
            page_url,
            head.meta.get("generator").map_or("", String::as_str),
        ),
    };
    let rules = profile::merge(rules, chosen);
    let mut page = Page::new(&doc, head, page_url, &rules)?;

    // A selector that matches nothing (a theme changed) falls back to the generic scorer.
    // Strip selectors only matter where text is taken from: inside the profile's body and
    // lead when it has them, anywhere on the page when the scorer must look at all of it.
    let body_hit = page
        .rules
        .body
        .as_ref()
        .and_then(|sel| doc.select(sel).next())
        .map(|e| e.id());
    let body = match body_hit {
        Some(b) => {
            page.mark_stripped(b);
            b
        }
        None => {
            page.mark_stripped(doc.tree.root().id());
            page.choose_body()?
        }
    };
    let lead = page
        .rules
        .lead
        .as_ref()
        .and_then(|sel| {
            doc.select(sel)
                .find(|e| !page.is_within(e.id(), body) && !page.is_within(body, e.id()))
        })
        .map(|e| e.id());
    let title = page.title(body);
    // Without a lead selector, a lead (sapo) printed between the headline and the body is
    // found by its place: templates set it apart from the body text (bold, boxed).
    let lead = lead.or_else(|| page.lead_between(title.node, body));
    if let (Some(_), Some(l)) = (body_hit, lead) {
        page.mark_stripped(l);
    }
    let figure = page.figure_between(title.node, lead, body);
    if let (Some(_), Some(f)) = (body_hit, figure) {
        page.mark_stripped(f);
    }
    let mut blocks = match lead {
        Some(l) => page.body_blocks(l),
        None => Vec::new(),
    };
    // The picture's caption stays with it in the HTML; news sites leave a hero image's
    // caption out of the article's text, so only its image joins the blocks.
    if let Some(f) = figure {
        blocks.extend(
            page.body_blocks(f)
                .into_iter()
                .filter(|b| matches!(b.kind, PieceKind::Image { .. })),
        );
    }
    blocks.extend(page.body_blocks(body));
    let mut meta = page.trim_blocks(&mut blocks, &title.text);

    let scope = page.metadata_scope(title.node, body);
    if body_hit.is_some() {
        // Dates and credits are read around the body too.
        page.mark_stripped(scope);
    }
    let around = page.scope_blocks(scope, title.node, body);
    // The date line may sit just outside that scope, in the article's header (VHV prints
    // "18:24:00 | 30/06/2020" above the headline's container): dates are read one level
    // wider, nearest the headline first.
    let wider = page.widen(scope);
    let published = if wider == scope {
        page.published(&around, &blocks)
    } else {
        page.published(&page.scope_blocks(wider, title.node, body), &blocks)
    };
    if meta.author.is_none() {
        meta.author = page.author_outside_body(&scope);
    }
    if meta.source.is_none() {
        meta.source = around.iter().find_map(|(t, _)| rules::parse_credit(t));
    }

    let dropped: FxHashSet<NodeId> = blocks
        .iter()
        .filter(|b| b.dropped)
        .flat_map(|b| b.nodes())
        .collect();
    let paragraphs: Vec<String> = blocks
        .iter()
        .filter(|b| !b.dropped)
        .filter_map(|b| match &b.kind {
            PieceKind::Text { text, .. } => Some(text.clone()),
            PieceKind::Image { .. } => None,
        })
        .filter(|t| !t.is_empty())
        .collect();
    let mut images: Vec<String> = Vec::new();
    for b in blocks.iter().filter(|b| !b.dropped) {
        if let PieceKind::Image { url, .. } = &b.kind
            && !images.contains(url)
        {
            images.push(url.clone());
        }
    }
    if title.text.is_empty() && paragraphs.is_empty() {
        return Err(ExtractError::NoArticle(
            "neither a headline nor any body text".into(),
        ));
    }
    let mut content_html = String::new();
    if let Some(l) = lead {
        content_html.push_str(&as_paragraph(page.clean_html(l, &dropped)));
    }
    if let Some(f) = figure {
        content_html.push_str(&page.clean_html(f, &dropped));
    }
    content_html.push_str(&page.clean_html(body, &dropped));

    // The page was composed before parsing, but the parser can still put a combining mark
    // next to a new base letter (an entity, a dropped NUL), so the output is composed again;
    // the quick check makes that nearly free.
    let article = Article {
        url: page.canonical_url().to_string(),
        title: text::normalize(&title.text),
        published,
        author: meta.author.map(|a| text::normalize(&a)),
        source: meta.source.map(|s| text::normalize(&s)),
        paragraphs: paragraphs
            .iter()
            .map(|p| text::normalize(p))
            .filter(|p| !p.is_empty())
            .collect(),
        content_html: text::nfc(&content_html),
        images,
        profile: chosen.map(|p| p.name.clone()),
    };
    Ok((article, body_hit.is_some()))
}

/// A parsed page with what every stage needs: the base URL, the compiled selectors and
/// the document order of its nodes.
struct Page<'a> {
    doc: &'a Html,
    head: Head,
    url: Url,
    base: Url,
    rules: CompiledRules,
    /// Document position of each node and of the last node of its subtree.
    order: FxHashMap<NodeId, (usize, usize)>,
    /// The nodes in document order (the inverse of `order`), and by the same index the
    /// position of the last node of each one's subtree.
    by_pos: Vec<NodeId>,
    end_by_pos: Vec<usize>,
    /// Elements later steps look for, gathered by the same walk: `h1`s and microdata
    /// headlines, microdata `datePublished` and `time[datetime]`, in document order.
    h1s: Vec<NodeId>,
    date_props: Vec<NodeId>,
    times: Vec<NodeId>,
}

fn selector(s: &str) -> Selector {
    // The selectors below are constants of this module, checked by its tests.
    Selector::parse(s).unwrap_or_else(|e| panic!("built-in selector {s:?}: {e}"))
}

static TITLE_LIKE: std::sync::LazyLock<Selector> = std::sync::LazyLock::new(|| {
    selector(
        "h2, h3, [class*=title], [class*=Title], [class*=tieude], [id*=title], [id*=Title], [class*=headline]",
    )
});
static BYLINE_LIKE: std::sync::LazyLock<Selector> = std::sync::LazyLock::new(|| {
    selector(
        "[class*=author], [class*=Author], [class*=byline], [id*=author], [itemprop=author], [rel=author], [class*=tacgia], [class*=tac-gia]",
    )
});

/// Deeper nesting than this is refused.
const MAX_DEPTH: usize = 1024;

/// What the page says about itself in `<head>`-like markup, read in one pass: meta tags
/// by `name`, `property` and `itemprop`, the canonical and base links, the `<title>`,
/// JSON-LD blocks, and where `<body>` is.
#[derive(Default)]
struct Head {
    meta: HashMap<String, String>,
    canonical: Option<String>,
    base: Option<String>,
    title: Option<NodeId>,
    json_ld: Vec<String>,
    body: Option<NodeId>,
}

impl Head {
    fn read(doc: &Html) -> Head {
        let mut head = Head::default();
        for n in doc.tree.nodes() {
            let Some(el) = n.value().as_element() else {
                continue;
            };
            match el.name() {
                "meta" => {
                    let Some(content) = el.attr("content") else {
                        continue;
                    };
                    for key in ["name", "property", "itemprop"] {
                        if let Some(k) = el.attr(key) {
                            head.meta
                                .entry(k.trim().to_ascii_lowercase())
                                .or_insert_with(|| content.to_string());
                        }
                    }
                }
                "link"
                    if head.canonical.is_none()
                        && el.attr("rel").is_some_and(|r| {
                            r.split_ascii_whitespace()
                                .any(|t| t.eq_ignore_ascii_case("canonical"))
                        }) =>
                {
                    head.canonical = el.attr("href").map(str::to_string);
                }
                "base" if head.base.is_none() => head.base = el.attr("href").map(str::to_string),
                "title" if head.title.is_none() => head.title = Some(n.id()),
                "body" if head.body.is_none() => head.body = Some(n.id()),
                "script"
                    if el
                        .attr("type")
                        .is_some_and(|t| t.eq_ignore_ascii_case("application/ld+json")) =>
                {
                    let text: String = n
                        .children()
                        .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
                        .collect();
                    head.json_ld.push(text);
                }
                _ => {}
            }
        }
        head
    }

    /// The first non-empty meta content under any of `keys` (lower case).
    fn meta(&self, keys: &[&str]) -> Option<String> {
        keys.iter()
            .filter_map(|k| self.meta.get(*k))
            .map(|v| collapse_space(v))
            .find(|v| !v.is_empty())
    }
}

#[derive(Default)]
struct CompiledRules {
    title: Option<Selector>,
    body: Option<Selector>,
    lead: Option<Selector>,
    date: Option<Selector>,
    author: Option<Selector>,
    /// All strip selectors as one list, and the elements it matched where it was applied
    /// (see [`Page::mark_stripped`]).
    strip_selector: Option<Selector>,
    strip: FxHashSet<NodeId>,
}

/// A block of the page in document order: a paragraph of text or an image.
#[derive(Debug)]
struct Piece {
    /// The nearest block-level element that holds it.
    owner: NodeId,
    kind: PieceKind,
    dropped: bool,
}

#[derive(Debug)]
enum PieceKind {
    Text {
        /// The text with white space collapsed (empty when the walk kept lengths only).
        text: String,
        /// Whether the raw text starts with a run of `&nbsp;`, the old way of pushing a
        /// byline to the right.
        nbsp_indent: bool,
        /// Its length once white space is collapsed.
        len: usize,
        link_chars: usize,
        /// The inline nodes (children of `owner`) that make up this paragraph.
        parts: Vec<NodeId>,
    },
    Image {
        node: NodeId,
        url: String,
        in_link: bool,
        decorative: bool,
    },
}

impl Piece {
    fn text(&self) -> Option<&str> {
        match &self.kind {
            PieceKind::Text { text, .. } => Some(text),
            PieceKind::Image { .. } => None,
        }
    }

    /// Whether most of its letters are link text.
    fn is_mostly_links(&self) -> bool {
        match &self.kind {
            PieceKind::Text {
                text, link_chars, ..
            } if *link_chars > 0 => {
                let letters = text.chars().filter(|c| !c.is_whitespace()).count();
                *link_chars * 10 >= letters * 6
            }
            _ => false,
        }
    }

    /// The nodes to leave out of the HTML when this piece is dropped.
    fn nodes(&self) -> Vec<NodeId> {
        match &self.kind {
            PieceKind::Text { parts, .. } => parts.clone(),
            PieceKind::Image { node, .. } => vec![*node],
        }
    }
}

/// A paragraph being gathered by [`Page::walk`].
#[derive(Default)]
struct Pending {
    text: String,
    len: usize,
    link_chars: usize,
    parts: Vec<NodeId>,
}

struct Title {
    text: String,
    node: Option<NodeId>,
}

#[derive(Default)]
struct TrailingMeta {
    author: Option<String>,
    source: Option<String>,
}

fn compile(sel: &Option<String>) -> Result<Option<Selector>, ExtractError> {
    sel.as_deref().map(compile_cached).transpose()
}

/// Parses a selector from a profile or a source's rules, remembering it: the same few
/// selectors come with every page of a source, and parsing one costs more than matching
/// it. The memo is per thread (no lock on the extraction path) and forgets everything
/// when it grows past a bound, so reloaded configurations cannot make it grow forever.
fn compile_cached(text: &str) -> Result<Selector, ExtractError> {
    const BOUND: usize = 1024;
    thread_local! {
        static PARSED: std::cell::RefCell<HashMap<String, Selector>> =
            std::cell::RefCell::new(HashMap::new());
    }
    if let Some(hit) = PARSED.with(|m| m.borrow().get(text).cloned()) {
        return Ok(hit);
    }
    let parsed = Selector::parse(text).map_err(|e| ExtractError::Selector {
        selector: text.to_string(),
        message: e.to_string(),
    })?;
    PARSED.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= BOUND {
            m.clear();
        }
        m.insert(text.to_string(), parsed.clone());
    });
    Ok(parsed)
}

/// Elements that end a paragraph: what the walks cut text at.
fn is_block(el: &Element) -> bool {
    // A `match`, not a list lookup: this runs for every element of every walk.
    matches!(
        el.name(),
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "center"
            | "dd"
            | "details"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "table"
            | "tbody"
            | "thead"
            | "tfoot"
            | "tr"
            | "td"
            | "th"
            | "ul"
            | "caption"
            | "body"
            | "html"
    )
}

impl<'a> Page<'a> {
    fn new(
        doc: &'a Html,
        head: Head,
        page_url: &Url,
        rules: &ArticleRules,
    ) -> Result<Page<'a>, ExtractError> {
        let base = head
            .base
            .as_deref()
            .and_then(|h| page_url.join(h.trim()).ok())
            .unwrap_or_else(|| page_url.clone());
        // Each strip selector checked alone (so an error names it), then all as one list.
        for s in &rules.strip {
            compile_cached(s)?;
        }
        let strip_selector = if rules.strip.is_empty() {
            None
        } else {
            Some(compile_cached(&rules.strip.join(", "))?)
        };
        let compiled = CompiledRules {
            title: compile(&rules.title)?,
            body: compile(&rules.body)?,
            lead: compile(&rules.lead)?,
            date: compile(&rules.date)?,
            author: compile(&rules.author)?,
            strip_selector,
            strip: FxHashSet::default(),
        };
        // Each node's document position and the position of its last descendant, so that
        // "is inside" is a comparison. Real pages nest a few dozen levels; a page nested
        // thousands deep is junk (or an attack on the parser) and is refused.
        let mut order =
            FxHashMap::with_capacity_and_hasher(doc.tree.nodes().len(), Default::default());
        let mut open: Vec<(NodeId, usize)> = Vec::new();
        let mut next = 0usize;
        let mut by_pos = Vec::with_capacity(doc.tree.nodes().len());
        let mut end_by_pos = vec![0; doc.tree.nodes().len()];
        let (mut h1s, mut date_props, mut times) = (Vec::new(), Vec::new(), Vec::new());
        for edge in doc.tree.root().traverse() {
            match edge {
                ego_tree::iter::Edge::Open(n) => {
                    open.push((n.id(), next));
                    by_pos.push(n.id());
                    next += 1;
                    if let Node::Element(el) = n.value() {
                        match el.name() {
                            "h1" => h1s.push(n.id()),
                            "time" if el.attr("datetime").is_some() => times.push(n.id()),
                            _ => {}
                        }
                        match el.attr("itemprop") {
                            Some("datePublished") => date_props.push(n.id()),
                            Some("headline") if !matches!(el.name(), "meta" | "h1") => {
                                h1s.push(n.id())
                            }
                            _ => {}
                        }
                    }
                    if open.len() > MAX_DEPTH {
                        return Err(ExtractError::NoArticle(format!(
                            "the page nests elements more than {MAX_DEPTH} levels deep"
                        )));
                    }
                }
                ego_tree::iter::Edge::Close(_) => {
                    if let Some((id, start)) = open.pop() {
                        order.insert(id, (start, next.saturating_sub(1)));
                        if let Some(end) = end_by_pos.get_mut(start) {
                            *end = next.saturating_sub(1);
                        }
                    }
                }
            }
        }
        Ok(Page {
            doc,
            head,
            url: page_url.clone(),
            base,
            rules: compiled,
            order,
            by_pos,
            end_by_pos,
            h1s,
            date_props,
            times,
        })
    }

    /// Applies the strip selectors to the subtree at `scope` (the element and its
    /// descendants), adding what they match to the elements walks leave out.
    fn mark_stripped(&mut self, scope: NodeId) {
        let Some(sel) = &self.rules.strip_selector else {
            return;
        };
        let Some(root) = self.node(scope) else {
            return;
        };
        for n in root.descendants() {
            if let Some(e) = ElementRef::wrap(n)
                && sel.matches(&e)
            {
                self.rules.strip.insert(n.id());
            }
        }
    }

    fn node(&self, id: NodeId) -> Option<NodeRef<'a, Node>> {
        self.doc.tree.get(id)
    }

    fn element(&self, id: NodeId) -> Option<ElementRef<'a>> {
        self.node(id).and_then(ElementRef::wrap)
    }

    fn pos(&self, id: NodeId) -> usize {
        self.order.get(&id).map_or(0, |(p, _)| *p)
    }

    /// Document positions of the first and last node of a subtree.
    fn span(&self, id: NodeId) -> (usize, usize) {
        self.order.get(&id).copied().unwrap_or((0, 0))
    }

    fn is_within(&self, id: NodeId, ancestor: NodeId) -> bool {
        let (s, e) = self.span(ancestor);
        let p = self.pos(id);
        p >= s && p <= e
    }

    /// Walks a subtree and cuts it into pieces. `skip` removes whole elements. Without
    /// `keep_text` only the lengths are kept, which is all the scorer needs.
    fn walk(
        &self,
        root: NodeId,
        keep_text: bool,
        skip: &dyn Fn(NodeRef<'a, Node>, &Element) -> bool,
    ) -> Vec<Piece> {
        let Some(root) = self.node(root) else {
            return Vec::new();
        };
        let mut pieces = Vec::new();
        let mut blocks: Vec<NodeId> = vec![root.id()];
        let mut cur: Option<Pending> = None;
        let mut link_depth = 0usize;
        let mut skipping: Option<NodeId> = None;

        let flush = |cur: &mut Option<Pending>, owner: NodeId, pieces: &mut Vec<Piece>| {
            if let Some(p) = cur.take()
                && p.len > 0
            {
                let nbsp_indent = p
                    .text
                    .trim_start_matches([' ', '\n', '\t', '\r'])
                    .chars()
                    .take_while(|c| *c == '\u{a0}')
                    .count()
                    >= 8;
                pieces.push(Piece {
                    owner,
                    kind: PieceKind::Text {
                        text: collapse_space(&p.text),
                        nbsp_indent,
                        len: p.len,
                        link_chars: p.link_chars,
                        parts: p.parts,
                    },
                    dropped: false,
                });
            }
        };

        for edge in root.traverse() {
            match edge {
                ego_tree::iter::Edge::Open(node) => {
                    if skipping.is_some() {
                        continue;
                    }
                    let owner = *blocks.last().unwrap_or(&root.id());
                    match node.value() {
                        Node::Element(el) => {
                            if node.id() != root.id() && skip(node, el) {
                                skipping = Some(node.id());
                                continue;
                            }
                            if node.id() == root.id() {
                                continue;
                            }
                            if is_block(el) {
                                flush(&mut cur, owner, &mut pieces);
                                blocks.push(node.id());
                                continue;
                            }
                            let part_of_owner = node.parent().map(|p| p.id()) == Some(owner);
                            match el.name() {
                                "br" => {
                                    let c = cur.get_or_insert_with(Default::default);
                                    if keep_text {
                                        c.text.push(' ');
                                    }
                                }
                                "a" => link_depth += 1,
                                "img" => {
                                    if let Some(url) = self.image_url(el) {
                                        let decorative = is_decorative(el, &url);
                                        pieces.push(Piece {
                                            owner,
                                            kind: PieceKind::Image {
                                                node: node.id(),
                                                url,
                                                in_link: link_depth > 0,
                                                decorative,
                                            },
                                            dropped: false,
                                        });
                                    }
                                }
                                _ => {}
                            }
                            if part_of_owner && keep_text {
                                cur.get_or_insert_with(Default::default)
                                    .parts
                                    .push(node.id());
                            }
                        }
                        Node::Text(t) => {
                            let c = cur.get_or_insert_with(Default::default);
                            let visible = text::visible_len(t);
                            // Segments are joined by at most one space.
                            c.len += visible + usize::from(c.len > 0 && visible > 0);
                            if link_depth > 0 {
                                c.link_chars += t.chars().filter(|c| !c.is_whitespace()).count();
                            }
                            if keep_text {
                                c.text.push_str(t);
                                if node.parent().map(|p| p.id()) == Some(owner) {
                                    c.parts.push(node.id());
                                }
                            }
                        }
                        _ => {}
                    }
                }
                ego_tree::iter::Edge::Close(node) => {
                    if let Some(s) = skipping {
                        if s == node.id() {
                            skipping = None;
                        }
                        continue;
                    }
                    if let Node::Element(el) = node.value() {
                        if node.id() == root.id() {
                            continue;
                        }
                        if is_block(el) {
                            let owner = blocks.pop().unwrap_or(root.id());
                            flush(&mut cur, owner, &mut pieces);
                        } else if el.name() == "a" {
                            link_depth = link_depth.saturating_sub(1);
                        }
                    }
                }
            }
        }
        flush(&mut cur, root.id(), &mut pieces);
        pieces
    }

    /// The URL of an image: lazy-loading attributes first, then `src`, then `srcset`.
    fn image_url(&self, el: &Element) -> Option<String> {
        let lazy = ["data-src", "data-original", "data-lazy-src", "data-url"]
            .iter()
            .find_map(|a| el.attr(a))
            .filter(|v| !v.trim().is_empty());
        let src = el
            .attr("src")
            .filter(|s| !s.trim().is_empty() && !s.trim_start().starts_with("data:"));
        let srcset = ["data-srcset", "srcset"]
            .iter()
            .find_map(|a| el.attr(a))
            .and_then(|s| s.split(',').next())
            .and_then(|s| s.split_whitespace().next());
        let raw = lazy.or(src).or(srcset)?;
        let url = self.base.join(raw.trim()).ok()?;
        matches!(url.scheme(), "http" | "https").then(|| url.to_string())
    }

    fn never_content(&self, el: &Element, id: NodeId) -> bool {
        rules::is_never_content(el) || self.rules.strip.contains(&id)
    }

    /// The generic main-content scorer (see the module documentation).
    ///
    /// Prose inside chrome (a footer, an aside, a share bar, a "related" box: see
    /// [`chrome::classify`]) does not count for its candidates, so a site's long footer
    /// text cannot outscore a short article. A chrome box that holds a box named as content
    /// (`l-sidebar-fixed` around `c-entry-content`, a layout "with sidebar" around
    /// `field-name-body`) is a layout, not chrome. When that leaves no candidate at all,
    /// chrome prose counts again.
    fn choose_body(&self) -> Result<NodeId, ExtractError> {
        let root = self
            .head
            .body
            .unwrap_or_else(|| self.doc.root_element().id());
        let marked = std::cell::RefCell::new((Vec::new(), Vec::new()));
        let pieces = self.walk(root, false, &|n, el| {
            if self.never_content(el, n.id()) {
                return true;
            }
            match chrome::classify(el) {
                chrome::Markup::Chrome => marked.borrow_mut().0.push(self.span(n.id())),
                chrome::Markup::Content => marked.borrow_mut().1.push(self.pos(n.id())),
                chrome::Markup::Neither => {}
            }
            false
        });
        // Which positions lie inside chrome: +1 at a span's start, -1 past its end.
        let (chrome_spans, content_at) = marked.into_inner();
        let n = self.by_pos.len();
        let mut depth = vec![0i32; n + 2];
        for (start, end) in chrome_spans {
            // `content_at` is in document order: the first content box at or after `start`.
            let first = content_at.partition_point(|p| *p < start);
            if content_at.get(first).is_some_and(|p| *p <= end) {
                continue;
            }
            depth[start] += 1;
            depth[end + 1] -= 1;
        }
        for i in 1..=n {
            depth[i] += depth[i - 1];
        }
        let in_chrome = |id: NodeId| depth[self.pos(id)] > 0;
        self.best_candidate(&pieces, Some(&in_chrome))
            .or_else(|| self.best_candidate(&pieces, None))
            .ok_or_else(|| ExtractError::NoArticle("no block of prose on the page".into()))
    }

    /// The best-scoring element holding any of `pieces`, if it scores above zero; prose
    /// whose owner `in_chrome` says is chrome counts nothing.
    fn best_candidate(
        &self,
        pieces: &[Piece],
        in_chrome: Option<&dyn Fn(NodeId) -> bool>,
    ) -> Option<NodeId> {
        // A node's score is the sum of the weights of the pieces inside it. Weights are put
        // at their owner's document position; with prefix sums over positions, a subtree's
        // sum is a difference, since a subtree is a run of positions.
        let n = self.by_pos.len();
        let mut weight = vec![0.0f64; n + 1];
        let mut pieces_in = vec![0u32; n + 1];
        for p in pieces {
            let mut w = match &p.kind {
                PieceKind::Text {
                    len, link_chars, ..
                } => {
                    let len = *len;
                    let prose = len.saturating_sub(*link_chars);
                    if prose >= 40 && *link_chars * 2 < len && !self.is_teaser(p.owner, len) {
                        (prose - link_chars) as f64
                    } else {
                        -(10.0 + *link_chars as f64)
                    }
                }
                PieceKind::Image {
                    in_link,
                    decorative,
                    ..
                } => {
                    // A grid of thumbnails is a gallery or a list, not an article.
                    if *in_link || *decorative || self.is_grid_cell(p.owner) {
                        0.0
                    } else {
                        30.0
                    }
                }
            };
            if w > 0.0 && in_chrome.is_some_and(|f| f(p.owner)) {
                w = 0.0;
            }
            let at = self.pos(p.owner);
            weight[at + 1] += w;
            pieces_in[at + 1] += 1;
        }
        for i in 1..=n {
            weight[i] += weight[i - 1];
            pieces_in[i] += pieces_in[i - 1];
        }
        // The best-scoring element holding any piece; on a tie, the deeper one.
        let mut best: Option<(NodeId, usize, f64)> = None;
        for (start, id) in self.by_pos.iter().enumerate() {
            let end = self.end_by_pos[start];
            if pieces_in[end + 1] == pieces_in[start]
                || !self.node(*id).is_some_and(|x| x.value().is_element())
            {
                continue;
            }
            let s = weight[end + 1] - weight[start];
            match best {
                None => best = Some((*id, end, s)),
                Some((_, best_end, bs)) => {
                    // Document order: a later start inside the best's run is a descendant.
                    if s > bs + 1e-9 || (s >= bs - 1e-9 && start <= best_end) {
                        best = Some((*id, end, s));
                    }
                }
            }
        }
        best.filter(|(_, _, s)| *s > 0.0).map(|(id, _, _)| id)
    }

    /// Whether a block of prose (`len` characters) is a teaser's summary: it sits in a
    /// small item that has
    /// siblings of the same kind (tag and class) and a headline link of its own. A list of
    /// such items ("Tin cùng chuyên mục", a section grid) is a list of other articles,
    /// however much prose its summaries add up to.
    fn is_teaser(&self, owner: NodeId, len: usize) -> bool {
        let mut cur = self.node(owner);
        for _ in 0..4 {
            let Some(item) = cur else { return false };
            let Some(el) = item.value().as_element() else {
                return false;
            };
            if matches!(el.name(), "body" | "html" | "main") {
                return false;
            }
            // A teaser is its summary, a headline and a date: stop climbing at the first
            // container with much more text than that (a short article's paragraphs); the
            // bound is on raw text, indentation included.
            if self.text_within(item.id(), 4 * len + 400).is_none() {
                return false;
            }
            let class = el.attr("class");
            let alike = item
                .parent()
                .into_iter()
                .flat_map(|p| p.children())
                .filter(|s| s.id() != item.id())
                .filter_map(|s| s.value().as_element())
                .filter(|s| s.name() == el.name() && s.attr("class") == class)
                .take(2)
                .count();
            if alike >= 2 && self.has_headline_link(item.id(), owner) {
                return true;
            }
            cur = item.parent();
        }
        false
    }

    /// Whether an image's block is a cell of a grid: it, or a small ancestor, has two or
    /// more classed siblings of the same kind.
    fn is_grid_cell(&self, owner: NodeId) -> bool {
        let mut cur = self.node(owner);
        for _ in 0..3 {
            let Some(item) = cur else { return false };
            let Some(el) = item.value().as_element() else {
                return false;
            };
            if matches!(el.name(), "body" | "html" | "main")
                || self.text_within(item.id(), 400).is_none()
            {
                return false;
            }
            if let Some(class) = el.attr("class") {
                let alike = item
                    .parent()
                    .into_iter()
                    .flat_map(|p| p.children())
                    .filter(|s| s.id() != item.id())
                    .filter_map(|s| s.value().as_element())
                    .filter(|s| s.name() == el.name() && s.attr("class") == Some(class))
                    .take(2)
                    .count();
                if alike >= 2 {
                    return true;
                }
            }
            cur = item.parent();
        }
        false
    }

    /// Whether an element holds a link of three or more words outside `except`.
    fn has_headline_link(&self, id: NodeId, except: NodeId) -> bool {
        let Some(n) = self.node(id) else { return false };
        n.descendants()
            .filter(|d| !self.is_within(d.id(), except))
            .filter(|d| d.value().as_element().is_some_and(|e| e.name() == "a"))
            .any(|a| word_count(&self.text_of(a.id())) >= 3)
    }

    /// The body's pieces with chrome removed by markup.
    ///
    /// Markup can be wrong about a container (WordPress writes `tag-…` classes of the post
    /// on its `<article>`), so an element named as chrome that holds half or more of the
    /// body's prose is kept: a share bar or a comment block is never most of an article.
    fn body_blocks(&self, body: NodeId) -> Vec<Piece> {
        let left_out = self.left_out_of(body);
        self.walk(body, true, &|n, el| left_out(n.id(), el))
    }

    /// What the body's text and HTML leave out: never-content elements, and chrome that
    /// holds less than half of the body's prose.
    fn left_out_of(&self, body: NodeId) -> impl Fn(NodeId, &Element) -> bool + '_ {
        let prose = self.prose_index(body);
        let total = prose.last().copied().unwrap_or(0);
        let (body_start, _) = self.span(body);
        move |id, el| {
            if self.never_content(el, id) {
                return true;
            }
            if !rules::is_chrome(el) {
                return false;
            }
            let (s, e) = self.span(id);
            let at = |p: usize| {
                prose
                    .get(p.saturating_sub(body_start))
                    .copied()
                    .unwrap_or(total)
            };
            total == 0 || (at(e + 1) - at(s)) * 2 < total
        }
    }

    /// Prefix sums of prose characters by document position over a subtree: entry `i` is
    /// the prose owned by positions before `start + i` (prose: blocks of 40+ characters
    /// mostly outside links).
    fn prose_index(&self, root: NodeId) -> Vec<usize> {
        let (start, end) = self.span(root);
        let mut at = vec![0usize; end - start + 2];
        for p in self.walk(root, false, &|n, el| self.never_content(el, n.id())) {
            if let PieceKind::Text {
                len, link_chars, ..
            } = p.kind
                && len >= 40
                && link_chars * 2 < len
            {
                let i = self.pos(p.owner).saturating_sub(start) + 1;
                if let Some(slot) = at.get_mut(i) {
                    *slot += len - link_chars;
                }
            }
        }
        for i in 1..at.len() {
            at[i] += at[i - 1];
        }
        at
    }

    /// Applies the text rules to the body's pieces: drops chrome blocks and related lists,
    /// the headline and date line at the top, and takes the byline and the "Nguồn:" credit
    /// from the bottom.
    fn trim_blocks(&self, blocks: &mut [Piece], title: &str) -> TrailingMeta {
        let mut meta = TrailingMeta::default();
        // Icons, spacers and tracking pixels are not article images.
        for b in blocks.iter_mut() {
            if let PieceKind::Image {
                decorative: true, ..
            } = b.kind
            {
                b.dropped = true;
            }
        }
        let mut cut_from = None;
        for (i, b) in blocks.iter_mut().enumerate() {
            let Some(t) = b.text() else { continue };
            if b.is_mostly_links() {
                // Tag lists ("Thẻ: Dân vận, Nghị quyết 25"), "Xem chi tiết tại đây",
                // lists of other articles: what a reader clicks, not what they read.
                b.dropped = true;
                continue;
            }
            match rules::classify(t) {
                BlockText::Chrome => b.dropped = true,
                BlockText::RelatedHeading => {
                    cut_from = Some(i);
                    break;
                }
                BlockText::Content => {}
            }
        }
        if let Some(i) = cut_from {
            for b in &mut blocks[i..] {
                b.dropped = true;
            }
        }
        // The head of the body: the headline, date lines and credits that some templates
        // print inside the article container, up to the first real paragraph.
        let title_norm = collapse_space(title);
        for b in blocks.iter_mut() {
            if b.dropped {
                continue;
            }
            let Some(t) = b.text() else { continue };
            if (!title_norm.is_empty() && t == title_norm) || rules::is_date_line(t) {
                b.dropped = true;
            } else if word_count(t) >= 20 {
                break;
            } else if let Some(credit) = rules::parse_credit(t) {
                meta.source.get_or_insert(credit);
                b.dropped = true;
            }
        }
        // The tail: source line and byline, in either order, and empty leftovers.
        for _ in 0..4 {
            let Some(last) = blocks
                .iter_mut()
                .rev()
                .find(|b| !b.dropped && b.text().is_some())
            else {
                break;
            };
            let Some(t) = last.text().map(str::to_string) else {
                break;
            };
            if let Some(credit) = rules::parse_credit(&t) {
                if meta.source.is_none() {
                    meta.source = Some(credit);
                }
                last.dropped = true;
                continue;
            }
            if meta.author.is_none()
                && let Some(name) = rules::parse_byline(&t, self.block_style(last))
            {
                meta.author = Some(name);
                last.dropped = true;
                continue;
            }
            break;
        }
        // A caption or paragraph printed twice in a row appears once.
        let mut prev: Option<usize> = None;
        for i in 0..blocks.len() {
            if blocks[i].dropped || blocks[i].text().is_none() {
                continue;
            }
            if prev.is_some_and(|p| blocks[p].text() == blocks[i].text()) {
                blocks[i].dropped = true;
            }
            prev = Some(i);
        }
        meta
    }

    /// How a text block is set: alignment, emphasis, indentation with `&nbsp;` runs.
    fn block_style(&self, piece: &Piece) -> BlockStyle {
        let PieceKind::Text {
            nbsp_indent, parts, ..
        } = &piece.kind
        else {
            return BlockStyle::default();
        };
        let mut style = BlockStyle {
            pushed_right: *nbsp_indent,
            ..Default::default()
        };
        let mut n = self.node(piece.owner);
        for _ in 0..3 {
            let Some(x) = n else { break };
            if let Some(el) = x.value().as_element() {
                let st = el
                    .attr("style")
                    .unwrap_or("")
                    .replace(' ', "")
                    .to_ascii_lowercase();
                if st.contains("text-align:right")
                    || el
                        .attr("align")
                        .is_some_and(|a| a.eq_ignore_ascii_case("right"))
                {
                    style.right_aligned = true;
                }
                if is_block(el) && el.name() != "td" && el.name() != "div" {
                    break;
                }
            }
            n = x.parent();
        }
        let visible: Vec<NodeRef<'a, Node>> = parts
            .iter()
            .filter_map(|id| self.node(*id))
            .filter(|n| match n.value() {
                Node::Text(t) => t.chars().any(|c| !c.is_whitespace() && c != '\u{a0}'),
                _ => true,
            })
            .collect();
        style.emphasised = !visible.is_empty()
            && visible.iter().all(|n| {
                n.value()
                    .as_element()
                    .is_some_and(|e| matches!(e.name(), "strong" | "b" | "em" | "i"))
            });
        style
    }

    /// Whether most of an element's text is inside links: a teaser's headline, not the
    /// article's.
    fn is_link_list(&self, id: NodeId) -> bool {
        let Some(n) = self.node(id) else { return false };
        let (mut all, mut linked) = (0usize, 0usize);
        for d in n.descendants() {
            if let Node::Text(t) = d.value() {
                let len = t.trim().len();
                all += len;
                if d.ancestors()
                    .take_while(|a| a.id() != id)
                    .any(|a| a.value().as_element().is_some_and(|e| e.name() == "a"))
                {
                    linked += len;
                }
            }
        }
        all > 0 && linked * 2 > all
    }

    fn text_of(&self, id: NodeId) -> String {
        self.text_within(id, usize::MAX).unwrap_or_default()
    }

    /// [`Page::text_of`], or `None` as soon as the raw text passes `limit` bytes: a cheap
    /// "is this element's text that headline" when climbing into large containers.
    fn text_within(&self, id: NodeId, limit: usize) -> Option<String> {
        let mut out = String::new();
        if let Some(n) = self.node(id) {
            let mut skipping: Option<NodeId> = None;
            for edge in n.traverse() {
                match edge {
                    ego_tree::iter::Edge::Open(x) => {
                        if skipping.is_some() {
                            continue;
                        }
                        match x.value() {
                            Node::Element(el) if x.id() != id && rules::is_never_content(el) => {
                                skipping = Some(x.id())
                            }
                            Node::Element(el) if el.name() == "br" || is_block(el) => out.push(' '),
                            Node::Text(t) => {
                                out.push_str(t);
                                if out.len() > limit {
                                    return None;
                                }
                            }
                            _ => {}
                        }
                    }
                    ego_tree::iter::Edge::Close(x) => {
                        if skipping == Some(x.id()) {
                            skipping = None;
                        }
                    }
                }
            }
        }
        Some(collapse_space(&out))
    }

    /// The headline: source selector, `og:title`, the `h1` nearest the body, a
    /// title-like element just above the body, then `<title>` without the site name.
    fn title(&self, body: NodeId) -> Title {
        if let Some(sel) = &self.rules.title
            && let Some(e) = self.doc.select(sel).next()
        {
            return Title {
                text: self.text_of(e.id()),
                node: Some(e.id()),
            };
        }
        let site = self.head.meta(&["og:site_name"]);
        let page_title = self.head.title.map(|t| self.text_of(t)).unwrap_or_default();
        let (body_start, body_end) = self.span(body);
        let distance = |id: NodeId| {
            let p = self.pos(id);
            if p < body_start {
                body_start - p
            } else {
                p.saturating_sub(body_end)
            }
        };
        let visible = |e: &ElementRef<'_>| {
            let mut n = Some(**e);
            while let Some(x) = n {
                if x.value().as_element().is_some_and(rules::is_never_content) {
                    return false;
                }
                n = x.parent();
            }
            true
        };
        // The element on the page that shows a given headline, nearest the body: start
        // from the text nodes that hold its first words and climb a few levels, rather
        // than comparing the text of every element on the page.
        let find_node = |text: &str| -> Option<NodeId> {
            let probe: String = text.chars().take(16).collect();
            let mut best: Option<(usize, NodeId)> = None;
            for n in self.doc.tree.nodes() {
                let Node::Text(t) = n.value() else { continue };
                // A text node much longer than the headline is not the headline.
                if t.len() > text.len() * 2 + 64 {
                    continue;
                }
                let first_word = probe.split_whitespace().next().unwrap_or("");
                if !t.contains(first_word)
                    || (!t.contains(probe.trim()) && !collapse_space(t).contains(probe.trim()))
                {
                    continue;
                }
                let mut cur = n.parent();
                for _ in 0..4 {
                    let Some(x) = cur else { break };
                    // Raw text may carry white space and hidden parts: a generous bound.
                    if let Some(e) = ElementRef::wrap(x)
                        && self.text_within(x.id(), text.len() * 4 + 256).as_deref() == Some(text)
                        && visible(&e)
                    {
                        let d = distance(x.id());
                        if best.is_none_or(|(bd, _)| d < bd) {
                            best = Some((d, x.id()));
                        }
                        break;
                    }
                    cur = x.parent();
                }
            }
            best.map(|(_, id)| id)
        };

        // The headline as the page shows it: a visible `h1` or microdata headline nearest
        // the body, not a link to another article.
        let heading = self
            .h1s
            .iter()
            .filter_map(|id| self.element(*id))
            .filter(|e| visible(e) && !self.is_link_list(e.id()))
            .map(|e| (e.id(), self.text_of(e.id())))
            .filter(|(_, t)| word_count(t) >= 2 && rules::classify(t) == BlockText::Content)
            .min_by_key(|(id, _)| distance(*id));
        let og = self.head.meta(&["og:title", "twitter:title"]);
        // The heading wins when what the page declares (`og:title`, `<title>`) agrees with
        // it, with or without a site name around it: that strips any suffix, known or not.
        if let Some((id, text)) = &heading
            && [og.as_deref(), Some(page_title.as_str())]
                .into_iter()
                .flatten()
                .any(|declared| agrees(text, declared))
        {
            return Title {
                text: text.clone(),
                node: Some(*id),
            };
        }
        if let Some(og) = og {
            let text = strip_site_name(&og, site.as_deref());
            if !text.is_empty() && Some(text.as_str()) != site.as_deref() {
                let node = find_node(&text);
                // An `og:title` that nothing on the page shows ("Chi tiết tin tức" on every
                // article) yields to a headline printed at the body.
                if node.is_none()
                    && let Some((id, h)) = &heading
                    && distance(*id) < 40
                    && shared_words(&text, h) * 2 < word_count(&text)
                {
                    return Title {
                        text: h.clone(),
                        node: Some(*id),
                    };
                }
                return Title { text, node };
            }
        }
        if let Some((id, text)) = heading
            && (page_title.is_empty() || !is_site_name(&text, &page_title) || distance(id) < 40)
        {
            return Title {
                text,
                node: Some(id),
            };
        }
        // Only the 80 nodes before the body are candidates: test those, not the page.
        if let Some(e) = self.by_pos[body_start.saturating_sub(79).min(body_start)..body_start]
            .iter()
            .filter_map(|id| self.element(*id))
            .filter(|e| TITLE_LIKE.matches(e) && visible(e))
            .filter(|e| {
                let t = self.text_of(e.id());
                let words = word_count(&t);
                (3..=60).contains(&words) && rules::classify(&t) == BlockText::Content
            })
            .max_by_key(|e| self.pos(e.id()))
        {
            return Title {
                text: self.text_of(e.id()),
                node: Some(e.id()),
            };
        }
        let text = strip_site_name(&page_title, site.as_deref());
        let node = if text.is_empty() {
            None
        } else {
            find_node(&text)
        };
        Title { text, node }
    }

    /// A lead printed between the headline and the body, outside both: the largest element
    /// in that gap holding a block of prose, when that prose is shorter than the body's.
    fn lead_between(&self, title: Option<NodeId>, body: NodeId) -> Option<NodeId> {
        let (_, title_end) = self.span(title?);
        let (body_start, _) = self.span(body);
        if title_end >= body_start {
            return None;
        }
        let in_gap = |id: NodeId| {
            let (s, e) = self.span(id);
            s > title_end && e < body_start
        };
        let scope = self.metadata_scope(title, body);
        let pieces = self.walk(scope, true, &|n, el| {
            self.never_content(el, n.id())
                || (rules::is_chrome(el) && !self.is_within(body, n.id()))
        });
        let prose = |p: &Piece| match &p.kind {
            PieceKind::Text {
                text,
                len,
                link_chars,
                ..
            } => {
                *len >= 80
                    && link_chars * 4 < *len
                    && rules::classify(text) == BlockText::Content
                    && !rules::is_date_line(text)
                    && rules::parse_credit(text).is_none()
            }
            PieceKind::Image { .. } => false,
        };
        // A sapo is set apart as one: named so, or set in bold. An unmarked paragraph
        // there is a caption, a dek or a promotion, which news sites leave out of the text.
        let marked = |p: &Piece| {
            let mut n = self.node(p.owner);
            while let Some(x) = n {
                if !in_gap(x.id()) {
                    break;
                }
                if let Some(el) = x.value().as_element() {
                    if matches!(el.name(), "figure" | "figcaption") {
                        return false;
                    }
                    if el.attr("class").is_some_and(names_a_lead) {
                        return true;
                    }
                }
                n = x.parent();
            }
            self.block_style(p).emphasised
        };
        let first = pieces
            .iter()
            .find(|p| in_gap(p.owner) && prose(p) && marked(p))?;
        let body_len: usize = pieces
            .iter()
            .filter(|p| self.is_within(p.owner, body))
            .filter_map(|p| match &p.kind {
                PieceKind::Text { len, .. } => Some(*len),
                PieceKind::Image { .. } => None,
            })
            .sum();
        let lead_len: usize = pieces
            .iter()
            .filter(|p| in_gap(p.owner))
            .filter_map(|p| match &p.kind {
                PieceKind::Text { len, .. } => Some(*len),
                PieceKind::Image { .. } => None,
            })
            .sum();
        if lead_len >= body_len {
            return None;
        }
        // Climb from the prose block to the largest element still inside the gap.
        let mut lead = first.owner;
        while let Some(parent) = self.node(lead).and_then(|n| n.parent()) {
            if !parent.value().is_element() || !in_gap(parent.id()) {
                break;
            }
            lead = parent.id();
        }
        Some(lead)
    }

    /// The article's own picture printed between the headline (or the lead) and the body,
    /// outside both: WordPress's post thumbnail, NukeViet's home image with its caption.
    /// It is the largest element in that gap holding the first plain image (not a link,
    /// not decorative, not a cell of a grid) and no more text than a caption.
    fn figure_between(
        &self,
        title: Option<NodeId>,
        lead: Option<NodeId>,
        body: NodeId,
    ) -> Option<NodeId> {
        let after = lead.or(title)?;
        let (_, gap_start) = self.span(after);
        let (body_start, _) = self.span(body);
        if gap_start >= body_start {
            return None;
        }
        let in_gap = |id: NodeId| {
            let (s, e) = self.span(id);
            s > gap_start && e < body_start
        };
        let scope = self.metadata_scope(title, body);
        let (scope_start, scope_end) = self.span(scope);
        let image = self.by_pos[gap_start + 1..body_start.min(scope_end + 1)]
            .iter()
            .copied()
            .filter(|id| self.pos(*id) >= scope_start)
            .find(|id| {
                self.element(*id).is_some_and(|e| {
                    e.value().name() == "img"
                        && self
                            .image_url(e.value())
                            .is_some_and(|url| !is_decorative(e.value(), &url))
                })
            })?;
        let node = self.node(image)?;
        let mut figure = node.parent()?;
        if node.ancestors().any(|a| {
            a.value().as_element().is_some_and(|e| {
                e.name() == "a"
                    || (rules::is_chrome(e) && !self.is_within(body, a.id()))
                    || rules::is_never_content(e)
            })
        }) || self.is_grid_cell(figure.id())
        {
            return None;
        }
        // Climb while the element stays in the gap and holds no more than a caption.
        while let Some(parent) = figure.parent() {
            if !parent.value().is_element()
                || !in_gap(parent.id())
                || self.text_within(parent.id(), 300).is_none()
            {
                break;
            }
            figure = parent;
        }
        (in_gap(figure.id()) && self.text_within(figure.id(), 300).is_some()).then_some(figure.id())
    }

    /// Where the article's metadata lives: the smallest element holding both the headline
    /// and the body; without a headline on the page, the body's parent.
    fn metadata_scope(&self, title: Option<NodeId>, body: NodeId) -> NodeId {
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
    fn widen(&self, scope: NodeId) -> NodeId {
        self.node(scope)
            .and_then(|n| n.parent())
            .filter(|p| {
                p.value()
                    .as_element()
                    .is_some_and(|e| !matches!(e.name(), "body" | "html"))
            })
            .map_or(scope, |p| p.id())
    }

    /// The text blocks of the scope outside the body and outside chrome such as related
    /// lists, nearest the headline first.
    fn scope_blocks(
        &self,
        scope: NodeId,
        title: Option<NodeId>,
        body: NodeId,
    ) -> Vec<(String, NodeId)> {
        // An article's `<header>` holds its date line and byline, not the site's menus.
        let pieces = self.walk(scope, true, &|n, el| {
            self.never_content(el, n.id())
                || (n.id() != body
                    && el.name() != "header"
                    && rules::is_chrome(el)
                    && !self.is_within(body, n.id()))
        });
        let anchor = title.map(|t| self.pos(t)).unwrap_or_else(|| self.pos(body));
        let mut out: Vec<(usize, String, NodeId)> = pieces
            .into_iter()
            .filter(|p| !self.is_within(p.owner, body))
            .filter_map(|p| match p.kind {
                PieceKind::Text { text, .. } => {
                    Some((self.pos(p.owner).abs_diff(anchor), text, p.owner))
                }
                PieceKind::Image { .. } => None,
            })
            .filter(|(_, t, _)| !t.is_empty())
            .collect();
        out.sort_by_key(|(d, _, _)| *d);
        out.into_iter().map(|(_, t, id)| (t, id)).collect()
    }

    /// The publication date: the source's selector, the visible date line nearest the
    /// headline, then machine-readable dates, then a date in the URL path. The visible line
    /// wins because NukeViet's hidden `datePublished` carries the last edit time.
    fn published(
        &self,
        around: &[(String, NodeId)],
        blocks: &[Piece],
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
        let visible = machine
            .and_then(|m| {
                around
                    .iter()
                    .take(12)
                    .filter(|(t, _)| t.chars().count() <= 200)
                    .filter_map(|(t, _)| dates::parse_text_detailed(t))
                    .find(|(v, _)| v.date_naive() == m.date_naive())
            })
            .or_else(|| self.visible_date(around, blocks));
        match (visible, machine) {
            // The visible line agrees with a timestamp on the day: the timestamp is the more
            // precise of the two (time of day, zone).
            (Some((v, has_time)), Some(m))
                if v.date_naive() == m.date_naive() && (!has_time || v == m) =>
            {
                Some(m)
            }
            // They disagree: the visible line is the publication date (NukeViet's hidden
            // `datePublished` carries the time of the last edit).
            (Some((v, _)), _) => Some(v),
            (None, Some(m)) => Some(m),
            (None, None) => dates::from_url_path(self.url.path()),
        }
    }

    /// The date line shown nearest the headline, and whether it prints a time.
    fn visible_date(
        &self,
        around: &[(String, NodeId)],
        blocks: &[Piece],
    ) -> Option<(DateTime<FixedOffset>, bool)> {
        for (text, _) in around {
            if text.chars().count() <= 200
                && let Some(d) = dates::parse_text_detailed(text)
            {
                return Some(d);
            }
        }
        // A date line the template printed inside the article container.
        blocks
            .iter()
            .filter(|b| b.dropped)
            .filter_map(|b| b.text())
            .filter(|t| rules::is_date_line(t))
            .find_map(dates::parse_text_detailed)
    }

    /// A well-formed machine-readable publication timestamp: microdata, meta tags,
    /// JSON-LD, `<time datetime>`.
    fn machine_date(&self) -> Option<DateTime<FixedOffset>> {
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
    fn json_ld(&self, key: &str) -> Option<serde_json::Value> {
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
            serde_json::from_str::<serde_json::Value>(text.trim())
                .ok()
                .and_then(|v| find(&v, key))
        })
    }

    /// A byline element near the article, or the page's `author` meta when it names a person.
    fn author_outside_body(&self, scope: &NodeId) -> Option<String> {
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
        if let Some(scope_el) = self.node(*scope).and_then(ElementRef::wrap) {
            for e in scope_el.select(&BYLINE_LIKE) {
                if let Some(name) = rules::parse_byline(&self.text_of(e.id()), set_apart) {
                    return Some(name);
                }
            }
        }
        if let Some(name) = self
            .head
            .meta(&["author", "article:author"])
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
    fn canonical_url(&self) -> Url {
        let declared = self
            .head
            .canonical
            .clone()
            .or_else(|| self.head.meta.get("og:url").cloned())
            .and_then(|h| self.url.join(h.trim()).ok())
            .filter(|u| text::same_site(u, &self.url));
        text::canonical_url(declared.as_ref().unwrap_or(&self.url))
    }

    /// Serialises the body without the removed nodes, then sanitises it with an allow-list.
    fn clean_html(&self, body: NodeId, dropped: &FxHashSet<NodeId>) -> String {
        let Some(root) = self.node(body) else {
            return String::new();
        };
        let left_out = self.left_out_of(body);
        let mut out = String::with_capacity(4096);
        let mut skipping: Option<NodeId> = None;
        for edge in root.traverse() {
            match edge {
                ego_tree::iter::Edge::Open(n) => {
                    if skipping.is_some() {
                        continue;
                    }
                    if n.id() != body && dropped.contains(&n.id()) {
                        skipping = Some(n.id());
                        continue;
                    }
                    match n.value() {
                        Node::Element(el) => {
                            if n.id() == body {
                                continue;
                            }
                            if left_out(n.id(), el) {
                                skipping = Some(n.id());
                                continue;
                            }
                            out.push('<');
                            out.push_str(el.name());
                            if el.name() == "img" {
                                if let Some(src) = self.image_url(el) {
                                    push_attr(&mut out, "src", &src);
                                }
                                if let Some(alt) = el.attr("alt") {
                                    push_attr(&mut out, "alt", alt);
                                }
                            } else {
                                // Links are made absolute here; the sanitiser then refuses
                                // anything relative that is left.
                                if let Some(href) =
                                    el.attr("href").and_then(|h| self.base.join(h.trim()).ok())
                                {
                                    push_attr(&mut out, "href", href.as_str());
                                }
                                for attr in ["title", "colspan", "rowspan"] {
                                    if let Some(v) = el.attr(attr) {
                                        push_attr(&mut out, attr, v);
                                    }
                                }
                            }
                            out.push('>');
                        }
                        Node::Text(t) => escape_into(&mut out, t),
                        _ => {}
                    }
                }
                ego_tree::iter::Edge::Close(n) => {
                    if let Some(s) = skipping {
                        if s == n.id() {
                            skipping = None;
                        }
                        continue;
                    }
                    if n.id() == body {
                        continue;
                    }
                    if let Node::Element(el) = n.value()
                        && !is_void(el.name())
                    {
                        out.push_str("</");
                        out.push_str(el.name());
                        out.push('>');
                    }
                }
            }
        }
        sanitize(&out)
    }
}

/// Whether a class attribute names a lead (sapo): `sapo`, `lead`, `brief`, `tomtat`,
/// `summary`, `intro`, as a whole word of a token.
fn names_a_lead(class: &str) -> bool {
    class.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        [
            "sapo", "lead", "brief", "tomtat", "summary", "intro", "chapeau", "teaser",
        ]
        .iter()
        .any(|l| w.eq_ignore_ascii_case(l))
    })
}

/// A lead's HTML as block markup: a template that prints the lead as bare text in a `div`
/// gives a text node, which a reader would run into the first paragraph.
fn as_paragraph(html: String) -> String {
    let t = html.trim_start();
    let block = [
        "<p",
        "<div",
        "<figure",
        "<ul",
        "<ol",
        "<table",
        "<h",
        "<blockquote",
        "<img",
    ]
    .iter()
    .any(|b| t.starts_with(b));
    if t.is_empty() || block {
        html
    } else {
        format!("<p>{html}</p>")
    }
}

fn is_void(tag: &str) -> bool {
    matches!(
        tag,
        "br" | "img" | "hr" | "wbr" | "col" | "area" | "source" | "track"
    )
}

fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_into(out, value);
    out.push('"');
}

fn escape_into(out: &mut String, s: &str) {
    // Runs between the four special characters are copied whole.
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// The allow-list sanitiser: no scripts, styles, event handlers, frames, foreign schemes
/// or relative URLs (the serialiser has made every link absolute); empty paragraphs
/// removed.
pub fn sanitize(html: &str) -> String {
    static POLICY: std::sync::LazyLock<ammonia::Builder<'static>> =
        std::sync::LazyLock::new(|| {
            let mut b = ammonia::Builder::default();
            b.url_relative(ammonia::UrlRelative::Deny)
                .url_schemes(["http", "https", "mailto"].into_iter().collect())
                .link_rel(Some("noopener noreferrer nofollow"));
            b
        });
    let cleaned = POLICY.clean(html).to_string();
    // Collapse the blank structure that removed chrome leaves behind.
    let mut s = cleaned.trim().to_string();
    // Every empty element below holds "></" or "> </": two scans usually settle it.
    if !s.contains("></") && !s.contains("> </") {
        return s;
    }
    for empty in [
        "<p></p>",
        "<p> </p>",
        "<div></div>",
        "<div> </div>",
        "<span></span>",
        "<strong></strong>",
        "<em></em>",
    ] {
        while s.contains(empty) {
            s = s.replace(empty, "");
        }
    }
    s
}

/// Icons, spacers and tracking pixels: tiny by their attributes, or named so.
fn is_decorative(el: &Element, url: &str) -> bool {
    let tiny = |a: &str| {
        el.attr(a)
            .and_then(|v| v.trim_end_matches("px").parse::<u32>().ok())
            .is_some_and(|v| v < 50)
    };
    let lower = url.to_ascii_lowercase();
    tiny("width")
        || tiny("height")
        || [
            "icon",
            "logo",
            "spacer",
            "blank.gif",
            "pixel",
            "/images/arrow",
            "button",
            "beacon",
            "/tr?",
            "doubleclick",
            "analytics",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// Whether a declared title (`og:title`, `<title>`) is `heading`, alone or with a site
/// name before or after it ("Headline - Site", "Site | Headline").
fn agrees(heading: &str, declared: &str) -> bool {
    let (h, d) = (collapse_space(heading), collapse_space(declared));
    if h.is_empty() {
        return false;
    }
    if h == d {
        return true;
    }
    let is_sep = |rest: &str| {
        rest.trim_start()
            .starts_with(['-', '|', '–', '—', ':', '»', '·', '/', '•', '~'])
    };
    d.strip_prefix(h.as_str()).is_some_and(is_sep)
        || d.strip_suffix(h.as_str())
            .is_some_and(|rest| is_sep(&rest.chars().rev().collect::<String>()))
}

/// How many of `a`'s words (folded) occur in `b`: an `og:title` that is another wording of
/// the headline shares most of its words with it; a page label shares none.
fn shared_words(a: &str, b: &str) -> usize {
    let b = text::fold_search(b);
    let theirs: FxHashSet<&str> = b.split_whitespace().collect();
    text::fold_search(a)
        .split_whitespace()
        .filter(|w| theirs.contains(w))
        .count()
}

/// Whether `candidate` is only the site's name as printed in `<title>`.
fn is_site_name(candidate: &str, page_title: &str) -> bool {
    page_title.contains(candidate) && !page_title.starts_with(candidate)
}

/// Removes a site-name prefix or suffix ("Site - Headline", "Headline | Site").
fn strip_site_name(title: &str, site: Option<&str>) -> String {
    let title = collapse_space(title);
    if let Some(site) = site.map(collapse_space).filter(|s| !s.is_empty()) {
        for sep in [" - ", " | ", " – ", " — ", " :: ", " » "] {
            if let Some(rest) = title.strip_suffix(&format!("{sep}{site}")) {
                return rest.trim().to_string();
            }
            if let Some(rest) = title.strip_prefix(&format!("{site}{sep}")) {
                return rest.trim().to_string();
            }
        }
        return title;
    }
    // Without a declared site name, keep the longest segment of a separated title.
    for sep in [" | ", " - ", " – ", " — ", " :: "] {
        if title.contains(sep) {
            let parts: Vec<&str> = title.split(sep).collect();
            if let Some(longest) = parts.iter().max_by_key(|p| p.chars().count())
                && word_count(longest) >= 3
            {
                return longest.trim().to_string();
            }
        }
    }
    title
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("http://portal.test/tin-tuc/bai-viet-1.html").unwrap()
    }

    #[test]
    fn escaping_keeps_text_and_encodes_markup() {
        let mut out = String::from(">");
        escape_into(&mut out, "Tin & ảnh: <b>\"Đà Nẵng\"</b>&");
        assert_eq!(
            out,
            ">Tin &amp; ảnh: &lt;b&gt;&quot;Đà Nẵng&quot;&lt;/b&gt;&amp;"
        );
        let mut plain = String::new();
        escape_into(&mut plain, "");
        assert_eq!(plain, "");
    }

    #[test]
    fn picks_the_article_over_menus_and_sidebars() {
        let html = r#"<html><head><title>Cổng TTĐT - Tin tức</title></head><body>
            <ul class="menu"><li><a href="/a">Giới thiệu về huyện và các đơn vị trực thuộc</a></li><li><a href="/b">Tin tức sự kiện trong huyện và trong tỉnh</a></li></ul>
            <div class="main"><h1>Huyện tổ chức hội nghị tổng kết năm</h1>
            <div class="date">Thứ Hai, 2-10-2023 09:05</div>
            <div class="content"><p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm với sự tham dự của nhiều đại biểu.</p>
            <p><img src="/img/a.jpg"></p><p>Hội nghị đã thống nhất nhiều nội dung quan trọng cho năm tới, gắn với phong trào thi đua.</p>
            <p style="text-align:right"><strong>Nguyễn Văn An</strong></p></div>
            <div class="share">Chia sẻ bài viết</div></div>
            <div class="sidebar"><h3>Xem nhiều nhất</h3><ul><li><a href="/c">Một bài viết khác được xem nhiều nhất trong tháng</a></li></ul></div>
            </body></html>"#;
        let a = extract(html, &url(), &ArticleRules::default()).unwrap();
        assert_eq!(a.title, "Huyện tổ chức hội nghị tổng kết năm");
        assert_eq!(a.paragraphs.len(), 2);
        assert_eq!(a.author.as_deref(), Some("Nguyễn Văn An"));
        assert_eq!(a.images, vec!["http://portal.test/img/a.jpg".to_string()]);
        assert_eq!(
            a.published.unwrap().to_rfc3339(),
            "2023-10-02T09:05:00+07:00"
        );
        assert!(!a.content_html.contains("Nguyễn Văn An"));
        assert!(!a.content_html.contains("Chia sẻ"));
    }

    #[test]
    fn source_selectors_win() {
        let html = r#"<html><body><div id="x"><p>Đoạn văn thứ nhất của bài viết với đủ nhiều chữ để được tính là nội dung.</p></div>
            <div id="y"><h2 class="t">Tiêu đề thật</h2><p>Nội dung đúng nằm ở đây.</p><p class="ad">Quảng cáo</p></div></body></html>"#;
        let rules = ArticleRules {
            title: Some("h2.t".into()),
            body: Some("#y".into()),
            strip: vec![".ad".into()],
            ..Default::default()
        };
        let a = extract(html, &url(), &rules).unwrap();
        assert_eq!(a.title, "Tiêu đề thật");
        assert_eq!(a.paragraphs, vec!["Nội dung đúng nằm ở đây.".to_string()]);
    }

    #[test]
    fn scripts_and_handlers_never_reach_the_html() {
        let html = r#"<html><body><div class="content"><p onclick="alert(1)">Một đoạn văn dài đủ để trở thành nội dung chính của trang này.</p>
            <script>alert(1)</script><a href="javascript:alert(1)">x</a><img src="x" onerror="alert(1)"></div></body></html>"#;
        let a = extract(html, &url(), &ArticleRules::default()).unwrap();
        assert!(!a.content_html.contains("alert"), "{}", a.content_html);
        assert!(!a.content_html.contains("onclick"));
    }

    #[test]
    fn a_long_footer_does_not_outscore_a_short_article() {
        let html = r#"<html><body><div class="main"><h1>Cháy nhà xưởng ở khu công nghiệp</h1>
            <div itemprop="articleBody">Rạng sáng nay, một đám cháy lớn bùng phát tại nhà xưởng của công ty may trong khu công nghiệp, lực lượng chữa cháy đã có mặt kịp thời.</div></div>
            <div class="footer-wrap"><div class="footer-bottom-text">Cơ quan chủ quản: Ủy ban nhân dân tỉnh. Chịu trách nhiệm nội dung: Chánh Văn phòng. Địa chỉ: số 1 đường Lê Lợi, phường 1, thành phố; điện thoại 0272 000 000; thư điện tử vanphong@tinh.gov.vn; giấy phép số 12/GP-TTĐT cấp ngày 1/1/2020.</div></div>
            </body></html>"#;
        let a = extract(html, &url(), &ArticleRules::default()).unwrap();
        assert_eq!(a.paragraphs.len(), 1, "{:?}", a.paragraphs);
        assert!(a.paragraphs[0].starts_with("Rạng sáng nay"));
    }

    #[test]
    fn a_layout_box_named_like_chrome_around_the_content_still_counts() {
        let html = r#"<html><body><div class="layout-sidebar-fixed"><div class="entry-content">
            <p>Đoạn thứ nhất của bài viết, đủ dài để được tính là nội dung của bài báo này.</p>
            <p>Đoạn thứ hai của bài viết, cũng đủ dài để được tính là nội dung của bài báo.</p></div>
            <div class="widget"><a href="/x">Bài khác</a></div></div></body></html>"#;
        let a = extract(html, &url(), &ArticleRules::default()).unwrap();
        assert_eq!(a.paragraphs.len(), 2, "{:?}", a.paragraphs);
    }

    #[test]
    fn the_picture_between_headline_and_body_joins_the_article() {
        let html = r#"<html><body><article><header class="entry-header"><h1>Ra quân vệ sinh môi trường</h1></header>
            <figure class="home-image"><img src="/img/hero.jpg" alt="Ra quân"><figcaption>Đoàn viên ra quân</figcaption></figure>
            <div class="entry-content"><p>Sáng Chủ nhật, đoàn viên thanh niên xã tổ chức ra quân vệ sinh môi trường dọc các tuyến đường liên ấp.</p>
            <p>Hơn 150 đoàn viên, hội viên và người dân đã tham gia thu gom rác thải và trồng cây xanh hai bên đường.</p></div>
            </article></body></html>"#;
        let a = extract(html, &url(), &ArticleRules::default()).unwrap();
        assert_eq!(
            a.images,
            vec!["http://portal.test/img/hero.jpg".to_string()]
        );
        // Its caption stays with it in the HTML; the text keeps the body.
        assert!(
            a.content_html.contains("Đoàn viên ra quân"),
            "{}",
            a.content_html
        );
        assert!(a.text().contains("Hơn 150 đoàn viên"));
    }

    #[test]
    fn empty_page_is_an_error() {
        assert!(
            extract(
                "<html><body></body></html>",
                &url(),
                &ArticleRules::default()
            )
            .is_err()
        );
    }
}
