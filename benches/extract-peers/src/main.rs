//! Extraction benchmark: portalfeed against dom_smoothie (a readability.js port) and
//! trafilatura (a go-trafilatura port), on the same decoded pages, single-threaded.
//!
//!     cargo run --release --manifest-path benches/extract-peers/Cargo.toml
//!
//! For each engine it reports quality (bag-of-words body F1 as the corpus's score.py
//! computes it, leaked boilerplate strings, exact titles, dates and authors), speed
//! (pages/s over repeated passes) and peak resident memory. Each engine runs in its own
//! child process so that the peak memory is its own, in interleaved rounds (`--rounds`,
//! default 5, of `--seconds` each, default 2) whose median is reported.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

const ENGINES: &[&str] = &[
    "portalfeed",
    "portalfeed-generic",
    "dom_smoothie",
    "trafilatura",
];

struct Page {
    name: String,
    html: String,
    url: String,
    expected: serde_json::Value,
    paragraphs: Vec<String>,
}

#[derive(Deserialize)]
struct SiteToml {
    #[serde(default)]
    page: Vec<PageToml>,
}

#[derive(Deserialize)]
struct PageToml {
    file: String,
    content_type: String,
}

/// What an engine produced for one page.
#[derive(Default)]
struct Output {
    title: String,
    text: String,
    /// RFC 3339 or a bare date, as the engine gives it.
    date: Option<String>,
    author: Option<String>,
}

fn load(roots: &[PathBuf]) -> Vec<Page> {
    let mut pages = Vec::new();
    for root in roots {
        let mut dirs = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            if d.join("site.toml").exists() {
                dirs.push(d.clone());
            }
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                }
            }
        }
        dirs.sort();
        for dir in dirs {
            let site: SiteToml =
                toml::from_str(&std::fs::read_to_string(dir.join("site.toml")).unwrap()).unwrap();
            let ct: HashMap<String, String> = site
                .page
                .into_iter()
                .map(|p| (p.file, p.content_type))
                .collect();
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .collect();
            files.sort();
            for f in files {
                let fname = f.file_name().unwrap().to_string_lossy().to_string();
                if !fname.ends_with("expected.json") {
                    continue;
                }
                let exp: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
                let mut variants: Vec<(String, Vec<String>)> = Vec::new();
                if let Some(vs) = exp["versions"].as_array() {
                    for v in vs {
                        variants.push((
                            v["file"].as_str().unwrap().to_string(),
                            strings(&v["paragraphs"]),
                        ));
                    }
                } else {
                    let stem = fname.strip_suffix(".expected.json").unwrap_or("article");
                    variants.push((format!("{stem}.html"), strings(&exp["paragraphs"])));
                }
                for (file, paragraphs) in variants {
                    let bytes = std::fs::read(dir.join(&file)).unwrap();
                    let decoded = portalfeed::fetch::decode::decode_html(
                        &bytes,
                        ct.get(&file).map(String::as_str),
                    )
                    .unwrap();
                    pages.push(Page {
                        name: format!(
                            "{}/{}",
                            dir.strip_prefix(root).unwrap_or(&dir).display(),
                            file
                        ),
                        html: decoded.text,
                        url: exp["url"].as_str().unwrap().to_string(),
                        expected: exp.clone(),
                        paragraphs,
                    });
                }
            }
        }
    }
    pages
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn run(engine: &str, page: &Page) -> Output {
    match engine {
        "portalfeed" | "portalfeed-generic" => {
            let rules = portalfeed::extract::ArticleRules {
                profile: (engine == "portalfeed-generic").then(|| "generic".to_string()),
                ..Default::default()
            };
            let url = url::Url::parse(&page.url).unwrap();
            match portalfeed::extract::extract(&page.html, &url, &rules) {
                Ok(a) => Output {
                    title: a.title.clone(),
                    text: a.text(),
                    date: a.published.map(|d| d.to_rfc3339()),
                    author: a.author,
                },
                Err(_) => Output::default(),
            }
        }
        "dom_smoothie" => {
            let Ok(mut r) =
                dom_smoothie::Readability::new(page.html.as_str(), Some(&page.url), None)
            else {
                return Output::default();
            };
            match r.parse() {
                Ok(a) => Output {
                    title: a.title.clone(),
                    text: a.text_content.to_string(),
                    date: a.published_time.clone(),
                    author: a.byline.clone(),
                },
                Err(_) => Output::default(),
            }
        }
        "trafilatura" => {
            let opts = trafilatura::Options::default();
            match trafilatura::extract(&page.html, &opts) {
                Ok(r) => Output {
                    title: r.metadata.title.clone(),
                    text: r.content_text.clone(),
                    date: r.metadata.date.map(|d| d.to_string()),
                    author: (!r.metadata.author.is_empty()).then(|| r.metadata.author.clone()),
                },
                Err(_) => Output::default(),
            }
        }
        other => panic!("unknown engine {other}"),
    }
}

fn norm(s: &str) -> String {
    let s: String = s.nfc().collect::<String>().replace('\u{a0}', " ");
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn words(s: &str) -> Vec<String> {
    let re = regex::Regex::new(r"\w+").unwrap();
    re.find_iter(&norm(s).to_lowercase())
        .map(|m| m.as_str().to_string())
        .collect()
}

fn f1(pred: &str, gold: &str) -> f64 {
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

/// Same instant for RFC 3339 answers; same calendar day for engines that give a date only.
fn same_date(got: Option<&str>, want: &str) -> bool {
    let Some(got) = got else { return false };
    let want_dt = chrono_like(want);
    match (chrono_like(got), want_dt) {
        (Some(g), Some(w)) => g == w,
        _ => got.len() == 10 && want.starts_with(got),
    }
}

fn chrono_like(s: &str) -> Option<i64> {
    portalfeed::extract::dates::parse_iso(s).map(|d| d.timestamp())
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn measure(engine: &str, pages: &[Page], seconds: f64) -> serde_json::Value {
    let (mut f1_sum, mut leaks, mut titles, mut dates, mut authors) = (0.0, 0, 0, 0, 0);
    for p in pages {
        let out = run(engine, p);
        f1_sum += f1(&out.text, &p.paragraphs.join("\n\n"));
        let seen = norm(&format!("{} {}", out.title, out.text));
        leaks += p.expected["must_not_contain"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| {
                let s = norm(s.as_str().unwrap());
                !s.is_empty() && seen.contains(&s)
            })
            .count();
        titles += usize::from(norm(&out.title) == norm(p.expected["title"].as_str().unwrap_or("")));
        dates += usize::from(same_date(
            out.date.as_deref(),
            p.expected["published"].as_str().unwrap_or(""),
        ));
        authors +=
            usize::from(out.author.as_deref().map(norm) == p.expected["author"].as_str().map(norm));
    }
    // Speed: whole passes over the pages until `seconds` have gone by.
    let start = Instant::now();
    let mut done = 0usize;
    while start.elapsed().as_secs_f64() < seconds {
        for p in pages {
            std::hint::black_box(run(engine, p));
        }
        done += pages.len();
    }
    let rate = done as f64 / start.elapsed().as_secs_f64();
    serde_json::json!({
        "engine": engine,
        "pages": pages.len(),
        "f1": f1_sum / pages.len() as f64,
        "leaks": leaks,
        "titles": titles,
        "dates": dates,
        "authors": authors,
        "pages_per_s": rate,
        "peak_rss_mib": peak_rss_kib() as f64 / 1024.0,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let roots = vec![
        here.join("../../tests/fixtures/corpus"),
        here.join("../../tests/fixtures/extra"),
    ];
    let seconds: f64 = arg("--seconds").and_then(|s| s.parse().ok()).unwrap_or(2.0);

    if let Some(engine) = arg("--engine") {
        let pages = load(&roots);
        println!("{}", measure(&engine, &pages, seconds));
        return;
    }
    if args.iter().any(|a| a == "--pages") {
        let pages = load(&roots);
        for e in ENGINES {
            for p in &pages {
                let out = run(e, p);
                println!(
                    "{e}\t{}\tF1 {:.3}",
                    p.name,
                    f1(&out.text, &p.paragraphs.join("\n\n"))
                );
            }
        }
        return;
    }
    // The engines take turns, round after round, and each reports its median: on a shared
    // machine a slow minute then costs every engine alike.
    let rounds: usize = arg("--rounds").and_then(|s| s.parse().ok()).unwrap_or(5);
    let exe = std::env::current_exe().unwrap();
    let mut results: Vec<Vec<serde_json::Value>> = vec![Vec::new(); ENGINES.len()];
    for _ in 0..rounds.max(1) {
        for (i, e) in ENGINES.iter().enumerate() {
            let out = Command::new(&exe)
                .args(["--engine", e, "--seconds", &seconds.to_string()])
                .output()
                .unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|_| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
            results[i].push(v);
        }
    }
    println!(
        "| engine | pages | body F1 | leaks | titles | dates | authors | pages/s (1 thread, median of {rounds}) | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for runs in &results {
        let mut rates: Vec<f64> = runs
            .iter()
            .map(|v| v["pages_per_s"].as_f64().unwrap())
            .collect();
        rates.sort_by(f64::total_cmp);
        let peak = runs
            .iter()
            .map(|v| v["peak_rss_mib"].as_f64().unwrap())
            .fold(0.0, f64::max);
        let v = &runs[0];
        println!(
            "| {} | {} | {:.3} | {} | {} | {} | {} | {:.0} ({:.0}–{:.0}) | {:.1} MiB |",
            v["engine"].as_str().unwrap(),
            v["pages"],
            v["f1"].as_f64().unwrap(),
            v["leaks"],
            v["titles"],
            v["dates"],
            v["authors"],
            rates[rates.len() / 2],
            rates[0],
            rates[rates.len() - 1],
            peak,
        );
    }
}
