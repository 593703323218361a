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

fn crawl(config: &std::path::Path) -> String {
    let out = common::binary()
        .args(["crawl", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// The numbers of the source's summary row: found, new, updated, unchanged, merged,
/// failed, skipped.
fn row(out: &str) -> Vec<usize> {
    let line = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some("huyen"))
        .unwrap_or_else(|| panic!("no summary row in:\n{out}"));
    line.split_whitespace()
        .skip(1)
        .filter_map(|n| n.parse().ok())
        .collect()
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
    let config = dir.path().join("portalfeed.toml");
    std::fs::write(
        &config,
        format!(
            "[daemon]\ndatabase = \"p.db\"\nretries = 0\nper_host_delay = \"0s\"\n\
             [[source]]\nid = \"huyen\"\nurl = \"{base}/tin-tuc/\"\n"
        ),
    )
    .unwrap();
    let cfg = config.clone();
    let (first, second) = tokio::task::spawn_blocking(move || (crawl(&cfg), crawl(&cfg)))
        .await
        .unwrap();
    let (first, second) = (row(&first), row(&second));
    // found, new, updated, unchanged, merged, failed, skipped
    assert_eq!(first, vec![3, 0, 0, 0, 0, 0, 3], "first run: {first:?}");
    assert_eq!(second, vec![3, 3, 0, 0, 0, 0, 0], "second run: {second:?}");

    let db = rusqlite::Connection::open(dir.path().join("p.db")).unwrap();
    let mut stmt = db.prepare("SELECT url FROM items ORDER BY url").unwrap();
    let urls: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let want: Vec<String> = [2284, 2291, 2298]
        .iter()
        .map(|id| format!("{base}/tin-tuc/{id}.html"))
        .collect();
    assert_eq!(urls, want);
}
