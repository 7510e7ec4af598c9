//! What the software path did with a packet that the NIC's contract leaves to the host,
//! named by the contract's punt reasons: software's own account of why the NIC should
//! have punted that packet (the co-simulation compares it with the NIC's punt reason, and
//! checks that a packet the NIC decided alone needed none of it).
//!
//! The marks are set where the graph does the work, not inferred from the NIC:
//! a NAT session lookup that misses (`NatSessionMiss`), a SYN, FIN or RST on a NAT
//! session, or a TCP flag new to a reflexive ACL session (`TcpState`), a `permit+reflect`
//! rule creating a session (`AclSessionMiss`), learning or an unknown destination in a
//! bridge domain (`L2Miss`), a glean adjacency (`Glean`), `ip4-local` for anything but a
//! VXLAN tunnel's packets (`Local`), and the work outside the NIC (`Exception`): ICMP
//! errors and echo replies made by the node, IPv4 options, multicast, fragmentation,
//! ARP, ICMP errors and other protocols through NAT.

use offload_tables::reasons::PuntReason;

/// A set of punt reasons (bit `code` for each), and whether a session the packet looked
/// up had just expired.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct HostWork(u32);

/// Beyond every reason code.
const EXPIRED: u32 = 1 << 31;

impl HostWork {
    pub const NONE: HostWork = HostWork(0);

    /// The session the packet looked up was found expired — by this lookup or by the
    /// last expiry pass — and removed. The NIC holds such an entry until the driver's next
    /// aging pass (whose hit bits say only that an entry was used within the interval),
    /// and may use it meanwhile.
    pub fn set_expired_session(&mut self) {
        self.0 |= EXPIRED;
    }

    pub fn expired_session(self) -> bool {
        self.0 & EXPIRED != 0
    }

    #[inline]
    pub fn add(&mut self, r: PuntReason) {
        self.0 |= 1 << r.code();
    }

    #[inline]
    pub fn remove(&mut self, r: PuntReason) {
        self.0 &= !(1 << r.code());
    }

    #[inline]
    pub fn contains(self, r: PuntReason) -> bool {
        self.0 & (1 << r.code()) != 0
    }

    /// No punt reason (an expired session alone is none).
    pub fn is_empty(self) -> bool {
        self.0 & !EXPIRED == 0
    }

    pub fn reasons(self) -> impl Iterator<Item = PuntReason> {
        PuntReason::ALL.iter().copied().filter(move |&r| self.contains(r))
    }
}

impl std::fmt::Debug for HostWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_set();
        s.entries(self.reasons());
        if self.expired_session() {
            s.entry(&format_args!("expired session"));
        }
        s.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_of_reasons() {
        let mut w = HostWork::NONE;
        assert!(w.is_empty());
        w.add(PuntReason::TcpState);
        w.add(PuntReason::NatSessionMiss);
        assert!(w.contains(PuntReason::TcpState) && !w.contains(PuntReason::Local));
        assert_eq!(w.reasons().collect::<Vec<_>>(), [PuntReason::NatSessionMiss, PuntReason::TcpState]);
        w.remove(PuntReason::TcpState);
        assert_eq!(format!("{w:?}"), "{NatSessionMiss}");
        w.set_expired_session();
        assert!(w.expired_session() && w.contains(PuntReason::NatSessionMiss));
        assert_eq!(format!("{w:?}"), "{NatSessionMiss, expired session}");
        assert!(HostWork(EXPIRED).is_empty());
    }
}
