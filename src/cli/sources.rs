//! `portalfeed sources`: each source's health, one line each.

use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use portalfeed::config::Config;
use portalfeed::{daemon, store};

pub fn run(config: &Path) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
    // With the daemon's identity settings, as every command that opens the store.
    let store = daemon::open_store(&config)?;
    let tz = config.daemon.timezone;
    let when = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    outln!(
        "{:<24} {:<8} {:<16} {:<8} {:>6} {:>5} {:>5} {:>4} {:>5} {:<16}  last error",
        "source",
        "kind",
        "last run",
        "outcome",
        "status",
        "found",
        "new",
        "upd",
        "fails",
        "next run"
    );
    for s in &config.sources {
        let h = store.health(&s.id)?;
        let (last, outcome, status, found, new, upd, next, error) = match &h.last {
            Some(r) => (
                when(r.started),
                if r.ok { "ok" } else { "FAILED" },
                r.status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into()),
                r.found,
                r.new,
                r.updated,
                r.next_run.map(when).unwrap_or_else(|| "-".into()),
                r.error.clone().unwrap_or_default(),
            ),
            None => (
                "never".into(),
                "-",
                "-".into(),
                0,
                0,
                0,
                "at start".into(),
                String::new(),
            ),
        };
        let tls = if s.http.insecure_tls {
            " [insecure TLS]"
        } else {
            ""
        };
        let flapping = store::flapping_note(h.flapping)
            .map(|n| format!(" [{n}]"))
            .unwrap_or_default();
        outln!(
            "{:<24} {:<8} {:<16} {:<8} {:>6} {:>5} {:>5} {:>4} {:>5} {:<16}  {}{}{}",
            s.id,
            s.kind.as_str(),
            last,
            outcome,
            status,
            found,
            new,
            upd,
            h.consecutive_failures,
            next,
            error,
            tls,
            flapping
        );
    }
    let targets = store.delivery_targets()?;
    let subscriptions = store.subscription_count(Utc::now())?;
    if !targets.is_empty() || subscriptions > 0 {
        outln!("");
        outln!(
            "{:<40} {:<8} {:>8} {:>7} {:>10}  last problem",
            "receiver",
            "kind",
            "pending",
            "failed",
            "delivered"
        );
        for t in &targets {
            outln!(
                "{:<40} {:<8} {:>8} {:>7} {:>10}  {}",
                portalfeed::status::receiver(&t.url),
                t.kind.as_str(),
                t.counts.pending,
                t.counts.failed,
                t.counts.delivered,
                t.last_error.as_deref().unwrap_or("")
            );
        }
        outln!("{subscriptions} WebSub subscriptions; delivered and failed count the last 7 days");
    }
    Ok(ExitCode::SUCCESS)
}
