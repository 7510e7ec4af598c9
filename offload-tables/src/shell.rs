//! The NIC's host interface as an FPGA shell presents it: one BAR (BAR0 on a real card,
//! ivshmem's BAR2 in the VM test) holding the shell's control registers, a window onto
//! the pipeline core's register block ([`crate::regs`]), and rings in device memory.
//!
//! Rings live in the BAR rather than in host memory because the device model served
//! through `ivshmem-plain` cannot master the bus; a card with DMA would keep the same
//! descriptor formats and move the ring bases to host IOVAs.
//!
//! | offset | what | size |
//! | --- | --- | --- |
//! | `0x0_0000` | shell registers (below) | 4 KiB |
//! | [`CORE_BASE`] `0x0_8000` | the core's register block: core address `a` is at `CORE_BASE + a` | 32 KiB |
//! | [`CMD_RING_OFF`] | command ring: [`CMD_ENTRIES`] × [`CmdEntry`] (host writes) | 20 KiB |
//! | [`CPL_RING_OFF`] | completion ring: [`CMD_ENTRIES`] × [`CplEntry`] (device writes) | 20 KiB |
//! | [`PUNT_RING_OFF`] | punt ring: [`PKT_ENTRIES`] × [`PktDesc`] (device writes) | 1 KiB |
//! | [`PUNT_BUF_OFF`] | punt buffers: slot `i` at `PUNT_BUF_OFF + i * BUF_SIZE` | 128 KiB |
//! | [`INJ_RING_OFF`] | inject ring: [`PKT_ENTRIES`] × [`PktDesc`] (host writes) | 1 KiB |
//! | [`INJ_BUF_OFF`] | inject buffers | 128 KiB |
//!
//! Shell registers (32-bit, little-endian; Corundum habit: id, version, next pointer first):
//!
//! | offset | register | access |
//! | --- | --- | --- |
//! | `0x000` | [`SHELL_ID`] = [`SHELL_ID_VALUE`] ("OFSH") | RO |
//! | `0x004` | [`SHELL_VERSION`] = [`SHELL_VERSION_VALUE`] | RO |
//! | `0x008` | [`SHELL_NEXT`]: offset of the next block (the core, [`CORE_BASE`]) | RO |
//! | `0x00c` | [`CAPS`] ([`caps`] bits) | RO |
//! | `0x010` | [`RESET`]: write 1 to reset the core and every ring; reads 1 until done | RW |
//! | `0x014` | [`STATUS`] ([`status`] bits) | RO |
//! | `0x018` | [`GENERATION`]: last committed table generation | RO |
//! | `0x01c` | [`NOW`]: device clock in seconds (forwarded to the core's `NOW`) | RW |
//! | `0x020..0x02c` | command ring: offset, entries, producer (host, doorbell), consumer (device) | |
//! | `0x030..0x03c` | completion ring: offset, entries, producer (device), consumer (host) | |
//! | `0x040..0x04c` | punt ring: offset, entries, producer (device), consumer (host, doorbell) | |
//! | `0x050..0x05c` | punt buffers offset, [`BUF_SIZE`], inject buffers offset, reserved | |
//! | `0x060..0x06c` | inject ring: offset, entries, producer (host, doorbell), consumer (device) | |
//! | `0x080 + 4c` | shell counters ([`counter`]) | RO |
//!
//! Indices are free-running `u32`s; slot = index mod entries (a power of two); a ring
//! holds at most `entries` outstanding items (`prod - cons <= entries`, wrapping). The
//! host must check every index, length, reason and table id the device writes.
//!
//! **Commands** ([`op`]): `WRITE`/`READ`/`DELETE` one entry of a core table (the core's
//! staging commit: one entry at a time, atomically); `FENCE_BEGIN` stops admitting
//! packets into the core (wire and inject input is held, not dropped) and waits until
//! the pipeline has drained; `FENCE_COMMIT` sets [`GENERATION`] to the command's
//! `index` and admits traffic again. A whole-config load is `FENCE_BEGIN`, the entries,
//! `FENCE_COMMIT` in one batch: every packet is processed entirely before or entirely
//! after the batch, so it sees the old tables or the new ones, never a mix.
//! Completions come back in command order with the command's `seq`.

use bytemuck::{Pod, Zeroable};

macro_rules! assert_size {
    ($t:ty, $n:expr) => {
        const _: () = assert!(core::mem::size_of::<$t>() == $n);
    };
}

/// Identification value: "OFSH" in ASCII.
pub const SHELL_ID_VALUE: u32 = 0x4f46_5348;
/// Shell interface version: major in the high half, minor in the low half.
pub const SHELL_VERSION_VALUE: u32 = 0x0001_0000;
/// The major version a driver of this contract accepts.
pub const SHELL_VERSION_MAJOR: u32 = SHELL_VERSION_VALUE >> 16;

pub const SHELL_ID: u32 = 0x000;
pub const SHELL_VERSION: u32 = 0x004;
pub const SHELL_NEXT: u32 = 0x008;
pub const CAPS: u32 = 0x00c;
pub const RESET: u32 = 0x010;
pub const STATUS: u32 = 0x014;
pub const GENERATION: u32 = 0x018;
pub const NOW: u32 = 0x01c;

pub const CMD_RING: u32 = 0x020;
pub const CMD_ENTRIES_REG: u32 = 0x024;
pub const CMD_PROD: u32 = 0x028;
pub const CMD_CONS: u32 = 0x02c;
pub const CPL_RING: u32 = 0x030;
pub const CPL_ENTRIES_REG: u32 = 0x034;
pub const CPL_PROD: u32 = 0x038;
pub const CPL_CONS: u32 = 0x03c;
pub const PUNT_RING: u32 = 0x040;
pub const PUNT_ENTRIES_REG: u32 = 0x044;
pub const PUNT_PROD: u32 = 0x048;
pub const PUNT_CONS: u32 = 0x04c;
pub const PUNT_BUF: u32 = 0x050;
pub const BUF_SIZE_REG: u32 = 0x054;
pub const INJ_BUF: u32 = 0x058;
pub const INJ_RING: u32 = 0x060;
pub const INJ_ENTRIES_REG: u32 = 0x064;
pub const INJ_PROD: u32 = 0x068;
pub const INJ_CONS: u32 = 0x06c;
pub const COUNTERS: u32 = 0x080;

/// BAR size the shell needs.
pub const BAR_SIZE: u32 = 0x10_0000;
/// The core's register block.
pub const CORE_BASE: u32 = 0x8000;
/// Bytes of core address space in the window (core addresses are below this).
pub const CORE_WINDOW: u32 = 0x8000;
pub const CMD_RING_OFF: u32 = 0x1_0000;
pub const CPL_RING_OFF: u32 = 0x1_8000;
pub const PUNT_RING_OFF: u32 = 0x2_0000;
pub const PUNT_BUF_OFF: u32 = 0x4_0000;
pub const INJ_RING_OFF: u32 = 0x6_0000;
pub const INJ_BUF_OFF: u32 = 0x8_0000;
/// Command and completion ring entries.
pub const CMD_ENTRIES: u32 = 256;
/// Punt and inject ring entries.
pub const PKT_ENTRIES: u32 = 64;
/// Bytes per packet buffer (the largest frame the rings carry).
pub const BUF_SIZE: u32 = 2048;
/// Entry data bytes in a command or completion (the core's staging words).
pub const CMD_DATA: usize = 64;

/// [`CAPS`] bits.
pub mod caps {
    /// Command and completion rings.
    pub const CMD_RING: u32 = 1 << 0;
    /// Punt and inject rings.
    pub const PKT_RINGS: u32 = 1 << 1;
    /// `FENCE_BEGIN` / `FENCE_COMMIT` (atomic whole-config loads).
    pub const FENCE: u32 = 1 << 2;
    /// The core writes `last_seen` into session entries on hits.
    pub const LAST_SEEN: u32 = 1 << 3;
    /// Shadow tables in the core (a generation switch without holding traffic).
    pub const SHADOW_TABLES: u32 = 1 << 4;
    /// The core keeps a hit bit per session slot, collected in bulk (`regs::HIT_EPOCH`,
    /// `READ` of `Table::HitBits`).
    pub const HIT_BITS: u32 = 1 << 5;
}

/// [`STATUS`] bits.
pub mod status {
    /// Out of reset, rings usable.
    pub const READY: u32 = 1 << 0;
    /// Between `FENCE_BEGIN` and `FENCE_COMMIT`: traffic held.
    pub const FENCED: u32 = 1 << 1;
}

/// [`CmdEntry::op`] values.
pub mod op {
    pub const WRITE: u16 = 1;
    pub const READ: u16 = 2;
    pub const DELETE: u16 = 3;
    pub const FENCE_BEGIN: u16 = 4;
    pub const FENCE_COMMIT: u16 = 5;
}

/// [`CplEntry::status`] values.
pub mod cpl_status {
    pub const OK: u16 = 0;
    /// No such table.
    pub const BAD_TABLE: u16 = 1;
    /// Index beyond the table.
    pub const BAD_INDEX: u16 = 2;
    /// Unknown op.
    pub const BAD_OP: u16 = 3;
    /// `len` is not the table's entry size.
    pub const BAD_LEN: u16 = 4;
    /// The device refused the entry: no room (session table full).
    pub const TABLE_FULL: u16 = 5;
    /// Anything else the device reports (parity, internal error).
    pub const DEVICE_ERROR: u16 = 6;
}

/// Shell counters at [`COUNTERS`] `+ 4 * c`.
pub mod counter {
    pub const CMDS: u32 = 0;
    pub const CMD_ERRORS: u32 = 1;
    pub const PUNTS: u32 = 2;
    /// Punted packets dropped because the punt ring stayed full past the holding queue.
    pub const PUNT_DROPS: u32 = 3;
    pub const INJECTS: u32 = 4;
    /// Inject descriptors refused (length out of range).
    pub const INJECT_ERRORS: u32 = 5;
    /// Core clock, low and high word.
    pub const CYCLES_LO: u32 = 6;
    pub const CYCLES_HI: u32 = 7;
    pub const COUNT: u32 = 8;
    pub const NAMES: [&str; COUNT as usize] =
        ["commands", "command errors", "punts", "punt drops", "injects", "inject errors", "cycles lo", "cycles hi"];
}

/// A command: one table operation (host → device).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct CmdEntry {
    /// [`op`].
    pub op: u16,
    /// Table id ([`crate::regs::Table`]).
    pub table: u16,
    /// Entry index (generation for `FENCE_COMMIT`).
    pub index: u32,
    /// Echoed in the completion.
    pub seq: u32,
    /// Valid bytes of `data` (`WRITE`: the table's entry size).
    pub len: u32,
    /// Entry bytes, the [`crate::layout`] layout.
    pub data: [u8; CMD_DATA],
}
assert_size!(CmdEntry, 80);

/// A completion (device → host), in command order.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct CplEntry {
    /// The command's `seq`.
    pub seq: u32,
    /// [`cpl_status`].
    pub status: u16,
    /// The command's op.
    pub op: u16,
    /// The command's table and index.
    pub table: u16,
    pub _pad: u16,
    pub index: u32,
    /// `READ`: the entry's bytes.
    pub data: [u8; CMD_DATA],
}
assert_size!(CplEntry, 80);

/// A punt or inject descriptor; the frame is in the slot's buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct PktDesc {
    /// Metadata word ([`crate::regs::meta`]).
    pub meta: u64,
    /// Frame length in bytes (at most [`BUF_SIZE`]).
    pub len: u32,
    /// Free-running sequence number (diagnostics).
    pub seq: u32,
}
assert_size!(PktDesc, 16);

impl Default for CmdEntry {
    fn default() -> Self {
        Zeroable::zeroed()
    }
}

impl Default for CplEntry {
    fn default() -> Self {
        Zeroable::zeroed()
    }
}

/// The register mailbox of a shell served through `ivshmem-plain` (the VM test), where the
/// BAR is plain shared memory: no register traps, no interrupts.
///
/// A card (or the in-process model) decodes register accesses itself. Over ivshmem the
/// guest driver cannot trap into the host, so every access to a *register* (the shell
/// page `0x000..0x1000` and the core window [`CORE_BASE`]`..+`[`CORE_WINDOW`]) is sent
/// through this mailbox instead, and the host-side shell model answers it with the same
/// register semantics (doorbells, side effects of reads). Ring memory and buffers
/// (everything from [`CMD_RING_OFF`] up) are accessed directly in the shared BAR.
///
/// The host polls exactly one word, [`mailbox::REQ`]. Protocol (all words little-endian,
/// 4-byte aligned, at [`mailbox::BASE`] `+` offset):
/// 1. guest: `OFFSET`, `VALUE` (writes), `OP`, then `REQ = ACK + 1` (the request's sequence);
/// 2. host: sees `REQ != ACK`, performs the access, writes `RESULT`, `STATUS`, then `ACK = REQ`;
/// 3. guest: polls `ACK == REQ` (with a timeout: no answer is a dead device), reads `STATUS`, `RESULT`.
///
/// One request is in flight at a time; the mailbox page belongs to one driver process.
pub mod mailbox {
    /// Byte offset of the mailbox in the BAR (in the unused gap below the core window).
    pub const BASE: u32 = 0x4000;
    /// Request sequence (guest writes last).
    pub const REQ: u32 = 0x00;
    /// [`OP_READ`] or [`OP_WRITE`].
    pub const OP: u32 = 0x04;
    /// Register offset in the BAR.
    pub const OFFSET: u32 = 0x08;
    /// Value to write.
    pub const VALUE: u32 = 0x0c;
    /// Acknowledged sequence (host writes last).
    pub const ACK: u32 = 0x10;
    /// Value read.
    pub const RESULT: u32 = 0x14;
    /// [`STATUS_OK`] or [`STATUS_BAD_REQUEST`].
    pub const STATUS: u32 = 0x18;
    /// Bytes of the mailbox.
    pub const LEN: u32 = 0x20;
    pub const OP_READ: u32 = 1;
    pub const OP_WRITE: u32 = 2;
    pub const STATUS_OK: u32 = 0;
    /// Unknown op, or an offset that is not a register.
    pub const STATUS_BAD_REQUEST: u32 = 1;

    /// Whether BAR offset `off` is a register (decoded by the device) rather than memory.
    pub const fn is_register(off: u32) -> bool {
        off < 0x1000 || (off >= super::CORE_BASE && off < super::CORE_BASE + super::CORE_WINDOW)
    }
}

/// Offset of counter `c`.
pub const fn counter_reg(c: u32) -> u32 {
    COUNTERS + 4 * c
}

/// Whether `[off, off + len)` lies inside a BAR of `bar` bytes.
pub const fn fits(off: u64, len: u64, bar: u64) -> bool {
    match off.checked_add(len) {
        Some(end) => end <= bar,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_fit_and_do_not_overlap() {
        let regions = [
            (0u32, 0x1000u32),
            (CORE_BASE, CORE_WINDOW),
            (CMD_RING_OFF, CMD_ENTRIES * 80),
            (CPL_RING_OFF, CMD_ENTRIES * 80),
            (PUNT_RING_OFF, PKT_ENTRIES * 16),
            (PUNT_BUF_OFF, PKT_ENTRIES * BUF_SIZE),
            (INJ_RING_OFF, PKT_ENTRIES * 16),
            (INJ_BUF_OFF, PKT_ENTRIES * BUF_SIZE),
            (mailbox::BASE, mailbox::LEN),
        ];
        for (i, &(a, al)) in regions.iter().enumerate() {
            assert!(fits(a.into(), al.into(), BAR_SIZE.into()), "region {i}");
            for &(b, bl) in &regions[i + 1..] {
                assert!(a + al <= b || b + bl <= a, "{a:#x} overlaps {b:#x}");
            }
        }
        const { assert!(CMD_ENTRIES.is_power_of_two() && PKT_ENTRIES.is_power_of_two()) };
        const { assert!(counter_reg(counter::COUNT) <= 0x1000) };
        // The core's register map fits the window.
        const { assert!(crate::regs::CNT_TX + 4 * 8 < CORE_WINDOW) };
        const { assert!(CMD_DATA >= crate::regs::STAGING_WORDS as usize * 4) };
        assert!(!mailbox::is_register(mailbox::BASE) && !mailbox::is_register(CMD_RING_OFF));
        assert!(mailbox::is_register(SHELL_ID) && mailbox::is_register(CORE_BASE + crate::regs::ID));
    }

    #[test]
    fn descriptors_are_little_endian() {
        let d = PktDesc { meta: 0x0102_0304_0506_0708, len: 60, seq: 1 };
        assert_eq!(&bytemuck::bytes_of(&d)[..12], &[8, 7, 6, 5, 4, 3, 2, 1, 60, 0, 0, 0]);
    }
}
