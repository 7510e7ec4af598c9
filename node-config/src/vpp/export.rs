//! [`NodeConfig`] → VPP CLI script.
//!
//! The contract, checked by the round-trip tests: for every config `cfg` for which
//! [`export_limitations`] is empty,
//!
//! ```text
//! parse(export(cfg), VppOptions { ports: port_options(cfg) }).config == canonical(cfg)
//! ```
//!
//! [`canonical`] is `cfg` with what VPP's CLI cannot carry normalised away: the node name
//! (VPP has none; the script names it in a `#` line for the reader only), defaults made
//! explicit the way the parser reports them (interface and ACL indices), list orders the CLI
//! fixes (interfaces by sw_if_index, ACLs by index), a bridge domain's BVI listed only as
//! `bvi`, and a single-endpoint mapping's probability (always 100).
//!
//! How the script reproduces what VPP derives from command order:
//!
//! - sw_if_index: physical ports are mentioned first, in index order (they are numbered by
//!   first mention); then every index up to the highest is created in order, with a
//!   placeholder loopback for each gap, and the placeholders are deleted at the end (VPP
//!   reuses a freed index only at the next create, so the gaps stay);
//! - instance numbers: `instance N` where VPP would pick another one;
//! - wire ports: not CLI state (startup.conf's `dpdk` section); [`port_options`] gives the
//!   `--port NAME=N` options to load the script with, and the script lists them in its header.

use super::is_physical_name;
use super::parse::name_number;
use crate::model::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

/// Default MTU of the native format, which the parser also assumes.
const DEFAULT_MTU: u16 = 9000;

/// `cfg` as [`parse`](super::parse) gives it back after [`export`] (see the module docs).
pub fn canonical(cfg: &NodeConfig) -> NodeConfig {
    let mut c = cfg.clone();
    c.name = String::new();

    // Interface indices as `render` assigns them: explicit first, then the lowest free.
    let mut taken: HashSet<u16> = c.interfaces.iter().filter_map(|i| i.index).collect();
    let mut next = 1u16;
    for i in &mut c.interfaces {
        if i.index.is_none() {
            while taken.contains(&next) {
                next += 1;
            }
            taken.insert(next);
            i.index = Some(next);
        }
    }
    // Wire ports as `render` assigns them (in file order), before reordering.
    let mut ports: HashSet<u8> = c.interfaces.iter().filter_map(|i| i.port).collect();
    let mut next_port = 0u8;
    for i in &mut c.interfaces {
        if i.kind == InterfaceKind::Uplink && i.port.is_none() {
            while ports.contains(&next_port) {
                next_port += 1;
            }
            ports.insert(next_port);
            i.port = Some(next_port);
        }
    }
    c.interfaces.sort_by_key(|i| i.index);
    // Ports stay implicit only when the default (order of first mention) gives them all.
    let uplinks: Vec<&Interface> = c.interfaces.iter().filter(|i| i.kind == InterfaceKind::Uplink).collect();
    let implicit = uplinks.iter().enumerate().all(|(n, i)| is_physical_name(&i.name) && i.port == Some(n as u8));
    if implicit {
        for i in &mut c.interfaces {
            i.port = None;
        }
    }

    for bd in &mut c.bridge_domains {
        if let Some(bvi) = &bd.bvi {
            bd.members.retain(|m| m != bvi);
        }
    }
    if let Some(nat) = &mut c.nat44 {
        for m in &mut nat.static_mappings {
            if m.locals.len() == 1 {
                m.locals[0].probability = 100;
                if m.locals[0].vrf == Some(m.vrf) {
                    m.locals[0].vrf = None;
                }
            }
        }
    }
    for (pos, a) in c.acls.iter_mut().enumerate() {
        a.index = Some(a.index.unwrap_or(pos as u32));
        // as VPP's CLI stores them: prefixes masked, "cli" for no tag
        for r in &mut a.rules {
            r.src = Ipv4Prefix::new(r.src.network(), r.src.len);
            r.dst = Ipv4Prefix::new(r.dst.network(), r.dst.len);
        }
        if a.tag.is_empty() {
            a.tag = "cli".into();
        }
    }
    c.acls.sort_by_key(|a| a.index);
    // VPP 22.02's CLI numbers ACLs in creation order: an index below the highest in use
    // is held by an empty ACL (what `export` writes for it).
    let used: BTreeSet<u32> = c.acls.iter().filter_map(|a| a.index).collect();
    if let Some(&top) = used.last() {
        for g in (0..top).filter(|g| !used.contains(g)) {
            c.acls.push(Acl { index: Some(g), tag: unused_acl_tag(g), rules: Vec::new() });
        }
        c.acls.sort_by_key(|a| a.index);
    }
    c
}

/// The tag of the empty ACL that holds an unused index.
fn unused_acl_tag(index: u32) -> String {
    format!("unused-{index}")
}

/// The `--port NAME=N` options the exported script must be loaded with.
pub fn port_options(cfg: &NodeConfig) -> Vec<(String, u8)> {
    canonical(cfg).interfaces.iter().filter_map(|i| i.port.map(|p| (i.name.clone(), p))).collect()
}

/// What of `cfg` the exported script cannot reproduce (empty for every config that
/// renders, except where noted). Each entry names the config entry and why.
pub fn export_limitations(cfg: &NodeConfig) -> Vec<String> {
    let c = canonical(cfg);
    let mut out = Vec::new();
    let mut names = HashSet::new();
    let mut indices = HashSet::new();
    let mut numbered: HashMap<(&str, u32), &str> = HashMap::new();
    let n_uplinks = c.interfaces.iter().filter(|i| i.kind == InterfaceKind::Uplink).count();
    for (pos, i) in c.interfaces.iter().enumerate() {
        let e = format!("interface {}", i.name);
        if !names.insert(i.name.as_str()) {
            out.push(format!("{e}: name used twice"));
        }
        let ix = i.index.expect("canonical");
        if ix == 0 || !indices.insert(ix) {
            out.push(format!("{e}: index {ix} is 0 or used twice"));
        }
        if i.name.is_empty() || i.name.contains(|ch: char| ch.is_whitespace() || ch == ',') {
            out.push(format!("{e}: a VPP interface name has no spaces or commas"));
        }
        let uplink_slot = usize::from(ix) <= n_uplinks;
        if (i.kind == InterfaceKind::Uplink) != uplink_slot || (uplink_slot && pos + 1 != usize::from(ix)) {
            out.push(format!(
                "{e}: VPP numbers physical ports first (1..={n_uplinks}), index {ix} cannot be reproduced"
            ));
        }
        let prefix = match i.kind {
            InterfaceKind::Uplink => None,
            InterfaceKind::Loopback => Some("loop"),
            InterfaceKind::Tap => Some("tap"),
            InterfaceKind::Vxlan => Some("vxlan_tunnel"),
        };
        if let Some(p) = prefix {
            match name_number(&i.name, p) {
                Some(n) => {
                    if numbered.insert((p, n), &i.name).is_some() {
                        out.push(format!("{e}: instance {n} used twice"));
                    }
                }
                None => out.push(format!("{e}: VPP names this kind {p}N")),
            }
        }
        if i.kind == InterfaceKind::Loopback && i.mac.is_none() {
            out.push(format!("{e}: a loopback without a MAC gets VPP's de:ad:00:00:00:NN"));
        }
        if i.kind == InterfaceKind::Vxlan {
            match &i.vxlan {
                Some(v) if v.vni == 0 || v.vni > 0x00ff_ffff || v.src == v.dst => {
                    out.push(format!("{e}: VPP needs a VNI 1..=16777215 and src != dst"))
                }
                None => out.push(format!("{e}: kind vxlan without a vxlan table")),
                _ => {}
            }
        } else if i.vxlan.is_some() {
            out.push(format!("{e}: only kind vxlan takes a vxlan table"));
        }
        // VPP's proxy ARP ranges belong to a FIB; every interface enabled in that FIB
        // answers for all of them.
        if !i.proxy_arp.is_empty() {
            let mut seen = HashSet::new();
            if !i.proxy_arp.iter().all(|a| seen.insert(*a)) {
                out.push(format!("{e}: proxy_arp lists an address twice"));
            }
            if c.interfaces.iter().any(|o| o.vrf == i.vrf && !o.proxy_arp.is_empty() && o.proxy_arp != i.proxy_arp) {
                out.push(format!("{e}: VPP proxy ARP ranges are per table, and another interface in table {} proxies other addresses", i.vrf));
            }
        }
        if i.host_if_name.is_some() && i.kind != InterfaceKind::Tap {
            out.push(format!("{e}: only taps have a host_if_name"));
        }
        if let Some(h) = &i.host_if_name {
            if h.is_empty() || h.contains(|ch: char| ch.is_whitespace() || ch == ',') {
                out.push(format!("{e}: host_if_name must be one word"));
            }
        }
        if i.shg != 0
            && !c.bridge_domains.iter().any(|b| b.members.contains(&i.name) || b.bvi.as_ref() == Some(&i.name))
        {
            out.push(format!("{e}: shg is set by `set interface l2 bridge`, and this is no member"));
        }
        if i.nat_output_feature && i.nat == NatRole::None {
            out.push(format!("{e}: nat_output_feature without a NAT role"));
        }
        if i.nat != NatRole::None && c.nat44.is_none() {
            out.push(format!("{e}: a NAT role needs [nat44]"));
        }
        if let Some(u) = &i.unnumbered {
            if !cfg.interfaces.iter().any(|o| &o.name == u) {
                out.push(format!("{e}: unnumbered to unknown `{u}`"));
            }
        }
        let defined: HashSet<u32> = c.acls.iter().filter_map(|a| a.index).collect();
        for (dir, list) in [("input", &i.acl_input), ("output", &i.acl_output)] {
            let mut seen = HashSet::new();
            for a in list {
                if !defined.contains(a) || !seen.insert(a) {
                    out.push(format!("{e}: {dir} acl {a} undefined or listed twice"));
                }
            }
        }
    }
    let known = |n: &str| names.contains(n);
    let mut bd_ids = HashSet::new();
    let mut in_bd = HashSet::new();
    for b in &c.bridge_domains {
        let e = format!("bridge_domain {}", b.id);
        if b.id == 0 || b.id > 0x00ff_ffff || !bd_ids.insert(b.id) {
            out.push(format!("{e}: id 0, above 24 bits, or used twice"));
        }
        for m in b.members.iter().chain(&b.bvi) {
            if !known(m) || !in_bd.insert(m.as_str()) {
                out.push(format!("{e}: member `{m}` unknown or in two bridge domains"));
            }
        }
    }
    let mut fib = HashSet::new();
    for (n, f) in c.l2fib.iter().enumerate() {
        let member = c
            .bridge_domains
            .iter()
            .any(|b| b.id == f.bd && (b.members.contains(&f.interface) || b.bvi.as_ref() == Some(&f.interface)));
        if !member || !fib.insert((f.bd, f.mac)) {
            out.push(format!("l2fib[{n}]: interface not a member of bd {}, or MAC twice", f.bd));
        }
    }
    let mut nbs = HashSet::new();
    for (n, nb) in c.neighbors.iter().enumerate() {
        if !known(&nb.interface) || !nbs.insert((nb.interface.as_str(), nb.ip)) {
            out.push(format!("neighbor[{n}]: unknown interface or listed twice"));
        }
    }
    let mut rts = HashSet::new();
    for (n, r) in c.routes.iter().enumerate() {
        let e = format!("route[{n}] {}", r.prefix);
        if !rts.insert((r.vrf, r.prefix)) {
            out.push(format!("{e}: same prefix twice (VPP merges the paths)"));
        }
        if r.via.is_empty() {
            out.push(format!("{e}: no via"));
        }
        let mut paths = HashSet::new();
        for v in &r.via {
            if (v.address.is_none() && v.interface.is_none())
                || v.interface.as_ref().is_some_and(|i| !known(i))
                || !paths.insert((v.address, v.interface.clone(), v.next_hop_vrf))
            {
                out.push(format!("{e}: a via is empty, names an unknown interface, or repeats"));
            }
        }
    }
    for (n, a) in c.acls.iter().enumerate() {
        if a.tag.contains(|ch: char| ch.is_whitespace() || ch == ',') {
            out.push(format!("acl[{n}]: the tag must be one word"));
        }
        if c.acls[..n].iter().any(|o| o.index == a.index) {
            out.push(format!("acl[{n}]: index used twice"));
        }
    }
    if let Some(nat) = &c.nat44 {
        if nat.max_sessions == 0 {
            out.push("nat44: max_sessions 0 means VPP's default".into());
        }
        let mut pool = HashSet::new();
        for a in &nat.addresses {
            if !pool.insert(a.address) {
                out.push(format!("nat44 address {}: listed twice", a.address));
            }
        }
        let mut ext = HashSet::new();
        for (n, m) in nat.static_mappings.iter().enumerate() {
            let e = format!("nat44 static_mapping[{n}]");
            if !ext.insert((m.protocol, m.external)) {
                out.push(format!("{e}: same protocol and external twice"));
            }
            match m.locals.len() {
                0 => out.push(format!("{e}: no local endpoint")),
                1 => {
                    if m.locals[0].vrf.is_some() {
                        out.push(format!("{e}: a single endpoint's vrf is the mapping's `vrf`"));
                    }
                }
                _ => {
                    if m.vrf != 0 || m.protocol != Some(L4Protocol::Tcp) && m.protocol != Some(L4Protocol::Udp) {
                        out.push(format!("{e}: a load-balancing mapping has no mapping vrf and is tcp or udp"));
                    }
                }
            }
        }
        let mut ids = HashSet::new();
        for (n, m) in nat.identity_mappings.iter().enumerate() {
            if m.protocol.is_some() != m.port.is_some() || !ids.insert(m.clone_key()) {
                out.push(format!("nat44 identity_mapping[{n}]: protocol without port, or twice"));
            }
        }
    }
    out
}

trait IdentityKey {
    fn clone_key(&self) -> (std::net::Ipv4Addr, Option<L4Protocol>, Option<u16>, u32);
}
impl IdentityKey for IdentityMapping {
    fn clone_key(&self) -> (std::net::Ipv4Addr, Option<L4Protocol>, Option<u16>, u32) {
        (self.address, self.protocol, self.port, self.vrf)
    }
}

/// Writes `cfg` as a VPP 22.02 CLI script (see the module docs for how it reproduces
/// sw_if_index values and instance numbers).
pub fn export(cfg: &NodeConfig) -> String {
    let c = canonical(cfg);
    let mut s = String::new();
    let w = &mut s;
    let name = if cfg.name.is_empty() { "(unnamed)" } else { cfg.name.as_str() };
    let _ = writeln!(w, "# VPP 22.02 CLI for node {name}, exported by nicctl.");
    let opts = port_options(cfg);
    if !opts.is_empty() {
        let list: Vec<String> = opts.iter().map(|(n, p)| format!("--port {n}={p}")).collect();
        let _ = writeln!(w, "# Physical ports are not CLI state: load with {}", list.join(" "));
    }

    // FIB tables used anywhere (NAT creates its own).
    let mut tables: BTreeSet<u32> = BTreeSet::new();
    for i in &c.interfaces {
        tables.insert(i.vrf);
        if let Some(v) = &i.vxlan {
            tables.insert(v.encap_vrf);
        }
    }
    for r in &c.routes {
        tables.insert(r.vrf);
        tables.extend(r.via.iter().filter_map(|v| v.next_hop_vrf));
    }
    tables.remove(&0);
    for t in &tables {
        let _ = writeln!(w, "ip table add {t}");
    }

    // Physical ports: mentioned first, in sw_if_index order.
    let _ = writeln!(w, "\n# physical ports");
    for i in c.interfaces.iter().filter(|i| i.kind == InterfaceKind::Uplink) {
        let st = if i.up { "up" } else { "down" };
        let _ = writeln!(w, "set interface state {} {st}", i.name);
    }

    // Created interfaces in sw_if_index order; placeholder loopbacks hold the gaps.
    let created: Vec<&Interface> = c.interfaces.iter().filter(|i| i.kind != InterfaceKind::Uplink).collect();
    let n_up = c.interfaces.len() - created.len();
    let by_index: HashMap<u16, &Interface> = created.iter().map(|i| (i.index.expect("canonical"), *i)).collect();
    let max = by_index.keys().copied().max().unwrap_or(0);
    let config_loops: HashSet<u32> = created
        .iter()
        .filter(|i| i.kind == InterfaceKind::Loopback)
        .filter_map(|i| name_number(&i.name, "loop"))
        .collect();
    let mut loops_alive: BTreeSet<u32> = BTreeSet::new();
    let mut placeholders = Vec::new();
    let mut vxlans = 0u32;
    if !created.is_empty() {
        let _ = writeln!(w, "\n# interfaces, created in sw_if_index order");
    }
    let lowest_free = |alive: &BTreeSet<u32>| (0..).find(|n| !alive.contains(n)).expect("free");
    for ix in (n_up as u16 + 1)..=max {
        let Some(i) = by_index.get(&ix) else {
            let inst = (0..).find(|n| !loops_alive.contains(n) && !config_loops.contains(n)).expect("free");
            let opt = if inst == lowest_free(&loops_alive) { String::new() } else { format!(" instance {inst}") };
            let _ = writeln!(w, "create loopback interface{opt}");
            loops_alive.insert(inst);
            placeholders.push(inst);
            continue;
        };
        match i.kind {
            InterfaceKind::Loopback => {
                let inst = name_number(&i.name, "loop").unwrap_or(0);
                let mut line = String::from("create loopback interface");
                if let Some(m) = i.mac {
                    let _ = write!(line, " mac {m}");
                }
                if inst != lowest_free(&loops_alive) {
                    let _ = write!(line, " instance {inst}");
                }
                loops_alive.insert(inst);
                let _ = writeln!(w, "{line}");
            }
            InterfaceKind::Tap => {
                let id = name_number(&i.name, "tap").unwrap_or(0);
                let mut line = format!("create tap id {id}");
                if let Some(m) = i.mac {
                    let _ = write!(line, " hw-addr {m}");
                }
                if let Some(h) = &i.host_if_name {
                    let _ = write!(line, " host-if-name {h}");
                }
                let _ = writeln!(w, "{line}");
            }
            InterfaceKind::Vxlan => {
                let inst = name_number(&i.name, "vxlan_tunnel").unwrap_or(0);
                if let Some(v) = &i.vxlan {
                    let mut line = format!("create vxlan tunnel src {} dst {} vni {}", v.src, v.dst, v.vni);
                    if inst != vxlans {
                        let _ = write!(line, " instance {inst}");
                    }
                    if v.encap_vrf != 0 {
                        let _ = write!(line, " encap-vrf-id {}", v.encap_vrf);
                    }
                    let _ = writeln!(w, "{line} decap-next l2");
                }
                vxlans += 1;
            }
            InterfaceKind::Uplink => unreachable!("filtered out"),
        }
    }
    if !placeholders.is_empty() {
        let _ = writeln!(w, "# free the placeholders that kept sw_if_index gaps");
        for p in placeholders {
            let _ = writeln!(w, "delete loopback interface intfc loop{p}");
        }
    }

    // Per-interface settings.
    let _ = writeln!(w, "\n# interface settings");
    let mut proxied = HashSet::new();
    for i in &c.interfaces {
        let n = &i.name;
        if matches!(i.kind, InterfaceKind::Uplink | InterfaceKind::Vxlan) {
            if let Some(m) = i.mac {
                let _ = writeln!(w, "set interface mac address {n} {m}");
            }
        }
        if i.mtu != DEFAULT_MTU {
            let _ = writeln!(w, "set interface mtu {} {n}", i.mtu);
        }
        if i.vrf != 0 {
            let _ = writeln!(w, "set interface ip table {n} {}", i.vrf);
        }
        for a in &i.addresses {
            let _ = writeln!(w, "set interface ip address {n} {a}");
        }
        if let Some(u) = &i.unnumbered {
            let _ = writeln!(w, "set interface unnumbered {n} use {u}");
        }
        for a in &i.proxy_arp {
            if proxied.insert((i.vrf, *a)) {
                let table = if i.vrf == 0 { String::new() } else { format!("table-id {} ", i.vrf) };
                let _ = writeln!(w, "set arp proxy {table}start {a} end {a}");
            }
        }
        if !i.proxy_arp.is_empty() {
            let _ = writeln!(w, "set interface proxy-arp {n} enable");
        }
        match i.kind {
            InterfaceKind::Loopback | InterfaceKind::Tap if i.up => {
                let _ = writeln!(w, "set interface state {n} up");
            }
            InterfaceKind::Vxlan if !i.up => {
                let _ = writeln!(w, "set interface state {n} down");
            }
            _ => {}
        }
    }

    if !c.bridge_domains.is_empty() {
        let _ = writeln!(w, "\n# bridge domains");
    }
    let shg_of: HashMap<&str, u8> = c.interfaces.iter().map(|i| (i.name.as_str(), i.shg)).collect();
    let shg = |m: &str| match shg_of.get(m) {
        Some(&k) if k != 0 => format!(" {k}"),
        _ => String::new(),
    };
    for b in &c.bridge_domains {
        let mut line = format!("create bridge-domain {}", b.id);
        for (on, default, kw) in [
            (b.learn, true, "learn"),
            (b.forward, true, "forward"),
            (b.flood, true, "flood"),
            (b.uu_flood, true, "uu-flood"),
            (b.arp_term, false, "arp-term"),
        ] {
            if on != default {
                let _ = write!(line, " {kw} {}", u8::from(on));
            }
        }
        let _ = writeln!(w, "{line}");
        for m in &b.members {
            let _ = writeln!(w, "set interface l2 bridge {m} {}{}", b.id, shg(m));
        }
        if let Some(bvi) = &b.bvi {
            let _ = writeln!(w, "set interface l2 bridge {bvi} {} bvi{}", b.id, shg(bvi));
        }
    }
    for f in &c.l2fib {
        let st = if f.static_entry { " static" } else { "" };
        let _ = writeln!(w, "l2fib add {} {} {}{st}", f.mac, f.bd, f.interface);
    }

    if !c.neighbors.is_empty() || !c.routes.is_empty() {
        let _ = writeln!(w, "\n# neighbors and routes");
    }
    for nb in &c.neighbors {
        let _ = writeln!(w, "set ip neighbor {} {} {} static", nb.interface, nb.ip, nb.mac);
    }
    for r in &c.routes {
        let mut line = String::from("ip route add");
        if r.vrf != 0 {
            let _ = write!(line, " table {}", r.vrf);
        }
        let _ = write!(line, " {}", r.prefix);
        for v in &r.via {
            line.push_str(" via");
            if let Some(a) = v.address {
                let _ = write!(line, " {a}");
            }
            if let Some(i) = &v.interface {
                let _ = write!(line, " {i}");
            }
            if v.weight != 1 {
                let _ = write!(line, " weight {}", v.weight);
            }
            if let Some(t) = v.next_hop_vrf {
                let _ = write!(line, " next-hop-table {t}");
            }
        }
        let _ = writeln!(w, "{line}");
    }

    if let Some(nat) = &c.nat44 {
        let _ = writeln!(w, "\n# NAT44 (endpoint-dependent)");
        let _ = writeln!(w, "nat44 enable sessions {}", nat.max_sessions);
        if nat.forwarding {
            let _ = writeln!(w, "nat44 forwarding enable");
        }
        let t = nat.timeouts;
        let d = NatTimeouts::default();
        if t != d {
            let _ = writeln!(
                w,
                "set nat timeout udp {} tcp-established {} tcp-transitory {} icmp {}",
                t.udp, t.tcp_established, t.tcp_transitory, t.icmp
            );
        }
        for a in &nat.addresses {
            let mut line = format!("nat44 add address {}", a.address);
            if a.vrf != 0 {
                let _ = write!(line, " tenant-vrf {}", a.vrf);
            }
            if a.twice_nat {
                line.push_str(" twice-nat");
            }
            let _ = writeln!(w, "{line}");
        }
        for i in &c.interfaces {
            let roles = match i.nat {
                NatRole::None => continue,
                NatRole::Inside => format!("in {}", i.name),
                NatRole::Outside => format!("out {}", i.name),
                NatRole::InsideOutside => format!("in {0} out {0}", i.name),
            };
            let of = if i.nat_output_feature { " output-feature" } else { "" };
            let _ = writeln!(w, "set interface nat44 {roles}{of}");
        }
        for m in &nat.static_mappings {
            let proto = match m.protocol {
                Some(L4Protocol::Tcp) => "tcp",
                Some(L4Protocol::Udp) => "udp",
                Some(L4Protocol::Icmp) => "icmp",
                None => "",
            };
            let mut line = if m.protocol.is_none() {
                let mut line =
                    format!("nat44 add static mapping local {} external {}", m.locals[0].address.addr, m.external.addr);
                if m.vrf != 0 {
                    let _ = write!(line, " vrf {}", m.vrf);
                }
                line
            } else if m.locals.len() == 1 {
                let l = &m.locals[0];
                let mut line = format!(
                    "nat44 add static mapping {proto} local {} {} external {} {}",
                    l.address.addr, l.address.port, m.external.addr, m.external.port
                );
                if m.vrf != 0 {
                    let _ = write!(line, " vrf {}", m.vrf);
                }
                line
            } else {
                let mut line =
                    format!("nat44 add load-balancing static mapping protocol {proto} external {}", m.external);
                for l in &m.locals {
                    let _ = write!(line, " local {}", l.address);
                    if let Some(v) = l.vrf {
                        let _ = write!(line, " vrf {v}");
                    }
                    let _ = write!(line, " probability {}", l.probability);
                }
                line
            };
            if m.twice_nat {
                line.push_str(" twice-nat");
            }
            if m.self_twice_nat {
                line.push_str(" self-twice-nat");
            }
            if m.out2in_only {
                line.push_str(" out2in-only");
            }
            let _ = writeln!(w, "{line}");
        }
        for m in &nat.identity_mappings {
            let mut line = format!("nat44 add identity mapping {}", m.address);
            if let (Some(p), Some(port)) = (m.protocol, m.port) {
                let p = match p {
                    L4Protocol::Tcp => "tcp",
                    L4Protocol::Udp => "udp",
                    L4Protocol::Icmp => "icmp",
                };
                let _ = write!(line, " {p} {port}");
            }
            if m.vrf != 0 {
                let _ = write!(line, " vrf {}", m.vrf);
            }
            let _ = writeln!(w, "{line}");
        }
    }

    if !c.acls.is_empty() || c.acl_timeouts != AclTimeouts::default() {
        let _ = writeln!(w, "\n# ACLs");
    }
    // (ACLs are created in index order: VPP 22.02's CLI gives the next index, and has no
    // `index`; an unused index is held by an empty ACL)
    let mut next = 0;
    for a in &c.acls {
        let ix = a.index.expect("canonical");
        for g in next..ix {
            let _ = writeln!(w, "set acl-plugin acl tag {}", unused_acl_tag(g));
        }
        next = ix + 1;
        let mut line = String::from("set acl-plugin acl");
        let rules: Vec<String> = a.rules.iter().map(rule_text).collect();
        if !rules.is_empty() {
            let _ = write!(line, " {}", rules.join(", "));
        }
        if !a.tag.is_empty() {
            let _ = write!(line, " tag {}", a.tag);
        }
        let _ = writeln!(w, "{line}");
    }
    let (t, d) = (c.acl_timeouts, AclTimeouts::default());
    if t.udp_idle != d.udp_idle {
        let _ = writeln!(w, "set acl-plugin session timeout udp idle {}", t.udp_idle);
    }
    if t.tcp_idle != d.tcp_idle {
        let _ = writeln!(w, "set acl-plugin session timeout tcp idle {}", t.tcp_idle);
    }
    if t.tcp_transient != d.tcp_transient {
        let _ = writeln!(w, "set acl-plugin session timeout tcp transient {}", t.tcp_transient);
    }
    if t.max_sessions != d.max_sessions {
        let _ = writeln!(w, "set acl-plugin session table max-entries {}", t.max_sessions);
    }
    for i in &c.interfaces {
        for (dir, list) in [("input", &i.acl_input), ("output", &i.acl_output)] {
            for a in list {
                let _ = writeln!(w, "set acl-plugin interface {} {dir} acl {a}", i.name);
            }
        }
    }
    s
}

fn rule_text(r: &AclRule) -> String {
    let mut s = String::from(match r.action {
        AclAction::Deny => "deny",
        AclAction::Permit => "permit",
        AclAction::PermitReflect => "permit+reflect",
    });
    if r.src != Ipv4Prefix::any() {
        let _ = write!(s, " src {}", r.src);
    }
    if r.dst != Ipv4Prefix::any() {
        let _ = write!(s, " dst {}", r.dst);
    }
    if r.proto != 0 {
        let _ = write!(s, " proto {}", r.proto);
    }
    if r.sport != PortRange::any() {
        let _ = write!(s, " sport {}", r.sport);
    }
    if r.dport != PortRange::any() {
        let _ = write!(s, " dport {}", r.dport);
    }
    if r.tcp_flags_value != 0 || r.tcp_flags_mask != 0 {
        let _ = write!(s, " tcpflags {} mask {}", r.tcp_flags_value, r.tcp_flags_mask);
    }
    s
}
