//! Loading a node config in any of the formats `nicctl` accepts: the native TOML model
//! or a VPP CLI script (`.vpp`/`.cli`, or `--format vpp`).

use clap::{Args, ValueEnum};
use node_config::vpp::{self, VppOptions};
use node_config::{ConfigError, NodeConfig};
use offload_tables::Tables;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The native TOML node config.
    Native,
    /// A VPP CLI script (VPP 22.02 syntax).
    Vpp,
}

#[derive(Args, Clone, Debug, Default)]
pub struct FormatArgs {
    /// Config format; by default `.vpp` and `.cli` files are VPP scripts, others native.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// `NAME=N`: wire port of a physical interface in a VPP script (default: order of
    /// first mention). Repeatable.
    #[arg(long = "port", value_name = "NAME=N")]
    pub ports: Vec<String>,
}

impl FormatArgs {
    pub fn format_of(&self, path: &Path) -> Format {
        self.format.unwrap_or_else(|| match path.extension().and_then(|e| e.to_str()) {
            Some("vpp" | "cli") => Format::Vpp,
            _ => Format::Native,
        })
    }
}

/// A loaded config: the model, its tables, and notes for `nicctl check`.
pub struct Loaded {
    pub config: NodeConfig,
    pub tables: Tables,
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Vpp(#[from] vpp::VppError),
    #[error("--port {0}: expected NAME=N with N a port number 0..=255")]
    BadPort(String),
}

/// Parses a config file without rendering it.
pub fn parse(path: &Path, args: &FormatArgs) -> Result<(NodeConfig, Vec<String>), LoadError> {
    match args.format_of(path) {
        Format::Native => Ok((node_config::load_config(path)?, Vec::new())),
        Format::Vpp => {
            let mut ports = Vec::new();
            for p in &args.ports {
                let (name, n) = p.split_once('=').ok_or_else(|| LoadError::BadPort(p.clone()))?;
                ports.push((name.to_string(), n.parse().map_err(|_| LoadError::BadPort(p.clone()))?));
            }
            let text =
                std::fs::read_to_string(path).map_err(|source| ConfigError::Io { file: path.to_path_buf(), source })?;
            let parsed = vpp::parse(&text, path, &VppOptions { ports })?;
            Ok((parsed.config, parsed.notes.iter().map(|n| n.to_string()).collect()))
        }
    }
}

/// Parses and renders a config file.
pub fn load(path: &Path, args: &FormatArgs) -> Result<Loaded, LoadError> {
    let (config, mut notes) = parse(path, args)?;
    let tables =
        node_config::render(&config).map_err(|errors| ConfigError::Invalid { file: path.to_path_buf(), errors })?;
    notes.extend(node_config::render::notes(&config).into_iter().map(|n| format!("{}: note: {n}", path.display())));
    Ok(Loaded { config, tables, notes })
}
