//! What VPP 22.02 does with the packets our first version got wrong, one class per test,
//! each with a minimal config and packet (issue "What real VPP accepts and does, we accept
//! and do"). The expected frames follow VPP's nodes as read in its sources (`ip4_input.h`,
//! `ip4_forward.c`, `icmp4.c`, `ip_frag.c`, `udp_local.c`, `l2_flood.c`, NAT44-ED's
//! in2out/out2in); every frame that leaves is checked with etherparse, checksums included.

use etherparse::{IcmpEchoHeader, Icmpv4Type, PacketBuilder, SlicedPacket, TransportSlice};
use node_config::parse_config;
use offload_tables::reasons::DropReason;
use std::path::Path;
use sw_fallback::{Dataplane, PacketBuf, Tx};
use test_support::frames::check_frame;

const ETH0: u16 = 1; // uplink, NAT outside, 192.168.0.1/24
const ETH1: u16 = 2; // uplink, no NAT, 192.168.1.1/24, MTU 600
const TAP0: u16 = 3; // pods, NAT inside, 10.1.0.1/24

const ETH0_MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
const ETH1_MAC: [u8; 6] = [2, 0, 0, 0, 1, 1];
const TAP0_MAC: [u8; 6] = [2, 0xfe, 0, 0, 0, 0];
const PEER_MAC: [u8; 6] = [2, 0, 0, 0, 0, 2];
const POD_MAC: [u8; 6] = [0, 0, 0, 0, 0, 2];

/// A router with NAT: pods on tap0 (inside), the internet behind eth0 (outside, pool
/// 192.168.0.1, a UDP service 192.168.0.1:53 → 10.1.0.2:5353 and a TCP one
/// 192.168.0.1:80 → 10.1.0.3:8080), 172.16/16 behind eth1 (no NAT, MTU 600).
const ROUTER: &str = r#"
[[interface]]
name = "eth0"
kind = "uplink"
mac = "02:00:00:00:00:01"
addresses = ["192.168.0.1/24"]
nat = "outside"
[[interface]]
name = "eth1"
kind = "uplink"
mac = "02:00:00:00:01:01"
addresses = ["192.168.1.1/24"]
mtu = 600
[[interface]]
name = "tap0"
kind = "tap"
mac = "02:fe:00:00:00:00"
addresses = ["10.1.0.1/24"]
nat = "inside"
[[neighbor]]
interface = "eth0"
ip = "192.168.0.2"
mac = "02:00:00:00:00:02"
[[neighbor]]
interface = "eth1"
ip = "192.168.1.2"
mac = "02:00:00:00:00:02"
[[neighbor]]
interface = "tap0"
ip = "10.1.0.2"
mac = "00:00:00:00:00:02"
[[neighbor]]
interface = "tap0"
ip = "10.1.0.3"
mac = "00:00:00:00:00:03"
[[route]]
prefix = "0.0.0.0/0"
via = [{ address = "192.168.0.2", interface = "eth0" }]
[[route]]
prefix = "172.16.0.0/16"
via = [{ address = "192.168.1.2", interface = "eth1" }]
[nat44]
addresses = [{ address = "192.168.0.1" }]
[[nat44.static_mapping]]
protocol = "udp"
external = "192.168.0.1:53"
locals = [{ address = "10.1.0.2:5353" }]
[[nat44.static_mapping]]
protocol = "tcp"
external = "192.168.0.1:80"
locals = [{ address = "10.1.0.3:8080" }]
"#;

fn node(text: &str) -> Dataplane {
    let cfg = parse_config(text, Path::new("fidelity.toml")).unwrap_or_else(|e| panic!("{e}"));
    Dataplane::new(node_config::render(&cfg).unwrap_or_else(|e| panic!("{e:?}")))
}

/// Runs one frame; returns what left, as (interface, frame).
fn send(dp: &mut Dataplane, rx: u16, frame: &[u8]) -> Vec<(u16, Vec<u8>)> {
    let mut out: Vec<Tx> = Vec::new();
    dp.process(rx, PacketBuf::from_frame(frame), 1_000_000_000, &mut out);
    out.into_iter().map(|t| (t.sw_if_index, t.pkt.frame().to_vec())).collect()
}

/// The one frame that left, on `tx`, after etherparse checked every header and checksum.
#[track_caller]
fn one_out(out: &[(u16, Vec<u8>)], tx: u16) -> Vec<u8> {
    assert_eq!(out.len(), 1, "want one frame out, got {}", out.len());
    assert_eq!(out[0].0, tx, "left by the wrong interface");
    check_frame(&out[0].1).unwrap_or_else(|e| panic!("frame out: {e}"));
    out[0].1.clone()
}

fn drops(dp: &Dataplane, r: DropReason) -> u64 {
    dp.counters.drops[r as usize]
}

fn udp(src_mac: [u8; 6], dst_mac: [u8; 6], src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, ttl: u8) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(src_mac, dst_mac).ipv4(src, dst, ttl).udp(sport, dport);
    let mut f = Vec::new();
    b.write(&mut f, b"ping").unwrap();
    f
}

fn tcp(src_mac: [u8; 6], dst_mac: [u8; 6], src: [u8; 4], dst: [u8; 4], ports: (u16, u16), flags: u8) -> Vec<u8> {
    let mut b = PacketBuilder::ethernet2(src_mac, dst_mac).ipv4(src, dst, 64).tcp(ports.0, ports.1, 1000, 8192);
    if flags & 0x02 != 0 {
        b = b.syn();
    }
    if flags & 0x10 != 0 {
        b = b.ack(1);
    }
    let mut f = Vec::new();
    b.write(&mut f, &[]).unwrap();
    f
}

/// An ICMP error message from `src` to `dst` about `about` (a frame; its IPv4 packet from
/// the header on, up to `quote` bytes, is quoted).
fn icmp_error(
    macs: ([u8; 6], [u8; 6]),
    src: [u8; 4],
    dst: [u8; 4],
    ty: Icmpv4Type,
    about: &[u8],
    quote: usize,
) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(macs.0, macs.1).ipv4(src, dst, 64).icmpv4(ty);
    let mut f = Vec::new();
    b.write(&mut f, &about[14..14 + quote]).unwrap();
    f
}

/// `f` with its IPv4 header edited (lengths and checksum made right again).
fn reheader(f: &[u8], edit: &dyn Fn(&mut etherparse::Ipv4Header)) -> Vec<u8> {
    let s = SlicedPacket::from_ethernet(f).unwrap();
    let Some(etherparse::NetSlice::Ipv4(v4)) = s.net else { unreachable!() };
    let mut h = v4.header().to_header();
    let payload = v4.payload().payload.to_vec();
    edit(&mut h);
    let mut out = f[..14].to_vec();
    h.total_len = (h.header_len() + payload.len()) as u16;
    h.header_checksum = h.calc_header_checksum();
    h.write(&mut out).unwrap();
    out.extend_from_slice(&payload);
    out
}

fn addr(f: &[u8], at: usize) -> [u8; 4] {
    [f[at], f[at + 1], f[at + 2], f[at + 3]]
}
fn port(f: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([f[at], f[at + 1]])
}

/// Checks the header quoted in ICMP error `f` (IPv4 at 14, ICMP at 34, quoted IPv4 at
/// 42): its addresses and ports, its header checksum, and — when the whole quoted
/// packet is there — its L4 checksum.
#[track_caller]
fn check_quoted(f: &[u8], src: ([u8; 4], u16), dst: ([u8; 4], u16)) {
    let q = &f[42..];
    assert_eq!((addr(q, 12), port(q, 20)), src, "quoted source");
    assert_eq!((addr(q, 16), port(q, 22)), dst, "quoted destination");
    let ih = etherparse::Ipv4HeaderSlice::from_slice(q).unwrap();
    assert_eq!(ih.header_checksum(), ih.to_header().calc_header_checksum(), "quoted IPv4 checksum");
    if usize::from(ih.total_len()) <= q.len() && ih.protocol() == etherparse::IpNumber::UDP {
        let udp = etherparse::UdpHeaderSlice::from_slice(&q[20..]).unwrap();
        let payload = &q[28..usize::from(ih.total_len())];
        let want = udp.to_header().calc_checksum_ipv4_raw(ih.source(), ih.destination(), payload).unwrap();
        assert_eq!(udp.checksum(), want, "quoted UDP checksum");
    }
}

// ---- Ethernet padding -------------------------------------------------------------------

/// VPP never trims a frame to its IPv4 length (`ip4-input` only refuses a frame shorter
/// than the packet): padding stays through NAT, rewrite and output, and is carried
/// inside a VXLAN encapsulation (the encap prepends to the buffer as it is).
#[test]
fn padding_stays_with_the_packet() {
    let pad = |mut f: Vec<u8>| {
        assert!(f.len() < 60);
        f.resize(60, 0xa5);
        f
    };
    let mut dp = node(ROUTER);
    // tap → uplink through dynamic SNAT (UDP, 32-byte IPv4 packet in a 60-byte frame)
    let f = pad(udp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [8, 8, 8, 8], 40000, 53, 64));
    let out = one_out(&send(&mut dp, TAP0, &f), ETH0);
    assert_eq!(out.len(), 60, "padding kept through NAT and rewrite");
    assert_eq!(&out[46..], &f[46..], "the padding bytes themselves");
    assert_eq!(addr(&out, 26), [192, 168, 0, 1]);
    // uplink → tap: the reply, padded too
    let f = pad(udp(PEER_MAC, ETH0_MAC, [8, 8, 8, 8], [192, 168, 0, 1], 53, 40000, 64));
    let out = one_out(&send(&mut dp, ETH0, &f), TAP0);
    assert_eq!((out.len(), addr(&out, 30)), (60, [10, 1, 0, 2]));
    assert_eq!(&out[46..], &f[46..]);
    // plain routing, no NAT
    let f = pad(udp(PEER_MAC, ETH1_MAC, [172, 16, 0, 9], [10, 1, 0, 2], 7, 7, 64));
    assert_eq!(one_out(&send(&mut dp, ETH1, &f), TAP0).len(), 60);

    // VXLAN: a pod's padded frame routed into the overlay (the seed's second node)
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/two-nodes/node1.toml"))
        .unwrap()
        + "[[neighbor]]\ninterface = \"GigabitEthernet0/8/0\"\nip = \"192.168.16.2\"\nmac = \"08:00:27:e0:57:49\"\n";
    let mut dp = node(&text);
    let f = pad(udp(
        [0, 0, 0, 0, 0, 2],
        [0x02, 0xfe, 0x16, 0x3f, 0x5f, 0x0f],
        [10, 1, 1, 3],
        [10, 1, 2, 9],
        40000,
        5000,
        64,
    ));
    let out = one_out(&send(&mut dp, 6, &f), 1);
    assert_eq!(out.len(), 50 + 60, "outer headers + the whole inner frame, padding included");
    assert_eq!(port(&out, 16), 20 + 8 + 8 + 60, "outer IPv4 length covers the padding");
    assert_eq!(&out[50 + 46..], &f[46..]);
}

// ---- ICMP errors through NAT --------------------------------------------------------------

/// Dynamic SNAT, both directions. Out2in: a port unreachable from the remote end, and a
/// time exceeded from a router on the way (its source kept, as VPP keeps a router's), reach
/// the pod with the quoted header turned back into the pod's. In2out: the pod's port
/// unreachable about a reply it got leaves with the quoted header in the pool's terms.
#[test]
fn icmp_errors_through_dynamic_snat() {
    let mut dp = node(ROUTER);
    let req = udp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [8, 8, 8, 8], 40000, 33434, 64);
    let sent = one_out(&send(&mut dp, TAP0, &req), ETH0);
    assert_eq!((addr(&sent, 26), port(&sent, 34)), ([192, 168, 0, 1], 40000), "SNAT keeps a port above 1024");

    let unreach = Icmpv4Type::DestinationUnreachable(etherparse::icmpv4::DestUnreachableHeader::Port);
    let err = icmp_error((PEER_MAC, ETH0_MAC), [8, 8, 8, 8], [192, 168, 0, 1], unreach.clone(), &sent, 32);
    let got = one_out(&send(&mut dp, ETH0, &err), TAP0);
    assert_eq!((addr(&got, 26), addr(&got, 30)), ([8, 8, 8, 8], [10, 1, 0, 2]));
    check_quoted(&got, ([10, 1, 0, 2], 40000), ([8, 8, 8, 8], 33434));

    let ttl = Icmpv4Type::TimeExceeded(etherparse::icmpv4::TimeExceededCode::TtlExceededInTransit);
    let err = icmp_error((PEER_MAC, ETH0_MAC), [203, 0, 113, 7], [192, 168, 0, 1], ttl, &sent, 28);
    let got = one_out(&send(&mut dp, ETH0, &err), TAP0);
    assert_eq!((addr(&got, 26), addr(&got, 30)), ([203, 0, 113, 7], [10, 1, 0, 2]), "a router's source is kept");
    check_quoted(&got, ([10, 1, 0, 2], 40000), ([8, 8, 8, 8], 33434));

    // in2out: the remote's reply reached the pod; the pod answers port unreachable
    let reply = udp(PEER_MAC, ETH0_MAC, [8, 8, 8, 8], [192, 168, 0, 1], 33434, 40000, 64);
    let delivered = one_out(&send(&mut dp, ETH0, &reply), TAP0);
    let err = icmp_error((POD_MAC, TAP0_MAC), [10, 1, 0, 2], [8, 8, 8, 8], unreach, &delivered, 32);
    let got = one_out(&send(&mut dp, TAP0, &err), ETH0);
    assert_eq!((addr(&got, 26), addr(&got, 30)), ([192, 168, 0, 1], [8, 8, 8, 8]));
    check_quoted(&got, ([8, 8, 8, 8], 33434), ([192, 168, 0, 1], 40000));

    // an error no session knows: dropped where NAT would translate (VPP: BAD_ICMP_TYPE)
    let stray = udp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [9, 9, 9, 9], 1111, 2222, 64);
    let unreach = Icmpv4Type::DestinationUnreachable(etherparse::icmpv4::DestUnreachableHeader::Port);
    let err = icmp_error((POD_MAC, TAP0_MAC), [10, 1, 0, 2], [9, 9, 9, 9], unreach, &stray, 28);
    assert!(send(&mut dp, TAP0, &err).is_empty());
    assert_eq!(drops(&dp, DropReason::NatBadIcmpType), 1);
}

/// A service mapping (192.168.0.1:53 → pod 10.1.0.2:5353), both directions: the pod's
/// port unreachable about a query leaves in the service's terms; the client's port
/// unreachable about the service's answer reaches the pod in the pod's terms.
#[test]
fn icmp_errors_through_a_service_mapping() {
    let mut dp = node(ROUTER);
    let query = udp(PEER_MAC, ETH0_MAC, [192, 168, 0, 2], [192, 168, 0, 1], 41000, 53, 64);
    let delivered = one_out(&send(&mut dp, ETH0, &query), TAP0);
    assert_eq!((addr(&delivered, 30), port(&delivered, 36)), ([10, 1, 0, 2], 5353));

    let unreach = Icmpv4Type::DestinationUnreachable(etherparse::icmpv4::DestUnreachableHeader::Port);
    let err = icmp_error((POD_MAC, TAP0_MAC), [10, 1, 0, 2], [192, 168, 0, 2], unreach.clone(), &delivered, 32);
    let got = one_out(&send(&mut dp, TAP0, &err), ETH0);
    assert_eq!((addr(&got, 26), addr(&got, 30)), ([192, 168, 0, 1], [192, 168, 0, 2]));
    check_quoted(&got, ([192, 168, 0, 2], 41000), ([192, 168, 0, 1], 53));

    let answer = udp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [192, 168, 0, 2], 5353, 41000, 64);
    let sent = one_out(&send(&mut dp, TAP0, &answer), ETH0);
    assert_eq!((addr(&sent, 26), port(&sent, 34)), ([192, 168, 0, 1], 53));
    let err = icmp_error((PEER_MAC, ETH0_MAC), [192, 168, 0, 2], [192, 168, 0, 1], unreach, &sent, 32);
    let got = one_out(&send(&mut dp, ETH0, &err), TAP0);
    assert_eq!((addr(&got, 26), addr(&got, 30)), ([192, 168, 0, 2], [10, 1, 0, 2]));
    check_quoted(&got, ([10, 1, 0, 2], 5353), ([192, 168, 0, 2], 41000));
}

// ---- What the node answers itself ----------------------------------------------------------

/// TTL expiry: `ip4-rewrite` answers time exceeded (11/0) from the receiving interface's
/// address, quoting the packet with its TTL already down to 0; the error leaves with TTL 254.
/// On a NAT interface the NAT node answers first, quoting the packet untranslated.
#[test]
fn ttl_expiry_answers_time_exceeded() {
    let mut dp = node(ROUTER);
    let f = udp(PEER_MAC, ETH1_MAC, [172, 16, 0, 9], [10, 1, 0, 2], 7, 7, 1);
    let got = one_out(&send(&mut dp, ETH1, &f), ETH1);
    assert_eq!((addr(&got, 26), addr(&got, 30), got[22]), ([192, 168, 1, 1], [172, 16, 0, 9], 254));
    assert_eq!((got[34], got[35]), (11, 0));
    assert_eq!(got[42 + 8], 0, "quoted TTL after the decrement");
    let f = udp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [8, 8, 8, 8], 40000, 53, 1);
    let got = one_out(&send(&mut dp, TAP0, &f), TAP0);
    assert_eq!((addr(&got, 26), got[34], got[42 + 8]), ([10, 1, 0, 1], 11, 1));
    assert_eq!(addr(&got, 42 + 12), [10, 1, 0, 2], "quoted untranslated");
}

/// Over the next hop's MTU: with DF, fragmentation needed (3/4) carrying the MTU; without,
/// `ip4-frag` cuts payloads of (600 - 20) & !7 = 576 bytes.
#[test]
fn mtu_answers_or_fragments() {
    let mut dp = node(ROUTER);
    let big = |df: bool| {
        let b = PacketBuilder::ethernet2(POD_MAC, TAP0_MAC).ipv4([10, 1, 0, 2], [172, 16, 0, 9], 64).udp(5000, 6000);
        let mut f = Vec::new();
        b.write(&mut f, &[7u8; 700]).unwrap();
        reheader(&f, &|h| {
            h.dont_fragment = df;
            h.identification = 77;
        })
    };
    let got = one_out(&send(&mut dp, TAP0, &big(true)), TAP0);
    assert_eq!((got[34], got[35], port(&got, 40)), (3, 4, 600), "fragmentation needed, MTU 600");
    let out = send(&mut dp, TAP0, &big(false));
    assert_eq!(out.len(), 2);
    for (tx, f) in &out {
        assert_eq!(*tx, ETH1);
        check_frame(f).unwrap();
    }
    assert_eq!((port(&out[0].1, 16), port(&out[1].1, 16)), (20 + 576, 20 + 708 - 576));
    assert_eq!(port(&out[1].1, 20) & 0x1fff, 576 / 8, "second fragment's offset");
}

/// UDP to a node address with no listener: `ip4-udp-lookup` answers port unreachable
/// (3/3). Another protocol is punted, which drops it (VPP 22.02's `ip4-local` sends no
/// protocol unreachable).
#[test]
fn local_udp_without_listener_answers_port_unreachable() {
    let mut dp = node(ROUTER);
    let f = udp(PEER_MAC, ETH1_MAC, [172, 16, 0, 9], [192, 168, 1, 1], 5000, 9999, 64);
    let got = one_out(&send(&mut dp, ETH1, &f), ETH1);
    assert_eq!((addr(&got, 26), addr(&got, 30), got[34], got[35]), ([192, 168, 1, 1], [172, 16, 0, 9], 3, 3));
    let mut gre = f.clone();
    gre[23] = 47;
    let c = etherparse::Ipv4HeaderSlice::from_slice(&gre[14..]).unwrap().to_header().calc_header_checksum();
    gre[24..26].copy_from_slice(&c.to_be_bytes());
    assert!(send(&mut dp, ETH1, &gre).is_empty());
    assert_eq!(drops(&dp, DropReason::UnknownProtocol), 1);
}

/// `ip4-input`'s dispositions: options → `ip4-options`, which forwards nothing; a fragment
/// at offset 1 is dropped; a first fragment whose L4 header is short is forwarded.
#[test]
fn options_and_fragments_as_ip4_input_sees_them() {
    let mut dp = node(ROUTER);
    let plain = udp(PEER_MAC, ETH1_MAC, [172, 16, 0, 9], [10, 1, 0, 2], 7, 7, 64);
    let opts = reheader(&plain, &|h| h.options = etherparse::Ipv4Options::try_from(&[1u8, 1, 1, 0][..]).unwrap());
    assert!(send(&mut dp, ETH1, &opts).is_empty());
    assert_eq!(drops(&dp, DropReason::Ip4Options), 1);
    let off1 = reheader(&plain, &|h| h.fragment_offset = etherparse::IpFragOffset::try_new(1).unwrap());
    assert!(send(&mut dp, ETH1, &off1).is_empty());
    assert_eq!(drops(&dp, DropReason::FragmentOffsetOne), 1);
    // a first fragment (MF) carrying 4 bytes of UDP header
    let mut short = reheader(&plain, &|h| {
        h.more_fragments = true;
        h.total_len = 24;
    });
    short.truncate(14 + 20 + 4);
    short[16..18].copy_from_slice(&24u16.to_be_bytes());
    short[24..26].fill(0);
    let c = etherparse::Ipv4HeaderSlice::from_slice(&short[14..]).unwrap().to_header().calc_header_checksum();
    short[24..26].copy_from_slice(&c.to_be_bytes());
    short.resize(60, 0);
    let out = send(&mut dp, ETH1, &short);
    assert_eq!((out.len(), out[0].0), (1, TAP0), "forwarded");
}

/// Destinations the FIB drops: a connected subnet's network and broadcast addresses,
/// 255.255.255.255 and 240/4; multicast goes to the mfib, whose RPF check drops it.
#[test]
fn special_destinations_are_dropped() {
    let mut dp = node(ROUTER);
    for dst in [[192, 168, 1, 0], [192, 168, 1, 255], [255, 255, 255, 255], [240, 0, 0, 1], [10, 1, 0, 255]] {
        let f = udp(PEER_MAC, ETH1_MAC, [172, 16, 0, 9], dst, 7, 7, 64);
        assert!(send(&mut dp, ETH1, &f).is_empty(), "{dst:?}");
    }
    assert_eq!(drops(&dp, DropReason::DropRoute), 5);
    let f = udp(PEER_MAC, ETH1_MAC, [172, 16, 0, 9], [239, 1, 1, 1], 7, 7, 64);
    assert!(send(&mut dp, ETH1, &f).is_empty());
    assert_eq!(drops(&dp, DropReason::RpfFailure), 1);
}

// ---- NAT decisions --------------------------------------------------------------------------

/// Pool and mapping addresses are receive routes: untranslated traffic to them is local.
/// A ping to the outside interface's address (also the pool address) is answered; TCP to a
/// pool port no session uses is dropped by out2in ("no translation").
#[test]
fn nat_addresses_are_local() {
    let mut dp = node(ROUTER);
    let b = PacketBuilder::ethernet2(PEER_MAC, ETH0_MAC)
        .ipv4([192, 168, 0, 2], [192, 168, 0, 1], 64)
        .icmpv4(Icmpv4Type::EchoRequest(IcmpEchoHeader { id: 9, seq: 1 }));
    let mut ping = Vec::new();
    b.write(&mut ping, b"abcd").unwrap();
    let got = one_out(&send(&mut dp, ETH0, &ping), ETH0);
    assert_eq!((addr(&got, 26), addr(&got, 30), got[34]), ([192, 168, 0, 1], [192, 168, 0, 2], 0), "echo reply");
    let f = tcp(PEER_MAC, ETH0_MAC, [192, 168, 0, 2], [192, 168, 0, 1], (5555, 12345), 0x02);
    assert!(send(&mut dp, ETH0, &f).is_empty());
    assert_eq!(drops(&dp, DropReason::NatNoTranslation), 1);
}

/// Hairpinning: a pod reaching a service by its external address is translated both ways
/// (destination to the endpoint, source to the pool), and the endpoint's answer comes back
/// from the service's address.
#[test]
fn hairpinning_translates_both_ways() {
    let mut dp = node(ROUTER);
    let syn = tcp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [192, 168, 0, 1], (40000, 80), 0x02);
    let got = one_out(&send(&mut dp, TAP0, &syn), TAP0);
    assert_eq!((addr(&got, 26), port(&got, 34)), ([192, 168, 0, 1], 40000), "source to the pool");
    assert_eq!((addr(&got, 30), port(&got, 36)), ([10, 1, 0, 3], 8080), "destination to the endpoint");
    let synack = tcp([0, 0, 0, 0, 0, 3], TAP0_MAC, [10, 1, 0, 3], [192, 168, 0, 1], (8080, 40000), 0x12);
    let back = one_out(&send(&mut dp, TAP0, &synack), TAP0);
    assert_eq!((addr(&back, 26), port(&back, 34)), ([192, 168, 0, 1], 80));
    assert_eq!((addr(&back, 30), port(&back, 36)), ([10, 1, 0, 2], 40000));
}

/// Other IP protocols through NAT are translated by address (VPP's unknown-protocol path),
/// and the answer by the same session.
#[test]
fn other_protocols_are_translated_by_address() {
    let mut dp = node(ROUTER);
    let mut gre = udp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [8, 8, 8, 8], 1, 2, 64);
    gre[23] = 47;
    let fix = |f: &mut Vec<u8>| {
        f[24..26].fill(0);
        let c = etherparse::Ipv4HeaderSlice::from_slice(&f[14..]).unwrap().to_header().calc_header_checksum();
        f[24..26].copy_from_slice(&c.to_be_bytes());
    };
    fix(&mut gre);
    let got = one_out(&send(&mut dp, TAP0, &gre), ETH0);
    assert_eq!((addr(&got, 26), &got[34..42]), ([192, 168, 0, 1], &gre[34..42]), "address only, payload untouched");
    let mut back = udp(PEER_MAC, ETH0_MAC, [8, 8, 8, 8], [192, 168, 0, 1], 1, 2, 64);
    back[23] = 47;
    fix(&mut back);
    let got = one_out(&send(&mut dp, ETH0, &back), TAP0);
    assert_eq!(addr(&got, 30), [10, 1, 0, 2]);
}

/// A TCP packet other than SYN cannot open a NAT session (VPP: "non-SYN packet try to
/// create session"); a SYN+ACK cannot either.
#[test]
fn only_a_syn_opens_a_tcp_session() {
    let mut dp = node(ROUTER);
    for flags in [0x10, 0x12] {
        let f = tcp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [8, 8, 8, 8], (40001, 443), flags);
        assert!(send(&mut dp, TAP0, &f).is_empty());
    }
    assert_eq!(drops(&dp, DropReason::NatNonSyn), 2);
    let f = tcp(PEER_MAC, ETH0_MAC, [192, 168, 0, 2], [192, 168, 0, 1], (5555, 80), 0x10);
    assert!(send(&mut dp, ETH0, &f).is_empty(), "out2in to a mapping needs a SYN too");
    assert_eq!(drops(&dp, DropReason::NatNonSyn), 3);
    let f = tcp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [8, 8, 8, 8], (40001, 443), 0x02);
    one_out(&send(&mut dp, TAP0, &f), ETH0);
}

/// Dynamic SNAT: ports up to 1024 are replaced (VPP keeps only 1025..65535), with the
/// packet's own port kept above; with `forwarding` on, nothing new is translated on the
/// input path; with no pool address, a packet NAT would translate is dropped "out of ports".
#[test]
fn dynamic_snat_decisions() {
    let mut dp = node(ROUTER);
    let f = udp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [8, 8, 8, 8], 1024, 53, 64);
    let got = one_out(&send(&mut dp, TAP0, &f), ETH0);
    assert!(port(&got, 34) >= 1024 && port(&got, 34) != 1024, "port 1024 replaced");
    let fwd = ROUTER.replace("[nat44]\n", "[nat44]\nforwarding = true\n");
    let mut dp = node(&fwd);
    let f = udp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [8, 8, 8, 8], 40000, 53, 64);
    assert_eq!(addr(&one_out(&send(&mut dp, TAP0, &f), ETH0), 26), [10, 1, 0, 2], "forwarded untranslated");
    let nopool = ROUTER.replace("addresses = [{ address = \"192.168.0.1\" }]\n", "");
    let mut dp = node(&nopool);
    assert!(send(&mut dp, TAP0, &f).is_empty());
    assert_eq!(drops(&dp, DropReason::NatOutOfPorts), 1);
}

/// The pool address of a dynamic session: VPP scans the pool from `src % n` (the address
/// loaded little-endian) and takes the last one scanned — unless one is an outside
/// interface's own address on the destination's subnet.
#[test]
fn pool_address_choice() {
    let three = ROUTER.replace(
        "addresses = [{ address = \"192.168.0.1\" }]",
        "addresses = [{ address = \"100.64.0.1\" }, { address = \"100.64.0.2\" }, { address = \"100.64.0.3\" }]",
    );
    let mut dp = node(&three);
    // 10.1.0.2 loads as 0x0200010a: 0x0200010a % 3 = 1, the scan 1, 2, 0 ends at index 0
    let f = udp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [8, 8, 8, 8], 40000, 53, 64);
    assert_eq!(addr(&one_out(&send(&mut dp, TAP0, &f), ETH0), 26), [100, 64, 0, 1]);
    // 10.1.0.3: 0x0300010a % 3 = 2, the scan 2, 0, 1 ends at index 1
    let f = udp([0, 0, 0, 0, 0, 3], TAP0_MAC, [10, 1, 0, 3], [8, 8, 8, 8], 40000, 53, 64);
    assert_eq!(addr(&one_out(&send(&mut dp, TAP0, &f), ETH0), 26), [100, 64, 0, 2]);
    // the outside interface's own address, when the destination is on its subnet
    let own = ROUTER.replace(
        "addresses = [{ address = \"192.168.0.1\" }]",
        "addresses = [{ address = \"192.168.0.1\" }, { address = \"100.64.0.2\" }]",
    );
    let mut dp = node(&own);
    let f = udp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [192, 168, 0, 2], 40000, 53, 64);
    assert_eq!(addr(&one_out(&send(&mut dp, TAP0, &f), ETH0), 26), [192, 168, 0, 1]);
    // (another source port: the session above would be found otherwise)
    let f = udp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [8, 8, 8, 8], 40001, 53, 64);
    assert_eq!(addr(&one_out(&send(&mut dp, TAP0, &f), ETH0), 26), [100, 64, 0, 2]);
}

/// An address-only static mapping translates every protocol 1:1, ports kept, and lets an
/// echo request in.
#[test]
fn address_only_mapping() {
    let text = format!(
        "{ROUTER}[[nat44.static_mapping]]\nexternal = \"192.168.0.9\"\nlocals = [{{ address = \"10.1.0.3\" }}]\n"
    );
    let mut dp = node(&text);
    let f = tcp(PEER_MAC, ETH0_MAC, [192, 168, 0, 2], [192, 168, 0, 9], (5555, 2222), 0x02);
    let got = one_out(&send(&mut dp, ETH0, &f), TAP0);
    assert_eq!((addr(&got, 30), port(&got, 36)), ([10, 1, 0, 3], 2222));
    let b = PacketBuilder::ethernet2(PEER_MAC, ETH0_MAC)
        .ipv4([192, 168, 0, 2], [192, 168, 0, 9], 64)
        .icmpv4(Icmpv4Type::EchoRequest(IcmpEchoHeader { id: 9, seq: 1 }));
    let mut ping = Vec::new();
    b.write(&mut ping, b"abcd").unwrap();
    assert_eq!(addr(&one_out(&send(&mut dp, ETH0, &ping), TAP0), 30), [10, 1, 0, 3]);
    // the local's own connections leave as the mapping's address, port kept
    let f = udp([0, 0, 0, 0, 0, 3], TAP0_MAC, [10, 1, 0, 3], [8, 8, 8, 8], 4444, 53, 64);
    let got = one_out(&send(&mut dp, TAP0, &f), ETH0);
    assert_eq!((addr(&got, 26), port(&got, 34)), ([192, 168, 0, 9], 4444));
}

// ---- L2 and interfaces ------------------------------------------------------------------------

/// A flooded frame whose destination MAC is not the BVI's: `l2-flood` drops the BVI copy.
#[test]
fn flood_skips_the_bvi_for_another_mac() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/two-nodes/node1.toml"))
        .unwrap();
    let mut dp = node(&text);
    // from the overlay: a VXLAN packet carrying a frame to an unknown MAC
    let inner = udp(
        [0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x02],
        [2, 0, 0, 0, 0, 0x99],
        [192, 168, 30, 2],
        [192, 168, 30, 1],
        1,
        2,
        64,
    );
    let b = PacketBuilder::ethernet2([8, 0, 0x27, 0, 0, 0xfe], [8, 0, 0x27, 0x44, 0x9f, 0xd8])
        .ipv4([192, 168, 16, 2], [192, 168, 16, 1], 64)
        .udp(4242, 4789);
    let mut vx = vec![0x08, 0, 0, 0, 0, 0, 10, 0];
    vx.extend_from_slice(&inner);
    let mut f = Vec::new();
    b.write(&mut f, &vx).unwrap();
    assert!(send(&mut dp, 1, &f).is_empty());
    assert_eq!(drops(&dp, DropReason::BviMacMismatch), 1);
}

/// An admin-down interface's connected routes are withdrawn: its subnet is reached by
/// the default route instead.
#[test]
fn admin_down_withdraws_connected_routes() {
    let down = ROUTER.replace("mtu = 600\n", "mtu = 600\nup = false\n");
    let mut dp = node(&down);
    let f = udp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [192, 168, 1, 5], 40000, 53, 64);
    let out = send(&mut dp, TAP0, &f);
    assert_eq!((out.len(), out[0].0), (1, ETH0));
}

/// ECMP: VPP sorts the paths (by next hop) before it fills the buckets, so the config's
/// order does not decide which next hop a flow takes.
#[test]
fn ecmp_paths_are_sorted() {
    let route = |a: &str, b: &str| {
        ROUTER.replace(
            "via = [{ address = \"192.168.1.2\", interface = \"eth1\" }]",
            &format!(
                "via = [{{ address = \"{a}\", interface = \"eth1\" }}, {{ address = \"{b}\", interface = \"eth1\" }}]"
            ),
        ) + "[[neighbor]]\ninterface = \"eth1\"\nip = \"192.168.1.3\"\nmac = \"02:00:00:00:00:03\"\n"
    };
    let mut one = node(&route("192.168.1.2", "192.168.1.3"));
    let mut two = node(&route("192.168.1.3", "192.168.1.2"));
    for sport in 1000..1064 {
        let f = udp(POD_MAC, TAP0_MAC, [10, 1, 0, 2], [172, 16, 0, 9], sport, 53, 64);
        assert_eq!(send(&mut one, TAP0, &f), send(&mut two, TAP0, &f), "sport {sport}");
    }
}

/// The VPP fidelity tests above check full frames; this one makes sure the frames they
/// inspect are what `etherparse` reads as ICMP (the helpers' offsets).
#[test]
fn helper_offsets_match_etherparse() {
    let mut dp = node(ROUTER);
    let f = udp(PEER_MAC, ETH1_MAC, [172, 16, 0, 9], [192, 168, 1, 1], 5000, 9999, 64);
    let got = one_out(&send(&mut dp, ETH1, &f), ETH1);
    let s = SlicedPacket::from_ethernet(&got).unwrap();
    let Some(TransportSlice::Icmpv4(i)) = s.transport else { panic!("not ICMP") };
    assert_eq!((i.type_u8(), i.code_u8()), (got[34], got[35]));
}
