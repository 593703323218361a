//! An outbox event → its deliveries: which feeds the change touches, and so which
//! webhooks, WebSub subscribers and outside hub hear of it, with each webhook's body
//! made now (a retry sends the same bytes, under the same signature).

use chrono::Utc;
use tracing::warn;

use super::{Push, signature};
use crate::config::{Config, NotifyConfig, NotifyFormat};
use crate::feed::{self, FeedEntry, FeedInfo, Format};
use crate::model::{DeliveryKind, Event, FeedItem, FeedScope};
use crate::store::{NewDelivery, OutboxEvent, Store, StoreError};

/// Events taken from the outbox per pass.
const BATCH: usize = 200;

/// Dispatches every waiting event (blocking: it reads and writes SQLite).
pub fn waiting(push: &Push) {
    let config = push.config();
    loop {
        let events = match push.store.waiting_events(BATCH) {
            Ok(e) => e,
            Err(e) => {
                warn!(error = %e, "cannot read the outbox");
                return;
            }
        };
        if events.is_empty() {
            return;
        }
        let catalog = feed::catalog(&config);
        for event in &events {
            let deliveries = match deliveries(&push.store, &config, &catalog, event) {
                Ok(d) => d,
                Err(e) => {
                    // Left waiting: the next pass tries again.
                    warn!(error = %e, event = event.id, "cannot work out an event's deliveries");
                    return;
                }
            };
            if let Err(e) = push.store.dispatch(event, &deliveries, Utc::now()) {
                warn!(error = %e, event = event.id, "cannot write an event's deliveries");
                return;
            }
        }
        if events.len() < BATCH {
            return;
        }
    }
}

/// The feeds an event touches, each with the item as that feed shows it. A re-post's
/// event touches only its source's feed: `all`, tags and custom feeds hold the story
/// already; a correction touches its own source's feed, not those of the portals that
/// re-posted the story (their copies are their own). A catalogue feed is asked only when it could hold the item (a source feed
/// only for a source with a copy), so thousands of sources cost nothing per event.
fn touched<'c>(
    store: &Store,
    config: &Config,
    catalog: &'c [FeedEntry],
    event: &OutboxEvent,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<(&'c FeedEntry, FeedItem)>, StoreError> {
    let sources = match event.event {
        Event::Copy => vec![event.source_id.clone()],
        Event::New | Event::Updated => store.copy_sources(event.item_id)?,
    };
    let tags: Vec<&str> = sources
        .iter()
        .filter_map(|id| config.source(id))
        .flat_map(|s| s.tags.iter().map(String::as_str))
        .collect();
    let mut out = Vec::new();
    for entry in catalog.iter().filter(|e| wanted(&e.key)) {
        let possible = match (&entry.scope, event.event) {
            // A re-post, or a correction of one source's copy: that source's feed; the
            // other sources' copies of the story did not change.
            (FeedScope::Source(id), Event::Copy | Event::Updated) => *id == event.source_id,
            (_, Event::Copy) => false,
            (FeedScope::Source(id), Event::New) => sources.contains(id),
            (FeedScope::Tag(t), _) => tags.contains(&t.as_str()),
            (FeedScope::All | FeedScope::Custom(_) | FeedScope::Search(_), _) => true,
        };
        if possible && let Some(item) = store.feed_item(&entry.scope, event.item_id)? {
            out.push((entry, item));
        }
    }
    Ok(out)
}

/// Every delivery an event makes.
pub fn deliveries(
    store: &Store,
    config: &Config,
    catalog: &[FeedEntry],
    event: &OutboxEvent,
) -> Result<Vec<NewDelivery>, StoreError> {
    let Some(key) = event.key() else {
        // The item is gone (retention): nothing to announce.
        return Ok(Vec::new());
    };
    let now = Utc::now();
    let everything = config.websub.hub.is_some() || store.subscription_count(now)? > 0;
    let touched = touched(store, config, catalog, event, |k| {
        everything || config.notify.iter().any(|n| n.feeds.iter().any(|f| f == k))
    })?;
    if touched.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    // What a webhook calls the event: a re-post is new to the feed it reaches.
    let name = match event.event {
        Event::Updated => Event::Updated,
        Event::New | Event::Copy => Event::New,
    };
    for n in &config.notify {
        if !n.events.contains(&name) {
            continue;
        }
        // The first of its feeds that holds the item: one delivery per event and
        // webhook, however many of its feeds hold it.
        let Some((entry, item)) = n
            .feeds
            .iter()
            .find_map(|f| touched.iter().find(|(e, _)| e.key == *f))
        else {
            continue;
        };
        out.push(webhook(config, n, entry, item, name, &key, event.revision));
    }
    let keys: Vec<&str> = touched.iter().map(|(e, _)| e.key.as_str()).collect();
    match &config.websub.hub {
        Some(hub) => {
            for k in &keys {
                for format in [Format::Atom, Format::Rss, Format::Json] {
                    out.push(NewDelivery {
                        kind: DeliveryKind::Ping,
                        url: hub.to_string(),
                        topic: feed::topic_url(config, k, format),
                        key: None,
                        content_type: None,
                        body: None,
                        headers: Vec::new(),
                    });
                }
            }
        }
        None => {
            for s in store.subscriptions_to(&keys, now)? {
                out.push(NewDelivery {
                    kind: DeliveryKind::WebSub,
                    url: s.callback,
                    topic: s.topic,
                    key: None,
                    content_type: None,
                    body: None,
                    headers: Vec::new(),
                });
            }
        }
    }
    Ok(out)
}

/// A webhook's request: its body in the entry's format, signed when it has a secret.
fn webhook(
    config: &Config,
    n: &NotifyConfig,
    entry: &FeedEntry,
    item: &FeedItem,
    event: Event,
    key: &str,
    revision: i64,
) -> NewDelivery {
    let tz = config.daemon.timezone;
    let body = match n.format {
        NotifyFormat::Json => {
            let info = FeedInfo::of(config, entry, &format!("feeds/{}.json", entry.key));
            let mut doc = feed::json_document(&info, std::slice::from_ref(item), tz);
            doc["_portalfeed"] = serde_json::json!({
                "event": event.as_str(),
                "feed": entry.key,
                "idempotency_key": key,
                "revision": revision,
            });
            serde_json::to_vec(&doc).unwrap_or_default()
        }
        NotifyFormat::Slack => {
            serde_json::to_vec(&serde_json::json!({ "text": slack_text(item, event) }))
                .unwrap_or_default()
        }
    };
    let mut headers = vec![
        ("Idempotency-Key".to_string(), key.to_string()),
        ("X-Portalfeed-Event".to_string(), event.as_str().to_string()),
        ("X-Portalfeed-Feed".to_string(), entry.key.clone()),
    ];
    if let Some(secret) = &n.secret {
        headers.push(("X-Hub-Signature-256".to_string(), signature(secret, &body)));
    }
    NewDelivery {
        kind: DeliveryKind::Webhook,
        url: n.url.to_string(),
        topic: entry.key.clone(),
        key: Some(key.to_string()),
        content_type: Some("application/json".to_string()),
        body: Some(body),
        headers,
    }
}

/// The message of a chat webhook: the headline as a link, the source, the lead. Slack's
/// markup reserves `&`, `<` and `>`, which are escaped (Mattermost, Rocket.Chat and
/// Discord's Slack-compatible endpoint read the same).
pub fn slack_text(item: &FeedItem, event: Event) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    // A `|` ends the link's address in Slack's markup.
    let link = item.link.replace('|', "%7C");
    let label = match event {
        Event::Updated => "Cập nhật: ",
        _ => "",
    };
    let lead = feed::summary(&item.text, 280);
    let mut text = format!(
        "{label}*<{}|{}>*\n_{}_",
        esc(&link),
        esc(&feed::xml_safe(&item.title)),
        esc(&item.source_name)
    );
    if !lead.is_empty() {
        text.push('\n');
        text.push_str(&esc(&feed::xml_safe(&lead)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> FeedItem {
        FeedItem {
            guid: "urn:uuid:1".into(),
            title: "Hội nghị <tổng kết> & khen thưởng".into(),
            link: "https://xa.gov.vn/tin|1".into(),
            published: None,
            updated: Utc::now(),
            author: None,
            credit: None,
            content_html: "<p>x</p>".into(),
            text: "Sáng 5/12, UBND xã tổ chức hội nghị.\n\nĐoạn hai.".into(),
            source_id: "xa".into(),
            source_name: "Xã A".into(),
            source_url: "https://xa.gov.vn/".into(),
            tags: vec![],
            images: vec![],
            attachments: vec![],
            categories: vec![],
            other_copies: vec![],
        }
    }

    #[test]
    fn slack_text_links_the_headline_and_escapes_markup() {
        let t = slack_text(&item(), Event::New);
        assert_eq!(
            t,
            "*<https://xa.gov.vn/tin%7C1|Hội nghị &lt;tổng kết&gt; &amp; khen thưởng>*\n_Xã A_\nSáng 5/12, UBND xã tổ chức hội nghị."
        );
        assert!(slack_text(&item(), Event::Updated).starts_with("Cập nhật: *<"));
    }
}
