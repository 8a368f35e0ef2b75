//! OPC relationships of a presentation: which part a relationship id names, and the slide order
//! of `ppt/presentation.xml`.
//!
//! A slide's number is its place in `p:sldIdLst`, not the digits of its part name: a slide
//! inserted after `slide9.xml` is saved as `slide10.xml` but may be shown second. Targets are
//! relative to the folder of the part whose `_rels` lists them (or absolute from the package
//! root with a leading `/`).

use crate::ingest::ReadContext;
use crate::ingest::clock::Clock;
use crate::ingest::package::attr;
use quick_xml::Reader;
use quick_xml::events::Event;

/// One relationship: its id, type (the URI's last segment, e.g. `slide`, `notesSlide`) and
/// target part (normalised, lower case, from the package root). External targets are left out.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Rel {
    pub(super) id: String,
    pub(super) kind: String,
    pub(super) target: String,
}

/// The `_rels` part of `part` (`ppt/slides/slide1.xml` → `ppt/slides/_rels/slide1.xml.rels`).
pub(super) fn rels_part_of(part: &str) -> String {
    match part.rfind('/') {
        Some(i) => format!("{}/_rels/{}.rels", &part[..i], &part[i + 1..]),
        None => format!("_rels/{part}.rels"),
    }
}

/// The relationships of `rels` (a `.rels` part), targets resolved against `part`'s folder.
pub(super) fn parse(rels: &str, part: &str, ctx: &ReadContext) -> Vec<Rel> {
    let base = part.rfind('/').map_or("", |i| &part[..i]);
    let mut out = Vec::new();
    let mut reader = Reader::from_str(rels);
    let mut clock = Clock::new(ctx);
    loop {
        if clock.tick().is_err() {
            break;
        }
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                if attr(&e, "TargetMode").is_some_and(|m| m.eq_ignore_ascii_case("External")) {
                    continue;
                }
                let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) else {
                    continue;
                };
                let kind = attr(&e, "Type")
                    .and_then(|t| t.rsplit('/').next().map(str::to_string))
                    .unwrap_or_default();
                out.push(Rel {
                    id,
                    kind,
                    target: join(base, &target),
                });
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out
}

/// The `r:id`s of `p:sldIdLst/p:sldId` in `presentation.xml`, in presentation order.
pub(super) fn slide_ids(presentation: &str, ctx: &ReadContext) -> Vec<String> {
    let mut out = Vec::new();
    let mut reader = Reader::from_str(presentation);
    let mut clock = Clock::new(ctx);
    let mut in_list = false;
    loop {
        if clock.tick().is_err() {
            break;
        }
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "sldIdLst" => in_list = true,
            Ok(Event::End(e)) if e.local_name().as_ref() == "sldIdLst" => in_list = false,
            Ok(Event::Start(e) | Event::Empty(e))
                if in_list && e.local_name().as_ref() == "sldId" =>
            {
                if let Some(rid) = r_id(&e) {
                    out.push(rid);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out
}

/// The relationship id of a `p:sldId`: the `r:id` attribute (local name `id` with a prefix),
/// not the numeric `id`.
fn r_id(e: &quick_xml::events::BytesStart<'_>) -> Option<String> {
    let mut attrs = e.attributes();
    attrs.with_checks(false);
    attrs.flatten().find_map(|a| {
        let key: &str = a.key.as_ref();
        (key != "id" && a.key.local_name().as_ref() == "id").then(|| a.value.trim().to_string())
    })
}

/// `target` resolved against folder `base`: absolute from the root with a leading `/`, `.` and
/// `..` applied, lower case (OPC part names are case-insensitive).
pub(super) fn join(base: &str, target: &str) -> String {
    let target = target.trim().replace('\\', "/");
    let full = if target.starts_with('/') {
        target
    } else {
        format!("{base}/{target}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for segment in full.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::test_support::ctx;

    #[test]
    fn targets_resolve_against_the_part_folder() {
        assert_eq!(
            join("ppt/slides", "../notesSlides/notesSlide1.xml"),
            "ppt/notesslides/notesslide1.xml"
        );
        assert_eq!(join("ppt", "slides/Slide2.xml"), "ppt/slides/slide2.xml");
        assert_eq!(join("ppt/slides", "/ppt/media/a.png"), "ppt/media/a.png");
        assert_eq!(
            rels_part_of("ppt/slides/slide1.xml"),
            "ppt/slides/_rels/slide1.xml.rels"
        );
        assert_eq!(
            rels_part_of("ppt/presentation.xml"),
            "ppt/_rels/presentation.xml.rels"
        );
    }

    #[test]
    fn relationships_and_slide_order() {
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
            <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide2.xml"/>
            <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide1.xml"/>
            <Relationship Id="rId9" Type="http://x/hyperlink" Target="http://example.com" TargetMode="External"/>
        </Relationships>"#;
        let parsed = parse(rels, "ppt/presentation.xml", &ctx());
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].kind, "slide");
        assert_eq!(parsed[0].target, "ppt/slides/slide2.xml");
        let pres = r#"<p:presentation xmlns:p="p" xmlns:r="r"><p:sldMasterIdLst><p:sldMasterId id="1" r:id="rId1"/></p:sldMasterIdLst>
            <p:sldIdLst><p:sldId id="256" r:id="rId3"/><p:sldId id="257" r:id="rId2"/></p:sldIdLst></p:presentation>"#;
        assert_eq!(slide_ids(pres, &ctx()), vec!["rId3", "rId2"]);
    }
}
