//! VPP CLI script → [`NodeConfig`].
//!
//! Each command is matched against the table in [`COMMANDS`] (words may be abbreviated to
//! an unambiguous prefix, as VPP allows), then a thin handler parses its arguments and
//! applies them to the node state, with VPP's semantics (see the module docs of
//! [`crate::vpp`]). Every word of a command must be consumed: unknown or trailing input is
//! an error, never skipped.

use super::lexer::{lex, Command, Token};
use super::{is_physical_name, ErrorKind, Note, VppConfig, VppError, VppOptions};
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;
use std::path::Path;

/// The commands understood, as VPP's CLI paths (arguments follow the path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    CreateLoopback,
    DeleteLoopback,
    CreateTap,
    DeleteTap,
    CreateVxlan,
    CreateBridgeDomain,
    SetIfMac,
    SetIfState,
    SetIfIpAddress,
    SetIfIpTable,
    SetIfUnnumbered,
    SetIfMtu,
    SetIfProxyArp,
    SetArpProxy,
    SetIfL2Bridge,
    SetIfL3,
    SetIfNat44,
    IpTable,
    IpRoute,
    IpNeighbor,
    L2fibAdd,
    Nat44,
    Nat44Forwarding,
    Nat44AddAddress,
    Nat44AddInterfaceAddress,
    Nat44AddStaticMapping,
    Nat44AddLbStaticMapping,
    Nat44AddIdentityMapping,
    SetNatTimeout,
    SetAclPluginAcl,
    SetAclPluginInterface,
    SetAclPlugin,
}

const COMMANDS: &[(&str, Cmd)] = &[
    ("create loopback interface", Cmd::CreateLoopback),
    ("delete loopback interface", Cmd::DeleteLoopback),
    ("create tap", Cmd::CreateTap),
    ("delete tap", Cmd::DeleteTap),
    ("create vxlan tunnel", Cmd::CreateVxlan),
    ("create bridge-domain", Cmd::CreateBridgeDomain),
    ("set interface mac address", Cmd::SetIfMac),
    ("set interface state", Cmd::SetIfState),
    ("set interface ip address", Cmd::SetIfIpAddress),
    ("set interface ip table", Cmd::SetIfIpTable),
    ("set interface unnumbered", Cmd::SetIfUnnumbered),
    ("set interface mtu", Cmd::SetIfMtu),
    ("set interface proxy-arp", Cmd::SetIfProxyArp),
    ("set arp proxy", Cmd::SetArpProxy),
    ("set interface l2 bridge", Cmd::SetIfL2Bridge),
    ("set interface l3", Cmd::SetIfL3),
    ("set interface nat44", Cmd::SetIfNat44),
    ("ip table", Cmd::IpTable),
    ("ip route", Cmd::IpRoute),
    ("ip neighbor", Cmd::IpNeighbor),
    ("set ip neighbor", Cmd::IpNeighbor),
    ("l2fib add", Cmd::L2fibAdd),
    ("nat44", Cmd::Nat44),
    ("nat44 forwarding", Cmd::Nat44Forwarding),
    ("nat44 add address", Cmd::Nat44AddAddress),
    ("nat44 add interface address", Cmd::Nat44AddInterfaceAddress),
    ("nat44 add static mapping", Cmd::Nat44AddStaticMapping),
    ("nat44 add load-balancing static mapping", Cmd::Nat44AddLbStaticMapping),
    ("nat44 add identity mapping", Cmd::Nat44AddIdentityMapping),
    ("set nat timeout", Cmd::SetNatTimeout),
    ("set acl-plugin acl", Cmd::SetAclPluginAcl),
    ("set acl-plugin interface", Cmd::SetAclPluginInterface),
    ("set acl-plugin", Cmd::SetAclPlugin),
];

/// VPP's default session limit when `nat44 enable` has no `sessions` (63 * 1024).
pub(crate) const VPP_DEFAULT_NAT_SESSIONS: u32 = 63 * 1024;

type R<T> = Result<T, VppError>;

/// Parses a VPP CLI script. `file` is only used in errors and notes.
///
/// Commands (VPP 22.02 syntax; `[...]` optional, `|` alternatives):
///
/// - `create loopback interface [mac M] [instance N]`, `delete loopback interface intfc IF`
/// - `create tap [id N] [hw-addr M] [host-if-name NAME] [host-side options]`, `delete tap IF`
/// - `create vxlan tunnel src A dst B vni N [instance N] [encap-vrf-id V] [decap-next l2] [del]`
/// - `set interface mac address IF M`, `set interface state IF up|down`,
///   `set interface ip address [del] IF A/L`, `set interface ip table IF N`,
///   `set interface unnumbered IF use IF2 | del IF`, `set interface mtu [packet|ip4|ip6|mpls] N IF`
/// - `create bridge-domain N [learn|forward|flood|uu-flood|arp-term 0|1] [mac-age M] [del]`,
///   `set interface l2 bridge IF N [bvi] [SHG]`, `set interface l3 IF`, `l2fib add M N IF [static]`
/// - `ip table [add|del] N`, `ip route [add|del] [table N] A/L [via [NH] [IF] [weight W]
///   [next-hop-table T]]...`, `[set] ip neighbor [del] IF IP MAC [static]`
/// - `nat44 enable [sessions N] | disable`, `nat44 forwarding enable|disable`,
///   `set interface nat44 in IF out IF [output-feature] [del]`,
///   `nat44 add address A [- B] [tenant-vrf N] [twice-nat] [del]`,
///   `nat44 add interface address IF [twice-nat]`,
///   `nat44 add static mapping tcp|udp|icmp local A P external B Q [vrf N]
///   [twice-nat|self-twice-nat] [out2in-only] [del]`,
///   `nat44 add load-balancing static mapping protocol tcp|udp external A:P
///   local B:Q [vrf V] probability N local ... [twice-nat|self-twice-nat] [out2in-only] [del]`,
///   `nat44 add identity mapping A [tcp|udp|icmp P] [vrf N] [del]`,
///   `set nat timeout [udp N] [tcp-established N] [tcp-transitory N] [icmp N] [reset]`
/// - `set acl-plugin acl [index N] <permit|deny|permit+reflect|action N> [src A/L] [dst A/L]
///   [proto N] [sport P[-Q]] [dport P[-Q]] [tcpflags V mask M] [tag T], ...`,
///   `set acl-plugin interface IF input|output acl N [del]`,
///   `set acl-plugin session timeout udp idle|tcp idle|tcp transient N`,
///   `set acl-plugin session table max-entries N`
pub fn parse(text: &str, file: &Path, opts: &VppOptions) -> Result<VppConfig, VppError> {
    let cmds = lex(text).map_err(|(line, col, kind)| VppError::At { file: file.to_path_buf(), line, col, kind })?;
    let mut p = Parser::new(file, opts, &cmds)?;
    for c in &cmds {
        p.command(c)?;
    }
    p.finish()
}

/// One interface as the script built it.
struct If {
    cfg: Interface,
    sw: u16,
    alive: bool,
    /// Loopback instance, tap id, or VXLAN pool slot (the name's number is `cfg.name`'s).
    slot: u32,
}

struct Bd {
    id: u32,
    members: Vec<String>,
    bvi: Option<String>,
    learn: bool,
    forward: bool,
    flood: bool,
    uu_flood: bool,
    arp_term: bool,
}

struct Parser<'a> {
    file: &'a Path,
    ifs: Vec<If>,
    by_name: HashMap<String, usize>,
    /// Freed sw_if_index slots, most recent last (VPP's pools reuse it first).
    sw_free: Vec<u16>,
    next_sw: u16,
    vxlan_free: Vec<u32>,
    next_vxlan: u32,
    tables: BTreeSet<u32>,
    bds: Vec<Bd>,
    neighbors: Vec<Neighbor>,
    routes: Vec<Route>,
    l2fib: Vec<StaticL2Fib>,
    nat: Option<Nat44>,
    /// `nat44 add interface address`: (interface, twice-nat, line), resolved at the end.
    nat_if_addresses: Vec<(String, bool, u32, usize)>,
    acls: BTreeMap<u32, Acl>,
    acl_timeouts: AclTimeouts,
    notes: Vec<Note>,
    /// `set arp proxy`: (table id, first, last address); applied at the end to every
    /// interface with `set interface proxy-arp IF enable`, in its table.
    proxy_ranges: Vec<(u32, u32, u32)>,
    proxy_ifs: Vec<String>,
}

/// A cursor over one command's words.
struct Cur<'c> {
    toks: &'c [Token],
    pos: usize,
    line: u32,
    end_col: u32,
}

fn shown(t: Option<&Token>) -> String {
    match t {
        Some(t) => format!("`{}`", t.text),
        None => "end of line".into(),
    }
}

impl<'c> Cur<'c> {
    fn peek(&self) -> Option<&'c Token> {
        self.toks.get(self.pos)
    }
    fn peek_is(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| t.text == kw)
    }
    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }
    fn eat(&mut self, kw: &str) -> bool {
        if self.peek_is(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    /// Where the next word is (or the end of the line).
    fn here(&self) -> (u32, u32) {
        match self.peek() {
            Some(t) => (t.line, t.col),
            None => (self.line, self.end_col),
        }
    }
}

fn at(file: &Path, line: u32, col: u32, kind: ErrorKind) -> VppError {
    VppError::At { file: file.to_path_buf(), line, col, kind }
}

fn parse_mac(s: &str) -> Option<MacAddr> {
    let mut out = [0u8; 6];
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() == 6 {
        for (b, p) in out.iter_mut().zip(&parts) {
            if p.is_empty() || p.len() > 2 {
                return None;
            }
            *b = u8::from_str_radix(p, 16).ok()?;
        }
        return Some(MacAddr(out));
    }
    // Cisco style xxxx.xxxx.xxxx, also accepted by VPP.
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() == 3 {
        for (i, p) in parts.iter().enumerate() {
            if p.len() != 4 {
                return None;
            }
            let v = u16::from_str_radix(p, 16).ok()?;
            out[2 * i..2 * i + 2].copy_from_slice(&v.to_be_bytes());
        }
        return Some(MacAddr(out));
    }
    None
}

fn parse_num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The number at the end of a created interface's name (`loop12` → 12), written as VPP does.
pub(crate) fn name_number(name: &str, prefix: &str) -> Option<u32> {
    let n = name.strip_prefix(prefix)?;
    let v = parse_num(n)?;
    (v.to_string() == n).then_some(v)
}

impl<'a> Parser<'a> {
    fn new(file: &'a Path, opts: &VppOptions, cmds: &[Command]) -> R<Self> {
        let mut p = Parser {
            file,
            ifs: Vec::new(),
            by_name: HashMap::new(),
            sw_free: Vec::new(),
            next_sw: 1,
            vxlan_free: Vec::new(),
            next_vxlan: 0,
            tables: BTreeSet::from([0]),
            bds: Vec::new(),
            neighbors: Vec::new(),
            routes: Vec::new(),
            l2fib: Vec::new(),
            nat: None,
            nat_if_addresses: Vec::new(),
            acls: BTreeMap::new(),
            acl_timeouts: AclTimeouts::default(),
            notes: Vec::new(),
            proxy_ranges: Vec::new(),
            proxy_ifs: Vec::new(),
        };
        let opt_err = |name: &str, port: u8, problem| VppError::PortOption {
            file: file.to_path_buf(),
            name: name.to_string(),
            port,
            problem,
        };
        let mut explicit: HashMap<&str, u8> = HashMap::new();
        for (name, port) in &opts.ports {
            if explicit.values().any(|p| p == port) {
                return Err(opt_err(name, *port, "another --port has this number"));
            }
            if explicit.insert(name.as_str(), *port).is_some() {
                return Err(opt_err(name, *port, "this port is given twice"));
            }
        }
        // Physical ports exist before any command: they get sw_if_index 1.. in order of
        // first mention.
        let mut physical: Vec<String> = Vec::new();
        for t in cmds.iter().flat_map(|c| &c.tokens) {
            if (is_physical_name(&t.text) || explicit.contains_key(t.text.as_str())) && !physical.contains(&t.text) {
                physical.push(t.text.clone());
            }
        }
        for (name, port) in &opts.ports {
            if !physical.contains(name) {
                return Err(opt_err(name, *port, "names no interface of the script"));
            }
        }
        for name in physical {
            // Without --port, `port` stays implicit: the native format's default (lowest
            // free port, in order of appearance) is exactly VPP's order of first mention.
            let port = explicit.get(name.as_str()).copied();
            let sw = p.next_sw;
            p.next_sw += 1;
            p.add_if(Interface { port, up: false, ..blank_interface(&name, InterfaceKind::Uplink) }, sw, 0);
        }
        Ok(p)
    }

    fn add_if(&mut self, cfg: Interface, sw: u16, slot: u32) {
        self.by_name.insert(cfg.name.clone(), self.ifs.len());
        self.ifs.push(If { cfg, sw, alive: true, slot });
    }

    fn alloc_sw(&mut self) -> u16 {
        match self.sw_free.pop() {
            Some(s) => s,
            None => {
                self.next_sw += 1;
                self.next_sw - 1
            }
        }
    }

    fn note(&mut self, line: u32, text: impl Into<String>) {
        self.notes.push(Note { file: self.file.to_path_buf(), line, text: text.into() });
    }

    // --- error helpers -------------------------------------------------------------

    fn expected(&self, c: &Cur, what: &str) -> VppError {
        let (line, col) = c.here();
        at(self.file, line, col, ErrorKind::Expected { expected: what.into(), found: shown(c.peek()) })
    }

    fn rejected(&self, t: &Token, expected: &str, why: impl Into<String>) -> VppError {
        at(
            self.file,
            t.line,
            t.col,
            ErrorKind::Rejected { expected: expected.into(), found: t.text.clone(), why: why.into() },
        )
    }

    fn unsupported(&self, t: &Token, why: &'static str) -> VppError {
        at(self.file, t.line, t.col, ErrorKind::Unsupported { found: t.text.clone(), why })
    }

    // --- argument parsers ------------------------------------------------------------

    fn word<'c>(&self, c: &mut Cur<'c>, what: &str) -> R<&'c Token> {
        match c.peek() {
            Some(t) if t.text != "," => {
                c.pos += 1;
                Ok(t)
            }
            _ => Err(self.expected(c, what)),
        }
    }

    fn kw(&self, c: &mut Cur, kw: &str) -> R<()> {
        if c.eat(kw) {
            Ok(())
        } else {
            Err(self.expected(c, &format!("`{kw}`")))
        }
    }

    fn num(&self, c: &mut Cur, what: &str) -> R<u32> {
        match c.peek().and_then(|t| parse_num(&t.text)) {
            Some(v) => {
                c.pos += 1;
                Ok(v)
            }
            None => Err(self.expected(c, what)),
        }
    }

    fn num_max(&self, c: &mut Cur, what: &str, max: u32) -> R<u32> {
        let v = self.num(c, what)?;
        if v > max {
            c.pos -= 1;
            return Err(self.expected(c, what));
        }
        Ok(v)
    }

    fn ip4(&self, c: &mut Cur, what: &str) -> R<Ipv4Addr> {
        let Some(t) = c.peek() else {
            return Err(self.expected(c, what));
        };
        match t.text.parse::<Ipv4Addr>() {
            Ok(a) => {
                c.pos += 1;
                Ok(a)
            }
            Err(_) if t.text.contains(':') && t.text.parse::<std::net::Ipv6Addr>().is_ok() => {
                Err(self.unsupported(t, "IPv6 is not offloaded"))
            }
            Err(_) => Err(self.expected(c, what)),
        }
    }

    fn prefix(&self, c: &mut Cur, what: &str) -> R<Ipv4Prefix> {
        let Some(t) = c.peek() else {
            return Err(self.expected(c, what));
        };
        let Some((a, l)) = t.text.split_once('/') else {
            return Err(self.expected(c, what));
        };
        let Ok(addr) = a.parse::<Ipv4Addr>() else {
            if a.contains(':') {
                return Err(self.unsupported(t, "IPv6 is not offloaded"));
            }
            return Err(self.expected(c, what));
        };
        match parse_num(l) {
            Some(len) if len <= 32 => {
                c.pos += 1;
                Ok(Ipv4Prefix::new(addr, len as u8))
            }
            _ => {
                let col = t.col + a.chars().count() as u32 + 1;
                Err(at(
                    self.file,
                    t.line,
                    col,
                    ErrorKind::Expected { expected: "a prefix length 0..=32".into(), found: format!("`{l}`") },
                ))
            }
        }
    }

    fn mac(&self, c: &mut Cur, what: &str) -> R<MacAddr> {
        match c.peek().and_then(|t| parse_mac(&t.text)) {
            Some(m) => {
                c.pos += 1;
                Ok(m)
            }
            None => Err(self.expected(c, what)),
        }
    }

    /// An existing interface; returns its position in `ifs`.
    fn iface(&self, c: &mut Cur) -> R<usize> {
        let Some(t) = c.peek() else {
            return Err(self.expected(c, "an interface name"));
        };
        if t.text == "," {
            return Err(self.expected(c, "an interface name"));
        }
        match self.by_name.get(&t.text) {
            Some(&i) => {
                c.pos += 1;
                Ok(i)
            }
            None => {
                if let Some((base, _)) = t.text.split_once('.') {
                    if is_physical_name(base) || self.by_name.contains_key(base) {
                        return Err(self.unsupported(t, "sub-interfaces are not supported"));
                    }
                }
                Err(at(self.file, t.line, t.col, ErrorKind::UnknownInterface { name: t.text.clone() }))
            }
        }
    }

    fn zero_one(&self, c: &mut Cur, what: &str) -> R<bool> {
        match c.peek().map(|t| t.text.as_str()) {
            Some("0") => {
                c.pos += 1;
                Ok(false)
            }
            Some("1") => {
                c.pos += 1;
                Ok(true)
            }
            _ => Err(self.expected(c, what)),
        }
    }

    fn end(&self, c: &Cur) -> R<()> {
        if c.at_end() {
            Ok(())
        } else {
            Err(self.expected(c, "end of line"))
        }
    }

    fn table_exists(&self, t: &Token, id: u32) -> R<()> {
        if self.tables.contains(&id) {
            Ok(())
        } else {
            Err(self.rejected(
                t,
                "an existing table id",
                format!("no table {id}; add it first with `ip table add {id}`"),
            ))
        }
    }

    fn nat_enabled(&mut self, t: &Token) -> R<&mut Nat44> {
        if self.nat.is_none() {
            return Err(self.rejected(t, "a command after `nat44 enable`", "nat44 is disabled"));
        }
        Ok(self.nat.as_mut().expect("checked"))
    }

    // --- dispatch ------------------------------------------------------------------

    fn command(&mut self, cmd: &Command) -> R<()> {
        let mut c = Cur { toks: &cmd.tokens, pos: 0, line: cmd.line, end_col: cmd.end_col };
        let first = &cmd.tokens[0];
        let which = self.match_command(&mut c)?;
        match which {
            Cmd::CreateLoopback => self.create_loopback(&mut c),
            Cmd::DeleteLoopback => self.delete_loopback(&mut c),
            Cmd::CreateTap => self.create_tap(&mut c),
            Cmd::DeleteTap => self.delete_tap(&mut c),
            Cmd::CreateVxlan => self.create_vxlan(&mut c),
            Cmd::CreateBridgeDomain => self.create_bd(&mut c),
            Cmd::SetIfMac => self.set_if_mac(&mut c),
            Cmd::SetIfState => self.set_if_state(&mut c),
            Cmd::SetIfIpAddress => self.set_if_ip_address(&mut c),
            Cmd::SetIfIpTable => self.set_if_ip_table(&mut c),
            Cmd::SetIfUnnumbered => self.set_if_unnumbered(&mut c),
            Cmd::SetIfMtu => self.set_if_mtu(&mut c),
            Cmd::SetIfProxyArp => self.set_if_proxy_arp(&mut c),
            Cmd::SetArpProxy => self.set_arp_proxy(&mut c),
            Cmd::SetIfL2Bridge => self.set_if_l2_bridge(&mut c),
            Cmd::SetIfL3 => self.set_if_l3(&mut c),
            Cmd::SetIfNat44 => self.set_if_nat44(&mut c, first),
            Cmd::IpTable => self.ip_table(&mut c),
            Cmd::IpRoute => self.ip_route(&mut c),
            Cmd::IpNeighbor => self.ip_neighbor(&mut c),
            Cmd::L2fibAdd => self.l2fib_add(&mut c),
            Cmd::Nat44 => self.nat44(&mut c),
            Cmd::Nat44Forwarding => self.nat44_forwarding(&mut c, first),
            Cmd::Nat44AddAddress => self.nat44_add_address(&mut c, first),
            Cmd::Nat44AddInterfaceAddress => self.nat44_add_interface_address(&mut c, first),
            Cmd::Nat44AddStaticMapping => self.nat44_static_mapping(&mut c, first),
            Cmd::Nat44AddLbStaticMapping => self.nat44_lb_mapping(&mut c, first),
            Cmd::Nat44AddIdentityMapping => self.nat44_identity_mapping(&mut c, first),
            Cmd::SetNatTimeout => self.set_nat_timeout(&mut c, first),
            Cmd::SetAclPluginAcl => self.set_acl(&mut c),
            Cmd::SetAclPluginInterface => self.set_acl_interface(&mut c),
            Cmd::SetAclPlugin => self.set_acl_plugin(&mut c),
        }
    }

    /// Walks the command words; each may be an unambiguous prefix of the full word.
    fn match_command(&self, c: &mut Cur) -> R<Cmd> {
        let paths: Vec<(Vec<&str>, Cmd)> = COMMANDS.iter().map(|(p, cmd)| (p.split(' ').collect(), *cmd)).collect();
        let mut cands: Vec<usize> = (0..paths.len()).collect();
        let mut depth = 0;
        loop {
            let complete = cands.iter().copied().find(|&i| paths[i].0.len() == depth);
            let deeper: Vec<usize> = cands.iter().copied().filter(|&i| paths[i].0.len() > depth).collect();
            let mut words: Vec<&str> = deeper.iter().map(|&i| paths[i].0[depth]).collect();
            words.sort();
            words.dedup();
            let tok = c.peek();
            let chosen: Option<&str> = tok.and_then(|t| {
                if words.contains(&t.text.as_str()) {
                    return Some(t.text.as_str());
                }
                let pre: Vec<&str> = words.iter().copied().filter(|w| w.starts_with(t.text.as_str())).collect();
                (pre.len() == 1).then(|| pre[0])
            });
            match chosen {
                Some(w) => {
                    let w = w.to_string();
                    c.pos += 1;
                    cands = deeper.into_iter().filter(|&i| paths[i].0[depth] == w).collect();
                    depth += 1;
                }
                None => {
                    if let Some(i) = complete {
                        return Ok(paths[i].1);
                    }
                    let (line, col) = c.here();
                    let prefix: Vec<&str> = if depth == 0 { vec![] } else { paths[cands[0]].0[..depth].to_vec() };
                    // An ambiguous abbreviation: list only what it could mean.
                    let ambiguous: Vec<&str> = tok
                        .map(|t| words.iter().copied().filter(|w| w.starts_with(t.text.as_str())).collect())
                        .unwrap_or_default();
                    let words = if ambiguous.len() > 1 { ambiguous } else { words };
                    let list: Vec<String> =
                        words.iter().map(|w| format!("`{}`", [prefix.clone(), vec![w]].concat().join(" "))).collect();
                    let expected = if depth == 0 {
                        "a command (`create`, `delete`, `set`, `ip`, `l2fib`, `nat44`, `comment`)".to_string()
                    } else {
                        format!("one of {}", list.join(", "))
                    };
                    return Err(at(self.file, line, col, ErrorKind::UnknownCommand { expected, found: shown(tok) }));
                }
            }
        }
    }

    // --- interfaces ------------------------------------------------------------------

    fn name_free(&self, t: &Token, name: &str) -> R<()> {
        if self.by_name.contains_key(name) {
            return Err(self.rejected(t, "a free instance", format!("{name} already exists")));
        }
        Ok(())
    }

    fn create_loopback(&mut self, c: &mut Cur) -> R<()> {
        let mut mac = None;
        let mut instance: Option<(u32, &Token)> = None;
        while let Some(t) = c.peek() {
            if c.eat("mac") {
                mac = Some(self.mac(c, "a MAC address after `mac`")?);
            } else if c.eat("instance") {
                let v = self.num(c, "an instance number after `instance`")?;
                instance = Some((v, t));
            } else {
                return Err(self.expected(c, "`mac`, `instance` or end of line"));
            }
        }
        let inst = match instance {
            Some((v, t)) => {
                self.name_free(t, &format!("loop{v}"))?;
                v
            }
            None => (0..).find(|i| !self.by_name.contains_key(&format!("loop{i}"))).expect("an unused instance exists"),
        };
        // VPP's default loopback MAC: de:ad:00:00:00:<instance>.
        let mac = mac.unwrap_or(MacAddr([0xde, 0xad, 0, 0, 0, inst as u8]));
        let sw = self.alloc_sw();
        self.add_if(
            Interface { mac: Some(mac), up: false, ..blank_interface(&format!("loop{inst}"), InterfaceKind::Loopback) },
            sw,
            inst,
        );
        Ok(())
    }

    fn delete_loopback(&mut self, c: &mut Cur) -> R<()> {
        self.kw(c, "intfc")?;
        let t = c.peek();
        let i = self.iface(c)?;
        if self.ifs[i].cfg.kind != InterfaceKind::Loopback {
            return Err(self.rejected(t.expect("iface consumed a word"), "a loopback", "not a loopback"));
        }
        self.end(c)?;
        self.delete_if(i, t.expect("iface consumed a word"))
    }

    fn delete_if(&mut self, i: usize, t: &Token) -> R<()> {
        let name = self.ifs[i].cfg.name.clone();
        let used = self.bds.iter().any(|b| b.members.contains(&name) || b.bvi.as_ref() == Some(&name))
            || self.neighbors.iter().any(|n| n.interface == name)
            || self.l2fib.iter().any(|e| e.interface == name)
            || self.routes.iter().any(|r| r.via.iter().any(|v| v.interface.as_ref() == Some(&name)))
            || self.ifs.iter().any(|o| o.alive && o.cfg.unnumbered.as_ref() == Some(&name));
        if used {
            return Err(self.rejected(
                t,
                "an unused interface",
                format!(
                    "{name} is still used by a bridge domain, neighbor, route, l2fib entry or unnumbered interface"
                ),
            ));
        }
        self.ifs[i].alive = false;
        self.by_name.remove(&name);
        self.sw_free.push(self.ifs[i].sw);
        if self.ifs[i].cfg.kind == InterfaceKind::Vxlan {
            self.vxlan_free.push(self.ifs[i].slot);
        }
        Ok(())
    }

    fn create_tap(&mut self, c: &mut Cur) -> R<()> {
        let mut id: Option<(u32, &Token)> = None;
        let mut mac = None;
        let mut host_if_name = None;
        let mut ignored: Vec<String> = Vec::new();
        let line = c.line;
        while let Some(t) = c.peek() {
            if c.eat("id") {
                id = Some((self.num(c, "a tap id after `id`")?, t));
            } else if c.eat("hw-addr") {
                mac = Some(self.mac(c, "a MAC address after `hw-addr`")?);
            } else if c.eat("host-if-name") {
                host_if_name = Some(self.word(c, "a host interface name")?.text.clone());
            } else if ["host-ns", "host-bridge"].contains(&t.text.as_str()) {
                c.pos += 1;
                let v = self.word(c, "a name")?;
                ignored.push(format!("{} {}", t.text, v.text));
            } else if c.eat("host-ip4-addr") {
                let p = self.prefix(c, "a host IPv4 prefix A/L")?;
                ignored.push(format!("host-ip4-addr {p}"));
            } else if c.eat("host-ip4-gw") {
                let a = self.ip4(c, "a host gateway IPv4 address")?;
                ignored.push(format!("host-ip4-gw {a}"));
            } else if c.eat("host-mac-addr") {
                let m = self.mac(c, "a MAC address after `host-mac-addr`")?;
                ignored.push(format!("host-mac-addr {m}"));
            } else if ["host-mtu-size", "rx-ring-size", "tx-ring-size", "num-rx-queues"].contains(&t.text.as_str()) {
                c.pos += 1;
                let v = self.num(c, &format!("a number after `{}`", t.text))?;
                ignored.push(format!("{} {v}", t.text));
            } else if ["gso", "no-gso", "csum-offload", "gro-coalesce", "persist", "attach"].contains(&t.text.as_str())
            {
                c.pos += 1;
                ignored.push(t.text.clone());
            } else {
                return Err(self.expected(
                    c,
                    "a tap option (`id`, `hw-addr`, `host-if-name`, `host-ns`, `host-ip4-addr`, ...) or end of line",
                ));
            }
        }
        let tap_id = match id {
            Some((v, t)) => {
                self.name_free(t, &format!("tap{v}"))?;
                v
            }
            None => (0..).find(|i| !self.by_name.contains_key(&format!("tap{i}"))).expect("an unused id exists"),
        };
        let name = format!("tap{tap_id}");
        if mac.is_none() {
            self.note(line, format!("{name}: no `hw-addr`, VPP picks a random MAC; the config needs one to render"));
        }
        if !ignored.is_empty() {
            self.note(
                line,
                format!(
                    "{name}: host-side settings not modelled (the host applies them, the NIC never sees them): {}",
                    ignored.join(", ")
                ),
            );
        }
        self.note(
            line,
            format!("{name} is a host TAP: its traffic reaches the NIC pipeline through the host (punt/inject), not a wire port"),
        );
        let sw = self.alloc_sw();
        self.add_if(
            Interface { mac, up: false, host_if_name, ..blank_interface(&name, InterfaceKind::Tap) },
            sw,
            tap_id,
        );
        Ok(())
    }

    fn delete_tap(&mut self, c: &mut Cur) -> R<()> {
        let t = c.peek();
        let i = self.iface(c)?;
        let t = t.expect("iface consumed a word");
        if self.ifs[i].cfg.kind != InterfaceKind::Tap {
            return Err(self.rejected(t, "a tap interface", "not a tap"));
        }
        self.end(c)?;
        self.delete_if(i, t)
    }

    fn create_vxlan(&mut self, c: &mut Cur) -> R<()> {
        let first = c.peek().unwrap_or(&c.toks[0]);
        let (mut src, mut dst, mut vni, mut instance) = (None, None, None, None);
        let mut encap_vrf = 0;
        let mut del = false;
        while let Some(t) = c.peek() {
            if c.eat("src") {
                src = Some(self.ip4(c, "a source IPv4 address after `src`")?);
            } else if c.eat("dst") {
                dst = Some(self.ip4(c, "a destination IPv4 address after `dst`")?);
            } else if c.eat("vni") {
                let v = self.num(c, "a VNI after `vni`")?;
                if v == 0 || v >> 24 != 0 {
                    c.pos -= 1;
                    return Err(self.expected(c, "a VNI 1..=16777215"));
                }
                vni = Some(v);
            } else if c.eat("instance") {
                instance = Some((self.num(c, "an instance number after `instance`")?, t));
            } else if c.eat("encap-vrf-id") {
                let tt = c.peek();
                encap_vrf = self.num(c, "a table id after `encap-vrf-id`")?;
                self.table_exists(tt.expect("num consumed a word"), encap_vrf)?;
            } else if c.eat("decap-next") {
                let tt = self.word(c, "`l2` after `decap-next`")?;
                if tt.text != "l2" {
                    return Err(self.unsupported(tt, "only `decap-next l2` (bridged VXLAN) is supported"));
                }
            } else if c.eat("del") {
                del = true;
            } else if t.text == "group" {
                return Err(self.unsupported(t, "multicast VXLAN is not supported"));
            } else {
                return Err(self.expected(
                    c,
                    "`src`, `dst`, `vni`, `instance`, `encap-vrf-id`, `decap-next`, `del` or end of line",
                ));
            }
        }
        let (Some(src), Some(dst), Some(vni)) = (src, dst, vni) else {
            let missing = if src.is_none() {
                "`src A`"
            } else if dst.is_none() {
                "`dst B`"
            } else {
                "`vni N`"
            };
            return Err(self.expected(c, missing));
        };
        if src == dst {
            return Err(self.rejected(first, "different src and dst", "src and dst addresses are identical"));
        }
        let existing = self.ifs.iter().position(|i| {
            i.alive
                && i.cfg
                    .vxlan
                    .as_ref()
                    .is_some_and(|v| v.src == src && v.dst == dst && v.vni == vni && v.encap_vrf == encap_vrf)
        });
        if del {
            let Some(i) = existing else {
                return Err(self.rejected(first, "an existing tunnel", "tunnel does not exist"));
            };
            return self.delete_if(i, first);
        }
        if existing.is_some() {
            return Err(self.rejected(first, "a new tunnel", "tunnel already exists"));
        }
        let slot = match self.vxlan_free.pop() {
            Some(s) => s,
            None => {
                self.next_vxlan += 1;
                self.next_vxlan - 1
            }
        };
        let user = match instance {
            Some((v, t)) => {
                if self.by_name.contains_key(&format!("vxlan_tunnel{v}")) {
                    self.vxlan_free.push(slot);
                    return Err(self.rejected(t, "a free instance", "instance is in use"));
                }
                v
            }
            None => slot,
        };
        let name = format!("vxlan_tunnel{user}");
        if self.by_name.contains_key(&name) {
            self.vxlan_free.push(slot);
            return Err(self.rejected(first, "a free instance", format!("{name} already exists (give `instance N`)")));
        }
        let sw = self.alloc_sw();
        self.add_if(
            Interface {
                // VPP sets a new VXLAN tunnel admin-up itself.
                up: true,
                vxlan: Some(VxlanTunnel { src, dst, vni, encap_vrf }),
                ..blank_interface(&name, InterfaceKind::Vxlan)
            },
            sw,
            slot,
        );
        Ok(())
    }

    fn set_if_mac(&mut self, c: &mut Cur) -> R<()> {
        let i = self.iface(c)?;
        let m = self.mac(c, "a MAC address")?;
        self.end(c)?;
        self.ifs[i].cfg.mac = Some(m);
        Ok(())
    }

    fn set_if_state(&mut self, c: &mut Cur) -> R<()> {
        let i = self.iface(c)?;
        let up = match c.peek().map(|t| t.text.as_str()) {
            Some("up") => true,
            Some("down") => false,
            _ => return Err(self.expected(c, "`up` or `down`")),
        };
        c.pos += 1;
        self.end(c)?;
        self.ifs[i].cfg.up = up;
        Ok(())
    }

    fn set_if_ip_address(&mut self, c: &mut Cur) -> R<()> {
        let del = c.eat("del");
        let i = self.iface(c)?;
        if del && c.eat("all") {
            self.end(c)?;
            self.ifs[i].cfg.addresses.clear();
            return Ok(());
        }
        let t = c.peek();
        let p = self.prefix(c, "an IPv4 prefix A/L")?;
        self.end(c)?;
        let addrs = &mut self.ifs[i].cfg.addresses;
        if del {
            let before = addrs.len();
            addrs.retain(|a| *a != p);
            if addrs.len() == before {
                return Err(self.rejected(
                    t.expect("prefix consumed"),
                    "an address of the interface",
                    "not configured",
                ));
            }
        } else if !addrs.contains(&p) {
            addrs.push(p);
        }
        Ok(())
    }

    fn set_if_ip_table(&mut self, c: &mut Cur) -> R<()> {
        let it = c.peek();
        let i = self.iface(c)?;
        let t = c.peek();
        let id = self.num(c, "a table id")?;
        self.end(c)?;
        self.table_exists(t.expect("num consumed"), id)?;
        if id != self.ifs[i].cfg.vrf && !self.ifs[i].cfg.addresses.is_empty() {
            return Err(self.rejected(
                it.expect("iface consumed"),
                "an interface without addresses",
                "IP addresses are still present; set the table before the addresses",
            ));
        }
        self.ifs[i].cfg.vrf = id;
        Ok(())
    }

    fn set_if_unnumbered(&mut self, c: &mut Cur) -> R<()> {
        if c.eat("del") {
            let i = self.iface(c)?;
            self.end(c)?;
            self.ifs[i].cfg.unnumbered = None;
            return Ok(());
        }
        let i = self.iface(c)?;
        self.kw(c, "use")?;
        let o = self.iface(c)?;
        self.end(c)?;
        self.ifs[i].cfg.unnumbered = Some(self.ifs[o].cfg.name.clone());
        Ok(())
    }

    fn set_if_proxy_arp(&mut self, c: &mut Cur) -> R<()> {
        let i = self.iface(c)?;
        let enable = !c.eat("disable");
        if enable {
            c.eat("enable");
        }
        self.end(c)?;
        let name = self.ifs[i].cfg.name.clone();
        self.proxy_ifs.retain(|n| *n != name);
        if enable {
            self.proxy_ifs.push(name);
        }
        Ok(())
    }

    /// `set arp proxy [del] [table-id N] start A end B` (at most 256 addresses).
    fn set_arp_proxy(&mut self, c: &mut Cur) -> R<()> {
        let del = c.eat("del");
        let table = if c.eat("table-id") { self.num_max(c, "a table id", u32::MAX)? } else { 0 };
        self.kw(c, "start")?;
        let start = u32::from(self.ip4(c, "the first proxied address")?);
        self.kw(c, "end")?;
        let end = u32::from(self.ip4(c, "the last proxied address")?);
        self.end(c)?;
        if end < start || end - start >= 256 {
            return Err(self.expected(c, "a range of 1..=256 addresses (start <= end)"));
        }
        self.proxy_ranges.retain(|&r| r != (table, start, end));
        if !del {
            self.proxy_ranges.push((table, start, end));
        }
        Ok(())
    }

    fn set_if_mtu(&mut self, c: &mut Cur) -> R<()> {
        let line = c.line;
        let kind = match c.peek().map(|t| t.text.as_str()) {
            Some(k @ ("packet" | "ip4" | "ip6" | "mpls")) => {
                c.pos += 1;
                k
            }
            _ => "packet",
        };
        let v = self.num_max(c, "an MTU value (up to 65535)", u32::from(u16::MAX))?;
        let i = self.iface(c)?;
        self.end(c)?;
        if kind == "ip6" || kind == "mpls" {
            let name = self.ifs[i].cfg.name.clone();
            self.note(line, format!("{name}: {kind} MTU ignored: only IPv4 is forwarded"));
        } else {
            self.ifs[i].cfg.mtu = v as u16;
        }
        Ok(())
    }

    // --- L2 ----------------------------------------------------------------------------

    fn bd_index(&mut self, id: u32) -> usize {
        match self.bds.iter().position(|b| b.id == id) {
            Some(i) => i,
            None => {
                self.bds.push(Bd {
                    id,
                    members: Vec::new(),
                    bvi: None,
                    learn: true,
                    forward: true,
                    flood: true,
                    uu_flood: true,
                    arp_term: false,
                });
                self.bds.len() - 1
            }
        }
    }

    fn bd_id(&self, c: &mut Cur) -> R<u32> {
        let t = c.peek();
        let id = self.num(c, "a bridge-domain id")?;
        if id == 0 || id > 0x00ff_ffff {
            return Err(self.rejected(
                t.expect("num consumed"),
                "a bridge-domain id 1..=16777215",
                "bridge domain 0 is reserved; ids are 24 bits",
            ));
        }
        Ok(id)
    }

    fn create_bd(&mut self, c: &mut Cur) -> R<()> {
        let t = c.peek();
        let id = self.bd_id(c)?;
        let t = t.expect("bd_id consumed");
        let mut flags: Vec<(&str, bool)> = Vec::new();
        let mut del = false;
        let line = c.line;
        while let Some(tt) = c.peek() {
            let k = tt.text.as_str();
            if ["learn", "forward", "flood", "uu-flood", "arp-term"].contains(&k) {
                c.pos += 1;
                let v = self.zero_one(c, &format!("`0` or `1` after `{k}`"))?;
                flags.push((k, v));
            } else if k == "mac-age" {
                c.pos += 1;
                let v = self.num(c, "minutes after `mac-age`")?;
                self.note(line, format!("bridge-domain {id}: mac-age {v} not modelled: learned MACs do not age"));
            } else if k == "arp-ufwd" || k == "bd-tag" {
                return Err(self.unsupported(tt, "not modelled"));
            } else if c.eat("del") {
                del = true;
            } else {
                return Err(self.expected(
                    c,
                    "`learn`, `forward`, `flood`, `uu-flood`, `arp-term`, `mac-age`, `del` or end of line",
                ));
            }
        }
        let exists = self.bds.iter().position(|b| b.id == id);
        if del {
            let Some(i) = exists else {
                return Err(self.rejected(t, "an existing bridge domain", "no such bridge domain"));
            };
            if !self.bds[i].members.is_empty() || self.bds[i].bvi.is_some() {
                return Err(self.rejected(t, "an empty bridge domain", "it still has members"));
            }
            self.l2fib.retain(|e| e.bd != id);
            self.bds.remove(i);
            return Ok(());
        }
        if exists.is_some() {
            return Err(self.rejected(t, "a new bridge-domain id", "bridge domain already exists"));
        }
        let i = self.bd_index(id);
        let bd = &mut self.bds[i];
        for (k, v) in flags {
            match k {
                "learn" => bd.learn = v,
                "forward" => bd.forward = v,
                "flood" => bd.flood = v,
                "uu-flood" => bd.uu_flood = v,
                _ => bd.arp_term = v,
            }
        }
        Ok(())
    }

    fn leave_bd(&mut self, name: &str) {
        for b in &mut self.bds {
            b.members.retain(|m| m != name);
            if b.bvi.as_deref() == Some(name) {
                b.bvi = None;
            }
        }
        self.l2fib.retain(|e| e.interface != name);
    }

    fn set_if_l2_bridge(&mut self, c: &mut Cur) -> R<()> {
        let i = self.iface(c)?;
        let id = self.bd_id(c)?;
        let bvi_t = c.peek();
        let bvi = c.eat("bvi");
        if let Some(t) = c.peek() {
            if t.text == "uu-fwd" {
                return Err(self.unsupported(t, "uu-fwd ports are not modelled"));
            }
            if t.text == "shg" {
                return Err(
                    self.expected(c, "a split-horizon group number (VPP 22.02 takes it bare: `... BD [bvi] K`)")
                );
            }
        }
        let shg =
            if c.at_end() { 0 } else { self.num_max(c, "`bvi`, a split-horizon group 0..=255 or end of line", 255)? };
        self.end(c)?;
        let name = self.ifs[i].cfg.name.clone();
        self.leave_bd(&name);
        let b = self.bd_index(id);
        if bvi {
            if let Some(other) = &self.bds[b].bvi {
                return Err(self.rejected(
                    bvi_t.expect("bvi seen"),
                    "a bridge domain without a BVI",
                    format!("bridge-domain already has a bvi interface ({other})"),
                ));
            }
            self.bds[b].bvi = Some(name);
        } else {
            self.bds[b].members.push(name);
        }
        self.ifs[i].cfg.shg = shg as u8;
        Ok(())
    }

    fn set_if_l3(&mut self, c: &mut Cur) -> R<()> {
        let i = self.iface(c)?;
        self.end(c)?;
        let name = self.ifs[i].cfg.name.clone();
        self.leave_bd(&name);
        self.ifs[i].cfg.shg = 0;
        Ok(())
    }

    fn l2fib_add(&mut self, c: &mut Cur) -> R<()> {
        let mac = self.mac(c, "a MAC address")?;
        let bt = c.peek();
        let id = self.num(c, "a bridge-domain id")?;
        let bt = bt.expect("num consumed");
        if let Some(t) = c.peek() {
            if t.text == "filter" {
                return Err(self.unsupported(t, "filter entries are not modelled"));
            }
        }
        let it = c.peek();
        let i = self.iface(c)?;
        let mut static_entry = false;
        while let Some(t) = c.peek() {
            if c.eat("static") {
                static_entry = true;
            } else if t.text == "bvi" {
                return Err(self.unsupported(t, "the BVI's own MAC is entered automatically"));
            } else {
                return Err(self.expected(c, "`static` or end of line"));
            }
        }
        let Some(b) = self.bds.iter().position(|b| b.id == id) else {
            return Err(self.rejected(bt, "an existing bridge-domain id", "no such bridge domain"));
        };
        let name = self.ifs[i].cfg.name.clone();
        if !self.bds[b].members.contains(&name) && self.bds[b].bvi.as_ref() != Some(&name) {
            return Err(self.rejected(
                it.expect("iface consumed"),
                &format!("a member of bridge domain {id}"),
                "not a member",
            ));
        }
        self.l2fib.retain(|e| !(e.bd == id && e.mac == mac));
        self.l2fib.push(StaticL2Fib { bd: id, mac, interface: name, static_entry });
        Ok(())
    }

    // --- L3 ----------------------------------------------------------------------------

    fn ip_table(&mut self, c: &mut Cur) -> R<()> {
        let del = add_or_del(c);
        let t = c.peek();
        let id = self.num(c, "a table id")?;
        self.end(c)?;
        if del {
            let t = t.expect("num consumed");
            if id == 0 || !self.tables.contains(&id) {
                return Err(self.rejected(t, "an added table", "no such table (table 0 cannot be deleted)"));
            }
            if self.ifs.iter().any(|i| i.alive && i.cfg.vrf == id) || self.routes.iter().any(|r| r.vrf == id) {
                return Err(self.rejected(t, "an unused table", "still used by an interface or route"));
            }
            self.tables.remove(&id);
        } else {
            self.tables.insert(id);
        }
        Ok(())
    }

    fn ip_route(&mut self, c: &mut Cur) -> R<()> {
        let del = add_or_del(c);
        let mut vrf = 0;
        let mut prefix = None;
        let mut ptok = None;
        while !c.at_end() && !c.peek_is("via") {
            let t = c.peek().expect("not at end");
            if c.eat("table") {
                let tt = c.peek();
                vrf = self.num(c, "a table id after `table`")?;
                self.table_exists(tt.expect("num consumed"), vrf)?;
            } else if prefix.is_none() {
                ptok = Some(t);
                prefix = Some(self.prefix(c, "a destination prefix A/L")?);
            } else if t.text == "count" || t.text == "preference" {
                return Err(self.unsupported(t, "not modelled"));
            } else {
                return Err(self.expected(c, "`table`, `via` or end of line"));
            }
        }
        let Some(prefix) = prefix else {
            return Err(self.expected(c, "a destination prefix A/L"));
        };
        let mut paths = Vec::new();
        while c.eat("via") {
            paths.push(self.route_path(c)?);
        }
        self.end(c)?;
        let existing = self.routes.iter().position(|r| r.vrf == vrf && r.prefix == prefix);
        if del {
            let Some(r) = existing else {
                return Err(self.rejected(ptok.expect("prefix seen"), "an existing route", "no such route"));
            };
            if paths.is_empty() {
                self.routes.remove(r);
            } else {
                self.routes[r].via.retain(|v| {
                    !paths.iter().any(|p: &NextHop| {
                        p.address == v.address && p.interface == v.interface && p.next_hop_vrf == v.next_hop_vrf
                    })
                });
                if self.routes[r].via.is_empty() {
                    self.routes.remove(r);
                }
            }
            return Ok(());
        }
        if paths.is_empty() {
            return Err(self.expected(c, "`via`"));
        }
        // Adding paths to an existing prefix extends its path list, as in VPP (ECMP).
        let r = match existing {
            Some(r) => r,
            None => {
                self.routes.push(Route { vrf, prefix, via: Vec::new() });
                self.routes.len() - 1
            }
        };
        for p in paths {
            let via = &mut self.routes[r].via;
            match via
                .iter_mut()
                .find(|v| v.address == p.address && v.interface == p.interface && v.next_hop_vrf == p.next_hop_vrf)
            {
                Some(v) => v.weight = p.weight,
                None => via.push(p),
            }
        }
        Ok(())
    }

    fn route_path(&mut self, c: &mut Cur) -> R<NextHop> {
        let mut hop = NextHop { address: None, interface: None, weight: 1, next_hop_vrf: None };
        const AFTER: &str = "a next-hop address or interface after `via`";
        match c.peek() {
            Some(t) if t.text.parse::<Ipv4Addr>().is_ok() => {
                hop.address = Some(self.ip4(c, AFTER)?);
            }
            Some(t) if ["drop", "local", "prohibit", "unreach"].contains(&t.text.as_str()) => {
                return Err(self.unsupported(t, "special paths are not modelled"));
            }
            Some(t) if t.text.parse::<std::net::Ipv6Addr>().is_ok() => {
                return Err(self.unsupported(t, "IPv6 is not offloaded"));
            }
            Some(t) if self.by_name.contains_key(&t.text) => {}
            Some(t) if looks_like_name(&t.text) => {
                self.iface(c)?;
            }
            _ => return Err(self.expected(c, AFTER)),
        }
        if let Some(t) = c.peek() {
            if self.by_name.contains_key(&t.text) || looks_like_name(&t.text) {
                let i = self.iface(c)?;
                hop.interface = Some(self.ifs[i].cfg.name.clone());
            }
        }
        loop {
            if c.eat("weight") {
                hop.weight = self.num_max(c, "a weight 0..=255 after `weight`", 255)? as u8;
            } else if c.eat("next-hop-table") {
                let t = c.peek();
                let v = self.num(c, "a table id after `next-hop-table`")?;
                self.table_exists(t.expect("num consumed"), v)?;
                hop.next_hop_vrf = Some(v);
            } else if let Some(t) = c.peek() {
                if t.text == "via" {
                    break;
                }
                if ["preference", "resolve-via-host", "resolve-via-connected", "udp-encap-id", "out-labels"]
                    .contains(&t.text.as_str())
                {
                    return Err(self.unsupported(t, "not modelled"));
                }
                return Err(self.expected(c, "`weight`, `next-hop-table`, `via` or end of line"));
            } else {
                break;
            }
        }
        Ok(hop)
    }

    fn ip_neighbor(&mut self, c: &mut Cur) -> R<()> {
        let mut del = false;
        let mut iface = None;
        let mut ip = None;
        let mut mac = None;
        let mut it = None;
        while let Some(t) = c.peek() {
            if c.eat("del") {
                del = true;
            } else if c.eat("static") {
            } else if t.text == "no-fib-entry" || t.text == "count" || t.text == "fib-id" || t.text == "proxy" {
                return Err(self.unsupported(t, "not modelled"));
            } else if iface.is_none() {
                it = Some(t);
                iface = Some(self.iface(c)?);
            } else if ip.is_none() {
                ip = Some(self.ip4(c, "the neighbor's IPv4 address")?);
            } else if mac.is_none() {
                mac = Some(self.mac(c, "the neighbor's MAC address")?);
            } else {
                return Err(self.expected(c, "`static` or end of line"));
            }
        }
        let Some(i) = iface else {
            return Err(self.expected(c, "an interface name"));
        };
        let Some(ip) = ip else {
            return Err(self.expected(c, "the neighbor's IPv4 address"));
        };
        let name = self.ifs[i].cfg.name.clone();
        let pos = self.neighbors.iter().position(|n| n.interface == name && n.ip == ip);
        if del {
            match pos {
                Some(p) => {
                    self.neighbors.remove(p);
                }
                None => return Err(self.rejected(it.expect("iface seen"), "an existing neighbor", "no such neighbor")),
            }
            return Ok(());
        }
        let Some(mac) = mac else {
            return Err(self.expected(c, "the neighbor's MAC address"));
        };
        match pos {
            // A second add updates the MAC, as VPP does.
            Some(p) => self.neighbors[p].mac = mac,
            None => self.neighbors.push(Neighbor { interface: name, ip, mac }),
        }
        Ok(())
    }

    // --- NAT44 ---------------------------------------------------------------------------

    fn nat44(&mut self, c: &mut Cur) -> R<()> {
        let mut enable = None;
        let mut sessions = None;
        let line = c.line;
        while let Some(t) = c.peek() {
            if c.eat("sessions") {
                // VPP treats 0 as "the default".
                sessions = Some(self.num(c, "a session count after `sessions`")?).filter(|&n| n != 0);
            } else if t.text == "inside-vrf" || t.text == "outside-vrf" {
                c.pos += 1;
                let v = self.num(c, "a table id")?;
                if v != 0 {
                    return Err(self.unsupported(t, "NAT44 inside/outside VRFs other than 0 are not modelled"));
                }
            } else if t.text == "static-mapping-only" || t.text == "connection-tracking" {
                return Err(self.unsupported(t, "static-mapping-only mode is not modelled"));
            } else if enable.is_none() && (t.text == "enable" || t.text == "disable") {
                c.pos += 1;
                enable = Some((t.text == "enable", t));
            } else {
                return Err(self.expected(
                    c,
                    if enable.is_none() {
                        "`enable` or `disable`"
                    } else {
                        "`sessions`, `inside-vrf`, `outside-vrf` or end of line"
                    },
                ));
            }
        }
        let Some((on, t)) = enable else {
            return Err(self.expected(c, "`enable` or `disable`"));
        };
        match (on, self.nat.is_some()) {
            (true, true) => Err(self.rejected(t, "`disable`", "already enabled")),
            (false, false) => Err(self.rejected(t, "`enable`", "already disabled")),
            (true, false) => {
                self.nat = Some(Nat44 {
                    forwarding: false,
                    max_sessions: sessions.unwrap_or(VPP_DEFAULT_NAT_SESSIONS),
                    ..Nat44::default()
                });
                self.note(line, "NAT44: sessions are created by the software slow path (endpoint choice, port allocation) and then installed in the NIC");
                Ok(())
            }
            (false, true) => {
                self.nat = None;
                self.nat_if_addresses.clear();
                for i in &mut self.ifs {
                    i.cfg.nat = NatRole::None;
                    i.cfg.nat_output_feature = false;
                }
                Ok(())
            }
        }
    }

    fn nat44_forwarding(&mut self, c: &mut Cur, first: &Token) -> R<()> {
        let on = match c.peek().map(|t| t.text.as_str()) {
            Some("enable") => true,
            Some("disable") => false,
            _ => return Err(self.expected(c, "`enable` or `disable`")),
        };
        c.pos += 1;
        self.end(c)?;
        self.nat_enabled(first)?.forwarding = on;
        Ok(())
    }

    fn set_if_nat44(&mut self, c: &mut Cur, first: &Token) -> R<()> {
        let mut ins = Vec::new();
        let mut outs = Vec::new();
        let mut output_feature = false;
        let mut del = false;
        while let Some(_t) = c.peek() {
            if c.eat("in") {
                ins.push(self.iface(c)?);
            } else if c.eat("out") {
                outs.push(self.iface(c)?);
            } else if c.eat("output-feature") {
                output_feature = true;
            } else if c.eat("del") {
                del = true;
            } else {
                return Err(self.expected(c, "`in`, `out`, `output-feature`, `del` or end of line"));
            }
        }
        if ins.is_empty() && outs.is_empty() {
            return Err(self.expected(c, "`in IF` or `out IF`"));
        }
        self.nat_enabled(first)?;
        if output_feature {
            // VPP 22.02: `in IF` and `out IF` alike make IF an output-feature interface
            // (in2out as it leaves, out2in as it arrives); adding one twice fails.
            for i in ins.into_iter().chain(outs) {
                let cfg = &mut self.ifs[i].cfg;
                let name = cfg.name.clone();
                match (del, cfg.nat_output_feature) {
                    (false, true) => {
                        return Err(self.rejected(
                            first,
                            "an interface not yet NAT44 output feature",
                            format!("add {name} failed"),
                        ))
                    }
                    (false, false) if cfg.nat != NatRole::None => {
                        return Err(self.rejected(
                            first,
                            "one kind of NAT44 feature per interface",
                            format!("{name} already has NAT44 in the input path"),
                        ))
                    }
                    (true, false) => {
                        return Err(self.rejected(
                            first,
                            "a NAT44 output-feature interface",
                            format!("del {name} failed"),
                        ))
                    }
                    (false, false) => (cfg.nat, cfg.nat_output_feature) = (NatRole::Outside, true),
                    (true, true) => (cfg.nat, cfg.nat_output_feature) = (NatRole::None, false),
                }
            }
            return Ok(());
        }
        for (list, inside) in [(ins, true), (outs, false)] {
            for i in list {
                let cfg = &self.ifs[i].cfg;
                if !del && cfg.nat != NatRole::None && cfg.nat_output_feature != output_feature {
                    let why = format!(
                        "{} already has NAT44 {}",
                        cfg.name,
                        if cfg.nat_output_feature { "as an output feature" } else { "in the input path" }
                    );
                    return Err(self.rejected(first, "one kind of NAT44 feature per interface", why));
                }
                let cfg = &mut self.ifs[i].cfg;
                let (was_in, was_out) = match cfg.nat {
                    NatRole::None => (false, false),
                    NatRole::Inside => (true, false),
                    NatRole::Outside => (false, true),
                    NatRole::InsideOutside => (true, true),
                };
                let (mut now_in, mut now_out) = (was_in, was_out);
                if inside {
                    now_in = !del;
                } else {
                    now_out = !del;
                }
                cfg.nat = match (now_in, now_out) {
                    (false, false) => NatRole::None,
                    (true, false) => NatRole::Inside,
                    (false, true) => NatRole::Outside,
                    (true, true) => NatRole::InsideOutside,
                };
                cfg.nat_output_feature = cfg.nat != NatRole::None && output_feature;
            }
        }
        Ok(())
    }

    fn nat44_add_address(&mut self, c: &mut Cur, first: &Token) -> R<()> {
        let mut range: Option<(Ipv4Addr, Ipv4Addr, &Token)> = None;
        let mut vrf = 0;
        let mut twice_nat = false;
        let mut del = false;
        while let Some(t) = c.peek() {
            if c.eat("tenant-vrf") {
                vrf = self.num(c, "a table id after `tenant-vrf`")?;
            } else if c.eat("twice-nat") {
                twice_nat = true;
            } else if c.eat("del") {
                del = true;
            } else if range.is_none() {
                // `A`, `A - B` or `A-B`.
                let (a, b) = match t.text.split_once('-') {
                    Some((a, b)) if !a.is_empty() && !b.is_empty() => {
                        match (a.parse::<Ipv4Addr>(), b.parse::<Ipv4Addr>()) {
                            (Ok(a), Ok(b)) => {
                                c.pos += 1;
                                (a, b)
                            }
                            _ => return Err(self.expected(c, "an IPv4 address or range A - B")),
                        }
                    }
                    _ => {
                        let a = self.ip4(c, "an IPv4 address or range A - B")?;
                        if c.eat("-") {
                            (a, self.ip4(c, "the range's last IPv4 address")?)
                        } else {
                            (a, a)
                        }
                    }
                };
                range = Some((a, b, t));
            } else {
                return Err(self.expected(c, "`tenant-vrf`, `twice-nat`, `del` or end of line"));
            }
        }
        let Some((a, b, t)) = range else {
            return Err(self.expected(c, "an IPv4 address or range A - B"));
        };
        if u32::from(b) < u32::from(a) {
            return Err(self.rejected(t, "a range A - B with A <= B", "end address less than start address"));
        }
        if u32::from(b) - u32::from(a) >= 1024 {
            return Err(self.rejected(
                t,
                "a range of at most 1024 addresses",
                "too many addresses for the NIC's pool table",
            ));
        }
        let nat = self.nat_enabled(first)?;
        for n in u32::from(a)..=u32::from(b) {
            let addr = Ipv4Addr::from(n);
            let pos = nat.addresses.iter().position(|p| p.address == addr);
            match (del, pos) {
                (false, None) => nat.addresses.push(NatPoolAddress { address: addr, vrf, twice_nat }),
                (false, Some(_)) => {
                    return Err(self.rejected(t, "a new pool address", format!("{addr}: NAT address already in use")))
                }
                (true, Some(p)) => {
                    nat.addresses.remove(p);
                }
                (true, None) => {
                    return Err(self.rejected(t, "a pool address", format!("{addr}: NAT address not exist")))
                }
            }
        }
        Ok(())
    }

    fn nat44_add_interface_address(&mut self, c: &mut Cur, first: &Token) -> R<()> {
        let i = self.iface(c)?;
        let mut twice_nat = false;
        while c.peek().is_some() {
            if c.eat("twice-nat") {
                twice_nat = true;
            } else if c.peek_is("del") {
                return Err(
                    self.unsupported(c.peek().expect("peeked"), "remove the address with `nat44 add address A del`")
                );
            } else {
                return Err(self.expected(c, "`twice-nat` or end of line"));
            }
        }
        self.nat_enabled(first)?;
        let name = self.ifs[i].cfg.name.clone();
        let pos = self.nat.as_ref().map_or(0, |n| n.addresses.len());
        self.nat_if_addresses.push((name, twice_nat, c.line, pos));
        Ok(())
    }

    fn proto(&self, c: &mut Cur, allow_icmp: bool) -> R<L4Protocol> {
        let p = match c.peek().map(|t| t.text.as_str()) {
            Some("tcp") => L4Protocol::Tcp,
            Some("udp") => L4Protocol::Udp,
            Some("icmp") if allow_icmp => L4Protocol::Icmp,
            _ => return Err(self.expected(c, if allow_icmp { "`tcp`, `udp` or `icmp`" } else { "`tcp` or `udp`" })),
        };
        c.pos += 1;
        Ok(p)
    }

    fn port(&self, c: &mut Cur, what: &str) -> R<u16> {
        Ok(self.num_max(c, what, u32::from(u16::MAX))? as u16)
    }

    fn nat44_static_mapping(&mut self, c: &mut Cur, first: &Token) -> R<()> {
        let mut proto = None;
        let mut local: Option<(Ipv4Addr, Option<u16>)> = None;
        let mut external: Option<(Ipv4Addr, Option<u16>)> = None;
        let mut vrf = 0;
        let (mut twice, mut self_twice, mut out2in, mut del) = (false, false, false, false);
        while let Some(t) = c.peek() {
            let is_port = |c: &Cur| c.peek().is_some_and(|t| parse_num(&t.text).is_some());
            if c.eat("local") {
                let a = self.ip4(c, "the local IPv4 address after `local`")?;
                let p = if is_port(c) { Some(self.port(c, "a local port 0..=65535")?) } else { None };
                local = Some((a, p));
            } else if c.eat("external") {
                if let Some(tt) = c.peek() {
                    if self.by_name.contains_key(&tt.text) {
                        return Err(self.unsupported(tt, "an interface as external address is not modelled"));
                    }
                }
                let a = self.ip4(c, "the external IPv4 address after `external`")?;
                let p = if is_port(c) { Some(self.port(c, "an external port 0..=65535")?) } else { None };
                external = Some((a, p));
            } else if c.eat("vrf") {
                vrf = self.num(c, "a table id after `vrf`")?;
            } else if c.eat("twice-nat") {
                twice = true;
            } else if c.eat("self-twice-nat") {
                self_twice = true;
            } else if c.eat("out2in-only") {
                out2in = true;
            } else if c.eat("del") {
                del = true;
            } else if t.text == "exact" {
                return Err(self.unsupported(t, "`exact` pool address selection is not modelled"));
            } else if proto.is_none() && ["tcp", "udp", "icmp"].contains(&t.text.as_str()) {
                proto = Some(self.proto(c, true)?);
            } else {
                return Err(self.expected(
                    c,
                    "`tcp`, `udp`, `icmp`, `local`, `external`, `vrf`, `twice-nat`, `self-twice-nat`, `out2in-only`, `del` or end of line",
                ));
            }
        }
        let Some((l_addr, l_port)) = local else {
            return Err(self.expected(c, "`local A P`"));
        };
        let Some((e_addr, e_port)) = external else {
            return Err(self.expected(c, "`external B Q`"));
        };
        if l_port.is_some() != e_port.is_some() {
            return Err(self.rejected(first, "both ports or none", "Either both ports are set or none."));
        }
        // Without ports the mapping is address-only: VPP forces protocol and ports to 0.
        let (protocol, l_port, e_port) = match (l_port, e_port) {
            (Some(l), Some(e)) => match proto {
                Some(p) => (Some(p), l, e),
                None => return Err(self.expected(c, "`tcp`, `udp` or `icmp`")),
            },
            _ => (None, 0, 0),
        };
        if protocol.is_none() && (twice || self_twice) {
            return Err(self.rejected(
                first,
                "ports with twice-nat",
                "twice-nat and self-twice-nat are unsupported on address-only mappings",
            ));
        }
        let m = StaticMapping {
            protocol,
            external: SocketAddr4 { addr: e_addr, port: e_port },
            vrf,
            locals: vec![LocalEndpoint {
                address: SocketAddr4 { addr: l_addr, port: l_port },
                probability: 100,
                vrf: None,
            }],
            twice_nat: twice,
            self_twice_nat: self_twice,
            out2in_only: out2in,
        };
        self.put_mapping(first, m, del)
    }

    fn put_mapping(&mut self, first: &Token, m: StaticMapping, del: bool) -> R<()> {
        let nat = self.nat_enabled(first)?;
        let pos = nat.static_mappings.iter().position(|o| o.protocol == m.protocol && o.external == m.external);
        match (del, pos) {
            (false, None) => nat.static_mappings.push(m),
            (false, Some(_)) => return Err(self.rejected(first, "a new mapping", "Mapping already exist.")),
            (true, Some(p)) => {
                nat.static_mappings.remove(p);
            }
            (true, None) => return Err(self.rejected(first, "an existing mapping", "Mapping not exist.")),
        }
        Ok(())
    }

    fn sock(&self, c: &mut Cur, what: &str) -> R<SocketAddr4> {
        let Some(t) = c.peek() else {
            return Err(self.expected(c, what));
        };
        // (VPP's `%U:%u`: the port is not optional here)
        match t.text.parse::<SocketAddr4>() {
            Ok(s) if t.text.contains(':') => {
                c.pos += 1;
                Ok(s)
            }
            _ => Err(self.expected(c, what)),
        }
    }

    fn nat44_lb_mapping(&mut self, c: &mut Cur, first: &Token) -> R<()> {
        let mut proto = None;
        let mut external = None;
        let mut locals = Vec::new();
        let (mut twice, mut self_twice, mut out2in, mut del) = (false, false, false, false);
        while let Some(t) = c.peek() {
            if c.eat("protocol") {
                proto = Some(self.proto(c, false)?);
            } else if c.eat("external") {
                external = Some(self.sock(c, "the external address:port after `external`")?);
            } else if c.eat("local") {
                let address = self.sock(c, "a local address:port after `local`")?;
                let vrf = if c.eat("vrf") { Some(self.num(c, "a table id after `vrf`")?) } else { None };
                self.kw(c, "probability")?;
                // a relative weight; VPP's CLI keeps its low 8 bits (`(u8) probability`)
                let probability = self.num(c, "a probability (relative weight) after `probability`")? as u8;
                locals.push(LocalEndpoint { address, probability, vrf });
            } else if c.eat("twice-nat") {
                twice = true;
            } else if c.eat("self-twice-nat") {
                self_twice = true;
            } else if c.eat("out2in-only") {
                out2in = true;
            } else if c.eat("del") {
                del = true;
            } else if t.text == "affinity" {
                return Err(self.unsupported(t, "session affinity is not modelled"));
            } else {
                return Err(self.expected(
                    c,
                    "`protocol`, `external`, `local`, `twice-nat`, `self-twice-nat`, `out2in-only`, `del` or end of line",
                ));
            }
        }
        let Some(external) = external else {
            return Err(self.expected(c, "`external A:P`"));
        };
        if !del && locals.len() < 2 {
            return Err(self
                .expected(c, "at least two `local A:P probability N` (a single endpoint is a plain static mapping)"));
        }
        let Some(protocol) = proto else {
            return Err(self.expected(c, "`protocol tcp|udp`"));
        };
        let m = StaticMapping {
            protocol: Some(protocol),
            external,
            vrf: 0,
            locals,
            twice_nat: twice,
            self_twice_nat: self_twice,
            out2in_only: out2in,
        };
        self.put_mapping(first, m, del)
    }

    fn nat44_identity_mapping(&mut self, c: &mut Cur, first: &Token) -> R<()> {
        let mut addr = None;
        let mut pp = None;
        let mut vrf = 0;
        let mut del = false;
        while let Some(t) = c.peek() {
            if c.eat("vrf") {
                vrf = self.num(c, "a table id after `vrf`")?;
            } else if c.eat("del") {
                del = true;
            } else if t.text == "external" {
                return Err(self.unsupported(t, "an interface as identity address is not modelled"));
            } else if ["tcp", "udp", "icmp"].contains(&t.text.as_str()) && pp.is_none() {
                let p = self.proto(c, true)?;
                let port = self.port(c, "a port after the protocol")?;
                pp = Some((p, port));
            } else if addr.is_none() {
                addr = Some(self.ip4(c, "an IPv4 address")?);
            } else {
                return Err(self.expected(c, "`tcp`, `udp`, `icmp`, `vrf`, `del` or end of line"));
            }
        }
        let Some(address) = addr else {
            return Err(self.expected(c, "an IPv4 address"));
        };
        let m = IdentityMapping { address, protocol: pp.map(|p| p.0), port: pp.map(|p| p.1), vrf };
        let nat = self.nat_enabled(first)?;
        let pos = nat.identity_mappings.iter().position(|o| *o == m);
        match (del, pos) {
            (false, None) => nat.identity_mappings.push(m),
            (false, Some(_)) => return Err(self.rejected(first, "a new mapping", "Mapping already exist.")),
            (true, Some(p)) => {
                nat.identity_mappings.remove(p);
            }
            (true, None) => return Err(self.rejected(first, "an existing mapping", "Mapping not exist.")),
        }
        Ok(())
    }

    fn set_nat_timeout(&mut self, c: &mut Cur, first: &Token) -> R<()> {
        let mut t = self.nat.as_ref().map(|n| n.timeouts).unwrap_or_default();
        if c.at_end() {
            return Err(self.expected(c, "`udp`, `tcp-established`, `tcp-transitory`, `icmp` or `reset`"));
        }
        while c.peek().is_some() {
            if c.eat("udp") {
                t.udp = self.num(c, "seconds after `udp`")?;
            } else if c.eat("tcp-established") {
                t.tcp_established = self.num(c, "seconds after `tcp-established`")?;
            } else if c.eat("tcp-transitory") {
                t.tcp_transitory = self.num(c, "seconds after `tcp-transitory`")?;
            } else if c.eat("icmp") {
                t.icmp = self.num(c, "seconds after `icmp`")?;
            } else if c.eat("reset") {
                t = NatTimeouts::default();
            } else {
                return Err(
                    self.expected(c, "`udp`, `tcp-established`, `tcp-transitory`, `icmp`, `reset` or end of line")
                );
            }
        }
        self.nat_enabled(first)?.timeouts = t;
        Ok(())
    }

    // --- ACL -----------------------------------------------------------------------------

    /// `set acl-plugin acl ...` as VPP 22.02's `acl_set_aclplugin_acl_fn` reads it: each
    /// keyword sets a field of the current rule (made, with defaults — permit, any —
    /// by the first keyword), `,` starts the next rule (a trailing one adds a default
    /// rule), and the first token none of the keywords takes ends the command: the ACL
    /// is created from what came before, at the next index (22.02's CLI has no `index`
    /// and never replaces). A note names the token where parsing stopped.
    fn set_acl(&mut self, c: &mut Cur) -> R<()> {
        let first = c.peek().cloned();
        let line = first.as_ref().map_or(0, |t| t.line);
        let mut tag = String::new();
        let mut rules: Vec<AclRule> = Vec::new();
        let mut stopped: Option<Token> = None;
        let num = |t: Option<&Token>| t.and_then(|t| parse_num(&t.text));
        while let Some(t) = c.peek().cloned() {
            let next = c.toks.get(c.pos + 1);
            let rule = |rules: &mut Vec<AclRule>| {
                if rules.is_empty() {
                    rules.push(new_rule(AclAction::Permit));
                }
                rules.len() - 1
            };
            let mut taken = 1;
            match t.text.as_str() {
                "permit+reflect" | "permit" | "deny" => {
                    let r = rule(&mut rules);
                    rules[r].action = match t.text.as_str() {
                        "permit+reflect" => AclAction::PermitReflect,
                        "permit" => AclAction::Permit,
                        _ => AclAction::Deny,
                    };
                }
                "count" if num(next).is_some() => taken = 2,
                "action" if matches!(num(next), Some(0..=2)) => {
                    let r = rule(&mut rules);
                    rules[r].action = match num(next) {
                        Some(0) => AclAction::Deny,
                        Some(1) => AclAction::Permit,
                        _ => AclAction::PermitReflect,
                    };
                    taken = 2;
                }
                "src" | "dst" if next.and_then(|n| acl_prefix(&n.text)).is_some() => {
                    let p = acl_prefix(&next.expect("checked").text).expect("checked");
                    let r = rule(&mut rules);
                    if t.text == "src" {
                        rules[r].src = p;
                    } else {
                        rules[r].dst = p;
                    }
                    taken = 2;
                }
                "sport" | "dport" if next.and_then(|n| acl_port_range(&n.text)).is_some() => {
                    let range = acl_port_range(&next.expect("checked").text).expect("checked");
                    let r = rule(&mut rules);
                    if t.text == "sport" {
                        rules[r].sport = range;
                    } else {
                        rules[r].dport = range;
                    }
                    taken = 2;
                }
                "tcpflags" => {
                    // `tcpflags V M` or `tcpflags V mask M` (both truncated to u8)
                    let v = num(next);
                    let (m, n) = match c.toks.get(c.pos + 2) {
                        Some(k) if k.text == "mask" => (num(c.toks.get(c.pos + 3)), 4),
                        k => (num(k), 3),
                    };
                    match (v, m) {
                        (Some(v), Some(m)) => {
                            let r = rule(&mut rules);
                            rules[r].tcp_flags_value = v as u8;
                            rules[r].tcp_flags_mask = m as u8;
                            taken = n;
                        }
                        _ => taken = 0,
                    }
                }
                "proto" if num(next).is_some() => {
                    let r = rule(&mut rules);
                    rules[r].proto = num(next).expect("checked") as u8;
                    taken = 2;
                }
                "tag" if next.is_some() => {
                    tag = next.expect("checked").text.clone();
                    taken = 2;
                }
                "," => {
                    rule(&mut rules);
                    rules.push(new_rule(AclAction::Permit));
                }
                _ => taken = 0,
            }
            if taken == 0 {
                stopped = Some(t);
                break;
            }
            c.pos += taken;
        }
        let ix = (0..).find(|i| !self.acls.contains_key(i)).expect("a free index exists");
        if let Some(t) = &stopped {
            let how = if t.text == "index" {
                "VPP 22.02's CLI has no `index` (it came in 23.02) and never replaces an ACL".to_string()
            } else {
                format!("`{}` is no keyword of `set acl-plugin acl` here", t.text)
            };
            self.note(
                t.line,
                format!(
                    "parsing of the ACL stops at `{}` (column {}): {how}; as VPP does, ACL {ix} is created from the {} \
                     rule(s) before it",
                    t.text,
                    t.col,
                    rules.len()
                ),
            );
            c.pos = c.toks.len();
        }
        let Some(first) = first else {
            // (no arguments at all: VPP creates nothing)
            return Ok(());
        };
        if let Some(n) = rules.iter().position(|r| r.sport.lo > r.sport.hi || r.dport.lo > r.dport.hi) {
            return Err(self.rejected(&first, "port ranges P-Q with P <= Q", format!("failed (rule {n})")));
        }
        // VPP rejects, all or nothing, a range whose first port is above its last; a
        // prefix with host bits set is taken and masked (a `nicctl check` note).
        for (n, r) in rules.iter_mut().enumerate() {
            for (what, p) in [("src", &mut r.src), ("dst", &mut r.dst)] {
                if p.has_host_bits() {
                    let masked = Ipv4Prefix::new(p.network(), p.len);
                    self.notes.push(Note {
                        file: self.file.to_path_buf(),
                        line,
                        text: format!("acl {ix} rule {n}: {what} {p} has host bits set; VPP matches it as {masked}"),
                    });
                    *p = masked;
                }
            }
        }
        self.acls.insert(ix, Acl { index: Some(ix), tag: if tag.is_empty() { "cli".into() } else { tag }, rules });
        Ok(())
    }

    fn set_acl_interface(&mut self, c: &mut Cur) -> R<()> {
        let mut iface = None;
        let mut input = None;
        let mut acl = None;
        let mut del = false;
        while let Some(t) = c.peek() {
            if c.eat("input") {
                input = Some(true);
            } else if c.eat("output") {
                input = Some(false);
            } else if c.eat("del") {
                del = true;
            } else if c.eat("add") {
            } else if c.eat("acl") {
                let tt = c.peek();
                acl = Some((self.num(c, "an ACL index after `acl`")?, tt.expect("num consumed")));
            } else if iface.is_none() {
                iface = Some(self.iface(c)?);
            } else {
                let _ = t;
                return Err(self.expected(c, "`input`, `output`, `acl N`, `del` or end of line"));
            }
        }
        let Some(i) = iface else {
            return Err(self.expected(c, "an interface name"));
        };
        // (VPP's default direction is input)
        let input = input.unwrap_or(true);
        let Some((n, nt)) = acl else {
            return Err(self.expected(c, "`acl N`"));
        };
        // VPP's CLI ignores what `acl_interface_add_del_inout_acl` returns: an undefined
        // ACL, one applied twice, or a del of one not applied changes nothing, silently.
        let (line, col) = (nt.line, nt.col);
        if !self.acls.contains_key(&n) {
            self.note(line, format!("column {col}: acl {n} is not defined: nothing applied (VPP ignores it too)"));
            return Ok(());
        }
        let list = if input { &mut self.ifs[i].cfg.acl_input } else { &mut self.ifs[i].cfg.acl_output };
        let pos = list.iter().position(|&a| a == n);
        let ignored = match (del, pos) {
            (false, None) => {
                list.push(n);
                None
            }
            (false, Some(_)) => Some("already applied in this direction"),
            (true, Some(p)) => {
                // vppinfra's vec_del1: the last element moves into the hole
                list.swap_remove(p);
                None
            }
            (true, None) => Some("not applied in this direction"),
        };
        if let Some(why) = ignored {
            self.note(line, format!("column {col}: acl {n} {why}: nothing changed (VPP ignores it too)"));
        }
        Ok(())
    }

    fn set_acl_plugin(&mut self, c: &mut Cur) -> R<()> {
        self.kw(c, "session")?;
        if c.eat("timeout") {
            let which = if c.eat("udp") {
                self.kw(c, "idle")?;
                0
            } else if c.eat("tcp") {
                if c.eat("idle") {
                    1
                } else if c.eat("transient") {
                    2
                } else {
                    return Err(self.expected(c, "`idle` or `transient`"));
                }
            } else {
                return Err(self.expected(c, "`udp` or `tcp`"));
            };
            let v = self.num(c, "a timeout in seconds")?;
            self.end(c)?;
            let t = &mut self.acl_timeouts;
            match which {
                0 => t.udp_idle = v,
                1 => t.tcp_idle = v,
                _ => t.tcp_transient = v,
            }
            return Ok(());
        }
        if c.eat("table") {
            self.kw(c, "max-entries")?;
            let v = self.num(c, "a maximum number of sessions")?;
            self.end(c)?;
            self.acl_timeouts.max_sessions = v;
            return Ok(());
        }
        Err(self.expected(c, "`timeout` or `table`"))
    }

    // --- the end ---------------------------------------------------------------------------

    fn finish(mut self) -> R<VppConfig> {
        // `nat44 add interface address IF`: VPP follows the interface's address; we take
        // the one it has at the end of the script.
        let pending = std::mem::take(&mut self.nat_if_addresses);
        for (k, (name, twice_nat, line, pos)) in pending.into_iter().enumerate() {
            let Some(&i) = self.by_name.get(&name) else { continue };
            let cfg = &self.ifs[i].cfg;
            let Some(a) = cfg.addresses.first().map(|p| p.addr) else {
                self.note(
                    line,
                    format!("nat44 add interface address {name}: the interface has no address, no pool address added"),
                );
                continue;
            };
            self.note(line, format!("nat44 add interface address {name}: pool address {a} taken from the interface at load time; later address changes are not followed"));
            let nat = self.nat.as_mut().expect("checked when the command was read");
            if !nat.addresses.iter().any(|p| p.address == a) {
                let at = (pos + k).min(nat.addresses.len());
                nat.addresses.insert(at, NatPoolAddress { address: a, vrf: 0, twice_nat });
            }
        }
        for name in std::mem::take(&mut self.proxy_ifs) {
            let Some(&i) = self.by_name.get(&name) else { continue };
            let vrf = self.ifs[i].cfg.vrf;
            self.ifs[i].cfg.proxy_arp = self
                .proxy_ranges
                .iter()
                .filter(|r| r.0 == vrf)
                .flat_map(|&(_, a, b)| (a..=b).map(Ipv4Addr::from))
                .collect();
        }
        let mut live: Vec<&If> = self.ifs.iter().filter(|i| i.alive).collect();
        live.sort_by_key(|i| i.sw);
        let interfaces = live.into_iter().map(|i| Interface { index: Some(i.sw), ..i.cfg.clone() }).collect();
        let config = NodeConfig {
            name: String::new(),
            interfaces,
            bridge_domains: self
                .bds
                .into_iter()
                .map(|b| BridgeDomain {
                    id: b.id,
                    members: b.members,
                    bvi: b.bvi,
                    learn: b.learn,
                    forward: b.forward,
                    flood: b.flood,
                    uu_flood: b.uu_flood,
                    arp_term: b.arp_term,
                })
                .collect(),
            neighbors: self.neighbors,
            routes: self.routes,
            l2fib: self.l2fib,
            nat44: self.nat,
            acls: self.acls.into_values().collect(),
            acl_timeouts: self.acl_timeouts,
        };
        Ok(VppConfig { config, notes: self.notes })
    }
}

/// A word that is no keyword of a route path and could be an interface name.
fn looks_like_name(s: &str) -> bool {
    ![
        "weight",
        "next-hop-table",
        "via",
        "preference",
        "resolve-via-host",
        "resolve-via-connected",
        "udp-encap-id",
        "out-labels",
    ]
    .contains(&s)
        && s.starts_with(|ch: char| ch.is_ascii_alphabetic())
}

/// A prefix of an ACL rule: `A/L`, the length mandatory (VPP's `%U/%d`).
fn acl_prefix(s: &str) -> Option<Ipv4Prefix> {
    let (a, l) = s.split_once('/')?;
    let len = parse_num(l).filter(|&l| l <= 32)?;
    Some(Ipv4Prefix::new(a.parse().ok()?, len as u8))
}

/// `P-Q` or `P` of an ACL rule (VPP truncates the numbers to 16 bits).
fn acl_port_range(s: &str) -> Option<PortRange> {
    let (lo, hi) = match s.split_once('-') {
        Some((a, b)) => (parse_num(a)? as u16, parse_num(b)? as u16),
        None => (parse_num(s)? as u16, parse_num(s)? as u16),
    };
    Some(PortRange { lo, hi })
}

fn new_rule(action: AclAction) -> AclRule {
    AclRule {
        action,
        src: Ipv4Prefix::any(),
        dst: Ipv4Prefix::any(),
        proto: 0,
        sport: PortRange::any(),
        dport: PortRange::any(),
        tcp_flags_value: 0,
        tcp_flags_mask: 0,
    }
}

/// `add` (optional) or `del` after a command's first words: whether it deletes.
fn add_or_del(c: &mut Cur) -> bool {
    if c.eat("del") {
        return true;
    }
    c.eat("add");
    false
}

/// An interface with the native format's defaults.
pub(crate) fn blank_interface(name: &str, kind: InterfaceKind) -> Interface {
    Interface::new(name, kind)
}
