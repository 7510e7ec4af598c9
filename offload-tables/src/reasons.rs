//! Drop and punt reasons: one list generates the enum, its counter names and its codes,
//! shared by the software path's counters, the RTL's per-reason counters and the punt
//! metadata.

macro_rules! reasons {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $code:literal, $text:literal;)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum $name { $($(#[$vm])* $var = $code,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var,)*];
            pub const COUNT: usize = [$($code,)*].len();
            /// VPP-style counter text.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $text,)* }
            }
            pub fn code(self) -> u8 { self as u8 }
            pub fn from_code(code: u8) -> Option<Self> {
                match code { $($code => Some($name::$var),)* _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

reasons! {
    /// Why a packet was dropped. Codes are dense from 0 so they index counter arrays.
    DropReason {
        Truncated = 0, "truncated packet";
        NotIp4 = 1, "unsupported ethertype";
        BadIpVersion = 2, "ip4 version != 4";
        BadIhl = 3, "ip4 header length < 20";
        BadTotalLength = 4, "ip4 length mismatch";
        BadIpChecksum = 5, "ip4 bad checksum";
        TtlExpired = 6, "ip4 ttl <= 1";
        BadL4Header = 7, "l4 header truncated or malformed";
        Fragment = 8, "ip4 non-first fragment needs reassembly";
        AclDeny = 9, "acl deny";
        AclNoMatch = 10, "acl no rule matched";
        AclSessionsFull = 11, "acl session table full";
        NatNoTranslation = 12, "nat44 no translation";
        NatMaxSessions = 13, "nat44 maximum sessions exceeded";
        NatOutOfPorts = 14, "nat44 out of ports";
        NoRoute = 15, "ip4 no route";
        Glean = 16, "ip4 glean: neighbor unknown";
        InterfaceDown = 17, "interface down";
        UnknownInterface = 18, "unknown ingress interface";
        L2NoOutput = 19, "l2 no output (flood disabled or no members)";
        VxlanNoTunnel = 20, "vxlan no such tunnel";
        BadVxlanFlags = 21, "vxlan flags invalid";
        LocalNoListener = 22, "ip4-local no listener";
        MtuExceeded = 23, "ip4 mtu exceeded";
        BadL4Checksum = 24, "l4 bad checksum";
        ArpMalformed = 25, "arp malformed or not ethernet/ip4";
        ArpNotLocal = 26, "arp target address not local";
        Ip4Options = 27, "ip4 options present";
        FragmentOffsetOne = 28, "ip4 fragment offset == 1";
        DropRoute = 29, "ip4 drop route (special, network or broadcast address)";
        RpfFailure = 30, "ip4 multicast RPF check failed";
        UnknownProtocol = 31, "ip4-local unknown ip protocol";
        SourceLookupMiss = 32, "ip4 source lookup miss";
        SpoofedLocal = 33, "ip4 spoofed local-address packet";
        IcmpErrorNoSource = 34, "icmp error: interface has no ip4 address";
        NatNonSyn = 35, "nat44 non-SYN packet try to create session";
        NatBadIcmpType = 36, "nat44 unsupported ICMP type";
        NatTranslationFailed = 37, "nat44 couldn't translate packet";
        BviMacMismatch = 38, "BVI L3 mac mismatch";
        L2MacMove = 39, "L2 mac move violations";
    }
}

reasons! {
    /// Why the NIC sent a packet to the host instead of forwarding it.
    PuntReason {
        /// No NAT session: the slow path must create one.
        NatSessionMiss = 1, "nat44 session miss";
        /// An ACL permit+reflect rule matched and no session exists yet.
        AclSessionMiss = 2, "acl reflect session miss";
        /// Source MAC to learn or destination unknown in the bridge domain.
        L2Miss = 3, "l2 fib miss";
        /// Next hop without a resolved neighbor.
        Glean = 4, "ip4 glean";
        /// Addressed to the node and not VXLAN.
        Local = 5, "ip4 local";
        /// Anything outside what the NIC does (IP options, fragments, ...).
        Exception = 6, "exception";
        /// Not a miss: the NIC forwarded the frame, fully rewritten, to a host interface
        /// (a pod's TAP); `SW_IF_INDEX` names it and the host only writes it there.
        HostTx = 7, "host interface output";
        /// A TCP packet that changes the state of a session it hits (SYN, FIN or RST on a
        /// NAT session; a state flag a reflexive ACL session has not seen from that side):
        /// software tracks TCP state, which decides the session's timeout.
        TcpState = 8, "tcp state change";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_dense_and_round_trip() {
        for (i, r) in DropReason::ALL.iter().enumerate() {
            assert_eq!(r.code() as usize, i);
            assert_eq!(DropReason::from_code(r.code()), Some(*r));
        }
        assert_eq!(DropReason::COUNT, DropReason::ALL.len());
        assert_eq!(PuntReason::from_code(0), None);
    }
}
