//! [`RuleSet`] (as written) → [`CompiledRules`] (ready to match): ids checked against the
//! catalog, every term folded ([`super::text`]) and put into one Aho-Corasick automaton, every
//! regex compiled once with size limits, and every problem of every file collected so that one
//! `certsift rules check` lists them all.
//!
//! The [`Compiler`] has one method per rules file or section, called in a fixed order
//! (catalog first: the others check their ids against it). Each method reads its part of the
//! [`RuleSet`] and records problems with [`Compiler::problem`]; nothing stops at the first one.
//! A new TOML key goes into the method of its section, and its compiled form into the type that
//! uses it (evidence rules and context beside the matcher, classifiers beside materials).
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
use super::catalog::{Catalog, FlagInfo, IndicatorInfo, MaterialInfo};
use super::fields::{CompiledFields, FieldRule};
use super::load::{Located, PatternSignal, RuleSet};
use super::matcher::{CompiledContext, CompiledRule};
use super::materials::{ChartRule, CompiledClassifier, StatementRule};
use super::names;
use super::parties::PartyRules;
use super::text::fold_raw;
use crate::model::{IndicatorId, MaterialId, RuleId};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use std::collections::HashMap;
use toml::Spanned;

/// Compiled size limit of one regex (and of the lazy DFA cache), in bytes. Large enough for any
/// sensible rule (alternations of a few hundred words), small enough that a pathological pattern
/// (`(a{1000}){1000}`) is refused at load time with a message instead of exhausting memory.
pub(crate) const REGEX_SIZE_LIMIT: usize = 2 << 20;

/// Everything ready to match, built once and shared (`&CompiledRules` is `Sync`) by every
/// worker thread.
#[derive(Debug, Clone)]
pub struct CompiledRules {
    pub(crate) catalog: Catalog,
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
    pub(crate) context: CompiledContext,
    pub(crate) classifiers: Vec<CompiledClassifier>,
    /// The field rules with their file and line (for examples and messages).
    pub(crate) field_rules: Vec<Located<FieldRule>>,
    pub(crate) fields: CompiledFields,
    /// `[parties]`: whose a licence or certificate is.
    pub(crate) parties: PartyRules,
}

impl CompiledRules {
    /// Every catalog indicator (levels 1 and 2), in catalog order.
    pub fn indicators(&self) -> &[IndicatorInfo] {
        &self.catalog.indicators
    }

    /// The level-2 indicators: the ones findings are made for.
    pub fn assessed_indicators(&self) -> impl Iterator<Item = &IndicatorInfo> {
        self.catalog.indicators.iter().filter(|i| i.level == 2)
    }

    /// Every catalog material, in catalog order.
    pub fn materials(&self) -> &[MaterialInfo] {
        &self.catalog.materials
    }

    /// Every catalog flag with its default severity.
    pub fn flags(&self) -> &[FlagInfo] {
        &self.catalog.flags
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The field extractors, compiled.
    pub fn fields(&self) -> &CompiledFields {
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

/// Compiles a rule set. Every problem of every file is collected; the error lists them all.
pub fn compile(set: &RuleSet) -> Result<CompiledRules, RulesError> {
    Compiler::new(set).compile()
}

/// The evidence rules' regexes, in rule order: the individual regexes, their patterns (for the
/// set) and, for each, the rule that owns it.
#[derive(Default)]
struct RuleRegexes {
    patterns: Vec<String>,
    regexes: Vec<Regex>,
    owner: Vec<u32>,
}

/// One compilation: the rule set, the problems found so far and what the sections share (the
/// term table, the catalog's ids).
struct Compiler<'a> {
    set: &'a RuleSet,
    problems: Vec<RulesError>,
    terms: Terms,
    /// Level-2 indicator ids, once the catalog is compiled.
    level2: Vec<String>,
    /// Material ids, once the catalog is compiled.
    material_ids: Vec<String>,
    /// The indicators of each `[[other_party]]` group, once the context is compiled.
    other_party_indicators: Vec<Vec<String>>,
}

impl<'a> Compiler<'a> {
    fn new(set: &'a RuleSet) -> Self {
        Compiler {
            set,
            problems: Vec::new(),
            terms: Terms::default(),
            level2: Vec::new(),
            material_ids: Vec::new(),
            other_party_indicators: Vec::new(),
        }
    }

    /// Every section in order, then the shared automaton and regex set.
    fn compile(mut self) -> Result<CompiledRules, RulesError> {
        let catalog = self.catalog();
        let context = self.context();
        let (rules, regexes) = self.evidence_rules();
        let classifiers = self.classifiers();
        let searchers = self.searchers(&regexes.patterns);
        let fields = self.fields();
        let parties = self.parties();
        let (Some((automaton, regex_set)), Some(fields), true) =
            (searchers, fields, self.problems.is_empty())
        else {
            return Err(RulesError::from_list(self.problems));
        };
        let mut term_rules = vec![Vec::new(); self.terms.list.len()];
        for (ri, r) in rules.iter().enumerate() {
            for &t in &r.positive {
                if let Some(slot) = term_rules.get_mut(t as usize) {
                    slot.push(u32::try_from(ri).unwrap_or(u32::MAX));
                }
            }
        }
        Ok(CompiledRules {
            catalog,
            terms: self.terms.list,
            automaton,
            term_rules,
            rules,
            regex_set,
            regexes: regexes.regexes,
            regex_rule: regexes.owner,
            context,
            classifiers,
            field_rules: self.set.fields.clone(),
            fields,
            parties,
        })
    }

    // ---- what every section uses ----

    fn problem(&mut self, file: &str, line: usize, message: String) {
        self.problems.push(RulesError::BadValue {
            file: file.to_string(),
            line,
            message,
        });
    }

    /// A regex of a rules file, or `None` with a problem recorded.
    fn regex(&mut self, file: &str, line: usize, pattern: &str) -> Option<Regex> {
        match build_regex(pattern) {
            Ok(r) => Some(r),
            Err(reason) => {
                self.problems.push(RulesError::BadRegex {
                    file: file.to_string(),
                    line,
                    pattern: pattern.to_string(),
                    reason,
                });
                None
            }
        }
    }

    /// A regex written as a spanned TOML string: its own line, else `fallback`.
    fn spanned_regex(
        &mut self,
        file: &str,
        pattern: &Spanned<String>,
        fallback: usize,
    ) -> Option<Regex> {
        let line = self.line_of(file, pattern.span(), fallback);
        self.regex(file, line, pattern.get_ref())
    }

    /// The 1-based line of a span in `file`.
    fn line_of(&self, file: &str, span: std::ops::Range<usize>, fallback: usize) -> usize {
        self.set
            .sources
            .iter()
            .find(|s| s.name == file)
            .map_or(fallback, |s| s.line_of(span.start))
    }

    /// A term's index in the shared automaton, or `None` (with a problem) for an empty term.
    fn term(&mut self, file: &str, line: usize, owner: &str, raw: &str) -> Option<u32> {
        let folded = fold_raw(raw);
        if folded.is_empty() {
            self.problem(
                file,
                line,
                format!("`{owner}` has an empty term \"{raw}\"; remove it or write a word"),
            );
            None
        } else {
            Some(self.terms.intern(folded))
        }
    }

    /// The term indices of a list, sorted and deduplicated (membership is a binary search).
    fn term_list(&mut self, file: &str, line: usize, owner: &str, raw: &[String]) -> Vec<u32> {
        let mut out: Vec<u32> = raw
            .iter()
            .filter_map(|t| self.term(file, line, owner, t))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// A material id checked against the catalog.
    fn material(&mut self, file: &str, line: usize, id: &str) -> Option<MaterialId> {
        if self.material_ids.iter().any(|m| m == id) {
            return Some(MaterialId(id.to_string()));
        }
        self.problems.push(RulesError::UnknownMaterial {
            file: file.to_string(),
            line,
            id: id.to_string(),
            known: self.material_ids.join(", "),
        });
        None
    }

    /// Material ids written as spanned strings, each on its own line.
    fn materials(
        &mut self,
        file: &str,
        list: &[Spanned<String>],
        fallback: usize,
    ) -> Vec<MaterialId> {
        list.iter()
            .filter_map(|m| {
                let line = self.line_of(file, m.span(), fallback);
                self.material(file, line, m.get_ref())
            })
            .collect()
    }

    /// Records a duplicate id when `seen` already holds `key`.
    fn unique(
        &mut self,
        seen: &mut HashMap<String, String>,
        key: String,
        id: &str,
        at: (&str, usize),
    ) {
        let place = format!("{}:{}", at.0, at.1);
        if let Some(first) = seen.insert(key, place) {
            self.problems.push(RulesError::DuplicateId {
                file: at.0.to_string(),
                line: at.1,
                id: id.to_string(),
                first,
            });
        }
    }

    // ---- catalog.toml ----

    /// Indicators, materials and flags, each id once; the flags and materials the code names
    /// ([`names`]) must be there, and every flag must be one certsift raises.
    fn catalog(&mut self) -> Catalog {
        let set = self.set;
        let mut seen = HashMap::new();
        let mut catalog = Catalog::default();
        for ind in &set.indicators {
            let v = &ind.value;
            self.unique(
                &mut seen,
                format!("i:{}", v.id),
                &v.id,
                (&ind.file, ind.line),
            );
            if !(1..=2).contains(&v.level) {
                self.problem(
                    &ind.file,
                    ind.line,
                    format!(
                        "indicator `{}` has level {}; write level = 1 or 2",
                        v.id, v.level
                    ),
                );
            }
            if !(v.weight.is_finite() && v.weight >= 0.0) {
                self.problem(
                    &ind.file,
                    ind.line,
                    format!("indicator `{}` needs a weight of 0 or more", v.id),
                );
            }
            catalog.indicators.push(IndicatorInfo {
                id: IndicatorId(v.id.clone()),
                level: v.level,
                name: v.name.clone(),
                en: v.en.clone(),
                weight: v.weight,
            });
        }
        for m in &set.materials {
            let v = &m.value;
            self.unique(&mut seen, format!("m:{}", v.id), &v.id, (&m.file, m.line));
            catalog.materials.push(MaterialInfo {
                id: MaterialId(v.id.clone()),
                name: v.name.clone(),
                required: v.required,
            });
        }
        for f in &set.flags {
            let v = &f.value;
            self.unique(
                &mut seen,
                format!("f:{}", v.code),
                &v.code,
                (&f.file, f.line),
            );
            if !names::FLAGS_RAISED.contains(&v.code.as_str()) {
                self.problem(
                    &f.file,
                    f.line,
                    format!(
                        "flag `{}` is never raised by certsift; the flags it raises are: {}",
                        v.code,
                        names::FLAGS_RAISED.join(", ")
                    ),
                );
            }
            catalog.flags.push(FlagInfo {
                code: v.code.clone(),
                severity: v.severity,
                description: v.description.clone(),
            });
        }
        if catalog.indicators.is_empty() {
            self.problem(
                "catalog.toml",
                1,
                "no indicators found: the rules folder needs a catalog.toml with [[indicator]] entries"
                    .to_string(),
            );
        }
        for code in names::FLAGS_RAISED {
            if !catalog.flags.iter().any(|f| f.code == *code) {
                self.problem(
                    "catalog.toml",
                    1,
                    format!(
                        "the flag `{code}` is missing: certsift raises it, so the catalog must give \
                         its severity (add a [[flag]] with code = \"{code}\")"
                    ),
                );
            }
        }
        for (id, why) in names::MATERIALS_READ {
            if !catalog.materials.iter().any(|m| m.id.0 == *id) {
                self.problem(
                    "catalog.toml",
                    1,
                    format!(
                        "the material `{id}` is missing: certsift reads it ({why}); add a \
                         [[material]] with id = \"{id}\""
                    ),
                );
            }
        }
        self.level2 = catalog
            .indicators
            .iter()
            .filter(|i| i.level == 2)
            .map(|i| i.id.0.clone())
            .collect();
        self.material_ids = catalog.materials.iter().map(|m| m.id.0.clone()).collect();
        catalog
    }

    // ---- context.toml ----

    /// The global filters (defaults, no filters, when the file is absent).
    fn context(&mut self) -> CompiledContext {
        let mut context = CompiledContext {
            negation_before: Vec::new(),
            negation_after: Vec::new(),
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
            other_party: Vec::new(),
            cues: None,
            cue_kinds: Vec::new(),
            other_party_examples: Vec::new(),
            not_cues: Vec::new(),
            window: 8,
            skip: None,
            title_only: None,
            list_materials: Vec::new(),
            other_sense: Vec::new(),
            predicates: Vec::new(),
            structured_materials: Vec::new(),
        };
        let Some(ctx) = &self.set.context else {
            return context;
        };
        self.context_lists(ctx, &mut context);
        if let Err(e) = context.build_cues() {
            self.problem(
                &ctx.file,
                1,
                format!("the negation and other-party cues are too many to search at once ({e})"),
            );
        }
        context
    }

    /// The lists and patterns of `context.toml`.
    fn context_lists(
        &mut self,
        ctx: &Located<crate::rules::load::ContextDef>,
        context: &mut CompiledContext,
    ) {
        let file = ctx.file.as_str();
        let v = &ctx.value;
        let folded = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|c| fold_raw(c))
                .filter(|c| !c.is_empty())
                .collect()
        };
        context.negation_before = folded(&v.negation.before);
        context.negation_after = folded(&v.negation.after);
        context.not_cues = folded(&v.negation.not_cues);
        context.scope_ends = folded(&v.negation.scope_ends);
        context.not_yet = folded(&v.negation.not_yet);
        context.continues = folded(&v.negation.continues);
        context.summing = folded(&v.negation.summing);
        context.plans = folded(&v.negation.plans);
        context.realised = folded(&v.negation.realised);
        context.conditional = folded(&v.negation.conditional);
        context.actors = folded(&v.negation.actors);
        context.topic_chars = v.negation.topic_chars;
        context.closing_tail = v.negation.closing_tail;
        for group in v.other_party.iter().take(64) {
            let line = self.line_of(file, group.span(), 1);
            for id in &group.get_ref().indicators {
                if !self.level2.contains(id) {
                    self.problems.push(RulesError::UnknownIndicator {
                        file: file.to_string(),
                        line,
                        id: id.clone(),
                    });
                }
            }
            context.other_party.push((
                folded(&group.get_ref().cues),
                folded(&group.get_ref().not_cues),
            ));
            context
                .other_party_examples
                .push(crate::rules::matcher::OtherPartyExamples {
                    file: file.to_string(),
                    line,
                    indicators: group
                        .get_ref()
                        .indicators
                        .iter()
                        .map(|i| IndicatorId(i.clone()))
                        .collect(),
                    examples: group.get_ref().examples.clone(),
                    counter_examples: group.get_ref().counter_examples.clone(),
                });
        }
        if v.other_party.len() > 64 {
            self.problem(
                file,
                1,
                "at most 64 [[other_party]] groups; merge some".to_string(),
            );
        }
        self.other_party_indicators = v
            .other_party
            .iter()
            .map(|g| g.get_ref().indicators.clone())
            .collect();
        context.window = v.negation.window;
        let mut skip_ok = Vec::new();
        for p in &v.skip_passages.patterns {
            if self.spanned_regex(file, p, 1).is_some() {
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
                Err(e) => self.problems.push(RulesError::BadRegex {
                    file: file.to_string(),
                    line: 1,
                    pattern: skip_ok.join(" | "),
                    reason: regex_reason(&e),
                }),
            }
        }
        if let Some(t) = &v.document_list.title_only {
            context.title_only = self.spanned_regex(file, t, 1);
        }
        context.list_materials = self.materials(file, &v.document_list.materials, 1);
        for p in &v.other_sense.phrases {
            if let Some(i) = self.term(file, 1, "other_sense", p) {
                context.other_sense.push(i);
            }
        }
        context.other_sense.sort_unstable();
        context.other_sense.dedup();
        context.predicates = v
            .statement
            .predicates
            .iter()
            .map(|p| fold_raw(p))
            .filter(|p| !p.is_empty())
            .collect();
        context.structured_materials = v
            .statement
            .structured_materials
            .iter()
            .filter_map(|m| self.material(file, 1, m))
            .collect();
    }

    // ---- evidence-*.toml ----

    /// Every `[[rule]]`: ids unique and kebab-case, indicator and materials in the catalog,
    /// something to look for, terms interned, the regex compiled.
    fn evidence_rules(&mut self) -> (Vec<CompiledRule>, RuleRegexes) {
        let set = self.set;
        let mut rules = Vec::new();
        let mut regexes = RuleRegexes::default();
        let mut seen = HashMap::new();
        for r in &set.rules {
            let v = &r.value;
            let (file, line) = (r.file.as_str(), r.line);
            let id = v.id.get_ref().clone();
            self.unique(&mut seen, id.clone(), &id, (file, line));
            if !is_kebab_case(&id) {
                self.problem(
                    file,
                    line,
                    format!("rule id `{id}` must be kebab-case: lower-case letters, digits and dashes (e.g. \"complaint-time-limit\")"),
                );
            }
            let indicator = v.indicator.get_ref();
            if !self.level2.contains(indicator) {
                self.problems.push(RulesError::UnknownIndicator {
                    file: file.to_string(),
                    line: self.line_of(file, v.indicator.span(), line),
                    id: indicator.clone(),
                });
            }
            if v.any.is_empty() && v.all.is_empty() && v.regex.is_none() && v.near.is_empty() {
                self.problems.push(RulesError::NoCondition {
                    file: file.to_string(),
                    line,
                    id: id.clone(),
                });
            }
            if !(v.weight.is_finite() && v.weight > 0.0) {
                self.problem(file, line, format!("rule `{id}` needs a weight above 0"));
            }
            let any = self.term_list(file, line, &id, &v.any);
            let mut all = Vec::new();
            for group in &v.all {
                if group.is_empty() {
                    self.problem(
                        file,
                        line,
                        format!("rule `{id}` has an empty group in `all`; remove it or add terms"),
                    );
                }
                all.push(self.term_list(file, line, &id, group));
            }
            let mut near = Vec::new();
            for n in &v.near {
                if n.a.is_empty() || n.b.is_empty() {
                    self.problem(
                        file,
                        line,
                        format!("rule `{id}`: `near` needs terms in both `a` and `b`"),
                    );
                }
                let a = self.term_list(file, line, &id, &n.a);
                let b = self.term_list(file, line, &id, &n.b);
                near.push((a, b, n.within));
            }
            let none = self.term_list(file, line, &id, &v.none);
            let except = self.term_list(file, line, &id, &v.except);
            let mut positive: Vec<u32> = any
                .iter()
                .chain(all.iter().flatten())
                .chain(near.iter().flat_map(|(a, b, _)| a.iter().chain(b.iter())))
                .copied()
                .collect();
            positive.sort_unstable();
            positive.dedup();
            let regex = v.regex.as_ref().and_then(|p| {
                let re = self.spanned_regex(file, p, line)?;
                regexes.patterns.push(p.get_ref().clone());
                regexes.regexes.push(re);
                regexes
                    .owner
                    .push(u32::try_from(rules.len()).unwrap_or(u32::MAX));
                Some(regexes.regexes.len() - 1)
            });
            let in_materials = self.materials(file, &v.in_materials, line);
            let not_in_materials = self.materials(file, &v.not_in_materials, line);
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
                regex_times: v.regex_times.unwrap_or(1).max(1),
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
                other_party: self
                    .other_party_indicators
                    .iter()
                    .enumerate()
                    .filter(|(_, ids)| ids.contains(indicator))
                    .fold(0u64, |mask, (g, _)| mask | (1 << g)),
                ignore_context: v.ignore_context,
                examples: v.examples.clone(),
                counter_examples: v.counter_examples.clone(),
                file: r.file.clone(),
                line,
            });
        }
        (rules, regexes)
    }

    // ---- materials.toml ----

    /// One classifier per catalog material: signals compiled, a threshold above 0.
    fn classifiers(&mut self) -> Vec<CompiledClassifier> {
        let set = self.set;
        let mut classifiers = Vec::new();
        let mut seen = HashMap::new();
        for c in &set.classifiers {
            let v = &c.value;
            let (file, line) = (c.file.as_str(), c.line);
            let id = v.id.get_ref();
            let Some(mid) = self.material(file, line, id) else {
                continue;
            };
            self.unique(&mut seen, id.clone(), id, (file, line));
            if !(v.threshold.is_finite() && v.threshold > 0.0) {
                self.problem(
                    file,
                    line,
                    format!("classifier `{id}` needs a threshold above 0"),
                );
            }
            let filename = self.signals(file, &v.filename, line);
            let folder = self.signals(file, &v.folder, line);
            let title = self.signals(file, &v.title, line);
            let section = v
                .section
                .iter()
                .filter_map(|s| {
                    self.spanned_regex(file, &s.pattern, line)
                        .map(|r| (r, s.weight, s.table))
                })
                .collect();
            let mut content = Vec::new();
            for s in &v.content {
                let pattern = s
                    .pattern
                    .as_ref()
                    .and_then(|p| self.spanned_regex(file, p, line));
                if s.any.is_empty() && s.pattern.is_none() {
                    self.problem(
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
            let mut chart = Vec::new();
            for c in &v.chart {
                let head = self.spanned_regex(file, &c.head, line);
                let unit = self.spanned_regex(file, &c.unit, line);
                if let (Some(head), Some(unit)) = (head, unit) {
                    chart.push(ChartRule {
                        head,
                        unit,
                        min_units: c.min_units as usize,
                        max_chars: c.max_chars as usize,
                        weight: c.weight,
                    });
                }
            }
            let mut statement = Vec::new();
            for st in &v.statement {
                let in_materials = self.materials(file, &st.in_materials, line);
                if let Some(pattern) = self.spanned_regex(file, &st.pattern, line) {
                    statement.push(StatementRule {
                        pattern,
                        weight: st.weight,
                        in_materials,
                    });
                }
            }
            let not_applicable = v
                .not_applicable
                .iter()
                .filter_map(|p| self.spanned_regex(file, p, line))
                .collect();
            classifiers.push(CompiledClassifier {
                id: mid,
                threshold: v.threshold,
                filename,
                folder,
                title,
                section,
                content,
                chart,
                statement,
                not_applicable,
                examples: v.examples.clone(),
                counter_examples: v.counter_examples.clone(),
                file: c.file.clone(),
                line,
            });
        }
        classifiers
    }

    /// `{ pattern, weight }` signals, compiled.
    fn signals(
        &mut self,
        file: &str,
        list: &[PatternSignal],
        fallback: usize,
    ) -> Vec<(Regex, f64)> {
        list.iter()
            .filter_map(|s| {
                self.spanned_regex(file, &s.pattern, fallback)
                    .map(|r| (r, s.weight))
            })
            .collect()
    }

    // ---- fields.toml ----

    /// The field extractors (one label automaton for all); the fields the code reads by name
    /// ([`names::FIELDS_READ`]) must be there with their kinds.
    fn fields(&mut self) -> Option<CompiledFields> {
        let set = self.set;
        for (name, kind, why) in names::FIELDS_READ {
            let found = set.fields.iter().find(|f| f.value.name == *name);
            match found {
                Some(f) if f.value.kind != *kind => self.problem(
                    &f.file,
                    f.line,
                    format!(
                        "field `{name}` must have kind = \"{}\": certsift reads it as such ({why})",
                        kind.as_str()
                    ),
                ),
                Some(_) => {}
                None => {
                    // Point at the field that was most likely renamed: one of the same kind
                    // that the code does not know.
                    let renamed = set.fields.iter().find(|f| {
                        f.value.kind == *kind
                            && !names::FIELDS_READ.iter().any(|(n, ..)| *n == f.value.name)
                    });
                    let (file, line) =
                        renamed.map_or(("fields.toml", 1), |f| (f.file.as_str(), f.line));
                    self.problem(
                        file,
                        line,
                        format!(
                            "no field is named `{name}`: certsift reads it by that name ({why}); \
                             name a [[field]] of kind \"{}\" `{name}`",
                            kind.as_str()
                        ),
                    );
                }
            }
        }
        let field_rules: Vec<FieldRule> = set.fields.iter().map(|f| f.value.clone()).collect();
        match super::fields::compile(&field_rules, &set.stop_labels) {
            Ok(c) => Some(c),
            Err(e) => {
                let message = e.to_string();
                let located = set
                    .fields
                    .iter()
                    .find(|f| message.contains(&format!("`{}`", f.value.name)));
                let (file, line) =
                    located.map_or(("fields.toml", 1), |f| (f.file.as_str(), f.line));
                self.problem(
                    file,
                    line,
                    format!("{message}; see rules/FORMAT.md, fields.toml"),
                );
                None
            }
        }
    }

    /// `[parties]` of `fields.toml`: the holder materials must be catalog materials.
    fn parties(&mut self) -> PartyRules {
        let Some(def) = self.set.parties.as_ref() else {
            return PartyRules::default();
        };
        let (file, line) = (def.file.clone(), def.line);
        let holder_materials = def
            .value
            .holder_materials
            .iter()
            .filter_map(|m| self.material(&file, line, m))
            .collect();
        let product_fields = def.value.product_fields.clone();
        for name in &product_fields {
            if !self.set.fields.iter().any(|f| &f.value.name == name) {
                self.problem(
                    &file,
                    line,
                    format!("[parties] product_fields: no [[field]] is named `{name}`"),
                );
            }
        }
        if def.value.same_company_prefix < 2 {
            self.problem(
                &file,
                line,
                "[parties] same_company_prefix must be at least 2 (one character would make \
                 every two companies of a city one)"
                    .to_string(),
            );
        }
        PartyRules {
            holder_materials,
            other_party_cues: def
                .value
                .other_party_cues
                .iter()
                .map(|c| fold_raw(c))
                .collect(),
            same_company_prefix: def.value.same_company_prefix,
            delegation_cues: def
                .value
                .delegation_cues
                .iter()
                .map(|c| super::fields::values::name_key(c))
                .collect(),
            product_fields,
        }
    }

    // ---- all rules together ----

    /// The automaton of every term and the set of every rule regex.
    fn searchers(&mut self, patterns: &[String]) -> Option<(AhoCorasick, RegexSet)> {
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&self.terms.list);
        let regex_set = RegexSetBuilder::new(patterns)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT.saturating_mul(8))
            .dfa_size_limit(REGEX_SIZE_LIMIT.saturating_mul(8))
            .build();
        match (automaton, regex_set) {
            (Ok(a), Ok(s)) => Some((a, s)),
            (Err(e), _) => {
                self.problem("(all rules)", 1, format!("the terms of all rules together are too many to search at once ({e}); remove unused rules"));
                None
            }
            (_, Err(e)) => {
                self.problem(
                    "(all rules)",
                    1,
                    format!(
                        "the regexes of all rules together are too big ({}); simplify the largest ones",
                        regex_reason(&e)
                    ),
                );
                None
            }
        }
    }
}

/// Lower-case letters, digits and single dashes between words.
fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::set_of;

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
        set_of(&[("catalog.toml", CATALOG), ("evidence-x.toml", evidence)])
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

    /// The built-in rules with one edit in one file, compiled.
    fn defaults_edited(file: &str, from: &str, to: &str) -> (usize, RulesError) {
        let mut sources = crate::rules::embedded_sources();
        let source = sources
            .iter_mut()
            .find(|s| s.name == file)
            .expect("a built-in file");
        assert!(source.text.contains(from), "{from} in {file}");
        source.text = source.text.replacen(from, to, 1);
        // `to` starts with the newline before the edited line.
        let line = crate::rules::load::line_of(&source.text, source.text.find(to).unwrap_or(0)) + 1;
        let err = crate::rules::load::load_sources(sources)
            .and_then(|set| compile(&set))
            .expect_err("the edit is refused");
        (line, err)
    }

    #[test]
    fn an_other_party_counter_example_reached_by_a_cue_fails_rules_check() {
        let mut sources = crate::rules::embedded_sources();
        let context = sources
            .iter_mut()
            .find(|s| s.name == "context.toml")
            .expect("context.toml");
        let from = "counter_examples = [\"客服中心每月开展顾客满意度调查，2025年满意率96%\"]";
        assert!(context.text.contains(from));
        context.text = context.text.replace(
            from,
            "counter_examples = [\"工会每季度开展一次职工满意度调查\"]",
        );
        let rules = crate::rules::load::load_sources(sources)
            .and_then(|set| compile(&set))
            .expect("compiles");
        let err = crate::rules::check_examples(&rules).expect_err("the counter-example fails");
        let text = err.to_string();
        assert!(
            text.starts_with("context.toml:") && text.contains("the counter-example \"工会每季度"),
            "{text}"
        );
    }

    #[test]
    fn a_field_read_with_another_kind_fails() {
        let (_, err) = defaults_edited(
            "fields.toml",
            "\nkind = \"validity_end\"",
            "\nkind = \"date\"",
        );
        let text = err.to_string();
        assert!(
            text.contains("field `license_valid_until` must have kind = \"validity_end\""),
            "{text}"
        );
        assert!(text.starts_with("fields.toml:"), "{text}");
    }

    #[test]
    fn a_misspelt_severity_kind_or_requirement_fails_at_its_line() {
        let edits = [
            ("catalog.toml", "severity = \"error\"", "fatal"),
            ("fields.toml", "kind = \"person\"", "human"),
            ("catalog.toml", "required = \"yes\"", "must"),
        ];
        for (file, line_text, wrong) in edits {
            let (key, _) = line_text.split_once(" = ").unwrap_or_default();
            let from = format!("\n{line_text}");
            let to = format!("\n{key} = \"{wrong}\"");
            let (line, err) = defaults_edited(file, &from, &to);
            let text = err.to_string();
            assert!(text.starts_with(&format!("{file}:{line}: ")), "{text}");
            assert!(text.contains(wrong), "{text}");
        }
    }

    #[test]
    fn a_renamed_flag_fails_both_ways() {
        let (line, err) = defaults_edited(
            "catalog.toml",
            "\ncode = \"license_expired\"",
            "\ncode = \"licence_expired\"",
        );
        let text = err.to_string();
        assert!(
            text.contains(&format!(
                "catalog.toml:{}: flag `licence_expired` is never raised by certsift",
                line - 1
            )),
            "{text}"
        );
        assert!(
            text.contains("catalog.toml:1: the flag `license_expired` is missing"),
            "{text}"
        );
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
