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
    markup: Vec<Selector>,
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
                        Selector::parse(s)
                            .unwrap_or_else(|e| panic!("profiles/{file}: selector {s:?}: {e}"))
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
static ANY_MARKUP: LazyLock<Selector> = LazyLock::new(|| {
    let all: Vec<String> = SOURCES
        .iter()
        .flat_map(|(_, text)| {
            toml::from_str::<ProfileFile>(text)
                .map(|f| f.detect.markup)
                .unwrap_or_default()
        })
        .collect();
    Selector::parse(&all.join(", ")).unwrap_or_else(|e| panic!("profile markup selectors: {e}"))
});

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
pub fn detect(doc: &Html, url: &Url, generator: &str) -> Option<&'static Profile> {
    // When the generator names a platform, only that platform's profiles are weighed;
    // otherwise one pass over the page with every profile's markup selectors at once, and
    // each profile then tests only the few elements that matched.
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
    let all = candidates.len() == PROFILES.len();
    let matched: Vec<scraper::ElementRef<'_>> = if all {
        doc.select(&ANY_MARKUP).collect()
    } else {
        Vec::new()
    };
    let has_markup = |p: &Profile| {
        if all {
            p.markup
                .iter()
                .any(|s| matched.iter().any(|e| s.matches(e)))
        } else {
            p.markup.iter().any(|s| doc.select(s).next().is_some())
        }
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
    fn detection_needs_more_than_a_url() {
        let url = Url::parse("http://x.test/tin-tuc/bai-viet-1234.html").unwrap();
        let name = |html: &str, generator: &str| {
            detect(&Html::parse_document(html), &url, generator).map(|p| p.name.as_str())
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
