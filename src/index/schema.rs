//! The index schema: one tantivy document per passage. Built once, with typed field handles
//! ([`Fields`]) so no code looks a field up by name at run time.

use super::tokenizer;
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// Handles to every field of [`Fields::schema`].
#[derive(Debug, Clone)]
pub struct Fields {
    /// The schema these handles belong to.
    pub schema: Schema,
    /// Bundle id (exact, stored, fast): the key re-indexing deletes by.
    pub bundle: Field,
    /// Bundle-relative file path (exact, stored).
    pub file: Field,
    /// File kind as the report contract spells it (`"pdf"`).
    pub kind: Field,
    /// The passage's [`crate::model::Location`] as its serde JSON: stored only, read back
    /// into the enum, never parsed as a display string.
    pub location: Field,
    /// The passage's matching form ([`crate::model::Passage::normalized`]), indexed with the
    /// CJK bigram tokenizer and positions (phrase queries), not stored.
    pub text: Field,
    /// The passage's text as found ([`crate::model::Passage::text`]), stored only: a hit's
    /// snippet is cut from it, its matches found in its matching form and mapped back
    /// ([`crate::normalize::for_matching_mapped`]), so the snippet shows the passage as the
    /// document has it. Mapping a hit's text costs a query microseconds; tokenizing every
    /// passage's text as found at indexing time cost half the indexing speed.
    pub found: Field,
    /// What the passage sits under, in matching form: its headings (a Word heading path, a
    /// sheet's title and column header row) and its sheet's name. Indexed like
    /// [`Fields::text`]'s matching form but without positions, not stored: a record row (`2026-03-02 | 张先生 | 空调不制冷`) is
    /// found by its table's words (`投诉`, `处理结果`), ranked below passages that say them.
    pub context: Field,
    /// The values the rules read from this passage (the applicant's name and USCC on the
    /// licence, a certificate's holder and number), in matching form, indexed like
    /// [`Fields::context`]: a query for a company name or a code ranks the passage that
    /// states it as a field (the licence, the certificate) above passages that mention it.
    pub field_values: Field,
    /// Indicator ids whose evidence cites this passage, exact (stored, multi-valued).
    pub indicator: Field,
    /// Every dot-prefix of [`Fields::indicator`] (`5`, `5.3`, `5.3.2`), so that a clause filter
    /// such as `5.3` is a single term query that includes `5.3.x`. Not stored.
    pub clause: Field,
    /// The passage's best position in any indicator's evidence list (0 = cited first;
    /// [`NOT_CITED`] when no evidence cites it). Fast: a clause listing sorts by it.
    pub evidence_rank: Field,
    /// Material ids of the passage's file (stored, multi-valued).
    pub material: Field,
    /// sha256 of the passage's file (indexed only).
    pub sha256: Field,
    /// The review date (`YYYY-MM-DD`) the bundle was assessed as of when it was indexed.
    pub run_date: Field,
    /// The passage's position in its file's reading order (0-based, the index into
    /// [`crate::model::Document::passages`]; empty passages leave gaps). Stored and fast, not
    /// indexed: the workbench shows a cited passage among its neighbours by a range over it.
    pub ordinal: Field,
}

impl Fields {
    /// Builds the schema and its handles.
    pub fn new() -> Fields {
        let mut builder = Schema::builder();
        let stored_only = TextOptions::default().set_stored();
        // One stored copy of the text, as found: the matching form is not stored too, as a
        // second stored copy cost a third of the indexing time (benches/index.rs).
        let bigrams = TextFieldIndexing::default()
            .set_tokenizer(tokenizer::NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let text_options = TextOptions::default().set_indexing_options(bigrams.clone());
        // Without positions: a heading is matched by all of a word's bigrams, not as an exact
        // phrase, which keeps a sheet's header row, repeated on every row, cheap to index.
        let context_options = TextOptions::default()
            .set_indexing_options(bigrams.set_index_option(IndexRecordOption::WithFreqs));
        let bundle = builder.add_text_field("bundle", STRING | STORED | FAST);
        // Stored only: no query filters by file path, kind or date, and every indexed field is a term
        // per passage (benches/index.rs).
        let file = builder.add_text_field("file", STORED);
        let kind = builder.add_text_field("kind", STORED);
        let location = builder.add_text_field("location", stored_only.clone());
        let text = builder.add_text_field("text", text_options);
        let found = builder.add_text_field("found", stored_only);
        let context = builder.add_text_field("context", context_options);
        // Without field norms: few passages hold values, so the average length BM25 divides
        // by is tiny, and a licence block holding all eight of its values would score as if
        // it barely said the one asked for. Holding the value is what counts, not its share.
        let values_options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer::NAME)
                .set_index_option(IndexRecordOption::WithFreqs)
                .set_fieldnorms(false),
        );
        let field_values = builder.add_text_field("field_values", values_options);
        let indicator = builder.add_text_field("indicator", STRING | STORED);
        let clause = builder.add_text_field("clause", STRING);
        let evidence_rank = builder.add_u64_field(EVIDENCE_RANK, FAST);
        let material = builder.add_text_field("material", STRING | STORED);
        // Searchable (which passages come from this file?), not stored: hits name the file.
        let sha256 = builder.add_text_field("sha256", STRING);
        let run_date = builder.add_text_field("run_date", STORED);
        let ordinal = builder.add_u64_field(ORDINAL, STORED | FAST);
        Fields {
            schema: builder.build(),
            bundle,
            file,
            kind,
            location,
            text,
            found,
            context,
            field_values,
            indicator,
            clause,
            evidence_rank,
            material,
            sha256,
            run_date,
            ordinal,
        }
    }
}

impl Default for Fields {
    fn default() -> Fields {
        Fields::new()
    }
}

/// [`Fields::evidence_rank`] of a passage no evidence cites: sorts last.
pub const NOT_CITED: u64 = u64::MAX;

/// The name of [`Fields::evidence_rank`], for sorting by it.
pub const EVIDENCE_RANK: &str = "evidence_rank";

/// The name of [`Fields::ordinal`], for sorting by it.
pub const ORDINAL: &str = "ordinal";

/// Every dot-prefix of a clause id, shortest first: `"5.3.2"` → `["5", "5.3", "5.3.2"]`.
/// Empty segments (`"5..3"`, a trailing dot) are dropped rather than indexed.
pub fn clause_prefixes(id: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut prefix = String::new();
    for segment in id.split('.').filter(|s| !s.is_empty()) {
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(segment);
        out.push(prefix.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clause_prefixes_expand_each_level() {
        assert_eq!(clause_prefixes("5.3.2"), ["5", "5.3", "5.3.2"]);
        assert_eq!(clause_prefixes("5.3."), ["5", "5.3"]);
        assert!(clause_prefixes("").is_empty());
    }
}
