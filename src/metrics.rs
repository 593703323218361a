//! Process-wide counters for `/metrics` (Prometheus text format).
//!
//! A handful of counters and one duration sum, so they are plain atomics in a static:
//! the crawler, the fetcher and the server count without passing a registry around.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};

#[derive(Default)]
pub struct Metrics {
    pub fetches: AtomicU64,
    fetch_failures: Mutex<BTreeMap<&'static str, u64>>,
    pub items_new: AtomicU64,
    pub items_updated: AtomicU64,
    pub items_merged: AtomicU64,
    pub runs_ok: AtomicU64,
    /// Delivery requests (webhooks, WebSub, hub pings) answered 2xx, and the others.
    pub deliveries_sent: AtomicU64,
    pub deliveries_failed: AtomicU64,
    pub runs_failed: AtomicU64,
    run_seconds_millis: AtomicU64,
    /// Per format (atom, rss, json) and status (200, 304, 404, other).
    feed_requests: [[AtomicU64; 4]; 3],
    /// Unix time of the scheduler's last heartbeat.
    pub heartbeat: AtomicU64,
}

pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

impl Metrics {
    pub fn fetch_failed(&self, kind: &'static str) {
        *self
            .fetch_failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(kind)
            .or_default() += 1;
    }

    pub fn run_finished(&self, ok: bool, seconds: f64) {
        if ok { &self.runs_ok } else { &self.runs_failed }.fetch_add(1, Ordering::Relaxed);
        self.run_seconds_millis
            .fetch_add((seconds * 1000.0) as u64, Ordering::Relaxed);
    }

    /// Counts a feed request; lock-free, as it is on the serving path.
    pub fn feed_request(&self, format: crate::model::Format, status: u16) {
        let s = match status {
            200 => 0,
            304 => 1,
            404 => 2,
            _ => 3,
        };
        self.feed_requests[format as usize][s].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a delivery request by whether the receiver took it.
    pub fn delivery(&self, ok: bool) {
        if ok {
            &self.deliveries_sent
        } else {
            &self.deliveries_failed
        }
        .fetch_add(1, Ordering::Relaxed);
    }

    pub fn beat(&self) {
        self.heartbeat.store(
            chrono::Utc::now().timestamp().max(0) as u64,
            Ordering::Relaxed,
        );
    }

    /// Seconds since the scheduler's last heartbeat (`None` before the first).
    pub fn heartbeat_age(&self) -> Option<u64> {
        let last = self.heartbeat.load(Ordering::Relaxed);
        (last > 0).then(|| (chrono::Utc::now().timestamp().max(0) as u64).saturating_sub(last))
    }

    /// The Prometheus text exposition. `deliveries` are the store's counts (pending,
    /// failed and delivered of the last week) and `subscriptions` its live WebSub
    /// subscriptions.
    pub fn render(
        &self,
        items_total: usize,
        deliveries: &crate::model::DeliveryCounts,
        subscriptions: usize,
    ) -> String {
        let mut s = String::new();
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(
            s,
            "# HELP portalfeed_fetches_total HTTP requests sent to portals.\n# TYPE portalfeed_fetches_total counter"
        );
        let _ = writeln!(s, "portalfeed_fetches_total {}", get(&self.fetches));
        let _ = writeln!(
            s,
            "# HELP portalfeed_fetch_failures_total Failed requests, by kind.\n# TYPE portalfeed_fetch_failures_total counter"
        );
        for (kind, n) in self
            .fetch_failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(s, "portalfeed_fetch_failures_total{{kind=\"{kind}\"}} {n}");
        }
        let _ = writeln!(
            s,
            "# HELP portalfeed_items_stored_total Articles stored, by outcome.\n# TYPE portalfeed_items_stored_total counter"
        );
        let _ = writeln!(
            s,
            "portalfeed_items_stored_total{{outcome=\"new\"}} {}",
            get(&self.items_new)
        );
        let _ = writeln!(
            s,
            "portalfeed_items_stored_total{{outcome=\"updated\"}} {}",
            get(&self.items_updated)
        );
        let _ = writeln!(
            s,
            "# HELP portalfeed_dedup_merges_total Re-posts merged into a stored item.\n# TYPE portalfeed_dedup_merges_total counter"
        );
        let _ = writeln!(
            s,
            "portalfeed_dedup_merges_total {}",
            get(&self.items_merged)
        );
        let _ = writeln!(
            s,
            "# HELP portalfeed_items Items in the database.\n# TYPE portalfeed_items gauge"
        );
        let _ = writeln!(s, "portalfeed_items {items_total}");
        let _ = writeln!(
            s,
            "# HELP portalfeed_runs_total Source runs, by outcome.\n# TYPE portalfeed_runs_total counter"
        );
        let _ = writeln!(
            s,
            "portalfeed_runs_total{{outcome=\"ok\"}} {}",
            get(&self.runs_ok)
        );
        let _ = writeln!(
            s,
            "portalfeed_runs_total{{outcome=\"failed\"}} {}",
            get(&self.runs_failed)
        );
        let _ = writeln!(
            s,
            "# HELP portalfeed_run_duration_seconds Time spent in source runs.\n# TYPE portalfeed_run_duration_seconds summary"
        );
        let _ = writeln!(
            s,
            "portalfeed_run_duration_seconds_sum {:.3}",
            get(&self.run_seconds_millis) as f64 / 1000.0
        );
        let _ = writeln!(
            s,
            "portalfeed_run_duration_seconds_count {}",
            get(&self.runs_ok) + get(&self.runs_failed)
        );
        let _ = writeln!(
            s,
            "# HELP portalfeed_feed_requests_total Feed requests, by format and status.\n# TYPE portalfeed_feed_requests_total counter"
        );
        for (f, format) in ["atom", "rss", "json"].iter().enumerate() {
            for (i, status) in ["200", "304", "404", "other"].iter().enumerate() {
                let n = get(&self.feed_requests[f][i]);
                if n > 0 {
                    let _ = writeln!(
                        s,
                        "portalfeed_feed_requests_total{{format=\"{format}\",status=\"{status}\"}} {n}"
                    );
                }
            }
        }
        let _ = writeln!(
            s,
            "# HELP portalfeed_delivery_requests_total Webhook, WebSub and hub ping requests, by outcome.\n# TYPE portalfeed_delivery_requests_total counter"
        );
        let _ = writeln!(
            s,
            "portalfeed_delivery_requests_total{{outcome=\"ok\"}} {}",
            get(&self.deliveries_sent)
        );
        let _ = writeln!(
            s,
            "portalfeed_delivery_requests_total{{outcome=\"failed\"}} {}",
            get(&self.deliveries_failed)
        );
        let _ = writeln!(
            s,
            "# HELP portalfeed_deliveries Deliveries in the outbox by state (delivered and failed: the last 7 days).\n# TYPE portalfeed_deliveries gauge"
        );
        for (state, n) in [
            ("pending", deliveries.pending),
            ("failed", deliveries.failed),
            ("delivered", deliveries.delivered),
        ] {
            let _ = writeln!(s, "portalfeed_deliveries{{state=\"{state}\"}} {n}");
        }
        let _ = writeln!(
            s,
            "# HELP portalfeed_websub_subscriptions Live WebSub subscriptions.\n# TYPE portalfeed_websub_subscriptions gauge"
        );
        let _ = writeln!(s, "portalfeed_websub_subscriptions {subscriptions}");
        s
    }
}
