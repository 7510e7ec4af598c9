//! Co-simulation speed on the realistic model (a bench, not a test): one Kubernetes node
//! (`test_support::realistic`) and its traffic, run three ways in the same process on
//! the same packets —
//!
//! - `software`: `sw-fallback` alone (the peer the other rows are quoted against);
//! - `cosim`: the simulated NIC behind the driver (`sim::Testbed`), no reference;
//! - `cosim + reference`: both, as `sim/tests/differential.rs` runs them.
//!
//! `cargo bench -p sim --bench cosim` (`COSIM_BENCH_PACKETS`, default 20,000). Each row
//! prints `cosim: N packets/s`-style figures, the NIC clocks per packet (one packet in
//! the pipeline at a time) and the Verilator model's clock rate.

use host_driver::node::NodeOptions;
use host_driver::shell::ShellOptions;
use sim::testbed::software;
use sim::Testbed;
use std::time::{Duration, Instant};
use sw_fallback::Dataplane;
use test_support::realistic::{k8s_node, NodeTraffic};

const SEED: u64 = 1;

/// The figures of one way of running the traffic.
struct Row {
    packets: u64,
    secs: f64,
    clocks: u64,
}

fn main() {
    let packets: u64 = std::env::var("COSIM_BENCH_PACKETS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let sw = run(packets, false, true);
    let nic = run(packets, true, false);
    let both = run(packets, true, true);
    println!("realistic model, node seed {SEED}, {packets} packets, one thread:");
    for (name, r) in [("software", &sw), ("cosim", &nic), ("cosim + reference", &both)] {
        let rate = r.packets as f64 / r.secs;
        let mut line = format!("{name}: {rate:.0} packets/s ({:.3}× software)", rate * sw.secs / sw.packets as f64);
        if r.clocks > 0 {
            line += &format!(
                ", {:.1} NIC clocks/packet, {:.0} k clocks/s simulated",
                r.clocks as f64 / r.packets as f64,
                r.clocks as f64 / r.secs / 1e3
            );
        }
        println!("{line}");
    }
}

/// Runs `packets` of the node's traffic through the NIC, software, or both; the
/// traffic's next packets follow the NIC's outputs when it runs, else software's.
fn run(packets: u64, with_nic: bool, with_software: bool) -> Row {
    let node = k8s_node(SEED + 1, 24, 4, 10, 300);
    let opts = NodeOptions { shell: ShellOptions { timeout: Duration::from_secs(2) } };
    let mut tb = with_nic.then(|| Testbed::new(node.tables.clone(), &opts).expect("the node fits the simulated NIC"));
    let mut sw = with_software.then(|| Dataplane::new(node.tables.clone()));
    let load_clocks = tb.as_ref().map_or(0, |tb| tb.card.cycles());
    let mut traffic = NodeTraffic::new(node, SEED, 32);
    let mut aged = traffic.now_ns();
    let t0 = Instant::now();
    for _ in 0..packets {
        let p = traffic.next_packet();
        if p.now_ns - aged >= 1_000_000_000 {
            if let Some(tb) = tb.as_mut() {
                tb.node.age(p.now_ns);
            }
            if let Some(sw) = sw.as_mut() {
                sw.expire_sessions(p.now_ns);
            }
            aged = p.now_ns;
        }
        let from_nic = tb.as_mut().map(|tb| tb.process(p.rx, &p.frame, p.now_ns));
        let from_sw = sw.as_mut().map(|sw| software(sw, p.rx, &p.frame, p.now_ns));
        let out = from_nic.or(from_sw).expect("one way runs");
        traffic.delivered(&p, &out);
    }
    let secs = t0.elapsed().as_secs_f64();
    Row { packets, secs, clocks: tb.map_or(0, |tb| tb.card.cycles() - load_clocks) }
}
