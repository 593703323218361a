//! How deep a page nests, read from its tags before it is parsed.
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
            | b"plaintext"
    )
}

/// Whether the page's tags nest deeper than `limit`. Stops reading at the first level
/// past it.
pub fn exceeds(html: &str, limit: usize) -> bool {
    let b = html.as_bytes();
    let mut depth = 0usize;
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
        let Some(tag_end) = tag_end(b, start + name_len) else {
            break;
        };
        let self_closing = tag_end > 0 && b[tag_end - 1] == b'/';
        i = tag_end + 1;
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
            match find_ignore_case(&b[i..], &close[..2 + name.len()]) {
                Some(e) => i += e,
                None => break,
            }
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

/// The index of the `>` that ends a tag whose attributes start at `from`, past quoted
/// values.
fn tag_end(b: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let k = at + memchr::memchr3(b'>', b'"', b'\'', &b[at..])?;
        match b[k] {
            b'>' => return Some(k),
            quote => at = k + 1 + memchr(quote, &b[k + 1..])? + 1,
        }
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

    #[test]
    fn counts_nesting_not_tags() {
        let nested = format!(
            "<html><body>{}x{}</body></html>",
            "<div>".repeat(50),
            "</div>".repeat(50)
        );
        assert!(exceeds(&nested, 49));
        assert!(!exceeds(&nested, 50));
        let siblings = "<div>x</div>".repeat(10_000);
        assert!(!exceeds(&siblings, 5));
    }

    #[test]
    fn sloppy_markup_and_raw_text_are_not_depth() {
        // Unclosed paragraphs and cells, void elements, self-closing tags.
        let sloppy = "<table><tr><td>a<td>b<tr><td>c</table>".repeat(500)
            + &"<p>text<br><img src=x><hr/>".repeat(2000);
        assert!(!exceeds(&sloppy, 5));
        // Tags inside scripts, styles and comments, and `>` in attribute values.
        let raw = format!(
            r#"<div title="a > b"><script>var s = "{}";</script><!-- {} --><style>div>p{{}}</style></div>"#,
            "<div>".repeat(5000),
            "<div>".repeat(5000)
        );
        assert!(!exceeds(&raw, 2));
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
        ] {
            let _ = exceeds(s, 1);
        }
    }
}
