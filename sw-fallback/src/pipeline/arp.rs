//! Neighbor handling: `arp-input`, `arp-reply` / `arp-proxy` and `ip4-glean`, with VPP's
//! semantics reduced to what a node with attached subnets and pod taps needs.
//!
//! - An ARP request for an interface's own address, or for one of its `proxy_arp`
//!   addresses (Contiv's pod gateway `169.254.1.1` on pod taps), is answered in place:
//!   the request's buffer becomes the reply. A BVI answers through its bridge domain.
//! - A request or reply addressed to us teaches the sender as a *learned* neighbor, when
//!   the sender is inside the interface's attached subnet (any sender on an interface
//!   without an address).
//! - A route that resolves to GLEAN (attached subnet, no static neighbor) consults the
//!   learned neighbors, an overlay over the rendered tables. On a miss the packet is held
//!   (at most [`HOLD_PER_NEIGHBOR`] per neighbor, [`MAX_PENDING`] neighbors), an ARP
//!   request goes out (repeated every [`REQUEST_INTERVAL_NS`] by
//!   [`Dataplane::neighbor_timers`]), and the reply releases the held packets through
//!   `ip4-rewrite`. Still unresolved after [`GLEAN_TIMEOUT_NS`]: each held packet is a
//!   counted [`DropReason::Glean`] drop, as is a packet that finds the queue full.
//!
//! Static neighbors always win (they render to adjacencies, never to GLEAN). Learned
//! neighbors do not age; a later ARP from the same address overwrites the MAC.

use super::{Dataplane, Tx};
use crate::buffer::PacketBuf;
use crate::counters::Node;
use crate::flow::Flow;
use crate::trace::ethernet_line;
use crate::wire::ethernet::fmt_mac;
use offload_tables::layout::{if_flags, AdjacencyEntry, InterfaceEntry};
use offload_tables::reasons::{DropReason, PuntReason};
use rustc_hash::FxHashMap;
use std::fmt::Write;
use std::net::Ipv4Addr;

/// Packets held per unresolved neighbor; more are dropped.
pub const HOLD_PER_NEIGHBOR: usize = 4;
/// Neighbors being resolved at once; a glean beyond that drops its packet.
pub const MAX_PENDING: usize = 256;
/// How long held packets wait for an ARP reply.
pub const GLEAN_TIMEOUT_NS: u64 = 1_000_000_000;
/// Interval between ARP requests for a neighbor still unresolved.
pub const REQUEST_INTERVAL_NS: u64 = 200_000_000;
/// `dpo-idx` printed by `ip4-rewrite` for a learned neighbor (not a table adjacency).
pub const LEARNED_ADJ: u32 = u32::MAX;

/// Field offsets of an Ethernet/IPv4 ARP packet, from the start of the frame.
mod field {
    pub type Field = core::ops::Range<usize>;
    pub const HTYPE: Field = 14..16;
    pub const PTYPE: Field = 16..18;
    pub const HLEN: usize = 18;
    pub const PLEN: usize = 19;
    pub const OPER: Field = 20..22;
    pub const SHA: Field = 22..28;
    pub const SPA: Field = 28..32;
    pub const THA: Field = 32..38;
    pub const TPA: Field = 38..42;
}
/// Length of an Ethernet frame carrying an Ethernet/IPv4 ARP packet (no padding).
pub const FRAME_LEN: usize = field::TPA.end;
pub const ETHERTYPE_ARP: u16 = 0x0806;
pub const OP_REQUEST: u16 = 1;
pub const OP_REPLY: u16 = 2;

/// A parsed Ethernet/IPv4 ARP packet. `parse` accepts hardware type 1 (Ethernet),
/// protocol 0x0800, address sizes 6/4, and operation request or reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArpRepr {
    pub op: u16,
    pub sha: [u8; 6],
    pub spa: u32,
    pub tha: [u8; 6],
    pub tpa: u32,
}

impl ArpRepr {
    pub fn parse(frame: &[u8]) -> Option<ArpRepr> {
        if frame.len() < FRAME_LEN {
            return None;
        }
        let be16 = |r: field::Field| u16::from_be_bytes([frame[r.start], frame[r.start + 1]]);
        let be32 = |r: field::Field| u32::from_be_bytes(frame[r].try_into().expect("4 bytes"));
        let op = be16(field::OPER);
        if be16(field::HTYPE) != 1
            || be16(field::PTYPE) != 0x0800
            || frame[field::HLEN] != 6
            || frame[field::PLEN] != 4
            || !(op == OP_REQUEST || op == OP_REPLY)
        {
            return None;
        }
        Some(ArpRepr {
            op,
            sha: frame[field::SHA].try_into().expect("6 bytes"),
            spa: be32(field::SPA),
            tha: frame[field::THA].try_into().expect("6 bytes"),
            tpa: be32(field::TPA),
        })
    }

    /// Writes the ARP packet (not the Ethernet header) into `frame[14..42]`.
    pub fn emit(&self, frame: &mut [u8]) {
        frame[field::HTYPE].copy_from_slice(&1u16.to_be_bytes());
        frame[field::PTYPE].copy_from_slice(&0x0800u16.to_be_bytes());
        frame[field::HLEN] = 6;
        frame[field::PLEN] = 4;
        frame[field::OPER].copy_from_slice(&self.op.to_be_bytes());
        frame[field::SHA].copy_from_slice(&self.sha);
        frame[field::SPA].copy_from_slice(&self.spa.to_be_bytes());
        frame[field::THA].copy_from_slice(&self.tha);
        frame[field::TPA].copy_from_slice(&self.tpa.to_be_bytes());
    }
}

/// VPP's `format_ethernet_arp_header`.
fn arp_lines(out: &mut String, a: &ArpRepr) {
    let op = if a.op == OP_REQUEST { "request" } else { "reply" };
    let _ = writeln!(out, "  {op}, type ethernet/IP4, address size 6/4");
    let _ = writeln!(
        out,
        "  {}/{} -> {}/{}",
        fmt_mac(&a.sha),
        Ipv4Addr::from(a.spa),
        fmt_mac(&a.tha),
        Ipv4Addr::from(a.tpa)
    );
}

/// A packet waiting for its next hop's MAC, with what `ip4-rewrite` needs to resume.
struct Held {
    rx: u16,
    pkt: PacketBuf,
    flow: Flow,
    hash: u32,
    passes: u8,
}

struct Pending {
    first_ns: u64,
    last_request_ns: u64,
    held: Vec<Held>,
}

/// Learned neighbors and the packets waiting for unresolved ones.
#[derive(Default)]
pub struct Neighbors {
    /// (sw_if_index, IPv4 address) → MAC.
    learned: FxHashMap<(u16, u32), [u8; 6]>,
    pending: FxHashMap<(u16, u32), Pending>,
}

impl Neighbors {
    /// Learned neighbors as `(sw_if_index, address, MAC)`, sorted.
    pub fn learned(&self) -> Vec<(u16, Ipv4Addr, [u8; 6])> {
        let mut v: Vec<_> = self.learned.iter().map(|(&(sw, ip), &mac)| (sw, Ipv4Addr::from(ip), mac)).collect();
        v.sort();
        v
    }
    /// Neighbors being resolved and how many packets each holds.
    pub fn pending(&self) -> Vec<(u16, Ipv4Addr, usize)> {
        let mut v: Vec<_> = self.pending.iter().map(|(&(sw, ip), p)| (sw, Ipv4Addr::from(ip), p.held.len())).collect();
        v.sort();
        v
    }
    /// Keeps the learned neighbors of interfaces `keep` accepts, drops every held
    /// packet; returns how many packets were dropped.
    pub(super) fn retain_learned(&mut self, keep: impl Fn(u16) -> bool) -> usize {
        self.learned.retain(|&(sw, _), _| keep(sw));
        self.pending.drain().map(|(_, p)| p.held.len()).sum()
    }
    pub fn lookup(&self, sw_if_index: u16, ip: u32) -> Option<[u8; 6]> {
        self.learned.get(&(sw_if_index, ip)).copied()
    }
}

fn in_attached_subnet(ife: &InterfaceEntry, ip: u32) -> bool {
    ife.ip4_len == 0 || (ip ^ ife.ip4_addr) & offload_tables::prefix_mask(ife.ip4_len) == 0
}

impl Dataplane {
    /// `arp-input` and `arp-reply` / `arp-proxy`: answer, learn, or drop.
    pub(super) fn arp_input(&mut self, rx: u16, mut pkt: PacketBuf, passes: u8) {
        self.counters.node(Node::ArpInput);
        self.host_work.add(PuntReason::Exception);
        let parsed = ArpRepr::parse(pkt.frame());
        if self.tracer.on {
            let o = self.tracer.node("arp-input");
            match &parsed {
                Some(a) => arp_lines(o, a),
                None => {
                    let _ = writeln!(o, "  malformed arp");
                }
            }
        }
        let Some(a) = parsed else {
            return self.drop_pkt(rx, DropReason::ArpMalformed);
        };
        let ife = self.tables.interfaces[usize::from(rx)];
        let local = ife.ip4_len != 0 && a.tpa == ife.ip4_addr;
        let proxy = !local && self.tables.proxy_arp.iter().any(|&(sw, ip)| sw == rx && ip == a.tpa);
        if !local && !proxy {
            return self.drop_pkt(rx, DropReason::ArpNotLocal);
        }
        if a.spa != 0 && a.spa != a.tpa && a.sha[0] & 1 == 0 && in_attached_subnet(&ife, a.spa) {
            self.arp_learn(rx, a.spa, a.sha);
        }
        if a.op == OP_REPLY {
            // Consumed by the control plane, like VPP's "ARP replies received".
            self.counters.tables.arp_replies_received += 1;
            return;
        }
        self.counters.tables.arp_requests_received += 1;
        let node = if proxy { Node::ArpProxy } else { Node::ArpReply };
        self.counters.node(node);
        if proxy {
            self.counters.tables.arp_proxy_replies_sent += 1;
        } else {
            self.counters.tables.arp_replies_sent += 1;
        }
        let reply = ArpRepr { op: OP_REPLY, sha: ife.mac, spa: a.tpa, tha: a.sha, tpa: a.spa };
        pkt.truncate(FRAME_LEN);
        let f = pkt.frame_mut();
        f.copy_within(6..12, 0);
        f[6..12].copy_from_slice(&ife.mac);
        reply.emit(f);
        if self.tracer.on {
            let o = self.tracer.node(node.name());
            arp_lines(o, &reply);
        }
        self.arp_send(rx, pkt, passes)
    }

    /// Sends an ARP frame out of `sw`: a BVI through its bridge domain, else the wire.
    fn arp_send(&mut self, sw: u16, pkt: PacketBuf, passes: u8) {
        let ife = self.tables.interfaces[usize::from(sw)];
        if ife.flags & if_flags::UP == 0 {
            return self.drop_pkt(sw, DropReason::InterfaceDown);
        }
        if ife.flags & if_flags::BVI != 0 {
            return self.l2_input(sw, pkt, passes + 1, None);
        }
        if self.tracer.on {
            let name = self.tables.names.interface(sw).to_string();
            let o = self.tracer.node(&format!("{name}-output"));
            let _ = writeln!(o, "  {name}");
            ethernet_line(o, 2, pkt.frame());
        }
        self.emit(sw, pkt)
    }

    /// Records a neighbor and sends the packets that waited for it.
    fn arp_learn(&mut self, sw: u16, ip: u32, mac: [u8; 6]) {
        if self.neighbors.learned.insert((sw, ip), mac) != Some(mac) {
            self.counters.tables.arp_neighbors_learned += 1;
        }
        if let Some(p) = self.neighbors.pending.remove(&(sw, ip)) {
            let adj = self.learned_adjacency(sw, ip, mac);
            for h in p.held {
                self.counters.tables.glean_packets_released += 1;
                self.ip4_rewrite_adj(h.rx, h.pkt, h.flow, (LEARNED_ADJ, adj), h.hash, h.passes);
            }
        }
    }

    fn learned_adjacency(&self, sw: u16, ip: u32, mac: [u8; 6]) -> AdjacencyEntry {
        AdjacencyEntry::neighbor(ip, mac, &self.tables.interfaces[usize::from(sw)])
    }

    /// `ip4-glean`: the route's next hop (`flow.dst`, attached on `sw`) has no static
    /// neighbor. A learned one goes on to `ip4-rewrite`; otherwise hold and ask.
    pub(super) fn ip4_glean(&mut self, rx: u16, pkt: PacketBuf, flow: Flow, sw: u16, hash: u32, passes: u8) {
        // (the NIC sends a glean adjacency's packets to the host, neighbor known or not)
        self.host_work.add(PuntReason::Glean);
        let key = (sw, flow.dst);
        if let Some(mac) = self.neighbors.lookup(sw, flow.dst) {
            let adj = self.learned_adjacency(sw, flow.dst, mac);
            return self.ip4_rewrite_adj(rx, pkt, flow, (LEARNED_ADJ, adj), hash, passes);
        }
        self.counters.node(Node::Ip4Glean);
        if self.tracer.on {
            let name = self.tables.names.interface(sw).to_string();
            let _ = writeln!(
                self.tracer.node("ip4-glean"),
                "  {} on {name}: neighbor unknown, holding packet",
                Ipv4Addr::from(flow.dst)
            );
        }
        let now = self.now_ns;
        let n_pending = self.neighbors.pending.len();
        let p = match self.neighbors.pending.entry(key) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) if n_pending < MAX_PENDING => {
                v.insert(Pending { first_ns: now, last_request_ns: 0, held: Vec::new() })
            }
            std::collections::hash_map::Entry::Vacant(_) => return self.drop_pkt(rx, DropReason::Glean),
        };
        if p.held.len() >= HOLD_PER_NEIGHBOR {
            return self.drop_pkt(rx, DropReason::Glean);
        }
        p.held.push(Held { rx, pkt, flow, hash, passes });
        let ask = p.held.len() == 1 || now.saturating_sub(p.last_request_ns) >= REQUEST_INTERVAL_NS;
        if ask {
            p.last_request_ns = now;
        }
        self.counters.tables.glean_packets_held += 1;
        if ask {
            self.arp_request(sw, flow.dst, passes);
        }
    }

    /// Broadcasts `who-has target` from `sw`'s address and MAC.
    fn arp_request(&mut self, sw: u16, target: u32, passes: u8) {
        let ife = self.tables.interfaces[usize::from(sw)];
        let mut frame = [0u8; FRAME_LEN];
        frame[0..6].fill(0xff);
        frame[6..12].copy_from_slice(&ife.mac);
        frame[12..14].copy_from_slice(&ETHERTYPE_ARP.to_be_bytes());
        ArpRepr { op: OP_REQUEST, sha: ife.mac, spa: ife.ip4_addr, tha: [0; 6], tpa: target }.emit(&mut frame);
        self.counters.tables.glean_requests_sent += 1;
        self.arp_send(sw, self.pool.frame(&frame), passes)
    }

    /// Neighbor timers as of `now_ns`: repeats ARP requests for neighbors still being
    /// resolved and drops (counted, [`DropReason::Glean`]) the packets of those
    /// unresolved for [`GLEAN_TIMEOUT_NS`]. Requests are appended to `out`. Returns the
    /// number of packets dropped.
    pub fn neighbor_timers(&mut self, now_ns: u64, out: &mut Vec<Tx>) -> usize {
        if self.neighbors.pending.is_empty() {
            return 0;
        }
        self.now_ns = now_ns;
        let mut dropped = 0;
        let mut ask = Vec::new();
        self.neighbors.pending.retain(|&(sw, ip), p| {
            if now_ns.saturating_sub(p.first_ns) >= GLEAN_TIMEOUT_NS {
                for h in &p.held {
                    dropped += 1;
                    self.counters.drops[DropReason::Glean.code() as usize] += 1;
                    if let Some(c) = self.counters.interfaces.get_mut(usize::from(h.rx)) {
                        c.drops += 1;
                    }
                }
                return false;
            }
            if now_ns.saturating_sub(p.last_request_ns) >= REQUEST_INTERVAL_NS {
                p.last_request_ns = now_ns;
                ask.push((sw, ip));
            }
            true
        });
        self.counters.tables.glean_timeouts += dropped as u64;
        std::mem::swap(&mut self.out, out);
        for (sw, ip) in ask {
            self.arp_request(sw, ip, 0);
        }
        std::mem::swap(&mut self.out, out);
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `who-has 169.254.1.1 tell 10.1.1.3` from the client pod (MAC 00:00:00:00:00:02).
    pub const POD_REQUEST: [u8; 42] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 2, 0x08, 0x06, //
        0, 1, 0x08, 0, 6, 4, 0, 1, //
        0, 0, 0, 0, 0, 2, 10, 1, 1, 3, //
        0, 0, 0, 0, 0, 0, 169, 254, 1, 1,
    ];

    #[test]
    fn parse_emit_round_trip() {
        let a = ArpRepr::parse(&POD_REQUEST).unwrap();
        assert_eq!(a.op, OP_REQUEST);
        assert_eq!(a.spa, 0x0a01_0103);
        assert_eq!(a.tpa, 0xa9fe_0101);
        let mut f = POD_REQUEST;
        f[14..].fill(0);
        a.emit(&mut f);
        assert_eq!(f, POD_REQUEST);
    }

    #[test]
    fn parse_rejects_bad_input() {
        assert_eq!(ArpRepr::parse(&POD_REQUEST[..41]), None);
        for (at, v) in [(15, 6u8), (16, 0x86), (18, 8), (19, 16), (21, 3)] {
            let mut f = POD_REQUEST;
            f[at] = v;
            assert_eq!(ArpRepr::parse(&f), None, "byte {at} = {v}");
        }
    }
}
