//! Every syscall `nicctl serve` makes that needs `unsafe`: TAP devices (`TUNSETIFF`),
//! AF_PACKET sockets with `TPACKET_V2` RX and TX rings (`PACKET_MMAP`), `poll`, and the
//! SIGTERM/SIGINT flag. The rest of `serve` is safe code over these types.
//!
//! Invariants this module keeps:
//! - a [`Tap`] or [`PacketRing`] owns its file descriptor (an [`OwnedFd`], closed on
//!   drop) and a `PacketRing` owns its mapping (unmapped on drop, before the fd closes);
//! - ring frames are addressed only as `base + i * FRAME_SIZE` with `i < FRAME_NR`, and
//!   every length or offset the kernel writes into a frame header is checked against
//!   `FRAME_SIZE` before it is used (the kernel is trusted not to be malicious, but a
//!   bad value must not become an out-of-bounds read);
//! - a frame's status word is read with acquire and written with release ordering,
//!   the handshake `packet_mmap.rst` describes; the frame's data is touched only while
//!   the status says user space owns it.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// Why an interface could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SysError {
    #[error("interface `{name}` does not exist in this network namespace")]
    Missing { name: String },
    #[error("interface `{name}` is already in use by another process")]
    Busy { name: String },
    #[error("interface `{name}` exists and is not a TAP device")]
    NotTap { name: String },
    #[error("interface name `{name}` is not a valid Linux interface name (1..=15 bytes, no `/` or spaces); map it with --host-if")]
    BadName { name: String },
    #[error("{what} `{name}`: {source}")]
    Os { what: &'static str, name: String, source: io::Error },
}

fn os<'a>(what: &'static str, name: &'a str) -> impl FnOnce(io::Error) -> SysError + 'a {
    move |source| SysError::Os { what, name: name.to_string(), source }
}

fn ifreq_name(name: &str) -> Result<[libc::c_char; libc::IFNAMSIZ], SysError> {
    if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains(['/', ' ', '\0']) {
        return Err(SysError::BadName { name: name.to_string() });
    }
    let mut out = [0 as libc::c_char; libc::IFNAMSIZ];
    for (o, b) in out.iter_mut().zip(name.bytes()) {
        *o = b as libc::c_char;
    }
    Ok(out)
}

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Claims `name` for this process in this network namespace: an abstract Unix socket
/// (per network namespace, gone when the process dies) bound to `nicctl-if-NAME`.
/// Fails with [`SysError::Busy`] when another `nicctl serve` holds it.
pub fn claim(name: &str) -> Result<std::os::unix::net::UnixListener, SysError> {
    use std::os::linux::net::SocketAddrExt;
    let addr =
        std::os::unix::net::SocketAddr::from_abstract_name(format!("nicctl-if-{name}")).map_err(os("claim", name))?;
    std::os::unix::net::UnixListener::bind_addr(&addr).map_err(|e| match e.kind() {
        io::ErrorKind::AddrInUse => SysError::Busy { name: name.to_string() },
        _ => SysError::Os { what: "claim", name: name.to_string(), source: e },
    })
}

/// A TAP device: the dataplane holds the file descriptor, the Linux side is a netdev
/// (which may live in another network namespace after `ip link set NAME netns NS`).
pub struct Tap {
    fd: OwnedFd,
}

impl Tap {
    /// Attaches to the TAP `name`, creating it if it does not exist (as VPP's `create
    /// tap` does). Non-blocking, no packet-information header, no virtio-net header.
    pub fn open(name: &str) -> Result<Tap, SysError> {
        let ifr_name = ifreq_name(name)?;
        let path = CString::new("/dev/net/tun").expect("no NUL");
        // SAFETY: `path` is a valid NUL-terminated string; `open` has no other
        // preconditions. The returned fd is checked and then owned by `OwnedFd`.
        let raw = cvt(unsafe { libc::open(path.as_ptr(), libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC) })
            .map_err(os("open /dev/net/tun for", name))?;
        // SAFETY: `raw` is a fresh, valid fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        #[repr(C)]
        struct IfReq {
            name: [libc::c_char; libc::IFNAMSIZ],
            flags: libc::c_short,
            _pad: [u8; 22],
        }
        let mut req =
            IfReq { name: ifr_name, flags: (libc::IFF_TAP | libc::IFF_NO_PI) as libc::c_short, _pad: [0; 22] };
        // SAFETY: TUNSETIFF reads and writes a `struct ifreq` (40 bytes: 16-byte name,
        // then the union whose first member is the flags short); `IfReq` has that layout
        // and size, and `req` outlives the call.
        let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TUNSETIFF as _, &mut req as *mut IfReq) };
        if r < 0 {
            let e = io::Error::last_os_error();
            return Err(match e.raw_os_error() {
                Some(libc::EBUSY) => SysError::Busy { name: name.to_string() },
                Some(libc::EINVAL) => SysError::NotTap { name: name.to_string() },
                _ => SysError::Os { what: "TUNSETIFF", name: name.to_string(), source: e },
            });
        }
        Ok(Tap { fd })
    }

    /// Reads one frame into `buf`; `Ok(None)` when nothing is pending.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the whole call.
        let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::WouldBlock { Ok(None) } else { Err(e) };
        }
        Ok(Some(n as usize))
    }

    /// Writes one frame; a full queue (or a pod end that is down) drops it.
    pub fn send(&self, frame: &[u8]) -> bool {
        // SAFETY: `frame` is valid for reads of `frame.len()` bytes for the whole call.
        let n = unsafe { libc::write(self.fd.as_raw_fd(), frame.as_ptr().cast(), frame.len()) };
        n == frame.len() as isize
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// Ring geometry: 2 KiB frames (a 1514-byte frame plus the 32-byte header and
/// `sockaddr_ll` fits), 64 KiB blocks, 512 frames per direction.
pub const FRAME_SIZE: usize = 2048;
const BLOCK_SIZE: usize = 1 << 16;
const FRAME_NR: usize = 512;
const BLOCK_NR: usize = FRAME_NR * FRAME_SIZE / BLOCK_SIZE;
/// `TPACKET_ALIGN(sizeof(struct tpacket2_hdr))`: where a TX frame's data starts.
const TX_DATA_OFFSET: usize = 32;
/// The `sockaddr_ll` after the header: `sll_pkttype` is its byte 10.
const SLL_PKTTYPE_OFFSET: usize = 32 + 10;
const PACKET_OUTGOING: u8 = 4;
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;
/// `enum tpacket_versions` in `<linux/if_packet.h>`.
const TPACKET_V2: libc::c_int = 1;

/// An AF_PACKET socket bound to one interface, with mmapped TPACKET_V2 RX and TX rings,
/// in promiscuous mode, ignoring its own transmissions.
pub struct PacketRing {
    /// Base of the RX ring, followed by the TX ring; unmapped in `Drop` (which runs
    /// before `fd` closes).
    map: *mut u8,
    map_len: usize,
    rx_next: usize,
    tx_next: usize,
    tx_pending: usize,
    /// Frames dropped because the kernel truncated them or marked them unchecksummed.
    pub rx_truncated: u64,
    pub rx_csum_not_ready: u64,
    fd: OwnedFd,
}

// SAFETY: the mapping is owned exclusively by this value (no aliases are handed out
// beyond a `&self`/`&mut self` borrow), so moving it to another thread is sound.
unsafe impl Send for PacketRing {}

#[repr(C)]
struct TpacketReq {
    block_size: u32,
    block_nr: u32,
    frame_size: u32,
    frame_nr: u32,
}

impl PacketRing {
    pub fn open(name: &str) -> Result<PacketRing, SysError> {
        let c_name = CString::new(name).map_err(|_| SysError::BadName { name: name.to_string() })?;
        ifreq_name(name)?;
        // SAFETY: `c_name` is a valid NUL-terminated string.
        let ifindex = unsafe { libc::if_nametoindex(c_name.as_ptr()) };
        if ifindex == 0 {
            return Err(SysError::Missing { name: name.to_string() });
        }
        let proto = (libc::ETH_P_ALL as u16).to_be();
        // SAFETY: plain socket creation; the result is checked and then owned.
        let raw = cvt(unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, proto.into()) })
            .map_err(os("AF_PACKET socket on", name))?;
        // SAFETY: `raw` is a fresh, valid fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let setopt = |level: libc::c_int, opt: libc::c_int, val: *const libc::c_void, len: usize| {
            // SAFETY: every caller passes a pointer to a live value of `len` bytes of the
            // type the option expects.
            cvt(unsafe { libc::setsockopt(fd.as_raw_fd(), level, opt, val, len as libc::socklen_t) })
        };
        let v2: libc::c_int = TPACKET_V2;
        setopt(libc::SOL_PACKET, libc::PACKET_VERSION, (&v2 as *const libc::c_int).cast(), 4)
            .map_err(os("PACKET_VERSION on", name))?;
        let one: libc::c_int = 1;
        // Best effort (Linux >= 4.20); outgoing frames are also filtered by pkttype.
        let _ = setopt(libc::SOL_PACKET, PACKET_IGNORE_OUTGOING, (&one as *const libc::c_int).cast(), 4);
        let req = TpacketReq {
            block_size: BLOCK_SIZE as u32,
            block_nr: BLOCK_NR as u32,
            frame_size: FRAME_SIZE as u32,
            frame_nr: FRAME_NR as u32,
        };
        let req_ptr = (&req as *const TpacketReq).cast();
        setopt(libc::SOL_PACKET, libc::PACKET_RX_RING, req_ptr, std::mem::size_of::<TpacketReq>())
            .map_err(os("PACKET_RX_RING on", name))?;
        setopt(libc::SOL_PACKET, libc::PACKET_TX_RING, req_ptr, std::mem::size_of::<TpacketReq>())
            .map_err(os("PACKET_TX_RING on", name))?;
        let map_len = 2 * FRAME_NR * FRAME_SIZE;
        // SAFETY: maps the RX ring followed by the TX ring that the two setsockopt calls
        // above sized to exactly `map_len` bytes; the result is checked for MAP_FAILED.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_LOCKED,
                fd.as_raw_fd(),
                0,
            )
        };
        let map = if map == libc::MAP_FAILED {
            // SAFETY: same as above, without MAP_LOCKED (RLIMIT_MEMLOCK may be small).
            let m = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    map_len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    fd.as_raw_fd(),
                    0,
                )
            };
            if m == libc::MAP_FAILED {
                return Err(SysError::Os {
                    what: "mmap ring of",
                    name: name.to_string(),
                    source: io::Error::last_os_error(),
                });
            }
            m
        } else {
            map
        };
        let ring = PacketRing {
            map: map.cast(),
            map_len,
            rx_next: 0,
            tx_next: 0,
            tx_pending: 0,
            rx_truncated: 0,
            rx_csum_not_ready: 0,
            fd,
        };
        // SAFETY: an all-zero sockaddr_ll is valid; the fields set below are plain data.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = proto;
        sll.sll_ifindex = ifindex as i32;
        // SAFETY: `sll` is a live sockaddr_ll and the length passed is its size.
        cvt(unsafe {
            libc::bind(
                ring.fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        })
        .map_err(os("bind AF_PACKET to", name))?;
        // SAFETY: an all-zero packet_mreq is valid; fields set below.
        let mut mr: libc::packet_mreq = unsafe { std::mem::zeroed() };
        mr.mr_ifindex = ifindex as i32;
        mr.mr_type = libc::PACKET_MR_PROMISC as u16;
        // SAFETY: `mr` is a live packet_mreq and the length passed is its size.
        cvt(unsafe {
            libc::setsockopt(
                ring.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_ADD_MEMBERSHIP,
                (&mr as *const libc::packet_mreq).cast(),
                std::mem::size_of::<libc::packet_mreq>() as libc::socklen_t,
            )
        })
        .map_err(os("promiscuous mode on", name))?;
        Ok(ring)
    }

    /// The status word of frame `i` of the RX (`tx == false`) or TX ring.
    fn status(&self, tx: bool, i: usize) -> &AtomicU32 {
        debug_assert!(i < FRAME_NR);
        let off = (usize::from(tx) * FRAME_NR + i) * FRAME_SIZE;
        // SAFETY: `off + 4 <= map_len` because `i < FRAME_NR`; frames are FRAME_SIZE
        // (page-multiple-aligned) apart, so the word is 4-byte aligned; the kernel and we
        // access it only atomically, so viewing it as an AtomicU32 is sound.
        unsafe { &*(self.map.add(off) as *const AtomicU32) }
    }

    /// Frame `i` of a ring as bytes. Only called while user space owns the frame.
    fn frame(&mut self, tx: bool, i: usize) -> &mut [u8] {
        let off = (usize::from(tx) * FRAME_NR + i) * FRAME_SIZE;
        // SAFETY: `[off, off + FRAME_SIZE)` lies inside the mapping (`i < FRAME_NR`); the
        // status handshake gives user space exclusive access to the frame until the
        // status is handed back, and `&mut self` prevents a second borrow.
        unsafe { std::slice::from_raw_parts_mut(self.map.add(off), FRAME_SIZE) }
    }

    /// Receives up to `max` frames, handing each to `f`. Returns how many were handed.
    pub fn recv_batch(&mut self, max: usize, mut f: impl FnMut(&[u8])) -> usize {
        let mut n = 0;
        while n < max {
            let i = self.rx_next;
            let st = self.status(false, i).load(Ordering::Acquire);
            if st & libc::TP_STATUS_USER == 0 {
                break;
            }
            let csum_not_ready = st & libc::TP_STATUS_CSUMNOTREADY != 0;
            let fr = self.frame(false, i);
            let word = |o: usize| u32::from_ne_bytes(fr[o..o + 4].try_into().expect("4 bytes"));
            let (len, snaplen) = (word(4) as usize, word(8) as usize);
            let mac = usize::from(u16::from_ne_bytes([fr[12], fr[13]]));
            let outgoing = fr[SLL_PKTTYPE_OFFSET] == PACKET_OUTGOING;
            if mac.checked_add(snaplen).is_some_and(|end| end <= FRAME_SIZE) && snaplen == len && !outgoing {
                if csum_not_ready {
                    self.rx_csum_not_ready += 1;
                }
                f(&self.frame(false, i)[mac..mac + snaplen]);
                n += 1;
            } else if !outgoing {
                self.rx_truncated += 1;
            }
            self.status(false, i).store(libc::TP_STATUS_KERNEL, Ordering::Release);
            self.rx_next = (i + 1) % FRAME_NR;
        }
        n
    }

    /// Queues one frame on the TX ring; `false` (dropped) when the ring is full or the
    /// frame does not fit. [`Self::flush`] sends what is queued.
    pub fn send(&mut self, data: &[u8]) -> bool {
        if data.len() > FRAME_SIZE - TX_DATA_OFFSET {
            return false;
        }
        let i = self.tx_next;
        if self.status(true, i).load(Ordering::Acquire) != libc::TP_STATUS_AVAILABLE {
            self.flush();
            return false;
        }
        let fr = self.frame(true, i);
        fr[4..8].copy_from_slice(&(data.len() as u32).to_ne_bytes());
        fr[8..12].copy_from_slice(&(data.len() as u32).to_ne_bytes());
        fr[TX_DATA_OFFSET..TX_DATA_OFFSET + data.len()].copy_from_slice(data);
        self.status(true, i).store(libc::TP_STATUS_SEND_REQUEST, Ordering::Release);
        self.tx_next = (i + 1) % FRAME_NR;
        self.tx_pending += 1;
        if self.tx_pending >= 64 {
            self.flush();
        }
        true
    }

    /// Asks the kernel to transmit every queued TX frame.
    pub fn flush(&mut self) {
        if self.tx_pending == 0 {
            return;
        }
        self.tx_pending = 0;
        // SAFETY: a zero-length send with a null buffer is the documented TX-ring kick.
        unsafe { libc::send(self.fd.as_raw_fd(), std::ptr::null(), 0, libc::MSG_DONTWAIT) };
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl Drop for PacketRing {
    fn drop(&mut self) {
        // SAFETY: `map`/`map_len` are the mapping created in `open`, unmapped only here;
        // no borrow of it can outlive `self`.
        unsafe { libc::munmap(self.map.cast(), self.map_len) };
    }
}

/// Waits until one of `fds` is readable or `timeout_ms` passes; fills `ready`.
pub fn poll_readable(fds: &mut Vec<libc::pollfd>, timeout_ms: i32) -> io::Result<usize> {
    // SAFETY: `fds` is a live slice of `fds.len()` pollfd structs.
    let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if r < 0 {
        let e = io::Error::last_os_error();
        return if e.kind() == io::ErrorKind::Interrupted { Ok(0) } else { Err(e) };
    }
    Ok(r as usize)
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// Installs SIGTERM/SIGINT handlers that set the flag [`stop_requested`] reads.
pub fn install_stop_handler() -> io::Result<()> {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        // SAFETY: an all-zero sigaction is valid; the handler only stores to an atomic
        // (async-signal-safe). No SA_RESTART, so `poll` returns EINTR promptly.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            cvt(libc::sigaction(sig, &sa, std::ptr::null_mut()))?;
        }
    }
    Ok(())
}

pub fn stop_requested() -> bool {
    STOP.load(Ordering::Relaxed)
}
