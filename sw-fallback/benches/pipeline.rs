//! Criterion benches of the software pipeline on the seed topology: the same workloads
//! as `nicctl bench` (see `sw_fallback::synthetic`).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use node_config::load_tables;
use std::path::Path;
use std::time::{Duration, Instant};
use test_support::workload::Workload;

fn tables(name: &str) -> offload_tables::Tables {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/pod-to-service").join(name);
    load_tables(&p).unwrap_or_else(|e| panic!("{e}")).1
}

fn established(c: &mut Criterion) {
    let (client, server) = (tables("client-node.toml"), tables("server-node.toml"));
    let mut g = c.benchmark_group("established");
    g.throughput(Throughput::Elements(1));
    let mut encap = Workload::established_encap(client.clone(), 1024);
    g.bench_function("client node: ACL+NAT+FIB+VXLAN encap", |b| b.iter(|| encap.run(1)));
    let mut decap = Workload::established_decap(client, server, 1024);
    g.bench_function("server node: VXLAN decap+ACL+NAT+FIB", |b| b.iter(|| decap.run(1)));
    g.finish();
}

fn new_sessions(c: &mut Criterion) {
    let client = tables("client-node.toml");
    let mut g = c.benchmark_group("new sessions");
    g.throughput(Throughput::Elements(1));
    g.bench_function("client node: ACL reflect + NAT create", |b| {
        b.iter_custom(|iters| {
            // A fresh dataplane sized for the batch; only packet processing is timed.
            let n = iters as usize;
            let mut w = Workload::new_sessions(client.clone(), n.max(1));
            let t = Instant::now();
            w.run(n);
            t.elapsed()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = established, new_sessions
}
criterion_main!(benches);
