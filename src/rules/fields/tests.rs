//! Field rules against their own examples, layouts seen in real bundles, and the three fixture
//! bundles against `fixtures/truth.toml`.

use super::extract::check_field_examples;
use super::*;
use crate::model::{
    Bundle, Document, FieldValue, FileKind, FileStatus, Location, MaterialId, Passage,
};
use crate::rules::checks::cross_checks;
use crate::rules::testing::default_rules;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn rules() -> Vec<FieldRule> {
    default_rules()
        .field_rules
        .iter()
        .map(|f| f.value.clone())
        .collect()
}

fn compiled() -> CompiledFields {
    default_rules().fields().clone()
}

#[test]
fn every_example_yields_its_value() {
    for rule in rules() {
        assert!(rule.examples.len() >= 2, "{} needs two examples", rule.name);
    }
    let r = default_rules();
    let (count, problems) = check_field_examples(&r.fields, &r.field_rules);
    assert!(count >= 26, "{count} examples");
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "{}", text.join("\n"));
}

#[test]
fn a_failing_example_names_its_file_and_line() {
    let mut field_rules = default_rules().field_rules.clone();
    field_rules[0].value.examples[0].value = "另一家公司".into();
    let (_, problems) = check_field_examples(&default_rules().fields, &field_rules);
    assert_eq!(problems.len(), 1);
    let text = problems[0].to_string();
    assert!(
        text.starts_with(&format!(
            "fields.toml:{}: field `company_name`",
            field_rules[0].line
        )),
        "{text}"
    );
}

fn values(c: &CompiledFields, text: &str, name: &str) -> Vec<String> {
    c.extract_text(text)
        .into_iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v)
        .collect()
}

#[test]
fn licence_block_with_many_label_lines() {
    let c = compiled();
    let block = "统一社会信用代码    91320505MA1XH7K24N\n名称    苏州华信智能家电有限公司\n类型    有限责任公司（自然人投资或控股）\n法定代表人    陈志远\n注册资本    捌仟万元整\n成立日期    2009年06月18日\n营业期限    2009年06月18日 至 长期\n住所    苏州高新区珠江路588号";
    let got = c.extract_text(block);
    let get = |n: &str| got.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    assert_eq!(get("uscc"), Some("91320505MA1XH7K24N"));
    assert_eq!(get("company_name"), Some("苏州华信智能家电有限公司"));
    assert_eq!(get("legal_representative"), Some("陈志远"));
    assert_eq!(get("registered_capital"), Some("捌仟万元整"));
    assert_eq!(get("registered_capital_normalized"), Some("8000万元人民币"));
    assert_eq!(get("established_on"), Some("2009-06-18"));
    assert_eq!(get("license_valid_until"), Some("长期"));
}

#[test]
fn label_tails_of_longer_words_are_not_labels() {
    let c = compiled();
    assert!(values(&c, "产品名称分体挂壁式房间空调器", "company_name").is_empty());
    assert!(
        values(
            &c,
            "网点名称 | 苏州华信智能家电有限公司苏州服务中心",
            "company_name"
        )
        .is_empty()
    );
    assert!(
        values(
            &c,
            "检验单位：江苏苏测检验检测有限公司（统一社会信用代码：91320505MA1XH7K24N）",
            "uscc"
        )
        .is_empty()
    );
}

#[test]
fn block_whose_layout_spaces_were_lost() {
    let c = compiled();
    let got = c.extract_text("法定代表人陈志远注册资本捌仟万元整成立日期2009年06月18日");
    assert!(
        got.contains(&("legal_representative".into(), "陈志远".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("registered_capital".into(), "捌仟万元整".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("established_on".into(), "2009-06-18".into())),
        "{got:?}"
    );
}

#[test]
fn full_width_and_spaced_forms() {
    let c = compiled();
    assert_eq!(
        values(&c, "法定代表人：　陈　志　远", "legal_representative"),
        vec!["陈志远"]
    );
    assert_eq!(
        values(&c, "名称：鼎盛机电（北京）科技有限公司", "company_name"),
        vec!["鼎盛机电（北京）科技有限公司"]
    );
    assert_eq!(
        values(&c, "成立日期：２０１６年９月８日", "established_on"),
        vec!["2016-09-08"]
    );
    assert_eq!(
        values(&c, "成立日期 2026 年 5 月 1 日", "established_on"),
        vec!["2026-05-01"]
    );
    // A letter-spaced label glued to its value, and the next one glued to that value.
    assert_eq!(
        values(
            &c,
            "名    称青岛某跃器材有限公司类    型有限责任公司",
            "company_name"
        ),
        vec!["青岛某跃器材有限公司"]
    );
}

fn doc(path: &str, passages: Vec<Passage>) -> Document {
    Document {
        path: path.into(),
        sha256: path.into(),
        bytes: 10,
        kind: FileKind::Docx,
        declared_kind: Some(FileKind::Docx),
        status: FileStatus::Ok,
        error: None,
        passages,
        ocr_pages: vec![],
        ocr: false,
        pages: None,
        notes: vec![],
    }
}

use crate::rules::testing::table_cell as cell;

#[test]
fn docx_table_label_and_value_in_adjacent_cells() {
    let bundle = Bundle {
        id: "b".into(),
        documents: vec![doc(
            "企业简介.docx",
            vec![
                cell("统一社会信用代码", 0, 0),
                cell("91110114MA01DT8N7W", 0, 1),
                cell("名称", 1, 0),
                cell("鼎盛机电（北京）科技有限公司", 1, 1),
                cell("法定代表人", 2, 0),
                cell("赵国华", 2, 1),
                cell("营业期限", 3, 0),
                cell("2006年04月12日 至 2026年04月11日", 3, 1),
                // A header row: the next cell is another header, not a value.
                cell("负责人", 4, 0),
                cell("联系电话", 4, 1),
            ],
        )],
    };
    let all = extract(&bundle, &compiled(), &BTreeMap::new());
    let get = |n: &str| {
        all.iter()
            .filter(|f| f.name == n)
            .map(|f| f.value.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(get("uscc"), vec!["91110114MA01DT8N7W"]);
    assert_eq!(get("company_name"), vec!["鼎盛机电（北京）科技有限公司"]);
    assert_eq!(get("legal_representative"), vec!["赵国华"]);
    assert_eq!(get("license_valid_until"), vec!["2026-04-11"]);
}

#[test]
fn certificate_fields_share_a_group() {
    let bundle = Bundle {
        id: "b".into(),
        documents: vec![doc(
            "证书/ISO9001证书.pdf",
            vec![
                Passage::new("证书编号：11725Q30418R1S", Location::page(1)),
                Passage::new(
                    "兹证明：鼎盛机电（北京）科技有限公司天津分公司\n发证日期：2024年03月21日    有效期至：2027年03月20日",
                    Location::page(1),
                ),
            ],
        )],
    };
    let certificates = BTreeMap::from([(
        "证书/ISO9001证书.pdf".to_string(),
        vec![MaterialId("certificates".into())],
    )]);
    let all = extract(&bundle, &compiled(), &certificates);
    let groups: BTreeSet<Option<u32>> = all
        .iter()
        .filter(|f| f.name.starts_with("certificate_"))
        .map(|f| f.group)
        .collect();
    assert_eq!(groups.len(), 1, "{all:?}");
    assert!(
        all.iter()
            .any(|f| f.name == "certificate_valid_until" && f.value == "2027-03-20")
    );
    assert!(
        all.iter()
            .any(|f| f.name == "certificate_holder" && f.value.to_string().ends_with("天津分公司"))
    );
}

// ---- fixtures -------------------------------------------------------------------------------

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Precision/recall over the three bundles: applicant field values (value and normalised
/// capital) and `(flag code, file)` pairs; `optional_flags` count neither way; `material_missing`
/// is the lead's and is skipped.
#[test]
fn fixture_bundles_match_truth() {
    let truth: toml::Table = std::fs::read_to_string(fixtures().join("truth.toml"))
        .expect("truth.toml")
        .parse()
        .expect("truth parses");
    let as_of: chrono::NaiveDate = truth["as_of"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("as_of");
    let bundles = truth["bundles"].as_table().expect("bundles");
    let compiled = compiled();
    let (mut all_ok, mut report) = (true, String::new());
    for (id, b) in bundles {
        let path = fixtures()
            .join("inbox")
            .join(b["path"].as_str().expect("path"));
        let bundle =
            crate::ingest::read_bundle(&path, &crate::ingest::Limits::default()).expect("bundle");
        let mut fm: BTreeMap<String, Vec<MaterialId>> = BTreeMap::new();
        for (mid, m) in b["materials"].as_table().expect("materials") {
            for f in strings(m.get("files")) {
                fm.entry(f).or_default().push(MaterialId(mid.clone()));
            }
        }
        for d in &bundle.documents {
            fm.entry(d.path.clone()).or_default();
        }
        let all = extract(&bundle, &compiled, &fm);
        let applicant = applicant_fields(&all, &fm);
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        let mut misses = Vec::new();
        for (name, want) in b["fields"].as_table().expect("fields") {
            let mut wanted = vec![(
                name.clone(),
                want["value"].as_str().unwrap_or_default().to_string(),
            )];
            if let Some(n) = want.get("normalized").and_then(|v| v.as_str()) {
                wanted.push((format!("{name}_normalized"), n.to_string()));
            }
            for (n, v) in wanted {
                match applicant.iter().find(|f| f.name == n) {
                    Some(f) if f.value == v.as_str() => tp += 1,
                    Some(f) => {
                        fp += 1;
                        fn_ += 1;
                        misses.push(format!("{n}: got {} ({}), want {v}", f.value, f.file));
                    }
                    None => {
                        fn_ += 1;
                        misses.push(format!("{n}: missing, want {v}"));
                    }
                }
            }
        }
        let flags = cross_checks(&bundle, &all, &fm, as_of, default_rules().catalog());
        let pairs = |key: &str| -> BTreeSet<(String, String)> {
            b.get(key)
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .filter(|f| f["code"].as_str() != Some("material_missing"))
                .flat_map(|f| {
                    let code = f["code"].as_str().unwrap_or_default().to_string();
                    strings(f.get("files"))
                        .into_iter()
                        .map(move |file| (code.clone(), file))
                })
                .collect()
        };
        let expected = pairs("flags");
        let optional = pairs("optional_flags");
        let produced: BTreeSet<(String, String)> = flags
            .iter()
            .flat_map(|f| f.files.iter().map(|file| (f.code.clone(), file.clone())))
            .collect();
        let ftp = produced.intersection(&expected).count();
        let extra: Vec<_> = produced
            .difference(&expected)
            .filter(|p| !optional.contains(p))
            .collect();
        let missed: Vec<_> = expected.difference(&produced).collect();
        let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        report.push_str(&format!(
            "{id}: fields P={:.2} R={:.2} ({tp}/{}) | flags P={:.2} R={:.2} ({ftp}/{})\n  field misses: {misses:?}\n  extra flags: {extra:?}\n  missed flags: {missed:?}\n",
            ratio(tp, tp + fp),
            ratio(tp, tp + fn_),
            tp + fn_,
            ratio(ftp, ftp + extra.len()),
            ratio(ftp, expected.len()),
            expected.len()
        ));
        for f in &flags {
            report.push_str(&format!(
                "    flag {} {:?}: {}\n",
                f.code, f.severity, f.message
            ));
        }
        // Fields of an image-only licence cannot be read; everything else must be right.
        all_ok &=
            ratio(tp, tp + fp) >= 0.95 && extra.is_empty() && ratio(ftp, expected.len()) >= 0.85;
    }
    println!("{report}");
    assert!(all_ok, "{report}");
}

/// The example that documented `compile`.
#[test]
fn example_of_compile() {
    use crate::rules::fields::{FieldRule, Kind, compile};
    let rule = FieldRule {
        name: "legal_representative".into(),
        labels: vec!["法定代表人".into()],
        kind: Kind::Person,
        title: None,
        describes: Default::default(),
        normalized: None,
        materials: vec![],
        examples: vec![],
        only_in_materials: false,
        not_after: vec![],
        ocr_shapes: vec![],
        seal_marks: vec![],
    };
    let compiled = compile(&[rule], &["经营范围".to_string()]).unwrap();
    assert_eq!(
        compiled.extract_text("法定代表人陈志远经营范围家用电器")[0].1,
        "陈志远"
    );
}

// ---- licence terms in every layout ------------------------------------------------------------

/// The licence term read from one document of `営业执照.pdf`-like passages (the file is the
/// licence, as the classifier would say).
fn licence_term(passages: Vec<Passage>) -> Vec<String> {
    let bundle = Bundle {
        id: "b".into(),
        documents: vec![doc("营业执照.pdf", passages)],
    };
    let licence = BTreeMap::from([(
        "营业执照.pdf".to_string(),
        vec![MaterialId("business_license".into())],
    )]);
    extract(&bundle, &compiled(), &licence)
        .into_iter()
        .filter(|f| f.name == "license_valid_until")
        .map(|f| f.value.to_string())
        .collect()
}

fn paragraph(text: &str, paragraph: u32) -> Passage {
    Passage::new(
        text,
        Location::Paragraph {
            part: crate::model::Part::Body,
            paragraph,
        },
    )
}

fn line(text: &str, line: u32) -> Passage {
    Passage::new(text, Location::line(line))
}

/// The start of a term printed on its own line is never its end: each of these layouts, as
/// the PDF, Word and text readers give them, states the end on a later line or cell.
#[test]
fn licence_term_split_over_lines_cells_and_paragraphs_gives_the_end() {
    let want = vec!["2045-05-31".to_string()];
    let layouts: Vec<(&str, Vec<Passage>)> = vec![
        (
            "PDF block, label and value on three lines",
            vec![Passage::new(
                "营业期限\n2015年06月01日至\n2045年05月31日",
                Location::page(1),
            )],
        ),
        (
            "PDF, the end in the next block of the page",
            vec![
                Passage::new("营业期限  2015年06月01日至", Location::page(1)),
                Passage::new("2045年05月31日", Location::page(1)),
            ],
        ),
        (
            "Word paragraphs",
            vec![
                paragraph("营业期限", 4),
                paragraph("2015年06月01日至", 5),
                paragraph("2045年05月31日", 6),
            ],
        ),
        (
            "text lines, 至 on the second line",
            vec![
                line("营业期限：2015年06月01日", 7),
                line("至2045年05月31日", 8),
            ],
        ),
        (
            "two-column table, the value wrapped inside its cell",
            vec![
                cell("营业期限", 3, 0),
                cell("2015年06月01日至\n2045年05月31日", 3, 1),
            ],
        ),
        (
            "two-column table, the end in the row below",
            vec![
                cell("营业期限", 3, 0),
                cell("2015年06月01日至", 3, 1),
                cell("2045年05月31日", 4, 1),
            ],
        ),
        (
            "full-width digits, spaced",
            vec![paragraph(
                "营业期限　　２０１５年０６月０１日　至　２０４５年０５月３１日",
                2,
            )],
        ),
    ];
    for (layout, passages) in layouts {
        assert_eq!(licence_term(passages), want, "{layout}");
    }
}

#[test]
fn licence_term_with_only_a_start_yields_no_end() {
    for passages in [
        vec![paragraph("营业期限自2015年06月01日", 1)],
        vec![paragraph("营业期限", 1), paragraph("2015年06月01日至", 2)],
        vec![
            paragraph("营业期限", 1),
            paragraph("2015年06月01日至", 2),
            paragraph("登记机关 成都市市场监督管理局", 3),
        ],
    ] {
        assert_eq!(
            licence_term(passages.clone()),
            Vec::<String>::new(),
            "{passages:?}"
        );
    }
}

#[test]
fn licence_term_open_ended_words() {
    for (text, want) in [
        ("营业期限 2015年06月01日至长期", "长期"),
        ("营业期限 自2015年06月01日至永久", "长期"),
        ("营业期限 2015年06月01日 至 无固定期限", "长期"),
        ("营业期限 长期", "长期"),
    ] {
        assert_eq!(
            licence_term(vec![paragraph(text, 1)]),
            vec![want.to_string()],
            "{text}"
        );
    }
    // Two licence labels on two lines: 营业期限自 states the start, 营业期限至 the end.
    assert_eq!(
        licence_term(vec![
            paragraph("营业期限自 2015年06月01日", 1),
            paragraph("营业期限至 2045年05月31日", 2),
        ]),
        vec!["2045-05-31".to_string()]
    );
}

// ---- codes read by OCR ------------------------------------------------------------------------

/// The `field` values of a file `name` of `material` whose one passage is `text`, read by OCR
/// or typed.
fn one_passage_fields(
    name: &str,
    material: &str,
    field: &str,
    text: &str,
    by_ocr: bool,
) -> Vec<FieldValue> {
    let mut passage = Passage::new(text, Location::page(1));
    if by_ocr {
        passage.ocr_confidence = Some(0.8);
    }
    let bundle = Bundle {
        id: "b".into(),
        documents: vec![doc(name, vec![passage])],
    };
    let materials = BTreeMap::from([(name.to_string(), vec![MaterialId(material.into())])]);
    extract(&bundle, &compiled(), &materials)
        .into_iter()
        .filter(|f| f.name == field)
        .collect()
}

/// The USCC fields of a licence whose one passage is `text`.
fn uscc_fields(text: &str, by_ocr: bool) -> Vec<FieldValue> {
    one_passage_fields("营业执照.jpg", "business_license", "uscc", text, by_ocr)
}

/// OCR's `MAIX` for `MA1X` is repaired by the check character and says so; the same code typed
/// is the applicant's to correct and stays invalid.
#[test]
fn an_ocr_misread_uscc_is_repaired_by_its_check_character_and_a_typed_one_is_not() {
    let text = "统一社会信用代码 91320505MAIXH7K24N";
    let read = uscc_fields(text, true);
    assert_eq!(read.len(), 1, "{read:?}");
    assert_eq!(read[0].value.to_string(), "91320505MA1XH7K24N");
    assert_eq!(read[0].valid, Some(true));
    assert!(
        read[0].note.as_deref().is_some_and(|n| n.contains("I→1")),
        "{read:?}"
    );

    let typed = uscc_fields(text, false);
    assert_eq!(typed[0].value.to_string(), "91320505MAIXH7K24N");
    assert_eq!(typed[0].valid, Some(false));
    assert_eq!(typed[0].note, None);

    let unrepairable = uscc_fields("统一社会信用代码 91110114MA01DT8N74", true);
    assert_eq!(unrepairable[0].valid, Some(false));
    assert!(
        unrepairable[0]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("请对照原件"))
    );
}

/// The certificate numbers of a certificate whose one passage is `text`.
fn certificate_numbers(text: &str, by_ocr: bool) -> Vec<FieldValue> {
    one_passage_fields(
        "质量管理体系认证证书.jpg",
        "certificates",
        "certificate_number",
        text,
        by_ocr,
    )
}

/// OCR's `R0S` read as `ROS` breaks the management-system numbering scheme (`ocr_shapes` in
/// `rules/fields.toml`), which has a digit there: corrected, and the field says so. Typed, or of
/// a scheme of the body's own, the number is kept as written.
#[test]
fn an_ocr_misread_certificate_number_is_put_right_by_its_numbering_scheme() {
    let read = certificate_numbers("证书编号：27519Q20463ROM", true);
    assert_eq!(read.len(), 1, "{read:?}");
    assert_eq!(read[0].value.to_string(), "27519Q20463R0M");
    assert!(
        read[0].note.as_deref().is_some_and(|n| n.contains("O→0")),
        "{read:?}"
    );
    let typed = certificate_numbers("证书编号：27519Q20463ROM", false);
    assert_eq!(typed[0].value.to_string(), "27519Q20463ROM");
    assert_eq!(typed[0].note, None);
    let own_scheme = certificate_numbers("证书编号：SHFW-2O25-0317", true);
    assert_eq!(own_scheme[0].value.to_string(), "SHFW-2O25-0317");
    assert_eq!(own_scheme[0].note, None);
}

/// A scheme whose example is not corrected to its value is refused when the rules compile.
#[test]
fn an_ocr_shape_whose_example_fails_is_refused() {
    use crate::rules::fields::{FieldRule, Kind, OcrShape, OcrShapeExample, compile};
    let rule = |pattern: &str| FieldRule {
        name: "certificate_number".into(),
        labels: vec!["证书编号".into()],
        kind: Kind::CertificateNumber,
        title: None,
        describes: Default::default(),
        normalized: None,
        materials: vec![],
        examples: vec![],
        only_in_materials: false,
        not_after: vec![],
        ocr_shapes: vec![OcrShape {
            name: "scheme".into(),
            pattern: pattern.into(),
            examples: vec![OcrShapeExample {
                read: "AB1O".into(),
                value: "AB10".into(),
            }],
        }],
        seal_marks: vec![],
    };
    assert!(compile(&[rule("^[A-Z]{2}[0-9]{2}$")], &[]).is_ok());
    let wrong = compile(&[rule("^[A-Z]{4}$")], &[]).map(|_| ()).unwrap_err();
    assert!(wrong.to_string().contains("AB1O"), "{wrong}");
    assert!(
        compile(&[rule("[A-Z]{2}[0-9]{2}")], &[]).is_err(),
        "unanchored"
    );
}
