//! A run learns which links were not articles: the list page's block of "about the
//! district" pages outweighs its news list by shape, so the first run follows the block,
//! finds menu pages and stores nothing from them; the second run takes the news list.

mod common;

use axum::extract::Path;
use axum::response::Html;
use axum::routing::get;

const INTRO: [(&str, &str); 3] = [
    (
        "tong-quan-ve-dieu-kien-tu-nhien",
        "Tổng quan về điều kiện tự nhiên của huyện",
    ),
    (
        "lich-su-hinh-thanh-va-phat-trien",
        "Lịch sử hình thành và phát triển của huyện",
    ),
    (
        "tiem-nang-va-loi-the-dau-tu",
        "Tiềm năng và lợi thế đầu tư của huyện",
    ),
];
const NEWS: [(u32, &str); 3] = [
    (2298, "Đối thoại với hộ dân bị ảnh hưởng bởi dự án"),
    (2291, "Huyện triển khai kế hoạch phòng chống sạt lở"),
    (2284, "Khai giảng lớp trung cấp lý luận chính trị"),
];

fn intro_block() -> String {
    INTRO
        .iter()
        .map(|(slug, title)| {
            format!(
                r#"<div class="intro-item"><h4><a href="/gioi-thieu/{slug}.html">{title}</a></h4><p>Giới thiệu khái quát về điều kiện tự nhiên, lịch sử hình thành, truyền thống văn hóa và tiềm năng phát triển kinh tế xã hội của huyện qua các thời kỳ.</p></div>"#
            )
        })
        .collect()
}

fn list_page() -> String {
    let news: String = NEWS
        .iter()
        .map(|(id, title)| {
            format!(
                r#"<li><a href="/tin-tuc/{id}.html">{title}</a> <span>(20/08/2024)</span></li>"#
            )
        })
        .collect();
    format!(
        r#"<html><body><div class="intro">{}</div><ul class="news">{news}</ul></body></html>"#,
        intro_block()
    )
}

/// A menu page: no date, and listed in the menu beside the text.
fn intro_page(slug: &str) -> String {
    let title = INTRO.iter().find(|(s, _)| *s == slug).map_or("", |t| t.1);
    let menu: String = INTRO
        .iter()
        .map(|(s, t)| format!(r#"<li><a href="/gioi-thieu/{s}.html">{t}</a></li>"#))
        .collect();
    format!(
        r#"<html><head><title>{title}</title></head><body><ul class="menu-gioi-thieu">{menu}</ul>
        <h1>{title}</h1><div class="content"><p>Huyện nằm ở phía tây của tỉnh, có diện tích tự nhiên hơn 1.200 km² và dân số khoảng 40 nghìn người, gồm nhiều dân tộc anh em cùng sinh sống, với truyền thống đoàn kết và cách mạng.</p>
        <p>Địa hình chủ yếu là đồi núi, có nhiều sông suối, khí hậu nhiệt đới gió mùa, thuận lợi cho phát triển nông lâm nghiệp và du lịch sinh thái.</p></div></body></html>"#
    )
}

fn news_page(id: u32) -> Option<String> {
    let title = NEWS.iter().find(|(i, _)| *i == id)?.1;
    Some(format!(
        r#"<html><head><title>{title}</title></head><body><h1>{title}</h1><p class="date">Ngày đăng: 20/08/2024 08:30</p>
        <div class="content"><p>Sáng ngày 20/8, Ủy ban nhân dân huyện tổ chức hội nghị với sự tham dự của lãnh đạo các phòng ban và đại diện các xã, thị trấn trên địa bàn huyện (bài số {id}).</p>
        <p>Tại hội nghị, các đại biểu đã thảo luận, đóng góp nhiều ý kiến thiết thực, đề xuất giải pháp để triển khai hiệu quả nhiệm vụ trong thời gian tới.</p></div></body></html>"#
    ))
}

/// `portalfeed crawl` on a configuration: its exit status and summary table.
fn crawl_output(config: &std::path::Path) -> (bool, String) {
    let out = common::binary()
        .args(["crawl", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    (
        out.status.success(),
        format!("{text}\n{}", String::from_utf8_lossy(&out.stderr)),
    )
}

fn crawl(config: &std::path::Path) -> String {
    let (ok, text) = crawl_output(config);
    assert!(ok, "{text}");
    text
}

/// The numbers of a source's summary row: found, new, updated, unchanged, merged,
/// failed, skipped.
fn row(out: &str, id: &str) -> Vec<usize> {
    let line = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some(id))
        .unwrap_or_else(|| panic!("no summary row for {id} in:\n{out}"));
    line.split_whitespace()
        .skip(1)
        .take(7)
        .filter_map(|n| n.parse().ok())
        .collect()
}

/// A configuration of these sources (id, URL) in `dir`, storing into `dir/p.db`.
fn config_for(dir: &std::path::Path, sources: &[(&str, String)]) -> std::path::PathBuf {
    let mut text =
        "[daemon]\ndatabase = \"p.db\"\nretries = 0\nper_host_delay = \"0s\"\n".to_string();
    for (id, url) in sources {
        text.push_str(&format!("[[source]]\nid = \"{id}\"\nurl = \"{url}\"\n"));
    }
    let path = dir.join("portalfeed.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The URLs of the items stored in `dir/p.db`, sorted.
fn stored_urls(dir: &std::path::Path) -> Vec<String> {
    let db = rusqlite::Connection::open(dir.join("p.db")).unwrap();
    let mut stmt = db.prepare("SELECT url FROM items ORDER BY url").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_that_were_not_articles_turn_the_next_run_to_the_real_list() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/tin-tuc/", get(|| async { Html(list_page()) }))
        .route(
            "/gioi-thieu/{page}",
            get(|Path(page): Path<String>| async move {
                Html(intro_page(page.trim_end_matches(".html")))
            }),
        )
        .route(
            "/tin-tuc/{page}",
            get(|Path(page): Path<String>| async move {
                let id: u32 = page.trim_end_matches(".html").parse().unwrap_or(0);
                news_page(id)
                    .map(Html)
                    .ok_or(axum::http::StatusCode::NOT_FOUND)
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let config = config_for(dir.path(), &[("huyen", format!("{base}/tin-tuc/"))]);
    let cfg = config.clone();
    let (first, second) = tokio::task::spawn_blocking(move || (crawl(&cfg), crawl(&cfg)))
        .await
        .unwrap();
    let (first, second) = (row(&first, "huyen"), row(&second, "huyen"));
    // found, new, updated, unchanged, merged, failed, skipped
    assert_eq!(first, vec![3, 0, 0, 0, 0, 0, 3], "first run: {first:?}");
    assert_eq!(second, vec![3, 3, 0, 0, 0, 0, 0], "second run: {second:?}");
    let urls = stored_urls(dir.path());
    let want: Vec<String> = [2284, 2291, 2298]
        .iter()
        .map(|id| format!("{base}/tin-tuc/{id}.html"))
        .collect();
    assert_eq!(urls, want);
}

/// Stories whose URLs have no article shape: a short slug, no id.
const SHORT: [(&str, &str); 3] = [
    ("hop-bao", "Họp báo công bố kết quả kỳ họp thứ tám"),
    ("tiep-dan", "Lãnh đạo huyện tiếp công dân định kỳ tháng tám"),
    ("ra-quan", "Ra quân hưởng ứng tháng hành động vì môi trường"),
];

/// A list of the short-slug stories; `feed` adds the head's `<link rel="alternate">`.
fn short_list(feed: bool) -> String {
    let items: String = SHORT
        .iter()
        .map(|(slug, title)| {
            format!(
                r#"<li><a href="/bai-viet/{slug}">{title}</a> <span>(20/08/2024)</span><p>Tin hoạt động của huyện trong tuần, do văn phòng huyện ủy cung cấp.</p></li>"#
            )
        })
        .collect();
    let link = if feed {
        r#"<link rel="alternate" type="application/rss+xml" title="Tin tức" href="/rss/tin-tuc.xml">"#
    } else {
        ""
    };
    format!(
        r#"<html><head><title>Tin tức</title>{link}</head><body><ul class="news">{items}</ul></body></html>"#
    )
}

fn short_feed(base: &str) -> String {
    let items: String = SHORT
        .iter()
        .map(|(slug, title)| {
            format!("<item><title>{title}</title><link>{base}/bai-viet/{slug}</link></item>")
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Tin tức</title><link>{base}/</link><description>Tin tức</description>{items}</channel></rss>"#
    )
}

fn short_page(slug: &str) -> Option<String> {
    let i = SHORT.iter().position(|(s, _)| *s == slug)?;
    let title = SHORT[i].1;
    Some(format!(
        r#"<html><head><title>{title}</title></head><body><h1>{title}</h1><p class="date">Ngày đăng: 20/08/2024 08:30</p>
        <div class="content"><p>Sáng ngày 20/8, Ủy ban nhân dân huyện tổ chức hội nghị với sự tham dự của lãnh đạo các phòng ban và đại diện các xã, thị trấn trên địa bàn huyện (bài số {i}).</p>
        <p>Tại hội nghị, các đại biểu đã thảo luận, đóng góp nhiều ý kiến thiết thực, đề xuất giải pháp để triển khai hiệu quả nhiệm vụ trong thời gian tới.</p></div></body></html>"#
    ))
}

/// The site's word: a list whose story URLs have no article shape is passed over by
/// shape alone, and taken when the feed the page advertises lists those URLs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_a_list_advertises_vouches_for_links_of_no_article_shape() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let feed_base = base.clone();
    let app = axum::Router::new()
        .route("/voi-rss/", get(|| async { Html(short_list(true)) }))
        .route("/khong-rss/", get(|| async { Html(short_list(false)) }))
        .route(
            "/rss/tin-tuc.xml",
            get(move || {
                let body = short_feed(&feed_base);
                async move { ([("content-type", "application/rss+xml")], body) }
            }),
        )
        .route(
            "/bai-viet/{slug}",
            get(|Path(slug): Path<String>| async move {
                short_page(&slug)
                    .map(Html)
                    .ok_or(axum::http::StatusCode::NOT_FOUND)
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let config = config_for(
        dir.path(),
        &[
            ("huyen", format!("{base}/voi-rss/")),
            ("xa", format!("{base}/khong-rss/")),
        ],
    );
    let (ok, text) = tokio::task::spawn_blocking(move || crawl_output(&config))
        .await
        .unwrap();
    // found, new, updated, unchanged, merged, failed, skipped
    assert_eq!(row(&text, "huyen"), vec![3, 3, 0, 0, 0, 0, 0], "{text}");
    // The same list without the feed: nothing has an article's shape, so the run fails
    // with its reason rather than storing menu pages.
    assert_eq!(row(&text, "xa"), vec![0, 0, 0, 0, 0, 0, 0], "{text}");
    assert!(!ok, "a source with no links is a failed run: {text}");
    assert!(text.contains("no article links found"), "{text}");
    let urls = stored_urls(dir.path());
    let want: Vec<String> = ["hop-bao", "ra-quan", "tiep-dan"]
        .iter()
        .map(|s| format!("{base}/bai-viet/{s}"))
        .collect();
    assert_eq!(urls, want);
}

/// The site's word, when the list page advertises no feed: its robots.txt names a
/// sitemap index, whose newest sitemap lists the stories, so the list of slug URLs is
/// taken after all. Without the sitemap the same page fails (see above).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sitemap_robots_txt_names_vouches_for_a_list_with_no_feed() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let robots = format!("User-agent: *\nAllow: /\nSitemap: {base}/sitemap_index.xml\n");
    let index = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>{base}/sitemap-cu.xml</loc><lastmod>2023-01-01</lastmod></sitemap><sitemap><loc>{base}/sitemap-moi.xml</loc><lastmod>2024-08-20</lastmod></sitemap></sitemapindex>"#
    );
    let urls: String = SHORT
        .iter()
        .map(|(slug, _)| {
            format!("<url><loc>{base}/bai-viet/{slug}</loc><lastmod>2024-08-20</lastmod></url>")
        })
        .collect();
    let newest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>"#
    );
    let xml = |body: String| async move { ([("content-type", "application/xml")], body) };
    let app = axum::Router::new()
        .route("/robots.txt", get(move || async move { robots }))
        .route("/sitemap_index.xml", get(move || xml(index.clone())))
        .route("/sitemap-moi.xml", get(move || xml(newest.clone())))
        .route("/khong-rss/", get(|| async { Html(short_list(false)) }))
        .route(
            "/bai-viet/{slug}",
            get(|Path(slug): Path<String>| async move {
                short_page(&slug)
                    .map(Html)
                    .ok_or(axum::http::StatusCode::NOT_FOUND)
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let config = config_for(dir.path(), &[("phuong", format!("{base}/khong-rss/"))]);
    let (ok, text) = tokio::task::spawn_blocking(move || crawl_output(&config))
        .await
        .unwrap();
    assert!(ok, "{text}");
    // found, new, updated, unchanged, merged, failed, skipped
    assert_eq!(row(&text, "phuong"), vec![3, 3, 0, 0, 0, 0, 0], "{text}");
    let want: Vec<String> = ["hop-bao", "ra-quan", "tiep-dan"]
        .iter()
        .map(|s| format!("{base}/bai-viet/{s}"))
        .collect();
    assert_eq!(stored_urls(dir.path()), want);
}
