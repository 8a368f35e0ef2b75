//! certsift pre-screens applications for after-sales service certification (商品售后服务认证,
//! GB/T 27922-2011).
//!
//! Data flows one way, and stages share only the plain types of [`model`]:
//!
//! ```text
//! files, folders, zips ──ingest──▶ Document { passages with Location } ──▶ rules ─▶ report
//!                                                                     └──▶ index ─▶ search
//! ```
//!
//! - [`ingest`] reads every file of a bundle in parallel (PDF, Word, spreadsheets, text, zip) into
//!   located passages; a bad file becomes a status, never an abort.
//! - [`index`] stores every passage, tagged with its indicators and materials, for Chinese
//!   substring and code search with exact locations.
//! - [`normalize`] gives the matching form of text that later stages work on.
#![warn(missing_docs)]

pub mod batch;
pub mod error;
pub mod index;
pub mod ingest;
pub mod model;
pub mod normalize;
mod ranges;
pub mod report;
pub mod rules;
pub mod serve;

pub use error::{Error, Result};
