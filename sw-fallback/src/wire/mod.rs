//! Zero-copy packet views for the software dataplane.
//!
//! Every protocol gets a view type in the style of smoltcp's `wire` module: a thin wrapper
//! around any `T: AsRef<[u8]>` (a `&[u8]`, a `&mut [u8]`, a pool buffer) that reads and
//! writes header fields in place. Nothing in this module allocates.
//!
//! * `new_unchecked` wraps a buffer without looking at it. Accessors on a view built this
//!   way may panic if the buffer is too short; use it only on buffers the dataplane itself
//!   built.
//! * `new_checked` is for untrusted input (anything that came off a wire or out of device
//!   memory). It validates the lengths the accessors rely on and returns a [`WireError`]
//!   naming the drop reason. Once it succeeds, **no accessor panics**, and the
//!   variable-length accessors (`payload`, `options`, ...) clamp to the buffer so that even
//!   a later setter writing a nonsense length cannot make them panic.
//! * Getters live in `impl<T: AsRef<[u8]>>`, setters in
//!   `impl<T: AsRef<[u8]> + AsMut<[u8]>>`.
//!
//! What `new_checked` does *not* check is policy, left to the graph nodes: the IPv4
//! header checksum ([`WireError::BadIpChecksum`], skipped when the NIC already verified
//! it), fragments ([`WireError::Fragment`]) and TTL expiry ([`WireError::TtlExpired`]).
//!
//! Checksum offload, per protocol, in the Rx / Tx / Both / None sense used by NIC
//! offload descriptors:
//!
//! | protocol | checksum | what the software path does                                   |
//! |----------|----------|---------------------------------------------------------------|
//! | Ethernet | None     | FCS is the MAC's business                                      |
//! | IPv4     | Both     | `verify_checksum` on Rx, `fill_checksum` or [`offload_tables::checksum::update16`] on Tx |
//! | TCP      | Both     | pseudo-header checksum; incremental updates at [`tcp::CHECKSUM_OFFSET`] |
//! | UDP      | Both     | as TCP, but 0 means "no checksum" ([`udp::update16`] keeps that) |
//! | ICMP     | Both     | over the whole ICMP message, no pseudo header                  |
//! | VXLAN    | None     | carried in UDP, outer UDP checksum is normally 0               |

pub mod ethernet;
pub mod icmp;
pub mod ipv4;
pub mod tcp;
pub mod udp;
pub mod vxlan;

#[cfg(test)]
mod test_vectors;

pub use ethernet::{fmt_mac, EthernetFrame, MacAddr};
pub use icmp::IcmpPacket;
pub use ipv4::Ipv4Packet;
pub use tcp::TcpPacket;
pub use udp::UdpPacket;
pub use vxlan::VxlanPacket;

/// Generates [`WireError`] and its counter names from one list, as VPP does with its
/// `foreach_*_error` macros, so the two can never drift apart.
macro_rules! wire_errors {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, )*) => {
        /// Why a packet was dropped by the parsing layer (or by a node using it).
        ///
        /// One variant per drop counter; [`WireError::as_str`] is the counter name and
        /// [`WireError::index`] a dense index for per-batch counter arrays.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
        #[repr(u8)]
        pub enum WireError {
            $( $(#[$doc])* #[error($name)] $variant, )*
        }

        impl WireError {
            /// Every variant, in `index()` order.
            pub const ALL: &'static [WireError] = &[$(WireError::$variant),*];

            /// Number of variants (size of a counter array).
            pub const COUNT: usize = Self::ALL.len();

            /// Short VPP-style counter name.
            #[inline]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( WireError::$variant => $name, )*
                }
            }
        }
    };
}

wire_errors! {
    /// The buffer is shorter than the header (or the header length) says it must be.
    Truncated => "truncated",
    /// IPv4 version field is not 4.
    BadIpVersion => "ip4 version != 4",
    /// IPv4 IHL is below 5 (20 bytes).
    BadIhl => "ip4 header length < 20",
    /// IPv4 total length is below the header length or beyond the buffer.
    BadTotalLength => "ip4 length mismatch",
    /// IPv4 header checksum does not verify.
    BadIpChecksum => "ip4 bad checksum",
    /// TTL would reach zero on forwarding (returned by the rewrite node, not by parsers).
    TtlExpired => "ip4 ttl <= 1",
    /// The packet is an IPv4 fragment (MF set or fragment offset non-zero).
    Fragment => "ip4 fragment",
    /// TCP / UDP / ICMP header too short or with inconsistent length fields.
    BadL4Header => "l4 header truncated or malformed",
    /// VXLAN header without the I (valid VNI) flag.
    BadVxlanFlags => "vxlan flags invalid",
}

impl WireError {
    /// Dense index in `0..COUNT`, for counter arrays.
    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// Extract the flow ports of an L4 header: `(src_port, dst_port)` for TCP and UDP,
/// `(identifier, identifier)` for ICMP echo request / reply (the way NAT44 keys ICMP
/// sessions), `None` for other protocols and for ICMP messages other than echo.
///
/// `l4` is the IPv4 payload (bounded by the IPv4 total length). The L4 header is validated
/// with the protocol's `new_checked`, so a malformed header is reported as
/// [`WireError::BadL4Header`] rather than yielding ports.
#[inline]
pub fn parse_l4_ports(protocol: u8, l4: &[u8]) -> Result<Option<(u16, u16)>, WireError> {
    match protocol {
        ipv4::protocol::TCP => {
            let tcp = TcpPacket::new_checked(l4)?;
            Ok(Some((tcp.src_port(), tcp.dst_port())))
        }
        ipv4::protocol::UDP => {
            let udp = UdpPacket::new_checked(l4)?;
            Ok(Some((udp.src_port(), udp.dst_port())))
        }
        ipv4::protocol::ICMP => {
            let icmp = IcmpPacket::new_checked(l4)?;
            Ok(icmp.is_echo().then(|| {
                let id = icmp.echo_ident();
                (id, id)
            }))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_match_counters() {
        let expected = [
            (WireError::Truncated, "truncated"),
            (WireError::BadIpVersion, "ip4 version != 4"),
            (WireError::BadIhl, "ip4 header length < 20"),
            (WireError::BadTotalLength, "ip4 length mismatch"),
            (WireError::BadIpChecksum, "ip4 bad checksum"),
            (WireError::TtlExpired, "ip4 ttl <= 1"),
            (WireError::Fragment, "ip4 fragment"),
            (WireError::BadL4Header, "l4 header truncated or malformed"),
            (WireError::BadVxlanFlags, "vxlan flags invalid"),
        ];
        assert_eq!(WireError::COUNT, expected.len());
        for (i, (err, name)) in expected.iter().enumerate() {
            assert_eq!(err.as_str(), *name);
            assert_eq!(err.to_string(), *name);
            assert_eq!(err.index(), i);
            assert_eq!(WireError::ALL[i], *err);
        }
    }

    #[test]
    fn l4_ports() {
        // TCP SYN 49710 -> 8080 from the seed trace (header only, options cut).
        let mut tcp = [0u8; 20];
        tcp[..4].copy_from_slice(&[0xc2, 0x2e, 0x1f, 0x90]);
        tcp[12] = 0x50;
        assert_eq!(parse_l4_ports(6, &tcp), Ok(Some((49710, 8080))));
        assert_eq!(parse_l4_ports(6, &tcp[..19]), Err(WireError::BadL4Header));

        // UDP 60039 -> 4789, length 8.
        let udp = [0xea, 0x87, 0x12, 0xb5, 0x00, 0x08, 0x00, 0x00];
        assert_eq!(parse_l4_ports(17, &udp), Ok(Some((60039, 4789))));
        let bad_len = [0xea, 0x87, 0x12, 0xb5, 0x00, 0x09, 0x00, 0x00];
        assert_eq!(parse_l4_ports(17, &bad_len), Err(WireError::BadL4Header));

        // ICMP echo request id 0x1234, and a destination unreachable.
        let echo = [8, 0, 0, 0, 0x12, 0x34, 0, 1];
        assert_eq!(parse_l4_ports(1, &echo), Ok(Some((0x1234, 0x1234))));
        let unreach = [3, 1, 0, 0, 0, 0, 0, 0];
        assert_eq!(parse_l4_ports(1, &unreach), Ok(None));
        assert_eq!(parse_l4_ports(1, &echo[..7]), Err(WireError::BadL4Header));

        // GRE: no ports, whatever the payload.
        assert_eq!(parse_l4_ports(47, &[]), Ok(None));
    }

    proptest::proptest! {
        #[test]
        fn l4_ports_never_panics(proto in proptest::prelude::any::<u8>(),
                                 data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = parse_l4_ports(proto, &data);
            let _ = parse_l4_ports(6, &data);
            let _ = parse_l4_ports(17, &data);
            let _ = parse_l4_ports(1, &data);
        }
    }
}
