//! Field extractors (being written): 统一社会信用代码 with its checksum, dates, validity periods,
//! names, capital, certificate numbers.

use serde::Deserialize;

/// One `[[field]]` of `fields.toml`, as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    /// Field name in reports (`legal_representative`).
    pub name: String,
    /// Labels that introduce the value (`法定代表人`).
    pub labels: Vec<String>,
    /// Value kind: person, company, uscc, date, validity_end, money, text, certificate_number.
    pub kind: String,
    /// Preferred source materials.
    #[serde(default)]
    pub materials: Vec<String>,
    /// Passages and the value they must yield.
    #[serde(default)]
    pub examples: Vec<FieldExample>,
}

/// An example of a field rule: this text must yield this value.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldExample {
    /// A passage.
    pub text: String,
    /// The value it must yield.
    pub value: String,
}
