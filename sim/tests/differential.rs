//! Differential co-simulation: random configs (the generator of sw-fallback's property
//! tests) and random traffic, malformed packets included, through the offload node
//! (NIC model + software for punts) and through the software node alone; every output
//! frame and its interface must agree byte for byte.
//!
//! `OFFLOAD_COSIM_PACKETS` sets the total packet count (default 200,000; the long run
//! uses 10,000,000), `OFFLOAD_COSIM_CONFIGS` the number of configs (default 50).

#[allow(dead_code, clippy::all)]
mod harness;

use harness::{reference, OffloadNode};
use offload_tables::reasons::PuntReason;
use sw_fallback::Dataplane;
use test_support::harness::{assert_same_frames, env_u64, next_scenario, seeded_runner, Traffic};

#[test]
fn nic_and_software_agree_on_random_traffic() {
    let total = env_u64("OFFLOAD_COSIM_PACKETS", 200_000);
    let n_configs = env_u64("OFFLOAD_COSIM_CONFIGS", 50);
    let per_config = total.div_ceil(n_configs);
    let mut runner = seeded_runner(7);
    let (mut configs, mut skipped, mut packets, mut forwarded, mut punted, mut outputs_total) =
        (0, 0, 0u64, 0, 0, 0u64);
    let (mut dropped_by_nic, mut recirc_punted, mut vxlan_forwarded) = (0u64, 0u64, 0u64);
    let (mut host_tx, mut resumed_outer, mut encapsulated) = (0u64, 0u64, 0u64);
    let mut punt_reasons = [0u64; 16];
    while configs < n_configs {
        let s = next_scenario(&mut runner);
        let mut node = match OffloadNode::new(s.tables.clone()) {
            Ok(n) => n,
            Err(e) => {
                // A config larger than the model's table parameters.
                skipped += 1;
                assert!(skipped < 4 * n_configs, "too many configs do not fit the model: {e}");
                continue;
            }
        };
        configs += 1;
        let mut sw = Dataplane::new(s.tables.clone());
        let mut traffic = Traffic::default();
        let mut now = 1_000_000_000u64;
        for n in 0..per_config {
            let (rx, frame) = traffic.next(&mut runner, &s);
            // Time stays well inside every timeout (the driver's aging is tested apart).
            now += 1_000;
            let got = node.process(rx, &frame, now);
            let want = reference(&mut sw, rx, &frame, now);
            assert_same_frames(&format!("config {configs} packet {n} rx {rx}"), &frame, &got, &want);
            outputs_total += want.len() as u64;
            traffic.sent(&want);
            packets += 1;
        }
        forwarded += node.forwarded;
        punted += node.punted;
        recirc_punted += node.recirc_punted;
        vxlan_forwarded += node.vxlan_forwarded;
        host_tx += node.host_tx;
        encapsulated += node.vxlan_encapsulated;
        resumed_outer += node.resumed_outer;
        for (a, b) in punt_reasons.iter_mut().zip(node.punt_reasons) {
            *a += b;
        }
        // Drops per reason: the software node's = the NIC's + the host's (for punted packets).
        let nic_drops = node.nic.drop_counts();
        for (r, &want) in sw.counters.drops.iter().enumerate() {
            let got = node.host.counters.drops[r] + nic_drops.get(r).copied().unwrap_or(0);
            assert_eq!(got, want, "drops of reason {r}, config {configs}");
        }
        dropped_by_nic += nic_drops.iter().sum::<u64>();
    }
    eprintln!(
        "differential co-sim: {packets} packets, {configs} configs ({skipped} skipped), {outputs_total} output frames, \
         {forwarded} forwarded by the NIC alone, {dropped_by_nic} dropped by the NIC, {punted} punted ({:.1}% of packets)",
        100.0 * punted as f64 / packets as f64
    );
    let reasons: Vec<String> =
        PuntReason::ALL.iter().map(|r| format!("{r:?} {}", punt_reasons[r.code() as usize % 16])).collect();
    eprintln!("punt reasons: {}", reasons.join(", "));
    eprintln!(
        "VXLAN frames decapsulated and forwarded by the NIC alone: {vxlan_forwarded}; \
         inner frames punted on their second pass: {recirc_punted}; frames the NIC forwarded to host interfaces: {host_tx}; frames the NIC encapsulated and sent alone: {encapsulated}; punts after the NIC's VXLAN encap (software resumed at the tunnel): {resumed_outer}"
    );
    assert!(packets >= total && configs >= n_configs);
}
