//! Push: new and corrected items reach people in seconds, through webhooks
//! (`[[notify]]`) and WebSub, with nothing lost across crashes.
//!
//! The path of a change:
//! 1. `store::Store::save` writes an event into the outbox in the transaction that
//!    stores the item (a new story, a correction, a re-post new to a source).
//! 2. [`Worker`] sees the store's generation move and [`dispatch`]es each waiting event:
//!    which feeds it touches, so which webhooks and WebSub subscribers it is for; their
//!    deliveries are written in the transaction that marks the event dispatched.
//! 3. [`deliver`] sends each receiver's due deliveries in order, marks them delivered on
//!    a 2xx, and otherwise waits (doubling from `retry_delay`, or as `Retry-After` says)
//!    before asking that receiver again, until `max_age` passes.
//!
//! A kill between any two steps leaves the work in the database, so each event is
//! delivered at least once; webhooks carry an idempotency key (the item's GUID and
//! revision) by which receivers drop the rare repeat. [`hub`] is portalfeed's own WebSub
//! hub: subscriptions with verified intent, kept in the store.

pub mod deliver;
pub mod dispatch;
pub mod hub;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::config::Config;
use crate::fetch::{FetchError, Sender};
use crate::store::Store;

pub use hub::Hub;

/// How often the worker looks at the store's generation: the bound on how late a
/// stored item's delivery starts.
const POLL: Duration = Duration::from_millis(100);
/// How often deliveries too old are given up and leases expired.
const HOUSEKEEPING: Duration = Duration::from_secs(60);
/// Finished deliveries and dispatched events are kept this long for the counts.
const KEEP_FINISHED: chrono::Duration = chrono::Duration::days(7);

/// What the worker and the hub share: the store, the sender and the configuration as
/// it is now (a reload replaces it).
#[derive(Clone)]
pub struct Push {
    pub store: Arc<Store>,
    pub sender: Sender,
    pub config: watch::Receiver<Arc<Config>>,
}

impl Push {
    pub fn new(
        store: Arc<Store>,
        config: watch::Receiver<Arc<Config>>,
    ) -> Result<Push, FetchError> {
        let c = config.borrow().clone();
        Ok(Push {
            sender: Sender::new(&c.daemon.user_agent, c.delivery.timeout)?,
            store,
            config,
        })
    }

    pub fn config(&self) -> Arc<Config> {
        self.config.borrow().clone()
    }
}

/// The delivery worker.
pub struct Worker {
    push: Push,
    /// Receivers with a task sending to them now: one task per receiver keeps its
    /// deliveries in order.
    busy: Arc<Mutex<HashSet<String>>>,
}

impl Worker {
    pub fn new(push: Push) -> Worker {
        Worker {
            push,
            busy: Arc::default(),
        }
    }

    /// Runs until `stop` turns true. Work in flight when it does stays pending in the
    /// store and is sent after the next start.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let store = self.push.store.clone();
        let mut seen = None;
        let mut next_look = tokio::time::Instant::now();
        let mut housekeeping = tokio::time::Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            let now = tokio::time::Instant::now();
            // A `portalfeed crawl` next to the daemon commits from another process: seen
            // here at once rather than at the scheduler's next heartbeat.
            if let Err(e) = store.poll_external_changes() {
                warn!(error = %e, "cannot read the database's data_version");
            }
            let generation = store.generation();
            if seen != Some(generation) || now >= next_look {
                seen = Some(generation);
                let tidy = now >= housekeeping;
                if tidy {
                    housekeeping = now + HOUSEKEEPING;
                }
                // SQLite work, off the async workers.
                let push = self.push.clone();
                let work = tokio::task::spawn_blocking(move || {
                    if tidy {
                        tidy_up(&push);
                    }
                    dispatch::waiting(&push);
                    push.store.due_receivers(Utc::now())
                });
                match work.await {
                    Ok(Ok(due)) => self.start_receivers(due, &mut tasks),
                    Ok(Err(e)) => warn!(error = %e, "cannot read the deliveries due"),
                    Err(e) => warn!(error = %e, "dispatching the outbox stopped on a bug"),
                }
                // Retries that come due are seen within a second.
                next_look = now + Duration::from_secs(1);
            }
            while tasks.try_join_next().is_some() {}
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
        }
        tasks.abort_all();
    }

    /// Starts a task for each receiver with due deliveries (`due`) and none running.
    fn start_receivers(&self, due: Vec<String>, tasks: &mut tokio::task::JoinSet<()>) {
        for url in due {
            if !self
                .busy
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(url.clone())
            {
                continue;
            }
            let push = self.push.clone();
            let busy = Busy {
                set: self.busy.clone(),
                url,
            };
            tasks.spawn(async move {
                deliver::receiver(&push, &busy.url).await;
                drop(busy);
            });
        }
    }
}

/// Gives up deliveries older than `max_age`, ends expired leases, forgets what finished a
/// week ago.
fn tidy_up(push: &Push) {
    let store = &push.store;
    let config = push.config();
    let now = Utc::now();
    let max_age = chrono::Duration::from_std(config.delivery.max_age).unwrap_or_default();
    match store.give_up_before(now - max_age, now) {
        Ok(0) => {}
        Ok(n) => warn!(
            deliveries = n,
            "deliveries given up: older than [delivery] max_age"
        ),
        Err(e) => warn!(error = %e, "cannot give up old deliveries"),
    }
    match store.expire_subscriptions(now) {
        Ok(0) => {}
        Ok(n) => info!(subscriptions = n, "WebSub leases expired"),
        Err(e) => warn!(error = %e, "cannot expire WebSub leases"),
    }
    if let Err(e) = store.prune_deliveries(now - KEEP_FINISHED) {
        warn!(error = %e, "cannot prune finished deliveries");
    }
}

/// A receiver marked busy while its task runs; unmarked when the task ends, however it
/// ends (a bug's panic included), so that the receiver is never left without a sender.
struct Busy {
    set: Arc<Mutex<HashSet<String>>>,
    url: String,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.url);
    }
}

/// HMAC-SHA256 of `body` with `secret`, as `sha256=<hex>`: the `X-Hub-Signature` of
/// WebSub 8 and the `X-Hub-Signature-256` webhook receivers know from GitHub.
pub fn signature(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    // HMAC takes a key of any length.
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_receiver_whose_task_panics_is_not_left_busy() {
        let set: Arc<Mutex<HashSet<String>>> = Arc::default();
        set.lock().unwrap().insert("https://r.example/".into());
        let busy = Busy {
            set: set.clone(),
            url: "https://r.example/".into(),
        };
        let task = tokio::spawn(async move {
            let _busy = busy;
            if std::hint::black_box(true) {
                panic!("a bug in a delivery");
            }
        });
        assert!(task.await.unwrap_err().is_panic());
        assert!(set.lock().unwrap().is_empty());
    }

    #[test]
    fn signature_is_hmac_sha256_in_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            super::signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
