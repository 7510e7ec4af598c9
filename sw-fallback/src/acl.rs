//! Stateful ACLs (VPP's acl-plugin): ordered rule lists per interface and direction,
//! first match wins, no match denies; `permit+reflect` creates a session in the shared
//! session table so the flow's later packets, and its replies on the same interface's
//! output, pass without rule evaluation.

use crate::flow::Flow;
use crate::session_pool::{Pooled, SessionPool};
use offload_tables::layout::{acl_action, session_kind, AclRuleEntry, SessionEntry, SessionKey, TCP_STATE_FLAGS};
use offload_tables::prefix_mask;
use offload_tables::session::SessionTable;
use offload_tables::Tables;

/// Outcome of classifying a packet against an interface's ACL list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A rule matched: its action (`acl_action::*`), ACL index and rule position.
    Rule { action: u8, acl: u32, rule: u32 },
    /// An existing reflexive session matched.
    Session { session: u32 },
    /// No rule matched: implicit deny.
    NoMatch,
}

/// Does `r` match the packet? As VPP's acl-plugin (`single_acl_match_5tuple`): a rule
/// with a protocol matches a non-first fragment on addresses and protocol alone
/// (`l4_match_nonfirst_fragment`), never a packet whose L4 identifiers could not be read,
/// and otherwise on the port ranges (for ICMP: type and code) and, for TCP only, the flags.
#[inline]
pub fn rule_matches(r: &AclRuleEntry, f: &Flow) -> bool {
    if (f.src ^ r.src) & prefix_mask(r.src_len) != 0 || (f.dst ^ r.dst) & prefix_mask(r.dst_len) != 0 {
        return false;
    }
    if r.proto == 0 {
        return true;
    }
    if r.proto != f.proto {
        return false;
    }
    if f.nonfirst_fragment {
        return true;
    }
    if !f.l4_valid {
        return false;
    }
    let (p0, p1) = if f.proto == 1 { (u16::from(f.icmp_type), u16::from(f.icmp_code)) } else { (f.sport, f.dport) };
    r.sport_lo <= p0
        && p0 <= r.sport_hi
        && r.dport_lo <= p1
        && p1 <= r.dport_hi
        && (f.proto != 6 || (f.tcp_flags & r.tcp_flags_mask) == r.tcp_flags_value)
}

/// First matching rule of the ACLs `acl_lists[start..start+count]`.
#[inline]
pub fn classify(t: &Tables, start: u16, count: u16, f: &Flow) -> Verdict {
    for l in &t.acl_lists[usize::from(start)..usize::from(start) + usize::from(count)] {
        let acl = t.acls[l.acl_index as usize];
        let rules = &t.acl_rules[acl.rule_start as usize..acl.rule_start as usize + usize::from(acl.rule_count)];
        if let Some(r) = rules.iter().find(|r| rule_matches(r, f)) {
            return Verdict::Rule { action: r.action, acl: l.acl_index, rule: u32::from(r.rule_index) };
        }
    }
    Verdict::NoMatch
}

/// A rule with its prefix masks precomputed: the form the dataplane scans.
#[derive(Clone, Copy, Debug)]
struct CompiledRule {
    src: u32,
    src_mask: u32,
    dst: u32,
    dst_mask: u32,
    proto: u8,
    action: u8,
    flags_mask: u8,
    flags_value: u8,
    sport: (u16, u16),
    dport: (u16, u16),
    acl: u32,
    rule: u32,
}

/// The ACL rules of a [`Tables`], compiled for scanning; same results as [`classify`].
pub struct AclMatcher {
    rules: Vec<CompiledRule>,
}

impl AclMatcher {
    pub fn new(t: &Tables) -> Self {
        let rules = t
            .acl_rules
            .iter()
            .map(|r| CompiledRule {
                src: r.src & prefix_mask(r.src_len),
                src_mask: prefix_mask(r.src_len),
                dst: r.dst & prefix_mask(r.dst_len),
                dst_mask: prefix_mask(r.dst_len),
                proto: r.proto,
                action: r.action,
                flags_mask: r.tcp_flags_mask,
                flags_value: r.tcp_flags_value,
                sport: (r.sport_lo, r.sport_hi),
                dport: (r.dport_lo, r.dport_hi),
                acl: u32::from(r.acl_index),
                rule: u32::from(r.rule_index),
            })
            .collect();
        AclMatcher { rules }
    }

    /// First matching rule of the ACLs `acl_lists[start..start+count]`.
    #[inline]
    pub fn classify(&self, t: &Tables, start: u16, count: u16, f: &Flow) -> Verdict {
        let (p0, p1) = if f.proto == 1 { (u16::from(f.icmp_type), u16::from(f.icmp_code)) } else { (f.sport, f.dport) };
        for l in &t.acl_lists[usize::from(start)..usize::from(start) + usize::from(count)] {
            let acl = t.acls[l.acl_index as usize];
            let rules = &self.rules[acl.rule_start as usize..acl.rule_start as usize + usize::from(acl.rule_count)];
            for r in rules {
                if ((f.src ^ r.src) & r.src_mask) | ((f.dst ^ r.dst) & r.dst_mask) != 0 {
                    continue;
                }
                let l4_ok = r.proto == 0
                    || (r.proto == f.proto
                        && (f.nonfirst_fragment
                            || (f.l4_valid
                                && r.sport.0 <= p0
                                && p0 <= r.sport.1
                                && r.dport.0 <= p1
                                && p1 <= r.dport.1
                                && (f.proto != 6 || f.tcp_flags & r.flags_mask == r.flags_value))));
                if l4_ok {
                    return Verdict::Rule { action: r.action, acl: r.acl, rule: r.rule };
                }
            }
        }
        Verdict::NoMatch
    }
}

/// The obvious classifier, kept apart from [`classify`] as the property tests' reference.
pub fn classify_reference(rules_in_order: &[AclRuleEntry], f: &Flow) -> Option<(u8, u16, u16)> {
    for r in rules_in_order {
        let src_ok = r.src_len == 0 || (f.src >> (32 - u32::from(r.src_len))) == (r.src >> (32 - u32::from(r.src_len)));
        let dst_ok = r.dst_len == 0 || (f.dst >> (32 - u32::from(r.dst_len))) == (r.dst >> (32 - u32::from(r.dst_len)));
        let proto_ok = r.proto == 0 || r.proto == f.proto;
        let l4_ok = r.proto == 0 || f.nonfirst_fragment || {
            let (a, b) =
                if f.proto == 1 { (u16::from(f.icmp_type), u16::from(f.icmp_code)) } else { (f.sport, f.dport) };
            f.l4_valid
                && (r.sport_lo..=r.sport_hi).contains(&a)
                && (r.dport_lo..=r.dport_hi).contains(&b)
                && (f.proto != 6 || f.tcp_flags & r.tcp_flags_mask == r.tcp_flags_value)
        };
        if src_ok && dst_ok && proto_ok && l4_ok {
            return Some((r.action, r.acl_index, r.rule_index));
        }
    }
    None
}

/// A reflexive ACL session's software state.
#[derive(Clone, Copy, Debug)]
pub struct AclSession {
    /// Its one session-table slot.
    pub slot: [usize; 1],
    pub last_ns: u64,
    /// TCP flags seen from the creating side (low byte) and the reply side (high byte).
    pub tcp_flags_seen: u16,
    pub proto: u8,
}

impl AclSession {
    /// SYN and ACK seen from both sides, no FIN or RST: the established timeout applies.
    pub fn tcp_established(&self) -> bool {
        const SYN_ACK_BOTH: u16 = 0x1212;
        self.tcp_flags_seen & SYN_ACK_BOTH == SYN_ACK_BOTH && self.tcp_flags_seen & 0x0505 == 0
    }
}

impl Pooled for AclSession {
    fn table_slots(&self) -> &[usize] {
        &self.slot
    }
    fn last_ns(&self) -> u64 {
        self.last_ns
    }
}

/// Reflexive ACL sessions.
pub struct AclSessions {
    pub sessions: SessionPool<AclSession>,
    timeouts: (u64, u64, u64),
    /// Times an entry's `tcp_flags_seen` changed (the NIC's copy needs rewriting).
    pub state_changes: u64,
}

/// Builds the key for a packet on `sw_if_index`: input packets as they are, output
/// packets swapped, so that replies find the session their request created.
#[inline]
pub fn session_key(sw_if_index: u16, f: &Flow, is_input: bool) -> SessionKey {
    let (src, dst, sport, dport) =
        if is_input { (f.src, f.dst, f.sport, f.dport) } else { (f.dst, f.src, f.dport, f.sport) };
    SessionKey { src, dst, sport, dport, proto: f.proto, kind: session_kind::ACL, scope: sw_if_index }
}

impl AclSessions {
    pub fn new(t: &Tables) -> Self {
        let g = t.global;
        AclSessions {
            sessions: SessionPool::new(g.acl_max_sessions as usize),
            timeouts: (
                u64::from(g.acl_udp_idle) * 1_000_000_000,
                u64::from(g.acl_tcp_idle) * 1_000_000_000,
                u64::from(g.acl_tcp_transient) * 1_000_000_000,
            ),
            state_changes: 0,
        }
    }

    /// Live sessions.
    pub fn live(&self) -> usize {
        self.sessions.live()
    }

    fn timeout_ns(timeouts: (u64, u64, u64), s: &AclSession) -> u64 {
        match s.proto {
            6 if s.tcp_established() => timeouts.1,
            6 => timeouts.2,
            _ => timeouts.0,
        }
    }

    /// Mirrors the state flags seen into the entry, for the NIC (see
    /// [`SessionEntry::tcp_flags_seen`]).
    fn note_seen(&mut self, table: &mut SessionTable, slot: usize, seen: u16) {
        let state = u16::from(TCP_STATE_FLAGS) * 0x0101;
        let e = table.get_mut(slot);
        if e.tcp_flags_seen != seen & state {
            e.tcp_flags_seen = seen & state;
            self.state_changes += 1;
            table.mark_changed(slot);
        }
    }

    /// A packet the NIC forwarded hit session `idx` (its hit bit): now in use.
    pub fn touch(&mut self, idx: u32, now_ns: u64) {
        if let Some(s) = self.sessions.get_mut(idx) {
            s.last_ns = s.last_ns.max(now_ns);
        }
    }

    /// Looks up the session for a packet; refreshes it on a hit, removes it if expired.
    #[inline]
    pub fn hit(
        &mut self,
        table: &mut SessionTable,
        sw_if_index: u16,
        f: &Flow,
        is_input: bool,
        now_ns: u64,
    ) -> Option<u32> {
        let key = session_key(sw_if_index, f, is_input);
        let slot = table.lookup(&key)?;
        let idx = table.get(slot).session_index;
        let timeouts = self.timeouts;
        let s = self.sessions.get_mut(idx)?;
        if now_ns.saturating_sub(s.last_ns) > Self::timeout_ns(timeouts, s) {
            self.sessions.remove_expired(table, idx);
            return None;
        }
        s.last_ns = now_ns;
        // A session made on output was stored swapped: its creating side is the reply.
        let creating_side = is_input;
        s.tcp_flags_seen |= if creating_side { u16::from(f.tcp_flags) } else { u16::from(f.tcp_flags) << 8 };
        let seen = s.tcp_flags_seen;
        if s.proto == 6 {
            self.note_seen(table, slot, seen);
        }
        Some(idx)
    }

    /// Whether the session `f` looks up belonged to one found expired since the last
    /// expiry pass began.
    pub fn expired_recently(&self, sw_if_index: u16, f: &Flow, is_input: bool) -> bool {
        self.sessions.expired_recently(&session_key(sw_if_index, f, is_input))
    }

    /// Creates a session for a packet permitted by a `permit+reflect` rule; `None` when
    /// the session limit is reached or the table bucket is full.
    pub fn create(
        &mut self,
        table: &mut SessionTable,
        sw_if_index: u16,
        f: &Flow,
        is_input: bool,
        now_ns: u64,
    ) -> Option<u32> {
        let idx = self.sessions.reserve()?;
        let key = session_key(sw_if_index, f, is_input);
        let entry = SessionEntry { key, session_index: idx, ..Default::default() };
        match table.insert(entry) {
            Ok(slot) => {
                let flags = if is_input { u16::from(f.tcp_flags) } else { u16::from(f.tcp_flags) << 8 };
                self.sessions
                    .fill(idx, AclSession { slot: [slot], last_ns: now_ns, tcp_flags_seen: flags, proto: f.proto });
                if f.proto == 6 {
                    self.note_seen(table, slot, flags);
                }
                Some(idx)
            }
            Err(_) => {
                self.sessions.unreserve(idx);
                None
            }
        }
    }

    /// Removes every session idle past its timeout; returns how many.
    pub fn expire(&mut self, table: &mut SessionTable, now_ns: u64) -> usize {
        let timeouts = self.timeouts;
        self.sessions.expire(table, now_ns, |s| Self::timeout_ns(timeouts, s))
    }
}

/// The action number VPP's trace prints for a verdict.
pub fn trace_action(v: Verdict) -> u8 {
    match v {
        Verdict::Rule { action, .. } => action,
        Verdict::Session { .. } => acl_action::SESSION_HIT,
        Verdict::NoMatch => acl_action::DENY,
    }
}
