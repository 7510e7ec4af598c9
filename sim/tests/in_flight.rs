//! Many packets in flight: the realistic Kubernetes-node traffic of the differential
//! co-simulation, with the frames arriving from the wire sent to the simulated card in
//! bursts of up to 64, back to back, while every output of the card is randomly not
//! ready (backpressure), against the software node alone.
//!
//! A burst's packets enter the pipeline one per clock the input takes one, and the card
//! works a few clocks at a time (4 to 32, random per burst) with the driver serving
//! punts in between, so a packet's session is created by the slow path and installed
//! while later packets are already in the pipeline. To race exactly that often, one
//! wire frame in five arrives as 2 to 6 copies back to back (a retransmission burst):
//! the copies after a punted first one must each see the table before or after the
//! install, whole (a miss punts and the slow path, which now has the session, answers
//! as software does). The test counts the session writes made while frames were in the
//! pipeline and requires thousands.
//!
//! Software processes the same packets one by one, each at the burst's time (the slow
//! path serves a burst's punts at that time too). Compared per burst: every frame that
//! left the node, per interface, as multisets (the NIC's own frames leave before the
//! punted ones it handed to the host, so order within a burst is not software's); per
//! node: drops per reason (the NIC's and the slow path's against software's), no bad
//! punt, no fallback to software. Frames from the host side (pods) go through the
//! driver one at a time, as in the differential test: at once when their connection has
//! no frame in the burst being gathered, else after that burst.
//!
//! `OFFLOAD_IN_FLIGHT_PACKETS` (default 60,000) over `OFFLOAD_IN_FLIGHT_NODES` nodes
//! (default 2, one thread each).
//!
//! The adversarial model (random configs and traffic: malformed frames, options,
//! fragments, padding) runs the same way in a second test: its wire frames in bursts,
//! each host-side frame after the burst before it (`OFFLOAD_IN_FLIGHT_RANDOM_PACKETS`,
//! default 20,000, over 8 configs).

use host_driver::node::NodeOptions;
use host_driver::shell::ShellOptions;
use sim::testbed::{software, Testbed};
use std::time::Duration;
use sw_fallback::Dataplane;
use test_support::harness::{env_u64, next_scenario, seeded_runner, Traffic};
use test_support::realistic::{k8s_node, NodeTraffic, Rng};

const MAX_BURST: u64 = 64;
/// Connections interleaved (many, so a burst rarely waits on one of its own).
const CONNECTIONS: usize = 1024;
/// Percent of clocks each output takes a beat.
const READY_PCT: u32 = 60;
/// Percent of wire frames sent as several copies back to back.
const COPIES_PCT: u64 = 20;

/// What one node's run found.
#[derive(Default)]
struct Run {
    packets: u64,
    bursts: u64,
    burst_packets: u64,
    largest_burst: usize,
    frames_out: u64,
    clocks: u64,
    writes_in_flight: u64,
    report: String,
}

fn sorted(out: &[(u16, Vec<u8>)]) -> Vec<(u16, Vec<u8>)> {
    let mut v = out.to_vec();
    v.sort();
    v
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A burst's frames in, the node's outputs against software's.
fn compare(what: &str, burst: &[(u16, Vec<u8>)], got: &[(u16, Vec<u8>)], want: &[(u16, Vec<u8>)]) {
    let (g, w) = (sorted(got), sorted(want));
    if g != w {
        let only = |a: &[(u16, Vec<u8>)], b: &[(u16, Vec<u8>)]| -> Vec<String> {
            a.iter().filter(|x| !b.contains(x)).map(|(sw, f)| format!("{sw}: {}", hex(f))).collect()
        };
        panic!(
            "{what}: the node's outputs differ from software's for a burst of {} frames (first in: {} on {})\n\
             only from the node: {:?}\nonly from software: {:?}",
            burst.len(),
            hex(&burst[0].1),
            burst[0].0,
            only(&g, &w),
            only(&w, &g)
        );
    }
}

/// Wire frames gathered to go in back to back, with software's outputs for them.
struct Burst {
    frames: Vec<(u16, Vec<u8>)>,
    want: Vec<(u16, Vec<u8>)>,
    conns: std::collections::HashSet<usize>,
    /// Device time of the burst (software's and the slow path's clock for all of it).
    ns: u64,
    limit: usize,
    /// Clocks the card works between the driver's turns.
    slice: u64,
}

impl Burst {
    fn new(rng: &mut Rng, ns: u64) -> Self {
        Burst {
            frames: Vec::new(),
            want: Vec::new(),
            conns: Default::default(),
            ns,
            limit: rng.range(1, MAX_BURST) as usize,
            slice: rng.range(4, 32),
        }
    }

    fn flush(&mut self, tb: &mut Testbed, seed: u64, run: &mut Run) {
        if self.frames.is_empty() {
            return;
        }
        let frames: Vec<(u16, &[u8])> = self.frames.iter().map(|(rx, f)| (*rx, f.as_slice())).collect();
        let got = tb.process_wire_burst(&frames, self.ns, self.slice);
        compare(&format!("node {seed} burst {}", run.bursts), &self.frames, &got, &self.want);
        run.bursts += 1;
        run.burst_packets += self.frames.len() as u64;
        run.largest_burst = run.largest_burst.max(self.frames.len());
        run.frames_out += self.want.len() as u64;
        self.frames.clear();
        self.want.clear();
    }
}

fn node_run(seed: u64, packets: u64) -> Run {
    let mut run = Run::default();
    let node = k8s_node(seed + 11, 24, 4, 10, 300);
    let opts = NodeOptions { shell: ShellOptions { timeout: Duration::from_secs(2) } };
    let mut tb = Testbed::new(node.tables.clone(), &opts).unwrap_or_else(|e| panic!("node {seed}: {e}"));
    tb.card.with_core(|c| c.set_backpressure(READY_PCT, seed + 1));
    let mut sw = Dataplane::new(node.tables.clone());
    let mut traffic = NodeTraffic::new(node, seed + 11, CONNECTIONS);
    let mut rng = Rng::new(seed + 21);
    let clocks0 = tb.card.cycles();
    let mut aged = traffic.now_ns();
    let mut burst = Burst::new(&mut rng, 0);
    for n in 0..packets {
        let p = traffic.next_packet();
        let wire = tb.wire_port(p.rx).is_some();
        // A burst ends when full, after 2 ms of device time, or before a host-side frame
        // of a connection it holds (that frame's effects must follow the burst's, as in
        // software). Other host-side frames go through the driver at once: their
        // connections are not in the burst, so the order between them does not matter.
        let depends = !wire && burst.conns.contains(&p.conn);
        if depends
            || burst.frames.len() >= burst.limit
            || (!burst.frames.is_empty() && p.now_ns - burst.ns >= 2_000_000)
        {
            burst.flush(&mut tb, seed, &mut run);
            burst = Burst::new(&mut rng, p.now_ns);
        }
        if burst.frames.is_empty() {
            burst.ns = p.now_ns;
            // the driver's aging once a second of device time, and software's
            if burst.ns - aged >= 1_000_000_000 {
                tb.node.age(burst.ns);
                sw.expire_sessions(burst.ns);
                aged = burst.ns;
            }
        }
        let out = software(&mut sw, p.rx, &p.frame, burst.ns);
        traffic.delivered(&p, &out);
        if wire {
            burst.conns.insert(p.conn);
            burst.frames.push((p.rx, p.frame.clone()));
            burst.want.extend(out);
            // a retransmission burst: copies right behind it, each through software too
            if rng.chance(COPIES_PCT) {
                for _ in 0..rng.range(1, 5) {
                    burst.frames.push((p.rx, p.frame.clone()));
                    burst.want.extend(software(&mut sw, p.rx, &p.frame, burst.ns));
                }
            }
        } else {
            let got = tb.process(p.rx, &p.frame, burst.ns);
            compare(&format!("node {seed} packet {n} (host side)"), &[(p.rx, p.frame.clone())], &got, &out);
            run.frames_out += out.len() as u64;
        }
        run.packets += 1;
    }
    burst.flush(&mut tb, seed, &mut run);
    run.writes_in_flight = tb.card.session_writes_in_flight();

    let st = &tb.node.stats;
    assert!(tb.node.offloading(), "node {seed}: the node fell back to software: {st:?}");
    assert_eq!(st.punt_bad, [0; 4], "node {seed}: bad punt metadata from the simulated NIC");
    let mismatched = tb.drops_disagreeing(&sw);
    assert!(mismatched.is_empty(), "node {seed}: drops differ: {mismatched:?}");
    run.clocks = tb.card.cycles() - clocks0;
    run.report = format!(
        "node {seed}: {} packets, {} from the wire in {} bursts (mean {:.1}, largest {}), {} frames out, \
         punted {}, {} NIC clocks, {} session writes with frames in the pipeline",
        run.packets,
        run.burst_packets,
        run.bursts,
        run.burst_packets as f64 / run.bursts.max(1) as f64,
        run.largest_burst,
        run.frames_out,
        tb.core_punts().iter().map(|(_, n)| n).sum::<u64>(),
        run.clocks,
        run.writes_in_flight
    );
    run
}

#[test]
fn nic_agrees_with_software_with_many_packets_in_flight() {
    if test_support::prerequisite::skip(
        "in_flight::nic_agrees_with_software_with_many_packets_in_flight",
        "the RTL model (Verilator)",
        sim::rtl_model_missing(),
    ) {
        return;
    }
    let total = env_u64("OFFLOAD_IN_FLIGHT_PACKETS", 60_000);
    let nodes = env_u64("OFFLOAD_IN_FLIGHT_NODES", 2);
    let per_node = total.div_ceil(nodes);
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..nodes).map(|seed| s.spawn(move || node_run(seed, per_node))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    for r in &runs {
        eprintln!("{}", r.report);
    }
    let bursts: u64 = runs.iter().map(|r| r.bursts).sum();
    let in_bursts: u64 = runs.iter().map(|r| r.burst_packets).sum();
    let largest = runs.iter().map(|r| r.largest_burst).max().unwrap_or(0);
    let raced: u64 = runs.iter().map(|r| r.writes_in_flight).sum();
    eprintln!(
        "in flight: {in_bursts} wire packets in {bursts} back-to-back bursts (mean {:.1}, largest {largest}), \
         outputs ready {READY_PCT}% of clocks, {raced} session writes with frames in the pipeline, mismatches: 0",
        in_bursts as f64 / bursts.max(1) as f64
    );
    assert!(largest as u64 >= MAX_BURST / 2, "no burst of {} packets or more: the test did not stream", MAX_BURST / 2);
    assert!(raced >= 1000, "only {raced} session writes raced packets in flight: the test did not race installs");
}

/// One random config's run: the adversarial traffic, its wire frames in bursts.
fn random_run(config: u64, packets: u64) -> Run {
    let mut run = Run::default();
    let mut runner = seeded_runner(1000 + config);
    let opts = NodeOptions { shell: ShellOptions { timeout: Duration::from_secs(2) } };
    // a config larger than the simulated NIC's tables is skipped for the next one
    let (s, mut tb) = (0..4)
        .find_map(|_| {
            let s = next_scenario(&mut runner);
            Testbed::new(s.tables.clone(), &opts).ok().map(|tb| (s, tb))
        })
        .unwrap_or_else(|| panic!("config {config}: configs keep not fitting the simulated NIC"));
    tb.card.with_core(|c| c.set_backpressure(READY_PCT, config + 7));
    let mut sw = Dataplane::new(s.tables.clone());
    let mut traffic = Traffic::default();
    let mut rng = Rng::new(config + 31);
    let mut now = 1_000_000_000u64;
    let mut burst = Burst::new(&mut rng, now);
    for n in 0..packets {
        let (rx, frame) = traffic.next(&mut runner, &s);
        let wire = tb.node.offloading() && tb.wire_port(rx).is_some();
        if !wire || burst.frames.len() >= burst.limit {
            burst.flush(&mut tb, config, &mut run);
            // time stays well inside every timeout (the realistic model ages sessions)
            now += 1_000;
            burst = Burst::new(&mut rng, now);
        }
        let want = software(&mut sw, rx, &frame, now);
        traffic.sent(&want);
        if wire {
            burst.frames.push((rx, frame));
            burst.want.extend(want);
        } else {
            let got = tb.process(rx, &frame, now);
            compare(&format!("config {config} packet {n} (host side)"), &[(rx, frame)], &got, &want);
            run.frames_out += want.len() as u64;
        }
        run.packets += 1;
    }
    burst.flush(&mut tb, config, &mut run);
    let st = &tb.node.stats;
    assert!(tb.node.offloading(), "config {config}: the node fell back to software: {st:?}");
    assert_eq!(st.punt_bad, [0; 4], "config {config}: bad punt metadata from the simulated NIC");
    let mismatched = tb.drops_disagreeing(&sw);
    assert!(mismatched.is_empty(), "config {config}: drops differ: {mismatched:?}");
    run.writes_in_flight = tb.card.session_writes_in_flight();
    run
}

#[test]
fn nic_agrees_with_software_on_random_traffic_in_flight() {
    if test_support::prerequisite::skip(
        "in_flight::nic_agrees_with_software_on_random_traffic_in_flight",
        "the RTL model (Verilator)",
        sim::rtl_model_missing(),
    ) {
        return;
    }
    let total = env_u64("OFFLOAD_IN_FLIGHT_RANDOM_PACKETS", 20_000);
    const CONFIGS: u64 = 8;
    let per_config = total.div_ceil(CONFIGS);
    // two threads, four configs each
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2u64)
            .map(|t| s.spawn(move || (t..CONFIGS).step_by(2).map(|c| random_run(c, per_config)).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let bursts: u64 = runs.iter().map(|r| r.bursts).sum();
    let in_bursts: u64 = runs.iter().map(|r| r.burst_packets).sum();
    let largest = runs.iter().map(|r| r.largest_burst).max().unwrap_or(0);
    let raced: u64 = runs.iter().map(|r| r.writes_in_flight).sum();
    eprintln!(
        "in flight (adversarial): {in_bursts} wire packets of {} in {bursts} back-to-back bursts (mean {:.1}, \
         largest {largest}), {raced} session writes with frames in the pipeline, mismatches: 0",
        runs.iter().map(|r| r.packets).sum::<u64>(),
        in_bursts as f64 / bursts.max(1) as f64
    );
    assert!(largest >= 8, "no burst of 8 packets or more: the test did not stream");
}
