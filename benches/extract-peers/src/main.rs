//! Extraction evaluation: portalfeed (with its platform profiles, and on the generic path
//! alone) against dom_smoothie (a readability.js port) and trafilatura (a go-trafilatura
//! port), on the same decoded pages of every set, single-threaded.
//!
//!     cargo run --release --manifest-path benches/extract-peers/Cargo.toml
//!     … -- --set aeb-dev --set platforms      # some sets only
//!     … -- --pages aeb-dev                    # each page's score, every engine
//!     … -- --rounds 5 --seconds 2             # speed rounds (default 3 of 2 s)
//!
//! Sets (see `sets.rs`): the corpus, the platforms and the extra layouts from
//! `tests/fixtures`, and, when `../shared/datasets` is there, the news benchmark's aeb-dev
//! half and Mozilla Readability's test pages. Quality is computed once in this process;
//! speed and peak memory are measured in a child process per engine and set, in interleaved
//! rounds whose median is reported, so a slow minute on a shared machine costs every engine
//! alike.

mod engines;
mod score;
mod sets;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use engines::{ENGINES, run};
use sets::{Expect, Page};

/// One engine's quality on one set; `None` where the set has no truth for a field.
#[derive(Default)]
struct Quality {
    f1: f64,
    /// Precision and recall, for the news benchmark's metric.
    pr: Option<(f64, f64)>,
    leaks: Option<usize>,
    titles: Option<usize>,
    /// Titles that miss only by a site name the expected title keeps (Mozilla's set).
    titles_but_site: Option<usize>,
    dates: Option<usize>,
    authors: Option<usize>,
    /// Each page's body F1, for `--pages`.
    per_page: Vec<(String, f64, bool)>,
}

fn quality(engine: &str, set: &str, root: &Path, pages: &[Page]) -> Quality {
    let mut q = Quality::default();
    let mut f1_sum = 0.0;
    let (mut leaks, mut dates, mut titles, mut authors) = (0, 0, 0, 0);
    let mut titles_but_site = 0;
    let pred = std::env::temp_dir().join(format!(
        "extract-peers-{}/{engine}-{set}",
        std::process::id()
    ));
    for p in pages {
        let out = run(engine, &p.html, &p.url);
        match &p.expect {
            Expect::Fixture {
                expected,
                paragraphs,
            } => {
                let f1 = score::bag_f1(&out.text, &paragraphs.join("\n\n"));
                f1_sum += f1;
                let seen = score::norm(&format!("{} {}", out.title, out.text));
                leaks += expected["must_not_contain"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|s| {
                        let s = score::norm(s.as_str().unwrap_or(""));
                        !s.is_empty() && seen.contains(&s)
                    })
                    .count();
                let title_ok = score::norm(&out.title)
                    == score::norm(expected["title"].as_str().unwrap_or(""));
                titles += usize::from(title_ok);
                dates += usize::from(score::same_date(
                    out.date.as_deref(),
                    expected["published"].as_str().unwrap_or(""),
                ));
                authors += usize::from(
                    out.author.as_deref().map(score::norm)
                        == expected["author"].as_str().map(score::norm),
                );
                q.per_page.push((p.name.clone(), f1, title_ok));
            }
            Expect::Aeb { id } => {
                std::fs::create_dir_all(&pred).unwrap();
                std::fs::write(pred.join(format!("{id}.txt")), &out.text).unwrap();
            }
            Expect::Readability {
                title,
                byline,
                published,
            } => {
                let title_ok = score::norm(&out.title) == score::norm(title);
                titles += usize::from(title_ok);
                titles_but_site += usize::from(score::same_but_site_name(&out.title, title));
                authors += usize::from(
                    byline.is_some()
                        && out.author.as_deref().map(score::norm)
                            == byline.as_deref().map(score::norm),
                );
                // Of the pages that give one: Mozilla's expected date is the page's
                // metadata, scored like the corpus's (same instant, or same day for an
                // engine that gives a date only).
                dates += usize::from(
                    published
                        .as_deref()
                        .is_some_and(|p| score::same_date(out.date.as_deref(), p)),
                );
                q.per_page.push((p.name.clone(), f64::NAN, title_ok));
            }
        }
    }
    match set {
        "aeb-dev" => {
            let per_doc = pred.with_extension("tsv");
            let script = root.join("../eval_extract.py");
            match score::eval_extract(
                &script,
                &root.join("ground-truth.json"),
                &pred,
                Some(&per_doc),
            ) {
                Ok((f1, p, r)) => {
                    q.f1 = f1;
                    q.pr = Some((p, r));
                }
                Err(e) => eprintln!("{engine} on {set}: {e}"),
            }
            let tsv = std::fs::read_to_string(&per_doc).unwrap_or_default();
            for line in tsv.lines().skip(1) {
                let f: Vec<&str> = line.split('\t').collect();
                if let [id, _, _, f1, ..] = f.as_slice() {
                    q.per_page
                        .push((id.to_string(), f1.parse().unwrap_or(0.0), false));
                }
            }
            let _ = std::fs::remove_dir_all(pred.parent().unwrap());
        }
        "readability" => {
            q.f1 = f64::NAN;
            q.titles = Some(titles);
            q.titles_but_site = Some(titles_but_site);
            q.authors = Some(authors);
            q.dates = Some(dates);
        }
        _ => {
            q.f1 = f1_sum / pages.len().max(1) as f64;
            q.leaks = Some(leaks);
            q.dates = Some(dates);
            q.titles = Some(titles);
            q.authors = Some(authors);
        }
    }
    q
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

/// The child's job: whole passes over the set's pages until `seconds` have gone by.
/// `passes`, when given, runs exactly that many passes instead (for an instruction
/// count under callgrind, where two runs' difference is one pass without start-up costs).
fn speed(engine: &str, pages: &[Page], seconds: f64, passes: Option<usize>) -> serde_json::Value {
    let start = Instant::now();
    let mut done = 0usize;
    while match passes {
        Some(n) => done < n * pages.len(),
        None => start.elapsed().as_secs_f64() < seconds,
    } {
        for p in pages {
            std::hint::black_box(run(engine, &p.html, &p.url));
        }
        done += pages.len();
    }
    serde_json::json!({
        "pages_per_s": done as f64 / start.elapsed().as_secs_f64(),
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
    let seconds: f64 = arg("--seconds").and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let rounds: usize = arg("--rounds").and_then(|s| s.parse().ok()).unwrap_or(3);

    if let (Some(engine), Some(set)) = (arg("--engine"), arg("--set")) {
        let pages = sets::load(&set, &sets::folder(here, &set));
        let passes = arg("--passes").and_then(|s| s.parse().ok());
        println!("{}", speed(&engine, &pages, seconds, passes));
        return;
    }
    // `--digest`: portalfeed's whole output (or its error) for every page of every set, one
    // line per page, to show that a change meant only for speed changes nothing.
    if args.iter().any(|a| a == "--digest") {
        for set in sets::NAMES {
            let root = sets::folder(here, set);
            if !root.exists() {
                continue;
            }
            for p in sets::load(set, &root) {
                for profile in [None, Some("generic".to_string())] {
                    let rules = portalfeed::extract::ArticleRules {
                        profile: profile.clone(),
                        ..Default::default()
                    };
                    let out = url::Url::parse(&p.url)
                        .map_err(|e| e.to_string())
                        .and_then(|u| {
                            portalfeed::extract::extract(&p.html, &u, &rules)
                                .map_err(|e| e.to_string())
                        })
                        .map(|a| serde_json::to_string(&a).unwrap_or_default());
                    println!("{set}/{} {:?}\t{:?}", p.name, profile, out);
                }
            }
        }
        return;
    }
    // `--verdicts`: every page of every set that the crawl's "is this an article?" check
    // would skip, and why. Every page of these sets is an article (but Mozilla's pages
    // marked not readerable), so each line is a story a feed would lose.
    if args.iter().any(|a| a == "--verdicts") {
        for set in sets::NAMES {
            let root = sets::folder(here, set);
            if !root.exists() {
                continue;
            }
            let (mut n, mut skipped) = (0, 0);
            for p in sets::load(set, &root) {
                let Ok(u) = url::Url::parse(&p.url) else {
                    continue;
                };
                let Ok((_, why_not)) =
                    portalfeed::extract::extract_judged(&p.html, &u, &Default::default(), None)
                else {
                    continue;
                };
                n += 1;
                if let Some(why) = why_not {
                    skipped += 1;
                    println!("{set}/{}	{why}", p.name);
                }
            }
            println!("{set}: {skipped} of {n} extracted pages judged not an article");
        }
        return;
    }
    if let Some(set) = arg("--pages") {
        let root = sets::folder(here, &set);
        let pages = sets::load(&set, &root);
        let scores: Vec<Quality> = ENGINES
            .iter()
            .map(|e| quality(e, &set, &root, &pages))
            .collect();
        println!("page\t{}", ENGINES.join("\t"));
        for (i, (name, _, _)) in scores[0].per_page.iter().enumerate() {
            let cells: Vec<String> = scores
                .iter()
                .map(|q| {
                    let (_, f1, title) = &q.per_page[i];
                    if f1.is_nan() {
                        format!("title {}", if *title { "ok" } else { "--" })
                    } else {
                        format!("{f1:.3}")
                    }
                })
                .collect();
            println!("{name}\t{}", cells.join("\t"));
        }
        return;
    }

    let wanted: Vec<String> = args
        .iter()
        .enumerate()
        .filter(|(_, a)| *a == "--set")
        .filter_map(|(i, _)| args.get(i + 1).cloned())
        .collect();
    let chosen: Vec<(&str, PathBuf)> = sets::NAMES
        .iter()
        .filter(|s| wanted.is_empty() || wanted.iter().any(|w| w == *s))
        .filter_map(|s| {
            let root = sets::folder(here, s);
            if root.exists() {
                Some((*s, root))
            } else {
                eprintln!("{s}: {} is not here; skipped", root.display());
                None
            }
        })
        .collect();

    // Speed first, interleaved: round after round, every set and engine takes its turn.
    let exe = std::env::current_exe().unwrap();
    let mut runs: Vec<Vec<Vec<serde_json::Value>>> =
        vec![vec![Vec::new(); ENGINES.len()]; chosen.len()];
    // `--quality` skips the speed rounds (and `--engines a,b` picks engines), for a quick
    // look while changing the extractor.
    let quick = args.iter().any(|a| a == "--quality");
    let engines: Vec<&str> = match arg("--engines") {
        Some(list) => ENGINES
            .iter()
            .copied()
            .filter(|e| list.split(',').any(|l| l == *e))
            .collect(),
        None => ENGINES.to_vec(),
    };
    for _ in 0..if quick { 0 } else { rounds.max(1) } {
        for (si, (set, _)) in chosen.iter().enumerate() {
            for (ei, e) in ENGINES.iter().enumerate() {
                if !engines.contains(e) {
                    continue;
                }
                let out = Command::new(&exe)
                    .args([
                        "--engine",
                        e,
                        "--set",
                        set,
                        "--seconds",
                        &seconds.to_string(),
                    ])
                    .output()
                    .unwrap();
                let v: serde_json::Value =
                    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
                        panic!("{e} on {set}: {}", String::from_utf8_lossy(&out.stderr))
                    });
                runs[si][ei].push(v);
            }
        }
    }

    println!(
        "| set | engine | pages | body F1 | P / R | leaks | titles | dates | authors | pages/s (median of {rounds}) | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (si, (set, root)) in chosen.iter().enumerate() {
        let pages = sets::load(set, root);
        let n = pages.len();
        for (ei, e) in ENGINES.iter().enumerate() {
            if !engines.contains(e) {
                continue;
            }
            let q = quality(e, set, root, &pages);
            let mut rates: Vec<f64> = runs[si][ei]
                .iter()
                .map(|v| v["pages_per_s"].as_f64().unwrap_or(0.0))
                .collect();
            rates.sort_by(f64::total_cmp);
            if rates.is_empty() {
                rates.push(f64::NAN);
            }
            let peak = runs[si][ei]
                .iter()
                .map(|v| v["peak_rss_mib"].as_f64().unwrap_or(0.0))
                .fold(0.0, f64::max);
            let dash = || "–".to_string();
            println!(
                "| {set} | {e} | {n} | {} | {} | {} | {} | {} | {} | {:.0} ({:.0}–{:.0}) | {:.1} MiB |",
                if q.f1.is_nan() {
                    dash()
                } else {
                    format!("{:.3}", q.f1)
                },
                q.pr.map_or_else(dash, |(p, r)| format!("{p:.3} / {r:.3}")),
                q.leaks.map_or_else(dash, |l| l.to_string()),
                match (q.titles, q.titles_but_site) {
                    (Some(t), Some(s)) => format!("{t}/{n} (+{s} but for a site name)"),
                    (Some(t), None) => format!("{t}/{n}"),
                    _ => dash(),
                },
                q.dates.map_or_else(dash, |d| format!("{d}/{n}")),
                q.authors.map_or_else(dash, |a| format!("{a}/{n}")),
                rates[rates.len() / 2],
                rates[0],
                rates[rates.len() - 1],
                peak,
            );
        }
    }
}
