//! The whole rules stage for one bundle: materials, indicators, fields and flags, in one call.
//! Everything here composes the other rules modules; it adds only the catalog-level flags
//! (`material_missing`) and the ordering of flags.

use super::{
    CompiledRules, FileMaterials, Required, classify_materials, indicator_findings,
    material_findings,
};
use crate::model::{
    Bundle, FieldValue, Flag, IndicatorFinding, MaterialFinding, MaterialStatus, Severity,
};
use chrono::NaiveDate;

/// What the rules conclude about one bundle.
#[derive(Debug, Clone)]
pub struct Assessment {
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
}

/// Runs every rule over `bundle`. `as_of` is the review date for expiry checks.
pub fn assess(bundle: &Bundle, rules: &CompiledRules, as_of: NaiveDate) -> Assessment {
    let file_materials = classify_materials(bundle, rules);
    let materials = material_findings(bundle, rules, &file_materials);
    let indicators = indicator_findings(bundle, rules, &file_materials);
    let (fields, mut flags) = fields_and_flags(bundle, rules, &file_materials, as_of);
    flags.extend(missing_material_flags(rules, &materials));
    flags.sort_by_key(|f| f.severity);
    Assessment {
        file_materials,
        materials,
        indicators,
        fields,
        flags,
    }
}

/// `material_missing`: an error for a required material, a warning for an if-applicable one
/// that the applicant did not declare not applicable.
fn missing_material_flags(rules: &CompiledRules, materials: &[MaterialFinding]) -> Vec<Flag> {
    materials
        .iter()
        .filter(|m| m.status == MaterialStatus::Missing)
        .filter_map(|m| {
            let info = rules.materials().iter().find(|i| i.id == m.id)?;
            let (severity, what) = match info.required {
                Required::Yes => (
                    rules
                        .flag_severity("material_missing")
                        .unwrap_or(Severity::Error),
                    "required",
                ),
                Required::IfApplicable => (Severity::Warning, "needed where applicable"),
            };
            Some(Flag {
                code: "material_missing".into(),
                severity,
                message: format!(
                    "{} ({}) not found in the bundle; it is {what}",
                    info.name, info.id
                ),
                files: Vec::new(),
            })
        })
        .collect()
}

/// Field extraction (every occurrence, then the applicant's value per field plus certificate
/// fields) and the cross-file checks, with severities from the catalog where it sets them.
fn fields_and_flags(
    bundle: &Bundle,
    rules: &CompiledRules,
    files: &FileMaterials,
    as_of: NaiveDate,
) -> (Vec<FieldValue>, Vec<Flag>) {
    let all = super::fields::extract(bundle, rules.compiled_fields(), &files.by_file);
    let mut severities = super::checks::Severities::default();
    for flag in rules.flags() {
        severities.0.insert(flag.code.clone(), flag.severity);
    }
    let flags = super::checks::cross_checks_with(bundle, &all, &files.by_file, as_of, &severities);
    let mut chosen = super::fields::applicant_fields(&all, &files.by_file);
    // Every certificate's own fields too: a reviewer checks each certificate's number, holder
    // and validity, not just one.
    let certificates: Vec<FieldValue> = all
        .iter()
        .filter(|f| {
            super::fields::extract::CERTIFICATE_FIELDS.contains(&f.name.as_str())
                && !chosen.contains(f)
        })
        .cloned()
        .collect();
    chosen.extend(certificates);
    (chosen, flags)
}
