//! Command-line flags as written (clap derive). Validation into ready-to-use settings happens in
//! [`super::config`]; nothing here does I/O.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Pre-screens after-sales service certification bundles (GB/T 27922-2011).
#[derive(Debug, Parser)]
#[command(name = "certsift", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Colour and bold in terminal output: auto = only on a terminal and when NO_COLOR is not
    /// set; always; never.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorArg {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always, even into a pipe.
    Always,
    /// Never.
    Never,
}

impl ColorArg {
    /// Whether to colour a stream that `is_terminal` or not, `no_color` being whether the
    /// NO_COLOR convention's variable is set to something.
    pub fn wanted(self, is_terminal: bool, no_color: bool) -> bool {
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => is_terminal && !no_color,
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read files, folders or zips and show what was read: per file its kind, status and
    /// passages with their locations.
    Extract(ExtractArgs),
    /// Pre-screen one bundle (a folder or a .zip): materials, indicator evidence, fields and
    /// flags, as a triage summary (or the JSON report).
    Check(CheckArgs),
    /// Work with the rules: check a rules folder (ids, patterns, examples).
    Rules(RulesArgs),
    /// Read and assess bundles and add their passages to a search index (re-indexing a bundle
    /// replaces it).
    Index(IndexArgs),
    /// Search an index by Chinese words, phrases or codes; filter by clause, bundle, material.
    Search(SearchArgs),
    /// The nightly batch: every bundle of an inbox reported and indexed, incrementally, with a
    /// ranked triage summary (OUT/index.html, summary.csv, summary.json).
    Run(RunArgs),
    /// The reviewer's workbench: a web server over a batch output (triage, bundles, evidence in
    /// context, search, decisions kept in OUT/workbench.sqlite, xlsx export).
    Serve(ServeArgs),
    /// Internal: a worker process that reads files sent on stdin (started by certsift itself).
    #[command(name = "__worker", hide = true)]
    Worker(WorkerArgs),
}

/// `certsift __worker`: the child side of reading in worker processes.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Address space this process may use, in bytes (RLIMIT_AS).
    #[arg(long, value_name = "BYTES")]
    pub max_memory: Option<u64>,
}

/// `certsift serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The batch output folder (what `certsift run --out` wrote).
    pub out: PathBuf,
    /// Address to listen on; port 0 picks a free one. Beyond loopback, --token is required.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8027")]
    pub bind: std::net::SocketAddr,
    /// Access token every request must carry (`?token=…` once, then a cookie; or
    /// `Authorization: Bearer …`). Required for a non-loopback --bind.
    #[arg(long, value_name = "TOKEN", env = "CERTSIFT_TOKEN")]
    pub token: Option<String>,
    /// A rules folder whose catalog names the pages show instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

/// `certsift run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The inbox: each direct subfolder or .zip is one bundle.
    pub inbox: PathBuf,
    /// The output folder: bundles/<id>/report.{json,html}, index/, summary.*, index.html.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Review date for expiry checks, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// A rules folder to use instead of the built-in rules.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Redo every bundle, even unchanged ones.
    #[arg(long)]
    pub full: bool,
    /// Reading limits and threads (--jobs is also the number of bundles read at once).
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `certsift index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Bundles (folders or .zip files), or inbox folders whose direct subfolders and zips are
    /// bundles (a folder holding only folders and zips is taken as an inbox).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The index folder (created when missing).
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Review date for the assessment, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// A rules folder to use instead of the built-in rules.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Reading limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `certsift search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The index folder.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Words (all must match), "quoted phrases" or codes; several arguments are joined with
    /// spaces. May be empty with a filter (lists what the filter keeps). `OR` between two
    /// takes either; `NOT word` leaves out passages that say it (`-word` too, inside one quoted
    /// argument or after `--`, since a bare `-word` reads as an option).
    pub query: Vec<String>,
    /// Only passages cited for this clause or below it (5.3 includes 5.3.2).
    #[arg(long, value_name = "CLAUSE")]
    pub clause: Option<String>,
    /// Only this bundle.
    #[arg(long, value_name = "ID")]
    pub bundle: Option<String>,
    /// Only files classified as this material.
    #[arg(long, value_name = "ID")]
    pub material: Option<String>,
    /// Most hits shown.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// Hits to skip first, for the next page (`--offset 20` after the first 20).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: usize,
    /// One JSON object per hit, one per line.
    #[arg(long)]
    pub json: bool,
    /// Only passages with every word: no partial matches after them.
    #[arg(long)]
    pub exact: bool,
}

/// `certsift check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The bundle(s): folders or .zip files (several are checked one after the other).
    #[arg(required = true)]
    pub bundles: Vec<PathBuf>,
    /// Review date for expiry checks, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// A rules folder to use instead of the built-in rules.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Print the JSON report instead of the summary (one report per line for several bundles).
    #[arg(long)]
    pub json: bool,
    /// Also write DIR/bundles/<id>/report.json.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Reading limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `certsift rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// What to do with the rules.
    #[command(subcommand)]
    pub action: RulesAction,
}

/// The actions of `certsift rules`.
#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// Load and compile a rules folder, run every example and counter-example, and print
    /// "OK: …" or each problem as `file:line: message` (exit status 1 on any problem).
    Check {
        /// The rules folder (default: the rules built into certsift).
        dir: Option<PathBuf>,
    },
}

/// `certsift extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Files, folders or .zip bundles to read.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print one JSON object per file, one per line.
    #[arg(long)]
    pub json: bool,
    /// Print only one summary line per file, no passages.
    #[arg(long, conflicts_with = "json")]
    pub brief: bool,
    /// Reading limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Per-file limits, shared by every command that reads files.
#[derive(Debug, Args, Clone)]
pub struct LimitArgs {
    /// Largest file read, in MiB (zip members count uncompressed).
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub max_file_mb: u64,
    /// Wall time allowed per file, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub max_file_seconds: f64,
    /// Wall time allowed for the members of one archive together, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600.0)]
    pub max_archive_seconds: f64,
    /// Wall time allowed for the files of one bundle together, in seconds; files not started by
    /// then are limit_exceeded.
    #[arg(long, value_name = "SECONDS", default_value_t = 900.0)]
    pub max_bundle_seconds: f64,
    /// Most passages kept from one bundle (bounds the rules' and the index's work).
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_bundle_passages: usize,
    /// Most PDF pages read per file.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub max_pages: u32,
    /// Worker threads (default: one per core); also the number of worker processes.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Memory one worker process may use, in MiB; a file needing more gets limit_exceeded.
    #[arg(long, value_name = "MIB", default_value_t = 4096)]
    pub max_worker_memory: u64,
    /// When to OCR: auto = images and pages without a text layer; off = never (they stay
    /// needs_ocr); force = also PDF pages that have a text layer. Needs an OCR engine
    /// (tools/setup-parts.sh installs both).
    #[arg(long, value_enum, default_value_t = OcrArg::Auto)]
    pub ocr: OcrArg,
    /// Which OCR engine reads pages: auto = PP-OCR where its parts are installed, else
    /// tesseract; ppocr or tesseract = that one only.
    #[arg(long, value_enum, default_value_t = OcrEngineArg::Auto)]
    pub ocr_engine: OcrEngineArg,
    /// Read files in this process instead of in worker processes (for tests and trusted files:
    /// a file that aborts or hangs a reader then ends the whole run).
    #[arg(long)]
    pub no_isolation: bool,
}

/// `--ocr-engine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OcrEngineArg {
    /// PP-OCR where installed, else tesseract.
    Auto,
    /// PP-OCRv4 through ONNX Runtime.
    Ppocr,
    /// The tesseract binary.
    Tesseract,
}

/// `--ocr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OcrArg {
    /// OCR images and pages without a text layer.
    Auto,
    /// Never OCR.
    Off,
    /// Also OCR PDF pages that have a text layer.
    Force,
}
