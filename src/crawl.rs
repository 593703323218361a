//! One source run: index → links → articles → identity → store.
//!
//! A failure of the index fails the run; a failure of one article is counted and the
//! others go on. Known articles are skipped, except while they are young enough to be
//! corrected: those are re-checked at intervals that grow with their age (a quarter of
//! it), so a fresh article is re-read on every run and a three-day-old one about daily.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use tracing::{debug, info, warn};
use url::Url;

use crate::config::SourceConfig;
use crate::discover;
use crate::extract;
use crate::fetch::Fetcher;
use crate::store::{LinkState, RunRecord, SaveOutcome, Store};

/// What a run needs besides the source itself.
#[derive(Clone)]
pub struct Crawler {
    pub fetcher: Fetcher,
    pub store: Arc<Store>,
    pub recheck_for: Duration,
    /// Set when the daemon is stopping: the run finishes the page in hand and stops.
    pub stop: Arc<AtomicBool>,
}

/// The summary of one run, as printed by `portalfeed crawl` and stored as health.
pub type RunSummary = RunRecord;

impl Crawler {
    pub async fn run(&self, source: &SourceConfig) -> RunSummary {
        let started = Utc::now();
        let mut run = RunRecord {
            source_id: source.id.clone(),
            started,
            finished: started,
            ..Default::default()
        };
        match self.run_inner(source, &mut run).await {
            Ok(()) => run.ok = true,
            Err((status, message)) => {
                warn!(source = %source.id, url = %source.url, error = %message, "source run failed");
                run.ok = false;
                run.status = status;
                run.error = Some(message);
            }
        }
        run.finished = Utc::now();
        if let Err(e) = self.store.record_run(&run) {
            warn!(source = %source.id, error = %e, "cannot record the run");
        }
        info!(
            source = %source.id,
            found = run.found, new = run.new, updated = run.updated, unchanged = run.unchanged,
            merged = run.merged, failed = run.failed, ok = run.ok,
            "source run finished"
        );
        run
    }

    async fn run_inner(
        &self,
        source: &SourceConfig,
        run: &mut RunRecord,
    ) -> Result<(), (Option<u16>, String)> {
        let index = self
            .fetcher
            .get_html(&source.url)
            .await
            .map_err(|e| (e.status(), e.to_string()))?;
        run.status = Some(index.status);
        let links = discover::find_links(&index.html, &index.url, source)
            .map_err(|e| (None, e.to_string()))?;
        run.found = links.len();
        debug!(source = %source.id, links = links.len(), "index read");
        let mut fetched = 0usize;
        for link in links {
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            let state = self
                .store
                .link_state(&source.id, link.url.as_str())
                .map_err(|e| (None, e.to_string()))?;
            if let Some(state) = &state
                && !self.due_for_recheck(state)
            {
                run.unchanged += 1;
                continue;
            }
            if fetched >= source.max_items {
                continue;
            }
            fetched += 1;
            match self.article(source, &link.url).await {
                Ok(outcome) => match outcome {
                    SaveOutcome::New => run.new += 1,
                    SaveOutcome::Updated => run.updated += 1,
                    SaveOutcome::Unchanged => run.unchanged += 1,
                    SaveOutcome::Merged => run.merged += 1,
                },
                Err(message) => {
                    warn!(source = %source.id, url = %link.url, error = %message, "article skipped");
                    run.failed += 1;
                }
            }
        }
        if run.failed > 0 && run.new + run.updated + run.unchanged + run.merged == 0 {
            return Err((run.status, format!("all {} articles failed", run.failed)));
        }
        Ok(())
    }

    fn due_for_recheck(&self, state: &LinkState) -> bool {
        let now = Utc::now();
        let age = (now - state.first_seen).to_std().unwrap_or_default();
        let since = (now - state.last_checked).to_std().unwrap_or_default();
        age < self.recheck_for && since >= age / 4
    }

    async fn article(&self, source: &SourceConfig, url: &Url) -> Result<SaveOutcome, String> {
        let page = self
            .fetcher
            .get_html(url)
            .await
            .map_err(|e| e.to_string())?;
        let article = extract::extract(&page.html, &page.url, &source.article)
            .map_err(|e| format!("{url}: {e}"))?;
        if article.paragraphs.is_empty() {
            return Err(format!("{url}: no article text found"));
        }
        self.store
            .save(&source.id, url.as_str(), &article, Utc::now())
            .map_err(|e| e.to_string())
    }
}
