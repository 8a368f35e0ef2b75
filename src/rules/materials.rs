//! Which application material each file is (营业执照, 审计报告, 组织结构图…), and which materials a
//! bundle carries.
//!
//! Every classifier of `materials.toml` scores every file: the weights of its `filename` patterns
//! (on the file name), `folder` patterns (on the folders above it, zip names included), `title`
//! patterns (on the first 3 passages and the level-1/2 headings) and `content` signals (on the
//! first [`CONTENT_CHARS`] characters) that hold, each signal counted once. A file that could not
//! be read (scan, encrypted, empty…) is scored on its name and folders only: a scanned licence
//! named `营业执照.pdf` is still the licence.
//!
//! **Multi-label policy.** A file is every material whose score reaches its threshold *and* is at
//! least [`MARGIN_RATIO`] of the file's best score. A docx holding an org chart and a profile
//! scores high on both and keeps both; a 企业简介 that quotes the licence's fields reaches the
//! licence's content threshold but far below its own name-and-title score, and stays a profile.
//! A CCC certificate in a `认证证书` folder is both a permit and a certificate, as reviewers count
//! it. A file is also every material its name names with a full-weight `filename` pattern
//! (「体系文件及法律法规清单」) and every material one of its sections is (`section` patterns on
//! section titles), margin or not: applicants put the organisation, the products and the sales methods
//! into the 公司简介 as its second and third sections, and a reviewer finds them there.

use super::RulesError;
use super::compile::CompiledRules;
use super::load::FileExample;
use super::text::fold_raw;
use crate::model::{
    Bundle, Document, FileStatus, Location, MaterialFinding, MaterialId, MaterialStatus, Passage,
};
use rayon::prelude::*;
use regex::Regex;
use std::collections::BTreeMap;

/// How much of a file's text the `content` signals look at, in characters. What a document *is*
/// shows in its first pages; a long 管理制度 mentions every department and every record further
/// down, which must not make it an org chart or a complaint ledger.
pub(crate) const CONTENT_CHARS: usize = 4000;

/// A material is kept for a file only when its score is at least this share of the file's best
/// score (see the module docs).
pub(crate) const MARGIN_RATIO: f64 = 0.6;

/// The materials of every file of a bundle.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileMaterials {
    /// Bundle-relative path → materials, best score first (empty: no material recognised).
    pub by_file: BTreeMap<String, Vec<MaterialId>>,
    /// Bundle-relative path → every material that reached its threshold with its score, best
    /// first (before the margin policy), for reports and tuning.
    pub scores: BTreeMap<String, Vec<(MaterialId, f64)>>,
}

impl FileMaterials {
    /// The materials of one file (empty for an unknown path).
    pub fn of(&self, path: &str) -> &[MaterialId] {
        self.by_file.get(path).map_or(&[], Vec::as_slice)
    }
}

/// A material classifier, compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledClassifier {
    pub id: MaterialId,
    pub threshold: f64,
    pub filename: Vec<(Regex, f64)>,
    pub folder: Vec<(Regex, f64)>,
    pub title: Vec<(Regex, f64)>,
    /// (regex on a section title, weight, the section must hold a table)
    pub section: Vec<(Regex, f64, bool)>,
    /// (folded terms, distinct terms needed, optional regex, weight)
    pub content: Vec<(Vec<String>, u32, Option<Regex>, f64)>,
    pub chart: Vec<ChartRule>,
    pub statement: Vec<StatementRule>,
    pub not_applicable: Vec<Regex>,
    pub examples: Vec<FileExample>,
    pub counter_examples: Vec<FileExample>,
    pub file: String,
    pub line: usize,
}

/// An organisation chart typed as lines (`chart` in materials.toml), compiled.
#[derive(Debug, Clone)]
pub(crate) struct ChartRule {
    pub head: Regex,
    pub unit: Regex,
    pub min_units: usize,
    pub max_chars: usize,
    pub weight: f64,
}

impl ChartRule {
    /// Whether one of the file's runs of short lines is such a chart.
    fn holds(&self, runs: &[Vec<String>]) -> bool {
        runs.iter().any(|run| {
            let short: Vec<&str> = run
                .iter()
                .map(|l| chart_box(l))
                .filter(|l| l.chars().count() <= self.max_chars)
                .collect();
            short.iter().any(|l| self.head.is_match(l))
                && short.iter().filter(|l| self.unit.is_match(l)).count() >= self.min_units
        })
    }
}

/// What a chart line says its box is: without the tree drawn around it (`│   ├─ `, `└──`,
/// bullets, indentation) and without its remark (`维保二部（皖南服务站及委托服务商）` →
/// `维保二部`), so that a long remark or a deep branch does not make a box too long to be one.
fn chart_box(line: &str) -> &str {
    let line = line.trim_start_matches(|c: char| {
        c.is_whitespace()
            || ('\u{2500}'..='\u{257F}').contains(&c)
            || matches!(c, '-' | '—' | '·' | '•' | '*' | '+' | '|')
    });
    without_trailing_parenthesis(line)
}

/// `镇江服务站（委托）` → `镇江服务站`: a chart box's remark does not change what the box is.
fn without_trailing_parenthesis(line: &str) -> &str {
    let line = line.trim_end();
    if line.ends_with([')', '）'])
        && let Some(open) = line.rfind(['(', '（'])
    {
        return line[..open].trim_end();
    }
    line
}

/// The boxes of a chart written as a chain on one line (「总经理 — 营销副总 — 销售部／售后服务部
/// （服务调度组、配件组）」), remarks in parentheses left out; `None` for a line with fewer than
/// two links (— → / >). Folded text: ／ is already /.
fn chain_pieces(folded: &str) -> Option<Vec<String>> {
    use std::sync::LazyLock;
    static REMARK: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[(（][^)）]*[)）]").expect("a valid constant regex"));
    let links = folded
        .chars()
        .filter(|c| matches!(c, '—' | '→' | '/' | '>'))
        .count();
    if links < 2 {
        return None;
    }
    let plain = REMARK.replace_all(folded, "");
    Some(
        plain
            .split(|c: char| {
                matches!(c, '—' | '→' | '/' | '>' | '-' | '；' | ';' | '、' | '|')
                    || c.is_whitespace()
            })
            .map(str::trim)
            .filter(|piece| !piece.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// A sentence stating the material (`statement` in materials.toml), compiled.
#[derive(Debug, Clone)]
pub(crate) struct StatementRule {
    pub pattern: Regex,
    pub weight: f64,
    /// The file must already be one of these (empty: any file).
    pub in_materials: Vec<MaterialId>,
}

/// A section of a file: its title, whether a table follows it before the next section, and
/// whether the title is inline (a table's label cell), which its own table cannot satisfy.
#[derive(Debug, Clone)]
struct Section {
    title: String,
    has_table: bool,
    inline: bool,
}

/// What a classifier looks at in one file, folded once.
struct FileView {
    name: String,
    folders: String,
    titles: Vec<String>,
    /// Section titles (styled headings, short numbered lines, run-in labels, label cells and
    /// short lines over a paragraph, see [`is_section_title`]).
    sections: Vec<Section>,
    /// Runs of consecutive short lines outside tables, for `chart` signals.
    line_runs: Vec<Vec<String>>,
    /// Every passage that reads as a sentence, for `statement` signals (at most
    /// [`CONTENT_CHARS`] × 4 characters in all: a statement of what the file is comes early).
    sentences: Vec<String>,
    content: String,
    is_read: bool,
}

/// Whether a passage is a section title: a styled heading, or a short line that starts with a
/// section number (第三章, 三、, （二）, 2., 2.1) and holds no sentence punctuation. Applicants
/// number their sections by hand far more often than they use heading styles.
fn is_section_title(p: &Passage, folded: &str) -> bool {
    use std::sync::LazyLock;
    static NUMBERED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(第[一二三四五六七八九十百零〇\d]+[章节部分篇]|[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+(\.\d+)*[、.．\s])",
        )
        .expect("a valid constant regex")
    });
    if p.heading_level.is_some() {
        return true;
    }
    folded.chars().count() <= 24
        && !folded.contains(['。', '，', '；', ',', ';'])
        && NUMBERED.is_match(folded)
}

/// A paragraph's run-in label: the short title before its first colon (`销售方式：经销商门店与线上
/// 旗舰店` → `销售方式`), which applicants write instead of a heading line as often as not. At most
/// [`RUN_IN_LABEL_CHARS`] characters, with no sentence punctuation in it; `None` otherwise.
fn run_in_label(folded: &str) -> Option<&str> {
    let (label, rest) = folded.split_once(['：', ':'])?;
    let label = label.trim();
    let chars = label.chars().count();
    let plain = !label.contains(['。', '，', '；', ',', ';', '、', '（', '(', ' ']);
    (plain && (2..=RUN_IN_LABEL_CHARS).contains(&chars) && !rest.trim().is_empty()).then_some(label)
}

/// Longest run-in label taken for a section title, in characters.
const RUN_IN_LABEL_CHARS: usize = 8;

/// Longest label cell (a form's first column: 「申报产品/服务」) taken for a section title.
const LABEL_CELL_CHARS: usize = 10;

/// Longest unnumbered line taken for a section title when a paragraph follows it.
const BARE_TITLE_CHARS: usize = 12;

/// Longest line of a run of short lines (the boxes of a chart typed as text).
const SHORT_LINE_CHARS: usize = 24;

/// Whether `folded` holds punctuation a title, label or chart box has none of.
fn has_sentence_punctuation(folded: &str) -> bool {
    folded.contains(['。', '，', '；', '！', '？', ',', ';', '!', '?'])
}

/// A table's label cell: the first column of a row, short, with no sentence punctuation
/// (「申报产品」 | 「电动自行车（FL-Q5、FL-Q7）」): a form's label is the title of its value.
fn label_cell(p: &Passage, folded: &str) -> bool {
    matches!(p.location, Location::TableCell { col: 0, .. })
        && (2..=LABEL_CELL_CHARS).contains(&folded.trim().chars().count())
        && !has_sentence_punctuation(folded)
        && !folded.contains(['：', ':'])
}

/// A short unnumbered line standing over a paragraph (「公司简介」 then its text): a title typed
/// without a heading style or number, as applicants often do.
fn bare_title(p: &Passage, folded: &str, next: Option<&Passage>) -> bool {
    let chars = folded.trim().chars().count();
    !matches!(p.location, Location::TableCell { .. })
        && (2..=BARE_TITLE_CHARS).contains(&chars)
        && !has_sentence_punctuation(folded)
        && !folded.contains(['：', ':', '、'])
        && next.is_some_and(|n| {
            !matches!(n.location, Location::TableCell { .. })
                && n.text.chars().count() > BARE_TITLE_CHARS * 2
                && has_sentence_punctuation(&n.text)
        })
}

impl FileView {
    fn new(path: &str, status: FileStatus, passages: &[Passage]) -> FileView {
        let (folders, name) = path.rsplit_once('/').unwrap_or(("", path));
        let is_read = status == FileStatus::Ok;
        let mut titles = Vec::new();
        let mut sections: Vec<Section> = Vec::new();
        let mut line_runs: Vec<Vec<String>> = Vec::new();
        let mut run: Vec<String> = Vec::new();
        let mut sentences = Vec::new();
        let mut content = String::new();
        if is_read {
            let mut chars = 0usize;
            let mut sentence_chars = 0usize;
            for (i, p) in passages.iter().enumerate() {
                let folded = super::text::fold_passage(p);
                if i < 3 || matches!(p.heading_level, Some(1 | 2)) {
                    titles.push(folded.clone());
                }
                let in_table = matches!(p.location, Location::TableCell { .. });
                let trimmed = folded.trim();
                if !in_table
                    && !trimmed.is_empty()
                    && chart_box(trimmed).chars().count() <= SHORT_LINE_CHARS
                    && !has_sentence_punctuation(chart_box(trimmed))
                {
                    run.push(trimmed.to_owned());
                } else {
                    if !run.is_empty() {
                        line_runs.push(std::mem::take(&mut run));
                    }
                    if !in_table && let Some(pieces) = chain_pieces(trimmed) {
                        line_runs.push(pieces);
                    }
                }
                if in_table {
                    if let Some(last) = sections.last_mut().filter(|s| !s.inline) {
                        last.has_table = true;
                    }
                    if label_cell(p, &folded) {
                        sections.push(Section {
                            title: trimmed.to_owned(),
                            has_table: false,
                            inline: true,
                        });
                    }
                } else if is_section_title(p, &folded)
                    || bare_title(p, &folded, passages.get(i + 1))
                {
                    sections.push(Section {
                        title: folded.clone(),
                        has_table: false,
                        inline: false,
                    });
                } else if let Some(label) = run_in_label(&folded) {
                    sections.push(Section {
                        title: label.to_owned(),
                        has_table: false,
                        inline: false,
                    });
                }
                if sentence_chars < CONTENT_CHARS * 4 && has_sentence_punctuation(&folded) {
                    sentence_chars += folded.chars().count();
                    sentences.push(folded.clone());
                }
                if chars < CONTENT_CHARS {
                    chars += folded.chars().count();
                    content.push_str(&folded);
                    content.push('\n');
                }
            }
            if !run.is_empty() {
                line_runs.push(run);
            }
        }
        FileView {
            name: fold_raw(name),
            folders: fold_raw(folders),
            titles,
            sections,
            line_runs,
            sentences,
            content,
            is_read,
        }
    }
}

fn score(c: &CompiledClassifier, view: &FileView) -> f64 {
    let mut total = 0.0;
    for (re, w) in &c.filename {
        if re.is_match(&view.name) {
            total += w;
        }
    }
    for (re, w) in &c.folder {
        if re.is_match(&view.folders) {
            total += w;
        }
    }
    if view.is_read {
        for (re, w) in &c.title {
            if view.titles.iter().any(|t| re.is_match(t)) {
                total += w;
            }
        }
        for (terms, min_hits, pattern, w) in &c.content {
            let distinct = terms
                .iter()
                .filter(|t| view.content.contains(t.as_str()))
                .count();
            let terms_ok = terms.is_empty() || distinct >= *min_hits as usize;
            let pattern_ok = pattern.as_ref().is_none_or(|p| p.is_match(&view.content));
            if terms_ok && pattern_ok {
                total += w;
            }
        }
    }
    total
}

/// The best weight of a classifier's section patterns that some section title matches.
fn section_score(c: &CompiledClassifier, view: &FileView) -> f64 {
    if !view.is_read {
        return 0.0;
    }
    let sections = c
        .section
        .iter()
        .filter(|(re, _, table)| {
            view.sections
                .iter()
                .any(|s| re.is_match(&s.title) && (!table || (s.has_table && !s.inline)))
        })
        .map(|(_, w, _)| *w);
    let charts = c
        .chart
        .iter()
        .filter(|chart| chart.holds(&view.line_runs))
        .map(|chart| chart.weight);
    sections.chain(charts).fold(0.0, f64::max)
}

/// The best weight of a classifier's statements that some sentence of the file matches, when
/// the file already is one of the statement's materials (`kept`).
fn statement_score(c: &CompiledClassifier, view: &FileView, kept: &[MaterialId]) -> f64 {
    if !view.is_read {
        return 0.0;
    }
    c.statement
        .iter()
        .filter(|st| st.in_materials.is_empty() || st.in_materials.iter().any(|m| kept.contains(m)))
        .filter(|st| view.sentences.iter().any(|t| st.pattern.is_match(t)))
        .map(|st| st.weight)
        .fold(0.0, f64::max)
}

/// Scores of every material reaching its threshold, best first, and the labels kept by the
/// margin policy, plus every material one of the file's sections is (see [`is_section_title`]).
fn classify_view(
    rules: &CompiledRules,
    view: &FileView,
) -> (Vec<(MaterialId, f64)>, Vec<MaterialId>) {
    let mut scored: Vec<(MaterialId, f64)> = rules
        .classifiers
        .iter()
        .map(|c| (c.id.clone(), score(c, view), c.threshold))
        .filter(|(_, s, t)| *s >= *t)
        .map(|(id, s, _)| (id, s))
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    let best = scored.first().map_or(0.0, |s| s.1);
    let mut kept: Vec<MaterialId> = scored
        .iter()
        .filter(|(_, s)| *s >= best * MARGIN_RATIO)
        .map(|(id, _)| id.clone())
        .collect();
    for c in &rules.classifiers {
        // A file the applicant named for this material (「体系文件及法律法规清单」 names two), or
        // one of whose sections is it, is it whatever else it also is.
        let named = c
            .filename
            .iter()
            .any(|(re, w)| *w >= c.threshold && re.is_match(&view.name));
        let s = section_score(c, view).max(if named { c.threshold } else { 0.0 });
        if s >= c.threshold && !kept.contains(&c.id) {
            kept.push(c.id.clone());
            if !scored.iter().any(|(id, _)| *id == c.id) {
                scored.push((c.id.clone(), s));
            }
        }
    }
    // Statements last: they count in files that are already something (a profile's prose).
    let before_statements = kept.clone();
    for c in &rules.classifiers {
        let s = statement_score(c, view, &before_statements);
        if s >= c.threshold && !kept.contains(&c.id) {
            kept.push(c.id.clone());
            if !scored.iter().any(|(id, _)| *id == c.id) {
                scored.push((c.id.clone(), s));
            }
        }
    }
    (scored, kept)
}

/// The materials of one document (see the module docs for the policy), best first.
#[cfg(test)]
fn classify_document(doc: &Document, rules: &CompiledRules) -> Vec<MaterialId> {
    classify_view(rules, &FileView::new(&doc.path, doc.status, &doc.passages)).1
}

/// Classifies every file of a bundle (in parallel; `rules` is shared).
pub fn classify_materials(bundle: &Bundle, rules: &CompiledRules) -> FileMaterials {
    type Classified = (String, Vec<(MaterialId, f64)>, Vec<MaterialId>);
    let results: Vec<Classified> = bundle
        .documents
        .par_iter()
        .map(|doc| {
            let view = FileView::new(&doc.path, doc.status, &doc.passages);
            let (scores, kept) = classify_view(rules, &view);
            (doc.path.clone(), scores, kept)
        })
        .collect();
    let mut out = FileMaterials::default();
    for (path, scores, kept) in results {
        out.scores.insert(path.clone(), scores);
        out.by_file.insert(path, kept);
    }
    out
}

/// A verdict for **every** catalog material, in catalog order: `present` with its files (best
/// score first) when one of them could be read, `missing` with them when none could, else
/// `not_applicable` when a passage of a read file matches one of the
/// classifier's `not_applicable` declarations, else `missing`.
pub fn material_findings(
    bundle: &Bundle,
    rules: &CompiledRules,
    files: &FileMaterials,
) -> Vec<MaterialFinding> {
    rules
        .materials()
        .iter()
        .map(|m| {
            let mut with_score: Vec<(String, f64)> = files
                .by_file
                .iter()
                .filter(|(_, ms)| ms.contains(&m.id))
                .map(|(path, _)| {
                    let s = files
                        .scores
                        .get(path)
                        .and_then(|v| v.iter().find(|(id, _)| *id == m.id))
                        .map_or(0.0, |(_, s)| *s);
                    (path.clone(), s)
                })
                .collect();
            with_score.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let usable = |path: &str| {
                bundle
                    .documents
                    .iter()
                    .find(|d| d.path == path)
                    .is_some_and(|d| !d.status.is_unreadable())
            };
            // A material whose every file is unreadable (an encrypted licence) is missing, its
            // files kept so the flag can name them.
            let status = if with_score.iter().any(|(path, _)| usable(path)) {
                MaterialStatus::Present
            } else if is_declared_not_applicable(bundle, rules, &m.id) {
                MaterialStatus::NotApplicable
            } else {
                MaterialStatus::Missing
            };
            MaterialFinding {
                id: m.id.clone(),
                status,
                files: with_score.into_iter().map(|(p, _)| p).collect(),
            }
        })
        .collect()
}

fn is_declared_not_applicable(bundle: &Bundle, rules: &CompiledRules, id: &MaterialId) -> bool {
    let Some(c) = rules.classifiers.iter().find(|c| c.id == *id) else {
        return false;
    };
    if c.not_applicable.is_empty() {
        return false;
    }
    bundle.documents.iter().any(|d| {
        d.passages.iter().any(|p| {
            let folded = super::text::fold(&p.normalized);
            c.not_applicable.iter().any(|re| re.is_match(&folded))
        })
    })
}

/// A document built from an example: the file name, and one passage per line of `text`.
fn example_document(file: &str, text: Option<&str>) -> Document {
    let passages: Vec<Passage> = text
        .unwrap_or("")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| Passage::new(l, Location::line(i as u32 + 1)))
        .collect();
    Document {
        path: file.to_string(),
        sha256: String::new(),
        bytes: 0,
        kind: crate::model::FileKind::Unknown,
        declared_kind: None,
        status: if passages.is_empty() {
            FileStatus::Empty
        } else {
            FileStatus::Ok
        },
        error: None,
        passages,
        ocr_pages: Vec::new(),
        ocr: false,
        pages: None,
        notes: Vec::new(),
    }
}

/// Runs every classifier example (the file must be labelled with the material, margin policy
/// included) and counter-example (it must not).
pub(crate) fn check_classifier_examples(rules: &CompiledRules) -> (usize, Vec<RulesError>) {
    let mut count = 0;
    let mut problems = Vec::new();
    for c in &rules.classifiers {
        let cases = c
            .examples
            .iter()
            .map(|e| (e, true))
            .chain(c.counter_examples.iter().map(|e| (e, false)));
        for (example, should) in cases {
            count += 1;
            let doc = example_document(&example.file, example.text.as_deref());
            let view = FileView::new(&doc.path, doc.status, &doc.passages);
            let (scores, kept) = classify_view(rules, &view);
            if kept.contains(&c.id) != should {
                let got = if scores.is_empty() {
                    "no material".to_string()
                } else {
                    scores
                        .iter()
                        .map(|(id, s)| format!("{id} {s:.1}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let what = if should { "example" } else { "counter-example" };
                let verb = if should {
                    "is not classified as"
                } else {
                    "is classified as"
                };
                problems.push(RulesError::Example {
                    file: c.file.clone(),
                    line: c.line,
                    message: format!(
                        "material `{}`: the {what} \"{}\" {verb} `{}` (scores: {got}); adjust the patterns or weights",
                        c.id, example.file, c.id
                    ),
                });
            }
        }
    }
    (count, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = "[[indicator]]\nid = \"5.1\"\nlevel = 1\nname = \"g\"\n\n[[material]]\nid = \"org_chart\"\nname = \"c\"\nrequired = \"yes\"\n\n[[material]]\nid = \"org_profile\"\nname = \"p\"\nrequired = \"yes\"\n\n[[material]]\nid = \"permits\"\nname = \"x\"\nrequired = \"if_applicable\"\n";
    const CLASSIFIERS: &str = r#"
[[material]]
id = "org_chart"
threshold = 3.0
filename = [{ pattern = '组织(机构|结构|架构)图', weight = 3.0 }]
content = [{ any = ["总经理", "副总经理", "售后服务部", "客服中心"], min_hits = 4, weight = 3.0 }]
examples = [{ file = "03 组织结构图.pdf" }, { file = "scan001.pdf", text = "总经理\n副总经理\n售后服务部\n客服中心" }]
counter_examples = [{ file = "售后服务管理制度.docx", text = "第一章 总则" }]

[[material]]
id = "org_profile"
threshold = 3.0
filename = [{ pattern = '简介', weight = 3.0 }]
title = [{ pattern = '简介', weight = 3.0 }]

[[material]]
id = "permits"
threshold = 3.0
filename = [{ pattern = '许可证', weight = 3.0 }]
not_applicable = ['(无需|不需要|不涉及)(办理|取得)?[^。]{0,12}许可证']
"#;

    fn rules() -> CompiledRules {
        crate::rules::testing::compile_files(&[
            ("catalog.toml", CATALOG),
            ("materials.toml", CLASSIFIERS),
        ])
        .expect("compiles")
    }

    use crate::rules::testing::table_cell as cell;

    #[test]
    fn a_forms_label_cell_titles_its_value_and_its_own_table_is_no_chart() {
        let mut doc = example_document("认证申请书.docx", Some("商品售后服务认证申请书"));
        doc.passages.extend([
            cell("申请单位", 0, 0),
            cell("江门市某某电器有限公司", 0, 1),
            cell("申报产品/服务", 1, 0),
            cell("燃气热水器及壁挂炉", 1, 1),
            cell("组织机构", 2, 0),
            cell("设有售后服务部和客服中心", 2, 1),
        ]);
        let got = classify_document(&doc, crate::rules::testing::default_rules());
        assert!(
            got.contains(&MaterialId("product_description".into())),
            "{got:?}"
        );
        assert!(!got.contains(&MaterialId("org_chart".into())), "{got:?}");
    }

    #[test]
    fn a_chart_box_is_read_without_its_drawn_tree_and_remark() {
        assert_eq!(
            chart_box("│   ├─ 维保二部(皖南、皖北服务站及委托服务商)"),
            "维保二部"
        );
        assert_eq!(chart_box("└── 财务部"), "财务部");
        assert_eq!(chart_box("    客服中心"), "客服中心");
        assert_eq!(chart_box("总经理"), "总经理");
    }

    #[test]
    fn a_chart_on_one_line_is_split_into_its_boxes_without_remarks() {
        assert_eq!(
            chain_pieces(
                "总经理 — 营销副总 — 销售部/售后服务部(服务调度组、配件组);总经理 — 生产部"
            ),
            Some(
                [
                    "总经理",
                    "营销副总",
                    "销售部",
                    "售后服务部",
                    "总经理",
                    "生产部"
                ]
                .map(String::from)
                .to_vec()
            )
        );
        assert_eq!(chain_pieces("服务热线 400-800-1234，24小时/365天"), None);
    }

    #[test]
    fn a_short_label_before_a_colon_is_a_run_in_section_title() {
        assert_eq!(
            run_in_label("销售方式：经销商门店与线上旗舰店"),
            Some("销售方式")
        );
        assert_eq!(run_in_label("产品: 家用净水器"), Some("产品"));
        // A sentence before the colon, a label with nothing after it, a lone character.
        for not in [
            "公司成立于2010年，主要产品如下：净水器",
            "联系方式：",
            "注：以上为摘要",
            "售后服务网点覆盖全省各地市县区：共52家",
        ] {
            assert_eq!(run_in_label(not), None, "{not}");
        }
    }

    #[test]
    fn examples_of_inline_classifiers_hold() {
        let (n, problems) = check_classifier_examples(&rules());
        assert_eq!(n, 3);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn unread_files_are_classified_by_name_and_margin_keeps_the_best() {
        let r = rules();
        let mut doc = example_document("a/组织结构图.pdf", None);
        doc.status = FileStatus::NeedsOcr;
        assert_eq!(
            classify_document(&doc, &r),
            vec![MaterialId("org_chart".into())]
        );
        let doc = example_document(
            "企业简介.docx",
            Some("华信公司简介\n总经理\n副总经理\n售后服务部\n客服中心"),
        );
        // profile 6.0, chart 3.0 < 0.6 × 6.0: the profile only.
        assert_eq!(
            classify_document(&doc, &r),
            vec![MaterialId("org_profile".into())]
        );
    }

    #[test]
    fn findings_cover_every_material() {
        let r = rules();
        let bundle = Bundle {
            id: "b".into(),
            documents: vec![
                example_document("组织结构图.docx", Some("图")),
                example_document("说明.docx", Some("本公司经营的商品不涉及办理生产许可证。")),
            ],
        };
        let files = classify_materials(&bundle, &r);
        let findings = material_findings(&bundle, &r, &files);
        // The test catalog's three materials, then those the code reads or `[parties]` names
        // (without classifiers here, so missing).
        let status: Vec<(&str, MaterialStatus)> = findings
            .iter()
            .map(|f| (f.id.0.as_str(), f.status))
            .collect();
        assert_eq!(
            status,
            vec![
                ("org_chart", MaterialStatus::Present),
                ("org_profile", MaterialStatus::Missing),
                ("permits", MaterialStatus::NotApplicable),
                ("business_license", MaterialStatus::Missing),
                ("certificates", MaterialStatus::Missing),
                ("inspection_report", MaterialStatus::Missing),
            ]
        );
        assert_eq!(findings[0].files, vec!["组织结构图.docx".to_string()]);
    }

    /// One truth: a material whose only file is encrypted is missing (not present with an
    /// unreadable file), and its file stays listed for the flag to name.
    #[test]
    fn a_material_whose_files_are_all_unreadable_is_missing_with_them() {
        let r = rules();
        let mut locked = example_document("组织结构图.pdf", None);
        locked.status = FileStatus::Encrypted;
        let mut scan = example_document("b/组织结构图-扫描.jpg", None);
        scan.status = FileStatus::NeedsOcr;
        for (documents, want) in [
            (vec![locked.clone()], MaterialStatus::Missing),
            (vec![locked, scan], MaterialStatus::Present),
        ] {
            let bundle = Bundle {
                id: "b".into(),
                documents,
            };
            let files = classify_materials(&bundle, &r);
            let findings = material_findings(&bundle, &r, &files);
            let chart = findings
                .iter()
                .find(|f| f.id.0 == "org_chart")
                .expect("org_chart");
            assert_eq!(chart.status, want, "{:?}", chart.files);
            assert!(chart.files.contains(&"组织结构图.pdf".to_string()));
        }
    }
}
