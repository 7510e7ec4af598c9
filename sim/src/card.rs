//! The simulated card: a Rust model of the FPGA shell ([`offload_tables::shell`]) around
//! the Verilator model of `hw-rtl` ([`Core`]), in process, behind the driver's
//! [`Device`] trait — the device side of the one programming protocol, which lives in
//! `host-driver` and is the same for this card and a real one.
//!
//! The model answers BAR reads and writes like the card would: shell registers, the
//! core's register window (forwarded one word at a time to the RTL's register port),
//! and ring memory. It advances the RTL when the host rings a doorbell (command,
//! inject, punt-consumer) or reads a producer index, so a driver that polls sees the
//! device make progress; [`SimCard::run`] advances it explicitly.
//!
//! The shell model is the device's side of the contract and is written as
//! defensively as the driver: a command whose table, index or length is out of range
//! completes with an error status; an inject descriptor with a bad length is refused
//! and counted; a host-written producer index that claims more than a ring holds is
//! ignored and counted as a command error.
//!
//! Wire ports are reached through [`SimCard::wire_send`] / [`SimCard::wire_take`]
//! (the cable), and faults are injected through [`SimCard::faults`] for the
//! fault-handling tests: a device that stops answering (every read returns all-ones,
//! as a PCIe read to a dead function does, and nothing moves), completions that report
//! an error, corrupted punt metadata, and a session limit below the RTL's table.

use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytemuck::Zeroable;
use host_driver::{check_reg, Device, DmaBuffer, Error, Result};
use offload_tables::layout::{session_flags, SessionEntry};
use offload_tables::regs::{self, Table};
use offload_tables::shell::{self, counter, cpl_status, op, CmdEntry, CplEntry, PktDesc};

use crate::model::{Core, InPort, OutPort};
use crate::SimError;

/// Punted frames the shell holds while the punt ring is full, before it drops (counted).
pub const PUNT_HOLD: usize = 4096;
/// Clocks the model runs at most per service call before giving the host a turn (by
/// default; [`SimCard::set_run_clocks`] changes it).
pub const RUN_CLOCKS: u64 = 200_000;

/// How the next punt descriptor is corrupted (fault injection).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PuntCorruption {
    /// A length beyond the buffer.
    Length,
    /// A sw_if_index no interface has.
    SwIfIndex,
    /// A reason code that does not exist.
    Reason,
    /// An ingress port the NIC does not have.
    Port,
}

/// Faults to inject.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// The device stops answering: reads return `0xffff_ffff`, writes are lost, nothing moves.
    pub hung: bool,
    /// The next this many commands complete with `fail_status` without being run.
    pub fail_commands: u32,
    /// Status for `fail_commands` (default `DEVICE_ERROR`).
    pub fail_status: u16,
    /// Corrupt the next punt descriptors, in order.
    pub corrupt_punts: VecDeque<PuntCorruption>,
    /// Refuse session entries (`TABLE_FULL`) once this many are valid.
    pub session_limit: Option<usize>,
}

/// The memory half of the shell's BAR: every offset that is not a register (rings,
/// buffers; see `offload_tables::shell::mailbox::is_register`), addressed by BAR offset.
///
/// In process it is a `Vec<u8>` of [`shell::BAR_SIZE`] bytes; served to a VM it is the
/// `ivshmem` backing file, which the guest reads and writes directly
/// ([`crate::ivshmem::ShellServer`]). The model only passes offsets inside the BAR.
pub(crate) trait ShellMem: Send {
    /// Copies `buf.len()` bytes at `off` out.
    fn read(&self, off: usize, buf: &mut [u8]);
    /// Copies `data` in at `off`.
    fn write(&mut self, off: usize, data: &[u8]);
}

impl ShellMem for Vec<u8> {
    fn read(&self, off: usize, buf: &mut [u8]) {
        buf.copy_from_slice(&self[off..off + buf.len()]);
    }
    fn write(&mut self, off: usize, data: &[u8]) {
        self[off..off + data.len()].copy_from_slice(data);
    }
}

struct Model {
    core: Core,
    /// Ring memory and buffers (the registers are fields below).
    mem: Box<dyn ShellMem>,
    generation: u32,
    now: u32,
    fenced: bool,
    cmd_prod: u32,
    cmd_cons: u32,
    cpl_prod: u32,
    cpl_cons: u32,
    punt_prod: u32,
    punt_cons: u32,
    inj_prod: u32,
    inj_cons: u32,
    counters: [u64; counter::COUNT as usize],
    /// Frames on the cables, not yet admitted into the core (held while fenced).
    wire_in: VecDeque<(u8, Vec<u8>)>,
    wire_out: Vec<(u8, Vec<u8>)>,
    punt_hold: VecDeque<(u64, Vec<u8>)>,
    /// Session slots holding a valid entry (for `Faults::session_limit`).
    valid_sessions: BTreeSet<usize>,
    faults: Faults,
    /// Clocks the core runs per service call at most ([`SimCard::set_run_clocks`]).
    run_clocks: u64,
    /// Session entries written or deleted while frames were in the core.
    session_writes_in_flight: u64,
}

fn pod_at<T: bytemuck::Pod>(mem: &dyn ShellMem, off: usize) -> T {
    let mut v = T::zeroed();
    mem.read(off, bytemuck::bytes_of_mut(&mut v));
    v
}

fn put_pod<T: bytemuck::Pod>(mem: &mut dyn ShellMem, off: usize, v: &T) {
    mem.write(off, bytemuck::bytes_of(v));
}

impl Model {
    fn new(mem: Box<dyn ShellMem>) -> std::result::Result<Self, SimError> {
        Ok(Model {
            core: Core::new()?,
            mem,
            generation: 0,
            now: 0,
            fenced: false,
            cmd_prod: 0,
            cmd_cons: 0,
            cpl_prod: 0,
            cpl_cons: 0,
            punt_prod: 0,
            punt_cons: 0,
            inj_prod: 0,
            inj_cons: 0,
            counters: [0; counter::COUNT as usize],
            wire_in: VecDeque::new(),
            wire_out: Vec::new(),
            punt_hold: VecDeque::new(),
            valid_sessions: BTreeSet::new(),
            faults: Faults::default(),
            run_clocks: RUN_CLOCKS,
            session_writes_in_flight: 0,
        })
    }

    fn reset(&mut self) {
        let faults = std::mem::take(&mut self.faults);
        // Keep the memory (it may be a shared file); clear the rings and buffers.
        let mut mem = std::mem::replace(&mut self.mem, Box::new(Vec::new()));
        let rings = shell::CMD_RING_OFF as usize;
        mem.write(rings, &vec![0; shell::BAR_SIZE as usize - rings]);
        // A core that was made once can be made again: the model library is linked.
        *self = Model::new(mem).expect("the RTL model of a running card");
        self.faults = faults;
    }

    fn read(&mut self, off: u32) -> u32 {
        use shell::*;
        if (CORE_BASE..CORE_BASE + CORE_WINDOW).contains(&off) {
            return self.core.reg_read(off - CORE_BASE);
        }
        if off >= 0x1000 {
            let mut b = [0; 4];
            self.mem.read(off as usize, &mut b);
            return u32::from_le_bytes(b);
        }
        match off {
            SHELL_ID => SHELL_ID_VALUE,
            SHELL_VERSION => SHELL_VERSION_VALUE,
            SHELL_NEXT => CORE_BASE,
            CAPS => caps::CMD_RING | caps::PKT_RINGS | caps::FENCE | caps::HIT_BITS,
            RESET => 0,
            STATUS => status::READY | if self.fenced { status::FENCED } else { 0 },
            GENERATION => self.generation,
            NOW => self.now,
            CMD_RING => CMD_RING_OFF,
            CMD_ENTRIES_REG | CPL_ENTRIES_REG => CMD_ENTRIES,
            CMD_PROD => self.cmd_prod,
            CMD_CONS => self.cmd_cons,
            CPL_RING => CPL_RING_OFF,
            CPL_PROD => {
                self.service();
                self.cpl_prod
            }
            CPL_CONS => self.cpl_cons,
            PUNT_RING => PUNT_RING_OFF,
            PUNT_ENTRIES_REG | INJ_ENTRIES_REG => PKT_ENTRIES,
            PUNT_PROD => {
                self.service();
                self.punt_prod
            }
            PUNT_CONS => self.punt_cons,
            PUNT_BUF => PUNT_BUF_OFF,
            BUF_SIZE_REG => BUF_SIZE,
            INJ_BUF => INJ_BUF_OFF,
            INJ_RING => INJ_RING_OFF,
            INJ_PROD => self.inj_prod,
            INJ_CONS => self.inj_cons,
            _ if (COUNTERS..counter_reg(counter::COUNT)).contains(&off) => {
                let c = (off - COUNTERS) / 4;
                self.counters[counter::CYCLES_LO as usize] = self.core.cycles();
                match c {
                    counter::CYCLES_LO => self.core.cycles() as u32,
                    counter::CYCLES_HI => (self.core.cycles() >> 32) as u32,
                    _ => self.counters[c as usize] as u32,
                }
            }
            _ => 0,
        }
    }

    fn write(&mut self, off: u32, v: u32) {
        use shell::*;
        if (CORE_BASE..CORE_BASE + CORE_WINDOW).contains(&off) {
            return self.core.reg_write(off - CORE_BASE, v);
        }
        if off >= 0x1000 {
            self.mem.write(off as usize, &v.to_le_bytes());
            return;
        }
        match off {
            RESET if v & 1 != 0 => self.reset(),
            NOW => {
                self.now = v;
                self.core.reg_write(regs::NOW, v);
            }
            CMD_PROD => {
                self.cmd_prod = v;
                self.service();
            }
            CPL_CONS => {
                self.cpl_cons = v;
                self.service();
            }
            PUNT_CONS => {
                self.punt_cons = v;
                self.service();
            }
            INJ_PROD => {
                self.inj_prod = v;
                self.service();
            }
            _ => {}
        }
    }

    /// Commands, injects, admitted wire frames, clocks, outputs: one round of work.
    fn service(&mut self) {
        self.commands();
        if !self.fenced {
            self.injects();
            while let Some((p, f)) = self.wire_in.pop_front() {
                self.core.send(InPort::Wire(p), &f);
            }
        }
        self.core.run(self.run_clocks);
        self.collect();
    }

    fn collect(&mut self) {
        for o in self.core.take_output() {
            match o.port {
                OutPort::Wire(p) => self.wire_out.push((p, o.data)),
                OutPort::Punt => {
                    self.counters[counter::PUNTS as usize] += 1;
                    if self.punt_hold.len() >= PUNT_HOLD || o.data.len() > shell::BUF_SIZE as usize {
                        self.counters[counter::PUNT_DROPS as usize] += 1;
                    } else {
                        self.punt_hold.push_back((o.meta, o.data));
                    }
                }
            }
        }
        while self.punt_prod.wrapping_sub(self.punt_cons) < shell::PKT_ENTRIES {
            let Some((mut meta, data)) = self.punt_hold.pop_front() else { break };
            let slot = (self.punt_prod % shell::PKT_ENTRIES) as usize;
            let buf = shell::PUNT_BUF_OFF as usize + slot * shell::BUF_SIZE as usize;
            self.mem.write(buf, &data);
            let mut len = data.len() as u32;
            match self.faults.corrupt_punts.pop_front() {
                Some(PuntCorruption::Length) => len = shell::BUF_SIZE + 1,
                Some(PuntCorruption::SwIfIndex) => meta = regs::meta::set(meta, regs::meta::SW_IF_INDEX, 0xfff0),
                Some(PuntCorruption::Reason) => meta = regs::meta::set(meta, regs::meta::REASON, 0xee),
                Some(PuntCorruption::Port) => meta = regs::meta::set(meta, regs::meta::PORT, 0x77),
                None => {}
            }
            let d = PktDesc { meta, len, seq: self.punt_prod };
            put_pod(&mut *self.mem, shell::PUNT_RING_OFF as usize + slot * 16, &d);
            self.punt_prod = self.punt_prod.wrapping_add(1);
        }
    }

    fn injects(&mut self) {
        let pending = self.inj_prod.wrapping_sub(self.inj_cons);
        if pending > shell::PKT_ENTRIES {
            // A producer index no ring can hold: refuse the lot, count it.
            self.counters[counter::INJECT_ERRORS as usize] += 1;
            self.inj_cons = self.inj_prod;
            return;
        }
        for _ in 0..pending {
            let slot = (self.inj_cons % shell::PKT_ENTRIES) as usize;
            let d: PktDesc = pod_at(&*self.mem, shell::INJ_RING_OFF as usize + slot * 16);
            self.inj_cons = self.inj_cons.wrapping_add(1);
            if d.len == 0 || d.len > shell::BUF_SIZE {
                self.counters[counter::INJECT_ERRORS as usize] += 1;
                continue;
            }
            let buf = shell::INJ_BUF_OFF as usize + slot * shell::BUF_SIZE as usize;
            let mut frame = vec![0; d.len as usize];
            self.mem.read(buf, &mut frame);
            self.counters[counter::INJECTS as usize] += 1;
            self.core.send(InPort::Inject(d.meta), &frame);
        }
    }

    fn commands(&mut self) {
        let pending = self.cmd_prod.wrapping_sub(self.cmd_cons);
        if pending > shell::CMD_ENTRIES {
            self.counters[counter::CMD_ERRORS as usize] += 1;
            self.cmd_cons = self.cmd_prod;
            return;
        }
        for _ in 0..pending {
            if self.cpl_prod.wrapping_sub(self.cpl_cons) >= shell::CMD_ENTRIES {
                // Completion ring full: wait for the host.
                return;
            }
            let slot = (self.cmd_cons % shell::CMD_ENTRIES) as usize;
            let c: CmdEntry = pod_at(&*self.mem, shell::CMD_RING_OFF as usize + slot * 80);
            self.cmd_cons = self.cmd_cons.wrapping_add(1);
            let mut cpl = CplEntry::zeroed();
            (cpl.seq, cpl.op, cpl.table, cpl.index) = (c.seq, c.op, c.table, c.index);
            cpl.status = if self.faults.fail_commands > 0 {
                self.faults.fail_commands -= 1;
                if self.faults.fail_status == 0 {
                    cpl_status::DEVICE_ERROR
                } else {
                    self.faults.fail_status
                }
            } else {
                self.run_command(&c, &mut cpl.data)
            };
            self.counters[counter::CMDS as usize] += 1;
            if cpl.status != cpl_status::OK {
                self.counters[counter::CMD_ERRORS as usize] += 1;
            }
            let cslot = (self.cpl_prod % shell::CMD_ENTRIES) as usize;
            put_pod(&mut *self.mem, shell::CPL_RING_OFF as usize + cslot * 80, &cpl);
            self.cpl_prod = self.cpl_prod.wrapping_add(1);
        }
    }

    fn run_command(&mut self, c: &CmdEntry, out: &mut [u8; shell::CMD_DATA]) -> u16 {
        match c.op {
            op::FENCE_BEGIN => {
                self.fenced = true;
                // Drain: everything admitted so far leaves before any entry changes.
                self.core.run(RUN_CLOCKS);
                self.collect();
                return cpl_status::OK;
            }
            op::FENCE_COMMIT => {
                self.generation = c.index;
                self.fenced = false;
                return cpl_status::OK;
            }
            op::WRITE | op::READ | op::DELETE => {}
            _ => return cpl_status::BAD_OP,
        }
        let Some(&table) = Table::ALL.iter().find(|t| t.id() == u32::from(c.table)) else {
            return cpl_status::BAD_TABLE;
        };
        let index = c.index as usize;
        if table == Table::Session && c.op != op::READ && self.core.busy() {
            self.session_writes_in_flight += 1;
        }
        let result = match c.op {
            op::WRITE => {
                if c.len as usize != table.entry_bytes() {
                    return cpl_status::BAD_LEN;
                }
                let data = &c.data[..table.entry_bytes()];
                if table == Table::Session {
                    let e: SessionEntry = bytemuck::pod_read_unaligned(data);
                    let valid = e.flags & session_flags::VALID != 0;
                    if valid && !self.valid_sessions.contains(&index) {
                        if let Some(limit) = self.faults.session_limit {
                            if self.valid_sessions.len() >= limit {
                                return cpl_status::TABLE_FULL;
                            }
                        }
                    }
                    let r = self.core.write_entry(table, index, data);
                    if r.is_ok() {
                        if valid {
                            self.valid_sessions.insert(index);
                        } else {
                            self.valid_sessions.remove(&index);
                        }
                    }
                    r
                } else {
                    self.core.write_entry(table, index, data)
                }
            }
            op::READ => self.core.read_entry(table, index).map(|b| {
                let n = b.len().min(out.len());
                out[..n].copy_from_slice(&b[..n]);
            }),
            _ => {
                let r = self.core.delete_entry(table, index);
                if r.is_ok() && table == Table::Session {
                    self.valid_sessions.remove(&index);
                }
                r
            }
        };
        match result {
            Ok(()) => cpl_status::OK,
            Err(SimError::Table { status: regs::tbl_status::BAD_TABLE, .. }) => cpl_status::BAD_TABLE,
            Err(SimError::Table { status: regs::tbl_status::BAD_INDEX, .. }) => cpl_status::BAD_INDEX,
            Err(_) => cpl_status::DEVICE_ERROR,
        }
    }
}

/// The simulated card: a cheap handle (clones share the device), so a test or `nicctl`
/// can hold the cable ends while the driver owns the [`Device`].
#[derive(Clone)]
pub struct SimCard {
    model: Arc<Mutex<Model>>,
}

impl std::fmt::Debug for SimCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimCard").finish_non_exhaustive()
    }
}

impl SimCard {
    /// A card out of power-on reset; an error in a build without Verilator.
    pub fn new() -> std::result::Result<Self, SimError> {
        Self::with_memory(Box::new(vec![0u8; shell::BAR_SIZE as usize]))
    }

    /// A card whose ring memory is `mem` (at least [`shell::BAR_SIZE`] bytes), e.g. an
    /// `ivshmem` file a guest maps as the BAR.
    pub(crate) fn with_memory(mem: Box<dyn ShellMem>) -> std::result::Result<Self, SimError> {
        Ok(SimCard { model: Arc::new(Mutex::new(Model::new(mem)?)) })
    }

    /// Reads entry `index` of `table` straight from the core (a test's view of what the
    /// card holds, beside the driver's read-back through the command ring).
    pub fn read_entry(&self, table: Table, index: usize) -> std::result::Result<Vec<u8>, SimError> {
        self.lock().core.read_entry(table, index)
    }

    fn lock(&self) -> MutexGuard<'_, Model> {
        // A panic in another holder leaves plain data behind; keep going.
        self.model.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A frame arrives on wire `port` (held by the shell while a load is fenced).
    pub fn wire_send(&self, port: u8, frame: &[u8]) {
        let mut m = self.lock();
        if !m.faults.hung {
            m.wire_in.push_back((port, frame.to_vec()));
        }
    }

    /// Frames that left on wire ports, in order.
    pub fn wire_take(&self) -> Vec<(u8, Vec<u8>)> {
        std::mem::take(&mut self.lock().wire_out)
    }

    /// How many clocks the core runs at most each time the device works ([`SimCard::run`],
    /// a doorbell): by default ([`RUN_CLOCKS`]) until idle; a few clocks let the driver
    /// serve punts and install sessions while later frames are in the pipeline.
    pub fn set_run_clocks(&self, clocks: u64) {
        self.lock().run_clocks = clocks.max(1);
    }

    /// Whether the device has nothing left to do: no frame on a cable or in the core,
    /// no punt held or in the ring for the driver.
    pub fn idle(&self) -> bool {
        let mut m = self.lock();
        m.wire_in.is_empty() && m.punt_hold.is_empty() && m.punt_prod == m.punt_cons && !m.core.busy()
    }

    /// Session entries written or deleted through the command ring while frames were in
    /// the core (each such write races the packets in flight).
    pub fn session_writes_in_flight(&self) -> u64 {
        self.lock().session_writes_in_flight
    }

    /// Lets the device work (admit, clock, move punts to the ring) once.
    pub fn run(&self) {
        let mut m = self.lock();
        if !m.faults.hung {
            m.service();
        }
    }

    /// Runs `f` on the core itself, past the shell: clock-level benches queue frames back
    /// to back on its ports and take the outputs with the clock they left at.
    pub fn with_core<R>(&self, f: impl FnOnce(&mut Core) -> R) -> R {
        f(&mut self.lock().core)
    }

    /// Core clocks elapsed.
    pub fn cycles(&self) -> u64 {
        self.lock().core.cycles()
    }

    /// A core register read straight from the core (a test's view of its counters,
    /// beside the driver's reads through the core window).
    pub fn core_counter(&self, addr: u32) -> u64 {
        u64::from(self.lock().core.reg_read(addr))
    }

    /// Changes the injected faults.
    pub fn faults(&self, f: impl FnOnce(&mut Faults)) {
        f(&mut self.lock().faults);
    }
}

impl Device for SimCard {
    fn backend(&self) -> &'static str {
        "sim"
    }
    fn bar0_len(&self) -> u64 {
        u64::from(shell::BAR_SIZE)
    }
    fn read32(&self, offset: u32) -> Result<u32> {
        check_reg(0, u64::from(offset), self.bar0_len())?;
        let mut m = self.lock();
        if m.faults.hung {
            return Ok(u32::MAX);
        }
        Ok(m.read(offset))
    }
    fn write32(&self, offset: u32, value: u32) -> Result<()> {
        check_reg(0, u64::from(offset), self.bar0_len())?;
        let mut m = self.lock();
        if !m.faults.hung {
            m.write(offset, value);
        }
        Ok(())
    }
    fn alloc_dma(&self, _len: usize) -> Result<DmaBuffer> {
        // The shell keeps its rings in the BAR; there is no bus master to give memory to.
        Err(Error::Unsupported { backend: "sim", op: "DMA allocation (rings are in BAR0)" })
    }
    fn irq_vectors(&self) -> usize {
        0
    }
    fn wait_irq(&self, _vector: usize, _timeout: Duration) -> Result<u64> {
        Err(Error::Unsupported { backend: "sim", op: "interrupt wait (poll the producer indices)" })
    }
}
