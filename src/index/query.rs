//! The query grammar: words and "quoted phrases", all of which must match, with `OR` between two
//! of them for either, and `-word` (or `NOT word`) for passages that must not say it. `AND` may
//! be written and changes nothing. So `投诉 处理 OR 受理 -计划` finds passages saying 投诉 and
//! (处理 or 受理), and not 计划. Operators are recognised only unquoted and in capitals, so
//! `"OR"` or `or` is a word; anything malformed (`OR` with nothing on a side, a lone `-`, an
//! unbalanced quote) is refused rather than searched for as words.

use super::{IndexError, Result};

/// One term of a query: a word, or a quoted phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryPart {
    /// As typed, quotes and a leading `-` removed.
    pub(crate) text: String,
    /// Written in quotes: the exact phrase, in the passage's own text only.
    pub(crate) quoted: bool,
}

/// A parsed query: every group must match (a group is one term, or several joined by `OR`, any
/// of which will do); no passage may match a term of `excluded`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Parsed {
    pub(crate) groups: Vec<Vec<QueryPart>>,
    pub(crate) excluded: Vec<QueryPart>,
}

impl Parsed {
    /// No term to find (there may still be terms to exclude).
    pub(crate) fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// A token before the operators are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Term { part: QueryPart, negated: bool },
    Or,
    And,
    Not,
}

/// Parses `query` (see the module docs).
pub(crate) fn parse(query: &str) -> Result<Parsed> {
    let bad = |why: &str| IndexError::Query(format!("{why} in `{query}`"));
    let mut parsed = Parsed::default();
    let tokens = tokens(query)?;
    // Set by `OR`: the next term joins the last group instead of starting one.
    let mut join_last = false;
    let mut negate_next = false;
    // `OR` may only follow a term to find (`-a OR b` has no meaning we could give it).
    let mut after_term = false;
    for token in tokens {
        match token {
            Token::And => {
                if join_last || negate_next {
                    return Err(bad("AND right after OR or NOT"));
                }
            }
            Token::Not => {
                if join_last {
                    return Err(bad("NOT right after OR"));
                }
                negate_next = true;
                after_term = false;
            }
            Token::Or => {
                if !after_term {
                    return Err(bad("OR needs a word on each side"));
                }
                join_last = true;
                after_term = false;
            }
            Token::Term { part, negated } => {
                let negated = negated || std::mem::take(&mut negate_next);
                if negated {
                    if join_last {
                        return Err(bad("OR with a word to leave out"));
                    }
                    parsed.excluded.push(part);
                    after_term = false;
                    continue;
                }
                match (join_last, parsed.groups.last_mut()) {
                    (true, Some(group)) => group.push(part),
                    _ => parsed.groups.push(vec![part]),
                }
                join_last = false;
                after_term = true;
            }
        }
    }
    if join_last {
        return Err(bad("OR needs a word on each side"));
    }
    if negate_next {
        return Err(bad("NOT needs a word after it"));
    }
    Ok(parsed)
}

/// Splits at whitespace outside quotes and recognises the operators.
fn tokens(query: &str) -> Result<Vec<Token>> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    // A `-` typed right before the opening quote of a phrase.
    let mut phrase_negated = false;
    let flush = |current: &mut String, out: &mut Vec<Token>| -> Result<()> {
        if current.is_empty() {
            return Ok(());
        }
        let word = std::mem::take(current);
        out.push(match word.as_str() {
            "OR" | "|" => Token::Or,
            "AND" | "&&" => Token::And,
            "NOT" => Token::Not,
            "-" => {
                return Err(IndexError::Query(format!(
                    "a lone `-` in `{query}`: write -word to leave a word out"
                )));
            }
            _ => match word.strip_prefix('-') {
                Some(rest) => Token::Term {
                    part: QueryPart {
                        text: rest.to_string(),
                        quoted: false,
                    },
                    negated: true,
                },
                None => Token::Term {
                    part: QueryPart {
                        text: word,
                        quoted: false,
                    },
                    negated: false,
                },
            },
        });
        Ok(())
    };
    for c in query.chars() {
        if matches!(c, '"' | '＂' | '“' | '”') {
            if quoted {
                if !current.trim().is_empty() {
                    out.push(Token::Term {
                        part: QueryPart {
                            text: std::mem::take(&mut current),
                            quoted: true,
                        },
                        negated: phrase_negated,
                    });
                }
                current.clear();
                phrase_negated = false;
            } else {
                phrase_negated = current == "-";
                if !phrase_negated {
                    flush(&mut current, &mut out)?;
                }
                current.clear();
            }
            quoted = !quoted;
        } else if c.is_whitespace() && !quoted {
            flush(&mut current, &mut out)?;
        } else {
            current.push(c);
        }
    }
    if quoted {
        return Err(IndexError::Query(format!("unbalanced quote in `{query}`")));
    }
    flush(&mut current, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(t: &str) -> QueryPart {
        QueryPart {
            text: t.into(),
            quoted: false,
        }
    }
    fn phrase(t: &str) -> QueryPart {
        QueryPart {
            text: t.into(),
            quoted: true,
        }
    }

    #[test]
    fn words_and_phrases_are_all_required() {
        let p = parse("a \"b c\" d").expect("parse");
        assert_eq!(
            p.groups,
            [vec![word("a")], vec![phrase("b c")], vec![word("d")]]
        );
        assert_eq!(
            parse("“售后 服务”").expect("parse").groups,
            [vec![phrase("售后 服务")]]
        );
        assert!(parse("  ").expect("parse").is_empty());
        assert_eq!(
            parse("a AND b").expect("parse"),
            parse("a b").expect("parse")
        );
    }

    #[test]
    fn or_joins_its_neighbours_and_minus_excludes() {
        let p = parse("投诉 处理 OR 受理 OR \"回访\" -计划 NOT \"尚未 建立\"").expect("parse");
        assert_eq!(
            p.groups,
            [
                vec![word("投诉")],
                vec![word("处理"), word("受理"), phrase("回访")]
            ]
        );
        assert_eq!(p.excluded, [word("计划"), phrase("尚未 建立")]);
        let p = parse("-\"计划 设立\" 网点").expect("parse");
        assert_eq!(p.excluded, [phrase("计划 设立")]);
        assert_eq!(p.groups, [vec![word("网点")]]);
    }

    #[test]
    fn operators_in_quotes_or_lower_case_are_words() {
        let p = parse("\"OR\" or").expect("parse");
        assert_eq!(p.groups, [vec![phrase("OR")], vec![word("or")]]);
        // A code with inner hyphens is one word.
        assert_eq!(
            parse("400-800-1234").expect("parse").groups,
            [vec![word("400-800-1234")]]
        );
    }

    #[test]
    fn malformed_operators_are_refused() {
        for q in [
            "OR a",
            "a OR",
            "a OR OR b",
            "a -",
            "NOT",
            "a OR -b",
            "a OR NOT b",
            "\"a",
        ] {
            assert!(parse(q).is_err(), "{q}");
        }
    }
}
