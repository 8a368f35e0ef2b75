//! PDF pages as images for the evidence view, rendered by poppler's `pdftoppm` (installed by
//! `tools/setup-parts.sh`) and cached under `OUT/workbench-cache/pages/<sha256>-<page>.png`, so
//! a page is rendered once however often it is opened. Where `pdftoppm` is absent, the evidence
//! view shows the text alone and says so.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Rendering resolution: 96 dpi reads comfortably on a screen and stays small.
pub const DPI: u32 = 96;

/// Longest a page may take to render before the view falls back to text.
const RENDER_TIME: Duration = Duration::from_secs(30);

/// A rendered page.
#[derive(Debug, Clone)]
pub struct PageImage {
    /// The PNG file in the cache.
    pub path: PathBuf,
    /// Its size in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
}

/// Why a page has no image.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// `pdftoppm` is not installed.
    #[error(
        "未安装页面渲染工具 pdftoppm，仅显示文字；运行 tools/setup-parts.sh 安装 (pdftoppm is not installed: run tools/setup-parts.sh)"
    )]
    NoRenderer,
    /// It ran and failed, or took too long.
    #[error("页面渲染失败：{0} (the page could not be rendered)")]
    Failed(String),
}

/// Whether `pdftoppm` can be run.
pub fn available() -> bool {
    Command::new("pdftoppm")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Where page `page` of the file with `sha256` is cached under `out`.
fn cached(out: &Path, sha256: &str, page: u32) -> PathBuf {
    out.join("workbench-cache")
        .join("pages")
        .join(format!("{sha256}-{page}.png"))
}

/// The cached image of page `page` of the PDF with `sha256`, if it was rendered before.
pub fn from_cache(out: &Path, sha256: &str, page: u32) -> Option<PageImage> {
    let path = cached(out, sha256, page);
    let bytes = std::fs::read(&path).ok()?;
    let (width, height) = png_size(&bytes)?;
    Some(PageImage {
        path,
        width,
        height,
    })
}

/// Renders page `page` of the PDF `pdf` (whose sha256 is `sha256`) into the cache.
pub fn render(out: &Path, sha256: &str, pdf: &[u8], page: u32) -> Result<PageImage, RenderError> {
    if !available() {
        return Err(RenderError::NoRenderer);
    }
    let failed = |e: &dyn std::fmt::Display| RenderError::Failed(e.to_string());
    let target = cached(out, sha256, page);
    let dir = target.parent().unwrap_or(out);
    std::fs::create_dir_all(dir).map_err(|e| failed(&e))?;
    let mut input = tempfile::NamedTempFile::new_in(dir).map_err(|e| failed(&e))?;
    input.write_all(pdf).map_err(|e| failed(&e))?;
    let prefix = tempfile::Builder::new()
        .prefix(".render-")
        .tempdir_in(dir)
        .map_err(|e| failed(&e))?;
    let stem = prefix.path().join("page");
    let page_arg = page.to_string();
    let mut child = Command::new("pdftoppm")
        .args(["-f", &page_arg, "-l", &page_arg, "-r", &DPI.to_string()])
        .args(["-png", "-singlefile"])
        .arg(input.path())
        .arg(&stem)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(&e))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait().map_err(|e| failed(&e))? {
            Some(status) => break status,
            None if started.elapsed() > RENDER_TIME => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RenderError::Failed(format!(
                    "超过 {} 秒 (took too long)",
                    RENDER_TIME.as_secs()
                )));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    if !status.success() {
        let mut message = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            use std::io::Read;
            let _ = stderr.read_to_string(&mut message);
        }
        return Err(RenderError::Failed(
            message.lines().next().unwrap_or("pdftoppm").to_owned(),
        ));
    }
    let png = stem.with_extension("png");
    let bytes = std::fs::read(&png).map_err(|e| failed(&e))?;
    let (width, height) =
        png_size(&bytes).ok_or_else(|| RenderError::Failed("not a PNG".into()))?;
    // Renamed into place: a concurrent request sees the whole image or none.
    std::fs::rename(&png, &target).map_err(|e| failed(&e))?;
    Ok(PageImage {
        path: target,
        width,
        height,
    })
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(..8)? != b"\x89PNG\r\n\x1a\n" || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
    let height = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
    Some((width, height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_size_reads_the_header_and_refuses_other_bytes() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&816u32.to_be_bytes());
        png.extend_from_slice(&1056u32.to_be_bytes());
        assert_eq!(png_size(&png), Some((816, 1056)));
        assert_eq!(png_size(b"GIF89a"), None);
    }
}
