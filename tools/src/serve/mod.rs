//! `nicctl serve`: a node's long-running software dataplane on real interfaces.
//!
//! - **Taps** (`kind = "tap"`): `serve` attaches to the TAP named by the interface's
//!   `host_if_name` (else its name, or a `--host-if NAME=LINUX` mapping), creating it in
//!   its own network namespace when missing, as VPP's `create tap` does. The dataplane
//!   holds the TAP's file descriptor; the Linux end is the pod's interface: move it into
//!   the pod's namespace (`ip link set tap2 netns pod`) after `serve` is up — the
//!   descriptor stays attached. The TAP disappears when `serve` exits.
//! - **Uplinks** (`kind = "uplink"`): an AF_PACKET socket with TPACKET_V2 RX/TX rings on
//!   the existing Linux interface (`--host-if GigabitEthernet0/8/0=eth1`), promiscuous.
//!   Checksum offloads must be off on the peer of a veth (`ethtool -K PEER tx off`):
//!   frames with unfinished checksums are forwarded as they are and counted.
//! - One thread polls every port; each readable port is drained in batches of up to
//!   [`BATCH`] frames, each copied once into a buffer of the dataplane's pool (no
//!   allocation per packet; buffers go back to the pool when transmitted or dropped),
//!   the batch's output is written, then TX rings are flushed once.
//! - With a NIC (`--device`), frames from the TAPs go to the driver, which injects them
//!   into the NIC; uplinks are the NIC's own ports. On the simulated card those ports
//!   are in this process: the uplinks' frames go onto its cables and what leaves on
//!   them is written to the uplinks.
//! - Session aging and neighbor timers run every `--aging-ms` of real time.
//! - The control socket (see [`control`]) is served between batches, so `load` swaps
//!   the tables between two packets.
//! - SIGTERM/SIGINT: finish the batch, remove the socket, exit 0.
//! - Every data port is claimed for this process in the network namespace (see
//!   [`sys::claim`]): a second `serve` on the same interface fails with "already in use".

pub mod control;
#[allow(unsafe_code)] // TAP ioctls, AF_PACKET rings: invariants in sys.rs
mod sys;

use crate::config_file::{self, FormatArgs};
use crate::device::{open_node, Cables};
use clap::Args;
use control::{Request, Response, ShowWhat};
use host_driver::node::{Node, NodeOptions};
use host_driver::DeviceSpec;
use node_config::InterfaceKind;
use node_config::NodeConfig;
use node_config::{MacAddr, Neighbor};
use offload_tables::layout::if_kind;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::Ipv4Addr;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use sw_fallback::counters::CountersDisplay;
use sw_fallback::wire::ethernet::fmt_mac;
use sw_fallback::Tx;

/// Frames taken from one port before moving to the next.
pub const BATCH: usize = 64;
/// Trace text kept for `trace show` (older text is dropped first).
const TRACE_LIMIT: usize = 4 << 20;

/// Where `nicctl serve` runs the pipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Device {
    /// Everything in the software dataplane (`sw-fallback`).
    Software,
    /// A NIC the host driver opens (`sim`, `vfio:DDDD:BB:DD.F`, `none`): the NIC
    /// forwards what it knows, the driver serves its misses with the software path.
    Driver(DeviceSpec),
}

fn parse_device(s: &str) -> Result<Device, String> {
    match s {
        "software" => Ok(Device::Software),
        _ => s.parse().map(Device::Driver).map_err(|e: host_driver::Error| e.to_string()),
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Node config.
    #[arg(long)]
    pub config: PathBuf,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Where the pipeline runs: `software`, or a NIC through the host driver: `sim`
    /// (the Verilator model), `vfio:DDDD:BB:DD.F`.
    #[arg(long, default_value = "software", value_parser = parse_device)]
    pub device: Device,
    /// Control socket path.
    #[arg(long, default_value = control::DEFAULT_SOCKET)]
    pub socket: PathBuf,
    /// `NAME=LINUX`: the Linux interface of config interface NAME (default: its
    /// `host_if_name`, else NAME). Repeatable.
    #[arg(long = "host-if", value_name = "NAME=LINUX")]
    pub host_ifs: Vec<String>,
    /// Session aging and neighbor timer period, in milliseconds.
    #[arg(long, default_value_t = 100)]
    pub aging_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("--host-if {0}: expected NAME=LINUX")]
    BadHostIf(String),
    #[error("--host-if {0}: no interface of that name in the config")]
    UnknownHostIf(String),
    #[error("interface {config_name}: {source}")]
    Port { config_name: String, source: sys::SysError },
    #[error("control socket {path}: another `nicctl serve` is listening there")]
    SocketBusy { path: String },
    #[error("control socket {path}: {source}")]
    Socket { path: String, source: std::io::Error },
    #[error("poll: {0}")]
    Poll(std::io::Error),
}

enum Io {
    Tap(sys::Tap),
    Ring(sys::PacketRing),
}

/// A data port: a config interface bound to a Linux device.
struct Port {
    sw_if_index: u16,
    name: String,
    linux: String,
    io: Io,
    tx_dropped: u64,
    _claim: UnixListener,
}

/// The Linux device of every tap and uplink of `cfg`: `(name, kind, linux name)`.
fn linux_names(cfg: &NodeConfig, host_ifs: &[String]) -> Result<Vec<(String, InterfaceKind, String)>, ServeError> {
    let mut map = HashMap::new();
    for h in host_ifs {
        let (n, l) = h.split_once('=').ok_or_else(|| ServeError::BadHostIf(h.clone()))?;
        if !cfg.interfaces.iter().any(|i| i.name == n) {
            return Err(ServeError::UnknownHostIf(h.clone()));
        }
        map.insert(n.to_string(), l.to_string());
    }
    Ok(cfg
        .interfaces
        .iter()
        .filter(|i| matches!(i.kind, InterfaceKind::Tap | InterfaceKind::Uplink))
        .map(|i| {
            let linux = map.get(&i.name).cloned().or_else(|| i.host_if_name.clone()).unwrap_or_else(|| i.name.clone());
            (i.name.clone(), i.kind, linux)
        })
        .collect())
}

fn bind_socket(path: &Path) -> Result<UnixListener, ServeError> {
    let p = path.display().to_string();
    let err = |source| ServeError::Socket { path: p.clone(), source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(err)?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
        }
    }
    if path.exists() {
        if UnixStream::connect(path).is_ok() {
            return Err(ServeError::SocketBusy { path: p });
        }
        std::fs::remove_file(path).map_err(err)?;
    }
    let l = UnixListener::bind(path).map_err(err)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
    l.set_nonblocking(true).map_err(err)?;
    Ok(l)
}

struct Server {
    /// The software path, alone or serving a NIC's misses (`node.dp`).
    node: Node,
    ports: Vec<Port>,
    /// sw_if_index → position in `ports`.
    port_of: Vec<Option<usize>>,
    /// The simulated card's wire ports (`--device sim`), and the frames taken off them.
    cables: Option<Cables>,
    cable_out: u64,
    tx: Vec<Tx>,
    trace_left: u32,
    trace_text: String,
    host_ifs: Vec<String>,
    linux: Vec<(String, InterfaceKind, String)>,
    start: Instant,
    /// The config as loaded (without learned neighbors).
    config: NodeConfig,
    /// Learned neighbors the NIC's tables hold (as static ones: a /32 and an adjacency).
    nic_neighbors: Vec<(u16, Ipv4Addr, [u8; 6])>,
}

pub fn serve(args: &ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let loaded = config_file::load(&args.config, &args.format)?;
    let linux = linux_names(&loaded.config, &args.host_ifs)?;
    let config = loaded.config.clone();
    let mut ports = Vec::new();
    for (name, kind, dev) in &linux {
        let port_err = |source| ServeError::Port { config_name: name.clone(), source };
        let claim = sys::claim(dev).map_err(port_err)?;
        let io = match kind {
            InterfaceKind::Tap => Io::Tap(sys::Tap::open(dev).map_err(port_err)?),
            _ => Io::Ring(sys::PacketRing::open(dev).map_err(port_err)?),
        };
        let sw_if_index = loaded.tables.names.sw_if_index(name).expect("rendered interface");
        ports.push(Port { sw_if_index, name: name.clone(), linux: dev.clone(), io, tx_dropped: 0, _claim: claim });
    }
    sys::install_stop_handler()?;
    let listener = bind_socket(&args.socket)?;
    let mut port_of = vec![None; loaded.tables.interfaces.len()];
    for (i, p) in ports.iter().enumerate() {
        port_of[usize::from(p.sw_if_index)] = Some(i);
    }
    let (node, cables) = match &args.device {
        Device::Software => (Node::software_only(loaded.tables, None), None),
        Device::Driver(spec) => {
            open_node(spec, loaded.tables, &NodeOptions::default()).map_err(|e| format!("--device {}: {e}", spec))?
        }
    };
    let mut s = Server {
        node,
        ports,
        port_of,
        cables,
        cable_out: 0,
        tx: Vec::with_capacity(BATCH * 2),
        trace_left: 0,
        trace_text: String::new(),
        host_ifs: args.host_ifs.clone(),
        linux,
        start: Instant::now(),
        config,
        nic_neighbors: Vec::new(),
    };
    let names: Vec<String> = s.ports.iter().map(|p| format!("{}={}", p.name, p.linux)).collect();
    eprintln!(
        "nicctl serve: {} running on {}{} (control socket {})",
        if loaded.config.name.is_empty() { "node" } else { &loaded.config.name },
        names.join(", "),
        match &args.device {
            Device::Driver(spec) if s.node.offloading() => format!(", offloaded to {}", spec),
            _ => String::new(),
        },
        args.socket.display()
    );
    let result = s.run(&listener, Duration::from_millis(args.aging_ms.max(1)));
    let _ = std::fs::remove_file(&args.socket);
    eprintln!("nicctl serve: stopped");
    result
}

impl Server {
    fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    fn run(&mut self, listener: &UnixListener, aging: Duration) -> Result<(), Box<dyn std::error::Error>> {
        use std::os::fd::AsRawFd;
        let mut fds: Vec<libc::pollfd> = self
            .ports
            .iter()
            .map(|p| match &p.io {
                Io::Tap(t) => t.raw_fd(),
                Io::Ring(r) => r.raw_fd(),
            })
            .chain([listener.as_raw_fd()])
            .map(|fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 })
            .collect();
        let mut next_aging = Instant::now() + aging;
        while !sys::stop_requested() {
            let timeout = next_aging.saturating_duration_since(Instant::now()).as_millis().min(100) as i32;
            sys::poll_readable(&mut fds, timeout).map_err(ServeError::Poll)?;
            let ready: Vec<usize> = (0..self.ports.len()).filter(|&i| fds[i].revents != 0).collect();
            for i in ready {
                self.drain_port(i);
            }
            if fds[self.ports.len()].revents != 0 {
                while let Ok((stream, _)) = listener.accept() {
                    self.control(stream);
                }
            }
            if self.node.offloading() {
                // what the NIC sent up on its own (a real card's punts arrive any time)
                self.serve_nic();
                self.transmit();
            }
            if Instant::now() >= next_aging {
                let now = self.now_ns();
                // with a NIC: its hit bits refresh sessions first, and it follows
                self.node.age(now);
                self.node.dp.neighbor_timers(now, &mut self.tx);
                self.transmit();
                self.install_learned_neighbors();
                next_aging = Instant::now() + aging;
            }
        }
        Ok(())
    }

    /// The NIC's punts served, and on the simulated card what left on its wire ports.
    fn serve_nic(&mut self) {
        let now = self.now_ns();
        if let Some(c) = &self.cables {
            c.run();
        }
        if let Err(e) = self.node.poll(now, &mut self.tx) {
            self.node.fall_back(&e);
        }
        if let Some(c) = &self.cables {
            let t = &self.node.dp.tables;
            for (port, f) in c.take() {
                self.cable_out += 1;
                if let Some(up) = t.interfaces.iter().find(|i| i.kind == if_kind::UPLINK && i.port == port) {
                    self.tx.push(Tx { sw_if_index: up.sw_if_index, pkt: self.node.dp.pool.frame(&f) });
                }
            }
        }
    }

    /// Up to a few batches from one port, each followed by its transmissions.
    fn drain_port(&mut self, i: usize) {
        let sw = self.ports[i].sw_if_index;
        // the simulated card's wire port, when this uplink is one of them
        let wire = match (&self.cables, self.node.dp.tables.interface(sw)) {
            (Some(_), Some(e)) if e.kind == if_kind::UPLINK && self.node.offloading() => Some(e.port),
            _ => None,
        };
        for _ in 0..4 {
            let now = self.now_ns();
            let Server { node, ports, cables, tx, trace_left, trace_text, .. } = self;
            let pool = node.dp.pool.clone();
            let mut run = |pkt: sw_fallback::PacketBuf| {
                if let (Some(c), Some(p)) = (cables.as_ref(), wire) {
                    c.send(p, pkt.frame());
                    return;
                }
                node.receive(sw, pkt, now, tx);
                if *trace_left > 0 && !node.offloading() {
                    trace_text.push_str(&node.dp.take_trace());
                    *trace_left -= 1;
                    if *trace_left == 0 {
                        node.dp.set_trace(false);
                    }
                    if trace_text.len() > TRACE_LIMIT {
                        let cut = trace_text.len() - TRACE_LIMIT / 2;
                        let cut = (cut..trace_text.len()).find(|&c| trace_text.is_char_boundary(c)).unwrap_or(0);
                        trace_text.drain(..cut);
                    }
                }
            };
            let n = match &mut ports[i].io {
                Io::Ring(r) => r.recv_batch(BATCH, |frame| run(pool.frame(frame))),
                Io::Tap(t) => {
                    let mut n = 0;
                    while n < BATCH {
                        let mut pkt = pool.get();
                        match pkt.fill_with(|buf| t.recv(buf).map(|r| r.unwrap_or(0))) {
                            Ok(()) if !pkt.is_empty() => {
                                run(pkt);
                                n += 1;
                            }
                            _ => break,
                        }
                    }
                    n
                }
            };
            if wire.is_some() && n > 0 {
                self.serve_nic();
            }
            self.transmit();
            if n < BATCH {
                break;
            }
        }
    }

    /// With a NIC: neighbors software learned by ARP go into the NIC's tables, as the
    /// config's static neighbors do (a /32 route and an adjacency, rendered and loaded
    /// atomically), so that the NIC forwards to them instead of punting as a glean.
    fn install_learned_neighbors(&mut self) {
        if !self.node.offloading() {
            return;
        }
        let learned = self.node.dp.neighbors.learned();
        if learned == self.nic_neighbors {
            return;
        }
        let mut cfg = self.config.clone();
        for &(sw, ip, mac) in &learned {
            let interface = self.node.dp.tables.names.interface(sw).to_string();
            if !cfg.neighbors.iter().any(|n| n.interface == interface && n.ip == ip) {
                cfg.neighbors.push(Neighbor { interface, ip, mac: MacAddr(mac) });
            }
        }
        let result = node_config::render(&cfg)
            .map_err(|errs| errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
            .and_then(|t| self.node.load(t).map_err(|e| e.to_string()));
        match result {
            Ok(_) => eprintln!("nicctl serve: {} learned neighbors in the NIC's tables", learned.len()),
            Err(e) => eprintln!("nicctl serve: learned neighbors stay in software (the NIC keeps its tables): {e}"),
        }
        // (tried once per change of the learned set)
        self.nic_neighbors = learned;
    }

    /// Writes every queued output frame (its buffer goes back to the pool).
    fn transmit(&mut self) {
        for t in self.tx.drain(..) {
            let sent = match self.port_of.get(usize::from(t.sw_if_index)).copied().flatten() {
                Some(i) => {
                    let p = &mut self.ports[i];
                    let ok = match &mut p.io {
                        Io::Tap(tap) => tap.send(t.pkt.frame()),
                        Io::Ring(r) => r.send(t.pkt.frame()),
                    };
                    p.tx_dropped += u64::from(!ok);
                    ok
                }
                None => false,
            };
            let _ = sent;
        }
        for p in &mut self.ports {
            if let Io::Ring(r) = &mut p.io {
                r.flush();
            }
        }
    }

    fn control(&mut self, stream: UnixStream) {
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let mut line = String::new();
        let mut reader = BufReader::new(&stream);
        let resp = match reader.read_line(&mut line) {
            Ok(_) => match serde_json::from_str::<Request>(&line) {
                Ok(req) => self.handle(req),
                Err(e) => Response::error(format!("bad request: {e}")),
            },
            Err(e) => Response::error(format!("reading request: {e}")),
        };
        let mut out = serde_json::to_string(&resp).expect("responses serialize");
        out.push('\n');
        let _ = (&stream).write_all(out.as_bytes());
    }

    fn handle(&mut self, req: Request) -> Response {
        match req {
            Request::Show { what } => Response::text(match what {
                ShowWhat::Sessions => self.show_sessions(),
                ShowWhat::Counters => self.show_counters(),
                ShowWhat::Interfaces => self.show_interfaces(),
                ShowWhat::Trace => self.trace_text.clone(),
                ShowWhat::Neighbors => self.show_neighbors(),
            }),
            Request::TraceAdd { count } => {
                self.trace_left = self.trace_left.saturating_add(count);
                self.node.dp.set_trace(self.trace_left > 0);
                Response::text(format!("tracing the next {} packets\n", self.trace_left))
            }
            Request::TraceShow => Response::text(self.trace_text.clone()),
            Request::TraceClear => {
                self.trace_text.clear();
                Response::text(String::new())
            }
            Request::Load { config } => match self.load(&config) {
                Ok(t) => Response::text(t),
                Err(e) => Response::error(e),
            },
        }
    }

    /// `nicctl load`: same data ports required; tables swapped between two packets.
    fn load(&mut self, cfg: &NodeConfig) -> Result<String, String> {
        let linux = linux_names(cfg, &self.host_ifs).map_err(|e| e.to_string())?;
        let tables = node_config::render(cfg)
            .map_err(|errs| errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))?;
        let mut have: Vec<_> = self.linux.clone();
        let mut want = linux.clone();
        have.sort_by(|a, b| a.0.cmp(&b.0));
        want.sort_by(|a, b| a.0.cmp(&b.0));
        let same_ports =
            have == want && self.ports.iter().all(|p| tables.names.sw_if_index(&p.name) == Some(p.sw_if_index));
        if !same_ports {
            return Err("the new config changes the taps or uplinks (names, kinds, Linux devices or indices); \
                        restart `nicctl serve` to change interfaces"
                .to_string());
        }
        if self.node.offloading() {
            // into the NIC atomically (fence, generation switch, read-back); software follows
            let r = self.node.load(tables).map_err(|e| format!("the NIC kept the previous tables: {e}"))?;
            self.config = cfg.clone();
            self.nic_neighbors.clear();
            return Ok(format!(
                "loaded into the NIC: {} entries written, {} deleted, {} verified, generation {}\n",
                r.written, r.deleted, r.verified, r.generation
            ));
        }
        self.config = cfg.clone();
        let r = self.node.dp.reload(tables);
        Ok(format!(
            "loaded: nat44 sessions kept {} removed {}, acl sessions kept {} removed {}, neighbors kept {}\n",
            r.nat_kept, r.nat_removed, r.acl_kept, r.acl_removed, r.neighbors_kept
        ))
    }

    fn show_sessions(&self) -> String {
        let now = self.now_ns();
        let mut o = String::new();
        let nat = &self.node.dp.nat;
        let _ = writeln!(o, "nat44 sessions: {}", nat.live());
        let proto = |p: u8| match p {
            6 => "tcp".to_string(),
            17 => "udp".to_string(),
            1 => "icmp".to_string(),
            p => p.to_string(),
        };
        let tuple = |t: &sw_fallback::nat::Tuple| {
            format!("{}:{} -> {}:{}", Ipv4Addr::from(t.src), t.sport, Ipv4Addr::from(t.dst), t.dport)
        };
        for (i, s) in nat.sessions.iter() {
            let _ = writeln!(
                o,
                "  [{i}] {} in {} out {} fib {} {}idle {:.1}s",
                proto(s.proto),
                tuple(&s.inside),
                tuple(&s.outside),
                s.fib,
                if s.proto == 6 && s.tcp_established() { "established " } else { "" },
                now.saturating_sub(s.last_ns) as f64 / 1e9
            );
        }
        let _ = writeln!(o, "acl sessions: {}", self.node.dp.acl.live());
        o
    }

    fn show_counters(&mut self) -> String {
        let mut c = self.node.dp.counters.clone();
        c.tables.nat_sessions_created = self.node.dp.nat.created;
        let mut o =
            format!("{}", CountersDisplay { counters: &c, interface_names: &self.node.dp.tables.names.interfaces });
        let _ = writeln!(o, "\nports");
        for p in &self.ports {
            let (trunc, csum) = match &p.io {
                Io::Ring(r) => (r.rx_truncated, r.rx_csum_not_ready),
                Io::Tap(_) => (0, 0),
            };
            let _ = writeln!(
                o,
                "  {:<24} tx-dropped {} rx-truncated {} rx-csum-not-ready {}",
                p.linux, p.tx_dropped, trunc, csum
            );
        }
        if self.node.offloading() {
            let _ = writeln!(o, "\nnic (host driver, shell, core)");
            if self.cables.is_some() {
                // what left the simulated card's wire ports that the driver did not inject
                let alone = self.cable_out.saturating_sub(self.node.stats.injected);
                let _ = writeln!(o, "{alone:>12}  nic forwarded");
            }
            o += &self.node.show_counters();
        }
        o
    }

    fn show_interfaces(&self) -> String {
        let t = &self.node.dp.tables;
        let mut o = format!(
            "{:<22} {:>4} {:<9} {:<12} {:<17} {:<18} {:>10} {:>10} {:>8}\n",
            "name", "idx", "kind", "linux", "mac", "address", "rx pkts", "tx pkts", "drops"
        );
        for (i, ife) in t.interfaces.iter().enumerate() {
            if ife.kind == 0 {
                continue;
            }
            let kind = match ife.kind {
                offload_tables::layout::if_kind::UPLINK => "uplink",
                offload_tables::layout::if_kind::TAP => "tap",
                offload_tables::layout::if_kind::LOOPBACK => "loopback",
                _ => "vxlan",
            };
            let linux = self.port_of[i].map(|p| self.ports[p].linux.as_str()).unwrap_or("-");
            let addr = if ife.ip4_len > 0 {
                format!("{}/{}", Ipv4Addr::from(ife.ip4_addr), ife.ip4_len)
            } else {
                "-".to_string()
            };
            let c = self.node.dp.counters.interfaces.get(i).copied().unwrap_or_default();
            let _ = writeln!(
                o,
                "{:<22} {:>4} {:<9} {:<12} {:<17} {:<18} {:>10} {:>10} {:>8}",
                t.names.interface(i as u16),
                i,
                kind,
                linux,
                fmt_mac(&ife.mac),
                addr,
                c.rx_packets,
                c.tx_packets,
                c.drops
            );
        }
        o
    }

    fn show_neighbors(&self) -> String {
        let mut o = String::from("learned\n");
        let names = &self.node.dp.tables.names;
        for (sw, ip, mac) in self.node.dp.neighbors.learned() {
            let _ = writeln!(o, "  {:<22} {:<16} {}", names.interface(sw), ip, fmt_mac(&mac));
        }
        o.push_str("resolving\n");
        for (sw, ip, held) in self.node.dp.neighbors.pending() {
            let _ = writeln!(o, "  {:<22} {:<16} {held} held", names.interface(sw), ip);
        }
        o
    }
}

/// `nicctl show|trace|load` arguments shared by the clients.
#[derive(Args, Debug, Clone)]
pub struct SocketArg {
    /// Control socket of the `nicctl serve` to talk to.
    #[arg(long, global = true, default_value = control::DEFAULT_SOCKET)]
    pub socket: PathBuf,
}

#[derive(clap::Subcommand, Debug)]
pub enum TraceCmd {
    /// Trace the next N packets (VPP's `trace add`).
    Add { count: u32 },
    /// Print the packets traced so far.
    Show,
    /// Forget the traced packets.
    Clear,
}

pub fn show(what: ShowWhat, sock: &SocketArg) -> Result<(), Box<dyn std::error::Error>> {
    print!("{}", control::call(&sock.socket, &Request::Show { what })?);
    Ok(())
}

pub fn trace(cmd: &TraceCmd, sock: &SocketArg) -> Result<(), Box<dyn std::error::Error>> {
    let req = match cmd {
        TraceCmd::Add { count } => Request::TraceAdd { count: *count },
        TraceCmd::Show => Request::TraceShow,
        TraceCmd::Clear => Request::TraceClear,
    };
    print!("{}", control::call(&sock.socket, &req)?);
    Ok(())
}

/// `nicctl load`: the config is parsed and validated here (errors name the file), then
/// sent to `serve`, which renders and swaps it in.
pub fn load(config: &Path, format: &FormatArgs, sock: &SocketArg) -> Result<(), Box<dyn std::error::Error>> {
    let loaded = config_file::load(config, format)?;
    print!("{}", control::call(&sock.socket, &Request::Load { config: Box::new(loaded.config) })?);
    Ok(())
}
