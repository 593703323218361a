//! `portalfeed opml`: every feed as an OPML list, for importing into a reader.

use std::path::Path;
use std::process::ExitCode;

use portalfeed::config::Config;
use portalfeed::feed;

pub fn run(config: &Path) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
    out!(
        "{}",
        feed::opml(&feed::catalog(&config), &config.daemon.public_url)
    );
    Ok(ExitCode::SUCCESS)
}
