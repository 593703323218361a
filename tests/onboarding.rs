//! Adding a portal: `discover` writes blocks that crawl exactly the news list, `preview`
//! shows what `extract` shows, and `demo` runs offline.

mod common;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use scraper::{ElementRef, Html, Selector};
use url::Url;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The links of a list page's news list, by an oracle independent of portalfeed: the
/// smallest element holding the anchors of the corpus's own articles (which the corpus
/// says are list items), and every link inside it.
/// The feeds a portal's list page advertises: a run reads them as the site's word on
/// which of the list's links are articles.
fn advertised_feeds(site: &Site) -> HashSet<String> {
    let list_url = Url::parse(site.toml.list_url.as_ref().unwrap()).unwrap();
    let list = site.toml.page.iter().find(|p| p.role == "list").unwrap();
    let bytes = std::fs::read(site.dir.join(&list.file)).unwrap();
    let html = portalfeed::fetch::decode::decode_html(&bytes, Some(&list.content_type))
        .unwrap()
        .text;
    portalfeed::index::advertised_feeds(&html, &list_url)
        .iter()
        .map(|u| path_of(u.as_str()))
        .collect()
}

fn main_list_links(site: &Site) -> HashSet<String> {
    let list_url = Url::parse(site.toml.list_url.as_ref().unwrap()).unwrap();
    let list = site
        .toml
        .page
        .iter()
        .find(|p| p.role == "list")
        .expect("a list page");
    let bytes = std::fs::read(site.dir.join(&list.file)).unwrap();
    let html = portalfeed::fetch::decode::decode_html(&bytes, Some(&list.content_type))
        .unwrap()
        .text;
    let doc = Html::parse_document(&html);
    let a = Selector::parse("a[href]").unwrap();
    let resolve = |e: &ElementRef| {
        list_url
            .join(e.value().attr("href").unwrap().trim())
            .ok()
            .map(|u| portalfeed::text::canonical_url(&u).to_string())
    };
    let articles: HashSet<String> = site
        .toml
        .page
        .iter()
        .filter(|p| p.role == "article")
        .map(|p| portalfeed::text::canonical_url(&list_url.join(&p.path).unwrap()).to_string())
        .collect();
    let anchors: Vec<ElementRef> = doc
        .select(&a)
        .filter(|e| resolve(e).is_some_and(|u| articles.contains(&u)))
        .collect();
    assert!(
        !anchors.is_empty(),
        "{}: no corpus article linked",
        site.folder
    );
    let first_chain: Vec<_> = anchors[0].ancestors().collect();
    let container = first_chain
        .into_iter()
        .find(|n| {
            anchors
                .iter()
                .all(|e| e.ancestors().any(|x| x.id() == n.id()))
        })
        .and_then(ElementRef::wrap)
        .expect("a common ancestor");
    let inside: HashSet<String> = container.select(&a).filter_map(|e| resolve(&e)).collect();
    let on_page: HashSet<String> = doc.select(&a).filter_map(|e| resolve(&e)).collect();
    // The oracle must leave the page's chrome out, or it would allow everything.
    assert!(
        inside.len() * 2 < on_page.len(),
        "{}: the list holds {} of the page's {} links",
        site.folder,
        inside.len(),
        on_page.len()
    );
    inside
}

fn path_of(url: &str) -> String {
    let u = Url::parse(url).unwrap();
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn discovered_blocks_crawl_the_news_list_and_nothing_else() {
    let server = PortalServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portalfeed.toml");
    let original = "# my portals\n[daemon]\nper_host_delay = \"0s\"   # local test server\nschedule = \"0 0 1 1 *\"\nuser_agent = \"portalfeed-test\"\n";
    std::fs::write(&config, original).unwrap();
    let cfg = config.to_str().unwrap();
    let portals: Vec<Site> = sites()
        .into_iter()
        .filter(|s| !s.folder.starts_with("special"))
        .collect();
    assert_eq!(portals.len(), 5);
    for site in &portals {
        let list_url = site.toml.list_url.clone().unwrap();
        let out = run_with_proxy(&server, &["discover", "--write", cfg, &list_url]);
        let block = stdout(&out);
        assert!(
            out.status.success(),
            "{}: {block}\n{}",
            site.folder,
            stderr(&out)
        );
        assert!(block.contains("[[source]]"), "{block}");
        assert!(block.contains(&format!("url = \"{list_url}\"")), "{block}");
        // The sample is the list's own headlines.
        let expected = site.expected();
        assert!(
            expected
                .iter()
                .any(|(_, e)| block.contains(e["title"].as_str().unwrap())),
            "{}: no corpus headline in the sample:\n{block}",
            site.folder
        );
        assert!(block.contains("# platform: "), "{block}");
    }
    // The file kept its own text, and gained one source per site.
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(written.starts_with(original), "{written}");
    let parsed = portalfeed::config::Config::load(&config).unwrap();
    assert_eq!(parsed.sources.len(), 5);

    // Used as is, each block crawls the site's three articles…
    let before = server.requests().len();
    let crawl = run_with_proxy(&server, &["crawl", "--config", cfg]);
    let out = stdout(&crawl);
    for s in &parsed.sources {
        let row: Vec<&str> = out
            .lines()
            .find(|l| l.starts_with(&format!("{} ", s.id)))
            .unwrap_or_else(|| panic!("no row for {}: {out}", s.id))
            .split_whitespace()
            .collect();
        assert_eq!(row[2], "3", "{}: {out}", s.id);
    }
    // …and requests nothing outside the news list and the feeds it advertises: no
    // menu, sidebar or related link.
    let requests: Vec<(String, String)> = server.requests()[before..].to_vec();
    for site in &portals {
        let host = site.host();
        let allowed: HashSet<String> = main_list_links(site)
            .iter()
            .map(|u| path_of(u))
            .chain(advertised_feeds(site))
            .collect();
        let list_path = path_of(site.toml.list_url.as_ref().unwrap());
        let stray: Vec<&String> = requests
            .iter()
            .filter(|(h, p)| *h == host && *p != list_path && p != "/robots.txt")
            .map(|(_, p)| p)
            .filter(|p| !allowed.contains(*p))
            // The next list page (max_pages = 2) is part of the list.
            .filter(|p| !p.to_ascii_lowercase().contains("page"))
            .filter(|p| !p.contains("_cur=2"))
            .collect();
        assert!(stray.is_empty(), "{}: requested {stray:?}", site.folder);
    }
}

/// A home page with a menu: discover must go to the news section, find the feed and the
/// sitemap, and read a sample article.
#[tokio::test(flavor = "multi_thread")]
async fn discover_finds_the_news_section_from_a_home_page() {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let article = |n: usize| {
        format!(
            "<html><head><meta charset=\"utf-8\"><title>Bài {n} - Trang thông tin điện tử xã Tân Lập</title></head><body>\
             <ul class=\"menu\"><li><a href=\"/\">Trang chủ</a></li><li><a href=\"/tin-tuc/\">Tin tức</a></li></ul>\
             <div class=\"content\"><h1>Xã Tân Lập tổ chức hội nghị số {n} về công tác dân vận</h1>\
             <div class=\"date\">Ngày 0{n}/03/2024 08:30</div>\
             <p>Sáng ngày 0{n}/3, Ủy ban nhân dân xã Tân Lập tổ chức hội nghị triển khai công tác dân vận năm 2024 với sự tham dự của đông đảo cán bộ, đảng viên và nhân dân trên địa bàn xã.</p>\
             <p>Tại hội nghị, các đại biểu đã thảo luận nhiều giải pháp nhằm nâng cao hiệu quả phong trào thi đua Dân vận khéo, gắn với xây dựng nông thôn mới kiểu mẫu ở các thôn.</p>\
             <p>Kết thúc hội nghị, xã đã khen thưởng {n} tập thể và cá nhân có thành tích xuất sắc.</p></div></body></html>"
        )
    };
    let list: String = (1..=4)
        .map(|n| {
            format!(
                "<div class=\"item\"><h3><a href=\"/tin-tuc/xa-tan-lap-to-chuc-hoi-nghi-so-{n}-ve-cong-tac-dan-van.html\">Xã Tân Lập tổ chức hội nghị số {n} về công tác dân vận</a></h3><p>Tóm tắt bài viết số {n} về công tác dân vận của xã.</p></div>"
            )
        })
        .collect();
    let section = format!(
        "<html><head><meta charset=\"utf-8\"><title>Tin tức - Trang thông tin điện tử xã Tân Lập</title></head><body>\
         <ul class=\"menu\"><li><a href=\"/\">Trang chủ</a></li><li><a href=\"/gioi-thieu/\">Giới thiệu</a></li><li><a href=\"/tin-tuc/\">Tin tức</a></li></ul>\
         <div class=\"news-list\">{list}</div>\
         <div class=\"sidebar\"><h4>Xem nhiều</h4><a href=\"/tin-tuc/thong-bao-lich-tiep-cong-dan-thang-3-nam-2024.html\">Thông báo lịch tiếp công dân tháng 3 năm 2024</a></div></body></html>"
    );
    let home = "<html><head><meta charset=\"utf-8\"><title>Trang thông tin điện tử xã Tân Lập</title>\
        <link rel=\"alternate\" type=\"application/rss+xml\" title=\"Tin tức\" href=\"/feed/\"></head><body>\
        <ul class=\"menu\"><li><a href=\"/\">Trang chủ</a></li><li><a href=\"/gioi-thieu/\">Giới thiệu</a></li>\
        <li><a href=\"/tin-tuc/\">Tin tức</a></li><li><a href=\"/van-ban/\">Văn bản</a></li><li><a href=\"/lien-he/\">Liên hệ</a></li></ul>\
        <div class=\"hot\"><a href=\"/tin-tuc/xa-tan-lap-to-chuc-hoi-nghi-so-1-ve-cong-tac-dan-van.html\">Xã Tân Lập tổ chức hội nghị số 1 về công tác dân vận</a></div>\
        </body></html>";
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Tin tức</title><link>{base}/</link>{}</channel></rss>",
        (1..=4)
            .map(|n| format!("<item><title>Bài {n}</title><link>{base}/tin-tuc/xa-tan-lap-to-chuc-hoi-nghi-so-{n}-ve-cong-tac-dan-van.html</link></item>"))
            .collect::<String>()
    );
    let robots = format!("User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n");
    let html = |b: String| ([("content-type", "text/html; charset=utf-8")], b);
    let mut app = axum::Router::new()
        .route("/", get(move || async move { html(home.to_string()) }))
        .route("/tin-tuc/", get(move || async move { html(section) }))
        .route(
            "/feed/",
            get(move || async move { ([("content-type", "application/rss+xml")], feed) }),
        )
        .route("/robots.txt", get(move || async move { robots }))
        .route(
            "/gioi-thieu/",
            get(move || async move {
                html("<html><head><meta charset=\"utf-8\"><title>Giới thiệu - Trang thông tin điện tử xã Tân Lập</title></head><body>\
                      <ul class=\"menu\"><li><a href=\"/\">Trang chủ</a></li><li><a href=\"/tin-tuc/\">Tin tức</a></li></ul>\
                      <p>Xã Tân Lập nằm ở phía bắc huyện, có diện tích tự nhiên 25 km².</p></body></html>".to_string())
            }),
        );
    for n in 1..=4 {
        let page = article(n);
        app = app.route(
            &format!("/tin-tuc/xa-tan-lap-to-chuc-hoi-nghi-so-{n}-ve-cong-tac-dan-van.html"),
            get(move || async move { html(page) }),
        );
    }
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("settings.toml");
    std::fs::write(&settings, "[daemon]\nper_host_delay = \"0s\"\n").unwrap();
    let out = binary()
        .args([
            "discover",
            "--config",
            settings.to_str().unwrap(),
            "--id",
            "tan-lap",
        ])
        .arg(format!("{base}/"))
        .output()
        .unwrap();
    let block = stdout(&out);
    assert!(out.status.success(), "{block}\n{}", stderr(&out));
    assert!(
        block.contains(&format!("url = \"{base}/tin-tuc/\"")),
        "{block}"
    );
    assert!(block.contains("id = \"tan-lap\""), "{block}");
    assert!(
        block.contains("name = \"Trang thông tin điện tử xã Tân Lập\""),
        "{block}"
    );
    assert!(block.contains(&format!("# feed: {base}/feed/")), "{block}");
    assert!(block.contains("4 items, 4 on this site"), "{block}");
    assert!(
        block.contains(&format!("# sitemap (robots.txt): {base}/sitemap.xml")),
        "{block}"
    );
    assert!(block.contains("4 articles found"), "{block}");
    assert!(
        block.contains("#   - Xã Tân Lập tổ chức hội nghị số 1 về công tác dân vận"),
        "{block}"
    );
    assert!(!block.contains("Thông báo lịch tiếp công dân"), "{block}");
    assert!(
        block.contains("first article read: \"Xã Tân Lập tổ chức hội nghị số 1 về công tác dân vận\", 2024-03-01 08:30 +07:00"),
        "{block}"
    );
    assert!(
        block.contains(&format!(
            "# the list and the feed {base}/feed/ carry the same articles (4 in both); the list is used"
        )),
        "{block}"
    );
    assert!(!block.contains("warning"), "{block}");

    // Given the feed itself, the block reads the feed.
    let out = binary()
        .args(["discover", "--config", settings.to_str().unwrap()])
        .arg(format!("{base}/feed/"))
        .output()
        .unwrap();
    let block = stdout(&out);
    assert!(out.status.success(), "{block}\n{}", stderr(&out));
    assert!(block.contains("kind = \"feed\""), "{block}");
    assert!(
        block.contains(&format!("url = \"{base}/feed/\"")),
        "{block}"
    );
    assert!(block.contains("4 articles found"), "{block}");

    // From any page of the site (here "Giới thiệu"), the menu leads to the news.
    let target = dir.path().join("portalfeed.toml");
    let original = "# portals\n[daemon]\nper_host_delay = \"0s\"\n";
    std::fs::write(&target, original).unwrap();
    let write = || {
        binary()
            .args([
                "discover",
                "--id",
                "tan-lap",
                "--write",
                target.to_str().unwrap(),
            ])
            .arg(format!("{base}/gioi-thieu/"))
            .output()
            .unwrap()
    };
    let out = write();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains(&format!("url = \"{base}/tin-tuc/\"")),
        "{}",
        stdout(&out)
    );
    let after_first = std::fs::read_to_string(&target).unwrap();
    assert!(after_first.starts_with(original), "{after_first}");
    // A second block with the same id would make the file invalid: it is not written.
    let out = write();
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(stderr(&out).contains("tan-lap"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), after_first);
}

/// A WordPress-style home page: its own list mixes every section and prints "Continue
/// reading …" under each headline, and it advertises a feed per section. discover takes
/// the news section, shows headlines, and lists every feed.
#[tokio::test(flavor = "multi_thread")]
async fn discover_prefers_a_section_shows_headlines_and_lists_every_feed() {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let post = |n: usize| {
        format!(
            "<article class=\"post\"><h2 class=\"entry-title\"><a href=\"/{n}/uy-ban-xa-trien-khai-nhiem-vu-so-{n}-nam-2024/\">Ủy ban xã triển khai nhiệm vụ số {n} năm 2024</a></h2>\
             <div class=\"entry-summary\"><p>Tóm tắt nhiệm vụ số {n} của xã trong năm, với các chỉ tiêu cụ thể.</p>\
             <p><a class=\"more-link\" href=\"/{n}/uy-ban-xa-trien-khai-nhiem-vu-so-{n}-nam-2024/\">Continue reading Ủy ban xã triển khai nhiệm vụ số {n} năm 2024</a></p></div></article>"
        )
    };
    let feeds: String = (1..=14)
        .map(|n| format!("<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/chuyen-muc-{n}/feed/\">"))
        .collect();
    let menu = "<nav><ul class=\"menu\"><li><a href=\"/\">Trang chủ</a></li><li><a href=\"/category/tin-tuc/\">Tin tức</a></li><li><a href=\"/lien-he/\">Liên hệ</a></li></ul></nav>";
    let home = format!(
        "<html><head><meta charset=\"utf-8\"><title>Xã Hòa Bình</title>{feeds}</head><body>{menu}<main>{}</main></body></html>",
        (1..=6).map(post).collect::<String>()
    );
    let section = format!(
        "<html><head><meta charset=\"utf-8\"><title>Tin tức - Xã Hòa Bình</title></head><body>{menu}<main>{}</main></body></html>",
        (1..=4).map(post).collect::<String>()
    );
    let html = |b: String| ([("content-type", "text/html; charset=utf-8")], b);
    let app = axum::Router::new()
        .route("/", get(move || async move { html(home) }))
        .route(
            "/category/tin-tuc/",
            get(move || async move { html(section) }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("settings.toml");
    std::fs::write(&settings, "[daemon]\nper_host_delay = \"0s\"\n").unwrap();
    let out = binary()
        .args(["discover", "--config", settings.to_str().unwrap()])
        .arg(format!("{base}/"))
        .output()
        .unwrap();
    let block = stdout(&out);
    assert!(out.status.success(), "{block}\n{}", stderr(&out));
    assert!(
        block.contains(&format!("url = \"{base}/category/tin-tuc/\"")),
        "a section, not the home page: {block}"
    );
    assert!(
        block.contains("#   - Ủy ban xã triển khai nhiệm vụ số 1 năm 2024\n"),
        "{block}"
    );
    assert!(!block.contains("Continue reading"), "{block}");
    for n in 1..=14 {
        assert!(
            block.contains(&format!("# feed: {base}/chuyen-muc-{n}/feed/")),
            "feed {n} missing: {block}"
        );
    }
    // The id names the port: two portals on one machine get two ids.
    let port = base.rsplit(':').next().unwrap();
    assert!(
        block.contains(&format!("id = \"127-0-0-1-{port}\"")),
        "{block}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_json_is_what_extract_prints() {
    let server = PortalServer::start().await;
    for site in sites()
        .into_iter()
        .filter(|s| !s.folder.starts_with("special"))
    {
        let page = site
            .toml
            .page
            .iter()
            .find(|p| p.role == "article")
            .unwrap()
            .clone();
        let url = format!("{}{}", site.toml.base_url, page.path);
        let preview = run_with_proxy(&server, &["preview", "--json", &url]);
        assert!(preview.status.success(), "{}", stderr(&preview));
        let extract = binary()
            .args([
                "extract",
                "--url",
                &url,
                "--content-type",
                &page.content_type,
            ])
            .arg(site.dir.join(&page.file))
            .output()
            .unwrap();
        assert!(extract.status.success(), "{}", stderr(&extract));
        let p: serde_json::Value = serde_json::from_slice(&preview.stdout).unwrap();
        let e: serde_json::Value = serde_json::from_slice(&extract.stdout).unwrap();
        assert_eq!(p, e, "{}", site.folder);
        let keys: Vec<&String> = p.as_object().unwrap().keys().collect();
        for k in [
            "url",
            "title",
            "published",
            "author",
            "source",
            "text",
            "content_html",
            "images",
            "profile",
        ] {
            assert!(keys.contains(&&k.to_string()), "{k}");
        }

        // The human view shows the same item.
        let human = run_with_proxy(&server, &["preview", &url]);
        let text = stdout(&human);
        assert!(human.status.success(), "{}", stderr(&human));
        assert!(
            text.contains(&format!("Title:     {}", e["title"].as_str().unwrap())),
            "{text}"
        );
        assert!(text.contains("Profile:"), "{text}");
        let first_para = e["text"].as_str().unwrap().split("\n\n").next().unwrap();
        let first_words: String = first_para.split(' ').take(5).collect::<Vec<_>>().join(" ");
        assert!(text.contains(&first_words), "{text}");
        let html = run_with_proxy(&server, &["preview", "--html", &url]);
        assert_eq!(
            stdout(&html).trim_end(),
            e["content_html"].as_str().unwrap().trim_end()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_serves_feeds_offline_and_stops_on_sigint() {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    // No corpus server and no proxy: everything the demo needs is in the binary.
    let mut child = binary()
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .args(["demo", "--listen", &listen])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let c = client();
    let feed_url = format!("http://{listen}/feeds/all.atom");
    let mut entries = 0;
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(r) = c.get(&feed_url).send().await
            && r.status().is_success()
        {
            let body = r.bytes().await.unwrap();
            let feed = feed_rs::parser::parse(&body[..]).unwrap();
            entries = feed.entries.len();
            if entries > 0 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(entries > 0, "no entry in {feed_url} within 30 s");
    // The status page lists the demo's sources; once every source has run, none of
    // them notes a 404 (the bundled lists also link stories the corpus lacks, which the
    // demo's sources leave alone).
    let mut status = get_text(format!("http://{listen}/")).await;
    while !status.contains(" 0 not run yet") && started.elapsed() < Duration::from_secs(40) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        status = get_text(format!("http://{listen}/")).await;
    }
    assert!(status.contains("longan-portal"), "{status}");
    assert!(
        status.contains(": 0 failing, 0 with a note, 0 not run yet"),
        "{status}"
    );
    assert!(!status.contains("HTTP 404"), "{status}");

    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "demo did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let text = stdout(&out);
    assert!(status.success(), "{status}: {text}\n{}", stderr(&out));
    assert!(
        text.contains(&format!("status page   http://{listen}/")),
        "{text}"
    );
    assert!(text.contains(&feed_url), "{text}");
    // Its temporary folder is gone.
    let config_line = text
        .lines()
        .find_map(|l| l.strip_prefix("Configuration: "))
        .expect("the configuration path is printed");
    let folder = std::path::Path::new(config_line.trim()).parent().unwrap();
    assert!(!folder.exists(), "{} left behind", folder.display());
}
