//! `portalfeed demo`: the whole daemon on the portals of the bundled corpus, offline.
//!
//! The corpus (`tests/fixtures/corpus`, compiled into the binary) holds real pages of
//! five portals and the special cases (a re-post, a windows-1258 page, an NFD page, a
//! corrected article). The demo serves each portal host on its own port on 127.0.0.1,
//! with the portal's address in every page rewritten to that port, so that the links in
//! the feeds open in a browser too. It then writes a configuration with one source per
//! corpus folder into a temporary folder and runs the daemon on it until Ctrl-C, which
//! also deletes the folder.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use include_dir::{Dir, include_dir};

use crate::config::Config;

pub mod corpus;
use corpus::SiteToml;

static CORPUS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/tests/fixtures/corpus");

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the bundled corpus is unreadable: {0}")]
    Corpus(String),
    #[error("cannot set up the demo: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Daemon(#[from] crate::daemon::DaemonError),
}

/// One corpus folder, read from the bundle.
struct Site {
    folder: String,
    toml: SiteToml,
    dir: &'static Dir<'static>,
}

impl Site {
    fn host(&self) -> String {
        url::Url::parse(&self.toml.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// The source id: the folder name without its `sN-` prefix.
    fn id(&self) -> String {
        let name = self.folder.rsplit('/').next().unwrap_or(&self.folder);
        match name.split_once('-') {
            Some((p, rest)) if p.len() <= 3 && p.starts_with('s') => rest.to_string(),
            _ => name.to_string(),
        }
    }

    fn file(&self, name: &str) -> Result<&'static [u8], DemoError> {
        self.dir
            .get_file(self.dir.path().join(name))
            .map(|f| f.contents())
            .ok_or_else(|| DemoError::Corpus(format!("{}/{name} is missing", self.folder)))
    }

    /// The path of the list page the demo writes for a folder without one.
    fn made_list_path(&self) -> String {
        format!("/portalfeed-demo/{}/", self.folder.replace('/', "-"))
    }
}

fn sites() -> Result<Vec<Site>, DemoError> {
    let mut out = Vec::new();
    let mut dirs: Vec<&'static Dir<'static>> = CORPUS.dirs().collect();
    while let Some(d) = dirs.pop() {
        dirs.extend(d.dirs());
        let Some(toml) = d.get_file(d.path().join("site.toml")) else {
            continue;
        };
        let text = toml
            .contents_utf8()
            .ok_or_else(|| DemoError::Corpus(format!("{}: not UTF-8", d.path().display())))?;
        let toml: SiteToml = toml::from_str(text)
            .map_err(|e| DemoError::Corpus(format!("{}: {e}", d.path().display())))?;
        out.push(Site {
            folder: d.path().to_string_lossy().replace('\\', "/"),
            toml,
            dir: d,
        });
    }
    out.sort_by(|a, b| a.folder.cmp(&b.folder));
    Ok(out)
}

/// What one mock portal answers: path and query → content type and body.
type Routes = HashMap<String, (String, Vec<u8>)>;

/// A running demo: its folder, configuration and mock portals.
pub struct Demo {
    pub dir: PathBuf,
    pub config: Config,
    /// Portal host → the local address that plays it.
    pub portals: Vec<(String, SocketAddr)>,
}

impl Demo {
    /// Starts the mock portals and writes the configuration; the daemon is not started.
    pub async fn start(listen: SocketAddr, dir: &Path) -> Result<Demo, DemoError> {
        let sites = sites()?;
        // One listener per portal host, so that root-relative links keep working.
        let mut listeners = Vec::new();
        let mut origin: HashMap<String, String> = HashMap::new();
        for s in &sites {
            let host = s.host();
            if origin.contains_key(&host) {
                continue;
            }
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            origin.insert(host.clone(), format!("http://{}", l.local_addr()?));
            listeners.push((host, l));
        }
        let rewrite = |body: &[u8]| -> Vec<u8> {
            let mut hosts: Vec<&String> = origin.keys().collect();
            // Longer hosts first, so that no host is rewritten inside another.
            hosts.sort_by_key(|h| std::cmp::Reverse(h.len()));
            let mut out = body.to_vec();
            for h in hosts {
                let to = origin[h].trim_start_matches("http://");
                out = replace_host(&out, h, to);
            }
            out
        };
        let mut routes: HashMap<String, Routes> = HashMap::new();
        let mut sources = String::new();
        for s in &sites {
            let r = routes.entry(s.host()).or_default();
            let mut articles = Vec::new();
            for p in &s.toml.page {
                // A page in several versions is served in its first.
                if p.step.is_some_and(|n| n != 1) {
                    continue;
                }
                r.insert(
                    p.path.clone(),
                    (p.content_type.clone(), rewrite(s.file(&p.file)?)),
                );
                if p.role == "article" {
                    articles.push(p.path.clone());
                }
            }
            let index = match &s.toml.list_url {
                Some(u) => String::from_utf8_lossy(&rewrite(u.as_bytes())).into_owned(),
                None => {
                    let path = s.made_list_path();
                    r.insert(
                        path.clone(),
                        (
                            "text/html; charset=utf-8".into(),
                            made_list(s, &articles)?.into_bytes(),
                        ),
                    );
                    format!("{}{path}", origin[&s.host()])
                }
            };
            // The bundled lists also link stories the corpus does not hold; following
            // them would fill the status page with 404s. Only the bundled ones are taken.
            // A path names a story unless several stories share it and differ by query
            // (SharePoint's Post.aspx?List=…&ID=…): then the whole path and query do.
            let path_of = |p: &str| p.split('?').next().unwrap_or(p).to_string();
            let bundled: Vec<String> = articles
                .iter()
                .map(|p| {
                    let path = path_of(p);
                    let shared = articles.iter().filter(|q| path_of(q) == path).count() > 1;
                    regex::escape(if shared { p } else { &path })
                })
                .collect();
            let only_bundled = format!(
                "^{}(?:{})(?:[?#]|$)",
                regex::escape(&origin[&s.host()]),
                bundled.join("|")
            );
            sources.push_str(&format!(
                "[[source]]\nid = {:?}\nname = {:?}\nurl = {:?}\nlink_pattern = '{}'\ntags = [{:?}]\n\n",
                s.id(),
                s.toml.name,
                index,
                only_bundled,
                if s.folder.starts_with("special") {
                    "dac-biet"
                } else {
                    "cong-thong-tin"
                }
            ));
        }
        let mut portals = Vec::new();
        for (host, listener) in listeners {
            portals.push((host.clone(), listener.local_addr()?));
            let routes = Arc::new(routes.remove(&host).unwrap_or_default());
            let app = axum::Router::new().fallback(move |req: Request<Body>| {
                let routes = routes.clone();
                async move { answer(&routes, &req) }
            });
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).await {
                    tracing::error!(error = %e, "demo portal stopped");
                }
            });
        }
        portals.sort();

        std::fs::create_dir_all(dir)?;
        let text = format!(
            "# Written by `portalfeed demo`: the bundled corpus portals, served on 127.0.0.1.\n\
             [daemon]\n\
             database = \"portalfeed.db\"\n\
             listen = \"{listen}\"\n\
             public_url = \"http://{listen}\"\n\
             schedule = \"*/10 * * * *\"\n\
             # The portals are local: no need to wait between requests.\n\
             per_host_delay = \"0s\"\n\
             jitter = \"0s\"\n\n\
             {sources}\
             [[feed]]\n\
             id = \"dan-van\"\n\
             title = \"Dân vận\"\n\
             include = [\"dân vận\"]\n"
        );
        let path = dir.join("portalfeed.toml");
        std::fs::write(&path, text)?;
        let config = Config::load(&path)?;
        Ok(Demo {
            dir: dir.to_path_buf(),
            config,
            portals,
        })
    }

    /// What to open: the status page, the feeds, the OPML.
    pub fn banner(&self) -> String {
        let base = self.config.daemon.public_url.as_str().trim_end_matches('/');
        let mut out = format!(
            "portalfeed demo: {} sources on {} local portals from the bundled corpus, no network needed.\n\
             The first crawl starts now; the feeds fill within seconds.\n\n\
             \x20 status page   {base}/\n\
             \x20 all items     {base}/feeds/all.atom   (also .rss and .json)\n",
            self.config.sources.len(),
            self.portals.len()
        );
        for (i, s) in self.config.sources.iter().enumerate() {
            out.push_str(&format!(
                "  {:<13} {base}/feeds/{}.atom\n",
                if i == 0 { "per source" } else { "" },
                s.id
            ));
        }
        for f in &self.config.feeds {
            out.push_str(&format!("  custom feed   {base}/feeds/{}.atom\n", f.id));
        }
        out.push_str(&format!(
            "  by tag        {base}/feeds/tag/cong-thong-tin.atom\n\
             \x20 OPML          {base}/opml\n\
             \x20 search        {base}/feeds/search.atom?q=dan+van\n\n\
             The portals:   {}\n\
             Configuration: {}\n\n\
             Ctrl-C stops the demo and deletes its folder.\n",
            self.portals
                .iter()
                .map(|(h, a)| format!("{h} → http://{a}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.config.path.display()
        ));
        out
    }
}

/// Runs the demo until Ctrl-C or SIGTERM: portals, configuration, daemon; then removes
/// the demo's folder.
pub async fn run(listen: SocketAddr) -> Result<(), DemoError> {
    let dir = std::env::temp_dir().join(format!("portalfeed-demo-{}", std::process::id()));
    let demo = Demo::start(listen, &dir).await?;
    // The demo's own lines are for a person watching: if stdout goes away (`demo | head`)
    // they are dropped, and the demo goes on serving.
    say(&demo.banner());
    // Progress for the newcomer watching: the item count while the first crawl runs.
    let database = demo.config.daemon.database.clone();
    let progress = tokio::spawn(async move {
        let mut shown = 0;
        for _ in 0..120 {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            let Ok(store) = crate::store::Store::open(&database) else {
                continue;
            };
            let items = store.item_count().unwrap_or(0);
            if items > shown {
                say(&format!("  {items} items in the feeds"));
                shown = items;
            }
        }
    });
    let result = crate::daemon::run(demo.config.clone()).await;
    progress.abort();
    if let Err(e) = std::fs::remove_dir_all(&demo.dir) {
        tracing::warn!(dir = %demo.dir.display(), error = %e, "cannot remove the demo folder");
    }
    result?;
    say("portalfeed demo stopped.");
    Ok(())
}

/// A line on stdout, dropped when nobody reads it any more.
fn say(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// A list page for a folder that has none: its articles under their expected titles.
fn made_list(site: &Site, articles: &[String]) -> Result<String, DemoError> {
    let mut titles = Vec::new();
    for f in site.dir.files() {
        let name = f.path().file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with("expected.json") {
            let v: serde_json::Value = serde_json::from_slice(f.contents())
                .map_err(|e| DemoError::Corpus(format!("{}: {e}", f.path().display())))?;
            titles.push(v["title"].as_str().unwrap_or("Bài viết").to_string());
        }
    }
    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Danh sách bài viết</title></head><body><div class=\"news-list\">",
    );
    for (i, path) in articles.iter().enumerate() {
        let title = titles
            .get(i)
            .or(titles.first())
            .cloned()
            .unwrap_or_default();
        html.push_str(&format!(
            "<div class=\"item\"><h3><a href=\"{path}\">{}</a></h3></div>",
            title.replace('&', "&amp;").replace('<', "&lt;")
        ));
    }
    html.push_str("</div></body></html>");
    Ok(html)
}

fn answer(routes: &Routes, req: &Request<Body>) -> Response<Body> {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let reply = |status: StatusCode, ct: &str, body: Vec<u8>| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap_or_default()
    };
    match routes.get(path) {
        Some((ct, body)) => reply(StatusCode::OK, ct, body.clone()),
        // The corpus keeps three articles per portal; the lists link more.
        None => reply(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            b"not in the demo corpus\n".to_vec(),
        ),
    }
}

/// `page` with the portal host `host` replaced by `to` (host and port) wherever it is a
/// URL's host (after `//`, so also protocol-relative); `https://` becomes `http://`, the
/// demo portals' scheme. `a.test` inside `a.test.vn` is left alone.
fn replace_host(page: &[u8], host: &str, to: &str) -> Vec<u8> {
    let needle = format!("//{host}");
    let needle = needle.as_bytes();
    let mut out = Vec::with_capacity(page.len());
    let mut i = 0;
    while i < page.len() {
        let at_host = page[i..].starts_with(needle)
            && page
                .get(i + needle.len())
                .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'.' || *b == b'-'));
        if at_host {
            if out.ends_with(b"https:") {
                out.truncate(out.len() - "https:".len());
                out.extend_from_slice(b"http:");
            }
            out.extend_from_slice(b"//");
            out.extend_from_slice(to.as_bytes());
            i += needle.len();
        } else {
            out.push(page[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_bundled() {
        let sites = sites().unwrap();
        assert!(sites.len() >= 9, "{}", sites.len());
        let ids: Vec<String> = sites.iter().map(Site::id).collect();
        assert!(ids.contains(&"longan-portal".to_string()), "{ids:?}");
        assert!(ids.contains(&"windows-1258".to_string()), "{ids:?}");
        for s in &sites {
            for p in &s.toml.page {
                assert!(s.file(&p.file).is_ok(), "{}/{}", s.folder, p.file);
            }
        }
    }

    #[test]
    fn rewriting_leaves_other_hosts_alone() {
        let out = replace_host(
            b"<a href=\"http://a.test/x\">http://a.test.vn/ https://a.test?q //a.test</a>",
            "a.test",
            "127.0.0.1:9",
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<a href=\"http://127.0.0.1:9/x\">http://a.test.vn/ http://127.0.0.1:9?q //127.0.0.1:9</a>"
        );
    }
}
