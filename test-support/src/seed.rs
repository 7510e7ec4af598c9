//! The bundled seed example (`examples/pod-to-service/`): its files, its expected
//! output frames and its input captures, for the tests and benches of every crate that
//! checks itself against the seed.

use std::path::{Path, PathBuf};

/// A file of the seed example.
pub fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/pod-to-service").join(name)
}

/// A named frame of `expected.txt` (the seed's hex dumps, and the full frames).
///
/// Panics if the file or the name is missing: these are test vectors.
pub fn expected_frame(name: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(path("expected.txt")).expect("examples/pod-to-service/expected.txt");
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("{name} not in expected.txt"));
    let hex = line.split_whitespace().nth(1).expect("hex bytes after the name");
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect()
}

/// The first packet of one of the example's pcap captures.
pub fn capture_frame(name: &str) -> Vec<u8> {
    let f = std::fs::File::open(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut r = pcap_file::pcap::PcapReader::new(f).expect("a pcap file");
    r.next_packet().expect("one packet").expect("a valid packet").data.into_owned()
}

/// One step of the seed exchange: which node (`"client"` or `"server"`) receives the
/// frame on `rx` (the pod's capture, or else the previous step's output), and the
/// frame it must send on `tx` (a name in `expected.txt`).
#[derive(Clone, Copy, Debug)]
pub struct Step {
    pub node: &'static str,
    pub rx: u16,
    pub capture: Option<&'static str>,
    pub tx: u16,
    pub expected: &'static str,
}

/// The seed's SYN from the client pod through both nodes, and the SYN-ACK back.
pub const STEPS: [Step; 4] = [
    Step { node: "client", rx: 6, capture: Some("client-tap2-in.pcap"), tx: 1, expected: "full_client_syn_uplink" },
    Step { node: "server", rx: 1, capture: None, tx: 7, expected: "full_server_syn_tap3" },
    Step { node: "server", rx: 7, capture: Some("server-tap3-in.pcap"), tx: 1, expected: "full_server_synack_uplink" },
    Step { node: "client", rx: 1, capture: None, tx: 6, expected: "full_client_synack_tap2" },
];
