//! Rows → passages, with title and header carry.
//!
//! Every non-empty row of a sheet becomes one passage located by sheet name and A1 range. Leading
//! single-cell rows (a merged banner, a caption) are the table's title lines, and the first
//! mostly-text row below them is its header (with a sub-header when merged header cells reach
//! down into it); both are carried into the headings of the rows below, so later stages know
//! what a column means.

use super::state::{CellText, SheetCells};
use crate::ingest::headings::{self, HeadingBudget};
use crate::ingest::{ReadContext, ReadError};
use crate::model::{Location, Passage};
use calamine::Dimensions;
use std::collections::BTreeMap;

/// Merged regions wider than this are not carried into header labels (hostile files).
const MAX_MERGE_SPAN: u32 = 512;
/// Most leading single-cell rows treated as the table's title lines.
const MAX_TITLE_ROWS: usize = 3;

/// One non-empty row: its absolute index and cells in column order.
struct Row {
    row: u32,
    cells: Vec<CellText>,
}

impl Row {
    fn text(&self) -> String {
        self.cells
            .iter()
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    }

    fn mostly_text(&self) -> bool {
        let text = self.cells.iter().filter(|c| c.is_text).count();
        text * 2 > self.cells.len()
    }
}

/// Builds the passages of one sheet: one per non-empty row, with the title line(s) and the
/// header row carried into `headings` of the rows below them, as far as the document's heading
/// `budget` goes (each header label is cut to [`headings::MAX_HEADING_CHARS`]: two 1 MiB header
/// cells over 5,000 rows would otherwise be copied 5,000 times, issue 11).
pub(super) fn sheet_passages(
    sheet: SheetCells,
    ctx: &ReadContext,
    budget: &mut HeadingBudget,
) -> Result<Vec<Passage>, ReadError> {
    ctx.check_time()?;
    let SheetCells {
        name,
        mut cells,
        merges,
    } = sheet;
    cells.sort_by_key(|c| (c.row, c.col));
    let mut rows: Vec<Row> = Vec::new();
    for cell in cells {
        match rows.last_mut() {
            Some(last) if last.row == cell.row => last.cells.push(cell),
            _ => rows.push(Row {
                row: cell.row,
                cells: vec![cell],
            }),
        }
    }
    if rows.is_empty() {
        return Ok(Vec::new());
    }

    // Title lines: leading single-cell rows (a merged banner, or a caption) above a wider row.
    let mut titles = Vec::new();
    let mut idx = 0;
    while idx < rows.len().min(MAX_TITLE_ROWS)
        && rows[idx].cells.len() == 1
        && rows.get(idx + 1).is_some_and(|next| {
            next.cells.len() >= 2 || is_wide_merge(&merges, &rows[idx].cells[0])
        })
    {
        titles.push(title_line(&rows[idx].cells[0].text));
        idx += 1;
    }

    // Header: the next row, if mostly text; a second text row below a header whose merged cells
    // reach down into it is a sub-header.
    let mut header: Option<String> = None;
    let mut data_from = idx;
    if let Some(candidate) = rows.get(idx)
        && candidate.cells.len() >= 2
        && candidate.mostly_text()
        && rows.len() > idx + 1
    {
        let mut labels: BTreeMap<u32, String> = BTreeMap::new();
        for c in &candidate.cells {
            labels.insert(c.col, label(&c.text));
        }
        let mut reaches_down = false;
        for m in &merges {
            if m.start.0 <= candidate.row && candidate.row <= m.end.0 {
                if m.end.0 > candidate.row {
                    reaches_down = true;
                }
                let Some(value) = value_at(&rows, m.start.0, m.start.1) else {
                    continue;
                };
                let last = m.end.1.min(m.start.1.saturating_add(MAX_MERGE_SPAN));
                for col in m.start.1..=last {
                    labels.entry(col).or_insert_with(|| label(value));
                }
            }
        }
        data_from = idx + 1;
        if reaches_down
            && let Some(sub) = rows.get(idx + 1)
            && sub.row == candidate.row + 1
            && sub.mostly_text()
            && rows.len() > idx + 2
        {
            for c in &sub.cells {
                let text = label(&c.text);
                let label = match labels.get(&c.col) {
                    Some(top) if *top != text => format!("{top}/{text}"),
                    _ => text,
                };
                labels.insert(c.col, label);
            }
            data_from = idx + 2;
        }
        let joined = labels
            .values()
            .filter(|l| !l.trim().is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" | ");
        header = Some(joined);
    }

    let mut passages = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let first = row.cells.first().map_or(0, |c| c.col);
        let last = row.cells.last().map_or(0, |c| c.col);
        let cell = if first == last {
            a1(row.row, first)
        } else {
            format!("{}:{}", a1(row.row, first), a1(row.row, last))
        };
        let mut passage = Passage::new(
            row.text(),
            Location::SheetCell {
                sheet: name.clone(),
                cell,
            },
        );
        let above = &titles[..i.min(titles.len())];
        let header = header.as_ref().filter(|_| i >= data_from);
        let bytes = above.iter().chain(header).map(String::len).sum();
        budget.assign(&mut passage, bytes, || {
            above.iter().chain(header).cloned().collect()
        });
        passages.push(passage);
    }
    Ok(passages)
}

/// A cell's manual line breaks removed, for a heading: dropped between CJK characters
/// (`原料含\n量` → `原料含量`), a space elsewhere.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let joins_cjk = out.chars().last().is_some_and(crate::normalize::is_cjk)
            && line.chars().next().is_some_and(crate::normalize::is_cjk);
        if !out.is_empty() && !joins_cjk {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

/// A header cell as a column label: one line, at most [`headings::MAX_HEADING_CHARS`].
fn label(text: &str) -> String {
    headings::shorten(&one_line(text))
}

/// A title cell as a heading: its first line, at most 100 characters (some templates put a
/// page of instructions in the merged title cell).
fn title_line(text: &str) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if first.chars().count() > 100 {
        let mut s: String = first.chars().take(100).collect();
        s.push('…');
        s
    } else {
        first.to_string()
    }
}

/// True when a merged region starting at this cell spans two or more columns (a banner title).
fn is_wide_merge(merges: &[Dimensions], cell: &CellText) -> bool {
    merges
        .iter()
        .any(|m| m.start == (cell.row, cell.col) && m.end.1 > m.start.1)
}

fn value_at(rows: &[Row], row: u32, col: u32) -> Option<&str> {
    let i = rows.binary_search_by_key(&row, |r| r.row).ok()?;
    rows[i]
        .cells
        .iter()
        .find(|c| c.col == col)
        .map(|c| c.text.as_str())
}

/// A1 reference of a 0-based (row, col), e.g. (2, 5) → `F3`.
pub(super) fn a1(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.reverse();
    let mut s: String = letters.into_iter().collect();
    s.push_str(&(u64::from(row) + 1).to_string());
    s
}

#[cfg(test)]
mod tests {
    use super::super::read;
    use super::super::test_support::*;
    use super::*;
    use crate::model::FileKind;

    #[test]
    fn chinese_sheet_name_and_a1_ranges() {
        let rows = row(3, &[t("A3", "网点"), t("B3", "地址"), t("F3", "电话")])
            + &row(7, &[t("B7", "北京市海淀区")]);
        let x = read_xlsx_ok(&[sheet("网点名单", rows)]);
        assert_eq!(texts(&x), vec!["网点 | 地址 | 电话", "北京市海淀区"]);
        assert_eq!(cell_of(&x.passages[0]), ("网点名单", "A3:F3"));
        assert_eq!(cell_of(&x.passages[1]), ("网点名单", "B7"));
        assert_eq!(x.pages, Some(1));
    }

    #[test]
    fn merged_title_and_header_are_carried() {
        let rows = row(1, &[t("A1", "售后服务网点一览表")])
            + &row(
                2,
                &[t("A2", "序号"), t("B2", "网点名称"), t("C2", "联系方式")],
            )
            + &row(3, &[t("C3", "电话"), t("D3", "地址")])
            + &row(
                4,
                &[
                    n("A4", "1", 0),
                    t("B4", "北京网点"),
                    t("C4", "010-1234"),
                    t("D4", "北京市"),
                ],
            );
        let s = TestSheet {
            name: "网点",
            hidden: false,
            rows,
            merges: &["A1:D1", "A2:A3", "B2:B3", "C2:D2"],
        };
        let x = read_xlsx_ok(&[s]);
        assert_eq!(x.passages.len(), 4);
        assert!(x.passages[0].headings.is_empty());
        assert_eq!(x.passages[1].headings, vec!["售后服务网点一览表"]);
        assert_eq!(
            x.passages[3].headings,
            vec![
                "售后服务网点一览表",
                "序号 | 网点名称 | 联系方式/电话 | 联系方式/地址"
            ]
        );
        assert_eq!(x.passages[3].text, "1 | 北京网点 | 010-1234 | 北京市");
    }

    #[test]
    fn merged_header_cell_spans_its_columns() {
        let rows = row(1, &[t("A1", "姓名"), t("B1", "证书")])
            + &row(2, &[t("A2", "张三"), t("B2", "国家级"), t("C2", "2020")]);
        let s = TestSheet {
            name: "人员",
            hidden: false,
            rows,
            merges: &["B1:C1"],
        };
        let x = read_xlsx_ok(&[s]);
        assert_eq!(x.passages[1].headings, vec!["姓名 | 证书 | 证书"]);
    }

    #[test]
    fn empty_rows_and_blank_cells_are_skipped() {
        let rows = row(1, &[t("A1", "甲")])
            + &row(2, &[t("A2", "  "), r#"<c r="B2" s="1"/>"#.to_string()])
            + &row(5, &[t("C5", "乙")]);
        let x = read_xlsx_ok(&[sheet("S", rows)]);
        assert_eq!(texts(&x), vec!["甲", "乙"]);
        assert_eq!(cell_of(&x.passages[1]).1, "C5");
    }

    /// Issue 11: a header row of two 1 MiB shared strings over 5,000 rows was copied onto
    /// every row (10 GB). Each label is cut to 200 characters where it heads the rows.
    #[test]
    fn a_header_of_huge_shared_strings_is_cut_on_the_rows_below() {
        let long = "网点".repeat(512 * 1024 / 3);
        let mut rows = row(1, &[s("A1", 0), s("B1", 0)]);
        for r in 2..=5_001u32 {
            rows.push_str(&row(
                r,
                &[t(&format!("A{r}"), "北京"), t(&format!("B{r}"), "上海")],
            ));
        }
        let x = read(
            FileKind::Xlsx,
            &xlsx_with_shared_strings(&[sheet("S", rows)], &[&long]),
            &ctx(),
        )
        .expect("reads");
        assert_eq!(x.passages.len(), 5_001);
        assert_eq!(x.passages[0].text.len(), 2 * long.len() + 3);
        let header = &x.passages[1].headings;
        assert_eq!(header.len(), 1);
        assert_eq!(header[0].chars().count(), 2 * 201 + 3);
        let carried: usize = x
            .passages
            .iter()
            .flat_map(|p| &p.headings)
            .map(String::len)
            .sum();
        assert!(carried < 5_000 * 1_300, "{carried} heading bytes");
    }

    #[test]
    fn a1_and_heading_line_helpers() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(2, 5), "F3");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(0, 16_383), "XFD1");
        assert_eq!(one_line("原料含\n量（%）"), "原料含量（%）");
        assert_eq!(one_line("Unit\nprice"), "Unit price");
        assert_eq!(title_line("模板\n1、材质：必填"), "模板");
    }
}
