//! The VPP CLI as a config format: read a `vppctl` / `unix { exec ... }` script into a
//! [`NodeConfig`], and write any [`NodeConfig`] back out as such a script.
//!
//! The accepted language is VPP 22.02's CLI for the commands a Kubernetes node dataplane
//! needs (see [`parse`] for the list). Facts about VPP's behaviour that the parser
//! reproduces, because they decide what a script means:
//!
//! - `local0` is `sw_if_index` 0; physical ports (which no CLI command creates: startup.conf's
//!   `dpdk { dev ... }` names them) come next, numbered in order of first mention; every
//!   `create` takes the next index, and a deleted interface's index is reused by the next
//!   `create` (VPP's pools hand out the most recently freed slot first);
//! - `create loopback interface` is `loopN` (lowest free instance unless `instance N`), with
//!   MAC `de:ad:00:00:00:NN` unless `mac` is given; `create tap id N` is `tapN`;
//!   `create vxlan tunnel` is `vxlan_tunnelN`, N being the tunnel's pool slot unless
//!   `instance N` is given;
//! - interfaces are created admin-down, except VXLAN tunnels, which VPP sets up at creation;
//! - `set interface l2 bridge` creates a missing bridge domain with default flags;
//! - `nat44 enable` resets the NAT timeouts and turns forwarding off; without `sessions` it
//!   allows 64512 sessions.
//!
//! Errors name the file, line and column and say what was expected; nothing is skipped.
//! Commands that are understood but not (fully) offloaded produce [`Note`]s.

mod export;
mod lexer;
mod parse;

pub use export::{canonical, export, export_limitations, port_options};
pub use parse::parse;

use crate::model::NodeConfig;
use std::fmt;
use std::path::PathBuf;

/// Options that the script itself cannot carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VppOptions {
    /// `--port NAME=N`: interface NAME is a physical port on NIC wire port N. Needed for
    /// ports whose names are not PCI-derived (`GigabitEthernet0/8/0`, ...), and to override
    /// the default numbering (order of first mention).
    pub ports: Vec<(String, u8)>,
}

/// A parsed script: the config, and what `nicctl check` should tell the user about it.
#[derive(Debug, Clone, PartialEq)]
pub struct VppConfig {
    pub config: NodeConfig,
    pub notes: Vec<Note>,
}

/// Something understood but not offloaded to the NIC, only applied in software, or ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub file: PathBuf,
    pub line: u32,
    pub text: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: note: {}", self.file.display(), self.line, self.text)
    }
}

/// A script that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VppError {
    /// A problem at a place in the script.
    #[error("{}:{line}:{col}: {kind}", file.display())]
    At { file: PathBuf, line: u32, col: u32, kind: ErrorKind },
    /// A `--port NAME=N` option that does not fit the script.
    #[error("{}: --port {name}={port}: {problem}", file.display())]
    PortOption { file: PathBuf, name: String, port: u8, problem: &'static str },
}

/// What is wrong at a place in a script.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// A word that starts no known command (or is ambiguous as an abbreviation).
    #[error("expected {expected}, found {found}")]
    UnknownCommand { expected: String, found: String },
    /// A malformed or missing argument.
    #[error("expected {expected}, found {found}")]
    Expected { expected: String, found: String },
    /// An interface name that names no interface at this point of the script.
    #[error("expected an interface name, found `{name}` (no such interface; physical ports need a PCI-derived name such as GigabitEthernet0/8/0 or --port {name}=N)")]
    UnknownInterface { name: String },
    /// Valid VPP that this toolkit does not model.
    #[error("expected a supported option, found `{found}` ({why})")]
    Unsupported { found: String, why: &'static str },
    /// Well-formed, but contradicts what the script set up before (VPP refuses it too).
    #[error("expected {expected}, found `{found}` ({why})")]
    Rejected { expected: String, found: String, why: String },
}

/// Whether `name` is a VPP interface name derived from a PCI address, as the DPDK plugin
/// makes them: `<Speed>Ethernet<bus>/<slot>/<function>` in hex, optionally with a leading
/// domain or a trailing port number (`TenGigabitEthernet5/0/0`, `VirtualFunctionEthernet0/6/0`).
pub fn is_physical_name(name: &str) -> bool {
    const SPEEDS: &[&str] = &[
        "",
        "Gigabit",
        "TwoDotFiveGigabit",
        "FiveGigabit",
        "TenGigabit",
        "TwentyFiveGigabit",
        "FortyGigabit",
        "FiftyGigabit",
        "HundredGigabit",
        "TwoHundredGigabit",
        "FourHundredGigabit",
        "VirtualFunction",
        "Unknown",
    ];
    let Some(pos) = name.find("Ethernet") else {
        return false;
    };
    if !SPEEDS.contains(&&name[..pos]) {
        return false;
    }
    let rest = &name[pos + "Ethernet".len()..];
    let parts: Vec<&str> = rest.split('/').collect();
    (3..=4).contains(&parts.len())
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn physical_names() {
        assert!(is_physical_name("GigabitEthernet0/8/0"));
        assert!(is_physical_name("TenGigabitEthernet5/0/0"));
        assert!(is_physical_name("VirtualFunctionEthernet0/6/1"));
        assert!(is_physical_name("HundredGigabitEthernet1/0/0/1"));
        assert!(is_physical_name("GigabitEthernet0/a/0"));
        assert!(!is_physical_name("GigabitEthernet0/8/0.100"));
        assert!(!is_physical_name("GigabitEthernet0/8"));
        assert!(!is_physical_name("FooEthernet0/8/0"));
        assert!(!is_physical_name("loop0"));
    }
}
