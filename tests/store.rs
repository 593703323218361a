//! Identity and storage rules, each on its own: new, unchanged, corrected in place with a
//! revision, re-posts merged by content key and by near-identical text, reports from one
//! template kept apart, GUIDs that never change, search, retention, and an old database
//! upgraded in place.

mod common;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use common::article;
use portalfeed::extract::Article;
use portalfeed::store::{FeedScope, SaveOutcome, Store};
use portalfeed::text::Identity;

/// Stores `a` as the crawl does: its identity worked out first, then one `save`.
fn save(
    s: &Store,
    source: &str,
    url: &str,
    a: &Article,
    now: DateTime<Utc>,
) -> Result<SaveOutcome, portalfeed::store::StoreError> {
    s.save(source, url, a, &Identity::of(&a.paragraphs), now)
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    let cfg = portalfeed::config::Config::from_str(
        "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\ntags = [\"x\"]\n[[source]]\nid = \"b\"\nurl = \"http://b.test/\"\n",
        std::path::Path::new("t.toml"),
    )
    .unwrap();
    store.sync_sources(&cfg.sources).unwrap();
    (dir, store)
}

const REPORT: &[&str] = &[
    "Sáng ngày 02/10/2023, UBND huyện Đakrông tổ chức Hội nghị đối thoại giữa Chủ tịch UBND huyện với Nhân dân năm 2023, với sự tham dự của hơn 120 đại biểu là người có uy tín, cán bộ thôn, bản và đại diện các hộ gia đình trên địa bàn.",
    "Tại hội nghị, các đại biểu đã nêu 24 ý kiến, kiến nghị liên quan đến đất đai, giao thông nông thôn, nước sinh hoạt, chính sách hỗ trợ hộ nghèo và việc làm cho thanh niên sau khi hoàn thành nghĩa vụ quân sự.",
    "Các ý kiến, kiến nghị đã được lãnh đạo UBND huyện và thủ trưởng các phòng, ban chuyên môn trả lời thẳng thắn, cụ thể; những nội dung vượt thẩm quyền được tổng hợp báo cáo cấp trên xem xét, giải quyết.",
    "Phát biểu kết luận hội nghị, Chủ tịch UBND huyện ghi nhận những ý kiến tâm huyết của Nhân dân và yêu cầu các cơ quan liên quan khẩn trương giải quyết dứt điểm các kiến nghị trong quý IV năm 2023.",
];

fn item_of(store: &Store, scope: FeedScope, link: &str) -> portalfeed::store::FeedItem {
    store
        .feed_items(&scope, 100)
        .unwrap()
        .into_iter()
        .find(|i| i.link == link)
        .unwrap_or_else(|| panic!("no item links to {link}"))
}

#[test]
fn unchanged_updated_and_revisions() {
    let (_d, s) = store();
    let url = "http://a.test/tin-tuc/doi-thoai-1921.html";
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(
        save(
            &s,
            "a",
            url,
            &article(url, "Hội nghị đối thoại", REPORT),
            t0
        )
        .unwrap(),
        SaveOutcome::New
    );
    let first = item_of(&s, FeedScope::All, url);
    // Same URL, same key: nothing changes, not even a timestamp.
    assert_eq!(
        save(
            &s,
            "a",
            url,
            &article(url, "Hội nghị đối thoại", REPORT),
            t0 + Duration::hours(1)
        )
        .unwrap(),
        SaveOutcome::Unchanged
    );
    assert_eq!(item_of(&s, FeedScope::All, url).updated, first.updated);
    // Same URL, corrected text: same id, new `updated`, the old version kept.
    let mut fixed = REPORT.to_vec();
    fixed[1] = "Tại hội nghị, các đại biểu đã nêu 26 ý kiến, kiến nghị liên quan đến đất đai, giao thông nông thôn, nước sinh hoạt, chính sách hỗ trợ hộ nghèo và việc làm cho thanh niên sau khi hoàn thành nghĩa vụ quân sự.";
    assert_eq!(
        save(
            &s,
            "a",
            url,
            &article(url, "Hội nghị đối thoại", &fixed),
            t0 + Duration::hours(2)
        )
        .unwrap(),
        SaveOutcome::Updated
    );
    let after = item_of(&s, FeedScope::All, url);
    assert_eq!(after.guid, first.guid);
    assert_eq!(after.updated, t0 + Duration::hours(2));
    assert!(after.text.contains("26 ý kiến"));
    let conn = rusqlite::Connection::open(_d.path().join("t.db")).unwrap();
    let old: String = conn
        .query_row("SELECT text FROM revisions", [], |r| r.get(0))
        .unwrap();
    assert!(old.contains("24 ý kiến"), "the revision keeps the old text");
}

/// A file attached to an unchanged text (a decision posted late) updates the item in
/// place, in the source's feed and in `all`, without a revision; the same files again
/// change nothing.
#[test]
fn a_new_attachment_updates_the_item_without_a_revision() {
    let (d, s) = store();
    let url = "http://a.test/tin-tuc/doi-thoai-1921.html";
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let plain = article(url, "Hội nghị đối thoại", REPORT);
    assert_eq!(save(&s, "a", url, &plain, t0).unwrap(), SaveOutcome::New);
    let mut with_file = plain.clone();
    with_file.attachments = vec![portalfeed::model::Attachment {
        url: "http://a.test/uploads/kh-12.pdf".into(),
        title: "Kế hoạch 12/KH-UBND".into(),
        media_type: Some("application/pdf".into()),
        length: Some(48_213),
    }];
    let t1 = t0 + Duration::hours(1);
    assert_eq!(
        save(&s, "a", url, &with_file, t1).unwrap(),
        SaveOutcome::Updated
    );
    for scope in [FeedScope::All, FeedScope::Source("a".into())] {
        let item = item_of(&s, scope, url);
        assert_eq!(item.attachments, with_file.attachments);
        assert_eq!(item.updated, t1);
    }
    assert_eq!(
        save(&s, "a", url, &with_file, t1 + Duration::hours(1)).unwrap(),
        SaveOutcome::Unchanged
    );
    let conn = rusqlite::Connection::open(d.path().join("t.db")).unwrap();
    let revisions: i64 = conn
        .query_row("SELECT count(*) FROM revisions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(revisions, 0);
}

#[test]
fn a_url_two_sources_list_is_new_to_each_whichever_fetched_it_first() {
    // Two sections of one portal can list the same article, and the daemon fetches
    // sources concurrently: the outcome for each must not depend on the order.
    let url = "http://a.test/tin-tuc/doi-thoai-1921.html";
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    for order in [["a", "b"], ["b", "a"]] {
        let (_d, s) = store();
        for (i, source) in order.iter().enumerate() {
            let outcome = save(
                &s,
                source,
                url,
                &article(url, "Hội nghị đối thoại", REPORT),
                t0 + Duration::minutes(i as i64),
            )
            .unwrap();
            assert_eq!(outcome, SaveOutcome::New, "{source} in order {order:?}");
        }
        // Fetched again by either, it is unchanged.
        assert_eq!(
            save(
                &s,
                "a",
                url,
                &article(url, "Hội nghị đối thoại", REPORT),
                t0 + Duration::hours(1)
            )
            .unwrap(),
            SaveOutcome::Unchanged
        );
        for source in ["a", "b"] {
            let feed = s
                .feed_items(&FeedScope::Source(source.into()), 100)
                .unwrap();
            assert_eq!(feed.len(), 1, "{source}'s feed in order {order:?}");
        }
        assert_eq!(s.feed_items(&FeedScope::All, 100).unwrap().len(), 1);
    }
}

#[test]
fn reposts_merge_and_template_reports_stay_apart() {
    let (_d, s) = store();
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let original = "http://a.test/tin-tuc/doi-thoai-1921.html";
    assert_eq!(
        save(
            &s,
            "a",
            original,
            &article(original, "Đối thoại", REPORT),
            t0
        )
        .unwrap(),
        SaveOutcome::New
    );
    let guid = item_of(&s, FeedScope::All, original).guid;

    // The same text with an eth for Đ and an NBSP: the same content key.
    let eth: Vec<String> = REPORT
        .iter()
        .map(|p| p.replace('Đ', "Ð").replacen(' ', "\u{a0}", 1))
        .collect();
    let eth_refs: Vec<&str> = eth.iter().map(String::as_str).collect();
    let copy = "http://b.test/-/doi-thoai";
    assert_eq!(
        save(&s, "b", copy, &article(copy, "Đối thoại", &eth_refs), t0).unwrap(),
        SaveOutcome::Merged
    );

    // Typical small edits: a trimmed last sentence, a credit added, a caption changed.
    let mut trimmed = REPORT.to_vec();
    trimmed[3] = "Phát biểu kết luận hội nghị, Chủ tịch UBND huyện ghi nhận những ý kiến tâm huyết của Nhân dân.";
    let mut credited = REPORT.to_vec();
    credited.push("Theo Báo Quảng Trị");
    let mut captioned = REPORT.to_vec();
    captioned.insert(1, "Quang cảnh hội nghị đối thoại");
    for (i, edited) in [trimmed, credited, captioned].iter().enumerate() {
        let url = format!("http://b.test/-/doi-thoai-ban-{i}");
        assert_eq!(
            save(&s, "b", &url, &article(&url, "Đối thoại", edited), t0).unwrap(),
            SaveOutcome::Merged,
            "edit {i}"
        );
    }
    assert_eq!(s.item_count().unwrap(), 1);
    // In the re-posting source's feed the item links to that source's copy, same id.
    let in_b = item_of(&s, FeedScope::Source("b".into()), copy);
    assert_eq!(
        in_b.guid, guid,
        "the GUID never changes, whatever is merged"
    );
    assert_eq!(item_of(&s, FeedScope::All, original).other_copies.len(), 4);

    // Another report from the same district and template, with different facts.
    let other: Vec<String> = REPORT
        .iter()
        .map(|p| {
            p.replace("02/10/2023", "15/11/2023")
                .replace("120", "95")
                .replace("24 ý kiến", "17 ý kiến")
                .replace("quý IV", "quý I năm 2024 và")
                .replace("năm 2023", "năm 2023 đợt hai")
        })
        .collect();
    let other_refs: Vec<&str> = other.iter().map(String::as_str).collect();
    let next = "http://a.test/tin-tuc/doi-thoai-dot-hai-1950.html";
    assert_eq!(
        save(
            &s,
            "a",
            next,
            &article(next, "Đối thoại đợt hai", &other_refs),
            t0
        )
        .unwrap(),
        SaveOutcome::New
    );
    // Even a figure alone keeps two reports apart.
    let mut one_figure = REPORT.to_vec();
    one_figure[1] = "Tại hội nghị, các đại biểu đã nêu 31 ý kiến, kiến nghị liên quan đến đất đai, giao thông nông thôn, nước sinh hoạt, chính sách hỗ trợ hộ nghèo và việc làm cho thanh niên sau khi hoàn thành nghĩa vụ quân sự.";
    let third = "http://a.test/tin-tuc/doi-thoai-xa-1951.html";
    assert_eq!(
        save(
            &s,
            "a",
            third,
            &article(third, "Đối thoại ở xã", &one_figure),
            t0
        )
        .unwrap(),
        SaveOutcome::New
    );
    assert_eq!(s.item_count().unwrap(), 3);
}

/// A page whose "body" ends in a rotating block: the text changes on every fetch, in the
/// same place. After three such changes the item flaps: no more revisions, the stored
/// story stands, and `sources` says so; a real correction elsewhere is still kept.
#[test]
fn revisions_that_flap_in_one_place_stop_being_recorded() {
    let (d, s) = store();
    let url = "http://a.test/tin-tuc/doi-thoai-1921.html";
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let with_block = |n: usize, first: &str| {
        let mut p: Vec<String> = REPORT.iter().map(|s| s.to_string()).collect();
        p[0] = first.to_string();
        p.push(format!(
            "Tin đọc nhiều: bài viết số {n} được nhiều người quan tâm trong tuần."
        ));
        p
    };
    let save = |n: usize, first: &str| {
        let p = with_block(n, first);
        let refs: Vec<&str> = p.iter().map(String::as_str).collect();
        save(
            &s,
            "a",
            url,
            &article(url, "Đối thoại", &refs),
            t0 + Duration::hours(n as i64),
        )
        .unwrap()
    };
    let revisions = || -> i64 {
        rusqlite::Connection::open(d.path().join("t.db"))
            .unwrap()
            .query_row("SELECT count(*) FROM revisions", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(save(0, REPORT[0]), SaveOutcome::New);
    // The first two changes in that place read as corrections.
    assert_eq!(save(1, REPORT[0]), SaveOutcome::Updated);
    assert_eq!(save(2, REPORT[0]), SaveOutcome::Updated);
    assert_eq!(revisions(), 2);
    assert_eq!(s.health("a").unwrap().flapping, 0);
    // The third in a row, on every fetch: the item flaps; no revision for it.
    assert_eq!(save(3, REPORT[0]), SaveOutcome::Updated);
    assert_eq!(revisions(), 2);
    assert_eq!(s.health("a").unwrap().flapping, 1);
    let note = portalfeed::store::flapping_note(1).unwrap();
    assert!(note.contains("no longer recorded"), "{note}");
    // From now on the block's changes leave the item alone.
    let stored = item_of(&s, FeedScope::All, url);
    assert_eq!(save(4, REPORT[0]), SaveOutcome::Unchanged);
    assert_eq!(save(5, REPORT[0]), SaveOutcome::Unchanged);
    let after = item_of(&s, FeedScope::All, url);
    assert_eq!((after.updated, after.text), (stored.updated, stored.text));
    assert_eq!(revisions(), 2);
    // A correction of the first paragraph is another place: kept, with a revision.
    let fixed = REPORT[0].replace("120", "125");
    assert_eq!(save(6, &fixed), SaveOutcome::Updated);
    assert_eq!(revisions(), 3);
    assert!(
        item_of(&s, FeedScope::All, url)
            .text
            .contains("125 đại biểu")
    );
}

/// A real article corrected now and then, with unchanged fetches between: never flaps.
#[test]
fn occasional_corrections_in_one_place_keep_their_revisions() {
    let (_d, s) = store();
    let url = "http://a.test/tin-tuc/doi-thoai-1921.html";
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let version = |n: usize| {
        let mut p: Vec<String> = REPORT.iter().map(|s| s.to_string()).collect();
        p[3] = format!("{} (cập nhật lần {n})", p[3]);
        p
    };
    let mut hour = 0;
    let mut save = |p: Vec<String>| {
        hour += 1;
        let refs: Vec<&str> = p.iter().map(String::as_str).collect();
        save(
            &s,
            "a",
            url,
            &article(url, "Đối thoại", &refs),
            t0 + Duration::hours(hour),
        )
        .unwrap()
    };
    assert_eq!(save(version(0)), SaveOutcome::New);
    for n in 1..=4 {
        assert_eq!(save(version(n - 1)), SaveOutcome::Unchanged);
        assert_eq!(save(version(n - 1)), SaveOutcome::Unchanged);
        assert_eq!(save(version(n)), SaveOutcome::Updated, "correction {n}");
    }
    assert_eq!(s.health("a").unwrap().flapping, 0);
}

/// A re-post crawled before its original: the merged story takes the original's
/// (earlier) date, and a later re-post never moves it.
#[test]
fn a_merged_story_is_dated_by_its_earliest_copy() {
    let (_d, s) = store();
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let at = |d: u32| {
        FixedOffset::east_opt(7 * 3600)
            .unwrap()
            .with_ymd_and_hms(2019, 4, d, 0, 0, 0)
            .unwrap()
    };
    let dated = |url: &str, d: u32| Article {
        published: Some(at(d)),
        ..article(url, "Có dân vận là có tất cả", REPORT)
    };
    let repost = "http://b.test/-/co-dan-van-la-co-tat-ca";
    let original = "http://a.test/tin-tuc/co-dan-van-la-co-tat-ca.aspx";
    let later = "http://b.test/-/co-dan-van-la-co-tat-ca-2";
    assert_eq!(
        save(&s, "b", repost, &dated(repost, 22), t0).unwrap(),
        SaveOutcome::New
    );
    assert_eq!(
        save(&s, "a", original, &dated(original, 19), t0).unwrap(),
        SaveOutcome::Merged
    );
    assert_eq!(
        save(&s, "b", later, &dated(later, 25), t0).unwrap(),
        SaveOutcome::Merged
    );
    // `all` shows the original, published first, though the re-post was crawled first;
    // the GUID stays the one the first copy gave the item.
    let guid = item_of(&s, FeedScope::Source("b".into()), repost).guid;
    let item = item_of(&s, FeedScope::All, original);
    assert_eq!(item.published, Some(at(19)));
    assert_eq!(item.guid, guid);
    assert_eq!(item.source_id, "a");
    // Each source's feed keeps its own copy's date.
    assert_eq!(
        item_of(&s, FeedScope::Source("b".into()), repost).published,
        Some(at(22))
    );
}

/// Portal A re-publishes portal B's story under its own headline, with a paragraph of its
/// own (a phishing link), before B is crawled. B's copy merges into A's item, but B's
/// feed shows what B's page says; `all` shows one story, the earliest published; a
/// correction on B changes B's copy only.
#[test]
fn a_merged_copy_never_rewrites_another_sources_feed() {
    let (_d, s) = store();
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let at = |d: u32| {
        FixedOffset::east_opt(7 * 3600)
            .unwrap()
            .with_ymd_and_hms(2023, 10, d, 9, 0, 0)
            .unwrap()
    };
    let phishing = "Nhận hỗ trợ 5 triệu đồng tại đây: http://ho-tro.example/dang-ky";
    let mut theirs: Vec<&str> = REPORT.to_vec();
    theirs.push(phishing);
    let a_url = "http://a.test/tin-tuc/tin-nong-ho-tro.html";
    let a_copy = Article {
        published: Some(at(3)),
        images: vec!["http://a.test/banner.jpg".into()],
        attachments: vec![],
        categories: vec![],
        document: None,
        ..article(a_url, "TIN NÓNG: nhận hỗ trợ ngay", &theirs)
    };
    assert_eq!(save(&s, "a", a_url, &a_copy, t0).unwrap(), SaveOutcome::New);
    let b_url = "http://b.test/tin-tuc/doi-thoai-1921.html";
    let b_copy = Article {
        published: Some(at(2)),
        ..article(b_url, "Hội nghị đối thoại năm 2023", REPORT)
    };
    assert_eq!(
        save(&s, "b", b_url, &b_copy, t0).unwrap(),
        SaveOutcome::Merged
    );
    assert_eq!(s.item_count().unwrap(), 1);

    let in_b = item_of(&s, FeedScope::Source("b".into()), b_url);
    assert_eq!(in_b.title, "Hội nghị đối thoại năm 2023");
    assert!(!in_b.text.contains("ho-tro.example"), "{}", in_b.text);
    assert!(!in_b.content_html.contains("ho-tro.example"));
    assert!(in_b.images.is_empty(), "{:?}", in_b.images);
    assert_eq!(in_b.published, Some(at(2)));
    assert_eq!(in_b.source_id, "b");
    let in_a = item_of(&s, FeedScope::Source("a".into()), a_url);
    assert_eq!(in_a.title, "TIN NÓNG: nhận hỗ trợ ngay");
    assert!(in_a.text.contains("ho-tro.example"));
    assert_eq!(in_a.guid, in_b.guid, "one story, one id");

    // `all`: one story, B's, published first; A's URL is listed as another copy.
    let all = s.feed_items(&FeedScope::All, 10).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].link, b_url);
    assert_eq!(all[0].title, "Hội nghị đối thoại năm 2023");
    assert!(!all[0].text.contains("ho-tro.example"));
    assert_eq!(all[0].other_copies, vec![a_url.to_string()]);
    // Search finds the story by the shown copy's words, not by A's additions.
    assert!(
        s.feed_items(&FeedScope::Search("ho tro example".into()), 10)
            .unwrap()
            .is_empty()
    );

    // B corrects a figure: B's copy changes, A's stays as A printed it.
    let mut corrected = REPORT.to_vec();
    corrected[1] = "Tại hội nghị, các đại biểu đã nêu 26 ý kiến, kiến nghị liên quan đến đất đai, giao thông nông thôn, nước sinh hoạt, chính sách hỗ trợ hộ nghèo và việc làm cho thanh niên sau khi hoàn thành nghĩa vụ quân sự.";
    let b_fixed = Article {
        published: Some(at(2)),
        ..article(b_url, "Hội nghị đối thoại năm 2023", &corrected)
    };
    let t1 = t0 + Duration::hours(1);
    assert_eq!(
        save(&s, "b", b_url, &b_fixed, t1).unwrap(),
        SaveOutcome::Updated
    );
    let in_b = item_of(&s, FeedScope::Source("b".into()), b_url);
    assert!(in_b.text.contains("26 ý kiến"), "{}", in_b.text);
    let in_a = item_of(&s, FeedScope::Source("a".into()), a_url);
    assert!(in_a.text.contains("24 ý kiến"), "{}", in_a.text);
    assert_eq!(in_a.title, "TIN NÓNG: nhận hỗ trợ ngay");
    let all = s.feed_items(&FeedScope::All, 10).unwrap();
    assert!(all[0].text.contains("26 ý kiến"));
    assert_eq!(s.item_count().unwrap(), 1);
}

#[test]
fn near_duplicate_threshold_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("t.db")).unwrap();
    s.set_near_duplicate(0.0);
    let cfg = portalfeed::config::Config::from_str(
        "[[source]]\nid = \"a\"\nurl = \"http://a.test/\"\n",
        std::path::Path::new("t.toml"),
    )
    .unwrap();
    s.sync_sources(&cfg.sources).unwrap();
    let t0 = Utc::now();
    save(
        &s,
        "a",
        "http://a.test/1",
        &article("http://a.test/1", "A", REPORT),
        t0,
    )
    .unwrap();
    let mut credited = REPORT.to_vec();
    credited.push("Theo Báo Quảng Trị");
    assert_eq!(
        save(
            &s,
            "a",
            "http://a.test/2",
            &article("http://a.test/2", "A", &credited),
            t0
        )
        .unwrap(),
        SaveOutcome::New
    );
}

#[test]
fn search_is_diacritic_and_case_insensitive() {
    let (_d, s) = store();
    let t0 = Utc::now();
    let url = "http://a.test/tin-tuc/dvk-1.html";
    save(&s, "a", url, &article(url, "Xã Tà Long ra mắt mô hình “Dân vận khéo”", &["Đảng ủy xã chỉ đạo các chi bộ nhân rộng mô hình giúp hộ nghèo phát triển sinh kế bền vững."]), t0)
        .unwrap();
    let other = "http://a.test/tin-tuc/khac-2.html";
    save(
        &s,
        "a",
        other,
        &article(
            other,
            "Hội nghị tổng kết",
            &["Một bài khác không liên quan đến chủ đề tìm kiếm ở trên, về giao thông nông thôn."],
        ),
        t0,
    )
    .unwrap();
    let find = |q: &str| {
        s.feed_items(&FeedScope::Search(q.into()), 10)
            .unwrap()
            .into_iter()
            .map(|i| i.link)
            .collect::<Vec<_>>()
    };
    assert_eq!(find("dan van kheo"), vec![url]);
    assert_eq!(find("DÂN VẬN"), vec![url]);
    assert_eq!(find("dang uy"), vec![url], "đ folds to d in the body too");
    assert_eq!(find("Ðảng ủy"), vec![url], "and the eth look-alike");
    assert_eq!(find("giao thong"), vec![other]);
    assert!(
        find("dan van giao thong").is_empty(),
        "every word must occur"
    );
    // FTS5 syntax in a user's query is only words.
    assert!(find("\"dan\" OR NEAR(x) * -").len() <= 1);
    assert!(find("  ").is_empty());
    // A correction is searchable at once, its old text no longer.
    let mut a = article(
        url,
        "Xã Tà Long ra mắt mô hình “Dân vận khéo”",
        &["Nội dung đã được sửa về chăn nuôi bò sinh sản."],
    );
    a.title = "Xã Tà Long ra mắt mô hình".into();
    save(&s, "a", url, &a, t0).unwrap();
    assert_eq!(find("chan nuoi"), vec![url]);
    assert!(find("sinh ke").is_empty());
}

#[test]
fn retention_deletes_old_items_but_remembers_their_links() {
    let (d, s) = store();
    let now = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
    for (i, days) in [400, 10, 5, 1].iter().enumerate() {
        let url = format!("http://a.test/tin-tuc/bai-{i}.html");
        let text = format!(
            "Bài số {i} có nội dung riêng về chủ đề thứ {i}, với {} hộ dân tham gia phong trào thi đua yêu nước ở địa phương.",
            100 + i * 17
        );
        let mut a = article(&url, &format!("Bài {i}"), &[text.as_str()]);
        a.published = Some(DateTime::<FixedOffset>::from(now - Duration::days(*days)));
        save(&s, "a", &url, &a, now - Duration::days(*days)).unwrap();
    }
    assert_eq!(s.apply_retention(Some(365), None, now).unwrap(), 1);
    assert_eq!(s.apply_retention(None, Some(2), now).unwrap(), 1);
    let left: Vec<String> = s
        .feed_items(&FeedScope::All, 10)
        .unwrap()
        .into_iter()
        .map(|i| i.title)
        .collect();
    assert_eq!(left, vec!["Bài 3", "Bài 2"]);
    assert!(
        s.feed_items(&FeedScope::Search("chu de thu 0".into()), 10)
            .unwrap()
            .is_empty()
    );
    // The deleted article is still known, so it is not fetched again.
    assert!(
        s.link_state("a", "http://a.test/tin-tuc/bai-0.html")
            .unwrap()
            .is_some()
    );
    let conn = rusqlite::Connection::open(d.path().join("t.db")).unwrap();
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM copies WHERE item_id NOT IN (SELECT id FROM items)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
}

#[test]
fn a_version_1_database_upgrades_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/db/portalfeed-v1.db"
        ),
        &db,
    )
    .unwrap();
    let s = Store::open(&db).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 11);
    // Every old item has its near-duplicate band keys, as a new one would.
    let bands: i64 = conn
        .query_row("SELECT count(*) FROM item_bands", [], |r| r.get(0))
        .unwrap();
    assert_eq!(bands, 2 * portalfeed::text::MINHASH_BANDS as i64);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // Every old copy has its own text now, its item's: the only one stored before.
    let bare: i64 = conn
        .query_row(
            "SELECT count(*) FROM copies WHERE title IS NULL OR text IS NULL OR content_html IS NULL OR sort_ts IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bare, 0);
    assert_eq!(s.item_count().unwrap(), 2);
    let item = item_of(
        &s,
        FeedScope::All,
        "http://dakrong.portal.test/tin-tuc/dan-van-kheo-1.html",
    );
    assert_eq!(
        item.guid, "urn:uuid:8f1c6a2e-0d0b-5c36-9d3e-2b7b7f0a0001",
        "ids survive the upgrade"
    );
    assert_eq!(
        item.other_copies,
        vec!["http://danvan.portal.test/web/guest/-/dan-van-kheo".to_string()]
    );
    // Old articles are searchable after the upgrade.
    let hits = s
        .feed_items(&FeedScope::Search("dan van kheo".into()), 10)
        .unwrap();
    assert_eq!(hits.len(), 1);
    let health = s.health("dakrong").unwrap();
    assert_eq!(health.last.unwrap().new, 1);
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    drop(s);
    // Opening again changes nothing.
    let again = Store::open(&db).unwrap();
    assert_eq!(again.item_count().unwrap(), 2);
}

#[test]
fn a_database_from_a_newer_portalfeed_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    let err = Store::open(&db).err().unwrap().to_string();
    assert!(err.contains("newer"), "{err}");
}

/// Run history is bounded per source (100 runs), the failure streak counts back from the
/// newest run, and the newest run of any source is found without reading every source.
#[test]
fn run_history_is_bounded_and_streaks_count_from_the_newest() {
    use portalfeed::store::RunRecord;
    let (dir, store) = store();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    for i in 0..130i64 {
        let started = t0 + Duration::minutes(30 * i);
        store
            .record_run(&RunRecord {
                source_id: "a".into(),
                started,
                finished: started + Duration::seconds(5),
                // The last three runs fail.
                ok: i < 127,
                new: i as usize,
                ..Default::default()
            })
            .unwrap();
    }
    let b_started = t0 + Duration::minutes(30 * 129) + Duration::seconds(1);
    store
        .record_run(&RunRecord {
            source_id: "b".into(),
            started: b_started,
            finished: b_started,
            ok: true,
            ..Default::default()
        })
        .unwrap();
    let (last, failures) = store.run_streak("a").unwrap();
    let last = last.unwrap();
    assert_eq!(last.new, 129);
    assert_eq!(failures, 3);
    assert_eq!(store.health("a").unwrap().consecutive_failures, 3);
    let (none, zero) = store.run_streak("nobody").unwrap();
    assert!(none.is_none());
    assert_eq!(zero, 0);
    assert_eq!(store.latest_run().unwrap().unwrap().source_id, "b");
    let kept: i64 = rusqlite::Connection::open(dir.path().join("t.db"))
        .unwrap()
        .query_row("SELECT count(*) FROM runs WHERE source_id = 'a'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(kept, 100);
}

/// The status page's rows: last run, items and items per day for every source at once.
#[test]
fn overview_gives_every_source_its_last_run_items_and_days() {
    use portalfeed::store::RunRecord;
    // Texts that share no wording, so no two merge.
    fn text(seed: u64) -> Vec<String> {
        const WORDS: &[&str] = &[
            "huyện",
            "xã",
            "nông",
            "thôn",
            "mới",
            "đường",
            "giao",
            "thông",
            "trường",
            "học",
            "trạm",
            "y",
            "tế",
            "cầu",
            "kênh",
            "lúa",
            "gạo",
            "cà",
            "phê",
            "hồ",
            "tiêu",
            "rừng",
            "biển",
            "đảo",
            "chợ",
            "điện",
            "nước",
            "sạch",
            "vốn",
            "vay",
        ];
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..3)
            .map(|_| {
                (0..40)
                    .map(|_| {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        WORDS[(x >> 33) as usize % WORDS.len()]
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }
    let (_dir, store) = store();
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 5, 0, 0).unwrap(); // 12:00 in Vietnam
    let saves = [
        ("a", 1u64, now - Duration::hours(1)),
        ("a", 2, now - Duration::days(1)),
        ("a", 3, now - Duration::days(1) - Duration::hours(2)),
        ("b", 4, now - Duration::days(40)),
    ];
    for (source, seed, at) in saves {
        let url = format!("http://{source}.test/tin-tuc/bai-{seed}.html");
        let paragraphs = text(seed);
        let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
        assert_eq!(
            save(
                &store,
                source,
                &url,
                &article(&url, &format!("Bài {seed}"), &refs),
                at
            )
            .unwrap(),
            SaveOutcome::New
        );
    }
    for (source, ok) in [("a", true), ("b", true), ("b", false)] {
        store
            .record_run(&RunRecord {
                source_id: source.into(),
                started: now,
                finished: now,
                ok,
                ..Default::default()
            })
            .unwrap();
    }
    let rows = store.overview(30, now, 7 * 3600).unwrap();
    let a = &rows["a"];
    assert_eq!(a.items, 3);
    assert_eq!(a.per_day.len(), 30);
    assert_eq!((a.per_day[29], a.per_day[28]), (1, 2), "{:?}", a.per_day);
    assert_eq!(a.per_day.iter().sum::<u32>(), 3);
    assert!(a.last.as_ref().unwrap().ok);
    let b = &rows["b"];
    assert_eq!(b.items, 1);
    assert_eq!(
        b.per_day.iter().sum::<u32>(),
        0,
        "40 days ago is outside the bars"
    );
    assert!(!b.last.as_ref().unwrap().ok, "the newest run of b failed");
}

#[test]
fn a_file_that_is_not_a_database_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, vec![b'x'; 8192]).unwrap();
    let e = Store::open(&path).err().expect("not a database");
    let text = e.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("not a database"), "{text}");
}

/// `kinds` in a custom feed: documents from registers apart from news.
#[test]
fn a_custom_feed_selects_news_or_documents() {
    use portalfeed::model::{CustomFeed, ItemKind};
    let (_d, s) = store();
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let news = article("http://a.test/tin-tuc/1.html", "Hội nghị đối thoại", REPORT);
    save(&s, "a", &news.url, &news, t0).unwrap();
    let mut doc = article(
        "http://a.test/van-ban/125.html",
        "125/QĐ-UBND — Về việc ban hành Kế hoạch",
        &[
            "Trích yếu: Về việc ban hành Kế hoạch",
            "Số/Ký hiệu: 125/QĐ-UBND",
        ],
    );
    doc.document = Some(portalfeed::text::document_key("UBND tỉnh", "125/QĐ-UBND"));
    save(&s, "a", &doc.url, &doc, t0).unwrap();
    let links = |kinds: Vec<ItemKind>| -> Vec<String> {
        let scope = FeedScope::Custom(CustomFeed {
            kinds,
            ..Default::default()
        });
        let mut l: Vec<String> = s
            .feed_items(&scope, 10)
            .unwrap()
            .into_iter()
            .map(|i| i.link)
            .collect();
        l.sort();
        l
    };
    assert_eq!(links(vec![ItemKind::Documents]), vec![doc.url.clone()]);
    assert_eq!(links(vec![ItemKind::News]), vec![news.url.clone()]);
    assert_eq!(links(vec![]), vec![news.url.clone(), doc.url.clone()]);
}

/// Two processes writing one database (a `portalfeed crawl` next to the daemon): every
/// save waits for the other's transaction instead of failing. A deferred transaction
/// read first and asked for the write lock at its first write; when the other
/// connection had committed in between, SQLite failed it at once with "database is
/// locked" (seen as failed articles while the demo counted its items).
#[test]
fn two_writers_on_one_database_wait_for_each_other() {
    let (dir, first) = store();
    let second = Store::open(&dir.path().join("t.db")).unwrap();
    let now = Utc::now();
    std::thread::scope(|scope| {
        for (store, source) in [(&first, "a"), (&second, "b")] {
            scope.spawn(move || {
                for n in 0..150 {
                    let url = format!("http://{source}.test/tin-{n}.html");
                    let text = format!(
                        "Bài {n} của nguồn {source}: xã tổ chức hội nghị với {} hộ tham gia và {} đại biểu.",
                        n * 7 + 3,
                        n * 11 + 5
                    );
                    let a = article(&url, &format!("Bài {n}"), &[&text]);
                    let outcome = save(store, source, &url, &a, now);
                    assert!(outcome.is_ok(), "{source} {n}: {outcome:?}");
                }
            });
        }
    });
    assert_eq!(first.item_count().unwrap(), 300);
}

/// The outbox: each stored change writes its event in the item's transaction (a new
/// story, a correction with the next revision, a re-post new to its source), and
/// nothing for an unchanged fetch.
#[test]
fn every_stored_change_writes_one_outbox_event() {
    use portalfeed::model::Event;
    let (_dir, s) = store();
    let now = Utc::now();
    let a = article("http://a.test/tin-1.html", "Hội nghị", REPORT);
    save(&s, "a", &a.url, &a, now).unwrap();
    save(&s, "a", &a.url, &a, now).unwrap(); // unchanged
    let mut corrected = a.clone();
    corrected.paragraphs[1] = REPORT[1].replace("24 ý kiến", "25 ý kiến");
    assert_eq!(
        save(&s, "a", &a.url, &corrected, now).unwrap(),
        SaveOutcome::Updated
    );
    let text: Vec<&str> = corrected.paragraphs.iter().map(String::as_str).collect();
    let repost = article("http://b.test/bai-5.html", "Hội nghị (đăng lại)", &text);
    assert_eq!(
        save(&s, "b", &repost.url, &repost, now).unwrap(),
        SaveOutcome::Merged
    );
    let events = s.waiting_events(10).unwrap();
    let got: Vec<(Event, i64, &str)> = events
        .iter()
        .map(|e| (e.event, e.revision, e.source_id.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Event::New, 1, "a"),
            (Event::Updated, 2, "a"),
            (Event::Copy, 2, "b")
        ]
    );
    let guid = events[0].guid.clone().unwrap();
    assert_eq!(events[1].key().unwrap(), format!("{guid}#2"));
    // Dispatched events are not handed out again.
    for e in &events {
        s.dispatch(e, &[], now).unwrap();
    }
    assert!(s.waiting_events(10).unwrap().is_empty());
}

/// A receiver down for longer than `max_age` misses what is older; what is younger
/// waits for it. A failure pushes back every pending delivery to that receiver.
#[test]
fn deliveries_wait_for_their_receiver_up_to_their_age() {
    use portalfeed::model::DeliveryKind;
    use portalfeed::store::NewDelivery;
    let (_dir, s) = store();
    let start = Utc::now();
    for n in 0..3 {
        let a = article(
            &format!("http://a.test/tin-{n}.html"),
            "Tin",
            &[&format!("Tin số {n}: {} hộ dân nhận hỗ trợ.", 100 + n)],
        );
        save(&s, "a", &a.url, &a, start).unwrap();
    }
    let hook = |key: String| NewDelivery {
        kind: DeliveryKind::Webhook,
        url: "https://hooks.example/x".into(),
        topic: "all".into(),
        key: Some(key),
        content_type: Some("application/json".into()),
        body: Some(b"{}".to_vec()),
        headers: vec![],
    };
    for e in s.waiting_events(10).unwrap() {
        s.dispatch(&e, &[hook(e.key().unwrap())], start).unwrap();
    }
    let due = s.due_to("https://hooks.example/x", start, 10).unwrap();
    assert_eq!(due.len(), 3);
    // The first fails: nothing to this receiver is due until the retry time.
    s.attempt_failed(
        &[due[0].id],
        "https://hooks.example/x",
        Some(503),
        "HTTP 503",
        start + Duration::seconds(30),
    )
    .unwrap();
    assert!(
        s.due_to("https://hooks.example/x", start, 10)
            .unwrap()
            .is_empty()
    );
    let later = s
        .due_to("https://hooks.example/x", start + Duration::seconds(30), 10)
        .unwrap();
    assert_eq!(later.len(), 3);
    assert_eq!(later[0].attempts, 1);
    s.delivered(&[later[0].id], 200, start).unwrap();
    // Two days on, with a max_age of one day: the other two are given up.
    let now = start + Duration::days(2);
    assert_eq!(s.give_up_before(now - Duration::days(1), now).unwrap(), 2);
    let counts = s.delivery_counts().unwrap();
    assert_eq!((counts.pending, counts.failed, counts.delivered), (0, 2, 1));
    let targets = s.delivery_targets().unwrap();
    assert!(
        targets[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("given up after")),
        "{targets:?}"
    );
}

/// WebSub subscriptions: a renewal replaces the lease, the caps hold per topic and per
/// callback host, an expired lease gets nothing and is deleted.
#[test]
fn subscriptions_renew_expire_and_keep_to_their_limits() {
    use portalfeed::store::{SubscribeRefusal, Subscription};
    let (_dir, s) = store();
    let now = Utc::now();
    let sub = |callback: &str, topic: &str, days: i64| Subscription {
        callback: callback.into(),
        topic: topic.into(),
        feed: "all".into(),
        format: "atom".into(),
        secret: None,
        lease_until: now + Duration::days(days),
    };
    let topic = "http://127.0.0.1:8787/feeds/all.atom";
    let first = sub("https://r.example/cb/1", topic, 1);
    assert_eq!(s.subscribe(&first, "r.example", 2, 2, now).unwrap(), Ok(()));
    // A renewal of the same callback and topic is not a second subscription.
    let renewed = sub("https://r.example/cb/1", topic, 10);
    assert_eq!(
        s.subscribe(&renewed, "r.example", 1, 1, now).unwrap(),
        Ok(())
    );
    assert_eq!(
        s.subscription(&first.callback, topic, now)
            .unwrap()
            .unwrap()
            .lease_until
            .timestamp(),
        renewed.lease_until.timestamp()
    );
    assert_eq!(
        s.subscribe(
            &sub("https://q.example/cb", topic, 1),
            "q.example",
            1,
            5,
            now
        )
        .unwrap(),
        Err(SubscribeRefusal::TopicFull(1))
    );
    assert_eq!(
        s.subscribe(
            &sub(
                "https://r.example/cb/2",
                "http://127.0.0.1:8787/feeds/a.atom",
                1
            ),
            "r.example",
            5,
            1,
            now
        )
        .unwrap(),
        Err(SubscribeRefusal::HostFull(1))
    );
    assert_eq!(s.subscriptions_to(&["all"], now).unwrap().len(), 1);
    let after = now + Duration::days(11);
    assert!(s.subscriptions_to(&["all"], after).unwrap().is_empty());
    assert_eq!(s.expire_subscriptions(after).unwrap(), 1);
    assert_eq!(s.subscription_count(now).unwrap(), 0);
}
