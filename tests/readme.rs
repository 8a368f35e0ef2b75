//! The README's examples, run as written: a newcomer copies them first, so each must work and
//! each sample must be what the command prints today.

use std::path::{Path, PathBuf};

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md")
}

/// The bodies of the README's fenced blocks whose info string is `lang`.
fn blocks<'r>(readme: &'r str, lang: &str) -> Vec<&'r str> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = readme;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let Some(end) = body.find("```") else { break };
        out.push(&body[..end]);
        rest = &body[end..];
    }
    out
}

/// A shell line split into words as `sh` would for what the README writes: words separated by
/// spaces, `"double quotes"` holding spaces, a `#` outside quotes starting a comment.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            '#' if !quoted && word.is_none() => break,
            c if c.is_whitespace() && !quoted => out.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    assert!(!quoted, "unbalanced quote in README line: {line}");
    out.extend(word);
    out
}

#[test]
fn words_split_as_the_shell_does() {
    assert_eq!(
        words(r#"certsift search --index /tmp/x "投诉 24小时内" --json   # one hit"#),
        [
            "certsift",
            "search",
            "--index",
            "/tmp/x",
            "投诉 24小时内",
            "--json"
        ]
    );
}

/// Every `certsift …` line of the README's shell blocks, in order (the index is built before it
/// is searched), with its index folder moved into a temporary one: each exits 0 and prints.
#[test]
fn every_certsift_command_in_the_readme_runs_as_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index: PathBuf = dir.path().join("certsift-index");
    let readme = readme();
    let commands: Vec<Vec<String>> = blocks(&readme, "sh")
        .into_iter()
        .flat_map(str::lines)
        .map(words)
        .filter(|w| w.first().is_some_and(|w| w == "certsift"))
        .collect();
    assert!(
        commands.len() >= 5,
        "the README's search examples are gone: {commands:?}"
    );
    let mut searched_a_phrase = false;
    for command in &commands {
        let args: Vec<String> = command[1..]
            .iter()
            .map(|a| a.replace("/tmp/certsift-index", index.to_str().expect("utf-8")))
            .collect();
        searched_a_phrase |=
            args.first().is_some_and(|a| a == "search") && args.iter().any(|a| a.contains(' '));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_in_repo(&args);
        assert!(
            out.status.success() && !out.stdout.is_empty(),
            "README: `{}` gave exit {:?}\n{}{}",
            command.join(" "),
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(searched_a_phrase, "the README's phrase example is gone");
}

/// The README's sample of `certsift check` is what it prints for that bundle today.
#[test]
fn the_readme_check_sample_is_what_check_prints() {
    let readme = readme();
    let command = "certsift check fixtures/inbox/优选生活-2026 --as-of 2026-11-28";
    let at = readme
        .find(&format!("`{command}`"))
        .expect("the README shows a check command");
    let sample = blocks(&readme[at..], "text")
        .into_iter()
        .next()
        .expect("a sample after it");
    let args = words(command);
    let args: Vec<&str> = args[1..].iter().map(String::as_str).collect();
    let out = run_in_repo(&args);
    let printed = String::from_utf8(out.stdout).expect("utf-8");
    let differs: Vec<String> = sample
        .lines()
        .zip(printed.lines())
        .filter(|(want, got)| want != got)
        .map(|(want, got)| format!("README:  {want}\nprinted: {got}"))
        .collect();
    assert!(
        differs.is_empty() && sample.lines().count() == printed.lines().count(),
        "README.md's check sample is out of date:\n{}\n(printed {} lines, README has {})",
        differs.join("\n"),
        printed.lines().count(),
        sample.lines().count()
    );
}

/// `certsift args…` from the repository root, as the README's paths are written, without colour.
fn run_in_repo(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_certsift"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "error")
        .env("NO_COLOR", "1")
        .output()
        .expect("run certsift")
}
