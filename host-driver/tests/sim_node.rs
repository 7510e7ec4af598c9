//! The host driver on the simulator backend, as `nicctl load --device sim` opens it
//! (`Node::open`): the seed scenario, atomic load and delete, and the faults.

use host_driver::node::{Node, NodeOptions};
use host_driver::shell::{DriverError, ShellOptions};
use host_driver::sim::PuntCorruption;
use host_driver::DeviceSpec;
use offload_tables::layout::session_kind;
use offload_tables::load_tables;
use offload_tables::regs::Table;
use offload_tables::Tables;

#[path = "../../sw-fallback/tests/common/seed_connection.rs"]
mod seed_connection;

use seed_connection::seed_connection;
use std::time::Duration;
use sw_fallback::seed_example;
use sw_fallback::{Dataplane, PacketBuf};

fn reference(dp: &mut Dataplane, rx: u16, frame: &[u8], now: u64) -> Vec<(u16, Vec<u8>)> {
    let mut txs = Vec::new();
    dp.process(rx, PacketBuf::from_frame(frame), now, &mut txs);
    txs.into_iter().map(|t| (t.sw_if_index, t.pkt.frame().to_vec())).collect()
}

fn opts() -> NodeOptions {
    NodeOptions { shell: ShellOptions { timeout: Duration::from_millis(50) } }
}

fn tables(name: &str) -> Tables {
    load_tables(&seed_example::path(name)).unwrap().1
}

/// The seed's four steps; returns the frames.
fn seed(client: &mut Node, server: &mut Node) -> Vec<Vec<u8>> {
    let mut cref = Dataplane::new(tables("client-node.toml"));
    let mut sref = Dataplane::new(tables("server-node.toml"));
    let steps: [(&str, u16, Option<&str>, u16, &str); 4] = [
        ("client", 6, Some("client-tap2-in.pcap"), 1, "full_client_syn_uplink"),
        ("server", 1, None, 7, "full_server_syn_tap3"),
        ("server", 7, Some("server-tap3-in.pcap"), 1, "full_server_synack_uplink"),
        ("client", 1, None, 6, "full_client_synack_tap2"),
    ];
    let mut last = Vec::new();
    let mut frames = Vec::new();
    for (i, (node, rx, pcap, tx, want)) in steps.into_iter().enumerate() {
        let frame = pcap.map(seed_example::capture_frame).unwrap_or_else(|| last.clone());
        let now = 1_000_000_000 + 50_000 * i as u64;
        let (n, r) = if node == "client" { (&mut *client, &mut cref) } else { (&mut *server, &mut sref) };
        let got = n.receive(rx, &frame, now);
        assert_eq!(got, reference(r, rx, &frame, now), "step {i}: offload node and software node differ");
        assert_eq!(got.len(), 1, "step {i}");
        assert_eq!(got[0].0, tx, "step {i}");
        assert_eq!(got[0].1, seed_example::expected_frame(want), "step {i}: {want}");
        last = got[0].1.clone();
        frames.push(frame);
    }
    frames
}

#[test]
fn seed_through_the_driver_on_the_simulator() {
    let mut client = Node::open(&DeviceSpec::Sim, tables("client-node.toml"), &opts()).unwrap();
    let mut server = Node::open(&DeviceSpec::Sim, tables("server-node.toml"), &opts()).unwrap();
    assert!(client.offloading() && server.offloading());
    seed(&mut client, &mut server);
    // Each seed packet is the first of its direction on its node (see the next test):
    // each punted, and its sessions were installed.
    let punts = client.stats.punts + server.stats.punts;
    eprintln!("seed: client {:?}\nserver {:?}", client.stats, server.stats);
    assert_eq!(punts, 4);
    assert_eq!(client.stats.injected + server.stats.injected, 2, "wire-bound outputs went through the inject ring");
    assert_eq!(client.stats.inject_lost + server.stats.inject_lost, 0);
    // Sessions software created are in the NIC, read back through the command ring.
    assert!(client.stats.sessions_installed >= 1 && client.stats.sessions_sw_only == 0);
    assert!(client.show_sessions().contains("nic slot"), "{}", client.show_sessions());
    assert!(client.show_tables().contains("interface"));
    assert!(client.show_device().contains("shell 1.0"));
}

/// The seed's whole connection through two driver-run nodes on the simulator backend,
/// as `nicctl` runs them (`Node::open`, `receive`): the first packet of each direction
/// punts on each node (the SYN and the SYN-ACK make the sessions), every later packet
/// stays in the NIC: the client node's NIC routes, bridges, encapsulates and NATs it
/// onto the wire; the server node's NIC decapsulates it and hands it to the pod's TAP
/// (the host only writes it there), and back. Outputs equal the software-only nodes.
#[test]
fn later_packets_of_the_seed_flow_stay_in_the_nic() {
    let mut client = Node::open(&DeviceSpec::Sim, tables("client-node.toml"), &opts()).unwrap();
    let mut server = Node::open(&DeviceSpec::Sim, tables("server-node.toml"), &opts()).unwrap();
    let mut cref = Dataplane::new(tables("client-node.toml"));
    let mut sref = Dataplane::new(tables("server-node.toml"));
    let mut now = 1_000_000_000u64;
    let (mut first, mut later) = (0u64, 0u64);
    for (i, p) in seed_connection().into_iter().enumerate() {
        let (a, a_ref, a_rx, b, b_ref, b_tx) = if p.from_client {
            (&mut client, &mut cref, 6, &mut server, &mut sref, 7)
        } else {
            (&mut server, &mut sref, 7, &mut client, &mut cref, 6)
        };
        let (pa, pb, hb) = (a.stats.punts, b.stats.punts, b.stats.nic_host_tx);
        now += 100_000;
        let wire = a.receive(a_rx, &p.frame, now);
        assert_eq!(wire, reference(a_ref, a_rx, &p.frame, now), "packet {i}: first node differs from software");
        assert_eq!(wire.len(), 1, "packet {i}");
        assert_eq!(wire[0].0, 1, "packet {i}: leaves by the uplink");
        now += 100_000;
        let pod = b.receive(1, &wire[0].1, now);
        assert_eq!(pod, reference(b_ref, 1, &wire[0].1, now), "packet {i}: second node differs from software");
        assert_eq!(pod.len(), 1, "packet {i}");
        assert_eq!(pod[0].0, b_tx, "packet {i}: to the pod's TAP");
        let punts = (a.stats.punts - pa, b.stats.punts - pb);
        if p.first_of_direction {
            first += 1;
            assert_eq!(punts, (1, 1), "packet {i}: the first packet of a direction punts on each node");
        } else {
            later += 1;
            assert_eq!(punts, (0, 0), "packet {i}: later packets stay in the NIC");
            assert_eq!(b.stats.nic_host_tx - hb, 1, "packet {i}: the NIC delivered it to the TAP");
        }
    }
    eprintln!("seed connection: client {:?}\nserver {:?}", client.stats, server.stats);
    // punts = new flow directions, per node
    assert_eq!((client.stats.punts, server.stats.punts), (first, first));
    assert_eq!(client.stats.nic_forwarded + server.stats.nic_forwarded, later, "wire output of later packets");
    assert_eq!(client.stats.inject_lost + server.stats.inject_lost, 0);
}

#[test]
fn load_is_verified_and_delete_clears_the_nic() {
    let mut n = Node::open(&DeviceSpec::Sim, tables("client-node.toml"), &opts()).unwrap();
    let r = n.load(tables("server-node.toml")).unwrap();
    assert_eq!(r.generation, 2);
    assert_eq!(r.verified, r.written + r.deleted);
    assert!(r.written > 0);
    // Unchanged config: nothing written, new generation.
    let r = n.load(tables("server-node.toml")).unwrap();
    assert_eq!((r.written, r.deleted, r.generation), (0, 0, 3));
    let cleared = n.unload().unwrap();
    assert!(cleared > 0);
    let sh = n.shell().unwrap();
    let t = host_driver::node::read_tables(sh).unwrap();
    for line in t.lines().skip(1).filter(|l| !l.starts_with("device")) {
        assert!(line.trim_end().ends_with(" 0"), "not empty after unload: {line}");
    }
}

#[test]
fn fenced_load_holds_traffic_and_it_sees_the_new_tables() {
    use host_driver::shell::{cmd_fence, cmd_write};
    use offload_tables::shell::op;
    let mut n = Node::open(&DeviceSpec::Sim, tables("client-node.toml"), &opts()).unwrap();
    let sim = n.sim().unwrap().clone();
    let syn_uplink = seed_example::expected_frame("full_client_syn_uplink");
    let sh = n.shell().unwrap();
    sh.submit_all_ok(&[cmd_fence(op::FENCE_BEGIN, 0)]).unwrap();
    // Traffic arrives mid-load: held, not processed with half the tables.
    sim.wire_send(0, &syn_uplink);
    sim.run();
    assert!(sim.wire_take().is_empty());
    assert_eq!(sh.poll_punts(64).unwrap().len(), 0, "nothing enters the pipeline while fenced");
    let g = bytemuck::bytes_of(&tables("client-node.toml").global).to_vec();
    sh.submit_all_ok(&[cmd_write(Table::Global, 0, &g), cmd_fence(op::FENCE_COMMIT, 9)]).unwrap();
    assert_eq!(sh.generation().unwrap(), 9);
    sim.run();
    let punts = sh.poll_punts(64).unwrap();
    assert_eq!(punts.len() + sim.wire_take().len(), 1, "the held frame went through after the commit");
}

#[test]
fn unknown_device_is_refused() {
    let twin = host_driver::twin::TwinDevice::new(offload_tables::shell::BAR_SIZE as usize, 0);
    twin.with_state(|s| s.regs[0] = 0x1234_5678);
    let e = Node::with_device(Box::new(twin), tables("client-node.toml"), &opts()).err().unwrap();
    assert!(matches!(e, DriverError::UnknownDevice { value: 0x1234_5678, .. }), "{e}");
    assert!(e.to_string().contains("not an offload shell"));
}

#[test]
fn device_stops_answering_falls_back_without_losing_sessions() {
    let mut client = Node::open(&DeviceSpec::Sim, tables("client-node.toml"), &opts()).unwrap();
    let mut server = Node::open(&DeviceSpec::Sim, tables("server-node.toml"), &opts()).unwrap();
    let frames = seed(&mut client, &mut server);
    let sessions = client.dp.sessions.len();
    client.sim().unwrap().faults(|f| f.hung = true);
    // The SYN-ACK again (a retransmission): the node notices the dead device, says so,
    // and serves it in software with the session it already has.
    let mut cref = Dataplane::new(tables("client-node.toml"));
    let synack = server.receive(7, &seed_example::capture_frame("server-tap3-in.pcap"), 1_000_300_000);
    reference(&mut cref, 6, &frames[0], 1_000_000_000);
    let want = reference(&mut cref, 1, &synack[0].1, 1_000_400_000);
    let got = client.receive(1, &synack[0].1, 1_000_400_000);
    assert!(!client.offloading());
    assert!(client.fallback.as_deref().unwrap().contains("sim"), "{:?}", client.fallback);
    eprintln!("fallback: {:?}", client.fallback);
    assert_eq!(got, want);
    assert_eq!(client.dp.sessions.len(), sessions, "no session lost");
    assert_eq!(client.stats.fallbacks, 1);
    assert!(client.show_device().contains("fell back"));
}

#[test]
fn completion_error_is_counted_and_retried() {
    let mut client = Node::open(&DeviceSpec::Sim, tables("client-node.toml"), &opts()).unwrap();
    let mut server = Node::open(&DeviceSpec::Sim, tables("server-node.toml"), &opts()).unwrap();
    client.sim().unwrap().faults(|f| f.fail_commands = 1);
    seed(&mut client, &mut server);
    assert_eq!(client.stats.cmd_errors, 1);
    assert!(client.offloading());
    assert_eq!(client.stats.sessions_sw_only, 0, "the retry installed it");
    // A load whose write fails rolls back and keeps the old generation.
    client.sim().unwrap().faults(|f| f.fail_commands = 2);
    let e = client.load(tables("server-node.toml")).err().unwrap();
    assert!(matches!(e, DriverError::CommandFailed { .. }), "{e}");
    assert_eq!(client.shell().unwrap().generation().unwrap(), 1);
}

#[test]
fn bad_punt_metadata_is_dropped_and_counted() {
    for (k, c) in [PuntCorruption::Length, PuntCorruption::Reason, PuntCorruption::Port, PuntCorruption::SwIfIndex]
        .iter()
        .enumerate()
    {
        let mut client = Node::open(&DeviceSpec::Sim, tables("client-node.toml"), &opts()).unwrap();
        client.sim().unwrap().faults(|f| f.corrupt_punts.push_back(*c));
        let syn = seed_example::capture_frame("client-tap2-in.pcap");
        let out = client.receive(6, &syn, 1_000_000_000);
        assert!(out.is_empty());
        let mut want = [0; 4];
        want[k] = 1;
        assert_eq!(client.stats.punt_bad, want, "{c:?}");
        assert!(client.offloading(), "a bad descriptor is the packet's problem, not the device's");
        // The next one goes through.
        let mut sw = Dataplane::new(tables("client-node.toml"));
        assert_eq!(client.receive(6, &syn, 1_000_001_000), reference(&mut sw, 6, &syn, 1_000_001_000));
    }
}

#[test]
fn nic_session_table_full_keeps_flows_in_software() {
    let mut client = Node::open(&DeviceSpec::Sim, tables("client-node.toml"), &opts()).unwrap();
    let mut server = Node::open(&DeviceSpec::Sim, tables("server-node.toml"), &opts()).unwrap();
    client.sim().unwrap().faults(|f| f.session_limit = Some(0));
    seed(&mut client, &mut server);
    assert!(client.stats.sessions_sw_only > 0);
    assert!(client.stats.nic_full_refusals > 0);
    assert_eq!(client.stats.cmd_errors, 0, "full is not an error");
    assert!(client.show_sessions().contains("software only"));
}

#[test]
fn sessions_age_out_of_software_and_nic_together() {
    let mut client = Node::open(&DeviceSpec::Sim, tables("client-node.toml"), &opts()).unwrap();
    let mut server = Node::open(&DeviceSpec::Sim, tables("server-node.toml"), &opts()).unwrap();
    seed(&mut client, &mut server);
    assert!(!client.dp.sessions.is_empty());
    let installed = client.stats.sessions_installed;
    client.age(1_000_000_000 + 3 * 3600 * 1_000_000_000);
    // what stays: the static NAT address entries
    let statics = client.dp.sessions.iter().filter(|(_, e)| e.key.kind == session_kind::NAT_EXTERNAL).count();
    assert!(statics > 0);
    assert_eq!(client.dp.sessions.len(), statics);
    assert_eq!(client.stats.sessions_deleted, installed - statics as u64);
    let show = client.show_sessions();
    assert_eq!(show.lines().filter(|l| l.contains("nic slot")).count(), statics, "{show}");
    assert!(show.contains("nat44 address 10.97.193.160 nic slot"), "{show}");
}

#[test]
fn none_backend_is_software_only() {
    let mut n = Node::open(&DeviceSpec::None, tables("client-node.toml"), &opts()).unwrap();
    assert!(!n.offloading());
    let mut c2 = Node::open(&DeviceSpec::None, tables("client-node.toml"), &opts()).unwrap();
    let syn = seed_example::capture_frame("client-tap2-in.pcap");
    assert_eq!(n.receive(6, &syn, 1)[0].1, seed_example::expected_frame("full_client_syn_uplink"));
    assert_eq!(c2.receive(6, &syn, 1), n.receive(6, &syn, 1));
    assert_eq!(n.stats.software_only_packets, 2);
}
