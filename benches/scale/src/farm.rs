//! A synthetic farm of portals: N sites × M articles, served as an HTTP proxy on
//! 127.0.0.1, so that every site is its own host (`s17.farm.test`) and per-host
//! politeness applies as it would to real portals.
//!
//! Each site takes one of the corpus platforms' styles (NukeViet, SharePoint, Liferay,
//! WordPress, Joomla, DotNetNuke, a table layout), with the chrome that makes real
//! pages 30–60 KB: menus, sidebars of other headlines, view counters, share bars,
//! footers, inline scripts. Its list shows the newest articles, ten to a page, with a
//! "Trang sau" link. Responses take a configurable latency; a share are slow and a
//! share fail (503), at random, so retries usually succeed. One article in ten is a
//! provincial press release re-posted, word for word, by the other sites of its
//! province. [`Farm::publish`] adds articles, which is how a day goes by. Lists and
//! articles carry ETags, so unchanged pages cost a 304, as on portals that send them.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode, header};

#[derive(Debug, Clone)]
pub struct FarmConfig {
    pub sites: usize,
    /// Articles each site has at the start.
    pub articles: usize,
    pub per_page: usize,
    pub latency: Duration,
    pub slow_share: f64,
    pub slow: Duration,
    pub fail_share: f64,
    /// Sites per province: a press release is re-posted by the sites of one province.
    pub province: usize,
}

const PLATFORMS: &[&str] = &[
    "nukeviet",
    "sharepoint",
    "liferay",
    "wordpress",
    "joomla",
    "dotnetnuke",
    "table",
];

pub struct Farm {
    pub cfg: FarmConfig,
    /// Per site: the publication time (Unix seconds) of each article, oldest first.
    published: Vec<Mutex<Vec<i64>>>,
    rng: AtomicU64,
    pub requests: AtomicU64,
    pub bytes: AtomicU64,
    pub not_modified: AtomicU64,
    pub failed: AtomicU64,
}

/// A small, fast generator: splitmix64.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

struct Seq(u64);

impl Seq {
    fn new(a: u64, b: u64) -> Seq {
        Seq(mix(a.wrapping_mul(1_000_003) ^ mix(b)))
    }
    fn next(&mut self) -> u64 {
        self.0 = mix(self.0);
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

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
    "viên",
    "ủy",
    "ban",
    "chính",
    "quyền",
    "mặt",
    "trận",
    "tổ",
    "quốc",
    "hội",
    "nghị",
    "tổng",
    "kết",
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
    "sản",
    "xuất",
    "kinh",
    "doanh",
    "hợp",
    "tác",
    "xã",
    "cây",
    "lúa",
    "thanh",
    "long",
    "chăn",
    "nuôi",
    "thủy",
    "sản",
    "vốn",
    "đầu",
    "tư",
    "công",
    "trình",
    "dự",
    "án",
    "giải",
    "ngân",
    "kế",
    "hoạch",
    "năm",
    "tháng",
    "quý",
    "chương",
    "trình",
    "mục",
    "tiêu",
    "quốc",
    "gia",
    "giảm",
    "nghèo",
    "bền",
    "vững",
    "an",
    "sinh",
    "xã",
    "hội",
    "chuyển",
    "đổi",
    "số",
    "cải",
    "cách",
    "hành",
    "chính",
    "thủ",
    "tục",
    "một",
    "cửa",
    "đoàn",
    "thanh",
    "niên",
    "phụ",
    "nữ",
    "cựu",
    "chiến",
    "binh",
    "nông",
    "dân",
    "khuyến",
    "học",
    "văn",
    "hóa",
    "thể",
    "thao",
    "du",
    "lịch",
    "môi",
    "trường",
    "rác",
    "thải",
    "đường",
    "giao",
    "thông",
    "bê",
    "tông",
    "hóa",
    "kênh",
    "mương",
    "thủy",
    "lợi",
    "mùa",
    "khô",
    "hạn",
    "mặn",
    "phòng",
    "chống",
    "dịch",
    "bệnh",
    "tiêm",
    "chủng",
    "bảo",
    "hiểm",
    "y",
    "tế",
    "việc",
    "làm",
    "lao",
    "động",
    "đào",
    "tạo",
    "nghề",
    "tín",
    "dụng",
    "chính",
    "sách",
    "người",
    "có",
    "công",
    "gia",
    "đình",
    "văn",
    "hóa",
    "khu",
    "dân",
    "cư",
    "tiên",
    "tiến",
    "xuất",
    "sắc",
    "khen",
    "thưởng",
    "tuyên",
    "dương",
    "điển",
    "hình",
    "gương",
    "người",
    "tốt",
    "việc",
];

const PLACES: &[&str] = &[
    "Tân Lập",
    "Phú Mỹ",
    "Thạnh Lộc",
    "Tà Long",
    "Mỹ Thạnh",
    "Hòa Bình",
    "An Thạnh",
    "Long Hựu",
    "Bình Đức",
    "Đức Hòa",
    "Thủ Thừa",
    "Cần Giuộc",
    "Kiến Tường",
    "A Ngo",
];

const TOPICS: &[&str] = &[
    "tổ chức hội nghị tổng kết công tác dân vận",
    "ra mắt mô hình Dân vận khéo",
    "đẩy nhanh tiến độ giải ngân vốn đầu tư công",
    "tập huấn nghiệp vụ cho cán bộ cơ sở",
    "đối thoại giữa người đứng đầu cấp ủy với Nhân dân",
    "ra quân hưởng ứng Ngày Chuyển đổi số quốc gia",
    "khánh thành công trình đường giao thông nông thôn",
    "triển khai kế hoạch phòng chống hạn mặn mùa khô",
    "sơ kết phong trào thi đua xây dựng nông thôn mới",
    "trao nhà đại đoàn kết cho hộ nghèo",
];

impl Farm {
    pub fn new(cfg: FarmConfig, now: i64) -> Arc<Farm> {
        let published = (0..cfg.sites)
            .map(|_| {
                // The starting articles, one every three hours up to now.
                Mutex::new(
                    (0..cfg.articles)
                        .map(|k| now - ((cfg.articles - k) as i64) * 3 * 3600)
                        .collect(),
                )
            })
            .collect();
        Arc::new(Farm {
            cfg,
            published,
            rng: AtomicU64::new(7),
            requests: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            not_modified: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        })
    }

    pub fn host(site: usize) -> String {
        format!("s{site}.farm.test")
    }

    fn platform(site: usize) -> &'static str {
        PLATFORMS[site % PLATFORMS.len()]
    }

    /// The list page a source should crawl.
    pub fn list_url(site: usize) -> String {
        format!(
            "http://{}{}",
            Farm::host(site),
            list_path(Farm::platform(site), 1)
        )
    }

    /// Adds one new article to each of `count` random sites, published now; returns
    /// (site, headline) of each.
    pub fn publish(&self, count: usize, now: i64) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for _ in 0..count {
            let site = (self.random() % self.cfg.sites as u64) as usize;
            let mut p = self.published[site]
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            p.push(now);
            let k = p.len() - 1;
            out.push((site, self.title(site, k)));
        }
        out
    }

    fn random(&self) -> u64 {
        mix(self.rng.fetch_add(1, Ordering::Relaxed))
    }

    fn chance(&self, share: f64) -> bool {
        share > 0.0 && (self.random() % 1_000_000) as f64 / 1_000_000.0 < share
    }

    /// Whether article k of a site is a provincial press release, and which.
    fn press_release(&self, site: usize, k: usize) -> Option<(u64, u64)> {
        mix((site as u64) << 20 | k as u64)
            .is_multiple_of(10)
            .then(|| ((site / self.cfg.province.max(1)) as u64, k as u64))
    }

    /// The text seed of an article: its own, or its press release's.
    fn seed(&self, site: usize, k: usize) -> (u64, u64) {
        self.press_release(site, k)
            .map(|(p, k)| (1_000_000 + p, k))
            .unwrap_or((site as u64, k as u64))
    }

    pub fn title(&self, site: usize, k: usize) -> String {
        let (a, b) = self.seed(site, k);
        let mut r = Seq::new(a, b);
        let place = r.pick(PLACES);
        let topic = r.pick(TOPICS);
        let who = if a >= 1_000_000 { "Tỉnh" } else { "Xã" };
        format!("{who} {place} {topic} lần thứ {}", b + 1)
    }

    fn slug(&self, site: usize, k: usize) -> String {
        let t = self.title(site, k);
        let ascii: String = t
            .chars()
            .map(|c| match c {
                'à'..='ã'
                | 'ạ'
                | 'ả'
                | 'ấ'
                | 'ầ'
                | 'ẩ'
                | 'ẫ'
                | 'ậ'
                | 'ắ'
                | 'ằ'
                | 'ẳ'
                | 'ẵ'
                | 'ặ'
                | 'ă' => 'a',
                'è'..='ê' | 'ẹ' | 'ẻ' | 'ẽ' | 'ế' | 'ề' | 'ể' | 'ễ' | 'ệ' => 'e',
                'ì' | 'í' | 'ỉ' | 'ĩ' | 'ị' => 'i',
                'ò'..='õ'
                | 'ọ'
                | 'ỏ'
                | 'ố'
                | 'ồ'
                | 'ổ'
                | 'ỗ'
                | 'ộ'
                | 'ơ'
                | 'ớ'
                | 'ờ'
                | 'ở'
                | 'ỡ'
                | 'ợ' => 'o',
                'ù' | 'ú' | 'ủ' | 'ũ' | 'ụ' | 'ư' | 'ứ' | 'ừ' | 'ử' | 'ữ' | 'ự' => {
                    'u'
                }
                'ỳ' | 'ý' | 'ỷ' | 'ỹ' | 'ỵ' => 'y',
                'đ' | 'Đ' => 'd',
                c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
                _ => '-',
            })
            .collect();
        let mut slug = String::new();
        for part in ascii.split('-').filter(|p| !p.is_empty()) {
            if !slug.is_empty() {
                slug.push('-');
            }
            slug.push_str(part);
        }
        slug
    }

    fn article_path(&self, site: usize, k: usize, when: i64) -> String {
        let slug = self.slug(site, k);
        let (y, m, d, _, _) = civil(when);
        match Farm::platform(site) {
            "nukeviet" => format!("/tin-tuc/{slug}-n{k}.html"),
            "sharepoint" => format!("/tin-tuc/Pages/{y}-{m}-{d}/{slug}-n{k}.aspx"),
            "liferay" => {
                format!("/web/guest/tin-hoat-dong/-/asset_publisher/Kx3p/content/{slug}-n{k}")
            }
            "wordpress" => format!("/{y}/{m:02}/{d:02}/{slug}-n{k}/"),
            "joomla" => format!("/tin-tuc/{slug}-n{k}.html"),
            "dotnetnuke" => format!("/tin-tuc/ArticleID/{k}/{slug}-n{k}"),
            _ => format!("/tin/{slug}-n{k}.htm"),
        }
    }

    /// Serves the farm on 127.0.0.1 as an HTTP proxy; returns its address.
    pub async fn serve(self: Arc<Farm>) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the farm");
        let addr = listener.local_addr().expect("farm address");
        let farm = self.clone();
        let app = axum::Router::new().fallback(move |req: Request<Body>| {
            let farm = farm.clone();
            async move { farm.answer(req).await }
        });
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("farm server");
        });
        addr
    }

    async fn answer(&self, req: Request<Body>) -> Response<Body> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let host = req
            .uri()
            .host()
            .map(str::to_string)
            .or_else(|| {
                req.headers()
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(|h| h.split(':').next().unwrap_or("").to_string())
            })
            .unwrap_or_default();
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let site: Option<usize> = host
            .strip_suffix(".farm.test")
            .and_then(|s| s.strip_prefix('s'))
            .and_then(|n| n.parse().ok())
            .filter(|n| *n < self.cfg.sites);
        let Some(site) = site else {
            return reply(
                StatusCode::NOT_FOUND,
                "text/plain",
                "no such site".into(),
                None,
            );
        };
        if path == "/robots.txt" {
            return reply(
                StatusCode::OK,
                "text/plain",
                "User-agent: *\nAllow: /\n".into(),
                None,
            );
        }
        let mut wait = self.cfg.latency;
        if self.chance(self.cfg.slow_share) {
            wait += self.cfg.slow;
        }
        tokio::time::sleep(wait).await;
        if self.chance(self.cfg.fail_share) {
            self.failed.fetch_add(1, Ordering::Relaxed);
            return reply(
                StatusCode::SERVICE_UNAVAILABLE,
                "text/plain",
                "busy".into(),
                None,
            );
        }
        let published: Vec<i64> = self.published[site]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let platform = Farm::platform(site);
        // Which page, and its validator; the page is only built when it is sent.
        enum Page {
            List(usize),
            Article(usize),
        }
        let (page, etag) = if let Some(n) = list_page_number(platform, &path) {
            (
                Page::List(n),
                format!("\"l{site}-{}-{n}\"", published.len()),
            )
        } else if let Some(k) = article_number(&path)
            && let Some(&when) = published.get(k)
            && self.article_path(site, k, when) == path
        {
            (Page::Article(k), format!("\"a{site}-{k}\""))
        } else {
            return reply(
                StatusCode::NOT_FOUND,
                "text/plain",
                "not found".into(),
                None,
            );
        };
        if not_modified(req.headers(), &etag) {
            self.not_modified.fetch_add(1, Ordering::Relaxed);
            return reply(
                StatusCode::NOT_MODIFIED,
                "text/html",
                Vec::new(),
                Some(etag),
            );
        }
        let body = match page {
            Page::List(n) => self.list(site, n, &published),
            Page::Article(k) => self.article(site, k, &published),
        };
        self.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
        reply(
            StatusCode::OK,
            "text/html; charset=utf-8",
            body.into_bytes(),
            Some(etag),
        )
    }

    fn site_name(site: usize) -> String {
        let place = PLACES[site % PLACES.len()];
        match Farm::platform(site) {
            "liferay" => format!("Ban Dân vận Huyện ủy {place} {site}"),
            "wordpress" | "table" => format!("Trang thông tin điện tử xã {place} {site}"),
            _ => format!("Cổng thông tin điện tử huyện {place} {site}"),
        }
    }

    /// Menus, sidebars, counters and footers: what surrounds every page.
    fn chrome(&self, site: usize, published: &[i64]) -> (String, String) {
        let name = Farm::site_name(site);
        let mut top = String::with_capacity(8192);
        top.push_str("<div id=\"header\"><div class=\"banner\"><img src=\"/images/banner.jpg\" alt=\"\"><span class=\"site-name\">");
        top.push_str(&name);
        top.push_str("</span></div><ul class=\"menu nav\">");
        for item in [
            "Trang chủ",
            "Giới thiệu",
            "Tin tức - Sự kiện",
            "Chính trị",
            "Kinh tế",
            "Văn hóa - Xã hội",
            "Quốc phòng - An ninh",
            "Văn bản",
            "Thủ tục hành chính",
            "Lịch công tác",
            "Hỏi đáp",
            "Liên hệ",
            "Sơ đồ trang",
            "Dịch vụ công",
            "Công khai ngân sách",
            "Quy hoạch",
        ] {
            top.push_str(&format!(
                "<li><a href=\"/chuyen-muc/{}\">{item}</a><ul class=\"sub\"><li><a href=\"/chuyen-muc/{0}/tin-moi\">Tin mới</a></li><li><a href=\"/chuyen-muc/{0}/thong-bao\">Thông báo</a></li></ul></li>",
                item.len()
            ));
        }
        top.push_str("</ul><div class=\"date-today\">Thứ Hai, 02/10/2023</div><form class=\"search\"><input name=\"q\"><button>Tìm kiếm</button></form></div>");
        let mut side = String::with_capacity(8192);
        side.push_str("<div class=\"sidebar\"><div class=\"block\"><h3>Tin mới</h3><ul>");
        for k in (0..published.len()).rev().take(8) {
            side.push_str(&format!(
                "<li><a href=\"{}\">{}</a></li>",
                self.article_path(site, k, published[k]),
                self.title(site, k)
            ));
        }
        side.push_str("</ul></div><div class=\"block mostview\"><h3>Xem nhiều</h3><ul>");
        for (k, &at) in published.iter().enumerate().take(8) {
            side.push_str(&format!(
                "<li><a href=\"{}\">{}</a></li>",
                self.article_path(site, k, at),
                self.title(site, k)
            ));
        }
        side.push_str("</ul></div><div class=\"block statistic\"><h3>Thống kê truy cập</h3><p>Đang truy cập: 42</p><p>Hôm nay: 1.234</p><p>Tổng lượt truy cập: 3.456.789</p></div>");
        side.push_str("<div class=\"block links\"><h3>Liên kết website</h3><select>");
        for n in 0..30 {
            side.push_str(&format!(
                "<option value=\"https://portal{n}.gov.vn\">Cổng thông tin điện tử số {n}</option>"
            ));
        }
        side.push_str("</select></div></div><div id=\"footer\"><p>");
        side.push_str(&name);
        side.push_str("</p><p>Chịu trách nhiệm chính: Chánh Văn phòng. Địa chỉ: số 1, đường 30/4. Điện thoại: 0272.3826.123. Email: vanphong@example.gov.vn</p><p>Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p></div>");
        (top, side)
    }

    /// Inline scripts and styles up to the page's size (30–60 KB), as portals carry them.
    fn pad(out: &mut String, target: usize) {
        const CHUNK: &str = "window._portalContext=window._portalContext||{};_portalContext.webparts.push({id:'g_1f3a',zone:'Main',chrome:'TitleOnly',allowEdit:false,allowHide:true});\n";
        if out.len() >= target {
            return;
        }
        out.push_str("<script type=\"text/javascript\">");
        while out.len() < target {
            out.push_str(CHUNK);
        }
        out.push_str("</script>");
    }

    fn head(&self, site: usize, title: &str) -> String {
        let name = Farm::site_name(site);
        let generator = match Farm::platform(site) {
            "nukeviet" => "<meta name=\"generator\" content=\"NukeViet v4.5\">",
            "sharepoint" => "<meta name=\"GENERATOR\" content=\"Microsoft SharePoint\">",
            "joomla" => {
                "<meta name=\"generator\" content=\"Joomla! - Open Source Content Management\">"
            }
            "wordpress" => {
                "<link rel=\"stylesheet\" href=\"/wp-content/themes/xa/style.css\"><link rel=\"stylesheet\" href=\"/wp-includes/css/dist/block-library/style.min.css\">"
            }
            _ => "",
        };
        format!(
            "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">{generator}<title>{title} - {name}</title>\
             <meta property=\"og:site_name\" content=\"{name}\"><link rel=\"stylesheet\" href=\"/css/style.css\">\
             <style>body{{font-family:Arial}} .menu li{{display:inline-block}} .sidebar{{float:right;width:30%}}</style></head><body>"
        )
    }

    fn article(&self, site: usize, k: usize, published: &[i64]) -> String {
        let title = self.title(site, k);
        let (a, b) = self.seed(site, k);
        let mut r = Seq::new(a ^ 0x55, b);
        let mut paras = Vec::new();
        for _ in 0..(6 + r.below(7)) {
            let n = 60 + r.below(60);
            let mut p = String::new();
            for i in 0..n {
                let w = r.pick(WORDS);
                if i == 0 {
                    let mut c = w.chars();
                    if let Some(f) = c.next() {
                        p.extend(f.to_uppercase());
                        p.push_str(c.as_str());
                    }
                } else {
                    p.push(' ');
                    p.push_str(w);
                }
            }
            p.push_str(&format!(" với {} lượt người tham gia.", 10 + r.below(900)));
            paras.push(p);
        }
        let author = ["Minh Trí", "Thanh Hà", "Ngọc Lan", "Văn Nam", "Hoàng Phúc"][r.below(5)];
        let when = published[k];
        let (y, m, d, hh, mm) = civil(when);
        let date = format!("{d:02}/{m:02}/{y} {hh:02}:{mm:02}");
        let body: String = paras.iter().map(|p| format!("<p>{p}</p>")).collect();
        let (top, side) = self.chrome(site, published);
        let share = "<div class=\"share-tools\"><a href=\"#\" class=\"fb-share\">Chia sẻ</a> <a href=\"#\" class=\"print\">In bài viết</a> <a href=\"#\" class=\"sendmail\">Gửi email</a> <span class=\"fontsize\">A- A A+</span></div>";
        let views = format!(
            "<div class=\"viewcount\">Số lượng lượt xem: {}</div><div class=\"rating\">Tổng số điểm của bài viết là: {} trong {} đánh giá</div>",
            100 + r.below(5000),
            r.below(100),
            r.below(30)
        );
        let related: String = (0..k.min(5))
            .map(|j| {
                format!(
                    "<li><a href=\"{}\">{}</a></li>",
                    self.article_path(site, j, published[j]),
                    self.title(site, j)
                )
            })
            .collect();
        let main = match Farm::platform(site) {
            "nukeviet" => format!(
                "<div class=\"news_column panel\"><div class=\"panel-body\"><h1 class=\"title\">{title}</h1><span class=\"h5\">{date}</span>{share}\
                 <div class=\"hometext\">{}</div><div id=\"news-bodyhtml\" class=\"bodytext\">{body}<p style=\"text-align:right\"><strong>{author}</strong></p></div>{views}\
                 <div class=\"news_column other-news\"><h3>Tin liên quan</h3><ul>{related}</ul></div></div></div>",
                paras[0].split(' ').take(30).collect::<Vec<_>>().join(" ")
            ),
            "sharepoint" => format!(
                "<form id=\"aspnetForm\"><div class=\"article-header\"><h1>{title}</h1><div class=\"date\">Ngày {d}/{m}/{y}</div></div>{share}\
                 <div id=\"ctl00_PlaceHolderMain_RichHtmlField\" class=\"ms-rtestate-field\">{body}<p style=\"text-align:right\">{author}</p></div>{views}\
                 <div class=\"other-news\"><h3>Các tin khác</h3><ul>{related}</ul></div></form>"
            ),
            "liferay" => format!(
                "<div id=\"p_p_id_com_liferay_journal_content_web_portlet_JournalContentPortlet_INSTANCE_ab12\" class=\"portlet-boundary\">\
                 <div class=\"journal-content-article\"><h2 class=\"title\">{title}</h2><p class=\"date\">Ngày đăng: {date}</p>{body}<p style=\"text-align:right\"><b>{author}</b></p></div></div>{share}{views}\
                 <div class=\"asset-related\"><h3>Tin cùng chuyên mục</h3><ul>{related}</ul></div>"
            ),
            "wordpress" => format!(
                "<article class=\"post\"><h1 class=\"entry-title\">{title}</h1><div class=\"entry-meta\"><time class=\"entry-date\" datetime=\"{y}-{m:02}-{d:02}T{hh:02}:{mm:02}:00+07:00\">{d:02}/{m:02}/{y}</time></div>\
                 <div class=\"entry-content\">{body}<p>Tác giả: {author}</p></div></article>{share}\
                 <div class=\"jp-relatedposts\"><h3>Bài viết liên quan</h3><ul>{related}</ul></div><div id=\"comments\"><h3>Để lại bình luận</h3><form><textarea></textarea></form></div>"
            ),
            "joomla" => format!(
                "<div class=\"item-page\"><h2 itemprop=\"headline\">{title}</h2><dl class=\"article-info\"><dd class=\"published\"><time datetime=\"{y}-{m:02}-{d:02}T{hh:02}:{mm:02}:00+07:00\">{date}</time></dd><dd class=\"hits\">Lượt xem: 321</dd></dl>\
                 <div itemprop=\"articleBody\">{body}<p><strong>{author}</strong></p></div></div>{share}\
                 <div class=\"relateditems\"><h3>Tin liên quan</h3><ul>{related}</ul></div>"
            ),
            "dotnetnuke" => format!(
                "<div class=\"DnnModule-EasyDNNnews\"><div class=\"edn_article\"><h1 class=\"edn_articleTitle\">{title}</h1><div class=\"edn_metaDetails\">{date}</div>\
                 <div class=\"edn_articleContent\">{body}<p style=\"text-align:right\">{author}</p></div></div></div>{share}{views}\
                 <div class=\"edn_relatedArticles\"><h3>Tin cùng chuyên mục</h3><ul>{related}</ul></div>"
            ),
            _ => format!(
                "<table width=\"100%\"><tr><td class=\"title\"><font size=\"4\"><b>{title}</b></font></td></tr>\
                 <tr><td><font size=\"2\">Cập nhật: {date}</font></td></tr><tr><td class=\"content\">{body}<p align=\"right\"><b>{author}</b></p></td></tr></table>{views}\
                 <table><tr><td><b>Các tin khác</b><ul>{related}</ul></td></tr></table>"
            ),
        };
        let mut page = self.head(site, &title);
        page.push_str(&top);
        page.push_str("<div class=\"wraper\"><div class=\"main\">");
        page.push_str(&main);
        page.push_str("</div>");
        page.push_str(&side);
        page.push_str("</div>");
        let target = 30_000 + (mix((site as u64) << 24 | k as u64) % 30_000) as usize;
        Farm::pad(&mut page, target);
        page.push_str("</body></html>");
        page
    }

    fn list(&self, site: usize, page: usize, published: &[i64]) -> String {
        let platform = Farm::platform(site);
        let per = self.cfg.per_page;
        let newest_first: Vec<usize> = (0..published.len()).rev().collect();
        let items: String = newest_first
            .iter()
            .skip((page - 1) * per)
            .take(per)
            .map(|&k| {
                let (y, m, d, hh, mm) = civil(published[k]);
                format!(
                    "<div class=\"news-item\"><a href=\"{p}\"><img src=\"/uploads/thumb-{k}.jpg\" alt=\"\"></a><h3><a href=\"{p}\">{t}</a></h3>\
                     <span class=\"date\">{d:02}/{m:02}/{y} {hh:02}:{mm:02}</span><p class=\"summary\">Tóm tắt: {t} trong khuôn khổ chương trình công tác năm của địa phương.</p></div>",
                    p = self.article_path(site, k, published[k]),
                    t = self.title(site, k)
                )
            })
            .collect();
        let pages = published.len().div_ceil(per).max(1);
        let next = if page < pages {
            format!(
                "<div class=\"pagination\"><a href=\"{}\" rel=\"next\">Trang sau</a></div>",
                list_path(platform, page + 1)
            )
        } else {
            String::new()
        };
        let (top, side) = self.chrome(site, published);
        let mut out = self.head(site, "Tin hoạt động");
        out.push_str(&top);
        out.push_str("<div class=\"wraper\"><div class=\"main\"><h2 class=\"cat-title\">Tin hoạt động</h2><div class=\"news-list\">");
        out.push_str(&items);
        out.push_str("</div>");
        out.push_str(&next);
        out.push_str("</div>");
        out.push_str(&side);
        out.push_str("</div>");
        Farm::pad(&mut out, 30_000);
        out.push_str("</body></html>");
        out
    }
}

fn list_path(platform: &str, page: usize) -> String {
    match (platform, page) {
        ("nukeviet", 1) => "/tin-tuc/".into(),
        ("nukeviet", p) => format!("/tin-tuc/page-{p}/"),
        ("sharepoint", 1) => "/tin-tuc/Pages/Tin-hoat-dong.aspx".into(),
        ("sharepoint", p) => format!("/tin-tuc/Pages/Tin-hoat-dong.aspx?Page={p}"),
        ("liferay", 1) => "/web/guest/tin-hoat-dong".into(),
        ("liferay", p) => format!("/web/guest/tin-hoat-dong?cur={p}"),
        ("wordpress", 1) => "/chuyen-muc/tin-tuc/".into(),
        ("wordpress", p) => format!("/chuyen-muc/tin-tuc/page/{p}/"),
        ("joomla", 1) => "/tin-tuc.html".into(),
        ("joomla", p) => format!("/tin-tuc.html?start={}", (p - 1) * 10),
        ("dotnetnuke", 1) => "/tin-tuc".into(),
        ("dotnetnuke", p) => format!("/tin-tuc/PgrID/1/PageID/{p}"),
        (_, 1) => "/tin/index.asp".into(),
        (_, p) => format!("/tin/index.asp?page={p}"),
    }
}

fn list_page_number(platform: &str, path: &str) -> Option<usize> {
    (1..=50).find(|p| list_path(platform, *p) == path)
}

/// The article number in an article path (`…-n42.html`, `…-n42/`, `…-n42`).
fn article_number(path: &str) -> Option<usize> {
    let last = path.trim_end_matches('/').rsplit('/').next()?;
    let stem = last.split('.').next()?;
    let (_, n) = stem.rsplit_once("-n")?;
    n.parse().ok()
}

fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
}

fn reply(status: StatusCode, ct: &str, body: Vec<u8>, etag: Option<String>) -> Response<Body> {
    let mut b = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, ct);
    if let Some(e) = etag {
        b = b.header(header::ETAG, e);
    }
    b.body(Body::from(body)).unwrap_or_default()
}

/// Year, month, day, hour, minute in Vietnam time (+07:00) of a Unix time.
fn civil(t: i64) -> (i64, u32, u32, u32, u32) {
    let t = t + 7 * 3600;
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, (secs / 3600) as u32, ((secs % 3600) / 60) as u32)
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        // 2023-10-02 09:05 +07:00 = 2023-10-02 02:05 UTC
        assert_eq!(civil(1_696_212_300), (2023, 10, 2, 9, 5));
    }

    #[test]
    fn paths_round_trip() {
        let farm = Farm::new(
            FarmConfig {
                sites: 14,
                articles: 12,
                per_page: 10,
                latency: Duration::ZERO,
                slow_share: 0.0,
                slow: Duration::ZERO,
                fail_share: 0.0,
                province: 5,
            },
            1_700_000_000,
        );
        for site in 0..14 {
            let p = farm.published[site].lock().unwrap().clone();
            for k in 0..p.len() {
                let path = farm.article_path(site, k, p[k]);
                assert_eq!(article_number(&path), Some(k), "{path}");
                let html = farm.article(site, k, &p);
                assert!((30_000..62_000).contains(&html.len()), "{}", html.len());
            }
            assert_eq!(
                list_page_number(Farm::platform(site), &list_path(Farm::platform(site), 2)),
                Some(2)
            );
        }
    }
}
