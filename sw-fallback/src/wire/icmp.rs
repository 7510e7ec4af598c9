//! ICMPv4 messages (RFC 792): the common 8-byte header, echo identifier / sequence, and
//! the checksum over the whole message.

use super::WireError;
use offload_tables::checksum;

mod field {
    pub type Field = core::ops::Range<usize>;

    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Field = 2..4;
    /// Echo identifier; other types use bytes 4..8 differently ("rest of header").
    pub const ECHO_IDENT: Field = 4..6;
    pub const ECHO_SEQNO: Field = 6..8;
}

/// Length of the ICMP header (type, code, checksum and the 4-byte "rest of header").
pub const HEADER_LEN: usize = field::ECHO_SEQNO.end;

/// Byte offset of the checksum, for callers doing incremental updates.
pub const CHECKSUM_OFFSET: usize = field::CHECKSUM.start;

/// ICMP message types the dataplane cares about.
pub mod msg_type {
    /// Echo reply.
    pub const ECHO_REPLY: u8 = 0;
    /// Destination unreachable.
    pub const DEST_UNREACHABLE: u8 = 3;
    /// Echo request.
    pub const ECHO_REQUEST: u8 = 8;
    /// Time exceeded (sent when the TTL expires).
    pub const TIME_EXCEEDED: u8 = 11;
}

/// A read/write view of an ICMPv4 message. The buffer is the whole message (the IPv4
/// payload); the checksum covers all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> IcmpPacket<T> {
    /// Wrap a buffer without checking it; accessors panic if it is shorter than 8 bytes.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        IcmpPacket { buffer }
    }

    /// Wrap an untrusted buffer: at least 8 bytes, else [`WireError::BadL4Header`].
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// The check of [`IcmpPacket::new_checked`].
    #[inline]
    pub fn check_len(&self) -> Result<(), WireError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(WireError::BadL4Header)
        } else {
            Ok(())
        }
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

    /// Message type (see [`msg_type`]).
    #[inline]
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }

    /// Message code.
    #[inline]
    pub fn code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// Checksum as found in the message.
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.word(field::CHECKSUM)
    }

    /// Whether this is an echo request or reply, the types for which
    /// [`IcmpPacket::echo_ident`] and [`IcmpPacket::echo_seq_no`] mean something.
    #[inline]
    pub fn is_echo(&self) -> bool {
        matches!(self.msg_type(), msg_type::ECHO_REQUEST | msg_type::ECHO_REPLY)
    }

    /// Echo identifier (bytes 4..6; meaningful only when [`IcmpPacket::is_echo`]).
    #[inline]
    pub fn echo_ident(&self) -> u16 {
        self.word(field::ECHO_IDENT)
    }

    /// Echo sequence number (bytes 6..8; meaningful only when [`IcmpPacket::is_echo`]).
    #[inline]
    pub fn echo_seq_no(&self) -> u16 {
        self.word(field::ECHO_SEQNO)
    }

    /// Everything after the 8-byte header (echo data, or the offending packet's header
    /// for error messages).
    #[inline]
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(HEADER_LEN..).unwrap_or(&[])
    }

    /// Whether the checksum over the whole message verifies.
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        checksum::fold(checksum::sum(self.buffer.as_ref())) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> IcmpPacket<T> {
    #[inline]
    fn set_word(&mut self, f: field::Field, value: u16) {
        self.buffer.as_mut()[f].copy_from_slice(&value.to_be_bytes());
    }

    /// Set the message type.
    #[inline]
    pub fn set_msg_type(&mut self, value: u8) {
        self.buffer.as_mut()[field::TYPE] = value;
    }

    /// Set the message code.
    #[inline]
    pub fn set_code(&mut self, value: u8) {
        self.buffer.as_mut()[field::CODE] = value;
    }

    /// Set the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, value: u16) {
        self.set_word(field::CHECKSUM, value);
    }

    /// Set the echo identifier (the checksum is not touched).
    #[inline]
    pub fn set_echo_ident(&mut self, value: u16) {
        self.set_word(field::ECHO_IDENT, value);
    }

    /// Set the echo sequence number (the checksum is not touched).
    #[inline]
    pub fn set_echo_seq_no(&mut self, value: u16) {
        self.set_word(field::ECHO_SEQNO, value);
    }

    /// Mutable payload.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        self.buffer.as_mut().get_mut(HEADER_LEN..).unwrap_or(&mut [])
    }

    /// Recompute the checksum over the whole message.
    #[inline]
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::finish(checksum::sum(self.buffer.as_ref()));
        self.set_checksum(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Ipv4Packet;
    use proptest::prelude::*;

    /// An echo request: id 0x1234, seq 1, "abcd" payload; checksum
    /// computed by hand: ~(0x0800 + 0x1234 + 0x0001 + 0x6162 + 0x6364) = 0x2104.
    const ECHO: [u8; 12] = [8, 0, 0x21, 0x04, 0x12, 0x34, 0x00, 0x01, b'a', b'b', b'c', b'd'];

    #[test]
    fn echo_request() {
        let icmp = IcmpPacket::new_checked(&ECHO[..]).unwrap();
        assert_eq!(icmp.msg_type(), msg_type::ECHO_REQUEST);
        assert_eq!(icmp.code(), 0);
        assert!(icmp.is_echo());
        assert_eq!(icmp.echo_ident(), 0x1234);
        assert_eq!(icmp.echo_seq_no(), 1);
        assert_eq!(icmp.payload(), b"abcd");
        assert_eq!(icmp.checksum(), 0x2104);
        assert!(icmp.verify_checksum());
    }

    #[test]
    fn reply_from_request() {
        let mut m = ECHO;
        let mut icmp = IcmpPacket::new_checked(&mut m[..]).unwrap();
        // Turning a request into a reply changes the word 0x0800 into 0x0000.
        let c = checksum::update16(icmp.checksum(), 0x0800, 0x0000);
        icmp.set_msg_type(msg_type::ECHO_REPLY);
        icmp.set_checksum(c);
        assert!(icmp.verify_checksum());
        let inc = icmp.checksum();
        icmp.fill_checksum();
        assert_eq!(icmp.checksum(), inc);
        icmp.payload_mut()[0] = b'z';
        assert!(!icmp.verify_checksum());
    }

    #[test]
    fn bad_inputs() {
        assert_eq!(IcmpPacket::new_checked(&ECHO[..7]).unwrap_err(), WireError::BadL4Header);
        assert_eq!(IcmpPacket::new_checked(&[][..]).unwrap_err(), WireError::BadL4Header);
        let hdr_only = IcmpPacket::new_checked(&ECHO[..8]).unwrap();
        assert!(hdr_only.payload().is_empty());
        let unreach = [3u8, 1, 0, 0, 0, 0, 0, 0];
        assert!(!IcmpPacket::new_checked(&unreach[..]).unwrap().is_echo());
    }

    #[test]
    fn matches_etherparse() {
        let builder = etherparse::PacketBuilder::ipv4([10, 1, 1, 3], [10, 1, 2, 4], 64).icmpv4_echo_request(0xbeef, 7);
        let mut buf = Vec::new();
        builder.write(&mut buf, b"ping payload").unwrap();
        let ip = Ipv4Packet::new_checked(&buf[..]).unwrap();
        let icmp = IcmpPacket::new_checked(ip.payload()).unwrap();
        assert_eq!(icmp.msg_type(), msg_type::ECHO_REQUEST);
        assert_eq!((icmp.echo_ident(), icmp.echo_seq_no()), (0xbeef, 7));
        assert_eq!(icmp.payload(), b"ping payload");
        assert!(icmp.verify_checksum());
        let mut copy = ip.payload().to_vec();
        IcmpPacket::new_unchecked(&mut copy[..]).fill_checksum();
        assert_eq!(&copy[..], ip.payload());
    }

    proptest! {
        #[test]
        fn never_panics(mut data in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(mut icmp) = IcmpPacket::new_checked(&mut data[..]) {
                let _ = (icmp.msg_type(), icmp.code(), icmp.checksum(), icmp.is_echo());
                let _ = (icmp.echo_ident(), icmp.echo_seq_no(), icmp.payload());
                let _ = icmp.verify_checksum();
                icmp.fill_checksum();
                prop_assert!(icmp.verify_checksum());
                let _ = icmp.payload_mut();
            }
        }
    }
}
