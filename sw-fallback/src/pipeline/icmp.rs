//! What the node sends from itself in IPv4 (VPP's `ip4-icmp-error`, `ip4-frag` and
//! `ip4-icmp-echo-request`): ICMP errors (time exceeded, fragmentation needed, port
//! unreachable), fragments of packets too big for the next hop, and echo replies.
//!
//! - **ICMP errors** (`src/vnet/ip/icmp4.c`, `ip4_icmp_error`): a new packet, header
//!   `0x45`, TOS 0, ID 0, no flags, TTL 255, from the receiving interface's address
//!   (VPP 22.02's source selection: the one sharing the longest prefix with the
//!   destination; our interfaces have one) to the offending packet's source; the ICMP
//!   message quotes the offending packet from its IPv4 header to the end of the frame —
//!   Ethernet padding included, VPP never trims it — so that the whole error is at most
//!   576 bytes. It is looked up in the receiving interface's FIB and goes through
//!   `ip4-rewrite` (TTL 254 on the wire) and the egress interface's output features
//!   like any packet. VPP suppresses nothing of RFC 1812's list: errors about errors,
//!   fragments and broadcasts are all answered.
//! - **Fragments** (`src/vnet/ip/ip_frag.c`, `ip4_frag_do_fragment`): payloads of
//!   `(min(mtu, 2048) - 20) & !7` bytes in offset order, the first 20 header bytes copied
//!   with DF cleared, MF on all but the last, a full header checksum; the identifier of
//!   a packet that was not a fragment yet comes from a counter (VPP's global
//!   `running_fragment_id`, written without a byte swap: the first is 0x0100 on the
//!   wire). Padding is left out. Each fragment goes back to `ip4-rewrite`.
//! - **Echo replies** (the ping plugin's `ip4_icmp_echo_request`): the request turned
//!   round in place, TTL 64, checksums updated incrementally, sent as locally originated
//!   (no TTL decrement) along the route back to the source.

use super::Dataplane;
use crate::buffer::PacketBuf;
use crate::counters::Node;
use crate::flow::{flow_of, Flow, L3_OFFSET};
use crate::trace::ip4_lines;
use offload_tables::checksum;
use offload_tables::layout::AdjacencyEntry;
use offload_tables::reasons::{DropReason, PuntReason};
use std::fmt::Write;

/// An ICMP error message: type, code and the 32-bit word after the checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IcmpError {
    /// Time exceeded in transit (11/0).
    TimeExceeded,
    /// Destination unreachable, fragmentation needed and DF set (3/4), with the MTU.
    FragmentationNeeded(u16),
    /// Destination unreachable, port unreachable (3/3).
    PortUnreachable,
}

impl IcmpError {
    fn fields(self) -> (u8, u8, u32) {
        match self {
            IcmpError::TimeExceeded => (11, 0, 0),
            IcmpError::FragmentationNeeded(mtu) => (3, 4, u32::from(mtu)),
            IcmpError::PortUnreachable => (3, 3, 0),
        }
    }

    fn name(self) -> &'static str {
        match self {
            IcmpError::TimeExceeded => "time_exceeded ttl_exceeded_in_transit",
            IcmpError::FragmentationNeeded(_) => "destination_unreachable fragmentation_needed_and_dont_fragment_set",
            IcmpError::PortUnreachable => "destination_unreachable port_unreachable",
        }
    }
}

/// The largest ICMP error datagram (VPP truncates the copy to this after prepending).
const MAX_ERROR_LEN: usize = 576;
/// Largest payload a fragment takes from one buffer (VPP's default buffer data size).
const FRAG_BUFFER: u16 = 2048;
/// TTL of the echo replies the node sends (`ip4_main.host_config.ttl`).
const HOST_TTL: u8 = 64;

impl Dataplane {
    /// `ip4-icmp-error`: answers the packet in `pkt` (received on `rx`; its IPv4 header
    /// at [`L3_OFFSET`], as the node that refused it left it) with `error`. The packet
    /// itself is the caller's to drop and count.
    pub(super) fn icmp_error(&mut self, rx: u16, pkt: &PacketBuf, error: IcmpError, passes: u8) {
        self.counters.node(Node::Ip4IcmpError);
        self.host_work.add(PuntReason::Exception);
        let Some(ife) = self.tables.interface(rx).copied() else { return };
        let orig = &pkt.frame()[L3_OFFSET..];
        // (a second packet: counted as made, then sent or dropped like any)
        self.counters.tables.icmp_errors_sent += 1;
        if orig.len() < 20 || ife.ip4_len == 0 {
            return self.drop_pkt(rx, DropReason::IcmpErrorNoSource);
        }
        let quote = orig.len().min(MAX_ERROR_LEN - 28);
        let (ty, code, data) = error.fields();
        let (src, dst) = (ife.ip4_addr, u32::from_be_bytes([orig[12], orig[13], orig[14], orig[15]]));
        let mut b = self.pool.get();
        let ok = b.fill_with(|buf| {
            let n = L3_OFFSET + 28 + quote;
            let f = &mut buf[..n];
            f[..12].fill(0);
            f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
            let ip = &mut f[L3_OFFSET..L3_OFFSET + 20];
            ip[..12].copy_from_slice(&[0x45, 0, 0, 0, 0, 0, 0, 0, 255, 1, 0, 0]);
            ip[2..4].copy_from_slice(&((28 + quote) as u16).to_be_bytes());
            ip[12..16].copy_from_slice(&src.to_be_bytes());
            ip[16..20].copy_from_slice(&dst.to_be_bytes());
            let c = checksum::finish(checksum::sum(ip));
            ip[10..12].copy_from_slice(&c.to_be_bytes());
            let icmp = &mut f[L3_OFFSET + 20..];
            icmp[..8].copy_from_slice(&[ty, code, 0, 0, 0, 0, 0, 0]);
            icmp[4..8].copy_from_slice(&data.to_be_bytes());
            icmp[8..].copy_from_slice(&orig[..quote]);
            let c = checksum::finish(checksum::sum(icmp));
            icmp[2..4].copy_from_slice(&c.to_be_bytes());
            Ok::<_, ()>(n)
        });
        if ok.is_err() {
            return;
        }
        if self.tracer.on {
            let o = self.tracer.node("ip4-icmp-error");
            let _ = writeln!(
                o,
                "  ICMP {} checksum 0x{:04x}",
                error.name(),
                u16::from_be_bytes([b.frame()[36], b.frame()[37]])
            );
            ip4_lines(o, 2, &b.frame()[L3_OFFSET..]);
        }
        let f = flow_of(&b.frame()[L3_OFFSET..]);
        self.ip4_lookup(rx, b, f, ife.fib_index, passes + 1)
    }

    /// `ip4-frag`: `pkt` (too big for `adj`, DF clear) as fragments, each sent on through
    /// `ip4-rewrite` with the same adjacency.
    pub(super) fn ip4_frag(
        &mut self,
        rx: u16,
        pkt: PacketBuf,
        f: &Flow,
        (adj_index, adj): (u32, AdjacencyEntry),
        hash: u32,
        passes: u8,
    ) {
        self.counters.node(Node::Ip4Frag);
        self.host_work.add(PuntReason::Exception);
        let frame = pkt.frame();
        let ip = &frame[L3_OFFSET..];
        let ff = u16::from_be_bytes([ip[6], ip[7]]);
        let (orig_off, orig_more) = (ff & 0x1fff, ff & 0x2000 != 0);
        let max = (adj.mtu.min(FRAG_BUFFER).saturating_sub(20)) & !7;
        let rem_total = f.ip_len.saturating_sub(20);
        if max == 0 || adj.mtu < 20 || usize::from(rem_total) + 20 > ip.len() {
            return self.drop_pkt(rx, DropReason::MtuExceeded);
        }
        let id = if f.is_fragment {
            u16::from_be_bytes([ip[4], ip[5]])
        } else {
            // VPP's process-wide counter, stored in host order: byte-swapped on the wire
            self.frag_id = self.frag_id.wrapping_add(1);
            (self.frag_id as u16).swap_bytes()
        };
        self.counters.tables.ip4_fragmented += 1;
        let mut frags: Vec<PacketBuf> = Vec::new();
        let (mut fo, mut rem) = (0u16, rem_total);
        while rem > 0 {
            let len = if rem > max { max } else { rem };
            let mut b = self.pool.get();
            let _ = b.fill_with(|buf| {
                let n = L3_OFFSET + 20 + usize::from(len);
                buf[..L3_OFFSET + 20].copy_from_slice(&frame[..L3_OFFSET + 20]);
                let start = L3_OFFSET + 20 + usize::from(fo);
                buf[L3_OFFSET + 20..n].copy_from_slice(&frame[start..start + usize::from(len)]);
                let h = &mut buf[L3_OFFSET..L3_OFFSET + 20];
                h[2..4].copy_from_slice(&(len + 20).to_be_bytes());
                h[4..6].copy_from_slice(&id.to_be_bytes());
                let more = len != rem || orig_more;
                let v = ((fo >> 3) + orig_off) | if more { 0x2000 } else { 0 };
                h[6..8].copy_from_slice(&v.to_be_bytes());
                h[10..12].fill(0);
                let c = checksum::finish(checksum::sum(h));
                h[10..12].copy_from_slice(&c.to_be_bytes());
                Ok::<_, ()>(n)
            });
            frags.push(b);
            fo += len;
            rem -= len;
        }
        drop(pkt);
        self.counters.tables.ip4_fragments_sent += frags.len() as u64;
        if self.tracer.on {
            let _ = writeln!(
                self.tracer.node("ip4-frag"),
                "  {} fragments of up to {max} bytes, id 0x{id:04x}",
                frags.len()
            );
        }
        for b in frags {
            let ff = flow_of(&b.frame()[L3_OFFSET..]);
            self.ip4_rewrite_adj(rx, b, ff, (adj_index, adj), hash, passes);
        }
    }

    /// `ip4-icmp-echo-request`: `pkt`, an echo request to one of the node's addresses
    /// received on `rx`, turned round and sent back along the route to its source.
    pub(super) fn icmp_echo_reply(&mut self, rx: u16, mut pkt: PacketBuf, passes: u8) {
        self.counters.node(Node::Ip4IcmpEchoRequest);
        let Some(fib) = self.tables.interface(rx).map(|i| i.fib_index) else { return };
        let frame = pkt.frame_mut();
        let ihl = usize::from(frame[L3_OFFSET] & 0x0f) * 4;
        let (ip, icmp) = frame[L3_OFFSET..].split_at_mut(ihl);
        // type 8 -> 0 (the word type|code), incrementally as VPP does
        let c = u16::from_be_bytes([icmp[2], icmp[3]]);
        let (old, new) = (u16::from(icmp[0]) << 8 | u16::from(icmp[1]), u16::from(icmp[1]));
        icmp[0] = 0;
        icmp[2..4].copy_from_slice(&checksum::update16_as_vpp(c, old, new).to_be_bytes());
        // addresses swapped (the sum stays), TTL 64
        let (s, d) = ([ip[12], ip[13], ip[14], ip[15]], [ip[16], ip[17], ip[18], ip[19]]);
        ip[12..16].copy_from_slice(&d);
        ip[16..20].copy_from_slice(&s);
        let c = u16::from_be_bytes([ip[10], ip[11]]);
        let (old, new) = (u16::from_be_bytes([ip[8], ip[9]]), u16::from_be_bytes([HOST_TTL, ip[9]]));
        ip[8] = HOST_TTL;
        ip[10..12].copy_from_slice(&checksum::update16_as_vpp(c, old, new).to_be_bytes());
        self.counters.tables.icmp_echo_replies_sent += 1;
        let mut f = flow_of(&pkt.frame()[L3_OFFSET..]);
        f.locally_originated = true;
        if self.tracer.on {
            let o = self.tracer.node("ip4-icmp-echo-request");
            ip4_lines(o, 2, &pkt.frame()[L3_OFFSET..]);
        }
        // VPP goes straight to ip4-load-balance with the route ip4-local's source check found
        let Some(lb_index) = self.tables.lpm.lookup(fib, f.dst) else {
            return self.drop_pkt(rx, DropReason::NoRoute);
        };
        let lb = self.tables.load_balances[lb_index as usize];
        let hash = if lb.n_buckets > 1 { self.flow_hash(&f) } else { 0 };
        self.counters.node(Node::Ip4LoadBalance);
        if self.tracer.on {
            let o = self.tracer.node("ip4-load-balance");
            let _ = writeln!(o, "  fib {fib} dpo-idx {lb_index} flow hash: 0x{hash:08x}");
            ip4_lines(o, 2, &pkt.frame()[L3_OFFSET..]);
        }
        self.dispatch_lb(rx, pkt, f, lb, hash, passes + 1)
    }
}
