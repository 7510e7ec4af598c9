//! A test twin of a device: an in-memory BAR0 register window, DMA buffers reachable
//! through a simulated IOMMU, and interrupts through real eventfds, so that code written
//! against [`Device`] runs in unit tests without hardware.
//!
//! A behaviour closure gives the twin a personality: it sees every register write
//! (after the window has stored the value) and may change registers, move data by "DMA"
//! ([`TwinState::dma_read`] / [`TwinState::dma_write`], which fail for an IOVA that is
//! not mapped, like an IOMMU) and raise interrupts ([`TwinState::raise`]).

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use crate::sys::{DmaMem, EventFd};
use crate::{check_reg, Device, DmaBuffer, Error, Result};

/// What a behaviour closure can touch.
pub struct TwinState {
    /// The register words, BAR0 offset / 4.
    pub regs: Vec<u32>,
    /// DMA accesses that hit no mapping (what an IOMMU would report as faults).
    pub dma_faults: u64,
    buffers: Vec<(u64, Weak<DmaMem>)>,
    irqs: Arc<[EventFd]>,
}

type Behaviour = Box<dyn FnMut(&mut TwinState, u32, u32) + Send>;

/// The twin device. See the module docs.
pub struct TwinDevice {
    state: Mutex<TwinState>,
    behaviour: Mutex<Option<Behaviour>>,
    irqs: Arc<[EventFd]>,
    next_iova: Mutex<u64>,
}

impl std::fmt::Debug for TwinDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwinDevice").field("bar0_len", &self.bar0_len()).finish()
    }
}

/// First IOVA the twin hands out (non-zero, so a zero address in a descriptor is a bug).
pub const TWIN_IOVA_BASE: u64 = 0x10_0000;

impl TwinDevice {
    /// A twin with a BAR0 of `bar0_len` bytes (rounded down to whole words), all zero,
    /// and `vectors` interrupt vectors.
    pub fn new(bar0_len: usize, vectors: usize) -> Self {
        let irqs: Arc<[EventFd]> =
            (0..vectors).map(|_| EventFd::new().expect("eventfd for a twin interrupt")).collect::<Vec<_>>().into();
        Self {
            state: Mutex::new(TwinState {
                regs: vec![0; bar0_len / 4],
                dma_faults: 0,
                buffers: Vec::new(),
                irqs: irqs.clone(),
            }),
            behaviour: Mutex::new(None),
            irqs,
            next_iova: Mutex::new(TWIN_IOVA_BASE),
        }
    }

    /// Sets the behaviour run after every register write: `f(state, offset, value)`.
    pub fn with_behaviour(self, f: impl FnMut(&mut TwinState, u32, u32) + Send + 'static) -> Self {
        *lock(&self.behaviour) = Some(Box::new(f));
        self
    }

    /// Runs `f` on the state (to preset registers or inspect them).
    pub fn with_state<R>(&self, f: impl FnOnce(&mut TwinState) -> R) -> R {
        f(&mut lock(&self.state))
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking behaviour in one test must not hide the state from the assertion.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TwinState {
    fn find(&self, iova: u64, len: usize) -> Option<(Arc<DmaMem>, usize)> {
        self.buffers.iter().find_map(|(base, mem)| {
            let mem = mem.upgrade()?;
            let off = usize::try_from(iova.checked_sub(*base)?).ok()?;
            (off.checked_add(len)? <= mem.len()).then_some((mem, off))
        })
    }

    /// Device reads host memory at `iova`; an unmapped range counts a fault.
    pub fn dma_read(&mut self, iova: u64, buf: &mut [u8]) -> Result<()> {
        match self.find(iova, buf.len()) {
            Some((mem, off)) => {
                mem.read(off, buf).expect("range checked by find");
                Ok(())
            }
            None => self.fault(iova, buf.len()),
        }
    }

    /// Device writes host memory at `iova`; an unmapped range counts a fault.
    pub fn dma_write(&mut self, iova: u64, data: &[u8]) -> Result<()> {
        match self.find(iova, data.len()) {
            Some((mem, off)) => {
                mem.write(off, data).expect("range checked by find");
                Ok(())
            }
            None => self.fault(iova, data.len()),
        }
    }

    fn fault(&mut self, iova: u64, len: usize) -> Result<()> {
        self.dma_faults += 1;
        Err(Error::DeviceValueOutOfRange { what: "unmapped DMA address", value: iova, limit: len as u64 })
    }

    /// Raises interrupt `vector` (ignored if it does not exist, like a masked vector).
    pub fn raise(&self, vector: usize) {
        if let Some(e) = self.irqs.get(vector) {
            e.signal(1).expect("eventfd write");
        }
    }
}

impl Device for TwinDevice {
    fn backend(&self) -> &'static str {
        "twin"
    }

    fn bar0_len(&self) -> u64 {
        lock(&self.state).regs.len() as u64 * 4
    }

    fn read32(&self, offset: u32) -> Result<u32> {
        let st = lock(&self.state);
        check_reg(0, offset.into(), st.regs.len() as u64 * 4)?;
        Ok(st.regs[offset as usize / 4])
    }

    fn write32(&self, offset: u32, value: u32) -> Result<()> {
        let mut st = lock(&self.state);
        check_reg(0, offset.into(), st.regs.len() as u64 * 4)?;
        st.regs[offset as usize / 4] = value;
        if let Some(b) = lock(&self.behaviour).as_mut() {
            b(&mut st, offset, value);
        }
        Ok(())
    }

    fn alloc_dma(&self, len: usize) -> Result<DmaBuffer> {
        let mem = Arc::new(DmaMem::new(len).map_err(|source| Error::Io { op: "mmap", bdf: "twin".into(), source })?);
        let mut next = lock(&self.next_iova);
        let iova = *next;
        // Leave a one-page hole after each buffer so overruns hit no mapping.
        *next += mem.len() as u64 + 4096;
        let mut st = lock(&self.state);
        st.buffers.retain(|(_, m)| m.strong_count() > 0);
        st.buffers.push((iova, Arc::downgrade(&mem)));
        Ok(DmaBuffer::new(mem, iova, None))
    }

    fn irq_vectors(&self) -> usize {
        self.irqs.len()
    }

    fn wait_irq(&self, vector: usize, timeout: Duration) -> Result<u64> {
        crate::wait_irq_eventfd(&self.irqs, vector, timeout, "twin")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{clear_flags32, poll32, set_flags32};

    #[test]
    fn registers_are_bounds_checked() {
        let t = TwinDevice::new(0x100, 0);
        t.write32(0xfc, 7).unwrap();
        assert_eq!(t.read32(0xfc).unwrap(), 7);
        assert!(matches!(t.read32(0x100), Err(Error::RegisterOutOfBounds { bar: 0, offset: 0x100, len: 0x100 })));
        assert!(matches!(t.write32(0x102, 0), Err(Error::RegisterOutOfBounds { .. })));
        assert!(matches!(t.read32(u32::MAX), Err(Error::RegisterOutOfBounds { .. })));
        set_flags32(&t, 0x10, 0b101).unwrap();
        clear_flags32(&t, 0x10, 0b001).unwrap();
        assert_eq!(t.read32(0x10).unwrap(), 0b100);
    }

    #[test]
    fn polls_end_in_a_timeout() {
        let t = TwinDevice::new(0x100, 0);
        let e = poll32(&t, 0x20, 1, 1, Duration::from_millis(1), Duration::from_millis(20), "ready").unwrap_err();
        assert!(matches!(e, Error::Timeout { what: "ready", .. }));
        t.write32(0x20, 3).unwrap();
        assert_eq!(poll32(&t, 0x20, 1, 1, Duration::ZERO, Duration::ZERO, "ready").unwrap(), 3);
    }

    #[test]
    fn interrupts_count_and_time_out() {
        let t = TwinDevice::new(0x100, 2).with_behaviour(|st, off, v| {
            if off == 0x60 {
                st.raise(v as usize);
            }
        });
        assert_eq!(t.irq_vectors(), 2);
        t.write32(0x60, 1).unwrap();
        t.write32(0x60, 1).unwrap();
        assert_eq!(t.wait_irq(1, Duration::from_secs(1)).unwrap(), 2);
        assert!(matches!(t.wait_irq(0, Duration::from_millis(5)), Err(Error::Timeout { .. })));
        assert!(matches!(t.wait_irq(2, Duration::ZERO), Err(Error::NoSuchVector { vector: 2, enabled: 2 })));
    }

    #[test]
    fn dma_reaches_mapped_buffers_only() {
        let t = TwinDevice::new(0x100, 0);
        let b = t.alloc_dma(100).unwrap();
        assert_eq!(b.len(), 4096);
        assert_eq!(b.iova(), TWIN_IOVA_BASE);
        b.write(10, b"hello").unwrap();
        assert!(matches!(b.write(4095, b"xy"), Err(Error::DmaOutOfBounds { offset: 4095, len: 2, size: 4096 })));
        let iova = b.iova();
        t.with_state(|st| {
            let mut got = [0; 5];
            st.dma_read(iova + 10, &mut got).unwrap();
            assert_eq!(&got, b"hello");
            st.dma_write(iova + 4094, b"ok").unwrap();
            assert!(st.dma_write(iova + 4095, b"no").is_err(), "overrun into the hole");
        });
        let mut got = [0; 2];
        b.read(4094, &mut got).unwrap();
        assert_eq!(&got, b"ok");
        drop(b);
        t.with_state(|st| {
            assert!(st.dma_read(iova, &mut [0; 4]).is_err(), "freed buffer is unmapped");
            assert_eq!(st.dma_faults, 2);
        });
    }
}
