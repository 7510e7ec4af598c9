//! The `none` backend: no device, software-only mode. Every operation reports
//! [`Error::Unsupported`], so a caller that reaches for the device by mistake gets a
//! clear error instead of a panic or a silent no-op.

use std::time::Duration;

use crate::{Device, DmaBuffer, Error, Result};

/// No device.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoDevice;

fn unsupported<T>(op: &'static str) -> Result<T> {
    Err(Error::Unsupported { backend: "none", op })
}

impl Device for NoDevice {
    fn backend(&self) -> &'static str {
        "none"
    }
    fn bar0_len(&self) -> u64 {
        0
    }
    fn read32(&self, _offset: u32) -> Result<u32> {
        unsupported("register read")
    }
    fn write32(&self, _offset: u32, _value: u32) -> Result<()> {
        unsupported("register write")
    }
    fn alloc_dma(&self, _len: usize) -> Result<DmaBuffer> {
        unsupported("DMA allocation")
    }
    fn irq_vectors(&self) -> usize {
        0
    }
    fn wait_irq(&self, _vector: usize, _timeout: Duration) -> Result<u64> {
        unsupported("interrupt wait")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_unsupported() {
        let d = crate::open(&crate::DeviceSpec::None).unwrap();
        assert_eq!(d.backend(), "none");
        assert_eq!(d.bar0_len(), 0);
        assert!(matches!(d.read32(0), Err(Error::Unsupported { backend: "none", op: "register read" })));
        assert!(matches!(d.write32(0, 1), Err(Error::Unsupported { .. })));
        assert!(matches!(d.alloc_dma(4096), Err(Error::Unsupported { .. })));
        assert!(matches!(d.wait_irq(0, Duration::ZERO), Err(Error::Unsupported { .. })));
        assert_eq!(d.irq_vectors(), 0);
    }
}
