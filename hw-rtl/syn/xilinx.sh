#!/usr/bin/env bash
# Synthesis of offload_top for a real part: Yosys `synth_xilinx -family xcup` (UltraScale+)
# on the production-size parameters (the simulated card's tables, PARAMS below), then a
# report per engine and for the whole design: LUTs, FFs, BRAM36/18, URAM, DSPs and the
# longest register-to-register path in LUT levels (an estimate of logic depth, not a
# timing closure), the memory census, and one closing line:
#
#     max LUT levels: N, multi-port memories: M
#
# Usage: hw-rtl/syn/xilinx.sh [output directory]   (default hw-rtl/syn/out; about an
# hour of one core and several GB of memory at these sizes)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-hw-rtl/syn/out}
mkdir -p "$out"
command -v yosys >/dev/null || { echo "yosys not found (apt-get install -y yosys)" >&2; exit 1; }

# The simulated card's table sizes (sim/build.rs SIM_TABLES) over the RTL's defaults;
# SYN_PARAMS (chparam arguments) replaces them, e.g. for a quick run on small tables.
PARAMS=${SYN_PARAMS:-"-set IF_BITS 6 -set ACL_LIST_BITS 7 -set LB_BITS 9 -set BUCKET_BITS 10 -set ADJ_BITS 7 -set GROUP_BITS 9"}
# the RTL in compile order (hw-rtl/rtl/files.txt)
RTL=$(grep -v '^#' hw-rtl/rtl/files.txt | sed 's|^|hw-rtl/rtl/|' | tr '\n' ' ')

start=$(date +%s)
yosys -q -l "$out/yosys.log" -p "
    read_verilog -defer -sv $RTL
    chparam $PARAMS offload_top
    hierarchy -top offload_top
    synth_xilinx -family xcup -noiopad -noclkbuf -run begin:map_memory
    tee -q -o $out/census.il dump t:\$mem_v2
    synth_xilinx -family xcup -noiopad -noclkbuf -run map_memory:check
    tee -o $out/stat.txt stat -tech xilinx
    write_json $out/mapped.json
    flatten
    write_json $out/flat.json
"
echo "yosys: $(( $(date +%s) - start )) s, log in $out/yosys.log"
python3 hw-rtl/syn/xilinx_report.py "$out/census.il" "$out/mapped.json" "$out/flat.json" | tee "$out/report.txt"
