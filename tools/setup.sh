#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for this project: the system packages it needs,
# installed when missing (nothing else is touched). The Rust toolchain is assumed.
#
#   tools/setup.sh           Verilator (the simulated NIC: `--device sim`, co-simulation)
#   tools/setup.sh --tests   also what the whole test suite needs: QEMU, a guest kernel
#                            and static busybox (the VFIO-in-a-VM test); iproute2,
#                            ethtool, tcpdump, curl, python3, iptables (the live
#                            two-node tests in network namespaces)
#
# Needs root (or sudo) to install; prints what is missing and exits non-zero otherwise.
set -euo pipefail

want=(verilator)
if [ "${1:-}" = "--tests" ]; then
  want+=(qemu-system-x86 linux-image-amd64 busybox-static iproute2 ethtool tcpdump curl python3 iptables)
elif [ -n "${1:-}" ]; then
  echo "usage: $0 [--tests]" >&2
  exit 2
fi

# A package counts as present when dpkg says it is installed.
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null; then
  as_root=(sudo)
else
  echo "setup: missing packages: ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
# (Verilator with its recommended packages, as its model build expects; the rest lean)
for p in "${missing[@]}"; do
  if [ "$p" = verilator ]; then
    "${as_root[@]}" apt-get install -y -q verilator
  fi
done
rest=()
for p in "${missing[@]}"; do [ "$p" = verilator ] || rest+=("$p"); done
if [ ${#rest[@]} -gt 0 ]; then
  "${as_root[@]}" apt-get install -y -q --no-install-recommends "${rest[@]}"
fi
