// The decision (s10): what happens to a packet, in software's order: earlier stops
// (punts and drops decided upstream), the MTU check, the output ACL, NAT as output
// feature, the interface's output: a wire, a host interface, or a BVI's bridge domain
// (l2-input there: learning, the L2 input ACL, l2-fwd to a tunnel (encap), a host
// interface or a wire); and vxlan4-input's decap of a tunnel's packet to the BVI. What
// the NIC does not do goes to software. Out: the destination (a wire port, the punt port
// N_PORTS, DEST_DROP or DEST_RECIRC: the loop port), the punt port's or loop port's
// metadata, and which rewrite the beat gets. Combinational: the output stage registers it.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_decision #
(
    parameter N_PORTS = 2,
    parameter IF_BITS = 4,
    parameter VXLAN_BITS = 3,
    // VXLAN decap to the BVI in the NIC (1), or punt every VXLAN packet (0)
    parameter VXLAN_DECAP = 1,
    parameter IF_W = offload_pkg::IF_BITS
)
(
    // the packet's context at s10
    input  wire [3:0]      in,
    // Waiver: of the metadata, the out port of a direct inject and the loop port's ingress.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [63:0]     meta,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [15:0]     sw_if_index,
    input  wire            punt,          // decided upstream (drop: punt and drop)
    input  wire            drop,
    input  wire [7:0]      reason,
    input  wire [15:0]     hits,
    input  wire            direct,
    input  wire            outer,         // the VXLAN outer packet of an encap
    input  wire            tcp_state,     // a TCP state change software must see
    input  wire            nat_hit,       // NAT's session hit (s2), entry below
    input  wire [15:0]     nat_flags,     // the session entry's flags
    input  wire [15:0]     fib,
    input  wire [15:0]     ip_len,
    input  wire [15:0]     len,
    input  wire [6:0]      l4_offset,
    input  wire [7:0]      proto,
    input  wire            l4_valid,
    input  wire [15:0]     dport,
    input  wire            local_route,   // the route is LOCAL: a VXLAN decap candidate
    input  wire [15:0]     udp_csum,      // the UDP checksum, if the packet is UDP
    input  wire            vxlan_i_flag,  // the VXLAN header's I flag, if it is VXLAN
    // Waiver: whole entries in (adjacency, tx interface, bridge member, its tunnel), some fields used.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [191:0]    adj,
    input  wire [IF_W-1:0] tx_if,
    input  wire [IF_W-1:0] member_if,
    input  wire [159:0]    member_tunnel,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire            nat_enabled,
    input  wire            partial,       // CONTROL.SESSIONS_PARTIAL
    // the output ACL and the BVI's L2 input ACL: session hit and classifier
    input  wire            aout_hit,
    input  wire            aout_match,
    input  wire [7:0]      aout_action,
    input  wire            aout_unsure,
    input  wire            abvi_hit,
    input  wire            abvi_match,
    input  wire [7:0]      abvi_action,
    input  wire            abvi_unsure,
    // the L2 lookups (offload_l2_lookup)
    input  wire            tunnel_hit,
    input  wire [15:0]     tunnel_sw,
    input  wire            tunnel_acl_in,
    input  wire            l2_hit,
    input  wire            l2_group,
    input  wire            l2_src_ok,
    input  wire [15:0]     l2_sw,
    input  wire [7:0]      l2_flags,
    input  wire            l2_in_range,

    output reg  [3:0]      dest,
    output wire [63:0]     tuser,         // punt metadata, or the loop port's
    output reg             rewrite,       // the beat leaves rewritten (offload_rewrite)
    output wire            nat_src,       // ... with NAT of the source
    output wire            nat_dst,       // ... of the destination
    output wire            decap,         // to the loop port without the outer headers
    output wire            encap,         // to the loop port with offload_vxlan_encap's in front
    output wire            second_punt    // a punt of the decapsulated pass: put the outer headers back
);

localparam [3:0] IN_INJECT = offload_util::in_inject(N_PORTS);
localparam [3:0] IN_RECIRC = offload_util::in_loop(N_PORTS);
localparam [3:0] DEST_PUNT = offload_util::dest_punt(N_PORTS);
localparam [3:0] DEST_DROP = offload_util::dest_drop(N_PORTS);
localparam [3:0] DEST_RECIRC = offload_util::dest_loop(N_PORTS);
localparam [7:0] PUNT_EXC = offload_pkg::PUNT_EXCEPTION[7:0];
localparam [7:0] PUNT_L2_MISS = offload_pkg::PUNT_L2_MISS[7:0];
localparam [7:0] PUNT_HOST_TX = offload_pkg::PUNT_HOST_TX[7:0];

// the tx interface (the adjacency's)
wire [15:0] tx_sw = adj[offload_pkg::ADJ_SW_IF_INDEX_LSB +: 16];
wire [15:0] tx_flags = tx_if[offload_pkg::IF_FLAGS_LSB +: 16];
wire [7:0]  tx_kind = tx_if[offload_pkg::IF_KIND_LSB +: 8];
wire [7:0]  tx_port = tx_if[offload_pkg::IF_PORT_LSB +: 8];
wire tx_range_bad = (tx_sw >> IF_BITS) != 16'd0;
wire tx_up = (tx_flags & offload_pkg::IF_FLAG_UP[15:0]) != 16'd0;
wire tx_bvi = (tx_flags & offload_pkg::IF_FLAG_BVI[15:0]) != 16'd0;
wire tx_natout = (tx_flags & offload_pkg::IF_FLAG_NAT_OUTPUT_FEATURE[15:0]) != 16'd0 && nat_enabled;
wire tx_uplink = tx_kind == offload_pkg::IF_KIND_UPLINK[7:0] && {8'd0, tx_port} < N_PORTS;
// a host interface (a pod's TAP, a loopback that is no BVI): the NIC hands the frame over
wire tx_host = (tx_kind == offload_pkg::IF_KIND_TAP[7:0] || tx_kind == offload_pkg::IF_KIND_LOOPBACK[7:0]) && !tx_bvi;
wire first = in != IN_RECIRC;
// ip4-rewrite's MTU check (before the output features), on the IPv4 length as VPP's: the
// packet is fragmented or answered with ICMP "fragmentation needed" by software
wire mtu_bad = ip_len > adj[offload_pkg::ADJ_MTU_LSB +: 16];
wire [1:0] aout = tx_if[offload_pkg::IF_ACL_OUT_COUNT_LSB +: 16] != 16'd0
    ? offload_util::acl_verdict(aout_hit, aout_match, aout_action, aout_unsure, partial) : offload_util::ACL_PASS;
// NAT as the output feature: on the outer packet only, by its lookup at s1 on the encap FIB
wire natout_fib_ok = tx_if[offload_pkg::IF_FIB_INDEX_LSB +: 16] == fib;
// NAT's rewrite: the input side's, or the outer packet's as the uplink's output feature
wire nat_on = nat_hit && (!outer || tx_natout);
assign nat_src = nat_on && (nat_flags & offload_pkg::SESS_FLAG_REWRITE_SRC[15:0]) != 0;
assign nat_dst = nat_on && (nat_flags & offload_pkg::SESS_FLAG_REWRITE_DST[15:0]) != 0;
// the BVI's bridge: its L2 input ACL, and the member the L2 FIB names
wire [1:0] abvi = tx_if[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16] != 16'd0
    ? offload_util::acl_verdict(abvi_hit, abvi_match, abvi_action, abvi_unsure, partial) : offload_util::ACL_PASS;
wire [15:0] mb_flags = member_if[offload_pkg::IF_FLAGS_LSB +: 16];
wire [7:0]  mb_kind = member_if[offload_pkg::IF_KIND_LSB +: 8];
wire [7:0]  mb_port = member_if[offload_pkg::IF_PORT_LSB +: 8];
wire [15:0] mb_tunnel = member_if[offload_pkg::IF_VXLAN_TUNNEL_LSB +: 16];
wire mb_ok = (mb_flags & offload_pkg::IF_FLAG_UP[15:0]) != 16'd0
    && member_if[offload_pkg::IF_ACL_OUT_COUNT_LSB +: 16] == 16'd0 && l2_in_range && l2_sw != tx_sw;
wire mb_vxlan = mb_kind == offload_pkg::IF_KIND_VXLAN[7:0] && mb_tunnel < 16'(2**VXLAN_BITS)
    && member_tunnel[offload_pkg::VXLAN_SW_IF_INDEX_LSB +: 16] == l2_sw;
wire mb_host = mb_kind == offload_pkg::IF_KIND_TAP[7:0];
wire mb_uplink = mb_kind == offload_pkg::IF_KIND_UPLINK[7:0] && {8'd0, mb_port} < N_PORTS;

// vxlan4-input: UDP to 4789 without a checksum to verify, the I flag, an inner Ethernet
// header, a tunnel, no L2 input ACL on it; the first pass only
wire vx = VXLAN_DECAP != 0 && local_route && first && proto == 8'd17 && l4_valid && l4_offset == 7'd34
    && dport == 16'd4789 && udp_csum == 16'd0 && len >= 16'd64 && vxlan_i_flag && tunnel_hit && !tunnel_acl_in;
// a packet to one of the node's tunnels, whether the NIC takes it or not (then it is
// vxlan4-input's work in software, not ip4-local's)
wire vx_tunnel = local_route && proto == 8'd17 && l4_valid && dport == 16'd4789 && tunnel_hit;
// l2-fwd to a known unicast destination from a known source (no learning)
wire l2_ok = l2_hit && !l2_group && l2_src_ok;
// to the BVI: ip4-input there, on the loop port (members: software, for now)
assign decap = vx && l2_ok && l2_in_range && l2_sw != tunnel_sw && (l2_flags & offload_pkg::L2FIB_FLAG_BVI[7:0]) != 8'd0;

localparam [2:0] K_PUNT = 3'd0, K_DROP = 3'd1, K_WIRE = 3'd2, K_HOST = 3'd3, K_ENCAP = 3'd4;
reg [2:0] kind;
reg [7:0] why_fwd;     // the reason of a punt or drop decided here
reg [3:0] wport;
reg [15:0] host_sw;
always @* begin
    kind = K_PUNT;
    why_fwd = PUNT_EXC;
    wport = tx_port[3:0];
    host_sw = tx_sw;
    if (tcp_state) begin
        why_fwd = offload_pkg::PUNT_TCP_STATE[7:0];
    end else if (mtu_bad) begin
        why_fwd = PUNT_EXC;
    end else if (aout != offload_util::ACL_PASS) begin
        kind = aout == offload_util::ACL_DROP ? K_DROP : K_PUNT;
        why_fwd = offload_util::acl_reason(aout, aout_match);
    end else if (tx_natout && !outer && !nat_src) begin
        // NAT as this interface's output feature on a packet the input side did not
        // translate: software's (a packet the input side translated by a session is that
        // session's reply flow seen from outside, which the output feature lets pass)
        why_fwd = PUNT_EXC;
    end else if (tx_natout && outer && !natout_fib_ok) begin
        why_fwd = PUNT_EXC;
    end else if (tx_natout && !nat_hit) begin
        why_fwd = offload_pkg::PUNT_NAT_SESSION_MISS[7:0];
    end else if (!tx_up) begin
        why_fwd = PUNT_EXC;
    end else if (tx_uplink && !tx_bvi) begin
        kind = K_WIRE;
    end else if (tx_host) begin
        kind = K_HOST;
    end else if (tx_bvi && first) begin
        if (!l2_src_ok) begin
            why_fwd = PUNT_L2_MISS;
        end else if (abvi != offload_util::ACL_PASS) begin
            kind = abvi == offload_util::ACL_DROP ? K_DROP : K_PUNT;
            why_fwd = offload_util::acl_reason(abvi, abvi_match);
        end else if (!l2_hit || l2_group) begin
            why_fwd = PUNT_L2_MISS;
        end else if (!mb_ok) begin
            why_fwd = PUNT_EXC;
        end else if (mb_vxlan && l4_offset == 7'd34) begin
            // (with options, VPP's inner flow hash reads the option bytes as ports)
            kind = K_ENCAP;
        end else if (mb_host) begin
            kind = K_HOST;
            host_sw = l2_sw;
        end else if (mb_uplink) begin
            kind = K_WIRE;
            wport = mb_port[3:0];
        end
    end
end

// the decision made here applies unless an earlier one stands
wire here = !direct && !decap && !punt && !tx_range_bad;
reg [7:0] why;
always @* begin
    rewrite = 1'b0;
    why = reason;
    if (direct) begin
        dest = 4'({24'd0, meta[offload_pkg::META_OUT_PORT_LSB +: 8]} % N_PORTS);
    end else if (decap) begin
        dest = DEST_RECIRC;
    end else if (punt) begin
        dest = drop ? DEST_DROP : DEST_PUNT;
        // a tunnel's packet the NIC did not decapsulate is no ip4-local work: a learning
        // or unknown destination in the bridge, or a member the NIC does not serve
        if (vx && !l2_ok) why = PUNT_L2_MISS;
        else if (vx || vx_tunnel) why = PUNT_EXC;
    end else if (tx_range_bad) begin
        dest = DEST_PUNT;
        why = PUNT_EXC;
    end else begin
        why = kind == K_HOST ? PUNT_HOST_TX : why_fwd;
        rewrite = kind == K_WIRE || kind == K_HOST || kind == K_ENCAP;
        dest = kind == K_DROP ? DEST_DROP : kind == K_WIRE ? wport : kind == K_ENCAP ? DEST_RECIRC : DEST_PUNT;
    end
end
assign encap = here && kind == K_ENCAP;
wire host = here && kind == K_HOST;

// Metadata. To the loop port: the interface the packet re-enters as (the BVI after
// decap, the tunnel after encap), the ingress interface and port. A punt from the
// decapsulated pass names the first pass's ingress (the frame is put back as it came in);
// one from the outer pass says where software resumes (the tunnel's ip4-load-balance); a
// frame for a host interface names that interface.
wire second = in == IN_RECIRC && !outer;
wire [7:0] port = in == IN_INJECT ? offload_pkg::META_INJECT_PORT[7:0] : {4'd0, in};
wire [7:0] in_port = first ? port : meta[offload_util::LM_IN_PORT +: 8];
assign tuser = decap ? offload_util::loop_meta(l2_sw, sw_if_index, port, 1'b0, 8'd0)
    : encap ? offload_util::loop_meta(l2_sw, sw_if_index, port, 1'b1, 8'(mb_tunnel))
    : host ? offload_util::punt_meta(host_sw, PUNT_HOST_TX, in_port, hits, 1'b0, 2'd0)
    : second ? offload_util::punt_meta(meta[offload_util::LM_IN_SW_IF_INDEX +: 16], why, meta[offload_util::LM_IN_PORT +: 8], hits, 1'b1, 2'd0)
    : outer ? offload_util::punt_meta(sw_if_index, why, in_port, hits, 1'b0, offload_pkg::META_RESUME_VXLAN_OUTER[1:0])
    : offload_util::punt_meta(sw_if_index, why, port, hits, 1'b0, 2'd0);
assign second_punt = second && dest == DEST_PUNT && !host;

endmodule

`resetall
