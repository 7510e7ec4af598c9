//! The loop port under a full pipeline: the seed's established ACK through the client
//! node (routed into the BVI, bridged to the tunnel, VXLAN-encapsulated: every packet
//! takes two passes, the second through the loop port), 2,000 copies back to back —
//! more than the pipeline holds with its session waits full — with the outputs ready on
//! a random 70% of clocks. Every copy must leave on the wire, decided by the NIC alone,
//! equal to software's frame for it: the loop port's FIFO is sized so that the loop
//! cannot deadlock (offload_ingress.sv, offload_top.sv), and this is the case that found
//! it too small once the pipeline could hold hundreds of packets.

use host_driver::node::NodeOptions;
use node_config::load_tables;
use offload_tables::regs::meta::inject_into_pipeline;
use sim::{InPort, OutPort, Testbed};
use sw_fallback::{Dataplane, PacketBuf};
use test_support::seed;

fn no_rtl_model(test: &str) -> bool {
    test_support::prerequisite::skip(test, "the RTL model (Verilator)", sim::rtl_model_missing())
}

/// The client node in software with the seed's connection established, its NIC with
/// every session installed, the client's ACK and software's frame for it.
fn client_node() -> (Testbed, Vec<u8>, Vec<u8>) {
    let conn = test_support::seed_connection::seed_connection();
    let load = |n| load_tables(&seed::path(n)).expect("seed config").1;
    let (mut client, mut server) = (Dataplane::new(load("client-node.toml")), Dataplane::new(load("server-node.toml")));
    let now = 1_000_000_000u64;
    test_support::seed_connection::established(&mut client, &mut server, now);
    let mut txs = Vec::new();
    let ack = &conn[6].frame;
    client.process(6, PacketBuf::from_frame(ack), now + 1_000_000, &mut txs);
    let want = txs[0].pkt.frame().to_vec();

    let mut tb = Testbed::new(client.tables.clone(), &NodeOptions::default()).expect("a simulated card");
    for (_, e) in client.sessions.iter() {
        if tb.node.dp.sessions.lookup(&e.key).is_none() {
            tb.node.dp.sessions.insert(*e).expect("room in software");
        }
    }
    tb.node.sync_sessions().expect("install");
    (tb, ack.clone(), want)
}

#[test]
fn two_pass_packets_back_to_back_all_leave() {
    if no_rtl_model("loop_port::two_pass_packets_back_to_back_all_leave") {
        return;
    }
    let (tb, ack, want) = client_node();
    let ack = &ack;
    const N: usize = 2_000;
    let out = tb.card.with_core(|s| {
        s.set_backpressure(70, 5);
        for _ in 0..N {
            s.send(InPort::Inject(inject_into_pipeline(6)), ack);
        }
        s.run(1_000 * N as u64);
        s.take_output()
    });
    let on_wire: Vec<_> = out.iter().filter(|o| matches!(o.port, OutPort::Wire(_))).collect();
    assert_eq!(out.len(), N, "every copy out ({} on the wire)", on_wire.len());
    assert_eq!(on_wire.len(), N, "every copy decided by the NIC alone");
    assert!(on_wire.iter().all(|o| o.data == want), "every copy as software sends it");
}
