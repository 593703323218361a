//! Bad input never panics: arbitrary bytes, arbitrary and malformed HTML, absurd nesting.
//! Whatever comes out is NFC text.

use portalfeed::extract::{self, ArticleRules};
use portalfeed::fetch::decode::decode_html;
use proptest::prelude::*;
use unicode_normalization::is_nfc;
use url::Url;

fn url() -> Url {
    Url::parse("http://portal.test/tin-tuc/bai-viet-1.html").unwrap()
}

fn check(bytes: &[u8], content_type: Option<&str>) {
    let Ok(decoded) = decode_html(bytes, content_type) else {
        return;
    };
    assert!(is_nfc(&decoded.text));
    if let Ok(a) = extract::extract(&decoded.text, &url(), &ArticleRules::default()) {
        for s in [&a.title, &a.text(), &a.content_html] {
            assert!(is_nfc(s), "not NFC: {s:?}");
        }
        for s in a.author.iter().chain(a.credit.iter()) {
            assert!(is_nfc(s));
        }
        for i in &a.images {
            assert!(Url::parse(i).is_ok(), "image URL {i:?} is not absolute");
        }
    }
}

/// Pieces of HTML, well-formed or not, with Vietnamese text in NFC and NFD.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<p>".to_string()),
        Just("</p>".to_string()),
        Just("<div class=\"content\">".to_string()),
        Just("<div class=\"share hidden\" style=\"display:none\">".to_string()),
        Just("</div>".to_string()),
        Just("<table><tr><td>".to_string()),
        Just("</td></tr></table>".to_string()),
        Just("<a href=\"/tin-tuc/bai-2.html\">".to_string()),
        Just("<a href=\"javascript:alert(1)\">".to_string()),
        Just("</a>".to_string()),
        Just("<img src=\"/a.jpg\" data-src=\"../b.jpg\">".to_string()),
        Just("<img srcset=\",,, \">".to_string()),
        Just("<br>".to_string()),
        Just("<h1>".to_string()),
        Just("</h1>".to_string()),
        Just("<script>var x = '<p>';</script>".to_string()),
        Just("<!-- comment".to_string()),
        Just("<meta name=\"generator\" content=\"NukeViet\">".to_string()),
        Just("<link rel=\"canonical\" href=\"http://[::1\">".to_string()),
        Just("<span itemprop=\"datePublished\">2023-99-99T99:99</span>".to_string()),
        Just("Thứ Sáu, 31/02/2019 25:61 CH".to_string()),
        Just("Nguồn: ".to_string()),
        Just("Tin, ảnh: ".to_string()),
        Just("Lượt xem: 12".to_string()),
        Just("Tin liên quan".to_string()),
        Just("Co\u{0302}\u{0301}ng tho\u{0302}ng tin ".to_string()),
        Just("\u{00A0}\u{200B}\u{FEFF}".to_string()),
        "[a-zA-ZàáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễđĐÐ ,.:/0-9]{0,80}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096), ct in prop_oneof![
        Just(None),
        Just(Some("text/html")),
        Just(Some("text/html; charset=windows-1258")),
        Just(Some("text/html; charset=utf-8")),
        Just(Some("application/pdf")),
    ]) {
        check(&bytes, ct);
    }

    #[test]
    fn arbitrary_html_never_panics(parts in proptest::collection::vec(fragment(), 0..200)) {
        let html = parts.concat();
        check(html.as_bytes(), Some("text/html; charset=utf-8"));
    }
}

/// 10,000 levels: refused with a clear error, in bounded time and stack.
#[test]
fn absurd_nesting_does_not_overflow_the_stack() {
    let depth = 5_000;
    let mut html = String::from("<html><body>");
    for _ in 0..depth {
        html.push_str("<div><span>");
    }
    html.push_str(
        "<p>Một đoạn văn bản nằm rất sâu trong trang, đủ dài để được tính là nội dung chính.</p>",
    );
    let result = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            check(html.as_bytes(), Some("text/html"));
        })
        .unwrap()
        .join();
    assert!(
        result.is_ok(),
        "extraction panicked or overflowed on deep nesting"
    );
}

#[test]
fn huge_pages_with_no_article_are_an_error_not_a_panic() {
    let html = "<ul>".to_string() + &"<li><a href=\"/x\">menu</a></li>".repeat(50_000) + "</ul>";
    let r = extract::extract(&html, &url(), &ArticleRules::default());
    assert!(r.is_err());
}

/// A page nested 50,000 deep (the parser's cost grows with the depth: 6 s for this one)
/// is refused before it is parsed, with the reason, by extraction and by list discovery.
#[test]
fn a_hostile_depth_is_refused_before_parsing() {
    let depth = 50_000;
    let html = format!(
        "<html><body>{}<p>Một đoạn văn bản nằm rất sâu trong trang, đủ dài để được tính là nội dung chính.</p>{}</body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let err = extract::extract(&html, &url(), &ArticleRules::default()).unwrap_err();
    assert!(err.to_string().contains("refused before parsing"), "{err}");
    let cfg = portalfeed::config::Config::from_str(
        "[[source]]\nid = \"s\"\nurl = \"http://portal.test/tin-tuc/\"\n",
        std::path::Path::new("t.toml"),
    )
    .unwrap();
    let err = portalfeed::index::find_links(&html, &url(), &cfg.sources[0]).unwrap_err();
    assert!(err.to_string().contains("refused before parsing"), "{err}");
    // An ordinary page of many siblings is not deep.
    let wide = format!(
        "<html><body><h1>Tin</h1>{}</body></html>",
        "<div><p>Một đoạn văn bản của bài viết, đủ dài để được tính là nội dung chính.</p></div>"
            .repeat(20_000)
    );
    assert!(extract::extract(&wide, &url(), &ArticleRules::default()).is_ok());
}
