//! The body as clean HTML: serialised with absolute URLs and without dropped blocks, then
//! passed through the allow-list sanitiser.

use ego_tree::NodeId;
use rustc_hash::FxHashSet;
use scraper::Node;

use super::Page;

impl<'a> Page<'a> {
    /// Serialises the body without the removed nodes, then sanitises it with an allow-list.
    pub(super) fn clean_html(&self, body: NodeId, dropped: &FxHashSet<NodeId>) -> String {
        let Some(root) = self.node(body) else {
            return String::new();
        };
        let left_out = self.left_out_of(body);
        let mut out = String::with_capacity(4096);
        let mut skipping: Option<NodeId> = None;
        // Each element written and still open: where its tag starts and its content.
        let mut opened: Vec<(usize, usize)> = Vec::new();
        for edge in root.traverse() {
            match edge {
                ego_tree::iter::Edge::Open(n) => {
                    if skipping.is_some() {
                        continue;
                    }
                    if n.id() != body && dropped.contains(&n.id()) {
                        skipping = Some(n.id());
                        continue;
                    }
                    match n.value() {
                        Node::Element(el) => {
                            if n.id() == body {
                                continue;
                            }
                            if left_out(n.id(), el) {
                                skipping = Some(n.id());
                                continue;
                            }
                            let tag_at = out.len();
                            out.push('<');
                            out.push_str(el.name());
                            if el.name() == "img" {
                                if let Some(src) = self.image_url(el) {
                                    push_attr(&mut out, "src", &src);
                                }
                                if let Some(alt) = el.attr("alt") {
                                    push_attr(&mut out, "alt", alt);
                                }
                            } else {
                                // Links are made absolute here; the sanitiser then refuses
                                // anything relative that is left.
                                if let Some(href) =
                                    el.attr("href").and_then(|h| self.base.join(h.trim()).ok())
                                {
                                    push_attr(&mut out, "href", href.as_str());
                                }
                                for attr in ["title", "colspan", "rowspan"] {
                                    if let Some(v) = el.attr(attr) {
                                        push_attr(&mut out, attr, v);
                                    }
                                }
                            }
                            out.push('>');
                            if !is_void(el.name()) {
                                opened.push((tag_at, out.len()));
                            }
                        }
                        Node::Text(t) => escape_into(&mut out, t),
                        _ => {}
                    }
                }
                ego_tree::iter::Edge::Close(n) => {
                    if let Some(s) = skipping {
                        if s == n.id() {
                            skipping = None;
                        }
                        continue;
                    }
                    if n.id() == body {
                        continue;
                    }
                    if let Node::Element(el) = n.value()
                        && !is_void(el.name())
                    {
                        let (tag_at, inner_at) = opened.pop().unwrap_or((out.len(), out.len()));
                        // A heading or paragraph left empty (the headline and date line
                        // the body repeated, now fields) would show as a blank line.
                        if is_emptiable(el.name())
                            && out[inner_at..]
                                .chars()
                                .all(|c| c.is_whitespace() || c == '\u{a0}')
                        {
                            out.truncate(tag_at);
                            continue;
                        }
                        out.push_str("</");
                        out.push_str(el.name());
                        out.push('>');
                    }
                }
            }
        }
        sanitize(&out)
    }
}

/// Elements that mean nothing without content: an empty one is left out of the HTML.
/// Table cells, rows and lists keep their place even when empty.
fn is_emptiable(name: &str) -> bool {
    matches!(
        name,
        "p" | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "div"
            | "span"
            | "strong"
            | "b"
            | "em"
            | "i"
            | "u"
            | "a"
            | "font"
            | "center"
            | "small"
            | "section"
            | "article"
            | "blockquote"
    )
}

/// A lead's HTML as block markup: a template that prints the lead as bare text in a `div`
/// gives a text node, which a reader would run into the first paragraph.
pub(super) fn as_paragraph(html: String) -> String {
    let t = html.trim_start();
    let block = [
        "<p",
        "<div",
        "<figure",
        "<ul",
        "<ol",
        "<table",
        "<h",
        "<blockquote",
        "<img",
    ]
    .iter()
    .any(|b| t.starts_with(b));
    if t.is_empty() || block {
        html
    } else {
        format!("<p>{html}</p>")
    }
}

pub(super) fn is_void(tag: &str) -> bool {
    matches!(
        tag,
        "br" | "img" | "hr" | "wbr" | "col" | "area" | "source" | "track"
    )
}

pub(super) fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_into(out, value);
    out.push('"');
}

pub(super) fn escape_into(out: &mut String, s: &str) {
    // Runs between the four special characters are copied whole.
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// The allow-list sanitiser: no scripts, styles, event handlers, frames, foreign schemes
/// or relative URLs (the serialiser has made every link absolute); empty paragraphs
/// removed.
pub fn sanitize(html: &str) -> String {
    static POLICY: std::sync::LazyLock<ammonia::Builder<'static>> =
        std::sync::LazyLock::new(|| {
            let mut b = ammonia::Builder::default();
            b.url_relative(ammonia::UrlRelative::Deny)
                .url_schemes(["http", "https", "mailto"].into_iter().collect())
                .link_rel(Some("noopener noreferrer nofollow"));
            b
        });
    let cleaned = POLICY.clean(html).to_string();
    // Collapse the blank structure that removed chrome leaves behind.
    let mut s = cleaned.trim().to_string();
    // Every empty element below holds "></" or "> </": two scans usually settle it.
    if !s.contains("></") && !s.contains("> </") {
        return s;
    }
    for empty in [
        "<p></p>",
        "<p> </p>",
        "<div></div>",
        "<div> </div>",
        "<span></span>",
        "<strong></strong>",
        "<em></em>",
    ] {
        while s.contains(empty) {
            s = s.replace(empty, "");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_text_and_encodes_markup() {
        let mut out = String::from(">");
        escape_into(&mut out, "Tin & ảnh: <b>\"Đà Nẵng\"</b>&");
        assert_eq!(
            out,
            ">Tin &amp; ảnh: &lt;b&gt;&quot;Đà Nẵng&quot;&lt;/b&gt;&amp;"
        );
        let mut plain = String::new();
        escape_into(&mut plain, "");
        assert_eq!(plain, "");
    }
}
