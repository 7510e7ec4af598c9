//! The HW/SW contract of the offload pipeline: everything the software path, the RTL
//! and the simulator must agree on, defined once. It depends on nothing of the front end
//! (config formats live in `node-config`, which renders into [`Tables`]).
//!
//! - [`layout`]: the `#[repr(C)]` entry layouts the NIC holds, little-endian;
//! - [`tables`]: [`Tables`], every table of one node as one value;
//! - [`lpm`]: the 16-8-8 trie both sides use for IPv4 longest-prefix match;
//! - [`session`]: the session table's geometry (hash placement, bounded probes);
//! - [`flow_hash`]: VPP's flow hash (ECMP bucket choice, VXLAN source port);
//! - [`checksum`]: Internet checksum arithmetic and the NAT deltas session entries carry;
//! - [`reasons`]: drop and punt reason codes with their counter names;
//! - [`regs`], [`shell`]: the core's register map and the FPGA shell's rings;
//! - [`svgen`]: the SystemVerilog package generated from all of the above.

#![deny(unsafe_code)]

pub mod checksum;
#[allow(unsafe_code)] // the only unsafe module of the crate; invariants in its docs
mod entry_memory;
pub mod flow_hash;
pub mod layout;
pub mod lpm;
pub mod reasons;
pub mod regs;
pub mod session;
pub mod shell;
#[allow(unsafe_code)] // SSE2 tag compare; invariant in its docs
mod simd;
pub mod svgen;
pub mod tables;

pub use lpm::prefix_mask;
pub use tables::{Names, Tables};
