//! PDF reader (being written).
use super::{Extracted, ReadContext, ReadError};

/// Reads a PDF into page passages.
pub fn read(_bytes: &[u8], _ctx: &ReadContext) -> Result<Extracted, ReadError> {
    Err(ReadError::Unsupported("PDF reader not built yet".into()))
}
