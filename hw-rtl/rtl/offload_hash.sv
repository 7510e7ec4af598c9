// Hashes of the contract (offload-tables): the session table's key hash and bucket
// choice (session.rs) and VPP's IPv4 flow hash (flow_hash.rs). Combinational; a
// synthesis build would register the multiplier outputs (three DSP stages).

`resetall
`timescale 1ns / 1ps
`default_nettype none

// Waiver: this file holds the two hash modules of the contract (session key, flow
// hash), side by side with the Rust they mirror; neither is named like the file.
/* verilator lint_off DECLFILENAME */
// session.rs: hash_key, tag_of, buckets_of.
module offload_session_hash #
(
    // log2 of the number of buckets of the session table
    parameter BUCKET_BITS = 4
)
(
    input  wire [127:0]            key,   // SessionKey bytes, little-endian
    output wire [15:0]             tag,
    output wire [BUCKET_BITS-1:0]  b1,
    output wire [BUCKET_BITS-1:0]  b2
);

initial begin
    if (BUCKET_BITS < 1 || BUCKET_BITS > 24) begin
        $error("Error: BUCKET_BITS must be 1..24 (instance %m)");
        $finish;
    end
end

wire [63:0] a = key[63:0];
wire [63:0] b = key[127:64];
wire [63:0] b_rot = {b[31:0], b[63:32]};
wire [63:0] m1 = (a * 64'h9e3779b97f4a7c15) ^ (b_rot * 64'hbf58476d1ce4e5b9);
// Waiver: the hash keeps the high half of the product, the bucket index as many bits
// as BUCKET_BITS asks for; the rest of these words is unused by design.
/* verilator lint_off UNUSEDSIGNAL */
wire [63:0] m2 = (m1 ^ {31'd0, m1[63:31]}) * 64'h94d049bb133111eb;
wire [31:0] h = m2[63:32];
assign tag = h[31:16] | 16'd1;
wire [31:0] spread_mul = {16'd0, tag} * 32'h9e3779b1;
wire [31:0] spread = {7'd0, spread_mul[31:7]} | 32'd1;
/* verilator lint_on UNUSEDSIGNAL */
assign b1 = h[BUCKET_BITS-1:0];
assign b2 = h[BUCKET_BITS-1:0] ^ spread[BUCKET_BITS-1:0];

endmodule

// flow_hash.rs: ip4_flow_hash (lookup3 mix + final over the wire bytes read
// little-endian).
module offload_flow_hash
(
    input  wire [31:0] src,
    input  wire [31:0] dst,
    input  wire [7:0]  proto,
    input  wire [15:0] sport,
    input  wire [15:0] dport,
    output reg  [31:0] hash
);

function [31:0] rotl(input [31:0] x, input integer n);
    rotl = (x << n) | (x >> (32 - n));
endfunction

function [31:0] bswap32(input [31:0] x);
    bswap32 = {x[7:0], x[15:8], x[23:16], x[31:24]};
endfunction

reg [31:0] a, b, c;

always @* begin
    a = bswap32(src);
    b = bswap32(dst) ^ {24'd0, proto};
    c = {dport[7:0], dport[15:8], sport[7:0], sport[15:8]};
    // mix
    a = a - c;  a = a ^ rotl(c, 4);   c = c + b;
    b = b - a;  b = b ^ rotl(a, 6);   a = a + c;
    c = c - b;  c = c ^ rotl(b, 8);   b = b + a;
    a = a - c;  a = a ^ rotl(c, 16);  c = c + b;
    b = b - a;  b = b ^ rotl(a, 19);  a = a + c;
    c = c - b;  c = c ^ rotl(b, 4);   b = b + a;
    // final
    c = c ^ b;  c = c - rotl(b, 14);
    a = a ^ c;  a = a - rotl(c, 11);
    b = b ^ a;  b = b - rotl(a, 25);
    c = c ^ b;  c = c - rotl(b, 16);
    a = a ^ c;  a = a - rotl(c, 4);
    b = b ^ a;  b = b - rotl(a, 14);
    c = c ^ b;  c = c - rotl(b, 24);
    hash = c;
end

endmodule

`resetall
