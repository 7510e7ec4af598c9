#!/usr/bin/env bash
# Verilator line and toggle coverage of the co-simulation: builds the RTL model with
# coverage (cargo feature `sim/coverage`), runs the differential co-simulation (both
# models; sizes from OFFLOAD_COSIM_* as usual, smaller defaults here), merges what each
# model wrote and prints a summary per module and kind.
#   hw-rtl/coverage.sh            # default sizes
#   OFFLOAD_COSIM_PACKETS=200000 hw-rtl/coverage.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=${COVERAGE_OUT:-target/coverage}
rm -rf "$out" && mkdir -p "$out/raw"
export OFFLOAD_COVERAGE_DIR="$PWD/$out/raw"
export OFFLOAD_COSIM_PACKETS=${OFFLOAD_COSIM_PACKETS:-50000}
export OFFLOAD_COSIM_CONFIGS=${OFFLOAD_COSIM_CONFIGS:-20}
export OFFLOAD_COSIM_REALISTIC_PACKETS=${OFFLOAD_COSIM_REALISTIC_PACKETS:-60000}
export OFFLOAD_COSIM_REALISTIC_NODES=${OFFLOAD_COSIM_REALISTIC_NODES:-2}
cargo test --release -p sim --features sim/coverage --test differential -- --nocapture
verilator_coverage --write "$out/merged.dat" "$out"/raw/*.dat
verilator_coverage --annotate "$out/annotated" "$out/merged.dat" > /dev/null
python3 hw-rtl/coverage/summary.py "$out/merged.dat"
