//! `portalfeed export DIR`: every feed and the OPML written into a directory.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use portalfeed::config::Config;
use portalfeed::daemon;

pub fn run(config: &Path, dir: &Path) -> anyhow::Result<ExitCode> {
    let config = Arc::new(Config::load(config)?);
    let store = daemon::open_store(&config)?;
    let written = daemon::export(&config, store, dir)?;
    outln!("wrote {written} files to {}", dir.display());
    Ok(ExitCode::SUCCESS)
}
