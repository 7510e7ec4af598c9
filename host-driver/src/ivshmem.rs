//! The FPGA shell served to a VM through QEMU's `ivshmem-plain`: both ends.
//!
//! `ivshmem-plain` (PCI `1af4:1110`) exposes a host file as its BAR2 and nothing else: no
//! register decoding, no interrupts, no bus mastering. The shell's layout
//! ([`offload_tables::shell`]) already keeps the rings in the BAR, so ring memory and
//! packet buffers are used directly in the shared file by both sides. Registers are
//! what a file cannot do (a doorbell write must *do* something, a producer read must see
//! progress), so each register access goes through the mailbox of
//! [`offload_tables::shell::mailbox`] and the host's shell model performs it with the
//! same semantics as in process:
//!
//! - guest: [`IvshmemDevice`], a [`Device`] over BAR2 of a `vfio-pci` function
//!   (what [`crate::open`] returns for `vfio:BDF` when the function is an ivshmem);
//! - host: the simulator crate's `ShellServer`, which maps the backing file
//!   ([`SharedFile`]) and runs its shell model (with the Verilator core) with the file as
//!   its ring memory, answering mailbox requests. The host polls one word, the mailbox's
//!   `REQ`.
//!
//! Everything the other side writes is untrusted: the server checks the op and that the
//! offset is a register of the BAR; the guest checks the status and times out.

use std::time::{Duration, Instant};

use offload_tables::shell::mailbox;

use crate::vfio::{Bar, VfioDevice};
use crate::{check_reg, Device, DmaBuffer, Error, Result};

/// PCI vendor id of QEMU's ivshmem (Red Hat / virtio).
pub const VENDOR: u16 = 0x1af4;
/// PCI device id of `ivshmem` / `ivshmem-plain`.
pub const DEVICE: u16 = 0x1110;
/// The BAR that holds the shared memory.
pub const SHM_BAR: u8 = 2;
/// How long a register access waits for the host's answer.
pub const MAILBOX_TIMEOUT: Duration = Duration::from_secs(2);

fn word(what: u32) -> u64 {
    u64::from(mailbox::BASE + what)
}

/// Word access to the shared memory: ivshmem's BAR2 through VFIO in a guest, or the
/// backing file mapped on the host ([`IvshmemDevice::over_file`], for tests).
pub trait SharedWindow: Send {
    /// Length in bytes.
    fn size(&self) -> u64;
    /// Reads the aligned 32-bit little-endian word at `offset`.
    fn read32(&self, offset: u64) -> Result<u32>;
    /// Writes the aligned 32-bit little-endian word at `offset`.
    fn write32(&self, offset: u64, value: u32) -> Result<()>;
}

impl SharedWindow for Bar {
    fn size(&self) -> u64 {
        Bar::len(self)
    }
    fn read32(&self, offset: u64) -> Result<u32> {
        Bar::read32(self, offset)
    }
    fn write32(&self, offset: u64, value: u32) -> Result<()> {
        Bar::write32(self, offset, value)
    }
}

/// An ivshmem backing file mapped in this process (the host's side of the shared BAR,
/// or a test's): bounds-checked, volatile word and byte access, since the other side
/// (a guest, through QEMU) writes it at any time.
pub struct SharedFile {
    mem: crate::sys::DmaMem,
}

impl std::fmt::Debug for SharedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedFile").field("len", &self.mem.len()).finish()
    }
}

impl SharedFile {
    /// Maps the first `len` bytes of the file at `path` (`None`: the whole file), shared.
    pub fn open(path: &std::path::Path, len: Option<usize>) -> Result<Self> {
        let io = |op| move |source| Error::Io { op, bdf: path.display().to_string(), source };
        let file = std::fs::OpenOptions::new().read(true).write(true).open(path).map_err(io("open"))?;
        let len = match len {
            Some(l) => l,
            None => {
                let l = file.metadata().map_err(io("stat"))?.len();
                usize::try_from(l).map_err(|_| io("map")(std::io::ErrorKind::InvalidInput.into()))?
            }
        };
        Ok(Self { mem: crate::sys::DmaMem::map_shared(&file, len).map_err(io("mmap"))? })
    }

    /// Mapped length in bytes.
    pub fn len(&self) -> usize {
        self.mem.len()
    }

    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.mem.len() == 0
    }

    /// Copies `buf.len()` bytes at `offset` out; `None` if out of the mapping.
    pub fn read(&self, offset: usize, buf: &mut [u8]) -> Option<()> {
        self.mem.read(offset, buf)
    }

    /// Copies `data` in at `offset`; `None` if out of the mapping.
    pub fn write(&self, offset: usize, data: &[u8]) -> Option<()> {
        self.mem.write(offset, data)
    }

    /// The aligned little-endian word at `offset`.
    pub fn read_u32(&self, offset: usize) -> Option<u32> {
        self.mem.read_u32(offset)
    }

    /// Writes the aligned little-endian word at `offset`.
    pub fn write_u32(&self, offset: usize, v: u32) -> Option<()> {
        self.mem.write_u32(offset, v)
    }
}

impl SharedWindow for SharedFile {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read32(&self, offset: u64) -> Result<u32> {
        let len = SharedWindow::size(self);
        usize::try_from(offset).ok().and_then(|o| self.read_u32(o)).ok_or(Error::RegisterOutOfBounds {
            bar: SHM_BAR,
            offset,
            len,
        })
    }
    fn write32(&self, offset: u64, value: u32) -> Result<()> {
        let len = SharedWindow::size(self);
        usize::try_from(offset).ok().and_then(|o| self.write_u32(o, value)).ok_or(Error::RegisterOutOfBounds {
            bar: SHM_BAR,
            offset,
            len,
        })
    }
}

/// The guest side: the shell's BAR is ivshmem's BAR2; registers go through the mailbox.
pub struct IvshmemDevice {
    // Declared before `vfio` so the mapping goes first on drop.
    bar: Box<dyn SharedWindow>,
    /// `None` when driving a file directly ([`IvshmemDevice::over_file`]).
    vfio: Option<VfioDevice>,
    /// Last request sequence sent (requests are serialized by this lock).
    seq: std::sync::Mutex<u32>,
    timeout: Duration,
}

impl std::fmt::Debug for IvshmemDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IvshmemDevice")
            .field("bdf", &self.vfio.as_ref().map(VfioDevice::bdf))
            .field("bar_len", &self.bar.size())
            .finish()
    }
}

impl IvshmemDevice {
    /// Wraps an opened ivshmem function: maps BAR2 and takes over the mailbox.
    pub fn new(vfio: VfioDevice) -> Result<Self> {
        let bar = vfio.bar(SHM_BAR)?;
        let bdf = vfio.bdf().to_string();
        Self::with_window(Box::new(bar), Some(vfio), &bdf)
    }

    /// Drives the shell in an ivshmem backing file mapped in this process: the guest's
    /// code path without VM and VFIO (tests; the simulator's shell server must serve the file).
    pub fn over_file(path: &std::path::Path) -> Result<Self> {
        let mem = SharedFile::open(path, None)?;
        Self::with_window(Box::new(mem), None, &path.display().to_string())
    }

    fn with_window(bar: Box<dyn SharedWindow>, vfio: Option<VfioDevice>, name: &str) -> Result<Self> {
        if !offload_tables::shell::fits(word(0), u64::from(mailbox::LEN), bar.size()) {
            return Err(Error::BadFunction {
                bdf: name.to_string(),
                problem: format!("ivshmem BAR2 of {:#x} bytes has no room for the shell mailbox", bar.size()),
            });
        }
        // Continue from whatever the host acknowledged last (an earlier process).
        let ack = bar.read32(word(mailbox::ACK))?;
        Ok(Self { bar, vfio, seq: std::sync::Mutex::new(ack), timeout: MAILBOX_TIMEOUT })
    }

    /// The VFIO function underneath (`None` over a file).
    pub fn vfio(&self) -> Option<&VfioDevice> {
        self.vfio.as_ref()
    }

    fn request(&self, op: u32, offset: u32, value: u32) -> Result<u32> {
        let mut seq = self.seq.lock().unwrap_or_else(|e| e.into_inner());
        let next = seq.wrapping_add(1);
        self.bar.write32(word(mailbox::OFFSET), offset)?;
        self.bar.write32(word(mailbox::VALUE), value)?;
        self.bar.write32(word(mailbox::OP), op)?;
        self.bar.write32(word(mailbox::REQ), next)?;
        *seq = next;
        let start = Instant::now();
        let mut spins = 0u32;
        while self.bar.read32(word(mailbox::ACK))? != next {
            if start.elapsed() > self.timeout {
                return Err(Error::Timeout { what: "ivshmem shell server (mailbox answer)", waited: start.elapsed() });
            }
            spins += 1;
            if spins < 200 {
                std::hint::spin_loop();
            } else {
                std::thread::sleep(Duration::from_micros(20));
            }
        }
        let status = self.bar.read32(word(mailbox::STATUS))?;
        if status != mailbox::STATUS_OK {
            return Err(Error::DeviceValueOutOfRange {
                what: "ivshmem mailbox status",
                value: status.into(),
                limit: 1,
            });
        }
        self.bar.read32(word(mailbox::RESULT))
    }
}

impl Device for IvshmemDevice {
    fn backend(&self) -> &'static str {
        "vfio-ivshmem"
    }
    fn bar0_len(&self) -> u64 {
        self.bar.size()
    }
    fn read32(&self, offset: u32) -> Result<u32> {
        check_reg(SHM_BAR, offset.into(), self.bar.size())?;
        if mailbox::is_register(offset) {
            self.request(mailbox::OP_READ, offset, 0)
        } else {
            self.bar.read32(offset.into())
        }
    }
    fn write32(&self, offset: u32, value: u32) -> Result<()> {
        check_reg(SHM_BAR, offset.into(), self.bar.size())?;
        if mailbox::is_register(offset) {
            self.request(mailbox::OP_WRITE, offset, value).map(drop)
        } else {
            self.bar.write32(offset.into(), value)
        }
    }
    fn alloc_dma(&self, len: usize) -> Result<DmaBuffer> {
        match &self.vfio {
            Some(v) => v.alloc_dma(len),
            None => Err(Error::Unsupported { backend: "ivshmem file", op: "DMA allocation" }),
        }
    }
    fn irq_vectors(&self) -> usize {
        self.vfio.as_ref().map_or(0, Device::irq_vectors)
    }
    fn wait_irq(&self, vector: usize, timeout: Duration) -> Result<u64> {
        match &self.vfio {
            Some(v) => v.wait_irq(vector, timeout),
            None => Err(Error::NoSuchVector { vector, enabled: 0 }),
        }
    }
}
