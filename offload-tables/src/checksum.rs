//! Internet checksum arithmetic (RFC 1071) and incremental update (RFC 1624).
//!
//! The checksum is the one's complement of the one's-complement sum of the data taken as
//! big-endian 16-bit words. Sums are carried in a `u32` ("partial sum") so several pieces
//! (pseudo header, header, payload) can be added with plain `+` and folded once at the end.
//!
//! # Zero in one's complement
//!
//! One's-complement arithmetic has two zeros, `0x0000` (+0) and `0xffff` (-0). A full
//! computation [`finish`]`(sum(data))` returns `0xffff` only if every covered word is zero,
//! which never happens for an IPv4 header (version 4) or for TCP/UDP (the pseudo header
//! carries a non-zero protocol). RFC 1624 section 3 shows that the older incremental
//! formula of RFC 1141 (`HC' = HC + m + ~m'`) can yield `0xffff` where recomputation gives
//! `0x0000`; this module uses RFC 1624 eqn. 3, `HC' = ~(~HC + ~m + m')`, which never
//! returns `0xffff` for a checksum that was not `0xffff`, and so yields exactly what a
//! full recomputation gives unless the covered data is all zero before or after the
//! change. In those degenerate cases both results are the same one's-complement value,
//! possibly in the other representation of zero.
//!
//! UDP adds its own convention on top: a transmitted `0` means "no checksum" and a
//! computed `0` is sent as `0xffff`; see [`apply_udp`].
//!
//! # Deltas: what a session entry carries
//!
//! Changing 16-bit words `m_i` to `m_i'` changes a checksum `HC` to
//! `HC' = ~(~HC + Σ(~m_i + m_i'))`. The sum `Σ(~m_i + m_i')`, folded to 16 bits, depends
//! only on the old and new field values, so a NAT session entry carries it precomputed
//! ([`nat_deltas`]) and a hit costs one add-and-fold per checksum ([`apply`]), in
//! software and in logic alike. [`update16`] and [`update32`] are the one-field cases.
//!
//! This module is the only implementation of this arithmetic in the project: the
//! software path, the renderer and the generated RTL constants all use it.

/// One's-complement partial sum of `data` (RFC 1071): big-endian 16-bit words, a trailing
/// odd byte padded with a zero byte on the right.
///
/// The result is folded to at most `0xffff`, so up to 65 536 partial sums can be added in
/// a `u32` before [`fold`] without overflow. It is `0` only if all of `data` is zero.
#[inline]
pub fn sum(data: &[u8]) -> u32 {
    // 32-bit big-endian words summed in a u64: 2^16 == 1 (mod 0xffff), so this is the same
    // one's-complement sum as adding the 16-bit halves, with half the additions.
    let mut acc: u64 = 0;
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        acc += u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
    }
    let rest = words.remainder();
    let mut i = 0;
    if rest.len() >= 2 {
        acc += u64::from(u16::from_be_bytes([rest[0], rest[1]]));
        i = 2;
    }
    if let Some(&b) = rest.get(i) {
        acc += u64::from(b) << 8;
    }
    // Fold 64 -> 32 -> 16 bits with end-around carry.
    let acc = (acc & 0xffff_ffff) + (acc >> 32);
    let acc = (acc & 0xffff_ffff) + (acc >> 32);
    u32::from(fold(acc as u32))
}

/// Fold a 32-bit partial sum to 16 bits with end-around carry.
#[inline]
pub const fn fold(sum: u32) -> u16 {
    let s = (sum & 0xffff) + (sum >> 16);
    let s = (s & 0xffff) + (s >> 16);
    s as u16
}

/// Final checksum of a partial sum: the one's complement of the folded sum.
#[inline]
pub const fn finish(sum: u32) -> u16 {
    !fold(sum)
}

/// Partial sum of the IPv4 pseudo header used by TCP and UDP (RFC 793 / RFC 768):
/// source, destination, zero byte + protocol, and the L4 length (header + payload).
#[inline]
pub const fn pseudo_header_sum(src: [u8; 4], dst: [u8; 4], protocol: u8, l4_len: u16) -> u32 {
    u16::from_be_bytes([src[0], src[1]]) as u32
        + u16::from_be_bytes([src[2], src[3]]) as u32
        + u16::from_be_bytes([dst[0], dst[1]]) as u32
        + u16::from_be_bytes([dst[2], dst[3]]) as u32
        + protocol as u32
        + l4_len as u32
}

/// Incrementally update checksum `csum` after a 16-bit word covered by it changed from
/// `old` to `new`, using RFC 1624 eqn. 3: `HC' = ~(~HC + ~m + m')`.
///
/// The word must sit at an even offset of the checksummed data (for an odd offset, pass
/// the two enclosing aligned words instead). Equals a full recomputation exactly unless the
/// covered data is all zero before (`csum == 0xffff`) or after the change, which never
/// happens for an IPv4 header (version 4) or a TCP checksum (non-zero protocol in the
/// pseudo header); see the module docs and RFC 1624 section 3. Do not use it on a UDP
/// checksum field directly: use [`apply_udp`].
#[inline]
pub const fn update16(csum: u16, old: u16, new: u16) -> u16 {
    apply(csum, fold(add16(0, old, new)))
}

/// VPP's incremental update of one 16-bit word (`ip_csum_update` then `ip_csum_fold`):
/// the same arithmetic as [`update16`] done the other way round — add `old`, subtract
/// `new` with borrow — whose result is not normalised: it may be `0xffff` where a full
/// computation (and [`update16`]) gives `0`. For frames that must equal VPP's bit for bit
/// (the echo replies `ip4-icmp-echo-request` turns round in place).
#[inline]
pub const fn update16_as_vpp(csum: u16, old: u16, new: u16) -> u16 {
    let mut s = csum as u32 + old as u32;
    s = (s & 0xffff) + (s >> 16);
    let d = s.wrapping_sub(new as u32);
    let d = if d > s { d.wrapping_sub(1) } else { d };
    (d & 0xffff) as u16
}

/// Incrementally update checksum `csum` after an aligned 32-bit field (an IPv4 address)
/// changed from `old` to `new`: RFC 1624 eqn. 3 applied to both 16-bit halves at once.
///
/// Same exactness guarantee as [`update16`]. For a TCP/UDP checksum this also accounts for
/// the address in the pseudo header, which is why NAT uses it on both the IPv4 and the L4
/// checksum.
#[inline]
pub const fn update32(csum: u16, old: u32, new: u32) -> u16 {
    apply(csum, fold(add32(0, old, new)))
}

/// Accumulates the change of one 16-bit word into a delta (RFC 1624: `~m + m'`).
#[inline]
pub const fn add16(acc: u32, old: u16, new: u16) -> u32 {
    acc + (!old) as u32 + new as u32
}

/// Accumulates the change of a 32-bit field (an IPv4 address) as its two words.
#[inline]
pub const fn add32(acc: u32, old: u32, new: u32) -> u32 {
    add16(add16(acc, (old >> 16) as u16, (new >> 16) as u16), old as u16, new as u16)
}

/// Applies a folded delta to a checksum field: `~(~HC + delta)`.
#[inline]
pub const fn apply(csum: u16, delta: u16) -> u16 {
    !fold((!csum) as u32 + delta as u32)
}

/// Applies a delta to a UDP checksum field: 0 means "no checksum" and stays 0, and a
/// computed 0 is sent as 0xffff (RFC 768).
#[inline]
pub const fn apply_udp(csum: u16, delta: u16) -> u16 {
    if csum == 0 {
        return 0;
    }
    match apply(csum, delta) {
        0 => 0xffff,
        c => c,
    }
}

/// The IPv4 header and L4 checksum deltas of rewriting a packet's addresses and ports.
/// For ICMP the "ports" are the echo identifier (both the same), and the ICMP checksum
/// has no pseudo-header, so only the identifier change enters `l4`.
pub fn nat_deltas(proto: u8, old: (u32, u32, u16, u16), new: (u32, u32, u16, u16)) -> (u16, u16) {
    let ip = add32(add32(0, old.0, new.0), old.1, new.1);
    let l4 = if proto == 1 { add16(0, old.2, new.2) } else { add16(add16(ip, old.2, new.2), old.3, new.3) };
    (fold(ip), fold(l4))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The ip4-input header of the seed trace's SYN: 10.1.1.3 -> 10.97.193.160, ttl 64.
    const SYN_IP_HDR: [u8; 20] = [
        0x45, 0x00, 0x00, 0x3c, 0x89, 0x5a, 0x40, 0x00, 0x40, 0x06, 0xda, 0x5c, 0x0a, 0x01, 0x01, 0x03, 0x0a, 0x61,
        0xc1, 0xa0,
    ];

    fn recompute(hdr: &mut [u8], csum_at: usize) -> u16 {
        hdr[csum_at..csum_at + 2].copy_from_slice(&[0, 0]);
        let c = finish(sum(hdr));
        hdr[csum_at..csum_at + 2].copy_from_slice(&c.to_be_bytes());
        c
    }

    fn word(d: &[u8], at: usize) -> u16 {
        u16::from_be_bytes([d[at], d[at + 1]])
    }

    fn dword(d: &[u8], at: usize) -> u32 {
        u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]])
    }

    /// One's-complement equality: equal, or the two representations of zero.
    fn ones_eq(a: u16, b: u16) -> bool {
        a == b || (a == 0 && b == 0xffff) || (a == 0xffff && b == 0)
    }

    /// The seed's DNAT of the SYN: 10.97.193.160:80 → 10.1.2.4:8080.
    #[test]
    fn seed_dnat_deltas() {
        let (ip, l4) = nat_deltas(6, (0x0a01_0103, 0x0a61_c1a0, 49710, 80), (0x0a01_0103, 0x0a01_0204, 49710, 8080));
        assert_eq!(apply(0xda5c, ip), 0x9a59);
        assert_eq!(apply(0x3e27, l4), 0xdee3);
    }

    /// VPP's update never normalises: the full computation of the same data gives the
    /// other zero.
    #[test]
    fn vpp_update_is_ones_complement_and_not_normalised() {
        assert_eq!(update16_as_vpp(0x1234, 0x0800, 0x0000), 0x1a34);
        assert_eq!(update16_as_vpp(0xf7ff, 0x0800, 0x0000), 0xffff);
        assert_eq!(update16_as_vpp(0xffff, 0x0000, 0x0001), 0xfffe);
        assert_eq!(update16_as_vpp(0x0000, 0x0000, 0x0001), 0xfffe);
    }

    #[test]
    fn udp_zero_stays_zero() {
        assert_eq!(apply_udp(0, 0x1234), 0);
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3 numerical example: sum of 00 01 f2 03 f4 f5 f6 f7 is 0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(sum(&data)), 0xddf2);
        assert_eq!(finish(sum(&data)), !0xddf2);
    }

    #[test]
    fn odd_length_and_empty() {
        assert_eq!(sum(&[]), 0);
        assert_eq!(sum(&[0xab]), 0xab00);
        assert_eq!(sum(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
        assert_eq!(sum(&[0x12, 0x34, 0x56, 0x78, 0x9a]), fold(0x1234 + 0x5678 + 0x9a00) as u32);
        // Carries wrap around.
        assert_eq!(sum(&[0xff, 0xff, 0x00, 0x01]), 0x0001);
        assert_eq!(fold(0xffff), 0xffff);
        assert_eq!(fold(0x1_fffe), 0xffff);
        assert_eq!(fold(0xffff_ffff), 0xffff);
    }

    #[test]
    fn seed_ip_header_checksum() {
        assert_eq!(fold(sum(&SYN_IP_HDR)), 0xffff, "header verifies");
        let mut h = SYN_IP_HDR;
        assert_eq!(recompute(&mut h, 10), 0xda5c);
    }

    #[test]
    fn ttl_decrement_incremental() {
        // TTL 64 -> 63 changes the word at offset 8 from 0x4006 to 0x3f06.
        let c = update16(0xda5c, 0x4006, 0x3f06);
        assert_eq!(c, 0xdb5c);
        let mut h = SYN_IP_HDR;
        h[8] = 63;
        assert_eq!(recompute(&mut h, 10), c);

        // The trace's own rewrite: 10.1.1.3 -> 10.1.2.4, 0x9a59 at ttl 64, 0x9b59 at ttl 63.
        assert_eq!(update16(0x9a59, 0x4006, 0x3f06), 0x9b59);
        assert_eq!(update16(0x9b59, 0x3f06, 0x3e06), 0x9c59);
    }

    #[test]
    fn nat_destination_rewrite() {
        // nat44-out2in in the trace: dst 10.97.193.160 -> 10.1.2.4 turns 0xda5c into 0x9a59.
        let c = update32(0xda5c, 0x0a61_c1a0, 0x0a01_0204);
        assert_eq!(c, 0x9a59);
        let mut h = SYN_IP_HDR;
        h[16..20].copy_from_slice(&[10, 1, 2, 4]);
        assert_eq!(recompute(&mut h, 10), 0x9a59);
    }

    #[test]
    fn rfc1624_section3_example() {
        // Other words sum to 0xcd7a, m = 0x5555 -> m' = 0x3285. Recomputation gives 0x0000;
        // RFC 1141's formula would give 0xffff, eqn. 3 must give 0x0000.
        let hc = finish(0xcd7a + 0x5555);
        assert_eq!(hc, 0xdd2f);
        assert_eq!(finish(0xcd7a + 0x3285), 0x0000);
        assert_eq!(update16(hc, 0x5555, 0x3285), 0x0000);
    }

    #[test]
    fn pseudo_header() {
        let s = pseudo_header_sum([10, 1, 1, 3], [10, 1, 2, 4], 6, 40);
        let mut bytes = [0u8; 12];
        bytes[..4].copy_from_slice(&[10, 1, 1, 3]);
        bytes[4..8].copy_from_slice(&[10, 1, 2, 4]);
        bytes[9] = 6;
        bytes[10..].copy_from_slice(&40u16.to_be_bytes());
        assert_eq!(fold(s), fold(sum(&bytes)));
    }

    proptest! {
        /// For a valid IPv4 header (version 4, so its checksum is never 0xffff) the
        /// incremental update of any 16-bit word equals a full recomputation *exactly*.
        #[test]
        fn ipv4_update16_matches_recompute(
            mut hdr in proptest::array::uniform20(any::<u8>()),
            word_idx in 0usize..10,
            new in any::<u16>(),
        ) {
            prop_assume!(word_idx != 5); // the checksum field itself
            hdr[0] = 0x40 | (hdr[0] & 0x0f);
            let new = if word_idx == 0 { 0x4000 | (new & 0x0fff) } else { new };
            let at = word_idx * 2;
            let before = recompute(&mut hdr, 10);
            prop_assert_ne!(before, 0xffff);
            let old = word(&hdr, at);
            hdr[at..at + 2].copy_from_slice(&new.to_be_bytes());
            let inc = update16(before, old, new);
            prop_assert_eq!(inc, recompute(&mut hdr, 10));
        }

        /// Same for a 32-bit change (the source or destination address).
        #[test]
        fn ipv4_update32_matches_recompute(
            mut hdr in proptest::array::uniform20(any::<u8>()),
            dst in any::<bool>(),
            new in any::<u32>(),
        ) {
            hdr[0] = 0x40 | (hdr[0] & 0x0f);
            let at = if dst { 16 } else { 12 };
            let before = recompute(&mut hdr, 10);
            let old = dword(&hdr, at);
            hdr[at..at + 4].copy_from_slice(&new.to_be_bytes());
            prop_assert_eq!(update32(before, old, new), recompute(&mut hdr, 10));
        }

        /// Arbitrary data, including all-zero data whose checksum is 0xffff: the update
        /// and the recomputation are the same one's-complement value (equal, or 0x0000 vs
        /// 0xffff), and exactly equal unless the data is all zero before or after.
        #[test]
        fn any_data_update_is_ones_complement_equal(
            mut data in proptest::collection::vec(prop_oneof![Just(0u8), any::<u8>()], 4..64),
            csum_word in any::<prop::sample::Index>(),
            word_idx in any::<prop::sample::Index>(),
            new in prop_oneof![Just(0u16), Just(0xffffu16), any::<u16>()],
            new32 in any::<u32>(),
        ) {
            let words = data.len() / 2;
            let c_at = csum_word.index(words) * 2;
            let at = word_idx.index(words) * 2;
            prop_assume!(at != c_at);
            let before = recompute(&mut data, c_at);
            let old = word(&data, at);
            data[at..at + 2].copy_from_slice(&new.to_be_bytes());
            let inc = update16(before, old, new);
            let full = recompute(&mut data, c_at);
            prop_assert!(ones_eq(inc, full), "inc {inc:#06x} full {full:#06x}");
            if before != 0xffff && full != 0xffff {
                prop_assert_eq!(inc, full);
            }

            // A 32-bit change at an aligned pair of words not overlapping the checksum.
            if at + 4 <= data.len() && (c_at + 2 <= at || c_at >= at + 4) {
                let before = full;
                let old = dword(&data, at);
                data[at..at + 4].copy_from_slice(&new32.to_be_bytes());
                let inc = update32(before, old, new32);
                let full = recompute(&mut data, c_at);
                prop_assert!(ones_eq(inc, full), "inc {inc:#06x} full {full:#06x}");
                if before != 0xffff && full != 0xffff {
                    prop_assert_eq!(inc, full);
                }
            }
        }

        /// The fast 32-bit-word sum equals the textbook 16-bit-word sum.
        #[test]
        fn sum_matches_reference(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut acc: u32 = 0;
            for c in data.chunks(2) {
                let w = u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]);
                acc = u32::from(fold(acc + u32::from(w)));
            }
            prop_assert_eq!(sum(&data), acc);
        }
    }
}
