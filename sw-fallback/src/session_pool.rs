//! Software state of sessions, kept beside the session table: a pool indexed by the
//! session index that table entries carry, with a free list, a live count against a
//! limit, and idle expiry. One pool type serves NAT and reflexive-ACL sessions.

use offload_tables::layout::SessionKey;
use offload_tables::session::SessionTable;
use rustc_hash::FxHashSet;

/// What the pool needs to know of a session.
pub trait Pooled: Copy {
    /// Session-table slots this session occupies; freed with it.
    fn table_slots(&self) -> &[usize];
    /// When a packet last used it.
    fn last_ns(&self) -> u64;
}

pub struct SessionPool<T> {
    items: Vec<Option<T>>,
    free: Vec<u32>,
    live: usize,
    max: usize,
    /// Table keys of the sessions found expired since the last expiry pass began (by
    /// that pass or by a packet's lookup): the NIC may still hold their entries until
    /// the driver's next aging pass.
    just_expired: FxHashSet<SessionKey>,
}

impl<T: Pooled> SessionPool<T> {
    pub fn new(max: usize) -> Self {
        SessionPool { items: Vec::new(), free: Vec::new(), live: 0, max, just_expired: FxHashSet::default() }
    }

    /// Live sessions.
    pub fn live(&self) -> usize {
        self.live
    }

    /// An index for a new session (filled by [`Self::fill`] or given back by
    /// [`Self::unreserve`]); `None` at the session limit.
    pub fn reserve(&mut self) -> Option<u32> {
        if self.live >= self.max {
            return None;
        }
        Some(self.free.pop().unwrap_or_else(|| {
            self.items.push(None);
            (self.items.len() - 1) as u32
        }))
    }

    pub fn fill(&mut self, idx: u32, item: T) {
        debug_assert!(self.items[idx as usize].is_none(), "index reserved twice");
        self.items[idx as usize] = Some(item);
        self.live += 1;
    }

    pub fn unreserve(&mut self, idx: u32) {
        self.free.push(idx);
    }

    #[inline]
    pub fn get(&self, idx: u32) -> Option<&T> {
        self.items.get(idx as usize).and_then(Option::as_ref)
    }

    #[inline]
    pub fn get_mut(&mut self, idx: u32) -> Option<&mut T> {
        self.items.get_mut(idx as usize).and_then(Option::as_mut)
    }

    /// Frees a session and its table slots; a no-op for a free index.
    pub fn remove(&mut self, table: &mut SessionTable, idx: u32) {
        if let Some(s) = self.items.get_mut(idx as usize).and_then(Option::take) {
            for &slot in s.table_slots() {
                table.remove(slot);
            }
            self.free.push(idx);
            self.live -= 1;
        }
    }

    /// Removes a session found expired (see [`Self::expired_recently`]).
    pub fn remove_expired(&mut self, table: &mut SessionTable, idx: u32) {
        self.note_expired(table, idx);
        self.remove(table, idx);
    }

    fn note_expired(&mut self, table: &SessionTable, idx: u32) {
        if let Some(s) = self.get(idx) {
            let keys: Vec<SessionKey> = s.table_slots().iter().map(|&slot| table.get(slot).key).collect();
            self.just_expired.extend(keys);
        }
    }

    /// Records a key of some other entry found expired (a NAT pass entry, say).
    pub fn note_expired_key(&mut self, key: SessionKey) {
        self.just_expired.insert(key);
    }

    /// Whether `key` belonged to a session found expired since the last expiry pass
    /// began.
    pub fn expired_recently(&self, key: &SessionKey) -> bool {
        !self.just_expired.is_empty() && self.just_expired.contains(key)
    }

    /// Removes every session idle longer than `timeout_ns(session)`; returns how many.
    pub fn expire(&mut self, table: &mut SessionTable, now_ns: u64, timeout_ns: impl Fn(&T) -> u64) -> usize {
        let expired: Vec<u32> =
            self.iter().filter(|(_, s)| now_ns.saturating_sub(s.last_ns()) > timeout_ns(s)).map(|(i, _)| i).collect();
        self.just_expired.clear();
        for &i in &expired {
            self.remove_expired(table, i);
        }
        expired.len()
    }

    /// Live sessions with their indices.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.items.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|s| (i as u32, s)))
    }
}
