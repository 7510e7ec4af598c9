//! Bad input never panics: truncated, corrupted, random and misdirected frames are
//! either transmitted or dropped and counted with a reason, on both nodes of the seed
//! example, with tracing on (the trace formatters read the same untrusted bytes).
//! Crafted cases must be dropped for their specific reason.

use node_config::load_tables;
use offload_tables::reasons::DropReason;
use offload_tables::Tables;
use proptest::prelude::*;
use sw_fallback::Dataplane;
use test_support::seed;
use test_support::{adversarial::*, frames::*, harness::*};

fn tables(file: &str) -> Tables {
    load_tables(&seed::path(file)).unwrap_or_else(|e| panic!("{e}")).1
}

fn node(file: &str) -> Dataplane {
    let mut dp = Dataplane::new(tables(file));
    dp.set_trace(true);
    dp
}

const CLIENT_TAP2: u16 = 6;
const SERVER_TAP3: u16 = 7;
const UPLINK: u16 = 1;

/// The seed's four frames, each with the node and interface it enters by:
/// `(is_server, rx, frame)`. The wire frames are what the other node transmits.
fn seed_frames() -> Vec<(bool, u16, Vec<u8>)> {
    static FRAMES: std::sync::OnceLock<Vec<(bool, u16, Vec<u8>)>> = std::sync::OnceLock::new();
    FRAMES.get_or_init(make_seed_frames).clone()
}

fn make_seed_frames() -> Vec<(bool, u16, Vec<u8>)> {
    let (mut client, mut server) = (node("client-node.toml"), node("server-node.toml"));
    let syn = seed::capture_frame("client-tap2-in.pcap");
    let synack = seed::capture_frame("server-tap3-in.pcap");
    let only = |s: Step| {
        assert_eq!(s.out.len(), 1, "the seed path transmits one frame per step");
        s.out[0].pkt.frame().to_vec()
    };
    let syn_wire = only(step(&mut client, CLIENT_TAP2, &syn, 1_000_000_000));
    let _ = only(step(&mut server, UPLINK, &syn_wire, 1_000_050_000));
    let synack_wire = only(step(&mut server, SERVER_TAP3, &synack, 1_000_100_000));
    vec![(false, CLIENT_TAP2, syn), (true, UPLINK, syn_wire), (true, SERVER_TAP3, synack), (false, UPLINK, synack_wire)]
}

/// Both nodes with the seed's state set up (the SYN and SYN-ACK processed), so that
/// mutated frames also meet established sessions.
fn primed_nodes(frames: &[(bool, u16, Vec<u8>)]) -> [Dataplane; 2] {
    let mut nodes = [node("client-node.toml"), node("server-node.toml")];
    for (n, (server, rx, f)) in frames.iter().enumerate() {
        let s = step(&mut nodes[usize::from(*server)], *rx, f, 1_000_000_000 + n as u64 * 50_000);
        assert_eq!(s.out.len(), 1);
    }
    for dp in &mut nodes {
        dp.take_trace();
    }
    nodes
}

/// Runs one frame, checking conservation; returns the step.
fn feed(dp: &mut Dataplane, rx: u16, frame: &[u8], what: &str) -> Step {
    let st = step(dp, rx, frame, 2_000_000_000);
    let _ = dp.take_trace();
    if let Err(e) = check_conservation(&st) {
        panic!("{what}: {e}\nframe {}", hex(frame));
    }
    st
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn drop_delta(dp: &mut Dataplane, rx: u16, frame: &[u8], reason: DropReason) -> (u64, Step) {
    let before = dp.counters.drop_count(reason);
    let st = feed(dp, rx, frame, &format!("{reason:?} case"));
    (dp.counters.drop_count(reason) - before, st)
}

fn assert_dropped_for(dp: &mut Dataplane, rx: u16, frame: &[u8], reason: DropReason) {
    let (n, st) = drop_delta(dp, rx, frame, reason);
    assert!(st.out.is_empty() && n == 1, "expected one {reason:?} drop, got {st:?}, drops {:?}", dp.counters.drops);
}

/// Recomputes the IPv4 header checksum of an Ethernet frame in place.
fn fix_ip_csum(frame: &mut [u8]) {
    let hl = usize::from(frame[14] & 0x0f) * 4;
    frame[24..26].fill(0);
    let c = csum(&frame[14..14 + hl], 0);
    frame[24..26].copy_from_slice(&c.to_be_bytes());
}

#[test]
fn every_truncation_is_dropped_and_counted() {
    let frames = seed_frames();
    let mut nodes = primed_nodes(&frames);
    for (server, rx, f) in &frames {
        let dp = &mut nodes[usize::from(*server)];
        let ip_end = 14 + usize::from(u16::from_be_bytes([f[16], f[17]]));
        for len in 0..f.len() {
            let before = dp.counters.drops;
            let st = feed(dp, *rx, &f[..len], &format!("node {server} rx {rx} truncated to {len}"));
            if len < ip_end {
                // The IPv4 header or its total length says there should be more.
                let want = if len < 14 + 20 { DropReason::Truncated } else { DropReason::BadTotalLength };
                assert!(st.out.is_empty(), "truncated to {len}: transmitted");
                assert_eq!(
                    dp.counters.drop_count(want) - before[want.code() as usize],
                    1,
                    "truncated to {len}: expected {want:?}"
                );
            }
        }
    }
}

#[test]
fn every_single_byte_corruption_is_handled() {
    let frames = seed_frames();
    let mut nodes = primed_nodes(&frames);
    let mut cases = 0;
    for (server, rx, f) in &frames {
        let dp = &mut nodes[usize::from(*server)];
        for off in 0..f.len() {
            let x = f[off];
            for v in [0x00, 0xff, x ^ 0x01, x ^ 0x80] {
                let mut g = f.clone();
                g[off] = v;
                feed(dp, *rx, &g, &format!("node {server} rx {rx} byte {off} {x:#04x} -> {v:#04x}"));
                cases += 1;
            }
        }
    }
    assert!(cases > 1000);
}

#[test]
fn unknown_interfaces_are_counted() {
    let frames = seed_frames();
    let mut nodes = primed_nodes(&frames);
    for (server, _, f) in &frames {
        let dp = &mut nodes[usize::from(*server)];
        let configured: Vec<u16> =
            (0..dp.tables.interfaces.len() as u16).filter(|&i| dp.tables.interface(i).is_some()).collect();
        for rx in [0u16, 2, 4, 5, 8, 9, 100, 4095, 4096, u16::MAX] {
            if configured.contains(&rx) {
                continue;
            }
            assert_dropped_for(dp, rx, f, DropReason::UnknownInterface);
            assert_dropped_for(dp, rx, &[], DropReason::UnknownInterface);
        }
    }
}

/// The server's tunnel as the wire sees it.
fn server_tunnel() -> TunnelInfo {
    TunnelInfo {
        uplink_sw: UPLINK,
        uplink_mac: mac("08:00:27:e0:57:49").0,
        local: a([192, 168, 16, 2]),
        remote: a([192, 168, 16, 1]),
        remote_mac: mac("1a:2b:3c:4d:5e:01").0,
        vni: 10,
    }
}

#[test]
fn bad_vxlan_is_dropped_for_its_reason() {
    let frames = seed_frames();
    let [_, mut server] = primed_nodes(&frames);
    let t = server_tunnel();
    let inner = frames[1].2[50..].to_vec();
    // The well-formed frame passes: the builder is right.
    let ok = feed(&mut server, UPLINK, &vxlan_frame(&t, 10, 0x08, 5000, &inner), "good VXLAN");
    assert_eq!(ok.out.len(), 1, "{:?}", server.counters.drops);
    for flags in [0x00, 0x80, 0xf7] {
        assert_dropped_for(&mut server, UPLINK, &vxlan_frame(&t, 10, flags, 5000, &inner), DropReason::BadVxlanFlags);
    }
    for vni in [0, 9, 11, 0x00ff_ffff] {
        assert_dropped_for(&mut server, UPLINK, &vxlan_frame(&t, vni, 0x08, 5000, &inner), DropReason::VxlanNoTunnel);
    }
    // From an address that is not the tunnel's remote end.
    let stranger = TunnelInfo { remote: a([192, 168, 16, 254]), ..t };
    assert_dropped_for(&mut server, UPLINK, &vxlan_frame(&stranger, 10, 0x08, 5000, &inner), DropReason::VxlanNoTunnel);
    // Inner frames without a whole Ethernet header.
    for len in 0..14 {
        assert_dropped_for(&mut server, UPLINK, &vxlan_frame(&t, 10, 0x08, 5000, &inner[..len]), DropReason::Truncated);
    }
    // A VXLAN header cut short: UDP payload of 0..8 bytes.
    for len in 0..8 {
        let mut f = vxlan_frame(&t, 10, 0x08, 5000, &[]);
        let cut = 50 - 8 + len;
        f.truncate(cut);
        let ip_len = (cut - 14) as u16;
        f[16..18].copy_from_slice(&ip_len.to_be_bytes());
        f[38..40].copy_from_slice(&(ip_len - 20).to_be_bytes());
        fix_ip_csum(&mut f);
        assert_dropped_for(&mut server, UPLINK, &f, DropReason::Truncated);
    }
    // Inner frames whose IPv4 header is broken: dropped after decapsulation.
    let mut bad_inner = inner.clone();
    bad_inner[24] ^= 0xff;
    assert_dropped_for(&mut server, UPLINK, &vxlan_frame(&t, 10, 0x08, 5000, &bad_inner), DropReason::BadIpChecksum);
    let mut short_inner = inner.clone();
    short_inner.truncate(40);
    assert_dropped_for(&mut server, UPLINK, &vxlan_frame(&t, 10, 0x08, 5000, &short_inner), DropReason::BadTotalLength);
}

#[test]
fn crafted_headers_are_dropped_for_their_reason() {
    let frames = seed_frames();
    let [mut client, _] = primed_nodes(&frames);
    let syn = &frames[0].2;

    let mut f = syn.clone();
    f[25] ^= 0x01;
    assert_dropped_for(&mut client, CLIENT_TAP2, &f, DropReason::BadIpChecksum);

    for ihl in 0..5u8 {
        let mut f = syn.clone();
        f[14] = 0x40 | ihl;
        assert_dropped_for(&mut client, CLIENT_TAP2, &f, DropReason::BadIhl);
    }

    let mut f = syn.clone();
    let total = u16::from_be_bytes([f[16], f[17]]) + 1;
    f[16..18].copy_from_slice(&total.to_be_bytes());
    fix_ip_csum(&mut f);
    assert_dropped_for(&mut client, CLIENT_TAP2, &f, DropReason::BadTotalLength);

    for version in [0u8, 5, 6, 15] {
        let mut f = syn.clone();
        f[14] = (version << 4) | 5;
        assert_dropped_for(&mut client, CLIENT_TAP2, &f, DropReason::BadIpVersion);
    }

    for ttl in [0u8, 1] {
        let mut f = syn.clone();
        f[22] = ttl;
        fix_ip_csum(&mut f);
        assert_dropped_for(&mut client, CLIENT_TAP2, &f, DropReason::TtlExpired);
    }

    // Non-IPv4 ethertype on an L3 interface.
    let mut f = syn.clone();
    f[12..14].copy_from_slice(&0x86ddu16.to_be_bytes());
    assert_dropped_for(&mut client, CLIENT_TAP2, &f, DropReason::NotIp4);

    // TCP header cut inside the IPv4 packet.
    let mut f = syn[..14 + 20 + 10].to_vec();
    f[16..18].copy_from_slice(&30u16.to_be_bytes());
    fix_ip_csum(&mut f);
    assert_dropped_for(&mut client, CLIENT_TAP2, &f, DropReason::BadL4Header);
}

#[test]
fn acl_deny_is_counted() {
    let frames = seed_frames();
    let [mut client, _] = primed_nodes(&frames);
    // From outside to the client's pod on port 22: tap2's output ACL 4 permits only
    // 10.1.0.0/16 to port 8080 and denies the rest.
    let ip = Ip4Spec {
        src: a([8, 8, 8, 8]),
        dst: a([10, 1, 1, 3]),
        ttl: 64,
        ident: 1,
        options_words: 0,
        frag: Frag::None,
        l4: L4::Tcp { sport: 40000, dport: 22, flags: 0x02, seq: 1 },
        payload: vec![],
    };
    let f = ethernet(mac("08:00:27:44:9f:d8").0, mac("08:00:27:00:00:fe").0, 0x0800, &ip.bytes());
    assert_dropped_for(&mut client, UPLINK, &f, DropReason::AclDeny);
}

#[test]
fn nat_session_limit_is_counted() {
    let (mut cfg, _) = load_tables(&seed::path("client-node.toml")).unwrap();
    cfg.nat44.as_mut().unwrap().max_sessions = 2;
    let mut dp = Dataplane::new(node_config::render(&cfg).unwrap());
    let syn = seed::capture_frame("client-tap2-in.pcap");
    // Each SYN from a new source port needs a service session (and its VXLAN outer
    // packet an identity session): the third session is refused.
    let mut refused = 0;
    for (n, sport) in (49710u16..49714).enumerate() {
        let mut f = syn.clone();
        f[34..36].copy_from_slice(&sport.to_be_bytes());
        // Keep the TCP checksum valid: the port moved by sport - 49710.
        let c = u16::from_be_bytes([f[50], f[51]]);
        let c = !fold(u32::from(!c) + u32::from(!49710u16) + u32::from(sport));
        f[50..52].copy_from_slice(&c.to_be_bytes());
        let (d, st) = drop_delta(&mut dp, CLIENT_TAP2, &f, DropReason::NatMaxSessions);
        assert!(dp.nat.live() <= 2, "live NAT sessions {} above the limit", dp.nat.live());
        if n == 0 {
            assert_eq!(st.out.len(), 1, "the first SYN fits: {:?}", dp.counters.drops);
        }
        refused += d;
    }
    assert!(refused >= 1, "no NatMaxSessions drop: {:?}", dp.counters.drops);
    assert_eq!(dp.counters.tables.nat_sessions_refused, refused);
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(512) })]

    /// Random bytes on any interface, configured or not.
    #[test]
    fn random_bytes(server in any::<bool>(), rx in prop_oneof![0u16..10, any::<u16>()], bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut dp = node(if server { "server-node.toml" } else { "client-node.toml" });
        feed(&mut dp, rx, &bytes, "random bytes");
    }

    /// Random bytes behind a valid Ethernet + IPv4 header (so they reach the L4 parsers
    /// and the nodes), with any protocol and a consistent or inconsistent total length.
    #[test]
    fn random_after_valid_ip_header(
        server in any::<bool>(),
        rx in prop::sample::select(vec![UPLINK, 3, CLIENT_TAP2, SERVER_TAP3, 4, 5]),
        proto in prop_oneof![Just(6u8), Just(17), Just(1), any::<u8>()],
        dst in prop::sample::select(vec![[10, 97, 193, 160], [10, 1, 1, 3], [10, 1, 2, 4], [192, 168, 16, 1], [192, 168, 16, 2], [8, 8, 8, 8]]),
        ihl in 5u8..=15,
        exact_len in proptest::bool::weighted(0.8),
        rest in prop::collection::vec(any::<u8>(), 0..120),
    ) {
        let mut dp = node(if server { "server-node.toml" } else { "client-node.toml" });
        let hl = usize::from(ihl) * 4;
        let mut ip = vec![0u8; hl];
        ip[0] = 0x40 | ihl;
        let total = if exact_len { hl + rest.len() } else { hl + rest.len() / 2 };
        ip[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        ip[8] = 64;
        ip[9] = proto;
        ip[12..16].copy_from_slice(&[10, 1, 1, 3]);
        ip[16..20].copy_from_slice(&dst);
        ip[20..].fill(1);
        let c = csum(&ip, 0);
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        ip.extend(&rest);
        let f = ethernet([0x02, 0xfe, 0x16, 0x3f, 0x5f, 0x0f], [0, 0, 0, 0, 0, 2], 0x0800, &ip);
        feed(&mut dp, rx, &f, "random L4");
    }

}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(256) })]

    /// Seed frames with a few random bytes overwritten and a random cut, in sequence on
    /// primed nodes.
    #[test]
    fn mutated_seed_frames(muts in prop::collection::vec((0usize..4, prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6), any::<prop::sample::Index>(), any::<bool>()), 1..16)) {
        let frames = seed_frames();
        let mut nodes = primed_nodes(&frames);
        for (which, bytes, cut, do_cut) in muts {
            let (server, rx, f) = &frames[which];
            let mut g = f.clone();
            for (i, v) in bytes {
                let i = i.index(g.len());
                g[i] = v;
            }
            if do_cut {
                g.truncate(cut.index(g.len() + 1));
            }
            feed(&mut nodes[usize::from(*server)], *rx, &g, "mutated seed frame");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(512) })]

    /// Random configs (bridge ports, BVI, VXLAN, NAT, ACLs) with well-formed packets
    /// corrupted and cut at random: conservation holds and nothing panics.
    #[test]
    fn random_configs_corrupted_packets(
        s in scenario(),
        pkts in prop::collection::vec((pkt_knob(), prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4), prop::option::weighted(0.3, any::<prop::sample::Index>())), 1..32),
    ) {
        let mut dp = fresh(&s);
        dp.set_trace(true);
        let mut outputs: Vec<(u16, Vec<u8>)> = Vec::new();
        for (k, bytes, cut) in &pkts {
            let (rx, mut f) = build_packet(&s, k, &outputs);
            for (i, v) in bytes {
                let i = i.index(f.len());
                f[i] = *v;
            }
            if let Some(c) = cut {
                f.truncate(c.index(f.len() + 1));
            }
            let st = feed(&mut dp, rx, &f, "corrupted packet on a random config");
            outputs.extend(st.out.iter().map(|t| (t.sw_if_index, t.pkt.frame().to_vec())));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(512) })]

    /// What a NIC hands back after its VXLAN encap (`RESUME_VXLAN_OUTER`) is untrusted
    /// too: the seed's encapsulated SYN with random bytes overwritten, cut at random, on
    /// any interface index. Nothing panics; each frame leaves or is counted as dropped.
    #[test]
    fn resumed_outer_punts_from_a_device(
        bytes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        cut in prop::option::weighted(0.3, any::<prop::sample::Index>()),
        sw in 0u16..12,
    ) {
        let mut dp = node("client-node.toml");
        let mut f = test_support::seed::expected_frame("full_client_syn_uplink");
        f[..12].fill(0); // the NIC's encap leaves the outer MACs to the rewrite
        for (i, v) in bytes {
            let i = i.index(f.len());
            f[i] = v;
        }
        if let Some(c) = cut {
            f.truncate(c.index(f.len() + 1));
        }
        let drops0: u64 = dp.counters.drops.iter().sum();
        let mut out = Vec::new();
        dp.process_vxlan_outer(sw, sw_fallback::PacketBuf::from_frame(&f), 2_000_000_000, &mut out);
        let _ = dp.take_trace();
        let drops: u64 = dp.counters.drops.iter().sum::<u64>() - drops0;
        prop_assert_eq!(out.len() as u64 + drops, 1, "frame {} on {}", hex(&f), sw);
    }
}

/// The resumed path itself: the client's encapsulated SYN, resumed on its tunnel, leaves
/// the uplink as the software node's own encap does.
#[test]
fn resumed_outer_equals_the_encap() {
    let mut dp = node("client-node.toml");
    let want = test_support::seed::expected_frame("full_client_syn_uplink");
    let mut f = want.clone();
    f[..12].fill(0);
    f[22] = 254; // TTL before the outer rewrite
    let mut out = Vec::new();
    dp.process_vxlan_outer(5, sw_fallback::PacketBuf::from_frame(&f), 2_000_000_000, &mut out);
    assert_eq!(out.len(), 1, "{:?}", dp.counters.drops);
    assert_eq!((out[0].sw_if_index, hex(out[0].pkt.frame())), (UPLINK, hex(&want)));
}
