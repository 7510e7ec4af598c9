//! The seed's TCP connection as a packet sequence, for the offload tests: the seed's SYN
//! and SYN-ACK captures, then the
//! rest of the connection (the handshake's ACK, a request, a response, FINs), built here
//! with etherparse, apart from the code under test.

use crate::seed;

/// One packet of the connection.
pub struct Packet {
    /// Sent by the client pod (tap2 on the client node), else by the server pod (tap3 on
    /// the server node).
    pub from_client: bool,
    pub frame: Vec<u8>,
    /// The packet changes session state that software keeps, so each node's NIC hands it
    /// to software: the first packet of each direction (the SYN and the SYN-ACK create
    /// the NAT and ACL sessions), the first ACK from the client (a TCP flag the client
    /// side's reflexive ACL sessions have not seen: their timeout depends on it), and
    /// the FINs. Every other packet is forwarded by the NICs alone.
    pub to_software: bool,
}

/// A TCP segment with the Ethernet and address/port fields of `like` (a seed frame in the
/// same direction), and its own sequence numbers, flags and payload.
fn segment(like: &[u8], seq: u32, ack: u32, fin: bool, payload: &[u8]) -> Vec<u8> {
    let ip = &like[14..34];
    let (src, dst) = ([ip[12], ip[13], ip[14], ip[15]], [ip[16], ip[17], ip[18], ip[19]]);
    let (sport, dport) = (u16::from_be_bytes([like[34], like[35]]), u16::from_be_bytes([like[36], like[37]]));
    let (smac, dmac): ([u8; 6], [u8; 6]) = (like[6..12].try_into().unwrap(), like[0..6].try_into().unwrap());
    let mut tcp =
        etherparse::PacketBuilder::ethernet2(smac, dmac).ipv4(src, dst, 64).tcp(sport, dport, seq, 502).ack(ack);
    if !payload.is_empty() {
        tcp = tcp.psh();
    }
    if fin {
        tcp = tcp.fin();
    }
    let mut f = Vec::new();
    tcp.write(&mut f, payload).unwrap();
    f
}

/// The connection, in order.
pub fn seed_connection() -> Vec<Packet> {
    let syn = seed::capture_frame("client-tap2-in.pcap");
    let syn_ack = seed::capture_frame("server-tap3-in.pcap");
    let seq_c = u32::from_be_bytes(syn[38..42].try_into().unwrap()) + 1;
    let seq_s = u32::from_be_bytes(syn_ack[38..42].try_into().unwrap()) + 1;
    let request = b"GET / HTTP/1.1\r\nHost: 10.97.193.160\r\n\r\n";
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let (rq, rs) = (request.len() as u32, response.len() as u32);
    let c = |frame: Vec<u8>, to_software: bool| Packet { from_client: true, frame, to_software };
    let s = |frame: Vec<u8>, to_software: bool| Packet { from_client: false, frame, to_software };
    vec![
        c(syn.clone(), true),
        s(syn_ack.clone(), true),
        c(segment(&syn, seq_c, seq_s, false, b""), true),
        c(segment(&syn, seq_c, seq_s, false, request), false),
        s(segment(&syn_ack, seq_s, seq_c + rq, false, b""), false),
        s(segment(&syn_ack, seq_s, seq_c + rq, false, response), false),
        c(segment(&syn, seq_c + rq, seq_s + rs, false, b""), false),
        c(segment(&syn, seq_c + rq, seq_s + rs, true, b""), true),
        s(segment(&syn_ack, seq_s + rs, seq_c + rq + 1, true, b""), true),
        c(segment(&syn, seq_c + rq + 1, seq_s + rs + 1, false, b""), false),
    ]
}

/// Both seed nodes in software with the connection established: the packets up to the
/// client's ACK of the response (`seed_connection()[..7]`) through the client node
/// (TAP 6 in, wire 1 out) and the server node (wire 1 in, TAP 7 out), the way a pair of
/// nodes sees them, at 100 µs apart from `now`. Returns the nodes and the last packet's
/// VXLAN frame on the wire (what the server node gets for the client's ACK).
pub fn established(client: &mut sw_fallback::Dataplane, server: &mut sw_fallback::Dataplane, mut now: u64) -> Vec<u8> {
    let mut txs = Vec::new();
    let mut wire = Vec::new();
    for p in &seed_connection()[..7] {
        let (a, a_rx, b) =
            if p.from_client { (&mut *client, 6, &mut *server) } else { (&mut *server, 7, &mut *client) };
        now += 100_000;
        txs.clear();
        a.process(a_rx, sw_fallback::PacketBuf::from_frame(&p.frame), now, &mut txs);
        wire = txs[0].pkt.frame().to_vec();
        txs.clear();
        b.process(1, sw_fallback::PacketBuf::from_frame(&wire), now, &mut txs);
    }
    wire
}
