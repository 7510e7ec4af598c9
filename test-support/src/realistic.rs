//! A Kubernetes node and traffic that looks like a node's, for the co-simulation's
//! realistic model (beside the adversarial one in `adversarial`).
//!
//! **The node** (`k8s_node`): Contiv-VPP's shape, as the seed's — an uplink (NAT outside,
//! as an output feature, pool = the node's address), a BVI in a bridge domain with VXLAN
//! tunnels to the other nodes, the node's pods on TAPs (NAT inside-outside), services as
//! load-balancing static mappings with 2–8 endpoints on this and other nodes, routes to
//! the other nodes' pod subnets through their BVIs, and a few hundred external routes of
//! every prefix length /8–/32, some ECMP; ACLs: reflexive on input, an egress policy and
//! a pod-ingress policy. Sizes follow the simulated NIC's tables (`sim` builds the RTL
//! with larger tables than its defaults); ACL lists stay within its 32 rules matched in
//! parallel.
//!
//! **The traffic** (`NodeTraffic`): TCP connections that open (SYN, SYN-ACK, ACK), carry a
//! request and a response of a size drawn from the web-search workload of the DCTCP paper
//! (Alizadeh et al., "Data Center TCP (DCTCP)", SIGCOMM 2010, fig. 3; the CDF as the pFabric
//! paper's simulations tabulate it, Alizadeh et al., SIGCOMM 2013), in MSS-sized segments (the pods' MTU 1450 less headers)
//! with a delayed ACK every second segment, and close (FIN both ways); DNS-like UDP
//! query/response pairs to the cluster DNS service beside them; many connections
//! interleaved. Clients are local pods (to services, to remote pods, to the internet
//! through SNAT) and remote pods (to local pods, through the overlay). Frames shorter than
//! 60 bytes are padded as a wire pads them. Time advances in real units — microseconds
//! between packets, and now and then an idle gap of up to two seconds — so UDP sessions
//! expire and long connections live on the NIC's hit bits.
//!
//! The server side's packets are the client's as delivered, turned round (addresses, ports
//! and MACs swapped, re-encapsulated from the remote node when they arrived through a
//! tunnel): the generator needs what the node sent (`NodeTraffic::delivered`).

use node_config::{parse_config, NodeConfig};
use offload_tables::Tables;
use std::fmt::Write;

/// A small deterministic generator (SplitMix64): the same seed, the same node and traffic.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    pub fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.next_u64() as usize % v.len()]
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The web-search flow-size CDF (segments of 1,460 bytes, cumulative probability), as
/// the pFabric simulations tabulate the DCTCP paper's measurement; sizes between two
/// points are interpolated linearly.
const WEB_SEARCH_CDF: [(f64, f64); 12] = [
    (6.0, 0.0),
    (6.0, 0.15),
    (13.0, 0.2),
    (19.0, 0.3),
    (33.0, 0.4),
    (53.0, 0.53),
    (133.0, 0.6),
    (667.0, 0.7),
    (1333.0, 0.8),
    (3333.0, 0.9),
    (6667.0, 0.97),
    (20000.0, 1.0),
];

/// A response size in segments, drawn from the web-search workload.
pub fn web_search_segments(r: &mut Rng) -> u32 {
    let u = r.unit();
    for w in WEB_SEARCH_CDF.windows(2) {
        let ((s0, p0), (s1, p1)) = (w[0], w[1]);
        if u <= p1 {
            let t = if p1 > p0 { (u - p0) / (p1 - p0) } else { 0.0 };
            return (s0 + t * (s1 - s0)).round().max(1.0) as u32;
        }
    }
    20_000
}

/// The pods' MSS: their interfaces' MTU (1450, VXLAN's 50 bytes below 1500) less 40.
pub const MSS: usize = 1410;
const UPLINK: u16 = 1;
const BVI_MAC: [u8; 6] = [0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x01];
const UPLINK_MAC: [u8; 6] = [0x08, 0x00, 0x27, 0x44, 0x9f, 0xd8];
const NODE_IP: [u8; 4] = [192, 168, 16, 1];
const VNI: u32 = 10;

/// One of this node's pods.
#[derive(Clone, Debug)]
pub struct Pod {
    pub sw_if_index: u16,
    pub tap_mac: [u8; 6],
    pub mac: [u8; 6],
    pub ip: [u8; 4],
}

/// Another node of the cluster, behind a VXLAN tunnel.
#[derive(Clone, Debug)]
pub struct RemoteNode {
    pub vtep: [u8; 4],
    pub vtep_mac: [u8; 6],
    pub bvi_mac: [u8; 6],
    /// Its pods: 10.1.(2 + k).0/24.
    pub pod_net: [u8; 3],
}

#[derive(Clone, Debug)]
pub struct Service {
    pub vip: [u8; 4],
    pub port: u16,
    pub udp: bool,
    pub endpoints: Vec<([u8; 4], u16)>,
}

/// A generated node: its config and what the traffic needs to know of it.
#[derive(Clone, Debug)]
pub struct K8sNode {
    pub cfg: NodeConfig,
    pub tables: Tables,
    pub text: String,
    pub pods: Vec<Pod>,
    pub remotes: Vec<RemoteNode>,
    pub services: Vec<Service>,
    /// External destinations (each in one of the external routes).
    pub externals: Vec<[u8; 4]>,
    /// Ports the pods serve on.
    pub server_ports: Vec<u16>,
}

fn mac_text(m: [u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}
fn ip_text(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// A Kubernetes node for seed `seed`: `pods` pods, `remotes` other nodes, `services`
/// services, `routes` external routes.
pub fn k8s_node(seed: u64, pods: usize, remotes: usize, services: usize, routes: usize) -> K8sNode {
    let mut r = Rng::new(seed);
    let mut t = String::new();
    let w = &mut t;
    let _ = writeln!(w, "name = \"k8s-node-{seed}\"\n");
    let _ = writeln!(
        w,
        "[[interface]]\nname = \"GigabitEthernet0/8/0\"\nkind = \"uplink\"\nindex = 1\nmac = \"{}\"\naddresses = [\"{}/24\"]\n\
         nat = \"outside\"\nnat_output_feature = true\nacl_input = [1]\nacl_output = [0]\n",
        mac_text(UPLINK_MAC),
        ip_text(NODE_IP)
    );
    let _ = writeln!(
        w,
        "[[interface]]\nname = \"loop0\"\nkind = \"loopback\"\nindex = 2\nmac = \"{}\"\naddresses = [\"192.168.30.1/24\"]\n\
         mtu = 1450\nnat = \"inside\"\nacl_input = [1]\nacl_output = [0]\n",
        mac_text(BVI_MAC)
    );
    let mut remote_nodes = Vec::new();
    let mut members = Vec::new();
    for k in 0..remotes {
        let vtep = [192, 168, 16, 2 + k as u8];
        let name = format!("vxlan_tunnel{k}");
        let _ = writeln!(
            w,
            "[[interface]]\nname = \"{name}\"\nkind = \"vxlan\"\nindex = {}\nvxlan = {{ src = \"{}\", dst = \"{}\", vni = {VNI} }}\n",
            3 + k,
            ip_text(NODE_IP),
            ip_text(vtep)
        );
        members.push(format!("\"{name}\""));
        remote_nodes.push(RemoteNode {
            vtep,
            vtep_mac: [0x08, 0x00, 0x27, 0xe0, 0x57, 0x10 + k as u8],
            bvi_mac: [0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x02 + k as u8],
            pod_net: [10, 1, 2 + k as u8],
        });
    }
    let mut pod_list = Vec::new();
    let first_tap = 3 + remotes as u16;
    for i in 0..pods {
        let sw = first_tap + i as u16;
        let tap_mac = [0x02, 0xfe, 0x16, 0x3f, 0x5f, i as u8];
        let _ = writeln!(
            w,
            "[[interface]]\nname = \"tap{i}\"\nkind = \"tap\"\nindex = {sw}\nmac = \"{}\"\nmtu = 1450\n\
             nat = \"inside-outside\"\nacl_input = [1]\nacl_output = [2]\n",
            mac_text(tap_mac)
        );
        pod_list.push(Pod { sw_if_index: sw, tap_mac, mac: [0, 0, 0, 0, 1, i as u8], ip: [10, 1, 1, 10 + i as u8] });
    }
    let _ =
        writeln!(w, "[[bridge_domain]]\nid = 1\nmembers = [{}]\nbvi = \"loop0\"\nlearn = false\n", members.join(", "));
    for (k, rn) in remote_nodes.iter().enumerate() {
        let _ = writeln!(
            w,
            "[[l2fib]]\nbd = 1\nmac = \"{}\"\ninterface = \"vxlan_tunnel{k}\"\n\n[[neighbor]]\ninterface = \"loop0\"\n\
             ip = \"192.168.30.{}\"\nmac = \"{}\"\n\n[[neighbor]]\ninterface = \"GigabitEthernet0/8/0\"\nip = \"{}\"\nmac = \"{}\"\n\n\
             [[route]]\nprefix = \"{}.{}.{}.0/24\"\nvia = [{{ address = \"192.168.30.{}\" }}]\n",
            mac_text(rn.bvi_mac),
            2 + k,
            mac_text(rn.bvi_mac),
            ip_text(rn.vtep),
            mac_text(rn.vtep_mac),
            rn.pod_net[0],
            rn.pod_net[1],
            rn.pod_net[2],
            2 + k
        );
    }
    for p in &pod_list {
        let _ = writeln!(
            w,
            "[[neighbor]]\ninterface = \"tap{}\"\nip = \"{}\"\nmac = \"{}\"\n\n[[route]]\nprefix = \"{}/32\"\n\
             via = [{{ address = \"{}\", interface = \"tap{}\" }}]\n",
            p.sw_if_index - first_tap,
            ip_text(p.ip),
            mac_text(p.mac),
            ip_text(p.ip),
            ip_text(p.ip),
            p.sw_if_index - first_tap
        );
    }
    // The uplink's routers, and external routes of every length, some ECMP.
    let gws: Vec<[u8; 4]> = (0..4).map(|g| [192, 168, 16, 250 + g]).collect();
    for (g, gw) in gws.iter().enumerate() {
        let _ = writeln!(
            w,
            "[[neighbor]]\ninterface = \"GigabitEthernet0/8/0\"\nip = \"{}\"\nmac = \"08:00:27:00:00:{:02x}\"\n",
            ip_text(*gw),
            0xf0 + g
        );
    }
    let _ = writeln!(
        w,
        "[[route]]\nprefix = \"0.0.0.0/0\"\nvia = [{{ address = \"{}\", interface = \"GigabitEthernet0/8/0\" }}]\n",
        ip_text(gws[0])
    );
    let mut externals = Vec::new();
    let mut seen = std::collections::HashSet::new();
    while externals.len() < routes {
        let len = r.range(8, 32) as u8;
        let a = [
            r.pick(&[20u8, 23, 34, 52, 104, 142, 151, 172, 199]),
            r.next_u64() as u8,
            r.next_u64() as u8,
            r.next_u64() as u8,
        ];
        let net = u32::from_be_bytes(a) & offload_tables::prefix_mask(len);
        if !seen.insert((net, len)) {
            continue;
        }
        let n = if r.chance(20) { r.range(2, 4) as usize } else { 1 };
        let via: Vec<String> = (0..n)
            .map(|i| format!("{{ address = \"{}\", interface = \"GigabitEthernet0/8/0\" }}", ip_text(gws[i])))
            .collect();
        let _ =
            writeln!(w, "[[route]]\nprefix = \"{}/{len}\"\nvia = [{}]\n", ip_text(net.to_be_bytes()), via.join(", "));
        // a host inside the route (not its network or broadcast address)
        let host = if len >= 31 { net } else { net | (1 + r.range(0, (1u64 << (32 - len)) - 3) as u32) };
        externals.push(host.to_be_bytes());
    }
    // NAT: the node's address as pool, services as load-balancing mappings, as Contiv.
    let _ = writeln!(
        w,
        "[nat44]\nforwarding = true\nmax_sessions = 65536\naddresses = [{{ address = \"{}\" }}]\n",
        ip_text(NODE_IP)
    );
    let mut svcs = Vec::new();
    let mut server_ports = vec![8080u16, 9090];
    for s in 0..services {
        let udp = s == 0; // the cluster DNS
        let (port, target) = if udp { (53, 53) } else { (r.pick(&[80u16, 443, 8080, 6379]), r.pick(&[8080u16, 9090])) };
        let n_ep = r.range(2, 8) as usize;
        let mut eps = Vec::new();
        for _ in 0..n_ep {
            let ip = if r.chance(50) || remote_nodes.is_empty() {
                pod_list[r.next_u64() as usize % pod_list.len()].ip
            } else {
                let rn = &remote_nodes[r.next_u64() as usize % remote_nodes.len()];
                [rn.pod_net[0], rn.pod_net[1], rn.pod_net[2], r.range(2, 250) as u8]
            };
            if !eps.iter().any(|&(e, _)| e == ip) {
                eps.push((ip, target));
            }
        }
        if eps.len() < 2 {
            eps.push(([10, 1, 1, 250], target));
        }
        if !server_ports.contains(&target) {
            server_ports.push(target);
        }
        let vip = [10, 96, (s >> 8) as u8, 10 + s as u8];
        let locals: Vec<String> = eps
            .iter()
            .map(|&(ip, p)| format!("{{ address = \"{}:{p}\", probability = {} }}", ip_text(ip), r.range(1, 4)))
            .collect();
        let _ = writeln!(
            w,
            "[[nat44.static_mapping]]\nprotocol = \"{}\"\nexternal = \"{}:{port}\"\nlocals = [{}]\nout2in_only = true\n",
            if udp { "udp" } else { "tcp" },
            ip_text(vip),
            locals.join(", ")
        );
        svcs.push(Service { vip, port, udp, endpoints: eps });
    }
    let _ = writeln!(w, "[[nat44.identity_mapping]]\naddress = \"{}\"\n", ip_text(NODE_IP));
    // Short timeouts, so a run of seconds sees sessions expire and hit bits keep them.
    // (transitory states outlive the traffic's idle gaps: a handshake is never cut)
    let _ = writeln!(w, "[nat44.timeouts]\nudp = 5\ntcp_established = 20\ntcp_transitory = 30\nicmp = 10\n");
    let _ = writeln!(w, "[acl_timeouts]\nudp_idle = 5\ntcp_idle = 20\ntcp_transient = 30\n");
    // ACLs: 0 the egress policy, 1 reflexive, 2 pod ingress.
    let _ = writeln!(
        w,
        "[[acl]]\nindex = 0\ntag = \"egress-policy\"\nrule = [\n  {{ action = \"deny\", proto = 6, dst = \"10.1.0.0/16\", dport = \"22\" }},\n  \
         {{ action = \"deny\", proto = 17, dst = \"10.1.0.0/16\", dport = \"161-162\" }},\n  \
         {{ action = \"permit\", proto = 6, dst = \"10.1.0.0/16\", dport = \"1-65535\" }},\n  \
         {{ action = \"permit\", proto = 17, dst = \"10.1.0.0/16\" }},\n  {{ action = \"permit\" }},\n]\n"
    );
    let _ = writeln!(w, "[[acl]]\nindex = 1\ntag = \"reflect-all\"\nrule = [{{ action = \"permit+reflect\" }}]\n");
    let mut ingress = Vec::new();
    for p in &server_ports {
        ingress.push(format!("  {{ action = \"permit\", proto = 6, src = \"10.1.0.0/16\", dport = \"{p}\" }},"));
    }
    ingress.push("  { action = \"permit\", proto = 17, src = \"10.1.0.0/16\", dport = \"53\" },".into());
    ingress.push("  { action = \"deny\" },".into());
    let _ = writeln!(w, "[[acl]]\nindex = 2\ntag = \"pod-ingress\"\nrule = [\n{}\n]\n", ingress.join("\n"));

    let cfg = parse_config(&t, std::path::Path::new("k8s-node.toml")).unwrap_or_else(|e| panic!("{e}\n{t}"));
    let tables = node_config::render(&cfg).unwrap_or_else(|e| panic!("{e:?}"));
    K8sNode { cfg, tables, text: t, pods: pod_list, remotes: remote_nodes, services: svcs, externals, server_ports }
}

// ---- frames -----------------------------------------------------------------------------

/// One side of a connection: where its frames enter and how they look.
#[derive(Clone, Debug)]
struct Side {
    rx: u16,
    /// Ethernet source and destination.
    macs: ([u8; 6], [u8; 6]),
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    /// Outer headers when the side is a remote node: (vtep, vtep_mac) → this node.
    tunnel: Option<([u8; 4], [u8; 6])>,
}

fn csum(data: &[u8]) -> u16 {
    offload_tables::checksum::finish(offload_tables::checksum::sum(data))
}

/// An IPv4 packet (header, then `l4`) with a correct header checksum.
fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, ttl: u8, ident: u16, l4: &[u8]) -> Vec<u8> {
    let mut p = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, ttl, proto, 0, 0];
    p[2..4].copy_from_slice(&((20 + l4.len()) as u16).to_be_bytes());
    p[4..6].copy_from_slice(&ident.to_be_bytes());
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    let c = csum(&p);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p.extend_from_slice(l4);
    p
}

fn pseudo(src: [u8; 4], dst: [u8; 4], proto: u8, l4: &[u8]) -> u16 {
    let s = offload_tables::checksum::pseudo_header_sum(src, dst, proto, l4.len() as u16)
        + offload_tables::checksum::sum(l4);
    offload_tables::checksum::finish(s)
}

fn tcp(src: [u8; 4], dst: [u8; 4], ports: (u16, u16), flags: u8, seq: u32, ack: u32, len: usize) -> Vec<u8> {
    let mut t = vec![0u8; 20 + len];
    t[0..2].copy_from_slice(&ports.0.to_be_bytes());
    t[2..4].copy_from_slice(&ports.1.to_be_bytes());
    t[4..8].copy_from_slice(&seq.to_be_bytes());
    t[8..12].copy_from_slice(&ack.to_be_bytes());
    t[12] = 5 << 4;
    t[13] = flags;
    t[14..16].copy_from_slice(&64240u16.to_be_bytes());
    for (i, b) in t[20..].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(31).wrapping_add(seq as u8);
    }
    let c = pseudo(src, dst, 6, &t);
    t[16..18].copy_from_slice(&c.to_be_bytes());
    t
}

fn udp(src: [u8; 4], dst: [u8; 4], ports: (u16, u16), len: usize) -> Vec<u8> {
    let mut u = vec![0u8; 8 + len];
    u[0..2].copy_from_slice(&ports.0.to_be_bytes());
    u[2..4].copy_from_slice(&ports.1.to_be_bytes());
    u[4..6].copy_from_slice(&((8 + len) as u16).to_be_bytes());
    for (i, b) in u[8..].iter_mut().enumerate() {
        *b = i as u8 ^ 0x5a;
    }
    let c = match pseudo(src, dst, 17, &u) {
        0 => 0xffff,
        c => c,
    };
    u[6..8].copy_from_slice(&c.to_be_bytes());
    u
}

fn ethernet(macs: ([u8; 6], [u8; 6]), payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + payload.len());
    f.extend_from_slice(&macs.1);
    f.extend_from_slice(&macs.0);
    f.extend_from_slice(&[0x08, 0x00]);
    f.extend_from_slice(payload);
    f
}

impl Side {
    /// A frame from this side: TCP with `flags` (or UDP when `flags` is `None`), `len`
    /// payload bytes; padded to 60 bytes on a wire or TAP, inside VXLAN when remote.
    fn frame(&self, flags: Option<u8>, seq: u32, ack: u32, len: usize, ident: u16) -> Vec<u8> {
        let (proto, l4) = match flags {
            Some(f) => (6, tcp(self.src, self.dst, (self.sport, self.dport), f, seq, ack, len)),
            None => (17, udp(self.src, self.dst, (self.sport, self.dport), len)),
        };
        let mut inner = ethernet(self.macs, &ipv4(self.src, self.dst, proto, 64, ident, &l4));
        match self.tunnel {
            None => {
                if inner.len() < 60 {
                    inner.resize(60, 0);
                }
                inner
            }
            Some((vtep, vtep_mac)) => {
                let mut vx = vec![0x08, 0, 0, 0, (VNI >> 16) as u8, (VNI >> 8) as u8, VNI as u8, 0];
                vx.extend_from_slice(&inner);
                let mut u = vec![0u8; 8];
                let sport = 49152 | (u16::from_be_bytes([self.src[2], self.src[3]]) ^ self.sport) & 0x3fff;
                u[0..2].copy_from_slice(&sport.to_be_bytes());
                u[2..4].copy_from_slice(&4789u16.to_be_bytes());
                u[4..6].copy_from_slice(&((8 + vx.len()) as u16).to_be_bytes());
                u.extend_from_slice(&vx);
                ethernet((vtep_mac, UPLINK_MAC), &ipv4(vtep, NODE_IP, 17, 64, 0, &u))
            }
        }
    }

    /// The side a frame the node sent on `tx` reaches, answering: everything turned round.
    fn answering(tx: u16, frame: &[u8]) -> Option<Side> {
        let word = |f: &[u8], o: usize| u16::from_be_bytes([f[o], f[o + 1]]);
        let a4 = |f: &[u8], o: usize| [f[o], f[o + 1], f[o + 2], f[o + 3]];
        let m6 = |f: &[u8], o: usize| [f[o], f[o + 1], f[o + 2], f[o + 3], f[o + 4], f[o + 5]];
        if frame.len() < 42 || word(frame, 12) != 0x0800 {
            return None;
        }
        let vxlan = tx == UPLINK && frame[23] == 17 && frame.len() >= 50 + 42 && word(frame, 36) == 4789;
        let (tunnel, inner) = if vxlan { (Some((a4(frame, 30), m6(frame, 0))), &frame[50..]) } else { (None, frame) };
        let ihl = usize::from(inner[14] & 0x0f) * 4;
        let l4 = 14 + ihl;
        Some(Side {
            rx: tx,
            macs: (m6(inner, 0), m6(inner, 6)),
            src: a4(inner, 30),
            dst: a4(inner, 26),
            sport: word(inner, l4 + 2),
            dport: word(inner, l4),
            tunnel,
        })
    }
}

// ---- connections ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Syn,
    SynAck,
    Ack,
    Request,
    /// The server's segments: `left` to send, `unacked` since the client's last ACK.
    Data {
        left: u32,
        unacked: u32,
    },
    ClientAck,
    ClientFin,
    ServerAck,
    /// UDP: the query, then the answer.
    Query,
    Answer,
    Done,
}

#[derive(Clone, Debug)]
struct Conn {
    client: Side,
    /// The server as it answers (known once the first packet was delivered).
    server: Option<Side>,
    phase: Phase,
    seq: (u32, u32),
    /// Packets sent so far of this connection.
    sent: u32,
}

/// What the generator says of the packet it made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Opens or closes a TCP connection, or its first ACK (session state changes).
    TcpControl,
    /// Data or an ACK of an established connection.
    TcpEstablished,
    /// A UDP query (a new flow) or its answer.
    UdpQuery,
    UdpAnswer,
}

/// A packet of the realistic traffic: where it enters, when, its bytes, what it is.
#[derive(Clone, Debug)]
pub struct Packet {
    pub rx: u16,
    pub now_ns: u64,
    pub frame: Vec<u8>,
    pub kind: Kind,
    /// The connection it belongs to (an index of its traffic's connections).
    pub conn: usize,
}

/// Connections of a node, interleaved.
pub struct NodeTraffic {
    node: K8sNode,
    rng: Rng,
    conns: Vec<Conn>,
    active: Vec<usize>,
    concurrency: usize,
    now_ns: u64,
    ident: u16,
    next_port: u16,
    /// Sent packets, connections, and their outcome: (packets without output, aborted).
    pub lost: u64,
    pub aborted: u64,
    pub opened: u64,
}

impl NodeTraffic {
    pub fn new(node: K8sNode, seed: u64, concurrency: usize) -> Self {
        NodeTraffic {
            node,
            rng: Rng::new(seed ^ 0x7261_6666),
            conns: Vec::new(),
            active: Vec::new(),
            concurrency,
            now_ns: 1_000_000_000,
            ident: 1,
            next_port: 32768,
            lost: 0,
            aborted: 0,
            opened: 0,
        }
    }

    pub fn now_ns(&self) -> u64 {
        self.now_ns
    }

    /// A new connection: a client and where it connects.
    fn open(&mut self) -> usize {
        let n = &self.node;
        let r = &mut self.rng;
        let pod = n.pods[r.next_u64() as usize % n.pods.len()].clone();
        let pod_side = |dst: [u8; 4], dport: u16, sport: u16| Side {
            rx: pod.sw_if_index,
            macs: (pod.mac, pod.tap_mac),
            src: pod.ip,
            dst,
            sport,
            dport,
            tunnel: None,
        };
        let kind = r.range(0, 99);
        let sport = {
            self.next_port = if self.next_port >= 60999 { 32768 } else { self.next_port + 1 };
            self.next_port
        };
        let (client, udp) = if kind < 12 {
            // DNS: the first service
            let s = &n.services[0];
            (pod_side(s.vip, s.port, sport), true)
        } else if kind < 50 {
            let s = &n.services[1 + r.next_u64() as usize % (n.services.len() - 1)];
            (pod_side(s.vip, s.port, sport), false)
        } else if kind < 65 && !n.remotes.is_empty() {
            // local pod to a pod on another node, by its address
            let rn = &n.remotes[r.next_u64() as usize % n.remotes.len()];
            let dst = [rn.pod_net[0], rn.pod_net[1], rn.pod_net[2], r.range(2, 250) as u8];
            (pod_side(dst, r.pick(&n.server_ports), sport), false)
        } else if kind < 85 && !n.remotes.is_empty() {
            // a pod on another node to a local pod, through the overlay
            let k = r.next_u64() as usize % n.remotes.len();
            let rn = &n.remotes[k];
            let src = [rn.pod_net[0], rn.pod_net[1], rn.pod_net[2], r.range(2, 250) as u8];
            let side = Side {
                rx: UPLINK,
                macs: (rn.bvi_mac, BVI_MAC),
                src,
                dst: pod.ip,
                sport,
                dport: r.pick(&n.server_ports),
                tunnel: Some((rn.vtep, rn.vtep_mac)),
            };
            (side, false)
        } else {
            // to the internet, through SNAT on the uplink
            let dst = n.externals[r.next_u64() as usize % n.externals.len()];
            (pod_side(dst, r.pick(&[80u16, 443]), sport), false)
        };
        let isn = self.rng.next_u64() as u32;
        self.conns.push(Conn {
            client,
            server: None,
            phase: if udp { Phase::Query } else { Phase::Syn },
            seq: (isn, isn.rotate_left(7)),
            sent: 0,
        });
        self.opened += 1;
        self.conns.len() - 1
    }

    /// The next packet.
    pub fn next_packet(&mut self) -> Packet {
        while self.active.len() < self.concurrency {
            let c = self.open();
            self.active.push(c);
        }
        // real time: a few microseconds between packets, now and then an idle gap
        self.now_ns += self.rng.range(1_000, 20_000);
        if self.rng.chance(1) && self.rng.chance(10) {
            self.now_ns += self.rng.range(100_000_000, 2_000_000_000);
        }
        let slot = self.rng.next_u64() as usize % self.active.len();
        let ci = self.active[slot];
        self.ident = self.ident.wrapping_add(1);
        let ident = self.ident;
        let c = &mut self.conns[ci];
        let server = c.server.clone();
        let (from_client, flags, len, next, kind) = match c.phase {
            Phase::Syn => (true, Some(0x02), 0, Phase::SynAck, Kind::TcpControl),
            Phase::SynAck => (false, Some(0x12), 0, Phase::Ack, Kind::TcpControl),
            Phase::Ack => (true, Some(0x10), 0, Phase::Request, Kind::TcpControl),
            Phase::Request => {
                let segs = web_search_segments(&mut self.rng);
                (true, Some(0x10), 120, Phase::Data { left: segs, unacked: 0 }, Kind::TcpEstablished)
            }
            Phase::Data { left, unacked } => {
                if unacked >= 2 || (left == 0 && unacked > 0) {
                    // the client's delayed ACK
                    (true, Some(0x10), 0, Phase::Data { left, unacked: 0 }, Kind::TcpEstablished)
                } else if left == 0 {
                    (false, Some(0x11), 0, Phase::ClientAck, Kind::TcpControl)
                } else {
                    (false, Some(0x10), MSS, Phase::Data { left: left - 1, unacked: unacked + 1 }, Kind::TcpEstablished)
                }
            }
            Phase::ClientAck => (true, Some(0x10), 0, Phase::ClientFin, Kind::TcpControl),
            Phase::ClientFin => (true, Some(0x11), 0, Phase::ServerAck, Kind::TcpControl),
            Phase::ServerAck => (false, Some(0x10), 0, Phase::Done, Kind::TcpControl),
            Phase::Query => (true, None, 40, Phase::Answer, Kind::UdpQuery),
            Phase::Answer => (false, None, 120, Phase::Done, Kind::UdpAnswer),
            Phase::Done => unreachable!("done connections leave the active list"),
        };
        let side = if from_client { c.client.clone() } else { server.expect("the server answers after a delivery") };
        let seq = if from_client { c.seq.0 } else { c.seq.1 };
        let ack = if from_client { c.seq.1 } else { c.seq.0 };
        let frame = side.frame(flags, seq, ack, len, ident);
        let step = len as u32 + u32::from(flags.is_some_and(|f| f & 0x03 != 0));
        if from_client {
            c.seq.0 = c.seq.0.wrapping_add(step);
        } else {
            c.seq.1 = c.seq.1.wrapping_add(step);
        }
        c.phase = next;
        c.sent += 1;
        if next == Phase::Done {
            self.active.swap_remove(slot);
        }
        Packet { rx: side.rx, now_ns: self.now_ns, frame, kind, conn: ci }
    }

    /// What the node sent for `p`: the first delivery of a connection's client packet
    /// tells the server's side; no delivery ends the connection.
    pub fn delivered(&mut self, p: &Packet, out: &[(u16, Vec<u8>)]) -> bool {
        let c = &mut self.conns[p.conn];
        let Some((tx, f)) = out.first() else {
            self.lost += 1;
            if c.phase != Phase::Done {
                c.phase = Phase::Done;
                self.aborted += 1;
                self.active.retain(|&a| a != p.conn);
            }
            return false;
        };
        if c.server.is_none() {
            match Side::answering(*tx, f) {
                Some(s) => c.server = Some(s),
                None => {
                    c.phase = Phase::Done;
                    self.aborted += 1;
                    self.active.retain(|&a| a != p.conn);
                }
            }
        }
        true
    }

    /// Whether packet `p` went through a tunnel either way, or its output did.
    pub fn is_overlay(&self, p: &Packet) -> bool {
        let c = &self.conns[p.conn];
        c.client.tunnel.is_some() || c.server.as_ref().is_some_and(|s| s.tunnel.is_some())
    }

    pub fn node(&self) -> &K8sNode {
        &self.node
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_search_sizes_follow_the_cdf() {
        let mut r = Rng::new(1);
        let n = 100_000;
        let sizes: Vec<u32> = (0..n).map(|_| web_search_segments(&mut r)).collect();
        let frac = |limit: u32| sizes.iter().filter(|&&s| s <= limit).count() as f64 / n as f64;
        assert!((frac(6) - 0.15).abs() < 0.01);
        assert!((frac(53) - 0.53).abs() < 0.01);
        assert!((frac(1333) - 0.8).abs() < 0.01);
        assert!(sizes.iter().all(|&s| (6..=20_000).contains(&s)));
    }

    #[test]
    fn the_node_renders() {
        let n = k8s_node(3, 24, 4, 10, 300);
        assert_eq!(n.pods.len(), 24);
        assert!(n.services.iter().all(|s| (2..=9).contains(&s.endpoints.len())));
    }
}
