//! Finding the engine's parts (ONNX Runtime and the three models) where
//! `tools/setup-onnx.sh` put them (`tools/setup-parts.sh` runs it).
//!
//! The folder is `$CERTSIFT_PARTS` if set, else `~/.local/share/certsift/parts` — the same rule
//! as the script's — so a machine that ran the script needs no configuration. Nothing is ever
//! downloaded: without the parts the engine is simply unavailable, with a message naming the
//! script.

use super::PaddleError;
use std::path::{Path, PathBuf};

/// The script that installs the parts, named in every "not installed" message.
pub const SETUP_SCRIPT: &str = "tools/setup-parts.sh";

/// Where the parts of one installation are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    /// `libonnxruntime.so` (a link into the onnxruntime wheel).
    pub runtime: PathBuf,
    /// PP-OCRv4 DB detector.
    pub det: PathBuf,
    /// PP-OCRv4 recogniser; its metadata holds the character list.
    pub rec: PathBuf,
    /// Text angle classifier (0° / 180°); optional: without it, crops are taken as upright.
    pub cls: Option<PathBuf>,
}

impl Parts {
    /// The parts in the default folder ([`default_dir`]).
    pub fn locate() -> Result<Parts, PaddleError> {
        let dir = default_dir().ok_or_else(|| PaddleError::NotInstalled {
            dir: PathBuf::from("~/.local/share/certsift/parts"),
            missing: "主目录（CERTSIFT_PARTS 和 HOME 均未设置） (a home folder: neither CERTSIFT_PARTS nor HOME is set)".into(),
        })?;
        Parts::in_dir(&dir)
    }

    /// The parts under `dir` (the folder holding `onnx/`).
    pub fn in_dir(dir: &Path) -> Result<Parts, PaddleError> {
        let onnx = dir.join("onnx");
        let need = |rel: &str| -> Result<PathBuf, PaddleError> {
            let p = onnx.join(rel);
            if p.is_file() {
                Ok(p)
            } else {
                Err(PaddleError::NotInstalled {
                    dir: dir.to_path_buf(),
                    missing: format!("onnx/{rel}"),
                })
            }
        };
        let cls = onnx.join("models/cls.onnx");
        Ok(Parts {
            runtime: need("libonnxruntime.so")?,
            det: need("models/det.onnx")?,
            rec: need("models/rec.onnx")?,
            cls: cls.is_file().then_some(cls),
        })
    }
}

/// `$CERTSIFT_PARTS`, else `$HOME/.local/share/certsift/parts`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CERTSIFT_PARTS").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".local/share/certsift/parts"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_folder_names_what_is_missing_and_the_script() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = Parts::in_dir(dir.path()).expect_err("nothing installed");
        let msg = err.to_string();
        assert!(msg.contains("onnx/libonnxruntime.so"), "{msg}");
        assert!(msg.contains(SETUP_SCRIPT), "{msg}");
    }

    #[test]
    fn cls_is_optional() {
        let dir = tempfile::tempdir().expect("tempdir");
        let models = dir.path().join("onnx/models");
        std::fs::create_dir_all(&models).expect("mkdir");
        for f in [
            "onnx/libonnxruntime.so",
            "onnx/models/det.onnx",
            "onnx/models/rec.onnx",
        ] {
            std::fs::write(dir.path().join(f), b"x").expect("write");
        }
        let parts = Parts::in_dir(dir.path()).expect("parts");
        assert_eq!(parts.cls, None);
        assert!(parts.rec.ends_with("models/rec.onnx"));
    }
}
