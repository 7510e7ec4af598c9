//! `nicctl`: run, check and benchmark the offload pipeline.

mod bench;
mod check;
mod export;
mod node_config;
mod run;
mod serve;

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
    /// Run a node's dataplane on real interfaces (TAPs, AF_PACKET uplinks), with a
    /// control socket for `show`, `trace` and `load`.
    Serve(serve::ServeArgs),
    /// Ask a running `nicctl serve`: sessions, counters, interfaces, trace, neighbors.
    Show {
        #[arg(value_enum)]
        what: serve::control::ShowWhat,
        #[command(flatten)]
        socket: serve::SocketArg,
    },
    /// Packet trace of a running `nicctl serve`: `trace add N`, `trace show`, `trace clear`.
    Trace {
        #[command(subcommand)]
        cmd: serve::TraceCmd,
        #[command(flatten)]
        socket: serve::SocketArg,
    },
    /// Replace a running `nicctl serve`'s config atomically, keeping valid sessions.
    Load {
        /// The new node config (or `--config FILE`).
        #[arg(value_name = "CONFIG", required_unless_present = "config_flag", conflicts_with = "config_flag")]
        config: Option<PathBuf>,
        #[arg(long = "config", value_name = "FILE")]
        config_flag: Option<PathBuf>,
        #[command(flatten)]
        format: node_config::FormatArgs,
        #[command(flatten)]
        socket: serve::SocketArg,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Check { config, format } => check::check(&config, &format),
        Command::Bench(args) => bench::bench(&args),
        Command::Export(args) => export::export(&args),
        Command::Serve(args) => serve::serve(&args),
        Command::Show { what, socket } => serve::show(what, &socket),
        Command::Trace { cmd, socket } => serve::trace(&cmd, &socket),
        Command::Load { config, config_flag, format, socket } => {
            let config = config.or(config_flag).expect("clap requires one of them");
            serve::load(&config, &format, &socket)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nicctl: {e}");
            ExitCode::FAILURE
        }
    }
}
