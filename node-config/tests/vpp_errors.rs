//! Malformed VPP scripts fail with `FILE:LINE:COL: expected X, found Y`.

use node_config::vpp::{parse, VppError, VppOptions};
use std::path::Path;

/// Two lines every case may use: loop0 (sw_if_index 1) and NAT44 enabled.
const PRE: &str = "create loopback interface mac 02:00:00:00:00:01\nnat44 enable\n";

fn error(script: &str) -> String {
    match parse(script, Path::new("bad.vpp"), &VppOptions::default()) {
        Ok(_) => panic!("no error for:\n{script}"),
        Err(e) => e.to_string(),
    }
}

/// `bad` is line 3 (after PRE); the error must be at `line:col` and mention `needle`.
#[track_caller]
fn check_at(script: &str, line: u32, col: u32, needle: &str) {
    let e = error(script);
    let want = format!("bad.vpp:{line}:{col}: expected ");
    assert!(e.starts_with(&want), "want prefix {want:?}, got {e:?}");
    assert!(e.contains(needle), "want {needle:?} in {e:?}");
}

#[track_caller]
fn check(bad: &str, col: u32, needle: &str) {
    check_at(&format!("{PRE}{bad}\n"), 3, col, needle);
}

#[test]
fn unknown_and_ambiguous_commands() {
    check("frobnicate all", 1, "expected a command");
    check("set interface frob loop0 up", 15, "found `frob`");
    // `m` could be `mac` or `mtu`.
    check("set interface m 1500 loop0", 15, "expected one of `set interface mac`, `set interface mtu`, found `m`");
    check("nat44 add bogus 1.2.3.4", 11, "`nat44 add address`");
    check("nat44 frobnicate", 7, "expected `enable` or `disable`, found `frobnicate`");
}

#[test]
fn missing_or_trailing_arguments() {
    check("set interface state loop0", 26, "expected `up` or `down`, found end of line");
    check("set interface state loop0 up now", 30, "expected end of line, found `now`");
    check("create loopback interface foo", 27, "found `foo`");
    check("create vxlan tunnel src 10.0.0.1 dst 10.0.0.2", 46, "expected `vni N`");
    check("ip route add 10.0.0.0/8", 24, "expected `via`");
    check("ip route add 10.0.0.0/8 via", 28, "a next-hop address or interface after `via`");
    check("set acl-plugin interface loop0 input", 37, "expected `acl N`");
}

#[test]
fn malformed_values() {
    check("set interface ip address loop0 10.1.1.300/24", 32, "an IPv4 prefix A/L, found `10.1.1.300/24`");
    check("set interface ip address loop0 10.1.1.1/33", 41, "a prefix length 0..=32, found `33`");
    check("set interface ip address loop0 10.1.1.1", 32, "an IPv4 prefix A/L");
    check("create loopback interface mac 02:00:00:00:00", 31, "a MAC address");
    check("set ip neighbor loop0 10.0.0.2 zz:00:00:00:00:01", 32, "the neighbor's MAC address");
    check("set ip neighbor loop0 10.0.0.256 02:00:00:00:00:02", 23, "the neighbor's IPv4 address");
    check("ip route add 10.0.0.0/8 via 192.168.1.2 weight", 47, "a weight 0..=255 after `weight`");
    check("ip route add 10.0.0.0/8 via 192.168.1.2 weight 300", 48, "found `300`");
    check("set interface mtu 70000 loop0", 19, "an MTU value");
    check("create tap id x", 15, "a tap id after `id`");
    check("create vxlan tunnel src 10.0.0.1 dst 10.0.0.2 vni 16777216", 51, "a VNI 1..=16777215");
    check("set acl-plugin acl permit proto 6 sport 9-3", 20, "port ranges P-Q with P <= Q");
    check("set interface ip address loop0 2001:db8::1/64", 32, "IPv6 is not offloaded");
}

#[test]
fn unknown_interfaces() {
    check("set interface state loop7 up", 21, "found `loop7` (no such interface");
    check("ip route add 10.0.0.0/8 via 10.0.0.1 eth9", 38, "found `eth9` (no such interface");
    check("set interface state GigabitEthernet0/8/0.100 up", 21, "sub-interfaces are not supported");
}

#[test]
fn nat44() {
    check(
        "nat44 add load-balancing static mapping protocol tcp external 10.96.0.1:80 local 10.1.1.1:80 probability 100",
        109,
        "at least two `local A:P probability N`",
    );
    check(
        "nat44 add load-balancing static mapping protocol tcp external 10.96.0.1:80 local 10.1.1.1:80 local 10.1.1.2:80 probability 50",
        94,
        "expected `probability`, found `local`",
    );
    check(
        "nat44 add load-balancing static mapping protocol icmp external 10.96.0.1:80",
        50,
        "expected `tcp` or `udp`, found `icmp`",
    );
    check("nat44 add static mapping tcp local 10.1.1.1 80 external 10.96.0.1", 1, "Either both ports are set or none.");
    check("nat44 enable", 7, "already enabled");
    check("set nat timeout udp", 20, "seconds after `udp`");
    check_at("nat44 add address 10.0.0.1\n", 1, 1, "nat44 is disabled");
    check("nat44 add address 10.0.0.9 - 10.0.0.1", 19, "end address less than start address");
}

/// `set acl-plugin acl` as VPP 22.02 reads it: the first token no keyword takes ends
/// the command, and the ACL is made from the rules before it (with a note).
#[test]
fn acl_command_stops_where_vpp_does() {
    use node_config::{AclAction, PortRange};
    let parse_one = |line: &str| {
        let v = parse(&format!("{PRE}{line}\n"), Path::new("a.vpp"), &VppOptions::default())
            .unwrap_or_else(|e| panic!("{line}: {e}"));
        (v.config.acls, v.notes.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    };
    // 22.02 has no `index`: an empty ACL at the next index, and a note naming it
    let (acls, notes) = parse_one("set acl-plugin acl index 2 permit src 10.0.0.0/8");
    assert_eq!((acls.len(), acls[0].index, acls[0].rules.len()), (1, Some(0), 0));
    assert!(notes.contains("stops at `index`") && notes.contains("23.02"), "{notes}");
    // attributes before an action: a default permit rule; later keywords overwrite
    let (acls, _) = parse_one("set acl-plugin acl src 10.0.0.0/8");
    assert_eq!(acls[0].rules[0].action, AclAction::Permit);
    let (acls, _) = parse_one("set acl-plugin acl permit deny");
    assert_eq!((acls[0].rules.len(), acls[0].rules[0].action), (1, AclAction::Deny));
    // a trailing comma adds a default rule (permit any)
    let (acls, _) = parse_one("set acl-plugin acl deny,");
    assert_eq!(acls[0].rules.iter().map(|r| r.action).collect::<Vec<_>>(), [AclAction::Deny, AclAction::Permit]);
    // `proto tcp` is no number: parsing stops, the rule keeps proto 0 (any)
    let (acls, notes) = parse_one("set acl-plugin acl deny proto tcp dport 22");
    assert_eq!((acls[0].rules[0].proto, acls[0].rules[0].dport), (0, PortRange::any()));
    assert!(notes.contains("stops at `proto`"), "{notes}");
    let (acls, notes) = parse_one("set acl-plugin acl allow");
    assert!(acls[0].rules.is_empty() && notes.contains("`allow`"), "{notes}");
    // host bits: taken and masked, with a note
    let (acls, notes) = parse_one("set acl-plugin acl deny src 10.1.1.3/30");
    assert_eq!(acls[0].rules[0].src.to_string(), "10.1.1.0/30");
    assert!(notes.contains("host bits"), "{notes}");
    // port ranges with proto 0 are taken (and never looked at)
    let (acls, _) = parse_one("set acl-plugin acl deny sport 1-2 dport 3");
    assert_eq!((acls[0].rules[0].proto, acls[0].rules[0].dport), (0, PortRange { lo: 3, hi: 3 }));
    // creation order numbers ACLs
    let v = parse(
        &format!("{PRE}set acl-plugin acl deny\nset acl-plugin acl permit tag b\n"),
        Path::new("a.vpp"),
        &VppOptions::default(),
    )
    .unwrap();
    assert_eq!(
        v.config.acls.iter().map(|a| (a.index, a.tag.as_str())).collect::<Vec<_>>(),
        [(Some(0), "cli"), (Some(1), "b")]
    );
}

#[test]
fn l2_and_tables() {
    check("set interface l2 bridge loop0 1 shg 2", 33, "split-horizon group number (VPP 22.02 takes it bare");
    check("create bridge-domain 0", 22, "bridge domain 0 is reserved");
    check("create bridge-domain 1 learn 2", 30, "`0` or `1` after `learn`");
    check("l2fib add 02:00:00:00:00:09 7 loop0 static", 29, "no such bridge domain");
    check("ip route add table 5 10.0.0.0/8 via loop0", 20, "no table 5; add it first with `ip table add 5`");
    check_at(
        &format!("{PRE}set interface ip address loop0 10.0.0.1/24\nip table add 7\nset interface ip table loop0 7\n"),
        5,
        24,
        "set the table before the addresses",
    );
    check_at(&format!("{PRE}create loopback interface instance 0\n"), 3, 27, "loop0 already exists");
    check_at(
        &format!(
            "{PRE}create bridge-domain 1\nset interface l2 bridge loop0 1\ndelete loopback interface intfc loop0\n"
        ),
        5,
        33,
        "loop0 is still used",
    );
}

#[test]
fn comments_and_ports() {
    check_at(
        "set interface state loop0 up\ncomment {\nnever closed\n",
        2,
        9,
        "`}` closing this comment, found end of file",
    );
    let e = parse(
        "set interface state GigabitEthernet0/8/0 up\n",
        Path::new("bad.vpp"),
        &VppOptions { ports: vec![("eth7".into(), 1)] },
    )
    .unwrap_err();
    assert!(matches!(e, VppError::PortOption { .. }));
    assert_eq!(e.to_string(), "bad.vpp: --port eth7=1: names no interface of the script");
}
