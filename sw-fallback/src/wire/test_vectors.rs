//! Byte vectors copied verbatim from the ip4-rewrite hex dumps of the seed trace
//! `/work/shared/seed/000_12a5f915c04c2e56.txt` (Contiv-VPP, pod to service on another
//! node), shared by the unit tests of the `wire` modules.
//!
//! VPP's trace prints only the first bytes of each packet, so every dump is cut short of the
//! length its IPv4 header claims: parsing a dump as-is must fail with
//! `BadTotalLength`, and [`full`] zero-pads a dump to its claimed length for the field
//! checks. The zero padding lands in TCP options / VXLAN inner payload, never in a header.

/// SYN 10.1.1.3:49710 -> 10.1.2.4:8080 (after DNAT), ip4-rewrite on loop0, ttl 63.
pub const SYN_LOOP0: &str = "1a2b3c4d5e021a2b3c4d5e0108004500003c895a40003f069b590a0101030a01\
                             0204c22e1f9027c7a68b00000000a0027210dee30000020405b40402";

/// The same SYN on the server's node, ip4-rewrite to tap3, ttl 62.
pub const SYN_TAP3: &str = "00000000000202fe1d72956608004500003c895a40003e069c590a0101030a01\
                            0204c22e1f9027c7a68b00000000a0027210dee30000020405b40402";

/// SYN-ACK 10.1.2.4:8080 -> 10.1.1.3:49710, ip4-rewrite on loop0, ttl 63.
pub const SYNACK_LOOP0: &str = "1a2b3c4d5e011a2b3c4d5e0208004500003c000040003f0624b40a0102040a01\
                                01031f90c22efc73655327c7a68ca012712011a70000020405b40402";

/// SYN-ACK after un-DNAT, 10.97.193.160:80 -> 10.1.1.3:49710, ip4-rewrite to the client
/// tap, ttl 62.
pub const SYNACK_UNNAT: &str = "00000000000202fe163f5f0f08004500003c000040003e0665b70a61c1a00a01\
                                01030050c22efc73655327c7a68ca012712070ea0000020405b40402";

/// VXLAN-encapsulated SYN, 192.168.16.1:60039 -> 192.168.16.2:4789, VNI 10, ttl 253.
pub const VXLAN_OUT: &str = "080027e05749080027449fd808004500006e00000000fd111c2bc0a81001c0a8\
                             1002ea8712b5005a00000800000000000a001a2b3c4d5e021a2b3c4d";

/// VXLAN-encapsulated SYN-ACK, 192.168.16.2:25569 -> 192.168.16.1:4789, VNI 10.
pub const VXLAN_BACK: &str = "080027449fd8080027e0574908004500006e00000000fd111c2bc0a81002c0a8\
                              100163e112b5005a00000800000000000a001a2b3c4d5e011a2b3c4d";

/// Decode a hex dump (whitespace ignored).
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let pairs = digits.chunks_exact(2);
    assert!(pairs.remainder().is_empty(), "odd hex length");
    pairs.map(|p| u8::from_str_radix(core::str::from_utf8(p).unwrap(), 16).unwrap()).collect()
}

/// The dump as printed (cut short).
pub fn dump(s: &str) -> Vec<u8> {
    hex(s)
}

/// The dump zero-padded to 14 + the IPv4 total length it claims.
pub fn full(s: &str) -> Vec<u8> {
    let mut v = hex(s);
    let total = 14 + usize::from(u16::from_be_bytes([v[16], v[17]]));
    assert!(v.len() <= total);
    v.resize(total, 0);
    v
}
