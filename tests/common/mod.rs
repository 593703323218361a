//! Test helpers: a local HTTP server that plays the corpus portals, and helpers to run
//! the real `portalfeed` binary against it.
//!
//! The server acts as an HTTP proxy: the binary is started with `HTTP_PROXY` pointing at
//! it, so requests for `http://longan.portal.test/...` arrive here in absolute form and
//! the site is picked by host. Nothing leaves 127.0.0.1.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus")
}

/// The corpus format, as the library's demo reads it.
pub use portalfeed::demo::corpus::SiteToml;

/// One corpus folder: its site description and where it lives.
pub struct Site {
    pub folder: String,
    pub dir: PathBuf,
    pub toml: SiteToml,
}

impl Site {
    pub fn host(&self) -> String {
        url::Url::parse(&self.toml.base_url)
            .unwrap()
            .host_str()
            .unwrap()
            .to_string()
    }

    /// The index a source should crawl: the folder's list page, or, for the special
    /// cases that have none, a list page this server writes for them.
    pub fn index_url(&self) -> String {
        match &self.toml.list_url {
            Some(u) => u.clone(),
            None => format!(
                "{}/portalfeed-fixture/{}/",
                self.toml.base_url,
                self.folder.replace('/', "-")
            ),
        }
    }

    pub fn expected(&self) -> Vec<(String, serde_json::Value)> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir).unwrap() {
            let p = entry.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with("expected.json") {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                out.push((name, v));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

pub fn sites() -> Vec<Site> {
    sites_in(
        &corpus_dir(),
        &[
            "s1-longan-portal",
            "s2-provincial-newspaper",
            "s3-hcmc-portal",
            "s4-dakrong-nukeviet",
            "s5-longan-danvan",
            "special/syndicated",
            "special/windows-1258",
            "special/nfd",
            "special/updated",
        ],
    )
}

/// The five other portal platforms and the near-duplicate (tests/fixtures/platforms).
/// They re-post corpus articles, so they are served and crawled apart from the corpus.
pub fn platform_sites() -> Vec<Site> {
    sites_in(
        &corpus_dir().parent().unwrap().join("platforms"),
        &[
            "h1-vhv",
            "h2-dnn",
            "h3-sharepoint-news",
            "h4-layout-tables",
            "h5-wordpress-gov",
            "special-near-dup",
        ],
    )
}

fn sites_in(root: &Path, folders: &[&str]) -> Vec<Site> {
    let mut out = Vec::new();
    for folder in folders {
        let dir = root.join(folder);
        let toml: SiteToml =
            toml::from_str(&std::fs::read_to_string(dir.join("site.toml")).unwrap()).unwrap();
        out.push(Site {
            folder: (*folder).to_string(),
            dir,
            toml,
        });
    }
    out
}

struct Route {
    files: Vec<(Option<usize>, PathBuf, String)>,
}

/// The portal server. `step` selects which file a multi-step page serves (1-based).
pub struct PortalServer {
    pub addr: SocketAddr,
    pub step: Arc<AtomicUsize>,
    /// Every request as (host, path and query), in arrival order.
    pub log: Arc<Mutex<Vec<(String, String)>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl PortalServer {
    pub async fn start() -> PortalServer {
        Self::start_for(sites()).await
    }

    /// A server that plays the given sites.
    pub async fn start_for(sites: Vec<Site>) -> PortalServer {
        let mut routes: HashMap<(String, String), Route> = HashMap::new();
        for site in sites {
            let host = site.host();
            let mut articles = Vec::new();
            for p in &site.toml.page {
                let route = routes
                    .entry((host.clone(), p.path.clone()))
                    .or_insert(Route { files: Vec::new() });
                route
                    .files
                    .push((p.step, site.dir.join(&p.file), p.content_type.clone()));
                if p.role == "article"
                    && !articles
                        .iter()
                        .any(|(f, _): &(String, String)| *f == p.file)
                {
                    articles.push((p.file.clone(), p.path.clone()));
                }
            }
            if site.toml.list_url.is_none() {
                // A list page for the special cases that have none.
                let expected = site.expected();
                let mut html = String::from(
                    "<html><head><meta charset=\"utf-8\"><title>Danh sách</title></head><body><div class=\"news-list\">",
                );
                for (_, path) in &articles {
                    let title = expected[0].1["title"].as_str().unwrap_or("Bài viết");
                    html.push_str(&format!(
                        "<div class=\"item\"><h3><a href=\"{path}\">{title}</a></h3></div>"
                    ));
                }
                html.push_str("</div></body></html>");
                let path = url::Url::parse(&site.index_url())
                    .unwrap()
                    .path()
                    .to_string();
                let file = std::env::temp_dir().join(format!(
                    "portalfeed-list-{}-{}.html",
                    std::process::id(),
                    site.folder.replace('/', "-")
                ));
                std::fs::write(&file, html).unwrap();
                routes.insert(
                    (host.clone(), path),
                    Route {
                        files: vec![(None, file, "text/html; charset=utf-8".into())],
                    },
                );
            }
        }
        let routes = Arc::new(routes);
        let step = Arc::new(AtomicUsize::new(1));
        let log = Arc::new(Mutex::new(Vec::new()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (r, s, l) = (routes.clone(), step.clone(), log.clone());
        let app = axum::Router::new().fallback(move |req: Request<Body>| {
            let (routes, step, log) = (r.clone(), s.clone(), l.clone());
            async move { serve(&routes, &step, &log, req) }
        });
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        PortalServer {
            addr,
            step,
            log,
            _task: task,
        }
    }

    pub fn proxy_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<(String, String)> {
        self.log.lock().unwrap().clone()
    }
}

fn serve(
    routes: &HashMap<(String, String), Route>,
    step: &AtomicUsize,
    log: &Mutex<Vec<(String, String)>>,
    req: Request<Body>,
) -> Response<Body> {
    let uri = req.uri();
    let host = uri
        .host()
        .map(str::to_string)
        .or_else(|| {
            req.headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(|h| h.split(':').next().unwrap_or("").to_string())
        })
        .unwrap_or_default();
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    log.lock().unwrap().push((host.clone(), path.clone()));
    let Some(route) = routes.get(&(host, path)) else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::from("not found"))
            .unwrap();
    };
    let current = step.load(Ordering::SeqCst);
    let (_, file, ct) = route
        .files
        .iter()
        .find(|(s, _, _)| s.is_none() || *s == Some(current))
        .unwrap_or(&route.files[0]);
    let bytes = std::fs::read(file).unwrap();
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, ct.as_str())
        .body(Body::from(bytes))
        .unwrap()
}

/// The source id a test config gives a corpus folder.
pub fn source_id(folder: &str) -> String {
    folder
        .replace("special/", "x-")
        .split('-')
        .take(3)
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase()
}

/// Writes a config with one source per corpus folder; returns its path.
pub fn write_config(dir: &Path, listen: &str, schedule: &str) -> PathBuf {
    write_config_for(dir, listen, schedule, &sites())
}

/// Writes a config with one source per given site; returns its path.
pub fn write_config_for(dir: &Path, listen: &str, schedule: &str, sites: &[Site]) -> PathBuf {
    let mut cfg = format!(
        "[daemon]\ndatabase = \"portalfeed.db\"\nlisten = \"{listen}\"\nschedule = \"{schedule}\"\nper_host_delay = \"0s\"\npublic_url = \"http://{listen}\"\nuser_agent = \"portalfeed-test\"\n\n"
    );
    for site in sites {
        cfg.push_str(&format!(
            "[[source]]\nid = \"{}\"\nname = \"{}\"\nurl = \"{}\"\ntags = [\"{}\"]\n\n",
            source_id(&site.folder),
            site.toml.name,
            site.index_url(),
            if site.folder.starts_with("special") {
                "special"
            } else {
                "portal"
            }
        ));
    }
    let path = dir.join("portalfeed.toml");
    std::fs::write(&path, cfg).unwrap();
    path
}

pub fn binary() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_portalfeed"));
    c.env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env_remove("ALL_PROXY");
    c.env("RUST_LOG", "warn");
    c
}

/// Runs `portalfeed` with the portal server as its proxy and waits for it.
pub fn run_with_proxy(server: &PortalServer, args: &[&str]) -> Output {
    binary()
        .env("HTTP_PROXY", server.proxy_url())
        .env("http_proxy", server.proxy_url())
        .args(args)
        .output()
        .expect("portalfeed runs")
}

/// Starts the daemon with the portal server as its proxy.
pub fn spawn_daemon(server: &PortalServer, config: &Path) -> Child {
    binary()
        .env("HTTP_PROXY", server.proxy_url())
        .env("http_proxy", server.proxy_url())
        .args(["run", "--config", config.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("daemon starts")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A client that never uses a proxy, for talking to the daemon.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// GETs `url` from the daemon and returns the body as text.
pub async fn get_text(url: impl reqwest::IntoUrl) -> String {
    client()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Polls `url` until it answers 200 or the deadline passes.
pub async fn wait_until_up(url: &str, within: Duration) {
    let c = client();
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Ok(r) = c.get(url).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not come up within {within:?}");
}

/// Sends SIGTERM and waits for the process, returning its exit status.
pub fn terminate(mut child: Child) -> std::process::ExitStatus {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("daemon did not stop within 15 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Paragraph `k` of generated report `n` at its `revision`: distinct places, topics and
/// figures per report, so that two reports never merge, and a new revision changes a
/// figure (a correction). For the crash and push tests' portals.
pub fn report_paragraph(n: usize, k: usize, revision: usize) -> String {
    let places = [
        "Tà Long",
        "Ba Nang",
        "A Ngo",
        "Húc Nghì",
        "Mò Ó",
        "Triệu Nguyên",
        "Hướng Hiệp",
        "Tà Rụt",
    ];
    let topics = [
        "giao thông nông thôn",
        "nước sinh hoạt",
        "trồng rừng",
        "chăn nuôi bò",
        "chuyển đổi số",
        "y tế cơ sở",
    ];
    format!(
        "Đoạn {k} của bài {n}: xã {} triển khai chương trình {} với {} hộ tham gia, tổng kinh phí {} triệu đồng, hoàn thành {} công trình trong quý {}.",
        places[(n + k) % places.len()],
        topics[(n * 7 + k) % topics.len()],
        100 + n * 13 + k + (revision - 1) * 1000,
        1000 + n * 97 + k * 11,
        n % 9 + k,
        k % 4 + 1
    )
}

/// An extracted article as `Store::save` takes it: dated 2 October 2023, 09:05 +07:00,
/// with a byline, one `<p>` per paragraph.
pub fn article(url: &str, title: &str, paragraphs: &[&str]) -> portalfeed::extract::Article {
    use chrono::TimeZone;
    portalfeed::extract::Article {
        url: url.to_string(),
        title: title.to_string(),
        published: Some(
            chrono::FixedOffset::east_opt(7 * 3600)
                .unwrap()
                .with_ymd_and_hms(2023, 10, 2, 9, 5, 0)
                .unwrap(),
        ),
        author: Some("Trần Quang Hải".into()),
        paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
        content_html: paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect(),
        ..Default::default()
    }
}
