//! Property tests of the software dataplane on random valid configs and packets.
//!
//! - `acl_classify_matches_reference`: the table-driven classifier and the pipeline's
//!   compiled one against the naive one (and against the config's own rule text), on
//!   every interface and direction;
//! - `rendered_lpm_matches_reference`: the rendered trie of a whole config against a
//!   linear scan of its rendered routes;
//! - `emitted_frames_are_valid`: every frame out (and every VXLAN inner frame) parses
//!   with etherparse with valid checksums, inner TTL down by one per routed hop, and
//!   conservation (out or counted as dropped, exactly once without flooding);
//! - `nat_service_round_trip`: DNAT to an endpoint and back to the VIP, checksums
//!   incrementally updated equal to full recomputation;
//! - `sessions_expire`: with short timeouts every NAT and ACL session ages out;
//! - `deterministic`: two dataplanes from the same tables agree on outputs, counters
//!   and traces.

use node_config::*;
use offload_tables::layout::{acl_action, session_kind};
use proptest::prelude::*;
use sw_fallback::acl::{self, Verdict};
use sw_fallback::flow::Flow;
use sw_fallback::Dataplane;
use test_support::{adversarial::*, frames::*, harness::*};

fn config() -> ProptestConfig {
    ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(256) }
}

// ---- a. ACL -------------------------------------------------------------------------

/// A flow for the classifier: addresses from the config's universe or random.
#[derive(Debug, Clone)]
struct FlowKnob {
    src: (bool, u8, u32),
    dst: (bool, u8, u32),
    proto: u8,
    ports: (u16, u16),
    tcp_flags: u8,
    icmp: (u8, u8),
    l4_valid: bool,
}

fn flow_strategy() -> impl Strategy<Value = FlowKnob> {
    let addr = (any::<bool>(), any::<u8>(), any::<u32>());
    let port = || prop_oneof![(0usize..PORTS.len()).prop_map(|i| PORTS[i]), any::<u16>(), 0u16..16];
    (
        (addr, addr),
        prop::sample::select(vec![1u8, 6, 6, 17, 17, 47]),
        (port(), port()),
        any::<u8>(),
        (0u8..16, 0u8..16),
        proptest::bool::weighted(0.85),
    )
        .prop_map(|((src, dst), proto, ports, tcp_flags, icmp, l4_valid)| FlowKnob {
            src,
            dst,
            proto,
            ports,
            tcp_flags,
            icmp,
            l4_valid,
        })
}

/// What the config says, evaluated straight from the rule text.
fn config_classify(acls: &[Acl], list: &[u32], f: &Flow) -> Option<(u8, u16, u16)> {
    for &ix in list {
        let acl = &acls[ix as usize];
        for (rn, r) in acl.rules.iter().enumerate() {
            let proto_ok = r.proto == 0 || r.proto == f.proto;
            let (p0, p1) =
                if f.proto == 1 { (u16::from(f.icmp_type), u16::from(f.icmp_code)) } else { (f.sport, f.dport) };
            // VPP: a non-first fragment matches on L3 and protocol; unreadable L4 never
            // matches a rule with a protocol; the flags only count for TCP
            let l4_ok = r.proto == 0
                || f.nonfirst_fragment
                || (f.l4_valid
                    && r.sport.contains(p0)
                    && r.dport.contains(p1)
                    && (f.proto != 6 || f.tcp_flags & r.tcp_flags_mask == r.tcp_flags_value));
            if r.src.contains(v4(f.src)) && r.dst.contains(v4(f.dst)) && proto_ok && l4_ok {
                let action = match r.action {
                    AclAction::Deny => acl_action::DENY,
                    AclAction::Permit => acl_action::PERMIT,
                    AclAction::PermitReflect => acl_action::PERMIT_REFLECT,
                };
                return Some((action, ix as u16, rn as u16));
            }
        }
    }
    None
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn acl_classify_matches_reference(
        s in scenario(),
        flows in prop::collection::vec(flow_strategy(), 1..32),
    ) {
        let t = &s.tables;
        let matcher = acl::AclMatcher::new(t);
        for (sw, _) in &s.ifaces {
            let e = t.interfaces[usize::from(*sw)];
            let ifc = s.cfg.interfaces.iter().find(|i| t.names.sw_if_index(&i.name) == Some(*sw)).unwrap();
            for (start, count, list) in [(e.acl_in_start, e.acl_in_count, &ifc.acl_input), (e.acl_out_start, e.acl_out_count, &ifc.acl_output)] {
                let flat: Vec<_> = t.acl_lists[usize::from(start)..usize::from(start + count)]
                    .iter()
                    .flat_map(|l| {
                        let a = t.acls[l.acl_index as usize];
                        t.acl_rules[a.rule_start as usize..a.rule_start as usize + usize::from(a.rule_count)].iter().copied()
                    })
                    .collect();
                for k in &flows {
                    let addr = |(random, i, r): (bool, u8, u32)| if random { r } else { s.addrs[usize::from(i) % s.addrs.len()] };
                    let f = Flow {
                        src: addr(k.src),
                        dst: addr(k.dst),
                        proto: k.proto,
                        sport: k.ports.0,
                        dport: k.ports.1,
                        icmp_type: k.icmp.0,
                        icmp_code: k.icmp.1,
                        tcp_flags: if k.proto == 6 { k.tcp_flags } else { 0 },
                        l4_valid: k.l4_valid && k.proto != 47,
                        ihl: 20,
                        ttl: 64,
                        ..Flow::default()
                    };
                    let got = match acl::classify(t, start, count, &f) {
                        Verdict::Rule { action, acl, rule } => Some((action, acl as u16, rule as u16)),
                        Verdict::NoMatch => None,
                        v @ Verdict::Session { .. } => panic!("classify returned {v:?}"),
                    };
                    prop_assert_eq!(got, acl::classify_reference(&flat, &f), "rendered rules, flow {:?}", f);
                    prop_assert_eq!(matcher.classify(t, start, count, &f), acl::classify(t, start, count, &f), "compiled rules (the pipeline's), flow {:?}", f);
                    prop_assert_eq!(got, config_classify(&s.cfg.acls, list, &f), "config rules, flow {:?}", f);
                }
            }
        }
    }

    #[test]
    fn rendered_lpm_matches_reference(s in scenario(), probes in prop::collection::vec((any::<u8>(), any::<u32>(), 0u32..256, any::<bool>()), 1..64)) {
        let t = &s.tables;
        let routes: Vec<(u16, u32, u8, u32)> = t.routes.iter().map(|r| (r.fib_index, r.prefix, r.len, r.lb_index)).collect();
        for (i, r, low, random) in probes {
            let base = if random { r } else { s.addrs[usize::from(i) % s.addrs.len()] };
            let addr = (base & !0xff) | low;
            for fib in 0..t.lpm.n_fibs() as u16 {
                prop_assert_eq!(t.lpm.lookup(fib, addr), offload_tables::lpm::reference_lookup(&routes, fib, addr), "fib {} addr {}", fib, v4(addr));
            }
        }
    }
}

// ---- b, c. Emitted frames and conservation -------------------------------------------

/// The TTL of the packet a frame carries: the inner one of a VXLAN frame.
fn carried(frame: &[u8], encapsulated: bool) -> Result<FrameInfo, String> {
    if encapsulated {
        let outer = check_frame(frame)?;
        if outer.fragmented {
            // a VXLAN packet too big for the uplink, fragmented: only the outer header here
            return (outer.proto == 17).then_some(outer).ok_or_else(|| format!("fragment of no UDP packet: {outer:?}"));
        }
        if outer.proto != 17 || outer.dport != 4789 || frame.len() < 50 + 14 {
            return Err(format!("encapsulated output is not VXLAN: {outer:?}"));
        }
        if outer.ttl != 253 {
            return Err(format!("outer TTL {} (254 at encap, one rewrite)", outer.ttl));
        }
        if frame[42] != 0x08 {
            return Err(format!("VXLAN flags {:#04x}", frame[42]));
        }
        check_frame(&frame[50..]).map_err(|e| format!("inner frame: {e}"))
    } else {
        check_frame(frame)
    }
}

fn run_sequence(s: &Scenario, pkts: &[PktKnob]) -> Result<(), TestCaseError> {
    let mut dp = fresh(s);
    let mut outputs: Vec<(u16, Vec<u8>)> = Vec::new();
    let mut now = 1_000_000_000u64;
    for (n, k) in pkts.iter().enumerate() {
        now += k.gap_ns;
        let (rx, frame) = build_packet(s, k, &outputs);
        let input = carried(&frame, false).ok();
        let st = step(&mut dp, rx, &frame, now);
        let ctx = || format!("packet {n} on {rx}: {}\nstep {st:?}", hex(&frame));
        check_conservation(&st).map_err(|e| TestCaseError::fail(format!("{e}\n{}", ctx())))?;
        for tx in &st.out {
            let f = tx.pkt.frame();
            let encapsulated = st.encaps > 0 && s.tunnel.as_ref().is_some_and(|t| is_vxlan_to(f, t));
            let info = carried(f, encapsulated)
                .map_err(|e| TestCaseError::fail(format!("{e}\nout {}: {}\n{}", tx.sw_if_index, hex(f), ctx())))?;
            if st.out.len() == 1 && st.flooded == 0 && st.generated == 0 && st.echo_replies == 0 && info.is_ip4 {
                // Inner TTL: one less per routed hop (rewrites minus the outer ones).
                let in_ttl =
                    if st.decaps > 0 { check_frame(&frame[50..]).ok().map(|i| i.ttl) } else { input.map(|i| i.ttl) };
                if let Some(in_ttl) = in_ttl {
                    let hops = (st.rewrites - st.encaps) as u8;
                    prop_assert_eq!(info.ttl, in_ttl.wrapping_sub(hops), "TTL after {} routed hops\n{}", hops, ctx());
                }
            }
            outputs.push((tx.sw_if_index, f.to_vec()));
        }
    }
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..config() })]

    #[test]
    fn emitted_frames_are_valid(s in scenario(), pkts in prop::collection::vec(pkt_knob(), 1..48)) {
        run_sequence(&s, &pkts)?;
    }
}

// ---- d. NAT service round trip --------------------------------------------------------

#[derive(Debug, Clone)]
struct NatCase {
    proto: L4Protocol,
    vip_port: u16,
    endpoints: Vec<(u16, u8)>,
    tap_role_io: Vec<bool>,
    client_on_tap: bool,
    client_port: u16,
    client_host: u8,
    out2in_only: bool,
    forwarding: bool,
    zero_udp_csum: bool,
    options_words: u8,
    payload: Vec<u8>,
}

fn nat_case() -> impl Strategy<Value = NatCase> {
    (
        prop_oneof![Just(L4Protocol::Tcp), Just(L4Protocol::Udp)],
        1u16..,
        prop::collection::vec((1u16.., 1u8..=10), 1..=3),
        prop::collection::vec(any::<bool>(), 3),
        any::<bool>(),
        any::<u16>(),
        1u8..255,
        (any::<bool>(), any::<bool>(), any::<bool>()),
        // no IPv4 options: VPP forwards no packet with options (tests/vpp_fidelity.rs)
        Just(0u8),
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(
            |(
                proto,
                vip_port,
                endpoints,
                tap_role_io,
                client_on_tap,
                client_port,
                client_host,
                (o, fw, z),
                ow,
                payload,
            )| {
                NatCase {
                    proto,
                    vip_port,
                    endpoints,
                    tap_role_io,
                    client_on_tap,
                    client_port,
                    client_host,
                    out2in_only: o,
                    forwarding: fw,
                    zero_udp_csum: z,
                    options_words: ow,
                    payload,
                }
            },
        )
}

/// A node with an uplink (outside), endpoint pods on taps, a client pod on `tapc`
/// (inside-outside), and one service mapping to every endpoint.
fn nat_config(c: &NatCase) -> NodeConfig {
    let mut cfg = NodeConfig { name: "nat".into(), ..NodeConfig::default() };
    let nexthop = |addr: u32, ifname: &str| NextHop {
        address: Some(v4(addr)),
        interface: Some(ifname.to_string()),
        weight: 1,
        next_hop_vrf: None,
    };
    let mut up = Interface {
        mac: Some(mac("08:00:27:00:00:01")),
        addresses: vec![Ipv4Prefix::new(v4(uplink_addr(0)), 24)],
        mtu: 1500,
        nat: NatRole::Outside,
        ..Interface::new("eth0", InterfaceKind::Uplink)
    };
    cfg.neighbors.push(Neighbor { interface: "eth0".into(), ip: v4(uplink_nbrs(0)[0]), mac: mac("08:00:27:00:00:02") });
    cfg.routes.push(Route { vrf: 0, prefix: Ipv4Prefix::any(), via: vec![nexthop(uplink_nbrs(0)[0], "eth0")] });
    cfg.interfaces.push(up.clone());
    let mut locals = Vec::new();
    let n = c.endpoints.len();
    let sum: u32 = c.endpoints.iter().map(|e| u32::from(e.1)).sum();
    let mut pct: Vec<u32> = c.endpoints.iter().map(|e| u32::from(e.1) * 100 / sum).collect();
    pct[0] += 100 - pct.iter().sum::<u32>();
    for (j, (&(port, _), &p)) in c.endpoints.iter().zip(&pct).enumerate() {
        let name = format!("tap{j}");
        up.name = name.clone();
        up.kind = InterfaceKind::Tap;
        up.mac = Some(mac(&format!("02:fe:00:00:00:0{j}")));
        up.addresses = vec![];
        up.nat = if c.tap_role_io[j] { NatRole::InsideOutside } else { NatRole::Inside };
        cfg.interfaces.push(up.clone());
        cfg.neighbors.push(Neighbor {
            interface: name.clone(),
            ip: v4(pod(j, 0)),
            mac: mac(&format!("00:00:00:00:0{j}:02")),
        });
        cfg.routes.push(Route {
            vrf: 0,
            prefix: Ipv4Prefix::new(v4(pod(j, 0)), 32),
            via: vec![nexthop(pod(j, 0), &name)],
        });
        locals.push(LocalEndpoint {
            address: SocketAddr4 { addr: v4(pod(j, 0)), port },
            probability: if n == 1 { 100 } else { p as u8 },
            vrf: None,
        });
    }
    up.name = "tapc".into();
    up.mac = Some(mac("02:fe:00:00:00:0c"));
    up.nat = NatRole::InsideOutside;
    cfg.interfaces.push(up);
    let client_pod = a([10, 1, 9, 2]);
    cfg.neighbors.push(Neighbor { interface: "tapc".into(), ip: v4(client_pod), mac: mac("00:00:00:00:0c:02") });
    cfg.routes.push(Route {
        vrf: 0,
        prefix: Ipv4Prefix::new(v4(client_pod), 32),
        via: vec![nexthop(client_pod, "tapc")],
    });
    cfg.nat44 = Some(Nat44 {
        forwarding: c.forwarding,
        max_sessions: 1024,
        addresses: vec![NatPoolAddress { address: v4(uplink_addr(0)), vrf: 0, twice_nat: false }],
        static_mappings: vec![StaticMapping {
            protocol: Some(c.proto),
            external: SocketAddr4 { addr: v4(vip(0)), port: c.vip_port },
            vrf: 0,
            locals,
            twice_nat: false,
            self_twice_nat: false,
            out2in_only: c.out2in_only,
        }],
        identity_mappings: vec![],
        timeouts: NatTimeouts::default(),
    });
    cfg.acl_timeouts.max_sessions = 64;
    cfg
}

fn l4(proto: L4Protocol, sport: u16, dport: u16, zero: bool, syn: bool) -> L4 {
    match proto {
        L4Protocol::Tcp => L4::Tcp { sport, dport, flags: if syn { 0x02 } else { 0x12 }, seq: 1 },
        _ => L4::Udp { sport, dport, zero_csum: zero },
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn nat_service_round_trip(c in nat_case()) {
        let s = scenario_of(nat_config(&c));
        let mut dp = fresh(&s);
        let sw = |name: &str| s.tables.names.sw_if_index(name).unwrap();
        let mac_of = |name: &str| s.cfg.interfaces.iter().find(|i| i.name == name).unwrap().mac.unwrap().0;
        let (client, client_if) =
            if c.client_on_tap { (a([10, 1, 9, 2]), "tapc") } else { (a([10, 200, 7, c.client_host]), "eth0") };
        let request = Ip4Spec {
            src: client,
            dst: vip(0),
            ttl: 64,
            ident: 9,
            options_words: c.options_words,
            frag: Frag::None,
            l4: l4(c.proto, c.client_port, c.vip_port, c.zero_udp_csum, true),
            payload: c.payload.clone(),
        };
        let frame = ethernet(mac_of(client_if), [0x02, 0xaa, 0, 0, 0, 1], 0x0800, &request.bytes());
        let mut chosen = None;
        for round in 0..2u64 {
            // The second request of the flow hits the session made by the first.
            let st = step(&mut dp, sw(client_if), &frame, 1_000_000_000 + round);
            prop_assert_eq!(st.out.len(), 1, "request dropped: {:?}", dp.counters.drops);
            let out = st.out[0].pkt.frame();
            let info = check_frame(out).map_err(TestCaseError::fail)?;
            let j = (0..c.endpoints.len()).find(|&j| pod(j, 0) == info.dst);
            prop_assert!(j.is_some(), "DNAT to {} is no endpoint", v4(info.dst));
            let j = j.unwrap();
            prop_assert_eq!(st.out[0].sw_if_index, sw(&format!("tap{j}")));
            prop_assert_eq!((info.src, info.sport, info.dport), (client, c.client_port, c.endpoints[j].0));
            prop_assert_eq!(info.ttl, 63);
            if c.proto == L4Protocol::Udp {
                prop_assert_eq!(out[14 + usize::from(c.options_words) * 4 + 20 + 6..][..2] == [0, 0], c.zero_udp_csum, "UDP zero checksum kept as zero");
            }
            prop_assert!(chosen.is_none() || chosen == Some(j), "same flow, same endpoint");
            chosen = Some(j);
        }
        prop_assert_eq!(dp.nat.live(), 1);
        let j = chosen.unwrap();
        // The endpoint answers.
        let reply = Ip4Spec {
            src: pod(j, 0),
            dst: client,
            ttl: 64,
            ident: 10,
            options_words: c.options_words,
            frag: Frag::None,
            l4: l4(c.proto, c.endpoints[j].0, c.client_port, c.zero_udp_csum, false),
            payload: c.payload.iter().rev().copied().collect(),
        };
        let tap = format!("tap{j}");
        let frame = ethernet(mac_of(&tap), mac(&format!("00:00:00:00:0{j}:02")).0, 0x0800, &reply.bytes());
        let st = step(&mut dp, sw(&tap), &frame, 2_000_000_000);
        prop_assert_eq!(st.out.len(), 1, "reply dropped: {:?}", dp.counters.drops);
        prop_assert_eq!(st.out[0].sw_if_index, sw(client_if));
        let info = check_frame(st.out[0].pkt.frame()).map_err(TestCaseError::fail)?;
        prop_assert_eq!((v4(info.src), info.sport), (v4(vip(0)), c.vip_port), "the client sees the VIP");
        prop_assert_eq!((info.dst, info.dport), (client, c.client_port));
        prop_assert_eq!(dp.nat.live(), 1);
        prop_assert_eq!(dp.counters.total_drops(), 0);
    }
}

// ---- NAT and ICMP: regressions found by `emitted_frames_are_valid` ------------------------

/// A pod on `tap0` (inside) behind dynamic SNAT to the uplink's address.
fn snat_node() -> Scenario {
    let text = r#"
        [[interface]]
        name = "eth0"
        kind = "uplink"
        mac = "08:00:27:00:00:01"
        addresses = ["192.168.0.1/24"]
        nat = "outside"
        [[interface]]
        name = "tap0"
        kind = "tap"
        mac = "02:fe:00:00:00:00"
        nat = "inside"
        [[neighbor]]
        interface = "eth0"
        ip = "192.168.0.2"
        mac = "08:00:27:00:00:02"
        [[neighbor]]
        interface = "tap0"
        ip = "10.1.0.2"
        mac = "00:00:00:00:00:02"
        [[route]]
        prefix = "0.0.0.0/0"
        via = [{ address = "192.168.0.2", interface = "eth0" }]
        [nat44]
        addresses = [{ address = "192.168.0.1" }]
    "#;
    scenario_of(node_config::parse_config(text, std::path::Path::new("snat.toml")).unwrap())
}

/// A ping through dynamic SNAT: the request's identifier is translated (below 1024, so
/// a new one is chosen) and the reply's translated back. The reply's entry rewrites the
/// destination only; its ICMP checksum delta used to miss the identifier change.
#[test]
fn icmp_echo_through_dynamic_snat() {
    let s = snat_node();
    let mut dp = fresh(&s);
    let pod_ip = a([10, 1, 0, 2]);
    let req = Ip4Spec {
        src: pod_ip,
        dst: a([8, 8, 8, 8]),
        ttl: 64,
        ident: 1,
        options_words: 0,
        frag: Frag::None,
        l4: L4::Icmp { ty: 8, code: 0, ident: 5, seq: 1 },
        payload: vec![1, 2, 3],
    };
    let f = ethernet(mac("02:fe:00:00:00:00").0, mac("00:00:00:00:00:02").0, 0x0800, &req.bytes());
    let st = step(&mut dp, 2, &f, 1);
    assert_eq!(st.out.len(), 1);
    let out = st.out[0].pkt.frame().to_vec();
    let info = check_frame(&out).unwrap();
    assert_eq!((info.src, info.dst), (uplink_addr(0), a([8, 8, 8, 8])));
    assert_ne!(info.sport, 5, "identifier below 1024 is replaced");
    let (rx, reply) = reply_frame(&s, st.out[0].sw_if_index, &out).unwrap();
    let st = step(&mut dp, rx, &reply, 2);
    assert_eq!(st.out.len(), 1, "{:?}", dp.counters.drops);
    let info = check_frame(st.out[0].pkt.frame()).unwrap_or_else(|e| panic!("echo reply after SNAT: {e}"));
    assert_eq!((info.dst, info.sport), (pod_ip, 5));
}

/// ICMP messages other than echo have no identifier: NAT translates an error by the
/// session of the packet it quotes and leaves bytes 4..8 alone (a Redirect's gateway, a
/// Parameter Problem's pointer, the MTU of "fragmentation needed").
#[test]
fn icmp_errors_keep_their_header_through_snat() {
    let s = snat_node();
    let mut dp = fresh(&s);
    let req = Ip4Spec {
        src: a([10, 1, 0, 2]),
        dst: a([8, 8, 4, 4]),
        ttl: 64,
        ident: 1,
        options_words: 0,
        frag: Frag::None,
        l4: L4::Udp { sport: 40000, dport: 53, zero_csum: false },
        payload: vec![1, 2, 3, 4],
    };
    let f = ethernet(mac("02:fe:00:00:00:00").0, mac("00:00:00:00:00:02").0, 0x0800, &req.bytes());
    let st = step(&mut dp, 2, &f, 1);
    assert_eq!(st.out.len(), 1, "{:?}", dp.counters.drops);
    let sent = st.out[0].pkt.frame()[14..].to_vec();
    for (ty, code, rest) in [(5u8, 1u8, [192u8, 168, 0, 9]), (12, 0, [20, 0, 0, 0]), (3, 4, [0, 0, 0x05, 0xdc])] {
        let msg = Ip4Spec {
            src: a([8, 8, 4, 4]),
            dst: uplink_addr(0),
            ttl: 64,
            ident: 1,
            options_words: 0,
            frag: Frag::None,
            l4: L4::Icmp {
                ty,
                code,
                ident: u16::from_be_bytes([rest[0], rest[1]]),
                seq: u16::from_be_bytes([rest[2], rest[3]]),
            },
            payload: sent.clone(),
        };
        let f = ethernet(mac("08:00:27:00:00:01").0, mac("08:00:27:00:00:02").0, 0x0800, &msg.bytes());
        let st = step(&mut dp, 1, &f, 2);
        assert_eq!(st.out.len(), 1, "ICMP type {ty}: {:?}", dp.counters.drops);
        let out = st.out[0].pkt.frame();
        check_frame(out).unwrap_or_else(|e| panic!("ICMP type {ty}: {e}"));
        assert_eq!(&out[30..34], &a([10, 1, 0, 2]).to_be_bytes(), "destination translated back");
        assert_eq!(&out[34 + 4..34 + 8], &rest, "ICMP type {ty}: rest of header changed");
        assert_eq!(&out[42 + 12..42 + 16], &a([10, 1, 0, 2]).to_be_bytes(), "quoted source translated back");
    }
}

// ---- e. Session expiry ------------------------------------------------------------------

fn short_scenario() -> impl Strategy<Value = Scenario> {
    (knobs(), prop::array::uniform7(1u32..=5)).prop_map(|(mut k, t)| {
        k.short_timeouts = Some(t);
        scenario_of(build_config(&k))
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sessions_expire(s in short_scenario(), pkts in prop::collection::vec(pkt_knob(), 1..48)) {
        let mut dp = fresh(&s);
        let mut outputs: Vec<(u16, Vec<u8>)> = Vec::new();
        let mut now = 1_000_000_000u64;
        for k in &pkts {
            now += k.gap_ns % 500_000_000;
            let (rx, frame) = build_packet(&s, k, &outputs);
            let st = step(&mut dp, rx, &frame, now);
            outputs.extend(st.out.iter().map(|t| (t.sw_if_index, t.pkt.frame().to_vec())));
        }
        let created = dp.counters().tables.nat_sessions_created + dp.counters.tables.acl_sessions_created;
        // Before the longest timeout nothing that was just refreshed may go.
        let max_timeout = 5u64;
        dp.expire_sessions(now + (max_timeout + 1) * 1_000_000_000);
        prop_assert_eq!(dp.nat.live(), 0, "NAT sessions left");
        prop_assert_eq!(dp.acl.live(), 0, "ACL sessions left");
        // what stays: one static entry per NAT address, for the NIC
        let externals = dp.sessions.iter().filter(|(_, e)| e.key.kind == session_kind::NAT_EXTERNAL).count();
        prop_assert_eq!(dp.nat.passes(), 0, "pass entries left");
        prop_assert_eq!(dp.sessions.len(), externals, "session table entries left");
        let c = dp.counters.tables;
        prop_assert!(c.nat_sessions_expired + c.acl_sessions_expired <= created);
    }
}

// ---- f. Determinism ---------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..config() })]

    #[test]
    fn deterministic(s in scenario(), pkts in prop::collection::vec(pkt_knob(), 1..32)) {
        let mut a = fresh(&s);
        let mut b = Dataplane::new(s.tables.clone());
        a.set_trace(true);
        b.set_trace(true);
        let mut outputs: Vec<(u16, Vec<u8>)> = Vec::new();
        let mut now = 1_000_000_000u64;
        for k in &pkts {
            now += k.gap_ns;
            let (rx, frame) = build_packet(&s, k, &outputs);
            let sa = step(&mut a, rx, &frame, now);
            let sb = step(&mut b, rx, &frame, now);
            let oa: Vec<(u16, Vec<u8>)> = sa.out.iter().map(|t| (t.sw_if_index, t.pkt.frame().to_vec())).collect();
            let ob: Vec<(u16, Vec<u8>)> = sb.out.iter().map(|t| (t.sw_if_index, t.pkt.frame().to_vec())).collect();
            prop_assert_eq!(&oa, &ob);
            prop_assert_eq!(a.take_trace(), b.take_trace());
            outputs.extend(oa);
        }
        a.expire_sessions(now + 3_600_000_000_000);
        b.expire_sessions(now + 3_600_000_000_000);
        prop_assert_eq!(a.counters(), b.counters());
        prop_assert_eq!((a.nat.live(), a.acl.live(), a.sessions.len()), (b.nat.live(), b.acl.live(), b.sessions.len()));
    }
}
