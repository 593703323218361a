//! Vietnamese text normalisation and the fingerprints that identify an article.
//!
//! Everything that decides whether two fetches carry the same article lives here, so the
//! rules are in one place: the corpus README's normalisation, the content key (SHA-256 over
//! the normalised paragraphs), word shingles with their MinHash band keys and resemblance
//! for near-duplicates, and the canonical form of URLs.

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

/// The word 3-shingles of a text, folded for matching (diacritics, case, `đ`/eth) and
/// hashed. The unit of near-duplicate detection.
pub fn shingles(text: &str) -> std::collections::HashSet<u64> {
    let folded = fold_search(&fold_eth(text));
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let width = 3.min(words.len());
    if width == 0 {
        return Default::default();
    }
    words
        .windows(width)
        .map(|w| {
            let mut h = Sha256::new();
            for word in w {
                h.update(word.as_bytes());
                h.update(b" ");
            }
            let d = h.finalize();
            u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
        })
        .collect()
}

/// MinHash signature size and its banding for LSH: 16 bands of 4 rows. Two texts whose
/// shingle sets have Jaccard similarity 0.8 share a band with probability 0.9998; at 0.3
/// with probability 0.12. A shared band only makes a candidate: [`resemblance`] decides.
pub const MINHASH_BANDS: usize = 16;
const MINHASH_ROWS: usize = 4;

/// splitmix64: a fast, well-mixed 64-bit permutation, the hash family of the MinHash.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The LSH band keys of a shingle set: one 64-bit key per band (the band number mixed
/// in), to be indexed. Empty for a text without shingles.
pub fn minhash_bands(shingles: &std::collections::HashSet<u64>) -> Vec<i64> {
    if shingles.is_empty() {
        return Vec::new();
    }
    let mut mins = [u64::MAX; MINHASH_BANDS * MINHASH_ROWS];
    for &s in shingles {
        for (i, m) in mins.iter_mut().enumerate() {
            let h = mix(s ^ mix(i as u64 + 1));
            if h < *m {
                *m = h;
            }
        }
    }
    mins.chunks(MINHASH_ROWS)
        .enumerate()
        .map(|(band, rows)| rows.iter().fold(mix(band as u64), |acc, r| mix(acc ^ r)) as i64)
        .collect()
}

/// How much of the shorter text the longer one contains, by shingles: 1.0 when one is a
/// trimmed or extended copy of the other. Texts of very different length (a notice and
/// the long article that quotes it) are not near-duplicates, whatever they share: below
/// a length ratio of 0.6 this is 0.
pub fn resemblance(a: &std::collections::HashSet<u64>, b: &std::collections::HashSet<u64>) -> f64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if small.is_empty() || (small.len() as f64) < 0.6 * large.len() as f64 {
        return 0.0;
    }
    small.intersection(large).count() as f64 / small.len() as f64
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
    fn resemblance_of_small_edits_and_of_other_text() {
        let base = "Sáng 9-7, Thường trực Huyện ủy Mỹ Thạnh tổ chức hội nghị đối thoại giữa người đứng đầu cấp ủy, chính quyền với nhân dân năm 2020. Tham dự có gần 200 đại biểu là cán bộ ấp, người có uy tín, hội viên nông dân, phụ nữ, cựu chiến binh và đoàn viên thanh niên trên địa bàn huyện. Tại hội nghị, người dân đã nêu 27 ý kiến, kiến nghị tập trung vào các vấn đề tiếp cận vốn vay, xây dựng giao thông nông thôn và bảo vệ môi trường.";
        let edited = format!("{base} Theo Báo Phù Sa.");
        let other = "Ủy ban nhân dân huyện Đakrông tổ chức lễ ra quân hưởng ứng Ngày Chuyển đổi số quốc gia, với sự tham gia của đoàn viên thanh niên các xã, hướng dẫn người dân cài đặt ứng dụng định danh điện tử và thanh toán không dùng tiền mặt tại chợ trung tâm.";
        let (a, b, c) = (shingles(base), shingles(&edited), shingles(other));
        assert!(resemblance(&a, &b) > 0.95);
        assert!(resemblance(&a, &c) < 0.1);
        let shared = minhash_bands(&a)
            .iter()
            .zip(minhash_bands(&b))
            .filter(|(x, y)| **x == *y)
            .count();
        assert!(shared >= 1, "a near-duplicate shares an LSH band");
        assert!(minhash_bands(&shingles("")).is_empty());
        assert_eq!(shingles("Ðảng ủy"), shingles("đảng uy"));
    }
}
