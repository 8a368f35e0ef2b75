//! One integration test binary (fast linking), a module per feature.

mod batch;
mod cli;
mod doc_mutations;
mod fixtures;
mod formats;
mod heldout;
mod heldout_bundles;
mod heldout_scans;
mod hostile;
mod hostile_fs;
mod hostile_inbox;
mod index;
mod legacy_doc;
mod ocr;
mod pictures;
mod readme;
mod realworld;
mod report;
mod report_format;
mod rules;
mod serve;
mod util;
mod workbench_browser;
mod worker;
mod zh_messages;
