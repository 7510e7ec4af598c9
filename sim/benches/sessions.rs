//! Sessions in external memory (a measurement, not a test): the NIC's packet rate and
//! latency with many live sessions in its table, against the memory's latency and
//! channel count, for uniform and Zipf(1.0) flow popularity.
//!
//! The node is the throughput bench's NAT44 node (`common::nat_node`); its software
//! slow path makes the flows' sessions (two entries per flow: in2out and out2in), the
//! driver installs them through the command ring (the install rate is printed, in NIC
//! clocks and host time, beside the slow path's), then for each point 4,000 back-to-back
//! 64-byte frames of flows drawn from the distribution go in on the inside port; every
//! frame out is checked against software's frame for its flow. One line per point:
//!
//!     sessions-bench: path=routed sessions=N dist=uniform|zipf latency=L channels=C: P packet/clock, p99 X clocks, B bytes/packet
//!
//! P: frames out over the clocks from the first out to the last; p99: of each frame's
//! clocks from its first beat in to its first beat out; B: bytes the session memory
//! moved per frame. The memory keeps 64 accesses in flight per channel.
//!
//! Sizes: the simulated card holds 2^SESS_BUCKET_BITS × 8 session entries (16,384 in
//! this build); the points are the sizes that fit at up to 90% occupancy. The
//! seed's encap and decap paths are not in this bench yet.
//!
//! `cargo bench -p sim --bench sessions` (`SESSIONS_PACKETS`, default 4,000 per point).

use node_config::{parse_config, render};
use sim::{InPort, MemoryParams, OutPort};
use std::time::Instant;
use sw_fallback::{Dataplane, PacketBuf};
use test_support::realistic::Rng;

mod common;
use common::nat_node::{frame, loaded, syn, CONFIG};

/// Flow indices drawn from rank-frequency 1/k (Zipf, exponent 1), by inverse CDF.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Self {
        let mut acc = 0.0;
        let mut cdf: Vec<f64> = (1..=n)
            .map(|k| {
                acc += 1.0 / k as f64;
                acc
            })
            .collect();
        for c in &mut cdf {
            *c /= acc;
        }
        Zipf { cdf }
    }
    fn draw(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)
    }
}

fn main() {
    let packets: usize = std::env::var("SESSIONS_PACKETS").ok().and_then(|v| v.parse().ok()).unwrap_or(4_000);
    let cfg = parse_config(CONFIG, std::path::Path::new("bench.toml")).expect("bench config");
    let tables = render(&cfg).expect("render");
    let capacity = 8usize << sim::model::SESS_BUCKET_BITS;
    for sessions in [10_000usize, 100_000, 1_048_576] {
        if sessions > capacity * 9 / 10 {
            println!(
                "sessions-bench: sessions={sessions} not run: the simulated card's table holds {capacity} entries \
                 (SESS_BUCKET_BITS = {})",
                sim::model::SESS_BUCKET_BITS
            );
            continue;
        }
        // the slow path makes every flow's sessions (two entries each)
        let flows = (sessions / 2) as u32;
        let mut sw = Dataplane::new(tables.clone());
        let mut out = Vec::new();
        let t = Instant::now();
        for i in 0..flows {
            out.clear();
            sw.process(1, PacketBuf::from_frame(&syn(i)), 1_000_000_000, &mut out);
        }
        let sw_secs = t.elapsed().as_secs_f64();
        let entries = sw.sessions.len();
        // the tables first, then the sessions through the command ring (what is timed)
        let (mut tb, _) = loaded(&tables, None);
        for (_, e) in sw.sessions.iter() {
            if tb.node.dp.sessions.lookup(&e.key).is_none() {
                tb.node.dp.sessions.insert(*e).expect("room in software");
            }
        }
        let (t, c0) = (Instant::now(), tb.card.cycles());
        tb.node.sync_sessions().expect("install");
        let host_secs = t.elapsed().as_secs_f64();
        let clocks = tb.card.cycles() - c0;
        let refused = tb.node.stats.sessions_sw_only;
        println!(
            "install: {entries} session entries ({flows} flows) in {clocks} NIC clocks = {:.1} M entries/s at 250 MHz, \
             {:.0} entries/s of host time; {refused} left in software by the NIC's table; software slow path \
             {:.0} new flows/s",
            entries as f64 / clocks as f64 * 250.0,
            entries as f64 / host_secs,
            flows as f64 / sw_secs
        );
        // what software sends for each flow's frame
        let want: Vec<Vec<u8>> = (0..flows)
            .map(|i| {
                out.clear();
                sw.process(1, PacketBuf::from_frame(&frame(i)), 1_000_000_000, &mut out);
                out[0].pkt.frame().to_vec()
            })
            .collect();
        let zipf = Zipf::new(flows as usize);
        for dist in ["uniform", "zipf"] {
            for latency in [50u64, 200] {
                for channels in [2usize, 8, 32] {
                    let mut rng = Rng::new(7);
                    let picks: Vec<usize> = (0..packets)
                        .map(|_| {
                            if dist == "zipf" {
                                zipf.draw(&mut rng)
                            } else {
                                rng.range(0, u64::from(flows) - 1) as usize
                            }
                        })
                        .collect();
                    let (pkts, entered, bytes) = tb.card.with_core(|s| {
                        s.set_memory_params(MemoryParams { channels, latency, in_flight: 64 });
                        s.reset_memory_stats();
                        for &f in &picks {
                            s.send(InPort::Wire(0), &frame(f as u32));
                        }
                        s.run(1_000 * packets as u64);
                        (s.take_output(), s.take_entry_cycles(InPort::Wire(0)), s.memory_stats().bytes())
                    });
                    // every frame out (on the outside port, in order) is software's for its flow;
                    // a flow the NIC's table refused punts (every frame of it)
                    let fwd: Vec<_> = pkts.iter().filter(|o| o.port == OutPort::Wire(1)).collect();
                    let punted = pkts.iter().filter(|o| o.port == OutPort::Punt).count();
                    assert_eq!(fwd.len() + punted, packets, "every frame out");
                    let mut k = 0;
                    let mut lat = Vec::with_capacity(packets);
                    for (j, &f) in picks.iter().enumerate() {
                        if k < fwd.len() && want[f] == fwd[k].data {
                            lat.push(fwd[k].cycle - entered[j]);
                            k += 1;
                        }
                    }
                    assert_eq!(
                        k,
                        fwd.len(),
                        "{dist} latency {latency} channels {channels}: a frame out differs from software's"
                    );
                    lat.sort_unstable();
                    let first = fwd.iter().map(|o| o.cycle).min().unwrap_or(0);
                    let last = fwd.iter().map(|o| o.cycle).max().unwrap_or(0);
                    println!(
                        "sessions-bench: path=routed sessions={sessions} dist={dist} latency={latency} channels={channels}: \
                         {:.3} packet/clock, p99 {} clocks, {:.0} bytes/packet",
                        fwd.len() as f64 / (last - first + 1) as f64,
                        lat.get(lat.len() * 99 / 100).copied().unwrap_or(0),
                        bytes as f64 / packets as f64
                    );
                }
            }
        }
    }
}
