//! Fault injection: a local server that misbehaves in every way a government portal does
//! (5xx, 429, Retry-After, a trickle, truncated and oversized bodies, a gzip bomb,
//! redirect loops and off-site redirects, invalid UTF-8, a PDF served as HTML, resets,
//! robots.txt, links to internal addresses, 304), next to a healthy site. For each fault:
//! the other sources still produce their items, the failing source's health says why,
//! nothing partial is stored, and once the fault clears the next run stores each article
//! exactly once. Also: one request at a time per host with the configured gap, measured
//! by the server; feed and sitemap sources end to end; the daemon survives it all.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Hit {
    host: String,
    path: String,
    start: Instant,
    end: Instant,
    status: u16,
}

struct State {
    faulty: AtomicBool,
    log: Mutex<Vec<Hit>>,
    /// The port of another loopback service, linked from the SSRF page.
    other_port: u16,
}

/// The sites, by the first label of their host (`e500.fault.test`).
const FAULTS: &[&str] = &[
    "e500",
    "e503",
    "e429",
    "slow",
    "truncated",
    "bomb",
    "huge",
    "loop",
    "offsite",
    "badutf8",
    "pdf",
    "reset",
    "robots",
    "ssrf",
    "notmod",
];

fn article_html(site: &str, n: usize) -> String {
    // Different figures for every article: different reports, not re-posts.
    let households = 100 + n * 37 + site.len() * 11 + site.bytes().map(usize::from).sum::<usize>();
    let rise = n * 3 + site.len();
    format!(
        r#"<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Bài {n} của {site} - Cổng thông tin</title>
<link rel="canonical" href="http://{site}.fault.test/tin-tuc/bai-viet-so-{n}-cua-{site}.html"></head><body>
<div class="menu"><a href="/">Trang chủ</a> <a href="/tin-tuc/">Tin tức</a></div>
<div class="detail"><h1>Bài viết số {n} của trang {site} về công tác dân vận</h1>
<div class="date">Thứ Hai, 2-10-2023 09:05</div>
<div class="content"><p>Đây là đoạn văn thứ nhất của bài viết số {n} trên trang {site}, kể về hội nghị tổng kết công tác dân vận của huyện trong năm qua với nhiều kết quả tích cực.</p>
<p>Đoạn văn thứ hai nói rằng trang {site} đã đăng bài số {n} này để kiểm tra rằng mỗi bài chỉ được lưu đúng một lần, dù máy chủ có trục trặc.</p>
<p>Năm nay có {households} hộ tham gia phong trào, tăng {rise} hộ so với năm trước.</p></div></div>
</body></html>"#
    )
}

fn list_html(site: &str, extra: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>Tin tức</title></head><body>
<div class="news-list">
<div class="item"><h3><a href="/tin-tuc/bai-viet-so-1-cua-{site}.html">Bài viết số một của trang {site} về dân vận</a></h3><p>Tóm tắt bài một.</p></div>
<div class="item"><h3><a href="/tin-tuc/bai-viet-so-2-cua-{site}.html">Bài viết số hai của trang {site} về dân vận</a></h3><p>Tóm tắt bài hai.</p></div>
{extra}</div></body></html>"#
    )
}

/// The response to one request: status, headers, body, and how to send it.
enum Reply {
    Normal(u16, Vec<(String, String)>, Vec<u8>),
    /// Headers, then the body one byte a second.
    Trickle(Vec<u8>),
    /// A Content-Length larger than what is sent before the connection closes.
    Truncated(Vec<u8>),
    /// A body of this many bytes with no Content-Length.
    Endless(usize),
    /// Close the connection without answering.
    Reset,
}

fn ok(ct: &str, body: impl Into<Vec<u8>>) -> Reply {
    Reply::Normal(200, vec![("Content-Type".into(), ct.into())], body.into())
}

fn status(code: u16, headers: &[(&str, &str)]) -> Reply {
    Reply::Normal(
        code,
        headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        b"error".to_vec(),
    )
}

/// Compressed once, before any request: compressing 40 MiB takes seconds in a debug
/// build, longer than the crawl's timeout, so a bomb made per request timed out instead
/// of being refused for its size.
static GZIP_BOMB: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(gzip_bomb);

fn gzip_bomb() -> Vec<u8> {
    use flate2::Compression;
    use flate2::write::GzEncoder;
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..40 {
        e.write_all(&zeros).unwrap();
    }
    e.finish().unwrap()
}

fn route(state: &State, site: &str, full_path: &str, headers: &HashMap<String, String>) -> Reply {
    let path = if full_path.starts_with("/tin-tuc/?") {
        "/tin-tuc/"
    } else {
        full_path
    };
    let faulty = state.faulty.load(Ordering::SeqCst);
    let html = "text/html; charset=utf-8";
    if path == "/robots.txt" {
        return if site == "robots" && faulty {
            ok("text/plain", "User-agent: *\nDisallow: /tin-tuc/\n")
        } else if site == "ssrf" && faulty {
            // robots.txt that redirects to another service on the machine: the hop is
            // refused like an article's, and the site counts as having no robots.txt.
            let to = format!("http://127.0.0.1:{}/robots.txt", state.other_port);
            status(302, &[("Location", to.as_str())])
        } else {
            status(404, &[])
        };
    }
    let article = |n: usize| format!("/tin-tuc/bai-viet-so-{n}-cua-{site}.html");
    match (site, path) {
        ("feed", "/rss/") => {
            let items: String = (1..=2)
                .map(|n| format!("<item><title>Bài {n}</title><link>http://feed.fault.test{}</link><pubDate>Mon, 02 Oct 2023 09:05:00 +0700</pubDate></item>", article(n)))
                .collect();
            ok(
                "application/rss+xml",
                format!(
                    r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title><link>http://feed.fault.test/</link><description>d</description>{items}</channel></rss>"#
                ),
            )
        }
        ("sitemap", "/sitemap.xml") => ok(
            "application/xml",
            r#"<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://sitemap.fault.test/sitemap-news.xml</loc><lastmod>2023-10-02</lastmod></sitemap></sitemapindex>"#,
        ),
        ("sitemap", "/sitemap-news.xml") => {
            let urls: String = (1..=2)
                .map(|n| format!("<url><loc>http://sitemap.fault.test{}</loc><lastmod>2023-10-0{n}</lastmod></url>", article(n)))
                .collect();
            ok(
                "application/xml",
                format!(
                    r#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>"#
                ),
            )
        }
        (_, "/tin-tuc/") => {
            if faulty {
                match site {
                    "e500" => return status(500, &[]),
                    "e503" => return status(503, &[("Retry-After", "1")]),
                    "e429" => return status(429, &[("Retry-After", "1")]),
                    "slow" => return Reply::Trickle(list_html(site, "").into_bytes()),
                    "bomb" => {
                        return Reply::Normal(
                            200,
                            vec![
                                ("Content-Type".into(), html.into()),
                                ("Content-Encoding".into(), "gzip".into()),
                            ],
                            GZIP_BOMB.clone(),
                        );
                    }
                    "huge" => return Reply::Endless(50 << 20),
                    "loop" => return status(302, &[("Location", "/tin-tuc/a")]),
                    "offsite" => {
                        return status(301, &[("Location", "http://elsewhere.test/tin-tuc/")]);
                    }
                    "reset" => return Reply::Reset,
                    "ssrf" => {
                        let extra = format!(
                            r#"<div class="item"><h3><a href="http://169.254.169.254/latest/meta-data/iam/security-credentials/">Bài viết về siêu dữ liệu của máy chủ đám mây</a></h3></div>
<div class="item"><h3><a href="http://127.0.0.1:{}/bai-viet-noi-bo-123.html">Bài viết nội bộ trên một cổng khác của máy</a></h3></div>"#,
                            state.other_port
                        );
                        return ok(html, list_html(site, &extra));
                    }
                    _ => {}
                }
            }
            if site == "notmod" {
                let etag = "\"list-v1\"";
                if headers.get("if-none-match").map(String::as_str) == Some(etag) {
                    return Reply::Normal(304, vec![("ETag".into(), etag.into())], Vec::new());
                }
                return Reply::Normal(
                    200,
                    vec![
                        ("Content-Type".into(), html.into()),
                        ("ETag".into(), etag.into()),
                    ],
                    list_html(site, "").into_bytes(),
                );
            }
            ok(html, list_html(site, ""))
        }
        ("loop", "/tin-tuc/a") => status(302, &[("Location", "/tin-tuc/")]),
        (_, p) if p == article(1) || p == article(2) => {
            let n = if p == article(1) { 1 } else { 2 };
            let body = article_html(site, n);
            if faulty && n == 1 {
                match site {
                    "truncated" => return Reply::Truncated(body.into_bytes()),
                    "pdf" => {
                        return ok(
                            html,
                            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n".to_vec(),
                        );
                    }
                    "ssrf" => {
                        return status(
                            302,
                            &[("Location", "http://169.254.169.254/latest/meta-data/")],
                        );
                    }
                    _ => {}
                }
            }
            if site == "badutf8" {
                // Declared UTF-8, with bytes that are not: stored with replacement marks.
                let mut bytes = body.into_bytes();
                let marker = "Đây ".as_bytes();
                let at = bytes
                    .windows(marker.len())
                    .position(|w| w == marker)
                    .unwrap();
                bytes.splice(at..at, [0xff, 0xfe, b' ']);
                return ok(html, bytes);
            }
            ok(html, body)
        }
        _ => status(404, &[]),
    }
}

async fn handle(state: Arc<State>, mut sock: TcpStream) {
    let start = Instant::now();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 64 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let mut lines = head.split("\r\n");
    let target = lines
        .next()
        .unwrap_or("")
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let (host, path) = match target.strip_prefix("http://") {
        Some(rest) => {
            let (h, p) = rest
                .split_once('/')
                .map(|(h, p)| (h, format!("/{p}")))
                .unwrap_or((rest, "/".into()));
            (h.split(':').next().unwrap_or("").to_string(), p)
        }
        None => (
            headers
                .get("host")
                .cloned()
                .unwrap_or_default()
                .split(':')
                .next()
                .unwrap_or("")
                .to_string(),
            target.clone(),
        ),
    };
    let site = host.split('.').next().unwrap_or("").to_string();
    let reply = route(&state, &site, &path, &headers);
    let code = match &reply {
        Reply::Normal(c, ..) => *c,
        Reply::Reset => 0,
        _ => 200,
    };
    let head_for = |code: u16, extra: &[(String, String)], len: Option<usize>| {
        let mut h = format!("HTTP/1.1 {code} X\r\nConnection: close\r\n");
        for (k, v) in extra {
            h.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(len) = len {
            h.push_str(&format!("Content-Length: {len}\r\n"));
        }
        h.push_str("\r\n");
        h.into_bytes()
    };
    let html_ct = vec![(
        "Content-Type".to_string(),
        "text/html; charset=utf-8".to_string(),
    )];
    let _ = match reply {
        Reply::Normal(code, headers, body) => {
            let mut out = head_for(code, &headers, Some(body.len()));
            out.extend_from_slice(&body);
            sock.write_all(&out).await
        }
        Reply::Trickle(body) => {
            let mut r = sock
                .write_all(&head_for(200, &html_ct, Some(body.len())))
                .await;
            for b in body.iter().take(30) {
                tokio::time::sleep(Duration::from_secs(1)).await;
                r = sock.write_all(&[*b]).await;
                if r.is_err() {
                    break;
                }
            }
            r
        }
        Reply::Truncated(body) => {
            let mut out = head_for(200, &html_ct, Some(body.len() + 5000));
            out.extend_from_slice(&body[..body.len() / 2]);
            sock.write_all(&out).await
        }
        Reply::Endless(n) => {
            let mut r = sock.write_all(&head_for(200, &html_ct, None)).await;
            let block = vec![b'a'; 64 * 1024];
            let mut sent = 0;
            while sent < n && r.is_ok() {
                r = sock.write_all(&block).await;
                sent += block.len();
            }
            r
        }
        Reply::Reset => {
            // SO_LINGER 0 makes the close a TCP reset, which is the fault wanted here.
            #[allow(deprecated)]
            let _ = sock.set_linger(Some(Duration::ZERO));
            Ok(())
        }
    };
    let _ = sock.shutdown().await;
    state.log.lock().unwrap().push(Hit {
        host,
        path,
        start,
        end: Instant::now(),
        status: code,
    });
}

async fn start_server() -> (Arc<State>, u16) {
    std::sync::LazyLock::force(&GZIP_BOMB);
    let other = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_port = other.local_addr().unwrap().port();
    // The "internal service" on another loopback port: it must never be asked anything.
    let other_hits = Arc::new(AtomicBool::new(false));
    let flag = other_hits.clone();
    tokio::spawn(async move {
        while let Ok((_s, _)) = other.accept().await {
            flag.store(true, Ordering::SeqCst);
        }
    });
    let state = Arc::new(State {
        faulty: AtomicBool::new(true),
        log: Mutex::new(Vec::new()),
        other_port,
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let s = state.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(handle(s.clone(), sock));
        }
    });
    (state, port)
}

fn write_config(
    dir: &Path,
    listen: &str,
    sources: &[(&str, &str, &str)],
    extra_daemon: &str,
) -> std::path::PathBuf {
    let mut cfg = format!(
        "[daemon]\ndatabase = \"portalfeed.db\"\nlisten = \"{listen}\"\nschedule = \"0 0 1 1 *\"\nper_host_delay = \"0s\"\n\
         timeout = \"2s\"\nconnect_timeout = \"2s\"\nmax_body = \"1MiB\"\nretries = 2\nretry_delay = \"50ms\"\nuser_agent = \"portalfeed-test/1.0\"\n{extra_daemon}\n"
    );
    for (id, url, kind) in sources {
        cfg.push_str(&format!(
            "[[source]]\nid = \"{id}\"\nurl = \"{url}\"\nkind = \"{kind}\"\n\n"
        ));
    }
    let path = dir.join("portalfeed.toml");
    std::fs::write(&path, cfg).unwrap();
    path
}

fn run(port: u16, args: &[&str]) -> std::process::Output {
    common::binary()
        .env("HTTP_PROXY", format!("http://127.0.0.1:{port}"))
        .env("http_proxy", format!("http://127.0.0.1:{port}"))
        .args(args)
        .output()
        .unwrap()
}

/// `portalfeed crawl` rows: source → (numbers, error text).
fn rows(out: &str) -> HashMap<String, (Vec<usize>, String)> {
    out.lines()
        .skip(1)
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let id = parts.next()?.to_string();
            let nums: Vec<usize> = parts
                .clone()
                .take(7)
                .map(|n| n.parse().unwrap_or(usize::MAX))
                .collect();
            let error = parts.skip(7).collect::<Vec<_>>().join(" ");
            Some((id, (nums, error)))
        })
        .collect()
}

fn db_counts(db: &Path) -> (HashMap<String, usize>, usize, usize) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut per_source = HashMap::new();
    let mut stmt = conn
        .prepare("SELECT source_id, count(*) FROM copies GROUP BY source_id")
        .unwrap();
    for r in stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .unwrap()
    {
        let (s, n) = r.unwrap();
        per_source.insert(s, n as usize);
    }
    let empty: i64 = conn
        .query_row(
            "SELECT count(*) FROM items WHERE length(text) < 100 OR length(title) = 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let dup: i64 = conn
        .query_row("SELECT count(*) FROM (SELECT url FROM copies GROUP BY url HAVING count(DISTINCT item_id) > 1)", [], |r| r.get(0))
        .unwrap();
    (per_source, empty as usize, dup as usize)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fault_is_survived_reported_and_recovered_from() {
    let (state, port) = start_server().await;
    let dir = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{}", common::free_port());
    let mut sources: Vec<(String, String, &str)> = FAULTS
        .iter()
        .map(|f| {
            (
                f.to_string(),
                format!("http://{f}.fault.test/tin-tuc/"),
                "html",
            )
        })
        .collect();
    sources.push((
        "good".into(),
        "http://good.fault.test/tin-tuc/".into(),
        "html",
    ));
    sources.push(("feed".into(), "http://feed.fault.test/rss/".into(), "feed"));
    sources.push((
        "sitemap".into(),
        "http://sitemap.fault.test/sitemap.xml".into(),
        "sitemap",
    ));
    let refs: Vec<(&str, &str, &str)> = sources
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), *c))
        .collect();
    let config = write_config(dir.path(), &listen, &refs, "");
    let cfg = config.to_str().unwrap();

    // The daemon stays up while every fault is active (with its own database).
    let daemon_dir = tempfile::tempdir().unwrap();
    let daemon_config = write_config(daemon_dir.path(), &listen, &refs, "");
    let daemon = common::binary()
        .env("HTTP_PROXY", format!("http://127.0.0.1:{port}"))
        .env("http_proxy", format!("http://127.0.0.1:{port}"))
        .args(["run", "--config", daemon_config.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    common::wait_until_up(&format!("http://{listen}/healthz"), Duration::from_secs(20)).await;
    // Let its first runs hit the faults, then make sure it still answers.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let health = common::client()
        .get(format!("http://{listen}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "the daemon must survive the faults");
    // Alive, but not all is well: readiness names the failing sources.
    let deadline = Instant::now() + Duration::from_secs(20);
    let ready = loop {
        let r = common::client()
            .get(format!("http://{listen}/readyz"))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        if status == 503 || Instant::now() > deadline {
            break (status, body);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(ready.0, 503, "{}", ready.1);
    assert!(ready.1.contains("sources failing: "), "{}", ready.1);
    assert!(ready.1.contains("e500"), "{}", ready.1);
    let exit = common::terminate(daemon);
    assert!(exit.success(), "{exit:?}");

    // A crawl with every fault active.
    let first = run(port, &["crawl", "--config", cfg]);
    let out = String::from_utf8_lossy(&first.stdout).to_string();
    assert_eq!(
        first.status.code(),
        Some(1),
        "failed sources make crawl exit 1:\n{out}"
    );
    let r = rows(&out);
    let expect_failed = [
        ("e500", "HTTP 500"),
        ("e503", "HTTP 503"),
        ("e429", "HTTP 429"),
        ("slow", "timed out"),
        ("bomb", "larger than"),
        ("huge", "larger than"),
        ("loop", "too many redirects"),
        ("offsite", "not this source's site"),
        ("reset", "failed"),
        ("robots", "robots.txt"),
    ];
    for (id, reason) in expect_failed {
        let (nums, error) = &r[id];
        assert!(
            error.contains(reason),
            "{id}: expected {reason:?} in {error:?}\n{out}"
        );
        assert_eq!(nums[1], 0, "{id} stored nothing: {out}");
    }
    // Faults on single articles: the run goes on, the rest is stored, the reason noted.
    let (nums, error) = &r["truncated"];
    assert_eq!((nums[1], nums[5]), (1, 1), "truncated: {out}");
    assert!(!error.is_empty(), "truncated: {out}");
    let (nums, error) = &r["pdf"];
    assert_eq!((nums[1], nums[5]), (1, 1), "pdf: {out}");
    assert!(error.contains("PDF"), "pdf: {error}");
    let (nums, error) = &r["ssrf"];
    assert_eq!(nums[1], 1, "ssrf stores the honest article: {out}");
    // Links to internal addresses are not even candidates (off-site); the redirect to
    // one is refused and reported.
    assert!(nums[6] >= 1, "ssrf: the redirect is skipped: {out}");
    assert!(error.contains("private or loopback"), "ssrf: {error}");
    for id in ["good", "badutf8", "notmod", "feed", "sitemap"] {
        assert_eq!(r[id].0[1], 2, "{id}: {out}");
    }
    // Nothing was asked of internal addresses.
    assert!(
        !state
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|h| h.host.starts_with("169.254") || h.host == "127.0.0.1")
    );
    // Retry-After was honoured: the 503 site was asked again only after a second.
    let hits_503: Vec<Hit> = state
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|h| h.host == "e503.fault.test" && h.path == "/tin-tuc/")
        .cloned()
        .collect();
    assert!(hits_503.len() >= 2);
    let last_two: Vec<&Hit> = hits_503.iter().rev().take(2).collect();
    assert!(
        last_two[0].start.duration_since(last_two[1].end) >= Duration::from_millis(900),
        "Retry-After: 1 not honoured"
    );

    // Health says why.
    let sources_out =
        String::from_utf8_lossy(&run(port, &["sources", "--config", cfg]).stdout).to_string();
    for (id, reason) in expect_failed {
        let line = sources_out
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap();
        assert!(line.contains("FAILED") && line.contains(reason), "{line}");
    }
    let db = dir.path().join("portalfeed.db");
    let (counts, empty, dup) = db_counts(&db);
    assert_eq!(empty, 0, "an item with an empty or partial body");
    assert_eq!(dup, 0);
    for id in ["e500", "slow", "bomb", "huge", "loop", "reset", "robots"] {
        assert_eq!(counts.get(id), None, "{id} stored something");
    }

    // The faults clear: the next run stores each remaining article exactly once.
    state.faulty.store(false, Ordering::SeqCst);
    state.log.lock().unwrap().clear();
    let second = run(port, &["crawl", "--config", cfg]);
    let out2 = String::from_utf8_lossy(&second.stdout).to_string();
    assert!(
        second.status.success(),
        "{out2}\n{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let (counts, empty, dup) = db_counts(&db);
    assert_eq!((empty, dup), (0, 0));
    for f in FAULTS.iter().chain(["good", "feed", "sitemap"].iter()) {
        assert_eq!(
            counts.get(*f),
            Some(&2),
            "{f} has each article once: {counts:?}\n{out2}"
        );
    }
    // The unchanged index answered 304 and cost no parsing.
    let log = state.log.lock().unwrap().clone();
    assert!(
        log.iter()
            .any(|h| h.host == "notmod.fault.test" && h.path == "/tin-tuc/" && h.status == 304),
        "{log:?}"
    );
    let r2 = rows(&out2);
    assert_eq!(r2["notmod"].0[1], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_request_at_a_time_per_host_with_the_gap() {
    let (state, port) = start_server().await;
    state.faulty.store(false, Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    // Two sources on one host, one on another, all running at once.
    let config = write_config(
        dir.path(),
        "127.0.0.1:1",
        &[
            ("a", "http://good.fault.test/tin-tuc/", "html"),
            ("b", "http://good.fault.test/tin-tuc/?trang=1", "html"),
            ("c", "http://badutf8.fault.test/tin-tuc/", "html"),
        ],
        "",
    );
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("per_host_delay = \"0s\"", "per_host_delay = \"300ms\"");
    std::fs::write(&config, text).unwrap();
    let out = run(port, &["crawl", "--config", config.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let log = state.log.lock().unwrap().clone();
    let mut by_host: HashMap<String, Vec<Hit>> = HashMap::new();
    for h in log {
        by_host.entry(h.host.clone()).or_default().push(h);
    }
    let good = by_host.get_mut("good.fault.test").unwrap();
    assert!(good.len() >= 4, "{good:?}");
    good.sort_by_key(|h| h.start);
    for pair in good.windows(2) {
        let gap = pair[1].start.saturating_duration_since(pair[0].end);
        assert!(
            pair[1].start >= pair[0].end,
            "requests overlapped: {pair:?}"
        );
        // The server notes the end after the client has the whole response; allow for
        // that small difference.
        assert!(
            gap >= Duration::from_millis(280),
            "gap {gap:?} shorter than 300 ms"
        );
    }
}

/// `[daemon] max_running` bounds the source runs in progress (each run holds a
/// connection and its pages, so this bounds memory with thousands of sources), and every
/// source still runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_running_bounds_the_runs_in_progress() {
    /// The most runs in progress at once, a run being a host's first request to its last.
    fn most_at_once(log: &[Hit]) -> usize {
        let mut runs: HashMap<&str, (Instant, Instant)> = HashMap::new();
        for h in log {
            let r = runs.entry(h.host.as_str()).or_insert((h.start, h.end));
            r.0 = r.0.min(h.start);
            r.1 = r.1.max(h.end);
        }
        runs.values()
            .map(|a| runs.values().filter(|b| b.0 <= a.0 && a.0 < b.1).count())
            .max()
            .unwrap_or(0)
    }
    let sources: Vec<(String, String)> = (1..=6)
        .map(|i| (format!("g{i}"), format!("http://g{i}.fault.test/tin-tuc/")))
        .collect();
    let sources: Vec<(&str, &str, &str)> = sources
        .iter()
        .map(|(id, url)| (id.as_str(), url.as_str(), "html"))
        .collect();
    let mut seen = Vec::new();
    for max_running in [2, 128] {
        let (state, port) = start_server().await;
        state.faulty.store(false, Ordering::SeqCst);
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(
            dir.path(),
            "127.0.0.1:1",
            &sources,
            &format!("max_running = {max_running}\n"),
        );
        // A gap between requests to a host makes each run last (robots, list, 2 articles).
        let text = std::fs::read_to_string(&config)
            .unwrap()
            .replace("per_host_delay = \"0s\"", "per_host_delay = \"200ms\"");
        std::fs::write(&config, text).unwrap();
        let out = run(port, &["crawl", "--config", config.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows = rows(&String::from_utf8_lossy(&out.stdout));
        for (id, ..) in &sources {
            assert_eq!(
                rows[*id].0[1], 2,
                "{id} did not store its 2 articles: {rows:?}"
            );
        }
        seen.push(most_at_once(&state.log.lock().unwrap()));
    }
    assert!(seen[0] <= 2, "max_running = 2 let {} runs overlap", seen[0]);
    assert!(
        seen[1] > 2,
        "without the bound, runs should overlap: {seen:?}"
    );
}
