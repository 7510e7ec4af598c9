// Session lookup engine: one key's exact match in the session table, as the contract's
// software does it (offload-tables session.rs `lookup`): the key's hash gives a 16-bit
// tag and two candidate buckets; both buckets are read whole (every way and the bucket's
// tags), and the first way, bucket 1 before bucket 2 and ways in ascending order, whose
// tag and key both match is the hit.
//
// Fixed latency of one clock: the key enters with `en` (its stage advancing) and the
// result is valid after that edge, until the next `en`.
//
// Each instance keeps its own copy of the session and tag memories (two read ports:
// bucket 1 and bucket 2), written together by the register block through the `w_*`
// ports: a pipeline that looks up several keys per packet replicates the table per key,
// never multi-ports it. The read-back (`rb_*`, the driver's table reads) comes from every
// instance alike; the top takes one.

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

    // register block: an entry (bucket, way) or a bucket's tags, and their read-back at
    // the same address (the clock after)
    input  wire [BUCKET_BITS-1:0]          w_bucket,
    input  wire [2:0]                      w_way,
    input  wire                            w_entry_we,
    input  wire                            w_tag_we,
    input  wire [offload_pkg::SESS_BITS-1:0] w_data,
    output wire [offload_pkg::SESS_BITS-1:0] rb_entry,
    output wire [127:0]                    rb_tags,

    // lookup: the key, in at the stage that advances with `en`
    input  wire                            en,
    input  wire [offload_pkg::SKEY_BITS-1:0] key,

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

// ---- hash (combinational at the key's stage), then the reads at its edge
wire [15:0] tag;
wire [SB-1:0] b1, b2;
offload_session_hash #(.BUCKET_BITS(SB)) hash (.key(key), .tag(tag), .b1(b1), .b2(b2));

reg [KW-1:0] key_q = 0;
reg [15:0] tag_q = 0;
reg [SB-1:0] b1_q = 0, b2_q = 0;
always @(posedge clk) begin
    if (en) begin
        key_q <= key;
        tag_q <= tag;
        b1_q <= b1;
        b2_q <= b2;
    end
end

wire [2*128-1:0] tags;            // bucket 1's tags, then bucket 2's
offload_ram #(.W(128), .ADDR_BITS(SB), .REPLICAS(2)) tag_ram (
    .clk(clk), .a_we(w_tag_we), .a_addr(w_bucket), .a_wdata(w_data[127:0]), .a_rdata(rb_tags),
    .b_en(en), .b_addr({b2, b1}), .b_rdata(tags));

wire [W-1:0] rb_ways [0:WAYS-1];
wire [2*W-1:0] slots [0:WAYS-1];  // way w: bucket 1's entry, then bucket 2's
genvar gw;
generate
    for (gw = 0; gw < WAYS; gw = gw + 1) begin : way
        offload_ram #(.W(W), .ADDR_BITS(SB), .REPLICAS(2)) ram (
            .clk(clk), .a_we(w_entry_we && w_way == gw), .a_addr(w_bucket), .a_wdata(w_data),
            .a_rdata(rb_ways[gw]), .b_en(en), .b_addr({b2, b1}), .b_rdata(slots[gw]));
    end
endgenerate
assign rb_entry = rb_ways[w_way];

// ---- way match: the last assignment wins, so walk backwards to keep software's first
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
            if (tags[128*b + 16*w +: 16] == tag_q
                    && slots[w][W*b + offload_pkg::SESS_KEY_LSB +: KW] == key_q) begin
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
assign entry = !r_hit ? {W{1'b0}} : r_second ? slots[r_way][W +: W] : slots[r_way][0 +: W];

endmodule

`resetall
