//! `certsift extract` end to end through the binary.

use crate::util::{certsift, zip_with_raw_names};
use serde_json::Value;

#[test]
fn extract_json_prints_one_object_per_file_with_the_contract_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("售后服务承诺.txt"),
        "一、24小时内响应\n\n二、配件供应",
    )
    .expect("write");
    std::fs::write(dir.path().join("空文件.pdf"), "").expect("write");
    let out = certsift(&[
        "extract",
        "--json",
        dir.path().to_str().expect("utf-8 path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        for key in [
            "path", "sha256", "bytes", "kind", "status", "error", "passages",
        ] {
            assert!(line.get(key).is_some(), "missing {key} in {line}");
        }
    }
    let text = &lines[0];
    assert!(
        text["path"]
            .as_str()
            .expect("path")
            .ends_with("售后服务承诺.txt")
    );
    assert_eq!(text["kind"], "txt");
    assert_eq!(text["status"], "ok");
    assert_eq!(text["passages"][1]["text"], "二、配件供应");
    assert_eq!(
        text["passages"][1]["location"],
        serde_json::json!({"line": 3})
    );
    let empty = &lines[1];
    assert_eq!(empty["status"], "empty");
    assert!(empty["error"].is_string());
}

#[test]
fn gbk_named_zip_members_come_out_in_chinese() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (name, _, _) = encoding_rs::GB18030.encode("资料/营业执照说明.txt");
    let zip = zip_with_raw_names(&[(&name, "统一社会信用代码".as_bytes())]);
    let path = dir.path().join("申报材料.zip");
    std::fs::write(&path, zip).expect("write");
    let out = certsift(&["extract", "--json", path.to_str().expect("utf-8 path")]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let member: Value =
        serde_json::from_str(stdout.lines().nth(1).expect("member line")).expect("json");
    assert!(
        member["path"]
            .as_str()
            .expect("path")
            .ends_with("申报材料.zip!/资料/营业执照说明.txt"),
        "{member}"
    );
    assert_eq!(member["passages"][0]["text"], "统一社会信用代码");
}

#[test]
fn missing_input_is_an_error_that_names_the_path() {
    let out = certsift(&["extract", "/nonexistent/申报材料"]);
    // Could not run: exit 2, the path named, the OS's reason said once.
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/申报材料"), "{stderr}");
    assert_eq!(stderr.matches("os error 2").count(), 1, "{stderr}");
}

#[test]
fn human_output_lists_status_and_locations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a.txt");
    std::fs::write(&path, "投诉处理").expect("write");
    let out = certsift(&["extract", path.to_str().expect("utf-8 path")]);
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert!(stdout.contains("[txt · ok · 1 passages]"), "{stdout}");
    assert!(stdout.contains("line 1  投诉处理"), "{stdout}");
    assert!(stdout.contains("1 files: 1 ok"), "{stdout}");
}

/// `check` refuses what is not one applicant's bundle, and says which command was meant.
#[test]
fn check_refuses_an_inbox_a_lone_file_and_an_empty_folder() {
    let inbox = crate::util::fixtures_dir().join("inbox");
    let readme = crate::util::fixtures_dir().join("../README.md");
    let empty = tempfile::tempdir().expect("tempdir");
    for (path, says) in [
        (inbox.as_path(), "certsift run"),
        (readme.as_path(), "certsift extract"),
        (empty.path(), "no file"),
    ] {
        let out = certsift(&["check", path.to_str().expect("utf-8")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path:?}: {stderr}");
        assert!(stderr.contains(says), "{path:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{path:?}: no report printed");
    }
}

/// A `.zip` bundle that is not a zip: the headline is that nothing could be read, exit 1.
#[test]
fn an_unreadable_zip_bundle_says_so_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = dir.path().join("华信家电.zip");
    let junk: Vec<u8> = (0..4000u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&zip, junk).expect("write");
    let out = certsift(&[
        "check",
        "--as-of",
        "2026-11-28",
        zip.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let headline = stdout
        .lines()
        .position(|l| l.contains("no file of the bundle could be read"));
    let first_flag = stdout.lines().position(|l| l.contains("material_missing"));
    assert!(
        matches!((headline, first_flag), (Some(h), Some(f)) if h < f),
        "{stdout}"
    );
}

/// `run` on one bundle refuses (its subfolders are not applicants); loose files beside real
/// bundles are named in a warning.
#[test]
fn run_refuses_a_bundle_and_warns_of_loose_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = crate::util::fixtures_dir().join("inbox/优选生活-2026");
    let out_dir = dir.path().join("out");
    let out = certsift(&[
        "run",
        bundle.to_str().expect("utf-8"),
        "--out",
        out_dir.to_str().expect("utf-8"),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("certsift check"), "{stderr}");

    let inbox = dir.path().join("inbox");
    let one = inbox.join("华信家电");
    std::fs::create_dir_all(&one).expect("mkdir");
    std::fs::write(one.join("售后服务制度.txt"), "顾客投诉24小时内响应").expect("write");
    std::fs::write(inbox.join("说明.txt"), "loose").expect("write");
    let out = certsift(&[
        "run",
        inbox.to_str().expect("utf-8"),
        "--out",
        out_dir.to_str().expect("utf-8"),
        "--as-of",
        "2026-11-28",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("说明.txt") && stderr.contains("were not read"),
        "{stderr}"
    );
}
