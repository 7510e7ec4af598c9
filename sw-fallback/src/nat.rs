//! NAT44 sessions and the slow path that creates them.
//!
//! A session is stored as two [`SessionEntry`]s in the shared session table, one per
//! direction, each carrying the rewrite and its checksum deltas: a hit is "look up,
//! apply", identical in software and in the NIC. Which sessions are endpoint-dependent
//! (keyed by the full 5-tuple, found by the slow path) follows the seed's VPP: sessions
//! of service (load-balancing) and twice-NAT mappings; identity and dynamic sessions
//! are endpoint-independent and found by the fast path. See `layout::session_kind`.

pub mod icmp_error;

use crate::flow::Flow;
use crate::session_pool::{Pooled, SessionPool};
use offload_tables::checksum::{self as csum, nat_deltas};
use offload_tables::flow_hash::ip4_flow_hash;
use offload_tables::layout::{
    if_flags, nat_flags, session_flags, session_kind, NatEndpointEntry, NatMappingEntry, SessionEntry, SessionKey,
};
use offload_tables::reasons::DropReason;
use offload_tables::session::SessionTable;
use offload_tables::Tables;
use rustc_hash::{FxHashMap, FxHashSet};

/// Addresses and ports of a packet in one direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tuple {
    pub src: u32,
    pub dst: u32,
    pub sport: u16,
    pub dport: u16,
}

impl Tuple {
    pub fn of(f: &Flow) -> Self {
        Tuple { src: f.src, dst: f.dst, sport: f.sport, dport: f.dport }
    }
    pub fn reversed(self) -> Self {
        Tuple { src: self.dst, dst: self.src, sport: self.dport, dport: self.sport }
    }
}

mod tcp_state {
    pub const SYN_I2O: u8 = 1;
    pub const SYN_O2I: u8 = 2;
    pub const FIN_I2O: u8 = 4;
    pub const FIN_O2I: u8 = 8;
    pub const RST: u8 = 16;
}

#[derive(Clone, Copy, Debug, Default)]
pub struct NatSession {
    /// An in2out packet as seen on the inside, and an out2in packet as seen outside.
    pub inside: Tuple,
    pub outside: Tuple,
    pub proto: u8,
    pub fib: u16,
    pub endpoint_dependent: bool,
    pub slots: [usize; 2],
    pub last_ns: u64,
    pub tcp: u8,
}

impl Pooled for NatSession {
    fn table_slots(&self) -> &[usize] {
        &self.slots
    }
    fn last_ns(&self) -> u64 {
        self.last_ns
    }
}

impl NatSession {
    pub fn tcp_established(&self) -> bool {
        use tcp_state::*;
        self.tcp & (SYN_I2O | SYN_O2I) == SYN_I2O | SYN_O2I && self.tcp & (FIN_I2O | FIN_O2I | RST) == 0
    }
}

/// What a new session is: the packet views on both sides, and how it is keyed.
struct NewSession {
    inside: Tuple,
    outside: Tuple,
    proto: u8,
    fib: u16,
    endpoint_dependent: bool,
    /// The packet being processed is the in2out one (else out2in).
    packet_in2out: bool,
    /// Both ends are inside (hairpinning): the reply, too, arrives on an inside
    /// interface, so both keys are in2out keys.
    hairpin: bool,
}

/// Where an in2out packet without a session goes, as the pipeline sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Egress {
    /// NAT runs as the output feature of the interface the packet leaves by.
    pub output_feature: bool,
    /// The packet would be translated dynamically: it leaves by an outside interface
    /// (VPP's `snat_not_translate_fast` says no), or by an output-feature interface.
    pub outside: bool,
}

/// TCP flags that may open a NAT session: SYN without ACK (VPP's `tcp_flags_is_init`).
fn opens_session(f: &Flow) -> bool {
    f.proto != 6 || (f.tcp_flags & 0x02 != 0 && f.tcp_flags & 0x10 == 0)
}

/// Result of a NAT node on one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Translate with this entry; the session index is for the trace.
    Translate {
        session: u32,
        entry: SessionEntry,
    },
    /// Pass untranslated (no session, or forwarding of unmatched traffic).
    Pass,
    /// Not found by the fast path: continue in the slow path.
    Miss,
    Drop(DropReason),
}

pub struct NatState {
    pub sessions: SessionPool<NatSession>,
    /// Sessions created since start.
    pub created: u64,
    forwarding: bool,
    timeouts_ns: [u64; 4], // udp, tcp established, tcp transitory, icmp
    /// (fib, external address, proto, port) → mapping; proto 0 / port 0 for address-only.
    by_external: FxHashMap<(u16, u32, u8, u16), u32>,
    /// (fib, local address, proto, port) → (mapping, endpoint) for in2out of endpoints.
    by_local: FxHashMap<(u16, u32, u8, u16), (u32, u32)>,
    /// Pool and mapping addresses: where `inside-outside` interfaces send out2in.
    external_addrs: FxHashSet<u32>,
    /// Session-table slots of the `NAT_EXTERNAL` entries of `external_addrs`.
    external_slots: Vec<usize>,
    /// Pass decisions of the in2out slow path (see [`PASS_SESSION`]): key → (slot, last use).
    passes: FxHashMap<SessionKey, (usize, u64)>,
    max_passes: usize,
    pool: Vec<(u32, u16, bool)>,
}

/// `session_index` of a pass entry: an endpoint-dependent in2out key without a rewrite,
/// cached when the slow path lets a TCP/UDP flow through untranslated. VPP keeps no
/// session for such a flow (its trace says `session -1`) and neither does software: a
/// pass entry is no session (`hit` misses it, no counter counts it) and the slow path
/// decides again each time. The NIC, which has no slow path, forwards the flow on it
/// when it looks the key up on input: that decision depends only on the tables (entries
/// are dropped when they change) and on sessions, which come first in every lookup
/// order (a session made for the same key replaces the entry). NAT as an output feature
/// translates where the input side passes, so the NIC's output-feature lookup takes a
/// pass entry for a miss. Pass entries are a cache: they age like transitory sessions,
/// and losing one costs a punt, never a different result.
pub const PASS_SESSION: u32 = offload_tables::layout::NAT_PASS_SESSION;

const NS: u64 = 1_000_000_000;

fn simple_in_key(f: &Flow, fib: u16) -> SessionKey {
    SessionKey {
        src: f.src,
        dst: 0,
        sport: f.sport,
        dport: 0,
        proto: f.proto,
        kind: session_kind::NAT_IN2OUT,
        scope: fib,
    }
}
fn simple_out_key(f: &Flow, fib: u16) -> SessionKey {
    SessionKey {
        src: 0,
        dst: f.dst,
        sport: 0,
        dport: f.dport,
        proto: f.proto,
        kind: session_kind::NAT_OUT2IN,
        scope: fib,
    }
}
fn ed_key(t: Tuple, proto: u8, kind: u8, fib: u16) -> SessionKey {
    SessionKey { src: t.src, dst: t.dst, sport: t.sport, dport: t.dport, proto, kind, scope: fib }
}

/// The two keys a packet is looked up by, in the order [`NatState::find`] probes them:
/// in2out the simple key (the fast path's) then the endpoint-dependent one; out2in the
/// endpoint-dependent one then the simple key. The NIC's keys follow this order.
pub fn probe_keys(f: &Flow, fib: u16, in2out: bool) -> [SessionKey; 2] {
    let kind = if in2out { session_kind::NAT_IN2OUT_ED } else { session_kind::NAT_OUT2IN_ED };
    let ed = ed_key(Tuple::of(f), f.proto, kind, fib);
    if in2out {
        [simple_in_key(f, fib), ed]
    } else {
        [ed, simple_out_key(f, fib)]
    }
}

/// Rewrite entry turning packets that look like `from` into packets that look like `to`.
fn rewrite_entry(key: SessionKey, from: Tuple, to: Tuple, proto: u8, session: u32) -> SessionEntry {
    let mut flags = 0;
    let (mut new, mut old) = (from, from);
    if (from.src, from.sport) != (to.src, to.sport) {
        flags |= session_flags::REWRITE_SRC;
        (new.src, new.sport) = (to.src, to.sport);
    }
    if (from.dst, from.dport) != (to.dst, to.dport) {
        flags |= session_flags::REWRITE_DST;
        (new.dst, new.dport) = (to.dst, to.dport);
    }
    // Only changed fields enter the deltas, so endpoint-independent entries do not
    // depend on the address they leave alone.
    if flags & session_flags::REWRITE_SRC == 0 {
        (old.src, old.sport) = (0, 0);
        (new.src, new.sport) = (0, 0);
    }
    if flags & session_flags::REWRITE_DST == 0 {
        (old.dst, old.dport) = (0, 0);
        (new.dst, new.dport) = (0, 0);
    }
    let (ip_delta, mut l4_delta) =
        nat_deltas(proto, (old.src, old.dst, old.sport, old.dport), (new.src, new.dst, new.sport, new.dport));
    if proto == 1 {
        // ICMP echo: `apply` rewrites the one identifier from the side that moved (the
        // source's when both did); a destination-only rewrite moves it from `dport`,
        // which `nat_deltas` never sees for ICMP.
        let (old_id, new_id) =
            if flags & session_flags::REWRITE_SRC != 0 { (from.sport, to.sport) } else { (from.dport, to.dport) };
        l4_delta = csum::fold(csum::add16(0, old_id, new_id));
    }
    SessionEntry {
        key,
        new_src: to.src,
        new_dst: to.dst,
        new_sport: to.sport,
        new_dport: to.dport,
        ip_delta,
        l4_delta,
        session_index: session,
        flags,
        ..Default::default()
    }
}

/// Applies a session entry's rewrite to the frame (IPv4 header at `l3`) and the flow.
#[inline]
pub fn apply(frame: &mut [u8], l3: usize, f: &mut Flow, e: &SessionEntry) {
    if e.flags & (session_flags::REWRITE_SRC | session_flags::REWRITE_DST) == 0 {
        return;
    }
    let l4 = l3 + usize::from(f.ihl);
    if e.flags & session_flags::REWRITE_SRC != 0 {
        frame[l3 + 12..l3 + 16].copy_from_slice(&e.new_src.to_be_bytes());
        f.src = e.new_src;
    }
    if e.flags & session_flags::REWRITE_DST != 0 {
        frame[l3 + 16..l3 + 20].copy_from_slice(&e.new_dst.to_be_bytes());
        f.dst = e.new_dst;
    }
    let ip_csum = u16::from_be_bytes([frame[l3 + 10], frame[l3 + 11]]);
    frame[l3 + 10..l3 + 12].copy_from_slice(&csum::apply(ip_csum, e.ip_delta).to_be_bytes());
    if !f.l4_complete {
        return;
    }
    let set_port =
        |frame: &mut [u8], off: usize, v: u16| frame[l4 + off..l4 + off + 2].copy_from_slice(&v.to_be_bytes());
    match f.proto {
        6 | 17 => {
            if e.flags & session_flags::REWRITE_SRC != 0 {
                set_port(frame, 0, e.new_sport);
                f.sport = e.new_sport;
            }
            if e.flags & session_flags::REWRITE_DST != 0 {
                set_port(frame, 2, e.new_dport);
                f.dport = e.new_dport;
            }
            let off = if f.proto == 6 { 16 } else { 6 };
            let c = u16::from_be_bytes([frame[l4 + off], frame[l4 + off + 1]]);
            let c = if f.proto == 6 { csum::apply(c, e.l4_delta) } else { csum::apply_udp(c, e.l4_delta) };
            frame[l4 + off..l4 + off + 2].copy_from_slice(&c.to_be_bytes());
        }
        // Only echo messages carry an identifier; bytes 4..8 of the others are theirs.
        1 if matches!(f.icmp_type, 0 | 8) => {
            // ICMP echo: the identifier is both "ports"; rewrite it from whichever side moved.
            let id = if e.flags & session_flags::REWRITE_SRC != 0 { e.new_sport } else { e.new_dport };
            if id != f.sport {
                set_port(frame, 4, id);
                (f.sport, f.dport) = (id, id);
            }
            let c = u16::from_be_bytes([frame[l4 + 2], frame[l4 + 3]]);
            frame[l4 + 2..l4 + 4].copy_from_slice(&csum::apply(c, e.l4_delta).to_be_bytes());
        }
        _ => {}
    }
}

impl NatState {
    pub fn new(t: &Tables) -> Self {
        let g = t.global;
        let mut s = NatState {
            sessions: SessionPool::new(g.nat_max_sessions as usize),
            created: 0,
            forwarding: g.nat_forwarding != 0,
            timeouts_ns: [
                g.nat_udp_timeout,
                g.nat_tcp_established_timeout,
                g.nat_tcp_transitory_timeout,
                g.nat_icmp_timeout,
            ]
            .map(|s| u64::from(s) * NS),
            by_external: FxHashMap::default(),
            by_local: FxHashMap::default(),
            external_addrs: FxHashSet::default(),
            external_slots: Vec::new(),
            passes: FxHashMap::default(),
            max_passes: g.nat_max_sessions as usize,
            pool: t.nat_pool.iter().map(|p| (p.addr, p.fib_index, p.twice_nat != 0)).collect(),
        };
        for (i, m) in t.nat_mappings.iter().enumerate() {
            s.by_external.insert((m.fib_index, m.external_addr, m.proto, m.external_port), i as u32);
            s.external_addrs.insert(m.external_addr);
            if m.flags & nat_flags::OUT2IN_ONLY == 0 && m.flags & nat_flags::IDENTITY == 0 {
                for e in m.endpoint_start..m.endpoint_start + u32::from(m.endpoint_count) {
                    let ep = t.nat_endpoints[e as usize];
                    s.by_local.insert((ep.fib_index, ep.local_addr, m.proto, ep.local_port), (i as u32, e));
                }
            }
        }
        s.external_addrs.extend(t.nat_pool.iter().map(|p| p.addr));
        s
    }

    /// Writes a `NAT_EXTERNAL` entry for every NAT address into `table` (for the NIC,
    /// which decides the direction on inside-outside interfaces by them); returns how
    /// many did not fit.
    pub fn install_externals(&mut self, table: &mut SessionTable) -> usize {
        let mut addrs: Vec<u32> = self.external_addrs.iter().copied().collect();
        addrs.sort_unstable();
        let mut refused = 0;
        for a in addrs {
            let e =
                SessionEntry { key: SessionKey::nat_external(a), session_index: PASS_SESSION, ..Default::default() };
            match table.insert(e) {
                Ok(slot) => self.external_slots.push(slot),
                Err(_) => refused += 1,
            }
        }
        refused
    }

    /// Removes the `NAT_EXTERNAL` and pass entries from `table` (tables replaced).
    pub fn remove_static(&mut self, table: &mut SessionTable) {
        for slot in self.external_slots.drain(..) {
            table.remove(slot);
        }
        self.clear_passes(table);
    }

    /// Removes the pass entries (routes may have changed what passes).
    pub fn clear_passes(&mut self, table: &mut SessionTable) {
        for (_, (slot, _)) in self.passes.drain() {
            table.remove(slot);
        }
    }

    /// A packet the NIC forwarded hit `entry` (its hit bit): the session, or the pass
    /// entry, is in use.
    pub fn touch(&mut self, entry: &SessionEntry, now_ns: u64) {
        if entry.session_index == PASS_SESSION {
            if let Some(p) = self.passes.get_mut(&entry.key) {
                p.1 = p.1.max(now_ns);
            }
        } else if let Some(s) = self.sessions.get_mut(entry.session_index) {
            s.last_ns = s.last_ns.max(now_ns);
        }
    }

    /// Pass entries cached now.
    pub fn passes(&self) -> usize {
        self.passes.len()
    }

    /// Whether `f`, reversed, is a session's outside flow: `f` is that session's traffic
    /// as the input side translated it.
    pub fn is_reply_of_session(table: &SessionTable, f: &Flow, fib: u16) -> bool {
        let rev = Tuple::of(f).reversed();
        let reply = Flow { src: rev.src, dst: rev.dst, sport: rev.sport, dport: rev.dport, ..*f };
        let is_session = |k: &SessionKey| table.lookup(k).is_some_and(|s| table.get(s).session_index != PASS_SESSION);
        is_session(&simple_out_key(&reply, fib)) || is_session(&ed_key(rev, f.proto, session_kind::NAT_OUT2IN_ED, fib))
    }

    /// Whether a key `f` looks up in this direction (as [`Self::find`] does) belonged to a
    /// session or pass entry found expired since the last expiry pass began.
    pub fn expired_recently(&self, f: &Flow, fib: u16, in2out: bool) -> bool {
        let kind = if in2out { session_kind::NAT_IN2OUT_ED } else { session_kind::NAT_OUT2IN_ED };
        let ed = ed_key(Tuple::of(f), f.proto, kind, fib);
        let simple = if in2out { simple_in_key(f, fib) } else { simple_out_key(f, fib) };
        self.sessions.expired_recently(&ed) || self.sessions.expired_recently(&simple)
    }

    /// Whether the table holds an endpoint-dependent in2out entry for `f` — a session or
    /// a pass entry, which the fast path's key does not find but the NIC's lookup does.
    pub fn has_in2out_ed_entry(&self, table: &SessionTable, f: &Flow, fib: u16) -> bool {
        table.lookup(&ed_key(Tuple::of(f), f.proto, session_kind::NAT_IN2OUT_ED, fib)).is_some()
    }

    /// Records that the slow path lets `f` through untranslated ([`PASS_SESSION`]).
    fn cache_pass(&mut self, table: &mut SessionTable, f: &Flow, fib: u16, now_ns: u64) {
        if !matches!(f.proto, 6 | 17) || !f.l4_complete {
            return;
        }
        let key = ed_key(Tuple::of(f), f.proto, session_kind::NAT_IN2OUT_ED, fib);
        if let Some(p) = self.passes.get_mut(&key) {
            p.1 = now_ns;
            return;
        }
        if self.passes.len() >= self.max_passes || table.lookup(&key).is_some() {
            return;
        }
        let entry = SessionEntry { key, session_index: PASS_SESSION, ..Default::default() };
        if let Ok(slot) = table.insert(entry) {
            self.passes.insert(key, (slot, now_ns));
        }
    }

    /// Frees a pass entry whose key a new session takes.
    fn uncache_pass(&mut self, table: &mut SessionTable, key: &SessionKey) {
        if let Some((slot, _)) = self.passes.remove(key) {
            table.remove(slot);
        }
    }

    /// Whether a static mapping (of any protocol and port) has `addr` as its external
    /// address in `fib`.
    pub fn maps_external(&self, fib: u16, addr: u32) -> bool {
        self.by_external.keys().any(|&(f, a, _, _)| f == fib && a == addr)
    }

    /// `nat44 forwarding enable`: traffic no session or mapping matches passes.
    pub fn forwarding(&self) -> bool {
        self.forwarding
    }

    /// `inside-outside` interfaces: packets to a NAT address go through out2in.
    #[inline]
    pub fn is_external_addr(&self, addr: u32) -> bool {
        self.external_addrs.contains(&addr)
    }

    /// Live sessions.
    pub fn live(&self) -> usize {
        self.sessions.live()
    }

    fn timeout_ns(timeouts: [u64; 4], s: &NatSession) -> u64 {
        match s.proto {
            6 if s.tcp_established() => timeouts[1],
            6 => timeouts[2],
            1 => timeouts[3],
            _ => timeouts[0],
        }
    }

    /// A hit on `slot`: refreshes the session, or removes it if it has expired.
    #[inline]
    fn hit(&mut self, table: &mut SessionTable, slot: usize, f: &Flow, in2out: bool, now_ns: u64) -> Outcome {
        let entry = *table.get(slot);
        let idx = entry.session_index;
        let timeouts = self.timeouts_ns;
        let Some(s) = self.sessions.get_mut(idx) else { return Outcome::Miss };
        if now_ns.saturating_sub(s.last_ns) > Self::timeout_ns(timeouts, s) {
            self.sessions.remove_expired(table, idx);
            return Outcome::Miss;
        }
        s.last_ns = now_ns;
        if f.proto == 6 {
            use tcp_state::*;
            let (syn, fin) = if in2out { (SYN_I2O, FIN_I2O) } else { (SYN_O2I, FIN_O2I) };
            if f.tcp_flags & 0x02 != 0 {
                s.tcp |= syn;
            }
            if f.tcp_flags & 0x01 != 0 {
                s.tcp |= fin;
            }
            if f.tcp_flags & 0x04 != 0 {
                s.tcp |= RST;
            }
        }
        Outcome::Translate { session: idx, entry }
    }

    /// `nat44-in2out` / `nat44-in2out-output` fast path: endpoint-independent sessions.
    #[inline]
    pub fn in2out_fast(&mut self, table: &mut SessionTable, f: &Flow, fib: u16, now_ns: u64) -> Outcome {
        match table.lookup(&simple_in_key(f, fib)) {
            Some(slot) => self.hit(table, slot, f, true, now_ns),
            None => Outcome::Miss,
        }
    }

    /// Looks `f` up as an in2out packet (the fast path's key, then the endpoint-dependent
    /// one) or as an out2in packet (endpoint-dependent, then simple); a pass entry is no
    /// session (see [`PASS_SESSION`]).
    pub fn find(&mut self, table: &mut SessionTable, f: &Flow, fib: u16, in2out: bool, now_ns: u64) -> Outcome {
        for key in probe_keys(f, fib, in2out) {
            if let Some(slot) = table.lookup(&key) {
                if let o @ Outcome::Translate { .. } = self.hit(table, slot, f, in2out, now_ns) {
                    return o;
                }
            }
        }
        Outcome::Miss
    }

    /// Ends a session (an ICMP error about it that in2out could not translate: VPP
    /// deletes the session then).
    pub fn remove_session(&mut self, table: &mut SessionTable, session: u32) {
        if self.sessions.get(session).is_some() {
            self.sessions.remove(table, session);
        }
    }

    /// The static mapping whose external side `f` (an out2in or hairpinned packet) is
    /// addressed to: by protocol and port, else address-only.
    fn mapping_by_external(&self, fib: u16, f: &Flow) -> Option<u32> {
        self.by_external
            .get(&(fib, f.dst, f.proto, f.dport))
            .or_else(|| self.by_external.get(&(fib, f.dst, 0, 0)))
            .copied()
    }

    /// `nat44-in2out-slowpath` (VPP's `slow_path_ed` and the checks before it): sessions
    /// of the endpoint-dependent kind; other protocols than TCP, UDP and ICMP, translated
    /// by address whatever the egress; identity mappings pass. Then the packet is
    /// translated only if it goes to a static mapping's external side (hairpinning) or
    /// leaves by an outside interface — and, with forwarding on, as an output feature
    /// only. A new TCP session needs a SYN. The source becomes the mapping's external
    /// side when the sender is a mapped local, else a pool address and port.
    pub fn in2out_slow(
        &mut self,
        table: &mut SessionTable,
        t: &Tables,
        f: &Flow,
        fib: u16,
        egress: Egress,
        now_ns: u64,
    ) -> Outcome {
        // (a pass entry is no session: `hit` misses it and the slow path decides again,
        // for NAT as an output feature differently from the input side: see PASS_SESSION)
        if let Some(slot) = table.lookup(&ed_key(Tuple::of(f), f.proto, session_kind::NAT_IN2OUT_ED, fib)) {
            if let o @ Outcome::Translate { .. } = self.hit(table, slot, f, true, now_ns) {
                return o;
            }
        }
        if !matches!(f.proto, 1 | 6 | 17) {
            return self.in2out_other_protocol(table, t, f, fib, now_ns);
        }
        // As an output feature, a packet that is the reply of a session's outside flow —
        // one the input side translated already — passes (VPP's
        // `nat44_ed_not_translate_output_feature`; no hairpinning from these interfaces).
        if egress.output_feature && Self::is_reply_of_session(table, f, fib) {
            self.cache_pass(table, f, fib, now_ns);
            return Outcome::Pass;
        }
        let inside = Tuple::of(f);
        // Identity mappings (address-only or with port): nothing is translated.
        if let Some(&m) =
            self.by_external.get(&(fib, f.src, 0, 0)).or_else(|| self.by_external.get(&(fib, f.src, f.proto, f.sport)))
        {
            if t.nat_mappings[m as usize].flags & nat_flags::IDENTITY != 0 {
                return self.create(
                    table,
                    NewSession {
                        inside,
                        outside: inside.reversed(),
                        proto: f.proto,
                        fib,
                        endpoint_dependent: false,
                        packet_in2out: true,
                        hairpin: false,
                    },
                    now_ns,
                );
            }
        }
        let hairpin = self
            .mapping_by_external(fib, f)
            .map(|m| t.nat_mappings[m as usize])
            .filter(|m| m.flags & nat_flags::IDENTITY == 0);
        if hairpin.is_none() && (!egress.outside || (self.forwarding && !egress.output_feature)) {
            self.cache_pass(table, f, fib, now_ns);
            return Outcome::Pass;
        }
        if !opens_session(f) {
            return Outcome::Drop(DropReason::NatNonSyn);
        }
        // The destination of a hairpinned packet: the mapping's local endpoint.
        let mut to_dst = (f.dst, f.dport);
        if let Some(m) = hairpin {
            let Some(ep) = self.endpoint(t, &m, f) else { return Outcome::Drop(DropReason::NatNoTranslation) };
            to_dst = (ep.local_addr, if m.flags & nat_flags::ADDR_ONLY != 0 { f.dport } else { ep.local_port });
        }
        // The source: a mapped local answers as its mapping, anyone else takes a pool
        // address and port.
        let mapped = self
            .by_local
            .get(&(fib, f.src, f.proto, f.sport))
            .or_else(|| self.by_local.get(&(fib, f.src, 0, 0)))
            .map(|&(m, _)| t.nat_mappings[m as usize]);
        let (from_src, ed) = match mapped {
            Some(m) => {
                let port = if m.flags & nat_flags::ADDR_ONLY != 0 { f.sport } else { m.external_port };
                ((m.external_addr, port), true)
            }
            None => {
                let Some(addr) = self.pool_address(t, fib, f.src, to_dst.0) else {
                    return Outcome::Drop(DropReason::NatOutOfPorts);
                };
                let key_of = |port| {
                    if hairpin.is_some() {
                        let reply = Tuple { src: to_dst.0, dst: addr, sport: to_dst.1, dport: port };
                        ed_key(reply, f.proto, session_kind::NAT_IN2OUT_ED, fib)
                    } else {
                        simple_out_key(&Flow { dst: addr, dport: port, ..*f }, fib)
                    }
                };
                let Some(port) = self.free_port(table, f, key_of) else {
                    return Outcome::Drop(DropReason::NatOutOfPorts);
                };
                ((addr, port), hairpin.is_some())
            }
        };
        let outside = Tuple { src: to_dst.0, dst: from_src.0, sport: to_dst.1, dport: from_src.1 };
        self.create(
            table,
            NewSession {
                inside,
                outside,
                proto: f.proto,
                fib,
                endpoint_dependent: ed,
                packet_in2out: true,
                hairpin: hairpin.is_some(),
            },
            now_ns,
        )
    }

    /// VPP's `nat44_ed_in2out_slowpath_unknown_proto`: a protocol without ports is
    /// translated by address, before (and whatever) the checks that let other traffic
    /// pass: a mapped local as its mapping, anyone else as the last pool address of its
    /// table; a destination with an address-only mapping is hairpinned.
    fn in2out_other_protocol(
        &mut self,
        table: &mut SessionTable,
        t: &Tables,
        f: &Flow,
        fib: u16,
        now_ns: u64,
    ) -> Outcome {
        let inside = Tuple::of(f);
        let new_src = match self.by_local.get(&(fib, f.src, 0, 0)) {
            Some(&(m, _)) => t.nat_mappings[m as usize].external_addr,
            None => match self.pool.iter().rev().find(|p| p.1 == fib && !p.2) {
                Some(&(addr, _, _)) => addr,
                None => return Outcome::Drop(DropReason::NatOutOfPorts),
            },
        };
        let hairpin = self.by_external.get(&(fib, f.dst, 0, 0)).map(|&m| t.nat_mappings[m as usize]);
        let new_dst = match hairpin {
            Some(m) if m.flags & nat_flags::IDENTITY == 0 => {
                let Some(ep) = self.endpoint(t, &m, f) else { return Outcome::Drop(DropReason::NatNoTranslation) };
                ep.local_addr
            }
            _ => f.dst,
        };
        let outside = Tuple { src: new_dst, dst: new_src, sport: 0, dport: 0 };
        self.create(
            table,
            NewSession {
                inside,
                outside,
                proto: f.proto,
                fib,
                endpoint_dependent: true,
                packet_in2out: true,
                hairpin: new_dst != f.dst,
            },
            now_ns,
        )
    }

    /// The pool address for a dynamic session of `src` to `dst` (VPP 22.02's
    /// `nat_ed_alloc_addr_and_port`): the addresses of the table are scanned from
    /// `src % n` (the address as VPP loads it: little-endian) round to the start; one
    /// that is an outside interface's own address on a subnet holding `dst` is taken at
    /// once, else the last one scanned.
    fn pool_address(&self, t: &Tables, fib: u16, src: u32, dst: u32) -> Option<u32> {
        let cands: Vec<u32> = self.pool.iter().filter(|p| p.1 == fib && !p.2).map(|p| p.0).collect();
        let n = cands.len();
        if n == 0 {
            return None;
        }
        let offset = src.swap_bytes() as usize % n;
        let on_egress_subnet = |a: u32| {
            t.interfaces.iter().any(|i| {
                i.ip4_addr == a
                    && i.fib_index == fib
                    && i.flags & (if_flags::NAT_OUTSIDE | if_flags::NAT_OUTPUT_FEATURE) != 0
                    && offload_tables::prefix_mask(i.ip4_len) & (a ^ dst) == 0
            })
        };
        (offset..n)
            .chain(0..offset)
            .map(|i| cands[i])
            .find(|&a| on_egress_subnet(a))
            .or(Some(cands[(offset + n - 1) % n]))
    }

    /// The endpoint of mapping `m` for flow `f`: by VPP's weighted draw, the flow hash
    /// standing for its random number (deterministic per flow, spread in proportion to
    /// the weights).
    fn endpoint(&self, t: &Tables, m: &NatMappingEntry, f: &Flow) -> Option<NatEndpointEntry> {
        let eps =
            &t.nat_endpoints[m.endpoint_start as usize..m.endpoint_start as usize + usize::from(m.endpoint_count)];
        NatEndpointEntry::choose(eps, ip4_flow_hash(f.src, f.dst, f.proto, f.sport, f.dport)).copied()
    }

    /// `nat44-out2in`: sessions (both kinds), then static and identity mappings; traffic
    /// matching nothing is dropped, or passes when forwarding is enabled (DHCP replies to
    /// a client always pass).
    pub fn out2in(&mut self, table: &mut SessionTable, t: &Tables, f: &Flow, fib: u16, now_ns: u64) -> Outcome {
        // Endpoint-dependent first: service traffic, the common case, hits on the first probe.
        if let o @ Outcome::Translate { .. } = self.find(table, f, fib, false, now_ns) {
            return o;
        }
        self.out2in_slow(table, t, f, fib, now_ns)
    }

    /// `nat44-out2in` after its session lookup ([`NatState::find`]) missed: a static
    /// mapping's session, a pass, or a drop.
    pub fn out2in_slow(&mut self, table: &mut SessionTable, t: &Tables, f: &Flow, fib: u16, now_ns: u64) -> Outcome {
        let unmatched = || {
            if self.forwarding || (f.proto == 17 && f.dport == 68) {
                Outcome::Pass
            } else {
                Outcome::Drop(DropReason::NatNoTranslation)
            }
        };
        let outside = Tuple::of(f);
        let found = if matches!(f.proto, 1 | 6 | 17) {
            self.mapping_by_external(fib, f)
        } else {
            self.by_external.get(&(fib, f.dst, 0, 0)).copied()
        };
        let Some(mi) = found else { return unmatched() };
        let m = t.nat_mappings[mi as usize];
        if m.flags & nat_flags::IDENTITY != 0 {
            return self.create(
                table,
                NewSession {
                    inside: outside.reversed(),
                    outside,
                    proto: f.proto,
                    fib,
                    endpoint_dependent: false,
                    packet_in2out: false,
                    hairpin: false,
                },
                now_ns,
            );
        }
        // ICMP to a mapping: echo replies, and echo requests to an address-only mapping.
        if f.proto == 1 && !(f.icmp_type == 0 || (f.icmp_type == 8 && m.flags & nat_flags::ADDR_ONLY != 0)) {
            return Outcome::Drop(DropReason::NatBadIcmpType);
        }
        if !opens_session(f) {
            return Outcome::Drop(DropReason::NatNonSyn);
        }
        let Some(ep) = self.endpoint(t, &m, f) else {
            return Outcome::Drop(DropReason::NatNoTranslation);
        };
        let local_port = if m.flags & nat_flags::ADDR_ONLY != 0 { f.dport } else { ep.local_port };
        let mut inside = Tuple { src: f.src, dst: ep.local_addr, sport: f.sport, dport: local_port }.reversed();
        let twice =
            m.flags & nat_flags::TWICE_NAT != 0 || (m.flags & nat_flags::SELF_TWICE_NAT != 0 && f.src == ep.local_addr);
        if twice {
            let Some(&(addr, _, _)) = self.pool.iter().find(|p| p.2) else {
                return Outcome::Drop(DropReason::NatOutOfPorts);
            };
            let base = inside;
            let Some(port) = self.free_port(table, f, |port| {
                ed_key(Tuple { dst: addr, dport: port, ..base }, f.proto, session_kind::NAT_IN2OUT_ED, ep.fib_index)
            }) else {
                return Outcome::Drop(DropReason::NatOutOfPorts);
            };
            (inside.dst, inside.dport) = (addr, port);
        }
        self.create(
            table,
            NewSession {
                inside,
                outside,
                proto: f.proto,
                fib: ep.fib_index,
                endpoint_dependent: true,
                packet_in2out: false,
                hairpin: false,
            },
            now_ns,
        )
    }

    /// A port on `addr` whose key (built by `key_of`) is free: the packet's own source
    /// port when above 1024 (VPP keeps those), else a hash-seeded probe of 1024..=65534
    /// (VPP draws at random in that range).
    fn free_port(&self, table: &SessionTable, f: &Flow, key_of: impl Fn(u16) -> SessionKey) -> Option<u16> {
        let free = |p: u16| table.lookup(&key_of(p)).is_none_or(|s| table.get(s).session_index == PASS_SESSION);
        if f.sport > 1024 && free(f.sport) {
            return Some(f.sport);
        }
        let seed = ip4_flow_hash(f.src, f.dst, f.proto, f.sport, f.dport);
        (0..256u32)
            .map(|i| 1024 + (seed.wrapping_add(i.wrapping_mul(0x9e37_79b9)) % (65535 - 1024)) as u16)
            .find(|&p| free(p))
    }

    /// Creates a session from the inside view of an in2out packet and the outside view
    /// of an out2in packet, and returns the entry for the packet being processed.
    fn create(&mut self, table: &mut SessionTable, n: NewSession, now_ns: u64) -> Outcome {
        let NewSession { inside, outside, proto, fib, endpoint_dependent: ed, packet_in2out, hairpin } = n;
        let Some(idx) = self.sessions.reserve() else {
            return Outcome::Drop(DropReason::NatMaxSessions);
        };
        let (in_key, out_key) = if ed {
            (
                ed_key(inside, proto, session_kind::NAT_IN2OUT_ED, fib),
                ed_key(
                    outside,
                    proto,
                    if hairpin { session_kind::NAT_IN2OUT_ED } else { session_kind::NAT_OUT2IN_ED },
                    fib,
                ),
            )
        } else {
            let f_in = Flow { src: inside.src, sport: inside.sport, proto, ..Flow::default() };
            let f_out = Flow { dst: outside.dst, dport: outside.dport, proto, ..Flow::default() };
            (simple_in_key(&f_in, fib), simple_out_key(&f_out, fib))
        };
        self.uncache_pass(table, &in_key);
        let in_entry = rewrite_entry(in_key, inside, outside.reversed(), proto, idx);
        let out_entry = rewrite_entry(out_key, outside, inside.reversed(), proto, idx);
        let Ok(s0) = table.insert(in_entry) else {
            self.sessions.unreserve(idx);
            return Outcome::Drop(DropReason::NatMaxSessions);
        };
        let Ok(s1) = table.insert(out_entry) else {
            table.remove(s0);
            self.sessions.unreserve(idx);
            return Outcome::Drop(DropReason::NatMaxSessions);
        };
        self.sessions.fill(
            idx,
            NatSession {
                inside,
                outside,
                proto,
                fib,
                endpoint_dependent: ed,
                slots: [s0, s1],
                last_ns: now_ns,
                tcp: 0,
            },
        );
        self.created += 1;
        let entry = if packet_in2out { in_entry } else { out_entry };
        Outcome::Translate { session: idx, entry: SessionEntry { flags: entry.flags | session_flags::VALID, ..entry } }
    }

    /// Removes every session idle past its timeout; returns how many.
    pub fn expire(&mut self, table: &mut SessionTable, now_ns: u64) -> usize {
        let timeouts = self.timeouts_ns;
        // Pass entries: transitory TCP or UDP idle time, whichever is shorter.
        let pass_timeout = timeouts[0].min(timeouts[2]);
        let n = self.sessions.expire(table, now_ns, |s| Self::timeout_ns(timeouts, s));
        let sessions = &mut self.sessions;
        self.passes.retain(|key, &mut (slot, last)| {
            let keep = now_ns.saturating_sub(last) <= pass_timeout;
            if !keep {
                table.remove(slot);
                sessions.note_expired_key(*key);
            }
            keep
        });
        n
    }
}
