//! Dates and validity periods in the forms Chinese documents use: `2026年5月1日`, `2026-05-01`,
//! `2026.5.1`, `2026/5/1`, `2026 年 5 月 1 日`, `二〇二六年五月十一日`, and the open ends
//! `长期` / `永久` / `无固定期限`.

use chrono::NaiveDate;
use regex::Regex;
use std::sync::LazyLock;

/// The end of a validity period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ValidityEnd {
    /// A last day.
    Date(NaiveDate),
    /// 长期, 永久, 无固定期限: never ends.
    Open,
}

impl ValidityEnd {
    /// The field value: the date, or no end.
    pub fn as_value(&self) -> crate::model::Value {
        match self {
            ValidityEnd::Date(d) => crate::model::Value::Date(*d),
            ValidityEnd::Open => crate::model::Value::NoEnd,
        }
    }
}

/// Words meaning "no end".
pub const OPEN_WORDS: [&str; 4] = ["长期", "永久", "无固定期限", "不约定期限"];

static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^0-9])((?:19|20)[0-9]{2})\s*(?:年|[-./])\s*([0-9]{1,2})\s*(?:月|[-./])\s*([0-9]{1,2})\s*日?",
    )
    .expect("static regex")
});

static HANZI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([〇零○O0一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
        .expect("static regex")
});

fn han_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' | '○' | 'O' | '0' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// 1..=99 written with 十: `十`, `十一`, `二十`, `三十一`, `五`.
fn han_small(s: &str) -> Option<u32> {
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [] => None,
        [c] if *c == '十' => Some(10),
        [c] => han_digit(*c),
        ['十', u] => Some(10 + han_digit(*u)?),
        [t, '十'] => Some(han_digit(*t)? * 10),
        [t, '十', u] => Some(han_digit(*t)? * 10 + han_digit(*u)?),
        _ => None,
    }
}

/// A found date: byte range in the searched text and the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundDate {
    /// Start byte.
    pub start: usize,
    /// End byte.
    pub end: usize,
    /// The date, or `Open` for 长期 and the like.
    pub value: ValidityEnd,
}

/// Every date (and open-end word) in `text`, in order. Impossible dates (`2026-02-30`) are
/// dropped, not clamped: a wrong date on a licence is for a human to see, not to guess.
pub fn find_dates(text: &str) -> Vec<FoundDate> {
    let mut out = Vec::new();
    for caps in NUMERIC.captures_iter(text) {
        let (Some(all), Some(y), Some(m), Some(d)) =
            (caps.get(0), caps.get(1), caps.get(2), caps.get(3))
        else {
            continue;
        };
        // A trailing digit means this was part of a longer number.
        if text[all.end()..].starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let parsed = (|| {
            NaiveDate::from_ymd_opt(
                y.as_str().parse().ok()?,
                m.as_str().parse().ok()?,
                d.as_str().parse().ok()?,
            )
        })();
        if let Some(date) = parsed {
            out.push(FoundDate {
                start: y.start(),
                end: all.end(),
                value: ValidityEnd::Date(date),
            });
        }
    }
    for caps in HANZI.captures_iter(text) {
        let (Some(all), Some(y), Some(m), Some(d)) =
            (caps.get(0), caps.get(1), caps.get(2), caps.get(3))
        else {
            continue;
        };
        let year = y
            .as_str()
            .chars()
            .try_fold(0i32, |acc, c| han_digit(c).map(|v| acc * 10 + v as i32));
        let parsed =
            (|| NaiveDate::from_ymd_opt(year?, han_small(m.as_str())?, han_small(d.as_str())?))();
        if let Some(date) = parsed {
            out.push(FoundDate {
                start: all.start(),
                end: all.end(),
                value: ValidityEnd::Date(date),
            });
        }
    }
    for word in OPEN_WORDS {
        for (start, _) in text.match_indices(word) {
            out.push(FoundDate {
                start,
                end: start + word.len(),
                value: ValidityEnd::Open,
            });
        }
    }
    out.sort_by_key(|f| f.start);
    out
}

/// The first date in `text` (not an open end); the tests' way to read one date.
#[cfg(test)]
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    find_dates(text).into_iter().find_map(|f| match f.value {
        ValidityEnd::Date(d) => Some(d),
        ValidityEnd::Open => None,
    })
}

/// A validity period as written: its start and end, each when stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Period {
    /// The first day (`自 2015年06月01日`, `2015年06月01日至`).
    pub start: Option<NaiveDate>,
    /// The last day, or no end (长期).
    pub end: Option<ValidityEnd>,
    /// The text stops at a start that still waits for its end (`2015年06月01日至`, a lone date
    /// after `营业期限自`): the end is further on, on the next line or in the next cell.
    pub awaits_end: bool,
}

/// What joins a period's start to its end (`2015年06月01日至2045年05月31日`).
const JOINERS: [char; 7] = ['至', '到', '-', '—', '–', '~', '～'];

/// Whether `text` begins with what joins a start to its end (`至 2045年05月31日` on the line
/// after a lone date makes that date a start).
pub fn continues_a_period(text: &str) -> bool {
    text.trim_start().starts_with(JOINERS)
}

/// What marks a date as a start when it stands before it.
const START_MARKERS: [char; 2] = ['自', '从'];

/// The period written in `text` (a 营业期限 / 有效期 value, with its label). A date is a start when
/// a connector (`至`, `-`, `起`…) follows it or `自`/`从` precedes it; the end is the last date or
/// open-end word that is not a start. A start is never taken for an end: a licence printed as
/// `营业期限` / `2015年06月01日至` / `2045年05月31日` states its end on the next line, and reading
/// the start as the end would flag a valid licence as expired.
pub fn period(text: &str) -> Period {
    let found = find_dates(text);
    let mut out = Period::default();
    let mut previous_end = 0;
    for (i, f) in found.iter().enumerate() {
        let next_start = found.get(i + 1).map_or(text.len(), |n| n.start);
        let after = text.get(f.end..next_start.max(f.end)).unwrap_or("");
        let before = text.get(previous_end.min(f.start)..f.start).unwrap_or("");
        previous_end = f.end;
        let trim = |c: char| c.is_whitespace() || matches!(c, ':' | '：' | ',' | '，');
        // A joiner after a date, or `起` (`2015年06月01日起`), makes it a start.
        let next = after.trim_start_matches(trim);
        let joined = next.starts_with(JOINERS) || next.starts_with('起');
        let marked = before.trim_end_matches(trim).ends_with(START_MARKERS);
        let is_start = joined || (marked && !before.contains('至'));
        match (is_start, f.value) {
            (true, ValidityEnd::Date(d)) => {
                out.start.get_or_insert(d);
                out.awaits_end = true;
            }
            _ => {
                out.end = Some(f.value);
                out.awaits_end = false;
            }
        }
    }
    out
}

/// The end of the validity period written in `text` (see [`period`]): `None` when the text
/// states only a start.
#[cfg(test)]
pub fn validity_end(text: &str) -> Option<ValidityEnd> {
    period(text).end
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn chinese_numeral_dates() {
        assert_eq!(parse_date("二零二六年五月十一日"), Some(ymd(2026, 5, 11)));
        assert_eq!(
            parse_date("二〇二六年十二月三十一日"),
            Some(ymd(2026, 12, 31))
        );
        assert_eq!(parse_date("二〇二六年二月三十日"), None);
    }

    #[test]
    fn full_width_after_nfkc_and_noise() {
        let n = crate::normalize::for_matching("２０２６年５月１日");
        assert_eq!(parse_date(&n), Some(ymd(2026, 5, 1)));
        assert_eq!(parse_date("编号12026-05-01"), None);
        assert_eq!(parse_date("2026-05-011"), None);
        assert_eq!(parse_date("电话 0512-6231-2178"), None);
    }

    #[test]
    fn a_start_is_never_an_end() {
        let start = ymd(2015, 6, 1);
        for text in [
            "2015年06月01日至",
            "2015年06月01日 至",
            "营业期限自2015年06月01日",
            "自 2015年06月01日",
            "2015年06月01日起",
            "2015-06-01 -",
        ] {
            let p = period(text);
            assert_eq!(p.start, Some(start), "{text}");
            assert_eq!(p.end, None, "{text}");
            assert!(p.awaits_end, "{text}");
        }
        for (text, end) in [
            (
                "2015年06月01日至\n2045年05月31日",
                ValidityEnd::Date(ymd(2045, 5, 31)),
            ),
            ("2015年06月01日至 长期", ValidityEnd::Open),
            ("自2015年06月01日至永久", ValidityEnd::Open),
            ("2015年06月01日 至 无固定期限", ValidityEnd::Open),
            ("有效期至2027年9月14日", ValidityEnd::Date(ymd(2027, 9, 14))),
            (
                "营业期限至 2045年05月31日",
                ValidityEnd::Date(ymd(2045, 5, 31)),
            ),
        ] {
            let p = period(text);
            assert_eq!(p.end, Some(end), "{text}");
            assert!(!p.awaits_end, "{text}");
        }
    }

    #[test]
    fn validity_forms() {
        for (text, want) in [
            ("营业期限 自 2009年06月18日 至 长期", ValidityEnd::Open),
            (
                "2016-03-01 至 2036-02-29",
                ValidityEnd::Date(ymd(2036, 2, 29)),
            ),
            (
                "有效期至：2027年9月14日",
                ValidityEnd::Date(ymd(2027, 9, 14)),
            ),
            ("2024.09.15-2027.09.14", ValidityEnd::Date(ymd(2027, 9, 14))),
            ("2020年1月1日至无固定期限", ValidityEnd::Open),
            ("永久", ValidityEnd::Open),
        ] {
            assert_eq!(validity_end(text), Some(want), "{text}");
        }
    }

    proptest! {
        #[test]
        fn every_valid_date_round_trips_in_every_form(days in 0i64..40000) {
            let date = ymd(1950, 1, 1) + chrono::Duration::days(days);
            let (y, m, d) = (chrono::Datelike::year(&date), chrono::Datelike::month(&date), chrono::Datelike::day(&date));
            for s in [format!("{y}年{m}月{d}日"), format!("{y}-{m:02}-{d:02}"), format!("{y}.{m}.{d}"),
                      format!("{y}/{m}/{d}"), format!("{y} 年 {m} 月 {d} 日")] {
                prop_assert_eq!(parse_date(&s), Some(date));
            }
        }

        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = find_dates(&s);
            let _ = validity_end(&s);
        }
    }

    /// The example that documented `find_dates`.
    #[test]
    fn example_of_find_dates() {
        use crate::rules::fields::dates::{ValidityEnd, find_dates};
        use chrono::NaiveDate;
        let d = |y, m, dd| ValidityEnd::Date(NaiveDate::from_ymd_opt(y, m, dd).unwrap());
        let found: Vec<_> = find_dates("自2009年06月18日至长期")
            .into_iter()
            .map(|f| f.value)
            .collect();
        assert_eq!(found, vec![d(2009, 6, 18), ValidityEnd::Open]);
        assert_eq!(
            find_dates("二〇二六年十二月三十一日")[0].value,
            d(2026, 12, 31)
        );
        assert!(find_dates("2026-02-30").is_empty());
    }

    /// The example that documented `parse_date`.
    #[test]
    fn example_of_parse_date() {
        use crate::rules::fields::dates::parse_date;
        use chrono::NaiveDate;
        let may1 = NaiveDate::from_ymd_opt(2026, 5, 1);
        for s in [
            "2026年5月1日",
            "2026年05月01日",
            "2026-05-01",
            "2026.5.1",
            "2026/5/1",
            "2026 年 5 月 1 日",
            "二〇二六年五月一日",
            "二零二六年五月一日",
        ] {
            assert_eq!(parse_date(s), may1, "{s}");
        }
        assert_eq!(parse_date("2026-02-30"), None);
    }

    /// The example that documented `validity_end`.
    #[test]
    fn example_of_validity_end() {
        use crate::rules::fields::dates::{ValidityEnd, validity_end};
        assert_eq!(
            validity_end("自 2009年06月18日 至 长期"),
            Some(ValidityEnd::Open)
        );
        let end = |t| validity_end(t).map(|v| v.as_value().to_string());
        assert_eq!(
            end("2016-03-01 至 2036-02-29").as_deref(),
            Some("2036-02-29")
        );
        assert_eq!(end("2024.09.15-2027.09.14").as_deref(), Some("2027-09-14"));
        assert_eq!(validity_end("三年"), None);
    }
}
