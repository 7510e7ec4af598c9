//! What the benches share.

// Each bench uses what it needs.
#![allow(dead_code)]

pub mod nat_node;
