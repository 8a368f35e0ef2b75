//! Which zip entry an OFD reference means.
//!
//! GB/T 33190 locations (`DocRoot`, `BaseLoc`, `MediaFile`, `FileLoc`) are either absolute from
//! the package root (`/Doc_0/Pages/Page_0/Content.xml`) or relative to the file that holds them
//! (`Pages/Page_0/Content.xml` inside `Doc_0/Document.xml`). Writers are loose about it: some
//! write a path relative to the package root where the standard wants one relative to the
//! referencing file, some use `\`, `./` or a different letter case, and some zip tools store
//! GBK names without the UTF-8 flag. So every entry name is normalised once (GBK decoded,
//! `\` → `/`, `.` and `..` resolved, leading `/` dropped) and a reference is tried against each
//! base it may be relative to, exactly first and then ignoring ASCII case.

use crate::ingest::zip::decode_name;
use std::collections::HashMap;

/// The package's entries by normalised name.
#[derive(Debug, Default)]
pub(super) struct Names {
    exact: HashMap<String, usize>,
    folded: HashMap<String, usize>,
}

impl Names {
    /// Indexes the entry names (raw bytes, in entry order); the first entry wins a duplicate.
    pub(super) fn new<'a>(raw: impl Iterator<Item = &'a [u8]>) -> Names {
        let mut names = Names::default();
        for (idx, raw) in raw.enumerate() {
            let name = normalise(&decode_name(raw));
            if name.is_empty() || name.ends_with('/') {
                continue;
            }
            names.folded.entry(name.to_lowercase()).or_insert(idx);
            names.exact.entry(name).or_insert(idx);
        }
        names
    }

    /// The entry a normalised path names, exactly or ignoring case.
    pub(super) fn get(&self, path: &str) -> Option<usize> {
        self.exact
            .get(path)
            .or_else(|| self.folded.get(&path.to_lowercase()))
            .copied()
    }

    /// Resolves `reference` found in a file: absolute from the root, else relative to each of
    /// `bases` in turn (folders, normalised, `""` for the root), then to the root. Returns the
    /// entry and its normalised path.
    pub(super) fn resolve(&self, bases: &[&str], reference: &str) -> Option<(usize, String)> {
        let reference = reference.trim().replace('\\', "/");
        if reference.is_empty() {
            return None;
        }
        let candidates: Vec<String> = if reference.starts_with('/') {
            vec![normalise(&reference)]
        } else {
            bases
                .iter()
                .map(|base| normalise(&format!("{base}/{reference}")))
                .chain(std::iter::once(normalise(&reference)))
                .collect()
        };
        candidates
            .into_iter()
            .find_map(|path| self.get(&path).map(|idx| (idx, path)))
    }
}

/// A path with `\` as `/`, without empty, `.` and leading segments, `..` applied (never above
/// the root).
pub(super) fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let path = path.replace('\\', "/");
    for segment in path.split('/') {
        match segment.trim() {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(segment),
        }
    }
    let mut out = parts.join("/");
    if path.ends_with('/') && !out.is_empty() {
        out.push('/');
    }
    out
}

/// The folder of a normalised path (`Doc_0/Document.xml` → `Doc_0`, `OFD.xml` → `""`).
pub(super) fn folder(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&[u8]]) -> Names {
        Names::new(list.iter().copied())
    }

    #[test]
    fn absolute_and_relative_references_find_the_same_entry() {
        let n = names(&[
            b"OFD.xml",
            b"Doc_0/Document.xml",
            b"Doc_0/Pages/Page_0/Content.xml",
        ]);
        let page = n.get("Doc_0/Pages/Page_0/Content.xml");
        assert!(page.is_some());
        assert_eq!(
            n.resolve(&["Doc_0"], "/Doc_0/Pages/Page_0/Content.xml")
                .map(|r| r.0),
            page
        );
        assert_eq!(
            n.resolve(&["Doc_0"], "Pages/Page_0/Content.xml")
                .map(|r| r.0),
            page
        );
        // Relative to the root where the standard wants relative to the file.
        assert_eq!(
            n.resolve(&["Doc_0"], "Doc_0/Pages/Page_0/Content.xml")
                .map(|r| r.0),
            page
        );
        assert_eq!(
            n.resolve(&["Doc_0/Pages"], "../Pages/./Page_0\\content.XML")
                .map(|r| r.0),
            page
        );
        assert_eq!(n.resolve(&["Doc_0"], "Pages/Page_9/Content.xml"), None);
        assert_eq!(n.resolve(&["Doc_0"], "  "), None);
    }

    #[test]
    fn odd_entry_names_are_normalised() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("Doc_0/资源/图.png");
        let n = names(&[b"/OFD.xml", b"./Doc_0\\Document.xml", &gbk, b"../../x.xml"]);
        assert_eq!(n.get("OFD.xml"), Some(0));
        assert_eq!(n.get("Doc_0/Document.xml"), Some(1));
        assert_eq!(n.get("Doc_0/资源/图.png"), Some(2));
        assert_eq!(n.get("x.xml"), Some(3));
        assert_eq!(folder("Doc_0/Document.xml"), "Doc_0");
        assert_eq!(folder("OFD.xml"), "");
    }
}
