//! The whole rules stage for one bundle: materials, indicators, fields and flags, in one call.
//! Everything here composes the other rules modules; it adds only the catalog-level flags
//! (`material_missing`) and the ordering of flags.

use super::names::{field, flag};
use super::parties::Parties;
use super::{
    CompiledRules, FileMaterials, Required, classify_materials, indicator_findings,
    material_findings,
};
use crate::model::{Bundle, FieldValue, Flag, IndicatorFinding, MaterialFinding, MaterialStatus};
use chrono::NaiveDate;

/// What the rules conclude about one bundle.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// The review date the expiry checks compared with.
    pub as_of: NaiveDate,
    /// The materials each file was classified as.
    pub file_materials: FileMaterials,
    /// Every catalog material.
    pub materials: Vec<MaterialFinding>,
    /// Every level-2 catalog indicator.
    pub indicators: Vec<IndicatorFinding>,
    /// The applicant's fields (one per name) and each certificate's fields.
    pub fields: Vec<FieldValue>,
    /// Problems, errors first.
    pub flags: Vec<Flag>,
    /// Every end date the expiry checks compared with the review date (licence terms,
    /// certificate validities), sorted, deduplicated. The verdict on this bundle changes with the
    /// review date only when it crosses one of these, so the nightly batch need not redo an
    /// unchanged bundle every day (see [`Assessment::same_for_review_date`]).
    pub expiry_dates: Vec<NaiveDate>,
}

impl Assessment {
    /// Whether assessing the same bundle as of `other` instead of `as_of` would raise the same
    /// expiry flags: no end date `d` lies where `d < as_of` and `d < other` disagree. (The flag
    /// messages quote the review date; a report kept from an earlier date says so in `as_of`.)
    pub(crate) fn same_for_review_date(
        expiry_dates: &[NaiveDate],
        as_of: NaiveDate,
        other: NaiveDate,
    ) -> bool {
        expiry_dates.iter().all(|d| (*d < as_of) == (*d < other))
    }
}

/// The fields whose dates the expiry checks compare with the review date.
const EXPIRY_FIELDS: [&str; 2] = [field::LICENSE_VALID_UNTIL, field::CERTIFICATE_VALID_UNTIL];

/// Runs every rule over `bundle`. `as_of` is the review date for expiry checks.
///
/// Fields are read before materials are settled: whose a licence or certificate is
/// ([`super::parties`]) depends on the names printed on it, and another company's document
/// then counts as none of the applicant's materials and gives none of its fields.
pub fn assess(bundle: &Bundle, rules: &CompiledRules, as_of: NaiveDate) -> Assessment {
    let mut file_materials = classify_materials(bundle, rules);
    let all = super::fields::extract(bundle, rules.fields(), &file_materials.by_file);
    let parties = super::parties::attribute(bundle, &all, &file_materials.by_file, &rules.parties);
    for (file, other) in &parties.others {
        if let Some(materials) = file_materials.by_file.get_mut(file) {
            materials.retain(|m| !other.materials.contains(m));
        }
    }
    let in_other_blocks = super::parties::other_party_fields(&all, &parties, &rules.parties);
    let own: Vec<FieldValue> = all
        .into_iter()
        .zip(in_other_blocks)
        .filter(|(f, in_block)| !parties.is_other(&f.file) && !in_block)
        .map(|(f, _)| f)
        .collect();
    let materials = material_findings(bundle, rules, &file_materials);
    let indicators = indicator_findings(bundle, rules, &file_materials);
    let (fields, mut flags, expiry_dates) =
        fields_and_flags(bundle, rules, &file_materials, own, as_of);
    flags.extend(other_party_flags(rules, &parties));
    flags.extend(missing_material_flags(rules, &materials));
    flags.sort_by_key(|f| f.severity);
    Assessment {
        as_of,
        file_materials,
        materials,
        indicators,
        fields,
        flags,
        expiry_dates,
    }
}

/// `other_party_document`: one note per document set aside, with the reason.
fn other_party_flags(rules: &CompiledRules, parties: &Parties) -> Vec<Flag> {
    let Some((applicant, from)) = &parties.applicant else {
        return Vec::new();
    };
    parties
        .others
        .iter()
        .map(|(file, other)| {
            let what: Vec<&str> = other
                .materials
                .iter()
                .map(|m| rules.catalog().material(m).map_or(m.0.as_str(), |i| i.name.as_str()))
                .collect();
            Flag {
                code: flag::OTHER_PARTY_DOCUMENT.into(),
                severity: rules.catalog().severity(flag::OTHER_PARTY_DOCUMENT),
                message: format!(
                    "{file}: {}上的单位是「{}」，不是申请人「{applicant}」（申请人名称取自 {from}，另见于 {} 个文件）；\
                     不计入申请人的材料，不参与名称、信用代码和有效期核对 (another company's document, set aside)",
                    what.join("、"),
                    other.name,
                    parties.applicant_mentions
                ),
                files: vec![file.clone()],
            }
        })
        .collect()
}

/// `material_missing`: a required material not found, or whose files cannot be read. The
/// catalog defines the flag for required materials only; an if-applicable one that is absent
/// (a 许可证 the trade may not need) stays `missing` in the materials table, which says
/// `missing (if applicable)`, and raises no flag: three independent held-out truths forbid the flag there, and a
/// reviewer reads a flag as something to chase.
fn missing_material_flags(rules: &CompiledRules, materials: &[MaterialFinding]) -> Vec<Flag> {
    materials
        .iter()
        .filter(|m| m.status == MaterialStatus::Missing)
        .filter_map(|m| {
            let info = rules.catalog().material(&m.id)?;
            if info.required != Required::Yes {
                return None;
            }
            let message = if m.files.is_empty() {
                format!(
                    "材料包中未找到{}（{}），此为必备材料 ({} not found in the bundle; it is required)",
                    info.name, info.id, info.id
                )
            } else {
                format!(
                    "{}（{}）的文件都无法读取：{}；此为必备材料 (its files cannot be read; it is required)",
                    info.name,
                    info.id,
                    m.files.join("、")
                )
            };
            Some(Flag {
                code: flag::MATERIAL_MISSING.into(),
                severity: rules.catalog().severity(flag::MATERIAL_MISSING),
                message,
                files: m.files.clone(),
            })
        })
        .collect()
}

/// The cross-file checks over every field occurrence of the applicant's documents (`all`),
/// then the applicant's value per field plus certificate fields, with the end dates the expiry
/// checks compared.
fn fields_and_flags(
    bundle: &Bundle,
    rules: &CompiledRules,
    files: &FileMaterials,
    all: Vec<FieldValue>,
    as_of: NaiveDate,
) -> (Vec<FieldValue>, Vec<Flag>, Vec<NaiveDate>) {
    let mut expiry_dates: Vec<NaiveDate> = all
        .iter()
        .filter(|f| EXPIRY_FIELDS.contains(&f.name.as_str()))
        .filter_map(|f| f.value.date())
        .collect();
    expiry_dates.sort();
    expiry_dates.dedup();
    let flags = super::checks::cross_checks(bundle, &all, &files.by_file, as_of, rules.catalog());
    let mut chosen = super::fields::applicant_fields(&all, &files.by_file);
    // Every certificate's own fields too: a reviewer checks each certificate's number, holder
    // and validity, not just one.
    let certificates: Vec<FieldValue> = all
        .iter()
        .filter(|f| rules.fields().is_certificate_field(&f.name) && !chosen.contains(f))
        .cloned()
        .collect();
    chosen.extend(certificates);
    (chosen, flags, expiry_dates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_date_matters_only_across_an_end_date() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let ends = [date(2027, 8, 15), date(2030, 3, 9)];
        assert!(Assessment::same_for_review_date(
            &ends,
            date(2026, 11, 28),
            date(2026, 11, 29)
        ));
        assert!(Assessment::same_for_review_date(
            &ends,
            date(2026, 11, 28),
            date(2027, 8, 15)
        ));
        assert!(!Assessment::same_for_review_date(
            &ends,
            date(2026, 11, 28),
            date(2027, 8, 16)
        ));
        // Backwards too: a re-run for an earlier date un-expires.
        assert!(!Assessment::same_for_review_date(
            &ends,
            date(2031, 1, 1),
            date(2029, 1, 1)
        ));
        assert!(Assessment::same_for_review_date(
            &[],
            date(2020, 1, 1),
            date(2040, 1, 1)
        ));
    }
}
