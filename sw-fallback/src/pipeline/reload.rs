//! Replacing a running dataplane's tables (`nicctl load`), keeping the state that is
//! still valid under the new ones.
//!
//! The rule, per session kind, all or nothing:
//! - NAT sessions are kept when everything a NAT translation depends on is unchanged:
//!   the NAT globals (timeouts, limits, forwarding), static mappings and their
//!   endpoints, the pool, and every interface's NAT role and FIB. Otherwise they are
//!   all removed (a changed mapping could leave a session translating to a deleted
//!   endpoint).
//! - Reflexive ACL sessions are kept when the ACL rules, the interfaces' ACL lists and
//!   the ACL globals are unchanged; otherwise all removed.
//! - Learned neighbors are kept on interfaces whose address and MAC are unchanged;
//!   packets held for resolution are dropped (counted as glean drops).
//! - NAT pass entries (`nat::PASS_SESSION`) are always dropped: routes decide them.
//! - Counters and the trace state carry over; learned L2 entries start afresh.
//!
//! The swap happens between two packets, so no packet sees a mix of old and new tables.

use super::Dataplane;
use offload_tables::layout::{if_flags, InterfaceEntry};
use offload_tables::Tables;

/// What [`Dataplane::reload`] kept and removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReloadReport {
    pub nat_kept: usize,
    pub nat_removed: usize,
    pub acl_kept: usize,
    pub acl_removed: usize,
    pub neighbors_kept: usize,
}

const NAT_IF_FLAGS: u16 = if_flags::NAT_INSIDE | if_flags::NAT_OUTSIDE | if_flags::NAT_OUTPUT_FEATURE;

fn same_by_interface(a: &Tables, b: &Tables, key: impl Fn(&InterfaceEntry) -> (u16, u16, u16, u16, u16)) -> bool {
    a.interfaces.len() == b.interfaces.len() && a.interfaces.iter().zip(&b.interfaces).all(|(x, y)| key(x) == key(y))
}

fn nat_unchanged(a: &Tables, b: &Tables) -> bool {
    let (ga, gb) = (a.global, b.global);
    (
        ga.nat_max_sessions,
        ga.nat_udp_timeout,
        ga.nat_tcp_established_timeout,
        ga.nat_tcp_transitory_timeout,
        ga.nat_icmp_timeout,
        ga.nat_forwarding,
        ga.nat_enabled,
    ) == (
        gb.nat_max_sessions,
        gb.nat_udp_timeout,
        gb.nat_tcp_established_timeout,
        gb.nat_tcp_transitory_timeout,
        gb.nat_icmp_timeout,
        gb.nat_forwarding,
        gb.nat_enabled,
    ) && a.nat_mappings == b.nat_mappings
        && a.nat_endpoints == b.nat_endpoints
        && a.nat_pool == b.nat_pool
        && same_by_interface(a, b, |i| (i.kind.into(), i.flags & NAT_IF_FLAGS, i.fib_index, 0, 0))
}

fn acl_unchanged(a: &Tables, b: &Tables) -> bool {
    let (ga, gb) = (a.global, b.global);
    (ga.acl_udp_idle, ga.acl_tcp_idle, ga.acl_tcp_transient, ga.acl_max_sessions)
        == (gb.acl_udp_idle, gb.acl_tcp_idle, gb.acl_tcp_transient, gb.acl_max_sessions)
        && a.acls == b.acls
        && a.acl_rules == b.acl_rules
        && a.acl_lists == b.acl_lists
        && same_by_interface(a, b, |i| {
            (i.kind.into(), i.acl_in_start, i.acl_in_count, i.acl_out_start, i.acl_out_count)
        })
}

impl Dataplane {
    /// Replaces the tables, keeping sessions and neighbors by the rule in the module doc.
    pub fn reload(&mut self, tables: Tables) -> ReloadReport {
        let keep_nat = nat_unchanged(&self.tables, &tables);
        let keep_acl = acl_unchanged(&self.tables, &tables);
        let mut report = ReloadReport::default();
        // A cache of decisions that routes take part in: dropped whatever changed.
        self.nat.clear_passes(&mut self.sessions);
        if !keep_nat {
            let idx: Vec<u32> = self.nat.sessions.iter().map(|(i, _)| i).collect();
            report.nat_removed = idx.len();
            for i in idx {
                self.nat.sessions.remove(&mut self.sessions, i);
            }
            self.nat.remove_static(&mut self.sessions);
        }
        if !keep_acl {
            let idx: Vec<u32> = self.acl.sessions.iter().map(|(i, _)| i).collect();
            report.acl_removed = idx.len();
            for i in idx {
                self.acl.sessions.remove(&mut self.sessions, i);
            }
        }
        let old_tables = std::mem::take(&mut self.tables);
        let mut fresh = Dataplane::new(tables);
        if keep_nat {
            std::mem::swap(&mut fresh.nat, &mut self.nat);
            report.nat_kept = fresh.nat.live();
        }
        if keep_acl {
            std::mem::swap(&mut fresh.acl, &mut self.acl);
            report.acl_kept = fresh.acl.live();
        }
        if keep_nat || keep_acl {
            std::mem::swap(&mut fresh.sessions, &mut self.sessions);
            if !keep_nat {
                // the new NAT addresses, into the table kept for the ACL sessions
                fresh.nat.install_externals(&mut fresh.sessions);
            }
        }
        // Counters: same slots by sw_if_index, grown or shrunk to the new interfaces.
        let n = fresh.counters.interfaces.len();
        std::mem::swap(&mut fresh.counters, &mut self.counters);
        fresh.counters.interfaces.resize(n, Default::default());
        std::mem::swap(&mut fresh.tracer, &mut self.tracer);
        // the edges hold buffers of this pool: keep it
        std::mem::swap(&mut fresh.pool, &mut self.pool);
        let new_tables = &fresh.tables;
        let held = self.neighbors.retain_learned(|sw| {
            let (a, b) = (old_tables.interface(sw), new_tables.interface(sw));
            matches!((a, b), (Some(a), Some(b)) if (a.ip4_addr, a.ip4_len, a.mac) == (b.ip4_addr, b.ip4_len, b.mac))
        });
        fresh.counters.drops[offload_tables::reasons::DropReason::Glean.code() as usize] += held as u64;
        std::mem::swap(&mut fresh.neighbors, &mut self.neighbors);
        report.neighbors_kept = fresh.neighbors.learned().len();
        *self = fresh;
        report
    }
}
