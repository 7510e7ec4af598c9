//! The driver side of the FPGA shell ([`offload_tables::shell`]): probe, reset, ring
//! layout, batched commands with completions, punt and inject rings.
//!
//! Everything the device writes — ring offsets and sizes, producer indices, completion
//! sequence numbers, punt lengths and metadata — is checked before it is used; a device
//! that returns all-ones (a PCIe function that stopped answering) fails those checks or
//! times out, and the error says which.

use std::time::{Duration, Instant};

use bytemuck::Zeroable;
use offload_tables::reasons::PuntReason;
use offload_tables::regs::{self, meta, Table};
use offload_tables::shell::{self, caps, counter, cpl_status, op, CmdEntry, CplEntry, PktDesc};
use sw_fallback::buffer::{BufferPool, PacketBuf, MAX_FRAME};

use crate::{check_len, Device, Error};

/// What went wrong driving the shell.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// A device access failed (including timeouts and out-of-range device values).
    #[error(transparent)]
    Device(#[from] Error),
    /// Not our device.
    #[error("unknown device: {what} = {value:#010x}, expected {expected:#010x} — not an offload shell / pipeline of this contract")]
    UnknownDevice {
        /// Which identification word.
        what: &'static str,
        /// What the device said.
        value: u32,
        /// What this driver speaks.
        expected: u32,
    },
    /// A major version this driver does not speak.
    #[error("unsupported {what} version {value:#010x} (this driver speaks major {major})")]
    UnsupportedVersion {
        /// Which block.
        what: &'static str,
        /// Version word.
        value: u32,
        /// Supported major.
        major: u32,
    },
    /// A capability the driver needs is missing.
    #[error("device lacks capability {0}")]
    MissingCapability(&'static str),
    /// A command completed with an error status.
    #[error("command {op} on table {table} index {index} failed: {}", status_name(*.status))]
    CommandFailed {
        /// The op.
        op: u16,
        /// Table id.
        table: u16,
        /// Index.
        index: u32,
        /// Completion status.
        status: u16,
    },
    /// A completion that does not belong to the command it should answer.
    #[error("completion out of order: expected seq {expected}, got {got}")]
    CompletionOrder {
        /// Expected sequence.
        expected: u32,
        /// Received.
        got: u32,
    },
    /// The config needs more entries than the device has.
    #[error("table {table}: the config needs {need} entries, the device has {have}")]
    ConfigTooLarge {
        /// Table name.
        table: &'static str,
        /// Entries needed.
        need: usize,
        /// Capacity.
        have: usize,
    },
    /// Read-back differs from what was written.
    #[error("read-back of table {table} index {index} differs from what was written")]
    Verify {
        /// Table name.
        table: &'static str,
        /// Index.
        index: usize,
    },
    /// A frame longer than a ring buffer.
    #[error("frame of {len} bytes exceeds the ring buffer ({max} bytes)")]
    FrameTooLong {
        /// Length.
        len: usize,
        /// Buffer size.
        max: usize,
    },
    /// The `none` backend has no device to drive.
    #[error("no device (software-only mode)")]
    NoDevice,
}

/// Name of a completion status.
pub fn status_name(s: u16) -> &'static str {
    match s {
        cpl_status::OK => "ok",
        cpl_status::BAD_TABLE => "bad table",
        cpl_status::BAD_INDEX => "bad index",
        cpl_status::BAD_OP => "bad op",
        cpl_status::BAD_LEN => "bad length",
        cpl_status::TABLE_FULL => "table full",
        cpl_status::DEVICE_ERROR => "device error",
        _ => "unknown status",
    }
}

/// Result with [`DriverError`].
pub type DResult<T> = std::result::Result<T, DriverError>;

/// Driver options.
#[derive(Clone, Debug)]
pub struct ShellOptions {
    /// How long to wait for a completion or for reset before declaring the device dead.
    pub timeout: Duration,
}

impl Default for ShellOptions {
    fn default() -> Self {
        ShellOptions { timeout: Duration::from_millis(500) }
    }
}

/// One ring as the device describes it, checked against the BAR.
#[derive(Clone, Copy, Debug)]
struct Ring {
    off: u32,
    entries: u32,
    stride: u32,
}

impl Ring {
    fn slot(&self, idx: u32) -> u32 {
        self.off + (idx % self.entries) * self.stride
    }
}

/// What probe found.
#[derive(Clone, Debug)]
pub struct DeviceInfo {
    /// Backend (`vfio`, `sim`).
    pub backend: &'static str,
    /// Shell version word.
    pub shell_version: u32,
    /// Core (pipeline) version word.
    pub core_version: u32,
    /// [`caps`] bits.
    pub caps: u32,
    /// Wire ports.
    pub ports: u32,
    /// Entries per table, by [`Table::ALL`] order.
    pub capacity: Vec<(Table, usize)>,
    /// Command ring entries.
    pub cmd_entries: u32,
    /// Punt / inject ring entries.
    pub pkt_entries: u32,
    /// Bytes per packet buffer.
    pub buf_size: u32,
    /// Where the session table's entries live.
    pub sessions: SessionMemory,
}

/// The session table's memory as the core reports it (`regs::SESS_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionMemory {
    /// Entries in external memory (HBM/DDR), tags on chip; else all on chip.
    pub external: bool,
    /// Lookup engines, each with its memory read port.
    pub lookup_ports: u32,
    /// Lookups each engine keeps in flight.
    pub in_flight: u32,
    /// Bytes between entries in memory.
    pub entry_stride: u32,
}

impl DeviceInfo {
    /// Capacity of `t`.
    pub fn capacity(&self, t: Table) -> usize {
        self.capacity.iter().find(|(x, _)| *x == t).map_or(0, |(_, n)| *n)
    }
}

/// A punted packet whose descriptor passed the checks.
#[derive(Debug)]
pub struct Punt {
    /// Ingress sw_if_index.
    pub sw_if_index: u16,
    /// Why.
    pub reason: PuntReason,
    /// Ingress port (wire port or `meta::INJECT_PORT`).
    pub port: u8,
    /// Where software continues (`meta::RESUME_*`; checked to be one of them).
    pub resume: u64,
    /// The frame, copied once from the punt buffer into a pooled buffer.
    pub pkt: PacketBuf,
}

/// Why a punt descriptor was refused (the packet is counted as dropped with this reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadPunt {
    /// Length zero or beyond the buffer.
    Length,
    /// Unknown reason code.
    Reason,
    /// Ingress port the device does not have.
    Port,
}

/// The shell, driven through a [`Device`].
pub struct Shell {
    dev: Box<dyn Device>,
    opts: ShellOptions,
    /// What probe found.
    pub info: DeviceInfo,
    cmd: Ring,
    cpl: Ring,
    punt: Ring,
    punt_buf: u32,
    inj: Ring,
    inj_buf: u32,
    cmd_prod: u32,
    cpl_cons: u32,
    punt_cons: u32,
    inj_prod: u32,
    seq: u32,
}

fn ring(dev: &dyn Device, off_reg: u32, n_reg: u32, stride: u32, max: u32, what: &'static str) -> DResult<Ring> {
    let off = dev.read32(off_reg)?;
    let n = dev.read32(n_reg)?;
    let entries = check_len(what, u64::from(n), max as usize)? as u32;
    if entries == 0 || !entries.is_power_of_two() {
        return Err(Error::DeviceValueOutOfRange { what, value: n.into(), limit: u64::from(max) + 1 }.into());
    }
    if !shell::fits(off.into(), u64::from(entries) * u64::from(stride), dev.bar0_len()) || off % 4 != 0 {
        return Err(Error::DeviceValueOutOfRange { what, value: off.into(), limit: dev.bar0_len() }.into());
    }
    Ok(Ring { off, entries, stride })
}

impl Shell {
    /// Probe and bring-up: identification and version of the shell and of the core,
    /// reset, ring layout, capabilities and table sizes.
    pub fn probe(dev: Box<dyn Device>, opts: ShellOptions) -> DResult<Self> {
        if dev.backend() == "none" {
            return Err(DriverError::NoDevice);
        }
        if dev.bar0_len() < u64::from(shell::BAR_SIZE) {
            return Err(Error::DeviceValueOutOfRange {
                what: "BAR0 length",
                value: dev.bar0_len(),
                limit: u64::from(shell::BAR_SIZE),
            }
            .into());
        }
        let id = dev.read32(shell::SHELL_ID)?;
        if id != shell::SHELL_ID_VALUE {
            return Err(DriverError::UnknownDevice { what: "shell id", value: id, expected: shell::SHELL_ID_VALUE });
        }
        let v = dev.read32(shell::SHELL_VERSION)?;
        if v >> 16 != shell::SHELL_VERSION_MAJOR {
            return Err(DriverError::UnsupportedVersion { what: "shell", value: v, major: shell::SHELL_VERSION_MAJOR });
        }
        // Reset (clears the core's tables and every ring), then wait for READY.
        dev.write32(shell::RESET, 1)?;
        let t = opts.timeout;
        crate::poll32(&*dev, shell::RESET, 1, 0, Duration::from_micros(50), t, "shell reset")?;
        crate::poll32(
            &*dev,
            shell::STATUS,
            shell::status::READY,
            shell::status::READY,
            Duration::from_micros(50),
            t,
            "shell ready",
        )?;
        let next = dev.read32(shell::SHELL_NEXT)?;
        if next != shell::CORE_BASE {
            return Err(
                Error::DeviceValueOutOfRange { what: "shell next pointer", value: next.into(), limit: 0 }.into()
            );
        }
        let core = |a: u32| dev.read32(shell::CORE_BASE + a);
        let cid = core(regs::ID)?;
        if cid != regs::ID_VALUE {
            return Err(DriverError::UnknownDevice { what: "core id", value: cid, expected: regs::ID_VALUE });
        }
        let cv = core(regs::VERSION)?;
        if cv >> 16 != regs::VERSION_VALUE >> 16 {
            return Err(DriverError::UnsupportedVersion { what: "core", value: cv, major: regs::VERSION_VALUE >> 16 });
        }
        let n_tables = core(regs::N_TABLES)?;
        check_len("core table count", n_tables.into(), 32)?;
        let caps = dev.read32(shell::CAPS)?;
        for (bit, name) in [(caps::CMD_RING, "command ring"), (caps::PKT_RINGS, "packet rings"), (caps::FENCE, "fence")]
        {
            if caps & bit == 0 {
                return Err(DriverError::MissingCapability(name));
            }
        }
        let ports = check_len("core port count", core(regs::N_PORTS)?.into(), 16)? as u32;
        let mut capacity = Vec::new();
        for &t in Table::ALL {
            // Tables this core does not have read as capacity 0.
            let n = if t.id() < n_tables { core(regs::CAP_BASE + 4 * t.id())? } else { 0 };
            capacity.push((t, check_len("table capacity", n.into(), 1 << 24)?));
        }
        let sessions = SessionMemory {
            external: core(regs::SESS_MEM)? & regs::sess_mem::EXTERNAL != 0,
            lookup_ports: check_len("session lookup ports", core(regs::SESS_LOOKUP_PORTS)?.into(), 64)? as u32,
            in_flight: check_len("session lookups in flight", core(regs::SESS_IN_FLIGHT)?.into(), 1 << 16)? as u32,
            entry_stride: check_len("session entry stride", core(regs::SESS_ENTRY_STRIDE)?.into(), 4096)? as u32,
        };
        let d = &*dev;
        let cmd = ring(d, shell::CMD_RING, shell::CMD_ENTRIES_REG, 80, 1 << 16, "command ring")?;
        let cpl = ring(d, shell::CPL_RING, shell::CPL_ENTRIES_REG, 80, 1 << 16, "completion ring")?;
        let punt = ring(d, shell::PUNT_RING, shell::PUNT_ENTRIES_REG, 16, 1 << 16, "punt ring")?;
        let inj = ring(d, shell::INJ_RING, shell::INJ_ENTRIES_REG, 16, 1 << 16, "inject ring")?;
        let buf_size = check_len("buffer size", d.read32(shell::BUF_SIZE_REG)?.into(), 1 << 16)? as u32;
        let punt_buf = ring(d, shell::PUNT_BUF, shell::PUNT_ENTRIES_REG, buf_size, 1 << 16, "punt buffers")?.off;
        let inj_buf = ring(d, shell::INJ_BUF, shell::INJ_ENTRIES_REG, buf_size, 1 << 16, "inject buffers")?.off;
        // After reset every index is zero; anything else is a device we cannot trust.
        for (reg, what) in [
            (shell::CMD_CONS, "command consumer"),
            (shell::CPL_PROD, "completion producer"),
            (shell::PUNT_PROD, "punt producer"),
            (shell::INJ_CONS, "inject consumer"),
        ] {
            let v = d.read32(reg)?;
            if v != 0 {
                return Err(Error::DeviceValueOutOfRange { what, value: v.into(), limit: 1 }.into());
            }
        }
        let info = DeviceInfo {
            backend: dev.backend(),
            shell_version: v,
            core_version: cv,
            caps,
            ports,
            capacity,
            cmd_entries: cmd.entries,
            pkt_entries: punt.entries,
            buf_size,
            sessions,
        };
        let s = Shell {
            dev,
            opts,
            info,
            cmd,
            cpl,
            punt,
            punt_buf,
            inj,
            inj_buf,
            cmd_prod: 0,
            cpl_cons: 0,
            punt_cons: 0,
            inj_prod: 0,
            seq: 0,
        };
        s.core_write(regs::CONTROL, regs::control::ENABLE)?;
        Ok(s)
    }

    /// The device.
    pub fn device(&self) -> &dyn Device {
        &*self.dev
    }

    /// Reads a core register through the window.
    pub fn core_read(&self, addr: u32) -> DResult<u32> {
        Ok(self.dev.read32(shell::CORE_BASE + addr)?)
    }

    /// Writes a core register through the window.
    pub fn core_write(&self, addr: u32, v: u32) -> DResult<()> {
        Ok(self.dev.write32(shell::CORE_BASE + addr, v)?)
    }

    /// A shell counter ([`counter`]).
    pub fn counter(&self, c: u32) -> DResult<u32> {
        Ok(self.dev.read32(shell::counter_reg(c))?)
    }

    /// Core clocks (the device's cycle counter).
    pub fn cycles(&self) -> DResult<u64> {
        let lo = self.counter(counter::CYCLES_LO)?;
        let hi = self.counter(counter::CYCLES_HI)?;
        Ok(u64::from(hi) << 32 | u64::from(lo))
    }

    /// Last committed generation.
    pub fn generation(&self) -> DResult<u32> {
        Ok(self.dev.read32(shell::GENERATION)?)
    }

    /// Sets the device clock (seconds).
    pub fn set_now(&self, secs: u32) -> DResult<()> {
        Ok(self.dev.write32(shell::NOW, secs)?)
    }

    fn write_words(&self, off: u32, bytes: &[u8]) -> DResult<()> {
        for (i, w) in bytes.chunks(4).enumerate() {
            let mut b = [0u8; 4];
            b[..w.len()].copy_from_slice(w);
            self.dev.write32(off + 4 * i as u32, u32::from_le_bytes(b))?;
        }
        Ok(())
    }

    fn read_words(&self, off: u32, out: &mut [u8]) -> DResult<()> {
        for (i, w) in out.chunks_mut(4).enumerate() {
            let v = self.dev.read32(off + 4 * i as u32)?.to_le_bytes();
            w.copy_from_slice(&v[..w.len()]);
        }
        Ok(())
    }

    /// Runs `cmds` in order, as many per doorbell as the ring holds; returns every
    /// completion, in command order. Error statuses are returned, not raised: the caller
    /// decides (a full session table is not an error of the load). Times out when the
    /// device stops completing.
    pub fn submit(&mut self, cmds: &[CmdEntry]) -> DResult<Vec<CplEntry>> {
        let mut out = Vec::with_capacity(cmds.len());
        for chunk in cmds.chunks(self.cmd.entries as usize) {
            let first_seq = self.seq;
            for c in chunk {
                let mut c = *c;
                c.seq = self.seq;
                self.seq = self.seq.wrapping_add(1);
                self.write_words(self.cmd.slot(self.cmd_prod), bytemuck::bytes_of(&c))?;
                self.cmd_prod = self.cmd_prod.wrapping_add(1);
            }
            // One doorbell for the batch.
            self.dev.write32(shell::CMD_PROD, self.cmd_prod)?;
            let start = Instant::now();
            let mut got = 0usize;
            while got < chunk.len() {
                let prod = self.dev.read32(shell::CPL_PROD)?;
                let avail = prod.wrapping_sub(self.cpl_cons);
                // At most what we asked for and the ring can hold.
                let avail =
                    check_len("completion producer", avail.into(), (chunk.len() - got).min(self.cpl.entries as usize))?;
                for _ in 0..avail {
                    let mut c = CplEntry::zeroed();
                    self.read_words(self.cpl.slot(self.cpl_cons), bytemuck::bytes_of_mut(&mut c))?;
                    self.cpl_cons = self.cpl_cons.wrapping_add(1);
                    let expected = first_seq.wrapping_add(got as u32);
                    if c.seq != expected {
                        return Err(DriverError::CompletionOrder { expected, got: c.seq });
                    }
                    out.push(c);
                    got += 1;
                }
                if avail > 0 {
                    self.dev.write32(shell::CPL_CONS, self.cpl_cons)?;
                } else if start.elapsed() > self.opts.timeout {
                    return Err(Error::Timeout { what: "command completions", waited: start.elapsed() }.into());
                } else {
                    std::thread::yield_now();
                }
            }
        }
        Ok(out)
    }

    /// Like [`Self::submit`], but any error status is an error.
    pub fn submit_all_ok(&mut self, cmds: &[CmdEntry]) -> DResult<Vec<CplEntry>> {
        let cpls = self.submit(cmds)?;
        if let Some(c) = cpls.iter().find(|c| c.status != cpl_status::OK) {
            return Err(DriverError::CommandFailed { op: c.op, table: c.table, index: c.index, status: c.status });
        }
        Ok(cpls)
    }

    /// Takes up to `max` punted packets into `out` (buffers from `pool`). Each is
    /// checked: a descriptor whose length, reason or port is out of range yields
    /// `Err(BadPunt)` for that packet (its slot is consumed; the caller counts the drop).
    /// sw_if_index is checked by the caller against its interface table. Returns how many
    /// were taken.
    pub fn poll_punts(
        &mut self,
        max: usize,
        pool: &BufferPool,
        out: &mut Vec<Result<Punt, BadPunt>>,
    ) -> DResult<usize> {
        let prod = self.dev.read32(shell::PUNT_PROD)?;
        let avail = check_len("punt producer", prod.wrapping_sub(self.punt_cons).into(), self.punt.entries as usize)?;
        let n = avail.min(max);
        for _ in 0..n {
            let slot = self.punt_cons % self.punt.entries;
            let mut d = PktDesc::zeroed();
            self.read_words(self.punt.slot(self.punt_cons), bytemuck::bytes_of_mut(&mut d))?;
            self.punt_cons = self.punt_cons.wrapping_add(1);
            out.push(self.check_punt(&d, slot, pool)?);
        }
        if n > 0 {
            self.dev.write32(shell::PUNT_CONS, self.punt_cons)?;
        }
        Ok(n)
    }

    fn check_punt(&self, d: &PktDesc, slot: u32, pool: &BufferPool) -> DResult<Result<Punt, BadPunt>> {
        let len = d.len as usize;
        if len == 0 || len > self.info.buf_size as usize || len > MAX_FRAME {
            return Ok(Err(BadPunt::Length));
        }
        let Some(reason) = PuntReason::from_code(meta::get(d.meta, meta::REASON) as u8) else {
            return Ok(Err(BadPunt::Reason));
        };
        let resume = meta::get(d.meta, meta::RESUME);
        if resume != meta::RESUME_START && resume != meta::RESUME_VXLAN_OUTER {
            return Ok(Err(BadPunt::Reason));
        }
        let port = meta::get(d.meta, meta::PORT) as u32;
        if port >= self.info.ports && port != meta::INJECT_PORT {
            return Ok(Err(BadPunt::Port));
        }
        let mut pkt = pool.get();
        pkt.fill_with(|buf| self.read_words(self.punt_buf + slot * self.info.buf_size, &mut buf[..len]).map(|()| len))?;
        Ok(Ok(Punt { sw_if_index: meta::get(d.meta, meta::SW_IF_INDEX) as u16, reason, port: port as u8, resume, pkt }))
    }

    /// Queues frames on the inject ring (metadata per [`meta`]), one doorbell for the
    /// lot, or one per ring-full while it waits for room (at most the timeout).
    pub fn inject<'a>(&mut self, frames: impl IntoIterator<Item = (u64, &'a [u8])>) -> DResult<()> {
        let max = self.info.buf_size as usize;
        let start = Instant::now();
        let mut queued = false;
        let mut room = 0usize;
        for (m, f) in frames {
            if f.is_empty() || f.len() > max {
                return Err(DriverError::FrameTooLong { len: f.len(), max });
            }
            while room == 0 {
                if queued {
                    self.dev.write32(shell::INJ_PROD, self.inj_prod)?;
                    queued = false;
                }
                let cons = self.dev.read32(shell::INJ_CONS)?;
                let used =
                    check_len("inject consumer", self.inj_prod.wrapping_sub(cons).into(), self.inj.entries as usize)?;
                room = self.inj.entries as usize - used;
                if room == 0 {
                    if start.elapsed() > self.opts.timeout {
                        return Err(Error::Timeout { what: "inject ring room", waited: start.elapsed() }.into());
                    }
                    std::thread::yield_now();
                }
            }
            let slot = self.inj_prod % self.inj.entries;
            self.write_words(self.inj_buf + slot * self.info.buf_size, f)?;
            let d = PktDesc { meta: m, len: f.len() as u32, seq: self.inj_prod };
            self.write_words(self.inj.slot(self.inj_prod), bytemuck::bytes_of(&d))?;
            self.inj_prod = self.inj_prod.wrapping_add(1);
            room -= 1;
            queued = true;
        }
        if queued {
            self.dev.write32(shell::INJ_PROD, self.inj_prod)?;
        }
        Ok(())
    }
}

/// A `WRITE` command for one entry.
pub fn cmd_write(table: Table, index: usize, bytes: &[u8]) -> CmdEntry {
    let mut c = CmdEntry::zeroed();
    c.op = op::WRITE;
    c.table = table.id() as u16;
    c.index = index as u32;
    c.len = bytes.len() as u32;
    c.data[..bytes.len()].copy_from_slice(bytes);
    c
}

/// A `READ` or `DELETE` command.
pub fn cmd_op(opcode: u16, table: Table, index: usize) -> CmdEntry {
    let mut c = CmdEntry::zeroed();
    c.op = opcode;
    c.table = table.id() as u16;
    c.index = index as u32;
    c
}

/// `FENCE_BEGIN` / `FENCE_COMMIT(generation)`.
pub fn cmd_fence(opcode: u16, generation: u32) -> CmdEntry {
    let mut c = CmdEntry::zeroed();
    c.op = opcode;
    c.index = generation;
    c
}
