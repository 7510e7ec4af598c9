//! The seed nodes as VPP scripts render to the same tables as their native configs, and
//! every example survives native -> VPP -> native.

use node_config::vpp::{self, VppOptions};
use node_config::{load_config, render, NodeConfig};
use std::path::{Path, PathBuf};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/pod-to-service").join(name)
}

fn load_vpp(name: &str) -> vpp::VppConfig {
    let path = example(name);
    let text = std::fs::read_to_string(&path).unwrap();
    vpp::parse(&text, &path, &VppOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

const NODES: [(&str, &str); 2] = [("client-node.vpp", "client-node.toml"), ("server-node.vpp", "server-node.toml")];

#[test]
fn vpp_and_native_examples_render_identical_tables() {
    for (v, t) in NODES {
        let from_vpp = load_vpp(v);
        let native = load_config(&example(t)).unwrap();
        let a = render(&from_vpp.config).unwrap_or_else(|e| panic!("{v}: {e:?}"));
        let b = render(&native).unwrap();
        // Rendering is deterministic (the comparison below depends on it).
        assert_eq!(b, render(&native).unwrap());
        assert_eq!(a, b, "{v} and {t} render differently");
    }
}

#[test]
fn vpp_examples_parse_to_the_native_config() {
    // Stronger than equal tables: the same config, except what VPP has no CLI for (the
    // node name; see `vpp::canonical`).
    for (v, t) in NODES {
        let from_vpp = load_vpp(v).config;
        let native = load_config(&example(t)).unwrap();
        assert_eq!(from_vpp, vpp::canonical(&native), "{v}");
        assert_eq!(
            NodeConfig { name: native.name.clone(), ..vpp::canonical(&native) },
            native,
            "{t} is canonical apart from its name"
        );
    }
}

#[test]
fn vpp_examples_have_notes_with_lines() {
    let cfg = load_vpp("client-node.vpp");
    let texts: Vec<String> = cfg.notes.iter().map(|n| n.to_string()).collect();
    assert!(texts.iter().any(|n| n.contains("client-node.vpp:21: note: tap2 is a host TAP")), "{texts:#?}");
    assert!(texts.iter().any(|n| n.contains("NAT44: sessions are created by the software slow path")));
}

#[test]
fn seed_trace_interface_numbers() {
    // sw_if_index as printed in the seed trace.
    let c = load_vpp("client-node.vpp").config;
    let ix: Vec<(&str, Option<u16>)> = c.interfaces.iter().map(|i| (i.name.as_str(), i.index)).collect();
    assert_eq!(
        ix,
        [("GigabitEthernet0/8/0", Some(1)), ("loop0", Some(3)), ("vxlan_tunnel0", Some(5)), ("tap2", Some(6))]
    );
    let s = load_vpp("server-node.vpp").config;
    let ix: Vec<u16> = s.interfaces.iter().map(|i| i.index.unwrap()).collect();
    assert_eq!(ix, [1, 3, 4, 7]);
}

#[test]
fn every_example_round_trips_through_vpp() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut n = 0;
    for entry in walk(&dir) {
        if entry.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let cfg = load_config(&entry).unwrap();
        assert!(vpp::export_limitations(&cfg).is_empty(), "{}: {:?}", entry.display(), vpp::export_limitations(&cfg));
        let text = vpp::export(&cfg);
        let opts = VppOptions { ports: vpp::port_options(&cfg) };
        let back = vpp::parse(&text, Path::new("exported.vpp"), &opts)
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", entry.display()));
        // Exactly the native config, apart from the node name VPP cannot carry.
        assert_eq!(NodeConfig { name: cfg.name.clone(), ..back.config.clone() }, cfg, "{}\n{text}", entry.display());
        assert_eq!(render(&back.config).unwrap(), render(&cfg).unwrap());
        // And the export of the result is the same script.
        assert_eq!(vpp::export(&NodeConfig { name: cfg.name.clone(), ..back.config }), text);
        n += 1;
    }
    assert!(n >= 2);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}
