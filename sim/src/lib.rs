//! The simulated NIC: `hw-rtl` compiled by Verilator and driven from Rust, inside a model
//! of the FPGA shell, behind the host driver's `Device` trait — a device, and nothing of
//! the programming protocol (which is `host-driver`'s, the same for this card and a real
//! one).
//!
//! - [`model`]: the RTL core under Verilator: clock, register port, packet ports;
//! - [`memory`]: the card's external memory (HBM-like channels, latency, requests in
//!   flight) serving the core's session AXI ports;
//! - [`card`]: [`SimCard`], the shell model (BAR registers, command/completion and
//!   punt/inject rings) around the core, with its wire ports as cables and fault
//!   injection;
//! - [`ivshmem`]: the card served to a VM through an `ivshmem` backing file;
//! - [`testbed`]: a node in offload mode on the card with the cables in hand: what the
//!   co-simulation tests, `nicctl run --device sim` and `nicctl serve --device sim` drive.
//!
//! Why not the `verilator` crate of the design card: the crates.io `verilator` 0.1.6 /
//! `verilated` 0.1.2 crates do not build against Verilator 5.006 (they expect the 4.x
//! file set such as `Vtop__Slow.cpp`, the removed `flushCb` API, and miss
//! `verilated_threads.cpp`), and their port generator cannot handle ports wider than 64
//! bits, which every 512-bit beat port is. `build.rs` instead runs `verilator --cc`,
//! Verilator's own Makefile, and compiles a thin `extern "C"` shim (`csrc/shim.cpp`)
//! with one fused call per clock (set inputs, eval low, sample, eval high). Without
//! Verilator the crate still builds, and opening a card says what is missing.

#![deny(unsafe_code)]

pub mod card;
pub mod ivshmem;
pub mod memory;
pub mod model;
#[allow(unsafe_code)] // the FFI to the Verilator model; invariants in sys.rs
mod sys;
pub mod testbed;

pub use card::{Faults, PuntCorruption, SimCard};
pub use memory::{MemoryParams, MemoryStats};
pub use model::{Core, InPort, OutPacket, OutPort, N_PORTS};
pub use testbed::Testbed;

use offload_tables::regs::Table;

/// Whether this build has the RTL model (Verilator was found when `sim` was built).
pub const RTL_MODEL: bool = cfg!(not(no_rtl_model));

/// Why there is no RTL model, if there is none (for tests' prerequisite checks).
pub fn rtl_model_missing() -> Option<&'static str> {
    (!RTL_MODEL).then_some("Verilator was not found when the sim crate was built")
}

/// What the simulated NIC refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SimError {
    #[error("table {table:?}: index {index} rejected (status {status})")]
    Table { table: Table, index: usize, status: u32 },
    #[error(
        "this build has no RTL model: Verilator was not found when the `sim` crate was built \
         (run tools/setup.sh, which installs it, then rebuild)"
    )]
    NoModel,
    #[error("{what}: this build of the RTL model has no {feature} (rebuild with the cargo feature `{feature}`, e.g. `cargo build --release -p nicctl --features {feature}`)")]
    NotInstrumented { what: String, feature: &'static str },
    #[error("{0}: cannot be written")]
    Instrument(String),
}
