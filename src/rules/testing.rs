//! Rule sets for unit tests: a test writes only the files it is about (a small catalog, one
//! evidence file), and gets what the code itself needs from the built-in rules — the flags it
//! raises, the materials it reads (and `[parties]` names), `fields.toml` — so that the compiler's checks of
//! [`super::names`] hold without every test repeating the whole catalog.

use super::load::{Source, load_sources};
use super::names;
use super::{CompiledRules, RuleSet, RulesError};
use std::sync::OnceLock;

/// The built-in rules, compiled once per test binary.
pub(crate) fn default_rules() -> &'static CompiledRules {
    static RULES: OnceLock<CompiledRules> = OnceLock::new();
    RULES.get_or_init(|| {
        let set = super::load_default().expect("the built-in rules load");
        super::compile(&set).expect("the built-in rules compile")
    })
}

/// Loads `files` (name, text), completed from the built-in rules (see the module docs).
pub(crate) fn set_of(files: &[(&str, &str)]) -> Result<RuleSet, RulesError> {
    let defaults = default_rules();
    let mut sources: Vec<Source> = files
        .iter()
        .map(|(name, text)| Source {
            name: (*name).to_string(),
            text: (*text).to_string(),
        })
        .collect();
    if let Some(catalog) = sources.iter_mut().find(|s| s.name == "catalog.toml") {
        let mut extra = String::new();
        for code in names::FLAGS_RAISED {
            if !catalog.text.contains(&format!("code = \"{code}\"")) {
                let severity = serde_json::to_value(defaults.catalog().severity(code))
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| "warning".to_string());
                extra.push_str(&format!(
                    "\n[[flag]]\ncode = \"{code}\"\nseverity = \"{severity}\"\ndescription = \"-\"\n"
                ));
            }
        }
        let holders = defaults
            .parties
            .holder_materials
            .iter()
            .map(|m| m.0.as_str());
        let needed: Vec<&str> = names::MATERIALS_READ
            .iter()
            .map(|(id, _)| *id)
            .chain(holders)
            .collect();
        for id in needed {
            if !catalog.text.contains(&format!("id = \"{id}\""))
                && !extra.contains(&format!("id = \"{id}\""))
            {
                extra.push_str(&format!(
                    "\n[[material]]\nid = \"{id}\"\nname = \"{id}\"\nrequired = \"if_applicable\"\n"
                ));
            }
        }
        catalog.text.push_str(&extra);
    }
    if !sources.iter().any(|s| s.name == "fields.toml") {
        sources.extend(
            super::embedded_sources()
                .into_iter()
                .filter(|s| s.name == "fields.toml"),
        );
    }
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    load_sources(sources)
}

/// [`set_of`], compiled.
pub(crate) fn compile_files(files: &[(&str, &str)]) -> Result<CompiledRules, RulesError> {
    super::compile(&set_of(files)?)
}

/// A body table's cell at `row`, `col` of table 0 holding `text`, for tests of forms.
pub(crate) fn table_cell(text: &str, row: u32, col: u32) -> crate::model::Passage {
    crate::model::Passage::new(
        text,
        crate::model::Location::TableCell {
            part: crate::model::Part::Body,
            table: 0,
            row,
            col,
            nested: None,
        },
    )
}
