//! Rendering: a [`NodeConfig`] is validated as a whole and turned into [`Tables`].
//!
//! Every problem found is reported (not only the first), each naming the entry it is
//! about (`route[3] 10.1.2.0/24`, `interface tap2`, ...) and what is wrong.

use crate::model::*;
use offload_tables::layout::*;
use offload_tables::lpm::{reference_lookup, LpmBuilder};
use offload_tables::tables::{Tables, MAX_INTERFACES, MAX_LB_BUCKETS};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::net::Ipv4Addr;

/// One problem in a config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    /// Which entry: `interface tap2`, `route[3] 10.1.2.0/24`, `acl 2 rule 4`, ...
    pub entry: String,
    pub problem: String,
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.entry, self.problem)
    }
}

/// Validates `cfg` and renders it. Returns every problem found on failure.
pub fn render(cfg: &NodeConfig) -> Result<Tables, Vec<RenderError>> {
    let mut r = Renderer {
        cfg,
        errs: Vec::new(),
        t: Tables::default(),
        if_by_name: HashMap::new(),
        fib_of_table: HashMap::new(),
    };
    r.interfaces();
    r.fibs();
    r.bridge_domains();
    r.acls();
    r.nat();
    if r.errs.is_empty() {
        r.routing();
    }
    r.global();
    if r.errs.is_empty() {
        Ok(r.t)
    } else {
        Err(r.errs)
    }
}

struct Renderer<'a> {
    cfg: &'a NodeConfig,
    errs: Vec<RenderError>,
    t: Tables,
    if_by_name: HashMap<&'a str, u16>,
    fib_of_table: HashMap<u32, u16>,
}

/// A forwarding result before it is given a load-balance: weighted DPOs.
type Paths = Vec<(u32, u8)>;

impl<'a> Renderer<'a> {
    fn err(&mut self, entry: impl Into<String>, problem: impl Into<String>) {
        self.errs.push(RenderError { entry: entry.into(), problem: problem.into() });
    }

    fn if_index(&mut self, entry: &str, name: &str) -> Option<u16> {
        let i = self.if_by_name.get(name).copied();
        if i.is_none() {
            self.err(entry, format!("unknown interface `{name}`"));
        }
        i
    }

    fn interfaces(&mut self) {
        let cfg = self.cfg;
        if cfg.interfaces.len() > MAX_INTERFACES {
            self.err("interface", format!("{} interfaces; at most {MAX_INTERFACES}", cfg.interfaces.len()));
            return;
        }
        // Explicit indices first, then the rest in order of appearance.
        let mut taken: HashSet<u16> = HashSet::new();
        for i in &cfg.interfaces {
            if let Some(ix) = i.index {
                if ix == 0 || usize::from(ix) > MAX_INTERFACES {
                    self.err(format!("interface {}", i.name), format!("index {ix} out of range 1..={MAX_INTERFACES}"));
                } else if !taken.insert(ix) {
                    self.err(format!("interface {}", i.name), format!("index {ix} used twice"));
                }
            }
        }
        let mut next = 1u16;
        let mut indices = Vec::new();
        for i in &cfg.interfaces {
            let ix = match i.index {
                Some(ix) => ix,
                None => {
                    while taken.contains(&next) {
                        next += 1;
                    }
                    taken.insert(next);
                    next
                }
            };
            indices.push(ix);
            if self.if_by_name.insert(i.name.as_str(), ix).is_some() {
                self.err(format!("interface {}", i.name), "name used twice");
            }
        }
        let n = indices.iter().copied().max().unwrap_or(0) as usize + 1;
        self.t.interfaces = vec![InterfaceEntry::default(); n];
        self.t.names.interfaces = vec![String::new(); n];
        let mut next_port = 0u8;
        let mut ports = HashSet::new();
        for (i, &ix) in cfg.interfaces.iter().zip(&indices) {
            let entry = format!("interface {}", i.name);
            if i.name.is_empty() || i.name.contains(char::is_whitespace) {
                self.err(&entry, "name must be non-empty and without spaces");
            }
            let kind = match i.kind {
                InterfaceKind::Uplink => if_kind::UPLINK,
                InterfaceKind::Tap => if_kind::TAP,
                InterfaceKind::Loopback => if_kind::LOOPBACK,
                InterfaceKind::Vxlan => if_kind::VXLAN,
            };
            match (i.kind, &i.vxlan) {
                (InterfaceKind::Vxlan, None) => {
                    self.err(&entry, "kind vxlan needs a [interface.vxlan] table (src, dst, vni)")
                }
                (k, Some(_)) if k != InterfaceKind::Vxlan => self.err(&entry, "only kind vxlan takes a vxlan table"),
                _ => {}
            }
            if i.kind != InterfaceKind::Vxlan && i.mac.is_none() {
                self.err(&entry, "needs a mac");
            }
            if i.mtu < 68 {
                self.err(&entry, format!("mtu {} below the IPv4 minimum of 68", i.mtu));
            }
            let port = if i.kind == InterfaceKind::Uplink {
                let p = i.port.unwrap_or_else(|| {
                    while ports.contains(&next_port) {
                        next_port += 1;
                    }
                    next_port
                });
                if !ports.insert(p) {
                    self.err(&entry, format!("wire port {p} used by another uplink"));
                }
                p
            } else {
                if i.port.is_some() {
                    self.err(&entry, "only uplinks have a wire port");
                }
                0xff
            };
            for a in &i.addresses {
                if a.len == 0 || a.len > 32 {
                    self.err(&entry, format!("address {a}: prefix length must be 1..=32"));
                }
            }
            if i.addresses.len() > 1 {
                self.err(&entry, "at most one IPv4 address per interface is supported");
            }
            if i.unnumbered.is_some() && !i.addresses.is_empty() {
                self.err(&entry, "unnumbered interfaces take no address of their own");
            }
            if let Some(h) = &i.host_if_name {
                if i.kind != InterfaceKind::Tap {
                    self.err(&entry, "only taps have a host_if_name");
                } else if h.is_empty() || h.contains(char::is_whitespace) {
                    self.err(&entry, "host_if_name must be non-empty and without spaces");
                }
            }
            if !i.proxy_arp.is_empty() && (i.kind == InterfaceKind::Vxlan || i.mac.is_none()) {
                self.err(&entry, "proxy_arp needs an L3 interface with a mac");
            }
            for a in &i.proxy_arp {
                self.t.proxy_arp.push((ix, u32::from(*a)));
            }
            if i.nat_output_feature && i.nat != NatRole::Outside {
                self.err(&entry, "nat_output_feature needs nat = \"outside\"");
            }
            let mut flags = 0;
            if i.up {
                flags |= if_flags::UP;
            }
            match i.nat {
                NatRole::None => {}
                NatRole::Inside => flags |= if_flags::NAT_INSIDE,
                NatRole::Outside => flags |= if_flags::NAT_OUTSIDE,
                NatRole::InsideOutside => flags |= if_flags::NAT_INSIDE | if_flags::NAT_OUTSIDE,
            }
            if i.nat_output_feature {
                flags |= if_flags::NAT_OUTPUT_FEATURE;
            }
            let (addr, len) = i.addresses.first().map(|p| (u32::from(p.addr), p.len)).unwrap_or((0, 0));
            self.t.interfaces[usize::from(ix)] = InterfaceEntry {
                sw_if_index: ix,
                kind,
                port,
                flags,
                fib_index: 0,
                bd_index: NONE16,
                mtu: i.mtu,
                mac: i.mac.unwrap_or_default().0,
                shg: i.shg,
                ip4_len: len,
                ip4_addr: addr,
                acl_in_start: 0,
                acl_in_count: 0,
                acl_out_start: 0,
                acl_out_count: 0,
                vxlan_tunnel: NONE16,
                bd_flags: 0,
                _pad: 0,
            };
            self.t.names.interfaces[usize::from(ix)] = i.name.clone();
        }
        // Unnumbered: borrow the other interface's address (no connected route).
        for i in &cfg.interfaces {
            if let Some(other) = &i.unnumbered {
                let entry = format!("interface {}", i.name);
                if let Some(o) = self.if_index(&entry, other) {
                    let (a, l) =
                        (self.t.interfaces[usize::from(o)].ip4_addr, self.t.interfaces[usize::from(o)].ip4_len);
                    if l == 0 {
                        self.err(&entry, format!("unnumbered to `{other}`, which has no address"));
                    }
                    let me = self.if_by_name[i.name.as_str()];
                    self.t.interfaces[usize::from(me)].ip4_addr = a;
                    self.t.interfaces[usize::from(me)].ip4_len = l;
                }
            }
        }
    }

    /// FIB indices: table 0 is FIB 0, the other table ids in ascending order.
    fn fibs(&mut self) {
        let cfg = self.cfg;
        let mut ids: BTreeSet<u32> = BTreeSet::from([0]);
        ids.extend(cfg.interfaces.iter().map(|i| i.vrf));
        ids.extend(cfg.interfaces.iter().filter_map(|i| i.vxlan.as_ref().map(|v| v.encap_vrf)));
        ids.extend(cfg.routes.iter().map(|r| r.vrf));
        ids.extend(cfg.routes.iter().flat_map(|r| r.via.iter().filter_map(|v| v.next_hop_vrf)));
        if let Some(n) = &cfg.nat44 {
            ids.extend(n.addresses.iter().map(|a| a.vrf));
            ids.extend(n.static_mappings.iter().map(|m| m.vrf));
            ids.extend(n.static_mappings.iter().flat_map(|m| m.locals.iter().filter_map(|l| l.vrf)));
            ids.extend(n.identity_mappings.iter().map(|m| m.vrf));
        }
        if ids.len() > 256 {
            self.err("vrf", format!("{} VRFs; at most 256", ids.len()));
        }
        for (fib, id) in ids.iter().enumerate() {
            self.fib_of_table.insert(*id, fib as u16);
            self.t.names.fib_table_ids.push(*id);
        }
        for i in &cfg.interfaces {
            let ix = self.if_by_name[i.name.as_str()];
            self.t.interfaces[usize::from(ix)].fib_index = self.fib_of_table[&i.vrf];
        }
    }

    fn fib(&self, table_id: u32) -> u16 {
        self.fib_of_table[&table_id]
    }

    fn bridge_domains(&mut self) {
        let cfg = self.cfg;
        let mut ids = HashSet::new();
        for (bd_index, bd) in cfg.bridge_domains.iter().enumerate() {
            let entry = format!("bridge_domain {}", bd.id);
            if !ids.insert(bd.id) {
                self.err(&entry, "id used twice");
            }
            if bd.id == 0 || bd.id > 0x00ff_ffff {
                self.err(&entry, "id must be 1..=16777215 (0 is reserved)");
            }
            let mut members: Vec<&str> = bd.members.iter().map(String::as_str).collect();
            if let Some(bvi) = &bd.bvi {
                if !members.contains(&bvi.as_str()) {
                    members.push(bvi);
                }
            }
            let mut bd_fl = 0;
            for (on, bit) in [
                (bd.learn, bd_flags::LEARN),
                (bd.forward, bd_flags::FORWARD),
                (bd.flood, bd_flags::FLOOD),
                (bd.uu_flood, bd_flags::UU_FLOOD),
                (bd.arp_term, bd_flags::ARP_TERM),
            ] {
                if on {
                    bd_fl |= bit;
                }
            }
            let start = self.t.bd_members.len() as u32;
            let mut bvi_ix = NONE16;
            for m in &members {
                let Some(ix) = self.if_index(&entry, m) else {
                    continue;
                };
                let e = self.t.interfaces[usize::from(ix)];
                if e.bd_index != NONE16 {
                    self.err(&entry, format!("member `{m}` is already in another bridge domain"));
                    continue;
                }
                let is_bvi = bd.bvi.as_deref() == Some(*m);
                let mut flags = e.flags | if_flags::L2;
                if is_bvi {
                    if e.kind != if_kind::LOOPBACK {
                        self.err(&entry, format!("BVI `{m}` must be a loopback"));
                    }
                    flags |= if_flags::BVI;
                    bvi_ix = ix;
                } else if e.ip4_len != 0 {
                    self.err(&entry, format!("member `{m}` has an IP address; only the BVI of a bridge domain is L3"));
                }
                let e = &mut self.t.interfaces[usize::from(ix)];
                e.bd_index = bd_index as u16;
                e.bd_flags = bd_fl;
                e.flags = flags;
                self.t.bd_members.push(BdMemberEntry { sw_if_index: ix, shg: e.shg, _pad: 0 });
            }
            self.t.bridge_domains.push(BridgeDomainEntry {
                bd_id: bd.id,
                member_start: start,
                member_count: (self.t.bd_members.len() as u32 - start) as u16,
                bvi_sw_if_index: bvi_ix,
                flags: bd_fl,
                _pad: [0; 3],
            });
            if bvi_ix != NONE16 {
                let mac = self.t.interfaces[usize::from(bvi_ix)].mac;
                self.t.l2fib.push(L2FibEntry {
                    mac,
                    bd_index: bd_index as u16,
                    sw_if_index: bvi_ix,
                    flags: l2fib_flags::STATIC | l2fib_flags::BVI,
                    _pad: [0; 5],
                });
            }
        }
        for i in &cfg.interfaces {
            if i.shg != 0 {
                let ix = self.if_by_name[i.name.as_str()];
                if self.t.interfaces[usize::from(ix)].bd_index == NONE16 {
                    self.err(format!("interface {}", i.name), format!("shg {} but not a bridge-domain member", i.shg));
                }
            }
        }
        let mut seen: HashMap<(u16, [u8; 6]), usize> =
            self.t.l2fib.iter().enumerate().map(|(i, e)| ((e.bd_index, e.mac), i)).collect();
        for (n, e) in cfg.l2fib.iter().enumerate() {
            let entry = format!("l2fib[{n}] {} bd {}", e.mac, e.bd);
            let Some(bd_index) = cfg.bridge_domains.iter().position(|b| b.id == e.bd) else {
                self.err(&entry, format!("unknown bridge domain {}", e.bd));
                continue;
            };
            let Some(ix) = self.if_index(&entry, &e.interface) else {
                continue;
            };
            if self.t.interfaces[usize::from(ix)].bd_index != bd_index as u16 {
                self.err(&entry, format!("`{}` is not a member of bridge domain {}", e.interface, e.bd));
                continue;
            }
            if e.mac.0[0] & 1 != 0 {
                self.err(&entry, "multicast MAC");
            }
            if seen.insert((bd_index as u16, e.mac.0), self.t.l2fib.len()).is_some() {
                self.err(
                    &entry,
                    "MAC already has an entry in this bridge domain (the BVI's MAC is added automatically)",
                );
                continue;
            }
            let flags = if e.static_entry { l2fib_flags::STATIC } else { 0 };
            self.t.l2fib.push(L2FibEntry {
                mac: e.mac.0,
                bd_index: bd_index as u16,
                sw_if_index: ix,
                flags,
                _pad: [0; 5],
            });
        }
    }

    fn acls(&mut self) {
        let cfg = self.cfg;
        let mut index_of = Vec::new();
        let mut used = HashSet::new();
        for (pos, acl) in cfg.acls.iter().enumerate() {
            let ix = acl.index.unwrap_or(pos as u32);
            if ix > 0xffff {
                self.err(format!("acl[{pos}]"), format!("index {ix} above 65535"));
            } else if !used.insert(ix) {
                self.err(format!("acl {ix}"), "index used twice");
            }
            index_of.push(ix.min(0xffff));
        }
        let n = index_of.iter().map(|i| *i as usize + 1).max().unwrap_or(0);
        self.t.acls = vec![AclEntry::default(); n];
        for (acl, &ix) in cfg.acls.iter().zip(&index_of) {
            let start = self.t.acl_rules.len() as u32;
            for (rn, rule) in acl.rules.iter().enumerate() {
                let entry = format!("acl {ix} rule {rn}");
                // (host bits: VPP masks them, a `notes` line says so)
                let ports_given = rule.sport != PortRange::any() || rule.dport != PortRange::any();
                // For ICMP (1) the ranges are type (sport) and code (dport), as in VPP; with
                // proto 0 VPP takes them and never looks at them (a `notes` line).
                if ports_given && !matches!(rule.proto, 0 | 1 | 6 | 17) {
                    self.err(
                        &entry,
                        format!("port ranges need proto 6 (tcp), 17 (udp) or 1 (icmp type/code), not {}", rule.proto),
                    );
                }
                if rule.tcp_flags_mask != 0 && rule.proto != 6 {
                    self.err(&entry, "tcp flags need proto 6 (tcp)");
                }
                if rule.tcp_flags_value & !rule.tcp_flags_mask != 0 {
                    self.err(&entry, "tcp_flags_value has bits outside tcp_flags_mask");
                }
                let action = match rule.action {
                    AclAction::Deny => acl_action::DENY,
                    AclAction::Permit => acl_action::PERMIT,
                    AclAction::PermitReflect => acl_action::PERMIT_REFLECT,
                };
                self.t.acl_rules.push(AclRuleEntry {
                    src: u32::from(rule.src.network()),
                    dst: u32::from(rule.dst.network()),
                    src_len: rule.src.len,
                    dst_len: rule.dst.len,
                    proto: rule.proto,
                    action,
                    sport_lo: rule.sport.lo,
                    sport_hi: rule.sport.hi,
                    dport_lo: rule.dport.lo,
                    dport_hi: rule.dport.hi,
                    tcp_flags_value: rule.tcp_flags_value,
                    tcp_flags_mask: rule.tcp_flags_mask,
                    acl_index: ix as u16,
                    rule_index: rn as u16,
                    _pad: [0; 6],
                });
            }
            self.t.acls[ix as usize] = AclEntry { rule_start: start, rule_count: acl.rules.len() as u16, defined: 1 };
        }
        for i in &cfg.interfaces {
            let ix = usize::from(self.if_by_name[i.name.as_str()]);
            for (dir, list) in [("input", &i.acl_input), ("output", &i.acl_output)] {
                let start = self.t.acl_lists.len() as u16;
                for &a in list {
                    if self.t.acls.get(a as usize).is_none_or(|e| e.defined == 0) {
                        self.err(format!("interface {}", i.name), format!("{dir} acl {a} is not defined"));
                    }
                    self.t.acl_lists.push(AclListEntry { acl_index: a });
                }
                let e = &mut self.t.interfaces[ix];
                if dir == "input" {
                    (e.acl_in_start, e.acl_in_count) = (start, list.len() as u16);
                } else {
                    (e.acl_out_start, e.acl_out_count) = (start, list.len() as u16);
                }
            }
        }
    }

    fn nat(&mut self) {
        let Some(nat) = &self.cfg.nat44 else { return };
        let mut pool = HashSet::new();
        for a in &nat.addresses {
            if !pool.insert(a.address) {
                self.err(format!("nat44 address {}", a.address), "listed twice");
            }
            self.t.nat_pool.push(NatPoolEntry {
                addr: u32::from(a.address),
                fib_index: self.fib(a.vrf),
                twice_nat: a.twice_nat as u8,
                _pad: 0,
            });
        }
        if nat.max_sessions == 0 {
            self.err("nat44", "max_sessions must be at least 1");
        }
        let mut externals: HashMap<(u32, u8, u32, u16), String> = HashMap::new();
        for (n, m) in nat.static_mappings.iter().enumerate() {
            let proto = m.protocol.map_or_else(|| "address-only".to_string(), |p| format!("{p:?}"));
            let entry = format!("nat44 static_mapping[{n}] {proto} {}", m.external);
            if m.locals.is_empty() {
                self.err(&entry, "needs at least one local endpoint");
            }
            if m.twice_nat && m.self_twice_nat {
                self.err(&entry, "twice_nat and self_twice_nat are mutually exclusive");
            }
            if (m.twice_nat || m.self_twice_nat) && !nat.addresses.iter().any(|a| a.twice_nat) {
                self.err(&entry, "twice-NAT needs a pool address with twice_nat = true");
            }
            match m.protocol {
                None => {
                    if m.locals.len() != 1 || m.external.port != 0 || m.locals[0].address.port != 0 {
                        self.err(&entry, "an address-only mapping (no protocol) has one local and no ports");
                    }
                    if m.twice_nat || m.self_twice_nat {
                        self.err(&entry, "twice-NAT needs a protocol and ports (VPP: unsupported)");
                    }
                }
                Some(p) if p != L4Protocol::Icmp && m.external.port == 0 => self.err(&entry, "external port 0"),
                Some(_) => {}
            }
            let total: u32 = m.locals.iter().map(|l| u32::from(l.probability)).sum();
            if total == 0 {
                self.err(&entry, "the endpoints' probabilities (relative weights) add up to 0: none could be chosen");
            }
            let mut seen_locals = HashSet::new();
            for l in &m.locals {
                if !seen_locals.insert(l.address) {
                    self.err(&entry, format!("endpoint {} listed twice", l.address));
                }
            }
            if let Some(prev) = externals.insert(
                (m.vrf, m.protocol.map_or(0, L4Protocol::number), u32::from(m.external.addr), m.external.port),
                entry.clone(),
            ) {
                self.err(&entry, format!("same external address, protocol and port as {prev}"));
            }
            let start = self.t.nat_endpoints.len() as u32;
            let mut prefix = 0u32;
            for l in &m.locals {
                // VPP's locals[i].prefix: the weights summed in the order given
                prefix += u32::from(l.probability);
                self.t.nat_endpoints.push(NatEndpointEntry {
                    local_addr: u32::from(l.address.addr),
                    local_port: l.address.port,
                    fib_index: self.fib(l.vrf.unwrap_or(m.vrf)),
                    prefix,
                });
            }
            let mut flags = if m.protocol.is_none() { nat_flags::ADDR_ONLY } else { 0 };
            for (on, bit) in [
                (m.twice_nat, nat_flags::TWICE_NAT),
                (m.self_twice_nat, nat_flags::SELF_TWICE_NAT),
                (m.out2in_only, nat_flags::OUT2IN_ONLY),
            ] {
                if on {
                    flags |= bit;
                }
            }
            self.t.nat_mappings.push(NatMappingEntry {
                external_addr: u32::from(m.external.addr),
                external_port: m.external.port,
                proto: m.protocol.map_or(0, L4Protocol::number),
                flags,
                fib_index: self.fib(m.vrf),
                endpoint_count: m.locals.len() as u16,
                endpoint_start: start,
            });
        }
        for (n, m) in nat.identity_mappings.iter().enumerate() {
            let entry = format!("nat44 identity_mapping[{n}] {}", m.address);
            let (proto, port, flags) = match (m.protocol, m.port) {
                (Some(p), Some(port)) => (p.number(), port, nat_flags::IDENTITY),
                (None, None) => (0, 0, nat_flags::IDENTITY | nat_flags::ADDR_ONLY),
                _ => {
                    self.err(&entry, "give both protocol and port, or neither (address-only)");
                    continue;
                }
            };
            if let Some(prev) = externals.insert((m.vrf, proto, u32::from(m.address), port), entry.clone()) {
                self.err(&entry, format!("contradicts {prev}"));
            }
            let start = self.t.nat_endpoints.len() as u32;
            self.t.nat_endpoints.push(NatEndpointEntry {
                local_addr: u32::from(m.address),
                local_port: port,
                fib_index: self.fib(m.vrf),
                prefix: 1,
            });
            self.t.nat_mappings.push(NatMappingEntry {
                external_addr: u32::from(m.address),
                external_port: port,
                proto,
                flags,
                fib_index: self.fib(m.vrf),
                endpoint_count: 1,
                endpoint_start: start,
            });
        }
    }

    fn global(&mut self) {
        let nat = self.cfg.nat44.clone().unwrap_or_default();
        let a = self.cfg.acl_timeouts;
        self.t.global = GlobalEntry {
            nat_max_sessions: nat.max_sessions,
            nat_udp_timeout: nat.timeouts.udp,
            nat_tcp_established_timeout: nat.timeouts.tcp_established,
            nat_tcp_transitory_timeout: nat.timeouts.tcp_transitory,
            nat_icmp_timeout: nat.timeouts.icmp,
            acl_udp_idle: a.udp_idle,
            acl_tcp_idle: a.tcp_idle,
            acl_tcp_transient: a.tcp_transient,
            acl_max_sessions: a.max_sessions,
            nat_forwarding: nat.forwarding as u8,
            nat_enabled: self.cfg.nat44.is_some() as u8,
            _pad: [0; 2],
        };
    }

    /// Adjacencies, load-balances, routes, the LPM and VXLAN tunnels.
    fn routing(&mut self) {
        let cfg = self.cfg;
        // Neighbors → adjacencies.
        let mut adj_of: HashMap<(u16, u32), u32> = HashMap::new();
        let mut neighbor_mac: HashMap<(u16, u32), MacAddr> = HashMap::new();
        for (n, nb) in cfg.neighbors.iter().enumerate() {
            let entry = format!("neighbor[{n}] {} {}", nb.interface, nb.ip);
            let Some(ix) = self.if_index(&entry, &nb.interface) else {
                continue;
            };
            if let Some(prev) = neighbor_mac.insert((ix, u32::from(nb.ip)), nb.mac) {
                self.err(&entry, format!("already has mac {prev}"));
                continue;
            }
            let e = self.t.interfaces[usize::from(ix)];
            if e.kind == if_kind::VXLAN {
                self.err(&entry, "neighbors on a VXLAN interface are not supported (it is an L2 port)");
                continue;
            }
            if e.flags & if_flags::L2 != 0 && e.flags & if_flags::BVI == 0 {
                self.err(&entry, "interface is an L2 bridge port; put the neighbor on the BVI");
                continue;
            }
            adj_of.insert((ix, u32::from(nb.ip)), self.t.adjacencies.len() as u32);
            self.t.adjacencies.push(AdjacencyEntry::neighbor(u32::from(nb.ip), nb.mac.0, &e));
        }

        // Route sources: per (fib, prefix) the best source wins, as VPP's FIB source
        // priorities (lower number here = preferred).
        const SPECIAL: u8 = 0; // the drop entries every VPP FIB has: 224/4, 240/4
        const CONFIG: u8 = 1; // `ip route add` / `[[route]]`
        const NEIGHBOR: u8 = 2; // a neighbor's /32 (adj-fib)
        const INTERFACE: u8 = 3; // connected: glean, local, network and broadcast drops
        const LOW: u8 = 4; // 0.0.0.0/32, 255.255.255.255/32 drops; NAT addresses' receive
        struct Pending {
            fib: u16,
            prefix: u32,
            len: u8,
            entry: String,
            kind: PendingKind,
            source: u8,
        }
        enum PendingKind {
            Resolved(Paths),
            Config(usize),
        }
        let mut pending: Vec<Pending> = Vec::new();
        let drop = || PendingKind::Resolved(vec![(dpo::make(dpo::DROP, 0), 1)]);
        for fib in 0..self.t.names.fib_table_ids.len() as u16 {
            for (prefix, len, source, what) in [
                (0xe000_0000u32, 4u8, SPECIAL, "multicast (drop)"),
                (0xf000_0000, 4, SPECIAL, "class E (drop)"),
                (0, 32, LOW, "0.0.0.0/32 (drop)"),
                (0xffff_ffff, 32, LOW, "255.255.255.255/32 (drop)"),
            ] {
                pending.push(Pending { fib, prefix, len, entry: format!("fib {fib} {what}"), kind: drop(), source });
            }
        }
        for i in &cfg.interfaces {
            let ix = self.if_by_name[i.name.as_str()];
            let e = self.t.interfaces[usize::from(ix)];
            // an interface that is down has no connected routes (VPP withdraws them)
            if e.flags & if_flags::UP == 0 {
                continue;
            }
            if let Some(p) = i.addresses.first() {
                let entry = format!("interface {} address {p}", i.name);
                let addr = u32::from(p.addr);
                if p.len < 32 {
                    pending.push(Pending {
                        fib: e.fib_index,
                        prefix: addr & p.mask(),
                        len: p.len,
                        entry: entry.clone(),
                        kind: PendingKind::Resolved(vec![(dpo::make(dpo::GLEAN, ix.into()), 1)]),
                        source: INTERFACE,
                    });
                }
                if p.len <= 30 {
                    // the subnet's network and broadcast addresses: drops
                    for a in [addr & p.mask(), addr | !p.mask()] {
                        if a != addr {
                            let entry = format!("{entry} ({} drop)", Ipv4Addr::from(a));
                            let fib = e.fib_index;
                            pending.push(Pending { fib, prefix: a, len: 32, entry, kind: drop(), source: INTERFACE });
                        }
                    }
                }
                pending.push(Pending {
                    fib: e.fib_index,
                    prefix: addr,
                    len: 32,
                    entry,
                    kind: PendingKind::Resolved(vec![(dpo::make(dpo::LOCAL, ix.into()), 1)]),
                    source: INTERFACE,
                });
            }
        }
        // NAT addresses (pool and static mappings' external ones) are receive entries of
        // the FIB of every outside interface, at NAT's low priority (nat44-ed's
        // `nat44_ed_add_fib_entry_reg`): what NAT does not translate to them is local.
        if let Some(nat) = &cfg.nat44 {
            let mut addrs: Vec<u32> =
                nat.addresses.iter().filter(|a| !a.twice_nat).map(|a| u32::from(a.address)).collect();
            addrs.extend(nat.static_mappings.iter().map(|m| u32::from(m.external.addr)));
            addrs.extend(nat.identity_mappings.iter().map(|m| u32::from(m.address)));
            for i in &cfg.interfaces {
                let ix = self.if_by_name[i.name.as_str()];
                let e = self.t.interfaces[usize::from(ix)];
                if e.flags & (if_flags::NAT_OUTSIDE | if_flags::NAT_OUTPUT_FEATURE) == 0 {
                    continue;
                }
                for &a in &addrs {
                    pending.push(Pending {
                        fib: e.fib_index,
                        prefix: a,
                        len: 32,
                        entry: format!("nat44 address {} on {}", Ipv4Addr::from(a), i.name),
                        kind: PendingKind::Resolved(vec![(dpo::make(dpo::LOCAL, ix.into()), 1)]),
                        source: LOW,
                    });
                }
            }
        }
        // In adjacency (= config) order: iterating the HashMap would make the rendered
        // tables differ from one render to the next.
        let mut adjs: Vec<((u16, u32), u32)> = adj_of.iter().map(|(&k, &v)| (k, v)).collect();
        adjs.sort_by_key(|&(_, adj)| adj);
        for ((ix, ip), adj) in adjs {
            let fib = self.t.interfaces[usize::from(ix)].fib_index;
            pending.push(Pending {
                fib,
                prefix: ip,
                len: 32,
                entry: format!("neighbor {ip}"),
                kind: PendingKind::Resolved(vec![(dpo::make(dpo::ADJACENCY, adj), 1)]),
                source: NEIGHBOR,
            });
        }
        let mut seen_routes = HashMap::new();
        for (n, r) in cfg.routes.iter().enumerate() {
            let entry = format!("route[{n}] {}", r.prefix);
            if r.prefix.has_host_bits() {
                self.err(&entry, format!("host bits set (network is {}/{})", r.prefix.network(), r.prefix.len));
                continue;
            }
            if r.via.is_empty() {
                self.err(&entry, "needs at least one `via`");
                continue;
            }
            if r.via.len() > MAX_LB_BUCKETS {
                self.err(&entry, format!("more than {MAX_LB_BUCKETS} paths"));
                continue;
            }
            let fib = self.fib(r.vrf);
            if let Some(prev) = seen_routes.insert((fib, u32::from(r.prefix.addr), r.prefix.len), n) {
                self.err(&entry, format!("same prefix and vrf as route[{prev}]"));
                continue;
            }
            pending.push(Pending {
                fib,
                prefix: u32::from(r.prefix.addr),
                len: r.prefix.len,
                entry,
                kind: PendingKind::Config(n),
                source: CONFIG,
            });
        }
        // Per prefix, the best source's entry (the first of its source, in order).
        let mut best: HashMap<(u16, u32, u8), u8> = HashMap::new();
        for p in &pending {
            let b = best.entry((p.fib, p.prefix, p.len)).or_insert(p.source);
            *b = (*b).min(p.source);
        }
        let mut uniq = HashSet::new();
        pending.retain(|p| {
            let k = (p.fib, p.prefix, p.len);
            best[&k] == p.source && uniq.insert(k)
        });

        // Resolve: non-recursive first, then recursive paths through what is resolved,
        // repeating while progress is made (bounded by the number of routes).
        let mut resolved: Vec<Option<(Paths, bool)>> = vec![None; pending.len()];
        for (k, p) in pending.iter().enumerate() {
            if let PendingKind::Resolved(paths) = &p.kind {
                resolved[k] = Some((paths.clone(), false));
            }
        }
        let mut progress = true;
        while progress {
            progress = false;
            let table: Vec<(u16, u32, u8, u32)> = pending
                .iter()
                .enumerate()
                .filter(|(k, _)| resolved[*k].is_some())
                .map(|(k, p)| (p.fib, p.prefix, p.len, k as u32))
                .collect();
            for (k, p) in pending.iter().enumerate() {
                if resolved[k].is_some() {
                    continue;
                }
                let PendingKind::Config(n) = p.kind else {
                    continue;
                };
                let route = &cfg.routes[n];
                let mut paths: Paths = Vec::new();
                let mut recursive = false;
                let mut ready = true;
                // VPP's path list is sorted (fib_path_cmp_for_sort): attached next hops,
                // then attached interfaces, then recursive next hops, each by next hop
                // address and interface; the order they are written in does not matter
                let mut vias: Vec<&NextHop> = route.via.iter().collect();
                vias.sort_by_key(|v| {
                    let ty = match (&v.address, &v.interface) {
                        (Some(_), Some(_)) => 0,
                        (None, Some(_)) => 1,
                        _ => 2,
                    };
                    let sw = v.interface.as_deref().and_then(|n| self.if_by_name.get(n)).copied().unwrap_or(0);
                    (ty, v.address.map_or(0, u32::from), sw)
                });
                for v in vias {
                    match (&v.address, &v.interface) {
                        (_, Some(ifname)) => {
                            let Some(&ix) = self.if_by_name.get(ifname.as_str()) else {
                                ready = false;
                                break;
                            };
                            let host = v.address.map(u32::from).or((p.len == 32).then_some(p.prefix));
                            let d = match host.and_then(|h| adj_of.get(&(ix, h))) {
                                Some(&adj) => dpo::make(dpo::ADJACENCY, adj),
                                None => dpo::make(dpo::GLEAN, ix.into()),
                            };
                            paths.push((d, v.weight));
                        }
                        (Some(nh), None) => {
                            recursive = true;
                            let nh_fib = v.next_hop_vrf.map(|t| self.fib_of_table[&t]).unwrap_or(p.fib);
                            // The next hop must not resolve through this very route.
                            let via = table.iter().filter(|r| !(r.0 == p.fib && r.1 == p.prefix && r.2 == p.len));
                            let via: Vec<_> = via.copied().collect();
                            match reference_lookup(&via, nh_fib, u32::from(*nh)) {
                                Some(t) => {
                                    let (tpaths, _) =
                                        resolved[t as usize].clone().expect("table holds resolved routes only");
                                    for (d, w) in tpaths {
                                        // Through an attached subnet: use the neighbor if known.
                                        let d = if dpo::kind(d) == dpo::GLEAN {
                                            adj_of
                                                .get(&(dpo::index(d) as u16, u32::from(*nh)))
                                                .map(|&a| dpo::make(dpo::ADJACENCY, a))
                                                .unwrap_or(d)
                                        } else {
                                            d
                                        };
                                        paths.push((d, w.saturating_mul(v.weight)));
                                    }
                                }
                                None => {
                                    ready = false;
                                    break;
                                }
                            }
                        }
                        (None, None) => {
                            self.err(&p.entry, "a via needs an address, an interface or both");
                            ready = false;
                            break;
                        }
                    }
                }
                if ready {
                    // paths through an interface that is down are unresolved (VPP skips
                    // them); a route left without any forwards to a drop
                    let up = |d: u32| {
                        let sw = match dpo::kind(d) {
                            dpo::ADJACENCY => self.t.adjacencies[dpo::index(d) as usize].sw_if_index,
                            dpo::GLEAN | dpo::LOCAL => dpo::index(d) as u16,
                            _ => return true,
                        };
                        self.t.interfaces[usize::from(sw)].flags & if_flags::UP != 0
                    };
                    paths.retain(|(d, _)| up(*d));
                    if paths.is_empty() {
                        paths.push((dpo::make(dpo::DROP, 0), 1));
                    }
                    resolved[k] = Some((paths, recursive));
                    progress = true;
                }
            }
        }
        // What did not resolve: a path through an unknown interface is a config error; a
        // next hop nothing covers (or a recursion loop) is a route VPP installs anyway,
        // unresolved, forwarding to a drop.
        let unresolved: Vec<usize> = (0..pending.len()).filter(|k| resolved[*k].is_none()).collect();
        for k in unresolved {
            let PendingKind::Config(n) = pending[k].kind else { continue };
            let unknown = cfg.routes[n]
                .via
                .iter()
                .filter_map(|v| v.interface.as_deref())
                .find(|name| !self.if_by_name.contains_key(name));
            match unknown {
                Some(name) => self.err(&pending[k].entry, format!("unknown interface `{name}`")),
                None => resolved[k] = Some((vec![(dpo::make(dpo::DROP, 0), 1)], true)),
            }
        }
        if !self.errs.is_empty() {
            return;
        }

        let n_fibs = self.t.names.fib_table_ids.len();
        let mut lpm = LpmBuilder::new(n_fibs);
        for (k, p) in pending.iter().enumerate() {
            let (paths, recursive) = resolved[k].take().expect("checked above");
            let lb = self.t.load_balances.len() as u32;
            let start = self.t.buckets.len() as u32;
            for (d, c) in lb_buckets(&paths) {
                for _ in 0..c {
                    self.t.buckets.push(BucketEntry { dpo: d });
                }
            }
            let n = self.t.buckets.len() as u32 - start;
            self.t.load_balances.push(LoadBalanceEntry {
                bucket_start: start,
                n_buckets: n as u16,
                flags: if recursive { lb_flags::RECURSIVE } else { 0 },
                _pad: 0,
            });
            self.t.routes.push(RouteEntry { prefix: p.prefix, len: p.len, _pad: 0, fib_index: p.fib, lb_index: lb });
            lpm.add(p.fib, p.prefix, p.len, lb);
        }
        self.t.lpm = lpm.build();

        // VXLAN tunnels stack on the load-balance of the route to their destination.
        let mut seen = HashSet::new();
        for i in &cfg.interfaces {
            let Some(v) = &i.vxlan else { continue };
            let entry = format!("interface {}", i.name);
            let ix = self.if_by_name[i.name.as_str()];
            let fib = self.fib(v.encap_vrf);
            if v.vni > 0x00ff_ffff {
                self.err(&entry, format!("vni {} does not fit 24 bits", v.vni));
            }
            if !seen.insert((u32::from(v.src), u32::from(v.dst), v.vni)) {
                self.err(&entry, "another tunnel has the same src, dst and vni");
            }
            if !self.t.interfaces.iter().any(|e| e.kind != 0 && e.fib_index == fib && e.ip4_addr == u32::from(v.src)) {
                self.err(&entry, format!("src {} is not an address of this node in vrf {}", v.src, v.encap_vrf));
            }
            // stacked on the route to dst; with none, on a drop (VPP creates the tunnel
            // anyway, and it forwards nothing until a route appears)
            let outer_lb = match self.t.lpm.lookup(fib, u32::from(v.dst)) {
                Some(lb) => lb,
                None => {
                    let start = self.t.buckets.len() as u32;
                    self.t.buckets.push(BucketEntry { dpo: dpo::make(dpo::DROP, 0) });
                    self.t.load_balances.push(LoadBalanceEntry {
                        bucket_start: start,
                        n_buckets: 1,
                        flags: 0,
                        _pad: 0,
                    });
                    self.t.load_balances.len() as u32 - 1
                }
            };
            self.t.interfaces[usize::from(ix)].vxlan_tunnel = self.t.vxlan_tunnels.len() as u16;
            self.t.vxlan_tunnels.push(VxlanTunnelEntry {
                src: u32::from(v.src),
                dst: u32::from(v.dst),
                vni: v.vni,
                sw_if_index: ix,
                encap_fib_index: fib,
                outer_lb,
            });
        }
        if self.t.interfaces.iter().any(|e| e.kind == if_kind::VXLAN && e.bd_index == NONE16) {
            let names: Vec<String> = self
                .t
                .interfaces
                .iter()
                .filter(|e| e.kind == if_kind::VXLAN && e.bd_index == NONE16)
                .map(|e| self.t.names.interface(e.sw_if_index).to_string())
                .collect();
            for n in names {
                self.err(format!("interface {n}"), "a VXLAN tunnel must be a bridge-domain member (decap-next l2)");
            }
        }
    }
}

/// A load-balance's buckets for weighted paths, as VPP fills them
/// (`ip_multipath_normalize_next_hops`, `load_balance_fill_buckets_norm`): the paths
/// ordered — two: the heavier first (equal weights keep their order); more: by ascending
/// weight, ties in order — then the smallest power of two of buckets (from the number of
/// paths up) whose rounding error is within 10% of the bucket count, each path's share
/// rounded in that order, leftovers to the first, filled contiguously. Returns the
/// paths in bucket order with their bucket counts (capped at [`MAX_LB_BUCKETS`] buckets,
/// every path keeping at least one).
pub fn lb_buckets(paths: &[(u32, u8)]) -> Vec<(u32, usize)> {
    let n = paths.len();
    if n <= 1 {
        return paths.iter().map(|&(d, _)| (d, 1)).collect();
    }
    let mut nhs: Vec<(u32, f64)> = paths.iter().map(|&(d, w)| (d, f64::from(w.max(1)))).collect();
    if n == 2 {
        if nhs[0].1 < nhs[1].1 {
            nhs.swap(0, 1);
        }
        if nhs[0].1 == nhs[1].1 {
            return vec![(nhs[0].0, 1), (nhs[1].0, 1)];
        }
    } else {
        nhs.sort_by(|a, b| a.1.partial_cmp(&b.1).expect("finite weights"));
    }
    let sum: f64 = nhs.iter().map(|p| p.1).sum();
    let mut n_adj = n.next_power_of_two();
    loop {
        let norm = n_adj as f64 / sum;
        let mut left = n_adj;
        let mut err = 0.0;
        let mut counts = vec![0usize; n];
        for (i, &(_, w)) in nhs.iter().enumerate() {
            let nf = w * norm;
            let c = ((nf + 0.5) as usize).min(left);
            left -= c;
            err += (nf - c as f64).abs();
            counts[i] = c;
            if c == 0 {
                err = n_adj as f64;
                break;
            }
        }
        counts[0] += left;
        if err <= 0.1 * n_adj as f64 || n_adj >= MAX_LB_BUCKETS {
            if n_adj >= MAX_LB_BUCKETS && counts.contains(&0) {
                // (our tables' limit, not VPP's): every path keeps a bucket
                for c in counts.iter_mut() {
                    *c = (*c).max(1);
                }
                while counts.iter().sum::<usize>() > n_adj {
                    let heaviest = (0..n).max_by_key(|&i| counts[i]).expect("n > 0");
                    counts[heaviest] -= 1;
                }
            }
            return nhs.iter().zip(counts).map(|(&(d, _), c)| (d, c)).collect();
        }
        n_adj *= 2;
    }
}

/// Questionable values VPP accepts (so the config loads as VPP runs it), for `nicctl
/// check` to point out: each names the entry and what is odd about it.
pub fn notes(cfg: &NodeConfig) -> Vec<String> {
    let mut n = Vec::new();
    for i in &cfg.interfaces {
        if let Some(m) = i.mac {
            if m.0[0] & 1 != 0 {
                // Contiv-VPP gives its host-interconnect TAP 01:23:45:67:89:42; VPP takes it.
                n.push(format!(
                    "interface {}: mac {m} has the multicast bit set (VPP accepts it; frames sent to it are \
                     group-addressed on a real wire)",
                    i.name
                ));
            }
        }
    }
    for (pos, acl) in cfg.acls.iter().enumerate() {
        let ix = acl.index.unwrap_or(pos as u32);
        for (rn, r) in acl.rules.iter().enumerate() {
            for (what, p) in [("src", r.src), ("dst", r.dst)] {
                if p.has_host_bits() {
                    n.push(format!(
                        "acl {ix} rule {rn}: {what} {p} has host bits set; matched as {}/{} (VPP masks it)",
                        p.network(),
                        p.len
                    ));
                }
            }
            if r.proto == 0 && (r.sport != PortRange::any() || r.dport != PortRange::any()) {
                n.push(format!("acl {ix} rule {rn}: port ranges with proto 0 (any) are never looked at (as in VPP)"));
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked examples of VPP's normalisation.
    #[test]
    fn buckets_as_vpp_fills_them() {
        let (a, b, c) = (10, 20, 30);
        assert_eq!(lb_buckets(&[(a, 1)]), vec![(a, 1)]);
        assert_eq!(lb_buckets(&[(a, 1), (b, 1)]), vec![(a, 1), (b, 1)]);
        // two paths: the heavier first; 1:3 needs 4 buckets
        assert_eq!(lb_buckets(&[(a, 1), (b, 3)]), vec![(b, 3), (a, 1)]);
        // three equal paths: 16 buckets (6, 5, 5), the leftover to the first
        assert_eq!(lb_buckets(&[(a, 1), (b, 1), (c, 1)]), vec![(a, 6), (b, 5), (c, 5)]);
        // three or more: ascending weight
        assert_eq!(lb_buckets(&[(a, 5), (b, 1), (c, 2)]).iter().map(|x| x.0).collect::<Vec<_>>(), vec![b, c, a]);
        let x = lb_buckets(&[(a, 1), (b, 2), (c, 5)]);
        assert!(x.iter().map(|p| p.1).sum::<usize>().is_power_of_two());
        assert!(x.iter().all(|p| p.1 > 0));
        let many: Vec<(u32, u8)> = (0..40).map(|i| (i, 1)).collect();
        assert_eq!(lb_buckets(&many).iter().map(|p| p.1).sum::<usize>(), 64);
    }
}
