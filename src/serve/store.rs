//! Reviewers' decisions, kept in SQLite under OUT (`OUT/workbench.sqlite`), with an
//! append-only audit trail.
//!
//! A decision is about one item of one bundle: an indicator (`5.3.2`), a material or a flag. It
//! records the *fingerprint* of what the reviewer saw (the verdict and its evidence, see
//! [`super::out::fingerprint`]): when a nightly rerun reproduces the same verdict and evidence
//! the decision simply stays; when it does not, the page says the evidence changed since the
//! decision, and the decision is kept for the reviewer to look at again, never dropped.
//!
//! The audit table is only ever inserted into: every change (who, when, old → new, comment)
//! is a row, and nothing in this module updates or deletes one.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

/// The database file's name under OUT.
pub const FILE_NAME: &str = "workbench.sqlite";

/// What a reviewer decides about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 确认: the tool's verdict holds.
    Confirmed,
    /// 驳回: it does not.
    Rejected,
    /// 待补充: the applicant must send more.
    NeedsInfo,
}

impl Verdict {
    /// Every verdict, in the order a form lists them.
    pub const ALL: [Verdict; 3] = [Verdict::Confirmed, Verdict::Rejected, Verdict::NeedsInfo];

    /// The code stored and sent by forms.
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Confirmed => "confirmed",
            Verdict::Rejected => "rejected",
            Verdict::NeedsInfo => "needs_info",
        }
    }

    /// What a reviewer reads.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Confirmed => "确认",
            Verdict::Rejected => "驳回",
            Verdict::NeedsInfo => "待补充",
        }
    }

    /// The verdict with this code.
    pub fn from_code(code: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.code() == code)
    }
}

/// The kind of item a decision is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A level-2 indicator, by id.
    Indicator,
    /// A catalog material, by id.
    Material,
    /// A flag, by code (and its position among flags of that code).
    Flag,
}

impl Kind {
    /// The code stored and sent by forms.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Indicator => "indicator",
            Kind::Material => "material",
            Kind::Flag => "flag",
        }
    }

    /// The kind with this code.
    pub fn from_code(code: &str) -> Option<Kind> {
        [Kind::Indicator, Kind::Material, Kind::Flag]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// The current decision on one item.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Decision {
    /// The item's kind.
    pub kind: Kind,
    /// The item's id.
    pub target: String,
    /// What was decided.
    pub verdict: Verdict,
    /// The reviewer's words.
    pub comment: String,
    /// Who.
    pub reviewer: String,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Fingerprint of the verdict and evidence the reviewer saw.
    pub fingerprint: String,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    /// The item's kind.
    pub kind: Kind,
    /// The item's id.
    pub target: String,
    /// Who.
    pub reviewer: String,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// The decision before, if any.
    pub old: Option<Verdict>,
    /// The decision made.
    pub new: Verdict,
    /// The comment given with it.
    pub comment: String,
}

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (a locked, full or damaged database).
    #[error("评审记录数据库出错：{0} (the decisions database failed)")]
    Sqlite(#[from] rusqlite::Error),
    /// A row holds a code this version does not know (written by a newer version).
    #[error("评审记录数据库中有无法识别的值：{0} (unknown value in the decisions database)")]
    Unknown(String),
}

/// The decisions of one batch output. One connection behind a mutex: decisions are rare and
/// small, and SQLite serialises writers anyway.
pub struct Store {
    connection: Mutex<Connection>,
}

/// A new decision as a form sends it.
#[derive(Debug, Clone)]
pub struct NewDecision<'a> {
    /// Bundle id.
    pub bundle: &'a str,
    /// The item's kind.
    pub kind: Kind,
    /// The item's id.
    pub target: &'a str,
    /// What was decided.
    pub verdict: Verdict,
    /// The reviewer's words.
    pub comment: &'a str,
    /// Who.
    pub reviewer: &'a str,
    /// Fingerprint of what the reviewer saw.
    pub fingerprint: &'a str,
}

/// Runs `step` again while SQLite reports the database busy or locked, at most
/// [`BUSY_RETRIES`] times [`BUSY_PAUSE`] apart; any other outcome is returned as it is.
fn retry_while_busy<T>(mut step: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let mut tries = 0;
    loop {
        match step() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && tries < BUSY_RETRIES =>
            {
                tries += 1;
                std::thread::sleep(BUSY_PAUSE);
            }
            other => return other,
        }
    }
}

/// How many times a busy journal-mode switch is retried, and how long apart.
const BUSY_RETRIES: u32 = 100;
const BUSY_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

impl Store {
    /// Opens (or creates) the database under `out`.
    pub fn open(out: &Path) -> Result<Store, StoreError> {
        let connection = Connection::open(out.join(FILE_NAME))?;
        // A busy timeout rather than an immediate error when another connection holds the
        // lock — set first, since switching the journal mode and creating the tables take it
        // too (two workbenches started at once over one OUT failed here without it). WAL: the
        // pages read while a decision is written.
        connection.busy_timeout(std::time::Duration::from_secs(10))?;
        // Switching the journal mode can report busy without waiting on the handler while
        // another connection opens the same file: a few short retries, bounded.
        retry_while_busy(|| connection.pragma_update(None, "journal_mode", "WAL"))?;
        // IMMEDIATE, as for decisions: the tables are created under the write lock taken first
        // (waiting under the busy timeout); a deferred CREATE that reads the schema and then
        // writes fails at once when another workbench created the tables in between.
        connection.execute_batch(
            "BEGIN IMMEDIATE;
             CREATE TABLE IF NOT EXISTS decision (
                 bundle TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
                 verdict TEXT NOT NULL, comment TEXT NOT NULL, reviewer TEXT NOT NULL,
                 at TEXT NOT NULL, fingerprint TEXT NOT NULL,
                 PRIMARY KEY (bundle, kind, target));
             CREATE TABLE IF NOT EXISTS audit (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 bundle TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
                 reviewer TEXT NOT NULL, at TEXT NOT NULL,
                 old TEXT, new TEXT NOT NULL, comment TEXT NOT NULL, fingerprint TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS audit_bundle ON audit (bundle, id);
             CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
                 BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
             CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
                 BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
             COMMIT;",
        )?;
        Ok(Store {
            connection: Mutex::new(connection),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (each change is a
        // transaction), so a poisoned lock is safe to take over.
        self.connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records a decision and its audit entry in one transaction.
    pub fn decide(&self, new: &NewDecision<'_>) -> Result<(), StoreError> {
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut connection = self.lock();
        // IMMEDIATE: the write lock is taken (waiting under the busy timeout) before the old
        // verdict is read. A deferred transaction that reads, then writes, gets SQLITE_BUSY at
        // once when another connection wrote in between, without waiting.
        let tx = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let old: Option<String> = tx
            .query_row(
                "SELECT verdict FROM decision WHERE bundle = ?1 AND kind = ?2 AND target = ?3",
                params![new.bundle, new.kind.code(), new.target],
                |row| row.get(0),
            )
            .optional()?;
        tx.execute(
            "INSERT INTO decision (bundle, kind, target, verdict, comment, reviewer, at, fingerprint)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (bundle, kind, target) DO UPDATE SET verdict = excluded.verdict,
                 comment = excluded.comment, reviewer = excluded.reviewer, at = excluded.at,
                 fingerprint = excluded.fingerprint",
            params![
                new.bundle,
                new.kind.code(),
                new.target,
                new.verdict.code(),
                new.comment,
                new.reviewer,
                at,
                new.fingerprint
            ],
        )?;
        tx.execute(
            "INSERT INTO audit (bundle, kind, target, reviewer, at, old, new, comment, fingerprint)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                new.bundle,
                new.kind.code(),
                new.target,
                new.reviewer,
                at,
                old,
                new.verdict.code(),
                new.comment,
                new.fingerprint
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The current decisions on a bundle's items.
    pub fn decisions(&self, bundle: &str) -> Result<Vec<Decision>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT kind, target, verdict, comment, reviewer, at, fingerprint FROM decision
             WHERE bundle = ?1 ORDER BY kind, target",
        )?;
        let rows = statement.query_map(params![bundle], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, target, verdict, comment, reviewer, at, fingerprint) = row?;
            out.push(Decision {
                kind: kind_of(&kind)?,
                target,
                verdict: verdict_of(&verdict)?,
                comment,
                reviewer,
                at,
                fingerprint,
            });
        }
        Ok(out)
    }

    /// How many items each bundle has a decision on.
    pub fn decision_counts(&self) -> Result<std::collections::HashMap<String, usize>, StoreError> {
        let connection = self.lock();
        let mut statement =
            connection.prepare("SELECT bundle, COUNT(*) FROM decision GROUP BY bundle")?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })?;
        let mut counts = std::collections::HashMap::new();
        for row in rows {
            let (bundle, n) = row?;
            counts.insert(bundle, usize::try_from(n).unwrap_or(0));
        }
        Ok(counts)
    }

    /// A bundle's audit trail, newest first.
    pub fn audit(&self, bundle: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT kind, target, reviewer, at, old, new, comment FROM audit
             WHERE bundle = ?1 ORDER BY id DESC",
        )?;
        let rows = statement.query_map(params![bundle], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, target, reviewer, at, old, new, comment) = row?;
            out.push(AuditEntry {
                kind: kind_of(&kind)?,
                target,
                reviewer,
                at,
                old: old.as_deref().map(verdict_of).transpose()?,
                new: verdict_of(&new)?,
                comment,
            });
        }
        Ok(out)
    }
}

fn kind_of(code: &str) -> Result<Kind, StoreError> {
    Kind::from_code(code).ok_or_else(|| StoreError::Unknown(code.to_owned()))
}

fn verdict_of(code: &str) -> Result<Verdict, StoreError> {
    Verdict::from_code(code).ok_or_else(|| StoreError::Unknown(code.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision<'a>(verdict: Verdict, comment: &'a str, fingerprint: &'a str) -> NewDecision<'a> {
        NewDecision {
            bundle: "华信家电-2026",
            kind: Kind::Indicator,
            target: "5.3.2",
            verdict,
            comment,
            reviewer: "王审核",
            fingerprint,
        }
    }

    #[test]
    fn a_decision_survives_reopening_and_each_change_is_audited() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store
                .decide(&decision(Verdict::NeedsInfo, "请补充回访记录", "f1"))
                .unwrap();
            store
                .decide(&decision(Verdict::Rejected, "回访记录为模板", "f1"))
                .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let decisions = store.decisions("华信家电-2026").unwrap();
        assert_eq!(decisions.len(), 1);
        assert_eq!(decisions[0].verdict, Verdict::Rejected);
        assert_eq!(decisions[0].comment, "回访记录为模板");
        let audit = store.audit("华信家电-2026").unwrap();
        let trail: Vec<_> = audit.iter().map(|a| (a.old, a.new)).collect();
        assert_eq!(
            trail,
            [
                (Some(Verdict::NeedsInfo), Verdict::Rejected),
                (None, Verdict::NeedsInfo)
            ]
        );
        assert!(store.decisions("其他").unwrap().is_empty());
        let counts = store.decision_counts().unwrap();
        assert_eq!(counts.get("华信家电-2026"), Some(&1));
        assert_eq!(counts.len(), 1);
    }

    #[test]
    fn stores_opened_and_written_at_once_over_one_folder_wait_for_each_other() {
        let dir = tempfile::tempdir().unwrap();
        std::thread::scope(|scope| {
            let opened: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        for _ in 0..20 {
                            let store = Store::open(dir.path())?;
                            store.decide(&decision(Verdict::Confirmed, "", "f"))?;
                        }
                        Ok::<(), StoreError>(())
                    })
                })
                .collect();
            for handle in opened {
                let opened = handle.join().unwrap();
                assert!(opened.is_ok(), "{opened:?}");
            }
        });
    }

    #[test]
    fn the_audit_trail_refuses_updates_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .decide(&decision(Verdict::Confirmed, "", "f"))
            .unwrap();
        let connection = store.lock();
        assert!(connection.execute("DELETE FROM audit", []).is_err());
        assert!(
            connection
                .execute("UPDATE audit SET reviewer = 'x'", [])
                .is_err()
        );
    }
}
