//! The Word 97–2003 binary reader (`.doc`, `.wps`) must return (Ok or a status) on any bytes:
//! no panic, no hang, bounded memory. The compound file, FIB, piece table, FKPs and stories are
//! all input-controlled; seed the corpus with `fixtures/formats/doc/*.doc`.
#![no_main]
use certsift::ingest::{Limits, ReadContext, doc};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_file_time: Duration::from_secs(5), ..Limits::default() };
    let _ = doc::read(data, &ReadContext::new(limits));
});
