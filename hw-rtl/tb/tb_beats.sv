// What the benches of beat streams share (every bench is built with this file before its
// own tb.sv): a beat's kept bytes, a beat with the bytes keep leaves out at random (what
// a sender may put there, and a receiver must ignore), a random beat.

`timescale 1ns / 1ps
`default_nettype none

package tb_beats;

// the bytes keep marks, the others zero
function automatic [511:0] kept(input [511:0] d, input [63:0] keep);
    for (int b = 0; b < 64; b++) kept[8*b +: 8] = keep[b] ? d[8*b +: 8] : 8'd0;
endfunction

// the bytes keep leaves out, at random
function automatic [511:0] garbage(input [511:0] d, input [63:0] keep);
    for (int b = 0; b < 64; b++) garbage[8*b +: 8] = keep[b] ? d[8*b +: 8] : 8'($urandom);
endfunction

// a random beat
function automatic [511:0] rand512();
    for (int i = 0; i < 16; i++) rand512[32*i +: 32] = $urandom;
endfunction

endpackage
