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
//! The same pass finds what no stage reads: the text of scripts and style sheets (more
//! than half the bytes of a news page; JSON-LD excepted), comments, and the drawing inside
//! each inline `<svg>` (icons and charts, a tenth of what is left; an `svg` is never
//! content). [`prepare`] hands the parser the page without them, and the tree it builds is
//! otherwise the same: each cut is made only where the parser is sure to read the same
//! extent as the scan.

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
/// `<style>` is left out, their tags kept; so are comments, and the content of each
/// well-formed inline `<svg>` (its own tag kept). Cutting raw text short never moves its
/// end tag, so every other element is parsed as before; a script holding `<!--` (where
/// the parser's escaped states decide the end), a comment holding `--!>` (which also ends
/// one), anything inside `<svg>` or `<math>` (where `<script>` is not raw text) and an
/// `<svg>` the parser could leave early (an HTML tag such as `<p>` inside it, or an end
/// tag that closes no element of the drawing) are kept whole.
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

/// An inline `<svg>` being read, whose content may be left out.
struct Drawing<'b> {
    /// Where its content starts: just after its start tag.
    content: usize,
    /// The elements open inside it, as written.
    open: Vec<&'b [u8]>,
    /// Whether the parser is sure to read all of it as the drawing: false once an HTML
    /// tag that ends foreign content, an end tag that closes no open element of the
    /// drawing, or raw text holding a tag has been seen.
    whole: bool,
}

/// Start tags that end foreign content: the parser closes the `<svg>` before them, so
/// what follows is page content (the HTML standard's list, `font` taken whatever its
/// attributes).
fn breaks_out(name: &[u8]) -> bool {
    matches!(
        name,
        b"b" | b"big"
            | b"blockquote"
            | b"body"
            | b"br"
            | b"center"
            | b"code"
            | b"dd"
            | b"div"
            | b"dl"
            | b"dt"
            | b"em"
            | b"embed"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"head"
            | b"hr"
            | b"i"
            | b"img"
            | b"li"
            | b"listing"
            | b"menu"
            | b"meta"
            | b"nobr"
            | b"ol"
            | b"p"
            | b"pre"
            | b"ruby"
            | b"s"
            | b"small"
            | b"span"
            | b"strong"
            | b"strike"
            | b"sub"
            | b"sup"
            | b"table"
            | b"tt"
            | b"u"
            | b"ul"
            | b"var"
            | b"font"
    )
}

/// The pass behind [`prepare`]: true when the depth passes `limit` (reading stops at
/// the first level past it);
/// `unread` is given, in order, the byte range of each script's or style sheet's text,
/// comment and drawing that no stage reads.
fn scan(html: &str, limit: usize, mut unread: impl FnMut(Range<usize>)) -> bool {
    let b = html.as_bytes();
    let mut depth = 0usize;
    // Open `<svg>` and `<math>`: foreign content, where `<script>` is an element like any.
    let mut foreign = 0usize;
    // The outermost `<svg>` open, when it opened outside other foreign content.
    let mut drawing: Option<Drawing> = None;
    let mut i = 0;
    while let Some(off) = memchr(b'<', &b[i..]) {
        let lt = i + off;
        i = lt + 1;
        let Some(&c) = b.get(i) else { break };
        if c == b'!' || c == b'?' {
            // A comment, a doctype or a processing instruction.
            let comment = b[i..].starts_with(b"!--");
            let end = if comment {
                find(&b[i..], b"-->").map(|e| e + 3)
            } else {
                memchr(b'>', &b[i..]).map(|e| e + 1)
            };
            let Some(e) = end else { break };
            if comment && foreign == 0 && find(&b[i..i + e], b"--!>").is_none() {
                unread(lt..i + e);
            }
            i += e;
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
        let written = &b[start..start + name_len];
        if let Some(d) = drawing.as_mut() {
            if closing && d.open.is_empty() && name == b"svg" {
                if d.whole && whole_name && lt > d.content {
                    unread(d.content..lt);
                }
                drawing = None;
            } else if closing {
                if whole_name
                    && d.open
                        .last()
                        .is_some_and(|o| o.eq_ignore_ascii_case(written))
                {
                    d.open.pop();
                } else {
                    d.whole = false;
                }
            } else if breaks_out(name) || !whole_name {
                d.whole = false;
            } else if !self_closing {
                d.open.push(written);
            }
        } else if name == b"svg" && !closing && !self_closing && whole_name && foreign == 0 {
            drawing = Some(Drawing {
                content: i,
                open: Vec::new(),
                whole: true,
            });
        }
        if matches!(name, b"svg" | b"math") {
            if closing {
                foreign = foreign.saturating_sub(1);
                if foreign == 0 {
                    // Left with elements of a malformed drawing open: nothing was cut.
                    drawing = None;
                }
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
            if let Some(d) = drawing.as_mut()
                && memchr(b'<', text).is_some()
            {
                // Markup to the parser inside a drawing, where `title` or `style` is no
                // raw text: it may read tags the scan skipped.
                d.whole = false;
            }
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
            // A script tag inside other raw text.
            "<noscript><script>x</script></noscript>",
            "<textarea><script>x</script></textarea>",
            "<title>a <style> b</style></title>",
        ] {
            assert_eq!(prepare(page, 100).unwrap(), page);
        }
        // A script tag in a comment goes with the comment; the end tag after it is no
        // script's.
        assert_eq!(
            prepare("<!-- <script> --><p>kept</p></script>", 100).unwrap(),
            "<p>kept</p></script>"
        );
        // An apostrophe in an unquoted value opens no quote, so the script after it is
        // still found, and the text after that untouched.
        assert_eq!(
            prepare("<img alt=it's><script>x</script><p>'kept'</p>", 100).unwrap(),
            "<img alt=it's><script></script><p>'kept'</p>"
        );
    }

    /// What the stages read of a parsed page: its elements with their attributes and its
    /// text, in order, without script and style text (JSON-LD kept), comments, or what an
    /// `<svg>` holds; text split by a comment reads as one.
    fn shape(doc: &scraper::Html) -> Vec<String> {
        use scraper::Node;
        let mut out: Vec<String> = Vec::new();
        let mut text_last = false;
        for n in doc.tree.root().descendants() {
            if n.ancestors()
                .any(|a| a.value().as_element().is_some_and(|e| e.name() == "svg"))
            {
                continue;
            }
            match n.value() {
                Node::Element(e) => {
                    out.push(format!(
                        "<{} {:?}>",
                        e.name(),
                        e.attrs().collect::<Vec<_>>()
                    ));
                    text_last = false;
                }
                Node::Text(t) => {
                    let parent = n.parent().and_then(|p| p.value().as_element());
                    let ld = parent
                        .and_then(|e| e.attr("type"))
                        .is_some_and(|t| t.contains("ld+json"));
                    if parent.is_some_and(|e| matches!(e.name(), "script" | "style")) && !ld {
                        continue;
                    }
                    match out.last_mut() {
                        Some(last) if text_last => last.push_str(t),
                        _ => out.push(t.to_string()),
                    }
                    text_last = true;
                }
                _ => {}
            }
        }
        out
    }

    fn parses_alike(html: &str) -> bool {
        let prepared = prepare(html, 2048).unwrap();
        shape(&scraper::Html::parse_document(html))
            == shape(&scraper::Html::parse_document(&prepared))
    }

    #[test]
    fn comments_and_drawings_are_left_out() {
        let page = concat!(
            r#"<p>a<!-- note -->b</p><!--[if IE]><p>old</p><![endif]-->"#,
            r#"<a href="/"><svg class="icon" viewBox="0 0 9 9"><title>Home</title>"#,
            r#"<g><path d="M0 0h9v9z"/><svg><rect/></svg></g></svg>Home</a>"#,
        );
        assert_eq!(
            prepare(page, 100).unwrap(),
            r#"<p>ab</p><a href="/"><svg class="icon" viewBox="0 0 9 9"></svg>Home</a>"#
        );
        assert!(parses_alike(page));
    }

    #[test]
    fn a_drawing_the_parser_may_leave_early_is_kept() {
        for page in [
            // An HTML tag ends foreign content: the paragraph is page text.
            "<svg><g><p>page text</p></g></svg>",
            // An end tag that closes no element of the drawing closes the page's `div`.
            "<div><svg><g></div><p>after</p></svg>",
            // A `--!>` ends a comment where the scan would not.
            "<!-- a --!><p>text</p><!-- b -->",
            // `title` is no raw text inside a drawing: its tags are elements.
            "<svg><title>a<b>c</b></title></svg><p>x</p>",
            // Never closed.
            "<svg><g>",
            // Inside `<math>`, outside the scan's notion of a drawing.
            "<math><svg><circle/></svg></math>",
        ] {
            assert_eq!(prepare(page, 100).unwrap(), page, "{page}");
            assert!(parses_alike(page), "{page}");
        }
    }

    /// Every fixture page parses to the same tree with and without what `prepare` leaves
    /// out, but for that.
    #[test]
    fn fixture_pages_parse_alike_without_unread_markup() {
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
                    assert!(parses_alike(&html), "{}", path.display());
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
