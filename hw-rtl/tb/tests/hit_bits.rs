//! The hit bits' bench (`hw-rtl/tb/offload_hit_bits/tb.sv`): random lookups setting bits
//! while the driver collects them as the contract says (`offload_tables::regs::HIT_EPOCH`:
//! retire the bank, then read and clear every group of it), against a model of two banks
//! of a bit per slot. `cargo test -p rtl-benches`.

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
    // 256 buckets, 2048 slots, 4 groups of 512. The top's four sources.
    const SB: u32 = 8;
    const N_SOURCES: usize = 4;
    const SLOTS: usize = WAYS << SB;
    const GROUPS: usize = SLOTS / 512;
    let mut rng = Rng::new(19);
    // banks[cur]: where sets land; banks[cur ^ 1]: the retired one, read group by group
    let mut banks = [vec![false; SLOTS], vec![false; SLOTS]];
    let mut cur = 0;
    let (mut same_word, mut set_on_flip, mut set_while_reading) = (0, 0, 0);
    let mut to_read: Vec<usize> = Vec::new();
    let mut v = String::new();
    for _ in 0..VECTORS {
        // sets: 0..=N_SOURCES, often in a few hot words (the read-modify-write's
        // forwarding), sometimes two on the same bit
        let hot = rng.chance(50);
        let mut set = 0u32;
        let mut at = [(0usize, 0usize); N_SOURCES];
        for (k, a) in at.iter_mut().enumerate() {
            let bucket = if hot { rng.range(0, 15) } else { rng.range(0, (1 << SB) - 1) };
            *a = (bucket as usize, rng.range(0, WAYS as u64 - 1) as usize);
            if !rng.chance(20 * k as u64 + 10) {
                set |= 1 << k;
            }
        }
        if set.count_ones() >= 2 && rng.chance(30) {
            let (i, j) = (set.trailing_zeros() as usize, 31 - set.leading_zeros() as usize);
            at[j] = at[i];
        }
        let slots: Vec<usize> =
            (0..N_SOURCES).filter(|k| set >> k & 1 == 1).map(|k| at[k].0 * WAYS + at[k].1).collect();
        same_word += usize::from((1..slots.len()).any(|i| slots[..i].iter().any(|s| s / 64 == slots[i] / 64)));
        let fields = format!(
            "{set:x} {:x} {:x}",
            at.iter().rev().fold(0u64, |acc, a| acc << SB | a.0 as u64),
            at.iter().rev().fold(0u64, |acc, a| acc << 3 | a.1 as u64)
        );
        // the driver: a collection (a flip, then every group in turn) now and then
        let line = if to_read.is_empty() && rng.chance(2) {
            set_on_flip += usize::from(set != 0);
            for &s in &slots {
                banks[cur][s] = true;
            }
            cur ^= 1;
            to_read = (0..GROUPS).rev().collect();
            format!("F {fields}")
        } else if !to_read.is_empty() && rng.chance(10) {
            let g = to_read.pop().unwrap();
            let group = &mut banks[cur ^ 1][512 * g..512 * (g + 1)];
            let data: String = group
                .chunks(4)
                .rev()
                .map(|n| format!("{:x}", n.iter().rev().fold(0, |a, &b| a << 1 | u8::from(b))))
                .collect();
            group.fill(false);
            set_while_reading += usize::from(set != 0);
            for &s in &slots {
                banks[cur][s] = true;
            }
            format!("R {g:x} {data} {fields}")
        } else {
            for &s in &slots {
                banks[cur][s] = true;
            }
            format!("S {fields}")
        };
        writeln!(v, "{line}").unwrap();
    }
    println!(
        "cases: sets in one word in a clock {same_word}, sets in a flip's clock {set_on_flip}, \
         sets beside a group read {set_while_reading}"
    );
    assert!(same_word > 100 && set_on_flip > 50 && set_while_reading > 100, "the cases that matter occur");
    let bench = Bench {
        module: "offload_hit_bits",
        rtl: &["offload_pkg.sv", "offload_hit_bits.sv"],
        params: &[("SB", SB.into()), ("N_SOURCES", N_SOURCES as i64)],
    };
    run(bench, &v, &[]);
}
