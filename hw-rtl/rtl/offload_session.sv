// One session lookup with its own copy of the session table: the lookup engine
// (offload_session_lookup) and its store (offload_session_store) joined by their
// request/response stream, the store written from the register block's table-write
// port (entries of TBL_SESSION at bucket * WAYS + way, tag words of TBL_SESSION_TAG at
// the bucket). The key enters with `en`; the answer is valid after that edge until the
// next `en`. Every lookup of the pipeline is one of these (a replicated table, each copy
// with one read port and one write port).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_session #
(
    parameter BUCKET_BITS = 11
)
(
    input  wire                                 clk,
    input  wire                                 en,
    input  wire [offload_pkg::SKEY_BITS-1:0]    key,

    // table writes and the read-back at the written address
    input  wire [7:0]                           tbl_sel,
    // Waiver: the index is checked whole by the register block; the table uses its low bits.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [31:0]                          tbl_index,
    input  wire                                 tw,
    input  wire [511:0]                         tw_data,
    /* verilator lint_on UNUSEDSIGNAL */
    output wire [offload_pkg::SESS_BITS-1:0]    rb_entry,
    output wire [127:0]                         rb_tags,

    output wire                                 hit,
    output wire [BUCKET_BITS-1:0]               hit_bucket,
    output wire [2:0]                           hit_way,
    output wire [offload_pkg::SESS_BITS-1:0]    entry
);

localparam SESS_W = offload_pkg::SESS_BITS;

// (an entry's index is bucket * WAYS + way, a tag word's the bucket)
wire tag_table = {24'd0, tbl_sel} == offload_pkg::TBL_SESSION_TAG;
wire [BUCKET_BITS-1:0] w_bucket = tag_table ? tbl_index[BUCKET_BITS-1:0] : tbl_index[BUCKET_BITS+2:3];

wire req_valid, rsp_valid;
wire [BUCKET_BITS-1:0] req_b1, req_b2;
wire [15:0] req_tag;
wire [255:0] rsp_tags;
wire [offload_pkg::SESSION_WAYS*2*SESS_W-1:0] rsp_ways;
offload_session_lookup #(.BUCKET_BITS(BUCKET_BITS)) lookup (
    .clk(clk), .en(en), .key(key),
    .m_req_valid(req_valid), .m_req_b1(req_b1), .m_req_b2(req_b2), .m_req_tag(req_tag),
    .s_rsp_valid(rsp_valid), .s_rsp_tags(rsp_tags), .s_rsp_ways(rsp_ways),
    .hit(hit), .hit_bucket(hit_bucket), .hit_way(hit_way), .entry(entry));
offload_session_store #(.BUCKET_BITS(BUCKET_BITS)) store (
    .clk(clk), .w_bucket(w_bucket), .w_way(tbl_index[2:0]),
    .w_entry_we(offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_SESSION)),
    .w_tag_we(offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_SESSION_TAG)),
    .w_data(tw_data[SESS_W-1:0]), .rb_entry(rb_entry), .rb_tags(rb_tags),
    .s_req_valid(req_valid), .s_req_b1(req_b1), .s_req_b2(req_b2), .s_req_tag(req_tag),
    .m_rsp_valid(rsp_valid), .m_rsp_tags(rsp_tags), .m_rsp_ways(rsp_ways));

endmodule

`resetall
