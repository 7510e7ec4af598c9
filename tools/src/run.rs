//! `nicctl run`: packets from captures, each bound to its ingress interface, merged in
//! timestamp order through one dataplane (state kept across files); every transmitted
//! packet is written to a pcapng file with one interface block per egress interface.

use crate::config_file::{self, FormatArgs};
use clap::Args;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};
use pcap_file::pcapng::{Block, PcapNgReader, PcapNgWriter};
use pcap_file::{pcap::PcapReader, DataLink};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;
use sw_fallback::counters::CountersDisplay;
use sw_fallback::{Dataplane, PacketBuf};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Node config.
    #[arg(long)]
    pub config: PathBuf,
    #[command(flatten)]
    pub format: FormatArgs,
    /// `INTERFACE=FILE`: a pcap or pcapng capture received on that interface.
    /// `INTERFACE=FILE@NAME` takes only the packets of the pcapng interface NAME (e.g.
    /// one egress interface of another node's `--out`). Repeatable.
    #[arg(long = "in", value_name = "IF=FILE[@NAME]", required = true)]
    pub inputs: Vec<String>,
    /// pcapng file for every transmitted packet.
    #[arg(long)]
    pub out: PathBuf,
    /// Print a VPP-style packet trace.
    #[arg(long)]
    pub trace: bool,
    /// Print the counters after the run.
    #[arg(long)]
    pub counters: bool,
    /// Run session aging every this many seconds of capture time.
    #[arg(long, default_value_t = 1.0)]
    pub aging_interval: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] node_config::ConfigError),
    #[error("--in {0}: expected INTERFACE=FILE")]
    BadInput(String),
    #[error("--in {arg}: no interface `{name}` in the config")]
    UnknownInterface { arg: String, name: String },
    #[error("{file}: {what}")]
    Capture { file: PathBuf, what: String },
    #[error("{file}: {source}")]
    Io { file: PathBuf, source: std::io::Error },
}

/// One received frame: time, ingress interface, bytes; `seq` keeps file order on ties.
struct Rx {
    ns: u64,
    seq: usize,
    sw_if_index: u16,
    frame: Vec<u8>,
}

fn cap_err(file: &Path, e: impl std::fmt::Display) -> RunError {
    RunError::Capture { file: file.to_path_buf(), what: e.to_string() }
}

/// Reads every packet of a pcap or pcapng file (told apart by the magic number).
fn read_capture(
    file: &Path,
    only: Option<&str>,
    sw_if_index: u16,
    seq: &mut usize,
    out: &mut Vec<Rx>,
) -> Result<(), RunError> {
    let mut f = File::open(file).map_err(|source| RunError::Io { file: file.to_path_buf(), source })?;
    let mut magic = [0u8; 4];
    f.read_exact(&mut magic).map_err(|_| cap_err(file, "too short to be a capture"))?;
    let f = File::open(file).map_err(|source| RunError::Io { file: file.to_path_buf(), source })?;
    let mut push = |ns: u64, frame: Vec<u8>| {
        out.push(Rx { ns, seq: *seq, sw_if_index, frame });
        *seq += 1;
    };
    if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
        let mut r = PcapNgReader::new(BufReader::new(f)).map_err(|e| cap_err(file, e))?;
        while let Some(block) = r.next_block() {
            let block = block.map_err(|e| cap_err(file, e))?;
            let (raw, data, iface) = match block {
                Block::EnhancedPacket(p) => (p.timestamp.as_nanos() as u64, p.data.into_owned(), p.interface_id),
                Block::SimplePacket(p) => (0, p.data.into_owned(), 0),
                _ => continue,
            };
            let idb = r.interfaces().get(iface as usize);
            if let Some(want) = only {
                let name = idb.and_then(|i| {
                    i.options.iter().find_map(|o| {
                        if let InterfaceDescriptionOption::IfName(n) = o {
                            Some(n.as_ref())
                        } else {
                            None
                        }
                    })
                });
                if name != Some(want) {
                    continue;
                }
            }
            // pcap-file hands back the raw count; scale by the interface's resolution.
            let resol = idb.and_then(|i| {
                i.options.iter().find_map(|o| {
                    if let InterfaceDescriptionOption::IfTsResol(r) = o {
                        Some(*r)
                    } else {
                        None
                    }
                })
            });
            let ns = match resol.unwrap_or(6) {
                r if r & 0x80 == 0 && r <= 9 => raw.saturating_mul(10u64.pow(9 - u32::from(r))),
                r if r & 0x80 == 0 => raw / 10u64.pow(u32::from(r) - 9),
                r => ((u128::from(raw) * 1_000_000_000) >> (r & 0x7f)) as u64,
            };
            push(ns, data);
        }
    } else {
        if only.is_some() {
            return Err(cap_err(file, "`@NAME` selects a pcapng interface; this is a pcap file"));
        }
        let mut r = PcapReader::new(BufReader::new(f)).map_err(|e| cap_err(file, e))?;
        if r.header().datalink != DataLink::ETHERNET {
            return Err(cap_err(
                file,
                format!("link type {:?}; only Ethernet captures are supported", r.header().datalink),
            ));
        }
        while let Some(p) = r.next_packet() {
            let p = p.map_err(|e| cap_err(file, e))?;
            push(p.timestamp.as_nanos() as u64, p.data.into_owned());
        }
    }
    Ok(())
}

/// Writes transmitted packets, adding an interface block at an interface's first packet.
struct PcapngOut<'a> {
    w: PcapNgWriter<BufWriter<File>>,
    ids: HashMap<u16, u32>,
    names: &'a [String],
}

impl PcapngOut<'_> {
    fn write(&mut self, sw_if_index: u16, ns: u64, frame: &[u8]) -> Result<(), pcap_file::PcapError> {
        let next = self.ids.len() as u32;
        let id = match self.ids.get(&sw_if_index) {
            Some(&id) => id,
            None => {
                let name = self.names.get(usize::from(sw_if_index)).cloned().unwrap_or_default();
                self.w.write_pcapng_block(InterfaceDescriptionBlock {
                    linktype: DataLink::ETHERNET,
                    snaplen: 0,
                    options: vec![
                        InterfaceDescriptionOption::IfName(Cow::Owned(name)),
                        InterfaceDescriptionOption::IfTsResol(9),
                    ],
                })?;
                self.ids.insert(sw_if_index, next);
                next
            }
        };
        self.w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: id,
            timestamp: Duration::from_nanos(ns),
            original_len: frame.len() as u32,
            data: Cow::Borrowed(frame),
            options: vec![],
        })?;
        Ok(())
    }
}

pub fn run(args: &RunArgs) -> Result<(), Box<dyn std::error::Error>> {
    let loaded = config_file::load(&args.config, &args.format)?;
    let names = loaded.tables.names.interfaces.clone();
    let mut rx = Vec::new();
    let mut seq = 0;
    for arg in &args.inputs {
        let (name, file) = arg.split_once('=').ok_or_else(|| RunError::BadInput(arg.clone()))?;
        let sw = loaded
            .tables
            .names
            .sw_if_index(name)
            .filter(|_| !name.is_empty())
            .ok_or_else(|| RunError::UnknownInterface { arg: arg.clone(), name: name.to_string() })?;
        let (file, only) = match file.rsplit_once('@') {
            Some((f, n)) => (f, Some(n)),
            None => (file, None),
        };
        read_capture(Path::new(file), only, sw, &mut seq, &mut rx)?;
    }
    rx.sort_by_key(|r| (r.ns, r.seq));

    let out_file = File::create(&args.out).map_err(|source| RunError::Io { file: args.out.clone(), source })?;
    let w = PcapNgWriter::new(BufWriter::new(out_file)).map_err(|e| cap_err(&args.out, e))?;
    let mut writer = PcapngOut { w, ids: HashMap::new(), names: &names };
    let mut dp = Dataplane::new(loaded.tables);
    dp.set_trace(args.trace);
    let aging_ns = (args.aging_interval.max(0.001) * 1e9) as u64;
    let mut next_aging = rx.first().map(|r| r.ns + aging_ns).unwrap_or(0);
    let mut tx = Vec::new();
    let (mut n_in, mut n_out) = (0u64, 0u64);
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    for r in rx {
        if r.ns >= next_aging {
            dp.expire_sessions(r.ns);
            next_aging = r.ns + aging_ns;
        }
        n_in += 1;
        dp.process(r.sw_if_index, PacketBuf::from_frame(&r.frame), r.ns, &mut tx);
        for t in tx.drain(..) {
            n_out += 1;
            writer.write(t.sw_if_index, r.ns, t.pkt.frame()).map_err(|e| cap_err(&args.out, e))?;
        }
        if args.trace {
            stdout.write_all(dp.take_trace().as_bytes())?;
        }
    }
    writer.w.get_mut().flush().map_err(|source| RunError::Io { file: args.out.clone(), source })?;
    let drops = dp.counters.total_drops();
    eprintln!("nicctl run: {n_in} packets in, {n_out} out, {drops} dropped -> {}", args.out.display());
    if args.counters {
        let c = dp.counters().clone();
        write!(stdout, "{}", CountersDisplay { counters: &c, interface_names: &names })?;
    }
    Ok(())
}
