//! The dataplane: VPP's graph nodes as direct calls, one packet at a time, over the
//! rendered [`Tables`]. Each `fn` below is one node (or a node and the small node that
//! always follows it); the order of calls is the order of nodes in a VPP trace.
//!
//! A packet either leaves through [`Tx`] or is dropped with a [`DropReason`] that is
//! counted; nothing panics on packet content.

use crate::acl::{self, AclMatcher, AclSessions, Verdict};
use crate::buffer::{BufferPool, PacketBuf};
use crate::counters::{Counters, Node};
use crate::flow::{check_ip4, parse_ip4, Flow, Ip4Check, L3_OFFSET};
use crate::host_work::HostWork;
use crate::nat::{self, NatState, Outcome};
use crate::trace::{ethernet_line, hex_dump_60, ip4_lines, Tracer};
use crate::wire::ethernet::fmt_mac;
use crate::wire::vxlan::{self, EncapTemplate};
use offload_tables::checksum;
use offload_tables::flow_hash::{hashes_ports, ip4_flow_hash, l2_flow_hash, vxlan_src_port};
use offload_tables::layout::*;
use offload_tables::reasons::{DropReason, PuntReason};
use offload_tables::session::SessionTable;
use offload_tables::Tables;
use rustc_hash::FxHashMap;
use std::fmt::Write;
use std::net::Ipv4Addr;

pub mod arp;
mod icmp;
pub mod reload;

pub use icmp::IcmpError;

/// A transmitted packet and the interface it leaves by.
#[derive(Debug)]
pub struct Tx {
    pub sw_if_index: u16,
    pub pkt: PacketBuf,
}

/// How many times one packet may re-enter the graph (BVI → bridge → decap → ...).
const MAX_PASSES: u8 = 8;
const L2_DYNAMIC: u8 = 0;

/// A software dataplane for one node.
pub struct Dataplane {
    pub tables: Tables,
    pub counters: Counters,
    pub tracer: Tracer,
    /// NAT and reflexive ACL sessions, in the layout the NIC holds them.
    pub sessions: SessionTable,
    pub nat: NatState,
    pub acl: AclSessions,
    acl_rules: AclMatcher,
    /// Per tunnel: the outer headers' template (IPv4 with its checksum for a zero total
    /// length, the VNI).
    vxlan_headers: Vec<EncapTemplate>,
    /// (bridge domain index, MAC) → (sw_if_index, l2fib flags); static and learned.
    l2fib: FxHashMap<u64, (u16, u8)>,
    /// (local address, remote address, VNI) → tunnel index.
    vxlan_rx: FxHashMap<(u32, u32, u32), u16>,
    now_ns: u64,
    /// Packets transmitted by the packet being processed (moved to the caller's vector).
    out: Vec<Tx>,
    /// Learned neighbors (an overlay where the tables say GLEAN) and held packets.
    pub neighbors: arp::Neighbors,
    /// Where the buffers of received frames come from (the edges take them here) and
    /// where the ones the graph makes (ARP, copies) come from too.
    pub pool: BufferPool,
    /// The last fragment identifier `ip4-frag` gave a packet (VPP's running counter).
    frag_id: u32,
    /// What the last packet ([`Dataplane::process`], [`Dataplane::process_vxlan_outer`])
    /// needed the host for, in the NIC contract's punt reasons.
    pub host_work: HostWork,
}

#[inline]
fn l2_key(bd: u16, mac: &[u8]) -> u64 {
    let mut k = u64::from(bd) << 48;
    for &b in &mac[..6] {
        k = (k & !0xffff_ffff_ffff) | (((k & 0xffff_ffff_ffff) << 8) | u64::from(b));
    }
    k
}

fn ip(a: u32) -> Ipv4Addr {
    Ipv4Addr::from(a)
}

impl Dataplane {
    pub fn new(tables: Tables) -> Self {
        let mut l2fib = FxHashMap::default();
        for e in &tables.l2fib {
            l2fib.insert(l2_key(e.bd_index, &e.mac), (e.sw_if_index, e.flags | l2fib_flags::STATIC));
        }
        let vxlan_rx =
            tables.vxlan_tunnels.iter().enumerate().map(|(i, v)| ((v.src, v.dst, v.vni), i as u16)).collect();
        // Two entries per NAT session, one per ACL session; half full at the limits.
        // (And NAT addresses and pass entries, which fit in the other half.)
        let capacity = (tables.global.nat_max_sessions as usize * 2 + tables.global.acl_max_sessions as usize) * 2;
        let mut sessions = SessionTable::with_capacity(capacity.max(1024));
        let mut nat = NatState::new(&tables);
        nat.install_externals(&mut sessions);
        Dataplane {
            counters: Counters::new(tables.interfaces.len()),
            tracer: Tracer::default(),
            sessions,
            nat,
            acl: AclSessions::new(&tables),
            acl_rules: AclMatcher::new(&tables),
            vxlan_headers: tables.vxlan_tunnels.iter().map(EncapTemplate::new).collect(),
            l2fib,
            vxlan_rx,
            now_ns: 0,
            out: Vec::new(),
            neighbors: arp::Neighbors::default(),
            pool: BufferPool::default(),
            frag_id: 0,
            host_work: HostWork::NONE,
            tables,
        }
    }

    pub fn set_trace(&mut self, on: bool) {
        self.tracer.on = on;
    }

    /// Takes the trace text accumulated so far.
    pub fn take_trace(&mut self) -> String {
        self.tracer.take()
    }

    /// The counters, with the session-creation totals brought up to date.
    pub fn counters(&mut self) -> &Counters {
        self.counters.tables.nat_sessions_created = self.nat.created;
        &self.counters
    }

    /// The NIC forwarded a packet that hit the entry with this key (its hit bit, read by
    /// the driver): refreshes the NAT or ACL session it belongs to, as a hit in software
    /// would. Returns whether the key is a session's.
    pub fn touch_session(&mut self, key: &SessionKey, now_ns: u64) -> bool {
        let Some(slot) = self.sessions.lookup(key) else { return false };
        let e = *self.sessions.get(slot);
        match key.kind {
            session_kind::ACL => self.acl.touch(e.session_index, now_ns),
            session_kind::NAT_EXTERNAL => return false,
            _ => self.nat.touch(&e, now_ns),
        }
        true
    }

    /// Expires idle NAT and ACL sessions as of `now_ns`.
    pub fn expire_sessions(&mut self, now_ns: u64) {
        let n = self.nat.expire(&mut self.sessions, now_ns);
        self.counters.tables.nat_sessions_expired += n as u64;
        let a = self.acl.expire(&mut self.sessions, now_ns);
        self.counters.tables.acl_sessions_expired += a as u64;
    }

    /// Runs one frame received on `rx` (a sw_if_index) at time `now_ns` through the
    /// graph; transmitted packets are appended to `out`.
    pub fn process(&mut self, rx: u16, pkt: PacketBuf, now_ns: u64, out: &mut Vec<Tx>) {
        std::mem::swap(&mut self.out, out);
        self.host_work = HostWork::NONE;
        self.receive(rx, pkt, now_ns);
        std::mem::swap(&mut self.out, out);
    }

    fn receive(&mut self, rx: u16, pkt: PacketBuf, now_ns: u64) {
        self.now_ns = now_ns;
        if self.tracer.on {
            self.tracer.begin(now_ns);
        }
        let Some(ife) = self.tables.interface(rx).copied() else {
            return self.drop_pkt(rx, DropReason::UnknownInterface);
        };
        let c = &mut self.counters.interfaces[usize::from(rx)];
        c.rx_packets += 1;
        c.rx_bytes += pkt.len() as u64;
        let uplink = ife.kind == if_kind::UPLINK;
        if self.tracer.on {
            let name = self.tables.names.interface(rx).to_string();
            if uplink {
                let o = self.tracer.node("dpdk-input");
                let _ = writeln!(o, "  {name} rx queue 0");
                ethernet_line(o, 2, pkt.frame());
                if pkt.len() > L3_OFFSET {
                    ip4_lines(o, 2, &pkt.frame()[L3_OFFSET..]);
                }
            } else {
                let o = self.tracer.node("virtio-input");
                let _ = writeln!(o, "  virtio: hw_if_index {rx} next-index 4 vring 0 len {}", pkt.len());
            }
        }
        if ife.flags & if_flags::UP == 0 {
            return self.drop_pkt(rx, DropReason::InterfaceDown);
        }
        if pkt.len() < L3_OFFSET {
            return self.drop_pkt(rx, DropReason::Truncated);
        }
        if ife.flags & if_flags::L2 != 0 {
            return self.l2_input(rx, pkt, 0, None);
        }
        if !uplink {
            self.counters.node(Node::EthernetInput);
            if self.tracer.on {
                let o = self.tracer.node("ethernet-input");
                ethernet_line(o, 2, pkt.frame());
            }
        }
        self.ip4_input(rx, pkt, 0)
    }

    fn drop_pkt(&mut self, rx: u16, reason: DropReason) {
        self.counters.drops[reason.code() as usize] += 1;
        if let Some(c) = self.counters.interfaces.get_mut(usize::from(rx)) {
            c.drops += 1;
        }
        self.counters.node(Node::ErrorDrop);
        if self.tracer.on {
            let o = self.tracer.node("error-drop");
            let _ = writeln!(o, "  {reason}");
        }
    }

    fn emit(&mut self, tx: u16, pkt: PacketBuf) {
        let c = &mut self.counters.interfaces[usize::from(tx)];
        c.tx_packets += 1;
        c.tx_bytes += pkt.len() as u64;
        self.out.push(Tx { sw_if_index: tx, pkt });
    }

    // ---- L3 ----------------------------------------------------------------------

    /// `ip4-input`, then the interface's input features: ACL, NAT. The frame is not
    /// trimmed to the IPv4 length: Ethernet padding stays with the packet, as in VPP.
    fn ip4_input(&mut self, rx: u16, mut pkt: PacketBuf, passes: u8) {
        self.counters.node(Node::Ip4Input);
        match u16::from_be_bytes([pkt.frame()[12], pkt.frame()[13]]) {
            0x0800 => {}
            arp::ETHERTYPE_ARP => return self.arp_input(rx, pkt, passes),
            _ => return self.drop_pkt(rx, DropReason::NotIp4),
        }
        let check = check_ip4(&pkt.frame()[L3_OFFSET..]);
        if self.tracer.on && !matches!(check, Ip4Check::Drop(_)) {
            let o = self.tracer.node("ip4-input");
            ip4_lines(o, 2, &pkt.frame()[L3_OFFSET..]);
        }
        let mut f = match check {
            Ip4Check::Ok(f) => f,
            Ip4Check::Drop(r) => return self.drop_pkt(rx, r),
            Ip4Check::TimeExpired(_) => {
                self.icmp_error(rx, &pkt, IcmpError::TimeExceeded, passes);
                return self.drop_pkt(rx, DropReason::TtlExpired);
            }
            Ip4Check::Options(f) => return self.ip4_options(rx, pkt, f, passes),
        };
        self.counters.tables.ip4_fragments += u64::from(f.is_fragment);
        let ife = self.tables.interfaces[usize::from(rx)];
        if f.dst >> 28 == 0xe {
            // multicast: ip4-input hands it to the mfib, past the unicast features
            return self.ip4_mfib(rx, pkt, f, passes);
        }
        if ife.acl_in_count > 0 && !self.acl_node(Node::AclInIp4Fa, rx, &f, true) {
            return;
        }
        if self.tables.global.nat_enabled != 0 && ife.flags & (if_flags::NAT_INSIDE | if_flags::NAT_OUTSIDE) != 0 {
            let inside = ife.flags & if_flags::NAT_INSIDE != 0;
            let outside = ife.flags & if_flags::NAT_OUTSIDE != 0;
            let to_out2in = outside && (!inside || self.nat.is_external_addr(f.dst));
            if !self.nat_input(rx, &mut pkt, &mut f, ife.fib_index, to_out2in, passes) {
                return;
            }
        }
        self.ip4_lookup(rx, pkt, f, ife.fib_index, passes)
    }

    /// `ip4-options`: VPP forwards no packet with IPv4 options; an IGMP packet whose first
    /// option is a router alert goes to `ip4-local` (which has no IGMP: dropped there),
    /// everything else to `ip4-punt`, which drops.
    fn ip4_options(&mut self, rx: u16, pkt: PacketBuf, f: Flow, passes: u8) {
        self.counters.node(Node::Ip4Options);
        self.counters.tables.ip4_options += 1;
        self.host_work.add(PuntReason::Exception);
        let first = pkt.frame().get(L3_OFFSET + 20).copied().unwrap_or(0);
        if f.proto == 2 && first & 0x7f == 20 {
            return self.ip4_local(rx, pkt, f, passes);
        }
        self.drop_pkt(rx, DropReason::Ip4Options)
    }

    /// The mfib with no multicast routes: only 224.0.0.1 and 224.0.0.2, received on an
    /// interface with an IPv4 address, are accepted (for `ip4-local`); the rest fails the
    /// RPF check and is dropped.
    fn ip4_mfib(&mut self, rx: u16, pkt: PacketBuf, f: Flow, passes: u8) {
        self.counters.node(Node::Ip4MfibForwardRpf);
        self.host_work.add(PuntReason::Exception);
        let ife = self.tables.interfaces[usize::from(rx)];
        if matches!(f.dst, 0xe000_0001 | 0xe000_0002) && ife.ip4_len != 0 {
            return self.ip4_local(rx, pkt, f, passes);
        }
        self.drop_pkt(rx, DropReason::RpfFailure)
    }

    /// NAT on input: `nat44-out2in`, or `nat44-in2out` and its slow path. Returns
    /// whether the packet goes on.
    fn nat_input(&mut self, rx: u16, pkt: &mut PacketBuf, f: &mut Flow, fib: u16, out2in: bool, passes: u8) -> bool {
        if let Some(r) = nat_refuses(f) {
            self.drop_pkt(rx, r);
            return false;
        }
        if f.ttl == 1 {
            // the NAT nodes answer a packet that would expire before translating it
            self.icmp_error(rx, pkt, IcmpError::TimeExceeded, passes);
            self.drop_pkt(rx, DropReason::TtlExpired);
            return false;
        }
        if f.proto == 1 && !matches!(f.icmp_type, 0 | 8) {
            return self.nat_icmp_error(rx, pkt, f, fib, !out2in, false);
        }
        let outcome = if out2in {
            self.counters.node(Node::Nat44Out2in);
            let o = match self.nat.find(&mut self.sessions, f, fib, false, self.now_ns) {
                o @ Outcome::Translate { .. } => {
                    self.note_nat_hit(f);
                    o
                }
                _ => {
                    self.nat_missed(f, fib, false);
                    self.nat.out2in_slow(&mut self.sessions, &self.tables, f, fib, self.now_ns)
                }
            };
            if self.tracer.on {
                let s = session_text(&o);
                let _ = writeln!(
                    self.tracer.node("nat44-out2in"),
                    "  NAT44_OUT2IN: sw_if_index {rx}, next index 1, session index {s}"
                );
            }
            o
        } else {
            self.nat_in2out(rx, f, fib, false, Node::Nat44In2out, Node::Nat44In2outSlowpath)
        };
        // (out2in lets an echo to the receiving interface's own address through to
        // ip4-local, where nothing maps it)
        let rx_if = self.tables.interfaces[usize::from(rx)];
        let outcome = match outcome {
            Outcome::Drop(DropReason::NatNoTranslation)
                if f.proto == 1 && rx_if.ip4_len != 0 && rx_if.ip4_addr == f.dst =>
            {
                Outcome::Pass
            }
            o => o,
        };
        self.nat_finish(rx, pkt, f, outcome)
    }

    /// The in2out fast path and, on a miss, the slow path (as input or output feature).
    fn nat_in2out(&mut self, rx: u16, f: &Flow, fib: u16, output_feature: bool, fast: Node, slow: Node) -> Outcome {
        self.counters.node(fast);
        let o = self.nat.in2out_fast(&mut self.sessions, f, fib, self.now_ns);
        if self.tracer.on {
            let s = session_text(&o);
            let _ = writeln!(
                self.tracer.node(fast.name()),
                "  NAT44_IN2OUT_FAST_PATH: sw_if_index {rx}, next index 3, session {s}"
            );
        }
        if o != Outcome::Miss {
            self.note_nat_hit(f);
            return o;
        }
        self.counters.node(slow);
        self.counters.tables.nat_session_misses += 1;
        // Translate dynamically only where the packet leaves by an outside interface
        // (as an output feature, that is the interface running this node).
        let egress = nat::Egress { output_feature, outside: output_feature || self.egress_is_outside(rx, fib, f.dst) };
        // (the slow path finds endpoint-dependent sessions and pass entries first, which
        // the NIC's lookup hits; as an output feature, a session's own traffic passes,
        // which the NIC knows from its input side's translation)
        if self.nat.has_in2out_ed_entry(&self.sessions, f, fib)
            || (output_feature && nat::NatState::is_reply_of_session(&self.sessions, f, fib))
        {
            self.note_nat_hit(f);
        } else {
            self.nat_missed(f, fib, true);
        }
        let o = self.nat.in2out_slow(&mut self.sessions, &self.tables, f, fib, egress, self.now_ns);
        if self.tracer.on {
            let s = session_text(&o);
            let _ = writeln!(
                self.tracer.node(slow.name()),
                "  NAT44_IN2OUT_SLOW_PATH: sw_if_index {rx}, next index 0, session {s}"
            );
        }
        o
    }

    /// A NAT session hit: a SYN, FIN or RST moves the session's TCP state, which software
    /// tracks (the NIC punts these).
    fn note_nat_hit(&mut self, f: &Flow) {
        if f.proto == 6 && f.tcp_flags & TCP_CONTROL_FLAGS != 0 {
            self.host_work.add(PuntReason::TcpState);
        }
    }

    /// A NAT lookup missed: the NIC punts; it may still hold a session software has just
    /// found expired.
    fn nat_missed(&mut self, f: &Flow, fib: u16, in2out: bool) {
        self.host_work.add(PuntReason::NatSessionMiss);
        if self.nat.expired_recently(f, fib, in2out) {
            self.host_work.set_expired_session();
        }
    }

    /// An ICMP message other than echo through NAT: an error is translated by the session
    /// of the packet it quotes (see [`nat::icmp_error`]); without one, in2out lets it
    /// pass where it would not translate and drops it where it would, and out2in lets it
    /// pass to the receiving interface's own address, as VPP does. Other ICMP types are
    /// dropped. Returns whether the packet goes on.
    fn nat_icmp_error(
        &mut self,
        rx: u16,
        pkt: &mut PacketBuf,
        f: &mut Flow,
        fib: u16,
        in2out: bool,
        output_feature: bool,
    ) -> bool {
        // (the NIC translates no ICMP error: software's)
        self.host_work.add(PuntReason::Exception);
        let drop = |dp: &mut Self, r| {
            dp.drop_pkt(rx, r);
            false
        };
        if !nat::icmp_error::is_error(f.icmp_type) {
            return drop(self, DropReason::NatBadIcmpType);
        }
        let (look, quoted) = match nat::icmp_error::lookup(pkt.frame(), L3_OFFSET, f) {
            Ok(v) => v,
            Err(r) => return drop(self, r),
        };
        match self.nat.find(&mut self.sessions, &look, fib, in2out, self.now_ns) {
            Outcome::Translate { session, entry } => {
                let router = !in2out && f.src != look.src;
                match nat::icmp_error::translate(pkt.frame_mut(), L3_OFFSET, f, &quoted, &look, &entry, router) {
                    Ok(()) => {
                        self.counters.tables.nat_session_hits += 1;
                        true
                    }
                    Err(r) => {
                        if in2out {
                            self.nat.remove_session(&mut self.sessions, session);
                        }
                        drop(self, r)
                    }
                }
            }
            _ if in2out => {
                if !output_feature && !self.egress_is_outside(rx, fib, f.dst) {
                    self.counters.tables.nat_forwarded_untranslated += 1;
                    true
                } else {
                    drop(self, DropReason::NatBadIcmpType)
                }
            }
            _ => {
                let rx_if = self.tables.interfaces[usize::from(rx)];
                if self.nat.maps_external(fib, f.dst) {
                    drop(self, DropReason::NatBadIcmpType)
                } else if (rx_if.ip4_len != 0 && rx_if.ip4_addr == f.dst) || self.nat.forwarding() {
                    self.counters.tables.nat_forwarded_untranslated += 1;
                    true
                } else {
                    drop(self, DropReason::NatNoTranslation)
                }
            }
        }
    }

    fn nat_finish(&mut self, rx: u16, pkt: &mut PacketBuf, f: &mut Flow, outcome: Outcome) -> bool {
        match outcome {
            Outcome::Translate { entry, .. } => {
                self.counters.tables.nat_session_hits += 1;
                nat::apply(pkt.frame_mut(), L3_OFFSET, f, &entry);
                true
            }
            Outcome::Pass | Outcome::Miss => {
                self.counters.tables.nat_forwarded_untranslated += 1;
                true
            }
            Outcome::Drop(r) => {
                if matches!(r, DropReason::NatMaxSessions) {
                    self.counters.tables.nat_sessions_refused += 1;
                }
                self.drop_pkt(rx, r);
                false
            }
        }
    }

    /// Whether an in2out packet from `rx` to `dst` leaves through a NAT outside interface
    /// (inside-and-outside ones included; not as an output feature, which translates on
    /// its own): VPP's `snat_not_translate_fast`, where a packet to the receiving
    /// interface's own address, or routed by no interface, stays untranslated.
    fn egress_is_outside(&self, rx: u16, fib: u16, dst: u32) -> bool {
        let rx_if = self.tables.interfaces[usize::from(rx)];
        if rx_if.ip4_len != 0 && rx_if.ip4_addr == dst {
            return false;
        }
        let Some(lb) = self.tables.lpm.lookup(fib, dst) else {
            return false;
        };
        let lb = self.tables.load_balances[lb as usize];
        let d = self.tables.buckets[lb.bucket_start as usize].dpo;
        let sw = match dpo::kind(d) {
            dpo::ADJACENCY => self.tables.adjacencies[dpo::index(d) as usize].sw_if_index,
            dpo::GLEAN => dpo::index(d) as u16,
            _ => return false,
        };
        let flags = self.tables.interfaces[usize::from(sw)].flags;
        flags & if_flags::NAT_OUTSIDE != 0 && flags & if_flags::NAT_OUTPUT_FEATURE == 0
    }

    /// `ip4-lookup` (and `ip4-load-balance` for recursive routes): LPM, bucket by flow hash.
    fn ip4_lookup(&mut self, rx: u16, pkt: PacketBuf, f: Flow, fib: u16, passes: u8) {
        self.counters.node(Node::Ip4Lookup);
        self.counters.tables.fib_lookups += 1;
        let Some(lb_index) = self.tables.lpm.lookup(fib, f.dst) else {
            self.counters.tables.fib_misses += 1;
            if self.tracer.on {
                let o = self.tracer.node("ip4-lookup");
                let _ = writeln!(o, "  fib {fib} dpo-idx 0 flow hash: 0x00000000");
                ip4_lines(o, 2, &pkt.frame()[L3_OFFSET..]);
            }
            return self.drop_pkt(rx, DropReason::NoRoute);
        };
        let lb = self.tables.load_balances[lb_index as usize];
        let hash = if lb.n_buckets > 1 { self.flow_hash(&f) } else { 0 };
        if self.tracer.on {
            let o = self.tracer.node("ip4-lookup");
            let _ = writeln!(o, "  fib {fib} dpo-idx {lb_index} flow hash: 0x{hash:08x}");
            ip4_lines(o, 2, &pkt.frame()[L3_OFFSET..]);
        }
        if lb.flags & lb_flags::RECURSIVE != 0 {
            self.counters.node(Node::Ip4LoadBalance);
            if self.tracer.on {
                let o = self.tracer.node("ip4-load-balance");
                let _ = writeln!(o, "  fib {fib} dpo-idx {lb_index} flow hash: 0x{hash:08x}");
                ip4_lines(o, 2, &pkt.frame()[L3_OFFSET..]);
            }
        }
        self.dispatch_lb(rx, pkt, f, lb, hash, passes)
    }

    #[inline]
    fn flow_hash(&mut self, f: &Flow) -> u32 {
        self.counters.tables.lb_ecmp_choices += 1;
        let (sp, dp) = if hashes_ports(f.proto) && f.l4_valid { (f.sport, f.dport) } else { (0, 0) };
        ip4_flow_hash(f.src, f.dst, f.proto, sp, dp)
    }

    fn dispatch_lb(&mut self, rx: u16, pkt: PacketBuf, f: Flow, lb: LoadBalanceEntry, hash: u32, passes: u8) {
        let bucket = lb.bucket_start as usize + (hash as usize & (usize::from(lb.n_buckets) - 1));
        let d = self.tables.buckets[bucket].dpo;
        match dpo::kind(d) {
            dpo::ADJACENCY => self.ip4_rewrite(rx, pkt, f, dpo::index(d), hash, passes),
            dpo::LOCAL => self.ip4_local(rx, pkt, f, passes),
            dpo::GLEAN => self.ip4_glean(rx, pkt, f, dpo::index(d) as u16, hash, passes),
            _ => self.drop_pkt(rx, DropReason::DropRoute),
        }
    }

    /// `ip4-rewrite`: TTL, MTU, L2 header; then the output features of the tx interface.
    fn ip4_rewrite(&mut self, rx: u16, pkt: PacketBuf, f: Flow, adj_index: u32, hash: u32, passes: u8) {
        let adj = self.tables.adjacencies[adj_index as usize];
        self.ip4_rewrite_adj(rx, pkt, f, (adj_index, adj), hash, passes)
    }

    /// `ip4-rewrite` with a table adjacency or a learned neighbor's ([`arp::LEARNED_ADJ`]).
    fn ip4_rewrite_adj(
        &mut self,
        rx: u16,
        mut pkt: PacketBuf,
        mut f: Flow,
        (adj_index, adj): (u32, AdjacencyEntry),
        hash: u32,
        passes: u8,
    ) {
        self.counters.node(Node::Ip4Rewrite);
        // The MTU check (on the IPv4 length, not the frame) wins over the TTL's, and sees
        // the TTL as it arrived: VPP undoes its decrement for it.
        if f.ip_len > adj.mtu {
            if f.df {
                self.icmp_error(rx, &pkt, IcmpError::FragmentationNeeded(adj.mtu), passes);
                return self.drop_pkt(rx, DropReason::MtuExceeded);
            }
            return self.ip4_frag(rx, pkt, &f, (adj_index, adj), hash, passes);
        }
        if !f.locally_originated {
            let frame = pkt.frame_mut();
            let hdr = &mut frame[L3_OFFSET..];
            let old = u16::from_be_bytes([hdr[8], hdr[9]]);
            hdr[8] = hdr[8].wrapping_sub(1);
            let new = u16::from_be_bytes([hdr[8], hdr[9]]);
            let c = checksum::update16(u16::from_be_bytes([hdr[10], hdr[11]]), old, new);
            hdr[10..12].copy_from_slice(&c.to_be_bytes());
            if f.ttl <= 1 {
                // the error quotes the packet with its TTL at 0
                self.icmp_error(rx, &pkt, IcmpError::TimeExceeded, passes);
                return self.drop_pkt(rx, DropReason::TtlExpired);
            }
            f.ttl -= 1;
        }
        pkt.frame_mut()[..14].copy_from_slice(&adj.rewrite);
        if self.tracer.on {
            let name = self.tables.names.interface(adj.sw_if_index).to_string();
            let o = self.tracer.node("ip4-rewrite");
            let _ = write!(
                o,
                "  tx_sw_if_index {} dpo-idx {adj_index} : ipv4 via {} {name}: ",
                adj.sw_if_index,
                ip(adj.next_hop)
            );
            for b in adj.rewrite {
                let _ = write!(o, "{b:02x}");
            }
            let _ = writeln!(o, " flow hash: 0x{hash:08x}");
            hex_dump_60(o, 2, pkt.frame());
        }
        self.ip4_output(rx, pkt, f, adj.sw_if_index, passes)
    }

    /// The ip4-output feature arc of `tx`: output ACL, NAT as output feature.
    fn ip4_output(&mut self, rx: u16, mut pkt: PacketBuf, mut f: Flow, tx: u16, passes: u8) {
        let ife = self.tables.interfaces[usize::from(tx)];
        if ife.acl_out_count > 0 && !self.acl_node(Node::AclOutIp4Fa, tx, &f, false) {
            return;
        }
        if ife.flags & if_flags::NAT_OUTPUT_FEATURE != 0 && self.tables.global.nat_enabled != 0 {
            if let Some(r) = nat_refuses(&f) {
                return self.drop_pkt(rx, r);
            }
            if f.proto == 1 && !matches!(f.icmp_type, 0 | 8) {
                if !self.nat_icmp_error(rx, &mut pkt, &mut f, ife.fib_index, true, true) {
                    return;
                }
                return self.interface_output(rx, pkt, f, tx, passes);
            }
            let o =
                self.nat_in2out(rx, &f, ife.fib_index, true, Node::Nat44In2outOutput, Node::Nat44In2outOutputSlowpath);
            if !self.nat_finish(rx, &mut pkt, &mut f, o) {
                return;
            }
        }
        self.interface_output(rx, pkt, f, tx, passes)
    }

    /// `<interface>-output` (and `-tx`): a BVI hands the frame to its bridge domain.
    fn interface_output(&mut self, rx: u16, pkt: PacketBuf, f: Flow, tx: u16, passes: u8) {
        self.counters.node(Node::InterfaceOutput);
        let ife = self.tables.interfaces[usize::from(tx)];
        if ife.flags & if_flags::UP == 0 {
            return self.drop_pkt(rx, DropReason::InterfaceDown);
        }
        if self.tracer.on {
            let name = self.tables.names.interface(tx).to_string();
            let o = self.tracer.node(&format!("{name}-output"));
            let _ = writeln!(o, "  {name}");
            ethernet_line(o, 2, pkt.frame());
            ip4_lines(o, 2, &pkt.frame()[L3_OFFSET..]);
            if ife.kind == if_kind::UPLINK {
                let o = self.tracer.node(&format!("{name}-tx"));
                let _ = writeln!(o, "  {name} tx queue 0");
                ethernet_line(o, 2, pkt.frame());
                ip4_lines(o, 2, &pkt.frame()[L3_OFFSET..]);
            }
        }
        if ife.flags & if_flags::BVI != 0 {
            return self.l2_input(tx, pkt, passes + 1, Some(f));
        }
        self.emit(tx, pkt)
    }

    /// `ip4-local`: a packet to one of the node's addresses. Its source must be routable
    /// and not one of ours; then ICMP echo requests are answered, UDP goes to
    /// `ip4-udp-lookup` (VXLAN, or port unreachable), and every other protocol is punted,
    /// which drops it (VPP registers no other protocol by default).
    fn ip4_local(&mut self, rx: u16, pkt: PacketBuf, f: Flow, passes: u8) {
        self.counters.node(Node::Ip4Local);
        self.host_work.add(PuntReason::Local);
        if self.tracer.on {
            let o = self.tracer.node("ip4-local");
            ip4_lines(o, 4, &pkt.frame()[L3_OFFSET..]);
        }
        if f.is_fragment {
            // VPP reassembles fragments for the host; this path does not
            return self.drop_pkt(rx, DropReason::Fragment);
        }
        let fib = self.tables.interfaces[usize::from(rx)].fib_index;
        if matches!(f.proto, 1 | 6 | 17) && f.l4_valid {
            // ip4_local_check_src: the route back to the source
            match self.source_route(fib, f.src) {
                Some(k) if k == dpo::LOCAL => return self.drop_pkt(rx, DropReason::SpoofedLocal),
                None if f.dst != 0xffff_ffff => return self.drop_pkt(rx, DropReason::SourceLookupMiss),
                _ => {}
            }
        }
        match f.proto {
            1 if f.l4_valid && f.icmp_type == 8 => self.icmp_echo_reply(rx, pkt, passes),
            17 if f.l4_complete => self.ip4_udp_lookup(rx, pkt, f, passes),
            17 => self.drop_pkt(rx, DropReason::BadL4Header),
            _ => self.drop_pkt(rx, DropReason::UnknownProtocol),
        }
    }

    /// The kind of DPO the route to `src` in `fib` resolves to (`None`: no usable route),
    /// as `ip4-local`'s source check sees it.
    fn source_route(&self, fib: u16, src: u32) -> Option<u32> {
        let lb = self.tables.lpm.lookup(fib, src)?;
        let lb = self.tables.load_balances[lb as usize];
        let d = self.tables.buckets[lb.bucket_start as usize].dpo;
        (dpo::kind(d) != dpo::DROP).then_some(dpo::kind(d))
    }

    /// `ip4-udp-lookup`: the UDP checksum (over the IPv4 length), then the destination
    /// port's owner: VXLAN's 4789 when a tunnel exists; no owner is ICMP port unreachable.
    fn ip4_udp_lookup(&mut self, rx: u16, pkt: PacketBuf, f: Flow, passes: u8) {
        // VPP sums the pseudo header and the datagram over the IPv4 payload length
        let l4 = &pkt.frame()[f.l4_offset()..L3_OFFSET + usize::from(f.ip_len)];
        let (udp_len, udp_csum) = (u16::from_be_bytes([l4[4], l4[5]]), u16::from_be_bytes([l4[6], l4[7]]));
        let sum = checksum::pseudo_header_sum(f.src.to_be_bytes(), f.dst.to_be_bytes(), 17, l4.len() as u16)
            + checksum::sum(l4);
        if usize::from(udp_len) > l4.len() || (udp_csum != 0 && checksum::fold(sum) != 0xffff) {
            return self.drop_pkt(rx, DropReason::BadL4Checksum);
        }
        self.counters.node(Node::Ip4UdpLookup);
        if self.tracer.on {
            let _ = writeln!(self.tracer.node("ip4-udp-lookup"), "  UDP: src-port {} dst-port {}", f.sport, f.dport);
        }
        if f.dport == crate::wire::vxlan::UDP_PORT && !self.tables.vxlan_tunnels.is_empty() {
            return self.vxlan4_input(rx, pkt, f, passes);
        }
        self.icmp_error(rx, &pkt, IcmpError::PortUnreachable, passes);
        self.drop_pkt(rx, DropReason::LocalNoListener)
    }

    // ---- VXLAN -------------------------------------------------------------------

    /// `vxlan4-input`: find the tunnel by (local, remote, VNI), strip the outer headers.
    fn vxlan4_input(&mut self, rx: u16, mut pkt: PacketBuf, f: Flow, passes: u8) {
        self.counters.node(Node::Vxlan4Input);
        let vx_off = f.l4_offset() + 8;
        let Ok(vx) = crate::wire::vxlan::VxlanPacket::new_checked(&pkt.frame()[vx_off..]) else {
            let r = if pkt.len() < vx_off + 8 { DropReason::Truncated } else { DropReason::BadVxlanFlags };
            return self.drop_pkt(rx, r);
        };
        let vni = vx.vni();
        let Some(&tunnel) = self.vxlan_rx.get(&(f.dst, f.src, vni)) else {
            return self.drop_pkt(rx, DropReason::VxlanNoTunnel);
        };
        let sw = self.tables.vxlan_tunnels[usize::from(tunnel)].sw_if_index;
        if self.tracer.on {
            let name = self.tables.names.interface(sw).to_string();
            let _ = writeln!(self.tracer.node("vxlan4-input"), "  VXLAN decap from {name} vni {vni} next 1 error 0");
        }
        if !pkt.pull_front(vx_off + 8) || pkt.len() < 14 {
            return self.drop_pkt(rx, DropReason::Truncated);
        }
        self.counters.tables.vxlan_decapsulated += 1;
        // (the NIC decapsulates its tunnels' packets itself: no ip4-local work for the host)
        self.host_work.remove(PuntReason::Local);
        let c = &mut self.counters.interfaces[usize::from(sw)];
        c.rx_packets += 1;
        c.rx_bytes += pkt.len() as u64;
        self.l2_input(sw, pkt, passes + 1, None)
    }

    /// `vxlan4-encap`: outer IPv4/UDP/VXLAN with the source port from the inner flow
    /// hash, then `ip4-load-balance` on the tunnel's route and `ip4-rewrite`.
    fn vxlan4_encap(&mut self, rx: u16, pkt: PacketBuf, tunnel: u16, passes: u8) {
        let sport = vxlan_src_port(inner_flow_hash(pkt.frame()));
        self.vxlan4_encap_from(rx, pkt, tunnel, sport, passes)
    }

    /// Continues a packet the NIC punted after its VXLAN encap ([`regs::meta::RESUME_VXLAN_OUTER`]):
    /// `frame` is the VXLAN packet, `tunnel_sw` the tunnel interface. The outer headers
    /// are written again from the tunnel (only the source port, the inner flow's hash,
    /// is taken from the frame) and the packet goes on at `ip4-load-balance`.
    ///
    /// [`regs::meta::RESUME_VXLAN_OUTER`]: offload_tables::regs::meta::RESUME_VXLAN_OUTER
    pub fn process_vxlan_outer(&mut self, tunnel_sw: u16, mut pkt: PacketBuf, now_ns: u64, out: &mut Vec<Tx>) {
        std::mem::swap(&mut self.out, out);
        self.host_work = HostWork::NONE;
        self.now_ns = now_ns;
        if self.tracer.on {
            self.tracer.begin(now_ns);
        }
        match self.tables.interface(tunnel_sw).copied() {
            Some(ife)
                if ife.kind == if_kind::VXLAN && usize::from(ife.vxlan_tunnel) < self.tables.vxlan_tunnels.len() =>
            {
                let sport = pkt.frame().get(34..36).map(|p| u16::from_be_bytes([p[0], p[1]]));
                match sport {
                    Some(sport) if pkt.pull_front(vxlan::ENCAP_LEN) && pkt.len() >= L3_OFFSET => {
                        self.vxlan4_encap_from(tunnel_sw, pkt, ife.vxlan_tunnel, sport, 1)
                    }
                    _ => self.drop_pkt(tunnel_sw, DropReason::Truncated),
                }
            }
            _ => self.drop_pkt(tunnel_sw, DropReason::UnknownInterface),
        }
        std::mem::swap(&mut self.out, out);
    }

    fn vxlan4_encap_from(&mut self, rx: u16, mut pkt: PacketBuf, tunnel: u16, sport: u16, passes: u8) {
        self.counters.node(Node::Vxlan4Encap);
        let t = self.tables.vxlan_tunnels[usize::from(tunnel)];
        let inner_len = pkt.len();
        if inner_len > vxlan::MAX_INNER_LEN || !pkt.push_front(vxlan::ENCAP_LEN) {
            return self.drop_pkt(rx, DropReason::MtuExceeded);
        }
        self.vxlan_headers[usize::from(tunnel)].write(pkt.frame_mut(), inner_len, sport);
        self.counters.tables.vxlan_encapsulated += 1;
        if self.tracer.on {
            let name = self.tables.names.interface(t.sw_if_index).to_string();
            let _ = writeln!(self.tracer.node("vxlan4-encap"), "  VXLAN encap to {name} vni {}", t.vni);
        }
        let f = Flow {
            src: t.src,
            dst: t.dst,
            proto: 17,
            sport,
            dport: vxlan::UDP_PORT,
            l4_valid: true,
            l4_complete: true,
            ihl: 20,
            ttl: vxlan::OUTER_TTL,
            ip_len: vxlan::outer_ip_len(inner_len),
            ..Flow::default()
        };
        let lb = self.tables.load_balances[t.outer_lb as usize];
        let hash = if lb.n_buckets > 1 { self.flow_hash(&f) } else { 0 };
        self.counters.node(Node::Ip4LoadBalance);
        if self.tracer.on {
            let o = self.tracer.node("ip4-load-balance");
            let _ = writeln!(o, "  fib {} dpo-idx {} flow hash: 0x{hash:08x}", t.encap_fib_index, t.outer_lb);
            ip4_lines(o, 2, &pkt.frame()[L3_OFFSET..]);
        }
        self.dispatch_lb(rx, pkt, f, lb, hash, passes)
    }

    // ---- L2 ----------------------------------------------------------------------

    /// `l2-input` (learning, input ACL) and `l2-fwd` / `l2-flood`.
    /// `flow` is the packet's parsed IPv4 view when it comes from the BVI (already
    /// validated by `ip4-input`), so the L2 ACL does not parse it again.
    fn l2_input(&mut self, rx: u16, pkt: PacketBuf, passes: u8, flow: Option<Flow>) {
        if passes > MAX_PASSES {
            return self.drop_pkt(rx, DropReason::TtlExpired);
        }
        self.counters.node(Node::L2Input);
        let ife = self.tables.interfaces[usize::from(rx)];
        let bd_index = ife.bd_index;
        let Some(bd) = self.tables.bridge_domains.get(usize::from(bd_index)).copied() else {
            return self.drop_pkt(rx, DropReason::L2NoOutput);
        };
        let frame = pkt.frame();
        let (dst, src): ([u8; 6], [u8; 6]) =
            (frame[0..6].try_into().expect("len checked"), frame[6..12].try_into().expect("len checked"));
        if self.tracer.on {
            let _ = writeln!(
                self.tracer.node("l2-input"),
                "  l2-input: sw_if_index {rx} dst {} src {}",
                fmt_mac(&dst),
                fmt_mac(&src)
            );
        }
        if bd.flags & bd_flags::LEARN != 0 && src != [0; 6] && !self.l2_learn(bd_index, &src, rx) {
            return self.drop_pkt(rx, DropReason::L2MacMove);
        }
        if ife.acl_in_count > 0 {
            self.counters.node(Node::L2InputClassify);
            if self.tracer.on {
                let _ = writeln!(
                    self.tracer.node("l2-input-classify"),
                    "  l2-classify: sw_if_index {rx}, table {}, offset 0, next 18",
                    ife.acl_in_start
                );
            }
            if !self.l2_acl(Node::AclInIp4L2, rx, &pkt, true, flow) {
                return;
            }
        }
        let is_group = dst[0] & 1 != 0;
        let hit = if is_group { None } else { self.l2fib.get(&l2_key(bd_index, &dst)).copied() };
        match hit {
            Some((sw, flags)) => {
                if flags & l2fib_flags::STATIC == 0 {
                    // (the NIC holds the config's entries, not learned ones)
                    self.host_work.add(PuntReason::L2Miss);
                }
                self.counters.tables.l2fib_hits += 1;
                self.counters.node(Node::L2Fwd);
                if self.tracer.on {
                    let _ = writeln!(
                        self.tracer.node("l2-fwd"),
                        "  l2-fwd:   sw_if_index {rx} dst {} src {} bd_index {}",
                        fmt_mac(&dst),
                        fmt_mac(&src),
                        bd.bd_id
                    );
                }
                if sw == rx {
                    return self.drop_pkt(rx, DropReason::L2NoOutput);
                }
                if flags & l2fib_flags::BVI != 0 {
                    return self.ip4_input(sw, pkt, passes + 1);
                }
                self.l2_output(rx, pkt, sw, passes)
            }
            None => {
                self.host_work.add(PuntReason::L2Miss);
                self.counters.tables.l2fib_misses += u64::from(!is_group);
                let allowed =
                    if is_group { bd.flags & bd_flags::FLOOD != 0 } else { bd.flags & bd_flags::UU_FLOOD != 0 };
                if !allowed {
                    return self.drop_pkt(rx, DropReason::L2NoOutput);
                }
                self.l2_flood(rx, pkt, bd, passes)
            }
        }
    }

    /// `l2-learn`: learns (or moves) the source MAC; `false` when it is a static entry of
    /// another interface (the BVI's own MAC, say), which VPP drops as a MAC move
    /// violation. VPP learns any source but all-zero, multicast ones included.
    fn l2_learn(&mut self, bd_index: u16, src: &[u8; 6], rx: u16) -> bool {
        let key = l2_key(bd_index, src);
        match self.l2fib.get(&key) {
            Some(&(sw, flags)) if sw == rx => {
                if flags & l2fib_flags::STATIC == 0 {
                    // a source known by learning only: the NIC does not know it
                    self.host_work.add(PuntReason::L2Miss);
                }
            }
            Some(&(_, flags)) if flags & l2fib_flags::STATIC != 0 => return false,
            _ => {
                self.counters.node(Node::L2Learn);
                self.counters.tables.l2fib_learned += 1;
                self.host_work.add(PuntReason::L2Miss);
                self.l2fib.insert(key, (rx, L2_DYNAMIC));
                if self.tracer.on {
                    let _ = writeln!(
                        self.tracer.node("l2-learn"),
                        "  l2-learn: sw_if_index {rx} src {} bd_index {bd_index}",
                        fmt_mac(src)
                    );
                }
            }
        }
        true
    }

    /// `l2-flood`: a copy to every member but the ingress (and its split-horizon group),
    /// in VPP's order: the members last added first, the BVI last. A copy for the BVI
    /// goes to L3 only if it is group-addressed or addressed to the BVI's MAC
    /// (`l2_to_bvi`); any other is dropped ("BVI L3 mac mismatch").
    fn l2_flood(&mut self, rx: u16, pkt: PacketBuf, bd: BridgeDomainEntry, passes: u8) {
        self.counters.node(Node::L2Flood);
        self.counters.tables.l2_flooded += 1;
        let rx_shg = self.tables.interfaces[usize::from(rx)].shg;
        let members =
            &self.tables.bd_members[bd.member_start as usize..bd.member_start as usize + usize::from(bd.member_count)];
        let eligible = |m: &&BdMemberEntry| m.sw_if_index != rx && (rx_shg == 0 || m.shg != rx_shg);
        let mut order: Vec<u16> = members
            .iter()
            .rev()
            .filter(eligible)
            .filter(|m| m.sw_if_index != bd.bvi_sw_if_index)
            .map(|m| m.sw_if_index)
            .collect();
        if members.iter().filter(eligible).any(|m| m.sw_if_index == bd.bvi_sw_if_index) {
            order.push(bd.bvi_sw_if_index);
        }
        if order.is_empty() {
            return self.drop_pkt(rx, DropReason::L2NoOutput);
        }
        if self.tracer.on {
            let _ = writeln!(
                self.tracer.node("l2-flood"),
                "  l2-flood: sw_if_index {rx} bd_index {} members {}",
                bd.bd_id,
                order.len()
            );
        }
        let last = order.len() - 1;
        let mut pkt = Some(pkt);
        for (i, &sw) in order.iter().enumerate() {
            let copy =
                if i == last { pkt.take().expect("one use") } else { pkt.as_ref().expect("kept until last").clone() };
            if sw == bd.bvi_sw_if_index {
                let dst = &copy.frame()[0..6];
                let bvi_mac = self.tables.interfaces[usize::from(sw)].mac;
                if dst[0] & 1 == 0 && dst != bvi_mac {
                    self.drop_pkt(rx, DropReason::BviMacMismatch);
                    continue;
                }
                self.ip4_input(sw, copy, passes + 1);
            } else {
                self.l2_output(rx, copy, sw, passes);
            }
        }
    }

    /// `l2-output`: output ACL, then VXLAN encap or the member's wire.
    fn l2_output(&mut self, rx: u16, pkt: PacketBuf, tx: u16, passes: u8) {
        self.counters.node(Node::L2Output);
        let ife = self.tables.interfaces[usize::from(tx)];
        if self.tracer.on {
            let f = pkt.frame();
            let (dst, src): ([u8; 6], [u8; 6]) =
                (f[0..6].try_into().expect("len checked"), f[6..12].try_into().expect("len checked"));
            let o = self.tracer.node("l2-output");
            let _ = write!(o, "  l2-output: sw_if_index {tx} dst {} src {} data", fmt_mac(&dst), fmt_mac(&src));
            for b in &f[12..f.len().min(24)] {
                let _ = write!(o, " {b:02x}");
            }
            o.push('\n');
        }
        if ife.acl_out_count > 0 {
            self.counters.node(Node::L2OutputClassify);
            if self.tracer.on {
                let _ = writeln!(
                    self.tracer.node("l2-output-classify"),
                    "  l2-classify: sw_if_index {tx}, table {}, offset 0, next 18",
                    ife.acl_out_start
                );
            }
            if !self.l2_acl(Node::AclOutIp4L2, tx, &pkt, false, None) {
                return;
            }
        }
        if ife.flags & if_flags::UP == 0 {
            return self.drop_pkt(rx, DropReason::InterfaceDown);
        }
        if ife.kind == if_kind::VXLAN {
            return self.vxlan4_encap(rx, pkt, ife.vxlan_tunnel, passes);
        }
        if self.tracer.on {
            let name = self.tables.names.interface(tx).to_string();
            let o = self.tracer.node(&format!("{name}-output"));
            let _ = writeln!(o, "  {name}");
            ethernet_line(o, 2, pkt.frame());
        }
        self.emit(tx, pkt)
    }

    /// An ACL on the L2 path: IPv4 frames are classified, other ethertypes pass.
    fn l2_acl(&mut self, node: Node, sw: u16, pkt: &PacketBuf, is_input: bool, flow: Option<Flow>) -> bool {
        let frame = pkt.frame();
        if u16::from_be_bytes([frame[12], frame[13]]) != 0x0800 {
            return true;
        }
        if let Some(f) = flow {
            return self.acl_node(node, sw, &f, is_input);
        }
        match parse_ip4(&frame[L3_OFFSET..]) {
            Ok(f) => self.acl_node(node, sw, &f, is_input),
            Err(r) => {
                self.drop_pkt(sw, r);
                false
            }
        }
    }

    // ---- ACL ---------------------------------------------------------------------

    /// An acl-plugin node: session check, rule match, session creation for
    /// `permit+reflect`. Returns whether the packet is permitted (drops it otherwise).
    fn acl_node(&mut self, node: Node, sw: u16, f: &Flow, is_input: bool) -> bool {
        self.counters.node(node);
        let ife = self.tables.interfaces[usize::from(sw)];
        let (start, count) =
            if is_input { (ife.acl_in_start, ife.acl_in_count) } else { (ife.acl_out_start, ife.acl_out_count) };
        let state_changes = self.acl.state_changes;
        let verdict = match self.acl.hit(&mut self.sessions, sw, f, is_input, self.now_ns) {
            Some(session) => {
                if self.acl.state_changes != state_changes {
                    self.host_work.add(PuntReason::TcpState);
                }
                self.counters.tables.acl_session_hits += 1;
                Verdict::Session { session }
            }
            None => self.acl_rules.classify(&self.tables, start, count, f),
        };
        let mut permit = false;
        let mut reason = DropReason::AclDeny;
        match verdict {
            Verdict::Session { .. } => permit = true,
            Verdict::Rule { action, .. } => {
                self.counters.tables.acl_rule_matches += 1;
                match action {
                    acl_action::PERMIT => permit = true,
                    acl_action::PERMIT_REFLECT => {
                        self.host_work.add(PuntReason::AclSessionMiss);
                        if self.acl.expired_recently(sw, f, is_input) {
                            self.host_work.set_expired_session();
                        }
                        if self.acl.create(&mut self.sessions, sw, f, is_input, self.now_ns).is_some() {
                            self.counters.tables.acl_sessions_created += 1;
                            permit = true;
                        } else {
                            reason = DropReason::AclSessionsFull;
                        }
                    }
                    _ => {}
                }
            }
            Verdict::NoMatch => reason = DropReason::AclNoMatch,
        }
        if self.tracer.on {
            acl_trace(self.tracer.node(node.name()), sw, f, is_input, verdict, permit);
        }
        if !permit {
            self.drop_pkt(sw, reason);
        }
        permit
    }
}

/// What NAT drops before it looks anything up: a non-first fragment (VPP reassembles
/// virtually; this path does not), and a TCP, UDP or ICMP packet whose L4 header is cut
/// short inside the IPv4 packet (nothing to translate it by).
fn nat_refuses(f: &Flow) -> Option<DropReason> {
    if f.nonfirst_fragment {
        Some(DropReason::Fragment)
    } else if matches!(f.proto, 1 | 6 | 17) && !f.l4_complete {
        Some(DropReason::BadL4Header)
    } else {
        None
    }
}

/// VPP-style session text of a NAT outcome: the index, or -1.
fn session_text(o: &Outcome) -> String {
    match o {
        Outcome::Translate { session, .. } => session.to_string(),
        _ => "-1".to_string(),
    }
}

/// VPP's acl-plugin trace: the verdict, the packed 5-tuple words, and their decoding.
fn acl_trace(o: &mut String, sw: u16, f: &Flow, is_input: bool, v: Verdict, permit: bool) {
    let (acl, rule, bits) = match v {
        Verdict::Rule { acl, rule, .. } => (acl as i64, rule as i64, 0u32),
        Verdict::Session { session } => (-1, i64::from(session), 0x8000_0000),
        Verdict::NoMatch => (-1, -1, 0),
    };
    let next = if !permit {
        0
    } else if is_input {
        2
    } else {
        1
    };
    let _ = writeln!(o, "  acl-plugin: sw_if_index {sw}, next index {next}, action: {}, match: acl {acl} rule {rule} trace_bits {bits:08x}", acl::trace_action(v));
    let (p0, p1) = if f.proto == 1 { (u16::from(f.icmp_type), u16::from(f.icmp_code)) } else { (f.sport, f.dport) };
    let tcp_valid = f.proto == 6 && f.l4_valid;
    let flag_bits = u64::from(tcp_valid) | (u64::from(is_input) << 1) | (u64::from(f.l4_valid) << 2);
    let w1 = u64::from(f.src.swap_bytes()) << 32;
    let w3 = u64::from(f.dst.swap_bytes()) << 32;
    let w4 = (u64::from(sw) << 48) | (u64::from(f.proto) << 32) | (u64::from(p1) << 16) | u64::from(p0);
    let w5 =
        (flag_bits << 56) | (u64::from(if tcp_valid { f.tcp_flags } else { 0 }) << 48) | (0xffff << 32) | u64::from(sw);
    let _ = writeln!(o, "  pkt info {:016x} {w1:016x} {:016x} {w3:016x} {w4:016x} {w5:016x}", 0, 0);
    let _ = writeln!(
        o,
        "   {} sw_if_index {sw} (lsb16 {sw}) l3 ip4 {} -> {} l4 proto {} l4_valid {} port {p0} -> {p1} tcp flags ({}) {:02x} rsvd 0",
        if is_input { "input" } else { "output" },
        ip(f.src),
        ip(f.dst),
        f.proto,
        u8::from(f.l4_valid),
        if tcp_valid { "valid" } else { "invalid" },
        if tcp_valid { f.tcp_flags } else { 0 }
    );
}

/// VPP's `vnet_l2_compute_flow_hash`: the IPv4 flow hash of the inner packet (ports
/// read right after a 20-byte header, as VPP does), or the MAC-based hash otherwise.
fn inner_flow_hash(frame: &[u8]) -> u32 {
    let ethertype = u16::from_be_bytes([frame[12], frame[13]]);
    if ethertype == 0x0800 && frame.len() >= L3_OFFSET + 20 {
        let ip = &frame[L3_OFFSET..];
        let word = |o: usize| u32::from_be_bytes([ip[o], ip[o + 1], ip[o + 2], ip[o + 3]]);
        let proto = ip[9];
        let (sp, dp) = if hashes_ports(proto) && ip.len() >= 24 {
            (u16::from_be_bytes([ip[20], ip[21]]), u16::from_be_bytes([ip[22], ip[23]]))
        } else {
            (0, 0)
        };
        ip4_flow_hash(word(12), word(16), proto, sp, dp)
    } else {
        let dst: [u8; 6] = frame[0..6].try_into().expect("frame has an Ethernet header");
        let src: [u8; 6] = frame[6..12].try_into().expect("frame has an Ethernet header");
        l2_flow_hash(&dst, &src, ethertype)
    }
}
