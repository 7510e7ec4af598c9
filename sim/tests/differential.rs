//! Differential co-simulation: random configs (the generator of sw-fallback's property
//! tests) and random traffic, malformed packets included, through the node on the
//! simulated card (`sim::Testbed`: the host driver exactly as `nicctl` runs it, the NIC
//! for what it knows, software for punts) and through the software node alone; every
//! output frame must agree byte for byte (per interface, in order), and drop counts per
//! reason must add up (the NIC's and the slow path's against software's).
//!
//! `OFFLOAD_COSIM_PACKETS` sets the total packet count (default 200,000; the long run
//! uses 10,000,000), `OFFLOAD_COSIM_CONFIGS` the number of configs (default 50).

use host_driver::node::NodeOptions;
use host_driver::shell::ShellOptions;
use offload_tables::reasons::PuntReason;
use sim::testbed::{per_interface, software, Testbed};
use std::time::Duration;
use sw_fallback::Dataplane;
use test_support::harness::{assert_same_frames, env_u64, next_scenario, seeded_runner, Traffic};

/// Skips (outside CI) or fails (under CI) when this build has no RTL model.
fn no_rtl_model(test: &str) -> bool {
    test_support::prerequisite::skip(test, "the RTL model (Verilator)", sim::rtl_model_missing())
}

#[test]
fn nic_and_software_agree_on_random_traffic() {
    if no_rtl_model("differential::nic_and_software_agree_on_random_traffic") {
        return;
    }
    let total = env_u64("OFFLOAD_COSIM_PACKETS", 200_000);
    let n_configs = env_u64("OFFLOAD_COSIM_CONFIGS", 50);
    let per_config = total.div_ceil(n_configs);
    let mut runner = seeded_runner(7);
    let opts = NodeOptions { shell: ShellOptions { timeout: Duration::from_secs(2) } };
    let (mut configs, mut skipped, mut packets, mut outputs_total) = (0u64, 0u64, 0u64, 0u64);
    let (mut punts, mut wire, mut host_tx, mut resumed, mut dropped_by_nic) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut punt_reasons = [0u64; PuntReason::COUNT];
    let slot = |r: PuntReason| PuntReason::ALL.iter().position(|&x| x == r).expect("a reason of the list");
    while configs < n_configs {
        let s = next_scenario(&mut runner);
        let mut tb = match Testbed::new(s.tables.clone(), &opts) {
            Ok(t) => t,
            Err(e) => {
                // a config larger than the simulated NIC's tables
                skipped += 1;
                assert!(skipped < 4 * n_configs, "too many configs do not fit the simulated NIC: {e}");
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
            let got = tb.process(rx, &frame, now);
            let want = software(&mut sw, rx, &frame, now);
            if per_interface(&got) != per_interface(&want) {
                assert_same_frames(&format!("config {configs} packet {n} rx {rx}"), &frame, &got, &want);
            }
            outputs_total += want.len() as u64;
            traffic.sent(&want);
            packets += 1;
        }
        let st = &tb.node.stats;
        assert!(tb.node.offloading(), "config {configs}: the node fell back to software: {st:?}");
        assert_eq!(st.punt_bad, [0; 4], "config {configs}: bad punt metadata from the simulated NIC");
        assert_eq!(st.software_only_packets, 0, "config {configs}");
        punts += st.punts;
        host_tx += st.nic_host_tx;
        resumed += st.punts_resumed;
        wire += tb.nic_wire_forwarded();
        for (r, n) in tb.core_punts() {
            punt_reasons[slot(r)] += n;
        }
        // Drops per reason: the software node's = the NIC's + the slow path's.
        let nic_drops = tb.core_drops();
        let mismatched: Vec<String> = (sw.counters.drops.iter().enumerate())
            .filter_map(|(r, &want)| {
                let got = tb.node.dp.counters.drops[r] + nic_drops.get(r).copied().unwrap_or(0);
                (got != want).then(|| {
                    format!(
                        "reason {r}: NIC {} + slow path {}, software {want}",
                        nic_drops.get(r).copied().unwrap_or(0),
                        tb.node.dp.counters.drops[r]
                    )
                })
            })
            .collect();
        assert!(mismatched.is_empty(), "config {configs}: drops differ: {mismatched:?}");
        dropped_by_nic += nic_drops.iter().sum::<u64>();
    }
    eprintln!(
        "differential co-sim: {packets} packets, {configs} configs ({skipped} skipped), {outputs_total} output frames; \
         the NIC alone forwarded {wire} to wires and {host_tx} to host interfaces and dropped {dropped_by_nic}; \
         {punts} punted ({:.1}% of packets; {resumed} resumed after the NIC's encap)",
        100.0 * punts as f64 / packets as f64
    );
    let reasons: Vec<String> = PuntReason::ALL.iter().map(|&r| format!("{r:?} {}", punt_reasons[slot(r)])).collect();
    eprintln!("punt reasons: {}", reasons.join(", "));
    assert!(packets >= total && configs >= n_configs);
}
