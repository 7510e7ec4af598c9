// The session table's memory behind a session lookup engine (offload_session_lookup),
// on chip: the tag words and the 8 ways of every bucket, two copies of each (one per
// candidate bucket), each an offload_ram (port A: the register block's write and
// read-back, port B: the lookup's read).
//
// The lookup engine sees only one request/response stream:
//   request  (s_req_*): the key's two candidate buckets and its tag;
//   response (m_rsp_*): both buckets' tag words and ways, bucket 1's in the low half,
//                       the clock after the request (this store's fixed latency).
// A store in external memory (HBM/DDR behind AXI) keeps this stream and changes what is
// behind it: tags on chip to fetch only the ways whose tag matches, a cache, requests in
// flight (and then a latency the pipeline must cover).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_session_store #
(
    // log2 buckets (offload_pkg::SESSION_WAYS entries each)
    parameter BUCKET_BITS = 11
)
(
    input  wire                                 clk,

    // register block: an entry (bucket, way) or a bucket's tags, and their read-back at
    // the same address (the clock after)
    input  wire [BUCKET_BITS-1:0]               w_bucket,
    input  wire [2:0]                           w_way,
    input  wire                                 w_entry_we,
    input  wire                                 w_tag_we,
    input  wire [offload_pkg::SESS_BITS-1:0]    w_data,
    output wire [offload_pkg::SESS_BITS-1:0]    rb_entry,
    output wire [127:0]                         rb_tags,

    // request
    input  wire                                 s_req_valid,
    input  wire [BUCKET_BITS-1:0]               s_req_b1,
    input  wire [BUCKET_BITS-1:0]               s_req_b2,
    // Waiver: an on-chip store reads both buckets whole; a store with tags on chip and
    // entries off chip would fetch only the ways with this tag.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [15:0]                          s_req_tag,
    /* verilator lint_on UNUSEDSIGNAL */

    // response: tags (bucket 1, bucket 2) and ways (way w: bucket 1's entry, bucket 2's)
    output reg                                  m_rsp_valid = 0,
    output wire [2*128-1:0]                     m_rsp_tags,
    output wire [offload_pkg::SESSION_WAYS*2*offload_pkg::SESS_BITS-1:0] m_rsp_ways
);

localparam WAYS = offload_pkg::SESSION_WAYS;
localparam W = offload_pkg::SESS_BITS;

always @(posedge clk) m_rsp_valid <= s_req_valid;

offload_ram #(.W(128), .ADDR_BITS(BUCKET_BITS), .REPLICAS(2)) tag_ram (
    .clk(clk), .a_we(w_tag_we), .a_addr(w_bucket), .a_wdata(w_data[127:0]), .a_rdata(rb_tags),
    .b_en(s_req_valid), .b_addr({s_req_b2, s_req_b1}), .b_rdata(m_rsp_tags));

wire [W-1:0] rb_ways [0:WAYS-1];
genvar gw;
generate
    for (gw = 0; gw < WAYS; gw = gw + 1) begin : way
        offload_ram #(.W(W), .ADDR_BITS(BUCKET_BITS), .REPLICAS(2)) ram (
            .clk(clk), .a_we(w_entry_we && w_way == gw), .a_addr(w_bucket), .a_wdata(w_data),
            .a_rdata(rb_ways[gw]), .b_en(s_req_valid), .b_addr({s_req_b2, s_req_b1}),
            .b_rdata(m_rsp_ways[2*W*gw +: 2*W]));
    end
endgenerate
assign rb_entry = rb_ways[w_way];

endmodule

`resetall
