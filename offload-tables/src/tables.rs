//! [`Tables`]: every table the NIC holds, as one value — what a config renders to, what
//! the software path runs on, what the driver loads into the device.

use crate::layout::*;
use crate::lpm::Lpm;

/// Names that tables refer to by index: for traces, `nicctl check` and pcapng output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// Interface name by sw_if_index (empty for unused slots).
    pub interfaces: Vec<String>,
    /// VRF table id by FIB index.
    pub fib_table_ids: Vec<u32>,
}

impl Names {
    pub fn interface(&self, sw_if_index: u16) -> &str {
        self.interfaces.get(usize::from(sw_if_index)).map(String::as_str).unwrap_or("?")
    }
    pub fn sw_if_index(&self, name: &str) -> Option<u16> {
        self.interfaces.iter().position(|n| n == name).map(|i| i as u16)
    }
}

/// Every table the NIC holds, rendered from one config. Slot 0 of `interfaces` is unused
/// (VPP's `local0`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tables {
    pub global: GlobalEntry,
    pub interfaces: Vec<InterfaceEntry>,
    pub acl_lists: Vec<AclListEntry>,
    pub acls: Vec<AclEntry>,
    pub acl_rules: Vec<AclRuleEntry>,
    pub nat_mappings: Vec<NatMappingEntry>,
    pub nat_endpoints: Vec<NatEndpointEntry>,
    pub nat_pool: Vec<NatPoolEntry>,
    pub routes: Vec<RouteEntry>,
    pub lpm: Lpm,
    pub load_balances: Vec<LoadBalanceEntry>,
    pub buckets: Vec<BucketEntry>,
    pub adjacencies: Vec<AdjacencyEntry>,
    pub bridge_domains: Vec<BridgeDomainEntry>,
    pub bd_members: Vec<BdMemberEntry>,
    pub l2fib: Vec<L2FibEntry>,
    pub vxlan_tunnels: Vec<VxlanTunnelEntry>,
    pub names: Names,
    /// `(sw_if_index, IPv4 address)` pairs the software path answers ARP for on that
    /// interface (config `proxy_arp`). Host-side only: ARP is punted, never in NIC memory.
    pub proxy_arp: Vec<(u16, u32)>,
}

impl Tables {
    pub fn interface(&self, sw_if_index: u16) -> Option<&InterfaceEntry> {
        self.interfaces.get(usize::from(sw_if_index)).filter(|i| i.kind != 0)
    }
}

/// Maximum sizes the contract supports (index widths of the entry layouts).
pub const MAX_INTERFACES: usize = 4095;
pub const MAX_LB_BUCKETS: usize = 64;
