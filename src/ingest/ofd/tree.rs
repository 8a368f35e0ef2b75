//! A small element tree of one of an OFD's structure parts (`OFD.xml`, `Document.xml`, resource,
//! annotation and signature lists).
//!
//! Those parts are small and are read for a handful of elements each, in any order (a
//! `Document.xml` may list `Pages` before `CommonData`), so a tree is simpler than one event
//! state machine per part. Page content, which can be large, is walked as a stream instead
//! ([`super::content`]). The tree is built by the shared event loop ([`flow::walk`]): depth,
//! time and entity handling as for every other XML part, plus a cap on elements so a hostile
//! part cannot make the tree large. Names are local (prefixes dropped): writers use `ofd:` or a
//! default namespace, and some no namespace at all.

use crate::ingest::ReadContext;
use crate::ingest::flow::{self, Walk};
use crate::ingest::package::Outcome;
use quick_xml::events::BytesStart;

/// Most elements kept from one structure part; a real `Document.xml` of a 2,000-page file has
/// about 2,000.
const MAX_ELEMENTS: usize = 200_000;

/// One element: its local name, attributes (local names) and direct text.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Element {
    pub(super) name: String,
    pub(super) attrs: Vec<(String, String)>,
    pub(super) text: String,
    pub(super) children: Vec<Element>,
}

impl Element {
    /// The attribute with local name `name`.
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The direct children named `name`.
    pub(super) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first direct child named `name`.
    pub(super) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The trimmed text of the first direct child named `name`, when not empty.
    pub(super) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// Every element below this one named `name`, in document order (this one excluded).
    pub(super) fn descendants<'a>(&'a self, name: &'a str, out: &mut Vec<&'a Element>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            c.descendants(name, out);
        }
    }
}

/// Parses `xml` into its root element. A part cut short or malformed keeps what was read before
/// the damage; the outcome says how the walk ended.
pub(super) fn parse(xml: &str, ctx: &ReadContext) -> (Option<Element>, Outcome) {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = false;
    let mut builder = Builder::default();
    let outcome = flow::walk(&mut reader, &mut builder, ctx);
    (builder.root, outcome)
}

#[derive(Default)]
struct Builder {
    open: Vec<Element>,
    root: Option<Element>,
    count: usize,
}

impl Walk<()> for Builder {
    fn depth(&self) -> usize {
        self.open.len()
    }

    fn full(&self) -> bool {
        self.count >= MAX_ELEMENTS
    }

    fn start(&mut self, _ns: (), e: &BytesStart<'_>) {
        self.count += 1;
        let name = e.local_name().as_ref().to_string();
        let mut attrs = Vec::new();
        let mut raw = e.attributes();
        raw.with_checks(false);
        for a in raw.flatten() {
            let key = a.key.local_name().as_ref().to_string();
            let value = match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                Ok(v) => v.into_owned(),
                Err(_) => a.value.into_owned(),
            };
            attrs.push((key, value));
        }
        self.open.push(Element {
            name,
            attrs,
            ..Element::default()
        });
    }

    fn end(&mut self) {
        let Some(done) = self.open.pop() else {
            return;
        };
        match self.open.last_mut() {
            Some(parent) => parent.children.push(done),
            None => {
                self.root.get_or_insert(done);
            }
        }
    }

    fn wants_text(&self) -> bool {
        !self.open.is_empty()
    }

    fn text(&mut self, s: &str) {
        if let Some(e) = self.open.last_mut() {
            e.text.push_str(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::test_support::ctx;

    #[test]
    fn builds_a_tree_of_local_names_with_entities_resolved() {
        let (root, outcome) = parse(
            r#"<?xml version="1.0"?><ofd:OFD xmlns:ofd="x"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot><Creator a="1">R&amp;W</Creator></ofd:DocBody></ofd:OFD>"#,
            &ctx(),
        );
        assert_eq!(outcome, Outcome::Done);
        let root = root.expect("root");
        assert_eq!(root.name, "OFD");
        let body = root.child("DocBody").expect("body");
        assert_eq!(body.child_text("DocRoot"), Some("Doc_0/Document.xml"));
        let creator = body.child("Creator").expect("creator");
        assert_eq!(creator.text, "R&W");
        assert_eq!(creator.attr("a"), Some("1"));
    }

    #[test]
    fn a_cut_part_keeps_what_came_before() {
        let (root, outcome) = parse("<a><b>one</b><c>tw", &ctx());
        let root = root.expect("root closed at the end");
        assert_eq!(root.child_text("b"), Some("one"));
        assert!(matches!(outcome, Outcome::Done | Outcome::Malformed(_)));
    }

    #[test]
    fn deep_nesting_stops() {
        let xml = "<a>".repeat(10_000);
        let (_, outcome) = parse(&xml, &ctx());
        assert_eq!(outcome, Outcome::TooDeep);
    }
}
