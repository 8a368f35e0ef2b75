//! The batch on a disk that fills and on files nobody may read, in-process: both need test hooks
//! (a full disk cannot be made without root, and root reads any file), which only a library test
//! can set. Through the binary, see `tests/hostile_fs.rs`.

use super::*;
use crate::index::IndexError;
use crate::ingest::entry::test_hooks::deny;
use crate::rules::testing::default_rules;
use write::test_hooks::{fill, free};

const AS_OF: &str = "2026-11-28";

fn settings(inbox: &Path, out: &Path, full: bool) -> Settings<'static> {
    Settings {
        inbox: inbox.to_path_buf(),
        out: out.to_path_buf(),
        as_of: NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").expect("date"),
        rules: default_rules(),
        rules_fingerprint: "test".into(),
        limits: Limits::default(),
        jobs: 1,
        full,
    }
}

fn inbox_of_two(dir: &Path) -> PathBuf {
    let inbox = dir.join("inbox");
    for (bundle, text) in [
        ("华信家电", "售后服务管理制度"),
        ("鼎盛机电", "客户投诉处理流程"),
    ] {
        std::fs::create_dir_all(inbox.join(bundle)).expect("mkdir");
        std::fs::write(inbox.join(bundle).join("制度.txt"), text).expect("write");
    }
    inbox
}

/// Files in `dir` and below whose names say they are temporaries.
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() {
                stack.push(entry.path());
            } else if name.contains(".tmp") {
                found.push(entry.path());
            }
        }
    }
    found
}

#[test]
fn a_full_disk_is_said_plainly_and_the_next_run_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = inbox_of_two(dir.path());
    let out = dir.path().join("out");
    let first = run(&settings(&inbox, &out, false), &Quiet).expect("first run");
    assert_eq!(first.done, 2);

    // What a run cut short leaves: a temporary of an atomic write, one of tantivy's, and a
    // segment file the index tracks but no commit refers to (as a dead writer leaves it).
    std::fs::write(out.join(".ledger.json.tmp-4242"), b"{\"form").expect("temp");
    std::fs::write(out.join("index/.tmpAbC123"), b"half").expect("tantivy temp");
    let orphan = "0123456789abcdef0123456789abcdef.store";
    std::fs::write(out.join("index").join(orphan), vec![0u8; 1 << 20]).expect("orphan");
    let managed_path = out.join("index/.managed.json");
    let mut managed: Vec<String> =
        serde_json::from_slice(&std::fs::read(&managed_path).expect("managed")).expect("json");
    managed.push(orphan.into());
    std::fs::write(&managed_path, serde_json::to_vec(&managed).expect("json")).expect("write");

    fill(&out);
    let err = run(&settings(&inbox, &out, true), &Quiet).expect_err("the disk is full");
    free(&out);
    let message = err.to_string();
    assert!(matches!(err, BatchError::DiskFull { .. }), "{message}");
    assert!(
        message.contains("磁盘已满") && message.contains("is full"),
        "{message}"
    );
    assert!(!message.contains("killed"), "{message}");
    assert!(
        !out.join("index").join(orphan).exists(),
        "the orphaned segment file is removed"
    );
    assert_eq!(temporaries(&out), Vec::<PathBuf>::new());

    // Space freed: the next run works from what is on disk, ledger included.
    let next = run(&settings(&inbox, &out, true), &Quiet).expect("the next run");
    assert_eq!((next.done, next.failed), (2, 0));
    let ledger = Ledger::load(&out.join("ledger.json")).expect("ledger");
    assert_eq!(ledger.bundles.len(), 2);
    let index = Index::open(&out.join("index")).expect("index");
    assert_eq!(index.bundles().expect("bundles"), ["华信家电", "鼎盛机电"]);
}

/// An index written with other fields (an older certsift) cannot be added to: the run rebuilds
/// it and, as the ledger's bundles would otherwise be missing from it, redoes them all.
#[test]
fn an_index_from_another_version_is_rebuilt_and_every_bundle_redone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = inbox_of_two(dir.path());
    let out = dir.path().join("out");
    run(&settings(&inbox, &out, false), &Quiet).expect("first run");
    let index_dir = out.join("index");
    std::fs::remove_dir_all(&index_dir).expect("remove");
    std::fs::create_dir_all(&index_dir).expect("mkdir");
    let mut old = tantivy::schema::Schema::builder();
    old.add_text_field(
        "normalized",
        tantivy::schema::TEXT | tantivy::schema::STORED,
    );
    tantivy::Index::create_in_dir(&index_dir, old.build()).expect("an old index");
    assert!(matches!(
        Index::open(&index_dir),
        Err(IndexError::OtherSchema(path)) if path == index_dir
    ));

    let next = run(&settings(&inbox, &out, false), &Quiet).expect("the rebuilding run");
    assert_eq!((next.done, next.skipped, next.failed), (2, 0, 0));
    let index = Index::open(&index_dir).expect("the rebuilt index");
    assert_eq!(index.bundles().expect("bundles"), ["华信家电", "鼎盛机电"]);
    let again = run(&settings(&inbox, &out, false), &Quiet).expect("a third run");
    assert_eq!((again.done, again.skipped), (0, 2), "nothing left to redo");
}

#[test]
fn a_full_disk_under_the_ledger_or_the_index_is_said_plainly_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = inbox_of_two(dir.path());
    let out = dir.path().join("out");
    run(&settings(&inbox, &out, false), &Quiet).expect("first run");
    // A withdrawn bundle changes the ledger before any bundle is read.
    std::fs::remove_dir_all(inbox.join("鼎盛机电")).expect("withdraw");
    fill(&out);
    let err = run(&settings(&inbox, &out, false), &Quiet).expect_err("full");
    let index_err = plainly(
        BatchError::Index {
            path: out.join("index"),
            source: IndexError::Query("An index writer was killed.".into()),
        },
        &out,
    );
    free(&out);
    assert!(
        matches!(&err, BatchError::DiskFull { path, .. } if path.ends_with("ledger.json")),
        "{err}"
    );
    assert!(
        matches!(index_err, BatchError::DiskFull { .. }),
        "{index_err}"
    );
    // With room, the same index error is what it says.
    let index_err = plainly(
        BatchError::Index {
            path: out.join("index"),
            source: IndexError::Query("x".into()),
        },
        &out,
    );
    assert!(matches!(index_err, BatchError::Index { .. }));
    let next = run(&settings(&inbox, &out, false), &Quiet).expect("next run");
    assert_eq!(next.withdrawn, 1);
}

#[test]
fn one_unreadable_file_costs_only_that_file_in_a_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = inbox_of_two(dir.path());
    let locked = inbox.join("华信家电/营业执照.pdf");
    std::fs::write(&locked, b"%PDF-1.7").expect("write");
    deny(&locked);
    let out = dir.path().join("out");
    let stats = run(&settings(&inbox, &out, false), &Quiet).expect("run");
    assert_eq!((stats.done, stats.failed), (2, 0));
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("bundles/华信家电/report.json")).expect("report"),
    )
    .expect("json");
    let file = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == "营业执照.pdf")
        .expect("the unreadable file is listed")
        .clone();
    assert_eq!(file["status"], "corrupt");
    let error = file["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("权") && error.contains("permission"),
        "{error}"
    );
}
