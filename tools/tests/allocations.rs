//! No allocation per packet in steady state, counted by a counting global allocator:
//!
//! - `nicctl run`'s path (pcap reader → pipeline → pcapng writer): after a warm-up run,
//!   the allocations of a run over 200,000 packets equal those of a run over 100,000
//!   packets of the same flows (setup costs the same; the 100,000 extra packets cost
//!   nothing);
//! - the driver's punt → slow path → inject path (`host_driver::node::Node`): 100,000
//!   packets punted by the simulated card (its session table refuses every entry, so
//!   every packet of the flows is a miss served by software and injected back): zero
//!   allocations by the driver. The card is a device: what it allocates inside its
//!   `Device` calls (the simulator's own bookkeeping) is not counted.
//!
//! The counter is per thread and counts only while a test turns it on.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to the system allocator unchanged; the thread-locals
// are const-initialized Cells (no allocation, no destructor), so touching them here
// cannot recurse into the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if ON.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` came from `System.alloc` with this layout.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if ON.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` with counting off (a device's own work).
fn uncounted<R>(f: impl FnOnce() -> R) -> R {
    let was = ON.with(|o| o.replace(false));
    let r = f();
    ON.with(|o| o.set(was));
    r
}

/// Allocations `f` makes on this thread.
fn count<R>(f: impl FnOnce() -> R) -> (u64, R) {
    COUNT.with(|c| c.set(0));
    ON.with(|o| o.set(true));
    let r = f();
    ON.with(|o| o.set(false));
    (COUNT.with(Cell::get), r)
}

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("nicctl-alloc-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The seed client's flows from the pod into tap2, 1,000 of them, each opened by a SYN
/// (the first 1,000 frames) then carrying ACKs, cycled: `n` frames, 1 µs apart.
fn capture(path: &Path, n: usize) {
    use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
    let f = std::fs::File::create(path).unwrap();
    let mut w =
        PcapWriter::with_header(f, PcapHeader { datalink: pcap_file::DataLink::ETHERNET, ..Default::default() })
            .unwrap();
    let frames: Vec<Vec<u8>> = (0..1000)
        .map(test_support::workload::flow_source)
        .map(|(s, p)| test_support::workload::client_frame(s, p, 0x10))
        .collect();
    let syns: Vec<Vec<u8>> = (0..1000)
        .map(test_support::workload::flow_source)
        .map(|(s, p)| test_support::workload::client_frame(s, p, 0x02))
        .collect();
    for i in 0..n {
        let ts = std::time::Duration::from_micros(1_000_000 + i as u64);
        let f = if i < syns.len() { &syns[i] } else { &frames[i % frames.len()] };
        w.write_packet(&PcapPacket::new(ts, f.len() as u32, f)).unwrap();
    }
}

#[test]
fn nicctl_run_allocates_nothing_per_packet() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        run: nicctl::run::RunArgs,
    }
    let d = dir();
    let config = test_support::seed::path("client-node.toml");
    let mut allocs = Vec::new();
    // the first run pays the process's one-time costs (stdout, lazy statics)
    for n in [1_000usize, 100_000, 200_000] {
        let input = d.join(format!("in-{n}.pcap"));
        capture(&input, n);
        let out = d.join(format!("out-{n}.pcapng"));
        let cli = Cli::parse_from([
            "run".into(),
            "--config".into(),
            config.display().to_string(),
            "--in".into(),
            format!("tap2={}", input.display()),
            "--out".into(),
            out.display().to_string(),
        ]);
        let (a, r) = count(|| nicctl::run::run(&cli.run));
        r.unwrap();
        assert!(std::fs::metadata(&out).unwrap().len() > 100 * n as u64, "every packet written");
        allocs.push(a);
    }
    let _ = std::fs::remove_dir_all(&d);
    eprintln!("nicctl run: {} allocations for 100,000 packets, {} for 200,000", allocs[1], allocs[2]);
    assert_eq!(allocs[2], allocs[1], "100,000 more packets allocated {} times", allocs[2] as i64 - allocs[1] as i64);
}

/// The simulated card as a device whose own allocations are not counted.
struct Device(sim::SimCard);

impl host_driver::Device for Device {
    fn backend(&self) -> &'static str {
        "sim"
    }
    fn bar0_len(&self) -> u64 {
        self.0.bar0_len()
    }
    fn read32(&self, offset: u32) -> host_driver::Result<u32> {
        uncounted(|| self.0.read32(offset))
    }
    fn write32(&self, offset: u32, value: u32) -> host_driver::Result<()> {
        uncounted(|| self.0.write32(offset, value))
    }
    fn alloc_dma(&self, len: usize) -> host_driver::Result<host_driver::DmaBuffer> {
        self.0.alloc_dma(len)
    }
    fn irq_vectors(&self) -> usize {
        0
    }
    fn wait_irq(&self, vector: usize, timeout: std::time::Duration) -> host_driver::Result<u64> {
        self.0.wait_irq(vector, timeout)
    }
}

#[test]
fn driver_punt_to_inject_allocates_nothing_per_packet() {
    use host_driver::node::{Node, NodeOptions};

    if test_support::prerequisite::skip("driver allocation test", "the RTL model", sim::rtl_model_missing()) {
        return;
    }
    let card = sim::SimCard::new().expect("a simulated card");
    // The card's session table takes nothing: every flow stays in software, and each of
    // its packets is punted, served by the slow path and injected back.
    card.faults(|f| f.session_limit = Some(0));
    let (_, tables) = node_config::load_tables(&test_support::seed::path("client-node.toml")).unwrap();
    let mut node = Node::with_device(Box::new(Device(card.clone())), tables, &NodeOptions::default()).unwrap();
    let frames: Vec<Vec<u8>> = (0..1000)
        .map(test_support::workload::flow_source)
        .map(|(s, p)| test_support::workload::client_frame(s, p, 0x10))
        .collect();
    let mut out = Vec::with_capacity(64);
    let mut now = 1_000_000_000u64;
    // each flow opens with a SYN (only a SYN makes a NAT session)
    for (s, p) in (0..1000).map(test_support::workload::flow_source) {
        now += 1_000;
        let pkt = node.dp.pool.frame(&test_support::workload::client_frame(s, p, 0x02));
        node.receive(6, pkt, now, &mut out);
        out.clear();
    }
    drop(card.wire_take());
    let mut step = |node: &mut Node, i: usize| {
        now += 1_000;
        let pkt = node.dp.pool.frame(&frames[i % frames.len()]);
        node.receive(6, pkt, now, &mut out);
        out.clear();
    };
    for i in 0..10_000 {
        step(&mut node, i);
        if i % 1000 == 999 {
            drop(card.wire_take());
        }
    }
    let (punts0, injected0) = (node.stats.punts, node.stats.injected);
    let mut allocs = 0;
    for round in 0..100 {
        let (a, ()) = count(|| {
            for i in 0..1000 {
                step(&mut node, round * 1000 + i);
            }
        });
        allocs += a;
        // the cable's far end (not the driver's business)
        drop(card.wire_take());
    }
    let (punts, injected) = (node.stats.punts - punts0, node.stats.injected - injected0);
    eprintln!("driver: 100,000 packets, {punts} punts served, {injected} injected, {allocs} allocations");
    assert!(node.offloading(), "{:?}", node.fallback);
    assert_eq!(punts, 100_000, "every packet punted");
    assert_eq!(injected, 100_000, "every output injected to the wire port");
    assert_eq!(allocs, 0, "allocations on the driver's punt -> inject path");
}
