//! The OFD reader must return (Ok or a status) on any bytes: no panic, no hang, bounded memory.
#![no_main]
use certsift::ingest::{Limits, ReadContext, ofd};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_file_time: Duration::from_secs(5), ..Limits::default() };
    let _ = ofd::read(data, &ReadContext::new(limits));
});
