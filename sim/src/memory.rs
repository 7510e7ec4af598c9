//! The card's external memory, where the session table's entries live: a model of HBM
//! (or DDR) behind the core's AXI4 ports, served from host memory.
//!
//! The core has one read port per session lookup engine (`N_LOOKUPS`) and a management
//! port (writes and the driver's read-back). Requests go to **channels** (HBM's
//! pseudo-channels) by address: entry `(bucket, way)` is at byte `(bucket * 8 + way) * 64`
//! and channel `bucket % channels`, so a bucket's eight ways share a channel and the
//! buckets interleave over all of them. Each channel:
//! - starts at most one 64-byte access per clock (its bandwidth: one beat per clock),
//!   and keeps at most `in_flight` accesses started and not finished;
//! - finishes each access `latency` clocks after it started, in the order it started
//!   them (reads and writes alike, so a read after a write to a channel sees it);
//! - takes requests into an unbounded command queue (the ready signals are always 1):
//!   a request waiting there for its channel adds to its latency.
//!
//! A port returns one beat per clock; a finished read waits in its port's queue.
//!
//! Defaults ([`MemoryParams::default`]) resemble the HBM2 of an Alveo U280 seen from a
//! 250 MHz core: 32 pseudo-channels, 100 clocks (400 ns) from request to data, 64
//! accesses in flight per channel. The latency is of the order published measurements
//! of the U280's HBM report under load (hundreds of ns through its switch), not a
//! datasheet figure; the benches sweep it.

use crate::sys::{In, Out, NL};
use std::collections::VecDeque;

/// The memory's shape and speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryParams {
    /// Channels the buckets interleave over (a power of two).
    pub channels: usize,
    /// Clocks from an access's start to its data (or write response).
    pub latency: u64,
    /// Accesses a channel keeps started and unfinished.
    pub in_flight: usize,
}

impl Default for MemoryParams {
    fn default() -> Self {
        MemoryParams { channels: 32, latency: 100, in_flight: 64 }
    }
}

/// What the memory did: accesses per kind and the busiest channel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryStats {
    /// 64-byte reads by the lookup engines.
    pub lookup_reads: u64,
    /// 64-byte reads and writes by the management port.
    pub mgmt_reads: u64,
    pub mgmt_writes: u64,
    /// Accesses started per channel.
    pub per_channel: Vec<u64>,
    /// Most commands waiting in one channel's queue at once.
    pub max_queued: usize,
}

impl MemoryStats {
    /// Bytes moved (every access is one 64-byte beat).
    pub fn bytes(&self) -> u64 {
        64 * (self.lookup_reads + self.mgmt_reads + self.mgmt_writes)
    }
}

/// Who asked: a lookup port (with its AXI ID) or the management port.
#[derive(Clone, Copy, Debug)]
enum Requester {
    Lookup { port: usize, id: u16 },
    MgmtRead,
    MgmtWrite,
}

#[derive(Clone, Copy)]
struct Access {
    who: Requester,
    slot: usize,
    /// A write's entry words (the beat's low 384 bits).
    data: [u32; ENTRY_WORDS],
    /// Clock it finishes (once started).
    done_at: u64,
    /// Out of range: answered with DECERR, touching nothing.
    bad: bool,
}

/// Words of an entry in its 64-byte beat (the session entry's 384 bits).
const ENTRY_WORDS: usize = 12;

/// A read's answer on a port.
#[derive(Clone, Copy)]
struct Beat {
    id: u16,
    data: [u32; ENTRY_WORDS],
    resp: u8,
}

const OKAY: u8 = 0;
const SLVERR: u8 = 2;
const DECERR: u8 = 3;

/// The memory behind the core's session ports.
pub(crate) struct Memory {
    params: MemoryParams,
    /// Entries by slot (bucket * 8 + way).
    entries: Vec<[u32; ENTRY_WORDS]>,
    queued: Vec<VecDeque<Access>>,
    started: Vec<VecDeque<Access>>,
    lookup_out: [VecDeque<Beat>; NL],
    mgmt_out: VecDeque<Beat>,
    mgmt_b: VecDeque<u8>,
    /// Write addresses taken without their data yet, and data without an address.
    aw: VecDeque<u64>,
    w: VecDeque<[u32; ENTRY_WORDS]>,
    stats: MemoryStats,
    /// Lookup reads still to answer with SLVERR (fault injection).
    failing_reads: u64,
}

impl Memory {
    /// A zeroed memory for `slots` entries.
    pub fn new(slots: usize, params: MemoryParams) -> Self {
        assert!(params.channels.is_power_of_two() && params.latency >= 1 && params.in_flight >= 1);
        Memory {
            params,
            entries: vec![[0; ENTRY_WORDS]; slots],
            queued: vec![VecDeque::new(); params.channels],
            started: vec![VecDeque::new(); params.channels],
            lookup_out: Default::default(),
            mgmt_out: VecDeque::new(),
            mgmt_b: VecDeque::new(),
            aw: VecDeque::new(),
            w: VecDeque::new(),
            stats: MemoryStats { per_channel: vec![0; params.channels], ..Default::default() },
            failing_reads: 0,
        }
    }

    /// Answers the next `n` lookup reads with SLVERR (a fault of the memory).
    pub fn fail_lookup_reads(&mut self, n: u64) {
        self.failing_reads = n;
    }

    pub fn params(&self) -> MemoryParams {
        self.params
    }

    /// Changes the shape and speed; only between runs (nothing queued or in flight).
    pub fn set_params(&mut self, params: MemoryParams) {
        assert!(self.idle(), "memory parameters change only while nothing is in flight");
        *self = Memory { entries: std::mem::take(&mut self.entries), ..Memory::new(0, params) };
        self.stats.per_channel = vec![0; params.channels];
    }

    pub fn stats(&self) -> &MemoryStats {
        &self.stats
    }

    pub fn reset_stats(&mut self) {
        self.stats = MemoryStats { per_channel: vec![0; self.params.channels], ..Default::default() };
    }

    /// Nothing queued, in flight or waiting to be returned.
    pub fn idle(&self) -> bool {
        self.queued.iter().chain(&self.started).all(VecDeque::is_empty)
            && self.lookup_out.iter().all(VecDeque::is_empty)
            && self.mgmt_out.is_empty()
            && self.mgmt_b.is_empty()
            && self.aw.is_empty()
            && self.w.is_empty()
    }

    /// This clock's answers on the core's inputs: each port's oldest waiting beat.
    pub fn drive(&self, i: &mut In) {
        for p in 0..NL {
            let b = self.lookup_out[p].front();
            i.sess_rvalid[p] = u8::from(b.is_some());
            if let Some(b) = b {
                i.sess_rid[p] = b.id;
                i.sess_rresp[p] = b.resp;
                i.sess_rdata[p] = beat_words(&b.data);
            }
        }
        let b = self.mgmt_out.front();
        i.mgmt_rvalid = u8::from(b.is_some());
        if let Some(b) = b {
            i.mgmt_rresp = b.resp;
            i.mgmt_rdata = beat_words(&b.data);
        }
        i.mgmt_bvalid = u8::from(!self.mgmt_b.is_empty());
        i.mgmt_bresp = self.mgmt_b.front().copied().unwrap_or(OKAY);
    }

    /// The clock's edge at `now`: takes the requests the core made and the responses it
    /// took (sampled before the edge), then advances the channels.
    pub fn clock(&mut self, i: &In, o: &Out, now: u64) {
        for p in 0..NL {
            if i.sess_rvalid[p] != 0 && o.sess_rready[p] != 0 {
                self.lookup_out[p].pop_front();
            }
            if o.sess_arvalid[p] != 0 {
                self.request(Requester::Lookup { port: p, id: o.sess_arid[p] }, o.sess_araddr[p], [0; ENTRY_WORDS]);
            }
        }
        if i.mgmt_rvalid != 0 && o.mgmt_rready != 0 {
            self.mgmt_out.pop_front();
        }
        if i.mgmt_bvalid != 0 && o.mgmt_bready != 0 {
            self.mgmt_b.pop_front();
        }
        if o.mgmt_arvalid != 0 {
            self.request(Requester::MgmtRead, o.mgmt_araddr, [0; ENTRY_WORDS]);
        }
        if o.mgmt_awvalid != 0 {
            self.aw.push_back(o.mgmt_awaddr);
        }
        if o.mgmt_wvalid != 0 {
            let mut d = [0; ENTRY_WORDS];
            d.copy_from_slice(&o.mgmt_wdata[..ENTRY_WORDS]);
            self.w.push_back(d);
        }
        while !self.aw.is_empty() && !self.w.is_empty() {
            let (a, d) = (self.aw.pop_front().unwrap(), self.w.pop_front().unwrap());
            self.request(Requester::MgmtWrite, a, d);
        }
        for c in 0..self.params.channels {
            self.stats.max_queued = self.stats.max_queued.max(self.queued[c].len());
            // finish what is due, in start order
            while self.started[c].front().is_some_and(|a| a.done_at <= now) {
                let a = self.started[c].pop_front().unwrap();
                self.finish(a);
            }
            // start one access
            if self.started[c].len() < self.params.in_flight {
                if let Some(mut a) = self.queued[c].pop_front() {
                    a.done_at = now + self.params.latency;
                    self.stats.per_channel[c] += 1;
                    self.started[c].push_back(a);
                }
            }
        }
    }

    fn request(&mut self, who: Requester, addr: u64, data: [u32; ENTRY_WORDS]) {
        let slot = (addr >> 6) as usize;
        let bad = !addr.is_multiple_of(64) || slot >= self.entries.len();
        let channel = (slot / 8) & (self.params.channels - 1);
        match who {
            Requester::Lookup { .. } => self.stats.lookup_reads += 1,
            Requester::MgmtRead => self.stats.mgmt_reads += 1,
            Requester::MgmtWrite => self.stats.mgmt_writes += 1,
        }
        self.queued[channel].push_back(Access { who, slot, data, done_at: 0, bad });
    }

    fn finish(&mut self, a: Access) {
        let resp = if a.bad { DECERR } else { OKAY };
        let read = |m: &Self| if a.bad { [0; ENTRY_WORDS] } else { m.entries[a.slot] };
        match a.who {
            Requester::Lookup { port, id } => {
                let data = read(self);
                let resp = if self.failing_reads > 0 {
                    self.failing_reads -= 1;
                    SLVERR
                } else {
                    resp
                };
                self.lookup_out[port].push_back(Beat { id, data, resp });
            }
            Requester::MgmtRead => {
                let data = read(self);
                self.mgmt_out.push_back(Beat { id: 0, data, resp });
            }
            Requester::MgmtWrite => {
                if !a.bad {
                    self.entries[a.slot] = a.data;
                }
                self.mgmt_b.push_back(resp);
            }
        }
    }
}

fn beat_words(entry: &[u32; ENTRY_WORDS]) -> [u32; 16] {
    let mut w = [0; 16];
    w[..ENTRY_WORDS].copy_from_slice(entry);
    w
}
