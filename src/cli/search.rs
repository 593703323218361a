//! `portalfeed search`: the stored articles matching every word, newest first.

use std::path::Path;
use std::process::ExitCode;

use portalfeed::config::Config;
use portalfeed::{daemon, store};

pub fn run(config: &Path, query: &str, limit: usize) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
    anyhow::ensure!(
        store::fts_query(query).is_some(),
        "the query {query:?} has no word to search for"
    );
    let store = daemon::open_store(&config)?;
    let hits = store.feed_items(&store::FeedScope::Search(query.to_string()), limit)?;
    let tz = config.daemon.timezone;
    for h in &hits {
        let when = h
            .published
            .map(|d| d.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "—".into());
        outln!(
            "{when}  {:<20} {}\n                  {}",
            h.source_id,
            h.title,
            h.link
        );
    }
    eprintln!("{} result(s) for {query:?}", hits.len());
    Ok(ExitCode::SUCCESS)
}
