//! `portalfeed extract FILE`: the article in a saved page, as JSON.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use portalfeed::extract::{self, ArticleRules};
use portalfeed::fetch::decode::decode_html;

pub fn run(
    url: &str,
    content_type: Option<&str>,
    profile: Option<String>,
    file: &Path,
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let url = url::Url::parse(url).with_context(|| format!("invalid --url {url:?}"))?;
    let decoded = decode_html(&bytes, content_type).with_context(|| file.display().to_string())?;
    if let Some(p) = &profile {
        anyhow::ensure!(extract::profile::is_known(p), "unknown profile {p:?}");
    }
    let rules = ArticleRules {
        profile,
        ..Default::default()
    };
    let article = extract::extract(&decoded.text, &url, &rules)?;
    outln!("{}", serde_json::to_string_pretty(&article.to_json())?);
    Ok(ExitCode::SUCCESS)
}
