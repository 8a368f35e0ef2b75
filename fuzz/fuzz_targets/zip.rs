//! Zip listing plus recursive reading of every member, as a bundle is read: any bytes must end
//! with documents and statuses, never a panic or runaway memory.
#![no_main]
use certsift::ingest::{Limits, ReadContext, read_isolated, zip};
use libfuzzer_sys::fuzz_target;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_file_time: Duration::from_secs(5),
        max_zip_total_bytes: 64 * 1024 * 1024,
        ..Limits::default()
    };
    let ctx = ReadContext::new(limits);
    let budget = AtomicU64::new(ctx.limits.max_zip_total_bytes);
    if let Ok(listing) = zip::read_members(data, &ctx, &budget) {
        for member in listing.members {
            if let Ok(bytes) = member.content {
                let _ = read_isolated(&member.name, &bytes, &ctx.restart());
            }
        }
    }
});
