//! The parsed view of an IPv4 packet that the nodes classify on: addresses, protocol,
//! L4 identifiers, TCP flags. Built once at `ip4-input` from the wire views, and kept
//! in step with the packet as NAT rewrites it.

use crate::wire::{ipv4::Ipv4Packet, WireError};
use offload_tables::checksum;
use offload_tables::reasons::DropReason;

/// Where the IPv4 header starts in a frame (untagged Ethernet).
pub const L3_OFFSET: usize = 14;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flow {
    pub src: u32,
    pub dst: u32,
    pub proto: u8,
    /// TCP/UDP ports; for ICMP echo both hold the identifier; 0 otherwise.
    pub sport: u16,
    pub dport: u16,
    pub icmp_type: u8,
    pub icmp_code: u8,
    pub tcp_flags: u8,
    /// The L4 identifiers were read: a first fragment (or no fragment) with at least 8
    /// bytes in the frame from the L4 header on — padding counts, as in VPP's acl-plugin
    /// (`l4_valid`), which never looks at the IPv4 length for this.
    pub l4_valid: bool,
    /// The whole L4 header (TCP: its data offset; UDP, ICMP: 8 bytes) lies inside the IPv4
    /// packet: what a node that rewrites L4 fields (NAT) needs.
    pub l4_complete: bool,
    pub nonfirst_fragment: bool,
    pub has_options: bool,
    pub is_fragment: bool,
    /// IPv4 header length in bytes.
    pub ihl: u8,
    pub ttl: u8,
    /// IPv4 total length (the frame may be longer: Ethernet padding).
    pub ip_len: u16,
    /// Don't Fragment.
    pub df: bool,
    /// Sent by this node (an echo reply): `ip4-rewrite` neither checks nor decrements
    /// its TTL (VPP's `VNET_BUFFER_F_LOCALLY_ORIGINATED`).
    pub locally_originated: bool,
}

impl Flow {
    /// Offset of the L4 header in the frame.
    #[inline]
    pub fn l4_offset(&self) -> usize {
        L3_OFFSET + usize::from(self.ihl)
    }
}

/// What `ip4-input` makes of an IPv4 header (VPP's `ip4_input_check_x1`: every check
/// runs, the last one that fails wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ip4Check {
    /// Good: on to the feature arc and the lookup.
    Ok(Flow),
    /// TTL 0 on arrival: ICMP time exceeded (the packet is `ip4-icmp-error`'s).
    TimeExpired(Flow),
    /// A header with options (IHL other than 5): `ip4-options`.
    Options(Flow),
    /// Dropped, with this reason.
    Drop(DropReason),
}

pub fn wire_to_drop(e: WireError) -> DropReason {
    match e {
        WireError::Truncated => DropReason::Truncated,
        WireError::BadIpVersion => DropReason::BadIpVersion,
        WireError::BadIhl => DropReason::BadIhl,
        WireError::BadTotalLength => DropReason::BadTotalLength,
        WireError::BadIpChecksum => DropReason::BadIpChecksum,
        WireError::TtlExpired => DropReason::TtlExpired,
        WireError::Fragment => DropReason::Fragment,
        WireError::BadL4Header => DropReason::BadL4Header,
        WireError::BadVxlanFlags => DropReason::BadVxlanFlags,
    }
}

/// `ip4-input`'s checks on `ip` (the bytes from the IPv4 header to the end of the frame),
/// in VPP's order, where a later failing check overrides an earlier one: version, options
/// and header checksum; TTL 0 (time exceeded); fragment offset 1; total length below 20;
/// total length beyond the frame. A frame longer than the packet is fine (padding).
#[inline]
pub fn check_ip4(ip: &[u8]) -> Ip4Check {
    if ip.len() < 20 {
        return Ip4Check::Drop(DropReason::Truncated);
    }
    let p = Ipv4Packet::new_unchecked(ip);
    let ihl = p.header_len();
    let mut verdict = None;
    if ip[0] != 0x45 {
        if ip[0] & 0x0f != 5 {
            if usize::from(ihl) > ip.len() || ihl < 20 {
                // (VPP would read past the header; nothing sane can follow)
                return Ip4Check::Drop(if ihl < 20 { DropReason::BadIhl } else { DropReason::Truncated });
            }
            verdict = Some(if checksum::fold(checksum::sum(&ip[..usize::from(ihl)])) != 0xffff {
                Ip4Check::Drop(DropReason::BadIpChecksum)
            } else {
                Ip4Check::Options(Flow::default())
            });
        } else {
            verdict = Some(Ip4Check::Drop(DropReason::BadIpVersion));
        }
    } else if !p.verify_checksum() {
        verdict = Some(Ip4Check::Drop(DropReason::BadIpChecksum));
    }
    if p.ttl() < 1 {
        verdict = Some(Ip4Check::TimeExpired(Flow::default()));
    }
    if p.frag_offset() == 1 {
        verdict = Some(Ip4Check::Drop(DropReason::FragmentOffsetOne));
    }
    let ip_len = p.total_len();
    if ip_len < 20 {
        verdict = Some(Ip4Check::Drop(DropReason::BadTotalLength));
    }
    if usize::from(ip_len) > ip.len() {
        verdict = Some(Ip4Check::Drop(DropReason::BadTotalLength));
    }
    match verdict {
        Some(Ip4Check::Drop(r)) => Ip4Check::Drop(r),
        Some(Ip4Check::TimeExpired(_)) => Ip4Check::TimeExpired(flow_of(ip)),
        Some(Ip4Check::Options(_)) => Ip4Check::Options(flow_of(ip)),
        _ => Ip4Check::Ok(flow_of(ip)),
    }
}

/// The flow of an IPv4 packet whose header `ip4-input` accepted (`ip`: header to end of
/// frame, at least 20 bytes and the header length). L4 fields are read from the frame as
/// VPP's nodes read them: identifiers when 8 bytes are there, the TCP flags when the
/// flags byte is; the L4 header is "complete" only inside the IPv4 length.
#[inline]
pub fn flow_of(ip: &[u8]) -> Flow {
    let p = Ipv4Packet::new_unchecked(ip);
    let ihl = p.header_len().max(20).min(ip.len().min(60) as u8);
    let ip_len = p.total_len();
    let mut f = Flow {
        src: u32::from_be_bytes(p.src_addr()),
        dst: u32::from_be_bytes(p.dst_addr()),
        proto: p.protocol(),
        ihl,
        ttl: p.ttl(),
        has_options: ihl > 20,
        is_fragment: p.is_fragment(),
        nonfirst_fragment: p.frag_offset() != 0,
        df: p.dont_frag(),
        ip_len,
        ..Flow::default()
    };
    if f.nonfirst_fragment {
        return f;
    }
    let l4 = &ip[usize::from(ihl)..];
    let in_packet = usize::from(ip_len).saturating_sub(usize::from(ihl));
    let word = |o: usize| u16::from_be_bytes([l4[o], l4[o + 1]]);
    if l4.len() < 8 {
        return f;
    }
    match f.proto {
        6 => {
            (f.sport, f.dport) = (word(0), word(2));
            f.tcp_flags = l4.get(13).copied().unwrap_or(0);
            let doff = usize::from(l4.get(12).copied().unwrap_or(0) >> 4) * 4;
            f.l4_complete = doff >= 20 && in_packet >= doff;
        }
        17 => {
            (f.sport, f.dport) = (word(0), word(2));
            f.l4_complete = in_packet >= 8;
        }
        1 => {
            (f.icmp_type, f.icmp_code) = (l4[0], l4[1]);
            if matches!(f.icmp_type, 0 | 8) {
                f.sport = word(4);
                f.dport = f.sport;
            }
            f.l4_complete = in_packet >= 8;
        }
        _ => f.l4_complete = true,
    }
    f.l4_valid = true;
    f
}

/// Validates the IPv4 header of `ip` as `ip4-input` does and extracts the flow: any
/// verdict but [`Ip4Check::Ok`] is a drop reason here (for the L2 paths, which classify
/// IPv4 frames without `ip4-input`'s dispositions).
#[inline]
pub fn parse_ip4(ip: &[u8]) -> Result<Flow, DropReason> {
    match check_ip4(ip) {
        Ip4Check::Ok(f) => Ok(f),
        Ip4Check::TimeExpired(_) => Err(DropReason::TtlExpired),
        Ip4Check::Options(_) => Err(DropReason::Ip4Options),
        Ip4Check::Drop(r) => Err(r),
    }
}
