//! What every bench file shares: the prerequisite check, running a bench, and the vector
//! formats (entries and frames as the benches read them).

// Each test file uses what it needs of these.
#![allow(dead_code)]

use rtl_benches::{verilator_missing, Bench};
use std::path::Path;
use test_support::frames::L4;
use test_support::realistic::Rng;

/// Random vectors per bench, where a bench draws them.
pub const VECTORS: usize = 20_000;

/// Skips (outside CI) or fails (under CI) without Verilator.
pub fn no_verilator(test: &str) -> bool {
    test_support::prerequisite::skip(test, "Verilator", verilator_missing())
}

fn work() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

/// Builds and runs the bench on `vectors`; panics with its output unless it passed.
pub fn run(bench: Bench, vectors: &str, plusargs: &[String]) {
    match bench.run(work(), vectors, plusargs) {
        Ok(out) => print!("{out}"),
        Err(e) => panic!("{e}"),
    }
}

/// The entry's bits `[bits-1:0]` as hex, most significant first (the RTL's view of the
/// contract's little-endian entry bytes).
pub fn entry_hex(bytes: &[u8], bits: usize) -> String {
    bytes[..bits / 8].iter().rev().map(|b| format!("{b:02x}")).collect()
}

/// A frame's 64-byte beats as the benches write them: data (byte 0 lowest), keep, last.
pub fn beats(bytes: &[u8]) -> Vec<String> {
    let n = bytes.chunks(64).count();
    bytes
        .chunks(64)
        .enumerate()
        .map(|(i, beat)| {
            let data: String = (0..64).rev().map(|b| format!("{:02x}", beat.get(b).copied().unwrap_or(0))).collect();
            let keep = if beat.len() == 64 { u64::MAX } else { (1u64 << beat.len()) - 1 };
            format!("{data} {keep:016x} {}", u8::from(i + 1 == n))
        })
        .collect()
}

/// A random L4 header for an IPv4 packet: TCP, UDP (some without a checksum), ICMP
/// (mostly echo, else errors and other types) or, one time in ten, a protocol of `others`.
pub fn random_l4(rng: &mut Rng, others: &[u8]) -> L4 {
    let any_type = rng.next_u64() as u8;
    match rng.range(0, 9) {
        0..=2 => L4::Tcp {
            sport: rng.next_u64() as u16,
            dport: rng.next_u64() as u16,
            flags: rng.next_u64() as u8,
            seq: rng.next_u64() as u32,
        },
        3..=5 => L4::Udp { sport: rng.next_u64() as u16, dport: rng.next_u64() as u16, zero_csum: rng.chance(30) },
        6..=8 => L4::Icmp {
            ty: if rng.chance(70) { rng.pick(&[0, 8]) } else { rng.pick(&[3, 5, 11, 12, 13, 14, any_type]) },
            code: rng.next_u64() as u8,
            ident: rng.next_u64() as u16,
            seq: rng.next_u64() as u16,
        },
        _ => L4::Other(rng.pick(others)),
    }
}
