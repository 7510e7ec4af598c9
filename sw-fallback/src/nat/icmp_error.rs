//! ICMP error messages through NAT44-ED (VPP's `nat_get_icmp_session_lookup_values` and
//! `nat_6t_flow_icmp_translate`): an error quotes a packet of some session; NAT finds
//! that session by the quoted packet turned round — the forward flow of the direction
//! the error travels — and translates the outer header as that flow's packets and the
//! quoted header the other way, so the error reaches the host that sent the original.
//!
//! Where VPP 22.02 leaves a checksum wrong we do not copy it (README, "Semantics, where
//! VPP leaves a choice"): every checksum here is recomputed, the outer one of an error
//! a router inside sent included, and the header quoted in an error about an ICMP echo
//! is translated whole (VPP rewrites only its identifier).

use crate::flow::Flow;
use offload_tables::checksum::{self as csum, nat_deltas};
use offload_tables::layout::{session_flags, SessionEntry};
use offload_tables::reasons::DropReason;

/// ICMP messages that quote a packet (VPP's `icmp_type_is_error_message`): destination
/// unreachable, source quench, redirect, alternate host address, time exceeded,
/// parameter problem.
pub fn is_error(icmp_type: u8) -> bool {
    matches!(icmp_type, 3 | 4 | 5 | 6 | 11 | 12)
}

/// Where the quoted packet of an ICMP error lies in the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quoted {
    /// Offset of the quoted IPv4 header in the frame.
    pub ip: usize,
    /// Offset of its L4 header.
    pub l4: usize,
    /// Quoted bytes from the L4 header to the end of the outer IPv4 packet.
    pub l4_len: usize,
    pub proto: u8,
}

/// The lookup flow of ICMP error `f` (IPv4 header at `l3` of `frame`): the quoted packet
/// turned round, with its protocol; for a quoted ICMP packet both "ports" are its
/// identifier. Errors quoting less than an IPv4 header and 8 bytes of L4, or another
/// protocol than TCP, UDP or ICMP, cannot be translated.
pub fn lookup(frame: &[u8], l3: usize, f: &Flow) -> Result<(Flow, Quoted), DropReason> {
    let end = (l3 + usize::from(f.ip_len)).min(frame.len());
    let ip = l3 + usize::from(f.ihl) + 8;
    if ip + 20 > end {
        return Err(DropReason::NatTranslationFailed);
    }
    let inner = &frame[ip..end];
    let ihl = usize::from(inner[0] & 0x0f) * 4;
    let l4 = ip + ihl;
    if ihl < 20 || l4 + 8 > end {
        return Err(DropReason::NatTranslationFailed);
    }
    let word = |o: usize| u16::from_be_bytes([frame[o], frame[o + 1]]);
    let addr = |o: usize| u32::from_be_bytes([frame[o], frame[o + 1], frame[o + 2], frame[o + 3]]);
    let proto = inner[9];
    let (sport, dport) = match proto {
        6 | 17 => (word(l4 + 2), word(l4)),
        1 => (word(l4 + 4), word(l4 + 4)),
        _ => return Err(DropReason::NatTranslationFailed),
    };
    let flow = Flow {
        src: addr(ip + 16),
        dst: addr(ip + 12),
        proto,
        sport,
        dport,
        l4_valid: true,
        l4_complete: true,
        ihl: ihl as u8,
        ..Flow::default()
    };
    Ok((flow, Quoted { ip, l4, l4_len: end - l4, proto }))
}

/// Translates ICMP error `f` by `e`, the session entry its lookup flow `look` hit. The
/// outer source stays when `keep_router_src` (an out2in error sent by a router, not by
/// the flow's remote end). Checks first, as VPP does: the ICMP checksum over the whole
/// message, the quoted IPv4 header's checksum, and a quoted TCP header of 20 bytes.
pub fn translate(
    frame: &mut [u8],
    l3: usize,
    f: &mut Flow,
    q: &Quoted,
    look: &Flow,
    e: &SessionEntry,
    keep_router_src: bool,
) -> Result<(), DropReason> {
    let icmp = l3 + usize::from(f.ihl);
    let end = l3 + usize::from(f.ip_len);
    let inner_ihl = q.l4 - q.ip;
    if csum::fold(csum::sum(&frame[icmp..end])) != 0xffff
        || csum::fold(csum::sum(&frame[q.ip..q.l4])) != 0xffff
        || (q.proto == 6 && q.l4_len < 20)
    {
        return Err(DropReason::NatTranslationFailed);
    }
    // What the flow becomes: the entry's fields where it rewrites them.
    let mut to = (look.src, look.dst, look.sport, look.dport);
    if e.flags & session_flags::REWRITE_SRC != 0 {
        (to.0, to.2) = (e.new_src, e.new_sport);
    }
    if e.flags & session_flags::REWRITE_DST != 0 {
        (to.1, to.3) = (e.new_dst, e.new_dport);
    }
    let put32 = |frame: &mut [u8], o: usize, v: u32| frame[o..o + 4].copy_from_slice(&v.to_be_bytes());
    let put16 = |frame: &mut [u8], o: usize, v: u16| frame[o..o + 2].copy_from_slice(&v.to_be_bytes());
    let get16 = |frame: &[u8], o: usize| u16::from_be_bytes([frame[o], frame[o + 1]]);

    // Outer header: as a packet of the flow.
    if !keep_router_src {
        f.src = to.0;
    }
    f.dst = to.1;
    put32(frame, l3 + 12, f.src);
    put32(frame, l3 + 16, f.dst);
    put16(frame, l3 + 10, 0);
    let c = csum::finish(csum::sum(&frame[l3..icmp]));
    put16(frame, l3 + 10, c);

    // Quoted header: the flow turned round.
    let old = (look.dst, look.src, look.dport, look.sport);
    let new = (to.1, to.0, to.3, to.2);
    put32(frame, q.ip + 12, new.0);
    put32(frame, q.ip + 16, new.1);
    put16(frame, q.ip + 10, 0);
    let c = csum::finish(csum::sum(&frame[q.ip..q.ip + inner_ihl]));
    put16(frame, q.ip + 10, c);
    let (_, l4_delta) = nat_deltas(q.proto, old, new);
    match q.proto {
        6 | 17 => {
            put16(frame, q.l4, new.2);
            put16(frame, q.l4 + 2, new.3);
            // the quoted L4 checksum, where it was quoted (a UDP 0 stays 0)
            let at = q.l4 + if q.proto == 6 { 16 } else { 6 };
            if at + 2 <= end {
                let c = get16(frame, at);
                let c = if q.proto == 6 { csum::apply(c, l4_delta) } else { csum::apply_udp(c, l4_delta) };
                put16(frame, at, c);
            }
        }
        _ => {
            // an echo quoted: its identifier is the host side's, as `nat::apply` picks it
            let id = if e.flags & session_flags::REWRITE_SRC != 0 { e.new_sport } else { e.new_dport };
            let old_id = get16(frame, q.l4 + 4);
            put16(frame, q.l4 + 4, id);
            let c = get16(frame, q.l4 + 2);
            put16(frame, q.l4 + 2, csum::update16(c, old_id, id));
        }
    }
    // The ICMP checksum over the message as it now is.
    put16(frame, icmp + 2, 0);
    let c = csum::finish(csum::sum(&frame[icmp..end]));
    put16(frame, icmp + 2, c);
    Ok(())
}
