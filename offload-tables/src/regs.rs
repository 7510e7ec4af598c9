//! The NIC's register map: 32-bit registers at byte offsets of one BAR, read and
//! written one word at a time (AXI-Lite-like).
//!
//! Layout (Corundum habit: the block starts with type, version and next-pointer words,
//! so software can check what it talks to):
//!
//! | offset | register | access |
//! | --- | --- | --- |
//! | `0x0000` | [`ID`] = [`ID_VALUE`] ("OFLD") | RO |
//! | `0x0004` | [`VERSION`] = [`VERSION_VALUE`] | RO |
//! | `0x0008` | [`NEXT_PTR`] (0: last block) | RO |
//! | `0x000c` | [`N_TABLES`] | RO |
//! | `0x0010` | [`CONTROL`] ([`control`] bits) | RW |
//! | `0x0014` | [`STATUS`] ([`status`] bits) | RO |
//! | `0x0018` | [`NOW`]: device clock in seconds, copied into `last_seen` on hits | RW |
//! | `0x001c` | [`N_PORTS`]: wire ports | RO |
//! | `0x0020` | [`HIT_EPOCH`]: write to retire the hit-bit bank; flips so far | RW |
//! | `0x0028` | [`SESS_MEM`]: where session entries live ([`sess_mem`] bits) | RO |
//! | `0x002c` | [`SESS_LOOKUP_PORTS`]: session lookup engines (memory read ports) | RO |
//! | `0x0030` | [`SESS_IN_FLIGHT`]: session lookups in flight per engine | RO |
//! | `0x0034` | [`SESS_ENTRY_STRIDE`]: bytes between session entries in memory | RO |
//! | `0x0038` | [`SESS_MEM_ERRORS`]: error responses of the session memory (wraps) | RO |
//! | `0x0040 + 4t` | [`CAP_BASE`]: entries of table `t` ([`Table`]) | RO |
//! | `0x0100` | [`TBL_SEL`]: table id | RW |
//! | `0x0104` | [`TBL_INDEX`]: entry index | RW |
//! | `0x0108` | [`TBL_CMD`]: write a [`cmd`] to run it | WO |
//! | `0x010c` | [`TBL_STATUS`]: [`tbl_status`] of the last command | RO |
//! | `0x0140 + 4w` | [`TBL_DATA`]: staging words `w < STAGING_WORDS` | RW |
//! | `0x1000 + 4t` | [`CNT_TABLE_HIT`]: lookups of table `t` that hit | RO |
//! | `0x1080 + 4t` | [`CNT_TABLE_MISS`]: lookups of table `t` that missed | RO |
//! | `0x1100 + 4r` | [`CNT_PUNT`]: packets punted with [`crate::reasons::PuntReason`] `r` | RO |
//! | `0x1200 + 4p` | [`CNT_RX`]: packets accepted on input `p` (wire ports, then inject) | RO |
//! | `0x1240 + 4p` | [`CNT_TX`]: packets sent on output `p` (wire ports, then punt) | RO |
//! | `0x1300 + 4r` | [`CNT_DROP`]: packets dropped with [`crate::reasons::DropReason`] `r` (64 slots) | RO |
//!
//! Table programming: software fills the staging words with the entry's bytes
//! (little-endian words, the [`crate::layout`] layout; byte `i` of the entry is bits
//! `8*(i%4)+7 .. 8*(i%4)` of word `i/4`), sets [`TBL_SEL`] and [`TBL_INDEX`], and writes
//! [`cmd::WRITE`]. The NIC writes the whole entry into its memory in one clock (atomic
//! commit: a packet sees the old entry or the new one, never half of each).
//! [`cmd::READ`] copies an entry into the staging words, [`cmd::DELETE`] zeroes it.
//! Commands complete before the next register access is accepted, so [`TBL_STATUS`]
//! is valid when read right after — except on a table in external memory (the session
//! table's entries, [`Table::Session`], behind the core's AXI4 memory port): a write or
//! delete there is queued and lands in order (a bucket's tag word written after it
//! waits until the entries written before it have landed, so a lookup that matches a
//! tag finds the entry); with the queue full the command is not run and
//! [`TBL_STATUS`] says [`tbl_status::BUSY`] (write [`TBL_CMD`] again); a read says
//! [`tbl_status::PENDING`] until the entry is in the staging words (read [`TBL_STATUS`]
//! again, and touch no staging word meanwhile).

/// Identification value: "OFLD" in ASCII.
pub const ID_VALUE: u32 = 0x4f46_4c44;
/// Register map version: major in the high half, minor in the low half.
pub const VERSION_VALUE: u32 = 0x0003_0000;

pub const ID: u32 = 0x0000;
pub const VERSION: u32 = 0x0004;
pub const NEXT_PTR: u32 = 0x0008;
pub const N_TABLES: u32 = 0x000c;
pub const CONTROL: u32 = 0x0010;
pub const STATUS: u32 = 0x0014;
pub const NOW: u32 = 0x0018;
pub const N_PORTS: u32 = 0x001c;
/// Session hit bits, collected in bulk (core version 3.0 on). The core keeps a bit per
/// session slot (`bucket * 8 + way`), set when a packet uses the entry, in two banks:
/// packets set bits in the current one. Writing [`HIT_EPOCH`] retires the current bank
/// (packets move to the other, emptied by the last collection); `READ` commands of
/// [`Table::HitBits`] entry `g` then return slots `512g .. 512g + 511` of the retired
/// bank (bit `j` of the 64 bytes, little-endian: slot `512g + j` was hit since the flip
/// before) and clear them. A collection is: write `HIT_EPOCH`, read every group. A hit
/// is never lost: one after the flip lands in the new bank and is reported next time.
/// Reading `HIT_EPOCH` gives the flips since power-up (bit 0: the current bank).
pub const HIT_EPOCH: u32 = 0x0020;
/// The session table's memory ([`sess_mem`] bits). Entry `(bucket, way)` is at byte
/// `(bucket * 8 + way) * SESS_ENTRY_STRIDE` of the session region; [`CAP_BASE`] gives the slots, as for every table.
pub const SESS_MEM: u32 = 0x0028;
pub const SESS_LOOKUP_PORTS: u32 = 0x002c;
pub const SESS_IN_FLIGHT: u32 = 0x0030;
pub const SESS_ENTRY_STRIDE: u32 = 0x0034;
/// Error responses (SLVERR, DECERR) the session memory gave since reset: a lookup so
/// answered is a miss (software decides the packet), a write so answered is lost.
pub const SESS_MEM_ERRORS: u32 = 0x0038;
pub const CAP_BASE: u32 = 0x0040;
pub const TBL_SEL: u32 = 0x0100;
pub const TBL_INDEX: u32 = 0x0104;
pub const TBL_CMD: u32 = 0x0108;
pub const TBL_STATUS: u32 = 0x010c;
pub const TBL_DATA: u32 = 0x0140;
/// Staging words: the largest entry is 48 bytes (a session entry); 16 words leave room.
pub const STAGING_WORDS: u32 = 16;
pub const CNT_TABLE_HIT: u32 = 0x1000;
pub const CNT_TABLE_MISS: u32 = 0x1080;
pub const CNT_PUNT: u32 = 0x1100;
pub const CNT_RX: u32 = 0x1200;
pub const CNT_TX: u32 = 0x1240;
/// A 256-byte window: 64 drop reasons (the NIC decodes address bits 15..8).
pub const CNT_DROP: u32 = 0x1300;
const _: () = assert!(crate::reasons::DropReason::COUNT <= 64, "CNT_DROP has 64 slots");

/// [`CONTROL`] bits.
pub mod control {
    /// Pipeline enabled: while clear, every packet is punted with `Exception`.
    pub const ENABLE: u32 = 1 << 0;
    /// Write 1: clear all counters (self-clearing).
    pub const CLEAR_COUNTERS: u32 = 1 << 1;
    /// Software holds sessions the NIC's table could not take (both buckets full): a
    /// reflexive ACL session miss in the NIC is then not a miss in software, so a packet
    /// the rules would deny is punted (`AclSessionMiss`) instead of dropped.
    pub const SESSIONS_PARTIAL: u32 = 1 << 2;
}

/// [`SESS_MEM`] bits.
pub mod sess_mem {
    /// Entries in external memory (HBM/DDR) behind the core's AXI4 ports, tags on chip.
    pub const EXTERNAL: u32 = 1 << 0;
}

/// [`STATUS`] bits.
pub mod status {
    /// Packets are inside the pipeline or its input FIFOs (clear: everything sent has
    /// left, or been dropped).
    pub const BUSY: u32 = 1 << 0;
}

/// [`TBL_CMD`] values.
pub mod cmd {
    pub const WRITE: u32 = 1;
    pub const READ: u32 = 2;
    pub const DELETE: u32 = 3;
}

/// [`TBL_STATUS`] values.
pub mod tbl_status {
    pub const OK: u32 = 0;
    pub const BAD_TABLE: u32 = 1;
    pub const BAD_INDEX: u32 = 2;
    pub const BAD_CMD: u32 = 3;
    /// A read of external memory under way: read `TBL_STATUS` again.
    pub const PENDING: u32 = 4;
    /// The external table's write queue is full: the command was not run; run it again.
    pub const BUSY: u32 = 5;
}

macro_rules! tables {
    ($($(#[$m:meta])* $var:ident = $id:literal, $bytes:expr, $name:literal;)*) => {
        /// The tables the NIC holds, by register-interface id.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Table { $($(#[$m])* $var = $id,)* }

        impl Table {
            pub const ALL: &'static [Table] = &[$(Table::$var,)*];
            /// Entry size in bytes.
            pub const fn entry_bytes(self) -> usize { match self { $(Table::$var => $bytes,)* } }
            pub const fn name(self) -> &'static str { match self { $(Table::$var => $name,)* } }
            pub const fn id(self) -> u32 { self as u32 }
        }
    };
}

use crate::layout::*;
use core::mem::size_of;

tables! {
    /// [`GlobalEntry`], one entry.
    Global = 0, size_of::<GlobalEntry>(), "global";
    /// [`InterfaceEntry`] by sw_if_index.
    Interface = 1, size_of::<InterfaceEntry>(), "interface";
    /// [`AclListEntry`].
    AclList = 2, size_of::<AclListEntry>(), "acl_list";
    /// [`AclEntry`].
    Acl = 3, size_of::<AclEntry>(), "acl";
    /// [`AclRuleEntry`].
    AclRule = 4, size_of::<AclRuleEntry>(), "acl_rule";
    /// [`SessionEntry`] by slot (`bucket * WAYS + way`, [`crate::session`]).
    Session = 5, size_of::<SessionEntry>(), "session";
    /// A bucket's tag word: `WAYS` little-endian `u16` tags.
    SessionTag = 6, 2 * crate::session::WAYS, "session_tag";
    /// First level of the 16-8-8 trie ([`crate::lpm`]), one `u32` per entry.
    LpmL1 = 7, 4, "lpm_l1";
    /// Second and third level groups of the trie, one `u32` per entry.
    LpmGroup = 8, 4, "lpm_group";
    /// [`LoadBalanceEntry`].
    LoadBalance = 9, size_of::<LoadBalanceEntry>(), "load_balance";
    /// [`BucketEntry`].
    Bucket = 10, size_of::<BucketEntry>(), "bucket";
    /// [`AdjacencyEntry`].
    Adjacency = 11, size_of::<AdjacencyEntry>(), "adjacency";
    /// [`L2FibEntry`], hash-placed like sessions (the driver chooses the slot).
    L2Fib = 12, size_of::<L2FibEntry>(), "l2fib";
    /// [`VxlanTunnelEntry`].
    VxlanTunnel = 13, size_of::<VxlanTunnelEntry>(), "vxlan_tunnel";
    /// Wire port → sw_if_index of its uplink, one `u16` (0: no interface).
    PortMap = 14, 2, "port_map";
    /// Session hit bits, read only: entry `g` is slots `512g .. 512g + 511` (bit `j`:
    /// slot `512g + j`), read and cleared from the retired bank (see [`HIT_EPOCH`]).
    HitBits = 15, 64, "hit_bits";
}

/// Number of tables (the value of [`N_TABLES`]).
pub const TABLE_COUNT: u32 = Table::ALL.len() as u32;

/// Punt metadata: the 64-bit side-band word beside a punted packet's first beat, and the
/// inject metadata beside an injected packet. Bit fields (lsb, width).
pub mod meta {
    /// Ingress sw_if_index (punt), or the sw_if_index to enter the pipeline as (inject).
    pub const SW_IF_INDEX: (u32, u32) = (0, 16);
    /// Punt reason code ([`crate::reasons::PuntReason`]), 0 on inject.
    pub const REASON: (u32, u32) = (16, 8);
    /// Ingress port (punt): wire port number, or [`INJECT_PORT`] for re-entered packets.
    pub const PORT: (u32, u32) = (24, 8);
    /// Table hit bits at the point of the punt (punt): bit `t` for [`super::Table`] `t`.
    pub const HITS: (u32, u32) = (32, 16);
    /// Inject: 1 = send straight to wire port [`OUT_PORT`], 0 = enter the pipeline.
    pub const DIRECT: (u32, u32) = (48, 1);
    /// Punt: the NIC had decapsulated this VXLAN frame and sent the inner frame round its
    /// loop port, and the second pass punted; the frame is the original one, as received
    /// (informational: software processes it from the start like any punt).
    pub const SECOND_PASS: (u32, u32) = (49, 1);
    /// Punt: where software continues with the frame. [`RESUME_START`]: from the start,
    /// received on `SW_IF_INDEX`; [`RESUME_VXLAN_OUTER`]: the NIC had routed the packet
    /// into the bridge and encapsulated it; the frame is the VXLAN packet with a zero
    /// outer Ethernet header and the outer IPv4 header's TTL still 254, `SW_IF_INDEX`
    /// the tunnel interface, and software goes on at `ip4-load-balance` of the tunnel.
    pub const RESUME: (u32, u32) = (50, 2);
    pub const RESUME_START: u64 = 0;
    pub const RESUME_VXLAN_OUTER: u64 = 1;
    /// Inject with `DIRECT`: the wire port to send on.
    pub const OUT_PORT: (u32, u32) = (56, 8);
    /// [`PORT`] value of the inject port.
    pub const INJECT_PORT: u32 = 0xff;

    /// Extracts a field.
    pub const fn get(word: u64, f: (u32, u32)) -> u64 {
        (word >> f.0) & ((1u64 << f.1) - 1)
    }
    /// Sets a field.
    pub const fn set(word: u64, f: (u32, u32), v: u64) -> u64 {
        let m = ((1u64 << f.1) - 1) << f.0;
        (word & !m) | ((v << f.0) & m)
    }

    /// Inject metadata: the frame enters the pipeline as received on `sw_if_index`.
    pub const fn inject_into_pipeline(sw_if_index: u16) -> u64 {
        set(0, SW_IF_INDEX, sw_if_index as u64)
    }

    /// Inject metadata: the frame leaves on wire `port` untouched.
    pub const fn inject_direct(port: u8) -> u64 {
        set(set(0, DIRECT, 1), OUT_PORT, port as u64)
    }
}

/// Per-table counter index of a hit or miss in [`CNT_TABLE_HIT`] / [`CNT_TABLE_MISS`].
pub const fn table_counter(t: Table, hit: bool) -> u32 {
    (if hit { CNT_TABLE_HIT } else { CNT_TABLE_MISS }) + 4 * t.id()
}

/// The staging words of an entry's bytes (zero-padded to whole words).
pub fn entry_words(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks(4).map(|c| c.iter().rev().fold(0u32, |w, &b| (w << 8) | u32::from(b))).collect()
}

/// The bytes of an entry from staging words (inverse of [`entry_words`]).
pub fn words_entry(words: &[u32], len: usize) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).take(len).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_fits_the_staging_words() {
        for t in Table::ALL {
            assert!(t.entry_bytes() <= STAGING_WORDS as usize * 4, "{t:?}");
        }
        const { assert!(TABLE_COUNT <= 32) };
        const { assert!(CAP_BASE + 4 * TABLE_COUNT <= TBL_SEL) };
    }

    #[test]
    fn words_round_trip() {
        let b: Vec<u8> = (1..=10).collect();
        let w = entry_words(&b);
        assert_eq!(w, vec![0x0403_0201, 0x0807_0605, 0x0000_0a09]);
        assert_eq!(words_entry(&w, 10), b);
    }

    #[test]
    fn meta_fields() {
        let m = meta::set(meta::set(0, meta::REASON, 5), meta::SW_IF_INDEX, 0x1234);
        assert_eq!(meta::get(m, meta::REASON), 5);
        assert_eq!(meta::get(m, meta::SW_IF_INDEX), 0x1234);
    }
}
