//! The module benches (`hw-rtl/tb/<module>/tb.sv`), each fed random vectors computed
//! by the contract's reference functions. `cargo test -p rtl-benches`.

use common::{beats, entry_hex, no_verilator, run, VECTORS};
use offload_tables::flow_hash::ip4_flow_hash;
use offload_tables::layout::SessionKey;
use offload_tables::session::{buckets_of, hash_key, tag_of};
use rtl_benches::Bench;
use std::fmt::Write;
use test_support::realistic::Rng;

mod common;

#[test]
fn session_hash_matches_the_contract() {
    if no_verilator("session_hash_matches_the_contract") {
        return;
    }
    const BUCKET_BITS: u32 = 11;
    let mut rng = Rng::new(11);
    let mut keys = vec![
        SessionKey::default(),
        SessionKey { src: !0, dst: !0, sport: !0, dport: !0, proto: !0, kind: !0, scope: !0 },
    ];
    keys.extend((0..VECTORS).map(|_| {
        let [a, b] = [rng.next_u64(), rng.next_u64()];
        SessionKey {
            src: a as u32,
            dst: (a >> 32) as u32,
            sport: b as u16,
            dport: (b >> 16) as u16,
            proto: (b >> 32) as u8,
            kind: (b >> 40) as u8,
            scope: (b >> 48) as u16,
        }
    }));
    let mut v = String::new();
    for k in &keys {
        let h = hash_key(k);
        let [b1, b2] = buckets_of(h, (1 << BUCKET_BITS) - 1);
        let [lo, hi] = k.words();
        writeln!(v, "{hi:016x}{lo:016x} {:04x} {b1:08x} {b2:08x}", tag_of(h)).unwrap();
    }
    let bench = Bench {
        module: "offload_session_hash",
        rtl: &["offload_hash.sv"],
        params: &[("BUCKET_BITS", BUCKET_BITS.into())],
    };
    run(bench, &v, &[]);
}

#[test]
fn flow_hash_matches_the_contract() {
    if no_verilator("flow_hash_matches_the_contract") {
        return;
    }
    let mut rng = Rng::new(12);
    // the seed's inner SYN and SYN-ACK (flow_hash.rs), then random flows
    let mut flows =
        vec![(0x0a01_0103u32, 0x0a01_0204u32, 6u8, 49710u16, 8080u16), (0x0a01_0204, 0x0a01_0103, 6, 8080, 49710)];
    flows.extend((0..VECTORS).map(|_| {
        let (a, b) = (rng.next_u64(), rng.next_u64());
        (a as u32, (a >> 32) as u32, b as u8, (b >> 8) as u16, (b >> 24) as u16)
    }));
    let mut v = String::new();
    for (src, dst, proto, sport, dport) in flows {
        let h = ip4_flow_hash(src, dst, proto, sport, dport);
        writeln!(v, "{src:08x} {dst:08x} {proto:02x} {sport:04x} {dport:04x} {h:08x}").unwrap();
    }
    assert!(v.starts_with("0a010103 0a010204 06 c22e 1f90 05e687ea"), "the seed's hash, as flow_hash.rs documents it");
    run(Bench { module: "offload_flow_hash", rtl: &["offload_hash.sv"], params: &[] }, &v, &[]);
}

#[test]
fn ingress_fifo_keeps_every_beat_under_backpressure() {
    if no_verilator("ingress_fifo_keeps_every_beat_under_backpressure") {
        return;
    }
    // A FIFO of 8 beats: packets of 1 byte to 8 full beats, so it fills and drains often.
    const DEPTH_BITS: u32 = 3;
    let max_len = 64 << DEPTH_BITS;
    let mut rng = Rng::new(13);
    let mut v = String::new();
    for _ in 0..2_000 {
        let len = rng.range(1, max_len) as usize;
        let user = rng.next_u64();
        let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        for (i, beat) in bytes.chunks(64).enumerate() {
            // AXI-Stream lanes: byte 0 in bits 7:0, keep contiguous from lane 0
            let data: String = (0..64).rev().map(|b| format!("{:02x}", beat.get(b).copied().unwrap_or(0))).collect();
            let keep = if beat.len() == 64 { u64::MAX } else { (1u64 << beat.len()) - 1 };
            let last = u8::from((i + 1) * 64 >= len);
            writeln!(v, "{data} {keep:016x} {last} {user:016x} {len:04x}").unwrap();
        }
    }
    for seed in [1, 2, 3] {
        let bench = Bench {
            module: "offload_ingress_fifo",
            rtl: &["offload_ingress_fifo.sv"],
            params: &[("DEPTH_BITS", DEPTH_BITS.into())],
        };
        run(bench, &v, &[format!("+seed={seed}")]);
    }
}

#[test]
fn acl_classifier_matches_the_contract() {
    if no_verilator("acl_classifier_matches_the_contract") {
        return;
    }
    use offload_tables::layout::{AclEntry, AclListEntry, AclRuleEntry};
    use sw_fallback::acl::classify_reference;
    use sw_fallback::flow::Flow;
    // the bench's parameters: the RTL's defaults
    const RULES: usize = 32;
    const ACLS: usize = 16;
    const LISTS: usize = 16;
    const MAX_LISTS: u16 = 4;
    let mut rng = Rng::new(14);
    let mut v = String::new();
    // Values drawn from small pools, so flows hit rules' prefixes, protocols and ranges.
    let addrs = [0x0a00_0001u32, 0x0a00_0102, 0x0a01_0000, 0xc0a8_0101, 0x0808_0808];
    let protos = [0u8, 1, 6, 17, 47];
    for _ in 0..200 {
        let rules: Vec<AclRuleEntry> = (0..RULES)
            .map(|i| {
                let lo = rng.range(0, 2000) as u16;
                let dlo = rng.range(0, 2000) as u16;
                AclRuleEntry {
                    src: rng.pick(&addrs),
                    dst: rng.pick(&addrs),
                    src_len: rng.pick(&[0u8, 8, 16, 24, 31, 32]),
                    dst_len: rng.pick(&[0u8, 8, 16, 24, 32]),
                    proto: rng.pick(&protos),
                    action: rng.range(0, 3) as u8,
                    sport_lo: lo,
                    sport_hi: lo.saturating_add(rng.range(0, 3000) as u16),
                    dport_lo: dlo,
                    dport_hi: dlo.saturating_add(rng.range(0, 3000) as u16),
                    tcp_flags_value: rng.pick(&[0u8, 0x02, 0x12, 0x10]),
                    tcp_flags_mask: rng.pick(&[0u8, 0x02, 0x12, 0xff]),
                    acl_index: 0,
                    rule_index: i as u16,
                    ..Default::default()
                }
            })
            .collect();
        // ACLs over consecutive rule ranges (some empty, some reaching past the table)
        let acls: Vec<AclEntry> = (0..ACLS)
            .map(|_| {
                let start = rng.range(0, RULES as u64 - 1) as u32;
                let count =
                    if rng.chance(5) { rng.range(0, 40) } else { rng.range(0, RULES as u64 - u64::from(start)) };
                AclEntry { rule_start: start, rule_count: count as u16, defined: 1 }
            })
            .collect();
        let lists: Vec<AclListEntry> = (0..LISTS)
            .map(|_| AclListEntry { acl_index: if rng.chance(5) { 40 } else { rng.range(0, ACLS as u64 - 1) as u32 } })
            .collect();
        let hex = |entries: Vec<String>| entries.into_iter().rev().collect::<String>();
        writeln!(
            v,
            "T {} {} {}",
            hex(rules.iter().map(|r| entry_hex(bytemuck::bytes_of(r), 176)).collect()),
            hex(acls.iter().map(|a| entry_hex(bytemuck::bytes_of(a), 48)).collect()),
            hex(lists.iter().map(|l| entry_hex(bytemuck::bytes_of(l), 32)).collect()),
        )
        .unwrap();
        for _ in 0..100 {
            let proto = rng.pick(&protos[1..]);
            let (sport, dport) = (rng.range(0, 5000) as u16, rng.range(0, 5000) as u16);
            let (sport, dport) = if proto == 1 { (sport & 0xff, dport & 0xff) } else { (sport, dport) };
            let f = Flow {
                src: rng.pick(&addrs) ^ rng.pick(&[0u32, 1, 0x100, 0x1_0000]),
                dst: rng.pick(&addrs) ^ rng.pick(&[0u32, 1, 0x100]),
                proto,
                sport,
                dport,
                icmp_type: sport as u8,
                icmp_code: dport as u8,
                tcp_flags: rng.pick(&[0x02u8, 0x12, 0x10, 0x11, 0x04]),
                l4_valid: !rng.chance(10),
                ..Default::default()
            };
            let start = rng.range(0, LISTS as u64 - 1) as u16;
            let count = if rng.chance(5) { rng.range(5, 8) as u16 } else { rng.range(0, 4) as u16 };
            // what the RTL may not decide: more lists than it matches, or lists, ACLs or
            // rules outside its tables
            let in_tables = |i: u16| {
                let Some(l) = lists.get(usize::from(start + i)) else { return false };
                let Some(a) = acls.get(l.acl_index as usize) else { return false };
                a.rule_start as usize + usize::from(a.rule_count) <= RULES
            };
            let unsure = count > MAX_LISTS || !(0..count).all(in_tables);
            let verdict = if unsure {
                None
            } else {
                let in_order: Vec<AclRuleEntry> = (0..count)
                    .flat_map(|i| {
                        let a = acls[lists[usize::from(start + i)].acl_index as usize];
                        rules[a.rule_start as usize..a.rule_start as usize + usize::from(a.rule_count)].to_vec()
                    })
                    .collect();
                classify_reference(&in_order, &f)
            };
            writeln!(
                v,
                "F {:08x} {:08x} {:02x} {sport:04x} {dport:04x} {:02x} {} {start:04x} {count:04x} {} {:02x} {}",
                f.src,
                f.dst,
                f.proto,
                f.tcp_flags,
                u8::from(f.l4_valid),
                u8::from(verdict.is_some()),
                verdict.map_or(0, |(action, _, _)| action),
                u8::from(unsure)
            )
            .unwrap();
        }
    }
    let bench = Bench {
        module: "offload_acl",
        rtl: &["offload_pkg.sv", "offload_acl.sv"],
        params: &[("RULE_BITS", 5), ("ACL_BITS", 4), ("LIST_BITS", 4), ("MAX_LISTS", MAX_LISTS.into())],
    };
    run(bench, &v, &[]);
}

#[test]
fn table_memory_reads_as_an_array() {
    if no_verilator("table_memory_reads_as_an_array") {
        return;
    }
    // Two copies of a 16-entry memory; port A writes and reads back, port B reads each
    // copy at its own address when enabled. The model: an array, read before the clock's
    // write lands (both ports read-first), outputs held while port B is not enabled.
    const ADDR_BITS: u32 = 4;
    const REPLICAS: usize = 2;
    let mut rng = Rng::new(15);
    let mut mem = [0u16; 1 << ADDR_BITS];
    let mut b_out = [0u16; REPLICAS];
    let mut v = String::new();
    for _ in 0..VECTORS {
        let we = rng.chance(30);
        let addr = rng.range(0, (1 << ADDR_BITS) - 1) as usize;
        let wdata = rng.next_u64() as u16;
        let en = !rng.chance(25);
        let baddr: Vec<usize> = (0..REPLICAS).map(|_| rng.range(0, (1 << ADDR_BITS) - 1) as usize).collect();
        let a_out = mem[addr];
        if en {
            for (r, a) in baddr.iter().enumerate() {
                b_out[r] = mem[*a];
            }
        }
        if we {
            mem[addr] = wdata;
        }
        let packed_addr = baddr.iter().rev().fold(0usize, |acc, a| (acc << ADDR_BITS) | a);
        let packed_b: String = b_out.iter().rev().map(|d| format!("{d:04x}")).collect();
        writeln!(v, "{} {addr:x} {wdata:04x} {} {packed_addr:02x} {a_out:04x} {packed_b}", u8::from(we), u8::from(en))
            .unwrap();
    }
    let bench = Bench {
        module: "offload_ram",
        rtl: &["offload_ram.sv"],
        params: &[("W", 16), ("ADDR_BITS", ADDR_BITS.into()), ("REPLICAS", REPLICAS as i64)],
    };
    run(bench, &v, &[]);
}

#[test]
fn realigner_inserts_and_strips_headers() {
    if no_verilator("realigner_inserts_and_strips_headers") {
        return;
    }
    // What the pipeline does with it: VXLAN's 50 bytes of outer headers put in front
    // (encap, a put-back punt) or taken off (decap); frames of 1 to 6 beats, the lengths
    // around the beat edges included.
    const HDR: usize = 50;
    let mut rng = Rng::new(17);
    let mut v = String::new();
    for i in 0..3_000 {
        let mode = rng.range(0, 2);
        let edge = [1usize, 13, 14, 15, 49, 50, 51, 63, 64, 65, 114, 128, 129];
        let len = if i < edge.len() * 3 { edge[i % edge.len()] } else { rng.range(1, 384) as usize };
        // a strip takes frames with more than the header (what the decap path sends)
        let len = if mode == 2 { len.max(HDR + 1) } else { len };
        let frame: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        let stash: Vec<u8> = (0..HDR).map(|_| rng.next_u64() as u8).collect();
        let out: Vec<u8> = match mode {
            1 => stash.iter().chain(&frame).copied().collect(),
            2 => frame[HDR..].to_vec(),
            _ => frame.clone(),
        };
        let (bin, bout) = (beats(&frame), beats(&out));
        let stash_hex: String = stash.iter().rev().map(|b| format!("{b:02x}")).collect();
        writeln!(v, "P {mode} {stash_hex} {} {}", bin.len(), bout.len()).unwrap();
        for b in bin.iter().chain(&bout) {
            writeln!(v, "{b}").unwrap();
        }
    }
    for seed in [1, 2] {
        let bench = Bench { module: "offload_realign", rtl: &["offload_realign.sv"], params: &[("HDR", HDR as i64)] };
        run(bench, &v, &[format!("+seed={seed}")]);
    }
}

#[test]
fn counters_count_what_happened() {
    if no_verilator("counters_count_what_happened") {
        return;
    }
    use offload_tables::regs;
    // Two wire ports: outputs 0-1 the wires, 2 the punt port, 3 drops, 4 the loop port.
    const N_PORTS: u64 = 2;
    let mut rng = Rng::new(18);
    let (mut hit, mut miss) = ([0u32; 32], [0u32; 32]);
    let (mut rx, mut tx, mut punt, mut drop) = ([0u32; 16], [0u32; 16], [0u32; 16], [0u32; 64]);
    let mut v = String::new();
    for clock in 0..20_000 {
        // a clear once (every counter at zero, that clock's events not counted)
        let clear = clock == 5_000;
        let ev_rx = rng.chance(60);
        let rx_port = rng.range(0, N_PORTS) as usize;
        let (lk, lk_hit) = (rng.range(0, 3) as usize, rng.range(0, 3) as usize);
        // (the two lookup ports count different tables: the module's contract)
        let t0 = rng.range(0, 31) as usize;
        let tables = [t0, (t0 + rng.range(1, 31) as usize) % 32];
        let ev_out = rng.chance(60);
        let dest = rng.range(0, N_PORTS + 2) as usize;
        let reason = rng.range(0, 63) as usize;
        if clear {
            (hit, miss, rx, tx, punt, drop) = ([0; 32], [0; 32], [0; 16], [0; 16], [0; 16], [0; 64]);
        } else {
            if ev_rx {
                rx[rx_port] += 1;
            }
            for (i, &t) in tables.iter().enumerate() {
                if lk >> i & 1 == 1 {
                    if lk_hit >> i & 1 == 1 {
                        hit[t] += 1;
                    } else {
                        miss[t] += 1;
                    }
                }
            }
            if ev_out {
                match dest as u64 {
                    d if d == N_PORTS + 1 => drop[reason] += 1,
                    d if d == N_PORTS + 2 => {}
                    d => tx[d as usize] += 1,
                }
                if dest as u64 == N_PORTS {
                    punt[reason & 15] += 1;
                }
            }
        }
        writeln!(
            v,
            "E {} {} {rx_port:x} {lk:x} {lk_hit:x} {:03x} {} {dest:x} {reason:02x}",
            u8::from(clear),
            u8::from(ev_rx),
            tables[0] | tables[1] << 5,
            u8::from(ev_out)
        )
        .unwrap();
    }
    let banks: [(u32, &[u32]); 6] = [
        (regs::CNT_TABLE_HIT, &hit),
        (regs::CNT_TABLE_MISS, &miss),
        (regs::CNT_RX, &rx),
        (regs::CNT_TX, &tx),
        (regs::CNT_PUNT, &punt),
        (regs::CNT_DROP, &drop),
    ];
    for (base, bank) in banks {
        for (i, n) in bank.iter().enumerate() {
            writeln!(v, "C {:04x} {n:08x}", base + 4 * i as u32).unwrap();
        }
    }
    let bench = Bench {
        module: "offload_counters",
        rtl: &["offload_pkg.sv", "offload_util.sv", "offload_counters.sv"],
        params: &[("N_PORTS", 2)],
    };
    run(bench, &v, &[]);
}
