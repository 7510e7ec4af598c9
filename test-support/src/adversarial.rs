//! The adversarial traffic model: a proptest strategy for random *valid* node configs
//! (every feature at once, small tables) and packets biased toward what a config holds
//! so lookups hit — with malformed headers, options, fragments, TTLs, junk and replies
//! to earlier output mixed in.

use crate::frames::*;
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use node_config::*;
use offload_tables::Tables;
use proptest::prelude::*;
use std::net::Ipv4Addr;

// ---- address plan -------------------------------------------------------------------

pub fn a(o: [u8; 4]) -> u32 {
    u32::from_be_bytes(o)
}
pub fn v4(x: u32) -> Ipv4Addr {
    Ipv4Addr::from(x)
}
pub fn mac(s: &str) -> MacAddr {
    s.parse().expect("mac literal")
}
pub fn uplink_addr(i: usize) -> u32 {
    a([192, 168, i as u8, 1])
}
pub fn uplink_nbrs(i: usize) -> [u32; 2] {
    [a([192, 168, i as u8, 2]), a([192, 168, i as u8, 254])]
}
pub fn pod(j: usize, k: usize) -> u32 {
    a([10, 1, j as u8, 2 + k as u8])
}
pub const REMOTE_PODS: [[u8; 4]; 2] = [[10, 2, 0, 4], [10, 2, 1, 5]];
pub const BVI_ADDR: [u8; 4] = [192, 168, 30, 1];
pub const REMOTE_BVI_ADDR: [u8; 4] = [192, 168, 30, 2];
pub const BVI_MAC: &str = "1a:2b:3c:4d:5e:01";
pub const REMOTE_BVI_MAC: &str = "1a:2b:3c:4d:5e:02";
pub const TWICE_POOL: [u8; 4] = [192, 168, 0, 100];
pub fn vip(k: usize) -> u32 {
    a([10, 96, 0, 10 + k as u8])
}

/// Every address a generated config may mention, and a few it never does.
pub fn universe() -> Vec<u32> {
    let mut u = Vec::new();
    for i in 0..3 {
        u.push(uplink_addr(i));
        u.extend(uplink_nbrs(i));
    }
    for j in 0..3 {
        u.extend([pod(j, 0), pod(j, 1)]);
    }
    u.extend(REMOTE_PODS.map(a));
    u.extend([a(BVI_ADDR), a(REMOTE_BVI_ADDR), a(TWICE_POOL)]);
    u.extend((0..3).map(vip));
    u.extend([a([10, 100, 0, 1]), a([10, 101, 5, 9]), a([172, 16, 1, 1]), a([8, 8, 8, 8]), a([10, 200, 3, 4])]);
    u
}

pub const PORTS: [u16; 10] = [22, 53, 80, 161, 179, 4789, 8080, 1024, 49710, 65535];

// ---- config knobs ---------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct BviKnob {
    pub vni: u32,
    pub learn: bool,
    pub flood: bool,
    pub uu_flood: bool,
    pub static_remote: bool,
    /// The last tap (when there are two or more) becomes a bridge port.
    pub l2_tap: bool,
}

#[derive(Debug, Clone)]
pub enum PathKnob {
    Attached { iface: u8, nbr: u8, with_addr: bool, weight: u8 },
    Recursive { nbr: u8, weight: u8 },
}

#[derive(Debug, Clone)]
pub struct RouteKnob {
    pub vrf7: bool,
    pub kind: u8,
    pub sub: u8,
    pub paths: Vec<PathKnob>,
}

#[derive(Debug, Clone)]
pub struct RuleKnob {
    pub action: u8,
    pub src: (u8, u8),
    pub dst: (u8, u8),
    pub proto: u8,
    pub sport: Option<(u16, u16)>,
    pub dport: Option<(u16, u16)>,
    pub flags: Option<(u8, u8)>,
}

#[derive(Debug, Clone)]
pub struct MapKnob {
    pub proto: u8,
    pub vip: u8,
    pub port: u16,
    pub locals: Vec<(u8, u16, u8)>,
    pub twice: u8,
    pub out2in_only: bool,
    pub vrf7: bool,
}

#[derive(Debug, Clone)]
pub struct NatKnob {
    pub roles: Vec<u8>,
    pub output_feature: Vec<bool>,
    pub forwarding: bool,
    pub max_sessions: u32,
    pub twice_pool: bool,
    pub mappings: Vec<MapKnob>,
    pub identities: Vec<(u8, Option<(u8, u16)>)>,
}

#[derive(Debug, Clone)]
pub struct Knobs {
    pub n_uplinks: usize,
    pub n_taps: usize,
    pub pods_per_tap: Vec<usize>,
    /// Per interface slot (uplinks, taps, loop0): in VRF 7 instead of 0.
    pub vrf7: Vec<bool>,
    pub down: Vec<bool>,
    pub small_mtu: Vec<bool>,
    pub bvi: Option<BviKnob>,
    pub pod_routes: Vec<bool>,
    pub routes: Vec<RouteKnob>,
    pub acls: Vec<Vec<RuleKnob>>,
    /// Per ACL: end with a permit (or permit+reflect) of anything.
    pub acl_tails: Vec<Option<bool>>,
    pub bindings: Vec<(u8, bool, u8)>,
    pub nat: Option<NatKnob>,
    pub short_timeouts: Option<[u32; 7]>,
    pub acl_max_sessions: u32,
}

fn rare(p: f64) -> BoxedStrategy<bool> {
    proptest::bool::weighted(p).boxed()
}

fn path_knob() -> impl Strategy<Value = PathKnob> {
    prop_oneof![
        (any::<u8>(), any::<u8>(), rare(0.85), 1u8..=4)
            .prop_map(|(iface, nbr, with_addr, weight)| PathKnob::Attached { iface, nbr, with_addr, weight }),
        (any::<u8>(), 1u8..=4).prop_map(|(nbr, weight)| PathKnob::Recursive { nbr, weight }),
    ]
}

fn route_knob() -> impl Strategy<Value = RouteKnob> {
    let paths =
        prop_oneof![3 => prop::collection::vec(path_knob(), 1..=1), 1 => prop::collection::vec(path_knob(), 2..=4)];
    (rare(0.3), prop_oneof![1 => Just(0u8), 2 => 1u8..6], any::<u8>(), paths)
        .prop_map(|(vrf7, kind, sub, paths)| RouteKnob { vrf7, kind, sub, paths })
}

fn port_range() -> impl Strategy<Value = (u16, u16)> {
    prop_oneof![
        (0usize..PORTS.len()).prop_map(|i| (PORTS[i], PORTS[i])),
        (0usize..PORTS.len(), 0usize..PORTS.len()).prop_map(|(i, j)| (PORTS[i].min(PORTS[j]), PORTS[i].max(PORTS[j]))),
        (any::<u16>(), any::<u16>()).prop_map(|(x, y)| (x.min(y), x.max(y))),
        (0u16..16, 0u16..16).prop_map(|(x, y)| (x.min(y), x.max(y))),
    ]
}

fn rule_knob() -> impl Strategy<Value = RuleKnob> {
    (
        0u8..3,
        (any::<u8>(), 0u8..5),
        (any::<u8>(), 0u8..5),
        prop::sample::select(vec![0u8, 1, 6, 17, 47]),
        prop::option::weighted(0.4, port_range()),
        prop::option::weighted(0.5, port_range()),
        prop::option::weighted(0.3, (any::<u8>(), any::<u8>())),
    )
        .prop_map(|(action, src, dst, proto, sport, dport, flags)| RuleKnob {
            action,
            src,
            dst,
            proto,
            sport,
            dport,
            flags,
        })
}

fn map_knob() -> impl Strategy<Value = MapKnob> {
    (
        prop::sample::select(vec![6u8, 6, 17, 17, 1]),
        0u8..3,
        prop_oneof![(0usize..PORTS.len()).prop_map(|i| PORTS[i]), any::<u16>()],
        prop::collection::vec(
            (any::<u8>(), prop_oneof![(0usize..PORTS.len()).prop_map(|i| PORTS[i]), any::<u16>()], 1u8..=10),
            1..=3,
        ),
        prop::sample::select(vec![0u8, 0, 0, 1, 2]),
        any::<bool>(),
        rare(0.2),
    )
        .prop_map(|(proto, vip, port, locals, twice, out2in_only, vrf7)| MapKnob {
            proto,
            vip,
            port,
            locals,
            twice,
            out2in_only,
            vrf7,
        })
}

fn nat_knob() -> impl Strategy<Value = NatKnob> {
    (
        prop::collection::vec(0u8..4, 8),
        prop::collection::vec(rare(0.3), 8),
        any::<bool>(),
        prop_oneof![1 => 1u32..=4, 3 => 8u32..=64],
        rare(0.3),
        prop::collection::vec(map_knob(), 0..=3),
        prop::collection::vec(
            (0u8..3, prop::option::of((prop::sample::select(vec![1u8, 6, 17]), any::<u16>()))),
            0..=2,
        ),
    )
        .prop_map(|(roles, output_feature, forwarding, max_sessions, twice_pool, mappings, identities)| NatKnob {
            roles,
            output_feature,
            forwarding,
            max_sessions,
            twice_pool,
            mappings,
            identities,
        })
}

fn bvi_knob() -> impl Strategy<Value = BviKnob> {
    (1u32..=0x00ff_ffff, any::<bool>(), rare(0.8), rare(0.8), rare(0.7), rare(0.3)).prop_map(
        |(vni, learn, flood, uu_flood, static_remote, l2_tap)| BviKnob {
            vni,
            learn,
            flood,
            uu_flood,
            static_remote,
            l2_tap,
        },
    )
}

pub fn knobs() -> impl Strategy<Value = Knobs> {
    (
        (1usize..=3, 1usize..=3, prop::collection::vec(1usize..=2, 3)),
        (
            prop::collection::vec(rare(0.3), 8),
            prop::collection::vec(rare(0.05), 8),
            prop::collection::vec(rare(0.05), 8),
        ),
        prop::option::weighted(0.6, bvi_knob()),
        prop::collection::vec(any::<bool>(), 6),
        prop::collection::vec(route_knob(), 0..=6),
        prop::collection::vec(prop::collection::vec(rule_knob(), 1..=5), 0..=3),
        (
            prop::collection::vec((any::<u8>(), any::<bool>(), any::<u8>()), 0..=6),
            prop::collection::vec(prop::option::weighted(0.7, any::<bool>()), 3),
        ),
        prop::option::weighted(0.7, nat_knob()),
        prop::option::weighted(0.3, prop::array::uniform7(1u32..=5)),
        4u32..=64,
    )
        .prop_map(
            |(
                (n_uplinks, n_taps, pods_per_tap),
                (vrf7, down, small_mtu),
                bvi,
                pod_routes,
                routes,
                acls,
                (bindings, acl_tails),
                nat,
                short_timeouts,
                acl_max_sessions,
            )| Knobs {
                n_uplinks,
                n_taps,
                pods_per_tap,
                vrf7,
                down,
                small_mtu,
                bvi,
                pod_routes,
                routes,
                acls,
                acl_tails,
                bindings,
                nat,
                short_timeouts,
                acl_max_sessions,
            },
        )
}

// ---- building a config from knobs ---------------------------------------------------

/// The VXLAN tunnel of a scenario, as seen from the wire.
#[derive(Debug, Clone, Copy)]
pub struct TunnelInfo {
    pub uplink_sw: u16,
    pub uplink_mac: [u8; 6],
    pub local: u32,
    pub remote: u32,
    pub remote_mac: [u8; 6],
    pub vni: u32,
}

/// A rendered config and what packets need to know about it.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub cfg: NodeConfig,
    pub tables: Tables,
    /// (sw_if_index, mac) of every interface.
    pub ifaces: Vec<(u16, [u8; 6])>,
    pub tunnel: Option<TunnelInfo>,
    pub addrs: Vec<u32>,
    pub ports: Vec<u16>,
}

struct Nbr {
    iface: String,
    ip: u32,
    vrf: u32,
}

fn prefix(addr: u32, len: u8) -> Ipv4Prefix {
    Ipv4Prefix::new(v4(addr & prefix_mask(len)), len)
}

fn iface(name: &str, kind: InterfaceKind, mac_text: Option<&str>) -> Interface {
    Interface { mac: mac_text.map(mac), mtu: 1500, ..Interface::new(name, kind) }
}

pub fn build_config(k: &Knobs) -> NodeConfig {
    let mut cfg = NodeConfig { name: "prop".into(), ..NodeConfig::default() };
    let mut nbrs: Vec<Nbr> = Vec::new();
    let vrf_of = |slot: usize| if k.vrf7[slot] { 7 } else { 0 };
    let l2_tap = k.bvi.as_ref().is_some_and(|b| b.l2_tap) && k.n_taps >= 2;
    // Uplinks: slots 0..3.
    for i in 0..k.n_uplinks {
        let mut ifc = iface(&format!("eth{i}"), InterfaceKind::Uplink, Some(&format!("08:00:27:00:0{i}:01")));
        ifc.addresses = vec![Ipv4Prefix::new(v4(uplink_addr(i)), 24)];
        ifc.vrf = if i == 0 { 0 } else { vrf_of(i) };
        for (n, ip) in uplink_nbrs(i).into_iter().enumerate() {
            cfg.neighbors.push(Neighbor {
                interface: ifc.name.clone(),
                ip: v4(ip),
                mac: mac(&format!("08:00:27:0{i}:00:{:02x}", [2, 0xfe][n])),
            });
            nbrs.push(Nbr { iface: ifc.name.clone(), ip, vrf: ifc.vrf });
        }
        cfg.interfaces.push(ifc);
    }
    // Taps: slots 3..6.
    for j in 0..k.n_taps {
        let mut ifc = iface(&format!("tap{j}"), InterfaceKind::Tap, Some(&format!("02:fe:00:00:00:0{j}")));
        ifc.vrf = vrf_of(3 + j);
        ifc.mtu = 1450;
        let is_l2 = l2_tap && j == k.n_taps - 1;
        if !is_l2 {
            for p in 0..k.pods_per_tap[j] {
                cfg.neighbors.push(Neighbor {
                    interface: ifc.name.clone(),
                    ip: v4(pod(j, p)),
                    mac: mac(&format!("00:00:00:00:0{j}:0{}", p + 2)),
                });
                nbrs.push(Nbr { iface: ifc.name.clone(), ip: pod(j, p), vrf: ifc.vrf });
                if k.pod_routes[j * 2 + p] {
                    cfg.routes.push(Route {
                        vrf: ifc.vrf,
                        prefix: Ipv4Prefix::new(v4(pod(j, p)), 32),
                        via: vec![NextHop {
                            address: Some(v4(pod(j, p))),
                            interface: Some(ifc.name.clone()),
                            weight: 1,
                            next_hop_vrf: None,
                        }],
                    });
                }
            }
        }
        cfg.interfaces.push(ifc);
    }
    // BVI, bridge domain and VXLAN tunnel: slot 6 is loop0.
    if let Some(b) = &k.bvi {
        let mut lo = iface("loop0", InterfaceKind::Loopback, Some(BVI_MAC));
        lo.addresses = vec![Ipv4Prefix::new(v4(a(BVI_ADDR)), 24)];
        lo.vrf = vrf_of(6);
        lo.mtu = 1450;
        cfg.neighbors.push(Neighbor {
            interface: "loop0".into(),
            ip: v4(a(REMOTE_BVI_ADDR)),
            mac: mac(REMOTE_BVI_MAC),
        });
        nbrs.push(Nbr { iface: "loop0".into(), ip: a(REMOTE_BVI_ADDR), vrf: lo.vrf });
        cfg.interfaces.push(lo);
        let mut vx = iface("vxlan_tunnel0", InterfaceKind::Vxlan, None);
        vx.vxlan = Some(VxlanTunnel { src: v4(uplink_addr(0)), dst: v4(uplink_nbrs(0)[0]), vni: b.vni, encap_vrf: 0 });
        cfg.interfaces.push(vx);
        let mut members = vec!["vxlan_tunnel0".to_string()];
        if l2_tap {
            members.push(format!("tap{}", k.n_taps - 1));
        }
        cfg.bridge_domains.push(BridgeDomain {
            id: 1,
            members,
            bvi: Some("loop0".into()),
            learn: b.learn,
            forward: true,
            flood: b.flood,
            uu_flood: b.uu_flood,
            arp_term: false,
        });
        if b.static_remote {
            cfg.l2fib.push(StaticL2Fib {
                bd: 1,
                mac: mac(REMOTE_BVI_MAC),
                interface: "vxlan_tunnel0".into(),
                static_entry: true,
            });
        }
    }
    for (n, i) in cfg.interfaces.iter_mut().enumerate() {
        i.up = !k.down[n % 8];
        if k.small_mtu[n % 8] {
            i.mtu = 96;
        }
    }
    // L3 interfaces routes may point at.
    let l3: Vec<String> = cfg
        .interfaces
        .iter()
        .filter(|i| i.kind != InterfaceKind::Vxlan)
        .filter(|i| !(l2_tap && i.name == format!("tap{}", k.n_taps - 1)))
        .map(|i| i.name.clone())
        .collect();
    let mut seen: std::collections::HashSet<(u32, u32, u8)> =
        cfg.routes.iter().map(|r| (r.vrf, u32::from(r.prefix.addr), r.prefix.len)).collect();
    for r in &k.routes {
        let s = u32::from(r.sub);
        let p = match r.kind {
            0 => prefix(0, 0),
            1 => prefix(a([10, 100 + (s % 4) as u8, 0, 0]), 16),
            2 => prefix(a([10, 100 + (s % 4) as u8, ((s / 4) % 8) as u8, 0]), 24),
            3 => prefix(a([172, 16, (s % 4) as u8, 0]), 24),
            4 => prefix(a([10, 2, 0, 0]), 16),
            _ => prefix(a([8, 8, (s % 4) as u8, 0]), 24),
        };
        let vrf = if r.vrf7 { 7 } else { 0 };
        if !seen.insert((vrf, u32::from(p.addr), p.len)) {
            continue;
        }
        let via = r
            .paths
            .iter()
            .map(|pk| match *pk {
                PathKnob::Attached { iface, nbr, with_addr, weight } => {
                    let name = &l3[usize::from(iface) % l3.len()];
                    let mine: Vec<&Nbr> = nbrs.iter().filter(|n| &n.iface == name).collect();
                    let address = (with_addr && !mine.is_empty()).then(|| v4(mine[usize::from(nbr) % mine.len()].ip));
                    NextHop { address, interface: Some(name.clone()), weight, next_hop_vrf: None }
                }
                PathKnob::Recursive { nbr, weight } => {
                    let n = &nbrs[usize::from(nbr) % nbrs.len()];
                    NextHop {
                        address: Some(v4(n.ip)),
                        interface: None,
                        weight,
                        next_hop_vrf: (n.vrf != vrf).then_some(n.vrf),
                    }
                }
            })
            .collect();
        cfg.routes.push(Route { vrf, prefix: p, via });
    }
    // ACLs, created in order (index = position), bound to random interfaces.
    let uni = universe();
    const LENS: [u8; 5] = [0, 8, 16, 24, 32];
    for (n, rules) in k.acls.iter().enumerate() {
        let mut rules: Vec<AclRule> = rules
            .iter()
            .map(|r| {
                let action = [AclAction::Deny, AclAction::Permit, AclAction::PermitReflect][usize::from(r.action)];
                let pfx = |(i, l): (u8, u8)| prefix(uni[usize::from(i) % uni.len()], LENS[usize::from(l)]);
                let range = |o: Option<(u16, u16)>| match o {
                    // ranges only where the config takes them (protocol 47's rules match
                    // on addresses, protocol and the L4 bytes being there)
                    Some((lo, hi)) if matches!(r.proto, 1 | 6 | 17) => PortRange { lo, hi },
                    _ => PortRange::any(),
                };
                let (tcp_flags_value, tcp_flags_mask) = match r.flags {
                    Some((v, m)) if r.proto == 6 => (v & m, m),
                    _ => (0, 0),
                };
                AclRule {
                    action,
                    src: pfx(r.src),
                    dst: pfx(r.dst),
                    proto: r.proto,
                    sport: range(r.sport),
                    dport: range(r.dport),
                    tcp_flags_value,
                    tcp_flags_mask,
                }
            })
            .collect();
        if let Some(reflect) = k.acl_tails[n] {
            rules.push(AclRule {
                action: if reflect { AclAction::PermitReflect } else { AclAction::Permit },
                src: Ipv4Prefix::any(),
                dst: Ipv4Prefix::any(),
                proto: 0,
                sport: PortRange::any(),
                dport: PortRange::any(),
                tcp_flags_value: 0,
                tcp_flags_mask: 0,
            });
        }
        cfg.acls.push(Acl { index: None, tag: String::new(), rules });
    }
    if !k.acls.is_empty() {
        let n_if = cfg.interfaces.len();
        for &(slot, input, acl) in &k.bindings {
            let i = &mut cfg.interfaces[usize::from(slot) % n_if];
            let acl = u32::from(acl) % k.acls.len() as u32;
            if input {
                i.acl_input.push(acl);
            } else {
                i.acl_output.push(acl);
            }
        }
    }
    // NAT44.
    if let Some(nk) = &k.nat {
        for (n, i) in cfg.interfaces.iter_mut().enumerate() {
            i.nat =
                [NatRole::None, NatRole::Inside, NatRole::Outside, NatRole::InsideOutside][usize::from(nk.roles[n])];
            i.nat_output_feature = i.nat == NatRole::Outside && nk.output_feature[n];
        }
        let mut addresses = vec![NatPoolAddress { address: v4(uplink_addr(0)), vrf: 0, twice_nat: false }];
        if nk.twice_pool {
            addresses.push(NatPoolAddress { address: v4(a(TWICE_POOL)), vrf: 0, twice_nat: true });
        }
        let mut endpoints: Vec<u32> = nbrs.iter().filter(|n| n.iface.starts_with("tap")).map(|n| n.ip).collect();
        endpoints.extend(REMOTE_PODS.map(a));
        let mut externals = std::collections::HashSet::new();
        let mut static_mappings = Vec::new();
        for m in &nk.mappings {
            let protocol = match m.proto {
                6 => L4Protocol::Tcp,
                17 => L4Protocol::Udp,
                _ => L4Protocol::Icmp,
            };
            let port = if protocol == L4Protocol::Icmp { m.port } else { m.port.max(1) };
            let vrf = if m.vrf7 { 7 } else { 0 };
            if !externals.insert((vrf, m.proto, vip(usize::from(m.vip)), port)) {
                continue;
            }
            let mut locals: Vec<LocalEndpoint> = Vec::new();
            for &(e, p, _) in &m.locals {
                let address = SocketAddr4 { addr: v4(endpoints[usize::from(e) % endpoints.len()]), port: p.max(1) };
                if !locals.iter().any(|l| l.address == address) {
                    locals.push(LocalEndpoint { address, probability: 100, vrf: None });
                }
            }
            if locals.len() > 1 {
                let w: Vec<u32> = m.locals.iter().take(locals.len()).map(|l| u32::from(l.2)).collect();
                let sum: u32 = w.iter().sum();
                let mut pct: Vec<u32> = w.iter().map(|x| x * 100 / sum).collect();
                pct[0] += 100 - pct.iter().sum::<u32>();
                for (l, p) in locals.iter_mut().zip(pct) {
                    l.probability = p as u8;
                }
            }
            let twice = nk.twice_pool && m.twice == 1;
            let self_twice = nk.twice_pool && m.twice == 2;
            static_mappings.push(StaticMapping {
                protocol: Some(protocol),
                external: SocketAddr4 { addr: v4(vip(usize::from(m.vip))), port },
                vrf,
                locals,
                twice_nat: twice,
                self_twice_nat: self_twice,
                out2in_only: m.out2in_only,
            });
        }
        let mut identity_mappings = Vec::new();
        for &(i, pp) in &nk.identities {
            let address = uplink_addr(usize::from(i) % k.n_uplinks);
            let (protocol, port, key) = match pp {
                Some((p, port)) => {
                    let proto = match p {
                        6 => L4Protocol::Tcp,
                        17 => L4Protocol::Udp,
                        _ => L4Protocol::Icmp,
                    };
                    (Some(proto), Some(port), (0, p, address, port))
                }
                None => (None, None, (0, 0, address, 0)),
            };
            if externals.insert(key) {
                identity_mappings.push(IdentityMapping { address: v4(address), protocol, port, vrf: 0 });
            }
        }
        let timeouts = match k.short_timeouts {
            Some(t) => NatTimeouts { udp: t[0], tcp_established: t[1], tcp_transitory: t[2], icmp: t[3] },
            None => NatTimeouts::default(),
        };
        cfg.nat44 = Some(Nat44 {
            forwarding: nk.forwarding,
            max_sessions: nk.max_sessions,
            addresses,
            static_mappings,
            identity_mappings,
            timeouts,
        });
    }
    cfg.acl_timeouts = match k.short_timeouts {
        Some(t) => {
            AclTimeouts { udp_idle: t[4], tcp_idle: t[5], tcp_transient: t[6], max_sessions: k.acl_max_sessions }
        }
        None => AclTimeouts { max_sessions: k.acl_max_sessions, ..AclTimeouts::default() },
    };
    cfg
}

/// Renders `cfg`; the generator only makes valid configs, so a failure is a bug in
/// the generator or in `render`.
pub fn scenario_of(cfg: NodeConfig) -> Scenario {
    let tables =
        node_config::render(&cfg).unwrap_or_else(|e| panic!("generated config does not render: {e:#?}\n{cfg:#?}"));
    let ifaces: Vec<(u16, [u8; 6])> = cfg
        .interfaces
        .iter()
        .map(|i| (tables.names.sw_if_index(&i.name).expect("rendered"), i.mac.unwrap_or_default().0))
        .collect();
    let tunnel = cfg.interfaces.iter().find_map(|i| i.vxlan.as_ref()).map(|v| {
        let up = &cfg.interfaces[0];
        TunnelInfo {
            uplink_sw: tables.names.sw_if_index(&up.name).expect("uplink"),
            uplink_mac: up.mac.expect("uplink mac").0,
            local: u32::from(v.src),
            remote: u32::from(v.dst),
            remote_mac: mac(REMOTE_BVI_MAC).0,
            vni: v.vni,
        }
    });
    let mut ports: Vec<u16> = PORTS.to_vec();
    if let Some(n) = &cfg.nat44 {
        for m in &n.static_mappings {
            ports.push(m.external.port);
            ports.extend(m.locals.iter().map(|l| l.address.port));
        }
    }
    Scenario { cfg, tables, ifaces, tunnel, addrs: universe(), ports }
}

pub fn scenario() -> impl Strategy<Value = Scenario> {
    knobs().prop_map(|k| scenario_of(build_config(&k)))
}

/// A VXLAN frame from the tunnel's remote end to this node, carrying `inner`.
pub fn vxlan_frame(t: &TunnelInfo, vni: u32, flags: u8, sport: u16, inner: &[u8]) -> Vec<u8> {
    let mut udp_payload = vec![flags, 0, 0, 0, (vni >> 16) as u8, (vni >> 8) as u8, vni as u8, 0];
    udp_payload.extend(inner);
    let ip = Ip4Spec {
        src: t.remote,
        dst: t.local,
        ttl: 254,
        ident: 0,
        options_words: 0,
        frag: Frag::None,
        l4: L4::Udp { sport, dport: 4789, zero_csum: true },
        payload: udp_payload,
    };
    ethernet(t.uplink_mac, mac("08:00:27:00:00:02").0, 0x0800, &ip.bytes())
}

#[derive(Debug, Clone)]
pub struct PktKnob {
    pub rx: u8,
    pub encap: bool,
    pub inner_dmac: u8,
    pub src: (bool, u8, u32),
    pub dst: (bool, u8, u32),
    pub proto: u8,
    pub sport: (bool, u8, u16),
    pub dport: (bool, u8, u16),
    pub tcp_flags: u8,
    pub ttl: u8,
    pub options_words: u8,
    pub frag: u8,
    pub frag_off: u16,
    pub payload: Vec<u8>,
    pub udp_zero_csum: bool,
    pub not_ip: bool,
    pub ident: u16,
    /// Build a reply to an earlier output instead (index into the outputs so far).
    pub reply_to: Option<u8>,
    /// Nanoseconds since the previous packet.
    pub gap_ns: u64,
}

pub fn pkt_knob() -> impl Strategy<Value = PktKnob> {
    let addr = (rare(0.1), any::<u8>(), any::<u32>());
    let port = (rare(0.2), any::<u8>(), any::<u16>());
    (
        (any::<u8>(), rare(0.3), 0u8..4, addr.clone(), addr),
        (0u8..8, port.clone(), port, prop::sample::select(vec![0x02u8, 0x12, 0x10, 0x11, 0x04, 0x18, 0x00, 0xff])),
        (
            prop_oneof![
                6 => Just(64u8),
                1 => Just(0u8),
                2 => Just(1u8),
                1 => Just(2u8),
                1 => Just(255u8),
                1 => any::<u8>(),
            ],
            prop_oneof![5 => Just(0u8), 1 => 1u8..=10],
            prop_oneof![8 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
            1u16..200,
        ),
        (prop::collection::vec(any::<u8>(), 0..48), rare(0.2), rare(0.03), any::<u16>()),
        (prop::option::weighted(0.45, any::<u8>()), 0u64..2_000_000_000),
    )
        .prop_map(
            |(
                (rx, encap, inner_dmac, src, dst),
                (proto, sport, dport, tcp_flags),
                (ttl, options_words, frag, frag_off),
                (payload, udp_zero_csum, not_ip, ident),
                (reply_to, gap_ns),
            )| PktKnob {
                rx,
                encap,
                inner_dmac,
                src,
                dst,
                proto,
                sport,
                dport,
                tcp_flags,
                ttl,
                options_words,
                frag,
                frag_off,
                payload,
                udp_zero_csum,
                not_ip,
                ident,
                reply_to,
                gap_ns,
            },
        )
}

/// Builds the frame a knob describes: `(rx sw_if_index, frame)`. `outputs` are the
/// frames transmitted so far, for replies.
pub fn build_packet(s: &Scenario, k: &PktKnob, outputs: &[(u16, Vec<u8>)]) -> (u16, Vec<u8>) {
    if let Some(i) = k.reply_to {
        if !outputs.is_empty() {
            let (tx, frame) = &outputs[usize::from(i) % outputs.len()];
            if let Some(r) = reply_frame(s, *tx, frame) {
                return r;
            }
        }
    }
    let pick_addr = |(random, i, r): (bool, u8, u32)| if random { r } else { s.addrs[usize::from(i) % s.addrs.len()] };
    let pick_port = |(random, i, r): (bool, u8, u16)| if random { r } else { s.ports[usize::from(i) % s.ports.len()] };
    let (src, dst) = (pick_addr(k.src), pick_addr(k.dst));
    let (sport, dport) = (pick_port(k.sport), pick_port(k.dport));
    let l4 = match k.proto {
        0 | 1 => L4::Tcp { sport, dport, flags: k.tcp_flags, seq: u32::from(k.ident) << 8 },
        2 | 3 => L4::Udp { sport, dport, zero_csum: k.udp_zero_csum },
        4 => L4::Icmp { ty: 8, code: 0, ident: sport, seq: k.ident },
        5 => L4::Icmp { ty: 0, code: 0, ident: sport, seq: k.ident },
        6 => L4::Icmp { ty: 3, code: (k.ident % 16) as u8, ident: 0, seq: 0 },
        _ => L4::Other([47u8, 132, 89][usize::from(k.ident % 3)]),
    };
    let frag = match k.frag {
        0 => Frag::None,
        1 => Frag::First,
        _ => Frag::NonFirst(k.frag_off, k.ident & 1 == 0),
    };
    let ip = Ip4Spec {
        src,
        dst,
        ttl: k.ttl,
        ident: k.ident,
        options_words: k.options_words,
        frag,
        l4,
        payload: k.payload.clone(),
    };
    let (ethertype, l3) = if k.not_ip { (0x0806, k.payload.clone()) } else { (0x0800, ip.bytes()) };
    match (&s.tunnel, k.encap) {
        (Some(t), true) => {
            let dmac = match k.inner_dmac {
                0 => mac(BVI_MAC).0,
                1 => [0xff; 6],
                2 => t.remote_mac,
                _ => [0x02, 0x11, 0x22, 0x33, 0x44, k.ident as u8],
            };
            let inner = ethernet(dmac, t.remote_mac, ethertype, &l3);
            (t.uplink_sw, vxlan_frame(t, t.vni, 0x08, 1024 + k.ident % 60000, &inner))
        }
        _ => {
            let (sw, m) = s.ifaces[usize::from(k.rx) % s.ifaces.len()];
            let dmac = if k.inner_dmac == 1 { [0xff; 6] } else { m };
            let mut f = ethernet(dmac, [0x02, 0xaa, 0, 0, 0, k.rx], ethertype, &l3);
            // some short frames come padded to Ethernet's minimum, as a wire delivers them
            if k.ident.is_multiple_of(4) && f.len() < 60 {
                f.resize(60, 0xa5);
            }
            (sw, f)
        }
    }
}

/// A reply to a frame that left by `tx`: addresses, ports and MACs swapped, received on
/// `tx` (inside a VXLAN frame from the tunnel's remote end if the frame was encapsulated).
pub fn reply_frame(s: &Scenario, tx: u16, frame: &[u8]) -> Option<(u16, Vec<u8>)> {
    if let Some(t) = &s.tunnel {
        if is_vxlan_to(frame, t) {
            let inner = reply_inner(&frame[50..])?;
            return Some((t.uplink_sw, vxlan_frame(t, t.vni, 0x08, 4242, &inner)));
        }
    }
    Some((tx, reply_inner(frame)?))
}

/// An ICMP error about a frame that left by `tx` (port unreachable, or time exceeded when
/// `time_exceeded`), from the frame's destination back to its source, quoting its IPv4
/// header and the first 8 bytes after it; inside a VXLAN frame if the frame was
/// encapsulated. What NAT must translate back by the flow's session.
pub fn error_reply_frame(s: &Scenario, tx: u16, frame: &[u8], time_exceeded: bool) -> Option<(u16, Vec<u8>)> {
    if let Some(t) = &s.tunnel {
        if is_vxlan_to(frame, t) {
            let inner = error_inner(&frame[50..], time_exceeded)?;
            return Some((t.uplink_sw, vxlan_frame(t, t.vni, 0x08, 4242, &inner)));
        }
    }
    Some((tx, error_inner(frame, time_exceeded)?))
}

fn error_inner(frame: &[u8], time_exceeded: bool) -> Option<Vec<u8>> {
    let p = SlicedPacket::from_ethernet(frame).ok()?;
    let Some(NetSlice::Ipv4(ip)) = &p.net else { return None };
    let h = ip.header();
    let quoted_len = (usize::from(h.ihl()) * 4 + 8).min(usize::from(h.total_len()));
    let quoted = frame.get(14..14 + quoted_len)?.to_vec();
    let (ty, code) = if time_exceeded { (11, 0) } else { (3, 3) };
    let spec = Ip4Spec {
        src: u32::from_be_bytes(h.destination()),
        dst: u32::from_be_bytes(h.source()),
        ttl: 64,
        ident: 2,
        options_words: 0,
        frag: Frag::None,
        l4: L4::Icmp { ty, code, ident: 0, seq: 0 },
        payload: quoted,
    };
    let f = &frame[..14];
    Some(ethernet(f[6..12].try_into().ok()?, f[0..6].try_into().ok()?, 0x0800, &spec.bytes()))
}

pub fn is_vxlan_to(frame: &[u8], t: &TunnelInfo) -> bool {
    frame.len() >= 64
        && frame[12..14] == [0x08, 0x00]
        && frame[23] == 17
        && frame[26..30] == t.local.to_be_bytes()
        && frame[30..34] == t.remote.to_be_bytes()
        && frame[36..38] == 4789u16.to_be_bytes()
}

fn reply_inner(frame: &[u8]) -> Option<Vec<u8>> {
    let p = SlicedPacket::from_ethernet(frame).ok()?;
    let Some(NetSlice::Ipv4(ip)) = &p.net else { return None };
    let h = ip.header();
    let (src, dst) = (u32::from_be_bytes(h.destination()), u32::from_be_bytes(h.source()));
    let (l4, payload) = match &p.transport {
        Some(TransportSlice::Tcp(t)) => {
            let flags = if t.syn() && !t.ack() { 0x12 } else { 0x10 };
            (L4::Tcp { sport: t.destination_port(), dport: t.source_port(), flags, seq: 7 }, t.payload().to_vec())
        }
        Some(TransportSlice::Udp(u)) => (
            L4::Udp { sport: u.destination_port(), dport: u.source_port(), zero_csum: u.checksum() == 0 },
            u.payload().to_vec(),
        ),
        Some(TransportSlice::Icmpv4(i)) if i.type_u8() == 8 => {
            let b = i.bytes5to8();
            (
                L4::Icmp {
                    ty: 0,
                    code: 0,
                    ident: u16::from_be_bytes([b[0], b[1]]),
                    seq: u16::from_be_bytes([b[2], b[3]]),
                },
                i.payload().to_vec(),
            )
        }
        _ => return None,
    };
    let spec = Ip4Spec { src, dst, ttl: 64, ident: 1, options_words: 0, frag: Frag::None, l4, payload };
    let f = &frame[..14];
    Some(ethernet(f[6..12].try_into().ok()?, f[0..6].try_into().ok()?, 0x0800, &spec.bytes()))
}
