//! The catalog as the other stages see it: the GB/T 27922 indicators, the application materials
//! and the flags with their severities, all from `catalog.toml` (ids fixed by the domain's
//! catalog). Code never keeps a second copy of these: a flag's severity is looked up here, and
//! the flags and fields the code raises or reads are checked against the catalog when the rules
//! are compiled ([`super::names`]).

use crate::model::{IndicatorId, MaterialId, Severity};
use serde::Deserialize;

/// Whether a material must be in every bundle (`required` in `catalog.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Required {
    /// `"yes"`: every bundle must carry it (missing → `material_missing` error).
    Yes,
    /// `"if_applicable"`: only where law or the applicant's situation calls for it (missing →
    /// warning at most).
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

/// The whole catalog, in `catalog.toml` order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalog {
    pub(crate) indicators: Vec<IndicatorInfo>,
    pub(crate) materials: Vec<MaterialInfo>,
    pub(crate) flags: Vec<FlagInfo>,
}

impl Catalog {
    /// The severity of a flag code. Every code certsift raises is in the catalog (compiling the
    /// rules refuses a catalog without it), so the fallback is never reached with valid rules.
    pub fn severity(&self, code: &str) -> Severity {
        self.flags
            .iter()
            .find(|f| f.code == code)
            .map_or(Severity::Warning, |f| f.severity)
    }

    /// The catalog entry of a material.
    pub fn material(&self, id: &MaterialId) -> Option<&MaterialInfo> {
        self.materials.iter().find(|m| &m.id == id)
    }
}
