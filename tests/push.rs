//! Push: WebSub (portalfeed as hub, a subscriber on 127.0.0.1 walking the whole flow),
//! the address policy on callbacks, webhooks that survive a receiver's failures, and a
//! daemon killed during delivery that loses nothing.
//!
//! Every server here is started by the test on 127.0.0.1: a small portal whose articles
//! the test adds and corrects, and a receiver that records what reaches it.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use hmac::{Hmac, Mac};

// ---------------------------------------------------------------- the portal

/// The portal's articles: number → revision of its text.
#[derive(Clone, Default)]
struct Portal {
    articles: Arc<Mutex<Vec<(usize, usize)>>>,
}

impl Portal {
    fn add(&self, n: usize) {
        self.articles.lock().unwrap().push((n, 1));
    }

    fn correct(&self, n: usize) {
        for a in self.articles.lock().unwrap().iter_mut() {
            if a.0 == n {
                a.1 += 1;
            }
        }
    }
}

fn title(n: usize) -> String {
    format!("Bài viết thứ {n} về công tác dân vận ở xã")
}

async fn index(State(p): State<Portal>) -> Html<String> {
    let items: String = p
        .articles
        .lock()
        .unwrap()
        .iter()
        .rev()
        .map(|(n, _)| {
            format!(
                r#"<div class="item"><h3><a href="/tin-tuc/bai-viet-thu-{n}-ve-cong-tac.html">{}</a></h3><p>Tóm tắt bài {n}.</p></div>"#,
                title(*n)
            )
        })
        .collect();
    Html(format!(
        r#"<html><head><meta charset="utf-8"></head><body><div class="list">{items}</div></body></html>"#
    ))
}

async fn article(State(p): State<Portal>, UrlPath(slug): UrlPath<String>) -> Response {
    let n: usize = slug
        .trim_start_matches("bai-viet-thu-")
        .split('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let Some(revision) = p
        .articles
        .lock()
        .unwrap()
        .iter()
        .find(|a| a.0 == n)
        .map(|a| a.1)
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body: String = (1..=4)
        .map(|k| format!("<p>{}</p>", common::report_paragraph(n, k, revision)))
        .collect();
    Html(format!(
        r#"<html><head><meta charset="utf-8"><title>Bài {n}</title></head><body><div class="menu"><a href="/">Trang chủ</a></div>
<div class="detail"><h1>{}</h1><div class="date">02/10/2023 09:05</div>
<div class="content">{body}</div></div></body></html>"#,
        title(n)
    ))
    .into_response()
}

async fn start_portal(articles: usize) -> (Portal, u16) {
    let portal = Portal::default();
    for n in 1..=articles {
        portal.add(n);
    }
    let app = axum::Router::new()
        .route("/tin-tuc/", axum::routing::get(index))
        .route("/tin-tuc/{slug}", axum::routing::get(article))
        .with_state(portal.clone());
    (portal, serve(app).await)
}

async fn serve(app: axum::Router) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

// ---------------------------------------------------------------- the receiver

/// One request that reached the receiver.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: HashMap<String, String>,
    headers: HeaderMap,
    body: Vec<u8>,
    /// What the receiver answered.
    status: u16,
    at: Instant,
}

#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// POSTs answered 503 before the receiver takes any.
    fail_first: Arc<Mutex<usize>>,
    /// Each POST is answered this long after it is logged (a slow receiver, for the
    /// crash test).
    delay: Duration,
    /// Verifications of intent are confirmed (the challenge echoed).
    confirm: bool,
}

impl Receiver {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn posts_to(&self, path: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.method == "POST" && s.path == path)
            .collect()
    }
}

async fn receive(
    State(r): State<Receiver>,
    method: axum::http::Method,
    UrlPath(path): UrlPath<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (status, answer) = if method == axum::http::Method::GET {
        match query.get("hub.challenge") {
            Some(c) if r.confirm => (200, c.clone()),
            _ => (404, String::new()),
        }
    } else {
        let mut fail = r.fail_first.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            (503, "busy".to_string())
        } else {
            (200, "ok".to_string())
        }
    };
    r.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: format!("/{path}"),
        query,
        headers,
        body: body.to_vec(),
        status,
        at: Instant::now(),
    });
    // Slow to answer, after the request is in the log: a sender killed now never learns
    // that it arrived, as when a receiver processes a request and the sender dies.
    if !r.delay.is_zero() && method == axum::http::Method::POST {
        tokio::time::sleep(r.delay).await;
    }
    let mut resp = (StatusCode::from_u16(status).unwrap(), answer).into_response();
    if status == 503 {
        resp.headers_mut()
            .insert("retry-after", "1".parse().unwrap());
    }
    resp
}

async fn start_receiver(r: Receiver) -> u16 {
    let app = axum::Router::new()
        .route("/{*path}", axum::routing::any(receive))
        .with_state(r);
    serve(app).await
}

// ---------------------------------------------------------------- helpers

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

struct Daemon {
    dir: tempfile::TempDir,
    config: PathBuf,
    port: u16,
}

impl Daemon {
    /// A configuration for one source on the portal, a daemon port, and `extra` tables.
    fn new(portal: u16, extra: &str) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let port = common::free_port();
        let config = dir.path().join("portalfeed.toml");
        std::fs::write(
            &config,
            format!(
                "[daemon]\nlisten = \"127.0.0.1:{port}\"\nper_host_delay = \"0s\"\nretries = 0\nmax_items = 100\n\
                 schedule = \"0 0 1 1 *\"\n\n[[source]]\nid = \"xa\"\nname = \"Xã A\"\n\
                 url = \"http://127.0.0.1:{portal}/tin-tuc/\"\n\n{extra}\n"
            ),
        )
        .unwrap();
        Daemon { dir, config, port }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    fn spawn(&self) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("daemon.log"))
            .unwrap();
        common::binary()
            .args(["run", "--config", self.config.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }

    fn crawl(&self) {
        let out = common::binary()
            .args(["crawl", "--config", self.config.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    fn db(&self) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(self.dir.path().join("portalfeed.db")).unwrap();
        conn.busy_timeout(Duration::from_secs(10)).unwrap();
        conn
    }

    fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap_or(-1)
    }
}

/// Waits until `check` holds, at most `within`; says what was awaited when it never does.
async fn wait_for(what: &str, within: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn hub_request(daemon: &Daemon, form: &[(&str, &str)]) -> (u16, String) {
    let r = common::client()
        .post(daemon.url("websub"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish(),
        )
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

// ---------------------------------------------------------------- the tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websub_subscriber_walks_the_whole_flow() {
    let (portal, portal_port) = start_portal(1).await;
    let receiver = Receiver {
        confirm: true,
        ..Default::default()
    };
    let rport = start_receiver(receiver.clone()).await;
    let daemon = Daemon::new(
        portal_port,
        "[websub]\nallow_private = true\nmax_per_topic = 1\n",
    );
    let child = daemon.spawn();
    common::wait_until_up(&daemon.url("healthz"), Duration::from_secs(20)).await;
    wait_for("the first article", Duration::from_secs(20), || {
        daemon.count("SELECT count(*) FROM items") == 1
    })
    .await;

    // Discovery: the hub and self links, in the document and in the headers.
    let topic = daemon.url("feeds/all.atom");
    let hub = daemon.url("websub");
    let resp = common::client().get(&topic).send().await.unwrap();
    let link = resp.headers()["link"].to_str().unwrap().to_string();
    assert_eq!(
        link,
        format!("<{hub}>; rel=\"hub\", <{topic}>; rel=\"self\"")
    );
    let doc = resp.text().await.unwrap();
    assert!(
        doc.contains(&format!("<link href=\"{hub}\" rel=\"hub\"/>")),
        "{doc}"
    );
    let rss = common::get_text(daemon.url("feeds/xa.rss")).await;
    assert!(
        rss.contains(&format!("<atom:link href=\"{hub}\" rel=\"hub\"/>")),
        "{rss}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&common::get_text(daemon.url("feeds/all.json")).await).unwrap();
    assert_eq!(json["hubs"][0]["type"], "WebSub");
    assert_eq!(json["hubs"][0]["url"], hub.as_str());

    // Subscribe: 202, then the hub verifies intent with a challenge.
    let callback = format!("http://127.0.0.1:{rport}/cb/reader-1");
    let secret = "bí mật của người đọc";
    let (status, text) = hub_request(
        &daemon,
        &[
            ("hub.mode", "subscribe"),
            ("hub.callback", &callback),
            ("hub.topic", &topic),
            ("hub.secret", secret),
            ("hub.lease_seconds", "86400"),
        ],
    )
    .await;
    assert_eq!(status, 202, "{text}");
    wait_for(
        "the subscription to be verified",
        Duration::from_secs(10),
        || daemon.count("SELECT count(*) FROM subscriptions") == 1,
    )
    .await;
    let verification = receiver
        .seen()
        .into_iter()
        .find(|s| s.method == "GET")
        .expect("a verification of intent");
    assert_eq!(verification.path, "/cb/reader-1");
    assert_eq!(verification.query["hub.mode"], "subscribe");
    assert_eq!(verification.query["hub.topic"], topic);
    assert_eq!(verification.query["hub.lease_seconds"], "86400");
    assert!(verification.query["hub.challenge"].len() >= 16);
    // The topic has its one subscriber allowed: a second is refused at once.
    let (status, text) = hub_request(
        &daemon,
        &[
            ("hub.mode", "subscribe"),
            (
                "hub.callback",
                &format!("http://127.0.0.1:{rport}/cb/reader-2"),
            ),
            ("hub.topic", &topic),
        ],
    )
    .await;
    assert_eq!(status, 429, "{text}");
    assert!(text.contains("most subscribers allowed (1)"), "{text}");

    // A crawl adds an item: the subscriber receives the feed, signed.
    portal.add(2);
    daemon.crawl();
    let stored = Instant::now();
    wait_for("the content distribution", Duration::from_secs(10), || {
        !receiver.posts_to("/cb/reader-1").is_empty()
    })
    .await;
    let delivery = receiver.posts_to("/cb/reader-1").remove(0);
    eprintln!(
        "WebSub delivery reached the subscriber {} ms after the crawl command returned",
        delivery.at.saturating_duration_since(stored).as_millis()
    );
    assert_eq!(
        delivery.headers["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    assert_eq!(
        delivery.headers["x-hub-signature"].to_str().unwrap(),
        hmac_hex(secret, &delivery.body),
        "signed with the subscriber's secret"
    );
    assert_eq!(delivery.headers["link"].to_str().unwrap(), link);
    let feed = feed_rs::parser::parse(&delivery.body[..]).unwrap();
    let titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect();
    assert!(titles.contains(&title(2)), "{titles:?}");
    assert!(titles.contains(&title(1)), "the whole feed: {titles:?}");

    // Unsubscribe: verified the same way, and nothing is sent afterwards.
    let (status, text) = hub_request(
        &daemon,
        &[
            ("hub.mode", "unsubscribe"),
            ("hub.callback", &callback),
            ("hub.topic", &topic),
        ],
    )
    .await;
    assert_eq!(status, 202, "{text}");
    wait_for("the unsubscription", Duration::from_secs(10), || {
        daemon.count("SELECT count(*) FROM subscriptions") == 0
    })
    .await;
    assert!(
        receiver.seen().iter().any(|s| s.method == "GET"
            && s.query.get("hub.mode").map(String::as_str) == Some("unsubscribe"))
    );
    let posts_before = receiver.posts_to("/cb/reader-1").len();
    portal.add(3);
    daemon.crawl();
    wait_for(
        "the third article's event to be dispatched",
        Duration::from_secs(10),
        || {
            daemon.count("SELECT count(*) FROM outbox WHERE dispatched IS NULL") == 0
                && daemon.count("SELECT count(*) FROM items") == 3
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.posts_to("/cb/reader-1").len(), posts_before);
    assert_eq!(
        daemon.count("SELECT count(*) FROM deliveries WHERE state = 'pending'"),
        0
    );
    let metrics = common::get_text(daemon.url("metrics")).await;
    assert!(
        metrics.contains("portalfeed_deliveries{state=\"delivered\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("portalfeed_websub_subscriptions 0"),
        "{metrics}"
    );
    assert!(common::terminate(child).success(), "{}", daemon.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_on_a_private_address_is_refused() {
    let (_portal, portal_port) = start_portal(1).await;
    let receiver = Receiver {
        confirm: true,
        ..Default::default()
    };
    let rport = start_receiver(receiver.clone()).await;
    let daemon = Daemon::new(portal_port, "");
    let child = daemon.spawn();
    common::wait_until_up(&daemon.url("healthz"), Duration::from_secs(20)).await;
    let topic = daemon.url("feeds/all.atom");
    for callback in [
        format!("http://127.0.0.1:{rport}/cb"),
        format!("http://localhost:{rport}/cb"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.0.0.7/cb".to_string(),
    ] {
        let (status, text) = hub_request(
            &daemon,
            &[
                ("hub.mode", "subscribe"),
                ("hub.callback", &callback),
                ("hub.topic", &topic),
            ],
        )
        .await;
        assert_eq!(status, 400, "{callback}: {text}");
        assert!(text.contains("private or loopback"), "{callback}: {text}");
    }
    // Other bad requests say what is wrong.
    let (status, text) = hub_request(
        &daemon,
        &[
            ("hub.mode", "subscribe"),
            ("hub.callback", "https://reader.example/cb"),
            ("hub.topic", "https://elsewhere.example/feed.xml"),
        ],
    )
    .await;
    assert_eq!(status, 404, "{text}");
    let (status, text) = hub_request(&daemon, &[("hub.mode", "publish")]).await;
    assert_eq!(status, 400, "{text}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        receiver.seen().is_empty(),
        "no request reached the private address"
    );
    assert_eq!(daemon.count("SELECT count(*) FROM subscriptions"), 0);
    assert!(common::terminate(child).success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_fails_three_times_gets_each_event_exactly_once() {
    let (portal, portal_port) = start_portal(3).await;
    let receiver = Receiver {
        fail_first: Arc::new(Mutex::new(3)),
        ..Default::default()
    };
    let rport = start_receiver(receiver.clone()).await;
    let secret = "s3cret-for-hooks";
    let daemon = Daemon::new(
        portal_port,
        &format!(
            "[delivery]\nretry_delay = \"100ms\"\n\n\
             [[notify]]\nurl = \"http://127.0.0.1:{rport}/hook\"\nfeeds = [\"all\"]\n\
             secret = \"{secret}\"\nformat = \"json\"\nallow_private = true\n\n\
             [[notify]]\nurl = \"http://127.0.0.1:{rport}/chat\"\nfeeds = [\"xa\"]\n\
             events = [\"new\"]\nformat = \"slack\"\nallow_private = true\n"
        ),
    );
    let child = daemon.spawn();
    common::wait_until_up(&daemon.url("healthz"), Duration::from_secs(20)).await;
    let accepted = |path: &str| {
        receiver
            .posts_to(path)
            .into_iter()
            .filter(|s| s.status == 200)
            .collect::<Vec<_>>()
    };
    wait_for("three accepted webhooks", Duration::from_secs(30), || {
        accepted("/hook").len() + accepted("/chat").len() >= 6
    })
    .await;
    // The first three attempts failed; every event still arrived once.
    let all = receiver.seen();
    assert_eq!(all.iter().filter(|s| s.status == 503).count(), 3);
    let guids: Vec<String> = {
        let db = daemon.db();
        let mut stmt = db.prepare("SELECT guid FROM items ORDER BY id").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(guids.len(), 3);
    let mut keys: Vec<String> = accepted("/hook")
        .iter()
        .map(|s| s.headers["idempotency-key"].to_str().unwrap().to_string())
        .collect();
    keys.sort();
    let mut expected: Vec<String> = guids.iter().map(|g| format!("{g}#1")).collect();
    expected.sort();
    assert_eq!(keys, expected, "one accepted delivery per event");
    for s in accepted("/hook") {
        assert_eq!(
            s.headers["x-hub-signature-256"].to_str().unwrap(),
            hmac_hex(secret, &s.body)
        );
        assert_eq!(s.headers["x-portalfeed-event"], "new");
        let doc: serde_json::Value = serde_json::from_slice(&s.body).unwrap();
        assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(doc["items"].as_array().unwrap().len(), 1);
        assert_eq!(doc["_portalfeed"]["event"], "new");
        assert_eq!(doc["_portalfeed"]["feed"], "all");
        assert_eq!(
            doc["_portalfeed"]["idempotency_key"],
            s.headers["idempotency-key"].to_str().unwrap()
        );
        assert!(
            doc["items"][0]["content_html"]
                .as_str()
                .unwrap()
                .contains("Đoạn 1 của bài")
        );
        // A JSON Feed reader takes it as a feed of one item.
        let feed = feed_rs::parser::parse(&s.body[..]).unwrap();
        assert_eq!(feed.entries.len(), 1);
    }
    let chats = accepted("/chat");
    assert_eq!(chats.len(), 3);
    for s in &chats {
        let msg: serde_json::Value = serde_json::from_slice(&s.body).unwrap();
        let text = msg["text"].as_str().unwrap();
        assert!(text.starts_with("*<http://127.0.0.1:"), "{text}");
        assert!(text.contains("|Bài viết thứ"), "{text}");
        assert!(text.contains("_Xã A_"), "{text}");
        assert!(
            s.headers.get("x-hub-signature-256").is_none(),
            "no secret, no signature"
        );
    }

    // A correction is an `updated` event with the next revision; the chat webhook,
    // which takes only `new`, is not told.
    portal.correct(2);
    daemon.crawl();
    wait_for("the correction's webhook", Duration::from_secs(15), || {
        accepted("/hook").len() == 4
    })
    .await;
    let update = accepted("/hook").pop().unwrap();
    assert_eq!(update.headers["x-portalfeed-event"], "updated");
    let key = update.headers["idempotency-key"].to_str().unwrap();
    assert!(
        key.ends_with("#2") && guids.iter().any(|g| key.starts_with(g)),
        "{key}"
    );
    assert_eq!(accepted("/chat").len(), 3);

    // The counts, as the status page, `sources` and /metrics show them.
    wait_for("no pending delivery", Duration::from_secs(10), || {
        daemon.count("SELECT count(*) FROM deliveries WHERE state = 'pending'") == 0
    })
    .await;
    let metrics = common::get_text(daemon.url("metrics")).await;
    assert!(
        metrics.contains("portalfeed_deliveries{state=\"delivered\"} 7"),
        "{metrics}"
    );
    assert!(
        metrics.contains("portalfeed_deliveries{state=\"pending\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("portalfeed_delivery_requests_total{outcome=\"failed\"} 3"),
        "{metrics}"
    );
    let page = common::get_text(daemon.url("")).await;
    assert!(page.contains("0 pending, 0 failed, 7 delivered"), "{page}");
    assert!(
        page.contains(&format!("http://127.0.0.1:{rport}/…")),
        "the path is not shown"
    );
    assert!(
        !page.contains("/hook"),
        "a webhook's path can be its secret"
    );
    let out = common::binary()
        .args(["sources", "--config", daemon.config.to_str().unwrap()])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&out.stdout);
    // Two webhooks on the receiver's host: 4 deliveries to one, 3 to the other.
    let mut rows: Vec<Vec<String>> = out
        .lines()
        .filter(|l| l.contains("webhook") && l.contains(&rport.to_string()))
        .map(|l| {
            l.split_whitespace()
                .skip(2)
                .take(3)
                .map(str::to_string)
                .collect()
        })
        .collect();
    rows.sort();
    assert_eq!(rows, [["0", "0", "3"], ["0", "0", "4"]], "{out}");
    assert!(common::terminate(child).success(), "{}", daemon.log());
}

/// A receiver's log and the outbox after a daemon killed during delivery, again and
/// again: every event delivered, at least once, none left pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_during_delivery_loses_nothing() {
    use rand::{Rng, SeedableRng};
    const ARTICLES: usize = 24;
    let (_portal, portal_port) = start_portal(ARTICLES).await;
    let receiver = Receiver {
        delay: Duration::from_millis(150),
        ..Default::default()
    };
    let rport = start_receiver(receiver.clone()).await;
    let daemon = Daemon::new(
        portal_port,
        &format!(
            "[delivery]\nretry_delay = \"100ms\"\n\n\
             [[notify]]\nurl = \"http://127.0.0.1:{rport}/hook\"\nfeeds = [\"all\"]\nallow_private = true\n"
        ),
    );
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261207);
    let mut kills_during_delivery = 0;
    for _ in 0..10 {
        let mut child = daemon.spawn();
        let before = receiver.posts_to("/hook").len();
        tokio::time::sleep(Duration::from_millis(rng.random_range(300..1500))).await;
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if receiver.posts_to("/hook").len() > before {
            kills_during_delivery += 1;
        }
    }
    // Then a daemon left to finish.
    let child = daemon.spawn();
    common::wait_until_up(&daemon.url("healthz"), Duration::from_secs(20)).await;
    wait_for("every delivery", Duration::from_secs(60), || {
        daemon.count("SELECT count(*) FROM items") == ARTICLES as i64
            && daemon.count("SELECT count(*) FROM outbox WHERE dispatched IS NULL") == 0
            && daemon.count("SELECT count(*) FROM deliveries WHERE state <> 'delivered'") == 0
    })
    .await;
    let status = common::terminate(child);
    assert!(status.success(), "{status:?} {}", daemon.log());
    assert!(
        kills_during_delivery > 0,
        "some kill landed while deliveries were being sent"
    );

    let db = daemon.db();
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    // The outbox: one `new` event per item, each with its one delivery, delivered.
    let events = daemon.count("SELECT count(*) FROM outbox WHERE event = 'new'");
    assert_eq!(events, ARTICLES as i64);
    assert_eq!(
        daemon.count(
            "SELECT count(*) FROM outbox o WHERE (SELECT count(*) FROM deliveries d WHERE d.event_id = o.id AND d.state = 'delivered') <> 1"
        ),
        0,
        "every event has exactly one delivery, delivered"
    );
    // The receiver's log: every item's key at least once, nothing else.
    let expected: Vec<String> = {
        let mut stmt = db.prepare("SELECT guid FROM items").unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|g| format!("{}#1", g.unwrap()))
            .collect()
    };
    let mut got: HashMap<String, usize> = HashMap::new();
    for s in receiver.posts_to("/hook") {
        *got.entry(s.headers["idempotency-key"].to_str().unwrap().to_string())
            .or_default() += 1;
    }
    for key in &expected {
        assert!(got.contains_key(key), "{key} never reached the receiver");
    }
    assert_eq!(got.len(), expected.len(), "no key the outbox does not hold");
    let repeats: usize = got.values().map(|n| n - 1).sum();
    eprintln!(
        "{} deliveries, {repeats} repeated after a kill (dropped by the idempotency key), {kills_during_delivery} kills during delivery",
        expected.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outside_hub_is_pinged_for_each_changed_feed() {
    let (_portal, portal_port) = start_portal(1).await;
    let receiver = Receiver::default();
    let rport = start_receiver(receiver.clone()).await;
    let hub = format!("http://127.0.0.1:{rport}/hub");
    let daemon = Daemon::new(
        portal_port,
        &format!("[websub]\nhub = \"{hub}\"\nallow_private = true\n"),
    );
    let child = daemon.spawn();
    common::wait_until_up(&daemon.url("healthz"), Duration::from_secs(20)).await;
    wait_for(
        "a ping per feed and format",
        Duration::from_secs(20),
        || receiver.posts_to("/hub").len() >= 6,
    )
    .await;
    let mut topics: Vec<String> = receiver
        .posts_to("/hub")
        .iter()
        .map(|s| {
            let form: HashMap<String, String> =
                url::form_urlencoded::parse(&s.body).into_owned().collect();
            assert_eq!(form["hub.mode"], "publish");
            form["hub.url"].clone()
        })
        .collect();
    topics.sort();
    topics.dedup();
    let mut expected: Vec<String> = ["all", "xa"]
        .iter()
        .flat_map(|k| ["atom", "json", "rss"].map(|f| daemon.url(&format!("feeds/{k}.{f}"))))
        .collect();
    expected.sort();
    assert_eq!(topics, expected);
    // The feeds name that hub, and this daemon runs none.
    let resp = common::client()
        .get(daemon.url("feeds/all.atom"))
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers()["link"]
            .to_str()
            .unwrap()
            .starts_with(&format!("<{hub}>; rel=\"hub\""))
    );
    let (status, text) = hub_request(
        &daemon,
        &[
            ("hub.mode", "subscribe"),
            ("hub.callback", "https://reader.example/cb"),
            ("hub.topic", &daemon.url("feeds/all.atom")),
        ],
    )
    .await;
    assert_eq!(status, 404, "{text}");
    assert!(
        text.contains(&format!("pushed by the hub at {hub}")),
        "{text}"
    );
    assert!(common::terminate(child).success(), "{}", daemon.log());
}

/// A webhook or hub written on an address every request to which the delivery policy
/// refuses is a configuration error at its place, not a receiver that fails unseen; with
/// `allow_private` it is accepted.
#[test]
fn a_receiver_on_a_private_address_needs_allow_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portalfeed.toml");
    let check = |text: &str| {
        std::fs::write(&path, text).unwrap();
        common::binary()
            .args(["check", "--config", path.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let base = "[[source]]\nid = \"xa\"\nurl = \"http://a.test/\"\n";
    for (table, url, line) in [
        ("[[notify]]", "http://127.0.0.1:9000/hook", ":5:7:"),
        ("[[notify]]", "http://localhost:9000/hook", ":5:7:"),
        ("[[notify]]", "http://[fd12::1]/hook", ":5:7:"),
        ("[websub]", "http://10.0.0.7/hub", ":5:7:"),
    ] {
        let key = if table == "[websub]" { "hub" } else { "url" };
        let feeds = if table == "[websub]" {
            ""
        } else {
            "feeds = [\"all\"]\n"
        };
        let out = check(&format!("{base}{table}\n{key} = \"{url}\"\n{feeds}"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{url}");
        assert!(
            err.contains(line) && err.contains("set allow_private = true"),
            "{url}: {err}"
        );
        let out = check(&format!(
            "{base}{table}\n{key} = \"{url}\"\n{feeds}allow_private = true\n"
        ));
        assert!(
            out.status.success(),
            "{url}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn webhook_config_errors_name_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portalfeed.toml");
    let write = |text: &str| -> PathBuf {
        std::fs::write(&path, text).unwrap();
        path.clone()
    };
    let check = |p: &Path| {
        let out = common::binary()
            .args(["check", "--config", p.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let base = "[[source]]\nid = \"xa\"\ntags = [\"quang-tri\"]\nurl = \"http://a.test/\"\n";
    let err = check(&write(&format!(
        "{base}\n[[notify]]\nurl = \"https://hooks.example/x\"\nfeeds = [\"quang-tri\"]\n"
    )));
    assert!(err.contains(":8:10:"), "{err}");
    assert!(err.contains("its feed is \"tag/quang-tri\""), "{err}");
    let err = check(&write(&format!(
        "{base}\n[[notify]]\nurl = \"https://hooks.example/x\"\nfeeds = [\"all\"]\nformat = \"teams\"\n"
    )));
    assert!(
        err.contains(":9:") && err.contains("use \"json\" or \"slack\""),
        "{err}"
    );
    let err = check(&write(&format!(
        "{base}\n[[notify]]\nurl = \"https://hooks.example/x\"\nfeeds = [\"all\"]\nevents = [\"deleted\"]\n"
    )));
    assert!(
        err.contains(":9:") && err.contains("use \"new\" or \"updated\""),
        "{err}"
    );
    let err = check(&write(&format!("{base}\n[delivery]\nmax_age = \"90d\"\n")));
    assert!(err.contains(":7:") && err.contains("out of range"), "{err}");
    let err = check(&write(&format!(
        "{base}\n[websub]\nhub = \"ftp://hub.example/\"\n"
    )));
    assert!(
        err.contains(":7:") && err.contains("http:// or https://"),
        "{err}"
    );
}

/// Which webhooks an event reaches: a re-post is news to its own source's feed only, and
/// a correction of one portal's copy is not announced on the feeds of the portals that
/// re-posted the story (their copies did not change).
#[test]
fn an_event_reaches_the_webhooks_of_the_feeds_it_changes() {
    use portalfeed::model::{Event, SaveOutcome};
    use portalfeed::push::dispatch;
    let dir = tempfile::tempdir().unwrap();
    let config = portalfeed::config::Config::from_str(
        "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\n[[source]]\nid = \"b\"\nurl = \"http://b.test/\"\n\
         [[notify]]\nurl = \"https://hooks.example/a\"\nfeeds = [\"a\"]\n\
         [[notify]]\nurl = \"https://hooks.example/b\"\nfeeds = [\"b\"]\n\
         [[notify]]\nurl = \"https://hooks.example/all\"\nfeeds = [\"all\"]\n",
        &dir.path().join("t.toml"),
    )
    .unwrap();
    let store = portalfeed::store::Store::open(&dir.path().join("t.db")).unwrap();
    store.sync_sources(&config.sources).unwrap();
    let report = |figure: usize| {
        (1..=3)
            .map(|k| {
                common::report_paragraph(7, k, 1)
                    .replace("của bài 7", &format!("của bài 7 ({figure})"))
            })
            .collect::<Vec<_>>()
    };
    let article = |url: &str, paragraphs: Vec<String>| {
        let text: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
        common::article(url, &title(7), &text)
    };
    let now = chrono::Utc::now();
    let save = |source: &str, a: &portalfeed::extract::Article| {
        store
            .save(
                source,
                &a.url,
                a,
                &portalfeed::text::Identity::of(&a.paragraphs),
                now,
            )
            .unwrap()
    };
    assert_eq!(
        save("a", &article("http://a.test/7.html", report(1))),
        SaveOutcome::New
    );
    assert_eq!(
        save("b", &article("http://b.test/7.html", report(1))),
        SaveOutcome::Merged
    );
    assert_eq!(
        save("a", &article("http://a.test/7.html", report(2))),
        SaveOutcome::Updated
    );
    let catalog = portalfeed::feed::catalog(&config);
    let reached = |event: Event| -> Vec<String> {
        let e = store
            .waiting_events(10)
            .unwrap()
            .into_iter()
            .find(|e| e.event == event)
            .unwrap();
        let mut urls: Vec<String> = dispatch::deliveries(&store, &config, &catalog, &e)
            .unwrap()
            .into_iter()
            .map(|d| d.url)
            .collect();
        urls.sort();
        urls
    };
    assert_eq!(
        reached(Event::New),
        [
            "https://hooks.example/a",
            "https://hooks.example/all",
            "https://hooks.example/b"
        ]
    );
    assert_eq!(reached(Event::Copy), ["https://hooks.example/b"]);
    assert_eq!(
        reached(Event::Updated),
        ["https://hooks.example/a", "https://hooks.example/all"]
    );
}
