//! The ingress arbiter's bench (`hw-rtl/tb/offload_ingress/tb.sv`): random frames on every
//! wire port, the inject port (with a random tuser) and the loop port (with random
//! loop-port metadata and stash), with random valid gaps and random `m_ready`, against the
//! frames as they were sent: each must come out once, whole (no other input's beats
//! inside it), in order per input, byte for byte with its keep and last, with its input
//! number, its length (the bytes on its input: for the loop port, without the stash) on
//! every beat, its tuser / metadata (`m_user`) and, from the loop port, its stash
//! (`m_stash`) on the first beat. At packet boundaries the loop port goes first and the
//! others round-robin; `pending` is high while any beat waits, low while every FIFO is
//! empty. Two short tests keep the faults this bench found fixed (the round robin after a
//! loop-port packet, `pending` with part of a packet). `cargo test -p rtl-benches`.

mod common;

use common::{beats, no_verilator, run};
use rtl_benches::Bench;
use std::fmt::Write;
use std::sync::Mutex;
use test_support::realistic::Rng;

/// offload_top's defaults (the bench's and the RTL's).
const N_PORTS: u64 = 2;
const FIFO_BITS: u32 = 5;
/// The inputs by number (offload_util in_inject / in_loop).
const INJECT: u64 = N_PORTS;
const LOOP: u64 = N_PORTS + 1;
/// The longest packet a wire or inject FIFO takes (2**FIFO_BITS beats), and the longest
/// the loop port gets: one of those with the 50 bytes of an encapsulation in front.
const MAX_LEN: usize = 64 << FIFO_BITS;
const HDR: usize = 50;
const PACKETS: usize = 4_000;

/// The tests here share the bench's build and vector file (`Bench::run`): one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A packet's vector lines: `P input len user stash nbeats`, then its beats.
fn packet(v: &mut String, input: u64, frame: &[u8], user: u64, stash: &[u8]) {
    let bin = beats(frame);
    let stash_hex: String = stash.iter().rev().map(|b| format!("{b:02x}")).collect();
    writeln!(v, "P {input:x} {:04x} {user:016x} {stash_hex} {}", frame.len(), bin.len()).unwrap();
    for b in &bin {
        writeln!(v, "{b}").unwrap();
    }
}

fn bench() -> Bench<'static> {
    Bench {
        module: "offload_ingress",
        rtl: &["offload_pkg.sv", "offload_util.sv", "offload_ingress_fifo.sv", "offload_ingress.sv"],
        params: &[],
    }
}

#[test]
fn ingress_delivers_every_packet() {
    if no_verilator("ingress_delivers_every_packet") {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = Rng::new(23);
    // the lengths at the edges: the shortest frame, around a beat, MTUs, the longest
    let edge = [14usize, 15, 63, 64, 65, 127, 128, 129, 1500, 1514, MAX_LEN - 1, MAX_LEN];
    let mut per_input = [0usize; LOOP as usize + 1];
    let mut longest = [0usize; LOOP as usize + 1];
    let mut v = String::new();
    for i in 0..PACKETS {
        // the edges on every input first (twice: the loop port's with an encap's outer
        // headers the second time), then short frames often, else any length
        let (input, len) = if i < edge.len() * 8 {
            let block = (i / edge.len()) as u64;
            let input = block % (LOOP + 1);
            (input, edge[i % edge.len()] + if input == LOOP && block >= 4 { HDR } else { 0 })
        } else {
            let input = rng.range(0, LOOP);
            let max = if input == LOOP { MAX_LEN + HDR } else { MAX_LEN };
            (input, if rng.chance(40) { rng.range(14, 200) } else { rng.range(14, max as u64) } as usize)
        };
        let frame: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        // the side band: inject's tuser, the loop port's metadata and stash (a wire's: none)
        let user = if input >= INJECT { rng.next_u64() } else { 0 };
        let stash: Vec<u8> = (0..HDR).map(|_| if input == LOOP { rng.next_u64() as u8 } else { 0 }).collect();
        packet(&mut v, input, &frame, user, &stash);
        per_input[input as usize] += 1;
        longest[input as usize] = longest[input as usize].max(len);
    }
    println!("packets per input (wire ports, inject, loop port): {per_input:?}, longest {longest:?}");
    assert!(per_input.iter().all(|&n| n >= 800), "every input gets packets");
    assert_eq!(longest, [MAX_LEN, MAX_LEN, MAX_LEN, MAX_LEN + HDR], "the longest packet on every input");
    // (seed, valid %, the loop port's valid %, ready %): busy inputs and a slow output (the
    // FIFOs fill, the arbiter always has a choice), with the loop port as busy (it goes
    // first until it runs dry) or sparse (its packets come between the others'); every
    // input and the output at full speed; sparse inputs and a fast output (packets arrive
    // one by one into empty FIFOs)
    let runs = [[1, 70, 70, 60], [2, 70, 10, 60], [3, 100, 100, 100], [4, 15, 15, 90]];
    for [seed, valid, loop_valid, ready] in runs {
        let args = [("seed", seed), ("valid_pct", valid), ("loop_pct", loop_valid), ("ready_pct", ready)];
        run(bench(), &v, &args.map(|(k, n)| format!("+{k}={n}")));
    }
}

/// Faults this bench found in offload_ingress, on the shortest vectors that show them
/// (inputs always valid, `m_ready` always high: no randomness in the timing). The round
/// robin: after a loop-port packet it started again at input 1, not after the input it
/// last granted (`rr_reg` took the loop port's number too). Wire port 1 sends two
/// one-beat packets; wire port 0 and the loop port a two-beat packet each. Port 1's first
/// goes, then the loop port's; round robin then owes wire port 0 its turn, and port 1 went
/// again (under a steady stream of loop-port packets, input 0 could starve).
#[test]
fn ingress_round_robin_after_a_loop_port_packet() {
    if no_verilator("ingress_round_robin_after_a_loop_port_packet") {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut v = String::new();
    packet(&mut v, 1, &[1; 64], 0, &[0; HDR]);
    packet(&mut v, 1, &[2; 64], 0, &[0; HDR]);
    packet(&mut v, 0, &[3; 128], 0, &[0; HDR]);
    packet(&mut v, LOOP, &[4; 128], 0x44, &[0x55; HDR]);
    run(bench(), &v, &["+valid_pct=100".into(), "+ready_pct=100".into()]);
}

/// `pending` ("a beat waits in some FIFO"; the top's STATUS.BUSY: "packets are inside the
/// pipeline or its input FIFOs") was low while a FIFO held only the first beats of a
/// packet: one two-beat packet on wire port 0.
#[test]
fn ingress_pending_with_part_of_a_packet() {
    if no_verilator("ingress_pending_with_part_of_a_packet") {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut v = String::new();
    packet(&mut v, 0, &[5; 128], 0, &[0; HDR]);
    run(bench(), &v, &["+valid_pct=100".into(), "+ready_pct=100".into()]);
}
