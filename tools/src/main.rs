//! `nicctl`: run, check and benchmark the offload pipeline (the commands are in the
//! `nicctl` library, so tests can call them).

#![deny(unsafe_code)]

use clap::{Parser, Subcommand};
use nicctl::{bench, check, config_file, device, export, run, serve};
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
        format: config_file::FormatArgs,
    },
    /// Synthetic traffic through the pipeline: Mpps per scenario on one core.
    Bench(bench::BenchArgs),
    /// Print a config in another format (a VPP script, or the native TOML).
    Export(export::ExportArgs),
    /// Run a node's dataplane on real interfaces (TAPs, AF_PACKET uplinks), with a
    /// control socket for `show`, `trace` and `load`.
    Serve(serve::ServeArgs),
    /// Ask a running `nicctl serve`: sessions, counters, interfaces, trace, neighbors.
    /// With `--device vfio:BDF|sim|none`: the device through the host driver
    /// (tables, sessions, counters, device; `--config` loads first, which `sim` needs).
    Show {
        #[arg(value_enum)]
        what: device::ShowTarget,
        #[command(flatten)]
        socket: serve::SocketArg,
        /// Talk to this device through the host driver instead of `serve`.
        #[arg(long, value_name = "vfio:BDF|sim|none")]
        device: Option<host_driver::DeviceSpec>,
        /// With `--device`: load this config first.
        #[arg(long, requires = "device")]
        config: Option<PathBuf>,
        #[command(flatten)]
        format: config_file::FormatArgs,
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
        format: config_file::FormatArgs,
        #[command(flatten)]
        socket: serve::SocketArg,
        /// Load onto this device through the host driver (probe, reset, fit, atomic
        /// load, read-back) instead of a running `serve`.
        #[arg(long, value_name = "vfio:BDF|sim|none")]
        device: Option<host_driver::DeviceSpec>,
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
        Command::Show { what, socket, device: Some(spec), config, format } => {
            let _ = socket;
            device::show(what, &spec, config.as_ref(), &format)
        }
        Command::Show { what, socket, device: None, .. } => match device::need_socket(what) {
            Ok(w) => serve::show(w, &socket),
            Err(e) => Err(e.into()),
        },
        Command::Trace { cmd, socket } => serve::trace(&cmd, &socket),
        Command::Load { config, config_flag, format, socket, device } => {
            let config = config.or(config_flag).expect("clap requires one of them");
            match device {
                Some(spec) => device::load(&config, &format, &spec),
                None => serve::load(&config, &format, &socket),
            }
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
