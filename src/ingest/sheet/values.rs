//! Values: a cell value → the text a reviewer reads.
//!
//! **Values as a reviewer reads them.** Dates become ISO dates (never serial numbers), ODS
//! `DateTimeIso`/`DurationIso` strings are parsed the same way, integral floats print without
//! `.0`, other floats without binary noise (at most 15 significant digits, as Excel shows them).
//! A number of 15+ digits is flagged so the reader can note that its precision may be lost.

use calamine::Data;

/// A cell value as text, whether it is text, and whether it is a number of 15+ digits.
pub(super) struct Formatted {
    pub(super) text: String,
    pub(super) is_text: bool,
    pub(super) long_number: bool,
}

/// Formats a cell value the way a reviewer reads it; `None` for empty cells.
pub(super) fn format_value(value: &Data) -> Option<Formatted> {
    let (text, is_text, long_number) = match value {
        Data::Empty => return None,
        Data::String(s) => {
            if s.trim().is_empty() {
                return None;
            }
            (s.clone(), true, false)
        }
        Data::Int(i) => (
            i.to_string(),
            false,
            i.unsigned_abs() >= 100_000_000_000_000,
        ),
        Data::Float(f) => (
            format_float(*f),
            false,
            f.is_finite() && f.fract() == 0.0 && f.abs() >= 1e14,
        ),
        Data::Bool(b) => (
            (if *b { "TRUE" } else { "FALSE" }).to_string(),
            false,
            false,
        ),
        Data::Error(e) => (e.to_string(), false, false),
        Data::DateTime(dt) => (format_excel_datetime(dt), false, false),
        Data::DateTimeIso(s) => (format_iso_datetime(s), false, false),
        Data::DurationIso(s) => (format_iso_duration(s), false, false),
    };
    Some(Formatted {
        text,
        is_text,
        long_number,
    })
}

/// A float without binary noise: at most 15 significant digits (Excel's precision), shortest
/// form, integers without `.0`.
fn format_float(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    let abs = rounded.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        format!("{rounded:e}")
    } else {
        format!("{rounded}")
    }
}

/// An Excel serial date/time as ISO text: `2019-05-01`, `2019-05-01 09:30`, `09:30`; durations
/// as `h:mm[:ss]`.
fn format_excel_datetime(dt: &calamine::ExcelDateTime) -> String {
    let value = dt.as_f64();
    if dt.is_duration() {
        return format_seconds(value * 86_400.0);
    }
    let (y, mo, d, h, mi, s, _ms) = dt.to_ymd_hms_milli();
    let time = if s == 0 {
        format!("{h:02}:{mi:02}")
    } else {
        format!("{h:02}:{mi:02}:{s:02}")
    };
    if (0.0..1.0).contains(&value) {
        time
    } else if value.fract() == 0.0 || (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {time}")
    }
}

/// Seconds as `hh:mm` or `hh:mm:ss` (hours may exceed 24; negative kept).
fn format_seconds(total: f64) -> String {
    if !total.is_finite() {
        return total.to_string();
    }
    let sign = if total < 0.0 { "-" } else { "" };
    let secs = total.abs().round() as u64;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if s == 0 {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}:{m:02}:{s:02}")
    }
}

/// ODS `office:date-value` (`2019-05-01`, `2019-05-01T09:30:00[.123]`) as ISO text.
fn format_iso_datetime(s: &str) -> String {
    let s = s.trim();
    match s.split_once('T') {
        Some((date, time)) => match format_hms(time) {
            Some(t) if t == "00:00" => date.to_string(),
            Some(t) => format!("{date} {t}"),
            None => s.to_string(),
        },
        None if s.contains(':') => format_hms(s).unwrap_or_else(|| s.to_string()),
        None => s.to_string(),
    }
}

/// `09:30:00[.5][Z|+08:00]` → `09:30` (seconds only when non-zero).
fn format_hms(t: &str) -> Option<String> {
    let t = t.trim_end_matches('Z');
    let t = t.split(['+']).next().unwrap_or(t);
    let mut parts = t.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let s: f64 = match parts.next() {
        Some(p) => p.parse().ok()?,
        None => 0.0,
    };
    let s = s.round() as u32;
    Some(if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    })
}

/// ODS `office:time-value` (`PT09H30M00S`, `P1DT2H`, `-PT1H`) as `hh:mm[:ss]`.
fn format_iso_duration(s: &str) -> String {
    parse_iso_duration(s.trim()).map_or_else(|| s.to_string(), format_seconds)
}

fn parse_iso_duration(s: &str) -> Option<f64> {
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let rest = rest.strip_prefix('P')?;
    let mut total = 0.0;
    let mut in_time = false;
    let mut number = String::new();
    for ch in rest.chars() {
        match ch {
            'T' => in_time = true,
            '0'..='9' | '.' | ',' => number.push(if ch == ',' { '.' } else { ch }),
            unit => {
                let n: f64 = number.parse().ok()?;
                number.clear();
                total += n * match (unit, in_time) {
                    ('D', false) => 86_400.0,
                    ('W', false) => 604_800.0,
                    ('H', true) => 3_600.0,
                    ('M', true) => 60.0,
                    ('S', true) => 1.0,
                    _ => return None,
                };
            }
        }
    }
    if !number.is_empty() {
        return None;
    }
    Some(if neg { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::super::read;
    use super::super::test_support::*;
    use super::*;
    use crate::model::FileKind;

    #[test]
    fn chinese_date_format_becomes_iso() {
        let x = read_one_row(&[
            n("A1", "43586", 1),
            n("B1", "43586.395833333336", 2),
            n("C1", "0.3958333333333333", 3),
        ]);
        assert_eq!(texts(&x), vec!["2019-05-01 | 2019-05-01 09:30 | 09:30"]);
    }

    #[test]
    fn numbers_print_without_float_noise() {
        let x = read_one_row(&[
            n("A1", "12", 0),
            n("B1", "0.1", 0),
            n("C1", "0.30000000000000004", 0),
            n("D1", "-3.5", 0),
            r#"<c r="E1" t="b"><v>1</v></c>"#.to_string(),
            r#"<c r="F1" t="e"><v>#DIV/0!</v></c>"#.to_string(),
        ]);
        assert_eq!(texts(&x), vec!["12 | 0.1 | 0.3 | -3.5 | TRUE | #DIV/0!"]);
        assert!(x.notes.is_empty(), "{:?}", x.notes);
    }

    #[test]
    fn ods_iso_dates_and_durations() {
        let body = r#"<table:table table:name="日期"><table:table-row><table:table-cell office:value-type="date" office:date-value="2019-05-01"><text:p>2019年5月1日</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2019-05-01T09:30:00"><text:p>x</text:p></table:table-cell><table:table-cell office:value-type="time" office:time-value="PT09H30M00S"><text:p>09:30</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="12"><text:p>12</text:p></table:table-cell></table:table-row></table:table>"#;
        let x = read(FileKind::Ods, &ods(body), &ctx()).expect("ods reads");
        assert_eq!(
            texts(&x),
            vec!["2019-05-01 | 2019-05-01 09:30 | 09:30 | 12"]
        );
        assert_eq!(cell_of(&x.passages[0]), ("日期", "A1:D1"));
    }

    #[test]
    fn value_formatting_helpers() {
        assert_eq!(format_float(12.0), "12");
        assert_eq!(format_float(0.1), "0.1");
        assert_eq!(format_float(-0.0), "0");
        assert_eq!(format_float(1e300), "1e300");
        assert_eq!(format_float(1.5e-9), "1.5e-9");
        assert_eq!(format_iso_duration("PT09H30M00S"), "09:30");
        assert_eq!(format_iso_duration("P1DT2H0M5S"), "26:00:05");
        assert_eq!(format_iso_duration("garbage"), "garbage");
        assert_eq!(format_iso_datetime("2019-05-01T00:00:00"), "2019-05-01");
        assert_eq!(
            format_iso_datetime("2019-05-01T09:30:15.2"),
            "2019-05-01 09:30:15"
        );
    }
}
