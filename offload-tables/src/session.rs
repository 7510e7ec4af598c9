//! The session table: exact match on [`SessionKey`], hash-placed with a bounded probe.
//!
//! Geometry shared by software and NIC: `n_buckets` (a power of two) buckets of
//! [`WAYS`] slots; a key lives in bucket `hash_key(key) & (n_buckets - 1)`, in any of
//! its slots. A lookup reads one bucket (one wide RAM word in the RTL), so it costs the
//! same whether it hits or misses; an insert into a full bucket fails and the caller
//! counts it (the flow then stays in software). NAT sessions put two entries in it,
//! one per direction; reflexive ACL sessions one.

use crate::flow_hash::hash_words;
use crate::layout::{session_flags, SessionEntry, SessionKey};

/// Slots per bucket: the bound on probes per lookup.
pub const WAYS: usize = 8;

/// Hash that places a key in the table.
#[inline]
pub fn hash_key(k: &SessionKey) -> u32 {
    let w: [u32; 4] = bytemuck::cast(*k);
    hash_words(w[0], w[1], w[2], w[3])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InsertError {
    #[error("bucket full ({WAYS} ways)")]
    BucketFull,
    #[error("key already present")]
    Duplicate,
}

#[derive(Clone, Debug)]
pub struct SessionTable {
    slots: Vec<SessionEntry>,
    bucket_mask: usize,
    len: usize,
}

impl SessionTable {
    /// A table with room for at least `capacity` entries (rounded up to a power of two
    /// number of buckets).
    pub fn with_capacity(capacity: usize) -> Self {
        let buckets = capacity.div_ceil(WAYS).next_power_of_two().max(1);
        SessionTable { slots: vec![SessionEntry::default(); buckets * WAYS], bucket_mask: buckets - 1, len: 0 }
    }

    pub fn n_buckets(&self) -> usize {
        self.bucket_mask + 1
    }
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    pub fn bucket_of(&self, key: &SessionKey) -> usize {
        hash_key(key) as usize & self.bucket_mask
    }

    /// Slot index of `key`, if present.
    #[inline]
    pub fn lookup(&self, key: &SessionKey) -> Option<usize> {
        let base = self.bucket_of(key) * WAYS;
        self.slots[base..base + WAYS]
            .iter()
            .position(|e| e.flags & session_flags::VALID != 0 && e.key == *key)
            .map(|way| base + way)
    }

    #[inline]
    pub fn get(&self, slot: usize) -> &SessionEntry {
        &self.slots[slot]
    }
    #[inline]
    pub fn get_mut(&mut self, slot: usize) -> &mut SessionEntry {
        &mut self.slots[slot]
    }

    /// Inserts `entry` (its `VALID` flag is set here); returns the slot.
    pub fn insert(&mut self, mut entry: SessionEntry) -> Result<usize, InsertError> {
        if self.lookup(&entry.key).is_some() {
            return Err(InsertError::Duplicate);
        }
        let base = self.bucket_of(&entry.key) * WAYS;
        let way = self.slots[base..base + WAYS]
            .iter()
            .position(|e| e.flags & session_flags::VALID == 0)
            .ok_or(InsertError::BucketFull)?;
        entry.flags |= session_flags::VALID;
        self.slots[base + way] = entry;
        self.len += 1;
        Ok(base + way)
    }

    /// Frees a slot; freeing an empty slot is a no-op.
    pub fn remove(&mut self, slot: usize) {
        if self.slots[slot].flags & session_flags::VALID != 0 {
            self.slots[slot] = SessionEntry::default();
            self.len -= 1;
        }
    }

    /// Live entries with their slots.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &SessionEntry)> {
        self.slots.iter().enumerate().filter(|(_, e)| e.flags & session_flags::VALID != 0)
    }

    pub fn clear(&mut self) {
        self.slots.fill(SessionEntry::default());
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn key(i: u32) -> SessionKey {
        SessionKey { src: i, dst: i.wrapping_mul(7), sport: i as u16, dport: 80, proto: 6, kind: 1, scope: 0 }
    }

    #[test]
    fn full_bucket_is_refused() {
        let mut t = SessionTable::with_capacity(WAYS); // one bucket
        for i in 0..WAYS as u32 {
            t.insert(SessionEntry { key: key(i), ..Default::default() }).unwrap();
        }
        assert_eq!(t.insert(SessionEntry { key: key(99), ..Default::default() }), Err(InsertError::BucketFull));
        assert_eq!(t.insert(SessionEntry { key: key(1), ..Default::default() }), Err(InsertError::Duplicate));
        assert_eq!(t.len(), WAYS);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u32),
        Remove(u32),
        Lookup(u32),
    }

    proptest! {
        /// The table behaves like a map, except that inserts may fail when a bucket is full.
        #[test]
        fn behaves_like_a_map(ops in prop::collection::vec(prop_oneof![
            (0u32..200).prop_map(Op::Insert), (0u32..200).prop_map(Op::Remove), (0u32..200).prop_map(Op::Lookup)], 1..400)) {
            let mut t = SessionTable::with_capacity(64);
            let mut reference: HashMap<SessionKey, u32> = HashMap::new();
            for op in ops {
                match op {
                    Op::Insert(i) => {
                        let e = SessionEntry { key: key(i), new_src: i, ..Default::default() };
                        match t.insert(e) {
                            Ok(_) => { prop_assert!(reference.insert(key(i), i).is_none()); }
                            Err(InsertError::Duplicate) => prop_assert!(reference.contains_key(&key(i))),
                            Err(InsertError::BucketFull) => {
                                let b = t.bucket_of(&key(i));
                                prop_assert_eq!(reference.keys().filter(|k| t.bucket_of(k) == b).count(), WAYS);
                            }
                        }
                    }
                    Op::Remove(i) => {
                        if let Some(s) = t.lookup(&key(i)) { t.remove(s); }
                        reference.remove(&key(i));
                    }
                    Op::Lookup(i) => {
                        let got = t.lookup(&key(i)).map(|s| t.get(s).new_src);
                        prop_assert_eq!(got, reference.get(&key(i)).copied());
                    }
                }
                prop_assert_eq!(t.len(), reference.len());
            }
        }
    }
}
