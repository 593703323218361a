//! The file as serde reads it: every value we validate keeps its byte span, so that a
//! problem can be shown at its line and column.

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub(super) daemon: RawDaemon,
    #[serde(default)]
    pub(super) source: Vec<RawSource>,
    #[serde(default)]
    pub(super) feed: Vec<RawFeed>,
    #[serde(default)]
    pub(super) websub: RawWebSub,
    #[serde(default)]
    pub(super) delivery: RawDelivery,
    #[serde(default)]
    pub(super) notify: Vec<RawNotify>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebSub {
    pub(super) hub: Option<Spanned<String>>,
    pub(super) allow_private: Option<bool>,
    pub(super) lease: Option<Spanned<String>>,
    pub(super) max_lease: Option<Spanned<String>>,
    pub(super) max_per_topic: Option<Spanned<i64>>,
    pub(super) max_per_host: Option<Spanned<i64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDelivery {
    pub(super) retry_delay: Option<Spanned<String>>,
    pub(super) retry_max: Option<Spanned<String>>,
    pub(super) max_age: Option<Spanned<String>>,
    pub(super) timeout: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotify {
    pub(super) url: Spanned<String>,
    #[serde(default)]
    pub(super) feeds: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) events: Vec<Spanned<String>>,
    pub(super) secret: Option<Spanned<String>>,
    pub(super) format: Option<Spanned<String>>,
    pub(super) allow_private: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFeed {
    pub(super) id: Spanned<String>,
    pub(super) title: Option<String>,
    #[serde(default)]
    pub(super) sources: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) tags: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) include: Vec<String>,
    #[serde(default)]
    pub(super) exclude: Vec<String>,
    #[serde(default)]
    pub(super) kinds: Vec<Spanned<String>>,
    pub(super) limit: Option<Spanned<i64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDaemon {
    pub(super) database: Option<Spanned<String>>,
    pub(super) listen: Option<Spanned<String>>,
    pub(super) schedule: Option<Spanned<String>>,
    pub(super) timezone: Option<Spanned<String>>,
    pub(super) user_agent: Option<Spanned<String>>,
    pub(super) per_host_delay: Option<Spanned<String>>,
    pub(super) public_url: Option<Spanned<String>>,
    pub(super) max_items: Option<Spanned<i64>>,
    pub(super) max_concurrency: Option<Spanned<i64>>,
    pub(super) max_running: Option<Spanned<i64>>,
    pub(super) connect_timeout: Option<Spanned<String>>,
    pub(super) timeout: Option<Spanned<String>>,
    pub(super) max_body: Option<Spanned<String>>,
    pub(super) recheck_for: Option<Spanned<String>>,
    pub(super) jitter: Option<Spanned<String>>,
    pub(super) feed_items: Option<Spanned<i64>>,
    pub(super) retries: Option<Spanned<i64>>,
    pub(super) retry_delay: Option<Spanned<String>>,
    pub(super) backoff_base: Option<Spanned<String>>,
    pub(super) backoff_max: Option<Spanned<String>>,
    pub(super) keep_days: Option<Spanned<i64>>,
    pub(super) max_items_per_source: Option<Spanned<i64>>,
    pub(super) near_duplicate: Option<Spanned<f64>>,
    pub(super) log_level: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    pub(super) id: Spanned<String>,
    pub(super) name: Option<String>,
    pub(super) url: Spanned<String>,
    pub(super) schedule: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) tags: Vec<Spanned<String>>,
    pub(super) links: Option<Spanned<String>>,
    pub(super) link_pattern: Option<Spanned<String>>,
    pub(super) max_items: Option<Spanned<i64>>,
    pub(super) profile: Option<Spanned<String>>,
    pub(super) kind: Option<Spanned<String>>,
    pub(super) max_pages: Option<Spanned<i64>>,
    pub(super) page_url: Option<Spanned<String>>,
    pub(super) robots: Option<bool>,
    #[serde(default)]
    pub(super) allow_hosts: Vec<Spanned<String>>,
    pub(super) allow_private: Option<bool>,
    pub(super) http: Option<RawHttp>,
    pub(super) article: Option<RawArticle>,
    pub(super) documents: Option<RawDocuments>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDocuments {
    pub(super) rows: Option<Spanned<String>>,
    pub(super) number: Option<Spanned<String>>,
    pub(super) date: Option<Spanned<String>>,
    pub(super) summary: Option<Spanned<String>>,
    pub(super) issuer: Option<Spanned<String>>,
    pub(super) signer: Option<Spanned<String>>,
    pub(super) field: Option<Spanned<String>>,
    pub(super) file: Option<Spanned<String>>,
    pub(super) link: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHttp {
    pub(super) ca_file: Option<Spanned<String>>,
    pub(super) insecure_tls: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawArticle {
    pub(super) title: Option<Spanned<String>>,
    pub(super) body: Option<Spanned<String>>,
    pub(super) lead: Option<Spanned<String>>,
    pub(super) date: Option<Spanned<String>>,
    pub(super) author: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) strip: Vec<Spanned<String>>,
}
