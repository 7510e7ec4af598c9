//! The session table: exact match on [`SessionKey`], hash-placed with a bounded probe.
//!
//! Geometry shared by software and NIC (the rte_hash / cuckoo-filter layout):
//! `n_buckets` (a power of two) buckets of [`WAYS`] slots. A key's 32-bit hash gives a
//! 16-bit tag (never 0, which marks a free slot) and two candidate buckets: `b1` from
//! the hash, `b2 = b1 ^ spread(tag)`. Each bucket has a tag word (`WAYS` × 16 bits, one
//! narrow RAM word in the RTL, one cache line in software) beside its entries; a lookup
//! reads both tag words and compares full keys only where a tag matches, so it costs
//! the same bounded work whether it hits or misses. An insert goes to the emptier
//! candidate; when both are full it fails and the caller counts it (the flow then
//! stays in software). NAT sessions put two entries in it, one per direction;
//! reflexive ACL sessions one.
//!
//! The NIC's copy ([`SessionTable::for_nic`]) keeps one more rule: **one entry per tag
//! in a key's two buckets**. Since `b2 = b1 ^ spread(tag)`, every key with tag `t`
//! whose candidates include bucket `b` has the same pair `{b, b ^ spread(t)}`, so the
//! rule is checked on the two buckets alone, and it makes the first tag match the
//! only one: a NIC whose entries live in external memory fetches that one way (one
//! memory read per lookup, none when no tag matches) and a key mismatch there is a
//! definite miss. A key refused by the rule (about 1 in 2,300 at 90% occupancy:
//! ≤ 15 live tags of 32,768 values) stays in software, counted like a full bucket.

use crate::entry_memory::EntryMemory;
use crate::layout::{session_flags, SessionEntry, SessionKey};

/// Slots per bucket.
pub const WAYS: usize = 8;

/// Hash that places a key in the table: the key as two little-endian 64-bit words,
/// each multiplied by an odd constant, xor-folded and finished with a multiply and
/// xor-shift (splitmix64's finaliser). Three 64-bit multiplies: a few cycles in
/// software, three pipelined DSP multipliers in logic; the bucket and tag bits come
/// from the well-mixed high half of the product.
#[inline]
pub fn hash_key(k: &SessionKey) -> u32 {
    let [a, b] = k.words();
    let m = a.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ b.rotate_left(32).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let m = (m ^ (m >> 31)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (m >> 32) as u32
}

/// The tag stored for a key: the hash's high half, never 0.
#[inline]
pub fn tag_of(hash: u32) -> u16 {
    ((hash >> 16) as u16) | 1
}

/// The two candidate buckets of a hash (equal only when the table has one bucket).
#[inline]
pub fn buckets_of(hash: u32, bucket_mask: usize) -> [usize; 2] {
    let b1 = hash as usize & bucket_mask;
    // Spread the tag over the bucket bits (odd multiplier), and never map to b1 itself.
    let spread = (u32::from(tag_of(hash)).wrapping_mul(0x9e37_79b1) >> 7) as usize | 1;
    [b1, (b1 ^ spread) & bucket_mask]
}

use crate::simd::tag_matches;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InsertError {
    #[error("both candidate buckets full ({WAYS} ways each)")]
    BucketFull,
    #[error("key already present")]
    Duplicate,
    #[error("another key with the same tag lives in the candidate buckets (the NIC's one-tag-per-pair rule)")]
    TagShared,
}

/// What [`SessionTable::follow`] and [`SessionTable::mirror_from`] changed.
#[derive(Debug, Default)]
pub struct MirrorChanges {
    /// Slots to rewrite in the NIC (entry or deletion), sorted.
    pub dirty: Vec<usize>,
    pub deleted: usize,
    /// Keys of `source` entries that found no room here: both buckets full, or (in the
    /// NIC's table) their tag taken in them. They stay in software only.
    pub refused: Vec<SessionKey>,
}

impl MirrorChanges {
    /// Empties it, keeping the memory (reused between syncs).
    pub fn reset(&mut self) {
        self.dirty.clear();
        self.deleted = 0;
        self.refused.clear();
    }
}

/// What changed in a table since its journal was last taken
/// ([`SessionTable::take_changes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// Nothing.
    Nothing,
    /// The keys handed out (each may have been inserted, rewritten or removed).
    Keys,
    /// More than the journal holds: compare everything ([`SessionTable::mirror_from`]).
    Everything,
}

#[derive(Clone, Debug)]
pub struct SessionTable {
    tags: Vec<[u16; WAYS]>,
    mem: EntryMemory,
    bucket_mask: usize,
    len: usize,
    /// Keys changed since the journal was last taken, while tracking is on: what a
    /// copy of this table (the NIC's) must follow, without comparing whole tables.
    journal: Vec<SessionKey>,
    tracking: bool,
    overflowed: bool,
    /// The NIC's rule: at most one entry per tag in a bucket pair (module docs).
    unique_tags: bool,
}

impl SessionTable {
    /// A table with room for at least `capacity` entries (rounded up to a power of two
    /// number of buckets).
    pub fn with_capacity(capacity: usize) -> Self {
        let buckets = capacity.div_ceil(WAYS).next_power_of_two().max(1);
        SessionTable {
            tags: vec![[0; WAYS]; buckets],
            mem: EntryMemory::zeroed(buckets * WAYS),
            bucket_mask: buckets - 1,
            len: 0,
            journal: Vec::new(),
            tracking: false,
            overflowed: false,
            unique_tags: false,
        }
    }

    /// The NIC's copy of a table: as [`SessionTable::with_capacity`], and an insert is
    /// refused ([`InsertError::TagShared`]) where its tag already lives in one of its
    /// buckets, so that a lookup's first tag match is its only one
    /// ([`SessionTable::lookup_first_tag`]).
    pub fn for_nic(capacity: usize) -> Self {
        SessionTable { unique_tags: true, ..Self::with_capacity(capacity) }
    }

    /// Starts (or stops) recording which keys change, for a copy that follows this
    /// table ([`SessionTable::take_changes`]). Starting means the copy compares
    /// everything first.
    pub fn track_changes(&mut self, on: bool) {
        self.tracking = on;
        self.journal.clear();
        self.overflowed = on;
    }

    /// Records that the entry in `slot` was rewritten in place (through
    /// [`SessionTable::get_mut`]).
    #[inline]
    pub fn mark_changed(&mut self, slot: usize) {
        let key = self.get(slot).key;
        self.record(key);
    }

    #[inline]
    fn record(&mut self, key: SessionKey) {
        if !self.tracking || self.overflowed {
            return;
        }
        // Bounded: past a table's worth of changes a full comparison is cheaper.
        if self.journal.len() >= self.capacity() {
            self.journal.clear();
            self.overflowed = true;
        } else {
            self.journal.push(key);
        }
    }

    /// Appends the keys changed since the last call to `into` and restarts the journal.
    pub fn take_changes(&mut self, into: &mut Vec<SessionKey>) -> Changed {
        if self.overflowed {
            self.overflowed = false;
            self.journal.clear();
            return Changed::Everything;
        }
        if self.journal.is_empty() {
            return Changed::Nothing;
        }
        into.append(&mut self.journal);
        Changed::Keys
    }

    /// Whether the journal holds changes a copy has not taken yet.
    #[inline]
    pub fn has_changes(&self) -> bool {
        self.overflowed || !self.journal.is_empty()
    }

    pub fn n_buckets(&self) -> usize {
        self.bucket_mask + 1
    }
    pub fn capacity(&self) -> usize {
        self.n_buckets() * WAYS
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The candidate buckets of `key`.
    #[inline]
    pub fn buckets(&self, key: &SessionKey) -> [usize; 2] {
        buckets_of(hash_key(key), self.bucket_mask)
    }

    /// Slot index of `key`, if present.
    #[inline]
    pub fn lookup(&self, key: &SessionKey) -> Option<usize> {
        let h = hash_key(key);
        let tag = tag_of(h);
        let entries = self.mem.entries();
        for b in buckets_of(h, self.bucket_mask) {
            let mut hits = tag_matches(&self.tags[b], tag);
            while hits != 0 {
                let way = hits.trailing_zeros() as usize / 2;
                if entries[b * WAYS + way].key == *key {
                    return Some(b * WAYS + way);
                }
                hits &= !(3 << (2 * way));
            }
        }
        None
    }

    /// The lookup of a NIC whose entries are off chip: the first way (bucket 1 before
    /// bucket 2, ways ascending) whose tag matches, and whether its key does: the one
    /// entry such a NIC reads. Equal to [`SessionTable::lookup`] on a table built by
    /// [`SessionTable::for_nic`].
    pub fn lookup_first_tag(&self, key: &SessionKey) -> Option<usize> {
        let h = hash_key(key);
        let tag = tag_of(h);
        let b = buckets_of(h, self.bucket_mask).into_iter().find(|&b| tag_matches(&self.tags[b], tag) != 0)?;
        let slot = b * WAYS + tag_matches(&self.tags[b], tag).trailing_zeros() as usize / 2;
        (self.mem.entries()[slot].key == *key).then_some(slot)
    }

    #[inline]
    pub fn get(&self, slot: usize) -> &SessionEntry {
        &self.mem.entries()[slot]
    }
    #[inline]
    pub fn get_mut(&mut self, slot: usize) -> &mut SessionEntry {
        &mut self.mem.entries_mut()[slot]
    }

    /// Inserts `entry` (its `VALID` flag is set here) into the emptier of its two
    /// buckets; returns the slot.
    pub fn insert(&mut self, mut entry: SessionEntry) -> Result<usize, InsertError> {
        let h = hash_key(&entry.key);
        let tag = tag_of(h);
        let candidates = buckets_of(h, self.bucket_mask);
        // One pass over both buckets: refuse duplicates, count free ways.
        let mut free = [0usize; 2];
        for (i, &b) in candidates.iter().enumerate() {
            for (way, &t) in self.tags[b].iter().enumerate() {
                if t == 0 {
                    free[i] += 1;
                } else if t == tag {
                    if self.mem.entries()[b * WAYS + way].key == entry.key {
                        return Err(InsertError::Duplicate);
                    }
                    if self.unique_tags {
                        return Err(InsertError::TagShared);
                    }
                }
            }
        }
        let b = if free[1] > free[0] { candidates[1] } else { candidates[0] };
        let way = self.tags[b].iter().position(|&t| t == 0).ok_or(InsertError::BucketFull)?;
        entry.flags |= session_flags::VALID;
        self.tags[b][way] = tag;
        self.mem.entries_mut()[b * WAYS + way] = entry;
        self.len += 1;
        self.record(entry.key);
        Ok(b * WAYS + way)
    }

    /// Frees a slot; freeing an empty slot is a no-op.
    pub fn remove(&mut self, slot: usize) {
        let e = *self.get(slot);
        if e.flags & session_flags::VALID != 0 {
            self.mem.entries_mut()[slot] = SessionEntry::default();
            self.tags[slot / WAYS][slot % WAYS] = 0;
            self.len -= 1;
            self.record(e.key);
        }
    }

    /// The tag word of a bucket (what the NIC's tag RAM holds).
    pub fn bucket_tags(&self, bucket: usize) -> [u16; WAYS] {
        self.tags[bucket]
    }

    /// Live entries with their slots.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &SessionEntry)> {
        self.mem.entries().iter().enumerate().filter(|(_, e)| e.flags & session_flags::VALID != 0)
    }

    /// Brings this table, a mirror of the NIC's (its geometry may differ from
    /// `source`'s), in line with `source` for the entries with `keys` (what `source`'s
    /// journal says changed): each is rewritten, inserted or removed here. Slots whose
    /// NIC copy must be rewritten go to `c.dirty` (sorted), keys that find both buckets
    /// full here to `c.refused` (they stay in software only).
    pub fn follow(&mut self, source: &SessionTable, keys: &[SessionKey], c: &mut MirrorChanges) {
        for k in keys {
            let here = self.lookup(k);
            match (source.lookup(k).map(|s| *source.get(s)), here) {
                (Some(e), Some(slot)) => {
                    if *self.get(slot) != e {
                        *self.get_mut(slot) = e;
                        c.dirty.push(slot);
                    }
                }
                (Some(e), None) => match self.insert(e) {
                    Ok(slot) => c.dirty.push(slot),
                    Err(InsertError::BucketFull | InsertError::TagShared) => c.refused.push(*k),
                    Err(InsertError::Duplicate) => {}
                },
                (None, Some(slot)) => {
                    self.remove(slot);
                    c.dirty.push(slot);
                    c.deleted += 1;
                }
                (None, None) => {}
            }
        }
        c.dirty.sort_unstable();
        c.dirty.dedup();
    }

    /// [`SessionTable::follow`] for every key of both tables: a whole comparison (a
    /// first sync, or a journal that overflowed).
    pub fn mirror_from(&mut self, source: &SessionTable, c: &mut MirrorChanges) {
        let mut keys: Vec<SessionKey> = self.iter().map(|(_, e)| e.key).collect();
        keys.extend(source.iter().map(|(_, e)| e.key));
        self.follow(source, &keys, c);
    }

    pub fn clear(&mut self) {
        self.mem.entries_mut().fill(SessionEntry::default());
        self.tags.fill([0; WAYS]);
        self.len = 0;
        if self.tracking {
            self.journal.clear();
            self.overflowed = true;
        }
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
    fn hash_key_reads_the_key_bytes() {
        let k = key(77);
        let [a, b]: [u64; 2] = bytemuck::cast(k);
        let m = a.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ b.rotate_left(32).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let m = (m ^ (m >> 31)).wrapping_mul(0x94d0_49bb_1331_11eb);
        assert_eq!(hash_key(&k), (m >> 32) as u32);
    }

    #[test]
    fn full_bucket_is_refused() {
        let mut t = SessionTable::with_capacity(WAYS); // one bucket: both candidates are it
        for i in 0..WAYS as u32 {
            t.insert(SessionEntry { key: key(i), ..Default::default() }).unwrap();
        }
        assert_eq!(t.insert(SessionEntry { key: key(99), ..Default::default() }), Err(InsertError::BucketFull));
        assert_eq!(t.insert(SessionEntry { key: key(1), ..Default::default() }), Err(InsertError::Duplicate));
        assert_eq!(t.len(), WAYS);
    }

    /// Keys `key(i)` for `i` in `range` grouped by tag (pairs of keys that share a tag).
    fn tag_sharing_keys(range: std::ops::Range<u32>) -> Vec<(SessionKey, SessionKey)> {
        let mut by_tag: HashMap<u16, SessionKey> = HashMap::new();
        range
            .filter_map(|i| {
                let k = key(i);
                by_tag.insert(tag_of(hash_key(&k)), k).map(|other| (other, k))
            })
            .collect()
    }

    #[test]
    fn the_nic_table_keeps_one_entry_per_tag_in_a_pair() {
        // A table of 2 buckets: every key's pair is {0, 1}, so two keys of one tag clash.
        let pairs = tag_sharing_keys(0..5_000);
        assert!(pairs.len() >= 8, "the birthday bound gives hundreds of pairs");
        let mut nic = SessionTable::for_nic(2 * WAYS);
        let mut plain = SessionTable::with_capacity(2 * WAYS);
        for &(a, b) in &pairs[..4] {
            nic.insert(SessionEntry { key: a, ..Default::default() }).unwrap();
            assert_eq!(nic.insert(SessionEntry { key: b, ..Default::default() }), Err(InsertError::TagShared));
            assert_eq!(nic.insert(SessionEntry { key: a, ..Default::default() }), Err(InsertError::Duplicate));
            plain.insert(SessionEntry { key: a, ..Default::default() }).unwrap();
            plain.insert(SessionEntry { key: b, ..Default::default() }).unwrap();
        }
        for &(a, b) in &pairs[..4] {
            assert_eq!(nic.lookup_first_tag(&a), nic.lookup(&a));
            assert!(nic.lookup(&a).is_some() && nic.lookup_first_tag(&b).is_none());
            // In a table without the rule the first tag match may be another key's.
            assert!(plain.lookup(&b).is_some());
        }
        assert!(pairs[..4].iter().any(|(_, b)| plain.lookup_first_tag(b).is_none()));
    }

    #[test]
    fn the_nic_rule_refuses_few_keys_at_ninety_percent() {
        let mut t = SessionTable::for_nic(1 << 14);
        let (mut shared, mut full) = (0, 0);
        let n = t.capacity() as u32 * 90 / 100;
        for i in 0..n {
            match t.insert(SessionEntry { key: key(i), ..Default::default() }) {
                Err(InsertError::TagShared) => shared += 1,
                Err(InsertError::BucketFull) => full += 1,
                _ => {}
            }
        }
        // ≤ 15 live tags of 32,768 in a pair: about 1 key in 2,300 at this load.
        assert!(shared < n as usize / 500, "{shared} of {n} refused for a shared tag ({full} for full buckets)");
        for i in 0..n {
            assert_eq!(t.lookup_first_tag(&key(i)), t.lookup(&key(i)), "key {i}");
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u32),
        Remove(u32),
        Lookup(u32),
    }

    #[test]
    fn two_choices_fill_to_seventy_five_percent() {
        let mut t = SessionTable::with_capacity(1 << 14);
        let mut refused = 0;
        for i in 0..(t.capacity() as u32 * 75 / 100) {
            if t.insert(SessionEntry { key: key(i), ..Default::default() }).is_err() {
                refused += 1;
            }
        }
        // Greedy two-choice placement without relocation: a few refusals appear only
        // close to full (the dataplane sizes the table at twice its session limits).
        assert!(refused < t.capacity() / 1000, "{refused} refused below 75% load");
        for i in 0..(t.capacity() as u32 * 75 / 100) {
            if let Some(s) = t.lookup(&key(i)) {
                assert_eq!(t.get(s).key, key(i));
            }
        }
    }

    proptest! {
        /// In the NIC's table, under any inserts and removals (of keys chosen to share
        /// tags), the one-read lookup finds what the full lookup finds.
        #[test]
        fn the_nic_lookup_reads_one_way(ops in prop::collection::vec((any::<bool>(), 0usize..64), 1..300)) {
            let keys: Vec<SessionKey> = tag_sharing_keys(0..3_000).into_iter().take(32).flat_map(|(a, b)| [a, b]).collect();
            let mut t = SessionTable::for_nic(4 * WAYS);
            for (insert, i) in ops {
                let k = keys[i % keys.len()];
                if insert {
                    let _ = t.insert(SessionEntry { key: k, ..Default::default() });
                } else if let Some(s) = t.lookup(&k) {
                    t.remove(s);
                }
                for k in &keys {
                    prop_assert_eq!(t.lookup_first_tag(k), t.lookup(k));
                }
            }
        }
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
                            Err(InsertError::TagShared) => prop_assert!(false, "only the NIC's table has the tag rule"),
                            Err(InsertError::BucketFull) => {
                                // Both candidate buckets hold WAYS live keys each.
                                for b in t.buckets(&key(i)) {
                                    let n = reference.keys().filter(|k| t.buckets(k).contains(&b) && t.lookup(k).is_some_and(|s| s / WAYS == b)).count();
                                    prop_assert_eq!(n, WAYS);
                                }
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
