//! What sits between the headline and the body and belongs to the article: the lead
//! (sapo) and the article's picture.

use ego_tree::NodeId;

use super::page::is_decorative;
use super::rules::{self, BlockText};
use super::{Page, Piece, PieceKind};

impl<'a> Page<'a> {
    /// The document positions between the end of `after` (the headline or the lead) and
    /// the start of `body`, exclusive, when there is anything between them.
    fn gap(&self, after: NodeId, body: NodeId) -> Option<(usize, usize)> {
        let (_, end) = self.span(after);
        let (start, _) = self.span(body);
        (end < start).then_some((end, start))
    }

    /// Whether an element lies wholly inside a [`Page::gap`].
    fn in_gap(&self, id: NodeId, (after, before): (usize, usize)) -> bool {
        let (s, e) = self.span(id);
        s > after && e < before
    }

    /// A lead printed between the headline and the body, outside both: the largest element
    /// in that gap holding a block of prose, when that prose is shorter than the body's.
    pub(super) fn lead_between(&self, title: Option<NodeId>, body: NodeId) -> Option<NodeId> {
        let (title_end, body_start) = self.gap(title?, body)?;
        let in_gap = |id: NodeId| self.in_gap(id, (title_end, body_start));
        let scope = self.metadata_scope(title, body);
        // The body is measured only once a lead is found: most pages have none.
        let left_out = |n: ego_tree::NodeRef<'_, scraper::Node>, el: &scraper::node::Element| {
            self.never_content(el, n.id())
                || (rules::is_chrome(el) && !self.is_within(body, n.id()))
        };
        let pieces = self.walk(scope, true, &|n, el| n.id() == body || left_out(n, el));
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
        // The page's description, when a Vietnamese paragraph there begins with it:
        // portals fill it with the sapo, which the Vietnamese press counts as part of the
        // article (VHV prints it in a plain `<p>`). An English page's description repeats
        // its dek, which is not.
        let description = self
            .head
            .meta(&["description", "og:description"])
            .filter(|d| d.chars().count() >= 80);
        let is_description = |p: &Piece| {
            description.as_deref().is_some_and(|d| {
                p.text().is_some_and(|t| {
                    let d = d.trim_end_matches(['.', '…']);
                    t.starts_with(d) && crate::text::is_vietnamese(t)
                })
            })
        };
        // A sapo is set apart as one: named so, set in bold, or repeated as the page's
        // description. An unmarked paragraph there is a caption, a dek or a promotion,
        // which news sites leave out of the text.
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
            self.block_style(p).emphasised || is_description(p)
        };
        let first = pieces
            .iter()
            .find(|p| in_gap(p.owner) && prose(p) && marked(p))?;
        let body_len: usize = self
            .walk(body, false, &left_out)
            .iter()
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
    pub(super) fn figure_between(
        &self,
        title: Option<NodeId>,
        lead: Option<NodeId>,
        body: NodeId,
    ) -> Option<NodeId> {
        let (gap_start, body_start) = self.gap(lead.or(title)?, body)?;
        let in_gap = |id: NodeId| self.in_gap(id, (gap_start, body_start));
        let scope = self.metadata_scope(title, body);
        let (scope_start, scope_end) = self.span(scope);
        let image = self
            .by_pos
            .get(gap_start + 1..body_start.min(scope_end + 1))?
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
                || self.text_exceeds(parent.id(), 300)
            {
                break;
            }
            figure = parent;
        }
        (in_gap(figure.id()) && !self.text_exceeds(figure.id(), 300)).then_some(figure.id())
    }
}

/// Whether a class attribute names a lead (sapo): `sapo`, `lead`, `brief`, `tomtat`,
/// `summary`, `intro`, as a whole word of a token.
pub(super) fn names_a_lead(class: &str) -> bool {
    class.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        [
            "sapo", "lead", "brief", "tomtat", "summary", "intro", "chapeau", "teaser",
        ]
        .iter()
        .any(|l| w.eq_ignore_ascii_case(l))
    })
}
