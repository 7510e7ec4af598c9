//! Random valid native configs survive native -> VPP -> native.
//!
//! What is compared, honestly: `parse(export(cfg), --port options) == canonical(cfg)`.
//! `canonical` (see `node_config::vpp::canonical`) clears the node name (VPP has none),
//! makes interface/ACL indices explicit, orders interfaces by sw_if_index and ACLs by index,
//! lists a BVI only as `bvi`, and fixes a single endpoint's probability at 100. Everything
//! else (every field of every interface, bridge domain, neighbor, route, l2fib entry, NAT44
//! and ACL) must come back exactly. Wire ports come back through `--port` options when they
//! are not the default numbering.
//!
//! The generator is driven by one random seed (a small deterministic RNG builds the config
//! from it), so a failure prints the seed; proptest's shrinking of a seed is not meaningful.

use node_config::render;
use node_config::vpp::{self, VppOptions};
use node_config::*;
use proptest::prelude::*;
use std::net::Ipv4Addr;
use std::path::Path;

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len() as u64) as usize]
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
    /// `n` distinct values from `lo..=hi` (`n` must not exceed the range).
    fn distinct(&mut self, n: usize, lo: u64, hi: u64) -> Vec<u64> {
        let mut out = Vec::new();
        while out.len() < n {
            let v = self.range(lo, hi);
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
    }
    /// Up to `max` distinct values from `lo..=hi`.
    fn some(&mut self, max: u64, lo: u64, hi: u64) -> Vec<u64> {
        let n = self.range(0, max) as usize;
        self.distinct(n, lo, hi)
    }
    fn mac(&mut self, first: u8) -> MacAddr {
        let b = self.next().to_be_bytes();
        MacAddr([first, b[1], b[2], b[3], b[4], b[5]])
    }
    fn word(&mut self) -> String {
        let n = self.range(1, 8);
        (0..n).map(|_| self.pick(&['a', 'b', 'k', 'z', '0', '7', '-'])).collect::<String>().replace(' ', "")
    }
}

fn blank(name: &str, kind: InterfaceKind) -> Interface {
    Interface::new(name, kind)
}

fn prefix(a: [u8; 4], len: u8) -> Ipv4Prefix {
    Ipv4Prefix::new(Ipv4Addr::from(a), len)
}

/// A random config that renders.
fn generate(seed: u64) -> NodeConfig {
    let mut r = Rng(seed);
    let mut ifs: Vec<Interface> = Vec::new();
    let nat_on = r.chance(60);

    // Uplinks: sw_if_index 1..=n (VPP numbers physical ports first).
    let n_up = r.range(1, 2) as usize;
    let explicit_ports = r.chance(25);
    for k in 0..n_up {
        let name =
            if explicit_ports && r.chance(50) { format!("eth{k}") } else { format!("GigabitEthernet0/{:x}/0", 8 + k) };
        let mut i = blank(&name, InterfaceKind::Uplink);
        i.index = Some(k as u16 + 1);
        if explicit_ports {
            i.port = Some((n_up - 1 - k) as u8);
        }
        i.mac = Some(r.mac(0x08));
        i.addresses = vec![prefix([192, 168, 16 + k as u8, 1], 24)];
        i.mtu = r.pick(&[1500, 9000, 9216]);
        i.up = r.chance(80);
        ifs.push(i);
    }

    // Created interfaces with their indices (some implicit), and gaps.
    let loops = r.some(2, 0, 5);
    let taps = r.some(3, 0, 9);
    let want_vxlan = r.chance(50);
    let vxlan_inst = r.range(0, 3);
    let n_created = loops.len() + taps.len() + usize::from(want_vxlan);
    let gaps = r.range(0, 3);
    let slots = r.distinct(n_created, n_up as u64 + 1, n_up as u64 + n_created as u64 + gaps);
    let mut slot = slots.into_iter();
    let mut index = |_: &mut Rng| Some(slot.next().expect("enough slots") as u16);
    let mut loop_names = Vec::new();
    for (n, &inst) in loops.iter().enumerate() {
        let mut i = blank(&format!("loop{inst}"), InterfaceKind::Loopback);
        i.index = index(&mut r);
        i.mac = Some(r.mac(0x02));
        if r.chance(70) {
            i.addresses = vec![prefix([10, 100 + n as u8, 0, 1], 24)];
        }
        i.vrf = if r.chance(20) { 7 } else { 0 };
        i.mtu = r.pick(&[1450, 9000]);
        i.up = r.chance(80);
        loop_names.push(i.name.clone());
        ifs.push(i);
    }
    let mut tap_names = Vec::new();
    for &id in &taps {
        let mut i = blank(&format!("tap{id}"), InterfaceKind::Tap);
        i.index = index(&mut r);
        i.mac = Some(r.mac(0x02));
        if r.chance(40) {
            i.host_if_name = Some(format!("veth{id}"));
        }
        i.mtu = r.pick(&[1450, 1500, 9000]);
        i.up = r.chance(80);
        tap_names.push(i.name.clone());
        ifs.push(i);
    }
    let vxlan_name = format!("vxlan_tunnel{vxlan_inst}");
    if want_vxlan {
        let mut i = blank(&vxlan_name, InterfaceKind::Vxlan);
        i.index = index(&mut r);
        i.up = r.chance(90);
        if r.chance(30) {
            i.mac = Some(r.mac(0x02));
        }
        i.vxlan = Some(VxlanTunnel {
            src: Ipv4Addr::new(192, 168, 16, 1),
            dst: Ipv4Addr::new(192, 168, 16, r.range(2, 200) as u8),
            vni: r.range(1, 0x00ff_ffff) as u32,
            encap_vrf: 0,
        });
        ifs.push(i);
    }
    // Leave some created interfaces' indices implicit: `render` then assigns the lowest
    // free index, which may differ from the slot drawn, and that is what canonical() reports.
    for i in ifs.iter_mut().skip(n_up) {
        if r.chance(20) {
            i.index = None;
        }
    }

    // Bridge domains: the VXLAN tunnel (which must be bridged) and some taps, BVI a loopback.
    let mut bds = Vec::new();
    let mut members_all: Vec<String> = Vec::new();
    let mut bvis: Vec<String> = Vec::new();
    if want_vxlan || (r.chance(40) && !tap_names.is_empty()) {
        let ids = r.distinct(2, 1, 1000);
        let n_bd = if tap_names.len() > 1 && r.chance(30) { 2 } else { 1 };
        let mut free_taps = tap_names.clone();
        r.shuffle(&mut free_taps);
        let mut free_loops = loop_names.clone();
        for (b, &id) in ids.iter().take(n_bd).enumerate() {
            let mut members = Vec::new();
            if b == 0 && want_vxlan {
                members.push(vxlan_name.clone());
            }
            for _ in 0..r.range(0, 2) {
                if let Some(t) = free_taps.pop() {
                    members.push(t);
                }
            }
            let bvi = if r.chance(70) { free_loops.pop() } else { None };
            members_all.extend(members.iter().cloned());
            bvis.extend(bvi.iter().cloned());
            bds.push(BridgeDomain {
                id: id as u32,
                members,
                bvi,
                learn: r.chance(50),
                forward: r.chance(90),
                flood: r.chance(90),
                uu_flood: r.chance(90),
                arp_term: r.chance(30),
            });
        }
    }
    for i in &mut ifs {
        if members_all.contains(&i.name) || bvis.contains(&i.name) {
            i.shg = if r.chance(30) { r.range(1, 3) as u8 } else { 0 };
        }
    }
    // A bridged loopback (BVI) keeps its address; a loopback in vrf 7 as BVI is fine too.
    // Unnumbered: a non-bridged tap borrows an addressed loopback's address.
    let addressed_loops: Vec<String> = ifs
        .iter()
        .filter(|i| i.kind == InterfaceKind::Loopback && !i.addresses.is_empty())
        .map(|i| i.name.clone())
        .collect();
    for i in &mut ifs {
        if i.kind == InterfaceKind::Tap && !members_all.contains(&i.name) && !addressed_loops.is_empty() && r.chance(30)
        {
            i.unnumbered = Some(r.pick(&addressed_loops.iter().map(String::as_str).collect::<Vec<_>>()).to_string());
        }
    }

    let mut l2fib = Vec::new();
    for (b, bd) in bds.iter().enumerate() {
        for (n, m) in bd.members.iter().enumerate() {
            if r.chance(50) {
                l2fib.push(StaticL2Fib {
                    bd: bd.id,
                    mac: MacAddr([0x02, 0xaa, b as u8, n as u8, 0, 1]),
                    interface: m.clone(),
                    static_entry: r.chance(70),
                });
            }
        }
    }

    // Neighbors on addressed L3 interfaces.
    let l3: Vec<(String, Ipv4Prefix, u32)> = ifs
        .iter()
        .filter(|i| !members_all.contains(&i.name) && i.kind != InterfaceKind::Vxlan)
        .filter_map(|i| i.addresses.first().map(|a| (i.name.clone(), *a, i.vrf)))
        .collect();
    let mut neighbors = Vec::new();
    for (name, p, _) in &l3 {
        for host in r.some(2, 2, 250) {
            let o = p.addr.octets();
            neighbors.push(Neighbor {
                interface: name.clone(),
                ip: Ipv4Addr::new(o[0], o[1], o[2], host as u8),
                mac: r.mac(0x02),
            });
        }
    }

    // Routes: attached, via a neighbor-ish next hop on an interface, or recursive through
    // the first uplink's subnet; ECMP with weights.
    let mut routes = Vec::new();
    for (n, third) in r.some(4, 0, 255).into_iter().enumerate() {
        let vrf = if r.chance(25) && l3.iter().any(|l| l.2 == 7) { 7 } else { 0 };
        let cands: Vec<&(String, Ipv4Prefix, u32)> = l3.iter().filter(|l| l.2 == vrf).collect();
        let mut via: Vec<NextHop> = Vec::new();
        for _ in 0..r.range(1, 3) {
            let weight = if r.chance(70) { 1 } else { r.range(1, 255) as u8 };
            let hop = match r.below(3) {
                0 if vrf == 0 => NextHop {
                    address: Some(Ipv4Addr::new(192, 168, 16, r.range(2, 250) as u8)),
                    interface: None,
                    weight,
                    next_hop_vrf: None,
                },
                1 if !cands.is_empty() => {
                    let (name, p, _) = cands[r.below(cands.len() as u64) as usize];
                    let o = p.addr.octets();
                    NextHop {
                        address: Some(Ipv4Addr::new(o[0], o[1], o[2], r.range(2, 250) as u8)),
                        interface: Some(name.clone()),
                        weight,
                        next_hop_vrf: None,
                    }
                }
                _ if !cands.is_empty() => {
                    let (name, _, _) = cands[r.below(cands.len() as u64) as usize];
                    NextHop { address: None, interface: Some(name.clone()), weight, next_hop_vrf: None }
                }
                _ => continue,
            };
            if !via.iter().any(|v| v.address == hop.address && v.interface == hop.interface) {
                via.push(hop);
            }
        }
        if via.is_empty() {
            continue;
        }
        routes.push(Route { vrf, prefix: prefix([172, 16 + n as u8, third as u8, 0], 24), via });
    }

    // NAT44.
    let nat44 = if nat_on {
        let twice_pool = r.chance(30);
        let mut addresses: Vec<NatPoolAddress> = r
            .some(3, 1, 250)
            .into_iter()
            .map(|h| NatPoolAddress {
                address: Ipv4Addr::new(192, 168, 200, h as u8),
                vrf: r.pick(&[0, 0, 7]),
                twice_nat: false,
            })
            .collect();
        if twice_pool {
            addresses.push(NatPoolAddress { address: Ipv4Addr::new(192, 168, 201, 1), vrf: 0, twice_nat: true });
        }
        let mut static_mappings = Vec::new();
        for (n, port) in r.some(3, 1, 65535).into_iter().enumerate() {
            let lb = r.chance(50);
            let protocol = if lb {
                r.pick(&[L4Protocol::Tcp, L4Protocol::Udp])
            } else {
                r.pick(&[L4Protocol::Tcp, L4Protocol::Udp, L4Protocol::Icmp])
            };
            let external = SocketAddr4 { addr: Ipv4Addr::new(10, 96, n as u8, 10), port: port as u16 };
            let locals = if lb {
                let k = r.range(2, 3);
                let first = r.range(1, 50) as u8;
                let probs: Vec<u8> = if k == 2 { vec![first, 100 - first] } else { vec![first, 25, 75 - first] };
                probs
                    .into_iter()
                    .enumerate()
                    .map(|(j, p)| LocalEndpoint {
                        address: SocketAddr4 {
                            addr: Ipv4Addr::new(10, 1, n as u8, j as u8 + 1),
                            port: r.range(1, 65535) as u16,
                        },
                        probability: p,
                        vrf: if r.chance(20) { Some(r.pick(&[0, 7])) } else { None },
                    })
                    .collect()
            } else {
                vec![LocalEndpoint {
                    address: SocketAddr4 { addr: Ipv4Addr::new(10, 1, n as u8, 1), port: r.range(0, 65535) as u16 },
                    probability: 100,
                    vrf: None,
                }]
            };
            let (twice_nat, self_twice_nat) = match r.below(3) {
                0 if twice_pool => (true, false),
                1 if twice_pool => (false, true),
                _ => (false, false),
            };
            // some single-endpoint mappings are address-only (no protocol, no ports)
            let address_only = !lb && !twice_nat && !self_twice_nat && r.chance(25);
            let (protocol, external, mut locals) = (Some(protocol), external, locals);
            let (protocol, external) = if address_only {
                locals[0].address.port = 0;
                (None, SocketAddr4 { port: 0, ..external })
            } else {
                (protocol, external)
            };
            static_mappings.push(StaticMapping {
                protocol,
                external,
                vrf: if lb { 0 } else { r.pick(&[0, 0, 7]) },
                locals,
                twice_nat,
                self_twice_nat,
                out2in_only: r.chance(50),
            });
        }
        let identity_mappings = r
            .some(2, 1, 250)
            .into_iter()
            .map(|h| {
                let with_port = r.chance(50);
                IdentityMapping {
                    address: Ipv4Addr::new(192, 168, 50, h as u8),
                    protocol: with_port.then(|| r.pick(&[L4Protocol::Tcp, L4Protocol::Udp, L4Protocol::Icmp])),
                    port: with_port.then(|| r.range(1, 65535) as u16),
                    vrf: r.pick(&[0, 7]),
                }
            })
            .collect();
        let timeouts = if r.chance(50) {
            NatTimeouts::default()
        } else {
            NatTimeouts {
                udp: r.range(1, 1000) as u32,
                tcp_established: r.range(1, 10000) as u32,
                tcp_transitory: r.range(1, 1000) as u32,
                icmp: r.range(1, 1000) as u32,
            }
        };
        for i in ifs.iter_mut() {
            if i.kind == InterfaceKind::Vxlan || members_all.contains(&i.name) {
                continue;
            }
            i.nat = r.pick(&[NatRole::None, NatRole::Inside, NatRole::Outside, NatRole::InsideOutside]);
            i.nat_output_feature = i.nat == NatRole::Outside && r.chance(50);
        }
        Some(Nat44 {
            forwarding: r.chance(50),
            max_sessions: r.range(1, 1_000_000) as u32,
            addresses,
            static_mappings,
            identity_mappings,
            timeouts,
        })
    } else {
        None
    };

    // ACLs.
    let n_acl = r.range(0, 3) as usize;
    let explicit = r.chance(60);
    let indices = r.distinct(n_acl, 0, 8);
    let mut acls = Vec::new();
    for &ix in &indices {
        let mut rules = Vec::new();
        for _ in 0..r.range(0, 4) {
            let proto = r.pick(&[0u8, 1, 6, 17]);
            let net = |r: &mut Rng| {
                if r.chance(40) {
                    Ipv4Prefix::any()
                } else {
                    let len = r.range(8, 32) as u8;
                    let a = (r.next() as u32) & prefix_mask(len);
                    Ipv4Prefix::new(Ipv4Addr::from(a), len)
                }
            };
            let range = |r: &mut Rng| {
                if r.chance(50) {
                    PortRange::any()
                } else {
                    let lo = r.range(0, 65535) as u16;
                    let hi = r.range(u64::from(lo), 65535) as u16;
                    PortRange { lo, hi }
                }
            };
            let (sport, dport) =
                if proto == 0 { (PortRange::any(), PortRange::any()) } else { (range(&mut r), range(&mut r)) };
            let (tcp_flags_value, tcp_flags_mask) = if proto == 6 && r.chance(40) {
                let m = r.next() as u8;
                ((r.next() as u8) & m, m)
            } else {
                (0, 0)
            };
            rules.push(AclRule {
                action: r.pick(&[AclAction::Deny, AclAction::Permit, AclAction::PermitReflect]),
                src: net(&mut r),
                dst: net(&mut r),
                proto,
                sport,
                dport,
                tcp_flags_value,
                tcp_flags_mask,
            });
        }
        acls.push(Acl {
            index: explicit.then_some(ix as u32),
            tag: if r.chance(60) { r.word() } else { String::new() },
            rules,
        });
    }
    let defined: Vec<u32> = acls.iter().enumerate().map(|(p, a)| a.index.unwrap_or(p as u32)).collect();
    for i in &mut ifs {
        for list in [&mut i.acl_input, &mut i.acl_output] {
            let mut d = defined.clone();
            r.shuffle(&mut d);
            d.truncate(r.below(d.len() as u64 + 1) as usize);
            *list = d;
        }
    }
    let acl_timeouts = if r.chance(60) {
        AclTimeouts::default()
    } else {
        AclTimeouts {
            udp_idle: r.range(1, 1000) as u32,
            tcp_idle: r.range(1, 100_000) as u32,
            tcp_transient: r.range(1, 1000) as u32,
            max_sessions: r.range(1, 1_000_000) as u32,
        }
    };

    r.shuffle(&mut ifs);
    let mut cfg = NodeConfig {
        name: r.word(),
        interfaces: ifs,
        bridge_domains: bds,
        neighbors,
        routes,
        l2fib,
        nat44,
        acls,
        acl_timeouts,
    };
    if explicit {
        // With explicit indices the list order is free; without, positions are the indices.
        r.shuffle(&mut cfg.acls);
    }
    cfg
}

fn round_trip(seed: u64) {
    let cfg = generate(seed);
    if let Err(e) = render(&cfg) {
        panic!("seed {seed}: the generator made an invalid config: {e:#?}\n{cfg:#?}");
    }
    let limits = vpp::export_limitations(&cfg);
    assert!(limits.is_empty(), "seed {seed}: {limits:?}");
    let text = vpp::export(&cfg);
    let opts = VppOptions { ports: vpp::port_options(&cfg) };
    let back =
        vpp::parse(&text, Path::new("generated.vpp"), &opts).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
    let want = vpp::canonical(&cfg);
    assert_eq!(back.config, want, "seed {seed}\n{text}");
    assert_eq!(render(&back.config).unwrap(), render(&want).unwrap(), "seed {seed}");
    assert_eq!(vpp::export(&back.config), vpp::export(&want), "seed {seed}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
    #[test]
    fn native_vpp_native(seed in any::<u64>()) {
        round_trip(seed);
    }
}

#[test]
fn generator_covers_the_model() {
    // The generator reaches the interesting cases (so the property test is not vacuous).
    let cfgs: Vec<NodeConfig> = (0..300).map(generate).collect();
    let any = |f: &dyn Fn(&NodeConfig) -> bool| cfgs.iter().any(f);
    assert!(any(&|c| c.interfaces.iter().any(|i| i.kind == InterfaceKind::Vxlan)));
    assert!(any(&|c| c.interfaces.iter().any(|i| i.port.is_some())));
    assert!(any(&|c| c.interfaces.iter().any(|i| i.index.is_none())));
    assert!(any(&|c| c.interfaces.iter().any(|i| i.shg != 0)));
    assert!(any(&|c| c.interfaces.iter().any(|i| i.unnumbered.is_some())));
    assert!(any(&|c| c.interfaces.iter().any(|i| i.nat == NatRole::InsideOutside)));
    assert!(any(&|c| c.interfaces.iter().any(|i| i.nat_output_feature)));
    assert!(any(&|c| c.routes.iter().any(|r| r.via.len() > 1 && r.via.iter().any(|v| v.weight != 1))));
    assert!(any(&|c| c.routes.iter().any(|r| r.vrf == 7)));
    assert!(any(&|c| c.nat44.as_ref().is_some_and(|n| n.static_mappings.iter().any(|m| m.locals.len() > 2))));
    assert!(any(&|c| c.acls.iter().any(|a| a.rules.iter().any(|r| r.tcp_flags_mask != 0))));
    assert!(any(&|c| c.acls.iter().any(|a| a.index.is_none())));
    assert!(any(&|c| c.bridge_domains.len() == 2));
    // And gaps in sw_if_index, which need placeholder interfaces in the script.
    assert!(any(&|c| vpp::export(c).contains("delete loopback interface intfc")));
}
