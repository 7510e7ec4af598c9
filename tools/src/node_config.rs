//! Loading a node config in any of the formats `nicctl` accepts.

use clap::{Args, ValueEnum};
use offload_tables::{ConfigError, NodeConfig, Tables};
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The native TOML node config.
    Native,
}

#[derive(Args, Clone, Debug, Default)]
pub struct FormatArgs {
    /// Config format; by default from the file extension (`.toml` native).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

/// A loaded config: the model, its tables, and notes for `nicctl check`.
pub struct Loaded {
    pub config: NodeConfig,
    pub tables: Tables,
    pub notes: Vec<String>,
}

pub fn load(path: &Path, args: &FormatArgs) -> Result<Loaded, ConfigError> {
    let _format = args.format.unwrap_or(Format::Native);
    let (config, tables) = offload_tables::load_tables(path)?;
    Ok(Loaded { config, tables, notes: Vec::new() })
}
