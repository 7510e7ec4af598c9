// vxlan4-encap's outer headers (s10): 50 bytes the loop port puts in front of the inner
// frame: zero MACs, IPv4 from the tunnel with TTL 254 and its checksum, UDP from the inner
// flow's hash (flow_hash::vxlan_src_port) to 4789 without a checksum, VXLAN with the I
// flag and the VNI. Combinational.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_vxlan_encap
(
    // Waiver: a tunnel entry comes whole; the encap uses its addresses and VNI.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [159:0] tunnel,
    input  wire [31:0]  flow_hash,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [15:0]  inner_len,   // the inner frame's length
    output reg  [399:0] hdr
);

wire [31:0] src = tunnel[offload_pkg::VXLAN_SRC_LSB +: 32];
wire [31:0] dst = tunnel[offload_pkg::VXLAN_DST_LSB +: 32];
wire [23:0] vni = tunnel[offload_pkg::VXLAN_VNI_LSB +: 24];
wire [15:0] ip_len = inner_len + 16'd36;
wire [15:0] udp_len = inner_len + 16'd16;
wire [15:0] sport = {flow_hash[7:0], flow_hash[15:8]};
wire [15:0] csum = ~offload_util::fold16({16'd0, 16'h4500} + {16'd0, ip_len} + {16'd0, 16'hfe11}
    + {16'd0, src[31:16]} + {16'd0, src[15:0]} + {16'd0, dst[31:16]} + {16'd0, dst[15:0]});

always @* begin
    hdr = 400'd0;
    hdr[8*12 +: 16] = offload_util::net16(16'h0800);
    hdr[8*14 +: 16] = offload_util::net16(16'h4500);
    hdr[8*16 +: 16] = offload_util::net16(ip_len);
    hdr[8*22 +: 16] = offload_util::net16(16'hfe11);
    hdr[8*24 +: 16] = offload_util::net16(csum);
    hdr[8*26 +: 32] = offload_util::net32(src);
    hdr[8*30 +: 32] = offload_util::net32(dst);
    hdr[8*34 +: 16] = offload_util::net16(sport);
    hdr[8*36 +: 16] = offload_util::net16(16'd4789);
    hdr[8*38 +: 16] = offload_util::net16(udp_len);
    hdr[8*42 +: 8] = 8'h08;
    hdr[8*46 +: 24] = {vni[7:0], vni[15:8], vni[23:16]};
end

endmodule

`resetall
