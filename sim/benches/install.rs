//! Session-install rate through the shell's command ring on the simulator backend, next
//! to the software slow path's session-creation rate (a bench, not a test):
//!
//! `cargo bench -p sim --bench install` (`INSTALL_FLOWS`, default 4000 flows).
//!
//! The NIC figure is the driver's whole path: diff against the NIC mirror, commands
//! built (interim tag, entries, final tag per bucket), written into the ring in BAR
//! memory, one doorbell per 256 commands, completions read and checked. It is given per
//! second of host time (host-bound: the Verilator model runs in this thread) and per
//! thousand NIC clocks (the device's own cost: each command is the RTL's staging
//! register sequence, one 32-bit word per clock).

use host_driver::node::NodeOptions;
use node_config::load_tables;
use sim::Testbed;
use std::time::Instant;
use test_support::seed;
use test_support::workload::Workload;

fn main() {
    let flows: usize = std::env::var("INSTALL_FLOWS").ok().and_then(|v| v.parse().ok()).unwrap_or(4000);
    let (_, tables) = load_tables(&seed::path("client-node.toml")).expect("seed client config");

    // Software slow path: every packet a new flow (ACL reflect + NAT create).
    let mut w = Workload::new_sessions(tables.clone(), flows);
    let before = w.dataplane().sessions.len();
    let t = Instant::now();
    w.run(flows);
    let sw_secs = t.elapsed().as_secs_f64();
    let entries: Vec<_> = w.dataplane().sessions.iter().map(|(_, e)| *e).collect();
    let per_flow = (entries.len() - before) as f64 / flows as f64;
    println!(
        "software slow path: {flows} new flows in {:.1} ms = {:.0} flows/s ({per_flow:.1} session entries per flow)",
        sw_secs * 1e3,
        flows as f64 / sw_secs
    );

    // The same entries into the NIC through the command ring.
    let mut tb = Testbed::new(tables, &NodeOptions::default()).expect("a simulated card");
    let node = &mut tb.node;
    let cap = node.shell().expect("offloading").info.capacity(offload_tables::regs::Table::Session);
    let n = entries.len().min(cap / 2);
    for e in &entries[..n] {
        node.dp.sessions.insert(*e).expect("room in software");
    }
    let c0 = node.shell().unwrap().cycles().unwrap();
    let t = Instant::now();
    node.sync_sessions().expect("install");
    let secs = t.elapsed().as_secs_f64();
    let cycles = node.shell().unwrap().cycles().unwrap() - c0;
    let installed = node.stats.sessions_installed as f64;
    let flows_in = installed / per_flow;
    println!(
        "NIC install (sim, command ring): {installed} entries in {:.1} ms host, {cycles} NIC clocks: \
         {:.0} entries/s host = {:.0} flows/s host; {:.2} entries / {:.2} flows per 1000 NIC clocks \
         (= {:.2} M flows/s at 250 MHz); {} refused (bucket full)",
        secs * 1e3,
        installed / secs,
        flows_in / secs,
        1000.0 * installed / cycles as f64,
        1000.0 * flows_in / cycles as f64,
        flows_in / cycles as f64 * 250.0,
        node.stats.nic_full_refusals,
    );
}
