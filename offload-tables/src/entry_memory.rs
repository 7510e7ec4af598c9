//! Zeroed, huge-page-advised memory holding an array of [`SessionEntry`] — the one
//! place in this crate with `unsafe`, so that the session table's hot lookup indexes a
//! plain slice instead of re-checking a byte-to-entry cast on every packet.
//!
//! Invariants (established by [`EntryMemory::zeroed`], never changed afterwards):
//! - `map` is a live anonymous mapping owned by this value, at least
//!   `len * size_of::<SessionEntry>()` bytes long, never remapped or resized;
//! - it starts at a page boundary, so it is aligned for `SessionEntry` (align 4);
//! - `SessionEntry` is `Pod`: every byte pattern, including the zero fill, is a valid
//!   value, so viewing the bytes as entries can never produce an invalid value;
//! - shared views are handed out only through `&self`, mutable ones only through
//!   `&mut self`, so Rust's borrow rules keep them exclusive.

use crate::layout::SessionEntry;

pub(crate) struct EntryMemory {
    map: memmap2::MmapMut,
    len: usize,
}

impl EntryMemory {
    /// `n` zeroed entries. Large tables are touched at random, one entry per lookup, so
    /// they are advised to use huge pages (fewer TLB misses), and populated up front so
    /// page faults happen here, not while sessions are set up on the packet path.
    pub(crate) fn zeroed(n: usize) -> Self {
        let bytes = (n * std::mem::size_of::<SessionEntry>()).max(1);
        let mut map =
            memmap2::MmapOptions::new().len(bytes).map_anon().expect("anonymous mapping for the session table");
        #[cfg(target_os = "linux")]
        {
            // Only advice: without transparent huge pages the table works the same.
            let _ = map.advise(memmap2::Advice::HugePage);
        }
        for off in (0..bytes).step_by(4096) {
            map[off] = 0; // a write, so the page is really allocated now
        }
        assert_eq!(map.as_ptr().align_offset(std::mem::align_of::<SessionEntry>()), 0, "mapping is page aligned");
        EntryMemory { map, len: n }
    }

    #[inline]
    pub(crate) fn entries(&self) -> &[SessionEntry] {
        // SAFETY: by the module invariants the mapping holds `len` properly aligned,
        // always-valid (`Pod`) entries and lives as long as `self`, which this borrow
        // is tied to.
        unsafe { std::slice::from_raw_parts(self.map.as_ptr().cast::<SessionEntry>(), self.len) }
    }

    #[inline]
    pub(crate) fn entries_mut(&mut self) -> &mut [SessionEntry] {
        // SAFETY: as in `entries`; the `&mut self` borrow makes this view exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.map.as_mut_ptr().cast::<SessionEntry>(), self.len) }
    }
}

impl Clone for EntryMemory {
    fn clone(&self) -> Self {
        let mut m = EntryMemory::zeroed(self.len);
        m.entries_mut().copy_from_slice(self.entries());
        m
    }
}

impl std::fmt::Debug for EntryMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EntryMemory({} entries)", self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_and_writable() {
        let mut m = EntryMemory::zeroed(1000);
        assert!(m.entries().iter().all(|e| *e == SessionEntry::default()));
        m.entries_mut()[999].new_src = 7;
        assert_eq!(m.clone().entries()[999].new_src, 7);
        assert_eq!(EntryMemory::zeroed(0).entries().len(), 0);
    }
}
