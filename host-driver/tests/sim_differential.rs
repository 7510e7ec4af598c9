//! The co-simulation's differential traffic through the driver, as `nicctl` runs a node
//! (`Node::open` on the simulator backend, `Node::receive`): random configs (the
//! generator of sw-fallback's property tests) and random traffic, malformed packets
//! included; every output frame and its interface must equal the software-only node's,
//! and every packet is accounted for: forwarded by the NIC (to a wire or a host
//! interface), or punted to the slow path (what software then does is what the
//! reference does).
//!
//! `OFFLOAD_DRIVER_PACKETS` sets the packet count (default 4,000; 20,000 across 20 configs passed, README),
//! `OFFLOAD_DRIVER_CONFIGS` the number of configs (default 8).

use host_driver::node::{Node, NodeOptions};
use host_driver::shell::ShellOptions;
use host_driver::DeviceSpec;
use std::time::Duration;
use sw_fallback::{Dataplane, PacketBuf};
#[allow(dead_code, clippy::all)]
use test_support::harness::{assert_same_frames, env_u64, next_scenario, seeded_runner, Traffic};

#[test]
fn driver_on_the_simulator_agrees_with_software() {
    let total = env_u64("OFFLOAD_DRIVER_PACKETS", 4_000);
    let n_configs = env_u64("OFFLOAD_DRIVER_CONFIGS", 8);
    let per_config = total.div_ceil(n_configs);
    let mut runner = seeded_runner(11);
    let opts = NodeOptions { shell: ShellOptions { timeout: Duration::from_secs(2) } };
    let (mut configs, mut skipped, mut packets) = (0u64, 0u64, 0u64);
    let (mut punts, mut forwarded, mut host_tx, mut resumed) = (0u64, 0u64, 0u64, 0u64);
    while configs < n_configs {
        let s = next_scenario(&mut runner);
        let mut node = match Node::open(&DeviceSpec::Sim, s.tables.clone(), &opts) {
            Ok(n) => n,
            Err(e) => {
                // a config larger than the simulated NIC's tables
                skipped += 1;
                assert!(skipped < 4 * n_configs, "too many configs do not fit the simulated NIC: {e}");
                continue;
            }
        };
        assert!(node.offloading());
        configs += 1;
        let mut sw = Dataplane::new(s.tables.clone());
        let mut traffic = Traffic::default();
        let mut now = 1_000_000_000u64;
        for n in 0..per_config {
            let (rx, frame) = traffic.next(&mut runner, &s);
            now += 1_000;
            let got = node.receive(rx, &frame, now);
            let mut txs = Vec::new();
            sw.process(rx, PacketBuf::from_frame(&frame), now, &mut txs);
            let want: Vec<(u16, Vec<u8>)> = txs.into_iter().map(|t| (t.sw_if_index, t.pkt.frame().to_vec())).collect();
            assert_same_frames(&format!("config {configs} packet {n} rx {rx}"), &frame, &got, &want);
            traffic.sent(&want);
            packets += 1;
        }
        let st = &node.stats;
        assert!(node.offloading(), "config {configs}: the node fell back to software: {st:?}");
        assert_eq!(st.punt_bad, [0; 4], "config {configs}: bad punt metadata from the simulated NIC");
        assert_eq!(st.inject_lost, 0, "config {configs}");
        assert_eq!(st.software_only_packets, 0, "config {configs}");
        punts += st.punts;
        forwarded += st.nic_forwarded;
        host_tx += st.nic_host_tx;
        resumed += st.punts_resumed;
    }
    eprintln!(
        "driver differential: {packets} packets, {configs} configs ({skipped} skipped); NIC forwarded {forwarded} to \
         wires and {host_tx} to host interfaces alone; {punts} punts ({resumed} resumed after the NIC's encap)"
    );
    assert!(packets >= total && configs >= n_configs);
}
