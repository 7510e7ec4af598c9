// A skid buffer: a valid/ready register slice between two of the pipeline's segments.
// Both directions are registered (m_data and m_valid, and s_ready), so neither the
// data path nor the stall crosses it combinationally; it takes a beat every clock
// while the output is ready (full throughput), and holds a second beat in its skid
// register for the clock the upstream still sends after the output stops.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_skid #
(
    parameter W = 8
)
(
    input  wire          clk,
    input  wire          rst,

    input  wire [W-1:0]  s_data,
    input  wire          s_valid,
    output reg           s_ready,

    output reg  [W-1:0]  m_data,
    output reg           m_valid,
    input  wire          m_ready,

    output wire          busy      // holds a beat
);

reg [W-1:0] skid_data;
reg         skid_valid;

assign busy = m_valid || skid_valid;

always @(posedge clk) begin
    // ready next clock unless a beat is waiting in the skid register, or the output
    // holds one and another may arrive now
    s_ready <= m_ready || (!skid_valid && (!m_valid || !s_valid));
    if (s_ready) begin
        if (m_ready || !m_valid) begin
            m_valid <= s_valid;
            m_data <= s_data;
        end else begin
            skid_valid <= s_valid;
            skid_data <= s_data;
        end
    end else if (m_ready) begin
        m_valid <= skid_valid;
        m_data <= skid_data;
        skid_valid <= 1'b0;
    end
    if (rst) begin
        s_ready <= 1'b0;
        m_valid <= 1'b0;
        skid_valid <= 1'b0;
    end
end

endmodule

`resetall
