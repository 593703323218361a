//! Sending one receiver's due deliveries, in order, and recording each outcome.
//!
//! A webhook delivery is one request. A WebSub delivery sends the topic's feed as it is
//! when sent, so the subscriber's pending deliveries for a topic go as one request
//! covering every change made before it was rendered; a ping to an outside hub likewise.
//! On a failure the receiver is left alone until its retry time, which doubles from
//! `retry_delay` up to `retry_max`, or is what its `Retry-After` asked.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tracing::{debug, warn};
use url::Url;

use super::{Push, signature};
use crate::config::Config;
use crate::feed::{self, FeedEntry, FeedInfo};
use crate::fetch::{Answer, FetchError};
use crate::model::DeliveryKind;
use crate::store::{Delivery, Store, StoreError};

/// Deliveries read per round for one receiver.
const ROUND: usize = 50;

/// What one request came to.
enum Outcome {
    Delivered(u16),
    /// The receiver does not want it any more (WebSub's 410 Gone, or its subscription
    /// ended): failed for good.
    Abandoned(String),
    /// Try again later.
    Failed {
        status: Option<u16>,
        reason: String,
        retry_after: Option<Duration>,
    },
}

/// Sends `url`'s due deliveries until none is due or the receiver fails.
pub async fn receiver(push: &Push, url: &str) {
    loop {
        let store = push.store.clone();
        let u = url.to_string();
        let due =
            match tokio::task::spawn_blocking(move || store.due_to(&u, Utc::now(), ROUND)).await {
                Ok(Ok(d)) => d,
                Ok(Err(e)) => {
                    warn!(error = %e, receiver = url, "cannot read the deliveries due");
                    return;
                }
                Err(_) => return,
            };
        if due.is_empty() {
            return;
        }
        let config = push.config();
        // The feed catalogue, for WebSub content: made once per round, when needed.
        let catalog = if due.iter().any(|d| d.request.kind == DeliveryKind::WebSub) {
            feed::catalog(&config)
        } else {
            Vec::new()
        };
        // Requests in order; WebSub and pings grouped by topic.
        let mut groups: Vec<Vec<Delivery>> = Vec::new();
        for d in due {
            let r = &d.request;
            match groups.iter_mut().find(|g| {
                r.kind != DeliveryKind::Webhook
                    && g[0].request.kind == r.kind
                    && g[0].request.topic == r.topic
            }) {
                Some(g) => g.push(d),
                None => groups.push(vec![d]),
            }
        }
        for group in groups {
            let ids: Vec<i64> = group.iter().map(|d| d.id).collect();
            let outcome = send(push, &config, &catalog, &group).await;
            let attempts = group.iter().map(|d| d.attempts).max().unwrap_or(0);
            // The writer may be busy with a crawl's article: waited for off the async
            // workers.
            let (store, config2, url2) = (push.store.clone(), config.clone(), url.to_string());
            let failed = matches!(outcome, Outcome::Failed { .. });
            let recorded = tokio::task::spawn_blocking(move || {
                record(&store, &config2, &url2, &ids, attempts, outcome)
            })
            .await;
            match recorded {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    warn!(error = %e, "cannot record a delivery's outcome");
                    return;
                }
                Err(e) => {
                    warn!(error = %e, "recording a delivery's outcome stopped on a bug");
                    return;
                }
            }
            // A receiver that failed is left alone until its retry time.
            if failed {
                return;
            }
        }
    }
}

/// Records what one request to `url` came to, for the deliveries `ids` it carried
/// (which had failed `attempts` times before).
fn record(
    store: &Store,
    config: &Config,
    url: &str,
    ids: &[i64],
    attempts: u32,
    outcome: Outcome,
) -> Result<(), StoreError> {
    let now = Utc::now();
    match outcome {
        Outcome::Delivered(status) => {
            debug!(receiver = url, deliveries = ids.len(), status, "delivered");
            crate::metrics::METRICS.delivery(true);
            store.delivered(ids, status, now)
        }
        Outcome::Abandoned(reason) => {
            warn!(receiver = url, reason = %reason, "deliveries dropped");
            store.abandon(ids, &reason, now)
        }
        Outcome::Failed {
            status,
            reason,
            retry_after,
        } => {
            crate::metrics::METRICS.delivery(false);
            let at = retry_at(config, attempts, retry_after, now);
            warn!(receiver = url, reason = %reason, retry_at = %at.to_rfc3339(), "delivery failed; will retry");
            store.attempt_failed(ids, url, status, &reason, at)
        }
    }
}

/// When a receiver that failed `attempts` times before is asked again: its `Retry-After`,
/// else `retry_delay` doubled per earlier failure, at most `retry_max`.
pub fn retry_at(
    config: &Config,
    attempts: u32,
    retry_after: Option<Duration>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let d = &config.delivery;
    let wait = match retry_after {
        // Honoured, but never past the age at which the delivery is given up.
        Some(after) => after.min(d.max_age),
        None => d
            .retry_delay
            .saturating_mul(1u32 << attempts.min(20))
            .min(d.retry_max),
    };
    // Whole seconds in the store: a wait under one second rounds up to one.
    let secs = wait.as_secs_f64().ceil().max(1.0) as i64;
    now + chrono::Duration::seconds(secs)
}

async fn send(push: &Push, config: &Config, catalog: &[FeedEntry], group: &[Delivery]) -> Outcome {
    let first = &group[0].request;
    let Ok(url) = Url::parse(&first.url) else {
        return Outcome::Abandoned(format!("{} is not a URL", first.url));
    };
    match first.kind {
        DeliveryKind::Webhook => {
            let allow_private = config
                .notify
                .iter()
                .find(|n| n.url.as_str() == first.url)
                .map(|n| n.allow_private);
            let Some(allow_private) = allow_private else {
                return Outcome::Abandoned("this webhook is no longer in the configuration".into());
            };
            let answer = push
                .sender
                .post(
                    &url,
                    allow_private,
                    first.content_type.as_deref().unwrap_or("application/json"),
                    &first.headers,
                    first.body.clone().unwrap_or_default(),
                )
                .await;
            judge(answer, false)
        }
        DeliveryKind::Ping => {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("hub.mode", "publish")
                .append_pair("hub.url", &first.topic)
                .append_pair("hub.topic", &first.topic)
                .finish();
            let answer = push
                .sender
                .post(
                    &url,
                    config.websub.allow_private,
                    "application/x-www-form-urlencoded",
                    &[],
                    body.into_bytes(),
                )
                .await;
            judge(answer, false)
        }
        DeliveryKind::WebSub => websub(push, config, catalog, &url, &first.topic).await,
    }
}

/// WebSub content distribution (W3C WebSub 7): the topic's feed, signed with the
/// subscriber's secret, with the hub and self links.
async fn websub(
    push: &Push,
    config: &Config,
    catalog: &[FeedEntry],
    callback: &Url,
    topic: &str,
) -> Outcome {
    let store = push.store.clone();
    let (cb, t) = (callback.to_string(), topic.to_string());
    let subscription =
        match tokio::task::spawn_blocking(move || store.subscription(&cb, &t, Utc::now())).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return failed(None, e.to_string()),
            Err(e) => return failed(None, e.to_string()),
        };
    let Some(subscription) = subscription else {
        return Outcome::Abandoned("the subscription ended (unsubscribed or lease expired)".into());
    };
    let Some((entry, format)) = feed::feed_of_topic(config, catalog, topic) else {
        return Outcome::Abandoned(format!("{topic} is no longer one of the feeds"));
    };
    let (scope, limit) = (entry.scope.clone(), entry.limit);
    let store = push.store.clone();
    let items = match tokio::task::spawn_blocking(move || store.feed_items(&scope, limit)).await {
        Ok(Ok(items)) => items,
        Ok(Err(e)) => return failed(None, e.to_string()),
        Err(e) => return failed(None, e.to_string()),
    };
    let path = format!("feeds/{}.{}", entry.key, format.extension());
    let info = FeedInfo::of(config, entry, &path);
    let body = feed::render(format, &info, &items, config.daemon.timezone).into_bytes();
    let mut headers = vec![(
        "Link".to_string(),
        format!(
            "<{}>; rel=\"hub\", <{}>; rel=\"self\"",
            feed::hub_url(config),
            topic
        ),
    )];
    if let Some(secret) = &subscription.secret {
        headers.push(("X-Hub-Signature".to_string(), signature(secret, &body)));
    }
    let answer = push
        .sender
        .post(
            callback,
            config.websub.allow_private,
            format.content_type(),
            &headers,
            body,
        )
        .await;
    let outcome = judge(answer, true);
    if let Outcome::Abandoned(_) = &outcome {
        // 410 Gone: the subscriber ended it (WebSub 7).
        let store = push.store.clone();
        let (cb, t) = (callback.to_string(), topic.to_string());
        let _ = tokio::task::spawn_blocking(move || store.unsubscribe(&cb, &t)).await;
    }
    outcome
}

fn failed(status: Option<u16>, reason: String) -> Outcome {
    Outcome::Failed {
        status,
        reason,
        retry_after: None,
    }
}

/// A receiver's answer as an outcome. `gone_ends`: a 410 ends a WebSub subscription.
fn judge(answer: Result<Answer, FetchError>, gone_ends: bool) -> Outcome {
    match answer {
        Ok(a) if a.is_success() => Outcome::Delivered(a.status),
        Ok(a) if gone_ends && a.status == 410 => {
            Outcome::Abandoned("the subscriber answered 410 Gone".into())
        }
        Ok(a) => {
            // A receiver's own words when they are a short text ("no_service", "invalid
            // token"); an HTML error page says nothing the status does not.
            let said: String = if a.body.contains('<') {
                String::new()
            } else {
                a.body
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .chars()
                    .take(200)
                    .collect()
            };
            Outcome::Failed {
                status: Some(a.status),
                reason: if said.is_empty() {
                    format!("HTTP {}", a.status)
                } else {
                    format!("HTTP {}: {said}", a.status)
                },
                retry_after: a.retry_after,
            }
        }
        Err(e) => failed(e.status(), e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_keeps_the_receivers_words_but_not_its_error_page() {
        let reason = |status, body: &str| match judge(
            Ok(Answer {
                status,
                retry_after: Some(Duration::from_secs(7)),
                body: body.into(),
            }),
            false,
        ) {
            Outcome::Failed {
                reason,
                retry_after,
                ..
            } => {
                assert_eq!(retry_after, Some(Duration::from_secs(7)));
                reason
            }
            _ => panic!("not a failure"),
        };
        assert_eq!(reason(404, " no_service\n"), "HTTP 404: no_service");
        assert_eq!(
            reason(
                501,
                "<!DOCTYPE HTML><html><title>Error response</title></html>"
            ),
            "HTTP 501"
        );
        assert!(matches!(
            judge(
                Ok(Answer {
                    status: 410,
                    retry_after: None,
                    body: String::new()
                }),
                true
            ),
            Outcome::Abandoned(_)
        ));
    }

    #[test]
    fn retries_double_up_to_the_cap_and_retry_after_wins() {
        let config = Config::from_str(
            "[delivery]\nretry_delay = \"10s\"\nretry_max = \"1m\"\nmax_age = \"1h\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let now = Utc::now();
        let wait = |attempts, after| (retry_at(&config, attempts, after, now) - now).num_seconds();
        assert_eq!(wait(0, None), 10);
        assert_eq!(wait(1, None), 20);
        assert_eq!(wait(2, None), 40);
        assert_eq!(wait(3, None), 60);
        assert_eq!(wait(30, None), 60);
        assert_eq!(wait(0, Some(Duration::from_secs(120))), 120);
        assert_eq!(
            wait(0, Some(Duration::from_secs(86_400))),
            3600,
            "never past max_age"
        );
        assert_eq!(wait(0, Some(Duration::ZERO)), 1);
    }
}
