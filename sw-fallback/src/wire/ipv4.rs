//! IPv4 headers (RFC 791).

use super::WireError;
use offload_tables::checksum;

mod field {
    pub type Field = core::ops::Range<usize>;

    pub const VER_IHL: usize = 0;
    pub const DSCP_ECN: usize = 1;
    pub const LENGTH: Field = 2..4;
    pub const IDENT: Field = 4..6;
    pub const FLG_OFF: Field = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Field = 10..12;
    pub const SRC_ADDR: Field = 12..16;
    pub const DST_ADDR: Field = 16..20;
}

/// Length of an IPv4 header without options.
pub const HEADER_LEN: usize = field::DST_ADDR.end;

/// Byte offset of the header checksum, for callers doing incremental updates.
pub const CHECKSUM_OFFSET: usize = field::CHECKSUM.start;

/// IP protocol numbers the dataplane cares about.
pub mod protocol {
    /// ICMP.
    pub const ICMP: u8 = 1;
    /// TCP.
    pub const TCP: u8 = 6;
    /// UDP.
    pub const UDP: u8 = 17;
}

const FLAG_DF: u16 = 0x4000;
const FLAG_MF: u16 = 0x2000;
const FRAG_OFFSET_MASK: u16 = 0x1fff;

/// A read/write view of an IPv4 packet: header, options and payload.
///
/// The buffer may be longer than the packet (Ethernet padding); [`Ipv4Packet::payload`]
/// stops at the total length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wrap a buffer without checking it; fixed-offset accessors panic if it is shorter
    /// than 20 bytes.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv4Packet { buffer }
    }

    /// Wrap an untrusted buffer. Checks, in this order:
    ///
    /// 1. at least 20 bytes, else [`WireError::Truncated`];
    /// 2. version 4, else [`WireError::BadIpVersion`];
    /// 3. IHL >= 5, else [`WireError::BadIhl`];
    /// 4. IHL * 4 <= buffer length, else [`WireError::Truncated`];
    /// 5. IHL * 4 <= total length <= buffer length, else [`WireError::BadTotalLength`]
    ///    (a buffer longer than the total length is accepted: Ethernet padding).
    ///
    /// The header checksum, fragments and the TTL are not checked here; that is node policy.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        if packet.buffer.as_ref().len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        if packet.version() != 4 {
            return Err(WireError::BadIpVersion);
        }
        packet.check_len()?;
        Ok(packet)
    }

    /// The length checks of [`Ipv4Packet::new_checked`] (all but the version).
    #[inline]
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let header_len = usize::from(self.header_len());
        if header_len < HEADER_LEN {
            return Err(WireError::BadIhl);
        }
        if header_len > len {
            return Err(WireError::Truncated);
        }
        let total_len = usize::from(self.total_len());
        if total_len < header_len || total_len > len {
            return Err(WireError::BadTotalLength);
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

    #[inline]
    fn addr(&self, f: field::Field) -> [u8; 4] {
        let d = self.buffer.as_ref();
        [d[f.start], d[f.start + 1], d[f.start + 2], d[f.start + 3]]
    }

    /// Version field (4 for a checked packet).
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// Header length in bytes (IHL * 4), options included.
    #[inline]
    pub fn header_len(&self) -> u8 {
        (self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }

    /// The DSCP/ECN byte (historically "type of service").
    #[inline]
    pub fn tos(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN]
    }

    /// Total length: header plus payload, in bytes.
    #[inline]
    pub fn total_len(&self) -> u16 {
        self.word(field::LENGTH)
    }

    /// Identification.
    #[inline]
    pub fn ident(&self) -> u16 {
        self.word(field::IDENT)
    }

    /// The raw flags + fragment offset word (for incremental checksum updates).
    #[inline]
    pub fn flags_frag(&self) -> u16 {
        self.word(field::FLG_OFF)
    }

    /// Don't Fragment flag.
    #[inline]
    pub fn dont_frag(&self) -> bool {
        self.flags_frag() & FLAG_DF != 0
    }

    /// More Fragments flag.
    #[inline]
    pub fn more_frags(&self) -> bool {
        self.flags_frag() & FLAG_MF != 0
    }

    /// Fragment offset in 8-byte units.
    #[inline]
    pub fn frag_offset(&self) -> u16 {
        self.flags_frag() & FRAG_OFFSET_MASK
    }

    /// Whether this is a fragment (MF set or non-zero offset).
    #[inline]
    pub fn is_fragment(&self) -> bool {
        self.flags_frag() & (FLAG_MF | FRAG_OFFSET_MASK) != 0
    }

    /// Time to live.
    #[inline]
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// Protocol of the payload (see [`protocol`]).
    #[inline]
    pub fn protocol(&self) -> u8 {
        self.buffer.as_ref()[field::PROTOCOL]
    }

    /// Header checksum as found in the packet.
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.word(field::CHECKSUM)
    }

    /// Source address.
    #[inline]
    pub fn src_addr(&self) -> [u8; 4] {
        self.addr(field::SRC_ADDR)
    }

    /// Destination address.
    #[inline]
    pub fn dst_addr(&self) -> [u8; 4] {
        self.addr(field::DST_ADDR)
    }

    /// Header end and packet end, clamped to the buffer so that no slice can panic even
    /// after a setter wrote an inconsistent length.
    #[inline]
    fn bounds(&self) -> (usize, usize) {
        let len = self.buffer.as_ref().len();
        let end = usize::from(self.total_len()).min(len);
        let header_end = usize::from(self.header_len()).min(end);
        (header_end, end)
    }

    /// The header, options included.
    #[inline]
    pub fn header(&self) -> &[u8] {
        let (header_end, _) = self.bounds();
        &self.buffer.as_ref()[..header_end]
    }

    /// The options (empty when IHL is 5).
    #[inline]
    pub fn options(&self) -> &[u8] {
        let h = self.header();
        h.get(HEADER_LEN..).unwrap_or(&[])
    }

    /// The payload, from the end of the header to the total length (padding excluded).
    #[inline]
    pub fn payload(&self) -> &[u8] {
        let (header_end, end) = self.bounds();
        &self.buffer.as_ref()[header_end..end]
    }

    /// Whether the header checksum verifies.
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        checksum::fold(checksum::sum(self.header())) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    #[inline]
    fn set_word(&mut self, f: field::Field, value: u16) {
        self.buffer.as_mut()[f].copy_from_slice(&value.to_be_bytes());
    }

    /// Set the version field (building packets: 4).
    #[inline]
    pub fn set_version(&mut self, version: u8) {
        let d = self.buffer.as_mut();
        d[field::VER_IHL] = (d[field::VER_IHL] & 0x0f) | (version << 4);
    }

    /// Set the header length in bytes (rounded down to a multiple of 4, at most 60).
    #[inline]
    pub fn set_header_len(&mut self, len: u8) {
        let d = self.buffer.as_mut();
        d[field::VER_IHL] = (d[field::VER_IHL] & 0xf0) | ((len / 4) & 0x0f);
    }

    /// Set the DSCP/ECN byte.
    #[inline]
    pub fn set_tos(&mut self, tos: u8) {
        self.buffer.as_mut()[field::DSCP_ECN] = tos;
    }

    /// Set the total length.
    #[inline]
    pub fn set_total_len(&mut self, len: u16) {
        self.set_word(field::LENGTH, len);
    }

    /// Set the identification.
    #[inline]
    pub fn set_ident(&mut self, ident: u16) {
        self.set_word(field::IDENT, ident);
    }

    /// Set DF, MF and the fragment offset (8-byte units, masked to 13 bits).
    #[inline]
    pub fn set_flags_frag(&mut self, dont_frag: bool, more_frags: bool, frag_offset: u16) {
        let mut v = frag_offset & FRAG_OFFSET_MASK;
        if dont_frag {
            v |= FLAG_DF;
        }
        if more_frags {
            v |= FLAG_MF;
        }
        self.set_word(field::FLG_OFF, v);
    }

    /// Set the time to live (the checksum is not touched).
    #[inline]
    pub fn set_ttl(&mut self, ttl: u8) {
        self.buffer.as_mut()[field::TTL] = ttl;
    }

    /// Set the protocol.
    #[inline]
    pub fn set_protocol(&mut self, protocol: u8) {
        self.buffer.as_mut()[field::PROTOCOL] = protocol;
    }

    /// Set the header checksum field.
    #[inline]
    pub fn set_checksum(&mut self, checksum: u16) {
        self.set_word(field::CHECKSUM, checksum);
    }

    /// Set the source address (the checksum is not touched).
    #[inline]
    pub fn set_src_addr(&mut self, addr: [u8; 4]) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&addr);
    }

    /// Set the destination address (the checksum is not touched).
    #[inline]
    pub fn set_dst_addr(&mut self, addr: [u8; 4]) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&addr);
    }

    /// Recompute the header checksum over the whole header.
    #[inline]
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::finish(checksum::sum(self.header()));
        self.set_checksum(c);
    }

    /// Mutable payload, bounded like [`Ipv4Packet::payload`].
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (header_end, end) = self.bounds();
        &mut self.buffer.as_mut()[header_end..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_vectors::{self as tv, dump, full};
    use proptest::prelude::*;

    #[test]
    fn seed_syn_after_rewrite() {
        let frame = full(tv::SYN_LOOP0);
        let ip = Ipv4Packet::new_checked(&frame[14..]).unwrap();
        // "TCP: 10.1.1.3 -> 10.1.2.4 / tos 0x00, ttl 63, length 60, checksum 0x9b59 /
        //  fragment id 0x895a, flags DONT_FRAGMENT"
        assert_eq!(ip.version(), 4);
        assert_eq!(ip.header_len(), 20);
        assert_eq!(ip.tos(), 0);
        assert_eq!(ip.total_len(), 60);
        assert_eq!(ip.ident(), 0x895a);
        assert!(ip.dont_frag());
        assert!(!ip.more_frags());
        assert_eq!(ip.frag_offset(), 0);
        assert!(!ip.is_fragment());
        assert_eq!(ip.ttl(), 63);
        assert_eq!(ip.protocol(), protocol::TCP);
        assert_eq!(ip.checksum(), 0x9b59);
        assert_eq!(ip.src_addr(), [10, 1, 1, 3]);
        assert_eq!(ip.dst_addr(), [10, 1, 2, 4]);
        assert!(ip.verify_checksum());
        assert!(ip.options().is_empty());
        assert_eq!(ip.header().len(), 20);
        assert_eq!(ip.payload().len(), 40);
        assert_eq!(&ip.payload()[..4], &[0xc2, 0x2e, 0x1f, 0x90]);
    }

    #[test]
    fn seed_ttl_and_checksums_along_the_path() {
        for (v, ttl, csum, src, dst) in [
            (tv::SYN_TAP3, 62, 0x9c59, [10, 1, 1, 3], [10, 1, 2, 4]),
            (tv::SYNACK_LOOP0, 63, 0x24b4, [10, 1, 2, 4], [10, 1, 1, 3]),
            (tv::SYNACK_UNNAT, 62, 0x65b7, [10, 97, 193, 160], [10, 1, 1, 3]),
        ] {
            let frame = full(v);
            let ip = Ipv4Packet::new_checked(&frame[14..]).unwrap();
            assert_eq!(ip.ttl(), ttl);
            assert_eq!(ip.checksum(), csum);
            assert_eq!(ip.src_addr(), src);
            assert_eq!(ip.dst_addr(), dst);
            assert!(ip.verify_checksum());
        }
    }

    #[test]
    fn seed_vxlan_outer() {
        let frame = full(tv::VXLAN_OUT);
        let ip = Ipv4Packet::new_checked(&frame[14..]).unwrap();
        // "UDP: 192.168.16.1 -> 192.168.16.2 / tos 0x00, ttl 253, length 110,
        //  checksum 0x1c2b / fragment id 0x0000"
        assert_eq!(ip.src_addr(), [192, 168, 16, 1]);
        assert_eq!(ip.dst_addr(), [192, 168, 16, 2]);
        assert_eq!(ip.ttl(), 253);
        assert_eq!(ip.total_len(), 110);
        assert_eq!(ip.checksum(), 0x1c2b);
        assert_eq!(ip.ident(), 0);
        assert!(!ip.dont_frag() && !ip.is_fragment());
        assert_eq!(ip.protocol(), protocol::UDP);
        assert!(ip.verify_checksum());
        assert_eq!(ip.payload().len(), 90);
    }

    #[test]
    fn seed_dumps_are_cut_short() {
        // The trace prints 60 bytes of a 74-byte frame: the total length does not fit.
        for v in [tv::SYN_LOOP0, tv::VXLAN_OUT] {
            let frame = dump(v);
            assert_eq!(Ipv4Packet::new_checked(&frame[14..]).unwrap_err(), WireError::BadTotalLength);
            // The header alone is intact and verifies.
            assert!(Ipv4Packet::new_unchecked(&frame[14..34]).verify_checksum());
        }
    }

    #[test]
    fn ttl_rewrite_and_fill_checksum() {
        let mut frame = full(tv::SYN_LOOP0);
        let mut ip = Ipv4Packet::new_checked(&mut frame[14..]).unwrap();
        let old = u16::from_be_bytes([ip.ttl(), ip.protocol()]);
        ip.set_ttl(62);
        let new = u16::from_be_bytes([ip.ttl(), ip.protocol()]);
        ip.set_checksum(checksum::update16(ip.checksum(), old, new));
        assert_eq!(ip.checksum(), 0x9c59, "as on tap3 in the trace");
        assert!(ip.verify_checksum());
        ip.set_checksum(0);
        assert!(!ip.verify_checksum());
        ip.fill_checksum();
        assert_eq!(ip.checksum(), 0x9c59);
    }

    /// A minimal valid header (20 bytes, total length = `len`).
    fn header(len: u16) -> Vec<u8> {
        let mut v = vec![0u8; usize::from(len)];
        let mut ip = Ipv4Packet::new_unchecked(&mut v[..]);
        ip.set_version(4);
        ip.set_header_len(20);
        ip.set_total_len(len);
        ip.set_ttl(64);
        ip.set_protocol(protocol::UDP);
        ip.fill_checksum();
        v
    }

    #[test]
    fn bad_inputs() {
        let good = header(28);
        assert!(Ipv4Packet::new_checked(&good[..]).is_ok());

        assert_eq!(Ipv4Packet::new_checked(&good[..19]).unwrap_err(), WireError::Truncated);
        assert_eq!(Ipv4Packet::new_checked(&[][..]).unwrap_err(), WireError::Truncated);

        let mut v = good.clone();
        v[0] = 0x65;
        assert_eq!(Ipv4Packet::new_checked(&v[..]).unwrap_err(), WireError::BadIpVersion);

        v[0] = 0x44;
        assert_eq!(Ipv4Packet::new_checked(&v[..]).unwrap_err(), WireError::BadIhl);
        v[0] = 0x40;
        assert_eq!(Ipv4Packet::new_checked(&v[..]).unwrap_err(), WireError::BadIhl);

        // IHL 15 = 60 bytes of header in a 28-byte buffer.
        v[0] = 0x4f;
        assert_eq!(Ipv4Packet::new_checked(&v[..]).unwrap_err(), WireError::Truncated);

        // Total length beyond the buffer, or below the header length.
        let mut v = good.clone();
        v[2..4].copy_from_slice(&29u16.to_be_bytes());
        assert_eq!(Ipv4Packet::new_checked(&v[..]).unwrap_err(), WireError::BadTotalLength);
        v[2..4].copy_from_slice(&19u16.to_be_bytes());
        assert_eq!(Ipv4Packet::new_checked(&v[..]).unwrap_err(), WireError::BadTotalLength);
        v[0] = 0x46;
        v[2..4].copy_from_slice(&20u16.to_be_bytes());
        assert_eq!(Ipv4Packet::new_checked(&v[..]).unwrap_err(), WireError::BadTotalLength);

        // Bad checksum is not a parse error, but does not verify.
        let mut v = good.clone();
        v[11] ^= 1;
        let ip = Ipv4Packet::new_checked(&v[..]).unwrap();
        assert!(!ip.verify_checksum());
    }

    #[test]
    fn ethernet_padding_is_not_payload() {
        // A 20-byte header + 6 payload bytes padded to the 46-byte Ethernet minimum.
        let mut v = header(26);
        v.resize(46, 0xee);
        let ip = Ipv4Packet::new_checked(&v[..]).unwrap();
        assert_eq!(ip.payload().len(), 6);
        assert!(ip.payload().iter().all(|&b| b == 0));
    }

    #[test]
    fn options_and_fragments() {
        let mut v = [0u8; 32];
        let mut ip = Ipv4Packet::new_unchecked(&mut v[..]);
        ip.set_version(4);
        ip.set_header_len(24);
        ip.set_total_len(32);
        ip.set_flags_frag(false, true, 0);
        ip.payload_mut().copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        ip.fill_checksum();
        let ip = Ipv4Packet::new_checked(&v[..]).unwrap();
        assert_eq!(ip.header_len(), 24);
        assert_eq!(ip.options(), &[0, 0, 0, 0]);
        assert_eq!(ip.payload(), &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert!(ip.more_frags() && ip.is_fragment());
        assert!(ip.verify_checksum());

        let mut ip = Ipv4Packet::new_unchecked(&mut v[..]);
        ip.set_flags_frag(true, false, 185);
        assert!(ip.dont_frag() && !ip.more_frags());
        assert_eq!(ip.frag_offset(), 185);
        assert!(ip.is_fragment());
        ip.set_flags_frag(true, false, 0xffff);
        assert_eq!(ip.frag_offset(), 0x1fff, "masked to 13 bits");
        ip.set_flags_frag(true, false, 0);
        assert!(!ip.is_fragment());
    }

    #[test]
    fn matches_etherparse_on_seed() {
        for v in [tv::SYN_LOOP0, tv::SYNACK_UNNAT, tv::VXLAN_OUT, tv::VXLAN_BACK] {
            let frame = full(v);
            let e = etherparse::Ipv4HeaderSlice::from_slice(&frame[14..]).unwrap();
            let ip = Ipv4Packet::new_checked(&frame[14..]).unwrap();
            assert_eq!(ip.header_len(), e.ihl() * 4);
            assert_eq!(ip.total_len(), e.total_len());
            assert_eq!(ip.ident(), e.identification());
            assert_eq!(ip.dont_frag(), e.dont_fragment());
            assert_eq!(ip.more_frags(), e.more_fragments());
            assert_eq!(ip.frag_offset(), e.fragments_offset().value());
            assert_eq!(ip.ttl(), e.ttl());
            assert_eq!(ip.protocol(), e.protocol().0);
            assert_eq!(ip.checksum(), e.header_checksum());
            assert_eq!(ip.src_addr(), e.source());
            assert_eq!(ip.dst_addr(), e.destination());
            assert_eq!(ip.options(), e.options());
            assert_eq!(ip.checksum(), e.to_header().calc_header_checksum());
        }
    }

    fn touch_all<T: AsRef<[u8]>>(ip: &Ipv4Packet<T>) {
        let _ = (ip.version(), ip.header_len(), ip.tos(), ip.total_len(), ip.ident());
        let _ = (ip.flags_frag(), ip.dont_frag(), ip.more_frags(), ip.frag_offset());
        let _ = (ip.is_fragment(), ip.ttl(), ip.protocol(), ip.checksum());
        let _ = (ip.src_addr(), ip.dst_addr(), ip.verify_checksum());
        let _ = (ip.header(), ip.options(), ip.payload());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(ip) = Ipv4Packet::new_checked(&data[..]) {
                touch_all(&ip);
                prop_assert!(ip.payload().len() + ip.header().len() <= data.len());
            }
        }

        /// Mostly-valid headers, so that the accept path and the setters are exercised too.
        #[test]
        fn never_panics_near_valid(
            ihl in 0u8..16, rest in proptest::collection::vec(any::<u8>(), 0..200),
            total in any::<u16>(), new_total in any::<u16>(), new_hl in any::<u8>(),
        ) {
            let mut data = rest;
            if data.len() >= 4 {
                data[0] = 0x40 | ihl;
                data[2..4].copy_from_slice(&(total % 256).to_be_bytes());
            }
            if let Ok(mut ip) = Ipv4Packet::new_checked(&mut data[..]) {
                touch_all(&ip);
                // Setters writing nonsense lengths must not make any accessor panic.
                ip.set_total_len(new_total);
                ip.set_header_len(new_hl);
                ip.fill_checksum();
                touch_all(&ip);
                let _ = ip.payload_mut();
            }
        }

        /// Packets built by etherparse parse to the same fields, and its checksum verifies.
        #[test]
        fn matches_etherparse_builder(
            src in any::<[u8; 4]>(), dst in any::<[u8; 4]>(), ttl in any::<u8>(),
            sport in any::<u16>(), dport in any::<u16>(),
            payload in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let builder = etherparse::PacketBuilder::ipv4(src, dst, ttl).udp(sport, dport);
            let mut buf = Vec::with_capacity(builder.size(payload.len()));
            builder.write(&mut buf, &payload).unwrap();
            let ip = Ipv4Packet::new_checked(&buf[..]).unwrap();
            prop_assert_eq!(ip.src_addr(), src);
            prop_assert_eq!(ip.dst_addr(), dst);
            prop_assert_eq!(ip.ttl(), ttl);
            prop_assert_eq!(ip.protocol(), protocol::UDP);
            prop_assert_eq!(usize::from(ip.total_len()), buf.len());
            prop_assert!(ip.verify_checksum());
            let mut copy = buf.clone();
            Ipv4Packet::new_unchecked(&mut copy[..]).fill_checksum();
            prop_assert_eq!(copy, buf);
        }
    }
}
