//! The names by which code refers to what `rules/` defines: the flags it raises, the fields it
//! reads, the materials it looks for. This is the one place they are spelt in Rust; everything
//! else the rules define (severities, labels, titles, which fields describe a certificate) is
//! read from the TOML.
//!
//! Compiling the rules checks these lists against the catalog and `fields.toml` (see
//! [`super::compile`]): a flag, field or material renamed in the TOML then fails
//! `certsift rules check` with the file and line, instead of silently switching a check off.

use super::fields::Kind;

/// Flag codes.
pub mod flag {
    /// 营业期限 ended before the review date.
    pub const LICENSE_EXPIRED: &str = "license_expired";
    /// A certificate's validity ended before the review date.
    pub const CERTIFICATE_EXPIRED: &str = "certificate_expired";
    /// A USCC fails its GB 32100 check character.
    pub const USCC_INVALID: &str = "uscc_invalid";
    /// The applicant's USCC differs across files.
    pub const USCC_MISMATCH: &str = "uscc_mismatch";
    /// The applicant's name differs across files.
    pub const NAME_MISMATCH: &str = "name_mismatch";
    /// The same bytes submitted twice.
    pub const DUPLICATE_FILE: &str = "duplicate_file";
    /// The extension does not say what the content is.
    pub const EXTENSION_MISMATCH: &str = "extension_mismatch";
    /// Pages or files without a text layer.
    pub const NEEDS_OCR: &str = "needs_ocr";
    /// Password-protected.
    pub const ENCRYPTED: &str = "encrypted";
    /// Damaged or not what it claims to be.
    pub const UNREADABLE: &str = "unreadable";
    /// A format certsift does not read.
    pub const UNSUPPORTED_FORMAT: &str = "unsupported_format";
    /// No content.
    pub const EMPTY_FILE: &str = "empty_file";
    /// A size, time or page limit was hit.
    pub const LIMIT_EXCEEDED: &str = "limit_exceeded";
    /// A catalog material not found in the bundle.
    pub const MATERIAL_MISSING: &str = "material_missing";
    /// A licence, certificate or report of another company, set aside.
    pub const OTHER_PARTY_DOCUMENT: &str = "other_party_document";
}

/// Field names.
pub mod field {
    /// 名称 / 申请单位.
    pub const COMPANY_NAME: &str = "company_name";
    /// 统一社会信用代码.
    pub const USCC: &str = "uscc";
    /// 法定代表人.
    pub const LEGAL_REPRESENTATIVE: &str = "legal_representative";
    /// 营业期限 (its end).
    pub const LICENSE_VALID_UNTIL: &str = "license_valid_until";
    /// 证书编号.
    pub const CERTIFICATE_NUMBER: &str = "certificate_number";
    /// 持证单位 / 证书持有人.
    pub const CERTIFICATE_HOLDER: &str = "certificate_holder";
    /// A certificate's 有效期至.
    pub const CERTIFICATE_VALID_UNTIL: &str = "certificate_valid_until";
    /// A test report's 委托单位.
    pub const REPORT_CLIENT: &str = "report_client";
}

/// Material ids.
pub mod material {
    /// 营业执照.
    pub const BUSINESS_LICENSE: &str = "business_license";
    /// 生产/服务许可证或资格证书.
    pub const PERMITS: &str = "permits";
    /// 已获认证证书.
    pub const CERTIFICATES: &str = "certificates";
    /// 组织情况介绍.
    pub const ORG_PROFILE: &str = "org_profile";
}

/// Every flag the code raises: each must be in the catalog (which gives its severity), and the
/// catalog may hold no other.
pub const FLAGS_RAISED: &[&str] = &[
    flag::UNREADABLE,
    flag::ENCRYPTED,
    flag::NEEDS_OCR,
    flag::UNSUPPORTED_FORMAT,
    flag::EMPTY_FILE,
    flag::LIMIT_EXCEEDED,
    flag::EXTENSION_MISMATCH,
    flag::DUPLICATE_FILE,
    flag::MATERIAL_MISSING,
    flag::LICENSE_EXPIRED,
    flag::CERTIFICATE_EXPIRED,
    flag::USCC_INVALID,
    flag::USCC_MISMATCH,
    flag::NAME_MISMATCH,
    flag::OTHER_PARTY_DOCUMENT,
];

/// Every field the code reads by name, the kind it must have, and what reads it.
pub const FIELDS_READ: &[(&str, Kind, &str)] = &[
    (field::COMPANY_NAME, Kind::Company, "name checks, summary"),
    (field::USCC, Kind::Uscc, "USCC checks, summary"),
    (
        field::LEGAL_REPRESENTATIVE,
        Kind::Person,
        "terminal summary",
    ),
    (
        field::LICENSE_VALID_UNTIL,
        Kind::ValidityEnd,
        "licence expiry",
    ),
    (
        field::CERTIFICATE_NUMBER,
        Kind::CertificateNumber,
        "certificate grouping and expiry messages",
    ),
    (field::CERTIFICATE_HOLDER, Kind::Company, "name checks"),
    (
        field::CERTIFICATE_VALID_UNTIL,
        Kind::ValidityEnd,
        "certificate expiry",
    ),
    (
        field::REPORT_CLIENT,
        Kind::Company,
        "whose test report it is",
    ),
];

/// Every material the code looks for by id, and why.
pub const MATERIALS_READ: &[(&str, &str)] = &[
    (
        material::BUSINESS_LICENSE,
        "the applicant's fields and licence expiry",
    ),
    (
        material::PERMITS,
        "documents that copy the applicant's identity",
    ),
    (
        material::CERTIFICATES,
        "documents that copy the applicant's identity",
    ),
    (
        material::ORG_PROFILE,
        "documents that copy the applicant's identity",
    ),
];
