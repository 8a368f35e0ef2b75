//! The ledger (`OUT/ledger.json`): what the batch has finished, so the next run redoes only
//! what changed.
//!
//! A bundle is recorded only after its report is on disk and its passages are committed to the
//! index; the ledger itself is replaced atomically. So after a crash at any moment the ledger
//! never claims more than was done, and whatever it does not claim is simply redone (which
//! re-writes the same report and replaces, never duplicates, the index entries).

use super::write::write_atomically;
use crate::report::triage::SummaryRow;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The ledger's format version; another value is treated as no ledger (everything is redone).
const FORMAT: u32 = 1;

/// What the batch has finished.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    /// [`FORMAT`].
    pub format: u32,
    /// Bundle id → its last finished state.
    pub bundles: BTreeMap<String, Entry>,
}

/// One finished bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// [`key`] of the bundle's content, the rules and the tool when it was finished.
    pub key: String,
    /// The review date it was assessed as of.
    pub as_of: NaiveDate,
    /// The end dates its expiry checks compared with that date
    /// ([`crate::rules::Assessment::expiry_dates`]): a later run redoes the bundle only when its
    /// review date crosses one of them.
    pub expiry_dates: Vec<NaiveDate>,
    /// Its summary row (withdrawn rows keep the last assessment, marked withdrawn).
    pub row: SummaryRow,
    /// Passages it has in the index (0 once withdrawn).
    pub passages: usize,
}

/// What a bundle's result depends on, the review date aside (see [`Entry::expiry_dates`]): its
/// content fingerprint, the rules' fingerprint and the tool's version.
pub fn key(content: &str, rules: &str, tool_version: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [content, rules, tool_version] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// A ledger that cannot be used, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The ledger file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl Ledger {
    /// The ledger at `path`. None yet, an older format or an unreadable one (a file damaged by
    /// something other than us: we only ever rename complete files into place) all give an
    /// empty ledger: the run then redoes every bundle, which is always safe.
    pub fn load(path: &Path) -> Result<Ledger, LedgerError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ledger::empty()),
            Err(source) => {
                return Err(LedgerError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        match serde_json::from_slice::<Ledger>(&bytes) {
            Ok(ledger) if ledger.format == FORMAT => Ok(ledger),
            Ok(_) => Ok(Ledger::empty()),
            Err(err) => {
                tracing::warn!(
                    "{}: unreadable ledger ({err}); every bundle will be redone",
                    path.display()
                );
                Ok(Ledger::empty())
            }
        }
    }

    /// A ledger with nothing finished.
    pub fn empty() -> Ledger {
        Ledger {
            format: FORMAT,
            bundles: BTreeMap::new(),
        }
    }

    /// Replaces the file at `path` with this ledger, atomically.
    pub fn save(&self, path: &Path) -> Result<(), LedgerError> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| LedgerError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        })?;
        write_atomically(path, &bytes).map_err(|source| LedgerError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_damage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ledger.json");
        assert_eq!(Ledger::load(&path).expect("none yet"), Ledger::empty());
        let mut ledger = Ledger::empty();
        ledger.bundles.insert(
            "华信".into(),
            Entry {
                key: key("c", "r", "0.1.0"),
                as_of: NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
                expiry_dates: Vec::new(),
                row: SummaryRow::failed("华信", "无法读取"),
                passages: 0,
            },
        );
        ledger.save(&path).expect("save");
        assert_eq!(Ledger::load(&path).expect("load"), ledger);
        std::fs::write(&path, b"{\"format\": 1, \"bund").expect("damage");
        assert_eq!(Ledger::load(&path).expect("damaged"), Ledger::empty());
    }

    #[test]
    fn key_changes_with_each_input() {
        let base = key("c", "r", "v");
        assert_ne!(base, key("c2", "r", "v"));
        assert_ne!(base, key("c", "r2", "v"));
        assert_ne!(base, key("c", "r", "v2"));
        // Length-prefixed: moving a character between parts is a different key.
        assert_ne!(key("ab", "c", "v"), key("a", "bc", "v"));
    }
}
