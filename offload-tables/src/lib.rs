//! The HW/SW contract of the offload pipeline.
//!
//! - [`config`]: the node configuration a user writes (TOML), parsed with serde;
//! - [`render`]: validation of a whole config and its rendering into [`Tables`];
//! - [`layout`]: the `#[repr(C)]` entry layouts the NIC holds, little-endian;
//! - [`lpm`]: the 16-8-8 trie both sides use for IPv4 longest-prefix match;
//! - [`session`]: the session table's geometry (hash placement, bounded probes);
//! - [`flow_hash`]: VPP's flow hash (ECMP bucket choice, VXLAN source port);
//! - [`reasons`]: drop and punt reason codes with their counter names.
//!
//! Everything the software path, the RTL and the simulator must agree on is defined
//! here once.

#![deny(unsafe_code)]

pub mod config;
pub mod csum_delta;
#[allow(unsafe_code)] // the only unsafe module of the crate; invariants in its docs
mod entry_memory;
pub mod flow_hash;
pub mod layout;
pub mod lpm;
pub mod reasons;
pub mod regs;
pub mod render;
pub mod session;
pub mod shell;
#[allow(unsafe_code)] // SSE2 tag compare; invariant in its docs
mod simd;
pub mod svgen;
pub mod vpp;

pub use config::NodeConfig;
pub use render::{render, RenderError, Tables};

use std::path::{Path, PathBuf};

/// A config that could not be read, parsed or rendered, with the file it came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: {source}")]
    Io { file: PathBuf, source: std::io::Error },
    #[error("{file}: {message}")]
    Parse { file: PathBuf, message: String },
    #[error("{file}: {} problem(s):\n{}", .errors.len(), .errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Invalid { file: PathBuf, errors: Vec<RenderError> },
}

/// Parses a native (TOML) config from text; `file` is only used in error messages.
pub fn parse_config(text: &str, file: &Path) -> Result<NodeConfig, ConfigError> {
    toml::from_str(text)
        .map_err(|e| ConfigError::Parse { file: file.to_path_buf(), message: e.to_string().trim_end().to_string() })
}

/// Reads and parses a native config file.
pub fn load_config(file: &Path) -> Result<NodeConfig, ConfigError> {
    let text = std::fs::read_to_string(file).map_err(|source| ConfigError::Io { file: file.to_path_buf(), source })?;
    parse_config(&text, file)
}

/// Reads, parses and renders a config file.
pub fn load_tables(file: &Path) -> Result<(NodeConfig, Tables), ConfigError> {
    let cfg = load_config(file)?;
    let tables = render(&cfg).map_err(|errors| ConfigError::Invalid { file: file.to_path_buf(), errors })?;
    Ok((cfg, tables))
}
