//! End to end: the real binary crawls a local server that plays every corpus portal, the
//! real daemon serves the feeds, and feed-rs reads them back.

mod common;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use common::*;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// The summary row of one source in `portalfeed crawl` output, as numbers.
fn summary_row(out: &str, source: &str) -> Vec<usize> {
    let line = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some(source))
        .unwrap_or_else(|| panic!("no summary row for {source} in:\n{out}"));
    line.split_whitespace()
        .skip(1)
        .take(6)
        .map(|n| n.parse().unwrap())
        .collect()
}

async fn fetch_feed(
    base: &str,
    path: &str,
) -> (feed_rs::model::Feed, String, reqwest::header::HeaderMap) {
    let resp = client().get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    let headers = resp.headers().clone();
    let body = resp.text().await.unwrap();
    let feed = feed_rs::parser::parse(body.as_bytes())
        .unwrap_or_else(|e| panic!("{path} does not parse: {e}\n{body}"));
    (feed, body, headers)
}

/// Every expected article: (canonical URL, expected JSON), the syndicated copy excluded.
fn expected_articles() -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    for site in sites() {
        if site.folder == "special/syndicated" {
            continue;
        }
        for (_, v) in site.expected() {
            out.push((v["url"].as_str().unwrap().to_string(), v));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_serve_dedup_and_update_end_to_end() {
    let server = PortalServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    // A yearly schedule: the daemon must not crawl on its own during the test.
    let config = write_config(dir.path(), &listen, "0 0 1 1 *");
    let cfg = config.to_str().unwrap();

    let check = binary().args(["check", "--config", cfg]).output().unwrap();
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(stdout(&check).starts_with("ok"), "{}", stdout(&check));

    // The original first, so that the syndicated copy finds it.
    let first = run_with_proxy(&server, &["crawl", "--config", cfg, "s1-longan-portal"]);
    assert!(
        first.status.success(),
        "{}\n{}",
        stdout(&first),
        stderr(&first)
    );
    assert_eq!(
        summary_row(&stdout(&first), "s1-longan-portal")[1],
        3,
        "{}",
        stdout(&first)
    );

    let crawled_at = std::time::Instant::now();
    let all = run_with_proxy(&server, &["crawl", "--config", cfg]);
    let out = stdout(&all);
    assert!(all.status.success(), "{out}\n{}", stderr(&all));
    // (List pages also link articles outside the corpus; the server answers those 404.)
    for site in [
        "s2-provincial-newspaper",
        "s3-hcmc-portal",
        "s4-dakrong-nukeviet",
        "s5-longan-danvan",
    ] {
        let row = summary_row(&out, site);
        assert_eq!(row[1], 3, "{site} new: {out}");
    }
    // The re-post is merged into the Long An item, not stored again.
    let syn = summary_row(&out, "x-syndicated");
    assert_eq!((syn[1], syn[4]), (0, 1), "syndicated: {out}");
    for special in ["x-windows-1258", "x-nfd"] {
        assert_eq!(summary_row(&out, special)[1], 1, "{special}: {out}");
    }
    // Its list also links s4's three articles, new to its feed too, whichever of the
    // two sources fetched them first.
    assert_eq!(summary_row(&out, "x-updated")[1], 4, "x-updated: {out}");
    // Nothing outside the corpus was requested: no menu, sidebar or related-list link.
    let stray: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|(_, p)| p.contains("Xem-nhieu") || p.contains("page-2"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");

    let daemon = spawn_daemon(&server, &config);
    let base = format!("http://{listen}");
    wait_until_up(&format!("{base}/healthz"), Duration::from_secs(20)).await;
    // Every source's last run (the crawls above) succeeded: ready.
    let ready = client().get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.text().await.unwrap(),
        format!("ready: {} sources, none failing\n", sites().len())
    );

    let expected = expected_articles();
    let (atom, atom_body, headers) = fetch_feed(&base, "/feeds/all.atom").await;
    assert_eq!(
        headers["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    assert!(headers.contains_key("etag"));
    assert_eq!(
        atom.entries.len(),
        expected.len(),
        "one item per article, the re-post merged"
    );
    let (rss, rss_body, headers) = fetch_feed(&base, "/feeds/all.rss").await;
    assert_eq!(
        headers["content-type"],
        "application/rss+xml; charset=utf-8"
    );
    assert_eq!(rss.entries.len(), expected.len());
    assert!(rss_body.contains("<content:encoded>"));
    assert!(rss_body.contains("isPermaLink=\"false\""));
    assert!(rss_body.contains("<dc:creator>"));

    let by_link = |feed: &feed_rs::model::Feed| -> HashMap<String, feed_rs::model::Entry> {
        feed.entries
            .iter()
            .map(|e| (e.links[0].href.clone(), e.clone()))
            .collect()
    };
    let atom_by_link = by_link(&atom);
    let rss_by_link = by_link(&rss);
    for (url, exp) in &expected {
        let want_date: DateTime<FixedOffset> =
            DateTime::parse_from_rfc3339(exp["published"].as_str().unwrap()).unwrap();
        for (name, entries) in [("atom", &atom_by_link), ("rss", &rss_by_link)] {
            let e = entries
                .get(url)
                .unwrap_or_else(|| panic!("{name}: no item links to {url}"));
            assert_eq!(
                e.title.as_ref().unwrap().content,
                exp["title"].as_str().unwrap(),
                "{name} title of {url}"
            );
            assert_eq!(
                e.published.unwrap(),
                want_date.with_timezone(&Utc),
                "{name} date of {url}"
            );
            assert!(
                e.id.starts_with("urn:uuid:"),
                "{name} id of {url}: {}",
                e.id
            );
            match exp["author"].as_str() {
                Some(a) => assert_eq!(
                    e.authors[0].name.as_deref(),
                    Some(a),
                    "{name} author of {url}"
                ),
                None => assert!(e.authors.is_empty(), "{name} author of {url}"),
            }
        }
        // Both formats give the item the same id.
        assert_eq!(atom_by_link[url].id, rss_by_link[url].id);
    }
    // Atom timestamps are whole seconds in Vietnam time.
    assert!(
        atom_body.contains("<published>2019-04-19T00:00:00+07:00</published>"),
        "{}",
        &atom_body[..2000.min(atom_body.len())]
    );
    let fractional = regex::Regex::new(r"<(updated|published)>[^<]*\.\d").unwrap();
    assert!(
        !fractional.is_match(&atom_body),
        "fractional seconds in Atom timestamps"
    );
    let vietnam = regex::Regex::new(r"<(updated|published)>[^<]*\+07:00</").unwrap();
    assert_eq!(
        vietnam.find_iter(&atom_body).count(),
        atom_body.matches("<updated>").count() + atom_body.matches("<published>").count()
    );

    // The syndicated copy lives on the Long An item, which lists it as another copy.
    let longan_url =
        "http://longan.portal.test/tin-tuc/Pages/2019-4-19/Co-dan-van-la-co-tat-ca.aspx";
    let copy_url = "http://danvan.portal.test/web/guest/-/co-dan-van-la-co-tat-ca";
    let merged = &atom_by_link[longan_url];
    assert!(
        merged
            .content
            .as_ref()
            .unwrap()
            .body
            .as_ref()
            .unwrap()
            .contains(copy_url)
    );
    // In the re-posting source's own feed, the item links to that source's copy.
    let (syn_feed, _, _) = fetch_feed(&base, "/feeds/x-syndicated.atom").await;
    assert_eq!(syn_feed.entries.len(), 1);
    assert_eq!(syn_feed.entries[0].links[0].href, copy_url);
    assert_eq!(syn_feed.entries[0].id, merged.id);

    // Per-source and tag feeds.
    let (s4, _, _) = fetch_feed(&base, "/feeds/s4-dakrong-nukeviet.rss").await;
    assert_eq!(s4.entries.len(), 3);
    // The tag feed holds every item with a copy on a source so tagged; the special
    // indexes also list some articles of the main sites.
    let (special, _, _) = fetch_feed(&base, "/feeds/tag/special.atom").await;
    let special_links: Vec<&str> = special
        .entries
        .iter()
        .map(|e| e.links[0].href.as_str())
        .collect();
    for folder in ["special/windows-1258", "special/nfd", "special/updated"] {
        let site = sites().into_iter().find(|s| s.folder == folder).unwrap();
        let url = site.expected()[0].1["url"].as_str().unwrap().to_string();
        assert!(
            special_links.contains(&url.as_str()),
            "{url} missing from the tag feed"
        );
    }
    assert!(special_links.contains(
        &"http://longan.portal.test/tin-tuc/Pages/2019-4-19/Co-dan-van-la-co-tat-ca.aspx"
    ));
    assert!(
        !special_links.iter().any(|l| l.contains("hochiminhcity")),
        "an untagged item in the tag feed"
    );
    // Search, diacritic-insensitive, as a feed.
    let (found, _, _) = fetch_feed(&base, "/feeds/search.atom?q=dan%20van%20kheo").await;
    let titles: Vec<String> = found
        .entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Xã Tà Long ra mắt mô hình")),
        "{titles:?}"
    );
    for e in &found.entries {
        let all = format!(
            "{} {}",
            e.title.as_ref().unwrap().content,
            e.content.as_ref().unwrap().body.as_deref().unwrap_or("")
        );
        assert!(
            portalfeed::text::fold_search(&all).contains("dan van kheo"),
            "{all}"
        );
    }
    let no_query = client()
        .get(format!("{base}/feeds/search.rss"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_query.status(), 400);
    let missing = client()
        .get(format!("{base}/feeds/nope.atom"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // Conditional GET.
    let etag = client()
        .get(format!("{base}/feeds/all.atom"))
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .clone();
    let again = client()
        .get(format!("{base}/feeds/all.atom"))
        .header("If-None-Match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    // The same tag weakened by a proxy (W/"…") compares equal (RFC 9110: weak comparison).
    let weak = format!("W/{}", etag.to_str().unwrap().trim_start_matches("W/"));
    let again = client()
        .get(format!("{base}/feeds/all.atom"))
        .header("If-None-Match", weak)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // special/updated, step 1 was the first crawl. Step 2: only the counter changed.
    let updated_url = "http://dakrong.portal.test/tin-trong-huyen/huyen-dakrong-day-nhanh-tien-do-giai-ngan-von-cac-chuong-trinh-muc-tieu-quoc-gia-1942.html";
    let before = atom_by_link[updated_url].clone();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    server.step.store(2, Ordering::SeqCst);
    let step2 = run_with_proxy(&server, &["crawl", "--config", cfg, "x-updated"]);
    assert!(step2.status.success(), "{}", stderr(&step2));
    let row = summary_row(&stdout(&step2), "x-updated");
    assert_eq!((row[1], row[2]), (0, 0), "step 2: {}", stdout(&step2));
    assert!(row[3] >= 1, "step 2: {}", stdout(&step2));
    let (atom2, _, _) = fetch_feed(&base, "/feeds/all.atom").await;
    let after2 = &by_link(&atom2)[updated_url];
    assert_eq!(after2.id, before.id);
    assert_eq!(
        after2.updated, before.updated,
        "a view counter must not move the updated time"
    );

    // Step 3: one paragraph corrected; the same item carries the new text.
    // A known page is re-checked once the time since its last check is a quarter of its
    // age (whole seconds); wait that long however slowly the steps above ran.
    let age = crawled_at.elapsed().as_secs_f64() + 2.0;
    tokio::time::sleep(Duration::from_secs_f64(age / 3.0 + 2.0)).await;
    server.step.store(3, Ordering::SeqCst);
    // An open status page listens on /events; the crawl below must reach it.
    let mut events = client().get(format!("{base}/events")).send().await.unwrap();
    assert_eq!(events.status(), 200);
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let step3 = run_with_proxy(&server, &["crawl", "--config", cfg, "x-updated"]);
    let row = summary_row(&stdout(&step3), "x-updated");
    assert_eq!((row[1], row[2]), (0, 1), "step 3: {}", stdout(&step3));
    let mut said = String::new();
    let heard = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(chunk) = events.chunk().await.unwrap() {
            said.push_str(&String::from_utf8_lossy(&chunk));
            if said.contains("data: changed") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(heard, Ok(true), "/events said only {said:?} after a crawl");
    drop(events);
    // The daemon notices another process's commit within a second (its cached feeds are
    // rendered again then); wait for the corrected text to show.
    let mut atom3 = fetch_feed(&base, "/feeds/all.atom").await.0;
    for _ in 0..50 {
        if by_link(&atom3)[updated_url].updated > before.updated {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        atom3 = fetch_feed(&base, "/feeds/all.atom").await.0;
    }
    assert_eq!(
        atom3.entries.len(),
        expected.len(),
        "a correction is not a new item"
    );
    let after3 = &by_link(&atom3)[updated_url];
    assert_eq!(after3.id, before.id);
    assert!(after3.updated > before.updated);
    let body3 = after3.content.as_ref().unwrap().body.clone().unwrap();
    assert!(
        body3.contains("142 tỷ đồng") && !body3.contains("121 tỷ đồng"),
        "{body3}"
    );

    // The status page lists every source.
    let status = get_text(format!("{base}/")).await;
    for site in sites() {
        let id = source_id(&site.folder);
        let row = status
            .split("<tr")
            .find(|row| row.contains(&format!("<small>({id})</small>")))
            .unwrap_or_else(|| panic!("status page misses {}", site.folder));
        // The row has the source's last run in a sentence, its items and a chart whose
        // bars name their day and count.
        assert!(row.contains("class=\"sentence\">Fine: "), "{row}");
        assert!(!row.contains(">never</td>"), "{row}");
        assert!(
            !row.contains("data-label=\"Items\">0</td>"),
            "no items shown: {row}"
        );
        assert!(
            (1..=9).any(|d| row.contains(&format!(": {d} new</title>"))),
            "no day with items: {row}"
        );
        // When it runs next, in the daemon's zone (the test's schedule is yearly).
        assert!(row.contains("-01-01 00:00</td>"), "no next run: {row}");
    }
    // What a glance needs besides the rows: the version, the zone, the totals.
    assert!(
        status.contains(&format!("portalfeed {}", env!("CARGO_PKG_VERSION"))),
        "{status}"
    );
    assert!(status.contains("Asia/Ho_Chi_Minh (UTC+07:00)"), "{status}");
    assert!(status.contains("<th>Next run</th>"), "{status}");
    // (Lists here link pages outside the corpus, and a failed article is a note.)
    let noted = status.matches("<tr class=\"note\">").count();
    assert!(
        status.contains(&format!(
            "{} sources: 0 failing, {noted} with a note, 0 not run yet",
            sites().len()
        )),
        "{status}"
    );
    // Trouble first: every noted row comes before every fine one.
    let first_fine = status.find("<tr><td").unwrap_or(status.len());
    assert!(
        status.rfind("<tr class=\"note\">").unwrap_or(0) < first_fine,
        "{status}"
    );

    let exit = terminate(daemon);
    assert!(exit.success(), "daemon exit: {exit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_source_does_not_stop_the_others() {
    let server = PortalServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portalfeed.toml");
    std::fs::write(
        &config,
        "[daemon]\nper_host_delay = \"0s\"\n\n\
         [[source]]\nid = \"dead\"\nurl = \"http://dead.portal.test/tin-tuc/\"\n\n\
         [[source]]\nid = \"gone\"\nurl = \"http://dakrong.portal.test/khong-ton-tai/\"\n\n\
         [[source]]\nid = \"dakrong\"\nurl = \"http://dakrong.portal.test/tin-tuc/\"\n",
    )
    .unwrap();
    let out = run_with_proxy(&server, &["crawl", "--config", config.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed source makes crawl exit non-zero:\n{text}"
    );
    assert_eq!(summary_row(&text, "dakrong")[1], 3, "{text}");
    let gone = text.lines().find(|l| l.starts_with("gone")).unwrap();
    assert!(gone.contains("HTTP 404"), "{gone}");
    let dead = text.lines().find(|l| l.starts_with("dead")).unwrap();
    assert!(
        dead.contains("404") || dead.contains("error") || dead.contains("failed"),
        "{dead}"
    );
}

#[test]
fn check_reports_config_errors_with_position() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[daemon]\nschedule = \"*/30 * * * *\"\n\n[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\nschedule = \"0 25 * * *\"\n").unwrap();
    let out = binary()
        .args(["check", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}:7:12:", config.display())),
        "{err}"
    );
}
