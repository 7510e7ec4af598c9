//! Builds `hw-rtl` with Verilator into a static library: `verilator --cc`, then
//! Verilator's generated Makefile for the model and its runtime (`verilated.o`,
//! `verilated_threads.o`, built once and guarded by a stamp so RTL edits only rebuild
//! the model), plus the `extern "C"` shim in `csrc/shim.cpp` compiled by `cc`.
//!
//! Without Verilator the crate still builds (so the software path builds anywhere), with
//! `cfg(no_rtl_model)`: every attempt to open the simulated NIC then fails with
//! [`SimError::NoModel`](crate::SimError), which says how to get it. Under `CI=true` a
//! missing Verilator fails the build instead: CI must test the RTL.

use std::path::PathBuf;
use std::process::Command;

/// The RTL's files in compile order, from the one list every tool reads.
fn rtl_files(rtl: &std::path::Path) -> Vec<PathBuf> {
    let list = rtl.join("files.txt");
    let text = std::fs::read_to_string(&list).unwrap_or_else(|e| panic!("{}: {e}", list.display()));
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(|f| rtl.join(f)).collect()
}

fn run(cmd: &mut Command, what: &str) {
    let st = cmd.status().unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    assert!(st.success(), "{what} failed: {cmd:?}");
}

/// The simulated card's table sizes (log2 entries), larger than the RTL's defaults (which
/// synthesis uses) so a Kubernetes node's config fits: tens of pods (interfaces and their
/// ACL lists), hundreds of routes (load-balances, buckets, adjacencies, trie groups),
/// several tunnels' L2 FIB entries.
const SIM_TABLES: [&str; 6] =
    ["-GIF_BITS=6", "-GACL_LIST_BITS=7", "-GLB_BITS=9", "-GBUCKET_BITS=10", "-GADJ_BITS=7", "-GGROUP_BITS=9"];

/// The session table's geometry in the simulated card: log2 buckets of 8 entries, and
/// log2 lookups in flight per lookup engine (enough for the memory model's round trip).
/// The shim and the memory model read them too (defines, `SIM_SESS_*` env).
const SESS_BUCKET_BITS: u32 = 11;
const SESS_ROB_BITS: u32 = 8;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let rtl = manifest.join("../hw-rtl/rtl");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let obj = out.join("obj");
    let files = rtl_files(&rtl);
    println!("cargo:rerun-if-changed={}", rtl.join("files.txt").display());
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    println!("cargo:rerun-if-changed=csrc/shim.cpp");
    println!("cargo:rerun-if-env-changed=VERILATOR");
    println!("cargo:rerun-if-env-changed=CI");
    println!("cargo::rustc-check-cfg=cfg(no_rtl_model)");
    println!("cargo:rustc-env=SIM_SESS_BUCKET_BITS={SESS_BUCKET_BITS}");
    println!("cargo:rustc-env=SIM_SESS_ROB_BITS={SESS_ROB_BITS}");
    let verilator = std::env::var("VERILATOR").unwrap_or_else(|_| "verilator".into());
    let root = match Command::new(&verilator).arg("--getenv").arg("VERILATOR_ROOT").output() {
        Ok(o) if o.status.success() => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
        _ if std::env::var("CI").as_deref() == Ok("true") => panic!(
            "\n\nCI=true and `{verilator}` was not found: the RTL model cannot be built. \
             Run tools/setup.sh (it installs Verilator) first.\n\n"
        ),
        _ => {
            println!(
                "cargo:warning=Verilator (`{verilator}`) not found: the simulated NIC is left out of this build \
                 (`--device sim` and the co-simulation tests will say so). tools/setup.sh installs it."
            );
            println!("cargo:rustc-cfg=no_rtl_model");
            return;
        }
    };
    let mut v = Command::new(&verilator);
    // -Wall with warnings fatal: the RTL is lint-clean, and the few waivers sit next to
    // the code they excuse, each with its reason (`verilator lint_off` comments).
    // Instrumented builds, only when asked (cargo features): waveforms (`--waves` of
    // `nicctl run`) and line/toggle coverage.
    let waves = std::env::var_os("CARGO_FEATURE_WAVES").is_some();
    let coverage = std::env::var_os("CARGO_FEATURE_COVERAGE").is_some();
    v.args(["--cc", "-O3", "--x-assign", "fast", "--x-initial", "fast", "--noassert", "-Wall"])
        .args(SIM_TABLES)
        .arg(format!("-GSESS_BUCKET_BITS={SESS_BUCKET_BITS}"))
        .arg(format!("-GSESS_ROB_BITS={SESS_ROB_BITS}"))
        .args(waves.then_some("--trace-fst"))
        .args(if coverage { &["--coverage-line", "--coverage-toggle"][..] } else { &[] })
        .args(["--top-module", "offload_top", "--prefix", "Voffload_top", "-Mdir"])
        .arg(&obj)
        .args(&files);
    run(&mut v, "verilator --cc");
    // The runtime objects do not depend on the RTL: build them once per OUT_DIR.
    let stamp = obj.join(".runtime.stamp");
    let mut targets = vec!["Voffload_top__ALL.a"];
    if !stamp.exists() {
        targets.extend(["verilated.o", "verilated_threads.o"]);
    }
    if waves {
        targets.push("verilated_fst_c.o");
    }
    if coverage {
        targets.push("verilated_cov.o");
    }
    let jobs = std::env::var("NUM_JOBS").unwrap_or_else(|_| "2".into());
    run(
        Command::new("make")
            .arg("-s")
            .arg("-j")
            .arg(&jobs)
            .arg("-C")
            .arg(&obj)
            .args(["-f", "Voffload_top.mk"])
            .args(&targets)
            .env("OPT_FAST", "-O2")
            .env("OPT_SLOW", "-O1"),
        "make (Verilator model)",
    );
    std::fs::write(&stamp, b"").expect("stamp");
    // rustc looks for lib<name>.a
    std::fs::copy(obj.join("Voffload_top__ALL.a"), obj.join("libVoffload_top__ALL.a")).expect("copy model archive");
    let inc = root.join("include");
    cc::Build::new()
        .cpp(true)
        .std("c++17")
        .opt_level(2)
        .warnings(false)
        .include(&obj)
        .include(&inc)
        .include(inc.join("vltstd"))
        .file("csrc/shim.cpp")
        .define("SESS_BUCKET_BITS", SESS_BUCKET_BITS.to_string().as_str())
        .define("SESS_ROB_BITS", SESS_ROB_BITS.to_string().as_str())
        .define("OFFLOAD_WAVES", if waves { "1" } else { "0" })
        .define("OFFLOAD_COVERAGE", if coverage { "1" } else { "0" })
        .define("VM_COVERAGE", if coverage { "1" } else { "0" })
        .define("VM_TRACE", if waves { "1" } else { "0" })
        .object(obj.join("verilated.o"))
        .object(obj.join("verilated_threads.o"))
        .objects(waves.then(|| obj.join("verilated_fst_c.o")))
        .objects(coverage.then(|| obj.join("verilated_cov.o")))
        .compile("offload_shim");
    println!("cargo:rustc-link-search=native={}", obj.display());
    println!("cargo:rustc-link-lib=static=Voffload_top__ALL");
    println!("cargo:rustc-link-lib=pthread");
    if waves {
        println!("cargo:rustc-link-lib=z");
    }
}
