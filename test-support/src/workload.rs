//! Synthetic workloads on the seed topology, shared by `nicctl bench` and the criterion
//! benches so both measure the same thing.
//!
//! The frames are real: the decap workload's VXLAN frames are what the client node's
//! pipeline emits, and new flows differ in source address and port so every packet
//! creates sessions.

use offload_tables::Tables;
use sw_fallback::{Dataplane, PacketBuf, Tx};

/// sw_if_index of the client pod's tap and of the uplink in the bundled example.
pub const CLIENT_TAP: u16 = 6;
pub const UPLINK: u16 = 1;

/// A TCP segment from `src:sport` to the service VIP 10.97.193.160:80, as the client
/// pod sends it into tap2 (74 bytes with options, like the seed's SYN).
pub fn client_frame(src: [u8; 4], sport: u16, flags: u8) -> Vec<u8> {
    let mut f = vec![0u8; 74];
    f[0..6].copy_from_slice(&[0x02, 0xfe, 0x16, 0x3f, 0x5f, 0x0f]);
    f[6..12].copy_from_slice(&[0, 0, 0, 0, 0, 2]);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    let ip = &mut f[14..34];
    ip.copy_from_slice(&[0x45, 0, 0, 60, 0x89, 0x5a, 0x40, 0, 64, 6, 0, 0, 0, 0, 0, 0, 10, 97, 193, 160]);
    ip[12..16].copy_from_slice(&src);
    let c = offload_tables::checksum::finish(offload_tables::checksum::sum(ip));
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    let tcp = &mut f[34..74];
    tcp[0..2].copy_from_slice(&sport.to_be_bytes());
    tcp[2..4].copy_from_slice(&80u16.to_be_bytes());
    tcp[4..8].copy_from_slice(&0x27c7_a68bu32.to_be_bytes());
    tcp[12] = 0xa0;
    tcp[13] = flags;
    tcp[14..16].copy_from_slice(&29200u16.to_be_bytes());
    tcp[20..40].copy_from_slice(&[2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 0, 0x2e, 0xf2, 0, 0, 0, 0, 1, 3, 3, 7]);
    let mut t = sw_fallback::wire::tcp::TcpPacket::new_unchecked(&mut f[34..74]);
    t.fill_checksum(src, [10, 97, 193, 160]);
    f
}

/// Source address and port of flow number `i` (distinct for i < 254 * 64512).
pub fn flow_source(i: usize) -> ([u8; 4], u16) {
    let host = 1 + (i / 64512) % 254;
    ([10, 1, 1, host as u8], 1024 + (i % 64512) as u16)
}

/// A repeatable workload: frames cycled through one dataplane.
pub struct Workload {
    pub name: &'static str,
    dp: Dataplane,
    rx: u16,
    frames: Vec<Vec<u8>>,
    spare: Vec<PacketBuf>,
    out: Vec<Tx>,
    next: usize,
    now_ns: u64,
}

impl Workload {
    fn new(name: &'static str, dp: Dataplane, rx: u16, frames: Vec<Vec<u8>>) -> Self {
        let spare = (0..64).map(|_| PacketBuf::from_frame(&[])).collect();
        Workload { name, dp, rx, frames, spare, out: Vec::with_capacity(64), next: 0, now_ns: 1_000_000_000 }
    }

    /// Established flows through the client node: tap2 → ACL → NAT (DNAT to the
    /// endpoint) → FIB → loop0 → bridge → VXLAN encap → uplink. Sessions are made
    /// by a warm-up pass of SYNs (only a SYN opens a NAT session, as in VPP).
    pub fn established_encap(client: Tables, flows: usize) -> Self {
        let syns: Vec<Vec<u8>> = (0..flows).map(flow_source).map(|(s, p)| client_frame(s, p, 0x02)).collect();
        let mut w = Workload::new(
            "established flow, client node (ACL+NAT+FIB+VXLAN encap)",
            Dataplane::new(client),
            CLIENT_TAP,
            syns,
        );
        w.run(flows);
        w.frames = (0..flows).map(flow_source).map(|(s, p)| client_frame(s, p, 0x10)).collect();
        w.next = 0;
        w.run(flows);
        w
    }

    /// Established flows arriving from the wire at the server node: ACL → NAT →
    /// ip4-local → VXLAN decap → bridge → BVI → ACL → NAT → FIB → tap3.
    pub fn established_decap(client: Tables, server: Tables, flows: usize) -> Self {
        let mut enc = Workload::established_encap(client, flows);
        let mut frames = Vec::with_capacity(flows);
        for i in 0..flows {
            let (s, p) = flow_source(i);
            let mut out = Vec::new();
            enc.dp.process(CLIENT_TAP, PacketBuf::from_frame(&client_frame(s, p, 0x10)), enc.now_ns, &mut out);
            frames.extend(out.into_iter().map(|t| t.pkt.frame().to_vec()));
        }
        let mut w = Workload::new(
            "established flow, server node (VXLAN decap+ACL+NAT+FIB)",
            Dataplane::new(server),
            UPLINK,
            frames,
        );
        w.run(flows);
        w
    }

    /// Every packet a new flow through the client node: ACL reflexive sessions and a
    /// NAT session (both directions) created per packet.
    pub fn new_sessions(mut client: Tables, flows: usize) -> Self {
        // One service session per flow, plus identity sessions for up to 64 K VXLAN source ports.
        client.global.nat_max_sessions = client.global.nat_max_sessions.max(flows as u32 + 65536 + 1024);
        client.global.acl_max_sessions = client.global.acl_max_sessions.max(2 * flows as u32 + 1024);
        let frames = (0..flows).map(flow_source).map(|(s, p)| client_frame(s, p, 0x02)).collect();
        Workload::new(
            "new sessions, client node (slow path: ACL reflect + NAT create)",
            Dataplane::new(client),
            CLIENT_TAP,
            frames,
        )
    }

    /// The peer for the scenarios above: the same frames routed between two plain
    /// interfaces (`ip4-input` → `ip4-lookup` → `ip4-rewrite`), no ACL, NAT or overlay.
    pub fn plain_forwarding(flows: usize) -> Self {
        let text = r#"
            [[interface]]
            name = "tap2"
            kind = "tap"
            index = 6
            mac = "02:fe:16:3f:5f:0f"
            [[interface]]
            name = "eth1"
            kind = "uplink"
            index = 1
            mac = "02:00:00:00:01:01"
            addresses = ["192.168.16.1/24"]
            [[neighbor]]
            interface = "eth1"
            ip = "192.168.16.2"
            mac = "02:00:00:00:01:02"
            [[route]]
            prefix = "10.96.0.0/12"
            via = [{ address = "192.168.16.2", interface = "eth1" }]
        "#;
        let cfg = node_config::parse_config(text, std::path::Path::new("plain-forwarding")).expect("valid config");
        let tables = node_config::render(&cfg).expect("renders");
        let frames = (0..flows).map(flow_source).map(|(s, p)| client_frame(s, p, 0x10)).collect();
        Workload::new("peer: plain IPv4 forwarding (lookup + rewrite only)", Dataplane::new(tables), CLIENT_TAP, frames)
    }

    /// Runs `n` packets; returns how many were transmitted.
    pub fn run(&mut self, n: usize) -> usize {
        let mut sent = 0;
        for _ in 0..n {
            let mut buf = self.spare.pop().unwrap_or_else(|| PacketBuf::from_frame(&[]));
            buf.set_frame(&self.frames[self.next]);
            self.next += 1;
            if self.next == self.frames.len() {
                self.next = 0;
            }
            self.now_ns += 100;
            self.dp.process(self.rx, buf, self.now_ns, &mut self.out);
            sent += self.out.len();
            self.spare.extend(self.out.drain(..).map(|t| t.pkt));
        }
        sent
    }

    pub fn frames(&self) -> usize {
        self.frames.len()
    }

    pub fn dataplane(&mut self) -> &mut Dataplane {
        &mut self.dp
    }
}
