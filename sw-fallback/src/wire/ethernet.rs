//! Ethernet II frames (no FCS; VLAN tags are left in the payload for the caller).

use core::fmt;

use super::WireError;

mod field {
    pub type Field = core::ops::Range<usize>;

    pub const DESTINATION: Field = 0..6;
    pub const SOURCE: Field = 6..12;
    pub const ETHERTYPE: Field = 12..14;
    pub const PAYLOAD: usize = ETHERTYPE.end;
}

/// Length of the Ethernet II header (no VLAN tag).
pub const HEADER_LEN: usize = field::PAYLOAD;

/// EtherType values the dataplane cares about.
pub mod ethertype {
    /// IPv4.
    pub const IPV4: u16 = 0x0800;
    /// ARP.
    pub const ARP: u16 = 0x0806;
    /// 802.1Q VLAN tag.
    pub const VLAN: u16 = 0x8100;
}

/// A read/write view of an Ethernet II frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthernetFrame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EthernetFrame<T> {
    /// Wrap a buffer without checking it; accessors panic if it is shorter than 14 bytes.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        EthernetFrame { buffer }
    }

    /// Wrap a buffer, checking that it holds a full header ([`WireError::Truncated`]).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let frame = Self::new_unchecked(buffer);
        frame.check_len()?;
        Ok(frame)
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

    /// Destination MAC address.
    #[inline]
    pub fn dst_addr(&self) -> [u8; 6] {
        mac_at(self.buffer.as_ref(), field::DESTINATION.start)
    }

    /// Source MAC address.
    #[inline]
    pub fn src_addr(&self) -> [u8; 6] {
        mac_at(self.buffer.as_ref(), field::SOURCE.start)
    }

    /// EtherType.
    #[inline]
    pub fn ethertype(&self) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[field::ETHERTYPE.start], d[field::ETHERTYPE.start + 1]])
    }

    /// Everything after the header (may include Ethernet padding).
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EthernetFrame<T> {
    /// Set the destination MAC address.
    #[inline]
    pub fn set_dst_addr(&mut self, addr: [u8; 6]) {
        self.buffer.as_mut()[field::DESTINATION].copy_from_slice(&addr);
    }

    /// Set the source MAC address.
    #[inline]
    pub fn set_src_addr(&mut self, addr: [u8; 6]) {
        self.buffer.as_mut()[field::SOURCE].copy_from_slice(&addr);
    }

    /// Set the EtherType.
    #[inline]
    pub fn set_ethertype(&mut self, ethertype: u16) {
        self.buffer.as_mut()[field::ETHERTYPE].copy_from_slice(&ethertype.to_be_bytes());
    }

    /// Mutable payload.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD..]
    }
}

#[inline]
fn mac_at(d: &[u8], at: usize) -> [u8; 6] {
    [d[at], d[at + 1], d[at + 2], d[at + 3], d[at + 4], d[at + 5]]
}

/// A MAC address that displays as `1a:2b:3c:4d:5e:01`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MacAddr(pub [u8; 6]);

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// Display helper for a raw MAC: `format!("{}", fmt_mac(&frame.src_addr()))`.
#[inline]
pub fn fmt_mac(mac: &[u8; 6]) -> MacAddr {
    MacAddr(*mac)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// ip4-rewrite output of the seed trace's SYN on loop0 (the dump is cut at 60 bytes).
    const SYN_LOOP0: [u8; 60] = [
        0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x02, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x01, 0x08, 0x00, 0x45, 0x00, 0x00, 0x3c,
        0x89, 0x5a, 0x40, 0x00, 0x3f, 0x06, 0x9b, 0x59, 0x0a, 0x01, 0x01, 0x03, 0x0a, 0x01, 0x02, 0x04, 0xc2, 0x2e,
        0x1f, 0x90, 0x27, 0xc7, 0xa6, 0x8b, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0x72, 0x10, 0xde, 0xe3, 0x00, 0x00,
        0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    ];

    #[test]
    fn seed_frame() {
        let f = EthernetFrame::new_checked(&SYN_LOOP0[..]).unwrap();
        // Trace: "IP4: 1a:2b:3c:4d:5e:01 -> 1a:2b:3c:4d:5e:02".
        assert_eq!(fmt_mac(&f.src_addr()).to_string(), "1a:2b:3c:4d:5e:01");
        assert_eq!(fmt_mac(&f.dst_addr()).to_string(), "1a:2b:3c:4d:5e:02");
        assert_eq!(f.ethertype(), ethertype::IPV4);
        assert_eq!(f.payload().len(), 60 - HEADER_LEN);
        assert_eq!(f.payload()[0], 0x45);
    }

    #[test]
    fn setters_round_trip() {
        let mut buf = [0u8; 20];
        let mut f = EthernetFrame::new_checked(&mut buf[..]).unwrap();
        f.set_dst_addr([0x08, 0x00, 0x27, 0xe0, 0x57, 0x49]);
        f.set_src_addr([0x08, 0x00, 0x27, 0x44, 0x9f, 0xd8]);
        f.set_ethertype(ethertype::ARP);
        f.payload_mut()[0] = 0xaa;
        assert_eq!(f.ethertype(), 0x0806);
        assert_eq!(fmt_mac(&f.src_addr()).to_string(), "08:00:27:44:9f:d8");
        assert_eq!(
            &buf[..15],
            &[0x08, 0x00, 0x27, 0xe0, 0x57, 0x49, 0x08, 0x00, 0x27, 0x44, 0x9f, 0xd8, 0x08, 0x06, 0xaa]
        );
    }

    #[test]
    fn truncated() {
        assert_eq!(EthernetFrame::new_checked(&SYN_LOOP0[..13]).unwrap_err(), WireError::Truncated);
        let f = EthernetFrame::new_checked(&SYN_LOOP0[..14]).unwrap();
        assert!(f.payload().is_empty());
        assert_eq!(EthernetFrame::new_checked(&[][..]).unwrap_err(), WireError::Truncated);
    }

    #[test]
    fn matches_etherparse() {
        let e = etherparse::Ethernet2HeaderSlice::from_slice(&SYN_LOOP0).unwrap();
        let f = EthernetFrame::new_checked(&SYN_LOOP0[..]).unwrap();
        assert_eq!(f.dst_addr(), e.destination());
        assert_eq!(f.src_addr(), e.source());
        assert_eq!(f.ethertype(), e.ether_type().0);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(f) = EthernetFrame::new_checked(&data[..]) {
                let _ = (f.dst_addr(), f.src_addr(), f.ethertype(), f.payload());
                prop_assert_eq!(f.payload().len() + HEADER_LEN, data.len());
            } else {
                prop_assert!(data.len() < HEADER_LEN);
            }
        }
    }
}
