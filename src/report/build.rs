//! Assessment → [`BundleReport`]: the only place that knows both the rules' conclusions and the
//! report contract's shape.

use super::coverage::{WeightedIndicator, roll_up};
use super::json::{BundleReport, FileEntry, SCHEMA_VERSION};
use super::summary::{FieldTitle, Names};
use crate::model::Bundle;
use crate::rules::fields::Describes;
use crate::rules::{Assessment, CompiledRules, Required};

/// Builds the report of `bundle` from its assessment.
pub fn build(bundle: &Bundle, assessment: &Assessment, rules: &CompiledRules) -> BundleReport {
    let catalog: Vec<WeightedIndicator<'_>> = rules
        .indicators()
        .iter()
        .map(|i| WeightedIndicator {
            id: &i.id.0,
            name: &i.name,
            level: i.level,
            weight: i.weight,
        })
        .collect();
    BundleReport {
        schema_version: SCHEMA_VERSION,
        bundle: bundle.id.clone(),
        as_of: assessment.as_of.format("%Y-%m-%d").to_string(),
        files: FileEntry::list(bundle, &assessment.file_materials.by_file),
        materials: assessment.materials.clone(),
        indicators: assessment.indicators.clone(),
        fields: assessment.fields.clone(),
        flags: assessment.flags.clone(),
        coverage: roll_up(&catalog, &assessment.indicators),
    }
}

/// The catalog names, requirements and field titles that the summary and pages show.
pub fn names(rules: &CompiledRules) -> Names {
    let mut names = Names::default();
    for i in rules.indicators() {
        names.names.insert(i.id.0.clone(), i.name.clone());
    }
    for m in rules.materials() {
        names.names.insert(m.id.0.clone(), m.name.clone());
        if m.required == Required::Yes {
            names.required.push(m.id.0.clone());
        }
    }
    for rule in rules.fields().rules() {
        let applicant = rule.describes == Describes::Applicant;
        names.fields.push(FieldTitle {
            name: rule.name.clone(),
            title: rule.title().to_string(),
            listed: applicant,
            document: !applicant,
        });
        if let Some(derived) = &rule.normalized {
            names.fields.push(FieldTitle {
                name: derived.name.clone(),
                title: derived
                    .title
                    .clone()
                    .unwrap_or_else(|| derived.name.clone()),
                listed: false,
                document: !applicant,
            });
        }
    }
    names
}
