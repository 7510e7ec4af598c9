// Store-and-forward packet FIFO for one input: a packet is offered downstream only
// once its last beat is in, together with its length in bytes (the parser needs the
// frame length to check the IPv4 total length before the first beat moves on).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_ingress_fifo #
(
    // beat width in bits
    parameter DATA_WIDTH = 512,
    // side-band width (inject metadata)
    parameter USER_WIDTH = 64,
    // log2 of the FIFO depth in beats; the longest accepted packet is 2**DEPTH_BITS beats
    parameter DEPTH_BITS = 6,
    // keep width
    parameter KEEP_WIDTH = DATA_WIDTH / 8
)
(
    input  wire                   clk,
    input  wire                   rst,

    input  wire [DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]  s_axis_tkeep,
    input  wire                   s_axis_tlast,
    input  wire [USER_WIDTH-1:0]  s_axis_tuser,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,

    output wire [DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                   m_axis_tlast,
    output wire [USER_WIDTH-1:0]  m_axis_tuser,
    output wire [15:0]            m_axis_len,   // packet length, valid on every beat
    output wire                   m_axis_tvalid,
    output wire                   occupied,     // a beat is in (a whole packet or part of one)
    input  wire                   m_axis_tready
);

initial begin
    if (KEEP_WIDTH * 8 != DATA_WIDTH) begin
        $error("Error: DATA_WIDTH must be 8 * KEEP_WIDTH (instance %m)");
        $finish;
    end
end

localparam DEPTH = 2**DEPTH_BITS;

reg [DATA_WIDTH-1:0] mem_data [0:DEPTH-1];
reg [KEEP_WIDTH-1:0] mem_keep [0:DEPTH-1];
reg                  mem_last [0:DEPTH-1];
reg [USER_WIDTH-1:0] mem_user [0:DEPTH-1];
reg [15:0]           len_mem  [0:DEPTH-1];

reg [DEPTH_BITS:0] wr_ptr_reg = 0, rd_ptr_reg = 0;
reg [DEPTH_BITS:0] len_wr_reg = 0, len_rd_reg = 0;
reg [15:0] acc_len_reg = 0;

// popcount of a contiguous keep
function [15:0] keep_bytes(input [KEEP_WIDTH-1:0] k);
    integer i;
    begin
        keep_bytes = 0;
        for (i = 0; i < KEEP_WIDTH; i = i + 1) begin
            keep_bytes = keep_bytes + {15'd0, k[i]};
        end
    end
endfunction

wire full = (wr_ptr_reg - rd_ptr_reg) == DEPTH[DEPTH_BITS:0];
wire pkt_avail = len_wr_reg != len_rd_reg;

assign s_axis_tready = !full;
assign m_axis_tvalid = pkt_avail;
assign occupied = wr_ptr_reg != rd_ptr_reg;
assign m_axis_tdata = mem_data[rd_ptr_reg[DEPTH_BITS-1:0]];
assign m_axis_tkeep = mem_keep[rd_ptr_reg[DEPTH_BITS-1:0]];
assign m_axis_tlast = mem_last[rd_ptr_reg[DEPTH_BITS-1:0]];
assign m_axis_tuser = mem_user[rd_ptr_reg[DEPTH_BITS-1:0]];
assign m_axis_len = len_mem[len_rd_reg[DEPTH_BITS-1:0]];

wire [15:0] beat_len = keep_bytes(s_axis_tkeep);

always @(posedge clk) begin
    if (s_axis_tvalid && s_axis_tready) begin
        mem_data[wr_ptr_reg[DEPTH_BITS-1:0]] <= s_axis_tdata;
        mem_keep[wr_ptr_reg[DEPTH_BITS-1:0]] <= s_axis_tkeep;
        mem_last[wr_ptr_reg[DEPTH_BITS-1:0]] <= s_axis_tlast;
        mem_user[wr_ptr_reg[DEPTH_BITS-1:0]] <= s_axis_tuser;
        wr_ptr_reg <= wr_ptr_reg + 1;
        if (s_axis_tlast) begin
            len_mem[len_wr_reg[DEPTH_BITS-1:0]] <= acc_len_reg + beat_len;
            len_wr_reg <= len_wr_reg + 1;
            acc_len_reg <= 0;
        end else begin
            acc_len_reg <= acc_len_reg + beat_len;
        end
    end
    if (m_axis_tvalid && m_axis_tready) begin
        rd_ptr_reg <= rd_ptr_reg + 1;
        if (m_axis_tlast) begin
            len_rd_reg <= len_rd_reg + 1;
        end
    end
    if (rst) begin
        wr_ptr_reg <= 0;
        rd_ptr_reg <= 0;
        len_wr_reg <= 0;
        len_rd_reg <= 0;
        acc_len_reg <= 0;
    end
end

endmodule

`resetall
