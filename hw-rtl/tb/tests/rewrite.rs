//! The header rewrite's bench (`hw-rtl/tb/offload_rewrite/tb.sv`): random IPv4 first
//! beats through NAT by a session entry and ip4-rewrite by an adjacency, against the
//! software path's own functions (`sw_fallback::nat::apply`, then ip4-rewrite's TTL
//! decrement and L2 header as `sw-fallback/src/pipeline.rs` does them).
//! `cargo test -p rtl-benches`.

mod common;

use common::{entry_hex, no_verilator, random_l4, run, VECTORS};
use offload_tables::checksum;
use offload_tables::layout::{session_flags, AdjacencyEntry, SessionEntry, SessionKey};
use rtl_benches::Bench;
use std::fmt::Write;
use sw_fallback::flow::{parse_ip4, Flow, L3_OFFSET};
use sw_fallback::nat::{self, Tuple};
use test_support::frames::{check_frame, ethernet, Frag, Ip4Spec};
use test_support::realistic::Rng;

/// The L4 offset of every packet the NIC rewrites: it takes 20-byte IPv4 headers only.
const L4_OFFSET: usize = L3_OFFSET + 20;

/// A random IPv4 packet in a frame of at least one whole beat (padded with random bytes).
fn packet(rng: &mut Rng) -> Vec<u8> {
    let any_proto = rng.range(18, 255) as u8;
    let l4 = random_l4(rng, &[2, 4, 41, 47, 50, 51, 89, 132, any_proto]);
    let payload: Vec<u8> = (0..rng.range(0, 80)).map(|_| rng.next_u64() as u8).collect();
    let spec = Ip4Spec {
        src: rng.next_u64() as u32,
        dst: rng.next_u64() as u32,
        ttl: if rng.chance(10) { rng.pick(&[2, 255]) } else { rng.range(2, 255) as u8 },
        ident: rng.next_u64() as u16,
        options_words: 0,
        frag: Frag::None,
        l4,
        payload,
    };
    let mut frame = ethernet(random(rng), random(rng), 0x0800, &spec.bytes());
    while frame.len() < 64 {
        frame.push(rng.next_u64() as u8);
    }
    frame
}

fn random<const N: usize>(rng: &mut Rng) -> [u8; N] {
    std::array::from_fn(|_| rng.next_u64() as u8)
}

/// Whether the NIC translates this packet when a session says so: TCP, UDP and ICMP echo
/// (`offload_nat.sv` leaves other ICMP to software; `offload_parse.sv` gives other
/// protocols no L4 header to look up).
fn nat_takes(f: &Flow) -> bool {
    matches!(f.proto, 6 | 17) || (f.proto == 1 && matches!(f.icmp_type, 0 | 8))
}

/// A session entry moving the sides `flags` names from the packet's tuple to random
/// ones. `exact`: the deltas and the sides left alone as software's slow path makes them
/// (`nat.rs`'s `rewrite_entry`: only changed fields in the deltas), so the translated
/// packet's checksums verify; else every field random (the RTL must apply whatever
/// delta it is given, and ignore the sides it does not rewrite).
fn session_entry(rng: &mut Rng, f: &Flow, flags: u16, exact: bool) -> SessionEntry {
    let from = Tuple::of(f);
    let mut to = from;
    let (src, dst) = (flags & session_flags::REWRITE_SRC != 0, flags & session_flags::REWRITE_DST != 0);
    if src {
        (to.src, to.sport) = (rng.next_u64() as u32, rng.next_u64() as u16);
    }
    if dst {
        (to.dst, to.dport) = (rng.next_u64() as u32, rng.next_u64() as u16);
    }
    let key = SessionKey {
        src: f.src,
        dst: f.dst,
        sport: f.sport,
        dport: f.dport,
        proto: f.proto,
        kind: rng.range(1, 6) as u8,
        scope: rng.next_u64() as u16,
    };
    let mut e = SessionEntry {
        key,
        new_src: to.src,
        new_dst: to.dst,
        new_sport: to.sport,
        new_dport: to.dport,
        session_index: rng.next_u64() as u32,
        flags: flags | session_flags::VALID | if rng.chance(50) { session_flags::REVERSE } else { 0 },
        tcp_flags_seen: rng.next_u64() as u16,
        last_seen: rng.next_u64() as u32,
        ..Default::default()
    };
    if exact {
        let side = |t: Tuple, moved: (bool, bool)| {
            let (s, d) = moved;
            (
                if s { t.src } else { 0 },
                if d { t.dst } else { 0 },
                if s { t.sport } else { 0 },
                if d { t.dport } else { 0 },
            )
        };
        (e.ip_delta, e.l4_delta) = checksum::nat_deltas(f.proto, side(from, (src, dst)), side(to, (src, dst)));
        if f.proto == 1 {
            // the echo identifier moves from the side that moved (the source's if both)
            let (old, new) = if src { (from.sport, to.sport) } else { (from.dport, to.dport) };
            e.l4_delta = checksum::fold(checksum::add16(0, old, new));
        }
    } else {
        (e.ip_delta, e.l4_delta) = (rng.next_u64() as u16, rng.next_u64() as u16);
        if !src {
            (e.new_src, e.new_sport) = (rng.next_u64() as u32, rng.next_u64() as u16);
        }
        if !dst {
            (e.new_dst, e.new_dport) = (rng.next_u64() as u32, rng.next_u64() as u16);
        }
    }
    e
}

/// ip4-rewrite on a packet it forwards (TTL above 1, not locally originated), as
/// `Dataplane::ip4_rewrite_adj` does it: the TTL decrement with its incremental checksum,
/// then the adjacency's L2 header.
fn ip4_rewrite(frame: &mut [u8], adj: &AdjacencyEntry) {
    let hdr = &mut frame[L3_OFFSET..];
    let old = u16::from_be_bytes([hdr[8], hdr[9]]);
    hdr[8] = hdr[8].wrapping_sub(1);
    let new = u16::from_be_bytes([hdr[8], hdr[9]]);
    let c = checksum::update16(u16::from_be_bytes([hdr[10], hdr[11]]), old, new);
    hdr[10..12].copy_from_slice(&c.to_be_bytes());
    frame[..14].copy_from_slice(&adj.rewrite);
}

#[test]
fn rewrite_matches_software() {
    if no_verilator("rewrite_matches_software") {
        return;
    }
    const SRC: u16 = session_flags::REWRITE_SRC;
    const DST: u16 = session_flags::REWRITE_DST;
    let mut rng = Rng::new(20);
    let mut v = String::new();
    let (mut translated, mut udp_none, mut udp_to_ffff) = (0, 0, 0);
    for i in 0..VECTORS {
        let mut frame = packet(&mut rng);
        let mut f = parse_ip4(&frame[L3_OFFSET..]).expect("a valid IPv4 packet");
        assert!(f.l4_complete && f.ttl > 1);
        // NAT applies to two in three packets it can take, with the four combinations of
        // the entry's flags; else both enables are 0 and the entry is whatever was read
        let flags = [0, SRC, DST, SRC | DST][i % 4];
        let nat_on = nat_takes(&f) && rng.range(0, 2) != 0;
        let exact = rng.chance(50);
        let entry = session_entry(&mut rng, &f, flags, exact);
        let (nat_src, nat_dst) = if nat_on { (flags & SRC != 0, flags & DST != 0) } else { (false, false) };
        // a UDP checksum whose update comes to 0 (sent as ffff), now and then
        if nat_on && flags != 0 && f.proto == 17 && !exact && rng.chance(20) {
            let c = !0xffffu16.wrapping_sub(entry.l4_delta);
            if c != 0 && checksum::apply(c, entry.l4_delta) == 0 {
                frame[L4_OFFSET + 6..L4_OFFSET + 8].copy_from_slice(&c.to_be_bytes());
                udp_to_ffff += 1;
            }
        }
        udp_none += usize::from(nat_on && flags != 0 && f.proto == 17 && frame[L4_OFFSET + 6..L4_OFFSET + 8] == [0, 0]);
        let adj = AdjacencyEntry {
            next_hop: rng.next_u64() as u32,
            sw_if_index: rng.next_u64() as u16,
            mtu: rng.next_u64() as u16,
            rewrite: random(&mut rng),
            _pad: [0; 2],
        };
        let data = frame[..64].to_vec();
        let mut want = frame.clone();
        if nat_on {
            nat::apply(&mut want, L3_OFFSET, &mut f, &entry);
            translated += usize::from(flags != 0);
        }
        ip4_rewrite(&mut want, &adj);
        if (exact || !nat_on || flags == 0) && matches!(f.proto, 1 | 6 | 17) {
            // the bench's own check: software's result is a valid packet (with its
            // checksums; other protocols' payloads are random, no headers to parse)
            check_frame(&want).unwrap_or_else(|e| panic!("packet {i}: {e}"));
        }
        let proto = want[L3_OFFSET + 9];
        let icmp_type = if proto == 1 { data[L4_OFFSET] } else { 0 };
        writeln!(
            v,
            "R {} {} {proto:02x} {icmp_type:02x} {:02x} {L4_OFFSET:02x} {} {} {} {}",
            u8::from(nat_src),
            u8::from(nat_dst),
            data[L3_OFFSET + 8],
            entry_hex(bytemuck::bytes_of(&entry), 384),
            entry_hex(bytemuck::bytes_of(&adj), 192),
            entry_hex(&data, 512),
            entry_hex(&want[..64], 512),
        )
        .unwrap();
    }
    println!("{VECTORS} packets, {translated} translated ({udp_none} UDP without a checksum, {udp_to_ffff} UDP checksums to ffff)");
    assert!(translated > VECTORS / 3 && udp_none > 100 && udp_to_ffff > 20);
    let bench = Bench {
        module: "offload_rewrite",
        rtl: &["offload_pkg.sv", "offload_util.sv", "offload_rewrite.sv"],
        params: &[],
    };
    run(bench, &v, &[]);
}
