//! Checksum deltas for NAT rewrites, as the NIC applies them (RFC 1624, eqn. 3).
//!
//! Changing 16-bit words `m_i` to `m_i'` changes a one's-complement checksum `HC` to
//! `HC' = ~(~HC + Σ(~m_i + m_i'))`. The sum `Σ(~m_i + m_i')`, folded to 16 bits, depends
//! only on the old and new field values, so a session entry carries it precomputed and a
//! hit costs one add-and-fold per checksum, in software and in logic alike.

/// Accumulates the change of one 16-bit word.
#[inline]
pub const fn add16(acc: u32, old: u16, new: u16) -> u32 {
    acc + (!old) as u32 + new as u32
}

/// Accumulates the change of a 32-bit field (an IPv4 address) as its two words.
#[inline]
pub const fn add32(acc: u32, old: u32, new: u32) -> u32 {
    add16(add16(acc, (old >> 16) as u16, (new >> 16) as u16), old as u16, new as u16)
}

/// Folds an accumulator to the 16-bit delta stored in a session entry.
#[inline]
pub const fn finish(mut acc: u32) -> u16 {
    acc = (acc & 0xffff) + (acc >> 16);
    acc = (acc & 0xffff) + (acc >> 16);
    acc as u16
}

/// Applies a delta to a checksum field.
#[inline]
pub const fn apply(csum: u16, delta: u16) -> u16 {
    !finish((!csum) as u32 + delta as u32)
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
    (finish(ip), finish(l4))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's DNAT of the SYN: 10.97.193.160:80 → 10.1.2.4:8080.
    #[test]
    fn seed_dnat() {
        let (ip, l4) = nat_deltas(6, (0x0a01_0103, 0x0a61_c1a0, 49710, 80), (0x0a01_0103, 0x0a01_0204, 49710, 8080));
        assert_eq!(apply(0xda5c, ip), 0x9a59);
        assert_eq!(apply(0x3e27, l4), 0xdee3);
    }

    #[test]
    fn udp_zero_stays_zero() {
        assert_eq!(apply_udp(0, 0x1234), 0);
    }
}
