//! A passage among its neighbours: what the workbench shows around a piece of evidence (the
//! paragraphs before and after it, the rows above and below a ledger row), read back from the
//! index so the workbench needs neither the bundle's files nor a second copy of their text.

use super::schema::ORDINAL;
use super::{Index, Result};
use crate::model::Location;
use std::ops::Bound;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Order, TantivyDocument, Term};

/// Most passages of one file looked through to find the cited one when its indicator tag does
/// not single it out (a file has at most `Limits::max_bundle_passages` anyway).
const SCAN_LIMIT: usize = 200_000;

/// One passage of a file, in reading order.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ContextPassage {
    /// Where it is.
    pub location: Location,
    /// Its text as found.
    pub text: String,
    /// Its position in the file's reading order.
    pub ordinal: u64,
    /// The passage asked about.
    pub cited: bool,
}

/// Which passage to show in context: the evidence's file (by bundle, path and sha256, as the
/// report lists it) and place.
#[derive(Debug, Clone, Copy)]
pub struct PassageRef<'a> {
    /// Bundle id.
    pub bundle: &'a str,
    /// Bundle-relative path.
    pub file: &'a str,
    /// The file's sha256 (indexed: selects the file's passages without a term per path).
    pub sha256: &'a str,
    /// The passage's place.
    pub location: &'a Location,
    /// An indicator whose evidence cites it, when known: narrows the search for it to the few
    /// passages tagged with that indicator.
    pub indicator: Option<&'a str>,
}

impl Index {
    /// The passage `at` with up to `around` passages of the same file on each side, in reading
    /// order; `None` when the index does not hold it (the bundle was re-run and the passage is
    /// gone, or the index is older than the report).
    pub fn passages_around(
        &self,
        at: PassageRef<'_>,
        around: u64,
    ) -> Result<Option<Vec<ContextPassage>>> {
        let cited = match at.indicator {
            Some(indicator) => self.find_ordinal(at, Some(indicator))?,
            None => None,
        };
        let Some(cited) = cited.map_or_else(|| self.find_ordinal(at, None), |o| Ok(Some(o)))?
        else {
            return Ok(None);
        };
        let f = &self.fields;
        let range = RangeQuery::new(
            Bound::Included(Term::from_field_u64(
                f.ordinal,
                cited.saturating_sub(around),
            )),
            Bound::Included(Term::from_field_u64(
                f.ordinal,
                cited.saturating_add(around),
            )),
        );
        let query = BooleanQuery::new(
            self.file_clauses(at)
                .into_iter()
                .chain([(Occur::Must, Box::new(range) as Box<dyn Query>)])
                .collect(),
        );
        let limit = usize::try_from(around.saturating_mul(2).saturating_add(1))
            .unwrap_or(usize::MAX)
            .min(SCAN_LIMIT);
        let mut passages = Vec::new();
        for doc in self.file_docs(&query, limit)? {
            if doc.file != at.file {
                continue;
            }
            passages.push(ContextPassage {
                cited: doc.ordinal == cited,
                location: doc.location,
                text: doc.text,
                ordinal: doc.ordinal,
            });
        }
        Ok(Some(passages))
    }

    /// Up to `count` passages of file `file` (bundle `bundle`, content `sha256`) from ordinal
    /// `first` on, in reading order: a file shown from its start, or from where a page left off.
    pub fn file_passages(
        &self,
        bundle: &str,
        file: &str,
        sha256: &str,
        first: u64,
        count: usize,
    ) -> Result<Vec<ContextPassage>> {
        let location = Location::File {};
        let at = PassageRef {
            bundle,
            file,
            sha256,
            location: &location,
            indicator: None,
        };
        let range = RangeQuery::new(
            Bound::Included(Term::from_field_u64(self.fields.ordinal, first)),
            Bound::Unbounded,
        );
        let query = BooleanQuery::new(
            self.file_clauses(at)
                .into_iter()
                .chain([(Occur::Must, Box::new(range) as Box<dyn Query>)])
                .collect(),
        );
        // Another path with the same content shares the sha256: asked for a few more, kept
        // only this path's.
        Ok(self
            .file_docs(&query, count.saturating_mul(2).min(SCAN_LIMIT))?
            .into_iter()
            .filter(|doc| doc.file == file)
            .take(count)
            .map(|doc| ContextPassage {
                location: doc.location,
                text: doc.text,
                ordinal: doc.ordinal,
                cited: false,
            })
            .collect())
    }

    /// The ordinal of the passage `at` points to, among the file's passages (tagged with
    /// `indicator` when given).
    fn find_ordinal(&self, at: PassageRef<'_>, indicator: Option<&str>) -> Result<Option<u64>> {
        let mut clauses = self.file_clauses(at);
        if let Some(indicator) = indicator {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.indicator, indicator),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let query = BooleanQuery::new(clauses);
        Ok(self
            .file_docs(&query, SCAN_LIMIT)?
            .into_iter()
            .find(|doc| doc.file == at.file && &doc.location == at.location)
            .map(|doc| doc.ordinal))
    }

    /// Must-clauses selecting the passages of `at`'s bundle and file content.
    fn file_clauses(&self, at: PassageRef<'_>) -> Vec<(Occur, Box<dyn Query>)> {
        let term = |field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::Basic,
            ))
        };
        vec![
            (Occur::Must, term(self.fields.bundle, at.bundle)),
            (Occur::Must, term(self.fields.sha256, at.sha256)),
        ]
    }

    /// Up to `limit` passages matching `query`, in reading order.
    fn file_docs(&self, query: &dyn Query, limit: usize) -> Result<Vec<StoredPassage>> {
        let searcher = self.reader.searcher();
        let top = searcher.search(
            query,
            &TopDocs::with_limit(limit.max(1)).order_by_fast_field::<u64>(ORDINAL, Order::Asc),
        )?;
        let f = &self.fields;
        let mut docs = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text_of = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            // A stored location that does not read back is skipped, not fatal: the context
            // view loses one neighbour, never the page.
            let Ok(location) = serde_json::from_str(&text_of(f.location)) else {
                continue;
            };
            docs.push(StoredPassage {
                file: text_of(f.file),
                text: text_of(f.found),
                location,
                ordinal: doc
                    .get_first(f.ordinal)
                    .and_then(|v| v.as_u64())
                    .unwrap_or_default(),
            });
        }
        Ok(docs)
    }
}

/// A passage as stored in the index.
struct StoredPassage {
    file: String,
    text: String,
    location: Location,
    ordinal: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::test_support::{empty_assessment, one_file_bundle};

    #[test]
    fn a_passage_comes_back_with_its_neighbours_in_reading_order() {
        let index = Index::create_in_ram().unwrap();
        let texts = [
            "第一章 总则",
            "",
            "投诉受理",
            "24小时内答复",
            "回访",
            "附则",
        ];
        let bundle = one_file_bundle("b", "制度/投诉.docx", &"ab".repeat(32), &texts);
        index
            .add_bundle(
                &bundle,
                &empty_assessment(),
                chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            )
            .unwrap();
        let location = bundle.documents[0].passages[3].location.clone();
        let at = PassageRef {
            bundle: "b",
            file: "制度/投诉.docx",
            sha256: &"ab".repeat(32),
            location: &location,
            indicator: None,
        };
        let around = index.passages_around(at, 2).unwrap().unwrap();
        let shown: Vec<(&str, bool)> = around.iter().map(|p| (p.text.as_str(), p.cited)).collect();
        // The empty passage (ordinal 1) is not indexed; the window is by ordinal.
        assert_eq!(
            shown,
            [
                ("投诉受理", false),
                ("24小时内答复", true),
                ("回访", false),
                ("附则", false)
            ]
        );
        let elsewhere = Location::line(9);
        let missing = PassageRef {
            location: &elsewhere,
            ..at
        };
        assert_eq!(index.passages_around(missing, 2).unwrap(), None);

        let from_start = index
            .file_passages("b", "制度/投诉.docx", &"ab".repeat(32), 3, 2)
            .unwrap();
        let texts: Vec<&str> = from_start.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["24小时内答复", "回访"]);
    }
}
