//! Compiling field rules and running them over a bundle.

use super::dates::{continues_a_period, find_dates, period};
use super::values::{certificate_number, company, money, normalize_money, person};
use super::{Describes, FieldRule, shapes, uscc};
use crate::model::{Bundle, FieldValue, Location, MaterialId, Passage, Value};
use crate::rules::names;
use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use unicode_normalization::UnicodeNormalization;

/// What a field's value looks like (`kind` in `fields.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 2–4 Han characters (or a name with `·`).
    Person,
    /// A name ending in a legal form (有限公司, 分公司, 厂, 中心…).
    Company,
    /// A 统一社会信用代码.
    Uscc,
    /// A single date, reported as ISO.
    Date,
    /// The end of a validity period: ISO date or `长期`.
    ValidityEnd,
    /// An amount (注册资本).
    Money,
    /// Free text up to the next label or sentence end (住所).
    Text,
    /// A certificate number.
    CertificateNumber,
}

impl Kind {
    /// The spelling in `fields.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Company => "company",
            Kind::Uscc => "uscc",
            Kind::Date => "date",
            Kind::ValidityEnd => "validity_end",
            Kind::Money => "money",
            Kind::Text => "text",
            Kind::CertificateNumber => "certificate_number",
        }
    }
}

/// A field rule that cannot be compiled.
#[derive(Debug, thiserror::Error)]
pub enum FieldsError {
    /// A field without labels can never match.
    #[error("field `{field}`: `labels` is empty")]
    NoLabels {
        /// The field.
        field: String,
    },
    /// The label automaton could not be built.
    #[error("field labels: {0}")]
    Automaton(String),
    /// An `ocr_shapes` pattern is not a regular expression, or an example of it is not
    /// corrected to its value.
    #[error("field `{field}`, ocr_shapes `{shape}`: {why}")]
    Shape {
        /// The field.
        field: String,
        /// The scheme's name.
        shape: String,
        /// What is wrong.
        why: String,
    },
}

#[derive(Debug, Clone)]
struct CompiledRule {
    rule: FieldRule,
    kind: Kind,
    not_after: Vec<String>,
    /// `ocr_shapes`, compiled.
    shapes: Vec<Regex>,
}

/// Field rules ready to run: the labels of every rule (plus words that only end a value, such as
/// `类型`, `经营范围`) in one leftmost-longest automaton.
#[derive(Debug, Clone)]
pub struct CompiledFields {
    rules: Vec<CompiledRule>,
    labels: AhoCorasick,
    /// For each automaton pattern, the rules it introduces (empty: it only ends a value).
    owners: Vec<Vec<usize>>,
    /// The labels short enough to be letter-spaced on a licence (`名    称`, `类    型`), in
    /// matching form: closed wherever they stand, even glued to their value.
    spaced_labels: std::collections::HashSet<String>,
}

/// Compiles rules: folds labels to the matching form and builds the automaton. `stop_labels`
/// (`fields.toml`) introduce no field but end the value before them, so that
/// `法定代表人陈志远经营范围…` does not run on.
pub fn compile(rules: &[FieldRule], stop_labels: &[String]) -> Result<CompiledFields, FieldsError> {
    let mut compiled = Vec::new();
    let mut patterns: Vec<String> = Vec::new();
    let mut owners: Vec<Vec<usize>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut add = |label: &str,
                   owner: Option<usize>,
                   patterns: &mut Vec<String>,
                   owners: &mut Vec<Vec<usize>>| {
        let folded = crate::normalize::for_matching(label);
        if folded.is_empty() {
            return;
        }
        let slot = *index.entry(folded.clone()).or_insert_with(|| {
            patterns.push(folded);
            owners.push(Vec::new());
            patterns.len() - 1
        });
        if let Some(o) = owner
            && !owners[slot].contains(&o)
        {
            owners[slot].push(o);
        }
    };
    for (i, rule) in rules.iter().enumerate() {
        let kind = rule.kind;
        if rule.labels.is_empty() {
            return Err(FieldsError::NoLabels {
                field: rule.name.clone(),
            });
        }
        for label in &rule.labels {
            add(label, Some(i), &mut patterns, &mut owners);
        }
        let shapes = compile_shapes(rule)?;
        compiled.push(CompiledRule {
            rule: rule.clone(),
            kind,
            shapes,
            not_after: rule
                .not_after
                .iter()
                .map(|s| crate::normalize::for_matching(s))
                .collect(),
        });
    }
    for label in stop_labels {
        add(label, None, &mut patterns, &mut owners);
    }
    let spaced_labels = patterns
        .iter()
        .filter(|p| (2..=6).contains(&p.chars().count()))
        .cloned()
        .collect();
    let labels = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
        .map_err(|e| FieldsError::Automaton(e.to_string()))?;
    Ok(CompiledFields {
        rules: compiled,
        labels,
        owners,
        spaced_labels,
    })
}

/// One cell of a line in matching form, with the text as found behind each character.
#[derive(Debug, Clone, Default)]
struct Cell {
    text: String,
    /// For each char of `text`: its byte start in `text` and the raw text it came from.
    starts: Vec<usize>,
    raws: Vec<String>,
}

impl Cell {
    fn new(raw: &str) -> Cell {
        let mut cell = Cell::default();
        let mut pending_space = false;
        let mut previous: Option<char> = None;
        for rc in raw.chars() {
            if rc.is_whitespace() || rc == '\u{200B}' || rc == '\u{FEFF}' {
                pending_space = true;
                continue;
            }
            let mut first = true;
            for c in std::iter::once(rc).nfkc() {
                if c.is_control() {
                    continue;
                }
                if pending_space {
                    if let Some(p) = previous
                        && !(crate::normalize::is_cjk(p) && crate::normalize::is_cjk(c))
                    {
                        cell.push(' ', " ");
                    }
                    pending_space = false;
                }
                let raw_part = if first { rc.to_string() } else { String::new() };
                first = false;
                cell.push(c, &raw_part);
                previous = Some(c);
            }
        }
        cell
    }

    fn push(&mut self, c: char, raw: &str) {
        self.starts.push(self.text.len());
        self.raws.push(raw.to_string());
        self.text.push(c);
    }

    /// The text as found behind `text[start..end]`.
    fn raw(&self, start: usize, end: usize) -> String {
        self.starts
            .iter()
            .zip(&self.raws)
            .filter(|(s, _)| **s >= start && **s < end)
            .map(|(_, r)| r.as_str())
            .collect()
    }
}

/// A passage cut into lines of cells.
fn cells_of(
    passage: &Passage,
    spaced_labels: &std::collections::HashSet<String>,
) -> Vec<Vec<Cell>> {
    passage
        .text
        .lines()
        .map(|line| {
            let line = close_known_spaced_labels(line, spaced_labels);
            let line = close_spaced_labels(&line);
            split_cells(&line)
                .into_iter()
                .map(Cell::new)
                .filter(|c| !c.text.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|l: &Vec<Cell>| !l.is_empty())
        .collect()
}

/// Closes letter-spaced labels (`名    称`, `名　　称 厦门…`, `注 册 资 本  500万`): single
/// characters separated only by spaces, each standing alone, become one word before the line is
/// cut at its gaps, which would otherwise cut such a label into one cell per character.
fn close_spaced_labels(line: &str) -> std::borrow::Cow<'_, str> {
    use std::sync::LazyLock;
    static SPACED: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(^|[\s|])((?:\p{Han}[ \u{3000}]+)+\p{Han})([\s|:：]|$)")
            .expect("a valid constant regex")
    });
    SPACED.replace_all(line, |c: &regex::Captures<'_>| {
        let closed: String = c[2].chars().filter(|ch| !ch.is_whitespace()).collect();
        format!("{}{closed}{}", &c[1], &c[3])
    })
}

/// Closes a letter-spaced label that is one of the fields' labels wherever it stands, even glued
/// to its value and to the value before it: 「名    称青岛某某有限公司类    型有限责任公司」 is read as
/// 「名称青岛某某有限公司类型有限责任公司」, where [`close_spaced_labels`] needs a gap around the
/// label. Only known labels are closed, so a spaced run of other words keeps its gaps.
fn close_known_spaced_labels<'l>(
    line: &'l str,
    labels: &std::collections::HashSet<String>,
) -> std::borrow::Cow<'l, str> {
    use std::sync::LazyLock;
    static SPACED_RUN: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"\p{Han}(?:[ \u{3000}]+\p{Han}){1,5}").expect("a valid constant regex")
    });
    SPACED_RUN.replace_all(line, |c: &regex::Captures<'_>| {
        let closed: String = c[0].chars().filter(|ch| !ch.is_whitespace()).collect();
        if labels.contains(&closed) {
            closed
        } else {
            c[0].to_string()
        }
    })
}

/// Splits a line at tabs, ` | ` (spreadsheet rows), ideographic spaces and runs of two or more
/// spaces: the gaps a layout leaves between a label and its value.
fn split_cells(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        let next = chars.get(i + 1).map(|x| x.1);
        let is_gap = c == '\t'
            || c == '|'
            || (matches!(c, ' ' | '\u{3000}')
                && matches!(next, Some(' ' | '|' | '\t' | '\u{3000}')));
        if is_gap {
            let mut j = i;
            while j < chars.len() && matches!(chars[j].1, ' ' | '\t' | '\u{3000}' | '|') {
                j += 1;
            }
            out.push(&line[start..pos]);
            start = chars.get(j).map_or(line.len(), |x| x.0);
            i = j;
        } else {
            i += 1;
        }
    }
    out.push(&line[start..]);
    out
}

/// Whether the label at `start..end` of `text` begins a label (not the tail of a longer word:
/// `产品名称` is not the label `名称`). A date ending just before also counts as a boundary
/// (`…2024年03月21日有效期至…`, where the layout's space was folded away), and labels of four
/// or more characters (`注册资本`) are distinctive enough to start anywhere; third-party
/// compounds (`生产企业名称`) are kept out by the rules' `not_after`.
fn at_boundary(text: &str, start: usize, end: usize) -> bool {
    if text[start..end].chars().count() >= 4 {
        return true;
    }
    match text[..start].chars().next_back() {
        None => true,
        Some(c) => !crate::normalize::is_han(c) || c == '日',
    }
}

/// Where a value was found.
struct Slot<'a> {
    cell: &'a Cell,
    start: usize,
    end: usize,
    /// The value was cut short by a label of three or more characters (`注册资本`), as in a
    /// block whose layout spaces were lost: `法定代表人陈志远注册资本…`.
    cut_by_label: bool,
}

impl CompiledFields {
    fn rule(&self, name: &str) -> Option<&CompiledRule> {
        self.rules.iter().find(|r| r.rule.name == name)
    }

    /// The kind of a field (`None` for a derived or unknown name).
    pub fn kind_of(&self, name: &str) -> Option<Kind> {
        self.rule(name).map(|r| r.kind)
    }

    /// Whether a field describes one certificate (`describes = "certificate"`).
    pub fn is_certificate_field(&self, name: &str) -> bool {
        self.rule(name)
            .is_some_and(|r| r.rule.describes == Describes::Certificate)
    }

    /// The compiled rules' names, in `fields.toml` order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.rule.name.as_str())
    }

    /// The rules as written.
    pub fn rules(&self) -> impl Iterator<Item = &FieldRule> {
        self.rules.iter().map(|r| &r.rule)
    }

    /// Runs every rule over one text (no material constraint): `(field, value)` pairs. For rule
    /// examples and quick checks.
    pub fn extract_text(&self, text: &str) -> Vec<(String, String)> {
        let passage = Passage::new(text, Location::File {});
        self.passage_values(&[passage], 0, &|_| true)
            .into_iter()
            .map(|(n, v, _, _)| (n, v.to_string()))
            .collect()
    }

    /// Values in passage `i` (continuations may read passage `i + 1`):
    /// `(field, value, valid, taken from passage i + 1)`.
    fn passage_values(
        &self,
        passages: &[Passage],
        i: usize,
        allowed: &dyn Fn(&CompiledRule) -> bool,
    ) -> Vec<(String, Value, Option<bool>, bool)> {
        let mut out = Vec::new();
        let Some(passage) = passages.get(i) else {
            return out;
        };
        let lines = cells_of(passage, &self.spaced_labels);
        let next_lines = passages
            .get(i + 1)
            .filter(|next| adjacent(&passage.location, &next.location))
            .map(|next| cells_of(next, &self.spaced_labels))
            .unwrap_or_default();
        // Where a period that stops at its start (`2015年06月01日至`) may go on: the next two
        // passages that follow in reading order, read only when a period needs them.
        let onward: std::cell::OnceCell<Vec<Vec<Cell>>> = std::cell::OnceCell::new();
        let onward = || {
            onward.get_or_init(|| {
                let mut cells = Vec::new();
                let mut at = &passage.location;
                for next in passages.iter().skip(i + 1).take(2) {
                    if !follows(at, &next.location) {
                        break;
                    }
                    cells.extend(cells_of(next, &self.spaced_labels));
                    at = &next.location;
                }
                cells
            })
        };
        for (li, line) in lines.iter().enumerate() {
            for (ci, cell) in line.iter().enumerate() {
                let mut labelled_ranges: Vec<(usize, usize)> = Vec::new();
                let matches: Vec<_> = self.labels.find_iter(&cell.text).collect();
                for (mi, m) in matches.iter().enumerate() {
                    let owners = &self.owners[m.pattern().as_usize()];
                    if owners.is_empty() || !at_boundary(&cell.text, m.start(), m.end()) {
                        continue;
                    }
                    let next_label = matches.get(mi + 1);
                    let region_end = next_label.map_or(cell.text.len(), |n| n.start());
                    let cut_by_label = next_label
                        .is_some_and(|n| cell.text[n.start()..n.end()].chars().count() >= 3);
                    let region_start = skip_separators(&cell.text, m.end(), region_end);
                    // Text before the label on this line, for third-party cues.
                    let mut before: String = line[..ci].iter().map(|c| c.text.as_str()).collect();
                    before.push_str(&cell.text[..m.start()]);
                    let slot = if region_start < region_end {
                        Some(Slot {
                            cell,
                            start: region_start,
                            end: region_end,
                            cut_by_label,
                        })
                    } else {
                        self.continuation(line.get(ci + 1), &lines, li, &next_lines)
                    };
                    let Some(slot) = slot else { continue };
                    let from_next = next_lines
                        .iter()
                        .flatten()
                        .any(|c| std::ptr::eq(c, slot.cell));
                    for &o in owners {
                        let rule = &self.rules[o];
                        if !allowed(rule)
                            || rule.not_after.iter().any(|w| before.contains(w.as_str()))
                        {
                            continue;
                        }
                        let lead = &cell.text[m.start()..m.end()];
                        let parsed = if rule.kind == Kind::ValidityEnd {
                            self.period_value(&slot, lead, &lines, onward())
                        } else {
                            parse_value(rule.kind, &slot)
                        };
                        if let Some((value, valid, range)) = parsed {
                            if std::ptr::eq(slot.cell, cell) {
                                labelled_ranges.push(range);
                            }
                            out.push((rule.rule.name.clone(), value.clone(), valid, from_next));
                            if let Some(derived) = &rule.rule.normalized
                                && let Some(amount) = value.text()
                                && let Some(n) = normalize_money(amount)
                            {
                                out.push((derived.name.clone(), n.into(), None, from_next));
                            }
                        }
                    }
                }
                // A signature: a company name and a seal mark in brackets, alone on the line.
                if ci == 0 && line.len() == 1 {
                    for rule in self
                        .rules
                        .iter()
                        .filter(|r| r.kind == Kind::Company && allowed(r))
                    {
                        if let Some(name) = signed_name(&cell.text, &rule.rule.seal_marks) {
                            let value = registered_brackets(cell.raw(0, name).trim());
                            out.push((rule.rule.name.clone(), value.into(), None, false));
                        }
                    }
                }
                // Unlabelled codes, unless a third party's (a lab's code after 检验单位).
                if let Some(rule) = self
                    .rules
                    .iter()
                    .find(|r| r.kind == Kind::Uscc && allowed(r))
                {
                    let line_text: String = line.iter().map(|c| c.text.as_str()).collect();
                    for cand in uscc::find_unlabelled(&cell.text) {
                        let seen = labelled_ranges
                            .iter()
                            .any(|(s, e)| cand.start < *e && *s < cand.end);
                        let third = rule
                            .not_after
                            .iter()
                            .any(|w| line_text.contains(w.as_str()))
                            || line_text.contains("身份证");
                        if !seen && !third {
                            out.push((rule.rule.name.clone(), cand.code.into(), Some(true), false));
                        }
                    }
                }
            }
        }
        out
    }

    /// The end of the period a 营业期限 / 有效期 slot states. Its value may go on past the slot:
    /// when it stops at its start (`营业期限` / `2015年06月01日至` / `2045年05月31日`), or when the
    /// next cell begins with `至` (`营业期限：2015年06月01日` / `至2045年05月31日`), the next
    /// cells, lines and following passages are read until the period has an end, a label
    /// begins, or [`READ_ON_CELLS`] cells have been read. A start is never reported as the end.
    fn period_value(
        &self,
        slot: &Slot<'_>,
        lead: &str,
        lines: &[Vec<Cell>],
        onward: &[Vec<Cell>],
    ) -> Option<(Value, Option<bool>, (usize, usize))> {
        let value = slot.cell.text.get(slot.start..slot.end)?;
        let range = (slot.start, slot.end);
        let mut text = format!("{lead}{value}");
        let written = period(&text);
        let as_found = || {
            (!written.awaits_end)
                .then_some(written.end)
                .flatten()
                .map(|end| (end.as_value(), None, range))
        };
        // The rest of the slot's cell belongs to the next label; what follows is later cells.
        let in_passage = lines.iter().flatten().count();
        let all: Vec<&Cell> = lines
            .iter()
            .flatten()
            .chain(onward.iter().flatten())
            .collect();
        // The slot's cell is in this passage, or in the next one, read separately: there it is
        // found by its text.
        let Some(at) = all
            .iter()
            .position(|c| std::ptr::eq(*c, slot.cell))
            .or_else(|| {
                let next = all.get(in_passage..)?;
                let k = next.iter().position(|c| c.text == slot.cell.text)?;
                Some(in_passage + k)
            })
        else {
            return as_found();
        };
        let mut reading = written.awaits_end;
        for (k, cell) in all.iter().skip(at + 1).take(READ_ON_CELLS).enumerate() {
            let starts_with_label = self
                .labels
                .find_iter(&cell.text)
                .next()
                .is_some_and(|m| m.start() == 0);
            if starts_with_label {
                break;
            }
            if !reading {
                if k > 0 || !continues_a_period(&cell.text) {
                    break;
                }
                reading = true;
            }
            text.push('\n');
            text.push_str(&cell.text);
            let p = period(&text);
            if !p.awaits_end {
                if let Some(end) = p.end {
                    return Some((end.as_value(), None, range));
                }
                break;
            }
        }
        as_found()
    }

    /// A label alone in its cell: its value is the next cell, else the next line, else the next
    /// adjacent passage, provided that text does not itself start with a label.
    fn continuation<'a>(
        &self,
        next_cell: Option<&'a Cell>,
        lines: &'a [Vec<Cell>],
        li: usize,
        next_lines: &'a [Vec<Cell>],
    ) -> Option<Slot<'a>> {
        let cell = next_cell
            .or_else(|| lines.get(li + 1).and_then(|l| l.first()))
            .or_else(|| next_lines.first().and_then(|l| l.first()))?;
        let first = self.labels.find_iter(&cell.text).next();
        if first.is_some_and(|m| m.start() == 0) {
            return None;
        }
        let end = first.map_or(cell.text.len(), |m| m.start());
        Some(Slot {
            cell,
            start: skip_separators(&cell.text, 0, end),
            end,
            cut_by_label: false,
        })
    }
}

/// The end of the company name that `text` (a line in matching form) holds before a bracketed
/// seal mark and nothing else (「杭州某某有限公司(盖章)」, 「某某有限公司 [公章]」).
fn signed_name(text: &str, seal_marks: &[String]) -> Option<usize> {
    let text = text.trim_end();
    let inner_end = text.strip_suffix([')', ']', '】', '］'])?.len();
    let open = text[..inner_end].rfind(['(', '[', '【', '［'])?;
    let mark = text[open..inner_end]
        .trim_start_matches(['(', '[', '【', '［'])
        .trim();
    if mark.is_empty() || !seal_marks.iter().any(|m| m.as_str() == mark) {
        return None;
    }
    let name = text[..open].trim_end();
    (!name.is_empty() && company(name) == Some(name.len())).then_some(name.len())
}

/// Skips `:`, spaces and similar between a label and its value.
fn skip_separators(text: &str, mut at: usize, end: usize) -> usize {
    while at < end {
        let Some(c) = text[at..].chars().next() else {
            break;
        };
        if matches!(
            c,
            ':' | ' ' | '、' | '|' | '-' | '—' | '=' | '_' | '.' | ','
        ) {
            at += c.len_utf8();
        } else {
            break;
        }
    }
    at.min(end)
}

/// How many cells a period's value may span after its start (`营业期限` / `2015年06月01日至` /
/// `2045年05月31日` spans two; a blank cell or a wrapped line may come between).
const READ_ON_CELLS: usize = 3;

/// Parses a value of `kind` from a slot: `(value, valid, byte range in the slot's cell)`.
/// Periods (`validity_end`) are read by [`CompiledFields::period_value`], which may read on.
fn parse_value(kind: Kind, slot: &Slot<'_>) -> Option<(Value, Option<bool>, (usize, usize))> {
    let text = slot.cell.text.get(slot.start..slot.end)?;
    let at = |len: usize| (slot.start, slot.start + len);
    match kind {
        Kind::Person => {
            // Judged on the whole cell: `联系电话` is not 联系 followed by the label 电话.
            let len = person(slot.cell.text.get(slot.start..)?)
                .or_else(|| person(text).filter(|n| slot.cut_by_label && *n == text.len()))?;
            Some((text[..len].into(), None, at(len)))
        }
        Kind::Company => {
            let len = company(text)?;
            let (s, e) = at(len);
            Some((
                registered_brackets(&slot.cell.raw(s, e)).into(),
                None,
                (s, e),
            ))
        }
        Kind::Money => {
            let len = money(text)?;
            let (s, e) = at(len);
            Some((slot.cell.raw(s, e).trim().into(), None, (s, e)))
        }
        Kind::CertificateNumber => {
            let len = certificate_number(text)?;
            Some((text[..len].to_ascii_uppercase().into(), None, at(len)))
        }
        Kind::Uscc => {
            let cand = uscc::labelled_code(text)?;
            if cand.start != 0 {
                return None;
            }
            Some((cand.code.into(), Some(cand.valid), at(cand.end)))
        }
        Kind::Date => {
            let found = find_dates(text)
                .into_iter()
                .find(|f| matches!(f.value, super::dates::ValidityEnd::Date(_)) && f.start <= 6)?;
            Some((found.value.as_value(), None, at(found.end)))
        }
        // With its label and what follows: `营业期限自 2015年06月01日` states a start, not an end.
        Kind::ValidityEnd => period(text)
            .end
            .map(|end| (end.as_value(), None, at(text.len()))),
        Kind::Text => {
            let len = text.find(['。', ';', '；']).unwrap_or(text.len());
            let (s, e) = at(len);
            let v = slot.cell.raw(s, e).trim().to_string();
            (!v.is_empty()).then_some((v.into(), None, (s, e)))
        }
    }
}

/// Whether `b` directly follows `a` in reading order closely enough that a label alone at the
/// end of `a` may take its value from `b`: the next cell of the same table row, the next
/// paragraph or line, another block of the same page.
fn adjacent(a: &Location, b: &Location) -> bool {
    match (a, b) {
        (
            Location::TableCell {
                part: pa,
                table: ta,
                row: ra,
                col: ca,
                nested: na,
            },
            Location::TableCell {
                part: pb,
                table: tb,
                row: rb,
                col: cb,
                nested: nb,
            },
        ) => pa == pb && ta == tb && ra == rb && cb > ca && na == nb,
        (
            Location::Paragraph {
                part: pa,
                paragraph: a,
            },
            Location::Paragraph {
                part: pb,
                paragraph: b,
            },
        ) => pa == pb && *b == a + 1,
        (
            Location::Line {
                line: a,
                through: a_last,
            },
            Location::Line { line: b, .. },
        ) => *b == a_last.unwrap_or(*a) + 1,
        // Blocks of one page; where lines are known, `b` must come after `a`.
        (
            Location::Page {
                page: a, lines: la, ..
            },
            Location::Page {
                page: b, lines: lb, ..
            },
        ) => a == b && la.zip(*lb).is_none_or(|(la, lb)| lb[0] > la[1]),
        // OCR lines: the next line of the same page (a value under its label).
        (
            Location::OcrLine {
                page: pa, line: a, ..
            },
            Location::OcrLine {
                page: pb, line: b, ..
            },
        ) => pa == pb && *b == a + 1,
        // The same for the lines of one picture in a document.
        (
            Location::Picture {
                picture: pa,
                line: a,
                ..
            },
            Location::Picture {
                picture: pb,
                line: b,
                ..
            },
        ) => pa == pb && *b == a + 1,
        (
            Location::Slide {
                slide: sa,
                paragraph: pa,
                notes: na,
                table: ta,
                row: ra,
                col: ca,
            },
            Location::Slide {
                slide: sb,
                paragraph: pb,
                notes: nb,
                table: tb,
                row: rb,
                col: cb,
            },
        ) => {
            sa == sb
                && na == nb
                && match (ta, tb) {
                    (Some(_), Some(_)) => ta == tb && ra == rb && cb > ca,
                    (None, None) => *pb == pa + 1,
                    _ => false,
                }
        }
        _ => false,
    }
}

/// Whether `b` comes right after `a` in reading order, for a value that goes on: [`adjacent`], or
/// the next row of the same table (a two-column licence table whose 营业期限 wraps into the row
/// below).
fn follows(a: &Location, b: &Location) -> bool {
    adjacent(a, b)
        || matches!(
            (a, b),
            (
                Location::TableCell { part: pa, table: ta, row: ra, nested: na, .. },
                Location::TableCell { part: pb, table: tb, row: rb, nested: nb, .. },
            ) if pa == pb && ta == tb && na == nb && *rb == ra + 1
        )
}

/// The materials of a file as classified (none for a file the classifier did not see).
pub fn materials_of(
    file: &str,
    file_materials: &BTreeMap<String, Vec<MaterialId>>,
) -> Vec<MaterialId> {
    file_materials.get(file).cloned().unwrap_or_default()
}

/// Every labelled occurrence of every field in the bundle, in bundle order. A certificate's
/// number, holder, validity (and the USCC printed on it) share a `group`; a new group starts at
/// each further certificate number in a file.
pub fn extract(
    bundle: &Bundle,
    fields: &CompiledFields,
    file_materials: &BTreeMap<String, Vec<MaterialId>>,
) -> Vec<FieldValue> {
    let mut out = Vec::new();
    let mut next_group = 0u32;
    for doc in &bundle.documents {
        let mats = materials_of(&doc.path, file_materials);
        let allowed = |rule: &CompiledRule| {
            !rule.rule.only_in_materials
                || rule
                    .rule
                    .materials
                    .iter()
                    .any(|m| mats.iter().any(|x| &x.0 == m))
        };
        let mut found: Vec<FieldValue> = Vec::new();
        for i in 0..doc.passages.len() {
            for (name, value, valid, from_next) in fields.passage_values(&doc.passages, i, &allowed)
            {
                let at = if from_next { i + 1 } else { i };
                let Some(passage) = doc.passages.get(at) else {
                    continue;
                };
                let mut fv = FieldValue {
                    name,
                    value,
                    file: doc.path.clone(),
                    location: passage.location.clone(),
                    valid,
                    group: None,
                    note: None,
                };
                if passage.ocr_confidence.is_some() {
                    if fields.kind_of(&fv.name) == Some(Kind::Uscc) {
                        repair_ocr_uscc(&mut fv);
                    } else if let Some(rule) = fields.rule(&fv.name) {
                        repair_ocr_shape(&mut fv, &rule.shapes);
                    }
                }
                if !found.contains(&fv) {
                    found.push(fv);
                }
            }
        }
        if found.iter().any(|f| fields.is_certificate_field(&f.name)) {
            let mut current = next_group;
            let mut has_number = false;
            for f in &mut found {
                let certificate = fields.is_certificate_field(&f.name);
                let kind = fields.kind_of(&f.name);
                if certificate && kind == Some(Kind::CertificateNumber) {
                    if has_number {
                        current += 1;
                    }
                    has_number = true;
                }
                // The USCC printed on a certificate belongs to that certificate's holder.
                if certificate || kind == Some(Kind::Uscc) {
                    f.group = Some(current);
                }
            }
            next_group = current + 1;
        }
        out.extend(found);
    }
    out
}

/// A Chinese company name with the full-width brackets it is registered with: OCR engines and
/// some typists write `鼎盛机电(北京)科技有限公司`, the licence prints `鼎盛机电（北京）科技有限公司`,
/// and a reviewer comparing values should see one spelling.
fn registered_brackets(name: &str) -> String {
    name.replace('(', "（").replace(')', "）")
}

/// A USCC read by OCR: its check character decides between look-alike misreadings
/// ([`uscc::repair_ocr`]); the field says what was changed, or that it could not be verified.
fn repair_ocr_uscc(field: &mut FieldValue) {
    let Value::Text(read) = &field.value else {
        return;
    };
    match uscc::repair_ocr(read) {
        uscc::OcrReading::Verified(_) => {}
        uscc::OcrReading::Repaired { code, changes } => {
            field.note = Some(format!(
                "OCR 读作 {read}，按校验位更正为 {code} ({changes})"
            ));
            field.value = Value::Text(code);
            field.valid = Some(true);
        }
        uscc::OcrReading::Unverified(_) => {
            field.note = Some(format!(
                "OCR 读作 {read}，校验位不符且无法唯一更正：请对照原件"
            ));
        }
    }
}

/// A code read by OCR put right by the numbering schemes its field follows ([`shapes`]).
fn repair_ocr_shape(field: &mut FieldValue, shapes: &[Regex]) {
    let Value::Text(read) = &field.value else {
        return;
    };
    if let shapes::ShapeReading::Repaired { value, changes } = shapes::repair(read, shapes) {
        field.note = Some(format!(
            "OCR 读作 {read}，按编号规则更正为 {value} ({changes})"
        ));
        field.value = Value::Text(value);
    }
}

/// A rule's `ocr_shapes` compiled, each anchored and checked against its examples.
fn compile_shapes(rule: &FieldRule) -> Result<Vec<Regex>, FieldsError> {
    let mut out = Vec::new();
    for shape in &rule.ocr_shapes {
        let err = |why: String| FieldsError::Shape {
            field: rule.name.clone(),
            shape: shape.name.clone(),
            why,
        };
        if !shape.pattern.starts_with('^') || !shape.pattern.ends_with('$') {
            return Err(err("the pattern must be anchored with ^ and $".into()));
        }
        let re = Regex::new(&shape.pattern).map_err(|e| err(e.to_string()))?;
        for example in &shape.examples {
            let got = match shapes::repair(&example.read, std::slice::from_ref(&re)) {
                shapes::ShapeReading::Repaired { value, .. } => value,
                shapes::ShapeReading::Kept => example.read.clone(),
            };
            if got != example.value {
                return Err(err(format!(
                    "example `{}` gives `{got}`, not `{}`",
                    example.read, example.value
                )));
            }
        }
        out.push(re);
    }
    Ok(out)
}

fn tier(file: &str, file_materials: &BTreeMap<String, Vec<MaterialId>>) -> u8 {
    let mats = materials_of(file, file_materials);
    let has = |id: &str| mats.iter().any(|m| m.0 == id);
    use names::material::{BUSINESS_LICENSE, CERTIFICATES, ORG_PROFILE, PERMITS};
    if has(BUSINESS_LICENSE) {
        0
    } else if has(ORG_PROFILE) || has(PERMITS) || has(CERTIFICATES) {
        1
    } else {
        2
    }
}

/// The applicant's value per field name: from the business licence when it has one, else from
/// documents that copy the licence (企业简介, certificates), else any; within that, the most
/// frequent value (a USCC that passes its check first), ties going to the earliest.
pub fn applicant_fields(
    all: &[FieldValue],
    file_materials: &BTreeMap<String, Vec<MaterialId>>,
) -> Vec<FieldValue> {
    let mut names: Vec<&str> = Vec::new();
    for f in all {
        if !names.contains(&f.name.as_str()) {
            names.push(&f.name);
        }
    }
    let mut out = Vec::new();
    for name in names {
        let candidates: Vec<&FieldValue> = all.iter().filter(|f| f.name == name).collect();
        let Some(best_tier) = candidates
            .iter()
            .map(|f| tier(&f.file, file_materials))
            .min()
        else {
            continue;
        };
        let pool: Vec<&FieldValue> = candidates
            .iter()
            .copied()
            .filter(|f| tier(&f.file, file_materials) == best_tier)
            .collect();
        let count = |v: &Value| candidates.iter().filter(|f| f.value == *v).count();
        let mut best: Option<&FieldValue> = None;
        for f in pool {
            let better = match best {
                None => true,
                Some(b) => {
                    let key = |x: &FieldValue| (x.valid != Some(false), count(&x.value));
                    key(f) > key(b)
                }
            };
            if better {
                best = Some(f);
            }
        }
        if let Some(b) = best {
            out.push(b.clone());
        }
    }
    out
}

/// Runs every field rule's examples: each text must yield its value for that field. Returns the
/// number run and one problem (with the rule's file and line) per failure, for
/// `certsift rules check` and the tests.
pub(crate) fn check_field_examples(
    fields: &CompiledFields,
    rules: &[crate::rules::load::Located<FieldRule>],
) -> (usize, Vec<crate::rules::RulesError>) {
    let mut count = 0;
    let mut problems = Vec::new();
    for rule in rules {
        for example in &rule.value.examples {
            count += 1;
            let got = fields.extract_text(&example.text);
            if !got
                .iter()
                .any(|(n, v)| *n == rule.value.name && *v == example.value)
            {
                let found: Vec<&str> = got
                    .iter()
                    .filter(|(n, _)| *n == rule.value.name)
                    .map(|(_, v)| v.as_str())
                    .collect();
                let what = if found.is_empty() {
                    "nothing".to_string()
                } else {
                    found
                        .iter()
                        .map(|v| format!("\"{v}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                problems.push(crate::rules::RulesError::Example {
                    file: rule.file.clone(),
                    line: rule.line,
                    message: format!(
                        "field `{}`: the example \"{}\" yields {what}, not \"{}\"; fix the labels, \
                         the stop labels or the example",
                        rule.value.name, example.text, example.value
                    ),
                });
            }
        }
    }
    (count, problems)
}

#[cfg(test)]
mod signature_tests {
    use super::signed_name;

    #[test]
    fn a_company_name_and_a_seal_mark_alone_on_a_line_sign_a_letter() {
        let marks = ["盖章".to_string(), "公章".to_string()];
        let line = "杭州栖木全屋家居定制有限公司(盖章)";
        assert_eq!(signed_name(line, &marks), Some(line.len() - "(盖章)".len()));
        assert!(signed_name("某某电器有限公司 [公章]", &marks).is_some());
        // A blank signature, a label before the mark, another bracket: no name.
        assert_eq!(signed_name("(盖章)", &marks), None);
        assert_eq!(signed_name("申请单位(盖章):", &marks), None);
        assert_eq!(signed_name("鼎盛机电(北京)有限公司", &marks), None);
        assert_eq!(signed_name("售后服务部负责(盖章)", &marks), None);
    }
}
