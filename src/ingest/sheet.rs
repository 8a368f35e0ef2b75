//! Spreadsheet reader (being written).
use super::{Extracted, ReadContext, ReadError};
use crate::model::FileKind;

/// Reads a workbook into row passages.
pub fn read(_kind: FileKind, _bytes: &[u8], _ctx: &ReadContext) -> Result<Extracted, ReadError> {
    Err(ReadError::Unsupported("sheet reader not built yet".into()))
}
