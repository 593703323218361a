//! The parsed page: document order, the head's metadata, and the walk that turns a
//! subtree into blocks of text and images, which every later stage reads.

use std::collections::HashMap;

use ego_tree::{NodeId, NodeRef};
use rustc_hash::{FxHashMap, FxHashSet};
use scraper::node::Element;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use super::{
    ArticleRules, CompiledRules, ExtractError, Head, MAX_DEPTH, Page, Pending, Piece, PieceKind,
    rules,
};
use crate::text::{self, collapse_space};

impl Head {
    pub(super) fn read(doc: &Html) -> Head {
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
                    // RDFa's `property` is a list of terms ("og:title twitter:title"):
                    // the content is each one's.
                    for key in ["name", "property", "itemprop"] {
                        for k in el
                            .attr(key)
                            .into_iter()
                            .flat_map(str::split_ascii_whitespace)
                        {
                            head.meta
                                .entry(k.to_ascii_lowercase())
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
                // The document's `<title>`, not an SVG icon's (an inline `<svg><title>` can
                // come first), and not an empty one.
                "title"
                    if head.title.is_none()
                        && &*el.name.ns == "http://www.w3.org/1999/xhtml"
                        && n.children()
                            .any(|c| c.value().as_text().is_some_and(|t| !t.trim().is_empty())) =>
                {
                    head.title = Some(n.id())
                }
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
    pub(super) fn meta(&self, keys: &[&str]) -> Option<String> {
        keys.iter()
            .filter_map(|k| self.meta.get(*k))
            .map(|v| collapse_space(v))
            .find(|v| !v.is_empty())
    }
}

impl Piece {
    pub(super) fn text(&self) -> Option<&str> {
        match &self.kind {
            PieceKind::Text { text, .. } => Some(text),
            PieceKind::Image { .. } => None,
        }
    }

    /// Whether most of its letters are link text.
    pub(super) fn is_mostly_links(&self) -> bool {
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
    pub(super) fn nodes(&self) -> Vec<NodeId> {
        match &self.kind {
            PieceKind::Text { parts, .. } => parts.clone(),
            PieceKind::Image { node, .. } => vec![*node],
        }
    }
}

pub(super) fn compile(sel: &Option<String>) -> Result<Option<Selector>, ExtractError> {
    sel.as_deref().map(compile_cached).transpose()
}

/// Parses a selector from a profile or a source's rules, remembering it: the same few
/// selectors come with every page of a source, and parsing one costs more than matching
/// it. The memo is per thread (no lock on the extraction path) and forgets everything
/// when it grows past a bound, so reloaded configurations cannot make it grow forever.
pub(super) fn compile_cached(text: &str) -> Result<Selector, ExtractError> {
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

/// Whether a table cell holds one short field (a name, a number, a short note) and nothing
/// that breaks lines: such cells make up their row's line of text. A layout table's cells
/// hold paragraphs, line breaks or long text, and stay blocks.
pub(super) fn is_inline_cell(cell: NodeRef<'_, Node>) -> bool {
    const FIELD: usize = 80;
    let mut len = 0;
    for d in cell.descendants().skip(1) {
        match d.value() {
            Node::Element(el) if el.name() == "br" || el.name() == "img" || is_block(el) => {
                return false;
            }
            Node::Text(t) => {
                len += t.trim().chars().count();
                if len > FIELD {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

/// The words of the text under `node`, counted until they pass `limit`.
fn words_under(node: NodeRef<'_, Node>, limit: usize) -> usize {
    let mut words = 0;
    for t in node.descendants().filter_map(|d| d.value().as_text()) {
        words += crate::text::word_count(t);
        if words > limit {
            break;
        }
    }
    words
}

/// Elements that end a paragraph: what the walks cut text at.
pub(super) fn is_block(el: &Element) -> bool {
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

/// Each node's document position and the position of its last descendant, by node.
///
/// Every later stage asks "where is this node" many times per node, so the answer is a
/// vector read when it can be: ego_tree keeps a tree's nodes in one arena and a `NodeId`
/// is its slot there, which it does not expose but writes, alone, to a `Hasher`. The slots
/// read that way are checked against the arena's order first; if they ever disagree (a
/// different ego_tree), a hash map serves instead.
pub(super) enum Positions {
    BySlot(Vec<(usize, usize)>),
    ById(FxHashMap<NodeId, (usize, usize)>),
}

/// The arena slot a `NodeId` hashes as (see [`Positions`]).
fn slot(id: NodeId) -> usize {
    use std::hash::{Hash, Hasher};
    #[derive(Default)]
    struct Slot(usize);
    impl Hasher for Slot {
        fn write(&mut self, _: &[u8]) {
            self.0 = usize::MAX;
        }
        fn write_usize(&mut self, n: usize) {
            self.0 = n;
        }
        fn finish(&self) -> u64 {
            self.0 as u64
        }
    }
    let mut h = Slot::default();
    id.hash(&mut h);
    h.0.wrapping_sub(1)
}

impl Positions {
    fn for_tree(doc: &Html) -> Positions {
        let n = doc.tree.nodes().len();
        if doc
            .tree
            .nodes()
            .enumerate()
            .all(|(i, node)| slot(node.id()) == i)
        {
            Positions::BySlot(vec![(0, 0); n])
        } else {
            Positions::ById(FxHashMap::with_capacity_and_hasher(n, Default::default()))
        }
    }

    fn set(&mut self, id: NodeId, span: (usize, usize)) {
        match self {
            Positions::BySlot(v) => {
                if let Some(x) = v.get_mut(slot(id)) {
                    *x = span;
                }
            }
            Positions::ById(m) => {
                m.insert(id, span);
            }
        }
    }

    fn get(&self, id: NodeId) -> (usize, usize) {
        match self {
            Positions::BySlot(v) => v.get(slot(id)).copied(),
            Positions::ById(m) => m.get(&id).copied(),
        }
        .unwrap_or((0, 0))
    }
}

impl<'a> Page<'a> {
    pub(super) fn new(
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
        let mut order = Positions::for_tree(doc);
        let mut open: Vec<(NodeId, usize)> = Vec::new();
        let mut next = 0usize;
        let mut by_pos = Vec::with_capacity(doc.tree.nodes().len());
        let mut end_by_pos = vec![0; doc.tree.nodes().len()];
        let (mut h1s, mut subheads) = (Vec::new(), Vec::new());
        let (mut date_props, mut times) = (Vec::new(), Vec::new());
        for edge in doc.tree.root().traverse() {
            match edge {
                ego_tree::iter::Edge::Open(n) => {
                    open.push((n.id(), next));
                    by_pos.push(n.id());
                    next += 1;
                    if let Node::Element(el) = n.value() {
                        match el.name() {
                            "h1" => h1s.push(n.id()),
                            "h2" | "h3" => subheads.push(n.id()),
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
                        order.set(id, (start, next.saturating_sub(1)));
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
            subheads,
            date_props,
            times,
            scored_prose: Default::default(),
            prose: Default::default(),
        })
    }

    /// Applies the strip selectors to the subtree at `scope` (the element and its
    /// descendants), adding what they match to the elements walks leave out.
    pub(super) fn mark_stripped(&mut self, scope: NodeId) {
        // What is left out changes, so what was measured without it is forgotten.
        self.scored_prose.get_mut().take();
        self.prose.get_mut().clear();
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

    /// The words under `body` and its distinct links that read as headlines. The words
    /// are counted only when there are links enough for a list: most bodies have few.
    pub(super) fn container(&self, body: NodeId) -> super::Container {
        let mut out = super::Container::default();
        let Some(root) = self.node(body) else {
            return out;
        };
        let mut seen: rustc_hash::FxHashSet<&str> = Default::default();
        for n in root.descendants() {
            let Some(el) = n.value().as_element() else {
                continue;
            };
            if el.name() != "a" {
                continue;
            }
            let Some(href) = el.attr("href") else {
                continue;
            };
            let words = words_under(n, usize::MAX);
            if words < super::verdict::HEADLINE_WORDS || seen.contains(href) {
                continue;
            }
            // A list's headline is the whole of its line; a link inside a sentence of
            // an article is not.
            let line = n
                .ancestors()
                .find(|a| a.value().as_element().is_some_and(is_block));
            if line.is_none_or(|l| words_under(l, words + 3) <= words + 3) {
                seen.insert(href);
                out.headline_links += 1;
            }
        }
        if out.headline_links >= super::verdict::LIST_LINKS {
            out.words = words_under(root, usize::MAX);
        }
        out
    }

    pub(super) fn node(&self, id: NodeId) -> Option<NodeRef<'a, Node>> {
        self.doc.tree.get(id)
    }

    pub(super) fn element(&self, id: NodeId) -> Option<ElementRef<'a>> {
        self.node(id).and_then(ElementRef::wrap)
    }

    pub(super) fn pos(&self, id: NodeId) -> usize {
        self.order.get(id).0
    }

    /// Document positions of the first and last node of a subtree.
    pub(super) fn span(&self, id: NodeId) -> (usize, usize) {
        self.order.get(id)
    }

    pub(super) fn is_within(&self, id: NodeId, ancestor: NodeId) -> bool {
        let (s, e) = self.span(ancestor);
        let p = self.pos(id);
        p >= s && p <= e
    }

    /// Walks a subtree and cuts it into pieces. `skip` removes whole elements. Without
    /// `keep_text` only the lengths are kept, which is all the scorer needs.
    pub(super) fn walk(
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
        let mut inline_cells: Vec<NodeId> = Vec::new();

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
                                // A block left out still ends the paragraph before it.
                                if is_block(el) {
                                    flush(&mut cur, owner, &mut pieces);
                                }
                                skipping = Some(node.id());
                                continue;
                            }
                            if node.id() == root.id() {
                                continue;
                            }
                            if matches!(el.name(), "td" | "th") && is_inline_cell(node) {
                                // A cell of a data table is a field of its row's line, not
                                // a paragraph: "DL | Larry Ogunjobi | 63 | 85%".
                                inline_cells.push(node.id());
                                let c = cur.get_or_insert_with(Default::default);
                                if c.len > 0 {
                                    c.len += 1;
                                }
                                if keep_text {
                                    c.text.push(' ');
                                    c.parts.push(node.id());
                                }
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
                        if inline_cells.last() == Some(&node.id()) {
                            inline_cells.pop();
                        } else if is_block(el) {
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

    /// Whether a walk from `root` cuts its subtree into the same blocks as a walk from
    /// an ancestor: `root` is a block (so text either side of it is flushed apart), not a
    /// cell read as part of its row's line, and not inside a link (which would count its
    /// text as link text).
    pub(super) fn same_blocks(&self, root: NodeId) -> bool {
        let Some(n) = self.node(root) else {
            return false;
        };
        n.value().as_element().is_some_and(is_block)
            && !(n
                .value()
                .as_element()
                .is_some_and(|e| matches!(e.name(), "td" | "th"))
                && is_inline_cell(n))
            && !n
                .ancestors()
                .any(|a| a.value().as_element().is_some_and(|e| e.name() == "a"))
    }

    /// The URL of an image: lazy-loading attributes first, then `src`, then `srcset`.
    pub(super) fn image_url(&self, el: &Element) -> Option<String> {
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

    pub(super) fn never_content(&self, el: &Element, id: NodeId) -> bool {
        rules::is_never_content(el) || self.rules.strip.contains(&id)
    }

    /// Whether most of an element's text is inside links: a teaser's headline, not the
    /// article's.
    pub(super) fn is_link_list(&self, id: NodeId) -> bool {
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

    /// Whether the raw text of an element (as [`Page::text_within`] gathers it) passes
    /// `limit` bytes, without building it: the scorer asks this of every prose block's
    /// few nearest ancestors.
    pub(super) fn text_exceeds(&self, id: NodeId, limit: usize) -> bool {
        let Some(n) = self.node(id) else { return false };
        let mut len = 0usize;
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
                        Node::Element(el) if el.name() == "br" || is_block(el) => len += 1,
                        Node::Text(t) => {
                            len += t.len();
                            if len > limit {
                                return true;
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
        false
    }

    pub(super) fn text_of(&self, id: NodeId) -> String {
        self.text_within(id, usize::MAX).unwrap_or_default()
    }

    /// [`Page::text_of`], or `None` as soon as the raw text passes `limit` bytes: a cheap
    /// "is this element's text that headline" when climbing into large containers.
    pub(super) fn text_within(&self, id: NodeId, limit: usize) -> Option<String> {
        self.raw_text(id, limit, ' ').map(|t| collapse_space(&t))
    }

    /// The lines an element shows: its text cut where a block starts or ends and at each
    /// `<br>`, white space collapsed, empty lines left out. A byline block prints the
    /// name on one line and the writer's job, a "Follow" button or the desk on the next.
    pub(super) fn text_lines(&self, id: NodeId) -> Vec<String> {
        self.raw_text(id, usize::MAX, '\n')
            .unwrap_or_default()
            .lines()
            .map(collapse_space)
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// The text of `id` as parsed, with `break_with` where a block starts or ends and at
    /// each `<br>` (a heading followed by a link reads "Name Profile", not "NameProfile"),
    /// leaving out what is never content; `None` past `limit` bytes.
    fn raw_text(&self, id: NodeId, limit: usize, break_with: char) -> Option<String> {
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
                            Node::Element(el) if el.name() == "br" || is_block(el) => {
                                out.push(break_with)
                            }
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
                        } else if skipping.is_none()
                            && let Node::Element(el) = x.value()
                            && is_block(el)
                        {
                            out.push(break_with);
                        }
                    }
                }
            }
        }
        Some(out)
    }
}

/// Icons, spacers and tracking pixels: tiny by their attributes, or named so.
pub(super) fn is_decorative(el: &Element, url: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_read_by_arena_slot_and_agree_with_document_order() {
        let doc = Html::parse_document(
            "<html><body><div id=a><p>x<b>y</b></p></div><p id=c>z</p></body></html>",
        );
        let mut order = Positions::for_tree(&doc);
        assert!(
            matches!(order, Positions::BySlot(_)),
            "ego_tree's NodeId no longer hashes as its slot: positions fall back to a map"
        );
        let mut next = 0;
        let mut open = Vec::new();
        let mut expected = Vec::new();
        for edge in doc.tree.root().traverse() {
            match edge {
                ego_tree::iter::Edge::Open(n) => {
                    open.push((n.id(), next));
                    next += 1;
                }
                ego_tree::iter::Edge::Close(_) => {
                    let (id, start) = open.pop().expect("balanced");
                    order.set(id, (start, next - 1));
                    expected.push((id, (start, next - 1)));
                }
            }
        }
        for (id, span) in expected {
            assert_eq!(order.get(id), span);
        }
    }

    #[test]
    fn the_documents_title_is_read_not_an_svg_icons_or_an_empty_one() {
        let doc = Html::parse_document(
            "<html><head><title> </title></head><body><svg><title>icon-search</title></svg>             <title>Huyện tổng kết công tác năm</title><p>x</p></body></html>",
        );
        let head = Head::read(&doc);
        let text = head.title.and_then(|id| doc.tree.get(id)).map(|n| {
            n.children()
                .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
                .collect::<String>()
        });
        assert_eq!(text.as_deref(), Some("Huyện tổng kết công tác năm"));
    }
}
