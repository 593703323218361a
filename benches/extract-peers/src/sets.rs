//! The page sets the benchmark reads, each decoded once and handed to every engine alike.
//!
//! Two folder formats are read: the corpus's (`site.toml` + `*.expected.json` beside the
//! pages: `tests/fixtures/corpus`, `tests/fixtures/platforms`, `tests/fixtures/extra`) and
//! the shared datasets' (`../shared/datasets/aeb-dev`, gzip pages with a human-written body;
//! `../shared/datasets/readability`, Mozilla's test pages with expected metadata). The
//! datasets are measurement data that live outside the project: a set whose folder is
//! missing is skipped, never copied in.
//!
//! One more set is made from the fixtures: `opaque`, every page of the three fixture sets
//! with each `class` and `id` token replaced by an opaque one (`k3f9a0c`). A portal nobody
//! here has seen names its containers in its own words; this set measures what the
//! extractor gets from text and structure alone, where the vocabulary it knows is no help.
//! And `bare`: the `opaque` pages with nothing declared either, no `<meta name|property>`,
//! no JSON-LD, no microdata, as a small commune portal serves them: headline, date and
//! byline must come from what the page prints.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One decoded page and what it should give.
pub struct Page {
    /// Where it came from, relative to its set's folder.
    pub name: String,
    pub html: String,
    pub url: String,
    pub expect: Expect,
}

/// What a page is scored against; each set has its own kind of truth.
pub enum Expect {
    /// The corpus format: every field, the body as paragraphs, strings that must not leak.
    Fixture {
        expected: serde_json::Value,
        paragraphs: Vec<String>,
    },
    /// The news benchmark: the body a person wrote out, scored by `eval_extract.py`.
    Aeb { id: String },
    /// Mozilla's pages: the expected headline and byline (its body is Readability's own
    /// output, a reference rather than truth, so it is not scored).
    Readability {
        title: String,
        byline: Option<String>,
        published: Option<String>,
    },
}

/// The sets by name, in the order the table prints them.
pub const NAMES: &[&str] = &[
    "corpus",
    "platforms",
    "extra",
    "opaque",
    "bare",
    "aeb-dev",
    "readability",
];

/// The fixture sets `opaque` is made from.
const FIXTURE_SETS: &[&str] = &["corpus", "platforms", "extra"];

/// The folder a set is read from, relative to this crate.
pub fn folder(here: &Path, name: &str) -> PathBuf {
    match name {
        "corpus" | "platforms" | "extra" => here.join("../../tests/fixtures").join(name),
        "opaque" | "bare" => here.join("../../tests/fixtures"),
        other => here.join("../../../shared/datasets").join(other),
    }
}

pub fn load(name: &str, root: &Path) -> Vec<Page> {
    match name {
        "aeb-dev" => load_aeb(root),
        "readability" => load_readability(root),
        "opaque" | "bare" => FIXTURE_SETS
            .iter()
            .flat_map(|set| {
                load_fixtures(&root.join(set)).into_iter().map(move |p| {
                    let html = opaque_names(&p.html);
                    Page {
                        name: format!("{set}/{}", p.name),
                        html: if name == "bare" {
                            undeclared(&html)
                        } else {
                            html
                        },
                        ..p
                    }
                })
            })
            .collect(),
        _ => load_fixtures(root),
    }
}

/// `html` with each token of every `class` and `id` value replaced by a stable opaque one.
fn opaque_names(html: &str) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    static ATTR: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?i)(\s(?:class|id)\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s>"']+))"#)
            .unwrap()
    });
    ATTR.replace_all(html, |c: &regex::Captures| {
        let value = c
            .get(2)
            .or(c.get(3))
            .or(c.get(4))
            .map_or("", |m| m.as_str());
        let tokens: Vec<String> = value
            .split_whitespace()
            .map(|t| {
                let mut h = DefaultHasher::new();
                t.hash(&mut h);
                format!("k{:06x}", h.finish() & 0xff_ffff)
            })
            .collect();
        format!("{}\"{}\"", &c[1], tokens.join(" "))
    })
    .into_owned()
}

/// `html` without what a page declares rather than prints: `<meta>` tags with a `name`,
/// `property` or `itemprop` (a charset or `http-equiv` stays), JSON-LD blocks and
/// microdata `itemprop` attributes.
fn undeclared(html: &str) -> String {
    static META: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?is)<meta\s[^>]*\b(?:name|property|itemprop)\s*=[^>]*>"#).unwrap()
    });
    static JSON_LD: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?is)<script[^>]*application/ld\+json[^>]*>.*?</script>"#).unwrap()
    });
    static ITEMPROP: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"(?i)\sitem(?:prop|scope|type)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?"#,
        )
        .unwrap()
    });
    let html = META.replace_all(html, "");
    let html = JSON_LD.replace_all(&html, "");
    ITEMPROP.replace_all(&html, "").into_owned()
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

fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    portalfeed::fetch::decode::decode_html(bytes, content_type)
        .map(|d| d.text)
        .unwrap_or_default()
}

fn load_fixtures(root: &Path) -> Vec<Page> {
    let mut dirs = Vec::new();
    let mut stack = vec![root.to_path_buf()];
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
    let mut pages = Vec::new();
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
            // `article-1.expected.json` describes `article-1.html`; a lone `expected.json`,
            // `article.html`.
            let stem = match fname.strip_suffix("expected.json") {
                Some("") => "article",
                Some(s) => s.trim_end_matches('.'),
                None => continue,
            };
            let exp: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            // A near-duplicate's expectation lists its versions, each with its own file.
            let mut variants: Vec<(String, Vec<String>)> = Vec::new();
            if let Some(vs) = exp["versions"].as_array() {
                for v in vs {
                    variants.push((
                        v["file"].as_str().unwrap().to_string(),
                        strings(&v["paragraphs"]),
                    ));
                }
            } else {
                variants.push((format!("{stem}.html"), strings(&exp["paragraphs"])));
            }
            for (file, paragraphs) in variants {
                let bytes = std::fs::read(dir.join(&file)).unwrap();
                pages.push(Page {
                    name: format!(
                        "{}/{}",
                        dir.strip_prefix(root).unwrap_or(&dir).display(),
                        file
                    ),
                    html: decode(&bytes, ct.get(&file).map(String::as_str)),
                    url: exp["url"].as_str().unwrap().to_string(),
                    expect: Expect::Fixture {
                        expected: exp.clone(),
                        paragraphs,
                    },
                });
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

fn load_aeb(root: &Path) -> Vec<Page> {
    let gt: HashMap<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(root.join("ground-truth.json")).unwrap())
            .unwrap();
    let mut ids: Vec<&String> = gt.keys().collect();
    ids.sort();
    ids.into_iter()
        .map(|id| {
            let gz = std::fs::read(root.join("html").join(format!("{id}.html.gz"))).unwrap();
            let mut bytes = Vec::new();
            flate2::read::GzDecoder::new(gz.as_slice())
                .read_to_end(&mut bytes)
                .unwrap();
            // As fetched, with no header: the bytes say their own charset.
            Page {
                name: id.clone(),
                html: decode(&bytes, None),
                url: gt[id]["url"]
                    .as_str()
                    .map_or_else(|| format!("http://example.com/{id}"), str::to_string),
                expect: Expect::Aeb { id: id.clone() },
            }
        })
        .collect()
}

fn load_readability(root: &Path) -> Vec<Page> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("source.html").exists())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|d| {
            let meta: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(d.join("expected-metadata.json")).unwrap(),
            )
            .unwrap();
            let name = d.file_name().unwrap().to_string_lossy().to_string();
            Page {
                // Mozilla's suite runs every page as this URL.
                url: "http://fakehost/test/page.html".to_string(),
                html: decode(&std::fs::read(d.join("source.html")).unwrap(), None),
                name,
                expect: Expect::Readability {
                    title: meta["title"].as_str().unwrap_or("").to_string(),
                    byline: meta["byline"].as_str().map(str::to_string),
                    published: meta["publishedTime"].as_str().map(str::to_string),
                },
            }
        })
        .collect()
}
