//! The seed scenario in co-simulation: both nodes' configs rendered by offload-tables
//! and programmed through the registers; each packet enters the NIC, punts where the
//! NIC has no fast path or no session, the software path creates the sessions (synced
//! into the NIC's session table through the registers) and the result leaves through
//! the inject port. Every frame must equal the seed's bytes and the software-only node.

mod harness;

use harness::{hex, reference, OffloadNode};
use node_config::load_tables;
use sw_fallback::Dataplane;
use test_support::seed;
use test_support::seed_connection::seed_connection;

/// Both seed nodes, each as the simulated NIC and as the software reference.
fn seed_nodes() -> (OffloadNode, OffloadNode, Dataplane, Dataplane) {
    let (_, ct) = load_tables(&seed::path("client-node.toml")).unwrap();
    let (_, st) = load_tables(&seed::path("server-node.toml")).unwrap();
    (
        OffloadNode::new(ct.clone()).unwrap(),
        OffloadNode::new(st.clone()).unwrap(),
        Dataplane::new(ct),
        Dataplane::new(st),
    )
}

#[test]
fn seed_syn_and_syn_ack_through_the_nic() {
    let (mut client, mut server, mut client_ref, mut server_ref) = seed_nodes();

    let steps: [(&str, u16, Option<&str>, u16, &str); 4] = [
        ("client", 6, Some("client-tap2-in.pcap"), 1, "full_client_syn_uplink"),
        ("server", 1, None, 7, "full_server_syn_tap3"),
        ("server", 7, Some("server-tap3-in.pcap"), 1, "full_server_synack_uplink"),
        ("client", 1, None, 6, "full_client_synack_tap2"),
    ];
    let mut last = Vec::new();
    for (i, (node, rx, pcap, tx, want)) in steps.into_iter().enumerate() {
        let frame = match pcap {
            Some(p) => seed::capture_frame(p),
            None => last.clone(),
        };
        let now = 1_000_000_000 + 50_000 * i as u64;
        let (n, r) = if node == "client" { (&mut client, &mut client_ref) } else { (&mut server, &mut server_ref) };
        let got = n.process(rx, &frame, now);
        let reference = reference(r, rx, &frame, now);
        assert_eq!(got, reference, "step {i}: offload node and software node differ");
        assert_eq!(got.len(), 1, "step {i}");
        assert_eq!(got[0].0, tx, "step {i}");
        assert_eq!(hex(&got[0].1), hex(&seed::expected_frame(want)), "step {i}: {want}");
        last = got[0].1.clone();
    }
    // Each of the seed's packets is the first of its direction of the flow on its node:
    // its sessions (NAT, reflexive ACL, NAT as the uplink's output feature for a new
    // outer flow) are made by the slow path, so each punted and came back through the
    // inject port. (What follows in the NIC alone: the next test.)
    assert_eq!(client.punted + server.punted, 4);
    // The sessions software created are in the NIC's session table, read back.
    let (_, sw) = client.host.sessions.iter().next().expect("a session");
    let sw = *sw;
    let slot = client.nic.session_slot(&sw.key).expect("installed in the NIC");
    let e = client.nic.read_entry(offload_tables::regs::Table::Session, slot).unwrap();
    assert_eq!(e, bytemuck::bytes_of(&sw).to_vec());
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
/// and hands the inner frame to the pod's TAP; and back. Every frame is byte-identical
/// to the software-only nodes.
#[test]
fn later_packets_of_the_seed_flow_stay_in_the_nic() {
    let (mut client, mut server, mut client_ref, mut server_ref) = seed_nodes();
    let mut now = 1_000_000_000u64;
    for (i, p) in seed_connection().into_iter().enumerate() {
        let (from_client, frame) = (p.from_client, p.frame);
        let (punts_a, punts_b) = if p.to_software { (1, 1) } else { (0, 0) };
        let (a, a_ref, a_rx, b, b_ref, b_tx) = if from_client {
            (&mut client, &mut client_ref, 6, &mut server, &mut server_ref, 7)
        } else {
            (&mut server, &mut server_ref, 7, &mut client, &mut client_ref, 6)
        };
        now += 100_000;
        let (p0, h0) = (a.punted, a.host_tx);
        let wire = a.process(a_rx, &frame, now);
        assert_eq!(wire, reference(a_ref, a_rx, &frame, now), "packet {i}: first node differs from software");
        assert_eq!(wire.len(), 1, "packet {i}");
        assert_eq!(wire[0].0, 1, "packet {i}: leaves by the uplink");
        assert_eq!(a.punted - p0, punts_a, "packet {i}: punts on the first node");
        assert_eq!(a.host_tx, h0, "packet {i}");
        now += 100_000;
        let (p0, h0) = (b.punted, b.host_tx);
        let pod = b.process(1, &wire[0].1, now);
        assert_eq!(pod, reference(b_ref, 1, &wire[0].1, now), "packet {i}: second node differs from software");
        assert_eq!(pod.len(), 1, "packet {i}");
        assert_eq!(pod[0].0, b_tx, "packet {i}: delivered to the pod's TAP");
        assert_eq!(b.punted - p0, punts_b, "packet {i}: punts on the second node");
        // forwarded by the NIC to the TAP: the host only wrote it there
        assert_eq!(b.host_tx - h0, 1 - punts_b, "packet {i}");
        match i {
            0 => assert_eq!(hex(&pod[0].1), hex(&seed::expected_frame("full_server_syn_tap3"))),
            1 => assert_eq!(hex(&pod[0].1), hex(&seed::expected_frame("full_client_synack_tap2"))),
            _ => {}
        }
    }
    let n = seed_connection().iter().filter(|p| p.to_software).count() as u64;
    assert_eq!((client.punted, server.punted), (n, n), "punts: the packets that change session state");
}

/// A punt from the NIC's outer pass resumes in software at the tunnel: the client's
/// inner sessions are in the NIC, but the outer flow's NAT session (the uplink's output
/// feature) is gone, so the NIC routes, bridges and encapsulates the next packet, misses
/// on the outer pass and punts the VXLAN frame (`RESUME_VXLAN_OUTER`); software goes on
/// at the tunnel's ip4-load-balance, makes the session again, and the frame on the wire
/// is the software node's. The packet after it stays in the NIC.
#[test]
fn punt_after_encap_resumes_at_the_tunnel() {
    let (mut client, _, mut client_ref, _) = seed_nodes();
    let conn = seed_connection();
    let mut now = 1_000_000_000u64;
    for p in conn.iter().filter(|p| p.from_client).take(2) {
        now += 100_000;
        assert_eq!(client.process(6, &p.frame, now), reference(&mut client_ref, 6, &p.frame, now));
    }
    // the outer flow's NAT session: UDP to 4789
    let outer = client.host.nat.sessions.iter().find(|(_, s)| s.proto == 17 && s.inside.dport == 4789).map(|(i, _)| i);
    client.host.nat.sessions.remove(&mut client.host.sessions, outer.expect("the outer flow's NAT session"));
    client.nic.sync_sessions(&client.host.sessions).unwrap();
    let request = &conn[3].frame;
    for expect_resume in [1, 0] {
        now += 100_000;
        let (r0, p0) = (client.resumed_outer, client.punted);
        let got = client.process(6, request, now);
        assert_eq!(got, reference(&mut client_ref, 6, request, now));
        assert_eq!((got.len(), got[0].0), (1, 1));
        assert_eq!((client.resumed_outer - r0, client.punted - p0), (expect_resume, expect_resume));
    }
}
