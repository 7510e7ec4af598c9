//! The L2 lookups' bench (`hw-rtl/tb/offload_l2_lookup/tb.sv`): vxlan4-input's tunnel
//! lookup and l2-input's L2 FIB lookup and learning check over random small tables, against
//! a model of software's maps. `cargo test -p rtl-benches`.

mod common;

use common::{entry_hex, no_verilator, run, VECTORS};
use offload_tables::layout::{bd_flags, InterfaceEntry, L2FibEntry, VxlanTunnelEntry};
use rtl_benches::Bench;
use std::collections::HashMap;
use std::fmt::Write;
use test_support::realistic::Rng;

const IF_BITS: u32 = 4;
const L2FIB_BITS: u32 = 4;
const VXLAN_BITS: u32 = 3;

/// A MAC as the RTL sees it: the contract's bytes little-endian (byte 0, with the group
/// bit, lowest).
fn mac48(mac: [u8; 6]) -> u64 {
    mac.iter().rev().fold(0, |acc, &b| acc << 8 | u64::from(b))
}

/// The model. sw-fallback's lookups are private to its `Dataplane` (maps it builds from
/// the rendered tables in `Dataplane::new`, no function over `offload_tables::Tables` to
/// call), so these are the same maps built the same way: keyed as software keys them,
/// filled in table order so that the last of equal keys wins (`collect` / `insert`). The
/// flat tables' empty slots (sw_if_index 0) are the slots software's tables do not have.
struct Model {
    /// vxlan4-input: (src, dst, VNI) of the tunnel → its sw_if_index; looked up by
    /// (packet dst, packet src, VNI).
    tunnels: HashMap<(u32, u32, u32), u16>,
    /// l2-input / l2-fwd: (bridge domain, MAC) → (sw_if_index, flags).
    l2fib: HashMap<(u16, [u8; 6]), (u16, u8)>,
}

impl Model {
    fn new(vxlan: &[VxlanTunnelEntry], l2fib: &[L2FibEntry]) -> Self {
        Model {
            tunnels: vxlan
                .iter()
                .filter(|t| t.sw_if_index != 0)
                .map(|t| ((t.src, t.dst, t.vni), t.sw_if_index))
                .collect(),
            l2fib: l2fib
                .iter()
                .filter(|e| e.sw_if_index != 0)
                .map(|e| ((e.bd_index, e.mac), (e.sw_if_index, e.flags)))
                .collect(),
        }
    }

    fn tunnel(&self, src: u32, dst: u32, vni: u32) -> Option<u16> {
        self.tunnels.get(&(dst, src, vni)).copied()
    }

    /// The member of (bd, dst) and whether the source is nothing to learn: all-zero (l2-learn
    /// learns any other source, group ones included), known in the bd, or the bd does not learn.
    fn l2(&self, ife: &InterfaceEntry, dst: [u8; 6], src: [u8; 6]) -> (Option<(u16, u8)>, bool) {
        let src_ok =
            src == [0; 6] || self.l2fib.contains_key(&(ife.bd_index, src)) || ife.bd_flags & bd_flags::LEARN == 0;
        (self.l2fib.get(&(ife.bd_index, dst)).copied(), src_ok)
    }
}

#[test]
fn l2_lookup_matches_the_model() {
    if no_verilator("l2_lookup_matches_the_model") {
        return;
    }
    let (nv, nf) = (1usize << VXLAN_BITS, 1usize << L2FIB_BITS);
    let mut rng = Rng::new(20);
    // small pools, so that keys repeat: hits, misses and duplicate keys
    let addrs = [0x0a00_0001u32, 0x0a00_0002, 0xc0a8_0001];
    // (0x0100_000a: no 24-bit VNI of a packet matches it)
    let vnis = [10u32, 20, 0xff_ffff, 0x0100_000a];
    // sw_if_index: 0 is an empty slot; 16 and up are outside the interface table (IF_BITS)
    let sws = [0u16, 0, 1, 2, 3, 7, 15, 16, 17, 300];
    let bds = [0u16, 1, 2];
    let macs: [[u8; 6]; 7] = [
        [0; 6],
        [0x02, 0, 0, 0, 0, 0x01],
        [0x02, 0, 0, 0, 0, 0x02],
        [0x52, 0x54, 0, 0x12, 0x34, 0x56],
        [0x03, 0, 0, 0, 0, 0x01], // group
        [0x01, 0x00, 0x5e, 0, 0, 0x01],
        [0xff; 6],
    ];
    let (mut dup_hits, mut empty_keys, mut groups, mut to_learn, mut out_of_range) = (0, 0, 0, 0, 0);
    let mut v = String::new();
    // the tunnel result in flight (registered at s9, then at s10)
    let mut s9_tunnel = (false, 0u16);
    let rounds = 100;
    for _ in 0..rounds {
        let mut vxlan: Vec<VxlanTunnelEntry> = Vec::with_capacity(nv);
        for i in 0..nv {
            let mut t = VxlanTunnelEntry {
                src: rng.pick(&addrs),
                dst: rng.pick(&addrs),
                vni: rng.pick(&vnis),
                sw_if_index: rng.pick(&sws),
                encap_fib_index: rng.next_u64() as u16,
                outer_lb: rng.next_u64() as u32,
            };
            if i > 0 && rng.chance(30) {
                let d = vxlan[rng.range(0, i as u64 - 1) as usize];
                (t.src, t.dst, t.vni) = (d.src, d.dst, d.vni);
            }
            vxlan.push(t);
        }
        let mut l2fib: Vec<L2FibEntry> = Vec::with_capacity(nf);
        for i in 0..nf {
            let mut e = L2FibEntry {
                mac: rng.pick(&macs),
                bd_index: rng.pick(&bds),
                sw_if_index: rng.pick(&sws),
                flags: rng.next_u64() as u8,
                ..Default::default()
            };
            if i > 0 && rng.chance(30) {
                let d = l2fib[rng.range(0, i as u64 - 1) as usize];
                (e.mac, e.bd_index) = (d.mac, d.bd_index);
            }
            l2fib.push(e);
        }
        let model = Model::new(&vxlan, &l2fib);
        let hex = |entries: Vec<String>| entries.into_iter().rev().collect::<String>();
        writeln!(
            v,
            "T {} {}",
            hex(vxlan.iter().map(|t| entry_hex(bytemuck::bytes_of(t), 160)).collect()),
            hex(l2fib.iter().map(|e| entry_hex(bytemuck::bytes_of(e), 128)).collect()),
        )
        .unwrap();
        for _ in 0..VECTORS / rounds {
            // s8: a packet from a tunnel's remote to its local end, or any
            let (src, dst, vni) = if rng.chance(70) {
                let t = rng.pick(&vxlan);
                (t.dst, t.src, t.vni & 0xff_ffff)
            } else {
                (rng.pick(&addrs), rng.pick(&addrs), rng.pick(&vnis) & 0xff_ffff)
            };
            let tunnel = model.tunnel(src, dst, vni);
            let same_key = |t: &&VxlanTunnelEntry| (t.src, t.dst, t.vni) == (dst, src, vni);
            let keyed: Vec<u16> = vxlan.iter().filter(same_key).map(|t| t.sw_if_index).collect();
            dup_hits += usize::from(keyed.iter().filter(|&&s| s != 0).count() > 1);
            empty_keys += usize::from(keyed.contains(&0));
            // s9: l2-input on the BVI (the adjacency's MACs) or the tunnel interface (the
            // inner frame's), each interface entry random but its bridge domain, flags and ACL
            let mut ifs = [InterfaceEntry::default(); 2];
            for ife in &mut ifs {
                for b in bytemuck::bytes_of_mut(ife) {
                    *b = rng.next_u64() as u8;
                }
                ife.bd_index = rng.pick(&[0, 1, 2, 3, 0xffff]);
                ife.bd_flags =
                    rng.pick(&[0, bd_flags::LEARN, bd_flags::LEARN | bd_flags::FLOOD, bd_flags::FORWARD, 0xff]);
                ife.acl_in_count = rng.pick(&[0, 0, 1, 3, 0x100]);
            }
            let [bvi_if, tunnel_if] = ifs;
            let mac = |rng: &mut Rng| {
                if rng.chance(70) {
                    rng.pick(&l2fib).mac
                } else if rng.chance(70) {
                    rng.pick(&macs)
                } else {
                    rng.next_u64().to_le_bytes()[..6].try_into().unwrap()
                }
            };
            let (adj, inner) = ([mac(&mut rng), mac(&mut rng)], [mac(&mut rng), mac(&mut rng)]);
            let bvi = rng.chance(50);
            let (ife, [dmac, smac]) = if bvi { (&bvi_if, adj) } else { (&tunnel_if, inner) };
            let (member, src_ok) = model.l2(ife, dmac, smac);
            let keyed = l2fib.iter().filter(|e| (e.bd_index, e.mac) == (ife.bd_index, dmac));
            let keyed: Vec<u16> = keyed.map(|e| e.sw_if_index).collect();
            dup_hits += usize::from(keyed.iter().filter(|&&s| s != 0).count() > 1);
            empty_keys += usize::from(keyed.contains(&0));
            groups += usize::from(dmac[0] & 1 == 1);
            to_learn += usize::from(!src_ok);
            // s10 after this clock: the tunnel of the previous s8 inputs, this clock's L2
            let (tunnel_hit, tunnel_sw) = s9_tunnel;
            let in_range = |sw: u16| sw < 1 << IF_BITS;
            s9_tunnel = tunnel.map_or((false, 0), |sw| (in_range(sw), sw));
            out_of_range += usize::from(tunnel.is_some_and(|sw| !in_range(sw)));
            let (l2_sw, l2_flags) = member.unwrap_or((0, 0));
            let macs96 = |[d, s]: [[u8; 6]; 2]| format!("{:012x}{:012x}", mac48(s), mac48(d));
            writeln!(
                v,
                "E {src:08x} {dst:08x} {vni:06x} {} {} {} {} {} {:04x} {l2_sw:04x} {} {tunnel_sw:04x} {} {} {} {} \
                 {l2_sw:04x} {l2_flags:02x} {}",
                u8::from(bvi),
                entry_hex(bytemuck::bytes_of(&bvi_if), 288),
                entry_hex(bytemuck::bytes_of(&tunnel_if), 288),
                macs96(adj),
                macs96(inner),
                tunnel.unwrap_or(0),
                u8::from(tunnel_hit),
                u8::from(tunnel_if.acl_in_count != 0),
                u8::from(member.is_some()),
                dmac[0] & 1,
                u8::from(src_ok),
                u8::from(in_range(l2_sw)),
            )
            .unwrap();
        }
    }
    println!(
        "cases: duplicates {dup_hits}, empty slots {empty_keys}, group MACs {groups}, sources to learn {to_learn}, \
         tunnels out of range {out_of_range}"
    );
    assert!(
        [dup_hits, empty_keys, groups, to_learn, out_of_range].iter().all(|&n| n > 200),
        "the cases that matter occur: duplicates {dup_hits}, empty slots {empty_keys}, group MACs {groups}, \
         sources to learn {to_learn}, tunnels out of range {out_of_range}"
    );
    let bench = Bench {
        module: "offload_l2_lookup",
        rtl: &["offload_pkg.sv", "offload_l2_lookup.sv"],
        params: &[("IF_BITS", IF_BITS.into()), ("L2FIB_BITS", L2FIB_BITS.into()), ("VXLAN_BITS", VXLAN_BITS.into())],
    };
    run(bench, &v, &[]);
}
