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
    assert!(out.contains("device: sim shell 1.0 core 2.0"), "{out}");
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
