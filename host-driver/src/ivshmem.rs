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
//! - host: [`ShellServer`] (feature `sim`), which maps the backing file and runs
//!   [`crate::sim::SimDevice`] (the one shell model, with the Verilator core) with the
//!   file as its ring memory, answering mailbox requests. The host polls one word,
//!   the mailbox's `REQ`.
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

impl SharedWindow for crate::sys::DmaMem {
    fn size(&self) -> u64 {
        crate::sys::DmaMem::len(self) as u64
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
    /// code path without VM and VFIO (tests; a [`ShellServer`] must serve the file).
    pub fn over_file(path: &std::path::Path) -> Result<Self> {
        let io = |op| move |source| Error::Io { op, bdf: path.display().to_string(), source };
        let file = std::fs::OpenOptions::new().read(true).write(true).open(path).map_err(io("open"))?;
        let len = file.metadata().map_err(io("stat"))?.len();
        let len = usize::try_from(len).map_err(|_| io("map")(std::io::ErrorKind::InvalidInput.into()))?;
        let mem = crate::sys::DmaMem::map_shared(&file, len).map_err(io("mmap"))?;
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

#[cfg(feature = "sim")]
pub use server::ShellServer;

#[cfg(feature = "sim")]
mod server {
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use offload_tables::shell::{self, mailbox};

    use crate::sim::{ShellMem, SimDevice};
    use crate::sys::DmaMem;
    use crate::{Device, Error, Result};

    /// The shared file as the shell model's ring memory. Offsets come from the model,
    /// which stays inside [`shell::BAR_SIZE`]; the mapping is at least that long.
    struct Shared(Arc<DmaMem>);

    impl ShellMem for Shared {
        fn read(&self, off: usize, buf: &mut [u8]) {
            self.0.read(off, buf).expect("shell model offset inside the mapped BAR");
        }
        fn write(&mut self, off: usize, data: &[u8]) {
            self.0.write(off, data).expect("shell model offset inside the mapped BAR");
        }
    }

    /// The host side: the shell model + Verilator core serving an ivshmem backing file.
    pub struct ShellServer {
        sim: SimDevice,
        shm: Arc<DmaMem>,
    }

    impl std::fmt::Debug for ShellServer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("ShellServer").field("len", &self.shm.len()).finish_non_exhaustive()
        }
    }

    fn io(op: &'static str) -> impl FnOnce(std::io::Error) -> Error {
        move |source| Error::Io { op, bdf: "ivshmem file".into(), source }
    }

    impl ShellServer {
        /// Maps the first [`shell::BAR_SIZE`] bytes of the ivshmem backing file at `path`
        /// (which must be at least that long) and builds a card out of reset on it.
        pub fn open(path: &Path) -> Result<Self> {
            let file = std::fs::OpenOptions::new().read(true).write(true).open(path).map_err(io("open"))?;
            let shm = Arc::new(DmaMem::map_shared(&file, shell::BAR_SIZE as usize).map_err(io("mmap"))?);
            let sim = SimDevice::with_memory(Box::new(Shared(Arc::clone(&shm))));
            Ok(Self { sim, shm })
        }

        /// The simulated card (cable ends, faults, its tables).
        pub fn sim(&self) -> &SimDevice {
            &self.sim
        }

        fn word(&self, w: u32) -> u32 {
            self.shm.read_u32((mailbox::BASE + w) as usize).expect("mailbox inside the mapping")
        }

        fn set_word(&self, w: u32, v: u32) {
            self.shm.write_u32((mailbox::BASE + w) as usize, v).expect("mailbox inside the mapping");
        }

        /// Answers the pending mailbox request, if there is one; true if it did.
        pub fn poll(&self) -> bool {
            let req = self.word(mailbox::REQ);
            if req == self.word(mailbox::ACK) {
                return false;
            }
            let (op, offset, value) = (self.word(mailbox::OP), self.word(mailbox::OFFSET), self.word(mailbox::VALUE));
            // The guest is untrusted: only register offsets, checked against the BAR by
            // the model's `Device` impl, and known ops.
            let r = match op {
                _ if !mailbox::is_register(offset) => None,
                mailbox::OP_READ => self.sim.read32(offset).ok(),
                mailbox::OP_WRITE => self.sim.write32(offset, value).ok().map(|()| 0),
                _ => None,
            };
            self.set_word(mailbox::RESULT, r.unwrap_or(0));
            self.set_word(mailbox::STATUS, if r.is_some() { mailbox::STATUS_OK } else { mailbox::STATUS_BAD_REQUEST });
            self.set_word(mailbox::ACK, req);
            true
        }

        /// Serves until `stop` is set; returns the number of requests answered. Spins
        /// briefly after each request, then sleeps 50 µs between polls.
        pub fn serve(&self, stop: &AtomicBool) -> u64 {
            let mut served = 0;
            let mut idle = 0u32;
            while !stop.load(Ordering::Relaxed) {
                if self.poll() {
                    served += 1;
                    idle = 0;
                } else if idle < 2000 {
                    idle += 1;
                    std::hint::spin_loop();
                } else {
                    std::thread::sleep(Duration::from_micros(50));
                }
            }
            served
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn mailbox_round_trip_on_a_file() {
            let path = std::env::temp_dir().join(format!("hd-ivshmem-{}", std::process::id()));
            let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
            f.set_len(u64::from(shell::BAR_SIZE)).unwrap();
            let s = ShellServer::open(&path).unwrap();
            assert!(!s.poll(), "nothing pending in a zeroed file");
            let req = |op, off, v, seq| {
                s.set_word(mailbox::OFFSET, off);
                s.set_word(mailbox::VALUE, v);
                s.set_word(mailbox::OP, op);
                s.set_word(mailbox::REQ, seq);
                assert!(s.poll());
                assert_eq!(s.word(mailbox::ACK), seq);
                (s.word(mailbox::STATUS), s.word(mailbox::RESULT))
            };
            assert_eq!(req(mailbox::OP_READ, shell::SHELL_ID, 0, 1), (mailbox::STATUS_OK, shell::SHELL_ID_VALUE));
            assert_eq!(req(mailbox::OP_WRITE, shell::NOW, 77, 2).0, mailbox::STATUS_OK);
            assert_eq!(req(mailbox::OP_READ, shell::NOW, 0, 3), (mailbox::STATUS_OK, 77));
            assert_eq!(req(mailbox::OP_READ, shell::CMD_RING_OFF, 0, 4).0, mailbox::STATUS_BAD_REQUEST, "memory");
            assert_eq!(req(mailbox::OP_READ, 2, 0, 5).0, mailbox::STATUS_BAD_REQUEST, "unaligned");
            assert_eq!(req(9, shell::SHELL_ID, 0, 6).0, mailbox::STATUS_BAD_REQUEST, "bad op");
            assert!(!s.poll());
            drop(s);
            let _ = std::fs::remove_file(path);
        }

        /// The guest's path (mailbox client, shell driver, node load with read-back)
        /// against the server on a file, in one process: the VM test minus VM and VFIO.
        #[test]
        fn node_loads_through_the_mailbox() {
            use offload_tables::regs::Table;
            let path = std::env::temp_dir().join(format!("hd-ivshmem-node-{}", std::process::id()));
            let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
            f.set_len(u64::from(shell::BAR_SIZE)).unwrap();
            let server = Arc::new(ShellServer::open(&path).unwrap());
            let stop = Arc::new(AtomicBool::new(false));
            let t = {
                let (server, stop) = (Arc::clone(&server), Arc::clone(&stop));
                std::thread::spawn(move || server.serve(&stop))
            };
            let cfg = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/two-nodes/node1.toml");
            let tables = node_config::render(&node_config::load_config(&cfg).unwrap()).unwrap();
            let dev = super::super::IvshmemDevice::over_file(&path).unwrap();
            let r = crate::node::Node::with_device(Box::new(dev), tables.clone(), &Default::default());
            stop.store(true, Ordering::Relaxed);
            let served = t.join().unwrap();
            let n = r.unwrap();
            assert!(n.show_tables().contains("read back and verified"));
            assert!(served > 20, "register accesses went through the mailbox ({served})");
            let entries = crate::node::render_entries(&tables, 2);
            assert!(entries.len() > 500);
            for (t, i, want) in entries {
                assert_eq!(server.sim().read_entry(t, i).unwrap()[..want.len()], want[..], "{} [{i}]", t.name());
            }
            assert_eq!(server.sim().read_entry(Table::Session, 0).unwrap().iter().filter(|&&b| b != 0).count(), 0);
            let _ = std::fs::remove_file(path);
        }
    }
}
