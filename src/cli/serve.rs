//! `certsift serve OUT`: the reviewer's workbench over a batch output.

use super::args::ServeArgs;
use super::config;
use anyhow::{Context, Result};

/// Starts the workbench and serves until the process is stopped.
pub fn run(args: &ServeArgs) -> Result<()> {
    let rules = config::rules(args.rules.as_deref())?;
    let token = args.token.clone().filter(|t| !t.is_empty());
    certsift::serve::serve(certsift::serve::Settings {
        out: args.out.clone(),
        bind: args.bind,
        token,
        names: certsift::report::build::names(&rules),
    })
    .with_context(|| format!("certsift serve {}", args.out.display()))
}
