//! `nicctl export`: a config printed in another format.

use crate::config_file::{self, Format, FormatArgs};
use clap::Args;
use node_config::vpp;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[arg(long)]
    pub config: PathBuf,
    /// Format to print: `vpp` (a VPP CLI script) or `native` (TOML).
    #[arg(long, value_enum)]
    pub format: Format,
    /// Format of the input; by default from its extension.
    #[arg(long, value_enum)]
    pub from: Option<Format>,
    /// `NAME=N`: wire port of a physical interface in a VPP input script. Repeatable.
    #[arg(long = "port", value_name = "NAME=N")]
    pub ports: Vec<String>,
}

pub fn export(a: &ExportArgs) -> Result<(), Box<dyn std::error::Error>> {
    let input = FormatArgs { format: a.from, ports: a.ports.clone() };
    // Validate by rendering: an exported config is one that loads.
    let loaded = config_file::load(&a.config, &input)?;
    match a.format {
        Format::Vpp => {
            for l in vpp::export_limitations(&loaded.config) {
                eprintln!("nicctl export: warning: {l}");
            }
            print!("{}", vpp::export(&loaded.config));
        }
        Format::Native => print!("{}", toml::to_string_pretty(&loaded.config)?),
    }
    Ok(())
}
