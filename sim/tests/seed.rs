//! The seed scenario on the simulated card, driven by the host driver exactly as
//! `nicctl` drives a card (`sim::Testbed`: the driver's fenced load and read-back, the
//! miss loop, session sync through the command ring, inject): each packet enters the
//! NIC, punts where the NIC has no fast path or no session, the software path creates
//! the sessions, the driver installs them and injects the result. Every frame must equal
//! the seed's bytes and the software-only node.

use host_driver::node::NodeOptions;
use node_config::load_tables;
use offload_tables::regs::Table;
use offload_tables::Tables;
use sim::testbed::{software, Testbed};
use sw_fallback::Dataplane;
use test_support::seed;
use test_support::seed_connection::seed_connection;

/// Skips (outside CI) or fails (under CI) when this build has no RTL model.
fn no_rtl_model(test: &str) -> bool {
    test_support::prerequisite::skip(test, "the RTL model (Verilator)", sim::rtl_model_missing())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn tables(name: &str) -> Tables {
    load_tables(&seed::path(name)).unwrap().1
}

/// One seed node on the card, and its software-only twin.
struct Side {
    tb: Testbed,
    reference: Dataplane,
}

impl Side {
    fn new(config: &str) -> Self {
        Side {
            tb: Testbed::new(tables(config), &NodeOptions::default()).expect("a simulated card"),
            reference: Dataplane::new(tables(config)),
        }
    }

    /// One frame through the card and through software; they must agree.
    fn process(&mut self, rx: u16, frame: &[u8], now: u64, what: &str) -> Vec<(u16, Vec<u8>)> {
        let got = self.tb.process(rx, frame, now);
        let want = software(&mut self.reference, rx, frame, now);
        assert_eq!(got, want, "{what}: offload node and software node differ");
        got
    }
}

fn seed_nodes() -> (Side, Side) {
    (Side::new("client-node.toml"), Side::new("server-node.toml"))
}

#[test]
fn seed_syn_and_syn_ack_through_the_nic() {
    if no_rtl_model("seed::seed_syn_and_syn_ack_through_the_nic") {
        return;
    }
    let (mut client, mut server) = seed_nodes();
    let mut last = Vec::new();
    for (i, seed::Step { node, rx, capture: pcap, tx, expected: want }) in seed::STEPS.into_iter().enumerate() {
        let frame = pcap.map(seed::capture_frame).unwrap_or_else(|| last.clone());
        let now = 1_000_000_000 + 50_000 * i as u64;
        let side = if node == "client" { &mut client } else { &mut server };
        let got = side.process(rx, &frame, now, &format!("step {i}"));
        assert_eq!(got.len(), 1, "step {i}");
        assert_eq!(got[0].0, tx, "step {i}");
        assert_eq!(hex(&got[0].1), hex(&seed::expected_frame(want)), "step {i}: {want}");
        last = got[0].1.clone();
    }
    // Each of the seed's packets is the first of its direction of the flow on its node:
    // its sessions (NAT, reflexive ACL, NAT as the uplink's output feature for a new
    // outer flow) are made by the slow path, so each punted and came back through the
    // inject port. (What follows in the NIC alone: the next test.)
    let (c, s) = (&client.tb.node.stats, &server.tb.node.stats);
    assert_eq!(c.punts + s.punts, 4);
    assert_eq!(c.injected + s.injected, 2, "wire-bound outputs went through the inject ring");
    assert!(c.sessions_installed >= 1 && c.sessions_sw_only == 0);
    // The sessions software created are in the NIC's session table: read straight from
    // the card, at the slot the driver's show names.
    let show = client.tb.node.show_sessions();
    let (_, sw) = client.tb.node.dp.sessions.iter().next().expect("a session");
    let sw = *sw;
    let slot = client.tb.node.nic_slot(&sw.key).expect("installed in the NIC");
    assert!(show.contains(&format!("nic slot {slot}")), "{show}");
    let e = client.tb.card.read_entry(Table::Session, slot).unwrap();
    assert_eq!(e, bytemuck::bytes_of(&sw).to_vec());
    let device = client.tb.node.show_device();
    assert!(device.contains("shell 1.0"), "{device}");
    assert!(
        device.contains("session memory: external (1 MiB of 64-byte entries, tags on chip), 6 lookup ports x 256"),
        "{device}"
    );
}

/// The seed's connection end to end through both offload nodes. Each node punts the
/// packets that change session state software keeps (see `seed_connection`): the SYN
/// and the SYN-ACK, which in the seed's own trace create state (their input ACLs match
/// rule 0, permit+reflect, on both nodes: new reflexive sessions, on the uplink for a
/// new outer flow; the server's reply is a new NAT in2out decision), the client's first
/// ACK (its ACL sessions' TCP state) and the FINs. Every other packet (requests,
/// responses, ACKs) is forwarded by the NIC alone: the client node routes it into the
/// BVI, bridges it to the tunnel, encapsulates it, and NATs the outer packet as the
/// uplink's output feature; the server node decapsulates, NATs (a cached pass decision)
/// and hands the inner frame to the pod's TAP (the host only writes it there); and back.
/// Every frame is byte-identical to the software-only nodes.
#[test]
fn later_packets_of_the_seed_flow_stay_in_the_nic() {
    if no_rtl_model("seed::later_packets_of_the_seed_flow_stay_in_the_nic") {
        return;
    }
    let (mut client, mut server) = seed_nodes();
    let mut now = 1_000_000_000u64;
    let (mut to_software, mut in_nic) = (0u64, 0u64);
    for (i, p) in seed_connection().into_iter().enumerate() {
        let punts = u64::from(p.to_software);
        to_software += punts;
        in_nic += 1 - punts;
        let (a, a_rx, b, b_tx) =
            if p.from_client { (&mut client, 6, &mut server, 7) } else { (&mut server, 7, &mut client, 6) };
        now += 100_000;
        let (p0, h0) = (a.tb.node.stats.punts, a.tb.node.stats.nic_host_tx);
        let wire = a.process(a_rx, &p.frame, now, &format!("packet {i}, first node"));
        assert_eq!(wire.len(), 1, "packet {i}");
        assert_eq!(wire[0].0, 1, "packet {i}: leaves by the uplink");
        assert_eq!(a.tb.node.stats.punts - p0, punts, "packet {i}: punts on the first node");
        assert_eq!(a.tb.node.stats.nic_host_tx, h0, "packet {i}");
        now += 100_000;
        let (p0, h0) = (b.tb.node.stats.punts, b.tb.node.stats.nic_host_tx);
        let pod = b.process(1, &wire[0].1, now, &format!("packet {i}, second node"));
        assert_eq!(pod.len(), 1, "packet {i}");
        assert_eq!(pod[0].0, b_tx, "packet {i}: delivered to the pod's TAP");
        assert_eq!(b.tb.node.stats.punts - p0, punts, "packet {i}: punts on the second node");
        // forwarded by the NIC to the TAP: the host only wrote it there
        assert_eq!(b.tb.node.stats.nic_host_tx - h0, 1 - punts, "packet {i}");
        match i {
            0 => assert_eq!(hex(&pod[0].1), hex(&seed::expected_frame("full_server_syn_tap3"))),
            1 => assert_eq!(hex(&pod[0].1), hex(&seed::expected_frame("full_client_synack_tap2"))),
            _ => {}
        }
    }
    let (c, s) = (&client.tb, &server.tb);
    assert_eq!((c.node.stats.punts, s.node.stats.punts), (to_software, to_software));
    assert_eq!(c.nic_wire_forwarded() + s.nic_wire_forwarded(), in_nic, "wire output of the NIC's own packets");
}

/// The seed flow's established packets back to back on each node's uplink: the
/// connection is opened packet by packet (its sessions made by software and installed),
/// then the wire frames of its request, response and ACKs enter the other node as bursts
/// of 32 frames, a new frame every clock the input takes one, with the outputs ready
/// 60% of clocks: many packets of one flow in the pipeline at once, each decapsulated,
/// NATed and handed to the pod's TAP by the NIC alone, in order and byte for byte as the
/// software-only node.
#[test]
fn seed_flow_back_to_back_on_the_wire() {
    if no_rtl_model("seed::seed_flow_back_to_back_on_the_wire") {
        return;
    }
    let (mut client, mut server) = seed_nodes();
    client.tb.card.with_core(|c| c.set_backpressure(60, 1));
    server.tb.card.with_core(|c| c.set_backpressure(60, 2));
    let mut now = 1_000_000_000u64;
    // the connection up to its FINs, one packet at a time; the wire frames of the
    // packets the NIC forwards alone, per direction
    let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
    for (i, p) in seed_connection().into_iter().enumerate().take_while(|(_, p)| !is_fin(&p.frame)) {
        let (a, a_rx, b) = if p.from_client { (&mut client, 6, &mut server) } else { (&mut server, 7, &mut client) };
        now += 100_000;
        let wire = a.process(a_rx, &p.frame, now, &format!("packet {i}, first node"));
        now += 100_000;
        b.process(1, &wire[0].1, now, &format!("packet {i}, second node"));
        if !p.to_software {
            if p.from_client { &mut to_server } else { &mut to_client }.push(wire[0].1.clone());
        }
    }
    assert!(to_server.len() >= 2 && to_client.len() >= 2, "the seed flow's established packets");
    for (name, side, frames) in [("server", &mut server, &to_server), ("client", &mut client, &to_client)] {
        let burst: Vec<(u16, &[u8])> = frames.iter().cycle().take(32).map(|f| (1, f.as_slice())).collect();
        now += 100_000;
        let want: Vec<_> = burst.iter().flat_map(|(rx, f)| software(&mut side.reference, *rx, f, now)).collect();
        let (punts, host_tx) = (side.tb.node.stats.punts, side.tb.node.stats.nic_host_tx);
        let got = side.tb.process_wire_burst(&burst, now, 8);
        assert_eq!(got.len(), want.len(), "{name} node: outputs of the burst");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!((g.0, hex(&g.1)), (w.0, hex(&w.1)), "{name} node: output {i} of the burst");
        }
        assert_eq!(side.tb.node.stats.punts, punts, "{name} node: the burst stayed in the NIC");
        assert_eq!(side.tb.node.stats.nic_host_tx - host_tx, 32, "{name} node: every frame to the TAP by the NIC");
    }
}

/// A TCP segment with FIN set (an Ethernet/IPv4 frame without options).
fn is_fin(frame: &[u8]) -> bool {
    frame[47] & 0x01 != 0
}

/// A punt from the NIC's outer pass resumes in software at the tunnel: the client's
/// inner sessions are in the NIC, but the outer flow's NAT session (the uplink's output
/// feature) is gone, so the NIC routes, bridges and encapsulates the next packet, misses
/// on the outer pass and punts the VXLAN frame (`RESUME_VXLAN_OUTER`); software goes on
/// at the tunnel's ip4-load-balance, makes the session again, and the frame on the wire
/// is the software node's. The packet after it stays in the NIC.
#[test]
fn punt_after_encap_resumes_at_the_tunnel() {
    if no_rtl_model("seed::punt_after_encap_resumes_at_the_tunnel") {
        return;
    }
    let mut client = Side::new("client-node.toml");
    let conn = seed_connection();
    let mut now = 1_000_000_000u64;
    for p in conn.iter().filter(|p| p.from_client).take(2) {
        now += 100_000;
        client.process(6, &p.frame, now, "warm-up");
    }
    // the outer flow's NAT session: UDP to 4789, removed in software and (by the
    // driver's session sync) in the NIC
    let node = &mut client.tb.node;
    let outer = node.dp.nat.sessions.iter().find(|(_, s)| s.proto == 17 && s.inside.dport == 4789).map(|(i, _)| i);
    node.dp.nat.sessions.remove(&mut node.dp.sessions, outer.expect("the outer flow's NAT session"));
    node.sync_sessions().unwrap();
    let request = &conn[3].frame;
    for expect_resume in [1, 0] {
        now += 100_000;
        let (r0, p0) = (client.tb.node.stats.punts_resumed, client.tb.node.stats.punts);
        let got = client.process(6, request, now, "request");
        assert_eq!((got.len(), got[0].0), (1, 1));
        let st = &client.tb.node.stats;
        assert_eq!((st.punts_resumed - r0, st.punts - p0), (expect_resume, expect_resume));
    }
}
