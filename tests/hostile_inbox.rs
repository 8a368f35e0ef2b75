//! Issue 11, "Must show": one nightly `certsift run` over an inbox of the three good sample
//! bundles plus a bundle holding every hostile file of `tests/hostile` (and a bundle named like
//! a spreadsheet formula, and a link in the inbox to `/etc`), with the default worker isolation
//! and `--max-file-seconds 5`. The run must end with exit 0 or 1, never a signal; every hostile
//! file and the members that matter get a status (the expected one, where the class has one);
//! every good bundle's report, summary row and passages are there and the same as from a run
//! without the hostile bundles; the parent's peak memory stays under 500 MB; the whole run stays
//! within [`RUN_BOUND`]. `--nocapture` shows the figures.

#![cfg(unix)]

use crate::hostile::{self, Planted, pdf, zips};
use crate::util::{copy_tree, fixtures_dir, read_json};
use certsift::ingest::names::escape;
use serde_json::Value;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const AS_OF: &str = "2026-11-28";
const HOSTILE_BUNDLE: &str = "全部恶意文件";
const FORMULA_BUNDLE: &str = "=HYPERLINK(\"x\")";
/// A link in the inbox to `/etc`: a bundle that fails (outside the inbox), never read.
const INBOX_LINK: &str = "链接到etc";

/// The parent's peak resident memory allowed (issue 11). Workers are other processes and are
/// capped on their own (`--max-worker-memory`).
const PEAK_BOUND_MB: u64 = 500;

/// The whole run's bound. Measured with this test's own clock (spawn to exit of `certsift run`)
/// on the 2-core development box, debug build as `cargo test` makes it, with other sessions
/// compiling beside it (load average 5.5): 15.6, 16.8 and 18.3 s over three runs. The bound is
/// about four times that, for a loaded CI machine.
const RUN_BOUND: Duration = Duration::from_secs(75);

/// What a run of the binary cost.
struct Measured {
    status: ExitStatus,
    /// Highest `VmHWM` of the certsift parent seen, in kB.
    peak_kb: u64,
    elapsed: Duration,
    stdout: String,
    stderr: String,
}

/// `VmHWM` (peak resident set) of process `pid`, in kB: the parent alone, which
/// `RUSAGE_CHILDREN` would mix with its workers.
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `certsift ARGS`, polling the parent's `VmHWM` every 20 ms until it exits (the high-water
/// mark only grows, so the last reading misses at most the final 20 ms). Output goes to files, so
/// a full pipe cannot stall the run; past `deadline` the process is killed and the test fails.
fn run_measured(args: &[&OsStr], scratch: &Path, deadline: Duration) -> Measured {
    run_measured_with(args, &[], scratch, deadline)
}

/// [`run_measured`] with extra environment variables.
fn run_measured_with(
    args: &[&OsStr],
    env: &[(&str, &str)],
    scratch: &Path,
    deadline: Duration,
) -> Measured {
    let stdout_path = scratch.join("stdout.txt");
    let stderr_path = scratch.join("stderr.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_certsift"))
        .args(args)
        .env("RUST_LOG", "error")
        .envs(env.iter().copied())
        .stdout(Stdio::from(
            std::fs::File::create(&stdout_path).expect("stdout file"),
        ))
        .stderr(Stdio::from(
            std::fs::File::create(&stderr_path).expect("stderr file"),
        ))
        .spawn()
        .expect("spawn certsift");
    let started = Instant::now();
    let mut peak_kb = 0;
    let status = loop {
        if let Some(kb) = peak_rss_kb(child.id()) {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "certsift {args:?} still running after {deadline:?}; stderr:\n{}",
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Measured {
        status,
        peak_kb,
        elapsed: started.elapsed(),
        stdout: std::fs::read_to_string(&stdout_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&stderr_path).unwrap_or_default(),
    }
}

fn run_args<'a>(inbox: &'a Path, out: &'a Path) -> Vec<&'a OsStr> {
    vec![
        "run".as_ref(),
        inbox.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--as-of".as_ref(),
        AS_OF.as_ref(),
        "--max-file-seconds".as_ref(),
        "5".as_ref(),
        // The good sample inbox holds a scanned licence; OCR of it under a 5 s limit on a loaded
        // box may or may not finish, which would make the comparison with the reference run a
        // race. OCR's own limits are tested in tests/ocr.rs.
        "--ocr".as_ref(),
        "off".as_ref(),
    ]
}

/// The good bundles of `fixtures/inbox`, copied into `inbox`; their ids.
fn copy_good_bundles(inbox: &Path) -> Vec<String> {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir().join("inbox"))
        .expect("fixtures inbox")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        ids.push(name.strip_suffix(".zip").unwrap_or(&name).to_string());
        copy_tree(&entry.path(), &inbox.join(&name));
    }
    ids.sort();
    assert_eq!(ids.len(), 3, "three good bundles: {ids:?}");
    ids
}

/// `certsift search --index OUT/index ARGS --json`: one line per hit.
fn search(out: &Path, args: &[&str]) -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_certsift"))
        .arg("search")
        .arg("--index")
        .arg(out.join("index"))
        .args(args)
        .args(["--json", "--limit", "1000000"])
        .env("RUST_LOG", "error")
        .output()
        .expect("search");
    // Exit 1 is "0 hits", with nothing on stdout.
    assert!(
        output.status.success() || (output.status.code() == Some(1) && output.stdout.is_empty()),
        "search {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON hit"))
        .collect()
}

fn summary_row(out: &Path, bundle: &str) -> Option<Value> {
    read_json(&out.join("summary.json"))["bundles"]
        .as_array()
        .expect("summary rows")
        .iter()
        .find(|row| row["bundle"] == bundle)
        .cloned()
}

/// path → (status, error) of every file of a bundle's report.
fn report_files(report: &Value) -> BTreeMap<String, (String, String)> {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or_default().to_string();
            (text("path"), (text("status"), text("error")))
        })
        .collect()
}

/// Every planted file and listed member has a status, the expected one where the class has
/// one; a list of what is wrong (empty when all is well).
fn check_planted(planted: &[Planted], files: &BTreeMap<String, (String, String)>) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut expect = |path: String, allowed: &[&str], class: &str| match files.get(&path) {
        None => wrong.push(format!("{path} ({class}): not in the report")),
        Some((status, _)) if status.is_empty() => {
            wrong.push(format!("{path} ({class}): no status"))
        }
        Some((status, error)) if !allowed.is_empty() && !allowed.contains(&status.as_str()) => {
            wrong.push(format!(
                "{path} ({class}): {status}, expected {allowed:?} ({error})"
            ))
        }
        Some(_) => {}
    };
    for file in planted {
        let path = escape(&file.name);
        for (member, allowed) in &file.members {
            expect(format!("{path}!/{member}"), allowed, file.class);
        }
        expect(path, file.expect, file.class);
    }
    wrong
}

#[test]
fn a_whole_inbox_with_every_hostile_file_ends_well_within_its_bounds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = dir.path().join("inbox");
    let good = copy_good_bundles(&inbox);

    // The good bundles alone first: what the hostile ones must not change.
    let reference = dir.path().join("reference");
    let alone = run_measured(
        &run_args(&inbox, &reference),
        dir.path(),
        Duration::from_secs(600),
    );
    assert_eq!(alone.status.code(), Some(0), "{}", alone.stderr);

    let planted = hostile::plant_all(&inbox.join(HOSTILE_BUNDLE));
    let formula = inbox.join(FORMULA_BUNDLE);
    std::fs::create_dir_all(&formula).expect("mkdir");
    std::fs::write(formula.join("售后服务承诺.txt"), "售后服务承诺书\n").expect("write");
    std::os::unix::fs::symlink("/etc", inbox.join(INBOX_LINK)).expect("symlink");

    let out = dir.path().join("out");
    let run = run_measured(&run_args(&inbox, &out), dir.path(), RUN_BOUND * 2);
    let peak_mb = run.peak_kb / 1024;
    println!(
        "hostile inbox: exit {:?}, parent peak {peak_mb} MB (VmHWM), {:.1} s; good bundles alone: \
         {} MB, {:.1} s",
        run.status.code(),
        run.elapsed.as_secs_f64(),
        alone.peak_kb / 1024,
        alone.elapsed.as_secs_f64()
    );
    println!("{}", run.stdout.trim_end());

    assert!(
        run.status.signal().is_none() && matches!(run.status.code(), Some(0 | 1)),
        "ended with {:?}; stderr:\n{}",
        run.status,
        run.stderr
    );

    // Every hostile file a status, and the expected one.
    let report = read_json(&out.join("bundles").join(HOSTILE_BUNDLE).join("report.json"));
    let files = report_files(&report);
    let mut per_status: BTreeMap<&str, usize> = BTreeMap::new();
    for (path, (status, error)) in &files {
        *per_status.entry(status.as_str()).or_default() += 1;
        assert!(
            status == "ok" || !error.is_empty(),
            "{path}: {status} without a message"
        );
    }
    println!(
        "{HOSTILE_BUNDLE}: {} files and members, {per_status:?}",
        files.len()
    );
    for file in &planted {
        let path = escape(&file.name);
        let (status, error) = files.get(&path).cloned().unwrap_or_default();
        println!("  {:<44} {path}: {status} {error}", file.class);
    }
    let wrong = check_planted(&planted, &files);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Nothing of /etc was read, neither through the link in the bundle nor the one in the inbox
    // nor the XXE entity; the XXE file's own paragraph was.
    assert!(
        files.keys().all(|p| !p.starts_with("etc/")),
        "/etc was walked"
    );
    assert!(
        search(&out, &["nologin"]).is_empty(),
        "text of /etc/passwd was indexed"
    );
    let marker = search(
        &out,
        &["--bundle", HOSTILE_BUNDLE, hostile::office::XXE_MARKER],
    );
    assert!(!marker.is_empty(), "the XXE file's paragraph is indexed");
    let link = summary_row(&out, INBOX_LINK).expect("the inbox link has a summary row");
    assert_eq!(link["state"], "failed", "{link}");

    // Every good bundle: report, page, summary row and passages, as without the hostile ones.
    for id in &good {
        for name in ["report.json", "report.html"] {
            let ours = std::fs::read(out.join("bundles").join(id).join(name))
                .unwrap_or_else(|e| panic!("{id}/{name}: {e}"));
            let theirs = std::fs::read(reference.join("bundles").join(id).join(name))
                .expect("reference report");
            if ours != theirs && name == "report.json" {
                // Say which files differ, to tell a reader's fault from a limit under load.
                let (a, b) = (
                    report_files(&serde_json::from_slice(&ours).expect("json")),
                    report_files(&serde_json::from_slice(&theirs).expect("json")),
                );
                let differing: Vec<_> = a.iter().filter(|(k, v)| b.get(*k) != Some(v)).collect();
                panic!("{id}/{name} differs beside the hostile bundle: {differing:?}");
            }
            assert!(
                ours == theirs,
                "{id}/{name} differs beside the hostile bundle"
            );
        }
        let row = summary_row(&out, id).unwrap_or_else(|| panic!("{id} has no summary row"));
        assert_eq!(Some(&row), summary_row(&reference, id).as_ref(), "{id}");
        let indexed = search(&out, &["--bundle", id]).len();
        assert!(indexed > 0, "{id} has no passage in the index");
        assert_eq!(
            indexed,
            search(&reference, &["--bundle", id]).len(),
            "{id}'s passages in the index"
        );
    }

    // The formula-named bundle is read, and is text in summary.csv.
    let row = summary_row(&out, FORMULA_BUNDLE).expect("the formula bundle has a row");
    assert_ne!(row["state"], "failed", "{row}");
    let csv =
        String::from_utf8(std::fs::read(out.join("summary.csv")).expect("csv")).expect("utf-8");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");

    assert!(
        peak_mb < PEAK_BOUND_MB,
        "the parent's peak memory is {peak_mb} MB, over {PEAK_BOUND_MB} MB"
    );
    assert!(
        run.elapsed < RUN_BOUND,
        "the run took {:?}, over {RUN_BOUND:?}",
        run.elapsed
    );
}

/// The generator itself: every file small on disk (the classes are work, not bytes).
#[test]
fn the_hostile_set_is_small_on_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let planted = hostile::plant_all(dir.path());
    let mut sizes = Vec::new();
    for file in &planted {
        let path: PathBuf = dir.path().join(&file.name);
        let size = std::fs::symlink_metadata(&path).expect("planted").len();
        assert!(size < 1024 * 1024, "{}: {size} bytes", path.display());
        sizes.push((size, escape(&file.name)));
    }
    sizes.sort();
    let total: u64 = sizes.iter().map(|(size, _)| size).sum();
    let largest: Vec<String> = sizes
        .iter()
        .rev()
        .take(4)
        .map(|(size, name)| format!("{name} {} KB", size / 1024))
        .collect();
    println!(
        "{} hostile files, {} KB in all; largest: {}",
        planted.len(),
        total / 1024,
        largest.join(", ")
    );
}

/// Members that together exceed the parent's bound: [`zips::many_members`] with 600 × 1 MiB
/// (600 KB on disk). Issue 11 class 5: when the zip walk held every member's bytes in the parent
/// at once (300 members cost it about 330 MB), this bundle alone took the parent past 500 MB;
/// members past the archive's in-memory allowance are now spooled to disk.
#[test]
fn a_zip_of_more_member_bytes_than_the_parent_bound_stays_under_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("inbox").join("大量成员");
    std::fs::create_dir_all(&bundle).expect("mkdir");
    let (bytes, members) = zips::many_members(600);
    std::fs::write(bundle.join("附件.zip"), bytes).expect("write");
    let out = dir.path().join("out");
    let run = run_measured(
        &run_args(&dir.path().join("inbox"), &out),
        dir.path(),
        RUN_BOUND,
    );
    let peak_mb = run.peak_kb / 1024;
    println!(
        "600 x 1 MiB members: exit {:?}, parent peak {peak_mb} MB, {:.1} s",
        run.status.code(),
        run.elapsed.as_secs_f64()
    );
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let files = report_files(&read_json(&out.join("bundles/大量成员/report.json")));
    for member in &members {
        let path = format!("附件.zip!/{member}");
        assert!(files.contains_key(&path), "{path} not in the report");
    }
    assert!(
        peak_mb < PEAK_BOUND_MB,
        "the parent's peak memory is {peak_mb} MB, over {PEAK_BOUND_MB} MB"
    );
}

/// Issue 11 class 5, at the size: 40 copies of the 2,000-page PDF in one zip, each of
/// which reads within the per-file limit, used to take 40 times it. The archive's own clock
/// (`--max-archive-seconds 3`) now stops the walk: the run ends within that plus one file's limit
/// and its grace, every member has a status, and the members cut say which limit cut them.
///
/// Our 2,000-page PDF reads in well under a second, so the copies whose name holds
/// `审计报告1` (1 and 10–19) are made slow with the debug-only worker hook (a reader stuck for
/// two minutes without reading its clock): the archive's clock must stop them.
#[cfg(debug_assertions)]
#[test]
fn forty_slow_members_are_stopped_by_the_archive_clock() {
    const COPIES: usize = 40;
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("inbox").join("四十份报告");
    std::fs::create_dir_all(&bundle).expect("mkdir");
    let (bytes, members) = pdf::many_page_copies(&pdf::pdf_many_pages(), COPIES);
    std::fs::write(bundle.join("审计报告.zip"), bytes).expect("write");
    let out = dir.path().join("out");
    let inbox = dir.path().join("inbox");
    let mut args = run_args(&inbox, &out);
    args.extend([OsStr::new("--max-archive-seconds"), OsStr::new("3")]);
    let run = run_measured_with(
        &args,
        &[("CERTSIFT_TEST_WORKER_SLEEP", "审计报告1")],
        dir.path(),
        RUN_BOUND,
    );
    println!(
        "{COPIES} copies of a {}-page PDF: exit {:?}, parent peak {} MB, {:.1} s",
        pdf::MANY_PAGES,
        run.status.code(),
        run.peak_kb / 1024,
        run.elapsed.as_secs_f64()
    );
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let report = read_json(&out.join("bundles/四十份报告/report.json"));
    let files = report_files(&report);
    let mut cut = 0;
    for member in &members {
        let path = format!("审计报告.zip!/{member}");
        let (status, message) = files
            .get(&path)
            .unwrap_or_else(|| panic!("{path} not in the report"));
        if status == "limit_exceeded" {
            assert!(
                message.contains("--max-archive-seconds"),
                "{path}: {message}"
            );
            cut += 1;
        }
    }
    println!("  {cut} of {COPIES} members stopped by the archive clock");
    assert!(
        cut >= 11,
        "only {cut} members were stopped: the slow ones were not"
    );
    // 3 s of archive, at most one 5 s file in flight per worker, its 1.5 s grace, start-up,
    // rules and index: well under 30 s even on a loaded 2-core box.
    assert!(
        run.elapsed < Duration::from_secs(30),
        "the run took {:?}",
        run.elapsed
    );
}
