//! Table entry layouts: the bytes the NIC holds, word by word.
//!
//! Every entry is `#[repr(C)]`, `bytemuck::Pod`, with no implicit padding (explicit `_pad`
//! fields, checked by `Pod`'s derive) and a size asserted at compile time. Multi-byte
//! fields are little-endian (the contract's byte order; the crate refuses to build on a
//! big-endian host rather than silently swapping). IPv4 addresses are stored as the
//! numeric value of the address (`10.1.1.3` is `0x0a01_0103`), ports as numbers.
//!
//! Index conventions: `NONE16` / `NONE32` mean "no entry"; table indices are positions
//! in the corresponding `Vec` of [`crate::Tables`].

use bytemuck::{Pod, Zeroable};

#[cfg(target_endian = "big")]
compile_error!("offload-tables assumes a little-endian host: entry layouts are little-endian");

pub const NONE16: u16 = u16::MAX;
pub const NONE32: u32 = u32::MAX;

/// A field of an entry layout, for the generated SystemVerilog package.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// Byte offset in the entry.
    pub offset: usize,
    pub bytes: usize,
}

/// An entry layout the NIC reads: its name in the SystemVerilog package and its fields,
/// taken from the struct definition itself (the [`entry!`] macro), so the generated
/// package cannot drift from the layout.
pub trait Layout: Pod {
    /// Prefix of the field positions in `offload_pkg` (`<NAME>_<FIELD>_LSB` / `_W`).
    const SV_NAME: &'static str;
    /// Every field in declaration order, padding included.
    const FIELDS: &'static [Field];
}

/// Defines an entry: the `#[repr(C)]` struct (derives and docs as written), a
/// compile-time check of its size, and its [`Layout`].
macro_rules! entry {
    (
        $(#[$meta:meta])*
        pub struct $name:ident: $sv:literal, $size:literal bytes {
            $( $(#[$fmeta:meta])* pub $field:ident: $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[repr(C)]
        pub struct $name { $( $(#[$fmeta])* pub $field: $ty, )* }
        const _: () = assert!(core::mem::size_of::<$name>() == $size);
        impl Layout for $name {
            const SV_NAME: &'static str = $sv;
            const FIELDS: &'static [Field] = &[$(Field {
                name: stringify!($field),
                offset: core::mem::offset_of!($name, $field),
                bytes: core::mem::size_of::<$ty>(),
            },)*];
        }
    };
}

/// Interface kinds as stored in [`InterfaceEntry::kind`].
pub mod if_kind {
    pub const UPLINK: u8 = 1;
    pub const TAP: u8 = 2;
    pub const LOOPBACK: u8 = 3;
    pub const VXLAN: u8 = 4;
}

/// [`InterfaceEntry::flags`] bits.
pub mod if_flags {
    pub const UP: u16 = 1 << 0;
    pub const NAT_INSIDE: u16 = 1 << 1;
    pub const NAT_OUTSIDE: u16 = 1 << 2;
    pub const NAT_OUTPUT_FEATURE: u16 = 1 << 3;
    /// Member of a bridge domain: input goes to `l2-input`, not `ip4-input`.
    pub const L2: u16 = 1 << 4;
    /// The bridge domain's BVI: L3 interface facing the bridge.
    pub const BVI: u16 = 1 << 5;
}

entry! {
    /// One interface, indexed by `sw_if_index` (slot 0 is VPP's `local0`, never used).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct InterfaceEntry: "IF", 36 bytes {
        pub sw_if_index: u16,
        pub kind: u8,
        /// Wire port for uplinks, `0xff` for host-side interfaces.
        pub port: u8,
        pub flags: u16,
        pub fib_index: u16,
        /// Bridge domain index (position in `bridge_domains`), `NONE16` when L3.
        pub bd_index: u16,
        pub mtu: u16,
        pub mac: [u8; 6],
        /// Split-horizon group inside the bridge domain.
        pub shg: u8,
        pub ip4_len: u8,
        pub ip4_addr: u32,
        /// Position in `acl_lists` of the input ACL list, and its length.
        pub acl_in_start: u16,
        pub acl_in_count: u16,
        pub acl_out_start: u16,
        pub acl_out_count: u16,
        /// Index in `vxlan_tunnels` for VXLAN interfaces, `NONE16` otherwise.
        pub vxlan_tunnel: u16,
        /// The bridge domain's [`bd_flags`] for its members (a copy of
        /// [`BridgeDomainEntry::flags`], so that the NIC's `l2-input` knows whether it must
        /// learn without a bridge-domain table), 0 when L3.
        pub bd_flags: u8,
        pub _pad: u8,
    }
}

entry! {
    /// An element of an interface's ACL list: an ACL index.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct AclListEntry: "ACLLIST", 4 bytes {
        pub acl_index: u32,
    }
}

entry! {
    /// An ACL: its rules are `acl_rules[rule_start .. rule_start + rule_count]`, first match wins.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct AclEntry: "ACL", 8 bytes {
        pub rule_start: u32,
        pub rule_count: u16,
        /// 1 when this index is defined (ACL indices may be sparse).
        pub defined: u16,
    }
}

/// ACL rule actions, VPP's numbering (`action: N` in the acl-plugin trace).
pub mod acl_action {
    pub const DENY: u8 = 0;
    pub const PERMIT: u8 = 1;
    pub const PERMIT_REFLECT: u8 = 2;
    /// Not a rule action: what the trace shows when an existing session matched.
    pub const SESSION_HIT: u8 = 3;
}

entry! {
    /// One ACL rule. Matches when every field matches; `proto == 0` matches any protocol,
    /// port ranges and TCP flags only apply to TCP/UDP (flags to TCP) first fragments.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct AclRuleEntry: "RULE", 32 bytes {
        pub src: u32,
        pub dst: u32,
        pub src_len: u8,
        pub dst_len: u8,
        pub proto: u8,
        pub action: u8,
        pub sport_lo: u16,
        pub sport_hi: u16,
        pub dport_lo: u16,
        pub dport_hi: u16,
        pub tcp_flags_value: u8,
        pub tcp_flags_mask: u8,
        /// The owning ACL and this rule's position in it (for traces and counters).
        pub acl_index: u16,
        pub rule_index: u16,
        pub _pad: [u8; 6],
    }
}

/// [`NatMappingEntry::flags`] bits.
pub mod nat_flags {
    /// Identity mapping: sessions are created but nothing is translated.
    pub const IDENTITY: u8 = 1 << 0;
    /// Address-only mapping: protocol and port are wildcards.
    pub const ADDR_ONLY: u8 = 1 << 1;
    pub const TWICE_NAT: u8 = 1 << 2;
    pub const SELF_TWICE_NAT: u8 = 1 << 3;
    pub const OUT2IN_ONLY: u8 = 1 << 4;
}

entry! {
    /// A NAT44 static mapping (service VIP) or identity mapping. Endpoints are
    /// `nat_endpoints[endpoint_start .. endpoint_start + endpoint_count]`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct NatMappingEntry: "NATMAP", 16 bytes {
        pub external_addr: u32,
        pub external_port: u16,
        pub proto: u8,
        pub flags: u8,
        pub fib_index: u16,
        pub endpoint_count: u16,
        pub endpoint_start: u32,
    }
}

entry! {
    /// A local endpoint of a static mapping. `prefix` is the running sum of the
    /// endpoints' weights up to and including this one (VPP's `locals[i].prefix`: the
    /// probabilities of a load-balancing mapping are relative weights), so for a draw `r`
    /// in `1..=total` the endpoint is the first with `r <= prefix`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct NatEndpointEntry: "NATEP", 12 bytes {
        pub local_addr: u32,
        pub local_port: u16,
        pub fib_index: u16,
        pub prefix: u32,
    }
}

impl NatEndpointEntry {
    /// The endpoint of `endpoints` (one mapping's, in order) that a flow with hash `hash`
    /// gets: VPP draws `r = 1 + random % total` and takes the first endpoint whose prefix
    /// is at least `r`; the flow's hash stands for the random number, so one flow always
    /// lands on the same endpoint. `None` when the weights add up to 0.
    pub fn choose(endpoints: &[NatEndpointEntry], hash: u32) -> Option<&NatEndpointEntry> {
        let total = endpoints.last()?.prefix;
        if total == 0 {
            return None;
        }
        let r = 1 + hash % total;
        endpoints.iter().find(|e| e.prefix >= r)
    }
}

entry! {
    /// A NAT44 pool address.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct NatPoolEntry: "NATPOOL", 8 bytes {
        pub addr: u32,
        pub fib_index: u16,
        /// 1 for a twice-NAT address.
        pub twice_nat: u8,
        pub _pad: u8,
    }
}

entry! {
    /// Node-wide parameters: NAT and ACL timeouts (seconds) and limits.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct GlobalEntry: "GLOBAL", 40 bytes {
        pub nat_max_sessions: u32,
        pub nat_udp_timeout: u32,
        pub nat_tcp_established_timeout: u32,
        pub nat_tcp_transitory_timeout: u32,
        pub nat_icmp_timeout: u32,
        pub acl_udp_idle: u32,
        pub acl_tcp_idle: u32,
        pub acl_tcp_transient: u32,
        pub acl_max_sessions: u32,
        /// 1 when `nat44 forwarding` is enabled.
        pub nat_forwarding: u8,
        /// 1 when the node has any NAT44 configuration.
        pub nat_enabled: u8,
        pub _pad: [u8; 2],
    }
}

entry! {
    /// A route as given to the LPM: kept for display, read-back and the reference lookup.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct RouteEntry: "ROUTE", 12 bytes {
        pub prefix: u32,
        pub len: u8,
        pub _pad: u8,
        pub fib_index: u16,
        pub lb_index: u32,
    }
}

/// [`LoadBalanceEntry::flags`] bits.
pub mod lb_flags {
    /// The route was recursive: VPP's ip4-lookup hands it to `ip4-load-balance`.
    pub const RECURSIVE: u8 = 1 << 0;
}

entry! {
    /// A load-balance object: `n_buckets` (a power of two) buckets starting at
    /// `bucket_start`; the bucket for a packet is `flow_hash & (n_buckets - 1)`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct LoadBalanceEntry: "LB", 8 bytes {
        pub bucket_start: u32,
        pub n_buckets: u16,
        pub flags: u8,
        pub _pad: u8,
    }
}

/// What a load-balance bucket leads to: `kind` in the top 4 bits, an index below.
pub mod dpo {
    pub const KIND_SHIFT: u32 = 28;
    pub const INDEX_MASK: u32 = (1 << KIND_SHIFT) - 1;
    /// Drop (`ip4-drop`): no usable path.
    pub const DROP: u32 = 0;
    /// Rewrite through `adjacencies[index]`.
    pub const ADJACENCY: u32 = 1;
    /// Addressed to this node (`ip4-local`); index is the owning sw_if_index.
    pub const LOCAL: u32 = 2;
    /// Attached subnet, no neighbor known (ARP needed); index is the sw_if_index.
    pub const GLEAN: u32 = 3;

    pub const fn make(kind: u32, index: u32) -> u32 {
        (kind << KIND_SHIFT) | (index & INDEX_MASK)
    }
    pub const fn kind(d: u32) -> u32 {
        d >> KIND_SHIFT
    }
    pub const fn index(d: u32) -> u32 {
        d & INDEX_MASK
    }
}

entry! {
    /// A load-balance bucket: a DPO (see [`dpo`]).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct BucketEntry: "BUCKET", 4 bytes {
        pub dpo: u32,
    }
}

entry! {
    /// A neighbor adjacency: the L2 rewrite string prepended by `ip4-rewrite`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct AdjacencyEntry: "ADJ", 24 bytes {
        pub next_hop: u32,
        pub sw_if_index: u16,
        pub mtu: u16,
        /// dst MAC, src MAC, ethertype 0x0800.
        pub rewrite: [u8; 14],
        pub _pad: [u8; 2],
    }
}

impl AdjacencyEntry {
    /// The adjacency of neighbor `next_hop` (MAC `mac`) on interface `out` (its
    /// sw_if_index, MAC and MTU): an IPv4 Ethernet rewrite from `out` to the neighbor.
    pub fn neighbor(next_hop: u32, mac: [u8; 6], out: &InterfaceEntry) -> Self {
        let mut rewrite = [0u8; 14];
        rewrite[..6].copy_from_slice(&mac);
        rewrite[6..12].copy_from_slice(&out.mac);
        rewrite[12..].copy_from_slice(&0x0800u16.to_be_bytes());
        AdjacencyEntry { next_hop, sw_if_index: out.sw_if_index, mtu: out.mtu, rewrite, _pad: [0; 2] }
    }
}

/// [`BridgeDomainEntry::flags`] bits.
pub mod bd_flags {
    pub const LEARN: u8 = 1 << 0;
    pub const FORWARD: u8 = 1 << 1;
    pub const FLOOD: u8 = 1 << 2;
    pub const UU_FLOOD: u8 = 1 << 3;
    pub const ARP_TERM: u8 = 1 << 4;
}

entry! {
    /// A bridge domain; its members are `bd_members[member_start .. + member_count]`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct BridgeDomainEntry: "BD", 16 bytes {
        pub bd_id: u32,
        pub member_start: u32,
        pub member_count: u16,
        pub bvi_sw_if_index: u16,
        pub flags: u8,
        pub _pad: [u8; 3],
    }
}

entry! {
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct BdMemberEntry: "BDMEMBER", 4 bytes {
        pub sw_if_index: u16,
        pub shg: u8,
        pub _pad: u8,
    }
}

/// [`L2FibEntry::flags`] bits.
pub mod l2fib_flags {
    pub const STATIC: u8 = 1 << 0;
    /// Destination is the BVI: deliver to `ip4-input` of the BVI.
    pub const BVI: u8 = 1 << 1;
}

entry! {
    /// An L2 FIB entry: (bridge domain, MAC) → output interface.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct L2FibEntry: "L2FIB", 16 bytes {
        pub mac: [u8; 6],
        pub bd_index: u16,
        pub sw_if_index: u16,
        pub flags: u8,
        pub _pad: [u8; 5],
    }
}

entry! {
    /// A VXLAN tunnel. The outer destination resolves through `outer_lb` (the load-balance
    /// of the route to `dst` in the encap FIB), as VPP stacks a tunnel on its FIB entry.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct VxlanTunnelEntry: "VXLAN", 20 bytes {
        pub src: u32,
        pub dst: u32,
        pub vni: u32,
        pub sw_if_index: u16,
        pub encap_fib_index: u16,
        pub outer_lb: u32,
    }
}

/// Session key kinds ([`SessionKey::kind`]).
///
/// NAT sessions follow the VPP release of the seed: sessions from plain static, identity
/// and dynamic mappings are endpoint-independent, keyed by one side's address and port
/// only (the other address and port are zero in the key) and found by the fast-path
/// nodes; sessions from load-balancing and twice-NAT mappings are endpoint-dependent,
/// keyed by the whole 5-tuple and found by the slow path (`nat44-in2out-slowpath`) or
/// `nat44-out2in`.
pub mod session_kind {
    /// Inside side, endpoint-independent: `src`, `sport` = local address and port.
    pub const NAT_IN2OUT: u8 = 1;
    /// Outside side, endpoint-independent: `dst`, `dport` = external address and port.
    pub const NAT_OUT2IN: u8 = 2;
    /// Reflexive ACL session, per interface (`scope` = sw_if_index), keyed by the
    /// 5-tuple as seen on input.
    pub const ACL: u8 = 3;
    /// Inside side, endpoint-dependent: the 5-tuple of an inside → outside packet.
    pub const NAT_IN2OUT_ED: u8 = 4;
    /// Outside side, endpoint-dependent: the 5-tuple of an outside → inside packet.
    pub const NAT_OUT2IN_ED: u8 = 5;
    /// A NAT address (static mapping external address or pool address): `dst` = the
    /// address, everything else zero. Static entries, for the NIC: on an interface that
    /// is NAT inside and outside, a packet to one of these goes through `nat44-out2in`.
    pub const NAT_EXTERNAL: u8 = 6;
}

entry! {
    /// Exact-match key of the session table. `scope` is the FIB index for NAT keys and the
    /// sw_if_index for ACL keys. For ICMP echo, both ports hold the echo identifier.
    #[derive(Clone, Copy, Debug, Default, Eq, Pod, Zeroable)]
    pub struct SessionKey: "SKEY", 16 bytes {
        pub src: u32,
        pub dst: u32,
        pub sport: u16,
        pub dport: u16,
        pub proto: u8,
        pub kind: u8,
        pub scope: u16,
    }
}

impl SessionKey {
    /// The key's 16 bytes as two little-endian words (what the NIC compares and hashes).
    #[inline]
    pub fn words(&self) -> [u64; 2] {
        [
            u64::from(self.src) | u64::from(self.dst) << 32,
            u64::from(self.sport)
                | u64::from(self.dport) << 16
                | u64::from(self.proto) << 32
                | u64::from(self.kind) << 40
                | u64::from(self.scope) << 48,
        ]
    }
}

impl SessionKey {
    /// The [`session_kind::NAT_EXTERNAL`] key of a NAT address.
    pub const fn nat_external(addr: u32) -> Self {
        SessionKey { src: 0, dst: addr, sport: 0, dport: 0, proto: 0, kind: session_kind::NAT_EXTERNAL, scope: 0 }
    }
}

impl std::hash::Hash for SessionKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.words().hash(state);
    }
}

impl PartialEq for SessionKey {
    /// Equal when all 16 bytes are: two word compares on the lookup path.
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.words() == other.words()
    }
}

/// [`SessionEntry::flags`] bits.
pub mod session_flags {
    /// Slot holds a live entry.
    pub const VALID: u16 = 1 << 0;
    pub const REWRITE_SRC: u16 = 1 << 1;
    pub const REWRITE_DST: u16 = 1 << 2;
    /// Reply direction of a NAT session (trace and TCP state tracking).
    pub const REVERSE: u16 = 1 << 3;
}

entry! {
    /// One direction of a session as the NIC stores it: the key, and the rewrite to apply
    /// with its precomputed one's-complement checksum deltas (RFC 1624): adding `ip_delta`
    /// to the IPv4 header checksum and `l4_delta` to the TCP/UDP checksum (the UDP checksum
    /// only when it is non-zero) yields the translated packet's checksums.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
    pub struct SessionEntry: "SESS", 48 bytes {
        pub key: SessionKey,
        pub new_src: u32,
        pub new_dst: u32,
        pub new_sport: u16,
        pub new_dport: u16,
        pub ip_delta: u16,
        pub l4_delta: u16,
        /// Session this direction belongs to (software's session index).
        pub session_index: u32,
        pub flags: u16,
        /// Reflexive ACL entries: the TCP flags software has seen on the session, input-side
        /// packets in the low byte, output-side in the high byte ([`TCP_STATE_FLAGS`] of
        /// them decide its timeout). The NIC forwards a TCP packet that hits the entry only
        /// if it adds none of those flags to its side; else software must see it
        /// (`PuntReason::TcpState`).
        pub tcp_flags_seen: u16,
        pub _pad: [u8; 4],
        /// Last time a packet hit this entry (seconds, device clock); written by the NIC.
        pub last_seen: u32,
    }
}

/// `SessionEntry::session_index` of a NAT pass entry (a cached "pass untranslated"
/// decision of the in2out slow path; `sw_fallback::nat::PASS_SESSION` says what it is).
pub const NAT_PASS_SESSION: u32 = u32::MAX;

/// The TCP flags whose first sight changes a session's state (and so its timeout): FIN,
/// SYN, RST, ACK. A NAT session's state moves on SYN, FIN and RST ([`TCP_CONTROL_FLAGS`]).
pub const TCP_STATE_FLAGS: u8 = 0x17;
pub const TCP_CONTROL_FLAGS: u8 = 0x07;

#[cfg(test)]
mod tests {
    use super::*;

    /// Weights that add up to 100 pick, for every hash, the endpoint the earlier
    /// percentage rule did (`hash % 100 < cumulative`): such configs keep their flows.
    #[test]
    fn percentages_keep_their_endpoints() {
        let eps = |w: &[u32]| {
            let mut p = 0;
            w.iter()
                .map(|&x| {
                    p += x;
                    NatEndpointEntry { local_port: x as u16, prefix: p, ..Default::default() }
                })
                .collect::<Vec<_>>()
        };
        for w in [&[50u32, 50][..], &[30, 70], &[10, 20, 30, 40], &[100]] {
            let e = eps(w);
            for h in (0..200_000u32).map(|i| i.wrapping_mul(2_654_435_761)) {
                let old = e.iter().find(|x| h % 100 < x.prefix).unwrap();
                assert_eq!(NatEndpointEntry::choose(&e, h), Some(old), "weights {w:?} hash {h}");
            }
        }
        assert_eq!(NatEndpointEntry::choose(&eps(&[0, 0]), 7), None);
        assert_eq!(NatEndpointEntry::choose(&eps(&[0, 3]), 7).map(|e| e.local_port), Some(3), "weight 0: never");
    }

    #[test]
    fn dpo_packing() {
        let d = dpo::make(dpo::ADJACENCY, 1234);
        assert_eq!(dpo::kind(d), dpo::ADJACENCY);
        assert_eq!(dpo::index(d), 1234);
    }

    #[test]
    fn entries_serialise_little_endian() {
        let e = RouteEntry { prefix: 0x0a01_0200, len: 24, _pad: 0, fib_index: 1, lb_index: 7 };
        assert_eq!(bytemuck::bytes_of(&e), &[0x00, 0x02, 0x01, 0x0a, 24, 0, 1, 0, 7, 0, 0, 0]);
    }
}
