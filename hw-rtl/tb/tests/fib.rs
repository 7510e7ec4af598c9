//! The FIB engine's bench (`hw-rtl/tb/offload_fib/tb.sv`): random route sets rendered by the
//! contract's trie builder (`offload_tables::lpm::LpmBuilder`) and random load-balance,
//! bucket and adjacency tables, written through the module's register port and read back;
//! then packets (and VXLAN outer packets, which take their tunnel's load-balance) whose
//! route, flow hash, bucket, DPO and adjacency are what software finds: `Lpm::lookup`
//! (checked against `reference_lookup`), `flow_hash::ip4_flow_hash` and ip4-lookup's
//! bucket choice as sw-fallback's `ip4_lookup` / `dispatch_lb` make it.
//! `cargo test -p rtl-benches`.

mod common;

use common::{entry_hex, no_verilator, run, VECTORS};
use offload_tables::flow_hash::{hashes_ports, ip4_flow_hash};
use offload_tables::layout::{dpo, AdjacencyEntry, LoadBalanceEntry};
use offload_tables::lpm::{prefix_mask, reference_lookup, LpmBuilder, GROUP_ENTRIES, L1_ENTRIES};
use offload_tables::regs::Table;
use rtl_benches::Bench;
use std::fmt::Write;
use test_support::realistic::Rng;

const FIB_BITS: u32 = 1;
const GROUP_BITS: u32 = 4;
const LB_BITS: u32 = 4;
const BUCKET_BITS: u32 = 6;
const ADJ_BITS: u32 = 4;
const N_FIBS: usize = 1 << FIB_BITS;
const N_GROUPS: usize = 1 << GROUP_BITS;
const N_LBS: u64 = 1 << LB_BITS;
const N_BUCKETS: u64 = 1 << BUCKET_BITS;
const N_ADJS: u32 = 1 << ADJ_BITS;

/// What the module holds: every entry of its five tables, as last written.
#[derive(Default)]
struct Memory {
    l1: Vec<u32>,
    groups: Vec<u32>,
    lbs: Vec<LoadBalanceEntry>,
    buckets: Vec<u32>,
    adjs: Vec<AdjacencyEntry>,
}

/// Writes the entries of `new` that differ from `old` (runs of one value in one line, so a
/// short prefix's thousands of equal first-level entries stay one line), then keeps `new`.
fn sync<T: bytemuck::Pod + PartialEq>(v: &mut String, table: Table, old: &mut Vec<T>, new: Vec<T>) -> usize {
    assert_eq!(old.len(), new.len());
    let (mut i, mut written) = (0, 0);
    while i < new.len() {
        if old[i] == new[i] {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < new.len() && old[j] != new[j] && new[j] == new[i] {
            j += 1;
        }
        let bytes = bytemuck::bytes_of(&new[i]);
        writeln!(v, "W {:02x} {i:08x} {} {}", table.id(), j - i, entry_hex(bytes, bytes.len() * 8)).unwrap();
        written += j - i;
        i = j;
    }
    *old = new;
    written
}

/// A read-back of `table`'s entry `index`: `rb_data` is the entry, zero above it.
fn read_back<T: bytemuck::Pod>(v: &mut String, table: Table, index: usize, entry: &T) {
    let bytes = bytemuck::bytes_of(entry);
    writeln!(v, "R {:02x} {index:08x} {}", table.id(), entry_hex(bytes, bytes.len() * 8)).unwrap();
}

/// A random route set over a few clustered prefixes (so that routes nest and share
/// groups), every length 1..=32 likely and a default route in some FIBs; results are
/// load-balance indices, a few outside the table (also ones whose low bits are inside).
fn routes(rng: &mut Rng) -> Vec<(u16, u32, u8, u32)> {
    let bases = [0x0a01_0000u32, 0x0a02_0300, 0xc0a8_0100, rng.next_u64() as u32];
    let mut routes: Vec<(u16, u32, u8, u32)> = Vec::new();
    for fib in 0..N_FIBS as u16 {
        let mut lens: Vec<u8> = (0..rng.range(4, 12)).map(|_| rng.range(1, 32) as u8).collect();
        if rng.chance(40) {
            lens.push(0);
        }
        for len in lens {
            let noise = rng.next_u64() as u32 & rng.pick(&[0xffu32, 0xfff, 0xffff, 0xff_ffff, u32::MAX]);
            let prefix = (rng.pick(&bases) ^ noise) & prefix_mask(len);
            let lb = if rng.chance(85) {
                rng.range(0, N_LBS - 1) as u32
            } else {
                rng.pick(&[N_LBS as u32, N_LBS as u32 + 3, 0x10_0003, 0xff_ffff])
            };
            if !routes.iter().any(|r| (r.0, r.1, r.2) == (fib, prefix, len)) {
                routes.push((fib, prefix, len, lb));
            }
        }
    }
    routes
}

/// A random load-balance table: 1 to 64 buckets (mostly 1 or a few), starting mostly
/// inside the bucket table, some running past its end or starting far outside.
/// Starts within 64 of 2^32 too: start + bucket must not wrap into the table (the RTL
/// once added them in 32 bits).
fn load_balances(rng: &mut Rng) -> Vec<LoadBalanceEntry> {
    (0..N_LBS)
        .map(|_| LoadBalanceEntry {
            bucket_start: if rng.chance(90) {
                rng.range(0, N_BUCKETS - 1) as u32
            } else {
                rng.pick(&[N_BUCKETS as u32, N_BUCKETS as u32 + 5, 0x8000_0000, 0xffff_ff00, 0xffff_fff0, u32::MAX])
            },
            n_buckets: rng.pick(&[1, 1, 1, 2, 4, 4, 8, 16, 64]),
            flags: rng.next_u64() as u8,
            _pad: rng.next_u64() as u8,
        })
        .collect()
}

/// A random bucket table: DPOs of every kind (and kinds software does not know), the
/// indices mostly inside the adjacency table.
fn buckets(rng: &mut Rng) -> Vec<u32> {
    (0..N_BUCKETS)
        .map(|_| {
            let kind =
                rng.pick(&[dpo::DROP, dpo::ADJACENCY, dpo::ADJACENCY, dpo::ADJACENCY, dpo::LOCAL, dpo::GLEAN, 4, 15]);
            let index = if rng.chance(85) {
                rng.range(0, u64::from(N_ADJS) - 1) as u32
            } else {
                rng.pick(&[N_ADJS, N_ADJS + 2, 0x0800_0003, dpo::INDEX_MASK])
            };
            dpo::make(kind, index)
        })
        .collect()
}

/// What software finds for a packet, as far as it goes: the route (the trie's or the
/// tunnel's load-balance), then the load-balance, the bucket, the DPO, the adjacency.
struct Found {
    level: u8,
    found: bool,
    lb_bad: bool,
    bucket_bad: bool,
    kind: u32,
    adj_bad: bool,
    adj: AdjacencyEntry,
    n_buckets: u16,
}

fn software(mem: &Memory, lb_index: Option<u32>, hash: u32) -> Found {
    let mut f = Found {
        level: 1,
        found: lb_index.is_some(),
        lb_bad: false,
        bucket_bad: false,
        kind: 0,
        adj_bad: false,
        adj: AdjacencyEntry::default(),
        n_buckets: 0,
    };
    let Some(lb_index) = lb_index else { return f };
    f.level = 2;
    f.lb_bad = u64::from(lb_index) >= N_LBS;
    if f.lb_bad {
        return f;
    }
    // ip4_lookup / dispatch_lb
    let lb = mem.lbs[lb_index as usize];
    f.n_buckets = lb.n_buckets;
    let hash = if lb.n_buckets > 1 { hash } else { 0 };
    let bucket = u64::from(lb.bucket_start) + u64::from(hash & (u32::from(lb.n_buckets) - 1));
    f.level = 3;
    f.bucket_bad = bucket >= N_BUCKETS;
    if f.bucket_bad {
        return f;
    }
    let d = mem.buckets[bucket as usize];
    f.level = 4;
    f.kind = dpo::kind(d);
    if f.kind != dpo::ADJACENCY {
        return f;
    }
    f.level = 5;
    f.adj_bad = dpo::index(d) >= N_ADJS;
    if f.adj_bad {
        return f;
    }
    f.level = 6;
    f.adj = mem.adjs[dpo::index(d) as usize];
    f
}

#[test]
fn fib_finds_what_software_finds() {
    if no_verilator("fib_finds_what_software_finds") {
        return;
    }
    let mut rng = Rng::new(21);
    let mut mem = Memory {
        l1: vec![0; N_FIBS * L1_ENTRIES],
        groups: vec![0; N_GROUPS * GROUP_ENTRIES],
        lbs: vec![LoadBalanceEntry::default(); N_LBS as usize],
        buckets: vec![0; N_BUCKETS as usize],
        adjs: vec![AdjacencyEntry::default(); N_ADJS as usize],
    };
    // cases: hits by prefix length, misses, and how far each packet got
    let mut by_len = [0usize; 33];
    let (mut misses, mut lb_bad, mut bucket_bad, mut adj_bad, mut adjs) = (0, 0, 0, 0, 0);
    let (mut one_bucket, mut ecmp, mut outer_ok, mut outer_bad, mut not_adj) = (0, 0, 0, 0, 0);
    let (mut written, mut reads) = (0, 0);
    let mut v = String::new();
    let rounds = 40;
    for round in 0..rounds {
        // the route set: the trie must fit the module's groups
        let (routes, lpm) = loop {
            let routes = routes(&mut rng);
            let mut b = LpmBuilder::new(N_FIBS);
            for r in &routes {
                b.add(r.0, r.1, r.2, r.3);
            }
            let lpm = b.build();
            if lpm.groups.len() <= N_GROUPS * GROUP_ENTRIES {
                break (routes, lpm);
            }
        };
        let mut groups = lpm.groups.clone();
        groups.resize(N_GROUPS * GROUP_ENTRIES, 0);
        // the first round writes everything from empty; later rounds change some tables
        written += sync(&mut v, Table::LpmL1, &mut mem.l1, lpm.l1.clone());
        written += sync(&mut v, Table::LpmGroup, &mut mem.groups, groups);
        if round == 0 || rng.chance(50) {
            written += sync(&mut v, Table::LoadBalance, &mut mem.lbs, load_balances(&mut rng));
        }
        if round == 0 || rng.chance(50) {
            written += sync(&mut v, Table::Bucket, &mut mem.buckets, buckets(&mut rng));
        }
        if round == 0 || rng.chance(30) {
            let mut adjs = vec![AdjacencyEntry::default(); N_ADJS as usize];
            for a in &mut adjs {
                bytemuck::bytes_of_mut(a).iter_mut().for_each(|b| *b = rng.next_u64() as u8);
            }
            written += sync(&mut v, Table::Adjacency, &mut mem.adjs, adjs);
        }
        // read some back: the trie's entries where the routes are, random ones of the other
        // tables, and tables the module does not keep (0)
        for _ in 0..8 {
            let r = rng.pick(&routes);
            let i = usize::from(r.0) * L1_ENTRIES + (r.1 >> 16) as usize;
            read_back(&mut v, Table::LpmL1, i, &mem.l1[i]);
            let i = rng.range(0, (N_GROUPS * GROUP_ENTRIES) as u64 - 1) as usize;
            read_back(&mut v, Table::LpmGroup, i, &mem.groups[i]);
            let i = rng.range(0, N_LBS - 1) as usize;
            read_back(&mut v, Table::LoadBalance, i, &mem.lbs[i]);
            let i = rng.range(0, N_BUCKETS - 1) as usize;
            read_back(&mut v, Table::Bucket, i, &mem.buckets[i]);
            let i = rng.range(0, u64::from(N_ADJS) - 1) as usize;
            read_back(&mut v, Table::Adjacency, i, &mem.adjs[i]);
            let other = rng.pick(&[Table::Global, Table::Interface, Table::AclRule, Table::Session, Table::L2Fib]);
            writeln!(v, "R {:02x} {:08x} 0", other.id(), rng.range(0, 15)).unwrap();
            reads += 6;
        }
        for _ in 0..VECTORS / rounds {
            let fib = rng.range(0, N_FIBS as u64 - 1) as u16;
            let in_fib: Vec<_> = routes.iter().filter(|r| r.0 == fib).collect();
            // mostly an address inside one of the FIB's routes (maybe a longer one's too)
            let dst = match in_fib.is_empty() || rng.chance(25) {
                true if rng.chance(50) => rng.next_u64() as u32,
                true => 0x0a01_0000 | rng.next_u64() as u32 & 0xffff,
                false => {
                    let r = rng.pick(&in_fib);
                    r.1 | rng.next_u64() as u32 & !prefix_mask(r.2)
                }
            };
            let src = rng.next_u64() as u32;
            let any = rng.next_u64() as u8;
            let proto = rng.pick(&[6u8, 6, 17, 17, 1, 47, any]);
            let (mut sport, mut dport) = (rng.next_u64() as u16, rng.next_u64() as u16);
            // the top hashes the ports of TCP and UDP only (flow_hash::hashes_ports)
            if !hashes_ports(proto) {
                (sport, dport) = (0, 0);
            }
            let hash = ip4_flow_hash(src, dst, proto, sport, dport);
            // the outer packet of an encap: its tunnel's load-balance, no trie
            let outer = rng.chance(10);
            let outer_lb = if rng.chance(70) {
                rng.range(0, N_LBS - 1) as u32
            } else {
                rng.pick(&[N_LBS as u32, 0x0100_0003, 0x8000_0000, u32::MAX])
            };
            let route = lpm.lookup(fib, dst);
            assert_eq!(route, reference_lookup(&routes, fib, dst), "the trie is the reference");
            let f = software(&mem, if outer { Some(outer_lb) } else { route }, hash);
            if outer {
                if f.lb_bad {
                    outer_bad += 1;
                } else {
                    outer_ok += 1;
                }
            } else if route.is_some() {
                let len = routes.iter().filter(|r| r.0 == fib && (dst ^ r.1) & prefix_mask(r.2) == 0).map(|r| r.2);
                by_len[usize::from(len.max().unwrap())] += 1;
            } else {
                misses += 1;
            }
            lb_bad += usize::from(f.lb_bad);
            bucket_bad += usize::from(f.bucket_bad);
            if f.level >= 3 {
                one_bucket += usize::from(f.n_buckets == 1);
                ecmp += usize::from(f.n_buckets > 1);
            }
            not_adj += usize::from(f.level == 4);
            adj_bad += usize::from(f.adj_bad);
            adjs += usize::from(f.level == 6);
            writeln!(
                v,
                "P {fib:x} {dst:08x} {src:08x} {proto:02x} {sport:04x} {dport:04x} {} {outer_lb:08x} {} {} {} \
                 {hash:08x} {} {:x} {} {}",
                u8::from(outer),
                f.level,
                u8::from(f.found),
                u8::from(f.lb_bad),
                u8::from(f.bucket_bad),
                f.kind,
                u8::from(f.adj_bad),
                entry_hex(bytemuck::bytes_of(&f.adj), 192),
            )
            .unwrap();
        }
    }
    println!(
        "{written} entries written, {reads} read back; hits by prefix length {by_len:?}, misses {misses}; \
         load-balance out of range {lb_bad}, bucket out of range {bucket_bad}, one bucket {one_bucket}, \
         ECMP {ecmp}, not an adjacency {not_adj}, adjacency out of range {adj_bad}, adjacencies {adjs}; \
         outer packets {outer_ok} + {outer_bad} out of range"
    );
    assert!(by_len.iter().all(|&n| n >= 20), "hits at every prefix length: {by_len:?}");
    assert!(
        [misses, lb_bad, bucket_bad, one_bucket, ecmp, not_adj, adj_bad, adjs, outer_ok, outer_bad]
            .iter()
            .all(|&n| n >= 100),
        "the cases that matter occur: misses {misses}, lb out of range {lb_bad}, bucket out of range {bucket_bad}, \
         one bucket {one_bucket}, ECMP {ecmp}, not an adjacency {not_adj}, adjacency out of range {adj_bad}, \
         adjacencies {adjs}, outer {outer_ok} + {outer_bad} out of range"
    );
    for seed in [1, 2] {
        let bench = Bench {
            module: "offload_fib",
            rtl: &["offload_pkg.sv", "offload_util.sv", "offload_hash.sv", "offload_ram.sv", "offload_fib.sv"],
            params: &[
                ("FIB_BITS", FIB_BITS.into()),
                ("GROUP_BITS", GROUP_BITS.into()),
                ("LB_BITS", LB_BITS.into()),
                ("BUCKET_BITS", BUCKET_BITS.into()),
                ("ADJ_BITS", ADJ_BITS.into()),
            ],
        };
        run(bench, &v, &[format!("+seed={seed}")]);
    }
}
