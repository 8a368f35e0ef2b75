//! The batch's triage summary (`summary.json`, `summary.csv`, `index.html`): one row per bundle,
//! ranked so a reviewer opens the blocked bundles first and then the best-covered ones.
//!
//! A row is computed once, when its bundle is processed, and kept in the batch ledger, so an
//! unchanged bundle's row costs nothing on the next run. Rows carry no run-relative state (done
//! this run or skipped): an interrupted run resumed gives the same summary as one that never
//! stopped.

use super::json::BundleReport;
use super::summary::Names;
use crate::model::{FileStatus, IndicatorStatus, MaterialStatus, Severity};
use crate::rules::names::field;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::io::{self, Write};

/// Where a bundle stands in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowState {
    /// Read and assessed; the report is current.
    Assessed,
    /// The bundle could not be processed at all (its folder or zip cannot be read).
    Failed,
    /// It left the inbox: its passages left the index, its last report is kept.
    Withdrawn,
}

/// Indicator verdict counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorCounts {
    /// Clear evidence.
    pub supported: usize,
    /// Passing mentions only.
    pub weak: usize,
    /// No evidence.
    pub missing: usize,
    /// Declared not applicable.
    pub excluded: usize,
}

/// One bundle in the triage summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    /// Bundle id (folder name or zip stem).
    pub bundle: String,
    /// Assessed, failed or withdrawn.
    pub state: RowState,
    /// Whether the review cannot start as is; see `blockers`.
    pub blocked: bool,
    /// Why it is blocked, in words, most serious first.
    pub blockers: Vec<String>,
    /// The applicant's name as found (`company_name`).
    pub applicant: Option<String>,
    /// The applicant's 统一社会信用代码.
    pub uscc: Option<String>,
    /// Whether that code passed its checksum.
    pub uscc_valid: Option<bool>,
    /// Required materials present (or declared not applicable).
    pub required_present: usize,
    /// Required materials in the catalog.
    pub required_total: usize,
    /// Indicator verdicts.
    pub indicators: IndicatorCounts,
    /// Flags of severity error.
    pub errors: usize,
    /// Flags of severity warning.
    pub warnings: usize,
    /// Files read (zip members included).
    pub files: usize,
    /// Files whose status is not `ok`.
    pub files_not_ok: usize,
    /// Weighted evidence coverage, 0–100 (an estimate, not a score).
    pub estimated_score: f64,
    /// The band that estimate falls in.
    pub estimated_band: String,
    /// The bundle's report, relative to the summary (`bundles/<id>/report.html`).
    pub report: Option<String>,
    /// For a failed bundle: what went wrong.
    pub message: Option<String>,
}

impl SummaryRow {
    /// The row of an assessed bundle. `report_href` is where its HTML report lies relative to
    /// the summary.
    pub fn assessed(report: &BundleReport, names: &Names, report_href: &str) -> SummaryRow {
        let find_field = |name: &str| report.fields.iter().find(|f| f.name == name);
        let mut indicators = IndicatorCounts::default();
        for finding in &report.indicators {
            match finding.status {
                IndicatorStatus::Supported => indicators.supported += 1,
                IndicatorStatus::Weak => indicators.weak += 1,
                IndicatorStatus::Missing => indicators.missing += 1,
                IndicatorStatus::Excluded => indicators.excluded += 1,
            }
        }
        let required_present = report
            .materials
            .iter()
            .filter(|m| names.required.contains(&m.id.0))
            .filter(|m| m.status != MaterialStatus::Missing)
            .count();
        let count = |severity| {
            report
                .flags
                .iter()
                .filter(|f| f.severity == severity)
                .count()
        };
        SummaryRow {
            bundle: report.bundle.clone(),
            state: RowState::Assessed,
            blocked: false,
            blockers: blockers(report),
            applicant: find_field(field::COMPANY_NAME).map(|f| f.value.to_string()),
            uscc: find_field(field::USCC).map(|f| f.value.to_string()),
            uscc_valid: find_field(field::USCC).and_then(|f| f.valid),
            required_present,
            required_total: names.required.len(),
            indicators,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            files: report.files.len(),
            files_not_ok: report
                .files
                .iter()
                .filter(|f| f.status != FileStatus::Ok)
                .count(),
            estimated_score: report.coverage.estimated_score,
            estimated_band: report.coverage.estimated_band.clone(),
            report: Some(report_href.to_string()),
            message: None,
        }
        .with_blocked()
    }

    /// The row of a bundle that could not be processed.
    pub fn failed(bundle: &str, message: &str) -> SummaryRow {
        SummaryRow {
            bundle: bundle.to_string(),
            state: RowState::Failed,
            blocked: true,
            blockers: vec![format!("无法处理: {message}")],
            applicant: None,
            uscc: None,
            uscc_valid: None,
            required_present: 0,
            required_total: 0,
            indicators: IndicatorCounts::default(),
            errors: 0,
            warnings: 0,
            files: 0,
            files_not_ok: 0,
            estimated_score: 0.0,
            estimated_band: String::new(),
            report: None,
            message: Some(message.to_string()),
        }
    }

    /// This row, for a bundle that left the inbox. It is no longer blocked: nobody will review it.
    pub fn withdrawn(mut self) -> SummaryRow {
        self.state = RowState::Withdrawn;
        self.blocked = false;
        self
    }

    fn with_blocked(mut self) -> SummaryRow {
        self.blocked = !self.blockers.is_empty();
        self
    }
}

/// What stops a review from starting: every error flag (missing required materials — also one
/// whose only files cannot be read, which the materials stage reports missing — an expired
/// licence, codes that disagree…).
fn blockers(report: &BundleReport) -> Vec<String> {
    let reasons: Vec<String> = report
        .flags
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.message.clone())
        .collect();
    reasons
}

/// Orders rows for the reviewer: blocked (and failed) first, then by estimated coverage, best
/// first; withdrawn bundles last; ties by bundle id, so the order is stable run to run.
pub fn rank(rows: &mut [SummaryRow]) {
    fn group(row: &SummaryRow) -> u8 {
        match (row.state, row.blocked) {
            (RowState::Withdrawn, _) => 2,
            (_, true) => 0,
            (_, false) => 1,
        }
    }
    rows.sort_by(|a, b| {
        group(a)
            .cmp(&group(b))
            .then_with(|| {
                b.estimated_score
                    .partial_cmp(&a.estimated_score)
                    .unwrap_or(Ordering::Equal)
            })
            .then_with(|| a.bundle.cmp(&b.bundle))
    });
}

/// The whole summary, as written to `summary.json` and rendered into `index.html`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// certsift's version.
    pub tool_version: String,
    /// The review date of the run.
    pub as_of: String,
    /// Hash of the rules used (sha256 of their canonical form).
    pub rules_hash: String,
    /// Bundles counted by where they stand.
    pub totals: Totals,
    /// Ranked rows, see [`rank`].
    pub bundles: Vec<SummaryRow>,
    /// The inbox the run read, as an absolute path: where the workbench (`certsift serve`)
    /// finds a bundle's files to render a PDF page. Absent in summaries of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbox: Option<String>,
}

/// Counts over the rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Rows in the summary.
    pub bundles: usize,
    /// Assessed and blocked, or failed.
    pub blocked: usize,
    /// Assessed and not blocked: ready for review.
    pub ready: usize,
    /// Could not be processed.
    pub failed: usize,
    /// Left the inbox.
    pub withdrawn: usize,
}

impl Summary {
    /// Ranks `rows` and counts them.
    pub fn new(
        tool_version: &str,
        as_of: &str,
        rules_hash: &str,
        mut rows: Vec<SummaryRow>,
    ) -> Self {
        rank(&mut rows);
        let mut totals = Totals {
            bundles: rows.len(),
            ..Totals::default()
        };
        for row in &rows {
            match (row.state, row.blocked) {
                (RowState::Withdrawn, _) => totals.withdrawn += 1,
                (RowState::Failed, _) => {
                    totals.failed += 1;
                    totals.blocked += 1;
                }
                (RowState::Assessed, true) => totals.blocked += 1,
                (RowState::Assessed, false) => totals.ready += 1,
            }
        }
        Summary {
            tool_version: tool_version.to_string(),
            as_of: as_of.to_string(),
            rules_hash: rules_hash.to_string(),
            totals,
            bundles: rows,
            inbox: None,
        }
    }
}

/// The CSV header, in Chinese for the reviewer with the JSON key in brackets for scripts.
const CSV_HEADER: [&str; 17] = [
    "排序 (rank)",
    "申请包 (bundle)",
    "状态 (state)",
    "阻断 (blocked)",
    "阻断原因 (blockers)",
    "申请单位 (applicant)",
    "统一社会信用代码 (uscc)",
    "必备材料齐全 (required_present)",
    "必备材料总数 (required_total)",
    "指标-有证据 (supported)",
    "指标-证据弱 (weak)",
    "指标-缺失 (missing)",
    "指标-不适用 (excluded)",
    "错误 (errors)",
    "警告 (warnings)",
    "估计等级 (estimated_band)",
    "报告 (report)",
];

/// Writes `summary.csv`: UTF-8 with a byte-order mark, so Excel and WPS open the Chinese
/// correctly on a double click; CRLF line ends as both expect. Every cell goes through
/// [`neutralise`]: a bundle's name and applicant come from outside.
pub fn write_csv(summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    out.write_all("\u{feff}".as_bytes())?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(CSV_HEADER)?;
    for (rank, row) in summary.bundles.iter().enumerate() {
        let state = match row.state {
            RowState::Assessed => "assessed",
            RowState::Failed => "failed",
            RowState::Withdrawn => "withdrawn",
        };
        let band = if row.state == RowState::Assessed {
            format!("{} ({:.0})", row.estimated_band, row.estimated_score)
        } else {
            String::new()
        };
        let record: [String; 17] = [
            (rank + 1).to_string(),
            row.bundle.clone(),
            state.to_string(),
            if row.blocked { "是" } else { "否" }.to_string(),
            row.blockers.join("; "),
            row.applicant.clone().unwrap_or_default(),
            // A leading tab would stop Excel from reading the code as a number, but it also
            // changes the value scripts read; the code is alphanumeric in practice, so plain.
            row.uscc.clone().unwrap_or_default(),
            row.required_present.to_string(),
            row.required_total.to_string(),
            row.indicators.supported.to_string(),
            row.indicators.weak.to_string(),
            row.indicators.missing.to_string(),
            row.indicators.excluded.to_string(),
            row.errors.to_string(),
            row.warnings.to_string(),
            band,
            row.report.clone().unwrap_or_default(),
        ];
        writer.write_record(record.iter().map(|cell| neutralise(cell).into_owned()))?;
    }
    writer.flush()
}

/// A cell that a spreadsheet would take for a formula, defused as OWASP's "CSV Injection" page
/// advises: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
/// `'`, so Excel and WPS show the text instead of running it (a bundle folder named
/// `=HYPERLINK("http://x","y")` would otherwise be a live link in the reviewer's sheet). The
/// numbers the summary writes never start with one of these, so no value a script reads changes.
pub(crate) fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(bundle: &str, blocked: bool, score: f64) -> SummaryRow {
        let mut row = SummaryRow::failed(bundle, "x");
        row.state = RowState::Assessed;
        row.blocked = blocked;
        row.blockers = if blocked {
            vec!["缺少营业执照".into()]
        } else {
            Vec::new()
        };
        row.estimated_score = score;
        row.estimated_band = "达标".into();
        row.message = None;
        row
    }

    #[test]
    fn blocked_first_then_coverage_then_withdrawn_last() {
        let rows = vec![
            row("c-ready-low", false, 60.0),
            row("z-withdrawn", false, 99.0).withdrawn(),
            row("b-blocked", true, 95.0),
            row("a-ready-high", false, 90.0),
            SummaryRow::failed("d-failed", "无法读取"),
            row("e-ready-high", false, 90.0),
        ];
        let summary = Summary::new("0.1.0", "2026-11-28", "r", rows);
        let order: Vec<&str> = summary.bundles.iter().map(|r| r.bundle.as_str()).collect();
        assert_eq!(
            order,
            [
                "b-blocked",
                "d-failed",
                "a-ready-high",
                "e-ready-high",
                "c-ready-low",
                "z-withdrawn"
            ]
        );
        assert_eq!(
            summary.totals,
            Totals {
                bundles: 6,
                blocked: 2,
                ready: 3,
                failed: 1,
                withdrawn: 1
            }
        );
    }

    #[test]
    fn csv_has_a_bom_crlf_and_quotes_what_needs_quoting() {
        let mut tricky = row("华信,\"家电\"", true, 50.0);
        tricky.applicant = Some("苏州华信智能家电有限公司\n（分公司）".into());
        let summary = Summary::new("0.1.0", "2026-11-28", "r", vec![tricky]);
        let mut bytes = Vec::new();
        write_csv(&summary, &mut bytes).expect("csv");
        assert!(bytes.starts_with("\u{feff}".as_bytes()));
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        assert!(text.contains("\r\n"));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let record = reader.records().next().expect("one row").expect("parses");
        assert_eq!(&record[1], "华信,\"家电\"");
        assert_eq!(&record[3], "是");
        assert_eq!(&record[5], "苏州华信智能家电有限公司\n（分公司）");
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        for (cell, expected) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1", "'+1"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("华信=家电", "华信=家电"),
            ("", ""),
        ] {
            assert_eq!(neutralise(cell), expected);
        }
        let mut hostile = row("=HYPERLINK(\"http://x\",\"y\")", false, 50.0);
        hostile.applicant = Some("@cmd".into());
        let summary = Summary::new("0.1.0", "2026-11-28", "r", vec![hostile]);
        let mut bytes = Vec::new();
        write_csv(&summary, &mut bytes).expect("csv");
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let record = reader.records().next().expect("one row").expect("parses");
        assert_eq!(&record[1], "'=HYPERLINK(\"http://x\",\"y\")");
        assert_eq!(&record[5], "'@cmd");
    }
}
