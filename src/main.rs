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

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The daemon takes its log level from its configuration; the commands log at info.
    let level = match &cli.command {
        Command::Run { config } => Config::load(config)
            .map(|c| c.daemon.log_level)
            .unwrap_or_else(|_| "info".into()),
        _ => "info".into(),
    };
    portalfeed::logging::init(&level);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
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
            println!(
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
                println!(
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
            let results = runtime()?.block_on(daemon::crawl_once(&config, &sources))?;
            println!(
                "{:<24} {:>6} {:>5} {:>8} {:>10} {:>7} {:>7}  error",
                "source", "found", "new", "updated", "unchanged", "merged", "failed"
            );
            let mut all_ok = true;
            for r in &results {
                all_ok &= r.ok;
                println!(
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
            let store = portalfeed::store::Store::open(&config.daemon.database)?;
            let tz = config.daemon.timezone;
            let when = |t: chrono::DateTime<chrono::Utc>| {
                t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
            };
            println!(
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
                println!(
                    "{:<24} {:<8} {:<16} {:<8} {:>6} {:>5} {:>5} {:>4} {:>5} {:<16}  {}{}",
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
                    tls
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
                println!(
                    "{when}  {:<20} {}\n                  {}",
                    h.source_id, h.title, h.link
                );
            }
            eprintln!("{} result(s) for {query:?}", hits.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Opml { config } => {
            let config = Config::load(&config)?;
            print!(
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
            println!("wrote {written} files to {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { config } => {
            let config = Config::load(&config)?;
            runtime()?.block_on(daemon::run(config))?;
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
            let json = serde_json::json!({
                "url": article.url,
                "title": article.title,
                "published": article.published.map(|d| d.to_rfc3339()),
                "author": article.author,
                "source": article.source,
                "text": article.text(),
                "content_html": article.content_html,
                "images": article.images,
                "profile": article.profile,
            });
            println!("{}", serde_json::to_string_pretty(&json)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}
