//! The workbench's pages: each handler looks up what the batch wrote, builds a plain view
//! struct (every label already in Chinese, every link already made) and renders it with an
//! embedded minijinja template, HTML auto-escaping on. Work that touches files, the index or
//! the database runs on tokio's blocking pool under a time limit.

use super::App;
use super::export::{self, ReviewRow};
use super::out::{OutError, fingerprint};
use super::render;
use super::store::{Decision, Kind, NewDecision, Verdict};
use super::web::{self, percent_encode};
use crate::index::{Filters, Hit, PassageRef};
use crate::model::{IndicatorFinding, Location};
use crate::report::html::highlight::{Segment, match_ranges};
use crate::report::html::{
    field_label, file_status, indicator_status, location_label, material_status, name_of, severity,
};
use crate::report::json::{BundleReport, FileEntry};
use crate::report::triage::{RowState, Summary};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Environment, context};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

/// Longest a page may take (a search over a large index, a page render) before the browser
/// is told to try again.
const PAGE_TIME: Duration = Duration::from_secs(20);

/// Hits per search page.
const PER_PAGE: usize = 20;

/// Passages shown on each side of a cited one.
const AROUND: u64 = 3;

/// Queries one batch search may carry.
const MAX_BATCH_QUERIES: usize = 200;

/// Hits per query in a batch search's CSV.
const BATCH_HITS: usize = 20;

/// Longest comment kept, in characters.
const MAX_COMMENT: usize = 2000;

/// Evidence items linked per indicator on the bundle page.
const EVIDENCE_SHOWN: usize = 5;

/// The embedded templates. The `.html` names turn auto-escaping on.
const TEMPLATES: [(&str, &str); 6] = [
    (
        "layout.html",
        include_str!("../../templates/workbench/layout.html"),
    ),
    (
        "triage.html",
        include_str!("../../templates/workbench/triage.html"),
    ),
    (
        "bundle.html",
        include_str!("../../templates/workbench/bundle.html"),
    ),
    (
        "evidence.html",
        include_str!("../../templates/workbench/evidence.html"),
    ),
    (
        "search.html",
        include_str!("../../templates/workbench/search.html"),
    ),
    (
        "batch.html",
        include_str!("../../templates/workbench/batch.html"),
    ),
];

/// Static files: the one script and the one stylesheet (no CDN, no build step).
const ASSETS: [(&str, &str, &str); 2] = [
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../templates/workbench/app.js"),
    ),
    (
        "workbench.css",
        "text/css; charset=utf-8",
        include_str!("../../templates/workbench/workbench.css"),
    ),
];

/// The templates, parsed once. A template that does not parse is a bug the tests catch.
pub(super) fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!("workbench template {name}: {e}");
        }
    }
    env
}

// ---------------------------------------------------------------------------------------------
// Plumbing
// ---------------------------------------------------------------------------------------------

/// What every page's frame needs: the reviewer, the CSRF token for its forms, and where the
/// reviewer form returns to.
#[derive(Debug, Serialize)]
struct Frame {
    reviewer: Option<String>,
    csrf: String,
    back: String,
    #[serde(skip)]
    set_cookie: Option<String>,
}

impl Frame {
    fn new(headers: &HeaderMap, back: String) -> Frame {
        let (csrf, set_cookie) = web::csrf(headers);
        Frame {
            reviewer: web::reviewer(headers),
            csrf,
            back,
            set_cookie,
        }
    }
}

/// Renders `template` with the frame and the page's view.
fn html(app: &App, template: &str, frame: &Frame, view: impl Serialize) -> Response {
    let rendered = app
        .templates
        .get_template(template)
        .and_then(|t| t.render(context! { frame => frame, page => view }));
    match rendered {
        Ok(body) => {
            let mut response =
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
            if let Some(cookie) = &frame.set_cookie
                && let Ok(value) = HeaderValue::from_str(cookie)
            {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(e) => web::error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("页面模板出错：{e} (template error)"),
        ),
    }
}

/// Runs `work` on the blocking pool, within [`PAGE_TIME`].
async fn blocking(work: impl FnOnce() -> Response + Send + 'static) -> Response {
    match tokio::time::timeout(PAGE_TIME, tokio::task::spawn_blocking(work)).await {
        Ok(Ok(response)) => response,
        Ok(Err(_)) => web::error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "处理请求时出错 (the request failed)",
        ),
        Err(_) => web::error_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "请求超时，请缩小查询范围后重试 (the request took too long)",
        ),
    }
}

fn out_error(e: &OutError) -> Response {
    let status = match e {
        OutError::NotFound(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    web::error_page(status, &e.to_string())
}

/// The summary and bundle `id`'s report.
fn load(app: &App, id: &str) -> Result<(Summary, BundleReport), OutError> {
    let summary = app.out.summary()?;
    let report = app.out.report(&summary, id)?;
    Ok((summary, report))
}

/// A link to bundle `id`'s page (or below it).
fn bundle_href(id: &str) -> String {
    format!("/bundle/{}", percent_encode(id))
}

/// A link to a passage shown in context.
fn passage_href(bundle: &str, file: &str, location: &Location) -> String {
    let location = serde_json::to_string(location).unwrap_or_default();
    format!(
        "{}/passage?file={}&loc={}",
        bundle_href(bundle),
        percent_encode(file),
        percent_encode(&location)
    )
}

/// Plain and marked pieces of `text` from sorted, disjoint byte ranges.
fn segments(text: &str, ranges: &[Range<usize>]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = 0;
    for range in ranges {
        let (Some(before), Some(marked)) = (text.get(at..range.start), text.get(range.clone()))
        else {
            continue;
        };
        if !before.is_empty() {
            out.push(Segment {
                text: before.to_owned(),
                marked: false,
            });
        }
        out.push(Segment {
            text: marked.to_owned(),
            marked: true,
        });
        at = range.end;
    }
    if let Some(rest) = text.get(at..)
        && !rest.is_empty()
    {
        out.push(Segment {
            text: rest.to_owned(),
            marked: false,
        });
    }
    out
}

/// At most `max` characters of `text`, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Triage
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct TriageView {
    as_of: String,
    tool_version: String,
    totals: crate::report::triage::Totals,
    rows: Vec<TriageRow>,
}

#[derive(Debug, Serialize)]
struct TriageRow {
    bundle: String,
    href: String,
    state: &'static str,
    state_label: &'static str,
    blocked: bool,
    blockers: Vec<String>,
    applicant: String,
    uscc: String,
    uscc_valid: Option<bool>,
    required: String,
    required_present: usize,
    supported: usize,
    weak: usize,
    missing: usize,
    errors: usize,
    warnings: usize,
    files_not_ok: usize,
    score: String,
    score_value: f64,
    band: String,
    decisions: usize,
    message: String,
}

/// `GET /`: the triage summary, sortable and filterable in the page.
pub(super) async fn triage(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    blocking(move || {
        let frame = Frame::new(&headers, "/".into());
        let summary = match app.out.summary() {
            Ok(summary) => summary,
            Err(e) => return out_error(&e),
        };
        // One query for every row's count, not one per bundle.
        let decided = app.store.decision_counts().unwrap_or_default();
        let rows = summary
            .bundles
            .iter()
            .map(|row| {
                let (state, state_label) = match (row.state, row.blocked) {
                    (RowState::Failed, _) => ("failed", "处理失败"),
                    (RowState::Withdrawn, _) => ("withdrawn", "已撤回"),
                    (RowState::Assessed, true) => ("blocked", "受阻"),
                    (RowState::Assessed, false) => ("ready", "可评审"),
                };
                TriageRow {
                    bundle: row.bundle.clone(),
                    href: bundle_href(&row.bundle),
                    state,
                    state_label,
                    blocked: row.blocked || row.state == RowState::Failed,
                    blockers: row.blockers.clone(),
                    applicant: row.applicant.clone().unwrap_or_default(),
                    uscc: row.uscc.clone().unwrap_or_default(),
                    uscc_valid: row.uscc_valid,
                    required: format!("{}/{}", row.required_present, row.required_total),
                    required_present: row.required_present,
                    supported: row.indicators.supported,
                    weak: row.indicators.weak,
                    missing: row.indicators.missing,
                    errors: row.errors,
                    warnings: row.warnings,
                    files_not_ok: row.files_not_ok,
                    score: format!("{:.0}", row.estimated_score),
                    score_value: row.estimated_score,
                    band: row.estimated_band.clone(),
                    decisions: decided.get(&row.bundle).copied().unwrap_or(0),
                    message: row.message.clone().unwrap_or_default(),
                }
            })
            .collect();
        let view = TriageView {
            as_of: summary.as_of.clone(),
            tool_version: summary.tool_version.clone(),
            totals: summary.totals,
            rows,
        };
        html(&app, "triage.html", &frame, view)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Reviewer
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub(super) struct ReviewerForm {
    reviewer: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    back: String,
}

/// A path inside the workbench to return to (`/…`, never `//host` or a scheme).
fn safe_back(back: &str) -> String {
    if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') {
        back.to_owned()
    } else {
        "/".to_owned()
    }
}

/// `POST /reviewer`: remembers the reviewer's name in a cookie.
pub(super) async fn set_reviewer(headers: HeaderMap, Form(form): Form<ReviewerForm>) -> Response {
    if !web::csrf_ok(&headers, &form.csrf) {
        return csrf_refused();
    }
    let name: String = form.reviewer.trim().chars().take(40).collect();
    if name.is_empty() {
        return web::error_page(
            StatusCode::BAD_REQUEST,
            "请填写评审人姓名 (a name is needed)",
        );
    }
    let cookie = format!(
        "{}={}; Path=/; SameSite=Strict; Max-Age=31536000",
        web::REVIEWER_COOKIE,
        percent_encode(&name)
    );
    let mut response = Redirect::to(&safe_back(&form.back)).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn csrf_refused() -> Response {
    web::error_page(
        StatusCode::FORBIDDEN,
        "表单已失效（缺少或不匹配的 CSRF 令牌），请刷新页面后重试 (missing or wrong CSRF token)",
    )
}

// ---------------------------------------------------------------------------------------------
// Bundle
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct BundleView {
    id: String,
    as_of: String,
    score: String,
    band: String,
    export_href: String,
    decision_href: String,
    verdicts: Vec<VerdictOption>,
    fields: Vec<FieldRow>,
    flags: Vec<ItemRow>,
    materials: Vec<ItemRow>,
    groups: Vec<GroupView>,
    files: Vec<FileRow>,
    audit: Vec<AuditView>,
}

#[derive(Debug, Serialize)]
struct VerdictOption {
    code: &'static str,
    label: &'static str,
}

#[derive(Debug, Serialize)]
struct FieldRow {
    label: String,
    value: String,
    valid: Option<bool>,
    note: String,
    file: String,
    place: String,
    href: String,
}

#[derive(Debug, Serialize)]
struct GroupView {
    id: String,
    name: String,
    items: Vec<ItemRow>,
}

/// An indicator, material or flag with its evidence links and decision.
#[derive(Debug, Serialize)]
struct ItemRow {
    kind: &'static str,
    target: String,
    anchor: String,
    name: String,
    status: &'static str,
    status_label: &'static str,
    detail: String,
    files: Vec<FileLink>,
    evidence: Vec<EvidenceLink>,
    more_evidence: usize,
    decision: Option<DecisionView>,
    seen: String,
}

#[derive(Debug, Serialize)]
struct FileLink {
    href: String,
    path: String,
}

#[derive(Debug, Serialize)]
struct EvidenceLink {
    href: String,
    file: String,
    place: String,
    text: String,
}

#[derive(Debug, Serialize)]
struct DecisionView {
    code: &'static str,
    label: &'static str,
    comment: String,
    reviewer: String,
    at: String,
    changed: bool,
}

#[derive(Debug, Serialize)]
struct FileRow {
    href: String,
    path: String,
    kind: String,
    status: &'static str,
    status_label: &'static str,
    error: String,
    passages: usize,
    ocr: bool,
}

#[derive(Debug, Serialize)]
struct AuditView {
    at: String,
    reviewer: String,
    item: String,
    old: &'static str,
    new: &'static str,
    comment: String,
}

/// The items of a report that decisions can be about, with their fingerprints.
struct Items<'a> {
    indicators: Vec<(&'a IndicatorFinding, String)>,
    materials: Vec<(&'a crate::model::MaterialFinding, String)>,
    /// Flag key (`code`, or `code#2` for the second flag with that code) and fingerprint.
    flags: Vec<(&'a crate::model::Flag, String, String)>,
}

impl<'a> Items<'a> {
    fn of(report: &'a BundleReport) -> Items<'a> {
        let indicators = report
            .indicators
            .iter()
            .map(|finding| {
                let mut parts = vec![indicator_status(finding.status).0.to_owned()];
                for e in &finding.evidence {
                    parts.push(e.file.clone());
                    parts.push(serde_json::to_string(&e.location).unwrap_or_default());
                    parts.push(e.text.clone());
                }
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                (finding, fingerprint(&parts))
            })
            .collect();
        let materials = report
            .materials
            .iter()
            .map(|m| {
                let mut parts = vec![material_status(m.status).0];
                parts.extend(m.files.iter().map(String::as_str));
                (m, fingerprint(&parts))
            })
            .collect();
        let mut seen_codes: std::collections::HashMap<&str, usize> = Default::default();
        let flags = report
            .flags
            .iter()
            .map(|flag| {
                let n = seen_codes.entry(flag.code.as_str()).or_default();
                *n += 1;
                let key = if *n == 1 {
                    flag.code.clone()
                } else {
                    format!("{}#{n}", flag.code)
                };
                let mut parts = vec![severity(flag.severity).0, flag.message.as_str()];
                parts.extend(flag.files.iter().map(String::as_str));
                (flag, key, fingerprint(&parts))
            })
            .collect();
        Items {
            indicators,
            materials,
            flags,
        }
    }

    /// The current fingerprint of item `target` of `kind`, if the report has it.
    fn fingerprint(&self, kind: Kind, target: &str) -> Option<&str> {
        match kind {
            Kind::Indicator => self
                .indicators
                .iter()
                .find(|(f, _)| f.id.0 == target)
                .map(|(_, fp)| fp.as_str()),
            Kind::Material => self
                .materials
                .iter()
                .find(|(m, _)| m.id.0 == target)
                .map(|(_, fp)| fp.as_str()),
            Kind::Flag => self
                .flags
                .iter()
                .find(|(_, key, _)| key == target)
                .map(|(_, _, fp)| fp.as_str()),
        }
    }
}

fn decision_view(
    decisions: &[Decision],
    kind: Kind,
    target: &str,
    now: &str,
) -> Option<DecisionView> {
    decisions
        .iter()
        .find(|d| d.kind == kind && d.target == target)
        .map(|d| DecisionView {
            code: d.verdict.code(),
            label: d.verdict.label(),
            comment: d.comment.clone(),
            reviewer: d.reviewer.clone(),
            at: d.at.clone(),
            changed: d.fingerprint != now,
        })
}

/// Links to the files of `paths` that the report lists, each shown from its start.
fn file_links(report: &BundleReport, paths: &[String]) -> Vec<FileLink> {
    paths
        .iter()
        .map(|path| FileLink {
            href: report
                .files
                .iter()
                .position(|f| &f.path == path)
                .map(|n| format!("{}/file/{n}", bundle_href(&report.bundle)))
                .unwrap_or_default(),
            path: path.clone(),
        })
        .collect()
}

fn anchor(kind: Kind, target: &str) -> String {
    let safe: String = target
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{}-{safe}", kind.code())
}

/// `GET /bundle/{id}`: fields, flags, materials, the indicator tree, files, decisions.
pub(super) async fn bundle(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    blocking(move || {
        let frame = Frame::new(&headers, bundle_href(&id));
        let (_, report) = match load(&app, &id) {
            Ok(loaded) => loaded,
            Err(e) => return out_error(&e),
        };
        let decisions = app.store.decisions(&report.bundle).unwrap_or_default();
        let audit = app.store.audit(&report.bundle).unwrap_or_default();
        let view = bundle_view(&app, &report, &decisions, &audit);
        html(&app, "bundle.html", &frame, view)
    })
    .await
}

fn bundle_view(
    app: &App,
    report: &BundleReport,
    decisions: &[Decision],
    audit: &[super::store::AuditEntry],
) -> BundleView {
    let names = &app.names;
    let id = report.bundle.as_str();
    let items = Items::of(report);
    let fields = report
        .fields
        .iter()
        .map(|f| FieldRow {
            label: field_label(names, &f.name).to_owned(),
            value: f.value.to_string(),
            valid: f.valid,
            note: f.note.clone().unwrap_or_default(),
            file: f.file.clone(),
            place: location_label(&f.location),
            href: passage_href(id, &f.file, &f.location),
        })
        .collect();
    let flags = items
        .flags
        .iter()
        .map(|(flag, key, fp)| {
            let (class, label) = severity(flag.severity);
            ItemRow {
                kind: Kind::Flag.code(),
                target: key.clone(),
                anchor: anchor(Kind::Flag, key),
                name: flag.code.clone(),
                status: class,
                status_label: label,
                detail: flag.message.clone(),
                files: file_links(report, &flag.files),
                evidence: Vec::new(),
                more_evidence: 0,
                decision: decision_view(decisions, Kind::Flag, key, fp),
                seen: fp.clone(),
            }
        })
        .collect();
    let materials = items
        .materials
        .iter()
        .map(|(m, fp)| {
            let (class, label) = material_status(m.status);
            ItemRow {
                kind: Kind::Material.code(),
                target: m.id.0.clone(),
                anchor: anchor(Kind::Material, &m.id.0),
                name: name_of(names, &m.id.0).to_owned(),
                status: class,
                status_label: label,
                detail: String::new(),
                files: file_links(report, &m.files),
                evidence: Vec::new(),
                more_evidence: 0,
                decision: decision_view(decisions, Kind::Material, &m.id.0, fp),
                seen: fp.clone(),
            }
        })
        .collect();
    let mut groups: Vec<GroupView> = Vec::new();
    for (finding, fp) in &items.indicators {
        let id2 = finding.id.0.as_str();
        let level1 = id2.rsplit_once('.').map_or(id2, |(head, _)| head);
        if groups.last().is_none_or(|g| g.id != level1) {
            groups.push(GroupView {
                id: level1.to_owned(),
                name: name_of(names, level1).to_owned(),
                items: Vec::new(),
            });
        }
        let (class, label) = indicator_status(finding.status);
        let evidence = finding
            .evidence
            .iter()
            .take(EVIDENCE_SHOWN)
            .enumerate()
            .map(|(n, e)| EvidenceLink {
                href: format!("{}/evidence/{}/{n}", bundle_href(id), percent_encode(id2)),
                file: e.file.clone(),
                place: location_label(&e.location),
                text: cut(&e.text, 80),
            })
            .collect();
        if let Some(group) = groups.last_mut() {
            group.items.push(ItemRow {
                kind: Kind::Indicator.code(),
                target: id2.to_owned(),
                anchor: anchor(Kind::Indicator, id2),
                name: name_of(names, id2).to_owned(),
                status: class,
                status_label: label,
                detail: String::new(),
                files: Vec::new(),
                evidence,
                more_evidence: finding.evidence.len().saturating_sub(EVIDENCE_SHOWN),
                decision: decision_view(decisions, Kind::Indicator, id2, fp),
                seen: fp.clone(),
            });
        }
    }
    let files = report
        .files
        .iter()
        .enumerate()
        .map(|(n, f)| {
            let (status, status_label) = file_status(f.status);
            FileRow {
                href: format!("{}/file/{n}", bundle_href(id)),
                path: f.path.clone(),
                kind: f.kind.as_str().to_owned(),
                status,
                status_label,
                error: f.error.clone().unwrap_or_default(),
                passages: f.passages,
                ocr: f.ocr,
            }
        })
        .collect();
    let item_name = |kind: Kind, target: &str| match kind {
        Kind::Indicator => format!("指标 {target} {}", name_of(names, target)),
        Kind::Material => format!("材料 {}", name_of(names, target)),
        Kind::Flag => format!("问题 {target}"),
    };
    let audit = audit
        .iter()
        .map(|a| AuditView {
            at: a.at.clone(),
            reviewer: a.reviewer.clone(),
            item: item_name(a.kind, &a.target),
            old: a.old.map_or("（无）", Verdict::label),
            new: a.new.label(),
            comment: a.comment.clone(),
        })
        .collect();
    BundleView {
        id: id.to_owned(),
        as_of: report.as_of.clone(),
        score: format!("{:.0}", report.coverage.estimated_score),
        band: report.coverage.estimated_band.clone(),
        export_href: format!("{}/export.xlsx", bundle_href(id)),
        decision_href: format!("{}/decision", bundle_href(id)),
        verdicts: Verdict::ALL
            .iter()
            .map(|v| VerdictOption {
                code: v.code(),
                label: v.label(),
            })
            .collect(),
        fields,
        flags,
        materials,
        groups,
        files,
        audit,
    }
}

// ---------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub(super) struct DecisionForm {
    kind: String,
    target: String,
    decision: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    seen: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /bundle/{id}/decision`: records a decision and returns to the item.
pub(super) async fn decide(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> Response {
    if !web::csrf_ok(&headers, &form.csrf) {
        return csrf_refused();
    }
    let Some(reviewer) = web::reviewer(&headers) else {
        return web::error_page(
            StatusCode::BAD_REQUEST,
            "请先在页面顶部填写评审人姓名 (name the reviewer first)",
        );
    };
    blocking(move || {
        let (_, report) = match load(&app, &id) {
            Ok(loaded) => loaded,
            Err(e) => return out_error(&e),
        };
        let (Some(kind), Some(verdict)) = (
            Kind::from_code(&form.kind),
            Verdict::from_code(&form.decision),
        ) else {
            return web::error_page(StatusCode::BAD_REQUEST, "无效的评审决定 (invalid decision)");
        };
        let items = Items::of(&report);
        let Some(current) = items.fingerprint(kind, &form.target) else {
            return web::error_page(StatusCode::NOT_FOUND, "报告中没有这一项 (no such item)");
        };
        // What the reviewer saw, when the form says so and it is a fingerprint; otherwise what
        // the report holds now.
        let seen = if !form.seen.is_empty()
            && form.seen.len() <= 64
            && form.seen.bytes().all(|b| b.is_ascii_hexdigit())
        {
            form.seen.clone()
        } else {
            current.to_owned()
        };
        let comment: String = form.comment.trim().chars().take(MAX_COMMENT).collect();
        let recorded = app.store.decide(&NewDecision {
            bundle: &report.bundle,
            kind,
            target: &form.target,
            verdict,
            comment: &comment,
            reviewer: &reviewer,
            fingerprint: &seen,
        });
        match recorded {
            Ok(()) => Redirect::to(&format!(
                "{}#{}",
                bundle_href(&report.bundle),
                anchor(kind, &form.target)
            ))
            .into_response(),
            Err(e) => web::error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        }
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Evidence in context
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct EvidenceView {
    bundle: String,
    bundle_href: String,
    title: String,
    status_label: String,
    rule: String,
    file: String,
    place: String,
    ocr: bool,
    passages: Vec<ContextView>,
    in_index: bool,
    image: Option<ImageView>,
    no_render: Option<String>,
    prev_href: Option<String>,
    next_href: Option<String>,
}

#[derive(Debug, Serialize)]
struct ContextView {
    place: String,
    cited: bool,
    segments: Vec<Segment>,
}

#[derive(Debug, Serialize)]
struct ImageView {
    src: String,
    width: u32,
    height: u32,
    /// The cited block's box as percentages of the page: left, top, width, height.
    marks: Vec<[f64; 4]>,
}

/// `GET /bundle/{id}/evidence/{indicator}/{n}`: evidence item `n` of an indicator.
pub(super) async fn evidence(
    State(app): State<Arc<App>>,
    Path((id, indicator, n)): Path<(String, String, usize)>,
    headers: HeaderMap,
) -> Response {
    blocking(move || {
        let frame = Frame::new(&headers, bundle_href(&id));
        let (summary, report) = match load(&app, &id) {
            Ok(loaded) => loaded,
            Err(e) => return out_error(&e),
        };
        let Some(finding) = report.indicators.iter().find(|f| f.id.0 == indicator) else {
            return web::error_page(StatusCode::NOT_FOUND, "没有这个指标 (no such indicator)");
        };
        let Some(item) = finding.evidence.get(n) else {
            return web::error_page(StatusCode::NOT_FOUND, "没有这条证据 (no such evidence)");
        };
        let Some(file) = report.files.iter().position(|f| f.path == item.file) else {
            return web::error_page(StatusCode::NOT_FOUND, "报告中没有这个文件 (no such file)");
        };
        let mut view = context_view(
            &app,
            &summary,
            &report,
            file,
            &item.location,
            Some(&indicator),
            &item.terms,
        );
        view.title = format!("{} {}", indicator, name_of(&app.names, &indicator));
        view.status_label = indicator_status(finding.status).1.to_owned();
        view.rule = format!(
            "{}（{}）",
            item.rule.0,
            match item.strength {
                crate::model::Strength::Strong => "强证据",
                crate::model::Strength::Weak => "弱证据",
            }
        );
        let link = |k: usize| {
            format!(
                "{}/evidence/{}/{k}",
                bundle_href(&id),
                percent_encode(&indicator)
            )
        };
        view.prev_href = n.checked_sub(1).map(link);
        view.next_href = (n + 1 < finding.evidence.len()).then(|| link(n + 1));
        html(&app, "evidence.html", &frame, view)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct PassageQuery {
    file: String,
    loc: String,
}

/// `GET /bundle/{id}/passage?file=…&loc=…`: any passage of a listed file in context (a
/// field's source, a search hit).
pub(super) async fn passage(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<PassageQuery>,
    headers: HeaderMap,
) -> Response {
    blocking(move || {
        let frame = Frame::new(&headers, bundle_href(&id));
        let (summary, report) = match load(&app, &id) {
            Ok(loaded) => loaded,
            Err(e) => return out_error(&e),
        };
        let Some(file) = report.files.iter().position(|f| f.path == query.file) else {
            return web::error_page(StatusCode::NOT_FOUND, "报告中没有这个文件 (no such file)");
        };
        let Ok(location) = serde_json::from_str::<Location>(&query.loc) else {
            return web::error_page(StatusCode::BAD_REQUEST, "无效的位置 (invalid location)");
        };
        let mut view = context_view(&app, &summary, &report, file, &location, None, &[]);
        view.title = format!("{} {}", query.file, location_label(&location));
        html(&app, "evidence.html", &frame, view)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct FileQuery {
    #[serde(default)]
    from: u64,
}

/// Passages a file view shows at once.
const FILE_PAGE: usize = 40;

/// `GET /bundle/{id}/file/{n}?from=K`: file number `n` of the report, its passages in reading
/// order from ordinal `K` (a material's or a flag's file).
pub(super) async fn file_view(
    State(app): State<Arc<App>>,
    Path((id, file)): Path<(String, usize)>,
    Query(query): Query<FileQuery>,
    headers: HeaderMap,
) -> Response {
    blocking(move || {
        let frame = Frame::new(&headers, bundle_href(&id));
        let (_, report) = match load(&app, &id) {
            Ok(loaded) => loaded,
            Err(e) => return out_error(&e),
        };
        let Some(entry) = report.files.get(file) else {
            return web::error_page(StatusCode::NOT_FOUND, "报告中没有这个文件 (no such file)");
        };
        let passages = app.index().ok().and_then(|index| {
            index
                .file_passages(
                    &report.bundle,
                    &entry.path,
                    &entry.sha256,
                    query.from,
                    FILE_PAGE,
                )
                .ok()
        });
        let in_index = passages.is_some();
        let passages = passages.unwrap_or_default();
        let here = format!("{}/file/{file}", bundle_href(&report.bundle));
        let next_href = (passages.len() == FILE_PAGE)
            .then(|| {
                passages
                    .last()
                    .map(|p| format!("{here}?from={}", p.ordinal + 1))
            })
            .flatten();
        let prev_href = (query.from > 0).then(|| {
            format!(
                "{here}?from={}",
                query.from.saturating_sub(FILE_PAGE as u64)
            )
        });
        let (_, status_label) = file_status(entry.status);
        let view = EvidenceView {
            bundle: report.bundle.clone(),
            bundle_href: bundle_href(&report.bundle),
            title: entry.path.clone(),
            status_label: status_label.to_owned(),
            rule: String::new(),
            file: entry.path.clone(),
            place: if query.from == 0 {
                "从头开始".to_owned()
            } else {
                format!("第 {} 段起", query.from + 1)
            },
            ocr: entry.ocr,
            passages: passages
                .into_iter()
                .map(|p| ContextView {
                    place: location_label(&p.location),
                    cited: false,
                    segments: segments(&p.text, &[]),
                })
                .collect(),
            in_index,
            image: None,
            no_render: Some(entry.error.clone().unwrap_or_else(|| {
                "文件视图仅显示文字；PDF 页面见各条证据 (text only here)".into()
            })),
            prev_href,
            next_href,
        };
        html(&app, "evidence.html", &frame, view)
    })
    .await
}

/// The passage at `location` of file number `file`, its neighbours, and its page image.
fn context_view(
    app: &App,
    summary: &Summary,
    report: &BundleReport,
    file: usize,
    location: &Location,
    indicator: Option<&str>,
    terms: &[String],
) -> EvidenceView {
    let entry = &report.files[file];
    let at = PassageRef {
        bundle: &report.bundle,
        file: &entry.path,
        sha256: &entry.sha256,
        location,
        indicator,
    };
    let around = app
        .index()
        .ok()
        .and_then(|index| index.passages_around(at, AROUND).ok().flatten());
    let in_index = around.is_some();
    let passages = around
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let ranges = if p.cited {
                match_ranges(&p.text, terms)
            } else {
                Vec::new()
            };
            ContextView {
                place: location_label(&p.location),
                cited: p.cited,
                segments: segments(&p.text, &ranges),
            }
        })
        .collect();
    let (image, no_render) = match rendered_page(app, summary, report, file, location) {
        Ok(image) => (Some(image), None),
        Err(why) => (None, Some(why)),
    };
    EvidenceView {
        bundle: report.bundle.clone(),
        bundle_href: bundle_href(&report.bundle),
        title: String::new(),
        status_label: String::new(),
        rule: String::new(),
        file: entry.path.clone(),
        place: location_label(location),
        ocr: entry.ocr,
        passages,
        in_index,
        image,
        no_render,
        prev_href: None,
        next_href: None,
    }
}

/// The rendered page of a PDF passage, with its block marked, or why there is none.
fn rendered_page(
    app: &App,
    summary: &Summary,
    report: &BundleReport,
    file: usize,
    location: &Location,
) -> Result<ImageView, String> {
    let entry = &report.files[file];
    let Some(page) = location.page_number() else {
        return Err("此位置不在分页文档中，仅显示文字 (not a paged document)".into());
    };
    if entry.kind != crate::model::FileKind::Pdf {
        return Err("仅 PDF 文件显示页面图像，此文件仅显示文字 (page images are for PDFs)".into());
    }
    if !app.pdftoppm {
        return Err(render::RenderError::NoRenderer.to_string());
    }
    let image = cached_or_rendered(app, summary, report, entry, page)?;
    let scale = f64::from(render::DPI) / 72.0;
    let marks = match location {
        Location::Page {
            bbox: Some([x0, y0, x1, y1]),
            ..
        } if image.width > 0 && image.height > 0 => {
            let (w, h) = (f64::from(image.width), f64::from(image.height));
            let pct = |v: u32, total: f64| (f64::from(v) * scale / total * 100.0).clamp(0.0, 100.0);
            vec![[
                pct(*x0, w),
                pct(*y0, h),
                pct(x1.saturating_sub(*x0), w),
                pct(y1.saturating_sub(*y0), h),
            ]]
        }
        _ => Vec::new(),
    };
    Ok(ImageView {
        src: format!("{}/page/{file}/{page}", bundle_href(&report.bundle)),
        width: image.width,
        height: image.height,
        marks,
    })
}

fn cached_or_rendered(
    app: &App,
    summary: &Summary,
    report: &BundleReport,
    entry: &FileEntry,
    page: u32,
) -> Result<render::PageImage, String> {
    if let Some(image) = render::from_cache(app.out.dir(), &entry.sha256, page) {
        return Ok(image);
    }
    let bytes = app
        .out
        .source_bytes(summary, report, entry)
        .map_err(|e| e.to_string())?;
    render::render(app.out.dir(), &entry.sha256, &bytes, page).map_err(|e| e.to_string())
}

/// `GET /bundle/{id}/page/{file}/{page}`: a rendered PDF page, file by its index in the report.
pub(super) async fn page_image_route(
    app: Arc<App>,
    id: String,
    file: usize,
    page: u32,
) -> Response {
    blocking(move || {
        let (summary, report) = match load(&app, &id) {
            Ok(loaded) => loaded,
            Err(e) => return out_error(&e),
        };
        let Some(entry) = report.files.get(file) else {
            return web::error_page(StatusCode::NOT_FOUND, "报告中没有这个文件 (no such file)");
        };
        if entry.kind != crate::model::FileKind::Pdf || page == 0 {
            return web::error_page(StatusCode::NOT_FOUND, "没有这一页 (no such page)");
        }
        match cached_or_rendered(&app, &summary, &report, entry, page)
            .and_then(|image| std::fs::read(&image.path).map_err(|e| e.to_string()))
        {
            Ok(bytes) => (
                [
                    (header::CONTENT_TYPE, "image/png"),
                    (header::CACHE_CONTROL, "private, max-age=3600"),
                ],
                bytes,
            )
                .into_response(),
            Err(why) => web::error_page(StatusCode::NOT_FOUND, &why),
        }
    })
    .await
}

/// Axum's entry for [`page_image_route`].
pub(super) async fn page_image(
    State(app): State<Arc<App>>,
    Path((id, file, page)): Path<(String, usize, u32)>,
) -> Response {
    page_image_route(app, id, file, page).await
}

// ---------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    bundle: String,
    #[serde(default)]
    clause: String,
    #[serde(default)]
    material: String,
    #[serde(default)]
    page: Option<usize>,
}

impl SearchQuery {
    fn filters(&self) -> Filters {
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        Filters {
            clause: some(&self.clause),
            bundle: some(&self.bundle),
            material: some(&self.material),
        }
    }

    /// This search's URL with one parameter changed (`page` dropped unless given).
    fn href(&self, change: &str, value: &str, page: Option<usize>) -> String {
        let mut pairs = vec![
            ("q", self.q.as_str()),
            ("bundle", self.bundle.as_str()),
            ("clause", self.clause.as_str()),
            ("material", self.material.as_str()),
        ];
        for pair in &mut pairs {
            if pair.0 == change {
                pair.1 = value;
            }
        }
        let mut url = String::from("/search?");
        let mut first = true;
        for (key, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            if !first {
                url.push('&');
            }
            first = false;
            url.push_str(key);
            url.push('=');
            url.push_str(&percent_encode(value));
        }
        if let Some(page) = page {
            url.push_str(&format!("&page={page}"));
        }
        url
    }
}

#[derive(Debug, Serialize)]
struct SearchView {
    q: String,
    bundle: String,
    clause: String,
    material: String,
    clauses: Vec<OptionView>,
    bundles: Vec<OptionView>,
    materials: Vec<OptionView>,
    searched: bool,
    error: Option<String>,
    count: String,
    hits: Vec<HitView>,
    facets: Vec<FacetGroup>,
    prev_href: Option<String>,
    next_href: Option<String>,
}

#[derive(Debug, Serialize)]
struct OptionView {
    value: String,
    label: String,
}

#[derive(Debug, Serialize)]
struct HitView {
    href: String,
    bundle: String,
    file: String,
    place: String,
    segments: Vec<Segment>,
    partial: bool,
    indicators: String,
}

#[derive(Debug, Serialize)]
struct FacetGroup {
    facet: &'static str,
    title: &'static str,
    values: Vec<FacetView>,
}

#[derive(Debug, Serialize)]
struct FacetView {
    value: String,
    label: String,
    count: usize,
    href: String,
    active: bool,
}

/// Clause ids (level 1 and 2) and material ids of the catalog, in order.
fn catalog_ids(app: &App) -> (Vec<String>, Vec<String>) {
    let is_clause = |id: &str| id.chars().all(|c| c.is_ascii_digit() || c == '.');
    let mut clauses: BTreeSet<Vec<u32>> = BTreeSet::new();
    let mut materials = Vec::new();
    for id in app.names.names.keys() {
        if is_clause(id) {
            clauses.insert(id.split('.').filter_map(|s| s.parse().ok()).collect());
        } else {
            materials.push(id.clone());
        }
    }
    let clauses = clauses
        .into_iter()
        .map(|parts| {
            parts
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    (clauses, materials)
}

/// `GET /search`: query, facets with counts, one page of hits.
pub(super) async fn search(
    State(app): State<Arc<App>>,
    Query(query): Query<SearchQuery>,
    headers: HeaderMap,
) -> Response {
    blocking(move || {
        let frame = Frame::new(&headers, query.href("", "", None));
        let bundles: Vec<String> = app
            .out
            .summary()
            .map(|s| s.bundles.into_iter().map(|r| r.bundle).collect())
            .unwrap_or_default();
        let (clauses, materials) = catalog_ids(&app);
        let option = |id: &String| OptionView {
            value: id.clone(),
            label: format!("{id} {}", name_of(&app.names, id)),
        };
        let mut view = SearchView {
            q: query.q.clone(),
            bundle: query.bundle.clone(),
            clause: query.clause.clone(),
            material: query.material.clone(),
            clauses: clauses.iter().map(option).collect(),
            bundles: bundles
                .iter()
                .map(|b| OptionView {
                    value: b.clone(),
                    label: b.clone(),
                })
                .collect(),
            materials: materials
                .iter()
                .map(|m| OptionView {
                    value: m.clone(),
                    label: name_of(&app.names, m).to_owned(),
                })
                .collect(),
            searched: false,
            error: None,
            count: String::new(),
            hits: Vec::new(),
            facets: Vec::new(),
            prev_href: None,
            next_href: None,
        };
        let filters = query.filters();
        if query.q.trim().is_empty()
            && filters.clause.is_none()
            && filters.bundle.is_none()
            && filters.material.is_none()
        {
            return html(&app, "search.html", &frame, view);
        }
        view.searched = true;
        let index = match app.index() {
            Ok(index) => index,
            Err(e) => {
                view.error = Some(format!("索引不可用：{e} (the index cannot be opened)"));
                return html(&app, "search.html", &frame, view);
            }
        };
        let page_no = query.page.unwrap_or(1).max(1);
        let offset = (page_no - 1).saturating_mul(PER_PAGE);
        let page = match index.search_page_widened(&query.q, &filters, offset, PER_PAGE) {
            Ok(page) => page,
            Err(e) => {
                view.error = Some(format!("无法执行查询：{e} (bad query)"));
                return html(&app, "search.html", &frame, view);
            }
        };
        let all = page.total + page.partial_total;
        view.count = if page.hits.is_empty() {
            format!("共 {} 条", page.total)
        } else {
            format!(
                "共 {} 条，第 {}–{} 条",
                page.total,
                offset + 1,
                offset + page.hits.len()
            )
        };
        if page.partial_total > 0 {
            view.count
                .push_str(&format!("；另有 {} 条部分匹配", page.partial_total));
        }
        view.hits = page.hits.iter().map(hit_view).collect();
        view.prev_href = (page_no > 1).then(|| query.href("", "", Some(page_no - 1)));
        view.next_href = (offset + PER_PAGE < all).then(|| query.href("", "", Some(page_no + 1)));
        let count = |filters: &Filters| {
            index
                .search_page(&query.q, filters, 0, 0)
                .map(|p| p.total)
                .unwrap_or(0)
        };
        let mut groups = Vec::new();
        for (facet, title, values) in [
            ("clause", "条款", &clauses),
            ("bundle", "材料包", &bundles),
            ("material", "材料", &materials),
        ] {
            let mut shown = Vec::new();
            for value in values {
                let mut narrowed = filters.clone();
                match facet {
                    "clause" => narrowed.clause = Some(value.clone()),
                    "bundle" => narrowed.bundle = Some(value.clone()),
                    _ => narrowed.material = Some(value.clone()),
                }
                let n = count(&narrowed);
                if n == 0 {
                    continue;
                }
                let active = match facet {
                    "clause" => query.clause == *value,
                    "bundle" => query.bundle == *value,
                    _ => query.material == *value,
                };
                let label = match facet {
                    "bundle" => value.clone(),
                    "clause" => format!("{value} {}", name_of(&app.names, value)),
                    _ => name_of(&app.names, value).to_owned(),
                };
                shown.push(FacetView {
                    value: value.clone(),
                    label,
                    count: n,
                    href: query.href(facet, if active { "" } else { value }, None),
                    active,
                });
            }
            groups.push(FacetGroup {
                facet,
                title,
                values: shown,
            });
        }
        view.facets = groups;
        html(&app, "search.html", &frame, view)
    })
    .await
}

fn hit_view(hit: &Hit) -> HitView {
    HitView {
        href: passage_href(&hit.bundle, &hit.file, &hit.location),
        bundle: hit.bundle.clone(),
        file: hit.file.clone(),
        place: location_label(&hit.location),
        segments: segments(&hit.snippet, &hit.highlights),
        partial: hit.partial,
        indicators: hit
            .indicators
            .iter()
            .map(|i| i.0.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

// ---------------------------------------------------------------------------------------------
// Batch search
// ---------------------------------------------------------------------------------------------

/// `GET /batch-search`: the form.
pub(super) async fn batch_form(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let frame = Frame::new(&headers, "/batch-search".into());
    html(
        &app,
        "batch.html",
        &frame,
        context! { max => MAX_BATCH_QUERIES, hits => BATCH_HITS },
    )
}

#[derive(Debug, Deserialize)]
pub(super) struct BatchForm {
    queries: String,
    #[serde(default)]
    bundle: String,
    #[serde(default)]
    clause: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /batch-search`: a CSV of the hits of each query (one per line).
pub(super) async fn batch_search(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<BatchForm>,
) -> Response {
    if !web::csrf_ok(&headers, &form.csrf) {
        return csrf_refused();
    }
    blocking(move || {
        let index = match app.index() {
            Ok(index) => index,
            Err(e) => {
                return web::error_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &format!("索引不可用：{e} (the index cannot be opened)"),
                );
            }
        };
        let queries: Vec<&str> = form
            .queries
            .lines()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .collect();
        if queries.len() > MAX_BATCH_QUERIES {
            return web::error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("一次最多 {MAX_BATCH_QUERIES} 条查询 (too many queries)"),
            );
        }
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        let filters = Filters {
            bundle: some(&form.bundle),
            clause: some(&form.clause),
            material: None,
        };
        let mut csv = csv::Writer::from_writer(Vec::new());
        let header = [
            "查询",
            "名次",
            "材料包",
            "文件",
            "位置",
            "摘录",
            "得分",
            "部分匹配",
            "指标",
        ];
        let _ = csv.write_record(header);
        for query in queries {
            match index.search_page_widened(query, &filters, 0, BATCH_HITS) {
                Ok(page) if page.hits.is_empty() => {
                    let _ = csv.write_record([query, "0", "", "", "", "（无结果）", "", "", ""]);
                }
                Ok(page) => {
                    for (rank, hit) in page.hits.iter().enumerate() {
                        let indicators: Vec<&str> =
                            hit.indicators.iter().map(|i| i.0.as_str()).collect();
                        let _ = csv.write_record([
                            query,
                            &(rank + 1).to_string(),
                            &hit.bundle,
                            &hit.file,
                            &location_label(&hit.location),
                            &hit.snippet,
                            &format!("{:.3}", hit.score),
                            if hit.partial { "是" } else { "否" },
                            &indicators.join(" "),
                        ]);
                    }
                }
                Err(e) => {
                    let _ = csv.write_record([
                        query,
                        "",
                        "",
                        "",
                        "",
                        &format!("查询无效：{e}"),
                        "",
                        "",
                        "",
                    ]);
                }
            }
        }
        let mut body = "\u{FEFF}".as_bytes().to_vec();
        body.extend(csv.into_inner().unwrap_or_default());
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"batch-search.csv\"",
                ),
            ],
            body,
        )
            .into_response()
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Export, assets, 404
// ---------------------------------------------------------------------------------------------

/// `GET /bundle/{id}/export.xlsx`: the review record as a worksheet.
pub(super) async fn export(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    blocking(move || {
        let (_, report) = match load(&app, &id) {
            Ok(loaded) => loaded,
            Err(e) => return out_error(&e),
        };
        let decisions = app.store.decisions(&report.bundle).unwrap_or_default();
        let rows = review_rows(&app, &report, &decisions);
        match export::workbook(&report.bundle, &report.as_of, &rows) {
            Ok(bytes) => {
                let name = format!("{}-评审记录表.xlsx", report.bundle);
                let disposition = format!(
                    "attachment; filename=\"review.xlsx\"; filename*=UTF-8''{}",
                    percent_encode(&name)
                );
                let mut response = (
                    [(
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    )],
                    bytes,
                )
                    .into_response();
                if let Ok(value) = HeaderValue::from_str(&disposition) {
                    response
                        .headers_mut()
                        .insert(header::CONTENT_DISPOSITION, value);
                }
                response
            }
            Err(e) => web::error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("无法生成评审记录表：{e} (the worksheet failed)"),
            ),
        }
    })
    .await
}

fn review_rows(app: &App, report: &BundleReport, decisions: &[Decision]) -> Vec<ReviewRow> {
    let items = Items::of(report);
    let decided = |kind: Kind, target: &str, now: &str, row: &mut ReviewRow| {
        if let Some(d) = decision_view(decisions, kind, target, now) {
            row.decision = d.label.to_owned();
            row.comment = d.comment;
            row.reviewer = d.reviewer;
            row.at = d.at;
            row.changed = if d.changed { "是" } else { "否" }.to_owned();
        }
    };
    let mut rows = Vec::new();
    for (finding, fp) in &items.indicators {
        let id = finding.id.0.as_str();
        let mut row = ReviewRow {
            kind: "指标".into(),
            id: id.to_owned(),
            name: name_of(&app.names, id).to_owned(),
            verdict: indicator_status(finding.status).1.to_owned(),
            ..ReviewRow::default()
        };
        if let Some(best) = finding.evidence.first() {
            row.evidence_file = best.file.clone();
            row.evidence_place = location_label(&best.location);
            row.evidence_text = cut(&best.text, 200);
        }
        decided(Kind::Indicator, id, fp, &mut row);
        rows.push(row);
    }
    for (m, fp) in &items.materials {
        let mut row = ReviewRow {
            kind: "材料".into(),
            id: m.id.0.clone(),
            name: name_of(&app.names, &m.id.0).to_owned(),
            verdict: material_status(m.status).1.to_owned(),
            evidence_file: m.files.join("、"),
            ..ReviewRow::default()
        };
        decided(Kind::Material, &m.id.0, fp, &mut row);
        rows.push(row);
    }
    for (flag, key, fp) in &items.flags {
        let mut row = ReviewRow {
            kind: "问题".into(),
            id: key.clone(),
            name: flag.message.clone(),
            verdict: severity(flag.severity).1.to_owned(),
            evidence_file: flag.files.join("、"),
            ..ReviewRow::default()
        };
        decided(Kind::Flag, key, fp, &mut row);
        rows.push(row);
    }
    rows
}

/// `GET /static/{name}`: the embedded script and stylesheet.
pub(super) async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "max-age=300"),
            ],
            *body,
        )
            .into_response(),
        None => not_found().await,
    }
}

/// Anything else.
pub(super) async fn not_found() -> Response {
    web::error_page(StatusCode::NOT_FOUND, "没有这个页面 (no such page)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cover_the_text_with_the_marked_ranges() {
        let s = segments("投诉24小时内处理", &[0..6, 14..20]);
        let parts: Vec<(&str, bool)> = s.iter().map(|s| (s.text.as_str(), s.marked)).collect();
        assert_eq!(
            parts,
            [
                ("投诉", true),
                ("24小时", false),
                ("内处", true),
                ("理", false)
            ]
        );
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_back("/bundle/x"), "/bundle/x");
        for bad in ["//evil.example/", "https://evil.example/", "/\\evil", ""] {
            assert_eq!(safe_back(bad), "/", "{bad}");
        }
    }

    #[test]
    fn every_template_parses() {
        let env = templates();
        for (name, _) in TEMPLATES {
            assert!(env.get_template(name).is_ok(), "{name}");
        }
    }
}
