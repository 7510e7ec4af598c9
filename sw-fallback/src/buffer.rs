//! Packet buffers with headroom, so VXLAN encapsulation prepends its 50 bytes in place.

/// Room in front of a received frame for encapsulation headers.
pub const HEADROOM: usize = 128;
/// Largest frame a buffer holds (jumbo MTU plus L2).
pub const MAX_FRAME: usize = 9216;

/// One packet: the frame is `data[head..tail]`.
#[derive(Clone)]
pub struct PacketBuf {
    data: Box<[u8]>,
    head: usize,
    tail: usize,
}

impl PacketBuf {
    /// A buffer holding a copy of `frame` (truncated to [`MAX_FRAME`]).
    pub fn from_frame(frame: &[u8]) -> Self {
        let mut b =
            PacketBuf { data: vec![0; HEADROOM + MAX_FRAME].into_boxed_slice(), head: HEADROOM, tail: HEADROOM };
        b.set_frame(frame);
        b
    }

    /// Replaces the contents with `frame`, reusing the allocation.
    pub fn set_frame(&mut self, frame: &[u8]) {
        let n = frame.len().min(MAX_FRAME);
        self.head = HEADROOM;
        self.tail = HEADROOM + n;
        self.data[HEADROOM..HEADROOM + n].copy_from_slice(&frame[..n]);
    }

    #[inline]
    pub fn frame(&self) -> &[u8] {
        &self.data[self.head..self.tail]
    }
    #[inline]
    pub fn frame_mut(&mut self) -> &mut [u8] {
        &mut self.data[self.head..self.tail]
    }
    #[inline]
    pub fn len(&self) -> usize {
        self.tail - self.head
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.tail == self.head
    }

    /// Grows the frame by `n` bytes at the front; `false` when the headroom is used up.
    #[inline]
    pub fn push_front(&mut self, n: usize) -> bool {
        if n > self.head {
            return false;
        }
        self.head -= n;
        true
    }

    /// Drops `n` bytes from the front (decapsulation); `false` if the frame is shorter.
    #[inline]
    pub fn pull_front(&mut self, n: usize) -> bool {
        if n > self.len() {
            return false;
        }
        self.head += n;
        true
    }

    /// Shortens the frame to `len` bytes (drops Ethernet padding).
    #[inline]
    pub fn truncate(&mut self, len: usize) {
        self.tail = self.tail.min(self.head + len);
    }
}

impl std::fmt::Debug for PacketBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PacketBuf({} bytes)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headroom_and_bounds() {
        let mut b = PacketBuf::from_frame(&[1, 2, 3]);
        assert!(b.push_front(HEADROOM));
        assert!(!b.push_front(1));
        assert_eq!(b.len(), HEADROOM + 3);
        assert!(b.pull_front(HEADROOM));
        assert_eq!(b.frame(), &[1, 2, 3]);
        assert!(!b.pull_front(4));
        b.truncate(1);
        assert_eq!(b.frame(), &[1]);
    }
}
