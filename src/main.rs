//! The command line: parse arguments, call the library, map errors to exit codes.
//!
//! Exit codes: 0 success; 1 a source or page failed; 2 bad configuration or usage.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use portalfeed::config::Config;
use portalfeed::{daemon, extract, fetch};

#[derive(Parser)]
#[command(
    name = "portalfeed",
    version,
    about = "Turns Vietnamese government web portals into clean RSS and Atom feeds"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a configuration and show each source's next three run times.
    Check {
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Crawl the sources once now, print a summary per source, and exit.
    Crawl {
        #[arg(long, short)]
        config: PathBuf,
        /// Only these sources (default: all).
        sources: Vec<String>,
    },
    /// Show each source's health: last run, outcome, counts, failures, next run, last error.
    Sources {
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Search the stored articles: diacritic- and case-insensitive ("dan van kheo" finds
    /// "Dân vận khéo"), every word must occur; newest first.
    Search {
        #[arg(long, short)]
        config: PathBuf,
        /// The words to find.
        query: String,
        /// At most this many results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Print an OPML list of every feed, for importing into a reader.
    Opml {
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Write every feed (Atom, RSS, JSON Feed) and the OPML into DIR, each file replaced
    /// atomically, for a static web server or a CDN.
    Export {
        #[arg(long, short)]
        config: PathBuf,
        dir: PathBuf,
    },
    /// Run the daemon: crawl on schedule and serve feeds until SIGTERM or Ctrl-C.
    Run {
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Survey a portal page and print a ready `[[source]]` block: the platform, feeds,
    /// sitemaps, the article list with a sample of what it would pick, and warnings.
    Discover {
        /// A news section page, or the portal's home page.
        url: String,
        /// Take the user agent, delays and timeouts from this configuration.
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Append the block to this configuration, keeping its comments and layout.
        #[arg(long)]
        write: Option<PathBuf>,
        /// The source id (default: made from the host name).
        #[arg(long)]
        id: Option<String>,
        /// The portal is on a private or loopback address (an intranet portal).
        #[arg(long)]
        allow_private: bool,
    },
    /// Fetch one article and show what its feed item would be: title, date, author,
    /// source, the body as text, images, and the profile and rules that applied.
    Preview {
        /// The article's URL.
        url: String,
        /// Take settings (and, with --source, the source's rules) from this configuration.
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Read the article with this source's rules.
        #[arg(long, requires = "config")]
        source: Option<String>,
        /// Print the JSON object `extract` prints.
        #[arg(long, conflicts_with = "html")]
        json: bool,
        /// Print only the cleaned HTML.
        #[arg(long)]
        html: bool,
    },
    /// Run the daemon on local copies of real portals (the bundled corpus), with no
    /// network: prints the status page and feed URLs; Ctrl-C ends it.
    Demo {
        /// Where to serve the feeds (default 127.0.0.1:8787, or a free port when taken).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Extract the article from a saved page and print it as JSON.
    Extract {
        /// The URL the page was fetched from (resolves links and images).
        #[arg(long)]
        url: String,
        /// The Content-Type header it was served with (its charset is honoured).
        #[arg(long)]
        content_type: Option<String>,
        /// Force a platform profile (`generic` for none) instead of detecting one.
        #[arg(long)]
        profile: Option<String>,
        /// The saved page.
        file: PathBuf,
    },
}

/// Output to stdout that stops quietly when its reader goes away (`portalfeed opml | head
/// -1`): a closed pipe is an error that `run` returns, and `main` ends with success on it,
/// where `println!` would panic.
/// What is printed passes through `text::terminal_safe`: titles and error texts come from
/// web pages, and must not drive the terminal.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        writeln!(std::io::stdout().lock(), "{}", portalfeed::text::terminal_safe(&text))?;
    }};
}
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        write!(std::io::stdout().lock(), "{}", portalfeed::text::terminal_safe(&text))?;
    }};
}

/// Whether an error is stdout's reader having gone away.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The daemon takes its log level from its configuration; the commands log at info.
    let level = match &cli.command {
        Command::Run { config } => Config::load(config)
            .map(|c| c.daemon.log_level)
            .unwrap_or_else(|_| "info".into()),
        // The demo speaks for itself on stdout; the daemon's notes (the corpus lists
        // link pages it does not keep) would drown it.
        Command::Demo { .. } => "error".into(),
        // On a terminal `crawl` draws a progress line per source; the per-run info lines
        // would say the same and break the lines up.
        Command::Crawl { .. } if std::io::IsTerminal::is_terminal(&std::io::stderr()) => {
            "warn".into()
        }
        _ => "info".into(),
    };
    portalfeed::logging::init(&level);
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "error: {}",
                portalfeed::text::terminal_safe(&format!("{e:#}"))
            );
            if e.downcast_ref::<portalfeed::config::ConfigError>()
                .is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check { config } => {
            let config = Config::load(&config)?;
            let tz = config.daemon.timezone;
            outln!(
                "ok: {} ({} sources)",
                config.path.display(),
                config.sources.len()
            );
            let now = chrono::Utc::now();
            for s in &config.sources {
                let next: Vec<String> = s
                    .schedule
                    .upcoming(now, tz, 3)
                    .iter()
                    .map(|t| {
                        t.with_timezone(&tz)
                            .format("%Y-%m-%d %H:%M:%S %:z")
                            .to_string()
                    })
                    .collect();
                if next.is_empty() {
                    // `0 0 30 2 *` parses, and never fires.
                    outln!(
                        "{:<24} {:<16} next: never: no date matches this schedule (a 30th of February?); the source would never run",
                        s.id,
                        s.schedule.as_str()
                    );
                    continue;
                }
                outln!(
                    "{:<24} {:<16} next: {}",
                    s.id,
                    s.schedule.as_str(),
                    next.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Crawl { config, sources } => {
            let config = Config::load(&config)?;
            let results = runtime()?.block_on(daemon::crawl_once(
                std::sync::Arc::new(config),
                &sources,
                portalfeed::progress::TerminalProgress::on_terminal().map(|p| {
                    std::sync::Arc::new(p) as std::sync::Arc<dyn portalfeed::crawl::Progress>
                }),
            ))?;
            outln!(
                "{:<24} {:>6} {:>5} {:>8} {:>10} {:>7} {:>7} {:>8}  error",
                "source",
                "found",
                "new",
                "updated",
                "unchanged",
                "merged",
                "failed",
                "skipped"
            );
            let mut all_ok = true;
            for r in &results {
                all_ok &= r.ok;
                outln!(
                    "{:<24} {:>6} {:>5} {:>8} {:>10} {:>7} {:>7} {:>8}  {}",
                    r.source_id,
                    r.found,
                    r.new,
                    r.updated,
                    r.unchanged,
                    r.merged,
                    r.failed,
                    r.skipped,
                    r.error.as_deref().unwrap_or("")
                );
            }
            Ok(if all_ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Sources { config } => {
            let config = Config::load(&config)?;
            // With the daemon's identity settings, as every command that opens the store.
            let store = portalfeed::daemon::open_store(&config)?;
            let tz = config.daemon.timezone;
            let when = |t: chrono::DateTime<chrono::Utc>| {
                t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
            };
            outln!(
                "{:<24} {:<8} {:<16} {:<8} {:>6} {:>5} {:>5} {:>4} {:>5} {:<16}  last error",
                "source",
                "kind",
                "last run",
                "outcome",
                "status",
                "found",
                "new",
                "upd",
                "fails",
                "next run"
            );
            for s in &config.sources {
                let h = store.health(&s.id)?;
                let (last, outcome, status, found, new, upd, next, error) = match &h.last {
                    Some(r) => (
                        when(r.started),
                        if r.ok { "ok" } else { "FAILED" },
                        r.status
                            .map(|s| s.to_string())
                            .unwrap_or_else(|| "-".into()),
                        r.found,
                        r.new,
                        r.updated,
                        r.next_run.map(when).unwrap_or_else(|| "-".into()),
                        r.error.clone().unwrap_or_default(),
                    ),
                    None => (
                        "never".into(),
                        "-",
                        "-".into(),
                        0,
                        0,
                        0,
                        "at start".into(),
                        String::new(),
                    ),
                };
                let tls = if s.http.insecure_tls {
                    " [insecure TLS]"
                } else {
                    ""
                };
                let flapping = portalfeed::store::flapping_note(h.flapping)
                    .map(|n| format!(" [{n}]"))
                    .unwrap_or_default();
                outln!(
                    "{:<24} {:<8} {:<16} {:<8} {:>6} {:>5} {:>5} {:>4} {:>5} {:<16}  {}{}{}",
                    s.id,
                    s.kind.as_str(),
                    last,
                    outcome,
                    status,
                    found,
                    new,
                    upd,
                    h.consecutive_failures,
                    next,
                    error,
                    tls,
                    flapping
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Search {
            config,
            query,
            limit,
        } => {
            let config = Config::load(&config)?;
            anyhow::ensure!(
                portalfeed::store::fts_query(&query).is_some(),
                "the query {query:?} has no word to search for"
            );
            let store = daemon::open_store(&config)?;
            let hits =
                store.feed_items(&portalfeed::store::FeedScope::Search(query.clone()), limit)?;
            let tz = config.daemon.timezone;
            for h in &hits {
                let when = h
                    .published
                    .map(|d| d.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "—".into());
                outln!(
                    "{when}  {:<20} {}\n                  {}",
                    h.source_id,
                    h.title,
                    h.link
                );
            }
            eprintln!("{} result(s) for {query:?}", hits.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Opml { config } => {
            let config = Config::load(&config)?;
            out!(
                "{}",
                portalfeed::feed::opml(
                    &portalfeed::feed::catalog(&config),
                    &config.daemon.public_url
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { config, dir } => {
            let config = std::sync::Arc::new(Config::load(&config)?);
            let store = daemon::open_store(&config)?;
            let written = daemon::export(&config, store, &dir)?;
            outln!("wrote {written} files to {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { config } => {
            let config = Config::load(&config)?;
            runtime()?.block_on(daemon::run(config))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Discover {
            url,
            config,
            write,
            id,
            allow_private,
        } => {
            let url = url::Url::parse(&url).with_context(|| format!("invalid URL {url:?}"))?;
            // The file the block is written to is read once: its ids are taken, and its
            // settings apply unless --config names another file.
            let written = write.as_deref().map(Config::load).transpose()?;
            let settings = match (&config, &written) {
                (Some(path), _) => Config::load(path)?,
                (None, Some(w)) => w.clone(),
                (None, None) => default_config()?,
            };
            let taken: Vec<String> = written
                .iter()
                .flat_map(|w| {
                    w.sources
                        .iter()
                        .map(|s| s.id.clone())
                        .chain(w.feeds.iter().map(|f| f.id.clone()))
                })
                .collect();
            let fetcher = fetch::Fetcher::new(fetch::FetchConfig::from(&settings.daemon))?;
            let opts = portalfeed::survey::Options {
                id,
                taken_ids: taken,
                allow_private,
            };
            let report = runtime()?.block_on(portalfeed::survey::survey(&fetcher, &url, &opts))?;
            out!("{}", report.toml());
            if let Some(path) = &write {
                report.append_to(path).map_err(|e| anyhow::anyhow!("{e}"))?;
                eprintln!("appended [[source]] {:?} to {}", report.id, path.display());
            }
            Ok(if report.choice.is_some() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Preview {
            url,
            config,
            source,
            json,
            html,
        } => {
            let url = url::Url::parse(&url).with_context(|| format!("invalid URL {url:?}"))?;
            let settings = match &config {
                Some(path) => Config::load(path)?,
                None => default_config()?,
            };
            let source = match &source {
                Some(id) => settings
                    .source(id)
                    .cloned()
                    .ok_or_else(|| daemon::DaemonError::UnknownSource(id.clone()))?,
                None => portalfeed::survey::provisional_source(
                    "preview",
                    &url,
                    portalfeed::config::IndexKind::Html,
                )
                .context("cannot make a source for this URL")?,
            };
            let fetcher = fetch::Fetcher::new(fetch::FetchConfig::from(&settings.daemon))?;
            let (page, article) = runtime()?
                .block_on(portalfeed::crawl::read_article(&fetcher, &source, &url))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&article.to_json())?);
            } else if html {
                outln!("{}", article.content_html);
            } else {
                out!(
                    "{}",
                    preview_text(&article, &source, &page.url, settings.daemon.timezone)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { listen } => {
            let listen = match listen {
                Some(addr) => addr,
                None => {
                    let preferred: std::net::SocketAddr = ([127, 0, 0, 1], 8787).into();
                    match std::net::TcpListener::bind(preferred) {
                        Ok(_) => preferred,
                        Err(e) => {
                            let other = std::net::TcpListener::bind(("127.0.0.1", 0))
                                .and_then(|l| l.local_addr())
                                .context("no free port on 127.0.0.1")?;
                            // Said, so that bookmarks and readers pointed at 8787 are not
                            // a mystery; the banner below has the new URLs.
                            outln!(
                                "{preferred} is taken ({e}); the demo serves on {other} instead (or pass --listen)"
                            );
                            other
                        }
                    }
                }
            };
            runtime()?.block_on(portalfeed::demo::run(listen))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Extract {
            url,
            content_type,
            profile,
            file,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let url = url::Url::parse(&url).with_context(|| format!("invalid --url {url:?}"))?;
            let decoded = fetch::decode::decode_html(&bytes, content_type.as_deref())
                .with_context(|| file.display().to_string())?;
            if let Some(p) = &profile {
                anyhow::ensure!(extract::profile::is_known(p), "unknown profile {p:?}");
            }
            let rules = extract::ArticleRules {
                profile,
                ..Default::default()
            };
            let article = extract::extract(&decoded.text, &url, &rules)?;
            outln!("{}", serde_json::to_string_pretty(&article.to_json())?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The configuration with every default, for commands run without one.
fn default_config() -> anyhow::Result<Config> {
    Ok(Config::from_str(
        "",
        std::path::Path::new("portalfeed.toml"),
    )?)
}

/// `preview`'s human-readable page: the item's fields, then the body wrapped for a
/// terminal, then which profile and rules applied.
fn preview_text(
    a: &extract::Article,
    source: &portalfeed::config::SourceConfig,
    fetched: &url::Url,
    tz: chrono_tz::Tz,
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let field = |out: &mut String, name: &str, value: &str| {
        let _ = writeln!(out, "{name:<10} {value}");
    };
    field(&mut out, "Title:", &a.title);
    field(
        &mut out,
        "Published:",
        &a.published
            .map(|d| {
                format!(
                    "{} ({})",
                    d.format("%Y-%m-%d %H:%M:%S %:z"),
                    d.with_timezone(&tz).format("%d/%m/%Y %H:%M %Z")
                )
            })
            .unwrap_or_else(|| "none found (the item would be dated when first seen)".into()),
    );
    field(&mut out, "Author:", a.author.as_deref().unwrap_or("—"));
    field(&mut out, "Credit:", a.credit.as_deref().unwrap_or("—"));
    field(&mut out, "URL:", &a.url);
    if a.url != fetched.as_str() {
        field(&mut out, "Fetched:", fetched.as_str());
    }
    let rules = &source.article;
    let profile = match (&rules.profile, &a.profile) {
        (Some(forced), _) => format!("{forced} (set for the source)"),
        (None, Some(p)) => format!("{p} (detected)"),
        (None, None) => "none: the generic extractor".into(),
    };
    field(&mut out, "Profile:", &profile);
    let mut own = Vec::new();
    for (name, v) in [
        ("title", &rules.title),
        ("body", &rules.body),
        ("lead", &rules.lead),
        ("date", &rules.date),
        ("author", &rules.author),
    ] {
        if let Some(v) = v {
            own.push(format!("{name} = {v:?}"));
        }
    }
    if !rules.strip.is_empty() {
        own.push(format!("strip = {:?}", rules.strip));
    }
    let profile_rules = a
        .profile
        .as_deref()
        .and_then(extract::profile::by_name)
        .map(|p| {
            let r = &p.rules;
            [
                ("body", &r.body),
                ("lead", &r.lead),
                ("title", &r.title),
                ("date", &r.date),
                ("author", &r.author),
            ]
            .iter()
            .filter_map(|(n, v)| v.as_ref().map(|v| format!("{n} = {v:?}")))
            .chain((!r.strip.is_empty()).then(|| format!("strip = {:?}", r.strip)))
            .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if !profile_rules.is_empty() {
        field(
            &mut out,
            "Rules:",
            &format!("profile: {}", profile_rules.join(", ")),
        );
    }
    if !own.is_empty() {
        field(
            &mut out,
            if profile_rules.is_empty() {
                "Rules:"
            } else {
                ""
            },
            &format!("source {}: {}", source.id, own.join(", ")),
        );
    }
    let _ = writeln!(out, "Images:    {}", a.images.len());
    for i in &a.images {
        let _ = writeln!(out, "  {i}");
    }
    let _ = writeln!(out, "\n{} paragraphs:\n", a.paragraphs.len());
    for p in &a.paragraphs {
        let _ = writeln!(out, "{}\n", wrap(p, 88));
    }
    out
}

/// Wraps text at word boundaries for a terminal.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split(' ') {
        let len = word.chars().count();
        if line > 0 && line + 1 + len > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += len;
    }
    out
}
