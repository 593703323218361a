//! The engines, each called on the same decoded page with the page's URL.

/// The engines in the order the table prints them.
pub const ENGINES: &[&str] = &[
    "portalfeed",
    "portalfeed-generic",
    "dom_smoothie",
    "trafilatura",
];

/// What an engine produced for one page. An engine's error is an empty output: it scores
/// zero, as an empty article would in a reader.
#[derive(Default)]
pub struct Output {
    pub title: String,
    pub text: String,
    /// RFC 3339 or a bare date, as the engine gives it.
    pub date: Option<String>,
    pub author: Option<String>,
}

pub fn run(engine: &str, html: &str, page_url: &str) -> Output {
    match engine {
        "portalfeed" | "portalfeed-generic" => {
            let rules = portalfeed::extract::ArticleRules {
                profile: (engine == "portalfeed-generic").then(|| "generic".to_string()),
                ..Default::default()
            };
            let Ok(url) = url::Url::parse(page_url) else {
                return Output::default();
            };
            match portalfeed::extract::extract(html, &url, &rules) {
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
            let Ok(mut r) = dom_smoothie::Readability::new(html, Some(page_url), None) else {
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
            let mut opts = trafilatura::Options::default();
            opts.original_url = url::Url::parse(page_url).ok();
            match trafilatura::extract(html, &opts) {
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
