//! The seed scenario: a pod on the client's node opens a TCP connection to a service
//! VIP whose endpoint is on the server's node. The SYN and the SYN-ACK go through both
//! nodes with state kept; every output frame must equal the seed's bytes, and each
//! node's path must be the seed's node order.

use node_config::load_tables;
use std::path::Path;
use sw_fallback::{Dataplane, PacketBuf, Tx};
use test_support::seed;

fn seed_text() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/seed/000_12a5f915c04c2e56.txt");
    std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e} (the seed lives in ../shared beside the checkout)", p.display()))
}

/// The node names of one trace section of the seed ("SYN from the client's node:", ...).
fn seed_nodes(section: &str) -> Vec<String> {
    let text = seed_text();
    let start = text.find(section).unwrap_or_else(|| panic!("section {section:?} not in seed"));
    let body = &text[start + section.len()..];
    let end = ["\n```", "\nSYN", "\n\n"].iter().filter_map(|m| body[1..].find(m)).min().expect("section end") + 1;
    sw_fallback::trace::Tracer::node_names(&body[..end])
}

fn node(file: &str) -> Dataplane {
    let (_, t) = load_tables(&seed::path(file)).unwrap_or_else(|e| panic!("{e}"));
    let mut dp = Dataplane::new(t);
    dp.set_trace(true);
    dp
}

fn run(dp: &mut Dataplane, rx: u16, frame: &[u8], now_ns: u64) -> (Vec<Tx>, String) {
    let mut out = Vec::new();
    dp.process(rx, PacketBuf::from_frame(frame), now_ns, &mut out);
    (out, dp.take_trace())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Drops the NIC's receive node, whose name depends on the driver (virtio/dpdk/pcap).
fn path(trace: &str) -> Vec<String> {
    sw_fallback::trace::Tracer::node_names(trace)
}

#[test]
fn syn_and_syn_ack_reproduce_the_seed() {
    let mut client = node("client-node.toml");
    let mut server = node("server-node.toml");

    // SYN: client pod → client node (tap2, sw_if_index 6).
    let (out, trace) = run(&mut client, 6, &seed::capture_frame("client-tap2-in.pcap"), 1_000_000_000);
    assert_eq!(out.len(), 1, "{trace}");
    assert_eq!(out[0].sw_if_index, 1, "leaves by the uplink");
    assert_eq!(hex(out[0].pkt.frame()), hex(&seed::expected_frame("full_client_syn_uplink")), "{trace}");
    assert_eq!(&out[0].pkt.frame()[..60], &seed::expected_frame("client_syn_uplink")[..]);
    assert_eq!(path(&trace), seed_nodes("SYN from the client's node:\n---------------------------"), "{trace}");
    assert!(trace.contains("nat44-out2in\n  NAT44_OUT2IN: sw_if_index 6, next index 1, session index 0"), "{trace}");
    // The inner rewrite towards loop0 as the seed dumps it.
    let dumps: Vec<&str> = trace.lines().filter(|l| l.starts_with("  000000")).collect();
    assert_eq!(sw_fallback::trace::parse_hex_dump(&dumps[0..2]), seed::expected_frame("client_syn_loop0"));
    let syn_on_wire = out[0].pkt.frame().to_vec();

    // SYN: wire → server node (uplink) → tap3.
    let (out, trace) = run(&mut server, 1, &syn_on_wire, 1_000_050_000);
    assert_eq!(out.len(), 1, "{trace}");
    assert_eq!(out[0].sw_if_index, 7);
    assert_eq!(hex(out[0].pkt.frame()), hex(&seed::expected_frame("full_server_syn_tap3")), "{trace}");
    assert_eq!(path(&trace), seed_nodes("SYN from the server's node:\n---------------------------"), "{trace}");

    // SYN-ACK: server pod → server node (tap3) → uplink.
    let (out, trace) = run(&mut server, 7, &seed::capture_frame("server-tap3-in.pcap"), 1_000_100_000);
    assert_eq!(out.len(), 1, "{trace}");
    assert_eq!(out[0].sw_if_index, 1);
    assert_eq!(hex(out[0].pkt.frame()), hex(&seed::expected_frame("full_server_synack_uplink")), "{trace}");
    assert_eq!(path(&trace), seed_nodes("SYN-ACK from the server's node:\n-------------------------------"), "{trace}");
    assert!(trace.contains("match: acl -1 rule"), "the SYN-ACK hits the reflexive session on loop0 output: {trace}");
    let synack_on_wire = out[0].pkt.frame().to_vec();

    // SYN-ACK: wire → client node → tap2, translated back to the VIP.
    let (out, trace) = run(&mut client, 1, &synack_on_wire, 1_000_150_000);
    assert_eq!(out.len(), 1, "{trace}");
    assert_eq!(out[0].sw_if_index, 6);
    assert_eq!(hex(out[0].pkt.frame()), hex(&seed::expected_frame("full_client_synack_tap2")), "{trace}");
    assert_eq!(path(&trace), seed_nodes("SYN-ACK from the client's node:\n-------------------------------"), "{trace}");
    assert!(
        trace.contains("NAT44_IN2OUT_SLOW_PATH: sw_if_index 3, next index 0, session 0"),
        "reverse translation by the SYN's session: {trace}"
    );

    // State: one NAT session for the service flow on the client, sessions counted.
    assert_eq!(client.counters().tables.nat_sessions_created, 3, "service + two VXLAN identity sessions");
    assert_eq!(client.counters.total_drops(), 0);
    assert_eq!(server.counters.total_drops(), 0);
}
