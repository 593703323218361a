//! `portalfeed demo`: the daemon on the bundled corpus portals, offline.

use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;

use anyhow::Context;

pub fn run(listen: Option<SocketAddr>) -> anyhow::Result<ExitCode> {
    let listen = match listen {
        Some(addr) => addr,
        None => free_address()?,
    };
    super::runtime()?.block_on(portalfeed::demo::run(listen))?;
    Ok(ExitCode::SUCCESS)
}

/// 127.0.0.1:8787, or a free port when that is taken.
fn free_address() -> anyhow::Result<SocketAddr> {
    let preferred: SocketAddr = ([127, 0, 0, 1], 8787).into();
    match TcpListener::bind(preferred) {
        Ok(_) => Ok(preferred),
        Err(e) => {
            let other = TcpListener::bind(("127.0.0.1", 0))
                .and_then(|l| l.local_addr())
                .context("no free port on 127.0.0.1")?;
            // Said, so that bookmarks and readers pointed at 8787 are not a mystery; the
            // banner has the new URLs.
            outln!(
                "{preferred} is taken ({e}); the demo serves on {other} instead (or pass --listen)"
            );
            Ok(other)
        }
    }
}
