#!/usr/bin/env bash
# Generic Yosys synthesis of offload_top with small tables (the parameters in
# synth.ys), then its cell and memory counts: hw-rtl/syn/run.sh [log file]
#
# Small tables keep the run within a few minutes on a laptop-class machine: a full-size
# build is a vendor flow (block RAM inference), not this generic `synth`.
set -euo pipefail
cd "$(dirname "$0")/../.."
log=${1:-hw-rtl/syn/synth.log}
command -v yosys >/dev/null || { echo "yosys not found (apt-get install -y yosys)" >&2; exit 1; }
start=$(date +%s)
rtl=$(grep -v '^#' hw-rtl/rtl/files.txt | sed 's|^|hw-rtl/rtl/|' | tr '\n' ' ')
yosys -q -l "$log" -p "read_verilog -defer -sv $rtl; script hw-rtl/syn/synth.ys"
echo "yosys: $(( $(date +%s) - start )) s, log in $log"
# the whole design (all instances): cells by type; $mem_v2 cells are the table memories
awk '/=== design hierarchy ===/{p=1} p' hw-rtl/syn/stat.txt | grep -E "Number of cells|\\\$mem_v2|DFF|\\\$_(AND|OR|XOR|MUX|NOT)_"
