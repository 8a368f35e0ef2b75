//! Worker processes: files read in children of the same binary, as Tika's forked parser, so
//! that a file which aborts the process (Rust's `memory allocation of … bytes failed` cannot be
//! caught by `catch_unwind`), crashes it or never returns costs only that file.
//!
//! [`read`] is the one entry point: with [`Isolation::InProcess`] it is
//! [`super::read_isolated`]; with [`Isolation::Workers`] the file's display path and bytes go
//! over a pipe to a long-lived `PROGRAM __worker` ([`serve`]), which sniffs, reads and
//! normalises exactly as in-process and sends the [`Document`] back (see [`protocol`] for the
//! wire). Each worker caps its own address space (`RLIMIT_AS`, [`super::Limits::max_worker_memory`]);
//! the parent gives each file its per-file time plus a grace period, then kills the worker
//! (SIGKILL) and the next file starts a replacement. The outcome of a dead worker is the file's
//! status: `limit_exceeded` for time and memory, `corrupt` for any other death, with a message
//! that says which, in Chinese and English.
//!
//! The pool is process-wide, sized by rayon's thread count when first used, started lazily and
//! reused across files and bundles; the command line calls [`shutdown`] at the end. Workers hold
//! nothing of the parent's but three pipes (std opens every file close-on-exec), and exit when
//! their stdin closes, so a parent killed with `kill -9` leaves none behind for long.
//!
//! What this module leaves to others: the zip walk ([`super::zip`]) stays in the parent, each
//! member read here; the limits themselves are the readers' ([`super::Limits`]). Unix only: elsewhere
//! [`Isolation::Workers`] reads in-process.

mod protocol;

#[cfg(unix)]
mod pool;

use super::{ReadContext, read_isolated};
use crate::model::{Document, FileKind, FileStatus};
use std::path::PathBuf;

/// Where files are read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Isolation {
    /// In this process, behind `catch_unwind` only: for tests and trusted files, and where
    /// worker processes are not available.
    #[default]
    InProcess,
    /// In worker processes running `program __worker` (the certsift binary itself).
    Workers {
        /// The binary to start (`std::env::current_exe()` for the command line).
        program: PathBuf,
    },
}

/// A worker's own failure: its input or output broke. The parent sees this as a dead worker.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The memory cap could not be set.
    #[error("cannot cap the worker's memory at {bytes} bytes: {source}")]
    MemoryCap {
        /// The cap asked for.
        bytes: u64,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The pipe to or from the parent failed.
    #[error("the worker's pipe to its parent failed: {0}")]
    Pipe(#[from] std::io::Error),
}

/// Reads one file into a [`Document`] where `ctx.limits.isolation` says; never panics, never
/// fails. The same document as [`read_isolated`] for every file a worker survives.
pub fn read(path: &str, bytes: &[u8], ctx: &ReadContext) -> Document {
    match &ctx.limits.isolation {
        Isolation::InProcess => read_isolated(path, bytes, ctx),
        // No bytes, nothing to parse: not worth a round trip.
        Isolation::Workers { .. } if bytes.is_empty() => read_isolated(path, bytes, ctx),
        Isolation::Workers { program } => read_in_worker(program, path, bytes, ctx),
    }
}

#[cfg(unix)]
fn read_in_worker(
    program: &std::path::Path,
    path: &str,
    bytes: &[u8],
    ctx: &ReadContext,
) -> Document {
    let limits = &ctx.limits;
    let pool = shared_pool(program, limits.max_worker_memory);
    match pool.read(path, bytes, limits, &ctx.time) {
        Ok(pool::Outcome::Read(doc)) => doc,
        Ok(pool::Outcome::Died(death)) => {
            let doc = died_on(path, bytes, ctx, &death);
            tracing::warn!(file = path, "{}", doc.error.as_deref().unwrap_or_default());
            doc
        }
        Err(spawn) => {
            static WARNED: std::sync::Once = std::sync::Once::new();
            WARNED.call_once(|| tracing::warn!("{spawn}; reading in-process instead"));
            read_isolated(path, bytes, ctx)
        }
    }
}

#[cfg(not(unix))]
fn read_in_worker(
    _program: &std::path::Path,
    path: &str,
    bytes: &[u8],
    ctx: &ReadContext,
) -> Document {
    read_isolated(path, bytes, ctx)
}

/// The process-wide pool, replaced when asked for another program or memory cap.
#[cfg(unix)]
static POOL: std::sync::Mutex<Option<std::sync::Arc<pool::Pool>>> = std::sync::Mutex::new(None);

#[cfg(unix)]
fn shared_pool(program: &std::path::Path, max_memory: u64) -> std::sync::Arc<pool::Pool> {
    let mut slot = POOL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match slot.as_ref() {
        Some(pool) if pool.runs(program, max_memory) => std::sync::Arc::clone(pool),
        _ => {
            let size = rayon::current_num_threads();
            let pool = std::sync::Arc::new(pool::Pool::new(program, max_memory, size));
            *slot = Some(std::sync::Arc::clone(&pool));
            pool
        }
    }
}

/// Stops every idle worker and waits for it. Call once reading is over (the command line does,
/// before it exits); a later [`read`] starts new workers.
pub fn shutdown() {
    #[cfg(unix)]
    {
        let pool = POOL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        drop(pool);
    }
}

/// The document of a file whose worker died on it. Its kind is the extension's: sniffing is
/// part of what died.
#[cfg(unix)]
fn died_on(path: &str, bytes: &[u8], ctx: &ReadContext, death: &pool::Death) -> Document {
    let limits = &ctx.limits;
    let out_of_memory = death.stderr.out_of_memory;
    let (status, error) = if death.timed_out {
        (
            FileStatus::LimitExceeded,
            format!(
                "{spent}；读取进程已终止 (its worker process was stopped)",
                spent = ctx.time.spent_message()
            ),
        )
    } else if out_of_memory {
        (
            FileStatus::LimitExceeded,
            format!(
                "内存超限：读取所需内存超过每个读取进程 {mib} MiB 的限制（--max-worker-memory），读取\
                 进程已终止 (memory limit: reading needed more than the {mib} MiB a worker process \
                 may use; its worker process stopped)",
                mib = limits.max_worker_memory / (1024 * 1024)
            ),
        )
    } else if let protocol::ResponseError::TooLarge { size, max } = death.error {
        (
            FileStatus::LimitExceeded,
            format!(
                "读取结果过大：从此文件读出的文字有 {size} 字节，超出 {max} 字节的限制，读取进程已终止 \
                 (size limit: the text read from this file is {size} bytes, over the {max} byte \
                 limit; its worker process was stopped)"
            ),
        )
    } else {
        let last = death
            .stderr
            .last_message
            .as_deref()
            .map(|line| format!("：{}", line.trim()))
            .unwrap_or_default();
        (
            FileStatus::Corrupt,
            format!(
                "读取进程读取此文件时异常退出{last} (reader crashed: the worker process reading \
                 this file {status})",
                status = pool::describe_status(death.status)
            ),
        )
    };
    let declared_kind = super::sniff::kind_from_extension(path);
    Document {
        path: path.to_string(),
        sha256: super::sha256_hex(bytes),
        bytes: bytes.len() as u64,
        kind: declared_kind.unwrap_or(FileKind::Unknown),
        declared_kind,
        status,
        error: Some(error),
        passages: Vec::new(),
        ocr_pages: Vec::new(),
        ocr: false,
        pages: None,
        notes: Vec::new(),
    }
}

/// The worker's side (`certsift __worker`): caps its own memory, then reads requests from
/// stdin and answers on stdout until stdin closes. Returns `Ok` at the end of the input.
pub fn serve(max_memory: Option<u64>) -> Result<(), WorkerError> {
    if let Some(bytes) = max_memory {
        cap_memory(bytes)?;
    }
    #[cfg(unix)]
    exit_with_parent();
    let mut input = std::io::stdin().lock();
    let mut output = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    while let Some(request) = protocol::read_request(&mut input)? {
        #[cfg(debug_assertions)]
        test_hooks::before_reading(&request.path);
        let doc = read_isolated(
            &request.path,
            &request.bytes,
            &ReadContext::with_time(request.limits, request.time),
        );
        drop(request.bytes);
        protocol::write_response(&mut output, &doc)?;
        std::io::Write::flush(&mut output)?;
    }
    Ok(())
}

/// Between files a worker notices its parent's end by its stdin closing; in the middle of a file
/// it would not, so a thread watches for the parent to change (the orphan is adopted by init or
/// a subreaper) and ends the process. Not `PR_SET_PDEATHSIG`: that fires when the parent
/// *thread* that started the worker ends, and pool threads come and go.
#[cfg(unix)]
fn exit_with_parent() {
    let parent = std::os::unix::process::parent_id();
    let _ = std::thread::Builder::new()
        .name("certsift-worker-parent-watch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_millis(250));
                if std::os::unix::process::parent_id() != parent {
                    std::process::exit(3);
                }
            }
        });
}

#[cfg(unix)]
fn cap_memory(bytes: u64) -> Result<(), WorkerError> {
    rlimit::setrlimit(rlimit::Resource::AS, bytes, bytes)
        .map_err(|source| WorkerError::MemoryCap { bytes, source })
}

#[cfg(not(unix))]
fn cap_memory(_bytes: u64) -> Result<(), WorkerError> {
    Ok(())
}

/// Debug builds only: ways for the end-to-end tests to make a worker die on a chosen file,
/// since the guards now refuse the spreadsheets that used to abort. Each variable holds a
/// substring of the display path:
/// - `CERTSIFT_TEST_WORKER_ABORT`: `std::process::abort()` (SIGABRT, like a failed allocation
///   without the message);
/// - `CERTSIFT_TEST_WORKER_OOM`: allocate 4 TiB, which the memory cap refuses, so Rust's
///   allocation-failure handler aborts with its real message;
/// - `CERTSIFT_TEST_WORKER_SLEEP`: sleep two minutes without reading the clock (a reader stuck
///   in a loop), after writing the worker's pid to `CERTSIFT_TEST_WORKER_PIDFILE` when set.
#[cfg(debug_assertions)]
mod test_hooks {
    fn matches(variable: &str, path: &str) -> bool {
        std::env::var(variable).is_ok_and(|name| !name.is_empty() && path.contains(&name))
    }

    pub(super) fn before_reading(path: &str) {
        if matches("CERTSIFT_TEST_WORKER_ABORT", path) {
            std::process::abort();
        }
        if matches("CERTSIFT_TEST_WORKER_OOM", path) {
            let huge: Vec<u8> = Vec::with_capacity(1 << 42);
            std::hint::black_box(huge);
        }
        if matches("CERTSIFT_TEST_WORKER_SLEEP", path) {
            if let Some(pidfile) = std::env::var_os("CERTSIFT_TEST_WORKER_PIDFILE") {
                let _ = std::fs::write(pidfile, std::process::id().to_string());
            }
            std::thread::sleep(std::time::Duration::from_secs(120));
        }
    }
}
