//! `portalfeed run`: the daemon, until SIGTERM or Ctrl-C.

use std::process::ExitCode;

use portalfeed::config::Config;
use portalfeed::daemon;

/// Takes the configuration `main` already loaded (for its log level).
pub fn run(config: Config) -> anyhow::Result<ExitCode> {
    super::runtime()?.block_on(daemon::run(config))?;
    Ok(ExitCode::SUCCESS)
}
