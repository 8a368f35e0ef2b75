//! The search index: every passage of every indexed bundle, searchable by Chinese substring or
//! phrase and by code, filterable by clause, bundle and material.
//!
//! Takes a read [`Bundle`] and its rules [`Assessment`] (for the indicator and material tags) and
//! stores one tantivy document per passage ([`schema`]), with the text tokenised into CJK bigrams
//! ([`tokenizer`]). [`search`] turns a user's query into phrase queries and returns hits that
//! carry the model's [`Location`](crate::model::Location). Reading files and judging them are
//! left to `ingest` and `rules`; this module never re-reads a file.

mod context;
mod query;
mod schema;
mod search;
#[cfg(test)]
mod test_support;
mod tokenizer;

pub use context::{ContextPassage, PassageRef};
use schema::Fields;
pub use search::{Filters, Hit, Page};

use crate::model::{Bundle, IndicatorId, Location};
use crate::rules::Assessment;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tantivy::directory::MmapDirectory;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{IndexReader, ReloadPolicy, TantivyDocument, Term};

/// Memory the writer may buffer before flushing a segment (tantivy's minimum is 15 MB per thread).
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// How often, and how far apart, a busy writer lock is tried again (see [`Index::writer`]):
/// at most a second in all, far longer than a fork-to-exec window, far shorter than a batch.
const LOCK_RETRIES: u32 = 20;
const LOCK_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

/// The words a passage sits under (see [`Fields::context`]), in matching form, one per line.
fn passage_context(passage: &crate::model::Passage) -> String {
    let sheet = match &passage.location {
        Location::SheetCell { sheet, .. } => Some(sheet.as_str()),
        _ => None,
    };
    let lines: Vec<String> = sheet
        .into_iter()
        .chain(passage.headings.iter().map(String::as_str))
        .map(crate::normalize::for_matching)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("\n")
}

/// What can go wrong indexing or searching.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The index folder could not be created or opened.
    #[error("{path}: {message}")]
    Dir {
        /// The folder.
        path: PathBuf,
        /// Why, in words.
        message: String,
    },
    /// No index exists at the folder given to [`Index::open`].
    #[error("{0}: no index here (build one with `certsift index`)")]
    Missing(PathBuf),
    /// The folder holds an index whose fields are not this version's (written by an older
    /// certsift): it cannot be searched or added to, only rebuilt.
    #[error(
        "{0}: this index was written by another version of certsift (its fields differ); `certsift run` rebuilds it, or remove the folder and run `certsift index` again"
    )]
    OtherSchema(PathBuf),
    /// The user's query cannot be understood (unbalanced quote, nothing searchable).
    #[error("bad query: {0}")]
    Query(String),
    /// tantivy failed (I/O, a locked writer, a corrupt segment).
    #[error(transparent)]
    Tantivy(#[from] tantivy::TantivyError),
}

/// `Result` with [`IndexError`].
pub type Result<T> = std::result::Result<T, IndexError>;

/// An open index with its schema handles and a reader.
pub struct Index {
    index: tantivy::Index,
    fields: Fields,
    reader: IndexReader,
}

impl Index {
    /// Opens the index in `dir`, creating the folder and an empty index when there is none.
    /// Fails if `dir` holds an index with another schema.
    pub fn open_or_create(dir: &Path) -> Result<Index> {
        std::fs::create_dir_all(dir).map_err(|e| IndexError::Dir {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        Index::open_with_schema(dir)
    }

    /// Opens the index in `dir` with this version's schema, creating an empty one if none.
    fn open_with_schema(dir: &Path) -> Result<Index> {
        let fields = Fields::new();
        let index = match tantivy::Index::open_or_create(open_dir(dir)?, fields.schema.clone()) {
            Err(tantivy::TantivyError::SchemaError(_)) => {
                return Err(IndexError::OtherSchema(dir.to_path_buf()));
            }
            other => other?,
        };
        Index::wrap(index, fields)
    }

    /// Opens an existing index; unlike [`Index::open_or_create`] it never creates one, so a
    /// mistyped `--index` is an error rather than an empty result.
    pub fn open(dir: &Path) -> Result<Index> {
        if !dir.join("meta.json").is_file() {
            return Err(IndexError::Missing(dir.to_path_buf()));
        }
        Index::open_with_schema(dir)
    }

    /// An index in memory, for tests.
    #[cfg(test)]
    pub(crate) fn create_in_ram() -> Result<Index> {
        let fields = Fields::new();
        let index = tantivy::Index::create_in_ram(fields.schema.clone());
        Index::wrap(index, fields)
    }

    fn wrap(index: tantivy::Index, fields: Fields) -> Result<Index> {
        // The tokenizer is code, not data: it must be registered on every open.
        index.tokenizers().register(
            tokenizer::NAME,
            TextAnalyzer::from(tokenizer::CjkBigramTokenizer),
        );

        // Manual reload: `add_bundle` reloads right after its commit, so a search that follows
        // always sees it (OnCommitWithDelay would leave a window).
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Index {
            index,
            fields,
            reader,
        })
    }

    /// The schema handles.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// Replaces everything indexed for `bundle.id` by this bundle's passages (see
    /// [`Writer::replace_bundle`]) and commits: re-indexing a bundle never duplicates it.
    /// Returns the number of passages indexed.
    #[cfg(test)]
    pub(crate) fn add_bundle(
        &self,
        bundle: &Bundle,
        assessment: &Assessment,
        run_date: NaiveDate,
    ) -> Result<usize> {
        let mut writer = self.writer()?;
        let count = writer.replace_bundle(bundle, assessment, run_date)?;
        // Not just `commit`: a writer dropped while its merges still run was seen (once in
        // ~30 runs of the concurrent-reader test) to publish a state without the bundle.
        writer.finish()?;
        Ok(count)
    }

    /// Takes the index's single writer (tantivy holds a lock file while it lives; another
    /// process trying meanwhile gets [`IndexError::Tantivy`] with `LockBusy`). Changes become
    /// visible, together, at [`Writer::commit`]; a writer dropped or killed before that leaves
    /// the last committed index as it was.
    ///
    /// A busy lock is tried again for a moment before it is reported. The lock is an `flock` on a
    /// file, and a process this one spawns (a worker, tesseract) holds a copy of every open
    /// descriptor between its fork and its exec: a writer just released can stay locked for
    /// that instant. The full suite saw it once, re-indexing right after a `finish`.
    pub fn writer(&self) -> Result<Writer<'_>> {
        let mut attempts = 0;
        loop {
            match self.index.writer(WRITER_MEMORY) {
                Ok(writer) => {
                    return Ok(Writer {
                        index: self,
                        writer,
                        pending: false,
                    });
                }
                Err(tantivy::TantivyError::LockFailure(
                    tantivy::directory::error::LockError::LockBusy,
                    _,
                )) if attempts < LOCK_RETRIES => {
                    attempts += 1;
                    std::thread::sleep(LOCK_RETRY_PAUSE);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Picks up commits made since this index was opened by another writer, such as another
    /// process indexing into the same folder (the workbench while a nightly `run` writes). A
    /// search never sees a commit half-way.
    pub fn reload(&self) -> Result<()> {
        Ok(self.reader.reload()?)
    }

    /// Ids of the bundles in the last committed index, sorted.
    pub fn bundles(&self) -> Result<Vec<String>> {
        let searcher = self.reader.searcher();
        let mut ids = std::collections::BTreeSet::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.bundle)?;
            let mut terms = inverted
                .terms()
                .stream()
                .map_err(tantivy::TantivyError::from)?;
            while terms.advance() {
                // A deleted bundle's term stays in its segment until a merge; count only terms
                // with a live document.
                let term = Term::from_field_text(
                    self.fields.bundle,
                    std::str::from_utf8(terms.key()).unwrap_or_default(),
                );
                let postings = inverted
                    .read_postings(&term, tantivy::schema::IndexRecordOption::Basic)
                    .map_err(tantivy::TantivyError::from)?;
                if let Some(mut postings) = postings {
                    use tantivy::DocSet;
                    let alive = segment.alive_bitset();
                    while postings.doc() != tantivy::TERMINATED {
                        if alive.is_none_or(|bits| bits.is_alive(postings.doc())) {
                            ids.insert(String::from_utf8_lossy(terms.key()).into_owned());
                            break;
                        }
                        postings.advance();
                    }
                }
            }
        }
        Ok(ids.into_iter().collect())
    }
}

/// The index's writer: stages bundle replacements and removals, which all become visible at
/// the next [`Writer::commit`], atomically. The nightly batch commits once per group of
/// bundles, so a commit's fixed cost is shared.
pub struct Writer<'a> {
    index: &'a Index,
    writer: tantivy::IndexWriter<TantivyDocument>,
    /// Whether anything was staged since the last commit.
    pending: bool,
}

impl Writer<'_> {
    /// Stages the replacement of everything indexed for `bundle.id` by this bundle's
    /// passages, tagged with the indicators whose evidence cites them and the materials of
    /// their files. `run_date` is the review date it was assessed as of. Returns the number of
    /// passages staged.
    pub fn replace_bundle(
        &mut self,
        bundle: &Bundle,
        assessment: &Assessment,
        run_date: NaiveDate,
    ) -> Result<usize> {
        let f = &self.index.fields;
        let cited = cited_passages(assessment);
        let values = field_values(assessment);
        let run_date = run_date.format("%Y-%m-%d").to_string();
        self.remove_bundle(&bundle.id);
        let mut count = 0;
        for document in &bundle.documents {
            let materials = assessment.file_materials.of(&document.path);
            for (ordinal, passage) in document.passages.iter().enumerate() {
                if passage.normalized.is_empty() {
                    continue;
                }
                let mut doc = TantivyDocument::default();
                doc.add_text(f.bundle, &bundle.id);
                doc.add_text(f.file, &document.path);
                doc.add_text(f.kind, document.kind.as_str());
                let location = serde_json::to_string(&passage.location)
                    .expect("a Location (plain fields, no maps) always serialises");
                doc.add_text(f.location, location);
                doc.add_text(f.text, &passage.normalized);
                doc.add_text(f.found, &passage.text);
                let context = passage_context(passage);
                if !context.is_empty() {
                    doc.add_text(f.context, context);
                }
                let key = (document.path.as_str(), &passage.location);
                if let Some(values) = values.get(&key) {
                    doc.add_text(f.field_values, values);
                }
                let citation = cited.get(&key);
                for indicator in citation.into_iter().flat_map(|c| &c.indicators) {
                    doc.add_text(f.indicator, &indicator.0);
                    for prefix in schema::clause_prefixes(&indicator.0) {
                        doc.add_text(f.clause, prefix);
                    }
                }
                doc.add_u64(
                    f.evidence_rank,
                    citation.map_or(schema::NOT_CITED, |c| c.best_rank),
                );
                for material in materials {
                    doc.add_text(f.material, &material.0);
                }
                doc.add_text(f.sha256, &document.sha256);
                doc.add_text(f.run_date, &run_date);
                doc.add_u64(f.ordinal, ordinal as u64);
                self.writer.add_document(doc)?;
                count += 1;
            }
        }
        self.pending = true;
        Ok(count)
    }

    /// Stages the removal of every passage of bundle `id` (a bundle withdrawn from the inbox).
    pub(crate) fn remove_bundle(&mut self, id: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.index.fields.bundle, id));
        self.pending = true;
    }

    /// Whether anything was staged since the last commit.
    pub(crate) fn has_pending(&self) -> bool {
        self.pending
    }

    /// Makes every staged change visible at once, durably (tantivy fsyncs the segments, then
    /// swaps `meta.json`), and refreshes the index's reader so the next search sees them.
    pub fn commit(&mut self) -> Result<()> {
        self.writer.commit()?;
        self.pending = false;
        self.index.reader.reload()?;
        Ok(())
    }

    /// Commits what is staged, then waits for tantivy's background segment merges to end and
    /// releases the writer: a batch calls this last, so the next run starts from a merged
    /// index and no merge is cut short by the process exiting.
    pub fn finish(mut self) -> Result<()> {
        if self.has_pending() {
            self.commit()?;
        }
        self.writer.wait_merging_threads()?;
        self.index.reader.reload()?;
        Ok(())
    }
}

fn open_dir(dir: &Path) -> Result<MmapDirectory> {
    MmapDirectory::open(dir).map_err(|e| IndexError::Dir {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })
}

/// (file, location) → the indicators whose evidence cites that passage, deduplicated, in
/// catalog order. Evidence names its passage by file and location, so that pair is the key:
/// every reader gives each passage its own place (a PDF block its page's line range), so a
/// clause filter returns the cited passages and not their neighbours. Should two passages
/// ever share a place (a PDF page whose text layer gives no positions), both get the tag.
///
/// With each passage comes its best rank in any indicator's evidence list (0 = cited first),
/// which orders a clause's evidence listing as the report orders it.
fn cited_passages(assessment: &Assessment) -> HashMap<(&str, &Location), Cited<'_>> {
    let mut cited: HashMap<(&str, &Location), Cited<'_>> = HashMap::new();
    for finding in &assessment.indicators {
        for (rank, evidence) in finding.evidence.iter().enumerate() {
            let entry = cited
                .entry((evidence.file.as_str(), &evidence.location))
                .or_insert_with(|| Cited {
                    indicators: Vec::new(),
                    best_rank: u64::MAX,
                });
            if !entry.indicators.contains(&&finding.id) {
                entry.indicators.push(&finding.id);
            }
            entry.best_rank = entry.best_rank.min(rank as u64);
        }
    }
    cited
}

/// The field values read at each place (file, location), in matching form, one per line.
fn field_values(assessment: &Assessment) -> HashMap<(&str, &Location), String> {
    let mut out: HashMap<(&str, &Location), String> = HashMap::new();
    for field in &assessment.fields {
        let text = out
            .entry((field.file.as_str(), &field.location))
            .or_default();
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&crate::normalize::for_matching(&field.value.to_string()));
    }
    out
}

/// What the evidence says about one passage.
struct Cited<'a> {
    indicators: Vec<&'a IndicatorId>,
    best_rank: u64,
}
