//! `certsift rules check [DIR]`: what a rules editor runs after every change. Loads and compiles
//! the folder (or the built-in rules), runs every example and counter-example, and prints either
//! `OK: N rules, M examples` or one `file:line: message` per problem (exit status 1).

use super::Failure;
use super::args::{RulesAction, RulesArgs};
use anyhow::Result;
use certsift::rules::{self, RulesError};
use std::io::Write;

/// Runs the subcommand; output goes to `out`.
pub fn run(args: &RulesArgs, out: &mut dyn Write) -> Result<()> {
    match &args.action {
        RulesAction::Check { dir } => check(dir.as_deref(), out),
    }
}

fn check(dir: Option<&std::path::Path>, out: &mut dyn Write) -> Result<()> {
    let outcome = load_and_check(dir);
    match outcome {
        Ok((rule_count, classifier_count, examples)) => {
            writeln!(
                out,
                "OK: {rule_count} rules, {classifier_count} material classifiers, {examples} examples"
            )?;
            Ok(())
        }
        Err(err) => {
            let problems = err.problems();
            for p in &problems {
                writeln!(out, "{p}")?;
            }
            out.flush()?;
            Err(Failure::new(1, format!("{} problem(s) in the rules", problems.len())).into())
        }
    }
}

fn load_and_check(
    dir: Option<&std::path::Path>,
) -> std::result::Result<(usize, usize, usize), RulesError> {
    let set = match dir {
        Some(d) => rules::load_dir(d)?,
        None => rules::load_default()?,
    };
    let compiled = rules::compile(&set)?;
    let examples = rules::check_examples(&compiled)?;
    Ok((compiled.rule_count(), compiled.classifier_count(), examples))
}
