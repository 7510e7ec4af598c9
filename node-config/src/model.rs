//! The node configuration a user writes.
//!
//! The on-disk format is TOML: explicit types (a MAC like `00:00:00:00:00:02` stays a
//! string instead of becoming a number as YAML 1.1 would parse it), comments, and parse
//! errors that carry a line and column. Every table is an array of tables
//! (`[[interface]]`, `[[route]]`, `[[acl]]`, ...) so a node's config reads top to bottom
//! like a `vppctl` script.
//!
//! This module only describes and parses; [`crate::render()`] validates the whole config and
//! turns it into table entries.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// A whole node: interfaces, L2, routing, NAT44 and ACLs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// Free-form node name, printed by `nicctl check`.
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "interface")]
    pub interfaces: Vec<Interface>,
    #[serde(default, rename = "bridge_domain")]
    pub bridge_domains: Vec<BridgeDomain>,
    #[serde(default, rename = "neighbor")]
    pub neighbors: Vec<Neighbor>,
    #[serde(default, rename = "route")]
    pub routes: Vec<Route>,
    #[serde(default, rename = "l2fib")]
    pub l2fib: Vec<StaticL2Fib>,
    #[serde(default)]
    pub nat44: Option<Nat44>,
    #[serde(default, rename = "acl")]
    pub acls: Vec<Acl>,
    #[serde(default)]
    pub acl_timeouts: AclTimeouts,
}

/// What an interface is; decides which fields apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InterfaceKind {
    /// A physical NIC port (`GigabitEthernet0/8/0`).
    Uplink,
    /// A TAP to a pod (`tap2`).
    Tap,
    /// A loopback, usually a bridge domain's BVI (`loop0`).
    Loopback,
    /// A VXLAN tunnel endpoint (`vxlan_tunnel0`); needs `[interface.vxlan]`.
    Vxlan,
}

/// NAT44 role of an interface, as `set interface nat44 in|out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum NatRole {
    #[default]
    None,
    Inside,
    Outside,
    /// Both: traffic to a static mapping's external address or a pool address goes
    /// through `nat44-out2in`, everything else through `nat44-in2out` (Contiv's pod taps).
    InsideOutside,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interface {
    pub name: String,
    pub kind: InterfaceKind,
    /// VPP's `sw_if_index`; assigned in order of appearance (from 1) when absent.
    #[serde(default)]
    pub index: Option<u16>,
    /// Wire port of the NIC for uplinks; host-side (punt) otherwise. Defaults to the
    /// order of uplinks in the file.
    #[serde(default)]
    pub port: Option<u8>,
    #[serde(default)]
    pub mac: Option<MacAddr>,
    #[serde(default)]
    pub addresses: Vec<Ipv4Prefix>,
    /// Borrow the address of another interface (`set interface unnumbered`).
    #[serde(default)]
    pub unnumbered: Option<String>,
    /// FIB index (VRF) this interface's L3 input is looked up in.
    #[serde(default)]
    pub vrf: u32,
    #[serde(default = "default_mtu")]
    pub mtu: u16,
    #[serde(default = "default_true")]
    pub up: bool,
    #[serde(default)]
    pub nat: NatRole,
    /// NAT44 as an output feature (`set interface nat44 out IF output-feature`).
    #[serde(default)]
    pub nat_output_feature: bool,
    /// ACLs applied to input, in order (`set acl-plugin interface IF input acl N`).
    #[serde(default)]
    pub acl_input: Vec<u32>,
    #[serde(default)]
    pub acl_output: Vec<u32>,
    #[serde(default)]
    pub vxlan: Option<VxlanTunnel>,
    /// Split-horizon group as a bridge-domain member (`set interface l2 bridge IF BD [bvi] K`);
    /// 0 is none. Only meaningful on a bridge-domain member.
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub shg: u8,
    /// Name of the TAP's host-side Linux interface (`create tap ... host-if-name NAME`).
    /// Host-side only: it does not reach the NIC's tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_if_name: Option<String>,
    /// Addresses this interface answers ARP requests for with its own MAC (proxy ARP), as
    /// VPP does on Contiv's pod taps for the pods' gateway: `proxy_arp = ["169.254.1.1"]`.
    /// Host-side only: ARP is handled by the software path and never reaches the NIC.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proxy_arp: Vec<Ipv4Addr>,
}

fn is_zero_u8(v: &u8) -> bool {
    *v == 0
}

impl Interface {
    /// An interface with every optional field at the default the native format gives
    /// it when left out.
    pub fn new(name: &str, kind: InterfaceKind) -> Self {
        Interface {
            name: name.to_string(),
            kind,
            index: None,
            port: None,
            mac: None,
            addresses: Vec::new(),
            unnumbered: None,
            vrf: 0,
            mtu: default_mtu(),
            up: true,
            nat: NatRole::None,
            nat_output_feature: false,
            acl_input: Vec::new(),
            acl_output: Vec::new(),
            vxlan: None,
            shg: 0,
            host_if_name: None,
            proxy_arp: Vec::new(),
        }
    }
}

fn default_mtu() -> u16 {
    9000
}
fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VxlanTunnel {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub vni: u32,
    /// FIB the outer destination is resolved in.
    #[serde(default)]
    pub encap_vrf: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BridgeDomain {
    pub id: u32,
    pub members: Vec<String>,
    #[serde(default)]
    pub bvi: Option<String>,
    #[serde(default = "default_true")]
    pub learn: bool,
    #[serde(default = "default_true")]
    pub forward: bool,
    #[serde(default = "default_true")]
    pub flood: bool,
    #[serde(default = "default_true")]
    pub uu_flood: bool,
    #[serde(default)]
    pub arp_term: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Neighbor {
    pub interface: String,
    pub ip: Ipv4Addr,
    pub mac: MacAddr,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    #[serde(default)]
    pub vrf: u32,
    pub prefix: Ipv4Prefix,
    /// Next hops; more than one is ECMP (weighted by `weight`).
    pub via: Vec<NextHop>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextHop {
    /// Next-hop address. Without `interface` it is resolved recursively through the FIB.
    #[serde(default)]
    pub address: Option<Ipv4Addr>,
    /// Egress interface. Without `address` the prefix is attached to it.
    #[serde(default)]
    pub interface: Option<String>,
    #[serde(default = "default_weight")]
    pub weight: u8,
    /// Resolve a recursive next hop in this VRF instead of the route's own.
    #[serde(default)]
    pub next_hop_vrf: Option<u32>,
}

fn default_weight() -> u8 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticL2Fib {
    pub bd: u32,
    pub mac: MacAddr,
    pub interface: String,
    #[serde(default = "default_true")]
    pub static_entry: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Nat44 {
    /// Pass traffic that matches no session or mapping untranslated (`nat44 forwarding enable`).
    #[serde(default)]
    pub forwarding: bool,
    #[serde(default = "default_max_sessions")]
    pub max_sessions: u32,
    #[serde(default)]
    pub addresses: Vec<NatPoolAddress>,
    #[serde(default, rename = "static_mapping")]
    pub static_mappings: Vec<StaticMapping>,
    #[serde(default, rename = "identity_mapping")]
    pub identity_mappings: Vec<IdentityMapping>,
    #[serde(default)]
    pub timeouts: NatTimeouts,
}

fn default_max_sessions() -> u32 {
    65536
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatPoolAddress {
    pub address: Ipv4Addr,
    #[serde(default)]
    pub vrf: u32,
    /// Reserved for twice-NAT source translation.
    #[serde(default)]
    pub twice_nat: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum L4Protocol {
    Tcp,
    Udp,
    Icmp,
}

impl L4Protocol {
    pub fn number(self) -> u8 {
        match self {
            L4Protocol::Tcp => 6,
            L4Protocol::Udp => 17,
            L4Protocol::Icmp => 1,
        }
    }
}

/// A (load-balancing) static mapping: `external` is the service VIP:port, `locals` the
/// endpoints. Each endpoint's `probability` is a relative weight, as in VPP (weights 1
/// and 1 split evenly; 30 and 70 as percentages would); a flow picks an endpoint by its
/// hash, in proportion to the weights.
///
/// Without `protocol` the mapping is address-only (VPP's `nat44 add static mapping local
/// A external B` without ports): one local, addresses without ports (or port 0), every
/// protocol translated 1:1 with its ports kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticMapping {
    #[serde(default)]
    pub protocol: Option<L4Protocol>,
    pub external: SocketAddr4,
    #[serde(default)]
    pub vrf: u32,
    pub locals: Vec<LocalEndpoint>,
    #[serde(default)]
    pub twice_nat: bool,
    #[serde(default)]
    pub self_twice_nat: bool,
    #[serde(default)]
    pub out2in_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalEndpoint {
    pub address: SocketAddr4,
    #[serde(default = "default_probability")]
    pub probability: u8,
    #[serde(default)]
    pub vrf: Option<u32>,
}

fn default_probability() -> u8 {
    100
}

/// Traffic to/from this address (and optionally protocol/port) is never translated, but
/// still gets a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityMapping {
    pub address: Ipv4Addr,
    #[serde(default)]
    pub protocol: Option<L4Protocol>,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub vrf: u32,
}

/// Seconds, VPP's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NatTimeouts {
    pub udp: u32,
    pub tcp_established: u32,
    pub tcp_transitory: u32,
    pub icmp: u32,
}

impl Default for NatTimeouts {
    fn default() -> Self {
        NatTimeouts { udp: 300, tcp_established: 7440, tcp_transitory: 240, icmp: 60 }
    }
}

/// Reflexive ACL session idle timeouts in seconds (VPP acl-plugin defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AclTimeouts {
    pub udp_idle: u32,
    pub tcp_idle: u32,
    pub tcp_transient: u32,
    pub max_sessions: u32,
}

impl Default for AclTimeouts {
    fn default() -> Self {
        AclTimeouts { udp_idle: 600, tcp_idle: 86400, tcp_transient: 120, max_sessions: 65536 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acl {
    /// ACL index; defaults to creation order, as in VPP.
    #[serde(default)]
    pub index: Option<u32>,
    #[serde(default)]
    pub tag: String,
    #[serde(default, rename = "rule")]
    pub rules: Vec<AclRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AclAction {
    #[serde(rename = "deny")]
    Deny,
    #[serde(rename = "permit")]
    Permit,
    #[serde(rename = "permit+reflect")]
    PermitReflect,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AclRule {
    pub action: AclAction,
    #[serde(default = "Ipv4Prefix::any")]
    pub src: Ipv4Prefix,
    #[serde(default = "Ipv4Prefix::any")]
    pub dst: Ipv4Prefix,
    /// IP protocol number; 0 matches any.
    #[serde(default)]
    pub proto: u8,
    #[serde(default = "PortRange::any")]
    pub sport: PortRange,
    #[serde(default = "PortRange::any")]
    pub dport: PortRange,
    #[serde(default)]
    pub tcp_flags_value: u8,
    #[serde(default)]
    pub tcp_flags_mask: u8,
}

// --- value types with string forms -------------------------------------------------

/// Error from parsing one of the textual value types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} `{text}`: {why}")]
pub struct ValueError {
    pub what: &'static str,
    pub text: String,
    pub why: &'static str,
}

fn value_err(what: &'static str, text: &str, why: &'static str) -> ValueError {
    ValueError { what, text: text.to_string(), why }
}

macro_rules! serde_via_str {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// An Ethernet MAC address, written `1a:2b:3c:4d:5e:01`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddr(pub [u8; 6]);

impl FromStr for MacAddr {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let mut out = [0u8; 6];
        let mut parts = s.split(':');
        for byte in out.iter_mut() {
            let part = parts.next().ok_or_else(|| value_err("MAC address", s, "needs six bytes"))?;
            if part.len() != 2 {
                return Err(value_err("MAC address", s, "each byte is two hex digits"));
            }
            *byte = u8::from_str_radix(part, 16).map_err(|_| value_err("MAC address", s, "not hex"))?;
        }
        if parts.next().is_some() {
            return Err(value_err("MAC address", s, "more than six bytes"));
        }
        Ok(MacAddr(out))
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(f, "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5])
    }
}
impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
serde_via_str!(MacAddr);

/// An IPv4 prefix `a.b.c.d/len`. The address keeps its host bits as written; see
/// [`Ipv4Prefix::network`] and [`Ipv4Prefix::has_host_bits`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Prefix {
    pub addr: Ipv4Addr,
    pub len: u8,
}

impl Ipv4Prefix {
    pub fn new(addr: Ipv4Addr, len: u8) -> Self {
        Ipv4Prefix { addr, len }
    }
    pub fn any() -> Self {
        Ipv4Prefix { addr: Ipv4Addr::UNSPECIFIED, len: 0 }
    }
    pub fn mask(&self) -> u32 {
        prefix_mask(self.len)
    }
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & self.mask())
    }
    pub fn has_host_bits(&self) -> bool {
        u32::from(self.addr) & !self.mask() != 0
    }
    pub fn contains(&self, a: Ipv4Addr) -> bool {
        (u32::from(a) ^ u32::from(self.addr)) & self.mask() == 0
    }
}

pub use offload_tables::prefix_mask;

impl FromStr for Ipv4Prefix {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let (a, l) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let addr: Ipv4Addr = a.parse().map_err(|_| value_err("IPv4 prefix", s, "bad address"))?;
        let len = match l {
            None => 32,
            Some(l) => l.parse::<u8>().map_err(|_| value_err("IPv4 prefix", s, "bad length"))?,
        };
        if len > 32 {
            return Err(value_err("IPv4 prefix", s, "length above 32"));
        }
        Ok(Ipv4Prefix { addr, len })
    }
}
impl fmt::Display for Ipv4Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}
impl fmt::Debug for Ipv4Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
serde_via_str!(Ipv4Prefix);

/// An inclusive port range, written `80` or `1024-65535`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortRange {
    pub lo: u16,
    pub hi: u16,
}

impl PortRange {
    pub fn any() -> Self {
        PortRange { lo: 0, hi: u16::MAX }
    }
    pub fn contains(&self, p: u16) -> bool {
        self.lo <= p && p <= self.hi
    }
}

impl FromStr for PortRange {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let port = |t: &str| t.trim().parse::<u16>().map_err(|_| value_err("port range", s, "bad port"));
        let r = match s.split_once('-') {
            Some((a, b)) => PortRange { lo: port(a)?, hi: port(b)? },
            None => {
                let p = port(s)?;
                PortRange { lo: p, hi: p }
            }
        };
        if r.lo > r.hi {
            return Err(value_err("port range", s, "low end above high end"));
        }
        Ok(r)
    }
}
impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}-{}", self.lo, self.hi)
        }
    }
}
impl fmt::Debug for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
serde_via_str!(PortRange);

/// `a.b.c.d:port`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocketAddr4 {
    pub addr: Ipv4Addr,
    pub port: u16,
}

impl FromStr for SocketAddr4 {
    type Err = ValueError;
    /// `A:P`, or a bare address `A` for port 0 (an address-only mapping's sides).
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let Some((a, p)) = s.split_once(':') else {
            let addr = s.parse().map_err(|_| value_err("address[:port]", s, "bad address"))?;
            return Ok(SocketAddr4 { addr, port: 0 });
        };
        Ok(SocketAddr4 {
            addr: a.parse().map_err(|_| value_err("address:port", s, "bad address"))?,
            port: p.parse().map_err(|_| value_err("address:port", s, "bad port"))?,
        })
    }
}
impl fmt::Display for SocketAddr4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.port == 0 {
            return write!(f, "{}", self.addr);
        }
        write!(f, "{}:{}", self.addr, self.port)
    }
}
impl fmt::Debug for SocketAddr4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
serde_via_str!(SocketAddr4);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_types_round_trip() {
        let m: MacAddr = "1a:2b:3c:4d:5e:01".parse().unwrap();
        assert_eq!(m.to_string(), "1a:2b:3c:4d:5e:01");
        assert!("1a:2b:3c:4d:5e".parse::<MacAddr>().is_err());
        assert!("1a:2b:3c:4d:5e:01:02".parse::<MacAddr>().is_err());
        assert!("zz:2b:3c:4d:5e:01".parse::<MacAddr>().is_err());
        let p: Ipv4Prefix = "10.1.2.0/24".parse().unwrap();
        assert!(p.contains("10.1.2.200".parse().unwrap()));
        assert!(!p.contains("10.1.3.1".parse().unwrap()));
        assert!("10.1.2.0/33".parse::<Ipv4Prefix>().is_err());
        assert!("10.1.2.3/24".parse::<Ipv4Prefix>().unwrap().has_host_bits());
        let r: PortRange = "1024-65535".parse().unwrap();
        assert_eq!((r.lo, r.hi), (1024, 65535));
        assert!("9-3".parse::<PortRange>().is_err());
        let s: SocketAddr4 = "10.97.193.160:80".parse().unwrap();
        assert_eq!(s.port, 80);
        assert_eq!(prefix_mask(0), 0);
        assert_eq!(prefix_mask(32), u32::MAX);
    }
}
