//! Rules as data: from a bundle's passages to materials, indicator evidence, fields and flags.
//!
//! ```text
//! rules/*.toml ──load──▶ RuleSet ──compile──▶ CompiledRules (regexes, aho-corasick built once)
//! Bundle ──classify_materials──▶ FileMaterials ──material_findings──▶ Vec<MaterialFinding>
//! Bundle × FileMaterials ──indicator_findings──▶ Vec<IndicatorFinding>
//! ```
//!
//! The format is described in `rules/FORMAT.md`. The default rules are embedded in the binary
//! (`build.rs` lists `rules/*.toml`), so a rules file added to the folder is embedded without a
//! code change. Field extraction ([`fields`]) and the `assess` glue live elsewhere; this module
//! hands them the compiled field rules ([`CompiledRules::fields`]).

mod assess;
mod catalog;
pub(crate) mod checks;
mod compile;
pub(crate) mod fields;
mod indicators;
pub(crate) mod load;
pub(crate) mod matcher;
mod materials;
pub(crate) mod names;
pub(crate) mod parties;
#[cfg(test)]
pub(crate) mod testing;
pub(crate) mod text;

pub use assess::{Assessment, assess};
pub use catalog::{Catalog, FlagInfo, IndicatorInfo, MaterialInfo, Required};
pub use compile::CompiledRules;
pub use indicators::indicator_findings;
pub use load::RuleSet;
pub use materials::{FileMaterials, classify_materials, material_findings};

use std::fmt;
use std::path::{Path, PathBuf};

/// Why rules could not be loaded or compiled. Every variant about a rules file names the file
/// and line and says what to change, in words for the staff who edit the rules.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    /// The folder or a file could not be read.
    #[error("{path}: cannot read the rules: {source}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid TOML or does not have the shape of rules (unknown key, wrong type).
    #[error(
        "{file}:{line}: the file cannot be read as rules: {message} (check the spelling of keys \
         and the quotes and brackets here; see rules/FORMAT.md)"
    )]
    Syntax {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The parser's words.
        message: String,
    },
    /// An indicator id that is not in the catalog.
    #[error(
        "{file}:{line}: `{id}` is not an indicator of catalog.toml; use a level-2 clause number \
         such as \"5.3.2\""
    )]
    UnknownIndicator {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The id as written.
        id: String,
    },
    /// A material id that is not in the catalog.
    #[error("{file}:{line}: `{id}` is not a material of catalog.toml; use one of: {known}")]
    UnknownMaterial {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The id as written.
        id: String,
        /// The ids that exist.
        known: String,
    },
    /// The same id twice.
    #[error("{file}:{line}: the id `{id}` is already used at {first}; give this one another id")]
    DuplicateId {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The id.
        id: String,
        /// `file:line` of the first use.
        first: String,
    },
    /// A rule with nothing to match.
    #[error(
        "{file}:{line}: rule `{id}` has nothing to look for; give it at least one of `any`, \
         `all`, `regex`, `near`"
    )]
    NoCondition {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Rule id.
        id: String,
    },
    /// A regular expression that does not compile or is too big.
    #[error(
        "{file}:{line}: the pattern `{pattern}` is not a valid regular expression: {reason} \
         (lookahead `(?=`, `(?!` and back-references `\\1` are not supported)"
    )]
    BadRegex {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The pattern.
        pattern: String,
        /// The regex crate's words (first line).
        reason: String,
    },
    /// Any other value that makes no sense (an empty term, a level 3, a severity `fatal`).
    #[error("{file}:{line}: {message}")]
    BadValue {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong and what to write instead.
        message: String,
    },
    /// An example that does not behave as written (reported by `certsift rules check` and tests).
    #[error("{file}:{line}: {message}")]
    Example {
        /// File name.
        file: String,
        /// 1-based line of the rule or classifier.
        line: usize,
        /// What happened.
        message: String,
    },
    /// Several problems, each on its own line.
    #[error("{}", ManyDisplay(.0))]
    Many(Vec<RulesError>),
}

struct ManyDisplay<'a>(&'a [RulesError]);

impl fmt::Display for ManyDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl RulesError {
    /// Every single problem (a [`RulesError::Many`] flattened), each printable as
    /// `file:line: message`.
    pub fn problems(&self) -> Vec<&RulesError> {
        match self {
            RulesError::Many(all) => all.iter().flat_map(|e| e.problems()).collect(),
            other => vec![other],
        }
    }

    /// One error from a list: the single problem itself, or [`RulesError::Many`].
    pub fn from_list(mut list: Vec<RulesError>) -> RulesError {
        if list.len() == 1
            && let Some(one) = list.pop()
        {
            return one;
        }
        RulesError::Many(list)
    }
}

/// Reads every `*.toml` of `dir` in name order (see [`load::load_dir`]).
pub fn load_dir(dir: &Path) -> Result<RuleSet, RulesError> {
    load::load_dir(dir)
}

/// The embedded copy of the project's `rules/*.toml` (generated by `build.rs`).
pub(crate) mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// The rules files embedded in the binary, in name order, as [`load::load_sources`] takes them.
pub(crate) fn embedded_sources() -> Vec<load::Source> {
    let mut files: Vec<load::Source> = embedded::FILES
        .iter()
        .map(|(name, text)| load::Source {
            name: (*name).to_string(),
            text: (*text).to_string(),
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

/// Loads the rules embedded in the binary (the project's `rules/` folder at build time).
pub fn load_default() -> Result<RuleSet, RulesError> {
    load::load_sources(embedded_sources())
}

/// Checks ids against the catalog and builds the matchers once (see [`compile::compile`]).
pub fn compile(set: &RuleSet) -> Result<CompiledRules, RulesError> {
    compile::compile(set)
}

/// Runs every example and counter-example of every evidence rule, classifier and field rule;
/// returns the number of examples run, or every failure.
pub fn check_examples(rules: &CompiledRules) -> Result<usize, RulesError> {
    let (count, mut problems) = matcher::check_rule_examples(rules);
    let (m_count, m_problems) = materials::check_classifier_examples(rules);
    problems.extend(m_problems);
    let (p_count, p_problems) = matcher::check_other_party_examples(rules);
    problems.extend(p_problems);
    let (f_count, f_problems) =
        fields::extract::check_field_examples(&rules.fields, &rules.field_rules);
    problems.extend(f_problems);
    if problems.is_empty() {
        Ok(count + m_count + f_count + p_count)
    } else {
        Err(RulesError::from_list(problems))
    }
}
