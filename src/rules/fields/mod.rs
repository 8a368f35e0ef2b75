//! Field extraction: the applicant's identity (名称, 统一社会信用代码, 法定代表人, 注册资本, 成立日期,
//! 营业期限) and each certificate's number, holder and validity, pulled from labelled text.
//!
//! ```text
//! fields.toml ──compile──▶ CompiledFields (labels in one Aho-Corasick automaton, built once)
//! Bundle ──extract──▶ every labelled occurrence (FieldValue) ──applicant_fields──▶ one per name
//! ```
//!
//! Labels and values come in many layouts: `法定代表人    陈志远`, `法定代表人：陈志远`, a
//! spreadsheet row `名称 | 苏州…公司`, a Word table with the label in one cell and the value in the
//! next, a PDF block of label/value lines. Each passage is cut into lines and each line into cells
//! (tabs, ` | `, runs of two or more spaces); a label's value is the rest of its cell up to the next
//! label, else the next cell, the next line or the next adjacent passage. Values are returned as
//! found (full-width brackets kept), except codes (upper-cased) and dates (ISO `YYYY-MM-DD`).

pub mod dates;
pub mod extract;
pub mod shapes;
pub mod uscc;
pub mod values;

pub use extract::{CompiledFields, Kind, applicant_fields, compile, extract, materials_of};

use serde::Deserialize;

/// One `[[field]]` of `fields.toml`, as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    /// Field name in reports (`legal_representative`).
    pub name: String,
    /// Labels that introduce the value (`法定代表人`).
    pub labels: Vec<String>,
    /// What the value looks like.
    pub kind: Kind,
    /// The field's Chinese name on pages (`法定代表人`); the name itself when absent.
    #[serde(default)]
    pub title: Option<String>,
    /// What the value describes: the applicant (default), one certificate (its fields are
    /// grouped per certificate and each certificate's own values are reported) or another
    /// document such as a test report.
    #[serde(default)]
    pub describes: Describes,
    /// For a `money` field: also report the amount in 万元 under this name.
    #[serde(default)]
    pub normalized: Option<Normalized>,
    /// Preferred source materials.
    #[serde(default)]
    pub materials: Vec<String>,
    /// Passages and the value they must yield.
    #[serde(default)]
    pub examples: Vec<FieldExample>,
    /// When true, the field is only taken from files classified as one of `materials` (a
    /// 证书编号 in a staff list or an inspection report's CMA number is not a certificate's).
    #[serde(default)]
    pub only_in_materials: bool,
    /// Third-party cues: a label preceded on its line by one of these (`检验单位`, `CMA`) belongs
    /// to someone else (a lab, a supplier) and yields nothing for this field.
    #[serde(default)]
    pub not_after: Vec<String>,
    /// Numbering schemes the values follow, as anchored regular expressions: a value read by
    /// OCR that fits none is corrected by look-alike substitutions when exactly one correction
    /// fits ([`shapes`]).
    #[serde(default)]
    pub ocr_shapes: Vec<OcrShape>,
    /// For a `company` field: seal marks (`盖章`, `公章`). A line that is a company name and one
    /// of these in brackets (「杭州某某有限公司（盖章）」) is the signature of a letter, and gives
    /// the field with no label.
    #[serde(default)]
    pub seal_marks: Vec<String>,
}

/// One numbering scheme of `ocr_shapes`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcrShape {
    /// What the scheme is, for the reviewer (`管理体系认证证书编号`).
    pub name: String,
    /// The scheme as an anchored regular expression over the upper-cased value.
    pub pattern: String,
    /// Misreadings and what they must be corrected to; checked when the rules are compiled.
    #[serde(default)]
    pub examples: Vec<OcrShapeExample>,
}

/// A value as OCR misreads it and the value it must be corrected to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcrShapeExample {
    pub read: String,
    pub value: String,
}

/// What a field's value is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Describes {
    /// The applicant (one value per bundle, the licence's first).
    #[default]
    Applicant,
    /// One certificate or permit (values grouped per certificate).
    Certificate,
    /// Another document, such as a test report.
    Document,
}

/// `normalized = { name = "…", title = "…" }`: a derived field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normalized {
    /// The derived field's name.
    pub name: String,
    /// Its Chinese name on pages.
    #[serde(default)]
    pub title: Option<String>,
}

impl FieldRule {
    /// The Chinese name on pages, else the name.
    pub fn title(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.name)
    }
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

#[cfg(test)]
mod tests;
