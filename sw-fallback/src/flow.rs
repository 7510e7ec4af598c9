//! The parsed view of an IPv4 packet that the nodes classify on: addresses, protocol,
//! L4 identifiers, TCP flags. Built once at `ip4-input` from the wire views, and kept
//! in step with the packet as NAT rewrites it.

use crate::wire::{icmp, ipv4::Ipv4Packet, tcp, udp, WireError};
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
    /// The L4 header is present (first fragment of TCP, UDP or ICMP).
    pub l4_valid: bool,
    pub nonfirst_fragment: bool,
    pub has_options: bool,
    pub is_fragment: bool,
    /// IPv4 header length in bytes.
    pub ihl: u8,
    pub ttl: u8,
}

impl Flow {
    /// Offset of the L4 header in the frame.
    #[inline]
    pub fn l4_offset(&self) -> usize {
        L3_OFFSET + usize::from(self.ihl)
    }
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

/// Validates the IPv4 header of `ip` (the bytes from the IPv4 header on) as `ip4-input`
/// does, and extracts the flow. Returns the IPv4 total length too, so the caller can
/// strip Ethernet padding.
#[inline]
pub fn parse_ip4(ip: &[u8]) -> Result<(Flow, usize), DropReason> {
    let p = Ipv4Packet::new_checked(ip).map_err(wire_to_drop)?;
    if !p.verify_checksum() {
        return Err(DropReason::BadIpChecksum);
    }
    let mut f = Flow {
        src: u32::from_be_bytes(p.src_addr()),
        dst: u32::from_be_bytes(p.dst_addr()),
        proto: p.protocol(),
        ihl: p.header_len(),
        ttl: p.ttl(),
        has_options: p.header_len() > 20,
        is_fragment: p.is_fragment(),
        nonfirst_fragment: p.frag_offset() != 0,
        ..Flow::default()
    };
    if !f.nonfirst_fragment {
        let l4 = p.payload();
        match f.proto {
            6 => {
                let t = tcp::TcpPacket::new_checked(l4).map_err(wire_to_drop)?;
                (f.sport, f.dport, f.tcp_flags) = (t.src_port(), t.dst_port(), t.flags());
                f.l4_valid = true;
            }
            17 => {
                let u = udp::UdpPacket::new_checked(l4).map_err(wire_to_drop)?;
                (f.sport, f.dport) = (u.src_port(), u.dst_port());
                f.l4_valid = true;
            }
            1 => {
                let i = icmp::IcmpPacket::new_checked(l4).map_err(wire_to_drop)?;
                (f.icmp_type, f.icmp_code) = (i.msg_type(), i.code());
                if i.is_echo() {
                    f.sport = i.echo_ident();
                    f.dport = f.sport;
                }
                f.l4_valid = true;
            }
            _ => {}
        }
    }
    Ok((f, usize::from(p.total_len())))
}
