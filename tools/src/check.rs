//! `nicctl check`: validate a config and print every rendered table.

use crate::config_file::{self, FormatArgs};
use offload_tables::layout::*;
use offload_tables::Tables;
use std::fmt::Write;
use std::net::Ipv4Addr;
use std::path::Path;

pub fn check(path: &Path, format: &FormatArgs) -> Result<(), Box<dyn std::error::Error>> {
    let loaded = config_file::load(path, format)?;
    let name = if loaded.config.name.is_empty() { path.display().to_string() } else { loaded.config.name.clone() };
    println!("{name}: config is valid\n");
    for n in &loaded.notes {
        println!("{n}");
    }
    print!("{}", render_tables(&loaded.tables));
    Ok(())
}

fn ip(a: u32) -> Ipv4Addr {
    Ipv4Addr::from(a)
}

fn mac(m: &[u8]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

fn dpo_text(t: &Tables, d: u32) -> String {
    let i = dpo::index(d);
    match dpo::kind(d) {
        dpo::ADJACENCY => {
            let a = t.adjacencies[i as usize];
            format!("adj {i} via {} {} rewrite {}", ip(a.next_hop), t.names.interface(a.sw_if_index), hex(&a.rewrite))
        }
        dpo::LOCAL => format!("local ({})", t.names.interface(i as u16)),
        dpo::GLEAN => format!("glean ({})", t.names.interface(i as u16)),
        _ => "drop".to_string(),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Every table in a human-readable form, with its entry size in bytes.
pub fn render_tables(t: &Tables) -> String {
    let mut o = String::new();
    let sz = std::mem::size_of::<InterfaceEntry>();
    let _ = writeln!(o, "interfaces ({} entries x {sz} B)", t.interfaces.iter().filter(|i| i.kind != 0).count());
    for e in t.interfaces.iter().filter(|i| i.kind != 0) {
        let _ = writeln!(
            o,
            "  [{}] {:<22} kind {} port {:>3} flags 0x{:04x} fib {} bd {} mtu {} mac {} ip {}/{} acl in {:?} out {:?}",
            e.sw_if_index,
            t.names.interface(e.sw_if_index),
            e.kind,
            e.port,
            e.flags,
            e.fib_index,
            if e.bd_index == NONE16 { "-".to_string() } else { e.bd_index.to_string() },
            e.mtu,
            mac(&e.mac),
            ip(e.ip4_addr),
            e.ip4_len,
            &t.acl_lists[usize::from(e.acl_in_start)..usize::from(e.acl_in_start + e.acl_in_count)]
                .iter()
                .map(|a| a.acl_index)
                .collect::<Vec<_>>(),
            &t.acl_lists[usize::from(e.acl_out_start)..usize::from(e.acl_out_start + e.acl_out_count)]
                .iter()
                .map(|a| a.acl_index)
                .collect::<Vec<_>>(),
        );
    }
    let _ = writeln!(
        o,
        "\nfib routes ({} entries x {} B, LPM 16-8-8: {} FIBs, {} groups)",
        t.routes.len(),
        std::mem::size_of::<RouteEntry>(),
        t.lpm.n_fibs(),
        t.lpm.groups.len() / 256
    );
    for r in &t.routes {
        let lb = t.load_balances[r.lb_index as usize];
        let buckets = &t.buckets[lb.bucket_start as usize..lb.bucket_start as usize + usize::from(lb.n_buckets)];
        let _ = writeln!(
            o,
            "  fib {} {}/{} -> lb {} ({} bucket{}{})",
            r.fib_index,
            ip(r.prefix),
            r.len,
            r.lb_index,
            lb.n_buckets,
            if lb.n_buckets == 1 { "" } else { "s" },
            if lb.flags & lb_flags::RECURSIVE != 0 { ", recursive" } else { "" }
        );
        for (i, b) in buckets.iter().enumerate() {
            let _ = writeln!(o, "      [{i}] {}", dpo_text(t, b.dpo));
        }
    }
    let _ = writeln!(o, "\nacl rules ({} entries x {} B)", t.acl_rules.len(), std::mem::size_of::<AclRuleEntry>());
    for r in &t.acl_rules {
        let action = ["deny", "permit", "permit+reflect"].get(usize::from(r.action)).copied().unwrap_or("?");
        let _ = writeln!(
            o,
            "  acl {} rule {}: {action} src {}/{} dst {}/{} proto {} sport {}-{} dport {}-{} tcp flags {:02x}/{:02x}",
            r.acl_index,
            r.rule_index,
            ip(r.src),
            r.src_len,
            ip(r.dst),
            r.dst_len,
            r.proto,
            r.sport_lo,
            r.sport_hi,
            r.dport_lo,
            r.dport_hi,
            r.tcp_flags_value,
            r.tcp_flags_mask
        );
    }
    let _ = writeln!(
        o,
        "\nnat44 mappings ({} entries x {} B), endpoints ({} x {} B), pool ({} x {} B)",
        t.nat_mappings.len(),
        std::mem::size_of::<NatMappingEntry>(),
        t.nat_endpoints.len(),
        std::mem::size_of::<NatEndpointEntry>(),
        t.nat_pool.len(),
        std::mem::size_of::<NatPoolEntry>()
    );
    for p in &t.nat_pool {
        let _ = writeln!(
            o,
            "  pool {} fib {}{}",
            ip(p.addr),
            p.fib_index,
            if p.twice_nat != 0 { " twice-nat" } else { "" }
        );
    }
    for m in &t.nat_mappings {
        let eps =
            &t.nat_endpoints[m.endpoint_start as usize..m.endpoint_start as usize + usize::from(m.endpoint_count)];
        let eps: Vec<String> = eps
            .iter()
            .map(|e| format!("{}:{} (weights to here {})", ip(e.local_addr), e.local_port, e.prefix))
            .collect();
        let _ = writeln!(
            o,
            "  proto {} {}:{} fib {} flags 0x{:02x} -> {}",
            m.proto,
            ip(m.external_addr),
            m.external_port,
            m.fib_index,
            m.flags,
            eps.join(", ")
        );
    }
    let g = t.global;
    let _ = writeln!(
        o,
        "  forwarding {} max sessions {} timeouts udp {} tcp established {} transitory {} icmp {}",
        g.nat_forwarding,
        g.nat_max_sessions,
        g.nat_udp_timeout,
        g.nat_tcp_established_timeout,
        g.nat_tcp_transitory_timeout,
        g.nat_icmp_timeout
    );
    let _ =
        writeln!(o, "\nbridge domains ({} x {} B)", t.bridge_domains.len(), std::mem::size_of::<BridgeDomainEntry>());
    for b in &t.bridge_domains {
        let members = &t.bd_members[b.member_start as usize..b.member_start as usize + usize::from(b.member_count)];
        let names: Vec<&str> = members.iter().map(|m| t.names.interface(m.sw_if_index)).collect();
        let _ = writeln!(
            o,
            "  bd {} flags 0x{:02x} members {:?} bvi {}",
            b.bd_id,
            b.flags,
            names,
            if b.bvi_sw_if_index == NONE16 { "-" } else { t.names.interface(b.bvi_sw_if_index) }
        );
    }
    let _ = writeln!(o, "\nl2fib ({} x {} B)", t.l2fib.len(), std::mem::size_of::<L2FibEntry>());
    for e in &t.l2fib {
        let _ = writeln!(
            o,
            "  bd-index {} {} -> {}{}",
            e.bd_index,
            mac(&e.mac),
            t.names.interface(e.sw_if_index),
            if e.flags & l2fib_flags::BVI != 0 { " (bvi)" } else { "" }
        );
    }
    let _ = writeln!(o, "\nvxlan tunnels ({} x {} B)", t.vxlan_tunnels.len(), std::mem::size_of::<VxlanTunnelEntry>());
    for v in &t.vxlan_tunnels {
        let _ = writeln!(
            o,
            "  {} src {} dst {} vni {} encap fib {} -> lb {}",
            t.names.interface(v.sw_if_index),
            ip(v.src),
            ip(v.dst),
            v.vni,
            v.encap_fib_index,
            v.outer_lb
        );
    }
    o
}
