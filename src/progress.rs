//! Progress lines for `portalfeed crawl` on a terminal: one line per source while it
//! runs (articles fetched of those to fetch, and how many are new), left as its summary
//! when it ends. Not on a terminal, nothing is drawn: the table after the run is the
//! output, and logs stay clean.

use std::collections::HashMap;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::crawl::Progress;
use crate::store::RunRecord;

/// One line per running source, drawn on stderr.
pub struct TerminalProgress {
    lines: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl TerminalProgress {
    /// Progress on stderr when it is a terminal; `None` otherwise.
    pub fn on_terminal() -> Option<TerminalProgress> {
        use std::io::IsTerminal as _;
        std::io::stderr()
            .is_terminal()
            .then(|| TerminalProgress::drawn_on(ProgressDrawTarget::stderr()))
    }

    fn drawn_on(target: ProgressDrawTarget) -> TerminalProgress {
        TerminalProgress {
            lines: MultiProgress::with_draw_target(target),
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn bar(&self, source: &str) -> ProgressBar {
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        bars.entry(source.to_string())
            .or_insert_with(|| {
                let bar = self.lines.add(ProgressBar::new(0));
                bar.set_style(
                    ProgressStyle::with_template("{prefix:<24} {bar:20} {pos}/{len} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_prefix(source.to_string());
                bar
            })
            .clone()
    }
}

impl Progress for TerminalProgress {
    fn links(&self, source: &str, found: usize, to_fetch: usize) {
        let bar = self.bar(source);
        bar.set_length(to_fetch as u64);
        bar.set_message(format!("{found} links"));
    }

    fn article(&self, source: &str, done: usize, new: usize) {
        let bar = self.bar(source);
        bar.set_position(done as u64);
        bar.set_message(format!("{new} new"));
    }

    fn finished(&self, run: &RunRecord) {
        let bar = self.bar(&run.source_id);
        let outcome = if run.ok { "done" } else { "FAILED" };
        bar.finish_with_message(format!(
            "{outcome}: {} new, {} updated, {} failed",
            run.new, run.updated, run.failed
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_per_source_follows_its_run() {
        let p = TerminalProgress::drawn_on(ProgressDrawTarget::hidden());
        p.links("dakrong", 12, 5);
        p.article("dakrong", 3, 1);
        p.links("longan", 4, 4);
        let bar = p.bar("dakrong");
        assert_eq!((bar.position(), bar.length()), (3, Some(5)));
        assert_eq!(bar.message(), "1 new");
        p.finished(&RunRecord {
            source_id: "dakrong".into(),
            ok: true,
            new: 2,
            ..Default::default()
        });
        assert!(bar.is_finished());
        assert_eq!(bar.message(), "done: 2 new, 0 updated, 0 failed");
        assert_eq!(p.bars.lock().unwrap().len(), 2);
    }
}
