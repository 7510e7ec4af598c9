//! Frames built and checked apart from the code under test: an IPv4/TCP/UDP/ICMP/VXLAN
//! builder with its own checksum sums (an oracle, deliberately not the contract's
//! arithmetic), and an etherparse-based check of every emitted frame.

use etherparse::{NetSlice, SlicedPacket, TransportSlice};

// ---- packets ------------------------------------------------------------------------

/// One's-complement sum of `data` (big-endian words), unfolded.
pub fn ones_sum(data: &[u8]) -> u32 {
    let mut s = 0u32;
    for c in data.chunks(2) {
        s += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    s
}
pub fn fold(mut s: u32) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}
pub fn csum(data: &[u8], init: u32) -> u16 {
    !fold(init + ones_sum(data))
}
fn pseudo(src: u32, dst: u32, proto: u8, len: usize) -> u32 {
    ones_sum(&src.to_be_bytes()) + ones_sum(&dst.to_be_bytes()) + u32::from(proto) + len as u32
}

/// An L4 message of an IPv4 packet, before fragmentation.
#[derive(Debug, Clone)]
pub enum L4 {
    Tcp { sport: u16, dport: u16, flags: u8, seq: u32 },
    Udp { sport: u16, dport: u16, zero_csum: bool },
    Icmp { ty: u8, code: u8, ident: u16, seq: u16 },
    Other(u8),
}

impl L4 {
    pub fn proto(&self) -> u8 {
        match self {
            L4::Tcp { .. } => 6,
            L4::Udp { .. } => 17,
            L4::Icmp { .. } => 1,
            L4::Other(p) => *p,
        }
    }
    /// The L4 bytes (header with a valid checksum, and payload).
    pub fn bytes(&self, src: u32, dst: u32, payload: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        match *self {
            L4::Tcp { sport, dport, flags, seq } => {
                b.extend(sport.to_be_bytes());
                b.extend(dport.to_be_bytes());
                b.extend(seq.to_be_bytes());
                b.extend(if flags & 0x10 != 0 { 0x1234_5678u32 } else { 0 }.to_be_bytes());
                b.extend([0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
                b.extend(payload);
                let c = csum(&b, pseudo(src, dst, 6, b.len()));
                b[16..18].copy_from_slice(&c.to_be_bytes());
            }
            L4::Udp { sport, dport, zero_csum } => {
                b.extend(sport.to_be_bytes());
                b.extend(dport.to_be_bytes());
                b.extend(((8 + payload.len()) as u16).to_be_bytes());
                b.extend([0, 0]);
                b.extend(payload);
                if !zero_csum {
                    let c = match csum(&b, pseudo(src, dst, 17, b.len())) {
                        0 => 0xffff,
                        c => c,
                    };
                    b[6..8].copy_from_slice(&c.to_be_bytes());
                }
            }
            L4::Icmp { ty, code, ident, seq } => {
                b.extend([ty, code, 0, 0]);
                b.extend(ident.to_be_bytes());
                b.extend(seq.to_be_bytes());
                b.extend(payload);
                let c = csum(&b, 0);
                b[2..4].copy_from_slice(&c.to_be_bytes());
            }
            L4::Other(_) => b.extend(payload),
        }
        b
    }
}

/// How an IPv4 packet is fragmented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frag {
    None,
    /// Offset 0, more fragments.
    First,
    /// Offset in 8-byte units, and the MF flag.
    NonFirst(u16, bool),
}

#[derive(Debug, Clone)]
pub struct Ip4Spec {
    pub src: u32,
    pub dst: u32,
    pub ttl: u8,
    pub ident: u16,
    pub options_words: u8,
    pub frag: Frag,
    pub l4: L4,
    pub payload: Vec<u8>,
}

impl Ip4Spec {
    pub fn bytes(&self) -> Vec<u8> {
        let body = match self.frag {
            Frag::NonFirst(..) => self.payload.clone(),
            _ => self.l4.bytes(self.src, self.dst, &self.payload),
        };
        let hl = 20 + 4 * usize::from(self.options_words);
        let mut h = vec![0u8; hl];
        h[0] = 0x40 | (hl / 4) as u8;
        h[2..4].copy_from_slice(&((hl + body.len()) as u16).to_be_bytes());
        h[4..6].copy_from_slice(&self.ident.to_be_bytes());
        let ff: u16 = match self.frag {
            Frag::None => 0,
            Frag::First => 0x2000,
            Frag::NonFirst(off, mf) => (off & 0x1fff) | if mf { 0x2000 } else { 0 },
        };
        h[6..8].copy_from_slice(&ff.to_be_bytes());
        h[8] = self.ttl;
        h[9] = self.l4.proto();
        h[12..16].copy_from_slice(&self.src.to_be_bytes());
        h[16..20].copy_from_slice(&self.dst.to_be_bytes());
        // Options: NOPs ended by End-of-list.
        for (i, b) in h[20..].iter_mut().enumerate() {
            *b = if i + 1 == hl - 20 { 0 } else { 1 };
        }
        let c = csum(&h, 0);
        h[10..12].copy_from_slice(&c.to_be_bytes());
        h.extend(body);
        h
    }
}

pub fn ethernet(dst: [u8; 6], src: [u8; 6], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + payload.len());
    f.extend(dst);
    f.extend(src);
    f.extend(ethertype.to_be_bytes());
    f.extend(payload);
    f
}

// ---- checking emitted frames --------------------------------------------------------

/// One's-complement equality: 0x0000 and 0xffff are both zero.
fn csum_eq(a: u16, b: u16) -> bool {
    a == b || (a | b == 0xffff && (a == 0 || b == 0))
}

/// What [`check_frame`] found in a valid frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameInfo {
    pub is_ip4: bool,
    pub ttl: u8,
    pub src: u32,
    pub dst: u32,
    pub proto: u8,
    pub sport: u16,
    pub dport: u16,
    pub fragmented: bool,
}

/// Parses `frame` with etherparse and checks, by full recomputation, the IPv4 header
/// checksum and (for unfragmented packets) the TCP, UDP (when non-zero) and ICMP
/// checksums. Non-IPv4 frames only need an Ethernet header.
pub fn check_frame(frame: &[u8]) -> Result<FrameInfo, String> {
    let p = SlicedPacket::from_ethernet(frame).map_err(|e| format!("etherparse: {e:?}"))?;
    let mut info = FrameInfo::default();
    let ip = match &p.net {
        Some(NetSlice::Ipv4(ip)) => ip,
        Some(NetSlice::Ipv6(_)) => return Err("IPv6 out of an IPv4 pipeline".into()),
        None => {
            if frame[12..14] == [0x08, 0x00] {
                return Err("ethertype IPv4 but no IPv4 header parsed".into());
            }
            return Ok(info);
        }
    };
    let h = ip.header();
    if !csum_eq(h.header_checksum(), h.to_header().calc_header_checksum()) {
        return Err(format!(
            "IPv4 header checksum {:#06x}, recomputed {:#06x}",
            h.header_checksum(),
            h.to_header().calc_header_checksum()
        ));
    }
    // (a frame may carry Ethernet padding after the packet: VPP keeps it)
    if usize::from(h.total_len()) + 14 > frame.len() {
        return Err(format!("IPv4 total length {} but frame {} bytes", h.total_len(), frame.len()));
    }
    info.is_ip4 = true;
    info.ttl = h.ttl();
    info.src = u32::from_be_bytes(h.source());
    info.dst = u32::from_be_bytes(h.destination());
    info.proto = h.protocol().0;
    info.fragmented = ip.is_payload_fragmented();
    if info.fragmented {
        return Ok(info);
    }
    let (s, d) = (h.source(), h.destination());
    match &p.transport {
        Some(TransportSlice::Tcp(t)) => {
            let c = t.calc_checksum_ipv4(s, d).map_err(|e| format!("{e:?}"))?;
            if !csum_eq(c, t.checksum()) {
                return Err(format!("TCP checksum {:#06x}, recomputed {c:#06x}", t.checksum()));
            }
            (info.sport, info.dport) = (t.source_port(), t.destination_port());
        }
        Some(TransportSlice::Udp(u)) => {
            if u.checksum() != 0 {
                let c = u.to_header().calc_checksum_ipv4_raw(s, d, u.payload()).map_err(|e| format!("{e:?}"))?;
                if !csum_eq(c, u.checksum()) {
                    return Err(format!("UDP checksum {:#06x}, recomputed {c:#06x}", u.checksum()));
                }
            }
            (info.sport, info.dport) = (u.source_port(), u.destination_port());
        }
        Some(TransportSlice::Icmpv4(i)) => {
            // Over the message's actual bytes: etherparse's own `calc_checksum` assumes
            // the "unused" words of error messages are zero.
            let mut msg = i.slice().to_vec();
            msg[2..4].fill(0);
            let c = csum(&msg, 0);
            if !csum_eq(c, i.checksum()) {
                return Err(format!("ICMP type {} checksum {:#06x}, recomputed {c:#06x}", i.type_u8(), i.checksum()));
            }
            let b = i.bytes5to8();
            (info.sport, info.dport) = (u16::from_be_bytes([b[0], b[1]]), u16::from_be_bytes([b[0], b[1]]));
        }
        _ => {}
    }
    Ok(info)
}
