//! Runs the module benches of `hw-rtl`: one SystemVerilog bench beside each module
//! (`hw-rtl/tb/<module>/tb.sv`), built with `verilator --binary --timing` and fed a file
//! of vectors that the Rust test computed with the contract's reference functions
//! (`offload_tables`). The bench drives the module (with random valid/ready
//! backpressure where it has streams), checks every output and prints `PASS` or
//! stops with `$fatal`.
//!
//! Why SystemVerilog benches driven from Rust, not cocotb: the expected values come
//! from the same Rust functions the software path and the driver use, so a bench can
//! not drift from the contract; the bench itself stays plain SystemVerilog that an
//! FPGA engineer runs in any simulator (`+vectors=FILE`); and it runs in
//! `cargo test --workspace` with nothing but Verilator, which CI already installs.

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot run {what}: {source}")]
    Spawn { what: String, source: std::io::Error },
    #[error("{what} failed ({status}):\n{output}")]
    Failed { what: String, status: std::process::ExitStatus, output: String },
    #[error("{module}'s bench ended without PASS:\n{output}")]
    NoPass { module: String, output: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// The `hw-rtl` folder of this checkout.
pub fn hw_rtl() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Why the benches cannot run here, if they cannot: Verilator is missing.
pub fn verilator_missing() -> Option<&'static str> {
    let ok = Command::new("verilator").arg("--version").output().is_ok_and(|o| o.status.success());
    (!ok).then_some("`verilator` not on PATH")
}

/// A module bench: the module under test, the RTL files it needs (from `hw-rtl/rtl`)
/// and the bench's parameters (`-G`).
pub struct Bench<'a> {
    pub module: &'a str,
    pub rtl: &'a [&'a str],
    pub params: &'a [(&'a str, i64)],
}

impl Bench<'_> {
    /// Builds the bench under `work` (once per content of its sources and parameters),
    /// runs it on `vectors` with `plusargs`, and returns what it printed.
    pub fn run(&self, work: &Path, vectors: &str, plusargs: &[String]) -> Result<String, BenchError> {
        let exe = self.build(work)?;
        let file = work.join(format!("{}.vectors", self.name()));
        std::fs::write(&file, vectors).map_err(|source| BenchError::Io { path: file.clone(), source })?;
        let what = format!("{}'s bench", self.module);
        let out = Command::new(&exe)
            .arg(format!("+vectors={}", file.display()))
            .args(plusargs)
            .output()
            .map_err(|source| BenchError::Spawn { what: what.clone(), source })?;
        let output = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if !out.status.success() {
            return Err(BenchError::Failed { what, status: out.status, output });
        }
        if !output.lines().any(|l| l.trim() == "PASS") {
            return Err(BenchError::NoPass { module: self.module.into(), output });
        }
        Ok(output)
    }

    /// The module with its parameters: one build and one vector file per name, so that
    /// tests running the same module with other parameters, in parallel, do not meet.
    fn name(&self) -> String {
        self.params.iter().fold(self.module.to_string(), |n, (k, v)| format!("{n}-{k}{v}"))
    }

    fn sources(&self) -> Vec<PathBuf> {
        let rtl = hw_rtl().join("rtl");
        let mut files: Vec<PathBuf> = self.rtl.iter().map(|f| rtl.join(f)).collect();
        // (what the benches of beat streams share, then the bench)
        files.push(hw_rtl().join("tb").join("tb_beats.sv"));
        files.push(hw_rtl().join("tb").join(self.module).join("tb.sv"));
        files
    }

    fn build(&self, work: &Path) -> Result<PathBuf, BenchError> {
        let dir = work.join(self.name());
        let exe = dir.join("tb");
        // Rebuild only when a source or a parameter changed (Verilator takes seconds).
        let mut fingerprint = format!("{:?}\n", self.params);
        for f in self.sources() {
            let text = std::fs::read_to_string(&f).map_err(|source| BenchError::Io { path: f.clone(), source })?;
            fingerprint += &format!("{}\n{text}\n", f.display());
        }
        let stamp = dir.join("sources.stamp");
        if exe.is_file() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(fingerprint.as_str()) {
            return Ok(exe);
        }
        std::fs::create_dir_all(&dir).map_err(|source| BenchError::Io { path: dir.clone(), source })?;
        let mut v = Command::new("verilator");
        v.args(["--binary", "--timing", "-Wall", "-Wno-DECLFILENAME", "--top-module", "tb", "-j", "2"])
            .args(self.params.iter().map(|(k, val)| format!("-G{k}={val}")))
            .arg("-Mdir")
            .arg(dir.join("obj"))
            .arg("-o")
            .arg(&exe)
            .args(self.sources());
        let what = format!("verilator (the {} bench)", self.module);
        let out = v.output().map_err(|source| BenchError::Spawn { what: what.clone(), source })?;
        if !out.status.success() {
            let output = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            return Err(BenchError::Failed { what, status: out.status, output });
        }
        std::fs::write(&stamp, fingerprint).map_err(|source| BenchError::Io { path: stamp, source })?;
        Ok(exe)
    }
}
