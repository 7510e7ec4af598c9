// Hit bits (HIT_INDEX / HIT_DATA): a bit per session slot, set when a packet uses the
// entry, read and cleared by the driver for aging. Word i covers buckets 4i..4i+3: bit
// 8b + w is way w of bucket 4i + b. Flip-flops: N_SOURCES lookups set bits in one clock,
// which no block RAM's port count allows.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_hit_bits #
(
    // log2 session buckets
    parameter SB = 11,
    parameter WAYS = 8,
    parameter N_SOURCES = 4
)
(
    input  wire                    clk,
    // each source: set the bit of (bucket, way)
    input  wire [N_SOURCES-1:0]    set,
    input  wire [N_SOURCES*SB-1:0] set_bucket,
    input  wire [N_SOURCES*3-1:0]  set_way,
    // the driver's word: read (combinational) and cleared on clear
    input  wire [SB-3:0]           word,
    input  wire                    clear,
    output reg  [31:0]             rdata
);

wire [3:0] way_bits [0:WAYS-1];

genvar gw;
generate
    for (gw = 0; gw < WAYS; gw = gw + 1) begin : way
        reg [2**SB-1:0] hb = 0;
        integer k;
        always @(posedge clk) begin
            // read-and-clear first, so that a hit in the same clock is kept
            if (clear) begin
                for (k = 0; k < 4; k = k + 1) hb[{word, 2'(k)}] <= 1'b0;
            end
            for (k = 0; k < N_SOURCES; k = k + 1) begin
                if (set[k] && set_way[3*k +: 3] == gw) hb[set_bucket[SB*k +: SB]] <= 1'b1;
            end
        end
        assign way_bits[gw] = hb[{word, 2'd0} +: 4];
    end
endgenerate

integer i;
always @* begin
    for (i = 0; i < 32; i = i + 1) rdata[i] = way_bits[i % 8][i / 8];
end

endmodule

`resetall
