//! The output stage's bench (`hw-rtl/tb/offload_output/tb.sv`): random frames to every
//! destination (the wire ports, the punt port with and without the stash put back in front,
//! a drop, the loop port inserting the stash or stripping the 50 outer bytes), with random
//! valid gaps and random ready on every output; each port must deliver its frames in order,
//! byte for byte as the destination's mode says (the realigner bench's byte layout), with
//! the metadata (loop port: stash and metadata) on the first beat.
//! `cargo test -p rtl-benches`.

mod common;

use common::{beats, no_verilator, run};
use rtl_benches::Bench;
use std::fmt::Write;
use test_support::realistic::Rng;

/// The bench's and the RTL's default. (Not given with `-G`: Verilator 5.006 then flags
/// offload_output's `out_dest[2:0] % N_PORTS` as a WIDTH warning, which it does not at the
/// default.)
const N_PORTS: u64 = 2;
/// The outer headers the loop port strips, or puts back / in front (offload_output's HDR).
const HDR: usize = 50;
/// Loop-port metadata: the pass bit (offload_util.sv LM_OUTER): set, the encapsulated
/// outer packet (the stash goes in front); clear, a decapsulated one (HDR bytes stripped).
const LM_OUTER: u32 = 40;
const FRAMES: usize = 4_000;

#[derive(Clone, Copy, PartialEq)]
enum To {
    Wire(u64),
    Punt,
    Drop,
    Loop,
}

impl To {
    /// The destination code the top gives (offload_util dest_punt / dest_drop / dest_loop).
    fn code(self) -> u64 {
        match self {
            To::Wire(p) => p,
            To::Punt => N_PORTS,
            To::Drop => N_PORTS + 1,
            To::Loop => N_PORTS + 2,
        }
    }
}

#[test]
fn output_delivers_every_frame() {
    if no_verilator("output_delivers_every_frame") {
        return;
    }
    let mut rng = Rng::new(22);
    let edge = [1usize, 13, 14, 15, 49, 50, 51, 52, 63, 64, 65, 113, 114, 115, 128, 129, 192, 384];
    let (mut wire, mut punt, mut put_back, mut drop, mut encap, mut decap) = (0, 0, 0, 0, 0, 0);
    let mut v = String::new();
    for i in 0..FRAMES {
        let to = match rng.range(0, 5) {
            0 | 1 => To::Wire(rng.range(0, N_PORTS - 1)),
            2 => To::Punt,
            3 => To::Drop,
            _ => To::Loop,
        };
        let mut meta = rng.next_u64();
        let outer = rng.chance(50);
        if to == To::Loop {
            meta = meta & !(1 << LM_OUTER) | u64::from(outer) << LM_OUTER;
        }
        // (on frames to other ports, put_back and LM_OUTER are random: they must not matter)
        let back = rng.chance(50);
        let len = if i < edge.len() * 6 { edge[i % edge.len()] } else { rng.range(1, 384) as usize };
        // the loop port strips frames longer than the outer headers (what decap sends)
        let strip = to == To::Loop && !outer;
        let len = if strip { len.max(HDR + 1) } else { len };
        let frame: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        let stash: Vec<u8> = (0..HDR).map(|_| rng.next_u64() as u8).collect();
        let with_stash = || stash.iter().chain(&frame).copied().collect::<Vec<u8>>();
        let out: Vec<u8> = match to {
            To::Wire(_) => {
                wire += 1;
                frame.clone()
            }
            To::Punt if back => {
                put_back += 1;
                with_stash()
            }
            To::Punt => {
                punt += 1;
                frame.clone()
            }
            To::Drop => {
                drop += 1;
                Vec::new()
            }
            To::Loop if outer => {
                encap += 1;
                with_stash()
            }
            To::Loop => {
                decap += 1;
                frame[HDR..].to_vec()
            }
        };
        let (bin, bout) = (beats(&frame), if out.is_empty() { Vec::new() } else { beats(&out) });
        let stash_hex: String = stash.iter().rev().map(|b| format!("{b:02x}")).collect();
        writeln!(v, "F {:x} {} {meta:016x} {stash_hex} {} {}", to.code(), u8::from(back), bin.len(), bout.len())
            .unwrap();
        for b in bin.iter().chain(&bout) {
            writeln!(v, "{b}").unwrap();
        }
    }
    println!(
        "frames: wire {wire}, punt {punt} + {put_back} put back, dropped {drop}, loop {encap} encapsulated + \
         {decap} decapsulated"
    );
    assert!([wire, punt, put_back, drop, encap, decap].iter().all(|&n| n >= 300), "every destination and mode");
    for seed in [1, 2] {
        let bench = Bench {
            module: "offload_output",
            rtl: &["offload_pkg.sv", "offload_util.sv", "offload_realign.sv", "offload_output.sv"],
            params: &[],
        };
        run(bench, &v, &[format!("+seed={seed}")]);
    }
}
