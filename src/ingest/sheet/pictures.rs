//! Pictures placed on the sheets of an `.xlsx` workbook (a licence photo pasted beside the
//! company table) → [`Embedded`] pictures anchored at their sheet and cell, for OCR.
//!
//! calamine reads cells only, so the drawing chain is followed here on the package itself:
//! `xl/workbook.xml` (sheet names in tab order, each with its relationship id) →
//! `xl/_rels/workbook.xml.rels` (the worksheet part) → the worksheet's `_rels` (its `drawing`)
//! → the drawing's anchors (`xdr:twoCellAnchor`/`xdr:oneCellAnchor`: the `xdr:from` cell of the
//! top-left corner; `xdr:absoluteAnchor`: no cell) holding `xdr:pic` with `a:blip r:embed` →
//! the drawing's `_rels` (`xl/media/…`).
//!
//! Every step is best effort: a missing or broken part, a relationship to a part the package
//! does not hold (relationship targets are resolved inside the package, never on disk), or a
//! malformed drawing loses only the pictures behind it, with a note. WPS's in-cell pictures
//! (`xl/cellimages.xml`, the `DISPIMG` formula) and Excel's in-cell pictures (rich values) are
//! not followed.

use super::rows::a1;
use crate::ingest::clock::Clock;
use crate::ingest::ocr::embedded::{Anchor, Budget, Embedded};
use crate::ingest::package::{self, Package, attr, relationship_targets};
use crate::ingest::{Extracted, ReadContext};
use quick_xml::Reader;
use quick_xml::events::Event;
use std::collections::HashMap;

/// Most pictures taken from one workbook; each costs an OCR run.
const MAX_PICTURES: usize = 1_000;

/// The pictures on the sheets of the xlsx `bytes`, in tab order and, within a sheet, in the
/// drawing's order. Problems become notes in `out`; nothing here fails the workbook.
pub(super) fn workbook_pictures(
    bytes: &[u8],
    ctx: &ReadContext,
    out: &mut Extracted,
) -> Vec<Embedded> {
    let Ok(zip) = Package::open(bytes, &ctx.limits, ".xlsx") else {
        return Vec::new();
    };
    let mut book = Book::new(zip);
    if !book.names.keys().any(|n| n.starts_with("xl/media/")) {
        // No picture in the package: nothing to follow (most workbooks).
        return Vec::new();
    }
    let sheets = book.sheets(ctx);
    let mut pictures = Vec::new();
    let mut budget = Budget::new(&ctx.limits);
    for (sheet, part) in sheets {
        if ctx.check_time().is_err() || pictures.len() >= MAX_PICTURES {
            break;
        }
        let mut drawings: Vec<String> = book
            .rels_of(&part)
            .into_values()
            .filter(|t| t.contains("drawings/"))
            .collect();
        drawings.sort();
        for drawing in drawings {
            let refs = match book.xml(&drawing) {
                Some(xml) => anchored_pictures(&xml, ctx),
                None => continue,
            };
            if let Err(why) = &refs.1 {
                out.notes.push(format!(
                    "工作表 {sheet} 的绘图部件 {drawing} 格式不正确：{why}；出错处之后的图片未读取 ({drawing}, drawing of sheet {sheet}, is not well-formed; pictures after the error were not read)"
                ));
            }
            let media = book.rels_of(&drawing);
            for (id, cell) in refs.0 {
                if pictures.len() >= MAX_PICTURES {
                    break;
                }
                let Some(target) = media.get(&id) else {
                    continue;
                };
                let Some(idx) = book.find(target) else {
                    out.notes.push(format!(
                        "工作表 {sheet} 上的图片引用了 {target}，但文件包中没有该文件 (a picture on sheet {sheet} refers to {target}, which the package does not hold)"
                    ));
                    continue;
                };
                if !budget.admit(target, book.zip.declared_size(idx)) {
                    continue;
                }
                match book.zip.read_bytes(idx) {
                    Ok((bytes, _)) => pictures.push(Embedded {
                        anchor: Anchor::Sheet {
                            sheet: sheet.clone(),
                            cell: cell.clone(),
                        },
                        name: target.clone(),
                        bytes,
                    }),
                    Err(e) => out.notes.push(format!("图片 {target}：{}", e.message())),
                }
            }
        }
    }
    out.notes.extend(budget.note());
    pictures
}

/// The package with a case-insensitive name index (OPC names are case-insensitive).
struct Book<'b, 'c> {
    zip: Package<'b, 'c>,
    names: HashMap<String, usize>,
}

impl<'b, 'c> Book<'b, 'c> {
    fn new(zip: Package<'b, 'c>) -> Book<'b, 'c> {
        let mut names = HashMap::new();
        for (i, name) in zip.member_names().enumerate() {
            names
                .entry(name.trim_start_matches('/').to_lowercase())
                .or_insert(i);
        }
        Book { zip, names }
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.names.get(&name.to_lowercase()).copied()
    }

    /// Part `name` as text, `None` when absent, over the bounds or unreadable.
    fn xml(&mut self, name: &str) -> Option<String> {
        let idx = self.find(name)?;
        self.zip.read_part(idx).ok().map(|(xml, _)| xml)
    }

    /// The relationships of part `name` by id, targets resolved against its folder.
    fn rels_of(&mut self, name: &str) -> HashMap<String, String> {
        let (dir, file) = name.rsplit_once('/').unwrap_or(("", name));
        let rels = if dir.is_empty() {
            format!("_rels/{file}.rels")
        } else {
            format!("{dir}/_rels/{file}.rels")
        };
        self.xml(&rels)
            .map(|xml| relationship_targets(&xml, dir))
            .unwrap_or_default()
    }

    /// Every worksheet's name and part, in tab order.
    fn sheets(&mut self, ctx: &ReadContext) -> Vec<(String, String)> {
        let Some(workbook) = self.xml("xl/workbook.xml") else {
            return Vec::new();
        };
        let targets = self.rels_of("xl/workbook.xml");
        let mut out = Vec::new();
        let mut reader = Reader::from_str(&workbook);
        let mut clock = Clock::new(ctx);
        while clock.tick().is_ok() {
            match reader.read_event() {
                Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sheet" => {
                    // The relationship id is the prefixed `r:id`, not a plain `id`.
                    let rid = e
                        .attributes()
                        .flatten()
                        .find(|a| {
                            let key: &str = a.key.as_ref();
                            key != "id" && a.key.local_name().as_ref() == "id"
                        })
                        .map(|a| a.value.trim().to_string());
                    if let (Some(name), Some(part)) =
                        (attr(&e, "name"), rid.and_then(|r| targets.get(&r).cloned()))
                    {
                        out.push((name, part));
                    }
                }
                Ok(Event::Eof) | Err(_) => break,
                Ok(_) => {}
            }
        }
        out
    }
}

/// A picture's relationship id and the A1 cell of its anchor.
type Placed = (String, Option<String>);

/// The pictures of one drawing part: each `a:blip`'s relationship id inside an `xdr:pic`, with
/// the A1 cell of its anchor's `xdr:from` (`None` for an absolute anchor). `Err` says where the
/// XML broke; the pictures before it are kept.
fn anchored_pictures(xml: &str, ctx: &ReadContext) -> (Vec<Placed>, Result<(), String>) {
    let mut reader = Reader::from_str(xml);
    let mut clock = Clock::new(ctx);
    let mut found = Vec::new();
    // Where the walk is: inside `xdr:from`, which of its children, in a `pic`, in a fallback.
    let (mut in_from, mut field) = (false, None::<&'static str>);
    let (mut col, mut row) = (None::<u32>, None::<u32>);
    let (mut pics, mut fallback, mut depth) = (0usize, 0usize, 0usize);
    loop {
        if clock.tick().is_err() {
            return (found, Ok(()));
        }
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                return (
                    found,
                    Err(format!(
                        "XML 在第 {at} 字节处出错：{e} (XML error at byte {at})",
                        at = reader.error_position()
                    )),
                );
            }
        };
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            if !empty {
                depth += 1;
                if depth > package::MAX_DEPTH {
                    return (found, Err("嵌套过深 (nested too deep)".into()));
                }
            }
            let local = e.local_name();
            let name: &str = local.as_ref();
            match name {
                "twoCellAnchor" | "oneCellAnchor" | "absoluteAnchor" => {
                    (col, row) = (None, None);
                }
                "Fallback" if !empty => fallback += 1,
                "from" if !empty => in_from = true,
                "col" if in_from && !empty => field = Some("col"),
                "row" if in_from && !empty => field = Some("row"),
                "pic" if !empty => pics += 1,
                "blip" if pics > 0 && fallback == 0 => {
                    if let Some(id) = attr(&e, "embed") {
                        let cell = col.zip(row).map(|(c, r)| a1(r, c));
                        found.push((id, cell));
                    }
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Text(t) if field.is_some() => {
                let value = t.xml10_content().trim().parse::<u32>().ok();
                match field {
                    Some("col") => col = value,
                    Some("row") => row = value,
                    _ => {}
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                let local = e.local_name();
                let name: &str = local.as_ref();
                match name {
                    "from" => in_from = false,
                    "col" | "row" => field = None,
                    "pic" => pics = pics.saturating_sub(1),
                    "Fallback" => fallback = fallback.saturating_sub(1),
                    _ => {}
                }
            }
            Event::Eof => return (found, Ok(())),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::test_support::{ctx, zip_of};

    const DRAWING: &str = r#"<?xml version="1.0"?>
<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<xdr:twoCellAnchor><xdr:from><xdr:col>1</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>2</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>
<xdr:to><xdr:col>9</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>30</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>
<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="p"/><xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId1"/></xdr:blipFill><xdr:spPr/></xdr:pic><xdr:clientData/></xdr:twoCellAnchor>
<xdr:oneCellAnchor><xdr:from><xdr:col>27</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>0</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="1" cy="1"/>
<xdr:sp><xdr:spPr><a:blipFill><a:blip r:embed="rId9"/></a:blipFill></xdr:spPr></xdr:sp>
<xdr:pic><xdr:blipFill><a:blip r:embed="rId2"/></xdr:blipFill></xdr:pic><xdr:clientData/></xdr:oneCellAnchor>
<xdr:absoluteAnchor><xdr:pos x="0" y="0"/><xdr:ext cx="1" cy="1"/><xdr:pic><xdr:blipFill><a:blip r:embed="rId3"/></xdr:blipFill></xdr:pic></xdr:absoluteAnchor>
</xdr:wsDr>"#;

    #[test]
    fn pictures_are_anchored_at_their_from_cell() {
        let (found, end) = anchored_pictures(DRAWING, &ctx());
        assert_eq!(end, Ok(()));
        assert_eq!(
            found,
            vec![
                ("rId1".to_string(), Some("B3".to_string())),
                ("rId2".to_string(), Some("AB1".to_string())),
                ("rId3".to_string(), None),
            ]
        );
    }

    #[test]
    fn a_broken_drawing_keeps_the_pictures_before_the_damage() {
        let cut = &DRAWING[..DRAWING.find("<xdr:oneCellAnchor>").expect("anchor")];
        let broken = format!("{cut}<xdr:pic></xdr:wsDr>");
        let (found, end) = anchored_pictures(&broken, &ctx());
        assert_eq!(found.len(), 1);
        assert!(end.is_err());
    }

    /// A workbook whose first sheet, `执照`, holds picture `xl/media/image1.png` at B3, and a
    /// drawing relationship that points out of the package.
    fn workbook(media: &[u8], drawing_rels: &str) -> Vec<u8> {
        let parts: Vec<(&str, Vec<u8>)> = vec![
            (
                "xl/workbook.xml",
                r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="执照" sheetId="1" r:id="rId1"/></sheets></workbook>"#
                    .as_bytes()
                    .to_vec(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                br#"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_vec(),
            ),
            ("xl/worksheets/sheet1.xml", b"<worksheet/>".to_vec()),
            (
                "xl/worksheets/_rels/sheet1.xml.rels",
                br#"<Relationships><Relationship Id="rId1" Type="x/drawing" Target="../drawings/drawing1.xml"/></Relationships>"#.to_vec(),
            ),
            ("xl/drawings/drawing1.xml", DRAWING.as_bytes().to_vec()),
            ("xl/drawings/_rels/drawing1.xml.rels", drawing_rels.as_bytes().to_vec()),
            ("xl/media/image1.png", media.to_vec()),
        ];
        let entries: Vec<(&str, &[u8])> = parts.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        zip_of(&entries)
    }

    #[test]
    fn the_chain_from_sheet_to_media_is_followed() {
        let rels = r#"<Relationships><Relationship Id="rId1" Type="x/image" Target="../media/image1.png"/><Relationship Id="rId2" Type="x/image" Target="../../../../etc/passwd"/><Relationship Id="rId3" Type="x/image" Target="http://example.org/a.png" TargetMode="External"/></Relationships>"#;
        let mut out = Extracted::default();
        let pictures = workbook_pictures(&workbook(b"png bytes", rels), &ctx(), &mut out);
        assert_eq!(pictures.len(), 1, "{:?}", out.notes);
        assert_eq!(pictures[0].name, "xl/media/image1.png");
        assert_eq!(pictures[0].bytes, b"png bytes");
        assert_eq!(
            pictures[0].anchor,
            Anchor::Sheet {
                sheet: "执照".into(),
                cell: Some("B3".into())
            }
        );
        // The relationship out of the package resolves inside it, to a member it lacks.
        assert!(
            out.notes.iter().any(|n| n.contains("etc/passwd")),
            "{:?}",
            out.notes
        );
    }
}
