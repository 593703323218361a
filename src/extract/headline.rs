//! The headline: what the page shows (`h1`, title-like elements near the body) checked
//! against what it declares (`og:title`, JSON-LD, `<title>`), site names removed.

use ego_tree::NodeId;
use rustc_hash::FxHashSet;
use scraper::{ElementRef, Node, Selector};

use super::rules::{self, BlockText};
use super::{Page, Title, selector};
use crate::text::{self, collapse_space, word_count};

/// How many nodes from the body a headline printed with it can stand.
const NEAR_BODY: usize = 40;

pub(super) static TITLE_LIKE: std::sync::LazyLock<Selector> = std::sync::LazyLock::new(|| {
    selector(
        "h2, h3, h4, [class*=title], [class*=Title], [class*=tieude], [id*=title], [id*=Title], [class*=headline]",
    )
});

impl<'a> Page<'a> {
    /// The headline: source selector, `og:title`, the `h1` nearest the body, a
    /// title-like element just above the body, then `<title>` without the site name.
    pub(super) fn title(&self, body: NodeId, hint: Option<&str>) -> Title {
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
        let shown = |ids: &[NodeId]| -> Vec<(NodeId, String)> {
            ids.iter()
                .filter_map(|id| self.element(*id))
                .filter(|e| visible(e) && !self.is_link_list(e.id()))
                .map(|e| (e.id(), self.text_of(e.id())))
                .filter(|(_, t)| word_count(t) >= 2 && rules::classify(t) == BlockText::Content)
                .collect()
        };
        let h1s = shown(&self.h1s);
        let heading = h1s.iter().min_by_key(|(id, _)| distance(*id)).cloned();
        let og = self.head.meta(&[
            "og:title",
            "twitter:title",
            "dc.title",
            "dc:title",
            "dcterms.title",
            "parsely-title",
        ]);
        let declared: Vec<&str> = [og.as_deref(), Some(page_title.as_str())]
            .into_iter()
            .flatten()
            .filter(|d| !d.is_empty())
            .collect();
        // A heading wins when what the page declares (`og:title`, `<title>`) agrees with
        // it, with or without a site name around it: that strips any suffix, known or not.
        // First the `h1` nearest the body; then, since a page may print a section name, a
        // photo caption or a "Read more" box in an `h1` ("Allergies Health Center"), any
        // other `h1`, `h2` or `h3` that agrees with `og:title`, which is written per
        // article. A `<title>` can be a section's name, which a sidebar's heading repeats,
        // so a heading agreeing only with it must stand at the body.
        let agreeing = |cands: &[(NodeId, String)], with: &[&str], near: usize| {
            cands
                .iter()
                .filter(|(id, t)| distance(*id) < near && with.iter().any(|d| agrees(t, d)))
                .min_by_key(|(id, _)| distance(*id))
                .cloned()
        };
        let subheads = || shown(&self.subheads);
        // The list page's link text, when it reads as a headline, names the heading.
        let hint = hint.filter(|h| word_count(h) >= 3 && rules::classify(h) == BlockText::Content);
        if let Some(hint) = hint {
            let names = |t: &String| agrees(t, hint) || is_truncation_of(hint, t);
            let named = |cands: &[(NodeId, String)]| {
                cands
                    .iter()
                    .filter(|(_, t)| names(t))
                    .min_by_key(|(id, _)| distance(*id))
                    .cloned()
            };
            if let Some((id, text)) = named(&h1s).or_else(|| named(&subheads())) {
                return Title {
                    text,
                    node: Some(id),
                };
            }
        }
        let found = match &heading {
            Some(h) if declared.iter().any(|d| agrees(&h.1, d)) => Some(h.clone()),
            _ => og
                .as_deref()
                .and_then(|og| {
                    agreeing(&h1s, &[og], usize::MAX)
                        .or_else(|| agreeing(&subheads(), &[og], usize::MAX))
                })
                .or_else(|| {
                    let title = [page_title.as_str()];
                    agreeing(&h1s, &title, usize::MAX)
                        .or_else(|| agreeing(&subheads(), &title, NEAR_BODY))
                }),
        };
        if let Some((id, text)) = found {
            return Title {
                text,
                node: Some(id),
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
                    && distance(*id) < NEAR_BODY
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
        if let Some((id, text)) = self.line_above_date_line(body, &visible) {
            return Title {
                text,
                node: Some(id),
            };
        }
        // `<title>` without the site name, printed at the body: the page confirms it, which
        // no heading reached here has (none agrees with what the page declares). Portals
        // print a section's name ("Tin hoạt động") in an `h2` above the article and the
        // headline in a styled `span`.
        // A headline may hold the separator itself ("nhiệm kỳ 2020 - 2025", "sáng - xanh -
        // sạch - đẹp"): the title without only its first or last part is tried too.
        let title_text = strip_site_name(&page_title, site.as_deref());
        for text in std::iter::once(title_text.clone()).chain(without_one_end(&page_title)) {
            if word_count(&text) >= 4
                && rules::classify(&text) == BlockText::Content
                && let Some(id) = find_node(&text)
                && distance(id) < NEAR_BODY
                && !self.is_link_list(id)
            {
                return Title {
                    text,
                    node: Some(id),
                };
            }
        }
        if let Some((id, text)) = heading
            && (page_title.is_empty()
                || !is_site_name(&text, &page_title)
                || distance(id) < NEAR_BODY)
        {
            return Title {
                text,
                node: Some(id),
            };
        }
        // Only the 80 nodes before the body are candidates, and the top of the body up to
        // its first paragraph (a template may print the headline inside the article's
        // container, under its date line): test those, not the page.
        let first_paragraph = self.by_pos[body_start..(body_start + 12).min(body_end + 1)]
            .iter()
            .position(|id| self.element(*id).is_some_and(|e| e.value().name() == "p"))
            .map_or(body_start, |i| body_start + i);
        if let Some(e) = self.by_pos[body_start.saturating_sub(79).min(body_start)..first_paragraph]
            .iter()
            .filter(|id| **id != body)
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
        let text = title_text;
        let node = if text.is_empty() {
            None
        } else {
            find_node(&text)
        };
        Title { text, node }
    }
    /// The line printed just above the article's date line: templates set the headline
    /// and then its date, whatever they call either. The date line is the one nearest the
    /// body's start, above it or at the top of the body; the line must read as a headline
    /// (4 to 40 words, no final period, not chrome, not a date, not a link, paragraph or
    /// list item of the text).
    fn line_above_date_line(
        &self,
        body: NodeId,
        visible: &dyn Fn(&ElementRef<'_>) -> bool,
    ) -> Option<(NodeId, String)> {
        let (body_start, body_end) = self.span(body);
        let from = body_start.saturating_sub(79).min(body_start);
        let window = &self.by_pos[from..(body_start + 40).min(body_end + 1).min(self.by_pos.len())];
        let is_date_line = |id: &NodeId| {
            self.element(*id).is_some_and(|e| {
                visible(&e)
                    && self
                        .text_within(e.id(), 120)
                        .is_some_and(|t| rules::is_date_line(&t))
            })
        };
        let date_at = window[..body_start - from]
            .iter()
            .rposition(is_date_line)
            .or_else(|| {
                window[body_start - from..]
                    .iter()
                    .position(is_date_line)
                    .map(|i| i + body_start - from)
            })?;
        let in_text = |id: NodeId| {
            self.node(id).is_some_and(|n| {
                std::iter::once(n).chain(n.ancestors()).take(4).any(|a| {
                    a.value()
                        .as_element()
                        .is_some_and(|e| matches!(e.name(), "a" | "p" | "li"))
                })
            })
        };
        // A paragraph that is only bold text is a headline set so, not the text's own.
        let bold_paragraph = |id: NodeId, text: &str| {
            self.node(id).is_some_and(|n| {
                n.value()
                    .as_element()
                    .is_some_and(|e| matches!(e.name(), "strong" | "b"))
                    && n.parent().is_some_and(|p| {
                        p.value().as_element().is_some_and(|e| e.name() == "p")
                            && self.text_of(p.id()) == text
                    })
            })
        };
        window[..date_at]
            .iter()
            .rev()
            .take(16)
            .filter(|id| !self.is_within(window[date_at], **id))
            .filter_map(|id| self.element(*id))
            .filter(|e| visible(e))
            .map(|e| (e.id(), self.text_of(e.id())))
            .find(|(_, t)| !t.is_empty())
            .filter(|(id, t)| {
                (4..=40).contains(&word_count(t))
                    && !t.ends_with('.')
                    && rules::classify(t) == BlockText::Content
                    && !rules::is_date_line(t)
                    && !self.is_link_list(*id)
                    && (!in_text(*id) || bold_paragraph(*id, t))
            })
    }
}

/// Whether a declared title (`og:title`, `<title>`) is `heading`, alone or with a site
/// name before or after it ("Headline - Site", "Site | Headline").
pub(super) fn agrees(heading: &str, declared: &str) -> bool {
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

/// Whether a list's link text is `heading` cut short: "Hội nghị giao ban khối Dân vận…"
/// for a headline too long for the list. At least three words must remain.
pub(super) fn is_truncation_of(link: &str, heading: &str) -> bool {
    let link = collapse_space(link);
    let Some(stem) = link
        .strip_suffix('…')
        .or_else(|| link.strip_suffix("..."))
        .map(str::trim_end)
    else {
        return false;
    };
    word_count(stem) >= 3 && collapse_space(heading).starts_with(stem)
}

/// How many of `a`'s words (folded) occur in `b`: an `og:title` that is another wording of
/// the headline shares most of its words with it; a page label shares none.
pub(super) fn shared_words(a: &str, b: &str) -> usize {
    let b = text::fold_search(b);
    let theirs: FxHashSet<&str> = b.split_whitespace().collect();
    text::fold_search(a)
        .split_whitespace()
        .filter(|w| theirs.contains(w))
        .count()
}

/// Whether `candidate` is only the site's name as printed in `<title>`.
pub(super) fn is_site_name(candidate: &str, page_title: &str) -> bool {
    page_title.contains(candidate) && !page_title.starts_with(candidate)
}

/// `title` without its last part and without its first part, for each separator it
/// holds more than once: "Headline with a - b - Site" and "Site - Headline with a - b".
/// A site's name is short beside a headline: an end is dropped only when what is kept
/// is more than twice as long ("Xã X - Tin tức - Sự kiện" keeps no "Tin tức - Sự kiện").
fn without_one_end(title: &str) -> Vec<String> {
    let title = collapse_space(title);
    let mut out = Vec::new();
    let mut keep = |kept: &str, dropped: &str| {
        if kept.chars().count() > 2 * dropped.chars().count() {
            out.push(kept.trim().to_string());
        }
    };
    for sep in [" - ", " | ", " – ", " — ", " :: "] {
        if title.matches(sep).count() < 2 {
            continue;
        }
        if let Some((head, last)) = title.rsplit_once(sep) {
            keep(head, last);
        }
        if let Some((first, tail)) = title.split_once(sep) {
            keep(tail, first);
        }
    }
    out
}

/// Removes a site-name prefix or suffix ("Site - Headline", "Headline | Site").
pub(super) fn strip_site_name(title: &str, site: Option<&str>) -> String {
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
    use url::Url;

    use crate::extract::{ArticleRules, extract, extract_hinted};

    const BODY: &str = "<p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm với sự tham dự của nhiều đại biểu và lãnh đạo các xã.</p>
        <p>Hội nghị đã thống nhất nhiều nội dung quan trọng cho năm tới, gắn với phong trào thi đua yêu nước ở cơ sở.</p>";

    fn title_of(html: &str) -> String {
        let url = Url::parse("http://portal.test/tin-tuc/bai-1.html").unwrap();
        extract(html, &url, &ArticleRules::default()).unwrap().title
    }

    #[test]
    fn a_headline_set_in_a_bold_paragraph_or_a_small_heading_is_found() {
        // No `h1`, no metadata, a generic `<title>` the page never shows.
        let headline = "Huyện tổng kết công tác dân vận năm 2023 và triển khai nhiệm vụ năm 2024";
        let nav = r#"<div><a href="/">Trang chủ</a> <a href="/tin-tuc">Tin tức</a></div>"#;
        for article in [
            // The headline in a bold paragraph above its date line.
            format!("<p><strong>{headline}</strong></p><div>04/12/2023</div>{BODY}"),
            // The date line first, then the headline in an `h4`, inside the article's
            // container.
            format!("<div>Thứ Hai, 04/12/2023</div><h4>{headline}</h4>{BODY}"),
        ] {
            let html = format!(
                "<html><head><title>Chi tiết tin tức</title></head><body>{nav}<div>{article}</div></body></html>"
            );
            assert_eq!(title_of(&html), headline, "{article}");
        }
    }

    #[test]
    fn the_list_pages_link_text_names_the_headline() {
        // A generic `<title>`, a section name in the `h1` nearest the body, and the
        // article's headline in an `h3`: only the link that led here tells them apart.
        let html = format!(
            r#"<html><head><title>Chi tiết tin tức</title></head><body>
            <div class="main"><h3>Huyện tổng kết công tác năm 2023 và triển khai nhiệm vụ năm 2024</h3>
            <h1>Tin hoạt động ngành</h1><div class="content">{BODY}</div></div></body></html>"#
        );
        let url = Url::parse("http://portal.test/tin-tuc/bai-1.html").unwrap();
        let rules = ArticleRules::default();
        assert_eq!(title_of(&html), "Tin hoạt động ngành");
        for link in [
            "Huyện tổng kết công tác năm 2023 và triển khai nhiệm vụ năm 2024",
            "Huyện tổng kết công tác năm 2023 và triển khai…",
            " Huyện tổng kết công tác  năm 2023 và ...",
        ] {
            let a = extract_hinted(&html, &url, &rules, Some(link)).unwrap();
            assert_eq!(
                a.title, "Huyện tổng kết công tác năm 2023 và triển khai nhiệm vụ năm 2024",
                "{link:?}"
            );
        }
        // A link text that is not a headline ("Xem chi tiết", two words) is no hint.
        for link in ["Xem chi tiết", "Huyện tổng…", "Một bài khác hoàn toàn"] {
            let a = extract_hinted(&html, &url, &rules, Some(link)).unwrap();
            assert_eq!(a.title, "Tin hoạt động ngành", "{link:?}");
        }
    }

    #[test]
    fn a_section_name_in_the_h1_yields_to_the_heading_that_agrees_with_the_title() {
        let html = format!(
            r#"<html><head><title>Huyện tổng kết công tác năm 2023 - Cổng TTĐT huyện</title></head><body>
            <div class="main"><h1>Tin hoạt động ngành</h1>
            <h2>Huyện tổng kết công tác năm 2023</h2><div class="content">{BODY}</div></div></body></html>"#
        );
        assert_eq!(title_of(&html), "Huyện tổng kết công tác năm 2023");
    }

    #[test]
    fn a_caption_in_an_h1_inside_the_body_yields_to_the_headline() {
        let html = format!(
            r#"<html><head><title>Huyện tổng kết công tác năm 2023 | Báo Long An</title></head><body>
            <h1>Huyện tổng kết công tác năm 2023</h1><div class="share">Chia sẻ</div>
            <div class="content"><h1>Quang cảnh hội nghị tổng kết tại hội trường huyện sáng 2/10</h1>{BODY}</div></body></html>"#
        );
        assert_eq!(title_of(&html), "Huyện tổng kết công tác năm 2023");
    }

    #[test]
    fn a_sidebar_heading_repeating_a_section_title_is_not_the_headline() {
        // `<title>` names the section, a sidebar box far from the body repeats it, and
        // `og:title` gives the article's headline.
        let sidebar: String = (0..30)
            .map(|i| format!("<li><a href=\"/d/{i}\">Đơn vị số {i}</a></li>"))
            .collect();
        let html = format!(
            r#"<html><head><title>Các đơn vị thuộc thành phố</title>
            <meta property="og:title" content="Đẩy mạnh phong trào thi đua dân vận khéo"></head><body>
            <div class="side"><h3>Các đơn vị thuộc thành phố</h3><ul>{sidebar}</ul></div>
            <div class="post"><h2><a href="/p/1">Đẩy mạnh phong trào thi đua dân vận khéo</a></h2>
            <div class="content">{BODY}</div></div></body></html>"#
        );
        assert_eq!(title_of(&html), "Đẩy mạnh phong trào thi đua dân vận khéo");
    }

    #[test]
    fn a_declared_dublin_core_title_the_page_shows_beats_the_title_element() {
        // No `h1`: `<title>` is "<document name> - <title>", and only `DC.title` says
        // which part is the headline the page prints (in a heading-styled span).
        let html = format!(
            r#"<html><head><title>thong-bao-lich-tiep-cong-dan-thang-3-2024-04 - Lịch tiếp công dân</title>
            <meta name="DC.Title" content="Lịch tiếp công dân"></head><body>
            <div class="doc"><span class="h1">Lịch tiếp công dân</span>
            <div class="content">{BODY}</div></div></body></html>"#
        );
        assert_eq!(title_of(&html), "Lịch tiếp công dân");
    }

    #[test]
    fn each_term_of_a_property_list_is_read() {
        // RDFa: `property` is a list of terms; `og:title` is one of them here.
        let html = format!(
            r#"<html><head><title>Cổng thông tin điện tử huyện</title>
            <meta property="dc:title og:title" content="Huyện tổng kết công tác năm 2023"></head>
            <body><div class="post"><div class="name">Huyện tổng kết công tác năm 2023</div>
            <div class="content">{BODY}</div></div></body></html>"#
        );
        assert_eq!(title_of(&html), "Huyện tổng kết công tác năm 2023");
    }

    #[test]
    fn the_title_printed_at_the_body_beats_a_section_heading() {
        // No class names: an `h2` names the section above the article, the headline is
        // a plain `span`, and `<title>` (with a site suffix) is what confirms it. The
        // headline holds the separator itself, as "nhiệm kỳ 2020 - 2025" does.
        let headline = "Đại hội Đảng bộ xã lần thứ XV, nhiệm kỳ 2020 - 2025 thành công tốt đẹp";
        let html = format!(
            r#"<html><head><title>{headline} - Cần Đước</title></head><body>
            <div><h2>Tin hoạt động</h2><div><span>{headline}</span>
            <div>{BODY}</div></div></div>
            <div><h2>Liên kết website</h2><ul><li><a href="/a">Cổng A</a></li></ul></div>
            </body></html>"#
        );
        assert_eq!(title_of(&html), headline);
    }

    #[test]
    fn a_section_in_the_title_is_not_taken_for_the_headline() {
        // "<site> - <section>": the section's name is printed at the body, but it is short
        // beside what the title drops, so it is not the headline; the `h1` is.
        let html = format!(
            r#"<html><head><title>UBND xã Thạnh Lộc Tây - Tin tức - Sự kiện</title></head><body>
            <div><div>Tin tức - Sự kiện</div><h1>Ấp Rạch Đào tưng bừng Ngày hội Đại đoàn kết</h1>
            <div>{BODY}</div></div></body></html>"#
        );
        assert_eq!(
            title_of(&html),
            "Ấp Rạch Đào tưng bừng Ngày hội Đại đoàn kết"
        );
    }

    #[test]
    fn the_line_above_the_date_line_is_the_headline_when_nothing_else_says() {
        // A table layout with no headings and no class names; `<title>` is the site's name.
        let html = format!(
            r#"<html><head><title>UBND HUYỆN CẦN GIỜ</title></head><body><table>
            <tr><td><b>UBND HUYỆN CẦN GIỜ</b></td></tr>
            <tr><td><a href="/">Trang chủ</a> » <a href="/tin">Tin tức</a></td></tr>
            <tr><td><font size="3"><b>Cần Giờ: Khánh thành cầu Dần Xây sau 8 tháng thi công</b></font></td></tr>
            <tr><td height="8"></td></tr>
            <tr><td><font size="1">Ngày đăng: 16/11/2010 3:20:00 PM | Lượt xem: 245</font></td></tr>
            <tr><td>{BODY}</td></tr></table></body></html>"#
        );
        assert_eq!(
            title_of(&html),
            "Cần Giờ: Khánh thành cầu Dần Xây sau 8 tháng thi công"
        );
    }

    #[test]
    fn a_paragraph_above_a_date_line_is_not_taken_for_the_headline() {
        // A short post whose date line closes it: the line above is the text's own.
        let html = r#"<html><head><title>Get your frontend code covered | Code | Nicolas</title></head>
            <body><div><p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm với sự tham dự của nhiều đại biểu và lãnh đạo các xã trong huyện.</p>
            <p>Drinking game for web devs: think of a noun, then search for it</p>
            <p><time datetime="2013-09-29">2013-09-29</time> in Code</p></div></body></html>"#;
        assert_eq!(title_of(html), "Get your frontend code covered");
    }
}
