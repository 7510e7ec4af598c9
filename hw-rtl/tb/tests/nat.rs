//! NAT's bench (`hw-rtl/tb/offload_nat/tb.sv`): random flows on interfaces of each NAT
//! role (and the outer packet of a VXLAN encap), with random session-table hits, against
//! software's NAT (`sw_fallback::nat`): the NAT-address key (`SessionKey::nat_external`,
//! as `NatState::install_externals` writes it), the two session keys in the order
//! `NatState::find` probes them, which entry it finds (and the in2out pass entries of
//! `has_in2out_ed_entry`), and the flow after `nat::apply`. `cargo test -p rtl-benches`.

mod common;

use common::{entry_hex, no_verilator, run, VECTORS};
use offload_tables::layout::{if_flags, session_flags, GlobalEntry, NatPoolEntry, SessionEntry, SessionKey};
use offload_tables::session::SessionTable;
use offload_tables::Tables;
use rtl_benches::Bench;
use std::fmt::Write;
use sw_fallback::flow::{Flow, L3_OFFSET};
use sw_fallback::nat::{self, NatSession, NatState, Outcome, PASS_SESSION};
use test_support::realistic::Rng;

const SRC: u16 = session_flags::REWRITE_SRC;
const DST: u16 = session_flags::REWRITE_DST;

/// The NAT addresses (NAT pool) the flows' destinations are drawn from, now and then.
const POOL: [u32; 4] = [0xc633_6401, 0xc633_6402, 0xcb00_7105, 0x0a00_00fe];

/// A session key's 128 bits as the RTL sees them (`SessionKey::words`, high word first).
fn key_hex(k: &SessionKey) -> String {
    let [lo, hi] = k.words();
    format!("{hi:016x}{lo:016x}")
}

/// A flow as the parser gives it to NAT: TCP, UDP, ICMP echo (the identifier as both
/// ports), other ICMP, or another protocol (no ports).
fn flow(rng: &mut Rng) -> Flow {
    let mut f = Flow {
        src: if rng.chance(30) { 0x0a01_0000 | rng.range(1, 20) as u32 } else { rng.next_u64() as u32 },
        dst: if rng.chance(40) { rng.pick(&POOL) } else { rng.next_u64() as u32 },
        ihl: 20,
        ttl: rng.range(2, 255) as u8,
        l4_valid: true,
        l4_complete: true,
        ..Flow::default()
    };
    let any = rng.next_u64() as u8;
    match rng.range(0, 19) {
        0..=5 => {
            f.proto = 6;
            (f.sport, f.dport, f.tcp_flags) = (rng.next_u64() as u16, rng.next_u64() as u16, rng.next_u64() as u8);
        }
        6..=11 => {
            f.proto = 17;
            (f.sport, f.dport) = (rng.next_u64() as u16, rng.next_u64() as u16);
        }
        12..=14 => {
            f.proto = 1;
            (f.icmp_type, f.icmp_code) = (rng.pick(&[0, 8]), rng.next_u64() as u8);
            f.sport = rng.next_u64() as u16;
            f.dport = f.sport;
        }
        15..=16 => {
            f.proto = 1;
            let ty = if matches!(any, 0 | 8) { 3 } else { any };
            (f.icmp_type, f.icmp_code) = (rng.pick(&[3, 4, 5, 11, 12, 13, 14, ty]), rng.next_u64() as u8);
        }
        _ => f.proto = if matches!(any, 1 | 6 | 17) { 47 } else { rng.pick(&[2, 4, 41, 47, 50, 132, any]) },
    }
    f
}

/// The outer packet of a VXLAN encap: UDP to 4789.
fn outer_flow(rng: &mut Rng) -> Flow {
    Flow {
        src: rng.next_u64() as u32,
        dst: if rng.chance(20) { rng.pick(&POOL) } else { rng.next_u64() as u32 },
        proto: 17,
        sport: rng.next_u64() as u16,
        dport: 4789,
        ihl: 20,
        ttl: 254,
        l4_valid: true,
        l4_complete: true,
        ..Flow::default()
    }
}

/// The two keys NAT looks a packet up by, in the order software probes them.
fn keys(f: &Flow, fib: u16, out2in: bool) -> [SessionKey; 2] {
    sw_fallback::nat::probe_keys(f, fib, !out2in)
}

/// Software probes `keys` in this order: with both in the table `find` translates by the
/// first, without the first by the second, with neither it misses.
fn check_probe_order(
    nat: &mut NatState,
    table: &mut SessionTable,
    f: &Flow,
    fib: u16,
    in2out: bool,
    keys: &[SessionKey; 2],
    sessions: [u32; 2],
) {
    let slots = [0, 1].map(|i| {
        let e = SessionEntry { key: keys[i], session_index: sessions[i], ..Default::default() };
        table.insert(e).expect("room in the table")
    });
    let mut found = |table: &mut SessionTable| match nat.find(table, f, fib, in2out, 0) {
        Outcome::Translate { session, .. } => Some(session),
        _ => None,
    };
    assert_eq!(found(table), Some(sessions[0]), "software's first key: {f:?} {keys:?}");
    table.remove(slots[0]);
    assert_eq!(found(table), Some(sessions[1]), "software's second key: {f:?} {keys:?}");
    table.remove(slots[1]);
    assert_eq!(found(table), None);
}

/// What `offload_nat` decides at s1: (out2in, lookup, software). The offload's rule
/// beside software's (`Dataplane::ip4_input`, private, stated here): NAT runs where it is
/// enabled on an inside or outside interface (and for the outer packet, whose NAT is the
/// uplink's output feature, `ip4_output`, always in2out); an outside interface's packets
/// go out2in unless it is also inside, where packets to a NAT address do
/// (`to_out2in`, with the NIC's NAT-address hit for `is_external_addr`). Software, not
/// the NIC, takes a packet NAT would see that is not TCP, UDP or ICMP with a whole header
/// (the slow paths translate other protocols by address), ICMP other than echo
/// (`nat_icmp_error`), and, while the NIC may lack entries software has
/// (SESSIONS_PARTIAL), an inside-outside packet whose NAT-address lookup missed.
fn s1_decision(enabled: bool, flags: u16, outer: bool, ext: bool, partial: bool, f: &Flow) -> (bool, bool, bool) {
    let inside = flags & if_flags::NAT_INSIDE != 0;
    let outside = flags & if_flags::NAT_OUTSIDE != 0;
    let l4 = matches!(f.proto, 1 | 6 | 17) && f.l4_complete;
    let icmp_other = f.proto == 1 && !matches!(f.icmp_type, 0 | 8);
    let on = enabled && (outer || inside || outside);
    let out2in = !outer && outside && (!inside || ext);
    let software = !outer && on && (!l4 || icmp_other || (inside && outside && !ext && partial));
    (out2in, on && !software && l4, software)
}

/// A session entry for `key`: a live session's with the rewrite `flags` to a random
/// tuple (random deltas: NAT here moves the flow, the checksums are offload_rewrite's).
fn session_entry(rng: &mut Rng, key: SessionKey, flags: u16, session: u32) -> SessionEntry {
    SessionEntry {
        key,
        new_src: rng.next_u64() as u32,
        new_dst: rng.next_u64() as u32,
        new_sport: rng.next_u64() as u16,
        new_dport: rng.next_u64() as u16,
        ip_delta: rng.next_u64() as u16,
        l4_delta: rng.next_u64() as u16,
        session_index: session,
        flags: flags | if rng.chance(50) { session_flags::REVERSE } else { 0 },
        tcp_flags_seen: rng.next_u64() as u16,
        last_seen: rng.next_u64() as u32,
        ..Default::default()
    }
}

#[test]
fn nat_keys_and_rewrite_match_software() {
    if no_verilator("nat_keys_and_rewrite_match_software") {
        return;
    }
    let mut rng = Rng::new(23);
    let tables = Tables {
        global: GlobalEntry { nat_max_sessions: 16, nat_enabled: 1, ..Default::default() },
        nat_pool: POOL.iter().map(|&addr| NatPoolEntry { addr, ..Default::default() }).collect(),
        ..Default::default()
    };
    let mut nat = NatState::new(&tables);
    // the NAT-address entries as software gives them to the NIC
    let mut externals = SessionTable::with_capacity(64);
    assert_eq!(nat.install_externals(&mut externals), 0);
    // two live sessions (no timeouts: `find` at time 0 never expires them)
    let sessions = [0, 1].map(|_| {
        let i = nat.sessions.reserve().expect("room for a session");
        nat.sessions.fill(i, NatSession::default());
        i
    });
    let mut table = SessionTable::with_capacity(64);
    let mut scratch = vec![0u8; 64];
    let mut v = String::new();
    let mut cases = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..VECTORS {
        let outer = rng.chance(15);
        let f = if outer { outer_flow(&mut rng) } else { flow(&mut rng) };
        let enabled = rng.chance(85);
        let partial = rng.chance(30);
        let role =
            rng.pick(&[0, if_flags::NAT_INSIDE, if_flags::NAT_OUTSIDE, if_flags::NAT_INSIDE | if_flags::NAT_OUTSIDE]);
        let other = if_flags::UP | if_flags::NAT_OUTPUT_FEATURE | if_flags::L2 | if_flags::BVI;
        let flags = role | (rng.next_u64() as u16 & other);
        let fibs = |rng: &mut Rng| if rng.chance(50) { rng.range(0, 3) as u16 } else { rng.next_u64() as u16 };
        let (if_fib, outer_fib) = (fibs(&mut rng), fibs(&mut rng));
        // s0: the NAT-address key; software's own (the NIC holds what install_externals
        // wrote: its lookup hits where software's is_external_addr says so)
        let key_ext = SessionKey::nat_external(f.dst);
        let external = nat.is_external_addr(f.dst);
        assert_eq!(externals.lookup(&key_ext).is_some(), external);
        // the NIC's hit: software's answer, unless (SESSIONS_PARTIAL) the entry did not fit
        let ext = external && !(partial && rng.chance(40));
        // s1
        let (out2in, lookup, software) = s1_decision(enabled, flags, outer, ext, partial, &f);
        let fib = if outer { outer_fib } else { if_fib };
        let keys = keys(&f, fib, out2in);
        check_probe_order(&mut nat, &mut table, &f, fib, !out2in, &keys, sessions);
        // s2: each key hits or not; a hit's entry rewrites the source, the destination,
        // both or neither; the in2out endpoint-dependent key's may be a pass entry
        let hits = [rng.chance(50), rng.chance(50)];
        let mut entries = [0, 1].map(|i| {
            if i == 1 && !out2in && rng.chance(20) {
                SessionEntry { key: keys[i], session_index: PASS_SESSION, ..Default::default() }
            } else {
                let flags = rng.pick(&[0, SRC, DST, SRC | DST]);
                session_entry(&mut rng, keys[i], flags, sessions[i])
            }
        });
        let mut slots = Vec::new();
        for i in 0..2 {
            if hits[i] {
                let slot = table.insert(entries[i]).expect("room in the table");
                entries[i] = *table.get(slot);
                slots.push(slot);
            } else if rng.chance(50) {
                // what a miss reads is anything
                let session = rng.next_u64() as u32;
                entries[i] = session_entry(&mut rng, SessionKey::default(), SRC | DST, session);
            }
        }
        // what software finds: a session by `find`, else (in2out) a pass entry of the
        // endpoint-dependent key, which the slow path lets through untranslated
        let found = match nat.find(&mut table, &f, fib, !out2in, 0) {
            Outcome::Translate { entry, .. } => Some(entry),
            _ if !out2in && nat.has_in2out_ed_entry(&table, &f, fib) => {
                Some(*table.get(table.lookup(&keys[1]).expect("the pass entry")))
            }
            _ => None,
        };
        for slot in slots {
            table.remove(slot);
        }
        // the flow after NAT: software's apply when NAT looked the packet up and found an
        // entry (the outer packet's NAT applies later, after the output ACL: unchanged
        // here)
        let mut g = f;
        if let Some(e) = found.filter(|_| lookup && !outer) {
            nat::apply(&mut scratch, L3_OFFSET, &mut g, &e);
        }
        let case = if outer {
            "outer".to_string()
        } else if !enabled || role == 0 {
            "no NAT".to_string()
        } else {
            let dir =
                ["", "in2out", "out2in", if ext { "in-out, NAT address" } else { "in-out" }][usize::from(role / 2)];
            let what = if software {
                "software"
            } else if lookup {
                "lookup"
            } else {
                "neither"
            };
            format!("{dir}: {what}")
        };
        *cases.entry(case).or_default() += 1;
        let kind = match f.proto {
            6 => "TCP",
            17 => "UDP",
            1 if matches!(f.icmp_type, 0 | 8) => "ICMP echo",
            1 => "ICMP other",
            _ => "no L4",
        };
        let what = if software {
            "software"
        } else if lookup {
            "lookup"
        } else {
            "no NAT"
        };
        *cases.entry(format!("{}{kind}: {what}", if outer { "outer " } else { "" })).or_default() += 1;
        if software && partial && !ext && matches!(kind, "TCP" | "UDP" | "ICMP echo") {
            *cases.entry("in-out, partial, no NAT-address hit: software".to_string()).or_default() += 1;
        }
        if lookup && !outer {
            let how = found.map_or("miss".to_string(), |e| {
                let w = if e.session_index == PASS_SESSION {
                    "pass"
                } else {
                    ["none", "src", "dst", "both"][usize::from(e.flags & (SRC | DST)) / 2]
                };
                format!("hit{} {w}", if hits[0] { 0 } else { 1 })
            });
            *cases.entry(format!("s2 hits {}{}: {how}", u8::from(hits[0]), u8::from(hits[1]))).or_default() += 1;
        }
        let want_entry = found.unwrap_or_default();
        writeln!(
            v,
            "N {} {} {} {flags:04x} {if_fib:04x} {} {outer_fib:04x} {:08x} {:08x} {:04x} {:04x} {:02x} {:02x} {} \
             {} {} {} {} {} {} {} {fib:04x} {} {} {} {} {} {} {:08x} {:08x} {:04x} {:04x}",
            u8::from(enabled),
            u8::from(partial),
            u8::from(ext),
            u8::from(outer),
            f.src,
            f.dst,
            f.sport,
            f.dport,
            f.proto,
            f.icmp_type,
            u8::from(matches!(f.proto, 1 | 6 | 17) && f.l4_complete),
            u8::from(lookup),
            u8::from(outer),
            u8::from(hits[0]),
            entry_hex(bytemuck::bytes_of(&entries[0]), 384),
            u8::from(hits[1]),
            entry_hex(bytemuck::bytes_of(&entries[1]), 384),
            key_hex(&key_ext),
            key_hex(&keys[0]),
            key_hex(&keys[1]),
            u8::from(lookup),
            u8::from(software),
            u8::from(found.is_some()),
            entry_hex(bytemuck::bytes_of(&want_entry), 384),
            g.src,
            g.dst,
            g.sport,
            g.dport,
        )
        .unwrap();
    }
    println!("{VECTORS} packets:");
    for (case, n) in &cases {
        println!("  {case}: {n}");
    }
    assert!(cases.len() >= 40 && cases.values().all(|&n| n >= 10), "too few of some case: {cases:?}");
    let bench =
        Bench { module: "offload_nat", rtl: &["offload_pkg.sv", "offload_util.sv", "offload_nat.sv"], params: &[] };
    run(bench, &v, &[]);
}
