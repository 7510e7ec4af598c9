//! What the tests and benches of every crate share, in one place (a dev-dependency):
//!
//! - [`seed`], [`seed_connection`]: the bundled seed example (`examples/pod-to-service/`):
//!   its files, expected frames and captures, and its whole TCP connection;
//! - [`workload`]: the synthetic workloads `nicctl bench` and the criterion benches time;
//! - [`adversarial`]: random valid configs and adversarial traffic (proptest);
//! - [`frames`]: frames built and checked apart from the code under test (etherparse);
//! - [`harness`]: stepping a software node with counter deltas, conservation, and the
//!   shared pieces of the differential runs;
//! - [`vm_handshake`]: the shared-memory handshake of the VFIO-in-a-VM test;
//! - [`prerequisite`]: what a test does when the machine lacks root, QEMU or Verilator
//!   (skip outside CI, fail under `CI=true`).

#![forbid(unsafe_code)]

#[cfg(feature = "generators")]
pub mod adversarial;
#[cfg(feature = "generators")]
pub mod frames;
#[cfg(feature = "generators")]
pub mod harness;
pub mod prerequisite;
#[cfg(feature = "generators")]
pub mod realistic;
pub mod seed;
#[cfg(feature = "generators")]
pub mod seed_connection;
pub mod vm_handshake;
pub mod workload;
