//! Official documents: the files an article carries reach every feed format as
//! enclosures, with the size and type a `HEAD` request found, and no file is fetched.

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use common::binary;

const ARTICLE: &str = "/tin-tuc/trien-khai-ke-hoach-cai-cach-hanh-chinh-nam-2024-1234.html";
const PDF: &str = "/uploads/news/2024_01/qd-125-ubnd.pdf";

fn fixture() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/documents/article-attachments.html"
    ))
    .unwrap()
}

/// A source's figures in `crawl`'s table: found, new, updated, unchanged, merged.
fn figures(said: &str, id: &str) -> Vec<usize> {
    said.lines()
        .find(|l| l.split_whitespace().next() == Some(id))
        .unwrap_or_else(|| panic!("no row for {id}: {said}"))
        .split_whitespace()
        .skip(1)
        .take(5)
        .map(|n| n.parse().unwrap())
        .collect()
}

/// Every request the portal received: method, path and query.
type Log = Arc<Mutex<Vec<(Method, String)>>>;

/// The portal: a feed listing the article, the article, and its two files: a PDF and a
/// Word file behind the article's `?download` handler. Files answer `HEAD` with their
/// size and type; a `GET` of one is recorded (and must not happen).
async fn portal(State((log, base)): State<(Log, String)>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    log.lock()
        .unwrap()
        .push((method.clone(), format!("{path}?{query}")));
    // For a HEAD, axum drops the body and keeps the length a GET would send.
    let file = |ty: &'static str, len: usize| {
        ([(header::CONTENT_TYPE, ty)], vec![0u8; len]).into_response()
    };
    match (path.as_str(), query.contains("download")) {
        ("/rss.xml", _) => (
            [(header::CONTENT_TYPE, "application/rss+xml")],
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Tin tức</title><link>{base}/</link><description>Tin tức</description><item><title>Triển khai Kế hoạch cải cách hành chính năm 2024</title><link>{base}{ARTICLE}</link></item></channel></rss>"#
            ),
        )
            .into_response(),
        (ARTICLE, true) => file(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            20_480,
        ),
        (ARTICLE, false) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            fixture(),
        )
            .into_response(),
        (PDF, _) => file("application/pdf", 48_213),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_reach_every_format_as_enclosures_without_a_download() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let app = axum::Router::new()
        .fallback(portal)
        .with_state((log.clone(), base.clone()));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portalfeed.toml");
    std::fs::write(
        &config,
        format!(
            "[daemon]\ndatabase = \"p.db\"\nretries = 0\nper_host_delay = \"0s\"\n\
             [[source]]\nid = \"cangio\"\nname = \"Huyện Cần Giờ\"\nurl = \"{base}/rss.xml\"\nkind = \"feed\"\n"
        ),
    )
    .unwrap();
    let cfg = config.to_str().unwrap().to_string();
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap().to_string();
    let (crawl, export) = tokio::task::spawn_blocking(move || {
        let crawl = binary().args(["crawl", "--config", &cfg]).output().unwrap();
        let export = binary()
            .args(["export", "--config", &cfg, &out_arg])
            .output()
            .unwrap();
        (crawl, export)
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&crawl.stdout).to_string()
        + &String::from_utf8_lossy(&crawl.stderr);
    assert!(crawl.status.success(), "{said}");
    assert!(export.status.success(), "{export:?}");

    let handler = format!("{base}{ARTICLE}?download=1&id=0");
    let pdf = format!("{base}{PDF}");
    let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    // Atom: one enclosure link per file, with type, length and title.
    let atom = feed_rs::parser::parse(
        std::fs::read(out.join("feeds/cangio.atom"))
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    assert_eq!(atom.entries.len(), 1);
    let enclosures: Vec<_> = atom.entries[0]
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("enclosure"))
        .map(|l| {
            (
                l.href.clone(),
                l.media_type.clone(),
                l.length,
                l.title.clone(),
            )
        })
        .collect();
    assert_eq!(
        enclosures,
        vec![
            (
                pdf.clone(),
                Some("application/pdf".to_string()),
                Some(48_213),
                Some("Quyết định số 125/QĐ-UBND".to_string())
            ),
            (
                handler.clone(),
                Some(docx.to_string()),
                Some(20_480),
                Some("Kế hoạch 12/KH-UBND về cải cách hành chính năm 2024".to_string())
            ),
        ]
    );

    // JSON Feed: `attachments`.
    let json = feed_rs::parser::parse(
        std::fs::read(out.join("feeds/cangio.json"))
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    let files: Vec<_> = json.entries[0]
        .links
        .iter()
        .filter(|l| l.media_type.is_some())
        .map(|l| (l.href.clone(), l.length))
        .collect();
    assert_eq!(
        files,
        vec![(pdf.clone(), Some(48_213)), (handler.clone(), Some(20_480))]
    );

    // RSS: the first file as the enclosure, every file listed after the content.
    let rss_text = std::fs::read_to_string(out.join("feeds/cangio.rss")).unwrap();
    let rss = feed_rs::parser::parse(rss_text.as_bytes()).unwrap();
    let media: Vec<_> = rss.entries[0]
        .media
        .iter()
        .flat_map(|m| m.content.iter())
        .map(|c| {
            (
                c.url.as_ref().map(|u| u.to_string()),
                c.content_type.as_ref().map(|t| t.to_string()),
                c.size,
            )
        })
        .collect();
    assert_eq!(
        media,
        vec![(
            Some(pdf.clone()),
            Some("application/pdf".into()),
            Some(48_213)
        )]
    );
    let content = rss.entries[0]
        .content
        .as_ref()
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert!(
        content.contains(&pdf) && content.contains(&handler.replace('&', "&amp;")),
        "{content}"
    );

    // The sidebar's documents are not the article's; and no file was downloaded.
    assert!(!rss_text.contains("qd-130-ubnd.pdf"), "{rss_text}");
    let requests = log.lock().unwrap().clone();
    let gets: Vec<_> = requests
        .iter()
        .filter(|(m, p)| *m == Method::GET && (p.starts_with(PDF) || p.contains("download")))
        .collect();
    assert!(gets.is_empty(), "files were fetched: {gets:?}");
    let heads = |r: &[(Method, String)]| r.iter().filter(|(m, _)| *m == Method::HEAD).count();
    assert_eq!(heads(&requests), 2, "{requests:?}");

    // A second run asks nothing of the files again, and the item is unchanged.
    let cfg = config.to_str().unwrap().to_string();
    let again = tokio::task::spawn_blocking(move || {
        binary().args(["crawl", "--config", &cfg]).output().unwrap()
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&again.stdout).to_string();
    assert!(again.status.success(), "{said}");
    // found, new, updated, unchanged
    assert_eq!(&figures(&said, "cangio")[..4], &[1, 0, 0, 1], "{said}");
    assert_eq!(heads(&log.lock().unwrap()), 2);
}

/// A register fixture read by `index::register`: (number, date, summary, issuer, file).
fn register_rows(file: &str, url: &str) -> Vec<(String, String, String, Option<String>, String)> {
    let html = std::fs::read_to_string(format!(
        "{}/tests/fixtures/documents/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let (rows, _) = portalfeed::index::register::read_register(
        &html,
        &url::Url::parse(url).unwrap(),
        &Default::default(),
    )
    .unwrap();
    rows.into_iter()
        .map(|r| {
            (
                r.number,
                r.issued.map(|d| d.to_rfc3339()).unwrap_or_default(),
                r.summary,
                r.issuer,
                r.file.map(|f| f.url).unwrap_or_default(),
            )
        })
        .collect()
}

fn row(
    n: &str,
    date: &str,
    summary: &str,
    issuer: Option<&str>,
    file: &str,
) -> (String, String, String, Option<String>, String) {
    (
        n.into(),
        format!("{date}T00:00:00+07:00"),
        summary.into(),
        issuer.map(str::to_string),
        file.into(),
    )
}

/// Each register page, as its platform renders it, gives exactly its documents with
/// number, date, summary, issuer and file: no header, pager, menu or sidebar row.
#[test]
fn each_register_gives_exactly_its_documents() {
    let nv = "http://cangio.portal.test";
    let detail = |slug: &str| format!("{nv}/van-ban/detail/{slug}/?download=1&id=0");
    assert_eq!(
        register_rows("nukeviet-laws.html", &format!("{nv}/van-ban/")),
        vec![
            row(
                "210/QĐ-UBND",
                "2024-02-02",
                "Về việc ban hành Kế hoạch phòng, chống thiên tai và tìm kiếm cứu nạn năm 2024",
                None,
                &detail("Quyet-dinh-so-210-QD-UBND-ve-ke-hoach-phong-chong-thien-tai-nam-2024-312")
            ),
            row(
                "18/TB-UBND",
                "2024-01-30",
                "Thông báo lịch tiếp công dân định kỳ của Chủ tịch UBND huyện tháng 02/2024",
                None,
                &detail("Thong-bao-so-18-TB-UBND-ve-lich-tiep-cong-dan-311")
            ),
            row(
                "01/CT-UBND",
                "2024-01-08",
                "Về tăng cường kỷ luật, kỷ cương hành chính trong các cơ quan nhà nước trên địa bàn huyện",
                None,
                &detail("Chi-thi-so-01-CT-UBND-ve-tang-cuong-ky-luat-hanh-chinh-310")
            ),
        ]
    );
    // The register's next page is found as a list's is (its pager).
    let html = register_page("nukeviet-laws.html");
    let (_, next) = portalfeed::index::register::read_register(
        &html,
        &url::Url::parse(&format!("{nv}/van-ban/")).unwrap(),
        &Default::default(),
    )
    .unwrap();
    assert_eq!(
        next.map(|u| u.to_string()),
        Some(format!("{nv}/van-ban/page-2/"))
    );
    let sp = "http://longan.portal.test";
    assert_eq!(
        register_rows(
            "sharepoint-library.html",
            &format!("{sp}/VanBan/Forms/AllItems.aspx")
        ),
        vec![
            row(
                "125/QĐ-UBND",
                "2024-01-15",
                "Về việc ban hành Kế hoạch cải cách hành chính năm 2024 trên địa bàn tỉnh Long An",
                Some("UBND tỉnh Long An"),
                &format!("{sp}/VanBan/Shared%20Documents/QD-125-UBND.pdf")
            ),
            row(
                "356/UBND-VHXH",
                "2024-01-22",
                "Về việc tổ chức các hoạt động mừng Đảng, mừng Xuân Giáp Thìn năm 2024",
                Some("UBND tỉnh Long An"),
                &format!("{sp}/VanBan/Shared%20Documents/CV-356-UBND.docx")
            ),
            row(
                "05/2024/NQ-HĐND",
                "2024-01-10",
                "Quy định mức chi hỗ trợ hoạt động của Ban Thanh tra nhân dân cấp xã",
                Some("HĐND tỉnh Long An"),
                &format!("{sp}/VanBan/Shared%20Documents/NQ-05-HDND.pdf")
            ),
        ]
    );
    let cd = "http://canduoc.portal.test";
    assert_eq!(
        register_rows(
            "layout-table-rowspan.html",
            &format!("{cd}/index.php?module=vanban")
        ),
        vec![
            row(
                "125/QD-UBND",
                "2024-01-15",
                "Về việc ban hành Kế hoạch cải cách hành chính năm 2024 trên địa bàn tỉnh Long An",
                Some("UBND tỉnh Long An"),
                &format!("{cd}/download.php?id=77")
            ),
            row(
                "130/QĐ-UBND",
                "2024-01-19",
                "Về việc giao chỉ tiêu phát triển kinh tế - xã hội năm 2024",
                Some("UBND tỉnh Long An"),
                &format!("{cd}/download.php?id=78")
            ),
            row(
                "12/KH-UBND",
                "2024-02-05",
                "Kế hoạch tổ chức Tết trồng cây đời đời nhớ ơn Bác Hồ xuân Giáp Thìn năm 2024",
                Some("UBND huyện Cần Đước"),
                &format!("{cd}/files/vanban/kh-12-ubnd.doc")
            ),
        ]
    );
    let wp = "http://trieunguyen.portal.test";
    assert_eq!(
        register_rows("cards.html", &format!("{wp}/van-ban/")),
        vec![
            row(
                "45/TB-UBND",
                "2024-01-25",
                "Thông báo lịch tiếp công dân tháng 02/2024",
                Some("UBND xã Triệu Nguyên"),
                &format!("{wp}/wp-content/uploads/2024/01/tb-45-ubnd.pdf")
            ),
            row(
                "20/KH-UBND",
                "2024-01-12",
                "Kế hoạch tuyển chọn và gọi công dân nhập ngũ năm 2024",
                Some("UBND xã Triệu Nguyên"),
                &format!("{wp}/wp-content/uploads/2024/01/kh-20-ubnd.docx")
            ),
            row(
                "08/QĐ-UBND",
                "2024-01-05",
                "Quyết định kiện toàn Ban Chỉ đạo chương trình mục tiêu quốc gia xây dựng nông thôn mới",
                Some("UBND xã Triệu Nguyên"),
                &format!("{wp}/wp-content/uploads/2024/01/qd-08-ubnd.pdf")
            ),
        ]
    );
}

fn register_page(file: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/documents/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Four registers crawled through the binary: every document once in `all`, the
/// province's decision on the district's register merged into the province's item, a
/// re-run adding nothing, a corrected summary updating its item in place, and search
/// finding "quyết định 125".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_become_items_once_and_corrections_update_them() {
    use axum::extract::Query;
    use axum::response::Html;
    use axum::routing::get;
    let corrected = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = corrected.clone();
    let app = axum::Router::new()
        .route(
            "/cangio/van-ban/",
            get(|| async { Html(register_page("nukeviet-laws.html")) }),
        )
        .route(
            "/tinh/VanBan/Forms/AllItems.aspx",
            get(move || {
                let page = register_page("sharepoint-library.html");
                let page = if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    page.replace(
                        "mừng Xuân Giáp Thìn năm 2024",
                        "mừng Xuân Giáp Thìn và kỷ niệm 94 năm thành lập Đảng",
                    )
                } else {
                    page
                };
                async move { Html(page) }
            }),
        )
        .route(
            "/canduoc/index.php",
            get(|Query(_): Query<Vec<(String, String)>>| async {
                Html(register_page("layout-table-rowspan.html"))
            }),
        )
        .route(
            "/trieunguyen/van-ban/",
            get(|| async { Html(register_page("cards.html")) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portalfeed.toml");
    let mut text =
        "[daemon]\ndatabase = \"p.db\"\nretries = 0\nper_host_delay = \"0s\"\n".to_string();
    for (id, path) in [
        ("tinh", "/tinh/VanBan/Forms/AllItems.aspx"),
        ("cangio", "/cangio/van-ban/"),
        ("canduoc", "/canduoc/index.php?module=vanban"),
        ("trieunguyen", "/trieunguyen/van-ban/"),
    ] {
        text.push_str(&format!(
            "[[source]]\nid = \"{id}\"\nurl = \"{base}{path}\"\nkind = \"documents\"\nmax_pages = 1\n"
        ));
    }
    std::fs::write(&config, text).unwrap();
    let cfg = config.to_str().unwrap().to_string();
    let crawl = move |only: Option<&'static str>| {
        let cfg = cfg.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let mut args = vec!["crawl", "--config", cfg.as_str()];
                args.extend(only);
                let out = binary().args(&args).output().unwrap();
                (
                    out.status.success(),
                    String::from_utf8_lossy(&out.stdout).to_string(),
                )
            })
            .await
            .unwrap()
        }
    };

    // The province first, so that the district's copy of its decision finds it.
    let (ok, said) = crawl(Some("tinh")).await;
    assert!(ok, "{said}");
    assert_eq!(figures(&said, "tinh"), vec![3, 3, 0, 0, 0], "{said}");
    let (ok, said) = crawl(None).await;
    assert!(ok, "{said}");
    assert_eq!(figures(&said, "cangio"), vec![3, 3, 0, 0, 0], "{said}");
    assert_eq!(figures(&said, "canduoc"), vec![3, 2, 0, 0, 1], "{said}");
    assert_eq!(figures(&said, "trieunguyen"), vec![3, 3, 0, 0, 0], "{said}");
    assert_eq!(figures(&said, "tinh"), vec![3, 0, 0, 3, 0], "{said}");

    let store = portalfeed::store::Store::open(&dir.path().join("p.db")).unwrap();
    let all = store
        .feed_items(&portalfeed::model::FeedScope::All, 100)
        .unwrap();
    let titles: Vec<&str> = all.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(all.len(), 11, "{titles:#?}");
    let decision: Vec<_> = all.iter().filter(|i| i.title.starts_with("125/")).collect();
    assert_eq!(decision.len(), 1, "{titles:#?}");
    let decision = decision[0];
    assert_eq!(
        decision.title,
        "125/QĐ-UBND — Về việc ban hành Kế hoạch cải cách hành chính năm 2024 trên địa bàn tỉnh Long An"
    );
    assert_eq!(
        decision.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-01-15T00:00:00+07:00")
    );
    assert_eq!(decision.attachments.len(), 1);
    assert!(
        decision
            .categories
            .contains(&"UBND tỉnh Long An".to_string())
    );
    assert!(
        decision
            .other_copies
            .iter()
            .any(|u| u.contains("download.php?id=77")),
        "{:?}",
        decision.other_copies
    );

    // Search folds as for news: "quyết định 125" finds 125/QĐ-UBND.
    let found = store
        .feed_items(
            &portalfeed::model::FeedScope::Search("quyết định 125".into()),
            10,
        )
        .unwrap();
    assert_eq!(
        found.iter().map(|i| i.guid.as_str()).collect::<Vec<_>>(),
        vec![decision.guid.as_str()]
    );

    // A re-run adds nothing.
    let (ok, said) = crawl(None).await;
    assert!(ok, "{said}");
    for id in ["tinh", "cangio", "canduoc", "trieunguyen"] {
        let f = figures(&said, id);
        assert_eq!((f[1], f[2]), (0, 0), "{id}: {said}");
    }

    // The province corrects a summary: the same item, its new title.
    corrected.store(true, std::sync::atomic::Ordering::SeqCst);
    let (ok, said) = crawl(Some("tinh")).await;
    assert!(ok, "{said}");
    assert_eq!(figures(&said, "tinh"), vec![3, 0, 1, 2, 0], "{said}");
    let after = store
        .feed_items(&portalfeed::model::FeedScope::All, 100)
        .unwrap();
    assert_eq!(after.len(), 11);
    let letter = after.iter().find(|i| i.title.starts_with("356/")).unwrap();
    assert!(
        letter.title.ends_with("kỷ niệm 94 năm thành lập Đảng"),
        "{}",
        letter.title
    );
    let before = all.iter().find(|i| i.title.starts_with("356/")).unwrap();
    assert_eq!(letter.guid, before.guid);
}

/// `discover` proposes `kind = "documents"` for each register page, with its documents as
/// the sample; `preview` of a documents source shows the rows a run would store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_proposes_a_register_and_preview_shows_its_rows() {
    use axum::response::Html;
    use axum::routing::get;
    let mut app = axum::Router::new();
    for file in [
        "nukeviet-laws.html",
        "sharepoint-library.html",
        "layout-table-rowspan.html",
        "cards.html",
    ] {
        app = app.route(
            &format!("/{file}"),
            get(move || async move { Html(register_page(file)) }),
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let base2 = base.clone();
    let dir_path = dir.path().to_path_buf();
    let (discovered, previewed) = tokio::task::spawn_blocking(move || {
        let mut discovered = Vec::new();
        for file in [
            "nukeviet-laws.html",
            "sharepoint-library.html",
            "layout-table-rowspan.html",
            "cards.html",
        ] {
            let out = binary()
                .args(["discover", &format!("{base2}/{file}")])
                .output()
                .unwrap();
            discovered.push((file, out.status.success(), String::from_utf8_lossy(&out.stdout).to_string()));
        }
        let config = dir_path.join("p.toml");
        std::fs::write(
            &config,
            format!("[daemon]\ndatabase = \"p.db\"\n[[source]]\nid = \"vb\"\nurl = \"{base2}/cards.html\"\nkind = \"documents\"\n"),
        )
        .unwrap();
        let preview = binary()
            .args(["preview", "--config", config.to_str().unwrap(), "--source", "vb", &format!("{base2}/cards.html")])
            .output()
            .unwrap();
        (discovered, (preview.status.success(), String::from_utf8_lossy(&preview.stdout).to_string()))
    })
    .await
    .unwrap();
    for (file, ok, out) in &discovered {
        assert!(ok, "{file}: {out}");
        assert!(out.contains("kind = \"documents\""), "{file}: {out}");
        assert!(out.contains("3 documents found"), "{file}: {out}");
    }
    assert!(
        discovered[3]
            .2
            .contains("45/TB-UBND — Thông báo lịch tiếp công dân tháng 02/2024")
    );
    let (ok, out) = previewed;
    assert!(ok, "{out}");
    assert!(out.starts_with("3 documents in"), "{out}");
    for want in [
        "Số/Ký hiệu:  45/TB-UBND",
        "Ban hành:    25/01/2024",
        "Lĩnh vực:    Tiếp công dân",
        "tb-45-ubnd.pdf",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
}

/// A register's following pages are read up to `max_pages`, through its pager.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registers_following_pages_are_read() {
    use axum::response::Html;
    use axum::routing::get;
    let app = axum::Router::new()
        .route(
            "/van-ban/",
            get(|| async { Html(register_page("nukeviet-laws.html")) }),
        )
        // Page 2 in another platform's markup, so that its documents are others.
        .route(
            "/van-ban/page-2/",
            get(|| async { Html(register_page("cards.html")) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("p.toml");
    std::fs::write(
        &config,
        format!(
            "[daemon]\ndatabase = \"p.db\"\nretries = 0\nper_host_delay = \"0s\"\n[[source]]\nid = \"vb\"\nurl = \"{base}/van-ban/\"\nkind = \"documents\"\nmax_pages = 3\n"
        ),
    )
    .unwrap();
    let out = tokio::task::spawn_blocking(move || {
        binary()
            .args(["crawl", "--config", config.to_str().unwrap()])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{said}");
    // found, new: three documents on each page; the card page has no next page.
    assert_eq!(&figures(&said, "vb")[..2], &[6, 6], "{said}");
}
