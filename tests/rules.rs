//! The rules engine end to end: the project's `rules/` folder (every example and counter-example,
//! so a rules file added later is tested without code), error messages for a broken rules folder,
//! `certsift rules check`, and material classification of the fixture bundles against
//! `fixtures/truth.toml`.

use crate::util::{certsift, fixtures_dir};
use certsift::ingest::{Limits, read_bundle};
use certsift::model::{IndicatorStatus, MaterialStatus};
use certsift::rules;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn rules_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules")
}

#[test]
fn every_example_of_the_rules_folder_holds() {
    let set = rules::load_dir(&rules_dir()).unwrap_or_else(|e| panic!("rules load:\n{e}"));
    let compiled = rules::compile(&set).unwrap_or_else(|e| panic!("rules compile:\n{e}"));
    let n = rules::check_examples(&compiled).unwrap_or_else(|e| panic!("examples:\n{e}"));
    assert!(n > 0);
}

#[test]
fn embedded_rules_equal_the_folder() {
    let embedded = rules::load_default().expect("embedded rules load");
    let folder = rules::load_dir(&rules_dir()).expect("folder loads");
    let names =
        |s: &rules::RuleSet| -> Vec<String> { s.sources.iter().map(|f| f.name.clone()).collect() };
    assert_eq!(names(&embedded), names(&folder));
    assert_eq!(embedded.rules.len(), folder.rules.len());
}

#[test]
fn broken_rules_folder_reports_every_problem_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        rules_dir().join("catalog.toml"),
        dir.path().join("catalog.toml"),
    )
    .expect("copy");
    std::fs::write(
        dir.path().join("evidence-bad.toml"),
        "[[rule]]\nid = \"x\"\nindicator = \"5.9.9\"\nany = [\"投诉\"]\nexamples = [\"无关\"]\n\n[[rule]]\nid = \"y\"\nindicator = \"5.3.2\"\nregex = '(unclosed'\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("evidence-typo.toml"),
        "[[rule]]\nid = \"z\"\nindicator = \"5.3.2\"\nanyy = [\"投诉\"]\n",
    )
    .expect("write");
    let err = rules::load_dir(dir.path()).expect_err("typo file");
    assert!(err.to_string().contains("evidence-typo.toml:4:"), "{err}");
    std::fs::remove_file(dir.path().join("evidence-typo.toml")).expect("rm");
    let set = rules::load_dir(dir.path()).expect("loads");
    let err = rules::compile(&set).expect_err("bad rules");
    let text = err.to_string();
    assert!(
        text.contains("evidence-bad.toml:3: `5.9.9` is not an indicator"),
        "{text}"
    );
    assert!(
        text.contains("evidence-bad.toml:10: the pattern `(unclosed`"),
        "{text}"
    );

    let out = certsift(&["rules", "check", dir.path().to_str().expect("utf-8 path")]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("evidence-bad.toml:3:")),
        "{stdout}"
    );
}

/// A copy of the built-in rules folder with `edits` (file, from, to) applied, each once; returns
/// the folder and, per edit, the 1-based line it changed.
fn edited_rules(edits: &[(&str, &str, &str)]) -> (tempfile::TempDir, Vec<usize>) {
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(rules_dir()).expect("rules dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
        }
    }
    let mut lines = Vec::new();
    for (file, from, to) in edits {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        let at = text
            .find(from)
            .unwrap_or_else(|| panic!("{from} in {file}"));
        lines.push(text[..at].matches('\n').count() + 1);
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    }
    (dir, lines)
}

/// `certsift rules check` over the built-in rules with `edits` applied: it must fail (exit 1);
/// returns its output, the edited lines and the folder.
fn rules_check_fails(edits: &[(&str, &str, &str)]) -> (String, Vec<usize>, tempfile::TempDir) {
    let (dir, lines) = edited_rules(edits);
    let out = certsift(&["rules", "check", dir.path().to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        lines,
        dir,
    )
}

/// What a certification body's staff may get wrong when editing the TOML: every kind of rule
/// they can edit is checked by `certsift rules check`, at the file and line concerned.
#[test]
fn rules_check_names_the_line_of_a_renamed_field_flag_or_a_failing_field_example() {
    let (stdout, lines, _dir) = rules_check_fails(&[
        (
            "fields.toml",
            "name = \"license_valid_until\"",
            "name = \"licence_end\"",
        ),
        (
            "catalog.toml",
            "code = \"uscc_mismatch\"",
            "code = \"uscc_conflict\"",
        ),
    ]);
    let has = |prefix: String, words: &str| {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(words)),
            "{prefix} … {words}:\n{stdout}"
        );
    };
    // A field or flag is reported at its `[[…]]` header, the line above the edited name.
    has(
        format!("fields.toml:{}:", lines[0] - 1),
        "no field is named `license_valid_until`",
    );
    has(
        format!("catalog.toml:{}:", lines[1] - 1),
        "flag `uscc_conflict` is never raised",
    );
    has(
        "catalog.toml:1:".to_string(),
        "the flag `uscc_mismatch` is missing",
    );

    // Rules that compile but whose field example no longer holds (examples run once the rules
    // compile): the line of the field's `[[field]]`.
    let (stdout, _, dir) =
        rules_check_fails(&[("fields.toml", "value = \"陈志远\" }", "value = \"陈志\" }")]);
    let fields = std::fs::read_to_string(dir.path().join("fields.toml")).expect("fields.toml");
    let header = fields
        .lines()
        .position(|l| l == "name = \"legal_representative\"")
        .expect("the field");
    assert!(
        stdout.starts_with(&format!(
            "fields.toml:{header}: field `legal_representative`: the example \"法定代表人    陈志远\" yields \"陈志远\", not \"陈志\""
        )),
        "{stdout}"
    );

    let (stdout, lines, _dir) = rules_check_fails(&[(
        "catalog.toml",
        "severity = \"info\"",
        "severity = \"notice\"",
    )]);
    assert!(
        stdout.starts_with(&format!("catalog.toml:{}:", lines[0])) && stdout.contains("notice"),
        "{stdout}"
    );
}

#[test]
fn rules_check_of_the_built_in_rules_is_ok() {
    let out = certsift(&["rules", "check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("OK: "), "{stdout}");
}

/// Every (bundle, file, material) the truth plants vs. what the classifiers say, over the three
/// fixture bundles: precision and recall of the labels.
#[test]
fn fixture_files_are_classified_as_the_truth_says() {
    let truth: toml::Table = std::fs::read_to_string(fixtures_dir().join("truth.toml"))
        .expect("truth.toml")
        .parse()
        .expect("truth parses");
    let bundles = truth
        .get("bundles")
        .and_then(|b| b.as_table())
        .expect("[bundles]");
    // CERTSIFT_RULES_DIR=<dir> runs the same check with another rules folder (e.g. with evidence
    // files not yet merged) and prints the indicator verdicts against the truth.
    let set = match std::env::var_os("CERTSIFT_RULES_DIR") {
        Some(dir) => rules::load_dir(std::path::Path::new(&dir)).expect("rules dir"),
        None => rules::load_default().expect("rules"),
    };
    let compiled = rules::compile(&set).expect("compile");
    let mut expected: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut got: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut status_errors = Vec::new();
    for (name, b) in bundles {
        let path = b.get("path").and_then(|p| p.as_str()).expect("path");
        let bundle = read_bundle(&fixtures_dir().join("inbox").join(path), &Limits::default())
            .expect("bundle reads");
        let files = rules::classify_materials(&bundle, &compiled);
        for (file, mats) in &files.by_file {
            for m in mats {
                got.insert((name.clone(), file.clone(), m.0.clone()));
            }
        }
        let materials = b
            .get("materials")
            .and_then(|m| m.as_table())
            .expect("materials");
        for (mid, m) in materials {
            for f in m
                .get("files")
                .and_then(|f| f.as_array())
                .into_iter()
                .flatten()
            {
                let f = f.as_str().unwrap_or("");
                expected.insert((name.clone(), f.to_string(), mid.clone()));
            }
        }
        let findings = rules::material_findings(&bundle, &compiled, &files);
        assert_eq!(findings.len(), compiled.materials().len());
        for f in &findings {
            let want = materials
                .get(&f.id.0)
                .and_then(|m| m.get("status"))
                .and_then(|s| s.as_str())
                .unwrap_or("?");
            let have = match f.status {
                MaterialStatus::Present => "present",
                MaterialStatus::Missing => "missing",
                MaterialStatus::NotApplicable => "not_applicable",
            };
            if want != have {
                status_errors.push(format!("{name} {}: {have}, truth {want}", f.id));
            }
        }
        let indicators = rules::indicator_findings(&bundle, &compiled, &files);
        assert_eq!(indicators.len(), compiled.assessed_indicators().count());
        let truth_ind = b.get("indicators").and_then(|i| i.as_table());
        for i in &indicators {
            let want = truth_ind
                .and_then(|t| t.get(&i.id.0))
                .and_then(|t| t.get("status"))
                .and_then(|s| s.as_str())
                .unwrap_or("?");
            println!("indicator {name} {}: {:?} (truth {want})", i.id, i.status);
            assert!(i.evidence.len() <= 5);
            assert_eq!(i.status == IndicatorStatus::Missing, i.evidence.is_empty());
        }
    }
    let true_pos = got.intersection(&expected).count();
    let precision = true_pos as f64 / got.len().max(1) as f64;
    let recall = true_pos as f64 / expected.len().max(1) as f64;
    println!(
        "materials: precision {precision:.3}, recall {recall:.3} ({true_pos} of {} expected, {} labelled)",
        expected.len(),
        got.len()
    );
    for fp in got.difference(&expected) {
        println!("  extra:   {fp:?}");
    }
    for fneg in expected.difference(&got) {
        println!("  missing: {fneg:?}");
    }
    for e in &status_errors {
        println!("  status:  {e}");
    }
    assert!(
        precision >= 0.95 && recall >= 0.95,
        "precision {precision:.3}, recall {recall:.3}"
    );
    assert!(status_errors.is_empty(), "{status_errors:?}");
}

/// Writes `files` (name, text) into a new bundle folder and returns `check --json` of it.
fn check_bundle(files: &[(&str, &str)]) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("申请材料");
    std::fs::create_dir(&bundle).expect("bundle folder");
    for (name, text) in files {
        std::fs::write(bundle.join(name), text).expect("write");
    }
    let out = certsift(&[
        "check",
        bundle.to_str().expect("utf-8 path"),
        "--as-of",
        "2026-11-28",
        "--json",
    ]);
    serde_json::from_slice(&out.stdout).expect("report is JSON")
}

fn flag_codes(report: &serde_json::Value) -> Vec<String> {
    report["flags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str().map(String::from))
        .collect()
}

const OWN_LICENCE: &str = "营业执照\n统一社会信用代码 91320505MA1XH7K24N\n名称 苏州华信智能家电有限公司\n\
     法定代表人 陈志远\n成立日期 2009年06月18日\n营业期限 长期\n";
const MANUAL: &str = "苏州华信智能家电有限公司售后服务管理手册\n\
     本公司委托昆山美达电器维修服务有限公司承担昆山地区的上门维修。\n";
const COMMITMENT: &str = "苏州华信智能家电有限公司服务承诺书\n";

#[test]
fn a_partners_licence_is_set_aside_with_the_reason_and_raises_nothing_against_the_applicant() {
    // The partner's licence expired, has another name and another (valid) USCC.
    let partner = "营业执照\n统一社会信用代码 91320583MA1MXXXX91\n名称 昆山美达电器维修服务有限公司\n\
                   法定代表人 王力\n营业期限 2010年03月01日至2020年02月28日\n";
    let report = check_bundle(&[
        ("01-营业执照.txt", OWN_LICENCE),
        ("03-售后服务手册.txt", MANUAL),
        ("04-服务承诺.txt", COMMITMENT),
        ("08-维修网点营业执照.txt", partner),
    ]);
    let codes = flag_codes(&report);
    for forbidden in ["license_expired", "name_mismatch", "uscc_mismatch"] {
        assert!(
            !codes.iter().any(|c| c == forbidden),
            "{forbidden} in {codes:?}"
        );
    }
    let note = report["flags"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["code"] == "other_party_document")
        .expect("the partner's licence is noted");
    let message = note["message"].as_str().unwrap_or("");
    assert!(
        message.contains("昆山美达电器维修服务有限公司") && message.contains("01-营业执照.txt"),
        "{message}"
    );
    assert_eq!(note["files"][0], "08-维修网点营业执照.txt");
    let licence = report["materials"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["id"] == "business_license")
        .expect("business_license");
    assert_eq!(licence["files"], serde_json::json!(["01-营业执照.txt"]));
    let name = report["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["name"] == "company_name")
        .expect("company_name");
    assert_eq!(name["value"], "苏州华信智能家电有限公司");
}

#[test]
fn a_lone_licence_that_disagrees_with_the_bundle_is_a_name_mismatch_not_another_party() {
    let renamed = OWN_LICENCE.replace("苏州华信智能家电有限公司", "苏州华信电器有限公司");
    let report = check_bundle(&[
        ("01-营业执照.txt", renamed.as_str()),
        ("02-申请书.txt", "申请单位：苏州华信智能家电有限公司\n"),
        ("03-售后服务手册.txt", MANUAL),
    ]);
    let codes = flag_codes(&report);
    assert!(codes.iter().any(|c| c == "name_mismatch"), "{codes:?}");
    assert!(
        !codes.iter().any(|c| c == "other_party_document"),
        "{codes:?}"
    );
}
