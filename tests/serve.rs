//! `certsift serve` over HTTP, through the binary: pages, decisions that survive a restart,
//! the xlsx export, and the safety rules (token, CSRF, traversal, escaping). Raw requests over
//! a TCP socket, so a traversal attempt reaches the server exactly as typed (a client library
//! would normalise `..` away). The real-browser walk is `workbench_browser.rs`.

use crate::util::{copy_tree, fixtures_dir};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// A running `certsift serve`, killed on drop.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl Server {
    /// Starts the workbench over `out` on a free loopback port, with extra arguments.
    pub fn start(out: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_certsift"))
            .arg("serve")
            .arg(out)
            .args(["--bind", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start certsift serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the server's first line");
        let addr = line
            .trim()
            .strip_prefix("certsift serve: http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server { child, addr }
    }

    /// A GET of `target` (sent as typed).
    pub fn get(&self, target: &str, headers: &[(&str, &str)]) -> Response {
        request(&self.addr, "GET", target, headers, "")
    }

    /// A form POST.
    pub fn post(&self, target: &str, headers: &[(&str, &str)], form: &str) -> Response {
        let mut all = headers.to_vec();
        all.push(("Content-Type", "application/x-www-form-urlencoded"));
        request(&self.addr, "POST", target, &all, form)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers (names lower-cased), body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `name=value` of every Set-Cookie, for sending back.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .filter_map(|(_, v)| v.split(';').next().map(str::to_owned))
            .collect()
    }
}

fn request(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).expect("write");
    stream.write_all(body.as_bytes()).expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}

/// `certsift run` over `inbox` into `out`.
pub fn run_batch(inbox: &Path, out: &Path) {
    let output = Command::new(env!("CARGO_BIN_EXE_certsift"))
        .arg("run")
        .arg(inbox)
        .arg("--out")
        .arg(out)
        .args(["--as-of", "2026-11-28"])
        .output()
        .expect("run certsift run");
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "certsift run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The sample inbox run once for the read-only tests.
fn sample_out() -> &'static Path {
    static OUT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &OUT.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out");
        run_batch(&fixtures_dir().join("inbox"), &out);
        (dir, out)
    })
    .1
}

/// A private copy of the sample output, for tests that write decisions.
fn sample_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    copy_tree(sample_out(), &out);
    (dir, out)
}

const BUNDLE: &str = "%E5%8D%8E%E4%BF%A1%E5%AE%B6%E7%94%B5-2026"; // 华信家电-2026

/// The CSRF cookie and token of a first visit.
fn csrf_of(server: &Server) -> (String, String) {
    let first = server.get("/", &[]);
    let cookie = first
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("certsift_csrf="))
        .expect("a CSRF cookie on the first visit");
    let token = cookie.trim_start_matches("certsift_csrf=").to_owned();
    (cookie, token)
}

#[test]
fn the_triage_page_lists_every_bundle_with_the_security_headers() {
    let server = Server::start(sample_out(), &[]);
    let page = server.get("/", &[]);
    assert_eq!(page.status, 200);
    let text = page.text();
    for bundle in ["华信家电-2026", "优选生活-2026", "鼎盛机电-2026"] {
        assert!(
            text.contains(&format!("data-bundle=\"{bundle}\"")),
            "{bundle}"
        );
    }
    let csp = page.header("content-security-policy").expect("CSP");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert!(text.contains("reviewer-form"), "asks for the reviewer");
}

#[test]
fn a_bundle_page_links_each_supported_indicator_to_its_evidence_in_context() {
    let server = Server::start(sample_out(), &[]);
    let page = server.get(&format!("/bundle/{BUNDLE}"), &[]);
    assert_eq!(page.status, 200);
    let text = page.text();
    let link = text
        .split("class=\"evidence-link\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an evidence link")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&");
    let evidence = server.get(&link, &[]);
    assert_eq!(evidence.status, 200, "{link}");
    let body = evidence.text();
    assert_eq!(body.matches("class=\"passage cited\"").count(), 1, "{link}");
    assert!(
        body.matches("class=\"passage").count() > 1,
        "the cited passage has neighbours"
    );
}

#[test]
fn traversal_attempts_and_unknown_ids_get_404() {
    let server = Server::start(sample_out(), &[]);
    for target in [
        "/../../../../etc/passwd",
        "/bundle/..%2F..%2F..%2Fetc%2Fpasswd",
        "/bundle/%2Fetc%2Fpasswd",
        "/bundle/..",
        "/static/..%2F..%2FCargo.toml",
        "/static/%2E%2E/%2E%2E/Cargo.toml",
        &format!("/bundle/{BUNDLE}/page/9999/1"),
        &format!("/bundle/{BUNDLE}/file/9999"),
        &format!(
            "/bundle/{BUNDLE}/passage?file=..%2F..%2F..%2Fetc%2Fpasswd&loc=%7B%22line%22%3A1%7D"
        ),
        &format!("/bundle/{BUNDLE}/passage?file=%2Fetc%2Fpasswd&loc=%7B%22line%22%3A1%7D"),
        &format!("/bundle/{BUNDLE}/evidence/5.3.2/999"),
    ] {
        let response = server.get(target, &[]);
        assert_eq!(response.status, 404, "{target}");
        assert!(!response.text().contains("root:"), "{target}");
    }
}

#[test]
fn beyond_loopback_a_token_is_required_and_then_checked_on_every_request() {
    let refused = Command::new(env!("CARGO_BIN_EXE_certsift"))
        .arg("serve")
        .arg(sample_out())
        .args(["--bind", "0.0.0.0:0"])
        .env_remove("CERTSIFT_TOKEN")
        .output()
        .expect("run serve");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--token"));

    let server = Server::start(sample_out(), &["--token", "s3cret-token"]);
    assert_eq!(server.get("/", &[]).status, 401);
    assert_eq!(server.get("/?token=wrong", &[]).status, 401);
    let with = server.get("/?token=s3cret-token", &[]);
    assert_eq!(with.status, 200);
    let cookie = with
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("certsift_token="))
        .expect("the token kept in a cookie");
    assert_eq!(server.get("/search", &[("Cookie", &cookie)]).status, 200);
    let bearer = server.get("/search", &[("Authorization", "Bearer s3cret-token")]);
    assert_eq!(bearer.status, 200);
}

#[test]
fn a_post_without_the_csrf_token_is_refused() {
    let (_dir, out) = sample_copy();
    let server = Server::start(&out, &[]);
    let (cookie, token) = csrf_of(&server);
    let cookies = format!("{cookie}; certsift_reviewer=%E7%8E%8B");
    let target = format!("/bundle/{BUNDLE}/decision");
    let form = "kind=indicator&target=5.3.2&decision=rejected&comment=x";
    for (headers, body) in [
        (vec![("Cookie", cookies.as_str())], form.to_owned()),
        (
            vec![("Cookie", cookies.as_str())],
            format!("{form}&csrf=0123456789abcdef0123456789abcdef"),
        ),
        (vec![], format!("{form}&csrf={token}")),
    ] {
        assert_eq!(server.post(&target, &headers, &body).status, 403, "{body}");
    }
    let page = server.get(&format!("/bundle/{BUNDLE}"), &[("Cookie", &cookies)]);
    assert!(
        !page.text().contains("class=\"audit-entry\""),
        "nothing recorded"
    );
}

#[test]
fn a_decision_survives_a_restart_with_its_audit_entry_and_is_exported() {
    let (_dir, out) = sample_copy();
    let cookies;
    {
        let server = Server::start(&out, &[]);
        let (cookie, token) = csrf_of(&server);
        cookies = format!("{cookie}; certsift_reviewer=%E7%8E%8B%E5%AE%A1%E6%A0%B8"); // 王审核
        let done = server.post(
            &format!("/bundle/{BUNDLE}/decision"),
            &[("Cookie", &cookies)],
            &format!(
                "kind=indicator&target=5.3.2&decision=needs_info&comment=%E8%AF%B7%E8%A1%A5%E5%85%85%E5%9B%9E%E8%AE%BF%E8%AE%B0%E5%BD%95&csrf={token}"
            ),
        );
        assert_eq!(done.status, 303, "{}", done.text());
    }
    let server = Server::start(&out, &[]);
    let page = server
        .get(&format!("/bundle/{BUNDLE}"), &[("Cookie", &cookies)])
        .text();
    let row = page
        .split("id=\"indicator-5-3-2\"")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("the 5.3.2 row");
    assert!(row.contains("decision-current needs_info"), "{row}");
    assert!(row.contains("请补充回访记录"));
    assert!(!row.contains("证据已改变"), "the same run's evidence");
    let audit = page.split("id=\"audit\"").nth(1).expect("the audit list");
    assert!(audit.contains("王审核") && audit.contains("待补充"));

    let xlsx = server.get(&format!("/bundle/{BUNDLE}/export.xlsx"), &[]);
    assert_eq!(xlsx.status, 200);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.body)).expect("an xlsx");
    let range = book.worksheet_range("评审记录表").expect("the sheet");
    let found = range.rows().any(|row| {
        let cells: Vec<String> = row.iter().map(ToString::to_string).collect();
        cells.iter().any(|c| c == "5.3.2")
            && cells.iter().any(|c| c == "待补充")
            && cells.iter().any(|c| c == "请补充回访记录")
    });
    assert!(found, "the decision is in the worksheet");
}

#[test]
fn hostile_names_and_text_come_out_inert() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = dir.path().join("inbox");
    let bundle = inbox.join("<img src=x onerror=alert(1)>");
    std::fs::create_dir_all(&bundle).expect("bundle dir");
    std::fs::write(
        bundle.join("<svg onload=alert(2)>.txt"),
        "投诉处理制度：顾客投诉24小时内响应。<script>alert('投诉')</script>\"'><b>x</b>\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    run_batch(&inbox, &out);
    let server = Server::start(&out, &[]);
    let encoded = "%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E";
    for target in [
        "/".to_owned(),
        format!("/bundle/{encoded}"),
        "/search?q=%E6%8A%95%E8%AF%89".to_owned(),
        format!("/search?q=%3Cscript%3E&bundle={encoded}"),
    ] {
        let page = server.get(&target, &[]);
        assert_eq!(page.status, 200, "{target}");
        let text = page.text();
        for raw in ["<script>alert", "<img src=x", "<svg onload", "<b>x</b>"] {
            assert!(!text.contains(raw), "{target} holds {raw}");
        }
    }
    let search = server.get("/search?q=%E6%8A%95%E8%AF%89", &[]).text();
    assert!(
        search.contains("&lt;script&gt;"),
        "the text is shown, escaped"
    );
}

/// The first evidence item of bundle `id` that is a PDF block with a box: (indicator, n).
fn pdf_evidence(out: &Path, id: &str) -> Option<(String, usize)> {
    let report = crate::util::read_json(&out.join("bundles").join(id).join("report.json"));
    for indicator in report["indicators"].as_array()? {
        for (n, e) in indicator["evidence"].as_array()?.iter().enumerate() {
            let pdf = e["file"].as_str()?.to_lowercase().ends_with(".pdf");
            if pdf && e["location"].get("bbox").is_some() {
                return Some((indicator["id"].as_str()?.to_owned(), n));
            }
        }
    }
    None
}

#[test]
fn pdf_evidence_shows_its_page_with_the_block_marked_in_folder_and_zip_bundles() {
    let has_pdftoppm = Command::new("pdftoppm")
        .arg("-v")
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !has_pdftoppm {
        crate::util::skip(
            "pdf_evidence_shows_its_page_with_the_block_marked_in_folder_and_zip_bundles",
            "pdftoppm is absent (tools/setup-parts.sh installs poppler-utils)",
        );
        return;
    }
    let (_dir, out) = sample_copy();
    let server = Server::start(&out, &[]);
    for (id, encoded) in [
        ("华信家电-2026", BUNDLE),
        ("鼎盛机电-2026", "%E9%BC%8E%E7%9B%9B%E6%9C%BA%E7%94%B5-2026"),
    ] {
        let (indicator, n) = pdf_evidence(&out, id).expect("a PDF block cited");
        let page = server.get(&format!("/bundle/{encoded}/evidence/{indicator}/{n}"), &[]);
        let text = page.text();
        assert_eq!(page.status, 200, "{id}");
        assert!(text.contains("id=\"page-image\""), "{id}: {text}");
        assert!(text.contains("class=\"line-mark\""), "{id}");
        let src = text
            .split("id=\"page-image\" src=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the image's address")
            .replace("&#x2f;", "/");
        let image = server.get(&src, &[]);
        assert_eq!(image.status, 200, "{src}");
        assert_eq!(image.header("content-type"), Some("image/png"));
        assert!(image.body.starts_with(b"\x89PNG"));
    }
}

/// The 5.3.2 row of a bundle page.
fn row_of(page: &str, anchor: &str) -> String {
    page.split(&format!("id=\"{anchor}\""))
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_decision_stays_when_a_rerun_reproduces_its_evidence_and_says_when_it_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = dir.path().join("inbox");
    copy_tree(
        &fixtures_dir().join("inbox/华信家电-2026"),
        &inbox.join("华信家电-2026"),
    );
    let out = dir.path().join("out");
    run_batch(&inbox, &out);
    let report = crate::util::read_json(&out.join("bundles/华信家电-2026/report.json"));
    let cited = report["indicators"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["id"] == "5.3.2"))
        .and_then(|i| i["evidence"][0]["file"].as_str())
        .expect("5.3.2 has evidence")
        .to_owned();

    let server = Server::start(&out, &[]);
    let (cookie, token) = csrf_of(&server);
    let cookies = format!("{cookie}; certsift_reviewer=%E7%8E%8B");
    let page = server
        .get(&format!("/bundle/{BUNDLE}"), &[("Cookie", &cookies)])
        .text();
    let seen = row_of(&page, "indicator-5-3-2")
        .split("name=\"seen\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the fingerprint the reviewer saw")
        .to_owned();
    let done = server.post(
        &format!("/bundle/{BUNDLE}/decision"),
        &[("Cookie", &cookies)],
        &format!("kind=indicator&target=5.3.2&decision=confirmed&seen={seen}&csrf={token}"),
    );
    assert_eq!(done.status, 303);
    let decided = |page: &str| row_of(page, "indicator-5-3-2");

    // The same bundle redone: same verdict, same evidence, the decision simply stands.
    let rerun = Command::new(env!("CARGO_BIN_EXE_certsift"))
        .arg("run")
        .arg(&inbox)
        .arg("--out")
        .arg(&out)
        .args(["--as-of", "2026-11-28", "--full"])
        .output()
        .expect("rerun");
    assert!(rerun.status.code().is_some_and(|c| c <= 1));
    let page = server
        .get(&format!("/bundle/{BUNDLE}"), &[("Cookie", &cookies)])
        .text();
    assert!(decided(&page).contains("decision-current confirmed"));
    assert!(!decided(&page).contains("证据已改变"));

    // The cited file withdrawn by the applicant: the decision is kept, marked for review.
    std::fs::remove_file(inbox.join("华信家电-2026").join(&cited)).expect("remove the cited file");
    run_batch(&inbox, &out);
    let page = server
        .get(&format!("/bundle/{BUNDLE}"), &[("Cookie", &cookies)])
        .text();
    assert!(
        decided(&page).contains("decision-current confirmed"),
        "kept"
    );
    assert!(decided(&page).contains("证据已改变"), "{}", decided(&page));
}

#[test]
fn a_batch_search_returns_a_csv_of_each_querys_hits() {
    let server = Server::start(sample_out(), &[]);
    let (cookie, token) = csrf_of(&server);
    // 投诉 / 配件 / a word nobody wrote.
    let queries = "%E6%8A%95%E8%AF%89%0A%E9%85%8D%E4%BB%B6%0Azzqqxxyy";
    let csv = server.post(
        "/batch-search",
        &[("Cookie", &cookie)],
        &format!("queries={queries}&csrf={token}"),
    );
    assert_eq!(csv.status, 200);
    assert!(
        csv.header("content-type")
            .is_some_and(|t| t.starts_with("text/csv"))
    );
    let text = csv.text();
    let text = text.trim_start_matches('\u{FEFF}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    let of = |q: &str| rows.iter().filter(|r| &r[0] == q).count();
    assert!(of("投诉") >= 5, "投诉 has hits");
    assert!(of("配件") >= 1);
    assert_eq!(of("zzqqxxyy"), 1, "one row saying no hit");
    assert!(
        rows.iter()
            .any(|r| &r[0] == "投诉" && &r[2] == "华信家电-2026")
    );
    let without = server.post(
        "/batch-search",
        &[("Cookie", &cookie)],
        &format!("queries={queries}"),
    );
    assert_eq!(without.status, 403);
}

#[test]
fn every_file_of_a_bundle_opens_in_reading_order_from_its_materials_and_files() {
    let server = Server::start(sample_out(), &[]);
    let page = server.get(&format!("/bundle/{BUNDLE}"), &[]).text();
    let materials = page.split("id=\"materials\"").nth(1).expect("materials");
    let link = materials
        .split("class=\"file-link\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a material's file link")
        .replace("&#x2f;", "/");
    let file = server.get(&link, &[]);
    assert_eq!(file.status, 200, "{link}");
    let text = file.text();
    assert!(text.matches("class=\"passage\"").count() >= 1, "{link}");
    assert!(
        !text.contains("passage cited"),
        "nothing is cited in a file view"
    );
}
