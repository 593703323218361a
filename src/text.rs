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

/// What the character starting at byte `i` of `b` is to the white-space rules.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Glyph {
    /// `char::is_whitespace` (Unicode White_Space: ASCII space and controls, NEL, NBSP,
    /// the U+2000 spaces, line and paragraph separators, ideographic space).
    Space,
    /// [`is_zero_width`].
    ZeroWidth,
    Visible,
}

/// [`Glyph`] of the character starting at byte `i`, and its length in bytes, read from the
/// UTF-8 bytes directly. Every white-space and zero-width character starts with one of
/// five lead bytes, so the others need no decoding; `glyphs_match_char_properties` checks
/// this against `char` for every scalar value. The extractor runs this over every text
/// node of every page.
#[inline(always)]
fn glyph_at(b: &[u8], i: usize) -> (Glyph, usize) {
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match b[i] {
        b'\t'..=b'\r' | b' ' => (Glyph::Space, 1),
        0..=0x7f => (Glyph::Visible, 1),
        0xc2 => (
            if matches!(at(1), 0x85 | 0xa0) {
                Glyph::Space
            } else {
                Glyph::Visible
            },
            2,
        ),
        0xe1 if at(1) == 0x9a && at(2) == 0x80 => (Glyph::Space, 3),
        0xe2 => (
            match (at(1), at(2)) {
                (0x80, 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf) | (0x81, 0x9f) => Glyph::Space,
                (0x80, 0x8b..=0x8d) | (0x81, 0xa0) => Glyph::ZeroWidth,
                _ => Glyph::Visible,
            },
            3,
        ),
        0xe3 if at(1) == 0x80 && at(2) == 0x80 => (Glyph::Space, 3),
        0xef if at(1) == 0xbb && at(2) == 0xbf => (Glyph::ZeroWidth, 3),
        lead => (Glyph::Visible, utf8_len(lead)),
    }
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// The display normalisation used everywhere text leaves the extractor: NFC, every kind of
/// white space (NBSP included) folded to one ASCII space, zero-width characters removed,
/// leading and trailing space trimmed. Letters are kept as published (`Ð` stays `Ð`).
pub fn normalize(s: &str) -> String {
    // Decoded pages are already NFC, so the check almost always spares the work.
    if is_nfc(s) {
        collapse_space(s)
    } else {
        collapse(s.nfc())
    }
}

/// Unicode NFC, without touching the white space.
pub fn nfc(s: &str) -> String {
    to_nfc(s).into_owned()
}

/// Whether nothing composes backward into `c` and `c` reorders with nothing before it:
/// a starter with NFC_Quick_Check=Yes. A string can be cut before such a character and
/// each part composed alone.
fn is_safe_starter(c: char) -> bool {
    static SAFE: std::sync::LazyLock<Vec<u64>> = std::sync::LazyLock::new(|| {
        let mut bits = vec![0u64; 0x10000 / 64];
        for c in (0..0x10000u32).filter_map(char::from_u32) {
            if unicode_normalization::char::canonical_combining_class(c) == 0
                && unicode_normalization::is_nfc_quick(std::iter::once(c))
                    == unicode_normalization::IsNormalized::Yes
            {
                bits[c as usize / 64] |= 1 << (c as usize % 64);
            }
        }
        bits
    });
    let u = c as usize;
    if u < 0x10000 {
        SAFE[u / 64] & (1 << (u % 64)) != 0
    } else {
        unicode_normalization::char::canonical_combining_class(c) == 0
            && unicode_normalization::is_nfc_quick(std::iter::once(c))
                == unicode_normalization::IsNormalized::Yes
    }
}

/// `s` in NFC, borrowed when it already is. Only the runs around characters that may
/// change are composed, each from the safe starter before it to the next one: a page
/// with one stray combining mark costs a scan, not a composition of all its markup.
pub fn to_nfc(s: &str) -> std::borrow::Cow<'_, str> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let b = s.as_bytes();
    let mut out: Option<String> = None;
    // `s[..copied]` is in `out`; `last_safe` is where the last safe starter begins.
    let (mut copied, mut last_safe, mut i) = (0usize, 0usize, 0usize);
    while i < b.len() {
        if let Some(block) = b.get(i..i + 16) {
            let (lo, hi) = block.split_at(8);
            let word = |x: &[u8]| u64::from_ne_bytes(x.try_into().unwrap_or([0xff; 8]));
            if (word(lo) | word(hi)) & HIGH == 0 {
                i += 16;
                last_safe = i - 1;
                continue;
            }
        }
        let x = b[i];
        // ASCII, and the lead bytes of characters below U+0300: safe starters.
        if x < 0x80 || (0xc0..0xcc).contains(&x) {
            last_safe = i;
            i += 1;
            continue;
        }
        if x < 0xc0 {
            i += 1; // a continuation byte
            continue;
        }
        // Latin Extended Additional (U+1E00–U+1EFF), the Vietnamese letters with two
        // marks: safe starters, skipped without decoding.
        if x == 0xe1 && matches!(b.get(i + 1), Some(0xb8..=0xbb)) {
            last_safe = i;
            i += 3;
            continue;
        }
        let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else {
            break; // not at a character boundary: cannot happen in a `str`
        };
        if is_safe_starter(c) {
            last_safe = i;
            i += c.len_utf8();
            continue;
        }
        let start = last_safe.max(copied);
        let mut end = i + c.len_utf8();
        while let Some(next) = s.get(end..).and_then(|rest| rest.chars().next()) {
            if is_safe_starter(next) {
                break;
            }
            end += next.len_utf8();
        }
        // Copy the page only once a run actually changes: a mark that composes with
        // nothing (IPA, a lone accent) leaves the page borrowed.
        let run = &s[start..end];
        if !run.nfc().eq(run.chars()) {
            let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
            o.push_str(&s[copied..start]);
            o.extend(run.nfc());
            copied = end;
        }
        last_safe = end;
        i = end;
    }
    match out {
        None => std::borrow::Cow::Borrowed(s),
        Some(mut o) => {
            o.push_str(&s[copied..]);
            std::borrow::Cow::Owned(o)
        }
    }
}

/// Whether `s` is certainly in NFC. A string made only of characters that are starters
/// (combining class 0) with NFC_Quick_Check=Yes is NFC; that covers ASCII, Latin-1 and
/// the precomposed Vietnamese letters, so real pages are answered by one scan with a
/// table lookup per non-ASCII character. Anything else goes to the crate's quick check,
/// and a "maybe" counts as no: the caller then composes, which changes nothing when the
/// text was NFC after all.
pub fn is_nfc(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    // Bytes below 0xCC are ASCII, continuation bytes, or lead bytes of characters below
    // U+0300, all of which are safe starters. Markup is ASCII, skipped 16 bytes at a time
    // by a test of their high bits; any other block is read character by character.
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while i < b.len() {
        let block_end = (i + 16).min(b.len());
        if let Some(block) = b.get(i..i + 16) {
            let (lo, hi) = block.split_at(8);
            let word = |x: &[u8]| u64::from_ne_bytes(x.try_into().unwrap_or([0xff; 8]));
            if (word(lo) | word(hi)) & HIGH == 0 {
                i = block_end;
                continue;
            }
        }
        while i < block_end {
            if b[i] < 0xcc {
                i += 1;
                continue;
            }
            // Latin Extended Additional (U+1E00–U+1EFF), where the Vietnamese letters
            // with two marks live: all safe starters.
            if b[i] == 0xe1 && matches!(b.get(i + 1), Some(0xb8..=0xbb)) {
                i += 3;
                continue;
            }
            let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else {
                return false;
            };
            if !is_safe_starter(c) {
                return unicode_normalization::is_nfc_quick(s.chars())
                    == unicode_normalization::IsNormalized::Yes;
            }
            i += c.len_utf8();
        }
    }
    true
}

/// [`normalize`] for text known to be NFC already (the extractor composes a whole page
/// once, up front): white space folded and trimmed, zero-width characters removed.
pub fn collapse_space(s: &str) -> String {
    // Copies runs of kept characters as slices: the same result as `collapse(s.chars())`,
    // without decoding and pushing character by character (this runs on every text block
    // of a page).
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let mut run: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        let (glyph, len) = glyph_at(b, i);
        if glyph == Glyph::Visible {
            run.get_or_insert(i);
        } else {
            if let Some(start) = run.take() {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push_str(&s[start..i]);
            }
            if glyph == Glyph::Space {
                pending_space = !out.is_empty();
            }
        }
        i += len;
    }
    if let Some(start) = run {
        if pending_space {
            out.push(' ');
        }
        out.push_str(&s[start..]);
    }
    out
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
    let b = s.as_bytes();
    let mut n = 0;
    let mut in_space = true;
    let mut i = 0;
    while i < b.len() {
        let (glyph, len) = glyph_at(b, i);
        match glyph {
            Glyph::ZeroWidth => {}
            Glyph::Space => {
                if !in_space {
                    n += 1;
                    in_space = true;
                }
            }
            Glyph::Visible => {
                n += 1;
                in_space = false;
            }
        }
        i += len;
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

/// The identity of a register's document: its issuer and its number, folded (no
/// diacritics, `Đ` as `D`, no spaces, one case), so that `125/QĐ-UBND`, `125/QD-UBND` and
/// `125 /QĐ-UBND` from one issuer are one document.
pub fn document_key(issuer: &str, number: &str) -> String {
    let squeeze = |s: &str| -> String {
        fold_search(s)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    format!("doc:{}|{}", squeeze(issuer), squeeze(number))
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

/// What identifies an article's text to the store (DESIGN.md, identity): its content key
/// (an exact re-post or an unchanged page), its word shingles (how much of another text
/// it contains) and their LSH band keys (which stored texts are worth comparing). Worked
/// out here, before the store's transaction, so the store only decides with it.
#[derive(Debug, Clone)]
pub struct Identity {
    pub key: String,
    pub shingles: Shingles,
    pub bands: Vec<i64>,
}

impl Identity {
    /// The identity of a body given as its paragraphs (an article's `paragraphs`).
    pub fn of<S: AsRef<str>>(paragraphs: &[S]) -> Identity {
        let body: Vec<&str> = paragraphs.iter().map(AsRef::as_ref).collect();
        let shingles = shingles(&body.join("\n\n"));
        Identity {
            key: content_key(paragraphs),
            bands: minhash_bands(&shingles),
            shingles,
        }
    }
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

/// A text's shingle hashes (already hashes, so the set itself hashes them cheaply).
pub type Shingles = rustc_hash::FxHashSet<u64>;

/// The word 3-shingles of a text, folded for matching (diacritics, case, `đ`/eth) and
/// hashed: each word once with XXH3 (a fixed, published function, so stored band keys
/// stay valid across builds), each shingle by chaining its words' hashes through `mix`.
/// The unit of near-duplicate detection.
pub fn shingles(text: &str) -> Shingles {
    let folded = fold_search(text);
    let words: Vec<u64> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| xxhash_rust::xxh3::xxh3_64(w.as_bytes()))
        .collect();
    let width = 3.min(words.len());
    if width == 0 {
        return Default::default();
    }
    words
        .windows(width)
        .map(|w| w.iter().fold(0, |acc, &h| mix(acc ^ h)))
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
pub fn minhash_bands(shingles: &Shingles) -> Vec<i64> {
    if shingles.is_empty() {
        return Vec::new();
    }
    // The i-th hash of the family is `mix(s ^ seed_i)`; the seeds are worked out once.
    let seeds: [u64; MINHASH_BANDS * MINHASH_ROWS] = std::array::from_fn(|i| mix(i as u64 + 1));
    let mut mins = [u64::MAX; MINHASH_BANDS * MINHASH_ROWS];
    for &s in shingles {
        for (m, seed) in mins.iter_mut().zip(&seeds) {
            let h = mix(s ^ seed);
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
pub fn resemblance(a: &Shingles, b: &Shingles) -> f64 {
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

/// Whether a text (composed, NFC) reads as Vietnamese: at least one letter in twenty is
/// one only Vietnamese writes among the Latin scripts (`ă â đ ê ô ơ ư` and the letters
/// with two marks, U+1EA0–U+1EF9). French or Portuguese share a few of them, never that
/// many.
pub fn is_vietnamese(s: &str) -> bool {
    let (mut letters, mut marked) = (0usize, 0usize);
    for c in s.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        if matches!(
            c,
            'ă' | 'Ă' | 'â' | 'Â' | 'đ' | 'Đ' | 'ê' | 'Ê' | 'ô' | 'Ô' | 'ơ' | 'Ơ' | 'ư' | 'Ư'
        ) || ('\u{1ea0}'..='\u{1ef9}').contains(&c)
        {
            marked += 1;
        }
    }
    letters > 0 && marked * 20 >= letters
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

/// Text for a terminal: control characters other than newline and tab written out as
/// `\u{1b}`, so that a page's title can neither clear the screen (`ESC[2J`), set the
/// window title nor ring the bell when a command prints it.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A log field's value with every control character written out, newlines and tabs too:
/// one event stays one line.
pub fn log_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {

    #[test]
    fn terminal_safe_writes_out_control_characters() {
        assert_eq!(terminal_safe("Tin mới\tđây\n"), "Tin mới\tđây\n");
        assert_eq!(
            terminal_safe("Tin \u{1b}[2Jmới\u{7}\r"),
            "Tin \\u{1b}[2Jmới\\u{7}\\u{d}"
        );
    }
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn glyphs_match_char_properties() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            let want = if c.is_whitespace() {
                Glyph::Space
            } else if is_zero_width(c) {
                Glyph::ZeroWidth
            } else {
                Glyph::Visible
            };
            assert_eq!(
                glyph_at(bytes, 0),
                (want, bytes.len()),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn characters_below_u0300_are_nfc_starters() {
        // `is_nfc` skips every byte below 0xCC without a lookup.
        for c in (0..0x300u32).filter_map(char::from_u32) {
            assert_eq!(unicode_normalization::char::canonical_combining_class(c), 0);
            assert_eq!(
                unicode_normalization::is_nfc_quick(std::iter::once(c)),
                unicode_normalization::IsNormalized::Yes,
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn latin_extended_additional_is_nfc_starters() {
        // `is_nfc` skips U+1E00–U+1EFF by their first two bytes.
        for c in (0x1e00..=0x1effu32).filter_map(char::from_u32) {
            assert_eq!(unicode_normalization::char::canonical_combining_class(c), 0);
            assert_eq!(
                unicode_normalization::is_nfc_quick(std::iter::once(c)),
                unicode_normalization::IsNormalized::Yes,
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn is_nfc_cases() {
        assert!(is_nfc("Đà Nẵng, “Hội nghị” – 2024… ₫ 한국 日本"));
        assert!(!is_nfc("Tie\u{302}\u{301}ng Vie\u{323}\u{302}t")); // NFD
        assert!(!is_nfc("a\u{301}"));
        assert!(!is_nfc("\u{2126}")); // OHM SIGN, a singleton: NFC is U+03A9
        assert!(!is_nfc("\u{1100}\u{1161}")); // conjoining jamo compose
        assert!(is_nfc("\u{1F600} emoji"));
    }

    proptest! {
        /// `is_nfc` never calls a string NFC that composition would change.
        #[test]
        fn is_nfc_is_never_wrong(
            s in proptest::collection::vec(prop_oneof![
                Just('a'), Just('e'), Just('ê'), Just('Đ'), Just('\u{301}'), Just('\u{302}'), Just('\u{323}'),
                Just('\u{2126}'), Just('\u{1100}'), Just('\u{1161}'), Just('가'), Just('\u{0958}'),
                Just('ệ'), Just(' '), any::<char>(),
            ], 0..24).prop_map(|v| v.into_iter().collect::<String>())
        ) {
            let composed: String = s.nfc().collect();
            if is_nfc(&s) {
                prop_assert_eq!(&composed, &s);
            }
            prop_assert!(is_nfc(&composed) || unicode_normalization::is_nfc_quick(composed.chars())
                != unicode_normalization::IsNormalized::Yes);
        }

        /// Composing only the runs around changeable characters gives what composing the
        /// whole string gives.
        #[test]
        fn to_nfc_matches_whole_string_composition(
            s in "([a-z<>é\u{0300}-\u{0345}\u{1100}-\u{1175}\u{ac00}\u{3099}\u{304b}\u{0b47}\u{0b3e}\u{1f600}\u{2126} ]|e\u{0301}|\u{1ec7}\u{0323}){0,40}"
        ) {
            let whole: String = s.nfc().collect();
            let parts = to_nfc(&s);
            prop_assert_eq!(parts.as_ref(), whole.as_str());
            // The page is copied only when composing changes it.
            prop_assert_eq!(matches!(parts, std::borrow::Cow::Borrowed(_)), whole == s);
        }

        /// The slice-copying `collapse_space` and `visible_len` agree with the plain
        /// character loop on any mix of letters, white space of every kind and zero-width
        /// characters.
        #[test]
        fn collapse_space_matches_the_character_loop(
            s in proptest::collection::vec(prop_oneof![
                Just(' '), Just('\n'), Just('\t'), Just('\u{a0}'), Just('\u{3000}'), Just('\u{2003}'),
                Just('\u{200b}'), Just('\u{feff}'), Just('\u{2060}'), Just('a'), Just('Đ'), Just('ệ'),
                Just('\u{301}'), any::<char>(),
            ], 0..40).prop_map(|v| v.into_iter().collect::<String>())
        ) {
            let slow = collapse(s.chars());
            prop_assert_eq!(collapse_space(&s), slow.clone());
            prop_assert_eq!(visible_len(&s), slow.chars().count());
        }
    }

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

    #[test]
    fn vietnamese_text_is_told_from_other_latin_scripts() {
        assert!(is_vietnamese(
            "Chiều 14/11, Ban Chỉ đạo Đề án 06 huyện Cần Đước tổ chức hội nghị sơ kết"
        ));
        assert!(is_vietnamese(
            "Ngày 15-7, đoàn khảo sát của Ban Dân vận Tỉnh ủy"
        ));
        for other in [
            "The company said on Tuesday that it would cut 300 jobs.",
            "Le président a annoncé une réforme des retraites à l'été.",
            "O governo português anunciou novas medidas económicas.",
            "",
        ] {
            assert!(!is_vietnamese(other), "{other}");
        }
    }
}
