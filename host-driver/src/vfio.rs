//! The VFIO backend: a PCI function bound to `vfio-pci`, driven through `pci-driver`.
//!
//! Bring-up ([`VfioDevice::open`]):
//! 1. check that `/sys/bus/pci/devices/BDF` exists and its driver is `vfio-pci`;
//! 2. open it with `pci-driver` (a new VFIO container holding the function's IOMMU
//!    group, type-1 IOMMU);
//! 3. enable memory-space decoding and bus mastering in the command register (PCI Local
//!    Bus 3.0 §6.2.2): without bus mastering the function's DMA never starts;
//! 4. map BAR0 (or fall back to `pread`/`pwrite` on the VFIO region if the kernel does
//!    not allow mmap of it);
//! 5. enable MSI-X, else MSI, with one eventfd per vector.
//!
//! DMA buffers are anonymous host memory (`memmap2`) mapped into the IOMMU at IOVAs
//! taken from the container's valid ranges, below an optional limit (a device's DMA
//! mask), with an unmapped guard page after each buffer so an overrun faults.
//!
//! What `pci-driver` 0.1.4 does not do, and who does it here: allocating DMA memory
//! (`memmap2::MmapMut::map_anon`), creating and waiting on interrupt eventfds (`libc`,
//! in `sys`), choosing IOVAs (here), typed errors (its errors are `io::Error` with
//! "TODO" messages; we wrap each with the step that failed). `vfio-bindings` was not
//! needed: `pci-driver` carries its own VFIO ioctl bindings for everything used here.
//! Known limits of `pci-driver` 0.1.4: it does not build for musl targets (its
//! `backends/vfio/ioctl.rs` passes the request as `c_ulong`, musl's `libc::ioctl` takes
//! `c_int`; not built here, the musl std cannot be installed on this machine), so the VM
//! test uses a static glibc build; `MappedOwningPciRegion`'s drop panics if
//! `munmap` fails; each `enable` of interrupts leaks its small `vfio_irq_set` buffer
//! (once per device here); INTx is not used (it needs unmasking after each interrupt).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pci_driver::backends::vfio::VfioPciDevice;
use pci_driver::device::PciDevice;
use pci_driver::regions::{PciRegion, Permissions};

use crate::sys::{self, DmaMem, EventFd};
use crate::{check_reg, Device, DmaBuffer, Error, Result};

/// How to open a function.
#[derive(Clone, Debug)]
pub struct VfioOptions {
    /// Highest IOVA + 1 the device can address (its DMA mask + 1), if it cannot reach
    /// the whole IOMMU space. QEMU's `edu` masks DMA addresses to 28 bits.
    pub dma_limit: Option<u64>,
    /// At most this many interrupt vectors are enabled.
    pub max_vectors: usize,
}

impl Default for VfioOptions {
    fn default() -> Self {
        Self { dma_limit: None, max_vectors: 32 }
    }
}

/// The interrupt mechanism in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IrqKind {
    /// MSI-X.
    MsiX,
    /// MSI.
    Msi,
    /// No interrupts (the function has neither MSI nor MSI-X).
    None,
}

/// A BAR of a VFIO device: bounds-checked 32-bit and byte access.
#[derive(Debug)]
pub struct Bar {
    index: u8,
    region: Box<dyn PciRegion>,
    len: u64,
    mapped: bool,
}

impl Bar {
    fn open(dev: &VfioPciDevice, bdf: &str, index: u8) -> Result<Self> {
        let bad = |problem: String| Error::BadFunction { bdf: bdf.to_string(), problem };
        let owning = dev.bar(index.into()).ok_or_else(|| bad(format!("has no BAR{index}")))?;
        let len = owning.len();
        if owning.is_mappable() {
            if let Ok(m) = owning.map(.., Permissions::ReadWrite) {
                return Ok(Self { index, region: Box::new(m), len, mapped: true });
            }
        }
        Ok(Self { index, region: Box::new(owning), len, mapped: false })
    }

    /// BAR index.
    pub fn index(&self) -> u8 {
        self.index
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True for a zero-length BAR (never the case for an existing BAR).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether accesses go through an `mmap` of the BAR (else through VFIO `pread`/`pwrite`).
    pub fn is_mapped(&self) -> bool {
        self.mapped
    }

    fn io(&self, op: &'static str, source: std::io::Error) -> Error {
        Error::Io { op, bdf: format!("BAR{}", self.index), source }
    }

    /// Reads the 32-bit little-endian word at `offset`.
    pub fn read32(&self, offset: u64) -> Result<u32> {
        check_reg(self.index, offset, self.len)?;
        self.region.read_le_u32(offset).map_err(|e| self.io("BAR read", e))
    }

    /// Writes the 32-bit little-endian word at `offset`.
    pub fn write32(&self, offset: u64, value: u32) -> Result<()> {
        check_reg(self.index, offset, self.len)?;
        self.region.write_le_u32(offset, value).map_err(|e| self.io("BAR write", e))
    }

    fn check_range(&self, offset: u64, len: usize) -> Result<()> {
        match offset.checked_add(len as u64) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(Error::RegisterOutOfBounds { bar: self.index, offset, len: self.len }),
        }
    }

    /// Copies bytes at `offset` out of the BAR (byte accesses: for memory-like BARs).
    pub fn read_bytes(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.check_range(offset, buf.len())?;
        self.region.read_bytes(offset, buf).map_err(|e| self.io("BAR read", e))
    }

    /// Copies `data` into the BAR at `offset` (byte accesses: for memory-like BARs).
    pub fn write_bytes(&self, offset: u64, data: &[u8]) -> Result<()> {
        self.check_range(offset, data.len())?;
        for (o, &b) in (offset..).zip(data) {
            self.region.write_u8(o, b).map_err(|e| self.io("BAR write", e))?;
        }
        Ok(())
    }
}

/// Bump allocator of device addresses (no reuse: a freed IOVA is never handed out
/// again, so a stale device pointer faults instead of hitting a new buffer).
#[derive(Debug)]
struct IovaAlloc {
    ranges: Vec<std::ops::Range<u64>>,
    align: u64,
    limit: u64,
    next: u64,
}

impl IovaAlloc {
    fn alloc(&mut self, len: u64) -> Option<u64> {
        let align = self.align.max(1);
        for r in &self.ranges {
            // Never IOVA 0: a zero address from the device is a bug, not a buffer.
            let start = r.start.max(self.next).max(align).checked_next_multiple_of(align)?;
            let end = start.checked_add(len)?;
            if end <= r.end && end <= self.limit {
                // One unmapped guard page after each buffer.
                self.next = end.checked_add(align)?;
                return Some(start);
            }
        }
        None
    }
}

/// A PCI function driven through VFIO. See the module docs.
pub struct VfioDevice {
    bdf: String,
    // Declared before `dev` so BAR mappings go first on drop.
    bar0: Bar,
    dev: Arc<VfioPciDevice>,
    irq_kind: IrqKind,
    irqs: Vec<EventFd>,
    iova: Mutex<IovaAlloc>,
}

impl std::fmt::Debug for VfioDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VfioDevice")
            .field("bdf", &self.bdf)
            .field("bar0_len", &self.bar0.len())
            .field("irq_kind", &self.irq_kind)
            .field("irqs", &self.irqs.len())
            .finish()
    }
}

/// The sysfs directory of a function.
pub fn sysfs_path(bdf: &str) -> PathBuf {
    PathBuf::from("/sys/bus/pci/devices").join(bdf)
}

impl VfioDevice {
    /// Opens `bdf` (`0000:00:03.0`), which must be bound to `vfio-pci`.
    pub fn open(bdf: &str, opts: &VfioOptions) -> Result<Self> {
        let bad = |problem: String| Error::BadFunction { bdf: bdf.to_string(), problem };
        let io = |op: &'static str| move |source| Error::Io { op, bdf: bdf.to_string(), source };
        if !crate::is_bdf(bdf) {
            return Err(Error::BadSpec { spec: bdf.to_string() });
        }
        let path = sysfs_path(bdf);
        if !path.exists() {
            return Err(bad("no such PCI function in /sys/bus/pci/devices".into()));
        }
        let driver = std::fs::read_link(path.join("driver")).ok();
        let driver = driver.as_deref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned());
        if driver.as_deref() != Some("vfio-pci") {
            return Err(bad(format!(
                "bound to {}, not vfio-pci (echo vfio-pci > {}/driver_override; echo {bdf} > /sys/bus/pci/drivers_probe)",
                driver.as_deref().unwrap_or("no driver"),
                path.display()
            )));
        }
        let dev = Arc::new(VfioPciDevice::open(&path).map_err(io("VFIO open"))?);

        let cmd = dev.config().command();
        cmd.memory_space_enable().write(true).map_err(io("enable memory space"))?;
        cmd.bus_master_enable().write(true).map_err(io("enable bus mastering"))?;

        let bar0 = Bar::open(&dev, bdf, 0)?;

        let ints = dev.interrupts();
        let (irq_kind, max) = if ints.msi_x().max() > 0 {
            (IrqKind::MsiX, ints.msi_x().max())
        } else if ints.msi().max() > 0 {
            (IrqKind::Msi, ints.msi().max())
        } else {
            (IrqKind::None, 0)
        };
        let mut n = max.min(opts.max_vectors);
        if irq_kind == IrqKind::Msi && n > 0 {
            // MSI allocates vectors in powers of two.
            n = 1 << n.ilog2();
        }
        let irqs = (0..n).map(|_| EventFd::new()).collect::<std::io::Result<Vec<_>>>().map_err(io("eventfd"))?;
        let fds: Vec<i32> = irqs.iter().map(EventFd::as_raw_fd).collect();
        match irq_kind {
            IrqKind::MsiX => ints.msi_x().enable(&fds).map_err(io("enable MSI-X"))?,
            IrqKind::Msi => ints.msi().enable(&fds).map_err(io("enable MSI"))?,
            IrqKind::None => {}
        }

        let iommu = dev.iommu();
        let iova = IovaAlloc {
            ranges: iommu.valid_iova_ranges().to_vec(),
            align: iommu.alignment() as u64,
            limit: opts.dma_limit.unwrap_or(u64::MAX),
            next: 0,
        };
        Ok(Self { bdf: bdf.to_string(), bar0, dev, irq_kind, irqs, iova: Mutex::new(iova) })
    }

    /// Bus/device/function.
    pub fn bdf(&self) -> &str {
        &self.bdf
    }

    /// Vendor and device id from config space.
    pub fn ids(&self) -> Result<(u16, u16)> {
        let io = |source| Error::Io { op: "config read", bdf: self.bdf.clone(), source };
        let c = self.dev.config();
        Ok((c.vendor_id().read().map_err(io)?, c.device_id().read().map_err(io)?))
    }

    /// The interrupt mechanism enabled.
    pub fn irq_kind(&self) -> IrqKind {
        self.irq_kind
    }

    /// BAR0, as mapped at open.
    pub fn bar0(&self) -> &Bar {
        &self.bar0
    }

    /// Maps another BAR (e.g. `ivshmem`'s BAR2, its shared memory).
    pub fn bar(&self, index: u8) -> Result<Bar> {
        Bar::open(&self.dev, &self.bdf, index)
    }

    /// Resets the function (VFIO_DEVICE_RESET; fails if it has no function-level reset).
    pub fn reset(&self) -> Result<()> {
        self.dev.reset().map_err(|source| Error::Io { op: "reset", bdf: self.bdf.clone(), source })
    }
}

impl Drop for VfioDevice {
    fn drop(&mut self) {
        // Detach the eventfds before they are closed.
        let ints = self.dev.interrupts();
        let _ = match self.irq_kind {
            IrqKind::MsiX => ints.msi_x().disable(),
            IrqKind::Msi => ints.msi().disable(),
            IrqKind::None => Ok(()),
        };
    }
}

impl Device for VfioDevice {
    fn backend(&self) -> &'static str {
        "vfio"
    }

    fn bar0_len(&self) -> u64 {
        self.bar0.len()
    }

    fn read32(&self, offset: u32) -> Result<u32> {
        self.bar0.read32(offset.into())
    }

    fn write32(&self, offset: u32, value: u32) -> Result<()> {
        self.bar0.write32(offset.into(), value)
    }

    fn alloc_dma(&self, len: usize) -> Result<DmaBuffer> {
        let io = |op: &'static str| move |source| Error::Io { op, bdf: self.bdf.clone(), source };
        let mut alloc = self.iova.lock().unwrap_or_else(|e| e.into_inner());
        let size = len
            .checked_next_multiple_of(alloc.align.max(1) as usize)
            .ok_or(Error::IovaExhausted { len, limit: alloc.limit })?;
        let mem = Arc::new(DmaMem::new(size).map_err(io("mmap DMA memory"))?);
        if !(mem.len() as u64).is_multiple_of(alloc.align.max(1)) {
            return Err(Error::BadFunction {
                bdf: self.bdf.clone(),
                problem: format!("IOMMU page size {:#x} is larger than the host page", alloc.align),
            });
        }
        let iova = alloc.alloc(mem.len() as u64).ok_or(Error::IovaExhausted { len, limit: alloc.limit })?;
        sys::iommu_map(&self.dev.iommu(), iova, &mem).map_err(io("IOMMU map"))?;
        let dev = Arc::clone(&self.dev);
        Ok(DmaBuffer::new(mem, iova, Some(Box::new(move |iova, len| dev.iommu().unmap(iova, len)))))
    }

    fn irq_vectors(&self) -> usize {
        self.irqs.len()
    }

    fn wait_irq(&self, vector: usize, timeout: Duration) -> Result<u64> {
        crate::wait_irq_eventfd(&self.irqs, vector, timeout, &self.bdf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iova_allocation_respects_ranges_limit_and_guards() {
        let mut a =
            IovaAlloc { ranges: vec![0..0xfee0_0000, 0xfef0_0000..1 << 39], align: 4096, limit: 1 << 28, next: 0 };
        assert_eq!(a.alloc(4096), Some(0x1000));
        assert_eq!(a.alloc(8192), Some(0x3000), "one guard page after the first");
        a.next = (1 << 28) - 4096;
        assert_eq!(a.alloc(4096), Some((1 << 28) - 4096));
        assert_eq!(a.alloc(4096), None, "past the DMA limit");
        let mut b = IovaAlloc { ranges: vec![0..0x2000, 0x10000..0x12000], align: 4096, limit: u64::MAX, next: 0 };
        assert_eq!(b.alloc(4096), Some(0x1000));
        assert_eq!(b.alloc(4096), Some(0x10000), "next range once the first is full");
        assert_eq!(b.alloc(u64::MAX), None);
    }

    #[test]
    fn open_rejects_what_is_not_a_vfio_function() {
        assert!(matches!(VfioDevice::open("0000:00:03.0/..", &VfioOptions::default()), Err(Error::BadSpec { .. })));
        let e = VfioDevice::open("ffff:ff:1f.7", &VfioOptions::default()).unwrap_err();
        assert!(matches!(e, Error::BadFunction { .. }), "{e}");
    }
}
