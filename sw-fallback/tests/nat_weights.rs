//! Load-balancing static mappings weigh their endpoints as VPP does: each `probability`
//! is a relative weight (VPP sums them into `locals[i].prefix` and draws
//! `1 + random % total`); the flow's hash stands for the random number. Over 100,000
//! flows every endpoint's share is within 1% of weight / sum, for weights 1/1, 1/2/3 and
//! 30/70, and the VPP-script and TOML forms of a mapping render identical tables.

use node_config::vpp::{self, VppOptions};
use offload_tables::Tables;
use std::path::Path;
use sw_fallback::{Dataplane, PacketBuf};

/// A node with a service 10.96.0.1:80 load-balanced over endpoints 10.1.1.{1,2,..}:8080
/// with `weights`, as a VPP script and as native TOML.
fn configs(weights: &[u32]) -> (String, String) {
    let locals_vpp: String =
        weights.iter().enumerate().map(|(i, w)| format!(" local 10.1.1.{}:8080 probability {w}", i + 1)).collect();
    let nbrs_vpp: String = (1..=weights.len())
        .map(|i| format!("set ip neighbor tap0 10.1.1.{i} 02:00:00:00:01:{i:02x} static\n"))
        .collect();
    let nbrs_toml: String = (1..=weights.len())
        .map(|i| format!("[[neighbor]]\ninterface = \"tap0\"\nip = \"10.1.1.{i}\"\nmac = \"02:00:00:00:01:{i:02x}\"\n"))
        .collect();
    let vpp = format!(
        "set interface mac address GigabitEthernet0/8/0 02:00:00:00:00:01\n\
         set interface ip address GigabitEthernet0/8/0 192.168.16.1/24\n\
         set interface state GigabitEthernet0/8/0 up\n\
         create tap id 0 hw-addr 02:fe:00:00:00:01\n\
         set interface ip address tap0 10.1.1.254/24\n\
         set interface state tap0 up\n\
         {nbrs_vpp}\
         nat44 enable sessions 200000\n\
         set interface nat44 out GigabitEthernet0/8/0\n\
         set interface nat44 in tap0\n\
         nat44 add load-balancing static mapping protocol tcp external 10.96.0.1:80{locals_vpp} out2in-only\n"
    );
    let locals_toml: Vec<String> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| format!("{{ address = \"10.1.1.{}:8080\", probability = {w} }}", i + 1))
        .collect();
    let toml = format!(
        r#"
[[interface]]
name = "GigabitEthernet0/8/0"
kind = "uplink"
index = 1
mac = "02:00:00:00:00:01"
addresses = ["192.168.16.1/24"]
nat = "outside"

[[interface]]
name = "tap0"
kind = "tap"
index = 2
mac = "02:fe:00:00:00:01"
addresses = ["10.1.1.254/24"]
nat = "inside"

{nbrs_toml}
[nat44]
max_sessions = 200000

[[nat44.static_mapping]]
protocol = "tcp"
external = "10.96.0.1:80"
out2in_only = true
locals = [{}]
"#,
        locals_toml.join(", ")
    );
    (vpp, toml)
}

fn render_both(weights: &[u32]) -> Tables {
    let (vpp_text, toml_text) = configs(weights);
    let from_vpp = vpp::parse(&vpp_text, Path::new("lb.vpp"), &VppOptions::default()).expect("VPP script").config;
    let from_toml = node_config::parse_config(&toml_text, Path::new("lb.toml")).expect("TOML");
    let (a, b) = (node_config::render(&from_vpp).expect("renders"), node_config::render(&from_toml).expect("renders"));
    assert_eq!(a.nat_mappings, b.nat_mappings, "weights {weights:?}: the two forms' mappings differ");
    assert_eq!(a.nat_endpoints, b.nat_endpoints, "weights {weights:?}: the two forms' endpoints differ");
    a
}

/// A SYN from 198.51.x.y:port to the service, received on the uplink.
fn syn(i: u32) -> Vec<u8> {
    let src = [198, 51, (i >> 16) as u8, (i >> 8) as u8];
    let sport = 1024 + (i & 0xff) as u16 * 199 % 60000;
    let mut f = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 0xfe], [2, 0, 0, 0, 0, 1])
        .ipv4(src, [10, 96, 0, 1], 64)
        .tcp(sport, 80, i, 29200)
        .syn();
    let mut out = Vec::new();
    f = f.options(&[]).expect("no options");
    f.write(&mut out, &[]).expect("builds");
    out
}

#[test]
fn endpoint_shares_follow_the_weights() {
    const FLOWS: u32 = 100_000;
    for weights in [&[1u32, 1][..], &[1, 2, 3], &[30, 70]] {
        let tables = render_both(weights);
        let mut dp = Dataplane::new(tables);
        let mut hits = vec![0u32; weights.len()];
        let mut out = Vec::new();
        for i in 0..FLOWS {
            out.clear();
            dp.process(1, PacketBuf::from_frame(&syn(i)), 1_000_000_000 + u64::from(i), &mut out);
            let f = out.first().unwrap_or_else(|| panic!("flow {i} not forwarded: {:?}", dp.counters.drops));
            let dst = &f.pkt.frame()[30..34];
            assert_eq!(&dst[..3], &[10, 1, 1], "flow {i} went to {dst:?}");
            hits[usize::from(dst[3]) - 1] += 1;
        }
        let total: u32 = weights.iter().sum();
        for (e, (&w, &h)) in weights.iter().zip(&hits).enumerate() {
            let (share, want) = (f64::from(h) / f64::from(FLOWS), f64::from(w) / f64::from(total));
            eprintln!("weights {weights:?}: endpoint {e} {:.2}% (weight share {:.2}%)", share * 100.0, want * 100.0);
            assert!((share - want).abs() < 0.01, "weights {weights:?}: endpoint {e} got {share:.4}, want {want:.4}");
        }
    }
}
