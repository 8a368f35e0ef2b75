//! The per-file reading state shared by the format readers: the cell budget and the clock, the
//! cells gathered per sheet, and the findings a reviewer must know.
//!
//! **Things a reviewer must know** go into notes: hidden sheets (read like the others),
//! formulas saved without a cached value (openpyxl, xlwt), numbers of 15+ digits whose
//! precision the file may already have lost (an 18-digit 统一社会信用代码 stored as a number).
//! Findings of one sort are listed up to [`MAX_LISTED`] times, then collapsed to a count.

use super::rows::{a1, sheet_passages};
use super::values::format_value;
use crate::ingest::clock::Clock;
use crate::ingest::headings::HeadingBudget;
use crate::ingest::{Extracted, ReadContext, ReadError};
use calamine::{Data, Dimensions, SheetVisible};

/// How many individual findings of one sort are listed before they are collapsed to a count.
const MAX_LISTED: usize = 5;

/// One non-empty cell as text, with whether it holds text (for header detection).
#[derive(Debug, Clone)]
pub(super) struct CellText {
    pub(super) row: u32,
    pub(super) col: u32,
    pub(super) text: String,
    pub(super) is_text: bool,
}

/// What one sheet gave: its cells (any order) and merged regions (absolute coordinates).
#[derive(Debug, Default)]
pub(super) struct SheetCells {
    pub(super) name: String,
    pub(super) cells: Vec<CellText>,
    pub(super) merges: Vec<Dimensions>,
}

/// Per-file reading state: the cell budget, the clock, and the notes gathered on the way.
pub(super) struct State<'a> {
    pub(super) ctx: &'a ReadContext,
    clock: Clock<'a>,
    visited: u64,
    /// Bytes of cell text gathered: a shared string is copied into every cell that uses it.
    text_bytes: u64,
    pub(super) truncated: Option<String>,
    uncached: Vec<String>,
    uncached_count: usize,
    long_numbers: Vec<String>,
    long_count: usize,
    pub(super) notes: Vec<String>,
    sheet_count: u32,
}

impl<'a> State<'a> {
    pub(super) fn new(ctx: &'a ReadContext) -> State<'a> {
        State {
            ctx,
            clock: Clock::new(ctx),
            visited: 0,
            text_bytes: 0,
            truncated: None,
            uncached: Vec::new(),
            uncached_count: 0,
            long_numbers: Vec::new(),
            long_count: 0,
            notes: Vec::new(),
            sheet_count: 0,
        }
    }

    /// Counts one visited cell. `Ok(false)` once the cell budget is spent (reading stops and the
    /// file is marked truncated); `Err` when the file's time is up.
    pub(super) fn visit(&mut self) -> Result<bool, ReadError> {
        if self.truncated.is_some() {
            return Ok(false);
        }
        self.visited += 1;
        self.clock.tick()?;
        if self.visited > self.ctx.limits.max_cells {
            self.truncated = Some(format!(
                "more than {} spreadsheet cells; the rest of the workbook was not read",
                self.ctx.limits.max_cells
            ));
            return Ok(false);
        }
        Ok(true)
    }

    pub(super) fn note_uncached(&mut self, sheet: &str, row: u32, col: u32, formula: &str) {
        self.uncached_count += 1;
        if self.uncached.len() < MAX_LISTED {
            let formula = formula.trim();
            let shown = if formula.starts_with('=') || formula.starts_with("of:") {
                formula.to_string()
            } else {
                format!("={formula}")
            };
            self.uncached
                .push(format!("{sheet}!{}: formula {shown}", a1(row, col)));
        }
    }

    fn note_long_number(&mut self, sheet: &str, row: u32, col: u32, text: &str) {
        self.long_count += 1;
        if self.long_numbers.len() < MAX_LISTED {
            self.long_numbers
                .push(format!("{sheet}!{} ({text})", a1(row, col)));
        }
    }

    /// Turns the per-sheet cells into passages and the gathered findings into notes.
    pub(super) fn finish(mut self, sheets: Vec<SheetCells>) -> Result<Extracted, ReadError> {
        let mut passages = Vec::new();
        let mut budget = HeadingBudget::default();
        'sheets: for sheet in sheets {
            for passage in sheet_passages(sheet, self.ctx, &mut budget)? {
                if passages.len() >= self.ctx.limits.max_passages {
                    self.truncated.get_or_insert_with(|| {
                        format!(
                            "more than {} passages; the rest of the workbook was not read",
                            self.ctx.limits.max_passages
                        )
                    });
                    break 'sheets;
                }
                passages.push(passage);
            }
        }
        let mut notes = std::mem::take(&mut self.notes);
        notes.extend(budget.note());
        if self.uncached_count > 0 {
            if self.uncached_count <= MAX_LISTED {
                for n in &self.uncached {
                    notes.push(format!(
                        "{n} has no cached value (file saved without recalculation)"
                    ));
                }
            } else {
                notes.push(format!(
                    "{} formula cells have no cached value (file saved without recalculation), e.g. {}",
                    self.uncached_count,
                    self.uncached.join("; ")
                ));
            }
        }
        if self.long_count > 0 {
            notes.push(format!(
                "{} numeric cell(s) with 15 or more significant digits: precision may be lost (a long ID such as a 统一社会信用代码 stored as a number is already damaged in the file): {}{}",
                self.long_count,
                self.long_numbers.join("; "),
                if self.long_count > MAX_LISTED { "; …" } else { "" }
            ));
        }
        Ok(Extracted {
            passages,
            ocr_pages: Vec::new(),
            pages: Some(self.sheet_count),
            notes,
            truncated: self.truncated,
        })
    }

    /// Notes the workbook's hidden sheets (they are read like the others).
    pub(super) fn note_hidden(&mut self, meta: &[calamine::Sheet]) {
        self.sheet_count = u32::try_from(meta.len()).unwrap_or(u32::MAX);
        let hidden: Vec<String> = meta
            .iter()
            .filter_map(|s| match s.visible {
                SheetVisible::Visible => None,
                SheetVisible::Hidden => Some(format!("{} (hidden)", s.name)),
                SheetVisible::VeryHidden => Some(format!("{} (very hidden)", s.name)),
            })
            .collect();
        if !hidden.is_empty() {
            self.notes.push(format!(
                "workbook has hidden sheet(s), read like the others: {}",
                hidden.join(", ")
            ));
        }
    }

    /// Counts `bytes` of cell text. False once the workbook's text would exceed the byte limit
    /// per file (reading stops and the file is marked truncated): 5,000 cells sharing one 1 MiB
    /// string are 5 GB of text although the cell budget allows them.
    fn spend_text(&mut self, bytes: usize) -> bool {
        self.text_bytes = self.text_bytes.saturating_add(bytes as u64);
        if self.text_bytes <= self.ctx.limits.max_file_bytes {
            return true;
        }
        self.truncated.get_or_insert_with(|| {
            format!(
                "the spreadsheet's cells hold more than {} bytes of text (the byte limit per file); the rest of the workbook was not read",
                self.ctx.limits.max_file_bytes
            )
        });
        false
    }

    /// Formats a value and records a long-number finding for it; `None` for an empty value,
    /// or once the text byte budget is spent.
    pub(super) fn cell(
        &mut self,
        sheet: &str,
        row: u32,
        col: u32,
        value: &Data,
    ) -> Option<CellText> {
        let f = format_value(value)?;
        if !self.spend_text(f.text.len()) {
            return None;
        }
        if f.long_number {
            self.note_long_number(sheet, row, col, &f.text);
        }
        Some(CellText {
            row,
            col,
            text: f.text,
            is_text: f.is_text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::read;
    use super::super::test_support::*;
    use crate::ingest::{Limits, ReadContext};
    use crate::model::FileKind;

    #[test]
    fn many_uncached_formulas_collapse_to_a_count() {
        let rows: String = (1..=8)
            .map(|r| row(r, &[format!(r#"<c r="A{r}"><f>1+{r}</f></c>"#)]))
            .collect();
        let x = read_xlsx_ok(&[sheet("S", rows)]);
        assert_eq!(x.notes.len(), 1, "{:?}", x.notes);
        assert!(x.notes[0].starts_with("8 formula cells have no cached value"));
    }

    #[test]
    fn hidden_sheet_is_read_and_noted() {
        let visible = sheet("首页", row(1, &[t("A1", "公开")]));
        let hidden = TestSheet {
            name: "隐藏名单",
            hidden: true,
            rows: row(1, &[t("A1", "秘密")]),
            merges: &[],
        };
        let x = read_xlsx_ok(&[visible, hidden]);
        assert_eq!(texts(&x), vec!["公开", "秘密"]);
        assert!(
            x.notes.iter().any(|n| n.contains("隐藏名单 (hidden)")),
            "{:?}",
            x.notes
        );
        assert_eq!(x.pages, Some(2));
    }

    #[test]
    fn eighteen_digit_number_is_noted() {
        let x = read_one_row(&[
            t("A1", "统一社会信用代码"),
            n("B1", "913100001234567890", 0),
        ]);
        assert_eq!(texts(&x), vec!["统一社会信用代码 | 913100001234568000"]);
        assert!(
            x.notes
                .iter()
                .any(|n| n.contains("Sheet1!B1") && n.contains("precision")),
            "{:?}",
            x.notes
        );
    }

    #[test]
    fn cell_limit_truncates_and_keeps_rows() {
        let rows: String = (1..=50)
            .map(|r| row(r, &[t(&format!("A{r}"), "行"), n(&format!("B{r}"), "1", 0)]))
            .collect();
        let limits = Limits {
            max_cells: 21,
            ..Limits::default()
        };
        let x = read(
            FileKind::Xlsx,
            &xlsx(&[sheet("S", rows)]),
            &ReadContext::new(limits),
        )
        .expect("reads");
        assert!(x.truncated.is_some());
        assert_eq!(x.passages.len(), 11);
    }
}
