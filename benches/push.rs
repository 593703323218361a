//! Push latency: how long after a crawl stores an item a webhook receiver and a WebSub
//! subscriber have it, through the real daemon (release build).
//!
//!     cargo bench --bench push            (or: cargo bench --bench push -- 50)
//!
//! A local portal gains one article per round; `portalfeed crawl` (another process, as a
//! user runs it next to the daemon) stores it; the daemon's worker sees the commit,
//! dispatches and delivers. Latency is counted from the moment the crawl command exits
//! (its commit is a few milliseconds before) to the request's arrival, and from the
//! moment it started (the crawl's own fetches included) as an upper bound.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::response::Html;

#[derive(Clone, Default)]
struct Shared {
    articles: Arc<Mutex<Vec<usize>>>,
    /// (path, body, arrival) of every POST.
    posts: Arc<Mutex<Vec<(String, String, Instant)>>>,
}

fn title(n: usize) -> String {
    format!("Bài viết thứ {n} về công tác dân vận ở xã")
}

async fn index(State(s): State<Shared>) -> Html<String> {
    let items: String = s
        .articles
        .lock()
        .unwrap()
        .iter()
        .rev()
        .map(|n| {
            format!(
                r#"<div class="item"><h3><a href="/tin-tuc/bai-viet-thu-{n}-ve-cong-tac.html">{}</a></h3></div>"#,
                title(*n)
            )
        })
        .collect();
    Html(format!(
        r#"<html><head><meta charset="utf-8"></head><body><div class="list">{items}</div></body></html>"#
    ))
}

async fn article(axum::extract::Path(slug): axum::extract::Path<String>) -> Html<String> {
    let n: usize = slug
        .trim_start_matches("bai-viet-thu-")
        .split('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let body: String = (1..=4)
        .map(|k| {
            format!(
                "<p>Đoạn {k} của bài {n}: xã triển khai chương trình với {} hộ tham gia, kinh phí {} triệu đồng.</p>",
                100 + n * 13 + k,
                1000 + n * 97 + k
            )
        })
        .collect();
    Html(format!(
        r#"<html><head><meta charset="utf-8"></head><body><div class="detail"><h1>{}</h1><div class="date">02/10/2023 09:05</div><div class="content">{body}</div></div></body></html>"#,
        title(n)
    ))
}

async fn receive(
    State(s): State<Shared>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    Query(q): Query<std::collections::HashMap<String, String>>,
    body: String,
) -> String {
    if method == axum::http::Method::GET {
        return q.get("hub.challenge").cloned().unwrap_or_default();
    }
    s.posts
        .lock()
        .unwrap()
        .push((uri.path().to_string(), body, Instant::now()));
    "ok".into()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(30);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(run(rounds));
}

async fn run(rounds: usize) {
    let shared = Shared::default();
    shared.articles.lock().unwrap().push(1);
    let app = axum::Router::new()
        .route("/tin-tuc/", axum::routing::get(index))
        .route("/tin-tuc/{slug}", axum::routing::get(article))
        .route("/hook", axum::routing::post(receive))
        .route("/cb", axum::routing::any(receive))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let listen = free_port();
    let config = dir.path().join("portalfeed.toml");
    std::fs::write(
        &config,
        format!(
            "[daemon]\nlisten = \"127.0.0.1:{listen}\"\nper_host_delay = \"0s\"\nretries = 0\nschedule = \"0 0 1 1 *\"\n\
             [websub]\nallow_private = true\n\
             [[notify]]\nurl = \"http://127.0.0.1:{port}/hook\"\nfeeds = [\"all\"]\nsecret = \"s\"\nallow_private = true\n\
             [[source]]\nid = \"xa\"\nurl = \"http://127.0.0.1:{port}/tin-tuc/\"\n"
        ),
    )
    .unwrap();
    let binary = env!("CARGO_BIN_EXE_portalfeed");
    let mut daemon = Command::new(binary)
        .args(["run", "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = format!("http://127.0.0.1:{listen}");
    let wait = |what: &'static str, check: Box<dyn Fn() -> bool>| async move {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !check() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    // The first article's webhook says the daemon has crawled and delivers.
    let posts = shared.posts.clone();
    wait(
        "the first webhook",
        Box::new(move || posts.lock().unwrap().iter().any(|p| p.0 == "/hook")),
    )
    .await;
    let topic = format!("{base}/feeds/all.atom");
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("hub.mode", "subscribe")
        .append_pair("hub.callback", &format!("http://127.0.0.1:{port}/cb"))
        .append_pair("hub.topic", &topic)
        .finish();
    let r = client
        .post(format!("{base}/websub"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    loop {
        let m = client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if m.contains("portalfeed_websub_subscriptions 1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let (mut hook_exit, mut hook_start, mut sub_exit, mut sub_start) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for n in 2..rounds + 2 {
        shared.articles.lock().unwrap().push(n);
        let started = Instant::now();
        let out = Command::new(binary)
            .args(["crawl", "--config", config.to_str().unwrap()])
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        let exited = Instant::now();
        assert!(out.status.success());
        let wanted = title(n);
        let arrival = |path: &'static str| {
            let posts = shared.posts.clone();
            let wanted = wanted.clone();
            move || {
                posts
                    .lock()
                    .unwrap()
                    .iter()
                    .find(|p| p.0 == path && p.1.contains(&wanted))
                    .map(|p| p.2)
            }
        };
        let (hook, sub) = (arrival("/hook"), arrival("/cb"));
        let deadline = Instant::now() + Duration::from_secs(30);
        let (h, s) = loop {
            if let (Some(h), Some(s)) = (hook(), sub()) {
                break (h, s);
            }
            assert!(Instant::now() < deadline, "round {n}: no delivery");
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        let ms = |a: Instant, b: Instant| a.saturating_duration_since(b).as_secs_f64() * 1000.0;
        hook_exit.push(ms(h, exited));
        hook_start.push(ms(h, started));
        sub_exit.push(ms(s, exited));
        sub_start.push(ms(s, started));
    }
    let _ = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status();
    let _ = daemon.wait();
    println!("push latency over {rounds} crawls, each adding one article (milliseconds):");
    println!("| receiver | from the crawl's exit: p50 | p90 | max | from its start: p50 | max |");
    println!("|---|---|---|---|---|---|");
    for (name, exit, start) in [
        ("webhook (json, signed)", &mut hook_exit, &mut hook_start),
        (
            "WebSub subscriber (all.atom)",
            &mut sub_exit,
            &mut sub_start,
        ),
    ] {
        exit.sort_by(f64::total_cmp);
        start.sort_by(f64::total_cmp);
        println!(
            "| {name} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            percentile(exit, 0.5),
            percentile(exit, 0.9),
            percentile(exit, 1.0),
            percentile(start, 0.5),
            percentile(start, 1.0)
        );
    }
}
