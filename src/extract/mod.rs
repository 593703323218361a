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

mod attachments;
mod body;
mod chrome;
mod clean;
pub mod dates;
pub mod depth;
mod headline;
mod lead;
mod metadata;
mod page;
pub mod profile;
pub mod rules;
mod verdict;

pub use attachments::file_link;
use clean::as_paragraph;
pub use clean::sanitize;

use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};

use ego_tree::NodeId;
use scraper::{Html, Selector};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::text;

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

pub use crate::model::{Article, Container};

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
    extract_hinted(html, page_url, rules, None)
}

/// [`extract`] with what the crawl knows of the page: `title_hint` is the text of the
/// list page's link that led here. A heading on the page that agrees with it is the
/// headline, before anything the page declares: a portal's `<title>` and `og:title` can be
/// "Chi tiết tin tức" on every article, and its first heading a section's name.
pub fn extract_hinted(
    html: &str,
    page_url: &Url,
    rules: &ArticleRules,
    title_hint: Option<&str>,
) -> Result<Article, ExtractError> {
    extract_parsed(html, page_url, rules, title_hint, false).map(|(a, _)| a)
}

/// [`extract_hinted`] and the crawl's "is this an article?" check ([`verdict`]) on the
/// same parsed page: the article, and why it is not one when it is not.
pub fn extract_judged(
    html: &str,
    page_url: &Url,
    rules: &ArticleRules,
    title_hint: Option<&str>,
) -> Result<(Article, Option<String>), ExtractError> {
    extract_parsed(html, page_url, rules, title_hint, true)
}

fn extract_parsed(
    html: &str,
    page_url: &Url,
    rules: &ArticleRules,
    title_hint: Option<&str>,
    judge: bool,
) -> Result<(Article, Option<String>), ExtractError> {
    // A page far deeper than any article is refused before the parser, whose cost grows
    // with the depth, sees it; the walk refuses anything past MAX_DEPTH after the parse.
    // The same pass leaves out the scripts' and style sheets' text, which nothing reads.
    let Some(html) = depth::prepare(html, PARSE_DEPTH) else {
        return Err(ExtractError::NoArticle(format!(
            "the page nests elements more than {PARSE_DEPTH} levels deep (refused before parsing)"
        )));
    };
    // Compose the page once, so that every later step can treat its text as NFC, and
    // parse it once: the generic retry below and the verdict read the same tree.
    let html = text::to_nfc(&html);
    let hint = title_hint.map(text::normalize);
    let hint = hint.as_deref();
    let doc = Html::parse_document(&html);
    let article = best_extraction(&html, &doc, page_url, rules, hint)?;
    let why_not = judge
        .then(|| verdict::not_an_article(&article, &doc))
        .flatten();
    Ok((article, why_not))
}

/// The profile's (or the source's) extraction, or the generic one when the selector
/// yields next to nothing and the generic scorer finds clearly more.
fn best_extraction(
    html: &str,
    doc: &Html,
    page_url: &Url,
    rules: &ArticleRules,
    hint: Option<&str>,
) -> Result<Article, ExtractError> {
    let (first, by_selector) = extract_once(html, doc, page_url, rules, hint)?;
    let chars: usize = first.paragraphs.iter().map(|p| p.chars().count()).sum();
    if by_selector && chars < SHORT_BODY {
        let generic = ArticleRules {
            profile: Some(profile::GENERIC.to_string()),
            body: None,
            lead: None,
            ..rules.clone()
        };
        if let Ok((other, _)) = extract_once(html, doc, page_url, &generic, hint) {
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

/// One extraction of the parsed page `doc` (from the composed `html`) under `rules`, and
/// whether the body came from a selector.
fn extract_once(
    html: &str,
    doc: &Html,
    page_url: &Url,
    rules: &ArticleRules,
    title_hint: Option<&str>,
) -> Result<(Article, bool), ExtractError> {
    let head = Head::read(doc);
    let chosen = match rules.profile.as_deref() {
        Some(profile::GENERIC) => None,
        Some(name) => profile::by_name(name),
        None => profile::detect(
            html,
            doc,
            page_url,
            head.meta.get("generator").map_or("", String::as_str),
        ),
    };
    let rules = profile::merge(rules, chosen);
    let mut page = Page::new(doc, head, page_url, &rules)?;

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
    let title = page.title(body, title_hint);
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
    // The date line may sit just outside that scope, in the article's header (VHV prints
    // "18:24:00 | 30/06/2020" above the headline's container): dates are read one level
    // wider, nearest the headline first.
    let (around, wider) = page.scope_blocks(scope, page.widen(scope), title.node, body);
    let anchor = page.pos(title.node.unwrap_or(body));
    let published = page.published(wider.as_deref().unwrap_or(&around), &blocks, anchor);
    if meta.author.is_none() {
        meta.author = page.author_outside_body(&scope);
    }
    if meta.credit.is_none() {
        meta.credit = around.iter().find_map(|(t, _)| rules::parse_credit(t));
    }
    // Files are looked for one level wider too: an attachment block often follows the
    // article's container.
    let attachments = page.attachments(body, page.widen(scope));

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
        credit: meta.credit.map(|s| text::normalize(&s)),
        paragraphs: paragraphs
            .iter()
            .map(|p| text::normalize(p))
            .filter(|p| !p.is_empty())
            .collect(),
        content_html: text::nfc(&content_html),
        images,
        attachments,
        categories: Vec::new(),
        document: None,
        profile: chosen.map(|p| p.name.clone()),
        container: page.container(body),
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
    order: page::Positions,
    /// The nodes in document order (the inverse of `order`), and by the same index the
    /// position of the last node of each one's subtree.
    by_pos: Vec<NodeId>,
    end_by_pos: Vec<usize>,
    /// Elements later steps look for, gathered by the same walk: `h1`s and microdata
    /// headlines, microdata `datePublished` and `time[datetime]`, in document order.
    h1s: Vec<NodeId>,
    /// `h2` and `h3`: where a template without an `h1` for the article prints its headline.
    subheads: Vec<NodeId>,
    date_props: Vec<NodeId>,
    times: Vec<NodeId>,
    /// The scorer's prose figures for the whole page (its root, and prefix sums by
    /// position), and the prose index of each subtree asked for so far: the body's text
    /// and its HTML both ask which chrome to leave out.
    scored_prose: std::cell::RefCell<Option<(NodeId, body::ProseIndex)>>,
    prose: std::cell::RefCell<FxHashMap<NodeId, body::ProseIndex>>,
}

fn selector(s: &str) -> Selector {
    // The selectors below are constants of this module, checked by its tests.
    Selector::parse(s).unwrap_or_else(|e| panic!("built-in selector {s:?}: {e}"))
}

/// Deeper nesting than this is refused.
const MAX_DEPTH: usize = 1024;

/// Deeper nesting than this, estimated from the tags, is refused before parsing (see
/// [`depth`]); above [`MAX_DEPTH`] because the estimate counts what a parser might close.
pub const PARSE_DEPTH: usize = 2 * MAX_DEPTH;

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
#[derive(Debug, Clone)]
struct Piece {
    /// The nearest block-level element that holds it.
    owner: NodeId,
    kind: PieceKind,
    dropped: bool,
}

#[derive(Debug, Clone)]
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
    credit: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("http://portal.test/tin-tuc/bai-viet-1.html").unwrap()
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

    #[test]
    fn a_dublin_core_creator_names_the_author_before_the_generic_author_meta() {
        // The page signs nothing in its text; `DC.creator` names the writer, the generic
        // `author` meta the site's posting account.
        let html = r#"<html><head><title>Huyện tổng kết công tác năm</title>
            <meta name="author" content="Quản Trị Viên">
            <meta name="DC.creator" content="Nguyễn Văn An"></head><body>
            <h1>Huyện tổng kết công tác năm</h1><div class="content">
            <p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm với sự tham dự của nhiều đại biểu và lãnh đạo các xã.</p>
            <p>Hội nghị đã thống nhất nhiều nội dung quan trọng cho năm tới, gắn với phong trào thi đua yêu nước ở cơ sở.</p>
            </div></body></html>"#;
        let a = extract(html, &url(), &ArticleRules::default()).unwrap();
        assert_eq!(a.author.as_deref(), Some("Nguyễn Văn An"));
    }

    #[test]
    fn the_date_line_under_the_headline_beats_a_dated_list_after_the_article() {
        // No class names to go by: the article container holds the headline, its date
        // line and the body; after it, inside the same column, a list of other stories
        // with their dates, then a comment form. The date is the one under the headline.
        let related: String = (1..=5)
            .map(|i| format!("<li><a href=\"/tin/{i}.html\">Một tin khác của chuyên mục số {i} trong tháng</a> ({i:02}/07/2020 09:15)</li>"))
            .collect();
        let html = format!(
            r#"<html><head><title>Tin tức</title></head><body><div><div>
            <div><h1>Hệ thống dân vận các cấp nhân rộng mô hình dân vận khéo</h1>
            <div><span>Cập nhật lúc</span><span>18:24, Thứ Ba, 30/06/2020 (GMT+7)</span></div>
            <div><p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm với sự tham dự của nhiều đại biểu và lãnh đạo các xã.</p>
            <p>Hội nghị đã thống nhất nhiều nội dung quan trọng cho năm tới, gắn với phong trào thi đua yêu nước ở cơ sở.</p></div></div>
            <div><h3>Ý kiến bạn đọc</h3><p>Ý kiến của bạn sẽ được biên tập trước khi đăng.</p></div>
            <div><h3>Tin cùng chuyên mục</h3><ul>{related}</ul></div>
            </div></div></body></html>"#
        );
        let a = extract(&html, &url(), &ArticleRules::default()).unwrap();
        assert_eq!(
            a.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2020-06-30T18:24:00+07:00")
        );
    }

    /// An article page with no class names: `head` in the `<head>`, `before` between the
    /// headline and the body, `after` as the body's last lines.
    fn article_page(head: &str, before: &str, after: &str) -> String {
        format!(
            r#"<html><head><title>Tin tức</title>{head}</head><body><div>
            <h1>Huyện tổng kết công tác dân vận năm 2023 và triển khai nhiệm vụ</h1>{before}
            <div><p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm với sự tham dự của nhiều đại biểu và lãnh đạo các xã.</p>
            <p>Hội nghị đã thống nhất nhiều nội dung quan trọng cho năm tới, gắn với phong trào thi đua yêu nước ở cơ sở.</p>{after}</div>
            </div></body></html>"#
        )
    }

    #[test]
    fn a_byline_over_several_lines_names_the_writer_on_its_first() {
        for (byline, want) in [
            (
                r#"<div class="author"><a href="/tac-gia/minh-tri">Minh Trí</a><div>Phóng viên thường trú</div></div>"#,
                Some("Minh Trí"),
            ),
            (
                r#"<div class="byline">Tin, ảnh: <a href="/tac-gia/ngoc-han">Ngọc Hân</a><br>Trung tâm Văn hóa - Thông tin huyện</div>"#,
                Some("Ngọc Hân"),
            ),
            (
                r#"<div class="byline"><span>Tác giả:</span><div><a href="/tac-gia/le-van-tam">Lê Văn Tám</a></div><div>Ban Tuyên giáo</div></div>"#,
                Some("Lê Văn Tám"),
            ),
            (
                r#"<div class="author-card"><h4>Lê Thị Hoa</h4><a href="/tac-gia/hoa">Hồ sơ</a><a href="/theo-doi">Theo dõi</a></div>"#,
                Some("Lê Thị Hoa"),
            ),
            (r#"<div class="byline"><span>By</span></div>"#, None),
            // The name the byline links to the writer's page, when the whole line
            // (a handle, an update time) reads as no name.
            (
                r#"<div class="c-byline">Bài: <a href="/tac-gia/le-thi-hoa">Lê Thị Hoa</a> <a href="https://twitter.com/lehoa">@lehoa</a> cập nhật lúc 08:15</div>"#,
                Some("Lê Thị Hoa"),
            ),
        ] {
            let html = article_page("", byline, "");
            let a = extract(&html, &url(), &ArticleRules::default()).unwrap();
            assert_eq!(a.author.as_deref(), want, "{byline}");
        }
    }

    #[test]
    fn json_ld_in_a_cdata_section_and_microdata_property_lists_are_read() {
        // XHTML-era templates wrap their JSON-LD in a CDATA section.
        for wrap in ["<![CDATA[{}]]>", "//<![CDATA[\n{}\n//]]>"] {
            let json = r#"{"@type":"NewsArticle","datePublished":"2023-11-15T16:05:00+07:00","author":[{"@type":"Person","name":"Nguyễn Văn An"}]}"#;
            let head = format!(
                r#"<script type="application/ld+json">{}</script>"#,
                wrap.replace("{}", json)
            );
            let a = extract(
                &article_page(&head, "", ""),
                &url(),
                &ArticleRules::default(),
            )
            .unwrap();
            assert_eq!(a.author.as_deref(), Some("Nguyễn Văn An"), "{wrap}");
            assert_eq!(
                a.published.map(|d| d.to_rfc3339()).as_deref(),
                Some("2023-11-15T16:05:00+07:00")
            );
        }
        // `itemprop` holds a list of properties.
        let byline = r#"<p itemprop="author creator" itemscope itemtype="http://schema.org/Person">Bài: <a href="/tac-gia/an"><span itemprop="name">Trần Thị Bình</span></a></p>"#;
        let a = extract(
            &article_page("", byline, ""),
            &url(),
            &ArticleRules::default(),
        )
        .unwrap();
        assert_eq!(a.author.as_deref(), Some("Trần Thị Bình"));
    }

    #[test]
    fn a_signature_with_the_writers_unit_is_the_byline_not_text() {
        for (signature, want) in [
            ("Minh Trí (Trung tâm VH-TT huyện)", "Minh Trí"),
            ("Hồng Nhung - Thu Hà", "Hồng Nhung, Thu Hà"),
            (
                "Nguyễn Thị Thu Hà - Phòng Văn hóa huyện",
                "Nguyễn Thị Thu Hà",
            ),
        ] {
            let html = article_page(
                "",
                "<div>Thứ Hai, 04/12/2023</div>",
                &format!(r#"<p style="text-align: right"><strong>{signature}</strong></p>"#),
            );
            let a = extract(&html, &url(), &ArticleRules::default()).unwrap();
            assert_eq!(a.author.as_deref(), Some(want), "{signature}");
            assert!(
                !a.text().contains(signature),
                "{signature} left in the text"
            );
        }
    }

    #[test]
    fn a_headline_and_date_line_in_one_block_are_not_text() {
        // A table-layout portal sets the headline, a `<br>` and the date in one cell,
        // before the paragraphs.
        let headline = "Huyện tổng kết công tác dân vận năm 2023 và triển khai nhiệm vụ năm 2024";
        let html = format!(
            r#"<html><head><title>Tin tức</title></head><body><table><tr><td>
            <font size="4" color="blue"><b>{headline}</b></font><br><i>(04/12/2023)</i><br>
            <p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm với sự tham dự của nhiều đại biểu và lãnh đạo các xã.</p>
            <p>Hội nghị đã thống nhất nhiều nội dung quan trọng cho năm tới, gắn với phong trào thi đua yêu nước ở cơ sở.</p>
            </td></tr></table></body></html>"#
        );
        let a = extract(&html, &url(), &ArticleRules::default()).unwrap();
        assert_eq!(a.title, headline);
        assert!(
            a.paragraphs[0].starts_with("Sáng nay"),
            "{:?}",
            a.paragraphs
        );
        assert_eq!(
            a.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2023-12-04T00:00:00+07:00")
        );
    }

    #[test]
    fn a_signature_crediting_a_paper_gives_author_and_source() {
        let html = article_page(
            "",
            "<div>Thứ Hai, 04/12/2023</div>",
            "<p>Minh Trí (Theo Báo Long An)</p>",
        );
        let a = extract(&html, &url(), &ArticleRules::default()).unwrap();
        assert_eq!(a.author.as_deref(), Some("Minh Trí"));
        assert_eq!(a.credit.as_deref(), Some("Báo Long An"));
        assert!(!a.text().contains("Theo Báo"), "{}", a.text());
    }

    #[test]
    fn a_timestamp_the_date_line_agrees_with_refines_it() {
        // A bar of section name and tools between the headline and the date line.
        let page = |head: &str, line: &str| {
            let before = format!(
                "<div><span>Tin hoạt động</span> <span>Bản in</span> <span>Gửi email</span> <span>Chia sẻ</span></div><div>{line}</div>"
            );
            article_page(head, &before, "")
        };
        let published = |html: String| {
            extract(&html, &url(), &ArticleRules::default())
                .unwrap()
                .published
                .map(|d| d.to_rfc3339())
        };
        // The portal prints Vietnam time; its feed meta gives the same instant in UTC,
        // with seconds: the seconds are kept, and the zone the page prints.
        let meta =
            r#"<meta property="article:published_time" content="2023-09-18T01:12:37+00:00">"#;
        assert_eq!(
            published(page(meta, "08:12, Thứ Hai, 18/09/2023")).as_deref(),
            Some("2023-09-18T08:12:37+07:00")
        );
        // An American page prints the month first; the timestamp it is printed in says so.
        let time = r#"<time datetime="2013-09-11T10:00:00-04:00">9/11/13 10:00AM</time>"#;
        assert_eq!(
            published(page("", time)).as_deref(),
            Some("2013-09-11T10:00:00-04:00")
        );
        // With nothing to say otherwise, the day comes first.
        assert_eq!(
            published(page("", "9/11/13 10:00AM")).as_deref(),
            Some("2013-11-09T10:00:00+07:00")
        );
    }

    #[test]
    fn microdata_values_hidden_by_an_unknown_class_stay_out_of_the_text() {
        // NukeViet prints schema.org values in spans a style sheet hides; here the hiding
        // class is one the extractor does not know. Nor are the date line and counters
        // under the headline article text.
        let html = r#"<html><head><title>Chi tiết tin tức</title></head><body><div><div>
            <h1>Huyện tổng kết công tác dân vận năm 2023</h1>
            <span class="an-di">2023-09-15T15:04:00+07:00</span> <span class="an-di">http://portal.test/tin-tuc/huyen-tong-ket-cong-tac-dan-van-nam-2023-va-trien-khai-nhiem-vu-nam-2024-1894.html</span>
            <div><span>15:4, Thứ Sáu, 15-9-2023</span> <span>387</span> <span>0</span></div>
            <div><p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm với sự tham dự của nhiều đại biểu và lãnh đạo các xã.</p>
            <p>Hội nghị đã thống nhất nhiều nội dung quan trọng cho năm tới, gắn với phong trào thi đua yêu nước ở cơ sở.</p></div>
            </div></div></body></html>"#;
        let a = extract(html, &url(), &ArticleRules::default()).unwrap();
        assert!(
            a.paragraphs[0].starts_with("Sáng nay"),
            "{:?}",
            a.paragraphs
        );
        assert_eq!(
            a.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2023-09-15T15:04:00+07:00")
        );
    }

    /// A page with no class names: headline, a lead in the gap before the body, the body.
    fn page_with_lead(head: &str, lead: &str) -> String {
        format!(
            r#"<html><head><title>Tin tức</title>{head}</head><body><div><div>
            <h1>Huyện tổng kết công tác dân vận năm 2023 và triển khai nhiệm vụ</h1>
            <div><span>Cập nhật: 15/11/2023 16:05</span></div>
            <div><a href="/in">Bản in</a> <a href="/gui">Gửi email</a></div>
            <div>{lead}</div>
            <div><p>Theo báo cáo, từ đầu năm đến nay, huyện đã phối hợp với các xã, thị trấn thu nhận hơn 21.400 hồ sơ và kích hoạt thành công hơn 17.900 tài khoản.</p>
            <p>Hội nghị đã thống nhất nhiều nội dung quan trọng cho năm tới, gắn với phong trào thi đua yêu nước ở cơ sở và công tác dân vận chính quyền.</p>
            <p>Các đại biểu đã thảo luận, đề xuất nhiều giải pháp để nâng cao chất lượng công tác dân vận trong thời gian tới tại địa phương.</p></div>
            <ul>{}</ul></div></div></body></html>"#,
            (1..=8)
                .map(|i| format!(
                    "<li><a href=\"/tin/{i}\">Một tin khác của chuyên mục dân vận số {i}</a></li>"
                ))
                .collect::<String>()
        )
    }

    const SAPO: &str = "Chiều 14/11, Ban Chỉ đạo huyện tổ chức hội nghị sơ kết 10 tháng triển khai công tác dân vận chính quyền trên địa bàn huyện.";

    #[test]
    fn a_lead_in_bold_inside_a_label_span_joins_the_article() {
        // ASP.NET portals print the lead as `<span id="lblTomTat"><strong>…</strong></span>`.
        let html = page_with_lead("", &format!("<span><strong>{SAPO}</strong></span>"));
        let a = extract(&html, &url(), &ArticleRules::default()).unwrap();
        assert_eq!(a.paragraphs.first().map(String::as_str), Some(SAPO));
    }

    #[test]
    fn a_vietnamese_lead_repeated_as_the_description_joins_the_article() {
        let head = format!(r#"<meta name="description" content="{SAPO}">"#);
        let html = page_with_lead(&head, &format!("<p>{SAPO}</p>"));
        let a = extract(&html, &url(), &ArticleRules::default()).unwrap();
        assert_eq!(a.paragraphs.first().map(String::as_str), Some(SAPO));
        // Unmarked and not the description: a caption or a promotion, left out.
        let html = page_with_lead("", &format!("<p>{SAPO}</p>"));
        let a = extract(&html, &url(), &ArticleRules::default()).unwrap();
        assert_ne!(a.paragraphs.first().map(String::as_str), Some(SAPO));
    }

    #[test]
    fn a_parsely_publication_date_is_read() {
        let html = r#"<html><head><title>Tin</title>
            <meta name="parsely-pub-date" content="2024-04-20T04:20:00.000Z"></head><body>
            <h1>Huyện tổng kết công tác năm</h1><div>
            <p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm với sự tham dự của nhiều đại biểu và lãnh đạo các xã.</p>
            <p>Hội nghị đã thống nhất nhiều nội dung quan trọng cho năm tới, gắn với phong trào thi đua yêu nước ở cơ sở.</p>
            </div></body></html>"#;
        let a = extract(html, &url(), &ArticleRules::default()).unwrap();
        assert_eq!(
            a.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2024-04-20T04:20:00+00:00")
        );
    }

    #[test]
    fn a_form_wrapping_the_whole_page_is_not_chrome() {
        // ASP.NET WebForms puts the whole page in one `<form>`; with no class name to say
        // where the article is, a picture outside the form must not become the article.
        let html = r#"<html><head><title>Tin</title></head><body>
            <div><img src="/images/logo.png"><img src="/images/sprite.png"></div>
            <form method="post" action="./bai-viet.aspx" id="aspnetForm"><div><div>
            <h1>Huyện tổng kết công tác dân vận năm 2023</h1>
            <p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm với sự tham dự của nhiều đại biểu và lãnh đạo các xã.</p>
            <p>Hội nghị đã thống nhất nhiều nội dung quan trọng cho năm tới, gắn với phong trào thi đua yêu nước ở cơ sở.</p>
            </div></div></form></body></html>"#;
        let a = extract(html, &url(), &ArticleRules::default()).unwrap();
        assert_eq!(a.paragraphs.len(), 2, "{:?}", a.paragraphs);
    }

    #[test]
    fn a_heading_or_paragraph_left_empty_is_not_in_the_html() {
        // The body repeats the headline and the date line, which become fields; their
        // elements must not stay behind as blank lines. An empty table cell stays.
        let html = r#"<html><body><div class="post"><h1>Huyện tổng kết công tác năm</h1>
            <p>Cập nhật: 15/11/2023 16:05</p><p>&nbsp;</p>
            <p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm với sự tham dự của nhiều đại biểu và lãnh đạo các xã.</p>
            <table><tr><td>Xã</td><td></td></tr><tr><td>Tân Long</td><td>12</td></tr></table>
            <p>Hội nghị đã thống nhất nhiều nội dung quan trọng cho năm tới, gắn với phong trào thi đua yêu nước ở cơ sở.</p>
            </div></body></html>"#;
        let a = extract(html, &url(), &ArticleRules::default()).unwrap();
        assert_eq!(a.title, "Huyện tổng kết công tác năm");
        assert!(!a.content_html.contains("<h1"), "{}", a.content_html);
        assert!(!a.content_html.contains("<p></p>"), "{}", a.content_html);
        assert!(a.content_html.contains("<td></td>"), "{}", a.content_html);
    }
}
