//! The RTL core under Verilator: its clock, its register port and its packet ports
//! (512-bit beats with keep/last, the punt port's metadata), as the shell sees them.
//!
//! A 512-bit beat is `[u32; 16]` (word `w` holds wire bytes `4w..4w+4`, byte `4w` lowest).

use crate::memory::{Memory, MemoryParams, MemoryStats};
use crate::SimError;
use offload_tables::reasons::DropReason;
use offload_tables::regs::{self, Table};
use std::collections::VecDeque;

/// Wire ports of the model (`N_PORTS` of `offload_top`).
pub const N_PORTS: usize = crate::sys::NP;

/// log2 session buckets of the model (8 entries each): its session table's size.
pub const SESS_BUCKET_BITS: u32 = parse_u32(env!("SIM_SESS_BUCKET_BITS"));

const fn parse_u32(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut i = 0;
    let mut v = 0;
    while i < b.len() {
        v = v * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    v
}

/// Where a packet enters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InPort {
    Wire(u8),
    /// Host inject port with its metadata word (`regs::meta`).
    Inject(u64),
}

/// Where a packet left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutPort {
    Wire(u8),
    Punt,
}

/// A packet that left the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutPacket {
    pub port: OutPort,
    pub data: Vec<u8>,
    /// Punt metadata (`regs::meta`), 0 on wire ports.
    pub meta: u64,
    /// Clock at which its first beat left.
    pub cycle: u64,
}

struct Pending {
    data: Vec<u8>,
    off: usize,
    user: u64,
}

/// The RTL core.
pub struct Core {
    model: crate::sys::Model,
    i: crate::sys::In,
    o: crate::sys::Out,
    cycle: u64,
    rx: [VecDeque<Pending>; N_PORTS + 1],
    asm: [Vec<u8>; N_PORTS + 1],
    asm_meta: u64,
    asm_start: [u64; N_PORTS + 1],
    out: Vec<OutPacket>,
    /// Beats accepted at the inputs, for throughput figures.
    pub beats_in: u64,
    /// The value last written to `CONTROL`.
    control: u32,
    /// Random output backpressure: each clock every output is ready with this
    /// probability (percent), drawn from `bp_state` (xorshift); `None`: always ready.
    backpressure: Option<(u32, u64)>,
    /// The card's external memory: the session entries behind the core's AXI ports.
    memory: Memory,
    /// Clock each packet's first beat went in, per input (latency figures).
    entered: [Vec<u64>; N_PORTS + 1],
}

fn beat_words(bytes: &[u8]) -> ([u32; 16], u64) {
    let mut w = [0u32; 16];
    for (i, b) in bytes.iter().enumerate() {
        w[i / 4] |= u32::from(*b) << (8 * (i % 4));
    }
    let keep = if bytes.len() >= 64 { u64::MAX } else { (1u64 << bytes.len()) - 1 };
    (w, keep)
}

fn push_beat(v: &mut Vec<u8>, w: &[u32; 16], keep: u64) {
    let n = keep.count_ones() as usize;
    for i in 0..n {
        v.push((w[i / 4] >> (8 * (i % 4))) as u8);
    }
}

impl Core {
    /// A model out of reset, pipeline enabled, every output ready; an error in a build
    /// without Verilator.
    pub fn new() -> Result<Self, SimError> {
        let mut s = Core {
            model: crate::sys::Model::new().ok_or(SimError::NoModel)?,
            i: crate::sys::In::default(),
            o: crate::sys::Out::default(),
            cycle: 0,
            rx: Default::default(),
            asm: Default::default(),
            asm_meta: 0,
            asm_start: [0; N_PORTS + 1],
            out: Vec::new(),
            beats_in: 0,
            control: 0,
            backpressure: None,
            memory: Memory::new(8 << SESS_BUCKET_BITS, MemoryParams::default()),
            entered: Default::default(),
        };
        s.i.rst = 1;
        for _ in 0..4 {
            s.tick();
        }
        s.i.rst = 0;
        s.i.tx_ready = [1; N_PORTS];
        s.i.punt_ready = 1;
        s.tick();
        s.set_control(regs::control::ENABLE);
        Ok(s)
    }

    /// Writes `CONTROL` (its self-clearing bits act once).
    pub fn set_control(&mut self, value: u32) {
        self.control = value & !regs::control::CLEAR_COUNTERS;
        self.reg_write(regs::CONTROL, value);
    }

    /// Clocks elapsed.
    pub fn cycles(&self) -> u64 {
        self.cycle
    }

    /// Records every signal from now on into the FST waveform `path` (GTKWave opens it);
    /// needs the cargo feature `waves`.
    pub fn write_waves(&mut self, path: &std::path::Path) -> Result<(), SimError> {
        let c = c_path(path)?;
        match self.model.waves_open(&c) {
            0 => Ok(()),
            -1 => Err(SimError::NotInstrumented { what: format!("waveform {}", path.display()), feature: "waves" }),
            _ => Err(SimError::Instrument(path.display().to_string())),
        }
    }

    /// Writes the line and toggle coverage counted so far (`verilator_coverage` reads it);
    /// needs the cargo feature `coverage`.
    pub fn write_coverage(&mut self, path: &std::path::Path) -> Result<(), SimError> {
        let c = c_path(path)?;
        match self.model.coverage_write(&c) {
            0 => Ok(()),
            _ => Err(SimError::NotInstrumented { what: format!("coverage {}", path.display()), feature: "coverage" }),
        }
    }

    /// Sets whether the outputs accept beats (back-pressure tests).
    pub fn set_ready(&mut self, wire: [bool; N_PORTS], punt: bool) {
        self.i.tx_ready = wire.map(u8::from);
        self.i.punt_ready = u8::from(punt);
    }

    /// Random output backpressure from now on: each clock each output (every wire port,
    /// the punt port) takes a beat with probability `ready_pct` percent, drawn from a
    /// generator seeded with `seed`; `ready_pct` 100 makes every output ready again.
    pub fn set_backpressure(&mut self, ready_pct: u32, seed: u64) {
        self.backpressure = (ready_pct < 100).then_some((ready_pct, seed | 1));
        if ready_pct >= 100 {
            self.set_ready([true; N_PORTS], true);
        }
    }

    /// One clock: drive queued beats, collect output beats.
    pub fn tick(&mut self) {
        if let Some((pct, state)) = &mut self.backpressure {
            let mut draw = || {
                *state ^= *state << 13;
                *state ^= *state >> 7;
                *state ^= *state << 17;
                (*state % 100) < u64::from(*pct)
            };
            let wire: [bool; N_PORTS] = std::array::from_fn(|_| draw());
            let punt = draw();
            self.set_ready(wire, punt);
        }
        for p in 0..=N_PORTS {
            let (w, keep, last, valid) = match self.rx[p].front() {
                Some(pk) => {
                    let end = (pk.off + 64).min(pk.data.len());
                    let (w, k) = beat_words(&pk.data[pk.off..end]);
                    (w, k, u8::from(end == pk.data.len()), 1u8)
                }
                None => ([0; 16], 0, 0, 0),
            };
            if p < N_PORTS {
                (self.i.rx_data[p], self.i.rx_keep[p], self.i.rx_last[p], self.i.rx_valid[p]) = (w, keep, last, valid);
            } else {
                (self.i.inj_data, self.i.inj_keep, self.i.inj_last, self.i.inj_valid) = (w, keep, last, valid);
                self.i.inj_user = self.rx[p].front().map_or(0, |pk| pk.user);
            }
        }
        self.memory.drive(&mut self.i);
        self.model.tick(&self.i, &mut self.o);
        self.memory.clock(&self.i, &self.o, self.cycle);
        self.i.reg_wr = 0;
        self.i.reg_rd = 0;
        for p in 0..=N_PORTS {
            let ready = if p < N_PORTS { self.o.rx_ready[p] } else { self.o.inj_ready };
            let valid = if p < N_PORTS { self.i.rx_valid[p] } else { self.i.inj_valid };
            if ready != 0 && valid != 0 {
                self.beats_in += 1;
                let pk = self.rx[p].front_mut().expect("valid only with a packet");
                if pk.off == 0 {
                    self.entered[p].push(self.cycle);
                }
                pk.off += 64;
                if pk.off >= pk.data.len() {
                    self.rx[p].pop_front();
                }
            }
        }
        for p in 0..N_PORTS {
            if self.o.tx_valid[p] != 0 && self.i.tx_ready[p] != 0 {
                if self.asm[p].is_empty() {
                    self.asm_start[p] = self.cycle;
                }
                push_beat(&mut self.asm[p], &self.o.tx_data[p], self.o.tx_keep[p]);
                if self.o.tx_last[p] != 0 {
                    let data = std::mem::take(&mut self.asm[p]);
                    self.out.push(OutPacket { port: OutPort::Wire(p as u8), data, meta: 0, cycle: self.asm_start[p] });
                }
            }
        }
        if self.o.punt_valid != 0 && self.i.punt_ready != 0 {
            if self.asm[N_PORTS].is_empty() {
                self.asm_start[N_PORTS] = self.cycle;
                self.asm_meta = self.o.punt_user;
            }
            push_beat(&mut self.asm[N_PORTS], &self.o.punt_data, self.o.punt_keep);
            if self.o.punt_last != 0 {
                let data = std::mem::take(&mut self.asm[N_PORTS]);
                let cycle = self.asm_start[N_PORTS];
                self.out.push(OutPacket { port: OutPort::Punt, data, meta: self.asm_meta, cycle });
            }
        }
        self.cycle += 1;
    }

    /// Writes a register (one clock).
    pub fn reg_write(&mut self, addr: u32, value: u32) {
        self.i.reg_addr = addr as u16;
        self.i.reg_wdata = value;
        self.i.reg_wr = 1;
        self.tick();
    }

    /// Reads a register (two clocks: the read data is registered).
    pub fn reg_read(&mut self, addr: u32) -> u32 {
        self.i.reg_addr = addr as u16;
        self.i.reg_rd = 1;
        self.tick();
        self.tick();
        self.o.reg_rdata
    }

    /// Queues a frame on an input; it enters as the model accepts beats.
    pub fn send(&mut self, port: InPort, frame: &[u8]) {
        let (p, user) = match port {
            InPort::Wire(p) => (usize::from(p), 0),
            InPort::Inject(m) => (N_PORTS, m),
        };
        assert!(p <= N_PORTS && !frame.is_empty());
        self.rx[p].push_back(Pending { data: frame.to_vec(), off: 0, user });
    }

    /// Whether frames are waiting to enter, are in the pipeline or half left (reads
    /// `STATUS`: two clocks).
    pub fn busy(&mut self) -> bool {
        self.inputs_pending()
            || !self.memory.idle()
            || self.asm.iter().any(|a| !a.is_empty())
            || self.reg_read(regs::STATUS) & regs::status::BUSY != 0
    }

    /// Whether frames are still waiting to enter.
    pub fn inputs_pending(&self) -> bool {
        self.rx.iter().any(|q| !q.is_empty())
    }

    /// Clocks until every queued frame has entered and left (or was dropped): no input
    /// waiting, no output half assembled, `STATUS.BUSY` clear; at most `max` clocks.
    pub fn run(&mut self, max: u64) {
        let start = self.cycle;
        while self.cycle - start < max {
            self.tick();
            if !self.inputs_pending()
                && self.asm.iter().all(|a| a.is_empty())
                && self.memory.idle()
                && self.reg_read(regs::STATUS) & regs::status::BUSY == 0
            {
                break;
            }
        }
    }

    /// Takes the clocks at which the packets that went in on `input` since the last call
    /// had their first beat taken, in order.
    pub fn take_entry_cycles(&mut self, input: InPort) -> Vec<u64> {
        let p = match input {
            InPort::Wire(p) => usize::from(p),
            InPort::Inject(_) => N_PORTS,
        };
        std::mem::take(&mut self.entered[p])
    }

    /// Takes the packets that left so far.
    pub fn take_output(&mut self) -> Vec<OutPacket> {
        std::mem::take(&mut self.out)
    }

    // ---- table programming through the staging registers ----

    /// Writes one entry (its bytes, the `offload_tables::layout` layout) atomically.
    pub fn write_entry(&mut self, table: Table, index: usize, bytes: &[u8]) -> Result<(), SimError> {
        for (w, v) in regs::entry_words(bytes).into_iter().enumerate() {
            self.reg_write(regs::TBL_DATA + 4 * w as u32, v);
        }
        self.command(table, index, regs::cmd::WRITE)
    }

    /// Reads one entry back.
    pub fn read_entry(&mut self, table: Table, index: usize) -> Result<Vec<u8>, SimError> {
        self.command(table, index, regs::cmd::READ)?;
        self.tick();
        let n = table.entry_bytes().div_ceil(4);
        let words: Vec<u32> = (0..n).map(|w| self.reg_read(regs::TBL_DATA + 4 * w as u32)).collect();
        Ok(regs::words_entry(&words, table.entry_bytes()))
    }

    /// Deletes (zeroes) one entry.
    pub fn delete_entry(&mut self, table: Table, index: usize) -> Result<(), SimError> {
        self.command(table, index, regs::cmd::DELETE)
    }

    /// Runs a table command: again while the session table's queue is full (BUSY), and
    /// until a read of external memory has landed (PENDING).
    fn command(&mut self, table: Table, index: usize, cmd: u32) -> Result<(), SimError> {
        // more clocks than any queue and memory round trip take
        const PATIENCE: u64 = 1_000_000;
        self.reg_write(regs::TBL_SEL, table.id());
        self.reg_write(regs::TBL_INDEX, index as u32);
        let start = self.cycle;
        self.reg_write(regs::TBL_CMD, cmd);
        let mut status = self.reg_read(regs::TBL_STATUS);
        while matches!(status, regs::tbl_status::BUSY | regs::tbl_status::PENDING) && self.cycle - start < PATIENCE {
            if status == regs::tbl_status::BUSY {
                self.reg_write(regs::TBL_CMD, cmd);
            }
            status = self.reg_read(regs::TBL_STATUS);
        }
        match status {
            regs::tbl_status::OK => Ok(()),
            status => Err(SimError::Table { table, index, status }),
        }
    }

    /// The external memory's shape and speed (the session entries').
    pub fn memory_params(&self) -> MemoryParams {
        self.memory.params()
    }

    /// Sets the external memory's shape and speed; waits for what is in flight first.
    pub fn set_memory_params(&mut self, params: MemoryParams) {
        while !self.memory.idle() {
            self.tick();
        }
        self.memory.set_params(params);
    }

    /// What the external memory did since the last [`Core::reset_memory_stats`].
    pub fn memory_stats(&self) -> &MemoryStats {
        self.memory.stats()
    }

    pub fn reset_memory_stats(&mut self) {
        self.memory.reset_stats();
    }

    /// Fault injection: the external memory answers the next `n` session lookups' reads
    /// with an error (SLVERR).
    pub fn fail_session_reads(&mut self, n: u64) {
        self.memory.fail_lookup_reads(n);
    }

    /// Entries of a table in this model (its `CAP` register).
    pub fn capacity(&mut self, table: Table) -> usize {
        self.reg_read(regs::CAP_BASE + 4 * table.id()) as usize
    }

    /// A counter register.
    pub fn counter(&mut self, addr: u32) -> u32 {
        self.reg_read(addr)
    }

    /// Packets the NIC dropped, per `DropReason` code (the `CNT_DROP` registers).
    pub fn drop_counts(&mut self) -> Vec<u64> {
        (0..DropReason::COUNT as u32).map(|r| u64::from(self.reg_read(regs::CNT_DROP + 4 * r))).collect()
    }
}

/// A path as the C shim takes it.
fn c_path(path: &std::path::Path) -> Result<std::ffi::CString, SimError> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| SimError::Instrument(path.display().to_string()))
}

/// With the cargo feature `coverage` and `OFFLOAD_COVERAGE_DIR` set, each model writes
/// its coverage there when it goes (`hw-rtl/coverage.sh` merges and summarises them).
#[cfg(feature = "coverage")]
impl Drop for Core {
    fn drop(&mut self) {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        if let Some(dir) = std::env::var_os("OFFLOAD_COVERAGE_DIR") {
            let n = N.fetch_add(1, Ordering::Relaxed);
            let path = std::path::Path::new(&dir).join(format!("coverage-{}-{n}.dat", std::process::id()));
            if let Err(e) = self.write_coverage(&path) {
                eprintln!("{e}");
            }
        }
    }
}
