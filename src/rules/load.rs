//! Reading `rules/*.toml` into a [`RuleSet`]: everything exactly as written, with the file name
//! and line of every entry so that later errors can say where to fix.
//!
//! What a file holds is decided by its name (`rules/FORMAT.md`): `catalog.toml`,
//! `context.toml`, `materials.toml`, `fields.toml`; every other `*.toml` is an evidence file
//! (`[[rule]]`). Unknown keys are errors (`deny_unknown_fields`): a misspelt key must not silently
//! disable a rule. Nothing here checks ids or compiles patterns; that is [`super::compile`]'s job,
//! so that all problems of all files can be reported together.

use super::RulesError;
use super::fields::FieldRule;
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// Every rules file as written.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// The files read, in name order, with their text (for line numbers).
    pub sources: Vec<Source>,
    /// `catalog.toml` indicators.
    pub indicators: Vec<Located<IndicatorDef>>,
    /// `catalog.toml` materials.
    pub materials: Vec<Located<MaterialDef>>,
    /// `catalog.toml` flags.
    pub flags: Vec<Located<FlagDef>>,
    /// `context.toml` (defaults — no filters — when absent).
    pub context: Option<Located<ContextDef>>,
    /// `materials.toml` classifiers.
    pub classifiers: Vec<Located<ClassifierDef>>,
    /// `[[rule]]`s of every evidence file.
    pub rules: Vec<Located<RuleDef>>,
    /// `fields.toml` field rules (compiled by the fields module).
    pub fields: Vec<Located<FieldRule>>,
    /// `fields.toml` `stop_labels`: words that end a value without introducing a field.
    pub stop_labels: Vec<String>,
    /// `fields.toml` `[parties]`: whose a licence or certificate is (none: every document is
    /// the applicant's).
    pub parties: Option<Located<crate::rules::parties::PartiesDef>>,
}

/// One file's name and text.
#[derive(Debug, Clone)]
pub struct Source {
    /// File name, e.g. `evidence-5.3.toml`.
    pub name: String,
    /// The whole text.
    pub text: String,
}

impl Source {
    /// 1-based line of a byte offset into [`Source::text`] (clamped to the text).
    pub fn line_of(&self, offset: usize) -> usize {
        line_of(&self.text, offset)
    }
}

/// 1-based line of a byte offset into `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A value with the place it was written: file name and 1-based line where it starts (for an
/// array-of-tables entry, the line of its `[[rule]]` / `[[material]]` header).
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// File name.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The value.
    pub value: T,
}

impl<T> Located<T> {
    /// `file:line`, the prefix of every message about this value.
    pub fn place(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// `[[indicator]]` of `catalog.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDef {
    /// Clause number (`5.3.2`).
    pub id: String,
    /// 1 (group) or 2 (assessed indicator).
    pub level: u8,
    /// Chinese name.
    pub name: String,
    /// English gloss (optional; shown in English reports).
    #[serde(default)]
    pub en: Option<String>,
    /// Share of the roll-up (level 2 within its group, level 1 within the total).
    #[serde(default = "one")]
    pub weight: f64,
}

/// `[[material]]` of `catalog.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialDef {
    /// Material id (`business_license`).
    pub id: String,
    /// Chinese name.
    pub name: String,
    /// `"yes"` or `"if_applicable"`.
    pub required: super::catalog::Required,
}

/// `[[flag]]` of `catalog.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagDef {
    /// Flag code (`license_expired`).
    pub code: String,
    /// `"error"`, `"warning"` or `"info"`.
    pub severity: crate::model::Severity,
    /// What it means, in words.
    pub description: String,
}

/// `context.toml`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextDef {
    /// Negation cues.
    #[serde(default)]
    pub negation: NegationDef,
    /// Passages that are never evidence.
    #[serde(default)]
    pub skip_passages: SkipDef,
    /// Document-list entries.
    #[serde(default)]
    pub document_list: DocumentListDef,
    /// Other senses of terms.
    #[serde(default)]
    pub other_sense: OtherSenseDef,
    /// Whose activity does not count for which indicators.
    #[serde(default)]
    pub other_party: Vec<Spanned<OtherPartyDef>>,
    /// What makes a passage a statement (the weak tier needs one).
    #[serde(default)]
    pub statement: StatementDef,
}

/// `[statement]`: a weak verdict needs a statement, not a word. A passage is one when it holds
/// sentence punctuation or one of `predicates`, or stands in a table cell or a file of
/// `structured_materials` (an org chart's box says what exists by where it stands).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementDef {
    /// Words that make a passage say something (设有, 配备, 负责, 每年…).
    #[serde(default)]
    pub predicates: Vec<String>,
    /// Materials whose passages are statements by position.
    #[serde(default)]
    pub structured_materials: Vec<String>,
}

/// `[[other_party]]`: cues that say a clause is about someone else's activity (employees, the
/// tax office, the finance department) for the indicators where that is not evidence.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherPartyDef {
    /// Level-2 indicator ids the cues apply to.
    pub indicators: Vec<String>,
    /// A term hit is discarded for those indicators when one of these stands in its clause.
    pub cues: Vec<String>,
    /// Words that hold a cue without naming another party (`员工` in `服务员工`).
    #[serde(default)]
    pub not_cues: Vec<String>,
    /// Passages that must give no evidence for any of `indicators`.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Passages that must still give evidence for one of `indicators` (the cues must not reach
    /// them).
    #[serde(default)]
    pub counter_examples: Vec<String>,
}

/// `[negation]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NegationDef {
    /// Cues before a term.
    #[serde(default)]
    pub before: Vec<String>,
    /// Cues after a term.
    #[serde(default)]
    pub after: Vec<String>,
    /// Window in characters.
    #[serde(default = "default_window")]
    pub window: usize,
    /// Words that contain a cue without negating anything (`接待` holds `待`, `无理由退货` holds
    /// `无`, `培训计划` holds `计划`): a cue inside one of them is no cue.
    #[serde(default)]
    pub not_cues: Vec<String>,
    /// Words that end a cue's scope within a clause (`但`, `然而`): in 「已建立……但尚未开展」
    /// the 尚未 governs only what follows it.
    #[serde(default)]
    pub scope_ends: Vec<String>,
    /// Words that, right before a declaration's word, make it a "not yet" (`暂` in 暂不开展,
    /// `尚` in 尚不涉及): the applicant has not done it, which is a missing indicator, not one
    /// that does not apply. Exclusion rules do not count a term so preceded.
    #[serde(default)]
    pub not_yet: Vec<String>,
    /// Words that open a clause carrying on the one before it (`并`, `且`): a `before` cue of
    /// that clause governs this one too (「计划明年编制分析报告，并据此制定改进措施」).
    #[serde(default)]
    pub continues: Vec<String>,
    /// Words that sum up what the sentence listed (`都`, `均`): an `after` cue right behind one
    /// of them governs the whole sentence before it, commas included (「管理师的取证工作，
    /// 以及工程师的等级认定，目前都还没有开展」).
    #[serde(default)]
    pub summing: Vec<String>,
    /// Plan cues that govern the rest of their sentence, not only their clause: what a planned
    /// act is for is planned too (「预计2027年建成配件中心库，保障配件供应」).
    #[serde(default)]
    pub plans: Vec<String>,
    /// Words that say something is done already (`已`, `目前`): a plan's scope ends at one.
    #[serde(default)]
    pub realised: Vec<String>,
    /// Words opening a clause that make its negation a condition (`如`, `若`: 「投诉电话……，如未
    /// 接通请拨打……」): such a clause says nothing of the topic before it.
    #[serde(default)]
    pub conditional: Vec<String>,
    /// Words that open a clause with its actor (`我们`, `公司`): a clause so opened is a
    /// statement, not a topic a later clause comments on.
    #[serde(default)]
    pub actors: Vec<String>,
    /// Longest topic clause, in characters (0: no topic–comment negation).
    #[serde(default)]
    pub topic_chars: usize,
    /// Longest bare verb after a negation that closes its sentence (0: off). Such a negation
    /// (「……，截至申报时还没有开。」) governs the whole sentence when its own clause names nothing
    /// the rules know.
    #[serde(default)]
    pub closing_tail: usize,
}

impl Default for NegationDef {
    fn default() -> Self {
        NegationDef {
            before: Vec::new(),
            after: Vec::new(),
            not_cues: Vec::new(),
            scope_ends: Vec::new(),
            not_yet: Vec::new(),
            continues: Vec::new(),
            summing: Vec::new(),
            plans: Vec::new(),
            realised: Vec::new(),
            conditional: Vec::new(),
            actors: Vec::new(),
            topic_chars: 0,
            closing_tail: 0,
            window: default_window(),
        }
    }
}

fn default_window() -> usize {
    8
}

/// `[skip_passages]`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipDef {
    /// Regexes on the folded matching form.
    #[serde(default)]
    pub patterns: Vec<Spanned<String>>,
}

/// `[document_list]`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentListDef {
    /// Regex for a passage that is only a document title.
    #[serde(default)]
    pub title_only: Option<Spanned<String>>,
    /// Materials whose passages never count.
    #[serde(default)]
    pub materials: Vec<Spanned<String>>,
}

/// `[other_sense]`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherSenseDef {
    /// Phrases inside which a term does not count.
    #[serde(default)]
    pub phrases: Vec<String>,
}

/// `[[material]]` of `materials.toml`: one classifier.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifierDef {
    /// Catalog material id.
    pub id: Spanned<String>,
    /// Score a file needs to be this material.
    pub threshold: f64,
    /// Regexes on the file name (last path component).
    #[serde(default)]
    pub filename: Vec<PatternSignal>,
    /// Regexes on the folders holding the file (addition to the spec, see FORMAT.md).
    #[serde(default)]
    pub folder: Vec<PatternSignal>,
    /// Regexes on the first 3 passages and level-1/2 headings.
    #[serde(default)]
    pub title: Vec<PatternSignal>,
    /// Regexes on the file's section titles (styled headings, and short numbered lines such as
    /// 「三、组织机构」): a section reaching the threshold makes the file that material too,
    /// whatever its other scores (a 公司简介 whose third section is the organisation).
    #[serde(default)]
    pub section: Vec<SectionSignal>,
    /// Term or regex signals on the first part of the content.
    #[serde(default)]
    pub content: Vec<ContentSignal>,
    /// An organisation chart typed as lines (one box a line, indented or not): like a section,
    /// it makes the file this material whatever its other scores.
    #[serde(default)]
    pub chart: Vec<ChartSignal>,
    /// A sentence that states the material's subject (「产品主要通过加盟门店和抖音小店销售」) in a
    /// file already classified as one of `in_materials`: applicants describe their products and
    /// sales channels in the profile's prose as often as under a title of their own.
    #[serde(default)]
    pub statement: Vec<StatementSignal>,
    /// Declarations that make the material not applicable.
    #[serde(default)]
    pub not_applicable: Vec<Spanned<String>>,
    /// Files that must be classified as this material.
    #[serde(default)]
    pub examples: Vec<FileExample>,
    /// Files that must not.
    #[serde(default)]
    pub counter_examples: Vec<FileExample>,
}

/// `{ pattern = '…', weight = 3.0, table = true }`: a signal on a section title.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionSignal {
    /// Regex on a section title.
    pub pattern: Spanned<String>,
    /// Added to the score when it matches.
    pub weight: f64,
    /// Only a section that holds a table counts (an organisation drawn as a table of
    /// departments is a chart; a sentence naming the departments is not).
    #[serde(default)]
    pub table: bool,
}

/// `{ head = '…', unit = '…', min_units = 4, max_chars = 16, weight = 3.0 }`: a run of short
/// lines (no sentence punctuation, not table cells) holding a `head` line and at least
/// `min_units` lines that end in `unit` (a trailing parenthesis set aside).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartSignal {
    /// Regex found in the line of the one who heads the organisation (总经理, 董事长…).
    pub head: Spanned<String>,
    /// Regex a department's line ends with (部, 中心, 科…).
    pub unit: Spanned<String>,
    /// Department lines the run needs, at least (default 4).
    #[serde(default = "default_min_units")]
    pub min_units: u32,
    /// Longest line of the run, in characters (default 16).
    #[serde(default = "default_chart_line_chars")]
    pub max_chars: u32,
    /// Added to the score when a run holds.
    pub weight: f64,
}

fn default_min_units() -> u32 {
    4
}

fn default_chart_line_chars() -> u32 {
    16
}

/// `{ pattern = '…', weight = 3.0, in_materials = ["org_profile"] }`: a regex on each passage of
/// a file already classified as one of `in_materials` (any file when empty).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementSignal {
    /// Regex (case-insensitive) on one passage's folded text.
    pub pattern: Spanned<String>,
    /// Added to the score when a passage matches.
    pub weight: f64,
    /// Materials the file must already be (by its other signals) for the statement to count.
    #[serde(default)]
    pub in_materials: Vec<Spanned<String>>,
}

/// `{ pattern = '…', weight = 3.0 }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternSignal {
    /// Regex (case-insensitive) on folded text.
    pub pattern: Spanned<String>,
    /// Added to the score when it matches (may be negative).
    pub weight: f64,
}

/// `{ any = […], min_hits = 4, weight = 2.0 }` or `{ pattern = '…', weight = 1.0 }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentSignal {
    /// Terms; the signal holds when at least `min_hits` distinct ones occur.
    #[serde(default)]
    pub any: Vec<String>,
    /// Distinct terms needed (default 1).
    #[serde(default = "one_u32")]
    pub min_hits: u32,
    /// A regex that must match instead of (or as well as) terms.
    #[serde(default)]
    pub pattern: Option<Spanned<String>>,
    /// Added to the score when it holds.
    pub weight: f64,
}

/// A material example: a file name and optionally its text.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileExample {
    /// Bundle-relative path.
    pub file: String,
    /// Content, one passage per line.
    #[serde(default)]
    pub text: Option<String>,
}

/// `[[rule]]` of an evidence file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// Unique kebab-case id.
    pub id: Spanned<String>,
    /// Level-2 indicator id.
    pub indicator: Spanned<String>,
    /// `"evidence"` (default) or `"exclusion"`.
    #[serde(default)]
    pub kind: RuleKind,
    /// `"strong"` (default) or `"weak"`.
    #[serde(default = "strong")]
    pub strength: crate::model::Strength,
    /// Ranking weight.
    #[serde(default = "one")]
    pub weight: f64,
    /// At least one of these terms.
    #[serde(default)]
    pub any: Vec<String>,
    /// Each group: at least one term.
    #[serde(default)]
    pub all: Vec<Vec<String>>,
    /// Must also match.
    #[serde(default)]
    pub regex: Option<Spanned<String>>,
    /// How many times, at least, `regex` must match (apart): a ledger row closed on a date has
    /// two dates. Counting in code keeps the shared regex set fast, where one pattern with a
    /// gap between two dates would slow every passage's pass.
    #[serde(default)]
    pub regex_times: Option<u32>,
    /// Term pairs within a distance.
    #[serde(default)]
    pub near: Vec<NearDef>,
    /// Occurrences of the rule's terms, at least.
    #[serde(default)]
    pub min_hits: Option<u32>,
    /// None of these may occur.
    #[serde(default)]
    pub none: Vec<String>,
    /// Occurrences inside these phrases do not count.
    #[serde(default)]
    pub except: Vec<String>,
    /// Only in files of these materials.
    #[serde(default)]
    pub in_materials: Vec<Spanned<String>>,
    /// Never in files of these materials.
    #[serde(default)]
    pub not_in_materials: Vec<Spanned<String>>,
    /// The passage or a heading contains one of these.
    #[serde(default)]
    pub under_headings: Vec<String>,
    /// The context filters do not apply.
    #[serde(default)]
    pub ignore_context: bool,
    /// Passages that must match.
    #[serde(default)]
    pub examples: Vec<PassageExample>,
    /// Passages that must not.
    #[serde(default)]
    pub counter_examples: Vec<PassageExample>,
}

/// Evidence or exclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Supports the indicator.
    #[default]
    Evidence,
    /// Declares the indicator does not apply.
    Exclusion,
}

/// `{ a = […], b = […], within = 20 }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NearDef {
    /// First terms.
    pub a: Vec<String>,
    /// Second terms.
    pub b: Vec<String>,
    /// Most characters between the two.
    pub within: usize,
}

/// A rule example: a passage, or a table with headings and material.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum PassageExample {
    /// Just the passage text.
    Text(String),
    /// Text with its context.
    Full(FullExample),
}

/// `{ text = "…", headings = ["…"], material = "…" }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FullExample {
    /// The passage.
    pub text: String,
    /// Its headings.
    #[serde(default)]
    pub headings: Vec<String>,
    /// The material of its file.
    #[serde(default)]
    pub material: Option<String>,
}

impl PassageExample {
    /// The passage text.
    pub fn text(&self) -> &str {
        match self {
            PassageExample::Text(t) => t,
            PassageExample::Full(f) => &f.text,
        }
    }
}

fn one() -> f64 {
    1.0
}
fn one_u32() -> u32 {
    1
}
fn strong() -> crate::model::Strength {
    crate::model::Strength::Strong
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    indicator: Vec<Spanned<IndicatorDef>>,
    #[serde(default)]
    material: Vec<Spanned<MaterialDef>>,
    #[serde(default)]
    flag: Vec<Spanned<FlagDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassifierFile {
    #[serde(default)]
    material: Vec<Spanned<ClassifierDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceFile {
    #[serde(default)]
    rule: Vec<Spanned<RuleDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldsFile {
    #[serde(default)]
    stop_labels: Vec<String>,
    #[serde(default)]
    parties: Option<Spanned<crate::rules::parties::PartiesDef>>,
    #[serde(default)]
    field: Vec<Spanned<FieldRule>>,
}

impl RuleSet {
    /// sha256 (hex) of every rules file's name and text, in name order: what the batch ledger
    /// keys on, so any edit to the rules redoes every bundle and nothing else does.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for source in &self.sources {
            for part in [source.name.as_bytes(), source.text.as_bytes()] {
                hasher.update((part.len() as u64).to_le_bytes());
                hasher.update(part);
            }
        }
        hex::encode(hasher.finalize())
    }
}

/// Reads every `*.toml` of `dir`, in name order.
///
/// Every file is read even when an earlier one fails, so that one run reports every problem;
/// the error then lists them all ([`RulesError::Many`]).
pub fn load_dir(dir: &Path) -> Result<RuleSet, RulesError> {
    let entries = std::fs::read_dir(dir).map_err(|source| RulesError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
        .collect();
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| RulesError::Io {
            path: path.clone(),
            source,
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push(Source { name, text });
    }
    load_sources(files)
}

/// Parses files given as (name, text), in the order given (callers sort by name).
pub fn load_sources(files: Vec<Source>) -> Result<RuleSet, RulesError> {
    let mut set = RuleSet::default();
    let mut problems = Vec::new();
    for source in &files {
        if let Err(p) = parse_into(&mut set, source) {
            problems.push(p);
        }
    }
    set.sources = files;
    if problems.is_empty() {
        Ok(set)
    } else {
        Err(RulesError::Many(problems))
    }
}

fn locate<T>(source: &Source, spanned: Spanned<T>) -> Located<T> {
    let line = source.line_of(spanned.span().start);
    Located {
        file: source.name.clone(),
        line,
        value: spanned.into_inner(),
    }
}

fn parse_into(set: &mut RuleSet, source: &Source) -> Result<(), RulesError> {
    let bad = |e: toml::de::Error| {
        let line = e.span().map_or(1, |s| source.line_of(s.start));
        RulesError::Syntax {
            file: source.name.clone(),
            line,
            message: e.message().trim().to_string(),
        }
    };
    match source.name.as_str() {
        "catalog.toml" => {
            let file: CatalogFile = toml::from_str(&source.text).map_err(bad)?;
            set.indicators
                .extend(file.indicator.into_iter().map(|s| locate(source, s)));
            set.materials
                .extend(file.material.into_iter().map(|s| locate(source, s)));
            set.flags
                .extend(file.flag.into_iter().map(|s| locate(source, s)));
        }
        "context.toml" => {
            let file: ContextDef = toml::from_str(&source.text).map_err(bad)?;
            set.context = Some(Located {
                file: source.name.clone(),
                line: 1,
                value: file,
            });
        }
        "materials.toml" => {
            let file: ClassifierFile = toml::from_str(&source.text).map_err(bad)?;
            set.classifiers
                .extend(file.material.into_iter().map(|s| locate(source, s)));
        }
        "fields.toml" => {
            let file: FieldsFile = toml::from_str(&source.text).map_err(bad)?;
            set.stop_labels.extend(file.stop_labels);
            if let Some(parties) = file.parties {
                set.parties = Some(locate(source, parties));
            }
            set.fields
                .extend(file.field.into_iter().map(|s| locate(source, s)));
        }
        _ => {
            let file: EvidenceFile = toml::from_str(&source.text).map_err(bad)?;
            set.rules
                .extend(file.rule.into_iter().map(|s| locate(source, s)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(name: &str, text: &str) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    #[test]
    fn rules_keep_their_lines() {
        let set = load_sources(vec![src(
            "evidence-x.toml",
            "# c\n\n[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"投诉\"]\n\n[[rule]]\nid = \"b\"\nindicator = \"5.3.2\"\nregex = 'x'\n",
        )])
        .expect("loads");
        assert_eq!(set.rules.len(), 2);
        assert_eq!(set.rules[0].line, 3, "the line of `[[rule]]`");
        assert_eq!(set.rules[1].line, 8);
        assert_eq!(
            set.rules[1]
                .value
                .regex
                .as_ref()
                .map(|r| r.get_ref().as_str()),
            Some("x")
        );
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let err = load_sources(vec![src(
            "evidence-x.toml",
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nanny = [\"投诉\"]\n",
        )])
        .expect_err("typo");
        let text = err.to_string();
        assert!(text.contains("evidence-x.toml:4"), "{text}");
        assert!(text.contains("anny"), "{text}");
    }

    #[test]
    fn examples_may_be_strings_or_tables() {
        let set = load_sources(vec![src(
            "evidence-x.toml",
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"投诉\"]\nexamples = [\"投诉\", { text = \"投诉\", headings = [\"h\"] }]\n",
        )])
        .expect("loads");
        assert_eq!(set.rules[0].value.examples.len(), 2);
    }
}
