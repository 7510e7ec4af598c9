// Bench of offload_parse: one line of vectors per frame (written by
// hw-rtl/tb/tests/parse.rs): the input (a wire port, N_PORTS inject, N_PORTS+1 loop), its
// metadata, the port map, the frame's length and first beat (zero-padded past the
// frame), then what software makes of the frame: the sw_if_index, direct, the exception
// flag, how much of the rest to check (0: nothing, the frame has no IPv4 header software
// reads; 1: the IPv4 header's fields, software read the header but does not forward the
// packet here; 2: everything, a packet the NIC forwards), and the fields (proto, src,
// dst, sport, dport, ICMP type and code, TCP flags, TTL, IPv4 length, L4 offset, L4
// valid). The module is combinational: each vector is driven and the outputs checked.
// Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

module tb #(parameter N_PORTS = 2);

logic [511:0]          data = 0;
logic [15:0]           len = 0;
logic [3:0]            in = 0;
logic [63:0]           meta = 0;
logic [N_PORTS*16-1:0] port_map = 0;
wire  [15:0]           sw_if_index, sport, dport, icmp, ip_len;
wire                   direct, exception, l4_valid;
wire  [7:0]            proto, tcp_flags, ttl;
wire  [31:0]           src, dst;
wire  [6:0]            l4_offset;

offload_parse #(.N_PORTS(N_PORTS)) dut (
    .data(data), .len(len), .in(in), .meta(meta), .port_map(port_map), .sw_if_index(sw_if_index),
    .direct(direct), .exception(exception), .proto(proto), .src(src), .dst(dst), .sport(sport), .dport(dport),
    .icmp(icmp), .tcp_flags(tcp_flags), .ttl(ttl), .ip_len(ip_len), .l4_offset(l4_offset), .l4_valid(l4_valid)
);

string path, op, what;
integer fd, n = 0, exc = 0, errors = 0;
logic [3:0]            v_in;
logic [63:0]           v_meta;
logic [N_PORTS*16-1:0] v_map;
logic [15:0]           v_len, w_sw, w_sport, w_dport, w_icmp, w_iplen;
logic [511:0]          v_data;
logic                  w_direct, w_exc, w_l4v;
logic [1:0]            w_level;
logic [7:0]            w_proto, w_tcpf, w_ttl;
logic [31:0]           w_src, w_dst;
logic [6:0]            w_l4o;

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%s", op) == 1) begin
        if (op != "P") $fatal(1, "unknown vector line %s", op);
        if ($fscanf(fd, "%h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h\n", v_in, v_meta, v_map, v_len,
                v_data, w_sw, w_direct, w_exc, w_level, w_proto, w_src, w_dst, w_sport, w_dport, w_icmp, w_tcpf,
                w_ttl, w_iplen, w_l4o, w_l4v) != 20) $fatal(1, "bad P line %0d", n);
        {in, meta, port_map, len, data} = {v_in, v_meta, v_map, v_len, v_data};
        #1;
        what = "";
        if (sw_if_index !== w_sw) what = {what, $sformatf(" sw_if_index %h/%h", sw_if_index, w_sw)};
        if (direct !== w_direct) what = {what, $sformatf(" direct %b/%b", direct, w_direct)};
        if (exception !== w_exc) what = {what, $sformatf(" exception %b/%b", exception, w_exc)};
        if (w_level >= 2'd1) begin
            if (proto !== w_proto) what = {what, $sformatf(" proto %h/%h", proto, w_proto)};
            if (src !== w_src) what = {what, $sformatf(" src %h/%h", src, w_src)};
            if (dst !== w_dst) what = {what, $sformatf(" dst %h/%h", dst, w_dst)};
            if (ttl !== w_ttl) what = {what, $sformatf(" ttl %h/%h", ttl, w_ttl)};
            if (ip_len !== w_iplen) what = {what, $sformatf(" ip_len %h/%h", ip_len, w_iplen)};
        end
        if (w_level >= 2'd2) begin
            if (sport !== w_sport) what = {what, $sformatf(" sport %h/%h", sport, w_sport)};
            if (dport !== w_dport) what = {what, $sformatf(" dport %h/%h", dport, w_dport)};
            if (icmp !== w_icmp) what = {what, $sformatf(" icmp %h/%h", icmp, w_icmp)};
            if (tcp_flags !== w_tcpf) what = {what, $sformatf(" tcp_flags %h/%h", tcp_flags, w_tcpf)};
            if (l4_offset !== w_l4o) what = {what, $sformatf(" l4_offset %h/%h", l4_offset, w_l4o)};
            if (l4_valid !== w_l4v) what = {what, $sformatf(" l4_valid %b/%b", l4_valid, w_l4v)};
        end
        if (what != "") begin
            errors++;
            if (errors <= 10)
                $display("frame %0d (in %0d, len %0d, level %0d): (got/want)%s\n  beat %h", n, v_in, v_len, w_level,
                    what, v_data);
        end
        n++;
        exc += w_exc ? 1 : 0;
    end
    if (n == 0) $fatal(1, "no vectors in %s", path);
    $display("offload_parse: %0d frames (%0d exceptions), %0d mismatches", n, exc, errors);
    if (errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
