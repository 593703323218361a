//! How an engine's output is scored, one function per kind of truth.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use unicode_normalization::UnicodeNormalization;

/// NFC, no-break spaces as spaces, white space collapsed: the comparison the corpus's
/// `score.py` makes for titles, bylines and leaks.
pub fn norm(s: &str) -> String {
    let s: String = s.nfc().collect::<String>().replace('\u{a0}', " ");
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn words(s: &str) -> Vec<String> {
    let re = regex::Regex::new(r"\w+").unwrap();
    re.find_iter(&norm(s).to_lowercase())
        .map(|m| m.as_str().to_string())
        .collect()
}

/// Whether `got` is `want` without a site name before or after it ("Headline | Site",
/// "Headline - Author - Site", "Site: Headline"): Mozilla's expected titles keep what
/// `<title>` or `og:title` append, which portalfeed's headline leaves out by its spec.
pub fn same_but_site_name(got: &str, want: &str) -> bool {
    let (g, w) = (norm(got), norm(want));
    if g.is_empty() || g == w {
        return false;
    }
    let sep = |rest: &str| {
        let r = rest.trim_start();
        r.len() < rest.len()
            && r.starts_with(['-', '|', '–', '—', ':', '»', '·', '/', '_', '[', '('])
            || rest.starts_with(['（', '_'])
    };
    w.strip_prefix(g.as_str()).is_some_and(sep)
        || w.strip_suffix(g.as_str())
            .is_some_and(|rest| sep(&rest.chars().rev().collect::<String>()))
}

/// Bag-of-words F1 of the body, as the corpus's `score.py` computes it.
pub fn bag_f1(pred: &str, gold: &str) -> f64 {
    let count = |ws: Vec<String>| {
        let mut m: HashMap<String, usize> = HashMap::new();
        for w in ws {
            *m.entry(w).or_default() += 1;
        }
        m
    };
    let (p, g) = (count(words(pred)), count(words(gold)));
    let common: usize = p
        .iter()
        .map(|(w, n)| (*n).min(*g.get(w).unwrap_or(&0)))
        .sum();
    let (np, ng): (usize, usize) = (p.values().sum(), g.values().sum());
    if np == 0 && ng == 0 {
        return 1.0;
    }
    if common == 0 {
        return 0.0;
    }
    let (prec, rec) = (common as f64 / np as f64, common as f64 / ng as f64);
    2.0 * prec * rec / (prec + rec)
}

/// Whether `got` gives the date `want` gives: the same instant within a minute (a visible
/// date line prints no seconds) when `want` has a zone; the same wall-clock minute when it
/// has none (Mozilla's metadata often omits it); the same day when either is a date only.
pub fn same_date(got: Option<&str>, want: &str) -> bool {
    let Some(got) = got else { return false };
    let want = want.trim();
    let zoned = |s: &str| s.len() > 19 && (s.ends_with('Z') || s[19..].contains(['+', '-']));
    let instant = |s: &str| {
        portalfeed::extract::dates::parse_iso(s)
            .or_else(|| chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z").ok())
            .map(|d| d.timestamp())
    };
    let wall = |s: &str, n: usize| s.get(..n).map(|p| p.replace(' ', "T"));
    if got.len() == 10 || want.len() == 10 {
        return wall(got, 10).is_some() && wall(got, 10) == wall(want, 10);
    }
    if !zoned(want) {
        return wall(got, 16).is_some() && wall(got, 16) == wall(want, 16);
    }
    match (instant(got), instant(want)) {
        (Some(g), Some(w)) => g.abs_diff(w) < 60,
        _ => false,
    }
}

/// The news benchmark's own figures for bodies written to `pred/<id>.txt`: runs
/// `eval_extract.py` (4-word shingles, precision and recall averaged over pages) and returns
/// (F1, P, R) from its last line, with each page's F1 when `per_doc` names a file.
pub fn eval_extract(
    script: &Path,
    gold: &Path,
    pred: &Path,
    per_doc: Option<&Path>,
) -> Result<(f64, f64, f64), String> {
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .arg(gold)
        .arg(pred)
        .args(["--bootstrap", "0"]);
    if let Some(f) = per_doc {
        cmd.arg("--per-doc").arg(f);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("python3 {}: {e}", script.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or("");
    // "F1 x.xxx P x.xxx R x.xxx N n"
    let f: Vec<&str> = last.split_whitespace().collect();
    match f.as_slice() {
        ["F1", f1, "P", p, "R", r, ..] => Ok((
            f1.parse().unwrap_or(0.0),
            p.parse().unwrap_or(0.0),
            r.parse().unwrap_or(0.0),
        )),
        _ => Err(format!(
            "{}: no score line in its output: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}
