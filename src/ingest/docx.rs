//! Word reader (being written).
use super::{Extracted, ReadContext, ReadError};

/// Reads a .docx into passages.
pub fn read(_bytes: &[u8], _ctx: &ReadContext) -> Result<Extracted, ReadError> {
    Err(ReadError::Unsupported("Word reader not built yet".into()))
}
