// Hit bits: a bit per session slot (bucket * 8 + way), set when a packet uses the entry,
// collected by the driver in bulk for aging (offload-tables regs.rs HIT_EPOCH and
// Table::HitBits).
//
// Block RAM, not flip-flops: a million sessions are a megabit per source. Each source
// sets its bits by read-modify-write of 64-bit words (8 buckets of 8 ways) in a simple
// dual-port RAM of its own (one read port, one write port, both busy at line rate), so
// there are two banks per source: sources write the current bank; `flip` retires it, and
// the driver's reads (`rd_valid`, a group of 512 slots) read and clear the retired bank,
// whose ports no source uses then. A hit is never lost: one that lands after the flip
// is in the new bank, reported by the next collection.
//
// On-chip cost: 2 banks x N_SOURCES x 8 x 2^SB bits (1 M slots, 4 sources: 8 Mbit,
// 28 UltraRAMs). A group read takes 8 clocks plus 2 (one word per clock per RAM).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_hit_bits #
(
    // log2 session buckets (at least 7: a group of 512 slots is 64 buckets)
    parameter SB = 11,
    parameter WAYS = 8,
    parameter N_SOURCES = 4
)
(
    input  wire                    clk,
    input  wire                    rst,
    // each source: set the bit of (bucket, way)
    input  wire [N_SOURCES-1:0]    set,
    input  wire [N_SOURCES*SB-1:0] set_bucket,
    input  wire [N_SOURCES*3-1:0]  set_way,
    // retire the current bank (the sources move to the other one)
    input  wire                    flip,
    output reg  [31:0]             flips,
    // read and clear group `rd_index` of the retired bank: slots 512i .. 512i + 511
    input  wire                    rd_valid,
    input  wire [SB-7:0]           rd_index,
    output reg                     rb_valid,
    output reg  [511:0]            rb_data
);

localparam AW = SB - 3;     // 64-bit words: 8 buckets each

initial begin
    if (WAYS != 8 || SB < 7) begin
        $error("Error: offload_hit_bits needs WAYS = 8 and SB >= 7 (instance %m)");
        $finish;
    end
    flips = 0;
    rb_valid = 0;
    rb_data = 0;
end

reg       cur = 1'b0;          // the bank sources write
reg [1:0] settle = 2'd0;       // clocks until the retired bank's last write has landed
reg       flip_wait = 1'b0;    // a flip asked for during a group read
reg       rd_wait = 1'b0;      // a group read asked for, not started
reg [SB-7:0] rd_group = 0;
reg       scanning = 1'b0;
reg [3:0] scan_k = 4'd0;       // word of the group being read (8: all asked for)
reg       scan_q = 1'b0;       // a scan read's data is in q this clock
reg [2:0] scan_q_k = 3'd0;

wire do_flip = (flip || flip_wait) && !scanning && !rd_wait;
wire scan_rd = scanning && scan_k < 4'd8;
wire [AW-1:0] scan_addr = {rd_group, scan_k[2:0]};
wire ret = ~cur;

// per source: the retired bank's word read last clock
wire [63:0] ret_q [0:N_SOURCES-1];

genvar gs, gb;
generate
    for (gs = 0; gs < N_SOURCES; gs = gs + 1) begin : src
        wire [SB-1:0] bucket = set_bucket[SB*gs +: SB];
        wire [2:0] way = set_way[3*gs +: 3];
        // stage 1 of the read-modify-write: the word read last clock gets the bit
        reg          v1 = 1'b0;
        reg          bk1 = 1'b0;
        reg [AW-1:0] a1 = 0;
        reg [63:0]   m1 = 0;
        // the write of last clock (a read in its clock saw the word before it)
        reg          lw_v = 1'b0;
        reg          lw_bk = 1'b0;
        reg [AW-1:0] lw_a = 0;
        reg [63:0]   lw_d = 0;
        wire [63:0] q_bank [0:1];
        wire [63:0] merged = (bk1 ? q_bank[1] : q_bank[0]) | m1
            | (lw_v && lw_bk == bk1 && lw_a == a1 ? lw_d : 64'd0);

        for (gb = 0; gb < 2; gb = gb + 1) begin : bank
            reg [63:0] mem [0:2**AW-1];
            reg [63:0] q = 0;
`ifndef SYNTHESIS
            integer k;
            initial for (k = 0; k < 2**AW; k = k + 1) mem[k] = 0;
`endif
            wire src_rd = set[gs] && cur == 1'(gb);
            wire src_wr = v1 && bk1 == 1'(gb);
            wire clr_wr = scan_rd && ret == 1'(gb);
            always @(posedge clk) begin
                if (src_rd) q <= mem[bucket[SB-1:3]];
                else if (clr_wr) q <= mem[scan_addr];
                if (src_wr) mem[a1] <= merged;
                else if (clr_wr) mem[scan_addr] <= 64'd0;
            end
            assign q_bank[gb] = q;
        end

        always @(posedge clk) begin
            v1 <= set[gs];
            bk1 <= cur;
            a1 <= bucket[SB-1:3];
            m1 <= 64'd1 << {bucket[2:0], way};
            lw_v <= v1;
            lw_bk <= bk1;
            lw_a <= a1;
            lw_d <= merged;
        end
        assign ret_q[gs] = ret ? q_bank[1] : q_bank[0];
    end
endgenerate

reg [63:0] ret_word;
integer s;
always @* begin
    ret_word = 64'd0;
    for (s = 0; s < N_SOURCES; s = s + 1) ret_word = ret_word | ret_q[s];
end

always @(posedge clk) begin
    rb_valid <= 1'b0;
    if (settle != 2'd0) settle <= settle - 2'd1;
    if (flip && (scanning || rd_wait)) flip_wait <= 1'b1;
    if (do_flip) begin
        cur <= ~cur;
        flips <= flips + 32'd1;
        settle <= 2'd2;
        flip_wait <= 1'b0;
    end
    if (rd_valid) begin
        rd_wait <= 1'b1;
        rd_group <= rd_index;
    end
    if (rd_wait && !scanning && settle == 2'd0 && !do_flip) begin
        rd_wait <= 1'b0;
        scanning <= 1'b1;
        scan_k <= 4'd0;
    end
    scan_q <= scan_rd;
    scan_q_k <= scan_k[2:0];
    if (scan_rd) scan_k <= scan_k + 4'd1;
    if (scan_q) begin
        rb_data[64*scan_q_k +: 64] <= ret_word;
        if (scan_q_k == 3'd7) begin
            rb_valid <= 1'b1;
            scanning <= 1'b0;
        end
    end
    if (rst) begin
        flip_wait <= 1'b0;
        rd_wait <= 1'b0;
        scanning <= 1'b0;
        scan_q <= 1'b0;
        rb_valid <= 1'b0;
    end
end

endmodule

`resetall
