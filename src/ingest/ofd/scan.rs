//! OFD pages that are scans: a page that draws images and no text (a paper licence scanned into
//! an OFD) is listed in `ocr_pages`, as the PDF reader lists its scanned pages; when OCR is on
//! and an engine is installed, the page's largest image is decoded and read by OCR, its lines
//! becoming the page's passages ([`Location::OcrLine`](crate::model::Location::OcrLine)) and
//! the page leaving `ocr_pages`.
//!
//! Only an image that covers a good part of the page is taken for a scan: a page with just a
//! seal or a QR code is not a document to read. JPEG, PNG, BMP and TIFF resources are decoded
//! (the image-file decoder, with its pixel bounds); JBIG2 (`GBIG2`, common in e-invoices) is
//! not, and the page stays `needs_ocr` with a note.

use super::content::Image;
use super::structure::{self, Media};
use super::{DocumentContext, Reader};
use crate::ingest::ocr::{self, OcrMode};
use std::collections::HashMap;

/// Below this share of the page an image is a seal, logo or QR code, not a scan of the page.
const SCAN_SHARE: f32 = 0.25;

/// An A4 page in mm², for pages whose size is not given.
const A4_MM2: f32 = 210.0 * 297.0;

impl Reader<'_, '_> {
    /// OCRs page `number` from its largest image, unless OCR is off; on success the page leaves
    /// `ocr_pages`. Why it was not read goes to a note.
    pub(super) fn read_scan(
        &mut self,
        document: &DocumentContext,
        page_res: &[String],
        page: &structure::PageRef,
        images: &[Image],
        page_box: Option<[f32; 4]>,
        number: u32,
    ) {
        if self.ctx.limits.ocr == OcrMode::Off {
            return;
        }
        let Some(largest) = images.iter().max_by(|a, b| a.area.total_cmp(&b.area)) else {
            return;
        };
        let page_area = page_box
            .map(|b| (b[2] * b[3]).abs())
            .filter(|a| *a > 0.0)
            .unwrap_or(A4_MM2);
        if largest.area < SCAN_SHARE * page_area {
            self.out.notes.push(format!(
                "第 {number} 页：没有文字，其中的图片太小，不像整页扫描件（可能是印章或标志），未进行 OCR (page {number}: no text, and its images are too small to be a scan of the page; not read by OCR)"
            ));
            return;
        }
        let engine = match ocr::engine(self.ctx.limits.ocr_engine) {
            Ok(engine) => engine,
            Err(e) => {
                if !self.ocr_unavailable_noted {
                    self.ocr_unavailable_noted = true;
                    self.out
                        .notes
                        .push(format!("扫描页未读取：{e} (scanned pages not read)"));
                }
                return;
            }
        };
        let Some(media) = self.find_media(document, page_res, page, &largest.resource) else {
            self.out.notes.push(format!(
                "第 {number} 页：文件包中没有扫描图像资源 {res}，未进行 OCR (page {number}: the image resource {res} of the scan is not in the package: not read by OCR)",
                res = largest.resource
            ));
            return;
        };
        if matches!(media.format.as_str(), "GBIG2" | "JBIG2" | "JB2") {
            self.out.notes.push(format!(
                "第 {number} 页：扫描件是 JBIG2 图像，certsift 无法解码，未进行 OCR (page {number}: the scan is a JBIG2 image, which certsift does not decode: not read by OCR)"
            ));
            return;
        }
        let Some(file) = media.file else {
            self.out.notes.push(format!(
                "第 {number} 页：文件包中没有图像资源 {res} 的文件，未进行 OCR (page {number}: the file of image resource {res} is not in the package: not read by OCR)",
                res = largest.resource
            ));
            return;
        };
        let bytes = match self.part_bytes(&file) {
            Ok(bytes) => bytes,
            Err(why) => {
                self.out.notes.push(format!("第 {number} 页：{why}"));
                return;
            }
        };
        let image = match ocr::picture::decode_one(&bytes) {
            Ok(image) => image,
            Err(e) => {
                self.out.notes.push(format!(
                    "第 {number} 页：扫描件 {name} 无法解码：{e}，未进行 OCR (page {number}: the scan {name} cannot be decoded: not read by OCR)",
                    name = file.1
                ));
                return;
            }
        };
        drop(bytes);
        match ocr::read_page_cached(
            engine,
            &image,
            self.ctx.deadline(),
            self.ctx.limits.ocr_cache.as_deref(),
        ) {
            Ok(text) => {
                let passages = ocr::page_passages(number, text, &mut self.out.notes);
                if passages.iter().all(|p| p.normalized.is_empty()) {
                    self.out.notes.push(format!(
                        "第 {number} 页：OCR（{engine}）未在扫描件上识别出可辨认的文字 (page {number}: OCR found nothing legible on the scan)",
                        engine = engine.name()
                    ));
                    return;
                }
                self.out.passages.extend(passages);
                self.out.ocr_pages.retain(|n| *n != number);
            }
            Err(e) => match ocr::read_error(e, number, self.ctx) {
                crate::ingest::ReadError::LimitExceeded(why) => {
                    self.out.truncated.get_or_insert(why);
                    self.stop = true;
                }
                other => self.out.notes.push(format!("第 {number} 页：{other}")),
            },
        }
    }

    /// The image resource `id`: the page's own resource files first, then the document's.
    fn find_media(
        &mut self,
        document: &DocumentContext,
        page_res: &[String],
        page: &structure::PageRef,
        id: &str,
    ) -> Option<Media> {
        let page_dir = page
            .content
            .as_ref()
            .map(|c| super::names::folder(&c.1).to_string())
            .unwrap_or_default();
        let mut files: Vec<structure::Entry> = page_res
            .iter()
            .filter_map(|loc| self.names.resolve(&[&page_dir], loc))
            .collect();
        files.extend(document.parts.resources.iter().cloned());
        for file in files {
            let Some(res) = self.tree(&file) else {
                continue;
            };
            let found: HashMap<String, Media> = structure::media(&res, &file.1, &self.names);
            if let Some(media) = found.get(id) {
                return Some(media.clone());
            }
        }
        None
    }
}
