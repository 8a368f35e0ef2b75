//! Rules as data: from a bundle's passages to materials, indicator evidence, fields and flags.
//!
//! ```text
//! rules/*.toml ──load──▶ RuleSet ──compile──▶ CompiledRules (regexes, aho-corasick built once)
//! Bundle ──assess(&CompiledRules, as_of)──▶ Assessment { materials, indicators, fields, flags }
//! ```
//!
//! The format is described in `rules/FORMAT.md`. The default rules are embedded in the binary.

pub mod checks;
pub mod fields;
