//! The seed scenario through `nicctl run`, as a user runs it: captures in, pcapng out,
//! both nodes, both config formats; the output frames must be the seed's bytes.

use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgReader};
use std::path::{Path, PathBuf};
use std::process::Command;
use test_support::seed;

fn nicctl(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_nicctl")).args(args).output().expect("nicctl runs");
    assert!(out.status.success(), "nicctl {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// (interface name, frame) of every packet in a pcapng file.
fn read_out(file: &Path) -> Vec<(String, Vec<u8>)> {
    let mut r = PcapNgReader::new(std::fs::File::open(file).expect("output")).expect("pcapng");
    let mut v = Vec::new();
    while let Some(b) = r.next_block() {
        let (id, data) = match b.expect("block") {
            Block::EnhancedPacket(p) => (p.interface_id, p.data.into_owned()),
            _ => continue,
        };
        {
            let idb = &r.interfaces()[id as usize];
            let name = idb
                .options
                .iter()
                .find_map(|o| if let InterfaceDescriptionOption::IfName(n) = o { Some(n.to_string()) } else { None })
                .expect("interface named");
            v.push((name, data));
        }
    }
    v
}

fn seed_through_both_nodes(ext: &str) {
    let dir = tempdir(ext);
    let client = seed::path(&format!("client-node.{ext}"));
    let server = seed::path(&format!("server-node.{ext}"));
    let s = |p: &Path| p.to_str().expect("utf-8 path").to_string();
    let (c1, s1, c2) = (dir.join("client-syn.pcapng"), dir.join("server.pcapng"), dir.join("client.pcapng"));

    // Client node: the pod's SYN in, the VXLAN-encapsulated SYN out of the uplink.
    nicctl(&[
        "run",
        "--config",
        &s(&client),
        "--in",
        &format!("tap2={}", s(&seed::path("client-tap2-in.pcap"))),
        "--out",
        &s(&c1),
    ]);
    let out = read_out(&c1);
    assert_eq!(out, vec![("GigabitEthernet0/8/0".to_string(), seed::expected_frame("full_client_syn_uplink"))]);

    // Server node: that SYN from the wire, then the server pod's SYN-ACK.
    let trace = nicctl(&[
        "run",
        "--config",
        &s(&server),
        "--in",
        &format!("GigabitEthernet0/8/0={}", s(&c1)),
        "--in",
        &format!("tap3={}", s(&seed::path("server-tap3-in.pcap"))),
        "--out",
        &s(&s1),
        "--trace",
    ]);
    assert!(trace.contains("vxlan4-input\n  VXLAN decap from vxlan_tunnel0 vni 10"), "{trace}");
    let out = read_out(&s1);
    assert_eq!(out.len(), 2, "{trace}");
    assert_eq!(out[0], ("tap3".to_string(), seed::expected_frame("full_server_syn_tap3")));
    assert_eq!(out[1], ("GigabitEthernet0/8/0".to_string(), seed::expected_frame("full_server_synack_uplink")));

    // Client node again, state kept across files: the SYN, then the SYN-ACK from the wire.
    nicctl(&[
        "run",
        "--config",
        &s(&client),
        "--in",
        &format!("tap2={}", s(&seed::path("client-tap2-in.pcap"))),
        "--in",
        &format!("GigabitEthernet0/8/0={}@GigabitEthernet0/8/0", s(&s1)),
        "--out",
        &s(&c2),
    ]);
    let out = read_out(&c2);
    assert_eq!(out.len(), 2);
    assert_eq!(out[1], ("tap2".to_string(), seed::expected_frame("full_client_synack_tap2")));
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nicctl-seed-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn seed_native_config() {
    seed_through_both_nodes("toml");
}

#[test]
fn seed_vpp_config() {
    seed_through_both_nodes("vpp");
}

#[test]
fn check_prints_tables_and_rejects_bad_configs() {
    let out = nicctl(&["check", "--config", seed::path("client-node.toml").to_str().expect("utf-8")]);
    assert!(out.contains("config is valid"));
    assert!(out.contains("fib 0 10.1.2.0/24 -> lb"), "{out}");
    let dir = tempdir("bad");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[[interface]]\nname = \"eth0\"\nkind = \"uplink\"\n").expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_nicctl"))
        .args(["check", "--config", bad.to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml") && err.contains("interface eth0: needs a mac"), "{err}");
}

#[test]
fn export_round_trips() {
    let toml = seed::path("client-node.toml");
    let script = nicctl(&["export", "--config", toml.to_str().expect("utf-8"), "--format", "vpp"]);
    let dir = tempdir("export");
    let vpp = dir.join("client.vpp");
    std::fs::write(&vpp, &script).expect("write");
    let back = nicctl(&["export", "--config", vpp.to_str().expect("utf-8"), "--format", "native"]);
    let a = nicctl(&["check", "--config", toml.to_str().expect("utf-8")]);
    let b_file = dir.join("client.toml");
    std::fs::write(&b_file, back).expect("write");
    let b = nicctl(&["check", "--config", b_file.to_str().expect("utf-8")]);
    // Same tables (the first line names the config).
    assert_eq!(a.lines().skip(1).collect::<Vec<_>>(), b.lines().skip(1).collect::<Vec<_>>());
}
