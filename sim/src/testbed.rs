//! A node in offload mode on the simulated card, with the card's cables in hand: the
//! driver ([`host_driver::node::Node`], exactly as it drives a real card) owns the
//! device; the testbed plays the world around it — frames arriving on the wire go onto
//! the card's cables, frames from the pods' TAPs go to the driver, and what leaves on
//! the wire is taken off the cables.
//!
//! The co-simulation tests, `nicctl run --device sim` and `nicctl serve --device sim`
//! all run the card this way, so the path they check is the path users run.

use host_driver::node::{Node, NodeOptions, PuntSeen};
use host_driver::shell::DriverError;
use offload_tables::layout::{if_kind, NONE16};
use offload_tables::reasons::{DropReason, PuntReason};
use offload_tables::regs::{self, meta};
use offload_tables::Tables;
use sw_fallback::host_work::HostWork;
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
    /// Per wire port: frames put on its cable, and taken off it.
    pub port_in: [u64; crate::N_PORTS],
    pub port_out: [u64; crate::N_PORTS],
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

    /// Keeps every punt's metadata from now on, for [`Decisions::packet`] to compare.
    pub fn log_punts(&mut self) {
        self.node.punt_log = Some(Vec::new());
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
                self.stats.port_in[usize::from(p)] += 1;
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

    /// Frames arriving on uplinks together at `now_ns`, `(rx, frame)`: they go onto
    /// their cables at once and enter the card back to back (a new packet every clock
    /// its input takes one), so many are in the pipeline at a time and a punted packet's
    /// session may be installed while later packets of its flow are in flight; the card
    /// and the driver work until both are idle. Returns what left the node, as
    /// [`Testbed::process`] does, for the whole burst (a punted frame's output may leave
    /// after those of later frames the NIC forwarded itself).
    ///
    /// The card works `slice` clocks at a time, the driver serving punts between slices
    /// (then the default again: until idle).
    ///
    /// Every `rx` must be an uplink the card has; a node that fell back to software
    /// processes the frames one by one.
    pub fn process_wire_burst(&mut self, frames: &[(u16, &[u8])], now_ns: u64, slice: u64) -> Vec<(u16, Vec<u8>)> {
        if !self.node.offloading() {
            return frames.iter().flat_map(|(rx, f)| self.process(*rx, f, now_ns)).collect();
        }
        let mut out = Vec::new();
        self.host_out.clear();
        for (rx, frame) in frames {
            let p = self.wire_port(*rx).unwrap_or_else(|| panic!("process_wire_burst: {rx} is no uplink of the card"));
            self.card.wire_send(p, frame);
            self.stats.port_in[usize::from(p)] += 1;
        }
        self.card.set_run_clocks(slice);
        loop {
            self.card.run();
            self.poll(now_ns);
            if self.card.idle() || !self.node.offloading() {
                break;
            }
        }
        self.card.set_run_clocks(crate::card::RUN_CLOCKS);
        self.take_wire(&mut out);
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
            self.stats.port_out[usize::from(p)] += 1;
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

    /// Drop reasons whose counts do not add up: the NIC's and the slow path's against
    /// `sw`'s, a software node that saw the same packets (empty when all agree).
    pub fn drops_disagreeing(&self, sw: &sw_fallback::Dataplane) -> Vec<String> {
        let nic_drops = self.core_drops();
        (sw.counters.drops.iter().enumerate())
            .filter_map(|(r, &want)| {
                let nic = nic_drops.get(r).copied().unwrap_or(0);
                let slow = self.node.dp.counters.drops[r];
                (nic + slow != want)
                    .then(|| format!("{:?}: NIC {nic} + slow path {slow}, software {want}", DropReason::ALL[r]))
            })
            .collect()
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

/// What the NIC decided, packet by packet, over a run: the co-simulation tests' and
/// `nicctl run --device sim`'s `nic-handled:` line.
#[derive(Clone, Debug, Default)]
pub struct Decisions {
    pub packets: u64,
    /// Decided by the NIC alone: forwarded to a wire, handed to the host for a host
    /// interface (a finished frame, `HostTx`), dropped.
    pub wire: u64,
    pub host: u64,
    pub dropped: u64,
    /// Punted to software (any reason but `HostTx`).
    pub punted: u64,
    /// Packets whose handling by the NIC disagreed with software's account of what they
    /// needed the host for (see [`Decisions::packet`]).
    pub mismatches: u64,
    /// `Exception` punts of packets software did no work outside the NIC's for: the
    /// NIC's conservative punts (an ACL list it holds only in part, say).
    pub unexplained_exceptions: u64,
    /// Packets the NIC decided alone by a session software found expired at that packet:
    /// the NIC holds an expired entry until the driver's next aging pass (see
    /// [`host_driver::node::Node::age`]), and the same mapping gives the same bytes.
    pub aging_lag: u64,
    /// The core's punts per reason (`PuntReason::ALL` order), summed over configs.
    pub reasons: [u64; PuntReason::COUNT],
    /// Punts per reason as the driver received them (with the punt log on).
    received: [u64; PuntReason::COUNT],
}

/// The testbed's counters before a packet (see [`Decisions::packet`]).
#[derive(Clone, Copy, Debug)]
pub struct Mark {
    punts: u64,
    wire: u64,
    host: u64,
}

impl Mark {
    pub fn of(tb: &Testbed) -> Mark {
        Mark { punts: tb.node.stats.punts, wire: tb.nic_wire_forwarded(), host: tb.node.stats.nic_host_tx }
    }

    /// The packet since this mark was punted to software (a `HostTx` frame is no punt).
    pub fn punted_since(&self, tb: &Testbed) -> bool {
        tb.node.stats.punts > self.punts
    }
}

/// What the NIC did with one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Wire,
    Host,
    Dropped,
    Punted,
}

impl Decisions {
    /// Classifies the packet received on `rx` and processed since `before`, and counts
    /// it. With `software` — what the software-only node needed the host for with the
    /// same packet ([`sw_fallback::Dataplane::host_work`]) — and the testbed's punt log on
    /// ([`Testbed::log_punts`]), the NIC's handling is checked against it: a packet the
    /// NIC decided alone needed nothing of the host; a punt's reason is one software
    /// names (an `Exception` may be conservative: counted apart), and its ingress
    /// interface and port are the packet's. A disagreement is counted and described.
    pub fn packet(
        &mut self,
        tb: &mut Testbed,
        before: Mark,
        rx: u16,
        software: Option<HostWork>,
    ) -> (Decision, Option<String>) {
        let d = self.classify(tb, before);
        let punts = tb.node.punt_log.as_mut().map(std::mem::take);
        for p in punts.iter().flatten() {
            if let Some(i) = PuntReason::ALL.iter().position(|&r| r == p.reason) {
                self.received[i] += 1;
            }
        }
        let (Some(work), Some(punts)) = (software, punts) else { return (d, None) };
        let verdict = punt_check(tb, rx, d, &punts, work);
        if let Some(log) = &mut tb.node.punt_log {
            // (the vector's capacity back for the next packet)
            *log = punts;
            log.clear();
        }
        match verdict {
            Ok(agreement) => {
                self.unexplained_exceptions += u64::from(agreement == Agreement::Conservative);
                self.aging_lag += u64::from(agreement == Agreement::AgingLag);
                (d, None)
            }
            Err(why) => {
                self.mismatches += 1;
                (d, Some(why))
            }
        }
    }

    fn classify(&mut self, tb: &Testbed, before: Mark) -> Decision {
        self.packets += 1;
        let d = if before.punted_since(tb) {
            Decision::Punted
        } else if tb.nic_wire_forwarded() > before.wire {
            Decision::Wire
        } else if tb.node.stats.nic_host_tx > before.host {
            Decision::Host
        } else {
            Decision::Dropped
        };
        *match d {
            Decision::Wire => &mut self.wire,
            Decision::Host => &mut self.host,
            Decision::Dropped => &mut self.dropped,
            Decision::Punted => &mut self.punted,
        } += 1;
        d
    }

    /// Adds another run's tally (runs in parallel, merged).
    pub fn add(&mut self, o: &Decisions) {
        self.packets += o.packets;
        self.wire += o.wire;
        self.host += o.host;
        self.dropped += o.dropped;
        self.punted += o.punted;
        self.mismatches += o.mismatches;
        self.unexplained_exceptions += o.unexplained_exceptions;
        self.aging_lag += o.aging_lag;
        for (a, b) in self.reasons.iter_mut().zip(o.reasons) {
            *a += b;
        }
    }

    /// Adds a card's punts per reason (its core counters) at the end of its run, and
    /// compares the core's counters with what the world around it saw: frames in and out
    /// of each wire port, frames in from the driver, punts per reason and in all (with
    /// the punt log on, for a tally of this card alone). Returns the disagreements.
    pub fn card_done(&mut self, tb: &Testbed) -> Vec<String> {
        let core = tb.core_punts();
        for (slot, (_, n)) in self.reasons.iter_mut().zip(&core) {
            *slot += n;
        }
        let mut bad = Vec::new();
        let mut check = |what: String, core: u64, seen: u64| {
            if core != seen {
                bad.push(format!("{what}: the core counted {core}, the testbed saw {seen}"));
            }
        };
        let np = crate::N_PORTS;
        for p in 0..np {
            check(format!("rx port {p}"), tb.core_counter(regs::CNT_RX + 4 * p as u32), tb.stats.port_in[p]);
            check(format!("tx port {p}"), tb.core_counter(regs::CNT_TX + 4 * p as u32), tb.stats.port_out[p]);
        }
        let st = &tb.node.stats;
        check("rx inject".into(), tb.core_counter(regs::CNT_RX + 4 * np as u32), st.injected + st.host_injected);
        if tb.node.punt_log.is_some() {
            let received: u64 = self.received.iter().sum();
            check("tx punt".into(), tb.core_counter(regs::CNT_TX + 4 * np as u32), received);
            for ((r, n), seen) in core.iter().zip(self.received) {
                check(format!("punts {r:?}"), *n, seen);
            }
        }
        bad
    }

    /// Share of the packets the NIC decided alone, in percent.
    pub fn handled_pct(&self) -> f64 {
        100.0 * (self.packets - self.punted) as f64 / self.packets.max(1) as f64
    }

    /// `nic-handled (MODEL, N packets): 97.3% (wire …, host …, drop …), punted 2.7% [reason
    /// share, …], mismatches: M` (frames that differed, plus punts that disagreed with
    /// software; `mismatches` counts the former).
    pub fn line(&self, model: &str, mismatches: u64) -> String {
        let mismatches = mismatches + self.mismatches;
        let pct = |n: u64| 100.0 * n as f64 / self.packets.max(1) as f64;
        let reasons: Vec<String> = PuntReason::ALL
            .iter()
            .zip(self.reasons)
            .filter(|(r, n)| *n > 0 && **r != PuntReason::HostTx)
            .map(|(r, n)| format!("{r:?} {:.2}", pct(n)))
            .collect();
        format!(
            "nic-handled ({model}, {} packets): {:.1}% (wire {:.1}%, host {:.1}%, drop {:.1}%), punted {:.1}% [{}], mismatches: {mismatches}, conservative exceptions: {}, aging lag: {}",
            self.packets,
            self.handled_pct(),
            pct(self.wire),
            pct(self.host),
            pct(self.dropped),
            pct(self.punted),
            reasons.join(", "),
            self.unexplained_exceptions,
            self.aging_lag
        )
    }
}

/// How the NIC's handling of a packet agreed with software's account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Agreement {
    Explained,
    /// An `Exception` punt software has no reason for.
    Conservative,
    /// Decided alone by an entry software found expired (see [`Decisions::aging_lag`]).
    AgingLag,
}

/// The NIC's punts of one packet against software's account of it (see
/// [`Decisions::packet`]).
fn punt_check(tb: &Testbed, rx: u16, d: Decision, punts: &[PuntSeen], work: HostWork) -> Result<Agreement, String> {
    let punt = punts.iter().find(|p| p.reason != PuntReason::HostTx);
    let Some(p) = punt else {
        let misses_only = work
            .reasons()
            .all(|r| matches!(r, PuntReason::NatSessionMiss | PuntReason::AclSessionMiss | PuntReason::TcpState));
        return if work.is_empty() {
            Ok(Agreement::Explained)
        } else if work.expired_session() && misses_only {
            Ok(Agreement::AgingLag)
        } else {
            Err(format!("the NIC decided alone ({d:?}) a packet software needed the host for: {work:?}"))
        };
    };
    if d != Decision::Punted || punts.iter().filter(|p| p.reason != PuntReason::HostTx).count() > 1 {
        return Err(format!("one packet, punts {punts:?} and decision {d:?}"));
    }
    let port = tb.wire_port(rx).map_or(meta::INJECT_PORT as u8, |p| p);
    if p.resume == meta::RESUME_START && (p.sw_if_index != rx || p.port != port) {
        return Err(format!("punt metadata {p:?}: ingress sw_if_index {rx} port {port} expected"));
    }
    if p.resume == meta::RESUME_VXLAN_OUTER {
        let kind = tb.node.dp.tables.interface(p.sw_if_index).map(|i| i.kind);
        if kind != Some(if_kind::VXLAN) {
            return Err(format!("punt metadata {p:?}: a resumed encap names no VXLAN tunnel"));
        }
    }
    match p.reason {
        r if work.contains(r) => Ok(Agreement::Explained),
        PuntReason::Exception => Ok(Agreement::Conservative),
        r => Err(format!("punted as {r:?}; software needed the host for {work:?}")),
    }
}
