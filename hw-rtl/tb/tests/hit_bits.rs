//! The hit-bit array's bench (`hw-rtl/tb/offload_hit_bits/tb.sv`): random lookups setting
//! bits and the driver's reads of `HIT_DATA` (read and clear in one clock), against a
//! model of the contract (`offload_tables::regs::HIT_DATA`). `cargo test -p rtl-benches`.

mod common;

use common::{no_verilator, run, VECTORS};
use offload_tables::session::WAYS;
use rtl_benches::Bench;
use std::fmt::Write;
use test_support::realistic::Rng;

#[test]
fn hit_bits_keep_every_hit() {
    if no_verilator("hit_bits_keep_every_hit") {
        return;
    }
    // 32 buckets (8 words): every word is hit and read often. The top's four sources.
    const SB: u32 = 5;
    const N_SOURCES: usize = 4;
    const WORDS: u64 = (WAYS << SB) as u64 / 32;
    let mut rng = Rng::new(19);
    // The contract's view: a bit per slot (bucket * WAYS + way); HIT_DATA of word i shows
    // slots 32i..32i+31 (bit j: slot 32i + j) and clears them; a hit in the clock of the
    // read is kept for the next read.
    let mut slots = vec![false; WAYS << SB];
    let (mut same_bit, mut set_on_clear) = (0, 0);
    let mut v = String::new();
    let mut word = 0u64;
    for _ in 0..VECTORS {
        // the driver: often a new word, a read (and clear) of it in a third of the clocks
        if rng.chance(30) {
            word = rng.range(0, WORDS - 1);
        }
        let clear = rng.chance(35);
        // the lookups: 0..=N_SOURCES sets; sometimes two on the same bit, sometimes one in
        // the word being read
        let mut set = 0u32;
        let mut at = [(0usize, 0usize); N_SOURCES];
        for (k, a) in at.iter_mut().enumerate() {
            *a = (rng.range(0, (1 << SB) - 1) as usize, rng.range(0, WAYS as u64 - 1) as usize);
            if rng.chance(20 * k as u64 + 10) {
                continue;
            }
            set |= 1 << k;
            if rng.chance(25) {
                a.0 = (word as usize * 4) + rng.range(0, 3) as usize;
            }
        }
        if set.count_ones() >= 2 && rng.chance(30) {
            let (i, j) = (set.trailing_zeros() as usize, 31 - set.leading_zeros() as usize);
            at[j] = at[i];
        }
        let (w0, w1) = (word as usize * 32, word as usize * 32 + 32);
        let rdata = slots[w0..w1].iter().rev().fold(0u32, |acc, &b| acc << 1 | u32::from(b));
        if clear {
            slots[w0..w1].fill(false);
        }
        let hit: Vec<usize> = (0..N_SOURCES).filter(|k| set >> k & 1 == 1).map(|k| at[k].0 * WAYS + at[k].1).collect();
        same_bit += usize::from((1..hit.len()).any(|i| hit[..i].contains(&hit[i])));
        set_on_clear += usize::from(clear && hit.iter().any(|s| (w0..w1).contains(s)));
        for s in hit {
            slots[s] = true;
        }
        let buckets = at.iter().rev().fold(0u64, |acc, a| acc << SB | a.0 as u64);
        let ways = at.iter().rev().fold(0u64, |acc, a| acc << 3 | a.1 as u64);
        writeln!(v, "C {set:x} {buckets:x} {ways:x} {word:x} {} {rdata:08x}", u8::from(clear)).unwrap();
    }
    println!("cases: two sources on one bit {same_bit}, a set in the word read and cleared {set_on_clear}");
    assert!(same_bit > 100 && set_on_clear > 100, "the cases that matter occur: {same_bit}, {set_on_clear}");
    let bench = Bench {
        module: "offload_hit_bits",
        rtl: &["offload_pkg.sv", "offload_hit_bits.sv"],
        params: &[("SB", SB.into()), ("N_SOURCES", N_SOURCES as i64)],
    };
    run(bench, &v, &[]);
}
