//! The userspace driver's device-access layer: one [`Device`] trait, several backends.
//!
//! | backend | type | what it talks to |
//! | --- | --- | --- |
//! | `vfio:BDF` | [`vfio::VfioDevice`] | a PCI function bound to `vfio-pci`: BAR0 mapped through VFIO, DMA through the IOMMU, MSI/MSI-X through eventfds |
//! | `vfio:BDF` of an ivshmem (`1af4:1110`) | [`ivshmem::IvshmemDevice`] | the shell served by the host's model ([`ivshmem::ShellServer`]) in ivshmem's BAR2, mapped through VFIO; registers through a shared-memory mailbox |
//! | `none` | [`none::NoDevice`] | nothing: software-only mode; every operation reports [`Error::Unsupported`] |
//! | `sim` | `sim::SimCard` (the simulator crate) | the Verilator model of `hw-rtl`, in process, inside a Rust model of the FPGA shell ([`offload_tables::shell`]); made by its caller and handed over as any other [`Device`] |
//! | (tests) | [`twin::TwinDevice`] | an in-memory register window with scripted behaviour, for unit tests without hardware |
//!
//! A device is untrusted: every register offset is checked against the BAR before the
//! access ([`Error::RegisterOutOfBounds`]); DMA memory is only copied in and out through
//! bounds-checked calls ([`DmaBuffer::read`], [`DmaBuffer::write`]) and never borrowed;
//! values a device returns that are used as indices or lengths go through
//! [`check_index`] / [`check_len`]; every wait ([`Device::wait_irq`], [`poll32`]) has a
//! timeout.
//!
//! All `unsafe` code is in the private `sys` module, which states its invariants.
//!
//! # Above the device
//!
//! - [`shell`]: the driver side of the FPGA shell: probe (identification, version,
//!   reset, ring layout, table sizes), batched commands with completions, punt and
//!   inject rings; every value the device writes is checked.
//! - [`node`]: a node in offload mode: whole-config atomic loads with read-back, the
//!   miss loop (punt → `sw-fallback` → sessions through the command ring → inject),
//!   aging, software-only fallback. `nicctl load --device` runs [`node::Node::open`].

#![deny(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks, missing_docs)]

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub mod edu;
pub mod ivshmem;
pub mod node;
pub mod none;
pub mod shell;
#[allow(unsafe_code)]
mod sys;
pub mod twin;
pub mod vfio;

/// What went wrong talking to a device.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The backend cannot do this (the `none` backend cannot do anything).
    #[error("{op}: not supported by the {backend} backend")]
    Unsupported {
        /// Backend name.
        backend: &'static str,
        /// The operation asked for.
        op: &'static str,
    },
    /// A backend that exists in the design but is not built yet.
    #[error("the {backend} backend is not built yet")]
    BackendNotBuilt {
        /// Backend name.
        backend: &'static str,
    },
    /// A device spec that is not `vfio:DOMAIN:BUS:DEV.FN`, `sim` or `none`.
    #[error("bad device spec {spec:?}: expected vfio:0000:BB:DD.F, sim or none")]
    BadSpec {
        /// What was given.
        spec: String,
    },
    /// A register offset outside the BAR, or not 4-byte aligned.
    #[error("register offset {offset:#x} is outside BAR{bar} ({len:#x} bytes) or unaligned")]
    RegisterOutOfBounds {
        /// BAR index.
        bar: u8,
        /// Offending offset.
        offset: u64,
        /// BAR length.
        len: u64,
    },
    /// A DMA buffer access outside the buffer.
    #[error("DMA buffer access {offset:#x}+{len} outside its {size} bytes")]
    DmaOutOfBounds {
        /// Start of the access.
        offset: usize,
        /// Length of the access.
        len: usize,
        /// Buffer size.
        size: usize,
    },
    /// No device-visible address range is left for a DMA buffer of this size.
    #[error("no IOVA space left for {len} bytes below {limit:#x}")]
    IovaExhausted {
        /// Requested length.
        len: usize,
        /// Highest usable IOVA + 1.
        limit: u64,
    },
    /// An interrupt vector that was not enabled.
    #[error("interrupt vector {vector} is not enabled ({enabled} vectors enabled)")]
    NoSuchVector {
        /// Vector asked for.
        vector: usize,
        /// Vectors enabled.
        enabled: usize,
    },
    /// A wait that ran out of time.
    #[error("timed out after {waited:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: &'static str,
        /// How long.
        waited: Duration,
    },
    /// A value read from the device is out of the range the driver can use.
    #[error("device returned {what} = {value:#x}, outside 0..{limit:#x}")]
    DeviceValueOutOfRange {
        /// What the value means.
        what: &'static str,
        /// The value.
        value: u64,
        /// The exclusive limit.
        limit: u64,
    },
    /// The PCI function is not what VFIO needs (wrong driver, missing BAR, ...).
    #[error("PCI function {bdf}: {problem}")]
    BadFunction {
        /// Bus/device/function.
        bdf: String,
        /// What is wrong.
        problem: String,
    },
    /// A VFIO or system call failed.
    #[error("{op} failed for {bdf}: {source}")]
    Io {
        /// The step that failed.
        op: &'static str,
        /// Bus/device/function (or "-").
        bdf: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Access to one device: 32-bit registers in BAR0, DMA buffers, interrupts.
///
/// Registers are little-endian 32-bit words at 4-byte aligned byte offsets, as in
/// `offload_tables::regs`. Implementations check every offset against the BAR length.
pub trait Device: Send {
    /// Backend name (`"vfio"`, `"none"`, `"twin"`, `"sim"`).
    fn backend(&self) -> &'static str;
    /// Length of BAR0 in bytes (0 when there is no device).
    fn bar0_len(&self) -> u64;
    /// Reads the register at byte `offset` of BAR0.
    fn read32(&self, offset: u32) -> Result<u32>;
    /// Writes the register at byte `offset` of BAR0.
    fn write32(&self, offset: u32, value: u32) -> Result<()>;
    /// Allocates `len` bytes of zeroed host memory the device can reach at the returned
    /// buffer's [`DmaBuffer::iova`]; dropping the buffer revokes the device's access.
    fn alloc_dma(&self, len: usize) -> Result<DmaBuffer>;
    /// Number of interrupt vectors enabled.
    fn irq_vectors(&self) -> usize;
    /// Waits for interrupt `vector`; returns how many times it fired since the last wait.
    fn wait_irq(&self, vector: usize, timeout: Duration) -> Result<u64>;
}

/// Checks a 4-byte register access at `offset` against a BAR of `len` bytes.
pub fn check_reg(bar: u8, offset: u64, len: u64) -> Result<()> {
    if offset.is_multiple_of(4) && offset.checked_add(4).is_some_and(|end| end <= len) {
        Ok(())
    } else {
        Err(Error::RegisterOutOfBounds { bar, offset, len })
    }
}

/// Checks a value read from the device before it is used as an index below `limit`.
pub fn check_index(what: &'static str, value: u64, limit: usize) -> Result<usize> {
    match usize::try_from(value) {
        Ok(v) if v < limit => Ok(v),
        _ => Err(Error::DeviceValueOutOfRange { what, value, limit: limit as u64 }),
    }
}

/// Checks a value read from the device before it is used as a length of at most `max`.
pub fn check_len(what: &'static str, value: u64, max: usize) -> Result<usize> {
    match usize::try_from(value) {
        Ok(v) if v <= max => Ok(v),
        _ => Err(Error::DeviceValueOutOfRange { what, value, limit: max as u64 + 1 }),
    }
}

/// Polls register `offset` until `value & mask == want`, sleeping `interval` between
/// reads, for at most `timeout`. Returns the last value read.
pub fn poll32(
    dev: &dyn Device,
    offset: u32,
    mask: u32,
    want: u32,
    interval: Duration,
    timeout: Duration,
    what: &'static str,
) -> Result<u32> {
    let start = Instant::now();
    loop {
        let v = dev.read32(offset)?;
        if v & mask == want {
            return Ok(v);
        }
        if start.elapsed() >= timeout {
            return Err(Error::Timeout { what, waited: start.elapsed() });
        }
        std::thread::sleep(interval);
    }
}

/// Sets `flags` in the register at `offset` (read-modify-write).
pub fn set_flags32(dev: &dyn Device, offset: u32, flags: u32) -> Result<()> {
    let v = dev.read32(offset)?;
    dev.write32(offset, v | flags)
}

/// Clears `flags` in the register at `offset` (read-modify-write).
pub fn clear_flags32(dev: &dyn Device, offset: u32, flags: u32) -> Result<()> {
    let v = dev.read32(offset)?;
    dev.write32(offset, v & !flags)
}

/// Revokes a device's access to a DMA buffer: `(iova, len)`.
type Unmap = Box<dyn FnOnce(u64, usize) -> io::Result<()> + Send>;

/// Host memory a device can read and write by DMA at [`DmaBuffer::iova`].
///
/// The memory is untrusted while the device can reach it: it is only copied in and out.
/// On drop the device mapping is revoked first; if that fails the memory is leaked
/// rather than returned to the allocator while the device may still write to it.
pub struct DmaBuffer {
    mem: Option<Arc<sys::DmaMem>>,
    iova: u64,
    unmap: Option<Unmap>,
}

impl std::fmt::Debug for DmaBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DmaBuffer").field("iova", &self.iova).field("len", &self.len()).finish()
    }
}

impl DmaBuffer {
    /// `mem` must already be reachable by the device at `iova`; `unmap` revokes that.
    fn new(mem: Arc<sys::DmaMem>, iova: u64, unmap: Option<Unmap>) -> Self {
        Self { mem: Some(mem), iova, unmap }
    }

    fn mem(&self) -> &sys::DmaMem {
        // Only `Drop` takes it out.
        self.mem.as_ref().expect("DmaBuffer memory present until drop")
    }

    /// The address the device uses for byte 0 of the buffer.
    pub fn iova(&self) -> u64 {
        self.iova
    }

    /// Length in bytes (whole pages).
    pub fn len(&self) -> usize {
        self.mem().len()
    }

    /// Always false: buffers are at least one page.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copies bytes at `offset` out of the buffer.
    pub fn read(&self, offset: usize, buf: &mut [u8]) -> Result<()> {
        self.mem().read(offset, buf).ok_or(Error::DmaOutOfBounds { offset, len: buf.len(), size: self.len() })
    }

    /// Copies `data` into the buffer at `offset`.
    pub fn write(&self, offset: usize, data: &[u8]) -> Result<()> {
        self.mem().write(offset, data).ok_or(Error::DmaOutOfBounds { offset, len: data.len(), size: self.len() })
    }

    /// Reads a little-endian `u32` at `offset`.
    pub fn read_u32(&self, offset: usize) -> Result<u32> {
        let mut b = [0; 4];
        self.read(offset, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Writes a little-endian `u32` at `offset`.
    pub fn write_u32(&self, offset: usize, v: u32) -> Result<()> {
        self.write(offset, &v.to_le_bytes())
    }
}

impl Drop for DmaBuffer {
    fn drop(&mut self) {
        let Some(mem) = self.mem.take() else { return };
        if let Some(unmap) = self.unmap.take() {
            if unmap(self.iova, mem.len()).is_err() {
                // The device may still reach this memory: never hand it back.
                std::mem::forget(mem);
            }
        }
    }
}

/// Which backend to open, as written on a command line (`--device`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceSpec {
    /// `vfio:0000:00:03.0`: a PCI function bound to vfio-pci.
    Vfio {
        /// Bus/device/function, with domain.
        bdf: String,
    },
    /// `sim`: the Verilator model inside the shell model, in process.
    Sim,
    /// `none`: software only.
    None,
}

/// The spec as `nicctl --device` takes it.
impl std::fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("none"),
            Self::Sim => f.write_str("sim"),
            Self::Vfio { bdf } => write!(f, "vfio:{bdf}"),
        }
    }
}

impl std::str::FromStr for DeviceSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "none" => Ok(Self::None),
            "sim" => Ok(Self::Sim),
            _ => match s.strip_prefix("vfio:") {
                Some(bdf) if is_bdf(bdf) => Ok(Self::Vfio { bdf: bdf.to_string() }),
                _ => Err(Error::BadSpec { spec: s.to_string() }),
            },
        }
    }
}

/// `DDDD:BB:DD.F` in hex (the form sysfs uses), so it is safe to join into a sysfs path.
pub fn is_bdf(s: &str) -> bool {
    let b = s.as_bytes();
    let hex = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_hexdigit);
    b.len() == 12
        && hex(0..4)
        && b[4] == b':'
        && hex(5..7)
        && b[7] == b':'
        && hex(8..10)
        && b[10] == b'.'
        && hex(11..12)
}

/// Opens the device a spec names, with default VFIO options.
pub fn open(spec: &DeviceSpec) -> Result<Box<dyn Device>> {
    match spec {
        DeviceSpec::None => Ok(Box::new(none::NoDevice)),
        // The simulated card is a device the simulator crate makes (`sim::SimCard`); its
        // callers hand it over as any other `Device`.
        DeviceSpec::Sim => {
            Err(Error::Unsupported { backend: "sim", op: "opening by the driver (sim::SimCard makes it)" })
        }
        DeviceSpec::Vfio { bdf } => {
            let dev = vfio::VfioDevice::open(bdf, &vfio::VfioOptions::default())?;
            if dev.ids()? == (ivshmem::VENDOR, ivshmem::DEVICE) {
                Ok(Box::new(ivshmem::IvshmemDevice::new(dev)?))
            } else {
                Ok(Box::new(dev))
            }
        }
    }
}

/// Waits on interrupt `vector` of a backend's eventfds (one per enabled vector):
/// the count of interrupts since the last wait, or a timeout / I/O error naming `bdf`.
pub(crate) fn wait_irq_eventfd(irqs: &[sys::EventFd], vector: usize, timeout: Duration, bdf: &str) -> Result<u64> {
    let e = irqs.get(vector).ok_or(Error::NoSuchVector { vector, enabled: irqs.len() })?;
    match e.wait(timeout) {
        Ok(Some(n)) => Ok(n),
        Ok(None) => Err(Error::Timeout { what: "interrupt", waited: timeout }),
        Err(source) => Err(Error::Io { op: "eventfd wait", bdf: bdf.into(), source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!("none".parse::<DeviceSpec>().unwrap(), DeviceSpec::None);
        assert_eq!("sim".parse::<DeviceSpec>().unwrap(), DeviceSpec::Sim);
        assert_eq!("vfio:0000:00:03.0".parse::<DeviceSpec>().unwrap(), DeviceSpec::Vfio { bdf: "0000:00:03.0".into() });
        for bad in ["vfio:00:03.0", "vfio:0000:00:03.0/../x", "vfio:", "VFIO:0000:00:03.0", "", "vfio:000g:00:03.0"] {
            assert!(matches!(bad.parse::<DeviceSpec>(), Err(Error::BadSpec { .. })), "{bad}");
        }
    }

    #[test]
    fn sim_is_not_opened_by_the_driver() {
        // the simulator crate makes the card and hands it over (`Node::with_device`)
        assert!(matches!(open(&DeviceSpec::Sim), Err(Error::Unsupported { backend: "sim", .. })));
    }

    #[test]
    fn register_checks() {
        assert!(check_reg(0, 0, 4).is_ok());
        assert!(check_reg(0, 0xffc, 0x1000).is_ok());
        assert!(check_reg(0, 0x1000, 0x1000).is_err());
        assert!(check_reg(0, 2, 0x1000).is_err());
        assert!(check_reg(0, u64::MAX - 3, u64::MAX).is_err());
    }

    #[test]
    fn device_values_are_checked() {
        assert_eq!(check_index("slot", 3, 4).unwrap(), 3);
        assert!(matches!(
            check_index("slot", 4, 4),
            Err(Error::DeviceValueOutOfRange { what: "slot", value: 4, limit: 4 })
        ));
        assert!(check_index("slot", u64::MAX, usize::MAX).is_err());
        assert_eq!(check_len("len", 64, 64).unwrap(), 64);
        assert!(check_len("len", 65, 64).is_err());
    }
}
