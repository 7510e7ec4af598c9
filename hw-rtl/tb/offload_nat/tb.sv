// Bench of offload_nat: one line of vectors per packet (written by
// hw-rtl/tb/tests/nat.rs): NAT enabled, CONTROL.SESSIONS_PARTIAL, the NAT-address hit,
// the interface's flags and FIB, the outer-packet flag and its encap FIB, the flow (src,
// dst, ports, protocol, ICMP type, L4 valid: the same at s0, s1 and s2, as the pipeline
// carries it), the s2 lookup and outer flags, the two keys' hits and entries (the
// contract's entries, most significant bit first); then what software makes of it: the
// NAT-address key, the FIB, the two keys in software's probe order, lookup and software,
// the hit, the entry hit (checked on a hit only: the top reads it then), and the flow
// after NAT. All three stages are combinational: each vector is driven and the outputs
// checked. Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

module tb;

logic         nat_enabled = 0, partial = 0, s1_ext = 0, s1_outer = 0, s1_l4_valid = 0;
logic         s2_lookup = 0, s2_outer = 0, s2_hit0 = 0, s2_hit1 = 0;
logic [15:0]  s1_if_flags = 0, s1_if_fib = 0, s1_outer_fib = 0;
logic [31:0]  src = 0, dst = 0;
logic [15:0]  sport = 0, dport = 0;
logic [7:0]   proto = 0, icmp_type = 0;
logic [383:0] s2_entry0 = 0, s2_entry1 = 0;
wire  [127:0] s0_key_ext, s1_key0, s1_key1;
wire  [15:0]  s1_fib, s2_new_sport, s2_new_dport;
wire          s1_lookup, s1_software, s2_hit;
wire  [383:0] s2_entry;
wire  [31:0]  s2_new_src, s2_new_dst;

offload_nat dut (
    .nat_enabled(nat_enabled), .partial(partial),
    .s0_dst(dst), .s0_key_ext(s0_key_ext),
    .s1_ext(s1_ext), .s1_if_flags(s1_if_flags), .s1_if_fib(s1_if_fib), .s1_outer(s1_outer),
    .s1_outer_fib(s1_outer_fib), .s1_src(src), .s1_dst(dst), .s1_sport(sport), .s1_dport(dport), .s1_proto(proto),
    .s1_icmp_type(icmp_type), .s1_l4_valid(s1_l4_valid), .s1_fib(s1_fib), .s1_key0(s1_key0), .s1_key1(s1_key1),
    .s1_lookup(s1_lookup), .s1_software(s1_software),
    .s2_lookup(s2_lookup), .s2_outer(s2_outer), .s2_hit0(s2_hit0), .s2_entry0(s2_entry0), .s2_hit1(s2_hit1),
    .s2_entry1(s2_entry1), .s2_src(src), .s2_dst(dst), .s2_sport(sport), .s2_dport(dport), .s2_proto(proto),
    .s2_icmp_type(icmp_type), .s2_hit(s2_hit), .s2_entry(s2_entry), .s2_new_src(s2_new_src),
    .s2_new_dst(s2_new_dst), .s2_new_sport(s2_new_sport), .s2_new_dport(s2_new_dport)
);

string path, op, what;
integer fd, n = 0, lookups = 0, hits = 0, errors = 0;
logic         v_en, v_part, v_ext, v_outer, v_l4v, v_look2, v_outer2, v_hit0, v_hit1;
logic [15:0]  v_flags, v_fib, v_ofib, v_sport, v_dport;
logic [31:0]  v_src, v_dst;
logic [7:0]   v_proto, v_icmp;
logic [383:0] v_e0, v_e1;
logic [127:0] w_kext, w_k0, w_k1;
logic [15:0]  w_fib, w_sport, w_dport;
logic         w_lookup, w_sw, w_hit;
logic [383:0] w_entry;
logic [31:0]  w_src, w_dst;

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%s", op) == 1) begin
        if (op != "N") $fatal(1, "unknown vector line %s", op);
        if ($fscanf(fd, "%h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h", v_en, v_part, v_ext, v_flags,
                v_fib, v_outer, v_ofib, v_src, v_dst, v_sport, v_dport, v_proto, v_icmp, v_l4v, v_look2, v_outer2,
                v_hit0, v_e0, v_hit1) != 19) $fatal(1, "bad N line %0d", n);
        if ($fscanf(fd, "%h %h %h %h %h %h %h %h %h %h %h %h %h\n", v_e1, w_kext, w_fib, w_k0, w_k1, w_lookup, w_sw,
                w_hit, w_entry, w_src, w_dst, w_sport, w_dport) != 13) $fatal(1, "bad N line %0d", n);
        {nat_enabled, partial, s1_ext, s1_if_flags, s1_if_fib, s1_outer, s1_outer_fib} =
            {v_en, v_part, v_ext, v_flags, v_fib, v_outer, v_ofib};
        {src, dst, sport, dport, proto, icmp_type, s1_l4_valid} = {v_src, v_dst, v_sport, v_dport, v_proto, v_icmp, v_l4v};
        {s2_lookup, s2_outer, s2_hit0, s2_entry0, s2_hit1, s2_entry1} = {v_look2, v_outer2, v_hit0, v_e0, v_hit1, v_e1};
        #1;
        what = "";
        if (s0_key_ext !== w_kext) what = {what, $sformatf(" key_ext %h/%h", s0_key_ext, w_kext)};
        if (s1_fib !== w_fib) what = {what, $sformatf(" fib %h/%h", s1_fib, w_fib)};
        if (s1_key0 !== w_k0) what = {what, $sformatf(" key0 %h/%h", s1_key0, w_k0)};
        if (s1_key1 !== w_k1) what = {what, $sformatf(" key1 %h/%h", s1_key1, w_k1)};
        if (s1_lookup !== w_lookup) what = {what, $sformatf(" lookup %b/%b", s1_lookup, w_lookup)};
        if (s1_software !== w_sw) what = {what, $sformatf(" software %b/%b", s1_software, w_sw)};
        if (s2_hit !== w_hit) what = {what, $sformatf(" hit %b/%b", s2_hit, w_hit)};
        if (w_hit && s2_entry !== w_entry) what = {what, $sformatf(" entry %h/%h", s2_entry, w_entry)};
        if (s2_new_src !== w_src) what = {what, $sformatf(" src %h/%h", s2_new_src, w_src)};
        if (s2_new_dst !== w_dst) what = {what, $sformatf(" dst %h/%h", s2_new_dst, w_dst)};
        if (s2_new_sport !== w_sport) what = {what, $sformatf(" sport %h/%h", s2_new_sport, w_sport)};
        if (s2_new_dport !== w_dport) what = {what, $sformatf(" dport %h/%h", s2_new_dport, w_dport)};
        if (what != "") begin
            errors++;
            if (errors <= 10)
                $display("packet %0d (nat %b, partial %b, ext %b, if flags %h, outer %b, proto %0d, icmp type %0d, l4 %b, hits %b%b): (got/want)%s",
                    n, v_en, v_part, v_ext, v_flags, v_outer, v_proto, v_icmp, v_l4v, v_hit0, v_hit1, what);
        end
        n++;
        lookups += w_lookup ? 1 : 0;
        hits += (w_lookup && w_hit) ? 1 : 0;
    end
    if (n == 0) $fatal(1, "no vectors in %s", path);
    $display("offload_nat: %0d packets (%0d looked up, %0d hits), %0d mismatches", n, lookups, hits, errors);
    if (errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
