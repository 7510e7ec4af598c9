//! The seed scenario in co-simulation: both nodes' configs rendered by offload-tables
//! and programmed through the registers; each packet enters the NIC, punts where the
//! NIC has no fast path or no session, the software path creates the sessions (synced
//! into the NIC's session table through the registers) and the result leaves through
//! the inject port. Every frame must equal the seed's bytes and the software-only node.

mod harness;

use harness::{hex, reference, OffloadNode};
use offload_tables::load_tables;
use sw_fallback::seed_example;
use sw_fallback::Dataplane;

/// Both seed nodes, each as the simulated NIC and as the software reference.
fn seed_nodes() -> (OffloadNode, OffloadNode, Dataplane, Dataplane) {
    let (_, ct) = load_tables(&seed_example::path("client-node.toml")).unwrap();
    let (_, st) = load_tables(&seed_example::path("server-node.toml")).unwrap();
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
            Some(p) => seed_example::capture_frame(p),
            None => last.clone(),
        };
        let now = 1_000_000_000 + 50_000 * i as u64;
        let (n, r) = if node == "client" { (&mut client, &mut client_ref) } else { (&mut server, &mut server_ref) };
        let got = n.process(rx, &frame, now);
        let reference = reference(r, rx, &frame, now);
        assert_eq!(got, reference, "step {i}: offload node and software node differ");
        assert_eq!(got.len(), 1, "step {i}");
        assert_eq!(got[0].0, tx, "step {i}");
        assert_eq!(hex(&got[0].1), hex(&seed_example::expected_frame(want)), "step {i}: {want}");
        last = got[0].1.clone();
    }
    // Every packet of the seed crosses a stage the NIC does not offload (yet): NAT on an
    // inside+outside tap, routing into the BVI (VXLAN encap), the first packet of an
    // outer flow (ACL and NAT sessions), a tap output. Each one punted and came back
    // through the inject port.
    assert_eq!(client.punted + server.punted, 4);
    // The sessions software created are in the NIC's session table, read back.
    let (_, sw) = client.host.sessions.iter().next().expect("a session");
    let sw = *sw;
    let slot = client.nic.session_slot(&sw.key).expect("installed in the NIC");
    let e = client.nic.read_entry(offload_tables::regs::Table::Session, slot).unwrap();
    assert_eq!(e, bytemuck::bytes_of(&sw).to_vec());
}

/// Later packets of the seed's flows: after the seed's SYN and SYN-ACK (which punt and
/// make the sessions: reflexive ACL and NAT identity on the uplinks, NAT and reflexive
/// ACL on the pods' taps), their VXLAN frames arrive again, as the next packets of those
/// outer flows do. Now the NIC decapsulates them alone and sends the inner frame round its
/// loop port to the BVI, where the route to the pod's tap (a host interface) hands it to
/// software: a punt from the second pass, continued by `ip4-input` on the BVI.
/// Everything leaves byte-identical to the software node and to the seed.
#[test]
fn seed_later_vxlan_packets_decapsulated_by_the_nic() {
    let (mut client, mut server, mut client_ref, mut server_ref) = seed_nodes();
    let steps: [(&str, u16, Vec<u8>, u16, &str); 4] = [
        ("client", 6, seed_example::capture_frame("client-tap2-in.pcap"), 1, "full_client_syn_uplink"),
        ("server", 1, seed_example::expected_frame("full_client_syn_uplink"), 7, "full_server_syn_tap3"),
        ("server", 7, seed_example::capture_frame("server-tap3-in.pcap"), 1, "full_server_synack_uplink"),
        ("client", 1, seed_example::expected_frame("full_server_synack_uplink"), 6, "full_client_synack_tap2"),
    ];
    for round in 0..4u64 {
        for (i, (node, rx, frame, tx, want)) in steps.iter().enumerate() {
            if round > 0 && *rx != 1 {
                continue;
            }
            let now = 1_000_000_000 + 50_000 * (4 * round + i as u64);
            let (n, r) =
                if *node == "client" { (&mut client, &mut client_ref) } else { (&mut server, &mut server_ref) };
            let (p0, r0) = (n.punted, n.recirc_punted);
            let got = n.process(*rx, frame, now);
            assert_eq!(
                got,
                reference(r, *rx, frame, now),
                "{node} round {round}: offload node and software node differ"
            );
            assert_eq!(got.len(), 1, "{node} round {round}");
            assert_eq!(got[0].0, *tx, "{node} round {round}");
            assert_eq!(hex(&got[0].1), hex(&seed_example::expected_frame(want)), "{node} round {round}: {want}");
            assert_eq!(n.punted - p0, 1, "{node} round {round}: one punt");
            // the first VXLAN frame of each outer flow punts whole; later ones are
            // decapsulated in the NIC and punt as inner frames from the BVI
            let decap = round > 0 && *rx == 1;
            assert_eq!(n.recirc_punted - r0, u64::from(decap), "{node} round {round}: decap in the NIC");
        }
    }
}
