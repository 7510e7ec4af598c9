//! `nicctl run --device sim --waves FILE.fst` (a nicctl built with `--features waves`):
//! the waveform is an FST file GTKWave opens — its header block says so — and holds the
//! run after the load. `.ci/run` runs this with `cargo test -p nicctl --features waves
//! --test waves`.

use std::process::Command;

#[test]
fn run_writes_an_fst_waveform() {
    if test_support::prerequisite::skip(
        "waves::run_writes_an_fst_waveform",
        "the RTL model (Verilator)",
        sim::rtl_model_missing(),
    ) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("nicctl-waves-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fst = dir.join("run.fst");
    let out = Command::new(env!("CARGO_BIN_EXE_nicctl"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(["run", "--config", "examples/pod-to-service/client-node.toml"])
        .args(["--in", "tap2=examples/pod-to-service/client-tap2-in.pcap", "--device", "sim"])
        .arg("--out")
        .arg(dir.join("out.pcapng"))
        .arg("--waves")
        .arg(&fst)
        .output()
        .expect("nicctl runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&fst).expect("the waveform was written");
    // FST: a header block first (type 0, a 329-byte section), then the writer's name
    // among its fields, and more blocks (geometry, hierarchy, value changes) after it.
    assert_eq!(bytes[0], 0, "FST header block type");
    assert_eq!(u64::from_be_bytes(bytes[1..9].try_into().unwrap()), 329, "FST header section length");
    let header = String::from_utf8_lossy(&bytes[..330]);
    assert!(header.contains("fstWriter"), "writer field: {header:?}");
    assert!(bytes.len() > 2_000, "value changes after the header: {} bytes", bytes.len());
    let _ = std::fs::remove_dir_all(&dir);
}
