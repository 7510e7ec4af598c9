// The FIB engine (s2..s8): ip4-lookup's 16-8-8 trie, VPP's flow hash for ECMP, the
// load-balance, its bucket and the adjacency, each table an offload_ram (port A the
// register block's write and read-back, port B the pipeline's read; the trie groups
// twice, for levels 2 and 3). Fixed latency; every register moves with the pipeline (en).
//
//   s2 the flow after NAT: L1 read          s5 trie level 3; flow hash out; LB read
//   s3 trie level 2 read; flow hash in      s6 bucket index (hash & (n - 1)); bucket read
//   s4 trie level 3 read                    s7 DPO; adjacency read      s8 adjacency
//
// The outer packet of a VXLAN encap skips the trie: its tunnel's load-balance (s3).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_fib #
(
    parameter FIB_BITS = 1,
    parameter GROUP_BITS = 5,
    parameter LB_BITS = 5,
    parameter BUCKET_BITS = 7,
    parameter ADJ_BITS = 5
)
(
    input  wire         clk,
    input  wire         en,

    // the register block's table write and read-back
    input  wire [7:0]   tbl_sel,
    // Waiver: the index is checked whole by the register block; the tables use its low bits.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [31:0]  tbl_index,
    input  wire         tw,
    input  wire [511:0] tw_data,
    /* verilator lint_on UNUSEDSIGNAL */
    output reg  [511:0] rb_data,      // the selected entry (0 for tables not kept here)

    input  wire [FIB_BITS-1:0] s2_fib,  // (the top punts FIB indices out of range)
    input  wire [15:0]  s2_dst_hi,    // the destination's upper 16 bits
    input  wire [31:0]  s3_dst,
    input  wire         s3_outer,     // the outer packet of an encap ...
    input  wire [31:0]  s3_outer_lb,  // ... and its tunnel's load-balance
    // the flow hash's input: the flow after NAT
    input  wire [31:0]  s3_src,
    input  wire [7:0]   s3_proto,
    input  wire [15:0]  s3_sport,     // (0 unless TCP or UDP)
    input  wire [15:0]  s3_dport,
    input  wire [7:0]   s4_dst_lo,    // the destination's low byte
    output wire         s5_found,     // a route (a load-balance)
    output wire         s5_lb_bad,    // ... whose index is outside the table
    output wire [31:0]  s5_hash,
    input  wire [31:0]  s6_hash,
    output wire         s6_bucket_bad,
    output wire [3:0]   s7_dpo_kind,
    output wire         s7_adj_bad,   // an adjacency index outside the table
    output wire [191:0] s8_adj
);

localparam L1_BITS = FIB_BITS + 16;
localparam GE_BITS = GROUP_BITS + 8;

wire [31:0] l1_rb, grp_rb, bkt_rb;
wire [63:0] lb_rb;
wire [191:0] adj_rb;
always @* begin
    case ({24'd0, tbl_sel})
        offload_pkg::TBL_LPM_L1: rb_data = {480'd0, l1_rb};
        offload_pkg::TBL_LPM_GROUP: rb_data = {480'd0, grp_rb};
        offload_pkg::TBL_LOAD_BALANCE: rb_data = {448'd0, lb_rb};
        offload_pkg::TBL_BUCKET: rb_data = {480'd0, bkt_rb};
        offload_pkg::TBL_ADJACENCY: rb_data = {320'd0, adj_rb};
        default: rb_data = 512'd0;
    endcase
end

// trie entries: [31] valid, [30] a group (index in the low bits), else [23:0] the load-balance
wire [31:0] l1_rd3, grp_rd4, grp_rd5;
reg  [31:0] lpm4 = 0, lpm5 = 0;
wire [31:0] e4 = lpm4[30] ? grp_rd4 : lpm4;
// Waiver: a found entry's load-balance is its low 24 bits.
/* verilator lint_off UNUSEDSIGNAL */
wire [31:0] e5 = lpm5[30] ? grp_rd5 : lpm5;
/* verilator lint_on UNUSEDSIGNAL */
assign s5_found = e5[31] && !e5[30];
assign s5_lb_bad = e5[23:0] >= 24'(2**LB_BITS);
always @(posedge clk) begin
    if (en) begin
        lpm4 <= !s3_outer ? l1_rd3 : {2'b10, 6'd0, s3_outer_lb < 32'(2**LB_BITS) ? s3_outer_lb[23:0] : 24'hffffff};
        lpm5 <= e4;
    end
end

// flow_hash::hashes_ports, of the flow after NAT: in at s3, the hash at s5
offload_flow_hash flow_hash (.clk(clk), .en(en), .src(s3_src), .dst(s3_dst), .proto(s3_proto),
    .sport(s3_sport), .dport(s3_dport), .hash(s5_hash));

// Waiver: a load-balance entry is read whole; the bucket uses its start and count.
/* verilator lint_off UNUSEDSIGNAL */
wire [63:0] lb_rd6;
/* verilator lint_on UNUSEDSIGNAL */
wire [15:0] n_buckets = lb_rd6[offload_pkg::LB_N_BUCKETS_LSB +: 16];
wire [31:0] h6 = n_buckets > 16'd1 ? s6_hash : 32'd0;
// (33 bits: a start near 2^32 must not wrap into the table; software's index does not)
wire [32:0] bucket = {1'b0, lb_rd6[offload_pkg::LB_BUCKET_START_LSB +: 32]} + {1'b0, h6 & ({16'd0, n_buckets} - 32'd1)};
assign s6_bucket_bad = bucket >= 33'(2**BUCKET_BITS);

wire [31:0] bkt_rd7;
assign s7_dpo_kind = bkt_rd7[31:28];
assign s7_adj_bad = bkt_rd7[27:0] >= 28'(2**ADJ_BITS);

offload_ram #(.W(32), .ADDR_BITS(L1_BITS), .REPLICAS(1)) l1_ram (
    .clk(clk), .a_we(offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_LPM_L1)), .a_addr(tbl_index[L1_BITS-1:0]),
    .a_wdata(tw_data[31:0]), .a_rdata(l1_rb), .b_en(en),
    .b_addr({s2_fib, s2_dst_hi}), .b_rdata(l1_rd3));

offload_ram #(.W(32), .ADDR_BITS(GE_BITS), .REPLICAS(2)) grp_ram (
    .clk(clk), .a_we(offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_LPM_GROUP)), .a_addr(tbl_index[GE_BITS-1:0]),
    .a_wdata(tw_data[31:0]), .a_rdata(grp_rb), .b_en(en),
    // trie levels 2 (s3) and 3 (s4)
    .b_addr({e4[GROUP_BITS-1:0], s4_dst_lo, l1_rd3[GROUP_BITS-1:0], s3_dst[15:8]}),
    .b_rdata({grp_rd5, grp_rd4}));

offload_ram #(.W(64), .ADDR_BITS(LB_BITS), .REPLICAS(1)) lb_ram (
    .clk(clk), .a_we(offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_LOAD_BALANCE)), .a_addr(tbl_index[LB_BITS-1:0]),
    .a_wdata(tw_data[63:0]), .a_rdata(lb_rb), .b_en(en),
    .b_addr(e5[LB_BITS-1:0]), .b_rdata(lb_rd6));

offload_ram #(.W(32), .ADDR_BITS(BUCKET_BITS), .REPLICAS(1)) bkt_ram (
    .clk(clk), .a_we(offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_BUCKET)), .a_addr(tbl_index[BUCKET_BITS-1:0]),
    .a_wdata(tw_data[31:0]), .a_rdata(bkt_rb), .b_en(en),
    .b_addr(bucket[BUCKET_BITS-1:0]), .b_rdata(bkt_rd7));

offload_ram #(.W(192), .ADDR_BITS(ADJ_BITS), .REPLICAS(1)) adj_ram (
    .clk(clk), .a_we(offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_ADJACENCY)), .a_addr(tbl_index[ADJ_BITS-1:0]),
    .a_wdata(tw_data[191:0]), .a_rdata(adj_rb), .b_en(en),
    .b_addr(bkt_rd7[ADJ_BITS-1:0]), .b_rdata(s8_adj));

endmodule

`resetall
