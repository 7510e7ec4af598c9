// The tables kept in flip-flops: the global entry, the ACL lists, ACLs and rules (every
// rule visible to the classifiers at once), the L2 FIB and VXLAN tunnels (compared
// whole, CAM-like, by the L2 lookup engine) and the port map (read without a clock's
// wait). Written whole from the register block's staging registers (tw, tw_data at
// TBL_SELECT/TBL_INDEX) and read back there. The fields the classifiers match are kept
// flat (no clock rebuilds a wide vector from an array); the rest of each ACL and rule
// entry (indices, for read-back only) beside them.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_ff_tables #
(
    parameter N_PORTS = 2,
    parameter ACL_LIST_BITS = 4,
    parameter ACL_BITS = 4,
    parameter RULE_BITS = 5,
    parameter L2FIB_BITS = 5,
    parameter VXLAN_BITS = 3
)
(
    input  wire        clk,

    // the register block's table write and read-back
    input  wire [7:0]  tbl_sel,
    // Waiver: the index is checked whole by the register block; the tables use its low bits.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [31:0] tbl_index,
    input  wire        tw,
    input  wire [511:0] tw_data,
    /* verilator lint_on UNUSEDSIGNAL */
    output reg  [511:0] rb_data,           // the selected entry (0 for tables not kept here)

    output reg  [offload_pkg::GLOBAL_BITS-1:0] global_entry = 0,
    output reg  [(2**ACL_LIST_BITS)*32-1:0]    lists = 0,
    output reg  [(2**ACL_BITS)*48-1:0]         acls = 0,
    output reg  [(2**RULE_BITS)*176-1:0]       rules = 0,
    output reg  [(2**L2FIB_BITS)*128-1:0]      l2fib = 0,
    output reg  [(2**VXLAN_BITS)*160-1:0]      vxlan = 0,
    output reg  [N_PORTS*16-1:0]               port_map = 0
);

reg [15:0] acl_rest [0:2**ACL_BITS-1];
reg [79:0] rule_rest [0:2**RULE_BITS-1];

`ifndef SYNTHESIS
integer i;
initial begin
    for (i = 0; i < 2**ACL_BITS; i = i + 1) acl_rest[i] = 0;
    for (i = 0; i < 2**RULE_BITS; i = i + 1) rule_rest[i] = 0;
end
`endif

wire [ACL_LIST_BITS-1:0] li = tbl_index[ACL_LIST_BITS-1:0];
wire [ACL_BITS-1:0] ai = tbl_index[ACL_BITS-1:0];
wire [RULE_BITS-1:0] ri = tbl_index[RULE_BITS-1:0];
wire [L2FIB_BITS-1:0] fi = tbl_index[L2FIB_BITS-1:0];
wire [VXLAN_BITS-1:0] vi = tbl_index[VXLAN_BITS-1:0];
wire [31:0] pi = 32'(tbl_index[2:0]) % N_PORTS;

always @(posedge clk) begin
    if (offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_GLOBAL)) global_entry <= tw_data[offload_pkg::GLOBAL_BITS-1:0];
    if (offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_ACL_LIST)) lists[32*li +: 32] <= tw_data[31:0];
    if (offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_ACL)) begin
        acls[48*ai +: 48] <= tw_data[47:0];
        acl_rest[ai] <= tw_data[63:48];
    end
    if (offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_ACL_RULE)) begin
        rules[176*ri +: 176] <= tw_data[175:0];
        rule_rest[ri] <= tw_data[255:176];
    end
    if (offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_L2FIB)) l2fib[128*fi +: 128] <= tw_data[127:0];
    if (offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_VXLAN_TUNNEL)) vxlan[160*vi +: 160] <= tw_data[159:0];
    if (offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_PORT_MAP)) port_map[16*pi +: 16] <= tw_data[15:0];
end

always @* begin
    case ({24'd0, tbl_sel})
        offload_pkg::TBL_GLOBAL: rb_data = {{(512-offload_pkg::GLOBAL_BITS){1'b0}}, global_entry};
        offload_pkg::TBL_ACL_LIST: rb_data = {480'd0, lists[32*li +: 32]};
        offload_pkg::TBL_ACL: rb_data = {448'd0, acl_rest[ai], acls[48*ai +: 48]};
        offload_pkg::TBL_ACL_RULE: rb_data = {256'd0, rule_rest[ri], rules[176*ri +: 176]};
        offload_pkg::TBL_L2FIB: rb_data = {384'd0, l2fib[128*fi +: 128]};
        offload_pkg::TBL_VXLAN_TUNNEL: rb_data = {352'd0, vxlan[160*vi +: 160]};
        offload_pkg::TBL_PORT_MAP: rb_data = {496'd0, port_map[16*pi +: 16]};
        default: rb_data = 512'd0;
    endcase
end

endmodule

`resetall
