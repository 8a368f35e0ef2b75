//! The held-out bundles (`fixtures/heldout/bundles/`): five applications written by someone who
//! had not read the rules, with their truth (`truth.toml`). `certsift run` over them, then every
//! figure issue 10 asks for, printed per bundle and in total: indicator balanced accuracy,
//! truly missing indicators reported missing, evidence precision of the best three cited
//! passages (in a file the truth names, not a trap; and, since the truth names the proving
//! files it thought of, not every file a wording makes relevant: not a trap, for an indicator
//! that has evidence), materials F1, fields, flag recall and forbidden
//! flags, search recall@10. The floors are the levels reached, so a change that loses ground on
//! text nobody wrote for the rules fails; the goals are printed beside them.

use crate::util::{certsift, fixtures_dir, read_json};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const STATUSES: [&str; 4] = ["supported", "weak", "missing", "excluded"];

fn heldout_dir(set: &str) -> PathBuf {
    fixtures_dir().join("heldout").join(set)
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(String::from))
        .collect()
}

/// Hits over totals, by name, printed as a ratio.
#[derive(Default)]
struct Tally(BTreeMap<&'static str, (usize, usize)>);

impl Tally {
    fn add(&mut self, name: &'static str, hit: bool) {
        let e = self.0.entry(name).or_default();
        e.0 += usize::from(hit);
        e.1 += 1;
    }
    fn ratio(&self, name: &str) -> f64 {
        self.0.get(name).map_or(
            1.0,
            |(h, t)| if *t == 0 { 1.0 } else { *h as f64 / *t as f64 },
        )
    }
    fn count(&self, name: &str) -> (usize, usize) {
        self.0.get(name).copied().unwrap_or_default()
    }
}

/// The amount in 万元 of `2000万元`, `8000万元人民币`, `200.5万元`.
fn wan(text: &str) -> Option<f64> {
    let digits: String = text
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if text[digits.len()..].starts_with('万') {
        digits.parse().ok()
    } else {
        None
    }
}

fn run_batch(set: &str, out: &Path) {
    let inbox = heldout_dir(set).join("inbox");
    let run = certsift(&[
        "run",
        inbox.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
        "--as-of",
        "2026-11-28",
    ]);
    assert!(
        run.status.code().is_some(),
        "run ended by a signal: {}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// The first set (`bundles/`): used to find classes of error while issue 10 was built, so no
/// longer unseen.
#[test]
fn heldout_bundles_score_against_an_independent_truth() {
    score_set("bundles", FLOORS_SEEN);
}

/// The second set (`bundles2/`): written after the first changes, by another hand; its
/// forbidden flags were looked at (other companies' licences inside the applicant's files).
#[test]
fn second_heldout_set_scores_against_its_truth() {
    score_set("bundles2", FLOORS_UNSEEN);
}

/// The third set (`bundles3/`): written last and scored once before any change made with it in
/// view (issue 10's closing note gives that first score); then its other companies' licences
/// and its table of contents were looked at.
#[test]
fn third_heldout_set_scores_against_its_truth() {
    score_set("bundles3", FLOORS_THIRD);
}

/// The fourth set (`bundles4/`): written by a helper that read no rules, code or other set's
/// texts, and scored before any rule change made with it in view.
#[test]
fn fourth_heldout_set_scores_against_its_truth() {
    score_set("bundles4", FLOORS_FOURTH);
}

/// The fifth set (`bundles5/`): written by a helper that read no rules, code or other set's
/// texts; scored blind (the figures only) after the round's first weak-tier changes, then its
/// errors were looked at to find classes (topic and comment, a manual taken for a list, a
/// 制度 read as one block, a licence whose name was missed, self-evaluation rows).
#[test]
fn fifth_heldout_set_scores_against_its_truth() {
    score_set("bundles5", FLOORS_FIFTH);
}

/// The sixth set (`bundles6/`): written by another helper, under the same rules, while the
/// fifth set's errors were being looked at; scored once, blind (the figures only), after every
/// change of that round; its errors were looked at in the next.
#[test]
fn sixth_heldout_set_scores_against_its_truth() {
    score_set("bundles6", FLOORS_SIXTH);
}

/// The seventh set (`bundles7/`): written by a helper that read no rules, code or other set's
/// texts, while this round's changes were being made on the sixth; scored once, blind (the
/// figures only), after them.
#[test]
fn seventh_heldout_set_scores_against_its_truth() {
    score_set("bundles7", FLOORS_SEVENTH);
}

/// The eighth set (`bundles8/`): written by a helper that read no rules, code or other set's
/// texts while the seventh's errors were being looked at; scored once, blind, after them.
#[test]
fn eighth_heldout_set_scores_against_its_truth() {
    score_set("bundles8", FLOORS_EIGHTH);
}

/// The ninth set (`bundles9/`): written by a helper that read no rules, code or other set's
/// texts, in a consultant's voice (long ISO-style manuals and procedures).
#[test]
fn ninth_heldout_set_scores_against_its_truth() {
    score_set("bundles9", FLOORS_NINTH);
}

/// The tenth set (`bundles10/`): written by a helper that read no rules, code or other set's
/// texts, in many hands of one firm (ledgers, notices, a brochure, an honest self-assessment).
#[test]
fn tenth_heldout_set_scores_against_its_truth() {
    score_set("bundles10", FLOORS_TENTH);
}

/// Floors: figure (as printed) → the value below which the test fails.
type Floors = [(&'static str, f64)];

/// The levels reached on the first set (issue 10's closing note, 2026-12-02; balanced accuracy
/// raised once a declaration of non-applicability stopped being its own evidence), a little
/// below.
const FLOORS_SEEN: &Floors = &[
    ("indicator balanced accuracy (4 statuses)", 0.89),
    ("truly missing reported missing", 0.8),
    ("evidence: no trap, indicator has some", 0.95),
    ("materials F1", 0.95),
    ("fields", 0.98),
    ("flag recall", 0.95),
    ("forbidden flags absent", 1.0),
    ("search recall@10", 0.93),
];
/// The levels reached on the second set, a little below.
const FLOORS_UNSEEN: &Floors = &[
    ("indicator balanced accuracy (4 statuses)", 0.93),
    ("truly missing reported missing", 0.95),
    ("evidence: no trap, indicator has some", 0.95),
    ("materials F1", 0.94),
    ("fields", 0.98),
    ("flag recall", 0.98),
    ("forbidden flags absent", 1.0),
    ("search recall@10", 0.85),
];
/// The levels reached on the third set, a little below.
const FLOORS_THIRD: &Floors = &[
    ("indicator balanced accuracy (4 statuses)", 0.88),
    ("truly missing reported missing", 0.95),
    ("evidence: no trap, indicator has some", 0.95),
    ("materials F1", 0.95),
    ("fields", 0.98),
    ("flag recall", 0.95),
    ("forbidden flags absent", 1.0),
    ("search recall@10", 0.85),
];

/// The levels reached on the fourth set, a little below. It was first measured before any
/// change made with it in view (balanced accuracy 0.821, missing 0.833, no-trap 0.922, materials
/// 0.805, fields 1.000, flag recall 0.875, forbidden absent 0.955, search 0.796); its org charts
/// typed as lines, profile sentences, signatures and negations were then looked at.
const FLOORS_FOURTH: &Floors = &[
    ("indicator balanced accuracy (4 statuses)", 0.92),
    ("truly missing reported missing", 0.95),
    ("evidence: no trap, indicator has some", 0.95),
    ("materials F1", 0.97),
    ("fields", 0.98),
    ("flag recall", 0.95),
    ("forbidden flags absent", 0.98),
    ("search recall@10", 0.87),
];

/// The levels reached on the fifth set, a little below. Scored blind once after this round's
/// first rule changes (balanced accuracy 0.697, missing 0.444, no-trap 0.889, materials 0.925,
/// fields 1.000, flag recall 1.000, forbidden absent 0.800, search 0.857; at the round's start
/// 0.682 and 0.444), then its errors were looked at.
const FLOORS_FIFTH: &Floors = &[
    ("indicator balanced accuracy (4 statuses)", 0.82),
    ("truly missing reported missing", 0.85),
    ("evidence: no trap, indicator has some", 0.93),
    ("materials F1", 0.93),
    ("fields", 0.98),
    ("flag recall", 0.95),
    ("forbidden flags absent", 0.95),
    ("search recall@10", 0.87),
];

/// The levels reached on the sixth set when it was scored, blind, after every change of the
/// round (at the round's start: balanced accuracy 0.692, missing 0.500, materials 0.915,
/// fields 0.967, forbidden absent 0.920, search 0.870; scored blind 0.779 balanced), a little
/// below the levels after the next round, which looked at its errors.
const FLOORS_SIXTH: &Floors = &[
    ("indicator balanced accuracy (4 statuses)", 0.96),
    ("truly missing reported missing", 0.95),
    ("evidence: no trap, indicator has some", 0.92),
    ("materials F1", 0.93),
    ("fields", 0.95),
    ("flag recall", 0.95),
    ("forbidden flags absent", 0.9),
    ("search recall@10", 0.85),
];

/// Blind (2026-12-04): balanced accuracy 0.813, truly missing 0.833, forbidden absent 0.909;
/// the floors are a little below the levels after the changes made with its errors in view.
const FLOORS_SEVENTH: &Floors = &[
    ("indicator balanced accuracy (4 statuses)", 0.95),
    ("truly missing reported missing", 0.95),
    ("evidence: no trap, indicator has some", 0.97),
    ("materials F1", 0.91),
    ("fields", 0.97),
    ("flag recall", 0.95),
    ("forbidden flags absent", 0.99),
    ("search recall@10", 0.83),
];

/// Blind (2026-12-04): balanced accuracy 0.540, truly missing 0.800, search 0.903; the floors
/// are a little below the levels after the changes made with its errors in view.
const FLOORS_EIGHTH: &Floors = &[
    ("indicator balanced accuracy (4 statuses)", 0.89),
    ("truly missing reported missing", 0.88),
    ("evidence: no trap, indicator has some", 0.92),
    ("materials F1", 0.88),
    ("fields", 0.97),
    ("flag recall", 0.95),
    ("forbidden flags absent", 0.92),
    ("search recall@10", 0.92),
];

/// Blind (2026-12-04, after the search change of e12ae7b): weak tier 0.692, balanced accuracy
/// 0.809, truly missing 0.444, evidence precision 0.730 (no trap 0.830), materials 0.857,
/// fields 1.000, flag recall 1.000, forbidden absent 0.895, search 0.973. Floors at the blind
/// levels until its errors have been looked at.
const FLOORS_NINTH: &Floors = &[
    ("indicator balanced accuracy (4 statuses)", 0.80),
    ("truly missing reported missing", 0.44),
    ("evidence: no trap, indicator has some", 0.82),
    ("materials F1", 0.85),
    ("fields", 0.97),
    ("flag recall", 0.95),
    ("forbidden flags absent", 0.89),
    ("search recall@10", 0.97),
];

/// Blind (2026-12-04, after the search change of e12ae7b): weak tier 0.643, balanced accuracy
/// 0.780, truly missing 0.714, evidence precision 0.722 (no trap 0.886), materials 0.708,
/// fields 1.000, flag recall 1.000, forbidden absent 0.947, search 1.000. Floors at the blind
/// levels until its errors have been looked at.
const FLOORS_TENTH: &Floors = &[
    ("indicator balanced accuracy (4 statuses)", 0.77),
    ("truly missing reported missing", 0.71),
    ("evidence: no trap, indicator has some", 0.88),
    ("materials F1", 0.70),
    ("fields", 0.97),
    ("flag recall", 0.95),
    ("forbidden flags absent", 0.94),
    ("search recall@10", 0.99),
];

fn score_set(set: &str, floors: &Floors) {
    let truth: toml::Table = std::fs::read_to_string(heldout_dir(set).join("truth.toml"))
        .expect("truth.toml")
        .parse()
        .expect("truth parses");
    let out = tempfile::tempdir().expect("tempdir");
    run_batch(set, out.path());
    println!("held-out set {set}:");
    let mut tally = Tally::default();
    // Per truth status: (reported that status, total).
    let mut per_status: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut lines: Vec<String> = Vec::new();
    let (mut mat_tp, mut mat_fp, mut mat_fn) = (0usize, 0usize, 0usize);
    for (id, expected) in truth["bundles"].as_table().expect("bundles") {
        let path = out.path().join("bundles").join(id).join("report.json");
        let report = read_json(&path);
        lines.push(format!("── {id}"));

        // Indicators (level 2: the ones reports carry) and their best three passages.
        let indicators = expected["indicators"].as_table().expect("indicators");
        for ind in report["indicators"].as_array().expect("indicators") {
            let iid = ind["id"].as_str().unwrap_or("");
            let Some(want) = indicators.get(iid) else {
                continue;
            };
            let want_status = want["status"].as_str().unwrap_or("");
            let got_status = ind["status"].as_str().unwrap_or("");
            let e = per_status
                .entry(
                    STATUSES
                        .iter()
                        .find(|s| **s == want_status)
                        .copied()
                        .unwrap_or("?"),
                )
                .or_default();
            e.0 += usize::from(want_status == got_status);
            e.1 += 1;
            tally.add(
                "found or missing",
                (want_status == "missing") == (got_status == "missing"),
            );
            if got_status == "weak" {
                tally.add("weak tier precision", want_status == "weak");
            }
            if want_status != got_status {
                lines.push(format!("   {iid}: {got_status}, truth {want_status}"));
            }
            let files = strings(want.get("files"));
            let traps = strings(want.get("trap"));
            for ev in ind["evidence"].as_array().into_iter().flatten().take(3) {
                let file = ev["file"].as_str().unwrap_or("");
                let text = ev["text"].as_str().unwrap_or("");
                let trapped = traps.iter().any(|t| text.contains(t.as_str()));
                let good = want_status != "missing" && files.iter().any(|f| f == file) && !trapped;
                tally.add("evidence (best 3)", good);
                tally.add(
                    "evidence (best 3, any file)",
                    want_status != "missing" && !trapped,
                );
                if !good {
                    let short: String = text.chars().take(40).collect();
                    let why = if trapped {
                        "trap"
                    } else {
                        "not a proving file"
                    };
                    lines.push(format!("   {iid} cites ({why}) {file}: {short}"));
                }
            }
        }

        // Materials.
        let got_present: BTreeSet<&str> = report["materials"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["status"] == "present")
            .filter_map(|m| m["id"].as_str())
            .collect();
        for (mid, m) in expected["materials"].as_table().expect("materials") {
            let want = m["status"].as_str() == Some("present");
            let got = got_present.contains(mid.as_str());
            match (want, got) {
                (true, true) => mat_tp += 1,
                (false, true) => mat_fp += 1,
                (true, false) => mat_fn += 1,
                (false, false) => {}
            }
            if want != got {
                lines.push(format!("   material {mid}: present {got}, truth {want}"));
            }
        }

        // Fields: the applicant's value per name (registered capital compared in 万元).
        let fields: Vec<&Value> = report["fields"].as_array().into_iter().flatten().collect();
        for (name, f) in expected["fields"].as_table().expect("fields") {
            let want = f["value"].as_str().unwrap_or("");
            let got: Vec<&str> = fields
                .iter()
                .filter(|x| {
                    x["name"].as_str().is_some_and(|n| {
                        n == name || (name == "registered_capital" && n.starts_with(name.as_str()))
                    })
                })
                .filter_map(|x| x["value"].as_str())
                .collect();
            let ok = got.iter().any(|g| {
                *g == want
                    || (name == "registered_capital" && wan(g).is_some() && wan(g) == wan(want))
            });
            tally.add("fields", ok);
            if !ok {
                lines.push(format!("   field {name}: {got:?}, truth {want}"));
            }
        }

        // Flags.
        let raised: BTreeSet<&str> = report["flags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["code"].as_str())
            .collect();
        // A scan the truth expects `needs_ocr` for may instead have been read by OCR (where an
        // engine is installed): the reviewer then has its text instead of the flag.
        let read_by_ocr = report["files"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["ocr"] == true && f["status"] == "ok");
        for code in strings(expected.get("flags")) {
            let ok = raised.contains(code.as_str()) || (code == "needs_ocr" && read_by_ocr);
            tally.add("flags raised", ok);
            if !ok {
                lines.push(format!("   flag {code} not raised"));
            }
        }
        for code in strings(expected.get("forbidden_flags")) {
            let ok = !raised.contains(code.as_str());
            tally.add("forbidden flags absent", ok);
            if !ok {
                lines.push(format!("   FORBIDDEN flag {code} raised"));
            }
        }
    }

    // Search: each auditor's query, the files it must find in the first ten hits.
    let index = out.path().join("index");
    for q in truth["queries"].as_array().expect("queries") {
        let query = q["query"].as_str().unwrap_or("");
        let bundle = q.get("bundle").and_then(|b| b.as_str());
        let mut args = vec![
            "search",
            "--index",
            index.to_str().expect("utf-8"),
            "--json",
        ];
        args.extend(["--limit", "10"]);
        if let Some(b) = bundle {
            args.extend(["--bundle", b]);
        }
        if let Some(c) = q.get("clause").and_then(|c| c.as_str()) {
            args.extend(["--clause", c]);
        }
        args.push(query);
        let hits = certsift(&args);
        // Each hit by its file, and without a bundle also as `<bundle>/<file>`: the truth names
        // a folder bundle's file by its folder (`lingchuan-cold/05 …`) and a zip member by its
        // path, which already begins with the zip (`woye-agri.zip!/…`).
        let found: BTreeSet<String> = String::from_utf8_lossy(&hits.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .flat_map(|h| {
                let file = h["file"].as_str().unwrap_or("").to_string();
                let in_bundle = format!("{}/{file}", h["bundle"].as_str().unwrap_or(""));
                match bundle {
                    Some(_) => vec![file],
                    None => vec![in_bundle, file],
                }
            })
            .collect();
        for file in strings(q.get("expect_files")) {
            let ok = found.contains(&file);
            tally.add("search recall@10", ok);
            if !ok {
                lines.push(format!("   search {query:?} {bundle:?} misses {file}"));
            }
        }
    }

    for line in &lines {
        println!("{line}");
    }
    let recalls: Vec<f64> = per_status
        .values()
        .filter(|(_, t)| *t > 0)
        .map(|(h, t)| *h as f64 / *t as f64)
        .collect();
    let balanced = recalls.iter().sum::<f64>() / recalls.len().max(1) as f64;
    for (status, (h, t)) in &per_status {
        println!("indicator {status:<9} reported as such {h}/{t}");
    }
    // The weak tier on its own (issue 10): of the indicators reported weak, how many are.
    let (weak_right, weak_reported) = tally.count("weak tier precision");
    println!(
        "weak tier precision                        {:.3} ({weak_right}/{weak_reported})",
        tally.ratio("weak tier precision")
    );
    let missing = per_status
        .get("missing")
        .map_or(1.0, |(h, t)| *h as f64 / (*t).max(1) as f64);
    let f1 = 2.0 * mat_tp as f64 / (2 * mat_tp + mat_fp + mat_fn).max(1) as f64;
    let figures = [
        ("indicator balanced accuracy (4 statuses)", balanced, 0.90),
        (
            "indicators found/missing right",
            tally.ratio("found or missing"),
            0.90,
        ),
        ("truly missing reported missing", missing, 0.85),
        (
            "evidence precision (best 3)",
            tally.ratio("evidence (best 3)"),
            0.90,
        ),
        (
            "evidence: no trap, indicator has some",
            tally.ratio("evidence (best 3, any file)"),
            0.90,
        ),
        ("materials F1", f1, 0.95),
        ("fields", tally.ratio("fields"), 0.95),
        ("flag recall", tally.ratio("flags raised"), 0.90),
        (
            "forbidden flags absent",
            tally.ratio("forbidden flags absent"),
            1.0,
        ),
        ("search recall@10", tally.ratio("search recall@10"), 0.95),
    ];
    for &(name, value, goal) in &figures {
        let counts = match name {
            "evidence precision (best 3)" => Some(tally.count("evidence (best 3)")),
            "evidence: no trap, indicator has some" => {
                Some(tally.count("evidence (best 3, any file)"))
            }
            "fields" => Some(tally.count("fields")),
            "search recall@10" => Some(tally.count("search recall@10")),
            _ => None,
        };
        let counts = counts.map_or(String::new(), |(h, t)| format!(" ({h}/{t})"));
        println!("{name:<42} {value:.3}{counts}  goal {goal:.2}");
    }
    let below: Vec<String> = floors
        .iter()
        .filter_map(|(name, floor)| {
            let value = figures
                .iter()
                .find(|(n, ..)| n == name)
                .map(|(_, v, _)| *v)
                .unwrap_or_else(|| panic!("a floor for an unknown figure: {name}"));
            (value < *floor).then(|| format!("{name}: {value:.3} < {floor:.2}"))
        })
        .collect();
    assert!(below.is_empty(), "below the floor:\n{}", below.join("\n"));
}
