//! Bundles (being written).
use super::{ReadContext, read_isolated};
use crate::model::Document;
use std::path::Path;

/// Reads one path.
pub fn read_path(path: &Path, ctx: &ReadContext) -> Vec<Document> {
    let bytes = std::fs::read(path).unwrap_or_default();
    vec![read_isolated(&path.to_string_lossy(), &bytes, ctx)]
}
/// Reads a bundle.
pub fn read_bundle() {}
/// Reads inputs.
pub fn read_inputs() {}
