//! How deep a page nests, read from its tags before it is parsed, and what the parser
//! need not read.
//!
//! The HTML parser's cost grows with the depth of its stack of open elements: each start
//! tag checks the stack, so 50,000 nested `<div>`s took 6 s before the refusal that came
//! after the parse. A hostile page must cost what its size costs, so the depth is
//! estimated first by one pass over the tags, and a page far deeper than any article is
//! refused before the parser sees it.
//!
//! The estimate counts start tags against end tags. Elements whose end tag may be left
//! out (`p`, `li`, `td`, `option`, …) and void elements are not counted, so a sloppy
//! page is not taken for a deep one; raw text (`script`, `style`, comments) is skipped.
//!
//! The same pass finds the text of scripts and style sheets, which is more than half the
//! bytes of a news page and which no stage reads (JSON-LD excepted): [`prepare`] hands the
//! parser the page without it, and the tree it builds is otherwise the same.

use std::borrow::Cow;
use std::ops::Range;

use memchr::memchr;
use memchr::memmem::find;

/// Elements that never nest: void elements, and those whose end tag is implied by the
/// next sibling (the parser closes them; counting them would overstate sloppy pages).
fn uncounted(name: &[u8]) -> bool {
    matches!(
        name,
        b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"source"
            | b"track"
            | b"wbr"
            | b"param"
            | b"keygen"
            | b"p"
            | b"li"
            | b"dt"
            | b"dd"
            | b"tr"
            | b"td"
            | b"th"
            | b"thead"
            | b"tbody"
            | b"tfoot"
            | b"option"
            | b"optgroup"
            | b"rt"
            | b"rp"
            | b"colgroup"
            | b"caption"
            | b"html"
            | b"head"
            | b"body"
    )
}

/// Elements whose content is raw text up to their end tag.
fn raw_text(name: &[u8]) -> bool {
    matches!(
        name,
        b"script"
            | b"style"
            | b"textarea"
            | b"title"
            | b"xmp"
            | b"iframe"
            | b"noembed"
            | b"noframes"
            | b"noscript"
            | b"plaintext"
    )
}

/// The page as the parser needs to read it, or `None` when its tags nest deeper than
/// `limit`: the text of each `<script>` (but JSON-LD, which the metadata reads) and each
/// `<style>` is left out, their tags kept. Cutting raw text short never moves its end
/// tag, so every other element is parsed as before; a script holding `<!--` (where the
/// parser's escaped states decide the end) and anything inside `<svg>` or `<math>`
/// (where `<script>` is not raw text) are kept whole.
pub fn prepare(html: &str, limit: usize) -> Option<Cow<'_, str>> {
    let mut cut: Vec<Range<usize>> = Vec::new();
    if scan(html, limit, |r| cut.push(r)) {
        return None;
    }
    if cut.is_empty() {
        return Some(Cow::Borrowed(html));
    }
    let removed: usize = cut.iter().map(|r| r.len()).sum();
    let mut out = String::with_capacity(html.len() - removed);
    let mut at = 0;
    for r in cut {
        out.push_str(&html[at..r.start]);
        at = r.end;
    }
    out.push_str(&html[at..]);
    Some(Cow::Owned(out))
}

/// The pass behind [`prepare`]: true when the depth passes `limit` (reading stops at
/// the first level past it);
/// `unread` is given the byte range of each script's or style sheet's text that no
/// stage reads.
fn scan(html: &str, limit: usize, mut unread: impl FnMut(Range<usize>)) -> bool {
    let b = html.as_bytes();
    let mut depth = 0usize;
    // Open `<svg>` and `<math>`: foreign content, where `<script>` is an element like any.
    let mut foreign = 0usize;
    let mut i = 0;
    while let Some(off) = memchr(b'<', &b[i..]) {
        i += off + 1;
        let Some(&c) = b.get(i) else { break };
        if c == b'!' || c == b'?' {
            // A comment, a doctype or a processing instruction.
            let end = if b[i..].starts_with(b"!--") {
                find(&b[i..], b"-->").map(|e| e + 3)
            } else {
                memchr(b'>', &b[i..]).map(|e| e + 1)
            };
            match end {
                Some(e) => i += e,
                None => break,
            }
            continue;
        }
        let closing = c == b'/';
        let start = if closing { i + 1 } else { i };
        let name_len = b[start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-' || **c == b':')
            .count();
        if name_len == 0 || !b[start].is_ascii_alphabetic() {
            continue;
        }
        // Lower-cased on the stack: the names compared are all short, and a longer one
        // (a custom element) is counted like any other.
        let mut buf = [0u8; 16];
        let len = name_len.min(buf.len());
        for (d, s) in buf.iter_mut().zip(&b[start..start + len]) {
            *d = s.to_ascii_lowercase();
        }
        let name = &buf[..if name_len > buf.len() { 0 } else { len }];
        // The parser's name runs to whitespace, `/` or `>`: `<script_x>` is not a script.
        let whole_name = matches!(
            b.get(start + name_len),
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>')
        );
        let Some(tag_end) = tag_end(b, start + name_len) else {
            break;
        };
        let self_closing = tag_end > 0 && b[tag_end - 1] == b'/';
        let attrs = &b[start + name_len..tag_end];
        i = tag_end + 1;
        if matches!(name, b"svg" | b"math") {
            if closing {
                foreign = foreign.saturating_sub(1);
            } else if !self_closing {
                foreign += 1;
            }
        }
        if uncounted(name) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
            continue;
        }
        if raw_text(name) {
            // Up to the matching end tag, whatever it holds.
            let mut close = [0u8; 18];
            close[..2].copy_from_slice(b"</");
            close[2..2 + name.len()].copy_from_slice(name);
            let Some(e) = find_ignore_case(&b[i..], &close[..2 + name.len()]) else {
                break;
            };
            let text = &b[i..i + e];
            let unneeded = match name {
                b"style" => true,
                b"script" => {
                    find(text, b"<!--").is_none() && !contains_ignore_case(attrs, b"ld+json")
                }
                _ => false,
            };
            if unneeded && whole_name && foreign == 0 && !text.is_empty() {
                unread(i..i + e);
            }
            i += e;
            continue;
        }
        if !self_closing {
            depth += 1;
            if depth > limit {
                return true;
            }
        }
    }
    false
}

fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// The index of the `>` that ends a tag whose attributes start at `from`, read as the
/// parser reads them: a quote starts a quoted value only right after `=` (`alt=it's` is
/// one unquoted value), and a `>` inside a quoted value does not end the tag.
fn tag_end(b: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let k = at + memchr::memchr2(b'>', b'=', &b[at..])?;
        if b[k] == b'>' {
            return Some(k);
        }
        let mut v = k + 1;
        while b
            .get(v)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'))
        {
            v += 1;
        }
        at = match *b.get(v)? {
            q @ (b'"' | b'\'') => v + 1 + memchr(q, &b[v + 1..])? + 1,
            _ => v,
        };
    }
}

/// The next `</name` in any case: each `</` found by memchr, its name compared.
fn find_ignore_case(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = find(&hay[from..], b"</") {
        let at = from + k;
        if hay
            .get(at..at + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
        {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn too_deep(html: &str, limit: usize) -> bool {
        prepare(html, limit).is_none()
    }

    #[test]
    fn counts_nesting_not_tags() {
        let nested = format!(
            "<html><body>{}x{}</body></html>",
            "<div>".repeat(50),
            "</div>".repeat(50)
        );
        assert!(too_deep(&nested, 49));
        assert!(!too_deep(&nested, 50));
        let siblings = "<div>x</div>".repeat(10_000);
        assert!(!too_deep(&siblings, 5));
    }

    #[test]
    fn sloppy_markup_and_raw_text_are_not_depth() {
        // Unclosed paragraphs and cells, void elements, self-closing tags.
        let sloppy = "<table><tr><td>a<td>b<tr><td>c</table>".repeat(500)
            + &"<p>text<br><img src=x><hr/>".repeat(2000);
        assert!(!too_deep(&sloppy, 5));
        // Tags inside scripts, styles and comments, and `>` in attribute values.
        let raw = format!(
            r#"<div title="a > b"><script>var s = "{}";</script><!-- {} --><style>div>p{{}}</style></div>"#,
            "<div>".repeat(5000),
            "<div>".repeat(5000)
        );
        assert!(!too_deep(&raw, 2));
    }

    #[test]
    fn the_parser_is_spared_script_and_style_text_only() {
        let page = concat!(
            r#"<html><head><style>p { color: red }</style>"#,
            r#"<script type="application/ld+json">{"headline": "<b>kept</b>"}</script>"#,
            r#"<script>if (a < b) { document.write("<div>") }</script></head>"#,
            r#"<body><p>one</p><SCRIPT src=x.js>var s = "</div>";</SCRIPT><p>two</p></body></html>"#
        );
        assert_eq!(
            prepare(page, 100).unwrap(),
            concat!(
                r#"<html><head><style></style>"#,
                r#"<script type="application/ld+json">{"headline": "<b>kept</b>"}</script>"#,
                r#"<script></script></head>"#,
                r#"<body><p>one</p><SCRIPT src=x.js></SCRIPT><p>two</p></body></html>"#
            )
        );
        assert!(matches!(
            prepare("<p>no scripts</p>", 100),
            Some(Cow::Borrowed(_))
        ));
        assert!(prepare(&"<div>".repeat(20), 10).is_none(), "too deep");
    }

    #[test]
    fn text_the_parser_reads_another_way_is_kept() {
        for page in [
            // An escaped script: where it ends is the parser's to decide.
            "<script><!--<script>x</script>y--></script><p>after</p>",
            // Foreign content: `<script>` and `<style>` are elements like any there.
            "<svg><script>a<b</script><style>c</style></svg>",
            // Not a script: the parser's tag name runs to a space, `/` or `>`.
            "<script_x>a</script_x>",
            // A script tag in a comment, or inside other raw text.
            "<!-- <script> --><p>kept</p></script>",
            "<noscript><script>x</script></noscript>",
            "<textarea><script>x</script></textarea>",
            "<title>a <style> b</style></title>",
        ] {
            assert_eq!(prepare(page, 100).unwrap(), page);
        }
        // An apostrophe in an unquoted value opens no quote, so the script after it is
        // still found, and the text after that untouched.
        assert_eq!(
            prepare("<img alt=it's><script>x</script><p>'kept'</p>", 100).unwrap(),
            "<img alt=it's><script></script><p>'kept'</p>"
        );
    }

    /// Every fixture page parses to the same tree with and without its script and style
    /// text, but for that text.
    #[test]
    fn fixture_pages_parse_alike_without_script_text() {
        use scraper::{Html, Node};
        fn shape(doc: &Html) -> Vec<String> {
            doc.tree
                .root()
                .descendants()
                .filter_map(|n| match n.value() {
                    Node::Element(e) => Some(format!(
                        "<{} {:?}>",
                        e.name(),
                        e.attrs().collect::<Vec<_>>()
                    )),
                    Node::Text(t) => {
                        let parent = n
                            .parent()
                            .and_then(|p| p.value().as_element().map(|e| e.name().to_string()));
                        let ld = n
                            .parent()
                            .and_then(|p| p.value().as_element())
                            .and_then(|e| e.attr("type"))
                            .is_some_and(|t| t.contains("ld+json"));
                        match parent.as_deref() {
                            Some("script" | "style") if !ld => None,
                            _ => Some(t.to_string()),
                        }
                    }
                    Node::Comment(c) => Some(format!("<!--{}-->", &**c)),
                    _ => None,
                })
                .collect()
        }
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut pages = 0;
        let mut cut = 0;
        let mut stack = vec![fixtures];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "html") {
                    let bytes = std::fs::read(&path).unwrap();
                    let html = String::from_utf8_lossy(&bytes);
                    let prepared = prepare(&html, 2048).unwrap();
                    pages += 1;
                    if prepared.len() < html.len() {
                        cut += 1;
                    }
                    assert_eq!(
                        shape(&Html::parse_document(&html)),
                        shape(&Html::parse_document(&prepared)),
                        "{}",
                        path.display()
                    );
                }
            }
        }
        assert!(
            pages >= 40 && cut >= 20,
            "{pages} pages, {cut} with script text"
        );
    }

    #[test]
    fn truncated_markup_does_not_panic() {
        for s in [
            "<",
            "<div",
            "<!--",
            "<script>",
            "</",
            "<div a=\"",
            "<a\u{e9}>",
            "<script>x",
            "<img alt=",
            "<img alt= '",
        ] {
            let _ = too_deep(s, 1);
            let _ = prepare(s, 1);
        }
    }
}
