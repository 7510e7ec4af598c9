//! A node in offload mode on the simulated card, with the card's cables in hand: the
//! driver ([`host_driver::node::Node`], exactly as it drives a real card) owns the
//! device; the testbed plays the world around it — frames arriving on the wire go onto
//! the card's cables, frames from the pods' TAPs go to the driver, and what leaves on
//! the wire is taken off the cables.
//!
//! The co-simulation tests, `nicctl run --device sim` and `nicctl serve --device sim`
//! all run the card this way, so the path they check is the path users run.

use host_driver::node::{Node, NodeOptions};
use host_driver::shell::DriverError;
use offload_tables::layout::{if_kind, NONE16};
use offload_tables::reasons::{DropReason, PuntReason};
use offload_tables::regs;
use offload_tables::Tables;
use sw_fallback::{PacketBuf, Tx};

use crate::{SimCard, SimError};

/// Why a testbed could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TestbedError {
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error(transparent)]
    Driver(#[from] DriverError),
}

/// What the testbed saw leave, beyond the driver's own [`host_driver::node::NodeStats`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestbedStats {
    /// Frames taken off the wire cables (forwarded by the NIC, or injected by the driver).
    pub wire_out: u64,
    /// Frames processed in software after the node fell back, because the device never
    /// saw them.
    pub replayed_in_software: u64,
}

/// A node on the simulated card; see the module docs.
pub struct Testbed {
    /// The driver's node (its `dp` is the software path for misses).
    pub node: Node,
    /// The card (a handle: the node holds the same device).
    pub card: SimCard,
    pub stats: TestbedStats,
    host_out: Vec<Tx>,
}

impl Testbed {
    /// A card out of reset with `tables` loaded by the driver (probe, fenced load,
    /// read-back).
    pub fn new(tables: Tables, opts: &NodeOptions) -> Result<Self, TestbedError> {
        let card = SimCard::new()?;
        let node = Node::with_device(Box::new(card.clone()), tables, opts)?;
        Ok(Testbed { node, card, stats: TestbedStats::default(), host_out: Vec::new() })
    }

    /// The wire port of an uplink, if `sw` is one the card has.
    pub fn wire_port(&self, sw: u16) -> Option<u8> {
        let t = &self.node.dp.tables;
        t.interface(sw).filter(|i| i.kind == if_kind::UPLINK && usize::from(i.port) < crate::N_PORTS).map(|i| i.port)
    }

    fn uplink_of_port(&self, port: u8) -> u16 {
        let t = &self.node.dp.tables;
        t.interfaces.iter().find(|i| i.kind == if_kind::UPLINK && i.port == port).map_or(NONE16, |i| i.sw_if_index)
    }

    /// A frame arrives on interface `rx` at `now_ns`: an uplink's frame on its wire
    /// port's cable, any other from the host through the driver. The card and the driver
    /// then work until both are idle; returns what left the node, as
    /// `(sw_if_index, frame)`: the wire's frames and the host's, each in the order they
    /// left (the two sides are independent).
    pub fn process(&mut self, rx: u16, frame: &[u8], now_ns: u64) -> Vec<(u16, Vec<u8>)> {
        let mut out = Vec::new();
        self.host_out.clear();
        let offloading = self.node.offloading();
        match self.wire_port(rx) {
            Some(p) if offloading => {
                self.card.wire_send(p, frame);
                self.card.run();
                self.poll(now_ns);
            }
            _ => {
                let pkt = self.node.dp.pool.frame(frame);
                self.node.receive(rx, pkt, now_ns, &mut self.host_out);
            }
        }
        self.take_wire(&mut out);
        let seen = !out.is_empty() || !self.host_out.is_empty();
        if offloading && !self.node.offloading() && !seen {
            // The device died with the frame: the node carries on in software.
            self.stats.replayed_in_software += 1;
            let pkt = self.node.dp.pool.frame(frame);
            self.node.receive(rx, pkt, now_ns, &mut self.host_out);
        }
        out.extend(self.host_out.drain(..).map(|t| (t.sw_if_index, t.pkt.frame().to_vec())));
        out
    }

    /// Serves punts the card holds (a real card's arrive any time).
    pub fn poll(&mut self, now_ns: u64) {
        if let Err(e) = self.node.poll(now_ns, &mut self.host_out) {
            self.node.fall_back(&e);
        }
    }

    fn take_wire(&mut self, out: &mut Vec<(u16, Vec<u8>)>) {
        for (p, f) in self.card.wire_take() {
            self.stats.wire_out += 1;
            out.push((self.uplink_of_port(p), f));
        }
    }

    /// Frames the NIC sent to the wire on its own (not injected by the driver).
    pub fn nic_wire_forwarded(&self) -> u64 {
        self.stats.wire_out.saturating_sub(self.node.stats.injected)
    }

    /// A core counter register (`regs::CNT_*`), read by the test through the card.
    pub fn core_counter(&self, addr: u32) -> u64 {
        self.card.core_counter(addr)
    }

    /// Packets the core punted, per reason.
    pub fn core_punts(&self) -> Vec<(PuntReason, u64)> {
        PuntReason::ALL.iter().map(|&r| (r, self.core_counter(regs::CNT_PUNT + 4 * u32::from(r.code())))).collect()
    }

    /// Packets the core dropped, per `DropReason` code.
    pub fn core_drops(&self) -> Vec<u64> {
        (0..DropReason::COUNT as u32).map(|r| self.core_counter(regs::CNT_DROP + 4 * r)).collect()
    }
}

/// The software-only node's answer to one frame, in the testbed's form.
pub fn software(dp: &mut sw_fallback::Dataplane, rx: u16, frame: &[u8], now_ns: u64) -> Vec<(u16, Vec<u8>)> {
    let mut txs = Vec::new();
    dp.process(rx, PacketBuf::from_frame(frame), now_ns, &mut txs);
    txs.into_iter().map(|t| (t.sw_if_index, t.pkt.frame().to_vec())).collect()
}

/// Output lists compared as the wire and the host see them: per interface, in order
/// (the relative order of frames on different interfaces is not observable).
pub fn per_interface(out: &[(u16, Vec<u8>)]) -> std::collections::BTreeMap<u16, Vec<&[u8]>> {
    let mut m = std::collections::BTreeMap::<u16, Vec<&[u8]>>::new();
    for (sw, f) in out {
        m.entry(*sw).or_default().push(f);
    }
    m
}
