//! The VXLAN encap's bench (`hw-rtl/tb/offload_vxlan_encap/tb.sv`): random tunnels, inner
//! flow hashes and inner lengths, against the outer headers software writes
//! (`sw_fallback::wire::vxlan::outer_headers`, with the source port of
//! `offload_tables::flow_hash::vxlan_src_port`). `cargo test -p rtl-benches`.

mod common;

use common::{entry_hex, no_verilator, run, VECTORS};
use offload_tables::flow_hash::{ip4_flow_hash, vxlan_src_port};
use offload_tables::layout::VxlanTunnelEntry;
use rtl_benches::Bench;
use std::fmt::Write;
use sw_fallback::wire::vxlan::{outer_headers, ENCAP_LEN, MAX_INNER_LEN};
use test_support::realistic::Rng;

#[test]
fn vxlan_encap_matches_software() {
    if no_verilator("vxlan_encap_matches_software") {
        return;
    }
    let mut rng = Rng::new(21);
    let mut v = String::new();
    // the lengths at the edges: the shortest frames, a beat, MTUs, the longest that fits
    let edges = [14usize, 60, 64, 65, 1500, 1514, 9000, MAX_INNER_LEN - 1, MAX_INNER_LEN];
    for i in 0..VECTORS {
        let t = VxlanTunnelEntry {
            src: rng.next_u64() as u32,
            dst: rng.next_u64() as u32,
            // (the VNI is 24 bits: the top byte is for neither to use)
            vni: if rng.chance(20) { rng.range(0, 15) as u32 } else { rng.next_u64() as u32 },
            sw_if_index: rng.next_u64() as u16,
            encap_fib_index: rng.next_u64() as u16,
            outer_lb: rng.next_u64() as u32,
        };
        // the inner flow's hash as software computes it (ports for TCP and UDP), or any
        let hash = if rng.chance(50) {
            let proto = rng.pick(&[6u8, 17, 1, 47]);
            let ports = matches!(proto, 6 | 17);
            let port = |rng: &mut Rng| if ports { rng.next_u64() as u16 } else { 0 };
            ip4_flow_hash(rng.next_u64() as u32, rng.next_u64() as u32, proto, port(&mut rng), port(&mut rng))
        } else {
            rng.next_u64() as u32
        };
        let inner_len =
            if i < edges.len() * 4 { edges[i % edges.len()] } else { rng.range(14, MAX_INNER_LEN as u64) as usize };
        let want = outer_headers(&t, inner_len, vxlan_src_port(hash));
        writeln!(
            v,
            "V {} {hash:08x} {inner_len:04x} {}",
            entry_hex(bytemuck::bytes_of(&t), 160),
            entry_hex(&want, 8 * ENCAP_LEN)
        )
        .unwrap();
    }
    let bench = Bench {
        module: "offload_vxlan_encap",
        rtl: &["offload_pkg.sv", "offload_util.sv", "offload_vxlan_encap.sv"],
        params: &[],
    };
    run(bench, &v, &[]);
}
