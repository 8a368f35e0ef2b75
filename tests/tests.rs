//! One integration test binary (fast linking), a module per feature.

mod cli;
mod realworld;
mod util;
