//! Each table of the file checked on its own: `[daemon]`, one `[[source]]`, one
//! `[[feed]]`. Within a table, checking stops at its first problem; `Config::parse`
//! gathers the problems of every table.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use chrono_tz::Tz;
use regex::Regex;
use toml::Spanned;
use url::Url;

use super::error::ConfigError;
use super::raw::{RawArticle, RawDaemon, RawFeed, RawHttp, RawSource};
use super::validate::{
    DAY, HOUR, SECOND, Validator, YEAR, ZERO, check_selector, check_user_agent, parse_http_url,
    parse_size,
};
use super::{DaemonConfig, FeedConfig, HttpPolicy, IndexKind, SourceConfig};
use crate::extract::ArticleRules;
use crate::schedule::Schedule;

/// Ids of sources, tags and feeds: what a URL path segment can hold.
static ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("^[a-z0-9][a-z0-9-]*$").expect("static regex"));

/// Ids the built-in feeds take.
const RESERVED_IDS: [&str; 3] = ["all", "tag", "search"];

/// What checking one `[[source]]` or `[[feed]]` needs to know of the rest of the file.
pub(super) struct FileContext {
    /// The configuration's folder: relative paths are relative to it.
    pub(super) base_dir: PathBuf,
    /// `[daemon]`'s values a source or feed inherits.
    pub(super) schedule: Schedule,
    pub(super) max_items: usize,
    pub(super) feed_items: usize,
    /// Every source id and tag written in the file, checked or not: a feed may name
    /// them, and a broken source is reported once, not again by every feed naming it.
    pub(super) written_ids: HashSet<String>,
    pub(super) written_tags: HashSet<String>,
    /// Source ids taken by the sources checked so far.
    pub(super) taken: HashSet<String>,
    /// Sources naming the same expression share one parsed schedule (see `Schedule`).
    pub(super) schedules: HashMap<String, Schedule>,
}

impl Validator<'_> {
    /// The `[daemon]` table. `state_dir`: where a relative database path goes instead of
    /// the configuration's folder.
    pub(super) fn daemon(
        &self,
        d: &RawDaemon,
        base_dir: &Path,
        state_dir: Option<&Path>,
    ) -> Result<DaemonConfig, ConfigError> {
        let schedule = match &d.schedule {
            Some(s) => self.check(s, |s| Schedule::parse(s).map_err(|e| e.to_string()))?,
            None => self.default_schedule()?,
        };
        let database = d
            .database
            .as_ref()
            .map(|s| s.get_ref().clone())
            .unwrap_or_else(|| "portalfeed.db".to_string());
        // A relative database path is relative to the state directory when there is one,
        // else to the configuration's folder.
        let database = if Path::new(&database).is_absolute() {
            PathBuf::from(database)
        } else {
            state_dir.unwrap_or(base_dir).join(database)
        };
        let listen = match &d.listen {
            Some(s) => self.check(s, |s| {
                s.parse::<SocketAddr>()
                    .map_err(|e| format!("listen address {s:?} is not HOST:PORT: {e}"))
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 8787)),
        };
        let timezone = match &d.timezone {
            Some(s) => self.check(s, |s| {
                s.parse::<Tz>().map_err(|_| {
                    format!(
                        "unknown time zone {s:?}; use an IANA name such as \"Asia/Ho_Chi_Minh\""
                    )
                })
            })?,
            None => chrono_tz::Asia::Ho_Chi_Minh,
        };
        let public_url = match &d.public_url {
            Some(s) => self.check(s, parse_http_url)?,
            None => Url::parse(&format!("http://{listen}"))
                .map_err(|e| self.error_at(0, e.to_string()))?,
        };
        Ok(DaemonConfig {
            database,
            listen,
            schedule,
            timezone,
            user_agent: match &d.user_agent {
                Some(ua) => self.check(ua, check_user_agent)?,
                None => format!("portalfeed/{}", env!("CARGO_PKG_VERSION")),
            },
            per_host_delay: self.duration_in(&d.per_host_delay, Duration::from_secs(1), ZERO, DAY)?,
            public_url,
            max_items: self.count(&d.max_items, 30)?,
            max_concurrency: self.count(&d.max_concurrency, 8)?,
            max_running: self.count(&d.max_running, 128)?,
            connect_timeout: self.duration_in(&d.connect_timeout, Duration::from_secs(10), SECOND, HOUR)?,
            timeout: self.duration_in(&d.timeout, Duration::from_secs(30), SECOND, DAY)?,
            max_body_bytes: match &d.max_body {
                Some(s) => self.check(s, |s| {
                    let n = parse_size(s)?;
                    if (1024..=1 << 30).contains(&n) {
                        Ok(n)
                    } else {
                        Err(format!("max_body {s:?} must be between 1KiB and 1GiB"))
                    }
                })?,
                None => 8 * 1024 * 1024,
            },
            recheck_for: self.duration_in(&d.recheck_for, Duration::from_secs(3 * 24 * 3600), ZERO, YEAR)?,
            jitter: self.duration_in(&d.jitter, Duration::ZERO, ZERO, DAY)?,
            feed_items: self.count(&d.feed_items, 50)?,
            retries: match &d.retries {
                Some(n) if (0..=10).contains(n.get_ref()) => *n.get_ref() as usize,
                Some(n) => {
                    return Err(
                        self.error_at(n.span().start, "retries must be between 0 and 10".into())
                    );
                }
                None => 3,
            },
            retry_delay: self.duration_in(&d.retry_delay, Duration::from_secs(2), ZERO, HOUR)?,
            backoff_base: self.duration_in(&d.backoff_base, Duration::from_secs(5 * 60), ZERO, 30 * DAY)?,
            backoff_max: self.duration_in(&d.backoff_max, Duration::from_secs(6 * 3600), ZERO, 90 * DAY)?,
            keep_days: match &d.keep_days {
                Some(n) if (1..=36_500).contains(n.get_ref()) => Some(*n.get_ref() as u32),
                Some(n) => {
                    return Err(self.error_at(
                        n.span().start,
                        format!(
                            "keep_days must be between 1 and 36500 (100 years), found {}",
                            n.get_ref()
                        ),
                    ));
                }
                None => None,
            },
            max_items_per_source: match &d.max_items_per_source {
                Some(n) => Some(self.count(&Some(n.clone()), 1)?),
                None => None,
            },
            near_duplicate: match &d.near_duplicate {
                Some(n) if *n.get_ref() == 0.0 || (0.5..=1.0).contains(n.get_ref()) => *n.get_ref(),
                Some(n) => {
                    return Err(self.error_at(
                        n.span().start,
                        "near_duplicate must be 0 (off) or between 0.5 and 1.0".into(),
                    ));
                }
                None => crate::model::DEFAULT_NEAR_DUPLICATE,
            },
            log_level: match &d.log_level {
                Some(l) => self.check(l, |l| {
                    tracing_subscriber::EnvFilter::try_new(l)
                        .map(|_| l.to_string())
                        .map_err(|e| {
                            format!("invalid log_level {l:?}: {e}; use error, warn, info, debug or trace")
                        })
                })?,
                None => "info".to_string(),
            },
        })
    }

    /// The schedule a source without its own runs on when `[daemon]` names none.
    pub(super) fn default_schedule(&self) -> Result<Schedule, ConfigError> {
        Schedule::parse(super::DEFAULT_SCHEDULE).map_err(|e| self.error_at(0, e.to_string()))
    }

    /// One `[[source]]`; its id joins `ctx.taken`.
    pub(super) fn source(
        &self,
        s: RawSource,
        ctx: &mut FileContext,
    ) -> Result<SourceConfig, ConfigError> {
        let id = self.source_id(&s.id, &ctx.taken)?;
        ctx.taken.insert(id.clone());
        let url = self.check(&s.url, parse_http_url)?;
        let schedule = match &s.schedule {
            Some(x) => match ctx.schedules.get(x.get_ref().as_str()) {
                Some(parsed) => parsed.clone(),
                None => {
                    let parsed =
                        self.check(x, |x| Schedule::parse(x).map_err(|e| e.to_string()))?;
                    ctx.schedules.insert(x.get_ref().clone(), parsed.clone());
                    parsed
                }
            },
            None => ctx.schedule.clone(),
        };
        let mut tags = Vec::new();
        for t in &s.tags {
            tags.push(self.check(t, |t| {
                if ID.is_match(t) {
                    Ok(t.to_string())
                } else {
                    Err(format!(
                        "tag {t:?} must be lower-case letters, digits and '-'"
                    ))
                }
            })?);
        }
        if let Some(sel) = &s.links {
            self.check(sel, check_selector)?;
        }
        let link_pattern = match &s.link_pattern {
            Some(p) => Some(self.check(p, |p| {
                Regex::new(p).map_err(|e| format!("invalid link_pattern regex: {e}"))
            })?),
            None => None,
        };
        let article = self.article_rules(&s.article.unwrap_or_default(), s.profile.as_ref())?;
        let documents = self.register_rules(&s.documents.unwrap_or_default())?;
        let kind = match &s.kind {
            Some(k) => self.check(k, |k| match k {
                "html" => Ok(IndexKind::Html),
                "feed" => Ok(IndexKind::Feed),
                "sitemap" => Ok(IndexKind::Sitemap),
                "documents" => Ok(IndexKind::Documents),
                other => Err(format!(
                    "unknown kind {other:?}; use \"html\", \"feed\", \"sitemap\" or \"documents\""
                )),
            })?,
            None => IndexKind::Html,
        };
        let page_url = match &s.page_url {
            Some(p) => Some(self.check(p, |p| {
                if !p.contains("{n}") {
                    return Err("page_url must contain {n}, the page number".to_string());
                }
                parse_http_url(&p.replace("{n}", "2")).map(|_| p.to_string())
            })?),
            None => None,
        };
        let mut allow_hosts = Vec::new();
        for h in &s.allow_hosts {
            allow_hosts.push(self.check(h, |h| {
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
        let http = self.http_policy(&s.http.unwrap_or_default(), &ctx.base_dir)?;
        Ok(SourceConfig {
            name: s.name.unwrap_or_else(|| id.clone()),
            id,
            url,
            schedule,
            tags,
            links: s.links.map(|l| l.into_inner()),
            link_pattern,
            max_items: self.count(&s.max_items, ctx.max_items)?,
            article,
            kind,
            documents,
            max_pages: self.count(&s.max_pages, 1)?,
            page_url,
            robots: s.robots.unwrap_or(true),
            allow_hosts,
            allow_private: s.allow_private.unwrap_or(false),
            http,
        })
    }

    fn source_id(
        &self,
        id: &Spanned<String>,
        taken: &HashSet<String>,
    ) -> Result<String, ConfigError> {
        let at = id.span().start;
        let id = id.get_ref();
        if !ID.is_match(id) {
            return Err(self.error_at(
                at,
                format!("source id {id:?} must be lower-case letters, digits and '-' ([a-z0-9-]+)"),
            ));
        }
        if RESERVED_IDS.contains(&id.as_str()) {
            return Err(self.error_at(
                at,
                format!("source id {id:?} is reserved for a built-in feed"),
            ));
        }
        if taken.contains(id) {
            return Err(self.error_at(at, format!("source id {id:?} is used twice")));
        }
        Ok(id.clone())
    }

    /// A source's `[source.documents]` selectors, each checked; the fields are read inside
    /// `rows`, so they need it.
    fn register_rules(
        &self,
        d: &super::raw::RawDocuments,
    ) -> Result<crate::model::RegisterRules, ConfigError> {
        let mut rules = crate::model::RegisterRules::default();
        for (field, slot) in [
            (&d.rows, &mut rules.rows),
            (&d.number, &mut rules.number),
            (&d.date, &mut rules.date),
            (&d.summary, &mut rules.summary),
            (&d.issuer, &mut rules.issuer),
            (&d.signer, &mut rules.signer),
            (&d.field, &mut rules.field),
            (&d.file, &mut rules.file),
            (&d.link, &mut rules.link),
        ] {
            if let Some(sel) = field {
                self.check(sel, check_selector)?;
                *slot = Some(sel.get_ref().clone());
            }
        }
        if d.rows.is_none()
            && let Some(first) = [
                &d.number, &d.date, &d.summary, &d.issuer, &d.signer, &d.field, &d.file, &d.link,
            ]
            .into_iter()
            .flatten()
            .next()
        {
            self.check(first, |_| -> Result<(), String> {
                Err("[source.documents] selectors are read inside each row: set `rows` too".into())
            })?;
        }
        Ok(rules)
    }

    /// A source's `[source.article]` selectors and its `profile`.
    fn article_rules(
        &self,
        a: &RawArticle,
        profile: Option<&Spanned<String>>,
    ) -> Result<ArticleRules, ConfigError> {
        let mut article = ArticleRules::default();
        for (field, slot) in [
            (&a.title, &mut article.title),
            (&a.body, &mut article.body),
            (&a.lead, &mut article.lead),
            (&a.date, &mut article.date),
            (&a.author, &mut article.author),
        ] {
            if let Some(sel) = field {
                self.check(sel, check_selector)?;
                *slot = Some(sel.get_ref().clone());
            }
        }
        if let Some(p) = profile {
            article.profile = Some(self.check(p, |p| {
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
            self.check(sel, check_selector)?;
            article.strip.push(sel.get_ref().clone());
        }
        Ok(article)
    }

    /// A source's `[source.http]`: a CA file must exist when the file is read, not at the
    /// first run hours later.
    fn http_policy(&self, raw: &RawHttp, base_dir: &Path) -> Result<HttpPolicy, ConfigError> {
        let ca_file = match &raw.ca_file {
            Some(f) => Some(self.check(f, |f| {
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
        };
        Ok(HttpPolicy {
            ca_file,
            insecure_tls: raw.insecure_tls.unwrap_or(false),
        })
    }

    /// One `[[feed]]`; `earlier` holds the feeds before it.
    pub(super) fn feed(
        &self,
        f: RawFeed,
        ctx: &FileContext,
        earlier: &[FeedConfig],
    ) -> Result<FeedConfig, ConfigError> {
        let id = f.id.get_ref().clone();
        if !ID.is_match(&id) || RESERVED_IDS.contains(&id.as_str()) {
            return Err(self.error_at(
                f.id.span().start,
                format!("feed id {id:?} must be [a-z0-9-]+ and not all, tag or search"),
            ));
        }
        if ctx.taken.contains(&id) || earlier.iter().any(|x| x.id == id) {
            return Err(self.error_at(
                f.id.span().start,
                format!("feed id {id:?} is already a source or feed id"),
            ));
        }
        for s in &f.sources {
            if !ctx.written_ids.contains(s.get_ref()) {
                return Err(self.error_at(
                    s.span().start,
                    format!("no source with id {:?}", s.get_ref()),
                ));
            }
        }
        for t in &f.tags {
            if !ctx.written_tags.contains(t.get_ref()) {
                return Err(self.error_at(
                    t.span().start,
                    format!("no source has the tag {:?}", t.get_ref()),
                ));
            }
        }
        let mut kinds = Vec::new();
        for k in &f.kinds {
            kinds.push(self.check(k, |k| match k {
                "news" => Ok(crate::model::ItemKind::News),
                "documents" => Ok(crate::model::ItemKind::Documents),
                other => Err(format!(
                    "unknown kind {other:?}; use \"news\" or \"documents\""
                )),
            })?);
        }
        Ok(FeedConfig {
            title: f.title.unwrap_or_else(|| id.clone()),
            id,
            filter: crate::model::CustomFeed {
                sources: f.sources.into_iter().map(Spanned::into_inner).collect(),
                tags: f.tags.into_iter().map(Spanned::into_inner).collect(),
                include: f.include,
                exclude: f.exclude,
                kinds,
            },
            limit: self.count(&f.limit, ctx.feed_items)?,
        })
    }
}
