//! A driver for QEMU's `edu` teaching device (`docs/specs/edu.txt` in QEMU; vendor
//! 0x1234, device 0x11e8): the VFIO backend's test partner. It has what the NIC shell
//! will need from a host interface: BAR0 registers, a DMA engine that reads and writes
//! host memory through the IOMMU, and an MSI interrupt.
//!
//! Driven through [`Device`], so the same code runs against the VFIO backend in a VM
//! (`tests/vfio_vm.rs`) and against a [`crate::twin::TwinDevice`] in unit tests.

use std::time::Duration;

use crate::{poll32, Device, Error, Result};

/// PCI vendor id.
pub const VENDOR: u16 = 0x1234;
/// PCI device id.
pub const DEVICE: u16 = 0x11e8;
/// Bits of a DMA address the device uses (`dma_mask` property, default 28 bits).
pub const DMA_LIMIT: u64 = 1 << 28;
/// Size of the device's internal DMA buffer.
pub const BUF_LEN: u32 = 4096;
/// Largest DMA the model accepts (see [`Edu::dma`]).
pub const MAX_DMA: u32 = BUF_LEN - 1;
/// Device-side address of that buffer.
pub const BUF_ADDR: u32 = 0x40000;

/// Register offsets in BAR0.
pub mod reg {
    /// Identification: `0xRRrr00ed` (major, minor, 0xed).
    pub const ID: u32 = 0x00;
    /// Liveness check: reads back the bitwise inverse of what was written.
    pub const LIVENESS: u32 = 0x04;
    /// Factorial: write n, read n! once `STATUS` bit 0 clears.
    pub const FACTORIAL: u32 = 0x08;
    /// Status: bit 0 computing, bit 7 raise an interrupt when the factorial is done.
    pub const STATUS: u32 = 0x20;
    /// Interrupt status (RO).
    pub const IRQ_STATUS: u32 = 0x24;
    /// Interrupt raise (WO): ORs the value into `IRQ_STATUS`.
    pub const IRQ_RAISE: u32 = 0x60;
    /// Interrupt acknowledge (WO): clears the written bits of `IRQ_STATUS`.
    pub const IRQ_ACK: u32 = 0x64;
    /// DMA source address.
    pub const DMA_SRC: u32 = 0x80;
    /// DMA destination address.
    pub const DMA_DST: u32 = 0x88;
    /// DMA byte count.
    pub const DMA_CNT: u32 = 0x90;
    /// DMA command: bit 0 start (clears when done), bit 1 direction, bit 2 interrupt.
    pub const DMA_CMD: u32 = 0x98;
}

/// `STATUS` bits.
pub const STATUS_COMPUTING: u32 = 0x01;
/// `STATUS` bit: interrupt on factorial completion.
pub const STATUS_IRQ_FACT: u32 = 0x80;
/// `IRQ_STATUS` bit of a factorial completion.
pub const IRQ_FACT: u32 = 0x001;
/// `IRQ_STATUS` bit of a DMA completion.
pub const IRQ_DMA: u32 = 0x100;
/// `DMA_CMD` bits.
pub const CMD_START: u32 = 0x1;
/// `DMA_CMD`: direction edu buffer → host memory (clear: host memory → edu buffer).
pub const CMD_TO_HOST: u32 = 0x2;
/// `DMA_CMD`: raise `IRQ_DMA` when done.
pub const CMD_IRQ: u32 = 0x4;

/// Direction of an edu DMA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Host memory (IOVA) → the device's buffer.
    ToDevice,
    /// The device's buffer → host memory (IOVA).
    ToHost,
}

/// How a wait for completion is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    /// Poll the busy bit.
    Poll,
    /// Wait for the MSI on vector 0, then check the busy bit.
    Interrupt,
}

/// An edu device behind some [`Device`].
pub struct Edu<'a> {
    dev: &'a dyn Device,
}

const POLL_EVERY: Duration = Duration::from_millis(1);

impl<'a> Edu<'a> {
    /// Checks the identification register.
    pub fn new(dev: &'a dyn Device) -> Result<Self> {
        let id = dev.read32(reg::ID)?;
        if id & 0xffff != 0x00ed {
            return Err(Error::DeviceValueOutOfRange { what: "edu identification", value: id.into(), limit: 0 });
        }
        Ok(Self { dev })
    }

    /// Writes `v` to the liveness register and checks that `!v` comes back.
    pub fn liveness(&self, v: u32) -> Result<()> {
        self.dev.write32(reg::LIVENESS, v)?;
        let got = self.dev.read32(reg::LIVENESS)?;
        if got != !v {
            return Err(Error::DeviceValueOutOfRange { what: "edu liveness echo", value: got.into(), limit: 0 });
        }
        Ok(())
    }

    fn drain_irq(&self) {
        // A stale count from an earlier interrupt must not satisfy the next wait.
        let _ = self.dev.wait_irq(0, Duration::ZERO);
    }

    fn ack(&self, bit: u32, what: &'static str) -> Result<()> {
        let st = self.dev.read32(reg::IRQ_STATUS)?;
        if st & bit == 0 {
            return Err(Error::DeviceValueOutOfRange { what, value: st.into(), limit: 0 });
        }
        self.dev.write32(reg::IRQ_ACK, st)
    }

    /// Computes `n!` on the device (modulo 2^32), completing as asked.
    pub fn factorial(&self, n: u32, how: Completion, timeout: Duration) -> Result<u32> {
        poll32(self.dev, reg::STATUS, STATUS_COMPUTING, 0, POLL_EVERY, timeout, "edu idle")?;
        self.drain_irq();
        self.dev.write32(reg::STATUS, if how == Completion::Interrupt { STATUS_IRQ_FACT } else { 0 })?;
        self.dev.write32(reg::FACTORIAL, n)?;
        if how == Completion::Interrupt {
            self.dev.wait_irq(0, timeout)?;
            self.ack(IRQ_FACT, "edu interrupt status after factorial")?;
        }
        poll32(self.dev, reg::STATUS, STATUS_COMPUTING, 0, POLL_EVERY, timeout, "edu factorial")?;
        self.dev.read32(reg::FACTORIAL)
    }

    /// Moves `len` bytes between host memory at `iova` and the device buffer at `offset`.
    ///
    /// The device buffer range is checked here: QEMU's model aborts the whole VM on an
    /// out-of-range DMA, so the driver must never ask for one. QEMU 7.2's range check
    /// also refuses a DMA that ends exactly at the end of the buffer (it wants
    /// `offset + len < 4096`), so at most [`MAX_DMA`] bytes move at offset 0.
    pub fn dma(&self, dir: Dir, iova: u64, offset: u32, len: u32, how: Completion, timeout: Duration) -> Result<()> {
        if offset.checked_add(len).is_none_or(|end| end >= BUF_LEN) {
            return Err(Error::DmaOutOfBounds { offset: offset as usize, len: len as usize, size: BUF_LEN as usize });
        }
        let iova = u32::try_from(iova)
            .ok()
            .filter(|&a| u64::from(a) + u64::from(len) <= DMA_LIMIT)
            .ok_or(Error::IovaExhausted { len: len as usize, limit: DMA_LIMIT })?;
        poll32(self.dev, reg::DMA_CMD, CMD_START, 0, POLL_EVERY, timeout, "edu DMA idle")?;
        self.drain_irq();
        let (src, dst, dir_bit) = match dir {
            Dir::ToDevice => (iova, BUF_ADDR + offset, 0),
            Dir::ToHost => (BUF_ADDR + offset, iova, CMD_TO_HOST),
        };
        self.dev.write32(reg::DMA_SRC, src)?;
        self.dev.write32(reg::DMA_DST, dst)?;
        self.dev.write32(reg::DMA_CNT, len)?;
        let irq = if how == Completion::Interrupt { CMD_IRQ } else { 0 };
        self.dev.write32(reg::DMA_CMD, CMD_START | dir_bit | irq)?;
        if how == Completion::Interrupt {
            self.dev.wait_irq(0, timeout)?;
            self.ack(IRQ_DMA, "edu interrupt status after DMA")?;
        }
        poll32(self.dev, reg::DMA_CMD, CMD_START, 0, POLL_EVERY, timeout, "edu DMA")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twin::{TwinDevice, TwinState};

    /// A twin with edu's register behaviour (DMA and factorial complete at once).
    fn twin_edu() -> TwinDevice {
        let mut buf = vec![0u8; BUF_LEN as usize];
        let r = |st: &TwinState, off: u32| st.regs[off as usize / 4];
        TwinDevice::new(1 << 20, 1).with_behaviour(move |st, off, v| match off {
            reg::LIVENESS => st.regs[1] = !v,
            reg::FACTORIAL => {
                st.regs[2] = (1..=v).fold(1u32, |a, b| a.wrapping_mul(b));
                if r(st, reg::STATUS) & STATUS_IRQ_FACT != 0 {
                    st.regs[reg::IRQ_STATUS as usize / 4] |= IRQ_FACT;
                    st.raise(0);
                }
            }
            reg::IRQ_ACK => st.regs[reg::IRQ_STATUS as usize / 4] &= !v,
            reg::DMA_CMD if v & CMD_START != 0 => {
                let (src, dst, n) = (r(st, reg::DMA_SRC), r(st, reg::DMA_DST), r(st, reg::DMA_CNT) as usize);
                let _ = if v & CMD_TO_HOST != 0 {
                    let o = (src - BUF_ADDR) as usize;
                    st.dma_write(dst.into(), &buf[o..o + n])
                } else {
                    let o = (dst - BUF_ADDR) as usize;
                    st.dma_read(src.into(), &mut buf[o..o + n])
                };
                st.regs[reg::DMA_CMD as usize / 4] &= !CMD_START;
                if v & CMD_IRQ != 0 {
                    st.regs[reg::IRQ_STATUS as usize / 4] |= IRQ_DMA;
                    st.raise(0);
                }
            }
            _ => {}
        })
    }

    const T: Duration = Duration::from_millis(200);

    #[test]
    fn identifies_and_computes() {
        let t = twin_edu();
        t.write32(reg::ID, 0x0100_00ed).unwrap();
        let edu = Edu::new(&t).unwrap();
        edu.liveness(0x1234_5678).unwrap();
        assert_eq!(edu.factorial(10, Completion::Poll, T).unwrap(), 3_628_800);
        assert_eq!(edu.factorial(12, Completion::Interrupt, T).unwrap(), 479_001_600);
        assert_eq!(t.read32(reg::IRQ_STATUS).unwrap(), 0, "acknowledged");
    }

    #[test]
    fn refuses_a_stranger() {
        let t = TwinDevice::new(4096, 1);
        t.write32(reg::ID, 0xdead_beef).unwrap();
        assert!(matches!(Edu::new(&t), Err(Error::DeviceValueOutOfRange { what: "edu identification", .. })));
    }

    #[test]
    fn dma_round_trip_and_fault() {
        let t = twin_edu();
        t.write32(reg::ID, 0xed).unwrap();
        let edu = Edu::new(&t).unwrap();
        let a = t.alloc_dma(4096).unwrap();
        let b = t.alloc_dma(4096).unwrap();
        let pattern: Vec<u8> = (0..256u32).map(|i| (i * 7 + 3) as u8).collect();
        a.write(0, &pattern).unwrap();
        edu.dma(Dir::ToDevice, a.iova(), 0, 256, Completion::Interrupt, T).unwrap();
        edu.dma(Dir::ToHost, b.iova() + 100, 0, 256, Completion::Poll, T).unwrap();
        let mut got = vec![0; 256];
        b.read(100, &mut got).unwrap();
        assert_eq!(got, pattern);
        let stale = a.iova();
        drop(a);
        edu.dma(Dir::ToDevice, stale, 0, 256, Completion::Poll, T).unwrap();
        assert_eq!(t.with_state(|st| st.dma_faults), 1);
    }

    #[test]
    fn bad_requests_never_reach_the_device() {
        let t = twin_edu();
        t.write32(reg::ID, 0xed).unwrap();
        let edu = Edu::new(&t).unwrap();
        assert!(matches!(
            edu.dma(Dir::ToHost, 0x1000, 4000, 100, Completion::Poll, T),
            Err(Error::DmaOutOfBounds { .. })
        ));
        for (off, len) in [(0, BUF_LEN), (1, MAX_DMA), (u32::MAX, 2)] {
            let r = edu.dma(Dir::ToHost, 0x1000, off, len, Completion::Poll, T);
            assert!(matches!(r, Err(Error::DmaOutOfBounds { .. })), "{off} {len}");
        }
        assert!(matches!(edu.dma(Dir::ToHost, DMA_LIMIT, 0, 4, Completion::Poll, T), Err(Error::IovaExhausted { .. })));
        assert_eq!(t.read32(reg::DMA_CMD).unwrap(), 0);
    }

    #[test]
    fn a_device_that_never_finishes_times_out() {
        let t = TwinDevice::new(1 << 20, 1);
        t.write32(reg::ID, 0xed).unwrap();
        let edu = Edu::new(&t).unwrap();
        // No behaviour: the start bit stays set, no interrupt comes.
        let e = edu.dma(Dir::ToHost, 0x1000, 0, 4, Completion::Interrupt, Duration::from_millis(20)).unwrap_err();
        assert!(matches!(e, Error::Timeout { what: "interrupt", .. }), "{e}");
        let e = edu.dma(Dir::ToHost, 0x1000, 0, 4, Completion::Poll, Duration::from_millis(20)).unwrap_err();
        assert!(matches!(e, Error::Timeout { what: "edu DMA idle", .. }), "{e}");
    }
}
