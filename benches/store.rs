//! Store benchmark: inserting, deduplicating and merging 100,000 generated articles, the
//! newest-50 feed query for one source and for `all`, and full-text search.
//!
//!     cargo bench --bench store            (or: cargo bench --bench store -- 20000)

use std::time::{Duration, Instant};

use chrono::{FixedOffset, TimeZone, Utc};
use portalfeed::extract::Article;
use portalfeed::store::{FeedScope, SaveOutcome, Store};
use portalfeed::text::Identity;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const WORDS: &[&str] = &[
    "huyện",
    "xã",
    "thôn",
    "bản",
    "nhân",
    "dân",
    "cán",
    "bộ",
    "đảng",
    "ủy",
    "chính",
    "quyền",
    "mặt",
    "trận",
    "đoàn",
    "thể",
    "hội",
    "nghị",
    "tổng",
    "kết",
    "triển",
    "khai",
    "kế",
    "hoạch",
    "phong",
    "trào",
    "thi",
    "đua",
    "dân",
    "vận",
    "khéo",
    "nông",
    "thôn",
    "mới",
    "giao",
    "thông",
    "nước",
    "sạch",
    "trường",
    "học",
    "trạm",
    "y",
    "tế",
    "rừng",
    "lúa",
    "bò",
    "heo",
    "vốn",
    "vay",
    "hộ",
    "nghèo",
    "cận",
    "việc",
    "làm",
    "thanh",
    "niên",
    "phụ",
    "nữ",
    "cựu",
    "chiến",
    "binh",
    "đất",
    "đai",
    "thủ",
    "tục",
    "hành",
    "chuyển",
    "đổi",
    "số",
    "điện",
    "tử",
    "kinh",
    "tế",
    "văn",
    "hóa",
    "du",
    "lịch",
    "an",
    "ninh",
    "quốc",
    "phòng",
    "tuyên",
    "truyền",
];

fn text(rng: &mut StdRng, n: usize) -> Vec<String> {
    (0..4)
        .map(|k| {
            let words: Vec<&str> = (0..40)
                .map(|_| WORDS[rng.random_range(0..WORDS.len())])
                .collect();
            format!(
                "{} {} hộ, {} triệu đồng (bài {n}, đoạn {k}).",
                words.join(" "),
                rng.random_range(10..5000),
                rng.random_range(10..90000)
            )
        })
        .collect()
}

fn article(url: String, n: usize, paragraphs: Vec<String>, day: i64) -> Article {
    Article {
        url,
        title: format!("Bài viết số {n} về công tác của huyện"),
        published: Some(
            FixedOffset::east_opt(7 * 3600)
                .unwrap()
                .timestamp_opt(1_700_000_000 + day * 3600, 0)
                .unwrap(),
        ),
        author: None,
        credit: None,
        content_html: paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect(),
        paragraphs,
        images: vec![],
        attachments: vec![],
        categories: vec![],
        document: None,
        profile: None,
        container: Default::default(),
    }
}

fn percentiles(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(v[v.len() / 2]),
        ms(v[(v.len() * 99 / 100).min(v.len() - 1)]),
    )
}

fn main() {
    let total: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let db = std::env::var_os("BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.db"));
    let wal = db.with_extension("db-wal");
    let store = Store::open(&db).unwrap();
    let sources: Vec<String> = (0..100).map(|i| format!("s{i}")).collect();
    let toml: String = sources
        .iter()
        .map(|s| format!("[[source]]\nid = \"{s}\"\nurl = \"http://{s}.test/\"\n"))
        .collect();
    let cfg =
        portalfeed::config::Config::from_str(&toml, std::path::Path::new("bench.toml")).unwrap();
    store.sync_sources(&cfg.sources).unwrap();

    // 85 % new articles, 10 % exact re-posts on another source, 5 % re-posts with the last
    // sentence trimmed.
    let mut rng = StdRng::seed_from_u64(7);
    let mut kept: Vec<Vec<String>> = Vec::new();
    let (mut new, mut merged) = (0, 0);
    let start = Instant::now();
    for n in 0..total {
        let source = &sources[n % sources.len()];
        let roll = rng.random_range(0..100);
        let paragraphs = if roll < 85 || kept.is_empty() {
            let p = text(&mut rng, n);
            if kept.len() < 5000 {
                kept.push(p.clone());
            }
            p
        } else {
            let mut p = kept[rng.random_range(0..kept.len())].clone();
            if roll >= 95 {
                let last = p.len() - 1;
                let cut: String = p[last].split(' ').take(30).collect::<Vec<_>>().join(" ");
                p[last] = cut;
            }
            p
        };
        let url = format!("http://{source}.test/tin-tuc/bai-{n}.html");
        let a = article(url.clone(), n, paragraphs, n as i64);
        match store
            .save(source, &url, &a, &Identity::of(&a.paragraphs), Utc::now())
            .unwrap()
        {
            SaveOutcome::New => new += 1,
            SaveOutcome::Merged => merged += 1,
            _ => {}
        }
    }
    let secs = start.elapsed().as_secs_f64();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let size = std::fs::metadata(&db).unwrap().len()
        + std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    println!(
        "insert: {total} articles in {secs:.1} s = {:.0} articles/s ({new} new, {merged} merged); database {:.1} MiB = {:.0} KiB per 1,000 articles",
        total as f64 / secs,
        size as f64 / 1048576.0,
        size as f64 / 1024.0 / (total as f64 / 1000.0)
    );

    let time = |scope: &dyn Fn(usize) -> FeedScope| {
        let v: Vec<Duration> = (0..300)
            .map(|i| {
                let t = Instant::now();
                let items = store.feed_items(&scope(i), 50).unwrap();
                std::hint::black_box(items);
                t.elapsed()
            })
            .collect();
        percentiles(v)
    };
    let (p50, p99) = time(&|i| FeedScope::Source(sources[i % sources.len()].clone()));
    println!("newest 50, one source: p50 {p50:.2} ms, p99 {p99:.2} ms");
    let (p50, p99) = time(&|_| FeedScope::All);
    println!("newest 50, all: p50 {p50:.2} ms, p99 {p99:.2} ms");
    let (p50, p99) = time(&|i| {
        FeedScope::Search(format!(
            "{} {}",
            WORDS[i % WORDS.len()],
            WORDS[(i * 7 + 3) % WORDS.len()]
        ))
    });
    println!("search (two words, newest 50 of the matches): p50 {p50:.2} ms, p99 {p99:.2} ms");
    let (p50, p99) = time(&|i| FeedScope::Search(format!("bài {}", i * 331 % total)));
    println!("search (selective): p50 {p50:.2} ms, p99 {p99:.2} ms");
}
