//! Text reader (being written).
use super::{Extracted, ReadContext, ReadError};

/// Reads text lines.
pub fn read(_bytes: &[u8], _ctx: &ReadContext) -> Result<Extracted, ReadError> {
    Err(ReadError::Unsupported("text reader not built yet".into()))
}
