//! The VPP behaviours the parser reproduces: interface numbering and naming, defaults,
//! ECMP path lists, NAT roles, ACL indices, abbreviations, `--port`.

use node_config::vpp::{parse, VppOptions};
use node_config::*;
use std::path::Path;

fn cfg(script: &str) -> NodeConfig {
    cfg_with(script, VppOptions::default())
}

fn cfg_with(script: &str, opts: VppOptions) -> NodeConfig {
    parse(script, Path::new("t.vpp"), &opts).unwrap_or_else(|e| panic!("{e}")).config
}

fn iface<'a>(c: &'a NodeConfig, name: &str) -> &'a Interface {
    c.interfaces.iter().find(|i| i.name == name).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn sw_if_index_physical_first_and_freed_slots_reused_last_freed_first() {
    let c = cfg("create loopback interface\n\
                 create tap id 5\n\
                 set interface state TenGigabitEthernet5/0/0 up\n\
                 create loopback interface\n\
                 set interface state GigabitEthernet0/8/0 up\n\
                 delete tap tap5\n\
                 delete loopback interface intfc loop0\n\
                 create vxlan tunnel src 10.0.0.1 dst 10.0.0.2 vni 5\n");
    let ix: Vec<(&str, u16)> = c.interfaces.iter().map(|i| (i.name.as_str(), i.index.unwrap())).collect();
    // Ports 1, 2 by first mention; loop0 3, tap5 4, loop1 5; the tunnel takes loop0's 3.
    assert_eq!(ix, [("TenGigabitEthernet5/0/0", 1), ("GigabitEthernet0/8/0", 2), ("vxlan_tunnel0", 3), ("loop1", 5)]);
    // Created admin-down, VXLAN excepted; ports down until `up`.
    assert!(!iface(&c, "loop1").up);
    assert!(iface(&c, "vxlan_tunnel0").up);
    assert!(iface(&c, "GigabitEthernet0/8/0").up);
    // VPP's default loopback MAC.
    assert_eq!(iface(&c, "loop1").mac.unwrap().to_string(), "de:ad:00:00:00:01");
}

#[test]
fn instances() {
    let c = cfg("create loopback interface instance 4 mac 02:00:00:00:00:04\n\
                 create loopback interface\n\
                 create vxlan tunnel src 10.0.0.1 dst 10.0.0.2 vni 5 instance 9\n\
                 create vxlan tunnel src 10.0.0.1 dst 10.0.0.3 vni 5\n");
    let names: Vec<&str> = c.interfaces.iter().map(|i| i.name.as_str()).collect();
    // The second tunnel is pool slot 1: vxlan_tunnel1.
    assert_eq!(names, ["loop4", "loop0", "vxlan_tunnel9", "vxlan_tunnel1"]);
}

#[test]
fn ecmp_and_attached_routes() {
    let c = cfg("set interface ip address GigabitEthernet0/8/0 10.0.0.1/24\n\
                 ip table add 3\n\
                 ip route add 1.0.0.0/8 via 10.0.0.2 GigabitEthernet0/8/0 weight 3 via 10.0.0.3 GigabitEthernet0/8/0\n\
                 ip route 1.0.0.0/8 via 10.0.0.4 next-hop-table 3\n\
                 ip route add table 3 2.0.0.0/8 via GigabitEthernet0/8/0\n\
                 ip route add 9.0.0.0/8 via 10.0.0.9\n\
                 ip route del 9.0.0.0/8\n");
    assert_eq!(c.routes.len(), 2);
    let r = &c.routes[0];
    assert_eq!(r.via.len(), 3, "paths added by a second command join the path list");
    assert_eq!(r.via[0].weight, 3);
    assert_eq!(r.via[2].next_hop_vrf, Some(3));
    assert_eq!(c.routes[1].vrf, 3);
    assert_eq!(c.routes[1].via[0].address, None);
}

#[test]
fn nat_roles_and_mappings() {
    let c = cfg("create tap id 2 hw-addr 02:00:00:00:00:02\n\
                 create loopback interface\n\
                 set interface ip address loop0 10.9.9.9/24\n\
                 nat44 enable\n\
                 set interface nat44 in tap2 out tap2\n\
                 set interface nat44 out GigabitEthernet0/8/0 output-feature\n\
                 set interface nat44 in loop0\n\
                 nat44 add address 10.0.0.1 - 10.0.0.3 tenant-vrf 5\n\
                 nat44 add address 10.0.0.2 del\n\
                 nat44 add interface address loop0\n\
                 nat44 add identity mapping 10.0.0.9 tcp 22 vrf 5\n\
                 set nat timeout udp 10 icmp 20\n");
    assert_eq!(iface(&c, "tap2").nat, NatRole::InsideOutside);
    assert_eq!(iface(&c, "loop0").nat, NatRole::Inside);
    let g = iface(&c, "GigabitEthernet0/8/0");
    assert_eq!((g.nat, g.nat_output_feature), (NatRole::Outside, true));
    let n = c.nat44.unwrap();
    assert_eq!(n.max_sessions, 63 * 1024, "VPP's default without `sessions`");
    assert!(!n.forwarding);
    let pool: Vec<String> = n.addresses.iter().map(|a| format!("{}/{}", a.address, a.vrf)).collect();
    assert_eq!(pool, ["10.0.0.1/5", "10.0.0.3/5", "10.9.9.9/0"]);
    assert_eq!(n.identity_mappings[0].port, Some(22));
    assert_eq!((n.timeouts.udp, n.timeouts.icmp, n.timeouts.tcp_established), (10, 20, 7440));
}

/// VPP 22.02's CLI numbers ACLs in creation order and has no `index` (parsing stops
/// there: an empty ACL); applying an undefined ACL changes nothing; `del` moves the last
/// ACL of the list into the hole (vppinfra's `vec_del1`).
#[test]
fn acl_indices_follow_creation() {
    let c = cfg("set acl-plugin acl permit\n\
                 set acl-plugin acl index 5 deny tag five\n\
                 set acl-plugin acl permit+reflect,deny src 10.0.0.0/8 proto 6 sport 1-1023 dport 80 tcpflags 2 mask 18\n\
                 set acl-plugin acl deny tag three\n\
                 set acl-plugin interface GigabitEthernet0/8/0 input acl 5\n\
                 set acl-plugin interface GigabitEthernet0/8/0 input acl 0\n\
                 set acl-plugin interface GigabitEthernet0/8/0 input acl 2\n\
                 set acl-plugin interface GigabitEthernet0/8/0 input acl 3\n\
                 set acl-plugin interface GigabitEthernet0/8/0 input acl 0 del\n\
                 set acl-plugin interface GigabitEthernet0/8/0 output acl 1\n\
                 set acl-plugin session timeout tcp idle 99\n\
                 set acl-plugin session table max-entries 1000\n");
    let ix: Vec<(u32, &str, usize)> =
        c.acls.iter().map(|a| (a.index.unwrap(), a.tag.as_str(), a.rules.len())).collect();
    assert_eq!(ix, [(0, "cli", 1), (1, "cli", 0), (2, "cli", 2), (3, "three", 1)]);
    let r = &c.acls[2].rules[1];
    assert_eq!((r.proto, r.sport.hi, r.dport.lo, r.tcp_flags_value, r.tcp_flags_mask), (6, 1023, 80, 2, 18));
    let g = iface(&c, "GigabitEthernet0/8/0");
    assert_eq!((g.acl_input.clone(), g.acl_output.clone()), (vec![3, 2], vec![1]));
    assert_eq!((c.acl_timeouts.tcp_idle, c.acl_timeouts.max_sessions), (99, 1000));
}

#[test]
fn bridge_domains_shg_and_l3() {
    let c = cfg("create loopback interface mac 02:00:00:00:00:01\n\
                 create tap id 1 hw-addr 02:00:00:00:00:02\n\
                 create tap id 2 hw-addr 02:00:00:00:00:03\n\
                 create bridge-domain 10 learn 0 arp-term 1 mac-age 5\n\
                 set interface l2 bridge tap1 10 2\n\
                 set interface l2 bridge loop0 10 bvi\n\
                 set interface l2 bridge tap2 20\n\
                 l2fib add 02:00:00:00:00:99 10 tap1 static\n\
                 set interface l3 tap2\n");
    let bd = &c.bridge_domains[0];
    assert_eq!((bd.id, bd.learn, bd.arp_term, bd.bvi.as_deref()), (10, false, true, Some("loop0")));
    assert_eq!(bd.members, ["tap1"]);
    assert_eq!(iface(&c, "tap1").shg, 2);
    // `set interface l2 bridge` created bd 20 with VPP's defaults; `set interface l3` left it.
    assert!(c.bridge_domains[1].learn && c.bridge_domains[1].members.is_empty());
    assert!(c.l2fib[0].static_entry);
}

#[test]
fn abbreviations_neighbors_comments() {
    let c = cfg("# comment line\n\
                 comment { a\n   multi-line { nested } comment }\n\
                 set int st GigabitEthernet0/8/0 up\n\
                 set int ip addr GigabitEthernet0/8/0 10.0.0.1/24\n\
                 ip neighbor GigabitEthernet0/8/0 10.0.0.2 0800.2700.0001 static\n\
                 set ip neighbor GigabitEthernet0/8/0 10.0.0.2 08:00:27:00:00:02\n");
    let g = iface(&c, "GigabitEthernet0/8/0");
    assert!(g.up);
    assert_eq!(g.addresses[0].to_string(), "10.0.0.1/24");
    // The second add updates the MAC.
    assert_eq!(c.neighbors.len(), 1);
    assert_eq!(c.neighbors[0].mac.to_string(), "08:00:27:00:00:02");
}

#[test]
fn ports_by_first_mention_or_option() {
    let script = "set interface state eth1 up\nset interface state GigabitEthernet0/9/0 up\nset interface state GigabitEthernet0/8/0 up\n";
    let c = cfg_with(script, VppOptions { ports: vec![("eth1".into(), 1)] });
    let p: Vec<(&str, Option<u16>, Option<u8>)> =
        c.interfaces.iter().map(|i| (i.name.as_str(), i.index, i.port)).collect();
    // eth1 is a port only because --port says so; the others keep the default numbering
    // (lowest free in order of mention: 0, then 2), which the native format derives itself.
    assert_eq!(
        p,
        [("eth1", Some(1), Some(1)), ("GigabitEthernet0/9/0", Some(2), None), ("GigabitEthernet0/8/0", Some(3), None)]
    );
    let t = node_config::render(&NodeConfig {
        interfaces: c
            .interfaces
            .iter()
            .map(|i| Interface { mac: Some(MacAddr([2, 0, 0, 0, 0, i.index.unwrap() as u8])), ..i.clone() })
            .collect(),
        ..c.clone()
    })
    .unwrap();
    let ports: Vec<u8> = t.interfaces[1..].iter().map(|e| e.port).collect();
    assert_eq!(ports, [1, 0, 2]);
}
