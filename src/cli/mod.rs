//! One file per command; `main.rs` parses the arguments and maps errors to exit codes.
//!
//! Each command is `run(…) -> anyhow::Result<ExitCode>`: it calls the library and prints
//! what a person reads. Nothing here decides anything the daemon would decide differently.

use std::process::ExitCode;

use anyhow::Context;
use portalfeed::config::Config;

/// Output to stdout that stops quietly when its reader goes away (`portalfeed opml | head
/// -1`): a closed pipe is an error that the command returns, and `main` ends with success
/// on it, where `println!` would panic.
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

pub mod check;
pub mod crawl;
pub mod demo;
pub mod discover;
pub mod export;
pub mod extract;
pub mod opml;
pub mod preview;
pub mod run;
pub mod search;
pub mod sources;

/// A multi-threaded runtime for the commands that fetch or serve.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The configuration with every default, for commands run without one.
fn default_config() -> anyhow::Result<Config> {
    Ok(Config::from_str(
        "",
        std::path::Path::new("portalfeed.toml"),
    )?)
}

/// An exit code from whether everything asked for went well.
fn success_if(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
