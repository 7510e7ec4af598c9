//! The skid buffer's bench (`hw-rtl/tb/offload_skid/tb.sv`): numbered beats through it in
//! phases of random input valid and output ready rates, from always on to rare, checked
//! for order, loss, holding an offer, `busy`, and one beat per clock with both sides
//! always on (the buffer between two segments must not halve the line rate).
//! `cargo test -p rtl-benches`.

mod common;

use common::{no_verilator, run};
use rtl_benches::Bench;
use std::fmt::Write;
use test_support::realistic::Rng;

#[test]
fn skid_buffer_keeps_order_and_rate() {
    if no_verilator("skid_buffer_keeps_order_and_rate") {
        return;
    }
    let mut rng = Rng::new(23);
    let rates = [100u64, 100, 90, 60, 30, 5, 0];
    let mut v = String::new();
    // both always on first (the no-bubble check), then every pair, then random phases
    writeln!(v, "P 500 100 100").unwrap();
    for valid in rates {
        for ready in rates {
            writeln!(v, "P {} {valid} {ready}", rng.range(20, 200)).unwrap();
        }
    }
    for _ in 0..200 {
        writeln!(v, "P {} {} {}", rng.range(1, 50), rng.pick(&rates), rng.pick(&rates)).unwrap();
    }
    run(Bench { module: "offload_skid", rtl: &["offload_skid.sv"], params: &[] }, &v, &[]);
}
