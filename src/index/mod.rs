//! The search index: every passage of every indexed bundle, searchable by Chinese substring or
//! phrase and by code, filterable by clause, bundle and material.
//!
//! Takes a read [`Bundle`] and its rules [`Assessment`] (for the indicator and material tags) and
//! stores one tantivy document per passage ([`schema`]), with the text tokenised into CJK bigrams
//! ([`tokenizer`]). [`search`] turns a user's query into phrase queries and returns hits that
//! carry the model's [`Location`](crate::model::Location). Reading files and judging them are
//! left to `ingest` and `rules`; this module never re-reads a file.

pub mod schema;
pub mod search;
pub mod tokenizer;

pub use schema::Fields;
pub use search::{Filters, Hit};

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
        let fields = Fields::new();
        let index = tantivy::Index::open_or_create(open_dir(dir)?, fields.schema.clone())?;
        Index::wrap(index, fields)
    }

    /// Opens an existing index; unlike [`Index::open_or_create`] it never creates one, so a
    /// mistyped `--index` is an error rather than an empty result.
    pub fn open(dir: &Path) -> Result<Index> {
        if !dir.join("meta.json").is_file() {
            return Err(IndexError::Missing(dir.to_path_buf()));
        }
        let fields = Fields::new();
        let index = tantivy::Index::open_or_create(open_dir(dir)?, fields.schema.clone())?;
        Index::wrap(index, fields)
    }

    /// An index in memory, for tests.
    pub fn create_in_ram() -> Result<Index> {
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

    /// Replaces everything indexed for `bundle.id` by this bundle's passages, tagged with the
    /// indicators whose evidence cites them and the materials of their files, in one commit:
    /// re-indexing a bundle never duplicates it. `run_date` is the review date it was assessed
    /// as of. Returns the number of passages indexed.
    pub fn add_bundle(
        &self,
        bundle: &Bundle,
        assessment: &Assessment,
        run_date: NaiveDate,
    ) -> Result<usize> {
        let f = &self.fields;
        let cited = cited_passages(assessment);
        let run_date = run_date.format("%Y-%m-%d").to_string();
        let mut writer: tantivy::IndexWriter<TantivyDocument> = self.index.writer(WRITER_MEMORY)?;
        writer.delete_term(Term::from_field_text(f.bundle, &bundle.id));
        let mut count = 0;
        for document in &bundle.documents {
            let materials = assessment.file_materials.of(&document.path);
            for passage in &document.passages {
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
                doc.add_text(f.text, &passage.text);
                doc.add_text(f.normalized, &passage.normalized);
                let key = (document.path.as_str(), &passage.location);
                for indicator in cited.get(&key).into_iter().flatten() {
                    doc.add_text(f.indicator, &indicator.0);
                    for prefix in schema::clause_prefixes(&indicator.0) {
                        doc.add_text(f.clause, prefix);
                    }
                }
                for material in materials {
                    doc.add_text(f.material, &material.0);
                }
                doc.add_text(f.sha256, &document.sha256);
                doc.add_text(f.run_date, &run_date);
                writer.add_document(doc)?;
                count += 1;
            }
        }
        writer.commit()?;
        self.reader.reload()?;
        Ok(count)
    }
}

fn open_dir(dir: &Path) -> Result<MmapDirectory> {
    MmapDirectory::open(dir).map_err(|e| IndexError::Dir {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })
}

/// (file, location) → the indicators whose evidence cites that passage, deduplicated, in
/// catalog order. Evidence names its passage by file and location, so that pair is the key.
/// Where a file has several passages at one location (PDF text blocks share their page), all of
/// them get the indicators cited at that location: the model cannot tell them apart, and for a
/// clause filter a page-level tag is the honest granularity.
fn cited_passages(assessment: &Assessment) -> HashMap<(&str, &Location), Vec<&IndicatorId>> {
    let mut cited: HashMap<(&str, &Location), Vec<&IndicatorId>> = HashMap::new();
    for finding in &assessment.indicators {
        for evidence in &finding.evidence {
            let ids = cited
                .entry((evidence.file.as_str(), &evidence.location))
                .or_default();
            if !ids.contains(&&finding.id) {
                ids.push(&finding.id);
            }
        }
    }
    cited
}
