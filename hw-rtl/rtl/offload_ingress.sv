// Ingress: a store-and-forward FIFO per input (the wire ports, the host's inject port,
// the pipeline's own loop port) and a round-robin arbiter that hands the pipeline one
// whole packet at a time, the loop port first at every packet boundary. The arbiter's
// output is a valid/ready stream of beats (`m_*`) with the packet's input number, its
// metadata word and length, and the loop port's stash.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_ingress #
(
    parameter N_PORTS = 2,
    // log2 depth in beats of each input's FIFO
    parameter FIFO_BITS = 5,
    // log2 depth in beats of the loop port's FIFO: room for every beat the pipeline can
    // hold, twice, and two longest packets (offload_top computes it; see below)
    parameter LOOP_FIFO_BITS = FIFO_BITS + 3
)
(
    input  wire                        clk,
    input  wire                        rst,

    input  wire [N_PORTS*512-1:0]      s_axis_rx_tdata,
    input  wire [N_PORTS*64-1:0]       s_axis_rx_tkeep,
    input  wire [N_PORTS-1:0]          s_axis_rx_tlast,
    input  wire [N_PORTS-1:0]          s_axis_rx_tvalid,
    output wire [N_PORTS-1:0]          s_axis_rx_tready,

    input  wire [511:0]                s_axis_inj_tdata,
    input  wire [63:0]                 s_axis_inj_tkeep,
    input  wire                        s_axis_inj_tlast,
    input  wire [63:0]                 s_axis_inj_tuser,
    input  wire                        s_axis_inj_tvalid,
    output wire                        s_axis_inj_tready,

    // the loop port (tuser: loop-port metadata, then the stashed outer headers)
    input  wire [511:0]                rc_wdata,
    input  wire [63:0]                 rc_wkeep,
    input  wire                        rc_wlast,
    input  wire [463:0]                rc_wuser,
    input  wire                        rc_wvalid,
    output wire                        rc_wready,

    output wire [511:0]                m_data,
    output wire [63:0]                 m_keep,
    output wire                        m_last,
    output wire                        m_sop,      // the packet's first beat
    output wire [3:0]                  m_input,    // wire ports, inject, loop port
    output wire [63:0]                 m_user,
    output wire [15:0]                 m_len,
    output wire [399:0]                m_stash,    // (the loop port's packets)
    output wire                        m_valid,
    input  wire                        m_ready,

    output wire                        pending     // a beat waits in some FIFO
);

localparam NI = N_PORTS + 1;          // inputs: wire ports, then inject
localparam NA = NI + 1;               // arbitrated inputs: those, then the loop port
localparam [3:0] IN_RECIRC = offload_util::in_loop(N_PORTS);

wire [NA*512-1:0] f_data;
wire [NA-1:0] f_occupied;
wire [NA*64-1:0]  f_keep;
wire [NA-1:0]     f_last;
wire [NA*64-1:0]  f_user;
wire [NA*16-1:0]  f_len;
wire [NA-1:0]     f_valid;
wire [NA-1:0]     f_ready;
wire [399:0]      rc_stash;

genvar gi;
generate
    for (gi = 0; gi < NA; gi = gi + 1) begin : ing
        wire [511:0] d = gi < N_PORTS ? s_axis_rx_tdata[512*(gi % N_PORTS) +: 512]
            : gi == N_PORTS ? s_axis_inj_tdata : rc_wdata;
        wire [63:0] k = gi < N_PORTS ? s_axis_rx_tkeep[64*(gi % N_PORTS) +: 64]
            : gi == N_PORTS ? s_axis_inj_tkeep : rc_wkeep;
        wire l = gi < N_PORTS ? s_axis_rx_tlast[gi % N_PORTS] : gi == N_PORTS ? s_axis_inj_tlast : rc_wlast;
        wire v = gi < N_PORTS ? s_axis_rx_tvalid[gi % N_PORTS] : gi == N_PORTS ? s_axis_inj_tvalid : rc_wvalid;
        // the loop port's side band also carries the 50 bytes of outer headers it stripped
        localparam UW = gi == NI ? 464 : 64;
        wire [UW-1:0] u = gi < N_PORTS ? UW'(0) : gi == N_PORTS ? UW'(s_axis_inj_tuser) : UW'(rc_wuser);
        wire [UW-1:0] uo;
        wire r;
        // The loop port's FIFO: packets from it never go round again (only first passes
        // encap or decap), and it goes first at every packet boundary, so what can reach
        // it before it drains is bounded: a packet still arriving (up to one longest),
        // the beats in the pipeline (offload_top's segments, skid buffers and the
        // session waits' queues), and one packet from another input, each packet of them
        // at most one beat longer for an encap's outer headers. offload_top sizes it for
        // that (2^LOOP_FIFO_BITS beats); it never fills, the output stage never waits on
        // it, and the loop cannot deadlock.
        offload_ingress_fifo #(.DATA_WIDTH(512), .USER_WIDTH(UW),
            .DEPTH_BITS(gi == NI ? LOOP_FIFO_BITS : FIFO_BITS)) fifo (
            .clk(clk), .rst(rst),
            .s_axis_tdata(d), .s_axis_tkeep(k), .s_axis_tlast(l), .s_axis_tuser(u),
            .s_axis_tvalid(v), .s_axis_tready(r),
            .m_axis_tdata(f_data[512*gi +: 512]), .m_axis_tkeep(f_keep[64*gi +: 64]),
            .m_axis_tlast(f_last[gi]), .m_axis_tuser(uo), .m_axis_len(f_len[16*gi +: 16]),
            .m_axis_tvalid(f_valid[gi]), .occupied(f_occupied[gi]), .m_axis_tready(f_ready[gi])
        );
        if (gi < N_PORTS) begin : w
            assign s_axis_rx_tready[gi] = r;
        end else if (gi == N_PORTS) begin : j
            assign s_axis_inj_tready = r;
        end else begin : lp
            assign rc_wready = r;
            assign rc_stash = uo[UW-1:64];
        end
        assign f_user[64*gi +: 64] = uo[63:0];
    end
endgenerate

// Round-robin arbiter, held for the whole packet.
reg [3:0] cur_reg = 0;       // input streaming now
reg       busy_reg = 0;      // inside a packet
reg [3:0] rr_reg = 0;        // last input granted
reg [3:0] pick;
reg       pick_ok;
integer pi;
reg [4:0] pidx;              // (rr_reg + pi) mod NI, by subtraction (no divider)
// inputs' valid and last, padded to the width of an input number
wire [15:0] f_valid_w = {{(16-NA){1'b0}}, f_valid};
wire [15:0] f_last_w = {{(16-NA){1'b0}}, f_last};
always @* begin
    pick = cur_reg;
    pick_ok = busy_reg;
    pidx = 5'd0;
    if (!busy_reg) begin
        for (pi = NI; pi >= 1; pi = pi - 1) begin
            pidx = {1'b0, rr_reg} + 5'(pi);
            // (rr_reg names a wire or inject input: the sum is below 2 * NI)
            if (pidx >= 5'(NI)) pidx = pidx - 5'(NI);
            if (pidx >= 5'(NI)) pidx = pidx - 5'(NI);
            if (f_valid_w[pidx[3:0]]) begin
                pick = pidx[3:0];
                pick_ok = 1'b1;
            end
        end
        // the loop port first (see its FIFO)
        if (f_valid_w[IN_RECIRC]) begin
            pick = IN_RECIRC;
            pick_ok = 1'b1;
        end
    end
end
wire in_fire = pick_ok && f_valid_w[pick] && m_ready;
genvar gr;
generate
    for (gr = 0; gr < NA; gr = gr + 1) begin : rdy
        assign f_ready[gr] = in_fire && pick == gr;
    end
endgenerate
always @(posedge clk) begin
    if (in_fire) begin
        busy_reg <= !f_last_w[pick];
        cur_reg <= pick;
        // (the loop port goes first anyway: it takes no wire or inject input's turn)
        if (!busy_reg && pick != IN_RECIRC) rr_reg <= pick;
    end
    if (rst) begin
        busy_reg <= 0;
        rr_reg <= 0;
        cur_reg <= 0;
    end
end

assign m_data = f_data[512*pick +: 512];
assign m_keep = f_keep[64*pick +: 64];
assign m_last = f_last_w[pick];
assign m_sop = !busy_reg;
assign m_input = pick;
assign m_user = f_user[64*pick +: 64];
assign m_len = f_len[16*pick +: 16];
assign m_stash = rc_stash;
assign m_valid = pick_ok && f_valid_w[pick];
assign pending = f_occupied != {NA{1'b0}};

endmodule

`resetall
