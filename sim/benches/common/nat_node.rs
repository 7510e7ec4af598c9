//! A NAT44 node the benches share: two uplinks (inside with an input ACL, outside),
//! NAT44-ED with one outside address, 64-byte TCP frames of numbered flows, and a card
//! loaded with software's sessions by the driver.

use host_driver::node::NodeOptions;
use offload_tables::Tables;
use sim::Testbed;
use sw_fallback::Dataplane;

/// A card with `tables` loaded and `sessions` (software's, if given) installed by the
/// driver; returns the testbed and how many session entries did not fit.
pub fn loaded(tables: &Tables, sessions: Option<&Dataplane>) -> (Testbed, u64) {
    let mut tb = Testbed::new(tables.clone(), &NodeOptions::default()).expect("a simulated card");
    if let Some(dp) = sessions {
        for (_, e) in dp.sessions.iter() {
            if tb.node.dp.sessions.lookup(&e.key).is_none() {
                tb.node.dp.sessions.insert(*e).expect("room in software");
            }
        }
        tb.node.sync_sessions().expect("install");
    }
    let refused = tb.node.stats.sessions_sw_only;
    (tb, refused)
}

pub const CONFIG: &str = r#"
name = "bench"

[[interface]]
name = "inside0"
kind = "uplink"
index = 1
mac = "02:00:00:00:00:01"
addresses = ["10.0.0.1/16"]
nat = "inside"
acl_input = [1]

[[interface]]
name = "outside0"
kind = "uplink"
index = 2
mac = "02:00:00:00:00:02"
addresses = ["192.0.2.1/24"]
nat = "outside"

[[neighbor]]
interface = "outside0"
ip = "192.0.2.254"
mac = "02:00:00:00:00:fe"

[[neighbor]]
interface = "inside0"
ip = "10.0.255.254"
mac = "02:00:00:00:00:10"

[[route]]
prefix = "10.0.0.0/17"
via = [{ address = "10.0.255.254", interface = "inside0" }]

[[route]]
prefix = "0.0.0.0/0"
via = [{ address = "192.0.2.254", interface = "outside0" }]

[nat44]
max_sessions = 65536
addresses = [{ address = "192.0.2.1" }]

[[acl]]
index = 1
rule = [
  { action = "deny", proto = 6, dport = "22" },
  { action = "permit" },
]
"#;

/// A 64-byte TCP frame (an ACK) of flow `i` into the inside port.
pub fn frame(i: u32) -> Vec<u8> {
    flow_frame(i, false)
}

/// Flow `i`'s SYN, which opens its NAT session in software.
pub fn syn(i: u32) -> Vec<u8> {
    flow_frame(i, true)
}

fn flow_frame(i: u32, syn: bool) -> Vec<u8> {
    // from 10.0.0.2 on: not the network nor the inside interface's own address
    let src = [10, 0, ((i + 2) >> 8) as u8, (i + 2) as u8];
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 0x10], [2, 0, 0, 0, 0, 1])
        .ipv4(src, [198, 51, 100, 1], 64)
        .tcp(10_000 + (i % 50_000) as u16, 80, i, 1024);
    let b = if syn { b.syn() } else { b.ack(1) };
    let payload = [0u8; 10];
    let mut v = Vec::with_capacity(64);
    b.write(&mut v, &payload).expect("frame");
    v
}

/// A 64-byte reply of flow `i` into the outside port, to the translated port
/// `nat_port` (a session hit if software translated the flow, else a miss).
pub fn reply(i: u32, nat_port: u16) -> Vec<u8> {
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 0xfe], [2, 0, 0, 0, 0, 2])
        .ipv4([198, 51, 100, 1], [192, 0, 2, 1], 64)
        .tcp(80, nat_port, i, 1024)
        .ack(1);
    let payload = [0u8; 10];
    let mut v = Vec::with_capacity(64);
    b.write(&mut v, &payload).expect("frame");
    v
}
