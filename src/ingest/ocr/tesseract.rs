//! The tesseract engine: the `tesseract` binary (Debian's `tesseract-ocr`) as a subprocess, one
//! per page, the page sent as PGM on stdin and read back as TSV (one row per word with its box
//! and confidence), words grouped into lines here.
//!
//! The settings are measured (issue 12 and the scan fixtures): `--psm 6` (one uniform block)
//! keeps a licence's label and value on one line where the default page segmentation splits
//! them (0.81 character accuracy against 0.97); `OMP_THREAD_LIMIT=1` because tesseract's OpenMP
//! threads cost about three times the CPU for the same page, and certsift already reads one
//! file per core. A subprocess rather than linking libtesseract: no C build dependency, and a
//! page that hangs is killed at its deadline without taking the worker with it.

use super::{Engine, NO_ENGINE, OcrError, OcrLine, SETUP_HINT};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Language data in order of preference, the first installed one is used. The Han script model
/// `HanS` first: on the scan fixtures (after orientation and deskew) it reads 0.919 of the
/// characters and 72 of 75 fields against `chi_sim`'s 0.915 and 70, in the same time (1.5 s a
/// page with two jobs on a loaded 2-core box), as issue 12 measured too (0.981 against 0.973).
const LANGUAGES: [&str; 2] = ["HanS", "chi_sim"];

/// Overrides the language (`HanS`, `chi_sim+HanS`…), for measuring one against another.
pub const LANGUAGE_ENV: &str = "CERTSIFT_TESSERACT_LANG";

/// Most bytes of TSV read back for one page (a dense A4 page gives about 100 KB).
const MAX_OUTPUT: u64 = 16 * 1024 * 1024;

/// The tesseract engine, found by [`Tesseract::discover`].
#[derive(Debug, Clone)]
pub struct Tesseract {
    program: PathBuf,
    language: String,
}

impl Tesseract {
    /// Finds `tesseract` on `PATH` and a Simplified Chinese language it has (or the one
    /// [`LANGUAGE_ENV`] names). `Err(Unavailable)` says what is missing and how to install it.
    pub fn discover() -> Result<Tesseract, OcrError> {
        let program = find_on_path("tesseract").ok_or_else(|| {
            OcrError::Unavailable(format!(
                "{NO_ENGINE}未安装 tesseract（PATH 中找不到） (no OCR engine: tesseract is not installed, not \
                 found on PATH)；{SETUP_HINT}"
            ))
        })?;
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut cmd = Command::new(&program);
        cmd.arg("--list-langs");
        let listing = run(cmd, &[], deadline).map_err(|e| {
            OcrError::Unavailable(format!(
                "tesseract 无法运行：{e} (tesseract does not run)；{SETUP_HINT}"
            ))
        })?;
        let installed: Vec<&str> = listing
            .lines()
            .filter(|l| !l.contains(' ') && !l.trim().is_empty())
            .map(str::trim)
            .collect();
        let wanted = std::env::var(LANGUAGE_ENV)
            .ok()
            .filter(|l| !l.trim().is_empty());
        let language = match wanted {
            Some(lang) => {
                if let Some(missing) = lang.split('+').find(|l| !installed.contains(l)) {
                    return Err(OcrError::Unavailable(format!(
                        "{NO_ENGINE}tesseract 没有 {missing} 语言数据（{LANGUAGE_ENV}={lang}；已有 {have}） (tesseract has no {missing} data)；{SETUP_HINT}",
                        have = installed.join(", ")
                    )));
                }
                lang
            }
            None => LANGUAGES
                .iter()
                .find(|l| installed.contains(l))
                .map(|l| l.to_string())
                .ok_or_else(|| {
                    OcrError::Unavailable(format!(
                        "{NO_ENGINE}tesseract 没有简体中文数据（chi_sim 或 HanS；已有 {have}） (no OCR engine: tesseract has no Simplified Chinese data)；{SETUP_HINT}",
                        have = if installed.is_empty() { "无".to_string() } else { installed.join(", ") }
                    ))
                })?,
        };
        Ok(Tesseract { program, language })
    }

    /// The language data in use (`HanS`).
    pub fn language(&self) -> &str {
        &self.language
    }
}

impl Engine for Tesseract {
    fn name(&self) -> &'static str {
        "tesseract"
    }

    fn identity(&self) -> String {
        format!("tesseract {}", self.language())
    }

    fn recognize(
        &self,
        image: &image::GrayImage,
        deadline: Instant,
    ) -> Result<Vec<OcrLine>, OcrError> {
        let mut cmd = Command::new(&self.program);
        cmd.args(["stdin", "stdout", "-l", &self.language, "--psm", "6", "tsv"])
            .env("OMP_THREAD_LIMIT", "1");
        let tsv = run(cmd, &pgm(image), deadline)?;
        Ok(lines_from_tsv(&tsv))
    }
}

/// `image` as binary PGM: what leptonica reads from stdin with no encoding cost.
fn pgm(image: &image::GrayImage) -> Vec<u8> {
    let header = format!("P5\n{} {}\n255\n", image.width(), image.height());
    let mut bytes = Vec::with_capacity(header.len() + image.as_raw().len());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(image.as_raw());
    bytes
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Runs `cmd` with `input` on stdin and returns its stdout, killing it at `deadline`. Output
/// and input go through their own threads so a full pipe never deadlocks either side.
fn run(mut cmd: Command, input: &[u8], deadline: Instant) -> Result<String, OcrError> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            OcrError::Failed(format!(
                "无法启动 {:?}：{e} (cannot start the program)",
                cmd.get_program()
            ))
        })?;
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let (status, out, err) = std::thread::scope(|scope| {
        scope.spawn(move || {
            if let Some(mut stdin) = stdin {
                // A child that exits early closes the pipe; its status says why.
                let _ = stdin.write_all(input);
            }
        });
        let out = stdout.map(|s| scope.spawn(move || drain(s, MAX_OUTPUT)));
        let err = stderr.map(|s| scope.spawn(move || drain(s, 64 * 1024)));
        let status = wait_until(&mut child, deadline);
        let join = |h: Option<std::thread::ScopedJoinHandle<'_, Vec<u8>>>| {
            h.and_then(|h| h.join().ok()).unwrap_or_default()
        };
        (status, join(out), join(err))
    });
    let status = status?;
    if !status.success() {
        return Err(OcrError::Failed(format!(
            "tesseract 异常退出（{status}）：{stderr} (tesseract exited with {status})",
            stderr = String::from_utf8_lossy(&err).trim()
        )));
    }
    String::from_utf8(out).map_err(|_| {
        OcrError::Failed("tesseract 输出了无效的 UTF-8 (tesseract wrote invalid UTF-8)".into())
    })
}

fn drain(mut from: impl Read, limit: u64) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = (&mut from).take(limit).read_to_end(&mut buf);
    // Anything past the limit is read and dropped so the child never blocks on a full pipe.
    let _ = std::io::copy(&mut from, &mut std::io::sink());
    buf
}

/// Waits for `child`, killing it (and reaping it) at `deadline`.
fn wait_until(child: &mut Child, deadline: Instant) -> Result<std::process::ExitStatus, OcrError> {
    let mut pause = Duration::from_millis(2);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) => {}
            Err(e) => {
                return Err(OcrError::Failed(format!(
                    "等待 tesseract 时出错：{e} (waiting for tesseract)"
                )));
            }
        }
        let now = Instant::now();
        if now >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(OcrError::Timeout);
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(25));
    }
}

/// One word of tesseract's TSV.
#[derive(Debug, Clone, PartialEq)]
struct Word {
    line: (u32, u32, u32, u32),
    left: u32,
    top: u32,
    width: u32,
    height: u32,
    conf: f32,
    text: String,
}

/// Parses tesseract's TSV (`level page block par line word left top width height conf text`):
/// the word rows (level 5), malformed rows skipped.
fn words(tsv: &str) -> Vec<Word> {
    tsv.lines()
        .filter_map(|row| {
            let cols: Vec<&str> = row.splitn(12, '\t').collect();
            if cols.len() < 12 || cols[0] != "5" {
                return None;
            }
            let n = |i: usize| cols[i].trim().parse::<u32>().ok();
            let text = cols[11].trim();
            if text.is_empty() {
                return None;
            }
            Some(Word {
                line: (n(1)?, n(2)?, n(3)?, n(4)?),
                left: n(6)?,
                top: n(7)?,
                width: n(8)?,
                height: n(9)?,
                conf: cols[10].trim().parse::<f32>().ok()?,
                text: text.to_string(),
            })
        })
        .collect()
}

/// A gap wider than this many line heights between two words is kept as a space: a label and
/// its value, or two columns read as one line.
const WIDE_GAP: f32 = 1.5;

/// Groups TSV words into lines (tesseract's page/block/paragraph/line numbers), in the order
/// tesseract reads them. Chinese words are joined without spaces (tesseract splits Chinese
/// text into words of one or two characters); Latin words and numbers keep a space between
/// them, and so does a wide gap. Confidence: the mean word confidence / 100.
pub(crate) fn lines_from_tsv(tsv: &str) -> Vec<OcrLine> {
    let mut lines = Vec::new();
    let all = words(tsv);
    for group in all.chunk_by(|a, b| a.line == b.line) {
        let mut heights: Vec<u32> = group.iter().map(|w| w.height).collect();
        heights.sort_unstable();
        let height = heights[heights.len() / 2].max(1) as f32;
        let mut text = String::new();
        let mut prev: Option<&Word> = None;
        for word in group {
            if let Some(p) = prev {
                let gap = word.left.saturating_sub(p.left + p.width) as f32;
                let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_graphic());
                if gap > WIDE_GAP * height
                    || (latin(p.text.chars().last()) && latin(word.text.chars().next()))
                {
                    text.push(' ');
                }
            }
            text.push_str(&word.text);
            prev = Some(word);
        }
        let confs: Vec<f32> = group.iter().map(|w| w.conf).filter(|c| *c >= 0.0).collect();
        let confidence = if confs.is_empty() {
            0.0
        } else {
            (confs.iter().sum::<f32>() / confs.len() as f32 / 100.0).clamp(0.0, 1.0)
        };
        let bbox = group.iter().fold([u32::MAX, u32::MAX, 0, 0], |b, w| {
            [
                b[0].min(w.left),
                b[1].min(w.top),
                b[2].max(w.left + w.width),
                b[3].max(w.top + w.height),
            ]
        });
        lines.push(OcrLine {
            text,
            bbox,
            confidence,
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows as tesseract 5.3 (`-l chi_sim --psm 6 tsv`) wrote them for a licence of the scan
    /// fixtures, trimmed: a label, a wide gap, its value, then a second column on the same line.
    const TSV: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
1\t1\t0\t0\t0\t0\t0\t0\t1535\t1063\t-1\t
2\t1\t1\t0\t0\t0\t106\t98\t1331\t900\t-1\t
3\t1\t1\t1\t0\t0\t106\t98\t1331\t900\t-1\t
4\t1\t1\t1\t1\t0\t106\t98\t167\t20\t-1\t
5\t1\t1\t1\t1\t1\t106\t98\t50\t20\t96.582680\t统一
5\t1\t1\t1\t1\t2\t158\t98\t39\t19\t96.416245\t社会
5\t1\t1\t1\t1\t3\t199\t98\t38\t20\t96.982727\t信用
5\t1\t1\t1\t1\t4\t239\t98\t34\t20\t95.117630\t代码
4\t1\t1\t1\t2\t0\t107\t138\t271\t17\t-1\t
5\t1\t1\t1\t2\t1\t107\t138\t271\t17\t90.907265\t91330108MA2H4R6T32
4\t1\t1\t1\t5\t0\t107\t330\t1130\t40\t-1\t
5\t1\t1\t1\t5\t1\t107\t336\t20\t23\t96.600677\t名
5\t1\t1\t1\t5\t2\t206\t336\t24\t23\t92.866287\t称
5\t1\t1\t1\t5\t3\t264\t335\t33\t25\t92.719139\t杭
5\t1\t1\t1\t5\t4\t298\t335\t29\t24\t90.641251\t州
5\t1\t1\t1\t5\t5\t335\t336\t40\t23\t90.881790\t金桥
5\t1\t1\t1\t5\t6\t519\t336\t37\t23\t96.968590\t公司
5\t1\t1\t1\t5\t7\t946\t335\t48\t24\t96.693344\t注册
5\t1\t1\t1\t5\t8\t1007\t330\t45\t40\t73.231636\t资本
4\t1\t1\t2\t1\t0\t300\t800\t400\t30\t-1\t
5\t1\t1\t2\t1\t1\t300\t800\t60\t30\t91.0\tGB/T
5\t1\t1\t2\t1\t2\t370\t800\t150\t30\t89.0\t19001-2016
5\t1\t1\t2\t1\t3\t530\t800\t40\t30\t-1\t 
5\t1\t1\t2\t1\t4\t580\t800\t40\t30\t88.0\t认证
garbage row
";

    #[test]
    fn words_are_grouped_into_lines_in_reading_order() {
        let lines = lines_from_tsv(TSV);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "统一社会信用代码",
                "91330108MA2H4R6T32",
                "名 称杭州金桥 公司 注册资本",
                "GB/T 19001-2016 认证",
            ]
        );
    }

    #[test]
    fn a_line_has_the_union_box_and_the_mean_confidence() {
        let lines = lines_from_tsv(TSV);
        assert_eq!(lines[0].bbox, [106, 98, 273, 118]);
        assert!(
            (lines[0].confidence - 0.9627).abs() < 1e-3,
            "{}",
            lines[0].confidence
        );
        assert_eq!(lines[1].bbox, [107, 138, 378, 155]);
    }

    #[test]
    fn nothing_but_the_header_gives_no_lines() {
        assert!(lines_from_tsv("level\tpage_num\n").is_empty());
        assert!(lines_from_tsv("").is_empty());
    }

    #[test]
    fn pgm_header_matches_the_pixels() {
        let img = image::GrayImage::from_pixel(3, 2, image::Luma([7]));
        let bytes = pgm(&img);
        assert!(bytes.starts_with(b"P5\n3 2\n255\n"));
        assert_eq!(bytes.len(), b"P5\n3 2\n255\n".len() + 6);
    }
}
