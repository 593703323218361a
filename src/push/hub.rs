//! portalfeed's own WebSub hub (W3C WebSub 5, 6): subscription requests at `/websub`,
//! checked at once, their intent verified against the callback, verified subscriptions
//! kept in the store with a lease.
//!
//! A callback is a URL anyone can submit, so it passes the crawl's address policy
//! (private and loopback addresses refused unless `[websub] allow_private`); the hub
//! verifies at most a few at a time, and holds each topic and each callback host to a
//! number of subscriptions.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use tracing::{info, warn};
use url::Url;

use super::Push;
use crate::config::MAX_SECRET;
use crate::feed;
use crate::fetch::Sender;
use crate::store::{SubscribeRefusal, Subscription};

/// Verifications in flight at once; more requests wait for a slot or are refused.
const VERIFYING: usize = 16;
/// The shortest lease granted.
const MIN_LEASE: Duration = Duration::from_secs(3600);

/// A request the hub does not take, with the HTTP status that says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct HubRefusal {
    pub status: u16,
    pub reason: String,
}

fn refuse(status: u16, reason: impl Into<String>) -> HubRefusal {
    HubRefusal {
        status,
        reason: reason.into(),
    }
}

/// A subscribe or unsubscribe request that passed the checks, to verify.
#[derive(Debug, Clone)]
struct Intent {
    subscribe: bool,
    callback: Url,
    subscription: Subscription,
    lease: Duration,
}

/// The hub.
#[derive(Clone)]
pub struct Hub {
    push: Push,
    verifying: Arc<tokio::sync::Semaphore>,
}

impl Hub {
    pub fn new(push: Push) -> Hub {
        Hub {
            push,
            verifying: Arc::new(tokio::sync::Semaphore::new(VERIFYING)),
        }
    }

    /// Takes a subscriber's request (the form posted to `/websub`): `Ok` means 202
    /// Accepted, and the intent is verified in the background; the subscription exists
    /// once the callback echoed the challenge.
    pub async fn request(&self, form: &[(String, String)]) -> Result<(), HubRefusal> {
        let intent = self.check(form).await?;
        let Ok(slot) = self.verifying.clone().try_acquire_owned() else {
            return Err(refuse(
                429,
                "too many verifications in progress; try again in a minute",
            ));
        };
        let hub = self.clone();
        tokio::spawn(async move {
            let _slot = slot;
            hub.verify(intent).await;
        });
        Ok(())
    }

    async fn check(&self, form: &[(String, String)]) -> Result<Intent, HubRefusal> {
        let config = self.push.config();
        if let Some(hub) = &config.websub.hub {
            return Err(refuse(
                404,
                format!("these feeds are pushed by the hub at {hub}; subscribe there"),
            ));
        }
        let get = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let subscribe = match get("hub.mode") {
            Some("subscribe") => true,
            Some("unsubscribe") => false,
            Some(other) => {
                return Err(refuse(
                    400,
                    format!("hub.mode {other:?} is not taken here; use subscribe or unsubscribe"),
                ));
            }
            None => return Err(refuse(400, "hub.mode is missing")),
        };
        let callback = get("hub.callback").ok_or_else(|| refuse(400, "hub.callback is missing"))?;
        let callback = Url::parse(callback)
            .map_err(|e| refuse(400, format!("hub.callback {callback:?} is not a URL: {e}")))?;
        Sender::admit(&callback, config.websub.allow_private)
            .await
            .map_err(|r| refuse(400, format!("hub.callback refused: {r}")))?;
        let topic = get("hub.topic").ok_or_else(|| refuse(400, "hub.topic is missing"))?;
        let catalog = feed::catalog(&config);
        let (entry, format) = feed::feed_of_topic(&config, &catalog, topic)
            .ok_or_else(|| refuse(404, format!("{topic} is not a feed served here")))?;
        let lease = match get("hub.lease_seconds") {
            Some(s) => {
                let secs: u64 = s.trim().parse().map_err(|_| {
                    refuse(
                        400,
                        format!("hub.lease_seconds {s:?} is not a number of seconds"),
                    )
                })?;
                Duration::from_secs(secs).clamp(MIN_LEASE, config.websub.max_lease)
            }
            None => config.websub.lease,
        };
        let secret = get("hub.secret").filter(|s| !s.is_empty());
        if secret.is_some_and(|s| s.len() > MAX_SECRET) {
            return Err(refuse(
                400,
                format!("hub.secret is longer than {MAX_SECRET} bytes"),
            ));
        }
        let subscription = Subscription {
            callback: callback.to_string(),
            topic: topic.to_string(),
            feed: entry.key.clone(),
            format: format.extension().to_string(),
            secret: secret.map(str::to_string),
            lease_until: Utc::now() + chrono::Duration::from_std(lease).unwrap_or_default(),
        };
        if subscribe {
            let store = self.push.store.clone();
            let (s, host) = (subscription.clone(), host(&callback));
            let (per_topic, per_host) = (config.websub.max_per_topic, config.websub.max_per_host);
            let room =
                tokio::task::spawn_blocking(move || store.room_for(&s, &host, per_topic, per_host))
                    .await
                    .map_err(|e| refuse(500, e.to_string()))?
                    .map_err(|e| refuse(503, e.to_string()))?;
            room.map_err(too_many)?;
        }
        Ok(Intent {
            subscribe,
            callback,
            subscription,
            lease,
        })
    }

    /// Verification of intent (WebSub 5.3): the callback must echo a random challenge.
    async fn verify(&self, intent: Intent) {
        let config = self.push.config();
        let challenge = hex::encode(rand::rng().random::<[u8; 16]>());
        let mut url = intent.callback.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair(
                "hub.mode",
                if intent.subscribe {
                    "subscribe"
                } else {
                    "unsubscribe"
                },
            )
            .append_pair("hub.topic", &intent.subscription.topic)
            .append_pair("hub.challenge", &challenge);
            if intent.subscribe {
                q.append_pair("hub.lease_seconds", &intent.lease.as_secs().to_string());
            }
        }
        let s = &intent.subscription;
        let answer = self
            .push
            .sender
            .get(&url, config.websub.allow_private)
            .await;
        let confirmed = match &answer {
            Ok(a) if a.is_success() && a.body.trim() == challenge => true,
            Ok(a) if a.is_success() => {
                warn!(callback = %s.callback, topic = %s.topic, "WebSub verification: the callback did not echo the challenge");
                false
            }
            Ok(a) => {
                info!(callback = %s.callback, topic = %s.topic, status = a.status, "WebSub verification refused by the subscriber");
                false
            }
            Err(e) => {
                warn!(callback = %s.callback, topic = %s.topic, error = %e, "WebSub verification failed");
                false
            }
        };
        if !confirmed {
            return;
        }
        let store = self.push.store.clone();
        let (s, host) = (intent.subscription.clone(), host(&intent.callback));
        let (per_topic, per_host) = (config.websub.max_per_topic, config.websub.max_per_host);
        let subscribe = intent.subscribe;
        let stored = tokio::task::spawn_blocking(move || {
            if subscribe {
                store
                    .subscribe(&s, &host, per_topic, per_host, Utc::now())
                    .map(|r| r.map_err(too_many))
            } else {
                store.unsubscribe(&s.callback, &s.topic).map(|_| Ok(()))
            }
        })
        .await;
        let s = &intent.subscription;
        match stored {
            Ok(Ok(Ok(()))) if subscribe => {
                info!(callback = %s.callback, topic = %s.topic, lease_until = %s.lease_until.to_rfc3339(), "WebSub subscription verified")
            }
            Ok(Ok(Ok(()))) => {
                info!(callback = %s.callback, topic = %s.topic, "WebSub subscription ended")
            }
            Ok(Ok(Err(refusal))) => {
                warn!(callback = %s.callback, topic = %s.topic, reason = %refusal, "WebSub subscription refused")
            }
            Ok(Err(e)) => warn!(error = %e, "cannot store a WebSub subscription"),
            Err(e) => warn!(error = %e, "storing a WebSub subscription stopped on a bug"),
        }
    }
}

/// The callback's host, by which subscriptions are limited.
fn host(callback: &Url) -> String {
    callback.host_str().unwrap_or("").to_ascii_lowercase()
}

fn too_many(r: SubscribeRefusal) -> HubRefusal {
    match r {
        SubscribeRefusal::TopicFull(n) => refuse(
            429,
            format!("this topic has the most subscribers allowed ({n})"),
        ),
        SubscribeRefusal::HostFull(n) => refuse(
            429,
            format!("the callback's host has the most subscriptions allowed ({n})"),
        ),
    }
}
