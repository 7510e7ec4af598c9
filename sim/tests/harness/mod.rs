//! A node in offload mode: the simulated NIC plus the host's software path for punts,
//! and the plain software node it must agree with.

#![allow(dead_code)]

use offload_tables::layout::if_kind;
use offload_tables::reasons::PuntReason;
use offload_tables::regs::meta;
use offload_tables::Tables;
use sim::{inject_direct, inject_into_pipeline, InPort, OutPort, Sim, N_PORTS};
use sw_fallback::{Dataplane, PacketBuf};

pub struct OffloadNode {
    pub nic: Sim,
    pub host: Dataplane,
    tables: Tables,
    /// Packets forwarded by the NIC alone, punted, and injected back.
    pub forwarded: u64,
    pub punted: u64,
    pub injected: u64,
    /// Punts from the second pass, after the NIC decapsulated ([`meta::SECOND_PASS`]).
    pub recirc_punted: u64,
    /// VXLAN frames (UDP to 4789) received on a wire port whose output the NIC sent alone.
    pub vxlan_forwarded: u64,
    /// Frames the NIC encapsulated into VXLAN and sent alone (from a non-VXLAN frame).
    pub vxlan_encapsulated: u64,
    /// Frames the NIC forwarded to a host interface (`PuntReason::HostTx`): no software work.
    pub host_tx: u64,
    /// Punts after the NIC's VXLAN encap, resumed by software at the tunnel's lookup.
    pub resumed_outer: u64,
    /// Punts per `PuntReason` code.
    pub punt_reasons: [u64; 16],
    sync_mark: sw_fallback::pipeline::SessionsMark,
}

fn wire_port(t: &Tables, sw: u16) -> Option<u8> {
    t.interfaces
        .get(usize::from(sw))
        .filter(|i| i.kind == if_kind::UPLINK && usize::from(i.port) < N_PORTS)
        .map(|i| i.port)
}

fn sw_of_port(t: &Tables, port: u8) -> u16 {
    t.interfaces.iter().find(|i| i.kind == if_kind::UPLINK && i.port == port).expect("uplink of port").sw_if_index
}

impl OffloadNode {
    pub fn new(tables: Tables) -> Result<Self, sim::SimError> {
        let mut nic = Sim::new();
        nic.program(&tables)?;
        let host = Dataplane::new(tables.clone());
        nic.sync_sessions(&host.sessions)?;
        Ok(OffloadNode {
            nic,
            host,
            tables,
            forwarded: 0,
            punted: 0,
            injected: 0,
            recirc_punted: 0,
            vxlan_forwarded: 0,
            host_tx: 0,
            vxlan_encapsulated: 0,
            resumed_outer: 0,
            punt_reasons: [0; 16],
            sync_mark: Default::default(),
        })
    }

    /// Runs one frame received on `rx` (sw_if_index) at `now_ns`; returns what leaves
    /// the node as (sw_if_index, frame), wire and host interfaces alike.
    pub fn process(&mut self, rx: u16, frame: &[u8], now_ns: u64) -> Vec<(u16, Vec<u8>)> {
        match wire_port(&self.tables, rx) {
            Some(p) => self.nic.send(InPort::Wire(p), frame),
            None => self.nic.send(InPort::Inject(inject_into_pipeline(rx)), frame),
        }
        self.nic.run(100_000);
        let mut out = Vec::new();
        for o in self.nic.take_output() {
            match o.port {
                OutPort::Wire(p) => {
                    self.forwarded += 1;
                    let is_vxlan = |f: &[u8]| f.len() >= 50 && f[23] == 17 && f[36..38] == [0x12, 0xb5];
                    let vxlan = is_vxlan(frame);
                    self.vxlan_forwarded += u64::from(vxlan && wire_port(&self.tables, rx).is_some());
                    self.vxlan_encapsulated += u64::from(!vxlan && is_vxlan(&o.data));
                    out.push((sw_of_port(&self.tables, p), o.data));
                }
                OutPort::Punt if meta::get(o.meta, meta::REASON) == u64::from(PuntReason::HostTx.code()) => {
                    // forwarded by the NIC to a host interface: the host only writes it there
                    self.host_tx += 1;
                    out.push((meta::get(o.meta, meta::SW_IF_INDEX) as u16, o.data));
                }
                OutPort::Punt => {
                    self.punted += 1;
                    self.punt_reasons[meta::get(o.meta, meta::REASON) as usize % 16] += 1;
                    let sw = meta::get(o.meta, meta::SW_IF_INDEX) as u16;
                    let mut txs = Vec::new();
                    if meta::get(o.meta, meta::RESUME) == meta::RESUME_VXLAN_OUTER {
                        self.resumed_outer += 1;
                        assert_eq!(self.tables.interface(sw).map(|i| i.kind), Some(if_kind::VXLAN));
                        self.host.process_vxlan_outer(sw, PacketBuf::from_frame(&o.data), now_ns, &mut txs);
                    } else {
                        assert_eq!(sw, rx, "punt metadata names the ingress interface");
                        if meta::get(o.meta, meta::SECOND_PASS) != 0 {
                            // after the NIC's decap: the frame put back as it came in
                            self.recirc_punted += 1;
                            assert_eq!(hex(&o.data), hex(frame), "a second-pass punt carries the original frame");
                        }
                        self.host.process(sw, PacketBuf::from_frame(&o.data), now_ns, &mut txs);
                    }
                    let mark = self.host.sessions_mark();
                    if mark != self.sync_mark {
                        self.sync_mark = mark;
                        self.nic.sync_sessions(&self.host.sessions).expect("session sync");
                    }
                    for tx in txs {
                        let f = tx.pkt.frame().to_vec();
                        match wire_port(&self.tables, tx.sw_if_index) {
                            Some(p) => {
                                // Back through the NIC's inject port, straight to the wire.
                                self.injected += 1;
                                self.nic.send(InPort::Inject(inject_direct(p)), &f);
                                self.nic.run(100_000);
                                let back = self.nic.take_output();
                                assert_eq!(back.len(), 1, "one injected frame leaves");
                                assert_eq!(back[0].port, OutPort::Wire(p));
                                assert_eq!(back[0].data, f, "inject direct is byte-transparent");
                                out.push((tx.sw_if_index, back[0].data.clone()));
                            }
                            None => out.push((tx.sw_if_index, f)),
                        }
                    }
                }
            }
        }
        out
    }
}

/// The software-only node.
pub fn reference(dp: &mut Dataplane, rx: u16, frame: &[u8], now_ns: u64) -> Vec<(u16, Vec<u8>)> {
    let mut txs = Vec::new();
    dp.process(rx, PacketBuf::from_frame(frame), now_ns, &mut txs);
    txs.into_iter().map(|t| (t.sw_if_index, t.pkt.frame().to_vec())).collect()
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
