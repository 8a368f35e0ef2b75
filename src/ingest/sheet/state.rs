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
                "单元格超过 {max} 个的限制，工作簿其余部分未读取 (more than {max} spreadsheet cells; the rest of the workbook was not read)",
                max = self.ctx.limits.max_cells
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
                .push(format!("{sheet}!{}（公式 {shown}）", a1(row, col)));
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
                            "文本段超过 {max} 段的限制，工作簿其余部分未读取 (more than {max} passages; the rest of the workbook was not read)",
                            max = self.ctx.limits.max_passages
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
                        "单元格 {n}没有缓存的计算结果（文件保存时未重新计算） (formula has no cached value: file saved without recalculation)"
                    ));
                }
            } else {
                notes.push(format!(
                    "{count} 个公式单元格没有缓存的计算结果（文件保存时未重新计算），例如 {examples} ({count} formula cells have no cached value: file saved without recalculation)",
                    count = self.uncached_count,
                    examples = self.uncached.join("；")
                ));
            }
        }
        if self.long_count > 0 {
            notes.push(format!(
                "有 {count} 个数值单元格的有效数字达 15 位或以上，可能已丢失精度（以数值形式保存的统一社会信用代码等长编号在文件中已经损坏）：{cells}{more} ({count} numeric cell(s) with 15 or more significant digits: precision may be lost)",
                count = self.long_count,
                cells = self.long_numbers.join("；"),
                more = if self.long_count > MAX_LISTED { "；…" } else { "" }
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
                SheetVisible::Hidden => Some(format!("{}（隐藏）", s.name)),
                SheetVisible::VeryHidden => Some(format!("{}（深度隐藏）", s.name)),
            })
            .collect();
        if !hidden.is_empty() {
            self.notes.push(format!(
                "工作簿有隐藏的工作表，已与其他工作表一样读取：{sheets} (workbook has hidden sheet(s), read like the others)",
                sheets = hidden.join("、")
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
                "工作簿单元格中的文字超过每个文件 {max} 字节的限制，其余部分未读取 (the spreadsheet's cells hold more than {max} bytes of text, the byte limit per file; the rest of the workbook was not read)",
                max = self.ctx.limits.max_file_bytes
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
        assert!(x.notes[0].starts_with("8 个公式单元格没有缓存的计算结果"));
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
            x.notes.iter().any(|n| n.contains("隐藏名单（隐藏）")),
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
