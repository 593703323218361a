//! The command line: parse arguments, run the command (one file each under `cli/`), map
//! errors to exit codes.
//!
//! Exit codes: 0 success; 1 a source or page failed; 2 bad configuration or usage.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use portalfeed::config::Config;
use portalfeed::logging;

mod cli;

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

/// Whether an error is stdout's reader having gone away.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
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

/// Starts logging at the command's level, then runs the command.
fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    if let Some(level) = log_level(&command) {
        logging::init(level);
    }
    match command {
        // The daemon logs at its configured level, so it loads the configuration first
        // (once) and starts logging itself.
        Command::Run { config } => {
            let config = Config::load(&config);
            logging::init(
                config
                    .as_ref()
                    .map_or("info", |c| c.daemon.log_level.as_str()),
            );
            cli::run::run(config?)
        }
        Command::Check { config } => cli::check::run(&config),
        Command::Crawl { config, sources } => cli::crawl::run(&config, &sources),
        Command::Sources { config } => cli::sources::run(&config),
        Command::Search {
            config,
            query,
            limit,
        } => cli::search::run(&config, &query, limit),
        Command::Opml { config } => cli::opml::run(&config),
        Command::Export { config, dir } => cli::export::run(&config, &dir),
        Command::Discover {
            url,
            config,
            write,
            id,
            allow_private,
        } => cli::discover::run(cli::discover::Args {
            url,
            config,
            write,
            id,
            allow_private,
        }),
        Command::Preview {
            url,
            config,
            source,
            json,
            html,
        } => cli::preview::run(cli::preview::Args {
            url,
            config,
            source,
            json,
            html,
        }),
        Command::Demo { listen } => cli::demo::run(listen),
        Command::Extract {
            url,
            content_type,
            profile,
            file,
        } => cli::extract::run(&url, content_type.as_deref(), profile, &file),
    }
}

/// The level a command logs at; `None` for the daemon, whose configuration says.
fn log_level(command: &Command) -> Option<&'static str> {
    match command {
        Command::Run { .. } => None,
        // The demo speaks for itself on stdout; the daemon's notes (the corpus lists
        // link pages it does not keep) would drown it.
        Command::Demo { .. } => Some("error"),
        // On a terminal `crawl` draws a progress line per source; the per-run info lines
        // would say the same and break the lines up.
        Command::Crawl { .. } if std::io::IsTerminal::is_terminal(&std::io::stderr()) => {
            Some("warn")
        }
        _ => Some("info"),
    }
}
