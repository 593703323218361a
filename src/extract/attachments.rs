//! The documents an article carries: the decision, plan or notice it reports on, linked
//! as a PDF or Word file in the body or in an attachment block ("File đính kèm", "Tài
//! liệu đính kèm", "Tải về") printed next to it.
//!
//! A link is a file by its URL (a document extension in the path or in a query value,
//! SharePoint's `/Attachments/` folder) or by its markup and text when a download handler
//! hides the name (`?download`, `download.aspx?id=…`, the `download` attribute, "Tải về").
//! Inside the body every such link counts; outside it only those under a block labelled
//! as the article's attachments, so that a sidebar of "Văn bản mới" is never taken.

use ego_tree::NodeId;
use scraper::Node;
use url::Url;

use super::Page;
use crate::model::Attachment;
use crate::text::{collapse_space, fold_search};

/// Document extensions: what portals attach to their news.
const EXTENSIONS: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "zip", "rar",
    "7z",
];

/// Labels of an attachment block and of a download link, folded (see `fold_search`).
const BLOCK_LABELS: &[&str] = &[
    "file dinh kem",
    "tep dinh kem",
    "tai lieu dinh kem",
    "van ban dinh kem",
    "dinh kem",
    "tai ve",
    "tai xuong",
    "download",
    "attachment",
];

/// Link texts that name no file: the attachment's title is then its file name.
const GENERIC_TEXTS: &[&str] = &[
    "tai ve",
    "tai xuong",
    "tai file",
    "tai tep",
    "download",
    "tai day",
    "xem",
    "xem file",
    "xem chi tiet",
    "xem tai day",
    "tai ve tai day",
    "file dinh kem",
    "tep dinh kem",
    "dinh kem",
    "click here",
    "here",
];

/// At most this many attachments per article: a page of hundreds of file links is a
/// register, not an article's attachments.
const MAX_ATTACHMENTS: usize = 20;

/// Link text longer than this many bytes is no download label ("Tải về", "Download").
const SHORT_LINK: usize = 48;

/// How far above a link outside the body its attachment label may sit.
const LABEL_LEVELS: usize = 4;

impl Page<'_> {
    /// The files the article carries: links (and embedded viewers) in `body`, then those
    /// under an attachment label elsewhere in `area` (the article's header and footer),
    /// in document order, each URL once.
    pub(super) fn attachments(&self, body: NodeId, area: NodeId) -> Vec<Attachment> {
        let mut out: Vec<Attachment> = Vec::new();
        let Some(root) = self.node(area) else {
            return out;
        };
        for n in root.descendants() {
            let Node::Element(el) = n.value() else {
                continue;
            };
            let (raw, link) = match el.name() {
                "a" => (el.attr("href"), true),
                "iframe" | "embed" => (el.attr("src"), false),
                "object" => (el.attr("data"), false),
                _ => continue,
            };
            let Some(raw) = raw else { continue };
            // Most links are pages. Only one whose address or markup hints at a file, or
            // whose short text says it downloads, is looked at further: resolving it and
            // reading its text cost more than this test, on every link of the area.
            let hinted = may_be_file(raw)
                || link
                    && (el.attr("download").is_some()
                        // A download label is a word or two: longer link text (every
                        // headline) is not read.
                        || !self.text_exceeds(n.id(), SHORT_LINK)
                            && self
                                .text_within(n.id(), SHORT_LINK)
                                .is_some_and(|t| is_download_text(&t)));
            if !hinted {
                continue;
            }
            let Ok(url) = self.base.join(raw.trim()) else {
                continue;
            };
            if !matches!(url.scheme(), "http" | "https")
                || out.iter().any(|a| a.url == url.as_str())
            {
                continue;
            }
            let text = if link {
                collapse_space(&self.text_of(n.id()))
            } else {
                String::new()
            };
            // A link that says only "Tải về" often names the file in its `title`.
            let label = el
                .attr("title")
                .map(collapse_space)
                .filter(|t| !t.is_empty() && is_generic(&text));
            let in_body = self.is_within(n.id(), body);
            let named = file_name(&url);
            let by_name = named.as_ref().is_some_and(|(_, ext)| ext.is_some());
            // An embedded viewer counts only for a named document; a link, also when its
            // markup or text says it downloads.
            let file = by_name
                || (link
                    && (el.attr("download").is_some()
                        || is_handler(&url)
                        || is_download_text(&text)));
            if !file || (!in_body && !self.labelled(n.id(), area)) {
                continue;
            }
            out.push(attachment(url, label.as_deref().unwrap_or(&text), named));
            if out.len() >= MAX_ATTACHMENTS {
                break;
            }
        }
        out
    }

    /// Whether an element outside the body sits under an attachment label: one of its
    /// few nearest ancestors inside `area` starts with "File đính kèm", "Tải về", ….
    fn labelled(&self, id: NodeId, area: NodeId) -> bool {
        let Some(n) = self.node(id) else { return false };
        n.ancestors()
            .take(LABEL_LEVELS)
            .take_while(|a| a.id() != area && self.is_within(a.id(), area))
            .any(|a| {
                self.text_within(a.id(), 2000).is_some_and(|t| {
                    let head: String = t.chars().take(40).collect();
                    let folded = fold_search(&head);
                    BLOCK_LABELS.iter().any(|l| folded.starts_with(l))
                })
            })
    }
}

/// The attachment for a file link: its text as the title unless the text names no file
/// (then the file's name), the media type from the name's extension.
fn attachment(url: Url, text: &str, named: Option<(String, Option<&'static str>)>) -> Attachment {
    let generic = is_generic(text);
    let (name, ext) = named.map_or((None, None), |(n, e)| (Some(n), e));
    let title = match (generic, name) {
        (false, _) => text.to_string(),
        (true, Some(n)) => n,
        (true, None) => "Tệp đính kèm".to_string(),
    };
    Attachment {
        media_type: ext.and_then(|e| mime_guess::from_ext(e).first_raw().map(str::to_string)),
        url: url.to_string(),
        title,
        length: None,
    }
}

/// The attachment a link makes, when it links a file: by its name, or by a download
/// handler's markup or text. `title` is the link's `title` attribute. For the rows of a
/// document register, whose every link is either a file or a page.
pub fn file_link(url: &Url, text: &str, title: Option<&str>) -> Option<Attachment> {
    let named = file_name(url);
    let by_name = named.as_ref().is_some_and(|(_, ext)| ext.is_some());
    if !(by_name || is_handler(url) || is_download_text(text)) {
        return None;
    }
    let label = title.filter(|t| !t.is_empty() && is_generic(text));
    Some(attachment(url.clone(), label.unwrap_or(text), named))
}

/// Whether an address may name a file or a download handler: a cheap screen before
/// [`file_name`] and [`is_handler`], which it never contradicts (every address they
/// accept holds one of these, in any case).
fn may_be_file(raw: &str) -> bool {
    static SCREEN: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| {
            let hints = [
                "download",
                "getfile",
                "tai-ve",
                "taive",
                "attachment",
                "document_library",
                "fileid",
                "file_id",
                "fileticket",
                "dl",
                "%2e",
            ];
            let dotted: Vec<String> = EXTENSIONS.iter().map(|e| format!(".{e}")).collect();
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(hints.iter().map(|h| h.to_string()).chain(dotted))
                .expect("static patterns")
        });
    SCREEN.is_match(raw)
}

/// Whether a link's text names no file ("Tải về", "tại đây", nothing).
fn is_generic(text: &str) -> bool {
    let f = fold_search(text.trim_end_matches([':', '.', ' ']));
    f.is_empty() || GENERIC_TEXTS.contains(&f.as_str())
}

/// The file's name in the URL, with its document extension when it has one: the last
/// path segment, or a query value that looks like a file name (`?file=QD-125.pdf`).
fn file_name(url: &Url) -> Option<(String, Option<&'static str>)> {
    let decode = |s: &str| {
        percent_decode(s)
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let ext_of = |name: &str| -> Option<&'static str> {
        let (_, ext) = name.rsplit_once('.')?;
        let ext = ext.to_ascii_lowercase();
        EXTENSIONS.iter().copied().find(|e| *e == ext)
    };
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .map(decode)
        .filter(|n| !n.is_empty());
    if let Some(n) = &last
        && let Some(ext) = ext_of(n)
    {
        return Some((n.clone(), Some(ext)));
    }
    for (_, v) in url.query_pairs() {
        let v = decode(&v);
        if let Some(ext) = ext_of(&v) {
            return Some((v, Some(ext)));
        }
    }
    // Liferay serves `/documents/<group>/<folder>/QD-125.pdf/<uuid>`: the name is a
    // folder of the path.
    if let Some(n) = url
        .path_segments()
        .into_iter()
        .flatten()
        .map(decode)
        .find(|n| ext_of(n).is_some())
    {
        let ext = ext_of(&n);
        return Some((n, ext));
    }
    last.map(|n| (n, None))
}

/// A download handler by its URL: a query that asks for a download (`?download=1`,
/// `op=download`, `dl=`, `fileid=`), SharePoint's list attachments, a handler script
/// (`DownloadFile.aspx`, `getfile.ashx`, `tai-ve.php`), or a `download`/`tai-ve` folder
/// followed by the file's id (`/van-ban/download/125`). A page about downloads
/// (`/downloads/`, `…-available-for-download/`) is none of these.
fn is_handler(url: &Url) -> bool {
    let by_query = url.query_pairs().any(|(k, v)| {
        let k = k.to_ascii_lowercase();
        // Joomla's `task=doc_download`, DotNetNuke's `LinkClick.aspx?fileticket=`.
        k.contains("download")
            || v.to_ascii_lowercase().contains("download")
            || matches!(
                k.as_str(),
                "dl" | "attachment" | "fileid" | "file_id" | "fileticket"
            )
    });
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.map(str::to_ascii_lowercase).collect())
        .unwrap_or_default();
    let script = segments.last().is_some_and(|last| {
        ["download", "getfile", "tai-ve", "taive"]
            .iter()
            .any(|p| last.starts_with(p))
            && [".aspx", ".ashx", ".php", ".jsp", ".do", ".cfm"]
                .iter()
                .any(|e| last.ends_with(e))
    });
    let folder = segments.windows(2).any(|w| {
        matches!(
            w[0].as_str(),
            "download" | "tai-ve" | "attachments" | "document_library"
        ) && !w[1].is_empty()
            && !w[1].ends_with(".html")
            && !w[1].ends_with(".htm")
    });
    by_query || script || folder
}

/// A link whose whole text says it downloads a file ("Tải về", "Tải xuống", "Download").
fn is_download_text(text: &str) -> bool {
    let f = fold_search(text.trim_end_matches([':', '.', ' ', '!']));
    [
        "tai ve",
        "tai xuong",
        "download",
        "tai file",
        "tai tep",
        "tai ve tep",
    ]
    .contains(&f.as_str())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = b.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(std::str::from_utf8(h).unwrap_or("zz"), 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn a_file_is_known_by_its_name_or_its_handler() {
        let (name, ext) = file_name(&url("http://p.test/uploads/2024/QD%20125-UBND.PDF")).unwrap();
        assert_eq!((name.as_str(), ext), ("QD 125-UBND.PDF", Some("pdf")));
        let (name, ext) =
            file_name(&url("http://p.test/DownloadFile.aspx?id=7&name=KH-12.docx")).unwrap();
        assert_eq!((name.as_str(), ext), ("KH-12.docx", Some("docx")));
        assert_eq!(
            file_name(&url("http://p.test/tin-tuc/bai-1.html"))
                .unwrap()
                .1,
            None
        );
        let (name, ext) = file_name(&url(
            "http://p.test/documents/10180/0/KH-12-UBND.docx/2a3c-77f1",
        ))
        .unwrap();
        assert_eq!((name.as_str(), ext), ("KH-12-UBND.docx", Some("docx")));
        for handler in [
            "http://p.test/van-ban/quyet-dinh-125.html?download",
            "http://p.test/index.php?nv=news&op=download&id=3",
            "http://p.test/Lists/TinTuc/Attachments/12/x",
            "http://p.test/download/3",
            "http://p.test/Portals/0/DownloadFile.aspx?id=7",
            "http://p.test/LinkClick.aspx?fileticket=aB3x%3d&tabid=87",
            "http://p.test/index.php?option=com_docman&task=doc_download&gid=12",
            "http://p.test/c/document_library/get_file?uuid=5e1&groupId=10180",
        ] {
            assert!(is_handler(&url(handler)), "{handler}");
            assert!(may_be_file(handler), "the screen passes {handler}");
        }
        for page in [
            "http://p.test/tin-tuc/bai-1.html?id=3",
            "http://p.test/downloads/",
            "http://p.test/2014/04/10/libreoffice-is-now-available-for-download/",
            "http://p.test/download/huong-dan.html",
        ] {
            assert!(!is_handler(&url(page)), "{page}");
        }
        for file in [
            "/uploads/2024/QD%20125-UBND.PDF",
            "DownloadFile.aspx?id=7&name=KH-12.docx",
            "/documents/10180/0/KH-12-UBND.docx/2a3c-77f1",
        ] {
            assert!(may_be_file(file), "the screen passes {file}");
        }
        assert!(!may_be_file("/tin-tuc/bai-1.html?id=3"));
        assert!(is_download_text("Tải về"));
        assert!(!is_download_text("Tin tức"));
        assert!(!is_download_text("Download Firefox Nightly"));
    }

    #[test]
    fn a_generic_link_text_gives_way_to_the_file_name() {
        let u = url("http://p.test/files/Ke-hoach-12.pdf");
        let named = file_name(&u);
        let a = attachment(u.clone(), "Tải về", named.clone());
        assert_eq!(a.title, "Ke-hoach-12.pdf");
        assert_eq!(a.media_type.as_deref(), Some("application/pdf"));
        let a = attachment(u, "Kế hoạch số 12/KH-UBND", named);
        assert_eq!(a.title, "Kế hoạch số 12/KH-UBND");
    }
}
