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

/// Table counters: hits, misses and changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableCounters {
    pub fib_lookups: u64,
    pub fib_misses: u64,
    pub lb_ecmp_choices: u64,
    pub acl_rule_matches: u64,
    pub acl_session_hits: u64,
    pub acl_sessions_created: u64,
    pub acl_sessions_expired: u64,
    pub nat_session_hits: u64,
    pub nat_session_misses: u64,
    pub nat_sessions_created: u64,
    pub nat_sessions_expired: u64,
    pub nat_sessions_refused: u64,
    pub nat_forwarded_untranslated: u64,
    pub l2fib_hits: u64,
    pub l2fib_misses: u64,
    pub l2fib_learned: u64,
    pub l2_flooded: u64,
    pub vxlan_encapsulated: u64,
    pub vxlan_decapsulated: u64,
    pub ip4_fragments: u64,
    pub ip4_options: u64,
    pub arp_requests_received: u64,
    pub arp_replies_sent: u64,
    pub arp_proxy_replies_sent: u64,
    pub arp_replies_received: u64,
    pub arp_neighbors_learned: u64,
    pub glean_requests_sent: u64,
    pub glean_packets_held: u64,
    pub glean_packets_released: u64,
    pub glean_timeouts: u64,
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
        // Debug of the struct lists every table counter with its name.
        let text = format!("{:#?}", c.tables);
        for line in text.lines().filter(|l| l.starts_with("    ")) {
            let line = line.trim().trim_end_matches(',');
            if let Some((k, v)) = line.split_once(": ") {
                if v != "0" {
                    writeln!(f, "  {k:<34} {v:>12}")?;
                }
            }
        }
        Ok(())
    }
}
