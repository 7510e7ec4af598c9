//! Counters for every node, drop reason and table, summed per packet in plain integers
//! (one core owns a dataplane, so no atomics on the hot path).

use offload_tables::reasons::DropReason;
use std::fmt;

macro_rules! nodes {
    ($($var:ident = $name:literal,)*) => {
        /// The graph nodes of the software path, with VPP's names.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Node { $($var,)* }
        impl Node {
            pub const ALL: &'static [Node] = &[$(Node::$var,)*];
            pub const COUNT: usize = Self::ALL.len();
            pub fn name(self) -> &'static str {
                match self { $(Node::$var => $name,)* }
            }
        }
    };
}

nodes! {
    EthernetInput = "ethernet-input",
    Ip4Input = "ip4-input",
    AclInIp4Fa = "acl-plugin-in-ip4-fa",
    AclOutIp4Fa = "acl-plugin-out-ip4-fa",
    AclInIp4L2 = "acl-plugin-in-ip4-l2",
    AclOutIp4L2 = "acl-plugin-out-ip4-l2",
    Nat44Out2in = "nat44-out2in",
    Nat44In2out = "nat44-in2out",
    Nat44In2outSlowpath = "nat44-in2out-slowpath",
    Nat44In2outOutput = "nat44-in2out-output",
    Nat44In2outOutputSlowpath = "nat44-in2out-output-slowpath",
    Ip4Lookup = "ip4-lookup",
    Ip4LoadBalance = "ip4-load-balance",
    Ip4Rewrite = "ip4-rewrite",
    Ip4Local = "ip4-local",
    Ip4UdpLookup = "ip4-udp-lookup",
    L2Input = "l2-input",
    L2InputClassify = "l2-input-classify",
    L2OutputClassify = "l2-output-classify",
    L2Learn = "l2-learn",
    L2Fwd = "l2-fwd",
    L2Flood = "l2-flood",
    L2Output = "l2-output",
    Vxlan4Encap = "vxlan4-encap",
    Vxlan4Input = "vxlan4-input",
    InterfaceOutput = "interface-output",
    ArpInput = "arp-input",
    ArpReply = "arp-reply",
    ArpProxy = "arp-proxy",
    Ip4Glean = "ip4-glean",
    Ip4IcmpError = "ip4-icmp-error",
    Ip4Frag = "ip4-frag",
    Ip4IcmpEchoRequest = "ip4-icmp-echo-request",
    Ip4Options = "ip4-options",
    Ip4MfibForwardRpf = "ip4-mfib-forward-rpf",
    ErrorDrop = "error-drop",
}

/// Per-interface traffic counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IfCounters {
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    pub drops: u64,
}

macro_rules! table_counters {
    ($($field:ident,)*) => {
        /// Table counters: hits, misses and changes.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct TableCounters { $(pub $field: u64,)* }

        impl TableCounters {
            /// Every counter with its name, in declaration order.
            pub fn named(&self) -> [(&'static str, u64); [$(stringify!($field),)*].len()] {
                [$((stringify!($field), self.$field),)*]
            }
        }
    };
}

table_counters! {
    fib_lookups,
    fib_misses,
    lb_ecmp_choices,
    acl_rule_matches,
    acl_session_hits,
    acl_sessions_created,
    acl_sessions_expired,
    nat_session_hits,
    nat_session_misses,
    nat_sessions_created,
    nat_sessions_expired,
    nat_sessions_refused,
    nat_forwarded_untranslated,
    l2fib_hits,
    l2fib_misses,
    l2fib_learned,
    l2_flooded,
    vxlan_encapsulated,
    vxlan_decapsulated,
    ip4_fragments,
    ip4_options,
    arp_requests_received,
    arp_replies_sent,
    arp_proxy_replies_sent,
    arp_replies_received,
    arp_neighbors_learned,
    glean_requests_sent,
    glean_packets_held,
    glean_packets_released,
    glean_timeouts,
    icmp_errors_sent,
    icmp_echo_replies_sent,
    ip4_fragmented,
    ip4_fragments_sent,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counters {
    pub node_packets: [u64; Node::COUNT],
    pub drops: [u64; DropReason::COUNT],
    pub interfaces: Vec<IfCounters>,
    pub tables: TableCounters,
}

impl Counters {
    pub fn new(n_interfaces: usize) -> Self {
        Counters {
            node_packets: [0; Node::COUNT],
            drops: [0; DropReason::COUNT],
            interfaces: vec![IfCounters::default(); n_interfaces],
            tables: TableCounters::default(),
        }
    }
    #[inline]
    pub fn node(&mut self, n: Node) {
        self.node_packets[n as usize] += 1;
    }
    pub fn node_count(&self, n: Node) -> u64 {
        self.node_packets[n as usize]
    }
    pub fn drop_count(&self, r: DropReason) -> u64 {
        self.drops[r.code() as usize]
    }
    pub fn total_drops(&self) -> u64 {
        self.drops.iter().sum()
    }
}

/// `show` style text: non-zero counters only.
pub struct CountersDisplay<'a> {
    pub counters: &'a Counters,
    pub interface_names: &'a [String],
}

impl fmt::Display for CountersDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.counters;
        writeln!(f, "{:<36} {:>12}", "node", "packets")?;
        for n in Node::ALL {
            let v = c.node_count(*n);
            if v != 0 {
                writeln!(f, "{:<36} {:>12}", n.name(), v)?;
            }
        }
        writeln!(f, "\n{:<36} {:>12}", "drop reason", "packets")?;
        for r in DropReason::ALL {
            let v = c.drop_count(*r);
            if v != 0 {
                writeln!(f, "{:<36} {:>12}", r.as_str(), v)?;
            }
        }
        writeln!(
            f,
            "\n{:<24} {:>10} {:>12} {:>10} {:>12} {:>8}",
            "interface", "rx pkts", "rx bytes", "tx pkts", "tx bytes", "drops"
        )?;
        for (i, ic) in c.interfaces.iter().enumerate() {
            let name = self.interface_names.get(i).map(String::as_str).unwrap_or("");
            if name.is_empty() && *ic == IfCounters::default() {
                continue;
            }
            writeln!(
                f,
                "{:<24} {:>10} {:>12} {:>10} {:>12} {:>8}",
                name, ic.rx_packets, ic.rx_bytes, ic.tx_packets, ic.tx_bytes, ic.drops
            )?;
        }
        writeln!(f, "\ntables")?;
        for (name, v) in c.tables.named().into_iter().filter(|(_, v)| *v != 0) {
            writeln!(f, "  {name:<34} {v:>12}")?;
        }
        Ok(())
    }
}
