//! Workbench load test: `cargo bench --bench serve`.
//!
//! The batch output of the held-out bundles (`fixtures/heldout/bundles`, written by other hands
//! than the rules), served by `certsift serve` on loopback, with 8 concurrent clients
//! (triage, bundle pages, evidence in context, searches with a clause facet, page 2 of a
//! search) while `certsift run --full` rewrites the same output twice — reports renamed into
//! place, the index committed — underneath them. Each client makes at least 60 requests and
//! goes on until the rewrites are done; bounded by 5,000 requests per client and 300 s.
//!
//! Prints per kind of page the median and p99 time and the errors (any status but 200, any
//! failed connection; the goal is zero), and the median of the static script as the baseline
//! measured in the same run: a page's ratio to it is what the page costs beyond the server's
//! floor (HTTP, the token and header layer), whatever the machine is doing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: usize = 8;
/// Each client makes at least this many requests, and goes on until the writer has rewritten
/// the output [`RERUNS`] times (at most [`MAX_REQUESTS_PER_CLIENT`]).
const REQUESTS_PER_CLIENT: usize = 60;
const MAX_REQUESTS_PER_CLIENT: usize = 5_000;
/// Full reruns the writer makes underneath the clients.
const RERUNS: usize = 2;
/// The whole load test stops here, finished or not.
const DEADLINE: Duration = Duration::from_secs(300);

const QUERIES: [&str; 8] = [
    "投诉",
    "配件供应",
    "5.3.2",
    "服务网点",
    "回访 满意度",
    "统一社会信用代码",
    "培训",
    "上门 维修",
];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let inbox = root.join("fixtures/heldout/bundles");
    let work = tempfile::tempdir().expect("tempdir");
    let out = work.path().join("out");
    let bin = env!("CARGO_BIN_EXE_certsift");
    let batch = |full: bool| {
        let mut command = Command::new(bin);
        command
            .arg("run")
            .arg(&inbox)
            .arg("--out")
            .arg(&out)
            .args(["--as-of", "2026-11-28"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if full {
            command.arg("--full");
        }
        command
    };
    let started = Instant::now();
    batch(false).status().expect("certsift run");
    println!(
        "batch output of {}: {:.1} s",
        inbox.display(),
        started.elapsed().as_secs_f64()
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("summary"))
            .expect("summary json");
    let bundles: Vec<String> = summary["bundles"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|row| row["bundle"].as_str().map(str::to_owned))
        .collect();
    let evidence: Vec<String> = bundles
        .iter()
        .filter_map(|id| {
            let report: serde_json::Value = serde_json::from_slice(
                &std::fs::read(out.join("bundles").join(id).join("report.json")).ok()?,
            )
            .ok()?;
            let indicator = report["indicators"]
                .as_array()?
                .iter()
                .find(|i| i["evidence"].as_array().is_some_and(|e| !e.is_empty()))?;
            Some(format!(
                "/bundle/{}/evidence/{}/0",
                encode(id),
                indicator["id"].as_str()?
            ))
        })
        .collect();

    let mut server = Command::new(bin)
        .arg("serve")
        .arg(&out)
        .args(["--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("certsift serve");
    let addr = {
        let mut stdout = server.stdout.take().expect("stdout");
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).is_ok_and(|n| n == 1) && byte[0] != b'\n' {
            line.push(byte[0]);
        }
        String::from_utf8_lossy(&line)
            .trim()
            .trim_start_matches("certsift serve: http://")
            .trim_end_matches('/')
            .to_owned()
    };

    // The writer: RERUNS full reruns underneath the clients, which stop once it is done.
    let done = Arc::new(AtomicBool::new(false));
    let reruns = Arc::new(Mutex::new(0usize));
    let writer = {
        let (done, reruns) = (done.clone(), reruns.clone());
        let mut command = batch(true);
        std::thread::spawn(move || {
            for _ in 0..RERUNS {
                if command
                    .status()
                    .is_ok_and(|s| s.code().is_some_and(|c| c <= 1))
                {
                    *reruns.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                }
            }
            done.store(true, Ordering::Relaxed);
        })
    };

    let samples: Arc<Mutex<Vec<Sample>>> = Arc::default();
    let load_started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (addr, samples) = (addr.clone(), samples.clone());
            let (bundles, evidence) = (bundles.clone(), evidence.clone());
            let done = done.clone();
            std::thread::spawn(move || {
                for i in 0..MAX_REQUESTS_PER_CLIENT {
                    let enough = i >= REQUESTS_PER_CLIENT && done.load(Ordering::Relaxed);
                    if enough || load_started.elapsed() > DEADLINE {
                        break;
                    }
                    let k = client * 7919 + i;
                    let query = encode(QUERIES[k % QUERIES.len()]);
                    let bundle = encode(&bundles[k % bundles.len()]);
                    let (kind, target): (&'static str, String) = match i % 7 {
                        0 => ("triage", "/".into()),
                        1 => ("bundle", format!("/bundle/{bundle}")),
                        2 if !evidence.is_empty() => {
                            ("evidence", evidence[k % evidence.len()].clone())
                        }
                        3 => ("search", format!("/search?q={query}")),
                        4 => ("search", format!("/search?q={query}&clause=5.3")),
                        5 => ("search", format!("/search?q={query}&page=2")),
                        _ => ("static", "/static/app.js".into()),
                    };
                    let started = Instant::now();
                    let ok = get(&addr, &target) == Some(200);
                    let took = started.elapsed();
                    samples
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((kind, took, ok));
                }
            })
        })
        .collect();
    for client in clients {
        let _ = client.join();
    }
    let wall = load_started.elapsed();
    let _ = writer.join();
    let _ = server.kill();
    let _ = server.wait();

    let samples = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let errors = samples.iter().filter(|(_, _, ok)| !ok).count();
    println!(
        "{} requests from {CLIENTS} clients in {:.1} s ({:.0} requests/s) while `run --full` rewrote the output {} time(s)",
        samples.len(),
        wall.as_secs_f64(),
        samples.len() as f64 / wall.as_secs_f64(),
        reruns.lock().unwrap_or_else(|e| e.into_inner())
    );
    let times = |kind: &str| -> Vec<Duration> {
        let mut t: Vec<Duration> = samples
            .iter()
            .filter(|(k, _, _)| kind == "all" || *k == kind)
            .map(|(_, d, _)| *d)
            .collect();
        t.sort();
        t
    };
    let quantile = |t: &[Duration], q: f64| -> f64 {
        t.get(((t.len() as f64 - 1.0) * q).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    let floor = quantile(&times("static"), 0.5).max(1e-3);
    println!("baseline: /static/app.js median {floor:.2} ms");
    for kind in ["triage", "bundle", "evidence", "search", "all"] {
        let t = times(kind);
        let errs = samples
            .iter()
            .filter(|(k, _, ok)| (kind == "all" || *k == kind) && !ok)
            .count();
        println!(
            "{kind:>9}: {:>4} requests, median {:>7.1} ms ({:>5.0}× baseline), p99 {:>7.1} ms, errors {errs}",
            t.len(),
            quantile(&t, 0.5),
            quantile(&t, 0.5) / floor,
            quantile(&t, 0.99),
        );
    }
    println!(
        "errors: {errors} (goal 0){}",
        if errors == 0 { "" } else { "  ← FAIL" }
    );
}

/// One request: the kind of page, how long it took, whether it answered 200.
type Sample = (&'static str, Duration, bool);

/// A GET over a fresh connection; the status, or `None` when the connection failed.
fn get(addr: &str, target: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
    let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let head = String::from_utf8_lossy(raw.get(..raw.len().min(64))?).into_owned();
    head.split_whitespace().nth(1)?.parse().ok()
}

/// Percent-encodes a path segment or query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
