//! `portalfeed crawl`: run the sources once now and print a summary line per source.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use portalfeed::config::Config;
use portalfeed::crawl::Progress;
use portalfeed::daemon;
use portalfeed::progress::TerminalProgress;

pub fn run(config: &Path, sources: &[String]) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
    let progress = TerminalProgress::on_terminal().map(|p| Arc::new(p) as Arc<dyn Progress>);
    let results =
        super::runtime()?.block_on(daemon::crawl_once(Arc::new(config), sources, progress))?;
    outln!(
        "{:<24} {:>6} {:>5} {:>8} {:>10} {:>7} {:>7} {:>8}  error",
        "source",
        "found",
        "new",
        "updated",
        "unchanged",
        "merged",
        "failed",
        "skipped"
    );
    for r in &results {
        outln!(
            "{:<24} {:>6} {:>5} {:>8} {:>10} {:>7} {:>7} {:>8}  {}",
            r.source_id,
            r.found,
            r.new,
            r.updated,
            r.unchanged,
            r.merged,
            r.failed,
            r.skipped,
            r.error.as_deref().unwrap_or("")
        );
    }
    Ok(super::success_if(results.iter().all(|r| r.ok)))
}
