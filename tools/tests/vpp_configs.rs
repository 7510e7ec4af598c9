//! VPP configurations that real VPP runs load and run here, through `nicctl` as a user
//! runs it: `check` notes what is odd without refusing it, `run` forwards the traffic.

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::{Block, PcapNgReader};
use std::path::{Path, PathBuf};
use std::process::Command;

fn nicctl(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nicctl")).args(args).output().expect("nicctl runs");
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(out.status.success(), "nicctl {args:?} failed:\n{stderr}");
    (stdout, stderr)
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nicctl-vpp-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn pcap(path: &Path, frames: &[Vec<u8>]) {
    let f = std::fs::File::create(path).unwrap();
    let mut w =
        PcapWriter::with_header(f, PcapHeader { datalink: pcap_file::DataLink::ETHERNET, ..Default::default() })
            .unwrap();
    for (i, fr) in frames.iter().enumerate() {
        w.write_packet(&PcapPacket::new(std::time::Duration::from_millis(1 + i as u64), fr.len() as u32, fr)).unwrap();
    }
}

/// Every frame of a pcapng file.
fn frames(path: &Path) -> Vec<Vec<u8>> {
    let mut r = PcapNgReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut v = Vec::new();
    while let Some(b) = r.next_block() {
        if let Block::EnhancedPacket(p) = b.unwrap() {
            v.push(p.data.into_owned());
        }
    }
    v
}

fn udp(smac: [u8; 6], dmac: [u8; 6], src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    etherparse::PacketBuilder::ethernet2(smac, dmac).ipv4(src, dst, 64).udp(5000, 6000).write(&mut out, b"hi").unwrap();
    out
}

/// Contiv-VPP's host-interconnect TAP has the VPP-side MAC 01:23:45:67:89:42, which has
/// the multicast bit set. VPP takes it; so does `nicctl`: `check` notes it, and traffic
/// to and from the TAP is forwarded, the TAP's frames leaving with that source MAC.
#[test]
fn multicast_bit_tap_mac_loads_and_forwards() {
    let d = dir("mac");
    let cfg = d.join("node.vpp");
    std::fs::write(
        &cfg,
        "set interface mac address GigabitEthernet0/8/0 02:00:00:00:00:01\n\
         set interface ip address GigabitEthernet0/8/0 192.168.16.1/24\n\
         set interface state GigabitEthernet0/8/0 up\n\
         create tap id 0 hw-addr 01:23:45:67:89:42 host-if-name vpp1\n\
         set interface ip address tap0 172.30.1.1/24\n\
         set interface state tap0 up\n\
         set ip neighbor tap0 172.30.1.2 02:00:00:00:00:aa static\n\
         set ip neighbor GigabitEthernet0/8/0 192.168.16.2 02:00:00:00:00:bb static\n",
    )
    .unwrap();
    let s = |p: &Path| p.display().to_string();
    let (check, _) = nicctl(&["check", "--config", &s(&cfg)]);
    assert!(check.contains("config is valid"), "{check}");
    let note = check.lines().find(|l| l.contains("note:") && l.contains("01:23:45:67:89:42")).unwrap_or_else(|| {
        panic!("no note for the multicast-bit MAC:\n{check}");
    });
    assert!(note.contains("interface tap0") && note.contains("multicast"), "{note}");

    let tap_mac = [0x01, 0x23, 0x45, 0x67, 0x89, 0x42];
    let from_tap = udp([2, 0, 0, 0, 0, 0xaa], tap_mac, [172, 30, 1, 2], [192, 168, 16, 2]);
    let from_wire = udp([2, 0, 0, 0, 0, 0xbb], [2, 0, 0, 0, 0, 1], [192, 168, 16, 2], [172, 30, 1, 2]);
    let (tap_in, wire_in, out) = (d.join("tap.pcap"), d.join("wire.pcap"), d.join("out.pcapng"));
    pcap(&tap_in, &[from_tap]);
    pcap(&wire_in, &[from_wire]);
    nicctl(&[
        "run",
        "--config",
        &s(&cfg),
        "--in",
        &format!("tap0={}", s(&tap_in)),
        "--in",
        &format!("GigabitEthernet0/8/0={}", s(&wire_in)),
        "--out",
        &s(&out),
    ]);
    let got = frames(&out);
    let _ = std::fs::remove_dir_all(&d);
    assert_eq!(got.len(), 2, "both frames forwarded");
    // to the wire: from the uplink's MAC to the neighbor's, routed (TTL 63)
    assert_eq!(&got[0][..12], &[2, 0, 0, 0, 0, 0xbb, 2, 0, 0, 0, 0, 1]);
    assert_eq!((got[0][22], &got[0][30..34]), (63, &[192, 168, 16, 2][..]));
    // to the TAP: from the TAP's own (multicast-bit) MAC to the host's
    assert_eq!(&got[1][..12], &[2, 0, 0, 0, 0, 0xaa, 0x01, 0x23, 0x45, 0x67, 0x89, 0x42]);
    assert_eq!((got[1][22], &got[1][30..34]), (63, &[172, 30, 1, 2][..]));
}
