//! Vietnamese text normalisation and the fingerprints that identify an article.
//!
//! Everything that decides whether two fetches carry the same article lives here, so the
//! rules are in one place: the corpus README's normalisation, the content key (SHA-256 over
//! the normalised paragraphs) and a SimHash over word shingles for near-duplicates.

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Zero-width characters that carry no text: ZWSP, ZWNJ, ZWJ, word joiner, BOM.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// The display normalisation used everywhere text leaves the extractor: NFC, every kind of
/// white space (NBSP included) folded to one ASCII space, zero-width characters removed,
/// leading and trailing space trimmed. Letters are kept as published (`Ð` stays `Ð`).
pub fn normalize(s: &str) -> String {
    // Decoded pages are already NFC, so the quick check almost always spares the work.
    match unicode_normalization::is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => collapse(s.chars()),
        _ => collapse(s.nfc()),
    }
}

/// Unicode NFC, without touching the white space.
pub fn nfc(s: &str) -> String {
    match unicode_normalization::is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => s.to_string(),
        _ => s.nfc().collect(),
    }
}

/// [`normalize`] for text known to be NFC already (the extractor composes a whole page
/// once, up front): white space folded and trimmed, zero-width characters removed.
pub fn collapse_space(s: &str) -> String {
    collapse(s.chars())
}

fn collapse(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    for c in chars {
        if is_zero_width(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// The length in characters that [`normalize`] would give, without building the string
/// (composition aside): white-space runs count one, zero-width characters none.
pub fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut in_space = true;
    for c in s.chars() {
        if is_zero_width(c) {
            continue;
        }
        if c.is_whitespace() {
            if !in_space {
                n += 1;
                in_space = true;
            }
        } else {
            n += 1;
            in_space = false;
        }
    }
    if in_space && n > 0 { n - 1 } else { n }
}

/// Folds the look-alike letters that old Vietnamese input methods produce: Icelandic eth
/// `Ð`/`ð` (U+00D0/U+00F0) becomes `Đ`/`đ` (U+0110/U+0111). Used only for identity, never
/// for display.
pub fn fold_eth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{00D0}' => '\u{0110}',
            '\u{00F0}' => '\u{0111}',
            c => c,
        })
        .collect()
}

/// The content key of an article body: each paragraph normalised and eth-folded, joined
/// with `\n`, hashed with SHA-256 (hex). Titles, dates, counters and bylines are outside
/// the paragraphs, so they never change the key.
pub fn content_key<S: AsRef<str>>(paragraphs: &[S]) -> String {
    let mut hasher = Sha256::new();
    let mut first = true;
    for p in paragraphs {
        let p = fold_eth(&normalize(p.as_ref()));
        if p.is_empty() {
            continue;
        }
        if !first {
            hasher.update(b"\n");
        }
        first = false;
        hasher.update(p.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Folds text for diacritic-insensitive matching: NFD, combining marks dropped, `đ`/`Đ`
/// (and the eth look-alikes) to `d`, lower case. `Dân vận khéo` and `dan van kheo` fold
/// to the same string.
pub fn fold_search(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) || is_zero_width(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            c if c.is_whitespace() => out.push(' '),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// A 64-bit SimHash over word 3-shingles of the folded text. Two bodies that differ by a
/// trimmed sentence or a changed caption land a few bits apart; different articles land
/// about 32 bits apart even when they share a template.
pub fn simhash(text: &str) -> u64 {
    let folded = fold_search(&fold_eth(text));
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return 0;
    }
    let mut weights = [0i32; 64];
    let width = 3.min(words.len());
    for shingle in words.windows(width) {
        let mut hasher = Sha256::new();
        for w in shingle {
            hasher.update(w.as_bytes());
            hasher.update(b" ");
        }
        let digest = hasher.finalize();
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        let h = u64::from_le_bytes(bytes);
        for (bit, weight) in weights.iter_mut().enumerate() {
            if h >> bit & 1 == 1 {
                *weight += 1;
            } else {
                *weight -= 1;
            }
        }
    }
    weights
        .iter()
        .enumerate()
        .filter(|(_, w)| **w > 0)
        .fold(0u64, |acc, (bit, _)| acc | 1 << bit)
}

/// Whether two texts state the same figures: every number of the shorter one appears in
/// the longer one, as often. Numbers are runs of digits with their `.`/`,` separators
/// ("42,3", "1.240").
pub fn same_figures(a: &str, b: &str) -> bool {
    fn figures(s: &str) -> std::collections::HashMap<String, usize> {
        let mut m = std::collections::HashMap::new();
        let mut cur = String::new();
        let mut flush = |cur: &mut String| {
            let n = cur.trim_end_matches(['.', ',']).to_string();
            if !n.is_empty() {
                *m.entry(n).or_insert(0) += 1;
            }
            cur.clear();
        };
        for c in s.chars() {
            if c.is_ascii_digit() || (!cur.is_empty() && (c == '.' || c == ',')) {
                cur.push(c);
            } else {
                flush(&mut cur);
            }
        }
        flush(&mut cur);
        m
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let (fs, fl) = (figures(short), figures(long));
    fs.iter().all(|(n, c)| fl.get(n).is_some_and(|l| l >= c))
}

/// Number of differing bits between two SimHashes.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Counts the words of a string (runs of alphanumeric characters).
pub fn word_count(s: &str) -> usize {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .count()
}

/// Query parameters that only track the visitor: dropped from canonical URLs.
fn is_tracking_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("utm_")
        || matches!(
            n.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "msclkid"
                | "zarsrc"
                | "zaloid"
                | "jsessionid"
                | "phpsessid"
                | "aspsessionid"
                | "sid"
                | "sessionid"
                | "_ga"
                | "mc_cid"
                | "mc_eid"
        )
}

/// The identity form of a URL: fragment removed, tracking parameters and session ids
/// (query, `;jsessionid=` path parameters, ASP.NET cookieless `(S(…))` segments) removed,
/// host lower-cased and the default port dropped (the `url` crate does those two). The
/// remaining query is kept byte for byte, because portals route on its exact spelling.
pub fn canonical_url(url: &url::Url) -> url::Url {
    let mut u = url.clone();
    u.set_fragment(None);
    let path = u.path().to_string();
    let mut new_path = String::with_capacity(path.len());
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            if seg.starts_with("(S(") || seg.starts_with("(s(") || seg.starts_with("(X(") {
                continue;
            }
            new_path.push('/');
        }
        let seg = match seg.to_ascii_lowercase().find(";jsessionid=") {
            Some(at) => &seg[..at],
            None => seg,
        };
        new_path.push_str(seg);
    }
    if new_path != path {
        u.set_path(&new_path);
    }
    if let Some(q) = u.query().map(str::to_string) {
        let kept: Vec<&str> = q
            .split('&')
            .filter(|pair| {
                let name = pair.split('=').next().unwrap_or("");
                !pair.is_empty() && !is_tracking_param(name)
            })
            .collect();
        if kept.is_empty() {
            u.set_query(None);
        } else if kept.len() != q.split('&').count() {
            u.set_query(Some(&kept.join("&")));
        }
    }
    u
}

/// Whether two URLs are on the same site: same host, ignoring a leading `www.`.
pub fn same_site(a: &url::Url, b: &url::Url) -> bool {
    fn bare(u: &url::Url) -> Option<String> {
        u.host_str()
            .map(|h| h.trim_start_matches("www.").to_ascii_lowercase())
    }
    bare(a).is_some() && bare(a) == bare(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_urls_drop_tracking_and_sessions() {
        let u = |s: &str| canonical_url(&url::Url::parse(s).unwrap()).to_string();
        assert_eq!(
            u("HTTP://Portal.TEST:80/a.html?utm_source=fb&id=3#top"),
            "http://portal.test/a.html?id=3"
        );
        assert_eq!(
            u("https://x.test/a;jsessionid=ABC123?fbclid=1&gclid=2&zarsrc=30"),
            "https://x.test/a"
        );
        assert_eq!(
            u("http://x.test/(S(abcdef))/Pages/a.aspx"),
            "http://x.test/Pages/a.aspx"
        );
        assert_eq!(
            u("http://x.test/c.aspx?CategoryId=1&Name=D%C3%A2n%20v%E1%BA%ADn"),
            "http://x.test/c.aspx?CategoryId=1&Name=D%C3%A2n%20v%E1%BA%ADn"
        );
    }

    #[test]
    fn same_site_ignores_www() {
        let a = url::Url::parse("http://www.longan.gov.vn/a").unwrap();
        let b = url::Url::parse("http://longan.gov.vn/b").unwrap();
        let c = url::Url::parse("http://evil.test/b").unwrap();
        assert!(same_site(&a, &b));
        assert!(!same_site(&a, &c));
    }

    #[test]
    fn normalize_composes_and_collapses_space() {
        let nfd = "Co\u{0302}\u{0301}ng  thông\u{00A0}\u{00A0}tin\u{200B} ";
        assert_eq!(normalize(nfd), "Cống thông tin");
        assert_eq!(normalize("  \n\t "), "");
    }

    #[test]
    fn figures_must_agree() {
        let a = "Năm 2023, huyện hỗ trợ 120 hộ với 1.240 triệu đồng, tỷ lệ 42,3%.";
        assert!(same_figures(a, a));
        assert!(
            same_figures("Năm 2023, huyện hỗ trợ 120 hộ.", a),
            "a trimmed sentence drops figures"
        );
        assert!(!same_figures(
            a,
            "Năm 2023, huyện hỗ trợ 98 hộ với 1.240 triệu đồng, tỷ lệ 42,3%."
        ));
        assert!(!same_figures(
            a,
            "Năm 2023, huyện hỗ trợ 120 hộ với 1.240 triệu đồng, tỷ lệ 49,7%."
        ));
    }

    #[test]
    fn visible_len_matches_normalize() {
        for s in ["  a  b ", "", "   ", "Đà\u{a0}\u{a0}Nẵng\u{200b}!", "x"] {
            assert_eq!(visible_len(s), normalize(s).chars().count(), "{s:?}");
        }
    }

    #[test]
    fn normalize_keeps_eth_but_key_folds_it() {
        assert_eq!(normalize("Ðảng"), "Ðảng");
        assert_eq!(content_key(&["Ðảng ủy"]), content_key(&["Đảng ủy"]));
        assert_eq!(content_key(&["ðến"]), content_key(&["đến"]));
    }

    #[test]
    fn key_ignores_spacing_and_empty_paragraphs() {
        let a = content_key(&["Một  đoạn\u{00A0}văn.", "", "Hai."]);
        let b = content_key(&["Một đoạn văn.", "Hai."]);
        assert_eq!(a, b);
        assert_ne!(a, content_key(&["Một đoạn văn. Hai."]));
    }

    #[test]
    fn search_folding_drops_marks_and_folds_d() {
        assert_eq!(fold_search("Dân vận khéo"), "dan van kheo");
        assert_eq!(fold_search("Đảng ủy"), "dang uy");
        assert_eq!(fold_search("ÐẠI"), "dai");
    }

    #[test]
    fn simhash_is_close_for_small_edits_and_far_for_other_text() {
        let base = "Sáng 9-7, Thường trực Huyện ủy Mỹ Thạnh tổ chức hội nghị đối thoại giữa người đứng đầu cấp ủy, chính quyền với nhân dân năm 2020. Tham dự có gần 200 đại biểu là cán bộ ấp, người có uy tín, hội viên nông dân, phụ nữ, cựu chiến binh và đoàn viên thanh niên trên địa bàn huyện. Tại hội nghị, người dân đã nêu 27 ý kiến, kiến nghị tập trung vào các vấn đề tiếp cận vốn vay, xây dựng giao thông nông thôn và bảo vệ môi trường.";
        let edited = format!("{base} Theo Báo Phù Sa.");
        let other = "Ủy ban nhân dân huyện Đakrông tổ chức lễ ra quân hưởng ứng Ngày Chuyển đổi số quốc gia, với sự tham gia của đoàn viên thanh niên các xã, hướng dẫn người dân cài đặt ứng dụng định danh điện tử và thanh toán không dùng tiền mặt tại chợ trung tâm.";
        assert!(hamming(simhash(base), simhash(&edited)) <= 6);
        assert!(hamming(simhash(base), simhash(other)) > 12);
    }
}
