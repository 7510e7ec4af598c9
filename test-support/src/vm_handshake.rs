//! The shared-memory handshake between the guest (`host-driver/examples/vfio_selftest.rs`,
//! through VFIO's mapping of ivshmem's BAR2) and the host (`host-driver/tests/vfio_vm.rs`, through the
//! memory-backend file). Offsets are bytes in BAR2 = bytes in the file.

/// Host → guest: 4 KiB of `host_byte(i)`, written before the VM starts.
pub const HOST_DATA: u64 = 0;
/// Guest → host: 4 KiB of `guest_byte(i)`.
pub const GUEST_DATA: u64 = 0x1000;
/// Guest writes `GUEST_FLAG` here once `GUEST_DATA` is written, and a nonce in the next word.
pub const GUEST_FLAG_AT: u64 = 0x2000;
/// Host writes nonce + 1 in the next word, then `HOST_FLAG` here, after checking `GUEST_DATA`.
pub const HOST_FLAG_AT: u64 = 0x2010;
/// "GUES".
pub const GUEST_FLAG: u32 = 0x5345_5547;
/// "HOST".
pub const HOST_FLAG: u32 = 0x5453_4f48;
/// Size of the shared file (ivshmem wants a power of two).
pub const SIZE: u64 = 1 << 20;

/// Byte `i` of the host's data.
pub fn host_byte(i: usize) -> u8 {
    (i * 13 + 5) as u8
}

/// Byte `i` of the guest's data.
pub fn guest_byte(i: usize) -> u8 {
    (i * 31 + 7) as u8
}
