// Statistics counters of the pipeline (offload-tables regs.rs CNT_*): frames in per
// input port, table hits and misses (the session and LPM lookups), frames out per output
// (the wire ports, then the punt port), punts per PuntReason, drops per DropReason.
// Flip-flops, since several count in one clock; cleared together (CONTROL's
// CLEAR_COUNTERS, or reset). Read combinationally by address: `rd_sel` says the address
// is a counter's, `rd_data` holds it (the register block registers it).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_counters #
(
    // wire ports (output N_PORTS is the punt port; N_PORTS + 1 drops, N_PORTS + 2 the loop)
    parameter N_PORTS = 2
)
(
    input  wire        clk,
    input  wire        rst,
    input  wire        clear,

    // a packet's first beat entered from input `rx_port` (wire ports, then inject)
    input  wire        rx,
    input  wire [3:0]  rx_port,
    // a lookup of table `lk_table[5i +: 5]` counted, hit or not (the two name different tables)
    input  wire [1:0]  lk,
    input  wire [1:0]  lk_hit,
    input  wire [9:0]  lk_table,
    // a packet's first beat left for `out_dest` with `out_reason` (punt and drop reasons)
    input  wire        out,
    input  wire [3:0]  out_dest,
    input  wire [5:0]  out_reason,

    // Waiver: registers are word-aligned; the low address bits name no counter.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [15:0] rd_addr,
    /* verilator lint_on UNUSEDSIGNAL */
    output reg         rd_sel,
    output reg  [31:0] rd_data
);

localparam [3:0] DEST_PUNT = offload_util::dest_punt(N_PORTS);
localparam [3:0] DEST_DROP = offload_util::dest_drop(N_PORTS);
localparam [3:0] DEST_RECIRC = offload_util::dest_loop(N_PORTS);

// counter i of a bank at bits 32i +: 32
reg [32*32-1:0] cnt_hit = 0;
reg [32*32-1:0] cnt_miss = 0;
reg [32*16-1:0] cnt_punt = 0;
reg [32*64-1:0] cnt_drop = 0;
reg [32*16-1:0] cnt_rx = 0;
reg [32*16-1:0] cnt_tx = 0;

integer i;
always @(posedge clk) begin
    if (rx) cnt_rx[32*rx_port +: 32] <= cnt_rx[32*rx_port +: 32] + 1;
    for (i = 0; i < 2; i = i + 1) begin
        if (lk[i] && lk_hit[i]) cnt_hit[32*lk_table[5*i +: 5] +: 32] <= cnt_hit[32*lk_table[5*i +: 5] +: 32] + 1;
        if (lk[i] && !lk_hit[i]) cnt_miss[32*lk_table[5*i +: 5] +: 32] <= cnt_miss[32*lk_table[5*i +: 5] +: 32] + 1;
    end
    if (out) begin
        if (out_dest == DEST_DROP) begin
            cnt_drop[32*out_reason +: 32] <= cnt_drop[32*out_reason +: 32] + 1;
        end else if (out_dest != DEST_RECIRC) begin
            cnt_tx[32*out_dest +: 32] <= cnt_tx[32*out_dest +: 32] + 1;
        end
        if (out_dest == DEST_PUNT) cnt_punt[32*out_reason[3:0] +: 32] <= cnt_punt[32*out_reason[3:0] +: 32] + 1;
    end
    if (rst || clear) begin
        cnt_hit <= 0;
        cnt_miss <= 0;
        cnt_drop <= 0;
        cnt_punt <= 0;
        cnt_rx <= 0;
        cnt_tx <= 0;
    end
end

always @* begin
    rd_sel = 1'b1;
    if (rd_addr[15:7] == offload_pkg::REG_CNT_TABLE_HIT[15:7]) rd_data = cnt_hit[32*rd_addr[6:2] +: 32];
    else if (rd_addr[15:7] == offload_pkg::REG_CNT_TABLE_MISS[15:7]) rd_data = cnt_miss[32*rd_addr[6:2] +: 32];
    else if (rd_addr[15:6] == offload_pkg::REG_CNT_PUNT[15:6]) rd_data = cnt_punt[32*rd_addr[5:2] +: 32];
    else if (rd_addr[15:8] == offload_pkg::REG_CNT_DROP[15:8]) rd_data = cnt_drop[32*rd_addr[7:2] +: 32];
    else if (rd_addr[15:6] == offload_pkg::REG_CNT_RX[15:6]) rd_data = cnt_rx[32*rd_addr[5:2] +: 32];
    else if (rd_addr[15:6] == offload_pkg::REG_CNT_TX[15:6]) rd_data = cnt_tx[32*rd_addr[5:2] +: 32];
    else begin
        rd_sel = 1'b0;
        rd_data = 32'd0;
    end
end

endmodule

`resetall
