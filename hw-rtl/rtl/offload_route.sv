// The route segment: ip4-lookup and ip4-load-balance of the flow after NAT, through the
// FIB engine (offload_fib: the trie, the flow hash, the load-balance, bucket and
// adjacency memories). Fixed latency, six stage registers (r1..r6, the packet context
// of offload_ctx), advancing together while the output (a skid buffer) is ready; the
// input (r0) is the skid buffer before it, read as the packet enters:
//
//   r0  the trie's first level read            (offload_fib's s2)
//   r1  trie level 2, the flow hash begins     (s3)
//   r2  trie level 3 read                      (s4)
//   r3  trie level 3, flow hash, LB read       (s5): no route drops, a bad LB punts
//   r4  bucket read                            (s6)
//   r5  adjacency read                         (s7): the DPO's kind decides
//   r6  the output register, with the adjacency (s8)

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_route #
(
    parameter FIB_BITS = 1,
    parameter GROUP_BITS = 5,
    parameter LB_BITS = 5,
    parameter BUCKET_BITS = 7,
    parameter ADJ_BITS = 5,
    parameter CW = offload_ctx::W
)
(
    input  wire            clk,
    input  wire            rst,

    input  wire [CW-1:0]   s_ctx,
    input  wire            s_valid,
    output wire            s_ready,

    output reg  [CW-1:0]   m_ctx,
    output wire            m_valid,
    input  wire            m_ready,

    // table writes (the FIB's tables) and the read-back
    input  wire [7:0]      tbl_sel,
    input  wire [31:0]     tbl_index,
    input  wire            tw,
    input  wire [511:0]    tw_data,
    output wire [511:0]    rb_data,

    // events for the counters: the LPM's lookup and its hit (r3)
    output wire            ev_lpm,
    output wire            ev_lpm_hit,

    output wire            busy
);

localparam [7:0] PUNT_EXC = offload_pkg::PUNT_EXCEPTION[7:0];

reg [CW-1:0] r1, r2, r3, r4, r5, r6;
reg v1 = 0, v2 = 0, v3 = 0, v4 = 0, v5 = 0, v6 = 0;
wire en = !v6 || m_ready;
assign s_ready = en;
assign m_valid = v6;
assign busy = v1 || v2 || v3 || v4 || v5 || v6;

// the flow hash of the flow after NAT, for TCP and UDP with its ports
// Waiver: the trie reads the destination a part per level, and the FIB index's low bits
// (classify punts the others).
/* verilator lint_off UNUSEDSIGNAL */
wire [31:0] dst0 = s_ctx[`CTX_DST], dst2 = r2[`CTX_DST];
wire [15:0] fib0 = s_ctx[`CTX_FIB];
/* verilator lint_on UNUSEDSIGNAL */
wire r1_ports = r1[`CTX_L4] && (r1[`CTX_PROTO] == 8'd6 || r1[`CTX_PROTO] == 8'd17);
wire r3_found, r3_lb_bad, r4_bucket_bad, r5_adj_bad;
wire [31:0] r3_hash;
wire [3:0] r5_kind;
wire [offload_ctx::ADJ_W-1:0] r6_adj;
offload_fib #(.FIB_BITS(FIB_BITS), .GROUP_BITS(GROUP_BITS), .LB_BITS(LB_BITS), .BUCKET_BITS(BUCKET_BITS),
    .ADJ_BITS(ADJ_BITS)) fib (
    .clk(clk), .en(en),
    .tbl_sel(tbl_sel), .tbl_index(tbl_index), .tw(tw), .tw_data(tw_data), .rb_data(rb_data),
    .s2_fib(fib0[FIB_BITS-1:0]), .s2_dst_hi(dst0[31:16]), .s3_dst(r1[`CTX_DST]), .s3_outer(r1[`CTX_OUTER]),
    .s3_outer_lb(r1[`CTX_OLB]), .s3_src(r1[`CTX_SRC]), .s3_proto(r1[`CTX_PROTO]),
    .s3_sport(r1_ports ? r1[`CTX_SPORT] : 16'd0), .s3_dport(r1_ports ? r1[`CTX_DPORT] : 16'd0),
    .s4_dst_lo(dst2[7:0]),
    .s5_found(r3_found), .s5_lb_bad(r3_lb_bad), .s5_hash(r3_hash), .s6_hash(r4[`CTX_HASH]),
    .s6_bucket_bad(r4_bucket_bad), .s7_dpo_kind(r5_kind), .s7_adj_bad(r5_adj_bad), .s8_adj(r6_adj));

// the adjacency joins the context as it leaves (the memory's output register is r6's)
always @* begin
    m_ctx = r6;
    m_ctx[`CTX_ADJ] = r6_adj;
end

assign ev_lpm = en && v3 && r3[`CTX_SOP] && !r3[`CTX_PUNT] && !r3[`CTX_OUTER];
assign ev_lpm_hit = r3_found;

always @(posedge clk) begin
    if (en) begin
        v1 <= s_valid;
        v2 <= v1;
        v3 <= v2;
        v4 <= v3;
        v5 <= v4;
        v6 <= v5;
        r1 <= s_ctx;
        r2 <= r1;
        r3 <= r2;

        // r3 -> r4: the route's load-balance
        r4 <= r3;
        r4[`CTX_HASH] <= r3_hash;
        r4[`CTX_HITS] <= r3[`CTX_HITS] | (r3_found ? 16'd1 << offload_pkg::TBL_LPM_L1 : 16'd0);
        if (!r3[`CTX_PUNT] && !r3_found && !r3[`CTX_TCPST]) begin
            // ip4-lookup without a route: dropped, as software does (unless software must
            // see the packet's TCP flags first)
            r4[`CTX_PUNT] <= 1'b1;
            r4[`CTX_DROP] <= 1'b1;
            r4[`CTX_REASON] <= offload_pkg::DROP_NO_ROUTE[7:0];
        end else if (!r3[`CTX_PUNT] && (!r3_found || r3_lb_bad)) begin
            r4[`CTX_PUNT] <= 1'b1;
            r4[`CTX_REASON] <= PUNT_EXC;
        end

        // r4 -> r5: the bucket
        r5 <= r4;
        if (!r4[`CTX_PUNT] && r4_bucket_bad) begin
            r5[`CTX_PUNT] <= 1'b1;
            r5[`CTX_REASON] <= PUNT_EXC;
        end

        // r5 -> r6: the DPO
        r6 <= r5;
        r6[`CTX_LOC] <= !r5[`CTX_PUNT] && r5_kind == offload_pkg::DPO_LOCAL[3:0];
        if (!r5[`CTX_PUNT] && r5_kind == offload_pkg::DPO_DROP[3:0] && !r5[`CTX_TCPST]) begin
            // a drop route (VPP's special entries, a subnet's network and broadcast
            // addresses, a route with no usable path): dropped, as software does
            r6[`CTX_PUNT] <= 1'b1;
            r6[`CTX_DROP] <= 1'b1;
            r6[`CTX_REASON] <= offload_pkg::DROP_DROP_ROUTE[7:0];
        end else if (!r5[`CTX_PUNT] && (r5_kind != offload_pkg::DPO_ADJACENCY[3:0] || r5_adj_bad)) begin
            r6[`CTX_PUNT] <= 1'b1;
            r6[`CTX_REASON] <= r5_kind == offload_pkg::DPO_GLEAN[3:0] ? offload_pkg::PUNT_GLEAN[7:0]
                : r5_kind == offload_pkg::DPO_LOCAL[3:0] ? offload_pkg::PUNT_LOCAL[7:0] : PUNT_EXC;
        end
    end
    if (rst) begin
        v1 <= 1'b0;
        v2 <= 1'b0;
        v3 <= 1'b0;
        v4 <= 1'b0;
        v5 <= 1'b0;
        v6 <= 1'b0;
    end
end

endmodule

`resetall
