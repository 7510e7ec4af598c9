//! UDP datagrams (RFC 768).
//!
//! UDP over IPv4 has two checksum conventions the rest of the arithmetic does not: a
//! checksum field of `0` means "not computed", and a computed checksum of `0` is
//! transmitted as `0xffff`. [`UdpPacket::fill_checksum`], [`UdpPacket::verify_checksum`],
//! [`update16`] and [`update32`] all follow them.

use super::{ipv4, WireError};
use offload_tables::checksum;

mod field {
    pub type Field = core::ops::Range<usize>;

    pub const SRC_PORT: Field = 0..2;
    pub const DST_PORT: Field = 2..4;
    pub const LENGTH: Field = 4..6;
    pub const CHECKSUM: Field = 6..8;
}

/// Length of the UDP header.
pub const HEADER_LEN: usize = field::CHECKSUM.end;

/// Byte offset of the checksum, for callers doing incremental updates.
pub const CHECKSUM_OFFSET: usize = field::CHECKSUM.start;

/// Incrementally update a UDP checksum field after a 16-bit word changed (RFC 1624 eqn. 3),
/// keeping RFC 768's conventions: a field of `0` (no checksum) stays `0`, and a result of
/// `0` is written as `0xffff`. Equals a full [`UdpPacket::fill_checksum`] exactly.
#[inline]
pub const fn update16(csum: u16, old: u16, new: u16) -> u16 {
    checksum::apply_udp(csum, checksum::fold(checksum::add16(0, old, new)))
}

/// As [`update16`] for an aligned 32-bit change (an IPv4 address in the pseudo header).
#[inline]
pub const fn update32(csum: u16, old: u32, new: u32) -> u16 {
    checksum::apply_udp(csum, checksum::fold(checksum::add32(0, old, new)))
}

/// A read/write view of a UDP datagram.
///
/// The buffer is the IPv4 payload; it may be longer than the UDP length field, and
/// [`UdpPacket::payload`] stops at that length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Wrap a buffer without checking it; accessors panic if it is shorter than 8 bytes.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        UdpPacket { buffer }
    }

    /// Wrap an untrusted buffer: at least 8 bytes, and a length field between 8 and the
    /// buffer length, else [`WireError::BadL4Header`].
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// The checks of [`UdpPacket::new_checked`].
    #[inline]
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::BadL4Header);
        }
        let length = usize::from(self.length());
        if length < HEADER_LEN || length > len {
            return Err(WireError::BadL4Header);
        }
        Ok(())
    }

    /// Unwrap the buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    #[inline]
    fn word(&self, f: field::Field) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[f.start], d[f.start + 1]])
    }

    /// Source port.
    #[inline]
    pub fn src_port(&self) -> u16 {
        self.word(field::SRC_PORT)
    }

    /// Destination port.
    #[inline]
    pub fn dst_port(&self) -> u16 {
        self.word(field::DST_PORT)
    }

    /// Length field: header plus payload.
    #[inline]
    pub fn length(&self) -> u16 {
        self.word(field::LENGTH)
    }

    /// Checksum field; `0` means no checksum was computed.
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.word(field::CHECKSUM)
    }

    /// End of the datagram, clamped to the buffer.
    #[inline]
    fn end(&self) -> usize {
        usize::from(self.length()).min(self.buffer.as_ref().len())
    }

    /// The payload, bounded by the length field.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        let end = self.end();
        self.buffer.as_ref().get(HEADER_LEN..end).unwrap_or(&[])
    }

    /// Whether the checksum verifies for the given IPv4 addresses; `true` when the
    /// checksum field is `0` (not computed).
    #[inline]
    pub fn verify_checksum(&self, src: [u8; 4], dst: [u8; 4]) -> bool {
        if self.checksum() == 0 {
            return true;
        }
        checksum::fold(self.sum(src, dst)) == 0xffff
    }

    #[inline]
    fn sum(&self, src: [u8; 4], dst: [u8; 4]) -> u32 {
        let datagram = &self.buffer.as_ref()[..self.end()];
        checksum::pseudo_header_sum(src, dst, ipv4::protocol::UDP, self.length()) + checksum::sum(datagram)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    #[inline]
    fn set_word(&mut self, f: field::Field, value: u16) {
        self.buffer.as_mut()[f].copy_from_slice(&value.to_be_bytes());
    }

    /// Set the source port (the checksum is not touched).
    #[inline]
    pub fn set_src_port(&mut self, port: u16) {
        self.set_word(field::SRC_PORT, port);
    }

    /// Set the destination port (the checksum is not touched).
    #[inline]
    pub fn set_dst_port(&mut self, port: u16) {
        self.set_word(field::DST_PORT, port);
    }

    /// Set the length field.
    #[inline]
    pub fn set_length(&mut self, length: u16) {
        self.set_word(field::LENGTH, length);
    }

    /// Set the checksum field (`0` = none).
    #[inline]
    pub fn set_checksum(&mut self, checksum: u16) {
        self.set_word(field::CHECKSUM, checksum);
    }

    /// Mutable payload, bounded by the length field.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = self.end();
        self.buffer.as_mut().get_mut(HEADER_LEN..end).unwrap_or(&mut [])
    }

    /// Compute and write the checksum over the pseudo header and the datagram (as far as
    /// the length field says); a computed `0` is written as `0xffff`.
    #[inline]
    pub fn fill_checksum(&mut self, src: [u8; 4], dst: [u8; 4]) {
        self.set_checksum(0);
        let c = match checksum::finish(self.sum(src, dst)) {
            0 => 0xffff,
            c => c,
        };
        self.set_checksum(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_vectors::{self as tv, full};
    use crate::wire::Ipv4Packet;
    use proptest::prelude::*;

    #[test]
    fn seed_vxlan_outer_udp() {
        for (v, sport) in [(tv::VXLAN_OUT, 60039), (tv::VXLAN_BACK, 25569)] {
            let frame = full(v);
            let ip = Ipv4Packet::new_checked(&frame[14..]).unwrap();
            let udp = UdpPacket::new_checked(ip.payload()).unwrap();
            // "UDP: 60039 -> 4789 / length 90, checksum 0x0000"
            assert_eq!(udp.src_port(), sport);
            assert_eq!(udp.dst_port(), crate::wire::vxlan::UDP_PORT);
            assert_eq!(udp.length(), 90);
            assert_eq!(udp.checksum(), 0);
            assert!(udp.verify_checksum(ip.src_addr(), ip.dst_addr()));
            assert_eq!(udp.payload().len(), 82);
            assert_eq!(&udp.payload()[..8], &[0x08, 0, 0, 0, 0, 0, 0x0a, 0]);
        }
    }

    #[test]
    fn bad_inputs() {
        let mut d = [0u8; 12];
        d[4..6].copy_from_slice(&8u16.to_be_bytes());
        assert!(UdpPacket::new_checked(&d[..]).is_ok());
        assert_eq!(UdpPacket::new_checked(&d[..7]).unwrap_err(), WireError::BadL4Header);
        assert_eq!(UdpPacket::new_checked(&[][..]).unwrap_err(), WireError::BadL4Header);
        d[4..6].copy_from_slice(&7u16.to_be_bytes());
        assert_eq!(UdpPacket::new_checked(&d[..]).unwrap_err(), WireError::BadL4Header);
        d[4..6].copy_from_slice(&13u16.to_be_bytes());
        assert_eq!(UdpPacket::new_checked(&d[..]).unwrap_err(), WireError::BadL4Header);
        // Shorter than the buffer is fine: trailing bytes are not payload.
        d[4..6].copy_from_slice(&10u16.to_be_bytes());
        d[8..].copy_from_slice(&[1, 2, 3, 4]);
        assert_eq!(UdpPacket::new_checked(&d[..]).unwrap().payload(), &[1, 2]);
    }

    #[test]
    fn fill_verify_and_zero_becomes_ffff() {
        let (src, dst) = ([192, 168, 16, 1], [192, 168, 16, 2]);
        let mut d = [0u8; 11];
        let mut udp = UdpPacket::new_unchecked(&mut d[..]);
        udp.set_src_port(60039);
        udp.set_dst_port(4789);
        udp.set_length(10);
        udp.fill_checksum(src, dst);
        assert!(udp.verify_checksum(src, dst));
        // Put the checksum itself into the payload: the sum becomes 0xffff and the
        // computed checksum 0, which must be sent as 0xffff.
        let c = udp.checksum();
        udp.payload_mut().copy_from_slice(&c.to_be_bytes());
        udp.fill_checksum(src, dst);
        assert_eq!(udp.checksum(), 0xffff);
        assert!(udp.verify_checksum(src, dst));
        udp.set_checksum(0x1234);
        assert!(!udp.verify_checksum(src, dst));
        udp.set_checksum(0);
        assert!(udp.verify_checksum(src, dst), "0 = no checksum");
    }

    #[test]
    fn incremental_keeps_udp_conventions() {
        assert_eq!(update16(0, 1234, 4321), 0, "no checksum stays none");
        assert_eq!(update32(0, 1, 2), 0);
        // RFC 1624 section 3 example: eqn. 3 gives 0x0000, UDP must send 0xffff.
        assert_eq!(update16(0xdd2f, 0x5555, 0x3285), 0xffff);
    }

    fn touch_all<T: AsRef<[u8]>>(u: &UdpPacket<T>) {
        let _ = (u.src_port(), u.dst_port(), u.length(), u.checksum(), u.payload());
        let _ = u.verify_checksum([1, 2, 3, 4], [5, 6, 7, 8]);
    }

    proptest! {
        #[test]
        fn never_panics(mut data in proptest::collection::vec(any::<u8>(), 0..200),
                        new_len in any::<u16>()) {
            if let Ok(mut u) = UdpPacket::new_checked(&mut data[..]) {
                touch_all(&u);
                prop_assert_eq!(u.payload().len() + HEADER_LEN, usize::from(u.length()));
                u.set_length(new_len);
                u.fill_checksum([1, 2, 3, 4], [5, 6, 7, 8]);
                touch_all(&u);
                let _ = u.payload_mut();
            }
        }

        /// Datagrams built by etherparse (which computes the UDP checksum) parse to the
        /// same fields, verify, and our fill_checksum reproduces the checksum.
        #[test]
        fn matches_etherparse_builder(
            src in any::<[u8; 4]>(), dst in any::<[u8; 4]>(),
            sport in any::<u16>(), dport in any::<u16>(),
            payload in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let builder = etherparse::PacketBuilder::ipv4(src, dst, 64).udp(sport, dport);
            let mut buf = Vec::with_capacity(builder.size(payload.len()));
            builder.write(&mut buf, &payload).unwrap();
            let ip = Ipv4Packet::new_checked(&buf[..]).unwrap();
            let u = UdpPacket::new_checked(ip.payload()).unwrap();
            let e = etherparse::UdpHeaderSlice::from_slice(ip.payload()).unwrap();
            prop_assert_eq!((u.src_port(), u.dst_port()), (e.source_port(), e.destination_port()));
            prop_assert_eq!(u.length(), e.length());
            prop_assert_eq!(u.checksum(), e.checksum());
            prop_assert_eq!(u.payload(), &payload[..]);
            prop_assert!(u.verify_checksum(src, dst));
            let mut dgram = ip.payload().to_vec();
            UdpPacket::new_unchecked(&mut dgram[..]).fill_checksum(src, dst);
            prop_assert_eq!(&dgram[..], ip.payload());
        }

        /// udp::update16 / update32 equal a full recomputation exactly, 0xffff included.
        #[test]
        fn incremental_matches_fill(
            src in any::<[u8; 4]>(), new_src in any::<[u8; 4]>(), dst in any::<[u8; 4]>(),
            sport in any::<u16>(), new_sport in any::<u16>(),
            payload in proptest::collection::vec(any::<u8>(), 0..16),
            force_ffff in any::<bool>(),
        ) {
            let mut d = vec![0u8; HEADER_LEN + payload.len() + 2];
            let mut u = UdpPacket::new_unchecked(&mut d[..]);
            u.set_src_port(sport);
            u.set_length((HEADER_LEN + payload.len() + 2) as u16);
            u.payload_mut()[..payload.len()].copy_from_slice(&payload);
            u.fill_checksum(src, dst);
            if force_ffff {
                // Add the checksum itself to the data so the computed checksum becomes 0,
                // i.e. the field 0xffff. At an odd offset the two bytes land in two words,
                // low byte first, hence the byte swap.
                let c = u.checksum();
                let w = if payload.len() % 2 == 0 { c } else { c.rotate_left(8) };
                u.payload_mut()[payload.len()..].copy_from_slice(&w.to_be_bytes());
                u.fill_checksum(src, dst);
                prop_assert_eq!(u.checksum(), 0xffff);
            }
            let before = u.checksum();
            let c = update16(before, sport, new_sport);
            let c = update32(c, u32::from_be_bytes(src), u32::from_be_bytes(new_src));
            u.set_src_port(new_sport);
            u.fill_checksum(new_src, dst);
            prop_assert_eq!(c, u.checksum());
        }
    }
}
