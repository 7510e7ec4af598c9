// NAT44-ED on the input side (nat44-ed-in2out / -out2in), the keys and what the session
// lookups' answers do to the flow. Combinational, in three parts at three stages; the
// session lookups (offload_session_fetch, in classify) sit between them:
//
// s0  key_ext: is the destination a NAT address (a session-table entry)? An
//     inside-outside interface sends packets to NAT addresses to out2in.
// s1  the interface's NAT role and the two keys in software's probe order (out2in tries
//     the endpoint-dependent key first, in2out the simple key first), on the
//     interface's FIB; the outer packet of a VXLAN encap looks up in2out keys on its
//     tunnel's encap FIB (NAT as the output feature of the uplink it leaves by, decided at
//     s10). Packets NAT would see but the NIC does not translate go to software.
// s2  the first key's hit before the second's; its rewrite of the flow (addresses, ports,
//     the ICMP echo identifier), which routing and the flow hash use from s3 on.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_nat
(
    input  wire         nat_enabled,
    input  wire         partial,          // CONTROL.SESSIONS_PARTIAL

    // s0
    input  wire [31:0]  s0_dst,
    output wire [offload_pkg::SKEY_BITS-1:0] s0_key_ext,

    // s1
    input  wire         s1_ext,           // the destination is a NAT address
    input  wire [15:0]  s1_if_flags,
    input  wire [15:0]  s1_if_fib,
    input  wire         s1_outer,         // the outer packet of an encap ...
    input  wire [15:0]  s1_outer_fib,     // ... and its tunnel's encap FIB
    input  wire [31:0]  s1_src,
    input  wire [31:0]  s1_dst,
    input  wire [15:0]  s1_sport,
    input  wire [15:0]  s1_dport,
    input  wire [7:0]   s1_proto,
    input  wire [7:0]   s1_icmp_type,
    input  wire         s1_l4_valid,
    output wire [15:0]  s1_fib,           // the FIB the packet is routed in
    output wire [offload_pkg::SKEY_BITS-1:0] s1_key0,
    output wire [offload_pkg::SKEY_BITS-1:0] s1_key1,
    output wire         s1_lookup,        // NAT applies: the keys' answers count (s2)
    output wire         s1_software,      // NAT applies but not in the NIC: punt

    // s2
    input  wire         s2_lookup,
    input  wire         s2_outer,
    input  wire         s2_hit0,
    // Waiver: session entries come whole; NAT reads the flags and the new flow.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [offload_pkg::SESS_BITS-1:0] s2_entry0,
    input  wire         s2_hit1,
    input  wire [offload_pkg::SESS_BITS-1:0] s2_entry1,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [31:0]  s2_src,
    input  wire [31:0]  s2_dst,
    input  wire [15:0]  s2_sport,
    input  wire [15:0]  s2_dport,
    input  wire [7:0]   s2_proto,
    input  wire [7:0]   s2_icmp_type,
    output wire         s2_hit,
    output wire [offload_pkg::SESS_BITS-1:0] s2_entry,
    output wire [31:0]  s2_new_src,
    output wire [31:0]  s2_new_dst,
    output wire [15:0]  s2_new_sport,
    output wire [15:0]  s2_new_dport
);

// ---- s0
assign s0_key_ext = offload_util::skey(32'd0, s0_dst, 16'd0, 16'd0, 8'd0,
    offload_pkg::SESSION_KIND_NAT_EXTERNAL[7:0], 16'd0);

// ---- s1
wire nat_inside = (s1_if_flags & offload_pkg::IF_FLAG_NAT_INSIDE[15:0]) != 16'd0;
wire nat_outside = (s1_if_flags & offload_pkg::IF_FLAG_NAT_OUTSIDE[15:0]) != 16'd0;
wire on = nat_enabled && (s1_outer || nat_inside || nat_outside);
assign s1_fib = s1_outer ? s1_outer_fib : s1_if_fib;
// nat44-out2in, or in2out; an nat_inside-nat_outside interface chooses out2in for a NAT address
wire o2i = !s1_outer && nat_outside && (!nat_inside || s1_ext);
// ICMP other than echo (errors quote a packet NAT translates too) is software's; the
// NAT address entries may be among those the NIC could not hold
wire icmp_other = s1_proto == 8'd1 && s1_icmp_type != 8'd0 && s1_icmp_type != 8'd8;
assign s1_software = !s1_outer && on && (!s1_l4_valid || icmp_other || (nat_inside && nat_outside && !s1_ext && partial));
assign s1_lookup = on && !s1_software && s1_l4_valid;
wire [7:0] kind_ed = o2i ? offload_pkg::SESSION_KIND_NAT_OUT2IN_ED[7:0] : offload_pkg::SESSION_KIND_NAT_IN2OUT_ED[7:0];
wire [127:0] key_ed = offload_util::skey(s1_src, s1_dst, s1_sport, s1_dport, s1_proto, kind_ed, s1_fib);
wire [127:0] key_simple = o2i
    ? offload_util::skey(32'd0, s1_dst, 16'd0, s1_dport, s1_proto, offload_pkg::SESSION_KIND_NAT_OUT2IN[7:0], s1_fib)
    : offload_util::skey(s1_src, 32'd0, s1_sport, 16'd0, s1_proto, offload_pkg::SESSION_KIND_NAT_IN2OUT[7:0], s1_fib);
assign s1_key0 = o2i ? key_ed : key_simple;
assign s1_key1 = o2i ? key_simple : key_ed;

// ---- s2
assign s2_hit = s2_hit0 || s2_hit1;
assign s2_entry = s2_hit0 ? s2_entry0 : s2_entry1;
wire [15:0] flags = s2_entry[offload_pkg::SESS_FLAGS_LSB +: 16];
// (the outer packet's NAT applies after the output ACL: at s10, from the entry)
wire rw = s2_lookup && s2_hit && !s2_outer;
wire rw_src = rw && (flags & offload_pkg::SESS_FLAG_REWRITE_SRC[15:0]) != 0;
wire rw_dst = rw && (flags & offload_pkg::SESS_FLAG_REWRITE_DST[15:0]) != 0;
wire [15:0] new_sport = s2_entry[offload_pkg::SESS_NEW_SPORT_LSB +: 16];
wire [15:0] new_dport = s2_entry[offload_pkg::SESS_NEW_DPORT_LSB +: 16];
assign s2_new_src = rw_src ? s2_entry[offload_pkg::SESS_NEW_SRC_LSB +: 32] : s2_src;
assign s2_new_dst = rw_dst ? s2_entry[offload_pkg::SESS_NEW_DST_LSB +: 32] : s2_dst;
// ICMP echo: the identifier moves from the side that moved (the source's when both did)
// and is then both "ports"; other ICMP keeps its ports (zero)
wire icmp = s2_proto == 8'd1;
wire echo = icmp && (s2_icmp_type == 8'd0 || s2_icmp_type == 8'd8);
wire [15:0] ident = rw_src ? new_sport : new_dport;
assign s2_new_sport = icmp ? (echo && (rw_src || rw_dst) ? ident : s2_sport) : rw_src ? new_sport : s2_sport;
assign s2_new_dport = icmp ? (echo && (rw_src || rw_dst) ? ident : s2_dport) : rw_dst ? new_dport : s2_dport;

endmodule

`resetall
