//! A node in offload mode: the NIC (through [`Shell`]) plus `sw-fallback` for misses,
//! or `sw-fallback` alone (software-only mode: the `none` backend, or after the device
//! failed).
//!
//! - **Load** ([`Node::load`]): the config is rendered to entries, fitted to the
//!   device's table sizes, and written inside a fence: `FENCE_BEGIN` (the shell holds
//!   new traffic and drains the pipeline), the changed entries through the command
//!   ring, the session table brought in line, `FENCE_COMMIT(generation)`. The RTL has no
//!   shadow tables (its staging commit is atomic per entry only), so the fence is the
//!   equivalent it supports: traffic waits for the load instead of seeing a mix. A
//!   failed write rolls back to the old entries before the commit. Every written entry
//!   is then read back and compared ([`LoadReport::verified`]).
//! - **Miss loop** ([`Node::receive`] / [`Node::poll`]): frames from host interfaces
//!   (the pods' TAPs) are injected into the pipeline; punted packets (descriptor
//!   checked, copied once into a pooled buffer) go through `Dataplane::process`, or,
//!   after the NIC's VXLAN encap (`meta::RESUME_VXLAN_OUTER`),
//!   `Dataplane::process_vxlan_outer`; frames the NIC forwarded to a host interface
//!   (`PuntReason::HostTx`) are handed out as they are. New, removed or changed session
//!   entries are written through the command ring (entry, then tag: a lookup never
//!   matches a half-written slot), in one batch per poll; the packet's output is injected
//!   back to its wire port. A session the NIC cannot take (both buckets full in the
//!   NIC's geometry, or the device answering `TABLE_FULL`) stays in software: its
//!   packets keep punting and are served by the slow path; [`NodeStats::sessions_sw_only`]
//!   counts them. The node never sees the wire: what the NIC forwards alone never
//!   reaches the host, on a real card or on the simulated one.
//! - **Aging** ([`Node::age`]): the NIC's hit bits (read and cleared through
//!   `HIT_INDEX`/`HIT_DATA`) say which entries packets used since the last pass; their
//!   sessions are refreshed in software as hits would have, then software expires by
//!   VPP's timeouts and expired sessions leave the NIC too. (TCP packets that change a
//!   session's state always reach software, so its timeouts are the right ones.)
//! - **Faults**: a device that times out or returns values out of range is dropped and
//!   the node continues software-only with every session it had (software holds them
//!   all); a completion error is counted and the bucket rewritten once more; a punt with
//!   bad metadata is dropped and counted by reason.

use std::collections::HashMap;
use std::fmt::Write as _;

use offload_tables::layout::{if_kind, session_flags, session_kind, SessionEntry, NONE16};
use offload_tables::reasons::PuntReason;
use offload_tables::regs::{self, meta, Table};
use offload_tables::session::{Changed, MirrorChanges, SessionTable, WAYS};
use offload_tables::shell::{caps, counter, cpl_status, op, CmdEntry};
use offload_tables::Tables;
use sw_fallback::{Dataplane, PacketBuf, Tx};

use crate::shell::{cmd_fence, cmd_op, cmd_write, BadPunt, DResult, DriverError, Punt, Shell, ShellOptions};
use crate::{Device, DeviceSpec};

/// Options of a node.
#[derive(Clone, Debug, Default)]
pub struct NodeOptions {
    /// Shell timeouts.
    pub shell: ShellOptions,
}

/// What the node counted (beyond the dataplane's own counters).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeStats {
    /// Punted packets handed to the slow path.
    pub punts: u64,
    /// Of those, punts after the NIC's VXLAN encap, continued at the tunnel's lookup.
    pub punts_resumed: u64,
    /// Frames the NIC forwarded to a host interface (`PuntReason::HostTx`): written there,
    /// no software path.
    pub nic_host_tx: u64,
    /// Punts dropped: bad length, reason, port, sw_if_index.
    pub punt_bad: [u64; 4],
    /// Frames injected back to a wire port.
    pub injected: u64,
    /// Frames from host interfaces injected into the pipeline.
    pub host_injected: u64,
    /// Session entries written to the NIC (new ones, and rewrites of changed ones).
    pub sessions_installed: u64,
    /// Session entries deleted from the NIC.
    pub sessions_deleted: u64,
    /// Session entries software holds that the NIC does not (now).
    pub sessions_sw_only: u64,
    /// Times a session entry was refused for lack of NIC space (cumulative).
    pub nic_full_refusals: u64,
    /// Completions that reported an error.
    pub cmd_errors: u64,
    /// Packets processed in software-only mode.
    pub software_only_packets: u64,
    /// Times the node fell back to software-only.
    pub fallbacks: u64,
    /// Session entries found used by the NIC's hit bits at aging (cumulative).
    pub nic_session_hits: u64,
}

/// One punt's metadata as the driver took it (kept while [`Node::punt_log`] is on): the
/// co-simulation compares it with what software expected of the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PuntSeen {
    /// Ingress sw_if_index (a tunnel's when resumed after the NIC's encap).
    pub sw_if_index: u16,
    /// Why.
    pub reason: PuntReason,
    /// Ingress port (a wire port, or `meta::INJECT_PORT`).
    pub port: u8,
    /// `meta::RESUME_*`.
    pub resume: u64,
}

/// Names of [`NodeStats::punt_bad`].
pub const PUNT_BAD_NAMES: [&str; 4] =
    ["punt length out of range", "punt reason unknown", "punt port out of range", "punt sw_if_index unknown"];

/// What a load did.
#[derive(Clone, Debug, Default)]
pub struct LoadReport {
    /// Entries written and deleted.
    pub written: usize,
    /// Entries deleted.
    pub deleted: usize,
    /// Entries read back and found equal.
    pub verified: usize,
    /// Generation committed.
    pub generation: u32,
    /// Device clocks the load took.
    pub cycles: u64,
}

type Entry = (Table, usize, Vec<u8>);
/// A table entry to write (`Some`) or delete (`None`).
type Change = ((Table, usize), Option<Vec<u8>>);

/// The entries a config puts in the NIC: the global entry always, other tables' non-zero
/// entries, the port map for uplinks.
pub fn render_entries(t: &Tables, ports: usize) -> Vec<Entry> {
    fn add<T: bytemuck::Pod>(out: &mut Vec<Entry>, table: Table, v: &[T]) {
        for (i, e) in v.iter().enumerate() {
            let b = bytemuck::bytes_of(e);
            if b.iter().any(|&x| x != 0) {
                out.push((table, i, b.to_vec()));
            }
        }
    }
    let mut out = vec![(Table::Global, 0, bytemuck::bytes_of(&t.global).to_vec())];
    add(&mut out, Table::Interface, &t.interfaces);
    add(&mut out, Table::AclList, &t.acl_lists);
    add(&mut out, Table::Acl, &t.acls);
    add(&mut out, Table::AclRule, &t.acl_rules);
    add(&mut out, Table::LpmL1, &t.lpm.l1);
    add(&mut out, Table::LpmGroup, &t.lpm.groups);
    add(&mut out, Table::LoadBalance, &t.load_balances);
    add(&mut out, Table::Bucket, &t.buckets);
    add(&mut out, Table::Adjacency, &t.adjacencies);
    add(&mut out, Table::L2Fib, &t.l2fib);
    add(&mut out, Table::VxlanTunnel, &t.vxlan_tunnels);
    for i in &t.interfaces {
        if i.kind == if_kind::UPLINK && usize::from(i.port) < ports && i.sw_if_index != NONE16 {
            out.push((Table::PortMap, usize::from(i.port), i.sw_if_index.to_le_bytes().to_vec()));
        }
    }
    out
}

/// Entries per table a config needs (vector lengths: the index space it uses).
fn needs(t: &Tables) -> [(Table, usize); 11] {
    [
        (Table::Interface, t.interfaces.len()),
        (Table::AclList, t.acl_lists.len()),
        (Table::Acl, t.acls.len()),
        (Table::AclRule, t.acl_rules.len()),
        (Table::LpmL1, t.lpm.l1.len()),
        (Table::LpmGroup, t.lpm.groups.len()),
        (Table::LoadBalance, t.load_balances.len()),
        (Table::Bucket, t.buckets.len()),
        (Table::Adjacency, t.adjacencies.len()),
        (Table::L2Fib, t.l2fib.len()),
        (Table::VxlanTunnel, t.vxlan_tunnels.len()),
    ]
}

/// A node: see the module docs.
pub struct Node {
    /// The software dataplane (slow path, and everything in software-only mode).
    pub dp: Dataplane,
    shell: Option<Shell>,
    /// Entries now in the NIC (shadow of its tables).
    loaded: HashMap<(Table, usize), Vec<u8>>,
    /// The NIC's session table as written (its geometry).
    mirror: Option<SessionTable>,
    generation: u32,
    /// Counters of the node.
    pub stats: NodeStats,
    /// Session keys the NIC could not take (both buckets full, or `TABLE_FULL`): their
    /// flows stay in software, and they are offered again when the NIC frees entries.
    sw_only: std::collections::HashSet<offload_tables::layout::SessionKey>,
    /// Reused by every sync: the keys software changed, and what the NIC's copy did.
    changed_keys: Vec<offload_tables::layout::SessionKey>,
    mirror_changes: MirrorChanges,
    /// Why the node runs software-only, if it does.
    pub fallback: Option<String>,
    backend: &'static str,
    /// Reused between polls (no allocation per packet): punts taken, software output.
    punts: Vec<Result<Punt, BadPunt>>,
    pending: Vec<Tx>,
    /// When on (`Some`), every well-formed punt's metadata, in order of arrival.
    pub punt_log: Option<Vec<PuntSeen>>,
}

fn wire_port(t: &Tables, sw: u16, ports: u32) -> Option<u8> {
    t.interface(sw).filter(|i| i.kind == if_kind::UPLINK && u32::from(i.port) < ports).map(|i| i.port)
}

impl Node {
    /// Opens the device a spec names and loads `tables`: probe, reset, fit, atomic load,
    /// read-back. `none` gives a software-only node. This is what `nicctl load` runs.
    /// (`sim` is the simulator crate's card, which its caller opens and hands to
    /// [`Node::with_device`]: the driver does not know which device it drives.)
    pub fn open(spec: &DeviceSpec, tables: Tables, opts: &NodeOptions) -> DResult<Node> {
        match spec {
            DeviceSpec::None => Ok(Node::software_only(tables, None)),
            _ => Node::with_device(crate::open(spec)?, tables, opts),
        }
    }

    /// A node on an opened device: probe, then [`Node::load`].
    pub fn with_device(dev: Box<dyn Device>, tables: Tables, opts: &NodeOptions) -> DResult<Node> {
        let backend = dev.backend();
        let shell = Shell::probe(dev, opts.shell.clone())?;
        let buckets = shell.info.capacity(Table::SessionTag);
        let mut n = Node {
            dp: Dataplane::new(Tables::default()),
            shell: Some(shell),
            loaded: HashMap::new(),
            mirror: Some(SessionTable::for_nic(buckets * WAYS)),
            generation: 0,
            stats: NodeStats::default(),
            sw_only: Default::default(),
            changed_keys: Vec::new(),
            mirror_changes: MirrorChanges::default(),
            fallback: None,
            backend,
            punts: Vec::new(),
            pending: Vec::new(),
            punt_log: None,
        };
        n.load(tables)?;
        Ok(n)
    }

    /// A software-only node (`reason`: why, when it is a fallback).
    pub fn software_only(tables: Tables, reason: Option<String>) -> Node {
        Node {
            dp: Dataplane::new(tables),
            shell: None,
            loaded: HashMap::new(),
            mirror: None,
            generation: 0,
            stats: NodeStats::default(),
            sw_only: Default::default(),
            changed_keys: Vec::new(),
            mirror_changes: MirrorChanges::default(),
            fallback: reason,
            backend: "none",
            punts: Vec::new(),
            pending: Vec::new(),
            punt_log: None,
        }
    }

    /// The shell, while the node offloads.
    pub fn shell(&mut self) -> Option<&mut Shell> {
        self.shell.as_mut()
    }

    /// The NIC slot holding the entry with `key`, per the driver's copy of its table.
    pub fn nic_slot(&self, key: &offload_tables::layout::SessionKey) -> Option<usize> {
        self.mirror.as_ref().and_then(|m| m.lookup(key))
    }

    /// Whether the NIC is in use.
    pub fn offloading(&self) -> bool {
        self.shell.is_some()
    }

    /// Generation last committed.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    fn ports(&self) -> u32 {
        self.shell.as_ref().map_or(0, |s| s.info.ports)
    }

    /// Drops the device; the node continues in software with every session it has.
    pub fn fall_back(&mut self, why: &DriverError) {
        self.fallback = Some(format!("{}: {why}", self.backend));
        self.stats.fallbacks += 1;
        self.shell = None;
        self.mirror = None;
        self.loaded.clear();
        self.sw_only.clear();
        self.dp.sessions.track_changes(false);
    }

    /// Whole-config load: see the module docs.
    pub fn load(&mut self, tables: Tables) -> DResult<LoadReport> {
        let Some(sh) = self.shell.as_mut() else {
            self.dp.reload(tables);
            return Ok(LoadReport::default());
        };
        for (t, need) in needs(&tables) {
            let have = sh.info.capacity(t);
            if need > have {
                return Err(DriverError::ConfigTooLarge { table: t.name(), need, have });
            }
        }
        let c0 = sh.cycles()?;
        let new: HashMap<(Table, usize), Vec<u8>> =
            render_entries(&tables, sh.info.ports as usize).into_iter().map(|(t, i, b)| ((t, i), b)).collect();
        let mut changes: Vec<Change> = Vec::new();
        for (k, b) in &new {
            if self.loaded.get(k) != Some(b) {
                changes.push((*k, Some(b.clone())));
            }
        }
        for k in self.loaded.keys() {
            if !new.contains_key(k) {
                changes.push((*k, None));
            }
        }
        changes.sort_by_key(|((t, i), _)| (t.id(), *i));
        let to_cmds = |ch: &[Change]| -> Vec<CmdEntry> {
            ch.iter()
                .map(|((t, i), b)| match b {
                    Some(b) => cmd_write(*t, *i, b),
                    None => cmd_op(op::DELETE, *t, *i),
                })
                .collect()
        };
        sh.submit_all_ok(&[cmd_fence(op::FENCE_BEGIN, 0)])?;
        let cpls = sh.submit(&to_cmds(&changes))?;
        if let Some(bad) = cpls.iter().find(|c| c.status != cpl_status::OK) {
            let err = DriverError::CommandFailed { op: bad.op, table: bad.table, index: bad.index, status: bad.status };
            // Roll back to the old entries, then release traffic on the old generation.
            let undo: Vec<_> = changes.iter().map(|(k, _)| (*k, self.loaded.get(k).cloned())).collect();
            let mut cmds = to_cmds(&undo);
            cmds.push(cmd_fence(op::FENCE_COMMIT, self.generation));
            sh.submit_all_ok(&cmds)?;
            self.stats.cmd_errors += 1;
            return Err(err);
        }
        // Software follows: same tables, sessions kept where VPP would keep them.
        if self.loaded.is_empty() && self.dp.tables.interfaces.is_empty() {
            self.dp = Dataplane::new(tables);
        } else {
            self.dp.reload(tables);
        }
        self.loaded = new;
        // the NIC's copy follows software's table from here on (a whole comparison first)
        self.dp.sessions.track_changes(true);
        self.sync_sessions()?;
        let sh = self.shell.as_mut().expect("still offloading");
        let generation = self.generation.wrapping_add(1);
        sh.submit_all_ok(&[cmd_fence(op::FENCE_COMMIT, generation)])?;
        self.generation = generation;
        let got = sh.generation()?;
        if got != generation {
            return Err(crate::Error::DeviceValueOutOfRange {
                what: "generation after commit",
                value: got.into(),
                limit: u64::from(generation) + 1,
            }
            .into());
        }
        let verified = self.verify(&changes)?;
        let sh = self.shell.as_mut().expect("still offloading");
        let deleted = changes.iter().filter(|(_, b)| b.is_none()).count();
        Ok(LoadReport { written: changes.len() - deleted, deleted, verified, generation, cycles: sh.cycles()? - c0 })
    }

    /// Reads back `changes` (written entries equal, deleted ones zero).
    fn verify(&mut self, changes: &[Change]) -> DResult<usize> {
        let sh = self.shell.as_mut().ok_or(DriverError::NoDevice)?;
        let cmds: Vec<_> = changes.iter().map(|((t, i), _)| cmd_op(op::READ, *t, *i)).collect();
        let cpls = sh.submit_all_ok(&cmds)?;
        for (((t, i), want), c) in changes.iter().zip(&cpls) {
            let n = t.entry_bytes();
            let ok = match want {
                Some(b) => c.data[..n] == b[..],
                None => c.data[..n].iter().all(|&x| x == 0),
            };
            if !ok {
                return Err(DriverError::Verify { table: t.name(), index: *i });
            }
        }
        Ok(cpls.len())
    }

    /// Deletes every entry this node put in the NIC (tables and sessions), in a fence,
    /// and verifies that they read back as zero.
    pub fn unload(&mut self) -> DResult<usize> {
        let Some(sh) = self.shell.as_mut() else { return Ok(0) };
        let mut changes: Vec<Change> = self.loaded.keys().map(|k| (*k, None)).collect();
        if let Some(m) = &self.mirror {
            changes.extend(m.iter().map(|(s, _)| ((Table::Session, s), None)));
            let mut buckets: Vec<usize> = m.iter().map(|(s, _)| s / WAYS).collect();
            buckets.dedup();
            changes.extend(buckets.into_iter().map(|b| ((Table::SessionTag, b), None)));
        }
        changes.sort_by_key(|((t, i), _)| (t.id(), *i));
        changes.dedup_by_key(|(k, _)| *k);
        let mut cmds = vec![cmd_fence(op::FENCE_BEGIN, 0)];
        // Tags before entries: no lookup matches a slot being cleared.
        cmds.extend(changes.iter().rev().map(|((t, i), _)| cmd_op(op::DELETE, *t, *i)));
        self.generation = self.generation.wrapping_add(1);
        cmds.push(cmd_fence(op::FENCE_COMMIT, self.generation));
        sh.submit_all_ok(&cmds)?;
        self.loaded.clear();
        if let Some(m) = &mut self.mirror {
            m.clear();
        }
        self.verify(&changes)
    }

    /// Brings the NIC's session table in line with software's: keys that left software
    /// are deleted (tag first), new or changed ones written (entry first, then the tag
    /// word). Entries the NIC cannot hold stay in software, counted.
    pub fn sync_sessions(&mut self) -> DResult<()> {
        let (Some(sh), Some(mirror)) = (self.shell.as_mut(), self.mirror.as_mut()) else { return Ok(()) };
        let (keys, changes) = (&mut self.changed_keys, &mut self.mirror_changes);
        keys.clear();
        changes.reset();
        match self.dp.sessions.take_changes(keys) {
            Changed::Nothing => {}
            Changed::Keys => mirror.follow(&self.dp.sessions, keys, changes),
            Changed::Everything => {
                self.sw_only.clear();
                mirror.mirror_from(&self.dp.sessions, changes);
            }
        }
        if changes.deleted > 0 && !self.sw_only.is_empty() {
            // the NIC has room again, perhaps: offer what it refused before
            keys.clear();
            keys.extend(self.sw_only.drain());
            mirror.follow(&self.dp.sessions, keys, changes);
        }
        self.stats.sessions_deleted += changes.deleted as u64;
        self.stats.nic_full_refusals += changes.refused.len() as u64;
        self.sw_only.extend(changes.refused.iter().copied());
        let mut dirty = std::mem::take(&mut changes.dirty);
        // Up to three rounds: a failed bucket is rewritten whole.
        let mut round = 0;
        while !dirty.is_empty() {
            round += 1;
            let mut buckets: Vec<usize> = dirty.iter().map(|s| s / WAYS).collect();
            buckets.dedup();
            // In three phases, each for every bucket: the tag words without the slots
            // being rewritten (no lookup matches them meanwhile), the entries, the tag
            // words as they end. A NIC whose entries are in external memory lands a tag
            // word only after the entries written before it: phased, a batch waits for
            // that once, not once per bucket.
            let (mut cmds, mut slot_of) = (Vec::new(), Vec::new());
            for &b in &buckets {
                let mut interim = mirror.bucket_tags(b);
                for &s in dirty.iter().filter(|s| *s / WAYS == b) {
                    interim[s % WAYS] = 0;
                }
                cmds.push(tag_cmd(b, &interim));
                slot_of.push(None);
            }
            for &s in &dirty {
                let e = mirror.get(s);
                cmds.push(if e.flags & session_flags::VALID != 0 {
                    cmd_write(Table::Session, s, bytemuck::bytes_of(e))
                } else {
                    cmd_op(op::DELETE, Table::Session, s)
                });
                slot_of.push(Some(s));
            }
            for &b in &buckets {
                cmds.push(tag_cmd(b, &mirror.bucket_tags(b)));
                slot_of.push(None);
            }
            let cpls = sh.submit(&cmds)?;
            let mut again: Vec<usize> = Vec::new();
            for ((c, cpl), slot) in cmds.iter().zip(&cpls).zip(&slot_of) {
                let b = match slot {
                    Some(s) => s / WAYS,
                    None => c.index as usize,
                };
                match cpl.status {
                    cpl_status::OK => {
                        if c.op == op::WRITE && slot.is_some() {
                            self.stats.sessions_installed += 1;
                        }
                    }
                    cpl_status::TABLE_FULL if slot.is_some() => {
                        // The device has no room: the flow stays in software.
                        let s = slot.expect("checked");
                        self.sw_only.insert(mirror.get(s).key);
                        mirror.remove(s);
                        self.stats.nic_full_refusals += 1;
                        again.extend((0..WAYS).map(|w| b * WAYS + w));
                    }
                    status => {
                        self.stats.cmd_errors += 1;
                        if round >= 3 {
                            return Err(DriverError::CommandFailed {
                                op: c.op,
                                table: c.table,
                                index: c.index,
                                status,
                            });
                        }
                        again.extend((0..WAYS).map(|w| b * WAYS + w));
                    }
                }
            }
            again.sort_unstable();
            again.dedup();
            dirty = again;
        }
        let sw_only = self.dp.sessions.len() - mirror.len();
        self.stats.sessions_sw_only = sw_only as u64;
        // Reflexive-ACL misses the NIC sees may be hits in software: punt, don't drop.
        let want_ctl = regs::control::ENABLE | if sw_only > 0 { regs::control::SESSIONS_PARTIAL } else { 0 };
        if sh.core_read(regs::CONTROL)? != want_ctl {
            sh.core_write(regs::CONTROL, want_ctl)?;
        }
        Ok(())
    }

    /// A frame received on interface `rx` by the host: from a host-side interface (a
    /// pod's TAP), injected into the NIC's pipeline as received there; in software-only
    /// mode (any interface) processed in software. What the host must transmit itself
    /// is appended to `out`: frames for host interfaces, and in software-only mode every
    /// frame. If the device fails, the node falls back to software and, when the frame
    /// never reached the device, processes it there.
    pub fn receive(&mut self, rx: u16, pkt: PacketBuf, now_ns: u64, out: &mut Vec<Tx>) {
        if let Some(sh) = self.shell.as_mut() {
            match sh.inject([(meta::inject_into_pipeline(rx), pkt.frame())]) {
                Ok(()) => {
                    self.stats.host_injected += 1;
                    drop(pkt);
                    if let Err(e) = self.poll(now_ns, out) {
                        self.fall_back(&e);
                    }
                    return;
                }
                Err(e) => self.fall_back(&e),
            }
        }
        self.stats.software_only_packets += 1;
        self.dp.process(rx, pkt, now_ns, out);
    }

    /// Serves punts until the device has none. What the host must transmit (frames for
    /// host interfaces) is appended to `out`; software's output for wire ports goes back
    /// through the inject ring. An error means the device failed: the caller falls back
    /// ([`Node::fall_back`]).
    pub fn poll(&mut self, now_ns: u64, out: &mut Vec<Tx>) -> DResult<()> {
        let mut punts = std::mem::take(&mut self.punts);
        let mut pending = std::mem::take(&mut self.pending);
        let r = self.serve_punts(now_ns, out, &mut punts, &mut pending);
        // what software produced before a failure still leaves through the host
        out.append(&mut pending);
        punts.clear();
        (self.punts, self.pending) = (punts, pending);
        r
    }

    fn serve_punts(
        &mut self,
        now_ns: u64,
        out: &mut Vec<Tx>,
        punts: &mut Vec<Result<Punt, BadPunt>>,
        pending: &mut Vec<Tx>,
    ) -> DResult<()> {
        loop {
            let sh = self.shell.as_mut().ok_or(DriverError::NoDevice)?;
            let max = sh.info.pkt_entries as usize;
            if sh.poll_punts(max, &self.dp.pool, punts)? == 0 {
                return Ok(());
            }
            for p in punts.drain(..) {
                let p = match p {
                    Ok(p) if self.dp.tables.interface(p.sw_if_index).is_some() => p,
                    Ok(_) => {
                        self.stats.punt_bad[3] += 1;
                        continue;
                    }
                    Err(b) => {
                        self.stats.punt_bad[match b {
                            BadPunt::Length => 0,
                            BadPunt::Reason => 1,
                            BadPunt::Port => 2,
                        }] += 1;
                        continue;
                    }
                };
                if let Some(log) = &mut self.punt_log {
                    log.push(PuntSeen { sw_if_index: p.sw_if_index, reason: p.reason, port: p.port, resume: p.resume });
                }
                if p.reason == PuntReason::HostTx {
                    // Forwarded by the NIC; only a host interface may be named.
                    let kind = self.dp.tables.interface(p.sw_if_index).map(|i| i.kind);
                    if kind == Some(if_kind::UPLINK) {
                        self.stats.punt_bad[3] += 1;
                    } else {
                        self.stats.nic_host_tx += 1;
                        out.push(Tx { sw_if_index: p.sw_if_index, pkt: p.pkt });
                    }
                    continue;
                }
                self.stats.punts += 1;
                if p.resume == meta::RESUME_VXLAN_OUTER {
                    self.stats.punts_resumed += 1;
                    self.dp.process_vxlan_outer(p.sw_if_index, p.pkt, now_ns, pending);
                } else {
                    self.dp.process(p.sw_if_index, p.pkt, now_ns, pending);
                }
            }
            if self.dp.sessions.has_changes() {
                self.sync_sessions()?;
            }
            let ports = self.ports();
            let tables = &self.dp.tables;
            let to_wire = |t: &&Tx| wire_port(tables, t.sw_if_index, ports).is_some();
            let n = pending.iter().filter(to_wire).count();
            if n > 0 {
                let frames = pending.iter().filter_map(|t| {
                    wire_port(tables, t.sw_if_index, ports).map(|p| (meta::inject_direct(p), t.pkt.frame()))
                });
                let sh = self.shell.as_mut().ok_or(DriverError::NoDevice)?;
                sh.inject(frames)?;
                self.stats.injected += n as u64;
            }
            // wire-bound buffers go back to the pool; the rest leave through the host
            let tables = &self.dp.tables;
            pending.retain(|t| wire_port(tables, t.sw_if_index, ports).is_none());
            out.append(pending);
        }
    }

    /// Collects the NIC's hit bits in bulk (retires the bank packets set bits in, then
    /// reads and clears every group of it through the command ring: 512 slots a command)
    /// and refreshes the software sessions whose entries packets used in the NIC alone,
    /// as hits in software would have. Returns how many entries were hit.
    fn collect_hits(&mut self, now_ns: u64) -> DResult<usize> {
        let (Some(sh), Some(mirror)) = (self.shell.as_mut(), self.mirror.as_ref()) else { return Ok(0) };
        if sh.info.caps & caps::HIT_BITS == 0 {
            // a core without hit bits: only punted packets refresh sessions
            return Ok(0);
        }
        sh.core_write(regs::HIT_EPOCH, 1)?;
        let groups = sh.info.capacity(Table::HitBits);
        let reads: Vec<CmdEntry> = (0..groups).map(|g| cmd_op(op::READ, Table::HitBits, g)).collect();
        let mut hit = Vec::new();
        for (g, c) in sh.submit_all_ok(&reads)?.iter().enumerate() {
            for (w, word) in c.data.chunks_exact(8).enumerate() {
                let mut bits = u64::from_le_bytes(word.try_into().expect("8 bytes"));
                while bits != 0 {
                    let slot = 512 * g + 64 * w + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    // a bit beyond the table or on an empty slot (freed since) is no hit
                    if slot < mirror.capacity() {
                        let e = mirror.get(slot);
                        if e.flags & session_flags::VALID != 0 {
                            hit.push(e.key);
                        }
                    }
                }
            }
        }
        for k in &hit {
            self.dp.touch_session(k, now_ns);
        }
        self.stats.nic_session_hits += hit.len() as u64;
        Ok(hit.len())
    }

    /// Session aging at `now_ns`: sessions the NIC's packets used are refreshed (hit
    /// bits), software expires by VPP's timeouts, and the NIC follows.
    pub fn age(&mut self, now_ns: u64) {
        if let Err(e) = self.collect_hits(now_ns) {
            self.fall_back(&e);
        }
        self.dp.expire_sessions(now_ns);
        if let Some(sh) = self.shell.as_mut() {
            let r = sh.set_now((now_ns / 1_000_000_000) as u32);
            let r = r.and_then(|()| if self.dp.sessions.has_changes() { self.sync_sessions() } else { Ok(()) });
            if let Err(e) = r {
                self.fall_back(&e);
            }
        }
    }

    /// `show device`.
    pub fn show_device(&mut self) -> String {
        let mut s = String::new();
        let Some(sh) = self.shell.as_mut() else {
            let _ = writeln!(s, "device: none (software-only)");
            if let Some(r) = &self.fallback {
                let _ = writeln!(s, "fell back from the device: {r}");
            }
            return s;
        };
        s += &describe(sh);
        let _ = writeln!(s, "generation {}", self.generation);
        s
    }

    /// `show tables`: per table, capacity and entries loaded.
    pub fn show_tables(&self) -> String {
        let mut s = String::new();
        let Some(sh) = self.shell.as_ref() else {
            let _ = writeln!(
                s,
                "software-only: tables are in sw-fallback ({} interfaces)",
                self.dp.tables.interfaces.len()
            );
            return s;
        };
        let _ = writeln!(s, "{:<14} {:>8} {:>8}", "table", "capacity", "loaded");
        for &(t, cap) in &sh.info.capacity {
            let n = match t {
                Table::Session => self.mirror.as_ref().map_or(0, |m| m.len()),
                Table::SessionTag => 0,
                _ => self.loaded.keys().filter(|(x, _)| *x == t).count(),
            };
            let _ = writeln!(s, "{:<14} {cap:>8} {n:>8}", t.name());
        }
        let _ = writeln!(s, "generation {} (entries read back and verified at load)", self.generation);
        s
    }

    /// `show sessions`: software's sessions and where each lives.
    pub fn show_sessions(&mut self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "sessions: {} entries in software, {} in the NIC, {} software-only (NIC full)",
            self.dp.sessions.len(),
            self.mirror.as_ref().map_or(0, |m| m.len()),
            self.stats.sessions_sw_only
        );
        for (_, e) in self.dp.sessions.iter() {
            let k = &e.key;
            let slot = match self.mirror.as_ref().and_then(|m| m.lookup(k)) {
                Some(sl) => format!("nic slot {sl}"),
                None => "software only".into(),
            };
            let ip = std::net::Ipv4Addr::from;
            let _ = match k.kind {
                session_kind::NAT_EXTERNAL => writeln!(s, "  nat44 address {} {slot}", ip(k.dst)),
                _ => writeln!(
                    s,
                    "  {} {}:{} -> {}:{} proto {} => {}:{} -> {}:{} {slot}",
                    session_kind_name(e),
                    ip(k.src),
                    k.sport,
                    ip(k.dst),
                    k.dport,
                    k.proto,
                    ip(e.new_src),
                    e.new_sport,
                    ip(e.new_dst),
                    e.new_dport,
                ),
            };
        }
        s
    }

    /// `show counters`: the node's, the shell's and the core's.
    pub fn show_counters(&mut self) -> String {
        let mut s = String::new();
        let st = &self.stats;
        for (n, v) in [
            ("nic forwarded to host interfaces", st.nic_host_tx),
            ("punts served", st.punts),
            ("punts resumed after the nic's encap", st.punts_resumed),
            ("session entries the nic used (hit bits)", st.nic_session_hits),
            ("injected to wire ports", st.injected),
            ("injected from host interfaces", st.host_injected),
            ("session entries written", st.sessions_installed),
            ("session entries deleted", st.sessions_deleted),
            ("session entries software-only (nic full)", st.sessions_sw_only),
            ("nic full refusals", st.nic_full_refusals),
            ("command errors", st.cmd_errors),
            ("software-only packets", st.software_only_packets),
            ("fallbacks to software", st.fallbacks),
        ]
        .into_iter()
        .chain(PUNT_BAD_NAMES.iter().copied().zip(st.punt_bad))
        {
            if v != 0 {
                let _ = writeln!(s, "{v:>12}  {n}");
            }
        }
        if let Some(sh) = self.shell.as_mut() {
            s += &device_counters(sh);
        }
        s
    }
}

/// What `show sessions` calls an entry.
fn session_kind_name(e: &SessionEntry) -> &'static str {
    match e.key.kind {
        session_kind::NAT_IN2OUT => "nat44 in2out",
        session_kind::NAT_OUT2IN => "nat44 out2in",
        session_kind::NAT_IN2OUT_ED if e.session_index == sw_fallback::nat::PASS_SESSION => "nat44 pass",
        session_kind::NAT_IN2OUT_ED => "nat44 in2out ed",
        session_kind::NAT_OUT2IN_ED => "nat44 out2in ed",
        session_kind::ACL => "acl",
        _ => "unknown",
    }
}

fn tag_cmd(bucket: usize, tags: &[u16; WAYS]) -> CmdEntry {
    let b: Vec<u8> = tags.iter().flat_map(|x| x.to_le_bytes()).collect();
    cmd_write(Table::SessionTag, bucket, &b)
}

/// `show device` text for a probed shell.
pub fn describe(sh: &Shell) -> String {
    let i = &sh.info;
    let mut s = String::new();
    let v = |x: u32| format!("{}.{}", x >> 16, x & 0xffff);
    let _ = writeln!(
        s,
        "device: {} shell {} core {}, {} wire ports",
        i.backend,
        v(i.shell_version),
        v(i.core_version),
        i.ports
    );
    let names = [
        (caps::CMD_RING, "cmd-ring"),
        (caps::PKT_RINGS, "punt/inject-rings"),
        (caps::FENCE, "fence"),
        (caps::HIT_BITS, "hit-bits"),
        (caps::LAST_SEEN, "last-seen"),
        (caps::SHADOW_TABLES, "shadow-tables"),
    ];
    let have: Vec<&str> = names.iter().filter(|(b, _)| i.caps & b != 0).map(|(_, n)| *n).collect();
    let _ = writeln!(s, "caps: {}", have.join(" "));
    let _ = writeln!(
        s,
        "rings: command/completion {} entries, punt/inject {} entries of {} bytes",
        i.cmd_entries, i.pkt_entries, i.buf_size
    );
    let sess = i.capacity(Table::Session);
    let _ = writeln!(s, "session table: {} slots ({} buckets x {WAYS})", sess, i.capacity(Table::SessionTag));
    let m = &i.sessions;
    if m.external {
        let _ = writeln!(
            s,
            "session memory: external ({} MiB of {}-byte entries, tags on chip), {} lookup ports x {} lookups in flight",
            (sess as u64 * u64::from(m.entry_stride)).div_ceil(1 << 20),
            m.entry_stride,
            m.lookup_ports,
            m.in_flight
        );
        if let Ok(n) = sh.core_read(regs::SESS_MEM_ERRORS) {
            let _ = writeln!(s, "session memory errors: {n} (lookups answered as misses, writes lost)");
        }
    } else {
        let _ = writeln!(s, "session memory: on chip");
    }
    if let Ok(g) = sh.generation() {
        let _ = writeln!(s, "device generation {g}");
    }
    s
}

/// The shell's and the core's counters.
pub fn device_counters(sh: &Shell) -> String {
    use offload_tables::reasons::{DropReason, PuntReason};
    let mut s = String::new();
    for c in 0..counter::CYCLES_LO {
        if let Ok(v) = sh.counter(c) {
            if v != 0 {
                let _ = writeln!(s, "{v:>12}  shell {}", counter::NAMES[c as usize]);
            }
        }
    }
    if let Ok(c) = sh.cycles() {
        let _ = writeln!(s, "{c:>12}  device clocks");
    }
    for r in PuntReason::ALL {
        if let Ok(v) = sh.core_read(regs::CNT_PUNT + 4 * u32::from(r.code())) {
            if v != 0 {
                let _ = writeln!(s, "{v:>12}  nic punt: {r}");
            }
        }
    }
    for r in DropReason::ALL {
        if let Ok(v) = sh.core_read(regs::CNT_DROP + 4 * u32::from(r.code())) {
            if v != 0 {
                let _ = writeln!(s, "{v:>12}  nic drop: {r}");
            }
        }
    }
    for &t in Table::ALL {
        let h = sh.core_read(regs::table_counter(t, true)).unwrap_or(0);
        let m = sh.core_read(regs::table_counter(t, false)).unwrap_or(0);
        if h != 0 || m != 0 {
            let _ = writeln!(s, "{h:>12}  nic {} hits, {m} misses", t.name());
        }
    }
    s
}

/// `show tables` on a device whose config this process did not load: every table read
/// back through the command ring, non-zero entries counted.
pub fn read_tables(sh: &mut Shell) -> DResult<String> {
    let mut s = String::new();
    let _ = writeln!(s, "{:<14} {:>8} {:>8}", "table", "capacity", "in use");
    let caps = sh.info.capacity.clone();
    for (t, cap) in caps {
        let cmds: Vec<_> = (0..cap).map(|i| cmd_op(op::READ, t, i)).collect();
        let cpls = sh.submit_all_ok(&cmds)?;
        let n = cpls.iter().filter(|c| c.data[..t.entry_bytes()].iter().any(|&x| x != 0)).count();
        let _ = writeln!(s, "{:<14} {cap:>8} {n:>8}", t.name());
    }
    let _ = writeln!(s, "device generation {}", sh.generation()?);
    Ok(s)
}
