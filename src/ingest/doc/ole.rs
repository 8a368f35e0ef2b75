//! The compound file around a Word binary document: opened on the `cfb` crate, with the
//! short final sector some writers leave padded, and streams read within the file's size.
//!
//! WPS Office (and some converters) end the file in the middle of its last sector; the
//! compound-file format counts whole sectors, so the reader either refuses the file or fails
//! on the last stream. Zero-padding to a whole sector gives the bytes the writer meant: the
//! missing tail was never part of a stream's declared length.

use super::ReadError;
use std::borrow::Cow;
use std::io::{Cursor, Read};

/// The opened compound file.
pub(super) struct Ole<'b> {
    file: cfb::CompoundFile<Cursor<Cow<'b, [u8]>>>,
    limit: u64,
    /// The final sector was short and had to be padded.
    pub padded: bool,
}

/// The sector size the header declares (512 for version 3, 4096 for version 4).
fn sector_size(bytes: &[u8]) -> usize {
    match bytes.get(30..32) {
        Some([12, 0]) => 4096,
        _ => 512,
    }
}

impl<'b> Ole<'b> {
    /// Opens `bytes` as a compound file, padding a short final sector.
    pub(super) fn open(bytes: &'b [u8]) -> Result<Ole<'b>, ReadError> {
        let sector = sector_size(bytes);
        let short = bytes.len() % sector;
        let (data, padded) = if short == 0 {
            (Cow::Borrowed(bytes), false)
        } else {
            let mut v = Vec::with_capacity(bytes.len() + sector - short);
            v.extend_from_slice(bytes);
            v.resize(bytes.len() + sector - short, 0);
            (Cow::Owned(v), true)
        };
        let limit = data.len() as u64;
        let file = cfb::CompoundFile::open(Cursor::new(data)).map_err(|e| {
            ReadError::Corrupt(format!(
                "复合文件（OLE2，Word 97–2003 文档的容器）已损坏：{e} (damaged compound (OLE2) file, the \
                 container of a Word 97–2003 document)"
            ))
        })?;
        Ok(Ole {
            file,
            limit,
            padded,
        })
    }

    /// Names of the root storage's entries.
    pub(super) fn root_names(&self) -> Vec<String> {
        self.file
            .read_root_storage()
            .map(|e| e.name().to_string())
            .collect()
    }

    /// True when the root storage holds a stream `name` (compound-file names compare without
    /// case).
    pub(super) fn has(&self, name: &str) -> bool {
        self.root_names()
            .iter()
            .any(|n| n.eq_ignore_ascii_case(name))
    }

    /// Objects embedded in the document: the storages inside `ObjectPool`.
    pub(super) fn embedded_objects(&self) -> usize {
        if !self.file.is_storage("/ObjectPool") {
            return 0;
        }
        self.file
            .read_storage("/ObjectPool")
            .map(|entries| entries.filter(|e| e.is_storage()).count())
            .unwrap_or(0)
    }

    /// The bytes of the root stream `name`, at most the file's size; `None` when absent.
    pub(super) fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, ReadError> {
        let Some(actual) = self
            .root_names()
            .into_iter()
            .find(|n| n.eq_ignore_ascii_case(name))
        else {
            return Ok(None);
        };
        let path = format!("/{actual}");
        if !self.file.is_stream(&path) {
            return Ok(None);
        }
        let stream = self.file.open_stream(&path).map_err(|e| {
            ReadError::Corrupt(format!(
                "{actual} 流无法打开：{e} (the {actual} stream cannot be opened)"
            ))
        })?;
        let mut buf = Vec::new();
        match stream.take(self.limit).read_to_end(&mut buf) {
            Ok(_) => Ok(Some(buf)),
            Err(e) if !buf.is_empty() => {
                tracing::debug!("{actual} stream cut short: {e}");
                Ok(Some(buf))
            }
            Err(e) => Err(ReadError::Corrupt(format!(
                "{actual} 流无法读取：{e} (the {actual} stream cannot be read)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::test_support::compound;

    #[test]
    fn a_short_final_sector_is_padded_and_streams_read() {
        let data = vec![7u8; 5000];
        let mut bytes = compound(&[("WordDocument", &data), ("1Table", b"t")]);
        // Drop the zero bytes that end the last sector (the stream's), as WPS writes it.
        let zeros = bytes.iter().rev().take_while(|&&b| b == 0).count();
        bytes.truncate(bytes.len() - zeros);
        assert!(!bytes.len().is_multiple_of(512), "the file ends mid-sector");
        let mut ole = Ole::open(&bytes).expect("open");
        assert!(ole.padded);
        assert!(ole.has("worddocument"));
        assert_eq!(ole.read("WordDocument").expect("read"), Some(data));
        assert_eq!(ole.read("Data").expect("read"), None);
    }

    #[test]
    fn garbage_is_corrupt() {
        let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        bytes.extend([0xFF; 600]);
        assert!(matches!(Ole::open(&bytes), Err(ReadError::Corrupt(_))));
    }
}
