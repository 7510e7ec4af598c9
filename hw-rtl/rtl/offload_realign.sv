// Beat realigner: rewrites a packet's 512-bit beats as HDR bytes are put in front of it
// (MODE_INSERT: the stash, e.g. the 50 bytes of VXLAN outer headers) or taken off its
// front (MODE_STRIP: a decapsulation), or passes them as they are (MODE_PASS). The mode
// and the stash are taken with a packet's first beat.
//
// Out beat j of an insert is the stash (j = 0) or bytes 64-HDR..63 of in beat j-1, then
// bytes 0..63-HDR of in beat j; of a strip, bytes HDR..63 of in beat j, then bytes
// 0..HDR-1 of in beat j+1 (a strip writes nothing for the first in beat). Either way a
// packet's last bytes may need a beat of their own, the tail, sent after its last in
// beat: while it is owed (`hold`) the realigner takes no beat.
//
// Combinational from the beat offered to the beat out (`out_*`), so the caller's
// valid/ready handshake stays its own: `out_beat` says whether the offered beat (or the
// tail) makes an out beat, `take` that the offered beat is taken this clock, `out_ready`
// that an owed tail is taken.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_realign #
(
    // bytes put in front or taken off
    parameter HDR = 50
)
(
    input  wire              clk,
    input  wire              rst,

    input  wire [1:0]        mode,       // the packet starting with this beat: MODE_*
    input  wire [8*HDR-1:0]  stash,      // what MODE_INSERT puts in front

    // the beat offered
    input  wire [511:0]      in_data,
    input  wire [63:0]       in_keep,
    input  wire              in_last,
    input  wire              in_sop,
    input  wire              take,       // taken this clock
    output wire              hold,       // a tail is owed: take nothing

    // the beat out this clock
    output reg  [511:0]      out_data,
    output reg  [63:0]       out_keep,
    output reg               out_last,
    output wire              out_beat,   // the offered beat (or the tail) makes one
    input  wire              out_ready   // the tail is taken
);

localparam [1:0] MODE_PASS = 2'd0, MODE_INSERT = 2'd1, MODE_STRIP = 2'd2;
localparam REST = 64 - HDR;   // bytes of a beat that stay in it

initial begin
    // (a strip carries 64 - HDR bytes in the HDR-byte carry register)
    if (HDR < 32 || HDR > 63) begin
        $error("Error: offload_realign needs 32 <= HDR <= 63 (instance %m)");
        $finish;
    end
end

reg [1:0]       mode_reg = MODE_PASS;
reg [8*HDR-1:0] carry_reg = 0;     // bytes carried to the next out beat (low bytes)
reg [HDR-1:0]   carryk_reg = 0;    // and their keep
reg             tail_reg = 0;

wire [1:0] mode_now = in_sop ? mode : mode_reg;
wire [8*HDR-1:0] head = in_sop ? stash : carry_reg;
wire [HDR-1:0]   headk = in_sop ? {HDR{1'b1}} : carryk_reg;

assign hold = tail_reg;
assign out_beat = tail_reg || mode_now != MODE_STRIP || !in_sop;

always @* begin
    out_data = in_data;
    out_keep = in_keep;
    out_last = in_last;
    if (tail_reg) begin
        out_data = {{(512-8*HDR){1'b0}}, carry_reg};
        out_keep = {{(64-HDR){1'b0}}, carryk_reg};
        out_last = 1'b1;
    end else if (mode_now == MODE_INSERT) begin
        out_data = {in_data[0 +: 8*REST], head};
        out_keep = {in_keep[0 +: REST], headk};
        out_last = in_last && !in_keep[REST];
    end else if (mode_now == MODE_STRIP) begin
        out_data = {in_data[0 +: 8*HDR], carry_reg[0 +: 8*REST]};
        out_keep = {in_keep[0 +: HDR], carryk_reg[0 +: REST]};
        out_last = in_last && !in_keep[HDR];
    end
end

always @(posedge clk) begin
    if (tail_reg && out_ready) tail_reg <= 1'b0;
    if (take) begin
        if (in_sop) mode_reg <= mode;
        if (mode_now == MODE_INSERT) begin
            carry_reg <= in_data[8*REST +: 8*HDR];
            carryk_reg <= in_keep[REST +: HDR];
            if (in_last && in_keep[REST]) tail_reg <= 1'b1;
        end else if (mode_now == MODE_STRIP) begin
            carry_reg <= {{(8*HDR-8*REST){1'b0}}, in_data[8*HDR +: 8*REST]};
            carryk_reg <= {{(HDR-REST){1'b0}}, in_keep[HDR +: REST]};
            if (in_last && (in_sop || in_keep[HDR])) tail_reg <= 1'b1;
        end
    end
    if (rst) tail_reg <= 1'b0;
end

endmodule

`resetall
