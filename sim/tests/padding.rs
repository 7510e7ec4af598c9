//! Ethernet padding on the simulated card: a frame longer than its IPv4 packet keeps its
//! trailing bytes through NAT, rewrite, output and VXLAN encapsulation, as in VPP, and the
//! NIC forwards such frames itself (once the slow path made the flow's sessions),
//! byte-identical to the software path.

use host_driver::node::NodeOptions;
use node_config::parse_config;
use sim::testbed::{software, Testbed};
use std::path::Path;
use sw_fallback::Dataplane;

fn no_rtl_model(test: &str) -> bool {
    test_support::prerequisite::skip(test, "the RTL model (Verilator)", sim::rtl_model_missing())
}

/// The two-node example's first node, with its uplink neighbour resolved.
fn node1() -> offload_tables::Tables {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/two-nodes/node1.toml"))
        .unwrap()
        + "[[neighbor]]\ninterface = \"GigabitEthernet0/8/0\"\nip = \"192.168.16.2\"\nmac = \"08:00:27:e0:57:49\"\n";
    node_config::render(&parse_config(&text, Path::new("node1.toml")).unwrap()).unwrap()
}

fn padded_udp(macs: ([u8; 6], [u8; 6]), src: [u8; 4], dst: [u8; 4], ports: (u16, u16)) -> Vec<u8> {
    let b = etherparse::PacketBuilder::ethernet2(macs.0, macs.1).ipv4(src, dst, 64).udp(ports.0, ports.1);
    let mut f = Vec::new();
    b.write(&mut f, b"pad!").unwrap();
    f.resize(60, 0xa5);
    f
}

#[test]
fn padded_frames_are_forwarded_by_the_nic_as_by_software() {
    if no_rtl_model("padding::padded_frames_are_forwarded_by_the_nic_as_by_software") {
        return;
    }
    let mut tb = Testbed::new(node1(), &NodeOptions::default()).expect("a simulated card");
    let mut sw = Dataplane::new(node1());
    let pod_mac = [0, 0, 0, 0, 0, 2];
    let tap_mac = [0x02, 0xfe, 0x16, 0x3f, 0x5f, 0x0f];
    let mut now = 1_000_000_000u64;
    let mut run = |tb: &mut Testbed, rx: u16, f: &[u8]| {
        now += 1_000;
        let got = tb.process(rx, f, now);
        assert_eq!(got, software(&mut sw, rx, f, now), "card and software differ");
        assert_eq!(got.len(), 1, "one frame out");
        got[0].1.clone()
    };
    // pod → remote pod: routed into the overlay, the inner frame (padding included) encapsulated
    let out = padded_udp((pod_mac, tap_mac), [10, 1, 1, 3], [10, 1, 2, 9], (40000, 5000));
    let wire_before = tb.nic_wire_forwarded();
    for _ in 0..4 {
        let got = run(&mut tb, 6, &out);
        assert_eq!((got.len(), &got[50 + 46..]), (110, &out[46..]));
    }
    assert!(tb.nic_wire_forwarded() > wire_before, "the NIC forwarded padded frames to the wire itself");

    // remote pod → pod: the VXLAN packet's inner frame is padded; it reaches the TAP whole
    let inner = padded_udp(
        ([0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x02], [0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x01]),
        [10, 1, 2, 9],
        [10, 1, 1, 3],
        (5000, 40000),
    );
    let b = etherparse::PacketBuilder::ethernet2([8, 0, 0x27, 0xe0, 0x57, 0x49], [8, 0, 0x27, 0x44, 0x9f, 0xd8])
        .ipv4([192, 168, 16, 2], [192, 168, 16, 1], 64)
        .udp(4242, 4789);
    let mut vx = vec![0x08, 0, 0, 0, 0, 0, 10, 0];
    vx.extend_from_slice(&inner);
    let mut back = Vec::new();
    b.write(&mut back, &vx).unwrap();
    back[40..42].fill(0); // no outer UDP checksum, as VXLAN senders send it
    let host_before = tb.node.stats.nic_host_tx;
    for _ in 0..4 {
        let got = run(&mut tb, 1, &back);
        assert_eq!((got.len(), &got[46..]), (60, &inner[46..]));
    }
    assert!(
        tb.node.stats.nic_host_tx > host_before,
        "the NIC delivered padded frames to the TAP itself; punts {:?}",
        tb.core_punts()
    );
}
