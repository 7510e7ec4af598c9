//! Throughput and latency of the NIC model (a measurement, not a test): back-to-back
//! 64-byte frames on both wire ports into an unprogrammed-ACL L3 config; reports
//! packets per clock and first-beat-in to first-beat-out latency. Every packet takes
//! the same fixed-latency path whatever the lookups return, so hits and misses cost
//! the same; run with `cargo bench -p sim`.

use sim::{InPort, Sim};

fn main() {
    let mut s = Sim::new();
    let mut frame = vec![0u8; 64];
    frame[12] = 0x08;
    frame[14] = 0x45;
    let n = 100_000u64;
    for i in 0..n {
        frame[20] = i as u8;
        s.send(InPort::Wire((i % 2) as u8), &frame);
    }
    let c0 = s.cycles();
    let t0 = std::time::Instant::now();
    s.run(10 * n);
    let out = s.take_output();
    let dt = t0.elapsed();
    let first = out.first().map_or(0, |o| o.cycle - c0);
    let span = out.last().map_or(0, |o| o.cycle) - out.first().map_or(0, |o| o.cycle) + 1;
    println!(
        "{} packets out, {:.3} packets/clock, first-packet latency {} clocks, {:.1} M clocks/s simulated",
        out.len(),
        out.len() as f64 / span as f64,
        first,
        (s.cycles() - c0) as f64 / dt.as_secs_f64() / 1e6
    );
}
