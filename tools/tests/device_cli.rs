//! `nicctl load/show --device`: the host driver's path on the simulator backend.

use std::process::Command;

/// Skips (outside CI) or fails (under CI) when this build has no RTL model.
fn no_rtl_model(test: &str) -> bool {
    test_support::prerequisite::skip(test, "the RTL model (Verilator)", sim::rtl_model_missing())
}

fn nicctl(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nicctl"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(args)
        .output()
        .expect("nicctl runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn load_on_the_simulator_probes_loads_and_verifies() {
    if no_rtl_model("device_cli::load_on_the_simulator_probes_loads_and_verifies") {
        return;
    }
    let (ok, out, err) = nicctl(&["load", "examples/pod-to-service/client-node.toml", "--device", "sim"]);
    assert!(ok, "{err}");
    let v = offload_tables::regs::VERSION_VALUE;
    assert!(out.contains(&format!("device: sim shell 1.0 core {}.{}", v >> 16, v & 0xffff)), "{out}");
    assert!(out.contains("session memory: external"), "{out}");
    assert!(out.contains("generation 1 (entries read back and verified at load)"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("interface") && l.ends_with(" 4")), "{out}");
}

#[test]
fn show_device_and_none() {
    if no_rtl_model("device_cli::show_device_and_none") {
        return;
    }
    let (ok, out, _) = nicctl(&["show", "device", "--device", "sim"]);
    assert!(ok && out.contains("caps: cmd-ring punt/inject-rings fence"), "{out}");
    let (ok, out, _) = nicctl(&["load", "examples/pod-to-service/client-node.toml", "--device", "none"]);
    assert!(ok && out.contains("software-only"), "{out}");
    let (ok, _, err) = nicctl(&["show", "tables", "--socket", "/nonexistent"]);
    assert!(!ok && err.contains("needs --device"), "{err}");
    let (ok, _, err) = nicctl(&["load", "x.toml", "--device", "pci:1"]);
    assert!(!ok && err.contains("bad device spec"), "{err}");
}

/// Every packet of a pcapng file: (interface name, timestamp, bytes).
fn pcapng_packets(path: &std::path::Path) -> Vec<(String, std::time::Duration, Vec<u8>)> {
    use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
    use pcap_file::pcapng::{Block, PcapNgReader};
    let mut r = PcapNgReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    let mut names = Vec::new();
    while let Some(b) = r.next_block() {
        match b.unwrap() {
            Block::InterfaceDescription(i) => names.push(
                i.options
                    .iter()
                    .find_map(|o| match o {
                        InterfaceDescriptionOption::IfName(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .unwrap_or_default(),
            ),
            Block::EnhancedPacket(p) => {
                out.push((names[p.interface_id as usize].clone(), p.timestamp, p.data.to_vec()))
            }
            _ => {}
        }
    }
    out
}

/// `nicctl run --device sim`: the seed capture through the co-simulated NIC and the
/// driver writes exactly what the software path writes; `--trace` says per packet what
/// the NIC did, and the run ends with the `nic-handled:` line.
#[test]
fn run_through_the_simulated_nic_writes_what_software_writes() {
    if no_rtl_model("device_cli::run_through_the_simulated_nic_writes_what_software_writes") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("nicctl-run-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (sw_out, sim_out) = (dir.join("sw.pcapng"), dir.join("sim.pcapng"));
    let common = [
        "run",
        "--config",
        "examples/pod-to-service/client-node.toml",
        "--in",
        "tap2=examples/pod-to-service/client-tap2-in.pcap",
        "--trace",
        "--out",
    ];
    let (ok, _, err) = nicctl(&[&common[..], &[sw_out.to_str().unwrap()]].concat());
    assert!(ok, "{err}");
    let (ok, out, err) = nicctl(&[&common[..], &[sim_out.to_str().unwrap(), "--device", "sim"]].concat());
    assert!(ok, "{err}");
    assert!(out.contains("nic: packet 1 on tap2"), "{out}");
    assert!(out.contains("punted by the NIC"), "the seed's SYN creates sessions: {out}");
    assert!(err.contains("nic-handled (sim, "), "{err}");
    let (a, b) = (pcapng_packets(&sw_out), pcapng_packets(&sim_out));
    assert!(!a.is_empty());
    assert_eq!(a, b, "the co-simulated NIC wrote other frames than the software path");
    let _ = std::fs::remove_dir_all(&dir);
}
