//! `portalfeed discover URL`: survey a portal page and print a ready `[[source]]` block.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use portalfeed::config::Config;
use portalfeed::discover::{self, Options};
use portalfeed::fetch::{FetchConfig, Fetcher};

pub struct Args {
    pub url: String,
    pub config: Option<PathBuf>,
    pub write: Option<PathBuf>,
    pub id: Option<String>,
    pub allow_private: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let url = url::Url::parse(&args.url).with_context(|| format!("invalid URL {:?}", args.url))?;
    // The file the block is written to is read once: its ids are taken, and its settings
    // apply unless --config names another file.
    let written = args.write.as_deref().map(Config::load).transpose()?;
    let settings = match (&args.config, &written) {
        (Some(path), _) => Config::load(path)?,
        (None, Some(w)) => w.clone(),
        (None, None) => super::default_config()?,
    };
    let taken_ids = written.as_ref().map(ids).unwrap_or_default();
    let fetcher = Fetcher::new(FetchConfig::from(&settings.daemon))?;
    let opts = Options {
        id: args.id,
        taken_ids,
        allow_private: args.allow_private,
    };
    let report = super::runtime()?.block_on(discover::survey(&fetcher, &url, &opts))?;
    out!("{}", report.toml());
    if let Some(path) = &args.write {
        append(&report, path)?;
    }
    Ok(super::success_if(report.choice.is_some()))
}

/// Every id a configuration already uses, sources and feeds alike.
fn ids(config: &Config) -> Vec<String> {
    config
        .sources
        .iter()
        .map(|s| s.id.clone())
        .chain(config.feeds.iter().map(|f| f.id.clone()))
        .collect()
}

fn append(report: &discover::Report, path: &Path) -> anyhow::Result<()> {
    // The error's text already names its cause; `{:#}` would repeat it.
    report.append_to(path).map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!("appended [[source]] {:?} to {}", report.id, path.display());
    Ok(())
}
