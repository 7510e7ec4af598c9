//! VXLAN headers (RFC 7348).
//!
//! ```text
//! |R|R|R|R|I|R|R|R|            Reserved                           |
//! |                VXLAN Network Identifier (VNI) |   Reserved    |
//! ```
//!
//! On receive only the I flag is checked; the reserved bits are ignored as RFC 7348
//! section 5 requires. On transmit [`VxlanPacket::set_flags_vni`] writes them as zero.

use super::WireError;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_vectors::{self as tv, full};
    use crate::wire::{ethernet, EthernetFrame, Ipv4Packet, UdpPacket};
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
