//! The node configuration a user writes, and its rendering into the contract.
//!
//! - [`model`]: the config model (native format: TOML, parsed with serde);
//! - [`vpp`]: VPP CLI scripts (`vppctl exec` syntax of VPP 22.02) parsed into the model,
//!   and the model exported back as such a script;
//! - [`render()`]: validation of a whole config and its rendering into
//!   [`offload_tables::Tables`].
//!
//! The contract (`offload-tables`) knows nothing of this crate: a config format can
//! change without touching what the NIC, the simulator and the software path share.

#![forbid(unsafe_code)]

pub mod model;
pub mod render;
pub mod vpp;

pub use model::*;
pub use render::{render, RenderError};

use offload_tables::Tables;
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
