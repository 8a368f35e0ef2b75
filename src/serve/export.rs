//! The review as a worksheet (评审记录表): one row per indicator, material and flag, with the
//! tool's verdict, the reviewer's decision and comment, and the best evidence's file and place,
//! written with `rust_xlsxwriter`.

use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

/// The worksheet's name.
pub const SHEET: &str = "评审记录表";

/// The header row.
const HEADER: [&str; 12] = [
    "类型",
    "编号",
    "名称",
    "判定",
    "评审决定",
    "意见",
    "评审人",
    "决定时间",
    "证据是否变化",
    "证据文件",
    "位置",
    "证据摘录",
];

/// Column widths, in characters.
const WIDTHS: [f64; 12] = [
    6.0, 10.0, 24.0, 8.0, 8.0, 30.0, 10.0, 20.0, 10.0, 30.0, 16.0, 50.0,
];

/// One row of the worksheet, every cell already in words.
#[derive(Debug, Clone, Default)]
pub struct ReviewRow {
    /// 指标, 材料 or 问题.
    pub kind: String,
    /// The item's id (`5.3.2`, a material id, a flag code).
    pub id: String,
    /// Its Chinese name.
    pub name: String,
    /// The tool's verdict, in words.
    pub verdict: String,
    /// The reviewer's decision, in words (empty when none).
    pub decision: String,
    /// The reviewer's comment.
    pub comment: String,
    /// Who decided.
    pub reviewer: String,
    /// When.
    pub at: String,
    /// 是 when the verdict or evidence changed since the decision.
    pub changed: String,
    /// The best evidence's file.
    pub evidence_file: String,
    /// Its place, as the pages number it.
    pub evidence_place: String,
    /// Its text (cut).
    pub evidence_text: String,
}

impl ReviewRow {
    fn cells(&self) -> [&str; 12] {
        [
            &self.kind,
            &self.id,
            &self.name,
            &self.verdict,
            &self.decision,
            &self.comment,
            &self.reviewer,
            &self.at,
            &self.changed,
            &self.evidence_file,
            &self.evidence_place,
            &self.evidence_text,
        ]
    }
}

/// The workbook for bundle `bundle`, as xlsx bytes.
pub fn workbook(bundle: &str, as_of: &str, rows: &[ReviewRow]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold().set_background_color("#E8EEF7");
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    sheet.write_string_with_format(
        0,
        0,
        format!("{bundle} 评审记录（审查日期 {as_of}）"),
        &title,
    )?;
    for (col, (name, width)) in HEADER.iter().zip(WIDTHS).enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.write_string_with_format(1, col, *name, &bold)?;
        sheet.set_column_width(col, width)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = u32::try_from(i + 2).unwrap_or(u32::MAX);
        for (col, cell) in row.cells().iter().enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            sheet.write_string_with_format(r, col, *cell, &wrap)?;
        }
    }
    sheet.set_freeze_panes(2, 0)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Reader, Xlsx};

    #[test]
    fn the_worksheet_reads_back_with_its_header_and_rows() {
        let rows = [ReviewRow {
            kind: "指标".into(),
            id: "5.3.2".into(),
            name: "投诉处理".into(),
            verdict: "有证据".into(),
            decision: "驳回".into(),
            comment: "缺少回访记录".into(),
            ..ReviewRow::default()
        }];
        let bytes = workbook("华信家电-2026", "2026-11-28", &rows).unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range(SHEET).unwrap();
        let cell = |r: u32, c: u32| {
            range
                .get_value((r, c))
                .map(ToString::to_string)
                .unwrap_or_default()
        };
        assert_eq!(cell(1, 0), "类型");
        assert_eq!(cell(2, 1), "5.3.2");
        assert_eq!(cell(2, 4), "驳回");
        assert_eq!(cell(2, 5), "缺少回访记录");
    }
}
