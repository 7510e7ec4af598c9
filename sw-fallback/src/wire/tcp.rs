//! TCP segments (RFC 9293): header fields, options and checksum.

use super::{ipv4, WireError};
use offload_tables::checksum;

mod field {
    pub type Field = core::ops::Range<usize>;

    pub const SRC_PORT: Field = 0..2;
    pub const DST_PORT: Field = 2..4;
    pub const SEQ_NUM: Field = 4..8;
    pub const ACK_NUM: Field = 8..12;
    pub const DATA_OFF: usize = 12;
    pub const FLAGS: usize = 13;
    pub const WIN_SIZE: Field = 14..16;
    pub const CHECKSUM: Field = 16..18;
    pub const URGENT: Field = 18..20;
}

/// Length of a TCP header without options.
pub const HEADER_LEN: usize = field::URGENT.end;

/// Byte offset of the checksum, for callers doing incremental updates
/// ([`checksum::update16`] / [`checksum::update32`]).
pub const CHECKSUM_OFFSET: usize = field::CHECKSUM.start;

/// TCP flag bits as found in [`TcpPacket::flags`].
pub mod flags {
    /// No more data from sender.
    pub const FIN: u8 = 0x01;
    /// Synchronize sequence numbers.
    pub const SYN: u8 = 0x02;
    /// Reset the connection.
    pub const RST: u8 = 0x04;
    /// Push function.
    pub const PSH: u8 = 0x08;
    /// Acknowledgment field significant.
    pub const ACK: u8 = 0x10;
    /// Urgent pointer field significant.
    pub const URG: u8 = 0x20;
    /// ECN echo.
    pub const ECE: u8 = 0x40;
    /// Congestion window reduced.
    pub const CWR: u8 = 0x80;
}

/// A read/write view of a TCP segment.
///
/// The buffer is the whole segment, i.e. the IPv4 payload bounded by the total length
/// ([`ipv4::Ipv4Packet::payload`]); its length is the TCP length of the pseudo header
/// (at most 65 515 bytes for IPv4; a longer buffer would be checksummed with a truncated
/// length, never panic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpPacket<T> {
    /// Wrap a buffer without checking it; fixed-offset accessors panic if it is shorter
    /// than 20 bytes.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        TcpPacket { buffer }
    }

    /// Wrap an untrusted buffer: at least 20 bytes, data offset >= 5 and data offset * 4
    /// within the buffer, else [`WireError::BadL4Header`].
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// The checks of [`TcpPacket::new_checked`].
    #[inline]
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::BadL4Header);
        }
        let header_len = usize::from(self.header_len());
        if header_len < HEADER_LEN || header_len > len {
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

    #[inline]
    fn dword(&self, f: field::Field) -> u32 {
        let d = self.buffer.as_ref();
        u32::from_be_bytes([d[f.start], d[f.start + 1], d[f.start + 2], d[f.start + 3]])
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

    /// Sequence number.
    #[inline]
    pub fn seq(&self) -> u32 {
        self.dword(field::SEQ_NUM)
    }

    /// Acknowledgment number.
    #[inline]
    pub fn ack(&self) -> u32 {
        self.dword(field::ACK_NUM)
    }

    /// Header length in bytes (data offset * 4), options included.
    #[inline]
    pub fn header_len(&self) -> u8 {
        (self.buffer.as_ref()[field::DATA_OFF] >> 4) * 4
    }

    /// Flag bits (see [`flags`]).
    #[inline]
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS]
    }

    /// Receive window.
    #[inline]
    pub fn window(&self) -> u16 {
        self.word(field::WIN_SIZE)
    }

    /// Checksum as found in the segment.
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.word(field::CHECKSUM)
    }

    /// Urgent pointer.
    #[inline]
    pub fn urgent(&self) -> u16 {
        self.word(field::URGENT)
    }

    /// Header end, clamped to the buffer.
    #[inline]
    fn header_end(&self) -> usize {
        usize::from(self.header_len()).min(self.buffer.as_ref().len())
    }

    /// The options (empty when the data offset is 5).
    #[inline]
    pub fn options(&self) -> &[u8] {
        let end = self.header_end();
        self.buffer.as_ref().get(HEADER_LEN..end).unwrap_or(&[])
    }

    /// The payload after the header.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_end()..]
    }

    /// Whether the checksum verifies for the given IPv4 addresses.
    #[inline]
    pub fn verify_checksum(&self, src: [u8; 4], dst: [u8; 4]) -> bool {
        let d = self.buffer.as_ref();
        let pseudo = checksum::pseudo_header_sum(src, dst, ipv4::protocol::TCP, d.len() as u16);
        checksum::fold(pseudo + checksum::sum(d)) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TcpPacket<T> {
    #[inline]
    fn set_word(&mut self, f: field::Field, value: u16) {
        self.buffer.as_mut()[f].copy_from_slice(&value.to_be_bytes());
    }

    #[inline]
    fn set_dword(&mut self, f: field::Field, value: u32) {
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

    /// Set the sequence number.
    #[inline]
    pub fn set_seq(&mut self, seq: u32) {
        self.set_dword(field::SEQ_NUM, seq);
    }

    /// Set the acknowledgment number.
    #[inline]
    pub fn set_ack(&mut self, ack: u32) {
        self.set_dword(field::ACK_NUM, ack);
    }

    /// Set the header length in bytes (rounded down to a multiple of 4, at most 60); the
    /// reserved bits are cleared.
    #[inline]
    pub fn set_header_len(&mut self, len: u8) {
        self.buffer.as_mut()[field::DATA_OFF] = ((len / 4) & 0x0f) << 4;
    }

    /// Set the flag bits.
    #[inline]
    pub fn set_flags(&mut self, flags: u8) {
        self.buffer.as_mut()[field::FLAGS] = flags;
    }

    /// Set the receive window.
    #[inline]
    pub fn set_window(&mut self, window: u16) {
        self.set_word(field::WIN_SIZE, window);
    }

    /// Set the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, checksum: u16) {
        self.set_word(field::CHECKSUM, checksum);
    }

    /// Set the urgent pointer.
    #[inline]
    pub fn set_urgent(&mut self, urgent: u16) {
        self.set_word(field::URGENT, urgent);
    }

    /// Mutable options.
    #[inline]
    pub fn options_mut(&mut self) -> &mut [u8] {
        let end = self.header_end();
        self.buffer.as_mut().get_mut(HEADER_LEN..end).unwrap_or(&mut [])
    }

    /// Mutable payload.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_end();
        &mut self.buffer.as_mut()[start..]
    }

    /// Recompute the checksum over the pseudo header and the whole segment.
    #[inline]
    pub fn fill_checksum(&mut self, src: [u8; 4], dst: [u8; 4]) {
        self.set_checksum(0);
        let d = self.buffer.as_ref();
        let pseudo = checksum::pseudo_header_sum(src, dst, ipv4::protocol::TCP, d.len() as u16);
        let c = checksum::finish(pseudo + checksum::sum(d));
        self.set_checksum(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_vectors::{self as tv, full};
    use crate::wire::Ipv4Packet;
    use proptest::prelude::*;

    /// The IPv4 payload of an Ethernet frame.
    fn l4(frame: &[u8]) -> &[u8] {
        let ip = Ipv4Packet::new_checked(&frame[14..]).unwrap();
        &frame[14 + usize::from(ip.header_len())..14 + usize::from(ip.total_len())]
    }

    #[test]
    fn seed_syn() {
        let frame = full(tv::SYN_LOOP0);
        let tcp = TcpPacket::new_checked(&l4(&frame)[..40]).unwrap();
        // "TCP: 49710 -> 8080 / seq. 0x27c7a68b ack 0x00000000 /
        //  flags 0x02 SYN, tcp header: 40 bytes / window 29200, checksum 0xdee3"
        assert_eq!(tcp.src_port(), 49710);
        assert_eq!(tcp.dst_port(), 8080);
        assert_eq!(tcp.seq(), 0x27c7_a68b);
        assert_eq!(tcp.ack(), 0);
        assert_eq!(tcp.flags(), flags::SYN);
        assert_eq!(tcp.header_len(), 40);
        assert_eq!(tcp.window(), 29200);
        assert_eq!(tcp.checksum(), 0xdee3);
        assert_eq!(tcp.urgent(), 0);
        assert_eq!(tcp.options().len(), 20);
        // MSS 1460, SACK permitted (the rest of the options is cut off in the dump).
        assert_eq!(&tcp.options()[..6], &[0x02, 0x04, 0x05, 0xb4, 0x04, 0x02]);
        assert!(tcp.payload().is_empty());
    }

    #[test]
    fn seed_syn_ack() {
        let frame = full(tv::SYNACK_LOOP0);
        let tcp = TcpPacket::new_checked(l4(&frame)).unwrap();
        assert_eq!((tcp.src_port(), tcp.dst_port()), (8080, 49710));
        assert_eq!(tcp.seq(), 0xfc73_6553);
        assert_eq!(tcp.ack(), 0x27c7_a68c);
        assert_eq!(tcp.flags(), flags::SYN | flags::ACK);
        assert_eq!(tcp.window(), 28960);
        assert_eq!(tcp.checksum(), 0x11a7);
    }

    #[test]
    fn seed_nat_incremental_checksums() {
        // nat44-out2in: 10.97.193.160:80 -> 10.1.2.4:8080 turns 0x3e27 into 0xdee3.
        let c = checksum::update32(0x3e27, 0x0a61_c1a0, 0x0a01_0204);
        assert_eq!(checksum::update16(c, 80, 8080), 0xdee3);
        // The reverse on the SYN-ACK: 10.1.2.4:8080 -> 10.97.193.160:80, 0x11a7 -> 0x70ea,
        // which is what the SYNACK_UNNAT dump carries.
        let mut frame = full(tv::SYNACK_LOOP0);
        let mut tcp = TcpPacket::new_unchecked(&mut frame[34..74]);
        let c = checksum::update32(tcp.checksum(), 0x0a01_0204, 0x0a61_c1a0);
        tcp.set_checksum(checksum::update16(c, tcp.src_port(), 80));
        tcp.set_src_port(80);
        assert_eq!(tcp.checksum(), 0x70ea);
        let unnat = full(tv::SYNACK_UNNAT);
        assert_eq!(&frame[34..74], &unnat[34..74]);
    }

    #[test]
    fn fill_and_verify() {
        let (src, dst) = ([10, 1, 1, 3], [10, 1, 2, 4]);
        let mut seg = [0u8; 27];
        let mut tcp = TcpPacket::new_unchecked(&mut seg[..]);
        tcp.set_src_port(49710);
        tcp.set_dst_port(8080);
        tcp.set_seq(1);
        tcp.set_ack(2);
        tcp.set_header_len(24);
        tcp.set_flags(flags::PSH | flags::ACK);
        tcp.set_window(1024);
        tcp.set_urgent(0);
        tcp.options_mut().copy_from_slice(&[1, 1, 1, 0]);
        tcp.payload_mut().copy_from_slice(b"odd");
        tcp.fill_checksum(src, dst);
        assert!(tcp.verify_checksum(src, dst));
        assert!(!tcp.verify_checksum(src, [10, 1, 2, 5]));
        let e = etherparse::TcpHeaderSlice::from_slice(&seg).unwrap();
        assert_eq!(e.calc_checksum_ipv4_raw(src, dst, b"odd").unwrap(), e.checksum());
        assert_eq!(e.options(), &[1, 1, 1, 0]);
        assert_eq!(e.data_offset(), 6);
        assert!(e.psh() && e.ack() && !e.syn());

        seg[26] ^= 0x80;
        assert!(!TcpPacket::new_checked(&seg[..]).unwrap().verify_checksum(src, dst));
    }

    #[test]
    fn bad_inputs() {
        let mut seg = [0u8; 24];
        seg[12] = 0x50;
        assert!(TcpPacket::new_checked(&seg[..]).is_ok());
        assert_eq!(TcpPacket::new_checked(&seg[..19]).unwrap_err(), WireError::BadL4Header);
        assert_eq!(TcpPacket::new_checked(&[][..]).unwrap_err(), WireError::BadL4Header);
        seg[12] = 0x40;
        assert_eq!(TcpPacket::new_checked(&seg[..]).unwrap_err(), WireError::BadL4Header);
        seg[12] = 0x70; // 28 bytes of header in 24
        assert_eq!(TcpPacket::new_checked(&seg[..]).unwrap_err(), WireError::BadL4Header);
        seg[12] = 0x60;
        assert_eq!(TcpPacket::new_checked(&seg[..]).unwrap().options().len(), 4);
    }

    #[test]
    fn matches_etherparse_on_seed() {
        for v in [tv::SYN_LOOP0, tv::SYNACK_LOOP0, tv::SYNACK_UNNAT] {
            let frame = full(v);
            let e = etherparse::TcpHeaderSlice::from_slice(l4(&frame)).unwrap();
            let t = TcpPacket::new_checked(l4(&frame)).unwrap();
            assert_eq!(t.src_port(), e.source_port());
            assert_eq!(t.dst_port(), e.destination_port());
            assert_eq!(t.seq(), e.sequence_number());
            assert_eq!(t.ack(), e.acknowledgment_number());
            assert_eq!(t.header_len(), e.data_offset() * 4);
            assert_eq!(t.flags() & flags::SYN != 0, e.syn());
            assert_eq!(t.flags() & flags::ACK != 0, e.ack());
            assert_eq!(t.window(), e.window_size());
            assert_eq!(t.checksum(), e.checksum());
            assert_eq!(t.urgent(), e.urgent_pointer());
            assert_eq!(t.options(), e.options());
        }
    }

    fn touch_all<T: AsRef<[u8]>>(t: &TcpPacket<T>) {
        let _ = (t.src_port(), t.dst_port(), t.seq(), t.ack(), t.header_len(), t.flags());
        let _ = (t.window(), t.checksum(), t.urgent(), t.options(), t.payload());
        let _ = t.verify_checksum([1, 2, 3, 4], [5, 6, 7, 8]);
    }

    proptest! {
        #[test]
        fn never_panics(mut data in proptest::collection::vec(any::<u8>(), 0..200),
                        hl in any::<u8>()) {
            let len = data.len();
            if let Ok(mut t) = TcpPacket::new_checked(&mut data[..]) {
                touch_all(&t);
                prop_assert_eq!(t.options().len() + t.payload().len() + HEADER_LEN, len);
                t.set_header_len(hl);
                t.fill_checksum([1, 2, 3, 4], [5, 6, 7, 8]);
                touch_all(&t);
                let _ = (t.options_mut().len(), t.payload_mut().len());
            }
        }

        /// Segments built by etherparse parse to the same fields and their checksum verifies.
        #[test]
        fn matches_etherparse_builder(
            src in any::<[u8; 4]>(), dst in any::<[u8; 4]>(),
            sport in any::<u16>(), dport in any::<u16>(), seq in any::<u32>(),
            ack in any::<u32>(), win in any::<u16>(),
            payload in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let builder = etherparse::PacketBuilder::ipv4(src, dst, 64)
                .tcp(sport, dport, seq, win)
                .ack(ack)
                .psh();
            let mut buf = Vec::with_capacity(builder.size(payload.len()));
            builder.write(&mut buf, &payload).unwrap();
            let ip = Ipv4Packet::new_checked(&buf[..]).unwrap();
            let t = TcpPacket::new_checked(ip.payload()).unwrap();
            prop_assert_eq!((t.src_port(), t.dst_port()), (sport, dport));
            prop_assert_eq!((t.seq(), t.ack(), t.window()), (seq, ack, win));
            prop_assert_eq!(t.flags(), flags::ACK | flags::PSH);
            prop_assert_eq!(t.payload(), &payload[..]);
            prop_assert!(t.verify_checksum(src, dst));
            let mut seg = ip.payload().to_vec();
            TcpPacket::new_unchecked(&mut seg[..]).fill_checksum(src, dst);
            prop_assert_eq!(&seg[..], ip.payload());
        }
    }
}
