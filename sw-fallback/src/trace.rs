//! Packet traces in the style of VPP's `show trace`: one block per packet, one entry per
//! graph node with its timestamp and the fields VPP prints. Built only when tracing is
//! on; the formatters write into one reused `String`.

use crate::wire::ethernet::fmt_mac;
use crate::wire::ipv4::Ipv4Packet;
use crate::wire::tcp::TcpPacket;
use crate::wire::udp::UdpPacket;
use std::fmt::Write;

#[derive(Default)]
pub struct Tracer {
    pub on: bool,
    text: String,
    packets: usize,
    now_ns: u64,
}

impl Tracer {
    /// Starts a packet's block.
    pub fn begin(&mut self, now_ns: u64) {
        self.packets += 1;
        self.now_ns = now_ns;
        let _ = write!(self.text, "{}Packet {}\n\n", if self.packets > 1 { "\n" } else { "" }, self.packets);
    }

    /// Starts a node's entry and returns the text to append its lines to.
    pub fn node(&mut self, name: &str) -> &mut String {
        let us = self.now_ns / 1000;
        let (s, usec) = (us / 1_000_000, us % 1_000_000);
        let _ = writeln!(self.text, "{:02}:{:02}:{:02}:{:06}: {}", s / 3600, (s / 60) % 60, s % 60, usec, name);
        &mut self.text
    }

    /// Takes the text traced so far.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.text)
    }

    /// Node names in order, parsed back from the text (for tests comparing paths).
    pub fn node_names(text: &str) -> Vec<String> {
        text.lines()
            .filter(|l| l.len() > 17 && l.as_bytes()[2] == b':' && l.as_bytes()[15] == b':')
            .map(|l| l[17..].to_string())
            .collect()
    }
}

/// `IP4: src -> dst` of an Ethernet header.
pub fn ethernet_line(out: &mut String, indent: usize, frame: &[u8]) {
    if frame.len() < 14 {
        return;
    }
    let dst: [u8; 6] = frame[0..6].try_into().expect("6 bytes");
    let src: [u8; 6] = frame[6..12].try_into().expect("6 bytes");
    let ty = u16::from_be_bytes([frame[12], frame[13]]);
    let name = match ty {
        0x0800 => "IP4".to_string(),
        0x0806 => "ARP".to_string(),
        t => format!("0x{t:04x}"),
    };
    let _ = writeln!(out, "{:indent$}{name}: {} -> {}", "", fmt_mac(&src), fmt_mac(&dst));
}

fn tcp_flag_names(flags: u8) -> String {
    const NAMES: [&str; 8] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];
    let v: Vec<&str> = (0..8).filter(|b| flags & (1 << b) != 0).map(|b| NAMES[b]).collect();
    v.join(" ")
}

fn proto_name(p: u8) -> String {
    match p {
        1 => "ICMP".into(),
        6 => "TCP".into(),
        17 => "UDP".into(),
        p => format!("ip-protocol-{p}"),
    }
}

/// VPP's `format_ip4_header` followed by the TCP/UDP header, for an IPv4 packet.
pub fn ip4_lines(out: &mut String, indent: usize, ip: &[u8]) {
    let Ok(p) = Ipv4Packet::new_checked(ip) else {
        let _ = writeln!(out, "{:indent$}(malformed ip4 header)", "");
        return;
    };
    let (s, d) = (std::net::Ipv4Addr::from(p.src_addr()), std::net::Ipv4Addr::from(p.dst_addr()));
    let proto = proto_name(p.protocol());
    let _ = writeln!(out, "{:indent$}{proto}: {s} -> {d}", "");
    let _ = writeln!(
        out,
        "{:indent$}  tos 0x{:02x}, ttl {}, length {}, checksum 0x{:04x}",
        "",
        p.tos(),
        p.ttl(),
        p.total_len(),
        p.checksum()
    );
    let _ = write!(out, "{:indent$}  fragment id 0x{:04x}", "", p.ident());
    if p.frag_offset() != 0 {
        let _ = write!(out, " offset {}", u32::from(p.frag_offset()) * 8);
    }
    if p.dont_frag() || p.more_frags() {
        let mut f = Vec::new();
        if p.dont_frag() {
            f.push("DONT_FRAGMENT");
        }
        if p.more_frags() {
            f.push("MORE_FRAGMENTS");
        }
        let _ = write!(out, ", flags {}", f.join(" "));
    }
    out.push('\n');
    if p.frag_offset() != 0 {
        return;
    }
    match p.protocol() {
        6 => {
            if let Ok(t) = TcpPacket::new_checked(p.payload()) {
                let _ = writeln!(out, "{:indent$}TCP: {} -> {}", "", t.src_port(), t.dst_port());
                let _ = writeln!(out, "{:indent$}  seq. 0x{:08x} ack 0x{:08x}", "", t.seq(), t.ack());
                let _ = writeln!(
                    out,
                    "{:indent$}  flags 0x{:02x} {}, tcp header: {} bytes",
                    "",
                    t.flags(),
                    tcp_flag_names(t.flags()),
                    t.header_len()
                );
                let _ = writeln!(out, "{:indent$}  window {}, checksum 0x{:04x}", "", t.window(), t.checksum());
            }
        }
        17 => {
            if let Ok(u) = UdpPacket::new_checked(p.payload()) {
                let _ = writeln!(out, "{:indent$}UDP: {} -> {}", "", u.src_port(), u.dst_port());
                let _ = writeln!(out, "{:indent$}  length {}, checksum 0x{:04x}", "", u.length(), u.checksum());
            }
        }
        _ => {}
    }
}

/// The first 60 bytes as `ip4-rewrite` dumps them: 32 bytes a line.
pub fn hex_dump_60(out: &mut String, indent: usize, frame: &[u8]) {
    let n = frame.len().min(60);
    for (line, chunk) in frame[..n].chunks(32).enumerate() {
        let _ = write!(out, "{:indent$}{:08x}: ", "", line * 32);
        for b in chunk {
            let _ = write!(out, "{b:02x}");
        }
        out.push('\n');
    }
}

/// Parses the hex dumps of a trace entry back into bytes (for tests).
pub fn parse_hex_dump(lines: &[&str]) -> Vec<u8> {
    let mut v = Vec::new();
    for l in lines {
        if let Some((_, hex)) = l.trim().split_once(": ") {
            let hex = hex.trim();
            for i in (0..hex.len()).step_by(2) {
                if let Ok(b) = u8::from_str_radix(&hex[i..(i + 2).min(hex.len())], 16) {
                    v.push(b);
                }
            }
        }
    }
    v
}
