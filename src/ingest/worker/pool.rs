//! The parent's side: a pool of long-lived worker processes, each reading one file at a time,
//! and a supervisor thread that kills a worker whose file runs past its deadline.
//!
//! Workers start lazily (the first file that finds no idle worker starts one, up to the pool's
//! size) and are reused across files and bundles. A worker that dies, or is killed, is reaped at
//! once and its slot freed, so the next file starts a replacement: a dead worker costs only its
//! file. Dropping the pool closes every idle worker's stdin (a worker exits at the end of its
//! input) and waits for it, so none is left a zombie.

use super::protocol::{self, ResponseError};
use crate::ingest::{Limits, TimeBudget};
use crate::model::Document;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A worker could not be started.
#[derive(Debug, thiserror::Error)]
#[error("cannot start a worker process ({program}): {source}")]
pub struct SpawnError {
    program: PathBuf,
    #[source]
    source: std::io::Error,
}

/// What happened to a worker that did not answer.
#[derive(Debug)]
pub(super) struct Death {
    /// The deadline passed and the supervisor killed it.
    pub timed_out: bool,
    /// How it ended, when it could be waited for.
    pub status: Option<ExitStatus>,
    /// What its stderr said.
    pub stderr: StderrSeen,
    /// What the parent saw on the pipe.
    pub error: ResponseError,
}

/// A file's outcome in a worker.
pub(super) enum Outcome {
    /// The worker read it.
    Read(Document),
    /// The worker died or was killed on it.
    Died(Death),
}

/// What a worker's stderr said that explains its death. Backtrace lines (`RUST_BACKTRACE`)
/// would bury the message, so each line is judged as it passes.
#[derive(Debug, Clone, Default)]
pub(super) struct StderrSeen {
    /// Rust's allocation-failure handler spoke (`memory allocation of … bytes failed`): the
    /// memory cap was hit.
    pub out_of_memory: bool,
    /// The last line that is a message, not a backtrace frame or a note.
    pub last_message: Option<String>,
}

impl StderrSeen {
    fn see(&mut self, line: &str) {
        if line.contains("memory allocation of") && line.contains("failed") {
            self.out_of_memory = true;
        }
        let is_noise = line.trim().is_empty()
            || line.starts_with(char::is_whitespace)
            || line.starts_with("note:")
            || line.starts_with("stack backtrace:");
        if !is_noise {
            self.last_message = Some(line.to_string());
        }
    }
}

/// The pool. Share it behind an `Arc`; [`Pool::read`] may be called from many threads.
pub(super) struct Pool {
    shared: Arc<Shared>,
    supervisor: Option<JoinHandle<()>>,
}

struct Shared {
    program: PathBuf,
    max_memory: u64,
    size: usize,
    slots: Mutex<Slots>,
    freed: Condvar,
    watch: Mutex<Watch>,
    watch_changed: Condvar,
    next_id: AtomicU64,
}

#[derive(Default)]
struct Slots {
    idle: Vec<Worker>,
    /// Workers alive, idle or busy.
    live: usize,
}

#[derive(Default)]
struct Watch {
    armed: Vec<Armed>,
    stopping: bool,
}

/// A worker busy on a file, with the time it must answer by.
struct Armed {
    id: u64,
    deadline: Instant,
    child: Arc<Mutex<Child>>,
    timed_out: Arc<AtomicBool>,
}

struct Worker {
    id: u64,
    child: Arc<Mutex<Child>>,
    stdin: Option<BufWriter<ChildStdin>>,
    stdout: BufReader<ChildStdout>,
    stderr: Option<JoinHandle<()>>,
    seen: Arc<Mutex<StderrSeen>>,
    timed_out: Arc<AtomicBool>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    /// A pool of at most `size` workers running `program __worker`, none started yet.
    pub fn new(program: &Path, max_memory: u64, size: usize) -> Pool {
        let shared = Arc::new(Shared {
            program: program.to_path_buf(),
            max_memory,
            size: size.max(1),
            slots: Mutex::new(Slots::default()),
            freed: Condvar::new(),
            watch: Mutex::new(Watch::default()),
            watch_changed: Condvar::new(),
            next_id: AtomicU64::new(0),
        });
        let supervisor = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("certsift-worker-supervisor".into())
                .spawn(move || supervise(&shared))
                .ok()
        };
        Pool { shared, supervisor }
    }

    /// Whether this pool runs `program` with `max_memory`.
    pub fn runs(&self, program: &Path, max_memory: u64) -> bool {
        self.shared.program == program && self.shared.max_memory == max_memory
    }

    /// Reads one file in a worker, waiting for a free one. The worker must answer within the
    /// per-file time plus a grace period (the reader's own clock normally stops it first).
    pub fn read(
        &self,
        path: &str,
        bytes: &[u8],
        limits: &Limits,
        time: &TimeBudget,
    ) -> Result<Outcome, SpawnError> {
        let mut worker = self.acquire()?;
        let deadline = Instant::now() + time.time + grace(time.time);
        self.arm(&worker, deadline);
        let answer = exchange(&mut worker, path, bytes, limits, time);
        self.disarm(worker.id);
        let timed_out = worker.timed_out.load(Ordering::SeqCst);
        match answer {
            // An answer that beat the supervisor by a hair still counts; the worker does not.
            Ok(doc) if timed_out => {
                self.bury(
                    worker,
                    ResponseError::Io(std::io::ErrorKind::TimedOut.into()),
                );
                Ok(Outcome::Read(doc))
            }
            Ok(doc) => {
                self.release(worker);
                Ok(Outcome::Read(doc))
            }
            Err(error) => Ok(Outcome::Died(self.bury(worker, error))),
        }
    }

    fn acquire(&self) -> Result<Worker, SpawnError> {
        let mut slots = lock(&self.shared.slots);
        loop {
            if let Some(worker) = slots.idle.pop() {
                return Ok(worker);
            }
            if slots.live < self.shared.size {
                slots.live += 1;
                drop(slots);
                let started = spawn(&self.shared);
                if started.is_err() {
                    lock(&self.shared.slots).live -= 1;
                    self.shared.freed.notify_one();
                }
                return started;
            }
            slots = self
                .shared
                .freed
                .wait(slots)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn release(&self, worker: Worker) {
        lock(&self.shared.slots).idle.push(worker);
        self.shared.freed.notify_one();
    }

    /// Kills (if still alive) and reaps a worker that failed, frees its slot, and says how it
    /// ended.
    fn bury(&self, mut worker: Worker, error: ResponseError) -> Death {
        worker.stdin.take();
        let status = {
            let mut child = lock(&worker.child);
            let _ = child.kill();
            child.wait().ok()
        };
        if let Some(thread) = worker.stderr.take() {
            let _ = thread.join();
        }
        let stderr = lock(&worker.seen).clone();
        let death = Death {
            timed_out: worker.timed_out.load(Ordering::SeqCst),
            status,
            stderr,
            error,
        };
        drop(worker);
        lock(&self.shared.slots).live -= 1;
        self.shared.freed.notify_one();
        death
    }

    fn arm(&self, worker: &Worker, deadline: Instant) {
        lock(&self.shared.watch).armed.push(Armed {
            id: worker.id,
            deadline,
            child: Arc::clone(&worker.child),
            timed_out: Arc::clone(&worker.timed_out),
        });
        self.shared.watch_changed.notify_one();
    }

    fn disarm(&self, id: u64) {
        lock(&self.shared.watch).armed.retain(|a| a.id != id);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        lock(&self.shared.watch).stopping = true;
        self.shared.watch_changed.notify_all();
        if let Some(thread) = self.supervisor.take() {
            let _ = thread.join();
        }
        let idle = std::mem::take(&mut lock(&self.shared.slots).idle);
        drop(idle); // each worker's Drop closes its stdin and waits for it
    }
}

impl Drop for Worker {
    /// Closes the worker's input, so it exits on its own; kills it if it has not within a
    /// second (it was busy), then reaps it.
    fn drop(&mut self) {
        self.stdin.take();
        let mut child = lock(&self.child);
        let waited = Instant::now();
        while matches!(child.try_wait(), Ok(None)) {
            if waited.elapsed() > Duration::from_secs(1) {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = child.wait();
        drop(child);
        if let Some(thread) = self.stderr.take() {
            let _ = thread.join();
        }
    }
}

/// Time past the per-file limit before the parent kills a worker: the readers check the clock
/// themselves and normally give up first, with the file's passages so far.
fn grace(max_file_time: Duration) -> Duration {
    Duration::from_secs(1) + max_file_time / 10
}

fn spawn(shared: &Shared) -> Result<Worker, SpawnError> {
    let failed = |source| SpawnError {
        program: shared.program.clone(),
        source,
    };
    let mut child = Command::new(&shared.program)
        .arg("__worker")
        .arg("--max-memory")
        .arg(shared.max_memory.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(failed)?;
    let missing = || failed(std::io::Error::other("no pipe to the worker"));
    let (Some(stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(missing());
    };
    let seen = Arc::new(Mutex::new(StderrSeen::default()));
    let stderr = {
        let seen = Arc::clone(&seen);
        std::thread::Builder::new()
            .name("certsift-worker-stderr".into())
            .spawn(move || pass_on_stderr(stderr, &seen))
            .ok()
    };
    Ok(Worker {
        id: shared.next_id.fetch_add(1, Ordering::Relaxed),
        child: Arc::new(Mutex::new(child)),
        stdin: Some(BufWriter::with_capacity(1 << 16, stdin)),
        stdout: BufReader::with_capacity(1 << 16, stdout),
        stderr,
        seen,
        timed_out: Arc::new(AtomicBool::new(false)),
    })
}

/// Copies a worker's stderr to ours line by line (its log lines and panic messages stay
/// visible), noting what would explain a death.
fn pass_on_stderr(stderr: std::process::ChildStderr, seen: &Mutex<StderrSeen>) {
    let mut reader = BufReader::new(stderr);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let _ = std::io::stderr().write_all(&line);
        lock(seen).see(String::from_utf8_lossy(&line).trim_end());
    }
}

/// Sends one file and waits for its document. Any failure means the worker is unusable.
fn exchange(
    worker: &mut Worker,
    path: &str,
    bytes: &[u8],
    limits: &Limits,
    time: &TimeBudget,
) -> Result<Document, ResponseError> {
    let stdin = worker
        .stdin
        .as_mut()
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
    protocol::write_request(stdin, path, limits, time, bytes)?;
    stdin.flush()?;
    protocol::read_response(&mut worker.stdout, max_response(limits))
}

/// The largest document the parent accepts from a worker: generous for real files (text is
/// rarely larger than its file), bounded for hostile ones.
fn max_response(limits: &Limits) -> u64 {
    limits
        .max_file_bytes
        .saturating_mul(4)
        .max(64 * 1024 * 1024)
}

/// The supervisor: sleeps until the nearest deadline, kills every worker past its own.
fn supervise(shared: &Shared) {
    let mut watch = lock(&shared.watch);
    loop {
        if watch.stopping {
            return;
        }
        let now = Instant::now();
        watch.armed.retain(|armed| {
            if armed.deadline > now {
                return true;
            }
            armed.timed_out.store(true, Ordering::SeqCst);
            // SIGKILL: a reader stuck in a loop that never checks the clock cannot refuse it.
            let _ = lock(&armed.child).kill();
            false
        });
        let next = watch
            .armed
            .iter()
            .map(|a| a.deadline)
            .min()
            .map_or(Duration::from_secs(60), |d| {
                d.saturating_duration_since(now)
            });
        watch = shared
            .watch_changed
            .wait_timeout(watch, next)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

/// A signal number in words, for the message of a worker that died of it.
pub(super) fn describe_status(status: Option<ExitStatus>) -> String {
    match status {
        Some(status) => match (status.code(), status.signal()) {
            (Some(code), _) => format!("exited with code {code}"),
            (None, Some(signal)) => {
                let name = match signal {
                    4 => " (SIGILL)",
                    6 => " (SIGABRT: an abort)",
                    7 => " (SIGBUS)",
                    8 => " (SIGFPE)",
                    9 => {
                        " (SIGKILL: killed from outside, e.g. by the system's out-of-memory killer)"
                    }
                    11 => " (SIGSEGV: a crash)",
                    15 => " (SIGTERM)",
                    _ => "",
                };
                format!("was ended by signal {signal}{name}")
            }
            (None, None) => "ended".into(),
        },
        None => "ended (its exit status is unknown)".into(),
    }
}
