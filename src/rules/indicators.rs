//! Evidence for every level-2 indicator of a bundle: every passage of every file matched (files
//! in parallel), hits turned into [`Evidence`], and a verdict per indicator.
//!
//! **Status** (FORMAT.md): `supported` with a strong evidence hit; else `excluded` with an
//! exclusion declaration; else `weak` with weak hits; else `missing`. The evidence shown is what
//! the status rests on: strong hits (then weak ones) for `supported`, the declarations for
//! `excluded`, the weak hits for `weak`.
//!
//! **Ranking and deduplication.** Score = strength (strong 2, weak 1, declaration 1.5) × rule
//! weight + 0.1 per distinct term (at most 10). One passage (file + location) is cited once,
//! with its best rule; a text found in several files (the same document twice, a duplicate
//! upload) is cited once. At most [`MAX_EVIDENCE`] are kept: first the best passage of each file
//! (so that a reviewer sees the spread across files), then the next best overall; the result is
//! ordered best first.

use super::compile::CompiledRules;
use super::load::RuleKind;
use super::matcher::PassageContext;
use super::materials::FileMaterials;
use super::text::{fold_passage, fold_raw};
use crate::model::{
    Bundle, Evidence, IndicatorFinding, IndicatorId, IndicatorStatus, Location, Strength,
};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};

/// Most evidence kept per indicator.
pub(crate) const MAX_EVIDENCE: usize = 5;

/// A hit ready to become evidence.
#[derive(Debug, Clone)]
struct Found {
    indicator: IndicatorId,
    kind: RuleKind,
    evidence: Evidence,
    /// Folded passage text, for cross-file deduplication.
    folded: String,
    /// Order of the file in the bundle and the passage in the file, for a stable order.
    order: (usize, usize),
}

fn score(strength: Strength, kind: RuleKind, weight: f64, distinct_terms: usize) -> f32 {
    let base = match (kind, strength) {
        (RuleKind::Exclusion, _) => 1.5,
        (RuleKind::Evidence, Strength::Strong) => 2.0,
        (RuleKind::Evidence, Strength::Weak) => 1.0,
    };
    (base * weight + 0.1 * distinct_terms.min(10) as f64) as f32
}

/// Whether passage `i` is a form's label cell whose value, the next cell of its row, is a blank
/// or placeholder (「售后服务管理师人数」 | 「（请填写）」): a label of a field left unfilled states
/// nothing, however much its words sound like evidence. `folded` holds every passage's folded
/// text, as the rules see it.
fn is_label_of_a_blank(
    passages: &[crate::model::Passage],
    folded: &[String],
    i: usize,
    rules: &CompiledRules,
) -> bool {
    let (Some(this), Some(next), Some(next_folded)) =
        (passages.get(i), passages.get(i + 1), folded.get(i + 1))
    else {
        return false;
    };
    let (
        Location::TableCell {
            part,
            table,
            row,
            col,
            nested,
        },
        Location::TableCell {
            part: next_part,
            table: next_table,
            row: next_row,
            col: next_col,
            nested: next_nested,
        },
    ) = (&this.location, &next.location)
    else {
        return false;
    };
    let same_row =
        part == next_part && table == next_table && row == next_row && nested == next_nested;
    same_row && next_col > col && rules.is_skipped_passage(next_folded)
}

/// Whether a passage is a table's header row, one that the rows under it carry as their
/// heading (「姓名 | 岗位 | 售后服务管理师证书编号 | 备注」): it names columns and states nothing,
/// whatever its words. `header_rows` holds the last heading of every passage of the file; only
/// a row of several cells counts, so a heading paragraph or a sheet title stays a passage.
fn is_header_row(passage: &crate::model::Passage, header_rows: &HashSet<&str>) -> bool {
    passage.text.contains(" | ") && header_rows.contains(passage.text.as_str())
}

/// Every hit of every passage of every file.
fn find_all(bundle: &Bundle, rules: &CompiledRules, files: &FileMaterials) -> Vec<Found> {
    bundle
        .documents
        .par_iter()
        .enumerate()
        .flat_map_iter(|(di, doc)| {
            let materials = files.of(&doc.path);
            let mut out = Vec::new();
            // Folded once: a label cell looks at its value cell's text.
            let folded_all: Vec<String> = doc.passages.iter().map(fold_passage).collect();
            let header_rows: HashSet<&str> = doc
                .passages
                .iter()
                .filter_map(|p| p.headings.last().map(String::as_str))
                .collect();
            for (pi, (p, folded)) in doc.passages.iter().zip(&folded_all).enumerate() {
                if is_label_of_a_blank(&doc.passages, &folded_all, pi, rules)
                    || is_header_row(p, &header_rows)
                {
                    continue;
                }
                let headings: Vec<String> = p.headings.iter().map(|h| fold_raw(h)).collect();
                let pctx = PassageContext {
                    materials,
                    headings: &headings,
                    constrained: true,
                    in_cell: matches!(
                        p.location,
                        Location::TableCell { .. } | Location::SheetCell { .. }
                    ),
                };
                for hit in rules.match_folded(folded, &pctx) {
                    let rule = &rules.rules[hit.rule];
                    let evidence = Evidence {
                        file: doc.path.clone(),
                        location: p.location.clone(),
                        text: p.text.clone(),
                        rule: rule.id.clone(),
                        strength: rule.strength,
                        score: score(rule.strength, rule.kind, rule.weight, hit.terms.len()),
                        terms: hit.terms,
                    };
                    out.push(Found {
                        indicator: rule.indicator.clone(),
                        kind: rule.kind,
                        evidence,
                        folded: folded.clone(),
                        order: (di, pi),
                    });
                }
            }
            out
        })
        .collect()
}

/// Picks at most [`MAX_EVIDENCE`]: dedup by location and by text, best of each file first.
fn select(mut found: Vec<Found>) -> Vec<Evidence> {
    found.sort_by(|a, b| {
        b.evidence
            .score
            .total_cmp(&a.evidence.score)
            .then_with(|| a.order.cmp(&b.order))
    });
    let mut seen_places: HashSet<(String, Location)> = HashSet::new();
    let mut seen_texts: HashSet<String> = HashSet::new();
    let mut unique = Vec::new();
    for f in found {
        let place = (f.evidence.file.clone(), f.evidence.location.clone());
        if seen_places.contains(&place) || seen_texts.contains(&f.folded) {
            continue;
        }
        seen_places.insert(place);
        seen_texts.insert(f.folded.clone());
        unique.push(f);
    }
    let mut chosen = vec![false; unique.len()];
    let mut files_done: HashSet<&str> = HashSet::new();
    let mut count = 0;
    for (i, f) in unique.iter().enumerate() {
        if count == MAX_EVIDENCE {
            break;
        }
        if files_done.insert(f.evidence.file.as_str()) {
            chosen[i] = true;
            count += 1;
        }
    }
    for c in chosen.iter_mut() {
        if count == MAX_EVIDENCE {
            break;
        }
        if !*c {
            *c = true;
            count += 1;
        }
    }
    unique
        .into_iter()
        .zip(chosen)
        .filter(|(_, c)| *c)
        .map(|(f, _)| f.evidence)
        .collect()
}

/// A finding for **every** level-2 catalog indicator, in catalog order.
pub fn indicator_findings(
    bundle: &Bundle,
    rules: &CompiledRules,
    files: &FileMaterials,
) -> Vec<IndicatorFinding> {
    let mut by_indicator: BTreeMap<IndicatorId, Vec<Found>> = BTreeMap::new();
    for f in find_all(bundle, rules, files) {
        by_indicator.entry(f.indicator.clone()).or_default().push(f);
    }
    rules
        .assessed_indicators()
        .map(|info| {
            let found = by_indicator.remove(&info.id).unwrap_or_default();
            let (exclusions, mut evidence): (Vec<Found>, Vec<Found>) = found
                .into_iter()
                .partition(|f| f.kind == RuleKind::Exclusion);
            // A passage that declares the indicator not applicable is not also evidence that
            // it is applied: 「电梯报废拆除由使用单位委托有资质的回收企业负责，5.2.6条款不适用，申请
            // 删减」 names a recycler only to say why recycling is none of the applicant's.
            let declaring: HashSet<(usize, usize)> = exclusions.iter().map(|f| f.order).collect();
            evidence.retain(|f| !declaring.contains(&f.order));
            let has_strong = evidence
                .iter()
                .any(|f| f.evidence.strength == Strength::Strong);
            let (status, shown) = if has_strong {
                // Cite what proves the indicator, not every mention: passing mentions stay out
                // once a strong passage exists.
                let strong = evidence
                    .into_iter()
                    .filter(|f| f.evidence.strength == Strength::Strong)
                    .collect();
                (IndicatorStatus::Supported, strong)
            } else if !exclusions.is_empty() {
                (IndicatorStatus::Excluded, exclusions)
            } else if !evidence.is_empty() {
                (IndicatorStatus::Weak, evidence)
            } else {
                (IndicatorStatus::Missing, Vec::new())
            };
            IndicatorFinding {
                id: info.id.clone(),
                status,
                evidence: select(shown),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, FileKind, FileStatus, Passage};

    const CATALOG: &str = "[[indicator]]\nid = \"5.2\"\nlevel = 1\nname = \"g\"\n\n[[indicator]]\nid = \"5.2.3\"\nlevel = 2\nname = \"配送\"\n\n[[indicator]]\nid = \"5.2.6\"\nlevel = 2\nname = \"回收\"\n\n[[indicator]]\nid = \"5.2.4\"\nlevel = 2\nname = \"维修\"\n";
    const RULES: &str = "[[rule]]\nid = \"delivery\"\nindicator = \"5.2.3\"\nany = [\"送货上门\"]\n\n[[rule]]\nid = \"no-delivery\"\nindicator = \"5.2.3\"\nkind = \"exclusion\"\nany = [\"不涉及配送\"]\n\n[[rule]]\nid = \"no-recycling\"\nindicator = \"5.2.6\"\nkind = \"exclusion\"\nany = [\"不涉及回收\"]\n\n[[rule]]\nid = \"recycling-mention\"\nindicator = \"5.2.6\"\nstrength = \"weak\"\nany = [\"回收\"]\n";

    fn doc(path: &str, lines: &[&str]) -> Document {
        Document {
            path: path.into(),
            sha256: String::new(),
            bytes: 1,
            kind: FileKind::Txt,
            declared_kind: None,
            status: FileStatus::Ok,
            error: None,
            passages: lines
                .iter()
                .enumerate()
                .map(|(i, l)| Passage::new(*l, Location::line(i as u32 + 1)))
                .collect(),
            ocr_pages: Vec::new(),
            ocr: false,
            pages: None,
            notes: Vec::new(),
        }
    }

    #[test]
    fn statuses_follow_the_format() {
        let rules = crate::rules::testing::compile_files(&[
            ("catalog.toml", CATALOG),
            ("evidence-x.toml", RULES),
        ])
        .expect("compiles");
        let bundle = Bundle {
            id: "b".into(),
            documents: vec![
                doc(
                    "a.txt",
                    &[
                        "本公司不涉及配送。",
                        "大件商品送货上门。",
                        "本公司不涉及回收业务。",
                    ],
                ),
                doc("b.txt", &["大件商品送货上门。"]),
            ],
        };
        let files = FileMaterials::default();
        let f = indicator_findings(&bundle, &rules, &files);
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].status, IndicatorStatus::Supported);
        assert_eq!(
            f[0].evidence.len(),
            1,
            "same text in two files is cited once"
        );
        assert!(
            f[0].evidence.iter().all(|e| e.strength == Strength::Strong),
            "a supported indicator cites only what proves it"
        );
        assert_eq!(f[1].status, IndicatorStatus::Excluded);
        assert_eq!(f[1].evidence[0].rule.0, "no-recycling");
        assert_eq!(f[2].status, IndicatorStatus::Missing);
    }

    /// A form's label cell whose value cell is a placeholder states nothing; filled, it does.
    #[test]
    fn a_label_whose_value_is_left_blank_is_no_evidence() {
        let rules = crate::rules::testing::compile_files(&[
            ("catalog.toml", CATALOG),
            ("evidence-x.toml", RULES),
            (
                "context.toml",
                "[skip_passages]\npatterns = ['[(（][^)）]{0,12}填写[^)）]{0,12}[)）]']\n",
            ),
        ])
        .expect("compiles");
        let cell = |text: &str, col: u32| crate::rules::testing::table_cell(text, 3, col);
        let form = |value: &str| {
            let mut d = doc("申请表.docx", &[]);
            d.passages = vec![cell("旧机回收", 0), cell(value, 1)];
            Bundle {
                id: "b".into(),
                documents: vec![d],
            }
        };
        let files = FileMaterials::default();
        let blank = indicator_findings(&form("（请填写）"), &rules, &files);
        assert_eq!(blank[1].status, IndicatorStatus::Missing);
        let filled = indicator_findings(&form("门店以旧换新"), &rules, &files);
        assert_eq!(filled[1].status, IndicatorStatus::Weak);
    }

    /// A table's header row names columns: 「旧机回收」 as a column's name is no evidence, the
    /// same words in a row under it are.
    #[test]
    fn a_header_row_is_no_evidence_the_rows_under_it_are() {
        let rules = crate::rules::testing::compile_files(&[
            ("catalog.toml", CATALOG),
            ("evidence-x.toml", RULES),
        ])
        .expect("compiles");
        let row = |text: &str, cell: &str, headings: &[&str]| {
            let mut p = Passage::new(
                text,
                Location::SheetCell {
                    sheet: "台账".into(),
                    cell: cell.into(),
                },
            );
            p.headings = headings.iter().map(|h| h.to_string()).collect();
            p
        };
        let header = "日期 | 门店 | 旧机回收 | 备注";
        let sheet = |rows: Vec<Passage>| {
            let mut d = doc("台账.xlsx", &[]);
            d.passages = rows;
            Bundle {
                id: "b".into(),
                documents: vec![d],
            }
        };
        let files = FileMaterials::default();
        let blank = sheet(vec![
            row(header, "A1:D1", &[]),
            row("2025-03-01 | 城东店 | （请填写）", "A2:C2", &[header]),
        ]);
        assert_eq!(
            indicator_findings(&blank, &rules, &files)[1].status,
            IndicatorStatus::Missing
        );
        let filled = sheet(vec![
            row(header, "A1:D1", &[]),
            row("2025-03-01 | 城东店 | 旧机回收2台", "A2:C2", &[header]),
        ]);
        let f = indicator_findings(&filled, &rules, &files);
        assert_eq!(f[1].status, IndicatorStatus::Weak);
        assert!(f[1].evidence.iter().all(|e| e.text != header), "{:?}", f[1]);
    }

    /// The passage that declares an indicator not applicable does not prove it, though a strong
    /// rule's words are in it; the same words in another passage still do.
    #[test]
    fn a_declaration_of_non_applicability_is_not_its_own_evidence() {
        let strong = format!(
            "{RULES}\n[[rule]]\nid = \"recycler\"\nindicator = \"5.2.6\"\nany = [\"回收企业\"]\n"
        );
        let rules = crate::rules::testing::compile_files(&[
            ("catalog.toml", CATALOG),
            ("evidence-x.toml", &strong),
        ])
        .expect("compiles");
        let declared = "报废商品由使用单位委托回收企业处理，本公司不涉及回收。";
        let findings = |lines: &[&str]| {
            let bundle = Bundle {
                id: "b".into(),
                documents: vec![doc("a.txt", lines)],
            };
            indicator_findings(&bundle, &rules, &FileMaterials::default())
        };
        let f = findings(&[declared]);
        assert_eq!(f[1].status, IndicatorStatus::Excluded, "{:?}", f[1]);
        let f = findings(&[declared, "废旧电器交由有资质的回收企业统一处理。"]);
        assert_eq!(f[1].status, IndicatorStatus::Supported, "{:?}", f[1]);
        assert!(f[1].evidence.iter().all(|e| e.text != declared));
    }
}
