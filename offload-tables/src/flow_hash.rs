//! VPP's IPv4 flow hash, the one semantics that picks ECMP buckets and VXLAN outer
//! source ports in software, in the RTL and in the simulator.
//!
//! This is `ip4_compute_flow_hash(ip, IP_FLOW_HASH_DEFAULT)` of the VPP release the seed
//! trace came from: Bob Jenkins' lookup3 `mix`/`final` over three 32-bit words. VPP
//! loads the words straight from the packet on a little-endian CPU, so the inputs are
//! the wire bytes read little-endian. Verified against the seed: the inner SYN
//! 10.1.1.3:49710 → 10.1.2.4:8080 hashes to 0x05e687ea (outer UDP source port 60039),
//! the SYN-ACK to 0x77d6e163 (port 25569).

/// Flow hash over an IPv4 header and the first four bytes after its fixed 20-byte
/// header. VPP reads the ports at offset 20 whatever the IHL; we do the same so the
/// hash (and so the outer UDP source port) matches VPP bit for bit.
///
/// `src`, `dst` are the addresses as numbers (`10.1.1.3` = `0x0a010103`), `sport`,
/// `dport` the port numbers (pass 0 for protocols other than TCP and UDP).
#[inline]
pub fn ip4_flow_hash(src: u32, dst: u32, protocol: u8, sport: u16, dport: u16) -> u32 {
    // Wire bytes read little-endian: byte-swap the numeric values.
    let mut a = src.swap_bytes();
    let mut b = dst.swap_bytes() ^ u32::from(protocol);
    let mut c = (u32::from(dport.swap_bytes()) << 16) | u32::from(sport.swap_bytes());
    mix(&mut a, &mut b, &mut c);
    finalize(&mut a, &mut b, &mut c);
    c
}

/// Whether VPP's hash reads ports for this protocol (TCP and UDP only).
#[inline]
pub fn hashes_ports(protocol: u8) -> bool {
    protocol == 6 || protocol == 17
}

/// The VXLAN outer UDP source port for an inner flow hash: VPP stores the low 16 bits
/// of the hash as a host-order `u16` into the network-order field, so the port number
/// is those bits byte-swapped.
#[inline]
pub fn vxlan_src_port(flow_hash: u32) -> u16 {
    (flow_hash as u16).swap_bytes()
}

/// Hash of a non-IPv4 inner frame (VPP's L2 fallback): last four bytes of each MAC and
/// the ethertype.
#[inline]
pub fn l2_flow_hash(dst_mac: &[u8; 6], src_mac: &[u8; 6], ethertype: u16) -> u32 {
    let mut a = u32::from_le_bytes([dst_mac[2], dst_mac[3], dst_mac[4], dst_mac[5]]);
    let mut b = u32::from_le_bytes([src_mac[2], src_mac[3], src_mac[4], src_mac[5]]);
    let mut c = u32::from(ethertype);
    mix(&mut a, &mut b, &mut c);
    finalize(&mut a, &mut b, &mut c);
    c
}

#[inline(always)]
fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

#[inline(always)]
fn finalize(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(14));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(11));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(25));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(16));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(4));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(14));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(24));
}

/// A general-purpose 32-bit hash of a session key's four words, used to place session
/// entries in the session table (same mix as the flow hash: adds, xors and rotates
/// only, cheap in logic).
#[inline]
pub fn hash_words(w0: u32, w1: u32, w2: u32, w3: u32) -> u32 {
    let mut a = w0;
    let mut b = w1;
    let mut c = w2;
    mix(&mut a, &mut b, &mut c);
    a = a.wrapping_add(w3);
    finalize(&mut a, &mut b, &mut c);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_vxlan_source_ports() {
        let syn = ip4_flow_hash(0x0a01_0103, 0x0a01_0204, 6, 49710, 8080);
        assert_eq!(syn, 0x05e6_87ea);
        assert_eq!(vxlan_src_port(syn), 60039);
        let synack = ip4_flow_hash(0x0a01_0204, 0x0a01_0103, 6, 8080, 49710);
        assert_eq!(synack, 0x77d6_e163);
        assert_eq!(vxlan_src_port(synack), 25569);
    }
}
