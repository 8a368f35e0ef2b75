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
//! found by [`parts`]; nothing is fetched at run time. The shapes of [`OcrLine`] and
//! [`PaddleEngine::recognize`] are those of the OCR engine seam (`ingest::ocr::Engine`), which
//! will replace the copies here when both are on main.

mod crop;
mod ctc;
mod det;
mod geometry;
mod lines;
pub mod parts;
mod runtime;

pub use det::DetParams;
pub use parts::Parts;

#[cfg(test)]
mod live_tests;
#[cfg(test)]
mod measure;

use crop::LINE_HEIGHT;
use ctc::Charset;
use det::DetBox;
use image::GrayImage;
use lines::Recognized;
use parts::SETUP_SCRIPT;
use runtime::Model;
use std::path::PathBuf;
use std::time::Instant;

/// One line of text found on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrLine {
    /// The line's text, boxes on one line joined (a space where they stand apart).
    pub text: String,
    /// `x0, y0, x1, y1` in image pixels.
    pub bbox: [u32; 4],
    /// `0..=1`: the recogniser's mean winning probability over the line's characters.
    pub confidence: f32,
}

/// Why the engine could not be made or could not read a page.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PaddleError {
    /// The runtime or a model is not where the setup script puts it.
    #[error(
        "the PP-OCR engine is not installed: {missing} not found in {} (run {SETUP_SCRIPT}, or set CERTSIFT_PARTS to where it installed)",
        dir.display()
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
    #[error("the {model} model failed: {why}")]
    Model {
        /// Which model: detection, recognition or angle classification.
        model: &'static str,
        /// What went wrong.
        why: String,
    },
    /// The page's deadline passed before it was read.
    #[error("OCR of the page ran past its time limit")]
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
                why: "its metadata has no `character` list".into(),
            })?;
        Ok(PaddleEngine {
            det,
            rec,
            cls,
            charset: Charset::from_metadata(&list),
            config,
        })
    }

    /// The engine's name in reports.
    pub fn name(&self) -> &'static str {
        "ppocr-v4"
    }

    /// Reads `image` into lines in reading order, or [`PaddleError::Deadline`] once `deadline`
    /// has passed (checked between model runs).
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
        let started = Instant::now();
        let boxes = self.detect(image)?;
        let detected = started.elapsed();
        let mut crops: Vec<GrayImage> = boxes
            .iter()
            .map(|b| crop::crop_line(image, &b.quad))
            .collect();
        check(deadline)?;
        self.classify(&mut crops, deadline)?;
        let classified = started.elapsed();
        let texts = self.read(&crops, deadline)?;
        tracing::debug!(
            boxes = boxes.len(),
            "ppocr: detection {detected:?}, crops and classification until {classified:?}, \
             recognition until {:?}",
            started.elapsed()
        );
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
        Ok(lines::into_lines(&recognized, (w, h)))
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

    /// Turns the crops the classifier finds upside down.
    fn classify(&self, crops: &mut [GrayImage], deadline: Instant) -> Result<(), PaddleError> {
        let Some(cls) = &self.cls else {
            return Ok(());
        };
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
                    crops[start + i] = crop::rotate180(&crops[start + i]);
                }
            }
        }
        Ok(())
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
                        "{classes} output classes but {} in the character list",
                        self.charset.classes()
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
        why: format!("unexpected output shape {shape:?}"),
    }
}
