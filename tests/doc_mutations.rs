//! The `.doc` fuzz target's stand-in where cargo-fuzz is not installed (`fuzz/fuzz_targets/doc.rs`
//! runs the same call under libFuzzer): the Word binary reader on a few thousand deterministic
//! mutations of the LibreOffice fixtures of `fixtures/formats/doc`, each of which must end in
//! `Ok` or a status, never a panic, and quickly.
//!
//! Mutating the compound file's bytes mostly breaks the container, which `cfb` refuses before
//! the reader starts; so most mutations are made inside the `WordDocument` and table streams
//! (FIB fields set to edge values, bytes flipped, streams cut) and the streams put back into a
//! fresh compound file. The generator is a fixed-seed xorshift: every run tries the same inputs,
//! and a failure names the fixture and mutation that caused it.

use crate::util::fixtures_dir;
use certsift::ingest::{Limits, ReadContext, doc};
use std::io::{Cursor, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// Mutations per fixture (three fixtures).
const PER_FIXTURE: usize = 1_000;
const SEED: u64 = 0x5EED_D0C5_2026_0013;

/// xorshift64*: small, fixed, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Values that find off-by-ones and overflows in offsets and counts.
const EDGES: [u32; 10] = [
    0,
    1,
    0x7F,
    0xFF,
    0xFFFF,
    0x0010_0000,
    0x4000_0000,
    0x7FFF_FFFF,
    0xFFFF_FFFE,
    0xFFFF_FFFF,
];

fn streams(bytes: &[u8]) -> (Vec<u8>, String, Vec<u8>) {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).expect("a compound file");
    let mut read = |name: &str| {
        let mut out = Vec::new();
        file.open_stream(name)
            .and_then(|mut s| s.read_to_end(&mut out))
            .map(|_| out)
    };
    let word = read("/WordDocument").expect("WordDocument");
    let (name, table) = ["1Table", "0Table"]
        .iter()
        .find_map(|n| read(&format!("/{n}")).ok().map(|t| (n.to_string(), t)))
        .expect("a table stream");
    (word, name, table)
}

fn compound(streams: &[(&str, &[u8])]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("create");
    for (name, data) in streams {
        let mut s = file.create_stream(format!("/{name}")).expect("stream");
        s.write_all(data).expect("write");
    }
    file.flush().expect("flush");
    file.into_inner().into_inner()
}

/// Changes `bytes` in one of a few ways; says how, for the failure message.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, fib: bool) -> String {
    if bytes.is_empty() {
        return "empty".into();
    }
    match rng.below(4) {
        0 => {
            // An edge value at a 4-byte field: in the FIB's first 1 KB (where the offsets and
            // counts are) or anywhere.
            let span = if fib {
                bytes.len().min(0x400)
            } else {
                bytes.len()
            };
            let at = rng.below(span / 4) * 4;
            let value = EDGES[rng.below(EDGES.len())];
            let end = (at + 4).min(bytes.len());
            bytes[at..end].copy_from_slice(&value.to_le_bytes()[..end - at]);
            format!("u32 {value:#x} at {at:#x}")
        }
        1 => {
            let n = 1 + rng.below(16);
            for _ in 0..n {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            format!("{n} random bytes")
        }
        2 => {
            let len = rng.below(bytes.len());
            bytes.truncate(len);
            format!("cut at {len}")
        }
        _ => {
            // A 2-byte field (flags, nFib, lid, sprm opcodes) set to all ones or zero.
            let at = rng.below(bytes.len().saturating_sub(1));
            let value: u16 = if rng.next() & 1 == 0 { 0xFFFF } else { 0 };
            if at + 2 <= bytes.len() {
                bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
            }
            format!("u16 {value:#x} at {at:#x}")
        }
    }
}

#[test]
fn doc_reader_survives_seeded_mutations_of_the_fixtures() {
    let limits = Limits {
        max_file_time: Duration::from_secs(5),
        ..Limits::default()
    };
    let mut rng = Rng(SEED);
    let started = Instant::now();
    let (mut ok, mut refused, mut slowest) = (0usize, 0usize, Duration::ZERO);
    for name in ["policy.doc", "commitment.doc", "commitment.wps"] {
        let original = std::fs::read(fixtures_dir().join("formats/doc").join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (word, table_name, table) = streams(&original);
        for i in 0..PER_FIXTURE {
            let (input, how) = match rng.below(8) {
                0 => {
                    let mut raw = original.clone();
                    let how = mutate(&mut rng, &mut raw, false);
                    (raw, format!("file: {how}"))
                }
                1..=4 => {
                    let mut w = word.clone();
                    let how = mutate(&mut rng, &mut w, true);
                    (
                        compound(&[("WordDocument", &w), (&table_name, &table)]),
                        format!("WordDocument: {how}"),
                    )
                }
                _ => {
                    let mut t = table.clone();
                    let how = mutate(&mut rng, &mut t, false);
                    (
                        compound(&[("WordDocument", &word), (&table_name, &t)]),
                        format!("{table_name}: {how}"),
                    )
                }
            };
            let t = Instant::now();
            let result = catch_unwind(AssertUnwindSafe(|| {
                doc::read(&input, &ReadContext::new(limits.clone()))
            }));
            let took = t.elapsed();
            slowest = slowest.max(took);
            match result {
                Ok(Ok(_)) => ok += 1,
                Ok(Err(_)) => refused += 1,
                Err(_) => panic!("{name} mutation {i} ({how}): the reader panicked"),
            }
            assert!(
                took < Duration::from_secs(5),
                "{name} mutation {i} ({how}): {took:?}"
            );
        }
    }
    println!(
        "{} mutations of the .doc fixtures: {ok} read, {refused} refused with a status, none \
         panicked; slowest {slowest:.2?}, all in {:.1?}",
        3 * PER_FIXTURE,
        started.elapsed()
    );
}
