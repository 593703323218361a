//! Is this an article? The crawl's safety net before an item is stored.
//!
//! A list page can link a page that is not a story: a section index, another list, a
//! menu page ("Giới thiệu chung"), a contact page. Extraction still finds a headline and
//! some text on it, so a wrong link would become a feed item. The verdict reads what was
//! extracted, not the page's markup, so it holds on platforms nobody has seen:
//!
//! - **A list of other stories.** Its body is a run of headline links (four words or
//!   more each), one every few lines. An article links a few sources or related stories,
//!   far apart.
//! - **A page of the site's menu.** It has no publication date, and the page links to
//!   itself from a group of links (the menu it was reached from: "Giới thiệu", "Liên
//!   hệ"), not from its headline. A story is rarely in its site's menu, and a
//!   short dateless story is let through.

use scraper::{Html, Selector};

use super::{Article, Container};

/// Words a link's text needs to read as a story's headline rather than a name or a label.
pub(super) const HEADLINE_WORDS: usize = 4;
/// Headline links a body needs before it can be a list.
pub(super) const LIST_LINKS: usize = 4;
/// A list has a headline link at least every this many words of its text (a teaser
/// list: a title and a summary of a sentence or two). An article with a related-links box
/// left in has one every few hundred.
const WORDS_PER_LINK: usize = 60;
/// Links in the element around a link that make it a menu's item.
const MENU_LINKS: usize = 3;

/// Why the extracted page is not an article, or `None` when it reads as one. `doc` is the
/// parsed page the article came from; its links are read only for a page without a date.
pub(super) fn not_an_article(article: &Article, doc: &Html) -> Option<String> {
    let Container {
        words,
        headline_links,
    } = article.container;
    if headline_links >= LIST_LINKS && words < headline_links * WORDS_PER_LINK {
        return Some(format!(
            "reads as a list of other stories, not an article: {headline_links} headline links in {words} words"
        ));
    }
    if article.published.is_none() && in_own_menu(article, doc) {
        return Some(
            "reads as a page of the site's menu (a section, menu or contact page), not an article: it has no date and the page lists it among its menu links".into(),
        );
    }
    None
}

/// Whether the page links to itself from a group of links other than a heading: the
/// menu item of the page being shown.
fn in_own_menu(article: &Article, doc: &Html) -> bool {
    let Ok(own) = url::Url::parse(&article.url) else {
        return false;
    };
    let own = crate::text::canonical_url(&own);
    static A: std::sync::LazyLock<Selector> =
        std::sync::LazyLock::new(|| Selector::parse("a[href]").expect("static selector"));
    doc.select(&A).any(|a| {
        // "#top", "#comments" and an empty href point into the page, not at it.
        let target = a
            .value()
            .attr("href")
            .map(str::trim)
            .filter(|h| !h.is_empty() && !h.starts_with('#') && !h.starts_with("javascript:"))
            .and_then(|h| own.join(h).ok())
            .map(|u| crate::text::canonical_url(&u));
        if target.as_ref() != Some(&own) {
            return false;
        }
        let in_heading = a.ancestors().any(|n| {
            n.value()
                .as_element()
                .is_some_and(|e| matches!(e.name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6"))
        });
        // The item's container: two levels up (`ul > li > a`, `tr > td > a`).
        let group = a
            .parent()
            .and_then(|p| p.parent())
            .and_then(scraper::ElementRef::wrap);
        !in_heading && group.is_some_and(|g| g.select(&A).count() >= MENU_LINKS)
    })
}

#[cfg(test)]
mod tests {
    use url::Url;

    use crate::extract::{ArticleRules, extract_judged};

    fn verdict(html: &str) -> Option<String> {
        let url = Url::parse("http://portal.test/tin-tuc/trang.html").unwrap();
        extract_judged(html, &url, &ArticleRules::default(), None)
            .unwrap()
            .1
    }

    const P: &str = "Sáng 20/8, Ủy ban nhân dân huyện tổ chức hội nghị đối thoại với các hộ dân có đất bị ảnh hưởng bởi dự án nâng cấp, mở rộng đường giao thông nông thôn qua địa bàn xã.";

    #[test]
    fn a_section_index_of_teasers_is_not_an_article() {
        let items: String = (1..=8)
            .map(|i| {
                format!(
                    r#"<h3><a href="/tin-tuc/bai-viet-so-{i}.html">Huyện tổ chức hội nghị số {i} về công tác dân vận</a></h3><p>Tóm tắt của bài viết số {i}: hội nghị đánh giá kết quả thực hiện công tác dân vận trong năm và đề ra nhiệm vụ cho năm tới.</p>"#
                )
            })
            .collect();
        let html = format!(
            r#"<html><body><h1>Thông cáo báo chí</h1><div class="list">{items}</div></body></html>"#
        );
        let why = verdict(&html).expect("a list");
        assert!(why.contains("list of other stories"), "{why}");
    }

    #[test]
    fn a_page_of_the_menu_is_not_an_article_but_a_short_story_is() {
        let page = |menu: &str| {
            format!(
                r#"<html><body><ul class="left">{menu}</ul><h1>Giới thiệu chung</h1><div class="content"><p>{P}</p></div></body></html>"#
            )
        };
        let menu = r#"<li><a href="/tin-tuc/trang.html">Giới thiệu chung</a></li><li><a href="/lich-su.html">Lịch sử</a></li><li><a href="/lien-he.html">Liên hệ</a></li>"#;
        let why = verdict(&page(menu)).expect("a menu page");
        assert!(why.contains("menu"), "{why}");
        // The same short, dateless text reached from a list, and a headline that links
        // to its own page, are stories.
        let other = r#"<li><a href="/gioi-thieu.html">Giới thiệu chung</a></li><li><a href="/lich-su.html">Lịch sử</a></li><li><a href="/lien-he.html">Liên hệ</a></li>"#;
        assert_eq!(verdict(&page(other)), None);
        let self_headline = format!(
            r#"<html><body><h2><a href="/tin-tuc/trang.html">Huyện đối thoại với hộ dân</a></h2><div class="content"><p>{P}</p></div></body></html>"#
        );
        assert_eq!(verdict(&self_headline), None);
    }

    #[test]
    fn an_article_with_a_date_or_related_links_is_one() {
        let dated = format!(
            r#"<html><body><h1>Huyện đối thoại với hộ dân</h1><p class="date">Ngày đăng: 20/08/2019</p><div class="content"><p>{P}</p></div></body></html>"#
        );
        assert_eq!(verdict(&dated), None);
        let body: String = (0..8).map(|_| format!("<p>{P}</p>")).collect();
        let related: String = (1..=4)
            .map(|i| format!(r#"<p>Xem thêm: <a href="/tin-tuc/bai-{i}.html">Hội nghị tổng kết công tác dân vận năm {i}</a></p>"#))
            .collect();
        let linked = format!(
            r#"<html><body><h1>Huyện đối thoại với hộ dân</h1><div class="content">{body}{related}</div></body></html>"#
        );
        assert_eq!(verdict(&linked), None);
    }
}
