//! The TOML configuration: schema, defaults and validation.
//!
//! Parsing happens in two steps. Serde reads the file into `Raw*` structs that keep the
//! byte span of every value we validate; `Config::from_str` then checks each value
//! (cron, URLs, selectors, regexes, ids) and turns a failure into a [`ConfigError`] that
//! names the file, line and column, the way a compiler would.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use regex::Regex;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::extract::ArticleRules;
use crate::schedule::Schedule;

/// Everything wrong with a configuration file, in file order, so that one `check` shows
/// every mistake rather than one per try. Each `[daemon]` table, `[[source]]` and
/// `[[feed]]` is checked on its own; within one, checking stops at its first problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub file: PathBuf,
    /// Never empty.
    pub problems: Vec<Problem>,
}

/// One problem and where it is. Line 0: the file as a whole (it cannot be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ConfigError {
    fn whole_file(file: &Path, message: String) -> ConfigError {
        ConfigError {
            file: file.to_path_buf(),
            problems: vec![Problem {
                line: 0,
                column: 0,
                message,
            }],
        }
    }

    /// The problems of several parts of one file as one error, in file order.
    fn joined(errors: Vec<ConfigError>) -> Option<ConfigError> {
        let file = errors.first()?.file.clone();
        let mut problems: Vec<Problem> = errors.into_iter().flat_map(|e| e.problems).collect();
        problems.sort_by_key(|p| (p.line, p.column));
        Some(ConfigError { file, problems })
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if p.line == 0 {
                write!(f, "{}: {}", self.file.display(), p.message)?;
            } else {
                write!(
                    f,
                    "{}:{}:{}: {}",
                    self.file.display(),
                    p.line,
                    p.column,
                    p.message
                )?;
            }
        }
        Ok(())
    }
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from; relative paths inside are relative to its folder.
    pub path: PathBuf,
    pub daemon: DaemonConfig,
    pub sources: Vec<SourceConfig>,
    pub feeds: Vec<FeedConfig>,
}

/// A feed defined by the user: `[[feed]]`.
#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// `[a-z0-9-]+`, unique among feeds and sources; the feed is `/feeds/<id>.atom`.
    pub id: String,
    pub title: String,
    pub filter: crate::model::CustomFeed,
    pub limit: usize,
}

#[derive(Debug, Clone)]
pub struct DaemonConfig {
    pub database: PathBuf,
    pub listen: SocketAddr,
    pub schedule: Schedule,
    pub timezone: Tz,
    pub user_agent: String,
    pub per_host_delay: Duration,
    pub public_url: Url,
    pub max_items: usize,
    pub max_concurrency: usize,
    /// Source runs at the same time. Politeness keeps each run mostly waiting on its
    /// host, so many run while `max_concurrency` bounds the requests; bounding the runs
    /// bounds memory (each holds a connection and its pages).
    pub max_running: usize,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_body_bytes: usize,
    /// Known articles still linked from an index are re-fetched for corrections while
    /// they are younger than this.
    pub recheck_for: Duration,
    /// Random delay added to each scheduled run.
    pub jitter: Duration,
    /// Items per feed.
    pub feed_items: usize,
    /// Attempts after the first for timeouts, resets, 5xx and 429.
    pub retries: usize,
    /// The first retry waits this long, doubling each time (with jitter).
    pub retry_delay: Duration,
    /// After a failed run the next one is pushed back this long, doubling per failure.
    pub backoff_base: Duration,
    /// The longest push-back.
    pub backoff_max: Duration,
    /// Items first seen longer ago than this many days are deleted (none: kept forever).
    pub keep_days: Option<u32>,
    /// At most this many items per source are kept, newest first (none: no limit).
    pub max_items_per_source: Option<usize>,
    /// The resemblance (0–1) from which a new URL's text is a re-post of a stored item;
    /// 0 turns near-duplicate merging off.
    pub near_duplicate: f64,
    /// Log filter (`info`, `debug`, `portalfeed=debug,warn`…); `RUST_LOG` wins.
    pub log_level: String,
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub id: String,
    pub name: String,
    pub url: Url,
    pub schedule: Schedule,
    pub tags: Vec<String>,
    /// CSS selector of the article links on the index page.
    pub links: Option<String>,
    /// Regex that article URLs must match.
    pub link_pattern: Option<Regex>,
    pub max_items: usize,
    pub article: ArticleRules,
    /// What the index is: an HTML list page, a feed, or a sitemap.
    pub kind: IndexKind,
    /// Pages of the index to read: the first, then next-page links or `page_url`.
    pub max_pages: usize,
    /// A template for further index pages, `{n}` standing for 2, 3, …
    pub page_url: Option<String>,
    /// Whether robots.txt is honoured (on by default; off is logged as a warning).
    pub robots: bool,
    /// Hosts besides the source's own whose articles may be followed.
    pub allow_hosts: Vec<String>,
    /// Whether links and redirects may lead to private and loopback addresses.
    pub allow_private: bool,
    pub http: HttpPolicy,
}

/// What the store records of a source.
impl<'a> From<&'a SourceConfig> for crate::model::SourceEntry<'a> {
    fn from(s: &'a SourceConfig) -> Self {
        crate::model::SourceEntry {
            id: &s.id,
            name: &s.name,
            url: s.url.as_str(),
            tags: &s.tags,
        }
    }
}

/// The kinds of index a source can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IndexKind {
    #[default]
    Html,
    Feed,
    Sitemap,
}

impl IndexKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IndexKind::Html => "html",
            IndexKind::Feed => "feed",
            IndexKind::Sitemap => "sitemap",
        }
    }
}

/// TLS policy for one source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct HttpPolicy {
    /// Extra CA certificates (PEM) for portals that serve an incomplete chain.
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate. Logged loudly and shown in source health.
    pub insecure_tls: bool,
}

const DEFAULT_SCHEDULE: &str = "*/30 * * * *";

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    daemon: RawDaemon,
    #[serde(default)]
    source: Vec<RawSource>,
    #[serde(default)]
    feed: Vec<RawFeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    id: Spanned<String>,
    title: Option<String>,
    #[serde(default)]
    sources: Vec<Spanned<String>>,
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    limit: Option<Spanned<i64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDaemon {
    database: Option<Spanned<String>>,
    listen: Option<Spanned<String>>,
    schedule: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    user_agent: Option<Spanned<String>>,
    per_host_delay: Option<Spanned<String>>,
    public_url: Option<Spanned<String>>,
    max_items: Option<Spanned<i64>>,
    max_concurrency: Option<Spanned<i64>>,
    max_running: Option<Spanned<i64>>,
    connect_timeout: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    max_body: Option<Spanned<String>>,
    recheck_for: Option<Spanned<String>>,
    jitter: Option<Spanned<String>>,
    feed_items: Option<Spanned<i64>>,
    retries: Option<Spanned<i64>>,
    retry_delay: Option<Spanned<String>>,
    backoff_base: Option<Spanned<String>>,
    backoff_max: Option<Spanned<String>>,
    keep_days: Option<Spanned<i64>>,
    max_items_per_source: Option<Spanned<i64>>,
    near_duplicate: Option<Spanned<f64>>,
    log_level: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: Spanned<String>,
    name: Option<String>,
    url: Spanned<String>,
    schedule: Option<Spanned<String>>,
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    links: Option<Spanned<String>>,
    link_pattern: Option<Spanned<String>>,
    max_items: Option<Spanned<i64>>,
    profile: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    max_pages: Option<Spanned<i64>>,
    page_url: Option<Spanned<String>>,
    robots: Option<bool>,
    #[serde(default)]
    allow_hosts: Vec<Spanned<String>>,
    allow_private: Option<bool>,
    http: Option<RawHttp>,
    article: Option<RawArticle>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    ca_file: Option<Spanned<String>>,
    insecure_tls: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawArticle {
    title: Option<Spanned<String>>,
    body: Option<Spanned<String>>,
    lead: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    author: Option<Spanned<String>>,
    #[serde(default)]
    strip: Vec<Spanned<String>>,
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|e| {
            ConfigError::whole_file(path, format!("cannot read the configuration: {e}"))
        })?;
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                // Positioned at the first byte that is not UTF-8.
                let valid = e.utf8_error().valid_up_to();
                let good = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
                let v = Validator { text: &good, path };
                return Err(v.error_at(
                    valid,
                    "the configuration is not UTF-8 here; save it as UTF-8".into(),
                ));
            }
        };
        // Under systemd with `StateDirectory=`, a relative database path is relative to
        // that directory (/var/lib/portalfeed): the configuration's folder is read-only.
        let state_dir = std::env::var_os("STATE_DIRECTORY")
            .and_then(|d| std::env::split_paths(&d).next())
            .filter(|d| !d.as_os_str().is_empty());
        Config::parse(&text, path, state_dir.as_deref())
    }

    /// Validates configuration text; `path` names it in errors and anchors relative paths.
    /// A pure function of its arguments: the environment is read by [`Config::load`].
    pub fn from_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
        Config::parse(text, path, None)
    }

    /// `state_dir`: where a relative database path goes instead of the file's folder.
    fn parse(text: &str, path: &Path, state_dir: Option<&Path>) -> Result<Config, ConfigError> {
        let v = Validator { text, path };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            v.error_at(offset, e.message().trim().to_string())
        })?;
        let base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));

        let d = &raw.daemon;
        // The [daemon] table: on a problem, the sources are still checked against defaults.
        let daemon = (|| -> Result<DaemonConfig, ConfigError> {
            let schedule = match &d.schedule {
                Some(s) => v.check(s, |s| Schedule::parse(s).map_err(|e| e.to_string()))?,
                None => {
                    Schedule::parse(DEFAULT_SCHEDULE).map_err(|e| v.error_at(0, e.to_string()))?
                }
            };
            let database = d
                .database
                .as_ref()
                .map(|s| s.get_ref().clone())
                .unwrap_or_else(|| "portalfeed.db".to_string());
            // A relative database path is relative to the state directory when there is
            // one, else to the configuration's folder.
            let database = if Path::new(&database).is_absolute() {
                PathBuf::from(database)
            } else {
                state_dir.unwrap_or(&base_dir).join(database)
            };
            let listen = match &d.listen {
                Some(s) => v.check(s, |s| {
                    s.parse::<SocketAddr>()
                        .map_err(|e| format!("listen address {s:?} is not HOST:PORT: {e}"))
                })?,
                None => SocketAddr::from(([127, 0, 0, 1], 8787)),
            };
            let timezone = match &d.timezone {
                Some(s) => v.check(s, |s| {
                    s.parse::<Tz>().map_err(|_| {
                        format!(
                            "unknown time zone {s:?}; use an IANA name such as \"Asia/Ho_Chi_Minh\""
                        )
                    })
                })?,
                None => chrono_tz::Asia::Ho_Chi_Minh,
            };
            let public_url = match &d.public_url {
                Some(s) => v.check(s, parse_http_url)?,
                None => Url::parse(&format!("http://{listen}"))
                    .map_err(|e| v.error_at(0, e.to_string()))?,
            };
            Ok(DaemonConfig {
                database,
                listen,
                schedule,
                timezone,
                user_agent: match &d.user_agent {
                    Some(ua) => v.check(ua, check_user_agent)?,
                    None => format!("portalfeed/{}", env!("CARGO_PKG_VERSION")),
                },
                per_host_delay: v.duration_in(&d.per_host_delay, Duration::from_secs(1), ZERO, DAY)?,
                public_url,
                max_items: v.count(&d.max_items, 30)?,
                max_concurrency: v.count(&d.max_concurrency, 8)?,
                max_running: v.count(&d.max_running, 128)?,
                connect_timeout: v.duration_in(&d.connect_timeout, Duration::from_secs(10), SECOND, HOUR)?,
                timeout: v.duration_in(&d.timeout, Duration::from_secs(30), SECOND, DAY)?,
                max_body_bytes: match &d.max_body {
                    Some(s) => v.check(s, |s| {
                        let n = parse_size(s)?;
                        if (1024..=1 << 30).contains(&n) {
                            Ok(n)
                        } else {
                            Err(format!("max_body {s:?} must be between 1KiB and 1GiB"))
                        }
                    })?,
                    None => 8 * 1024 * 1024,
                },
                recheck_for: v.duration_in(&d.recheck_for, Duration::from_secs(3 * 24 * 3600), ZERO, YEAR)?,
                jitter: v.duration_in(&d.jitter, Duration::ZERO, ZERO, DAY)?,
                feed_items: v.count(&d.feed_items, 50)?,
                retries: match &d.retries {
                    Some(n) if (0..=10).contains(n.get_ref()) => *n.get_ref() as usize,
                    Some(n) => {
                        return Err(
                            v.error_at(n.span().start, "retries must be between 0 and 10".into())
                        );
                    }
                    None => 3,
                },
                retry_delay: v.duration_in(&d.retry_delay, Duration::from_secs(2), ZERO, HOUR)?,
                backoff_base: v.duration_in(&d.backoff_base, Duration::from_secs(5 * 60), ZERO, 30 * DAY)?,
                backoff_max: v.duration_in(&d.backoff_max, Duration::from_secs(6 * 3600), ZERO, 90 * DAY)?,
                keep_days: match &d.keep_days {
                    Some(n) if (1..=36_500).contains(n.get_ref()) => Some(*n.get_ref() as u32),
                    Some(n) => {
                        return Err(v.error_at(
                            n.span().start,
                            format!("keep_days must be between 1 and 36500 (100 years), found {}", n.get_ref()),
                        ));
                    }
                    None => None,
                },
                max_items_per_source: match &d.max_items_per_source {
                    Some(n) => Some(v.count(&Some(n.clone()), 1)?),
                    None => None,
                },
                near_duplicate: match &d.near_duplicate {
                    Some(n) if *n.get_ref() == 0.0 || (0.5..=1.0).contains(n.get_ref()) => *n.get_ref(),
                    Some(n) => {
                        return Err(v.error_at(
                            n.span().start,
                            "near_duplicate must be 0 (off) or between 0.5 and 1.0".into(),
                        ));
                    }
                    None => crate::model::DEFAULT_NEAR_DUPLICATE,
                },
                log_level: match &d.log_level {
                    Some(l) => v.check(l, |l| {
                        tracing_subscriber::EnvFilter::try_new(l)
                            .map(|_| l.to_string())
                            .map_err(|e| format!("invalid log_level {l:?}: {e}; use error, warn, info, debug or trace"))
                    })?,
                    None => "info".to_string(),
                },
                })
        })();
        let mut errors: Vec<ConfigError> = Vec::new();
        let daemon = daemon.map_err(|e| errors.push(e)).ok();
        let (schedule, max_items, feed_items) = match &daemon {
            Some(d) => (d.schedule.clone(), d.max_items, d.feed_items),
            None => (
                Schedule::parse(DEFAULT_SCHEDULE).map_err(|e| v.error_at(0, e.to_string()))?,
                30,
                50,
            ),
        };

        let id_re = Regex::new("^[a-z0-9][a-z0-9-]*$").expect("static regex");
        let mut seen = HashSet::new();
        // Sources naming the same expression share one parsed schedule (see `Schedule`).
        let mut schedules: HashMap<String, Schedule> = HashMap::new();
        let mut sources = Vec::with_capacity(raw.source.len());
        // Feeds may name any source or tag written in the file, checked or not: a broken
        // source is reported once, not again by every feed that names it.
        let raw_ids: HashSet<String> = raw.source.iter().map(|s| s.id.get_ref().clone()).collect();
        let raw_tags: HashSet<String> = raw
            .source
            .iter()
            .flat_map(|s| s.tags.iter().map(|t| t.get_ref().clone()))
            .collect();
        for s in raw.source {
            let source = (|| -> Result<SourceConfig, ConfigError> {
                let id = s.id.get_ref().clone();
                if !id_re.is_match(&id) {
                    return Err(v.error_at(
                        s.id.span().start,
                        format!(
                            "source id {id:?} must be lower-case letters, digits and '-' ([a-z0-9-]+)"
                        ),
                    ));
                }
                if id == "all" || id == "tag" || id == "search" {
                    return Err(v.error_at(
                        s.id.span().start,
                        format!("source id {id:?} is reserved for a built-in feed"),
                    ));
                }
                if !seen.insert(id.clone()) {
                    return Err(
                        v.error_at(s.id.span().start, format!("source id {id:?} is used twice"))
                    );
                }
                let url = v.check(&s.url, parse_http_url)?;
                let schedule = match &s.schedule {
                    Some(x) => match schedules.get(x.get_ref().as_str()) {
                        Some(parsed) => parsed.clone(),
                        None => {
                            let parsed =
                                v.check(x, |x| Schedule::parse(x).map_err(|e| e.to_string()))?;
                            schedules.insert(x.get_ref().clone(), parsed.clone());
                            parsed
                        }
                    },
                    None => schedule.clone(),
                };
                let mut tags = Vec::new();
                for t in &s.tags {
                    tags.push(v.check(t, |t| {
                        if id_re.is_match(t) {
                            Ok(t.to_string())
                        } else {
                            Err(format!(
                                "tag {t:?} must be lower-case letters, digits and '-'"
                            ))
                        }
                    })?);
                }
                if let Some(sel) = &s.links {
                    v.check(sel, check_selector)?;
                }
                let link_pattern = match &s.link_pattern {
                    Some(p) => Some(v.check(p, |p| {
                        Regex::new(p).map_err(|e| format!("invalid link_pattern regex: {e}"))
                    })?),
                    None => None,
                };
                let a = s.article.unwrap_or_default();
                let mut article = ArticleRules::default();
                for (field, slot) in [
                    (&a.title, &mut article.title),
                    (&a.body, &mut article.body),
                    (&a.lead, &mut article.lead),
                    (&a.date, &mut article.date),
                    (&a.author, &mut article.author),
                ] {
                    if let Some(sel) = field {
                        v.check(sel, check_selector)?;
                        *slot = Some(sel.get_ref().clone());
                    }
                }
                if let Some(p) = &s.profile {
                    article.profile = Some(v.check(p, |p| {
                        if crate::extract::profile::is_known(p) {
                            Ok(p.to_string())
                        } else {
                            let names: Vec<&str> = crate::extract::profile::all()
                                .iter()
                                .map(|p| p.name.as_str())
                                .collect();
                            Err(format!(
                                "unknown profile {p:?}; use one of {}, or \"generic\"",
                                names.join(", ")
                            ))
                        }
                    })?);
                }
                for sel in &a.strip {
                    v.check(sel, check_selector)?;
                    article.strip.push(sel.get_ref().clone());
                }
                let kind = match &s.kind {
                    Some(k) => v.check(k, |k| match k {
                        "html" => Ok(IndexKind::Html),
                        "feed" => Ok(IndexKind::Feed),
                        "sitemap" => Ok(IndexKind::Sitemap),
                        other => Err(format!(
                            "unknown kind {other:?}; use \"html\", \"feed\" or \"sitemap\""
                        )),
                    })?,
                    None => IndexKind::Html,
                };
                let page_url = match &s.page_url {
                    Some(p) => Some(v.check(p, |p| {
                        if !p.contains("{n}") {
                            return Err("page_url must contain {n}, the page number".to_string());
                        }
                        parse_http_url(&p.replace("{n}", "2")).map(|_| p.to_string())
                    })?),
                    None => None,
                };
                let mut allow_hosts = Vec::new();
                for h in &s.allow_hosts {
                    allow_hosts.push(v.check(h, |h| {
                        let h = h.trim().to_ascii_lowercase();
                        if h.is_empty() || h.contains('/') || h.contains(':') {
                            Err(format!(
                                "allow_hosts takes host names such as \"baolongan.vn\", not {h:?}"
                            ))
                        } else {
                            Ok(h)
                        }
                    })?);
                }
                let raw_http = s.http.unwrap_or_default();
                let http = HttpPolicy {
                    ca_file: match &raw_http.ca_file {
                        Some(f) => Some(v.check(f, |f| {
                            let p = if Path::new(f).is_absolute() {
                                PathBuf::from(f)
                            } else {
                                base_dir.join(f)
                            };
                            if p.is_file() {
                                Ok(p)
                            } else {
                                Err(format!("ca_file {} does not exist", p.display()))
                            }
                        })?),
                        None => None,
                    },
                    insecure_tls: raw_http.insecure_tls.unwrap_or(false),
                };
                Ok(SourceConfig {
                    name: s.name.unwrap_or_else(|| id.clone()),
                    id,
                    url,
                    schedule,
                    tags,
                    links: s.links.map(|l| l.into_inner()),
                    link_pattern,
                    max_items: v.count(&s.max_items, max_items)?,
                    article,
                    kind,
                    max_pages: v.count(&s.max_pages, 1)?,
                    page_url,
                    robots: s.robots.unwrap_or(true),
                    allow_hosts,
                    allow_private: s.allow_private.unwrap_or(false),
                    http,
                })
            })();
            match source {
                Ok(c) => sources.push(c),
                Err(e) => errors.push(e),
            }
        }
        let mut feeds: Vec<FeedConfig> = Vec::new();
        for f in raw.feed {
            let feed = (|| -> Result<FeedConfig, ConfigError> {
                let id = f.id.get_ref().clone();
                if !id_re.is_match(&id) || matches!(id.as_str(), "all" | "tag" | "search") {
                    return Err(v.error_at(
                        f.id.span().start,
                        format!("feed id {id:?} must be [a-z0-9-]+ and not all, tag or search"),
                    ));
                }
                if seen.contains(&id) || feeds.iter().any(|x| x.id == id) {
                    return Err(v.error_at(
                        f.id.span().start,
                        format!("feed id {id:?} is already a source or feed id"),
                    ));
                }
                for s in &f.sources {
                    if !raw_ids.contains(s.get_ref()) {
                        return Err(v.error_at(
                            s.span().start,
                            format!("no source with id {:?}", s.get_ref()),
                        ));
                    }
                }
                for t in &f.tags {
                    if !raw_tags.contains(t.get_ref()) {
                        return Err(v.error_at(
                            t.span().start,
                            format!("no source has the tag {:?}", t.get_ref()),
                        ));
                    }
                }
                Ok(FeedConfig {
                    title: f.title.unwrap_or_else(|| id.clone()),
                    id,
                    filter: crate::model::CustomFeed {
                        sources: f.sources.into_iter().map(Spanned::into_inner).collect(),
                        tags: f.tags.into_iter().map(Spanned::into_inner).collect(),
                        include: f.include,
                        exclude: f.exclude,
                    },
                    limit: v.count(&f.limit, feed_items)?,
                })
            })();
            match feed {
                Ok(c) => feeds.push(c),
                Err(e) => errors.push(e),
            }
        }
        match (ConfigError::joined(errors), daemon) {
            (None, Some(daemon)) => Ok(Config {
                path: path.to_path_buf(),
                daemon,
                sources,
                feeds,
            }),
            (Some(e), _) => Err(e),
            (None, None) => unreachable!("a [daemon] table that failed left its error"),
        }
    }

    pub fn source(&self, id: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.id == id)
    }

    pub fn feed(&self, id: &str) -> Option<&FeedConfig> {
        self.feeds.iter().find(|f| f.id == id)
    }

    /// Every tag some source carries, sorted.
    pub fn tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = self
            .sources
            .iter()
            .flat_map(|s| s.tags.iter().cloned())
            .collect();
        tags.sort();
        tags.dedup();
        tags
    }
}

struct Validator<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Validator<'_> {
    fn error_at(&self, offset: usize, message: String) -> ConfigError {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let column = self.text[line_start..offset].chars().count() + 1;
        ConfigError {
            file: self.path.to_path_buf(),
            problems: vec![Problem {
                line,
                column,
                message,
            }],
        }
    }

    /// Runs a check on a string value and positions its error at the value.
    fn check<T>(
        &self,
        value: &Spanned<String>,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        f(value.get_ref()).map_err(|m| self.error_at(value.span().start, m))
    }

    /// A duration between `min` and `max`: a value past them would never fire, busy-loop,
    /// or overflow the clock when added to it.
    fn duration_in(
        &self,
        value: &Option<Spanned<String>>,
        default: Duration,
        min: Duration,
        max: Duration,
    ) -> Result<Duration, ConfigError> {
        match value {
            Some(s) => self.check(s, |s| {
                let d = humantime::parse_duration(s).map_err(|e| {
                    format!("invalid duration {s:?} ({e}); write e.g. \"1s\", \"500ms\", \"2m\"")
                })?;
                if d < min || d > max {
                    return Err(format!(
                        "{s:?} is out of range: between {} and {}",
                        humantime::format_duration(min),
                        humantime::format_duration(max)
                    ));
                }
                Ok(d)
            }),
            None => Ok(default),
        }
    }

    /// A count from 1 to a million (items, pages, connections).
    fn count(&self, value: &Option<Spanned<i64>>, default: usize) -> Result<usize, ConfigError> {
        match value {
            Some(n) if (1..=1_000_000).contains(n.get_ref()) => Ok(*n.get_ref() as usize),
            Some(n) => Err(self.error_at(
                n.span().start,
                format!("expected a number from 1 to 1000000, found {}", n.get_ref()),
            )),
            None => Ok(default),
        }
    }
}

fn parse_http_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s).map_err(|e| format!("invalid URL {s:?}: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Ok(url),
        _ => Err(format!("URL {s:?} must be http:// or https:// with a host")),
    }
}

fn check_selector(s: &str) -> Result<(), String> {
    scraper::Selector::parse(s).map(|_| ()).map_err(|e| {
        format!(
            "invalid CSS selector {s:?}: {}",
            selector_reason(&e.to_string())
        )
    })
}

/// The selector library's reason in words. For some errors it prints "Unexpected error
/// occurred. Please report this to the developer" and the error's name on the next line
/// ("DanglingCombinator"): the name, spelt out, is the reason.
fn selector_reason(message: &str) -> String {
    if !message.contains("report this") {
        return message.to_string();
    }
    let name = message.lines().last().unwrap_or("").trim();
    let name = name.split(['(', ' ', '{']).next().unwrap_or(name);
    let mut words = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            words.push(' ');
        }
        words.extend(c.to_lowercase());
    }
    if words.is_empty() {
        "not a selector this library reads".into()
    } else {
        words
    }
}

const ZERO: Duration = Duration::ZERO;
const SECOND: Duration = Duration::from_secs(1);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);
const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

/// A User-Agent is an HTTP header value: printable, one line.
fn check_user_agent(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("user_agent is empty".into());
    }
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(format!(
            "user_agent holds the control character {c:?}; it must be one printable line"
        ));
    }
    Ok(s.to_string())
}

fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("invalid size {s:?}; write e.g. \"8MiB\""))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        _ => {
            return Err(format!(
                "invalid size unit in {s:?}; use B, KiB, MiB or GiB"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The configuration, or its one problem (each case below has exactly one).
    fn parse(text: &str) -> Result<Config, One> {
        Config::from_str(text, Path::new("/etc/portalfeed/test.toml")).map_err(|e| {
            assert_eq!(e.problems.len(), 1, "{e}");
            One {
                line: e.problems[0].line,
                column: e.problems[0].column,
                message: e.problems[0].message.clone(),
                full: e.to_string(),
            }
        })
    }

    #[derive(Debug)]
    struct One {
        line: usize,
        column: usize,
        message: String,
        full: String,
    }

    impl fmt::Display for One {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.full)
        }
    }

    const GOOD: &str = r##"
[daemon]
database = "data/portalfeed.db"
listen = "127.0.0.1:9999"
schedule = "*/30 * * * *"
per_host_delay = "2s"

[[source]]
id = "dakrong"
name = "Cổng thông tin điện tử huyện Đakrông"
url = "https://dakrong.quangtri.gov.vn/tin-tuc/"
schedule = "0 */2 * * *"
tags = ["quang-tri"]
links = "ul.list a.title"
link_pattern = '-\d+\.html$'
[source.article]
title = "h1"
body = "#news-bodyhtml"
strip = [".share", "#form3B"]

[[source]]
id = "longan"
url = "https://www.longan.gov.vn/tin-tuc/Pages/Tin-hoat-dong.aspx"
"##;

    #[test]
    fn a_full_config_parses_with_defaults() {
        let c = parse(GOOD).unwrap();
        assert_eq!(
            c.daemon.database,
            PathBuf::from("/etc/portalfeed/data/portalfeed.db")
        );
        assert_eq!(c.daemon.per_host_delay, Duration::from_secs(2));
        assert_eq!(c.daemon.max_items, 30);
        assert_eq!(c.daemon.timezone, chrono_tz::Asia::Ho_Chi_Minh);
        assert_eq!(c.sources.len(), 2);
        assert_eq!(c.sources[0].schedule.as_str(), "0 */2 * * *");
        assert_eq!(c.sources[1].schedule.as_str(), "*/30 * * * *");
        assert_eq!(c.sources[1].name, "longan");
        assert_eq!(c.sources[0].article.body.as_deref(), Some("#news-bodyhtml"));
        assert_eq!(c.sources[0].article.strip.len(), 2);
    }

    #[test]
    fn invalid_cron_names_its_position() {
        let text = "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\nschedule = \"61 * * * *\"\n";
        let e = parse(text).unwrap_err();
        assert_eq!((e.line, e.column), (4, 12), "{e}");
        assert!(e.message.contains("cron"), "{e}");
        assert!(
            e.to_string().starts_with("/etc/portalfeed/test.toml:4:12:"),
            "{e}"
        );
    }

    #[test]
    fn wrong_field_count_in_cron() {
        let e = parse("[daemon]\nschedule = \"* * *\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 12));
        assert!(e.message.contains("3 fields"), "{e}");
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse("[daemon]\nlisten = \n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.column >= 9, "{e}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let e =
            parse("[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\nshedule = \"* * * * *\"\n")
                .unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("shedule"), "{e}");
    }

    #[test]
    fn value_errors_point_at_the_value() {
        let cases = [
            (
                "[[source]]\nid = \"Bad_ID\"\nurl = \"http://a.test/\"\n",
                2,
                6,
                "source id",
            ),
            (
                "[[source]]\nid = \"a\"\nurl = \"ftp://a.test/\"\n",
                3,
                7,
                "http",
            ),
            (
                "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\nlinks = \"a[\"\n",
                4,
                9,
                "selector",
            ),
            (
                "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\nlink_pattern = \"(\"\n",
                4,
                16,
                "regex",
            ),
            (
                "[daemon]\ntimezone = \"Mars/Olympus\"\n",
                2,
                12,
                "time zone",
            ),
            ("[daemon]\nper_host_delay = \"soon\"\n", 2, 18, "duration"),
            ("[daemon]\nlisten = \"localhost\"\n", 2, 10, "HOST:PORT"),
            ("[daemon]\nmax_items = 0\n", 2, 13, "from 1 to"),
            (
                "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\n[source.article]\nbody = \"div >> p\"\n",
                5,
                8,
                "dangling combinator",
            ),
            // Values that passed `check` and then lost data or panicked (issue 15).
            (
                "[daemon]\nkeep_days = 4294967296\n",
                2,
                13,
                "between 1 and 36500",
            ),
            (
                "[daemon]\nper_host_delay = \"500000000000years\"\n",
                2,
                18,
                "out of range",
            ),
            (
                "[daemon]\nmax_body = \"0\"\n",
                2,
                12,
                "between 1KiB and 1GiB",
            ),
            (
                "[daemon]\nmax_body = \"17179869184GiB\"\n",
                2,
                12,
                "too large",
            ),
            ("[daemon]\ntimeout = \"0s\"\n", 2, 11, "out of range"),
            (
                "[daemon]\nuser_agent = \"bad\\nua\"\n",
                2,
                14,
                "control character",
            ),
            (
                "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\nmax_pages = 99999999\n",
                4,
                13,
                "from 1 to",
            ),
        ];
        for (text, line, column, word) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!((e.line, e.column), (line, column), "{text:?} gave {e}");
            assert!(e.message.contains(word), "{text:?} gave {e}");
        }
    }

    #[test]
    fn selector_errors_read_as_reasons_not_library_internals() {
        let e = parse(
            "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\n[source.article]\nbody = \":foo(x)\"\n",
        )
        .unwrap_err();
        assert!(!e.message.contains("report this"), "{e}");
        assert!(
            e.message.contains("unsupported pseudo class or element"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_and_reserved_ids() {
        let dup = "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\n[[source]]\nid = \"a\"\nurl = \"http://b.test/\"\n";
        let e = parse(dup).unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.contains("twice"));
        let e = parse("[[source]]\nid = \"all\"\nurl = \"http://a.test/\"\n").unwrap_err();
        assert!(e.message.contains("reserved"));
    }

    #[test]
    fn every_broken_part_of_a_file_is_reported_at_once() {
        // A bad [daemon] value, two broken sources and a feed naming the broken one: each
        // part is checked on its own, so one `check` lists all four, in file order.
        let text = "[daemon]\ntimezone = \"Mars/Olympus\"\n\
            [[source]]\nid = \"a\"\nurl = \"ftp://a.test/\"\n\
            [[source]]\nid = \"b\"\nurl = \"http://b.test/\"\n\
            [[source]]\nid = \"c\"\nurl = \"http://c.test/\"\nlinks = \"a[\"\n\
            [[feed]]\nid = \"mine\"\nsources = [\"c\", \"zz\"]\n";
        let e = Config::from_str(text, Path::new("p.toml")).unwrap_err();
        let at: Vec<(usize, usize)> = e.problems.iter().map(|p| (p.line, p.column)).collect();
        assert_eq!(at, [(2, 12), (5, 7), (12, 9), (15, 17)], "{e}");
        let lines: Vec<String> = e.to_string().lines().map(str::to_string).collect();
        assert_eq!(lines.len(), 4, "{e}");
        assert!(
            lines[0].starts_with("p.toml:2:12: unknown time zone"),
            "{e}"
        );
        assert!(lines[1].starts_with("p.toml:5:7: "), "{e}");
        assert!(lines[2].starts_with("p.toml:12:9: "), "{e}");
        // Source c is broken but written in the file: the feed is faulted only for "zz".
        assert_eq!(lines[3], "p.toml:15:17: no source with id \"zz\"", "{e}");
    }

    #[test]
    fn missing_file_is_a_clear_error() {
        let e = Config::load(Path::new("/nonexistent/portalfeed.toml")).unwrap_err();
        assert!(e.to_string().contains("cannot read"), "{e}");
        // No made-up position for a file that cannot be read.
        assert!(
            e.to_string()
                .starts_with("/nonexistent/portalfeed.toml: cannot read"),
            "{e}"
        );
    }

    #[test]
    fn a_file_that_is_not_utf8_is_positioned_at_the_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        // windows-1258 "Dân vận" in a name, on line 3.
        std::fs::write(
            &path,
            b"[[source]]\nid = \"a\"\nname = \"D\xe2n\"\nurl = \"http://a.test/\"\n",
        )
        .unwrap();
        let e = Config::load(&path).unwrap_err();
        let p = &e.problems[0];
        assert_eq!((p.line, p.column), (3, 10), "{e}");
        assert!(p.message.contains("not UTF-8"), "{e}");
    }
}
