// Functions the engines share: byte order of the 512-bit beat (byte 0 in bits 7:0),
// Internet checksum arithmetic (as sw-fallback's checksum and csum_delta), the session
// key and punt metadata packed at the contract's positions (offload_pkg SKEY_*, META_*),
// and the ACL verdict as the acl-plugin decides it. Defined once, here.

`resetall
`timescale 1ns / 1ps
`default_nettype none

package offload_util;

// a big-endian field of the beat at byte offset i
function automatic [15:0] be16(input [511:0] d, input integer i);
    be16 = {d[8*i +: 8], d[8*(i+1) +: 8]};
endfunction

function automatic [31:0] be32(input [511:0] d, input integer i);
    be32 = {d[8*i +: 8], d[8*(i+1) +: 8], d[8*(i+2) +: 8], d[8*(i+3) +: 8]};
endfunction

// a value in network byte order, as its bytes sit in the beat
function automatic [15:0] net16(input [15:0] x);
    net16 = {x[7:0], x[15:8]};
endfunction

function automatic [31:0] net32(input [31:0] x);
    net32 = {x[7:0], x[15:8], x[23:16], x[31:24]};
endfunction

// one's-complement fold of a 32-bit sum to 16 bits
function automatic [15:0] fold16(input [31:0] x);
    reg [31:0] y;
    begin
        y = {16'd0, x[15:0]} + {16'd0, x[31:16]};
        y = {16'd0, y[15:0]} + {16'd0, y[31:16]};
        fold16 = y[15:0];
    end
endfunction

// csum_delta::apply
function automatic [15:0] csum_apply(input [15:0] c, input [15:0] delta);
    csum_apply = ~fold16({16'd0, ~c} + {16'd0, delta});
endfunction

// checksum::update16
function automatic [15:0] csum_update16(input [15:0] c, input [15:0] old, input [15:0] nw);
    csum_update16 = ~fold16({16'd0, ~c} + {16'd0, ~old} + {16'd0, nw});
endfunction

// A session key with every field at the contract's position (offload_pkg SKEY_*), so a
// layout change in offload-tables moves the RTL's keys with it.
function automatic [offload_pkg::SKEY_BITS-1:0] skey(input [31:0] src, input [31:0] dst, input [15:0] sport,
                                                     input [15:0] dport, input [7:0] proto, input [7:0] kind,
                                                     input [15:0] scope);
    skey = {offload_pkg::SKEY_BITS{1'b0}};
    skey[offload_pkg::SKEY_SRC_LSB +: offload_pkg::SKEY_SRC_W] = src;
    skey[offload_pkg::SKEY_DST_LSB +: offload_pkg::SKEY_DST_W] = dst;
    skey[offload_pkg::SKEY_SPORT_LSB +: offload_pkg::SKEY_SPORT_W] = sport;
    skey[offload_pkg::SKEY_DPORT_LSB +: offload_pkg::SKEY_DPORT_W] = dport;
    skey[offload_pkg::SKEY_PROTO_LSB +: offload_pkg::SKEY_PROTO_W] = proto;
    skey[offload_pkg::SKEY_KIND_LSB +: offload_pkg::SKEY_KIND_W] = kind;
    skey[offload_pkg::SKEY_SCOPE_LSB +: offload_pkg::SKEY_SCOPE_W] = scope;
endfunction

// Punt metadata with every field at the contract's position (offload_pkg META_*).
function automatic [63:0] punt_meta(input [15:0] sw_if_index, input [7:0] reason, input [7:0] port,
                                    input [15:0] hits, input second_pass, input [1:0] resume);
    punt_meta = 64'd0;
    punt_meta[offload_pkg::META_SW_IF_INDEX_LSB +: offload_pkg::META_SW_IF_INDEX_W] = sw_if_index;
    punt_meta[offload_pkg::META_REASON_LSB +: offload_pkg::META_REASON_W] = reason;
    punt_meta[offload_pkg::META_PORT_LSB +: offload_pkg::META_PORT_W] = port;
    punt_meta[offload_pkg::META_HITS_LSB +: offload_pkg::META_HITS_W] = hits;
    punt_meta[offload_pkg::META_SECOND_PASS_LSB] = second_pass;
    punt_meta[offload_pkg::META_RESUME_LSB +: offload_pkg::META_RESUME_W] = resume;
endfunction

// An ACL "port": the ICMP type (or code), else the L4 port.
function automatic [15:0] acl_port(input [7:0] proto, input [7:0] icmp, input [15:0] port);
    acl_port = proto == 8'd1 ? {8'd0, icmp} : port;
endfunction

// An ACL verdict as the acl-plugin node decides it: a session hit permits; else the
// first rule: permit passes, permit+reflect needs a session (software creates it:
// punt), anything else denies; no rule denies. While software holds sessions the NIC
// lacks (CONTROL.SESSIONS_PARTIAL), a session miss that would deny punts instead.
localparam [1:0] ACL_PASS = 2'd0, ACL_PUNT_MISS = 2'd1, ACL_DROP = 2'd2, ACL_PUNT_EXC = 2'd3;
function automatic [1:0] acl_verdict(input sess_hit, input match, input [7:0] action, input unsure, input part);
    reg permit, reflect;
    begin
        permit = match && action == offload_pkg::ACL_ACTION_PERMIT[7:0];
        reflect = match && action == offload_pkg::ACL_ACTION_PERMIT_REFLECT[7:0];
        if (unsure) acl_verdict = ACL_PUNT_EXC;
        else if (sess_hit || permit) acl_verdict = ACL_PASS;
        else if (reflect || part) acl_verdict = ACL_PUNT_MISS;
        else acl_verdict = ACL_DROP;
    end
endfunction

// The reason a verdict other than pass gives: the DropReason of a drop (a denying rule,
// or none matched), the PuntReason of a punt.
function automatic [7:0] acl_reason(input [1:0] verdict, input match);
    acl_reason = verdict == ACL_DROP
        ? (match ? offload_pkg::DROP_ACL_DENY[7:0] : offload_pkg::DROP_ACL_NO_MATCH[7:0])
        : verdict == ACL_PUNT_MISS ? offload_pkg::PUNT_ACL_SESSION_MISS[7:0] : offload_pkg::PUNT_EXCEPTION[7:0];
endfunction

// A TCP packet's flags that a reflexive session has not seen from this side and that
// change its state.
function automatic acl_new_flags(input [15:0] seen, input output_side, input [7:0] tcp_flags);
    acl_new_flags = (tcp_flags & offload_pkg::TCP_STATE_FLAGS[7:0] & ~(output_side ? seen[15:8] : seen[7:0])) != 8'd0;
endfunction

// The pipeline's inputs and destinations, numbered after the N wire ports: the inputs
// are the wire ports 0..N-1, then the host's inject port and the loop port; the
// destinations the wire ports, then the punt port, nowhere (a drop) and the loop port.
// Waiver: N_PORTS is 1..8 (the top checks it); the codes are 4 bits.
/* verilator lint_off UNUSEDSIGNAL */
function automatic [3:0] in_inject(input integer n_ports);
    in_inject = 4'(n_ports);
endfunction
function automatic [3:0] in_loop(input integer n_ports);
    in_loop = 4'(n_ports + 1);
endfunction
function automatic [3:0] dest_punt(input integer n_ports);
    dest_punt = 4'(n_ports);
endfunction
function automatic [3:0] dest_drop(input integer n_ports);
    dest_drop = 4'(n_ports + 1);
endfunction
function automatic [3:0] dest_loop(input integer n_ports);
    dest_loop = 4'(n_ports + 2);
endfunction
/* verilator lint_on UNUSEDSIGNAL */

// A table write of the register block this clock (tw: a checked write, TBL_SELECT = sel)
// to table t (offload_pkg TBL_*).
function automatic table_write(input tw, input [7:0] sel, input [31:0] t);
    table_write = tw && {24'd0, sel} == t;
endfunction

// The session hash's registered stages (offload_session_hash: four) plus the tag read
// that follows them in a session lookup (offload_session_fetch).
// Waiver: modules that look up no session leave it unused.
/* verilator lint_off UNUSEDPARAM */
localparam int SESSION_LOOKUP_LATENCY = 5;
/* verilator lint_on UNUSEDPARAM */

// Loop-port metadata (internal to the NIC): [15:0] the sw_if_index to enter as, [31:16]
// and [39:32] the first pass's ingress sw_if_index and port, [40] the pass: 0 =
// decapsulated (ip4-input on the BVI), 1 = encapsulated (the VXLAN outer packet),
// [55:48] the tunnel (pass 1).
localparam LM_SW_IF_INDEX = 0, LM_IN_SW_IF_INDEX = 16, LM_IN_PORT = 32, LM_OUTER = 40, LM_TUNNEL = 48;
function automatic [63:0] loop_meta(input [15:0] sw_if_index, input [15:0] in_sw_if_index, input [7:0] in_port,
                                    input outer, input [7:0] tunnel);
    loop_meta = 64'd0;
    loop_meta[LM_SW_IF_INDEX +: 16] = sw_if_index;
    loop_meta[LM_IN_SW_IF_INDEX +: 16] = in_sw_if_index;
    loop_meta[LM_IN_PORT +: 8] = in_port;
    loop_meta[LM_OUTER] = outer;
    loop_meta[LM_TUNNEL +: 8] = tunnel;
endfunction

endpackage

`resetall
