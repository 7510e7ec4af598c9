//! Neighbor handling on fixed frames: ARP for the node's own address and proxy ARP for
//! the pod gateway, a BVI answering across VXLAN, and glean (ARP request, held packet,
//! release on the reply; counted drop on timeout).

use node_config::NodeConfig;
use offload_tables::reasons::DropReason;
use sw_fallback::counters::Node;
use sw_fallback::{Dataplane, PacketBuf, Tx};
use test_support::seed;

/// The client node; `glean` removes the static neighbor of the server node's uplink.
fn client_config(glean: bool) -> NodeConfig {
    let mut cfg = node_config::load_config(&seed::path("client-node.toml")).unwrap();
    let tap = cfg.interfaces.iter_mut().find(|i| i.name == "tap2").unwrap();
    tap.proxy_arp = vec!["169.254.1.1".parse().unwrap()];
    if glean {
        cfg.neighbors.retain(|n| n.ip.to_string() != "192.168.16.2");
    }
    cfg
}

fn dataplane(glean: bool) -> Dataplane {
    let t = node_config::render(&client_config(glean)).unwrap_or_else(|e| panic!("{e:?}"));
    let mut dp = Dataplane::new(t);
    dp.set_trace(true);
    dp
}

fn run(dp: &mut Dataplane, rx: u16, frame: &[u8], now_ns: u64) -> Vec<Tx> {
    let mut out = Vec::new();
    dp.process(rx, PacketBuf::from_frame(frame), now_ns, &mut out);
    out
}

fn syn() -> Vec<u8> {
    seed::capture_frame("client-tap2-in.pcap")
}

#[allow(clippy::too_many_arguments)]
fn arp_frame(dst: [u8; 6], src: [u8; 6], op: u8, sha: [u8; 6], spa: [u8; 4], tha: [u8; 6], tpa: [u8; 4]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, op]);
    f.extend_from_slice(&sha);
    f.extend_from_slice(&spa);
    f.extend_from_slice(&tha);
    f.extend_from_slice(&tpa);
    f
}

const BCAST: [u8; 6] = [0xff; 6];
const POD: [u8; 6] = [0, 0, 0, 0, 0, 2];
const TAP2: [u8; 6] = [0x02, 0xfe, 0x16, 0x3f, 0x5f, 0x0f];
const UPLINK1: [u8; 6] = [0x08, 0x00, 0x27, 0x44, 0x9f, 0xd8];
const UPLINK2: [u8; 6] = [0x08, 0x00, 0x27, 0xe0, 0x57, 0x49];
const LOOP0: [u8; 6] = [0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x01];
const LOOP0_PEER: [u8; 6] = [0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x02];

#[test]
fn proxy_arp_answers_for_the_pod_gateway() {
    let mut dp = dataplane(false);
    let req = arp_frame(BCAST, POD, 1, POD, [10, 1, 1, 3], [0; 6], [169, 254, 1, 1]);
    let out = run(&mut dp, 6, &req, 1);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].sw_if_index, 6);
    assert_eq!(out[0].pkt.frame(), arp_frame(POD, TAP2, 2, TAP2, [169, 254, 1, 1], POD, [10, 1, 1, 3]).as_slice());
    let trace = dp.take_trace();
    assert!(trace.contains("arp-input") && trace.contains("arp-proxy") && trace.contains("tap2-output"), "{trace}");
    assert_eq!(dp.counters.node_count(Node::ArpProxy), 1);
    assert_eq!(dp.counters.tables.arp_proxy_replies_sent, 1);
}

#[test]
fn arp_for_the_uplink_address_is_answered_and_others_dropped() {
    let mut dp = dataplane(false);
    // Padded to 60 bytes as on the wire; the reply is trimmed to 42.
    let mut req = arp_frame(BCAST, UPLINK2, 1, UPLINK2, [192, 168, 16, 2], [0; 6], [192, 168, 16, 1]);
    req.resize(60, 0);
    let out = run(&mut dp, 1, &req, 1);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].sw_if_index, 1);
    assert_eq!(
        out[0].pkt.frame(),
        arp_frame(UPLINK2, UPLINK1, 2, UPLINK1, [192, 168, 16, 1], UPLINK2, [192, 168, 16, 2]).as_slice()
    );
    assert_eq!(dp.counters.node_count(Node::ArpReply), 1);

    let other = arp_frame(BCAST, UPLINK2, 1, UPLINK2, [192, 168, 16, 2], [0; 6], [192, 168, 16, 9]);
    assert!(run(&mut dp, 1, &other, 2).is_empty());
    assert_eq!(dp.counters.drop_count(DropReason::ArpNotLocal), 1);
    // The pod gateway is proxied on tap2 only.
    let gw = arp_frame(BCAST, UPLINK2, 1, UPLINK2, [192, 168, 16, 2], [0; 6], [169, 254, 1, 1]);
    assert!(run(&mut dp, 1, &gw, 3).is_empty());
    assert_eq!(dp.counters.drop_count(DropReason::ArpNotLocal), 2);
    let mut bad = req.clone();
    bad[21] = 9;
    assert!(run(&mut dp, 1, &bad, 4).is_empty());
    assert_eq!(dp.counters.drop_count(DropReason::ArpMalformed), 1);
}

#[test]
fn bvi_answers_arp_across_vxlan() {
    let mut dp = dataplane(false);
    // The server node's BVI asks for 192.168.30.1 inside VXLAN VNI 10.
    let inner = arp_frame(BCAST, LOOP0_PEER, 1, LOOP0_PEER, [192, 168, 30, 2], [0; 6], [192, 168, 30, 1]);
    let mut f = Vec::new();
    f.extend_from_slice(&UPLINK1);
    f.extend_from_slice(&UPLINK2);
    f.extend_from_slice(&[0x08, 0x00]);
    let ip_len = (20 + 8 + 8 + inner.len()) as u16;
    let mut ip = vec![0x45, 0, (ip_len >> 8) as u8, ip_len as u8, 0, 0, 0, 0, 64, 17, 0, 0];
    ip.extend_from_slice(&[192, 168, 16, 2, 192, 168, 16, 1]);
    let c = !ip.chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], w[1]]))).sum::<u32>();
    let c = {
        let mut s = !c;
        while s > 0xffff {
            s = (s & 0xffff) + (s >> 16);
        }
        !(s as u16)
    };
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    f.extend_from_slice(&ip);
    let udp_len = (8 + 8 + inner.len()) as u16;
    f.extend_from_slice(&[0x12, 0x34, 0x12, 0xb5, (udp_len >> 8) as u8, udp_len as u8, 0, 0]);
    f.extend_from_slice(&[0x08, 0, 0, 0, 0, 0, 10, 0]);
    f.extend_from_slice(&inner);
    let out = run(&mut dp, 1, &f, 1);
    let trace = dp.take_trace();
    assert_eq!(out.len(), 1, "{trace}");
    assert_eq!(out[0].sw_if_index, 1);
    let o = out[0].pkt.frame();
    assert_eq!(&o[0..6], &UPLINK2);
    assert_eq!(u16::from_be_bytes([o[36], o[37]]), 4789);
    assert_eq!(&o[50..], arp_frame(LOOP0_PEER, LOOP0, 2, LOOP0, [192, 168, 30, 1], LOOP0_PEER, [192, 168, 30, 2]));
    assert!(trace.contains("vxlan4-input") && trace.contains("arp-reply") && trace.contains("vxlan4-encap"));
}

#[test]
fn glean_holds_asks_and_releases_on_the_reply() {
    let mut reference = dataplane(false);
    let want = run(&mut reference, 6, &syn(), 1);
    assert_eq!(want.len(), 1);

    let mut dp = dataplane(true);
    let out = run(&mut dp, 6, &syn(), 1);
    let trace = dp.take_trace();
    assert!(trace.contains("ip4-glean"), "{trace}");
    assert_eq!(out.len(), 1, "only the ARP request leaves");
    assert_eq!(out[0].sw_if_index, 1);
    assert_eq!(
        out[0].pkt.frame(),
        arp_frame(BCAST, UPLINK1, 1, UPLINK1, [192, 168, 16, 1], [0; 6], [192, 168, 16, 2]).as_slice()
    );
    assert_eq!(dp.neighbors.pending().len(), 1);

    let reply = arp_frame(UPLINK1, UPLINK2, 2, UPLINK2, [192, 168, 16, 2], UPLINK1, [192, 168, 16, 1]);
    let out = run(&mut dp, 1, &reply, 2);
    assert_eq!(out.len(), 1, "the held SYN is released");
    assert_eq!(out[0].sw_if_index, 1);
    assert_eq!(out[0].pkt.frame(), want[0].pkt.frame(), "same bytes as with a static neighbor");
    assert_eq!(dp.counters.tables.glean_packets_released, 1);
    assert_eq!(dp.neighbors.learned().len(), 1);

    // Now resolved: a second packet goes straight through.
    let mut syn2 = syn();
    syn2[14 + 20 + 1] ^= 1; // another source port (checksums do not matter to ip4-rewrite)
    let out = run(&mut dp, 6, &syn2, 3);
    assert!(out.len() == 1 && out[0].pkt.frame()[12..14] == [0x08, 0x00]);
    assert_eq!(dp.counters.drop_count(DropReason::Glean), 0);
}

#[test]
fn glean_bounded_queue_retries_and_timeout_drop() {
    let mut dp = dataplane(true);
    dp.set_trace(false);
    let mut requests = 0;
    for i in 0..6u64 {
        let out = run(&mut dp, 6, &syn(), 10 + i);
        requests += out.len();
    }
    assert_eq!(requests, 1, "one request per neighbor until the interval passes");
    assert_eq!(dp.counters.drop_count(DropReason::Glean), 2, "queue holds 4");
    let mut out = Vec::new();
    assert_eq!(dp.neighbor_timers(300_000_000, &mut out), 0);
    assert_eq!(out.len(), 1, "request repeated");
    out.clear();
    assert_eq!(dp.neighbor_timers(1_100_000_000, &mut out), 4);
    assert!(out.is_empty());
    assert_eq!(dp.counters.drop_count(DropReason::Glean), 6);
    assert!(dp.neighbors.pending().is_empty());
}
