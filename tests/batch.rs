//! `certsift run INBOX --out OUT` end to end through the binary: outputs and their contract,
//! incremental runs (unchanged skipped, changed redone, removed withdrawn), and a run killed
//! with SIGKILL at several moments that, resumed, gives the same OUT as a run never stopped.

use crate::util::{copy_tree, fixtures_dir, read_json, shared_dir};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AS_OF: &str = "2026-11-28";

fn run(inbox: &Path, out: &Path, extra: &[&str]) -> Output {
    run_with(inbox, out, AS_OF, extra)
}

fn run_with(inbox: &Path, out: &Path, as_of: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_certsift"))
        .arg("run")
        .arg(inbox)
        .arg("--out")
        .arg(out)
        .args(["--as-of", as_of])
        .args(extra)
        .env("RUST_LOG", "error")
        .output()
        .expect("run certsift")
}

/// `certsift run` that must succeed and print a closing line starting with `start`.
fn run_expecting(inbox: &Path, out: &Path, extra: &[&str], start: &str) -> Output {
    expect_start(run(inbox, out, extra), start)
}

/// [`run_expecting`] with another review date.
fn run_with_expecting(inbox: &Path, out: &Path, as_of: &str, start: &str) -> Output {
    expect_start(run_with(inbox, out, as_of, &[]), start)
}

fn expect_start(output: Output, start: &str) -> Output {
    assert_ok(&output);
    assert!(stdout(&output).starts_with(start), "{}", stdout(&output));
    output
}

/// `certsift run` with another review date, which must succeed.
fn run_as_of(inbox: &Path, out: &Path, as_of: &str) -> Output {
    let output = run_with(inbox, out, as_of, &[]);
    assert_ok(&output);
    output
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\n{}\n{}",
        out.status.code(),
        stdout(out),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The sample inbox copied `copies` times under distinct bundle names (`-2`, `-3`…).
fn inbox_copy(dir: &Path, copies: usize) -> PathBuf {
    let inbox = dir.join("inbox");
    for entry in std::fs::read_dir(fixtures_dir().join("inbox"))
        .expect("fixtures inbox")
        .flatten()
    {
        for copy in 1..=copies {
            let name = entry.file_name().to_string_lossy().into_owned();
            let name = match (copy, name.strip_suffix(".zip")) {
                (1, _) => name,
                (n, Some(stem)) => format!("{stem}-{n}.zip"),
                (n, None) => format!("{name}-{n}"),
            };
            copy_tree(&entry.path(), &inbox.join(name));
        }
    }
    inbox
}

fn passages_in_index(out: &Path, bundle: &str) -> usize {
    let output = Command::new(env!("CARGO_BIN_EXE_certsift"))
        .arg("search")
        .arg("--index")
        .arg(out.join("index"))
        .args(["--bundle", bundle, "--json", "--limit", "1000000"])
        .output()
        .expect("search");
    // A bundle the index does not hold is refused by name (exit 2): it has no passages.
    if output.status.code() == Some(2)
        && String::from_utf8_lossy(&output.stderr).contains("(unknown)")
    {
        return 0;
    }
    assert_ok(&output);
    stdout(&output).lines().count()
}

/// Every file of OUT that a run promises, as bytes (the index and lock aside), by path.
fn outputs(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for name in ["summary.json", "summary.csv", "index.html", "ledger.json"] {
        files.push((name.to_string(), std::fs::read(out.join(name)).expect(name)));
    }
    let mut bundles: Vec<PathBuf> = std::fs::read_dir(out.join("bundles"))
        .expect("bundles")
        .flatten()
        .map(|e| e.path())
        .collect();
    bundles.sort();
    for bundle in bundles {
        for name in ["report.json", "report.html"] {
            let path = bundle.join(name);
            let key = path
                .strip_prefix(out)
                .expect("inside")
                .display()
                .to_string();
            files.push((key, std::fs::read(&path).expect("report")));
        }
    }
    files
}

#[test]
fn a_run_writes_every_output_and_reports_follow_the_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    run_expecting(
        &fixtures_dir().join("inbox"),
        &out,
        &[],
        "3 done, 0 unchanged",
    );

    let summary = read_json(&out.join("summary.json"));
    let rows = summary["bundles"].as_array().expect("rows");
    assert_eq!(rows.len(), 3);
    // Ranked: blocked bundles first.
    let blocked: Vec<bool> = rows.iter().map(|r| r["blocked"] == true).collect();
    let mut sorted = blocked.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(blocked, sorted, "blocked rows come first");
    assert!(
        blocked.contains(&true),
        "the defective sample bundle is blocked"
    );

    let csv = std::fs::read(out.join("summary.csv")).expect("csv");
    assert!(
        csv.starts_with("\u{feff}".as_bytes()),
        "UTF-8 BOM for Excel/WPS"
    );
    assert_eq!(String::from_utf8_lossy(&csv).lines().count(), 4);
    let index_html = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    for row in rows {
        let id = row["bundle"].as_str().expect("id");
        assert!(index_html.contains(id), "index.html lists {id}");
        let bundle_dir = out.join("bundles").join(id);
        assert!(bundle_dir.join("report.html").is_file());
        assert!(passages_in_index(&out, id) > 0, "{id} is indexed");
    }

    let Some(shared) = shared_dir() else {
        crate::util::skip(
            "schema part of a_run_writes_every_output…",
            "../shared absent",
        );
        return;
    };
    let schema = read_json(&shared.join("domain/report.schema.json"));
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for row in rows {
        let id = row["bundle"].as_str().expect("id");
        let report = read_json(&out.join("bundles").join(id).join("report.json"));
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{id}: {}", errors.join("\n"));
    }
}

#[test]
fn unchanged_bundles_are_skipped_changed_redone_removed_withdrawn() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = inbox_copy(dir.path(), 1);
    let out = dir.path().join("out");
    assert_ok(&run(&inbox, &out, &[]));
    let first = outputs(&out);

    run_expecting(&inbox, &out, &[], "0 done, 3 unchanged");
    assert_eq!(
        outputs(&out),
        first,
        "a run with nothing changed changes nothing"
    );

    // A later review date redoes only what it can change: none of the sample licences or
    // certificates ends between these two days, but 华信家电's ISO certificate ends in 2027.
    run_with_expecting(&inbox, &out, "2026-11-29", "0 done, 3 unchanged");
    let later = run_as_of(&inbox, &out, "2027-09-01");
    assert!(!stdout(&later).starts_with("0 done"), "{}", stdout(&later));
    let report = read_json(&out.join("bundles/华信家电-2026/report.json"));
    assert_eq!(report["as_of"], "2027-09-01");
    assert!(
        report["flags"]
            .as_array()
            .expect("flags")
            .iter()
            .any(|f| f["code"] == "certificate_expired"),
        "the certificate that ended on the way is flagged"
    );
    assert_ok(&run(&inbox, &out, &[]));

    // A changed bundle (one more file) is redone, alone.
    std::fs::write(
        inbox.join("华信家电-2026/补充说明.txt"),
        "本公司已建立配件供应制度，配件供应年限不少于五年。",
    )
    .expect("add a file");
    run_expecting(&inbox, &out, &[], "1 done, 2 unchanged");
    let report = read_json(&out.join("bundles/华信家电-2026/report.json"));
    let paths: Vec<&str> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(paths.contains(&"补充说明.txt"), "{paths:?}");

    // A bundle that left the inbox is withdrawn: row kept and marked, passages gone.
    std::fs::remove_file(inbox.join("鼎盛机电-2026.zip")).expect("remove");
    let fourth = run(&inbox, &out, &[]);
    assert_ok(&fourth);
    assert!(
        stdout(&fourth).contains("1 withdrawn"),
        "{}",
        stdout(&fourth)
    );
    let summary = read_json(&out.join("summary.json"));
    let row = summary["bundles"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["bundle"] == "鼎盛机电-2026")
        .cloned()
        .expect("withdrawn row kept");
    assert_eq!(row["state"], "withdrawn");
    assert_eq!(passages_in_index(&out, "鼎盛机电-2026"), 0);

    // An OUT inside the inbox is not taken for a bundle.
    run_expecting(&inbox, &inbox.join("out"), &[], "2 done, 0 unchanged");
    std::fs::remove_dir_all(inbox.join("out")).expect("remove the nested OUT");

    // --full redoes everything.
    run_expecting(&inbox, &out, &["--full"], "2 done, 0 unchanged");
}

#[test]
fn a_killed_run_resumed_gives_the_same_out_as_an_uninterrupted_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = inbox_copy(dir.path(), 3);
    let reference = dir.path().join("reference");
    let started = std::time::Instant::now();
    assert_ok(&run(&inbox, &reference, &["--jobs", "2"]));
    let whole = started.elapsed();
    let expected = outputs(&reference);
    let bundles: Vec<String> = read_json(&reference.join("summary.json"))["bundles"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["bundle"].as_str().map(String::from))
        .collect();
    assert_eq!(bundles.len(), 9);

    // Kill at fractions of an uninterrupted run's time, so that on any machine the kills land
    // in different phases: fingerprinting, reading, between report and commit, after commits.
    for (attempt, percent) in [5u32, 30, 55, 80, 95].into_iter().enumerate() {
        let delay = whole * percent / 100;
        let delay_ms = delay.as_millis();
        let out = dir.path().join(format!("killed-{attempt}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_certsift"))
            .arg("run")
            .arg(&inbox)
            .arg("--out")
            .arg(&out)
            .args(["--as-of", AS_OF, "--jobs", "2"])
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(delay);
        // `Child::kill` is SIGKILL on Unix: no destructor, no flush, like `kill -9`.
        let _ = child.kill();
        let _ = child.wait();

        let resumed = run(&inbox, &out, &["--jobs", "2"]);
        assert_ok(&resumed);
        assert_eq!(
            outputs(&out),
            expected,
            "killed after {delay_ms} ms, then resumed: same OUT"
        );
        for bundle in &bundles {
            assert_eq!(
                passages_in_index(&out, bundle),
                passages_in_index(&reference, bundle),
                "{bundle} indexed once, not lost, after a kill at {delay_ms} ms"
            );
        }
        let leftovers: Vec<String> = walk(&out)
            .into_iter()
            .filter(|p| p.contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }
}

fn walk(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path.display().to_string());
        }
    }
    found
}

#[test]
fn a_run_that_cannot_do_its_job_says_what_to_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = run(
        &dir.path().join("no-such-inbox"),
        &dir.path().join("out"),
        &[],
    );
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("cannot read the inbox"), "{stderr}");

    let file_as_out = dir.path().join("a-file");
    std::fs::write(&file_as_out, "not a folder").expect("write");
    let unwritable = run(&fixtures_dir().join("inbox"), &file_as_out, &[]);
    assert_eq!(unwritable.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unwritable.stderr);
    assert!(stderr.contains("cannot write to"), "{stderr}");

    let bad_rules = dir.path().join("rules");
    std::fs::create_dir(&bad_rules).expect("mkdir");
    std::fs::write(bad_rules.join("catalog.toml"), "[[indicator]]\nid = 5\n").expect("write");
    let rules = run(
        &fixtures_dir().join("inbox"),
        &dir.path().join("out"),
        &["--rules", bad_rules.to_str().expect("utf-8")],
    );
    assert_eq!(rules.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&rules.stderr);
    assert!(stderr.contains("rules"), "{stderr}");
}
