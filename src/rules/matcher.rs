//! Matching evidence rules against one passage: `&CompiledRules × passage → Vec<Hit>`.
//!
//! One pass per passage, cost linear in its length: the folded text ([`super::text::fold`]) goes
//! once through the Aho-Corasick automaton (every occurrence of every term, overlapping) and
//! once through the regex set; only rules that own an occurring term or a matching regex are
//! then evaluated, each against the list of occurrences.
//!
//! Semantics (FORMAT.md, with the points it leaves open decided here):
//! - an occurrence *counts* for a rule unless it lies inside one of the rule's `except` phrases
//!   or, context filters applying, inside an `[other_sense]` phrase or (evidence rules only)
//!   negated;
//! - **negation** (negated or planned): a cue governs its clause — a `before` cue earlier in
//!   the term's clause, or an `after` cue later in it, at most `window` characters away; the
//!   clause ends at `。，；！？` (not at `、`, so a negated list stays negated) and at a
//!   `scope_ends` word (`但`, `然而`), so 「已建立……，但尚未开展」 negates only the second half;
//! - `near`: a counting occurrence of `a` and one of `b` with at most `within` characters
//!   *between* them (0 when they touch or overlap);
//! - `min_hits`: counting occurrences of the rule's terms, overlapping ones counted once
//!   (`投诉` inside `投诉处理` is one hit); a rule with only a regex counts its regex matches;
//! - `none`: no occurrence at all of these terms (filters do not rescue a `none` term);
//! - context filters (a `skip_passages` pattern, a `title_only` passage, a file of a
//!   `document_list` material) stop every rule except those with `ignore_context = true`.
//!
//! All offsets are byte offsets into the folded text (equal to those in `Passage::normalized`).

use super::RulesError;
use super::compile::CompiledRules;
use super::load::{PassageExample, RuleKind};
use super::text::{fold, fold_raw};
use crate::model::MaterialId;
use crate::model::{IndicatorId, RuleId, Strength};
use regex::{Regex, RegexSet};

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
    /// The regex must match this many times at least (1 when not given).
    pub regex_times: u32,
    pub none: Vec<u32>,
    pub except: Vec<u32>,
    /// Every positive term (any ∪ all ∪ near), sorted.
    pub positive: Vec<u32>,
    pub in_materials: Vec<MaterialId>,
    pub not_in_materials: Vec<MaterialId>,
    /// Folded.
    pub under_headings: Vec<String>,
    /// Bit `g` set: `[[other_party]]` group `g` applies to this rule's indicator.
    pub other_party: u64,
    pub ignore_context: bool,
    pub examples: Vec<PassageExample>,
    pub counter_examples: Vec<PassageExample>,
    pub file: String,
    pub line: usize,
}

/// `context.toml`, compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledContext {
    pub negation_before: Vec<String>,
    pub negation_after: Vec<String>,
    /// Words that end a cue's scope inside a clause (但, 然而…), folded.
    pub scope_ends: Vec<String>,
    /// `[negation] not_yet` words (暂, 尚…), folded: right before a term, they make an
    /// exclusion's declaration a "not yet".
    pub not_yet: Vec<String>,
    /// `[negation] continues` words (并, 且…), folded.
    pub continues: Vec<String>,
    /// `[negation] summing` words (都, 均…), folded.
    pub summing: Vec<String>,
    /// `[negation] plans` cues (预计, 拟…), folded: each governs the rest of its sentence.
    pub plans: Vec<String>,
    /// `[negation] realised` words (已, 目前…), folded: a plan's scope ends at one.
    pub realised: Vec<String>,
    /// `[negation] conditional` words (如, 若…), folded.
    pub conditional: Vec<String>,
    /// `[negation] actors` words (我们, 公司…), folded.
    pub actors: Vec<String>,
    /// `[negation] topic_chars`: the longest topic clause (0: off).
    pub topic_chars: usize,
    /// `[negation] closing_tail`: the longest bare verb after a sentence-closing negation (0: off).
    pub closing_tail: usize,
    /// `[[other_party]]` groups: (folded cues, folded not-cues); a rule's
    /// [`CompiledRule::other_party`] says which groups apply to it.
    pub other_party: Vec<(Vec<String>, Vec<String>)>,
    /// Where each `[[other_party]]` group is written and what it must do: (file, line, its
    /// indicators, examples, counter-examples).
    pub other_party_examples: Vec<OtherPartyExamples>,
    /// Every cue and not-cue word above in one automaton (overlapping search), and what each
    /// pattern is: one pass per passage finds them all.
    pub cues: Option<aho_corasick::AhoCorasick>,
    pub cue_kinds: Vec<Vec<CueKind>>,
    /// Words in which a cue is not a cue (folded).
    pub not_cues: Vec<String>,
    pub window: usize,
    pub skip: Option<RegexSet>,
    pub title_only: Option<Regex>,
    pub list_materials: Vec<MaterialId>,
    /// Term indices of the other-sense phrases.
    pub other_sense: Vec<u32>,
    /// `[statement]` predicates, folded; empty: every passage is a statement.
    pub predicates: Vec<String>,
    /// `[statement]` structured materials.
    pub structured_materials: Vec<MaterialId>,
}

impl CompiledContext {
    /// Whether a `not_yet` word (暂, 尚…) stands right before byte `start` of `folded`.
    fn is_not_yet(&self, folded: &str, start: usize) -> bool {
        folded
            .get(..start)
            .is_some_and(|head| self.not_yet.iter().any(|w| head.ends_with(w.as_str())))
    }

    /// Whether a passage states something (see `[statement]` in `context.toml`): sentence
    /// punctuation, a predicate word, a table cell, a row (` | `) or a structured file. Checked for weak
    /// rules only: a strong rule's own conditions already ask for substance.
    ///
    /// A cell or a row is a statement by where it stands, unless it is only a label: at most
    /// [`LABEL_CHARS`] characters besides its separators, no digit, no predicate (「技术支持」,
    /// 「质量保证 | 保修 | √」, the rows of a 自评表 that name the indicators and tick them).
    fn is_statement(&self, folded: &str, pctx: &PassageContext<'_>) -> bool {
        let has_predicate = || self.predicates.iter().any(|p| folded.contains(p.as_str()));
        let is_label = || {
            let plain: String = folded
                .chars()
                .filter(|c| !c.is_whitespace() && !matches!(c, '|' | '√' | '✓' | '✔' | '、'))
                .collect();
            plain.chars().count() <= LABEL_CHARS
                && !plain.chars().any(|c| c.is_ascii_digit())
                && !has_predicate()
        };
        self.predicates.is_empty()
            || pctx
                .materials
                .iter()
                .any(|m| self.structured_materials.contains(m))
            || ((pctx.in_cell || folded.contains('|')) && !is_label())
            || folded.contains(['。', ',', ';', '!', '！', '；', '，'])
            || has_predicate()
    }
}

impl CompiledContext {
    /// Topic and comment (「客户满意度调查，目前还没有做」, 「旧机回收这项业务，本店不做」): the term
    /// stands in a clause that is only a topic (at most `topic_chars` characters, no `[statement]`
    /// predicate, not opened by an actor such as 我们 or 公司) and ends at a comma, and the clause
    /// right after it, unless a `conditional` word (如, 若) opens it, holds a negation or plan cue
    /// (`cues`, sorted; of two characters or more). Only that one clause comments: 「回访，每月一次，未回访的说明原因」 leaves
    /// the topic alone.
    fn commented_negatively(
        &self,
        text: &str,
        start: usize,
        end: usize,
        cues: &[(usize, usize)],
    ) -> bool {
        if self.topic_chars == 0 {
            return false;
        }
        // Every scan is bounded (a topic is short, a comment is one clause), so a passage of a
        // megabyte with no punctuation costs a few characters per occurrence, not its length.
        let reach = self.topic_chars + 1;
        let mut back = text[..start].char_indices().rev().take(reach);
        let clause_start = match back.find(|&(_, c)| is_clause_end(c)) {
            Some((i, c)) => i + c.len_utf8(),
            None if text[..start].chars().take(reach).count() < reach => 0,
            None => return false,
        };
        let Some((comma, _)) = text[end..]
            .char_indices()
            .take(reach)
            .find(|&(_, c)| is_clause_end(c))
            .map(|(i, c)| (end + i, c))
            .filter(|&(_, c)| c == ',')
        else {
            return false;
        };
        let topic = text[clause_start..comma].trim();
        if topic.chars().count() > self.topic_chars
            || self.predicates.iter().any(|p| topic.contains(p.as_str()))
            || self.actors.iter().any(|a| topic.starts_with(a.as_str()))
        {
            return false;
        }
        let from = comma + 1;
        let mut to = from;
        for (i, c) in text[from..].char_indices().take(self.window * 2) {
            if is_clause_end(c) {
                break;
            }
            to = from + i + c.len_utf8();
        }
        let comment = text[from..to].trim_start();
        if self
            .conditional
            .iter()
            .any(|w| comment.starts_with(w.as_str()))
        {
            return false;
        }
        // One-character cues (无, 未) are left out here: away from their own clause they hold
        // too many words that negate nothing (全年无休).
        let first = cues.partition_point(|&(s, _)| s < from);
        cues[first..]
            .iter()
            .take_while(|&&(s, _)| s < to)
            .any(|&(s, e)| e <= to && text[s..e].chars().count() > 1)
    }
}

/// The longest cell or row, besides its separators, that is only a label when it has no digit
/// and no predicate.
const LABEL_CHARS: usize = 12;

/// The examples of one `[[other_party]]` group, for `certsift rules check`.
#[derive(Debug, Clone)]
pub(crate) struct OtherPartyExamples {
    pub file: String,
    pub line: usize,
    pub indicators: Vec<IndicatorId>,
    /// No evidence for any of `indicators`.
    pub examples: Vec<String>,
    /// Evidence for one of `indicators`.
    pub counter_examples: Vec<String>,
}

/// Runs the examples (no evidence for the group's indicators) and counter-examples (evidence
/// for one of them) of every `[[other_party]]` group.
pub(crate) fn check_other_party_examples(rules: &CompiledRules) -> (usize, Vec<RulesError>) {
    let mut count = 0;
    let mut problems = Vec::new();
    for group in &rules.context.other_party_examples {
        let evidence_for = |text: &str| -> bool {
            rules
                .match_text(text, &PassageContext::default())
                .iter()
                .any(|h| {
                    let rule = &rules.rules[h.rule];
                    rule.kind == RuleKind::Evidence && group.indicators.contains(&rule.indicator)
                })
        };
        let cases = group
            .examples
            .iter()
            .map(|t| (t, false))
            .chain(group.counter_examples.iter().map(|t| (t, true)));
        for (text, want_evidence) in cases {
            count += 1;
            if evidence_for(text) != want_evidence {
                let ids: Vec<&str> = group.indicators.iter().map(|i| i.0.as_str()).collect();
                let message = if want_evidence {
                    format!(
                        "[[other_party]] ({}): the counter-example \"{text}\" gives no evidence; a cue reaches too far, or no rule matches it",
                        ids.join(", ")
                    )
                } else {
                    format!(
                        "[[other_party]] ({}): the example \"{text}\" still gives evidence; add the cue that names the other party",
                        ids.join(", ")
                    )
                };
                problems.push(RulesError::Example {
                    file: group.file.clone(),
                    line: group.line,
                    message,
                });
            }
        }
    }
    (count, problems)
}

/// What a pattern of the cue automaton is (a word may be several: a cue of two groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CueKind {
    /// A `[negation] before` cue.
    Before,
    /// A `[negation] after` cue.
    After,
    /// A `[negation] plans` cue.
    Plan,
    /// A `[negation] realised` word.
    Realised,
    /// A `[negation] not_cues` word.
    NotCue,
    /// A cue of `[[other_party]]` group `g`.
    Party(usize),
    /// A not-cue word of `[[other_party]]` group `g`.
    PartyNot(usize),
}

impl CompiledContext {
    /// Builds the cue automaton from the cue lists (after they are set).
    pub(crate) fn build_cues(&mut self) -> Result<(), aho_corasick::BuildError> {
        let mut patterns: Vec<String> = Vec::new();
        let mut kinds: Vec<Vec<CueKind>> = Vec::new();
        let mut add = |word: &str, kind: CueKind| {
            if word.is_empty() {
                return;
            }
            match patterns.iter().position(|p| p == word) {
                Some(i) => kinds[i].push(kind),
                None => {
                    patterns.push(word.to_string());
                    kinds.push(vec![kind]);
                }
            }
        };
        for w in &self.negation_before {
            add(w, CueKind::Before);
        }
        for w in &self.negation_after {
            add(w, CueKind::After);
        }
        for w in &self.plans {
            add(w, CueKind::Plan);
        }
        for w in &self.realised {
            add(w, CueKind::Realised);
        }
        for w in &self.not_cues {
            add(w, CueKind::NotCue);
        }
        for (g, (cues, not_cues)) in self.other_party.iter().enumerate() {
            for w in cues {
                add(w, CueKind::Party(g));
            }
            for w in not_cues {
                add(w, CueKind::PartyNot(g));
            }
        }
        self.cues = if patterns.is_empty() {
            None
        } else {
            Some(
                aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::Standard)
                    .build(&patterns)?,
            )
        };
        self.cue_kinds = kinds;
        Ok(())
    }
}

/// Where a passage sits, as far as rules care: its file's materials and its headings (folded).
#[derive(Debug, Clone, Copy, Default)]
pub struct PassageContext<'a> {
    /// The materials of the passage's file.
    pub materials: &'a [MaterialId],
    /// The passage's headings, each already folded with [`super::text::fold_raw`].
    pub headings: &'a [String],
    /// When false, `in_materials`, `not_in_materials` and `under_headings` are not checked (for
    /// plain-string examples, which FORMAT.md checks "with no material or heading constraint").
    pub constrained: bool,
    /// The passage is a table or sheet cell (a statement by position, see `[statement]`).
    pub in_cell: bool,
}

/// One rule matching one passage.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Index of the rule in [`CompiledRules`].
    pub(crate) rule: usize,
    /// Distinct terms that counted (folded), in order of first occurrence, plus the regex's first
    /// match; for highlighting and ranking.
    pub terms: Vec<String>,
}

impl Hit {
    /// The id of the rule that matched (`rules` must be the set that produced the hit).
    pub fn rule_id<'r>(&self, rules: &'r CompiledRules) -> &'r crate::model::RuleId {
        &rules.rules[self.rule].id
    }
}

#[derive(Debug, Clone, Copy)]
struct Occurrence {
    term: u32,
    start: usize,
    end: usize,
    /// Inside an `[other_sense]` phrase.
    is_other_sense: bool,
    /// A negation cue is near.
    is_negated: bool,
    /// Bit `g` set: a cue of `[[other_party]]` group `g` stands in the occurrence's clause.
    other_party: u64,
}

/// Punctuation that ends the clause a cue governs (in the folded text, where NFKC has made
/// `，；！？` ASCII). `、` does not: 「没有上门维修、配件更换服务」 negates the whole list.
fn is_clause_end(c: char) -> bool {
    matches!(c, '。' | ',' | ';' | '！' | '!' | '？' | '?')
}

/// The clause before `start` that a cue standing in it would govern: back to the clause end or
/// the last `scope_ends` word (但, 然而…), at most `window` characters. A clause that opens with
/// a `continues` word (并, 且) carries on the one before it, which is then in scope too, for at
/// most twice `window` characters more (a plan's cue opens its clause: 「计划自2027年起每季度
/// 编制售后服务质量分析报告，并据此制定改进措施」).
fn window_before<'t>(
    text: &'t str,
    start: usize,
    window: usize,
    scope_ends: &[String],
    continues: &[String],
) -> &'t str {
    let head = &text[..start];
    let mut from = start;
    let mut budget = window;
    let mut extended = false;
    for (i, c) in head.char_indices().rev() {
        if is_clause_end(c) {
            let clause = head[from..].trim_start();
            let carries_on = c == ','
                && !extended
                && continues.iter().any(|w| clause.starts_with(w.as_str()))
                && !scope_ends.iter().any(|w| clause.starts_with(w.as_str()));
            if !carries_on {
                break;
            }
            extended = true;
            budget = window * 2;
            from = i;
            continue;
        }
        if budget == 0 {
            break;
        }
        budget -= 1;
        from = i;
    }
    let scope = &head[from..];
    let cut = scope_ends
        .iter()
        .filter_map(|w| scope.rfind(w.as_str()).map(|i| i + w.len()))
        .max()
        .unwrap_or(0);
    &scope[cut..]
}

/// Byte ranges `(sentence start, cue start)` governed by an `after` cue standing right behind a
/// `summing` word (「……，目前都还没有开展」): the whole sentence before the cue, back to the last
/// sentence end or `scope_ends` word.
fn summed_scopes(
    text: &str,
    after_cues: &[(usize, usize)],
    summing: &[String],
    scope_ends: &[String],
) -> Vec<(usize, usize)> {
    /// How far before the cue the summing word may stand (「都还」, 「均尚」), in bytes.
    const REACH: usize = 3 * 4;
    let mut out = Vec::new();
    for &(cue_start, _) in after_cues {
        let mut near = cue_start.saturating_sub(REACH);
        while !text.is_char_boundary(near) {
            near += 1;
        }
        if !summing
            .iter()
            .any(|w| text[near..cue_start].contains(w.as_str()))
        {
            continue;
        }
        out.push((sentence_scope_start(text, cue_start, scope_ends), cue_start));
    }
    out
}

/// Where a scope that reaches back from `cue_start` over its sentence begins: the sentence's
/// start, or just after the last `scope_ends` word before the cue (「……，但」).
fn sentence_scope_start(text: &str, cue_start: usize, scope_ends: &[String]) -> usize {
    let head = &text[..cue_start];
    let sentence = head
        .char_indices()
        .rev()
        .find(|&(_, c)| is_sentence_end(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    scope_ends
        .iter()
        .filter_map(|w| {
            head[sentence..]
                .rfind(w.as_str())
                .map(|i| sentence + i + w.len())
        })
        .max()
        .unwrap_or(sentence)
}

/// Byte ranges `(sentence start, cue start)` governed by a negation that closes its sentence: a
/// cue of two characters or more followed by at most `tail` characters of a bare verb and the
/// sentence's end (「管理评审……，2025年的因为迁厂推迟，截至申报时还没有开。」, 「至于定期的分析会，
/// 说起来惭愧，2025年一次也没有开过。」). Such a negation has no object of its own, so it says the
/// sentence's topic is not done: the whole sentence before it, back to the last `scope_ends` word.
/// Its own clause must name nothing a rule knows before the cue (no term occurrence of two
/// characters or more: a one-character term is a unit such as 年): in 「已建立客户档案，回访还没有
/// 做。」 the negation is of 回访 alone, in 「……，目前没有投诉。」 of 投诉.
fn closing_scopes<'c>(
    text: &str,
    cues: impl Iterator<Item = &'c (usize, usize)>,
    occ: &[Occurrence],
    scope_ends: &[String],
    tail: usize,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if tail == 0 {
        return out;
    }
    for &(cue_start, cue_end) in cues {
        if text[cue_start..cue_end].chars().count() < 2 {
            continue;
        }
        // The tail: a few characters, none of them punctuation, then the sentence's end.
        let verb: String = text[cue_end..]
            .chars()
            .take_while(|&c| !is_clause_end(c))
            .take(tail + 1)
            .collect();
        let closes = !verb.is_empty()
            && verb.chars().count() <= tail
            && text[cue_end + verb.len()..]
                .chars()
                .next()
                .is_none_or(is_sentence_end);
        if !closes {
            continue;
        }
        let head = &text[..cue_start];
        let clause = head
            .char_indices()
            .rev()
            .find(|&(_, c)| is_clause_end(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        // Only what stands before the cue is a topic of its own: the bare verb after it
        // (「还没有采用」) is what is negated, whatever rule knows the word.
        if occ.iter().any(|o| {
            clause <= o.start && o.end <= cue_start && text[o.start..o.end].chars().nth(1).is_some()
        }) {
            continue;
        }
        out.push((sentence_scope_start(text, cue_start, scope_ends), cue_start));
    }
    out
}

/// Whether `start..end` lies inside a title in 《》: the nearest title mark before it opens one
/// (or there is none, for a line that starts inside a title), and the nearest after it closes.
fn inside_book_title(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start]
        .rfind(['《', '》'])
        .map(|i| text[i..].starts_with('《'));
    let after = text[end..]
        .find(['《', '》'])
        .map(|i| text[end + i..].starts_with('》'));
    before != Some(false) && after == Some(true)
}

/// Punctuation that ends a sentence (folded text): a plan or a summing negation reaches back or
/// forward to one.
fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '!' | '？' | '?')
}

/// Byte ranges `(cue start, scope end)` governed by a `plans` cue: the rest of its sentence,
/// commas included, up to the first `realised` word (已, 目前: what is done already is not
/// planned) or `scope_ends` word, at most `reach` characters. 「预计2027年建成配件中心库，保障配件
/// 供应」 plans the supply as well as the store; 「拟增设两个网点，目前已有网点5个」 does not plan
/// the five.
fn planned_scopes(
    text: &str,
    plan_cues: &[(usize, usize)],
    realised: &[(usize, usize)],
    scope_ends: &[String],
    reach: usize,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for &(cue_start, cue_end) in plan_cues {
        let tail = &text[cue_end..];
        let mut to = cue_end;
        for (i, c) in tail.char_indices().take(reach) {
            if matches!(c, '。' | '！' | '!' | '？' | '?' | ';') {
                break;
            }
            to = cue_end + i + c.len_utf8();
        }
        let scope = &text[cue_end..to];
        let ends_at_word = scope_ends
            .iter()
            .filter_map(|w| scope.find(w.as_str()).map(|i| cue_end + i));
        let ends_at_realised = realised
            .iter()
            .filter(|&&(s, _)| cue_end <= s && s < to)
            .map(|&(s, _)| s);
        let end = ends_at_word.chain(ends_at_realised).min().unwrap_or(to);
        out.push((cue_start, end));
    }
    out
}

/// The clause after `end` that a cue standing in it would govern: up to the clause end or the
/// first `scope_ends` word, at most `window` characters.
fn window_after<'t>(text: &'t str, end: usize, window: usize, scope_ends: &[String]) -> &'t str {
    let tail = &text[end..];
    let mut to = 0;
    for (i, c) in tail.char_indices().take(window) {
        if is_clause_end(c) {
            break;
        }
        to = i + c.len_utf8();
    }
    let scope = &tail[..to];
    let cut = scope_ends
        .iter()
        .filter_map(|w| scope.find(w.as_str()))
        .min()
        .unwrap_or(scope.len());
    &scope[..cut]
}

impl CompiledRules {
    fn occurrences(&self, folded: &str) -> Vec<Occurrence> {
        let mut occ: Vec<Occurrence> = self
            .automaton
            .find_overlapping_iter(folded)
            .map(|m| Occurrence {
                term: m.pattern().as_u32(),
                start: m.start(),
                end: m.end(),
                is_other_sense: false,
                is_negated: false,
                other_party: 0,
            })
            .collect();
        occ.sort_by_key(|o| (o.start, std::cmp::Reverse(o.end)));
        let ctx = &self.context;
        let other: Vec<(usize, usize)> = occ
            .iter()
            .filter(|o| ctx.other_sense.binary_search(&o.term).is_ok())
            .map(|o| (o.start, o.end))
            .collect();
        // Every cue of the passage in one pass of the cue automaton, then per kind: spans sorted
        // by start, outside the words that merely hold a cue (接待, 无理由, 培训计划), so that an
        // occurrence asks only whether one lies inside its clause.
        let groups = ctx.other_party.len();
        let mut before_cues = Vec::new();
        let mut after_cues = Vec::new();
        let mut plan_cues = Vec::new();
        let mut realised_spans = Vec::new();
        let mut not_cue_spans = Vec::new();
        let mut party_cues: Vec<Vec<(usize, usize)>> = vec![Vec::new(); groups];
        let mut party_not: Vec<Vec<(usize, usize)>> = vec![Vec::new(); groups];
        if let Some(cues) = &ctx.cues {
            for m in cues.find_overlapping_iter(folded) {
                let span = (m.start(), m.end());
                for kind in &ctx.cue_kinds[m.pattern().as_usize()] {
                    match *kind {
                        CueKind::Before => before_cues.push(span),
                        CueKind::After => after_cues.push(span),
                        CueKind::Plan => plan_cues.push(span),
                        CueKind::Realised => realised_spans.push(span),
                        CueKind::NotCue => not_cue_spans.push(span),
                        CueKind::Party(g) => party_cues[g].push(span),
                        CueKind::PartyNot(g) => party_not[g].push(span),
                    }
                }
            }
        }
        let keep = |spans: &mut Vec<(usize, usize)>, inside: &[(usize, usize)]| {
            spans.retain(|&(s, e)| !inside.iter().any(|&(ws, we)| ws <= s && e <= we));
            spans.sort_unstable();
        };
        keep(&mut before_cues, &not_cue_spans);
        keep(&mut after_cues, &not_cue_spans);
        keep(&mut plan_cues, &not_cue_spans);
        keep(&mut realised_spans, &not_cue_spans);
        for (spans, inside) in party_cues.iter_mut().zip(&party_not) {
            keep(spans, inside);
        }
        let has_cue = |window: &str, offset: usize, spans: &[(usize, usize)]| {
            let end = offset + window.len();
            let first = spans.partition_point(|&(s, _)| s < offset);
            spans[first..]
                .iter()
                .take_while(|&&(s, _)| s < end)
                .any(|&(_, e)| e <= end)
        };
        let summed = summed_scopes(folded, &after_cues, &ctx.summing, &ctx.scope_ends);
        // A cue both before and after gives its scope twice: harmless, and rarer than the
        // allocation a deduplicated list would cost every passage.
        let closing = closing_scopes(
            folded,
            before_cues.iter().chain(&after_cues),
            &occ,
            &ctx.scope_ends,
            ctx.closing_tail,
        );
        let mut comment_cues: Vec<(usize, usize)> = before_cues
            .iter()
            .chain(&after_cues)
            .chain(&plan_cues)
            .copied()
            .collect();
        comment_cues.sort_unstable();
        let planned = planned_scopes(
            folded,
            &plan_cues,
            &realised_spans,
            &ctx.scope_ends,
            ctx.window * 4,
        );
        let any_party_cue = party_cues.iter().any(|spans| !spans.is_empty());
        for o in &mut occ {
            o.is_other_sense = other
                .iter()
                .any(|&(s, e)| s <= o.start && o.end <= e && (s, e) != (o.start, o.end));
            let before =
                window_before(folded, o.start, ctx.window, &ctx.scope_ends, &ctx.continues);
            let after = window_after(folded, o.end, ctx.window, &ctx.scope_ends);
            o.is_negated = has_cue(before, o.start - before.len(), &before_cues)
                || has_cue(after, o.end, &after_cues)
                || summed.iter().any(|&(s, e)| s <= o.start && o.end <= e)
                || closing.iter().any(|&(s, e)| s <= o.start && o.end <= e)
                || planned.iter().any(|&(s, e)| s <= o.start && o.end <= e)
                || ctx.commented_negatively(folded, o.start, o.end, &comment_cues);
            if !any_party_cue {
                continue;
            }
            // A party cue may hold the term itself (「员工满意」 over 「满意度」): the whole clause
            // around the term counts, the term included. The actor opens a long clause
            // (「常州市市场监督管理局每年对本公司开展医疗器械生产监督检查」): the party's reach is
            // three cue windows, to the clause's ends.
            let party_before = window_before(
                folded,
                o.start,
                ctx.window * 3,
                &ctx.scope_ends,
                &ctx.continues,
            );
            let party_after = window_after(folded, o.end, ctx.window * 3, &ctx.scope_ends);
            let clause_start = o.start - party_before.len();
            let clause = &folded[clause_start..o.end + party_after.len()];
            for (g, spans) in party_cues.iter().enumerate() {
                if has_cue(clause, clause_start, spans) {
                    o.other_party |= 1 << g;
                }
            }
        }
        occ
    }

    /// Whether `folded` is a passage that `[skip_passages]` leaves out (a placeholder, a blank, a
    /// licence's business scope).
    pub(crate) fn is_skipped_passage(&self, folded: &str) -> bool {
        self.context
            .skip
            .as_ref()
            .is_some_and(|s| s.is_match(folded))
    }

    /// True when the context filters stop this passage (for rules that do not ignore context).
    ///
    /// In a file of a list material (a 文件清单), the list's lines and cells never count; a
    /// paragraph of prose does: a 售后服务管理手册 whose appendix lists the system's documents is
    /// also read as the manual it is.
    fn is_context_blocked(&self, folded: &str, materials: &[MaterialId], in_cell: bool) -> bool {
        let ctx = &self.context;
        let is_prose = || !in_cell && folded.contains(['。', '！']) && folded.chars().count() >= 15;
        ctx.skip.as_ref().is_some_and(|s| s.is_match(folded))
            || ctx.title_only.as_ref().is_some_and(|r| r.is_match(folded))
            || (materials.iter().any(|m| ctx.list_materials.contains(m)) && !is_prose())
    }

    /// Every rule that matches a passage. `folded` is the passage's matching form folded with
    /// [`super::text::fold`]. Hits come in rule order.
    pub fn match_folded(&self, folded: &str, pctx: &PassageContext<'_>) -> Vec<Hit> {
        if folded.is_empty() {
            return Vec::new();
        }
        let occ = self.occurrences(folded);
        let regex_matches = self.regex_set.matches(folded);
        let mut candidates: Vec<u32> = occ
            .iter()
            .flat_map(|o| self.term_rules[o.term as usize].iter().copied())
            .chain(regex_matches.iter().map(|i| self.regex_rule[i]))
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        if candidates.is_empty() {
            return Vec::new();
        }
        let blocked = self.is_context_blocked(folded, pctx.materials, pctx.in_cell);
        let mut hits = Vec::new();
        for ri in candidates {
            let ri = ri as usize;
            let rule = &self.rules[ri];
            if blocked && !rule.ignore_context {
                continue;
            }
            if rule.regex.is_some_and(|ix| {
                !regex_matches.matched(ix)
                    || (rule.regex_times > 1
                        && self.regexes[ix]
                            .find_iter(folded)
                            .nth(rule.regex_times as usize - 1)
                            .is_none())
            }) {
                continue;
            }
            if let Some(terms) = self.evaluate(rule, folded, &occ, pctx) {
                hits.push(Hit { rule: ri, terms });
            }
        }
        hits
    }

    /// Matches a passage given as found (`text`), folding it first; for examples and tests.
    pub fn match_text(&self, text: &str, pctx: &PassageContext<'_>) -> Vec<Hit> {
        self.match_folded(&fold_raw(text), pctx)
    }

    fn evaluate(
        &self,
        rule: &CompiledRule,
        folded: &str,
        occ: &[Occurrence],
        pctx: &PassageContext<'_>,
    ) -> Option<Vec<String>> {
        if pctx.constrained {
            if !rule.in_materials.is_empty()
                && !pctx.materials.iter().any(|m| rule.in_materials.contains(m))
            {
                return None;
            }
            if pctx
                .materials
                .iter()
                .any(|m| rule.not_in_materials.contains(m))
            {
                return None;
            }
            if !rule.under_headings.is_empty()
                && !rule.under_headings.iter().any(|u| {
                    folded.contains(u.as_str())
                        || pctx.headings.iter().any(|h| h.contains(u.as_str()))
                })
            {
                return None;
            }
        }
        if occ.iter().any(|o| rule.none.binary_search(&o.term).is_ok()) {
            return None;
        }
        let excepts: Vec<(usize, usize)> = occ
            .iter()
            .filter(|o| rule.except.binary_search(&o.term).is_ok())
            .map(|o| (o.start, o.end))
            .collect();
        let counts = |o: &Occurrence| -> bool {
            if excepts
                .iter()
                .any(|&(s, e)| s <= o.start && o.end <= e && (s, e) != (o.start, o.end))
            {
                return false;
            }
            if !rule.ignore_context {
                if o.is_other_sense {
                    return false;
                }
                if rule.kind == RuleKind::Evidence && o.other_party & rule.other_party != 0 {
                    return false;
                }
                if rule.kind == RuleKind::Evidence && o.is_negated {
                    return false;
                }
                // 「暂不开展废旧商品回收」 says it is not done yet, not that it does not apply.
                // Asked only of exclusion rules' terms, off the path every evidence term takes.
                if rule.kind == RuleKind::Exclusion && self.context.is_not_yet(folded, o.start) {
                    return false;
                }
                // A law's title declares nothing: in 「依照《报废机动车回收管理办法》……，申请删减」
                // the declaration is the applicant's sentence, not the 回收 of the title.
                if rule.kind == RuleKind::Exclusion && inside_book_title(folded, o.start, o.end) {
                    return false;
                }
            }
            true
        };
        let counting: Vec<&Occurrence> = occ
            .iter()
            .filter(|o| rule.positive.binary_search(&o.term).is_ok() && counts(o))
            .collect();
        let has = |set: &[u32]| counting.iter().any(|o| set.binary_search(&o.term).is_ok());
        if !rule.any.is_empty() && !has(&rule.any) {
            return None;
        }
        if !rule.all.iter().all(|g| has(g)) {
            return None;
        }
        for (a, b, within) in &rule.near {
            let found = counting
                .iter()
                .filter(|o| a.binary_search(&o.term).is_ok())
                .any(|x| {
                    counting
                        .iter()
                        .filter(|o| b.binary_search(&o.term).is_ok())
                        .any(|y| gap_chars(folded, x, y) <= *within)
                });
            if !found {
                return None;
            }
        }
        let regex_match = rule.regex.and_then(|ix| self.regexes[ix].find(folded));
        if let Some(min) = rule.min_hits {
            let hits = if rule.positive.is_empty() {
                rule.regex
                    .map_or(0, |ix| self.regexes[ix].find_iter(folded).count())
            } else {
                let mut n = 0usize;
                let mut last_end = 0usize;
                for o in &counting {
                    if n == 0 || o.start >= last_end {
                        n += 1;
                        last_end = o.end;
                    } else {
                        last_end = last_end.max(o.end);
                    }
                }
                n
            };
            if hits < min as usize {
                return None;
            }
        }
        if rule.strength == Strength::Weak && !self.context.is_statement(folded, pctx) {
            return None;
        }
        let mut terms: Vec<String> = Vec::new();
        for o in &counting {
            let t = &self.terms[o.term as usize];
            if !terms.contains(t) {
                terms.push(t.clone());
            }
        }
        if let Some(m) = regex_match {
            let t = m.as_str().to_string();
            if !t.is_empty() && !terms.contains(&t) {
                terms.push(t);
            }
        }
        Some(terms)
    }
}

/// Characters strictly between two occurrences; 0 when they touch or overlap.
fn gap_chars(text: &str, x: &Occurrence, y: &Occurrence) -> usize {
    let (first_end, second_start) = if x.start <= y.start {
        (x.end, y.start)
    } else {
        (y.end, x.start)
    };
    if second_start <= first_end {
        0
    } else {
        text.get(first_end..second_start)
            .map_or(usize::MAX, |s| s.chars().count())
    }
}

/// Runs every example (must match) and counter-example (must not) of every rule. Plain-string
/// examples are checked with no material or heading constraint; table examples with the
/// headings and material they give. Context filters apply as in a real run.
pub(crate) fn check_rule_examples(rules: &CompiledRules) -> (usize, Vec<RulesError>) {
    let mut count = 0;
    let mut problems = Vec::new();
    for (ri, rule) in rules.rules.iter().enumerate() {
        let cases = rule
            .examples
            .iter()
            .map(|e| (e, true))
            .chain(rule.counter_examples.iter().map(|e| (e, false)));
        for (example, should_match) in cases {
            count += 1;
            let (headings, materials, constrained) = match example {
                PassageExample::Text(_) => (Vec::new(), Vec::new(), false),
                PassageExample::Full(f) => (
                    f.headings.iter().map(|h| fold_raw(h)).collect(),
                    f.material.iter().map(|m| MaterialId(m.clone())).collect(),
                    true,
                ),
            };
            let pctx = PassageContext {
                materials: &materials,
                headings: &headings,
                constrained,
                in_cell: false,
            };
            let folded = fold(&crate::normalize::for_matching(example.text()));
            let matched = rules
                .match_folded(&folded, &pctx)
                .iter()
                .any(|h| h.rule == ri);
            if matched != should_match {
                let message = if should_match {
                    format!(
                        "rule `{}`: the example \"{}\" does not match; widen the rule or fix the example",
                        rule.id,
                        example.text()
                    )
                } else {
                    format!(
                        "rule `{}`: the counter-example \"{}\" matches; narrow the rule (none, except, near) or fix the counter-example",
                        rule.id,
                        example.text()
                    )
                };
                problems.push(RulesError::Example {
                    file: rule.file.clone(),
                    line: rule.line,
                    message,
                });
            }
        }
    }
    (count, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = "[[indicator]]\nid = \"5.3\"\nlevel = 1\nname = \"g\"\n\n[[indicator]]\nid = \"5.3.2\"\nlevel = 2\nname = \"投诉处理\"\n\n[[material]]\nid = \"laws_standards_list\"\nname = \"l\"\nrequired = \"yes\"\n";
    const CONTEXT: &str = "[negation]\nbefore = [\"尚未\", \"未\", \"计划\"]\nafter = [\"暂未\"]\nwindow = 8\n[skip_passages]\npatterns = ['经营范围']\n[document_list]\ntitle_only = '^《[^》]+》$'\nmaterials = [\"laws_standards_list\"]\n[other_sense]\nphrases = [\"货款回收\"]\n";

    fn rules(evidence: &str) -> CompiledRules {
        rules_with_context(CONTEXT, evidence)
    }

    fn rules_with_context(context: &str, evidence: &str) -> CompiledRules {
        crate::rules::testing::compile_files(&[
            ("catalog.toml", CATALOG),
            ("context.toml", context),
            ("evidence-x.toml", evidence),
        ])
        .expect("compiles")
    }

    fn matches(c: &CompiledRules, text: &str) -> bool {
        !c.match_text(text, &PassageContext::default()).is_empty()
    }

    #[test]
    fn overlapping_terms_each_count() {
        let c = rules(
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"投诉\"]\n\n[[rule]]\nid = \"b\"\nindicator = \"5.3.2\"\nany = [\"投诉处理\"]\n",
        );
        let hits = c.match_text("建立投诉处理流程", &PassageContext::default());
        assert_eq!(hits.len(), 2);
    }

    #[test]
    fn negation_window_stops_at_clause_end() {
        let c = rules("[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"投诉台账\"]\n");
        assert!(!matches(&c, "公司尚未建立投诉台账"));
        assert!(matches(&c, "尚未完成。投诉台账已建立"));
        assert!(!matches(&c, "投诉台账暂未建立"));
        // 11 characters away: outside the window of 8.
        assert!(matches(&c, "未经同意不得删改的记录包括投诉台账"));
    }

    #[test]
    fn words_that_contain_a_cue_do_not_negate() {
        let context = CONTEXT.replace("window = 8", "window = 8\nnot_cues = [\"未来\"]");
        let c = rules_with_context(
            &context,
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"投诉台账\"]\n",
        );
        assert!(matches(&c, "未来三年投诉台账"));
        assert!(!matches(&c, "未建立投诉台账"));
    }

    /// A clause opened by a `continues` word carries on the plan of the one before it; one
    /// opened otherwise, or by a `scope_ends` word, does not.
    #[test]
    fn a_clause_that_carries_on_the_one_before_is_in_its_scope() {
        let context = CONTEXT.replace(
            "window = 8",
            "window = 8\nscope_ends = [\"并且\"]\ncontinues = [\"并\"]",
        );
        let c = rules_with_context(
            &context,
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"改进措施\"]\n",
        );
        assert!(!matches(&c, "计划明年编制分析报告，并据此制定改进措施"));
        assert!(matches(&c, "计划明年编制分析报告，每季度制定改进措施"));
        assert!(matches(&c, "计划明年编制分析报告，并且已制定改进措施"));
        assert!(matches(&c, "已编制分析报告，并据此制定改进措施"));
    }

    /// An `after` cue behind a `summing` word governs the whole sentence listed before it,
    /// commas included, back to a sentence end.
    #[test]
    fn a_summing_negation_governs_the_whole_sentence_before_it() {
        let context = CONTEXT.replace(
            "after = [\"暂未\"]",
            "after = [\"暂未\", \"还没有\"]\nsumming = [\"都\"]",
        );
        let c = rules_with_context(
            &context,
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"管理师\"]\n",
        );
        assert!(!matches(
            &c,
            "售后服务管理师的培训和取证工作，以及工程师的等级认定，目前都还没有开展。"
        ));
        assert!(matches(
            &c,
            "售后服务管理师的培训和取证工作，以及工程师的等级认定，目前还没有开展。"
        ));
        assert!(matches(&c, "已有管理师3名。其他培训，目前都还没有开展。"));
    }

    /// `regex_times`: two dates in a ledger row (received, closed), not one.
    #[test]
    fn a_regex_may_have_to_match_more_than_once() {
        let c = rules(
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nregex = '20\\d{2}-\\d{2}-\\d{2}'\nregex_times = 2\n",
        );
        assert!(matches(&c, "2026-02-03 | 鼓包 | 更换新胎 | 2026-02-05"));
        assert!(!matches(&c, "2026-02-03 | 鼓包 | 待处理"));
    }

    /// A negation that closes its sentence with a bare verb governs the whole sentence, unless
    /// its own clause names something the rules know, or the verb is longer than `closing_tail`.
    #[test]
    fn a_negation_closing_its_sentence_governs_the_sentence() {
        let context = CONTEXT
            .replace("\"计划\"]", "\"计划\", \"没有\", \"无\"]")
            .replace(
                "after = [\"暂未\"]",
                "after = [\"暂未\", \"还没有\"]\nclosing_tail = 3\nscope_ends = [\"但\"]",
            );
        let c = rules_with_context(
            &context,
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"管理评审\", \"回访\"]\n\
             [[rule]]\nid = \"b\"\nindicator = \"5.3.2\"\n\
             near = [{ a = [\"质保\"], b = [\"年\", \"采用\"], within = 5 }]\n",
        );
        let not = |t: &str| assert!(!matches(&c, t), "{t}");
        let yes = |t: &str| assert!(matches(&c, t), "{t}");
        not("管理评审按计划应在每年12月进行，2025年的因为迁厂推迟，截至申报时还没有开。");
        // Another rule's one-character unit (年) in the negation's clause is not a topic.
        not("至于管理评审，说起来惭愧，2025年一次也没有开过");
        // Nor is a word of another rule that is the negated verb itself (采用).
        not("管理评审的做法讨论过，考虑到费用较高，公司目前还没有采用。");
        // The negation's own clause has its topic (回访): the sentence's first half stands.
        yes("管理评审每年一次，回访还没有做。");
        // Something done after 但 is outside the scope that reaches back.
        yes("管理评审2025年12月已开，但纪要没有存档。");
        // A negation with an object of more than three characters is of its clause only.
        yes("管理评审每年12月进行，其他会议没有固定的时间安排。");
        // One-character cues (无) close nothing: 全年无休 says the service never stops.
        yes("管理评审后热线延长服务时间，全年无休。");
    }

    /// A `plans` cue governs the rest of its sentence, commas included, until a `realised`
    /// word says what is done already; the sentence before the cue is not planned.
    #[test]
    fn a_plan_governs_the_rest_of_its_sentence_until_something_is_done_already() {
        let context = CONTEXT.replace(
            "after = [\"暂未\"]",
            "after = [\"暂未\"]\nplans = [\"预计\"]\nrealised = [\"目前\"]",
        );
        let c = rules_with_context(
            &context,
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"配件供应\"]\n",
        );
        assert!(!matches(
            &c,
            "预计2027年建成配件中心库，保障华东地区的配件供应。"
        ));
        assert!(matches(&c, "预计2027年建成配件中心库。现保障配件供应。"));
        assert!(matches(&c, "预计明年增设仓库，目前已保障配件供应。"));
        assert!(matches(&c, "公司保障配件供应，预计明年增设仓库。"));
    }

    /// A topic clause is governed by a negation in the one clause right after it, unless that
    /// clause is a condition or the topic clause is a statement of its own.
    #[test]
    fn a_topic_is_negated_by_the_clause_that_comments_on_it() {
        let context = CONTEXT.replace(
            "after = [\"暂未\"]",
            "after = [\"暂未\", \"不做\"]\ntopic_chars = 16\nactors = [\"我们\"]\nconditional = [\"如\"]",
        );
        let c = rules_with_context(
            &context,
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"回访\"]\n",
        );
        assert!(!matches(&c, "电话回访这项工作，门店目前不做。"));
        assert!(!matches(&c, "满意度回访，说实话尚未形成做法。"));
        assert!(matches(&c, "回访电话0532-1234，如未接通请留言。"));
        assert!(matches(&c, "我们电话回访每位顾客，暂未发现问题。"));
        assert!(matches(&c, "电话回访，每月一次，未回访的说明原因。"));
    }

    /// A cue governs its clause: however far in it, up to its end (。，；), or to a
    /// `scope_ends` word; a list joined by 、 stays governed.
    #[test]
    fn a_cue_governs_its_clause_and_no_further() {
        let context = CONTEXT
            .replace("window = 8", "window = 20\nscope_ends = [\"但\"]")
            .replace("before = [\"尚未\"", "before = [\"没有\", \"尚未\"");
        let c = rules_with_context(
            &context,
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"投诉热线\"]\n",
        );
        assert!(!matches(
            &c,
            "本公司尚未与任何第三方机构签订关于投诉热线的协议"
        ));
        assert!(!matches(&c, "没有维修热线、投诉热线"));
        assert!(matches(&c, "尚未开展分析，投诉热线已开通"));
        assert!(matches(&c, "虽尚未开展分析但投诉热线已开通"));
        assert!(matches(&c, "已开通投诉热线，但尚未开展分析"));
    }

    /// An `[[other_party]]` cue in the clause stops the hit for its indicators only.
    #[test]
    fn another_partys_activity_is_not_evidence_for_the_listed_indicators() {
        let context = format!(
            "{CONTEXT}\n[[other_party]]\nindicators = [\"5.3.2\"]\ncues = [\"职工\"]\nnot_cues = [\"职工服务站\"]\n"
        );
        let c = rules_with_context(
            &context,
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"意见箱\"]\n",
        );
        assert!(!matches(&c, "工会为职工设立意见箱"));
        assert!(matches(&c, "门店设立顾客意见箱，职工另有渠道"));
        assert!(matches(&c, "职工服务站旁设立顾客意见箱"));
    }

    /// 「暂不开展」 is "not yet", a missing indicator; 「不开展」 and 「不涉及」 declare it does not
    /// apply. Evidence rules are not affected by `not_yet`.
    #[test]
    fn a_not_yet_word_turns_a_declaration_into_a_plain_negation() {
        let context = CONTEXT.replace("window = 8", "window = 8\nnot_yet = [\"暂\", \"尚\"]");
        let c = rules_with_context(
            &context,
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nkind = \"exclusion\"\nnear = [{ a = [\"回收\"], b = [\"不开展\", \"不涉及\"], within = 10 }]\n",
        );
        assert!(matches(&c, "本公司不开展废旧商品回收"));
        assert!(matches(&c, "废旧商品回收：不涉及"));
        assert!(!matches(&c, "本公司暂不开展废旧商品回收"));
        assert!(!matches(&c, "废旧商品回收尚不涉及"));
        let evidence = rules_with_context(
            &context,
            "[[rule]]\nid = \"b\"\nindicator = \"5.3.2\"\nany = [\"回收\"]\n",
        );
        assert!(matches(&evidence, "暂存区回收废旧电池"));
    }

    #[test]
    fn exclusions_ignore_negation_but_not_other_filters() {
        let c = rules(
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nkind = \"exclusion\"\nany = [\"不适用\"]\n",
        );
        assert!(matches(&c, "废弃商品回收不适用"));
        assert!(!matches(&c, "经营范围：不适用"));
        let list = [MaterialId("laws_standards_list".into())];
        let pctx = PassageContext {
            materials: &list,
            headings: &[],
            constrained: true,
            in_cell: false,
        };
        assert!(c.match_text("废弃商品回收不适用", &pctx).is_empty());
    }

    /// A cell or a row that is only a label (short, no digit, no predicate) states nothing for a
    /// weak rule: the ticked rows of a self-evaluation table.
    #[test]
    fn a_label_cell_or_a_ticked_row_is_no_statement() {
        let context = format!("{CONTEXT}[statement]\npredicates = [\"提供\"]\n");
        let c = rules_with_context(
            &context,
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nstrength = \"weak\"\nany = [\"技术支持\"]\n",
        );
        let cell = PassageContext {
            in_cell: true,
            ..PassageContext::default()
        };
        assert!(c.match_text("技术支持", &cell).is_empty());
        assert!(!matches(&c, "技术支持 | 远程指导 | √"));
        assert!(matches(&c, "2026-03-01 | 技术支持培训 | √"));
        assert!(!c.match_text("客服中心为用户提供技术支持", &cell).is_empty());
    }

    /// In a list file the list's lines and cells never count, a paragraph of prose does (a
    /// manual with a document list in its appendix).
    #[test]
    fn a_list_files_prose_counts_and_its_lines_do_not() {
        let c = rules("[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"投诉\"]\n");
        let list = [MaterialId("laws_standards_list".into())];
        let pctx = |in_cell| PassageContext {
            materials: &list,
            headings: &[],
            constrained: true,
            in_cell,
        };
        assert!(
            c.match_text("3 顾客投诉处理规定 A/0", &pctx(false))
                .is_empty()
        );
        let prose = "顾客投诉由客服中心受理，当日登记并转交相关部门。";
        assert!(c.match_text(prose, &pctx(true)).is_empty());
        assert!(!c.match_text(prose, &pctx(false)).is_empty());
    }

    #[test]
    fn near_all_none_except_min_hits() {
        let c = rules(
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nnear = [{ a = [\"投诉\"], b = [\"小时内\"], within = 4 }]\nnone = [\"样本\"]\n\n[[rule]]\nid = \"b\"\nindicator = \"5.3.2\"\nall = [[\"回收\"], [\"旧机\", \"废旧\"]]\nexcept = [\"回收站\"]\n\n[[rule]]\nid = \"c\"\nindicator = \"5.3.2\"\nany = [\"投诉\", \"投诉处理\"]\nmin_hits = 2\n",
        );
        let ids = |t: &str| -> Vec<String> {
            c.match_text(t, &PassageContext::default())
                .iter()
                .map(|h| h.rule_id(&c).0.clone())
                .collect()
        };
        assert_eq!(ids("投诉24小时内响应"), vec!["a"]);
        assert!(ids("投诉后请在二十四个小时内").is_empty());
        assert!(ids("投诉24小时内响应（样本）").is_empty());
        assert_eq!(ids("废旧家电回收"), vec!["b"]);
        assert!(ids("废旧文件放回收站").is_empty());
        assert!(ids("货款回收与废旧物资").is_empty(), "other sense");
        assert!(ids("投诉处理").is_empty(), "one hit, overlapping terms");
        assert_eq!(ids("投诉处理及投诉回复"), vec!["c"]);
    }

    #[test]
    fn regex_only_rules_and_terms_reported() {
        let c = rules(
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nregex = '投诉(处理|解决)率[^\\d%]{0,8}\\d+(\\.\\d+)?%'\n",
        );
        let hits = c.match_text("投诉处理率达到 98.5%", &PassageContext::default());
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].terms, vec!["投诉处理率达到 98.5%".to_string()]);
        assert!(!matches(&c, "《投诉处理率98%》"));
    }

    #[test]
    fn headings_and_materials_constrain() {
        let c = rules(
            "[[rule]]\nid = \"a\"\nindicator = \"5.3.2\"\nany = [\"时限\"]\nunder_headings = [\"投诉\"]\n",
        );
        let heads = vec![fold_raw("第五章 投訴處理")];
        let yes = PassageContext {
            materials: &[],
            headings: &heads,
            constrained: true,
            in_cell: false,
        };
        let no = PassageContext {
            materials: &[],
            headings: &[],
            constrained: true,
            in_cell: false,
        };
        assert_eq!(c.match_text("处理时限为3天", &yes).len(), 1);
        assert!(c.match_text("处理时限为3天", &no).is_empty());
    }
}
