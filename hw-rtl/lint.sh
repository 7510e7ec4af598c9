#!/usr/bin/env bash
# Verilator lint of the whole RTL (-Wall, warnings fatal), the files of hw-rtl/rtl/files.txt
# at the RTL's default parameters: hw-rtl/lint.sh
set -euo pipefail
cd "$(dirname "$0")/rtl"
verilator --lint-only -Wall -sv $(grep -v '^#' files.txt) --top-module offload_top
