//! Running traffic through a software node and checking what it did: per-frame steps
//! with counter deltas, conservation, and the shared pieces of the differential runs.

use crate::adversarial::*;
use proptest::strategy::Strategy;
use sw_fallback::{Dataplane, PacketBuf, Tx};

// ---- running ------------------------------------------------------------------------

/// What processing one frame did.
#[derive(Debug)]
pub struct Step {
    pub out: Vec<Tx>,
    pub drops: u64,
    pub flooded: u64,
    pub rewrites: u64,
    pub encaps: u64,
    pub decaps: u64,
    /// Rise of the tx counters of all interfaces.
    pub tx_counted: u64,
    /// Rise of the ingress interface's rx counter (`None`: not a configured interface).
    pub rx_counted: Option<u64>,
    /// Rise of the per-interface drop counters, summed.
    pub if_drops: u64,
    /// The ingress index has a counter slot (every drop is then charged to some interface).
    pub rx_in_range: bool,
    /// Neighbor handling: frames held by `ip4-glean`, ARP requests it sent, held frames
    /// released, and ARP replies consumed. Held frames leave or are counted as glean
    /// drops later (see `tests/arp.rs`).
    pub held: u64,
    pub arp_requests: u64,
    pub released: u64,
    pub consumed: u64,
    /// Packets the node made from this one besides it: ICMP errors (each then sent or
    /// dropped), and the fragments beyond the first of a fragmented packet.
    pub generated: u64,
    /// Echo requests answered (the reply leaves instead of the request).
    pub echo_replies: u64,
}

pub fn step(dp: &mut Dataplane, rx: u16, frame: &[u8], now_ns: u64) -> Step {
    use sw_fallback::counters::Node;
    let c0 = dp.counters.clone();
    let mut out = Vec::new();
    dp.process(rx, PacketBuf::from_frame(frame), now_ns, &mut out);
    let c1 = &dp.counters;
    let tx = |c: &sw_fallback::counters::Counters| c.interfaces.iter().map(|i| i.tx_packets).sum::<u64>();
    let if_drops = |c: &sw_fallback::counters::Counters| c.interfaces.iter().map(|i| i.drops).sum::<u64>();
    let rx_ix = usize::from(rx);
    Step {
        drops: c1.total_drops() - c0.total_drops(),
        flooded: c1.tables.l2_flooded - c0.tables.l2_flooded,
        rewrites: c1.node_count(Node::Ip4Rewrite) - c0.node_count(Node::Ip4Rewrite),
        encaps: c1.tables.vxlan_encapsulated - c0.tables.vxlan_encapsulated,
        decaps: c1.tables.vxlan_decapsulated - c0.tables.vxlan_decapsulated,
        tx_counted: tx(c1) - tx(&c0),
        rx_counted: dp.tables.interface(rx).map(|_| c1.interfaces[rx_ix].rx_packets - c0.interfaces[rx_ix].rx_packets),
        if_drops: if_drops(c1) - if_drops(&c0),
        rx_in_range: rx_ix < c1.interfaces.len(),
        held: c1.tables.glean_packets_held - c0.tables.glean_packets_held,
        arp_requests: c1.tables.glean_requests_sent - c0.tables.glean_requests_sent,
        released: c1.tables.glean_packets_released - c0.tables.glean_packets_released,
        consumed: c1.tables.arp_replies_received - c0.tables.arp_replies_received,
        generated: (c1.tables.icmp_errors_sent - c0.tables.icmp_errors_sent)
            + (c1.tables.ip4_fragments_sent - c0.tables.ip4_fragments_sent)
            - (c1.tables.ip4_fragmented - c0.tables.ip4_fragmented),
        echo_replies: c1.tables.icmp_echo_replies_sent - c0.tables.icmp_echo_replies_sent,
        out,
    }
}

/// Conservation: each frame leaves or is counted as dropped; exactly one of the two
/// unless a bridge domain flooded it. The interface counters agree: the ingress counted
/// one rx, the tx counters one per frame out, and every drop was charged to an interface.
pub fn check_conservation(s: &Step) -> Result<(), String> {
    // ARP requests, released frames and generated packets are not this frame; held or
    // consumed ones are.
    let n =
        (s.out.len() as u64 + s.drops + s.held + s.consumed).saturating_sub(s.arp_requests + s.released + s.generated);
    if s.tx_counted != s.out.len() as u64 {
        return Err(format!("{} frames out but tx counters rose by {}", s.out.len(), s.tx_counted));
    }
    if let Some(rx) = s.rx_counted {
        if rx != 1 {
            return Err(format!("ingress rx counter rose by {rx}"));
        }
    }
    if s.rx_in_range && s.if_drops != s.drops {
        return Err(format!("{} drops counted by reason, {} by interface", s.drops, s.if_drops));
    }
    if s.flooded == 0 && n != 1 {
        return Err(format!("{} out + {} dropped without flooding: expected exactly 1", s.out.len(), s.drops));
    }
    if n == 0 {
        return Err("frame vanished: nothing out, nothing counted".into());
    }
    Ok(())
}

pub fn fresh(s: &Scenario) -> Dataplane {
    Dataplane::new(s.tables.clone())
}

// ---- differential runs ----------------------------------------------------------------

/// A number from the environment (a run's size), or `default`.
pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A reproducible random source for a differential run (one per config, so configs
/// can run in parallel and still be the same configs).
pub fn seeded_runner(seed: u64) -> proptest::test_runner::TestRunner {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(8) {
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// The next random config of a run.
pub fn next_scenario(runner: &mut proptest::test_runner::TestRunner) -> Scenario {
    use proptest::strategy::ValueTree;
    scenario().new_tree(runner).expect("scenario").current()
}

/// Random traffic for a scenario, as the differential runs send it: fresh packets biased
/// toward what the config holds, and replies to recent output frames.
#[derive(Default)]
pub struct Traffic {
    outputs: Vec<(u16, Vec<u8>)>,
}

impl Traffic {
    /// The next packet: `(rx sw_if_index, frame)`.
    pub fn next(&self, runner: &mut proptest::test_runner::TestRunner, s: &Scenario) -> (u16, Vec<u8>) {
        use proptest::strategy::ValueTree;
        let k = pkt_knob().new_tree(runner).expect("packet").current();
        let reply_to = k.reply_to.and_then(|i| self.outputs.get(usize::from(i) % self.outputs.len().max(1)));
        match reply_to {
            // one reply in four is an ICMP error about the frame, which NAT translates back
            Some((tx, f)) if k.ident % 4 == 1 => {
                error_reply_frame(s, *tx, f, k.ident & 4 != 0).unwrap_or_else(|| build_packet(s, &k, &self.outputs))
            }
            Some((tx, f)) => reply_frame(s, *tx, f).unwrap_or_else(|| build_packet(s, &k, &self.outputs)),
            None => build_packet(s, &k, &self.outputs),
        }
    }

    /// What the reference node sent for the last packet (the recent ones are kept to
    /// reply to).
    pub fn sent(&mut self, out: &[(u16, Vec<u8>)]) {
        self.outputs.extend_from_slice(out);
        if self.outputs.len() > 64 {
            self.outputs.drain(..32);
        }
    }
}

/// Panics, with both sides in hex, unless an offload node sent what the software node did.
pub fn assert_same_frames(ctx: &str, frame: &[u8], got: &[(u16, Vec<u8>)], want: &[(u16, Vec<u8>)]) {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    assert!(
        got == want,
        "{ctx}: {}\noffload: {:?}\nsoftware: {:?}",
        hex(frame),
        got.iter().map(|(t, f)| (t, hex(f))).collect::<Vec<_>>(),
        want.iter().map(|(t, f)| (t, hex(f))).collect::<Vec<_>>()
    );
}
