//! The host driver on the simulated card, as `nicctl` drives a card (`sim::Testbed`):
//! aging by the NIC's hit bits, atomic load and delete, fenced loads, and the faults.

use host_driver::node::{Node, NodeOptions};
use host_driver::shell::{DriverError, ShellOptions};
use node_config::load_tables;
use offload_tables::layout::session_kind;
use offload_tables::regs::Table;
use offload_tables::Tables;
use sim::testbed::{software, Testbed};
use sim::PuntCorruption;
use std::time::Duration;
use sw_fallback::{BufferPool, Dataplane};
use test_support::seed;
use test_support::seed_connection::seed_connection;

/// Skips (outside CI) or fails (under CI) when this build has no RTL model.
fn no_rtl_model(test: &str) -> bool {
    test_support::prerequisite::skip(test, "the RTL model (Verilator)", sim::rtl_model_missing())
}

fn opts() -> NodeOptions {
    NodeOptions { shell: ShellOptions { timeout: Duration::from_millis(50) } }
}

fn tables(name: &str) -> Tables {
    load_tables(&seed::path(name)).unwrap().1
}

fn testbed(name: &str) -> Testbed {
    Testbed::new(tables(name), &opts()).expect("a simulated card")
}

/// The seed's four steps through a client and a server testbed; returns the frames.
fn seed(client: &mut Testbed, server: &mut Testbed) -> Vec<Vec<u8>> {
    let mut cref = Dataplane::new(tables("client-node.toml"));
    let mut sref = Dataplane::new(tables("server-node.toml"));
    let mut last = Vec::new();
    let mut frames = Vec::new();
    for (i, seed::Step { node, rx, capture: pcap, tx, expected: want }) in seed::STEPS.into_iter().enumerate() {
        let frame = pcap.map(seed::capture_frame).unwrap_or_else(|| last.clone());
        let now = 1_000_000_000 + 50_000 * i as u64;
        let (n, r) = if node == "client" { (&mut *client, &mut cref) } else { (&mut *server, &mut sref) };
        let got = n.process(rx, &frame, now);
        assert_eq!(got, software(r, rx, &frame, now), "step {i}: offload node and software node differ");
        assert_eq!(got.len(), 1, "step {i}");
        assert_eq!(got[0].0, tx, "step {i}");
        assert_eq!(got[0].1, seed::expected_frame(want), "step {i}: {want}");
        last = got[0].1.clone();
        frames.push(frame);
    }
    frames
}

/// Two testbeds (client, server) and their software-only twins.
struct Pair {
    nodes: [Testbed; 2],
    refs: [Dataplane; 2],
}

impl Pair {
    fn seed() -> Self {
        Pair {
            nodes: [testbed("client-node.toml"), testbed("server-node.toml")],
            refs: [Dataplane::new(tables("client-node.toml")), Dataplane::new(tables("server-node.toml"))],
        }
    }

    /// The connection's handshake and request (`conn[..4]`) across, 200 µs apart from
    /// `now`; returns the time of the last.
    fn establish(&mut self, conn: &[test_support::seed_connection::Packet], mut now: u64) -> u64 {
        for p in &conn[..4] {
            now += 200_000;
            self.cross(p.from_client, &p.frame, now);
        }
        now
    }

    /// One packet from a pod through its node, the wire and the other node to the other
    /// pod (tap2 on the client node, tap3 on the server node), compared with the
    /// software-only nodes at every step; returns the punts it caused on each node.
    fn cross(&mut self, from_client: bool, frame: &[u8], now: u64) -> (u64, u64) {
        let (a, b) = if from_client { (0, 1) } else { (1, 0) };
        let taps = [6u16, 7];
        let punts0 = (self.nodes[a].node.stats.punts, self.nodes[b].node.stats.punts);
        let wire = self.nodes[a].process(taps[a], frame, now);
        assert_eq!(wire, software(&mut self.refs[a], taps[a], frame, now), "first node differs from software");
        assert_eq!(wire.len(), 1);
        assert_eq!(wire[0].0, 1, "leaves by the uplink");
        let pod = self.nodes[b].process(1, &wire[0].1, now + 50_000);
        assert_eq!(pod, software(&mut self.refs[b], 1, &wire[0].1, now + 50_000), "second node differs from software");
        assert_eq!(pod.len(), 1);
        assert_eq!(pod[0].0, taps[b], "to the pod's TAP");
        (self.nodes[a].node.stats.punts - punts0.0, self.nodes[b].node.stats.punts - punts0.1)
    }
}

/// Sessions whose packets only the NIC sees stay alive: at each aging pass the driver
/// reads the NIC's hit bits and refreshes the sessions their entries belong to (the
/// client's reflexive ACL session on the BVI never leaves TCP's transient state, 120 s;
/// the server's pass entries age in 240 s). Ten minutes of NIC-only traffic punt
/// nothing; once it stops, everything but the static NAT addresses expires.
#[test]
fn nic_hits_keep_sessions_alive() {
    if no_rtl_model("driver::nic_hits_keep_sessions_alive") {
        return;
    }
    let mut pair = Pair::seed();
    let conn = seed_connection();
    let mut now = pair.establish(&conn, 1_000_000_000);
    let (request, response) = (&conn[3], &conn[5]);
    for _ in 0..10 {
        now += 60 * 1_000_000_000;
        assert_eq!(pair.cross(request.from_client, &request.frame, now), (0, 0), "punted at {now} ns");
        assert_eq!(pair.cross(response.from_client, &response.frame, now + 100_000), (0, 0), "punted at {now} ns");
        for n in &mut pair.nodes {
            n.node.age(now + 200_000);
        }
        for r in &mut pair.refs {
            r.expire_sessions(now + 200_000);
        }
    }
    assert!(pair.nodes.iter().all(|n| n.node.stats.nic_session_hits > 0));
    now += 2 * 86_400 * 1_000_000_000; // past the longest timeout (ACL TCP idle, a day)
    for (n, r) in pair.nodes.iter_mut().zip(&mut pair.refs) {
        let n = &mut n.node;
        n.age(now);
        r.expire_sessions(now);
        let statics = n.dp.sessions.iter().filter(|(_, e)| e.key.kind == session_kind::NAT_EXTERNAL).count();
        assert_eq!(n.dp.sessions.len(), statics, "only the NAT addresses are left");
        assert_eq!(r.sessions.len(), statics);
    }
}

/// The session memory answers lookups with errors: the NIC takes each as a miss and
/// punts, software forwards the packet as the software-only node does, and the core
/// counts the errors (`SESS_MEM_ERRORS`, printed by `show device`). Once the memory
/// answers again, the flow is the NIC's alone again.
#[test]
fn session_memory_errors_are_misses_and_counted() {
    if no_rtl_model("driver::session_memory_errors_are_misses_and_counted") {
        return;
    }
    let mut pair = Pair::seed();
    let conn = seed_connection();
    let now = pair.establish(&conn, 1_000_000_000);
    let request = &conn[3];
    let errors = |pair: &Pair| pair.nodes[0].card.core_counter(offload_tables::regs::SESS_MEM_ERRORS);
    assert_eq!(errors(&pair), 0);
    assert_eq!(pair.cross(request.from_client, &request.frame, now + 100_000), (0, 0), "the NIC's alone");
    pair.nodes[0].card.with_core(|c| c.fail_session_reads(u64::MAX));
    let (punts, _) = pair.cross(request.from_client, &request.frame, now + 200_000);
    assert!(punts >= 1, "a failed read is a miss: the client's NIC punts");
    let n = errors(&pair);
    assert!(n >= 1, "the failed reads are counted");
    let device = pair.nodes[0].node.show_device();
    assert!(device.contains(&format!("session memory errors: {n} ")), "{device}");
    pair.nodes[0].card.with_core(|c| c.fail_session_reads(0));
    assert_eq!(pair.cross(request.from_client, &request.frame, now + 300_000), (0, 0), "the NIC's alone again");
    assert_eq!(errors(&pair), n);
}

#[test]
fn load_is_verified_and_delete_clears_the_nic() {
    if no_rtl_model("driver::load_is_verified_and_delete_clears_the_nic") {
        return;
    }
    let mut tb = testbed("client-node.toml");
    let n = &mut tb.node;
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
    if no_rtl_model("driver::fenced_load_holds_traffic_and_it_sees_the_new_tables") {
        return;
    }
    use host_driver::shell::{cmd_fence, cmd_write};
    use offload_tables::shell::op;
    let mut tb = testbed("client-node.toml");
    let sim = tb.card.clone();
    let pool = BufferPool::default();
    let mut punts = Vec::new();
    let syn_uplink = seed::expected_frame("full_client_syn_uplink");
    let sh = tb.node.shell().unwrap();
    sh.submit_all_ok(&[cmd_fence(op::FENCE_BEGIN, 0)]).unwrap();
    // Traffic arrives mid-load: held, not processed with half the tables.
    sim.wire_send(0, &syn_uplink);
    sim.run();
    assert!(sim.wire_take().is_empty());
    assert_eq!(sh.poll_punts(64, &pool, &mut punts).unwrap(), 0, "nothing enters the pipeline while fenced");
    let g = bytemuck::bytes_of(&tables("client-node.toml").global).to_vec();
    sh.submit_all_ok(&[cmd_write(Table::Global, 0, &g), cmd_fence(op::FENCE_COMMIT, 9)]).unwrap();
    assert_eq!(sh.generation().unwrap(), 9);
    sim.run();
    let n = sh.poll_punts(64, &pool, &mut punts).unwrap();
    assert_eq!(n + sim.wire_take().len(), 1, "the held frame went through after the commit");
}

#[test]
fn unknown_device_is_refused() {
    if no_rtl_model("driver::unknown_device_is_refused") {
        return;
    }
    let twin = host_driver::twin::TwinDevice::new(offload_tables::shell::BAR_SIZE as usize, 0);
    twin.with_state(|s| s.regs[0] = 0x1234_5678);
    let e = Node::with_device(Box::new(twin), tables("client-node.toml"), &opts()).err().unwrap();
    assert!(matches!(e, DriverError::UnknownDevice { value: 0x1234_5678, .. }), "{e}");
    assert!(e.to_string().contains("not an offload shell"));
}

#[test]
fn device_stops_answering_falls_back_without_losing_sessions() {
    if no_rtl_model("driver::device_stops_answering_falls_back_without_losing_sessions") {
        return;
    }
    let mut client = testbed("client-node.toml");
    let mut server = testbed("server-node.toml");
    let frames = seed(&mut client, &mut server);
    let sessions = client.node.dp.sessions.len();
    client.card.faults(|f| f.hung = true);
    // The SYN-ACK again (a retransmission): the node notices the dead device, says so,
    // and serves it in software with the session it already has.
    let mut cref = Dataplane::new(tables("client-node.toml"));
    let synack = server.process(7, &seed::capture_frame("server-tap3-in.pcap"), 1_000_300_000);
    software(&mut cref, 6, &frames[0], 1_000_000_000);
    let want = software(&mut cref, 1, &synack[0].1, 1_000_400_000);
    let got = client.process(1, &synack[0].1, 1_000_400_000);
    let n = &mut client.node;
    assert!(!n.offloading());
    assert!(n.fallback.as_deref().unwrap().contains("sim"), "{:?}", n.fallback);
    eprintln!("fallback: {:?}", n.fallback);
    assert_eq!(got, want);
    assert_eq!(n.dp.sessions.len(), sessions, "no session lost");
    assert_eq!(n.stats.fallbacks, 1);
    assert!(n.show_device().contains("fell back"));
}

#[test]
fn completion_error_is_counted_and_retried() {
    if no_rtl_model("driver::completion_error_is_counted_and_retried") {
        return;
    }
    let mut client = testbed("client-node.toml");
    let mut server = testbed("server-node.toml");
    client.card.faults(|f| f.fail_commands = 1);
    seed(&mut client, &mut server);
    assert_eq!(client.node.stats.cmd_errors, 1);
    assert!(client.node.offloading());
    assert_eq!(client.node.stats.sessions_sw_only, 0, "the retry installed it");
    // A load whose write fails rolls back and keeps the old generation.
    client.card.faults(|f| f.fail_commands = 2);
    let e = client.node.load(tables("server-node.toml")).err().unwrap();
    assert!(matches!(e, DriverError::CommandFailed { .. }), "{e}");
    assert_eq!(client.node.shell().unwrap().generation().unwrap(), 1);
}

#[test]
fn bad_punt_metadata_is_dropped_and_counted() {
    if no_rtl_model("driver::bad_punt_metadata_is_dropped_and_counted") {
        return;
    }
    for (k, c) in [PuntCorruption::Length, PuntCorruption::Reason, PuntCorruption::Port, PuntCorruption::SwIfIndex]
        .iter()
        .enumerate()
    {
        let mut client = testbed("client-node.toml");
        client.card.faults(|f| f.corrupt_punts.push_back(*c));
        let syn = seed::capture_frame("client-tap2-in.pcap");
        let out = client.process(6, &syn, 1_000_000_000);
        assert!(out.is_empty());
        let mut want = [0; 4];
        want[k] = 1;
        assert_eq!(client.node.stats.punt_bad, want, "{c:?}");
        assert!(client.node.offloading(), "a bad descriptor is the packet's problem, not the device's");
        // The next one goes through.
        let mut sw = Dataplane::new(tables("client-node.toml"));
        assert_eq!(client.process(6, &syn, 1_000_001_000), software(&mut sw, 6, &syn, 1_000_001_000));
    }
}

#[test]
fn nic_session_table_full_keeps_flows_in_software() {
    if no_rtl_model("driver::nic_session_table_full_keeps_flows_in_software") {
        return;
    }
    let mut client = testbed("client-node.toml");
    let mut server = testbed("server-node.toml");
    client.card.faults(|f| f.session_limit = Some(0));
    seed(&mut client, &mut server);
    let n = &mut client.node;
    assert!(n.stats.sessions_sw_only > 0);
    assert!(n.stats.nic_full_refusals > 0);
    assert_eq!(n.stats.cmd_errors, 0, "full is not an error");
    assert!(n.show_sessions().contains("software only"));
}

#[test]
fn sessions_age_out_of_software_and_nic_together() {
    if no_rtl_model("driver::sessions_age_out_of_software_and_nic_together") {
        return;
    }
    let mut client = testbed("client-node.toml");
    let mut server = testbed("server-node.toml");
    seed(&mut client, &mut server);
    let client = &mut client.node;
    assert!(!client.dp.sessions.is_empty());
    let in_nic = client.show_sessions().lines().filter(|l| l.contains("nic slot")).count();
    let deleted = client.stats.sessions_deleted;
    client.age(1_000_000_000 + 3 * 3600 * 1_000_000_000);
    // what stays: the static NAT address entries
    let statics = client.dp.sessions.iter().filter(|(_, e)| e.key.kind == session_kind::NAT_EXTERNAL).count();
    assert!(statics > 0);
    assert_eq!(client.dp.sessions.len(), statics);
    assert_eq!(client.stats.sessions_deleted - deleted, (in_nic - statics) as u64, "every expired entry left the NIC");
    let show = client.show_sessions();
    assert_eq!(show.lines().filter(|l| l.contains("nic slot")).count(), statics, "{show}");
    assert!(show.contains("nat44 address 10.97.193.160 nic slot"), "{show}");
}

#[test]
fn none_backend_is_software_only() {
    if no_rtl_model("driver::none_backend_is_software_only") {
        return;
    }
    let mut n = Node::open(&host_driver::DeviceSpec::None, tables("client-node.toml"), &opts()).unwrap();
    assert!(!n.offloading());
    let syn = seed::capture_frame("client-tap2-in.pcap");
    let mut out = Vec::new();
    n.receive(6, n.dp.pool.frame(&syn), 1, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].pkt.frame(), &seed::expected_frame("full_client_syn_uplink")[..]);
    assert_eq!(n.stats.software_only_packets, 1);
}
