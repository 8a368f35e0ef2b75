//! The ONNX Runtime side: loading the shared library once per process, one session per model.
//!
//! `ort` is built with `load-dynamic`: nothing is linked at build time, and the library the
//! setup script installed is opened on first use. A session runs with one intra-op thread,
//! because certsift's parallelism is its worker processes: two workers on two cores, each with
//! a single-threaded engine, beat one worker whose runtime spins a thread pool.

use super::PaddleError;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

/// The library loaded by this process, or why it could not be (kept, so every engine made
/// later gets the same answer instead of a second load attempt).
static RUNTIME: OnceLock<Result<String, String>> = OnceLock::new();

/// Loads `libonnxruntime.so` from `lib` once per process. A process can hold only one ONNX
/// Runtime: a later call with another path is refused rather than silently ignored.
pub fn load_runtime(lib: &Path) -> Result<(), PaddleError> {
    let wanted = lib.display().to_string();
    let loaded = RUNTIME.get_or_init(|| {
        let builder = ort::init_from(lib).map_err(|e| e.to_string())?;
        // No telemetry: certsift reads applicants' documents and reports to no one.
        builder.with_name("certsift").with_telemetry(false).commit();
        Ok(wanted.clone())
    });
    match loaded {
        Ok(path) if *path == wanted => Ok(()),
        Ok(path) => Err(PaddleError::Runtime(format!(
            "ONNX Runtime 已从 {path} 加载，不能再加载 {wanted} (ONNX Runtime is already loaded from {path}; cannot load {wanted} as well)"
        ))),
        Err(why) => Err(PaddleError::Runtime(format!(
            "无法从 {wanted} 加载 ONNX Runtime：{why} (cannot load ONNX Runtime)"
        ))),
    }
}

/// One model's session. `Session::run` needs `&mut`, the engine is shared (`Sync`): the mutex
/// serialises the runs of one engine, and one engine per worker never waits on it.
pub struct Model {
    name: &'static str,
    session: Mutex<Session>,
    output: String,
}

/// A model output: its shape and values, row-major.
pub struct Output {
    pub shape: Vec<i64>,
    pub data: Vec<f32>,
}

impl Model {
    /// Opens `path` with one intra-op thread and full graph optimisation.
    pub fn open(name: &'static str, path: &Path) -> Result<Model, PaddleError> {
        let fail = |e: String| PaddleError::Model {
            model: name,
            why: format!("{}: {e}", path.display()),
        };
        let session = Session::builder()
            .map_err(|e| fail(e.to_string()))?
            .with_intra_threads(1)
            .map_err(|e| fail(e.to_string()))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| fail(e.to_string()))?
            // Every page and crop batch has its own input size, so a planned memory pattern is
            // rarely reused; off, one engine peaked at 458 MB instead of 666 MB at the same
            // speed (benches/ocr.rs). The CPU arena stays: without it pages took 30% longer.
            .with_memory_pattern(false)
            .map_err(|e| fail(e.to_string()))?
            .commit_from_file(path)
            .map_err(|e| fail(e.to_string()))?;
        let output = session
            .outputs()
            .first()
            .map(|o| o.name().to_string())
            .ok_or_else(|| fail("模型没有输出 (the model has no output)".into()))?;
        Ok(Model {
            name,
            session: Mutex::new(session),
            output,
        })
    }

    /// A custom metadata value of the model (the rec model's `character` list).
    pub fn metadata(&self, key: &str) -> Result<Option<String>, PaddleError> {
        let session = self.lock()?;
        let meta = session.metadata().map_err(|e| self.error(e.to_string()))?;
        Ok(meta.custom(key))
    }

    /// Runs the model on one `f32` tensor of `shape`.
    pub fn run(&self, shape: [usize; 4], data: Vec<f32>) -> Result<Output, PaddleError> {
        let input = Tensor::from_array((shape, data)).map_err(|e| self.error(e.to_string()))?;
        let mut session = self.lock()?;
        let outputs = session
            .run(ort::inputs![input])
            .map_err(|e| self.error(e.to_string()))?;
        let value = outputs.get(&self.output).ok_or_else(|| {
            self.error(format!(
                "没有名为 {out} 的输出 (no output named {out})",
                out = self.output
            ))
        })?;
        let (shape, data) = value
            .try_extract_tensor::<f32>()
            .map_err(|e| self.error(e.to_string()))?;
        Ok(Output {
            shape: shape.to_vec(),
            data: data.to_vec(),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Session>, PaddleError> {
        self.session
            .lock()
            .map_err(|_| self.error("先前的一次运行已崩溃 (an earlier run panicked)".into()))
    }

    fn error(&self, why: String) -> PaddleError {
        PaddleError::Model {
            model: self.name,
            why,
        }
    }
}
