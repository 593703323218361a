//! Finding the article's body: the generic main-content scorer, its guards against
//! chrome, teasers and grids, and the trimming of the blocks it yields.

use ego_tree::{NodeId, NodeRef};
use scraper::Node;
use scraper::node::Element;

use super::page::is_block;
use super::rules::{self, BlockStyle, BlockText};
use super::{ExtractError, Page, Piece, PieceKind, TrailingMeta, chrome};
use crate::text::{collapse_space, word_count};

impl<'a> Page<'a> {
    /// The generic main-content scorer (see the module documentation).
    ///
    /// Prose inside chrome (a footer, an aside, a share bar, a "related" box: see
    /// [`chrome::classify`]) does not count for its candidates, so a site's long footer
    /// text cannot outscore a short article. A chrome box that holds a box named as content
    /// (`l-sidebar-fixed` around `c-entry-content`, a layout "with sidebar" around
    /// `field-name-body`) is a layout, not chrome. When that leaves no candidate at all,
    /// chrome prose counts again.
    pub(super) fn choose_body(&self) -> Result<NodeId, ExtractError> {
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
                chrome::Markup::Chrome => marked
                    .borrow_mut()
                    .0
                    .push((self.span(n.id()), el.name() == "form")),
                chrome::Markup::Content => marked.borrow_mut().1.push(self.pos(n.id())),
                chrome::Markup::Neither => {}
            }
            false
        });
        let (start, end) = self.span(root);
        let prefix = std::rc::Rc::new(prose_prefix(self, &pieces, start, end));
        let prose_in = |(s, e): (usize, usize)| {
            let at = |p: usize| prefix[p.saturating_sub(start).min(prefix.len() - 1)];
            at(e + 1) - at(s)
        };
        let all_prose = prose_in((start, end));
        // Which positions lie inside chrome: +1 at a span's start, -1 past its end.
        let (chrome_spans, content_at) = marked.into_inner();
        let n = self.by_pos.len();
        let mut depth = vec![0i32; n + 2];
        for ((span_start, span_end), form) in chrome_spans {
            // `content_at` is in document order: the first content box at or after `start`.
            let first = content_at.partition_point(|p| *p < span_start);
            if content_at.get(first).is_some_and(|p| *p <= span_end) {
                continue;
            }
            // A `<form>` holding most of the page's prose wraps the page: ASP.NET
            // WebForms puts everything in one. (A footer or a sidebar holding most of it
            // stays chrome: a short article beside a long footer is still the article.)
            if form && prose_in((span_start, span_end)) * 2 > all_prose {
                continue;
            }
            depth[span_start] += 1;
            depth[span_end + 1] -= 1;
        }
        for i in 1..=n {
            depth[i] += depth[i - 1];
        }
        *self.scored_prose.borrow_mut() = Some((
            root,
            ProseIndex {
                prefix: std::rc::Rc::clone(&prefix),
                offset: start,
            },
        ));
        let in_chrome = |id: NodeId| depth[self.pos(id)] > 0;
        self.best_candidate(&pieces, Some(&in_chrome))
            .or_else(|| self.best_candidate(&pieces, None))
            .ok_or_else(|| ExtractError::NoArticle("no block of prose on the page".into()))
    }

    /// The best-scoring element holding any of `pieces`, if it scores above zero; prose
    /// whose owner `in_chrome` says is chrome counts nothing.
    pub(super) fn best_candidate(
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
    pub(super) fn is_teaser(&self, owner: NodeId, len: usize) -> bool {
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
            if self.text_exceeds(item.id(), 4 * len + 400) {
                return false;
            }
            if has_two_alike_siblings(item) && self.has_headline_link(item.id(), owner) {
                return true;
            }
            cur = item.parent();
        }
        false
    }

    /// Whether an image's block is a cell of a grid: it, or a small ancestor, has two or
    /// more classed siblings of the same kind.
    pub(super) fn is_grid_cell(&self, owner: NodeId) -> bool {
        let mut cur = self.node(owner);
        for _ in 0..3 {
            let Some(item) = cur else { return false };
            let Some(el) = item.value().as_element() else {
                return false;
            };
            if matches!(el.name(), "body" | "html" | "main") || self.text_exceeds(item.id(), 400) {
                return false;
            }
            if el.attr("class").is_some() && has_two_alike_siblings(item) {
                return true;
            }
            cur = item.parent();
        }
        false
    }

    /// Whether an element holds a link of three or more words outside `except`.
    pub(super) fn has_headline_link(&self, id: NodeId, except: NodeId) -> bool {
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
    pub(super) fn body_blocks(&self, body: NodeId) -> Vec<Piece> {
        let left_out = self.left_out_of(body);
        self.walk(body, true, &|n, el| left_out(n.id(), el))
    }

    /// What the body's text and HTML leave out: never-content elements, and chrome that
    /// holds less than half of the body's prose.
    pub(super) fn left_out_of(&self, body: NodeId) -> impl Fn(NodeId, &Element) -> bool + '_ {
        let prose = self.prose_index(body);
        let (body_start, body_end) = self.span(body);
        let total = prose.between(body_start, body_end);
        move |id, el| {
            if self.never_content(el, id) {
                return true;
            }
            if !rules::is_chrome(el) {
                return false;
            }
            let (s, e) = self.span(id);
            total == 0 || prose.between(s, e) * 2 < total
        }
    }

    /// How much prose (blocks of 40+ characters mostly outside links) each position of a
    /// subtree owns. The scorer's walk over the whole page already measured every block,
    /// so a block element inside it reads that walk's figures; anything else (a profile's
    /// body, which the scorer never saw) is walked once and remembered.
    pub(super) fn prose_index(&self, root: NodeId) -> ProseIndex {
        if let Some(known) = self.prose.borrow().get(&root) {
            return known.clone();
        }
        let (start, end) = self.span(root);
        let scored = self.scored_prose.borrow().clone();
        let index = match scored {
            Some((scope, index)) if self.is_within(root, scope) && self.same_blocks(root) => index,
            _ => {
                let pieces = self.walk(root, false, &|n, el| self.never_content(el, n.id()));
                ProseIndex {
                    prefix: std::rc::Rc::new(prose_prefix(self, &pieces, start, end)),
                    offset: start,
                }
            }
        };
        self.prose.borrow_mut().insert(root, index.clone());
        index
    }

    /// Applies the text rules to the body's pieces: drops chrome blocks and related lists,
    /// the headline and date line at the top, and takes the byline and the "Nguồn:" credit
    /// from the bottom.
    pub(super) fn trim_blocks(&self, blocks: &mut [Piece], title: &str) -> TrailingMeta {
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
        // A related-list heading ("Tin liên quan", "Most read in World News") opens a list
        // of other articles that runs to the end of the container, unless the article's
        // prose resumes after it: a box set inside the text ends where two paragraphs in a
        // row come back. A list's teaser summaries stand alone between headline links.
        let is_prose = |b: &Piece| {
            b.text().is_some_and(|t| {
                !b.is_mostly_links()
                    && crate::text::visible_len(t) >= 80
                    && rules::classify(t) == BlockText::Content
            })
        };
        let mut in_list = false;
        for i in 0..blocks.len() {
            if in_list {
                // The look-ahead runs only from a prose block, so a long list costs one
                // pass, whatever it holds.
                if is_prose(&blocks[i])
                    && blocks[i + 1..]
                        .iter()
                        .find(|b| b.text().is_some())
                        .is_some_and(is_prose)
                {
                    in_list = false;
                } else {
                    blocks[i].dropped = true;
                    continue;
                }
            }
            let b = &mut blocks[i];
            let Some(t) = b.text() else { continue };
            if b.is_mostly_links() {
                // Tag lists ("Thẻ: Dân vận, Nghị quyết 25"), "Xem chi tiết tại đây",
                // lists of other articles: what a reader clicks, not what they read.
                b.dropped = true;
                continue;
            }
            if rules::is_labelled_date_line(t) {
                b.dropped = true;
                continue;
            }
            match rules::classify(t) {
                BlockText::Chrome => b.dropped = true,
                BlockText::RelatedHeading => {
                    b.dropped = true;
                    in_list = true;
                }
                BlockText::Content => {}
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
            // A template that sets the headline, a `<br>` and its date line in one block
            // ("<b>Headline</b><br><i>(04/12/2023)</i>"): the block is that date line.
            let date_after_title = t
                .strip_prefix(title_norm.as_str())
                .filter(|rest| !title_norm.is_empty() && rules::is_date_line(rest))
                .map(|rest| rest.trim().to_string());
            if let Some(date_line) = date_after_title {
                if let PieceKind::Text { text, .. } = &mut b.kind {
                    *text = date_line;
                }
                b.dropped = true;
            } else if (!title_norm.is_empty() && t == title_norm) || rules::is_date_line(t) {
                b.dropped = true;
            } else if word_count(t) >= 20 {
                break;
            } else if let Some(credit) = rules::parse_credit(t) {
                meta.credit.get_or_insert(credit);
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
                if meta.credit.is_none() {
                    meta.credit = Some(credit);
                }
                last.dropped = true;
                continue;
            }
            if let Some((name, credit)) = rules::parse_signed_credit(&t) {
                meta.credit.get_or_insert(credit);
                if meta.author.is_none() {
                    meta.author = name;
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
        self.drop_repeats(blocks);
        meta
    }

    /// A caption or paragraph printed twice appears once. Galleries print each caption for
    /// the thumbnail strip and for the slide, and again cut short with a "... more" toggle;
    /// the first full copy stays where it stands. Elsewhere a repeat can be the text's own
    /// (an interview asks each guest the same question, a meal plan lists the same dish
    /// each day), so away from captions only a copy right after it or a copy cut short
    /// with an ellipsis goes.
    fn drop_repeats(&self, blocks: &mut [Piece]) {
        /// Words enough that a second copy is a repeat wherever it stands.
        const SENTENCE: usize = 8;
        let mut prev: Option<usize> = None;
        // Copies share their opening words, so only texts that open alike are compared: a
        // page of many paragraphs costs one pass.
        let mut kept: rustc_hash::FxHashMap<String, Vec<String>> = Default::default();
        for i in 0..blocks.len() {
            if blocks[i].dropped {
                continue;
            }
            let Some(t) = blocks[i].text() else { continue };
            if prev.is_some_and(|p| blocks[p].text() == Some(t)) {
                blocks[i].dropped = true;
                continue;
            }
            prev = Some(i);
            if word_count(t) < SENTENCE {
                continue;
            }
            let (key, cut_short) = comparable(t);
            let opening: String = key
                .split_whitespace()
                .take(SENTENCE - 1)
                .collect::<Vec<_>>()
                .join(" ");
            let alike = kept.entry(opening).or_default();
            let repeat = if cut_short {
                alike.iter().any(|k| k.starts_with(key.as_str()))
            } else {
                alike.contains(&key) && self.is_caption(blocks[i].owner)
            };
            if repeat {
                blocks[i].dropped = true;
            } else {
                alike.push(key);
            }
        }
    }

    /// Whether a block is an image's caption: a `figcaption`, or inside a figure or an
    /// element its template calls a caption, a few levels up.
    fn is_caption(&self, owner: NodeId) -> bool {
        let Some(node) = self.node(owner) else {
            return false;
        };
        std::iter::once(node)
            .chain(node.ancestors())
            .take(4)
            .filter_map(|n| n.value().as_element())
            .any(|el| {
                matches!(el.name(), "figcaption" | "figure")
                    || el
                        .attr("class")
                        .is_some_and(|c| c.to_ascii_lowercase().contains("caption"))
            })
    }

    /// How a text block is set: alignment, emphasis, indentation with `&nbsp;` runs.
    pub(super) fn block_style(&self, piece: &Piece) -> BlockStyle {
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
        style.emphasised = !visible.is_empty() && visible.iter().all(|n| is_emphasis(*n, 0));
        style
    }
}

/// Whether an element has two or more siblings of its kind (same tag, same class
/// attribute): the mark of an item in a list or a cell in a grid.
fn has_two_alike_siblings(item: NodeRef<'_, Node>) -> bool {
    let Some(el) = item.value().as_element() else {
        return false;
    };
    let class = el.attr("class");
    item.parent()
        .into_iter()
        .flat_map(|p| p.children())
        .filter(|s| s.id() != item.id())
        .filter_map(|s| s.value().as_element())
        .filter(|s| s.name() == el.name() && s.attr("class") == class)
        .nth(1)
        .is_some()
}

/// Prose characters by document position, as prefix sums: `prefix[i]` is the prose
/// owned by the positions from `offset` up to `offset + i`.
#[derive(Clone)]
pub(super) struct ProseIndex {
    prefix: std::rc::Rc<Vec<usize>>,
    offset: usize,
}

impl ProseIndex {
    /// The prose owned by positions `start..=end`.
    fn between(&self, start: usize, end: usize) -> usize {
        let at = |p: usize| {
            let i = p.saturating_sub(self.offset);
            self.prefix
                .get(i)
                .or(self.prefix.last())
                .copied()
                .unwrap_or(0)
        };
        at(end + 1) - at(start)
    }
}

/// The prefix sums of a [`ProseIndex`] over positions `start..=end`, from a walk's pieces.
pub(super) fn prose_prefix(
    page: &Page<'_>,
    pieces: &[Piece],
    start: usize,
    end: usize,
) -> Vec<usize> {
    let mut at = vec![0usize; end - start + 2];
    for p in pieces {
        if let PieceKind::Text {
            len, link_chars, ..
        } = p.kind
            && len >= 40
            && link_chars * 2 < len
        {
            let i = page.pos(p.owner).saturating_sub(start) + 1;
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

/// A text lower-cased for comparison, without the "less" / "... more" toggle an expandable
/// caption ends in; and whether it was cut short (it ended in an ellipsis).
fn comparable(t: &str) -> (String, bool) {
    let mut s = t.trim_end();
    for toggle in [" less", " more", " show less", " show more", " read more"] {
        if let Some(rest) = s.strip_suffix(toggle) {
            s = rest.trim_end();
            break;
        }
    }
    let full = s.trim_end_matches(['.', '…', ' ']);
    let cut_short = s.ends_with("...") || s.ends_with('…');
    (full.to_lowercase(), cut_short)
}

/// Whether a part of a block is set in bold or italics: a `strong`, `b`, `em` or `i`, or
/// an inline wrapper (`span`, `font`, `u`) styled bold or holding only such parts
/// (`<span id="lblTomTat"><strong>…</strong></span>`, as ASP.NET labels print a lead).
fn is_emphasis(n: NodeRef<'_, Node>, depth: usize) -> bool {
    let Some(el) = n.value().as_element() else {
        return false;
    };
    match el.name() {
        "strong" | "b" | "em" | "i" => true,
        "span" | "font" | "u" if depth < 4 => {
            let style = el
                .attr("style")
                .unwrap_or("")
                .replace(' ', "")
                .to_ascii_lowercase();
            if style.contains("font-weight:bold") || style.contains("font-weight:700") {
                return true;
            }
            let mut visible = n.children().filter(|c| match c.value() {
                Node::Text(t) => t.chars().any(|c| !c.is_whitespace() && c != '\u{a0}'),
                Node::Element(_) => true,
                _ => false,
            });
            let first = visible.next();
            first.is_some_and(|f| is_emphasis(f, depth + 1))
                && visible.all(|c| is_emphasis(c, depth + 1))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use url::Url;

    use crate::extract::{ArticleRules, extract};

    fn paragraphs(html: &str) -> Vec<String> {
        let url = Url::parse("http://portal.test/tin-tuc/bai-1.html").unwrap();
        extract(html, &url, &ArticleRules::default())
            .unwrap()
            .paragraphs
    }

    const P1: &str = "A hunter who killed and ate a wild rabbit has been diagnosed with the plague, officials in the region said on Sunday.";
    const P2: &str = "Health officials said that 28 people in close contact with the hunter were quarantined to stop the disease from spreading.";
    const P3: &str = "Authorities in the west of the country, close to the border, set up a quarantine to keep the disease from spreading further.";
    const P4: &str = "Plague is caused by a bacterium usually found in small mammals and their fleas, and it can be treated with antibiotics.";

    #[test]
    fn a_gallery_caption_printed_again_and_cut_short_appears_once() {
        let caption = "Health workers check travellers at the border crossing near the city, Tuesday, Nov. 19, 2019. (AP Photo/Staff)";
        let slide = format!(
            r#"<li><img src="/p/1.jpg" alt="x"><div class="caption"><div class="caption-full">{caption}<a class="more-caption"> less</a></div>
            <div class="caption-truncated">Health workers check travellers at the border crossing near the city, Tuesday, Nov. 19, ... <a>more</a></div></div></li>"#
        );
        let html = format!(
            r#"<html><body><h1>Hunter gets plague after eating rabbit</h1><div class="article">
            <ul class="gallery">{slide}</ul><p>{P1}</p><p>{P2}</p><ul class="gallery">{slide}</ul><p>{P3}</p></div></body></html>"#
        );
        let got = paragraphs(&html);
        assert_eq!(
            got,
            vec![format!("{caption} less"), P1.into(), P2.into(), P3.into()],
            "{got:#?}"
        );
    }

    #[test]
    fn a_question_asked_of_every_guest_stays_each_time() {
        let q =
            "What food do you love to cook yourself, and is there any dish you would never eat?";
        let html = format!(
            r#"<html><body><h1>Five cooks on what they eat</h1><div class="article">
            <p>{P1}</p><p>{q}</p><p>{P2}</p><p>{q}</p><p>{P3}</p><p>{q}</p><p>{P4}</p></div></body></html>"#
        );
        assert_eq!(paragraphs(&html), vec![P1, q, P2, q, P3, q, P4]);
    }

    #[test]
    fn the_article_goes_on_after_a_related_box_set_inside_it() {
        let html = format!(
            r#"<html><body><h1>Hunter gets plague after eating rabbit</h1><div class="article">
            <p>{P1}</p><p>{P2}</p>
            <div class="box"><h3>Tin liên quan</h3>
            <ul><li><a href="/a">Prince's party photos from the summer</a></li><li><a href="/b">Time traveller theory goes viral</a></li></ul></div>
            <p>{P3}</p><p>{P4}</p></div></body></html>"#
        );
        let got = paragraphs(&html);
        assert_eq!(got, vec![P1, P2, P3, P4], "{got:#?}");
    }

    #[test]
    fn a_related_list_with_teaser_summaries_runs_to_the_end() {
        let teaser = "Tóm tắt của một bài viết khác trong chuyên mục, đủ dài để trông như một đoạn văn của bài viết chính.";
        let html = format!(
            r#"<html><body><h1>Huyện tổng kết năm</h1><div class="article">
            <p>{P1}</p><p>{P2}</p>
            <h3>Tin liên quan</h3>
            <p><a href="/a">Bài viết khác số một</a></p><p>{teaser}</p>
            <p><a href="/b">Bài viết khác số hai</a></p><p>{teaser}</p></div></body></html>"#
        );
        assert_eq!(paragraphs(&html), vec![P1, P2]);
    }

    #[test]
    fn a_data_table_reads_as_one_line_per_row_with_its_numbers() {
        let rows: String = [("Larry Ogunjobi", 63, 85), ("Myles Garrett", 57, 77)]
            .iter()
            .map(|(name, plays, pct)| {
                format!("<tr><td>DL</td><td>{name}</td><td>{plays}</td><td>{pct}%</td><td>1 tackle, 1 sack.</td></tr>")
            })
            .collect();
        let html = format!(
            r#"<html><body><h1>Defensive snap counts: Week 11</h1><div class="entry">
            <p>{P1}</p><table><thead><tr><th>Pos</th><th>Player</th><th>Plays</th><th>%</th><th>Stats</th></tr></thead>
            <tbody>{rows}</tbody></table><p>{P2}</p></div></body></html>"#
        );
        let got = paragraphs(&html);
        assert_eq!(
            got,
            vec![
                P1,
                "Pos Player Plays % Stats",
                "DL Larry Ogunjobi 63 85% 1 tackle, 1 sack.",
                "DL Myles Garrett 57 77% 1 tackle, 1 sack.",
                P2
            ],
            "{got:#?}"
        );
    }
}
