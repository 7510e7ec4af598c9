#!/usr/bin/env bash
# Throughput through the service VIP on the live two-node topology, in one run:
#   1. both nodes run `nicctl serve` (release build, software dataplane);
#   2. both nodes are the Linux kernel: VXLAN in a bridge, IP forwarding and an iptables
#      DNAT rule for the service (what kube-proxy programs).
# iperf3 (TCP, one stream, DURATION seconds) from the client pod to 10.97.193.160:80,
# served by `iperf3 -s -p 8080` in the server pod. Gbit/s is iperf3's receiver rate;
# packets/s counts both directions on the client pod's interface. Checksum and
# segmentation offloads are off on every interface in both setups (the dataplane's
# TAPs and AF_PACKET rings carry MTU-sized frames), so both move the same packets.
#
#   tools/tests/two-nodes/bench.sh [DURATION]      (root; iperf3, ethtool, iptables)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
DURATION=${1:-10}
(cd "$ROOT" && cargo build --release -q -p nicctl)
export NICCTL=$ROOT/target/release/nicctl DURATION

measure() {
  "$HERE/topology.sh" --node1 "$1" --node2 "$1" -- bash -c '
    set -euo pipefail
    # The HTTP server goes; iperf3 takes its port (the service maps 80 -> 8080).
    for pid in $(ip netns pids "$S"); do kill "$pid"; done
    sleep 0.3
    ip netns exec "$S" iperf3 -s -p 8080 >/dev/null 2>&1 &
    for _ in $(seq 50); do ip netns exec "$S" ss -ltn | grep -q ":8080 " && break; sleep 0.1; done
    sleep 0.2
    pk() { ip netns exec "$C" cat /sys/class/net/eth0/statistics/rx_packets /sys/class/net/eth0/statistics/tx_packets | paste -sd+ | bc; }
    p0=$(pk); t0=$(date +%s.%N)
    ip netns exec "$C" timeout $((DURATION + 20)) iperf3 -c 10.97.193.160 -p 80 -t "$DURATION" -J >"$WORK/iperf.json"
    p1=$(pk); t1=$(date +%s.%N)
    python3 - "$WORK/iperf.json" "$p0" "$p1" "$t0" "$t1" <<PY
import json, sys
j = json.load(open(sys.argv[1]))
bps = j["end"]["sum_received"]["bits_per_second"]
pps = (int(sys.argv[3]) - int(sys.argv[2])) / (float(sys.argv[5]) - float(sys.argv[4]))
print(f"RESULT {bps / 1e9:.3f} {pps:.0f}")
PY
  ' | awk '/^RESULT/ {print $2, $3}'
}

read -r dp_gbps dp_pps < <(measure nicctl)
read -r k_gbps k_pps < <(measure kernel)
printf '%-40s %10s %12s\n' "setup (iperf3 TCP, ${DURATION} s, 1 stream)" "Gbit/s" "packets/s"
printf '%-40s %10s %12s\n' "nicctl serve on both nodes" "$dp_gbps" "$dp_pps"
printf '%-40s %10s %12s\n' "Linux kernel + iptables DNAT" "$k_gbps" "$k_pps"
python3 -c "print(f'ratio nicctl / kernel: {$dp_gbps / $k_gbps:.2f} (throughput), {$dp_pps / $k_pps:.2f} (packets/s)')"
