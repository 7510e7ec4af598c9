//! Profiling driver: runs one synthetic workload for a while and prints its counters.
fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let (_, c) = node_config::load_tables(std::path::Path::new("examples/pod-to-service/client-node.toml")).unwrap();
    let (_, s) = node_config::load_tables(std::path::Path::new("examples/pod-to-service/server-node.toml")).unwrap();
    let (mut w, n) = match which.as_str() {
        "decap" => (test_support::workload::Workload::established_decap(c, s, 1024), 3_000_000),
        "new" => (test_support::workload::Workload::new_sessions(c, 200_000), 200_000),
        "one" => (test_support::workload::Workload::established_encap(c, 1), 5_000_000),
        "plain" => (test_support::workload::Workload::plain_forwarding(1), 200_000),
        "small" => (test_support::workload::Workload::established_encap(c, 1), 200_000),
        _ => (test_support::workload::Workload::established_encap(c, 1024), 3_000_000),
    };
    let sent = w.run(n);
    let dp = w.dataplane();
    let names = dp.tables.names.interfaces.clone();
    let c = dp.counters().clone();
    eprint!("{}", sw_fallback::counters::CountersDisplay { counters: &c, interface_names: &names });
    eprintln!("sent {sent} sessions {} capacity {}", dp.sessions.len(), dp.sessions.capacity());
}
