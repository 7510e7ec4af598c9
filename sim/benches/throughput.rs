//! Throughput and latency of the NIC model (a measurement, not a test): back-to-back
//! 64-byte TCP frames on both wire ports into a NAT44 node (inside uplink on port 0
//! with an input ACL, outside uplink on port 1: requests in2out, replies out2in), with
//! 0%, 50% and 100% of the flows missing the session table. Tables are loaded and the
//! sessions for the hitting flows (created by the software path, `sw-fallback`)
//! installed by the host driver through the card's command ring; the frames then go
//! straight onto the core's ports, back to back. Reports packets per clock (output packets over the clocks between the
//! first and the last one out), how many were forwarded and punted, and the latency
//! from the first beat in to the first beat out. Then the cost of the loop port: VXLAN
//! frames (64-byte inner frames) decapsulated by the NIC to its BVI and routed out of a
//! wire port (two passes), against the same frames routed through without decap (one
//! pass). Then the seed's path in steady state: an established connection's 54-byte
//! ACKs through the client node (from the pod's TAP: routed into the BVI, bridged to the
//! tunnel, encapsulated, NAT as the uplink's output feature: two passes, the second of
//! two beats) and their VXLAN frames through the server node (decapsulated, routed and
//! handed to the pod's TAP: two passes). Every packet out is checked against what
//! `sw-fallback` makes of the same frame, byte for byte (in order per input port), so
//! the figures are of a pipeline that is right with many packets in flight. Run with
//! `cargo bench -p sim`.

use node_config::load_tables;
use node_config::{parse_config, render};
use offload_tables::regs::meta::inject_into_pipeline;
use sim::{Core, InPort, OutPacket, OutPort, Testbed};
use std::path::Path;
use sw_fallback::{Dataplane, PacketBuf};
use test_support::seed;

mod common;
use common::nat_node::{frame, loaded, reply, syn, CONFIG};

const VXLAN_CONFIG: &str = r#"
name = "bench-vxlan"

[[interface]]
name = "uplink0"
kind = "uplink"
index = 1
mac = "02:00:00:00:00:01"
addresses = ["192.168.16.2/24"]

[[interface]]
name = "uplink1"
kind = "uplink"
index = 2
mac = "02:00:00:00:00:02"
addresses = ["10.0.0.1/16"]

[[interface]]
name = "loop0"
kind = "loopback"
index = 3
mac = "1a:2b:3c:4d:5e:02"
addresses = ["192.168.30.2/24"]

[[interface]]
name = "vxlan_tunnel0"
kind = "vxlan"
index = 4
vxlan = { src = "192.168.16.2", dst = "192.168.16.1", vni = 10 }

[[bridge_domain]]
id = 1
members = ["vxlan_tunnel0"]
bvi = "loop0"
learn = false

[[l2fib]]
bd = 1
mac = "1a:2b:3c:4d:5e:01"
interface = "vxlan_tunnel0"

[[neighbor]]
interface = "uplink1"
ip = "10.0.255.254"
mac = "02:00:00:00:00:10"

[[neighbor]]
interface = "uplink0"
ip = "192.168.16.1"
mac = "02:00:00:00:00:20"

[[route]]
prefix = "10.1.0.0/16"
via = [{ address = "10.0.255.254", interface = "uplink1" }]
"#;

/// Flow `i`'s 64-byte inner frame (remote BVI to a host behind uplink1) in a VXLAN frame
/// from the tunnel's remote end, to `outer_dst` (this node: decap; else routed).
fn vxlan(i: u32, outer_dst: [u8; 4], inner_payload: usize) -> Vec<u8> {
    let inner =
        etherparse::PacketBuilder::ethernet2([0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 1], [0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 2])
            .ipv4([192, 168, 30, 1], [10, 1, (i >> 8) as u8, i as u8], 64)
            .tcp(10_000 + (i % 50_000) as u16, 80, i, 1024)
            .ack(1);
    let mut payload = vec![0x08, 0, 0, 0, 0, 0, 10, 0];
    inner.write(&mut payload, &vec![0u8; inner_payload]).expect("inner frame");
    // the inner source MAC first: the remote BVI's, then the local BVI as destination
    payload[8..14].copy_from_slice(&[0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 2]);
    payload[14..20].copy_from_slice(&[0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 1]);
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 0x20], [2, 0, 0, 0, 0, 1])
        .ipv4([192, 168, 16, 1], outer_dst, 64)
        .udp(1024 + (i % 50_000) as u16, 4789);
    let mut v = Vec::with_capacity(128);
    b.write(&mut v, &payload).expect("frame");
    v[40..42].fill(0); // VXLAN's UDP checksum: none
    v
}

/// Packets per clock of the loop port: decapsulated VXLAN frames against routed ones.
fn loop_port() {
    let cfg = parse_config(VXLAN_CONFIG, Path::new("bench-vxlan.toml")).expect("config");
    let tables = render(&cfg).expect("render");
    let n = 4_000u32;
    let cases: [(&str, [u8; 4], usize, u32); 3] = [
        ("114-byte, routed through (one pass)", [10, 1, 0, 9], 10, 1),
        ("114-byte, decapsulated to the BVI (two passes)", [192, 168, 16, 2], 10, 1),
        // the loop port's worst case: long frames on both ports at once
        ("1504-byte on both ports, decapsulated", [192, 168, 16, 2], 1400, 2),
    ];
    for (what, dst, len, ports) in cases {
        let (tb, _) = loaded(&tables, None);
        // software's frames, in the order sent (wire port p is sw_if_index p + 1)
        let mut sw = Dataplane::new(tables.clone());
        let mut out = Vec::new();
        let want: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                out.clear();
                sw.process((i % ports) as u16 + 1, PacketBuf::from_frame(&vxlan(i, dst, len)), 1_000_000_000, &mut out);
                assert_eq!(out.len(), 1, "software forwards VXLAN frame {i}");
                out[0].pkt.frame().to_vec()
            })
            .collect();
        tb.card.with_core(|s| loop_port_case(s, what, n, ports, dst, len, &want));
    }
}

/// Checks that `pkts` are `want`, byte for byte: in order when one input port fed them,
/// as a multiset when two did (each port's order is its own).
fn check_frames(pkts: &[OutPacket], want: &[Vec<u8>], in_order: bool, what: &str) {
    let mut got: Vec<&[u8]> = pkts.iter().map(|o| o.data.as_slice()).collect();
    let mut want: Vec<&[u8]> = want.iter().map(Vec::as_slice).collect();
    if !in_order {
        got.sort();
        want.sort();
    }
    assert_eq!(got.len(), want.len(), "{what}: packets out");
    if let Some(k) = got.iter().zip(&want).position(|(g, w)| g != w) {
        panic!("{what}: packet {k} out differs from software's");
    }
}

fn loop_port_case(s: &mut Core, what: &str, n: u32, ports: u32, dst: [u8; 4], len: usize, want: &[Vec<u8>]) {
    {
        for i in 0..n {
            s.send(InPort::Wire((i % ports) as u8), &vxlan(i, dst, len));
        }
        let c0 = s.cycles();
        s.run(100 * u64::from(n));
        let pkts = s.take_output();
        let first = pkts.iter().map(|o| o.cycle).min().unwrap_or(c0);
        let last = pkts.iter().map(|o| o.cycle).max().unwrap_or(c0);
        let fwd = pkts.iter().filter(|o| o.port == OutPort::Wire(1)).count();
        assert_eq!(fwd, n as usize, "every frame out, none stuck in the loop");
        check_frames(&pkts, want, ports == 1, what);
        println!(
            "VXLAN frames {what}: {} packets out ({fwd} forwarded on port 1, checked against software), \
             {:.3} packets/clock, \
             latency {} clocks",
            pkts.len(),
            pkts.len() as f64 / (last - first + 1) as f64,
            first - c0
        );
    }
}

/// Packets per clock of the seed's path in steady state, on both nodes.
fn seed_path() {
    let conn = test_support::seed_connection::seed_connection();
    let load = |n| load_tables(&seed::path(n)).expect("seed config").1;
    let (mut client, mut server) = (Dataplane::new(load("client-node.toml")), Dataplane::new(load("server-node.toml")));
    // The handshake through the software nodes makes every session; the ACK after it
    // (conn[6]) is what the NICs then forward alone.
    let now = 1_000_000_000u64 + 700_000;
    let wire_ack = test_support::seed_connection::established(&mut client, &mut server, 1_000_000_000);
    let mut txs = Vec::new();
    let n = 4_000u32;
    let ack = &conn[6].frame;
    // what software makes of the same frame once more: the NIC's output for each copy
    let mut again = |dp: &mut Dataplane, rx: u16, frame: &[u8]| {
        txs.clear();
        dp.process(rx, PacketBuf::from_frame(frame), now, &mut txs);
        assert_eq!(txs.len(), 1, "software forwards the seed's ACK");
        txs[0].pkt.frame().to_vec()
    };
    let (client_out, server_out) = (again(&mut client, 6, ack), again(&mut server, 1, &wire_ack));
    for (what, dp, input, frame, want) in [
        (
            "client node, TAP to wire (route, bridge, VXLAN encap, NAT output)",
            &client,
            InPort::Inject(inject_into_pipeline(6)),
            ack,
            client_out,
        ),
        (
            "server node, wire to TAP (VXLAN decap, route, host delivery)",
            &server,
            InPort::Wire(0),
            &wire_ack,
            server_out,
        ),
    ] {
        let (tb, _) = loaded(&dp.tables, Some(dp));
        tb.card.with_core(|s| seed_path_case(s, what, n, input, frame, &want));
    }
}

fn seed_path_case(s: &mut Core, what: &str, n: u32, input: InPort, frame: &[u8], want: &[u8]) {
    {
        for _ in 0..n {
            s.send(input, frame);
        }
        let c0 = s.cycles();
        s.run(100 * u64::from(n));
        let pkts = s.take_output();
        let first = pkts.iter().map(|o| o.cycle).min().unwrap_or(c0);
        let last = pkts.iter().map(|o| o.cycle).max().unwrap_or(c0);
        let in_nic = pkts.iter().filter(|o| o.port != OutPort::Punt || sim_reason(o.meta) == 7).count();
        assert_eq!(in_nic, n as usize, "every packet forwarded by the NIC alone");
        check_frames(&pkts, &vec![want.to_vec(); n as usize], true, what);
        println!(
            "seed path, {what}: {} packets of {} bytes in, checked against software, {:.3} packets/clock, latency {} clocks",
            pkts.len(),
            frame.len(),
            pkts.len() as f64 / (last - first + 1) as f64,
            first - c0
        );
    }
}

/// The punt reason of an output's metadata (7: `HostTx`, forwarded to a host interface).
fn sim_reason(meta: u64) -> u64 {
    offload_tables::regs::meta::get(meta, offload_tables::regs::meta::REASON)
}

fn main() {
    seed_path();
    loop_port();
    let cfg = parse_config(CONFIG, Path::new("bench.toml")).expect("config");
    let tables = render(&cfg).expect("render");
    let n = 4_000u32;
    for miss_pct in [0u32, 50, 100] {
        // Sessions for the flows that should hit: software's slow path makes them.
        let mut sw = Dataplane::new(tables.clone());
        let mut out = Vec::new();
        // Flow i hits when i % 100 >= miss_pct: hits and misses interleave.
        let mut nat_port = vec![1u16; n as usize];
        for i in (0..n).filter(|i| i % 100 >= miss_pct) {
            out.clear();
            sw.process(1, PacketBuf::from_frame(&syn(i)), 1_000_000_000, &mut out);
            let f = out[0].pkt.frame();
            nat_port[i as usize] = u16::from_be_bytes([f[34], f[35]]);
        }
        let (tb, _) = loaded(&tables, Some(&sw));
        // a flow whose session the NIC's table refused (a full bucket pair, or its tag
        // taken there: about 1 key in 2,300) stays in software: its frames punt
        let refused = refused_flows(&tb, &sw, miss_pct, &nat_port);
        let expected = expected_outputs(&mut sw, miss_pct, n, &nat_port, &refused);
        if !refused.is_empty() {
            println!(
                "{miss_pct:3}% session misses: {} flow directions left in software by the NIC's table",
                refused.len()
            );
        }
        tb.card.with_core(|s| miss_case(s, miss_pct, n, &nat_port, &expected));
    }
}

/// What the NIC must put out for the bench's frames: per wire port, software's frames in
/// the order their inputs were sent (the requests of hitting flows to port 1, their
/// replies to port 0); and the frames of missing flows, punted as they came in.
struct Expected {
    wire: [Vec<Vec<u8>>; 2],
    punted: Vec<Vec<u8>>,
}

/// Flows with a session in software that the NIC's table refused, with the interface
/// whose frames look it up (1: requests from the inside, 2: replies from the outside).
fn refused_flows(
    tb: &Testbed,
    sw: &Dataplane,
    miss_pct: u32,
    nat_port: &[u16],
) -> std::collections::HashSet<(u32, u16)> {
    let by_port: std::collections::HashMap<u16, u32> =
        (0..nat_port.len() as u32).filter(|i| i % 100 >= miss_pct).map(|i| (nat_port[i as usize], i)).collect();
    // a flow's inside address is 10.0.0.0/16 + 2 + i (either byte order of the key)
    let inside = |ip: u32| [ip, ip.swap_bytes()].into_iter().find(|a| a >> 16 == 0x0a00).map(|a| (a & 0xffff) - 2);
    sw.sessions
        .iter()
        .filter(|(_, e)| tb.node.nic_slot(&e.key).is_none())
        .map(|(_, e)| {
            let k = e.key;
            // the request's keys carry the inside source, the reply's the NAT port
            (inside(k.src).map(|i| (i, 1)))
                .or_else(|| inside(k.dst).map(|i| (i, 2)))
                .or_else(|| [k.dport, k.dport.swap_bytes()].iter().find_map(|p| by_port.get(p).map(|&i| (i, 2))))
                .unwrap_or_else(|| panic!("a session the NIC refused belongs to no bench flow: {k:?}"))
        })
        .collect()
}

fn expected_outputs(
    sw: &mut Dataplane,
    miss_pct: u32,
    n: u32,
    nat_port: &[u16],
    refused: &std::collections::HashSet<(u32, u16)>,
) -> Expected {
    let mut e = Expected { wire: [Vec::new(), Vec::new()], punted: Vec::new() };
    let mut out = Vec::new();
    for i in 0..n {
        let inputs = [(1u16, frame(i)), (2u16, reply(i, nat_port[i as usize]))];
        for (rx, f) in inputs {
            if i % 100 < miss_pct || refused.contains(&(i, rx)) {
                e.punted.push(f);
                continue;
            }
            out.clear();
            sw.process(rx, PacketBuf::from_frame(&f), 1_000_000_000, &mut out);
            assert_eq!(out.len(), 1, "software forwards flow {i}'s frame from interface {rx}");
            // inside0 (sw_if_index 1) is wire port 0, outside0 (2) wire port 1
            e.wire[usize::from(out[0].sw_if_index) - 1].push(out[0].pkt.frame().to_vec());
        }
    }
    e.punted.sort();
    e
}

/// Checks every packet out of the NIC against `expected`, byte for byte.
fn check_outputs(pkts: &[OutPacket], expected: &Expected, what: &str) {
    for (port, want) in expected.wire.iter().enumerate() {
        let got: Vec<&[u8]> =
            pkts.iter().filter(|o| o.port == OutPort::Wire(port as u8)).map(|o| o.data.as_slice()).collect();
        assert_eq!(got.len(), want.len(), "{what}: frames out of wire port {port}");
        for (k, (g, w)) in got.iter().zip(want).enumerate() {
            assert_eq!(*g, w.as_slice(), "{what}: frame {k} out of wire port {port} differs from software's");
        }
    }
    let mut punted: Vec<&[u8]> = pkts.iter().filter(|o| o.port == OutPort::Punt).map(|o| o.data.as_slice()).collect();
    punted.sort();
    assert!(
        punted.iter().copied().eq(expected.punted.iter().map(Vec::as_slice)),
        "{what}: punted frames are not the missing flows' frames as sent"
    );
}

fn miss_case(s: &mut Core, miss_pct: u32, n: u32, nat_port: &[u16], expected: &Expected) {
    {
        // Back to back on both ports: requests on the inside, replies on the outside.
        for i in 0..n {
            s.send(InPort::Wire(0), &frame(i));
            s.send(InPort::Wire(1), &reply(i, nat_port[i as usize]));
        }
        let c0 = s.cycles();
        let t0 = std::time::Instant::now();
        s.run(10 * u64::from(n));
        let dt = t0.elapsed();
        let pkts = s.take_output();
        let first = pkts.iter().map(|o| o.cycle).min().unwrap_or(c0);
        let last = pkts.iter().map(|o| o.cycle).max().unwrap_or(c0);
        let punted = pkts.iter().filter(|o| o.port == OutPort::Punt).count();
        check_outputs(&pkts, expected, &format!("{miss_pct}% session misses"));
        // The largest gap between two packets out, and the rate without it: a packet that
        // needs a memory round the ones before it did not leaves a round trip after
        // them, once (and everything behind it with it), a gap rather than a rate.
        let mut cycles: Vec<u64> = pkts.iter().map(|o| o.cycle).collect();
        cycles.sort_unstable();
        let (gap, at) = cycles.windows(2).enumerate().map(|(i, w)| (w[1] - w[0], i + 1)).max().unwrap_or((1, 0));
        let span = last - first + 1;
        println!(
            "{miss_pct:3}% session misses: {} packets out ({} forwarded, {punted} punted), every one checked \
             against software, {:.3} packets/clock ({:.3} without the largest gap: {gap} clocks before packet \
             {at} out), latency {} clocks, {:.2} M clocks/s simulated",
            pkts.len(),
            pkts.len() - punted,
            pkts.len() as f64 / span as f64,
            pkts.len() as f64 / (span - (gap - 1)) as f64,
            first - c0,
            (s.cycles() - c0) as f64 / dt.as_secs_f64() / 1e6
        );
    }
}
