//! The external-memory session lookup's bench (`hw-rtl/tb/offload_session_fetch/tb.sv`):
//! the NIC's table (`SessionTable::for_nic`) written as the driver writes it (entries
//! into the bench's AXI memory, tag words through the register port), then lookups in
//! phases of input rate, output backpressure, memory latency and requests in flight,
//! each result checked against software's lookup (which the one-read lookup must equal)
//! in key order. Keys include ones that share a live entry's tag and bucket pair (a
//! read whose key differs: a miss), keys with no tag match (no read), skipped keys, and
//! memory error responses. Phases run back to back at a fixed latency and must keep one
//! lookup per clock; in the last, four hot keys must be answered by the entry cache
//! after the first round trip. `cargo test -p rtl-benches`.

mod common;

use common::{entry_hex, no_verilator, run};
use offload_tables::layout::{SessionEntry, SessionKey};
use offload_tables::session::{buckets_of, hash_key, tag_of, SessionTable, WAYS};
use rtl_benches::Bench;
use std::collections::HashMap;
use std::fmt::Write;
use test_support::realistic::Rng;

const BUCKET_BITS: u32 = 6;

fn random_key(rng: &mut Rng) -> SessionKey {
    let [a, b] = [rng.next_u64(), rng.next_u64()];
    SessionKey {
        src: a as u32,
        dst: (a >> 32) as u32,
        sport: b as u16,
        dport: (b >> 16) as u16,
        proto: 6,
        kind: 1,
        scope: 0,
    }
}

/// Pairs of keys with one tag and one bucket pair: the second looks up the first's way.
fn shadowing_pairs(rng: &mut Rng, n: usize) -> Vec<(SessionKey, SessionKey)> {
    let mask = (1usize << BUCKET_BITS) - 1;
    let mut seen: HashMap<(u16, usize), SessionKey> = HashMap::new();
    let mut pairs = Vec::new();
    while pairs.len() < n {
        let k = random_key(rng);
        let h = hash_key(&k);
        let [b1, b2] = buckets_of(h, mask);
        if let Some(other) = seen.remove(&(tag_of(h), b1.min(b2))) {
            pairs.push((other, k));
        } else {
            seen.insert((tag_of(h), b1.min(b2)), k);
        }
    }
    pairs
}

/// The vectors: rounds of table changes and lookups, each round in its phase.
fn vectors(seed: u64, phases: &[&str], lookups_per_phase: usize) -> String {
    let mut rng = Rng::new(seed);
    let mut table = SessionTable::for_nic(WAYS << BUCKET_BITS);
    let mut written = SessionTable::for_nic(WAYS << BUCKET_BITS); // what the memory holds
    let pairs = shadowing_pairs(&mut rng, 64);
    let mut known: Vec<SessionKey> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    let mut v = String::new();
    for (round, phase) in phases.iter().enumerate() {
        // change the table: fill towards 90%, delete some
        for _ in 0..(table.capacity() * 9 / 10).saturating_sub(table.len()) {
            let k = if rng.chance(30) { rng.pick(&pairs).0 } else { random_key(&mut rng) };
            let e = SessionEntry {
                key: k,
                new_src: rng.next_u64() as u32,
                session_index: round as u32,
                ..Default::default()
            };
            if table.insert(e).is_ok() {
                known.push(k);
            }
        }
        let live: Vec<usize> = table.iter().map(|(slot, _)| slot).collect();
        for slot in live {
            if rng.chance(10) {
                table.remove(slot);
            }
        }
        // write what changed: entries first, then the tag words (the driver's order)
        for b in 0..table.n_buckets() {
            let mut changed = false;
            for w in 0..WAYS {
                let e = table.get(b * WAYS + w);
                if e != written.get(b * WAYS + w) {
                    writeln!(v, "E {b:x} {w:x} {}", entry_hex(bytemuck::bytes_of(e), 384)).unwrap();
                    changed = true;
                }
            }
            if changed || round == 0 {
                let tags: String = table.bucket_tags(b).iter().rev().map(|t| format!("{t:04x}")).collect();
                writeln!(v, "T {b:x} {tags}").unwrap();
            }
        }
        written = table.clone();
        // a hot phase looks up four live keys only (the entry cache's case)
        let hot: Vec<SessionKey> = table.iter().take(4).map(|(_, e)| e.key).collect();
        let (phase, is_hot) = match phase.strip_suffix(" hot") {
            Some(p) => (p, true),
            None => (*phase, false),
        };
        writeln!(v, "{phase}").unwrap();
        for _ in 0..lookups_per_phase {
            let k = if is_hot {
                rng.pick(&hot)
            } else if rng.chance(60) {
                rng.pick(&known)
            } else {
                random_key(&mut rng)
            };
            let [lo, hi] = k.words();
            let skip = rng.chance(5);
            let found = table.lookup_first_tag(&k);
            assert_eq!(found, table.lookup(&k), "the NIC's table keeps one way per tag");
            match found.filter(|_| !skip) {
                Some(slot) => {
                    let entry = entry_hex(bytemuck::bytes_of(table.get(slot)), 384);
                    writeln!(v, "L {hi:016x}{lo:016x} 0 1 {:x} {:x} {entry}", slot / WAYS, slot % WAYS).unwrap()
                }
                None => writeln!(v, "L {hi:016x}{lo:016x} {} 0 0 0 0", u8::from(skip)).unwrap(),
            }
        }
    }
    v
}

fn bench(rob_bits: i64) -> Bench<'static> {
    Bench {
        module: "offload_session_fetch",
        rtl: &[
            "offload_pkg.sv",
            "offload_util.sv",
            "offload_hash.sv",
            "offload_ram.sv",
            "offload_fifo.sv",
            "offload_session_fetch.sv",
        ],
        params: if rob_bits == 4 {
            &[("BUCKET_BITS", BUCKET_BITS as i64), ("ROB_BITS", 4)]
        } else {
            &[("BUCKET_BITS", BUCKET_BITS as i64), ("ROB_BITS", 8)]
        },
    }
}

// Phase lines: P valid% ready% latency_min latency_max in_flight error‰ min_rate‰
// (min_rate: lookups per clock the phase must keep, in thousandths; 0: no check).

#[test]
fn session_fetch_finds_what_software_finds() {
    if no_verilator("session_fetch_finds_what_software_finds") {
        return;
    }
    // 16 slots in flight: the reorder buffer fills and holds keys back
    let phases = [
        "P 100 100 1 1 64 0 0",
        "P 70 60 1 40 64 0 0",
        "P 100 100 20 80 8 0 0",
        "P 90 30 5 100 64 20 0",
        "P 50 90 1 200 3 0 0",
        "P 100 100 1 30 64 50 0",
    ];
    run(bench(4), &vectors(41, &phases, 2_000), &[]);
}

#[test]
fn session_fetch_keeps_the_line_rate_across_memory_latency() {
    if no_verilator("session_fetch_keeps_the_line_rate_across_memory_latency") {
        return;
    }
    // 256 slots: a 200-clock memory round trip at one lookup per clock, back to back;
    // then out-of-order latencies 50..200 with backpressure, then errors; then four hot
    // keys, which the entry cache answers after their first reads
    let phases = [
        "P 100 100 200 200 256 0 990",
        "P 100 100 50 200 256 0 980",
        "P 80 70 50 200 256 10 0",
        "P 100 100 200 200 256 0 990 hot",
    ];
    let out = bench(8).run(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")), &vectors(42, &phases, 6_000), &[]);
    let out = out.unwrap_or_else(|e| panic!("{e}"));
    print!("{out}");
    let hot = out.lines().find(|l| l.starts_with("phase 3:")).expect("the hot phase's line");
    let reads: u64 =
        hot.split(" reads").next().and_then(|h| h.rsplit(' ').next()).and_then(|n| n.parse().ok()).expect("reads");
    // (until the first answers are back, one round trip of back-to-back keys, each
    // lookup reads; then the cache answers)
    assert!(reads <= 256, "the cache answers a hot key's lookups after the first round trip: {hot}");
}
