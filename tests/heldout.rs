//! The held-out set (`fixtures/heldout/statements.toml`): sentences in another voice, each alone
//! in a bundle, against the built-in rules. Prints the verdicts per trap class, so a change to
//! the rules or the matcher is measured on text nobody wrote for them, and fails when a class
//! falls below the level it has reached.

use crate::util::fixtures_dir;
use certsift::model::{
    Bundle, Document, FileKind, FileStatus, IndicatorStatus, Location, Part, Passage,
};
use certsift::rules::{self, classify_materials, indicator_findings};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Set {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    indicator: String,
    class: String,
    text: String,
    expect: String,
}

fn status_name(status: IndicatorStatus) -> &'static str {
    match status {
        IndicatorStatus::Supported => "supported",
        IndicatorStatus::Weak => "weak",
        IndicatorStatus::Missing => "missing",
        IndicatorStatus::Excluded => "excluded",
    }
}

fn verdict(rules: &rules::CompiledRules, text: &str, indicator: &str) -> &'static str {
    let bundle = Bundle {
        id: "heldout".into(),
        documents: vec![Document {
            path: "售后服务说明.docx".into(),
            sha256: "0".into(),
            bytes: text.len() as u64,
            kind: FileKind::Docx,
            declared_kind: Some(FileKind::Docx),
            status: FileStatus::Ok,
            error: None,
            passages: vec![Passage::new(
                text,
                Location::Paragraph {
                    part: Part::Body,
                    paragraph: 0,
                },
            )],
            ocr_pages: vec![],
            ocr: false,
            pages: None,
            notes: vec![],
        }],
    };
    let files = classify_materials(&bundle, rules);
    indicator_findings(&bundle, rules, &files)
        .into_iter()
        .find(|f| f.id.0 == indicator)
        .map_or("missing", |f| status_name(f.status))
}

/// Per class, the share of cases whose verdict is the expected one; `supported` expected and
/// `weak` found counts as found for statements (the tier is a judgement), not for traps.
#[test]
fn held_out_statements_per_class() {
    let text = std::fs::read_to_string(fixtures_dir().join("heldout/statements.toml"))
        .expect("statements.toml");
    let set: Set = toml::from_str(&text).expect("statements.toml parses");
    let rules = rules::compile(&rules::load_default().expect("rules")).expect("compile");
    let mut per_class: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut wrong = Vec::new();
    // The weak tier on its own: of the cases it calls weak, how many state the thing at all.
    let (mut weak, mut weak_right) = (0usize, 0usize);
    for case in &set.case {
        let got = verdict(&rules, &case.text, &case.indicator);
        if got == "weak" {
            weak += 1;
            weak_right += usize::from(case.expect != "missing");
        }
        let ok = got == case.expect
            || (case.expect == "supported" && got == "weak" && case.class == "statement");
        let entry = per_class.entry(case.class.as_str()).or_default();
        entry.1 += 1;
        if ok {
            entry.0 += 1;
        } else {
            wrong.push(format!(
                "  {} {}: want {}, got {got}: {}",
                case.class, case.indicator, case.expect, case.text
            ));
        }
    }
    let mut report = String::from("held-out statements, right / cases per class:\n");
    for (class, (right, all)) in &per_class {
        report.push_str(&format!("  {class:<12} {right}/{all}\n"));
    }
    report.push_str(&format!(
        "  weak tier precision: {weak_right}/{weak} weak verdicts on sentences that state the thing\n"
    ));
    report.push_str(&wrong.join("\n"));
    eprintln!("{report}");
    // The floors this set has reached; raise them as the rules improve, never lower them.
    let floors = [
        ("statement", 10),
        ("negation", 7),
        ("contrast", 5),
        ("plan", 3),
        ("other_sense", 8),
        ("template", 1),
        ("title", 1),
    ];
    for (class, floor) in floors {
        let right = per_class.get(class).map_or(0, |c| c.0);
        assert!(
            right >= floor,
            "{class}: {right} right, floor {floor}\n{report}"
        );
    }
}
