//! From response bytes to text: BOM, then the HTTP charset, then `<meta charset>` or
//! `http-equiv`, then detection; a declared legacy charset yields to bytes that are valid
//! UTF-8 with non-ASCII text. windows-1258 stores most tone marks as combining
//! characters, so the result is composed to NFC before anything else reads it.

use encoding_rs::Encoding;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("not an HTML page: the body is {0}")]
    NotHtml(&'static str),
    #[error("empty response body")]
    Empty,
}

/// A decoded page and how its charset was found.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    pub had_errors: bool,
}

/// Recognises binary bodies by their magic numbers, whatever the Content-Type claims.
pub fn sniff_binary(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(16)];
    let kinds: &[(&[u8], &str)] = &[
        (b"%PDF-", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
        (b"\xD0\xCF\x11\xE0", "an old Office document"),
        (b"\x1F\x8B", "gzip data"),
        (b"RIFF", "a RIFF media file"),
    ];
    kinds
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, k)| *k)
}

/// Whether a Content-Type names a document we can read as HTML or XML.
pub fn is_markup_type(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime.is_empty()
        || mime.starts_with("text/")
        || mime.contains("html")
        || mime.contains("xml")
        || mime == "application/octet-stream"
}

/// Decodes an HTML page. `content_type` is the whole HTTP header value, if any.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> Result<Decoded, DecodeError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DecodeError::Empty);
    }
    if let Some(kind) = sniff_binary(bytes) {
        return Err(DecodeError::NotHtml(kind));
    }
    if let Some(ct) = content_type
        && !is_markup_type(ct)
    {
        let mime = ct.split(';').next().unwrap_or("").trim();
        return Err(DecodeError::NotHtml(match mime {
            m if m.starts_with("image/") => "an image",
            m if m.starts_with("video/") || m.starts_with("audio/") => "media",
            "application/pdf" => "a PDF document",
            _ => "not text",
        }));
    }
    let bom = Encoding::for_bom(bytes).map(|(e, _)| e);
    let declared = content_type
        .and_then(charset_param)
        .and_then(|c| Encoding::for_label(c.as_bytes()))
        .or_else(|| meta_charset(bytes));
    // A declared legacy charset loses to bytes that are valid UTF-8 with non-ASCII text in
    // them: a page converted to UTF-8 whose template still says windows-1258 or gb2312 is
    // common, while legacy text that happens to be valid UTF-8 throughout practically never
    // occurs. Decoding it as declared would turn every accented letter into mojibake.
    let declared = declared.map(|e| {
        if e != encoding_rs::UTF_8 && !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok() {
            encoding_rs::UTF_8
        } else {
            e
        }
    });
    let encoding = bom.or(declared).unwrap_or_else(|| {
        // Valid UTF-8 is what detection would answer; it need not read the page for it.
        if std::str::from_utf8(bytes).is_ok() {
            return encoding_rs::UTF_8;
        }
        let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        det.feed(bytes, true);
        det.guess(Some(b"vn"), chardetng::Utf8Detection::Allow)
    });
    // A page that declares UTF-16 in a meta tag is really ASCII-compatible (WHATWG rule).
    let encoding = if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
        if Encoding::for_bom(bytes).is_some() {
            encoding
        } else {
            encoding_rs::UTF_8
        }
    } else {
        encoding
    };
    let (text, _, had_errors) = encoding.decode(bytes);
    let text = crate::text::to_nfc(&text).into_owned();
    Ok(Decoded {
        text,
        encoding,
        had_errors,
    })
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// The charset declared by `<meta charset>` or `<meta http-equiv=Content-Type>` in the
/// first 4 KiB, as the HTML prescan does.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let start = from + at;
        let end = find(&lower[start..], b">")
            .map(|e| start + e)
            .unwrap_or(lower.len());
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset") {
            let rest = &tag[c + 7..];
            let rest = rest
                .iter()
                .skip_while(|b| b.is_ascii_whitespace())
                .copied()
                .collect::<Vec<_>>();
            if rest.first() == Some(&b'=') {
                let value: Vec<u8> = rest[1..]
                    .iter()
                    .skip_while(|b| b.is_ascii_whitespace() || **b == b'"' || **b == b'\'')
                    .take_while(|b| {
                        !(b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b';' | b'/' | b'>'))
                    })
                    .copied()
                    .collect();
                if let Some(e) = Encoding::for_label(&value) {
                    return Some(e);
                }
            }
        }
        from = end;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_charset_wins_over_meta() {
        let page = "<meta charset=windows-1252><p>Đà Nẵng</p>".as_bytes();
        let d = decode_html(page, Some("text/html; charset=UTF-8")).unwrap();
        assert_eq!(d.encoding, encoding_rs::UTF_8);
        assert!(d.text.contains("Đà Nẵng"));
    }

    #[test]
    fn windows_1258_from_http_equiv_is_composed() {
        // "Việt" in windows-1258: V i ê (0xEA) + combining dot below (0xF2) t.
        let mut page = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1258\"></head><body>Vi".to_vec();
        page.extend_from_slice(&[0xEA, 0xF2]);
        page.extend_from_slice(b"t</body></html>");
        let d = decode_html(&page, Some("text/html")).unwrap();
        assert_eq!(d.encoding, encoding_rs::WINDOWS_1258);
        assert!(d.text.contains("Việt"), "{}", d.text);
    }

    #[test]
    fn valid_utf8_beats_a_declared_legacy_charset() {
        let page = "<meta charset=gb2312><p>Đà Nẵng 人工智能</p>".as_bytes();
        let d = decode_html(page, None).unwrap();
        assert_eq!(d.encoding, encoding_rs::UTF_8);
        assert!(d.text.contains("Đà Nẵng 人工智能"), "{}", d.text);
        let d = decode_html(page, Some("text/html; charset=windows-1258")).unwrap();
        assert!(d.text.contains("Đà Nẵng"), "{}", d.text);
        // ASCII-only pages keep what they declare: nothing tells them apart.
        let d = decode_html(b"<meta charset=windows-1258><p>ok</p>", None).unwrap();
        assert_eq!(d.encoding, encoding_rs::WINDOWS_1258);
    }

    #[test]
    fn bom_wins() {
        let mut page = vec![0xEF, 0xBB, 0xBF];
        page.extend_from_slice("<meta charset=windows-1258>Hà Nội".as_bytes());
        let d = decode_html(&page, Some("text/html; charset=iso-8859-1")).unwrap();
        assert!(d.text.contains("Hà Nội"));
    }

    #[test]
    fn binary_bodies_are_refused() {
        assert_eq!(
            decode_html(b"%PDF-1.4 ...", Some("text/html")).unwrap_err(),
            DecodeError::NotHtml("a PDF document")
        );
        assert!(decode_html(b"\x89PNG\r\n", None).is_err());
        assert!(decode_html(b"<p>x</p>", Some("application/pdf")).is_err());
        assert_eq!(decode_html(b"  ", None).unwrap_err(), DecodeError::Empty);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let d = decode_html(b"<p>ok \xFF\xFE here</p>", Some("text/html; charset=utf-8")).unwrap();
        assert!(d.had_errors);
        assert!(d.text.contains("ok"));
    }
}
