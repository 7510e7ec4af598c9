// Hashes of the contract (offload-tables): the session table's key hash and bucket
// choice (session.rs), its multiplies each between registers as a DSP block has them,
// and VPP's IPv4 flow hash (flow_hash.rs), in three parts over two registers.

`resetall
`timescale 1ns / 1ps
`default_nettype none

// Waiver: this file holds the two hash modules of the contract (session key, flow
// hash), side by side with the Rust they mirror; neither is named like the file.
/* verilator lint_off DECLFILENAME */
// session.rs: hash_key, tag_of, buckets_of; four clocks of `en` (offload_session_fetch
// counts on them): the key enters with one, tag and buckets are registered after the
// fourth and hold until the next.
//   1  the key's two words, registered (a DSP's input registers)
//   2  m1 = a * C1 ^ rotl32(b) * C2 (two multiplies and their product registers)
//   3  h = high half of (m1 ^ m1 >> 31) * C3
//   4  tag = h[31:16] | 1, b1 = h's low bits, b2 = b1 ^ spread(tag * C4)
module offload_session_hash #
(
    // log2 of the number of buckets of the session table
    parameter BUCKET_BITS = 4
)
(
    input  wire                    clk,
    input  wire                    en,
    input  wire [127:0]            key,   // SessionKey bytes, little-endian
    output reg  [15:0]             tag = 0,
    output reg  [BUCKET_BITS-1:0]  b1 = 0,
    output reg  [BUCKET_BITS-1:0]  b2 = 0
);

initial begin
    if (BUCKET_BITS < 1 || BUCKET_BITS > 24) begin
        $error("Error: BUCKET_BITS must be 1..24 (instance %m)");
        $finish;
    end
end

reg [63:0] a1 = 0, b1_rot = 0;        // 1
reg [63:0] m1 = 0;                    // 2
// Waiver: the hash keeps the high half of the product, the buckets and the spread as
// many bits as BUCKET_BITS asks for; the rest of these words is unused by design.
/* verilator lint_off UNUSEDSIGNAL */
reg [31:0] h3 = 0;                    // 3
wire [63:0] m2 = (m1 ^ {31'd0, m1[63:31]}) * 64'h94d049bb133111eb;
wire [15:0] tag3 = h3[31:16] | 16'd1;
wire [31:0] spread_mul = {16'd0, tag3} * 32'h9e3779b1;
wire [31:0] spread = {7'd0, spread_mul[31:7]} | 32'd1;
/* verilator lint_on UNUSEDSIGNAL */

always @(posedge clk) begin
    if (en) begin
        a1 <= key[63:0];
        b1_rot <= {key[95:64], key[127:96]};
        m1 <= (a1 * 64'h9e3779b97f4a7c15) ^ (b1_rot * 64'hbf58476d1ce4e5b9);
        h3 <= m2[63:32];
        tag <= tag3;
        b1 <= h3[BUCKET_BITS-1:0];
        b2 <= h3[BUCKET_BITS-1:0] ^ spread[BUCKET_BITS-1:0];
    end
end

endmodule

// flow_hash.rs: ip4_flow_hash (lookup3 mix + final over the wire bytes read
// little-endian), in three parts of about nine additions, subtractions and xors each:
// the flow enters with `en` (its stage advancing), the first two parts' results are
// registered at the next two `en`s, and `hash` (the last part, combinational) holds the
// flow's hash after the second.
module offload_flow_hash
(
    input  wire        clk,
    input  wire        en,
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

reg [31:0] a0, b0, c0;                        // part 1: the first half of the mix
reg [31:0] a1 = 0, b1 = 0, c1 = 0;            // its result, registered
reg [31:0] a1n, b1n, c1n;                     // part 2: the mix's second half, the final's start
reg [31:0] a2 = 0, b2 = 0, c2 = 0;            // its result, registered
reg [31:0] a3, b3, c3;                        // part 3: the rest of the final

always @* begin
    a0 = bswap32(src);
    b0 = bswap32(dst) ^ {24'd0, proto};
    c0 = {dport[7:0], dport[15:8], sport[7:0], sport[15:8]};
    a0 = a0 - c0;  a0 = a0 ^ rotl(c0, 4);   c0 = c0 + b0;
    b0 = b0 - a0;  b0 = b0 ^ rotl(a0, 6);   a0 = a0 + c0;
    c0 = c0 - b0;  c0 = c0 ^ rotl(b0, 8);   b0 = b0 + a0;
end

always @* begin
    a1n = a1;
    b1n = b1;
    c1n = c1;
    a1n = a1n - c1n;  a1n = a1n ^ rotl(c1n, 16);  c1n = c1n + b1n;
    b1n = b1n - a1n;  b1n = b1n ^ rotl(a1n, 19);  a1n = a1n + c1n;
    c1n = c1n - b1n;  c1n = c1n ^ rotl(b1n, 4);   b1n = b1n + a1n;
    // final
    c1n = c1n ^ b1n;  c1n = c1n - rotl(b1n, 14);
    a1n = a1n ^ c1n;  a1n = a1n - rotl(c1n, 11);
end

always @* begin
    a3 = a2;
    b3 = b2;
    c3 = c2;
    b3 = b3 ^ a3;  b3 = b3 - rotl(a3, 25);
    c3 = c3 ^ b3;  c3 = c3 - rotl(b3, 16);
    a3 = a3 ^ c3;  a3 = a3 - rotl(c3, 4);
    b3 = b3 ^ a3;  b3 = b3 - rotl(a3, 14);
    c3 = c3 ^ b3;  c3 = c3 - rotl(b3, 24);
    hash = c3;
end

always @(posedge clk) begin
    if (en) begin
        {a1, b1, c1} <= {a0, b0, c0};
        {a2, b2, c2} <= {a1n, b1n, c1n};
    end
end

endmodule

`resetall
