//! The wire between the parent and a worker process: one request (a file) and one response (its
//! [`Document`]) at a time, over the child's stdin and stdout.
//!
//! A request is `u32` header length (little-endian), the header as JSON (`{"path", "limits",
//! "time"}`),
//! `u64` body length and the file's bytes. A response is `u64` length and the document as JSON.
//!
//! JSON, not a compact binary format: [`crate::model::Location`] is an untagged enum and several
//! fields are skipped when empty, which postcard and bincode cannot read back (they need the
//! schema to say which variant follows). serde_json round-trips the model exactly, is already a
//! dependency, and costs little next to reading (see `cargo bench --bench batch`).

use crate::ingest::{Limits, TimeBudget};
use crate::model::Document;
use serde::{Deserialize, Serialize};
use std::io::{self, Read, Write};

/// A header longer than this is not one the parent wrote.
const MAX_HEADER: u32 = 1 << 20;

/// Request header: what the file is called, the limits to read it with and the time it has
/// (its own limit, or less when its archive or bundle has less left).
#[derive(Serialize, Deserialize)]
struct Header<'a> {
    path: std::borrow::Cow<'a, str>,
    limits: Limits,
    #[serde(default)]
    time: Option<TimeBudget>,
}

/// One file to read, as the worker receives it.
pub(super) struct Request {
    /// The name reported (bundle-relative, zip members as `a.zip!/b.pdf`).
    pub path: String,
    /// The limits in force.
    pub limits: Limits,
    /// The time this file has.
    pub time: TimeBudget,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// Writes one request. The parent flushes after it.
pub(super) fn write_request(
    out: &mut impl Write,
    path: &str,
    limits: &Limits,
    time: &TimeBudget,
    bytes: &[u8],
) -> io::Result<()> {
    let header = serde_json::to_vec(&Header {
        path: path.into(),
        limits: limits.clone(),
        time: Some(*time),
    })
    .map_err(io::Error::other)?;
    let header_len = u32::try_from(header.len())
        .ok()
        .filter(|&n| n <= MAX_HEADER)
        .ok_or_else(|| io::Error::other("request header too long"))?;
    out.write_all(&header_len.to_le_bytes())?;
    out.write_all(&header)?;
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(bytes)
}

/// Reads one request; `None` when the input ends cleanly between requests (the parent closed
/// the pipe: time to exit).
pub(super) fn read_request(input: &mut impl Read) -> io::Result<Option<Request>> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let header_len = u32::from_le_bytes(len);
    if header_len > MAX_HEADER {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "request header too long",
        ));
    }
    let mut header = vec![0u8; header_len as usize];
    input.read_exact(&mut header)?;
    let header: Header<'_> = serde_json::from_slice(&header)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let body_len = read_u64(input)?;
    let bytes = read_exactly(input, body_len, header.limits.max_file_bytes)?;
    let time = header
        .time
        .unwrap_or_else(|| TimeBudget::file(header.limits.max_file_time));
    Ok(Some(Request {
        path: header.path.into_owned(),
        limits: header.limits,
        time,
        bytes,
    }))
}

/// Writes one response. The worker flushes after it.
pub(super) fn write_response(out: &mut impl Write, doc: &Document) -> io::Result<()> {
    let body = serde_json::to_vec(doc).map_err(io::Error::other)?;
    out.write_all(&(body.len() as u64).to_le_bytes())?;
    out.write_all(&body)
}

/// Why a response could not be had.
#[derive(Debug, thiserror::Error)]
pub(super) enum ResponseError {
    /// The pipe broke (the worker died) or the bytes were not a document.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The document is larger than the parent will hold.
    #[error("the text read from the file is {size} bytes, over the {max} byte limit")]
    TooLarge {
        /// The announced size.
        size: u64,
        /// The ceiling.
        max: u64,
    },
}

/// Reads one response, refusing one over `max` bytes (the parent's memory stays bounded).
pub(super) fn read_response(input: &mut impl Read, max: u64) -> Result<Document, ResponseError> {
    let size = read_u64(input)?;
    if size > max {
        return Err(ResponseError::TooLarge { size, max });
    }
    let body = read_exactly(input, size, max)?;
    serde_json::from_slice(&body)
        .map_err(|e| ResponseError::Io(io::Error::new(io::ErrorKind::InvalidData, e)))
}

fn read_u64(input: &mut impl Read) -> io::Result<u64> {
    let mut len = [0u8; 8];
    input.read_exact(&mut len)?;
    Ok(u64::from_le_bytes(len))
}

/// Reads exactly `len` bytes without trusting `len` for the allocation.
fn read_exactly(input: &mut impl Read, len: u64, max: u64) -> io::Result<Vec<u8>> {
    if len > max.saturating_add(1) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("message of {len} bytes is over the {max} byte limit"),
        ));
    }
    let mut bytes = Vec::with_capacity(len.min(64 * 1024 * 1024) as usize);
    input.take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ReadContext, read_isolated};

    #[test]
    fn a_request_round_trips_and_the_end_of_input_is_none() {
        let limits = Limits::default();
        let time = TimeBudget {
            time: std::time::Duration::from_millis(1500),
            scope: crate::ingest::TimeScope::Bundle,
            limit: std::time::Duration::from_secs(900),
        };
        let mut wire = Vec::new();
        write_request(
            &mut wire,
            "制度/a.txt",
            &limits,
            &time,
            "售后服务".as_bytes(),
        )
        .expect("write");
        let mut input = wire.as_slice();
        let request = read_request(&mut input)
            .expect("read")
            .expect("one request");
        assert_eq!(request.path, "制度/a.txt");
        assert_eq!(request.limits, limits);
        assert_eq!(request.time, time);
        assert_eq!(request.bytes, "售后服务".as_bytes());
        assert!(read_request(&mut input).expect("clean end").is_none());
    }

    #[test]
    fn documents_of_the_sample_inbox_round_trip_exactly() {
        let inbox = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inbox");
        let docs = crate::ingest::read_inputs(&[inbox], &Limits::default()).expect("inbox");
        assert!(docs.len() > 20);
        for doc in &docs {
            let mut wire = Vec::new();
            write_response(&mut wire, doc).expect("write");
            let back = read_response(&mut wire.as_slice(), u64::MAX).expect("read");
            assert_eq!(&back, doc, "{}", doc.path);
        }
    }

    #[test]
    fn a_cut_response_is_an_error_and_an_oversize_one_is_refused() {
        let doc = read_isolated("a.txt", b"hello", &ReadContext::new(Limits::default()));
        let mut wire = Vec::new();
        write_response(&mut wire, &doc).expect("write");
        assert!(read_response(&mut &wire[..wire.len() - 1], u64::MAX).is_err());
        assert!(matches!(
            read_response(&mut wire.as_slice(), 3),
            Err(ResponseError::TooLarge { max: 3, .. })
        ));
    }
}
