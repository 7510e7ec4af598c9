//! `nicctl bench`: synthetic traffic on the seed topology through the software
//! pipeline on one core; prints Mpps per scenario (median and best of several rounds).

use clap::Args;
use node_config::load_tables;
use std::path::PathBuf;
use std::time::Instant;
use test_support::workload::Workload;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Client node config (the seed's client node).
    #[arg(long, default_value = "examples/pod-to-service/client-node.toml")]
    pub client: PathBuf,
    /// Server node config (the seed's server node).
    #[arg(long, default_value = "examples/pod-to-service/server-node.toml")]
    pub server: PathBuf,
    /// Packets per round for the established-flow scenarios.
    #[arg(long, default_value_t = 2_000_000)]
    pub packets: usize,
    /// Concurrent established flows.
    #[arg(long, default_value_t = 1024)]
    pub flows: usize,
    /// New flows per round for the session-setup scenario.
    #[arg(long, default_value_t = 500_000)]
    pub new_flows: usize,
    /// Rounds per scenario.
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
}

struct Row {
    name: String,
    unit: &'static str,
    rates: Vec<f64>,
    forwarded: usize,
    sent: usize,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    v[v.len() / 2]
}

pub fn bench(a: &BenchArgs) -> Result<(), Box<dyn std::error::Error>> {
    let (_, client) = load_tables(&a.client)?;
    let (_, server) = load_tables(&a.server)?;
    let rounds = a.rounds.max(1);
    let mut rows = Vec::new();

    for kind in 0..3 {
        let mut w = match kind {
            0 => Workload::plain_forwarding(a.flows),
            1 => Workload::established_encap(client.clone(), a.flows),
            _ => Workload::established_decap(client.clone(), server.clone(), a.flows),
        };
        let mut row = Row { name: w.name.to_string(), unit: "Mpps", rates: Vec::new(), forwarded: 0, sent: 0 };
        for _ in 0..rounds {
            let t = Instant::now();
            row.forwarded += w.run(a.packets);
            row.rates.push(a.packets as f64 / t.elapsed().as_secs_f64() / 1e6);
            row.sent += a.packets;
        }
        rows.push(row);
    }

    let mut row = Row { name: String::new(), unit: "M sessions/s", rates: Vec::new(), forwarded: 0, sent: 0 };
    for _ in 0..rounds {
        let mut w = Workload::new_sessions(client.clone(), a.new_flows);
        row.name = w.name.to_string();
        let t = Instant::now();
        row.forwarded += w.run(a.new_flows);
        row.rates.push(a.new_flows as f64 / t.elapsed().as_secs_f64() / 1e6);
        row.sent += a.new_flows;
        let created = w.dataplane().counters().tables.nat_sessions_created;
        if created < a.new_flows as u64 {
            return Err(format!("only {created} NAT sessions created for {} new flows", a.new_flows).into());
        }
    }
    rows.push(row);

    println!("nicctl bench: {rounds} rounds, one core, software pipeline ({} flows established)", a.flows);
    println!("{:<70} {:>9} {:>9} {:>13} {:>9} {:>8}", "scenario", "median", "best", "unit", "forwarded", "vs peer");
    let peer = median(&mut rows[0].rates.clone());
    for mut r in rows {
        let best = r.rates.iter().cloned().fold(0.0, f64::max);
        let med = median(&mut r.rates);
        let ratio = if r.unit == "Mpps" { format!("{:.2}x", med / peer) } else { "-".to_string() };
        println!(
            "{:<70} {:>9.2} {:>9.2} {:>13} {:>8.1}% {:>8}",
            r.name,
            med,
            best,
            r.unit,
            100.0 * r.forwarded as f64 / r.sent as f64,
            ratio
        );
    }
    Ok(())
}
