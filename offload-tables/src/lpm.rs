//! IPv4 longest-prefix match as a 16-8-8 multibit trie (DIR-16-8-8).
//!
//! Each FIB has a 65,536-entry first-level table indexed by the top 16 address bits;
//! an entry either holds a result or points to a 256-entry group indexed by the next 8
//! bits, whose entries may point to a last 256-entry group. A lookup is at most three
//! dependent reads with no comparisons, which is what lets the RTL pipeline it at one
//! lookup per clock out of block RAM, and the software path run it branch-light. The
//! same rendered arrays are read by both.
//!
//! Entry encoding (`u32`): bit 31 valid, bit 30 "points to a group" (group number in the
//! low 24 bits), otherwise the low 24 bits are the result (a load-balance index).

/// Network mask of a prefix length (0..=32; longer lengths count as 32).
#[inline]
pub fn prefix_mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len.min(32)))
    }
}

pub const VALID: u32 = 1 << 31;
pub const GROUP: u32 = 1 << 30;
pub const VALUE_MASK: u32 = (1 << 24) - 1;
pub const L1_ENTRIES: usize = 1 << 16;
pub const GROUP_ENTRIES: usize = 1 << 8;

/// The rendered trie of every FIB: `l1[fib * 65536 + (addr >> 16)]`, groups in `groups`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lpm {
    pub l1: Vec<u32>,
    pub groups: Vec<u32>,
}

impl Lpm {
    /// Number of FIBs the trie holds.
    pub fn n_fibs(&self) -> usize {
        self.l1.len() / L1_ENTRIES
    }

    /// Longest-prefix match of `addr` in `fib`; `None` when no route covers it or the
    /// FIB does not exist.
    #[inline]
    pub fn lookup(&self, fib: u16, addr: u32) -> Option<u32> {
        let mut e = *self.l1.get(usize::from(fib) * L1_ENTRIES + (addr >> 16) as usize)?;
        if e & GROUP != 0 {
            e = self.groups[(e & VALUE_MASK) as usize * GROUP_ENTRIES + ((addr >> 8) & 0xff) as usize];
            if e & GROUP != 0 {
                e = self.groups[(e & VALUE_MASK) as usize * GROUP_ENTRIES + (addr & 0xff) as usize];
            }
        }
        (e & VALID != 0).then_some(e & VALUE_MASK)
    }
}

/// Builds an [`Lpm`] from whole route sets. Routes are inserted shortest prefix first, so
/// each insertion only overwrites entries that a shorter prefix wrote and splits into
/// groups copy the covering result down.
pub struct LpmBuilder {
    lpm: Lpm,
    routes: Vec<(u16, u32, u8, u32)>,
}

impl LpmBuilder {
    pub fn new(n_fibs: usize) -> Self {
        LpmBuilder { lpm: Lpm { l1: vec![0; n_fibs * L1_ENTRIES], groups: Vec::new() }, routes: Vec::new() }
    }

    /// Adds `prefix/len → value` in `fib`. Host bits of `prefix` are ignored.
    pub fn add(&mut self, fib: u16, prefix: u32, len: u8, value: u32) {
        assert!(value <= VALUE_MASK, "LPM result {value} does not fit 24 bits");
        self.routes.push((fib, prefix & prefix_mask(len), len, value));
    }

    pub fn build(mut self) -> Lpm {
        let mut routes = std::mem::take(&mut self.routes);
        routes.sort_by_key(|r| r.2);
        for (fib, prefix, len, value) in routes {
            self.insert(fib, prefix, len, value);
        }
        self.lpm
    }

    fn new_group(&mut self, fill: u32) -> u32 {
        let n = (self.lpm.groups.len() / GROUP_ENTRIES) as u32;
        self.lpm.groups.extend(std::iter::repeat_n(fill, GROUP_ENTRIES));
        n
    }

    /// Returns the group an entry points to, splitting a leaf into a group first.
    fn group_of(&mut self, slot: &mut u32) -> usize {
        if *slot & GROUP == 0 {
            let g = self.new_group(*slot);
            *slot = VALID | GROUP | g;
        }
        (*slot & VALUE_MASK) as usize * GROUP_ENTRIES
    }

    fn insert(&mut self, fib: u16, prefix: u32, len: u8, value: u32) {
        let leaf = VALID | value;
        let base = usize::from(fib) * L1_ENTRIES;
        let hi = (prefix >> 16) as usize;
        if len <= 16 {
            let span = 1usize << (16 - len);
            for e in &mut self.lpm.l1[base + hi..base + hi + span] {
                *e = leaf; // shorter-first order: nothing longer exists yet here
            }
            return;
        }
        let mut slot = self.lpm.l1[base + hi];
        let g1 = self.group_of(&mut slot);
        self.lpm.l1[base + hi] = slot;
        let mid = ((prefix >> 8) & 0xff) as usize;
        if len <= 24 {
            let span = 1usize << (24 - len);
            for e in &mut self.lpm.groups[g1 + mid..g1 + mid + span] {
                *e = leaf;
            }
            return;
        }
        let mut slot = self.lpm.groups[g1 + mid];
        let g2 = self.group_of(&mut slot);
        self.lpm.groups[g1 + mid] = slot;
        let lo = (prefix & 0xff) as usize;
        let span = 1usize << (32 - len);
        for e in &mut self.lpm.groups[g2 + lo..g2 + lo + span] {
            *e = leaf;
        }
    }
}

/// The obvious longest-prefix match over a route list: the reference the trie is
/// tested against.
pub fn reference_lookup(routes: &[(u16, u32, u8, u32)], fib: u16, addr: u32) -> Option<u32> {
    routes.iter().filter(|r| r.0 == fib && (addr ^ r.1) & prefix_mask(r.2) == 0).max_by_key(|r| r.2).map(|r| r.3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nested_prefixes() {
        let routes = vec![
            (0u16, 0x0a00_0000, 8, 1),
            (0, 0x0a01_0200, 24, 2),
            (0, 0x0a01_0204, 32, 3),
            (0, 0x0a01_0000, 16, 4),
            (1, 0, 0, 9),
            (0, 0x0a01_0280, 25, 5),
        ];
        let mut b = LpmBuilder::new(2);
        for r in &routes {
            b.add(r.0, r.1, r.2, r.3);
        }
        let lpm = b.build();
        for (fib, addr) in [
            (0, 0x0a01_0204),
            (0, 0x0a01_0205),
            (0, 0x0a01_0290),
            (0, 0x0a01_0300),
            (0, 0x0a02_0000),
            (0, 0x0b00_0000),
            (1, 0x0102_0304),
        ] {
            assert_eq!(lpm.lookup(fib, addr), reference_lookup(&routes, fib, addr), "fib {fib} addr {addr:#x}");
        }
        assert_eq!(lpm.lookup(2, 0), None);
    }

    fn arb_routes() -> impl Strategy<Value = Vec<(u16, u32, u8, u32)>> {
        // Cluster prefixes under a few /8s so that they overlap often.
        prop::collection::vec(
            (
                0u16..2,
                prop_oneof![Just(0x0a00_0000u32), Just(0xc0a8_0000u32), any::<u32>()],
                any::<u32>(),
                0u8..=32,
                0u32..1000,
            ),
            0..40,
        )
        .prop_map(|v| {
            let mut seen = std::collections::HashSet::new();
            v.into_iter()
                .map(|(fib, base, noise, len, val)| (fib, (base | (noise & 0x00ff_ffff)) & prefix_mask(len), len, val))
                .filter(|r| seen.insert((r.0, r.1, r.2)))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn trie_matches_reference(routes in arb_routes(), probes in prop::collection::vec((0u16..3, any::<u32>()), 64)) {
            let mut b = LpmBuilder::new(2);
            for r in &routes { b.add(r.0, r.1, r.2, r.3); }
            let lpm = b.build();
            for (fib, noise) in probes {
                // Probe near route boundaries as well as at random.
                let addr = match routes.get(noise as usize % (routes.len() + 1)) {
                    Some(r) => r.1 ^ (noise >> (r.2 as u32 % 32)),
                    None => noise,
                };
                prop_assert_eq!(lpm.lookup(fib, addr), reference_lookup(&routes, fib, addr));
            }
        }
    }
}
