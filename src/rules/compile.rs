//! [`RuleSet`] (as written) → [`CompiledRules`] (ready to match): ids checked against the
//! catalog, every term folded ([`super::text`]) and put into one Aho-Corasick automaton, every
//! regex compiled once with size limits, and every problem of every file collected so that one
//! `certsift rules check` lists them all.
//!
//! **Aho-Corasick mode.** Terms overlap (`投诉` and `投诉处理`, `回收` and `货款回收`), and each
//! rule must see every occurrence of *its* terms, whatever other rules want. The automaton is
//! therefore built with [`aho_corasick::MatchKind::Standard`] and searched with overlapping
//! iteration: every occurrence of every term is reported once, in time linear in the text plus
//! the number of occurrences. `except` and `[other_sense]` phrases are in the same automaton, so
//! "this occurrence lies inside that phrase" is a comparison of offsets.
//!
//! **Regexes** are case-insensitive (the text is lower-cased anyway, so `ISO` in a pattern still
//! matches), limited to [`REGEX_SIZE_LIMIT`] bytes compiled so that no rule can blow up memory or
//! time, and all rule regexes also go into one [`regex::RegexSet`] that tells in one pass which
//! rules' regexes can match a passage.

use super::RulesError;
use super::fields::FieldRule;
use super::load::{Located, RuleKind, RuleSet};
use super::text::fold_raw;
use crate::model::{IndicatorId, MaterialId, RuleId, Severity, Strength};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use std::collections::{BTreeMap, HashMap};

/// Compiled size limit of one regex (and of the lazy DFA cache), in bytes. Large enough for any
/// sensible rule (alternations of a few hundred words), small enough that a pathological pattern
/// (`(a{1000}){1000}`) is refused at load time with a message instead of exhausting memory.
pub const REGEX_SIZE_LIMIT: usize = 2 << 20;

/// Whether a material must be in every bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    /// Every bundle must carry it (missing → `material_missing` error).
    Yes,
    /// Only where law or the applicant's situation calls for it (missing → warning at most).
    IfApplicable,
}

/// A catalog indicator, for reports.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorInfo {
    /// Clause number.
    pub id: IndicatorId,
    /// 1 or 2.
    pub level: u8,
    /// Chinese name.
    pub name: String,
    /// English gloss, when given.
    pub en: Option<String>,
    /// Share of the roll-up.
    pub weight: f64,
}

/// A catalog material, for reports.
#[derive(Debug, Clone, PartialEq)]
pub struct MaterialInfo {
    /// Material id.
    pub id: MaterialId,
    /// Chinese name.
    pub name: String,
    /// Required or if applicable.
    pub required: Required,
}

/// A catalog flag with its default severity.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagInfo {
    /// Flag code.
    pub code: String,
    /// Default severity.
    pub severity: Severity,
    /// Meaning in words.
    pub description: String,
}

/// One evidence rule, ready to evaluate. Term lists hold indices into [`CompiledRules`]' term
/// table (sorted, deduplicated) so that membership is a binary search.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub id: RuleId,
    pub indicator: IndicatorId,
    pub kind: RuleKind,
    pub strength: Strength,
    pub weight: f64,
    pub any: Vec<u32>,
    pub all: Vec<Vec<u32>>,
    pub near: Vec<(Vec<u32>, Vec<u32>, usize)>,
    /// Index into the regex set and the individual regexes.
    pub regex: Option<usize>,
    pub min_hits: Option<u32>,
    pub none: Vec<u32>,
    pub except: Vec<u32>,
    /// Every positive term (any ∪ all ∪ near), sorted.
    pub positive: Vec<u32>,
    pub in_materials: Vec<MaterialId>,
    pub not_in_materials: Vec<MaterialId>,
    /// Folded.
    pub under_headings: Vec<String>,
    pub ignore_context: bool,
    pub examples: Vec<super::load::PassageExample>,
    pub counter_examples: Vec<super::load::PassageExample>,
    pub file: String,
    pub line: usize,
}

/// `context.toml`, compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledContext {
    pub negation_before: Vec<String>,
    pub negation_after: Vec<String>,
    /// Words in which a cue is not a cue (folded).
    pub not_cues: Vec<String>,
    pub window: usize,
    pub skip: Option<RegexSet>,
    pub title_only: Option<Regex>,
    pub list_materials: Vec<MaterialId>,
    /// Term indices of the other-sense phrases.
    pub other_sense: Vec<u32>,
}

/// A material classifier, compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledClassifier {
    pub id: MaterialId,
    pub threshold: f64,
    pub filename: Vec<(Regex, f64)>,
    pub folder: Vec<(Regex, f64)>,
    pub title: Vec<(Regex, f64)>,
    /// (folded terms, distinct terms needed, optional regex, weight)
    pub content: Vec<(Vec<String>, u32, Option<Regex>, f64)>,
    pub not_applicable: Vec<Regex>,
    pub examples: Vec<super::load::FileExample>,
    pub counter_examples: Vec<super::load::FileExample>,
    pub file: String,
    pub line: usize,
}

/// Everything ready to match, built once and shared (`&CompiledRules` is `Sync`) by every
/// worker thread.
#[derive(Debug, Clone)]
pub struct CompiledRules {
    pub(crate) indicators: Vec<IndicatorInfo>,
    pub(crate) materials: Vec<MaterialInfo>,
    pub(crate) flags: Vec<FlagInfo>,
    /// Every folded term of every rule and context phrase; index = Aho-Corasick pattern id.
    pub(crate) terms: Vec<String>,
    pub(crate) automaton: AhoCorasick,
    /// For each term, the rules that use it positively (candidates when it occurs).
    pub(crate) term_rules: Vec<Vec<u32>>,
    pub(crate) rules: Vec<CompiledRule>,
    pub(crate) regex_set: RegexSet,
    pub(crate) regexes: Vec<Regex>,
    /// For each regex of the set, the rule that owns it.
    pub(crate) regex_rule: Vec<u32>,
    /// Rules with a regex and no terms: candidates only through the regex set.
    pub(crate) context: CompiledContext,
    pub(crate) classifiers: Vec<CompiledClassifier>,
    pub(crate) fields: Vec<Located<FieldRule>>,
    pub(crate) compiled_fields: super::fields::CompiledFields,
}

impl CompiledRules {
    /// Every catalog indicator (levels 1 and 2), in catalog order.
    pub fn indicators(&self) -> &[IndicatorInfo] {
        &self.indicators
    }

    /// The level-2 indicators: the ones findings are made for.
    pub fn assessed_indicators(&self) -> impl Iterator<Item = &IndicatorInfo> {
        self.indicators.iter().filter(|i| i.level == 2)
    }

    /// The level-1 group of a level-2 indicator (`5.3.2` → `5.3`), by clause-number prefix.
    pub fn group_of(&self, id: &IndicatorId) -> Option<&IndicatorInfo> {
        let (prefix, _) = id.0.rsplit_once('.')?;
        self.indicators
            .iter()
            .find(|i| i.level == 1 && i.id.0 == prefix)
    }

    /// Every catalog material, in catalog order.
    pub fn materials(&self) -> &[MaterialInfo] {
        &self.materials
    }

    /// Every catalog flag with its default severity.
    pub fn flags(&self) -> &[FlagInfo] {
        &self.flags
    }

    /// The default severity of a flag code, `None` for a code not in the catalog.
    pub fn flag_severity(&self, code: &str) -> Option<Severity> {
        self.flags
            .iter()
            .find(|f| f.code == code)
            .map(|f| f.severity)
    }

    /// The field rules as loaded from `fields.toml` (compiled by [`super::fields`]).
    pub fn field_rules(&self) -> impl Iterator<Item = &FieldRule> {
        self.fields.iter().map(|f| &f.value)
    }

    /// The field extractors, compiled.
    pub fn compiled_fields(&self) -> &super::fields::CompiledFields {
        &self.compiled_fields
    }

    /// The field rules with their file and line.
    pub fn located_field_rules(&self) -> &[Located<FieldRule>] {
        &self.fields
    }

    /// Number of evidence and exclusion rules.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Number of material classifiers.
    pub fn classifier_count(&self) -> usize {
        self.classifiers.len()
    }
}

/// Collects problems while compiling.
struct Problems(Vec<RulesError>);

impl Problems {
    fn value(&mut self, file: &str, line: usize, message: String) {
        self.0.push(RulesError::BadValue {
            file: file.to_string(),
            line,
            message,
        });
    }

    fn regex(&mut self, file: &str, line: usize, pattern: &str) -> Option<Regex> {
        match build_regex(pattern) {
            Ok(r) => Some(r),
            Err(reason) => {
                self.0.push(RulesError::BadRegex {
                    file: file.to_string(),
                    line,
                    pattern: pattern.to_string(),
                    reason,
                });
                None
            }
        }
    }
}

/// Builds one rules regex: case-insensitive, size-limited. The error is the regex crate's first
/// line (the rest is an ASCII-art pointer that does not survive `file:line:` formatting).
pub(crate) fn build_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| regex_reason(&e))
}

fn regex_reason(e: &regex::Error) -> String {
    match e {
        regex::Error::CompiledTooBig(_) => {
            "it is too big once compiled; split it into several rules or use fewer repetitions"
                .to_string()
        }
        other => {
            let text = other.to_string();
            text.lines()
                .rev()
                .find(|l| l.starts_with("error:"))
                .map(|l| l.trim_start_matches("error:").trim().to_string())
                .unwrap_or_else(|| text.lines().next().unwrap_or("").to_string())
        }
    }
}

/// Interns folded terms: one pattern per distinct folded string.
#[derive(Default)]
struct Terms {
    list: Vec<String>,
    index: HashMap<String, u32>,
}

impl Terms {
    fn intern(&mut self, folded: String) -> u32 {
        if let Some(&i) = self.index.get(&folded) {
            return i;
        }
        let i = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.index.insert(folded.clone(), i);
        self.list.push(folded);
        i
    }
}

fn span_line(set: &RuleSet, file: &str, span: std::ops::Range<usize>, fallback: usize) -> usize {
    set.sources
        .iter()
        .find(|s| s.name == file)
        .map_or(fallback, |s| s.line_of(span.start))
}

/// Compiles a rule set. Every problem of every file is collected; the error lists them all.
pub fn compile(set: &RuleSet) -> Result<CompiledRules, RulesError> {
    let mut problems = Problems(Vec::new());

    // ---- catalog ----
    let mut indicators = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for ind in &set.indicators {
        let v = &ind.value;
        if let Some(first) = seen.insert(format!("i:{}", v.id), ind.place()) {
            problems.0.push(RulesError::DuplicateId {
                file: ind.file.clone(),
                line: ind.line,
                id: v.id.clone(),
                first,
            });
        }
        if !(1..=2).contains(&v.level) {
            problems.value(
                &ind.file,
                ind.line,
                format!(
                    "indicator `{}` has level {}; write level = 1 or 2",
                    v.id, v.level
                ),
            );
        }
        if !(v.weight.is_finite() && v.weight >= 0.0) {
            problems.value(
                &ind.file,
                ind.line,
                format!("indicator `{}` needs a weight of 0 or more", v.id),
            );
        }
        indicators.push(IndicatorInfo {
            id: IndicatorId(v.id.clone()),
            level: v.level,
            name: v.name.clone(),
            en: v.en.clone(),
            weight: v.weight,
        });
    }
    let mut materials = Vec::new();
    for m in &set.materials {
        let v = &m.value;
        if let Some(first) = seen.insert(format!("m:{}", v.id), m.place()) {
            problems.0.push(RulesError::DuplicateId {
                file: m.file.clone(),
                line: m.line,
                id: v.id.clone(),
                first,
            });
        }
        let required = match v.required.as_str() {
            "yes" => Required::Yes,
            "if_applicable" => Required::IfApplicable,
            other => {
                problems.value(
                    &m.file,
                    m.line,
                    format!(
                        "material `{}` has required = \"{other}\"; write \"yes\" or \"if_applicable\"",
                        v.id
                    ),
                );
                Required::Yes
            }
        };
        materials.push(MaterialInfo {
            id: MaterialId(v.id.clone()),
            name: v.name.clone(),
            required,
        });
    }
    let mut flags = Vec::new();
    for f in &set.flags {
        let v = &f.value;
        if let Some(first) = seen.insert(format!("f:{}", v.code), f.place()) {
            problems.0.push(RulesError::DuplicateId {
                file: f.file.clone(),
                line: f.line,
                id: v.code.clone(),
                first,
            });
        }
        let severity = match v.severity.as_str() {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            "info" => Severity::Info,
            other => {
                problems.value(
                    &f.file,
                    f.line,
                    format!(
                        "flag `{}` has severity \"{other}\"; write \"error\", \"warning\" or \"info\"",
                        v.code
                    ),
                );
                Severity::Warning
            }
        };
        flags.push(FlagInfo {
            code: v.code.clone(),
            severity,
            description: v.description.clone(),
        });
    }
    if indicators.is_empty() {
        problems.value(
            "catalog.toml",
            1,
            "no indicators found: the rules folder needs a catalog.toml with [[indicator]] entries"
                .to_string(),
        );
    }
    let level2: Vec<&str> = indicators
        .iter()
        .filter(|i| i.level == 2)
        .map(|i| i.id.0.as_str())
        .collect();
    let material_ids: Vec<&str> = materials.iter().map(|m| m.id.0.as_str()).collect();
    let known_materials = material_ids.join(", ");
    let check_material =
        |problems: &mut Problems, file: &str, line: usize, id: &str| -> Option<MaterialId> {
            if material_ids.contains(&id) {
                Some(MaterialId(id.to_string()))
            } else {
                problems.0.push(RulesError::UnknownMaterial {
                    file: file.to_string(),
                    line,
                    id: id.to_string(),
                    known: known_materials.clone(),
                });
                None
            }
        };

    let mut terms = Terms::default();
    let mut term_for =
        |problems: &mut Problems, file: &str, line: usize, rule: &str, raw: &str| -> Option<u32> {
            let folded = fold_raw(raw);
            if folded.is_empty() {
                problems.value(
                    file,
                    line,
                    format!("`{rule}` has an empty term \"{raw}\"; remove it or write a word"),
                );
                None
            } else {
                Some(terms.intern(folded))
            }
        };

    // ---- context ----
    let mut context = CompiledContext {
        negation_before: Vec::new(),
        negation_after: Vec::new(),
        not_cues: Vec::new(),
        window: 8,
        skip: None,
        title_only: None,
        list_materials: Vec::new(),
        other_sense: Vec::new(),
    };
    if let Some(ctx) = &set.context {
        let file = &ctx.file;
        let v = &ctx.value;
        context.negation_before = v
            .negation
            .before
            .iter()
            .map(|c| fold_raw(c))
            .filter(|c| !c.is_empty())
            .collect();
        context.negation_after = v
            .negation
            .after
            .iter()
            .map(|c| fold_raw(c))
            .filter(|c| !c.is_empty())
            .collect();
        context.not_cues = v
            .negation
            .not_cues
            .iter()
            .map(|c| fold_raw(c))
            .filter(|c| !c.is_empty())
            .collect();
        context.window = v.negation.window;
        let mut skip_ok = Vec::new();
        for p in &v.skip_passages.patterns {
            let line = span_line(set, file, p.span(), 1);
            if problems.regex(file, line, p.get_ref()).is_some() {
                skip_ok.push(p.get_ref().clone());
            }
        }
        if !skip_ok.is_empty() {
            match RegexSetBuilder::new(&skip_ok)
                .case_insensitive(true)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build()
            {
                Ok(s) => context.skip = Some(s),
                Err(e) => problems.0.push(RulesError::BadRegex {
                    file: file.clone(),
                    line: 1,
                    pattern: skip_ok.join(" | "),
                    reason: regex_reason(&e),
                }),
            }
        }
        if let Some(t) = &v.document_list.title_only {
            let line = span_line(set, file, t.span(), 1);
            context.title_only = problems.regex(file, line, t.get_ref());
        }
        for m in &v.document_list.materials {
            let line = span_line(set, file, m.span(), 1);
            if let Some(id) = check_material(&mut problems, file, line, m.get_ref()) {
                context.list_materials.push(id);
            }
        }
        for p in &v.other_sense.phrases {
            if let Some(i) = term_for(&mut problems, file, 1, "other_sense", p) {
                context.other_sense.push(i);
            }
        }
        context.other_sense.sort_unstable();
        context.other_sense.dedup();
    }

    // ---- evidence rules ----
    let mut rules = Vec::new();
    let mut regex_patterns = Vec::new();
    let mut regexes = Vec::new();
    let mut regex_rule = Vec::new();
    let mut rule_ids: HashMap<String, String> = HashMap::new();
    for r in &set.rules {
        let v = &r.value;
        let (file, line) = (r.file.as_str(), r.line);
        let id = v.id.get_ref().clone();
        if let Some(first) = rule_ids.insert(id.clone(), r.place()) {
            problems.0.push(RulesError::DuplicateId {
                file: file.to_string(),
                line,
                id: id.clone(),
                first,
            });
        }
        if id.is_empty()
            || !id.split('-').all(|w| {
                !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
        {
            problems.value(
                file,
                line,
                format!("rule id `{id}` must be kebab-case: lower-case letters, digits and dashes (e.g. \"complaint-time-limit\")"),
            );
        }
        let indicator = v.indicator.get_ref();
        if !level2.contains(&indicator.as_str()) {
            problems.0.push(RulesError::UnknownIndicator {
                file: file.to_string(),
                line: span_line(set, file, v.indicator.span(), line),
                id: indicator.clone(),
            });
        }
        if v.any.is_empty() && v.all.is_empty() && v.regex.is_none() && v.near.is_empty() {
            problems.0.push(RulesError::NoCondition {
                file: file.to_string(),
                line,
                id: id.clone(),
            });
        }
        if !(v.weight.is_finite() && v.weight > 0.0) {
            problems.value(file, line, format!("rule `{id}` needs a weight above 0"));
        }
        let mut list = |problems: &mut Problems, raw: &[String]| -> Vec<u32> {
            let mut out: Vec<u32> = raw
                .iter()
                .filter_map(|t| term_for(problems, file, line, &id, t))
                .collect();
            out.sort_unstable();
            out.dedup();
            out
        };
        let any = list(&mut problems, &v.any);
        let mut all = Vec::new();
        for group in &v.all {
            if group.is_empty() {
                problems.value(
                    file,
                    line,
                    format!("rule `{id}` has an empty group in `all`; remove it or add terms"),
                );
            }
            all.push(list(&mut problems, group));
        }
        let mut near = Vec::new();
        for n in &v.near {
            if n.a.is_empty() || n.b.is_empty() {
                problems.value(
                    file,
                    line,
                    format!("rule `{id}`: `near` needs terms in both `a` and `b`"),
                );
            }
            near.push((
                list(&mut problems, &n.a),
                list(&mut problems, &n.b),
                n.within,
            ));
        }
        let none = list(&mut problems, &v.none);
        let except = list(&mut problems, &v.except);
        let mut positive: Vec<u32> = any
            .iter()
            .chain(all.iter().flatten())
            .chain(near.iter().flat_map(|(a, b, _)| a.iter().chain(b.iter())))
            .copied()
            .collect();
        positive.sort_unstable();
        positive.dedup();
        let regex = match &v.regex {
            Some(p) => {
                let rline = span_line(set, file, p.span(), line);
                problems.regex(file, rline, p.get_ref()).map(|re| {
                    regex_patterns.push(p.get_ref().clone());
                    regexes.push(re);
                    regex_rule.push(u32::try_from(rules.len()).unwrap_or(u32::MAX));
                    regexes.len() - 1
                })
            }
            None => None,
        };
        let mut mats = |list: &[toml::Spanned<String>]| -> Vec<MaterialId> {
            list.iter()
                .filter_map(|m| {
                    let mline = span_line(set, file, m.span(), line);
                    check_material(&mut problems, file, mline, m.get_ref())
                })
                .collect()
        };
        let in_materials = mats(&v.in_materials);
        let not_in_materials = mats(&v.not_in_materials);
        rules.push(CompiledRule {
            id: RuleId(id.clone()),
            indicator: IndicatorId(indicator.clone()),
            kind: v.kind,
            strength: v.strength,
            weight: v.weight,
            any,
            all,
            near,
            regex,
            min_hits: v.min_hits,
            none,
            except,
            positive,
            in_materials,
            not_in_materials,
            under_headings: v
                .under_headings
                .iter()
                .map(|h| fold_raw(h))
                .filter(|h| !h.is_empty())
                .collect(),
            ignore_context: v.ignore_context,
            examples: v.examples.clone(),
            counter_examples: v.counter_examples.clone(),
            file: r.file.clone(),
            line,
        });
    }

    // ---- material classifiers ----
    let mut classifiers = Vec::new();
    let mut classifier_ids: HashMap<String, String> = HashMap::new();
    for c in &set.classifiers {
        let v = &c.value;
        let (file, line) = (c.file.as_str(), c.line);
        let id = v.id.get_ref();
        let Some(mid) = check_material(&mut problems, file, line, id) else {
            continue;
        };
        if let Some(first) = classifier_ids.insert(id.clone(), c.place()) {
            problems.0.push(RulesError::DuplicateId {
                file: file.to_string(),
                line,
                id: id.clone(),
                first,
            });
        }
        if !(v.threshold.is_finite() && v.threshold > 0.0) {
            problems.value(
                file,
                line,
                format!("classifier `{id}` needs a threshold above 0"),
            );
        }
        let mut signals = |list: &[super::load::PatternSignal]| -> Vec<(Regex, f64)> {
            list.iter()
                .filter_map(|s| {
                    let pline = span_line(set, file, s.pattern.span(), line);
                    problems
                        .regex(file, pline, s.pattern.get_ref())
                        .map(|r| (r, s.weight))
                })
                .collect()
        };
        let filename = signals(&v.filename);
        let folder = signals(&v.folder);
        let title = signals(&v.title);
        let mut content = Vec::new();
        for s in &v.content {
            let pattern = s.pattern.as_ref().and_then(|p| {
                let pline = span_line(set, file, p.span(), line);
                problems.regex(file, pline, p.get_ref())
            });
            if s.any.is_empty() && s.pattern.is_none() {
                problems.value(
                    file,
                    line,
                    format!(
                        "classifier `{id}`: a `content` entry needs `any` terms or a `pattern`"
                    ),
                );
            }
            let folded: Vec<String> = s
                .any
                .iter()
                .map(|t| fold_raw(t))
                .filter(|t| !t.is_empty())
                .collect();
            content.push((folded, s.min_hits, pattern, s.weight));
        }
        let not_applicable = v
            .not_applicable
            .iter()
            .filter_map(|p| {
                let pline = span_line(set, file, p.span(), line);
                problems.regex(file, pline, p.get_ref())
            })
            .collect();
        classifiers.push(CompiledClassifier {
            id: mid,
            threshold: v.threshold,
            filename,
            folder,
            title,
            content,
            not_applicable,
            examples: v.examples.clone(),
            counter_examples: v.counter_examples.clone(),
            file: c.file.clone(),
            line,
        });
    }

    // ---- automaton and regex set ----
    let automaton = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build(&terms.list);
    let regex_set = RegexSetBuilder::new(&regex_patterns)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT.saturating_mul(8))
        .dfa_size_limit(REGEX_SIZE_LIMIT.saturating_mul(8))
        .build();
    let (automaton, regex_set) = match (automaton, regex_set) {
        (Ok(a), Ok(s)) => (a, s),
        (Err(e), _) => {
            problems.value("(all rules)", 1, format!("the terms of all rules together are too many to search at once ({e}); remove unused rules"));
            return Err(RulesError::from_list(problems.0));
        }
        (_, Err(e)) => {
            problems.value(
                "(all rules)",
                1,
                format!(
                    "the regexes of all rules together are too big ({}); simplify the largest ones",
                    regex_reason(&e)
                ),
            );
            return Err(RulesError::from_list(problems.0));
        }
    };
    // Field rules compile together (one label automaton); a problem names the field's entry.
    let field_rules: Vec<FieldRule> = set.fields.iter().map(|f| f.value.clone()).collect();
    let compiled_fields = match super::fields::compile(&field_rules) {
        Ok(c) => Some(c),
        Err(e) => {
            let message = e.to_string();
            let located = set
                .fields
                .iter()
                .find(|f| message.contains(&format!("`{}`", f.value.name)));
            let (file, line) = located.map_or(("fields.toml", 1), |f| (f.file.as_str(), f.line));
            problems.value(
                file,
                line,
                format!("{message}; see rules/FORMAT.md, fields.toml"),
            );
            None
        }
    };
    if !problems.0.is_empty() {
        return Err(RulesError::from_list(problems.0));
    }
    let Some(compiled_fields) = compiled_fields else {
        return Err(RulesError::from_list(problems.0));
    };
    let mut term_rules = vec![Vec::new(); terms.list.len()];
    for (ri, r) in rules.iter().enumerate() {
        for &t in &r.positive {
            if let Some(slot) = term_rules.get_mut(t as usize) {
                slot.push(u32::try_from(ri).unwrap_or(u32::MAX));
            }
        }
    }
    Ok(CompiledRules {
        indicators,
        materials,
        flags,
        terms: terms.list,
        automaton,
        term_rules,
        rules,
        regex_set,
        regexes,
        regex_rule,
        context,
        classifiers,
        fields: set.fields.clone(),
        compiled_fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load::{Source, load_sources};

    pub(crate) const CATALOG: &str = r#"
[[indicator]]
id = "5.3"
level = 1
name = "顾客服务"

[[indicator]]
id = "5.3.2"
level = 2
name = "投诉处理"

[[material]]
id = "org_chart"
name = "组织结构图"
required = "yes"

[[flag]]
code = "material_missing"
severity = "error"
description = "x"
"#;

    fn set(evidence: &str) -> Result<RuleSet, RulesError> {
        load_sources(vec![
            Source {
                name: "catalog.toml".into(),
                text: CATALOG.into(),
            },
            Source {
                name: "evidence-x.toml".into(),
                text: evidence.into(),
            },
        ])
    }

    #[test]
    fn all_problems_are_reported_with_lines() {
        let rules = "[[rule]]\nid = \"a\"\nindicator = \"9.9.9\"\nany = [\"投诉\"]\n\n[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nregex = '(?=x)'\n\n[[rule]]\nid = \"c\"\nindicator = \"5.3.2\"\nin_materials = [\"nope\"]\n";
        let err = compile(&set(rules).expect("loads")).expect_err("three problems");
        let text = err.to_string();
        assert!(
            text.contains("evidence-x.toml:3: `9.9.9` is not an indicator"),
            "{text}"
        );
        assert!(
            text.contains("evidence-x.toml:6: the id `a` is already used at evidence-x.toml:1"),
            "{text}"
        );
        assert!(
            text.contains("evidence-x.toml:9: the pattern `(?=x)`"),
            "{text}"
        );
        assert!(
            text.contains("evidence-x.toml:11: rule `c` has nothing to look for"),
            "{text}"
        );
        assert!(
            text.contains("evidence-x.toml:14: `nope` is not a material"),
            "{text}"
        );
        assert_eq!(err.problems().len(), 5, "{text}");
    }

    #[test]
    fn huge_regex_is_refused_not_built() {
        let rules = "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nregex = '(\\w{100}){100}'\n";
        let err = compile(&set(rules).expect("loads")).expect_err("too big");
        assert!(err.to_string().contains("too big"), "{err}");
    }

    #[test]
    fn terms_are_folded_and_shared() {
        let rules = "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"投訴\", \"ISO 9001\"]\n\n[[rule]]\nid = \"b\"\nindicator = \"5.3.2\"\nany = [\"投诉\"]\n";
        let c = compile(&set(rules).expect("loads")).expect("compiles");
        assert_eq!(c.terms, vec!["投诉".to_string(), "iso 9001".to_string()]);
        assert_eq!(c.term_rules[0], vec![0, 1]);
    }
}
