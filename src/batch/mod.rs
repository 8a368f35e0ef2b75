//! The nightly batch (`certsift run INBOX --out OUT`): every bundle of the inbox read, assessed,
//! reported (`OUT/bundles/<id>/report.json` and `report.html`) and indexed (`OUT/index`), then
//! the ranked triage summary (`OUT/summary.json`, `summary.csv`, `index.html`).
//!
//! **Incremental.** The [`ledger`] keys each finished bundle by its content, the rules and the
//! tool's version; an unchanged bundle is skipped, unless the review date has crossed one of its
//! licence or certificate end dates (so a nightly run with today's date does not redo every
//! bundle every night, yet flags a licence the day it expires). A bundle that left the inbox is
//! marked withdrawn and its passages leave the index.
//!
//! **Crash-safe.** Per bundle, in this order: report files written atomically → passages
//! committed to the index (replacing the bundle's old ones) → the ledger records it. A run
//! killed anywhere leaves nothing half-written, and the next run redoes exactly what the ledger
//! does not record, which rewrites the same files and replaces, never duplicates, index
//! entries. The summary is rebuilt from the ledger at the end of every run.
//!
//! **Parallel and bounded.** `jobs` workers each read and assess one bundle at a time (reading
//! itself fans out over files on rayon's pool); one indexer thread owns the index writer and
//! commits about once a second, sharing a commit's fixed cost between bundles. A bounded
//! channel between them keeps at most `2 × jobs + 1` bundles in memory.

mod disk;
pub mod inbox;
mod ledger;
pub mod write;

use crate::index::{Index, IndexError};
use crate::ingest::{Limits, read_bundle_observed};
use crate::model::{Bundle, FileStatus};
use crate::report::summary::Names;
use crate::report::triage::{RowState, Summary, SummaryRow};
use crate::report::{build, html};
use crate::rules::{Assessment, CompiledRules};
use chrono::NaiveDate;
use inbox::Source;
use ledger::{Entry, Ledger, LedgerError};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};
use write::write_atomically;

/// How often the indexer commits while results keep coming.
const COMMIT_EVERY: Duration = Duration::from_secs(1);

/// The tool's version, part of every ledger key.
pub(crate) const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything a run needs, checked by the caller.
pub struct Settings<'a> {
    /// The inbox: its direct subfolders and zips are the bundles.
    pub inbox: PathBuf,
    /// The output folder.
    pub out: PathBuf,
    /// Review date for expiry checks.
    pub as_of: NaiveDate,
    /// Compiled rules.
    pub rules: &'a CompiledRules,
    /// Fingerprint of the rules files ([`crate::rules::RuleSet::fingerprint`]).
    pub rules_fingerprint: String,
    /// Per-file reading limits.
    pub limits: Limits,
    /// Bundles read at once (at least 1).
    pub jobs: usize,
    /// Redo every bundle, whatever the ledger says.
    pub full: bool,
}

/// What a run will do, known once the inbox is fingerprinted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Plan {
    /// Bundles to read and assess.
    pub todo: usize,
    /// Files in them (a zip bundle counts as one).
    pub todo_files: usize,
    /// Unchanged bundles skipped.
    pub skipped: usize,
    /// Bundles that left the inbox this run.
    pub withdrawn: usize,
}

/// How one bundle went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Reported and indexed; its files by status.
    Done(BTreeMap<FileStatus, usize>),
    /// Could not be processed, with why.
    Failed(String),
}

/// Hears about progress; the CLI draws a progress bar or logs lines with it. Called from
/// worker threads.
pub trait Observer: Sync {
    /// The plan, once known.
    fn planned(&self, _plan: &Plan) {}
    /// A file on disk of `bundle` was read (a zip bundle is one file), giving `documents`;
    /// from rayon's threads.
    fn file_read(&self, _bundle: &str, _documents: &[crate::model::Document]) {}
    /// A bundle is finished (before its commit).
    fn finished(&self, _bundle: &str, _outcome: &Outcome) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunStats {
    /// Bundles read, assessed, reported and indexed.
    pub done: usize,
    /// Unchanged bundles skipped.
    pub skipped: usize,
    /// Bundles that could not be processed.
    pub failed: usize,
    /// Bundles that left the inbox this run.
    pub withdrawn: usize,
    /// Files of the done bundles, by status.
    pub files_by_status: BTreeMap<FileStatus, usize>,
    /// Passages indexed.
    pub passages: usize,
    /// Bytes of the done bundles' files.
    pub bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// The summary as written.
    pub summary: Option<Summary>,
}

/// A run that could not do its job; each says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The inbox is missing or unreadable.
    #[error("cannot read the inbox {path}: {source} (give an existing folder you may read)")]
    Inbox {
        /// The inbox.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// OUT cannot be created or written.
    #[error("cannot write to {path}: {source} (give a folder you may write to)")]
    Out {
        /// The path that failed.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Another run holds OUT.
    #[error(
        "另一个 certsift 进程正在写入 {0} (another certsift run or check is writing {0}); wait \
         for it to end, or use another --out"
    )]
    Busy(PathBuf),
    /// OUT's disk is full (see [`disk`]).
    #[error(
        "磁盘已满，无法写入 {path}；请释放空间后重新运行 (the disk holding {path} is full: \
         {detail}; free some space and run again: nothing half-written was kept, and the next \
         run goes on where this one stopped)"
    )]
    DiskFull {
        /// What could not be written.
        path: PathBuf,
        /// The error as the system gave it.
        detail: String,
    },
    /// The index failed.
    #[error(
        "the index in {path}: {source} (if another certsift version built it, delete that folder \
         and ledger.json beside it, then run again: everything is rebuilt)"
    )]
    Index {
        /// Its folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: IndexError,
    },
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// A bundle to (re)do.
struct Job {
    source: Source,
    key: String,
}

/// Why a bundle was not processed.
enum Unprocessed {
    /// Something about the bundle: it fails, with why, and the batch goes on.
    Bundle(String),
    /// OUT cannot take its reports (a full disk): the run stops.
    Run(BatchError),
}

impl From<String> for Unprocessed {
    fn from(why: String) -> Unprocessed {
        Unprocessed::Bundle(why)
    }
}

/// A bundle read, assessed and reported, on its way to the indexer.
struct Processed {
    bundle: Bundle,
    assessment: Assessment,
    row: SummaryRow,
    bytes: u64,
}

/// The inbox's bundles sorted into work to do, unchanged (counted in the plan) and failing.
struct Sorted {
    plan: Plan,
    jobs: Vec<Job>,
    /// Bundle id → why it cannot be processed.
    failed: BTreeMap<String, String>,
    /// Every bundle id found in the inbox.
    in_inbox: BTreeSet<String>,
}

/// Fingerprints every bundle (hashing reads every byte once, in parallel) and compares it with
/// the ledger: unchanged bundles whose reports exist are skipped unless `--full`.
fn sort_work(sources: Vec<Source>, ledger: &Ledger, settings: &Settings<'_>) -> Sorted {
    let fingerprints: Vec<(Source, std::io::Result<(String, usize)>)> = sources
        .into_par_iter()
        .map(|source| {
            // A bundle refused by the inbox (a link out of it) is never read, not even hashed.
            let fingerprint = match source.refused {
                Some(_) => Ok((String::new(), 0)),
                None => inbox::fingerprint(&source),
            };
            (source, fingerprint)
        })
        .collect();
    let mut sorted = Sorted {
        plan: Plan::default(),
        jobs: Vec::new(),
        failed: BTreeMap::new(),
        in_inbox: BTreeSet::new(),
    };
    for (source, fingerprint) in fingerprints {
        if !sorted.in_inbox.insert(source.id.clone()) {
            let why = format!(
                "两个申请包同名 (a folder and a zip named {}): rename one",
                source.id
            );
            sorted.failed.insert(source.id, why);
            continue;
        }
        if let Some(why) = &source.refused {
            sorted.failed.insert(source.id, why.clone());
            continue;
        }
        let (content, files) = match fingerprint {
            Ok(found) => found,
            Err(err) => {
                let why = format!("无法读取 {}: {err}", source.path.display());
                sorted.failed.insert(source.id, why);
                continue;
            }
        };
        let key = ledger::key(&content, &settings.rules_fingerprint, TOOL_VERSION);
        let current = ledger.bundles.get(&source.id).is_some_and(|entry| {
            entry.key == key
                && entry.row.state == RowState::Assessed
                && Assessment::same_for_review_date(
                    &entry.expiry_dates,
                    entry.as_of,
                    settings.as_of,
                )
                && reports_exist(&settings.out, &source.id)
        });
        if current && !settings.full {
            sorted.plan.skipped += 1;
        } else {
            sorted.plan.todo += 1;
            sorted.plan.todo_files += files;
            sorted.jobs.push(Job { source, key });
        }
    }
    sorted
}

/// Runs the batch. Findings in bundles are not errors; only a run that cannot do its job is.
/// A full disk is [`BatchError::DiskFull`], after what the run left half-done is cleaned up.
pub fn run(settings: &Settings<'_>, observer: &dyn Observer) -> Result<RunStats, BatchError> {
    let started = Instant::now();
    let out = &settings.out;
    let out_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BatchError::Out { path, source }
    };
    let sources = inbox::discover(&settings.inbox).map_err(|source| BatchError::Inbox {
        path: settings.inbox.clone(),
        source,
    })?;
    std::fs::create_dir_all(out.join("bundles")).map_err(out_error(out))?;
    // OUT inside the inbox is not a bundle.
    let out_real = std::fs::canonicalize(out).map_err(out_error(out))?;
    let sources: Vec<Source> = sources
        .into_iter()
        .filter(|s| std::fs::canonicalize(&s.path).map_or(true, |p| p != out_real))
        .collect();
    let _lock = lock(out)?;
    clean(out);
    run_locked(settings, observer, sources, started).map_err(|err| {
        let err = plainly(err, out);
        if matches!(err, BatchError::DiskFull { .. }) {
            clean(out);
        }
        err
    })
}

/// Removes what a run cut short left in `out`: temporary files and unreferenced index files.
fn clean(out: &Path) {
    write::remove_all_leftovers(out);
    disk::clean_index(&out.join("index"));
}

/// `err` as [`BatchError::DiskFull`] when a full disk is why.
fn plainly(err: BatchError, out: &Path) -> BatchError {
    let full = |path: &Path, detail: String| BatchError::DiskFull {
        path: path.to_path_buf(),
        detail,
    };
    match err {
        BatchError::Out { path, source } if disk::is_storage_full(&source) => {
            full(&path, source.to_string())
        }
        BatchError::Ledger(LedgerError::Io { path, source }) if disk::is_storage_full(&source) => {
            full(&path, source.to_string())
        }
        BatchError::Index { path, source } if disk::is_full(out) => full(&path, source.to_string()),
        other => other,
    }
}

/// The run once OUT is locked and clean.
fn run_locked(
    settings: &Settings<'_>,
    observer: &dyn Observer,
    sources: Vec<Source>,
    started: Instant,
) -> Result<RunStats, BatchError> {
    let out = &settings.out;
    let as_of = settings.as_of.format("%Y-%m-%d").to_string();
    let ledger_path = out.join("ledger.json");
    let mut ledger = Ledger::load(&ledger_path)?;
    let loaded = ledger.clone();
    let names = build::names(settings.rules);

    let index_dir = out.join("index");
    let index_error = |source| Committed::Index(source).or_index(&index_dir);
    let index = match Index::open_or_create(&index_dir) {
        // The index is derived data: one written with other fields is rebuilt, and since it
        // must then hold every bundle again, every bundle is redone.
        Err(IndexError::OtherSchema(_)) => {
            tracing::warn!(
                "{}: the index was written by another version of certsift; it is rebuilt, and every bundle redone",
                index_dir.display()
            );
            std::fs::remove_dir_all(&index_dir).map_err(|source| BatchError::Out {
                path: index_dir.clone(),
                source,
            })?;
            ledger = Ledger::empty();
            Index::open_or_create(&index_dir)
        }
        other => other,
    }
    .map_err(index_error)?;

    let Sorted {
        mut plan,
        jobs,
        mut failed,
        in_inbox,
    } = sort_work(sources, &ledger, settings);

    let mut writer = index.writer().map_err(index_error)?;

    // Bundles that left the inbox: their passages leave the index, their rows stay, withdrawn.
    // Bundles the index holds but the ledger does not (a run killed between commit and ledger,
    // then the bundle removed) leave too.
    let withdrawn: Vec<String> = ledger
        .bundles
        .iter()
        .filter(|(id, entry)| !in_inbox.contains(*id) && entry.row.state != RowState::Withdrawn)
        .map(|(id, _)| id.clone())
        .collect();
    plan.withdrawn = withdrawn.len();
    for id in index.bundles().map_err(index_error)? {
        if !in_inbox.contains(&id) {
            writer.remove_bundle(&id);
        }
    }
    // Bundles failing this run keep no stale passages either.
    for id in failed.keys() {
        writer.remove_bundle(id);
    }
    if writer.has_pending() {
        writer.commit().map_err(index_error)?;
    }
    for id in &withdrawn {
        if let Some(entry) = ledger.bundles.get_mut(id) {
            entry.row = entry.row.clone().withdrawn();
            entry.passages = 0;
        }
    }
    for id in failed.keys() {
        ledger.bundles.remove(id);
    }
    // Unchanged, it is not rewritten: one write fewer on a disk that may be nearly full.
    if ledger != loaded {
        ledger.save(&ledger_path)?;
    }
    observer.planned(&plan);

    let mut stats = RunStats {
        skipped: plan.skipped,
        withdrawn: plan.withdrawn,
        ..RunStats::default()
    };
    let workers = settings.jobs.max(1).min(jobs.len().max(1));
    let queue = Mutex::new(jobs.into_iter());
    let (sender, receiver) = sync_channel::<(Job, Result<Processed, Unprocessed>)>(workers);
    std::thread::scope(|scope| -> Result<(), BatchError> {
        for _ in 0..workers {
            let sender = sender.clone();
            let queue = &queue;
            let names = &names;
            scope.spawn(move || {
                loop {
                    let next = queue.lock().ok().and_then(|mut jobs| jobs.next());
                    let Some(job) = next else { break };
                    let result = process(&job, settings, names, observer);
                    if sender.send((job, result)).is_err() {
                        break; // the indexer stopped on an error
                    }
                }
            });
        }
        drop(sender);

        let mut staged: Vec<(String, Entry)> = Vec::new();
        let mut last_commit = Instant::now();
        for (job, result) in receiver {
            let id = job.source.id.clone();
            match result {
                Ok(processed) => {
                    let passages = writer
                        .replace_bundle(&processed.bundle, &processed.assessment, settings.as_of)
                        .map_err(index_error)?;
                    let mut by_status = BTreeMap::new();
                    for document in &processed.bundle.documents {
                        *by_status.entry(document.status).or_insert(0) += 1;
                        *stats.files_by_status.entry(document.status).or_insert(0) += 1;
                    }
                    stats.done += 1;
                    stats.passages += passages;
                    stats.bytes += processed.bytes;
                    observer.finished(&id, &Outcome::Done(by_status));
                    staged.push((
                        id,
                        Entry {
                            key: job.key,
                            as_of: settings.as_of,
                            expiry_dates: processed.assessment.expiry_dates.clone(),
                            row: processed.row,
                            passages,
                        },
                    ));
                }
                Err(Unprocessed::Run(err)) => return Err(err),
                Err(Unprocessed::Bundle(message)) => {
                    writer.remove_bundle(&id);
                    observer.finished(&id, &Outcome::Failed(message.clone()));
                    ledger.bundles.remove(&id);
                    failed.insert(id, message);
                }
            }
            if last_commit.elapsed() >= COMMIT_EVERY {
                commit(&mut writer, &mut ledger, &ledger_path, &mut staged)
                    .map_err(|e| e.or_index(&index_dir))?;
                last_commit = Instant::now();
            }
        }
        commit(&mut writer, &mut ledger, &ledger_path, &mut staged)
            .map_err(|e| e.or_index(&index_dir))
    })?;
    writer.finish().map_err(index_error)?;
    stats.failed = failed.len();

    let mut rows: Vec<SummaryRow> = ledger.bundles.values().map(|e| e.row.clone()).collect();
    rows.extend(
        failed
            .iter()
            .map(|(id, message)| SummaryRow::failed(id, message)),
    );
    let mut summary = Summary::new(TOOL_VERSION, &as_of, &settings.rules_fingerprint, rows);
    summary.inbox = std::fs::canonicalize(&settings.inbox)
        .ok()
        .map(|path| path.to_string_lossy().into_owned());
    write_summary(out, &summary, &names)?;
    stats.summary = Some(summary);
    stats.elapsed = started.elapsed();
    Ok(stats)
}

/// Why a commit failed: the index (its folder is added by [`Committed::or_index`]) or the ledger.
enum Committed {
    Index(IndexError),
    Ledger(LedgerError),
}

impl Committed {
    fn or_index(self, index_dir: &Path) -> BatchError {
        match self {
            Committed::Index(source) => BatchError::Index {
                path: index_dir.to_path_buf(),
                source,
            },
            Committed::Ledger(e) => BatchError::Ledger(e),
        }
    }
}

/// Commits the index, then records the staged bundles in the ledger: never the other way round.
fn commit(
    writer: &mut crate::index::Writer<'_>,
    ledger: &mut Ledger,
    ledger_path: &Path,
    staged: &mut Vec<(String, Entry)>,
) -> Result<(), Committed> {
    if !writer.has_pending() && staged.is_empty() {
        return Ok(());
    }
    writer.commit().map_err(Committed::Index)?;
    ledger.bundles.extend(staged.drain(..));
    ledger.save(ledger_path).map_err(Committed::Ledger)
}

/// Reads, assesses and reports one bundle. Never panics: a panic anywhere in a bundle becomes
/// that bundle's failure, and the batch goes on.
fn process(
    job: &Job,
    settings: &Settings<'_>,
    names: &Names,
    observer: &dyn Observer,
) -> Result<Processed, Unprocessed> {
    let work = || -> Result<Processed, Unprocessed> {
        let on_file =
            |documents: &[crate::model::Document]| observer.file_read(&job.source.id, documents);
        // Pages read by OCR are kept under OUT: a rerun never reads the same scan twice.
        let limits = Limits {
            ocr_cache: Some(settings.out.join("ocr-cache")),
            ..settings.limits.clone()
        };
        let bundle =
            read_bundle_observed(&job.source.path, &limits, &on_file).map_err(|e| e.to_string())?;
        let assessment = crate::rules::assess(&bundle, settings.rules, settings.as_of);
        let report = build::build(&bundle, &assessment, settings.rules);
        let dir = bundle_dir(&settings.out, &job.source.id);
        let json = serde_json::to_vec_pretty(&report).map_err(|e| e.to_string())?;
        let page = html::bundle_page(&report, names).map_err(|e| e.to_string())?;
        for (name, bytes) in [
            ("report.json", json.as_slice()),
            ("report.html", page.as_bytes()),
        ] {
            let path = dir.join(name);
            write_atomically(&path, bytes).map_err(|e| {
                if disk::is_storage_full(&e) {
                    Unprocessed::Run(BatchError::DiskFull {
                        path: path.clone(),
                        detail: e.to_string(),
                    })
                } else {
                    Unprocessed::Bundle(format!("无法写入 {}: {e}", path.display()))
                }
            })?;
        }
        let href = format!("bundles/{}/report.html", job.source.id);
        let row = SummaryRow::assessed(&report, names, &href);
        let bytes = bundle.documents.iter().map(|d| d.bytes).sum();
        Ok(Processed {
            bundle,
            assessment,
            row,
            bytes,
        })
    };
    match std::panic::catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!("bundle {}: internal error {what}", job.source.id);
            Err(Unprocessed::Bundle(format!(
                "内部错误 (internal error, please report): {what}"
            )))
        }
    }
}

/// `OUT/bundles/<id>`.
fn bundle_dir(out: &Path, id: &str) -> PathBuf {
    out.join("bundles").join(id)
}

fn reports_exist(out: &Path, id: &str) -> bool {
    let dir = bundle_dir(out, id);
    dir.join("report.json").is_file() && dir.join("report.html").is_file()
}

/// Writes `summary.json`, `summary.csv` and `index.html`, each atomically.
fn write_summary(out: &Path, summary: &Summary, names: &Names) -> Result<(), BatchError> {
    let failed = |path: PathBuf| move |source| BatchError::Out { path, source };
    let json = serde_json::to_vec_pretty(summary).map_err(std::io::Error::other);
    let path = out.join("summary.json");
    json.and_then(|bytes| write_atomically(&path, &bytes))
        .map_err(failed(path))?;
    let mut csv = Vec::new();
    let path = out.join("summary.csv");
    crate::report::triage::write_csv(summary, &mut csv)
        .and_then(|()| write_atomically(&path, &csv))
        .map_err(failed(path))?;
    let path = out.join("index.html");
    html::summary_page(summary, names)
        .map_err(std::io::Error::other)
        .and_then(|page| write_atomically(&path, page.as_bytes()))
        .map_err(failed(path))
}

/// OUT held outside a run, by `certsift check --out`: the lock `run` takes, so a check never
/// writes a report while a run writes the same OUT, and the ledger learns of the new report.
pub struct OutLock {
    _file: std::fs::File,
    out: PathBuf,
}

impl OutLock {
    /// Takes OUT's lock (creating OUT), or [`BatchError::Busy`] at once when a run or another
    /// check holds it: waiting could mean waiting for a whole night's run.
    pub fn take(out: &Path) -> Result<OutLock, BatchError> {
        std::fs::create_dir_all(out).map_err(|source| BatchError::Out {
            path: out.to_path_buf(),
            source,
        })?;
        Ok(OutLock {
            _file: lock(out)?,
            out: out.to_path_buf(),
        })
    }

    /// Records that bundle `id`'s report in OUT was replaced outside the batch: the ledger, when
    /// OUT has one, forgets the bundle, so the next run redoes it instead of keeping a summary
    /// row and index entries that no longer match the report.
    pub fn replaced_report(&self, id: &str) -> Result<(), BatchError> {
        let path = self.out.join("ledger.json");
        if !path.is_file() {
            return Ok(());
        }
        let mut ledger = Ledger::load(&path)?;
        if ledger.bundles.remove(id).is_some() {
            ledger.save(&path)?;
        }
        Ok(())
    }
}

/// Holds `OUT/.lock` for the run: two runs on one OUT would fight over the index and ledger.
/// The OS releases it when the process ends, killed or not.
fn lock(out: &Path) -> Result<std::fs::File, BatchError> {
    let path = out.join(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| BatchError::Out {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(BatchError::Busy(out.to_path_buf())),
        Err(std::fs::TryLockError::Error(source)) => Err(BatchError::Out { path, source }),
    }
}

#[cfg(test)]
mod tests;
