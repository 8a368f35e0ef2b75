//! Heading levels of paragraph styles, from `word/styles.xml`.
//!
//! Word decides what a heading is by the style's outline level, so that is what this reads: the
//! style's own `w:outlineLvl`, else a built-in heading name (`heading 1`, WPS's `标题 1`,
//! `Title`), else whatever its `w:basedOn` parent says. Style *ids* are useless for this: Chinese
//! Word writes ids `1`, `2`… whose *name* is `heading 1`, and LibreOffice writes `Heading1`.

use crate::ingest::package::attr;
use quick_xml::Reader;
use quick_xml::events::Event;
use std::collections::HashMap;

/// Deepest `w:basedOn` chain followed (a cycle or a hostile chain stops here).
const MAX_BASED_ON: usize = 16;

/// Style id → outline level (1-based) of every paragraph style that is a heading, plus the
/// document's default paragraph style (used when a paragraph names none).
#[derive(Debug, Default, Clone)]
pub(super) struct Styles {
    levels: HashMap<String, u8>,
    default_style: Option<String>,
}

#[derive(Debug, Default)]
struct StyleDef {
    name: Option<String>,
    based_on: Option<String>,
    /// Raw `w:outlineLvl` value (0-based; 9 means "body text").
    outline: Option<u8>,
}

impl Styles {
    /// Parses `styles.xml` text. Malformed XML keeps the styles read so far: a broken styles part
    /// costs heading levels, never the document's text.
    pub(super) fn parse(xml: &str) -> Styles {
        let mut reader = Reader::from_str(xml);
        let mut defs: HashMap<String, StyleDef> = HashMap::new();
        let mut default_style = None;
        let mut current: Option<(String, StyleDef)> = None;
        let mut events = 0usize;
        loop {
            events += 1;
            if events > 2_000_000 {
                break;
            }
            let (e, is_empty) = match reader.read_event() {
                Ok(Event::Start(e)) => (e, false),
                Ok(Event::Empty(e)) => (e, true),
                Ok(Event::End(e)) => {
                    if e.local_name().as_ref() == "style"
                        && let Some((id, def)) = current.take()
                    {
                        defs.insert(id, def);
                    }
                    continue;
                }
                Ok(Event::Eof) | Err(_) => break,
                Ok(_) => continue,
            };
            match e.local_name().as_ref() {
                "style" => {
                    let is_para = attr(&e, "type").is_none_or(|t| t == "paragraph");
                    let id = attr(&e, "styleId").unwrap_or_default();
                    if is_para
                        && attr(&e, "default").is_some_and(|d| d == "1" || d == "true" || d == "on")
                    {
                        default_style = Some(id.clone());
                    }
                    if is_para && !is_empty {
                        current = Some((id, StyleDef::default()));
                    }
                }
                "name" => {
                    if let Some((_, def)) = current.as_mut() {
                        def.name = attr(&e, "val");
                    }
                }
                "basedOn" => {
                    if let Some((_, def)) = current.as_mut() {
                        def.based_on = attr(&e, "val");
                    }
                }
                "outlineLvl" => {
                    if let Some((_, def)) = current.as_mut() {
                        def.outline = attr(&e, "val").and_then(|v| v.trim().parse().ok());
                    }
                }
                _ => {}
            }
        }
        let mut levels = HashMap::new();
        for id in defs.keys() {
            if let Some(level) = resolve(&defs, id) {
                levels.insert(id.clone(), level);
            }
        }
        Styles {
            levels,
            default_style,
        }
    }

    /// Outline level (1-based) of paragraphs with style `id`, or of the default paragraph style
    /// when the paragraph names none.
    pub(super) fn level(&self, id: Option<&str>) -> Option<u8> {
        let id = id.or(self.default_style.as_deref())?;
        self.levels.get(id).copied()
    }
}

/// Follows one style's `basedOn` chain until something decides its outline level.
fn resolve(defs: &HashMap<String, StyleDef>, id: &str) -> Option<u8> {
    let mut id = id;
    for _ in 0..MAX_BASED_ON {
        let def = defs.get(id)?;
        if let Some(raw) = def.outline {
            return outline_to_level(raw);
        }
        if let Some(level) = def.name.as_deref().and_then(level_from_name) {
            return Some(level);
        }
        id = def.based_on.as_deref()?;
    }
    None
}

/// `w:outlineLvl` is 0-based and 9 means body text.
pub(super) fn outline_to_level(raw: u8) -> Option<u8> {
    (raw < 9).then_some(raw + 1)
}

/// Level of a built-in heading style name: `heading 3`/`Heading3`/`标题 3`/`标题3` → 3;
/// `Title`/`标题` → 1.
pub(super) fn level_from_name(name: &str) -> Option<u8> {
    let lower = name.trim().to_lowercase();
    if lower == "title" || lower == "标题" {
        return Some(1);
    }
    let rest = lower
        .strip_prefix("heading")
        .or_else(|| lower.strip_prefix("标题"))?;
    let n: u8 = rest.trim().parse().ok()?;
    (1..=9).contains(&n).then_some(n)
}
