//! Feeds a reader can trust: every format and feed kind served by the real daemon from the
//! crawled corpus, conditional requests, compression, HEAD, caching, OPML, export,
//! metrics, the status page, and content from a hacked portal that must not attack
//! readers in any format.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use common::*;
use portalfeed::feed::{self, Format};
use portalfeed::serve::AppState;
use portalfeed::store::{SaveOutcome, Store};
use portalfeed::text::Identity;

const CUSTOM: &str = "\n[[feed]]\nid = \"dan-van-kheo\"\ntitle = \"Dân vận khéo\"\ntags = [\"portal\"]\ninclude = [\"dân vận khéo\"]\nexclude = [\"Tà Long\"]\nlimit = 100\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_and_feed_kind() {
    let server = PortalServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let config = write_config(dir.path(), &listen, "0 0 1 1 *");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(CUSTOM);
    std::fs::write(&config, text).unwrap();
    let cfg = config.to_str().unwrap();
    let crawl = run_with_proxy(&server, &["crawl", "--config", cfg]);
    assert!(
        crawl.status.success(),
        "{}",
        String::from_utf8_lossy(&crawl.stdout)
    );

    let daemon = spawn_daemon(&server, &config);
    let base = format!("http://{listen}");
    wait_until_up(&format!("{base}/healthz"), Duration::from_secs(20)).await;
    let c = client();

    // JSON Feed 1.1 with the same items as Atom.
    let atom = get_text(format!("{base}/feeds/all.atom")).await;
    let json = c
        .get(format!("{base}/feeds/all.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(json.headers()["content-type"], "application/feed+json");
    let json_body = json.text().await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&json_body).unwrap();
    assert_eq!(v["version"], "https://jsonfeed.org/version/1.1");
    let atom_feed = feed_rs::parser::parse(atom.as_bytes()).unwrap();
    let json_feed = feed_rs::parser::parse(json_body.as_bytes()).unwrap();
    assert_eq!(atom_feed.entries.len(), json_feed.entries.len());
    let ids = |f: &feed_rs::model::Feed| {
        let mut v: Vec<String> = f.entries.iter().map(|e| e.id.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(ids(&atom_feed), ids(&json_feed));
    assert!(
        v["items"][0]["date_published"]
            .as_str()
            .unwrap()
            .ends_with("+07:00")
    );

    // RSS extras: enclosure for the lead image, categories for source and tags.
    let rss = get_text(format!("{base}/feeds/all.rss")).await;
    assert!(
        rss.contains("<enclosure url=\"http://"),
        "lead image enclosure"
    );
    assert!(
        rss.contains("<category>portal</category>"),
        "tags as categories"
    );

    // The custom feed: only items with the phrase (folded), none with the excluded one.
    let custom = feed_rs::parser::parse(
        c.get(format!("{base}/feeds/dan-van-kheo.atom"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .as_ref(),
    )
    .unwrap();
    assert!(custom.entries.len() >= 3, "{}", custom.entries.len());
    for e in &custom.entries {
        let all = portalfeed::text::fold_search(&format!(
            "{} {}",
            e.title.as_ref().unwrap().content,
            e.content.as_ref().unwrap().body.as_deref().unwrap_or("")
        ));
        assert!(all.contains("dan van kheo"), "{all}");
        assert!(!all.contains("ta long"), "excluded: {all}");
    }

    // OPML lists every feed.
    let opml = get_text(format!("{base}/opml")).await;
    let cfg_loaded = portalfeed::config::Config::load(&config).unwrap();
    assert_eq!(
        opml.matches("<outline ").count(),
        feed::catalog(&cfg_loaded).len()
    );
    assert!(opml.contains("/feeds/tag/special.atom") && opml.contains("/feeds/dan-van-kheo.atom"));
    let cli_opml = binary().args(["opml", "--config", cfg]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&cli_opml.stdout), opml);

    // HEAD, compression, conditional requests.
    let head = c
        .head(format!("{base}/feeds/all.atom"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert!(head.headers().contains_key("etag"));
    assert_eq!(head.bytes().await.unwrap().len(), 0);
    let gz = reqwest::Client::builder()
        .no_proxy()
        .no_gzip()
        .no_brotli()
        .build()
        .unwrap();
    let compressed = gz
        .get(format!("{base}/feeds/all.atom"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "gzip");
    let lm = c
        .get(format!("{base}/feeds/all.atom"))
        .send()
        .await
        .unwrap()
        .headers()["last-modified"]
        .clone();
    let since = c
        .get(format!("{base}/feeds/all.atom"))
        .header("If-Modified-Since", lm)
        .send()
        .await
        .unwrap();
    assert_eq!(since.status(), 304);
    let post = c
        .post(format!("{base}/feeds/all.atom"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405, "only GET and HEAD");
    let traversal = c
        .get(format!("{base}/feeds/..%2F..%2Fetc%2Fpasswd"))
        .send()
        .await
        .unwrap();
    assert_eq!(traversal.status(), 404);

    // Metrics and the status page.
    let metrics = get_text(format!("{base}/metrics")).await;
    assert!(
        metrics.contains("portalfeed_feed_requests_total{format=\"atom\",status=\"200\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("portalfeed_items "));
    let status = get_text(format!("{base}/")).await;
    assert!(status.contains("<svg class=\"chart\""), "{status}");
    assert!(status.contains("/feeds/dan-van-kheo.atom"));

    let exit = terminate(daemon);
    assert!(exit.success());

    // Static export: every feed in every format, and the OPML, all parseable.
    let out = dir.path().join("public");
    let export = binary()
        .args(["export", "--config", cfg, out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let expected_files = feed::catalog(&cfg_loaded).len() * 3 + 1;
    let mut files = Vec::new();
    let mut stack = vec![out.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    assert_eq!(files.len(), expected_files, "{files:?}");
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e != "xml"))
    {
        assert!(
            feed_rs::parser::parse(std::fs::read(f).unwrap().as_slice()).is_ok(),
            "{}",
            f.display()
        );
    }
}

/// One source, `a`, in a fresh store, with the server state over it and its `all` feed.
struct OneSource {
    _dir: tempfile::TempDir,
    store: Arc<Store>,
    state: Arc<AppState>,
    all: feed::FeedEntry,
}

fn one_source() -> OneSource {
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(
        portalfeed::config::Config::from_str(
            "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\n",
            &dir.path().join("c.toml"),
        )
        .unwrap(),
    );
    let store = Arc::new(Store::open(&dir.path().join("t.db")).unwrap());
    store.sync_sources(&config.sources).unwrap();
    let state = AppState::new(store.clone(), config.clone());
    let all = feed::catalog(&config)
        .into_iter()
        .find(|e| e.key == "all")
        .unwrap();
    OneSource {
        _dir: dir,
        store,
        state,
        all,
    }
}

#[test]
fn a_cached_feed_costs_no_query_until_the_store_changes() {
    let OneSource {
        _dir,
        store,
        state,
        all: entry,
    } = one_source();
    let first = state
        .render(&entry, Format::Atom, "feeds/all.atom", true)
        .unwrap();
    let queries = store.feed_queries();
    let again = state
        .render(&entry, Format::Atom, "feeds/all.atom", true)
        .unwrap();
    assert_eq!(store.feed_queries(), queries, "served from memory");
    assert_eq!(again.etag, first.etag);
    let a = portalfeed::extract::Article {
        url: "http://a.test/1".into(),
        title: "Tin mới".into(),
        published: None,
        author: None,
        credit: None,
        paragraphs: vec!["Một đoạn văn của bài viết mới được lưu vào cơ sở dữ liệu.".into()],
        content_html: "<p>Một đoạn văn.</p>".into(),
        images: vec![],
        attachments: vec![],
        categories: vec![],
        document: None,
        profile: None,
        container: Default::default(),
    };
    assert_eq!(
        store
            .save(
                "a",
                "http://a.test/1",
                &a,
                &Identity::of(&a.paragraphs),
                Utc::now()
            )
            .unwrap(),
        SaveOutcome::New
    );
    let fresh = state
        .render(&entry, Format::Atom, "feeds/all.atom", true)
        .unwrap();
    assert_ne!(fresh.etag, first.etag, "a new item invalidates the cache");
    assert!(String::from_utf8_lossy(&fresh.body).contains("Tin mới"));
}

/// Known XSS filter-evasion vectors, as a hacked portal could publish them.
const VECTORS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.test/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<a href=\"javascript:alert(1)\">nhấn vào đây</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">xem</a>",
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    "<BODY ONLOAD=alert('XSS')>",
    "<iframe src=\"javascript:alert('XSS');\"></iframe>",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">chữ</DIV>",
    "<div style=\"width: expression(alert('XSS'));\">chữ</div>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+\">",
    "<<SCRIPT>alert(\"XSS\");//<</SCRIPT>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\">",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<link rel=\"stylesheet\" href=\"javascript:alert(1)\">",
    "<p style=\"color:red\" onclick=\"alert(1)\">đoạn văn</p>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
];

#[test]
fn xss_vectors_do_not_survive_in_any_format() {
    let OneSource {
        _dir,
        store,
        state,
        all: entry,
    } = one_source();
    let body: String = VECTORS
        .iter()
        .enumerate()
        .map(|(i, v)| format!("<p>Đoạn văn số {i} của một bài viết bị chèn mã độc vào giữa nội dung: {v} và phần còn lại của câu.</p>"))
        .collect();
    let page = format!(
        "<html><head><title>Bài bị tấn công</title></head><body><h1>Bài bị tấn công</h1><div class=\"content\">{body}</div></body></html>"
    );
    let url = url::Url::parse("http://a.test/tin-tuc/bai-bi-tan-cong-1.html").unwrap();
    let article = portalfeed::extract::extract(&page, &url, &Default::default()).unwrap();
    assert!(
        article.paragraphs.len() >= VECTORS.len() / 2,
        "the text itself is kept"
    );
    store
        .save(
            "a",
            url.as_str(),
            &article,
            &Identity::of(&article.paragraphs),
            Utc::now(),
        )
        .unwrap();
    let allowed_tags = [
        "html", "head", "body", "p", "a", "img", "div", "br", "strong", "em",
    ];
    for format in [Format::Atom, Format::Rss, Format::Json] {
        let rendered = state.render(&entry, format, "feeds/all", false).unwrap();
        let parsed = feed_rs::parser::parse(rendered.body.as_ref()).unwrap();
        let html = parsed.entries[0]
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default();
        assert!(html.contains("phần còn lại"), "{format:?}: content present");
        // What a reader would render: only harmless elements, no event handlers or
        // styles, and every link or image on http(s) or mailto.
        let doc = scraper::Html::parse_fragment(&html);
        for node in doc.tree.nodes() {
            let Some(el) = node.value().as_element() else {
                continue;
            };
            assert!(
                allowed_tags.contains(&el.name()),
                "{format:?}: <{}> survived in\n{html}",
                el.name()
            );
            for (name, value) in el.attrs() {
                assert!(
                    !name.starts_with("on") && name != "style",
                    "{format:?}: {name}={value:?} survived"
                );
                if name == "href" || name == "src" {
                    let v = value.trim().to_ascii_lowercase();
                    assert!(
                        v.starts_with("http://")
                            || v.starts_with("https://")
                            || v.starts_with("mailto:"),
                        "{format:?}: {name}={value:?}"
                    );
                }
            }
        }
        let lower = rendered.body.to_ascii_lowercase();
        assert!(
            !String::from_utf8_lossy(&lower).contains("<script"),
            "{format:?}: a raw script tag in the feed document"
        );
    }
}

/// A broken portal's control characters (an escape sequence in a title, a NUL in an
/// author) are stripped from every format alike: JSON kept what the XML formats dropped.
#[test]
fn control_characters_are_stripped_in_every_format() {
    let OneSource {
        _dir,
        store,
        state,
        all: entry,
    } = one_source();
    let article = portalfeed::extract::Article {
        url: "http://a.test/1".into(),
        title: "Tin \u{1b}[2Jmới\u{7}".into(),
        published: None,
        author: Some("Minh\u{0} Trí".into()),
        credit: None,
        paragraphs: vec![
            "Một đoạn văn\u{1b}]0;x\u{7} của bài viết mới được lưu vào cơ sở dữ liệu.".into(),
        ],
        content_html: "<p>Một đoạn văn.</p>".into(),
        images: vec![],
        attachments: vec![],
        categories: vec![],
        document: None,
        profile: None,
        container: Default::default(),
    };
    store
        .save(
            "a",
            &article.url,
            &article,
            &Identity::of(&article.paragraphs),
            Utc::now(),
        )
        .unwrap();
    for format in [Format::Atom, Format::Rss, Format::Json] {
        let rendered = state.render(&entry, format, "feeds/all", false).unwrap();
        let body = String::from_utf8_lossy(rendered.body.as_ref()).to_string();
        assert!(
            !body.contains('\u{1b}') && !body.contains('\u{7}') && !body.contains('\u{0}'),
            "{format:?} keeps a control character"
        );
        // JSON escapes them rather than writing them raw: the escapes are gone too.
        assert!(
            !body.contains("\\u001b") && !body.contains("\\u0007") && !body.contains("\\u0000"),
            "{format:?} keeps an escaped control character"
        );
        let parsed = feed_rs::parser::parse(rendered.body.as_ref()).unwrap();
        let title = parsed.entries[0].title.as_ref().unwrap().content.clone();
        assert_eq!(title, "Tin [2Jmới", "{format:?}");
    }
}

/// A feed with no items yet is dated now-ish, not 1970-01-01.
#[test]
fn an_empty_feed_is_not_dated_1970() {
    let OneSource {
        _dir,
        state,
        all: entry,
        ..
    } = one_source();
    let before = Utc::now() - chrono::Duration::days(1);
    for format in [Format::Atom, Format::Rss] {
        let rendered = state.render(&entry, format, "feeds/all", false).unwrap();
        let body = String::from_utf8_lossy(rendered.body.as_ref()).to_string();
        assert!(!body.contains("1970"), "{format:?}: {body}");
        let parsed = feed_rs::parser::parse(rendered.body.as_ref()).unwrap();
        assert!(parsed.entries.is_empty());
        if let Some(updated) = parsed.updated {
            assert!(updated > before, "{format:?} dated {updated}");
        }
    }
}
