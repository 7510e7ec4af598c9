//! `nicctl load CONFIG --device vfio:BDF|sim|none` and `nicctl show WHAT --device ...`:
//! the host driver's path (`host_driver::node::Node`), beside the control-socket path of
//! `nicctl serve` (used when `--device` is not given).
//!
//! `sim` is the Verilator model inside this process: it lives as long as the command,
//! so `show --device sim` loads `--config` first (if given) and shows that; `vfio:BDF`
//! is a real (or VM) device whose tables persist between commands, and `show tables`
//! reads them back through the command ring.

use crate::config_file::{self, FormatArgs};
use crate::serve::control::ShowWhat;
use host_driver::node::{self, Node, NodeOptions};
use host_driver::shell::{Shell, ShellOptions};
use host_driver::DeviceSpec;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `show` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowTarget {
    /// Tables on the device: capacity and entries in use (`--device`).
    Tables,
    /// NAT44 and reflexive ACL sessions.
    Sessions,
    /// Node, drop-reason, interface and table counters.
    Counters,
    /// The device: identification, version, capabilities, rings, generation (`--device`).
    Device,
    /// Interfaces with their Linux devices and traffic counters (`serve`).
    Interfaces,
    /// The packets traced since `trace add` (`serve`).
    Trace,
    /// Learned neighbors and neighbors being resolved (`serve`).
    Neighbors,
}

impl ShowTarget {
    /// The control-socket request, where `serve` answers it.
    pub fn socket(self) -> Option<ShowWhat> {
        match self {
            ShowTarget::Sessions => Some(ShowWhat::Sessions),
            ShowTarget::Counters => Some(ShowWhat::Counters),
            ShowTarget::Interfaces => Some(ShowWhat::Interfaces),
            ShowTarget::Trace => Some(ShowWhat::Trace),
            ShowTarget::Neighbors => Some(ShowWhat::Neighbors),
            ShowTarget::Tables | ShowTarget::Device => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeviceCmdError {
    #[error("show {0:?} needs --device vfio:BDF|sim|none")]
    NeedsDevice(ShowTarget),
    #[error("show {0:?} with --device: only tables, sessions, counters and device")]
    NotForDevice(ShowTarget),
    #[error("show sessions --device {0}: needs --config (the driver's sessions live in the process that loaded it)")]
    NeedsConfig(String),
}

/// `nicctl load CONFIG --device SPEC`: probe, reset, fit, atomic load, read-back.
pub fn load(config: &Path, format: &FormatArgs, spec: &DeviceSpec) -> Result<(), Box<dyn std::error::Error>> {
    let loaded = config_file::load(config, format)?;
    let t0 = Instant::now();
    let mut n = Node::open(spec, loaded.tables, &NodeOptions::default())?;
    let took = t0.elapsed();
    if !n.offloading() {
        println!("device none: software-only, {} loaded into sw-fallback", config.display());
        return Ok(());
    }
    print!("{}", n.show_device());
    print!("{}", n.show_tables());
    println!("loaded {} in {:.1} ms", config.display(), took.as_secs_f64() * 1e3);
    Ok(())
}

/// `nicctl show WHAT --device SPEC [--config FILE]`.
pub fn show(
    what: ShowTarget,
    spec: &DeviceSpec,
    config: Option<&PathBuf>,
    format: &FormatArgs,
) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(c) = config {
        let loaded = config_file::load(c, format)?;
        let mut n = Node::open(spec, loaded.tables, &NodeOptions::default())?;
        let text = match what {
            ShowTarget::Tables => n.show_tables(),
            ShowTarget::Sessions => n.show_sessions(),
            ShowTarget::Counters => n.show_counters(),
            ShowTarget::Device => n.show_device(),
            other => return Err(DeviceCmdError::NotForDevice(other).into()),
        };
        print!("{text}");
        return Ok(());
    }
    if *spec == DeviceSpec::None {
        println!("device: none (software-only; nothing on a device to show)");
        return Ok(());
    }
    // No config: what the device itself holds (probe resets only the rings... and the
    // core: a probe is a bring-up, so this is for a device no other process drives).
    let dev = host_driver::open(spec)?;
    let mut sh = Shell::probe(dev, ShellOptions::default())?;
    let text = match what {
        ShowTarget::Device => node::describe(&sh),
        ShowTarget::Tables => node::read_tables(&mut sh)?,
        ShowTarget::Counters => node::device_counters(&sh),
        ShowTarget::Sessions => return Err(DeviceCmdError::NeedsConfig(format!("{spec:?}")).into()),
        other => return Err(DeviceCmdError::NotForDevice(other).into()),
    };
    print!("{text}");
    Ok(())
}

/// `show` without `--device`: ask `serve`.
pub fn need_socket(what: ShowTarget) -> Result<ShowWhat, DeviceCmdError> {
    what.socket().ok_or(DeviceCmdError::NeedsDevice(what))
}
