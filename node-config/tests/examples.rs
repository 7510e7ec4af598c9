//! The bundled example configs render, and malformed configs fail with errors naming
//! the entry.

use node_config::{load_tables, parse_config, render, ConfigError};
use offload_tables::layout::*;
use std::path::{Path, PathBuf};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/pod-to-service").join(name)
}

#[test]
fn seed_nodes_render() {
    for node in ["client-node.toml", "server-node.toml"] {
        let (_, t) = load_tables(&example(node)).unwrap_or_else(|e| panic!("{e}"));
        assert!(t.lpm.n_fibs() >= 1);
        assert_eq!(t.vxlan_tunnels.len(), 1);
        assert_eq!(t.vxlan_tunnels[0].vni, 10);
    }
    let (_, t) = load_tables(&example("client-node.toml")).unwrap();
    // 10.1.2.0/24 is recursive via 192.168.30.2 and resolves to loop0's adjacency.
    let lb = t.lpm.lookup(0, 0x0a01_0204).unwrap();
    let lb = t.load_balances[lb as usize];
    assert_eq!(lb.flags & lb_flags::RECURSIVE, lb_flags::RECURSIVE);
    let d = t.buckets[lb.bucket_start as usize].dpo;
    assert_eq!(dpo::kind(d), dpo::ADJACENCY);
    let adj = t.adjacencies[dpo::index(d) as usize];
    assert_eq!(adj.sw_if_index, 3);
    assert_eq!(adj.rewrite, [0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x02, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x01, 0x08, 0x00]);
}

fn problems(text: &str) -> Vec<String> {
    let cfg = match parse_config(text, Path::new("bad.toml")) {
        Ok(c) => c,
        Err(e) => return vec![e.to_string()],
    };
    match render(&cfg) {
        Ok(_) => vec![],
        Err(errs) => errs.iter().map(|e| e.to_string()).collect(),
    }
}

fn assert_problem(text: &str, needle: &str) {
    let p = problems(text);
    assert!(p.iter().any(|m| m.contains(needle)), "expected a problem containing {needle:?}, got {p:#?}");
}

const UPLINK: &str = r#"
[[interface]]
name = "eth0"
kind = "uplink"
mac = "02:00:00:00:00:01"
addresses = ["192.168.1.1/24"]
"#;

#[test]
fn malformed_configs_name_the_entry() {
    assert_problem("[[interface]]\nname = \"x\"\nkind = \"bogus\"\n", "line 3");
    assert_problem("[[interface]]\nname = \"x\"\nkind = \"tap\"\nmac = \"zz\"\n", "MAC address `zz`");
    assert_problem("[[interface]]\nname = \"x\"\nkind = \"tap\"\n", "interface x: needs a mac");
    assert_problem(
        &format!("{UPLINK}[[route]]\nprefix = \"10.1.2.3/24\"\nvia = [{{ interface = \"eth0\" }}]\n"),
        "route[0] 10.1.2.3/24: host bits set",
    );
    assert_problem(
        &format!("{UPLINK}[[route]]\nprefix = \"10.1.2.0/24\"\nvia = [{{ interface = \"eth9\" }}]\n"),
        "route[0] 10.1.2.0/24: unknown interface `eth9`",
    );
    // (a next hop nothing covers is no error: VPP installs the route unresolved, a drop)
    assert!(problems(&format!("{UPLINK}[[route]]\nprefix = \"10.1.2.0/24\"\nvia = [{{ address = \"10.9.9.9\" }}]\n"))
        .is_empty());
    assert_problem(
        &format!("{UPLINK}[[neighbor]]\ninterface = \"eth1\"\nip = \"192.168.1.2\"\nmac = \"02:00:00:00:00:02\"\n"),
        "unknown interface `eth1`",
    );
    assert_problem(
        &format!("{UPLINK}[nat44]\n[[nat44.static_mapping]]\nprotocol = \"tcp\"\nexternal = \"10.96.0.1:80\"\nlocals = [{{ address = \"10.1.1.1:80\", probability = 0 }}, {{ address = \"10.1.1.2:80\", probability = 0 }}]\n"),
        "probabilities (relative weights) add up to 0",
    );
    assert_problem(
        &format!("{UPLINK}[[acl]]\nrule = [{{ action = \"permit\", proto = 2, dport = \"80\" }}]\n"),
        "acl 0 rule 0: port ranges need proto 6",
    );
    assert_problem(&format!("{UPLINK}[[acl]]\nindex = 1\n[[acl]]\nindex = 1\n"), "acl 1: index used twice");
    assert_problem(&format!("{UPLINK}{UPLINK}"), "name used twice");
    assert_problem("[[interface]]\nname = \"v\"\nkind = \"vxlan\"\n", "needs a [interface.vxlan] table");
    assert_problem(&format!("{UPLINK}acl_input = [7]\n"), "input acl 7 is not defined");
}

#[test]
fn file_errors_name_the_file() {
    let e = load_tables(Path::new("/nonexistent/node.toml")).unwrap_err();
    assert!(matches!(e, ConfigError::Io { .. }));
    assert!(e.to_string().starts_with("/nonexistent/node.toml:"));
}
