//! OCR: page images → located lines of text, for the files and pages that have no text layer.
//!
//! One seam, [`Engine`]: a grey page image in, lines in reading order out, each with its box and
//! confidence. Engines are interchangeable behind it: [`Tesseract`] (the `tesseract` binary as a
//! subprocess) and PP-OCRv4 through ONNX Runtime ([`crate::ingest::paddle`], the default where
//! its parts are installed). What is engine-independent lives here: finding an engine
//! ([`engine`]), putting a page upright before recognition for engines that cannot do it
//! themselves ([`orient`]: 90° turns and small skew), and turning an image file into passages
//! ([`picture`]).
//!
//! Every recognition runs against a deadline (the file's), so a page that never finishes costs
//! the file `limit_exceeded`, not the batch. Without an engine, OCR is unavailable and the message
//! names `tools/setup-parts.sh`, the script that installs one.

mod cache;
pub(crate) mod embedded;
pub(crate) mod ink;
mod orient;
pub(crate) mod picture;
pub(crate) mod pixels;
mod tesseract;

pub use orient::{Upright, upright};
pub use tesseract::Tesseract;

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use std::time::Instant;

/// One line of recognised text.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrLine {
    /// The line's text: Chinese words joined without spaces, a space between Latin words and
    /// where the page leaves a wide gap (a label and its value).
    pub text: String,
    /// `x0, y0, x1, y1` in pixels of the image given to the engine.
    pub bbox: [u32; 4],
    /// The engine's confidence, 0..=1.
    pub confidence: f32,
}

/// An OCR engine: one instance per process, shared by its threads.
pub trait Engine: Send + Sync {
    /// A short name for notes and benches (`"tesseract"`).
    fn name(&self) -> &'static str;
    /// What decides this engine's reading of a page (name, model or language), for the OCR
    /// cache's key: two engines that may read a page differently never share an entry.
    fn identity(&self) -> String {
        self.name().to_string()
    }
    /// The lines of `image` as it lies, in reading order. Gives up with [`OcrError::Timeout`]
    /// at `deadline`.
    fn recognize(
        &self,
        image: &image::GrayImage,
        deadline: Instant,
    ) -> Result<Vec<OcrLine>, OcrError>;

    /// The page put upright and read, boxes in `image`'s pixels. By default
    /// [`read_by_retries`]; an engine that can tell how a page lies from its own intermediate
    /// results (PP-OCR's boxes and angle classifier) does it more cheaply itself.
    fn read_upright(
        &self,
        image: &image::GrayImage,
        deadline: Instant,
    ) -> Result<PageText, OcrError> {
        read_by_retries(self, image, deadline)
    }
}

/// Why OCR gave no lines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    /// No engine is installed (or it lacks Chinese data); the message says what to install.
    #[error("{0}")]
    Unavailable(String),
    /// The deadline passed before the engine finished.
    #[error("OCR 未能在文件的时限内完成 (OCR did not finish before the file's time limit)")]
    Timeout,
    /// The engine ran but failed on this image.
    #[error("OCR 识别失败：{0}")]
    Failed(String),
}

/// When to OCR (`--ocr`). Serialised in [`crate::ingest::Limits`] for worker processes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OcrMode {
    /// OCR where there is no text layer: image files, and (later) scanned PDF pages.
    #[default]
    Auto,
    /// Never OCR: images and scans stay `needs_ocr`.
    Off,
    /// Also OCR PDF pages that have a text layer (for PDFs whose text layer is wrong); for image
    /// files the same as `Auto`.
    Force,
}

/// Which engine reads pages (`--ocr-engine`). Serialised in [`crate::ingest::Limits`] for
/// worker processes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EngineChoice {
    /// PP-OCR where its parts are installed, else tesseract.
    #[default]
    Auto,
    /// PP-OCRv4 through ONNX Runtime ([`crate::ingest::paddle`]), or OCR is unavailable.
    Ppocr,
    /// The `tesseract` binary, or OCR is unavailable.
    Tesseract,
}

/// What to install when no engine is found; every "OCR unavailable" message ends with it.
pub const SETUP_HINT: &str = "请以 root 身份运行 tools/setup-parts.sh 安装 OCR 引擎（PP-OCR 及 \
     ONNX Runtime、tesseract 及其中文数据） (run tools/setup-parts.sh as root to install the OCR \
     engines: PP-OCR with ONNX Runtime, and tesseract with its Chinese data)";

/// How every "no engine" message begins; [`engine`] strips it from tesseract's reason when it
/// joins the reasons of both engines under one.
pub const NO_ENGINE: &str = "没有可用的 OCR 引擎：";

/// The process's OCR engine for `choice`, each engine found once per process. With
/// [`EngineChoice::Auto`], PP-OCR when its parts are installed (it reads licences right, issue
/// 12's measurements), else tesseract. `Err(Unavailable)` says why there is none and names
/// [`SETUP_HINT`]'s script.
pub fn engine(choice: EngineChoice) -> Result<&'static dyn Engine, OcrError> {
    match choice {
        EngineChoice::Ppocr => ppocr(),
        EngineChoice::Tesseract => tesseract(),
        EngineChoice::Auto => ppocr().or_else(|paddle| {
            tesseract().map_err(|tess| {
                let tess = tess.to_string();
                let tess = tess.trim_start_matches(NO_ENGINE);
                OcrError::Unavailable(format!("{NO_ENGINE}{paddle}；{tess}"))
            })
        }),
    }
}

fn ppocr() -> Result<&'static dyn Engine, OcrError> {
    static ENGINE: OnceLock<Result<crate::ingest::paddle::PaddleEngine, OcrError>> =
        OnceLock::new();
    match ENGINE.get_or_init(|| crate::ingest::paddle::PaddleEngine::new().map_err(OcrError::from))
    {
        Ok(engine) => Ok(engine),
        Err(err) => Err(err.clone()),
    }
}

fn tesseract() -> Result<&'static dyn Engine, OcrError> {
    static ENGINE: OnceLock<Result<Tesseract, OcrError>> = OnceLock::new();
    match ENGINE.get_or_init(Tesseract::discover) {
        Ok(engine) => Ok(engine),
        Err(err) => Err(err.clone()),
    }
}

/// Below this mean confidence a reading is probably of a page the wrong way round (measured on
/// the scan fixtures: upright pages 0.78–0.85, turned ones 0.17–0.24), so the page is read in
/// the next orientation and the most confident reading is kept.
const UNCONFIDENT_BELOW: f32 = 0.5;

/// A page read by OCR: its lines, boxes in the pixels of the image as given.
#[derive(Debug, Clone, PartialEq)]
pub struct PageText {
    /// Lines in reading order; boxes mapped back to the original image.
    pub lines: Vec<OcrLine>,
    /// How the page was put upright before recognition.
    pub upright: Upright,
}

/// One try of [`read_page`]: confidence, turn, lines, the turned page's size.
type Reading = (f32, Upright, Vec<OcrLine>, (u32, u32));

/// Puts `image` upright and recognises it, with the engine's way of finding how it lies
/// ([`Engine::read_upright`]).
pub fn read_page(
    engine: &dyn Engine,
    image: &image::GrayImage,
    deadline: Instant,
) -> Result<PageText, OcrError> {
    engine.read_upright(image, deadline)
}

/// Puts `image` upright ([`upright`]), recognises it and maps the boxes back to `image`'s
/// pixels, for engines that know nothing of orientation (tesseract with one `--psm`). The profile cannot tell up from down, and a page whose frame or sparse centred lines
/// outweigh its text (a certificate) can fool it about the axis too, so an unconfident reading
/// is followed by the page turned by 180°, then by the other axis both ways, until one is
/// confident; the most confident wins. An upright, legible page costs one recognition.
pub fn read_by_retries<E: Engine + ?Sized>(
    engine: &E,
    image: &image::GrayImage,
    deadline: Instant,
) -> Result<PageText, OcrError> {
    let first = upright(image);
    let other_axis = Upright {
        quarter_turn: !first.quarter_turn,
        skew_degrees: 0.0,
        flipped: false,
    };
    let candidates = [
        first,
        Upright {
            flipped: true,
            ..first
        },
        other_axis,
        Upright {
            flipped: true,
            ..other_axis
        },
    ];
    // (confidence, how the page was turned, its lines, the turned page's size)
    let mut best: Option<Reading> = None;
    for (i, turn) in candidates.into_iter().enumerate() {
        let page = turn.apply(image);
        let lines = match engine.recognize(&page, deadline) {
            Ok(lines) => lines,
            // A later try that runs out of time leaves the best reading so far.
            Err(OcrError::Timeout) if best.is_some() => break,
            Err(e) => return Err(e),
        };
        let confidence = mean_confidence(&lines);
        let nothing = i == 0 && lines.is_empty();
        if best.as_ref().is_none_or(|b| confidence > b.0) {
            best = Some((confidence, turn, lines, page.dimensions()));
        }
        if nothing || confidence >= UNCONFIDENT_BELOW || Instant::now() >= deadline {
            break;
        }
    }
    let Some((_, turn, mut lines, page)) = best else {
        return Err(OcrError::Timeout);
    };
    for line in &mut lines {
        line.bbox = turn.unmap(line.bbox, page, image.dimensions());
    }
    Ok(PageText {
        lines,
        upright: turn,
    })
}

/// [`read_page`], through the cache in `cache` (a folder) when there is one: a page whose
/// pixels were read before by the same engine comes from it.
pub fn read_page_cached(
    engine: &dyn Engine,
    image: &image::GrayImage,
    deadline: Instant,
    cache: Option<&std::path::Path>,
) -> Result<PageText, OcrError> {
    let Some(dir) = cache else {
        return read_page(engine, image, deadline);
    };
    let key = cache::key(&engine.identity(), image);
    if let Some(page) = cache::get(dir, &key) {
        return Ok(page);
    }
    let page = read_page(engine, image, deadline)?;
    cache::put(dir, &key, &page);
    Ok(page)
}

/// The confidence of a reading: its lines' confidences weighted by their length, 0 for none.
pub fn mean_confidence(lines: &[OcrLine]) -> f32 {
    let (sum, n) = lines.iter().fold((0.0f32, 0usize), |(s, n), l| {
        let chars = l.text.chars().filter(|c| !c.is_whitespace()).count();
        (s + l.confidence * chars as f32, n + chars)
    });
    if n == 0 { 0.0 } else { sum / n as f32 }
}

/// The passages of a page read by OCR, one per line, located at `page`, its line number and box;
/// a page that had to be turned adds a note saying so.
pub(crate) fn page_passages(
    page: u32,
    text: PageText,
    notes: &mut Vec<String>,
) -> Vec<crate::model::Passage> {
    if text.upright.quarter_turn || text.upright.flipped {
        let degrees = match (text.upright.quarter_turn, text.upright.flipped) {
            (true, false) => 90,
            (false, true) => 180,
            _ => 270,
        };
        notes.push(format!(
            "第 {page} 页是旋转 {degrees}° 后识别的 (page {page} was read turned by {degrees}°)"
        ));
    }
    text.lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let mut passage = crate::model::Passage::new(
                line.text,
                crate::model::Location::OcrLine {
                    page,
                    line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    bbox: line.bbox,
                },
            );
            passage.ocr_confidence = Some(line.confidence);
            passage
        })
        .collect()
}

/// The read error an OCR failure on `page` gives the file.
pub(crate) fn read_error(
    e: OcrError,
    page: u32,
    ctx: &crate::ingest::ReadContext,
) -> crate::ingest::ReadError {
    use crate::ingest::ReadError;
    match e {
        OcrError::Timeout => {
            ReadError::LimitExceeded(format!("第 {page} 页 OCR：{}", ctx.time.spent_message()))
        }
        OcrError::Unavailable(why) => ReadError::NeedsOcr(why),
        OcrError::Failed(why) => ReadError::Corrupt(format!("第 {page} 页：{why}")),
    }
}
