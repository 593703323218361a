//! The TOML configuration: schema, defaults and validation.
//!
//! Parsing happens in two steps. Serde reads the file into `raw` structs that keep the
//! byte span of every value we validate; `tables` then checks each table and `validate`
//! each value (cron, URLs, selectors, regexes, ids), turning a failure into a
//! [`ConfigError`] that names the file, line and column, the way a compiler would.

mod error;
mod push;
mod raw;
mod tables;
mod validate;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use regex::Regex;
use url::Url;

pub use error::{ConfigError, Problem};
pub use push::MAX_SECRET;
use raw::RawConfig;
use tables::FileContext;
use validate::Validator;

use crate::extract::ArticleRules;
use crate::schedule::Schedule;

/// What a source without its own `schedule` runs on when `[daemon]` names none.
const DEFAULT_SCHEDULE: &str = "*/30 * * * *";

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from; relative paths inside are relative to its folder.
    pub path: PathBuf,
    pub daemon: DaemonConfig,
    pub sources: Vec<SourceConfig>,
    pub feeds: Vec<FeedConfig>,
    pub websub: WebSubConfig,
    pub delivery: DeliveryConfig,
    pub notify: Vec<NotifyConfig>,
}

/// `[websub]`: how feeds are pushed to WebSub subscribers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSubConfig {
    /// An outside hub to notify of each changed feed; without one, portalfeed is its own
    /// hub at `/websub`.
    pub hub: Option<Url>,
    /// Callbacks (and the outside hub) may be on private or loopback addresses.
    pub allow_private: bool,
    /// The lease a subscriber gets when it asks for none.
    pub lease: Duration,
    /// The longest lease granted; a longer request gets this.
    pub max_lease: Duration,
    pub max_per_topic: usize,
    pub max_per_host: usize,
}

impl Default for WebSubConfig {
    fn default() -> Self {
        WebSubConfig {
            hub: None,
            allow_private: false,
            lease: Duration::from_secs(10 * 24 * 3600),
            max_lease: Duration::from_secs(30 * 24 * 3600),
            max_per_topic: 1000,
            max_per_host: 100,
        }
    }
}

/// `[delivery]`: retries of webhook and WebSub deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// The wait after a receiver's first failure; it doubles after each one.
    pub retry_delay: Duration,
    /// The longest wait between two attempts (a `Retry-After` may ask for more).
    pub retry_max: Duration,
    /// Deliveries older than this are given up: a receiver down for longer misses them.
    pub max_age: Duration,
    /// One request's time limit.
    pub timeout: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            retry_delay: Duration::from_secs(10),
            retry_max: Duration::from_secs(3600),
            max_age: Duration::from_secs(3 * 24 * 3600),
            timeout: Duration::from_secs(15),
        }
    }
}

/// A webhook: `[[notify]]`.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    pub url: Url,
    /// Feed keys, as in feed URLs: `all`, a source id, `tag/<tag>`, a `[[feed]]` id.
    pub feeds: Vec<String>,
    /// `New` and/or `Updated`.
    pub events: Vec<crate::model::Event>,
    pub secret: Option<String>,
    pub format: NotifyFormat,
    pub allow_private: bool,
}

/// What a webhook's body looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyFormat {
    /// A JSON Feed 1.1 document holding the one item, with the event and feed id.
    Json,
    /// `{"text": …}`, as Slack, Mattermost, Rocket.Chat and Discord's Slack-compatible
    /// endpoint take it.
    Slack,
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
    /// What the index is: an HTML list page, a feed, a sitemap, or a document register.
    pub kind: IndexKind,
    /// `[source.documents]`: selectors for a register (`kind = "documents"`).
    pub documents: crate::model::RegisterRules,
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
    /// A document register: each row is an item (see `index::register`).
    Documents,
}

impl IndexKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IndexKind::Html => "html",
            IndexKind::Feed => "feed",
            IndexKind::Sitemap => "sitemap",
            IndexKind::Documents => "documents",
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
        let mut errors: Vec<ConfigError> = Vec::new();
        // On a problem in [daemon], the sources are still checked, against the defaults.
        let daemon = v
            .daemon(&raw.daemon, &base_dir, state_dir)
            .map_err(|e| errors.push(e))
            .ok();
        let mut ctx = FileContext {
            schedule: match &daemon {
                Some(d) => d.schedule.clone(),
                None => v.default_schedule()?,
            },
            max_items: daemon.as_ref().map_or(30, |d| d.max_items),
            feed_items: daemon.as_ref().map_or(50, |d| d.feed_items),
            written_ids: raw.source.iter().map(|s| s.id.get_ref().clone()).collect(),
            written_tags: raw
                .source
                .iter()
                .flat_map(|s| s.tags.iter().map(|t| t.get_ref().clone()))
                .collect(),
            taken: Default::default(),
            schedules: HashMap::new(),
            base_dir,
        };
        let mut sources = Vec::with_capacity(raw.source.len());
        for s in raw.source {
            match v.source(s, &mut ctx) {
                Ok(c) => sources.push(c),
                Err(e) => errors.push(e),
            }
        }
        let mut feeds: Vec<FeedConfig> = Vec::new();
        for f in raw.feed {
            match v.feed(f, &ctx, &feeds) {
                Ok(c) => feeds.push(c),
                Err(e) => errors.push(e),
            }
        }
        let websub = v.websub(&raw.websub).map_err(|e| errors.push(e)).ok();
        let delivery = v.delivery(&raw.delivery).map_err(|e| errors.push(e)).ok();
        let mut notify = Vec::new();
        for n in raw.notify {
            match v.notify(n, &ctx, &feeds) {
                Ok(c) => notify.push(c),
                Err(e) => errors.push(e),
            }
        }
        match (ConfigError::joined(errors), daemon) {
            (None, Some(daemon)) => Ok(Config {
                path: path.to_path_buf(),
                daemon,
                sources,
                feeds,
                websub: websub.unwrap_or_default(),
                delivery: delivery.unwrap_or_default(),
                notify,
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

#[cfg(test)]
mod tests {
    use std::fmt;

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
            (
                "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\nkind = \"register\"\n",
                4,
                8,
                "\"documents\"",
            ),
            (
                "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\nkind = \"documents\"\n[source.documents]\nnumber = \"td.so\"\n",
                6,
                10,
                "set `rows` too",
            ),
            (
                "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\nkind = \"documents\"\n[source.documents]\nrows = \"tr[\"\n",
                6,
                8,
                "selector",
            ),
            (
                "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\n[[feed]]\nid = \"vb\"\nkinds = [\"laws\"]\n",
                6,
                10,
                "\"news\" or \"documents\"",
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
