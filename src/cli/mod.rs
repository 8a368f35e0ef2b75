//! The command-line edge: parse flags, build settings once, call the library, print. The only
//! place (with `main.rs`) that uses `anyhow`.

pub mod args;
mod check;
mod config;
mod extract;
mod index;
mod rules;
mod run;
mod search;
mod serve;

use anyhow::Result;
use args::{Cli, Command};
use clap::Parser;

/// An error that ends the process with a given exit code (`certsift run` tells "some bundles
/// failed", 1, from "the run could not do its job", 2).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    /// The process exit code.
    pub code: u8,
    message: String,
}

impl Failure {
    /// A failure with exit code `code`.
    pub fn new(code: u8, message: String) -> Failure {
        Failure { code, message }
    }
}

/// Parses the command line and runs the chosen subcommand.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    if let Command::Worker(args) = &cli.command {
        // Its stdout is the pipe to the parent: nothing else may write there.
        return certsift::ingest::worker::serve(args.max_memory).map_err(Into::into);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let outcome = match &cli.command {
        Command::Extract(args) => extract::run(args, &mut out),
        Command::Check(args) => check::run(args, &mut out),
        Command::Rules(args) => rules::run(args, &mut out),
        Command::Index(args) => index::run(args, &mut out),
        Command::Search(args) => search::run(args, colour(cli.color), &mut out),
        Command::Run(args) => run::run(args, &mut out),
        Command::Serve(args) => serve::run(args),
        Command::Worker(_) => Ok(()),
    };
    certsift::ingest::worker::shutdown();
    use std::io::Write;
    match outcome.and_then(|()| out.flush().map_err(Into::into)) {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        other => other,
    }
}

/// Whether stdout gets colour and bold, by `--color` and the NO_COLOR convention.
fn colour(choice: args::ColorArg) -> bool {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    choice.wanted(std::io::stdout().is_terminal(), no_color)
}

/// `certsift extract … | head` closes the pipe early; that is success, not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
