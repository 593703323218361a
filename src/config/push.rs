//! The push tables: `[websub]`, `[delivery]` and each `[[notify]]` webhook.

use std::time::Duration;

use super::error::ConfigError;
use super::raw::{RawDelivery, RawNotify, RawWebSub};
use super::tables::FileContext;
use super::validate::{DAY, HOUR, SECOND, Validator, parse_http_url};
use super::{DeliveryConfig, FeedConfig, NotifyConfig, NotifyFormat, WebSubConfig};
use crate::model::Event;

/// The longest secret WebSub allows a subscriber (W3C WebSub 5.1); a webhook's is held
/// to the same.
pub const MAX_SECRET: usize = 200;

impl Validator<'_> {
    pub(super) fn websub(&self, w: &RawWebSub) -> Result<WebSubConfig, ConfigError> {
        let d = WebSubConfig::default();
        let lease = self.duration_in(&w.lease, d.lease, HOUR, 365 * DAY)?;
        let max_lease = self.duration_in(&w.max_lease, d.max_lease.max(lease), HOUR, 365 * DAY)?;
        if max_lease < lease
            && let Some(s) = &w.max_lease
        {
            return Err(self.error_at(
                s.span().start,
                format!(
                    "max_lease ({}) is shorter than lease ({})",
                    humantime::format_duration(max_lease),
                    humantime::format_duration(lease)
                ),
            ));
        }
        let allow_private = w.allow_private.unwrap_or(false);
        let hub = match &w.hub {
            Some(s) => Some(self.receiver_url(s, allow_private, "[websub]")?),
            None => None,
        };
        Ok(WebSubConfig {
            hub,
            allow_private,
            lease,
            max_lease,
            max_per_topic: self.count(&w.max_per_topic, d.max_per_topic)?,
            max_per_host: self.count(&w.max_per_host, d.max_per_host)?,
        })
    }

    pub(super) fn delivery(&self, r: &RawDelivery) -> Result<DeliveryConfig, ConfigError> {
        let d = DeliveryConfig::default();
        let retry_delay = self.duration_in(
            &r.retry_delay,
            d.retry_delay,
            Duration::from_millis(100),
            HOUR,
        )?;
        let retry_max =
            self.duration_in(&r.retry_max, d.retry_max.max(retry_delay), SECOND, DAY)?;
        if retry_max < retry_delay
            && let Some(s) = &r.retry_max
        {
            return Err(self.error_at(
                s.span().start,
                "retry_max is shorter than retry_delay".into(),
            ));
        }
        Ok(DeliveryConfig {
            retry_delay,
            retry_max,
            max_age: self.duration_in(&r.max_age, d.max_age, Duration::from_secs(60), 30 * DAY)?,
            timeout: self.duration_in(&r.timeout, d.timeout, SECOND, Duration::from_secs(300))?,
        })
    }

    /// One `[[notify]]`; `feeds` are the checked `[[feed]]`s.
    pub(super) fn notify(
        &self,
        n: RawNotify,
        ctx: &FileContext,
        feeds: &[FeedConfig],
    ) -> Result<NotifyConfig, ConfigError> {
        let allow_private = n.allow_private.unwrap_or(false);
        let url = self.receiver_url(&n.url, allow_private, "this [[notify]]")?;
        if n.feeds.is_empty() {
            return Err(self.error_at(
                n.url.span().start,
                "this [[notify]] names no feeds; add feeds = [\"all\"] or the feeds it is for"
                    .into(),
            ));
        }
        let mut keys = Vec::new();
        for f in &n.feeds {
            keys.push(self.check(f, |key| {
                let known = key == "all"
                    || ctx.written_ids.contains(key)
                    || feeds.iter().any(|x| x.id == key)
                    || key
                        .strip_prefix("tag/")
                        .is_some_and(|t| ctx.written_tags.contains(t));
                if known {
                    Ok(key.to_string())
                } else if ctx.written_tags.contains(key) {
                    Err(format!("{key:?} is a tag; its feed is \"tag/{key}\""))
                } else {
                    Err(format!(
                        "no feed {key:?}; use \"all\", a source id, \"tag/<tag>\" or a [[feed]] id"
                    ))
                }
            })?);
        }
        let mut events = Vec::new();
        for e in &n.events {
            events.push(self.check(e, |e| match e {
                "new" => Ok(Event::New),
                "updated" => Ok(Event::Updated),
                other => Err(format!(
                    "unknown event {other:?}; use \"new\" or \"updated\""
                )),
            })?);
        }
        if events.is_empty() {
            events = vec![Event::New, Event::Updated];
        }
        let secret = match &n.secret {
            Some(s) => Some(self.check(s, check_secret)?),
            None => None,
        };
        let format = match &n.format {
            Some(f) => self.check(f, |f| match f {
                "json" => Ok(NotifyFormat::Json),
                "slack" => Ok(NotifyFormat::Slack),
                other => Err(format!(
                    "unknown format {other:?}; use \"json\" or \"slack\""
                )),
            })?,
            None => NotifyFormat::Json,
        };
        Ok(NotifyConfig {
            url,
            feeds: keys,
            events,
            secret,
            format,
            allow_private,
        })
    }

    /// A receiver's http(s) URL (a webhook, an outside hub), refused at its place when it
    /// names a loopback or private address and its `table` does not allow that: every
    /// request to it would be refused.
    fn receiver_url(
        &self,
        value: &toml::Spanned<String>,
        allow_private: bool,
        table: &str,
    ) -> Result<url::Url, ConfigError> {
        let url = self.check(value, parse_http_url)?;
        if !allow_private && let Some(host) = crate::address::internal_host(&url) {
            return Err(self.error_at(
                value.span().start,
                format!(
                    "{host} is a loopback or private address, where every request would be refused; set allow_private = true in {table} for a receiver on your own network"
                ),
            ));
        }
        Ok(url)
    }
}

fn check_secret(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("secret is empty; remove it or give one".into());
    }
    if s.len() > MAX_SECRET {
        return Err(format!("secret is longer than {MAX_SECRET} bytes"));
    }
    Ok(s.to_string())
}
