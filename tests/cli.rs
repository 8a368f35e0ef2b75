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
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/申报材料"), "{stderr}");
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
