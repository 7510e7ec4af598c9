// The L2 lookups (s8..s10), CAM-like over the flip-flop tables: every entry compared in
// parallel, the last match winning as software's maps keep the last of equal keys.
//
// s8  vxlan4-input: the tunnel by (local = dst, remote = src, VNI) of a packet to a
//     LOCAL route (decap). Slot 0 (sw_if_index 0) is empty. Its sw_if_index addresses the
//     interface table (the tunnel interface's entry comes back at s9).
// s9  l2-input: on the tunnel interface (decap: the inner frame's MACs), or on the BVI a
//     route leaves by (encap: the adjacency's MACs), the L2 FIB by (bridge domain, MAC);
//     the source MAC too: where the bridge domain learns, a source the FIB does not hold
//     statically is one software may learn. The member's sw_if_index addresses the
//     interface table (the member's entry comes back at s10).
// s10 the results, registered.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_l2_lookup #
(
    parameter IF_BITS = 4,
    parameter L2FIB_BITS = 5,
    parameter VXLAN_BITS = 3,
    // an interface entry's width (the contract's)
    parameter IF_W = offload_pkg::IF_BITS
)
(
    input  wire                              clk,
    input  wire                              en,           // the pipeline advances
    input  wire [(2**VXLAN_BITS)*160-1:0]    vxlan,
    input  wire [(2**L2FIB_BITS)*128-1:0]    l2fib,

    // s8: the flow after NAT and the VXLAN header's VNI
    input  wire [31:0]                       s8_src,
    input  wire [31:0]                       s8_dst,
    input  wire [23:0]                       s8_vni,
    output reg  [15:0]                       s8_tunnel_sw,

    // s9: the interface l2-input runs on: the BVI (encap side) or the tunnel's (decap)
    input  wire                              s9_bvi,
    // Waiver: interface entries come whole; l2-input reads the bridge domain and its flags,
    // vxlan4-input the tunnel interface's input ACL.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [IF_W-1:0]                   s9_bvi_if,
    input  wire [IF_W-1:0]                   s9_tunnel_if,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [95:0]                       s9_adj_macs,  // the adjacency's destination, source MAC
    input  wire [95:0]                       s9_inner_macs,// the inner frame's destination, source MAC
    output reg  [15:0]                       s9_member_sw,

    // s10
    output reg                               tunnel_hit = 0,
    output reg  [15:0]                       tunnel_sw = 0,
    output reg                               tunnel_acl_in = 0, // the tunnel interface has an input ACL
    output reg                               l2_hit = 0,
    output reg                               l2_group = 0,      // the destination is a group address
    output reg                               l2_src_ok = 0,     // nothing for software to learn
    output reg  [15:0]                       l2_sw = 0,
    output reg  [7:0]                        l2_flags = 0,
    output reg                               l2_in_range = 0
);

localparam NV = 2**VXLAN_BITS;
localparam NF = 2**L2FIB_BITS;

// s8
reg s8_hit;
integer v;
always @* begin
    s8_hit = 1'b0;
    s8_tunnel_sw = 16'd0;
    for (v = 0; v < NV; v = v + 1) begin
        if (vxlan[160*v + offload_pkg::VXLAN_SW_IF_INDEX_LSB +: 16] != 16'd0
                && vxlan[160*v + offload_pkg::VXLAN_SRC_LSB +: 32] == s8_dst
                && vxlan[160*v + offload_pkg::VXLAN_DST_LSB +: 32] == s8_src
                && vxlan[160*v + offload_pkg::VXLAN_VNI_LSB +: 32] == {8'd0, s8_vni}) begin
            s8_hit = 1'b1;
            s8_tunnel_sw = vxlan[160*v + offload_pkg::VXLAN_SW_IF_INDEX_LSB +: 16];
        end
    end
end
reg        hit9 = 0;
reg [15:0] sw9 = 0;

// s9
// Waiver: l2-input reads the bridge domain and its flags of the interface entry.
/* verilator lint_off UNUSEDSIGNAL */
wire [IF_W-1:0] l2if = s9_bvi ? s9_bvi_if : s9_tunnel_if;
/* verilator lint_on UNUSEDSIGNAL */
wire [15:0] bd = l2if[offload_pkg::IF_BD_INDEX_LSB +: 16];
wire [47:0] dmac = s9_bvi ? s9_adj_macs[0 +: 48] : s9_inner_macs[0 +: 48];
wire [47:0] smac = s9_bvi ? s9_adj_macs[48 +: 48] : s9_inner_macs[48 +: 48];
wire learn = (l2if[offload_pkg::IF_BD_FLAGS_LSB +: 8] & offload_pkg::BD_FLAG_LEARN[7:0]) != 8'd0;
reg        s9_hit, s9_src_known;
reg [7:0]  s9_flags;
integer f;
always @* begin
    s9_hit = 1'b0;
    s9_src_known = 1'b0;
    s9_member_sw = 16'd0;
    s9_flags = 8'd0;
    for (f = 0; f < NF; f = f + 1) begin
        if (l2fib[128*f + offload_pkg::L2FIB_SW_IF_INDEX_LSB +: 16] != 16'd0
                && l2fib[128*f + offload_pkg::L2FIB_BD_INDEX_LSB +: 16] == bd) begin
            if (l2fib[128*f + offload_pkg::L2FIB_MAC_LSB +: 48] == dmac) begin
                s9_hit = 1'b1;
                s9_member_sw = l2fib[128*f + offload_pkg::L2FIB_SW_IF_INDEX_LSB +: 16];
                s9_flags = l2fib[128*f + offload_pkg::L2FIB_FLAGS_LSB +: 8];
            end
            if (l2fib[128*f + offload_pkg::L2FIB_MAC_LSB +: 48] == smac) s9_src_known = 1'b1;
        end
    end
end

always @(posedge clk) begin
    if (en) begin
        hit9 <= s8_hit && s8_tunnel_sw < 16'(2**IF_BITS);
        sw9 <= s8_tunnel_sw;
        tunnel_hit <= hit9;
        tunnel_sw <= sw9;
        tunnel_acl_in <= s9_tunnel_if[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16] != 16'd0;
        l2_hit <= s9_hit;
        l2_group <= dmac[0];
        // (l2-learn learns any source but all-zero, group-bit ones included)
        l2_src_ok <= smac == 48'd0 || s9_src_known || !learn;
        l2_sw <= s9_member_sw;
        l2_flags <= s9_flags;
        l2_in_range <= s9_member_sw < 16'(2**IF_BITS);
    end
end

endmodule

`resetall
