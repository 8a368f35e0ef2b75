//! The terminal triage summary of `certsift check`: what a reviewer reads first. Compact, in
//! Chinese names with ids, errors before warnings, one line per material and indicator with the
//! best evidence's place.

use super::json::BundleReport;
use crate::model::{FileStatus, IndicatorStatus, MaterialStatus, Severity};
use crate::rules::names::field;
use std::collections::BTreeMap;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// Display names and requirements the summary needs from the catalog.
#[derive(Debug, Default, Clone)]
pub struct Names {
    /// Indicator and material id → Chinese name.
    pub names: BTreeMap<String, String>,
    /// Material ids that are required (`required = "yes"`).
    pub required: Vec<String>,
    /// How pages show each field, in `fields.toml` order (derived fields after their source).
    pub fields: Vec<FieldTitle>,
}

/// A field's Chinese name on pages and which part of the page shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldTitle {
    /// The field's name in reports.
    pub name: String,
    /// Its Chinese name.
    pub title: String,
    /// An applicant field the page always lists (未找到 when absent); false for derived fields.
    pub listed: bool,
    /// A certificate's or another document's field rather than the applicant's.
    pub document: bool,
}

impl Names {
    fn name<'a>(&'a self, id: &str) -> &'a str {
        self.names.get(id).map_or("", String::as_str)
    }
}

/// Writes the summary of `report` to `out`.
pub fn write(report: &BundleReport, names: &Names, out: &mut dyn Write) -> io::Result<()> {
    let paths = Paths::of(report);
    write_header(report, out)?;
    write_unreadable(report, &paths, out)?;
    write_flags(report, &paths, out)?;
    write_materials(report, names, &paths, out)?;
    write_indicators(report, names, &paths, out)
}

/// File paths as the terminal shows them: a zip bundle's members all start with the zip's
/// name and, often, the one folder it holds (`鼎盛机电-2026.zip!/鼎盛机电售后服务认证申报材料/`),
/// which the header already names; that shared start is shown as `…/`. The JSON report keeps
/// whole paths.
struct Paths(Option<String>);

impl Paths {
    fn of(report: &BundleReport) -> Paths {
        let Some((zip, rest)) = report.files.first().and_then(|f| f.path.split_once("!/")) else {
            return Paths(None);
        };
        let all_under = |prefix: &str| report.files.iter().all(|f| f.path.starts_with(prefix));
        let in_zip = format!("{zip}!/");
        let in_folder = rest
            .split_once('/')
            .map(|(top, _)| format!("{in_zip}{top}/"))
            .filter(|p| all_under(p));
        Paths(in_folder.or_else(|| all_under(&in_zip).then_some(in_zip)))
    }

    fn show(&self, path: &str) -> String {
        match self.0.as_deref().and_then(|p| path.strip_prefix(p)) {
            Some(rest) => format!("…/{rest}"),
            None => path.to_string(),
        }
    }

    /// `text` (a flag's message) with the shared start of the paths it names shortened.
    fn text(&self, text: &str) -> String {
        match &self.0 {
            Some(prefix) => text.replace(prefix.as_str(), "…/"),
            None => text.to_string(),
        }
    }

    fn list(&self, paths: &[String]) -> String {
        paths
            .iter()
            .map(|p| self.show(p))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// When no file of the bundle could be read (a zip that is not one, every file encrypted), that
/// is the headline: every "missing" below follows from it, and the applicant must resend.
fn write_unreadable(report: &BundleReport, paths: &Paths, out: &mut dyn Write) -> io::Result<()> {
    if report.files.is_empty() || report.files.iter().any(|f| f.status == FileStatus::Ok) {
        return Ok(());
    }
    writeln!(
        out,
        "\n✗ 没有一个文件可以读取 (no file of the bundle could be read): 下面的材料缺失都由此而来，\
         请申请人重新提交 (everything reported missing below follows from this)"
    )?;
    for file in &report.files {
        writeln!(
            out,
            "    {}  {}  {}",
            paths.show(&file.path),
            file.status,
            paths.text(file.error.as_deref().unwrap_or(""))
        )?;
    }
    Ok(())
}

fn write_header(report: &BundleReport, out: &mut dyn Write) -> io::Result<()> {
    let mut by_status: BTreeMap<FileStatus, usize> = BTreeMap::new();
    for file in &report.files {
        *by_status.entry(file.status).or_default() += 1;
    }
    let statuses: Vec<String> = by_status.iter().map(|(s, n)| format!("{n} {s}")).collect();
    writeln!(
        out,
        "bundle {} · as of {} · {} files ({})",
        report.bundle,
        report.as_of,
        report.files.len(),
        statuses.join(", ")
    )?;
    let value_of = |name: &str| {
        report
            .fields
            .iter()
            .find(|f| f.name == name)
            .map_or_else(|| "?".to_string(), |f| f.value.to_string())
    };
    let uscc_mark = match report
        .fields
        .iter()
        .find(|f| f.name == field::USCC)
        .and_then(|f| f.valid)
    {
        Some(true) => " ✓",
        Some(false) => " ✗ 校验位不符",
        None => "",
    };
    writeln!(
        out,
        "申请人 {} · 统一社会信用代码 {}{uscc_mark} · 法定代表人 {} · 营业期限至 {}",
        value_of(field::COMPANY_NAME),
        value_of(field::USCC),
        value_of(field::LEGAL_REPRESENTATIVE),
        value_of(field::LICENSE_VALID_UNTIL),
    )
}

fn write_flags(report: &BundleReport, paths: &Paths, out: &mut dyn Write) -> io::Result<()> {
    if report.flags.is_empty() {
        return writeln!(out, "\n问题 flags: none");
    }
    writeln!(out, "\n问题 flags")?;
    let mut flags: Vec<_> = report.flags.iter().collect();
    flags.sort_by_key(|f| f.severity);
    for flag in flags {
        let mark = match flag.severity {
            Severity::Error => "✗ error  ",
            Severity::Warning => "! warning",
            Severity::Info => "· info   ",
        };
        let files = if flag.files.is_empty() {
            String::new()
        } else {
            format!("  [{}]", paths.list(&flag.files))
        };
        writeln!(
            out,
            "  {mark} {:<20} {}{files}",
            flag.code,
            paths.text(&flag.message)
        )?;
    }
    Ok(())
}

fn write_materials(
    report: &BundleReport,
    names: &Names,
    paths: &Paths,
    out: &mut dyn Write,
) -> io::Result<()> {
    let is_required = |id: &str| names.required.iter().any(|r| r == id);
    let required_total = report
        .materials
        .iter()
        .filter(|m| is_required(&m.id.0))
        .count();
    let required_present = report
        .materials
        .iter()
        .filter(|m| is_required(&m.id.0) && m.status == MaterialStatus::Present)
        .count();
    writeln!(
        out,
        "\n材料 materials (required present {required_present}/{required_total})"
    )?;
    let name_width = report
        .materials
        .iter()
        .map(|m| names.name(&m.id.0).width())
        .max()
        .unwrap_or(0);
    for material in &report.materials {
        let (mark, detail) = match material.status {
            MaterialStatus::Present => ("✓", paths.list(&material.files)),
            MaterialStatus::Missing if !material.files.is_empty() => (
                if is_required(&material.id.0) {
                    "✗"
                } else {
                    "–"
                },
                format!(
                    "missing: 文件无法读取 unreadable {}",
                    paths.list(&material.files)
                ),
            ),
            MaterialStatus::Missing if is_required(&material.id.0) => {
                ("✗", "missing (required)".to_string())
            }
            MaterialStatus::Missing => ("–", "missing (if applicable)".to_string()),
            MaterialStatus::NotApplicable => ("–", "not applicable (declared)".to_string()),
        };
        writeln!(
            out,
            "  {mark} {:<28} {}  {detail}",
            material.id.0,
            pad(names.name(&material.id.0), name_width)
        )?;
    }
    Ok(())
}

/// Terminal columns for an indicator's name (most are 4–8 characters of two columns each).
const INDICATOR_NAME_COLUMNS: usize = 16;

/// `text` followed by spaces up to `columns` terminal columns: `format!("{:<8}")` counts
/// characters, and a Chinese character takes two columns, so tables would not line up.
fn pad(text: &str, columns: usize) -> String {
    let filler = columns.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(filler))
}

fn write_indicators(
    report: &BundleReport,
    names: &Names,
    paths: &Paths,
    out: &mut dyn Write,
) -> io::Result<()> {
    let count = |status| {
        report
            .indicators
            .iter()
            .filter(|i| i.status == status)
            .count()
    };
    writeln!(
        out,
        "\n指标 indicators: {} supported · {} weak · {} missing · {} excluded — estimated score {:.1} ({})",
        count(IndicatorStatus::Supported),
        count(IndicatorStatus::Weak),
        count(IndicatorStatus::Missing),
        count(IndicatorStatus::Excluded),
        report.coverage.estimated_score,
        report.coverage.estimated_band
    )?;
    for group in &report.coverage.level1 {
        writeln!(
            out,
            "  {} {} (coverage {:.0}%)",
            group.id,
            group.name,
            group.coverage * 100.0
        )?;
        let prefix = format!("{}.", group.id);
        for indicator in report
            .indicators
            .iter()
            .filter(|i| i.id.0.starts_with(&prefix))
        {
            let mark = match indicator.status {
                IndicatorStatus::Supported => "✓",
                IndicatorStatus::Weak => "~",
                IndicatorStatus::Missing => "✗",
                IndicatorStatus::Excluded => "⊘",
            };
            let best = indicator.evidence.first().map(|e| {
                let text: String = e.text.split_whitespace().collect::<Vec<_>>().join(" ");
                let short: String = text.chars().take(40).collect();
                let ellipsis = if text.chars().count() > 40 { "…" } else { "" };
                format!(
                    "  {} {} [{}] {short}{ellipsis}",
                    paths.show(&e.file),
                    e.location,
                    e.rule
                )
            });
            writeln!(
                out,
                "    {mark} {:<6} {} {:<9}{}",
                indicator.id.0,
                pad(names.name(&indicator.id.0), INDICATOR_NAME_COLUMNS),
                format!("{:?}", indicator.status).to_lowercase(),
                best.unwrap_or_default()
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zip_bundles_shared_start_is_shortened() {
        let paths = Paths(Some("鼎盛.zip!/申报材料/".into()));
        assert_eq!(
            paths.show("鼎盛.zip!/申报材料/02 审计/报告.pdf"),
            "…/02 审计/报告.pdf"
        );
        assert_eq!(paths.show("其他.pdf"), "其他.pdf");
        assert_eq!(
            paths.text("鼎盛.zip!/申报材料/a.pdf: 加密"),
            "…/a.pdf: 加密"
        );
        assert_eq!(Paths(None).show("a/b.pdf"), "a/b.pdf");
    }

    #[test]
    fn padding_counts_terminal_columns_not_characters() {
        assert_eq!(pad("营业执照", 10), "营业执照  ");
        assert_eq!(pad("ISO", 6), "ISO   ");
        assert_eq!(pad("营业执照复印件", 4), "营业执照复印件");
        // Names of different lengths end in the same column.
        assert_eq!(pad("配件供应", 16).width(), pad("服务网点配备", 16).width());
    }
}
