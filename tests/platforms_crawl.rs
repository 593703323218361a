//! End to end over the other portal platforms (tests/fixtures/platforms): the real binary
//! crawls each site's list page through a local server that plays the sites, finds the
//! list's articles among menus, sidebars and document boxes, and stores each article
//! once; the near-duplicate re-post merges into its original. The feeds are read back
//! from `portalfeed export`.

mod common;

use std::collections::HashMap;

use chrono::DateTime;
use common::*;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// The JSON Feed items of one exported feed, by link.
fn items(dir: &std::path::Path, name: &str) -> HashMap<String, serde_json::Value> {
    let path = dir.join("feeds").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let feed: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = HashMap::new();
    for item in feed["items"].as_array().unwrap() {
        let url = item["url"].as_str().unwrap().to_string();
        assert!(
            out.insert(url.clone(), item.clone()).is_none(),
            "{name}: {url} appears twice"
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_platform_article_is_in_all_once_and_nothing_else() {
    let server = PortalServer::start_for(platform_sites()).await;
    let dir = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let config = write_config_for(dir.path(), &listen, "0 0 1 1 *", &platform_sites());
    let cfg = config.to_str().unwrap();

    // The original first, so that the re-post finds it.
    let first = run_with_proxy(&server, &["crawl", "--config", cfg, "h2-dnn"]);
    assert!(first.status.success(), "{}", stdout(&first));
    let all = run_with_proxy(&server, &["crawl", "--config", cfg]);
    assert!(all.status.success(), "{}", stdout(&all));
    let out = dir.path().join("out");
    let export = binary()
        .args(["export", "--config", cfg, out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(export.status.success(), "{}", stdout(&export));

    let all_items = items(&out, "all.json");
    let mut expected = Vec::new();
    for site in platform_sites() {
        if site.folder == "special-near-dup" {
            continue;
        }
        for (name, exp) in site.expected() {
            expected.push((format!("{}/{name}", site.folder), exp));
        }
    }
    assert_eq!(expected.len(), 15);
    for (name, exp) in &expected {
        let url = exp["url"].as_str().unwrap();
        let item = all_items.get(url).unwrap_or_else(|| {
            panic!(
                "{name}: {url} is not in all; all has {:#?}\ncrawl said:\n{}",
                all_items.keys().collect::<Vec<_>>(),
                stdout(&all)
            )
        });
        assert_eq!(item["title"], exp["title"], "{name} title");
        let want = DateTime::parse_from_rfc3339(exp["published"].as_str().unwrap()).unwrap();
        let got = DateTime::parse_from_rfc3339(item["date_published"].as_str().unwrap()).unwrap();
        assert_eq!(got, want, "{name} date");
        match exp["author"].as_str() {
            Some(a) => assert_eq!(item["authors"][0]["name"], a, "{name} author"),
            None => assert!(item.get("authors").is_none(), "{name} author"),
        }
    }
    // Nothing but the articles: no menu page, section index, document or sidebar story
    // (the lists also link stories the server does not have; those are 404s, not items).
    assert_eq!(
        all_items.len(),
        expected.len(),
        "all holds more than the articles: {:#?}",
        all_items.keys().collect::<Vec<_>>()
    );
    // The re-post is one story with its original, and its own source's feed still
    // carries it.
    let near_dup = platform_sites()
        .into_iter()
        .find(|s| s.folder == "special-near-dup")
        .unwrap();
    let copy_url = near_dup.expected()[0].1["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !all_items.contains_key(&copy_url),
        "the re-post is a second item in all"
    );
    let own = items(&out, "special-near-dup.json");
    assert_eq!(own.len(), 1, "{:#?}", own.keys().collect::<Vec<_>>());
    // No request left the list for a menu, section or document page.
    let stray: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|(_, p)| {
            [
                "gioithieu",
                "vanban",
                "Gioi-thieu",
                "Default.aspx?",
                "/van-ban/",
            ]
            .iter()
            .any(|m| p.contains(m))
        })
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}
