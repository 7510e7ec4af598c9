//! Differential co-simulation: the node on the simulated card (`sim::Testbed`: the host
//! driver exactly as `nicctl` runs it, the NIC for what it knows, software for punts)
//! against the software node alone, on two traffic models:
//!
//! - adversarial: random configs (the generator of sw-fallback's property tests) and
//!   random traffic, malformed frames, options, fragments, ICMP errors and padding
//!   included (`OFFLOAD_COSIM_PACKETS`, default 200,000, over `OFFLOAD_COSIM_CONFIGS`
//!   configs, default 50);
//! - realistic (`test_support::realistic`): Kubernetes nodes, TCP connections of
//!   web-search sizes, DNS, real time (`OFFLOAD_COSIM_REALISTIC_PACKETS`, default
//!   300,000, over `OFFLOAD_COSIM_REALISTIC_NODES` nodes, default 3).
//!
//! Per packet: every output frame agrees byte for byte (per interface, in order); the
//! NIC's punt agrees with software's account of what the packet needed the host for
//! (`sw_fallback::host_work`: a packet the NIC decided alone needed nothing; a punt's
//! reason is one software names, its ingress interface and port the packet's). Per
//! config: drop counts per reason add up (the NIC's and the slow path's against
//! software's). The realistic model must be decided by the NIC alone for at least 95%
//! of its packets, every segment of an established connection through the overlay
//! included. Each model prints one line, `nic-handled: …`.
//!
//! Configs (nodes) run in parallel on `OFFLOAD_COSIM_THREADS` threads (default: every
//! core), with a progress bar on a terminal; `OFFLOAD_COSIM_TRACE=1` adds software's
//! trace of each disagreeing packet to the failure.

use host_driver::node::NodeOptions;
use host_driver::shell::ShellOptions;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use offload_tables::reasons::{DropReason, PuntReason};
use offload_tables::svgen::upper_snake;
use sim::testbed::{per_interface, software, Decisions, Mark, Testbed};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use sw_fallback::Dataplane;
use test_support::harness::{assert_same_frames, env_u64, next_scenario, seeded_runner, Traffic};
use test_support::realistic::{k8s_node, Kind, NodeTraffic};

/// Skips (outside CI) or fails (under CI) when this build has no RTL model.
fn no_rtl_model(test: &str) -> bool {
    test_support::prerequisite::skip(test, "the RTL model (Verilator)", sim::rtl_model_missing())
}

fn options() -> NodeOptions {
    NodeOptions { shell: ShellOptions { timeout: Duration::from_secs(2) } }
}

/// What one config's (node's) run found; runs merge.
#[derive(Default)]
struct Run {
    tally: Decisions,
    drops_seen: Vec<u64>,
    disagreements: Vec<String>,
    outputs: u64,
    resumed: u64,
    skipped: u64,
    overlay_established: u64,
    overlay_punted: u64,
    lost: u64,
    report: Vec<String>,
}

impl Run {
    fn merge(&mut self, o: Run) {
        self.tally.add(&o.tally);
        self.drops_seen.resize(o.drops_seen.len().max(self.drops_seen.len()), 0);
        for (a, b) in self.drops_seen.iter_mut().zip(&o.drops_seen) {
            *a += b;
        }
        self.disagreements.extend(o.disagreements);
        self.outputs += o.outputs;
        self.resumed += o.resumed;
        self.skipped += o.skipped;
        self.overlay_established += o.overlay_established;
        self.overlay_punted += o.overlay_punted;
        self.lost += o.lost;
        self.report.extend(o.report);
    }

    /// One packet: the testbed's answer against software's, frames and punts.
    fn packet(
        &mut self,
        what: &str,
        tb: &mut Testbed,
        sw: &mut Dataplane,
        rx: u16,
        frame: &[u8],
        now_ns: u64,
    ) -> Vec<(u16, Vec<u8>)> {
        let before = Mark::of(tb);
        let got = tb.process(rx, frame, now_ns);
        let want = software(sw, rx, frame, now_ns);
        let trace = sw.take_trace();
        if let (_, Some(why)) = self.tally.packet(tb, before, rx, Some(sw.host_work)) {
            self.disagreements.push(format!("{what}: {why}; frame {:02x?}{trace}", trunc(frame)));
        }
        if per_interface(&got) != per_interface(&want) {
            assert_same_frames(what, frame, &got, &want);
        }
        self.outputs += want.len() as u64;
        want
    }

    /// The end of a config: the node stayed offloaded, punts were well formed, drops per
    /// reason add up (the NIC's and the slow path's against software's).
    fn config_done(&mut self, what: &str, tb: &Testbed, sw: &Dataplane) {
        let st = &tb.node.stats;
        assert!(tb.node.offloading(), "{what}: the node fell back to software: {st:?}");
        assert_eq!(st.punt_bad, [0; 4], "{what}: bad punt metadata from the simulated NIC");
        assert_eq!(st.software_only_packets, 0, "{what}");
        self.resumed += st.punts_resumed;
        let nic_drops = tb.core_drops();
        let mismatched = tb.drops_disagreeing(sw);
        assert!(mismatched.is_empty(), "{what}: drops differ: {mismatched:?}");
        self.drops_seen.resize(nic_drops.len(), 0);
        for (seen, n) in self.drops_seen.iter_mut().zip(&nic_drops) {
            *seen += n;
        }
        let counters = self.tally.card_done(tb);
        assert!(counters.is_empty(), "{what}: the NIC's counters disagree: {counters:?}");
    }
}

/// Runs jobs `0..jobs` (configs, nodes) on `OFFLOAD_COSIM_THREADS` threads, each with its
/// own card, and merges their runs in job order. A progress bar counts `packets`.
fn in_parallel(model: &str, jobs: u64, packets: u64, job: impl Fn(u64, &ProgressBar) -> Run + Sync) -> Run {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let threads = env_u64("OFFLOAD_COSIM_THREADS", cores).clamp(1, jobs.max(1));
    let bar = ProgressBar::with_draw_target(Some(packets), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} packets, {per_sec}, ETA {eta}",
        )
        .expect("a valid template"),
    );
    bar.set_message(format!("{model} ({threads} threads)"));
    let next = AtomicU64::new(0);
    let done = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= jobs {
                    break;
                }
                let r = job(i, &bar);
                done.lock().unwrap_or_else(|e| e.into_inner()).push((i, r));
            });
        }
    });
    bar.finish_and_clear();
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|d| d.0);
    let mut total = Run::default();
    for (_, r) in done {
        total.merge(r);
    }
    total
}

#[test]
fn nic_and_software_agree_on_random_traffic() {
    if no_rtl_model("differential::nic_and_software_agree_on_random_traffic") {
        return;
    }
    let total = env_u64("OFFLOAD_COSIM_PACKETS", 200_000);
    let n_configs = env_u64("OFFLOAD_COSIM_CONFIGS", 50);
    let per_config = total.div_ceil(n_configs);
    let run = in_parallel("adversarial", n_configs, per_config * n_configs, |config, bar| {
        let mut run = Run::default();
        let mut runner = seeded_runner(config);
        // a config larger than the simulated NIC's tables is skipped for the next one
        let (s, mut tb) = loop {
            let s = next_scenario(&mut runner);
            match Testbed::new(s.tables.clone(), &options()) {
                Ok(tb) => break (s, tb),
                Err(e) => {
                    run.skipped += 1;
                    assert!(run.skipped < 4, "config {config}: configs keep not fitting the simulated NIC: {e}");
                }
            }
        };
        tb.log_punts();
        let mut sw = Dataplane::new(s.tables.clone());
        sw.set_trace(std::env::var_os("OFFLOAD_COSIM_TRACE").is_some());
        let mut traffic = Traffic::default();
        let mut now = 1_000_000_000u64;
        for n in 0..per_config {
            let (rx, frame) = traffic.next(&mut runner, &s);
            // Time stays well inside every timeout (the realistic model ages sessions).
            now += 1_000;
            let want = run.packet(&format!("config {config} packet {n} rx {rx}"), &mut tb, &mut sw, rx, &frame, now);
            traffic.sent(&want);
            bar.inc(1);
        }
        run.config_done(&format!("config {config}"), &tb, &sw);
        run
    });
    eprintln!("{}", run.tally.line("adversarial", 0));
    eprintln!(
        "adversarial: {n_configs} configs ({} skipped for not fitting), {} output frames, {} punts resumed after the NIC's encap",
        run.skipped, run.outputs, run.resumed
    );
    assert!(run.tally.packets >= total);
    no_disagreements(&run.disagreements);
    reasons_seen(&run.drops_seen, &run.tally.reasons);
}

fn trunc(frame: &[u8]) -> &[u8] {
    &frame[..frame.len().min(80)]
}

/// Fails with the first disagreements between the NIC's punts and software's account.
fn no_disagreements(d: &[String]) {
    assert!(
        d.is_empty(),
        "{} packets where the NIC's punt disagreed with what software needed the host for; the first:\n{}",
        d.len(),
        d.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// The reasons the NIC gave in each model's run: when both have run, every reason the
/// RTL can give — the `offload_pkg::DROP_*` and `PUNT_*` names its source uses — must
/// have occurred in one of them (no disposition of the NIC goes unexercised).
fn reasons_seen(drops: &[u64], punts: &[u64]) {
    static SEEN: std::sync::Mutex<(Vec<u64>, Vec<u64>, u32)> = std::sync::Mutex::new((Vec::new(), Vec::new(), 0));
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    seen.0.resize(drops.len(), 0);
    seen.1.resize(punts.len(), 0);
    for (a, b) in seen.0.iter_mut().zip(drops) {
        *a += b;
    }
    for (a, b) in seen.1.iter_mut().zip(punts) {
        *a += b;
    }
    seen.2 += 1;
    if seen.2 < 2 {
        return;
    }
    // the whole RTL, every file of its list
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../hw-rtl/rtl");
    let list = std::fs::read_to_string(format!("{dir}/files.txt")).unwrap();
    let rtl: String = list
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|f| std::fs::read_to_string(format!("{dir}/{}", f.trim())).unwrap())
        .collect();
    let in_rtl = |kind: &str, debug: String| rtl.contains(&format!("offload_pkg::{kind}_{}", upper_snake(&debug)));
    let mut never = Vec::new();
    let mut software_only = Vec::new();
    for (&r, &n) in DropReason::ALL.iter().zip(&seen.0) {
        match (in_rtl("DROP", format!("{r:?}")), n) {
            (true, 0) => never.push(format!("drop {r:?}")),
            (false, _) => software_only.push(format!("{r:?}")),
            _ => {}
        }
    }
    for (&r, &n) in PuntReason::ALL.iter().zip(&seen.1) {
        if in_rtl("PUNT", format!("{r:?}")) && n == 0 {
            never.push(format!("punt {r:?}"));
        }
    }
    eprintln!(
        "reason coverage: every reason the RTL gives occurred; drop reasons only software gives: {}",
        software_only.join(", ")
    );
    assert!(never.is_empty(), "reasons the RTL gives that never occurred in either model: {never:?}");
}

/// Kubernetes nodes and their traffic (`test_support::realistic`): every frame, punt
/// and drop reason agree with software, and the NIC decides at least 95% of the packets
/// alone — every data segment and ACK of an established connection through the overlay
/// (encapsulated or decapsulated in the NIC) among them.
#[test]
fn nic_decides_realistic_node_traffic() {
    if no_rtl_model("differential::nic_decides_realistic_node_traffic") {
        return;
    }
    let total = env_u64("OFFLOAD_COSIM_REALISTIC_PACKETS", 300_000);
    let nodes = env_u64("OFFLOAD_COSIM_REALISTIC_NODES", 3);
    let per_node = total.div_ceil(nodes);
    let run = in_parallel("realistic", nodes, per_node * nodes, |seed, bar| {
        let mut run = Run::default();
        let node = k8s_node(seed + 1, 24, 4, 10, 300);
        let mut tb = Testbed::new(node.tables.clone(), &options())
            .unwrap_or_else(|e| panic!("node {seed}: the Kubernetes node does not fit the simulated NIC: {e}"));
        tb.log_punts();
        let load_clocks = tb.card.cycles();
        let t0 = std::time::Instant::now();
        let mut sw = Dataplane::new(node.tables.clone());
        sw.set_trace(std::env::var_os("OFFLOAD_COSIM_TRACE").is_some());
        let mut traffic = NodeTraffic::new(node, seed, 32);
        let mut aged = traffic.now_ns();
        for n in 0..per_node {
            let p = traffic.next_packet();
            // The driver's aging (hit bits refresh, then VPP's timeouts) once a second of
            // device time, and software's at the same moments.
            if p.now_ns - aged >= 1_000_000_000 {
                tb.node.age(p.now_ns);
                sw.expire_sessions(p.now_ns);
                aged = p.now_ns;
            }
            let what = format!("node {seed} packet {n} rx {} ({:?})", p.rx, p.kind);
            let before = Mark::of(&tb);
            let want = run.packet(&what, &mut tb, &mut sw, p.rx, &p.frame, p.now_ns);
            if p.kind == Kind::TcpEstablished && traffic.is_overlay(&p) {
                run.overlay_established += 1;
                run.overlay_punted += u64::from(before.punted_since(&tb));
            }
            traffic.delivered(&p, &want);
            bar.inc(1);
        }
        run.config_done(&format!("node {seed}"), &tb, &sw);
        run.lost += traffic.lost;
        let drops: Vec<String> = (sw.counters.drops.iter().enumerate())
            .filter(|(_, &n)| n > 0)
            .map(|(r, n)| format!("{:?} {n}", DropReason::ALL[r]))
            .collect();
        run.report.push(format!(
            "node {seed}: {} connections opened, {} aborted (a packet with no output), {} s of device time; drops: {}; \
             load {load_clocks} NIC clocks, then {} NIC clocks and {:.1} s for {per_node} packets",
            traffic.opened,
            traffic.aborted,
            (traffic.now_ns() - 1_000_000_000) / 1_000_000_000,
            drops.join(", "),
            tb.card.cycles() - load_clocks,
            t0.elapsed().as_secs_f64()
        ));
        run
    });
    for line in &run.report {
        eprintln!("{line}");
    }
    eprintln!("{}", run.tally.line("realistic", 0));
    eprintln!(
        "overlay: {} segments of established connections encapsulated or decapsulated, {} punted",
        run.overlay_established, run.overlay_punted
    );
    no_disagreements(&run.disagreements);
    reasons_seen(&run.drops_seen, &run.tally.reasons);
    assert_eq!(run.overlay_punted, 0, "an established connection's overlay segment was punted");
    assert!(
        run.tally.handled_pct() >= 95.0,
        "the NIC decided {:.1}% of the realistic traffic alone (floor 95%)",
        run.tally.handled_pct()
    );
    assert!(
        run.lost * 1000 <= run.tally.packets,
        "{} packets of {} had no output: the traffic model is off",
        run.lost,
        run.tally.packets
    );
}
