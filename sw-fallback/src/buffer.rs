//! Packet buffers with headroom, so VXLAN encapsulation prepends its 50 bytes in place,
//! and the pool they come from.
//!
//! Every edge that receives frames (pcap reader, AF_PACKET rings, TAPs, the driver's
//! punt ring) takes its buffers from a [`BufferPool`] and copies each frame in once; a
//! buffer goes back to its pool when it is dropped, wherever that happens (transmitted,
//! dropped by a node, held and released by glean), so the steady state allocates
//! nothing (ixy.rs `memory.rs` does the same with its mempools). A buffer made without a
//! pool ([`PacketBuf::from_frame`]) is simply freed: that is for tests and one-offs.

use std::sync::{Arc, Mutex, MutexGuard};

/// Room in front of a received frame for encapsulation headers.
pub const HEADROOM: usize = 128;
/// Largest frame a buffer holds (jumbo MTU plus L2).
pub const MAX_FRAME: usize = 9216;
/// Bytes of one buffer.
const BUF_BYTES: usize = HEADROOM + MAX_FRAME;

/// One packet: the frame is `data[head..tail]`.
pub struct PacketBuf {
    data: Box<[u8]>,
    head: usize,
    tail: usize,
    /// Where `data` goes back to on drop.
    pool: Option<BufferPool>,
}

impl PacketBuf {
    /// A buffer outside any pool holding a copy of `frame` (truncated to [`MAX_FRAME`]).
    pub fn from_frame(frame: &[u8]) -> Self {
        let mut b =
            PacketBuf { data: vec![0; BUF_BYTES].into_boxed_slice(), head: HEADROOM, tail: HEADROOM, pool: None };
        b.set_frame(frame);
        b
    }

    /// Replaces the contents with `frame` (truncated to [`MAX_FRAME`]), reusing the memory.
    pub fn set_frame(&mut self, frame: &[u8]) {
        let n = frame.len().min(MAX_FRAME);
        self.head = HEADROOM;
        self.tail = HEADROOM + n;
        self.data[HEADROOM..HEADROOM + n].copy_from_slice(&frame[..n]);
    }

    /// Fills the frame from `fill`, which writes up to [`MAX_FRAME`] bytes into the slice
    /// it is given and returns how many: a device ring or a socket copies straight into
    /// the buffer, with no intermediate copy.
    pub fn fill_with<E>(&mut self, fill: impl FnOnce(&mut [u8]) -> Result<usize, E>) -> Result<(), E> {
        self.head = HEADROOM;
        let n = fill(&mut self.data[HEADROOM..])?.min(MAX_FRAME);
        self.tail = HEADROOM + n;
        Ok(())
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

    /// Grows the frame by `n` bytes at the end (zeroed); `false` past [`MAX_FRAME`].
    #[inline]
    pub fn push_back(&mut self, n: usize) -> bool {
        if self.tail + n > self.data.len() {
            return false;
        }
        self.data[self.tail..self.tail + n].fill(0);
        self.tail += n;
        true
    }

    /// Shortens the frame to `len` bytes.
    #[inline]
    pub fn truncate(&mut self, len: usize) {
        self.tail = self.tail.min(self.head + len);
    }
}

impl Clone for PacketBuf {
    /// A copy from the same pool (flooding makes one per bridge member).
    fn clone(&self) -> Self {
        let mut b = match &self.pool {
            Some(p) => p.get(),
            None => PacketBuf { data: vec![0; BUF_BYTES].into_boxed_slice(), head: 0, tail: 0, pool: None },
        };
        b.data[self.head..self.tail].copy_from_slice(self.frame());
        (b.head, b.tail) = (self.head, self.tail);
        b
    }
}

impl Drop for PacketBuf {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            pool.put(std::mem::take(&mut self.data));
        }
    }
}

impl std::fmt::Debug for PacketBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PacketBuf({} bytes)", self.len())
    }
}

/// A pool of packet buffers: cheap to clone (clones share the buffers), safe to use from
/// several threads. It grows on demand and keeps at most `keep` free buffers.
#[derive(Clone)]
pub struct BufferPool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    free: Mutex<Vec<Box<[u8]>>>,
    keep: usize,
}

impl BufferPool {
    /// A pool with `prefill` buffers ready, keeping at most `keep` free.
    pub fn new(prefill: usize, keep: usize) -> Self {
        let free = (0..prefill.min(keep)).map(|_| vec![0u8; BUF_BYTES].into_boxed_slice()).collect();
        BufferPool { inner: Arc::new(PoolInner { free: Mutex::new(free), keep }) }
    }

    fn free(&self) -> MutexGuard<'_, Vec<Box<[u8]>>> {
        // A panic elsewhere while holding the lock leaves a valid Vec: keep going.
        self.inner.free.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An empty buffer (its frame is empty, with the full headroom in front).
    pub fn get(&self) -> PacketBuf {
        let data = self.free().pop().unwrap_or_else(|| vec![0u8; BUF_BYTES].into_boxed_slice());
        PacketBuf { data, head: HEADROOM, tail: HEADROOM, pool: Some(self.clone()) }
    }

    /// A buffer holding a copy of `frame`.
    pub fn frame(&self, frame: &[u8]) -> PacketBuf {
        let mut b = self.get();
        b.set_frame(frame);
        b
    }

    /// Free buffers now.
    pub fn available(&self) -> usize {
        self.free().len()
    }

    fn put(&self, data: Box<[u8]>) {
        let mut free = self.free();
        if free.len() < self.inner.keep && data.len() == BUF_BYTES {
            free.push(data);
        }
    }
}

impl Default for BufferPool {
    /// 256 buffers ready (a frame of packets), up to 4096 kept (≈ 38 MB).
    fn default() -> Self {
        BufferPool::new(256, 4096)
    }
}

impl std::fmt::Debug for BufferPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BufferPool({} free)", self.available())
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
        assert!(b.push_back(2));
        assert_eq!(b.frame(), &[1, 0, 0]);
        assert!(!b.push_back(MAX_FRAME));
    }

    #[test]
    fn buffers_go_back_to_their_pool() {
        let pool = BufferPool::new(2, 3);
        assert_eq!(pool.available(), 2);
        let a = pool.frame(&[7; 60]);
        let b = a.clone();
        assert_eq!(pool.available(), 0);
        assert_eq!(b.frame(), a.frame());
        let c = pool.get();
        drop((a, b, c));
        assert_eq!(pool.available(), 3, "every buffer came back");
        let extra: Vec<_> = (0..5).map(|_| pool.get()).collect();
        drop(extra);
        assert_eq!(pool.available(), 3, "at most `keep` are kept");
    }

    #[test]
    fn fill_with_writes_in_place() {
        let pool = BufferPool::new(1, 1);
        let mut b = pool.get();
        b.fill_with(|s| {
            s[..4].copy_from_slice(&[1, 2, 3, 4]);
            Ok::<_, ()>(4)
        })
        .unwrap();
        assert_eq!(b.frame(), &[1, 2, 3, 4]);
    }
}
