//! Platform profiles: what we know about the CMSs that Vietnamese portals run on, kept as
//! data in `profiles/*.toml` and compiled into the binary.
//!
//! A profile is detected from `meta[name=generator]`, markup and URL shape, or forced per
//! source (`profile = "nukeviet"`, or `"generic"` for none). It supplies selectors that the
//! source's own `[source.article]` selectors override. A profile's body selector that
//! matches nothing falls back to the generic scorer, so a theme change degrades to generic
//! extraction rather than to nothing.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};
use serde::Deserialize;
use url::Url;

use super::ArticleRules;

/// The profile files, compiled in.
const SOURCES: &[(&str, &str)] = &[
    (
        "nukeviet.toml",
        include_str!("../../profiles/nukeviet.toml"),
    ),
    (
        "sharepoint-blog.toml",
        include_str!("../../profiles/sharepoint-blog.toml"),
    ),
    (
        "sharepoint.toml",
        include_str!("../../profiles/sharepoint.toml"),
    ),
    ("liferay.toml", include_str!("../../profiles/liferay.toml")),
    (
        "wordpress.toml",
        include_str!("../../profiles/wordpress.toml"),
    ),
    ("joomla.toml", include_str!("../../profiles/joomla.toml")),
    (
        "dotnetnuke.toml",
        include_str!("../../profiles/dotnetnuke.toml"),
    ),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    description: String,
    #[serde(default)]
    detect: DetectFile,
    #[serde(default)]
    rules: ArticleRules,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DetectFile {
    generator: Option<String>,
    #[serde(default)]
    markup: Vec<String>,
    url: Option<String>,
    #[serde(default)]
    requires_markup: bool,
}

/// A compiled platform profile.
pub struct Profile {
    pub name: String,
    pub description: String,
    pub rules: ArticleRules,
    generator: Option<Regex>,
    /// Markup selectors, each with the literal the page's source must contain for it to
    /// match (see [`needle`]).
    markup: Vec<(Selector, Option<String>)>,
    url: Option<Regex>,
    requires_markup: bool,
}

/// The names a source may force: every profile, and "generic" for none.
pub const GENERIC: &str = "generic";

static PROFILES: LazyLock<Vec<Profile>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(file, text)| {
            // The files are part of the source tree and checked by the tests below, so a
            // broken one is a build defect, not an input error.
            let f: ProfileFile =
                toml::from_str(text).unwrap_or_else(|e| panic!("profiles/{file}: {e}"));
            let regex = |r: &Option<String>| {
                r.as_deref()
                    .map(|r| Regex::new(r).unwrap_or_else(|e| panic!("profiles/{file}: {e}")))
            };
            Profile {
                generator: regex(&f.detect.generator),
                url: regex(&f.detect.url),
                markup: f
                    .detect
                    .markup
                    .iter()
                    .map(|s| {
                        let sel = Selector::parse(s)
                            .unwrap_or_else(|e| panic!("profiles/{file}: selector {s:?}: {e}"));
                        (sel, needle(s))
                    })
                    .collect(),
                requires_markup: f.detect.requires_markup,
                name: f.name,
                description: f.description,
                rules: f.rules,
            }
        })
        .collect()
});

/// The union of every profile's markup selectors.
/// Every profile's markup needles, searched for in one pass. Like the selector engine,
/// the search minds case (class, id and attribute values are case-sensitive to it).
static NEEDLES: LazyLock<Needles> = LazyLock::new(|| {
    let needles: Vec<String> = PROFILES
        .iter()
        .flat_map(|p| p.markup.iter().filter_map(|(_, n)| n.clone()))
        .collect();
    // The packed (SIMD) searcher scans a page in microseconds; CPUs without it get the
    // automaton, several times slower but the same answer.
    let search = match aho_corasick::packed::Searcher::new(needles.iter()) {
        Some(packed) => Search::Packed(packed),
        None => Search::Automaton(
            aho_corasick::AhoCorasick::new(&needles)
                .unwrap_or_else(|e| panic!("profile markup needles: {e}")),
        ),
    };
    Needles { needles, search }
});

struct Needles {
    needles: Vec<String>,
    search: Search,
}

enum Search {
    Packed(aho_corasick::packed::Searcher),
    Automaton(aho_corasick::AhoCorasick),
}

impl Needles {
    /// Which needles occur in `html`, by index. Matches do not overlap, so a needle that
    /// only ever occurs overlapping another's occurrence goes unseen; the page then gets
    /// the generic path, as a page of an unknown platform does.
    fn present(&self, html: &str) -> Vec<bool> {
        let mut found = vec![false; self.needles.len()];
        match &self.search {
            Search::Packed(s) => s
                .find_iter(html)
                .for_each(|m| found[m.pattern().as_usize()] = true),
            Search::Automaton(a) => a
                .find_iter(html)
                .for_each(|m| found[m.pattern().as_usize()] = true),
        }
        found
    }
}

/// The longest literal a selector names — a quoted attribute value, an `#id` or a
/// `.class` — which the page's source must then contain for the selector to match. Found
/// in the raw HTML with one multi-pattern search, it spares matching selectors against
/// every element of pages that cannot match them (most pages, for most profiles).
fn needle(selector: &str) -> Option<String> {
    let mut literals: Vec<&str> = Vec::new();
    let bytes = selector.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"') => {
                let end = selector[i + 1..]
                    .find(q as char)
                    .map_or(bytes.len(), |e| i + 1 + e);
                literals.push(&selector[i + 1..end]);
                i = end + 1;
            }
            b'#' | b'.' => {
                let start = i + 1;
                let end = selector[start..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .map_or(bytes.len(), |e| start + e);
                literals.push(&selector[start..end]);
                i = end;
            }
            _ => i += 1,
        }
    }
    literals
        .into_iter()
        .filter(|l| l.len() >= 3)
        .rev()
        .max_by_key(|l| l.len())
        .map(str::to_string)
}

pub fn all() -> &'static [Profile] {
    &PROFILES
}

pub fn by_name(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.name == name)
}

/// Whether `name` is a profile a source may force.
pub fn is_known(name: &str) -> bool {
    name == GENERIC || by_name(name).is_some()
}

/// The profile that fits a page best: the generator meta counts 3, matching markup 2, the
/// URL shape 1; at least 2 is needed, so a URL alone never decides.
/// `generator` is the page's `meta[name=generator]` content ("" when it has none).
pub fn detect(html: &str, doc: &Html, url: &Url, generator: &str) -> Option<&'static Profile> {
    // When the generator names a platform, only that platform's profiles are weighed.
    // A markup selector is tried only when the page's source holds its needle.
    let by_generator: Vec<&Profile> = PROFILES
        .iter()
        .filter(|p| {
            !generator.is_empty() && p.generator.as_ref().is_some_and(|g| g.is_match(generator))
        })
        .collect();
    let candidates: Vec<&Profile> = if by_generator.is_empty() {
        PROFILES.iter().collect()
    } else {
        by_generator
    };
    let present = NEEDLES.present(html);
    let has_markup = |p: &Profile| {
        p.markup.iter().any(|(sel, needle)| {
            let possible = needle.as_ref().is_none_or(|n| {
                NEEDLES
                    .needles
                    .iter()
                    .zip(&present)
                    .any(|(m, found)| *found && m == n)
            });
            possible && doc.select(sel).next().is_some()
        })
    };
    candidates
        .into_iter()
        .filter_map(|p| {
            let markup = has_markup(p);
            if p.requires_markup && !markup {
                return None;
            }
            let mut score = 0u32;
            if p.generator.as_ref().is_some_and(|g| g.is_match(generator)) {
                score += 3;
            }
            if markup {
                score += 2;
            }
            if p.url.as_ref().is_some_and(|u| u.is_match(url.as_str())) {
                score += 1;
            }
            (score >= 2).then_some((score, p))
        })
        // On a tie the profile listed first (the more specific one) wins.
        .fold(
            None,
            |best: Option<(u32, &Profile)>, (score, p)| match best {
                Some((b, _)) if b >= score => best,
                _ => Some((score, p)),
            },
        )
        .map(|(_, p)| p)
}

/// The source's rules over the profile's: each selector the source gives wins; strip
/// lists add up.
pub fn merge(source: &ArticleRules, profile: Option<&Profile>) -> ArticleRules {
    let Some(p) = profile else {
        return source.clone();
    };
    let base = &p.rules;
    ArticleRules {
        profile: Some(p.name.clone()),
        title: source.title.clone().or_else(|| base.title.clone()),
        body: source.body.clone().or_else(|| base.body.clone()),
        lead: source.lead.clone().or_else(|| base.lead.clone()),
        date: source.date.clone().or_else(|| base.date.clone()),
        author: source.author.clone().or_else(|| base.author.clone()),
        strip: base
            .strip
            .iter()
            .chain(source.strip.iter())
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_file_loads_and_its_selectors_parse() {
        assert_eq!(all().len(), SOURCES.len());
        for p in all() {
            for sel in [
                &p.rules.title,
                &p.rules.body,
                &p.rules.lead,
                &p.rules.date,
                &p.rules.author,
            ]
            .into_iter()
            .flatten()
            {
                assert!(Selector::parse(sel).is_ok(), "{}: {sel}", p.name);
            }
            for sel in &p.rules.strip {
                assert!(Selector::parse(sel).is_ok(), "{}: {sel}", p.name);
            }
        }
    }

    #[test]
    fn needles_are_the_longest_literal() {
        assert_eq!(needle("#news-bodyhtml").as_deref(), Some("news-bodyhtml"));
        assert_eq!(
            needle("[data-module='news'][data-content='news_commentcontent']").as_deref(),
            Some("news_commentcontent")
        );
        assert_eq!(
            needle("#aspnetForm .ms-rtestate-field").as_deref(),
            Some("ms-rtestate-field")
        );
        assert_eq!(
            needle("link[href*=\"/wp-content/\"]").as_deref(),
            Some("/wp-content/")
        );
        assert_eq!(needle("body > p").as_deref(), None);
        // Every built-in markup selector has one, so detection stays one pass.
        for p in all() {
            for (_, n) in &p.markup {
                assert!(n.is_some(), "{}", p.name);
            }
        }
    }

    #[test]
    fn detection_needs_more_than_a_url() {
        let url = Url::parse("http://x.test/tin-tuc/bai-viet-1234.html").unwrap();
        let name = |html: &str, generator: &str| {
            detect(html, &Html::parse_document(html), &url, generator).map(|p| p.name.as_str())
        };
        assert_eq!(
            name("<p>x</p>", ""),
            None,
            "a URL shape alone decides nothing"
        );
        assert_eq!(
            name(r#"<div id="news-bodyhtml"></div>"#, "NukeViet v4.5"),
            Some("nukeviet")
        );
        assert_eq!(
            name(r#"<div id="news-bodyhtml"></div>"#, ""),
            Some("nukeviet"),
            "markup alone"
        );
        assert_eq!(
            name("<p>x</p>", "NukeViet v4.5"),
            Some("nukeviet"),
            "generator alone"
        );
        assert_eq!(
            name(r#"<div class="entry-content"></div>"#, "WordPress 6.4"),
            Some("wordpress")
        );
        // Both SharePoint profiles match the generator; the blog's markup decides.
        assert_eq!(
            name(r#"<div class="ms-PostBody"></div>"#, "Microsoft SharePoint"),
            Some("sharepoint-blog")
        );
        assert_eq!(
            name(
                r#"<div class="ms-rtestate-field"></div>"#,
                "Microsoft SharePoint"
            ),
            Some("sharepoint")
        );
    }

    #[test]
    fn source_selectors_win_and_strips_add_up() {
        let source = ArticleRules {
            body: Some("#mine".into()),
            strip: vec![".ad".into()],
            ..Default::default()
        };
        let merged = merge(&source, by_name("nukeviet"));
        assert_eq!(merged.body.as_deref(), Some("#mine"));
        assert_eq!(merged.lead.as_deref(), Some(".hometext"));
        assert!(
            merged.strip.contains(&".ad".to_string())
                && merged.strip.contains(&"#form3B".to_string())
        );
        assert_eq!(merged.profile.as_deref(), Some("nukeviet"));
    }
}
