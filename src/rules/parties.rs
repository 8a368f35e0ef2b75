//! Whose document is it. A bundle often holds papers of other companies: the licence of the
//! service partner that does the repairs, the parent company's ISO certificate, a test report
//! commissioned by the manufacturer. None of them is the applicant's material; none may feed
//! the applicant's fields or raise a name, USCC or expiry flag against the applicant.
//!
//! ```text
//! fields (every occurrence) ──attribute──▶ Parties { applicant, others: file → holder }
//! ```
//!
//! The applicant is the company named on a business licence; with several licences, the one
//! whose name the other files of the bundle repeat most (a partner's name appears on its own
//! licence and in the contract with it, the applicant's in every manual, commitment and form),
//! then the one whose path does not say 供应商/合作/服务商…, then the first. A document of a
//! holder material (`[parties] holder_materials` in `fields.toml`) belongs to another party when
//! every holder name on it is another company's: not the applicant's name, not a branch of it,
//! not the same name spelt otherwise (a long common beginning: a rename or a typo, which the
//! name check reports), and its USCC, if it prints one, is not the applicant's. Only one
//! licence in the bundle is the applicant's by definition: a lone licence that disagrees with
//! the other files is a name mismatch for the reviewer, never silently someone else's.

use super::checks::near;
use super::fields::values::name_key;
use super::names::{field, material};
use crate::model::{Bundle, FieldValue, MaterialId, Value};
use serde::Deserialize;
use std::collections::BTreeMap;

/// `[parties]` of `fields.toml`, as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartiesDef {
    /// Materials that carry their holder's name (licence, certificates, permits, test reports).
    pub holder_materials: Vec<String>,
    /// Words in a file's path that say it is another party's copy (`供应商`, `合作`).
    #[serde(default)]
    pub other_party_cues: Vec<String>,
    /// Two names whose matching forms begin with this many identical characters (省 and 市
    /// left out) are one company's, spelt two ways.
    pub same_company_prefix: usize,
    /// Words just before a company's name that hand something to it (`委托`, `交由`): a
    /// document naming a company only so is not speaking for it.
    #[serde(default)]
    pub delegation_cues: Vec<String>,
    /// Fields naming a document's product (a test report's 产品名称): a report commissioned by
    /// another company on a product the applicant's own documents name is about the
    /// applicant's product (a maker's report shown by its dealer), and stays the applicant's.
    #[serde(default)]
    pub product_fields: Vec<String>,
}

/// `[parties]`, checked and folded.
#[derive(Debug, Clone, Default)]
pub struct PartyRules {
    pub(crate) holder_materials: Vec<MaterialId>,
    pub(crate) other_party_cues: Vec<String>,
    pub(crate) same_company_prefix: usize,
    pub(crate) delegation_cues: Vec<String>,
    pub(crate) product_fields: Vec<String>,
}

/// Who the applicant is and which documents are other parties'.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parties {
    /// The applicant's name as printed, and the file it was taken from.
    pub applicant: Option<(String, String)>,
    /// How many other files name the applicant.
    pub applicant_mentions: usize,
    /// The applicant's 统一社会信用代码, from its licence.
    pub applicant_uscc: Option<String>,
    /// File → the other party's name printed on it, with the holder materials it was
    /// classified as.
    pub others: BTreeMap<String, OtherParty>,
}

/// A document that names another company as its holder.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherParty {
    /// The holder's name as printed.
    pub name: String,
    /// The holder materials the file was classified as (no longer the applicant's).
    pub materials: Vec<MaterialId>,
}

impl Parties {
    /// Whether `file` is another party's document.
    pub fn is_other(&self, file: &str) -> bool {
        self.others.contains_key(file)
    }
}

/// The names that say whose a document is: the licence's 名称, a certificate's holder, a test
/// report's 委托单位.
const HOLDER_FIELDS: [&str; 3] = [
    field::COMPANY_NAME,
    field::CERTIFICATE_HOLDER,
    field::REPORT_CLIENT,
];

/// Decides whose each holder document is (see the module docs).
pub fn attribute(
    bundle: &Bundle,
    fields: &[FieldValue],
    file_materials: &BTreeMap<String, Vec<MaterialId>>,
    rules: &PartyRules,
) -> Parties {
    let materials_of = |file: &str| file_materials.get(file).map_or(&[][..], Vec::as_slice);
    let is_licence = |file: &str| {
        materials_of(file)
            .iter()
            .any(|m| m.0 == material::BUSINESS_LICENSE)
    };
    // Every document's passages in the form names are compared in.
    let keyed: Vec<(&str, Vec<String>)> = bundle
        .documents
        .iter()
        .map(|d| {
            let passages = d.passages.iter().map(|p| name_key(&p.normalized)).collect();
            (d.path.as_str(), passages)
        })
        .collect();
    let standing_in_bundle = |key: &str, except: &str| -> (u32, usize) {
        let mut score = 0;
        let mut files = 0;
        for (path, passages) in &keyed {
            if *path == except {
                continue;
            }
            let named_as_applicant = fields.iter().any(|f| {
                f.file == *path
                    && f.name == field::COMPANY_NAME
                    && name_key(&f.value.to_string()) == key
            });
            let s = standing(key, passages, named_as_applicant, rules);
            score += u32::from(s);
            files += usize::from(s > 0);
        }
        (score, files)
    };

    // The applicant: a licence's 名称, the one the rest of the bundle speaks for.
    let mut best: Option<((u32, bool), usize, &FieldValue)> = None;
    for f in fields
        .iter()
        .filter(|f| f.name == field::COMPANY_NAME && is_licence(&f.file))
    {
        let key = name_key(&f.value.to_string());
        let (score, files) = standing_in_bundle(&key, &f.file);
        let rank = (score, !has_cue(&f.file, rules));
        // Strictly better only: ties keep the earlier file.
        if best.is_none_or(|(r, _, _)| rank > r) {
            best = Some((rank, files, f));
        }
    }
    // A licence whose 名称 could not be read (a layout the labels miss) still holds the
    // applicant's code: the applicant is then the name the bundle's own fields give most often,
    // so that another company's papers are still told apart from the applicant's.
    let fallback;
    let chosen = match best {
        Some((_, _, chosen)) => chosen,
        None => {
            let Some(code) = fields
                .iter()
                .find(|f| f.name == field::USCC && is_licence(&f.file) && f.valid != Some(false))
            else {
                return Parties::default();
            };
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for f in fields.iter().filter(|f| f.name == field::COMPANY_NAME) {
                *counts.entry(f.value.to_string()).or_default() += 1;
            }
            let Some(name) = counts
                .into_iter()
                .max_by_key(|(_, n)| *n)
                .map(|(name, _)| name)
            else {
                return Parties::default();
            };
            fallback = FieldValue {
                name: field::COMPANY_NAME.to_string(),
                value: Value::Text(name),
                ..code.clone()
            };
            &fallback
        }
    };
    let applicant_mentions = best.map_or_else(
        || standing_in_bundle(&name_key(&chosen.value.to_string()), &chosen.file).1,
        |(_, files, _)| files,
    );
    let applicant_name = chosen.value.to_string();
    let applicant_key = name_key(&applicant_name);
    let applicant_uscc = fields
        .iter()
        .find(|f| f.name == field::USCC && f.file == chosen.file && f.valid != Some(false))
        .or_else(|| {
            fields
                .iter()
                .find(|f| f.name == field::USCC && f.file == chosen.file)
        })
        .map(|f| f.value.to_string());

    let mut others = BTreeMap::new();
    let mut files: Vec<&str> = Vec::new();
    for f in fields
        .iter()
        .filter(|f| HOLDER_FIELDS.contains(&f.name.as_str()))
    {
        if !files.contains(&f.file.as_str()) {
            files.push(&f.file);
        }
    }
    let holder_files: Vec<&str> = files
        .iter()
        .copied()
        .filter(|f| {
            materials_of(f)
                .iter()
                .any(|m| rules.holder_materials.contains(m))
        })
        .collect();
    for file in files.iter().copied() {
        let held: Vec<MaterialId> = materials_of(file)
            .iter()
            .filter(|m| rules.holder_materials.contains(m))
            .cloned()
            .collect();
        if held.is_empty() {
            continue;
        }
        let holders: Vec<&FieldValue> = fields
            .iter()
            .filter(|f| f.file == file && HOLDER_FIELDS.contains(&f.name.as_str()))
            .collect();
        let applicants = holders
            .iter()
            .any(|h| same_company(&applicant_key, &name_key(&h.value.to_string()), rules));
        let shares_uscc = applicant_uscc.as_deref().is_some_and(|code| {
            fields
                .iter()
                .any(|f| f.file == file && f.name == field::USCC && f.value == code)
        });
        // A report on a product the applicant's own documents name (holder files aside).
        let own_product = fields
            .iter()
            .filter(|f| f.file == file && rules.product_fields.contains(&f.name))
            .any(|f| {
                let product = product_key(&f.value.to_string());
                product.chars().count() >= 2
                    && keyed.iter().any(|(path, passages)| {
                        *path != file
                            && !holder_files.contains(path)
                            && passages.iter().any(|p| p.contains(&product))
                    })
            });
        if applicants || shares_uscc || own_product {
            continue;
        }
        if let Some(holder) = holders.first() {
            others.insert(
                file.to_string(),
                OtherParty {
                    name: holder.value.to_string(),
                    materials: held,
                },
            );
        }
    }
    Parties {
        applicant: Some((applicant_name, chosen.file.clone())),
        applicant_mentions,
        applicant_uscc,
        others,
    }
}

/// Which field occurrences belong to another company's block inside one of the applicant's
/// files: a landlord's licence copied into a lease, the carrier's licence after a transport
/// contract, the maker's credentials in a dealer's folder. Such a block names a company that is
/// not the applicant ([`same_company`]) beside a USCC that is not the applicant's; every field
/// near that name (same page, table or a few paragraphs, see [`near`]) is the other company's.
/// A differing name without a differing USCC beside it stays for the name check to report.
pub fn other_party_fields(
    fields: &[FieldValue],
    parties: &Parties,
    rules: &PartyRules,
) -> Vec<bool> {
    let mut other = vec![false; fields.len()];
    let (Some((name, licence)), Some(uscc)) = (&parties.applicant, &parties.applicant_uscc) else {
        return other;
    };
    let applicant_key = name_key(name);
    for holder in fields.iter().filter(|f| {
        HOLDER_FIELDS.contains(&f.name.as_str()) && f.file != *licence && !parties.is_other(&f.file)
    }) {
        if same_company(&applicant_key, &name_key(&holder.value.to_string()), rules) {
            continue;
        }
        let beside_another_code = fields.iter().any(|f| {
            f.file == holder.file
                && f.name == field::USCC
                && f.value != uscc.as_str()
                && near(&f.location, &holder.location)
        });
        if !beside_another_code {
            continue;
        }
        for (i, f) in fields.iter().enumerate() {
            if f.file == holder.file && near(&f.location, &holder.location) {
                other[i] = true;
            }
        }
    }
    // A valid code that is not the applicant's, with no applicant name beside it, keys a block
    // by itself (an installer's licence whose 名称 is no company form: 「…安装服务部」). A code
    // that fails its check is the applicant's typo for `uscc_invalid`, never someone else's.
    for code in fields.iter().filter(|f| {
        f.name == field::USCC
            && f.valid == Some(true)
            && f.value != uscc.as_str()
            && f.file != *licence
            && !parties.is_other(&f.file)
    }) {
        let applicant_mentions: Vec<&FieldValue> = fields
            .iter()
            .filter(|h| {
                h.file == code.file
                    && HOLDER_FIELDS.contains(&h.name.as_str())
                    && near(&h.location, &code.location)
                    && same_company(&applicant_key, &name_key(&h.value.to_string()), rules)
            })
            .collect();
        // On a page whose lines are known, a page may hold several documents (the applicant's
        // certificate, then a supplier's copied under it): the applicant's name is beside the
        // code only a few lines away, and the other block is the lines nearer the code than
        // any mention of the applicant.
        let gaps: Vec<Option<u32>> = applicant_mentions
            .iter()
            .map(|h| line_gap(&h.location, &code.location))
            .collect();
        let by_lines = !gaps.is_empty() && gaps.iter().all(Option::is_some);
        let beside_the_applicant = if by_lines {
            gaps.iter().flatten().any(|&g| g <= BESIDE_LINES)
        } else {
            !applicant_mentions.is_empty()
        };
        if beside_the_applicant {
            continue;
        }
        for (i, f) in fields.iter().enumerate() {
            if f.file != code.file || !near(&f.location, &code.location) {
                continue;
            }
            // Only ever set: a field another block marked stays marked.
            if !by_lines
                || line_gap(&f.location, &code.location).is_some_and(|to_code| {
                    applicant_mentions.iter().all(|h| {
                        line_gap(&f.location, &h.location).is_some_and(|to_h| to_code < to_h)
                    })
                })
            {
                other[i] = true;
            }
        }
    }
    other
}

/// Lines apart at most for a name to stand beside a code on a page read line by line.
const BESIDE_LINES: u32 = 3;

/// How many lines apart two places on one page are (0 when their lines overlap), where the text
/// layer gives lines; `None` otherwise.
fn line_gap(a: &crate::model::Location, b: &crate::model::Location) -> Option<u32> {
    use crate::model::Location;
    let span = |l: &Location| match l {
        Location::Page {
            page,
            lines: Some([first, last]),
            ..
        } => Some((*page, *first, *last)),
        Location::OcrLine { page, line, .. } => Some((*page, *line, *line)),
        _ => None,
    };
    let ((pa, a0, a1), (pb, b0, b1)) = (span(a)?, span(b)?);
    (pa == pb).then(|| b0.saturating_sub(a1).max(a0.saturating_sub(b1)))
}

/// How a document speaks of a company (name key `key`): 2 when it speaks for it (its title or
/// closing lines, where an author and a 落款 stand, or an applicant field of the document
/// names it); 1 when it names it otherwise; 0 when it names it only as the one something is
/// handed to (委托…, 交由…: a partner) or not at all.
fn standing(key: &str, passages: &[String], named_as_applicant: bool, rules: &PartyRules) -> u8 {
    if key.is_empty() {
        return 0;
    }
    let n = passages.len();
    let mut best = if named_as_applicant { 2 } else { 0 };
    for (i, text) in passages.iter().enumerate() {
        if best == 2 {
            break;
        }
        for (at, _) in text.match_indices(key) {
            let own_place = i == 0 || i + 3 >= n;
            // The 8 characters before the name.
            let from = text[..at].char_indices().rev().nth(7).map_or(0, |(i, _)| i);
            let before = &text[from..at];
            let handed_to = rules
                .delegation_cues
                .iter()
                .any(|c| before.contains(c.as_str()));
            let s = match (handed_to, own_place) {
                (true, _) => 0,
                (false, true) => 2,
                (false, false) => 1,
            };
            best = best.max(s);
        }
    }
    best
}

/// A product name as compared: up to its first bracket (`E0级刨花板（三聚氰胺饰面）` → `E0级刨花板`).
fn product_key(product: &str) -> String {
    let key = name_key(product);
    key.split(['(', '（']).next().unwrap_or("").to_string()
}

/// Whether a path says it is another party's copy.
fn has_cue(path: &str, rules: &PartyRules) -> bool {
    let folded = super::text::fold_raw(path);
    rules
        .other_party_cues
        .iter()
        .any(|c| folded.contains(c.as_str()))
}

/// Whether two name keys are one company's: equal, a branch or a longer value that begins with
/// the applicant's name, or the same beginning over `same_company_prefix` characters once 省
/// and 市 are left out (`苏州市华信…` and `苏州华信…`).
fn same_company(applicant: &str, other: &str, rules: &PartyRules) -> bool {
    if applicant.is_empty() || other.is_empty() {
        return false;
    }
    if other.starts_with(applicant) || applicant.starts_with(other) {
        return true;
    }
    let plain =
        |s: &str| -> Vec<char> { s.chars().filter(|c| !matches!(c, '省' | '市')).collect() };
    let (a, b) = (plain(applicant), plain(other));
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    common >= rules.same_company_prefix.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, FileKind, FileStatus, Location, Passage, Value};

    fn rules() -> PartyRules {
        PartyRules {
            holder_materials: ["business_license", "certificates", "inspection_report"]
                .map(|m| MaterialId(m.into()))
                .to_vec(),
            other_party_cues: vec!["供应商".into(), "合作".into()],
            same_company_prefix: 4,
            delegation_cues: vec!["委托".into()],
            product_fields: vec!["report_product".into()],
        }
    }

    fn doc(path: &str, texts: &[&str]) -> Document {
        Document {
            path: path.into(),
            sha256: path.into(),
            bytes: 1,
            kind: FileKind::Pdf,
            declared_kind: None,
            status: FileStatus::Ok,
            error: None,
            ocr_pages: Vec::new(),
            ocr: false,
            pages: None,
            notes: Vec::new(),
            passages: texts
                .iter()
                .map(|t| Passage::new(t.to_string(), Location::page(1)))
                .collect(),
        }
    }

    fn value(name: &str, v: &str, file: &str) -> FieldValue {
        FieldValue {
            name: name.into(),
            value: Value::Text(v.into()),
            file: file.into(),
            location: Location::page(1),
            valid: Some(true),
            group: None,
            note: None,
        }
    }

    fn value_on_page(name: &str, v: &str, file: &str, page: u32) -> FieldValue {
        FieldValue {
            location: Location::page(page),
            ..value(name, v, file)
        }
    }

    fn materials(list: &[(&str, &str)]) -> BTreeMap<String, Vec<MaterialId>> {
        list.iter()
            .map(|(f, m)| (f.to_string(), vec![MaterialId(m.to_string())]))
            .collect()
    }

    #[test]
    fn the_licence_the_bundle_names_is_the_applicants_and_a_partners_is_not() {
        let bundle = Bundle {
            id: "b".into(),
            documents: vec![
                doc(
                    "附件-合作维修商营业执照.pdf",
                    &["名称 苏州美达电器维修有限公司"],
                ),
                doc("营业执照.pdf", &["名称 苏州华信智能家电有限公司"]),
                doc("服务手册.docx", &["苏州华信智能家电有限公司售后服务手册"]),
                doc("承诺书.docx", &["苏州华信智能家电有限公司承诺"]),
                doc(
                    "合作协议.docx",
                    &["甲方：苏州华信智能家电有限公司 乙方：苏州美达电器维修有限公司"],
                ),
                doc("ISO证书.pdf", &["兹证明 华信控股集团有限公司"]),
            ],
        };
        let fields = vec![
            value(
                "company_name",
                "苏州美达电器维修有限公司",
                "附件-合作维修商营业执照.pdf",
            ),
            value("uscc", "91320505MA1XH7K24N", "附件-合作维修商营业执照.pdf"),
            value("company_name", "苏州华信智能家电有限公司", "营业执照.pdf"),
            value("uscc", "91320505MA1XH7K333", "营业执照.pdf"),
            value("certificate_holder", "华信控股集团有限公司", "ISO证书.pdf"),
        ];
        let fm = materials(&[
            ("附件-合作维修商营业执照.pdf", "business_license"),
            ("营业执照.pdf", "business_license"),
            ("ISO证书.pdf", "certificates"),
        ]);
        let parties = attribute(&bundle, &fields, &fm, &rules());
        assert_eq!(
            parties.applicant,
            Some(("苏州华信智能家电有限公司".into(), "营业执照.pdf".into()))
        );
        assert_eq!(parties.applicant_mentions, 3);
        assert!(parties.is_other("附件-合作维修商营业执照.pdf"));
        assert!(parties.is_other("ISO证书.pdf"));
        assert!(!parties.is_other("营业执照.pdf"));
    }

    #[test]
    fn a_lone_licence_is_the_applicants_whatever_the_other_files_say() {
        let bundle = Bundle {
            id: "b".into(),
            documents: vec![
                doc("营业执照.pdf", &["名称 苏州华信电器有限公司"]),
                doc(
                    "手册.docx",
                    &["苏州华信智能家电有限公司", "苏州华信智能家电有限公司"],
                ),
            ],
        };
        let fields = vec![value(
            "company_name",
            "苏州华信电器有限公司",
            "营业执照.pdf",
        )];
        let fm = materials(&[("营业执照.pdf", "business_license")]);
        let parties = attribute(&bundle, &fields, &fm, &rules());
        assert_eq!(
            parties.applicant.map(|(n, _)| n).as_deref(),
            Some("苏州华信电器有限公司")
        );
        assert!(parties.others.is_empty());
    }

    #[test]
    fn the_same_company_spelt_otherwise_or_with_its_code_is_not_another_party() {
        let r = rules();
        let key = |s: &str| name_key(s);
        assert!(same_company(
            &key("苏州华信智能家电有限公司"),
            &key("苏州市华信智能家电有限公司"),
            &r
        ));
        assert!(same_company(
            &key("苏州华信智能家电有限公司"),
            &key("苏州华信智能家电有限公司深圳分公司"),
            &r
        ));
        assert!(same_company(
            &key("苏州华信智能家电有限公司"),
            &key("苏州华信家电有限公司"),
            &r
        ));
        assert!(!same_company(
            &key("苏州华信智能家电有限公司"),
            &key("苏州美达电器有限公司"),
            &r
        ));
        // Same USCC, other name: the applicant's, renamed.
        let bundle = Bundle {
            id: "b".into(),
            documents: vec![doc("营业执照.pdf", &[]), doc("证书.pdf", &[])],
        };
        let fields = vec![
            value("company_name", "苏州华信智能家电有限公司", "营业执照.pdf"),
            value("uscc", "91320505MA1XH7K24N", "营业执照.pdf"),
            value("certificate_holder", "江南电器有限公司", "证书.pdf"),
            value("uscc", "91320505MA1XH7K24N", "证书.pdf"),
        ];
        let fm = materials(&[
            ("营业执照.pdf", "business_license"),
            ("证书.pdf", "certificates"),
        ]);
        assert!(attribute(&bundle, &fields, &fm, &r).others.is_empty());
    }

    #[test]
    fn with_two_licences_named_alike_the_path_and_then_the_order_decide() {
        let bundle = Bundle {
            id: "b".into(),
            documents: vec![doc("供应商营业执照.pdf", &[]), doc("营业执照.pdf", &[])],
        };
        let fields = vec![
            value("company_name", "甲公司", "供应商营业执照.pdf"),
            value("company_name", "乙公司", "营业执照.pdf"),
        ];
        let fm = materials(&[
            ("供应商营业执照.pdf", "business_license"),
            ("营业执照.pdf", "business_license"),
        ]);
        let parties = attribute(&bundle, &fields, &fm, &rules());
        assert!(
            parties
                .applicant
                .as_ref()
                .is_some_and(|(n, _)| n == "乙公司")
        );
        assert!(parties.is_other("供应商营业执照.pdf"));
    }

    #[test]
    fn a_partner_named_only_as_the_one_work_is_handed_to_does_not_speak_for_the_bundle() {
        // Both full names appear in three other files; the partner's only after 委托 or as
        // the other side of the contract.
        let bundle = Bundle {
            id: "b".into(),
            documents: vec![
                doc(
                    "公司介绍.docx",
                    &["深圳市优品汇电子商务有限公司成立于2016年", "主营小家电"],
                ),
                doc(
                    "体系说明.pdf",
                    &[
                        "一、服务方式",
                        "维修委托深圳市快修帮家电服务有限公司。",
                        "二、",
                        "三、",
                        "深圳市优品汇电子商务有限公司 2026年10月",
                    ],
                ),
                doc(
                    "管理规定.docx",
                    &[
                        "第一条",
                        "第四条 维修委托深圳市快修帮家电服务有限公司承担",
                        "第五条",
                        "第六条",
                        "第七条",
                    ],
                ),
                doc("快修帮营业执照.pdf", &["名称 深圳市快修帮家电服务有限公司"]),
                doc("营业执照.pdf", &["名称 深圳市优品汇电子商务有限公司"]),
                doc(
                    "检验报告.pdf",
                    &["产品名称 空气炸锅", "委托单位 中山市康逸电器有限公司"],
                ),
                doc("产品说明.docx", &["优品汇空气炸锅YP-KZ5501"]),
                doc(
                    "板材检测报告.pdf",
                    &[
                        "样品名称 E0级刨花板（饰面）",
                        "委托单位 浙江森禾板业有限公司",
                    ],
                ),
            ],
        };
        let fields = vec![
            value(
                "company_name",
                "深圳市快修帮家电服务有限公司",
                "快修帮营业执照.pdf",
            ),
            value(
                "company_name",
                "深圳市优品汇电子商务有限公司",
                "营业执照.pdf",
            ),
            value("report_client", "中山市康逸电器有限公司", "检验报告.pdf"),
            value("report_product", "空气炸锅", "检验报告.pdf"),
            value("report_client", "浙江森禾板业有限公司", "板材检测报告.pdf"),
            value("report_product", "E0级刨花板（饰面）", "板材检测报告.pdf"),
        ];
        let fm = materials(&[
            ("快修帮营业执照.pdf", "business_license"),
            ("营业执照.pdf", "business_license"),
            ("检验报告.pdf", "inspection_report"),
            ("板材检测报告.pdf", "inspection_report"),
        ]);
        let parties = attribute(&bundle, &fields, &fm, &rules());
        assert!(
            parties
                .applicant
                .as_ref()
                .is_some_and(|(n, _)| n == "深圳市优品汇电子商务有限公司"),
            "{parties:?}"
        );
        assert!(parties.is_other("快修帮营业执照.pdf"));
        // The maker's report on the applicant's product stays; the board supplier's goes.
        assert!(!parties.is_other("检验报告.pdf"));
        assert!(parties.is_other("板材检测报告.pdf"));
    }

    #[test]
    fn a_licence_copied_into_a_lease_is_the_landlords_block_and_a_form_with_another_code_stays() {
        let f = value_on_page;
        let fields = vec![
            f(
                "company_name",
                "广州快芯手机维修服务连锁有限公司",
                "营业执照.pdf",
                1,
            ),
            f("uscc", "91440106MA5CK7P206", "营业执照.pdf", 1),
            // The landlord's licence on page 3 of the lease.
            f(
                "company_name",
                "广州市环宇物业管理有限公司",
                "租赁合同.pdf",
                3,
            ),
            f("uscc", "91440106730492860J", "租赁合同.pdf", 3),
            f("license_valid_until", "2025-12-31", "租赁合同.pdf", 3),
            // The application form: the applicant's name with another code (a real mismatch).
            f(
                "company_name",
                "广州快芯手机维修服务连锁有限公司",
                "申请书.docx",
                1,
            ),
            f("uscc", "91440106MA5CK7P2XX", "申请书.docx", 1),
            // A differing name with no code beside it: left for the name check.
            f("company_name", "广州快芯通讯器材有限公司", "承诺书.docx", 1),
        ];
        let bundle = Bundle {
            id: "b".into(),
            documents: vec![doc("营业执照.pdf", &[]), doc("租赁合同.pdf", &[])],
        };
        let fm = materials(&[("营业执照.pdf", "business_license")]);
        let parties = attribute(&bundle, &fields, &fm, &rules());
        let other = other_party_fields(&fields, &parties, &rules());
        assert_eq!(
            other,
            vec![false, false, true, true, true, false, false, false]
        );
    }

    /// One page holding the applicant's certificate and, lines below, a supplier's with its own
    /// code: the supplier's block is the lines nearer its code than the applicant's name.
    #[test]
    fn a_suppliers_certificate_under_the_applicants_on_one_page_is_its_own_block() {
        let at = |name: &str, v: &str, file: &str, line: u32| FieldValue {
            location: Location::Page {
                page: 1,
                lines: Some([line, line]),
                bbox: None,
            },
            ..value(name, v, file)
        };
        let fields = vec![
            at("company_name", "天津捷速电动车有限公司", "营业执照.pdf", 3),
            at("uscc", "91120118MA06HX4R16", "营业执照.pdf", 4),
            at(
                "certificate_holder",
                "天津捷速电动车有限公司",
                "证书.pdf",
                3,
            ),
            at("certificate_valid_until", "2029-03-17", "证书.pdf", 8),
            at("certificate_number", "2023011125006418", "证书.pdf", 17),
            at("uscc", "91330522MA28C5L19D", "证书.pdf", 19),
            at("certificate_valid_until", "2026-06-30", "证书.pdf", 22),
        ];
        let bundle = Bundle {
            id: "b".into(),
            documents: vec![doc("营业执照.pdf", &[]), doc("证书.pdf", &[])],
        };
        let fm = materials(&[
            ("营业执照.pdf", "business_license"),
            ("证书.pdf", "certificates"),
        ]);
        let parties = attribute(&bundle, &fields, &fm, &rules());
        let other = other_party_fields(&fields, &parties, &rules());
        assert_eq!(other, vec![false, false, false, false, true, true, true]);
        // The applicant's name three lines from that code: the code is the applicant's typo or
        // second code, for the mismatch check, not someone else's block.
        let mut close = fields.clone();
        close[2] = at(
            "certificate_holder",
            "天津捷速电动车有限公司",
            "证书.pdf",
            16,
        );
        let other = other_party_fields(&close, &parties, &rules());
        assert!(other.iter().all(|o| !o), "{other:?}");
    }

    /// A licence whose name could not be read still gives the applicant's code; the name is the
    /// one the bundle's fields give most often, and a maker's licence copied into an agreement
    /// is still its block.
    #[test]
    fn a_licence_without_a_readable_name_still_tells_the_applicant_from_a_maker() {
        let f = value_on_page;
        let fields = vec![
            f("uscc", "91370212MA3C5WQ2X5", "营业执照.pdf", 1),
            f("company_name", "青岛康跃器材有限公司", "申请书.docx", 1),
            f("company_name", "如皋市铁臂器材有限公司", "加工协议.pdf", 2),
            f("uscc", "91320682MA1X7R4578", "加工协议.pdf", 2),
            f("license_valid_until", "2026-06-30", "加工协议.pdf", 2),
        ];
        let bundle = Bundle {
            id: "b".into(),
            documents: vec![
                doc("营业执照.pdf", &[]),
                doc("申请书.docx", &["申请单位：青岛康跃器材有限公司"]),
                doc("加工协议.pdf", &[]),
            ],
        };
        let fm = materials(&[("营业执照.pdf", "business_license")]);
        let parties = attribute(&bundle, &fields, &fm, &rules());
        assert_eq!(
            parties.applicant,
            Some((
                "青岛康跃器材有限公司".to_string(),
                "营业执照.pdf".to_string()
            ))
        );
        assert_eq!(
            parties.applicant_uscc.as_deref(),
            Some("91370212MA3C5WQ2X5")
        );
        let other = other_party_fields(&fields, &parties, &rules());
        assert_eq!(other, vec![false, false, true, true, true]);
    }
}
