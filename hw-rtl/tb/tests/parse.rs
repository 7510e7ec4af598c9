//! The parser's bench (`hw-rtl/tb/offload_parse/tb.sv`): random frames (TCP, UDP, ICMP and
//! other protocols, with random corruptions, Ethernet padding and short frames) on random
//! inputs, against what the software path reads of them: `ip4-input`'s checks and the
//! flow (`sw_fallback::flow::check_ip4`, `flow_of`), the L4 header checks of
//! `sw_fallback::wire`, and the interface the packet enters as (the port map, or the
//! inject and loop metadata, `offload_tables::regs::meta`). `cargo test -p rtl-benches`.

mod common;

use common::{entry_hex, no_verilator, random_l4, run, VECTORS};
use offload_tables::regs::meta;
use rtl_benches::Bench;
use std::fmt::Write;
use sw_fallback::flow::{check_ip4, Flow, Ip4Check, L3_OFFSET};
use sw_fallback::wire::{icmp::IcmpPacket, tcp::TcpPacket, udp::UdpPacket};
use test_support::frames::{csum, ethernet, Frag, Ip4Spec};
use test_support::realistic::Rng;

/// The bench's wire ports (`offload_parse`'s N_PORTS in the top's default build).
const N_PORTS: u8 = 2;
/// The inputs after the wire ports: the host's inject port, the loop port.
const IN_INJECT: u8 = N_PORTS;
const IN_LOOP: u8 = N_PORTS + 1;

fn random<const N: usize>(rng: &mut Rng) -> [u8; N] {
    std::array::from_fn(|_| rng.next_u64() as u8)
}

/// A valid IPv4 packet in an Ethernet frame: TCP, UDP, ICMP or another protocol, now and
/// then with options, fragmented, to a multicast address, or with a TTL at the edges.
fn packet(rng: &mut Rng) -> Vec<u8> {
    let any_proto = rng.range(2, 255) as u8;
    let any_proto = if any_proto == 6 || any_proto == 17 { 47 } else { any_proto };
    let l4 = random_l4(rng, &[2, 4, 41, 47, 50, any_proto]);
    let dst = if rng.chance(8) { 0xe000_0000 | rng.next_u64() as u32 >> 4 } else { rng.next_u64() as u32 };
    let spec = Ip4Spec {
        src: rng.next_u64() as u32,
        dst,
        ttl: if rng.chance(10) { rng.pick(&[0, 1, 2, 255]) } else { rng.range(2, 255) as u8 },
        ident: rng.next_u64() as u16,
        options_words: if rng.chance(5) { rng.range(1, 10) as u8 } else { 0 },
        frag: match rng.range(0, 40) {
            0 => Frag::First,
            1 => Frag::NonFirst(1, rng.chance(50)),
            2 => Frag::NonFirst(rng.range(1, 0x2000) as u16, rng.chance(50)),
            _ => Frag::None,
        },
        l4,
        payload: (0..rng.range(0, 100)).map(|_| rng.next_u64() as u8).collect(),
    };
    ethernet(random(rng), random(rng), 0x0800, &spec.bytes())
}

fn be16(b: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([b[i], b[i + 1]])
}

fn set16(b: &mut [u8], i: usize, v: u16) {
    b[i..i + 2].copy_from_slice(&v.to_be_bytes());
}

/// Writes a valid header checksum over the IPv4 header (as much of it as the frame holds).
fn fix_ip_checksum(frame: &mut [u8]) {
    let ihl = (usize::from(frame[L3_OFFSET] & 0x0f) * 4).max(20);
    let end = (L3_OFFSET + ihl).min(frame.len());
    set16(frame, L3_OFFSET + 10, 0);
    let c = csum(&frame[L3_OFFSET..end], 0);
    set16(frame, L3_OFFSET + 10, c);
}

/// A frame: mostly a valid packet with random corruptions of the fields ip4-input and
/// the L4 checks look at, Ethernet padding, truncation; now and then a short one.
fn frame(rng: &mut Rng) -> Vec<u8> {
    if rng.chance(3) {
        // a short frame, IPv4 or not
        let mut f: Vec<u8> = (0..rng.range(14, 40)).map(|_| rng.next_u64() as u8).collect();
        if rng.chance(70) {
            set16(&mut f, 12, 0x0800);
            if f.len() > L3_OFFSET {
                f[L3_OFFSET] = 0x45;
            }
        }
        return f;
    }
    let mut f = packet(rng);
    let ip_len = usize::from(be16(&f, L3_OFFSET + 2));
    let l4 = L3_OFFSET + usize::from(f[L3_OFFSET] & 0x0f) * 4;
    let proto = f[L3_OFFSET + 9];
    let mut header = false; // an IPv4 header field changed: fix the checksum, mostly
    let any = rng.next_u64();
    if rng.chance(4) {
        set16(&mut f, 12, rng.pick(&[0x86dd, 0x0806, 0x8100, 0x0801, 0x0008, any as u16]));
    }
    if rng.chance(3) {
        f[L3_OFFSET] = (rng.pick(&[0u8, 5, 6, 15, any as u8 & 0x0f]) << 4) | (f[L3_OFFSET] & 0x0f);
        header = true;
    }
    if rng.chance(4) {
        f[L3_OFFSET] = 0x40 | rng.range(0, 15) as u8;
        header = true;
    }
    if rng.chance(8) {
        let len = rng.pick(&[
            0,
            19,
            20,
            21,
            27,
            28,
            39,
            40,
            ip_len - 1,
            ip_len + 1,
            f.len() - L3_OFFSET,
            f.len() - L3_OFFSET + 1,
            usize::from(any as u16),
        ]);
        set16(&mut f, L3_OFFSET + 2, len as u16);
        header = true;
    }
    if rng.chance(5) {
        // the reserved bit and DF (neither a fragment), MF, offsets
        let ff = rng.pick(&[0x8000u16, 0x4000, 0x2000, 0x0001, 0x4001, 0x1fff, any as u16]);
        set16(&mut f, L3_OFFSET + 6, ff);
        header = true;
    }
    if rng.chance(4) {
        f[L3_OFFSET + 8] = rng.pick(&[0, 1, 2]);
        header = true;
    }
    if rng.chance(2) {
        f[L3_OFFSET + 9] = rng.pick(&[1, 6, 17, any as u8]);
        header = true;
    }
    if proto == 6 && l4 + 13 < f.len() && rng.chance(15) {
        f[l4 + 12] = (rng.pick(&[0u8, 1, 4, 5, 6, 8, 15]) << 4) | (f[l4 + 12] & 0x0f);
    }
    if proto == 17 && l4 + 8 <= f.len() && rng.chance(15) {
        let ulen = be16(&f, l4 + 4);
        let new = rng.pick(&[0, 7, 8, 9, ulen - 1, ulen + 1, (ip_len + L3_OFFSET - l4) as u16, any as u16]);
        set16(&mut f, l4 + 4, new);
    }
    if header && rng.chance(75) {
        fix_ip_checksum(&mut f);
    }
    if rng.chance(4) {
        let bit = rng.range(0, 15);
        let c = be16(&f, L3_OFFSET + 10) ^ (1 << bit);
        set16(&mut f, L3_OFFSET + 10, c);
    }
    if rng.chance(25) {
        // Ethernet padding: longer than the IPv4 packet
        let pad = rng.range(1, 48);
        f.extend((0..pad).map(|_| rng.next_u64() as u8));
    }
    if rng.chance(6) {
        let cut = rng.range(14, f.len() as u64 - 1) as usize;
        f.truncate(cut);
    }
    f
}

/// The L4 header of a TCP, UDP or ICMP packet is malformed: software's own header checks
/// (`sw_fallback::wire`'s `new_checked`) refuse the L4 bytes of the IPv4 packet. For TCP
/// and ICMP that is the flow's `!l4_complete`, what software's NAT drops as BadL4Header;
/// UDP's also checks the length field (8 up to the packet's L4 bytes), which software does
/// not look at when it forwards: the NIC punts such a packet (a conservative Exception).
fn l4_malformed(frame: &[u8], f: &Flow) -> bool {
    let l4 = &frame[f.l4_offset()..L3_OFFSET + usize::from(f.ip_len)];
    match f.proto {
        6 => TcpPacket::new_checked(l4).is_err(),
        17 => UdpPacket::new_checked(l4).is_err(),
        1 => IcmpPacket::new_checked(l4).is_err(),
        _ => false,
    }
}

/// What the bench checks of a frame's parse.
struct Want {
    exception: bool,
    /// 0: only the interface and the flag (software reads no IPv4 header); 1: the IPv4
    /// header's fields too (software read the header, but the NIC does not forward the
    /// packet); 2: everything (the NIC forwards it).
    level: u8,
    f: Flow,
    /// Why not forwarded (for the bench's tally).
    why: &'static str,
}

/// What software makes of the frame.
fn want(frame: &[u8]) -> Want {
    let none = |why| Want { exception: true, level: 0, f: Flow::default(), why };
    // not IPv4: ip4-input drops it (NotIp4), or ARP's (the ethertype test in
    // `Dataplane::ip4_input`, a private function: stated here)
    if be16(frame, 12) != 0x0800 {
        return none("not IPv4");
    }
    match check_ip4(&frame[L3_OFFSET..]) {
        // ip4-input's drops: truncated, version, IHL, header checksum, lengths, offset 1
        Ip4Check::Drop(r) => none(r.as_str()),
        // TTL 0 (time exceeded) and options (ip4-options): software's, not forwarded here
        Ip4Check::TimeExpired(f) => Want { exception: true, level: 1, f, why: "TTL 0" },
        Ip4Check::Options(f) => Want { exception: true, level: 1, f, why: "options" },
        Ip4Check::Ok(f) => {
            // Forwarded by ip4-input, but not by the NIC (offload_parse's rule, stated
            // over software's flow): TTL 1 (ip4-rewrite, or NAT first, answers with time
            // exceeded); fragments (software's NAT drops non-first ones, and the NIC
            // takes no fragment); multicast (ip4-input's `f.dst >> 28 == 0xe`: the mfib);
            // a malformed TCP, UDP or ICMP header.
            let why = if f.ttl <= 1 {
                "TTL 1"
            } else if f.is_fragment {
                "fragment"
            } else if f.dst >> 28 == 0xe {
                "multicast"
            } else if l4_malformed(frame, &f) {
                match f.proto {
                    6 => "TCP header",
                    17 => "UDP header",
                    _ => "ICMP header",
                }
            } else {
                ""
            };
            let exception = !why.is_empty();
            Want { exception, level: if exception { 1 } else { 2 }, f, why }
        }
    }
}

#[test]
fn parse_reads_what_software_reads() {
    if no_verilator("parse_reads_what_software_reads") {
        return;
    }
    let mut rng = Rng::new(22);
    let mut v = String::new();
    let (mut forwarded, mut padded, mut short) = ([0usize; 4], 0, 0);
    let mut why = std::collections::BTreeMap::<&str, usize>::new();
    for _ in 0..VECTORS {
        let frame = frame(&mut rng);
        let input = rng.range(0, u64::from(IN_LOOP)) as u8;
        let port_map: [u16; N_PORTS as usize] = std::array::from_fn(|_| rng.next_u64() as u16);
        let md = match input {
            IN_INJECT if rng.chance(30) => meta::inject_direct(rng.range(0, u64::from(N_PORTS) - 1) as u8),
            IN_INJECT if rng.chance(50) => meta::inject_into_pipeline(rng.next_u64() as u16),
            _ => rng.next_u64(),
        };
        // the interface: a wire port's from the port map; inject and loop packets enter as
        // their metadata's SW_IF_INDEX; DIRECT is inject metadata's
        let sw_if_index =
            if input < N_PORTS { port_map[usize::from(input)] } else { meta::get(md, meta::SW_IF_INDEX) as u16 };
        let direct = input == IN_INJECT && meta::get(md, meta::DIRECT) == 1;
        let w = want(&frame);
        let f = &w.f;
        if w.level == 2 {
            forwarded[match f.proto {
                6 => 0,
                17 => 1,
                1 => 2,
                _ => 3,
            }] += 1;
            padded += usize::from(frame.len() > L3_OFFSET + usize::from(f.ip_len));
        }
        if w.exception {
            *why.entry(w.why).or_default() += 1;
        }
        short += usize::from(frame.len() < 34);
        // the RTL's ICMP field: type and code; its L4 validity: TCP, UDP or ICMP with a
        // whole header, which NAT can translate (software's `l4_complete` for those; other
        // protocols have no L4 header for the NIC)
        let icmp = u16::from(f.icmp_type) << 8 | u16::from(f.icmp_code);
        let l4_valid = matches!(f.proto, 1 | 6 | 17) && f.l4_complete;
        let map: String = port_map.iter().rev().map(|p| format!("{p:04x}")).collect();
        let mut beat = frame[..frame.len().min(64)].to_vec();
        beat.resize(64, 0);
        writeln!(
            v,
            "P {input:x} {md:016x} {map} {:04x} {} {sw_if_index:04x} {} {} {} {:02x} {:08x} {:08x} {:04x} {:04x} \
             {icmp:04x} {:02x} {:02x} {:04x} {:02x} {}",
            frame.len(),
            entry_hex(&beat, 512),
            u8::from(direct),
            u8::from(w.exception),
            w.level,
            f.proto,
            f.src,
            f.dst,
            f.sport,
            f.dport,
            f.tcp_flags,
            f.ttl,
            f.ip_len,
            f.l4_offset(),
            u8::from(l4_valid),
        )
        .unwrap();
    }
    let total: usize = forwarded.iter().sum();
    println!(
        "{VECTORS} frames: {total} forwarded (TCP, UDP, ICMP, other: {forwarded:?}; {padded} padded), \
         {short} shorter than 34 bytes; exceptions: {why:?}"
    );
    assert!(forwarded.iter().all(|&n| n > 500) && padded > 500 && short > 200);
    for cause in ["not IPv4", "TTL 0", "TTL 1", "options", "fragment", "multicast"] {
        assert!(why.get(cause).is_some_and(|&n| n > 100), "too few exceptions for {cause}: {why:?}");
    }
    for cause in ["ICMP header", "TCP header", "UDP header"] {
        assert!(why.get(cause).is_some_and(|&n| n > 30), "too few exceptions for {cause}: {why:?}");
    }
    let bench = Bench {
        module: "offload_parse",
        rtl: &["offload_pkg.sv", "offload_util.sv", "offload_parse.sv"],
        params: &[("N_PORTS", N_PORTS.into())],
    };
    run(bench, &v, &[]);
}
