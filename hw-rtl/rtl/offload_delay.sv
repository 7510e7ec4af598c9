// A delay line inside a segment: DEPTH registers that a beat (data and valid) walks
// through with the segment's enable, so a stage's context waits beside an engine of
// fixed latency (a session lookup). DEPTH 0 is a wire. Without a reset on the data and
// with one enable, a vendor flow maps it to shift-register LUTs (SRL).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_delay #
(
    parameter W = 8,
    parameter DEPTH = 1
)
(
    input  wire          clk,
    input  wire          rst,
    input  wire          en,
    input  wire [W-1:0]  s_data,
    input  wire          s_valid,
    output wire [W-1:0]  m_data,
    output wire          m_valid,
    output wire          busy      // a valid beat in the line
);

generate
    if (DEPTH == 0) begin : wire_through
        assign m_data = s_data;
        assign m_valid = s_valid;
        assign busy = 1'b0;
    end else begin : line
        reg [W-1:0] data [0:DEPTH-1];
        reg [DEPTH-1:0] valid = 0;
        integer i;
        always @(posedge clk) begin
            if (en) begin
                data[0] <= s_data;
                for (i = 1; i < DEPTH; i = i + 1) data[i] <= data[i-1];
                valid <= DEPTH'({valid, s_valid});   // (the oldest leaves)
            end
            if (rst) valid <= 0;
        end
        assign m_data = data[DEPTH-1];
        assign m_valid = valid[DEPTH-1];
        assign busy = valid != 0;
    end
endgenerate

endmodule

`resetall
