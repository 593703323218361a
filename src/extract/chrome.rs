//! Chrome by markup: whether an element's tag, ARIA role, class or id says it is a share
//! bar, a rating widget, a comment block, a related list, a menu or a footer.
//!
//! Class names are read as words, not as substrings. A token such as `font-size-text`,
//! `elementor-widget-container` or `article-body` is split into its words (`-`, `_`,
//! camelCase, digits), and:
//! - a token names chrome when one of its words (or two adjacent words, for compounds
//!   such as `binh-luan` or `font-size`) is a chrome word;
//! - a token names content when its last word, its head, is a content word (`content`,
//!   `body`, `text`, `noidung`…): `font-size-text` is text set in a size, not a toolbar;
//! - an element is chrome when some token names chrome and none names content.
//!
//! A few words mean chrome only as a token's first word: `widget` is a sidebar widget in
//! `widget_recent_entries` but a layout box in Elementor's `elementor-widget-container`,
//! which wraps every post. Callers add the structural guards that markup cannot give
//! (see `Page::is_strippable`): an element that holds most of the article's prose is never
//! stripped, whatever its name.

use scraper::node::Element;

/// Tags that are chrome wherever they sit inside an article container.
fn is_chrome_tag(name: &str) -> bool {
    matches!(
        name,
        "nav" | "aside" | "form" | "footer" | "header" | "marquee"
    )
}

/// ARIA landmark and widget roles that are never the article.
fn is_chrome_role(role: &str) -> bool {
    role.split_ascii_whitespace().any(|r| {
        [
            "navigation",
            "banner",
            "contentinfo",
            "complementary",
            "search",
            "menu",
            "menubar",
            "toolbar",
            "dialog",
            "alertdialog",
            "tablist",
        ]
        .iter()
        .any(|x| r.eq_ignore_ascii_case(x))
    })
}

/// Words that name chrome anywhere in a class token.
const CHROME_WORDS: &[&str] = &[
    "share",
    "sharing",
    "social",
    "addthis",
    "sharethis",
    "sharedaddy",
    "addtoany",
    "zalo",
    "facebook",
    "twitter",
    "tweet",
    "rating",
    "ratings",
    "rate",
    "vote",
    "voting",
    "comment",
    "comments",
    "binhluan",
    "related",
    "relatedposts",
    "lienquan",
    "tinkhac",
    "othernews",
    "toolbar",
    "tools",
    "breadcrumb",
    "breadcrumbs",
    "pathway",
    "pagination",
    "pager",
    "paging",
    "advert",
    "advertisement",
    "adsbygoogle",
    "ads",
    "banner",
    "navbar",
    "nav",
    "navigation",
    "menu",
    "sidebar",
    "footer",
    "counter",
    "statistic",
    "statistics",
    "thongke",
    "viewcount",
    "views",
    "hits",
    "print",
    "sendmail",
    "feedback",
    "phanhoi",
    "captcha",
    "login",
    "newsletter",
    "signup",
    "subscribe",
    "byline",
    "kicker",
    "eyebrow",
    "promo",
    "tags",
    "popup",
    "cookie",
    "masthead",
];

/// Two adjacent words that together name chrome (`binh-luan`, `font-size`, `fb-like`).
const CHROME_PAIRS: &[(&str, &str)] = &[
    ("binh", "luan"),
    ("lien", "quan"),
    ("tin", "khac"),
    ("thong", "ke"),
    ("phan", "hoi"),
    ("font", "size"),
    ("view", "count"),
    ("send", "mail"),
    ("other", "news"),
    ("news", "other"),
    ("tag", "list"),
    ("fb", "like"),
    ("add", "this"),
    ("share", "this"),
];

/// Words that name chrome only as a token's first word.
const CHROME_FIRST_WORDS: &[&str] = &["widget"];

/// Head words of content tokens, which outweigh a chrome word in the same token:
/// `entry-content`, `article-body`, `font-size-text`, `div.noidung`.
const CONTENT_HEADS: &[&str] = &["content", "body", "text", "noidung"];
const CONTENT_HEAD_PAIRS: &[(&str, &str)] = &[("noi", "dung")];
/// Head words that say content only when no chrome word is in the token: `content-detail`
/// and `news-article` are articles, `tags-detail` and `article-footer`… are not.
const WEAK_CONTENT_HEADS: &[&str] = &[
    "article",
    "entry",
    "story",
    "detail",
    "details",
    "post",
    "chitiet",
    "chitiettin",
];

/// What a class or id token says of its element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenSays {
    Chrome,
    /// Its head is a content word: no chrome word elsewhere in the element outweighs it.
    Content,
    /// Its head is a weak content word (`detail`, `post`) and it has no chrome word.
    WeakContent,
    Nothing,
}

/// The words of a class token: split at non-letters and at lower-to-upper case changes;
/// digits are dropped.
fn words(token: &str) -> impl Iterator<Item = &str> {
    let bytes = token.as_bytes();
    let mut start = 0usize;
    let mut i = 0usize;
    std::iter::from_fn(move || {
        while i <= bytes.len() {
            let at_end = i == bytes.len();
            let b = if at_end { b'-' } else { bytes[i] };
            let boundary_before =
                !at_end && i > start && b.is_ascii_uppercase() && bytes[i - 1].is_ascii_lowercase();
            if !b.is_ascii_alphabetic() || boundary_before {
                let word = &token[start..i];
                start = if b.is_ascii_alphabetic() { i } else { i + 1 };
                i += 1;
                if !word.is_empty() {
                    return Some(word);
                }
                continue;
            }
            i += 1;
        }
        None
    })
}

fn one_of(word: &str, list: &[&str]) -> bool {
    list.iter().any(|w| word.eq_ignore_ascii_case(w))
}

/// Whether `word` is a chrome word. Every element of every walk asks this of each word of
/// its class and id, so the list is a hash set probed with the word in lower case.
fn is_chrome_word(word: &str) -> bool {
    static SET: std::sync::LazyLock<rustc_hash::FxHashSet<&'static str>> =
        std::sync::LazyLock::new(|| CHROME_WORDS.iter().copied().collect());
    let mut buf = [0u8; 24];
    let Some(slot) = buf.get_mut(..word.len()) else {
        return false; // longer than any chrome word
    };
    slot.copy_from_slice(word.as_bytes());
    slot.make_ascii_lowercase();
    // `words` yields ASCII letters only, so the bytes are a valid `str`.
    std::str::from_utf8(slot).is_ok_and(|w| SET.contains(w))
}

fn pair_of(a: &str, b: &str, list: &[(&str, &str)]) -> bool {
    list.iter()
        .any(|(x, y)| a.eq_ignore_ascii_case(x) && b.eq_ignore_ascii_case(y))
}

fn token_says(token: &str) -> TokenSays {
    let (mut chrome_word, mut chrome_pair) = (false, false);
    let (mut before_last, mut last): (Option<&str>, Option<&str>) = (None, None);
    for (n, w) in words(token).enumerate() {
        if is_chrome_word(w) || (n == 0 && one_of(w, CHROME_FIRST_WORDS)) {
            chrome_word = true;
        }
        if last.is_some_and(|p| pair_of(p, w, CHROME_PAIRS)) {
            chrome_pair = true;
        }
        before_last = last;
        last = Some(w);
    }
    // The head: the last word, or the last two read as one Vietnamese compound.
    let head_is_content = match (before_last, last) {
        (_, None) => false,
        (Some(a), Some(b)) if pair_of(a, b, CONTENT_HEAD_PAIRS) => true,
        (_, Some(b)) => one_of(b, CONTENT_HEADS),
    };
    let head_is_weak_content = last.is_some_and(|b| one_of(b, WEAK_CONTENT_HEADS))
        || matches!((before_last, last), (Some(a), Some(b)) if a.eq_ignore_ascii_case("chi") && b.eq_ignore_ascii_case("tiet"));
    // A chrome word names what the token's head belongs to: `footer-text`, `comment-body`
    // and `sidebar-content` are chrome's own text. A compound is a modifier of the head:
    // `font-size-text` is text set in a size.
    if head_is_content && !chrome_word {
        TokenSays::Content
    } else if chrome_word || chrome_pair {
        TokenSays::Chrome
    } else if head_is_weak_content {
        TokenSays::WeakContent
    } else {
        TokenSays::Nothing
    }
}

/// What the whole attribute value (space-separated tokens) says.
fn attr_says(value: &str) -> TokenSays {
    let mut chrome = false;
    for token in value.split_ascii_whitespace() {
        match token_says(token) {
            TokenSays::Content => return TokenSays::Content,
            TokenSays::Chrome => chrome = true,
            TokenSays::WeakContent | TokenSays::Nothing => {}
        }
    }
    if chrome {
        TokenSays::Chrome
    } else {
        TokenSays::Nothing
    }
}

/// [`attr_says`] for a class attribute, remembered: a page repeats a few dozen class
/// lists over thousands of elements (every menu item, every teaser), and the pages of one
/// site repeat them again. The memo is per thread and forgets everything when it passes
/// a bound, so it cannot grow with the pages read.
fn class_says(value: &str) -> TokenSays {
    const BOUND: usize = 4096;
    thread_local! {
        static SAID: std::cell::RefCell<rustc_hash::FxHashMap<Box<str>, TokenSays>> =
            Default::default();
    }
    if value.is_empty() {
        return TokenSays::Nothing;
    }
    SAID.with(|memo| {
        if let Some(said) = memo.borrow().get(value) {
            return *said;
        }
        let said = attr_says(value);
        let mut memo = memo.borrow_mut();
        if memo.len() >= BOUND {
            memo.clear();
        }
        memo.insert(value.into(), said);
        said
    })
}

/// What an element's markup says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    /// Chrome by its tag, ARIA role, class or id.
    Chrome,
    /// A class or id token whose head is a content word (`entry-content`,
    /// `field-name-body`): the box that holds an article's text.
    Content,
    Neither,
}

/// Reads an element's tag, role, class and id once.
pub fn classify(el: &Element) -> Markup {
    if is_chrome_tag(el.name()) {
        return Markup::Chrome;
    }
    let (mut class, mut id, mut role) = ("", "", "");
    for (name, value) in el.attrs() {
        match name {
            "class" => class = value,
            "id" => id = value,
            "role" => role = value,
            _ => {}
        }
    }
    if !role.is_empty() && is_chrome_role(role) {
        return Markup::Chrome;
    }
    // A quotation is quoted text whatever its class: an embedded post
    // (`blockquote.twitter-tweet`, `blockquote.instagram-media`) is what the article quotes,
    // and no share bar or menu is marked up as one.
    if el.name() == "blockquote" {
        return Markup::Neither;
    }
    match (class_says(class), attr_says(id)) {
        (TokenSays::Content, _) | (_, TokenSays::Content) => Markup::Content,
        (TokenSays::Chrome, _) | (_, TokenSays::Chrome) => Markup::Chrome,
        _ => Markup::Neither,
    }
}

/// Chrome inside an article container, by tag, role, class and id.
pub fn is_chrome(el: &Element) -> bool {
    classify(el) == Markup::Chrome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrome(html: &str) -> bool {
        let doc = scraper::Html::parse_fragment(html);
        let el = doc
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
            .find(|e| e.value().name() != "html")
            .expect("an element");
        is_chrome(el.value())
    }

    #[test]
    fn an_embedded_post_is_quoted_text_not_a_share_bar() {
        assert!(!chrome(
            r#"<blockquote class="twitter-tweet">x</blockquote>"#
        ));
        assert!(!chrome(
            r#"<blockquote class="instagram-media">x</blockquote>"#
        ));
        assert!(chrome(r#"<div class="twitter-share">x</div>"#));
    }

    #[test]
    fn words_split_at_separators_case_and_digits() {
        assert_eq!(
            words("dnn_ctr1425_ChiTietTin_pnlNoiDung").collect::<Vec<_>>(),
            ["dnn", "ctr", "Chi", "Tiet", "Tin", "pnl", "Noi", "Dung"]
        );
        assert_eq!(
            words("relatedArticles").collect::<Vec<_>>(),
            ["related", "Articles"]
        );
        assert_eq!(words("--").count(), 0);
    }

    #[test]
    fn containers_named_after_their_content_are_not_chrome() {
        for html in [
            r#"<div class="content-detail font-size-text mb-20">x</div>"#,
            r#"<div class="elementor-widget-container">x</div>"#,
            r#"<div class="elementor-element elementor-widget elementor-widget-theme-post-content">x</div>"#,
            r#"<div class="article-body pagination-first">x</div>"#,
            r#"<div id="dnn_ctr1425_ChiTietTin_pnlNoiDung" class="noidung">x</div>"#,
            r#"<div class="chitiettin">x</div>"#,
            r#"<div class="brief font-size-text">x</div>"#,
            r#"<div class="tweetable-quote-text">x</div>"#,
            r#"<div class="viewer">x</div>"#,
            r#"<div class="shared-memory">x</div>"#,
        ] {
            assert!(!chrome(html), "{html}");
        }
    }

    #[test]
    fn chrome_is_read_from_words_roles_and_tags() {
        for html in [
            r#"<div class="block_share pull-right">x</div>"#,
            r#"<div class="social-connect clearfix">x</div>"#,
            r#"<div class="relatedArticles mt-20">x</div>"#,
            r#"<div class="tags-detail">x</div>"#,
            r#"<div class="widget widget_recent_entries">x</div>"#,
            r#"<div class="box-binh-luan">x</div>"#,
            r#"<div class="tieude_tinkhac">x</div>"#,
            r#"<div class="jp-relatedposts">x</div>"#,
            r#"<div class="sharedaddy sd-sharing-enabled">x</div>"#,
            r#"<div id="fontSize">x</div>"#,
            r#"<div role="navigation">x</div>"#,
            r#"<section role="complementary">x</section>"#,
            r#"<nav>x</nav>"#,
            r#"<div class="article-footer">x</div>"#,
            r#"<div class="entry-tags post-detail">x</div>"#,
            // A chrome word names whose text it is: a footer's, a comment's.
            r#"<div class="footer-bottom-text">x</div>"#,
            r#"<div class="comment-body">x</div>"#,
        ] {
            assert!(chrome(html), "{html}");
        }
    }
}
