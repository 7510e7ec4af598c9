//! The flip-flop tables' bench (`hw-rtl/tb/offload_ff_tables/tb.sv`): random table writes,
//! deletes (writes of zeroes) and clocks without a write, to random entries of the tables
//! the module holds and to table numbers it does not hold (which must change nothing),
//! with stale staging bytes above the entry; after every clock, the read-back of the
//! addressed entry (`rb_data`: the whole entry, 0 for a table not held) and every flat
//! output (`global_entry`, `lists`, `acls`, `rules`, `l2fib`, `vxlan`, `port_map`: each
//! entry's matched fields) against a model of what was written where. Entry sizes are
//! the contract's (`offload_tables::regs::Table::entry_bytes`, the layout structs' sizes),
//! the flat part of an ACL and a rule is the layout's fields before its indices
//! (`AclEntry::defined`, `AclRuleEntry::acl_index`). At the smallest sizes the module
//! takes, and at offload_top's defaults. `cargo test -p rtl-benches`.

mod common;

use common::{entry_hex, no_verilator, run, VECTORS};
use offload_tables::layout::{AclEntry, AclRuleEntry};
use offload_tables::regs::Table;
use rtl_benches::Bench;
use std::fmt::Write;
use std::mem::offset_of;
use test_support::realistic::Rng;

/// The module's parameters: wire ports, log2 entries of the ACL lists, ACLs, rules, L2
/// FIB and VXLAN tunnels.
struct Sizes {
    n_ports: usize,
    list_bits: u32,
    acl_bits: u32,
    rule_bits: u32,
    l2fib_bits: u32,
    vxlan_bits: u32,
}

/// A table the module holds: its entries (the bytes last written) and the bits of each
/// entry on its flat output.
struct Held {
    table: Table,
    flat_bits: usize,
    entries: Vec<Vec<u8>>,
}

/// The tables in the order of the module's flat outputs.
fn held(s: &Sizes) -> Vec<Held> {
    let t = |table: Table, n: usize, flat_bits: usize| Held {
        table,
        flat_bits,
        entries: vec![vec![0; table.entry_bytes()]; n],
    };
    let all = |table: Table| 8 * table.entry_bytes();
    vec![
        t(Table::Global, 1, all(Table::Global)),
        t(Table::AclList, 1 << s.list_bits, all(Table::AclList)),
        t(Table::Acl, 1 << s.acl_bits, 8 * offset_of!(AclEntry, defined)),
        t(Table::AclRule, 1 << s.rule_bits, 8 * offset_of!(AclRuleEntry, acl_index)),
        t(Table::L2Fib, 1 << s.l2fib_bits, all(Table::L2Fib)),
        t(Table::VxlanTunnel, 1 << s.vxlan_bits, all(Table::VxlanTunnel)),
        t(Table::PortMap, s.n_ports, all(Table::PortMap)),
    ]
}

/// An entry's bytes: random, or a single bit set, or every bit set.
fn entry(rng: &mut Rng, bytes: usize) -> Vec<u8> {
    match rng.range(0, 9) {
        0 => {
            let bit = rng.range(0, 8 * bytes as u64 - 1) as usize;
            (0..bytes).map(|i| if i == bit / 8 { 1 << (bit % 8) } else { 0 }).collect()
        }
        1 => vec![0xff; bytes],
        _ => (0..bytes).map(|_| rng.next_u64() as u8).collect(),
    }
}

/// `steps` random clocks at sizes `s`, as the bench's vector lines.
fn vectors(rng: &mut Rng, s: &Sizes, steps: usize) -> String {
    let mut tables = held(s);
    // table numbers not held here: the contract's other tables, and numbers beyond them
    let others: Vec<u32> =
        Table::ALL.iter().map(|t| t.id()).filter(|id| !tables.iter().any(|h| h.table.id() == *id)).collect();
    let (mut writes, mut deletes, mut elsewhere, mut idle) = (vec![0usize; tables.len()], 0, 0, 0);
    let mut v = String::new();
    for _ in 0..steps {
        let kind = rng.range(0, 99);
        let tw = kind < 65;
        let mut data: Vec<u8> = (0..64).map(|_| rng.next_u64() as u8).collect();
        let (sel, index) = if kind < 55 || (75..90).contains(&kind) {
            // an entry of a table held here (an index the register block lets through)
            let t = rng.range(0, tables.len() as u64 - 1) as usize;
            let h = &mut tables[t];
            let i = rng.range(0, h.entries.len() as u64 - 1) as usize;
            if kind < 40 {
                // a write: the entry, and what earlier commands left in the staging words above it
                let n = h.table.entry_bytes();
                data[..n].copy_from_slice(&entry(rng, n));
                if rng.chance(50) {
                    data[n..].fill(0);
                }
                writes[t] += 1;
            } else if tw {
                // a delete
                data.fill(0);
                deletes += 1;
            } else {
                idle += 1;
            }
            if tw {
                h.entries[i] = data[..h.table.entry_bytes()].to_vec();
            }
            (h.table.id(), i as u32)
        } else {
            // a table not held here, any index; written or not, nothing may change
            elsewhere += usize::from(tw);
            idle += usize::from(!tw);
            let sel = if rng.chance(70) { rng.pick(&others) } else { rng.range(Table::ALL.len() as u64, 255) as u32 };
            (sel, rng.next_u64() as u32 >> rng.range(0, 31))
        };
        let mut rb = vec![0u8; 64];
        if let Some(h) = tables.iter().find(|h| h.table.id() == sel) {
            let e = &h.entries[index as usize];
            rb[..e.len()].copy_from_slice(e);
        }
        write!(v, "S {sel:02x} {index:08x} {} {} {}", u8::from(tw), entry_hex(&data, 512), entry_hex(&rb, 512))
            .unwrap();
        for h in &tables {
            let flat: String = h.entries.iter().rev().map(|e| entry_hex(e, h.flat_bits)).collect();
            write!(v, " {flat}").unwrap();
        }
        v.push('\n');
    }
    println!(
        "{steps} clocks: writes per table {:?}, {deletes} deletes, {elsewhere} writes to tables not held, \
         {idle} without a write",
        tables.iter().zip(&writes).map(|(h, n)| (h.table.name(), *n)).collect::<Vec<_>>()
    );
    assert!(writes.iter().all(|&n| n >= steps / 40) && deletes >= steps / 10 && elsewhere >= steps / 20);
    v
}

#[test]
fn ff_tables_hold_what_was_written() {
    if no_verilator("ff_tables_hold_what_was_written") {
        return;
    }
    let mut rng = Rng::new(24);
    // the smallest sizes the module takes (two entries a table, one wire port), then
    // offload_top's defaults (fewer clocks: every line carries all the flat outputs)
    let configs = [
        (Sizes { n_ports: 1, list_bits: 1, acl_bits: 1, rule_bits: 1, l2fib_bits: 1, vxlan_bits: 1 }, VECTORS),
        (Sizes { n_ports: 2, list_bits: 4, acl_bits: 4, rule_bits: 5, l2fib_bits: 5, vxlan_bits: 3 }, VECTORS / 10),
    ];
    for (s, steps) in configs {
        let v = vectors(&mut rng, &s, steps);
        let bench = Bench {
            module: "offload_ff_tables",
            rtl: &["offload_pkg.sv", "offload_util.sv", "offload_ff_tables.sv"],
            params: &[
                ("N_PORTS", s.n_ports as i64),
                ("ACL_LIST_BITS", s.list_bits.into()),
                ("ACL_BITS", s.acl_bits.into()),
                ("RULE_BITS", s.rule_bits.into()),
                ("L2FIB_BITS", s.l2fib_bits.into()),
                ("VXLAN_BITS", s.vxlan_bits.into()),
            ],
        };
        run(bench, &v, &[]);
    }
}
