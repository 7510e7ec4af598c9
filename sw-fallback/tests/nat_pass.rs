//! NAT pass entries (`nat::PASS_SESSION`) against NAT as an output feature: a flow the
//! inside interface's `nat44-in2out` lets through untranslated (its egress translates on
//! output, so the input side needs no SNAT) is cached as a pass entry under the same key
//! the output feature then looks up; the output feature must still translate it, every
//! time (a pass entry is no session).

use node_config::{parse_config, render};
use std::path::Path;
use sw_fallback::{Dataplane, PacketBuf};

const CONFIG: &str = r#"
name = "pass-vs-output-feature"

[[interface]]
name = "uplink0"
kind = "uplink"
index = 1
mac = "02:00:00:00:00:01"
addresses = ["192.0.2.1/24"]
nat = "outside"
nat_output_feature = true

[[interface]]
name = "tap0"
kind = "tap"
index = 2
mac = "02:00:00:00:00:02"
addresses = ["10.0.0.1/24"]
nat = "inside"

[[neighbor]]
interface = "uplink0"
ip = "192.0.2.254"
mac = "02:00:00:00:00:fe"

[[neighbor]]
interface = "tap0"
ip = "10.0.0.2"
mac = "02:00:00:00:00:10"

[[route]]
prefix = "0.0.0.0/0"
via = [{ address = "192.0.2.254", interface = "uplink0" }]

[nat44]
max_sessions = 1024
addresses = [{ address = "192.0.2.1" }]
"#;

fn frame(sport: u16) -> Vec<u8> {
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 0x10], [2, 0, 0, 0, 0, 2])
        .ipv4([10, 0, 0, 2], [198, 51, 100, 1], 64)
        .udp(sport, 53);
    let mut v = Vec::new();
    b.write(&mut v, b"query").unwrap();
    v
}

#[test]
fn output_feature_translates_a_flow_the_input_side_passed() {
    let cfg = parse_config(CONFIG, Path::new("pass.toml")).unwrap();
    let mut dp = Dataplane::new(render(&cfg).unwrap());
    for (i, sport) in [40_000u16, 40_000, 40_001].into_iter().enumerate() {
        let mut out = Vec::new();
        dp.process(2, PacketBuf::from_frame(&frame(sport)), 1_000_000_000 + i as u64, &mut out);
        assert_eq!(out.len(), 1, "packet {i}");
        let f = out[0].pkt.frame();
        assert_eq!(out[0].sw_if_index, 1, "packet {i}");
        assert_eq!(&f[26..30], &[192, 0, 2, 1], "packet {i}: source translated to the pool address");
    }
}
