//! Output shapes. Each wire format lives in its own file and holds only serialisable types, so a
//! contract is visible in one place and cannot drift with internal structs.

pub mod build;
mod coverage;
pub mod extract;
pub(crate) mod html;
pub mod json;
pub mod summary;
pub(crate) mod triage;
