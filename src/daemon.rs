//! Wiring: open the store, start the server, run every source on its schedule, stop
//! cleanly on SIGTERM or Ctrl-C.
//!
//! Each source has its own task that sleeps until its next cron time. A source that has
//! never run, or whose run was missed while the daemon was down, runs at start. After a
//! failure the next run is pushed back (5 minutes doubling, at most 6 hours) so a broken
//! portal is not hammered; a success clears that.

use std::collections::HashMap;
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
    // The reason ("Address already in use") is the source, which the error chain prints
    // once; naming it here too printed it twice.
    #[error(
        "cannot listen on {addr} (is another portalfeed or server on that port? set [daemon] listen)"
    )]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown source id {0:?}; `portalfeed check` lists the configured sources")]
    UnknownSource(String),
    #[error("cannot take the daemon lock {path}: {reason}")]
    Lock {
        path: std::path::PathBuf,
        reason: String,
    },
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
        running: Arc::new(tokio::sync::Semaphore::new(
            config.daemon.max_running.max(1),
        )),
        work: Arc::new(tokio::sync::Semaphore::new(Crawler::work_slots())),
        progress: None,
    })
}

/// One pass over the chosen sources (all when `ids` is empty), concurrently; the fetcher
/// keeps each host polite.
pub async fn crawl_once(
    config: Arc<Config>,
    ids: &[String],
    progress: Option<Arc<dyn crate::crawl::Progress>>,
) -> Result<Vec<RunSummary>, DaemonError> {
    // Indices into the configuration, not copies of it: with thousands of sources,
    // copies are the largest thing in memory.
    let chosen: Vec<usize> = if ids.is_empty() {
        (0..config.sources.len()).collect()
    } else {
        ids.iter()
            .map(|id| {
                config
                    .sources
                    .iter()
                    .position(|s| &s.id == id)
                    .ok_or_else(|| DaemonError::UnknownSource(id.clone()))
            })
            .collect::<Result<_, _>>()?
    };
    let store = open_store(&config)?;
    store.sync_sources(&config.sources)?;
    let mut crawler = crawler(&config, store.clone(), Arc::new(AtomicBool::new(false)))?;
    crawler.progress = progress;
    // The crawler bounds the runs (`max_running`); starting no more tasks than that
    // keeps 5,000 sources from being 5,000 futures waiting for a slot.
    let limit = config.daemon.max_running.max(1);
    let mut tasks = tokio::task::JoinSet::new();
    let mut results = Vec::new();
    let mut collect = |joined: Result<(usize, RunSummary), tokio::task::JoinError>| match joined {
        Ok(r) => results.push(r),
        Err(e) => error!(error = %e, "a source task panicked"),
    };
    for (i, index) in chosen.into_iter().enumerate() {
        if tasks.len() >= limit
            && let Some(joined) = tasks.join_next().await
        {
            collect(joined);
        }
        let crawler = crawler.clone();
        let store = store.clone();
        // Each task shares the configuration (a copy each would cost sources²).
        let config = config.clone();
        tasks.spawn(async move {
            let source = &config.sources[index];
            let failures = store.run_streak(&source.id).map(|(_, f)| f).unwrap_or(0);
            let mut run = guarded_run(&crawler, source).await;
            let failures = if run.ok { 0 } else { failures + 1 };
            run.next_run = Some(next_run(source, &config, failures));
            record(&store, &run);
            (i, run)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        collect(joined);
    }
    retention(&store, &config);
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// Runs the daemon until SIGTERM or Ctrl-C; SIGHUP reloads the configuration.
///
/// With systemd (`Type=notify`), it sends `READY=1` once the database is open and the
/// server listens, `STATUS=` with a one-line summary, `WATCHDOG=1` from the scheduler's
/// heartbeat, `RELOADING=1` around a reload and `STOPPING=1` on the way out.
pub async fn run(config: Config) -> Result<(), DaemonError> {
    let config = Arc::new(config);
    // One daemon per database: a second would crawl every source again and race the
    // first's writes. The lock is the kernel's, so it goes with the process, however it ends.
    let _lock = lock_database(&config.daemon.database)?;
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
    // Push: the delivery worker and the WebSub hub follow reloads through this channel.
    let (push_config, push_config_rx) = watch::channel(config.clone());
    let push = crate::push::Push::new(store.clone(), push_config_rx)?;
    state.set_hub(crate::push::Hub::new(push.clone()));
    let mut server_rx = shutdown_rx.clone();
    let server = tokio::spawn(serve::serve(listener, state.clone(), async move {
        let _ = server_rx.wait_for(|s| *s).await;
    }));

    let mut scheduler = Scheduler {
        crawler,
        store: store.clone(),
        tasks: tokio::task::JoinSet::new(),
        running: HashMap::new(),
    };
    scheduler.apply(&config);
    scheduler
        .tasks
        .spawn(crate::push::Worker::new(push).run(shutdown_rx.clone()));

    // The scheduler's heartbeat: /healthz, the systemd watchdog, the status line, and
    // other processes' writes noticed so that cached feeds are rendered again.
    let status = Arc::new(std::sync::Mutex::new(String::new()));
    {
        let store = store.clone();
        let state = state.clone();
        let status = status.clone();
        let mut rx = shutdown_rx.clone();
        scheduler.tasks.spawn(async move {
            let mut tick = 0u64;
            loop {
                crate::metrics::METRICS.beat();
                notify(&[sd_notify::NotifyState::Watchdog]);
                if let Err(e) = store.poll_external_changes() {
                    warn!(error = %e, "cannot read the database's data_version");
                }
                if tick.is_multiple_of(10) {
                    let line = summary(&store, &state.config(), &status);
                    notify(&[sd_notify::NotifyState::Status(&line)]);
                }
                tick += 1;
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
        let state = state.clone();
        let mut rx = shutdown_rx.clone();
        scheduler.tasks.spawn(async move {
            loop {
                retention(&store, &state.config());
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
                    _ = rx.wait_for(|s| *s) => break,
                }
            }
        });
    }

    notify(&[
        sd_notify::NotifyState::Ready,
        sd_notify::NotifyState::Status(&summary(&store, &config, &status)),
    ]);
    loop {
        match wait_for_signal().await {
            Signal::Stop => break,
            Signal::Reload => {
                notify(&[
                    sd_notify::NotifyState::Reloading,
                    sd_notify::NotifyState::monotonic_usec_now()
                        .unwrap_or(sd_notify::NotifyState::Reloading),
                ]);
                let current = state.config();
                match Config::load(&current.path) {
                    Ok(new) => {
                        let new = Arc::new(new);
                        let mut later = restart_only_changes(&current.daemon, &new.daemon);
                        // The delivery client was built with it.
                        if current.delivery.timeout != new.delivery.timeout {
                            later.push("[delivery] timeout");
                        }
                        for key in &later {
                            let table = if key.starts_with('[') {
                                ""
                            } else {
                                "[daemon] "
                            };
                            warn!(key = %key, "reload: {table}{key} changed; it takes effect at the next restart");
                        }
                        if let Err(e) = store.sync_sources(&new.sources) {
                            error!(error = %e, "reload: cannot record the sources; keeping the old configuration");
                        } else {
                            scheduler.apply(&new);
                            state.set_config(new.clone());
                            push_config.send_replace(new.clone());
                            *status.lock().unwrap_or_else(|e| e.into_inner()) = if later.is_empty()
                            {
                                String::new()
                            } else {
                                format!("restart to apply {}", later.join(", "))
                            };
                            info!(sources = new.sources.len(), "configuration reloaded");
                        }
                    }
                    Err(e) => {
                        error!(error = %e, "reload: the new configuration is invalid; keeping the old one");
                        *status.lock().unwrap_or_else(|e| e.into_inner()) =
                            format!("reload failed: {e}");
                    }
                }
                let line = summary(&store, &state.config(), &status);
                notify(&[
                    sd_notify::NotifyState::Ready,
                    sd_notify::NotifyState::Status(&line),
                ]);
            }
        }
    }

    notify(&[sd_notify::NotifyState::Stopping]);
    info!("stopping: finishing the pages in hand");
    stop.store(true, Ordering::Relaxed);
    let _ = shutdown_tx.send(true);
    scheduler.stop_all();
    let mut tasks = scheduler.tasks;
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

/// The `[daemon]` settings a reload cannot apply, because the server, the database, the
/// fetcher or the logger were built from them at start-up. A reload applies sources,
/// feeds, schedules and the rest; these wait for a restart, and the daemon says so.
fn restart_only_changes(
    old: &crate::config::DaemonConfig,
    new: &crate::config::DaemonConfig,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |changed: bool, key: &'static str| {
        if changed {
            out.push(key);
        }
    };
    check(old.listen != new.listen, "listen");
    check(old.database != new.database, "database");
    check(old.user_agent != new.user_agent, "user_agent");
    check(old.per_host_delay != new.per_host_delay, "per_host_delay");
    check(
        old.max_concurrency != new.max_concurrency,
        "max_concurrency",
    );
    check(old.max_running != new.max_running, "max_running");
    check(
        old.connect_timeout != new.connect_timeout,
        "connect_timeout",
    );
    check(old.timeout != new.timeout, "timeout");
    check(old.max_body_bytes != new.max_body_bytes, "max_body");
    check(old.retries != new.retries, "retries");
    check(old.retry_delay != new.retry_delay, "retry_delay");
    check(old.recheck_for != new.recheck_for, "recheck_for");
    check(old.near_duplicate != new.near_duplicate, "near_duplicate");
    check(old.log_level != new.log_level, "log_level");
    out
}

/// A source's run in a task of its own. A panic in it (a bug: nothing input-dependent
/// should panic, but one must not take the others down) becomes a failed run that says
/// so: it is recorded, `crawl` exits non-zero, and the daemon keeps the source's
/// schedule instead of losing the source's task.
async fn guarded_run(crawler: &Crawler, source: &crate::config::SourceConfig) -> RunSummary {
    let (c, s) = (crawler.clone(), source.clone());
    // Boxed: the run's state exists only while it runs, so 5,000 waiting sources cost
    // 5,000 small tasks, not 5,000 run states.
    contained(&source.id, async move { Box::pin(c.run(&s)).await }).await
}

/// Runs `run` as its own task; its panic is a failed run of `source_id`.
async fn contained(
    source_id: &str,
    run: impl std::future::Future<Output = RunSummary> + Send + 'static,
) -> RunSummary {
    let started = Utc::now();
    match tokio::spawn(run).await {
        Ok(r) => r,
        Err(e) => {
            let reason = if e.is_panic() {
                let payload = e.into_panic();
                payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".into())
            } else {
                e.to_string()
            };
            error!(source = %source_id, reason = %reason, "a source run stopped with a bug");
            RunSummary {
                source_id: source_id.to_string(),
                started,
                finished: Utc::now(),
                ok: false,
                error: Some(format!(
                    "the run stopped on a bug (please report it): {reason}"
                )),
                ..Default::default()
            }
        }
    }
}

/// Takes the database's daemon lock: an exclusive advisory lock on `DATABASE.lock`, held
/// for as long as the returned file is open. Commands (`crawl`, `sources`, `search`) do
/// not take it; they share the database through SQLite's own locking.
fn lock_database(database: &std::path::Path) -> Result<std::fs::File, DaemonError> {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    let path = std::path::PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| DaemonError::Lock {
            path: path.clone(),
            reason: source.to_string(),
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(DaemonError::Lock {
            path,
            reason: format!(
                "another portalfeed daemon is running on {}; stop it first (or give this one its own [daemon] database)",
                database.display()
            ),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(DaemonError::Lock {
            path,
            reason: e.to_string(),
        }),
    }
}

/// Sends a state to systemd when it started us with `NOTIFY_SOCKET`; a no-op otherwise.
fn notify(states: &[sd_notify::NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        warn!(error = %e, "cannot notify systemd");
    }
}

/// The one-line status: sources, items, the last run, and a reload problem if any.
fn summary(store: &Store, config: &Config, extra: &std::sync::Mutex<String>) -> String {
    let items = store.item_count().unwrap_or(0);
    let last = store
        .latest_run()
        .ok()
        .flatten()
        .map(|r| {
            format!(
                "last run {} ({}) at {}",
                r.source_id,
                if r.ok { "ok" } else { "failed" },
                r.finished
                    .with_timezone(&config.daemon.timezone)
                    .format("%H:%M")
            )
        })
        .unwrap_or_else(|| "no run yet".into());
    let extra = extra.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut line = format!("{} sources, {items} items, {last}", config.sources.len());
    // Deliveries only when some wait or failed: a receiver that is down shows here too.
    if let Ok(d) = store.delivery_counts()
        && d.pending + d.failed > 0
    {
        line.push_str(&format!(
            "; deliveries: {} pending, {} failed",
            d.pending, d.failed
        ));
    }
    if !extra.is_empty() {
        line.push_str("; ");
        line.push_str(&extra);
    }
    line
}

/// The per-source tasks, so that a reload can start, stop and restart them.
struct Scheduler {
    crawler: Crawler,
    store: Arc<Store>,
    tasks: tokio::task::JoinSet<()>,
    /// Source id → (a fingerprint of its configuration as run, the switch that stops
    /// its task).
    running: HashMap<String, (u64, watch::Sender<bool>)>,
}

/// A source's configuration reduced to a number: a reload restarts the sources whose
/// number changed. (Keeping the text instead cost kilobytes per source.)
fn fingerprint(source: &SourceConfig) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{source:?}").hash(&mut h);
    h.finish()
}

impl Scheduler {
    /// Brings the tasks in line with a configuration: removed sources stop, added ones
    /// start, changed ones (schedule, URL, rules…) restart with their new settings.
    fn apply(&mut self, config: &Arc<Config>) {
        let wanted: HashMap<String, &SourceConfig> =
            config.sources.iter().map(|s| (s.id.clone(), s)).collect();
        let stale: Vec<String> = self
            .running
            .iter()
            .filter(|(id, (print, _))| wanted.get(*id).is_none_or(|s| fingerprint(s) != *print))
            .map(|(id, _)| id.clone())
            .collect();
        for id in stale {
            if let Some((_, off)) = self.running.remove(&id) {
                let _ = off.send(true);
                info!(source = %id, "source stopped");
            }
        }
        for source in &config.sources {
            if self.running.contains_key(&source.id) {
                continue;
            }
            let (off, mut rx) = watch::channel(false);
            self.running
                .insert(source.id.clone(), (fingerprint(source), off));
            let crawler = self.crawler.clone();
            let store = self.store.clone();
            let config = config.clone();
            let source = source.clone();
            self.tasks.spawn(async move {
                let mut failures = store.run_streak(&source.id).map(|(_, f)| f).unwrap_or(0);
                let mut next = first_run(&store, &source, &config);
                loop {
                    let wait = (next - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = rx.wait_for(|s| *s) => break,
                    }
                    let mut run = guarded_run(&crawler, &source).await;
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
    }

    fn stop_all(&mut self) {
        for (_, (_, off)) in self.running.drain() {
            let _ = off.send(true);
        }
    }
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
    let Ok((Some(last), failures)) = store.run_streak(&source.id) else {
        return now;
    };
    let due = source
        .schedule
        .next_after(last.started, config.daemon.timezone)
        .unwrap_or(now);
    let due = due
        + chrono::Duration::from_std(schedule::failure_backoff(
            failures,
            config.daemon.backoff_base,
            config.daemon.backoff_max,
        ))
        .unwrap_or_default();
    due.max(now)
}

/// What a signal asks for.
enum Signal {
    Stop,
    Reload,
}

/// SIGTERM or Ctrl-C stop the daemon; SIGHUP reloads its configuration.
async fn wait_for_signal() -> Signal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            error!("cannot listen for SIGTERM and SIGHUP; stopping on Ctrl-C only");
            let _ = tokio::signal::ctrl_c().await;
            return Signal::Stop;
        };
        tokio::select! {
            _ = term.recv() => Signal::Stop,
            _ = tokio::signal::ctrl_c() => Signal::Stop,
            _ = hup.recv() => Signal::Reload,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        Signal::Stop
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reload_names_each_setting_that_waits_for_a_restart() {
        let parse = |daemon: &str| {
            Config::from_str(
                &format!("[daemon]\n{daemon}\n[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\n"),
                std::path::Path::new("t.toml"),
            )
            .unwrap()
            .daemon
        };
        let old = parse("user_agent = \"a/1\"\ntimeout = \"30s\"");
        assert!(restart_only_changes(&old, &old).is_empty());
        let new =
            parse("user_agent = \"a/2\"\ntimeout = \"20s\"\nmax_body = \"1MiB\"\nfeed_items = 10");
        assert_eq!(
            restart_only_changes(&old, &new),
            vec!["user_agent", "timeout", "max_body"],
            "feed_items applies at once and is not named"
        );
    }

    #[test]
    fn the_status_line_names_deliveries_that_wait_or_failed() {
        use crate::model::DeliveryKind;
        use crate::store::NewDelivery;
        let dir = tempfile::tempdir().unwrap();
        let config = Config::from_str(
            "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\n",
            &dir.path().join("t.toml"),
        )
        .unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        store.sync_sources(&config.sources).unwrap();
        let extra = std::sync::Mutex::new(String::new());
        assert_eq!(
            summary(&store, &config, &extra),
            "1 sources, 0 items, no run yet"
        );
        let a = crate::model::Article {
            url: "http://a.test/1.html".into(),
            title: "Tin".into(),
            paragraphs: vec!["Xã tổ chức hội nghị với 120 hộ tham gia.".into()],
            content_html: "<p>Xã tổ chức hội nghị với 120 hộ tham gia.</p>".into(),
            ..Default::default()
        };
        store
            .save(
                "a",
                &a.url,
                &a,
                &crate::text::Identity::of(&a.paragraphs),
                Utc::now(),
            )
            .unwrap();
        let event = store.waiting_events(1).unwrap().remove(0);
        let hook = NewDelivery {
            kind: DeliveryKind::Webhook,
            url: "https://hooks.example/x".into(),
            topic: "all".into(),
            key: event.key(),
            content_type: None,
            body: None,
            headers: vec![],
        };
        store.dispatch(&event, &[hook], Utc::now()).unwrap();
        assert_eq!(
            summary(&store, &config, &extra),
            "1 sources, 1 items, no run yet; deliveries: 1 pending, 0 failed"
        );
    }

    #[tokio::test]
    async fn a_panicking_run_is_a_failed_run_that_says_so() {
        let run = contained("s", async {
            if std::hint::black_box(true) {
                panic!("index out of bounds");
            }
            RunSummary::default()
        })
        .await;
        assert_eq!(run.source_id, "s");
        assert!(!run.ok);
        let error = run.error.unwrap();
        assert!(error.contains("index out of bounds"), "{error}");
        let fine = contained("t", async {
            RunSummary {
                source_id: "t".into(),
                ok: true,
                ..Default::default()
            }
        })
        .await;
        assert!(fine.ok);
    }
}
