//! The host driver on the simulator backend, as `nicctl load --device sim` opens it
//! (`Node::open`): the seed scenario, atomic load and delete, and the faults.

use host_driver::node::{Node, NodeOptions};
use host_driver::shell::{DriverError, ShellOptions};
use host_driver::sim::PuntCorruption;
use host_driver::DeviceSpec;
use node_config::load_tables;
use offload_tables::layout::session_kind;
use offload_tables::regs::Table;
use offload_tables::Tables;

use std::time::Duration;
use sw_fallback::{Dataplane, PacketBuf};
use test_support::seed;
use test_support::seed_connection::seed_connection;

fn reference(dp: &mut Dataplane, rx: u16, frame: &[u8], now: u64) -> Vec<(u16, Vec<u8>)> {
    let mut txs = Vec::new();
    dp.process(rx, PacketBuf::from_frame(frame), now, &mut txs);
    txs.into_iter().map(|t| (t.sw_if_index, t.pkt.frame().to_vec())).collect()
}

fn opts() -> NodeOptions {
    NodeOptions { shell: ShellOptions { timeout: Duration::from_millis(50) } }
}

fn tables(name: &str) -> Tables {
    load_tables(&seed::path(name)).unwrap().1
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
        let frame = pcap.map(seed::capture_frame).unwrap_or_else(|| last.clone());
        let now = 1_000_000_000 + 50_000 * i as u64;
        let (n, r) = if node == "client" { (&mut *client, &mut cref) } else { (&mut *server, &mut sref) };
        let got = n.receive(rx, &frame, now);
        assert_eq!(got, reference(r, rx, &frame, now), "step {i}: offload node and software node differ");
        assert_eq!(got.len(), 1, "step {i}");
        assert_eq!(got[0].0, tx, "step {i}");
        assert_eq!(got[0].1, seed::expected_frame(want), "step {i}: {want}");
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

/// Two driver-run nodes on the simulator backend (client, server) and their
/// software-only twins.
struct Pair {
    nodes: [Node; 2],
    refs: [Dataplane; 2],
}

impl Pair {
    fn seed() -> Self {
        let open = |n| Node::open(&DeviceSpec::Sim, tables(n), &opts()).unwrap();
        Pair {
            nodes: [open("client-node.toml"), open("server-node.toml")],
            refs: [Dataplane::new(tables("client-node.toml")), Dataplane::new(tables("server-node.toml"))],
        }
    }

    /// One packet from a pod through its node, the wire and the other node to the other
    /// pod (tap2 on the client node, tap3 on the server node), compared with the
    /// software-only nodes at every step; returns the punts it caused on each node.
    fn cross(&mut self, from_client: bool, frame: &[u8], now: u64) -> (u64, u64) {
        let (a, b) = if from_client { (0, 1) } else { (1, 0) };
        let taps = [6u16, 7];
        let punts0 = (self.nodes[a].stats.punts, self.nodes[b].stats.punts);
        let host_tx0 = self.nodes[b].stats.nic_host_tx;
        let wire = self.nodes[a].receive(taps[a], frame, now);
        assert_eq!(wire, reference(&mut self.refs[a], taps[a], frame, now), "first node differs from software");
        assert_eq!(wire.len(), 1);
        assert_eq!(wire[0].0, 1, "leaves by the uplink");
        let pod = self.nodes[b].receive(1, &wire[0].1, now + 50_000);
        assert_eq!(pod, reference(&mut self.refs[b], 1, &wire[0].1, now + 50_000), "second node differs from software");
        assert_eq!(pod.len(), 1);
        assert_eq!(pod[0].0, taps[b], "to the pod's TAP");
        let punts = (self.nodes[a].stats.punts - punts0.0, self.nodes[b].stats.punts - punts0.1);
        if punts.1 == 0 {
            assert_eq!(self.nodes[b].stats.nic_host_tx - host_tx0, 1, "the NIC delivered it to the TAP");
        }
        punts
    }
}

/// The seed's whole connection through two driver-run nodes on the simulator backend,
/// as `nicctl` runs them (`Node::open`, `receive`): the packets that change session
/// state punt on each node (the SYN and the SYN-ACK make the sessions, the first ACK and
/// the FINs move their TCP state; see `seed_connection`), every other packet stays in
/// the NIC: the client node's NIC routes, bridges, encapsulates and NATs it onto the
/// wire; the server node's NIC decapsulates it and hands it to the pod's TAP (the host
/// only writes it there), and back. Outputs equal the software-only nodes.
#[test]
fn later_packets_of_the_seed_flow_stay_in_the_nic() {
    let mut pair = Pair::seed();
    let (mut to_software, mut in_nic) = (0u64, 0u64);
    for (i, p) in seed_connection().into_iter().enumerate() {
        let punts = pair.cross(p.from_client, &p.frame, 1_000_000_000 + 200_000 * i as u64);
        if p.to_software {
            to_software += 1;
            assert_eq!(punts, (1, 1), "packet {i}: a packet that changes session state punts on each node");
        } else {
            in_nic += 1;
            assert_eq!(punts, (0, 0), "packet {i}: stays in the NIC");
        }
    }
    let [client, server] = &pair.nodes;
    eprintln!("seed connection: client {:?}\nserver {:?}", client.stats, server.stats);
    assert_eq!((client.stats.punts, server.stats.punts), (to_software, to_software));
    assert_eq!(client.stats.nic_forwarded + server.stats.nic_forwarded, in_nic, "wire output of the NIC's packets");
    assert_eq!(client.stats.inject_lost + server.stats.inject_lost, 0);
}

/// Sessions whose packets only the NIC sees stay alive: at each aging pass the driver
/// reads the NIC's hit bits and refreshes the sessions their entries belong to (the
/// client's reflexive ACL session on the BVI never leaves TCP's transient state, 120 s;
/// the server's pass entries age in 240 s). Ten minutes of NIC-only traffic punt
/// nothing; once it stops, everything but the static NAT addresses expires.
#[test]
fn nic_hits_keep_sessions_alive() {
    let mut pair = Pair::seed();
    let conn = seed_connection();
    let mut now = 1_000_000_000u64;
    for p in &conn[..4] {
        now += 200_000;
        pair.cross(p.from_client, &p.frame, now);
    }
    let (request, response) = (&conn[3], &conn[5]);
    for _ in 0..10 {
        now += 60 * 1_000_000_000;
        assert_eq!(pair.cross(request.from_client, &request.frame, now), (0, 0), "punted at {now} ns");
        assert_eq!(pair.cross(response.from_client, &response.frame, now + 100_000), (0, 0), "punted at {now} ns");
        for n in &mut pair.nodes {
            n.age(now + 200_000);
        }
        for r in &mut pair.refs {
            r.expire_sessions(now + 200_000);
        }
    }
    assert!(pair.nodes.iter().all(|n| n.stats.nic_session_hits > 0));
    now += 2 * 86_400 * 1_000_000_000; // past the longest timeout (ACL TCP idle, a day)
    for (n, r) in pair.nodes.iter_mut().zip(&mut pair.refs) {
        n.age(now);
        r.expire_sessions(now);
        let statics = n.dp.sessions.iter().filter(|(_, e)| e.key.kind == session_kind::NAT_EXTERNAL).count();
        assert_eq!(n.dp.sessions.len(), statics, "only the NAT addresses are left");
        assert_eq!(r.sessions.len(), statics);
    }
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
    let syn_uplink = seed::expected_frame("full_client_syn_uplink");
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
    let synack = server.receive(7, &seed::capture_frame("server-tap3-in.pcap"), 1_000_300_000);
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
        let syn = seed::capture_frame("client-tap2-in.pcap");
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
    let syn = seed::capture_frame("client-tap2-in.pcap");
    assert_eq!(n.receive(6, &syn, 1)[0].1, seed::expected_frame("full_client_syn_uplink"));
    assert_eq!(c2.receive(6, &syn, 1), n.receive(6, &syn, 1));
    assert_eq!(n.stats.software_only_packets, 2);
}
