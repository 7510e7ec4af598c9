// The header rewrite (s10): NAT by the session entry (nat::apply: addresses, ports or the
// ICMP echo identifier, both checksums by the entry's deltas), then ip4-rewrite (TTL
// and its incremental checksum, the adjacency's L2 header). Combinational: the output
// stage registers the beat.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_rewrite
(
    input  wire [511:0]                     data,       // the first beat
    input  wire                             nat_src,    // rewrite the source (address, port)
    input  wire                             nat_dst,    // rewrite the destination
    // Waiver: the session entry comes whole; the rewrite uses its fields and deltas.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [offload_pkg::SESS_BITS-1:0] entry,
    input  wire [191:0]                     adj,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [7:0]                       proto,
    input  wire [7:0]                       icmp_type,
    input  wire [7:0]                       ttl,
    input  wire [6:0]                       l4_offset,
    output reg  [511:0]                     out
);

wire [31:0] new_src = entry[offload_pkg::SESS_NEW_SRC_LSB +: 32];
wire [31:0] new_dst = entry[offload_pkg::SESS_NEW_DST_LSB +: 32];
wire [15:0] new_sport = entry[offload_pkg::SESS_NEW_SPORT_LSB +: 16];
wire [15:0] new_dport = entry[offload_pkg::SESS_NEW_DPORT_LSB +: 16];
wire [15:0] ip_delta = entry[offload_pkg::SESS_IP_DELTA_LSB +: 16];
wire [15:0] l4_delta = entry[offload_pkg::SESS_L4_DELTA_LSB +: 16];
wire [31:0] l4o = {25'd0, l4_offset};
reg [15:0] c_ip, c_l4;

always @* begin
    out = data;
    c_ip = offload_util::be16(out, 24);
    c_l4 = 16'd0;
    if (nat_src || nat_dst) begin
        if (nat_src) begin
            out[8*26 +: 32] = offload_util::net32(new_src);
            if (proto != 8'd1) out[8*l4o +: 16] = offload_util::net16(new_sport);
        end
        if (nat_dst) begin
            out[8*30 +: 32] = offload_util::net32(new_dst);
            if (proto != 8'd1) out[8*(l4o + 2) +: 16] = offload_util::net16(new_dport);
        end
        c_ip = offload_util::csum_apply(c_ip, ip_delta);
        if (proto == 8'd6) begin
            c_l4 = offload_util::csum_apply(offload_util::be16(out, l4o + 16), l4_delta);
            out[8*(l4o + 16) +: 16] = offload_util::net16(c_l4);
        end else if (proto == 8'd17) begin
            // a UDP checksum of 0 means none; a computed 0 is sent as ffff
            c_l4 = offload_util::be16(out, l4o + 6);
            if (c_l4 != 16'd0) begin
                c_l4 = offload_util::csum_apply(c_l4, l4_delta);
                if (c_l4 == 16'd0) c_l4 = 16'hffff;
            end
            out[8*(l4o + 6) +: 16] = offload_util::net16(c_l4);
        end else if (proto == 8'd1 && (icmp_type == 8'd0 || icmp_type == 8'd8)) begin
            // ICMP echo: the identifier from the side that moved, and the checksum
            out[8*(l4o + 4) +: 16] = offload_util::net16(nat_src ? new_sport : new_dport);
            c_l4 = offload_util::csum_apply(offload_util::be16(out, l4o + 2), l4_delta);
            out[8*(l4o + 2) +: 16] = offload_util::net16(c_l4);
        end
    end
    c_ip = offload_util::csum_update16(c_ip, {ttl, proto}, {ttl - 8'd1, proto});
    out[8*22 +: 8] = ttl - 8'd1;
    out[8*24 +: 16] = offload_util::net16(c_ip);
    out[0 +: 112] = adj[offload_pkg::ADJ_REWRITE_LSB +: 112];
end

endmodule

`resetall
