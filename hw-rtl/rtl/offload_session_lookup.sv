// Session lookup engine: one key's exact match in the session table, as the contract's
// software does it (offload-tables session.rs `lookup`): the key's hash gives a 16-bit
// tag and two candidate buckets; the store answers with both buckets (every way and the
// bucket's tags), and the first way, bucket 1 before bucket 2 and ways in ascending
// order, whose tag and key both match is the hit.
//
// Its memory is behind one request/response stream (m_req_*, s_rsp_*): the on-chip
// store (offload_session_store) answers the clock after the request. The engine's fixed
// latency is offload_util::SESSION_LOOKUP_LATENCY clocks of `en` (its stage advancing):
// the key enters with one, the result is valid after the last and holds until the next;
// a key may enter every clock. A pipeline that looks up
// several keys per packet gives each engine its own store (a replicated table, never a
// multi-ported one).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_session_lookup #
(
    // log2 buckets (offload_pkg::SESSION_WAYS entries each)
    parameter BUCKET_BITS = 11
)
(
    input  wire                            clk,

    // lookup: the key, in at the stage that advances with `en`
    input  wire                            en,
    input  wire [offload_pkg::SKEY_BITS-1:0] key,

    // the store: request, and its response the clock after
    output wire                            m_req_valid,
    output wire [BUCKET_BITS-1:0]          m_req_b1,
    output wire [BUCKET_BITS-1:0]          m_req_b2,
    output wire [15:0]                     m_req_tag,
    // Waiver: the on-chip store answers every request the clock after (fixed latency).
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                            s_rsp_valid,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [2*128-1:0]                s_rsp_tags,
    input  wire [offload_pkg::SESSION_WAYS*2*offload_pkg::SESS_BITS-1:0] s_rsp_ways,

    // the result, the stage after: hit, where (for hit bits) and the entry
    output wire                            hit,
    output wire [BUCKET_BITS-1:0]          hit_bucket,
    output wire [2:0]                      hit_way,
    output wire [offload_pkg::SESS_BITS-1:0] entry
);

localparam WAYS = offload_pkg::SESSION_WAYS;
localparam SB = BUCKET_BITS;
localparam W = offload_pkg::SESS_BITS;
localparam KW = offload_pkg::SKEY_BITS;

initial begin
    if (WAYS != 8 || KW != 128) begin
        $error("Error: offload_session_lookup expects 8 ways of 16-bit tags and 128-bit keys (instance %m)");
        $finish;
    end
end

// ---- hash (offload_session_hash: registered, HASH_LATENCY clocks), the request the
// clock after; the key waits beside them for the response
localparam HASH_LATENCY = offload_util::SESSION_LOOKUP_LATENCY - 1;
wire [15:0] tag;
wire [SB-1:0] b1, b2;
offload_session_hash #(.BUCKET_BITS(SB)) hash (.clk(clk), .en(en), .key(key), .tag(tag), .b1(b1), .b2(b2));
assign m_req_valid = en;
assign m_req_b1 = b1;
assign m_req_b2 = b2;
assign m_req_tag = tag;

reg [KW-1:0] key_d [0:HASH_LATENCY];   // key_d[i]: the key i + 1 clocks after it entered
reg [15:0] tag_q = 0;
reg [SB-1:0] b1_q = 0, b2_q = 0;
wire [KW-1:0] key_q = key_d[HASH_LATENCY];
integer d;
always @(posedge clk) begin
    if (en) begin
        key_d[0] <= key;
        for (d = 1; d <= HASH_LATENCY; d = d + 1) key_d[d] <= key_d[d-1];
        tag_q <= tag;
        b1_q <= b1;
        b2_q <= b2;
    end
end

// ---- way match on the response: the last assignment wins, so walk backwards to keep
// software's first
wire [W-1:0] slots [0:2*WAYS-1];  // bucket b's way w at b * WAYS + w
genvar gb, gw;
generate
    for (gb = 0; gb < 2; gb = gb + 1) begin : bucket
        for (gw = 0; gw < WAYS; gw = gw + 1) begin : way
            assign slots[gb*WAYS + gw] = s_rsp_ways[2*W*gw + W*gb +: W];
        end
    end
endgenerate
reg r_hit;
reg r_second;
reg [2:0] r_way;
integer b, w;
always @* begin
    r_hit = 1'b0;
    r_second = 1'b0;
    r_way = 3'd0;
    for (b = 1; b >= 0; b = b - 1) begin
        for (w = WAYS - 1; w >= 0; w = w - 1) begin
            if (s_rsp_tags[128*b + 16*w +: 16] == tag_q && slots[b*WAYS + w][offload_pkg::SESS_KEY_LSB +: KW] == key_q) begin
                r_hit = 1'b1;
                r_second = b == 1;
                r_way = 3'(w);
            end
        end
    end
end

assign hit = r_hit;
assign hit_way = r_way;
assign hit_bucket = r_second ? b2_q : b1_q;
assign entry = !r_hit ? {W{1'b0}} : slots[{r_second, r_way}];

endmodule

`resetall
