//! The host's side of the shell served to a VM through QEMU's `ivshmem-plain`: the
//! backing file is the card's BAR (ring memory in place), and register accesses arrive
//! through the mailbox of [`offload_tables::shell::mailbox`], performed on the one shell
//! model ([`SimCard`]) with the same semantics as in process. The guest's side is
//! `host_driver::ivshmem::IvshmemDevice`.
//!
//! Everything the guest writes is untrusted: the server checks the op and that the
//! offset is a register of the BAR.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use host_driver::ivshmem::SharedFile;
use host_driver::{Device, Error, Result};
use offload_tables::shell::{self, mailbox};

use crate::card::{ShellMem, SimCard};

/// The shared file as the shell model's ring memory. Offsets come from the model,
/// which stays inside [`shell::BAR_SIZE`]; the mapping is at least that long.
struct Shared(Arc<SharedFile>);

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
    sim: SimCard,
    shm: Arc<SharedFile>,
}

impl std::fmt::Debug for ShellServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShellServer").field("len", &self.shm.len()).finish_non_exhaustive()
    }
}

impl ShellServer {
    /// Maps the first [`shell::BAR_SIZE`] bytes of the ivshmem backing file at `path`
    /// (which must be at least that long) and builds a card out of reset on it.
    pub fn open(path: &Path) -> Result<Self> {
        let shm = Arc::new(SharedFile::open(path, Some(shell::BAR_SIZE as usize))?);
        let sim = SimCard::with_memory(Box::new(Shared(Arc::clone(&shm))))
            .map_err(|e| Error::BadFunction { bdf: path.display().to_string(), problem: e.to_string() })?;
        Ok(Self { sim, shm })
    }

    /// The simulated card (cable ends, faults, its tables).
    pub fn card(&self) -> &SimCard {
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
        let dev = host_driver::ivshmem::IvshmemDevice::over_file(&path).unwrap();
        let r = host_driver::node::Node::with_device(Box::new(dev), tables.clone(), &Default::default());
        stop.store(true, Ordering::Relaxed);
        let served = t.join().unwrap();
        let n = r.unwrap();
        assert!(n.show_tables().contains("read back and verified"));
        assert!(served > 20, "register accesses went through the mailbox ({served})");
        let entries = host_driver::node::render_entries(&tables, 2);
        assert!(entries.len() > 500);
        for (t, i, want) in entries {
            assert_eq!(server.card().read_entry(t, i).unwrap()[..want.len()], want[..], "{} [{i}]", t.name());
        }
        assert_eq!(server.card().read_entry(Table::Session, 0).unwrap().iter().filter(|&&b| b != 0).count(), 0);
        let _ = std::fs::remove_file(path);
    }
}
