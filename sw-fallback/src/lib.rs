//! The software dataplane: VPP's graph nodes for stateful ACL, NAT44, IPv4 FIB with
//! ECMP, L2 bridging and VXLAN, run over the tables `offload-tables` renders.
//!
//! It is the reference semantics the RTL is checked against, the production path in
//! software-only mode, and the slow path that serves the NIC's misses.
//!
//! - [`wire`]: zero-copy packet views and checksum arithmetic;
//! - [`pipeline`]: the graph ([`Dataplane::process`]);
//! - [`acl`], [`nat`]: stateful ACL and NAT44 sessions;
//! - [`counters`], [`trace`]: per-node/table/drop counters and VPP-style traces;
//! - [`host_work`]: what a packet needed the host for, in the NIC contract's punt reasons.

#![forbid(unsafe_code)]

pub mod acl;
pub mod buffer;
pub mod counters;
pub mod flow;
pub mod host_work;
pub mod nat;
pub mod pipeline;
pub mod session_pool;
pub mod trace;
pub mod wire;

pub use buffer::{BufferPool, PacketBuf};
pub use pipeline::{Dataplane, Tx};
