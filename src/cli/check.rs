//! `portalfeed check`: validate a configuration and show each source's next runs.

use std::path::Path;
use std::process::ExitCode;

use portalfeed::config::Config;

pub fn run(config: &Path) -> anyhow::Result<ExitCode> {
    let config = Config::load(config)?;
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
    // Where new items are pushed: the hub the feeds name, and each webhook by host (a
    // webhook's path is often its secret).
    outln!(
        "WebSub: {}",
        match &config.websub.hub {
            Some(hub) => format!("feeds name the outside hub {hub}, pinged on each change"),
            None => format!(
                "portalfeed is the hub at {}",
                portalfeed::feed::hub_url(&config)
            ),
        }
    );
    for n in &config.notify {
        let events: Vec<&str> = n.events.iter().map(|e| e.as_str()).collect();
        outln!(
            "webhook {:<32} {:?}, {} of {}{}",
            portalfeed::status::receiver(n.url.as_str()),
            n.format,
            events.join(" and "),
            n.feeds.join(", "),
            if n.secret.is_some() { ", signed" } else { "" },
        );
    }
    Ok(ExitCode::SUCCESS)
}
