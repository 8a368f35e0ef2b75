//! What a hostile file system does to `certsift run` and `check`, through the binary: links out
//! of a bundle or the inbox, named pipes and sockets, unreadable files, names that are not
//! UTF-8, zips with duplicate names, bundle names that a spreadsheet would run, and a busy OUT.
//! Every input is built here, in a temporary folder (issue 11).

#![cfg(unix)]

use crate::util::{read_json, zip_with_raw_names};
use serde_json::Value;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const AS_OF: &str = "2026-11-28";

/// Runs the binary, killing it if it outlives `deadline` (a reader blocked on a named pipe
/// would otherwise hang the test run): `None` then.
fn certsift_within(args: &[&OsStr], deadline: Duration) -> Option<Output> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_certsift"))
        .args(args)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn certsift");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(child.wait_with_output().expect("output"))
}

fn run(inbox: &Path, out: &Path) -> Output {
    let args: [&OsStr; 6] = [
        "run".as_ref(),
        inbox.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--as-of".as_ref(),
        AS_OF.as_ref(),
    ];
    certsift_within(&args, Duration::from_secs(120)).expect("run ends (no file blocks it)")
}

fn check_out(bundle: &Path, out: &Path) -> Output {
    let args: [&OsStr; 6] = [
        "check".as_ref(),
        bundle.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--as-of".as_ref(),
        AS_OF.as_ref(),
    ];
    certsift_within(&args, Duration::from_secs(120)).expect("check ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A bundle folder with one ordinary text file.
fn bundle(inbox: &Path, name: impl AsRef<OsStr>) -> PathBuf {
    let dir = inbox.join(name.as_ref());
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("售后服务制度.txt"),
        "售后服务管理制度\n客户投诉处理流程\n",
    )
    .expect("write");
    dir
}

/// (path, status, error) of every file in a report.
fn files(report: &Value) -> Vec<(String, String, String)> {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["status"].as_str().unwrap_or_default().to_string(),
                f["error"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn summary_rows(out: &Path) -> Vec<Value> {
    read_json(&out.join("summary.json"))["bundles"]
        .as_array()
        .expect("rows")
        .clone()
}

fn search_hits(out: &Path, words: &str) -> String {
    let index = out.join("index");
    let args: [&OsStr; 4] = [
        "search".as_ref(),
        "--index".as_ref(),
        index.as_os_str(),
        words.as_ref(),
    ];
    let output = certsift_within(&args, Duration::from_secs(60)).expect("search ends");
    text(&output.stdout)
}

#[test]
fn links_out_of_a_bundle_or_the_inbox_are_reported_and_never_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    std::fs::write(elsewhere.join("机密.txt"), "外部机密材料不应被读取\n").expect("write");
    let inbox = dir.path().join("inbox");
    let good = bundle(&inbox, "华信家电");
    symlink("/etc", good.join("etc")).expect("link");
    symlink(elsewhere.join("机密.txt"), good.join("营业执照.txt")).expect("link");
    symlink("售后服务制度.txt", good.join("副本.txt")).expect("link inside");
    symlink(&elsewhere, inbox.join("外部申请包")).expect("inbox link");
    let out = dir.path().join("out");

    let output = run(&inbox, &out);
    // The link out of the inbox is a bundle that could not be processed: exit 1, not a signal.
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));

    let report = read_json(&out.join("bundles/华信家电/report.json"));
    let got = files(&report);
    let status = |path: &str| {
        got.iter()
            .find(|(p, _, _)| p == path)
            .unwrap_or_else(|| panic!("{path} in {got:?}"))
            .clone()
    };
    for link in ["etc", "营业执照.txt"] {
        let (_, status, error) = status(link);
        assert_eq!(status, "unsupported", "{link}");
        assert!(
            error.contains("申请包之外") && error.contains("outside the bundle"),
            "{link}: {error}"
        );
    }
    assert_eq!(
        status("副本.txt").1,
        "ok",
        "a link inside the bundle is read"
    );
    assert!(
        !got.iter().any(|(p, _, _)| p.starts_with("etc/")),
        "/etc was walked: {got:?}"
    );

    let rows = summary_rows(&out);
    let linked = rows
        .iter()
        .find(|r| r["bundle"] == "外部申请包")
        .expect("the inbox link has a row");
    assert_eq!(linked["state"], "failed");
    let message = linked["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("收件箱之外") && message.contains("outside the inbox"),
        "{message}"
    );
    assert!(!out.join("bundles/外部申请包/report.json").exists());
    assert!(
        search_hits(&out, "客户投诉处理").contains("客户投诉处理"),
        "the bundle's own text is indexed"
    );
    assert!(
        search_hits(&out, "外部机密材料").is_empty(),
        "text from outside the inbox was indexed"
    );
}

#[test]
fn pipes_sockets_and_unreadable_files_get_a_status_and_cost_only_themselves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = dir.path().join("inbox");
    let good = bundle(&inbox, "鼎盛机电");
    let made = Command::new("mkfifo")
        .arg(good.join("管道.pdf"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let _socket = std::os::unix::net::UnixListener::bind(good.join("套接字.docx")).expect("bind");
    let locked = good.join("无权限.txt");
    std::fs::write(&locked, "组织结构图").expect("write");
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000))
        .expect("chmod");
    // As root (CI) permission bits do not stop a read: that case is then pinned by the library
    // test `one_unreadable_file_costs_only_that_file_in_a_run`.
    let locked_is_unreadable = std::fs::read(&locked).is_err();
    let out = dir.path().join("out");

    let output = run(&inbox, &out);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report = read_json(&out.join("bundles/鼎盛机电/report.json"));
    let got = files(&report);
    let find = |path: &str| {
        got.iter()
            .find(|(p, _, _)| p == path)
            .unwrap_or_else(|| panic!("{path} in {got:?}"))
            .clone()
    };
    let (_, status, error) = find("管道.pdf");
    assert_eq!(status, "unsupported");
    assert!(
        error.contains("命名管道") && error.contains("named pipe"),
        "{error}"
    );
    let (_, status, error) = find("套接字.docx");
    assert_eq!(status, "unsupported");
    assert!(error.contains("socket"), "{error}");
    assert_eq!(find("售后服务制度.txt").1, "ok");
    if locked_is_unreadable {
        let (_, status, error) = find("无权限.txt");
        assert_eq!(status, "corrupt");
        assert!(error.contains("permission"), "{error}");
    } else {
        eprintln!("note: running as root, permission bits cannot make 无权限.txt unreadable");
    }
}

#[test]
fn names_that_are_not_utf8_stay_distinct() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = dir.path().join("inbox");
    // Two GBK names read as bytes (公-2026 and 商-2026), invalid UTF-8: lossy decoding made both
    // "��-2026".
    let first = bundle(&inbox, OsStr::from_bytes(b"\xB9\xAB-2026"));
    bundle(&inbox, OsStr::from_bytes(b"\xC9\xCC-2026"));
    std::fs::write(first.join(OsStr::from_bytes(b"\xD6\xC6.txt")), "投诉处理").expect("write");
    std::fs::write(first.join(OsStr::from_bytes(b"\xB6\xC8.txt")), "回访记录").expect("write");
    let out = dir.path().join("out");

    let output = run(&inbox, &out);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let mut ids: Vec<String> = summary_rows(&out)
        .iter()
        .map(|r| r["bundle"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, ["\\xB9\\xAB-2026", "\\xC9\\xCC-2026"]);
    let report = read_json(&out.join("bundles/\\xB9\\xAB-2026/report.json"));
    let paths: Vec<String> = files(&report).into_iter().map(|f| f.0).collect();
    assert_eq!(
        paths,
        ["\\xB6\\xC8.txt", "\\xD6\\xC6.txt", "售后服务制度.txt"]
    );
}

#[test]
fn fifty_zip_entries_with_one_name_are_all_kept_and_numbered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let contents: Vec<Vec<u8>> = (1..=50)
        .map(|n| format!("第{n}份售后服务记录").into_bytes())
        .collect();
    let entries: Vec<(&[u8], &[u8])> = contents
        .iter()
        .map(|c| ("记录.txt".as_bytes(), c.as_slice()))
        .collect();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).expect("mkdir");
    std::fs::write(inbox.join("重名.zip"), zip_with_raw_names(&entries)).expect("write zip");
    let out = dir.path().join("out");

    let output = run(&inbox, &out);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let got = files(&read_json(&out.join("bundles/重名/report.json")));
    assert_eq!(got.len(), 50, "{got:?}");
    assert_eq!(got[0].0, "重名.zip!/记录.txt");
    assert_eq!(got[1].0, "重名.zip!/记录~2.txt");
    assert_eq!(got[49].0, "重名.zip!/记录~50.txt");
    assert!(got.iter().all(|(_, status, _)| status == "ok"), "{got:?}");
}

#[test]
fn a_bundle_named_like_a_formula_is_text_in_summary_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = dir.path().join("inbox");
    // A folder name cannot hold `/`, so not `=HYPERLINK("http://x","y")` as such (that exact
    // name is the library test `report::triage::tests::cells_a_spreadsheet_would_run_are_neutralised`).
    let name = "=HYPERLINK(\"x.cn\",\"点此\")";
    bundle(&inbox, name);
    let out = dir.path().join("out");

    let output = run(&inbox, &out);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let csv = std::fs::read(out.join("summary.csv")).expect("csv");
    let mut reader = csv::Reader::from_reader(&csv[3..]);
    let record = reader.records().next().expect("a row").expect("parses");
    assert_eq!(&record[1], format!("'{name}"));
    // The JSON summary, read by scripts, keeps the name as it is.
    assert_eq!(summary_rows(&out)[0]["bundle"], name);
}

#[test]
fn check_out_takes_the_batch_lock_and_the_next_run_redoes_what_it_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = dir.path().join("inbox");
    let first = bundle(&inbox, "华信家电");
    bundle(&inbox, "鼎盛机电");
    let out = dir.path().join("out");
    let output = run(&inbox, &out);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));

    // A run (here: this test) holds OUT: check refuses at once, saying why, and writes nothing.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(out.join(".lock"))
        .expect("lock file");
    lock.try_lock().expect("take the lock");
    let before = std::fs::read(out.join("bundles/华信家电/report.json")).expect("report");
    let busy = check_out(&first, &out);
    assert_eq!(busy.status.code(), Some(2));
    let stderr = text(&busy.stderr);
    assert!(stderr.contains("another certsift run"), "{stderr}");
    let after = std::fs::read(out.join("bundles/华信家电/report.json")).expect("report");
    assert_eq!(before, after);
    drop(lock);

    // Free: check writes the report, and the ledger forgets the bundle so the next run redoes it.
    let checked = check_out(&first, &out);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
    let ledger = read_json(&out.join("ledger.json"));
    assert!(ledger["bundles"].get("华信家电").is_none(), "{ledger}");
    assert!(ledger["bundles"].get("鼎盛机电").is_some());
    let output = run(&inbox, &out);
    assert!(
        text(&output.stdout).starts_with("1 done, 1 unchanged"),
        "{}",
        text(&output.stdout)
    );
}
