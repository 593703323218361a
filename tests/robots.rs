//! robots.txt larger than `max_body`: RFC 9309 asks crawlers to parse at least its first
//! 500 KiB. It was treated as missing, which allows everything.

mod common;

use axum::routing::get;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robots_txt_larger_than_max_body_is_read_not_ignored() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let list_hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let hits = list_hits.clone();
    // The rule first, then 100 KiB of comments: more than this source's max_body.
    let robots = format!(
        "User-agent: *\nDisallow: /tin-tuc/\n{}",
        "# chú thích của quản trị viên cổng thông tin\n".repeat(2000)
    );
    let app = axum::Router::new()
        .route("/robots.txt", get(move || async move { robots }))
        .route(
            "/tin-tuc/",
            get(move || async move {
                hits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                "<html><body>list</body></html>"
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portalfeed.toml");
    std::fs::write(
        &config,
        format!(
            "[daemon]\ndatabase = \"p.db\"\nmax_body = \"64KiB\"\nretries = 0\nper_host_delay = \"0s\"\n\
             [[source]]\nid = \"local\"\nurl = \"{base}/tin-tuc/\"\n"
        ),
    )
    .unwrap();
    let out = tokio::task::spawn_blocking(move || {
        common::binary()
            .args(["crawl", "--config", config.to_str().unwrap()])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("disallowed by robots.txt"), "{text}");
    assert_eq!(
        list_hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the disallowed list was fetched"
    );
}
