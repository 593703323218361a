//! A source on a private address may fetch that address only. With
//! `allow_hosts = ["localhost"]`, the resolver used to allow every internal address for
//! such a source, so a link to another loopback port was fetched and stored.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::response::Html;
use axum::routing::get;

fn article(title: &str) -> String {
    format!(
        r#"<html><head><title>{title}</title></head><body><h1>{title}</h1><p class="date">Ngày đăng: 20/08/2024 08:30</p>
        <div class="content"><p>{title}: sáng ngày 20/8, Ủy ban nhân dân huyện tổ chức hội nghị với sự tham dự của lãnh đạo các phòng ban và đại diện các xã, thị trấn.</p>
        <p>{title}. Tại hội nghị, các đại biểu đã thảo luận về {title}, đóng góp nhiều ý kiến thiết thực, đề xuất giải pháp.</p></div></body></html>"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_in_allow_hosts_reaches_the_sources_own_address_only() {
    // Another service on the same machine, which must not be fetched.
    let other = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_port = other.local_addr().unwrap().port();
    let other_hits = Arc::new(AtomicUsize::new(0));
    let hits = other_hits.clone();
    let internal = axum::Router::new().fallback(get(move || async move {
        hits.fetch_add(1, Ordering::SeqCst);
        Html(article("Tài liệu nội bộ không được công bố ra ngoài"))
    }));
    tokio::spawn(async move { axum::serve(other, internal).await.unwrap() });

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let list = format!(
        r#"<html><body><ul class="news">
        <li><a href="http://localhost:{other_port}/tin-tuc/tai-lieu-noi-bo-khong-cong-bo-1001.html">Tài liệu nội bộ không được công bố ra ngoài</a></li>
        <li><a href="http://localhost:{port}/tin-tuc/huyen-to-chuc-hoi-nghi-tong-ket-1002.html">Huyện tổ chức hội nghị tổng kết công tác</a></li>
        <li><a href="/tin-tuc/xa-ra-mat-mo-hinh-dan-van-kheo-1003.html">Xã ra mắt mô hình dân vận khéo năm nay</a></li>
        </ul></body></html>"#
    );
    let app = axum::Router::new()
        .route("/tin-tuc/", get(move || async move { Html(list) }))
        .route(
            "/tin-tuc/huyen-to-chuc-hoi-nghi-tong-ket-1002.html",
            get(|| async {
                Html(article("Huyện tổ chức hội nghị tổng kết công tác"))
            }),
        )
        .route(
            "/tin-tuc/xa-ra-mat-mo-hinh-dan-van-kheo-1003.html",
            get(|| async { Html(article("Xã ra mắt mô hình dân vận khéo năm nay")) }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portalfeed.toml");
    std::fs::write(
        &config,
        format!(
            "[daemon]\ndatabase = \"p.db\"\nretries = 0\nper_host_delay = \"0s\"\n\
             [[source]]\nid = \"local\"\nurl = \"http://127.0.0.1:{port}/tin-tuc/\"\nallow_hosts = [\"localhost\"]\n"
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
    assert_eq!(
        other_hits.load(Ordering::SeqCst),
        0,
        "another loopback port was fetched:\n{text}"
    );
    assert!(
        text.contains("another port"),
        "the refusal is not said:\n{text}"
    );

    let db = rusqlite::Connection::open(dir.path().join("p.db")).unwrap();
    let mut stmt = db.prepare("SELECT url FROM items ORDER BY url").unwrap();
    let urls: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // The source's own address is reached under either name.
    assert_eq!(
        urls,
        vec![
            format!("http://127.0.0.1:{port}/tin-tuc/xa-ra-mat-mo-hinh-dan-van-kheo-1003.html"),
            format!("http://localhost:{port}/tin-tuc/huyen-to-chuc-hoi-nghi-tong-ket-1002.html"),
        ],
        "{text}"
    );
}
