//! PP-OCRv4 through ONNX Runtime: a grey page image → text lines with boxes, in reading order.
//!
//! Why this engine: on rendered and scanned licences it reads the fields that drive the flags
//! (统一社会信用代码 above all) where tesseract misreads them (issue 12). Why our own pipeline
//! rather than a wrapper crate: the wrappers pin old `ort` releases, and their line order is wrong
//! on tilted pages, which is most phone photos and many scans.
//!
//! The stages, each in its own module and testable without the runtime:
//! 1. [`det`]: resize to multiples of 32, run the DB detector, threshold its probability map,
//!    take each region's minimum-area rectangle ([`geometry`]), score and unclip it;
//! 2. [`crop`]: sample each box upright at height 48; the angle classifier (optional) turns
//!    upside-down crops;
//! 3. [`ctc`]: run the SVTR recogniser in width-sorted batches and decode greedily with the
//!    character list from the model's own metadata;
//! 4. [`lines`]: estimate the page skew from the boxes and group them into lines in the
//!    de-skewed frame.
//!
//! The parts (the runtime library and the models) are installed by `tools/setup-onnx.sh` and
//! found by [`parts`]; nothing is fetched at run time. The engine sits behind the OCR seam
//! ([`Engine`]), where it is the default when its parts are found.
//!
//! Orientation is the engine's own ([`PaddleEngine::read_upright`]): the detector's boxes say
//! whether the page lies on its side (text boxes taller than wide), and the angle classifier's
//! votes over all crops say whether it stands on its head, so a turned page costs one more
//! detection at most, never a second full reading.

mod crop;
mod ctc;
mod det;
mod geometry;
mod lines;
pub mod parts;
mod runtime;
mod split;

pub use det::DetParams;
pub use parts::Parts;

#[cfg(test)]
mod live_tests;
#[cfg(test)]
mod measure;

pub use crate::ingest::ocr::OcrLine;

use crate::ingest::ocr::{Engine, OcrError, PageText, Upright};
use crop::LINE_HEIGHT;
use ctc::Charset;
use det::DetBox;
use image::GrayImage;
use lines::Recognized;
use parts::SETUP_SCRIPT;
use runtime::Model;
use std::path::PathBuf;
use std::time::Instant;

/// Why the engine could not be made or could not read a page.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PaddleError {
    /// The runtime or a model is not where the setup script puts it.
    #[error(
        "未安装 PP-OCR 引擎：在 {folder} 中找不到 {missing}（请运行 {SETUP_SCRIPT}，或将 CERTSIFT_PARTS 设为其安装位置） (the PP-OCR engine is not installed: {missing} not found)",
        folder = dir.display()
    )]
    NotInstalled {
        /// The parts folder looked in.
        dir: PathBuf,
        /// What was not there.
        missing: String,
    },
    /// The ONNX Runtime library would not load.
    #[error("{0}")]
    Runtime(String),
    /// A model would not open or run, or gave output of an unexpected shape.
    #[error("PP-OCR 模型 {model} 出错：{why} (the {model} model failed)")]
    Model {
        /// Which model: detection, recognition or angle classification.
        model: &'static str,
        /// What went wrong.
        why: String,
    },
    /// The page's deadline passed before it was read.
    #[error("该页 OCR 超出时限 (OCR of the page ran past its time limit)")]
    Deadline,
}

/// Tunable settings; the defaults are PP-OCRv4's, with a detector size chosen for A4 scans.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Detector settings.
    pub det: DetParams,
    /// Run the angle classifier (when its model is installed) and turn upside-down crops.
    pub use_cls: bool,
    /// Crops per recogniser run: PP-OCR's 6 keeps padding waste low on width-sorted crops.
    pub rec_batch: usize,
    /// Recognised boxes below this confidence are dropped as noise (PP-OCR's `text_score`).
    pub min_confidence: f32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            det: DetParams::default(),
            use_cls: true,
            rec_batch: 6,
            min_confidence: 0.5,
        }
    }
}

/// Narrowest recogniser input: PP-OCR pads every batch to at least 320 × 48.
const MIN_REC_WIDTH: u32 = 320;
/// The angle classifier's fixed input width.
const CLS_WIDTH: u32 = 192;
/// The classifier must be this sure before a crop is turned.
const CLS_THRESHOLD: f32 = 0.9;

/// The engine: one session per model, each single-threaded.
pub struct PaddleEngine {
    det: Model,
    rec: Model,
    cls: Option<Model>,
    charset: Charset,
    config: Config,
    /// The models' file names and sizes: the OCR cache's key changes with the models.
    models: String,
}

impl PaddleEngine {
    /// The engine from the installed parts ([`Parts::locate`]), with default settings.
    pub fn new() -> Result<PaddleEngine, PaddleError> {
        PaddleEngine::with_parts(&Parts::locate()?, Config::default())
    }

    /// The engine from given parts and settings.
    pub fn with_parts(parts: &Parts, config: Config) -> Result<PaddleEngine, PaddleError> {
        runtime::load_runtime(&parts.runtime)?;
        let det = Model::open("detection", &parts.det)?;
        let rec = Model::open("recognition", &parts.rec)?;
        let cls = match (&parts.cls, config.use_cls) {
            (Some(path), true) => Some(Model::open("angle classification", path)?),
            _ => None,
        };
        let list = rec
            .metadata("character")?
            .ok_or_else(|| PaddleError::Model {
                model: "recognition",
                why: "模型元数据中没有 `character` 字符表 (its metadata has no `character` list)"
                    .into(),
            })?;
        let models = [Some(&parts.det), Some(&parts.rec), parts.cls.as_ref()]
            .into_iter()
            .flatten()
            .map(|p| {
                let size = std::fs::metadata(p).map_or(0, |m| m.len());
                let name = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
                let name = name
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                format!("{name}:{size}")
            })
            .collect::<Vec<_>>()
            .join(" ");
        Ok(PaddleEngine {
            det,
            rec,
            cls,
            charset: Charset::from_metadata(&list),
            config,
            models,
        })
    }

    /// The engine's name in reports.
    pub fn name(&self) -> &'static str {
        "ppocr-v4"
    }

    /// Reads `image` as it lies into lines in reading order, or [`PaddleError::Deadline`] once
    /// `deadline` has passed (checked between model runs). Crops the classifier finds upside
    /// down are turned, but the page is not: see [`PaddleEngine::read_upright`].
    pub fn recognize(
        &self,
        image: &GrayImage,
        deadline: Instant,
    ) -> Result<Vec<OcrLine>, PaddleError> {
        let (w, h) = image.dimensions();
        if w == 0 || h == 0 {
            return Ok(Vec::new());
        }
        check(deadline)?;
        let boxes = self.detect(image)?;
        let mut crops: Vec<GrayImage> = boxes
            .iter()
            .map(|b| crop::crop_line(image, &b.quad))
            .collect();
        check(deadline)?;
        self.classify(&mut crops, deadline)?;
        self.finish(boxes, &crops, (w, h), deadline)
    }

    /// Puts `image` upright and reads it: lines in reading order, boxes in `image`'s pixels.
    ///
    /// 1. The projection profile ([`crate::ingest::ocr::upright`]) guesses the axis; small skew
    ///    is left to the line grouping ([`lines`]), which reads tilted pages without resampling.
    /// 2. When most detected boxes stand taller than wide, text runs down the page: the guess
    ///    was wrong, the page is turned the other way and detected again.
    /// 3. When the angle classifier turns most crops (by width), the page stands on its head:
    ///    the crops are already upright, and the boxes are turned about the page's centre so the
    ///    lines come out top to bottom.
    pub fn read_upright(
        &self,
        image: &GrayImage,
        deadline: Instant,
    ) -> Result<(Vec<OcrLine>, Upright), PaddleError> {
        if image.width() == 0 || image.height() == 0 {
            return Ok((Vec::new(), Upright::default()));
        }
        let guess = crate::ingest::ocr::upright(image);
        let mut turn = Upright {
            quarter_turn: guess.quarter_turn,
            skew_degrees: 0.0,
            flipped: false,
        };
        check(deadline)?;
        let mut page = turn.apply(image);
        let mut boxes = self.detect(&page)?;
        if lines::mostly_upright_boxes(&boxes) == Some(false) {
            turn.quarter_turn = !turn.quarter_turn;
            check(deadline)?;
            let other = turn.apply(image);
            let other_boxes = self.detect(&other)?;
            // Keep the other axis only when it does look better (a page of short boxes, such as
            // a table of numbers, has no clear axis).
            if lines::mostly_upright_boxes(&other_boxes) != Some(false) {
                page = other;
                boxes = other_boxes;
            } else {
                turn.quarter_turn = !turn.quarter_turn;
            }
        }
        let mut crops: Vec<GrayImage> = boxes
            .iter()
            .map(|b| crop::crop_line(&page, &b.quad))
            .collect();
        check(deadline)?;
        let turned_share = self.classify(&mut crops, deadline)?;
        let size = page.dimensions();
        if turned_share > 0.5 {
            turn.flipped = true;
            for b in &mut boxes {
                b.quad = b.quad.turned_180(size);
            }
        }
        let mut lines = self.finish(boxes, &crops, size, deadline)?;
        for line in &mut lines {
            line.bbox = turn.unmap(line.bbox, size, image.dimensions());
        }
        Ok((lines, turn))
    }

    /// Recognises the crops of `boxes` on a page of `size` and groups them into lines.
    fn finish(
        &self,
        boxes: Vec<DetBox>,
        crops: &[GrayImage],
        size: (u32, u32),
        deadline: Instant,
    ) -> Result<Vec<OcrLine>, PaddleError> {
        let texts = self.read(crops, deadline)?;
        let recognized: Vec<Recognized> = boxes
            .into_iter()
            .zip(texts)
            .filter(|(_, d)| {
                d.confidence >= self.config.min_confidence && !d.text.trim().is_empty()
            })
            .map(|(b, d)| Recognized {
                quad: b.quad,
                text: d.text,
                confidence: d.confidence,
            })
            .collect();
        Ok(lines::into_lines(&recognized, size))
    }

    fn detect(&self, image: &GrayImage) -> Result<Vec<DetBox>, PaddleError> {
        let input = det::prepare(image, self.config.det.max_side);
        let (iw, ih) = (input.width as usize, input.height as usize);
        let out = self.det.run([1, 3, ih, iw], input.data)?;
        let (mh, mw) = match out.shape.as_slice() {
            [_, _, mh, mw] if *mh > 0 && *mw > 0 => (*mh as usize, *mw as usize),
            other => return Err(shape_error("detection", other)),
        };
        // The map covers the resized input; boxes are scaled back to the page.
        Ok(det::boxes_from_map(
            &out.data,
            mw,
            mh,
            image.dimensions(),
            &self.config.det,
        ))
    }

    /// Turns the crops the classifier finds upside down; gives the share of the crops' width
    /// that was turned (0 without a classifier).
    fn classify(&self, crops: &mut [GrayImage], deadline: Instant) -> Result<f32, PaddleError> {
        let Some(cls) = &self.cls else {
            return Ok(0.0);
        };
        let total: f32 = crops.iter().map(|c| c.width() as f32).sum();
        let mut turned = 0.0f32;
        let batch = self.config.rec_batch.max(1);
        for start in (0..crops.len()).step_by(batch) {
            check(deadline)?;
            let end = (start + batch).min(crops.len());
            let refs: Vec<&GrayImage> = crops[start..end].iter().collect();
            let data = crop::batch_tensor(&refs, CLS_WIDTH);
            let n = refs.len();
            let out = cls.run([n, 3, LINE_HEIGHT as usize, CLS_WIDTH as usize], data)?;
            if out.shape.as_slice() != [n as i64, 2] {
                return Err(shape_error("angle classification", &out.shape));
            }
            for (i, row) in out.data.chunks_exact(2).enumerate() {
                if row[1] > row[0] && row[1] > CLS_THRESHOLD {
                    turned += crops[start + i].width() as f32;
                    crops[start + i] = crop::rotate180(&crops[start + i]);
                }
            }
        }
        Ok(if total > 0.0 { turned / total } else { 0.0 })
    }

    /// Recognises every crop, in width-sorted batches; results come back in the crops' order.
    fn read(
        &self,
        crops: &[GrayImage],
        deadline: Instant,
    ) -> Result<Vec<ctc::Decoded>, PaddleError> {
        let mut order: Vec<usize> = (0..crops.len()).collect();
        order.sort_by_key(|&i| crops[i].width());
        let mut results = vec![None; crops.len()];
        for chunk in order.chunks(self.config.rec_batch.max(1)) {
            check(deadline)?;
            let refs: Vec<&GrayImage> = chunk.iter().map(|&i| &crops[i]).collect();
            let widest = refs.iter().map(|c| c.width()).max().unwrap_or(0);
            let width = widest.max(MIN_REC_WIDTH);
            let data = crop::batch_tensor(&refs, width);
            let shape = [refs.len(), 3, LINE_HEIGHT as usize, width as usize];
            let out = self.rec.run(shape, data)?;
            let (steps, classes) = match out.shape.as_slice() {
                [n, t, c] if *n == refs.len() as i64 && *t > 0 && *c > 0 => {
                    (*t as usize, *c as usize)
                }
                other => return Err(shape_error("recognition", other)),
            };
            if classes != self.charset.classes() {
                return Err(PaddleError::Model {
                    model: "recognition",
                    why: format!(
                        "模型输出 {classes} 个类别，但字符表中有 {listed} 个 ({classes} output classes but {listed} in the character list)",
                        listed = self.charset.classes()
                    ),
                });
            }
            for (k, &i) in chunk.iter().enumerate() {
                let probs = &out.data[k * steps * classes..(k + 1) * steps * classes];
                results[i] = Some(ctc::greedy_decode(probs, classes, &self.charset));
            }
        }
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or(ctc::Decoded {
                    text: String::new(),
                    confidence: 0.0,
                })
            })
            .collect())
    }
}

/// The seam's view of the engine: [`PaddleEngine::read_upright`] is its own orientation.
impl Engine for PaddleEngine {
    fn name(&self) -> &'static str {
        PaddleEngine::name(self)
    }

    fn identity(&self) -> String {
        format!("{} {}", self.name(), self.models)
    }

    fn recognize(&self, image: &GrayImage, deadline: Instant) -> Result<Vec<OcrLine>, OcrError> {
        PaddleEngine::recognize(self, image, deadline).map_err(OcrError::from)
    }

    fn read_upright(&self, image: &GrayImage, deadline: Instant) -> Result<PageText, OcrError> {
        let (lines, upright) = PaddleEngine::read_upright(self, image, deadline)?;
        Ok(PageText { lines, upright })
    }
}

impl From<PaddleError> for OcrError {
    fn from(e: PaddleError) -> OcrError {
        match e {
            PaddleError::NotInstalled { .. } => OcrError::Unavailable(e.to_string()),
            PaddleError::Deadline => OcrError::Timeout,
            PaddleError::Runtime(_) | PaddleError::Model { .. } => OcrError::Failed(e.to_string()),
        }
    }
}

fn check(deadline: Instant) -> Result<(), PaddleError> {
    if Instant::now() > deadline {
        Err(PaddleError::Deadline)
    } else {
        Ok(())
    }
}

fn shape_error(model: &'static str, shape: &[i64]) -> PaddleError {
    PaddleError::Model {
        model,
        why: format!("意外的输出形状 {shape:?} (unexpected output shape)"),
    }
}
