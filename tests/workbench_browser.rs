//! The review workbench (`certsift serve OUT`) in a real browser: headless Chromium driven by
//! `tests/browser/workbench.mjs` (puppeteer-core) through triage, bundle, evidence, search and a
//! decision; then the server is restarted, the decision and its audit entry must still be there,
//! and the Excel export, read back here with calamine, must hold the decision.
//!
//! Needs the parts `tools/setup-parts.sh` installs — Chromium (`/usr/bin/chromium`, or
//! `$CHROMIUM`), `node`, and puppeteer-core in `${CERTSIFT_PARTS:-~/.local/share/certsift/parts}
//! /browser` —, and skips, saying so, without them. The driver's screenshots (triage.png,
//! bundle.png, evidence.png, search.png, fail-<step>.png) and review.xlsx are left in
//! target/tmp/workbench-browser.

use crate::util::{fixtures_dir, read_json, skip};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const TEST: &str = "workbench_keeps_a_decision_across_a_restart_in_a_real_browser";
const BUNDLE: &str = "华信家电-2026";
const AS_OF: &str = "2026-11-28";
/// How long one run of the driver may take before it is killed.
const DRIVER_TIMEOUT: Duration = Duration::from_secs(120);
/// How long the server may take to print its address.
const SERVER_START: Duration = Duration::from_secs(30);

/// A running `certsift serve`, killed when dropped (also when the test panics).
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `certsift serve OUT --bind 127.0.0.1:0` and reads the port from its first line,
/// `certsift serve: http://127.0.0.1:PORT/`.
fn start_server(out: &Path) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_certsift"))
        .arg("serve")
        .arg(out)
        .args(["--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start certsift serve");
    let mut server = Server {
        child,
        base: String::new(),
    };
    let stdout = server.child.stdout.take().expect("server stdout");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = tx.send(line);
        // Keep reading, so the server never blocks on a full pipe.
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    let line = rx
        .recv_timeout(SERVER_START)
        .unwrap_or_else(|_| panic!("certsift serve printed no address in {SERVER_START:?}"));
    let base = line
        .trim()
        .strip_prefix("certsift serve: ")
        .unwrap_or_else(|| panic!("certsift serve's first line is {line:?}"))
        .trim_end_matches('/');
    assert!(
        base.starts_with("http://127.0.0.1:"),
        "certsift serve listens on {base}"
    );
    server.base = base.to_string();
    server
}

/// Runs the driver's `phase` against `base`; panics with its output when it fails or overruns
/// [`DRIVER_TIMEOUT`]. A timeout kills the driver's process group (it gets one of its own); the
/// Chromium it launched, in a group of its own, quits when the driver's DevTools pipe closes.
fn run_driver(base: &str, shots: &Path, phase: &str) -> String {
    use std::os::unix::process::CommandExt;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/workbench.mjs");
    let mut child = Command::new("node")
        .arg(&script)
        .args(["--base", base, "--bundle", BUNDLE, "--phase", phase])
        .arg("--out-dir")
        .arg(shots)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("run node tests/browser/workbench.mjs");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("driver stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("driver stderr")));
    let deadline = Instant::now() + DRIVER_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the driver") {
            break Some(status);
        }
        if Instant::now() > deadline {
            // The whole group: node and the Chromium it launched.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(100));
    };
    let (out, err) = (
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default(),
    );
    match status {
        Some(s) if s.success() => out,
        Some(s) => panic!(
            "browser phase {phase} failed ({s}); screenshots in {}\n{out}{err}",
            shots.display()
        ),
        None => {
            panic!("browser phase {phase} ran over {DRIVER_TIMEOUT:?} and was killed\n{out}{err}")
        }
    }
}

/// Why the browser test cannot run here, if it cannot.
fn missing_part() -> Option<String> {
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.is_file() {
        return Some(format!("{} is absent", chromium.display()));
    }
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|s| s.success()) {
        return Some("node is not on PATH".into());
    }
    let parts = match (std::env::var_os("CERTSIFT_PARTS"), std::env::var_os("HOME")) {
        (Some(parts), _) => PathBuf::from(parts),
        (None, Some(home)) => PathBuf::from(home).join(".local/share/certsift/parts"),
        (None, None) => return Some("neither CERTSIFT_PARTS nor HOME is set".into()),
    };
    let puppeteer = parts.join("browser/node_modules/puppeteer-core");
    if !puppeteer.join("package.json").is_file() {
        return Some(format!("{} is absent", puppeteer.display()));
    }
    None
}

#[test]
fn workbench_keeps_a_decision_across_a_restart_in_a_real_browser() {
    if let Some(why) = missing_part() {
        skip(
            TEST,
            &format!("{why} (tools/setup-parts.sh installs the browser parts)"),
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    // The screenshots outlive the test (in target/tmp), to look at when it fails.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("workbench-browser");
    let _ = std::fs::remove_dir_all(&shots);
    let run = Command::new(env!("CARGO_BIN_EXE_certsift"))
        .arg("run")
        .arg(fixtures_dir().join("inbox"))
        .arg("--out")
        .arg(&out)
        .args(["--as-of", AS_OF])
        .env("RUST_LOG", "error")
        .output()
        .expect("run certsift");
    assert!(
        run.status.success(),
        "certsift run: {}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );

    let server = start_server(&out);
    let before = run_driver(&server.base, &shots, "before");
    drop(server);

    // A new process on another port: whatever the decision left must come from OUT.
    let server = start_server(&out);
    let after = run_driver(&server.base, &shots, "after");
    drop(server);
    eprintln!("{before}{after}");

    let state = read_json(&shots.join("state.json"));
    let indicator = state["indicator"]
        .as_str()
        .expect("state.json names the indicator");
    let xlsx = shots.join("review.xlsx");
    let rows = review_rows(&xlsx);
    assert!(
        rows.iter()
            .any(|row| row.iter().any(|c| c == indicator) && row.iter().any(|c| c.contains("驳回"))),
        "{}: no row of 评审记录表 has {indicator} and 驳回: {rows:?}",
        xlsx.display()
    );
}

/// The cells of the sheet 评审记录表, as text, row by row.
fn review_rows(xlsx: &Path) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book =
        calamine::open_workbook_auto(xlsx).unwrap_or_else(|e| panic!("{}: {e}", xlsx.display()));
    let sheets = book.sheet_names();
    let range = book.worksheet_range("评审记录表").unwrap_or_else(|e| {
        panic!(
            "{}: no sheet 评审记录表 ({e}); sheets {sheets:?}",
            xlsx.display()
        )
    });
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| cell.to_string().trim().to_string())
                .collect()
        })
        .collect()
}
