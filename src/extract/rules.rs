//! Built-in Vietnamese boilerplate rules.
//!
//! Two kinds of rule: markup rules (an element's tag, class, id or style says it is chrome)
//! and text rules (a whole block reads as a counter, a rating, a share bar, a related-news
//! heading). Text rules only ever drop whole blocks, never parts of sentences, so a real
//! paragraph that merely mentions "chia sẻ" stays.

use std::sync::LazyLock;

use regex::Regex;
use scraper::node::Element;

// Callers pass text from a page the extractor has already composed to NFC.
use crate::text::{collapse_space, fold_search, word_count};

/// Elements whose content is never article text, anywhere on a page.
pub fn is_never_content(el: &Element) -> bool {
    if matches!(
        el.name(),
        "script"
            | "style"
            | "noscript"
            | "template"
            | "iframe"
            | "object"
            | "embed"
            | "input"
            | "select"
            | "option"
            | "textarea"
            | "button"
            | "svg"
            | "canvas"
            | "map"
            | "head"
            | "title"
            | "meta"
            | "link"
            | "video"
            | "audio"
            | "dialog"
    ) {
        return true;
    }
    is_hidden(el)
}

/// Hidden by markup: the `hidden` attribute, `display:none`, or the hiding classes of the
/// common CSS frameworks. Portals hide schema.org copies of the date and URL this way.
/// One pass over the attributes: looking each one up by name costs an interning each.
fn is_hidden(el: &Element) -> bool {
    for (name, value) in el.attrs() {
        match name {
            "hidden" => return true,
            "aria-hidden" if value == "true" => return true,
            // Most styles say nothing of hiding: only those naming `none` or `hidden` are
            // normalised and read.
            "style"
                if (contains_ignore_case(value, "none")
                    || contains_ignore_case(value, "hidden")) =>
            {
                let style: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_lowercase();
                if style.contains("display:none") || style.contains("visibility:hidden") {
                    return true;
                }
            }
            "class"
                if value.split_ascii_whitespace().any(|c| {
                    [
                        "hidden",
                        "hide",
                        "d-none",
                        "sr-only",
                        "visually-hidden",
                        "invisible",
                        "screen-reader-text",
                    ]
                    .iter()
                    .any(|h| c.eq_ignore_ascii_case(h))
                }) =>
            {
                return true;
            }
            _ => {}
        }
    }
    false
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

pub use super::chrome::is_chrome;

/// Phrases of share bars, toolbars, counters and ratings, folded (no diacritics, lower
/// case). A block made only of these, separators and numbers is chrome.
const CHROME_PHRASES: &[&str] = &[
    "so luong luot xem",
    "so luot xem",
    "luot xem",
    "luot doc",
    "so luot doc",
    "da xem",
    "view",
    "views",
    "tong so diem cua bai viet la",
    "trong",
    "danh gia",
    "click de danh gia bai viet",
    "xep hang",
    "binh chon",
    "trung binh",
    "chia se bai viet",
    "chia se",
    "gui cho ban be",
    "gui email",
    "gui bai viet",
    "gui",
    "email",
    "in trang",
    "in bai viet",
    "in bai",
    "ban in",
    "luu bai viet",
    "luu bai",
    "luu",
    "phan hoi",
    "ve dau trang",
    "len dau trang",
    "quay lai",
    "tro ve",
    "facebook",
    "zalo",
    "twitter",
    "linkedin",
    "tweet",
    "share",
    "print",
    "like",
    "co chu",
    "mau chu",
    "tang co chu",
    "giam co chu",
    "a-",
    "a+",
    "binh luan",
    "y kien ban doc",
    "y kien cua ban",
    "gui y kien",
    "tieng viet",
    "english",
    "top",
    "dang truy cap",
    "dang online",
    "hom nay",
    "hom qua",
    "tuan nay",
    "thang nay",
    "thang hien tai",
    "tong luot truy cap",
    "luot truy cap",
    "thong ke truy cap",
    "khach vieng tham",
    "may chu tim kiem",
    "truy cap",
    "online",
    "xem chi tiet tai day",
    "xem chi tiet",
    "xem tai day",
    "tai day",
    "tai ve",
    // The same labels on English pages (mirrors, papers' English editions, and the
    // pages the generic path is measured on).
    "advertisement",
    "advertising",
    "sponsored",
    "close",
    "caption",
    "toggle caption",
    "hide caption",
    "read more",
    "continue reading",
    "continue reading below",
    "story continues below",
    "comments",
    "comment",
    "show comments",
    "leave a comment",
    "see fewer ads",
    "image",
    "images",
    "photo",
    "photos",
    "gallery",
    "of",
    "enlarge",
    "enlarge this image",
    "expand",
    "skip",
    "skip advertisement",
    "copy link",
    "link copied",
    "listen",
    "listen to this article",
    "min read",
    "whatsapp",
    "pinterest",
    "reddit",
    "share this article",
    "share this",
    "subscribe",
    // Links to a document's full text, and the signatures of an unnamed reporter or the
    // editorial board ("P.V", "PV", "BBT").
    "xem van ban",
    "tai van ban",
    "pv",
    "p v",
    "bbt",
    // Labels of an audio reader, a comment box and attached files on Vietnamese papers.
    "nghe bai viet",
    "nghe doc bai viet",
    "nghe doc",
    "viet binh luan",
    "them binh luan",
    "moi ban doc cung binh luan",
    "tep dinh kem",
    "file dinh kem",
    "len",
    // WordPress (Jetpack)'s like button, in English and Vietnamese: "Like this:",
    // "Loading...", "Thích điều này:", "Đang tải...".
    "like this",
    "loading",
    "thich dieu nay",
    "dang tai",
];

/// Headings of the lists that portals print after an article. Everything from such a
/// heading to the end of the article container is a list of other articles.
const RELATED_HEADINGS: &[&str] = &[
    "tin lien quan",
    "cac tin khac",
    "tin khac",
    "tin moi hon",
    "tin da dua",
    "tin cu hon",
    "nhung tin moi hon",
    "nhung tin cu hon",
    "cac tin moi hon",
    "cac tin cu hon",
    "xem nhieu nhat",
    "tin xem nhieu",
    "tin doc nhieu",
    "tin cung chuyen muc",
    "bai viet lien quan",
    "cac bai viet lien quan",
    "bai viet khac",
    "cac bai viet khac",
    "tin bai lien quan",
    "tin bai khac",
    "doc them",
    "xem them",
    "tin noi bat",
    "tin moi",
    // WordPress (Jetpack) in Vietnamese: "Có liên quan" heads its related posts.
    "co lien quan",
    "related",
    "related articles",
    "related stories",
    "related news",
    "related posts",
    "related content",
    "related coverage",
    "most read",
    "most popular",
    "most viewed",
    "recommended",
    "recommended for you",
    "you may also like",
    "you might also like",
    "more stories",
    "more news",
    "read next",
    "what to read next",
    "trending",
    "trending now",
];

/// Labels of a list of tags or keywords ("Từ khóa: dân vận, nông thôn mới", "Tags: …",
/// "Thẻ: …"), folded, each followed by a colon on the page.
const TAG_LABELS: &[&str] = &["tu khoa", "tags", "tag", "the", "keywords", "topics"];

/// Starts of the notices papers append to every article: "Bạn đang đọc bài viết … tại
/// chuyên mục …", "Theo dõi Báo … trên Google News", folded.
const NOTICES: &[&str] = &["ban dang doc bai viet ", "theo doi ", "follow "];

/// Starts of a promotion's call to sign up, folded.
const INVITATIONS: &[&str] = &[
    "sign up for ",
    "sign up to ",
    "subscribe to ",
    "subscribe for ",
    "dang ky nhan ban tin",
    "dang ky nhan tin",
];

/// Starts of English list headings that go on with a section or site name ("Most read in
/// World News", "More from The Sun"). Only a short heading counts.
const RELATED_PREFIXES: &[&str] = &["most read ", "more from ", "more on this story"];

/// What a block of text is, judged by its words alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockText {
    Content,
    /// A counter, rating, share bar, toolbar, statistics line or share-counter debris.
    Chrome,
    /// The heading of a related / older / newer / most-read list.
    RelatedHeading,
}

pub fn classify(text: &str) -> BlockText {
    if is_machine_text(text) {
        return BlockText::Chrome;
    }
    // Long blocks are prose: counters and share bars are short. Decided before folding,
    // which is the expensive part.
    if crate::text::visible_len(text) > 160 {
        return BlockText::Content;
    }
    let folded = fold_search(&collapse_space(text));
    let trimmed = folded.trim_matches(|c: char| !c.is_alphanumeric());
    if trimmed.is_empty() {
        // Only punctuation: the lone `,` and `.` that share counters leave behind.
        return BlockText::Chrome;
    }
    if folded.len() > 160 {
        return BlockText::Content;
    }
    if RELATED_HEADINGS.contains(&trimmed)
        || (word_count(trimmed) <= 6 && RELATED_PREFIXES.iter().any(|p| trimmed.starts_with(p)))
    {
        return BlockText::RelatedHeading;
    }
    // An invitation to a newsletter or a subscription ("Sign up to the Morning
    // Briefing", "Đăng ký nhận bản tin"): a short block that starts so is a promotion.
    if word_count(trimmed) <= 16 && INVITATIONS.iter().any(|p| trimmed.starts_with(p)) {
        return BlockText::Chrome;
    }
    // A list of tags under its label: a few short comma-separated words.
    if word_count(trimmed) <= 20
        && let Some((label, list)) = folded.split_once(':')
        && TAG_LABELS.contains(&label.trim())
        && list.split(',').all(|t| word_count(t) <= 5)
    {
        return BlockText::Chrome;
    }
    // A paper's standing notice: where the article is filed and whom to write to, or
    // where to follow the paper. Only a "theo dõi" that names a news reader is one.
    if let Some(notice) = NOTICES.iter().find(|n| trimmed.starts_with(*n))
        && ((*notice == "ban dang doc bai viet " && word_count(trimmed) <= 60)
            || (word_count(trimmed) <= 12 && trimmed.contains("google news")))
    {
        return BlockText::Chrome;
    }
    // Numbers never make a block content (counters glue them to labels: "Đang truy cập12").
    let spaced: String = folded
        .chars()
        .map(|c| {
            if c.is_ascii_digit() || "|·•:()/›»«,.".contains(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    // A word that is in no phrase can never be covered by one: most blocks stop here.
    static PHRASE_WORDS: LazyLock<rustc_hash::FxHashSet<&'static str>> = LazyLock::new(|| {
        CHROME_PHRASES
            .iter()
            .flat_map(|p| p.split(' '))
            .filter(|w| !w.is_empty())
            .collect()
    });
    if spaced
        .split(' ')
        .any(|w| w.chars().any(char::is_alphabetic) && !PHRASE_WORDS.contains(w))
    {
        return BlockText::Content;
    }
    let mut rest = format!(" {spaced} ");
    // Each phrase as a whole-word needle (" phrase "), longest first.
    static NEEDLES: LazyLock<Vec<String>> = LazyLock::new(|| {
        let mut v = CHROME_PHRASES.to_vec();
        v.sort_by_key(|p| std::cmp::Reverse(p.len()));
        v.into_iter().map(|p| format!(" {p} ")).collect()
    });
    for needle in NEEDLES.iter() {
        while rest.contains(needle.as_str()) {
            rest = rest.replacen(needle.as_str(), "  ", 1);
        }
    }
    if rest.chars().all(|c| !c.is_alphabetic()) {
        BlockText::Chrome
    } else {
        BlockText::Content
    }
}

static CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\(?\s*nguồn(?:\s+tin|\s+bài|\s+ảnh)?\s*[:\-–]\s*(.+?)\s*\)?\s*$")
        .expect("static regex")
});

static THEO: LazyLock<Regex> = LazyLock::new(|| {
    // "Theo Báo Long An", "Tổng hợp từ Báo Long An", "Tổng hợp theo TTXVN".
    Regex::new(r"(?i)^\(?\s*(?:theo|tổng hợp\s+(?:từ|theo))\s*:?\s+(.+?)\s*\)?\s*$")
        .expect("static regex")
});

/// A signature with its credit in parentheses: "Minh Trí (Theo Báo Long An)".
static SIGNED_CREDIT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([^()]+?)\s*(\([^()]+\))\s*$").expect("static regex"));

/// The writer and the origin of a signature that credits a publication in parentheses
/// ("Minh Trí (Theo Báo Long An)", "Thu Hà (Nguồn: TTXVN)"): the name as the byline, the
/// publication as the credit. A parenthesis that is no credit ("(tổng hợp)") is not one.
pub fn parse_signed_credit(text: &str) -> Option<(Option<String>, String)> {
    let t = collapse_space(text);
    let c = SIGNED_CREDIT.captures(&t)?;
    let credit = parse_credit(&c[2])?;
    let apart = BlockStyle {
        emphasised: true,
        ..Default::default()
    };
    let name = parse_byline(&c[1], apart);
    // Only a name, or a label and a name, may stand before the credit.
    (name.is_some() || word_count(&c[1]) <= 1).then_some((name, credit))
}

/// The origin named in a "Nguồn: …" line, when the whole block is that line; or in a
/// "Theo …" line that names a publication rather than a person ("Theo Báo Long An",
/// "Theo danvan.longan.gov.vn", "(Theo TTXVN)"; "Theo Thanh Tùng" is a byline).
pub fn parse_credit(text: &str) -> Option<String> {
    let t = collapse_space(text);
    if t.chars().count() > 120 {
        return None;
    }
    let raw = match CREDIT.captures(&t) {
        Some(c) => c[1].to_string(),
        None => {
            let c = THEO.captures(&t)?;
            let named = c[1].trim_end_matches(['.', ' ']).trim();
            if !names_a_publication(named) {
                return None;
            }
            named.to_string()
        }
    };
    let credit = raw.trim_end_matches(['.', ' ']).trim().to_string();
    (!credit.is_empty()).then_some(credit)
}

/// Whether a credited name is a publication or an office: a domain, an acronym, or a name
/// that starts with the word for a newspaper, portal, station or agency.
fn names_a_publication(name: &str) -> bool {
    // A clause ("Theo báo cáo, …") is not a name.
    if name.is_empty() || word_count(name) > 12 || name.contains([',', ';']) {
        return false;
    }
    let is_domain = !name.contains(' ')
        && name.contains('.')
        && name
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '-'));
    let is_acronym = name.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && name.split_whitespace().next().is_some_and(|w| {
            w.chars()
                .filter(|c| c.is_alphabetic())
                .all(|c| c.is_uppercase())
        });
    let folded = fold_search(name);
    let institution = [
        "bao ",
        "tap chi ",
        "cong thong tin",
        "cong ttdt",
        "trang thong tin",
        "trang ttdt",
        "dai ",
        "thong tan xa",
        "kenh ",
        "so ",
        "ban ",
        "bo ",
        "hoi ",
        "uy ban",
        "tinh uy",
        "huyen uy",
        "thanh uy",
        "thi uy",
        "dang uy",
        "mat tran",
        "van phong",
        "trung tam",
        "cuc ",
        "tong cuc",
    ]
    .iter()
    .any(|p| folded.starts_with(p))
        && name.chars().next().is_some_and(char::is_uppercase);
    is_domain || is_acronym || institution
}

static ROLE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:(?:tin|bài|ảnh|video|clip)(?:\s*(?:,|và|-|–|/|\+|&)\s*(?:tin|bài|ảnh|video|clip))*|tác giả|người viết|phóng viên|nhóm phóng viên|nhóm pv|pv|ctv|btv|theo|by|written by|author)\s*[:\-–]?\s+")
        .expect("static regex")
});

/// Whether every word of `s` starts with an upper-case letter, as Vietnamese personal
/// names do ("Nguyễn Thị Thu Hà").
fn is_name_like(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.is_empty() || words.len() > 6 {
        return false;
    }
    words.iter().all(|w| {
        let w = w.trim_matches(|c: char| matches!(c, ',' | '(' | ')' | '.' | '-' | '–'));
        w.chars().next().is_some_and(|c| c.is_uppercase())
            && w.chars().all(|c| c.is_alphabetic() || c == '.' || c == '-')
    })
}

/// Words of job titles that follow a name in a byline.
fn is_job_title(s: &str) -> bool {
    let f = fold_search(s);
    [
        "correspondent",
        "editor",
        "reporter",
        "writer",
        "staff",
        "journalist",
        "columnist",
        "contributor",
        "phong vien",
        "bien tap",
        "cong tac vien",
        "thong tin vien",
    ]
    .iter()
    .any(|w| f.contains(w))
}

/// How a block was set on the page, which says whether a short line can be a byline.
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockStyle {
    pub right_aligned: bool,
    pub emphasised: bool,
    pub pushed_right: bool,
}

/// The author named by a byline block: a role label followed by a name ("Tin, ảnh: Ngọc
/// Hân"), or a bare short name that the page sets apart (right-aligned, bold, or pushed
/// right with runs of `&nbsp;`).
pub fn parse_byline(text: &str, style: BlockStyle) -> Option<String> {
    let t = collapse_space(text);
    if t.is_empty() || t.chars().count() > 80 || is_role_label(&t) {
        return None;
    }
    let (labelled, rest) = match ROLE_LABEL.find(&t) {
        Some(m) => (true, t[m.end()..].trim().to_string()),
        None => (false, t.clone()),
    };
    let name = without_affiliation(&rest)
        .trim_matches(|c: char| matches!(c, '(' | ')' | '.' | ' ' | '-' | '–'))
        .to_string();
    if name.is_empty() || word_count(&name) > 16 {
        return None;
    }
    // Commas and dashes separate names and units; "và", "and" or "&" join names within
    // one ("By Stella Kim and Jennifer Jett", "Bài: Minh Trí và Thanh Tùng").
    const JOINERS: [&str; 3] = [" và ", " and ", " & "];
    let segments: Vec<&str> = name
        .split([',', '|', '–'])
        .flat_map(|p| p.split(" - "))
        .collect();
    let parts: Vec<&str> = segments
        .iter()
        .flat_map(|s| s.split(JOINERS[0]))
        .flat_map(|p| p.split(JOINERS[1]))
        .flat_map(|p| p.split(JOINERS[2]))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let is_person = |p: &&str| is_name_like(p) && !is_job_title(p);
    if labelled && word_count(&name) <= 8 {
        // "Eleanor Hughes, Local Government Correspondent": keep the names, drop the job.
        let names: Vec<&str> = parts.iter().copied().filter(is_person).collect();
        if !names.is_empty() {
            return Some(names.join(", "));
        }
        if name.contains('.') && word_count(&name) <= 3 {
            return Some(name);
        }
    }
    let set_apart = style.right_aligned || style.emphasised || style.pushed_right;
    if !set_apart {
        return None;
    }
    if is_name_like(&name) && word_count(&name) <= 6 {
        return Some(name);
    }
    // A signature set apart: the names it starts with ("Hồng Nhung - Thu Hà"), then
    // perhaps the writers' unit ("Nguyễn Văn An - Trung tâm Văn hóa huyện"), which
    // starts with a capital as a proper name does ("Hà Nội - thủ đô …" is a sentence).
    let names: Vec<&str> = parts
        .iter()
        .copied()
        .take_while(|p| is_person(p) && word_count(p) <= 6)
        .collect();
    if names.is_empty() {
        return None;
    }
    let unit = &parts[names.len()..];
    // A unit follows full names only ("PMJS - Coordenadoria de TI" is a department), and
    // names listed in the first segment: in "The Russian and Syrian defense ministries"
    // the "and" joins the words of one name, which leaves no name before a unit.
    let joined = segments
        .first()
        .is_some_and(|s| JOINERS.iter().any(|j| s.contains(j)));
    let is_unit = |p: &&str| p.chars().next().is_some_and(char::is_uppercase);
    (unit.is_empty()
        || (!joined && names.iter().all(|n| word_count(n) >= 2) && unit.iter().all(is_unit)))
    .then(|| names.join(", "))
}

/// A byline without what it appends to the name: a unit, an agency or "tổng hợp" in
/// closing parentheses ("Minh Trí (TTXVN)", "Ngọc Hân (tổng hợp)"), or an agency after
/// a slash ("Thu Hà/VOV-Tây Bắc", "Jane Doe/Reuters").
fn without_affiliation(byline: &str) -> &str {
    let b = byline.trim();
    if b.ends_with(')')
        && let Some(open) = b.rfind('(')
        && !b[..open].trim().is_empty()
    {
        return b[..open].trim();
    }
    match b.split_once('/') {
        Some((head, _)) if !head.trim().is_empty() => head.trim(),
        _ => b,
    }
}

/// The author named by a byline element printed over several lines: its first line,
/// or a role label alone on its line ("By", "Tác giả:") with the line after it. What
/// follows the name is the writer's job, desk or a "Follow" button ("Ben Silverman" /
/// "Games Editor"; "By Brenda Goodman, MA" / "WebMD Health News").
pub fn parse_byline_lines(lines: &[String], style: BlockStyle) -> Option<String> {
    let (first, rest) = lines.split_first()?;
    match rest.first() {
        Some(next) if is_role_label(first) => parse_byline(&format!("{first} {next}"), style),
        _ => parse_byline(first, style),
    }
}

/// Whether `text` is only a role label ("By", "Written by:", "Tin, ảnh:"), the name
/// printed apart from it.
fn is_role_label(text: &str) -> bool {
    ROLE_LABEL
        .find(&format!("{} ", text.trim()))
        .is_some_and(|m| m.end() > text.trim().len())
}

/// Whether a block is only machine-readable values: URLs and ISO 8601 timestamps, as
/// schema.org microdata prints them in spans that a style sheet hides
/// (`<span itemprop="datePublished">2023-09-15T15:04:00+07:00</span>`). A reader never
/// sees them, and no paragraph is made of them alone.
fn is_machine_text(text: &str) -> bool {
    let mut tokens = text.split_whitespace().peekable();
    tokens.peek().is_some()
        && tokens.all(|t| {
            t.starts_with("http://") || t.starts_with("https://") || super::dates::is_iso(t)
        })
}

/// Whether a block is a date line: a date with at most a few label words around it.
pub fn is_date_line(text: &str) -> bool {
    let t = collapse_space(text);
    t.chars().count() <= 100 && word_count(&t) <= 16 && super::dates::parse_text(&t).is_some()
}

/// Labels of a publication or update time ("PUBLISHED: November 19, 2019 at 8:59 pm |
/// UPDATED: …", "First Published: …", "Ngày đăng: 16/11/2010", "Cập nhật lúc 18:24"),
/// folded.
const DATE_LABELS: &[&str] = &[
    "published",
    "first published",
    "last updated",
    "updated",
    "posted",
    "posted on",
    "ngay dang",
    "dang ngay",
    "dang luc",
    "cap nhat",
    "ngay cap nhat",
    "ngay xuat ban",
    "thoi gian dang",
];

/// Whether a block is a labelled date line: the article's own publication or update time,
/// which templates print inside the body container, at the top or after the text. An
/// unlabelled date ("Hà Nội, ngày 15 tháng 3 năm 2020" above a decree) is the text's own.
pub fn is_labelled_date_line(text: &str) -> bool {
    // A date line is short (see `is_date_line`); then the label, on the block's opening
    // words only: most blocks have none, and the date parse is the expensive part.
    if text.len() > 400 || text.chars().count() > 100 {
        return false;
    }
    let opening: String = text
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .chars()
        .take(24)
        .collect();
    let folded = fold_search(&opening);
    let labelled = DATE_LABELS.iter().any(|l| {
        folded
            .strip_prefix(l)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric()))
    });
    labelled && is_date_line(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labelled_date_lines() {
        for t in [
            "PUBLISHED: November 19, 2019 at 8:59 pm | UPDATED: November 19, 2019 at 10:16 pm",
            "First Published: Tuesday, November 19, 2019 08:38 AM",
            "Ngày đăng: 16/11/2010 3:20:00 PM",
            "Cập nhật lúc 18:24, Thứ Ba, 30/06/2020 (GMT+7)",
        ] {
            assert!(is_labelled_date_line(t), "{t}");
        }
        for t in [
            "Hà Nội, ngày 15 tháng 3 năm 2020",
            "Published by the ministry on 19/11/2019, the plan sets targets for every district in the province until 2025 and beyond, with a budget.",
            "Updatedness: 19/11/2019",
        ] {
            assert!(!is_labelled_date_line(t), "{t}");
        }
    }

    #[test]
    fn hidden_elements_are_never_content() {
        let first = |html: &str| {
            let doc = scraper::Html::parse_fragment(html);
            let sel = scraper::Selector::parse("div").unwrap();
            let el = doc.select(&sel).next().unwrap();
            is_never_content(el.value())
        };
        for hidden in [
            r#"<div style="display:none">x</div>"#,
            r#"<div style="color: red; DISPLAY : None ;">x</div>"#,
            r#"<div style="visibility: hidden">x</div>"#,
            r#"<div class="post Sr-Only">x</div>"#,
            r#"<div class="d-none">x</div>"#,
            r#"<div hidden>x</div>"#,
            r#"<div aria-hidden="true">x</div>"#,
        ] {
            assert!(first(hidden), "{hidden}");
        }
        for shown in [
            r#"<div style="display:block">x</div>"#,
            r#"<div style="border: none">x</div>"#,
            r#"<div style="overflow: hidden">x</div>"#,
            r#"<div class="hidden-xs-up-not">x</div>"#,
            r#"<div aria-hidden="false">x</div>"#,
        ] {
            assert!(!first(shown), "{shown}");
        }
    }

    #[test]
    fn chrome_blocks_are_recognised() {
        for t in [
            "Số lượng lượt xem: 1728",
            "Lượt xem: 96",
            "Tổng số điểm của bài viết là: 0 trong 0 đánh giá",
            "Click để đánh giá bài viết",
            "Trung bình (0 Bình chọn)",
            "Gửi cho bạn bè | Phản hồi | In trang | Về đầu trang",
            "Cỡ chữ: A- A+",
            "Cỡ chữ Màu chữ",
            "Chia sẻ bài viết",
            ",",
            ".",
            "Tiếng Việt | English",
            "Đang truy cập12",
            "Xem chi tiết tại đây",
            "Advertisement",
            "Image 3 of 8",
            "Read more",
            "Continue Reading Below",
            "Comments (12)",
            "Close",
            "Caption",
            "Sign up to the Morning Briefing",
            "SIGN UP FOR OUR NEWSLETTER",
            "Subscribe to WIRED and stay smart with more of your favorite Ideas writers.",
            "Đăng ký nhận bản tin",
            "Số lượt đọc: 634",
            "Ý kiến của bạn",
            "Gửi ý kiến",
            "Like this:",
            "Loading...",
            "Thích điều này:",
            "Đang tải...",
            "Từ khóa: dân vận, nông thôn mới, Long An",
            "Thẻ: dân vận khéo",
            "Tags: Election 2024, Economy",
            "Nghe bài viết",
            "Viết bình luận",
            "Mời bạn đọc cùng bình luận",
            "Tệp đính kèm",
            "Chia sẻ bài viết lên Facebook",
            "Theo dõi Báo Long An trên Google News",
            "Xem văn bản tại đây",
            "Tải văn bản tại đây",
            "P.V",
            "BBT",
            "Bạn đang đọc bài viết \"Huyện tổng kết công tác\" tại chuyên mục Tin tức. Mọi thông tin góp ý xin liên hệ email toasoan@baolongan.vn",
        ] {
            assert_eq!(classify(t), BlockText::Chrome, "{t}");
        }
    }

    #[test]
    fn sentences_that_mention_chrome_words_stay() {
        for t in [
            "Bà Lý Thị Mỹ xúc động chia sẻ: “Nhờ bà con lối xóm giúp đỡ, tuổi già của tôi bớt tủi”.",
            "Tại buổi tọa đàm, các đại biểu đã chia sẻ nhiều cách làm hay.",
            "Quang cảnh hội nghị",
            "Photo of the day",
            "Read more about the plan before you comment",
            "Xe đang tải hàng thì bị lật",
            "Ý kiến của bạn đọc được tổng hợp gửi Ban Thường vụ Huyện ủy",
            "Subscribe to WIRED, the company said, and you will get a tote bag with every order of three or more magazines.",
            "Từ khóa: đoàn kết, dân chủ, kỷ cương, đổi mới, sáng tạo là phương châm của cả nhiệm kỳ đã được Đại hội thống nhất thông qua",
            "Theo dõi sát diễn biến thời tiết, huyện chỉ đạo các xã chủ động phương án ứng phó",
            "Lên phương án bảo vệ lúa",
        ] {
            assert_eq!(classify(t), BlockText::Content, "{t}");
        }
    }

    #[test]
    fn machine_values_alone_are_chrome() {
        for t in [
            "2023-09-15T15:04:00+07:00 2023-09-15T15:04:00+07:00 http://portal.test/tin-tuc/bai-1894.html",
            "https://portal.test/uploads/news/2023_09/anh.jpg",
            "2023-09-15",
            "2019-11-18T14:53:07.123Z",
        ] {
            assert_eq!(classify(t), BlockText::Chrome, "{t}");
        }
        for t in [
            "Xem toàn văn tại https://portal.test/van-ban/1.pdf",
            "Ngày 2023-09-15 huyện tổ chức hội nghị",
        ] {
            assert_eq!(classify(t), BlockText::Content, "{t}");
        }
    }

    #[test]
    fn related_headings() {
        assert_eq!(classify("Tin liên quan"), BlockText::RelatedHeading);
        assert_eq!(classify("CÁC TIN KHÁC"), BlockText::RelatedHeading);
        assert_eq!(classify("Những tin mới hơn"), BlockText::RelatedHeading);
        assert_eq!(classify("Related Articles"), BlockText::RelatedHeading);
        assert_eq!(classify("Có liên quan"), BlockText::RelatedHeading);
        assert_eq!(
            classify("Most read in World News"),
            BlockText::RelatedHeading
        );
        assert_eq!(classify("More from The Sun"), BlockText::RelatedHeading);
        // A longer heading that happens to start the same way is the article's own.
        assert_eq!(
            classify("Most read books of the decade were written by women, survey finds"),
            BlockText::Content
        );
    }

    #[test]
    fn credits() {
        assert_eq!(
            parse_credit("Nguồn: baolongan.vn").as_deref(),
            Some("baolongan.vn")
        );
        assert_eq!(
            parse_credit("Nguồn:\u{a0}Sở Nội vụ").as_deref(),
            Some("Sở Nội vụ")
        );
        assert_eq!(parse_credit("(Nguồn: TTXVN)").as_deref(), Some("TTXVN"));
        assert_eq!(
            parse_credit("Tổng hợp từ Báo Long An").as_deref(),
            Some("Báo Long An")
        );
        // A signature crediting a publication in parentheses: the writer and the origin.
        assert_eq!(
            parse_signed_credit("Minh Trí (Theo Báo Long An)"),
            Some((Some("Minh Trí".to_string()), "Báo Long An".to_string()))
        );
        assert_eq!(
            parse_signed_credit("Thu Hà (Nguồn: TTXVN)"),
            Some((Some("Thu Hà".to_string()), "TTXVN".to_string()))
        );
        // A parenthesis that credits nothing, or a sentence before it, is no signature.
        assert_eq!(parse_signed_credit("Ngọc Hân (tổng hợp)"), None);
        assert_eq!(
            parse_signed_credit("Hội nghị đã diễn ra thành công tốt đẹp (Theo Báo Long An)"),
            None
        );
        assert_eq!(
            parse_credit("Ghi rõ nguồn “Cổng thông tin” khi phát hành lại"),
            None
        );
        assert_eq!(
            parse_credit("Theo danvan.longan.gov.vn").as_deref(),
            Some("danvan.longan.gov.vn")
        );
        assert_eq!(
            parse_credit("Theo Báo Long An").as_deref(),
            Some("Báo Long An")
        );
        assert_eq!(parse_credit("(Theo TTXVN)").as_deref(), Some("TTXVN"));
        // A person is a byline, and a sentence is neither.
        assert_eq!(parse_credit("Theo Thanh Tùng"), None);
        assert_eq!(
            parse_credit("Theo báo cáo, 6 tháng đầu năm, UBND thị xã đã chỉ đạo"),
            None
        );
    }

    #[test]
    fn bylines() {
        let plain = BlockStyle::default();
        let right = BlockStyle {
            right_aligned: true,
            ..Default::default()
        };
        assert_eq!(
            parse_byline("Tin, ảnh: Ngọc Hân", plain).as_deref(),
            Some("Ngọc Hân")
        );
        assert_eq!(
            parse_byline("Bài và ảnh: Minh Khang", plain).as_deref(),
            Some("Minh Khang")
        );
        assert_eq!(
            parse_byline("Hồ Sỹ Phùng", right).as_deref(),
            Some("Hồ Sỹ Phùng")
        );
        assert_eq!(parse_byline("Hồ Sỹ Phùng", plain), None);
        assert_eq!(parse_byline("Quang cảnh hội nghị", right), None);
        assert_eq!(
            parse_byline("Theo Thanh Tùng", plain).as_deref(),
            Some("Thanh Tùng")
        );
        // A signature set apart names its writers, without their unit or agency.
        for (line, want) in [
            ("Minh Trí (Trung tâm VH-TT huyện)", Some("Minh Trí")),
            ("Ngọc Hân (tổng hợp)", Some("Ngọc Hân")),
            ("Minh Trí (TTXVN)", Some("Minh Trí")),
            ("Thu Hà/VOV-Tây Bắc", Some("Thu Hà")),
            ("Hồng Nhung - Thu Hà", Some("Hồng Nhung, Thu Hà")),
            (
                "Nguyễn Văn An - Trung tâm Văn hóa, Thông tin và Thể thao huyện",
                Some("Nguyễn Văn An"),
            ),
            ("Tin, ảnh: Minh Trí (Trung tâm VH-TT)", Some("Minh Trí")),
            ("Our Foreign Staff", Some("Our Foreign Staff")),
            // A sentence, a department, and plain text are no signature.
            ("Hà Nội - thủ đô ngàn năm văn hiến", None),
            ("PMJS - Coordenadoria de TI", None),
        ] {
            assert_eq!(parse_byline(line, right).as_deref(), want, "{line}");
        }
        assert_eq!(parse_byline("Hồng Nhung - Thu Hà", plain), None);
        // Names joined by "và" / "and" are each a writer; joined so, they are no unit.
        assert_eq!(
            parse_byline("Bài: Minh Trí và Thanh Tùng", plain).as_deref(),
            Some("Minh Trí, Thanh Tùng")
        );
        assert_eq!(
            parse_byline("By Stella Kim and Jennifer Jett", plain).as_deref(),
            Some("Stella Kim, Jennifer Jett")
        );
        assert_eq!(
            parse_byline("The Russian and Syrian defense ministries", right),
            None
        );
        // A label alone names nobody, however it is set.
        for label in ["By", "Tác giả:", "Tin, ảnh:", "Written by"] {
            assert_eq!(parse_byline(label, right), None, "{label}");
        }
    }

    #[test]
    fn bylines_over_several_lines() {
        let apart = BlockStyle {
            emphasised: true,
            ..Default::default()
        };
        let lines = |ls: &[&str]| -> Vec<String> { ls.iter().map(|l| l.to_string()).collect() };
        for (ls, want) in [
            (&["Minh Trí", "Phóng viên thường trú"][..], Some("Minh Trí")),
            (
                &["Tin, ảnh: Ngọc Hân", "Trung tâm Văn hóa - Thông tin huyện"],
                Some("Ngọc Hân"),
            ),
            (
                &["Tác giả:", "Lê Văn Tám", "Ban Tuyên giáo"],
                Some("Lê Văn Tám"),
            ),
            (
                &["By", "Benjamin Romano", "Seattle Times business reporter"],
                Some("Benjamin Romano"),
            ),
            (&["Patrick Allan", "ProfileFollow"], Some("Patrick Allan")),
            (&["By"], None),
            (&[], None),
        ] {
            assert_eq!(
                parse_byline_lines(&lines(ls), apart).as_deref(),
                want,
                "{ls:?}"
            );
        }
    }
}
