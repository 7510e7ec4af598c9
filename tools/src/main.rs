//! `nicctl`: run, check and benchmark the offload pipeline.

mod bench;
mod check;
mod export;
mod node_config;
mod run;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "nicctl", version, about = "SmartNIC offload toolkit: run, check and benchmark a node's dataplane")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run packets from pcap/pcapng files through a node's software dataplane.
    Run(run::RunArgs),
    /// Validate a node config and print the rendered tables.
    Check {
        #[arg(long)]
        config: PathBuf,
        #[command(flatten)]
        format: node_config::FormatArgs,
    },
    /// Synthetic traffic through the pipeline: Mpps per scenario on one core.
    Bench(bench::BenchArgs),
    /// Print a config in another format (a VPP script, or the native TOML).
    Export(export::ExportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Check { config, format } => check::check(&config, &format),
        Command::Bench(args) => bench::bench(&args),
        Command::Export(args) => export::export(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nicctl: {e}");
            ExitCode::FAILURE
        }
    }
}
