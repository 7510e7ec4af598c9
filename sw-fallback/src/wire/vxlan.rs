//! VXLAN headers (RFC 7348).
//!
//! ```text
//! |R|R|R|R|I|R|R|R|            Reserved                           |
//! |                VXLAN Network Identifier (VNI) |   Reserved    |
//! ```
//!
//! On receive only the I flag is checked; the reserved bits are ignored as RFC 7348
//! section 5 requires. On transmit [`VxlanPacket::set_flags_vni`] writes them as zero.
//!
//! Encapsulation over IPv4 (`vxlan4-encap`) puts [`ENCAP_LEN`] bytes of outer headers in
//! front of the inner frame, built from a tunnel entry by [`EncapTemplate`] (or at once by
//! [`outer_headers`]): the one definition of those bytes, which the NIC's
//! `offload_vxlan_encap` is checked against.

use super::{ethernet, ipv4, udp, EthernetFrame, Ipv4Packet, UdpPacket, WireError};
use offload_tables::checksum;
use offload_tables::layout::VxlanTunnelEntry;

mod field {
    pub type Field = core::ops::Range<usize>;

    pub const FLAGS: usize = 0;
    pub const RESERVED0: Field = 1..4;
    pub const VNI: Field = 4..7;
    pub const RESERVED1: usize = 7;
    pub const PAYLOAD: usize = RESERVED1 + 1;
}

/// Length of the VXLAN header.
pub const HEADER_LEN: usize = field::PAYLOAD;

/// IANA-assigned UDP destination port for VXLAN.
pub const UDP_PORT: u16 = 4789;

/// The I flag: the VNI is valid. Must be set.
pub const FLAG_I: u8 = 0x08;

/// Largest VNI (24 bits).
pub const VNI_MAX: u32 = 0x00ff_ffff;

/// A read/write view of a VXLAN header and the inner Ethernet frame after it. The buffer
/// is the UDP payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VxlanPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VxlanPacket<T> {
    /// Wrap a buffer without checking it; accessors panic if it is shorter than 8 bytes.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        VxlanPacket { buffer }
    }

    /// Wrap an untrusted buffer: at least 8 bytes ([`WireError::Truncated`]) and the I
    /// flag set ([`WireError::BadVxlanFlags`]).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        if packet.flags() & FLAG_I == 0 {
            return Err(WireError::BadVxlanFlags);
        }
        Ok(packet)
    }

    /// Check that the buffer holds a full header.
    #[inline]
    pub fn check_len(&self) -> Result<(), WireError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Unwrap the buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The flags byte.
    #[inline]
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS]
    }

    /// The 24-bit VXLAN network identifier.
    #[inline]
    pub fn vni(&self) -> u32 {
        let d = self.buffer.as_ref();
        u32::from_be_bytes([0, d[field::VNI.start], d[field::VNI.start + 1], d[field::VNI.start + 2]])
    }

    /// The inner Ethernet frame.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> VxlanPacket<T> {
    /// Write the whole header: flags = I, reserved fields zero, and `vni` (masked to 24
    /// bits).
    #[inline]
    pub fn set_flags_vni(&mut self, vni: u32) {
        let d = self.buffer.as_mut();
        d[field::FLAGS] = FLAG_I;
        d[field::RESERVED0].fill(0);
        d[field::VNI].copy_from_slice(&(vni & VNI_MAX).to_be_bytes()[1..]);
        d[field::RESERVED1] = 0;
    }

    /// Mutable inner frame.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD..]
    }
}

/// Length of the outer headers of VXLAN over IPv4: Ethernet, IPv4 without options, UDP
/// and VXLAN.
pub const ENCAP_LEN: usize = ethernet::HEADER_LEN + ipv4::HEADER_LEN + udp::HEADER_LEN + HEADER_LEN;

/// The outer IPv4 header's TTL (VPP's `vxlan4-encap`).
pub const OUTER_TTL: u8 = 254;

/// The longest inner frame an outer IPv4 packet can carry (its total length is 16 bits).
pub const MAX_INNER_LEN: usize = u16::MAX as usize - (ENCAP_LEN - ethernet::HEADER_LEN);

/// The outer IPv4 total length for an inner frame of `inner_len` bytes (at most
/// [`MAX_INNER_LEN`]).
#[inline]
pub const fn outer_ip_len(inner_len: usize) -> u16 {
    (inner_len + ENCAP_LEN - ethernet::HEADER_LEN) as u16
}

/// A tunnel's outer headers, precomputed once per tunnel: the outer IPv4 header with total
/// length 0 and the checksum for that (the length, added to both by [`EncapTemplate::write`],
/// moves the checksum by itself alone), and the VNI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncapTemplate {
    ipv4: [u8; ipv4::HEADER_LEN],
    vni: u32,
}

impl EncapTemplate {
    /// The template of tunnel `t`: IPv4 from `t.src` to `t.dst`, TTL [`OUTER_TTL`], UDP.
    pub fn new(t: &VxlanTunnelEntry) -> Self {
        let mut h = [0u8; ipv4::HEADER_LEN];
        let mut ip = Ipv4Packet::new_unchecked(&mut h[..]);
        ip.set_version(4);
        ip.set_header_len(ipv4::HEADER_LEN as u8);
        ip.set_ttl(OUTER_TTL);
        ip.set_protocol(ipv4::protocol::UDP);
        ip.set_src_addr(t.src.to_be_bytes());
        ip.set_dst_addr(t.dst.to_be_bytes());
        let c = checksum::finish(checksum::sum(&h));
        Ipv4Packet::new_unchecked(&mut h[..]).set_checksum(c);
        EncapTemplate { ipv4: h, vni: t.vni }
    }

    /// Writes the outer headers into `h[..ENCAP_LEN]` for an inner frame of `inner_len`
    /// bytes (at most [`MAX_INNER_LEN`]) and UDP source port `sport`: zero MACs and IPv4's
    /// EtherType; the template's IPv4 header with its total length and checksum; UDP from
    /// `sport` to [`UDP_PORT`] without a checksum; VXLAN with the I flag and the VNI.
    #[inline]
    pub fn write(&self, h: &mut [u8], inner_len: usize, sport: u16) {
        let (eth, rest) = h[..ENCAP_LEN].split_at_mut(ethernet::HEADER_LEN);
        let (ip, rest) = rest.split_at_mut(ipv4::HEADER_LEN);
        let (l4, vx) = rest.split_at_mut(udp::HEADER_LEN);
        let mut eth = EthernetFrame::new_unchecked(eth);
        eth.set_dst_addr([0; 6]);
        eth.set_src_addr([0; 6]);
        eth.set_ethertype(ethernet::ethertype::IPV4);
        ip.copy_from_slice(&self.ipv4);
        let mut ip = Ipv4Packet::new_unchecked(ip);
        let ip_len = outer_ip_len(inner_len);
        ip.set_total_len(ip_len);
        ip.set_checksum(checksum::update16(ip.checksum(), 0, ip_len));
        let mut l4 = UdpPacket::new_unchecked(l4);
        l4.set_src_port(sport);
        l4.set_dst_port(UDP_PORT);
        l4.set_length((inner_len + udp::HEADER_LEN + HEADER_LEN) as u16);
        l4.set_checksum(0);
        VxlanPacket::new_unchecked(vx).set_flags_vni(self.vni);
    }
}

/// The outer headers `vxlan4-encap` puts in front of an inner frame of `inner_len` bytes
/// (at most [`MAX_INNER_LEN`]) for tunnel `t`, with UDP source port `sport` (the inner
/// flow's, [`offload_tables::flow_hash::vxlan_src_port`]): [`EncapTemplate`] at once.
pub fn outer_headers(t: &VxlanTunnelEntry, inner_len: usize, sport: u16) -> [u8; ENCAP_LEN] {
    let mut h = [0u8; ENCAP_LEN];
    EncapTemplate::new(t).write(&mut h, inner_len, sport);
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_vectors::{self as tv, full};
    use proptest::prelude::*;

    #[test]
    fn seed_vxlan_decap_chain() {
        // Walk the whole outer stack of the encapsulated SYN as vxlan4-input would.
        for (v, inner_dst) in [
            (tv::VXLAN_OUT, [0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x02]),
            (tv::VXLAN_BACK, [0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x01]),
        ] {
            let frame = full(v);
            let eth = EthernetFrame::new_checked(&frame[..]).unwrap();
            assert_eq!(eth.ethertype(), ethernet::ethertype::IPV4);
            let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
            assert!(ip.verify_checksum());
            let udp = UdpPacket::new_checked(ip.payload()).unwrap();
            assert_eq!(udp.dst_port(), UDP_PORT);
            let vx = VxlanPacket::new_checked(udp.payload()).unwrap();
            // "VXLAN decap from vxlan_tunnel0 vni 10"
            assert_eq!(vx.flags(), FLAG_I);
            assert_eq!(vx.vni(), 10);
            let inner = EthernetFrame::new_checked(vx.payload()).unwrap();
            assert_eq!(inner.dst_addr(), inner_dst);
            assert_eq!(vx.payload().len(), 74, "the 74-byte SYN / SYN-ACK frame");
        }
    }

    #[test]
    fn seed_outer_headers() {
        // vxlan4-encap of the seed's 74-byte SYN and SYN-ACK, then ip4-rewrite (TTL 254 to
        // 253, the next hop's MACs): the seed's outer headers.
        for (v, src, dst, sport) in
            [(tv::VXLAN_OUT, 0xc0a8_1001, 0xc0a8_1002, 60039), (tv::VXLAN_BACK, 0xc0a8_1002, 0xc0a8_1001, 25569)]
        {
            let want = full(v);
            let t = VxlanTunnelEntry { src, dst, vni: 10, ..Default::default() };
            let mut h = outer_headers(&t, want.len() - ENCAP_LEN, sport);
            h[..12].copy_from_slice(&want[..12]);
            let ttl_proto = |h: &[u8]| u16::from_be_bytes([h[22], h[23]]);
            let old = ttl_proto(&h);
            h[22] -= 1;
            let c = checksum::update16(u16::from_be_bytes([h[24], h[25]]), old, ttl_proto(&h));
            h[24..26].copy_from_slice(&c.to_be_bytes());
            assert_eq!(h[..], want[..ENCAP_LEN]);
        }
    }

    #[test]
    fn outer_headers_parse_back() {
        let t = VxlanTunnelEntry { src: 0x0a00_0001, dst: 0xc0a8_ffff, vni: 0x0123_4567, ..Default::default() };
        for inner_len in [0, 14, 60, 1500, 9000, MAX_INNER_LEN] {
            let h = outer_headers(&t, inner_len, 0xbeef);
            let ip = Ipv4Packet::new_unchecked(&h[ethernet::HEADER_LEN..]);
            assert!(ip.verify_checksum(), "inner length {inner_len}");
            assert_eq!((ip.ttl(), ip.protocol()), (OUTER_TTL, ipv4::protocol::UDP));
            assert_eq!(usize::from(ip.total_len()), inner_len + ENCAP_LEN - ethernet::HEADER_LEN);
            let l4 = UdpPacket::new_unchecked(&h[ethernet::HEADER_LEN + ipv4::HEADER_LEN..]);
            assert_eq!((l4.src_port(), l4.dst_port(), l4.checksum()), (0xbeef, UDP_PORT, 0));
            assert_eq!(usize::from(l4.length()), inner_len + udp::HEADER_LEN + HEADER_LEN);
            let vx = VxlanPacket::new_checked(&h[ENCAP_LEN - HEADER_LEN..]).unwrap();
            assert_eq!(vx.vni(), 0x23_4567);
        }
    }

    #[test]
    fn encap_round_trip() {
        let mut b = [0xffu8; 12];
        let mut vx = VxlanPacket::new_unchecked(&mut b[..]);
        vx.set_flags_vni(0x0123_4567);
        vx.payload_mut().copy_from_slice(&[1, 2, 3, 4]);
        assert_eq!(vx.vni(), 0x23_4567, "masked to 24 bits");
        assert_eq!(&b, &[0x08, 0, 0, 0, 0x23, 0x45, 0x67, 0, 1, 2, 3, 4]);
        let vx = VxlanPacket::new_checked(&b[..]).unwrap();
        assert_eq!(vx.payload(), &[1, 2, 3, 4]);
    }

    #[test]
    fn bad_inputs() {
        let hdr = [0x08, 0, 0, 0, 0, 0, 0x0a, 0];
        assert!(VxlanPacket::new_checked(&hdr[..]).is_ok());
        assert_eq!(VxlanPacket::new_checked(&hdr[..7]).unwrap_err(), WireError::Truncated);
        let no_i = [0x00, 0, 0, 0, 0, 0, 0x0a, 0];
        assert_eq!(VxlanPacket::new_checked(&no_i[..]).unwrap_err(), WireError::BadVxlanFlags);
        let gbp = [0xf7, 0, 0, 0, 0, 0, 0x0a, 0];
        assert_eq!(VxlanPacket::new_checked(&gbp[..]).unwrap_err(), WireError::BadVxlanFlags);
        // Reserved bits set alongside I are ignored (RFC 7348 section 5).
        let reserved = [0x88, 0xff, 0, 0, 0, 0, 0x0a, 0xff];
        assert_eq!(VxlanPacket::new_checked(&reserved[..]).unwrap().vni(), 10);
    }

    proptest! {
        #[test]
        fn never_panics(mut data in proptest::collection::vec(any::<u8>(), 0..200),
                        vni in any::<u32>()) {
            match VxlanPacket::new_checked(&mut data[..]) {
                Ok(mut vx) => {
                    let _ = (vx.flags(), vx.vni(), vx.payload());
                    vx.set_flags_vni(vni);
                    prop_assert_eq!(vx.vni(), vni & VNI_MAX);
                    let _ = vx.payload_mut();
                }
                Err(WireError::Truncated) => prop_assert!(data.len() < HEADER_LEN),
                Err(e) => prop_assert_eq!(e, WireError::BadVxlanFlags),
            }
        }
    }
}
