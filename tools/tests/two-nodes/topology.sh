#!/usr/bin/env bash
# The seed topology, live, in network namespaces: two Kubernetes nodes, a client pod
# 10.1.1.3 on node 1, a server pod 10.1.2.4 (python3 -m http.server 8080) on node 2, the
# nodes' uplinks 192.168.16.1/.2 joined by a veth "wire", VXLAN VNI 10 between them, and
# the service 10.97.193.160:80 -> 10.1.2.4:8080 with the seed's ACLs
# (examples/two-nodes/node{1,2}.toml).
#
#   topology.sh [--node1 nicctl|kernel] [--node2 nicctl|kernel] [--] [COMMAND...]
#
# Builds the topology, runs COMMAND (default: the demo below) with these variables
# exported, then removes everything (trap EXIT), also when something fails:
#   N1 N2 C S      namespaces of node 1, node 2, the client pod, the server pod
#   SOCK1 SOCK2    control sockets of the nodes' `nicctl serve` (SOCK2 unset for kernel)
#   NICCTL WORK    the nicctl binary, a scratch directory (removed afterwards)
# SERVE_ARGS adds words to both `nicctl serve` command lines (e.g. `--device sim`: the
# Verilator NIC model under the host driver).
#
# --node2 kernel replaces node 2's dataplane by the Linux kernel: a kernel VXLAN device
# in a kernel bridge (br0 = 192.168.30.2, the BVI's MAC), routing to the server pod's
# veth, which answers ARP for the pod gateway 169.254.1.1. --node1 kernel does the same
# for node 1 and adds the service as an iptables DNAT rule (what kube-proxy programs);
# with both, the topology is the all-kernel baseline of the benchmark.
#
# Every address lives in namespaces this script creates; nothing is configured in the
# namespace it is started from, and no traffic leaves the test's namespaces. Needs
# root, iproute2, ethtool, python3 (and curl, tcpdump for the demo).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
NICCTL=${NICCTL:-$ROOT/target/debug/nicctl}
NODE1=nicctl
NODE2=nicctl
while [ $# -gt 0 ]; do
  case $1 in
    --node1) NODE1=$2; shift 2 ;;
    --node2) NODE2=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
case $NODE1$NODE2 in nicctlnicctl|nicctlkernel|kernelnicctl|kernelkernel) ;;
  *) echo "topology.sh: --node1/--node2 nicctl|kernel" >&2; exit 2 ;; esac
[ -x "$NICCTL" ] || { echo "topology.sh: $NICCTL not built (cargo build -p nicctl)" >&2; exit 2; }

P=${TOPO_PREFIX:-nt$$}
N1=$P-node1 N2=$P-node2 C=$P-client S=$P-server
WORK=$(mktemp -d /tmp/nicctl-topology.XXXXXX)
SOCK1=$WORK/node1.sock
SOCK2=$WORK/node2.sock
PIDS=()

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  for ns in "$C" "$S" "$N1" "$N2"; do
    # Anything still running in a namespace (started by COMMAND) goes with it.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ $rc -ne 0 ] && [ -d "$WORK" ]; then
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -n 20 "$f"; } >&2; done
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s.
wait_for() {
  local t=$1 what=$2; shift 2
  for _ in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "topology.sh: timed out after ${t}s waiting for $what" >&2
  return 1
}

# Checksum and segmentation offloads off: the software dataplane sees complete frames.
no_offloads() { ip netns exec "$1" ethtool -K "$2" tx off sg off tso off gso off gro off >/dev/null 2>&1 || true; }

for ns in "$N1" "$N2" "$C" "$S"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done

# The wire between the nodes' uplinks, with the seed's MACs.
ip -n "$N1" link add name wire1 type veth peer name wire2 netns "$N2"
ip -n "$N1" link set wire1 address 08:00:27:44:9f:d8 mtu 1500 up
ip -n "$N2" link set wire2 address 08:00:27:e0:57:49 mtu 1500 up
no_offloads "$N1" wire1
no_offloads "$N2" wire2

# serve_node NS CONFIG UPLINK SOCKET TAP: starts `nicctl serve` in NS, waits for its TAP.
serve_node() {
  local ns=$1 cfg=$2 up=$3 sock=$4 tap=$5 log=$WORK/$(basename "$2" .toml).log
  # shellcheck disable=SC2086 # SERVE_ARGS: extra words for `nicctl serve` (e.g. --device sim)
  ip netns exec "$ns" "$NICCTL" serve --config "$cfg" --host-if "GigabitEthernet0/8/0=$up" --socket "$sock" \
    ${SERVE_ARGS:-} >"$log" 2>&1 &
  PIDS+=($!)
  wait_for 10 "nicctl serve in $ns ($log)" test -S "$sock"
  wait_for 5 "$tap in $ns" ip -n "$ns" link show "$tap"
}

# pod NODE_NS POD_NS DEV ADDR: the pod's end of DEV (in NODE_NS) becomes POD_NS's eth0,
# with the Contiv addressing: a /32 and a default route via the link-local gateway.
pod() {
  local node=$1 ns=$2 dev=$3 addr=$4
  ip -n "$node" link set "$dev" netns "$ns"
  ip -n "$ns" link set "$dev" name eth0
  ip -n "$ns" link set eth0 address 00:00:00:00:00:02 mtu 1450 up
  no_offloads "$ns" eth0
  ip -n "$ns" addr add "$addr/32" dev eth0
  ip -n "$ns" route add 169.254.1.1 dev eth0 scope link
  ip -n "$ns" route add default via 169.254.1.1 dev eth0
}

# kernel_node NS WIRE LOCAL REMOTE BR_MAC BR_ADDR OTHER_PODS OTHER_BVI POD_DEV POD_ADDR:
# a Linux node: VXLAN VNI 10 in a bridge (the BVI's MAC and address), a route to the
# other node's pods through its BVI, and a routed veth to the local pod.
kernel_node() {
  local ns=$1 wire=$2 local_ip=$3 remote=$4 br_mac=$5 br_addr=$6 pods=$7 via=$8 dev=$9 pod_addr=${10}
  ip -n "$ns" addr add "$local_ip/24" dev "$wire"
  ip -n "$ns" link add name vxlan10 type vxlan id 10 local "$local_ip" remote "$remote" dstport 4789 dev "$wire"
  ip -n "$ns" link add name br0 type bridge
  ip -n "$ns" link set br0 address "$br_mac" mtu 1450
  ip -n "$ns" link set vxlan10 master br0 mtu 1450 up
  ip -n "$ns" link set br0 up
  ip -n "$ns" addr add "$br_addr/24" dev br0
  ip -n "$ns" route add "$pods" via "$via" dev br0
  ip -n "$ns" link add name veth-pod type veth peer name "$dev"
  ip -n "$ns" link set veth-pod mtu 1450 up
  no_offloads "$ns" veth-pod
  ip -n "$ns" addr add 169.254.1.1/32 dev veth-pod
  ip -n "$ns" route add "$pod_addr/32" dev veth-pod
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
}

if [ "$NODE1" = nicctl ]; then
  serve_node "$N1" "$ROOT/examples/two-nodes/node1.toml" wire1 "$SOCK1" tap2
else
  unset SOCK1
  kernel_node "$N1" wire1 192.168.16.1 192.168.16.2 1a:2b:3c:4d:5e:01 192.168.30.1 10.1.2.0/24 192.168.30.2 tap2 10.1.1.3
  ip netns exec "$N1" iptables -t nat -A PREROUTING -d 10.97.193.160/32 -p tcp --dport 80 \
    -j DNAT --to-destination 10.1.2.4:8080
fi
pod "$N1" "$C" tap2 10.1.1.3

if [ "$NODE2" = nicctl ]; then
  serve_node "$N2" "$ROOT/examples/two-nodes/node2.toml" wire2 "$SOCK2" tap3
else
  unset SOCK2
  kernel_node "$N2" wire2 192.168.16.2 192.168.16.1 1a:2b:3c:4d:5e:02 192.168.30.2 10.1.1.0/24 192.168.30.1 tap3 10.1.2.4
fi
pod "$N2" "$S" tap3 10.1.2.4

mkdir -p "$WORK/www"
echo "hello from the server pod 10.1.2.4" >"$WORK/www/index.html"
ip netns exec "$S" python3 -m http.server 8080 --bind 10.1.2.4 --directory "$WORK/www" >"$WORK/http.log" 2>&1 &
PIDS+=($!)
wait_for 10 "the HTTP server in $S" ip netns exec "$S" bash -c 'exec 3<>/dev/tcp/10.1.2.4/8080'

export N1 N2 C S NICCTL WORK
if [ -n "${SOCK1:-}" ]; then export SOCK1; fi
if [ -n "${SOCK2:-}" ]; then export SOCK2; fi

if [ $# -gt 0 ]; then
  "$@"
else
  echo "== curl http://10.97.193.160/ in the client pod"
  ip netns exec "$C" curl -sS --max-time 10 http://10.97.193.160/
  if [ -n "${SOCK1:-}" ]; then
    echo "== nicctl show sessions (node 1)"
    "$NICCTL" show sessions --socket "$SOCK1"
    echo "== nicctl show neighbors (node 1)"
    "$NICCTL" show neighbors --socket "$SOCK1"
  fi
fi
