//! The status page: the page an operator keeps open to see that the portals are alive.
//!
//! Sources in trouble come first (failed, then with a note, then not run yet, then
//! fine), each with its last and next run, a sentence on how its last run went, a chart
//! of its new items per day and its feed links. A search box opens the search feed. The
//! page renews itself from `/events` (server-sent events) without a reload; without
//! scripts it reloads every minute.
//!
//! Rendering is a pure function of the configuration and the store's overview, so tests
//! read the page without a server.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::config::{Config, SourceConfig};
use crate::feed;
use crate::model::DeliveryTarget;
use crate::store::{FeedScope, SourceOverview};

/// Days in each source's chart.
pub const DAYS: u32 = 30;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.35em .6em;text-align:left;vertical-align:top}\
tr.failed td:first-child{border-left:4px solid #b00}tr.note td:first-child{border-left:4px solid #d80}\
.failed .sentence{color:#900}.when{white-space:nowrap}.sentence{max-width:34em;overflow-wrap:anywhere}\
.chart rect{fill:#36c}.chart text{font-size:9px;fill:#555}\
form{margin:1em 0}input[type=search]{padding:.3em;min-width:16em}\
@media (max-width:700px){table,tbody,tr,td{display:block;width:auto}thead{display:none}\
tr{border:1px solid #ccc;margin:0 0 .8em}td{border:none;padding:.25em .5em}\
td[data-label]::before{content:attr(data-label) \": \";font-weight:600}\
tr.failed,tr.note{border-left:4px solid #b00}tr.note{border-left-color:#d80}input[type=search]{min-width:0;width:60%}}";

/// Renews the page's `<main>` when the daemon says something changed.
const SCRIPT: &str = "if(window.EventSource){const es=new EventSource('/events');\
es.onmessage=()=>fetch('/',{cache:'no-store'}).then(r=>r.text()).then(t=>{\
const m=new DOMParser().parseFromString(t,'text/html').getElementById('status');\
if(m)document.getElementById('status').replaceWith(m);}).catch(()=>{});}";

/// What the page says of pushing: each receiver's deliveries and the WebSub
/// subscriptions.
#[derive(Debug, Clone, Default)]
pub struct Deliveries {
    pub targets: Vec<DeliveryTarget>,
    pub subscriptions: usize,
}

/// A receiver's URL as shown: its scheme and host only. A webhook's path is often its
/// secret (Slack, Discord), and the page is not.
pub fn receiver(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => {
            let mut shown = format!("{}://{}", u.scheme(), u.host_str().unwrap_or(""));
            if let Some(port) = u.port() {
                let _ = write!(shown, ":{port}");
            }
            if u.path() != "/" || u.query().is_some() {
                shown.push_str("/…");
            }
            shown
        }
        Err(_) => "(not a URL)".into(),
    }
}

/// The deliveries section: totals, then one row per receiver, troubled ones first.
fn deliveries(html: &mut String, push: &Deliveries) {
    if push.targets.is_empty() && push.subscriptions == 0 {
        return;
    }
    let (mut pending, mut failed, mut delivered) = (0, 0, 0);
    for t in &push.targets {
        pending += t.counts.pending;
        failed += t.counts.failed;
        delivered += t.counts.delivered;
    }
    let _ = write!(
        html,
        "<h2>Deliveries</h2><p>{pending} pending, {failed} failed, {delivered} delivered in the last 7 days · {} WebSub subscriptions</p>",
        push.subscriptions
    );
    if push.targets.is_empty() {
        return;
    }
    html.push_str(
        "<table><thead><tr><th>Receiver</th><th>Kind</th><th>Pending</th><th>Failed</th>\
         <th>Delivered</th><th>Last problem</th></tr></thead><tbody>",
    );
    for t in &push.targets {
        let _ = write!(
            html,
            "<tr><td data-label=\"Receiver\">{}</td><td data-label=\"Kind\">{}</td><td data-label=\"Pending\">{}</td>\
             <td data-label=\"Failed\">{}</td><td data-label=\"Delivered\">{}</td><td data-label=\"Last problem\">{}</td></tr>",
            esc(&receiver(&t.url)),
            t.kind.as_str(),
            t.counts.pending,
            t.counts.failed,
            t.counts.delivered,
            esc(t.last_error.as_deref().unwrap_or(""))
        );
    }
    html.push_str("</tbody></table>");
}

/// How much a source's state asks for attention: lower first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Trouble {
    Failed,
    Noted,
    NeverRun,
    Fine,
}

/// The whole page.
pub fn render(
    config: &Config,
    mut overview: HashMap<String, SourceOverview>,
    push: &Deliveries,
    now: DateTime<Utc>,
) -> String {
    let tz = config.daemon.timezone;
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>portalfeed</title><noscript><meta http-equiv=\"refresh\" content=\"60\"></noscript>\
         <style>{STYLE}</style></head><body><main id=\"status\"><h1>portalfeed</h1>"
    );
    let _ = write!(
        html,
        "<p>portalfeed {} · times in {} (UTC{}) · page made {}</p>",
        env!("CARGO_PKG_VERSION"),
        esc(tz.name()),
        now.with_timezone(&tz).format("%:z"),
        now.with_timezone(&tz).format("%Y-%m-%d %H:%M")
    );
    html.push_str(
        "<form action=\"/feeds/search.atom\" method=\"get\" role=\"search\">\
         <label for=\"q\">Search every article </label><input type=\"search\" id=\"q\" name=\"q\" \
         placeholder=\"dân vận khéo\" required> <button type=\"submit\">Open the search feed</button></form>",
    );
    html.push_str("<p>Feeds:");
    for e in feed::catalog(config)
        .iter()
        .filter(|e| !matches!(e.scope, FeedScope::Source(_)))
    {
        let _ = write!(
            html,
            " <a href=\"/feeds/{k}.atom\">{t}</a> (<a href=\"/feeds/{k}.rss\">rss</a>, <a href=\"/feeds/{k}.json\">json</a>) ·",
            k = esc(&e.key),
            t = esc(&e.title)
        );
    }
    html.push_str(" <a href=\"/opml\">OPML</a></p>");

    let mut rows: Vec<(&SourceConfig, SourceOverview)> = config
        .sources
        .iter()
        .map(|s| (s, overview.remove(&s.id).unwrap_or_default()))
        .collect();
    rows.sort_by_key(|(s, o)| (trouble(o), s.name.to_lowercase()));
    let count = |t: Trouble| rows.iter().filter(|(_, o)| trouble(o) == t).count();
    let total_items: usize = rows.iter().map(|(_, o)| o.items).sum();
    let _ = write!(
        html,
        "<p>{} sources: {} failing, {} with a note, {} not run yet · {} items in their feeds</p>",
        rows.len(),
        count(Trouble::Failed),
        count(Trouble::Noted),
        count(Trouble::NeverRun),
        total_items
    );
    html.push_str(
        "<table class=\"sources\"><thead><tr><th>Source</th><th>Last run</th><th>Next run</th><th>How it went</th>\
         <th>Items</th><th>New items, last 30 days</th><th>Feeds</th></tr></thead><tbody>",
    );
    for (s, o) in &rows {
        row(&mut html, s, o, tz, now);
    }
    html.push_str("</tbody></table>");
    deliveries(&mut html, push);
    html.push_str("</main><script>");
    html.push_str(SCRIPT);
    html.push_str("</script></body></html>");
    html
}

fn trouble(o: &SourceOverview) -> Trouble {
    match &o.last {
        None => Trouble::NeverRun,
        Some(r) if !r.ok => Trouble::Failed,
        Some(r) if r.error.is_some() || o.flapping > 0 => Trouble::Noted,
        Some(_) => Trouble::Fine,
    }
}

fn row(html: &mut String, s: &SourceConfig, o: &SourceOverview, tz: Tz, now: DateTime<Utc>) {
    let at = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let class = match trouble(o) {
        Trouble::Failed => " class=\"failed\"",
        Trouble::Noted => " class=\"note\"",
        _ => "",
    };
    let last = o
        .last
        .as_ref()
        .map_or_else(|| "never".into(), |r| at(r.started));
    let next = o
        .last
        .as_ref()
        .and_then(|r| r.next_run)
        .map_or_else(|| "at start".into(), at);
    let tls = if s.http.insecure_tls {
        " <strong>[insecure TLS]</strong>"
    } else {
        ""
    };
    let _ = write!(
        html,
        "<tr{class}><td data-label=\"Source\"><a href=\"{url}\">{name}</a> <small>({id})</small>{tls}</td>\
         <td data-label=\"Last run\" class=\"when\">{last}</td><td data-label=\"Next run\" class=\"when\">{next}</td>\
         <td data-label=\"How it went\" class=\"sentence\">{sentence}</td><td data-label=\"Items\">{items}</td>\
         <td data-label=\"New items\">{chart}</td>\
         <td data-label=\"Feeds\"><a href=\"/feeds/{id}.atom\">atom</a> · <a href=\"/feeds/{id}.rss\">rss</a> · <a href=\"/feeds/{id}.json\">json</a></td></tr>",
        url = esc(s.url.as_str()),
        name = esc(&s.name),
        id = esc(&s.id),
        sentence = esc(&sentence(o)),
        items = o.items,
        chart = chart(&o.per_day, now.with_timezone(&tz).date_naive()),
    );
}

/// How the last run went, in a sentence a person reads at a glance.
pub fn sentence(o: &SourceOverview) -> String {
    let mut out = match &o.last {
        None => "Not run yet.".to_string(),
        Some(r) if !r.ok => format!(
            "Failed: {}.",
            r.error
                .as_deref()
                .unwrap_or("no reason recorded")
                .trim_end_matches('.')
        ),
        Some(r) => {
            let mut s = format!(
                "Fine: {} link{} on the list, {} new, {} updated",
                r.found,
                if r.found == 1 { "" } else { "s" },
                r.new,
                r.updated
            );
            if r.failed > 0 {
                let _ = write!(s, ", {} failed", r.failed);
            }
            if r.skipped > 0 {
                let _ = write!(s, ", {} skipped", r.skipped);
            }
            s.push('.');
            if let Some(note) = &r.error {
                let _ = write!(s, " Note: {}.", note.trim_end_matches('.'));
            }
            s
        }
    };
    if let Some(n) = crate::store::flapping_note(o.flapping) {
        let _ = write!(out, " {}{}.", n[..1].to_uppercase(), &n[1..]);
    }
    out
}

/// New items per day, oldest first, as bars with the largest day's count and the first
/// and last dates written under them; each bar names its day and count on hover.
fn chart(counts: &[u32], today: chrono::NaiveDate) -> String {
    let counts: Vec<u32> = if counts.is_empty() {
        vec![0; DAYS as usize]
    } else {
        counts.to_vec()
    };
    let (bar, gap, height) = (6usize, 2usize, 36.0f64);
    let width = counts.len() * (bar + gap);
    let max = counts.iter().copied().max().unwrap_or(0);
    let mut svg = format!(
        "<svg class=\"chart\" width=\"{width}\" height=\"52\" viewBox=\"0 0 {width} 52\" role=\"img\" \
         aria-label=\"new items per day, last {} days, at most {max} a day\">",
        counts.len()
    );
    let first = today - chrono::Duration::days(counts.len() as i64 - 1);
    for (i, n) in counts.iter().enumerate() {
        let h = if *n == 0 {
            1.0
        } else {
            (f64::from(*n) / f64::from(max.max(1)) * height).max(2.0)
        };
        let day = first + chrono::Duration::days(i as i64);
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"{:.1}\" width=\"{bar}\" height=\"{:.1}\"><title>{}: {n} new</title></rect>",
            i * (bar + gap),
            height - h,
            h,
            day.format("%d/%m")
        );
    }
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"49\">{}</text><text x=\"{width}\" y=\"49\" text-anchor=\"end\">{} · max {max}</text></svg>",
        first.format("%d/%m"),
        today.format("%d/%m")
    );
    svg
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RunRecord;

    fn config() -> Config {
        Config::from_str(
            "[[source]]\nid = \"ok\"\nname = \"Bình yên\"\nurl = \"http://a.test/\"\n\
             [[source]]\nid = \"down\"\nname = \"Zeta huyện\"\nurl = \"http://b.test/\"\n\
             [[source]]\nid = \"new\"\nname = \"Mới thêm\"\nurl = \"http://c.test/\"\n\
             [[source]]\nid = \"noted\"\nname = \"Có ghi chú\"\nurl = \"http://d.test/\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap()
    }

    fn run(ok: bool, error: Option<&str>) -> Option<RunRecord> {
        Some(RunRecord {
            ok,
            error: error.map(str::to_string),
            found: 12,
            new: 3,
            ..Default::default()
        })
    }

    #[test]
    fn trouble_comes_first_each_with_a_sentence() {
        let overview: HashMap<String, SourceOverview> = [
            (
                "ok",
                SourceOverview {
                    last: run(true, None),
                    ..Default::default()
                },
            ),
            (
                "down",
                SourceOverview {
                    last: run(false, Some("HTTP 503 from http://b.test/")),
                    ..Default::default()
                },
            ),
            (
                "noted",
                SourceOverview {
                    last: run(
                        true,
                        Some("http://d.test/x: reads as a list of other stories"),
                    ),
                    ..Default::default()
                },
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let html = render(&config(), overview, &Deliveries::default(), Utc::now());
        let pos = |needle: &str| {
            html.find(needle)
                .unwrap_or_else(|| panic!("{needle} missing"))
        };
        // Failed, then noted, then never run, then fine; not the config's order.
        assert!(pos("Zeta huyện") < pos("Có ghi chú"));
        assert!(pos("Có ghi chú") < pos("Mới thêm"));
        assert!(pos("Mới thêm") < pos("Bình yên"));
        assert!(html.contains("Failed: HTTP 503 from http://b.test/."));
        assert!(html.contains("Fine: 12 links on the list, 3 new, 0 updated."));
        assert!(html.contains("Note: http://d.test/x: reads as a list of other stories."));
        assert!(html.contains("Not run yet."));
        assert!(html.contains("4 sources: 1 failing, 1 with a note, 1 not run yet"));
        assert!(html.contains("action=\"/feeds/search.atom\""));
        assert!(html.contains("new EventSource('/events')"));
        assert!(html.contains("<noscript><meta http-equiv=\"refresh\""));
    }

    #[test]
    fn deliveries_show_counts_and_receivers_by_host_only() {
        use crate::model::{DeliveryCounts, DeliveryKind};
        let quiet = render(
            &config(),
            HashMap::new(),
            &Deliveries::default(),
            Utc::now(),
        );
        assert!(
            !quiet.contains("Deliveries"),
            "nothing to say without receivers"
        );
        let push = Deliveries {
            targets: vec![DeliveryTarget {
                kind: DeliveryKind::Webhook,
                url: "https://hooks.slack.com/services/T0/B0/SECRET".into(),
                counts: DeliveryCounts {
                    pending: 2,
                    failed: 1,
                    delivered: 40,
                },
                last_error: Some("HTTP 404: no_service".into()),
            }],
            subscriptions: 3,
        };
        let html = render(&config(), HashMap::new(), &push, Utc::now());
        assert!(
            html.contains(
                "2 pending, 1 failed, 40 delivered in the last 7 days · 3 WebSub subscriptions"
            ),
            "{html}"
        );
        assert!(html.contains("https://hooks.slack.com/…"));
        assert!(!html.contains("SECRET"), "a webhook's path is its secret");
        assert!(html.contains("HTTP 404: no_service"));
        assert_eq!(receiver("http://127.0.0.1:9000/"), "http://127.0.0.1:9000");
    }

    #[test]
    fn the_chart_names_its_days_and_scale() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let mut counts = vec![0u32; 30];
        counts[29] = 8;
        counts[28] = 4;
        let svg = chart(&counts, today);
        assert_eq!(svg.matches("<rect").count(), 30);
        assert!(svg.contains("<title>04/12: 8 new</title>"), "{svg}");
        assert!(svg.contains("<title>05/11: 0 new</title>"), "{svg}");
        assert!(svg.contains("height=\"36.0\""), "{svg}");
        assert!(svg.contains("height=\"18.0\""), "{svg}");
        assert!(svg.contains("04/12 · max 8"), "{svg}");
    }
}
