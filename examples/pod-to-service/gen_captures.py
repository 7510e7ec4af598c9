#!/usr/bin/env python3
"""Generate the pod-to-service seed input captures and expected output vectors.

Source: FD.io VPP packet trace (Contiv-VPP "Pod to Service chosen endpoint from
a different node"), seed document shared/seed/000_12a5f915c04c2e56.txt.

The seed trace only shows the first 60 bytes of each 74-byte frame (the hex
dumps are cut after `020405b4 0402`, i.e. MSS 1460 + SACK-permitted).  The
remaining 14 TCP option bytes are completed as a Linux SYN / SYN-ACK would
send them:  08 0a <TSval:4> <TSecr:4> 01 03 03 07
(timestamps, NOP, window scale 7).  TSval is chosen deterministically as the
smallest value >= TSVAL_BASE whose resulting TCP checksum equals the checksum
printed in the seed trace (0x3e27 for the SYN, 0x11a7 for the SYN-ACK).

Outputs (written next to this script):
  client-tap2-in.pcap   SYN entering the client node on tap2
  server-tap3-in.pcap   SYN-ACK entering the server node on tap3
  expected.txt          expected output frames (hex) taken from the seed

Python 3 standard library only; fully deterministic.  Exits non-zero if any
consistency check against the seed fails.
"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Lower bound for the TSval search (a plausible Linux tcp_time_stamp value).
TSVAL_BASE = 0x01000000


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def csum16(data):
    """RFC 1071 Internet checksum (returns the complemented 16-bit value)."""
    if len(data) % 2:
        data += b"\x00"
    s = 0
    for i in range(0, len(data), 2):
        s += (data[i] << 8) | data[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4_header(src, dst, ident, ttl, total_len, df=True, proto=6, tos=0, csum=None):
    flags_frag = 0x4000 if df else 0
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, total_len, ident, flags_frag,
                      ttl, proto, 0, ip4(src), ip4(dst))
    c = csum16(hdr) if csum is None else csum
    return hdr[:10] + struct.pack("!H", c) + hdr[12:]


def tcp_segment(src, dst, sport, dport, seq, ack, flags, window, options, csum=None):
    doff = (20 + len(options)) // 4
    assert (20 + len(options)) % 4 == 0
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags,
                      window, 0, 0) + options
    if csum is None:
        pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(hdr))
        csum = csum16(pseudo + hdr)
    return hdr[:16] + struct.pack("!H", csum) + hdr[18:]


def tcp_csum_of(seg_src, seg_dst, seg):
    """Full recomputation of the TCP checksum of an existing segment."""
    zeroed = seg[:16] + b"\x00\x00" + seg[18:]
    pseudo = ip4(seg_src) + ip4(seg_dst) + struct.pack("!BBH", 0, 6, len(seg))
    return csum16(pseudo + zeroed)


def options_bytes(tsval, tsecr):
    # MSS 1460, SACK-permitted, Timestamps, NOP, Window scale 7  (20 bytes)
    return (bytes.fromhex("020405b4" "0402" "080a") + struct.pack("!II", tsval, tsecr)
            + bytes.fromhex("01" "030307"))


def solve_tsval(src, dst, sport, dport, seq, ack, flags, window, tsecr, want):
    for tsval in range(TSVAL_BASE, TSVAL_BASE + 0x20000):
        seg = tcp_segment(src, dst, sport, dport, seq, ack, flags, window,
                          options_bytes(tsval, tsecr))
        if struct.unpack("!H", seg[16:18])[0] == want:
            return tsval, seg
    raise SystemExit("no TSval found for checksum 0x%04x" % want)


def write_pcap(path, packets):
    """Classic little-endian pcap, linktype 1 (Ethernet), usec timestamps."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for (sec, usec), data in packets:
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)


FAILED = []


def check(cond, what):
    print("  [%s] %s" % ("ok" if cond else "FAIL", what))
    if not cond:
        FAILED.append(what)


# --------------------------------------------------------------------------
# seed hex dumps (ip4-rewrite traces), two dump lines each, 60 bytes total
# --------------------------------------------------------------------------
SEED_DUMPS = [
    ("client_syn_loop0",
     "client node, SYN, ip4-rewrite tx loop0 (inner, after DNAT + TTL-1)",
     "1a2b3c4d5e021a2b3c4d5e0108004500003c895a40003f069b590a0101030a01"
     "0204c22e1f9027c7a68b00000000a0027210dee30000020405b40402"),
    ("client_syn_uplink",
     "client node, SYN, ip4-rewrite tx GigabitEthernet0/8/0 (outer VXLAN, vni 10)",
     "080027e05749080027449fd808004500006e00000000fd111c2bc0a81001c0a8"
     "1002ea8712b5005a00000800000000000a001a2b3c4d5e021a2b3c4d"),
    ("server_syn_tap3",
     "server node, SYN, ip4-rewrite tx tap3 (after VXLAN decap, TTL-1)",
     "00000000000202fe1d72956608004500003c895a40003e069c590a0101030a01"
     "0204c22e1f9027c7a68b00000000a0027210dee30000020405b40402"),
    ("server_synack_loop0",
     "server node, SYN-ACK, ip4-rewrite tx loop0 (inner, TTL-1)",
     "1a2b3c4d5e011a2b3c4d5e0208004500003c000040003f0624b40a0102040a01"
     "01031f90c22efc73655327c7a68ca012712011a70000020405b40402"),
    ("server_synack_uplink",
     "server node, SYN-ACK, ip4-rewrite tx GigabitEthernet0/8/0 (outer VXLAN, vni 10)",
     "080027449fd8080027e0574908004500006e00000000fd111c2bc0a81002c0a8"
     "100163e112b5005a00000800000000000a001a2b3c4d5e011a2b3c4d"),
    ("client_synack_tap2",
     "client node, SYN-ACK, ip4-rewrite tx tap2 (after VXLAN decap, SNAT back to VIP, TTL-1)",
     "00000000000202fe163f5f0f08004500003c000040003e0665b70a61c1a00a01"
     "01030050c22efc73655327c7a68ca012712070ea0000020405b40402"),
]


def main():
    dumps = {}
    for name, _, hx in SEED_DUMPS:
        b = bytes.fromhex(hx)
        assert len(b) == 60, (name, len(b))
        dumps[name] = b

    # ---------------------------------------------------------------- SYN
    print("SYN (client pod -> service VIP), as seen at client-node ip4-input:")
    syn_tsval, syn_tcp = solve_tsval("10.1.1.3", "10.97.193.160", 49710, 80,
                                     0x27C7A68B, 0, 0x02, 29200, 0, 0x3E27)
    print("  chosen TSval = %d (0x%08x), TSecr = 0" % (syn_tsval, syn_tsval))
    syn_ip = ipv4_header("10.1.1.3", "10.97.193.160", 0x895A, 64, 60)
    check(struct.unpack("!H", syn_ip[10:12])[0] == 0xDA5C, "IPv4 header checksum == 0xda5c")
    syn_eth = mac("02:fe:16:3f:5f:0f") + mac("00:00:00:00:00:02") + b"\x08\x00"
    syn_frame = syn_eth + syn_ip + syn_tcp
    check(len(syn_frame) == 74, "frame length 74")
    check(tcp_csum_of("10.1.1.3", "10.97.193.160", syn_tcp) == 0x3E27, "TCP checksum == 0x3e27")

    # -------------------------------------------------------------- SYN-ACK
    print("SYN-ACK (server pod -> client), as seen at server-node ip4-input:")
    sa_tsval, sa_tcp = solve_tsval("10.1.2.4", "10.1.1.3", 8080, 49710,
                                   0xFC736553, 0x27C7A68C, 0x12, 28960, syn_tsval, 0x11A7)
    print("  chosen TSval = %d (0x%08x), TSecr = %d (0x%08x) (= SYN TSval)"
          % (sa_tsval, sa_tsval, syn_tsval, syn_tsval))
    sa_ip = ipv4_header("10.1.2.4", "10.1.1.3", 0, 64, 60)
    check(struct.unpack("!H", sa_ip[10:12])[0] == 0x23B4, "IPv4 header checksum == 0x23b4")
    sa_eth = mac("02:fe:1d:72:95:66") + mac("00:00:00:00:00:02") + b"\x08\x00"
    sa_frame = sa_eth + sa_ip + sa_tcp
    check(len(sa_frame) == 74, "frame length 74")
    check(tcp_csum_of("10.1.2.4", "10.1.1.3", sa_tcp) == 0x11A7, "TCP checksum == 0x11a7")

    # ------------------------------------------------ NAT consistency checks
    print("NAT checksum consistency (full recomputation over completed segments):")
    dnat = bytearray(syn_tcp)
    dnat[2:4] = struct.pack("!H", 8080)
    c = tcp_csum_of("10.1.1.3", "10.1.2.4", bytes(dnat))
    print("  SYN after DNAT to 10.1.2.4:8080: TCP checksum 0x%04x" % c)
    check(c == 0xDEE3, "SYN post-DNAT TCP checksum == 0xdee3 (seed)")
    dnat[16:18] = struct.pack("!H", c)
    dnat_syn_tcp = bytes(dnat)

    snat = bytearray(sa_tcp)
    snat[0:2] = struct.pack("!H", 80)
    c = tcp_csum_of("10.97.193.160", "10.1.1.3", bytes(snat))
    print("  SYN-ACK after SNAT back to 10.97.193.160:80: TCP checksum 0x%04x" % c)
    check(c == 0x70EA, "SYN-ACK post-SNAT TCP checksum == 0x70ea (seed)")
    snat[16:18] = struct.pack("!H", c)
    snat_sa_tcp = bytes(snat)

    # ------------------------------------------- rebuild expected frames fully
    print("Expected output frames vs seed ip4-rewrite dumps:")
    opts_syn = syn_tcp[20 + 6:]          # 14 option bytes after 020405b40402
    opts_sa = sa_tcp[20 + 6:]
    assert len(opts_syn) == 14 and len(opts_sa) == 14

    full = {}
    # client node: SYN inner after DNAT, ttl 63, out loop0
    ip_ = ipv4_header("10.1.1.3", "10.1.2.4", 0x895A, 63, 60)
    full["client_syn_loop0"] = (mac("1a:2b:3c:4d:5e:02") + mac("1a:2b:3c:4d:5e:01")
                                + b"\x08\x00" + ip_ + dnat_syn_tcp)
    # server node: SYN after decap, ttl 62, out tap3
    ip_ = ipv4_header("10.1.1.3", "10.1.2.4", 0x895A, 62, 60)
    full["server_syn_tap3"] = (mac("00:00:00:00:00:02") + mac("02:fe:1d:72:95:66")
                               + b"\x08\x00" + ip_ + dnat_syn_tcp)
    # server node: SYN-ACK inner, ttl 63, out loop0
    ip_ = ipv4_header("10.1.2.4", "10.1.1.3", 0, 63, 60)
    full["server_synack_loop0"] = (mac("1a:2b:3c:4d:5e:01") + mac("1a:2b:3c:4d:5e:02")
                                   + b"\x08\x00" + ip_ + sa_tcp)
    # client node: SYN-ACK after decap + SNAT, ttl 62, out tap2
    ip_ = ipv4_header("10.97.193.160", "10.1.1.3", 0, 62, 60)
    full["client_synack_tap2"] = (mac("00:00:00:00:00:02") + mac("02:fe:16:3f:5f:0f")
                                  + b"\x08\x00" + ip_ + snat_sa_tcp)

    def outer(dst_mac, src_mac, src, dst, sport, inner):
        udp_len = 8 + 8 + len(inner)
        ip_ = ipv4_header(src, dst, 0, 253, 20 + udp_len, df=False, proto=17)
        udp = struct.pack("!HHHH", sport, 4789, udp_len, 0)
        vx = struct.pack("!II", 0x08000000, 10 << 8)   # flags I, vni 10
        return mac(dst_mac) + mac(src_mac) + b"\x08\x00" + ip_ + udp + vx + inner

    full["client_syn_uplink"] = outer("08:00:27:e0:57:49", "08:00:27:44:9f:d8",
                                      "192.168.16.1", "192.168.16.2", 60039,
                                      full["client_syn_loop0"])
    full["server_synack_uplink"] = outer("08:00:27:44:9f:d8", "08:00:27:e0:57:49",
                                         "192.168.16.2", "192.168.16.1", 25569,
                                         full["server_synack_loop0"])

    for name, _, _ in SEED_DUMPS:
        f = full[name]
        exp_len = 124 if name.endswith("uplink") else 74
        check(len(f) == exp_len, "%s: computed frame length %d" % (name, exp_len))
        check(f[:60] == dumps[name], "%s: first 60 bytes identical to seed dump" % name)
        if not name.endswith("uplink"):
            check(f[60:] == (opts_sa if "synack" in name else opts_syn),
                  "%s: trailing 14 bytes are the completed option bytes" % name)
    # outer frames = seed outer 50 bytes + 74-byte inner loop0 frame
    check(full["client_syn_uplink"] == dumps["client_syn_uplink"][:50] + full["client_syn_loop0"],
          "full_client_syn_uplink == seed outer 50B + full_client_syn_loop0")
    check(full["server_synack_uplink"] == dumps["server_synack_uplink"][:50] + full["server_synack_loop0"],
          "full_server_synack_uplink == seed outer 50B + full_server_synack_loop0")
    check(csum16(full["client_syn_uplink"][14:34]) == 0, "outer IPv4 checksum (0x1c2b) valid, SYN")
    check(csum16(full["server_synack_uplink"][14:34]) == 0, "outer IPv4 checksum (0x1c2b) valid, SYN-ACK")

    if FAILED:
        print("\n%d check(s) FAILED; not writing outputs" % len(FAILED))
        return 1

    # ---------------------------------------------------------------- output
    p1 = os.path.join(HERE, "client-tap2-in.pcap")
    p2 = os.path.join(HERE, "server-tap3-in.pcap")
    write_pcap(p1, [((1, 0), syn_frame)])
    write_pcap(p2, [((1, 100), sa_frame)])

    lines = [
        "# Expected output vectors for examples/pod-to-service.",
        "# Generated by gen_captures.py from the VPP trace in seed 000_12a5f915c04c2e56.txt.",
        "# Format: '<name> <hexbytes>'; '#' lines are comments.",
        "# Non-full_* entries: the seed's ip4-rewrite hex dump (2 lines, 60 bytes), verbatim.",
        "# full_* entries: complete frames; bytes beyond the seed's 60 are computed.",
        "# Option completion: SYN TSval=0x%08x TSecr=0; SYN-ACK TSval=0x%08x TSecr=0x%08x."
        % (syn_tsval, sa_tsval, syn_tsval),
        "",
    ]
    for name, where, hx in SEED_DUMPS:
        lines.append("# seed: %s" % where)
        lines.append("%s %s" % (name, hx))
    lines.append("")
    full_comments = {
        "client_syn_loop0": "computed: seed client_syn_loop0 60B + 14 completed option bytes (SYN)",
        "client_syn_uplink": "computed: seed outer 50B (eth+ip4+udp+vxlan) + full_client_syn_loop0 (74B) = 124B",
        "server_syn_tap3": "computed: seed server_syn_tap3 60B + 14 completed option bytes (SYN)",
        "server_synack_loop0": "computed: seed server_synack_loop0 60B + 14 completed option bytes (SYN-ACK)",
        "server_synack_uplink": "computed: seed outer 50B (eth+ip4+udp+vxlan) + full_server_synack_loop0 (74B) = 124B",
        "client_synack_tap2": "computed: seed client_synack_tap2 60B + 14 completed option bytes (SYN-ACK)",
    }
    for name, _, _ in SEED_DUMPS:
        lines.append("# %s" % full_comments[name])
        lines.append("full_%s %s" % (name, full[name].hex()))
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")

    print("\nwrote %s\nwrote %s\nwrote %s" % (p1, p2, os.path.join(HERE, "expected.txt")))
    print("client-tap2-in frame: %s" % syn_frame.hex())
    print("server-tap3-in frame: %s" % sa_frame.hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())
