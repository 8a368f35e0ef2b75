//! Cross-file checks: expired licence or certificates, USCC check and consistency, name
//! consistency, duplicate files, mislabelled extensions, files that could not be read.
//!
//! Severities come from the catalog ([`Catalog::severity`]); the codes, fields and materials
//! named here are spelt once, in [`crate::rules::names`].

use crate::model::{Bundle, FieldValue, FileKind, FileStatus, Flag, Location, MaterialId};
use crate::rules::catalog::Catalog;
use crate::rules::fields::values::name_key;
use crate::rules::fields::{applicant_fields, materials_of};
use crate::rules::names::{field, flag, material};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// Every flag this module raises, in a stable order: file-status flags, duplicates, extension
/// mismatches, then field checks. `fields` is every occurrence from
/// [`crate::rules::fields::extract`].
pub fn cross_checks(
    bundle: &Bundle,
    fields: &[FieldValue],
    file_materials: &BTreeMap<String, Vec<MaterialId>>,
    as_of: NaiveDate,
    catalog: &Catalog,
) -> Vec<Flag> {
    let mut flags = Vec::new();
    let mut raise = |code: &str, message: String, files: Vec<String>| {
        flags.push(Flag {
            code: code.to_string(),
            severity: catalog.severity(code),
            message,
            files,
        });
    };
    file_flags(bundle, &mut raise);

    // Duplicates: same bytes twice (empty files are reported as empty, not as duplicates).
    let mut by_hash: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for d in &bundle.documents {
        if d.bytes > 0 {
            by_hash
                .entry(d.sha256.as_str())
                .or_default()
                .push(d.path.clone());
        }
    }
    for files in by_hash.into_values().filter(|f| f.len() > 1) {
        let message = format!(
            "同一文件重复提交 {} 次：{}；请只保留一份 (the same content {} times; keep one copy)",
            files.len(),
            files.join("、"),
            files.len()
        );
        raise(flag::DUPLICATE_FILE, message, files);
    }

    for d in &bundle.documents {
        if let Some(declared) = d.declared_kind
            && d.status != FileStatus::Empty
            && !compatible(declared, d.kind)
        {
            raise(
                flag::EXTENSION_MISMATCH,
                format!(
                    "{}：文件名为 .{declared}，内容却是 {}；请申请人按真实类型重新提交 (the name says .{declared} but the content is {}; ask for the file under its real type)",
                    d.path, d.kind, d.kind
                ),
                vec![d.path.clone()],
            );
        }
    }

    let licence_files: Vec<&str> = bundle
        .documents
        .iter()
        .filter(|d| has_material(&d.path, &[LICENCE], file_materials))
        .map(|d| d.path.as_str())
        .collect();
    field_flags(&licence_files, fields, file_materials, as_of, &mut raise);
    flags
}

fn file_flags(bundle: &Bundle, raise: &mut impl FnMut(&str, String, Vec<String>)) {
    for d in &bundle.documents {
        let why = d.error.clone().unwrap_or_default();
        let (code, advice) = match d.status {
            FileStatus::Ok => {
                if !d.ocr_pages.is_empty() {
                    let pages: Vec<String> = d.ocr_pages.iter().map(u32::to_string).collect();
                    raise(
                        flag::NEEDS_OCR,
                        format!(
                            "{}：第 {} 页没有文字层，请目视核对或 OCR 识别 (page(s) {} have no text layer; read them by eye or OCR them)",
                            d.path,
                            pages.join("、"),
                            pages.join(", ")
                        ),
                        vec![d.path.clone()],
                    );
                }
                continue;
            }
            FileStatus::NeedsOcr => (
                flag::NEEDS_OCR,
                "没有文字层（扫描件），请目视核对或 OCR 识别 (no text layer, a scan: check it by eye or OCR it)",
            ),
            FileStatus::Encrypted => (
                flag::ENCRYPTED,
                "文件有密码保护，请申请人提供未加密的副本 (password-protected: ask the applicant for an unprotected copy)",
            ),
            FileStatus::Corrupt => (
                flag::UNREADABLE,
                "文件已损坏或与其类型不符，请申请人重新提交 (damaged or not what it claims to be: ask for the file again)",
            ),
            FileStatus::Unsupported => (
                flag::UNSUPPORTED_FORMAT,
                "certsift 不读取此格式，请申请人提供 .docx 或 PDF，或自行转换 (a format certsift does not read: ask for .docx or PDF, or convert it)",
            ),
            FileStatus::Empty => (
                flag::EMPTY_FILE,
                "文件没有内容，请申请人重新提交 (no content: ask for the file again)",
            ),
            FileStatus::LimitExceeded => (
                flag::LIMIT_EXCEEDED,
                "超出大小、时间或页数限制，请人工核对或放宽限制 (hit a size, time or page limit: check it by hand or raise the limit)",
            ),
        };
        let message = if why.is_empty() {
            format!("{}：{advice}", d.path)
        } else {
            format!("{}：{advice}；{why}", d.path)
        };
        raise(code, message, vec![d.path.clone()]);
    }
}

/// Kinds that may legitimately differ from the extension's claim: text is text, a WPS/ET or
/// LibreOffice file saved under a Microsoft extension is still read.
fn compatible(declared: FileKind, actual: FileKind) -> bool {
    use FileKind::*;
    declared == actual
        || matches!(
            (declared, actual),
            (Csv, Txt)
                | (Txt, Csv)
                | (Xls, Xlsx)
                | (Xlsx, Xls)
                | (Doc, Docx)
                | (Docx, Doc)
                | (_, Unknown)
        )
}

const LICENCE: &str = material::BUSINESS_LICENSE;
/// Files that state the applicant's identity: a USCC there is the applicant's.
const HOLDER_FILES: [&str; 4] = [
    material::BUSINESS_LICENSE,
    material::CERTIFICATES,
    material::PERMITS,
    material::ORG_PROFILE,
];

fn has_material(file: &str, ids: &[&str], fm: &BTreeMap<String, Vec<MaterialId>>) -> bool {
    materials_of(file, fm)
        .iter()
        .any(|m| ids.contains(&m.0.as_str()))
}

/// Two locations in the same file within a few paragraphs, lines or rows, or on the same page
/// or table: a USCC there belongs to the name there.
pub(crate) fn near(a: &Location, b: &Location) -> bool {
    match (a, b) {
        (Location::Page { page: x, .. }, Location::Page { page: y, .. }) => x == y,
        (Location::OcrLine { page: x, .. }, Location::OcrLine { page: y, .. }) => x == y,
        (Location::Picture { picture: x, .. }, Location::Picture { picture: y, .. }) => x == y,
        (
            Location::Paragraph {
                paragraph: x,
                part: p,
            },
            Location::Paragraph {
                paragraph: y,
                part: q,
            },
        ) => p == q && x.abs_diff(*y) <= 3,
        (Location::Line { line: x, .. }, Location::Line { line: y, .. }) => x.abs_diff(*y) <= 3,
        (
            Location::TableCell {
                table: t, part: p, ..
            },
            Location::TableCell {
                table: u, part: q, ..
            },
        ) => t == u && p == q,
        (Location::SheetCell { sheet: s, .. }, Location::SheetCell { sheet: t, .. }) => s == t,
        (Location::File {}, Location::File {}) => true,
        // A slide is read like a page: its text and its notes each one place.
        (
            Location::Slide {
                slide: x, notes: n, ..
            },
            Location::Slide {
                slide: y, notes: m, ..
            },
        ) => x == y && n == m,
        _ => false,
    }
}

fn field_flags(
    licence_files: &[&str],
    fields: &[FieldValue],
    fm: &BTreeMap<String, Vec<MaterialId>>,
    as_of: NaiveDate,
    raise: &mut impl FnMut(&str, String, Vec<String>),
) {
    let applicant = applicant_fields(fields, fm);
    let pick = |name: &str| applicant.iter().find(|f| f.name == name);

    // Licence term: every file stating an ended 营业期限.
    let mut expired: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
    for f in fields
        .iter()
        .filter(|f| f.name == field::LICENSE_VALID_UNTIL)
    {
        if let Some(end) = f.value.date()
            && end < as_of
        {
            let files = expired.entry(end).or_default();
            if !files.contains(&f.file) {
                files.push(f.file.clone());
            }
        }
    }
    // A licence file that yielded no term (a scan) is named too: the flag is about it, and
    // the reviewer has to read the date on it by eye.
    let unread_licences: Vec<String> = licence_files
        .iter()
        .filter(|f| {
            !fields
                .iter()
                .any(|x| x.name == field::LICENSE_VALID_UNTIL && x.file == **f)
        })
        .map(|f| f.to_string())
        .collect();
    for (end, mut files) in expired {
        let mut message = format!(
            "营业期限至 {end}，早于审查日期 {as_of}；请申请人提供换发后的营业执照 (the licence term ended before the review date; ask for the renewed licence)"
        );
        if !unread_licences.is_empty() {
            message.push_str(&format!(
                "；期限读自 {}，请在执照原件上核对：{} (the term was read from another file; check it on the licence itself)",
                files.join("、"),
                unread_licences.join("、")
            ));
            files.extend(unread_licences.iter().cloned());
        }
        raise(flag::LICENSE_EXPIRED, message, files);
    }

    // Certificates and permits, one flag per certificate (group).
    let mut seen: BTreeSet<(String, NaiveDate)> = BTreeSet::new();
    for f in fields
        .iter()
        .filter(|f| f.name == field::CERTIFICATE_VALID_UNTIL)
    {
        let Some(end) = f.value.date() else {
            continue;
        };
        if end >= as_of || !seen.insert((f.file.clone(), end)) {
            continue;
        }
        let number = fields
            .iter()
            .find(|g| g.name == field::CERTIFICATE_NUMBER && g.file == f.file && g.group == f.group)
            .map(|g| format!("（证书编号 {}）", g.value))
            .unwrap_or_default();
        raise(
            flag::CERTIFICATE_EXPIRED,
            format!(
                "{}{number}：有效期至 {end}，早于审查日期 {as_of}；请申请人提供换发后的证书 (the certificate expired before the review date; ask for the renewed certificate)",
                f.file
            ),
            vec![f.file.clone()],
        );
    }

    // USCC check failures: manual review, not rejection (pilot-region codes fail legally).
    let mut invalid: BTreeMap<String, (Vec<String>, Option<&str>)> = BTreeMap::new();
    for f in fields
        .iter()
        .filter(|f| f.name == field::USCC && f.valid == Some(false))
    {
        let (files, note) = invalid.entry(f.value.to_string()).or_default();
        if !files.contains(&f.file) {
            files.push(f.file.clone());
        }
        if note.is_none() {
            *note = f.note.as_deref();
        }
    }
    for (code, (files, note)) in invalid {
        let how = note.map(|n| format!("；{n}")).unwrap_or_default();
        raise(
            flag::USCC_INVALID,
            format!(
                "统一社会信用代码 {code}：校验位不符（人工核验）{how}；请与营业执照原件核对 (the check character is wrong: compare it with the licence)"
            ),
            files,
        );
    }

    // Names in applicant or holder positions.
    let names: Vec<&FieldValue> = fields
        .iter()
        .filter(|f| f.name == field::COMPANY_NAME || f.name == field::CERTIFICATE_HOLDER)
        .collect();

    // USCCs for the applicant: in licence/certificate/permit/profile files, or next to a name
    // in an applicant position. A lab's or supplier's code elsewhere is never compared.
    let applicant_usccs: Vec<&FieldValue> = fields
        .iter()
        .filter(|f| f.name == field::USCC)
        .filter(|f| {
            has_material(&f.file, &HOLDER_FILES, fm)
                || names
                    .iter()
                    .any(|n| n.file == f.file && near(&n.location, &f.location))
        })
        .collect();
    let distinct: BTreeSet<String> = applicant_usccs
        .iter()
        .map(|f| f.value.to_string())
        .collect();
    if distinct.len() > 1 {
        let mut files: Vec<String> = Vec::new();
        let mut parts = Vec::new();
        for code in &distinct {
            let in_files: Vec<&str> = applicant_usccs
                .iter()
                .filter(|f| f.value == code.as_str())
                .map(|f| f.file.as_str())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            parts.push(format!("{code}（{}）", in_files.join("、")));
            for f in in_files {
                if !files.iter().any(|x| x == f) {
                    files.push(f.to_string());
                }
            }
        }
        raise(
            flag::USCC_MISMATCH,
            format!(
                "申请人的统一社会信用代码在各文件中不一致：{} (the applicant's USCC differs across files)",
                parts.join("；")
            ),
            files,
        );
    }

    // Names: compare with the applicant's (licence first) after folding widths and brackets.
    if let Some(reference) = pick(field::COMPANY_NAME).or_else(|| pick(field::CERTIFICATE_HOLDER)) {
        let key = name_key(&reference.value.to_string());
        let mut differing: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for n in &names {
            let name = n.value.to_string();
            if name_key(&name) != key {
                let files = differing.entry(name).or_default();
                if !files.contains(&n.file) {
                    files.push(n.file.clone());
                }
            }
        }
        if !differing.is_empty() {
            let mut files: Vec<String> = Vec::new();
            let mut parts = Vec::new();
            for (name, in_files) in &differing {
                let what = if name_key(name).starts_with(&key) && name.ends_with("分公司") {
                    "（分公司，另一法律主体 a branch, a different legal entity）"
                } else {
                    ""
                };
                parts.push(format!("「{name}」{what}见于 {}", in_files.join("、")));
                for f in in_files {
                    if !files.contains(f) {
                        files.push(f.clone());
                    }
                }
            }
            let source = if has_material(&reference.file, &[LICENCE], fm) {
                "营业执照"
            } else {
                "申请人常用名称"
            };
            raise(
                flag::NAME_MISMATCH,
                format!(
                    "{source}上的名称为「{}」（{}），但{}；请核实以哪个主体申请 (the names differ: check which entity applies)",
                    reference.value,
                    reference.file,
                    parts.join("; ")
                ),
                files,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Severity};

    /// The checks with the built-in catalog, each file given the material its name says (as
    /// the classifier would: these tests are about the checks, not about classifying).
    fn cross_checks(
        b: &Bundle,
        fields: &[FieldValue],
        _: &BTreeMap<String, Vec<MaterialId>>,
        as_of: NaiveDate,
    ) -> Vec<Flag> {
        let catalog = crate::rules::testing::default_rules().catalog();
        super::cross_checks(b, fields, &materials_by_name(b, fields), as_of, catalog)
    }

    fn materials_by_name(b: &Bundle, fields: &[FieldValue]) -> BTreeMap<String, Vec<MaterialId>> {
        let files = b
            .documents
            .iter()
            .map(|d| d.path.as_str())
            .chain(fields.iter().map(|f| f.file.as_str()));
        files
            .map(|file| {
                let material = if file.contains("营业执照") {
                    Some(material::BUSINESS_LICENSE)
                } else if file.contains("证书") {
                    Some(material::CERTIFICATES)
                } else {
                    None
                };
                let ids = material.map(|m| MaterialId(m.to_string())).into_iter();
                (file.to_string(), ids.collect())
            })
            .collect()
    }

    fn fv(name: &str, value: &str, file: &str, paragraph: u32) -> FieldValue {
        FieldValue {
            name: name.into(),
            value: crate::model::Value::parse(value),
            file: file.into(),
            location: Location::Paragraph {
                part: crate::model::Part::Body,
                paragraph,
            },
            valid: (name == "uscc").then(|| crate::rules::fields::uscc::uscc_check(value)),
            group: None,
            note: None,
        }
    }

    fn doc(path: &str, sha: &str, kind: FileKind, declared: Option<FileKind>) -> Document {
        Document {
            path: path.into(),
            sha256: sha.into(),
            bytes: 3,
            kind,
            declared_kind: declared,
            status: FileStatus::Ok,
            error: None,
            passages: vec![],
            ocr_pages: vec![],
            ocr: false,
            pages: None,
            notes: vec![],
        }
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn codes(flags: &[Flag]) -> Vec<&str> {
        flags.iter().map(|f| f.code.as_str()).collect()
    }

    fn bundle(docs: Vec<Document>) -> Bundle {
        Bundle {
            id: "t".into(),
            documents: docs,
        }
    }

    #[test]
    fn bracket_width_is_not_a_name_mismatch_but_a_branch_is() {
        let b = bundle(vec![]);
        let same = [
            fv(
                "company_name",
                "鼎盛机电（北京）科技有限公司",
                "营业执照.pdf",
                0,
            ),
            fv(
                "company_name",
                "鼎盛机电(北京)科技有限公司",
                "申请书.docx",
                0,
            ),
        ];
        assert!(cross_checks(&b, &same, &BTreeMap::new(), date("2026-11-28")).is_empty());
        let branch = [
            fv(
                "company_name",
                "鼎盛机电（北京）科技有限公司",
                "营业执照.pdf",
                0,
            ),
            fv(
                "certificate_holder",
                "鼎盛机电（北京）科技有限公司天津分公司",
                "ISO9001证书.pdf",
                0,
            ),
            fv("company_name", "鼎盛机电（北京）有限公司", "说明.docx", 1),
        ];
        let flags = cross_checks(&b, &branch, &BTreeMap::new(), date("2026-11-28"));
        assert_eq!(codes(&flags), vec!["name_mismatch"]);
        let mut files = flags[0].files.clone();
        files.sort();
        assert_eq!(files, vec!["ISO9001证书.pdf", "说明.docx"]);
        assert!(flags[0].message.contains("分公司"));
    }

    #[test]
    fn a_labs_uscc_far_from_the_applicant_is_not_compared() {
        let b = bundle(vec![]);
        let fields = [
            fv(
                "company_name",
                "苏州华信智能家电有限公司",
                "营业执照.pdf",
                0,
            ),
            fv("uscc", "91320505MA1XH7K24N", "营业执照.pdf", 1),
            // In an inspection report, far from any applicant name: a lab's.
            fv("uscc", "91110105MA01BCDE8E", "检验报告.pdf", 40),
        ];
        assert!(cross_checks(&b, &fields, &BTreeMap::new(), date("2026-11-28")).is_empty());
    }

    #[test]
    fn expiry_is_strictly_before_the_review_date() {
        let b = bundle(vec![]);
        let on_day = [fv("license_valid_until", "2026-11-28", "营业执照.pdf", 0)];
        assert!(cross_checks(&b, &on_day, &BTreeMap::new(), date("2026-11-28")).is_empty());
        let open = [fv("license_valid_until", "长期", "营业执照.pdf", 0)];
        assert!(cross_checks(&b, &open, &BTreeMap::new(), date("2026-11-28")).is_empty());
        let before = [
            fv("license_valid_until", "2025-06-30", "营业执照.pdf", 0),
            fv(
                "certificate_valid_until",
                "2026-09-14",
                "证书/ISO9001认证证书.pdf",
                0,
            ),
        ];
        let flags = cross_checks(&b, &before, &BTreeMap::new(), date("2026-11-28"));
        assert_eq!(
            codes(&flags),
            vec!["license_expired", "certificate_expired"]
        );
        assert!(
            flags[0]
                .message
                .starts_with("营业期限至 2025-06-30，早于审查日期 2026-11-28")
        );
        assert_eq!(flags[0].severity, Severity::Error);
    }

    #[test]
    fn duplicates_and_extensions() {
        let b = bundle(vec![
            doc("a.pdf", "x", FileKind::Pdf, Some(FileKind::Pdf)),
            doc("b.pdf", "x", FileKind::Pdf, Some(FileKind::Pdf)),
            doc("c.pdf", "y", FileKind::Docx, Some(FileKind::Pdf)),
            doc("d.txt", "z", FileKind::Csv, Some(FileKind::Txt)),
        ]);
        let flags = cross_checks(&b, &[], &BTreeMap::new(), date("2026-11-28"));
        assert_eq!(codes(&flags), vec!["duplicate_file", "extension_mismatch"]);
        assert_eq!(flags[1].files, vec!["c.pdf"]);
    }

    #[test]
    fn file_status_flags_name_the_file_and_what_to_do() {
        let mut d = doc("审计报告.pdf", "e", FileKind::Pdf, Some(FileKind::Pdf));
        d.status = FileStatus::Encrypted;
        let flags = cross_checks(&bundle(vec![d]), &[], &BTreeMap::new(), date("2026-11-28"));
        assert_eq!(codes(&flags), vec!["encrypted"]);
        assert!(flags[0].message.contains("审计报告.pdf") && flags[0].message.contains("请申请人"));
    }

    #[test]
    fn severities_come_from_the_catalog() {
        let mut catalog = crate::rules::testing::default_rules().catalog().clone();
        let b = bundle(vec![
            doc("a.pdf", "x", FileKind::Pdf, None),
            doc("b.pdf", "x", FileKind::Pdf, None),
        ]);
        let run = |catalog: &Catalog| {
            super::cross_checks(&b, &[], &BTreeMap::new(), date("2026-11-28"), catalog)
        };
        assert_eq!(run(&catalog)[0].severity, Severity::Info);
        for f in &mut catalog.flags {
            if f.code == flag::DUPLICATE_FILE {
                f.severity = Severity::Warning;
            }
        }
        assert_eq!(run(&catalog)[0].severity, Severity::Warning);
    }
}
