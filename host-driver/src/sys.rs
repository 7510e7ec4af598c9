//! Every `unsafe` block of the crate lives here (the crate root has `#![deny(unsafe_code)]`
//! and allows it for this module only).
//!
//! Three things need it, and each is wrapped in a safe type whose invariants are written
//! down below:
//!
//! - [`EventFd`]: `eventfd(2)` and `poll(2)`, the interrupt path (VFIO signals an MSI/MSI-X
//!   vector by incrementing an eventfd we hand it).
//! - [`DmaMem`]: host memory a device may read and write at any time. Rust references
//!   (`&[u8]`) into it would be unsound (the device mutates it behind the compiler's
//!   back), so it is only touched through volatile copies in and out of ordinary Rust
//!   buffers. Nothing the device wrote is ever handed out by reference. The same type
//!   maps an `ivshmem` backing file ([`DmaMem::map_shared`]): memory another process
//!   (QEMU, on behalf of a guest) writes at any time, so the same rules hold.
//! - [`iommu_map`]: `VFIO_IOMMU_MAP_DMA` through `pci-driver`'s `unsafe fn map`, whose
//!   contract is that the host range stays valid for as long as the mapping exists.
//!
//! BAR access itself needs no unsafe here: `pci-driver`'s mapped regions already do
//! bounds-checked volatile accesses (`PciRegion::read_le_u32`).

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{fence, Ordering};
use std::time::Duration;

use memmap2::MmapMut;
use pci_driver::iommu::PciIommu;
use pci_driver::regions::Permissions;

/// An `eventfd(2)` counter in non-blocking mode.
///
/// Invariant: `fd` is an open eventfd owned by this value (closed on drop).
#[derive(Debug)]
pub(crate) struct EventFd {
    fd: OwnedFd,
}

impl EventFd {
    pub(crate) fn new() -> io::Result<Self> {
        // SAFETY: eventfd takes no pointers; a negative return is an error, anything else
        // is a new descriptor that nothing else owns, so OwnedFd may take it.
        let raw = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh, valid descriptor owned by nobody else (see above).
        Ok(Self { fd: unsafe { OwnedFd::from_raw_fd(raw) } })
    }

    pub(crate) fn as_raw_fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    /// Waits until the counter is non-zero or `timeout` passes; returns the counter
    /// (and resets it to zero), or `None` on timeout. `EINTR` restarts the wait with the
    /// time that is left.
    pub(crate) fn wait(&self, timeout: Duration) -> io::Result<Option<u64>> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(n) = self.try_read()? {
                return Ok(Some(n));
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let ms = i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX);
            let mut pfd = libc::pollfd { fd: self.fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
            // SAFETY: `pfd` is one valid pollfd on our stack, and we pass nfds = 1.
            let r = unsafe { libc::poll(&mut pfd, 1, ms) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }

    /// Reads and resets the counter if it is non-zero.
    pub(crate) fn try_read(&self) -> io::Result<Option<u64>> {
        let mut buf = [0u8; 8];
        // SAFETY: `buf` is 8 writable bytes, the size eventfd reads require.
        let r = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if r == 8 {
            return Ok(Some(u64::from_ne_bytes(buf)));
        }
        let e = io::Error::last_os_error();
        if r < 0 && e.kind() == io::ErrorKind::WouldBlock {
            Ok(None)
        } else if r < 0 {
            Err(e)
        } else {
            Err(io::Error::new(io::ErrorKind::UnexpectedEof, "short eventfd read"))
        }
    }

    /// Adds `n` to the counter (what the kernel does on an interrupt; used by test twins).
    pub(crate) fn signal(&self, n: u64) -> io::Result<()> {
        let buf = n.to_ne_bytes();
        // SAFETY: `buf` is 8 readable bytes, the size eventfd writes require.
        let r = unsafe { libc::write(self.fd.as_raw_fd(), buf.as_ptr().cast(), buf.len()) };
        if r == 8 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
}

/// Granule of DMA allocations (the x86 page; larger IOMMU pages are rounded up to by the caller).
pub(crate) const PAGE: usize = 4096;

/// Page-aligned memory shared with a device (or with another process).
///
/// Invariants: `map` is a private anonymous mapping, or a shared mapping of a file, of
/// exactly `len()` bytes that this value owns; it is never exposed as a Rust reference, only copied in and out through
/// [`DmaMem::read`] / [`DmaMem::write`] with volatile accesses, after a bounds check.
/// Whoever gives a device access to it (an IOMMU mapping) must revoke that access before
/// dropping it, or leak it instead (`DmaBuffer`'s `Drop` forgets it).
#[derive(Debug)]
pub(crate) struct DmaMem {
    map: MmapMut,
}

impl DmaMem {
    /// Allocates `len` bytes rounded up to whole 4 KiB pages (at least one), zeroed.
    pub(crate) fn new(len: usize) -> io::Result<Self> {
        let len = len.max(1).checked_next_multiple_of(PAGE).ok_or(io::ErrorKind::OutOfMemory)?;
        Ok(Self { map: MmapMut::map_anon(len)? })
    }

    /// Maps the first `len` bytes of `file` shared (`MAP_SHARED`, read and write): the
    /// host side of an `ivshmem` BAR. Fails if the file is shorter than `len`.
    pub(crate) fn map_shared(file: &std::fs::File, len: usize) -> io::Result<Self> {
        if file.metadata()?.len() < len as u64 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "shared file shorter than the mapping"));
        }
        // SAFETY: memmap2's contract is that the file is not modified behind the mapping
        // while Rust references into it exist. It is (QEMU writes it), so no reference is
        // ever formed: like any DmaMem it is only accessed through the volatile copies
        // below, which tolerate concurrent writes. The length was checked against the
        // file, so no access can reach past its end (SIGBUS).
        let map = unsafe { memmap2::MmapOptions::new().len(len).map_mut(file)? };
        Ok(Self { map })
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Reads the aligned little-endian word at `offset` in one access (never torn). `None`
    /// if out of bounds or unaligned.
    pub(crate) fn read_u32(&self, offset: usize) -> Option<u32> {
        if !offset.is_multiple_of(4) || offset.checked_add(4)? > self.map.len() {
            return None;
        }
        fence(Ordering::Acquire);
        // SAFETY: offset + 4 <= len, inside the mapping; the mapping is page aligned and
        // offset a multiple of 4, so the u32 pointer is aligned; a volatile load tolerates
        // concurrent writers (see the type's invariants).
        let v = unsafe { self.map.as_ptr().add(offset).cast::<u32>().read_volatile() };
        fence(Ordering::Acquire);
        Some(u32::from_le(v))
    }

    /// Writes the aligned little-endian word at `offset` in one access. `None` if out of
    /// bounds or unaligned. Earlier stores are visible before this one.
    pub(crate) fn write_u32(&self, offset: usize, v: u32) -> Option<()> {
        if !offset.is_multiple_of(4) || offset.checked_add(4)? > self.map.len() {
            return None;
        }
        fence(Ordering::Release);
        // SAFETY: in bounds and aligned as in `read_u32`; the pointer comes from the raw
        // mmap pointer and no Rust reference into the mapping exists.
        unsafe { self.map.as_ptr().cast_mut().add(offset).cast::<u32>().write_volatile(v.to_le()) };
        fence(Ordering::Release);
        Some(())
    }

    pub(crate) fn host_addr(&self) -> *const u8 {
        self.map.as_ptr()
    }

    /// Copies `buf.len()` bytes at `offset` out of the buffer. `None` if out of bounds.
    pub(crate) fn read(&self, offset: usize, buf: &mut [u8]) -> Option<()> {
        let end = offset.checked_add(buf.len())?;
        if end > self.map.len() {
            return None;
        }
        // Order the device's earlier writes (seen through its completion signal) before
        // our loads.
        fence(Ordering::Acquire);
        let base = self.map.as_ptr();
        for (i, b) in buf.iter_mut().enumerate() {
            // SAFETY: offset + i < end <= len, inside the mapping this value owns; a
            // volatile u8 load has no alignment needs and tolerates concurrent device
            // writes (we get some byte value, never UB through a Rust reference).
            *b = unsafe { base.add(offset + i).read_volatile() };
        }
        Some(())
    }

    /// Copies `data` into the buffer at `offset`. `None` if out of bounds.
    pub(crate) fn write(&self, offset: usize, data: &[u8]) -> Option<()> {
        let end = offset.checked_add(data.len())?;
        if end > self.map.len() {
            return None;
        }
        // `as_ptr` is derived from the raw mmap pointer (no shared reference in between), so
        // writing through it is allowed.
        let base = self.map.as_ptr().cast_mut();
        for (i, &b) in data.iter().enumerate() {
            // SAFETY: offset + i < end <= len, inside the writable mapping this value owns;
            // no Rust reference into it exists (see the type's invariants).
            unsafe { base.add(offset + i).write_volatile(b) };
        }
        // Our stores are visible before a later doorbell write tells the device to look.
        fence(Ordering::Release);
        Some(())
    }
}

/// Maps `mem` at `iova` for the device, read and write.
///
/// The caller keeps `mem` alive until `iommu.unmap(iova, mem.len())` has succeeded (or
/// leaks it), which is what `DmaBuffer` in the crate root does in its `Drop`.
pub(crate) fn iommu_map(iommu: &PciIommu, iova: u64, mem: &DmaMem) -> io::Result<()> {
    // SAFETY: `mem` is a live anonymous mapping of `mem.len()` bytes, page aligned (so
    // aligned to the IOMMU page size, which the caller checked against
    // `iommu.alignment()`), and by the contract above it outlives the mapping.
    unsafe { iommu.map(iova, mem.len(), mem.host_addr(), Permissions::ReadWrite) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eventfd_counts_and_times_out() {
        let e = EventFd::new().unwrap();
        assert_eq!(e.try_read().unwrap(), None);
        let t0 = std::time::Instant::now();
        assert_eq!(e.wait(Duration::from_millis(30)).unwrap(), None);
        assert!(t0.elapsed() >= Duration::from_millis(30));
        e.signal(2).unwrap();
        e.signal(3).unwrap();
        assert_eq!(e.wait(Duration::from_secs(1)).unwrap(), Some(5));
        assert_eq!(e.try_read().unwrap(), None);
    }

    #[test]
    fn dma_mem_is_bounds_checked() {
        let m = DmaMem::new(4096).unwrap();
        assert_eq!(m.len(), 4096);
        assert!(m.write(4090, &[1, 2, 3, 4, 5, 6]).is_some());
        assert!(m.write(4091, &[0; 6]).is_none());
        assert!(m.write(usize::MAX, &[0; 2]).is_none());
        let mut b = [0u8; 6];
        assert!(m.read(4090, &mut b).is_some());
        assert_eq!(b, [1, 2, 3, 4, 5, 6]);
        assert!(m.read(4091, &mut b).is_none());
        assert_eq!(m.read_u32(4092), Some(u32::from_le_bytes([3, 4, 5, 6])));
        assert!(m.read_u32(4094).is_none() && m.read_u32(4096).is_none() && m.write_u32(4093, 1).is_none());
    }

    #[test]
    fn shared_file_mapping_sees_the_file() {
        use std::os::unix::fs::FileExt;
        let path = std::env::temp_dir().join(format!("hd-shm-{}", std::process::id()));
        let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
        f.set_len(8192).unwrap();
        assert!(DmaMem::map_shared(&f, 16384).is_err(), "longer than the file");
        let m = DmaMem::map_shared(&f, 8192).unwrap();
        f.write_all_at(&0x1234_5678u32.to_le_bytes(), 4096).unwrap();
        assert_eq!(m.read_u32(4096), Some(0x1234_5678));
        m.write_u32(8188, 0xdead_beef).unwrap();
        let mut b = [0; 4];
        f.read_exact_at(&mut b, 8188).unwrap();
        assert_eq!(u32::from_le_bytes(b), 0xdead_beef);
        drop(m);
        let _ = std::fs::remove_file(path);
    }
}
