//! The HTML pages a reviewer opens: one `report.html` per bundle and the batch's `index.html`.
//!
//! Both are single self-contained files (inline CSS, no scripts, no fonts or images fetched), so
//! they can be mailed, archived or printed on A4 as they are. Templates are embedded with
//! `include_str!` and rendered by minijinja with HTML auto-escaping on: every piece of data, from
//! file names to evidence text, is escaped by the template, never marked safe. All preparation
//! (grouping, Chinese labels, highlight segments) happens here in plain view structs, so the
//! templates only lay out.

pub(crate) mod highlight;

use highlight::Segment;

use super::json::{BundleReport, FileEntry};
use super::summary::Names;
use super::triage::{RowState, Summary, SummaryRow, Totals};
use crate::model::{
    Evidence, FieldValue, FileStatus, Flag, IndicatorFinding, IndicatorStatus, Location,
    MaterialFinding, MaterialStatus, Part, Severity, Value,
};
use minijinja::Environment;
use serde::Serialize;
use std::collections::BTreeMap;

/// What can go wrong rendering: always a template bug (a syntax error or an unknown variable),
/// never the data, which is only ever displayed.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    /// A template failed to parse or render.
    #[error("HTML template {template}: {source}")]
    Template {
        /// The template's name (`report.html`, `index.html`).
        template: &'static str,
        /// What minijinja reported.
        #[source]
        source: minijinja::Error,
    },
}

/// The templates, by name. The `.html` names turn auto-escaping on; the CSS is included
/// verbatim inside `<style>` and holds no data.
const TEMPLATES: [(&str, &str); 3] = [
    ("style.css", include_str!("../../templates/style.css")),
    ("report.html", include_str!("../../templates/report.html")),
    ("index.html", include_str!("../../templates/index.html")),
];

/// Evidence text longer than this (in characters) is cut around its first hit.
const SNIPPET_CHARS: usize = 300;

/// Evidence items shown per indicator; the rest stay in `report.json`.
const EVIDENCE_SHOWN: usize = 5;

/// Renders one of the embedded templates with `view`. A fresh environment per page costs a
/// millisecond of parsing and keeps a template error an ordinary value instead of a poisoned
/// global. Undefined variables are errors, so a template typo fails the tests, not silently.
fn render(template: &'static str, view: &impl Serialize) -> Result<String, HtmlError> {
    let error = |source| HtmlError::Template { template, source };
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        env.add_template(name, source).map_err(error)?;
    }
    env.get_template(template)
        .and_then(|t| t.render(view))
        .map_err(error)
}

/// One bundle's `report.html`.
pub fn bundle_page(report: &BundleReport, names: &Names) -> Result<String, HtmlError> {
    render("report.html", &BundleView::new(report, names))
}

/// The batch's `index.html` (the triage summary). `names` is not needed for the rows, which
/// already carry their counts; it is taken so labels can come from the catalog later.
pub fn summary_page(summary: &Summary, names: &Names) -> Result<String, HtmlError> {
    let _ = names;
    render("index.html", &SummaryView::new(summary))
}

// ---------------------------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------------------------

/// The catalog's Chinese name of an indicator or material, or the id when the catalog lacks it.
pub(crate) fn name_of<'a>(names: &'a Names, id: &'a str) -> &'a str {
    names.names.get(id).map_or(id, String::as_str)
}

/// A field's Chinese title (`fields.toml`), or its name for a field the rules do not know.
pub(crate) fn field_label<'a>(names: &'a Names, name: &'a str) -> &'a str {
    names
        .fields
        .iter()
        .find(|f| f.name == name)
        .map_or(name, |f| f.title.as_str())
}

/// Where a passage is, for a reader: numbers from 1 as a person counts, although the JSON
/// counts paragraphs, tables, rows and columns from 0 (the page keeps the JSON in a tooltip).
pub(crate) fn location_label(location: &Location) -> String {
    let n = |i: &u32| i.saturating_add(1);
    match location {
        Location::Slide {
            slide,
            paragraph,
            notes,
            table,
            row,
            col,
        } => {
            let notes = if *notes { " 备注" } else { "" };
            match (table, row, col) {
                (Some(t), Some(r), Some(c)) => {
                    format!("第{slide}张幻灯片{notes} 表{} 行{} 列{}", n(t), n(r), n(c))
                }
                _ => format!("第{slide}张幻灯片{notes} 段落{}", n(paragraph)),
            }
        }
        Location::Page {
            page,
            lines: Some([first, last]),
            ..
        } if first != last => format!("第{page}页第{first}–{last}行"),
        Location::Page {
            page,
            lines: Some([line, _]),
            ..
        } => format!("第{page}页第{line}行"),
        Location::Page { page, .. } => format!("第{page}页"),
        Location::OcrLine { page, line, .. } => format!("第{page}页 第{line}行（OCR）"),
        Location::Paragraph { part, paragraph } => {
            format!("{}段落{}", part_label(*part), n(paragraph))
        }
        Location::TableCell {
            part,
            table,
            row,
            col,
            nested,
        } => {
            let outer = nested
                .as_ref()
                .map_or(String::new(), |o| format!("嵌套于 {o} "));
            format!(
                "{}{outer}表{} 行{} 列{}",
                part_label(*part),
                n(table),
                n(row),
                n(col)
            )
        }
        Location::SheetCell { sheet, cell } => format!("工作表 {sheet} 单元格 {cell}"),
        Location::Picture {
            part,
            paragraph,
            table,
            row,
            col,
            sheet,
            cell,
            slide,
            picture,
            line,
            ..
        } => {
            let place = match (paragraph, table, row, col, sheet, cell, slide) {
                (Some(p), ..) => format!("段落{} ", n(p)),
                (None, Some(t), Some(r), Some(c), ..) => {
                    format!("表{} 行{} 列{} ", n(t), n(r), n(c))
                }
                (.., Some(s), Some(c), _) => format!("工作表 {s} 单元格 {c} "),
                (.., Some(s), None, _) => format!("工作表 {s} "),
                (.., Some(s)) => format!("第{s}张幻灯片 "),
                _ => String::new(),
            };
            format!(
                "{}{place}图片{picture} 第{line}行（OCR）",
                part_label(*part)
            )
        }
        Location::Line {
            line,
            through: None,
        } => format!("第{line}行"),
        Location::Line {
            line,
            through: Some(last),
        } => format!("第{line}–{last}行"),
        Location::File {} => "整个文件".to_string(),
    }
}

/// The contract's JSON of a location, shown as a tooltip so a reviewer can match the page to
/// `report.json` and to `certsift search` output.
fn location_json(location: &Location) -> String {
    serde_json::to_string(location).unwrap_or_default()
}

/// The Word part a passage comes from, as a prefix (nothing for the body).
fn part_label(part: Part) -> &'static str {
    match part {
        Part::Body => "",
        Part::Header => "页眉 ",
        Part::Footer => "页脚 ",
        Part::Footnote => "脚注 ",
        Part::Endnote => "尾注 ",
        Part::Comment => "批注 ",
    }
}

/// CSS class and Chinese label of a file status.
pub(crate) fn file_status(status: FileStatus) -> (&'static str, &'static str) {
    let label = match status {
        FileStatus::Ok => "正常",
        FileStatus::NeedsOcr => "需 OCR",
        FileStatus::Encrypted => "已加密",
        FileStatus::Corrupt => "已损坏",
        FileStatus::Unsupported => "格式不支持",
        FileStatus::Empty => "无内容",
        FileStatus::LimitExceeded => "超出限制",
    };
    (status.as_str(), label)
}

/// CSS class and Chinese label of an indicator status.
pub(crate) fn indicator_status(status: IndicatorStatus) -> (&'static str, &'static str) {
    match status {
        IndicatorStatus::Supported => ("supported", "有证据"),
        IndicatorStatus::Weak => ("weak", "证据弱"),
        IndicatorStatus::Missing => ("missing", "缺失"),
        IndicatorStatus::Excluded => ("excluded", "不适用"),
    }
}

/// CSS class and Chinese label of a material status.
pub(crate) fn material_status(status: MaterialStatus) -> (&'static str, &'static str) {
    match status {
        MaterialStatus::Present => ("present", "已提供"),
        MaterialStatus::Missing => ("missing", "缺失"),
        MaterialStatus::NotApplicable => ("not_applicable", "不适用 (已声明)"),
    }
}

/// CSS class and Chinese label of a flag severity.
pub(crate) fn severity(severity: Severity) -> (&'static str, &'static str) {
    match severity {
        Severity::Error => ("error", "错误"),
        Severity::Warning => ("warning", "警告"),
        Severity::Info => ("info", "提示"),
    }
}

/// Pages as ranges (`1–3, 7`): a scan of forty pages stays one short line.
fn page_ranges(pages: &[u32]) -> String {
    let mut sorted = pages.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut iter = sorted.into_iter().peekable();
    while let Some(first) = iter.next() {
        let mut last = first;
        while iter.peek() == Some(&last.saturating_add(1)) {
            last = iter.next().unwrap_or(last);
        }
        parts.push(if first == last {
            first.to_string()
        } else {
            format!("{first}–{last}")
        });
    }
    parts.join(", ")
}

/// A share 0–1 as a whole percentage for bar widths, clamped so bad data cannot break layout.
fn percent(share: f64) -> u32 {
    if share.is_finite() {
        (share.clamp(0.0, 1.0) * 100.0).round() as u32
    } else {
        0
    }
}

// ---------------------------------------------------------------------------------------------
// report.html
// ---------------------------------------------------------------------------------------------

/// Everything `report.html` shows, ready to lay out.
#[derive(Debug, Serialize)]
struct BundleView<'a> {
    bundle: &'a str,
    as_of: &'a str,
    tool_version: &'static str,
    score: String,
    band: &'a str,
    note: &'a str,
    level1: Vec<BarView<'a>>,
    applicant: Vec<FieldView<'a>>,
    certificates: Vec<Vec<FieldView<'a>>>,
    flag_groups: Vec<FlagGroupView<'a>>,
    flag_count: usize,
    materials: Vec<MaterialView<'a>>,
    required_present: usize,
    required_total: usize,
    indicator_groups: Vec<IndicatorGroupView<'a>>,
    counts: BTreeMap<&'static str, usize>,
    files: Vec<FileView<'a>>,
}

/// A level-1 coverage bar.
#[derive(Debug, Serialize)]
struct BarView<'a> {
    id: &'a str,
    name: &'a str,
    percent: u32,
}

/// A field with where it was found; `value` is `None` for an applicant field not found.
#[derive(Debug, Serialize)]
struct FieldView<'a> {
    label: &'a str,
    value: Option<&'a Value>,
    valid: Option<bool>,
    file: Option<&'a str>,
    location: Option<String>,
    location_json: Option<String>,
}

/// Flags of one severity.
#[derive(Debug, Serialize)]
struct FlagGroupView<'a> {
    class: &'static str,
    label: &'static str,
    flags: Vec<&'a Flag>,
}

/// A line of the materials checklist.
#[derive(Debug, Serialize)]
struct MaterialView<'a> {
    id: &'a str,
    name: &'a str,
    required: bool,
    class: &'static str,
    label: &'static str,
    files: &'a [String],
}

/// Level-2 indicators under one level-1 indicator.
#[derive(Debug, Serialize)]
struct IndicatorGroupView<'a> {
    id: &'a str,
    name: &'a str,
    percent: Option<u32>,
    indicators: Vec<IndicatorView<'a>>,
}

/// A level-2 indicator and the evidence shown for it.
#[derive(Debug, Serialize)]
struct IndicatorView<'a> {
    id: &'a str,
    name: &'a str,
    class: &'static str,
    label: &'static str,
    evidence: Vec<EvidenceView<'a>>,
    more: usize,
}

/// One evidence snippet, already split into plain and highlighted segments.
#[derive(Debug, Serialize)]
struct EvidenceView<'a> {
    file: &'a str,
    location: String,
    location_json: String,
    rule: &'a str,
    weak: bool,
    segments: Vec<Segment>,
}

/// A row of the files table.
#[derive(Debug, Serialize)]
struct FileView<'a> {
    path: &'a str,
    kind: &'static str,
    ok: bool,
    class: &'static str,
    label: &'static str,
    error: Option<&'a str>,
    passages: usize,
    materials: Vec<&'a str>,
    ocr_pages: String,
    notes: &'a [String],
}

impl<'a> BundleView<'a> {
    fn new(report: &'a BundleReport, names: &'a Names) -> Self {
        let coverage = &report.coverage;
        let materials = materials(&report.materials, names);
        let is_required = |m: &&MaterialView<'_>| m.required;
        BundleView {
            bundle: &report.bundle,
            as_of: &report.as_of,
            tool_version: env!("CARGO_PKG_VERSION"),
            score: format!("{:.1}", coverage.estimated_score),
            band: &coverage.estimated_band,
            note: &coverage.note,
            level1: coverage
                .level1
                .iter()
                .map(|g| BarView {
                    id: &g.id,
                    name: &g.name,
                    percent: percent(g.coverage),
                })
                .collect(),
            applicant: applicant_fields(&report.fields, names),
            certificates: certificate_groups(&report.fields, names),
            flag_groups: flag_groups(&report.flags),
            flag_count: report.flags.len(),
            required_present: materials
                .iter()
                .filter(is_required)
                .filter(|m| m.class != "missing")
                .count(),
            required_total: materials.iter().filter(is_required).count(),
            materials,
            indicator_groups: indicator_groups(report, names),
            counts: indicator_counts(&report.indicators),
            files: report.files.iter().map(|f| file_view(f, names)).collect(),
        }
    }
}

/// A found field with its place.
fn field_view<'a>(field: &'a FieldValue, names: &'a Names) -> FieldView<'a> {
    FieldView {
        label: field_label(names, &field.name),
        value: Some(&field.value),
        valid: field.valid,
        file: Some(&field.file),
        location: Some(location_label(&field.location)),
        location_json: Some(location_json(&field.location)),
    }
}

/// Whether a field describes a certificate or test report rather than the applicant.
fn is_document_field(field: &FieldValue, names: &Names) -> bool {
    field.group.is_some()
        || names
            .fields
            .iter()
            .any(|f| f.document && f.name == field.name)
}

/// The applicant's identity: the fields `fields.toml` lists for the applicant, in its order (a
/// row saying 未找到 for each one not found, since a gap is what the reviewer must chase), then
/// any other applicant field.
fn applicant_fields<'a>(fields: &'a [FieldValue], names: &'a Names) -> Vec<FieldView<'a>> {
    let ungrouped = || fields.iter().filter(|f| !is_document_field(f, names));
    let listed = || names.fields.iter().filter(|f| f.listed);
    let mut rows: Vec<FieldView<'a>> = listed()
        .map(|title| {
            ungrouped()
                .find(|f| f.name == title.name)
                .map_or_else(|| missing_field(&title.title), |f| field_view(f, names))
        })
        .collect();
    rows.extend(
        ungrouped()
            .filter(|f| !listed().any(|t| t.name == f.name))
            .map(|f| field_view(f, names)),
    );
    rows
}

/// The row of an applicant field that was not found.
fn missing_field(label: &str) -> FieldView<'_> {
    FieldView {
        label,
        value: None,
        valid: None,
        file: None,
        location: None,
        location_json: None,
    }
}

/// Certificates and test reports: fields sharing a `group` belong to one document; document
/// fields without a group are shown together after them.
fn certificate_groups<'a>(fields: &'a [FieldValue], names: &'a Names) -> Vec<Vec<FieldView<'a>>> {
    let mut groups: BTreeMap<Option<u32>, Vec<FieldView<'a>>> = BTreeMap::new();
    for field in fields.iter().filter(|f| is_document_field(f, names)) {
        groups
            .entry(field.group)
            .or_default()
            .push(field_view(field, names));
    }
    // `None` sorts first in a BTreeMap; ungrouped fields read better last.
    let ungrouped = groups.remove(&None);
    groups.into_values().chain(ungrouped).collect()
}

/// Flags by severity, errors first; empty severities are left out.
fn flag_groups(flags: &[Flag]) -> Vec<FlagGroupView<'_>> {
    [Severity::Error, Severity::Warning, Severity::Info]
        .into_iter()
        .filter_map(|s| {
            let of_severity: Vec<&Flag> = flags.iter().filter(|f| f.severity == s).collect();
            let (class, label) = severity(s);
            (!of_severity.is_empty()).then_some(FlagGroupView {
                class,
                label,
                flags: of_severity,
            })
        })
        .collect()
}

/// The materials checklist with names and whether each is required.
fn materials<'a>(findings: &'a [MaterialFinding], names: &'a Names) -> Vec<MaterialView<'a>> {
    findings
        .iter()
        .map(|m| {
            let (class, label) = material_status(m.status);
            MaterialView {
                id: &m.id.0,
                name: name_of(names, &m.id.0),
                required: names.required.contains(&m.id.0),
                class,
                label,
                files: &m.files,
            }
        })
        .collect()
}

/// Counts of indicator verdicts by CSS class, for the section's summary line.
fn indicator_counts(findings: &[IndicatorFinding]) -> BTreeMap<&'static str, usize> {
    let mut counts: BTreeMap<&'static str, usize> = ["supported", "weak", "missing", "excluded"]
        .into_iter()
        .map(|c| (c, 0))
        .collect();
    for finding in findings {
        *counts
            .entry(indicator_status(finding.status).0)
            .or_default() += 1;
    }
    counts
}

/// The indicator tree: level-2 findings under their level-1 group (from the coverage roll-up,
/// which has the names), then any finding no group claims, so nothing is silently dropped.
fn indicator_groups<'a>(report: &'a BundleReport, names: &'a Names) -> Vec<IndicatorGroupView<'a>> {
    let parent_of = |id: &str| {
        id.rsplit_once('.')
            .map_or("", |(parent, _)| parent)
            .to_string()
    };
    let mut groups: Vec<IndicatorGroupView<'a>> = report
        .coverage
        .level1
        .iter()
        .map(|g| IndicatorGroupView {
            id: &g.id,
            name: &g.name,
            percent: Some(percent(g.coverage)),
            indicators: report
                .indicators
                .iter()
                .filter(|i| parent_of(&i.id.0) == g.id)
                .map(|i| indicator_view(i, names))
                .collect(),
        })
        .collect();
    let orphans: Vec<IndicatorView<'a>> = report
        .indicators
        .iter()
        .filter(|i| {
            !report
                .coverage
                .level1
                .iter()
                .any(|g| parent_of(&i.id.0) == g.id)
        })
        .map(|i| indicator_view(i, names))
        .collect();
    if !orphans.is_empty() {
        groups.push(IndicatorGroupView {
            id: "",
            name: "其他",
            percent: None,
            indicators: orphans,
        });
    }
    groups
}

/// One level-2 indicator with its best evidence.
fn indicator_view<'a>(finding: &'a IndicatorFinding, names: &'a Names) -> IndicatorView<'a> {
    let (class, label) = indicator_status(finding.status);
    IndicatorView {
        id: &finding.id.0,
        name: name_of(names, &finding.id.0),
        class,
        label,
        evidence: finding
            .evidence
            .iter()
            .take(EVIDENCE_SHOWN)
            .map(evidence_view)
            .collect(),
        more: finding.evidence.len().saturating_sub(EVIDENCE_SHOWN),
    }
}

/// An evidence snippet with its matched words highlighted.
fn evidence_view(evidence: &Evidence) -> EvidenceView<'_> {
    EvidenceView {
        file: &evidence.file,
        location: location_label(&evidence.location),
        location_json: location_json(&evidence.location),
        rule: &evidence.rule.0,
        weak: evidence.strength == crate::model::Strength::Weak,
        segments: highlight::snippet(&evidence.text, &evidence.terms, SNIPPET_CHARS),
    }
}

/// A row of the files table, materials by name.
fn file_view<'a>(file: &'a FileEntry, names: &'a Names) -> FileView<'a> {
    let (class, label) = file_status(file.status);
    FileView {
        path: &file.path,
        kind: file.kind.as_str(),
        ok: file.status == FileStatus::Ok,
        class,
        label,
        error: file.error.as_deref(),
        passages: file.passages,
        materials: file
            .materials
            .iter()
            .map(|m| name_of(names, &m.0))
            .collect(),
        ocr_pages: page_ranges(&file.ocr_pages),
        notes: &file.notes,
    }
}

// ---------------------------------------------------------------------------------------------
// index.html
// ---------------------------------------------------------------------------------------------

/// Everything `index.html` shows.
#[derive(Debug, Serialize)]
struct SummaryView<'a> {
    as_of: &'a str,
    tool_version: &'a str,
    rules_hash: &'a str,
    totals: &'a Totals,
    rows: Vec<RowView<'a>>,
}

/// One bundle's row.
#[derive(Debug, Serialize)]
struct RowView<'a> {
    rank: usize,
    row: &'a SummaryRow,
    state: &'static str,
    state_label: &'static str,
    href: Option<String>,
    score: String,
    show_blockers: bool,
}

impl<'a> SummaryView<'a> {
    fn new(summary: &'a Summary) -> Self {
        SummaryView {
            as_of: &summary.as_of,
            tool_version: &summary.tool_version,
            rules_hash: summary.rules_hash.get(..12).unwrap_or(&summary.rules_hash),
            totals: &summary.totals,
            rows: summary
                .bundles
                .iter()
                .enumerate()
                .map(|(i, row)| row_view(i + 1, row))
                .collect(),
        }
    }
}

/// A summary row with its state label and a safe link to its report.
fn row_view(rank: usize, row: &SummaryRow) -> RowView<'_> {
    let (state, state_label) = match (row.state, row.blocked) {
        (RowState::Failed, _) => ("failed", "处理失败"),
        (RowState::Withdrawn, _) => ("withdrawn", "已撤回"),
        (RowState::Assessed, true) => ("blocked", "阻断"),
        (RowState::Assessed, false) => ("ready", "可评审"),
    };
    RowView {
        rank,
        row,
        state,
        state_label,
        href: row.report.as_deref().and_then(relative_href),
        score: format!("{:.0}", row.estimated_score),
        // A failed row's only blocker is its message, shown in the row itself; a withdrawn
        // bundle will not be reviewed, so what blocked it no longer matters.
        show_blockers: row.state == RowState::Assessed && !row.blockers.is_empty(),
    }
}

/// `path` as a relative link: `None` for anything with a scheme (`javascript:`, `http:`) or an
/// absolute path, since the summary only ever links to its own bundle folders; characters that
/// would end the path early (`#`, `?`, `%`, spaces, quotes) are percent-encoded, so a bundle id
/// like `A#1` still links to its folder. Escaping for HTML is the template's job.
fn relative_href(path: &str) -> Option<String> {
    let before_slash = path.split('/').next().unwrap_or("");
    if path.is_empty()
        || path.starts_with('/')
        || path.starts_with('\\')
        || before_slash.contains(':')
    {
        return None;
    }
    let mut href = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' | '#' | '?' | '"' | '\'' | '<' | '>' | '\\' | '`' => {
                href.push_str(&format!("%{:02X}", c as u32));
            }
            c if c.is_whitespace() || c.is_control() => {
                let mut buf = [0u8; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    href.push_str(&format!("%{byte:02X}"));
                }
            }
            c => href.push(c),
        }
    }
    Some(href)
}

#[cfg(test)]
mod tests {
    use super::highlight::{Segment, match_ranges, snippet};
    use super::*;
    use crate::model::{FileKind, IndicatorId, MaterialId, RuleId, Strength};
    use crate::report::json::{Coverage, Level1Coverage};
    use crate::report::triage::IndicatorCounts;
    use std::path::Path;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// What minijinja's HTML auto-escaping makes of `text`, to look for data in a page.
    fn esc(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#x27;")
            .replace('/', "&#x2f;")
    }

    /// The marked parts of a snippet.
    fn marked(segments: &[Segment]) -> Vec<&str> {
        segments
            .iter()
            .filter(|s| s.marked)
            .map(|s| s.text.as_str())
            .collect()
    }

    fn terms(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    // --- highlighting ------------------------------------------------------------------------

    #[test]
    fn full_width_text_matches_ascii_term() {
        let s = snippet("依据ＧＢ／Ｔ　２７９２２标准", &terms(&["GB/T 27922"]), 300);
        assert_eq!(marked(&s), ["ＧＢ／Ｔ　２７９２２"]);
        let s = snippet("ABC and abc", &terms(&["ＡＢＣ"]), 300);
        assert_eq!(marked(&s), ["ABC", "abc"]);
    }

    #[test]
    fn term_split_by_line_break_or_spaces_in_raw_text() {
        let s = snippet("投诉处理等售后\n服务活动", &terms(&["售后服务"]), 300);
        assert_eq!(marked(&s), ["售后\n服务"]);
        let s = snippet("建立 售 后 服务管理制度", &terms(&["售后服务"]), 300);
        assert_eq!(marked(&s), ["售 后 服务"]);
        let whole: String = s.iter().map(|seg| seg.text.as_str()).collect();
        assert_eq!(whole, "建立 售 后 服务管理制度");
    }

    #[test]
    fn overlapping_and_repeated_terms_merge() {
        let s = snippet(
            "售后服务管理制度和售后服务",
            &terms(&["售后服务", "服务管理", "售后"]),
            300,
        );
        assert_eq!(marked(&s), ["售后服务管理", "售后服务"]);
    }

    #[test]
    fn no_match_gives_plain_text() {
        let s = snippet("顾客投诉应在24小时内响应", &terms(&["维修", ""]), 300);
        assert_eq!(
            s,
            [Segment {
                text: "顾客投诉应在24小时内响应".to_string(),
                marked: false
            }]
        );
        assert!(snippet("", &terms(&["维修"]), 300).is_empty());
    }

    #[test]
    fn ranges_fall_on_char_boundaries() {
        let text = "𠮷野家①号　ﾊﾝｶｸ售后服务é";
        for term in ["1号", "野家", "ハンカク", "售后服务", "e\u{301}", "𠮷"] {
            for range in match_ranges(text, &terms(&[term])) {
                assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
                assert!(text.get(range).is_some());
            }
        }
        assert_eq!(marked(&snippet(text, &terms(&["1号"]), 300)), ["①号"]);
        assert_eq!(marked(&snippet(text, &terms(&["ハンカク"]), 300)), ["ﾊﾝｶｸ"]);
    }

    #[test]
    fn long_text_is_cut_around_the_first_hit() {
        let text = format!("{}投诉处理{}", "甲".repeat(500), "乙".repeat(500));
        let s = snippet(&text, &terms(&["投诉处理"]), 300);
        let shown: String = s.iter().map(|seg| seg.text.as_str()).collect();
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(shown.chars().count(), 302);
        assert_eq!(marked(&s), ["投诉处理"]);
        // No hit: the start of the text.
        let s = snippet(&text, &[], 300);
        let shown: String = s.iter().map(|seg| seg.text.as_str()).collect();
        assert!(shown.starts_with("甲甲") && shown.ends_with('…'));
    }

    // --- report.html ---------------------------------------------------------------------------

    #[test]
    fn fixture_bundle_renders() -> TestResult {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).ok_or("date")?;
        let rules = crate::rules::compile(&crate::rules::load_default()?)?;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/inbox/华信家电-2026");
        let bundle = crate::ingest::read_bundle(Path::new(dir), &crate::ingest::Limits::default())?;
        let assessment = crate::rules::assess(&bundle, &rules, date);
        let report = crate::report::build::build(&bundle, &assessment, &rules);
        let names = crate::report::build::names(&rules);

        let html = bundle_page(&report, &names)?;
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains(r#"<html lang="zh-CN">"#));
        for heading in [
            "申请单位信息",
            "问题",
            "材料清单",
            "指标",
            "文件",
            "华信家电-2026",
        ] {
            assert!(html.contains(heading), "{heading}");
        }
        for file in &report.files {
            assert!(html.contains(&esc(&file.path)), "{}", file.path);
        }
        assert!(html.contains("<mark>"));
        assert!(html.contains("营业执照复印件"));
        assert!(!html.contains("<script") && !html.contains("http://"));
        Ok(())
    }

    /// A small hand-made report whose data tries to inject markup everywhere.
    fn hostile_report() -> BundleReport {
        let evil = r#"<script>alert(1)</script>"&'"#;
        let path = format!("制度/{evil}.pdf");
        BundleReport {
            schema_version: 1,
            bundle: format!("包{evil}"),
            as_of: "2026-11-28".to_string(),
            files: vec![FileEntry {
                path: path.clone(),
                sha256: "0".repeat(64),
                bytes: 1,
                kind: FileKind::Pdf,
                status: FileStatus::Corrupt,
                error: Some(evil.to_string()),
                passages: 0,
                materials: vec![MaterialId("org_chart".to_string())],
                ocr_pages: vec![1, 2, 3, 7],
                ocr: false,
                notes: vec![evil.to_string()],
            }],
            materials: vec![MaterialFinding {
                id: MaterialId("org_chart".to_string()),
                status: MaterialStatus::Present,
                files: vec![path.clone()],
            }],
            indicators: vec![IndicatorFinding {
                id: IndicatorId("5.3.2".to_string()),
                status: IndicatorStatus::Weak,
                evidence: vec![Evidence {
                    file: path.clone(),
                    location: Location::SheetCell {
                        sheet: evil.to_string(),
                        cell: "A1".to_string(),
                    },
                    text: format!("投诉{evil}处理"),
                    rule: RuleId("complaint".to_string()),
                    strength: Strength::Weak,
                    terms: vec!["投诉".to_string(), "<script>".to_string()],
                    score: 1.0,
                }],
            }],
            fields: vec![FieldValue {
                name: "company_name".to_string(),
                value: evil.into(),
                file: path.clone(),
                location: Location::page(1),
                valid: None,
                group: None,
                note: None,
            }],
            flags: vec![Flag {
                code: "unreadable".to_string(),
                severity: Severity::Warning,
                message: evil.to_string(),
                files: vec![path],
            }],
            coverage: Coverage {
                level1: vec![Level1Coverage {
                    id: "5.3".to_string(),
                    name: evil.to_string(),
                    coverage: 0.25,
                }],
                estimated_score: 12.5,
                estimated_band: "未达标 (estimate)".to_string(),
                note: evil.to_string(),
            },
        }
    }

    #[test]
    fn everything_is_escaped() -> TestResult {
        let html = bundle_page(&hostile_report(), &Names::default())?;
        assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;&quot;&amp;&#x27;"));
        assert!(!html.contains("<script"), "raw script tag in page");
        assert!(!html.contains("alert(1)</"));
        // The highlight of the evidence is escaped inside its mark too.
        // (Touching hits merge into one mark.)
        assert!(html.contains("<mark>投诉&lt;script&gt;</mark>alert(1)"));
        assert!(html.contains("1–3, 7"));
        Ok(())
    }

    #[test]
    fn locations_read_as_a_person_counts() {
        assert_eq!(location_label(&Location::page(3)), "第3页");
        let block = Location::Page {
            page: 3,
            lines: Some([4, 6]),
            bbox: Some([72, 140, 523, 190]),
        };
        assert_eq!(location_label(&block), "第3页第4–6行");
        let slide = |notes, cell: Option<(u32, u32, u32)>| Location::Slide {
            slide: 3,
            paragraph: 1,
            notes,
            table: cell.map(|c| c.0),
            row: cell.map(|c| c.1),
            col: cell.map(|c| c.2),
        };
        assert_eq!(location_label(&slide(false, None)), "第3张幻灯片 段落2");
        assert_eq!(location_label(&slide(true, None)), "第3张幻灯片 备注 段落2");
        assert_eq!(
            location_label(&slide(false, Some((0, 1, 2)))),
            "第3张幻灯片 表1 行2 列3"
        );
        assert_eq!(
            location_label(&Location::Paragraph {
                part: Part::Header,
                paragraph: 0
            }),
            "页眉 段落1"
        );
        assert_eq!(
            location_label(&Location::TableCell {
                part: Part::Body,
                table: 0,
                row: 2,
                col: 1,
                nested: None
            }),
            "表1 行3 列2"
        );
        assert_eq!(
            location_label(&Location::SheetCell {
                sheet: "网点".to_string(),
                cell: "A3:F3".to_string()
            }),
            "工作表 网点 单元格 A3:F3"
        );
        assert_eq!(location_label(&Location::line(7)), "第7行");
        assert_eq!(
            location_label(&Location::Paragraph {
                part: Part::Body,
                paragraph: u32::MAX
            }),
            format!("段落{}", u32::MAX)
        );
    }

    // --- index.html ----------------------------------------------------------------------------

    /// An assessed row, ready unless `blockers` has some.
    fn row(bundle: &str, score: f64, blockers: &[&str]) -> SummaryRow {
        SummaryRow {
            bundle: bundle.to_string(),
            state: RowState::Assessed,
            blocked: !blockers.is_empty(),
            blockers: blockers.iter().map(|b| b.to_string()).collect(),
            applicant: Some(format!("{bundle}有限公司")),
            uscc: Some("91110105MA01BCDE8E".to_string()),
            uscc_valid: Some(true),
            required_present: 10,
            required_total: 12,
            indicators: IndicatorCounts {
                supported: 9,
                weak: 3,
                missing: 2,
                excluded: 1,
            },
            errors: blockers.len(),
            warnings: 2,
            files: 20,
            files_not_ok: 1,
            estimated_score: score,
            estimated_band: "达标 (estimate)".to_string(),
            report: Some(format!("bundles/{bundle}/report.html")),
            message: None,
        }
    }

    #[test]
    fn summary_rows_in_order_with_links_and_states() -> TestResult {
        let rows = vec![
            row("乙-ready", 80.0, &[]),
            row("甲-blocked", 60.0, &["缺少营业执照"]),
            row("丙-<b>x</b>", 90.0, &[]),
            row("丁-gone", 95.0, &["旧问题"]).withdrawn(),
            SummaryRow::failed("戊-broken", "zip 无法打开: <bad>"),
        ];
        let summary = Summary::new("0.1.0", "2026-11-28", "abcdef0123456789", rows);
        let html = summary_page(&summary, &Names::default())?;

        let mut last = 0;
        for r in &summary.bundles {
            let at = html.find(&esc(&r.bundle)).ok_or(r.bundle.clone())?;
            assert!(at > last, "{} out of order", r.bundle);
            last = at;
        }
        assert!(html.contains("售后服务认证材料预审 — 汇总"));
        assert!(html.contains(r#"<a href="bundles&#x2f;甲-blocked&#x2f;report.html">"#));
        assert!(html.contains("丙-&lt;b&gt;x&lt;&#x2f;b&gt;"));
        assert!(!html.contains("<b>x"));
        assert!(html.contains("缺少营业执照"));
        assert!(
            !html.contains("旧问题"),
            "a withdrawn row's blockers are not listed"
        );
        assert!(html.contains("已撤回") && html.contains(r#"<tr class="withdrawn">"#));
        assert!(html.contains("zip 无法打开: &lt;bad&gt;"));
        assert!(html.contains("处理失败"));
        assert!(html.contains("abcdef012345") && !html.contains("abcdef0123456"));
        Ok(())
    }

    #[test]
    fn hrefs_stay_relative_and_encoded() {
        assert_eq!(
            relative_href("bundles/A#1 x/report.html").as_deref(),
            Some("bundles/A%231%20x/report.html")
        );
        assert_eq!(relative_href("javascript:alert(1)"), None);
        assert_eq!(relative_href("/etc/passwd"), None);
        assert_eq!(relative_href(""), None);
        assert_eq!(
            relative_href("bundles/a:b/report.html").as_deref(),
            Some("bundles/a:b/report.html")
        );
    }
}
