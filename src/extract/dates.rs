//! Vietnamese publication dates.
//!
//! Portals print dates in many shapes: `Thứ Sáu, 19/4/2019`, `Cập nhật lúc18:24, Thứ Ba,
//! 30/06/2020 (GMT+7)`, `Thứ năm, 12/10/2017, 04:18 SA`, `15:4, Thứ Sáu, 15-9-2023`,
//! `01/12/2023 - 16:54`, `Ngày đăng: 16/11/2010 3:20:00 PM`, `ngày 12 tháng 10 năm 2017`,
//! and ISO 8601 in machine-readable attributes. A date without a zone is Vietnam time.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use regex::Regex;

/// Vietnam's offset; the country has no daylight saving time.
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("+07:00 is a valid offset")
}

static ISO: LazyLock<Regex> = LazyLock::new(|| {
    // Year first, with `/` or `.` too ("2023/12/04 08:15").
    Regex::new(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?")
        .expect("static regex")
});
static DMY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})\b")
        .expect("static regex")
});
/// Vietnamese month names, as some CMSs print them ("Tháng Mười Hai"): the longer first.
/// "Tháng Năm" (May) only before a day: "6 tháng năm 2024" is "six months of 2024", the
/// title of every mid-year review.
const VI_MONTHS: &str = "mười một|mười hai|một|hai|ba|tư|bốn|sáu|bảy|tám|chín|mười";
static WORDS: LazyLock<Regex> = LazyLock::new(|| {
    // "ngày 12 tháng 10 năm 2017", "04 tháng 12 năm 2023", "4 Tháng 12, 2023",
    // "4 Tháng Mười Hai 2023".
    Regex::new(&format!(
        r"(?i)\b(\d{{1,2}})\s+tháng\s+(\d{{1,2}}|{VI_MONTHS})\b\s*(?:năm\s+|,\s*)?(\d{{4}})\b"
    ))
    .expect("static regex")
});
static MONTH_WORDS_DAY: LazyLock<Regex> = LazyLock::new(|| {
    // WordPress's Vietnamese "F j, Y": "Tháng 12 4, 2023", "Tháng Mười Hai 4, 2023".
    Regex::new(&format!(
        r"(?i)\btháng\s+(\d{{1,2}}|{VI_MONTHS}|năm)\s+(\d{{1,2}}),?\s+(\d{{4}})\b"
    ))
    .expect("static regex")
});
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    // No `\b` before the hour: labels run into it ("Cập nhật lúc18:24").
    Regex::new(r"(?i)(?:^|[^\d:])(\d{1,2})\s*(?::|giờ|h|g)\s*(\d{1,2})(?:\s*:\s*(\d{1,2}))?(?:\s*(SA|CH|AM|PM|A\.M\.|P\.M\.)\b)?")
        .expect("static regex")
});
/// English month names, for non-Vietnamese pages ("14 May 2024", "May 14, 2024").
const MONTHS: &str = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec";
static DAY_MONTH_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({MONTHS})\.?,?\s+(\d{{4}})\b"
    ))
    .expect("static regex")
});
static MONTH_NAME_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b({MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
    ))
    .expect("static regex")
});

/// The number of a month printed as a number or a Vietnamese name ("12", "Mười Hai").
fn vi_month(name: &str) -> u32 {
    if let Ok(n) = name.parse() {
        return n;
    }
    let name = name.to_lowercase();
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    match name.as_str() {
        "một" => 1,
        "hai" => 2,
        "ba" => 3,
        "tư" | "bốn" => 4,
        "năm" => 5,
        "sáu" => 6,
        "bảy" => 7,
        "tám" => 8,
        "chín" => 9,
        "mười" => 10,
        "mười một" => 11,
        "mười hai" => 12,
        _ => 0,
    }
}

fn month_number(name: &str) -> u32 {
    let n = name.to_ascii_lowercase();
    MONTHS
        .split('|')
        .position(|m| m == n)
        .map_or(0, |i| match i {
            0..=11 => i as u32 + 1,
            12 => 1,
            13 => 2,
            14 => 3,
            15 => 4,
            16 => 6,
            17 => 7,
            18 => 8,
            19 | 20 => 9,
            21 => 10,
            22 => 11,
            _ => 12,
        })
}

static ZONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?").expect("static regex")
});
static STRICT_ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)? ?(?:Z|[+-]\d{2}:?\d{2})?)?$",
    )
    .expect("static regex")
});

/// Parses a machine-readable timestamp (`datetime` attributes, `itemprop`, meta tags).
/// Only well-formed ISO 8601 is accepted: NukeViet 4.5 emits values such as
/// `2023-09-15+0715:04:00` that must not be trusted.
pub fn parse_iso(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if !is_iso(s) {
        return None;
    }
    parse_text(s)
}

/// Whether `s` is a well-formed ISO 8601 date or timestamp, and nothing else.
pub fn is_iso(s: &str) -> bool {
    STRICT_ISO.is_match(s)
}

/// Finds the first date in free text and the time printed next to it.
pub fn parse_text(text: &str) -> Option<DateTime<FixedOffset>> {
    parse_text_detailed(text).map(|(d, _)| d)
}

/// Like [`parse_text`], and says whether a time of day was printed (a date alone means
/// midnight, which a machine-readable timestamp of the same day can refine).
pub fn parse_text_detailed(text: &str) -> Option<(DateTime<FixedOffset>, bool)> {
    let (date, start, end, iso_time) = find_date(text)?;
    at_time(text, date, start, end, iso_time)
}

/// The other reading of the first date in `text` when it is numeric and either of its
/// first two numbers could be the month ("11.03.17", "9/11/13 10:00AM"): month first, as
/// American pages print it. Day first stays the rule; this reading counts only where a
/// machine-readable date of the page agrees with it.
pub fn parse_text_month_first(text: &str) -> Option<(DateTime<FixedOffset>, bool)> {
    let (first, start, end, iso_time) = find_date(text)?;
    let c = DMY.captures_at(text, start)?;
    if c.get(0)?.range() != (start..end) {
        return None;
    }
    let (day, month) = (num(&c, 1), num(&c, 2));
    if day == month || day > 12 || month > 12 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(first.year(), day, month)?;
    at_time(text, date, start, end, iso_time)
}

/// `date` at the time printed next to it (or in it, for ISO), in the zone the text names
/// or Vietnam's.
fn at_time(
    text: &str,
    date: NaiveDate,
    start: usize,
    end: usize,
    iso_time: IsoTime,
) -> Option<(DateTime<FixedOffset>, bool)> {
    let (time, offset, has_time) = match iso_time {
        Some((t, z)) => (t, z, true),
        None => match find_time_near(text, start, end) {
            Some(t) => (t, find_zone(text), true),
            None => (NaiveTime::MIN, find_zone(text), false),
        },
    };
    let offset = offset.unwrap_or_else(vietnam);
    offset
        .from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
        .map(|d| (d, has_time))
}

type IsoTime = Option<(NaiveTime, Option<FixedOffset>)>;

fn find_date(text: &str) -> Option<(NaiveDate, usize, usize, IsoTime)> {
    let mut best: Option<(NaiveDate, usize, usize, IsoTime)> = None;
    let mut consider = |cand: (NaiveDate, usize, usize, IsoTime)| {
        if best.as_ref().is_none_or(|b| cand.1 < b.1) {
            best = Some(cand);
        }
    };
    for c in ISO.captures_iter(text) {
        let m = c.get(0)?;
        // "/2011/09/07/" is a URL's path, not a date the page prints.
        let slashed = m.as_str().get(4..5) != Some("-");
        if slashed && (text[..m.start()].ends_with('/') || text[m.end()..].starts_with('/')) {
            continue;
        }
        let Some(date) = ymd(num(&c, 1), num(&c, 2), num(&c, 3)) else {
            continue;
        };
        let time = match (c.get(4), c.get(5)) {
            (Some(_), Some(_)) => hms(num(&c, 4), num(&c, 5), c.get(6).map_or(0, |_| num(&c, 6)))
                .map(|t| (t, c.get(7).and_then(|z| parse_offset(z.as_str())))),
            _ => None,
        };
        consider((date, m.start(), m.end(), time));
        break;
    }
    for c in WORDS.captures_iter(text) {
        let m = c.get(0)?;
        if let Some(date) = ymd(num(&c, 3), vi_month(&c[2]), num(&c, 1)) {
            consider((date, m.start(), m.end(), None));
            break;
        }
    }
    for c in MONTH_WORDS_DAY.captures_iter(text) {
        let m = c.get(0)?;
        if let Some(date) = ymd(num(&c, 3), vi_month(&c[1]), num(&c, 2)) {
            consider((date, m.start(), m.end(), None));
            break;
        }
    }
    for c in DAY_MONTH_NAME.captures_iter(text) {
        let m = c.get(0)?;
        if let Some(date) = ymd(num(&c, 3), month_number(&c[2]), num(&c, 1)) {
            consider((date, m.start(), m.end(), None));
            break;
        }
    }
    for c in MONTH_NAME_DAY.captures_iter(text) {
        let m = c.get(0)?;
        if let Some(date) = ymd(num(&c, 3), month_number(&c[1]), num(&c, 2)) {
            consider((date, m.start(), m.end(), None));
            break;
        }
    }
    for c in DMY.captures_iter(text) {
        let m = c.get(0)?;
        let year = c.get(3)?.as_str();
        let y = if year.len() == 2 {
            2000 + num(&c, 3)
        } else {
            num(&c, 3)
        };
        if let Some(date) = ymd(y, num(&c, 2), num(&c, 1)) {
            consider((date, m.start(), m.end(), None));
            break;
        }
    }
    best
}

fn find_time_near(text: &str, date_start: usize, date_end: usize) -> Option<NaiveTime> {
    let mut best: Option<(usize, NaiveTime)> = None;
    for c in TIME.captures_iter(text) {
        let (Some(whole), Some(hour)) = (c.get(0), c.get(1)) else {
            continue;
        };
        let m = hour.start()..whole.end();
        // A time never overlaps the date itself (`15-9-2023` is not 15:09).
        if m.start < date_end && m.end > date_start {
            continue;
        }
        let mut h = num(&c, 1);
        let min = num(&c, 2);
        let sec = c.get(3).map_or(0, |_| num(&c, 3));
        if let Some(ampm) = c.get(4) {
            let pm = matches!(
                ampm.as_str().to_ascii_uppercase().as_str(),
                "CH" | "PM" | "P.M."
            );
            if h > 12 {
                continue;
            }
            h = match (pm, h) {
                (false, 12) => 0,
                (true, 12) => 12,
                (true, h) => h + 12,
                (false, h) => h,
            };
        }
        let Some(t) = hms(h, min, sec) else { continue };
        let distance = if m.start >= date_end {
            m.start - date_end
        } else {
            date_start.saturating_sub(m.end)
        };
        if distance <= 40 && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, t));
        }
    }
    best.map(|(_, t)| t)
}

fn find_zone(text: &str) -> Option<FixedOffset> {
    let c = ZONE.captures(text)?;
    let sign = if &c[1] == "-" { -1 } else { 1 };
    let h = num(&c, 2);
    let m = c.get(3).map_or(0, |_| num(&c, 3));
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60) as i32)
}

fn parse_offset(z: &str) -> Option<FixedOffset> {
    if z.eq_ignore_ascii_case("z") {
        return FixedOffset::east_opt(0);
    }
    let sign = if z.starts_with('-') { -1 } else { 1 };
    let digits: String = z.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 4 {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

fn num(c: &regex::Captures<'_>, i: usize) -> u32 {
    c.get(i).and_then(|m| m.as_str().parse().ok()).unwrap_or(0)
}

fn ymd(y: u32, m: u32, d: u32) -> Option<NaiveDate> {
    if !(1990..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

fn hms(h: u32, m: u32, s: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(h, m, s)
}

/// Dates that SharePoint and similar platforms put in article paths:
/// `/tin-tuc/Pages/2019-4-19/slug.aspx`.
pub fn from_url_path(path: &str) -> Option<DateTime<FixedOffset>> {
    static PATH: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"/(\d{4})-(\d{1,2})-(\d{1,2})/").expect("static regex"));
    let c = PATH.captures(path)?;
    let date = ymd(num(&c, 1), num(&c, 2), num(&c, 3))?;
    vietnam()
        .from_local_datetime(&NaiveDateTime::new(date, NaiveTime::MIN))
        .single()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc(text: &str) -> Option<String> {
        parse_text(text).map(|d| d.to_rfc3339())
    }

    #[test]
    fn every_form_in_the_wild() {
        let cases = [
            ("Thứ Sáu, 19/4/2019", "2019-04-19T00:00:00+07:00"),
            (
                "Cập nhật lúc18:24, Thứ Ba, 30/06/2020 (GMT+7)",
                "2020-06-30T18:24:00+07:00",
            ),
            ("Thứ năm, 12/10/2017, 04:18 SA", "2017-10-12T04:18:00+07:00"),
            ("Thứ hai, 23/10/2017, 02:35 CH", "2017-10-23T14:35:00+07:00"),
            ("15:4, Thứ Sáu, 15-9-2023", "2023-09-15T15:04:00+07:00"),
            ("9:5, Thứ Hai, 2-10-2023 215 0", "2023-10-02T09:05:00+07:00"),
            ("01/12/2023 - 16:54", "2023-12-01T16:54:00+07:00"),
            ("Thứ sáu - 01/12/2023 16:54", "2023-12-01T16:54:00+07:00"),
            (
                "Ngày đăng: 16/11/2010 3:20:00 PM | Lượt xem: 245",
                "2010-11-16T15:20:00+07:00",
            ),
            (
                "Hà Nội, ngày 12 tháng 10 năm 2017",
                "2017-10-12T00:00:00+07:00",
            ),
            ("2023-10-02T09:05:00+07:00", "2023-10-02T09:05:00+07:00"),
            ("2023-10-02T02:05:00Z", "2023-10-02T02:05:00+00:00"),
            ("2023-10-02 09:05", "2023-10-02T09:05:00+07:00"),
            ("12.10.2017 08h30", "2017-10-12T08:30:00+07:00"),
            ("14g00 ngày 15/11/2010", "2010-11-15T14:00:00+07:00"),
            ("Tuesday 14 May 2024", "2024-05-14T00:00:00+07:00"),
            (
                "Published March 5, 2024 10:30 GMT+1",
                "2024-03-05T10:30:00+01:00",
            ),
            ("Sept. 21st, 2023", "2023-09-21T00:00:00+07:00"),
            (
                "Thứ Hai, 04 tháng 12 năm 2023 08:15",
                "2023-12-04T08:15:00+07:00",
            ),
            ("4 Tháng 12, 2023", "2023-12-04T00:00:00+07:00"),
            ("Tháng 12 4, 2023", "2023-12-04T00:00:00+07:00"),
            (
                "Thứ hai, 4 Tháng Mười Hai 2023",
                "2023-12-04T00:00:00+07:00",
            ),
            ("Tháng Năm 20, 2024", "2024-05-20T00:00:00+07:00"),
            (
                "Ngày 04 tháng 12 năm 2023 lúc 8 giờ 15",
                "2023-12-04T08:15:00+07:00",
            ),
            ("04/12/2023 - 8 giờ 15 phút", "2023-12-04T08:15:00+07:00"),
            ("2023/12/04 08:15", "2023-12-04T08:15:00+07:00"),
        ];
        for (text, want) in cases {
            assert_eq!(rfc(text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn twelve_oclock_with_sa_and_ch() {
        assert_eq!(
            rfc("12/10/2017, 12:05 SA").as_deref(),
            Some("2017-10-12T00:05:00+07:00")
        );
        assert_eq!(
            rfc("12/10/2017, 12:05 CH").as_deref(),
            Some("2017-10-12T12:05:00+07:00")
        );
        assert_eq!(
            rfc("12/10/2017 12:00 AM").as_deref(),
            Some("2017-10-12T00:00:00+07:00")
        );
    }

    #[test]
    fn two_digit_years() {
        assert_eq!(
            rfc("Cập nhật 05/03/24 07:15").as_deref(),
            Some("2024-03-05T07:15:00+07:00")
        );
    }

    #[test]
    fn the_month_first_reading_of_an_ambiguous_date() {
        let read = |t: &str| parse_text_month_first(t).map(|(d, _)| d.to_rfc3339());
        assert_eq!(
            read("11.03.17 in Gadgetry").as_deref(),
            Some("2017-11-03T00:00:00+07:00")
        );
        assert_eq!(
            read("9/11/13 10:00AM").as_deref(),
            Some("2013-09-11T10:00:00+07:00")
        );
        // No other reading: a day above 12, the same number twice, a date in words or ISO.
        for text in [
            "25/03/2017",
            "03/03/2017",
            "ngày 3 tháng 4 năm 2017",
            "2017-03-04",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
    }

    #[test]
    fn a_dated_url_path_is_no_printed_date() {
        assert_eq!(
            rfc("http://blog.example.org/2011/09/07/fatwa-para-ulama/"),
            None
        );
    }

    #[test]
    fn a_count_of_months_is_no_date() {
        // The titles of mid-year and nine-month reviews.
        for text in [
            "Sơ kết công tác 6 tháng năm 2024",
            "Kết quả 9 tháng năm 2023 và nhiệm vụ quý IV",
            "Trong 6 tháng đầu năm 2023",
        ] {
            assert_eq!(rfc(text), None, "{text}");
        }
    }

    #[test]
    fn no_date_or_invalid_date() {
        assert_eq!(rfc("Lượt xem: 1728"), None);
        assert_eq!(rfc("31/02/2020"), None);
        assert_eq!(rfc("10:30"), None);
    }

    #[test]
    fn iso_attributes_must_be_well_formed() {
        assert_eq!(parse_iso("2023-09-15+0715:04:00"), None);
        assert_eq!(
            parse_iso("2023-09-15T15:04:00+07:00")
                .map(|d| d.to_rfc3339())
                .as_deref(),
            Some("2023-09-15T15:04:00+07:00")
        );
        // A space before the offset, as some CMSs write `article:published_time`.
        assert_eq!(
            parse_iso("2015-07-10 09:53:00 -0400")
                .map(|d| d.to_rfc3339())
                .as_deref(),
            Some("2015-07-10T09:53:00-04:00")
        );
        assert_eq!(parse_iso("2015-07-10 09:53:00  -0400"), None);
    }

    #[test]
    fn dates_in_sharepoint_paths() {
        assert_eq!(
            from_url_path("/tin-tuc/Pages/2023-12-1/Tieu-de.aspx")
                .map(|d| d.to_rfc3339())
                .as_deref(),
            Some("2023-12-01T00:00:00+07:00")
        );
        assert_eq!(from_url_path("/tin-tuc/Pages/Tin.aspx"), None);
    }
}
