// The output stage (s11): the last pipeline register's beat to its destination (a wire
// port, the punt port, the loop port, or nowhere for a drop), with the destination of
// the packet's first beat kept for the rest. Two realigners (offload_realign): the punt
// port's puts the stashed 50 bytes of outer headers back in front of a second pass's punt
// (the frame as it came in); the loop port's writer strips them from a decapsulated
// packet or puts the encapsulation's in front, and hands the loop port the packet's
// metadata and stash with its first beat.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_output #
(
    parameter N_PORTS = 2
)
(
    input  wire                   clk,
    input  wire                   rst,

    // s11: the beat, and on the first beat its destination and metadata
    input  wire                   valid,
    input  wire [511:0]           data,
    input  wire [63:0]            keep,
    input  wire                   last,
    input  wire                   sop,
    input  wire [3:0]             dest,
    input  wire [63:0]            meta,
    input  wire [399:0]           stash,
    input  wire                   put_back,     // a second pass's punt: the stash goes back in front
    output wire                   ready,        // the beat leaves this clock if valid
    output wire                   busy,         // a realigner owes a beat

    output wire [N_PORTS*512-1:0] m_axis_tx_tdata,
    output wire [N_PORTS*64-1:0]  m_axis_tx_tkeep,
    output wire [N_PORTS-1:0]     m_axis_tx_tlast,
    output wire [N_PORTS-1:0]     m_axis_tx_tvalid,
    input  wire [N_PORTS-1:0]     m_axis_tx_tready,

    output wire [511:0]           m_axis_punt_tdata,
    output wire [63:0]            m_axis_punt_tkeep,
    output wire                   m_axis_punt_tlast,
    output wire [63:0]            m_axis_punt_tuser,
    output wire                   m_axis_punt_tvalid,
    input  wire                   m_axis_punt_tready,

    // the loop port's write side (offload_ingress)
    output wire [511:0]           rc_wdata,
    output wire [63:0]            rc_wkeep,
    output wire                   rc_wlast,
    output wire [463:0]           rc_wuser,     // loop-port metadata, then the stash
    output wire                   rc_wvalid,
    input  wire                   rc_wready
);

localparam [3:0] DEST_PUNT = offload_util::dest_punt(N_PORTS);
localparam [3:0] DEST_DROP = offload_util::dest_drop(N_PORTS);
localparam [3:0] DEST_RECIRC = offload_util::dest_loop(N_PORTS);
localparam [1:0] RA_PASS = 2'd0, RA_INSERT = 2'd1, RA_STRIP = 2'd2;   // offload_realign's modes

reg [3:0]  dest_reg = 0;       // destination of the packet being sent
reg [63:0] tuser_reg = 0;
wire [3:0] out_dest = sop ? dest : dest_reg;
wire rc_ready;
wire pp_hold;                  // the punt port owes the put-back packet's last beat
assign ready = !pp_hold && (out_dest == DEST_DROP ? 1'b1 : out_dest == DEST_RECIRC ? rc_ready
    : out_dest == DEST_PUNT ? m_axis_punt_tready : m_axis_tx_tready[out_dest[2:0] % N_PORTS]);
wire fire = valid && ready;

genvar go;
generate
    for (go = 0; go < N_PORTS; go = go + 1) begin : txo
        assign m_axis_tx_tdata[512*go +: 512] = data;
        assign m_axis_tx_tkeep[64*go +: 64] = keep;
        assign m_axis_tx_tlast[go] = last;
        assign m_axis_tx_tvalid[go] = valid && out_dest == go && !pp_hold;
    end
endgenerate

wire punt_fire = fire && out_dest == DEST_PUNT;
// Waiver: every beat the punt port takes makes a beat out (only a strip skips one).
/* verilator lint_off PINCONNECTEMPTY */
offload_realign #(.HDR(50)) punt_realign (
    .clk(clk), .rst(rst), .mode(put_back ? RA_INSERT : RA_PASS), .stash(stash),
    .in_data(data), .in_keep(keep), .in_last(last), .in_sop(sop),
    .take(punt_fire), .hold(pp_hold),
    .out_data(m_axis_punt_tdata), .out_keep(m_axis_punt_tkeep), .out_last(m_axis_punt_tlast), .out_beat(),
    .out_ready(m_axis_punt_tready));
/* verilator lint_on PINCONNECTEMPTY */
assign m_axis_punt_tuser = sop && !pp_hold ? meta : tuser_reg;
assign m_axis_punt_tvalid = pp_hold || (valid && out_dest == DEST_PUNT);

// The loop port's writer: a decapsulated packet (LM_OUTER clear) without its 50 bytes of
// outer Ethernet/IPv4/UDP/VXLAN headers, an encapsulated one with the stash in front.
reg [463:0] rc_user_reg = 0;
wire rc_hold;                  // the last beat's tail is still to write
wire rc_beat;
wire rc_fire = fire && out_dest == DEST_RECIRC;
assign rc_ready = rc_wready && !rc_hold;
offload_realign #(.HDR(50)) loop_realign (
    .clk(clk), .rst(rst), .mode(meta[offload_util::LM_OUTER] ? RA_INSERT : RA_STRIP), .stash(stash),
    .in_data(data), .in_keep(keep), .in_last(last), .in_sop(sop),
    .take(rc_fire), .hold(rc_hold),
    .out_data(rc_wdata), .out_keep(rc_wkeep), .out_last(rc_wlast), .out_beat(rc_beat), .out_ready(rc_wready));
assign rc_wvalid = rc_hold || (rc_fire && rc_beat);
assign rc_wuser = sop && !rc_hold ? {stash, meta} : rc_user_reg;
assign busy = rc_hold || pp_hold;

always @(posedge clk) begin
    if (fire && sop) begin
        dest_reg <= dest;
        tuser_reg <= meta;
    end
    if (rc_fire && sop) rc_user_reg <= {stash, meta};
end

endmodule

`resetall
