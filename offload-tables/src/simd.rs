//! Vector compare of a bucket's eight 16-bit tags, the inner step of every session
//! lookup. The second of the crate's two `unsafe` modules: on x86-64 it calls SSE2
//! intrinsics, which Rust marks unsafe to call outside a function compiled for SSE2.
//!
//! Invariant: SSE2 is part of the x86-64 baseline (every x86-64 CPU implements it, and
//! the target enables it), so the SSE2-compiled helper may always be called there.

/// Bits `2w` and `2w+1` set where way `w` of a bucket holds `tag`.
#[inline]
pub(crate) fn tag_matches(tags: &[u16; 8], tag: u16) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is always available on x86-64 (module invariant).
        unsafe { sse2(tags, tag) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        tags.iter().enumerate().fold(0u32, |m, (w, &t)| m | (u32::from(t == tag) * 3) << (2 * w))
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "sse2")]
fn sse2(tags: &[u16; 8], tag: u16) -> u32 {
    use std::arch::x86_64::{_mm_cmpeq_epi16, _mm_movemask_epi8, _mm_set1_epi16, _mm_set_epi16};
    let t = tags.map(|t| t as i16);
    let v = _mm_set_epi16(t[7], t[6], t[5], t[4], t[3], t[2], t[1], t[0]);
    _mm_movemask_epi8(_mm_cmpeq_epi16(v, _mm_set1_epi16(tag as i16))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_obvious_compare() {
        let tags = [0x0001, 0x1235, 0x1235, 0xffff, 0x8001, 0x0000, 0x1235, 0x7fff];
        for tag in [0x0001u16, 0x1235, 0xffff, 0x8001, 0x7fff, 0x4321, 0] {
            let want = tags.iter().enumerate().fold(0u32, |m, (w, &t)| m | (u32::from(t == tag) * 3) << (2 * w));
            assert_eq!(tag_matches(&tags, tag), want, "tag {tag:#x}");
        }
    }
}
