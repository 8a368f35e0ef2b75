//! Query → hits. The query is parsed by [`super::query`] (words, "phrases", `OR`, `-word`);
//! each term is put in matching form ([`crate::normalize::for_matching`]) and becomes a phrase
//! query over the CJK bigram tokens. So `投诉 处理` finds passages with both words,
//! `"投诉 处理"` only the phrase (`投诉处理`, since matching form drops spaces between CJK
//! characters), `400-800-1234` the number as written. A word (not a quoted phrase) also matches
//! what the passage sits under (its headings, a sheet's header row), with less weight. Filters
//! (clause, bundle, material) narrow without changing the score. Hits carry the model's
//! [`Location`], a plain-text snippet of the passage as found (its full-width forms and line
//! wraps as the document has them, on one line) and the byte ranges to highlight in it.

use super::query::{Parsed, QueryPart, parse};
use super::schema::clause_prefixes;
use super::tokenizer::{CjkBigramTokenizer, is_bigram_char};
use super::{Index, IndexError, Result};
use crate::model::{IndicatorId, Location, MaterialId};
use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RegexPhraseQuery,
    RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{TokenStream, Tokenizer};
use tantivy::{DocAddress, Order, TantivyDocument, Term};

/// The score of a match in a passage's headings alone: constant, and below any match in a
/// passage's text, so that a row found only by its table's column names, or a block only by
/// the title it sits under, ranks below every passage that says the words itself. (A share
/// of the headings' BM25 did not: a short title scores high, and every block under a
/// 委托维修服务协议 outranked the one passage elsewhere that said 委托维修.)
const CONTEXT_SCORE: f32 = 0.01;

/// The weight of a match in the values read from a passage (a company name, a USCC) on top of
/// the match in its text: the licence or certificate that states a name outranks passages that
/// mention it.
const FIELD_VALUE_BOOST: f32 = 5.0;

/// The score of a passage cited for a clause when the query names that clause (`5.3.2`): the
/// report's evidence for it, found by its number as an auditor types it, above passages that
/// merely print the number (a self-assessment table's row) unless they say more of the query.
const CLAUSE_SCORE: f32 = 5.0;

/// In a widened search with a clause filter, the score added to a passage cited for the
/// clause: far above any word score, so the report's evidence for the clause comes before the
/// passages that only say the words.
const CITED_FIRST: f32 = 1000.0;

/// In a widened search with a clause filter, the score added to a passage with every word of
/// the query: above any passage that says only some of them, below the cited ones.
const ALL_WORDS_FIRST: f32 = 100.0;

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 160;

/// What narrows a search. Every filter given must hold.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// A clause id or prefix: `5.3` keeps passages cited for `5.3`, `5.3.1`, `5.3.2`…
    pub clause: Option<String>,
    /// A bundle id, exactly.
    pub bundle: Option<String>,
    /// A material id, exactly.
    pub material: Option<String>,
}

impl Filters {
    fn is_empty(&self) -> bool {
        self.clause.is_none() && self.bundle.is_none() && self.material.is_none()
    }
}

/// One page of hits, and how many passages match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The hits of this page, best first: full matches, then (widened searches only) partial
    /// ones.
    pub hits: Vec<Hit>,
    /// Passages matching the query and filters, on every page.
    pub total: usize,
    /// Passages matching only part of the query's words (widened searches; 0 otherwise).
    pub partial_total: usize,
}

/// Whether a search goes on to partial matches once the full ones run out.
#[derive(Debug, Clone, Copy)]
enum Widen {
    Yes,
    No,
}

/// One matching passage.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    /// Bundle id.
    pub bundle: String,
    /// Bundle-relative file path.
    pub file: String,
    /// Where in the file.
    pub location: Location,
    /// A stretch of the passage's text as found around the best match (the passage's start
    /// when the query has no words), plain text on one line (line breaks and tabs shown as
    /// spaces).
    pub snippet: String,
    /// Byte ranges of matched words in `snippet`, sorted, not overlapping, on char boundaries.
    pub highlights: Vec<Range<usize>>,
    /// Relevance (BM25 over bigrams); 0 when only filters were given.
    pub score: f32,
    /// Not a full match, shown after every full one by [`Index::search_page_widened`]: the
    /// passage says only some of the query's words (at least half of them), or, under a
    /// clause filter, it says them but is not cited for the clause ([`Hit::indicators`]
    /// tells which).
    pub partial: bool,
    /// Indicators whose evidence cites this passage.
    pub indicators: Vec<IndicatorId>,
    /// Materials of the passage's file.
    pub materials: Vec<MaterialId>,
}

impl Index {
    /// Finds up to `limit` passages matching `query` and `filters`, best first. An empty
    /// `query` lists the passages the filters keep (e.g. a clause's evidence); an empty query
    /// with no filter, an unbalanced quote or a query with nothing searchable in it is
    /// [`IndexError::Query`].
    pub fn search(&self, query: &str, filters: &Filters, limit: usize) -> Result<Vec<Hit>> {
        self.search_page(query, filters, 0, limit)
            .map(|page| page.hits)
    }

    /// [`Index::search`] one page at a time: the hits after the first `offset`, at most `limit`
    /// of them, and how many match in all, so a caller can say "20 of 63".
    pub fn search_page(
        &self,
        query: &str,
        filters: &Filters,
        offset: usize,
        limit: usize,
    ) -> Result<Page> {
        self.search_tiers(query, filters, offset, limit, Widen::No)
    }

    /// [`Index::search_page`], and when the passages with every word run out before the page
    /// is full, the passages with at least half of the query's words ([`Hit::partial`]), best
    /// first: an auditor's 投诉处理时限 then also finds 「投诉……24小时内……处理」, which says it in
    /// other words. With a clause filter and words, the passages that say the words but are
    /// not cited for the clause follow too, after those that are: `--clause 5.2.6 废旧滤芯 回收`
    /// lists the report's evidence first and then the recycler's agreement rows and the
    /// system-document list that an auditor opens next. [`Page::total`] still counts the full
    /// matches; [`Page::partial_total`] the others.
    pub fn search_page_widened(
        &self,
        query: &str,
        filters: &Filters,
        offset: usize,
        limit: usize,
    ) -> Result<Page> {
        self.search_tiers(query, filters, offset, limit, Widen::Yes)
    }

    fn search_tiers(
        &self,
        query: &str,
        filters: &Filters,
        offset: usize,
        limit: usize,
        widen: Widen,
    ) -> Result<Page> {
        let f = &self.fields;
        let parsed = parse(query)?;
        if parsed.is_empty() && filters.is_empty() {
            return Err(IndexError::Query(if parsed.excluded.is_empty() {
                "nothing to search for: give words, or --clause, --bundle or --material".into()
            } else {
                "only words to leave out: give a word to find, or --clause, --bundle or --material"
                    .into()
            }));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for group in &parsed.groups {
            let mut either: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for part in group {
                either.push((Occur::Should, self.part_query(part)?));
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(either))));
            for part in group.iter().filter(|p| !p.quoted) {
                // Only adds to the score of a passage that matches: every passage of a
                // licence's page carries the page's values, but only those saying the words
                // are hits.
                let as_field = Box::new(BoostQuery::new(
                    all_bigrams_query(f.field_values, &part.text)?,
                    FIELD_VALUE_BOOST,
                ));
                clauses.push((Occur::Should, as_field));
            }
        }
        let words = BooleanQuery::new(clauses.iter().map(|(o, q)| (*o, q.box_clone())).collect());
        let narrowing = self.narrowing(&parsed, filters)?;
        clauses.extend(narrowing.iter().map(|(o, q)| (*o, q.box_clone())));
        let query = BooleanQuery::new(clauses);
        let widened = match widen {
            Widen::Yes => self.widened_query(&parsed, &query, &words, filters)?,
            Widen::No => None,
        };
        let searcher = self.reader.searcher();
        let total = searcher.search(&query, &Count)?;
        let widened_total = |widened: &BooleanQuery| -> Result<usize> {
            Ok(searcher.search(widened, &Count)?.saturating_sub(total))
        };
        if limit == 0 {
            let partial_total = widened.as_ref().map(widened_total).transpose()?;
            return Ok(Page {
                hits: Vec::new(),
                total,
                partial_total: partial_total.unwrap_or(0),
            });
        }
        let top: Vec<(f32, DocAddress)> = if parsed.is_empty() {
            // A listing (filters only): evidence order, best first, as the report cites it.
            let by_rank = TopDocs::with_limit(limit)
                .and_offset(offset)
                .order_by_fast_field::<u64>(super::schema::EVIDENCE_RANK, Order::Asc);
            let top = searcher.search(&query, &by_rank)?;
            top.into_iter().map(|(_, address)| (0.0, address)).collect()
        } else {
            let by_score = TopDocs::with_limit(limit)
                .and_offset(offset)
                .order_by_score();
            searcher.search(&query, &by_score)?
        };
        let mut snippets = SnippetGenerator::create(&searcher, &query, f.text)?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            hits.push(self.hit(&searcher, &snippets, score, address, false)?);
        }
        let mut partial_total = 0;
        if let Some(widened) = widened.filter(|_| offset + limit > total) {
            partial_total = widened_total(&widened)?;
            // The widened query holds every full match too; they are ranked among the first
            // `offset + limit` of it, so that many suffice to fill this page with the others.
            let full: HashSet<DocAddress> = searcher
                .search(&query, &TopDocs::with_limit(total.max(1)).order_by_score())?
                .into_iter()
                .map(|(_, address)| address)
                .collect();
            let candidates = searcher.search(
                &widened,
                &TopDocs::with_limit(offset + limit).order_by_score(),
            )?;
            let mut snippets = SnippetGenerator::create(&searcher, &widened, f.text)?;
            snippets.set_max_num_chars(SNIPPET_CHARS);
            let room = limit - hits.len();
            for (score, address) in candidates
                .into_iter()
                .filter(|(_, address)| !full.contains(address))
                .skip(offset.saturating_sub(total))
                .take(room)
            {
                hits.push(self.hit(&searcher, &snippets, score, address, true)?);
            }
        }
        Ok(Page {
            hits,
            total,
            partial_total,
        })
    }

    /// What every hit must satisfy besides its words: not saying an excluded term, and the
    /// filters.
    fn narrowing(
        &self,
        parsed: &Parsed,
        filters: &Filters,
    ) -> Result<Vec<(Occur, Box<dyn Query>)>> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for part in &parsed.excluded {
            // All of the term's bigrams, not its phrase: tantivy's phrase scorer, driven by an
            // exclusion, is asked to seek backwards (a debug assertion in 0.27). Leaving out a
            // passage that has the bigrams apart is the safe side of "must not say it".
            clauses.push((Occur::MustNot, all_bigrams_query(f.text, &part.text)?));
        }
        let mut filter = |field: Field, value: &str| {
            let term = TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            );
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(term), 0.0)),
            ));
        };
        if let Some(clause) = &filters.clause {
            // `5.3.` and `5.3` mean the same clause; the index holds normalised prefixes.
            let normalised = clause_prefixes(clause.trim()).pop().ok_or_else(|| {
                IndexError::Query(format!("`{clause}` is not a clause number such as 5.3.2"))
            })?;
            filter(f.clause, &normalised);
        }
        if let Some(bundle) = &filters.bundle {
            filter(f.bundle, bundle);
        }
        if let Some(material) = &filters.material {
            filter(f.material, material);
        }
        Ok(clauses)
    }

    /// The query of full and partial matches together: the passages saying at least half of
    /// the query's words ([`query_words`]) in their text, or matching `full`; narrowed like it.
    /// A clause filter does not narrow it but ranks: the passages cited for the clause come
    /// first ([`CITED_FIRST`]), then those with every word ([`ALL_WORDS_FIRST`]), then the
    /// rest. None when there is nothing to widen by (one word and no clause, or no words).
    fn widened_query(
        &self,
        parsed: &Parsed,
        full: &BooleanQuery,
        words: &BooleanQuery,
        filters: &Filters,
    ) -> Result<Option<BooleanQuery>> {
        if parsed.is_empty() {
            // A listing: the filters are all there is.
            return Ok(None);
        }
        let query_words = query_words(parsed);
        let by_clause = filters.clause.is_some();
        if query_words.len() < 2 && !by_clause {
            // One word: its partial match is its full match.
            return Ok(None);
        }
        let mut some: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if query_words.len() >= 2 {
            for word in &query_words {
                if let Ok(query) = part_query(self.fields.text, word) {
                    some.push((Occur::Should, query));
                }
            }
        }
        let need = some.len().div_ceil(2).max(1);
        let mut either: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Should, Box::new(full.clone()))];
        if !some.is_empty() {
            let some = BooleanQuery::with_minimum_required_clauses(some, need);
            either.push((Occur::Should, Box::new(some)));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut unclaused = filters.clone();
        if by_clause {
            unclaused.clause = None;
            either.push((Occur::Should, Box::new(words.clone())));
            // Every word, cited or not, above a passage with only some of them.
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(
                    Box::new(words.clone()),
                    ALL_WORDS_FIRST,
                )),
            ));
            let cited = self.narrowing(&Parsed::default(), filters)?;
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(
                    Box::new(BooleanQuery::new(cited)),
                    CITED_FIRST,
                )),
            ));
        }
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(either))));
        clauses.extend(self.narrowing(parsed, &unclaused)?);
        Ok(Some(BooleanQuery::new(clauses)))
    }

    /// The hit for the passage at `address`.
    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        snippets: &SnippetGenerator,
        score: f32,
        address: DocAddress,
        partial: bool,
    ) -> Result<Hit> {
        let f = &self.fields;
        let doc: TantivyDocument = searcher.doc(address)?;
        let first = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let all = |field: Field| -> Vec<String> {
            doc.get_all(field)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        let location_json = first(f.location);
        let location = serde_json::from_str(&location_json).map_err(|e| {
            IndexError::Query(format!(
                "index holds an unreadable location `{location_json}` ({e}); rebuild it"
            ))
        })?;
        let (snippet, highlights) = snippet_as_found(snippets, &first(f.found));
        Ok(Hit {
            bundle: first(f.bundle),
            file: first(f.file),
            location,
            snippet,
            highlights,
            score,
            partial,
            indicators: all(f.indicator).into_iter().map(IndicatorId).collect(),
            materials: all(f.material).into_iter().map(MaterialId).collect(),
        })
    }

    /// One term's query: a quoted phrase in the passage's own text; a word in its text, or in
    /// what it sits under (a record row under its table's header), the latter worth less.
    fn part_query(&self, part: &QueryPart) -> Result<Box<dyn Query>> {
        let f = &self.fields;
        let in_text = part_query(f.text, &part.text)?;
        if part.quoted {
            return Ok(in_text);
        }
        let in_context = Box::new(ConstScoreQuery::new(
            all_bigrams_query(f.context, &part.text)?,
            CONTEXT_SCORE,
        ));
        let mut either: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Should, in_text), (Occur::Should, in_context)];
        if let Some(clause) = clause_number(&part.text) {
            let cited = TermQuery::new(
                Term::from_field_text(f.clause, &clause),
                IndexRecordOption::Basic,
            );
            either.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(Box::new(cited), CLAUSE_SCORE)),
            ));
        }
        Ok(Box::new(BooleanQuery::new(either)))
    }
}

/// `text` as the clause number it is (`5.3.2`, `5.3.2.` → `5.3.2`): two or more dot-separated
/// numbers. A single number (`5`) or a decimal with text around it is not taken for one.
fn clause_number(text: &str) -> Option<String> {
    let trimmed = text.trim().trim_end_matches('.');
    let segments: Vec<&str> = trimmed.split('.').collect();
    let numeric = |s: &&str| !s.is_empty() && s.len() <= 2 && s.chars().all(|c| c.is_ascii_digit());
    (segments.len() >= 2 && segments.iter().all(numeric)).then(|| trimmed.to_string())
}

/// The dictionary-based word segmenter for queries (jieba's own dictionary, built in): the
/// index keeps bigrams, which find any substring, but "half of the words" needs words, and a
/// bigram across two words (诉处 in 投诉处理) is not one.
static SEGMENTER: LazyLock<jieba_rs::Jieba> = LazyLock::new(jieba_rs::Jieba::new);

/// The words of a query's terms, for partial matching, each once, in order: a quoted phrase is
/// one word; an unquoted term is cut into words, dropping lone CJK characters (师 in
/// 售后服务管理师, 不 in 不涉及) when the term has longer words, as they match nearly anything.
fn query_words(parsed: &Parsed) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut push = |word: String| {
        if !words.contains(&word) {
            words.push(word);
        }
    };
    for part in parsed.groups.iter().flatten() {
        let normalized = crate::normalize::for_matching(&part.text);
        if part.quoted || !normalized.chars().any(is_bigram_char) {
            push(normalized);
            continue;
        }
        let cut: Vec<&str> = SEGMENTER
            .cut(&normalized, false)
            .into_iter()
            .map(|token| token.word)
            .filter(|word| word.chars().any(char::is_alphanumeric))
            .collect();
        let longer = cut.iter().any(|word| word.chars().count() > 1);
        for word in cut {
            if longer && word.chars().count() == 1 && word.chars().all(is_bigram_char) {
                continue;
            }
            push(word.to_string());
        }
    }
    words
}

/// The query for one part: a phrase over its tokens (a term query for a single token). A lone
/// CJK character matches any bigram containing it, since lone characters are not indexed inside
/// longer runs (see [`super::tokenizer`]).
fn part_query(field: Field, part: &str) -> Result<Box<dyn Query>> {
    let normalized = crate::normalize::for_matching(part);
    let mut tokenizer = CjkBigramTokenizer;
    let mut stream = tokenizer.token_stream(&normalized);
    let mut tokens: Vec<(usize, String)> = Vec::new();
    while let Some(token) = stream.next() {
        tokens.push((token.position, token.text.clone()));
    }
    let lone_cjk = |text: &str| -> Option<char> {
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if is_bigram_char(c) => Some(c),
            _ => None,
        }
    };
    match tokens.as_slice() {
        [] => Err(IndexError::Query(format!(
            "`{part}` has no letters, digits or CJK characters to search for"
        ))),
        [(_, only)] => {
            if let Some(c) = lone_cjk(only) {
                let c = regex::escape(&c.to_string());
                return Ok(Box::new(RegexQuery::from_pattern(
                    &format!("{c}.|.{c}|{c}"),
                    field,
                )?));
            }
            Ok(Box::new(TermQuery::new(
                Term::from_field_text(field, only),
                IndexRecordOption::WithFreqsAndPositions,
            )))
        }
        [(_, first), .., (_, last)] if lone_cjk(first).is_some() || lone_cjk(last).is_some() => {
            // A lone CJK character at an end of a mixed term (级 in E0级, 年 in 2026年) is a
            // unigram in the query, but in the text it may open or close a run (E0级刨花板
            // indexes 级刨): that end matches a bigram starting (or ending) with it too.
            let end = tokens.len() - 1;
            let patterns = tokens
                .iter()
                .enumerate()
                .map(|(i, (position, text))| {
                    let escaped = regex::escape(text);
                    let pattern = match lone_cjk(text) {
                        Some(_) if i == 0 => format!("{escaped}|.{escaped}"),
                        Some(_) if i == end => format!("{escaped}|{escaped}."),
                        _ => escaped,
                    };
                    (*position, pattern)
                })
                .collect();
            Ok(Box::new(RegexPhraseQuery::new_with_offset(field, patterns)))
        }
        _ => Ok(Box::new(PhraseQuery::new_with_offset(
            tokens
                .iter()
                .map(|(position, text)| (*position, Term::from_field_text(field, text)))
                .collect(),
        ))),
    }
}

/// A part as all of its bigrams in a field indexed without positions (the headings): every
/// token must occur, in any order.
fn all_bigrams_query(field: Field, part: &str) -> Result<Box<dyn Query>> {
    let normalized = crate::normalize::for_matching(part);
    let mut tokenizer = CjkBigramTokenizer;
    let mut stream = tokenizer.token_stream(&normalized);
    let mut tokens: Vec<String> = Vec::new();
    while let Some(token) = stream.next() {
        tokens.push(token.text.clone());
    }
    if let [single] = tokens.as_slice()
        && let (Some(c), None) = (single.chars().next(), single.chars().nth(1))
        && is_bigram_char(c)
    {
        // One CJK character: any bigram holding it, as in the text.
        return part_query(field, part);
    }
    if tokens.is_empty() {
        return part_query(field, part);
    }
    let terms = tokens
        .into_iter()
        .map(|t| -> (Occur, Box<dyn Query>) {
            let term = Term::from_field_text(field, &t);
            (
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
            )
        })
        .collect();
    Ok(Box::new(BooleanQuery::new(terms)))
}

/// The first `n` characters of `text`.
/// The snippet of a passage whose text as found is `found`: tantivy picks the stretch and its
/// matches in the matching form (where the terms are), and both are mapped back into the text
/// as found. Without a match, the passage's start.
fn snippet_as_found(snippets: &SnippetGenerator, found: &str) -> (String, Vec<Range<usize>>) {
    let start_only = || (one_line(&leading_chars(found, SNIPPET_CHARS)), Vec::new());
    let (matching, origin) = crate::normalize::for_matching_mapped(found);
    let snippet = snippets.snippet(&matching);
    let fragment = snippet.fragment();
    if fragment.is_empty() || snippet.highlighted().is_empty() {
        return start_only();
    }
    // tantivy gives the fragment's text, not its place: it is the first stretch of the matching
    // form that reads so (another with the same text would have the same marks).
    let Some(at) = matching.find(fragment) else {
        return start_only();
    };
    let source = |from: usize, to: usize| -> Option<Range<usize>> {
        let first = origin.get(from)?;
        let last = origin.get(to.checked_sub(1)?)?;
        Some(first.start..last.end.max(first.start))
    };
    let Some(cut) = source(at, at + fragment.len()) else {
        return start_only();
    };
    let Some(text) = found.get(cut.clone()) else {
        return start_only();
    };
    let highlights = snippet
        .highlighted()
        .iter()
        .filter_map(|h| source(at + h.start, at + h.end))
        .map(|r| r.start.saturating_sub(cut.start)..r.end.saturating_sub(cut.start))
        .collect();
    (one_line(text), crate::ranges::merged(highlights))
}

fn leading_chars(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

/// `text` on one line: line breaks and tabs become spaces, byte for byte, so highlight ranges
/// still hold.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Bundle, Passage};
    use chrono::NaiveDate;

    fn bundle(id: &str, texts: &[&str]) -> Bundle {
        super::super::test_support::one_file_bundle(id, "制度/a.docx", "00", texts)
    }

    use super::super::test_support::empty_assessment;

    fn index(texts: &[&str]) -> Index {
        let index = Index::create_in_ram().expect("ram index");
        let date = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
        index
            .add_bundle(&bundle("b", texts), &empty_assessment(), date)
            .expect("add");
        index
    }

    fn count(index: &Index, query: &str) -> usize {
        index
            .search(query, &Filters::default(), 10)
            .expect("search")
            .len()
    }

    #[test]
    fn chinese_substrings_are_found_as_phrases() {
        let index = index(&["订单待处理", "零配件供应", "售后服务管理制度", "管理 规定"]);
        assert_eq!(count(&index, "处理"), 1);
        assert_eq!(count(&index, "配件"), 1);
        assert_eq!(count(&index, "管理制度"), 1);
        assert_eq!(count(&index, "理制"), 1);
        assert_eq!(count(&index, "服务制度"), 0);
        assert_eq!(count(&index, "管理"), 2);
    }

    /// A complaint ledger's rows say dates, names and outcomes, not 投诉: they are found by the
    /// sheet's title and header row, below a passage that says the word itself.
    #[test]
    fn record_rows_are_found_by_their_table_headings_ranked_below_the_text() {
        let mut b = bundle("b", &["本公司设立投诉处理岗位"]);
        let mut row = Passage::new(
            "2026-03-02 | 张先生 | 空调不制冷 | 已上门维修",
            Location::SheetCell {
                sheet: "投诉台账".into(),
                cell: "A5:D5".into(),
            },
        );
        row.headings = vec![
            "2026年顾客投诉登记表".into(),
            "日期 | 顾客 | 投诉内容 | 处理结果".into(),
        ];
        b.documents[0].passages.push(row);
        let index = Index::create_in_ram().expect("ram index");
        let date = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
        index
            .add_bundle(&b, &empty_assessment(), date)
            .expect("add");
        let hits = index
            .search("投诉", &Filters::default(), 10)
            .expect("search");
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert!(hits[0].snippet.contains("投诉处理岗位"), "{hits:?}");
        assert!(hits[1].snippet.contains("空调不制冷"), "{hits:?}");
        assert!(hits[0].score > hits[1].score);
        // Words of the row and of its header together; the sheet's name too.
        assert_eq!(count(&index, "处理结果 张先生"), 1);
        assert_eq!(count(&index, "投诉台账"), 1);
        assert_eq!(count(&index, "处理结果 岗位"), 0);
        // A quoted phrase is the passage's own text.
        assert_eq!(count(&index, "\"投诉\""), 1);
    }

    #[test]
    fn parts_are_anded_and_quotes_group() {
        let index = index(&["投诉处理流程", "投诉电话", "处理结果"]);
        assert_eq!(count(&index, "投诉 处理"), 1);
        assert_eq!(count(&index, "\"投诉 处理\""), 1);
        assert_eq!(count(&index, "投诉 结果"), 0);
    }

    #[test]
    fn or_widens_and_minus_narrows() {
        let index = index(&[
            "投诉处理流程",
            "投诉受理登记",
            "计划设立投诉受理岗位",
            "处理结果",
        ]);
        assert_eq!(count(&index, "投诉 处理 OR 受理"), 3);
        assert_eq!(count(&index, "投诉 处理 OR 受理 -计划"), 2);
        assert_eq!(count(&index, "投诉 -计"), 2);
        assert_eq!(count(&index, "投诉 NOT \"计划 设立\""), 2);
        assert_eq!(count(&index, "处理 OR 受理 OR 登记"), 4);
        let page = index
            .search_page("投诉", &Filters::default(), 1, 1)
            .expect("page");
        assert_eq!((page.hits.len(), page.total), (1, 3));
        assert!(index.search("-计划", &Filters::default(), 10).is_err());
    }

    #[test]
    fn single_cjk_char_matches_inside_runs() {
        let index = index(&["投诉处理流程", "电话"]);
        assert_eq!(count(&index, "诉"), 1);
        assert_eq!(count(&index, "程"), 1);
    }

    #[test]
    fn codes_and_numbers_are_searchable() {
        let index = index(&[
            "代码 91110105MA01BCDE8E",
            "热线：400-800-1234",
            "ISO 9001:2015认证",
        ]);
        assert_eq!(count(&index, "91110105ma01bcde8e"), 1);
        assert_eq!(count(&index, "400-800-1234"), 1);
        assert_eq!(count(&index, "800-1234"), 1);
        assert_eq!(count(&index, "9001:2015"), 1);
        assert_eq!(count(&index, "ISO"), 1);
    }

    #[test]
    fn hits_carry_location_and_highlights_inside_the_snippet() {
        let index = index(&["前言", "订单待处理的要求"]);
        let hits = index
            .search("处理", &Filters::default(), 10)
            .expect("search");
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(
            hit.location,
            Location::Paragraph {
                part: crate::model::Part::Body,
                paragraph: 1
            }
        );
        assert!(!hit.highlights.is_empty());
        for range in &hit.highlights {
            assert!(hit.snippet.get(range.clone()).is_some());
        }
    }

    /// The snippet is the passage as the document has it (full-width forms, a word wrapped over
    /// a line break shown as a space), and the highlights mark the match where it is in it.
    #[test]
    fn snippets_show_the_text_as_found_with_the_match_marked() {
        let index = index(&["执行ＧＢ／Ｔ２７９２２标准，建立售后\n服务体系"]);
        let marked = |query: &str| -> (String, Vec<String>) {
            let hits = index
                .search(query, &Filters::default(), 10)
                .expect("search");
            let hit = hits.first().unwrap_or_else(|| panic!("{query}: no hit"));
            let marks = hit
                .highlights
                .iter()
                .map(|r| {
                    hit.snippet
                        .get(r.clone())
                        .expect("on char boundaries")
                        .to_string()
                })
                .collect();
            (hit.snippet.clone(), marks)
        };
        let (snippet, marks) = marked("售后服务");
        assert_eq!(snippet, "执行ＧＢ／Ｔ２７９２２标准，建立售后 服务体系");
        assert_eq!(marks, ["售后 服务"]);
        let (_, marks) = marked("gb");
        assert_eq!(marks, ["ＧＢ"]);
    }

    /// A value the rules read from a passage (the applicant's name on the licence) ranks that
    /// passage above longer-standing mentions of it, also when it is a long block of a page.
    #[test]
    fn a_passage_a_field_was_read_from_ranks_first_for_its_value() {
        let name = "苏州禾川电梯工程有限公司";
        let licence = format!(
            "统一社会信用代码\n91320505MA1MXR4K14\n名称\n{name}\n类型\n有限责任公司\n法定代表人\n顾振华\n经营范围\n许可项目：特种设备安装改造修理；建设工程施工。一般项目：电梯、自动扶梯及配件销售"
        );
        let mut b = bundle(
            "b",
            &[&format!("{name}售后服务管理手册"), &format!("{name}简介")],
        );
        let at = Location::Page {
            page: 1,
            lines: Some([2, 12]),
            bbox: Some([62, 101, 525, 620]),
        };
        b.documents[0]
            .passages
            .push(Passage::new(licence, at.clone()));
        let mut assessment = empty_assessment();
        assessment.fields.push(crate::model::FieldValue {
            name: "company_name".into(),
            value: crate::model::Value::Text(name.into()),
            file: b.documents[0].path.clone(),
            location: at.clone(),
            valid: None,
            group: None,
            note: None,
        });
        let index = Index::create_in_ram().expect("ram index");
        let date = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
        index.add_bundle(&b, &assessment, date).expect("add");
        let hits = index.search(name, &Filters::default(), 10).expect("search");
        assert_eq!(hits.len(), 3);
        assert_eq!(hits[0].location, at, "{hits:?}");
    }

    #[test]
    fn malformed_queries_are_errors() {
        let index = index(&["售后"]);
        assert!(matches!(
            index.search("\"售后", &Filters::default(), 10),
            Err(IndexError::Query(_))
        ));
        assert!(matches!(
            index.search("", &Filters::default(), 10),
            Err(IndexError::Query(_))
        ));
        assert!(matches!(
            index.search("-- //", &Filters::default(), 10),
            Err(IndexError::Query(_))
        ));
    }

    fn bundle_filter(id: &str) -> Filters {
        Filters {
            bundle: Some(id.into()),
            ..Filters::default()
        }
    }

    #[test]
    fn a_reader_sees_whole_commits_while_a_writer_indexes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let texts: Vec<String> = (0..300).map(|i| format!("第{i}条 投诉处理")).collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let date = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
        let writing = Index::open_or_create(dir.path()).expect("index");
        writing
            .add_bundle(&bundle("b", &texts), &empty_assessment(), date)
            .expect("first commit");
        let reading = Index::open(dir.path()).expect("second handle");
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| {
                for round in 0..12 {
                    let other = format!("c{round}");
                    writing
                        .add_bundle(&bundle("b", &texts), &empty_assessment(), date)
                        .expect("re-index");
                    writing
                        .add_bundle(&bundle(&other, &texts), &empty_assessment(), date)
                        .expect("index another");
                }
            });
            let mut searches = 0;
            while !writer.is_finished() || searches == 0 {
                reading.reload().expect("reload");
                let hits = reading
                    .search("投诉处理", &bundle_filter("b"), 1000)
                    .expect("search while writing");
                assert_eq!(hits.len(), 300, "never half a bundle, never two copies");
                searches += 1;
            }
        });
        reading.reload().expect("reload");
        assert_eq!(reading.bundles().expect("bundles").len(), 13);
    }

    #[test]
    fn a_writer_that_dies_before_committing_leaves_the_last_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let date = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
        {
            let index = Index::open_or_create(dir.path()).expect("index");
            index
                .add_bundle(&bundle("b", &["配件供应 承诺"]), &empty_assessment(), date)
                .expect("commit");
            let mut writer = index.writer().expect("writer");
            writer
                .replace_bundle(&bundle("b", &["全新内容"]), &empty_assessment(), date)
                .expect("stage");
            writer.remove_bundle("b");
            // Dropped, like a process killed before `commit`: nothing staged may show.
        }
        let index = Index::open(dir.path()).expect("reopen");
        assert_eq!(count(&index, "配件供应"), 1);
        assert_eq!(count(&index, "全新内容"), 0);
        assert_eq!(index.bundles().expect("bundles"), ["b"]);
        // The lock died with the writer: a new one can be taken at once.
        let mut writer = index.writer().expect("writer after a dead one");
        writer.remove_bundle("b");
        writer.finish().expect("commit and merge");
        assert!(index.bundles().expect("bundles").is_empty());
    }

    #[test]
    fn a_clause_listing_comes_in_evidence_order() {
        use crate::model::{Evidence, IndicatorFinding, IndicatorStatus, RuleId, Strength};
        let texts = [
            "无关段落",
            "次要证据 投诉",
            "最佳证据 投诉",
            "第三证据 投诉",
        ];
        let cite = |paragraph: u32| Evidence {
            file: "制度/a.docx".into(),
            location: Location::Paragraph {
                part: crate::model::Part::Body,
                paragraph,
            },
            text: texts[paragraph as usize].into(),
            rule: RuleId("r".into()),
            strength: Strength::Strong,
            terms: Vec::new(),
            score: 1.0,
        };
        let mut assessment = empty_assessment();
        assessment.indicators.push(IndicatorFinding {
            id: IndicatorId("5.3.2".into()),
            status: IndicatorStatus::Supported,
            evidence: vec![cite(2), cite(1), cite(3)],
        });
        let index = Index::create_in_ram().expect("ram index");
        let date = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
        index
            .add_bundle(&bundle("b", &texts), &assessment, date)
            .expect("add");
        let filters = Filters {
            clause: Some("5.3".into()),
            ..Filters::default()
        };
        let listed: Vec<String> = index
            .search("", &filters, 10)
            .expect("listing")
            .into_iter()
            .map(|hit| hit.snippet)
            .collect();
        assert_eq!(listed, ["最佳证据 投诉", "次要证据 投诉", "第三证据 投诉"]);
    }

    /// An auditor types the clause's number: the passages cited for it are hits, besides any
    /// that print the number, and the others are not.
    #[test]
    fn a_clause_number_in_the_query_finds_the_passages_cited_for_it() {
        use crate::model::{Evidence, IndicatorFinding, IndicatorStatus, RuleId, Strength};
        let texts = [
            "无关段落",
            "投诉5个工作日内处理完毕",
            "见5.3.2条",
            "5.3条款",
        ];
        let mut assessment = empty_assessment();
        assessment.indicators.push(IndicatorFinding {
            id: IndicatorId("5.3.2".into()),
            status: IndicatorStatus::Supported,
            evidence: vec![Evidence {
                file: "制度/a.docx".into(),
                location: Location::Paragraph {
                    part: crate::model::Part::Body,
                    paragraph: 1,
                },
                text: texts[1].into(),
                rule: RuleId("r".into()),
                strength: Strength::Strong,
                terms: Vec::new(),
                score: 1.0,
            }],
        });
        let index = Index::create_in_ram().expect("ram index");
        let date = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
        index
            .add_bundle(&bundle("b", &texts), &assessment, date)
            .expect("add");
        let snippets = |query: &str| -> Vec<String> {
            let hits = index
                .search(query, &Filters::default(), 10)
                .expect("search");
            hits.into_iter().map(|hit| hit.snippet).collect()
        };
        assert_eq!(snippets("5.3.2"), ["投诉5个工作日内处理完毕", "见5.3.2条"]);
        // A quoted number is the text's own; a clause's prefix finds what is cited under it.
        assert_eq!(snippets("\"5.3.2\""), ["见5.3.2条"]);
        assert_eq!(snippets("5.3").len(), 3);
        assert_eq!(clause_number("5.3.2."), Some("5.3.2".into()));
        assert_eq!(clause_number("5"), None);
        assert_eq!(clause_number("2026.11"), None);
    }

    /// 投诉处理时限 said in other words: after the passage with every word comes the one with
    /// most of them, marked partial, and not one with a single word of it; exclusions and
    /// filters hold for both; a plain search keeps to full matches.
    #[test]
    fn partial_matches_follow_the_full_ones_in_a_widened_search() {
        let index = index(&[
            "投诉受理后24小时内联系顾客，5个工作日内处理完毕",
            "投诉处理时限为5个工作日",
            "设备维修时限",
            "顾客投诉一律登记",
        ]);
        let page = index
            .search_page_widened("投诉处理时限", &Filters::default(), 0, 10)
            .expect("widened");
        let shown: Vec<(&str, bool)> = page
            .hits
            .iter()
            .map(|hit| (hit.snippet.as_str(), hit.partial))
            .collect();
        assert_eq!(
            shown,
            [
                ("投诉处理时限为5个工作日", false),
                ("投诉受理后24小时内联系顾客，5个工作日内处理完毕", true),
            ]
        );
        assert_eq!((page.total, page.partial_total), (1, 1));
        // The second page starts with the partial match; nothing after it.
        let next = index
            .search_page_widened("投诉处理时限", &Filters::default(), 1, 10)
            .expect("next page");
        assert_eq!(next.hits.len(), 1);
        assert!(next.hits[0].partial);
        let page = index
            .search_page_widened("投诉处理时限 -受理", &Filters::default(), 0, 10)
            .expect("exclusion");
        assert_eq!((page.total, page.partial_total), (1, 0));
        let page = index
            .search_page("投诉处理时限", &Filters::default(), 0, 10)
            .expect("exact");
        assert_eq!((page.hits.len(), page.partial_total), (1, 0));
        // One word has no partial match.
        let page = index
            .search_page_widened("投诉", &Filters::default(), 0, 10)
            .expect("one word");
        assert_eq!((page.total, page.partial_total), (3, 0));
    }

    /// `--clause 5.2.6 废旧滤芯 回收`: the passage cited for 5.2.6 first, then, marked
    /// partial, the recycler's agreement that says every word but is not cited, then one with
    /// some of the words; a passage with none of them never; a plain search keeps to the cited.
    #[test]
    fn under_a_clause_the_uncited_passages_with_the_words_follow_the_cited_ones() {
        use crate::model::{Evidence, IndicatorFinding, IndicatorStatus, RuleId, Strength};
        let texts = [
            "废旧滤芯回收处置协议：乙方每月上门收运废旧滤芯",
            "更换下来的废旧滤芯由服务人员带回，每月集中交回收单位",
            "废旧包装纸箱回收",
            "配件供应",
        ];
        let mut assessment = empty_assessment();
        assessment.indicators.push(IndicatorFinding {
            id: IndicatorId("5.2.6".into()),
            status: IndicatorStatus::Supported,
            evidence: vec![Evidence {
                file: "制度/a.docx".into(),
                location: Location::Paragraph {
                    part: crate::model::Part::Body,
                    paragraph: 1,
                },
                text: texts[1].into(),
                rule: RuleId("r".into()),
                strength: Strength::Strong,
                terms: Vec::new(),
                score: 1.0,
            }],
        });
        let index = Index::create_in_ram().expect("ram index");
        let date = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
        index
            .add_bundle(&bundle("b", &texts), &assessment, date)
            .expect("add");
        let filters = Filters {
            clause: Some("5.2.6".into()),
            ..Filters::default()
        };
        let page = index
            .search_page_widened("废旧滤芯 回收", &filters, 0, 10)
            .expect("widened");
        let shown: Vec<(&str, bool)> = page
            .hits
            .iter()
            .map(|hit| (hit.snippet.as_str(), hit.partial))
            .collect();
        assert_eq!(
            shown,
            [(texts[1], false), (texts[0], true), (texts[2], true),]
        );
        assert_eq!((page.total, page.partial_total), (1, 2));
        // One word under a clause widens too; the exact search does not.
        let page = index
            .search_page_widened("回收", &filters, 0, 10)
            .expect("one word");
        assert_eq!((page.total, page.partial_total), (1, 2));
        let page = index
            .search_page("废旧滤芯 回收", &filters, 0, 10)
            .expect("exact");
        assert_eq!((page.hits.len(), page.partial_total), (1, 0));
        // A listing (no words) stays the clause's evidence alone.
        let page = index
            .search_page_widened("", &filters, 0, 10)
            .expect("listing");
        assert_eq!((page.hits.len(), page.partial_total), (1, 0));
    }

    #[test]
    fn query_words_come_from_the_dictionary_without_lone_characters() {
        let words = |query: &str| query_words(&parse(query).expect("parse"));
        assert_eq!(words("投诉处理时限"), ["投诉", "处理", "时限"]);
        assert_eq!(
            words("售后服务管理师证书 ISO9001"),
            ["售后服务", "管理", "证书", "ISO9001"]
        );
        assert_eq!(words("\"回访 满意率\" 回访"), ["回访满意率", "回访"]);
    }

    /// 级 ends the term E0级 but opens the run 级刨花板 in the text, where it is indexed only
    /// inside the bigram 级刨.
    #[test]
    fn a_lone_cjk_character_at_the_end_of_a_mixed_term_matches_inside_a_run() {
        let index = index(&["样品名称 E0级刨花板", "2026年起实施", "等级A类", "E0 级"]);
        assert_eq!(count(&index, "E0级"), 2);
        assert_eq!(count(&index, "2026年"), 1);
        assert_eq!(count(&index, "级A"), 1);
        assert_eq!(count(&index, "E1级"), 0);
    }

    #[test]
    fn reindexing_replaces() {
        let index = index(&["售后服务"]);
        let date = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
        index
            .add_bundle(&bundle("b", &["售后服务"]), &empty_assessment(), date)
            .expect("add");
        assert_eq!(count(&index, "售后"), 1);
    }
}
