// A first-word-fall-through FIFO of 2^DEPTH_BITS words: `head` shows the oldest word
// whenever `empty` is low, `pop` takes it. Storage is an array read asynchronously
// (distributed RAM, LUTRAM on Xilinx): for queues of requests, a few hundred words of
// tens of bits, not for packets (offload_ingress_fifo).
//
// A push while full, or a pop while empty, is the caller's error: the word is lost or
// nothing is taken (a simulation build stops on either).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_fifo #
(
    parameter W = 32,
    parameter DEPTH_BITS = 4
)
(
    input  wire          clk,
    input  wire          rst,
    input  wire          push,
    input  wire [W-1:0]  push_data,
    output wire          full,
    input  wire          pop,
    output wire          empty,
    output wire [W-1:0]  head
);

reg [W-1:0] mem [0:2**DEPTH_BITS-1];
reg [DEPTH_BITS:0] rd = 0, wr = 0;
assign empty = rd == wr;
assign full = (wr - rd) == (DEPTH_BITS+1)'(2**DEPTH_BITS);
assign head = mem[rd[DEPTH_BITS-1:0]];

always @(posedge clk) begin
    if (push && !full) begin
        mem[wr[DEPTH_BITS-1:0]] <= push_data;
        wr <= wr + 1'b1;
    end
    if (pop && !empty) rd <= rd + 1'b1;
    if (rst) begin
        rd <= 0;
        wr <= 0;
    end
end

`ifndef SYNTHESIS
always @(posedge clk) begin
    if (!rst && ((push && full) || (pop && empty))) begin
        $error("Error: offload_fifo %m: %s", push && full ? "push while full" : "pop while empty");
        $finish;
    end
end
`endif

endmodule

`resetall
