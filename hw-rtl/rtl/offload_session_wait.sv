// Where a segment waits for its session lookups: the packet contexts queue here in
// order while NK lookup engines (offload_session_fetch) work on their keys, and each
// context leaves together with the NK results of its keys (every engine answers every
// key in key order, so the k-th context meets each engine's k-th result).
//
// The keys went into the engines before their context came here (the segment computes
// them a stage or two earlier), so at most the engines' slots of contexts wait:
// 2^DEPTH_BITS must be at least that (the instantiating segment passes its engines'
// ROB_BITS). The queue is block RAM (a context is a few thousand bits) read one clock
// ahead into its output register; the output (context and results) is a register.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_session_wait #
(
    parameter CW = 64,
    parameter NK = 1,
    parameter SB = 11,
    parameter DEPTH_BITS = 8
)
(
    input  wire                             clk,
    input  wire                             rst,

    input  wire [CW-1:0]                    s_ctx,
    input  wire                             s_valid,
    output wire                             s_ready,

    // the engines' results
    input  wire [NK-1:0]                    r_valid,
    output wire [NK-1:0]                    r_ready,
    input  wire [NK-1:0]                    r_hit,
    input  wire [NK*SB-1:0]                 r_bucket,
    input  wire [NK*3-1:0]                  r_way,
    input  wire [NK*offload_pkg::SESS_BITS-1:0] r_entry,

    output reg  [CW-1:0]                    m_ctx = 0,
    output reg                              m_valid = 0,
    input  wire                             m_ready,
    output reg  [NK-1:0]                    m_hit = 0,
    output reg  [NK*SB-1:0]                 m_bucket = 0,
    output reg  [NK*3-1:0]                  m_way = 0,
    output reg  [NK*offload_pkg::SESS_BITS-1:0] m_entry = 0,

    output wire                             busy
);

localparam D = 1 << DEPTH_BITS;

// ---- the context queue: block RAM, its read register `q_ctx` the queue's head
reg [CW-1:0] mem [0:D-1];
reg [DEPTH_BITS:0] rd = 0, wr = 0;
reg [CW-1:0] q_ctx = 0;
reg q_valid = 0;
wire stored = rd != wr;
wire fire = q_valid && &r_valid && (!m_valid || m_ready);
wire load = stored && (!q_valid || fire);
assign s_ready = !rst && (wr - rd) != (DEPTH_BITS+1)'(D);
assign r_ready = {NK{fire}};
assign busy = stored || q_valid || m_valid;

always @(posedge clk) begin
    if (s_valid && s_ready) begin
        mem[wr[DEPTH_BITS-1:0]] <= s_ctx;
        wr <= wr + 1'b1;
    end
    if (load) begin
        q_ctx <= mem[rd[DEPTH_BITS-1:0]];
        rd <= rd + 1'b1;
    end
    if (load) q_valid <= 1'b1;
    else if (fire) q_valid <= 1'b0;

    // ---- the output: the context and its results
    if (fire) begin
        m_ctx <= q_ctx;
        m_hit <= r_hit;
        m_bucket <= r_bucket;
        m_way <= r_way;
        m_entry <= r_entry;
    end
    if (fire) m_valid <= 1'b1;
    else if (m_ready) m_valid <= 1'b0;

    if (rst) begin
        rd <= 0;
        wr <= 0;
        q_valid <= 1'b0;
        m_valid <= 1'b0;
    end
end

endmodule

`resetall
