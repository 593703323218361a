//! Wiring: open the store, start the server, run every source on its schedule, stop
//! cleanly on SIGTERM or Ctrl-C.
//!
//! Each source has its own task that sleeps until its next cron time. A source that has
//! never run, or whose run was missed while the daemon was down, runs at start. After a
//! failure the next run is pushed back (5 minutes doubling, at most 6 hours) so a broken
//! portal is not hammered; a success clears that.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::config::{Config, SourceConfig};
use crate::crawl::Crawler;
use crate::fetch::{FetchConfig, Fetcher};
use crate::schedule;
use crate::serve::{self, AppState};
use crate::store::RunRecord as RunSummary;
use crate::store::Store;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown source id {0:?}; `portalfeed check` lists the configured sources")]
    UnknownSource(String),
    #[error("server error: {0}")]
    Server(std::io::Error),
}

fn crawler(
    config: &Config,
    store: Arc<Store>,
    stop: Arc<AtomicBool>,
) -> Result<Crawler, DaemonError> {
    for s in &config.sources {
        if s.http.insecure_tls {
            warn!(source = %s.id, url = %s.url, "insecure_tls: accepting ANY certificate for this source; its pages can be forged in transit");
        }
        if !s.robots {
            warn!(source = %s.id, url = %s.url, "robots = false: this source's robots.txt is ignored");
        }
    }
    Ok(Crawler {
        fetcher: Fetcher::new(FetchConfig::from(&config.daemon))?,
        store,
        recheck_for: config.daemon.recheck_for,
        stop,
    })
}

/// One pass over the chosen sources (all when `ids` is empty), concurrently; the fetcher
/// keeps each host polite.
pub async fn crawl_once(config: &Config, ids: &[String]) -> Result<Vec<RunSummary>, DaemonError> {
    let sources: Vec<SourceConfig> = if ids.is_empty() {
        config.sources.clone()
    } else {
        ids.iter()
            .map(|id| {
                config
                    .source(id)
                    .cloned()
                    .ok_or_else(|| DaemonError::UnknownSource(id.clone()))
            })
            .collect::<Result<_, _>>()?
    };
    let store = open_store(config)?;
    store.sync_sources(&config.sources)?;
    let crawler = crawler(config, store.clone(), Arc::new(AtomicBool::new(false)))?;
    let mut tasks = tokio::task::JoinSet::new();
    for (i, source) in sources.into_iter().enumerate() {
        let crawler = crawler.clone();
        let store = store.clone();
        let config = config.clone();
        tasks.spawn(async move {
            let failures = store
                .health(&source.id)
                .map(|h| h.consecutive_failures)
                .unwrap_or(0);
            let mut run = crawler.run(&source).await;
            let failures = if run.ok { 0 } else { failures + 1 };
            run.next_run = Some(next_run(&source, &config, failures));
            record(&store, &run);
            (i, run)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(r) => results.push(r),
            Err(e) => error!(error = %e, "a source task panicked"),
        }
    }
    retention(&store, config);
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// Runs the daemon until SIGTERM or Ctrl-C.
pub async fn run(config: Config) -> Result<(), DaemonError> {
    let config = Arc::new(config);
    let store = open_store(&config)?;
    store.sync_sources(&config.sources)?;
    let stop = Arc::new(AtomicBool::new(false));
    let crawler = crawler(&config, store.clone(), stop.clone())?;

    let listener = tokio::net::TcpListener::bind(config.daemon.listen)
        .await
        .map_err(|source| DaemonError::Listen {
            addr: config.daemon.listen,
            source,
        })?;
    let local = listener.local_addr().map_err(DaemonError::Server)?;
    info!(listen = %local, sources = config.sources.len(), database = %config.daemon.database.display(), "portalfeed started");

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let state = AppState::new(store.clone(), config.clone());
    let mut server_rx = shutdown_rx.clone();
    let server = tokio::spawn(serve::serve(listener, state, async move {
        let _ = server_rx.wait_for(|s| *s).await;
    }));

    let mut tasks = tokio::task::JoinSet::new();
    for source in config.sources.clone() {
        let crawler = crawler.clone();
        let store = store.clone();
        let config = config.clone();
        let mut rx = shutdown_rx.clone();
        tasks.spawn(async move {
            let mut failures = store.health(&source.id).map(|h| h.consecutive_failures).unwrap_or(0);
            let mut next = first_run(&store, &source, &config);
            loop {
                let wait = (next - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = rx.wait_for(|s| *s) => break,
                }
                let mut run = crawler.run(&source).await;
                failures = if run.ok { 0 } else { failures + 1 };
                next = next_run(&source, &config, failures);
                run.next_run = Some(next);
                record(&store, &run);
                info!(source = %source.id, next = %next.with_timezone(&config.daemon.timezone).to_rfc3339(), "next run scheduled");
                if *rx.borrow() {
                    break;
                }
            }
        });
    }

    // The scheduler's heartbeat (for /healthz), and other processes' writes noticed so
    // that cached feeds are rendered again.
    {
        let store = store.clone();
        let mut rx = shutdown_rx.clone();
        tasks.spawn(async move {
            loop {
                crate::metrics::METRICS.beat();
                if let Err(e) = store.poll_external_changes() {
                    warn!(error = %e, "cannot read the database's data_version");
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = rx.wait_for(|s| *s) => break,
                }
            }
        });
    }

    // Retention once an hour.
    {
        let store = store.clone();
        let config = config.clone();
        let mut rx = shutdown_rx.clone();
        tasks.spawn(async move {
            loop {
                retention(&store, &config);
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
                    _ = rx.wait_for(|s| *s) => break,
                }
            }
        });
    }

    wait_for_signal().await;
    info!("stopping: finishing the pages in hand");
    stop.store(true, Ordering::Relaxed);
    let _ = shutdown_tx.send(true);
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(8), drain)
        .await
        .is_err()
    {
        info!("abandoning runs still in progress");
        tasks.abort_all();
    }
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(DaemonError::Server(e)),
        Err(e) => error!(error = %e, "server task failed"),
    }
    info!("stopped");
    Ok(())
}

/// Writes every feed in every format, and the OPML, under `dir` (feeds in `dir/feeds/`,
/// as the server's paths). Each file is written to a temporary name and renamed, so a web
/// server never serves half a file. Returns the number of files written.
pub fn export(
    config: &Arc<Config>,
    store: Arc<Store>,
    dir: &std::path::Path,
) -> Result<usize, DaemonError> {
    use crate::feed::Format;
    let io = |e: std::io::Error| DaemonError::Server(e);
    let state = AppState::new(store, config.clone());
    let write = |path: std::path::PathBuf, body: &[u8]| -> Result<(), DaemonError> {
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent).map_err(io)?;
        let tmp = parent.join(format!(
            ".{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("feed")
        ));
        std::fs::write(&tmp, body).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    };
    let mut n = 0;
    for entry in crate::feed::catalog(config) {
        for format in [Format::Atom, Format::Rss, Format::Json] {
            let rel = format!("feeds/{}.{}", entry.key, format.extension());
            let rendered = state.render(&entry, format, &rel, false)?;
            write(dir.join(&rel), &rendered.body)?;
            n += 1;
        }
    }
    write(
        dir.join("opml.xml"),
        crate::feed::opml(&crate::feed::catalog(config), &config.daemon.public_url).as_bytes(),
    )?;
    Ok(n + 1)
}

/// Opens the database with the configuration's identity settings.
pub fn open_store(config: &Config) -> Result<Arc<Store>, DaemonError> {
    let mut store = Store::open(&config.daemon.database)?;
    store.set_near_duplicate(config.daemon.near_duplicate);
    Ok(Arc::new(store))
}

/// Applies `keep_days` and `max_items_per_source`, logging what was removed.
fn retention(store: &Store, config: &Config) {
    let d = &config.daemon;
    if d.keep_days.is_none() && d.max_items_per_source.is_none() {
        return;
    }
    match store.apply_retention(d.keep_days, d.max_items_per_source, Utc::now()) {
        Ok(0) => {}
        Ok(n) => info!(deleted = n, "retention: old items removed"),
        Err(e) => warn!(error = %e, "retention failed"),
    }
}

/// The next run: the next cron time, pushed back after failures, plus jitter.
fn next_run(source: &SourceConfig, config: &Config, failures: u32) -> chrono::DateTime<Utc> {
    let now = Utc::now();
    let base = source
        .schedule
        .next_after(now, config.daemon.timezone)
        .unwrap_or_else(|| now + chrono::Duration::hours(1));
    let delay = schedule::failure_backoff(
        failures,
        config.daemon.backoff_base,
        config.daemon.backoff_max,
    ) + schedule::jitter(config.daemon.jitter);
    base + chrono::Duration::from_std(delay).unwrap_or_default()
}

fn record(store: &Store, run: &RunSummary) {
    if let Err(e) = store.record_run(run) {
        warn!(source = %run.source_id, error = %e, "cannot record the run");
    }
}

/// A source runs at start when it never ran or its last scheduled time passed while the
/// daemon was down; otherwise at its next cron time, pushed back after failures.
fn first_run(store: &Store, source: &SourceConfig, config: &Config) -> chrono::DateTime<Utc> {
    let now = Utc::now();
    let Ok(health) = store.health(&source.id) else {
        return now;
    };
    let Some(last) = health.last else { return now };
    let due = source
        .schedule
        .next_after(last.started, config.daemon.timezone)
        .unwrap_or(now);
    let due = due
        + chrono::Duration::from_std(schedule::failure_backoff(
            health.consecutive_failures,
            config.daemon.backoff_base,
            config.daemon.backoff_max,
        ))
        .unwrap_or_default();
    due.max(now)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(e) => {
                error!(error = %e, "cannot listen for SIGTERM; stopping on Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
