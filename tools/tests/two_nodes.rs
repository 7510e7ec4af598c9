//! Live two-node tests (issue 5): `tools/tests/two-nodes/topology.sh` builds the seed
//! topology in network namespaces and runs each body inside it; the script removes
//! everything afterwards, also on failure. Each test needs root with `ip netns`, curl,
//! tcpdump, ethtool and python3 (`tools/setup.sh --tests`): without them it skips with a
//! message, or fails under `CI=true` (`test_support::prerequisite`).
//!
//! 1. curl through both `nicctl serve` dataplanes; VXLAN VNI 10 on the wire; the NAT
//!    session in `nicctl show sessions`; a VPP-style trace.
//! 2. the same curl with node 2 replaced by the Linux kernel (VXLAN device in a bridge).
//! 3. 1,000 sequential and 100 concurrent connections, none failing; the session
//!    counts of both nodes return to their baseline after the (short) aging timeouts.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

/// One topology at a time: the tests share CPU and would skew each other's timeouts.
static SERIAL: Mutex<()> = Mutex::new(());

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/two-nodes/topology.sh")
}

fn ok(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd).args(args).output().map(|o| o.status.success()).unwrap_or(false)
}

/// Why these tests cannot run here, if they cannot.
fn skip_reason() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if uid.as_deref() != Some("0") {
        return Some("not root".into());
    }
    if !ok("ip", &["netns", "list"]) {
        return Some("`ip netns` unavailable".into());
    }
    for (tool, arg) in
        [("curl", "--version"), ("tcpdump", "--version"), ("ethtool", "--version"), ("python3", "--version")]
    {
        if !ok(tool, &[arg]) {
            return Some(format!("`{tool}` not installed"));
        }
    }
    None
}

/// Runs `body` (bash) inside a fresh topology; returns its stdout. Panics with the
/// output when it fails. `None` when skipped.
fn in_topology(test: &str, node2: &str, body: &str, timeout_s: u32) -> Option<String> {
    in_topology_with(test, node2, "", body, timeout_s)
}

/// [`in_topology`] with extra `nicctl serve` arguments on both nodes.
fn in_topology_with(test: &str, node2: &str, serve_args: &str, body: &str, timeout_s: u32) -> Option<String> {
    let need = "root, ip netns, curl, tcpdump, ethtool and python3";
    if test_support::prerequisite::skip(&format!("two_nodes::{test}"), need, skip_reason().as_deref()) {
        return None;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let t = Instant::now();
    let out = Command::new("timeout")
        .args(["-s", "TERM", "-k", "10", &timeout_s.to_string()])
        .arg(script())
        .args(["--node2", node2, "--", "bash", "-c", &format!("set -euo pipefail\n{body}")])
        .env("NICCTL", env!("CARGO_BIN_EXE_nicctl"))
        .env("SERVE_ARGS", serve_args)
        .env("TOPO_PREFIX", format!("nt{}{}", std::process::id() % 100000, &test[..2]))
        .output()
        .expect("run topology.sh");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    eprintln!("two_nodes::{test}: {:.1} s", t.elapsed().as_secs_f64());
    assert!(out.status.success(), "{test} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}", out.status);
    Some(stdout)
}

/// Captures the wire (VXLAN only) around one curl through the service.
const CURL_WITH_CAPTURE: &str = r#"
ip netns exec "$N1" tcpdump -i wire1 -nn -U --immediate-mode -w "$WORK/wire.pcap" udp port 4789 2>"$WORK/tcpdump.log" &
TD=$!
for _ in $(seq 50); do grep -q "listening on" "$WORK/tcpdump.log" && break; sleep 0.1; done
echo "== curl"
ip netns exec "$C" curl -sS --max-time 10 http://10.97.193.160/
sleep 0.3
kill -INT $TD; wait $TD || true
echo "== wire"
tcpdump -nn -r "$WORK/wire.pcap" 2>/dev/null | head -n 4
"#;

#[test]
fn curl_through_two_nicctl_nodes() {
    let body = format!(
        r#"
"$NICCTL" trace add 30 --socket "$SOCK1" >/dev/null
{CURL_WITH_CAPTURE}
echo "== sessions"
"$NICCTL" show sessions --socket "$SOCK1"
echo "== trace"
"$NICCTL" trace show --socket "$SOCK1"
echo "== interfaces"
"$NICCTL" show interfaces --socket "$SOCK2"
"#
    );
    let Some(out) = in_topology("curl_through_two_nicctl_nodes", "nicctl", &body, 90) else { return };
    assert!(out.contains("hello from the server pod 10.1.2.4"), "{out}");
    let wire = &out[out.find("== wire").unwrap()..out.find("== sessions").unwrap()];
    assert!(wire.contains("192.168.16.1.") && wire.contains("VXLAN") && wire.contains("vni 10"), "{wire}");
    let sessions = &out[out.find("== sessions").unwrap()..out.find("== trace").unwrap()];
    assert!(
        sessions.contains("tcp in 10.1.2.4:8080 -> 10.1.1.3:") && sessions.contains("-> 10.97.193.160:80"),
        "{sessions}"
    );
    let trace = &out[out.find("== trace").unwrap()..];
    for node in ["arp-proxy", "nat44-out2in", "ip4-rewrite", "vxlan4-encap", "GigabitEthernet0/8/0-tx", "vxlan4-input"]
    {
        assert!(trace.contains(node), "{node} not in trace:\n{trace}");
    }
}

/// Both nodes offloaded to the simulated NIC (`nicctl serve --device sim`: the host
/// driver, the shell model and the Verilator core): curl through the service works, and
/// the NICs forwarded packets alone (VXLAN encap and decap, frames to the pods' TAPs)
/// while the driver served the rest.
#[test]
fn curl_through_two_simulated_nics() {
    let body = format!(
        r#"
{CURL_WITH_CAPTURE}
ip netns exec "$C" curl -sS -o /dev/null --max-time 10 http://10.97.193.160/
echo "== counters1"
"$NICCTL" show counters --socket "$SOCK1"
echo "== counters2"
"$NICCTL" show counters --socket "$SOCK2"
"#
    );
    let Some(out) = in_topology_with("curl_through_two_simulated_nics", "nicctl", "--device sim", &body, 120) else {
        return;
    };
    assert!(out.contains("hello from the server pod 10.1.2.4"), "{out}");
    let wire = &out[out.find("== wire").unwrap()..out.find("== counters1").unwrap()];
    assert!(wire.contains("vni 10"), "{wire}");
    let number = |text: &str, name: &str| -> u64 {
        text.lines()
            .find(|l| l.trim_end().ends_with(&format!("  {name}")))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let c1 = &out[out.find("== counters1").unwrap()..out.find("== counters2").unwrap()];
    let c2 = &out[out.find("== counters2").unwrap()..];
    eprintln!("{c1}{c2}");
    // node 1's uplink neighbor was learned by ARP and put into its NIC's tables: the
    // second curl's requests leave the client node's NIC encapsulated, alone
    assert!(number(c1, "nic forwarded") > 0, "node 1: the NIC sent VXLAN frames to the wire alone\n{c1}");
    for (node, c) in [("node 1", c1), ("node 2", c2)] {
        assert!(number(c, "punts served") > 0, "{node}: the slow path served misses\n{c}");
        assert!(
            number(c, "nic forwarded") + number(c, "nic forwarded to host interfaces") > 0,
            "{node}: the NIC forwarded packets alone\n{c}"
        );
    }
}

#[test]
fn curl_with_a_kernel_vxlan_node() {
    let Some(out) = in_topology("curl_with_a_kernel_vxlan_node", "kernel", CURL_WITH_CAPTURE, 90) else { return };
    assert!(out.contains("hello from the server pod 10.1.2.4"), "{out}");
    let wire = &out[out.find("== wire").unwrap()..];
    assert!(wire.contains("192.168.16.2.") && wire.contains("vni 10"), "{wire}");
}

#[test]
fn thousand_sequential_and_hundred_concurrent_connections() {
    let body = r#"
counts() { "$NICCTL" show sessions --socket "$1" | awk '/sessions:/ {printf "%s ", $3}'; }
base1=$(counts "$SOCK1"); base2=$(counts "$SOCK2")
echo "baseline node1: $base1 node2: $base2"
ip netns exec "$C" bash -c '
  for i in $(seq 1000); do curl -sS -o /dev/null --max-time 5 -w "%{http_code}\n" http://10.97.193.160/ || echo fail; done
' > "$WORK/seq.txt"
echo "sequential: $(grep -c "^200$" "$WORK/seq.txt") ok of $(wc -l < "$WORK/seq.txt")"
ip netns exec "$C" bash -c '
  for i in $(seq 100); do (curl -sS -o /dev/null --max-time 20 -w "%{http_code}\n" http://10.97.193.160/ || echo fail) & done; wait
' > "$WORK/conc.txt"
echo "concurrent: $(grep -c "^200$" "$WORK/conc.txt") ok of $(wc -l < "$WORK/conc.txt")"
echo "peak node1: $(counts "$SOCK1")"
for i in $(seq 300); do
  # The baseline of an idle node: no NAT and no ACL session.
  if [ "$(counts "$SOCK1")" = "0 0 " ] && [ "$(counts "$SOCK2")" = "0 0 " ]; then
    echo "back to baseline after $((i / 10)).$((i % 10)) s"; break
  fi
  sleep 0.1
done
echo "final node1: $(counts "$SOCK1") node2: $(counts "$SOCK2")"
"$NICCTL" show counters --socket "$SOCK1" | grep -E "drop|glean|timeouts" || true
"#;
    let Some(out) = in_topology("thousand_sequential_and_hundred_concurrent_connections", "nicctl", body, 170) else {
        return;
    };
    eprintln!("{out}");
    assert!(out.contains("sequential: 1000 ok of 1000"), "{out}");
    assert!(out.contains("concurrent: 100 ok of 100"), "{out}");
    assert!(out.contains("back to baseline after"), "{out}");
}
