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
use offload_tables::Tables;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The simulated card's wire ports (`--device sim`): what a real card's cables are,
/// held by `nicctl` because on this card the wire is in this process.
pub struct Cables {
    #[cfg(feature = "sim")]
    card: sim::SimCard,
    #[cfg(not(feature = "sim"))]
    _none: std::convert::Infallible,
}

impl Cables {
    /// A frame arrives on wire `port` (the card admits it when it next works).
    pub fn send(&self, port: u8, frame: &[u8]) {
        #[cfg(feature = "sim")]
        self.card.wire_send(port, frame);
        #[cfg(not(feature = "sim"))]
        let _ = (port, frame, self._none);
    }

    /// Lets the card work: admit, clock, move punts to its ring.
    pub fn run(&self) {
        #[cfg(feature = "sim")]
        self.card.run();
    }

    /// Frames that left on wire ports, in order.
    pub fn take(&self) -> Vec<(u8, Vec<u8>)> {
        #[cfg(feature = "sim")]
        return self.card.wire_take();
        #[cfg(not(feature = "sim"))]
        match self._none {}
    }
}

/// A node on the device `spec` names, with `tables` loaded: the driver's path for every
/// backend; `sim` also hands back the card's cables.
pub fn open_node(
    spec: &DeviceSpec,
    tables: Tables,
    opts: &NodeOptions,
) -> Result<(Node, Option<Cables>), Box<dyn std::error::Error>> {
    match spec {
        DeviceSpec::Sim => open_sim(tables, opts),
        _ => Ok((Node::open(spec, tables, opts)?, None)),
    }
}

#[cfg(feature = "sim")]
fn open_sim(tables: Tables, opts: &NodeOptions) -> Result<(Node, Option<Cables>), Box<dyn std::error::Error>> {
    let card = sim::SimCard::new()?;
    let node = Node::with_device(Box::new(card.clone()), tables, opts)?;
    Ok((node, Some(Cables { card })))
}

#[cfg(not(feature = "sim"))]
fn open_sim(_: Tables, _: &NodeOptions) -> Result<(Node, Option<Cables>), Box<dyn std::error::Error>> {
    Err("this nicctl was built without the simulated NIC (cargo feature `sim`)".into())
}

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
    let (mut n, _cables) = open_node(spec, loaded.tables, &NodeOptions::default())?;
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
        let (mut n, _cables) = open_node(spec, loaded.tables, &NodeOptions::default())?;
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
    if *spec == DeviceSpec::Sim {
        // the simulated card lives only as long as a command: a fresh one, out of reset
        let (mut n, _cables) = open_node(spec, Tables::default(), &NodeOptions::default())?;
        let text = match what {
            ShowTarget::Device => n.show_device(),
            ShowTarget::Tables => n.show_tables(),
            ShowTarget::Counters => n.show_counters(),
            ShowTarget::Sessions => return Err(DeviceCmdError::NeedsConfig(format!("{spec:?}")).into()),
            other => return Err(DeviceCmdError::NotForDevice(other).into()),
        };
        print!("{text}");
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
