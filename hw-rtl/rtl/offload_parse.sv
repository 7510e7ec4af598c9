// The parser (s0): the first beat's Ethernet, IPv4 and L4 headers, as VPP's ip4-input
// checks them, and the interface the packet enters as. Combinational: the pipeline
// registers its outputs into s1.
//
// IPv4 options: VPP's ip4-input sends every header with options to ip4-options, which
// forwards none of them (software counts the drop, or delivers IGMP router alerts): the
// NIC takes 20-byte headers only (MAX_IHL) and punts the rest. A frame may be longer
// than its IPv4 packet (Ethernet padding of a short packet): as in VPP's ip4-input it is
// accepted (the IP length must fit), and the trailing bytes stay with the packet.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_parse #
(
    parameter N_PORTS = 2,
    // longest IPv4 header taken, in 32-bit words
    parameter [3:0] MAX_IHL = 4'd5
)
(
    input  wire [511:0]          data,        // the first beat
    input  wire [15:0]           len,         // the frame's length
    input  wire [3:0]            in,          // the input: a wire port, N_PORTS inject, N_PORTS+1 loop
    input  wire [63:0]           meta,        // inject and loop-port metadata
    input  wire [N_PORTS*16-1:0] port_map,    // each wire port's sw_if_index

    output wire [15:0]           sw_if_index, // the interface the packet enters as
    output wire                  direct,      // inject straight to a wire port (META.DIRECT)
    output wire                  exception,   // not forwarded here: punt as Exception
    output wire [7:0]            proto,
    output wire [31:0]           src,
    output wire [31:0]           dst,
    output wire [15:0]           sport,       // TCP/UDP ports, the ICMP echo identifier (both), else 0
    output wire [15:0]           dport,
    output wire [15:0]           icmp,        // ICMP type and code (0 unless ICMP)
    output wire [7:0]            tcp_flags,   // (0 unless TCP)
    output wire [7:0]            ttl,
    output wire [15:0]           ip_len,      // the IPv4 total length
    output wire [6:0]            l4_offset,   // the L4 header's offset in the frame
    output wire                  l4_valid     // TCP, UDP or ICMP with a valid header
);

localparam [3:0] IN_INJECT = offload_util::in_inject(N_PORTS);
localparam [3:0] IN_RECIRC = offload_util::in_loop(N_PORTS);

wire [15:0] ethertype = offload_util::be16(data, 12);
wire [7:0]  vihl = data[8*14 +: 8];
wire [15:0] tlen = offload_util::be16(data, 16);
wire [15:0] frag = offload_util::be16(data, 20);
assign ttl = data[8*22 +: 8];
assign proto = data[8*23 +: 8];
wire [3:0]  ihlw = vihl[3:0];
wire [15:0] ihl = {10'd0, ihlw, 2'b00};
wire [6:0]  l4o = 7'd14 + {1'b0, ihlw, 2'b00};
wire [31:0] l4o32 = {25'd0, l4o};
reg  [31:0] sum;
integer i;
always @* begin
    sum = 0;
    for (i = 0; i < 2 * MAX_IHL; i = i + 1) begin
        if (i < 2 * {28'd0, ihlw}) sum = sum + {16'd0, offload_util::be16(data, 14 + 2*i)};
    end
end
wire [15:0] l4len = tlen - ihl;
wire [7:0]  doff = {2'd0, data[8*(l4o32 + 12) + 4 +: 4], 2'd0};
wire [15:0] ulen = offload_util::be16(data, l4o32 + 4);
wire ipok = len >= 16'd34 && ethertype == 16'h0800 && vihl[7:4] == 4'd4
    && ihlw >= 4'd5 && ihlw <= MAX_IHL && tlen >= ihl
    && tlen <= len - 16'd14 && offload_util::fold16(sum) == 16'hffff
    && (frag & 16'h3fff) == 16'd0 && ttl > 8'd1;
// Multicast destinations go to VPP's ip4-mfib, not the unicast FIB: software takes them
wire mcast = vihl[7:4] == 4'd4 && data[8*30 + 4 +: 4] == 4'he;
wire tcp = proto == 8'd6 && l4len >= 16'd20 && doff >= 8'd20 && {8'd0, doff} <= l4len;
wire udp = proto == 8'd17 && l4len >= 16'd8 && ulen >= 16'd8 && ulen <= l4len;
// ICMP: type and code (the ACLs' "ports"), and for echo request and reply the
// identifier (NAT's port, both ways); other protocols are routed without ports
wire is_icmp = proto == 8'd1 && l4len >= 16'd8;
wire [7:0] itype = data[8*l4o32 +: 8];
wire echo = is_icmp && (itype == 8'd0 || itype == 8'd8);
wire [15:0] ident = offload_util::be16(data, l4o32 + 4);
wire l4bad = (proto == 8'd6 && !tcp) || (proto == 8'd17 && !udp) || (proto == 8'd1 && !is_icmp);
wire inject = in == IN_INJECT;

// inject and loop-port packets enter as the sw_if_index of their metadata
assign sw_if_index = (inject || in == IN_RECIRC) ? meta[offload_pkg::META_SW_IF_INDEX_LSB +: 16]
    : port_map[16*(32'(in[2:0]) % N_PORTS) +: 16];
assign direct = inject && meta[offload_pkg::META_DIRECT_LSB];
assign exception = !ipok || mcast || l4bad;
assign src = offload_util::be32(data, 26);
assign dst = offload_util::be32(data, 30);
assign sport = (tcp || udp) ? offload_util::be16(data, l4o32) : echo ? ident : 16'd0;
assign dport = (tcp || udp) ? offload_util::be16(data, l4o32 + 2) : echo ? ident : 16'd0;
assign icmp = is_icmp ? offload_util::be16(data, l4o32) : 16'd0;
assign tcp_flags = tcp ? data[8*(l4o32 + 13) +: 8] : 8'd0;
assign ip_len = tlen;
assign l4_offset = l4o;
assign l4_valid = tcp || udp || is_icmp;

endmodule

`resetall
