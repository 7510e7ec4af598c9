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
use sw_fallback::{BufferPool, Dataplane, PacketBuf};

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
    /// `sim`: through the co-simulated NIC and the host driver (what the NIC does with
    /// each packet is in `--trace`, and a `nic-handled:` summary at the end); `none`
    /// (the default): the software path alone.
    #[arg(long, value_name = "sim|none")]
    pub device: Option<host_driver::DeviceSpec>,
    /// With `--device sim`: an FST waveform of the NIC while it runs the packets (after
    /// the load), for GTKWave; needs a nicctl built with `--features waves`.
    #[arg(long, value_name = "FILE.fst", requires = "device")]
    pub waves: Option<PathBuf>,
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

fn cap_err(file: &Path, e: impl std::fmt::Display) -> RunError {
    RunError::Capture { file: file.to_path_buf(), what: e.to_string() }
}

/// One capture, read a packet at a time into pooled buffers (the readers keep one
/// internal buffer each: nothing is allocated per packet).
enum Reader {
    Pcap(PcapReader<BufReader<File>>),
    PcapNg { r: PcapNgReader<BufReader<File>>, only: Option<String> },
}

/// An input: its reader, its ingress interface, and the packet it holds next.
struct Input {
    file: PathBuf,
    reader: Reader,
    sw_if_index: u16,
    next: Option<(u64, PacketBuf)>,
}

impl Input {
    /// Opens a pcap or pcapng file (told apart by the magic number).
    fn open(file: &Path, only: Option<&str>, sw_if_index: u16) -> Result<Self, RunError> {
        let io = |source| RunError::Io { file: file.to_path_buf(), source };
        let mut f = File::open(file).map_err(io)?;
        let mut magic = [0u8; 4];
        f.read_exact(&mut magic).map_err(|_| cap_err(file, "too short to be a capture"))?;
        let f = File::open(file).map_err(io)?;
        let reader = if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
            let r = PcapNgReader::new(BufReader::new(f)).map_err(|e| cap_err(file, e))?;
            Reader::PcapNg { r, only: only.map(str::to_string) }
        } else {
            if only.is_some() {
                return Err(cap_err(file, "`@NAME` selects a pcapng interface; this is a pcap file"));
            }
            let r = PcapReader::new(BufReader::new(f)).map_err(|e| cap_err(file, e))?;
            if r.header().datalink != DataLink::ETHERNET {
                return Err(cap_err(
                    file,
                    format!("link type {:?}; only Ethernet captures are supported", r.header().datalink),
                ));
            }
            Reader::Pcap(r)
        };
        Ok(Input { file: file.to_path_buf(), reader, sw_if_index, next: None })
    }

    /// Reads the next packet into `next` (`None` at the end of the file).
    fn advance(&mut self, pool: &BufferPool) -> Result<(), RunError> {
        let file = &self.file;
        self.next = match &mut self.reader {
            Reader::Pcap(r) => match r.next_packet() {
                None => None,
                Some(p) => {
                    let p = p.map_err(|e| cap_err(file, e))?;
                    Some((p.timestamp.as_nanos() as u64, pool.frame(&p.data)))
                }
            },
            Reader::PcapNg { r, only } => loop {
                let Some(block) = r.next_block() else { break None };
                // copied into its buffer at once: the block borrows the reader
                let (raw_ts, iface, pkt) = match block.map_err(|e| cap_err(file, e))? {
                    Block::EnhancedPacket(p) => (p.timestamp.as_nanos() as u64, p.interface_id, pool.frame(&p.data)),
                    Block::SimplePacket(p) => (0, 0, pool.frame(&p.data)),
                    _ => continue,
                };
                let idb = r.interfaces().get(iface as usize);
                if let Some(want) = only.as_deref() {
                    let named = idb.is_some_and(|i| {
                        i.options.iter().any(|o| matches!(o, InterfaceDescriptionOption::IfName(n) if n == want))
                    });
                    if !named {
                        continue;
                    }
                }
                // pcap-file hands back the raw count; scale by the interface's resolution.
                let resol = idb.and_then(|i| {
                    i.options.iter().find_map(|o| match o {
                        InterfaceDescriptionOption::IfTsResol(r) => Some(*r),
                        _ => None,
                    })
                });
                let ns = match resol.unwrap_or(6) {
                    r if r & 0x80 == 0 && r <= 9 => raw_ts.saturating_mul(10u64.pow(9 - u32::from(r))),
                    r if r & 0x80 == 0 => raw_ts / 10u64.pow(u32::from(r) - 9),
                    r => ((u128::from(raw_ts) * 1_000_000_000) >> (r & 0x7f)) as u64,
                };
                break Some((ns, pkt));
            },
        };
        Ok(())
    }
}

/// The inputs merged in timestamp order (ties: the earlier `--in` first, then file
/// order), one packet held per input.
struct Merge {
    inputs: Vec<Input>,
}

impl Merge {
    fn next(&mut self, pool: &BufferPool) -> Result<Option<(u16, u64, PacketBuf)>, RunError> {
        let Some(i) = (0..self.inputs.len())
            .filter(|&i| self.inputs[i].next.is_some())
            .min_by_key(|&i| (self.inputs[i].next.as_ref().map(|n| n.0), i))
        else {
            return Ok(None);
        };
        let input = &mut self.inputs[i];
        let (ns, pkt) = input.next.take().expect("chosen for its packet");
        let sw = input.sw_if_index;
        input.advance(pool)?;
        Ok(Some((sw, ns, pkt)))
    }
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
    if args.waves.is_some() && args.device != Some(host_driver::DeviceSpec::Sim) {
        return Err("--waves records the simulated NIC: it needs --device sim".into());
    }
    match args.device {
        None | Some(host_driver::DeviceSpec::None) => run_software(args),
        Some(host_driver::DeviceSpec::Sim) => run_on_sim(args),
        Some(ref d) => Err(format!(
            "--device {d}: `run` feeds captures to `sim` or `none` (a real card's wire is not in this process)"
        )
        .into()),
    }
}

/// The inputs, opened and merged (`--in`), against the interfaces of `names`.
fn open_inputs(args: &RunArgs, names: &offload_tables::tables::Names, pool: &BufferPool) -> Result<Merge, RunError> {
    let mut inputs = Vec::new();
    for arg in &args.inputs {
        let (name, file) = arg.split_once('=').ok_or_else(|| RunError::BadInput(arg.clone()))?;
        let sw = names
            .sw_if_index(name)
            .filter(|_| !name.is_empty())
            .ok_or_else(|| RunError::UnknownInterface { arg: arg.clone(), name: name.to_string() })?;
        let (file, only) = match file.rsplit_once('@') {
            Some((f, n)) => (f, Some(n)),
            None => (file, None),
        };
        let mut input = Input::open(Path::new(file), only, sw)?;
        input.advance(pool)?;
        inputs.push(input);
    }
    Ok(Merge { inputs })
}

fn create_out<'a>(args: &RunArgs, names: &'a [String]) -> Result<PcapngOut<'a>, RunError> {
    let out_file = File::create(&args.out).map_err(|source| RunError::Io { file: args.out.clone(), source })?;
    let w = PcapNgWriter::new(BufWriter::new(out_file)).map_err(|e| cap_err(&args.out, e))?;
    Ok(PcapngOut { w, ids: HashMap::new(), names })
}

/// `--device sim`: each packet onto the co-simulated card as the world delivers it (an
/// uplink's on its wire port, a host interface's through the driver), the driver
/// serving punts, what leaves written out; `--trace` says per packet what the NIC did,
/// then software's trace of what it did after a punt.
#[cfg(feature = "sim")]
fn run_on_sim(args: &RunArgs) -> Result<(), Box<dyn std::error::Error>> {
    use sim::testbed::{Decision, Decisions, Mark, Testbed};
    let loaded = config_file::load(&args.config, &args.format)?;
    let names = loaded.tables.names.interfaces.clone();
    let mut tb = Testbed::new(loaded.tables.clone(), &host_driver::node::NodeOptions::default())?;
    if let Some(w) = &args.waves {
        tb.card.with_core(|c| c.write_waves(w))?;
    }
    let pool = tb.node.dp.pool.clone();
    let mut merged = open_inputs(args, &loaded.tables.names, &pool)?;
    let mut writer = create_out(args, &names)?;
    tb.node.dp.set_trace(args.trace);
    let aging_ns = (args.aging_interval.max(0.001) * 1e9) as u64;
    let mut next_aging = None;
    let mut decisions = Decisions::default();
    let (mut n_in, mut n_out) = (0u64, 0u64);
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    let name = |sw: u16| names.get(usize::from(sw)).cloned().unwrap_or_else(|| format!("sw_if_index {sw}"));
    while let Some((sw, ns, pkt)) = merged.next(&pool)? {
        let due = *next_aging.get_or_insert(ns + aging_ns);
        if ns >= due {
            tb.node.age(ns);
            next_aging = Some(ns + aging_ns);
        }
        n_in += 1;
        let drops_before = if args.trace { tb.core_drops() } else { Vec::new() };
        let punts_before = if args.trace { tb.core_punts() } else { Vec::new() };
        let mark = Mark::of(&tb);
        let out = tb.process(sw, pkt.frame(), ns);
        let (d, _) = decisions.packet(&mut tb, mark, sw, None);
        if args.trace {
            let what = match d {
                Decision::Wire => format!(
                    "forwarded by the NIC to the wire ({})",
                    out.iter().map(|o| name(o.0)).collect::<Vec<_>>().join(", ")
                ),
                Decision::Host => format!(
                    "forwarded by the NIC to host interface {}",
                    out.iter().map(|o| name(o.0)).collect::<Vec<_>>().join(", ")
                ),
                Decision::Dropped => {
                    let after = tb.core_drops();
                    let why: Vec<String> = (0..after.len())
                        .filter(|&r| after[r] > drops_before.get(r).copied().unwrap_or(0))
                        .map(|r| offload_tables::reasons::DropReason::ALL[r].as_str().to_string())
                        .collect();
                    format!(
                        "dropped by the NIC ({})",
                        if why.is_empty() { "no reason counted".into() } else { why.join(", ") }
                    )
                }
                Decision::Punted => {
                    let why: Vec<String> = tb
                        .core_punts()
                        .iter()
                        .zip(&punts_before)
                        .filter(|((r, a), (_, b))| a > b && *r != offload_tables::reasons::PuntReason::HostTx)
                        .map(|((r, _), _)| format!("{r:?}"))
                        .collect();
                    format!("punted by the NIC ({}); software sent {} frame(s)", why.join(", "), out.len())
                }
            };
            writeln!(stdout, "nic: packet {n_in} on {} ({} bytes): {what}", name(sw), pkt.frame().len())?;
            stdout.write_all(tb.node.dp.take_trace().as_bytes())?;
        }
        for (tx, f) in &out {
            n_out += 1;
            writer.write(*tx, ns, f).map_err(|e| cap_err(&args.out, e))?;
        }
    }
    writer.w.get_mut().flush().map_err(|source| RunError::Io { file: args.out.clone(), source })?;
    for bad in decisions.card_done(&tb) {
        eprintln!("nicctl run --device sim: {bad}");
    }
    eprintln!("nicctl run --device sim: {n_in} packets in, {n_out} out -> {}", args.out.display());
    eprintln!("{}", decisions.line("sim", 0));
    if args.counters {
        let c = tb.node.dp.counters().clone();
        write!(stdout, "{}", CountersDisplay { counters: &c, interface_names: &names })?;
    }
    Ok(())
}

#[cfg(not(feature = "sim"))]
fn run_on_sim(_: &RunArgs) -> Result<(), Box<dyn std::error::Error>> {
    Err("this nicctl was built without the simulated NIC (cargo feature `sim`)".into())
}

/// The software path alone: captures → dataplane → pcapng, one pooled buffer per packet.
fn run_software(args: &RunArgs) -> Result<(), Box<dyn std::error::Error>> {
    let loaded = config_file::load(&args.config, &args.format)?;
    let names = loaded.tables.names.interfaces.clone();
    let mut dp = Dataplane::new(loaded.tables);
    let pool = dp.pool.clone();
    let mut merged = open_inputs(args, &dp.tables.names, &pool)?;
    let mut writer = create_out(args, &names)?;
    dp.set_trace(args.trace);
    let aging_ns = (args.aging_interval.max(0.001) * 1e9) as u64;
    let mut next_aging = None;
    let mut tx = Vec::new();
    let (mut n_in, mut n_out) = (0u64, 0u64);
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    while let Some((sw, ns, pkt)) = merged.next(&pool)? {
        let due = *next_aging.get_or_insert(ns + aging_ns);
        if ns >= due {
            dp.expire_sessions(ns);
            next_aging = Some(ns + aging_ns);
        }
        n_in += 1;
        dp.process(sw, pkt, ns, &mut tx);
        for t in tx.drain(..) {
            n_out += 1;
            writer.write(t.sw_if_index, ns, t.pkt.frame()).map_err(|e| cap_err(&args.out, e))?;
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
