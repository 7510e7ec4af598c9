//! The C ABI of `csrc/shim.cpp`: every `unsafe` call of the crate lives here.

pub(crate) const NP: usize = 2;
/// Session lookups' AXI read ports (`offload_top`'s `N_LOOKUPS`).
pub(crate) const NL: usize = 6;

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct In {
    pub rx_data: [[u32; 16]; NP],
    pub rx_keep: [u64; NP],
    pub rx_last: [u8; NP],
    pub rx_valid: [u8; NP],
    pub inj_data: [u32; 16],
    pub inj_keep: u64,
    pub inj_user: u64,
    pub inj_last: u8,
    pub inj_valid: u8,
    pub tx_ready: [u8; NP],
    pub punt_ready: u8,
    pub reg_wr: u8,
    pub reg_rd: u8,
    pub rst: u8,
    pub reg_addr: u16,
    pub reg_wdata: u32,
    // the memory's answers on the session AXI ports (its ready signals are always 1)
    pub sess_rdata: [[u32; 16]; NL],
    pub sess_rid: [u16; NL],
    pub sess_rvalid: [u8; NL],
    pub sess_rresp: [u8; NL],
    pub mgmt_rdata: [u32; 16],
    pub mgmt_rvalid: u8,
    pub mgmt_rresp: u8,
    pub mgmt_bvalid: u8,
    pub mgmt_bresp: u8,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct Out {
    pub tx_data: [[u32; 16]; NP],
    pub tx_keep: [u64; NP],
    pub tx_last: [u8; NP],
    pub tx_valid: [u8; NP],
    pub rx_ready: [u8; NP],
    pub inj_ready: u8,
    pub punt_last: u8,
    pub punt_data: [u32; 16],
    pub punt_keep: u64,
    pub punt_user: u64,
    pub punt_valid: u8,
    pub reg_rdata: u32,
    // the core's requests on the session AXI ports
    pub sess_araddr: [u64; NL],
    pub sess_arid: [u16; NL],
    pub sess_arvalid: [u8; NL],
    pub sess_rready: [u8; NL],
    pub mgmt_awaddr: u64,
    pub mgmt_araddr: u64,
    pub mgmt_wdata: [u32; 16],
    pub mgmt_awvalid: u8,
    pub mgmt_wvalid: u8,
    pub mgmt_arvalid: u8,
    pub mgmt_rready: u8,
    pub mgmt_bready: u8,
}

#[cfg(not(no_rtl_model))]
pub(crate) use verilated::Model;

#[cfg(not(no_rtl_model))]
mod verilated {
    use super::{In, Out};
    use std::ffi::c_void;
    extern "C" {
        fn offload_new() -> *mut c_void;
        fn offload_abi_sizes(in_size: *mut u64, out_size: *mut u64);
        fn offload_free(m: *mut c_void);
        fn offload_tick(m: *mut c_void, i: *const In, o: *mut Out);
        fn offload_waves_open(m: *mut c_void, path: *const std::ffi::c_char) -> i32;
        fn offload_coverage_write(m: *mut c_void, path: *const std::ffi::c_char) -> i32;
    }

    /// Owner of one Verilated model (each with its own `VerilatedContext`, so models in
    /// different threads are independent).
    pub(crate) struct Model(*mut c_void);

    // SAFETY: the model is only touched through `&mut self`; a Verilated model with its own
    // context may move between threads (it is never used from two at once).
    unsafe impl Send for Model {}

    impl Model {
        pub fn new() -> Option<Self> {
            let (mut i, mut o) = (0u64, 0u64);
            // SAFETY: the shim writes two u64 through valid pointers.
            unsafe { offload_abi_sizes(&mut i, &mut o) };
            assert_eq!(
                (i as usize, o as usize),
                (std::mem::size_of::<In>(), std::mem::size_of::<Out>()),
                "csrc/shim.cpp's offload_in/offload_out and sys.rs's In/Out differ"
            );
            // SAFETY: offload_new has no preconditions and returns an owned model.
            let p = unsafe { offload_new() };
            assert!(!p.is_null());
            Some(Model(p))
        }
        /// One clock: inputs applied, outputs sampled before the rising edge.
        pub fn tick(&mut self, i: &In, o: &mut Out) {
            // SAFETY: self.0 is a live model; i and o are valid for the call and repr(C)
            // mirrors of the shim's structs.
            unsafe { offload_tick(self.0, i, o) }
        }
        /// Starts an FST waveform at `path` (0; -1: not built with waves; -2: one is open
        /// already; -3: the file cannot be opened).
        pub fn waves_open(&mut self, path: &std::ffi::CStr) -> i32 {
            // SAFETY: self.0 is a live model; path is a valid C string for the call (the
            // shim copies it).
            unsafe { offload_waves_open(self.0, path.as_ptr()) }
        }
        /// Writes the coverage counted so far (0; -1: not built with coverage).
        pub fn coverage_write(&mut self, path: &std::ffi::CStr) -> i32 {
            // SAFETY: as above.
            unsafe { offload_coverage_write(self.0, path.as_ptr()) }
        }
    }

    impl Drop for Model {
        fn drop(&mut self) {
            // SAFETY: self.0 came from offload_new and is freed once.
            unsafe { offload_free(self.0) }
        }
    }
}

/// A build without Verilator: there is no model, and none can be made.
#[cfg(no_rtl_model)]
pub(crate) struct Model(std::convert::Infallible);

#[cfg(no_rtl_model)]
impl Model {
    pub fn new() -> Option<Self> {
        None
    }
    pub fn tick(&mut self, _i: &In, _o: &mut Out) {
        match self.0 {}
    }
    pub fn waves_open(&mut self, _path: &std::ffi::CStr) -> i32 {
        match self.0 {}
    }
    pub fn coverage_write(&mut self, _path: &std::ffi::CStr) -> i32 {
        match self.0 {}
    }
}
