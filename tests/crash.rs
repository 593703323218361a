//! Crash safety: a crawl is killed with SIGKILL at random moments, 50 times, and started
//! again each time. Afterwards the database is intact, every article the server offered
//! is stored exactly once, and no item has an empty or partial body.

mod common;

use std::time::Duration;

use axum::extract::Path;
use rand::{Rng, SeedableRng};

const ARTICLES: usize = 60;

fn paragraph(n: usize, k: usize) -> String {
    common::report_paragraph(n, k, 1)
}

async fn index() -> axum::response::Html<String> {
    tokio::time::sleep(Duration::from_millis(20)).await;
    let items: String = (1..=ARTICLES)
        .map(|n| format!(r#"<div class="item"><h3><a href="/tin-tuc/bai-viet-thu-{n}-ve-cong-tac.html">Bài viết thứ {n} về công tác dân vận ở xã</a></h3><p>Tóm tắt bài {n}.</p></div>"#))
        .collect();
    axum::response::Html(format!(
        r#"<html><head><meta charset="utf-8"></head><body><div class="list">{items}</div></body></html>"#
    ))
}

async fn article(Path(slug): Path<String>) -> axum::response::Html<String> {
    tokio::time::sleep(Duration::from_millis(15)).await;
    let n: usize = slug
        .trim_start_matches("bai-viet-thu-")
        .split('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let body: String = (1..=4)
        .map(|k| format!("<p>{}</p>", paragraph(n, k)))
        .collect();
    axum::response::Html(format!(
        r#"<html><head><meta charset="utf-8"><title>Bài {n}</title></head><body><div class="menu"><a href="/">Trang chủ</a></div>
<div class="detail"><h1>Bài viết thứ {n} về công tác dân vận ở xã</h1><div class="date">02/10/2023 09:05</div>
<div class="content">{body}</div></div></body></html>"#
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_crawls_leave_a_consistent_database() {
    let app = axum::Router::new()
        .route("/tin-tuc/", axum::routing::get(index))
        .route("/tin-tuc/{slug}", axum::routing::get(article));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portalfeed.toml");
    std::fs::write(
        &config,
        format!(
            "[daemon]\nper_host_delay = \"0s\"\nmax_items = 100\nretries = 0\n\n[[source]]\nid = \"xa\"\nurl = \"http://127.0.0.1:{port}/tin-tuc/\"\n"
        ),
    )
    .unwrap();
    let cfg = config.to_str().unwrap().to_string();

    let mut rng = rand::rngs::StdRng::seed_from_u64(20261121);
    for _ in 0..50 {
        let mut child = common::binary()
            .args(["crawl", "--config", &cfg])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let wait = rng.random_range(20..400);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    // Then runs that are allowed to finish.
    for _ in 0..2 {
        let out = common::binary()
            .args(["crawl", "--config", &cfg])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    let conn = rusqlite::Connection::open(dir.path().join("portalfeed.db")).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let items: i64 = conn
        .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        items as usize, ARTICLES,
        "every article stored exactly once"
    );
    let urls: i64 = conn
        .query_row("SELECT count(DISTINCT url) FROM copies", [], |r| r.get(0))
        .unwrap();
    assert_eq!(urls as usize, ARTICLES);
    let shared: i64 = conn
        .query_row("SELECT count(*) FROM (SELECT item_id FROM copies GROUP BY item_id HAVING count(*) > 1)", [], |r| r.get(0))
        .unwrap();
    assert_eq!(shared, 0, "no article merged into another");
    // Every body is whole: its four paragraphs, as served.
    let mut stmt = conn.prepare("SELECT url, text FROM items").unwrap();
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (url, text) in rows {
        let n: usize = url
            .rsplit("thu-")
            .next()
            .unwrap()
            .split('-')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let want: Vec<String> = (1..=4).map(|k| paragraph(n, k)).collect();
        assert_eq!(text, want.join("\n\n"), "{url}");
    }
    // Every item is in the search index exactly once.
    let indexed: i64 = conn
        .query_row("SELECT count(*) FROM items_fts", [], |r| r.get(0))
        .unwrap_or(-1);
    assert!(indexed == -1 || indexed as usize == ARTICLES);
}
